/* Feed records in the store (medfw/store_vuln.h): an uploaded OSV, NVD, CVE or KEV
 * file is loaded with medfw_feed_load_bytes and each record is kept as its own JSON text
 * (cut out of the file by the scanner of vuln_scan_int.h), keyed by format and id; a
 * record replaces the stored one only when its modified date is later. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#include "medfw/csaf.h"
#include "medfw/json.h"
#include "medfw/num.h"
#include "medfw/store_vuln.h"
#include "store_internal.h"
#include "vuln/advjson_int.h"
#include "vuln/feed_int.h"
#include "vuln_int.h"
#include "vuln_scan_int.h"

#define REC_WHAT "vulnerability record"

static const char SQL_REC_FIND[] =
	"SELECT id, modified FROM vuln_records WHERE format = ? AND record_id = ?";
static const char SQL_REC_INSERT[] =
	"INSERT INTO vuln_records (format, record_id, modified, source, json_path, raw, raw_len,"
	" imported_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char SQL_REC_UPDATE[] =
	"UPDATE vuln_records SET modified = ?, source = ?, json_path = ?, raw = ?, raw_len = ?,"
	" updated_at = ? WHERE id = ?";
static const char SQL_REC_GET[] =
	"SELECT id, format, record_id, modified, source, json_path, imported_at, updated_at, raw,"
	" raw_len FROM vuln_records WHERE format = ? AND record_id = ?";
static const char SQL_REC_COUNTS[] = "SELECT format, COUNT(*) FROM vuln_records GROUP BY format";

static enum medfw_feed_format format_parse(const char *name)
{
	for (int f = MEDFW_FEED_OSV; f <= MEDFW_FEED_KEV; f++)
		if (strcmp(medfw_feed_format_name((enum medfw_feed_format)f), name) == 0)
			return (enum medfw_feed_format)f;
	return (enum medfw_feed_format)0;
}

struct pending_record {
	enum medfw_feed_format format;
	char *id, *modified, *json_path;
	uint8_t *z;
	size_t zlen, len;
};

struct import_run {
	const char *source;
	const uint8_t *data;
	size_t len;
	json_t *tree; /* the file parsed, for records inside it (made when first needed) */
	struct pending_record *items;
	size_t n, cap;
	struct medfw_store_vuln_import *out;
	int file_failed;
	struct medfw_store_vuln_problem file_problem;
	ZSTD_CCtx *cctx;
	struct medfwi_span_cursor cursor;
};

static void pending_free(struct import_run *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->items[i].id);
		free(r->items[i].modified);
		free(r->items[i].json_path);
		free(r->items[i].z);
	}
	free(r->items);
	json_decref(r->tree);
}

/* The value at a loader's record path: "", "[3]", "vulns[0]", "vulnerabilities[12].cve",
 * "cve". */
static const json_t *at_path(const json_t *v, const char *path)
{
	const char *p = path;

	while (v != NULL && *p != '\0') {
		if (*p == '[') {
			uint64_t i = 0;
			char num[24];
			const char *end = strchr(p, ']');

			if (end == NULL || end == p + 1 || (size_t)(end - p - 1) >= sizeof(num))
				return NULL;
			memcpy(num, p + 1, (size_t)(end - p - 1));
			num[end - p - 1] = '\0';
			if (medfw_parse_u64(num, 0, SIZE_MAX, &i) != MEDFW_OK)
				return NULL;
			v = json_array_get(v, (size_t)i);
			p = end + 1;
		} else {
			char key[MEDFW_FEED_JSON_PATH_MAX];
			size_t n = strcspn(p, ".[");

			if (*p == '.') {
				p++;
				continue;
			}
			if (n == 0 || n >= sizeof(key))
				return NULL;
			memcpy(key, p, n);
			key[n] = '\0';
			v = json_object_get(v, key);
			p += n;
		}
	}
	return v;
}

