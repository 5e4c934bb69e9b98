/* Findings for an advisory: from the JSON `medfw vuln match --json` prints, or from a
 * match result (include/medfw/advisory.h). */
#include "medfw/advisory.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "medfw/json.h"
#include "vuln/advjson_int.h"

#define WHAT "findings"
#define ARENA_MAX (512u * 1024u * 1024u)
#define MAX_DEPTH 16u
#define ID_MAX 256u
#define NAME_MAX_ 1024u
#define SOURCE_MAX 4096u
#define DETAIL_MAX 16384u

struct storage {
	struct medfwi_arena arena;
	struct medfw_advisory_finding *grown; /* the items of a set filled one by one */
	size_t cap;
};

void medfw_advisory_findings_free(struct medfw_advisory_findings *findings)
{
	struct storage *st;

	if (findings == NULL)
		return;
	st = findings->priv_;
	if (st != NULL) {
		medfwi_arena_free(&st->arena);
		free(st->grown);
		free(st);
	}
	free(findings);
}

static struct medfw_advisory_findings *new_set(struct medfwi_jr *jr, struct medfw_diag *diag)
{
	struct medfw_advisory_findings *set = calloc(1, sizeof(*set));
	struct storage *st = calloc(1, sizeof(*st));

	if (set == NULL || st == NULL) {
		free(set);
		free(st);
		medfw_diag_set(diag, MEDFW_ERR_NOMEM, WHAT ": out of memory");
		return NULL;
	}
	medfwi_arena_init(&st->arena, ARENA_MAX);
	set->priv_ = st;
	jr->arena = &st->arena;
	jr->diag = diag;
	jr->what = WHAT;
	return set;
}

static const char *dup_str(struct medfwi_jr *jr, const char *s)
{
	return s != NULL ? medfwi_arena_strndup(jr->arena, s, strlen(s)) : NULL;
}

/* "<name> <version>" (the name alone without a version). */
static const char *component_text(struct medfwi_jr *jr, const char *name, const char *version)
{
	size_t n = strlen(name), v = version != NULL ? strlen(version) : 0;
	char *s = medfwi_arena_alloc(jr->arena, n + v + 2);

	if (s == NULL)
		return NULL;
	memcpy(s, name, n);
	if (v > 0) {
		s[n] = ' ';
		memcpy(s + n + 1, version, v);
	}
	return s;
}

/* "<record>: <comparison>". */
static const char *evidence_text(struct medfwi_jr *jr, const char *record, const char *cmp)
{
	size_t r = record != NULL ? strlen(record) : 0, c = strlen(cmp);
	char *s = medfwi_arena_alloc(jr->arena, r + c + 3);

	if (s == NULL)
		return NULL;
	if (r > 0) {
		memcpy(s, record, r);
		memcpy(s + r, ": ", 2);
		r += 2;
	}
	memcpy(s + r, cmp, c);
	return s;
}

/* ------------------------------------------------------------ from a match */

enum medfw_err medfw_advisory_findings_from_match(const struct medfw_match_result *result,
						  struct medfw_advisory_findings **out,
						  struct medfw_diag *diag)
{
	struct medfw_advisory_findings *set;
	struct medfwi_jr jr;
	size_t i, k;

