/* What the store's vulnerability files share (include/medfw/store_vuln.h,
 * docs/vulnerabilities.md). Internal to libmedfw. One concern a file:
 *
 *   vulns.c              names of the enums, the helpers below, the generation counter
 *   vuln_sbom.c          release SBOMs and their components
 *   vuln_records.c       feed import, records get and counts
 *   vuln_scan.c          the import scanner (vuln_scan_int.h)
 *   vuln_vex.c           VEX documents and statements
 *   vuln_product_map.c   the product map
 *   vuln_findings.c      findings list and get, history read and add
 *   vuln_finding_json.c  a finding's JSON, written directly
 *   vuln_eval.c          re-evaluation
 *   vuln_exposure.c      SLA policies, sites' exposures, the report
 *
 * Large texts are kept zstd-compressed with their length; a stored blob that does not
 * decompress to that length is reported as MEDFW_ERR_COMPRESSION, never used. */
#ifndef MEDFW_STORE_VULN_INT_H
#define MEDFW_STORE_VULN_INT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <zstd.h>

#include "medfw/buf.h"
#include "medfw/cvss.h"
#include "medfw/error.h"
#include "medfw/store_vuln.h"
#include "store_internal.h"

struct medfw_finding;
struct medfw_product_map;
struct medfw_vex_doc;

#define MEDFWI_VULN_FINDING_DETAIL_MAX (16u * 1024u * 1024u) /* one finding's JSON */
#define MEDFWI_VULN_OPEN_STATUSES "('affected', 'under_investigation', 'undetermined')"

/* ---- names (vulns.c) ---------------------------------------------------------- */

/* The index of `name` in names[1..n), 0 when absent (or NULL). */
int medfwi_vuln_name_index(const char *const *names, size_t n, const char *name);
/* A text column holding a finding status, severity or history cause: its value, 0 when
 * the text is none of the names. */
enum medfw_store_finding_status medfwi_vuln_col_status(struct medfwi_q *q, int col);
enum medfw_store_severity medfwi_vuln_col_severity(struct medfwi_q *q, int col);
enum medfw_store_vuln_cause medfwi_vuln_col_cause(struct medfwi_q *q, int col);

/* ---- helpers (vulns.c) -------------------------------------------------------- */

static inline enum medfw_err medfwi_vuln_nomem(struct medfw_diag *diag)
{
	return medfw_diag_set(diag, MEDFW_ERR_NOMEM, "store: out of memory");
}

/* A malloc'd NUL-terminated copy of n bytes (of a string); NULL when out of memory. */
char *medfwi_vuln_dup_n(const char *s, size_t n);

static inline char *medfwi_vuln_dup_s(const char *s)
{
	return medfwi_vuln_dup_n(s, strlen(s));
}

/* Copy s (NULL: "") into out (cap bytes) cutting at a UTF-8 character boundary. */
void medfwi_vuln_copy_cut(char *out, size_t cap, const char *s);
/* vsnprintf into out (cap bytes), cut when longer. */
void medfwi_vuln_cut_printf(char *out, size_t cap, const char *fmt, ...) MEDFW_PRINTF(3, 4);
/* The SHA-256 of the bytes as lowercase hex ("" when hashing fails). */
void medfwi_vuln_sha256_hex(const void *data, size_t len, char out[MEDFW_STORE_SHA256_HEX + 1]);
/* Grow the array *p (*cap elements of `size` bytes, n used) to hold one more: 0 when
 * out of memory. */
int medfwi_vuln_grow(void **p, size_t *cap, size_t n, size_t size);

/* zstd-compress n bytes into a new buffer, with a reusable context when given (making
 * one per call costs more than compressing a finding). */
enum medfw_err medfwi_vuln_zpack(ZSTD_CCtx *cctx, const void *src, size_t n, uint8_t **out,
				 size_t *out_len, struct medfw_diag *diag);

/* The text of column col, malloc'd ("" for NULL), or NULL when out of memory. */
char *medfwi_vuln_col_dup(struct medfwi_q *q, int col);
/* Decompress blob column `col` with its length in column `len_col` (1..max bytes) into
 * a new NUL-terminated buffer; dctx may be NULL. `what` names it in messages. */
enum medfw_err medfwi_vuln_col_unpack(ZSTD_DCtx *dctx, struct medfwi_q *q, int col, int len_col,
				      size_t max, const char *what, char **out, size_t *out_len,
				      struct medfw_diag *diag);
/* The same, appended to `out`. */
enum medfw_err medfwi_vuln_col_append(struct medfwi_q *q, int col, int len_col, size_t max,
				      const char *what, struct medfw_buf *out,
				      struct medfw_diag *diag);

/* Bind a score in tenths, NULL when there is none. */
static inline void medfwi_vuln_q_score(struct medfwi_q *q, int score)
{
	if (score < 0)
		medfwi_q_text(q, NULL);
	else
		medfwi_q_int(q, score);
}

/* A score column: NULL is MEDFW_CVSS_NO_SCORE. */
static inline int medfwi_vuln_col_score(struct medfwi_q *q, int col)
{
	return medfwi_q_col_null(q, col) ? MEDFW_CVSS_NO_SCORE : (int)medfwi_q_col_int(q, col);
}

/* One statement without rows (or whose rows are ignored), with int parameters. */
enum medfw_err medfwi_vuln_exec_ints(struct medfw_store *tx, const char *what, const char *sql,
				     const int64_t *v, size_t n, int64_t *out_changes,
				     struct medfw_diag *diag);

/* Run fn in a read transaction for a get: when it fails, clear *out (out_size bytes)
 * and cut out_text (may be NULL) back to the length it had. */
enum medfw_err medfwi_vuln_get(struct medfw_store *store, medfwi_run_fn fn, void *arg,
			       void *out, size_t out_size, struct medfw_buf *out_text,
			       struct medfw_diag *diag);
/* Run fn in a read transaction for a list into out[0..cap) (elements of `size` bytes):
 * cleared before, and again when it fails. */
enum medfw_err medfwi_vuln_list(struct medfw_store *store, medfwi_run_fn fn, void *arg,
				void *out, size_t cap, size_t size, struct medfw_diag *diag);

/* ---- the generation counter (vulns.c) ----------------------------------------- */

/* Imports, SBOM uploads, VEX and product map changes call this in their transaction. */
enum medfw_err medfwi_vuln_bump_generation(struct medfw_store *tx, struct medfw_diag *diag);
/* out: generation, evaluated, evaluations. */
enum medfw_err medfwi_vuln_state_read(struct medfw_store *tx, int64_t out[3],
				      struct medfw_diag *diag);

/* ---- release SBOMs (vuln_sbom.c) ---------------------------------------------- */

/* MEDFW_OK when `target` is "" or a release with an SBOM; MEDFW_ERR_NOT_FOUND (the
 * message starts with `what`) otherwise. */
enum medfw_err medfwi_vuln_sbom_exists(struct medfw_store *tx, const char *what,
				       const char *target, struct medfw_diag *diag);

/* ---- VEX (vuln_vex.c) --------------------------------------------------------- */

/* The columns medfwi_vuln_statement_row reads, in its order. */
#define MEDFWI_VULN_VEX_STATEMENT_COLS                                                     \
	"id, document_id, target_name, vuln_id, component, status, justification, detail," \
	" response, author, timestamp, source, json_path, created_at"

void medfwi_vuln_statement_row(struct medfwi_q *q, struct medfw_store_vex_statement *s);
/* Parse the statement as its one-statement CycloneDX document (the matcher applies it
 * by exactly the rules of a VEX file); the document is returned in *out (may be NULL:
 * only checked). */
enum medfw_err medfwi_vuln_statement_parse(const struct medfw_store_vex_statement *s,
					   struct medfw_vex_doc **out, struct medfw_diag *diag);

/* ---- product map (vuln_product_map.c) ----------------------------------------- */

/* The stored product map, parsed for a re-evaluation (*out NULL when none is stored). A
 * stored map that no longer parses is an error. */
enum medfw_err medfwi_vuln_map_load(struct medfw_store *tx, ZSTD_DCtx *dctx,
				    struct medfw_product_map **out, struct medfw_diag *diag);

/* ---- history (vuln_findings.c) ------------------------------------------------ */

/* One history event (finding_id or exposure_id 0). Its detail is "detail: reason"
 * (detail may be NULL or ""), cut to MEDFW_STORE_VULN_EVENT_DETAIL_MAX. */
enum medfw_err medfwi_vuln_history_add(struct medfw_store *tx, int64_t finding_id,
				       int64_t exposure_id, int64_t time, const char *from,
				       const char *to, enum medfw_store_vuln_cause cause,
				       const char *detail, const char *reason,
				       struct medfw_diag *diag);

/* ---- a finding's JSON (vuln_finding_json.c) ----------------------------------- */

/* The finding's JSON into `out` (reset first): the bytes of
 * json_dumps(medfw_finding_json(f), JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(4)). */
enum medfw_err medfwi_vuln_finding_text(const struct medfw_finding *f, struct medfw_buf *out,
					struct medfw_diag *diag);

#endif
