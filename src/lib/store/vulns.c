/* Vulnerability management in the store (medfw/store_vuln.h, docs/vulnerabilities.md):
 * release SBOMs, feed records, VEX, findings and their history, the re-evaluation that
 * keeps findings in step with them, SLA policies, sites' exposures and the report. The
 * parts live in the vuln_*.c files next to this one (vuln_int.h lists them); this file
 * has the names of the enums, the helpers they share and the generation counter.
 *
 * Large texts (SBOM exports, feed records, VEX files, a finding's JSON) are kept
 * zstd-compressed with their length; a stored blob that does not decompress to that
 * length is reported as MEDFW_ERR_COMPRESSION, never used. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#include "medfw/crypto.h"
#include "medfw/store_vuln.h"
#include "store_internal.h"
#include "vuln_int.h"

#define ZSTD_LEVEL 3

/* ------------------------------------------------------------------ names */

static const char *const finding_status_names[] = {
	NULL, "affected", "under_investigation", "undetermined", "fixed", "not_affected",
	"unmatched",
};
static const char *const severity_names[] = {NULL, "none", "low", "medium", "high", "critical"};
static const char *const cause_names[] = {NULL, "feed", "vex", "sbom", "fleet", "changes"};

int medfwi_vuln_name_index(const char *const *names, size_t n, const char *name)
{
	for (size_t i = 1; name != NULL && i < n; i++)
		if (strcmp(names[i], name) == 0)
			return (int)i;
	return 0;
}

/* The index in `names` (n entries) of the text in column col. */
static int col_name_index(struct medfwi_q *q, int col, const char *const *names, size_t n)
{
	char text[32];

	medfwi_q_col_text(q, col, text, sizeof(text));
	return medfwi_vuln_name_index(names, n, text);
}

enum medfw_store_finding_status medfwi_vuln_col_status(struct medfwi_q *q, int col)
{
	return (enum medfw_store_finding_status)col_name_index(q, col, finding_status_names,
								 MEDFW_STORE_FINDING_STATUS_COUNT);
}

enum medfw_store_severity medfwi_vuln_col_severity(struct medfwi_q *q, int col)
{
	return (enum medfw_store_severity)col_name_index(q, col, severity_names,
							 MEDFW_STORE_SEVERITY_COUNT);
}