static void import_problem(void *arg, const struct medfw_feed_problem *p)
{
	struct import_run *r = arg;
	struct medfw_store_vuln_problem *dst;

	if (p->json_path[0] == '\0') { /* the file as a whole */
		if (!r->file_failed) {
			r->file_failed = 1;
			r->file_problem.err = p->err;
			medfwi_vuln_copy_cut(r->file_problem.message,
					     sizeof(r->file_problem.message), p->message);
		}
		return;
	}
	r->out->rejected++;
	if (r->out->problem_count >= MEDFW_STORE_VULN_PROBLEMS_MAX)
		return;
	dst = &r->out->problems[r->out->problem_count++];
	medfwi_vuln_copy_cut(dst->json_path, sizeof(dst->json_path), p->json_path);
	dst->err = p->err;
	medfwi_vuln_copy_cut(dst->message, sizeof(dst->message), p->message);
}

/* A record the parser accepted but the store cannot key (an id or date too long). */
static void import_refuse(struct import_run *r, const struct medfw_feed_record *rec,
			  const char *why)
{
	struct medfw_feed_problem p;

	memset(&p, 0, sizeof(p));
	medfwi_vuln_copy_cut(p.json_path, sizeof(p.json_path),
			     rec->json_path[0] ? rec->json_path : "(record)");
	p.err = MEDFW_ERR_TOO_LARGE;
	snprintf(p.message, sizeof(p.message), "%s", why);
	import_problem(r, &p);
}

static enum medfw_err import_record(void *arg, struct medfw_feed_record *rec,
				    struct medfw_diag *diag)
{
	struct import_run *r = arg;
	struct pending_record *it;
	char *text = NULL;
	const void *raw = r->data;
	size_t raw_len = r->len, span_start = 0, span_end = 0;
	enum medfw_err err = MEDFW_OK;

	if (strlen(rec->id) > MEDFW_STORE_VULN_ID_MAX ||
	    (rec->modified != NULL && strlen(rec->modified) > MEDFW_STORE_VULN_DATE_MAX)) {
		import_refuse(r, rec, "the record id or modified date is too long to be stored");
		medfw_feed_record_clear(rec);
		return MEDFW_OK;
	}
	if (r->n == r->cap) {
		size_t cap = r->cap == 0 ? 64 : r->cap * 2;
		struct pending_record *items = realloc(r->items, cap * sizeof(*items));

		if (items == NULL) {
			medfw_feed_record_clear(rec);
			return medfwi_vuln_nomem(diag);
		}
		r->items = items;
		r->cap = cap;
	}
	if (rec->json_path[0] != '\0' &&
	    medfwi_vuln_record_span(r->data, r->len, rec->json_path, &r->cursor, &span_start,
				    &span_end)) {
		raw = r->data + span_start;
		raw_len = span_end - span_start;
	} else if (rec->json_path[0] != '\0') {
		const json_t *v;

		if (r->tree == NULL)
			err = medfw_json_parse(r->data, r->len, MEDFW_STORE_VULN_FILE_MAX,
					       MEDFW_CSAF_MAX_DEPTH, &r->tree, diag);
		v = err == MEDFW_OK ? at_path(r->tree, rec->json_path) : NULL;
		if (err == MEDFW_OK && v == NULL)
			err = medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
					     "%s: %s: the record's place cannot be found", r->source,
					     rec->json_path);
		if (err == MEDFW_OK) {
			text = json_dumps(v, JSON_COMPACT);
			if (text == NULL)
				err = medfwi_vuln_nomem(diag);
		}
		raw = text;
		raw_len = text != NULL ? strlen(text) : 0;
	}
	it = &r->items[r->n];
	memset(it, 0, sizeof(*it));
	if (err == MEDFW_OK)
		err = medfwi_vuln_zpack(r->cctx, raw, raw_len, &it->z, &it->zlen, diag);
	if (err == MEDFW_OK) {
		it->format = rec->format;
		it->len = raw_len;
		it->id = medfwi_vuln_dup_s(rec->id);
		it->modified = rec->modified != NULL ? medfwi_vuln_dup_s(rec->modified) : NULL;
		it->json_path = medfwi_vuln_dup_s(rec->json_path);
		if (it->id == NULL || it->json_path == NULL ||
		    (rec->modified != NULL && it->modified == NULL))
			err = medfwi_vuln_nomem(diag);
		r->n++; /* freed by pending_free whatever happened */
		r->out->records[rec->format]++;
	}
	free(text);
	medfw_feed_record_clear(rec);
	return err;
}

