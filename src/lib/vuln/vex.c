/* CycloneDX VEX and CSAF VEX into one statement model (include/medfw/vex.h). */
#include "medfw/vex.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "medfw/json.h"
#include "medfw/purl.h"
#include "medfw/vers.h"
#include "medfw/version.h"
#include "vuln/advjson_int.h"
#include "vuln/csaf_int.h"
#include "vuln/feed_int.h"

#define CDX "CycloneDX VEX"
#define ARENA_MAX (256u * 1024u * 1024u)
#define ID_MAX 1024u
#define TEXT_MAX (64u * 1024u)
#define REF_MAX 4096u
#define LIST_MAX 100000u
#define CSAF_JOINED_MAX (1024u * 1024u) /* flags / impact statements / remediations of
					  * one product, joined */
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

const char *medfw_vex_status_name(enum medfw_vex_status status)
{
	switch (status) {
	case MEDFW_VEX_AFFECTED:
		return "affected";
	case MEDFW_VEX_NOT_AFFECTED:
		return "not_affected";
	case MEDFW_VEX_FIXED:
		return "fixed";
	case MEDFW_VEX_UNDER_INVESTIGATION:
		return "under_investigation";
	case MEDFW_VEX_STATUS_NONE:
		break;
	}
	return "none";
}

struct vex_priv {
	struct medfwi_arena arena;
	struct medfw_csaf_doc *csaf;
};

void medfw_vex_free(struct medfw_vex_doc *doc)
{
	struct vex_priv *priv;

	if (doc == NULL)
		return;
	priv = doc->priv_;
	free(doc->statements);
	free(doc->problems);
	if (priv != NULL) {
		medfw_csaf_free(priv->csaf);
		medfwi_arena_free(&priv->arena);
		free(priv);
	}
	free(doc);
}

/* The growing lists of a document under construction. */
struct build {
	struct medfw_vex_doc *doc;
	struct medfwi_jr jr;
	size_t statement_cap, problem_cap;
};

static enum medfw_err nomem(struct build *b)
{
	return medfw_diag_set(b->jr.diag, MEDFW_ERR_NOMEM, "%s: out of memory", b->jr.what);
}

static enum medfw_err add_problem(struct build *b, const char *json_path, const char *fmt, ...)
	MEDFW_PRINTF(3, 4);

static enum medfw_err add_problem(struct build *b, const char *json_path, const char *fmt, ...)
{
	struct medfw_vex_doc *doc = b->doc;
	struct medfw_vex_problem *p;
	va_list ap;

	if (doc->problem_count == b->problem_cap) {
		size_t cap = b->problem_cap == 0 ? 8 : b->problem_cap * 2;
		struct medfw_vex_problem *grown = realloc(doc->problems, cap * sizeof(*grown));

		if (grown == NULL)
			return nomem(b);
		doc->problems = grown;
		b->problem_cap = cap;
	}
	p = &doc->problems[doc->problem_count++];
	snprintf(p->json_path, sizeof(p->json_path), "%s", json_path);
	va_start(ap, fmt);
	vsnprintf(p->message, sizeof(p->message), fmt, ap);
	va_end(ap);
	return MEDFW_OK;
}

static enum medfw_err add_statement(struct build *b, const struct medfw_vex_statement *s)
{
	struct medfw_vex_doc *doc = b->doc;

	if (doc->statement_count >= MEDFW_VEX_MAX_STATEMENTS)
		return medfw_diag_set(b->jr.diag, MEDFW_ERR_TOO_LARGE,
				      "%s: more than %u statements", b->jr.what,
				      MEDFW_VEX_MAX_STATEMENTS);
	if (doc->statement_count == b->statement_cap) {
		size_t cap = b->statement_cap == 0 ? 16 : b->statement_cap * 2;
		struct medfw_vex_statement *grown = realloc(doc->statements, cap * sizeof(*grown));

		if (grown == NULL)
			return nomem(b);
		doc->statements = grown;
		b->statement_cap = cap;
	}
	doc->statements[doc->statement_count++] = *s;
	return MEDFW_OK;
}

static const char *arena_str(struct build *b, const char *s)
{
	return medfwi_arena_strndup(b->jr.arena, s, strlen(s));
}

static int valid_time(const char *s)
{
	struct medfwi_time t;

	return s == NULL || medfwi_time_parse(s, &t);
}

/* A date-time field (RFC 3339). */
static enum medfw_err time_field(struct build *b, const json_t *obj, const char *path,
				 const char *key, const char **out)
{
	char p[MEDFWI_PATH_MAX];
	enum medfw_err err = medfwi_jr_str(&b->jr, obj, path, key, MEDFWI_NONEMPTY, 64, out);

	if (err == MEDFW_OK && !valid_time(*out)) {
		medfwi_path_key(p, path, key);
		return medfw_diag_set(b->jr.diag, MEDFW_ERR_FIELD_VALUE,
				      "%s: %s: not an RFC 3339 date-time", b->jr.what, p);
	}
	return err;
}

/* ------------------------------------------------------------- CycloneDX */

/* What the VEX document itself says about a bom-ref. */
struct declared {
	const char *ref, *version, *purl;
};

struct cdx {
	struct build b;
	struct declared *decl;
	size_t decl_count, decl_cap;
	const char *doc_timestamp;
};

static const char *const states[] = {"resolved",     "resolved_with_pedigree", "exploitable",
				     "in_triage",    "false_positive",         "not_affected",
				     NULL};
static const enum medfw_vex_status state_status[] = {
	MEDFW_VEX_FIXED,    MEDFW_VEX_FIXED,        MEDFW_VEX_AFFECTED,
	MEDFW_VEX_UNDER_INVESTIGATION, MEDFW_VEX_NOT_AFFECTED, MEDFW_VEX_NOT_AFFECTED,
};
static const char *const justifications[] = {
	"code_not_present",      "code_not_reachable",    "requires_configuration",
	"requires_dependency",   "requires_environment",  "protected_by_compiler",
	"protected_at_runtime",  "protected_at_perimeter", "protected_by_mitigating_control",
	NULL};
static const char *const responses[] = {"can_not_fix", "will_not_fix", "update", "rollback",
					"workaround_available", NULL};
static const char *const version_statuses[] = {"affected", "unaffected", "unknown", NULL};

static enum medfw_err declare(struct cdx *x, const json_t *comp, const char *path, int depth);

static enum medfw_err declare_list(struct cdx *x, const json_t *obj, const char *path,
				   int depth)
{
	char p[MEDFWI_PATH_MAX];
	json_t *arr;
	size_t n, i;
	enum medfw_err err;

	err = medfwi_jr_array(&x->b.jr, obj, path, "components", 0, LIST_MAX, &arr, &n);
	for (i = 0; err == MEDFW_OK && i < n; i++) {
		medfwi_path_item(p, path, "components", i);
		err = declare(x, json_array_get(arr, i), p, depth + 1);
	}
	return err;
}

/* Record a component's bom-ref with its version and purl; nested components too. */
static enum medfw_err declare(struct cdx *x, const json_t *comp, const char *path, int depth)
{
	struct declared d;
	enum medfw_err err;

	memset(&d, 0, sizeof(d));
	err = medfwi_jr_expect_object(&x->b.jr, comp, path);
	if (err == MEDFW_OK)
		err = medfwi_jr_str(&x->b.jr, comp, path, "bom-ref", MEDFWI_NONEMPTY, REF_MAX,
				    &d.ref);
	if (err == MEDFW_OK)
		err = medfwi_jr_str(&x->b.jr, comp, path, "version", 0, ID_MAX, &d.version);
	if (err == MEDFW_OK)
		err = medfwi_jr_str(&x->b.jr, comp, path, "purl", MEDFWI_NONEMPTY, REF_MAX, &d.purl);
	if (err != MEDFW_OK)
		return err;
	if (d.version != NULL && d.version[0] == '\0')
		d.version = NULL;
	if (d.ref != NULL) {
		if (x->decl_count == x->decl_cap) {
			size_t cap = x->decl_cap == 0 ? 16 : x->decl_cap * 2;
			struct declared *grown = realloc(x->decl, cap * sizeof(*grown));

			if (grown == NULL)
				return nomem(&x->b);
			x->decl = grown;
			x->decl_cap = cap;
		}
		x->decl[x->decl_count++] = d;
	}
	if (depth >= 32)
		return MEDFW_OK; /* the JSON depth bound applies anyway */
	return declare_list(x, comp, path, depth);
}

static const struct declared *declared_ref(const struct cdx *x, const char *ref)
{
	size_t i;

	for (i = 0; i < x->decl_count; i++)
		if (strcmp(x->decl[i].ref, ref) == 0)
			return &x->decl[i];
	return NULL;
}

/* "urn:cdx:<uuid>/<version>#<bom-ref>": 1 and the parts, or 0 when `ref` is no
 * BOM-Link. The fragment is percent-decoded. */
static int bom_link(struct build *b, const char *ref, const char **serial, int64_t *version,
		    const char **frag)
{
	const char *slash, *hash, *p;
	char *s, *f;
	int64_t v = 0;
	size_t n, i, o = 0;

	if (strncmp(ref, "urn:cdx:", 8) != 0)
		return 0;
	slash = strchr(ref + 8, '/');
	hash = strchr(ref + 8, '#');
	if (slash == NULL || (hash != NULL && hash < slash) || slash == ref + 8)
		return -1;
	for (p = slash + 1; *p >= '0' && *p <= '9' && p - slash < 12; p++)
		v = v * 10 + (*p - '0');
	if (p == slash + 1 || (*p != '#' && *p != '\0') || v < 1)
		return -1;
	n = (size_t)(slash - (ref + 8));
	s = medfwi_arena_alloc(b->jr.arena, n + 10);
	if (s == NULL)
		return -2;
	memcpy(s, "urn:uuid:", 9);
	memcpy(s + 9, ref + 8, n);
	s[n + 9] = '\0';
	*serial = s;
	*version = v;
	*frag = NULL;
	if (*p == '#' && p[1] != '\0') {
		n = strlen(p + 1);
		f = medfwi_arena_alloc(b->jr.arena, n + 1);
		if (f == NULL)
			return -2;
		for (i = 0; i < n; i++) {
			unsigned char byte;

			if (p[1 + i] == '%' && i + 2 < n && medfwi_pct_byte(p + 2 + i, &byte) &&
			    byte != 0) {
				f[o++] = (char)byte;
				i += 2;
			} else {
				f[o++] = p[1 + i];
			}
		}
		f[o] = '\0';
		*frag = f;
	}
	return 1;
}

/* affects[j].versions[] */
static enum medfw_err parse_versions(struct cdx *x, const json_t *affect, const char *path,
				     struct medfw_vex_statement *s)
{
	char p[MEDFWI_PATH_MAX], q[64];
	json_t *arr;
	size_t n, i;
	struct medfw_vex_version *vs;
	enum medfw_err err;

