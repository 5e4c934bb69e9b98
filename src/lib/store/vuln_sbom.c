/* Release SBOMs in the store (medfw/store_vuln.h): the SBOM of each release with its
 * metadata, its components, and its CycloneDX export kept compressed for the
 * re-evaluation. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "medfw/num.h"
#include "medfw/store_vuln.h"
#include "store_internal.h"
#include "vuln_int.h"

#define SBOM_WHAT "release SBOM"
#define SBOM_COLS                                                                          \
	"target_name, target_sha256, model, product_version, security_version, release_date," \
	" sbom_target, sbom_sha256, sbom_signed, format, spec_version, component_count,"      \
	" created_by, created_at, updated_at, export, export_len"

static const char SQL_SBOM_EXISTS[] = "SELECT created_at FROM release_sboms WHERE target_name = ?";
static const char SQL_SBOM_UPSERT[] =
	"INSERT INTO release_sboms (target_name, target_sha256, model, product_version,"
	" security_version, release_date, sbom_target, sbom_sha256, sbom_signed, format,"
	" spec_version, component_count, export, export_len, created_by, created_at, updated_at)"
	" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
	" ON CONFLICT (target_name) DO UPDATE SET target_sha256 = excluded.target_sha256,"
	" model = excluded.model, product_version = excluded.product_version,"
	" security_version = excluded.security_version, release_date = excluded.release_date,"
	" sbom_target = excluded.sbom_target, sbom_sha256 = excluded.sbom_sha256,"
	" sbom_signed = excluded.sbom_signed, format = excluded.format,"
	" spec_version = excluded.spec_version, component_count = excluded.component_count,"
	" export = excluded.export, export_len = excluded.export_len,"
	" created_by = excluded.created_by, updated_at = excluded.updated_at";
static const char SQL_SBOM_COMPONENTS_DELETE[] =
	"DELETE FROM release_sbom_components WHERE target_name = ?";
static const char SQL_SBOM_COMPONENT_INSERT[] =
	"INSERT INTO release_sbom_components (target_name, idx, ref, type, name, version, purl,"
	" cpe) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
static const char SQL_SBOM_GET[] = "SELECT " SBOM_COLS " FROM release_sboms WHERE target_name = ?";
static const char SQL_SBOM_BY_IMAGE[] =
	"SELECT " SBOM_COLS " FROM release_sboms WHERE target_sha256 = ? ORDER BY target_name"
	" LIMIT 1";
static const char SQL_SBOM_LIST[] =
	"SELECT " SBOM_COLS " FROM release_sboms ORDER BY target_name LIMIT ? OFFSET ?";
static const char SQL_SBOM_COUNT[] = "SELECT COUNT(*) FROM release_sboms";
static const char SQL_SBOM_COMPONENTS[] =
	"SELECT idx, ref, type, name, version, purl, cpe FROM release_sbom_components"
	" WHERE target_name = ? ORDER BY idx LIMIT ? OFFSET ?";

static int hex64_ok(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return i == MEDFW_STORE_SHA256_HEX;
}

static int date_ok(const char *s)
{
	int64_t t;
	char buf[32];

	if (s[0] == '\0')
		return 1;
	if (strlen(s) != 10)
		return 0;
	snprintf(buf, sizeof(buf), "%sT00:00:00Z", s);
	return medfw_parse_utc_time(buf, &t) == MEDFW_OK;
}

static enum medfw_err check_sbom_meta(const struct medfw_store_release_sbom *m,
				      struct medfw_diag *diag)
{
	enum medfw_err err;

	err = medfwi_check_str(m->target_name, MEDFW_STORE_TARGET_NAME_MAX, 1, SBOM_WHAT,
			       "target_name", diag);
	if (err == MEDFW_OK)
		err = medfwi_check_str(m->model, MEDFW_STORE_NAME_MAX, 0, SBOM_WHAT, "model", diag);
	if (err == MEDFW_OK)
		err = medfwi_check_str(m->product_version, MEDFW_STORE_SHORT_MAX, 0, SBOM_WHAT,
				       "product_version", diag);
	if (err == MEDFW_OK)
		err = medfwi_check_str(m->sbom_target, MEDFW_STORE_UPDATE_TARGET_MAX, 0, SBOM_WHAT,
				       "sbom_target", diag);
	if (err == MEDFW_OK)
		err = medfwi_check_str(m->release_date, 10, 0, SBOM_WHAT, "release_date", diag);
	if (err == MEDFW_OK)
		err = medfwi_check_str(m->target_sha256, MEDFW_STORE_SHA256_HEX, 1, SBOM_WHAT,
				       "target_sha256", diag);
	if (err == MEDFW_OK)
		err = medfwi_check_str(m->sbom_sha256, MEDFW_STORE_SHA256_HEX, 1, SBOM_WHAT,
				       "sbom_sha256", diag);
	if (err != MEDFW_OK)
		return err;
	if (!hex64_ok(m->target_sha256))
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "%s: target_sha256 is not 64 lowercase hex digits", SBOM_WHAT);
	if (!hex64_ok(m->sbom_sha256))
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "%s: sbom_sha256 is not 64 lowercase hex digits", SBOM_WHAT);
	if (!date_ok(m->release_date))
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "%s: release_date is not a YYYY-MM-DD date", SBOM_WHAT);
	if (m->security_version < 0)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "%s: security_version is negative", SBOM_WHAT);
	if (m->sbom_signed != 0 && m->sbom_signed != 1)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "%s: sbom_signed is not 0 or 1",
				      SBOM_WHAT);
	return MEDFW_OK;
}

struct sbom_put_arg {
	struct medfw_store_release_sbom *meta;
	const struct medfw_sbom *sbom;
	const uint8_t *z;
	size_t zlen, len;
	int replaced;
};

static enum medfw_err sbom_put_fn(struct medfw_store *tx, void *arg, struct medfw_diag *diag)
{
	struct sbom_put_arg *a = arg;
	struct medfw_store_release_sbom *m = a->meta;
	struct medfwi_q q;
	int row = 0;
	int64_t now = medfwi_now(tx);
	enum medfw_err err;

	a->replaced = 0;
	m->created_at = now;
	if (medfwi_q_begin(&q, tx, SBOM_WHAT, SQL_SBOM_EXISTS, diag) == MEDFW_OK) {
		medfwi_q_text(&q, m->target_name);
		if (medfwi_q_step(&q, &row) == MEDFW_OK && row) {
			a->replaced = 1;
			m->created_at = medfwi_q_col_int(&q, 0);
		}
	}
	err = medfwi_q_end(&q);
	if (err == MEDFW_OK && medfwi_q_begin(&q, tx, SBOM_WHAT, SQL_SBOM_UPSERT, diag) == MEDFW_OK) {
		medfwi_q_text(&q, m->target_name);
		medfwi_q_text(&q, m->target_sha256);
		medfwi_q_text(&q, m->model);
		medfwi_q_text(&q, m->product_version);
		medfwi_q_int(&q, m->security_version);
		medfwi_q_text(&q, m->release_date);
		medfwi_q_text(&q, m->sbom_target);
		medfwi_q_text(&q, m->sbom_sha256);
		medfwi_q_int(&q, m->sbom_signed);
		medfwi_q_text(&q, m->format);
		medfwi_q_text(&q, m->spec_version);
		medfwi_q_int(&q, m->component_count);
		medfwi_q_blob(&q, a->z, a->zlen);
		medfwi_q_int(&q, (int64_t)a->len);
		medfwi_q_int0(&q, m->created_by);
		medfwi_q_int(&q, m->created_at);
		medfwi_q_int(&q, now);
		medfwi_q_exec(&q, NULL);
	}
	if (err == MEDFW_OK)
		err = medfwi_q_end(&q);
	if (err == MEDFW_OK &&
	    medfwi_q_begin(&q, tx, SBOM_WHAT, SQL_SBOM_COMPONENTS_DELETE, diag) == MEDFW_OK) {
		medfwi_q_text(&q, m->target_name);
		medfwi_q_exec(&q, NULL);
	}
	if (err == MEDFW_OK)
		err = medfwi_q_end(&q);
	for (size_t i = 0; err == MEDFW_OK && i < a->sbom->component_count; i++) {
		const struct medfw_sbom_component *c = &a->sbom->components[i];

		if (medfwi_q_begin(&q, tx, SBOM_WHAT, SQL_SBOM_COMPONENT_INSERT, diag) == MEDFW_OK) {
			medfwi_q_text(&q, m->target_name);
			medfwi_q_int(&q, (int64_t)i);
			medfwi_q_text(&q, c->ref);
			medfwi_q_text(&q, medfw_sbom_type_name(c->type));
			medfwi_q_text(&q, c->name);
			medfwi_q_text(&q, c->version != NULL ? c->version : "");
			medfwi_q_text(&q, c->purl != NULL ? c->purl : "");
			medfwi_q_text(&q, c->cpe_count > 0 ? c->cpes[0] : "");
			medfwi_q_exec(&q, NULL);
		}
		err = medfwi_q_end(&q);
	}
	if (err == MEDFW_OK)
		err = medfwi_vuln_bump_generation(tx, diag);
	if (err == MEDFW_OK)
		m->updated_at = now;
	return err;
}

enum medfw_err medfw_store_release_sbom_put(struct medfw_store *store,
					    struct medfw_store_release_sbom *meta,
					    const struct medfw_sbom *sbom, int *out_replaced,
					    struct medfw_diag *diag)
{
	struct sbom_put_arg a;
	struct medfw_buf exported;
	uint8_t *z = NULL;
	size_t zlen = 0;
	enum medfw_err err;

	if (out_replaced != NULL)
		*out_replaced = 0;
	if (store == NULL || meta == NULL || sbom == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "%s: NULL argument", SBOM_WHAT);
	if (sbom->product != MEDFW_SBOM_NONE && sbom->components[sbom->product].name[0] != '\0') {
		const char *product = sbom->components[sbom->product].name;

		if (strlen(product) > MEDFW_STORE_NAME_MAX)
			return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE,
					      "%s: the product name (metadata.component.name) is "
					      "longer than %d bytes",
					      SBOM_WHAT, MEDFW_STORE_NAME_MAX);
		snprintf(meta->model, sizeof(meta->model), "%s", product);
	}
	err = check_sbom_meta(meta, diag);
	if (err == MEDFW_OK && meta->model[0] == '\0')
		err = medfw_diag_set(diag, MEDFW_ERR_FIELD_MISSING,
				     "%s: no model (the SBOM names no product and none was given)",
				     SBOM_WHAT);
	if (err != MEDFW_OK)
		return err;
	medfwi_vuln_copy_cut(meta->format, sizeof(meta->format),
			     medfw_sbom_format_name(sbom->format));
	medfwi_vuln_copy_cut(meta->spec_version, sizeof(meta->spec_version), sbom->spec_version);
	meta->component_count = (int64_t)sbom->component_count;
	medfw_buf_init(&exported, MEDFW_SBOM_MAX_BYTES);
	err = medfw_sbom_export_cyclonedx(sbom, NULL, &exported, diag);
	if (err == MEDFW_OK)
		err = medfwi_vuln_zpack(NULL, exported.data, exported.len, &z, &zlen, diag);
	if (err == MEDFW_OK) {
		memset(&a, 0, sizeof(a));
		a.meta = meta;
		a.sbom = sbom;
		a.z = z;
		a.zlen = zlen;
		a.len = exported.len;
		err = medfwi_run(store, MEDFWI_TX_WRITE, sbom_put_fn, &a, diag);
		if (err == MEDFW_OK && out_replaced != NULL)
			*out_replaced = a.replaced;
	}
	free(z);
	medfw_buf_free(&exported);
	return err;
}

/* Read the columns of SBOM_COLS (export blob last, into out_export when given). */
static enum medfw_err sbom_row(struct medfwi_q *q, struct medfw_store_release_sbom *out,
			       struct medfw_buf *out_export, struct medfw_diag *diag)
{
	medfwi_q_col_text(q, 0, out->target_name, sizeof(out->target_name));
	medfwi_q_col_text(q, 1, out->target_sha256, sizeof(out->target_sha256));
	medfwi_q_col_text(q, 2, out->model, sizeof(out->model));
	medfwi_q_col_text(q, 3, out->product_version, sizeof(out->product_version));
	out->security_version = medfwi_q_col_int(q, 4);
	medfwi_q_col_text(q, 5, out->release_date, sizeof(out->release_date));
	medfwi_q_col_text(q, 6, out->sbom_target, sizeof(out->sbom_target));
	medfwi_q_col_text(q, 7, out->sbom_sha256, sizeof(out->sbom_sha256));
	out->sbom_signed = (int)medfwi_q_col_int(q, 8);
	medfwi_q_col_text(q, 9, out->format, sizeof(out->format));
	medfwi_q_col_text(q, 10, out->spec_version, sizeof(out->spec_version));
	out->component_count = medfwi_q_col_int(q, 11);
	out->created_by = medfwi_q_col_int(q, 12);
	out->created_at = medfwi_q_col_int(q, 13);
	out->updated_at = medfwi_q_col_int(q, 14);
	if (q->err != MEDFW_OK || out_export == NULL)
		return q->err;
	return medfwi_vuln_col_append(q, 15, 16, MEDFW_SBOM_MAX_BYTES, "SBOM export", out_export,
				      diag);
}