static enum medfw_err import_write_fn(struct medfw_store *tx, void *arg, struct medfw_diag *diag)
{
	struct import_run *r = arg;
	int64_t now = medfwi_now(tx);
	enum medfw_err err = MEDFW_OK;

	r->out->added = r->out->updated = r->out->unchanged = 0;
	for (size_t i = 0; err == MEDFW_OK && i < r->n; i++) {
		const struct pending_record *it = &r->items[i];
		const char *format = medfw_feed_format_name(it->format);
		char modified[MEDFW_STORE_VULN_DATE_MAX + 1] = "";
		struct medfwi_q q;
		int64_t id = 0;
		int row = 0;

		if (medfwi_q_begin(&q, tx, REC_WHAT, SQL_REC_FIND, diag) == MEDFW_OK) {
			medfwi_q_text(&q, format);
			medfwi_q_text(&q, it->id);
			if (medfwi_q_step(&q, &row) == MEDFW_OK && row) {
				id = medfwi_q_col_int(&q, 0);
				medfwi_q_col_text(&q, 1, modified, sizeof(modified));
			}
		}
		err = medfwi_q_end(&q);
		if (err != MEDFW_OK)
			break;
		if (row && !medfwi_feed_newer(it->modified, modified)) {
			r->out->unchanged++;
			continue;
		}
		if (medfwi_q_begin(&q, tx, REC_WHAT, row ? SQL_REC_UPDATE : SQL_REC_INSERT, diag) ==
		    MEDFW_OK) {
			if (!row) {
				medfwi_q_text(&q, format);
				medfwi_q_text(&q, it->id);
			}
			medfwi_q_text(&q, it->modified);
			medfwi_q_text(&q, r->source);
			medfwi_q_text(&q, it->json_path);
			medfwi_q_blob(&q, it->z, it->zlen);
			medfwi_q_int(&q, (int64_t)it->len);
			if (!row)
				medfwi_q_int(&q, now);
			medfwi_q_int(&q, now);
			if (row)
				medfwi_q_int(&q, id);
			medfwi_q_exec(&q, NULL);
		}
		err = medfwi_q_end(&q);
		if (row)
			r->out->updated++;
		else
			r->out->added++;
	}
	if (err == MEDFW_OK && r->out->added + r->out->updated > 0)
		err = medfwi_vuln_bump_generation(tx, diag);
	return err;
}

enum medfw_err medfw_store_vuln_import(struct medfw_store *store, const char *source,
				       const uint8_t *data, size_t len,
				       struct medfw_store_vuln_import *out, struct medfw_diag *diag)
{
	struct medfw_feed_sink sink = {import_record, import_problem, NULL};
	struct import_run r;
	enum medfw_err err;

	if (out == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "%s: no output", REC_WHAT);
	memset(out, 0, sizeof(*out));
	if (store == NULL || (data == NULL && len > 0))
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "%s: NULL argument", REC_WHAT);
	err = medfwi_check_str(source, MEDFW_STORE_VULN_SOURCE_MAX, 1, REC_WHAT, "source", diag);
	if (err != MEDFW_OK)
		return err;
	if (len > MEDFW_STORE_VULN_FILE_MAX)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "%s: %zu bytes, more than %u",
				      source, len, (unsigned)MEDFW_STORE_VULN_FILE_MAX);
	memset(&r, 0, sizeof(r));
	r.source = source;
	r.data = data;
	r.len = len;
	r.out = out;
	sink.arg = &r;
	r.cctx = ZSTD_createCCtx();
	err = r.cctx == NULL ? medfwi_vuln_nomem(diag)
			     : medfw_feed_load_bytes(source, data, len, &sink, NULL, diag);
	if (err == MEDFW_OK && r.file_failed)
		err = medfw_diag_set(diag, r.file_problem.err != MEDFW_OK ? r.file_problem.err
									  : MEDFW_ERR_FIELD_VALUE,
				     "%s: %s", source, r.file_problem.message);
	if (err == MEDFW_OK)
		err = medfwi_run(store, MEDFWI_TX_WRITE, import_write_fn, &r, diag);
	pending_free(&r);
	ZSTD_freeCCtx(r.cctx);
	if (err != MEDFW_OK)
		memset(out, 0, sizeof(*out));
	return err;
}

struct rec_get_arg {
	enum medfw_feed_format format;
	const char *id;
	struct medfw_store_vuln_record *out;
	struct medfw_buf *json;
};

static enum medfw_err rec_get_fn(struct medfw_store *tx, void *arg, struct medfw_diag *diag)
{
	struct rec_get_arg *a = arg;
	struct medfwi_q q;
	char format[16];
	int row = 0;
	enum medfw_err err = MEDFW_OK;

	if (medfwi_q_begin(&q, tx, REC_WHAT, SQL_REC_GET, diag) == MEDFW_OK) {
		medfwi_q_text(&q, medfw_feed_format_name(a->format));
		medfwi_q_text(&q, a->id);
		if (medfwi_q_step(&q, &row) == MEDFW_OK && row) {
			a->out->id = medfwi_q_col_int(&q, 0);
			medfwi_q_col_text(&q, 1, format, sizeof(format));
			a->out->format = format_parse(format);
			medfwi_q_col_text(&q, 2, a->out->record_id, sizeof(a->out->record_id));
			medfwi_q_col_text(&q, 3, a->out->modified, sizeof(a->out->modified));
			medfwi_q_col_text(&q, 4, a->out->source, sizeof(a->out->source));
			medfwi_q_col_text(&q, 5, a->out->json_path, sizeof(a->out->json_path));
			a->out->imported_at = medfwi_q_col_int(&q, 6);
			a->out->updated_at = medfwi_q_col_int(&q, 7);
			if (q.err == MEDFW_OK && a->json != NULL)
				err = medfwi_vuln_col_append(&q, 8, 9, MEDFW_STORE_VULN_FILE_MAX,
							     "record", a->json, diag);
		}
	}
	if (medfwi_q_end(&q) != MEDFW_OK && err == MEDFW_OK)
		err = q.err;
	if (err == MEDFW_OK && !row)
		err = medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND, "%s: no %s record \"%.200s\"",
				     REC_WHAT, medfw_feed_format_name(a->format), a->id);
	return err;
}

enum medfw_err medfw_store_vuln_record_get(struct medfw_store *store,
					   enum medfw_feed_format format, const char *record_id,
					   struct medfw_store_vuln_record *out,
					   struct medfw_buf *out_json, struct medfw_diag *diag)
{
	struct rec_get_arg a = {format, record_id, out, out_json};

	memset(out, 0, sizeof(*out));
	if (record_id == NULL || format < MEDFW_FEED_OSV || format > MEDFW_FEED_KEV)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "%s: bad arguments", REC_WHAT);
	return medfwi_vuln_get(store, rec_get_fn, &a, out, sizeof(*out), out_json, diag);
}

static enum medfw_err rec_counts_fn(struct medfw_store *tx, void *arg, struct medfw_diag *diag)
{
	int64_t *out = arg;
	struct medfwi_q q;
	int row = 0;

	if (medfwi_q_begin(&q, tx, REC_WHAT, SQL_REC_COUNTS, diag) == MEDFW_OK) {
		while (medfwi_q_step(&q, &row) == MEDFW_OK && row) {
			char format[16];
			enum medfw_feed_format f;

			medfwi_q_col_text(&q, 0, format, sizeof(format));
			f = format_parse(format);
			if (f != 0)
				out[f] = medfwi_q_col_int(&q, 1);
		}
	}
	return medfwi_q_end(&q);
}

enum medfw_err medfw_store_vuln_record_counts(struct medfw_store *store,
					      int64_t out[MEDFW_FEED_FORMAT_COUNT],
					      struct medfw_diag *diag)
{
	enum medfw_err err;

	memset(out, 0, MEDFW_FEED_FORMAT_COUNT * sizeof(out[0]));
	err = medfwi_run(store, MEDFWI_TX_NONE, rec_counts_fn, out, diag);
	if (err != MEDFW_OK)
		memset(out, 0, MEDFW_FEED_FORMAT_COUNT * sizeof(out[0]));
	return err;
}