	err = medfwi_jr_array(&x->b.jr, affect, path, "versions", 0, LIST_MAX, &arr, &n);
	if (err != MEDFW_OK || arr == NULL)
		return err;
	vs = medfwi_arena_alloc(x->b.jr.arena, (n > 0 ? n : 1) * sizeof(*vs));
	if (vs == NULL)
		return medfwi_jr_alloc_failed(&x->b.jr);
	for (i = 0; i < n; i++) {
		const json_t *v = json_array_get(arr, i);
		int st = -1;

		medfwi_path_item(p, path, "versions", i);
		err = medfwi_jr_expect_object(&x->b.jr, v, p);
		if (err == MEDFW_OK)
			err = medfwi_jr_str(&x->b.jr, v, p, "version", MEDFWI_NONEMPTY, ID_MAX,
					    &vs[i].version);
		if (err == MEDFW_OK)
			err = medfwi_jr_str(&x->b.jr, v, p, "range", MEDFWI_NONEMPTY, ID_MAX,
					    &vs[i].range);
		if (err == MEDFW_OK)
			err = medfwi_jr_enum(&x->b.jr, v, p, "status", 0, version_statuses, &st);
		if (err != MEDFW_OK)
			return err;
		if ((vs[i].version == NULL) == (vs[i].range == NULL))
			return medfw_diag_set(x->b.jr.diag, MEDFW_ERR_FIELD_VALUE,
					      CDX ": %s: needs exactly one of version and range", p);
		if (vs[i].range != NULL && strncmp(vs[i].range, "vers:", 5) != 0)
			return medfw_diag_set(x->b.jr.diag, MEDFW_ERR_FIELD_VALUE,
					      CDX ": %s.range: \"%s\" is not vers text", p,
					      medfwi_quote(vs[i].range, q, sizeof(q)));
		vs[i].status_given = st >= 0;
		vs[i].status = st == 1   ? MEDFW_VEX_VERSION_UNAFFECTED
			       : st == 2 ? MEDFW_VEX_VERSION_UNKNOWN
					 : MEDFW_VEX_VERSION_AFFECTED;
	}
	s->versions = vs;
	s->version_count = n;
	return MEDFW_OK;
}

/* "a, b, c" of a string array (enum-checked), in the arena; NULL when empty. */
static enum medfw_err joined_enum_list(struct cdx *x, const json_t *obj, const char *path,
				       const char *key, const char *const *values,
				       const char **out)
{
	char q[MEDFWI_PATH_MAX];
	json_t *arr;
	size_t n, i, len = 0;
	char *s;
	enum medfw_err err;

	*out = NULL;
	err = medfwi_jr_array(&x->b.jr, obj, path, key, 0, 16, &arr, &n);
	if (err != MEDFW_OK || arr == NULL || n == 0)
		return err;
	for (i = 0; i < n; i++) {
		const json_t *v = json_array_get(arr, i);
		size_t k;

		medfwi_path_item(q, path, key, i);
		if (!json_is_string(v))
			return medfw_diag_set(x->b.jr.diag, MEDFW_ERR_FIELD_TYPE,
					      CDX ": %s must be a string", q);
		for (k = 0; values[k] != NULL && strcmp(values[k], json_string_value(v)) != 0; k++)
			;
		if (values[k] == NULL)
			return medfw_diag_set(x->b.jr.diag, MEDFW_ERR_FIELD_VALUE,
					      CDX ": %s: not an allowed value", q);
		len += strlen(values[k]) + 2;
	}
	s = medfwi_arena_alloc(x->b.jr.arena, len + 1);
	if (s == NULL)
		return medfwi_jr_alloc_failed(&x->b.jr);
	for (i = 0, len = 0; i < n; i++) {
		const char *v = json_string_value(json_array_get(arr, i));
		size_t k = strlen(v);

		if (i > 0) {
			memcpy(s + len, ", ", 2);
			len += 2;
		}
		memcpy(s + len, v, k);
		len += k;
	}
	s[len] = '\0';
	*out = s;
	return MEDFW_OK;
}

/* references[].id: the aliases the VEX gives a vulnerability. */
static enum medfw_err parse_aliases(struct cdx *x, const json_t *vuln, const char *path,
				    struct medfw_vex_statement *s)
{
	char p[MEDFWI_PATH_MAX];
	json_t *arr;
	size_t n, i;
	const char **ids;
	enum medfw_err err;

	err = medfwi_jr_array(&x->b.jr, vuln, path, "references", 0, 1024, &arr, &n);
	if (err != MEDFW_OK || arr == NULL)
		return err;
	ids = medfwi_arena_alloc(x->b.jr.arena, (n > 0 ? n : 1) * sizeof(*ids));
	if (ids == NULL)
		return medfwi_jr_alloc_failed(&x->b.jr);
	for (i = 0; i < n; i++) {
		const json_t *r = json_array_get(arr, i);

		medfwi_path_item(p, path, "references", i);
		err = medfwi_jr_expect_object(&x->b.jr, r, p);
		if (err == MEDFW_OK)
			err = medfwi_jr_str(&x->b.jr, r, p, "id", MEDFWI_REQUIRED | MEDFWI_NONEMPTY,
					    ID_MAX, &ids[i]);
		if (err != MEDFW_OK)
			return err;
	}
	s->aliases = ids;
	s->alias_count = n;
	return MEDFW_OK;
}

static enum medfw_err parse_vulnerability(struct cdx *x, const json_t *v, const char *path)
{
	char ap[MEDFWI_PATH_MAX], p[MEDFWI_PATH_MAX];
	struct medfw_vex_statement base;
	json_t *analysis, *affects;
	const char *updated = NULL, *first = NULL, *last = NULL;
	size_t n, i;
	int state = -1, just = -1;
	enum medfw_err err;

	memset(&base, 0, sizeof(base));
	err = medfwi_jr_expect_object(&x->b.jr, v, path);
	if (err == MEDFW_OK)
		err = medfwi_jr_str(&x->b.jr, v, path, "id", MEDFWI_REQUIRED | MEDFWI_NONEMPTY,
				    ID_MAX, &base.vuln_id);
	if (err == MEDFW_OK)
		err = parse_aliases(x, v, path, &base);
	if (err == MEDFW_OK)
		err = time_field(&x->b, v, path, "updated", &updated);
	if (err == MEDFW_OK)
		err = medfwi_jr_object(&x->b.jr, v, path, "analysis", 0, &analysis);
	if (err == MEDFW_OK)
		err = medfwi_jr_array(&x->b.jr, v, path, "affects", 0, LIST_MAX, &affects, &n);
	if (err != MEDFW_OK)
		return err;
	medfwi_path_key(ap, path, "analysis");
	if (analysis != NULL) {
		err = medfwi_jr_enum(&x->b.jr, analysis, ap, "state", 0, states, &state);
		if (err == MEDFW_OK)
			err = medfwi_jr_enum(&x->b.jr, analysis, ap, "justification", 0,
					     justifications, &just);
		if (err == MEDFW_OK)
			err = joined_enum_list(x, analysis, ap, "response", responses,
					       &base.response);
		if (err == MEDFW_OK)
			err = medfwi_jr_str(&x->b.jr, analysis, ap, "detail", MEDFWI_NONEMPTY,
					    TEXT_MAX, &base.detail);
		if (err == MEDFW_OK)
			err = time_field(&x->b, analysis, ap, "firstIssued", &first);
		if (err == MEDFW_OK)
			err = time_field(&x->b, analysis, ap, "lastUpdated", &last);
		if (err != MEDFW_OK)
			return err;
	}
	if (state < 0)
		return add_problem(&x->b, path,
				   "%s: no analysis.state: a vulnerability report, not a VEX statement "
				   "(ignored)",
				   base.vuln_id);
	base.state = states[state];
	base.status = state_status[state];
	if (just >= 0)
		base.justification = justifications[just];
	else if (strcmp(base.state, "false_positive") == 0)
		base.justification = "false_positive";
	if (base.status == MEDFW_VEX_NOT_AFFECTED && base.justification == NULL &&
	    base.detail == NULL)
		return add_problem(&x->b, ap,
				   "%s: not_affected without a justification or an impact statement "
				   "(analysis.justification / analysis.detail; CISA minimum "
				   "requirements): ignored",
				   base.vuln_id);
	base.timestamp = last != NULL      ? last
			 : first != NULL   ? first
			 : updated != NULL ? updated
					   : x->doc_timestamp;
	if (affects == NULL || n == 0)
		return add_problem(&x->b, path, "%s: no affects[]: the statement names no subject "
						"(ignored)",
				   base.vuln_id);
	for (i = 0; i < n; i++) {
		struct medfw_vex_statement s = base;
		const json_t *a = json_array_get(affects, i);
		const struct declared *d;
		const char *ref;
		char *jp;
		int link;

		medfwi_path_item(p, path, "affects", i);
		err = medfwi_jr_expect_object(&x->b.jr, a, p);
		if (err == MEDFW_OK)
			err = medfwi_jr_str(&x->b.jr, a, p, "ref", MEDFWI_REQUIRED | MEDFWI_NONEMPTY,
					    REF_MAX, &ref);
		if (err == MEDFW_OK)
			err = parse_versions(x, a, p, &s);
		if (err != MEDFW_OK)
			return err;
		link = bom_link(&x->b, ref, &s.bom_serial, &s.bom_version, &s.ref);
		if (link == -2)
			return medfwi_jr_alloc_failed(&x->b.jr);
		if (link == -1 || (link == 1 && s.ref == NULL))
			return medfw_diag_set(x->b.jr.diag, MEDFW_ERR_FIELD_VALUE,
					      CDX ": %s.ref: not a BOM-Link to a component "
						  "(urn:cdx:<uuid>/<version>#<bom-ref>)",
					      p);
		if (link == 0)
			s.ref = ref;
		d = link == 0 ? declared_ref(x, s.ref) : NULL;
		if (strncmp(s.ref, "pkg:", 4) == 0)
			s.subject_purl = s.ref;
		else if (d != NULL)
			s.subject_purl = d->purl;
		if (d != NULL)
			s.subject_version = d->version;
		jp = medfwi_arena_strndup(x->b.jr.arena, p, strlen(p));
		if (jp == NULL)
			return medfwi_jr_alloc_failed(&x->b.jr);
		s.json_path = jp;
		err = add_statement(&x->b, &s);
		if (err != MEDFW_OK)
			return err;
	}
	return MEDFW_OK;
}

static enum medfw_err parse_cyclonedx(struct cdx *x, const json_t *root)
{
	static const char *const versions[] = {"1.4", "1.5", "1.6", NULL};
	char p[MEDFWI_PATH_MAX];
	const char *format;
	json_t *metadata, *comp, *vulns;
	size_t n, i;
	int spec = -1;
	int64_t version = 0;
	enum medfw_err err;

