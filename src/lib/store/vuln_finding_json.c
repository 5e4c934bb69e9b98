/* A finding's JSON for the re-evaluation (vuln_eval.c), written directly rather than
 * built with jansson: the bytes of json_dumps(medfw_finding_json(f), JSON_COMPACT |
 * JSON_SORT_KEYS | JSON_REAL_PRECISION(4)) (keys in byte order, no spaces, jansson's
 * escapes: \" \\ \b \f \n \r \t, \u00XX for other controls, the rest as it is). A
 * string that is not valid UTF-8 fails, as jansson's json_string does. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "medfw/cvss.h"
#include "medfw/utf8.h"
#include "medfw/vuln_matcher.h"
#include "vuln_int.h"

#define EVAL_WHAT "re-evaluation"

#ifdef NDEBUG
#define CHECK_FINDING_TEXT 0
#else
#define CHECK_FINDING_TEXT 1 /* debug builds compare every text with jansson's */
#endif

struct jw {
	struct medfw_buf *b;
	int bad; /* out of memory or not UTF-8 */
};

static void jw_raw(struct jw *w, const char *s, size_t n)
{
	if (!w->bad && medfw_buf_append(w->b, s, n) != MEDFW_OK)
		w->bad = 1;
}

static void jw_lit(struct jw *w, const char *s)
{
	jw_raw(w, s, strlen(s));
}

/* A string, or null for NULL. */
static void jw_str(struct jw *w, const char *s)
{
	const char *run;
	size_t n, i;

	if (s == NULL) {
		jw_lit(w, "null");
		return;
	}
	n = strlen(s);
	if (!medfw_utf8_valid((const uint8_t *)s, n)) {
		w->bad = 1;
		return;
	}
	jw_raw(w, "\"", 1);
	run = s;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		char u[8];
		const char *esc;

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		jw_raw(w, run, (size_t)(s + i - run));
		switch (c) {
		case '"': esc = "\\\""; break;
		case '\\': esc = "\\\\"; break;
		case '\b': esc = "\\b"; break;
		case '\f': esc = "\\f"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		case '\t': esc = "\\t"; break;
		default:
			snprintf(u, sizeof(u), "\\u%04X", (unsigned)c);
			esc = u;
			break;
		}
		jw_lit(w, esc);
		run = s + i + 1;
	}
	jw_raw(w, run, (size_t)(s + n - run));
	jw_raw(w, "\"", 1);
}

/* An array of n strings (a NULL one fails, as json_string does). */
static void jw_strs(struct jw *w, const char *const *v, size_t n)
{
	jw_raw(w, "[", 1);
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			jw_raw(w, ",", 1);
		if (v[i] == NULL)
			w->bad = 1;
		jw_str(w, v[i]);
	}
	jw_raw(w, "]", 1);
}

/* A key: `*first` says whether it opens its object. */
static void jw_key(struct jw *w, int *first, const char *key)
{
	if (!*first)
		jw_raw(w, ",", 1);
	*first = 0;
	jw_raw(w, "\"", 1);
	jw_lit(w, key);
	jw_raw(w, "\":", 2);
}

static void jw_kstr(struct jw *w, int *first, const char *key, const char *value)
{
	jw_key(w, first, key);
	jw_str(w, value);
}

/* A string jansson's json_string would be given (NULL fails, as it does there). */
static void jw_kstr_req(struct jw *w, int *first, const char *key, const char *value)
{
	if (value == NULL)
		w->bad = 1;
	jw_kstr(w, first, key, value);
}

static void jw_int(struct jw *w, long long v)
{
	char n[24];

	snprintf(n, sizeof(n), "%lld", v);
	jw_lit(w, n);
}

/* As jansson writes a real with JSON_REAL_PRECISION(4). */
static void jw_real4(struct jw *w, double v)
{
	char n[40];

	snprintf(n, sizeof(n), "%.4g", v);
	if (strchr(n, '.') == NULL && strchr(n, 'e') == NULL)
		snprintf(n + strlen(n), sizeof(n) - strlen(n), ".0");
	jw_lit(w, n);
}

static void finding_text_evidence(struct jw *w, const struct medfw_finding_evidence *e)
{
	int first = 1;

	jw_raw(w, "{", 1);
	jw_kstr_req(w, &first, "comparison", e->verdict.comparison);
	jw_kstr(w, &first, "file", e->file);
	jw_kstr(w, &first, "fixed_version",
		e->verdict.fixed_version[0] != '\0' ? e->verdict.fixed_version : NULL);
	jw_kstr(w, &first, "json_path", e->json_path);
	jw_kstr_req(w, &first, "outcome", medfw_vuln_outcome_name(e->verdict.outcome));
	jw_kstr(w, &first, "record", e->record_id);
	jw_kstr_req(w, &first, "rule", e->verdict.rule);
	jw_kstr_req(w, &first, "source", medfw_feed_format_name(e->format));
	jw_raw(w, "}", 1);
}

