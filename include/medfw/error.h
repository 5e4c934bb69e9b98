/* medfw error codes and diagnostics.
 *
 * Every libmedfw function that can fail returns an enum medfw_err. The code says
 * WHAT failed; an optional struct medfw_diag carries one human-readable message with
 * context (path, field, key id, OpenSSL reason). The first message set wins, so the
 * innermost, most specific cause is what the user sees.
 *
 * The enum is append-only: values are part of the documented interface (docs/errors.md,
 * kept in sync by tests/unit/test_error.c). Never renumber, never reuse.
 */
#ifndef MEDFW_ERROR_H
#define MEDFW_ERROR_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define MEDFW_WARN_UNUSED __attribute__((warn_unused_result))
#define MEDFW_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define MEDFW_WARN_UNUSED
#define MEDFW_PRINTF(fmt, args)
#endif

enum medfw_err {
	MEDFW_OK = 0,
	MEDFW_ERR_NOMEM = 1,               /* out of memory */
	MEDFW_ERR_INVALID_ARG = 2,         /* caller passed an invalid argument */
	MEDFW_ERR_IO = 3,                  /* file or device read/write failed */
	MEDFW_ERR_TOO_LARGE = 4,           /* input exceeds a hard size limit */
	MEDFW_ERR_TOO_DEEP = 5,            /* input nested deeper than allowed */
	MEDFW_ERR_JSON_SYNTAX = 6,         /* not well-formed JSON */
	MEDFW_ERR_NOT_CANONICAL = 7,       /* value cannot be canonical JSON (a real number) */
	MEDFW_ERR_FIELD_MISSING = 8,       /* a required field is absent */
	MEDFW_ERR_FIELD_TYPE = 9,          /* a field has the wrong JSON type */
	MEDFW_ERR_FIELD_VALUE = 10,        /* a field's value is out of range or malformed */
	MEDFW_ERR_CRYPTO = 11,             /* the crypto library failed internally */
	MEDFW_ERR_KEY_FORMAT = 12,         /* key material is malformed */
	MEDFW_ERR_KEY_UNSUPPORTED = 13,    /* key type or scheme not supported */
	MEDFW_ERR_BAD_PASSPHRASE = 14,     /* private key could not be decrypted */
	MEDFW_ERR_SIGNATURE = 15,          /* a signature does not verify */
	MEDFW_ERR_THRESHOLD = 16,          /* too few valid signatures for the role */
	MEDFW_ERR_DUPLICATE_KEYID = 17,    /* same key id twice where it must be unique */
	MEDFW_ERR_EXPIRED = 18,            /* metadata has expired */
	MEDFW_ERR_ROLLBACK = 19,           /* version older than the trusted one */
	MEDFW_ERR_VERSION_MISMATCH = 20,   /* version differs from the one referenced */
	MEDFW_ERR_LENGTH_MISMATCH = 21,    /* length differs from the signed length */
	MEDFW_ERR_HASH_MISMATCH = 22,      /* hash differs from the signed hash */
	MEDFW_ERR_ROLE_TYPE = 23,          /* metadata is not of the expected role type */
	MEDFW_ERR_SPEC_VERSION = 24,       /* unsupported TUF specification version */
	MEDFW_ERR_NOT_FOUND = 25,          /* named item (target, role, file) not found */
	MEDFW_ERR_FETCH = 26,              /* download failed */
	MEDFW_ERR_HARDWARE = 27,           /* release is not for this hardware */
	MEDFW_ERR_SECURITY_VERSION = 28,   /* security version below the stored minimum */
	MEDFW_ERR_NOTICE = 29,             /* release notice is missing or invalid */
	MEDFW_ERR_BUNDLE_FORMAT = 30,      /* bundle is malformed */
	MEDFW_ERR_TRUNCATED = 31,          /* input ends early */
	MEDFW_ERR_EXISTS = 32,             /* refusing to overwrite an existing item */
	MEDFW_ERR_STATE = 33,              /* operation not valid in the current state */
	MEDFW_ERR_COMPRESSION = 34,        /* compressed data is malformed */
	MEDFW_ERR_USAGE = 35,              /* command-line usage error */
	MEDFW_ERR_FREEZE = 36,             /* repository metadata is stale (freeze attack) */
	MEDFW_ERR_REFUSED = 37,            /* the server refused the request */
	MEDFW_ERR_NO_SPACE = 38,           /* no space left on the device */
	MEDFW_ERR_AGENT_VERSION = 39,      /* the agent is older than the release requires */
	MEDFW_ERR_HEALTH_CHECK = 40,       /* a health check failed */
	MEDFW_ERR_NOT_PERMITTED = 41,      /* not allowed to this actor (role, two-person rule) */
};

/* The largest value of enum medfw_err; grows as codes are appended. */
#define MEDFW_ERR_MAX_ 41

/* Static English description of an error code; never NULL ("unknown error" for
 * values outside the enum). */
const char *medfw_strerror(enum medfw_err err);

/* Stable machine-readable name of an error code, e.g. "MEDFW_ERR_EXPIRED". */
const char *medfw_err_name(enum medfw_err err);

#define MEDFW_DIAG_MSG_MAX 512

/* Optional diagnostics. Caller-owned, typically on the stack; zero it or call
 * medfw_diag_clear() before use. Pass NULL wherever diagnostics are not wanted. */
struct medfw_diag {
	enum medfw_err err;
	char msg[MEDFW_DIAG_MSG_MAX];
};

void medfw_diag_clear(struct medfw_diag *diag);

/* Records err with a formatted message unless diag is NULL or already holds one.
 * Always returns err, so callers can write `return medfw_diag_set(d, E, ...)`. */
enum medfw_err medfw_diag_set(struct medfw_diag *diag, enum medfw_err err, const char *fmt, ...)
	MEDFW_PRINTF(3, 4);

/* The message to show for a failure: the diagnostic text if one was recorded,
 * else medfw_strerror(err). Never NULL. */
const char *medfw_diag_message(const struct medfw_diag *diag, enum medfw_err err);

#ifdef __cplusplus
}
#endif
#endif