	err = medfwi_jr_str(&x->b.jr, root, "", "bomFormat", MEDFWI_REQUIRED, 32, &format);
	if (err == MEDFW_OK && strcmp(format, "CycloneDX") != 0)
		err = medfw_diag_set(x->b.jr.diag, MEDFW_ERR_FIELD_VALUE,
				     CDX ": bomFormat: \"CycloneDX\" expected");
	if (err == MEDFW_OK)
		err = medfwi_jr_enum(&x->b.jr, root, "", "specVersion", MEDFWI_REQUIRED, versions,
				     &spec);
	if (err == MEDFW_OK)
		err = medfwi_jr_str(&x->b.jr, root, "", "serialNumber", MEDFWI_NONEMPTY, 128,
				    &x->b.doc->serial_number);
	if (err == MEDFW_OK && x->b.doc->serial_number != NULL &&
	    strncmp(x->b.doc->serial_number, "urn:uuid:", 9) != 0)
		err = medfw_diag_set(x->b.jr.diag, MEDFW_ERR_FIELD_VALUE,
				     CDX ": serialNumber: not a urn:uuid");
	if (err == MEDFW_OK && json_object_get(root, "version") != NULL) {
		json_t *v = json_object_get(root, "version");

		if (!json_is_integer(v) || json_integer_value(v) < 1)
			err = medfw_diag_set(x->b.jr.diag, MEDFW_ERR_FIELD_VALUE,
					     CDX ": version: must be an integer >= 1");
		else
			version = (int64_t)json_integer_value(v);
	}
	(void)version;
	if (err == MEDFW_OK)
		err = medfwi_jr_object(&x->b.jr, root, "", "metadata", 0, &metadata);
	if (err == MEDFW_OK && metadata != NULL)
		err = time_field(&x->b, metadata, "metadata", "timestamp", &x->doc_timestamp);
	if (err == MEDFW_OK && metadata != NULL)
		err = medfwi_jr_object(&x->b.jr, metadata, "metadata", "component", 0, &comp);
	else
		comp = NULL;
	if (err == MEDFW_OK && comp != NULL)
		err = declare(x, comp, "metadata.component", 0);
	if (err == MEDFW_OK)
		err = declare_list(x, root, "", 0);
	if (err == MEDFW_OK)
		err = medfwi_jr_array(&x->b.jr, root, "", "vulnerabilities", MEDFWI_REQUIRED,
				      LIST_MAX, &vulns, &n);
	for (i = 0; err == MEDFW_OK && i < n; i++) {
		medfwi_path_item(p, "", "vulnerabilities", i);
		err = parse_vulnerability(x, json_array_get(vulns, i), p);
	}
	return err;
}

/* ------------------------------------------------------------------ CSAF */

struct csaf_list {
	enum medfw_csaf_status list;
	enum medfw_vex_status status;
};

static const struct csaf_list csaf_lists[] = {
	{MEDFW_CSAF_KNOWN_AFFECTED, MEDFW_VEX_AFFECTED},
	{MEDFW_CSAF_FIRST_AFFECTED, MEDFW_VEX_AFFECTED},
	{MEDFW_CSAF_LAST_AFFECTED, MEDFW_VEX_AFFECTED},
	{MEDFW_CSAF_KNOWN_NOT_AFFECTED, MEDFW_VEX_NOT_AFFECTED},
	{MEDFW_CSAF_FIXED, MEDFW_VEX_FIXED},
	{MEDFW_CSAF_FIRST_FIXED, MEDFW_VEX_FIXED},
	{MEDFW_CSAF_UNDER_INVESTIGATION, MEDFW_VEX_UNDER_INVESTIGATION},
};

/* The distinct strings of a CSAF list that apply to one product, joined with ", " (in
 * the order written). One string is the document's own (no copy); several are joined in
 * the arena, at most CSAF_JOINED_MAX bytes. *out is NULL when there is none. */
struct joiner {
	const char **items;
	size_t count, cap, len;
};

static enum medfw_err join_add(struct build *b, struct joiner *j, const char *text)
{
	size_t i;

	for (i = 0; i < j->count; i++)
		if (strcmp(j->items[i], text) == 0)
			return MEDFW_OK;
	if (j->count == j->cap) {
		size_t cap = j->cap == 0 ? 4 : j->cap * 2;
		const char **grown = realloc(j->items, cap * sizeof(*grown));

		if (grown == NULL)
			return nomem(b);
		j->items = grown;
		j->cap = cap;
	}
	j->items[j->count++] = text;
	j->len += strlen(text) + (j->count > 1 ? 2 : 0);
	return MEDFW_OK;
}

static enum medfw_err join_done(struct build *b, struct joiner *j, const char *path,
				const char *what, const char **out)
{
	char *s;
	size_t i, len = 0;

	*out = NULL;
	if (j->count == 1)
		*out = j->items[0];
	if (j->count <= 1)
		return MEDFW_OK;
	if (j->len > CSAF_JOINED_MAX)
		return medfw_diag_set(b->jr.diag, MEDFW_ERR_TOO_LARGE,
				      "CSAF VEX: %s: the %s of the product are more than %u bytes",
				      path, what, CSAF_JOINED_MAX);
	s = medfwi_arena_alloc(b->jr.arena, j->len + 1);
	if (s == NULL)
		return medfwi_jr_alloc_failed(&b->jr);
	for (i = 0; i < j->count; i++) {
		size_t n = strlen(j->items[i]);

		if (i > 0) {
			memcpy(s + len, ", ", 2);
			len += 2;
		}
		memcpy(s + len, j->items[i], n);
		len += n;
	}
	s[len] = '\0';
	*out = s;
	return MEDFW_OK;
}

/* The justification (flag labels), impact details and remediation categories covering
 * product `id`, each distinct one once; `path` names the statement. */