	if (out != NULL)
		*out = NULL;
	if (result == NULL || out == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, WHAT ": invalid argument");
	set = new_set(&jr, diag);
	if (set == NULL)
		return MEDFW_ERR_NOMEM;
	set->source = dup_str(&jr, "match result");
	set->items = medfwi_arena_alloc(jr.arena, (result->finding_count > 0 ? result->finding_count
									    : 1) *
							     sizeof(*set->items));
	if (set->source == NULL || set->items == NULL)
		goto nomem;
	for (i = 0; i < result->finding_count; i++) {
		const struct medfw_finding *f = &result->findings[i];
		struct medfw_advisory_finding *a = &set->items[i];

		a->sbom = dup_str(&jr, f->sbom_source != NULL ? f->sbom_source : "");
		a->vuln_id = dup_str(&jr, f->vuln_id);
		a->component = component_text(&jr, f->component->name, f->component->version);
		a->aliases = medfwi_arena_alloc(jr.arena, (f->alias_count > 0 ? f->alias_count : 1) *
								  sizeof(*a->aliases));
		if (a->sbom == NULL || a->vuln_id == NULL || a->component == NULL ||
		    a->aliases == NULL)
			goto nomem;
		for (k = 0; k < f->alias_count; k++)
			if ((a->aliases[k] = dup_str(&jr, f->aliases[k])) == NULL)
				goto nomem;
		a->alias_count = f->alias_count;
		a->status = f->status;
		if (f->vex != NULL) {
			a->vex = 1;
			a->justification = dup_str(&jr, f->vex->justification);
			a->detail = dup_str(&jr, f->vex->detail);
			if ((f->vex->justification != NULL && a->justification == NULL) ||
			    (f->vex->detail != NULL && a->detail == NULL))
				goto nomem;
		}
		if (f->status == MEDFW_FINDING_FIXED && f->pedigree) {
			if ((a->evidence = evidence_text(&jr, "pedigree", f->pedigree_rule)) == NULL)
				goto nomem;
		} else if (f->status == MEDFW_FINDING_NOT_AFFECTED ||
			   f->status == MEDFW_FINDING_UNDETERMINED) {
			enum medfw_vuln_outcome want = f->status == MEDFW_FINDING_NOT_AFFECTED
							       ? MEDFW_VULN_NOT_AFFECTED
							       : MEDFW_VULN_UNDETERMINED;

			for (k = 0; k < f->evidence_count && a->evidence == NULL; k++)
				if (f->evidence[k].verdict.outcome == want &&
				    (a->evidence = evidence_text(&jr, f->evidence[k].record_id,
								 f->evidence[k].verdict.comparison)) ==
					    NULL)
					goto nomem;
		}
		if (f->kev.listed) {
			a->kev_listed = 1;
			a->kev_date_added = dup_str(&jr, f->kev.date_added);
			a->kev_due_date = dup_str(&jr, f->kev.due_date);
			a->kev_ransomware = dup_str(&jr, f->kev.ransomware);
			if ((f->kev.date_added != NULL && a->kev_date_added == NULL) ||
			    (f->kev.due_date != NULL && a->kev_due_date == NULL) ||
			    (f->kev.ransomware != NULL && a->kev_ransomware == NULL))
				goto nomem;
		}
		if (f->severity.score_tenths != MEDFW_CVSS_NO_SCORE && f->severity.vector[0] != '\0') {
			a->severity_vector = dup_str(&jr, f->severity.vector);
			a->severity_source = dup_str(&jr, f->severity.source);
			if (a->severity_vector == NULL || a->severity_source == NULL)
				goto nomem;
		}
	}
	set->count = result->finding_count;
	*out = set;
	return MEDFW_OK;
nomem:
	medfw_advisory_findings_free(set);
	return medfw_diag_set(diag, MEDFW_ERR_NOMEM, WHAT ": out of memory");
}

/* ------------------------------------------------------------ from JSON */

static const char *const status_names[] = {"undetermined", "affected", "not_affected", "fixed",
					   "under_investigation", NULL};

static enum medfw_err bad(struct medfwi_jr *jr, const char *path, const char *key,
			  const char *why)
{
	char p[MEDFWI_PATH_MAX];

	medfwi_path_key(p, path, key);
	return medfw_diag_set(jr->diag, MEDFW_ERR_FIELD_VALUE, WHAT ": %s: %s", p, why);
}

/* The object at obj[key], or NULL when absent or null. */
static enum medfw_err opt_object(struct medfwi_jr *jr, const json_t *obj, const char *path,
				 const char *key, json_t **out)
{
	return medfwi_jr_object(jr, obj, path, key, MEDFWI_NULL_OK, out);
}

