/* Bounded JSON parsing and canonical JSON encoding.
 *
 * Parsing (of untrusted bytes) is bounded in size and nesting depth, rejects
 * duplicate object keys, NUL characters in strings, invalid UTF-8 and trailing data.
 *
 * Canonical JSON is byte-for-byte what securesystemslib's encode_canonical() produces
 * (the form TUF signs): object keys sorted by Unicode code point (= UTF-8 byte order),
 * no insignificant whitespace, strings with only `\` and `"` escaped (every other
 * character, control characters and non-ASCII included, is emitted raw as UTF-8),
 * integers in decimal, true/false/null. Real numbers cannot be encoded.
 * Because control characters are emitted raw, canonical bytes of a document whose
 * strings contain U+0001..U+001F are not valid JSON and medfw_json_parse rejects them:
 * canonical form is for hashing and signing, not for storage.
 *
 * jansson's json_t is the tree type; medfw uses it directly.
 */
#ifndef MEDFW_JSON_H
#define MEDFW_JSON_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "medfw/buf.h"
#include "medfw/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Default limits for metadata documents. */
#define MEDFW_JSON_MAX_DEPTH 32
#define MEDFW_JSON_MAX_BYTES (16u * 1024u * 1024u)

/* Parse `len` bytes into a new tree (caller frees with json_decref). Any top-level
 * value is accepted (callers check for an object). Fails with
 * MEDFW_ERR_TOO_LARGE (len > max_bytes, checked before anything else),
 * MEDFW_ERR_TOO_DEEP (nesting > max_depth, where a top-level object or array is
 * depth 1; found by a linear pre-scan before jansson runs, the message names the byte
 * offset), MEDFW_ERR_JSON_SYNTAX (malformed, empty, truncated, duplicate key, \u0000
 * in a string, invalid UTF-8 or lone surrogate, trailing data, an integer outside the
 * int64 range; the message gives line, column and jansson's text).
 * *out is NULL on failure. */
enum medfw_err medfw_json_parse(const uint8_t *data, size_t len, size_t max_bytes,
				unsigned max_depth, json_t **out, struct medfw_diag *diag)
	MEDFW_WARN_UNUSED;

/* Append the canonical encoding of `value` to `out`. Fails with
 * MEDFW_ERR_NOT_CANONICAL for a real number, MEDFW_ERR_TOO_LARGE when `out` hits its
 * limit, MEDFW_ERR_TOO_DEEP past MEDFW_JSON_MAX_DEPTH * 4 levels. On failure `out`
 * is left at its original length. */
enum medfw_err medfw_json_canonical(const json_t *value, struct medfw_buf *out,
				    struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* Typed field accessors for validating parsed documents. Each fails with
 * MEDFW_ERR_FIELD_MISSING or MEDFW_ERR_FIELD_TYPE naming `what` and `key` in diag
 * (e.g. what="root.signed", key="expires"); outputs are borrowed from `obj`. */
enum medfw_err medfw_json_get_object(const json_t *obj, const char *what, const char *key,
				     json_t **out, struct medfw_diag *diag) MEDFW_WARN_UNUSED;
enum medfw_err medfw_json_get_array(const json_t *obj, const char *what, const char *key,
				    json_t **out, struct medfw_diag *diag) MEDFW_WARN_UNUSED;
enum medfw_err medfw_json_get_string(const json_t *obj, const char *what, const char *key,
				     const char **out, struct medfw_diag *diag) MEDFW_WARN_UNUSED;
/* An integer within [min, max]; MEDFW_ERR_FIELD_VALUE outside. */
enum medfw_err medfw_json_get_int(const json_t *obj, const char *what, const char *key,
				  int64_t min, int64_t max, int64_t *out,
				  struct medfw_diag *diag) MEDFW_WARN_UNUSED;
enum medfw_err medfw_json_get_bool(const json_t *obj, const char *what, const char *key,
				   int *out, struct medfw_diag *diag) MEDFW_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif
