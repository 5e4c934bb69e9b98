/* OSV records: strict parse and evaluation (include/medfw/osv.h). */
#include "medfw/osv.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "medfw/cvss.h"
#include "medfw/json.h"
#include "vuln/advjson_int.h"

#define WHAT "OSV record"
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Bounds on one record. */
#define ID_MAX 256u
#define TEXT_MAX (256u * 1024u)   /* details */
#define SUMMARY_MAX (16u * 1024u)
#define NAME_MAX_ 1024u
#define URL_MAX 8192u
#define LIST_MAX 4096u            /* aliases, related, upstream, references, credits */
#define AFFECTED_MAX 16384u
#define RANGES_MAX 1024u
#define EVENTS_MAX 1024u
#define VERSIONS_MAX 65536u
#define SEVERITY_MAX 64u
#define JSON_TEXT_MAX (64u * 1024u) /* database_specific, ecosystem_specific */
#define ARENA_MAX (64u * 1024u * 1024u)

/* ----------------------------------------------------------- schema lists */

static const char *const top_fields[] = {
	"schema_version", "id",         "modified", "published", "withdrawn", "aliases",
	"related",        "upstream",   "summary",  "details",   "severity",  "affected",
	"references",     "credits",    "database_specific",
};

/* Home-database id prefixes of the schema's "prefix" definition (each followed by
 * '-'), plus "x_". */
static const char *const id_prefixes[] = {
	"ASB-A", "PUB-A", "ALPINE", "ALSA", "ALBA", "ALEA", "AZL", "BELL", "BIT", "CGA",
	"CLEANSTART", "CLSA", "CURL", "CVE", "DEBIAN", "DHI", "DRUPAL", "DSA", "DLA", "ELA",
	"DTSA", "ECHO", "EEF", "FreeBSD", "GHSA", "GO", "GSD", "HSEC", "JLSEC", "KUBE", "LBSEC",
	"LSN", "MAL", "MINI", "MGASA", "OESA", "OSEC", "OSV", "openSUSE-SU", "PHSA", "PSF",
	"PYSEC", "RHBA", "RHEA", "RHSA", "RLSA", "RXSA", "RSEC", "ROOT", "RUSTSEC", "SUSE-SU",
	"SUSE-RU", "SUSE-FU", "SUSE-OU", "UBUNTU", "USN", "V8",
};

/* The schema's ecosystemWithSuffix names (GIT included). */
static const char *const ecosystems[] = {
	"AlmaLinux", "Alpaquita", "Alpine", "Android", "Azure Linux",
	"BellSoft Hardened Containers", "Bioconductor", "Bitnami", "Chainguard", "CleanStart",
	"ConanCenter", "CRAN", "crates.io", "Debian", "Docker Hardened Images", "Echo",
	"FreeBSD", "GHC", "GitHub Actions", "Go", "Hackage", "Hex", "Julia", "Kubernetes",
	"Linux", "Mageia", "Maven", "MinimOS", "npm", "NuGet", "opam", "openEuler", "openSUSE",
	"OSS-Fuzz", "Packagist", "Photon OS", "Pub", "PyPI", "Red Hat", "Rocky Linux", "Root",
	"RubyGems", "SUSE", "SwiftURL", "TuxCare", "Ubuntu", "VSCode", "Wolfi", "GIT",
};

static const char *const range_types[] = {"SEMVER", "ECOSYSTEM", "GIT", NULL};
static const char *const severity_types[] = {"CVSS_V2", "CVSS_V3", "CVSS_V4", "Ubuntu", NULL};
static const char *const ubuntu_priorities[] = {"negligible", "low", "medium", "high",
						"critical"};
static const char *const reference_types[] = {"ADVISORY", "ARTICLE", "DETECTION", "DISCUSSION",
					      "REPORT", "FIX", "INTRODUCED", "GIT", "PACKAGE",
					      "EVIDENCE", "WEB", NULL};
static const char *const credit_types[] = {"FINDER", "REPORTER", "ANALYST", "COORDINATOR",
					   "REMEDIATION_DEVELOPER", "REMEDIATION_REVIEWER",
					   "REMEDIATION_VERIFIER", "TOOL", "SPONSOR", "OTHER", NULL};
static const char *const event_keys[] = {"introduced", "fixed", "last_affected", "limit"};

/* Ecosystem -> version scheme and purl type/namespace (for identity without a purl). */
struct eco_info {
	const char *name;
	enum medfw_version_scheme scheme;
	const char *purl_type;  /* NULL: no purl equivalent */
	const char *purl_ns;    /* fixed namespace (distributions), NULL: from the name */
	char name_split;        /* the name splits into namespace and name at the last... */
};

static const struct eco_info eco_table[] = {
	{"Alpine", MEDFW_VERSION_SCHEME_APK, "apk", "alpine", 0},
	{"Wolfi", MEDFW_VERSION_SCHEME_APK, "apk", "wolfi", 0},
	{"Chainguard", MEDFW_VERSION_SCHEME_APK, "apk", "chainguard", 0},
	{"Debian", MEDFW_VERSION_SCHEME_DEB, "deb", "debian", 0},
	{"Ubuntu", MEDFW_VERSION_SCHEME_DEB, "deb", "ubuntu", 0},
	{"Red Hat", MEDFW_VERSION_SCHEME_RPM, "rpm", "redhat", 0},
	{"AlmaLinux", MEDFW_VERSION_SCHEME_RPM, "rpm", "almalinux", 0},
	{"Rocky Linux", MEDFW_VERSION_SCHEME_RPM, "rpm", "rocky-linux", 0},
	{"SUSE", MEDFW_VERSION_SCHEME_RPM, "rpm", "suse", 0},
	{"openSUSE", MEDFW_VERSION_SCHEME_RPM, "rpm", "opensuse", 0},
	{"Photon OS", MEDFW_VERSION_SCHEME_RPM, "rpm", "photon", 0},
	{"Azure Linux", MEDFW_VERSION_SCHEME_RPM, "rpm", "azure-linux", 0},
	{"openEuler", MEDFW_VERSION_SCHEME_RPM, "rpm", "openeuler", 0},
	{"Mageia", MEDFW_VERSION_SCHEME_RPM, "rpm", "mageia", 0},
	{"PyPI", MEDFW_VERSION_SCHEME_PYPI, "pypi", NULL, 0},
	{"npm", MEDFW_VERSION_SCHEME_NPM, "npm", NULL, '/'},
	{"Go", MEDFW_VERSION_SCHEME_GOLANG, "golang", NULL, '/'},
	{"crates.io", MEDFW_VERSION_SCHEME_SEMVER, "cargo", NULL, 0},
	{"Hex", MEDFW_VERSION_SCHEME_SEMVER, "hex", NULL, 0},
	{"Pub", MEDFW_VERSION_SCHEME_SEMVER, "pub", NULL, 0},
	{"RubyGems", MEDFW_VERSION_SCHEME_GEM, "gem", NULL, 0},
	{"NuGet", MEDFW_VERSION_SCHEME_NUGET, "nuget", NULL, 0},
	{"ConanCenter", MEDFW_VERSION_SCHEME_CONAN, "conan", NULL, 0},
	{"Maven", MEDFW_VERSION_SCHEME_UNKNOWN, "maven", NULL, ':'},
	{"Packagist", MEDFW_VERSION_SCHEME_UNKNOWN, "composer", NULL, '/'},
	{"Hackage", MEDFW_VERSION_SCHEME_UNKNOWN, "hackage", NULL, 0},
	{"CRAN", MEDFW_VERSION_SCHEME_UNKNOWN, "cran", NULL, 0},
	{"SwiftURL", MEDFW_VERSION_SCHEME_UNKNOWN, NULL, NULL, 0},
};