static enum medfw_err csaf_reasons(struct build *b, const struct medfw_csaf_doc *doc,
				   const struct medfw_csaf_vulnerability *v, const char *id,
				   const char *path, struct medfw_vex_statement *s)
{
	struct joiner just, detail, resp;
	size_t i;
	enum medfw_err err = MEDFW_OK;

	memset(&just, 0, sizeof(just));
	memset(&detail, 0, sizeof(detail));
	memset(&resp, 0, sizeof(resp));
	for (i = 0; err == MEDFW_OK && i < v->flag_count; i++) {
		const struct medfw_csaf_flag *f = &v->flags[i];

		if (medfwi_csaf_covers(doc, f->product_ids, f->product_id_count, f->group_ids,
				       f->group_id_count, id))
			err = join_add(b, &just, f->label);
	}
	for (i = 0; err == MEDFW_OK && i < v->threat_count; i++) {
		const struct medfw_csaf_threat *t = &v->threats[i];

		if (strcmp(t->category, "impact") == 0 &&
		    medfwi_csaf_covers(doc, t->product_ids, t->product_id_count, t->group_ids,
				       t->group_id_count, id))
			err = join_add(b, &detail, t->details);
	}
	for (i = 0; err == MEDFW_OK && i < v->remediation_count; i++) {
		const struct medfw_csaf_remediation *r = &v->remediations[i];

		if (medfwi_csaf_covers(doc, r->product_ids, r->product_id_count, r->group_ids,
				       r->group_id_count, id))
			err = join_add(b, &resp, r->category);
	}
	if (err == MEDFW_OK)
		err = join_done(b, &just, path, "flags", &s->justification);
	if (err == MEDFW_OK)
		err = join_done(b, &detail, path, "impact statements", &s->detail);
	if (err == MEDFW_OK)
		err = join_done(b, &resp, path, "remediations", &s->response);
	free(just.items);
	free(detail.items);
	free(resp.items);
	return err;
}

/* The vulnerability's id (cve, else the first ids[].text) and aliases. */
static enum medfw_err csaf_ids(struct build *b, const struct medfw_csaf_vulnerability *v,
			       size_t vi, struct medfw_vex_statement *s)
{
	const char **ids;
	char label[64];
	size_t i, n = 0;

	ids = medfwi_arena_alloc(b->jr.arena, (v->id_count + 1) * sizeof(*ids));
	if (ids == NULL)
		return medfwi_jr_alloc_failed(&b->jr);
	if (v->cve != NULL)
		ids[n++] = v->cve;
	for (i = 0; i < v->id_count; i++)
		ids[n++] = v->ids[i].text;
	if (n == 0) {
		snprintf(label, sizeof(label), "vulnerabilities[%zu]", vi);
		s->vuln_id = arena_str(b, label);
		if (s->vuln_id == NULL)
			return medfwi_jr_alloc_failed(&b->jr);
	} else {
		s->vuln_id = ids[0];
	}
	s->aliases = n > 1 ? ids + 1 : NULL;
	s->alias_count = n > 1 ? n - 1 : 0;
	return MEDFW_OK;
}

static enum medfw_err parse_csaf(struct build *b, const uint8_t *data, size_t len)
{
	struct vex_priv *priv = b->doc->priv_;
	const struct medfw_csaf_doc *doc;
	char p[MEDFW_VEX_JSON_PATH_MAX];
	size_t vi, k, i;
	enum medfw_err err;

	err = medfw_csaf_parse(data, len, &priv->csaf, b->jr.diag);
	if (err != MEDFW_OK)
		return err;
	doc = priv->csaf;
	b->doc->csaf = doc;
	if (strcmp(doc->category, "csaf_vex") != 0)
		return medfw_diag_set(b->jr.diag, MEDFW_ERR_FIELD_VALUE,
				      "CSAF VEX: document.category: \"csaf_vex\" expected, not "
				      "\"%s\" (an advisory belongs in the feeds)",
				      doc->category);
	for (vi = 0; vi < doc->vulnerability_count; vi++) {
		const struct medfw_csaf_vulnerability *v = &doc->vulnerabilities[vi];
		struct medfw_vex_statement base;

		memset(&base, 0, sizeof(base));
		err = csaf_ids(b, v, vi, &base);
		if (err != MEDFW_OK)
			return err;
		base.timestamp = doc->current_release_date;
		for (k = 0; k < COUNT(csaf_lists); k++) {
			enum medfw_csaf_status list = csaf_lists[k].list;

			for (i = 0; i < v->status_count[list]; i++) {
				struct medfw_vex_statement s = base;
				const char *id = v->status[list][i];

				snprintf(p, sizeof(p), "vulnerabilities[%zu].product_status.%s[%zu]",
					 vi, medfw_csaf_status_name(list), i);
				s.product_id = id;
				s.product = medfw_csaf_product_find(doc, id);
				s.status = csaf_lists[k].status;
				s.state = medfw_csaf_status_name(list);
				if (s.product == NULL) {
					err = add_problem(b, p, "%s: product %s is not defined in the "
								"product tree (ignored)",
							  s.vuln_id, id);
					if (err != MEDFW_OK)
						return err;
					continue;
				}
				err = csaf_reasons(b, doc, v, id, p, &s);
				if (err != MEDFW_OK)
					return err;
				if (s.status == MEDFW_VEX_NOT_AFFECTED && s.justification == NULL &&
				    s.detail == NULL) {
					err = add_problem(b, p,
							  "%s: known_not_affected %s without a flag or "
							  "an impact threat (CISA minimum requirements, "
							  "CSAF 6.1.27.9): ignored",
							  s.vuln_id, id);
					if (err != MEDFW_OK)
						return err;
					continue;
				}
				s.json_path = arena_str(b, p);
				if (s.json_path == NULL)
					return medfwi_jr_alloc_failed(&b->jr);
				err = add_statement(b, &s);
				if (err != MEDFW_OK)
					return err;
			}
		}
	}
	return MEDFW_OK;
}

