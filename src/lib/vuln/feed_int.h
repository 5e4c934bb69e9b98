/* Internal helpers shared by the feed parsers and evaluators (nvd.c, cve5.c): typed JSON
 * field access with JSON paths in the messages, evidence text, version comparison in a
 * component's scheme. */
#ifndef MEDFW_VULN_FEED_INT_H
#define MEDFW_VULN_FEED_INT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "medfw/error.h"
#include "medfw/version.h"
#include "medfw/vuln_match.h"

#define MEDFWI_PATH_MAX 256

/* A JSON path for messages: "base.key" or "base[i]" (truncated, never overflowing). */
void medfwi_feed_path_key(char *out, const char *base, const char *key);
void medfwi_path_index(char *out, const char *base, size_t index);

enum medfwi_str_kind {
	MEDFWI_STR_LINE = 0, /* no control characters at all */
	MEDFWI_STR_TEXT = 1, /* tab, newline and carriage return allowed */
};

/* A string field. Absent: MEDFW_OK with *out NULL unless `required` (then
 * MEDFW_ERR_FIELD_MISSING). Wrong type: MEDFW_ERR_FIELD_TYPE. Longer than max_bytes:
 * MEDFW_ERR_TOO_LARGE. A forbidden control character, or empty when `nonempty`:
 * MEDFW_ERR_FIELD_VALUE. Messages name path.key. `obj` must be an object. */
enum medfw_err medfwi_json_str(const json_t *obj, const char *path, const char *key,
			       int required, int nonempty, enum medfwi_str_kind kind,
			       size_t max_bytes, const char **out, struct medfw_diag *diag);

/* The same, copied (*out is malloc'd, NULL when absent). */
enum medfw_err medfwi_json_strdup(const json_t *obj, const char *path, const char *key,
				  int required, int nonempty, enum medfwi_str_kind kind,
				  size_t max_bytes, char **out, struct medfw_diag *diag);

/* An array field of at most max_items (MEDFW_ERR_TOO_LARGE beyond). Absent: *out NULL
 * unless `required`. */
enum medfw_err medfwi_json_array(const json_t *obj, const char *path, const char *key,
				 int required, size_t max_items, json_t **out,
				 struct medfw_diag *diag);

/* An object field. Absent: *out NULL unless `required`. */
enum medfw_err medfwi_json_object(const json_t *obj, const char *path, const char *key,
				  int required, json_t **out, struct medfw_diag *diag);

/* A boolean field; absent gives `dflt` unless `required`. */
enum medfw_err medfwi_json_bool(const json_t *obj, const char *path, const char *key,
				int required, int dflt, int *out, struct medfw_diag *diag);

/* An integer field within [min, max]. */
enum medfw_err medfwi_json_int(const json_t *obj, const char *path, const char *key,
			       int required, int64_t min, int64_t max, int64_t *out,
			       struct medfw_diag *diag);

/* A CVSS score (integer or real, 0..10, one decimal) as tenths. */
enum medfw_err medfwi_json_score(const json_t *obj, const char *path, const char *key,
				 unsigned *out_tenths, struct medfw_diag *diag);

/* "CVE-YYYY-NNNN..." */
int medfwi_valid_cve_id(const char *s);

/* "YYYY-MM-DDTHH:MM:SS[.fraction][Z|+hh:mm|-hh:mm]" (NVD writes no offset). */
int medfwi_valid_timestamp(const char *s);

/* A duplicate of s (NULL for NULL); NULL also when out of memory, so callers check. */
char *medfwi_strdup(const char *s);

/* Write printf-style text into dst (cap bytes), ending in "..." when truncated. */
void medfwi_ev_printf(char *dst, size_t cap, const char *fmt, ...) MEDFW_PRINTF(3, 4);

/* A printable rendering of untrusted text for messages and evidence: at most `max`
 * characters, non-printable bytes and quotes as '?', "..." when cut. Returns buf. */
const char *medfwi_feed_quote(const char *s, size_t max, char *buf, size_t cap);

/* The scheme for a component's versions: its purl type's scheme when it has a purl whose
 * type has one, else GENERIC. A purl that cannot be parsed (lenient) is the caller's
 * error: MEDFW_ERR_FIELD_VALUE naming it. */
enum medfw_err medfwi_component_scheme(const struct medfw_vuln_component *c,
				       enum medfw_version_scheme *out, struct medfw_diag *diag);

/* Compare a and b in `scheme`. Returns 1 with *cmp set, or 0 when they cannot be
 * compared (why explains, e.g. "version \"custom\" is not a generic version"). */
int medfwi_version_cmp(enum medfw_version_scheme scheme, const char *a, const char *b, int *cmp,
		       char *why, size_t why_cap);

/* Equality: identical strings (ASCII case-insensitive when `ignore_case`, as CPE values
 * are) are equal in any scheme; else compared in `scheme`. Returns 1 equal, 0 not
 * equal, -1 cannot be decided (why). */
int medfwi_version_eq(enum medfw_version_scheme scheme, const char *a, const char *b,
		      int ignore_case, char *why, size_t why_cap);

/* ASCII case-insensitive equality. */
int medfwi_eq_ci(const char *a, const char *b);

#endif
