/* CVSS vectors: parsing, validation and the FIRST equations (include/medfw/cvss.h). */
#include "medfw/cvss.h"

#include <string.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define VALUES_MAX 6

/* One metric of a version: its abbreviation, its values (the first listed value of
 * an optional v2/v3 metric is its "Not Defined"), whether it is required. */
struct metric_def {
	const char *name;
	const char *values[VALUES_MAX];
	int required;
};

static const struct metric_def v3_defs[] = {
	{"AV", {"N", "A", "L", "P"}, 1},       {"AC", {"L", "H"}, 1},
	{"PR", {"N", "L", "H"}, 1},            {"UI", {"N", "R"}, 1},
	{"S", {"U", "C"}, 1},                  {"C", {"H", "L", "N"}, 1},
	{"I", {"H", "L", "N"}, 1},             {"A", {"H", "L", "N"}, 1},
	{"E", {"X", "U", "P", "F", "H"}, 0},   {"RL", {"X", "O", "T", "W", "U"}, 0},
	{"RC", {"X", "U", "R", "C"}, 0},       {"CR", {"X", "L", "M", "H"}, 0},
	{"IR", {"X", "L", "M", "H"}, 0},       {"AR", {"X", "L", "M", "H"}, 0},
	{"MAV", {"X", "N", "A", "L", "P"}, 0}, {"MAC", {"X", "L", "H"}, 0},
	{"MPR", {"X", "N", "L", "H"}, 0},      {"MUI", {"X", "N", "R"}, 0},
	{"MS", {"X", "U", "C"}, 0},            {"MC", {"X", "N", "L", "H"}, 0},
	{"MI", {"X", "N", "L", "H"}, 0},       {"MA", {"X", "N", "L", "H"}, 0},
};

static const struct metric_def v2_defs[] = {
	{"AV", {"L", "A", "N"}, 1},
	{"AC", {"H", "M", "L"}, 1},
	{"Au", {"M", "S", "N"}, 1},
	{"C", {"N", "P", "C"}, 1},
	{"I", {"N", "P", "C"}, 1},
	{"A", {"N", "P", "C"}, 1},
	{"E", {"ND", "U", "POC", "F", "H"}, 0},
	{"RL", {"ND", "OF", "TF", "W", "U"}, 0},
	{"RC", {"ND", "UC", "UR", "C"}, 0},
	{"CDP", {"ND", "N", "L", "LM", "MH", "H"}, 0},
	{"TD", {"ND", "N", "L", "M", "H"}, 0},
	{"CR", {"ND", "L", "M", "H"}, 0},
	{"IR", {"ND", "L", "M", "H"}, 0},
	{"AR", {"ND", "L", "M", "H"}, 0},
};

/* v4.0 in the order the specification (and the OSV schema's pattern) requires. */
static const struct metric_def v4_defs[] = {
	{"AV", {"N", "A", "L", "P"}, 1},
	{"AC", {"L", "H"}, 1},
	{"AT", {"N", "P"}, 1},
	{"PR", {"N", "L", "H"}, 1},
	{"UI", {"N", "P", "A"}, 1},
	{"VC", {"H", "L", "N"}, 1},
	{"VI", {"H", "L", "N"}, 1},
	{"VA", {"H", "L", "N"}, 1},
	{"SC", {"H", "L", "N"}, 1},
	{"SI", {"H", "L", "N"}, 1},
	{"SA", {"H", "L", "N"}, 1},
	{"E", {"X", "A", "P", "U"}, 0},
	{"CR", {"X", "H", "M", "L"}, 0},
	{"IR", {"X", "H", "M", "L"}, 0},
	{"AR", {"X", "H", "M", "L"}, 0},
	{"MAV", {"X", "N", "A", "L", "P"}, 0},
	{"MAC", {"X", "L", "H"}, 0},
	{"MAT", {"X", "N", "P"}, 0},
	{"MPR", {"X", "N", "L", "H"}, 0},
	{"MUI", {"X", "N", "P", "A"}, 0},
	{"MVC", {"X", "N", "L", "H"}, 0},
	{"MVI", {"X", "N", "L", "H"}, 0},
	{"MVA", {"X", "N", "L", "H"}, 0},
	{"MSC", {"X", "N", "L", "H"}, 0},
	{"MSI", {"X", "N", "L", "H", "S"}, 0},
	{"MSA", {"X", "N", "L", "H", "S"}, 0},
	{"S", {"X", "N", "P"}, 0},
	{"AU", {"X", "N", "Y"}, 0},
	{"R", {"X", "A", "U", "I"}, 0},
	{"V", {"X", "D", "C"}, 0},
	{"RE", {"X", "L", "M", "H"}, 0},
	{"U", {"X", "Clear", "Green", "Amber", "Red"}, 0},
};

static const struct metric_def *defs_of(enum medfw_cvss_version v, size_t *count)
{
	switch (v) {
	case MEDFW_CVSS_V2:
		*count = COUNT(v2_defs);
		return v2_defs;
	case MEDFW_CVSS_V30:
	case MEDFW_CVSS_V31:
		*count = COUNT(v3_defs);
		return v3_defs;
	case MEDFW_CVSS_V40:
		*count = COUNT(v4_defs);
		return v4_defs;
	case MEDFW_CVSS_NONE:
		break;
	}
	*count = 0;
	return NULL;
}

static int value_index(const struct metric_def *d, const char *v, size_t len)
{
	int i;

	for (i = 0; i < VALUES_MAX && d->values[i] != NULL; i++)
		if (strlen(d->values[i]) == len && memcmp(d->values[i], v, len) == 0)
			return i;
	return -1;
}

const char *medfw_cvss_version_name(enum medfw_cvss_version version)
{
	switch (version) {
	case MEDFW_CVSS_V2:
		return "2.0";
	case MEDFW_CVSS_V30:
		return "3.0";
	case MEDFW_CVSS_V31:
		return "3.1";
	case MEDFW_CVSS_V40:
		return "4.0";
	case MEDFW_CVSS_NONE:
		break;
	}
	return "";
}

const char *medfw_cvss_severity(int score)
{
	if (score < 0 || score > 100)
		return NULL;
	if (score == 0)
		return "NONE";
	if (score < 40)
		return "LOW";
	if (score < 70)
		return "MEDIUM";
	if (score < 90)
		return "HIGH";
	return "CRITICAL";
}

const char *medfw_cvss_metric(const struct medfw_cvss *cvss, const char *name)
{
	const struct metric_def *defs;
	size_t n, i;

	if (cvss == NULL || name == NULL)
		return NULL;
	for (i = 0; i < cvss->metric_count; i++)
		if (strcmp(cvss->metrics[i].name, name) == 0)
			return cvss->metrics[i].value;
	if (cvss->version == MEDFW_CVSS_V40)
		return NULL;
	defs = defs_of(cvss->version, &n);
	for (i = 0; i < n; i++)
		if (strcmp(defs[i].name, name) == 0)
			return defs[i].required ? NULL : defs[i].values[0];
	return NULL;
}

/* ------------------------------------------------------------------- scores */

/* Without libm: the rounding helpers only see finite, non-negative values below 1e6. */
static double ipow(double x, int n)
{
	double r = 1.0;

	while (n-- > 0)
		r *= x;
	return r;
}

static double dmin(double a, double b)
{
	return a < b ? a : b;
}

/* floor() for 0 <= x < 2^62. */
static long long dfloor(double x)
{
	return (long long)x;
}

/* ceil() for 0 <= x < 2^62. */
static long long dceil(double x)
{
	long long i = (long long)x;

	return (double)i < x ? i + 1 : i;
}

static char v(const struct medfw_cvss *c, const char *name)
{
	const char *s = medfw_cvss_metric(c, name);

	return s != NULL ? s[0] : 'X';
}

/* A modified v3 metric, or the base metric it modifies when Not Defined. */
static char mod(const struct medfw_cvss *c, const char *mname, const char *bname)
{
	char m = v(c, mname);

	return m == 'X' ? v(c, bname) : m;
}

static double w3_av(char x)
{
	return x == 'N' ? 0.85 : x == 'A' ? 0.62 : x == 'L' ? 0.55 : 0.2;
}

static double w3_ac(char x)
{
	return x == 'L' ? 0.77 : 0.44;
}