/* ------------------------------------------------------------------ parse */

enum medfw_err medfw_vex_parse(const char *source, const uint8_t *data, size_t len,
			       struct medfw_vex_doc **out, struct medfw_diag *diag)
{
	struct medfw_vex_doc *doc = NULL;
	struct vex_priv *priv = NULL;
	struct cdx x;
	json_t *root = NULL;
	const json_t *document;
	enum medfw_err err;

	if (out != NULL)
		*out = NULL;
	if (source == NULL || data == NULL || out == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "VEX: invalid argument");
	err = medfw_json_parse(data, len, MEDFW_VEX_MAX_BYTES, MEDFW_VEX_MAX_DEPTH, &root, diag);
	if (err != MEDFW_OK)
		return err;
	memset(&x, 0, sizeof(x));
	doc = calloc(1, sizeof(*doc));
	priv = calloc(1, sizeof(*priv));
	if (doc == NULL || priv == NULL) {
		free(doc);
		free(priv);
		json_decref(root);
		return medfw_diag_set(diag, MEDFW_ERR_NOMEM, "VEX: out of memory");
	}
	medfwi_arena_init(&priv->arena, ARENA_MAX);
	doc->priv_ = priv;
	x.b.doc = doc;
	x.b.jr.arena = &priv->arena;
	x.b.jr.diag = diag;
	doc->source = medfwi_arena_strndup(&priv->arena, source, strlen(source));
	if (doc->source == NULL) {
		err = medfw_diag_set(diag, MEDFW_ERR_NOMEM, "VEX: out of memory");
		goto done;
	}
	if (!json_is_object(root)) {
		err = medfw_diag_set(diag, MEDFW_ERR_FIELD_TYPE,
				     "VEX: the document must be a JSON object");
		goto done;
	}
	document = json_object_get(root, "document");
	if (json_object_get(root, "bomFormat") != NULL) {
		doc->format = MEDFW_VEX_CYCLONEDX;
		x.b.jr.what = CDX;
		err = parse_cyclonedx(&x, root);
	} else if (json_is_object(document) && json_object_get(document, "csaf_version") != NULL) {
		doc->format = MEDFW_VEX_CSAF;
		x.b.jr.what = "CSAF VEX";
		json_decref(root);
		root = NULL;
		err = parse_csaf(&x.b, data, len);
	} else {
		err = medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				     "VEX: neither CycloneDX (bomFormat) nor CSAF "
				     "(document.csaf_version)");
	}
done:
	free(x.decl);
	json_decref(root);
	if (err != MEDFW_OK) {
		medfw_vex_free(doc);
		return err;
	}
	*out = doc;
	return MEDFW_OK;
}

/* --------------------------------------------------------------- applying */

int medfw_vex_names(const struct medfw_vex_statement *s, const char *id)
{
	size_t i;

	if (s == NULL || id == NULL)
		return 0;
	if (strcmp(s->vuln_id, id) == 0)
		return 1;
	for (i = 0; i < s->alias_count; i++)
		if (strcmp(s->aliases[i], id) == 0)
			return 1;
	return 0;
}

static void say(char *why, size_t cap, const char *fmt, ...) MEDFW_PRINTF(3, 4);