static enum medfw_err parse_evidence(struct medfwi_jr *jr, const json_t *f, const char *p,
				     struct medfw_advisory_finding *a)
{
	char q[MEDFWI_PATH_MAX];
	const char *want = a->status == MEDFW_FINDING_NOT_AFFECTED   ? "not_affected"
			   : a->status == MEDFW_FINDING_UNDETERMINED ? "undetermined"
								     : NULL;
	const char *pedigree = NULL, *outcome, *cmp, *record;
	json_t *arr;
	size_t n, i;
	enum medfw_err err;

	err = medfwi_jr_str(jr, f, p, "pedigree", MEDFWI_NULL_OK, MEDFW_VULN_EVIDENCE_MAX,
			    &pedigree);
	if (err == MEDFW_OK)
		err = medfwi_jr_array(jr, f, p, "evidence", MEDFWI_NULL_OK, 100000, &arr, &n);
	if (err != MEDFW_OK)
		return err;
	if (a->status == MEDFW_FINDING_FIXED && pedigree != NULL) {
		a->evidence = evidence_text(jr, "pedigree", pedigree);
		return a->evidence == NULL ? medfwi_jr_alloc_failed(jr) : MEDFW_OK;
	}
	for (i = 0; i < n; i++) {
		const json_t *e = json_array_get(arr, i);

		medfwi_path_item(q, p, "evidence", i);
		err = medfwi_jr_expect_object(jr, e, q);
		if (err == MEDFW_OK)
			err = medfwi_jr_str(jr, e, q, "outcome", MEDFWI_REQUIRED | MEDFWI_NONEMPTY, 32,
					    &outcome);
		if (err == MEDFW_OK)
			err = medfwi_jr_str(jr, e, q, "comparison", MEDFWI_REQUIRED,
					    MEDFW_VULN_EVIDENCE_MAX, &cmp);
		if (err == MEDFW_OK)
			err = medfwi_jr_str(jr, e, q, "record", MEDFWI_NULL_OK, ID_MAX, &record);
		if (err != MEDFW_OK)
			return err;
		if (want != NULL && a->evidence == NULL && strcmp(outcome, want) == 0) {
			a->evidence = evidence_text(jr, record, cmp);
			if (a->evidence == NULL)
				return medfwi_jr_alloc_failed(jr);
		}
	}
	return MEDFW_OK;
}

