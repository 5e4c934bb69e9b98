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
#include "vuln/advjson_int.h"

/* Out of memory, as an error. */
enum medfw_err medfwi_nomem(struct medfw_diag *diag);

/* 1 when the modified date `a` is later than `b` (RFC 3339, NVD's offset-less UTC, or a
 * plain date); a dated record is newer than an undated one. */
int medfwi_feed_newer(const char *a, const char *b);

/* calloc of n (at least 1) items. */
void *medfwi_calloc_n(size_t n, size_t size);

/* Free n malloc'd strings and their array (NULL-safe). */
void medfwi_free_strings(char **s, size_t n);

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

/* A CVSS metric object as NVD (cvssData) and CVE 5 (cvssV3_1, ...) write it: "version"
 * must be `want_version`, "baseScore" (tenths), "vectorString", and "baseSeverity"
 * (NONE, LOW, MEDIUM, HIGH or CRITICAL) read from `severity_obj` at `severity_path`
 * (NVD puts v2's beside cvssData), required when `severity_required`. The strings are
 * malloc'd into *out_vector and *out_severity (NULL when absent). */
enum medfw_err medfwi_json_cvss(const json_t *data, const char *path, const char *want_version,
				const json_t *severity_obj, const char *severity_path,
				int severity_required, unsigned *out_score, char **out_vector,
				char **out_severity, struct medfw_diag *diag);

/* The "url" of each object of array obj[key] (at most max_items, each at most max_bytes,
 * no space; `web_only`: http(s) or ftp(s), else any URI with a scheme), malloc'd. */
enum medfw_err medfwi_json_url_list(const json_t *obj, const char *path, const char *key,
				    int required, size_t max_items, size_t max_bytes, int web_only,
				    char ***out, size_t *count, struct medfw_diag *diag);

/* The English values of an array of {lang, value} at `path` (lang "en", "en-..." or
 * "en_...", any case), malloc'd in order; each value at most max_bytes of `kind`,
 * non-empty when `nonempty`. */
enum medfw_err medfwi_json_english(const json_t *arr, const char *path, size_t max_bytes,
				   enum medfwi_str_kind kind, int nonempty, char ***out,
				   size_t *count, struct medfw_diag *diag);

/* "YYYY-MM-DDTHH:MM:SS[.fraction][Z|+hh:mm|-hh:mm]", a real date (NVD writes no offset). */
int medfwi_valid_timestamp(const char *s);

/* A duplicate of s (NULL for NULL); NULL also when out of memory, so callers check. */
char *medfwi_strdup(const char *s);

/* Write printf-style text into dst (cap bytes), ending in "..." when truncated. */
void medfwi_ev_printf(char *dst, size_t cap, const char *fmt, ...) MEDFW_PRINTF(3, 4);


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

/* medfw_nvd_page_parse on an already parsed document (the feed loader parses a file
 * once to detect its format); the caller checked its size and depth. */
struct medfw_nvd_page;
enum medfw_err medfwi_nvd_page_from_json(const json_t *doc, struct medfw_nvd_page **out,
					 struct medfw_diag *diag);

/* ASCII case-insensitive equality. */
int medfwi_eq_ci(const char *a, const char *b);

#endif