static void say(char *why, size_t cap, const char *fmt, ...)
{
	va_list ap;

	if (why == NULL || cap == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(why, cap, fmt, ap);
	va_end(ap);
}

/* The component's version and the scheme to compare it in. */
static const char *comp_version(const struct medfw_sbom_component *comp,
				const struct medfw_purl *cp)
{
	if (comp->version != NULL && comp->version[0] != '\0')
		return comp->version;
	return cp != NULL ? cp->version : NULL;
}

/* Is `v` one of the statement's versions? Returns the entry or NULL; *undecided set
 * when an entry could not be compared. */
static const struct medfw_vex_version *version_entry(const struct medfw_vex_statement *s,
						     const char *v,
						     enum medfw_version_scheme scheme,
						     int *undecided)
{
	size_t i;

	*undecided = 0;
	for (i = 0; i < s->version_count; i++) {
		const struct medfw_vex_version *e = &s->versions[i];

		if (e->version != NULL) {
			int c = 1;

			if (strcmp(e->version, v) == 0)
				return e;
			if (medfw_version_compare(scheme, v, e->version, &c, NULL) != MEDFW_OK)
				*undecided = 1;
			else if (c == 0)
				return e;
		} else {
			enum medfw_vers_result r = MEDFW_VERS_UNDETERMINED;

			if (medfw_vers_contains_text(e->range, v, &r, NULL) != MEDFW_OK ||
			    r == MEDFW_VERS_UNDETERMINED)
				*undecided = 1;
			else if (r == MEDFW_VERS_AFFECTED)
				return e;
		}
	}
	return NULL;
}

static enum medfw_err cdx_applies(const struct medfw_vex_statement *s,
				  const struct medfw_sbom *sbom,
				  const struct medfw_sbom_component *comp,
				  enum medfw_vex_status *out, char *why, size_t why_cap)
{
	struct medfw_purl *cp = NULL, *sp = NULL;
	const struct medfw_vex_version *e;
	const char *how = NULL, *v;
	enum medfw_err err = MEDFW_OK;
	int undecided = 0, same_ref = strcmp(comp->ref, s->ref) == 0;

	/* most statements are about another component: decide that without parsing */
	if (!same_ref && (s->bom_serial != NULL || s->subject_purl == NULL || comp->purl == NULL))
		return MEDFW_OK;
	if (comp->purl != NULL &&
	    medfw_purl_parse(comp->purl, MEDFW_PURL_LENIENT, &cp, NULL) == MEDFW_ERR_NOMEM)
		return MEDFW_ERR_NOMEM;
	if (s->subject_purl != NULL &&
	    medfw_purl_parse(s->subject_purl, MEDFW_PURL_LENIENT, &sp, NULL) == MEDFW_ERR_NOMEM) {
		err = MEDFW_ERR_NOMEM;
		goto done;
	}
	v = comp_version(comp, cp);
	if (s->bom_serial != NULL) {
		if (sbom->serial_number == NULL || !medfwi_eq_ci(sbom->serial_number, s->bom_serial) ||
		    (sbom->version != 0 && sbom->version != s->bom_version))
			goto done;
		how = "BOM-Link";
	} else if (same_ref) {
		/* the VEX document's own declaration of the ref narrows it */
		if (s->subject_version != NULL && v != NULL && strcmp(s->subject_version, v) != 0)
			goto done;
		if (sp != NULL && cp != NULL && !medfw_purl_same_package(sp, cp))
			goto done;
		how = "bom-ref";
	} else if (sp != NULL && cp != NULL && medfw_purl_same_package(sp, cp)) {
		if (sp->version != NULL && (v == NULL || strcmp(sp->version, v) != 0))
			goto done;
		how = "purl";
	} else {
		goto done;
	}
	if (s->version_count == 0) {
		*out = s->status;
		say(why, why_cap, "%s %s", how, s->ref);
		goto done;
	}
	if (v == NULL)
		goto done; /* versions[] cannot be tested without a version */
	e = version_entry(s, v,
			  cp != NULL && medfw_purl_version_scheme(cp->type) !=
						MEDFW_VERSION_SCHEME_UNKNOWN
				  ? medfw_purl_version_scheme(cp->type)
				  : MEDFW_VERSION_SCHEME_GENERIC,
			  &undecided);
	if (e == NULL)
		goto done;
	if (e->status == MEDFW_VEX_VERSION_UNKNOWN) {
		*out = MEDFW_VEX_UNDER_INVESTIGATION;
	} else if (e->status_given &&
		   ((e->status == MEDFW_VEX_VERSION_UNAFFECTED &&
		     (s->status == MEDFW_VEX_AFFECTED || s->status == MEDFW_VEX_UNDER_INVESTIGATION)) ||
		    (e->status == MEDFW_VEX_VERSION_AFFECTED && s->status == MEDFW_VEX_NOT_AFFECTED))) {
		goto done; /* the version's status contradicts the statement's */
	} else {
		*out = s->status;
	}
	say(why, why_cap, "%s %s, version %s in %s", how, s->ref, v,
	    e->version != NULL ? e->version : e->range);
done:
	medfw_purl_free(cp);
	medfw_purl_free(sp);
	return err;
}

enum medfw_err medfw_vex_applies(const struct medfw_vex_doc *doc,
				 const struct medfw_vex_statement *s,
				 const struct medfw_sbom *sbom,
				 const struct medfw_sbom_component *comp,
				 const struct medfw_vuln_component *view,
				 const struct medfw_csaf_product_map *map, size_t map_count,
				 enum medfw_vex_status *out_status, char *why, size_t why_cap,
				 struct medfw_diag *diag)
{
	enum medfwi_csaf_denotes d = MEDFWI_CSAF_NONE;
	enum medfw_err err;

	if (out_status != NULL)
		*out_status = MEDFW_VEX_STATUS_NONE;
	if (why != NULL && why_cap > 0)
		why[0] = '\0';
	if (doc == NULL || s == NULL || sbom == NULL || comp == NULL || view == NULL ||
	    out_status == NULL || (map == NULL && map_count > 0))
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "VEX: invalid argument");
	if (doc->format == MEDFW_VEX_CYCLONEDX) {
		err = cdx_applies(s, sbom, comp, out_status, why, why_cap);
	} else {
		err = medfwi_csaf_denotes(doc->csaf, s->product, view, map, map_count, &d, why,
					  why_cap);
		if (err == MEDFW_OK && d == MEDFWI_CSAF_IN)
			*out_status = s->status;
		else if (why != NULL && why_cap > 0)
			why[0] = '\0';
	}
	if (err != MEDFW_OK)
		return medfw_diag_set(diag, err, "VEX: out of memory");
	return MEDFW_OK;
}

/* Caution order for ties: affected first. */
static int caution(enum medfw_vex_status s)
{
	switch (s) {
	case MEDFW_VEX_AFFECTED:
		return 4;
	case MEDFW_VEX_UNDER_INVESTIGATION:
		return 3;
	case MEDFW_VEX_FIXED:
		return 2;
	case MEDFW_VEX_NOT_AFFECTED:
		return 1;
	case MEDFW_VEX_STATUS_NONE:
		break;
	}
	return 0;
}

int medfw_vex_precedes(const struct medfw_vex_statement *a, enum medfw_vex_status a_status,
		       int a_direct, const struct medfw_vex_statement *b,
		       enum medfw_vex_status b_status, int b_direct)
{
	struct medfwi_time ta, tb;
	int ha, hb, c;

	if (b == NULL)
		return a != NULL;
	if (a == NULL)
		return 0;
	ha = a->timestamp != NULL && medfwi_time_parse(a->timestamp, &ta);
	hb = b->timestamp != NULL && medfwi_time_parse(b->timestamp, &tb);
	if (ha != hb)
		return ha;
	if (ha && (c = medfwi_time_cmp(&ta, &tb)) != 0)
		return c > 0;
	if (a_direct != b_direct)
		return a_direct;
	return caution(a_status) > caution(b_status);
}