static double w3_pr(char x, int changed)
{
	if (x == 'N')
		return 0.85;
	if (x == 'L')
		return changed ? 0.68 : 0.62;
	return changed ? 0.5 : 0.27;
}

static double w3_ui(char x)
{
	return x == 'N' ? 0.85 : 0.62;
}

static double w3_cia(char x)
{
	return x == 'H' ? 0.56 : x == 'L' ? 0.22 : 0.0;
}

static double w3_e(char x)
{
	return x == 'F' ? 0.97 : x == 'P' ? 0.94 : x == 'U' ? 0.91 : 1.0;
}

static double w3_rl(char x)
{
	return x == 'W' ? 0.97 : x == 'T' ? 0.96 : x == 'O' ? 0.95 : 1.0;
}

static double w3_rc(char x)
{
	return x == 'R' ? 0.96 : x == 'U' ? 0.92 : 1.0;
}

static double w3_req(char x)
{
	return x == 'H' ? 1.5 : x == 'L' ? 0.5 : 1.0;
}

/* v3.1 Appendix A: Roundup on the input times 100000 rounded to an integer, which
 * removes floating-point artefacts. Result in tenths. */
static int roundup31(double x)
{
	long long i = dfloor(x * 100000.0 + 0.5);

	if (i % 10000 == 0)
		return (int)(i / 10000);
	return (int)(i / 10000 + 1);
}

/* v3.0: the smallest number, to one decimal place, equal to or higher than x. */
static int roundup30(double x)
{
	return (int)dceil(x * 10.0);
}

static void score_v3(struct medfw_cvss *c)
{
	int (*roundup)(double) = c->version == MEDFW_CVSS_V31 ? roundup31 : roundup30;
	int changed = v(c, "S") == 'C';
	int mchanged = mod(c, "MS", "S") == 'C';
	double iss, impact, expl, t, miss, mimpact, mexpl, inner;

	iss = 1.0 - (1.0 - w3_cia(v(c, "C"))) * (1.0 - w3_cia(v(c, "I"))) * (1.0 - w3_cia(v(c, "A")));
	impact = changed ? 7.52 * (iss - 0.029) - 3.25 * ipow(iss - 0.02, 15) : 6.42 * iss;
	expl = 8.22 * w3_av(v(c, "AV")) * w3_ac(v(c, "AC")) * w3_pr(v(c, "PR"), changed) *
	       w3_ui(v(c, "UI"));
	if (impact <= 0.0)
		c->base_score = 0;
	else if (changed)
		c->base_score = roundup(dmin(1.08 * (impact + expl), 10.0));
	else
		c->base_score = roundup(dmin(impact + expl, 10.0));

	t = w3_e(v(c, "E")) * w3_rl(v(c, "RL")) * w3_rc(v(c, "RC"));
	c->temporal_score = roundup((double)c->base_score / 10.0 * t);

	miss = 1.0 - (1.0 - w3_req(v(c, "CR")) * w3_cia(mod(c, "MC", "C"))) *
			     (1.0 - w3_req(v(c, "IR")) * w3_cia(mod(c, "MI", "I"))) *
			     (1.0 - w3_req(v(c, "AR")) * w3_cia(mod(c, "MA", "A")));
	miss = dmin(miss, 0.915);
	if (!mchanged)
		mimpact = 6.42 * miss;
	else if (c->version == MEDFW_CVSS_V31)
		mimpact = 7.52 * (miss - 0.029) - 3.25 * ipow(miss * 0.9731 - 0.02, 13);
	else
		mimpact = 7.52 * (miss - 0.029) - 3.25 * ipow(miss - 0.02, 15);
	mexpl = 8.22 * w3_av(mod(c, "MAV", "AV")) * w3_ac(mod(c, "MAC", "AC")) *
		w3_pr(mod(c, "MPR", "PR"), mchanged) * w3_ui(mod(c, "MUI", "UI"));
	if (mimpact <= 0.0) {
		c->environmental_score = 0;
		return;
	}
	inner = mchanged ? dmin(1.08 * (mimpact + mexpl), 10.0) : dmin(mimpact + mexpl, 10.0);
	c->environmental_score = roundup((double)roundup(inner) / 10.0 * t);
}