struct sbom_get_arg {
	const char *sql;
	const char *key;
	struct medfw_store_release_sbom *out;
	struct medfw_buf *export;
};

static enum medfw_err sbom_get_fn(struct medfw_store *tx, void *arg, struct medfw_diag *diag)
{
	struct sbom_get_arg *a = arg;
	struct medfwi_q q;
	int row = 0;
	enum medfw_err err = MEDFW_OK;

	if (medfwi_q_begin(&q, tx, SBOM_WHAT, a->sql, diag) == MEDFW_OK) {
		medfwi_q_text(&q, a->key);
		if (medfwi_q_step(&q, &row) == MEDFW_OK && row)
			err = sbom_row(&q, a->out, a->export, diag);
	}
	if (medfwi_q_end(&q) != MEDFW_OK && err == MEDFW_OK)
		err = q.err;
	if (err == MEDFW_OK && !row)
		err = medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND, "%s: no SBOM for %s \"%.200s\"",
				     SBOM_WHAT, a->sql == SQL_SBOM_GET ? "release" : "image", a->key);
	return err;
}

static enum medfw_err sbom_get(struct medfw_store *store, const char *sql, const char *key,
			       struct medfw_store_release_sbom *out, struct medfw_buf *out_export,
			       struct medfw_diag *diag)
{
	struct sbom_get_arg a = {sql, key, out, out_export};

