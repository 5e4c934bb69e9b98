/* The advisory model: advisory input + findings -> per vulnerability and release a
 * CSAF product status, flag, reasons, fix, score and KEV (include/medfw/advisory.h,
 * docs/advisories.md). */
#include "medfw/advisory.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vuln/advjson_int.h"

#define WHAT "advisory"
#define ARENA_MAX (512u * 1024u * 1024u)
#define NOT_FOUND SIZE_MAX

struct storage {
	struct medfwi_arena arena;
};

const char *medfw_advisory_status_name(enum medfw_advisory_status status)
{
	switch (status) {
	case MEDFW_ADVISORY_UNLISTED: return "unlisted";
	case MEDFW_ADVISORY_KNOWN_AFFECTED: return "known_affected";
	case MEDFW_ADVISORY_KNOWN_NOT_AFFECTED: return "known_not_affected";
	case MEDFW_ADVISORY_FIXED: return "fixed";
	case MEDFW_ADVISORY_UNDER_INVESTIGATION: return "under_investigation";
	}
	return NULL;
}

enum medfw_err medfw_advisory_file_name(const struct medfw_advisory_input *in,
					enum medfw_advisory_output output,
					enum medfw_advisory_profile profile, char *out, size_t cap)
{
	const char *ext, *s;
	size_t n = 0, e;
	int run = 0;

	if (out == NULL || cap == 0)
		return MEDFW_ERR_INVALID_ARG;
	out[0] = '\0';
	switch (output) {
	case MEDFW_ADVISORY_OUT_CSAF:
		ext = profile == MEDFW_ADVISORY_PROFILE_VEX ? ".vex.json" : ".json";
		break;
	case MEDFW_ADVISORY_OUT_MARKDOWN: ext = ".md"; break;
	case MEDFW_ADVISORY_OUT_HTML: ext = ".html"; break;
	default: return MEDFW_ERR_INVALID_ARG;
	}
	if (in == NULL || in->tracking_id == NULL || in->tracking_id[0] == '\0')
		return MEDFW_ERR_INVALID_ARG;
	e = strlen(ext);
	for (s = in->tracking_id; *s != '\0'; s++) {
		char c = *s >= 'A' && *s <= 'Z' ? (char)(*s - 'A' + 'a') : *s;
		int keep = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '-';

		if (!keep && run)
			continue; /* a run of other characters is one '_' */
		run = !keep;
		if (n >= cap - 1 || cap - 1 - n <= e) {
			out[0] = '\0';
			return MEDFW_ERR_TOO_LARGE;
		}
		out[n++] = keep ? c : '_';
	}
	memcpy(out + n, ext, e + 1);
	return MEDFW_OK;
}

static const char *const flag_labels[] = {
	NULL,
	"component_not_present",
	"vulnerable_code_not_present",
	"vulnerable_code_not_in_execute_path",
	"vulnerable_code_cannot_be_controlled_by_adversary",
	"inline_mitigations_already_exist",
};

const char *medfw_advisory_flag_label(enum medfw_advisory_flag flag)
{
	if ((unsigned)flag >= sizeof(flag_labels) / sizeof(flag_labels[0]))
		return NULL;
	return flag_labels[flag];
}

/* CycloneDX justifications (and the false_positive state) as CSAF flags: the
 * cross-walk of docs/advisories.md. */
static const struct {
	const char *justification;
	enum medfw_advisory_flag flag;
} cyclonedx_flags[] = {
	{"code_not_present", MEDFW_ADVISORY_FLAG_CODE_NOT_PRESENT},
	{"code_not_reachable", MEDFW_ADVISORY_FLAG_NOT_IN_EXECUTE_PATH},
	{"requires_configuration", MEDFW_ADVISORY_FLAG_NOT_CONTROLLABLE},
	{"requires_dependency", MEDFW_ADVISORY_FLAG_NOT_CONTROLLABLE},
	{"requires_environment", MEDFW_ADVISORY_FLAG_NOT_CONTROLLABLE},
	{"protected_by_compiler", MEDFW_ADVISORY_FLAG_INLINE_MITIGATIONS},
	{"protected_at_runtime", MEDFW_ADVISORY_FLAG_INLINE_MITIGATIONS},
	{"protected_at_perimeter", MEDFW_ADVISORY_FLAG_INLINE_MITIGATIONS},
	{"protected_by_mitigating_control", MEDFW_ADVISORY_FLAG_INLINE_MITIGATIONS},
	{"false_positive", MEDFW_ADVISORY_FLAG_COMPONENT_NOT_PRESENT},
};