static double w2(const struct medfw_cvss *c, const char *name)
{
	const char *x = medfw_cvss_metric(c, name);

	if (x == NULL)
		return 1.0;
	if (strcmp(name, "AV") == 0)
		return x[0] == 'L' ? 0.395 : x[0] == 'A' ? 0.646 : 1.0;
	if (strcmp(name, "AC") == 0)
		return x[0] == 'H' ? 0.35 : x[0] == 'M' ? 0.61 : 0.71;
	if (strcmp(name, "Au") == 0)
		return x[0] == 'M' ? 0.45 : x[0] == 'S' ? 0.56 : 0.704;
	if (strcmp(name, "C") == 0 || strcmp(name, "I") == 0 || strcmp(name, "A") == 0)
		return x[0] == 'N' ? 0.0 : x[0] == 'P' ? 0.275 : 0.660;
	if (strcmp(name, "E") == 0)
		return strcmp(x, "U") == 0 ? 0.85 : strcmp(x, "POC") == 0 ? 0.9 : strcmp(x, "F") == 0 ? 0.95 : 1.0;
	if (strcmp(name, "RL") == 0)
		return strcmp(x, "OF") == 0 ? 0.87 : strcmp(x, "TF") == 0 ? 0.90 : strcmp(x, "W") == 0 ? 0.95 : 1.0;
	if (strcmp(name, "RC") == 0)
		return strcmp(x, "UC") == 0 ? 0.90 : strcmp(x, "UR") == 0 ? 0.95 : 1.0;
	if (strcmp(name, "CDP") == 0)
		return strcmp(x, "L") == 0    ? 0.1
		       : strcmp(x, "LM") == 0 ? 0.3
		       : strcmp(x, "MH") == 0 ? 0.4
		       : strcmp(x, "H") == 0  ? 0.5
					      : 0.0;
	if (strcmp(name, "TD") == 0)
		return strcmp(x, "N") == 0 ? 0.0 : strcmp(x, "L") == 0 ? 0.25 : strcmp(x, "M") == 0 ? 0.75 : 1.0;
	/* CR, IR, AR */
	return strcmp(x, "L") == 0 ? 0.5 : strcmp(x, "H") == 0 ? 1.51 : 1.0;
}

/* v2 guide: round_to_1_decimal, in tenths. */
static int round1(double x)
{
	return (int)dfloor(x * 10.0 + 0.5);
}

static int v2_base(double impact, double expl)
{
	double f = impact == 0.0 ? 0.0 : 1.176;

	return round1((0.6 * impact + 0.4 * expl - 1.5) * f);
}

static void score_v2(struct medfw_cvss *c)
{
	double ci = w2(c, "C"), ii = w2(c, "I"), ai = w2(c, "A");
	double impact = 10.41 * (1.0 - (1.0 - ci) * (1.0 - ii) * (1.0 - ai));
	double expl = 20.0 * w2(c, "AV") * w2(c, "AC") * w2(c, "Au");
	double t = w2(c, "E") * w2(c, "RL") * w2(c, "RC");
	double adj_impact, cdp;
	int adj_temporal;

	c->base_score = v2_base(impact, expl);
	c->temporal_score = round1((double)c->base_score / 10.0 * t);
	adj_impact = dmin(10.0, 10.41 * (1.0 - (1.0 - ci * w2(c, "CR")) * (1.0 - ii * w2(c, "IR")) *
					     (1.0 - ai * w2(c, "AR"))));
	adj_temporal = round1((double)v2_base(adj_impact, expl) / 10.0 * t);
	cdp = w2(c, "CDP");
	c->environmental_score =
		round1(((double)adj_temporal / 10.0 + (10.0 - (double)adj_temporal / 10.0) * cdp) *
		       w2(c, "TD"));
}

/* ------------------------------------------------------------------ parsing */

/* "cvss: <before>\"<a>\"<after>" with a printable rendering of a[0..alen). */
static enum medfw_err fail(struct medfw_cvss *out, struct medfw_diag *diag, const char *before,
			   const char *a, size_t alen, const char *after)
{
	char q[24];
	size_t i, n = alen < sizeof(q) - 1 ? alen : sizeof(q) - 1;

	for (i = 0; i < n; i++)
		q[i] = (a[i] >= 0x20 && a[i] < 0x7f && a[i] != '"') ? a[i] : '?';
	q[n] = '\0';
	memset(out, 0, sizeof(*out));
	return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "cvss: %s\"%s\"%s", before, q, after);
}