enum medfw_store_vuln_cause medfwi_vuln_col_cause(struct medfwi_q *q, int col)
{
	return (enum medfw_store_vuln_cause)col_name_index(
		q, col, cause_names, sizeof(cause_names) / sizeof(cause_names[0]));
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
	int i = medfwi_vuln_name_index(finding_status_names, MEDFW_STORE_FINDING_STATUS_COUNT,
				       name);

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
	int i = medfwi_vuln_name_index(severity_names, MEDFW_STORE_SEVERITY_COUNT, name);

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

/* ------------------------------------------------------------------ helpers */

char *medfwi_vuln_dup_n(const char *s, size_t n)
{
	char *p = malloc(n + 1);

	if (p != NULL) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

void medfwi_vuln_copy_cut(char *out, size_t cap, const char *s)
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

void medfwi_vuln_cut_printf(char *out, size_t cap, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, cap, fmt, ap);
	va_end(ap);
	if (n < 0) {
		out[0] = '\0';
	} else if ((size_t)n >= cap && cap > 1) {
		/* cut: drop a UTF-8 sequence the end split (the text stays valid UTF-8) */
		size_t len = cap - 1, lead = len - 1, want;
		unsigned char c;

		while (lead > 0 && ((unsigned char)out[lead] & 0xC0) == 0x80)
			lead--;
		c = (unsigned char)out[lead];
		want = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
		if (lead + want > len)
			out[lead] = '\0';
	}
}

void medfwi_vuln_sha256_hex(const void *data, size_t len, char out[MEDFW_STORE_SHA256_HEX + 1])
{
	uint8_t d[32];
	size_t n = 0;

	out[0] = '\0';
	if (medfw_hash_oneshot(MEDFW_HASH_SHA256, data, len, d, sizeof(d), &n) == MEDFW_OK)
		(void)medfw_hex_encode(d, n, out, MEDFW_STORE_SHA256_HEX + 1);
}

int medfwi_vuln_grow(void **p, size_t *cap, size_t n, size_t size)
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

enum medfw_err medfwi_vuln_zpack(ZSTD_CCtx *cctx, const void *src, size_t n, uint8_t **out,
				 size_t *out_len, struct medfw_diag *diag)
{
	size_t cap = ZSTD_compressBound(n), got;
	uint8_t *p;

	*out = NULL;
	*out_len = 0;
	p = malloc(cap > 0 ? cap : 1);
	if (p == NULL)
		return medfwi_vuln_nomem(diag);
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
		return medfwi_vuln_nomem(diag);
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

char *medfwi_vuln_col_dup(struct medfwi_q *q, int col)
{
	size_t len = 0;
	const uint8_t *p = col_blob(q, col, &len);

	return medfwi_vuln_dup_n(p != NULL ? (const char *)p : "", p != NULL ? len : 0);
}

enum medfw_err medfwi_vuln_col_unpack(ZSTD_DCtx *dctx, struct medfwi_q *q, int col, int len_col,
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

enum medfw_err medfwi_vuln_col_append(struct medfwi_q *q, int col, int len_col, size_t max,
				      const char *what, struct medfw_buf *out,
				      struct medfw_diag *diag)
{
	char *text = NULL;
	size_t len = 0;
	enum medfw_err err = medfwi_vuln_col_unpack(NULL, q, col, len_col, max, what, &text, &len,
						    diag);

	if (err == MEDFW_OK)
		err = medfw_buf_append(out, text, len);
	free(text);
	return err;
}

enum medfw_err medfwi_vuln_exec_ints(struct medfw_store *tx, const char *what, const char *sql,
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

enum medfw_err medfwi_vuln_get(struct medfw_store *store, medfwi_run_fn fn, void *arg,
			       void *out, size_t out_size, struct medfw_buf *out_text,
			       struct medfw_diag *diag)
{
	size_t start = out_text != NULL ? out_text->len : 0;
	enum medfw_err err = medfwi_run(store, MEDFWI_TX_READ, fn, arg, diag);

	if (err != MEDFW_OK) {
		memset(out, 0, out_size);
		if (out_text != NULL)
			out_text->len = start;
	}
	return err;
}

enum medfw_err medfwi_vuln_list(struct medfw_store *store, medfwi_run_fn fn, void *arg,
				void *out, size_t cap, size_t size, struct medfw_diag *diag)
{
	enum medfw_err err;

	if (cap > 0)
		memset(out, 0, cap * size);
	err = medfwi_run(store, MEDFWI_TX_READ, fn, arg, diag);
	if (err != MEDFW_OK && cap > 0)
		memset(out, 0, cap * size);
	return err;
}

/* ------------------------------------------------------------------ generation */

static const char SQL_GEN_BUMP[] = "UPDATE vuln_state SET generation = generation + 1 WHERE id = 1";
static const char SQL_GEN_GET[] =
	"SELECT generation, evaluated, evaluations FROM vuln_state WHERE id = 1";

enum medfw_err medfwi_vuln_bump_generation(struct medfw_store *tx, struct medfw_diag *diag)
{
	return medfwi_vuln_exec_ints(tx, "vulnerability state", SQL_GEN_BUMP, NULL, 0, NULL,
				     diag);
}

enum medfw_err medfwi_vuln_state_read(struct medfw_store *tx, int64_t out[3],
				      struct medfw_diag *diag)
{
	struct medfwi_q q;
	int row = 0;
	enum medfw_err err;

	if (medfwi_q_begin(&q, tx, "vulnerability state", SQL_GEN_GET, diag) == MEDFW_OK &&
	    medfwi_q_step(&q, &row) == MEDFW_OK && row) {
		out[0] = medfwi_q_col_int(&q, 0);
		out[1] = medfwi_q_col_int(&q, 1);
		out[2] = medfwi_q_col_int(&q, 2);
	}
	err = medfwi_q_end(&q);
	if (err == MEDFW_OK && !row)
		err = medfw_diag_set(diag, MEDFW_ERR_STATE, "vulnerability state: no row");
	return err;
}

static enum medfw_err generation_fn(struct medfw_store *tx, void *arg, struct medfw_diag *diag)
{
	return medfwi_vuln_state_read(tx, arg, diag);
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