static enum medfw_advisory_flag flag_of(const char *s, size_t n)
{
	size_t i;

	for (i = 1; i < sizeof(flag_labels) / sizeof(flag_labels[0]); i++)
		if (strlen(flag_labels[i]) == n && memcmp(flag_labels[i], s, n) == 0)
			return (enum medfw_advisory_flag)i;
	for (i = 0; i < sizeof(cyclonedx_flags) / sizeof(cyclonedx_flags[0]); i++)
		if (strlen(cyclonedx_flags[i].justification) == n &&
		    memcmp(cyclonedx_flags[i].justification, s, n) == 0)
			return cyclonedx_flags[i].flag;
	return MEDFW_ADVISORY_FLAG_NONE;
}

enum medfw_advisory_flag medfw_advisory_flag_from_justification(const char *justification)
{
	enum medfw_advisory_flag weakest = MEDFW_ADVISORY_FLAG_NONE, f;
	const char *s = justification;

	if (s == NULL)
		return MEDFW_ADVISORY_FLAG_NONE;
	for (;;) {
		size_t n = strcspn(s, ",");

		while (n > 0 && s[0] == ' ') {
			s++;
			n--;
		}
		while (n > 0 && s[n - 1] == ' ')
			n--;
		f = flag_of(s, n);
		if (f == MEDFW_ADVISORY_FLAG_NONE)
			return MEDFW_ADVISORY_FLAG_NONE; /* one unknown part: no claim */
		if (f > weakest)
			weakest = f;
		s += strcspn(s, ",");
		if (*s == '\0')
			return weakest;
		s++;
	}
}

static const char *const general_recommendations[] = {
	"Keep the devices on a network segment (VLAN) of their own, behind a firewall that "
	"allows only the connections they need (the manufacturer's port list); never expose "
	"them to the internet.",
	"Allow remote access only when it is needed, through the hospital's VPN or the "
	"manufacturer's time-limited, audited remote-support sessions, and close it "
	"afterwards.",
	"Keep an inventory of the affected devices (model, UDI-DI, serial number, firmware "
	"version, location) and plan each update in a maintenance window with the clinical "
	"staff.",
	"Install firmware only from the manufacturer, and verify it before installing "
	"(signature and hashes, for example with medfw verify).",
	"Watch the network traffic of the devices and report unexpected behaviour or a "
	"suspected incident to the manufacturer and to your national authority.",
	NULL,
};

const char *const *medfw_advisory_general_recommendations(void)
{
	return general_recommendations;
}

void medfw_advisory_free(struct medfw_advisory *adv)
{
	struct storage *st;

	if (adv == NULL)
		return;
	st = adv->priv_;
	if (st != NULL) {
		medfwi_arena_free(&st->arena);
		free(st);
	}
	free(adv);
}

/* ------------------------------------------------------------ lookups */

struct key {
	const char *name;
	size_t index;
};

static int key_cmp(const void *a, const void *b)
{
	const struct key *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	if (c != 0)
		return c;
	return x->index < y->index ? -1 : x->index > y->index;
}

static size_t key_find(const struct key *keys, size_t n, const char *name)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(keys[mid].name, name);

		if (c == 0) {
			while (mid > 0 && strcmp(keys[mid - 1].name, name) == 0)
				mid--; /* the first: the smallest index */
			return keys[mid].index;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NOT_FOUND;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s != NULL ? s + 1 : path;
}

/* A used finding and where it goes. */
struct placed {
	size_t vuln;
	size_t entry;
	size_t finding;
};

static int placed_cmp(const void *a, const void *b)
{
	const struct placed *x = a, *y = b;

	if (x->vuln != y->vuln)
		return x->vuln < y->vuln ? -1 : 1;
	if (x->entry != y->entry)
		return x->entry < y->entry ? -1 : 1;
	return x->finding < y->finding ? -1 : x->finding > y->finding;
}

/* ------------------------------------------------------------ text lists */

struct builder {
	struct medfwi_jr jr;
	struct medfw_diag *diag;
	enum medfw_err err;
};