enum medfw_err medfw_cvss_parse(const char *vector, struct medfw_cvss *out, struct medfw_diag *diag)
{
	const struct metric_def *defs;
	const char *p, *end;
	size_t ndefs, len, i, next_def = 0;
	unsigned char seen[MEDFW_CVSS_METRICS_MAX];
	enum medfw_cvss_version ver;

	if (out == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "cvss: no output");
	memset(out, 0, sizeof(*out));
	if (vector == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "cvss: no vector");
	len = strnlen(vector, MEDFW_CVSS_VECTOR_MAX + 1);
	if (len > MEDFW_CVSS_VECTOR_MAX)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE,
				      "cvss: vector longer than %d bytes", MEDFW_CVSS_VECTOR_MAX);
	if (strncmp(vector, "CVSS:", 5) == 0) {
		if (strncmp(vector, "CVSS:3.0/", 9) == 0)
			ver = MEDFW_CVSS_V30;
		else if (strncmp(vector, "CVSS:3.1/", 9) == 0)
			ver = MEDFW_CVSS_V31;
		else if (strncmp(vector, "CVSS:4.0/", 9) == 0)
			ver = MEDFW_CVSS_V40;
		else
			return fail(out, diag, "unknown version prefix ", vector,
				    strcspn(vector, "/"), "");
		p = vector + 9;
	} else {
		ver = MEDFW_CVSS_V2;
		p = vector;
	}
	defs = defs_of(ver, &ndefs);
	memset(seen, 0, sizeof(seen));
	end = vector + len;
	if (len == 0)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "cvss: empty vector");
	if (p == end)
		return fail(out, diag, "no metrics after ", vector, len, "");
	while (p < end) {
		const char *tok_end = memchr(p, '/', (size_t)(end - p));
		const char *colon;
		size_t tlen, nlen, d;

		if (tok_end == NULL)
			tok_end = end;
		tlen = (size_t)(tok_end - p);
		colon = memchr(p, ':', tlen);
		if (colon == NULL || colon == p || colon + 1 == tok_end)
			return fail(out, diag, "", p, tlen, " is not METRIC:VALUE");
		nlen = (size_t)(colon - p);
		for (d = 0; d < ndefs; d++)
			if (strlen(defs[d].name) == nlen && memcmp(defs[d].name, p, nlen) == 0)
				break;
		if (d == ndefs)
			return fail(out, diag, "unknown metric ", p, nlen, "");
		if (seen[d])
			return fail(out, diag, "metric ", p, nlen, " appears twice");
		if (ver == MEDFW_CVSS_V40 && d < next_def)
			return fail(out, diag, "metric ", p, nlen, " out of the v4.0 order");
		if (value_index(&defs[d], colon + 1, (size_t)(tok_end - colon - 1)) < 0)
			return fail(out, diag, "invalid value in ", p, tlen, "");
		if (ver == MEDFW_CVSS_V40) {
			/* every required metric before this one must have been seen */
			for (i = next_def; i < d; i++) {
				char later[8];

				if (!defs[i].required)
					continue;
				later[0] = '/';
				memcpy(later + 1, defs[i].name, strlen(defs[i].name));
				later[1 + strlen(defs[i].name)] = ':';
				later[2 + strlen(defs[i].name)] = '\0';
				if (strstr(tok_end, later) != NULL)
					return fail(out, diag, "metric ", p, nlen,
						    " out of the v4.0 order");
				return fail(out, diag, "metric ", defs[i].name,
					    strlen(defs[i].name), " missing");
			}
			next_def = d + 1;
		}
		seen[d] = 1;
		memcpy(out->metrics[out->metric_count].name, p, nlen);
		memcpy(out->metrics[out->metric_count].value, colon + 1, (size_t)(tok_end - colon - 1));
		out->metric_count++;
		if (tok_end == end)
			break;
		p = tok_end + 1;
		if (p == end)
			return fail(out, diag, "trailing \"/\" in ", vector, len, "");
	}
	for (i = 0; i < ndefs; i++)
		if (defs[i].required && !seen[i])
			return fail(out, diag, "base metric ", defs[i].name,
				    strlen(defs[i].name), " missing");
	out->version = ver;
	if (ver == MEDFW_CVSS_V2) {
		score_v2(out);
	} else if (ver == MEDFW_CVSS_V40) {
		out->base_score = MEDFW_CVSS_NO_SCORE;
		out->temporal_score = MEDFW_CVSS_NO_SCORE;
		out->environmental_score = MEDFW_CVSS_NO_SCORE;
	} else {
		score_v3(out);
	}
	return MEDFW_OK;
}