/* The base name of an ecosystem ("Alpine" of "Alpine:v3.8") as a length. */
static size_t eco_base_len(const char *eco)
{
	const char *colon = strchr(eco, ':');

	return colon != NULL ? (size_t)(colon - eco) : strlen(eco);
}

static const struct eco_info *eco_find(const char *eco)
{
	size_t n, i;

	if (eco == NULL)
		return NULL;
	n = eco_base_len(eco);
	for (i = 0; i < COUNT(eco_table); i++)
		if (strlen(eco_table[i].name) == n && memcmp(eco_table[i].name, eco, n) == 0)
			return &eco_table[i];
	return NULL;
}

enum medfw_version_scheme medfw_osv_ecosystem_scheme(const char *ecosystem)
{
	const struct eco_info *e = eco_find(ecosystem);

	return e != NULL ? e->scheme : MEDFW_VERSION_SCHEME_UNKNOWN;
}

/* ---------------------------------------------------------------- parsing */

struct parse {
	struct medfwi_jr jr;
	struct medfw_osv_record *rec;
	int newer_minor; /* schema_version names a 1.x minor above MEDFW_OSV_SCHEMA_MINOR */
};

static enum medfw_err bad(struct parse *ps, enum medfw_err err, const char *path,
			  const char *what, const char *value)
{
	char q[64];

	if (value != NULL)
		return medfw_diag_set(ps->jr.diag, err, WHAT ": %s: \"%s\" %s", path,
				      medfwi_quote(value, q, sizeof(q)), what);
	return medfw_diag_set(ps->jr.diag, err, WHAT ": %s: %s", path, what);
}

/* "^[0-9]+\.[0-9]+\.[0-9]+" with major 1: records the minor. Other majors refused. */
static enum medfw_err check_schema_version(struct parse *ps, const char *v)
{
	unsigned long minor = 0;
	size_t i = 2;

	if (strncmp(v, "1.", 2) != 0 || v[2] < '0' || v[2] > '9')
		return bad(ps, MEDFW_ERR_FIELD_VALUE, "schema_version",
			   "is not a 1.x schema version medfw reads", v);
	while (v[i] >= '0' && v[i] <= '9') {
		if (minor > 100000)
			return bad(ps, MEDFW_ERR_FIELD_VALUE, "schema_version", "is out of range", v);
		minor = minor * 10 + (unsigned long)(v[i] - '0');
		i++;
	}
	if (v[i] != '\0' && v[i] != '.')
		return bad(ps, MEDFW_ERR_FIELD_VALUE, "schema_version", "is not MAJOR.MINOR.PATCH", v);
	ps->newer_minor = minor > MEDFW_OSV_SCHEMA_MINOR;
	return MEDFW_OK;
}

static int id_prefix_known(const char *id)
{
	size_t i, n;

	if (strncmp(id, "x_", 2) == 0)
		return 1;
	for (i = 0; i < COUNT(id_prefixes); i++) {
		n = strlen(id_prefixes[i]);
		if (strncmp(id, id_prefixes[i], n) == 0 && id[n] == '-')
			return 1;
	}
	return 0;
}

static int printable_token(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s == 0x7f)
			return 0;
	return 1;
}

/* The schema's timestamp: RFC 3339 date-time with 'T' and a 'Z' offset. */
static enum medfw_err check_time(struct parse *ps, const char *path, const char *v)
{
	struct medfwi_time t;
	size_t n = strlen(v);

	if (!medfwi_time_parse(v, &t) || v[10] != 'T' || n == 0 || v[n - 1] != 'Z')
		return bad(ps, MEDFW_ERR_FIELD_VALUE, path,
			   "is not an RFC 3339 UTC time (YYYY-MM-DDTHH:MM:SS[.frac]Z)", v);
	return MEDFW_OK;
}

static enum medfw_err check_ecosystem(struct parse *ps, const char *path, const char *eco)
{
	size_t n = eco_base_len(eco), i;
	const char *colon = strchr(eco, ':');

	if (colon != NULL && colon[1] == '\0')
		return bad(ps, MEDFW_ERR_FIELD_VALUE, path, "has an empty release suffix", eco);
	for (i = 0; i < COUNT(ecosystems); i++)
		if (strlen(ecosystems[i]) == n && memcmp(ecosystems[i], eco, n) == 0)
			return MEDFW_OK;
	if (ps->newer_minor && n > 0)
		return MEDFW_OK;
	return bad(ps, MEDFW_ERR_FIELD_VALUE, path, "is not a registered ecosystem", eco);
}

/* Compact JSON text of an optional object field (database_specific & co). */
static enum medfw_err json_text(struct parse *ps, const json_t *obj, const char *path,
				const char *key, const char **out)
{
	json_t *v;
	char *text, p[MEDFWI_PATH_MAX];
	enum medfw_err err;

	*out = NULL;
	err = medfwi_jr_object(&ps->jr, obj, path, key, 0, &v);
	if (err != MEDFW_OK || v == NULL)
		return err;
	text = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS);
	if (text == NULL)
		return medfw_diag_set(ps->jr.diag, MEDFW_ERR_NOMEM, WHAT ": out of memory");
	if (strlen(text) > JSON_TEXT_MAX) {
		free(text);
		medfwi_path_key(p, path, key);
		return bad(ps, MEDFW_ERR_TOO_LARGE, p, "is larger than 64 KiB", NULL);
	}
	*out = medfwi_arena_strndup(ps->jr.arena, text, strlen(text));
	free(text);
	return *out == NULL ? medfwi_jr_alloc_failed(&ps->jr) : MEDFW_OK;
}

static enum medfw_err parse_severity(struct parse *ps, const json_t *obj, const char *path,
				     struct medfw_osv_severity **out, size_t *count)
{
	char p[MEDFWI_PATH_MAX], q[MEDFWI_PATH_MAX];
	json_t *arr, *item;
	size_t n, i, k;
	struct medfw_osv_severity *sev;
	enum medfw_err err;
	int type;