	memset(out, 0, sizeof(*out));
	if (key == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "%s: NULL key", SBOM_WHAT);
	return medfwi_vuln_get(store, sbom_get_fn, &a, out, sizeof(*out), out_export, diag);
}

enum medfw_err medfw_store_release_sbom_get(struct medfw_store *store, const char *target_name,
					    struct medfw_store_release_sbom *out,
					    struct medfw_buf *out_export, struct medfw_diag *diag)
{
	return sbom_get(store, SQL_SBOM_GET, target_name, out, out_export, diag);
}

enum medfw_err medfw_store_release_sbom_by_image(struct medfw_store *store,
						 const char *image_sha256,
						 struct medfw_store_release_sbom *out,
						 struct medfw_buf *out_export, struct medfw_diag *diag)
{
	char lower[MEDFW_STORE_SHA256_HEX + 1];
	size_t i;

	memset(out, 0, sizeof(*out));
	if (image_sha256 == NULL || strlen(image_sha256) != MEDFW_STORE_SHA256_HEX)
		return medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND,
				      "%s: not a SHA-256 image hash: no release", SBOM_WHAT);
	for (i = 0; i < MEDFW_STORE_SHA256_HEX; i++) {
		char c = image_sha256[i];

		lower[i] = c >= 'A' && c <= 'F' ? (char)(c - 'A' + 'a') : c;
	}
	lower[i] = '\0';
	return sbom_get(store, SQL_SBOM_BY_IMAGE, lower, out, out_export, diag);
}

struct sbom_list_arg {
	int64_t offset;
	struct medfw_store_release_sbom *out;
	size_t cap, count;
	int64_t total;
};

static enum medfw_err sbom_list_fn(struct medfw_store *tx, void *arg, struct medfw_diag *diag)
{
	struct sbom_list_arg *a = arg;
	struct medfwi_q q;
	int row = 0;
	enum medfw_err err;

	a->count = 0;
	if (medfwi_q_begin(&q, tx, SBOM_WHAT, SQL_SBOM_LIST, diag) == MEDFW_OK) {
		medfwi_q_int(&q, (int64_t)a->cap);
		medfwi_q_int(&q, a->offset);
		while (a->count < a->cap && medfwi_q_step(&q, &row) == MEDFW_OK && row)
			(void)sbom_row(&q, &a->out[a->count++], NULL, diag);
	}
	err = medfwi_q_end(&q);
	if (err == MEDFW_OK && medfwi_q_begin(&q, tx, SBOM_WHAT, SQL_SBOM_COUNT, diag) == MEDFW_OK &&
	    medfwi_q_step(&q, &row) == MEDFW_OK && row)
		a->total = medfwi_q_col_int(&q, 0);
	if (err == MEDFW_OK)
		err = medfwi_q_end(&q);
	return err;
}