/* ---------------------------------------------- FIRST JSON representation */

struct json_prop {
	const char *property;
	const char *metric;
	const char *json[7]; /* JSON values, parallel to codes */
	const char *codes[7];
};

static const struct json_prop v3_props[] = {
	{"attackVector", "AV", {"NETWORK", "ADJACENT_NETWORK", "LOCAL", "PHYSICAL"}, {"N", "A", "L", "P"}},
	{"attackComplexity", "AC", {"LOW", "HIGH"}, {"L", "H"}},
	{"privilegesRequired", "PR", {"NONE", "LOW", "HIGH"}, {"N", "L", "H"}},
	{"userInteraction", "UI", {"NONE", "REQUIRED"}, {"N", "R"}},
	{"scope", "S", {"UNCHANGED", "CHANGED"}, {"U", "C"}},
	{"confidentialityImpact", "C", {"NONE", "LOW", "HIGH"}, {"N", "L", "H"}},
	{"integrityImpact", "I", {"NONE", "LOW", "HIGH"}, {"N", "L", "H"}},
	{"availabilityImpact", "A", {"NONE", "LOW", "HIGH"}, {"N", "L", "H"}},
	{"exploitCodeMaturity",
	 "E",
	 {"UNPROVEN", "PROOF_OF_CONCEPT", "FUNCTIONAL", "HIGH", "NOT_DEFINED"},
	 {"U", "P", "F", "H", "X"}},
	{"remediationLevel",
	 "RL",
	 {"OFFICIAL_FIX", "TEMPORARY_FIX", "WORKAROUND", "UNAVAILABLE", "NOT_DEFINED"},
	 {"O", "T", "W", "U", "X"}},
	{"reportConfidence", "RC", {"UNKNOWN", "REASONABLE", "CONFIRMED", "NOT_DEFINED"}, {"U", "R", "C", "X"}},
	{"confidentialityRequirement", "CR", {"LOW", "MEDIUM", "HIGH", "NOT_DEFINED"}, {"L", "M", "H", "X"}},
	{"integrityRequirement", "IR", {"LOW", "MEDIUM", "HIGH", "NOT_DEFINED"}, {"L", "M", "H", "X"}},
	{"availabilityRequirement", "AR", {"LOW", "MEDIUM", "HIGH", "NOT_DEFINED"}, {"L", "M", "H", "X"}},
	{"modifiedAttackVector",
	 "MAV",
	 {"NETWORK", "ADJACENT_NETWORK", "LOCAL", "PHYSICAL", "NOT_DEFINED"},
	 {"N", "A", "L", "P", "X"}},
	{"modifiedAttackComplexity", "MAC", {"LOW", "HIGH", "NOT_DEFINED"}, {"L", "H", "X"}},
	{"modifiedPrivilegesRequired", "MPR", {"NONE", "LOW", "HIGH", "NOT_DEFINED"}, {"N", "L", "H", "X"}},
	{"modifiedUserInteraction", "MUI", {"NONE", "REQUIRED", "NOT_DEFINED"}, {"N", "R", "X"}},
	{"modifiedScope", "MS", {"UNCHANGED", "CHANGED", "NOT_DEFINED"}, {"U", "C", "X"}},
	{"modifiedConfidentialityImpact", "MC", {"NONE", "LOW", "HIGH", "NOT_DEFINED"}, {"N", "L", "H", "X"}},
	{"modifiedIntegrityImpact", "MI", {"NONE", "LOW", "HIGH", "NOT_DEFINED"}, {"N", "L", "H", "X"}},
	{"modifiedAvailabilityImpact", "MA", {"NONE", "LOW", "HIGH", "NOT_DEFINED"}, {"N", "L", "H", "X"}},
};