	*out = NULL;
	*count = 0;
	err = medfwi_jr_array(&ps->jr, obj, path, "severity", MEDFWI_NULL_OK, SEVERITY_MAX, &arr, &n);
	if (err != MEDFW_OK || arr == NULL)
		return err;
	sev = medfwi_arena_alloc(ps->jr.arena, (n > 0 ? n : 1) * sizeof(*sev));
	if (sev == NULL)
		return medfwi_jr_alloc_failed(&ps->jr);
	for (i = 0; i < n; i++) {
		item = json_array_get(arr, i);
		medfwi_path_item(p, path, "severity", i);
		err = medfwi_jr_expect_object(&ps->jr, item, p);
		if (err == MEDFW_OK)
			err = medfwi_jr_enum(&ps->jr, item, p, "type", MEDFWI_REQUIRED, severity_types,
					     &type);
		if (err == MEDFW_OK)
			err = medfwi_jr_str(&ps->jr, item, p, "score", MEDFWI_REQUIRED, 1024,
					    &sev[i].score);
		if (err != MEDFW_OK)
			return err;
		sev[i].type = (enum medfw_osv_severity_type)(type + 1);
		sev[i].base_score = MEDFW_CVSS_NO_SCORE;
		medfwi_path_key(q, p, "score");
		if (sev[i].type == MEDFW_OSV_UBUNTU) {
			for (k = 0; k < COUNT(ubuntu_priorities); k++)
				if (strcmp(sev[i].score, ubuntu_priorities[k]) == 0)
					break;
			if (k == COUNT(ubuntu_priorities))
				return bad(ps, MEDFW_ERR_FIELD_VALUE, q, "is not an Ubuntu priority",
					   sev[i].score);
		} else {
			struct medfw_cvss c;
			struct medfw_diag d;
			enum medfw_cvss_version want = sev[i].type == MEDFW_OSV_CVSS_V2 ? MEDFW_CVSS_V2
						       : sev[i].type == MEDFW_OSV_CVSS_V4
							       ? MEDFW_CVSS_V40
							       : MEDFW_CVSS_NONE;

			medfw_diag_clear(&d);
			if (medfw_cvss_parse(sev[i].score, &c, &d) != MEDFW_OK)
				return medfw_diag_set(ps->jr.diag, MEDFW_ERR_FIELD_VALUE,
						      WHAT ": %s: %s", q, d.msg);
			if (want == MEDFW_CVSS_NONE ? (c.version != MEDFW_CVSS_V30 &&
						       c.version != MEDFW_CVSS_V31)
						    : c.version != want)
				return bad(ps, MEDFW_ERR_FIELD_VALUE, q,
					   "is a vector of another CVSS version than its type says",
					   sev[i].score);
			sev[i].base_score = c.base_score;
		}
	}
	*out = sev;
	*count = n;
	return MEDFW_OK;
}

static int git_hash(const char *v)
{
	size_t n = strlen(v), i;

	if (strcmp(v, "0") == 0)
		return 1;
	if (n != 40 && n != 64)
		return 0;
	for (i = 0; i < n; i++)
		if (!((v[i] >= '0' && v[i] <= '9') || (v[i] >= 'a' && v[i] <= 'f')))
			return 0;
	return 1;
}

static enum medfw_err parse_range(struct parse *ps, const json_t *item, const char *p,
				  int has_package, struct medfw_osv_range *r)
{
	char ep[MEDFWI_PATH_MAX], vp[MEDFWI_PATH_MAX];
	json_t *events;
	size_t n, i, j, k;
	int type, has_intro = 0, has_fixed = 0, has_last = 0;
	enum medfw_err err;

	err = medfwi_jr_expect_object(&ps->jr, item, p);
	if (err == MEDFW_OK)
		err = medfwi_jr_enum(&ps->jr, item, p, "type", MEDFWI_REQUIRED, range_types, &type);
	if (err == MEDFW_OK)
		err = medfwi_jr_str(&ps->jr, item, p, "repo", 0, URL_MAX, &r->repo);
	if (err == MEDFW_OK)
		err = medfwi_jr_array(&ps->jr, item, p, "events", MEDFWI_REQUIRED | MEDFWI_NONEMPTY,
				      EVENTS_MAX, &events, &n);
	if (err == MEDFW_OK) {
		json_t *ds;

		err = medfwi_jr_object(&ps->jr, item, p, "database_specific", 0, &ds);
	}
	if (err != MEDFW_OK)
		return err;
	r->type = (enum medfw_osv_range_type)(type + 1);
	if (r->type == MEDFW_OSV_RANGE_GIT && r->repo == NULL)
		return bad(ps, MEDFW_ERR_FIELD_MISSING, p, "a GIT range needs \"repo\"", NULL);
	if (!has_package && r->type != MEDFW_OSV_RANGE_GIT)
		return bad(ps, MEDFW_ERR_FIELD_VALUE, p,
			   "an entry without a package can only have GIT ranges", NULL);
	r->events = medfwi_arena_alloc(ps->jr.arena, n * sizeof(*r->events));
	if (r->events == NULL)
		return medfwi_jr_alloc_failed(&ps->jr);
	for (i = 0; i < n; i++) {
		json_t *ev = json_array_get(events, i);
		int found = -1;

		medfwi_path_item(ep, p, "events", i);
		err = medfwi_jr_expect_object(&ps->jr, ev, ep);
		if (err != MEDFW_OK)
			return err;
		for (k = 0; k < COUNT(event_keys); k++) {
			if (json_object_get(ev, event_keys[k]) == NULL)
				continue;
			if (found >= 0)
				return bad(ps, MEDFW_ERR_FIELD_VALUE, ep,
					   "an event has exactly one of introduced, fixed, "
					   "last_affected, limit",
					   NULL);
			found = (int)k;
		}
		if (found < 0)
			return bad(ps, MEDFW_ERR_FIELD_MISSING, ep,
				   "an event needs introduced, fixed, last_affected or limit", NULL);
		err = medfwi_jr_str(&ps->jr, ev, ep, event_keys[found], MEDFWI_REQUIRED | MEDFWI_NONEMPTY,
				    MEDFW_VERSION_MAX_LEN, &r->events[i].value);
		if (err != MEDFW_OK)
			return err;
		r->events[i].kind = (enum medfw_osv_event_kind)(found + 1);
		has_intro |= found == 0;
		has_fixed |= found == 1;
		has_last |= found == 2;
		medfwi_path_key(vp, ep, event_keys[found]);
		if (r->type == MEDFW_OSV_RANGE_GIT && !git_hash(r->events[i].value))
			return bad(ps, MEDFW_ERR_FIELD_VALUE, vp,
				   "is not a full-length commit hash (GIT ranges)", r->events[i].value);
	}
	if (!has_intro)
		return bad(ps, MEDFW_ERR_FIELD_VALUE, p,
			   "events must contain an introduced event (linter R0001)", NULL);
	if (has_fixed && has_last)
		return bad(ps, MEDFW_ERR_FIELD_VALUE, p,
			   "fixed and last_affected events are mutually exclusive", NULL);
	/* linter range-is-distinct: no value is both introduced and fixed */
	for (i = 0; i < n; i++) {
		if (r->events[i].kind != MEDFW_OSV_FIXED)
			continue;
		for (j = 0; j < n; j++) {
			if (r->events[j].kind == MEDFW_OSV_INTRODUCED &&
			    strcmp(r->events[i].value, r->events[j].value) == 0) {
				medfwi_path_item(ep, p, "events", i);
				return bad(ps, MEDFW_ERR_FIELD_VALUE, ep,
					   "is both introduced and fixed in the same range "
					   "(linter range-is-distinct)",
					   r->events[i].value);
			}
		}
	}
	r->event_count = n;
	return MEDFW_OK;
}

static enum medfw_err parse_affected(struct parse *ps, const json_t *item, const char *p,
				     struct medfw_osv_affected *a)
{
	char pp[MEDFWI_PATH_MAX], rp[MEDFWI_PATH_MAX];
	json_t *pkg, *ranges;
	size_t n, i;
	enum medfw_err err;