static int str_cmp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sort, drop duplicates and join `items` with `sep` into the arena; NULL for none. */
static const char *join(struct builder *b, const char **items, size_t n, const char *sep)
{
	size_t i, k = 0, len = 0, seplen = strlen(sep);
	char *out, *o;

	if (n == 0 || b->err != MEDFW_OK)
		return NULL;
	qsort(items, n, sizeof(*items), str_cmp);
	for (i = 0; i < n; i++)
		if (k == 0 || strcmp(items[k - 1], items[i]) != 0)
			items[k++] = items[i];
	for (i = 0; i < k; i++)
		len += strlen(items[i]) + (i > 0 ? seplen : 0);
	out = medfwi_arena_alloc(b->jr.arena, len + 1);
	if (out == NULL) {
		b->err = medfwi_jr_alloc_failed(&b->jr);
		return NULL;
	}
	for (i = 0, o = out; i < k; i++) {
		if (i > 0) {
			memcpy(o, sep, seplen);
			o += seplen;
		}
		memcpy(o, items[i], strlen(items[i]));
		o += strlen(items[i]);
	}
	*o = '\0';
	return out;
}

/* "a: b[: c]" in the arena (NULL parts skipped). */
static const char *concat3(struct builder *b, const char *x, const char *y, const char *z)
{
	const char *parts[3] = {x, y, z};
	size_t len = 0, i;
	char *out, *o;

	if (b->err != MEDFW_OK)
		return NULL;
	for (i = 0; i < 3; i++)
		len += parts[i] != NULL ? strlen(parts[i]) + 2 : 0;
	out = medfwi_arena_alloc(b->jr.arena, len + 1);
	if (out == NULL) {
		b->err = medfwi_jr_alloc_failed(&b->jr);
		return NULL;
	}
	for (i = 0, o = out; i < 3; i++) {
		if (parts[i] == NULL)
			continue;
		if (o != out) {
			memcpy(o, ": ", 2);
			o += 2;
		}
		memcpy(o, parts[i], strlen(parts[i]));
		o += strlen(parts[i]);
	}
	*o = '\0';
	return out;
}

/* ------------------------------------------------------------ one entry */

static void refuse(struct builder *b, const struct medfw_advisory_vuln *v,
		   const struct medfw_advisory_release *r, const char *fmt, ...)
	MEDFW_PRINTF(4, 5);