static const struct json_prop v2_props[] = {
	{"accessVector", "AV", {"NETWORK", "ADJACENT_NETWORK", "LOCAL"}, {"N", "A", "L"}},
	{"accessComplexity", "AC", {"HIGH", "MEDIUM", "LOW"}, {"H", "M", "L"}},
	{"authentication", "Au", {"MULTIPLE", "SINGLE", "NONE"}, {"M", "S", "N"}},
	{"confidentialityImpact", "C", {"NONE", "PARTIAL", "COMPLETE"}, {"N", "P", "C"}},
	{"integrityImpact", "I", {"NONE", "PARTIAL", "COMPLETE"}, {"N", "P", "C"}},
	{"availabilityImpact", "A", {"NONE", "PARTIAL", "COMPLETE"}, {"N", "P", "C"}},
	{"exploitability",
	 "E",
	 {"UNPROVEN", "PROOF_OF_CONCEPT", "FUNCTIONAL", "HIGH", "NOT_DEFINED"},
	 {"U", "POC", "F", "H", "ND"}},
	{"remediationLevel",
	 "RL",
	 {"OFFICIAL_FIX", "TEMPORARY_FIX", "WORKAROUND", "UNAVAILABLE", "NOT_DEFINED"},
	 {"OF", "TF", "W", "U", "ND"}},
	{"reportConfidence",
	 "RC",
	 {"UNCONFIRMED", "UNCORROBORATED", "CONFIRMED", "NOT_DEFINED"},
	 {"UC", "UR", "C", "ND"}},
	{"collateralDamagePotential",
	 "CDP",
	 {"NONE", "LOW", "LOW_MEDIUM", "MEDIUM_HIGH", "HIGH", "NOT_DEFINED"},
	 {"N", "L", "LM", "MH", "H", "ND"}},
	{"targetDistribution", "TD", {"NONE", "LOW", "MEDIUM", "HIGH", "NOT_DEFINED"}, {"N", "L", "M", "H", "ND"}},
	{"confidentialityRequirement", "CR", {"LOW", "MEDIUM", "HIGH", "NOT_DEFINED"}, {"L", "M", "H", "ND"}},
	{"integrityRequirement", "IR", {"LOW", "MEDIUM", "HIGH", "NOT_DEFINED"}, {"L", "M", "H", "ND"}},
	{"availabilityRequirement", "AR", {"LOW", "MEDIUM", "HIGH", "NOT_DEFINED"}, {"L", "M", "H", "ND"}},
};

enum medfw_err medfw_cvss_json_property_check(const struct medfw_cvss *cvss, const char *property,
					      const char *value, int *out_consistent,
					      struct medfw_diag *diag)
{
	const struct json_prop *props;
	size_t n, i, j;
	const char *have;

	if (out_consistent == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "cvss: no output");
	*out_consistent = 0;
	if (cvss == NULL || property == NULL || value == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "cvss: missing argument");
	if (cvss->version == MEDFW_CVSS_V2) {
		props = v2_props;
		n = COUNT(v2_props);
	} else if (cvss->version == MEDFW_CVSS_V30 || cvss->version == MEDFW_CVSS_V31) {
		props = v3_props;
		n = COUNT(v3_props);
	} else {
		return medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND,
				      "cvss: no JSON properties for version %s",
				      medfw_cvss_version_name(cvss->version));
	}
	for (i = 0; i < n; i++) {
		if (strcmp(props[i].property, property) != 0)
			continue;
		for (j = 0; j < COUNT(props[i].json) && props[i].json[j] != NULL; j++) {
			if (strcmp(props[i].json[j], value) != 0)
				continue;
			have = medfw_cvss_metric(cvss, props[i].metric);
			*out_consistent = have != NULL && strcmp(have, props[i].codes[j]) == 0;
			return MEDFW_OK;
		}
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "cvss: \"%s\" is not a value of %s", value, property);
	}
	return medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND, "cvss: %s is not a metric property",
			      property);
}