/* One finding; `sbom` (NULL: the JSON's) names its SBOM. */
static enum medfw_err parse_finding(struct medfwi_jr *jr, const json_t *f, const char *p,
				    const char *sbom, struct medfw_advisory_finding *a)
{
	const unsigned req = MEDFWI_REQUIRED | MEDFWI_NONEMPTY;
	char q[MEDFWI_PATH_MAX];
	const char *name = NULL, *version = NULL;
	json_t *comp, *vex, *kev, *sev;
	int status, listed = 0;
	enum medfw_err err;

	err = medfwi_jr_expect_object(jr, f, p);
	if (err == MEDFW_OK && sbom == NULL)
		err = medfwi_jr_str(jr, f, p, "sbom", req, SOURCE_MAX, &a->sbom);
	if (err == MEDFW_OK && sbom != NULL && (a->sbom = dup_str(jr, sbom)) == NULL)
		err = medfwi_jr_alloc_failed(jr);
	if (err == MEDFW_OK)
		err = medfwi_jr_str(jr, f, p, "vulnerability", req, ID_MAX, &a->vuln_id);
	if (err == MEDFW_OK)
		err = medfwi_jr_str_array(jr, f, p, "aliases", MEDFWI_NULL_OK, 1000,
					  ID_MAX, &a->aliases, &a->alias_count);
	if (err == MEDFW_OK)
		err = medfwi_jr_enum(jr, f, p, "status", MEDFWI_REQUIRED, status_names, &status);
	if (err == MEDFW_OK)
		err = medfwi_jr_object(jr, f, p, "component", MEDFWI_REQUIRED, &comp);
	if (err != MEDFW_OK)
		return err;
	a->status = (enum medfw_finding_status)status;
	medfwi_path_key(q, p, "component");
	err = medfwi_jr_str(jr, comp, q, "name", MEDFWI_REQUIRED, NAME_MAX_, &name);
	if (err == MEDFW_OK)
		err = medfwi_jr_str(jr, comp, q, "version", MEDFWI_NULL_OK, NAME_MAX_, &version);
	if (err != MEDFW_OK)
		return err;
	a->component = component_text(jr, name, version);
	if (a->component == NULL)
		return medfwi_jr_alloc_failed(jr);
	err = opt_object(jr, f, p, "vex", &vex);
	if (err == MEDFW_OK && vex != NULL) {
		medfwi_path_key(q, p, "vex");
		a->vex = 1;
		err = medfwi_jr_str(jr, vex, q, "justification", MEDFWI_NULL_OK, NAME_MAX_,
				    &a->justification);
		if (err == MEDFW_OK)
			err = medfwi_jr_str(jr, vex, q, "detail", MEDFWI_NULL_OK, DETAIL_MAX,
					    &a->detail);
	}
	if (err == MEDFW_OK)
		err = parse_evidence(jr, f, p, a);
	if (err == MEDFW_OK)
		err = opt_object(jr, f, p, "kev", &kev);
	if (err == MEDFW_OK && kev != NULL) {
		json_t *l = json_object_get(kev, "listed");

		medfwi_path_key(q, p, "kev");
		if (l != NULL && !json_is_boolean(l))
			return bad(jr, q, "listed", "must be true or false");
		listed = json_is_true(l);
		err = medfwi_jr_str(jr, kev, q, "date_added", MEDFWI_NULL_OK, 16, &a->kev_date_added);
		if (err == MEDFW_OK)
			err = medfwi_jr_str(jr, kev, q, "due_date", MEDFWI_NULL_OK, 16,
					    &a->kev_due_date);
		if (err == MEDFW_OK)
			err = medfwi_jr_str(jr, kev, q, "known_ransomware_campaign_use",
					    MEDFWI_NULL_OK, 64, &a->kev_ransomware);
		if (err != MEDFW_OK)
			return err;
		if (a->kev_date_added != NULL && !medfwi_date_valid(a->kev_date_added))
			return bad(jr, q, "date_added", "is not a date (YYYY-MM-DD)");
		if (a->kev_due_date != NULL && !medfwi_date_valid(a->kev_due_date))
			return bad(jr, q, "due_date", "is not a date (YYYY-MM-DD)");
		if (listed && a->kev_date_added == NULL)
			return bad(jr, q, "date_added", "is missing for a listed vulnerability");
		a->kev_listed = listed;
		if (!listed)
			a->kev_date_added = a->kev_due_date = a->kev_ransomware = NULL;
	}
	if (err == MEDFW_OK)
		err = opt_object(jr, f, p, "severity", &sev);
	if (err == MEDFW_OK && sev != NULL) {
		struct medfw_cvss c;
		struct medfw_diag d;

		medfwi_path_key(q, p, "severity");
		err = medfwi_jr_str(jr, sev, q, "vector", MEDFWI_REQUIRED | MEDFWI_NONEMPTY,
				    MEDFW_CVSS_VECTOR_MAX, &a->severity_vector);
		if (err == MEDFW_OK)
			err = medfwi_jr_str(jr, sev, q, "source", MEDFWI_NULL_OK, 256,
					    &a->severity_source);
		if (err != MEDFW_OK)
			return err;
		medfw_diag_clear(&d);
		if (medfw_cvss_parse(a->severity_vector, &c, &d) != MEDFW_OK)
			return bad(jr, q, "vector", d.msg);
	}
	return err;
}

enum medfw_err medfw_advisory_findings_parse(const char *source, const uint8_t *data,
					     size_t len, struct medfw_advisory_findings **out,
					     struct medfw_diag *diag)
{
	struct medfw_advisory_findings *set;
	struct medfwi_jr jr;
	char p[MEDFWI_PATH_MAX];
	json_t *root = NULL, *arr;
	size_t n = 0, i;
	enum medfw_err err;