enum medfw_err medfw_store_release_sbom_list(struct medfw_store *store, int64_t offset,
					     struct medfw_store_release_sbom *out, size_t cap,
					     size_t *out_count, int64_t *out_total,
					     struct medfw_diag *diag)
{
	struct sbom_list_arg a = {offset, out, cap, 0, 0};
	enum medfw_err err;

	*out_count = 0;
	if (out_total != NULL)
		*out_total = 0;
	if ((cap > 0 && out == NULL) || offset < 0)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "%s: bad list arguments",
				      SBOM_WHAT);
	err = medfwi_vuln_list(store, sbom_list_fn, &a, out, cap, sizeof(*out), diag);
	if (err != MEDFW_OK)
		return err;
	*out_count = a.count;
	if (out_total != NULL)
		*out_total = a.total;
	return MEDFW_OK;
}

struct components_arg {
	const char *target;
	int64_t offset;
	struct medfw_store_sbom_component *out;
	size_t cap, count;
};

static enum medfw_err components_fn(struct medfw_store *tx, void *arg, struct medfw_diag *diag)
{
	struct components_arg *a = arg;
	struct medfwi_q q;
	int row = 0;

	a->count = 0;
	if (medfwi_q_begin(&q, tx, SBOM_WHAT, SQL_SBOM_COMPONENTS, diag) == MEDFW_OK) {
		medfwi_q_text(&q, a->target);
		medfwi_q_int(&q, (int64_t)a->cap);
		medfwi_q_int(&q, a->offset);
		while (a->count < a->cap && medfwi_q_step(&q, &row) == MEDFW_OK && row) {
			struct medfw_store_sbom_component *c = &a->out[a->count++];

			c->index = medfwi_q_col_int(&q, 0);
			medfwi_q_col_text(&q, 1, c->ref, sizeof(c->ref));
			medfwi_q_col_text(&q, 2, c->type, sizeof(c->type));
			medfwi_q_col_text(&q, 3, c->name, sizeof(c->name));
			medfwi_q_col_text(&q, 4, c->version, sizeof(c->version));
			medfwi_q_col_text(&q, 5, c->purl, sizeof(c->purl));
			medfwi_q_col_text(&q, 6, c->cpe, sizeof(c->cpe));
		}
	}
	return medfwi_q_end(&q);
}

enum medfw_err medfw_store_release_sbom_components(struct medfw_store *store,
						   const char *target_name, int64_t offset,
						   struct medfw_store_sbom_component *out,
						   size_t cap, size_t *out_count,
						   struct medfw_diag *diag)
{
	struct components_arg a = {target_name, offset, out, cap, 0};
	enum medfw_err err;

	*out_count = 0;
	if (target_name == NULL || (cap > 0 && out == NULL) || offset < 0)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "%s: bad arguments", SBOM_WHAT);
	err = medfwi_vuln_list(store, components_fn, &a, out, cap, sizeof(*out), diag);
	if (err != MEDFW_OK)
		return err;
	*out_count = a.count;
	return MEDFW_OK;
}

enum medfw_err medfwi_vuln_sbom_exists(struct medfw_store *tx, const char *what,
				       const char *target, struct medfw_diag *diag)
{
	struct medfwi_q q;
	int row = 0;
	enum medfw_err err;

	if (target[0] == '\0')
		return MEDFW_OK;
	if (medfwi_q_begin(&q, tx, what, SQL_SBOM_EXISTS, diag) == MEDFW_OK) {
		medfwi_q_text(&q, target);
		medfwi_q_step(&q, &row);
	}
	err = medfwi_q_end(&q);
	if (err == MEDFW_OK && !row)
		err = medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND,
				     "%s: release \"%.200s\" has no SBOM on this server", what,
				     target);
	return err;
}
