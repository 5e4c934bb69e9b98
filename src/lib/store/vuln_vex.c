/* VEX in the store (medfw/store_vuln.h): uploaded VEX documents (CycloneDX or CSAF)
 * with their statements, and statements made one at a time through the API, each kept
 * as the one-statement CycloneDX document the matcher applies by the rules of a VEX
 * file. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "medfw/num.h"
#include "medfw/store_vuln.h"
#include "medfw/vex.h"
#include "store_internal.h"
#include "vuln_int.h"

#define VEX_WHAT "VEX"

static const char *const vex_status_names[] = {NULL, "affected", "not_affected", "fixed",
					       "under_investigation"};
/* CycloneDX analysis values (what vex.c accepts). */
static const char *const cdx_justifications[] = {
	"code_not_present",      "code_not_reachable",     "requires_configuration",
	"requires_dependency",   "requires_environment",   "protected_by_compiler",
	"protected_at_runtime",  "protected_at_perimeter", "protected_by_mitigating_control",
	NULL};
static const char *const cdx_responses[] = {"can_not_fix", "will_not_fix", "update", "rollback",
					    "workaround_available", NULL};
/* medfw_vex_status -> CycloneDX analysis.state */
static const char *const cdx_states[] = {NULL, "exploitable", "not_affected", "resolved",
					 "in_triage"};

static int in_list(const char *const *list, const char *s, size_t n)
{
	for (size_t i = 0; list[i] != NULL; i++)
		if (strlen(list[i]) == n && strncmp(list[i], s, n) == 0)
			return 1;
	return 0;
}

static const char *vex_status_name(enum medfw_vex_status s)
{
	return (unsigned)s >= 1 && (unsigned)s <= 4 ? vex_status_names[s] : NULL;
}

static const char SQL_VEX_STATEMENT_INSERT[] =
	"INSERT INTO vex_statements (document_id, target_name, vuln_id, component, status,"
	" justification, detail, response, author, timestamp, source, json_path, created_at)"
	" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id";
static const char SQL_VEX_DOC_FIND[] =
	"SELECT id, statements FROM vex_documents WHERE target_name = ? AND sha256 = ?";
static const char SQL_VEX_DOC_INSERT[] =
	"INSERT INTO vex_documents (target_name, source, format, sha256, raw, raw_len, statements,"
	" author, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id";
static const char SQL_VEX_STATEMENT_LIST[] =
	"SELECT " MEDFWI_VULN_VEX_STATEMENT_COLS " FROM vex_statements"
	" WHERE (? = '' OR target_name = '' OR target_name = ?) AND (? = '' OR vuln_id = ?)"
	" ORDER BY id LIMIT ? OFFSET ?";
static const char SQL_VEX_STATEMENT_COUNT[] =
	"SELECT COUNT(*) FROM vex_statements"
	" WHERE (? = '' OR target_name = '' OR target_name = ?) AND (? = '' OR vuln_id = ?)";

/* The one-statement CycloneDX VEX document of a statement made through the API: the
 * matcher applies it by exactly the rules of a VEX file. */
static json_t *statement_doc(const struct medfw_store_vex_statement *s)
{
	json_t *analysis = json_object(), *responses = NULL, *vuln, *doc;
	int bad = analysis == NULL;

	if (!bad)
		bad |= json_object_set_new(analysis, "state",
					   json_string(cdx_states[s->status])) != 0;
	if (!bad && s->justification[0] != '\0')
		bad |= json_object_set_new(analysis, "justification",
					   json_string(s->justification)) != 0;
	if (!bad && s->detail[0] != '\0')
		bad |= json_object_set_new(analysis, "detail", json_string(s->detail)) != 0;
	if (!bad && s->timestamp[0] != '\0')
		bad |= json_object_set_new(analysis, "lastUpdated", json_string(s->timestamp)) != 0;
	if (!bad && s->response[0] != '\0') {
		const char *p = s->response;

		responses = json_array();
		bad = responses == NULL;
		while (!bad && *p != '\0') {
			size_t n = strcspn(p, ",");
			char *one = medfwi_vuln_dup_n(p, n);

			bad = one == NULL || json_array_append_new(responses, json_string(one)) != 0;
			free(one);
			p += n;
			if (*p == ',')
				p++;
		}
		if (!bad) {
			bad = json_object_set_new(analysis, "response", responses) != 0;
			responses = NULL;
		}
	}
	json_decref(responses);
	if (bad) {
		json_decref(analysis);
		return NULL;
	}
	vuln = json_pack("{s:s, s:o, s:[{s:s}]}", "id", s->vuln_id, "analysis", analysis,
			 "affects", "ref", s->component);
	if (vuln == NULL)
		return NULL;
	doc = json_pack("{s:s, s:s, s:i, s:[o]}", "bomFormat", "CycloneDX", "specVersion", "1.6",
			"version", 1, "vulnerabilities", vuln);
	return doc;
}

/* Parse the statement as its one-statement document; the document is returned in
 * *out (may be NULL: only checked). The source names the statement. */
enum medfw_err medfwi_vuln_statement_parse(const struct medfw_store_vex_statement *s,
				      struct medfw_vex_doc **out, struct medfw_diag *diag)
{
	json_t *doc = statement_doc(s);
	char *text = doc != NULL ? json_dumps(doc, JSON_COMPACT) : NULL;
	char source[MEDFW_STORE_NAME_MAX + 64];
	struct medfw_vex_doc *vex = NULL;
	struct medfw_diag d;
	enum medfw_err err;

	json_decref(doc);
	if (out != NULL)
		*out = NULL;
	if (text == NULL)
		return medfwi_vuln_nomem(diag);
	snprintf(source, sizeof(source), "statement %lld by %s", (long long)s->id, s->author);
	medfw_diag_clear(&d);
	err = medfw_vex_parse(source, (const uint8_t *)text, strlen(text), &vex, &d);
	free(text);
	if (err == MEDFW_ERR_NOMEM)
		return medfwi_vuln_nomem(diag);
	if (err != MEDFW_OK)
		return medfw_diag_set(diag, err, "VEX statement: %s", medfw_diag_message(&d, err));
	if (vex->problem_count > 0 || vex->statement_count != 1) {
		err = medfw_diag_set(diag, MEDFW_ERR_FIELD_MISSING, "VEX statement: %s",
				     vex->problem_count > 0 ? vex->problems[0].message
							    : "not one statement");
		medfw_vex_free(vex);
		return err;
	}
	if (out != NULL)
		*out = vex;
	else
		medfw_vex_free(vex);
	return MEDFW_OK;
}

static enum medfw_err check_statement(const struct medfw_store_vex_statement *s,
				      struct medfw_diag *diag)
{
	enum medfw_err err;

	err = medfwi_check_str(s->target_name, MEDFW_STORE_TARGET_NAME_MAX, 0, VEX_WHAT,
			       "release", diag);
	if (err == MEDFW_OK)
		err = medfwi_check_str(s->vuln_id, MEDFW_STORE_VULN_ID_MAX, 1, VEX_WHAT,
				       "vulnerability", diag);
	if (err == MEDFW_OK)
		err = medfwi_check_str(s->component, MEDFW_STORE_VULN_REF_MAX, 1, VEX_WHAT,
				       "component", diag);
	if (err == MEDFW_OK)
		err = medfwi_check_str(s->justification, MEDFW_STORE_VULN_TEXT_MAX, 0, VEX_WHAT,
				       "justification", diag);
	if (err == MEDFW_OK)
		err = medfwi_check_str(s->detail, MEDFW_STORE_VULN_TEXT_MAX, 0, VEX_WHAT, "detail",
				       diag);
	if (err == MEDFW_OK)
		err = medfwi_check_str(s->response, MEDFW_STORE_VULN_TEXT_MAX, 0, VEX_WHAT,
				       "response", diag);
	if (err == MEDFW_OK)
		err = medfwi_check_str(s->author, MEDFW_STORE_NAME_MAX, 1, VEX_WHAT, "author", diag);
	if (err == MEDFW_OK)
		err = medfwi_check_str(s->timestamp, MEDFW_STORE_VULN_DATE_MAX, 0, VEX_WHAT,
				       "timestamp", diag);
	if (err != MEDFW_OK)
		return err;
	if (vex_status_name(s->status) == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "%s: status: not affected, not_affected, fixed or "
				      "under_investigation",
				      VEX_WHAT);
	if (s->justification[0] != '\0' &&
	    !in_list(cdx_justifications, s->justification, strlen(s->justification)))
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "%s: justification: \"%.64s\" is not one of CycloneDX's "
				      "(code_not_present, code_not_reachable, requires_configuration, "
				      "requires_dependency, requires_environment, "
				      "protected_by_compiler, protected_at_runtime, "
				      "protected_at_perimeter, protected_by_mitigating_control)",
				      VEX_WHAT, s->justification);
	for (const char *p = s->response; *p != '\0';) {
		size_t n = strcspn(p, ",");

		if (!in_list(cdx_responses, p, n))
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					      "%s: response: \"%.*s\" is not one of can_not_fix, "
					      "will_not_fix, update, rollback, workaround_available",
					      VEX_WHAT, (int)(n > 64 ? 64 : n), p);
		p += n;
		if (*p == ',')
			p++;
	}
	if (s->status == MEDFW_VEX_NOT_AFFECTED && s->justification[0] == '\0' &&
	    s->detail[0] == '\0')
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_MISSING,
				      "%s: a not_affected statement needs a justification or a "
				      "detail (impact statement): CISA minimum requirements",
				      VEX_WHAT);
	return MEDFW_OK;
}

static enum medfw_err statement_insert(struct medfw_store *tx,
				       struct medfw_store_vex_statement *s,
				       struct medfw_diag *diag)
{
	struct medfwi_q q;
	int row = 0;

	s->created_at = medfwi_now(tx);
	if (medfwi_q_begin(&q, tx, VEX_WHAT, SQL_VEX_STATEMENT_INSERT, diag) == MEDFW_OK) {
		medfwi_q_int0(&q, s->document_id);
		medfwi_q_text(&q, s->target_name);
		medfwi_q_text(&q, s->vuln_id);
		medfwi_q_text(&q, s->component);
		medfwi_q_text(&q, vex_status_name(s->status));
		medfwi_q_text(&q, s->justification);
		medfwi_q_text(&q, s->detail);
		medfwi_q_text(&q, s->response);
		medfwi_q_text(&q, s->author);
		medfwi_q_text(&q, s->timestamp);
		medfwi_q_text(&q, s->source);
		medfwi_q_text(&q, s->json_path);
		medfwi_q_int(&q, s->created_at);
		if (medfwi_q_step(&q, &row) == MEDFW_OK && row)
			s->id = medfwi_q_col_int(&q, 0);
	}
	return medfwi_q_end(&q);
}

static enum medfw_err statement_add_fn(struct medfw_store *tx, void *arg, struct medfw_diag *diag)
{
	struct medfw_store_vex_statement *s = arg;
	enum medfw_err err = medfwi_vuln_sbom_exists(tx, VEX_WHAT, s->target_name, diag);

	if (err == MEDFW_OK)
		err = statement_insert(tx, s, diag);
	if (err == MEDFW_OK)
		err = medfwi_vuln_bump_generation(tx, diag);
	return err;
}

enum medfw_err medfw_store_vex_statement_add(struct medfw_store *store,
					     struct medfw_store_vex_statement *statement,
					     struct medfw_diag *diag)
{
	enum medfw_err err;

	if (store == NULL || statement == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "%s: NULL argument", VEX_WHAT);
	statement->id = 0;
	statement->document_id = 0;
	err = check_statement(statement, diag);
	if (err != MEDFW_OK)
		return err;
	if (statement->timestamp[0] == '\0' &&
	    medfw_format_utc_time(medfwi_now(store), statement->timestamp,
				  sizeof(statement->timestamp)) != MEDFW_OK)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "%s: the clock is out of range",
				      VEX_WHAT);
	snprintf(statement->source, sizeof(statement->source), "api");
	statement->json_path[0] = '\0';
	err = medfwi_vuln_statement_parse(statement, NULL, diag);
	if (err == MEDFW_OK)
		err = medfwi_run(store, MEDFWI_TX_WRITE, statement_add_fn, statement, diag);
	if (err != MEDFW_OK)
		statement->id = 0;
	return err;
}

struct vex_doc_arg {
	const char *target, *source, *author;
	const struct medfw_vex_doc *doc;
	char sha256[MEDFW_STORE_SHA256_HEX + 1];
	const uint8_t *z;
	size_t zlen, len;
	struct medfw_store_vex_document_result *out;
};

/* The listed form of a parsed statement. */
static void statement_of(const struct vex_doc_arg *a, const struct medfw_vex_statement *v,
			 struct medfw_store_vex_statement *s)
{
	memset(s, 0, sizeof(*s));
	s->document_id = a->out->document_id;
	medfwi_vuln_copy_cut(s->target_name, sizeof(s->target_name), a->target);
	medfwi_vuln_copy_cut(s->vuln_id, sizeof(s->vuln_id), v->vuln_id);
	medfwi_vuln_copy_cut(s->component, sizeof(s->component),
		 v->ref != NULL ? v->ref : v->product_id != NULL ? v->product_id : "");
	s->status = v->status;
	medfwi_vuln_copy_cut(s->justification, sizeof(s->justification), v->justification);
	medfwi_vuln_copy_cut(s->detail, sizeof(s->detail), v->detail);
	medfwi_vuln_copy_cut(s->response, sizeof(s->response), v->response);
	medfwi_vuln_copy_cut(s->author, sizeof(s->author), a->author);
	medfwi_vuln_copy_cut(s->timestamp, sizeof(s->timestamp), v->timestamp);
	medfwi_vuln_copy_cut(s->source, sizeof(s->source), a->source);
	medfwi_vuln_copy_cut(s->json_path, sizeof(s->json_path), v->json_path);
}

