/* Strict configuration files parsed from one table of options.
 *
 * A front end describes its options once, in an array of struct medfw_config_option
 * (name, type, default, bounds, description, offset of the field in its typed
 * struct). The same table parses the file, fills the struct, and documents the
 * options (--help, man page, docs), so the three cannot drift.
 *
 * File format (UTF-8 text, at most MEDFW_CONFIG_MAX_BYTES):
 *
 *     # a comment: the whole line, '#' as the first non-blank character
 *     listen_port = 8443
 *     data_dir    = /var/lib/medfwd
 *
 * One `key = value` per line; blanks around key and value are ignored; keys are
 * [a-z0-9_]; the value is the rest of the line (no quoting, no inline comments);
 * empty lines are fine; CRLF line ends are accepted. Every error names the file and
 * line: unknown key, duplicate key, missing '=', empty value, a value of the wrong
 * type or out of bounds, a control character or NUL, invalid UTF-8, an over-long line,
 * and (at the end) a required option that was not set.
 *
 * Value types and the field each fills (at `offset` in the caller's struct):
 *   STRING, PATH  char *  (owned; freed by medfw_config_clear). PATH must be absolute.
 *   INT           uint64_t, decimal, within [min, max]
 *   BOOL          int 0/1, from true/false/yes/no/on/off
 *   DURATION      uint64_t seconds: "90", "90s", "15m", "8h", "30d", within [min, max]
 *   SIZE          uint64_t bytes: "4096", "64KiB", "1MiB", "2GiB", within [min, max]
 *   CHOICE        unsigned index into `choices` ("json|text": "text" is 1)
 */
#ifndef MEDFW_CONFIG_H
#define MEDFW_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "medfw/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MEDFW_CONFIG_MAX_BYTES (64u * 1024u)
#define MEDFW_CONFIG_MAX_LINE 4096u

enum medfw_config_type {
	MEDFW_CONFIG_STRING = 0,
	MEDFW_CONFIG_PATH = 1,
	MEDFW_CONFIG_INT = 2,
	MEDFW_CONFIG_BOOL = 3,
	MEDFW_CONFIG_DURATION = 4,
	MEDFW_CONFIG_SIZE = 5,
	MEDFW_CONFIG_CHOICE = 6,
};

/* The option must be set in the file (it has no default). */
#define MEDFW_CONFIG_REQUIRED 1u

struct medfw_config_option {
	const char *name;
	enum medfw_config_type type;
	/* Default as file text, parsed like a file value; NULL: unset (NULL string /
	 * 0) unless REQUIRED. */
	const char *default_value;
	uint64_t min, max;        /* INT, DURATION, SIZE: inclusive bounds */
	const char *choices;      /* CHOICE: "a|b|c" */
	unsigned flags;           /* MEDFW_CONFIG_REQUIRED */
	size_t offset;            /* of the field in the caller's struct */
	const char *description;  /* one or more sentences, plain text */
};

/* Parse `len` bytes of configuration text into `out` (a struct of `out_size` bytes
 * the table's offsets refer to). `name` is the file name used in messages. Defaults
 * are applied first, then the file, then required options are checked.
 * Errors: MEDFW_ERR_TOO_LARGE (text or a line too long), MEDFW_ERR_USAGE (a line that
 * is not `key = value`, an unknown or duplicate key), MEDFW_ERR_FIELD_VALUE (bad
 * value), MEDFW_ERR_FIELD_MISSING (required option not set), MEDFW_ERR_NOMEM; the diag
 * message starts with "NAME:LINE: ". On failure `out` is cleared (strings freed,
 * zeroed). On success the caller frees it with medfw_config_clear. */
enum medfw_err medfw_config_parse(const struct medfw_config_option *opts, size_t n_opts,
				  const char *name, const uint8_t *text, size_t len, void *out,
				  size_t out_size, struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* Read the file at `path` (at most MEDFW_CONFIG_MAX_BYTES) and parse it. */
enum medfw_err medfw_config_load(const struct medfw_config_option *opts, size_t n_opts,
				 const char *path, void *out, size_t out_size,
				 struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* Free the strings a parse stored in `out` and zero it; out NULL is a no-op. */
void medfw_config_clear(const struct medfw_config_option *opts, size_t n_opts, void *out,
			size_t out_size);

/* Human name of a type ("duration"), for documentation. */
const char *medfw_config_type_name(enum medfw_config_type type);

/* Parse one value as option `opt` would (without storing it): for checking
 * tables and defaults in tests. */
enum medfw_err medfw_config_check_value(const struct medfw_config_option *opt,
					const char *value, struct medfw_diag *diag)
	MEDFW_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif
