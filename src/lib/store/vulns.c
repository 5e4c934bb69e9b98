/* Vulnerability management in the store (medfw/store_vuln.h, docs/vulnerabilities.md):
 * release SBOMs, feed records, VEX, findings and their history, the re-evaluation that
 * keeps findings in step with them, SLA policies, sites' exposures and the report.
 *
 * Large texts (SBOM exports, feed records, VEX files, a finding's JSON) are kept
 * zstd-compressed with their length; a stored blob that does not decompress to that
 * length is reported as MEDFW_ERR_COMPRESSION, never used. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <zstd.h>

#include "medfw/crypto.h"
#include "medfw/cvss.h"
#include "medfw/json.h"
#include "medfw/num.h"
#include "medfw/store_vuln.h"
#include "medfw/tz.h"
#include "medfw/utf8.h"
#include "medfw/vuln_matcher.h"
#include "store_internal.h"
#include "vuln/advjson_int.h"
#include "vuln/strmap_int.h"
#include "vuln_scan_int.h"

#define ZSTD_LEVEL 3
#define NONE ((size_t)-1)
#define DAY 86400
#define FINDING_DETAIL_MAX (16u * 1024u * 1024u) /* one finding's JSON */
#define LIST_LIMIT_MAX 10000
#define OPEN_STATUSES "('affected', 'under_investigation', 'undetermined')"

/* ------------------------------------------------------------------ names */

static const char *const finding_status_names[] = {
	NULL, "affected", "under_investigation", "undetermined", "fixed", "not_affected",
	"unmatched",
};
static const char *const severity_names[] = {NULL, "none", "low", "medium", "high", "critical"};
static const char *const cause_names[] = {NULL, "feed", "vex", "sbom", "fleet"};
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

static int name_index(const char *const *names, size_t n, const char *name)
{
	for (size_t i = 1; name != NULL && i < n; i++)
		if (strcmp(names[i], name) == 0)
			return (int)i;
	return 0;
}

static int in_list(const char *const *list, const char *s, size_t n)
{
	for (size_t i = 0; list[i] != NULL; i++)
		if (strlen(list[i]) == n && strncmp(list[i], s, n) == 0)
			return 1;
	return 0;
}

const char *medfw_store_finding_status_name(enum medfw_store_finding_status s)
{
	return (unsigned)s >= 1 && (unsigned)s < MEDFW_STORE_FINDING_STATUS_COUNT
		       ? finding_status_names[s]
		       : NULL;
}

enum medfw_err medfw_store_finding_status_parse(const char *name,
						enum medfw_store_finding_status *out)
{
	int i = name_index(finding_status_names, MEDFW_STORE_FINDING_STATUS_COUNT, name);

	*out = (enum medfw_store_finding_status)i;
	return i != 0 ? MEDFW_OK : MEDFW_ERR_FIELD_VALUE;
}

int medfw_store_finding_status_open(enum medfw_store_finding_status s)
{
	return s == MEDFW_STORE_FINDING_AFFECTED || s == MEDFW_STORE_FINDING_UNDER_INVESTIGATION ||
	       s == MEDFW_STORE_FINDING_UNDETERMINED;
}

const char *medfw_store_severity_name(enum medfw_store_severity s)
{
	return (unsigned)s >= 1 && (unsigned)s < MEDFW_STORE_SEVERITY_COUNT ? severity_names[s]
									    : NULL;
}

enum medfw_err medfw_store_severity_parse(const char *name, enum medfw_store_severity *out)
{
	int i = name_index(severity_names, MEDFW_STORE_SEVERITY_COUNT, name);

	*out = (enum medfw_store_severity)i;
	return i != 0 ? MEDFW_OK : MEDFW_ERR_FIELD_VALUE;
}

enum medfw_store_severity medfw_store_severity_of_score(int score_tenths)
{
	if (score_tenths >= 90)
		return MEDFW_STORE_SEVERITY_CRITICAL;
	if (score_tenths >= 70)
		return MEDFW_STORE_SEVERITY_HIGH;
	if (score_tenths >= 40)
		return MEDFW_STORE_SEVERITY_MEDIUM;
	if (score_tenths >= 1)
		return MEDFW_STORE_SEVERITY_LOW;
	return MEDFW_STORE_SEVERITY_NONE;
}

const char *medfw_store_vuln_cause_name(enum medfw_store_vuln_cause c)
{
	return (unsigned)c >= 1 && (unsigned)c < sizeof(cause_names) / sizeof(cause_names[0])
		       ? cause_names[c]
		       : NULL;
}

static const char *vex_status_name(enum medfw_vex_status s)
{
	return (unsigned)s >= 1 && (unsigned)s <= 4 ? vex_status_names[s] : NULL;
}

static enum medfw_feed_format format_parse(const char *name)
{
	for (int f = MEDFW_FEED_OSV; f <= MEDFW_FEED_KEV; f++)
		if (strcmp(medfw_feed_format_name((enum medfw_feed_format)f), name) == 0)
			return (enum medfw_feed_format)f;
	return (enum medfw_feed_format)0;
}

/* ------------------------------------------------------------------ helpers */

static int64_t ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static char *dup_n(const char *s, size_t n)
{
	char *p = malloc(n + 1);

	if (p != NULL) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

static char *dup_s(const char *s)
{
	return dup_n(s, strlen(s));
}

/* Copy s into out (cap bytes) cutting at a UTF-8 character boundary. */
static void copy_cut(char *out, size_t cap, const char *s)
{
	size_t n = s != NULL ? strlen(s) : 0;

	if (n >= cap) {
		n = cap - 1;
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	}
	if (n > 0)
		memcpy(out, s, n);
	out[n] = '\0';
}

/* vsnprintf into out (cap bytes), cut when longer. */
static void cut_printf(char *out, size_t cap, const char *fmt, ...) MEDFW_PRINTF(3, 4);

static void cut_printf(char *out, size_t cap, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(out, cap, fmt, ap);
	va_end(ap);
}

static int hex64_ok(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return i == MEDFW_STORE_SHA256_HEX;
}

static void sha256_hex(const void *data, size_t len, char out[MEDFW_STORE_SHA256_HEX + 1])
{
	uint8_t d[32];
	size_t n = 0;

	out[0] = '\0';
	if (medfw_hash_oneshot(MEDFW_HASH_SHA256, data, len, d, sizeof(d), &n) == MEDFW_OK)
		(void)medfw_hex_encode(d, n, out, MEDFW_STORE_SHA256_HEX + 1);
}

static enum medfw_err nomem(struct medfw_diag *diag)
{
	return medfw_diag_set(diag, MEDFW_ERR_NOMEM, "store: out of memory");
}

/* zstd-compress n bytes into a new buffer, with a reusable context when given (making
 * one per call costs more than compressing a finding). */
static enum medfw_err zpack(ZSTD_CCtx *cctx, const void *src, size_t n, uint8_t **out,
			    size_t *out_len, struct medfw_diag *diag)
{
	size_t cap = ZSTD_compressBound(n), got;
	uint8_t *p;

	*out = NULL;
	*out_len = 0;
	p = malloc(cap > 0 ? cap : 1);
	if (p == NULL)
		return nomem(diag);
	got = cctx != NULL ? ZSTD_compressCCtx(cctx, p, cap, src, n, ZSTD_LEVEL)
			   : ZSTD_compress(p, cap, src, n, ZSTD_LEVEL);
	if (ZSTD_isError(got)) {
		free(p);
		return medfw_diag_set(diag, MEDFW_ERR_COMPRESSION, "store: zstd: %s",
				      ZSTD_getErrorName(got));
	}
	*out = p;
	*out_len = got;
	return MEDFW_OK;
}

/* Decompress a stored blob that must hold exactly `expect` (1..max) bytes into a new
 * NUL-terminated buffer. */
static enum medfw_err zunpack(ZSTD_DCtx *dctx, const uint8_t *src, size_t n, int64_t expect,
			      size_t max, const char *what, char **out, struct medfw_diag *diag)
{
	unsigned long long size;
	size_t got;
	char *p;

	*out = NULL;
	size = src != NULL ? ZSTD_getFrameContentSize(src, n) : ZSTD_CONTENTSIZE_ERROR;
	if (expect <= 0 || (uint64_t)expect > max || size == ZSTD_CONTENTSIZE_ERROR ||
	    size == ZSTD_CONTENTSIZE_UNKNOWN || size != (unsigned long long)expect)
		return medfw_diag_set(diag, MEDFW_ERR_COMPRESSION,
				      "store: stored %s is damaged (length)", what);
	p = malloc((size_t)size + 1);
	if (p == NULL)
		return nomem(diag);
	got = dctx != NULL ? ZSTD_decompressDCtx(dctx, p, (size_t)size, src, n)
			   : ZSTD_decompress(p, (size_t)size, src, n);
	if (ZSTD_isError(got) || got != (size_t)size) {
		free(p);
		return medfw_diag_set(diag, MEDFW_ERR_COMPRESSION, "store: stored %s is damaged",
				      what);
	}
	p[size] = '\0';
	*out = p;
	return MEDFW_OK;
}

static const uint8_t *col_blob(struct medfwi_q *q, int col, size_t *len)
{
	*len = 0;
	return q->st != NULL ? q->store->ops->column_bytes(q->st, col, len) : NULL;
}

/* The text of column col, malloc'd ("" for NULL), or NULL when out of memory. */
static char *col_dup(struct medfwi_q *q, int col)
{
	size_t len = 0;
	const uint8_t *p = col_blob(q, col, &len);

	return dup_n(p != NULL ? (const char *)p : "", p != NULL ? len : 0);
}

/* Decompress blob column `col` with its length in column `len_col` into a buffer. */
static enum medfw_err col_unpack(ZSTD_DCtx *dctx, struct medfwi_q *q, int col, int len_col,
				 size_t max, const char *what, char **out, size_t *out_len,
				 struct medfw_diag *diag)
{
	size_t n = 0;
	const uint8_t *p = col_blob(q, col, &n);
	int64_t expect = medfwi_q_col_int(q, len_col);
	enum medfw_err err = zunpack(dctx, p, n, expect, max, what, out, diag);

	if (out_len != NULL)
		*out_len = err == MEDFW_OK ? (size_t)expect : 0;
	return err;
}

/* Bind a score in tenths, NULL when there is none. */
static void q_score(struct medfwi_q *q, int score)
{
	if (score < 0)
		medfwi_q_text(q, NULL);
	else
		medfwi_q_int(q, score);
}

static int col_score(struct medfwi_q *q, int col)
{
	return medfwi_q_col_null(q, col) ? MEDFW_CVSS_NO_SCORE : (int)medfwi_q_col_int(q, col);
}

/* One statement without rows (or whose rows are ignored), with int parameters. */
static enum medfw_err exec_ints(struct medfw_store *tx, const char *what, const char *sql,
				const int64_t *v, size_t n, int64_t *out_changes,
				struct medfw_diag *diag)
{
	struct medfwi_q q;

	if (medfwi_q_begin(&q, tx, what, sql, diag) == MEDFW_OK) {
		for (size_t i = 0; i < n; i++)
			medfwi_q_int(&q, v[i]);
		medfwi_q_exec(&q, out_changes);
	}
	return medfwi_q_end(&q);
}

static const char SQL_GEN_BUMP[] = "UPDATE vuln_state SET generation = generation + 1 WHERE id = 1";
static const char SQL_GEN_GET[] =
	"SELECT generation, evaluated, evaluations FROM vuln_state WHERE id = 1";

static enum medfw_err bump_generation(struct medfw_store *tx, struct medfw_diag *diag)
{
	return exec_ints(tx, "vulnerability state", SQL_GEN_BUMP, NULL, 0, NULL, diag);
}

static enum medfw_err generation_fn(struct medfw_store *tx, void *arg, struct medfw_diag *diag)
{
	int64_t *g = arg;
	struct medfwi_q q;
	int row = 0;
	enum medfw_err err;

	if (medfwi_q_begin(&q, tx, "vulnerability state", SQL_GEN_GET, diag) == MEDFW_OK &&
	    medfwi_q_step(&q, &row) == MEDFW_OK && row) {
		g[0] = medfwi_q_col_int(&q, 0);
		g[1] = medfwi_q_col_int(&q, 1);
		g[2] = medfwi_q_col_int(&q, 2);
	}
	err = medfwi_q_end(&q);
	if (err == MEDFW_OK && !row)
		err = medfw_diag_set(diag, MEDFW_ERR_STATE, "vulnerability state: no row");
	return err;
}

enum medfw_err medfw_store_vuln_generation(struct medfw_store *store, int64_t *out_generation,
					   int64_t *out_evaluated, struct medfw_diag *diag)
{
	int64_t g[3] = {0, 0, 0};
	enum medfw_err err = medfwi_run(store, MEDFWI_TX_NONE, generation_fn, g, diag);

	*out_generation = err == MEDFW_OK ? g[0] : 0;
	*out_evaluated = err == MEDFW_OK ? g[1] : 0;
	return err;
}

/* ================================================================== release SBOMs */

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
		err = bump_generation(tx, diag);
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
	copy_cut(meta->format, sizeof(meta->format), medfw_sbom_format_name(sbom->format));
	copy_cut(meta->spec_version, sizeof(meta->spec_version), sbom->spec_version);
	meta->component_count = (int64_t)sbom->component_count;
	medfw_buf_init(&exported, MEDFW_SBOM_MAX_BYTES);
	err = medfw_sbom_export_cyclonedx(sbom, NULL, &exported, diag);
	if (err == MEDFW_OK)
		err = zpack(NULL, exported.data, exported.len, &z, &zlen, diag);
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
	char *text = NULL;
	size_t len = 0;
	enum medfw_err err;

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
	err = col_unpack(NULL, q, 15, 16, MEDFW_SBOM_MAX_BYTES, "SBOM export", &text, &len, diag);
	if (err == MEDFW_OK)
		err = medfw_buf_append(out_export, text, len);
	free(text);
	return err;
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
	size_t start = out_export != NULL ? out_export->len : 0;
	enum medfw_err err;

	memset(out, 0, sizeof(*out));
	if (key == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "%s: NULL key", SBOM_WHAT);
	err = medfwi_run(store, MEDFWI_TX_READ, sbom_get_fn, &a, diag);
	if (err != MEDFW_OK) {
		memset(out, 0, sizeof(*out));
		if (out_export != NULL)
			out_export->len = start;
	}
	return err;
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
	if (cap > 0)
		memset(out, 0, cap * sizeof(*out));
	err = medfwi_run(store, MEDFWI_TX_READ, sbom_list_fn, &a, diag);
	if (err != MEDFW_OK) {
		if (cap > 0)
			memset(out, 0, cap * sizeof(*out));
		return err;
	}
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
	if (cap > 0)
		memset(out, 0, cap * sizeof(*out));
	err = medfwi_run(store, MEDFWI_TX_READ, components_fn, &a, diag);
	if (err != MEDFW_OK) {
		if (cap > 0)
			memset(out, 0, cap * sizeof(*out));
		return err;
	}
	*out_count = a.count;
	return MEDFW_OK;
}

/* ================================================================== feed records */

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
static const char SQL_REC_ALL[] =
	"SELECT format, record_id, source, json_path, raw, raw_len FROM vuln_records ORDER BY id";

/* A date as an instant, as the feed set compares them (RFC 3339, or a plain date). */
static int when(const char *s, struct medfwi_time *t)
{
	char buf[64];

	if (s == NULL || s[0] == '\0')
		return 0;
	if (medfwi_time_parse_utc(s, t))
		return 1;
	if (!medfwi_date_valid(s) || strlen(s) > 16)
		return 0;
	snprintf(buf, sizeof(buf), "%sT00:00:00Z", s);
	return medfwi_time_parse(buf, t);
}

/* 1 when modified date a is later than b (a dated record is newer than an undated one). */
static int newer(const char *a, const char *b)
{
	struct medfwi_time ta, tb;
	int ha = when(a, &ta), hb = when(b, &tb);

	if (!ha)
		return 0;
	if (!hb)
		return 1;
	return medfwi_time_cmp(&ta, &tb) > 0;
}

/* ---- the bytes of one record inside a feed file (vuln_scan_int.h) */

static size_t skip_ws(const uint8_t *p, size_t n, size_t i)
{
	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r'))
		i++;
	return i;
}

/* p[i] is '"': the index after the closing quote, or n. */
static size_t skip_string(const uint8_t *p, size_t n, size_t i)
{
	for (i++; i < n; i++) {
		if (p[i] == '\\')
			i++;
		else if (p[i] == '"')
			return i + 1;
	}
	return n;
}

/* The index after the value starting at p[i] (i after whitespace), or n. */
static size_t skip_value(const uint8_t *p, size_t n, size_t i)
{
	size_t depth = 0;

	if (i >= n)
		return n;
	if (p[i] != '{' && p[i] != '[' && p[i] != '"') {
		while (i < n && p[i] != ',' && p[i] != '}' && p[i] != ']' && p[i] != ' ' &&
		       p[i] != '\t' && p[i] != '\n' && p[i] != '\r')
			i++;
		return i;
	}
	while (i < n) {
		if (p[i] == '"') {
			i = skip_string(p, n, i);
			if (depth == 0)
				return i;
			continue;
		}
		if (p[i] == '{' || p[i] == '[')
			depth++;
		else if ((p[i] == '}' || p[i] == ']') && --depth == 0)
			return i + 1;
		i++;
	}
	return n;
}

/* The value of member `key` of the object at p[i] ('{'): its start, or n. */
static size_t member_value(const uint8_t *p, size_t n, size_t i, const char *key)
{
	size_t klen = strlen(key);

	if (i >= n || p[i] != '{')
		return n;
	i = skip_ws(p, n, i + 1);
	while (i < n && p[i] == '"') {
		size_t k = i + 1, end = skip_string(p, n, i);
		int match = end < n && end - k - 1 == klen && memcmp(p + k, key, klen) == 0;

		i = skip_ws(p, n, end);
		if (i >= n || p[i] != ':')
			return n;
		i = skip_ws(p, n, i + 1);
		if (match)
			return i;
		i = skip_ws(p, n, skip_value(p, n, i));
		if (i < n && p[i] == ',')
			i = skip_ws(p, n, i + 1);
	}
	return n;
}

/* The span [*out_start, *out_end) of the record at `path`; 0 when it cannot tell. */
int medfwi_vuln_record_span(const uint8_t *p, size_t n, const char *path,
			    struct medfwi_span_cursor *c, size_t *out_start, size_t *out_end)
{
	const char *br = strchr(path, '['), *close = br != NULL ? strchr(br, ']') : NULL;
	char key[sizeof(c->key)], num[24];
	const char *after;
	uint64_t index = 0;
	size_t i, klen;

	if (br == NULL) { /* "cve" */
		i = member_value(p, n, skip_ws(p, n, 0), path);
		after = "";
		goto value;
	}
	klen = (size_t)(br - path);
	if (close == NULL || klen >= sizeof(key) || (size_t)(close - br - 1) >= sizeof(num) ||
	    close == br + 1)
		return 0;
	memcpy(key, path, klen);
	key[klen] = '\0';
	memcpy(num, br + 1, (size_t)(close - br - 1));
	num[close - br - 1] = '\0';
	if (medfw_parse_u64(num, 0, SIZE_MAX, &index) != MEDFW_OK)
		return 0;
	after = close + 1;
	if (!c->valid || strcmp(c->key, key) != 0 || index < c->next) {
		i = skip_ws(p, n, 0);
		if (klen > 0)
			i = member_value(p, n, i, key);
		if (i >= n || p[i] != '[')
			return 0;
		memset(c, 0, sizeof(*c));
		snprintf(c->key, sizeof(c->key), "%s", key);
		c->start = c->pos = skip_ws(p, n, i + 1);
		c->valid = 1;
	}
	i = c->pos;
	while (c->next < index) { /* skip elements up to the one wanted */
		i = skip_ws(p, n, skip_value(p, n, i));
		if (i >= n || p[i] != ',')
			return 0;
		i = skip_ws(p, n, i + 1);
		c->next++;
	}
	c->pos = i;
value:
	if (i >= n)
		return 0;
	if (after[0] == '.') {
		i = member_value(p, n, i, after + 1);
		if (i >= n || strchr(after + 1, '.') != NULL || strchr(after + 1, '[') != NULL)
			return 0;
	} else if (after[0] != '\0') {
		return 0;
	}
	*out_start = i;
	*out_end = skip_value(p, n, i);
	return *out_end <= n && *out_end > i;
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
			copy_cut(r->file_problem.message, sizeof(r->file_problem.message),
				 p->message);
		}
		return;
	}
	r->out->rejected++;
	if (r->out->problem_count >= MEDFW_STORE_VULN_PROBLEMS_MAX)
		return;
	dst = &r->out->problems[r->out->problem_count++];
	copy_cut(dst->json_path, sizeof(dst->json_path), p->json_path);
	dst->err = p->err;
	copy_cut(dst->message, sizeof(dst->message), p->message);
}

/* A record the parser accepted but the store cannot key (an id or date too long). */
static void import_refuse(struct import_run *r, const struct medfw_feed_record *rec,
			  const char *why)
{
	struct medfw_feed_problem p;

	memset(&p, 0, sizeof(p));
	copy_cut(p.json_path, sizeof(p.json_path), rec->json_path[0] ? rec->json_path : "(record)");
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
			return nomem(diag);
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
				err = nomem(diag);
		}
		raw = text;
		raw_len = text != NULL ? strlen(text) : 0;
	}
	it = &r->items[r->n];
	memset(it, 0, sizeof(*it));
	if (err == MEDFW_OK)
		err = zpack(r->cctx, raw, raw_len, &it->z, &it->zlen, diag);
	if (err == MEDFW_OK) {
		it->format = rec->format;
		it->len = raw_len;
		it->id = dup_s(rec->id);
		it->modified = rec->modified != NULL ? dup_s(rec->modified) : NULL;
		it->json_path = dup_s(rec->json_path);
		if (it->id == NULL || it->json_path == NULL ||
		    (rec->modified != NULL && it->modified == NULL))
			err = nomem(diag);
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
		if (row && !newer(it->modified, modified)) {
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
		err = bump_generation(tx, diag);
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
	err = r.cctx == NULL ? nomem(diag) : medfw_feed_load_bytes(source, data, len, &sink, NULL, diag);
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
			if (q.err == MEDFW_OK && a->json != NULL) {
				char *text = NULL;
				size_t n = 0;

				err = col_unpack(NULL, &q, 8, 9, MEDFW_STORE_VULN_FILE_MAX, "record", &text,
						 &n, diag);
				if (err == MEDFW_OK)
					err = medfw_buf_append(a->json, text, n);
				free(text);
			}
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
	size_t start = out_json != NULL ? out_json->len : 0;
	enum medfw_err err;

	memset(out, 0, sizeof(*out));
	if (record_id == NULL || format < MEDFW_FEED_OSV || format > MEDFW_FEED_KEV)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "%s: bad arguments", REC_WHAT);
	err = medfwi_run(store, MEDFWI_TX_READ, rec_get_fn, &a, diag);
	if (err != MEDFW_OK) {
		memset(out, 0, sizeof(*out));
		if (out_json != NULL)
			out_json->len = start;
	}
	return err;
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

/* ================================================================== VEX */

#define VEX_WHAT "VEX"
#define VEX_STATEMENT_COLS                                                                   \
	"id, document_id, target_name, vuln_id, component, status, justification, detail,"  \
	" response, author, timestamp, source, json_path, created_at"

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
	"SELECT " VEX_STATEMENT_COLS " FROM vex_statements"
	" WHERE (? = '' OR target_name = '' OR target_name = ?) AND (? = '' OR vuln_id = ?)"
	" ORDER BY id LIMIT ? OFFSET ?";
static const char SQL_VEX_STATEMENT_COUNT[] =
	"SELECT COUNT(*) FROM vex_statements"
	" WHERE (? = '' OR target_name = '' OR target_name = ?) AND (? = '' OR vuln_id = ?)";
static const char SQL_VEX_API_STATEMENTS[] =
	"SELECT " VEX_STATEMENT_COLS " FROM vex_statements WHERE document_id IS NULL ORDER BY id";
static const char SQL_VEX_DOCS[] =
	"SELECT id, target_name, source, raw, raw_len FROM vex_documents ORDER BY id";

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
			char *one = dup_n(p, n);

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
static enum medfw_err statement_parse(const struct medfw_store_vex_statement *s,
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
		return nomem(diag);
	snprintf(source, sizeof(source), "statement %lld by %s", (long long)s->id, s->author);
	medfw_diag_clear(&d);
	err = medfw_vex_parse(source, (const uint8_t *)text, strlen(text), &vex, &d);
	free(text);
	if (err == MEDFW_ERR_NOMEM)
		return nomem(diag);
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

static enum medfw_err release_exists(struct medfw_store *tx, const char *target,
				     struct medfw_diag *diag)
{
	struct medfwi_q q;
	int row = 0;
	enum medfw_err err;

	if (target[0] == '\0')
		return MEDFW_OK;
	if (medfwi_q_begin(&q, tx, VEX_WHAT, SQL_SBOM_EXISTS, diag) == MEDFW_OK) {
		medfwi_q_text(&q, target);
		medfwi_q_step(&q, &row);
	}
	err = medfwi_q_end(&q);
	if (err == MEDFW_OK && !row)
		err = medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND,
				     "%s: release \"%.200s\" has no SBOM on this server", VEX_WHAT,
				     target);
	return err;
}

static enum medfw_err statement_add_fn(struct medfw_store *tx, void *arg, struct medfw_diag *diag)
{
	struct medfw_store_vex_statement *s = arg;
	enum medfw_err err = release_exists(tx, s->target_name, diag);

	if (err == MEDFW_OK)
		err = statement_insert(tx, s, diag);
	if (err == MEDFW_OK)
		err = bump_generation(tx, diag);
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
	err = statement_parse(statement, NULL, diag);
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
	copy_cut(s->target_name, sizeof(s->target_name), a->target);
	copy_cut(s->vuln_id, sizeof(s->vuln_id), v->vuln_id);
	copy_cut(s->component, sizeof(s->component),
		 v->ref != NULL ? v->ref : v->product_id != NULL ? v->product_id : "");
	s->status = v->status;
	copy_cut(s->justification, sizeof(s->justification), v->justification);
	copy_cut(s->detail, sizeof(s->detail), v->detail);
	copy_cut(s->response, sizeof(s->response), v->response);
	copy_cut(s->author, sizeof(s->author), a->author);
	copy_cut(s->timestamp, sizeof(s->timestamp), v->timestamp);
	copy_cut(s->source, sizeof(s->source), a->source);
	copy_cut(s->json_path, sizeof(s->json_path), v->json_path);
}

static enum medfw_err vex_doc_fn(struct medfw_store *tx, void *arg, struct medfw_diag *diag)
{
	struct vex_doc_arg *a = arg;
	struct medfw_store_vex_statement *s;
	struct medfwi_q q;
	int row = 0;
	enum medfw_err err = release_exists(tx, a->target, diag);

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
		err = nomem(diag);
	for (size_t i = 0; err == MEDFW_OK && i < a->doc->statement_count; i++) {
		statement_of(a, &a->doc->statements[i], s);
		err = statement_insert(tx, s, diag);
	}
	free(s);
	a->out->statements = a->doc->statement_count;
	a->out->problems = a->doc->problem_count;
	if (err == MEDFW_OK)
		err = bump_generation(tx, diag);
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
		err = zpack(NULL, data, len, &z, &a.zlen, diag);
	if (err == MEDFW_OK) {
		a.target = target_name;
		a.source = source;
		a.author = author;
		a.doc = doc;
		a.z = z;
		a.len = len;
		a.out = out;
		sha256_hex(data, len, a.sha256);
		err = medfwi_run(store, MEDFWI_TX_WRITE, vex_doc_fn, &a, diag);
	}
	free(z);
	medfw_vex_free(doc);
	if (err != MEDFW_OK)
		memset(out, 0, sizeof(*out));
	return err;
}

static void statement_row(struct medfwi_q *q, struct medfw_store_vex_statement *s)
{
	char status[32];

	s->id = medfwi_q_col_int(q, 0);
	s->document_id = medfwi_q_col_int(q, 1);
	medfwi_q_col_text(q, 2, s->target_name, sizeof(s->target_name));
	medfwi_q_col_text(q, 3, s->vuln_id, sizeof(s->vuln_id));
	medfwi_q_col_text(q, 4, s->component, sizeof(s->component));
	medfwi_q_col_text(q, 5, status, sizeof(status));
	s->status = (enum medfw_vex_status)name_index(vex_status_names, 5, status);
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
			statement_row(&q, &a->out[a->count++]);
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
	if (cap > 0)
		memset(out, 0, cap * sizeof(*out));
	err = medfwi_run(store, MEDFWI_TX_READ, statement_list_fn, &a, diag);
	if (err != MEDFW_OK) {
		if (cap > 0)
			memset(out, 0, cap * sizeof(*out));
		return err;
	}
	*out_count = a.count;
	if (out_total != NULL)
		*out_total = a.total;
	return MEDFW_OK;
}

/* ================================================================== product map */

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
		err = bump_generation(tx, diag);
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
			err = col_unpack(dctx, &q, 5, 6, MEDFW_PRODUCT_MAP_MAX_BYTES, MAP_WHAT, raw,
					 raw_len, diag);
	}
	if (medfwi_q_end(&q) != MEDFW_OK && err == MEDFW_OK)
		err = q.err;
	return err;
}

/* The stored product map, parsed for a re-evaluation (*out NULL when none is stored). A
 * stored map that no longer parses is an error: evaluating without it would drop every
 * finding it maps. */
static enum medfw_err map_load(struct medfw_store *tx, ZSTD_DCtx *dctx,
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
	sha256_hex(data, len, rec.sha256);
	rec.entries = (int64_t)map->entry_count;
	rec.updated_by = updated_by;
	medfw_product_map_free(map);
	memset(&a, 0, sizeof(a));
	err = zpack(NULL, data, len, &z, &a.zlen, diag);
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

/* ================================================================== findings */

#define FINDING_WHAT "finding"
#define FINDING_COLS                                                                          \
	"id, target_name, component_ref, component_name, component_version, vuln_id, status,"   \
	" severity, score, kev, kev_date_added, kev_due_date, priority, vex_applied, fixed_by," \
	" first_seen, last_changed, detail, detail_len"
#define FINDING_WHERE                                                                       \
	" WHERE (? = '' OR target_name = ?) AND (? = '' OR status = ?)"                    \
	" AND (? = 0 OR status IN " OPEN_STATUSES ") AND (? = '' OR severity = ?)"          \
	" AND (? < 0 OR kev = ?) AND (? = '' OR vuln_id = ?)"

static const char SQL_FINDING_LIST[] =
	"SELECT " FINDING_COLS " FROM findings" FINDING_WHERE
	" ORDER BY target_name, status = 'unmatched', priority, id LIMIT ? OFFSET ?";
static const char SQL_FINDING_COUNT[] = "SELECT COUNT(*) FROM findings" FINDING_WHERE;
static const char SQL_FINDING_GET[] = "SELECT " FINDING_COLS " FROM findings WHERE id = ?";
static const char SQL_HISTORY_FINDING[] =
	"SELECT id, finding_id, exposure_id, time, from_status, to_status, cause, detail, 0"
	" FROM finding_history WHERE finding_id = ? ORDER BY id LIMIT ?";
static const char SQL_HISTORY_EXPOSURE[] =
	"SELECT h.id, h.finding_id, h.exposure_id, h.time, h.from_status, h.to_status, h.cause,"
	" h.detail, e.site_id FROM finding_history h JOIN site_exposures e ON e.id = h.exposure_id"
	" WHERE h.exposure_id = ? AND (? OR e.site_id = ?) ORDER BY h.id LIMIT ?";
static const char SQL_EXPOSURE_IN_SCOPE[] =
	"SELECT 1 FROM site_exposures WHERE id = ? AND (? OR site_id = ?)";
static const char SQL_HISTORY_INSERT[] =
	"INSERT INTO finding_history (finding_id, exposure_id, time, from_status, to_status,"
	" cause, detail) VALUES (?, ?, ?, ?, ?, ?, ?)";

static void finding_row(struct medfwi_q *q, struct medfw_store_finding *f)
{
	char text[32];

	f->id = medfwi_q_col_int(q, 0);
	medfwi_q_col_text(q, 1, f->target_name, sizeof(f->target_name));
	medfwi_q_col_text(q, 2, f->component_ref, sizeof(f->component_ref));
	medfwi_q_col_text(q, 3, f->component_name, sizeof(f->component_name));
	medfwi_q_col_text(q, 4, f->component_version, sizeof(f->component_version));
	medfwi_q_col_text(q, 5, f->vuln_id, sizeof(f->vuln_id));
	medfwi_q_col_text(q, 6, text, sizeof(text));
	f->status = (enum medfw_store_finding_status)name_index(
		finding_status_names, MEDFW_STORE_FINDING_STATUS_COUNT, text);
	medfwi_q_col_text(q, 7, text, sizeof(text));
	f->severity = (enum medfw_store_severity)name_index(severity_names,
							    MEDFW_STORE_SEVERITY_COUNT, text);
	f->score_tenths = col_score(q, 8);
	f->kev = (int)medfwi_q_col_int(q, 9);
	medfwi_q_col_text(q, 10, f->kev_date_added, sizeof(f->kev_date_added));
	medfwi_q_col_text(q, 11, f->kev_due_date, sizeof(f->kev_due_date));
	f->priority = medfwi_q_col_int(q, 12);
	f->vex_applied = (int)medfwi_q_col_int(q, 13);
	medfwi_q_col_text(q, 14, f->fixed_by, sizeof(f->fixed_by));
	f->first_seen = medfwi_q_col_int(q, 15);
	f->last_changed = medfwi_q_col_int(q, 16);
}

static void bind_filter(struct medfwi_q *q, const struct medfw_store_finding_filter *f)
{
	const char *status = f->status != 0 ? medfw_store_finding_status_name(f->status) : "";
	const char *severity = f->severity != 0 ? medfw_store_severity_name(f->severity) : "";

	medfwi_q_text(q, f->target_name);
	medfwi_q_text(q, f->target_name);
	medfwi_q_text(q, status);
	medfwi_q_text(q, status);
	medfwi_q_int(q, f->open_only ? 1 : 0);
	medfwi_q_text(q, severity);
	medfwi_q_text(q, severity);
	medfwi_q_int(q, f->kev);
	medfwi_q_int(q, f->kev);
	medfwi_q_text(q, f->vuln_id);
	medfwi_q_text(q, f->vuln_id);
}

struct finding_list_arg {
	const struct medfw_store_finding_filter *filter;
	int64_t offset, limit, total;
	medfw_store_finding_fn fn;
	void *user;
	struct medfw_store_finding *f;
	ZSTD_DCtx *dctx;
};

static enum medfw_err finding_list_fn(struct medfw_store *tx, void *arg, struct medfw_diag *diag)
{
	struct finding_list_arg *a = arg;
	struct medfwi_q q;
	int row = 0;
	enum medfw_err err = MEDFW_OK;

	if (medfwi_q_begin(&q, tx, FINDING_WHAT, SQL_FINDING_COUNT, diag) == MEDFW_OK) {
		bind_filter(&q, a->filter);
		if (medfwi_q_step(&q, &row) == MEDFW_OK && row)
			a->total = medfwi_q_col_int(&q, 0);
	}
	err = medfwi_q_end(&q);
	if (err == MEDFW_OK && medfwi_q_begin(&q, tx, FINDING_WHAT, SQL_FINDING_LIST, diag) == MEDFW_OK) {
		bind_filter(&q, a->filter);
		medfwi_q_int(&q, a->limit);
		medfwi_q_int(&q, a->offset);
		while (err == MEDFW_OK && medfwi_q_step(&q, &row) == MEDFW_OK && row) {
			char *detail = NULL;
			size_t len = 0;

			memset(a->f, 0, sizeof(*a->f));
			finding_row(&q, a->f);
			if (q.err != MEDFW_OK)
				break;
			err = col_unpack(a->dctx, &q, 17, 18, FINDING_DETAIL_MAX, "finding", &detail, &len,
					 diag);
			if (err == MEDFW_OK)
				err = a->fn(a->user, a->f, detail, len, diag);
			free(detail);
		}
	}
	if (medfwi_q_end(&q) != MEDFW_OK && err == MEDFW_OK)
		err = q.err;
	return err;
}

enum medfw_err medfw_store_finding_list(struct medfw_store *store,
					const struct medfw_store_finding_filter *filter,
					int64_t offset, int64_t limit, medfw_store_finding_fn fn,
					void *user, int64_t *out_total, struct medfw_diag *diag)
{
	static const struct medfw_store_finding_filter all = {.kev = -1};
	struct finding_list_arg a;
	enum medfw_err err;

	if (out_total != NULL)
		*out_total = 0;
	if (store == NULL || fn == NULL || offset < 0 || limit < 1 || limit > LIST_LIMIT_MAX)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "%s: bad list arguments",
				      FINDING_WHAT);
	if (filter == NULL)
		filter = &all;
	if (memchr(filter->target_name, '\0', sizeof(filter->target_name)) == NULL ||
	    memchr(filter->vuln_id, '\0', sizeof(filter->vuln_id)) == NULL ||
	    (filter->status != 0 && medfw_store_finding_status_name(filter->status) == NULL) ||
	    (filter->severity != 0 && medfw_store_severity_name(filter->severity) == NULL) ||
	    filter->kev < -1 || filter->kev > 1)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "%s: bad filter", FINDING_WHAT);
	memset(&a, 0, sizeof(a));
	a.filter = filter;
	a.offset = offset;
	a.limit = limit;
	a.fn = fn;
	a.user = user;
	a.f = malloc(sizeof(*a.f));
	a.dctx = ZSTD_createDCtx();
	err = a.f == NULL || a.dctx == NULL ? nomem(diag)
					    : medfwi_run(store, MEDFWI_TX_READ, finding_list_fn, &a, diag);
	free(a.f);
	ZSTD_freeDCtx(a.dctx);
	if (err == MEDFW_OK && out_total != NULL)
		*out_total = a.total;
	return err;
}

struct finding_get_arg {
	int64_t id;
	struct medfw_store_finding *out;
	struct medfw_buf *detail;
};

static enum medfw_err finding_get_fn(struct medfw_store *tx, void *arg, struct medfw_diag *diag)
{
	struct finding_get_arg *a = arg;
	struct medfwi_q q;
	int row = 0;
	enum medfw_err err = MEDFW_OK;

	if (medfwi_q_begin(&q, tx, FINDING_WHAT, SQL_FINDING_GET, diag) == MEDFW_OK) {
		medfwi_q_int(&q, a->id);
		if (medfwi_q_step(&q, &row) == MEDFW_OK && row) {
			finding_row(&q, a->out);
			if (q.err == MEDFW_OK && a->detail != NULL) {
				char *text = NULL;
				size_t len = 0;

				err = col_unpack(NULL, &q, 17, 18, FINDING_DETAIL_MAX, "finding", &text,
						 &len, diag);
				if (err == MEDFW_OK)
					err = medfw_buf_append(a->detail, text, len);
				free(text);
			}
		}
	}
	if (medfwi_q_end(&q) != MEDFW_OK && err == MEDFW_OK)
		err = q.err;
	if (err == MEDFW_OK && !row)
		err = medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND, "%s: no finding %lld", FINDING_WHAT,
				     (long long)a->id);
	return err;
}

enum medfw_err medfw_store_finding_get(struct medfw_store *store, int64_t id,
				       struct medfw_store_finding *out,
				       struct medfw_buf *out_detail, struct medfw_diag *diag)
{
	struct finding_get_arg a = {id, out, out_detail};
	size_t start = out_detail != NULL ? out_detail->len : 0;
	enum medfw_err err;

	memset(out, 0, sizeof(*out));
	err = medfwi_run(store, MEDFWI_TX_READ, finding_get_fn, &a, diag);
	if (err != MEDFW_OK) {
		memset(out, 0, sizeof(*out));
		if (out_detail != NULL)
			out_detail->len = start;
	}
	return err;
}

struct history_arg {
	struct medfw_store_scope scope;
	int64_t finding_id, exposure_id;
	struct medfw_store_vuln_event *out;
	size_t cap, count;
};

static enum medfw_err history_fn(struct medfw_store *tx, void *arg, struct medfw_diag *diag)
{
	struct history_arg *a = arg;
	struct medfwi_q q;
	int row = 0;
	enum medfw_err err = MEDFW_OK;

	a->count = 0;
	if (a->exposure_id != 0) {
		if (medfwi_q_begin(&q, tx, "exposure", SQL_EXPOSURE_IN_SCOPE, diag) == MEDFW_OK) {
			medfwi_q_int(&q, a->exposure_id);
			medfwi_q_scope(&q, a->scope);
			medfwi_q_step(&q, &row);
		}
		err = medfwi_q_end(&q);
		if (err == MEDFW_OK && !row)
			err = medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND, "exposure: no exposure %lld",
					     (long long)a->exposure_id);
		if (err != MEDFW_OK)
			return err;
	}
	if (medfwi_q_begin(&q, tx, "history",
			   a->exposure_id != 0 ? SQL_HISTORY_EXPOSURE : SQL_HISTORY_FINDING,
			   diag) == MEDFW_OK) {
		medfwi_q_int(&q, a->exposure_id != 0 ? a->exposure_id : a->finding_id);
		if (a->exposure_id != 0)
			medfwi_q_scope(&q, a->scope);
		medfwi_q_int(&q, (int64_t)a->cap);
		while (a->count < a->cap && medfwi_q_step(&q, &row) == MEDFW_OK && row) {
			struct medfw_store_vuln_event *e = &a->out[a->count++];
			char cause[16];

			e->id = medfwi_q_col_int(&q, 0);
			e->finding_id = medfwi_q_col_int(&q, 1);
			e->exposure_id = medfwi_q_col_int(&q, 2);
			e->time = medfwi_q_col_int(&q, 3);
			medfwi_q_col_text(&q, 4, e->from, sizeof(e->from));
			medfwi_q_col_text(&q, 5, e->to, sizeof(e->to));
			medfwi_q_col_text(&q, 6, cause, sizeof(cause));
			e->cause = (enum medfw_store_vuln_cause)name_index(cause_names, 5, cause);
			medfwi_q_col_text(&q, 7, e->detail, sizeof(e->detail));
			e->site_id = medfwi_q_col_int(&q, 8);
		}
	}
	return medfwi_q_end(&q);
}

enum medfw_err medfw_store_vuln_history(struct medfw_store *store, struct medfw_store_scope scope,
					int64_t finding_id, int64_t exposure_id,
					struct medfw_store_vuln_event *out, size_t cap,
					size_t *out_count, struct medfw_diag *diag)
{
	struct history_arg a = {scope, finding_id, exposure_id, out, cap, 0};
	enum medfw_err err;

	*out_count = 0;
	if ((finding_id != 0) == (exposure_id != 0) || finding_id < 0 || exposure_id < 0 ||
	    (cap > 0 && out == NULL))
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
				      "history: give a finding or an exposure");
	err = medfwi_check_scope(scope, diag);
	if (err != MEDFW_OK)
		return err;
	if (cap > 0)
		memset(out, 0, cap * sizeof(*out));
	err = medfwi_run(store, MEDFWI_TX_READ, history_fn, &a, diag);
	if (err != MEDFW_OK) {
		if (cap > 0)
			memset(out, 0, cap * sizeof(*out));
		return err;
	}
	*out_count = a.count;
	return MEDFW_OK;
}

/* One history event (finding_id or exposure_id 0). */
static enum medfw_err history_add(struct medfw_store *tx, int64_t finding_id,
				  int64_t exposure_id, int64_t time, const char *from,
				  const char *to, enum medfw_store_vuln_cause cause,
				  const char *detail, struct medfw_diag *diag)
{
	char cut[MEDFW_STORE_VULN_EVENT_DETAIL_MAX + 1];
	struct medfwi_q q;

	copy_cut(cut, sizeof(cut), detail);
	if (medfwi_q_begin(&q, tx, "history", SQL_HISTORY_INSERT, diag) == MEDFW_OK) {
		medfwi_q_int0(&q, finding_id);
		medfwi_q_int0(&q, exposure_id);
		medfwi_q_int(&q, time);
		medfwi_q_text(&q, from);
		medfwi_q_text(&q, to);
		medfwi_q_text(&q, medfw_store_vuln_cause_name(cause));
		medfwi_q_text(&q, cut);
		medfwi_q_exec(&q, NULL);
	}
	return medfwi_q_end(&q);
}

/* ================================================================== re-evaluation */

#define EVAL_WHAT "re-evaluation"
#define KEY_SEP "\x01"

static const char SQL_EVAL_RELEASES[] =
	"SELECT target_name, model, release_date, security_version FROM release_sboms"
	" ORDER BY target_name";
static const char SQL_EVAL_EXPORT[] =
	"SELECT export, export_len FROM release_sboms WHERE target_name = ?";
static const char SQL_EVAL_FINDINGS_OF[] =
	"SELECT id, component_ref, vuln_id, status, digest, fixed_by FROM findings"
	" WHERE target_name = ?";
static const char SQL_EVAL_FINDING_TARGETS[] = "SELECT DISTINCT target_name FROM findings";
static const char SQL_EVAL_FINDINGS_LEFT[] =
	"SELECT id, status FROM findings WHERE target_name = ? AND status <> 'unmatched'";
static const char SQL_EVAL_RECORD_COUNT[] = "SELECT COUNT(*) FROM vuln_records";
/* Compare and set: the write happens only when no import, upload, VEX change or other
 * evaluation's write came between this evaluation's snapshot and its write. */
static const char SQL_EVAL_DONE[] =
	"UPDATE vuln_state SET evaluated = ?, evaluated_at = ?, evaluations = evaluations + 1"
	" WHERE id = 1 AND generation = ? AND evaluations = ?";
static const char SQL_FINDING_INSERT[] =
	"INSERT INTO findings (target_name, component_ref, vuln_id, component_name,"
	" component_version, status, severity, score, kev, kev_date_added, kev_due_date, priority,"
	" vex_applied, fixed_by, digest, detail, detail_len, first_seen, last_changed)"
	" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id";
static const char SQL_FINDING_UPDATE[] =
	"UPDATE findings SET component_name = ?, component_version = ?, status = ?, severity = ?,"
	" score = ?, kev = ?, kev_date_added = ?, kev_due_date = ?, priority = ?, vex_applied = ?,"
	" fixed_by = ?, digest = ?, detail = ?, detail_len = ?,"
	" last_changed = CASE WHEN ? THEN ? ELSE last_changed END WHERE id = ?";
static const char SQL_FINDING_FIXED_BY[] = "UPDATE findings SET fixed_by = ? WHERE id = ?";
static const char SQL_FINDING_UNMATCH[] =
	"UPDATE findings SET status = 'unmatched', fixed_by = '', digest = '', last_changed = ?"
	" WHERE id = ?";

/* How the evaluation scales (docs/vulnerabilities.md, "Re-evaluation"): releases are
 * matched one at a time against the index built once, each with the stored findings of
 * that release only. What the write needs is kept compact: a row per finding that must
 * be written or whose fixed_by may move (the open ones), with interned vulnerability
 * ids and release numbers; the content of the findings to write (their compressed JSON,
 * history reason, component) goes to an unlinked temporary file, read back in order by
 * the write. The feed set and the index are released before the write. A finding's
 * JSON is written directly (finding_text) rather than built with jansson. */

#define FB_NONE (-1)  /* fixed_by "" */
#define FB_OTHER (-2) /* fixed_by names a target that is no release (any more) */

struct ex_finding { /* a stored finding of the release being matched */
	int64_t id;
	char *key; /* component KEY_SEP vulnerability */
	enum medfw_store_finding_status status;
	char digest[MEDFW_STORE_SHA256_HEX + 1];
	int32_t fixed_by; /* a release's index, FB_NONE or FB_OTHER */
	int seen;
};

struct rel {
	char *target, *model;
	char date[11];
	int64_t secver;
	uint32_t *open; /* interned ids of its open findings; sorted and unique after B */
	size_t n_open, cap_open;
	size_t pos;     /* place in the model order */
};

struct row { /* a finding to write, or an open one whose fixed_by may move */
	int64_t ex_id;           /* the stored finding, 0 when new */
	uint32_t rel, vuln;      /* release index, interned vulnerability id */
	int32_t stored_fixed_by; /* what the stored finding has (FB_NONE when new) */
	int32_t fixed_by;        /* what it should have */
	uint8_t status;          /* enum medfw_store_finding_status */
	uint8_t ex_status;       /* the stored one, 0 when new */
	uint8_t spilled;         /* its content changed: its payload is in the spill file */
};

/* In the spill file, for each spilled row in order: this, then the component's ref,
 * name and version, the history reason and the compressed JSON. */
struct spill_head {
	uint32_t ref_len, name_len, version_len, reason_len, z_len, text_len;
	int32_t score;
	int64_t priority;
	uint8_t severity, kev, vex_applied;
	char kev_added[11], kev_due[11];
	char digest[MEDFW_STORE_SHA256_HEX + 1];
};

struct gone { /* a stored finding no longer produced */
	int64_t id;
	enum medfw_store_finding_status status;
};

struct vexdoc {
	struct medfw_vex_doc *doc;
	char *target; /* "" every release */
};

struct eval {
	enum medfw_store_vuln_cause cause;
	const char *detail;
	struct medfw_store_vuln_eval_stats *st;
	int64_t generation, evaluations;
	int read_started; /* the snapshot is read once: a second run starts over */
	struct medfw_feed_set *feeds;
	struct medfw_product_map *map; /* the index borrows it */
	struct medfw_vuln_index *index;
	struct vexdoc *vex;
	size_t n_vex, cap_vex;
	struct rel *rel;
	size_t n_rel, cap_rel;
	struct medfwi_strmap rel_index; /* target -> release */
	size_t *order;                  /* releases by (model, date, security version, target) */
	char **vulns;                   /* interned vulnerability ids */
	size_t n_vulns, cap_vulns;
	struct medfwi_strmap vuln_index;
	struct row *rows;
	size_t n_rows, cap_rows;
	struct gone *gone;
	size_t n_gone, cap_gone;
	FILE *spill;
	/* the release being matched */
	struct ex_finding *ex;
	size_t n_ex, cap_ex;
	struct medfwi_strmap ex_index;
	char **seen; /* keys of its findings so far (a repeated one counts once) */
	size_t n_seen, cap_seen;
	struct medfwi_strmap seen_index;
	struct medfw_buf text; /* a finding's JSON */
	char *scratch;         /* a payload read back by the write */
	size_t scratch_cap;
	/* while loading one stored record */
	const char *rec_source, *rec_path;
	ZSTD_CCtx *cctx;
	ZSTD_DCtx *dctx;
};

/* Forget the stored findings and keys of the release just matched. */
static void release_done(struct eval *ev)
{
	size_t i;

	for (i = 0; i < ev->n_ex; i++)
		free(ev->ex[i].key);
	ev->n_ex = 0;
	medfwi_strmap_free(&ev->ex_index);
	medfwi_strmap_init(&ev->ex_index);
	for (i = 0; i < ev->n_seen; i++)
		free(ev->seen[i]);
	ev->n_seen = 0;
	medfwi_strmap_free(&ev->seen_index);
	medfwi_strmap_init(&ev->seen_index);
}

/* The matching inputs: not needed by the write. */
static void inputs_free(struct eval *ev)
{
	size_t i;

	medfw_vuln_index_free(ev->index);
	ev->index = NULL;
	medfw_product_map_free(ev->map);
	ev->map = NULL;
	medfw_feed_set_free(ev->feeds);
	ev->feeds = NULL;
	for (i = 0; i < ev->n_vex; i++) {
		medfw_vex_free(ev->vex[i].doc);
		free(ev->vex[i].target);
	}
	free(ev->vex);
	ev->vex = NULL;
	ev->n_vex = ev->cap_vex = 0;
}

static void eval_free(struct eval *ev)
{
	size_t i;

	inputs_free(ev);
	release_done(ev);
	free(ev->ex);
	free(ev->seen);
	medfwi_strmap_free(&ev->ex_index);
	medfwi_strmap_free(&ev->seen_index);
	medfwi_strmap_free(&ev->rel_index);
	medfwi_strmap_free(&ev->vuln_index);
	for (i = 0; i < ev->n_rel; i++) {
		free(ev->rel[i].target);
		free(ev->rel[i].model);
		free(ev->rel[i].open);
	}
	free(ev->rel);
	free(ev->order);
	for (i = 0; i < ev->n_vulns; i++)
		free(ev->vulns[i]);
	free(ev->vulns);
	free(ev->rows);
	free(ev->gone);
	if (ev->spill != NULL)
		fclose(ev->spill);
	medfw_buf_free(&ev->text);
	free(ev->scratch);
	ZSTD_freeCCtx(ev->cctx);
	ZSTD_freeDCtx(ev->dctx);
	memset(ev, 0, sizeof(*ev));
}

/* Grow an array to hold one more element. */
static int grow(void **p, size_t *cap, size_t n, size_t size)
{
	void *q;
	size_t c;

	if (n < *cap)
		return 1;
	c = *cap == 0 ? 16 : *cap * 2;
	if (c > SIZE_MAX / size)
		return 0;
	q = realloc(*p, c * size);
	if (q == NULL)
		return 0;
	*p = q;
	*cap = c;
	return 1;
}

static char *join_key(const char *ref, const char *vuln)
{
	size_t a = strlen(ref), b = strlen(vuln);
	char *k = malloc(a + b + 2);

	if (k != NULL)
		snprintf(k, a + b + 2, "%s" KEY_SEP "%s", ref, vuln);
	return k;
}

/* The interned number of a vulnerability id (added when new); -1 when out of memory. */
static int64_t intern_vuln(struct eval *ev, const char *id)
{
	size_t pos = 0;
	int added = 0;
	char *copy;

	if (medfwi_strmap_get(&ev->vuln_index, id, &pos))
		return (int64_t)pos;
	if (ev->n_vulns >= UINT32_MAX ||
	    !grow((void **)&ev->vulns, &ev->cap_vulns, ev->n_vulns, sizeof(*ev->vulns)))
		return -1;
	copy = dup_s(id);
	if (copy == NULL)
		return -1;
	if (medfwi_strmap_put(&ev->vuln_index, copy, ev->n_vulns, &pos, &added) != MEDFW_OK) {
		free(copy);
		return -1;
	}
	ev->vulns[ev->n_vulns++] = copy;
	return (int64_t)pos;
}

/* A stored fixed_by as a release number. */
static int32_t fixed_by_of(const struct eval *ev, const char *target)
{
	size_t pos;

	if (target[0] == '\0')
		return FB_NONE;
	return medfwi_strmap_get(&ev->rel_index, target, &pos) ? (int32_t)pos : FB_OTHER;
}

/* ---- a finding's JSON, written directly: the bytes of json_dumps(medfw_finding_json(f),
 * JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(4)) (keys in byte order, no
 * spaces, jansson's escapes: \" \\ \b \f \n \r \t, \u00XX for other controls, the rest
 * as it is). A string that is not valid UTF-8 fails, as jansson's json_string does. */

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
static enum medfw_err finding_text(const struct medfw_finding *f, struct medfw_buf *out,
				   struct medfw_diag *diag)
{
	const struct medfw_sbom_component *c = f->component;
	struct jw w = {out, 0};
	int first = 1, inner;
	size_t i;

	medfw_buf_reset(out);
	jw_raw(&w, "{", 1);
	jw_key(&w, &first, "aliases");
	jw_raw(&w, "[", 1);
	for (i = 0; i < f->alias_count; i++) {
		if (i > 0)
			jw_raw(&w, ",", 1);
		if (f->aliases[i] == NULL)
			w.bad = 1;
		jw_str(&w, f->aliases[i]);
	}
	jw_raw(&w, "]", 1);
	jw_key(&w, &first, "component");
	inner = 1;
	jw_raw(&w, "{", 1);
	jw_key(&w, &inner, "cpes");
	jw_raw(&w, "[", 1);
	for (i = 0; i < c->cpe_count; i++) {
		if (i > 0)
			jw_raw(&w, ",", 1);
		if (c->cpes[i] == NULL)
			w.bad = 1;
		jw_str(&w, c->cpes[i]);
	}
	jw_raw(&w, "]", 1);
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

/* ---- phase A: read one snapshot and match */

static enum medfw_err load_record(void *arg, struct medfw_feed_record *rec,
				  struct medfw_diag *diag)
{
	struct eval *ev = arg;
	enum medfw_feed_add what;
	char *file = dup_s(ev->rec_source), *path = dup_s(ev->rec_path);
	enum medfw_err err;

	if (file == NULL || path == NULL) {
		free(file);
		free(path);
		medfw_feed_record_clear(rec);
		return nomem(diag);
	}
	free(rec->file);
	free(rec->json_path);
	rec->file = file;
	rec->json_path = path;
	err = medfw_feed_set_add(ev->feeds, rec, &what, diag);
	medfw_feed_record_clear(rec);
	return err;
}

static void load_problem(void *arg, const struct medfw_feed_problem *p)
{
	struct eval *ev = arg;

	(void)p;
	ev->st->record_problems++;
}

static enum medfw_err load_records(struct medfw_store *tx, struct eval *ev,
				   struct medfw_diag *diag)
{
	struct medfw_feed_sink sink = {load_record, load_problem, ev};
	struct medfwi_q q;
	int row = 0;
	enum medfw_err err = MEDFW_OK;

	if (medfwi_q_begin(&q, tx, EVAL_WHAT, SQL_REC_ALL, diag) == MEDFW_OK) {
		while (err == MEDFW_OK && medfwi_q_step(&q, &row) == MEDFW_OK && row) {
			char *source = col_dup(&q, 2), *path = col_dup(&q, 3), *text = NULL;
			size_t len = 0;
			struct medfw_diag d;

			if (source == NULL || path == NULL)
				err = nomem(diag);
			medfw_diag_clear(&d);
			if (err == MEDFW_OK &&
			    col_unpack(ev->dctx, &q, 4, 5, MEDFW_STORE_VULN_FILE_MAX, "record", &text, &len,
				       &d) != MEDFW_OK)
				ev->st->record_problems++; /* damaged: skipped, counted */
			if (err == MEDFW_OK && text != NULL) {
				ev->rec_source = source;
				ev->rec_path = path;
				err = medfw_feed_load_bytes(source, (const uint8_t *)text, len, &sink,
							    NULL, diag);
			}
			free(text);
			free(source);
			free(path);
		}
	}
	if (medfwi_q_end(&q) != MEDFW_OK && err == MEDFW_OK)
		err = q.err;
	ev->st->records = medfw_feed_set_count(ev->feeds);
	return err;
}

static enum medfw_err add_vexdoc(struct eval *ev, struct medfw_vex_doc *doc, const char *target,
				 struct medfw_diag *diag)
{
	char *t = dup_s(target);

	if (t == NULL || !grow((void **)&ev->vex, &ev->cap_vex, ev->n_vex, sizeof(*ev->vex))) {
		free(t);
		medfw_vex_free(doc);
		return nomem(diag);
	}
	ev->vex[ev->n_vex].doc = doc;
	ev->vex[ev->n_vex].target = t;
	ev->n_vex++;
	return MEDFW_OK;
}

static enum medfw_err load_vex(struct medfw_store *tx, struct eval *ev, struct medfw_diag *diag)
{
	struct medfw_store_vex_statement *s = malloc(sizeof(*s));
	struct medfwi_q q;
	int row = 0;
	enum medfw_err err = s == NULL ? nomem(diag) : MEDFW_OK;

	if (err == MEDFW_OK && medfwi_q_begin(&q, tx, EVAL_WHAT, SQL_VEX_DOCS, diag) == MEDFW_OK) {
		while (err == MEDFW_OK && medfwi_q_step(&q, &row) == MEDFW_OK && row) {
			char *target = col_dup(&q, 1), *source = col_dup(&q, 2), *raw = NULL;
			struct medfw_vex_doc *doc = NULL;
			struct medfw_diag d;
			size_t len = 0;

			medfw_diag_clear(&d);
			if (target == NULL || source == NULL)
				err = nomem(diag);
			/* a stored document that no longer parses is skipped, counted */
			if (err == MEDFW_OK &&
			    (col_unpack(ev->dctx, &q, 3, 4, MEDFW_VEX_MAX_BYTES, "VEX", &raw, &len, &d) !=
				     MEDFW_OK ||
			     medfw_vex_parse(source, (const uint8_t *)raw, len, &doc, &d) !=
				     MEDFW_OK))
				ev->st->record_problems++;
			else if (err == MEDFW_OK) {
				ev->st->vex_statements += doc->statement_count;
				err = add_vexdoc(ev, doc, target, diag);
			}
			free(raw);
			free(target);
			free(source);
		}
	}
	if (err == MEDFW_OK && medfwi_q_end(&q) != MEDFW_OK)
		err = q.err;
	ev->st->vex_documents = ev->n_vex;
	if (err == MEDFW_OK &&
	    medfwi_q_begin(&q, tx, EVAL_WHAT, SQL_VEX_API_STATEMENTS, diag) == MEDFW_OK) {
		while (err == MEDFW_OK && medfwi_q_step(&q, &row) == MEDFW_OK && row) {
			struct medfw_vex_doc *doc = NULL;
			struct medfw_diag d;

			memset(s, 0, sizeof(*s));
			statement_row(&q, s);
			medfw_diag_clear(&d);
			if (q.err != MEDFW_OK || statement_parse(s, &doc, &d) != MEDFW_OK) {
				ev->st->record_problems++;
				continue;
			}
			ev->st->vex_statements++;
			err = add_vexdoc(ev, doc, s->target_name, diag);
		}
	}
	if (err == MEDFW_OK && medfwi_q_end(&q) != MEDFW_OK)
		err = q.err;
	free(s);
	return err;
}

/* The releases with an SBOM, in target order, without their exports. */
static enum medfw_err load_releases(struct medfw_store *tx, struct eval *ev,
				    struct medfw_diag *diag)
{
	struct medfwi_q q;
	int row = 0;
	size_t dummy;
	int added = 0;
	enum medfw_err err = MEDFW_OK;

	if (medfwi_q_begin(&q, tx, EVAL_WHAT, SQL_EVAL_RELEASES, diag) == MEDFW_OK) {
		while (err == MEDFW_OK && medfwi_q_step(&q, &row) == MEDFW_OK && row) {
			struct rel *r;

			if (ev->n_rel >= INT32_MAX ||
			    !grow((void **)&ev->rel, &ev->cap_rel, ev->n_rel, sizeof(*ev->rel))) {
				err = nomem(diag);
				break;
			}
			r = &ev->rel[ev->n_rel++];
			memset(r, 0, sizeof(*r));
			r->target = col_dup(&q, 0);
			r->model = col_dup(&q, 1);
			medfwi_q_col_text(&q, 2, r->date, sizeof(r->date));
			r->secver = medfwi_q_col_int(&q, 3);
			if (r->target == NULL || r->model == NULL ||
			    medfwi_strmap_put(&ev->rel_index, r->target, ev->n_rel - 1, &dummy,
					      &added) != MEDFW_OK)
				err = nomem(diag);
		}
	}
	if (medfwi_q_end(&q) != MEDFW_OK && err == MEDFW_OK)
		err = q.err;
	ev->st->releases = ev->n_rel;
	return err;
}

/* The stored findings of one release. */
static enum medfw_err load_existing(struct medfw_store *tx, struct eval *ev, const char *target,
				    struct medfw_diag *diag)
{
	struct medfwi_q q;
	int row = 0;
	enum medfw_err err = MEDFW_OK;

	if (medfwi_q_begin(&q, tx, EVAL_WHAT, SQL_EVAL_FINDINGS_OF, diag) == MEDFW_OK) {
		medfwi_q_text(&q, target);
		while (err == MEDFW_OK && medfwi_q_step(&q, &row) == MEDFW_OK && row) {
			char *ref = col_dup(&q, 1), *vuln = col_dup(&q, 2), *fixed_by = col_dup(&q, 5);
			struct ex_finding *e = NULL;
			char status[32];
			size_t dummy;
			int added = 0;

			if (ref == NULL || vuln == NULL || fixed_by == NULL ||
			    !grow((void **)&ev->ex, &ev->cap_ex, ev->n_ex, sizeof(*ev->ex)))
				err = nomem(diag);
			else
				e = &ev->ex[ev->n_ex];
			if (e != NULL) {
				memset(e, 0, sizeof(*e));
				e->id = medfwi_q_col_int(&q, 0);
				e->key = join_key(ref, vuln);
				medfwi_q_col_text(&q, 3, status, sizeof(status));
				e->status = (enum medfw_store_finding_status)name_index(
					finding_status_names, MEDFW_STORE_FINDING_STATUS_COUNT, status);
				medfwi_q_col_text(&q, 4, e->digest, sizeof(e->digest));
				e->fixed_by = fixed_by_of(ev, fixed_by);
				ev->n_ex++;
				if (e->key == NULL ||
				    medfwi_strmap_put(&ev->ex_index, e->key, ev->n_ex - 1, &dummy,
						      &added) != MEDFW_OK)
					err = nomem(diag);
			}
			free(ref);
			free(vuln);
			free(fixed_by);
		}
	}
	if (medfwi_q_end(&q) != MEDFW_OK && err == MEDFW_OK)
		err = q.err;
	return err;
}

static enum medfw_err add_gone(struct eval *ev, int64_t id, enum medfw_store_finding_status s,
			       struct medfw_diag *diag)
{
	if (!grow((void **)&ev->gone, &ev->cap_gone, ev->n_gone, sizeof(*ev->gone)))
		return nomem(diag);
	ev->gone[ev->n_gone].id = id;
	ev->gone[ev->n_gone++].status = s;
	return MEDFW_OK;
}

/* Stored findings of targets that are no release any more (normally none: they go with
 * their release) that are not unmatched yet. */
static enum medfw_err load_left_over(struct medfw_store *tx, struct eval *ev,
				     struct medfw_diag *diag)
{
	char **targets = NULL;
	size_t n = 0, cap = 0, i, pos;
	struct medfwi_q q;
	int row = 0;
	enum medfw_err err = MEDFW_OK;

	if (medfwi_q_begin(&q, tx, EVAL_WHAT, SQL_EVAL_FINDING_TARGETS, diag) == MEDFW_OK) {
		while (err == MEDFW_OK && medfwi_q_step(&q, &row) == MEDFW_OK && row) {
			char *t = col_dup(&q, 0);

			if (t == NULL || !grow((void **)&targets, &cap, n, sizeof(*targets))) {
				free(t);
				err = nomem(diag);
			} else if (medfwi_strmap_get(&ev->rel_index, t, &pos)) {
				free(t);
			} else {
				targets[n++] = t;
			}
		}
	}
	if (medfwi_q_end(&q) != MEDFW_OK && err == MEDFW_OK)
		err = q.err;
	for (i = 0; err == MEDFW_OK && i < n; i++) {
		if (medfwi_q_begin(&q, tx, EVAL_WHAT, SQL_EVAL_FINDINGS_LEFT, diag) == MEDFW_OK) {
			medfwi_q_text(&q, targets[i]);
			while (err == MEDFW_OK && medfwi_q_step(&q, &row) == MEDFW_OK && row) {
				char status[32];

				medfwi_q_col_text(&q, 1, status, sizeof(status));
				err = add_gone(ev, medfwi_q_col_int(&q, 0),
					       (enum medfw_store_finding_status)name_index(
						       finding_status_names,
						       MEDFW_STORE_FINDING_STATUS_COUNT, status),
					       diag);
			}
		}
		if (medfwi_q_end(&q) != MEDFW_OK && err == MEDFW_OK)
			err = q.err;
	}
	for (i = 0; i < n; i++)
		free(targets[i]);
	free(targets);
	return err;
}

static enum medfw_store_finding_status status_of(enum medfw_finding_status s)
{
	switch (s) {
	case MEDFW_FINDING_AFFECTED: return MEDFW_STORE_FINDING_AFFECTED;
	case MEDFW_FINDING_NOT_AFFECTED: return MEDFW_STORE_FINDING_NOT_AFFECTED;
	case MEDFW_FINDING_FIXED: return MEDFW_STORE_FINDING_FIXED;
	case MEDFW_FINDING_UNDER_INVESTIGATION: return MEDFW_STORE_FINDING_UNDER_INVESTIGATION;
	case MEDFW_FINDING_UNDETERMINED: break;
	}
	return MEDFW_STORE_FINDING_UNDETERMINED;
}

/* Why a finding has its status, in one line. */
static void reason_of(const struct medfw_finding *f, char *buf, size_t cap)
{
	if (f->vex != NULL)
		cut_printf(buf, cap, "VEX %s%s%s from %s: %s",
			   medfw_vex_status_name(f->vex->status),
			   f->vex->justification != NULL ? " " : "",
			   f->vex->justification != NULL ? f->vex->justification : "",
			   f->vex_doc != NULL && f->vex_doc->source != NULL ? f->vex_doc->source
									    : "?",
			   f->vex_rule);
	else if (f->pedigree)
		cut_printf(buf, cap, "pedigree: %s", f->pedigree_rule);
	else if (f->evidence_count > 0)
		cut_printf(buf, cap, "%s (%zu source%s): %s %s: %s",
			   medfw_vuln_outcome_name(f->sources_outcome), f->evidence_count,
			   f->evidence_count == 1 ? "" : "s",
			   medfw_feed_format_name(f->evidence[0].format),
			   f->evidence[0].verdict.rule, f->evidence[0].verdict.comparison);
	else
		cut_printf(buf, cap, "%s", medfw_vuln_outcome_name(f->sources_outcome));
}

static enum medfw_err rel_add_open(struct rel *r, uint32_t vuln)
{
	if (!grow((void **)&r->open, &r->cap_open, r->n_open, sizeof(*r->open)))
		return MEDFW_ERR_NOMEM;
	r->open[r->n_open++] = vuln;
	return MEDFW_OK;
}

static enum medfw_err spill_write(struct eval *ev, const void *p, size_t n,
				  struct medfw_diag *diag)
{
	if (n > 0 && fwrite(p, 1, n, ev->spill) != n)
		return medfw_diag_set(diag, MEDFW_ERR_IO,
				      "%s: cannot write the temporary file of findings to write",
				      EVAL_WHAT);
	return MEDFW_OK;
}

/* The content of a finding to write, after its head. */
static enum medfw_err spill_row(struct eval *ev, const struct medfw_finding *f,
				struct spill_head *h, const char *reason, const uint8_t *z,
				struct medfw_diag *diag)
{
	const struct medfw_sbom_component *c = f->component;
	const char *version = c->version != NULL ? c->version : "";
	size_t name_len = strlen(c->name);
	enum medfw_err err;

	if (name_len > MEDFW_STORE_VULN_NAME_MAX)
		name_len = MEDFW_STORE_VULN_NAME_MAX;
	h->ref_len = (uint32_t)strlen(c->ref);
	h->name_len = (uint32_t)name_len;
	h->version_len = (uint32_t)strlen(version);
	h->reason_len = (uint32_t)strlen(reason);
	err = spill_write(ev, h, sizeof(*h), diag);
	if (err == MEDFW_OK)
		err = spill_write(ev, c->ref, h->ref_len, diag);
	if (err == MEDFW_OK)
		err = spill_write(ev, c->name, h->name_len, diag);
	if (err == MEDFW_OK)
		err = spill_write(ev, version, h->version_len, diag);
	if (err == MEDFW_OK)
		err = spill_write(ev, reason, h->reason_len, diag);
	if (err == MEDFW_OK)
		err = spill_write(ev, z, h->z_len, diag);
	return err;
}

/* One finding of a release's match: compared with the stored one; kept as a row when it
 * must be written or its fixed_by may move. */
static enum medfw_err add_row(struct eval *ev, size_t rel, const struct medfw_finding *f,
			      struct medfw_diag *diag)
{
	const struct medfw_sbom_component *c = f->component;
	struct ex_finding *e = NULL;
	struct spill_head h;
	struct row *r;
	char reason[MEDFW_STORE_VULN_EVENT_DETAIL_MAX + 1] = "";
	char *key;
	uint8_t *z = NULL;
	size_t pos, zlen = 0;
	int64_t vuln;
	int added = 0, changed, open;
	enum medfw_store_finding_status status;
	enum medfw_err err;

	if (strlen(f->vuln_id) > MEDFW_STORE_VULN_ID_MAX) { /* an id no stored row can hold */
		ev->st->record_problems++;
		return MEDFW_OK;
	}
	key = join_key(c->ref, f->vuln_id);
	if (key == NULL || !grow((void **)&ev->seen, &ev->cap_seen, ev->n_seen, sizeof(*ev->seen))) {
		free(key);
		return nomem(diag);
	}
	if (medfwi_strmap_put(&ev->seen_index, key, ev->n_seen, &pos, &added) != MEDFW_OK) {
		free(key);
		return nomem(diag);
	}
	if (!added) { /* the same (component, vulnerability) twice: the first counts */
		free(key);
		return MEDFW_OK;
	}
	ev->seen[ev->n_seen++] = key;
	err = finding_text(f, &ev->text, diag);
	if (err != MEDFW_OK)
		return err;
	memset(&h, 0, sizeof(h));
	sha256_hex(ev->text.data, ev->text.len, h.digest);
	if (medfwi_strmap_get(&ev->ex_index, key, &pos)) {
		e = &ev->ex[pos];
		e->seen = 1;
	}
	status = status_of(f->status);
	changed = e == NULL || strcmp(e->digest, h.digest) != 0;
	open = medfw_store_finding_status_open(status);
	vuln = intern_vuln(ev, f->vuln_id);
	if (vuln < 0 || (open && rel_add_open(&ev->rel[rel], (uint32_t)vuln) != MEDFW_OK))
		return nomem(diag);
	if (!changed && !open && e->fixed_by == FB_NONE)
		return MEDFW_OK; /* nothing to write, and a closed finding has no fixed_by */
	if (!grow((void **)&ev->rows, &ev->cap_rows, ev->n_rows, sizeof(*ev->rows)))
		return nomem(diag);
	r = &ev->rows[ev->n_rows++];
	memset(r, 0, sizeof(*r));
	r->ex_id = e != NULL ? e->id : 0;
	r->rel = (uint32_t)rel;
	r->vuln = (uint32_t)vuln;
	r->stored_fixed_by = e != NULL ? e->fixed_by : FB_NONE;
	r->fixed_by = FB_NONE;
	r->status = (uint8_t)status;
	r->ex_status = e != NULL ? (uint8_t)e->status : 0;
	r->spilled = (uint8_t)changed;
	if (!changed)
		return MEDFW_OK;
	if (ev->text.len > UINT32_MAX)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "%s: finding %s: JSON too large",
				      EVAL_WHAT, f->vuln_id);
	err = zpack(ev->cctx, ev->text.data, ev->text.len, &z, &zlen, diag);
	if (err != MEDFW_OK)
		return err;
	if (e == NULL || e->status != status)
		reason_of(f, reason, sizeof(reason));
	h.z_len = (uint32_t)zlen;
	h.text_len = (uint32_t)ev->text.len;
	h.score = f->severity.score_tenths;
	h.severity = (uint8_t)medfw_store_severity_of_score(h.score);
	h.kev = f->kev.listed ? 1 : 0;
	h.vex_applied = f->vex != NULL ? 1 : 0;
	h.priority = (int64_t)f->priority;
	copy_cut(h.kev_added, sizeof(h.kev_added), f->kev.date_added);
	copy_cut(h.kev_due, sizeof(h.kev_due), f->kev.due_date);
	err = spill_row(ev, f, &h, reason, z, diag);
	free(z);
	return err;
}

static enum medfw_err match_release(struct medfw_store *tx, struct eval *ev, size_t rel,
				    struct medfw_diag *diag)
{
	struct medfw_sbom *sbom = NULL;
	struct medfw_match_result *res = NULL;
	const struct medfw_vex_doc **docs = NULL;
	struct medfw_match_sbom one;
	struct medfwi_q q;
	char *export = NULL;
	size_t n = 0, i, len = 0;
	int row = 0;
	enum medfw_err err;

	err = load_existing(tx, ev, ev->rel[rel].target, diag);
	if (err == MEDFW_OK) {
		if (medfwi_q_begin(&q, tx, EVAL_WHAT, SQL_EVAL_EXPORT, diag) == MEDFW_OK) {
			medfwi_q_text(&q, ev->rel[rel].target);
			if (medfwi_q_step(&q, &row) == MEDFW_OK && row)
				err = col_unpack(ev->dctx, &q, 0, 1, MEDFW_SBOM_MAX_BYTES,
						 "SBOM export", &export, &len, diag);
		}
		if (medfwi_q_end(&q) != MEDFW_OK && err == MEDFW_OK)
			err = q.err;
		if (err == MEDFW_OK && export == NULL)
			err = medfw_diag_set(diag, MEDFW_ERR_STATE, "%s: the SBOM of %s went away",
					     EVAL_WHAT, ev->rel[rel].target);
	}
	/* it was exported by this code: a failure is damaged storage or a bug */
	if (err == MEDFW_OK)
		err = medfw_sbom_parse((const uint8_t *)export, len, NULL, &sbom, diag);
	free(export);
	if (err == MEDFW_OK) {
		docs = malloc((ev->n_vex > 0 ? ev->n_vex : 1) * sizeof(*docs));
		if (docs == NULL)
			err = nomem(diag);
	}
	for (i = 0; err == MEDFW_OK && i < ev->n_vex; i++)
		if (ev->vex[i].target[0] == '\0' || strcmp(ev->vex[i].target, ev->rel[rel].target) == 0)
			docs[n++] = ev->vex[i].doc;
	one.sbom = sbom;
	one.source = ev->rel[rel].target;
	if (err == MEDFW_OK)
		err = medfw_vuln_match(ev->index, &one, 1, docs, n, &res, diag);
	for (i = 0; err == MEDFW_OK && i < res->finding_count; i++)
		err = add_row(ev, rel, &res->findings[i], diag);
	if (err == MEDFW_OK) {
		ev->st->components += res->components;
		ev->st->evaluations += res->evaluations;
		ev->st->findings += res->finding_count;
	}
	for (i = 0; err == MEDFW_OK && i < ev->n_ex; i++)
		if (!ev->ex[i].seen && ev->ex[i].status != MEDFW_STORE_FINDING_UNMATCHED)
			err = add_gone(ev, ev->ex[i].id, ev->ex[i].status, diag);
	release_done(ev);
	medfw_match_result_free(res);
	free(docs);
	medfw_sbom_free(sbom);
	return err;
}

static enum medfw_err record_count(struct medfw_store *tx, struct eval *ev,
				   struct medfw_diag *diag)
{
	struct medfwi_q q;
	int row = 0;

	if (medfwi_q_begin(&q, tx, EVAL_WHAT, SQL_EVAL_RECORD_COUNT, diag) == MEDFW_OK &&
	    medfwi_q_step(&q, &row) == MEDFW_OK && row)
		ev->st->records = (size_t)medfwi_q_col_int(&q, 0);
	return medfwi_q_end(&q);
}

static enum medfw_err read_fn(struct medfw_store *tx, void *arg, struct medfw_diag *diag)
{
	struct eval *ev = arg;
	int64_t g[3] = {0, 0, 0};
	int64_t t0 = ms_now();
	enum medfw_err err;

	if (ev->read_started)
		return medfw_diag_set(diag, MEDFW_ERR_STATE, "%s: the snapshot was interrupted",
				      EVAL_WHAT);
	ev->read_started = 1;
	err = generation_fn(tx, g, diag);
	ev->generation = g[0];
	ev->evaluations = g[2];
	if (err == MEDFW_OK)
		err = load_releases(tx, ev, diag);
	/* without a release nothing is matched: the records need not be read */
	if (err == MEDFW_OK && ev->n_rel == 0)
		err = record_count(tx, ev, diag);
	else if (err == MEDFW_OK)
		err = load_records(tx, ev, diag);
	if (err == MEDFW_OK && ev->n_rel > 0)
		err = load_vex(tx, ev, diag);
	if (err == MEDFW_OK)
		err = load_left_over(tx, ev, diag);
	if (err == MEDFW_OK)
		err = map_load(tx, ev->dctx, &ev->map, diag);
	ev->st->ms_load += ms_now() - t0;
	if (err == MEDFW_OK && ev->n_rel > 0) {
		t0 = ms_now();
		err = medfw_vuln_index_new(ev->feeds, ev->map, &ev->index, diag);
		ev->st->ms_index += ms_now() - t0;
	}
	if (err == MEDFW_OK && ev->map != NULL) {
		ev->st->product_map_entries = ev->map->entry_count;
		ev->st->product_map_problems =
			ev->index != NULL ? medfw_vuln_index_problem_count(ev->index) : 0;
	}
	t0 = ms_now();
	for (size_t i = 0; err == MEDFW_OK && i < ev->n_rel; i++)
		err = match_release(tx, ev, i, diag);
	ev->st->ms_match += ms_now() - t0;
	return err;
}

/* ---- phase B: fixed_by */

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* A release's place in the model order: releases of one model by release date, then
 * security version, then target name. */
struct rel_key {
	const struct rel *r;
	size_t index;
};

static int cmp_rel(const void *a, const void *b)
{
	const struct rel *x = ((const struct rel_key *)a)->r;
	const struct rel *y = ((const struct rel_key *)b)->r;
	int c = strcmp(x->model, y->model);

	if (c == 0)
		c = strcmp(x->date, y->date);
	if (c == 0)
		c = x->secver < y->secver ? -1 : x->secver > y->secver;
	if (c == 0)
		c = strcmp(x->target, y->target);
	return c;
}

static int has_open(const struct rel *r, uint32_t vuln)
{
	return r->n_open > 0 &&
	       bsearch(&vuln, r->open, r->n_open, sizeof(*r->open), cmp_u32) != NULL;
}

static enum medfw_err fixed_by_all(struct eval *ev, struct medfw_diag *diag)
{
	struct rel_key *keys;
	size_t i, k;

	for (i = 0; i < ev->n_rel; i++) {
		struct rel *r = &ev->rel[i];
		size_t n = 0;

		if (r->n_open > 1)
			qsort(r->open, r->n_open, sizeof(*r->open), cmp_u32);
		for (k = 0; k < r->n_open; k++) /* unique */
			if (n == 0 || r->open[n - 1] != r->open[k])
				r->open[n++] = r->open[k];
		r->n_open = n;
	}
	keys = malloc((ev->n_rel > 0 ? ev->n_rel : 1) * sizeof(*keys));
	ev->order = malloc((ev->n_rel > 0 ? ev->n_rel : 1) * sizeof(*ev->order));
	if (keys == NULL || ev->order == NULL) {
		free(keys);
		return nomem(diag);
	}
	for (i = 0; i < ev->n_rel; i++) {
		keys[i].r = &ev->rel[i];
		keys[i].index = i;
	}
	qsort(keys, ev->n_rel, sizeof(*keys), cmp_rel);
	for (i = 0; i < ev->n_rel; i++) {
		ev->order[i] = keys[i].index;
		ev->rel[keys[i].index].pos = i;
	}
	free(keys);
	for (i = 0; i < ev->n_rows; i++) {
		struct row *r = &ev->rows[i];
		const struct rel *from = &ev->rel[r->rel];

		if (!medfw_store_finding_status_open((enum medfw_store_finding_status)r->status))
			continue;
		for (k = from->pos + 1; k < ev->n_rel; k++) {
			const struct rel *later = &ev->rel[ev->order[k]];

			if (strcmp(later->model, from->model) != 0)
				break;
			if (!has_open(later, r->vuln)) {
				r->fixed_by = (int32_t)ev->order[k];
				break;
			}
		}
	}
	return MEDFW_OK;
}

/* ---- phase C: write what changed */

static void event_detail(const struct eval *ev, const char *reason, char *out, size_t cap)
{
	cut_printf(out, cap, "%s%s%s", ev->detail != NULL ? ev->detail : "",
		 ev->detail != NULL && ev->detail[0] != '\0' && reason != NULL ? ": " : "",
		 reason != NULL ? reason : "");
}

/* The next spilled payload: its head, and its bytes in ev->scratch (ref, name, version,
 * reason and z, each followed by a NUL). */
struct payload {
	struct spill_head h;
	const char *ref, *name, *version, *reason;
	const uint8_t *z;
};

static enum medfw_err spill_read(struct eval *ev, struct payload *p, struct medfw_diag *diag)
{
	size_t lens[5], total = 0, i;
	char *at;

	if (fread(&p->h, sizeof(p->h), 1, ev->spill) != 1)
		return medfw_diag_set(diag, MEDFW_ERR_IO,
				      "%s: cannot read the temporary file of findings to write",
				      EVAL_WHAT);
	lens[0] = p->h.ref_len;
	lens[1] = p->h.name_len;
	lens[2] = p->h.version_len;
	lens[3] = p->h.reason_len;
	lens[4] = p->h.z_len;
	for (i = 0; i < 5; i++)
		total += lens[i] + 1;
	if (total > 2u * FINDING_DETAIL_MAX)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "%s: a finding to write is too large",
				      EVAL_WHAT);
	if (total > ev->scratch_cap) {
		char *bigger = realloc(ev->scratch, total);

		if (bigger == NULL)
			return nomem(diag);
		ev->scratch = bigger;
		ev->scratch_cap = total;
	}
	at = ev->scratch;
	for (i = 0; i < 5; i++) {
		if (lens[i] > 0 && fread(at, 1, lens[i], ev->spill) != lens[i])
			return medfw_diag_set(diag, MEDFW_ERR_IO,
					      "%s: cannot read the temporary file of findings to "
					      "write",
					      EVAL_WHAT);
		at[lens[i]] = '\0';
		at += lens[i] + 1;
	}
	at = ev->scratch;
	p->ref = at;
	at += lens[0] + 1;
	p->name = at;
	at += lens[1] + 1;
	p->version = at;
	at += lens[2] + 1;
	p->reason = at;
	at += lens[3] + 1;
	p->z = (const uint8_t *)at;
	return MEDFW_OK;
}

static const char *target_of(const struct eval *ev, int32_t fixed_by)
{
	return fixed_by >= 0 ? ev->rel[fixed_by].target : "";
}

static enum medfw_err write_row(struct medfw_store *tx, struct eval *ev, const struct row *r,
				int64_t now, struct medfw_diag *diag)
{
	const struct rel *rel = &ev->rel[r->rel];
	const char *fixed_by = target_of(ev, r->fixed_by);
	enum medfw_store_finding_status status = (enum medfw_store_finding_status)r->status;
	const char *status_name = medfw_store_finding_status_name(status);
	char detail[MEDFW_STORE_VULN_EVENT_DETAIL_MAX + 1];
	struct payload p;
	struct medfwi_q q;
	int64_t id = r->ex_id;
	int changed_status = r->ex_id == 0 || r->ex_status != r->status;
	int row = 0;
	enum medfw_err err;

	if (!r->spilled) { /* same content: fixed_by only, when it moved */
		if (r->stored_fixed_by == r->fixed_by)
			return MEDFW_OK;
		if (medfwi_q_begin(&q, tx, FINDING_WHAT, SQL_FINDING_FIXED_BY, diag) == MEDFW_OK) {
			medfwi_q_text(&q, fixed_by);
			medfwi_q_int(&q, id);
			medfwi_q_exec(&q, NULL);
		}
		return medfwi_q_end(&q);
	}
	err = spill_read(ev, &p, diag);
	if (err != MEDFW_OK)
		return err;
	if (medfwi_q_begin(&q, tx, FINDING_WHAT, r->ex_id == 0 ? SQL_FINDING_INSERT : SQL_FINDING_UPDATE,
			   diag) == MEDFW_OK) {
		if (r->ex_id == 0) {
			medfwi_q_text(&q, rel->target);
			medfwi_q_text(&q, p.ref);
			medfwi_q_text(&q, ev->vulns[r->vuln]);
		}
		medfwi_q_text(&q, p.name);
		medfwi_q_text(&q, p.version);
		medfwi_q_text(&q, status_name);
		medfwi_q_text(&q, medfw_store_severity_name((enum medfw_store_severity)p.h.severity));
		q_score(&q, p.h.score);
		medfwi_q_int(&q, p.h.kev);
		medfwi_q_text(&q, p.h.kev_added);
		medfwi_q_text(&q, p.h.kev_due);
		medfwi_q_int(&q, p.h.priority);
		medfwi_q_int(&q, p.h.vex_applied);
		medfwi_q_text(&q, fixed_by);
		medfwi_q_text(&q, p.h.digest);
		medfwi_q_blob(&q, p.z, p.h.z_len);
		medfwi_q_int(&q, (int64_t)p.h.text_len);
		if (r->ex_id == 0) {
			medfwi_q_int(&q, now);
			medfwi_q_int(&q, now);
		} else {
			medfwi_q_int(&q, changed_status);
			medfwi_q_int(&q, now);
			medfwi_q_int(&q, id);
		}
		if (medfwi_q_step(&q, &row) == MEDFW_OK && row && r->ex_id == 0)
			id = medfwi_q_col_int(&q, 0);
		while (q.err == MEDFW_OK && row)
			medfwi_q_step(&q, &row);
	}
	err = medfwi_q_end(&q);
	if (err != MEDFW_OK)
		return err;
	if (r->ex_id == 0)
		ev->st->inserted++;
	else
		ev->st->updated++;
	if (!changed_status)
		return MEDFW_OK;
	ev->st->status_changes++;
	event_detail(ev, p.reason, detail, sizeof(detail));
	return history_add(tx, id, 0, now,
			   r->ex_id != 0 ? medfw_store_finding_status_name(
						   (enum medfw_store_finding_status)r->ex_status)
					 : "",
			   status_name, ev->cause, detail, diag);
}

static enum medfw_err write_fn(struct medfw_store *tx, void *arg, struct medfw_diag *diag)
{
	struct eval *ev = arg;
	int64_t now = medfwi_now(tx), changes = 0;
	int64_t done[4] = {ev->generation, now, ev->generation, ev->evaluations};
	char detail[MEDFW_STORE_VULN_EVENT_DETAIL_MAX + 1];
	enum medfw_err err;

	ev->st->inserted = ev->st->updated = ev->st->status_changes = ev->st->unmatched = 0;
	err = exec_ints(tx, EVAL_WHAT, SQL_EVAL_DONE, done, 4, &changes, diag);
	if (err == MEDFW_OK && changes != 1)
		return medfw_diag_set(diag, MEDFW_ERR_STATE,
				      "%s: the records, SBOMs or VEX changed, or another evaluation "
				      "was written, while matching",
				      EVAL_WHAT);
	/* a retried transaction reads the payloads again from the start */
	if (err == MEDFW_OK && (fflush(ev->spill) != 0 || fseek(ev->spill, 0, SEEK_SET) != 0))
		err = medfw_diag_set(diag, MEDFW_ERR_IO,
				     "%s: cannot rewind the temporary file of findings to write",
				     EVAL_WHAT);
	for (size_t i = 0; err == MEDFW_OK && i < ev->n_rows; i++)
		err = write_row(tx, ev, &ev->rows[i], now, diag);
	for (size_t i = 0; err == MEDFW_OK && i < ev->n_gone; i++) {
		const struct gone *g = &ev->gone[i];
		int64_t v[2] = {now, g->id};

		err = exec_ints(tx, FINDING_WHAT, SQL_FINDING_UNMATCH, v, 2, NULL, diag);
		event_detail(ev, "no record or VEX statement produces this finding any more",
			     detail, sizeof(detail));
		if (err == MEDFW_OK)
			err = history_add(tx, g->id, 0, now, medfw_store_finding_status_name(g->status),
					  "unmatched", ev->cause, detail, diag);
		ev->st->unmatched++;
		ev->st->status_changes++;
	}
	return err;
}

enum medfw_err medfw_store_vuln_reevaluate(struct medfw_store *store,
					   enum medfw_store_vuln_cause cause, const char *detail,
					   struct medfw_store_vuln_eval_stats *stats,
					   struct medfw_diag *diag)
{
	struct medfw_store_vuln_eval_stats local;
	struct eval ev;
	enum medfw_err err = MEDFW_ERR_STATE;
	int64_t t0;

	if (stats == NULL)
		stats = &local;
	memset(stats, 0, sizeof(*stats));
	if (store == NULL || medfw_store_vuln_cause_name(cause) == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "%s: bad arguments", EVAL_WHAT);
	for (unsigned attempt = 1; attempt <= MEDFW_STORE_VULN_EVAL_ATTEMPTS; attempt++) {
		memset(stats, 0, sizeof(*stats));
		stats->attempts = attempt;
		memset(&ev, 0, sizeof(ev));
		ev.cause = cause;
		ev.detail = detail;
		ev.st = stats;
		medfwi_strmap_init(&ev.ex_index);
		medfwi_strmap_init(&ev.seen_index);
		medfwi_strmap_init(&ev.rel_index);
		medfwi_strmap_init(&ev.vuln_index);
		medfw_buf_init(&ev.text, FINDING_DETAIL_MAX);
		ev.feeds = medfw_feed_set_new();
		ev.cctx = ZSTD_createCCtx();
		ev.dctx = ZSTD_createDCtx();
		ev.spill = tmpfile();
		err = ev.feeds == NULL || ev.cctx == NULL || ev.dctx == NULL ? nomem(diag) : MEDFW_OK;
		if (err == MEDFW_OK && ev.spill == NULL)
			err = medfw_diag_set(diag, MEDFW_ERR_IO,
					     "%s: cannot create a temporary file for the findings to "
					     "write",
					     EVAL_WHAT);
		if (err == MEDFW_OK)
			err = medfwi_run(store, MEDFWI_TX_READ, read_fn, &ev, diag);
		inputs_free(&ev); /* the write needs neither the records nor the index */
		if (err == MEDFW_OK)
			err = fixed_by_all(&ev, diag);
		t0 = ms_now();
		if (err == MEDFW_OK)
			err = medfwi_run(store, MEDFWI_TX_WRITE, write_fn, &ev, diag);
		stats->ms_write = ms_now() - t0;
		stats->generation = ev.generation;
		eval_free(&ev);
		if (err != MEDFW_ERR_STATE)
			break;
	}
	if (err != MEDFW_OK)
		return err;
	t0 = ms_now();
	err = medfw_store_vuln_exposures_refresh(store, cause, detail, &stats->exposures_opened,
						 &stats->exposures_closed, diag);
	stats->ms_exposures = ms_now() - t0;
	return err;
}

/* ================================================================== SLA policies */

#define SLA_WHAT "SLA policy"

static const char SQL_SLA_SITE[] = "SELECT 1 FROM sites WHERE id = ? AND (? OR id = ?)";
static const char SQL_SLA_GET[] =
	"SELECT critical_days, high_days, medium_days, low_days, kev_days, updated_by, updated_at"
	" FROM sla_policies WHERE site_id = ?";
static const char SQL_SLA_ALL[] =
	"SELECT site_id, critical_days, high_days, medium_days, low_days, kev_days, updated_by,"
	" updated_at FROM sla_policies";
static const char SQL_SLA_PUT[] =
	"INSERT INTO sla_policies (site_id, critical_days, high_days, medium_days, low_days,"
	" kev_days, updated_by, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
	" ON CONFLICT (site_id) DO UPDATE SET critical_days = excluded.critical_days,"
	" high_days = excluded.high_days, medium_days = excluded.medium_days,"
	" low_days = excluded.low_days, kev_days = excluded.kev_days,"
	" updated_by = excluded.updated_by, updated_at = excluded.updated_at";
static const char SQL_EXPOSURE_OPEN_OF_SITE[] =
	"SELECT id, severity, kev, kev_due_date, first_seen, due_at FROM site_exposures"
	" WHERE site_id = ? AND closed_at IS NULL";
static const char SQL_EXPOSURE_DUE[] = "UPDATE site_exposures SET due_at = ? WHERE id = ?";

static void sla_defaults(int64_t site_id, struct medfw_store_sla_policy *p)
{
	memset(p, 0, sizeof(*p));
	p->site_id = site_id;
	p->critical_days = MEDFW_STORE_SLA_DEFAULT_CRITICAL;
	p->high_days = MEDFW_STORE_SLA_DEFAULT_HIGH;
	p->medium_days = MEDFW_STORE_SLA_DEFAULT_MEDIUM;
	p->low_days = MEDFW_STORE_SLA_DEFAULT_LOW;
	p->kev_days = MEDFW_STORE_SLA_DEFAULT_KEV;
	p->is_default = 1;
}

int64_t medfw_store_sla_days(const struct medfw_store_sla_policy *policy,
			     enum medfw_store_severity severity, int kev)
{
	int64_t days;

	switch (severity) {
	case MEDFW_STORE_SEVERITY_CRITICAL: days = policy->critical_days; break;
	case MEDFW_STORE_SEVERITY_MEDIUM: days = policy->medium_days; break;
	case MEDFW_STORE_SEVERITY_LOW: days = policy->low_days; break;
	case MEDFW_STORE_SEVERITY_HIGH:
	case MEDFW_STORE_SEVERITY_NONE:
	default: days = policy->high_days; break;
	}
	if (kev && policy->kev_days < days)
		days = policy->kev_days;
	return days;
}

/* When an exposure is due: first_seen + the policy's days; KEV-listed: or the end (UTC)
 * of the catalog's due date, whichever comes first. */
static int64_t due_of(const struct medfw_store_sla_policy *p, enum medfw_store_severity sev,
		      int kev, const char *kev_due, int64_t first_seen)
{
	int64_t due = first_seen + medfw_store_sla_days(p, sev, kev) * DAY, t = 0;
	char buf[32];

	if (kev && kev_due[0] != '\0' && strlen(kev_due) == 10) {
		snprintf(buf, sizeof(buf), "%sT23:59:59Z", kev_due);
		if (medfw_parse_utc_time(buf, &t) == MEDFW_OK && t < due)
			due = t;
	}
	return due;
}

static enum medfw_err site_in_scope(struct medfw_store *tx, struct medfw_store_scope scope,
				    int64_t site_id, struct medfw_diag *diag)
{
	struct medfwi_q q;
	int row = 0;
	enum medfw_err err;

	if (medfwi_q_begin(&q, tx, SLA_WHAT, SQL_SLA_SITE, diag) == MEDFW_OK) {
		medfwi_q_int(&q, site_id);
		medfwi_q_scope(&q, scope);
		medfwi_q_step(&q, &row);
	}
	err = medfwi_q_end(&q);
	if (err == MEDFW_OK && !row)
		err = medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND, "%s: no site with id %lld", SLA_WHAT,
				     (long long)site_id);
	return err;
}

static void sla_row(struct medfwi_q *q, int first, struct medfw_store_sla_policy *p)
{
	p->critical_days = medfwi_q_col_int(q, first);
	p->high_days = medfwi_q_col_int(q, first + 1);
	p->medium_days = medfwi_q_col_int(q, first + 2);
	p->low_days = medfwi_q_col_int(q, first + 3);
	p->kev_days = medfwi_q_col_int(q, first + 4);
	p->updated_by = medfwi_q_col_int(q, first + 5);
	p->updated_at = medfwi_q_col_int(q, first + 6);
	p->is_default = 0;
}

struct sla_arg {
	struct medfw_store_scope scope;
	struct medfw_store_sla_policy *p;
};

static enum medfw_err sla_read(struct medfw_store *tx, int64_t site_id,
			       struct medfw_store_sla_policy *p, struct medfw_diag *diag)
{
	struct medfwi_q q;
	int row = 0;

	sla_defaults(site_id, p);
	if (medfwi_q_begin(&q, tx, SLA_WHAT, SQL_SLA_GET, diag) == MEDFW_OK) {
		medfwi_q_int(&q, site_id);
		if (medfwi_q_step(&q, &row) == MEDFW_OK && row)
			sla_row(&q, 0, p);
	}
	return medfwi_q_end(&q);
}

static enum medfw_err sla_get_fn(struct medfw_store *tx, void *arg, struct medfw_diag *diag)
{
	struct sla_arg *a = arg;
	enum medfw_err err = site_in_scope(tx, a->scope, a->p->site_id, diag);

	return err == MEDFW_OK ? sla_read(tx, a->p->site_id, a->p, diag) : err;
}

enum medfw_err medfw_store_sla_policy_get(struct medfw_store *store,
					  struct medfw_store_scope scope, int64_t site_id,
					  struct medfw_store_sla_policy *out,
					  struct medfw_diag *diag)
{
	struct sla_arg a = {scope, out};
	enum medfw_err err;

	memset(out, 0, sizeof(*out));
	err = medfwi_check_scope(scope, diag);
	if (err != MEDFW_OK)
		return err;
	out->site_id = site_id;
	err = medfwi_run(store, MEDFWI_TX_READ, sla_get_fn, &a, diag);
	if (err != MEDFW_OK)
		memset(out, 0, sizeof(*out));
	return err;
}

static enum medfw_err sla_put_fn(struct medfw_store *tx, void *arg, struct medfw_diag *diag)
{
	struct sla_arg *a = arg;
	struct medfw_store_sla_policy *p = a->p;
	struct medfwi_q q;
	struct {
		int64_t id, due;
	} *upd = NULL;
	size_t n = 0, cap = 0;
	int row = 0;
	enum medfw_err err = site_in_scope(tx, a->scope, p->site_id, diag);

	p->updated_at = medfwi_now(tx);
	if (err == MEDFW_OK && medfwi_q_begin(&q, tx, SLA_WHAT, SQL_SLA_PUT, diag) == MEDFW_OK) {
		medfwi_q_int(&q, p->site_id);
		medfwi_q_int(&q, p->critical_days);
		medfwi_q_int(&q, p->high_days);
		medfwi_q_int(&q, p->medium_days);
		medfwi_q_int(&q, p->low_days);
		medfwi_q_int(&q, p->kev_days);
		medfwi_q_int0(&q, p->updated_by);
		medfwi_q_int(&q, p->updated_at);
		medfwi_q_exec(&q, NULL);
	}
	if (err == MEDFW_OK)
		err = medfwi_q_end(&q);
	/* the due dates of the site's open exposures follow the new policy */
	if (err == MEDFW_OK &&
	    medfwi_q_begin(&q, tx, SLA_WHAT, SQL_EXPOSURE_OPEN_OF_SITE, diag) == MEDFW_OK) {
		medfwi_q_int(&q, p->site_id);
		while (err == MEDFW_OK && medfwi_q_step(&q, &row) == MEDFW_OK && row) {
			char sev[16], kev_due[11];
			int64_t due;

			medfwi_q_col_text(&q, 1, sev, sizeof(sev));
			medfwi_q_col_text(&q, 3, kev_due, sizeof(kev_due));
			due = due_of(p,
				     (enum medfw_store_severity)name_index(
					     severity_names, MEDFW_STORE_SEVERITY_COUNT, sev),
				     (int)medfwi_q_col_int(&q, 2), kev_due, medfwi_q_col_int(&q, 4));
			if (due == medfwi_q_col_int(&q, 5))
				continue;
			if (!grow((void **)&upd, &cap, n, sizeof(*upd))) {
				err = nomem(diag);
				break;
			}
			upd[n].id = medfwi_q_col_int(&q, 0);
			upd[n].due = due;
			n++;
		}
	}
	if (err == MEDFW_OK && medfwi_q_end(&q) != MEDFW_OK)
		err = q.err;
	for (size_t i = 0; err == MEDFW_OK && i < n; i++) {
		int64_t v[2] = {upd[i].due, upd[i].id};

		err = exec_ints(tx, SLA_WHAT, SQL_EXPOSURE_DUE, v, 2, NULL, diag);
	}
	free(upd);
	return err;
}

enum medfw_err medfw_store_sla_policy_put(struct medfw_store *store,
					  struct medfw_store_scope scope,
					  struct medfw_store_sla_policy *policy,
					  struct medfw_diag *diag)
{
	struct sla_arg a = {scope, policy};
	const struct {
		const char *name;
		int64_t v;
	} days[] = {{"critical_days", policy->critical_days}, {"high_days", policy->high_days},
		    {"medium_days", policy->medium_days},     {"low_days", policy->low_days},
		    {"kev_days", policy->kev_days}};
	enum medfw_err err = medfwi_check_scope(scope, diag);

	if (err != MEDFW_OK)
		return err;
	for (size_t i = 0; i < sizeof(days) / sizeof(days[0]); i++)
		if (days[i].v < 1 || days[i].v > MEDFW_STORE_SLA_DAYS_MAX)
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					      "%s: %s: %lld is not 1 to %d days", SLA_WHAT,
					      days[i].name, (long long)days[i].v,
					      MEDFW_STORE_SLA_DAYS_MAX);
	policy->is_default = 0;
	return medfwi_run(store, MEDFWI_TX_WRITE, sla_put_fn, &a, diag);
}

/* ================================================================== exposures */

#define EXPOSURE_WHAT "exposure"
#define EXPOSURE_COLS                                                                   \
	"id, site_id, vuln_id, severity, score, kev, kev_due_date, devices, fixed_by,"   \
	" first_seen, due_at, closed_at"
/* Devices per (site, release), the open vulnerabilities per release, joined: each
 * site's exposure to each vulnerability with the devices that carry it. */
static const char SQL_EXPOSED_NOW[] =
	"WITH dr AS (SELECT d.site_id AS site_id, r.target_name AS target_name, COUNT(*) AS n"
	"  FROM devices d JOIN release_sboms r ON r.target_sha256 = lower(d.image_sha256)"
	"  WHERE d.enrolment_state = 'enrolled' GROUP BY d.site_id, r.target_name),"
	" fv AS (SELECT target_name, vuln_id, MAX(score) AS score, MAX(kev) AS kev,"
	"  MIN(NULLIF(kev_due_date, '')) AS kev_due, MAX(NULLIF(fixed_by, '')) AS fixed_by"
	"  FROM findings WHERE status IN " OPEN_STATUSES " GROUP BY target_name, vuln_id)"
	" SELECT dr.site_id, fv.vuln_id, MAX(fv.score), MAX(fv.kev), MIN(fv.kev_due), SUM(dr.n),"
	"  MAX(fv.fixed_by) FROM dr JOIN fv ON fv.target_name = dr.target_name"
	" GROUP BY dr.site_id, fv.vuln_id";
static const char SQL_EXPOSURES_ALL[] = "SELECT " EXPOSURE_COLS " FROM site_exposures";
static const char SQL_EXPOSURE_INSERT[] =
	"INSERT INTO site_exposures (site_id, vuln_id, severity, score, kev, kev_due_date, devices,"
	" fixed_by, first_seen, due_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id";
static const char SQL_EXPOSURE_UPDATE[] =
	"UPDATE site_exposures SET severity = ?, score = ?, kev = ?, kev_due_date = ?, devices = ?,"
	" fixed_by = ?, due_at = ?, closed_at = NULL WHERE id = ?";
static const char SQL_EXPOSURE_CLOSE[] =
	"UPDATE site_exposures SET devices = 0, closed_at = ? WHERE id = ?";
static const char SQL_EXPOSURE_LIST[] =
	"SELECT " EXPOSURE_COLS " FROM site_exposures WHERE (? OR site_id = ?)"
	" AND (? = 0 OR site_id = ?) AND (? = 0 OR closed_at IS NULL) AND (? = '' OR vuln_id = ?)"
	" ORDER BY site_id, closed_at IS NOT NULL, due_at, id LIMIT ? OFFSET ?";
static const char SQL_EXPOSURE_COUNT[] =
	"SELECT COUNT(*) FROM site_exposures WHERE (? OR site_id = ?)"
	" AND (? = 0 OR site_id = ?) AND (? = 0 OR closed_at IS NULL) AND (? = '' OR vuln_id = ?)";

struct xrow {
	int64_t id; /* 0: new */
	int64_t site_id;
	char *vuln;
	enum medfw_store_severity severity;
	int score, kev;
	char kev_due[11];
	int64_t devices;
	char *fixed_by;
	int64_t first_seen, due_at, closed_at;
	int matched; /* existing: exposed now */
};

struct xset {
	struct xrow *v;
	size_t n, cap;
};

static void xset_free(struct xset *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->v[i].vuln);
		free(s->v[i].fixed_by);
	}
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static int cmp_xrow(const void *a, const void *b)
{
	const struct xrow *x = a, *y = b;

	if (x->site_id != y->site_id)
		return x->site_id < y->site_id ? -1 : 1;
	return strcmp(x->vuln, y->vuln);
}

static void exposure_row(struct medfwi_q *q, struct medfw_store_exposure *e)
{
	char sev[16];

	e->id = medfwi_q_col_int(q, 0);
	e->site_id = medfwi_q_col_int(q, 1);
	medfwi_q_col_text(q, 2, e->vuln_id, sizeof(e->vuln_id));
	medfwi_q_col_text(q, 3, sev, sizeof(sev));
	e->severity = (enum medfw_store_severity)name_index(severity_names,
							    MEDFW_STORE_SEVERITY_COUNT, sev);
	e->score_tenths = col_score(q, 4);
	e->kev = (int)medfwi_q_col_int(q, 5);
	medfwi_q_col_text(q, 6, e->kev_due_date, sizeof(e->kev_due_date));
	e->devices = medfwi_q_col_int(q, 7);
	medfwi_q_col_text(q, 8, e->fixed_by, sizeof(e->fixed_by));
	e->first_seen = medfwi_q_col_int(q, 9);
	e->due_at = medfwi_q_col_int(q, 10);
	e->closed_at = medfwi_q_col_int(q, 11);
}

static enum medfw_err xset_load(struct medfw_store *tx, const char *sql, int computed,
				struct xset *s, struct medfw_diag *diag)
{
	struct medfwi_q q;
	int row = 0;
	enum medfw_err err = MEDFW_OK;
	struct medfw_store_exposure *e = malloc(sizeof(*e));

	if (e == NULL)
		return nomem(diag);
	if (medfwi_q_begin(&q, tx, EXPOSURE_WHAT, sql, diag) == MEDFW_OK) {
		while (err == MEDFW_OK && medfwi_q_step(&q, &row) == MEDFW_OK && row) {
			struct xrow *x;

			if (!grow((void **)&s->v, &s->cap, s->n, sizeof(*s->v))) {
				err = nomem(diag);
				break;
			}
			x = &s->v[s->n++];
			memset(x, 0, sizeof(*x));
			if (computed) {
				char *due = col_dup(&q, 4);

				x->site_id = medfwi_q_col_int(&q, 0);
				x->vuln = col_dup(&q, 1);
				x->score = col_score(&q, 2);
				x->severity = medfw_store_severity_of_score(x->score);
				x->kev = (int)medfwi_q_col_int(&q, 3);
				copy_cut(x->kev_due, sizeof(x->kev_due), due != NULL ? due : "");
				x->devices = medfwi_q_col_int(&q, 5);
				x->fixed_by = col_dup(&q, 6);
				if (due == NULL)
					err = nomem(diag);
				free(due);
			} else {
				memset(e, 0, sizeof(*e));
				exposure_row(&q, e);
				x->id = e->id;
				x->site_id = e->site_id;
				x->vuln = dup_s(e->vuln_id);
				x->severity = e->severity;
				x->score = e->score_tenths;
				x->kev = e->kev;
				memcpy(x->kev_due, e->kev_due_date, sizeof(x->kev_due));
				x->devices = e->devices;
				x->fixed_by = dup_s(e->fixed_by);
				x->first_seen = e->first_seen;
				x->due_at = e->due_at;
				x->closed_at = e->closed_at;
			}
			if (x->vuln == NULL || x->fixed_by == NULL)
				err = nomem(diag);
		}
	}
	if (medfwi_q_end(&q) != MEDFW_OK && err == MEDFW_OK)
		err = q.err;
	free(e);
	if (err == MEDFW_OK && s->n > 1)
		qsort(s->v, s->n, sizeof(*s->v), cmp_xrow);
	return err;
}

struct policies {
	struct medfw_store_sla_policy *v;
	size_t n, cap;
};

static enum medfw_err policies_load(struct medfw_store *tx, struct policies *p,
				    struct medfw_diag *diag)
{
	struct medfwi_q q;
	int row = 0;
	enum medfw_err err = MEDFW_OK;

	if (medfwi_q_begin(&q, tx, SLA_WHAT, SQL_SLA_ALL, diag) == MEDFW_OK) {
		while (err == MEDFW_OK && medfwi_q_step(&q, &row) == MEDFW_OK && row) {
			if (!grow((void **)&p->v, &p->cap, p->n, sizeof(*p->v))) {
				err = nomem(diag);
				break;
			}
			memset(&p->v[p->n], 0, sizeof(p->v[p->n]));
			p->v[p->n].site_id = medfwi_q_col_int(&q, 0);
			sla_row(&q, 1, &p->v[p->n]);
			p->n++;
		}
	}
	if (medfwi_q_end(&q) != MEDFW_OK && err == MEDFW_OK)
		err = q.err;
	return err;
}

static void policy_of(const struct policies *p, int64_t site_id, struct medfw_store_sla_policy *out)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].site_id == site_id) {
			*out = p->v[i];
			return;
		}
	sla_defaults(site_id, out);
}

struct refresh_arg {
	enum medfw_store_vuln_cause cause;
	const char *detail;
	size_t opened, closed;
};

static enum medfw_err exposure_write(struct medfw_store *tx, const struct xrow *now_row,
				     const struct xrow *old, int64_t due, int64_t now,
				     int64_t *out_id, struct medfw_diag *diag)
{
	struct medfwi_q q;
	int row = 0;

	if (medfwi_q_begin(&q, tx, EXPOSURE_WHAT, old == NULL ? SQL_EXPOSURE_INSERT
							      : SQL_EXPOSURE_UPDATE,
			   diag) == MEDFW_OK) {
		if (old == NULL) {
			medfwi_q_int(&q, now_row->site_id);
			medfwi_q_text(&q, now_row->vuln);
		}
		medfwi_q_text(&q, medfw_store_severity_name(now_row->severity));
		q_score(&q, now_row->score);
		medfwi_q_int(&q, now_row->kev);
		medfwi_q_text(&q, now_row->kev_due);
		medfwi_q_int(&q, now_row->devices);
		medfwi_q_text(&q, now_row->fixed_by);
		if (old == NULL) {
			medfwi_q_int(&q, now);
			medfwi_q_int(&q, due);
		} else {
			medfwi_q_int(&q, due);
			medfwi_q_int(&q, old->id);
		}
		if (medfwi_q_step(&q, &row) == MEDFW_OK && row && old == NULL)
			*out_id = medfwi_q_col_int(&q, 0);
		while (q.err == MEDFW_OK && row)
			medfwi_q_step(&q, &row);
	}
	return medfwi_q_end(&q);
}

static int xrow_same(const struct xrow *a, const struct xrow *b, int64_t due)
{
	return a->severity == b->severity && a->score == b->score && a->kev == b->kev &&
	       strcmp(a->kev_due, b->kev_due) == 0 && a->devices == b->devices &&
	       strcmp(a->fixed_by, b->fixed_by) == 0 && b->due_at == due && b->closed_at == 0;
}

static enum medfw_err refresh_fn(struct medfw_store *tx, void *arg, struct medfw_diag *diag)
{
	struct refresh_arg *a = arg;
	struct xset cur = {0}, old = {0};
	struct policies pol = {0};
	struct medfw_store_sla_policy p;
	char detail[MEDFW_STORE_VULN_EVENT_DETAIL_MAX + 1], why[160];
	int64_t now = medfwi_now(tx);
	size_t i, k = 0;
	enum medfw_err err;

	a->opened = a->closed = 0;
	err = xset_load(tx, SQL_EXPOSED_NOW, 1, &cur, diag);
	if (err == MEDFW_OK)
		err = xset_load(tx, SQL_EXPOSURES_ALL, 0, &old, diag);
	if (err == MEDFW_OK)
		err = policies_load(tx, &pol, diag);
	/* both sorted by (site, vulnerability): walk them together */
	for (i = 0; err == MEDFW_OK && i < cur.n; i++) {
		struct xrow *c = &cur.v[i];
		struct xrow *o = NULL;
		int64_t id = 0, due;

		while (k < old.n && cmp_xrow(&old.v[k], c) < 0)
			k++;
		if (k < old.n && cmp_xrow(&old.v[k], c) == 0) {
			o = &old.v[k];
			o->matched = 1;
		}
		policy_of(&pol, c->site_id, &p);
		due = due_of(&p, c->severity, c->kev, c->kev_due, o != NULL ? o->first_seen : now);
		if (o != NULL && xrow_same(c, o, due))
			continue;
		err = exposure_write(tx, c, o, due, now, &id, diag);
		if (err != MEDFW_OK || (o != NULL && o->closed_at == 0))
			continue;
		snprintf(why, sizeof(why), "%s on %lld device%s of the site",
			 o == NULL ? "exposed" : "exposed again", (long long)c->devices,
			 c->devices == 1 ? "" : "s");
		event_detail(&(struct eval){.detail = a->detail}, why, detail, sizeof(detail));
		err = history_add(tx, 0, o != NULL ? o->id : id, now, o != NULL ? "closed" : "",
				  "open", a->cause, detail, diag);
		a->opened++;
	}
	for (i = 0; err == MEDFW_OK && i < old.n; i++) {
		struct xrow *o = &old.v[i];
		int64_t v[2] = {now, o->id};

		if (o->matched || o->closed_at != 0)
			continue;
		err = exec_ints(tx, EXPOSURE_WHAT, SQL_EXPOSURE_CLOSE, v, 2, NULL, diag);
		event_detail(&(struct eval){.detail = a->detail},
			     "no device of the site runs a release in which it is open", detail,
			     sizeof(detail));
		if (err == MEDFW_OK)
			err = history_add(tx, 0, o->id, now, "open", "closed", a->cause, detail, diag);
		a->closed++;
	}
	xset_free(&cur);
	xset_free(&old);
	free(pol.v);
	return err;
}

enum medfw_err medfw_store_vuln_exposures_refresh(struct medfw_store *store,
						  enum medfw_store_vuln_cause cause,
						  const char *detail, size_t *out_opened,
						  size_t *out_closed, struct medfw_diag *diag)
{
	struct refresh_arg a = {cause, detail, 0, 0};
	enum medfw_err err;

	if (out_opened != NULL)
		*out_opened = 0;
	if (out_closed != NULL)
		*out_closed = 0;
	if (store == NULL || medfw_store_vuln_cause_name(cause) == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "%s: bad arguments",
				      EXPOSURE_WHAT);
	err = medfwi_run(store, MEDFWI_TX_WRITE, refresh_fn, &a, diag);
	if (err != MEDFW_OK)
		return err;
	if (out_opened != NULL)
		*out_opened = a.opened;
	if (out_closed != NULL)
		*out_closed = a.closed;
	return MEDFW_OK;
}

static int overdue_at(const struct medfw_store_exposure *e, int64_t now)
{
	return e->closed_at == 0 ? now > e->due_at : e->closed_at > e->due_at;
}

struct exposure_list_arg {
	struct medfw_store_scope scope;
	const struct medfw_store_exposure_filter *f;
	int64_t offset;
	struct medfw_store_exposure *out;
	size_t cap, count;
	int64_t total;
};

static void bind_exposure_filter(struct medfwi_q *q, const struct exposure_list_arg *a)
{
	medfwi_q_scope(q, a->scope);
	medfwi_q_int(q, a->f->site_id);
	medfwi_q_int(q, a->f->site_id);
	medfwi_q_int(q, a->f->open_only ? 1 : 0);
	medfwi_q_text(q, a->f->vuln_id);
	medfwi_q_text(q, a->f->vuln_id);
}

static enum medfw_err exposure_list_fn(struct medfw_store *tx, void *arg,
				       struct medfw_diag *diag)
{
	struct exposure_list_arg *a = arg;
	struct medfwi_q q;
	int64_t now = medfwi_now(tx);
	int row = 0;
	enum medfw_err err;

	a->count = 0;
	if (medfwi_q_begin(&q, tx, EXPOSURE_WHAT, SQL_EXPOSURE_LIST, diag) == MEDFW_OK) {
		bind_exposure_filter(&q, a);
		medfwi_q_int(&q, (int64_t)a->cap);
		medfwi_q_int(&q, a->offset);
		while (a->count < a->cap && medfwi_q_step(&q, &row) == MEDFW_OK && row) {
			struct medfw_store_exposure *e = &a->out[a->count++];

			exposure_row(&q, e);
			e->overdue = overdue_at(e, now);
		}
	}
	err = medfwi_q_end(&q);
	if (err == MEDFW_OK &&
	    medfwi_q_begin(&q, tx, EXPOSURE_WHAT, SQL_EXPOSURE_COUNT, diag) == MEDFW_OK) {
		bind_exposure_filter(&q, a);
		if (medfwi_q_step(&q, &row) == MEDFW_OK && row)
			a->total = medfwi_q_col_int(&q, 0);
	}
	if (err == MEDFW_OK)
		err = medfwi_q_end(&q);
	return err;
}

enum medfw_err medfw_store_exposure_list(struct medfw_store *store, struct medfw_store_scope scope,
					 const struct medfw_store_exposure_filter *filter,
					 int64_t offset, struct medfw_store_exposure *out,
					 size_t cap, size_t *out_count, int64_t *out_total,
					 struct medfw_diag *diag)
{
	static const struct medfw_store_exposure_filter all = {0};
	struct exposure_list_arg a;
	enum medfw_err err;

	*out_count = 0;
	if (out_total != NULL)
		*out_total = 0;
	if ((cap > 0 && out == NULL) || offset < 0)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "%s: bad list arguments",
				      EXPOSURE_WHAT);
	if (filter == NULL)
		filter = &all;
	if (memchr(filter->vuln_id, '\0', sizeof(filter->vuln_id)) == NULL || filter->site_id < 0)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "%s: bad filter", EXPOSURE_WHAT);
	err = medfwi_check_scope(scope, diag);
	if (err != MEDFW_OK)
		return err;
	if (cap > 0)
		memset(out, 0, cap * sizeof(*out));
	memset(&a, 0, sizeof(a));
	a.scope = scope;
	a.f = filter;
	a.offset = offset;
	a.out = out;
	a.cap = cap;
	err = medfwi_run(store, MEDFWI_TX_READ, exposure_list_fn, &a, diag);
	if (err != MEDFW_OK) {
		if (cap > 0)
			memset(out, 0, cap * sizeof(*out));
		return err;
	}
	*out_count = a.count;
	if (out_total != NULL)
		*out_total = a.total;
	return MEDFW_OK;
}

/* ================================================================== report */

#define REPORT_WHAT "vulnerability report"
/* Parameters of every report query: (all_sites, site_id) of the scope, then the site
 * filter twice (0: any). */
#define DEVICE_SCOPE " AND (? OR d.site_id = ?) AND (? = 0 OR d.site_id = ?)"
#define DEVICE_RELEASE                                                                      \
	" FROM devices d JOIN release_sboms r ON r.target_sha256 = lower(d.image_sha256)"   \
	" WHERE d.enrolment_state = 'enrolled'" DEVICE_SCOPE
#define OPEN_FINDING_OF_R                                                                   \
	" EXISTS (SELECT 1 FROM findings f WHERE f.target_name = r.target_name AND f.status IN " \
	OPEN_STATUSES ")"

static const char SQL_REPORT_SITES[] =
	"SELECT id, name FROM sites WHERE (? OR id = ?) AND (? = 0 OR id = ?) ORDER BY id";
static const char SQL_REPORT_SITE_DEVICES[] =
	"SELECT d.site_id, COUNT(*) FROM devices d WHERE d.enrolment_state = 'enrolled'"
	DEVICE_SCOPE " GROUP BY d.site_id";
static const char SQL_REPORT_SITE_WITH_SBOM[] =
	"SELECT d.site_id, COUNT(*)" DEVICE_RELEASE " GROUP BY d.site_id";
static const char SQL_REPORT_SITE_EXPOSED[] =
	"SELECT d.site_id, COUNT(*)" DEVICE_RELEASE " AND" OPEN_FINDING_OF_R " GROUP BY d.site_id";
static const char SQL_REPORT_EXPOSURES[] =
	"SELECT " EXPOSURE_COLS " FROM site_exposures WHERE (? OR site_id = ?)"
	" AND (? = 0 OR site_id = ?)";
static const char SQL_REPORT_MODELS[] =
	"SELECT r.model, COUNT(DISTINCT r.target_name), COUNT(*)" DEVICE_RELEASE
	" GROUP BY r.model ORDER BY r.model";
static const char SQL_REPORT_MODEL_EXPOSED[] =
	"SELECT r.model, COUNT(*)" DEVICE_RELEASE " AND" OPEN_FINDING_OF_R " GROUP BY r.model";
static const char SQL_REPORT_MODEL_OVERDUE[] =
	"SELECT r.model, COUNT(*)" DEVICE_RELEASE
	" AND EXISTS (SELECT 1 FROM findings f JOIN site_exposures e ON e.vuln_id = f.vuln_id"
	"  WHERE f.target_name = r.target_name AND f.status IN " OPEN_STATUSES
	"  AND e.site_id = d.site_id AND e.closed_at IS NULL AND e.due_at < ?)"
	" GROUP BY r.model";
/* Releases run in scope, then their findings: distinct vulnerabilities per model. */
#define RUN_RELEASES                                                                        \
	" FROM findings f JOIN release_sboms r ON r.target_name = f.target_name"            \
	" WHERE f.target_name IN (SELECT r2.target_name FROM devices d JOIN release_sboms r2" \
	"  ON r2.target_sha256 = lower(d.image_sha256) WHERE d.enrolment_state = 'enrolled'" \
	DEVICE_SCOPE ")"
static const char SQL_REPORT_MODEL_STATUS[] =
	"SELECT r.model, f.status, COUNT(DISTINCT f.vuln_id)" RUN_RELEASES
	" GROUP BY r.model, f.status";
static const char SQL_REPORT_MODEL_SEVERITY[] =
	"SELECT r.model, f.severity, COUNT(DISTINCT f.vuln_id)" RUN_RELEASES
	" AND f.status IN " OPEN_STATUSES " GROUP BY r.model, f.severity";
static const char SQL_REPORT_MODEL_KEV[] =
	"SELECT r.model, COUNT(DISTINCT f.vuln_id)" RUN_RELEASES
	" AND f.status IN " OPEN_STATUSES " AND f.kev = 1 GROUP BY r.model";

struct report_arg {
	struct medfw_store_scope scope;
	int64_t site_id, now;
	struct medfw_store_vuln_site_report *sites;
	size_t site_cap, site_count;
	struct medfw_store_vuln_model_report *models;
	size_t model_cap, model_count;
};

static struct medfw_store_vuln_site_report *site_slot(struct report_arg *a, int64_t site_id)
{
	for (size_t i = 0; i < a->site_count; i++)
		if (a->sites[i].site_id == site_id)
			return &a->sites[i];
	return NULL;
}

static struct medfw_store_vuln_model_report *model_slot(struct report_arg *a, const char *model)
{
	for (size_t i = 0; i < a->model_count; i++)
		if (strcmp(a->models[i].model, model) == 0)
			return &a->models[i];
	return NULL;
}

typedef void (*report_row_fn)(struct report_arg *a, struct medfwi_q *q);

/* Run a report query with the scope parameters (and `extra` after them when given). */
static enum medfw_err report_query(struct medfw_store *tx, struct report_arg *a, const char *sql,
				   const int64_t *extra, report_row_fn fn, struct medfw_diag *diag)
{
	struct medfwi_q q;
	int row = 0;

	if (medfwi_q_begin(&q, tx, REPORT_WHAT, sql, diag) == MEDFW_OK) {
		medfwi_q_scope(&q, a->scope);
		medfwi_q_int(&q, a->site_id);
		medfwi_q_int(&q, a->site_id);
		if (extra != NULL)
			medfwi_q_int(&q, *extra);
		while (q.err == MEDFW_OK && medfwi_q_step(&q, &row) == MEDFW_OK && row)
			fn(a, &q);
	}
	return medfwi_q_end(&q);
}

static void row_site(struct report_arg *a, struct medfwi_q *q)
{
	struct medfw_store_vuln_site_report *s;

	if (a->site_count == a->site_cap) {
		q->err = medfw_diag_set(q->diag, MEDFW_ERR_TOO_LARGE, "%s: more than %zu sites",
					REPORT_WHAT, a->site_cap);
		return;
	}
	s = &a->sites[a->site_count++];
	s->site_id = medfwi_q_col_int(q, 0);
	medfwi_q_col_text(q, 1, s->site_name, sizeof(s->site_name));
	sla_defaults(s->site_id, &s->policy);
}

static void row_site_devices(struct report_arg *a, struct medfwi_q *q)
{
	struct medfw_store_vuln_site_report *s = site_slot(a, medfwi_q_col_int(q, 0));

	if (s != NULL)
		s->devices = medfwi_q_col_int(q, 1);
}

static void row_site_with_sbom(struct report_arg *a, struct medfwi_q *q)
{
	struct medfw_store_vuln_site_report *s = site_slot(a, medfwi_q_col_int(q, 0));

	if (s != NULL)
		s->devices_with_sbom = medfwi_q_col_int(q, 1);
}

static void row_site_exposed(struct report_arg *a, struct medfwi_q *q)
{
	struct medfw_store_vuln_site_report *s = site_slot(a, medfwi_q_col_int(q, 0));

	if (s != NULL)
		s->exposed_devices = medfwi_q_col_int(q, 1);
}

static void row_exposure(struct report_arg *a, struct medfwi_q *q)
{
	struct medfw_store_exposure e;
	struct medfw_store_vuln_site_report *s;
	unsigned sev;

	memset(&e, 0, sizeof(e));
	exposure_row(q, &e);
	s = site_slot(a, e.site_id);
	sev = (unsigned)e.severity;
	if (s == NULL || sev >= MEDFW_STORE_SEVERITY_COUNT)
		return;
	if (e.closed_at == 0) {
		s->open[sev]++;
		s->kev_open += e.kev ? 1 : 0;
		s->overdue += overdue_at(&e, a->now) ? 1 : 0;
		return;
	}
	s->closed++;
	s->closed_late += overdue_at(&e, a->now) ? 1 : 0;
	s->remediated[sev]++;
	s->remediate_seconds_sum[sev] += e.closed_at - e.first_seen;
	if (e.closed_at - e.first_seen > s->remediate_seconds_max[sev])
		s->remediate_seconds_max[sev] = e.closed_at - e.first_seen;
}

static void row_model(struct report_arg *a, struct medfwi_q *q)
{
	struct medfw_store_vuln_model_report *m;

	if (a->model_count == a->model_cap) {
		q->err = medfw_diag_set(q->diag, MEDFW_ERR_TOO_LARGE, "%s: more than %zu models",
					REPORT_WHAT, a->model_cap);
		return;
	}
	m = &a->models[a->model_count++];
	medfwi_q_col_text(q, 0, m->model, sizeof(m->model));
	m->releases = medfwi_q_col_int(q, 1);
	m->devices = medfwi_q_col_int(q, 2);
}

static struct medfw_store_vuln_model_report *model_of_row(struct report_arg *a,
							  struct medfwi_q *q)
{
	char model[MEDFW_STORE_NAME_MAX + 1];

	medfwi_q_col_text(q, 0, model, sizeof(model));
	return q->err == MEDFW_OK ? model_slot(a, model) : NULL;
}

static void row_model_exposed(struct report_arg *a, struct medfwi_q *q)
{
	struct medfw_store_vuln_model_report *m = model_of_row(a, q);

	if (m != NULL)
		m->exposed_devices = medfwi_q_col_int(q, 1);
}

static void row_model_overdue(struct report_arg *a, struct medfwi_q *q)
{
	struct medfw_store_vuln_model_report *m = model_of_row(a, q);

	if (m != NULL)
		m->overdue_devices = medfwi_q_col_int(q, 1);
}

static void row_model_status(struct report_arg *a, struct medfwi_q *q)
{
	struct medfw_store_vuln_model_report *m = model_of_row(a, q);
	char status[32];
	int s;

	medfwi_q_col_text(q, 1, status, sizeof(status));
	s = name_index(finding_status_names, MEDFW_STORE_FINDING_STATUS_COUNT, status);
	if (m != NULL && s > 0)
		m->by_status[s] = medfwi_q_col_int(q, 2);
}

static void row_model_severity(struct report_arg *a, struct medfwi_q *q)
{
	struct medfw_store_vuln_model_report *m = model_of_row(a, q);
	char sev[16];
	int s;

	medfwi_q_col_text(q, 1, sev, sizeof(sev));
	s = name_index(severity_names, MEDFW_STORE_SEVERITY_COUNT, sev);
	if (m != NULL && s > 0)
		m->open_by_severity[s] = medfwi_q_col_int(q, 2);
}

static void row_model_kev(struct report_arg *a, struct medfwi_q *q)
{
	struct medfw_store_vuln_model_report *m = model_of_row(a, q);

	if (m != NULL)
		m->kev_open = medfwi_q_col_int(q, 1);
}

static enum medfw_err report_fn(struct medfw_store *tx, void *arg, struct medfw_diag *diag)
{
	struct report_arg *a = arg;
	struct policies pol = {0};
	enum medfw_err err;

	a->site_count = a->model_count = 0;
	err = report_query(tx, a, SQL_REPORT_SITES, NULL, row_site, diag);
	if (err == MEDFW_OK)
		err = policies_load(tx, &pol, diag);
	for (size_t i = 0; err == MEDFW_OK && i < a->site_count; i++)
		policy_of(&pol, a->sites[i].site_id, &a->sites[i].policy);
	free(pol.v);
	if (err == MEDFW_OK)
		err = report_query(tx, a, SQL_REPORT_SITE_DEVICES, NULL, row_site_devices, diag);
	if (err == MEDFW_OK)
		err = report_query(tx, a, SQL_REPORT_SITE_WITH_SBOM, NULL, row_site_with_sbom, diag);
	if (err == MEDFW_OK)
		err = report_query(tx, a, SQL_REPORT_SITE_EXPOSED, NULL, row_site_exposed, diag);
	if (err == MEDFW_OK)
		err = report_query(tx, a, SQL_REPORT_EXPOSURES, NULL, row_exposure, diag);
	if (err == MEDFW_OK)
		err = report_query(tx, a, SQL_REPORT_MODELS, NULL, row_model, diag);
	if (err == MEDFW_OK)
		err = report_query(tx, a, SQL_REPORT_MODEL_EXPOSED, NULL, row_model_exposed, diag);
	if (err == MEDFW_OK)
		err = report_query(tx, a, SQL_REPORT_MODEL_OVERDUE, &a->now, row_model_overdue, diag);
	if (err == MEDFW_OK)
		err = report_query(tx, a, SQL_REPORT_MODEL_STATUS, NULL, row_model_status, diag);
	if (err == MEDFW_OK)
		err = report_query(tx, a, SQL_REPORT_MODEL_SEVERITY, NULL, row_model_severity, diag);
	if (err == MEDFW_OK)
		err = report_query(tx, a, SQL_REPORT_MODEL_KEV, NULL, row_model_kev, diag);
	return err;
}

enum medfw_err medfw_store_vuln_report(struct medfw_store *store, struct medfw_store_scope scope,
				       int64_t site_id, struct medfw_store_vuln_site_report *sites,
				       size_t site_cap, size_t *out_site_count,
				       struct medfw_store_vuln_model_report *models,
				       size_t model_cap, size_t *out_model_count,
				       struct medfw_diag *diag)
{
	struct report_arg a;
	enum medfw_err err;

	*out_site_count = 0;
	*out_model_count = 0;
	if ((site_cap > 0 && sites == NULL) || (model_cap > 0 && models == NULL) || site_id < 0)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "%s: bad arguments", REPORT_WHAT);
	err = medfwi_check_scope(scope, diag);
	if (err != MEDFW_OK)
		return err;
	if (site_cap > 0)
		memset(sites, 0, site_cap * sizeof(*sites));
	if (model_cap > 0)
		memset(models, 0, model_cap * sizeof(*models));
	memset(&a, 0, sizeof(a));
	a.scope = scope;
	a.site_id = site_id;
	a.now = medfwi_now(store);
	a.sites = sites;
	a.site_cap = site_cap;
	a.models = models;
	a.model_cap = model_cap;
	err = medfwi_run(store, MEDFWI_TX_READ, report_fn, &a, diag);
	if (err == MEDFW_OK && site_id != 0 && a.site_count == 0)
		err = medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND, "%s: no site with id %lld",
				     REPORT_WHAT, (long long)site_id);
	if (err != MEDFW_OK) {
		if (site_cap > 0)
			memset(sites, 0, site_cap * sizeof(*sites));
		if (model_cap > 0)
			memset(models, 0, model_cap * sizeof(*models));
		return err;
	}
	*out_site_count = a.site_count;
	*out_model_count = a.model_count;
	return MEDFW_OK;
}