	err = medfwi_jr_expect_object(&ps->jr, item, p);
	if (err == MEDFW_OK)
		err = medfwi_jr_object(&ps->jr, item, p, "package", 0, &pkg);
	if (err != MEDFW_OK)
		return err;
	if (pkg != NULL) {
		medfwi_path_key(pp, p, "package");
		a->has_package = 1;
		err = medfwi_jr_str(&ps->jr, pkg, pp, "ecosystem", MEDFWI_REQUIRED | MEDFWI_NONEMPTY,
				    NAME_MAX_, &a->ecosystem);
		if (err == MEDFW_OK)
			err = medfwi_jr_str(&ps->jr, pkg, pp, "name", MEDFWI_REQUIRED, NAME_MAX_,
					    &a->name);
		if (err == MEDFW_OK)
			err = medfwi_jr_str(&ps->jr, pkg, pp, "purl", 0, MEDFW_PURL_MAX_LEN, &a->purl);
		if (err != MEDFW_OK)
			return err;
		medfwi_path_key(rp, pp, "ecosystem");
		err = check_ecosystem(ps, rp, a->ecosystem);
		if (err != MEDFW_OK)
			return err;
		if (a->purl != NULL) {
			struct medfw_diag d;

			medfw_diag_clear(&d);
			err = medfw_purl_parse(a->purl, MEDFW_PURL_LENIENT, &a->parsed_purl, &d);
			if (err == MEDFW_ERR_NOMEM)
				return medfw_diag_set(ps->jr.diag, err, WHAT ": out of memory");
			if (err != MEDFW_OK) {
				medfwi_path_key(rp, pp, "purl");
				return medfw_diag_set(ps->jr.diag, MEDFW_ERR_FIELD_VALUE,
						      WHAT ": %s: %s", rp, d.msg);
			}
		}
	}
	err = parse_severity(ps, item, p, &a->severity, &a->severity_count);
	if (err == MEDFW_OK && a->severity_count > 0 && ps->rec->severity_count > 0)
		return bad(ps, MEDFW_ERR_FIELD_VALUE, p,
			   "has \"severity\" although the record has one (the schema allows only one "
			   "of them)",
			   NULL);
	if (err == MEDFW_OK)
		err = medfwi_jr_array(&ps->jr, item, p, "ranges", 0, RANGES_MAX, &ranges, &n);
	if (err != MEDFW_OK)
		return err;
	a->ranges = medfwi_arena_alloc(ps->jr.arena, (n > 0 ? n : 1) * sizeof(*a->ranges));
	if (a->ranges == NULL)
		return medfwi_jr_alloc_failed(&ps->jr);
	for (i = 0; i < n; i++) {
		medfwi_path_item(rp, p, "ranges", i);
		err = parse_range(ps, json_array_get(ranges, i), rp, a->has_package, &a->ranges[i]);
		if (err != MEDFW_OK)
			return err;
	}
	a->range_count = n;
	err = medfwi_jr_str_array(&ps->jr, item, p, "versions", 0, VERSIONS_MAX, MEDFW_VERSION_MAX_LEN,
				  &a->versions, &a->version_count);
	if (err == MEDFW_OK)
		err = json_text(ps, item, p, "ecosystem_specific", &a->ecosystem_specific);
	if (err == MEDFW_OK)
		err = json_text(ps, item, p, "database_specific", &a->database_specific);
	return err;
}

static enum medfw_err parse_references(struct parse *ps, const json_t *root)
{
	char p[MEDFWI_PATH_MAX];
	json_t *arr;
	size_t n, i;
	enum medfw_err err;
	int t;

	err = medfwi_jr_array(&ps->jr, root, "", "references", MEDFWI_NULL_OK, LIST_MAX, &arr, &n);
	if (err != MEDFW_OK || arr == NULL)
		return err;
	ps->rec->references = medfwi_arena_alloc(ps->jr.arena, (n > 0 ? n : 1) * sizeof(*ps->rec->references));
	if (ps->rec->references == NULL)
		return medfwi_jr_alloc_failed(&ps->jr);
	for (i = 0; i < n; i++) {
		json_t *it = json_array_get(arr, i);

		medfwi_path_item(p, "", "references", i);
		err = medfwi_jr_expect_object(&ps->jr, it, p);
		if (err == MEDFW_OK)
			err = medfwi_jr_enum(&ps->jr, it, p, "type", MEDFWI_REQUIRED, reference_types, &t);
		if (err == MEDFW_OK)
			err = medfwi_jr_str(&ps->jr, it, p, "url", MEDFWI_REQUIRED | MEDFWI_NONEMPTY,
					    URL_MAX, &ps->rec->references[i].url);
		if (err != MEDFW_OK)
			return err;
		ps->rec->references[i].type = reference_types[t];
	}
	ps->rec->reference_count = n;
	return MEDFW_OK;
}

static enum medfw_err parse_credits(struct parse *ps, const json_t *root)
{
	char p[MEDFWI_PATH_MAX];
	json_t *arr;
	size_t n, i;
	enum medfw_err err;
	int t;

	err = medfwi_jr_array(&ps->jr, root, "", "credits", 0, LIST_MAX, &arr, &n);
	if (err != MEDFW_OK || arr == NULL)
		return err;
	ps->rec->credits = medfwi_arena_alloc(ps->jr.arena, (n > 0 ? n : 1) * sizeof(*ps->rec->credits));
	if (ps->rec->credits == NULL)
		return medfwi_jr_alloc_failed(&ps->jr);
	for (i = 0; i < n; i++) {
		json_t *it = json_array_get(arr, i);
		struct medfw_osv_credit *c = &ps->rec->credits[i];

		medfwi_path_item(p, "", "credits", i);
		err = medfwi_jr_expect_object(&ps->jr, it, p);
		if (err == MEDFW_OK)
			err = medfwi_jr_str(&ps->jr, it, p, "name", MEDFWI_REQUIRED, NAME_MAX_, &c->name);
		if (err == MEDFW_OK)
			err = medfwi_jr_enum(&ps->jr, it, p, "type", 0, credit_types, &t);
		if (err == MEDFW_OK)
			err = medfwi_jr_str_array(&ps->jr, it, p, "contact", 0, LIST_MAX, URL_MAX,
						  &c->contact, &c->contact_count);
		if (err != MEDFW_OK)
			return err;
		c->type = t >= 0 ? credit_types[t] : NULL;
	}
	ps->rec->credit_count = n;
	return MEDFW_OK;
}

static enum medfw_err parse_record(struct parse *ps, const json_t *root)
{
	struct medfw_osv_record *r = ps->rec;
	char p[MEDFWI_PATH_MAX];
	json_t *arr;
	const char *key;
	json_t *value;
	size_t n, i;
	enum medfw_err err;

