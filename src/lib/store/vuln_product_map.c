/* The product map in the store (medfw/store_vuln.h, medfw/vuln_matcher.h): one stored
 * document mapping SBOM products to the names the feeds use, kept compressed and parsed
 * by each re-evaluation. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "medfw/store_vuln.h"
#include "medfw/vuln_matcher.h"
#include "store_internal.h"
#include "vuln_int.h"

#define MAP_WHAT "product map"

static const char SQL_MAP_GET[] =
	"SELECT source, sha256, entries, updated_by, updated_at, raw, raw_len"
	" FROM vuln_product_map WHERE id = 1";
static const char SQL_MAP_SHA[] = "SELECT sha256 FROM vuln_product_map WHERE id = 1";
static const char SQL_MAP_PUT[] =
	"INSERT INTO vuln_product_map (id, source, sha256, entries, raw, raw_len, updated_by,"
	" updated_at) VALUES (1, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET"
	" source = excluded.source, sha256 = excluded.sha256, entries = excluded.entries,"
	" raw = excluded.raw, raw_len = excluded.raw_len, updated_by = excluded.updated_by,"
	" updated_at = excluded.updated_at";

struct map_put_arg {
	struct medfw_store_product_map *rec;
	const uint8_t *z;
	size_t zlen, len;
	int unchanged;
};

static enum medfw_err map_put_fn(struct medfw_store *tx, void *arg, struct medfw_diag *diag)
{
	struct map_put_arg *a = arg;
	struct medfw_store_product_map *m = a->rec;
	char stored[MEDFW_STORE_SHA256_HEX + 1] = "";
	struct medfwi_q q;
	int row = 0;
	enum medfw_err err;

	a->unchanged = 0;
	if (medfwi_q_begin(&q, tx, MAP_WHAT, SQL_MAP_SHA, diag) == MEDFW_OK &&
	    medfwi_q_step(&q, &row) == MEDFW_OK && row)
		medfwi_q_col_text(&q, 0, stored, sizeof(stored));
	err = medfwi_q_end(&q);
	if (err != MEDFW_OK)
		return err;
	if (row && strcmp(stored, m->sha256) == 0) {
		a->unchanged = 1;
		return MEDFW_OK;
	}
	m->updated_at = medfwi_now(tx);
	if (medfwi_q_begin(&q, tx, MAP_WHAT, SQL_MAP_PUT, diag) == MEDFW_OK) {
		medfwi_q_text(&q, m->source);
		medfwi_q_text(&q, m->sha256);
		medfwi_q_int(&q, m->entries);
		medfwi_q_blob(&q, a->z, a->zlen);
		medfwi_q_int(&q, (int64_t)a->len);
		medfwi_q_int0(&q, m->updated_by);
		medfwi_q_int(&q, m->updated_at);
		medfwi_q_exec(&q, NULL);
	}
	err = medfwi_q_end(&q);
	if (err == MEDFW_OK)
		err = medfwi_vuln_bump_generation(tx, diag);
	return err;
}

/* Read the stored row into `out` (NULL: the columns are not copied) and its document
 * into `raw` (NULL: not decompressed). *out_found: a map is stored. */
static enum medfw_err map_read(struct medfw_store *tx, ZSTD_DCtx *dctx,
			       struct medfw_store_product_map *out, char **raw, size_t *raw_len,
			       int *out_found, struct medfw_diag *diag)
{
	struct medfwi_q q;
	int row = 0;
	enum medfw_err err = MEDFW_OK;

	*out_found = 0;
	if (medfwi_q_begin(&q, tx, MAP_WHAT, SQL_MAP_GET, diag) == MEDFW_OK &&
	    medfwi_q_step(&q, &row) == MEDFW_OK && row) {
		*out_found = 1;
		if (out != NULL) {
			medfwi_q_col_text(&q, 0, out->source, sizeof(out->source));
			medfwi_q_col_text(&q, 1, out->sha256, sizeof(out->sha256));
			out->entries = medfwi_q_col_int(&q, 2);
			out->updated_by = medfwi_q_col_int(&q, 3);
			out->updated_at = medfwi_q_col_int(&q, 4);
		}
		if (raw != NULL)
			err = medfwi_vuln_col_unpack(dctx, &q, 5, 6, MEDFW_PRODUCT_MAP_MAX_BYTES,
						     MAP_WHAT, raw, raw_len, diag);
	}
	if (medfwi_q_end(&q) != MEDFW_OK && err == MEDFW_OK)
		err = q.err;
	return err;
}

/* The stored product map, parsed for a re-evaluation (*out NULL when none is stored). A
 * stored map that no longer parses is an error: evaluating without it would drop every
 * finding it maps. */
