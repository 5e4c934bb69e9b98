/* Internal: what the vulnerability-data readers share (advjson.c): OSV, CSAF, KEV and
 * VEX use all of it; NVD and CVE 5 (feed_int.h) the paths, quoting, ids and times.
 *
 *   - an arena: every string and array of a parsed record lives in one arena, so a
 *     record is freed in one call and a parse that fails half-way leaks nothing;
 *   - typed JSON accessors that name the failing field by its JSON path
 *     ("affected[2].ranges[0].events[1].fixed") and copy into the arena, with a
 *     length bound on every string and an item bound on every array;
 *   - RFC 3339 date-times (fractions and offsets, compared as instants) and dates.
 */
#ifndef MEDFW_VULN_ADVJSON_INT_H
#define MEDFW_VULN_ADVJSON_INT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "medfw/error.h"

struct medfwi_arena_chunk;

struct medfwi_arena {
	struct medfwi_arena_chunk *chunks;
	size_t total; /* bytes handed out */
	size_t max;   /* hard limit on total */
	int too_large; /* an allocation failed because of max (else: out of memory) */
};

void medfwi_arena_init(struct medfwi_arena *a, size_t max);
/* Zeroed, aligned memory, or NULL (out of memory, or past max: a->too_large). */
void *medfwi_arena_alloc(struct medfwi_arena *a, size_t size);
/* Copy of s[0..len) with a NUL, or NULL. */
char *medfwi_arena_strndup(struct medfwi_arena *a, const char *s, size_t len);
void medfwi_arena_free(struct medfwi_arena *a);

/* A reader: the arena the values go to, the diagnostics, and the name of the
 * document kind that starts every message ("OSV record", "CSAF document"). */
struct medfwi_jr {
	struct medfwi_arena *arena;
	struct medfw_diag *diag;
	const char *what;
};

#define MEDFWI_PATH_MAX 256

/* "base.key" (or "key" when base is ""), "base.key[i]", "base[i]"; truncated to
 * MEDFWI_PATH_MAX - 1 bytes. */
void medfwi_path_key(char *out, const char *base, const char *key);
void medfwi_path_item(char *out, const char *base, const char *key, size_t i);

/* A printable, bounded rendering of untrusted text for a message ('?' for anything
 * else, "..." when cut, "(none)" for NULL). medfwi_quote_n keeps at most `max`
 * characters. Both return buf. */
const char *medfwi_quote(const char *s, char *buf, size_t cap);
const char *medfwi_quote_n(const char *s, size_t max, char *buf, size_t cap);

/* The arena's failure as an error: MEDFW_ERR_TOO_LARGE or MEDFW_ERR_NOMEM. */
enum medfw_err medfwi_jr_alloc_failed(const struct medfwi_jr *jr);

/* String flags. */
#define MEDFWI_REQUIRED 1u  /* absent is MEDFW_ERR_FIELD_MISSING */
#define MEDFWI_NONEMPTY 2u  /* "" is MEDFW_ERR_FIELD_VALUE (JSON Schema minLength 1) */
#define MEDFWI_UNIQUE 4u    /* arrays: items are distinct (uniqueItems) */
#define MEDFWI_NULL_OK 8u   /* JSON null is the same as absent */

/* The string at obj[key], copied to the arena (*out NULL when absent). obj must be
 * an object (checked by the caller). Errors: FIELD_MISSING, FIELD_TYPE, FIELD_VALUE
 * (empty with NONEMPTY), TOO_LARGE (more than max_len bytes). */
enum medfw_err medfwi_jr_str(const struct medfwi_jr *jr, const json_t *obj, const char *path,
			     const char *key, unsigned flags, size_t max_len, const char **out);

/* The array at obj[key] (borrowed; *out NULL and *count 0 when absent), at most
 * max_items long; NONEMPTY: at least one item. */
enum medfw_err medfwi_jr_array(const struct medfwi_jr *jr, const json_t *obj, const char *path,
			       const char *key, unsigned flags, size_t max_items, json_t **out,
			       size_t *count);

/* The object at obj[key] (borrowed; NULL when absent). */
enum medfw_err medfwi_jr_object(const struct medfwi_jr *jr, const json_t *obj, const char *path,
				const char *key, unsigned flags, json_t **out);

/* An array of strings at obj[key], copied: *out is an arena array of *count strings
 * (NULL/0 when absent). Each string at most max_len bytes; flags apply to the array
 * (REQUIRED, NONEMPTY = at least one item, UNIQUE) and NONEMPTY also to each item. */
enum medfw_err medfwi_jr_str_array(const struct medfwi_jr *jr, const json_t *obj,
				   const char *path, const char *key, unsigned flags,
				   size_t max_items, size_t max_len, const char ***out,
				   size_t *count);

/* One of `values` (NULL-terminated); *index is its position. */
enum medfw_err medfwi_jr_enum(const struct medfwi_jr *jr, const json_t *obj, const char *path,
			      const char *key, unsigned flags, const char *const *values,
			      int *index);

/* obj must be a JSON object: MEDFW_ERR_FIELD_TYPE naming path otherwise. */
enum medfw_err medfwi_jr_expect_object(const struct medfwi_jr *jr, const json_t *v,
				       const char *path);

/* An RFC 3339 date-time as an instant. */
struct medfwi_time {
	int64_t seconds;  /* since 1970-01-01T00:00:00Z */
	uint32_t nanos;   /* first nine fraction digits */
};

/* Parse "YYYY-MM-DDTHH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)" ('T' and 'Z' in either
 * case, as RFC 3339 section 5.6 allows); a real calendar date, hour < 24, minute <
 * 60, second <= 60. Returns 1 and fills *out, or 0. */
int medfwi_time_parse(const char *s, struct medfwi_time *out);
/* The same with the offset optional (UTC when absent), as NVD writes its times. */
int medfwi_time_parse_utc(const char *s, struct medfwi_time *out);
int medfwi_time_cmp(const struct medfwi_time *a, const struct medfwi_time *b);

/* "YYYY-MM-DD", a real calendar date. */
int medfwi_date_valid(const char *s);

/* The byte of the two hex digits at p (the "XX" of a percent-encoding, either case):
 * 1 and *out, or 0 when they are not two hex digits. */
int medfwi_pct_byte(const char *p, unsigned char *out);

/* ^CVE-[0-9]{4}-[0-9]{4,max_digits}$ */
int medfwi_cve_valid(const char *s, size_t max_digits);

#endif