/* Fail the build: "advisory: <id>: <release> <message>". */
static void refuse(struct builder *b, const struct medfw_advisory_vuln *v,
		   const struct medfw_advisory_release *r, const char *fmt, ...)
{
	char msg[MEDFW_DIAG_MSG_MAX], q[160], id[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	b->err = medfw_diag_set(b->diag, MEDFW_ERR_FIELD_VALUE, WHAT ": %s: %s%s%s",
				medfwi_quote_n(v->input->display_id, 120, id, sizeof(id)),
				r != NULL ? medfwi_quote_n(r->full_name, 150, q, sizeof(q)) : "",
				r != NULL ? " " : "", msg);
}

static int declares(const struct medfw_advisory_release *r,
		    const struct medfw_advisory_vuln_input *v)
{
	size_t i, k;

	for (i = 0; i < r->fix_count; i++) {
		if (v->cve != NULL && strcmp(r->fixes[i], v->cve) == 0)
			return 1;
		for (k = 0; k < v->id_count; k++)
			if (strcmp(r->fixes[i], v->ids[k].text) == 0)
				return 1;
	}
	return 0;
}


/* The first affected component of a group, for a message. */
static const char *affected_components(const struct medfw_advisory_findings *fs,
				       const struct placed *group, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (fs->items[group[i].finding].status == MEDFW_FINDING_AFFECTED)
			return fs->items[group[i].finding].component;
	return "";
}

/* Decide one entry from its findings (group[0..n)); e->declared_fix is set. */
static void decide(struct builder *b, const struct medfw_advisory_findings *fs,
		   const struct placed *group, size_t n, const struct medfw_advisory_vuln *v,
		   const struct medfw_advisory_release *r, struct medfw_advisory_entry *e)
{
	int affected = 0, ui = 0, undetermined = 0, fixed = 0, not_affected = 0, missing = 0;
	enum medfw_advisory_flag weakest = MEDFW_ADVISORY_FLAG_NONE;
	const char **comps = NULL, **reasons = NULL;
	size_t i, nc = 0, nr = 0;
	enum medfw_finding_status want;

	e->finding_count = n;
	for (i = 0; i < n; i++) {
		const struct medfw_advisory_finding *f = &fs->items[group[i].finding];

		switch (f->status) {
		case MEDFW_FINDING_AFFECTED: affected = 1; break;
		case MEDFW_FINDING_UNDER_INVESTIGATION: ui = 1; break;
		case MEDFW_FINDING_UNDETERMINED: undetermined = 1; break;
		case MEDFW_FINDING_FIXED: fixed = 1; break;
		case MEDFW_FINDING_NOT_AFFECTED: {
			enum medfw_advisory_flag fl = medfw_advisory_flag_from_justification(
				f->vex ? f->justification : NULL);

			not_affected = 1;
			if (fl == MEDFW_ADVISORY_FLAG_NONE)
				missing = 1;
			else if (fl > weakest)
				weakest = fl;
			break;
		}
		}
	}
	if (affected) {
		e->status = MEDFW_ADVISORY_KNOWN_AFFECTED;
		want = MEDFW_FINDING_AFFECTED;
	} else if (ui || undetermined) {
		e->status = MEDFW_ADVISORY_UNDER_INVESTIGATION;
		want = MEDFW_FINDING_UNDER_INVESTIGATION;
	} else if (fixed) {
		e->status = MEDFW_ADVISORY_FIXED;
		want = MEDFW_FINDING_FIXED;
	} else if (not_affected) {
		e->status = MEDFW_ADVISORY_KNOWN_NOT_AFFECTED;
		e->flag = missing ? MEDFW_ADVISORY_FLAG_NONE : weakest;
		want = MEDFW_FINDING_NOT_AFFECTED;
	} else {
		return;
	}
	if (e->declared_fix && affected) {
		char q[160];

		refuse(b, v, r,
		       "declares the fix, but its findings say affected (%s); correct the SBOM or "
		       "record a VEX statement",
		       medfwi_quote_n(affected_components(fs, group, n), 120, q, sizeof(q)));
		return;
	}
	if (e->declared_fix && ui) {
		refuse(b, v, r, "declares the fix, but a VEX statement says it is under investigation");
		return;
	}
	comps = malloc(n * sizeof(*comps));
	reasons = malloc(n * sizeof(*reasons));
	if (comps == NULL || reasons == NULL) {
		free(comps);
		free(reasons);
		b->err = medfw_diag_set(b->diag, MEDFW_ERR_NOMEM, WHAT ": out of memory");
		return;
	}
	for (i = 0; i < n; i++) {
		const struct medfw_advisory_finding *f = &fs->items[group[i].finding];
		int match = f->status == want || (want == MEDFW_FINDING_UNDER_INVESTIGATION &&
						  f->status == MEDFW_FINDING_UNDETERMINED);

		if (!match)
			continue;
		comps[nc++] = f->component;
		if (want == MEDFW_FINDING_NOT_AFFECTED)
			reasons[nr++] = f->vex ? concat3(b, f->component,
							f->justification != NULL ? f->justification
										 : "not affected",
							f->detail)
					       : concat3(b, f->component,
							 f->evidence != NULL ? f->evidence
									     : "not affected",
							 NULL);
		else if (want == MEDFW_FINDING_UNDER_INVESTIGATION)
			reasons[nr++] = f->status == MEDFW_FINDING_UNDETERMINED
						? concat3(b, f->component,
							  "undetermined (the matcher could not decide)",
							  f->evidence)
						: concat3(b, f->component, "under investigation",
							  f->detail);
		else if (want == MEDFW_FINDING_FIXED && f->evidence != NULL)
			reasons[nr++] = concat3(b, f->component, f->evidence, NULL);
	}
	e->components = join(b, comps, nc, ", ");
	e->reason = e->declared_fix ? NULL : join(b, reasons, nr, "; ");
	if (e->declared_fix) {
		e->status = MEDFW_ADVISORY_FIXED; /* the manufacturer's statement decides */
		e->flag = MEDFW_ADVISORY_FLAG_NONE;
	}
	free(comps);
	free(reasons);
}

/* ------------------------------------------------------------ one vulnerability */

/* Declared fixes, the order and action checks. */
static void settle(struct builder *b, const struct medfw_advisory_input *in,
		   struct medfw_advisory_vuln *v)
{
	const struct medfw_advisory_vuln_input *vi = v->input;
	size_t *fix;
	size_t p, k, e = 0;
	int known = 0, action = vi->mitigation_count + vi->compensating_control_count +
					  vi->workaround_count > 0 ||
				  vi->no_fix_category != NULL;

	fix = medfwi_arena_alloc(b->jr.arena, (in->product_count > 0 ? in->product_count : 1) *
						      sizeof(*fix));
	if (fix == NULL) {
		b->err = medfwi_jr_alloc_failed(&b->jr);
		return;
	}
	v->fix_release = fix;
	for (p = 0; p < in->product_count; p++) {
		const struct medfw_advisory_product *pr = &in->products[p];
		size_t first = e;

		fix[p] = NOT_FOUND;
		for (k = 0; k < pr->release_count; k++, e++) {
			struct medfw_advisory_entry *en = &v->entries[e];

			if (!en->declared_fix)
				continue;
			en->status = MEDFW_ADVISORY_FIXED; /* also without findings */
			if (fix[p] == NOT_FOUND)
				fix[p] = k;
		}
		for (k = 0; k < pr->release_count; k++) {
			struct medfw_advisory_entry *en = &v->entries[first + k];
			const struct medfw_advisory_release *r = &pr->releases[k];

			if (en->status != MEDFW_ADVISORY_UNLISTED)
				known = 1;
			if (en->status != MEDFW_ADVISORY_KNOWN_AFFECTED)
				continue;
			if (fix[p] != NOT_FOUND && k > fix[p]) {
				refuse(b, v, r,
				       "is affected but listed after the release that fixes it (%s); "
				       "list releases oldest first",
				       pr->releases[fix[p]].version);
				return;
			}
			if (fix[p] == NOT_FOUND && !action) {
				refuse(b, v, r,
				       "is affected and the advisory input gives no action: add a "
				       "release that fixes it, no_fix, mitigations, "
				       "compensating_controls or workarounds");
				return;
			}
		}
	}
	if (!known)
		refuse(b, v, NULL,
		       "nothing is known about any release: no finding of a release's SBOM names "
		       "it and no release fixes it");
}

/* Score: the input's vector, else the best v3.x of the findings, else the best v2. */
static void score(const struct medfw_advisory_findings *fs, const struct placed *group,
		  size_t n, struct medfw_advisory_vuln *v)
{
	const struct medfw_advisory_finding *best = NULL;
	struct medfw_cvss c, best_c;
	size_t i;

	memset(&best_c, 0, sizeof(best_c));
	if (v->input->cvss_vector != NULL) {
		if (medfw_cvss_parse(v->input->cvss_vector, &v->cvss, NULL) == MEDFW_OK) {
			v->has_score = 1;
			snprintf(v->vector, sizeof(v->vector), "%s", v->input->cvss_vector);
			v->score_source = "advisory input";
		}
		return;
	}
	for (i = 0; i < n; i++) {
		const struct medfw_advisory_finding *f = &fs->items[group[i].finding];
		int v3, best_v3;

		if (f->severity_vector == NULL ||
		    medfw_cvss_parse(f->severity_vector, &c, NULL) != MEDFW_OK ||
		    c.version == MEDFW_CVSS_V40 || c.base_score < 0)
			continue;
		v3 = c.version == MEDFW_CVSS_V30 || c.version == MEDFW_CVSS_V31;
		best_v3 = best != NULL &&
			  (best_c.version == MEDFW_CVSS_V30 || best_c.version == MEDFW_CVSS_V31);
		if (best == NULL || (v3 && !best_v3) ||
		    (v3 == best_v3 &&
		     (c.base_score > best_c.base_score ||
		      (c.base_score == best_c.base_score &&
		       strcmp(f->severity_vector, best->severity_vector) < 0)))) {
			best = f;
			best_c = c;
		}
	}
	if (best == NULL)
		return;
	v->has_score = 1;
	v->cvss = best_c;
	snprintf(v->vector, sizeof(v->vector), "%s", best->severity_vector);
	v->score_source = best->severity_source != NULL ? best->severity_source : "findings";
}

static void kev(const struct medfw_advisory_findings *fs, const struct placed *group, size_t n,
		struct medfw_advisory_vuln *v)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct medfw_advisory_finding *f = &fs->items[group[i].finding];

		if (!f->kev_listed)
			continue;
		if (!v->kev_listed ||
		    (f->kev_date_added != NULL &&
		     (v->kev_date_added == NULL || strcmp(f->kev_date_added, v->kev_date_added) < 0))) {
			v->kev_listed = 1;
			v->kev_date_added = f->kev_date_added;
			v->kev_due_date = f->kev_due_date;
			v->kev_ransomware = f->kev_ransomware;
		}
	}
}