enum medfw_err medfwi_vuln_map_load(struct medfw_store *tx, ZSTD_DCtx *dctx,
			       struct medfw_product_map **out, struct medfw_diag *diag)
{
	struct medfw_store_product_map rec;
	struct medfw_diag inner;
	char *raw = NULL;
	size_t len = 0;
	int found = 0;
	enum medfw_err err = map_read(tx, dctx, &rec, &raw, &len, &found, diag);

	*out = NULL;
	if (err == MEDFW_OK && found) {
		medfw_diag_clear(&inner);
		err = medfw_product_map_parse(rec.source, (const uint8_t *)raw, len, out, &inner);
		if (err != MEDFW_OK)
			err = medfw_diag_set(diag, err,
					     "the stored %s \"%.255s\" no longer parses (replace it): "
					     "%s",
					     MAP_WHAT, rec.source, medfw_diag_message(&inner, err));
	}
	free(raw);
	return err;
}

struct map_get_arg {
	struct medfw_store_product_map *out;
	struct medfw_buf *json;
};

static enum medfw_err map_get_fn(struct medfw_store *tx, void *arg, struct medfw_diag *diag)
{
	struct map_get_arg *a = arg;
	char *raw = NULL;
	size_t len = 0;
	int found = 0;
	enum medfw_err err;

	err = map_read(tx, NULL, a->out, a->json != NULL ? &raw : NULL, &len, &found, diag);
	if (err == MEDFW_OK && !found)
		err = medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND, "%s: none is stored", MAP_WHAT);
	if (err == MEDFW_OK && a->json != NULL)
		err = medfw_buf_append(a->json, raw, len) == MEDFW_OK
			      ? MEDFW_OK
			      : medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE,
					       "%s: %zu bytes do not fit the caller's buffer",
					       MAP_WHAT, len);
	free(raw);
	return err;
}

enum medfw_err medfw_store_product_map_get(struct medfw_store *store,
					   struct medfw_store_product_map *out,
					   struct medfw_buf *out_json, struct medfw_diag *diag)
{
	struct map_get_arg a = {out, out_json};
	size_t start = out_json != NULL ? out_json->len : 0;
	enum medfw_err err;

	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (store == NULL || out == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "%s: NULL argument", MAP_WHAT);
	err = medfwi_run(store, MEDFWI_TX_READ, map_get_fn, &a, diag);
	if (err != MEDFW_OK) {
		memset(out, 0, sizeof(*out));
		if (out_json != NULL)
			out_json->len = start;
	}
	return err;
}

enum medfw_err medfw_store_product_map_put(struct medfw_store *store, const char *source,
					   const uint8_t *data, size_t len, int64_t updated_by,
					   struct medfw_store_product_map *out, int *out_unchanged,
					   struct medfw_diag *diag)
{
	struct medfw_store_product_map rec;
	struct medfw_product_map *map = NULL;
	struct medfw_diag inner;
	struct map_put_arg a;
	uint8_t *z = NULL;
	enum medfw_err err;

	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (out_unchanged != NULL)
		*out_unchanged = 0;
	if (store == NULL || (data == NULL && len > 0) || updated_by < 0)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "%s: bad arguments", MAP_WHAT);
	err = medfwi_check_str(source, MEDFW_STORE_VULN_SOURCE_MAX, 1, MAP_WHAT, "source", diag);
	if (err != MEDFW_OK)
		return err;
	if (len == 0)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_MISSING, "%s: %s: empty", source,
				      MAP_WHAT);
	if (len > MEDFW_PRODUCT_MAP_MAX_BYTES)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "%s: %zu bytes, more than %u",
				      source, len, (unsigned)MEDFW_PRODUCT_MAP_MAX_BYTES);
	medfw_diag_clear(&inner);
	err = medfw_product_map_parse(source, data, len, &map, &inner);
	if (err != MEDFW_OK)
		return medfw_diag_set(diag, err, "%s: %s", source, medfw_diag_message(&inner, err));
	memset(&rec, 0, sizeof(rec));
	snprintf(rec.source, sizeof(rec.source), "%s", source);
	medfwi_vuln_sha256_hex(data, len, rec.sha256);
	rec.entries = (int64_t)map->entry_count;
	rec.updated_by = updated_by;
	medfw_product_map_free(map);
	memset(&a, 0, sizeof(a));
	err = medfwi_vuln_zpack(NULL, data, len, &z, &a.zlen, diag);
	if (err == MEDFW_OK) {
		a.rec = &rec;
		a.z = z;
		a.len = len;
		err = medfwi_run(store, MEDFWI_TX_WRITE, map_put_fn, &a, diag);
	}
	free(z);
	if (err == MEDFW_OK && a.unchanged) /* the stored record, as it was */
		err = medfw_store_product_map_get(store, &rec, NULL, diag);
	if (err != MEDFW_OK)
		return err;
	if (out != NULL)
		*out = rec;
	if (out_unchanged != NULL)
		*out_unchanged = a.unchanged;
	return MEDFW_OK;
}