static void finding_text_vex(struct jw *w, const struct medfw_finding *f)
{
	const struct medfw_vex_statement *s = f->vex;
	int first = 1;

	if (s == NULL) {
		jw_lit(w, "null");
		return;
	}
	jw_raw(w, "{", 1);
	jw_kstr(w, &first, "detail", s->detail);
	jw_kstr(w, &first, "file", f->vex_doc->source);
	jw_kstr(w, &first, "json_path", s->json_path);
	jw_kstr(w, &first, "justification", s->justification);
	jw_kstr(w, &first, "response", s->response);
	jw_kstr_req(w, &first, "rule", f->vex_rule);
	jw_kstr_req(w, &first, "scope", f->vex_direct ? "component" : "product");
	jw_kstr(w, &first, "state", s->state);
	jw_kstr_req(w, &first, "status", medfw_finding_status_name(f->status));
	jw_kstr(w, &first, "timestamp", s->timestamp);
	jw_kstr(w, &first, "vulnerability", s->vuln_id);
	jw_raw(w, "}", 1);
}

static void finding_text_severity(struct jw *w, const struct medfw_finding_severity *s)
{
	int first = 1;

	if (s->score_tenths == MEDFW_CVSS_NO_SCORE) {
		jw_lit(w, "null");
		return;
	}
	jw_raw(w, "{", 1);
	jw_key(w, &first, "base_score");
	jw_real4(w, s->score_tenths / 10.0);
	jw_kstr_req(w, &first, "cvss_version", medfw_cvss_version_name(s->version));
	jw_kstr(w, &first, "rating",
		s->version == MEDFW_CVSS_V2 ? NULL : medfw_cvss_severity(s->score_tenths));
	jw_kstr_req(w, &first, "source", s->source);
	jw_kstr_req(w, &first, "vector", s->vector);
	jw_raw(w, "}", 1);
}

/* The finding's JSON into `out` (reset first). */
enum medfw_err medfwi_vuln_finding_text(const struct medfw_finding *f, struct medfw_buf *out,
					struct medfw_diag *diag)
{
	const struct medfw_sbom_component *c = f->component;
	struct jw w = {out, 0};
	int first = 1, inner;
	size_t i;

	medfw_buf_reset(out);
	jw_raw(&w, "{", 1);
	jw_key(&w, &first, "aliases");
	jw_strs(&w, (const char *const *)f->aliases, f->alias_count);
	jw_key(&w, &first, "component");
	inner = 1;
	jw_raw(&w, "{", 1);
	jw_key(&w, &inner, "cpes");
	jw_strs(&w, (const char *const *)c->cpes, c->cpe_count);
	jw_kstr(&w, &inner, "name", c->name);
	jw_kstr(&w, &inner, "purl", c->purl);
	jw_kstr(&w, &inner, "ref", c->ref);
	jw_kstr(&w, &inner, "version", c->version);
	jw_raw(&w, "}", 1);
	jw_key(&w, &first, "evidence");
	jw_raw(&w, "[", 1);
	for (i = 0; i < f->evidence_count; i++) {
		if (i > 0)
			jw_raw(&w, ",", 1);
		finding_text_evidence(&w, &f->evidence[i]);
	}
	jw_raw(&w, "]", 1);
	jw_key(&w, &first, "kev");
	inner = 1;
	jw_raw(&w, "{", 1);
	jw_kstr(&w, &inner, "date_added", f->kev.date_added);
	jw_kstr(&w, &inner, "due_date", f->kev.due_date);
	jw_kstr(&w, &inner, "known_ransomware_campaign_use", f->kev.ransomware);
	jw_key(&w, &inner, "listed");
	jw_lit(&w, f->kev.listed ? "true" : "false");
	jw_kstr(&w, &inner, "source", f->kev.source);
	jw_raw(&w, "}", 1);
	jw_kstr(&w, &first, "pedigree", f->pedigree ? f->pedigree_rule : NULL);
	jw_key(&w, &first, "priority");
	jw_int(&w, (long long)f->priority);
	jw_kstr(&w, &first, "sbom", f->sbom_source);
	jw_key(&w, &first, "severity");
	finding_text_severity(&w, &f->severity);
	jw_kstr_req(&w, &first, "sources_outcome", medfw_vuln_outcome_name(f->sources_outcome));
	jw_kstr_req(&w, &first, "status", medfw_finding_status_name(f->status));
	jw_key(&w, &first, "vex");
	finding_text_vex(&w, f);
	jw_kstr_req(&w, &first, "vulnerability", f->vuln_id);
	jw_raw(&w, "}", 1);
	if (w.bad)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "%s: finding %s of component %s: a text is not UTF-8, or out "
				      "of memory",
				      EVAL_WHAT, f->vuln_id != NULL ? f->vuln_id : "?",
				      c->ref != NULL ? c->ref : "?");
	if (CHECK_FINDING_TEXT) {
		json_t *j = medfw_finding_json(f);
		char *ref = j != NULL ? json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS |
							      JSON_REAL_PRECISION(4))
				      : NULL;
		int same = ref != NULL && strlen(ref) == out->len &&
			   memcmp(ref, out->data, out->len) == 0;

		json_decref(j);
		free(ref);
		if (!same)
			return medfw_diag_set(diag, MEDFW_ERR_STATE,
					      "%s: the JSON of finding %s differs from "
					      "medfw_finding_json's",
					      EVAL_WHAT, f->vuln_id);
	}
	return MEDFW_OK;
}