/* Copy the strings a vulnerability keeps from the findings into the arena. */
static const char *keep(struct builder *b, const char *s)
{
	const char *c;

	if (s == NULL || b->err != MEDFW_OK)
		return NULL;
	c = medfwi_arena_strndup(b->jr.arena, s, strlen(s));
	if (c == NULL)
		b->err = medfwi_jr_alloc_failed(&b->jr);
	return c;
}

/* ------------------------------------------------------------ build */

static enum medfw_err place_findings(struct builder *b, const struct medfw_advisory_input *in,
				     const struct medfw_advisory_findings *fs,
				     struct medfw_advisory *adv, struct placed **out_placed,
				     size_t *out_count)
{
	struct key *rel = NULL, *ids = NULL;
	struct placed *placed = NULL;
	const struct medfw_advisory_finding **uncovered = NULL;
	size_t nrel = 0, nids = 0, p, k, i, a, e, count = 0, nunc = 0;
	size_t nf = fs != NULL ? fs->count : 0;

	for (p = 0; p < in->product_count; p++)
		nrel += in->products[p].release_count;
	for (i = 0; i < in->vuln_count; i++)
		nids += (in->vulns[i].cve != NULL) + in->vulns[i].id_count;
	rel = calloc(nrel > 0 ? nrel : 1, sizeof(*rel));
	ids = calloc(nids > 0 ? nids : 1, sizeof(*ids));
	placed = calloc(nf > 0 ? nf : 1, sizeof(*placed));
	uncovered = calloc(nf > 0 ? nf : 1, sizeof(*uncovered));
	if (rel == NULL || ids == NULL || placed == NULL || uncovered == NULL) {
		b->err = medfw_diag_set(b->diag, MEDFW_ERR_NOMEM, WHAT ": out of memory");
		goto done;
	}
	for (p = 0, e = 0, nrel = 0; p < in->product_count; p++)
		for (k = 0; k < in->products[p].release_count; k++, e++)
			if (in->products[p].releases[k].sbom != NULL) {
				rel[nrel].name = in->products[p].releases[k].sbom;
				rel[nrel++].index = e;
			}
	for (i = 0, nids = 0; i < in->vuln_count; i++) {
		if (in->vulns[i].cve != NULL) {
			ids[nids].name = in->vulns[i].cve;
			ids[nids++].index = i;
		}
		for (k = 0; k < in->vulns[i].id_count; k++) {
			ids[nids].name = in->vulns[i].ids[k].text;
			ids[nids++].index = i;
		}
	}
	qsort(rel, nrel, sizeof(*rel), key_cmp);
	qsort(ids, nids, sizeof(*ids), key_cmp);
	for (i = 0; i < nf; i++) {
		const struct medfw_advisory_finding *f = &fs->items[i];
		size_t r = key_find(rel, nrel, base_name(f->sbom));
		size_t v = key_find(ids, nids, f->vuln_id);

		for (a = 0; v == NOT_FOUND && a < f->alias_count; a++)
			v = key_find(ids, nids, f->aliases[a]);
		if (r == NOT_FOUND) {
			adv->findings_other_sbom++;
		} else if (v == NOT_FOUND) {
			adv->findings_other_vuln++;
			if (medfw_finding_status_open(f->status))
				uncovered[nunc++] = f;
		} else {
			placed[count].vuln = v;
			placed[count].entry = r;
			placed[count++].finding = i;
		}
	}
	qsort(placed, count, sizeof(*placed), placed_cmp);
	adv->findings_used = count;
	if (nunc > 0) {
		adv->uncovered = medfwi_arena_alloc(b->jr.arena, nunc * sizeof(*adv->uncovered));
		if (adv->uncovered == NULL) {
			b->err = medfwi_jr_alloc_failed(&b->jr);
			goto done;
		}
		memcpy(adv->uncovered, uncovered, nunc * sizeof(*uncovered));
		adv->uncovered_count = nunc;
	}
	*out_placed = placed;
	*out_count = count;
	placed = NULL;
done:
	free(rel);
	free(ids);
	free(placed);
	free(uncovered);
	return b->err;
}