	err = medfwi_jr_expect_object(&ps->jr, root, "");
	if (err != MEDFW_OK)
		return err;
	err = medfwi_jr_str(&ps->jr, root, "", "schema_version", 0, 64, &r->schema_version);
	if (err == MEDFW_OK && r->schema_version != NULL)
		err = check_schema_version(ps, r->schema_version);
	if (err != MEDFW_OK)
		return err;
	json_object_foreach((json_t *)(uintptr_t)root, key, value) {
		for (i = 0; i < COUNT(top_fields); i++)
			if (strcmp(key, top_fields[i]) == 0)
				break;
		if (i == COUNT(top_fields) && !ps->newer_minor)
			return bad(ps, MEDFW_ERR_FIELD_VALUE, key,
				   "is not a field of the OSV schema 1.7 (additionalProperties is "
				   "false)",
				   NULL);
	}
	err = medfwi_jr_str(&ps->jr, root, "", "id", MEDFWI_REQUIRED | MEDFWI_NONEMPTY, ID_MAX, &r->id);
	if (err == MEDFW_OK && !printable_token(r->id))
		return bad(ps, MEDFW_ERR_FIELD_VALUE, "id", "contains whitespace or controls", r->id);
	if (err == MEDFW_OK && !id_prefix_known(r->id) && !ps->newer_minor)
		return bad(ps, MEDFW_ERR_FIELD_VALUE, "id",
			   "does not start with a registered database prefix", r->id);
	if (err == MEDFW_OK)
		err = medfwi_jr_str(&ps->jr, root, "", "modified", MEDFWI_REQUIRED, 64, &r->modified);
	if (err == MEDFW_OK)
		err = check_time(ps, "modified", r->modified);
	if (err == MEDFW_OK)
		err = medfwi_jr_str(&ps->jr, root, "", "published", 0, 64, &r->published);
	if (err == MEDFW_OK && r->published != NULL)
		err = check_time(ps, "published", r->published);
	if (err == MEDFW_OK)
		err = medfwi_jr_str(&ps->jr, root, "", "withdrawn", 0, 64, &r->withdrawn);
	if (err == MEDFW_OK && r->withdrawn != NULL)
		err = check_time(ps, "withdrawn", r->withdrawn);
	if (err == MEDFW_OK)
		err = medfwi_jr_str_array(&ps->jr, root, "", "aliases", MEDFWI_NULL_OK, LIST_MAX, ID_MAX,
					  &r->aliases, &r->alias_count);
	if (err == MEDFW_OK)
		err = medfwi_jr_str_array(&ps->jr, root, "", "related", 0, LIST_MAX, ID_MAX, &r->related,
					  &r->related_count);
	if (err == MEDFW_OK)
		err = medfwi_jr_str_array(&ps->jr, root, "", "upstream", 0, LIST_MAX, ID_MAX,
					  &r->upstream, &r->upstream_count);
	if (err == MEDFW_OK)
		err = medfwi_jr_str(&ps->jr, root, "", "summary", 0, SUMMARY_MAX, &r->summary);
	if (err == MEDFW_OK)
		err = medfwi_jr_str(&ps->jr, root, "", "details", 0, TEXT_MAX, &r->details);
	if (err == MEDFW_OK)
		err = parse_severity(ps, root, "", &r->severity, &r->severity_count);
	if (err == MEDFW_OK)
		err = medfwi_jr_array(&ps->jr, root, "", "affected", MEDFWI_NULL_OK, AFFECTED_MAX, &arr,
				      &n);
	if (err != MEDFW_OK)
		return err;
	if (arr != NULL) {
		r->affected = medfwi_arena_alloc(ps->jr.arena, (n > 0 ? n : 1) * sizeof(*r->affected));
		if (r->affected == NULL)
			return medfwi_jr_alloc_failed(&ps->jr);
		for (i = 0; i < n; i++) {
			medfwi_path_item(p, "", "affected", i);
			r->affected_count = i + 1; /* so that medfw_osv_free finds its purl */
			err = parse_affected(ps, json_array_get(arr, i), p, &r->affected[i]);
			if (err != MEDFW_OK)
				return err;
		}
	}
	err = parse_references(ps, root);
	if (err == MEDFW_OK)
		err = parse_credits(ps, root);
	if (err == MEDFW_OK)
		err = json_text(ps, root, "", "database_specific", &r->database_specific);
	return err;
}

void medfw_osv_free(struct medfw_osv_record *record)
{
	struct medfwi_arena *arena;
	size_t i;

	if (record == NULL)
		return;
	for (i = 0; i < record->affected_count; i++)
		medfw_purl_free(record->affected[i].parsed_purl);
	arena = record->priv_;
	medfwi_arena_free(arena);
	free(arena);
}

enum medfw_err medfw_osv_parse_json(const json_t *root, struct medfw_osv_record **out,
				    struct medfw_diag *diag)
{
	struct medfwi_arena *arena;
	struct parse ps;
	enum medfw_err err;

	if (out == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, WHAT ": no output");
	*out = NULL;
	if (root == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, WHAT ": no document");
	arena = malloc(sizeof(*arena));
	if (arena == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_NOMEM, WHAT ": out of memory");
	medfwi_arena_init(arena, ARENA_MAX);
	memset(&ps, 0, sizeof(ps));
	ps.jr.arena = arena;
	ps.jr.diag = diag;
	ps.jr.what = WHAT;
	ps.rec = medfwi_arena_alloc(arena, sizeof(*ps.rec));
	if (ps.rec == NULL) {
		medfwi_arena_free(arena);
		free(arena);
		return medfw_diag_set(diag, MEDFW_ERR_NOMEM, WHAT ": out of memory");
	}
	ps.rec->priv_ = arena;
	err = parse_record(&ps, root);
	if (err != MEDFW_OK) {
		medfw_osv_free(ps.rec);
		return err;
	}
	*out = ps.rec;
	return MEDFW_OK;
}

enum medfw_err medfw_osv_parse(const uint8_t *data, size_t len, struct medfw_osv_record **out,
			       struct medfw_diag *diag)
{
	json_t *root = NULL;
	enum medfw_err err;

	if (out == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, WHAT ": no output");
	*out = NULL;
	if (data == NULL && len > 0)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, WHAT ": no data");
	err = medfw_json_parse(data, len, MEDFW_OSV_MAX_BYTES, MEDFW_OSV_MAX_DEPTH, &root, diag);
	if (err != MEDFW_OK)
		return err;
	err = medfw_osv_parse_json(root, out, diag);
	json_decref(root);
	return err;
}

/* ------------------------------------------------------------- evaluation */

/* Append to a fixed evidence buffer, truncating. */
static void put(char *buf, size_t cap, const char *fmt, ...) MEDFW_PRINTF(3, 4);

static void put(char *buf, size_t cap, const char *fmt, ...)
{
	size_t len = strlen(buf);
	va_list ap;

	if (len + 1 >= cap)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + len, cap - len, fmt, ap);
	va_end(ap);
}

enum ident {
	ID_NO = 0,
	ID_YES = 1,
};

/* A purl built from an ecosystem entry (no purl on one side). */
static struct medfw_purl *entry_purl(const struct medfw_osv_affected *a)
{
	const struct eco_info *e = eco_find(a->ecosystem);
	struct medfw_purl_parts parts;
	struct medfw_purl *p = NULL;
	char ns[NAME_MAX_ + 1];
	const char *cut;

	if (e == NULL || e->purl_type == NULL || a->name == NULL)
		return NULL;
	memset(&parts, 0, sizeof(parts));
	parts.type = e->purl_type;
	parts.name = a->name;
	if (e->purl_ns != NULL) {
		parts.namespace_ = e->purl_ns;
	} else if (e->name_split != 0 && (cut = strrchr(a->name, e->name_split)) != NULL) {
		size_t n = (size_t)(cut - a->name);

		if (n == 0 || n > NAME_MAX_)
			return NULL;
		memcpy(ns, a->name, n);
		ns[n] = '\0';
		parts.namespace_ = ns;
		parts.name = cut + 1;
	}
	if (medfw_purl_build(&parts, MEDFW_PURL_LENIENT, &p, NULL) != MEDFW_OK)
		return NULL;
	return p;
}

/* "https://github.com/ns/name(.git)?" -> pkg:github/ns/name (gitlab, bitbucket). */
static struct medfw_purl *repo_purl(const char *repo)
{
	static const struct {
		const char *prefix, *type;
	} hosts[] = {{"https://github.com/", "github"},
		     {"https://gitlab.com/", "gitlab"},
		     {"https://bitbucket.org/", "bitbucket"}};
	struct medfw_purl_parts parts;
	struct medfw_purl *p = NULL;
	char buf[512];
	char *slash;
	size_t i, n;