static enum medfw_err vex_doc_fn(struct medfw_store *tx, void *arg, struct medfw_diag *diag)
{
	struct vex_doc_arg *a = arg;
	struct medfw_store_vex_statement *s;
	struct medfwi_q q;
	int row = 0;
	enum medfw_err err = medfwi_vuln_sbom_exists(tx, VEX_WHAT, a->target, diag);

	a->out->unchanged = 0;
	a->out->document_id = 0;
	if (err == MEDFW_OK && medfwi_q_begin(&q, tx, VEX_WHAT, SQL_VEX_DOC_FIND, diag) == MEDFW_OK) {
		medfwi_q_text(&q, a->target);
		medfwi_q_text(&q, a->sha256);
		if (medfwi_q_step(&q, &row) == MEDFW_OK && row) {
			a->out->document_id = medfwi_q_col_int(&q, 0);
			a->out->statements = (size_t)medfwi_q_col_int(&q, 1);
			a->out->unchanged = 1;
		}
	}
	if (err == MEDFW_OK)
		err = medfwi_q_end(&q);
	if (err != MEDFW_OK || a->out->unchanged)
		return err;
	if (medfwi_q_begin(&q, tx, VEX_WHAT, SQL_VEX_DOC_INSERT, diag) == MEDFW_OK) {
		medfwi_q_text(&q, a->target);
		medfwi_q_text(&q, a->source);
		medfwi_q_text(&q, a->doc->format == MEDFW_VEX_CSAF ? "csaf" : "cyclonedx");
		medfwi_q_text(&q, a->sha256);
		medfwi_q_blob(&q, a->z, a->zlen);
		medfwi_q_int(&q, (int64_t)a->len);
		medfwi_q_int(&q, (int64_t)a->doc->statement_count);
		medfwi_q_text(&q, a->author);
		medfwi_q_int(&q, medfwi_now(tx));
		if (medfwi_q_step(&q, &row) == MEDFW_OK && row)
			a->out->document_id = medfwi_q_col_int(&q, 0);
	}
	err = medfwi_q_end(&q);
	s = malloc(sizeof(*s));
	if (err == MEDFW_OK && s == NULL)
		err = medfwi_vuln_nomem(diag);
	for (size_t i = 0; err == MEDFW_OK && i < a->doc->statement_count; i++) {
		statement_of(a, &a->doc->statements[i], s);
		err = statement_insert(tx, s, diag);
	}
	free(s);
	a->out->statements = a->doc->statement_count;
	a->out->problems = a->doc->problem_count;
	if (err == MEDFW_OK)
		err = medfwi_vuln_bump_generation(tx, diag);
	return err;
}

enum medfw_err medfw_store_vex_document_add(struct medfw_store *store, const char *target_name,
					    const char *source, const char *author,
					    const uint8_t *data, size_t len,
					    struct medfw_store_vex_document_result *out,
					    struct medfw_diag *diag)
{
	struct vex_doc_arg a;
	struct medfw_vex_doc *doc = NULL;
	uint8_t *z = NULL;
	enum medfw_err err;

	if (out == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "%s: no output", VEX_WHAT);
	memset(out, 0, sizeof(*out));
	if (store == NULL || (data == NULL && len > 0))
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "%s: NULL argument", VEX_WHAT);
	err = medfwi_check_str(target_name, MEDFW_STORE_TARGET_NAME_MAX, 0, VEX_WHAT, "release",
			       diag);
	if (err == MEDFW_OK)
		err = medfwi_check_str(source, MEDFW_STORE_VULN_SOURCE_MAX, 1, VEX_WHAT, "source",
				       diag);
	if (err == MEDFW_OK)
		err = medfwi_check_str(author, MEDFW_STORE_NAME_MAX, 1, VEX_WHAT, "author", diag);
	if (err == MEDFW_OK)
		err = medfw_vex_parse(source, data, len, &doc, diag);
	memset(&a, 0, sizeof(a));
	if (err == MEDFW_OK)
		err = medfwi_vuln_zpack(NULL, data, len, &z, &a.zlen, diag);
	if (err == MEDFW_OK) {
		a.target = target_name;
		a.source = source;
		a.author = author;
		a.doc = doc;
		a.z = z;
		a.len = len;
		a.out = out;
		medfwi_vuln_sha256_hex(data, len, a.sha256);
		err = medfwi_run(store, MEDFWI_TX_WRITE, vex_doc_fn, &a, diag);
	}
	free(z);
	medfw_vex_free(doc);
	if (err != MEDFW_OK)
		memset(out, 0, sizeof(*out));
	return err;
}

void medfwi_vuln_statement_row(struct medfwi_q *q, struct medfw_store_vex_statement *s)
{
	char status[32];

	s->id = medfwi_q_col_int(q, 0);
	s->document_id = medfwi_q_col_int(q, 1);
	medfwi_q_col_text(q, 2, s->target_name, sizeof(s->target_name));
	medfwi_q_col_text(q, 3, s->vuln_id, sizeof(s->vuln_id));
	medfwi_q_col_text(q, 4, s->component, sizeof(s->component));
	medfwi_q_col_text(q, 5, status, sizeof(status));
	s->status = (enum medfw_vex_status)medfwi_vuln_name_index(vex_status_names, 5, status);
	medfwi_q_col_text(q, 6, s->justification, sizeof(s->justification));
	medfwi_q_col_text(q, 7, s->detail, sizeof(s->detail));
	medfwi_q_col_text(q, 8, s->response, sizeof(s->response));
	medfwi_q_col_text(q, 9, s->author, sizeof(s->author));
	medfwi_q_col_text(q, 10, s->timestamp, sizeof(s->timestamp));
	medfwi_q_col_text(q, 11, s->source, sizeof(s->source));
	medfwi_q_col_text(q, 12, s->json_path, sizeof(s->json_path));
	s->created_at = medfwi_q_col_int(q, 13);
}

struct statement_list_arg {
	const char *target, *vuln;
	int64_t offset;
	struct medfw_store_vex_statement *out;
	size_t cap, count;
	int64_t total;
};

static enum medfw_err statement_list_fn(struct medfw_store *tx, void *arg,
					struct medfw_diag *diag)
{
	struct statement_list_arg *a = arg;
	struct medfwi_q q;
	int row = 0;
	enum medfw_err err;

	a->count = 0;
	if (medfwi_q_begin(&q, tx, VEX_WHAT, SQL_VEX_STATEMENT_LIST, diag) == MEDFW_OK) {
		medfwi_q_text(&q, a->target);
		medfwi_q_text(&q, a->target);
		medfwi_q_text(&q, a->vuln);
		medfwi_q_text(&q, a->vuln);
		medfwi_q_int(&q, (int64_t)a->cap);
		medfwi_q_int(&q, a->offset);
		while (a->count < a->cap && medfwi_q_step(&q, &row) == MEDFW_OK && row)
			medfwi_vuln_statement_row(&q, &a->out[a->count++]);
	}
	err = medfwi_q_end(&q);
	if (err == MEDFW_OK &&
	    medfwi_q_begin(&q, tx, VEX_WHAT, SQL_VEX_STATEMENT_COUNT, diag) == MEDFW_OK) {
		medfwi_q_text(&q, a->target);
		medfwi_q_text(&q, a->target);
		medfwi_q_text(&q, a->vuln);
		medfwi_q_text(&q, a->vuln);
		if (medfwi_q_step(&q, &row) == MEDFW_OK && row)
			a->total = medfwi_q_col_int(&q, 0);
	}
	if (err == MEDFW_OK)
		err = medfwi_q_end(&q);
	return err;
}

enum medfw_err medfw_store_vex_statement_list(struct medfw_store *store,
					      const char *target_name, const char *vuln_id,
					      int64_t offset,
					      struct medfw_store_vex_statement *out, size_t cap,
					      size_t *out_count, int64_t *out_total,
					      struct medfw_diag *diag)
{
	struct statement_list_arg a = {target_name, vuln_id, offset, out, cap, 0, 0};
	enum medfw_err err;

	*out_count = 0;
	if (out_total != NULL)
		*out_total = 0;
	if (target_name == NULL || vuln_id == NULL || (cap > 0 && out == NULL) || offset < 0)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "%s: bad list arguments",
				      VEX_WHAT);
	err = medfwi_vuln_list(store, statement_list_fn, &a, out, cap, sizeof(*out), diag);
	if (err != MEDFW_OK)
		return err;
	*out_count = a.count;
	if (out_total != NULL)
		*out_total = a.total;
	return MEDFW_OK;
}