enum medfw_err medfw_advisory_build(const struct medfw_advisory_input *in,
				    const struct medfw_advisory_findings *findings,
				    struct medfw_advisory **out, struct medfw_diag *diag)
{
	struct medfw_advisory *adv;
	struct storage *st;
	struct builder b;
	struct placed *placed = NULL;
	size_t count = 0, nrel = 0, v, p, k, e, at = 0, end;

	if (out != NULL)
		*out = NULL;
	if (in == NULL || out == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, WHAT ": invalid argument");
	adv = calloc(1, sizeof(*adv));
	st = calloc(1, sizeof(*st));
	if (adv == NULL || st == NULL) {
		free(adv);
		free(st);
		return medfw_diag_set(diag, MEDFW_ERR_NOMEM, WHAT ": out of memory");
	}
	medfwi_arena_init(&st->arena, ARENA_MAX);
	adv->priv_ = st;
	adv->input = in;
	memset(&b, 0, sizeof(b));
	b.jr.arena = &st->arena;
	b.jr.diag = diag;
	b.jr.what = WHAT;
	b.diag = diag;
	for (p = 0; p < in->product_count; p++)
		nrel += in->products[p].release_count;
	if (place_findings(&b, in, findings, adv, &placed, &count) != MEDFW_OK)
		goto done;
	adv->vulns = medfwi_arena_alloc(b.jr.arena,
					(in->vuln_count > 0 ? in->vuln_count : 1) * sizeof(*adv->vulns));
	if (adv->vulns == NULL) {
		b.err = medfwi_jr_alloc_failed(&b.jr);
		goto done;
	}
	adv->vuln_count = in->vuln_count;
	for (v = 0; v < in->vuln_count && b.err == MEDFW_OK; v++) {
		struct medfw_advisory_vuln *av = &adv->vulns[v];
		size_t vstart = at;

		av->input = &in->vulns[v];
		av->entries = medfwi_arena_alloc(b.jr.arena, (nrel > 0 ? nrel : 1) *
								     sizeof(*av->entries));
		if (av->entries == NULL) {
			b.err = medfwi_jr_alloc_failed(&b.jr);
			break;
		}
		av->entry_count = nrel;
		for (p = 0, e = 0; p < in->product_count; p++)
			for (k = 0; k < in->products[p].release_count; k++, e++) {
				av->entries[e].product = p;
				av->entries[e].release = k;
				av->entries[e].declared_fix =
					declares(&in->products[p].releases[k], av->input);
			}
		while (at < count && placed[at].vuln == v && b.err == MEDFW_OK) {
			struct medfw_advisory_entry *en = &av->entries[placed[at].entry];

			for (end = at; end < count && placed[end].vuln == v &&
				       placed[end].entry == placed[at].entry;
			     end++)
				;
			decide(&b, findings, placed + at, end - at, av,
			       &in->products[en->product].releases[en->release], en);
			at = end;
		}
		if (b.err != MEDFW_OK)
			break;
		settle(&b, in, av);
		score(findings, placed + vstart, at - vstart, av);
		kev(findings, placed + vstart, at - vstart, av);
		/* what the model keeps from the findings, copied */
		av->score_source = av->score_source != NULL && strcmp(av->score_source, "advisory input") != 0
					   ? keep(&b, av->score_source)
					   : av->score_source;
		av->kev_date_added = keep(&b, av->kev_date_added);
		av->kev_due_date = keep(&b, av->kev_due_date);
		av->kev_ransomware = keep(&b, av->kev_ransomware);
	}
done:
	free(placed);
	if (b.err != MEDFW_OK) {
		medfw_advisory_free(adv);
		return b.err;
	}
	*out = adv;
	return MEDFW_OK;
}