	for (i = 0; i < COUNT(hosts); i++) {
		n = strlen(hosts[i].prefix);
		if (strncmp(repo, hosts[i].prefix, n) != 0)
			continue;
		if (strlen(repo + n) >= sizeof(buf))
			return NULL;
		memcpy(buf, repo + n, strlen(repo + n) + 1);
		n = strlen(buf);
		while (n > 0 && buf[n - 1] == '/')
			buf[--n] = '\0';
		if (n > 4 && strcmp(buf + n - 4, ".git") == 0)
			buf[n - 4] = '\0';
		slash = strchr(buf, '/');
		if (slash == NULL || strchr(slash + 1, '/') != NULL || slash == buf || slash[1] == '\0')
			return NULL;
		*slash = '\0';
		memset(&parts, 0, sizeof(parts));
		parts.type = hosts[i].type;
		parts.namespace_ = buf;
		parts.name = slash + 1;
		if (medfw_purl_build(&parts, MEDFW_PURL_LENIENT, &p, NULL) != MEDFW_OK)
			return NULL;
		return p;
	}
	return NULL;
}

static int ascii_casecmp(const char *a, const char *b)
{
	for (; *a != '\0' && *b != '\0'; a++, b++) {
		char x = (*a >= 'A' && *a <= 'Z') ? (char)(*a - 'A' + 'a') : *a;
		char y = (*b >= 'A' && *b <= 'Z') ? (char)(*b - 'A' + 'a') : *b;

		if (x != y)
			return 1;
	}
	return *a != *b;
}

/* Is entry `a` about component `c` (whose purl, parsed, is cp or NULL)? `how`
 * receives the identity rule for the evidence. */
static enum ident identity(const struct medfw_osv_affected *a, const struct medfw_vuln_component *c,
			   const struct medfw_purl *cp, char *how, size_t how_cap)
{
	struct medfw_purl *built;
	int same;
	size_t i;

	how[0] = '\0';
	if (!a->has_package) {
		if (cp == NULL)
			return ID_NO;
		for (i = 0; i < a->range_count; i++) {
			built = repo_purl(a->ranges[i].repo);
			same = built != NULL && medfw_purl_same_package(built, cp);
			medfw_purl_free(built);
			if (same) {
				put(how, how_cap, "repository %s", a->ranges[i].repo);
				return ID_YES;
			}
		}
		return ID_NO;
	}
	if (a->parsed_purl != NULL && cp != NULL) {
		if (!medfw_purl_same_package(a->parsed_purl, cp))
			return ID_NO;
		put(how, how_cap, "purl");
		return ID_YES;
	}
	if (strncmp(a->ecosystem, "OSS-Fuzz", 8) == 0 && eco_base_len(a->ecosystem) == 8) {
		if ((cp == NULL || strcmp(cp->type, "generic") == 0) && c->name != NULL &&
		    ascii_casecmp(c->name, a->name) == 0 &&
		    (cp == NULL || ascii_casecmp(cp->name, a->name) == 0)) {
			put(how, how_cap, "OSS-Fuzz project name");
			return ID_YES;
		}
		return ID_NO;
	}
	if (cp == NULL)
		return ID_NO;
	built = entry_purl(a);
	same = built != NULL && medfw_purl_same_package(built, cp);
	medfw_purl_free(built);
	if (same) {
		put(how, how_cap, "ecosystem and name");
		return ID_YES;
	}
	return ID_NO;
}

/* Release of a per-release ecosystem, from the component purl's "distro" qualifier:
 * 1 when it names another release than the entry (skip the entry), else 0. */
static int other_release(const struct medfw_osv_affected *a, const struct medfw_purl *cp)
{
	const char *distro, *suffix, *v;
	char want[32];
	size_t n = 0;

	if (cp == NULL || a->ecosystem == NULL)
		return 0;
	suffix = strchr(a->ecosystem, ':');
	distro = medfw_purl_qualifier(cp, "distro");
	if (suffix == NULL || distro == NULL)
		return 0;
	suffix++;
	if (strncmp(a->ecosystem, "Alpine:", 7) == 0) {
		/* "alpine-3.8.1", "3.8", "v3.8" -> "v3.8" */
		v = distro;
		if (strncmp(v, "alpine-", 7) == 0)
			v += 7;
		if (*v == 'v')
			v++;
		want[n++] = 'v';
		while (*v >= '0' && *v <= '9' && n < 12)
			want[n++] = *v++;
		if (*v != '.')
			return 0;
		want[n++] = *v++;
		while (*v >= '0' && *v <= '9' && n < 24)
			want[n++] = *v++;
		want[n] = '\0';
		return strcmp(want, suffix) != 0;
	}
	if (strncmp(a->ecosystem, "Debian:", 7) == 0) {
		/* "debian-11", "11", "debian-11.7" -> "11" */
		v = distro;
		if (strncmp(v, "debian-", 7) == 0)
			v += 7;
		while (*v >= '0' && *v <= '9' && n < 12)
			want[n++] = *v++;
		if (n == 0 || (*v != '\0' && *v != '.'))
			return 0;
		want[n] = '\0';
		return strcmp(want, suffix) != 0;
	}
	return 0;
}

struct verdict_acc {
	struct medfw_vuln_verdict affected, undetermined, not_affected;
	int has_affected, has_undetermined, has_not_affected;
};

static void set_rule(struct medfw_vuln_verdict *v, const struct medfw_osv_record *r,
		     const char *fmt_part, size_t i, size_t j, const char *detail)
{
	v->rule[0] = '\0';
	put(v->rule, sizeof(v->rule), "%s affected[%zu].%s[%zu]%s", r->id, i, fmt_part, j,
	    detail);
}

static const char *scheme_label(const struct medfw_osv_range *rg, enum medfw_version_scheme s)
{
	return rg->type == MEDFW_OSV_RANGE_SEMVER ? "semver" : medfw_version_scheme_name(s);
}

/* Compare two validated versions. */
static int vcmp(enum medfw_version_scheme s, const char *a, const char *b)
{
	int c = 0;

	if (medfw_version_compare(s, a, b, &c, NULL) != MEDFW_OK)
		return 0;
	return c;
}

static int is_zero_intro(const struct medfw_osv_event *e)
{
	return e->kind == MEDFW_OSV_INTRODUCED && strcmp(e->value, "0") == 0;
}

/* Sort order of events: introduced "0" first, then by version, ties by kind. */
static int event_before(enum medfw_version_scheme s, const struct medfw_osv_event *a,
			const struct medfw_osv_event *b)
{
	static const int kind_rank[] = {0, 0, 2, 1, 3}; /* -, introduced, fixed, last_aff, limit */
	int c;

	if (is_zero_intro(a) != is_zero_intro(b))
		return is_zero_intro(a);
	if (is_zero_intro(a))
		return 0;
	if (a->kind == MEDFW_OSV_LIMIT && strcmp(a->value, "*") == 0)
		return 0;
	if (b->kind == MEDFW_OSV_LIMIT && strcmp(b->value, "*") == 0)
		return 1;
	c = vcmp(s, a->value, b->value);
	if (c != 0)
		return c < 0;
	return kind_rank[a->kind] < kind_rank[b->kind];
}

static const char *kind_name(enum medfw_osv_event_kind k)
{
	switch (k) {
	case MEDFW_OSV_INTRODUCED:
		return "introduced";
	case MEDFW_OSV_FIXED:
		return "fixed";
	case MEDFW_OSV_LAST_AFFECTED:
		return "last_affected";
	case MEDFW_OSV_LIMIT:
		return "limit";
	}
	return "event";
}