	if (out != NULL)
		*out = NULL;
	if (source == NULL || data == NULL || out == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, WHAT ": invalid argument");
	err = medfw_json_parse(data, len, MEDFW_ADVISORY_FINDINGS_MAX_BYTES, MAX_DEPTH, &root,
			       diag);
	if (err != MEDFW_OK)
		return err;
	set = new_set(&jr, diag);
	if (set == NULL) {
		json_decref(root);
		return MEDFW_ERR_NOMEM;
	}
	err = medfwi_jr_expect_object(&jr, root, "");
	if (err == MEDFW_OK)
		err = medfwi_jr_array(&jr, root, "", "findings", MEDFWI_REQUIRED,
				      MEDFW_ADVISORY_FINDINGS_MAX, &arr, &n);
	if (err == MEDFW_OK) {
		set->source = dup_str(&jr, source);
		set->items = medfwi_arena_alloc(jr.arena, (n > 0 ? n : 1) * sizeof(*set->items));
		if (set->source == NULL || set->items == NULL)
			err = medfwi_jr_alloc_failed(&jr);
	}
	for (i = 0; err == MEDFW_OK && i < n; i++) {
		medfwi_path_item(p, "", "findings", i);
		err = parse_finding(&jr, json_array_get(arr, i), p, NULL, &set->items[i]);
	}
	json_decref(root);
	if (err != MEDFW_OK) {
		medfw_advisory_findings_free(set);
		return err;
	}
	set->count = n;
	*out = set;
	return MEDFW_OK;
}

/* ------------------------------------------------------------ one by one */

struct medfw_advisory_findings *medfw_advisory_findings_new(const char *source)
{
	struct medfw_advisory_findings *set;
	struct medfwi_jr jr;
	struct medfw_diag d;

	if (source == NULL)
		return NULL;
	medfw_diag_clear(&d);
	set = new_set(&jr, &d);
	if (set != NULL && (set->source = dup_str(&jr, source)) == NULL) {
		medfw_advisory_findings_free(set);
		return NULL;
	}
	return set;
}

enum medfw_err medfw_advisory_findings_add_json(struct medfw_advisory_findings *findings,
						const char *sbom, const uint8_t *json, size_t len,
						struct medfw_diag *diag)
{
	struct storage *st = findings != NULL ? findings->priv_ : NULL;
	struct medfw_advisory_finding one;
	struct medfwi_jr jr;
	struct medfw_diag d;
	char p[MEDFWI_PATH_MAX];
	json_t *root = NULL;
	enum medfw_err err;

	if (st == NULL || sbom == NULL || sbom[0] == '\0' || json == NULL ||
	    (findings->count > 0 && findings->items != st->grown))
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, WHAT ": invalid argument");
	if (findings->count >= MEDFW_ADVISORY_FINDINGS_MAX)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, WHAT ": more than %u findings",
				      MEDFW_ADVISORY_FINDINGS_MAX);
	if (findings->count == st->cap) {
		size_t cap = st->cap > 0 ? st->cap * 2 : 64;
		struct medfw_advisory_finding *grown;

		if (cap > MEDFW_ADVISORY_FINDINGS_MAX)
			cap = MEDFW_ADVISORY_FINDINGS_MAX;
		grown = realloc(st->grown, cap * sizeof(*grown));
		if (grown == NULL)
			return medfw_diag_set(diag, MEDFW_ERR_NOMEM, WHAT ": out of memory");
		st->grown = grown;
		st->cap = cap;
		findings->items = grown;
	}
	medfwi_path_item(p, "", "findings", findings->count);
	medfw_diag_clear(&d);
	err = medfw_json_parse(json, len, MEDFW_ADVISORY_FINDING_MAX_BYTES, MAX_DEPTH, &root, &d);
	if (err != MEDFW_OK)
		return medfw_diag_set(diag, err, WHAT ": %s: %s", p, medfw_diag_message(&d, err));
	memset(&one, 0, sizeof(one));
	jr.arena = &st->arena;
	jr.diag = diag;
	jr.what = WHAT;
	err = parse_finding(&jr, root, p, sbom, &one);
	json_decref(root);
	if (err != MEDFW_OK)
		return err;
	findings->items[findings->count++] = one;
	return MEDFW_OK;
}