/* Evaluate one SEMVER or ECOSYSTEM range (the OSV specification's algorithm). */
static enum medfw_err eval_range(const struct medfw_osv_record *r, size_t ai, size_t ri,
				 const struct medfw_osv_affected *a, const char *version,
				 struct medfw_vuln_verdict *v)
{
	const struct medfw_osv_range *rg = &a->ranges[ri];
	enum medfw_version_scheme s;
	const struct medfw_osv_event **ev;
	struct medfw_diag d;
	char detail[160], q[64];
	const char *label;
	size_t i, j, n = rg->event_count;
	int state = 0, has_limit = 0, below_limit = 0;
	long fired = -1;

	memset(v, 0, sizeof(*v));
	if (rg->type == MEDFW_OSV_RANGE_SEMVER) {
		s = MEDFW_VERSION_SCHEME_GOLANG; /* SemVer 2.0, leading "v" tolerated */
		snprintf(detail, sizeof(detail), " (SEMVER %s)", a->ecosystem);
	} else {
		s = medfw_osv_ecosystem_scheme(a->ecosystem);
		snprintf(detail, sizeof(detail), " (ECOSYSTEM %s)", a->ecosystem);
	}
	set_rule(v, r, "ranges", ai, ri, detail);
	label = scheme_label(rg, s);
	if (s == MEDFW_VERSION_SCHEME_UNKNOWN) {
		put(v->comparison, sizeof(v->comparison),
		    "no version ordering for ecosystem %s", medfwi_quote(a->ecosystem, q, sizeof(q)));
		return MEDFW_OK; /* UNDETERMINED */
	}
	medfw_diag_clear(&d);
	if (medfw_version_validate(s, version, &d) != MEDFW_OK) {
		put(v->comparison, sizeof(v->comparison), "%s", d.msg);
		return MEDFW_OK;
	}
	for (i = 0; i < n; i++) {
		const struct medfw_osv_event *e = &rg->events[i];

		if (is_zero_intro(e) || (e->kind == MEDFW_OSV_LIMIT && strcmp(e->value, "*") == 0))
			continue;
		medfw_diag_clear(&d);
		if (medfw_version_validate(s, e->value, &d) != MEDFW_OK) {
			put(v->comparison, sizeof(v->comparison), "events[%zu] %s: %s", i,
			    kind_name(e->kind), d.msg);
			return MEDFW_OK;
		}
	}
	ev = malloc(n * sizeof(*ev));
	if (ev == NULL)
		return MEDFW_ERR_NOMEM;
	/* stable insertion sort (n is bounded by EVENTS_MAX) */
	for (i = 0; i < n; i++) {
		const struct medfw_osv_event *e = &rg->events[i];

		for (j = i; j > 0 && event_before(s, e, ev[j - 1]); j--)
			ev[j] = ev[j - 1];
		ev[j] = e;
	}
	for (i = 0; i < n; i++) {
		if (ev[i]->kind != MEDFW_OSV_LIMIT)
			continue;
		has_limit = 1;
		if (strcmp(ev[i]->value, "*") == 0 || vcmp(s, version, ev[i]->value) < 0)
			below_limit = 1;
	}
	if (has_limit && !below_limit) {
		for (i = 0; i < n && ev[i]->kind != MEDFW_OSV_LIMIT; i++)
			;
		put(v->comparison, sizeof(v->comparison), "%s %s >= limit %s", label, version,
		    ev[i]->value);
		v->outcome = MEDFW_VULN_NOT_AFFECTED;
		free(ev);
		return MEDFW_OK;
	}
	for (i = 0; i < n; i++) {
		const struct medfw_osv_event *e = ev[i];

		if (e->kind == MEDFW_OSV_INTRODUCED) {
			if (is_zero_intro(e) || vcmp(s, version, e->value) >= 0) {
				state = 1;
				fired = (long)i;
			}
		} else if (e->kind == MEDFW_OSV_FIXED) {
			if (vcmp(s, version, e->value) >= 0) {
				state = 0;
				fired = (long)i;
			}
		} else if (e->kind == MEDFW_OSV_LAST_AFFECTED) {
			if (vcmp(s, version, e->value) > 0) {
				state = 0;
				fired = (long)i;
			}
		}
	}
	if (state) {
		const struct medfw_osv_event *next = NULL;

		for (i = (size_t)fired + 1; i < n; i++)
			if (ev[i]->kind == MEDFW_OSV_FIXED || ev[i]->kind == MEDFW_OSV_LAST_AFFECTED) {
				next = ev[i];
				break;
			}
		v->outcome = MEDFW_VULN_AFFECTED;
		put(v->comparison, sizeof(v->comparison), "%s %s >= introduced %s", label, version,
		    ev[fired]->value);
		if (next == NULL) {
			put(v->comparison, sizeof(v->comparison), " (no fix after it)");
		} else if (next->kind == MEDFW_OSV_FIXED) {
			put(v->comparison, sizeof(v->comparison), ", < fixed %s", next->value);
			snprintf(v->fixed_version, sizeof(v->fixed_version), "%s", next->value);
		} else {
			put(v->comparison, sizeof(v->comparison), ", <= last_affected %s", next->value);
		}
	} else {
		v->outcome = MEDFW_VULN_NOT_AFFECTED;
		if (fired < 0) {
			for (i = 0; i < n && ev[i]->kind != MEDFW_OSV_INTRODUCED; i++)
				;
			put(v->comparison, sizeof(v->comparison), "%s %s < introduced %s", label,
			    version, i < n ? ev[i]->value : "?");
		} else {
			put(v->comparison, sizeof(v->comparison), "%s %s %s %s %s", label, version,
			    ev[fired]->kind == MEDFW_OSV_FIXED ? ">=" : ">", kind_name(ev[fired]->kind),
			    ev[fired]->value);
			for (i = (size_t)fired + 1; i < n; i++)
				if (ev[i]->kind == MEDFW_OSV_INTRODUCED) {
					put(v->comparison, sizeof(v->comparison),
					    ", < introduced %s", ev[i]->value);
					break;
				}
		}
	}
	free(ev);
	return MEDFW_OK;
}

/* The fixed version of the first non-GIT range that has `version` affected. */
static void fixed_from_ranges(const struct medfw_osv_record *r, size_t ai,
			      const struct medfw_osv_affected *a, const char *version,
			      struct medfw_vuln_verdict *out)
{
	struct medfw_vuln_verdict tmp;
	size_t j;

	for (j = 0; j < a->range_count; j++) {
		if (a->ranges[j].type == MEDFW_OSV_RANGE_GIT)
			continue;
		if (eval_range(r, ai, j, a, version, &tmp) == MEDFW_OK &&
		    tmp.outcome == MEDFW_VULN_AFFECTED && tmp.fixed_version[0] != '\0') {
			memcpy(out->fixed_version, tmp.fixed_version, sizeof(out->fixed_version));
			return;
		}
	}
}

static enum medfw_err eval_entry(const struct medfw_osv_record *r, size_t ai,
				 const struct medfw_osv_affected *a, const char *version,
				 const char *how, struct medfw_vuln_verdict *out)
{
	struct medfw_vuln_verdict rv, first_und, first_not;
	enum medfw_version_scheme s;
	size_t j, k, git = (size_t)-1, evaluated = 0;
	int has_und = 0, has_not = 0, git_only_versions = 1;
	char detail[200], q[64];
	enum medfw_err err;

	memset(out, 0, sizeof(*out));
	memset(&first_und, 0, sizeof(first_und));
	memset(&first_not, 0, sizeof(first_not));
	snprintf(detail, sizeof(detail), " (%s %s)", a->ecosystem != NULL ? a->ecosystem : "GIT",
		 how);
	for (j = 0; j < a->range_count; j++)
		if (a->ranges[j].type != MEDFW_OSV_RANGE_GIT)
			git_only_versions = 0;
	if (version == NULL || version[0] == '\0') {
		out->rule[0] = '\0';
		put(out->rule, sizeof(out->rule), "%s affected[%zu]%s", r->id, ai, detail);
		put(out->comparison, sizeof(out->comparison), "the component has no version");
		return MEDFW_OK;
	}
	/* versions[]: exact membership (a GIT-derived tag list also as "v" + version) */
	for (k = 0; k < a->version_count; k++) {
		int tag = 0;

		if (strcmp(a->versions[k], version) != 0) {
			if (!(git_only_versions && a->range_count > 0 && a->versions[k][0] == 'v' &&
			      strcmp(a->versions[k] + 1, version) == 0))
				continue;
			tag = 1;
		}
		out->outcome = MEDFW_VULN_AFFECTED;
		set_rule(out, r, "versions", ai, k, detail);
		put(out->comparison, sizeof(out->comparison), "version %s is listed%s%s",
		    medfwi_quote(version, q, sizeof(q)), tag ? " as tag " : "",
		    tag ? a->versions[k] : "");
		fixed_from_ranges(r, ai, a, version, out);
		return MEDFW_OK;
	}
	for (j = 0; j < a->range_count; j++) {
		if (a->ranges[j].type == MEDFW_OSV_RANGE_GIT) {
			if (git == (size_t)-1)
				git = j;
			continue;
		}
		evaluated++;
		err = eval_range(r, ai, j, a, version, &rv);
		if (err != MEDFW_OK)
			return err;
		if (rv.outcome == MEDFW_VULN_AFFECTED) {
			*out = rv;
			return MEDFW_OK;
		}
		if (rv.outcome == MEDFW_VULN_UNDETERMINED && !has_und) {
			first_und = rv;
			has_und = 1;
		} else if (rv.outcome == MEDFW_VULN_NOT_AFFECTED && !has_not) {
			first_not = rv;
			has_not = 1;
		}
	}
	if (evaluated > 0) {
		*out = has_und ? first_und : first_not;
		return MEDFW_OK;
	}
	if (git != (size_t)-1) {
		snprintf(detail, sizeof(detail), " (GIT %s)", a->ranges[git].repo);
		set_rule(out, r, "ranges", ai, git, detail);
		put(out->comparison, sizeof(out->comparison),
		    "a GIT range cannot be evaluated without the commit graph; version %s is not "
		    "among the %zu listed versions",
		    medfwi_quote(version, q, sizeof(q)), a->version_count);
		return MEDFW_OK; /* UNDETERMINED */
	}
	out->rule[0] = '\0';
	put(out->rule, sizeof(out->rule), "%s affected[%zu].versions%s", r->id, ai, detail);
	if (a->version_count == 0) {
		put(out->comparison, sizeof(out->comparison),
		    "the entry lists neither ranges nor versions");
		return MEDFW_OK;
	}
	/* versions only: not listed is NOT_AFFECTED when the scheme can tell equality */
	s = medfw_osv_ecosystem_scheme(a->ecosystem);
	if (s == MEDFW_VERSION_SCHEME_UNKNOWN ||
	    medfw_version_validate(s, version, NULL) != MEDFW_OK) {
		put(out->comparison, sizeof(out->comparison),
		    "version %s is not listed and cannot be compared in %s",
		    medfwi_quote(version, q, sizeof(q)),
		    s == MEDFW_VERSION_SCHEME_UNKNOWN ? "an unordered ecosystem"
						      : medfw_version_scheme_name(s));
		return MEDFW_OK;
	}
	for (k = 0; k < a->version_count; k++) {
		if (medfw_version_validate(s, a->versions[k], NULL) != MEDFW_OK)
			continue;
		if (vcmp(s, version, a->versions[k]) == 0) {
			out->outcome = MEDFW_VULN_AFFECTED;
			set_rule(out, r, "versions", ai, k, detail);
			put(out->comparison, sizeof(out->comparison), "%s %s == listed %s",
			    medfw_version_scheme_name(s), version, a->versions[k]);
			return MEDFW_OK;
		}
	}
	out->outcome = MEDFW_VULN_NOT_AFFECTED;
	put(out->comparison, sizeof(out->comparison), "%s %s is none of the %zu listed versions",
	    medfw_version_scheme_name(s), version, a->version_count);
	return MEDFW_OK;
}

enum medfw_err medfw_osv_evaluate(const struct medfw_osv_record *r,
				  const struct medfw_vuln_component *c,
				  struct medfw_vuln_verdict *out, struct medfw_diag *diag)
{
	struct medfw_purl *cp = NULL;
	struct verdict_acc acc;
	struct medfw_vuln_verdict ev;
	char how[160];
	size_t i, first_match = (size_t)-1;
	enum medfw_err err = MEDFW_OK;

	if (out == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "osv evaluate: no output");
	memset(out, 0, sizeof(*out));
	if (r == NULL || c == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "osv evaluate: no record or component");
	memset(&acc, 0, sizeof(acc));
	if (c->purl != NULL && c->purl[0] != '\0') {
		/* an unparseable component purl cannot identify anything: identity then
		 * rests on the name rules only (the SBOM reader reports the purl) */
		err = medfw_purl_parse(c->purl, MEDFW_PURL_LENIENT, &cp, NULL);
		if (err == MEDFW_ERR_NOMEM)
			return medfw_diag_set(diag, err, "osv evaluate: out of memory");
		err = MEDFW_OK;
	}
	for (i = 0; i < r->affected_count; i++) {
		const struct medfw_osv_affected *a = &r->affected[i];

		if (identity(a, c, cp, how, sizeof(how)) != ID_YES || other_release(a, cp))
			continue;
		if (first_match == (size_t)-1)
			first_match = i;
		if (r->withdrawn != NULL)
			continue;
		err = eval_entry(r, i, a, c->version, how, &ev);
		if (err != MEDFW_OK) {
			err = medfw_diag_set(diag, err, "osv evaluate: out of memory");
			goto done;
		}
		if (ev.outcome == MEDFW_VULN_AFFECTED && !acc.has_affected) {
			acc.affected = ev;
			acc.has_affected = 1;
			break;
		} else if (ev.outcome == MEDFW_VULN_UNDETERMINED && !acc.has_undetermined) {
			acc.undetermined = ev;
			acc.has_undetermined = 1;
		} else if (ev.outcome == MEDFW_VULN_NOT_AFFECTED && !acc.has_not_affected) {
			acc.not_affected = ev;
			acc.has_not_affected = 1;
		}
	}
	if (first_match == (size_t)-1) {
		out->outcome = MEDFW_VULN_NOT_RELEVANT;
	} else if (r->withdrawn != NULL) {
		out->outcome = MEDFW_VULN_NOT_AFFECTED;
		put(out->rule, sizeof(out->rule), "%s withdrawn %s (affected[%zu])", r->id,
		    r->withdrawn, first_match);
		put(out->comparison, sizeof(out->comparison),
		    "the record was withdrawn; its ranges are not evaluated");
	} else if (acc.has_affected) {
		*out = acc.affected;
	} else if (acc.has_undetermined) {
		*out = acc.undetermined;
	} else {
		*out = acc.not_affected;
	}
done:
	medfw_purl_free(cp);
	if (err != MEDFW_OK)
		memset(out, 0, sizeof(*out));
	return err;
}
