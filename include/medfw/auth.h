/* Authentication primitives for the fleet server: password hashing (Argon2id),
 * password policy, TOTP second factor (RFC 6238 / RFC 4226), session / API /
 * enrolment tokens, CSRF tokens, login lockout policy and a per-address rate limiter.
 *
 * Conventions (as in crypto.h): outputs are caller-owned buffers sized by the named
 * constants below; on failure every output is cleared; verify functions are
 * warn_unused_result, fail closed and compare in constant time. The caller supplies
 * the time (medfw_ctx_now) so nothing here reads a clock. Nothing here keeps global
 * state or writes a secret into a diag message. Secrets the caller holds (TOTP
 * seeds, tokens, server keys) should be wiped with medfw_wipe when done.
 *
 * Error codes used throughout:
 *   MEDFW_ERR_INVALID_ARG   NULL pointer, bad enum, too small output buffer;
 *   MEDFW_ERR_SIGNATURE     a password, TOTP code, token or CSRF token does not match;
 *   MEDFW_ERR_FIELD_VALUE   malformed input (encoded hash, token, code), out-of-bound
 *                           Argon2 parameters, or a password policy violation;
 *   MEDFW_ERR_ROLLBACK      a TOTP code that matches but was already used (replay);
 *   MEDFW_ERR_TOO_LARGE     input longer than its hard maximum;
 *   MEDFW_ERR_CRYPTO        the crypto library / libargon2 failed internally;
 *   MEDFW_ERR_NOMEM         out of memory.
 */
#ifndef MEDFW_AUTH_H
#define MEDFW_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "medfw/crypto.h"
#include "medfw/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ======================================================================== */
/* Passwords: Argon2id, PHC string format                                    */
/* ======================================================================== */

/* Production parameters. OWASP's floor for Argon2id is m=19 MiB, t=2, p=1; we use
 * 32 MiB and 3 passes, about 0.1 s on one core of the 2-core server, with one lane
 * so a login occupies one core. The server must bound how many hashes run at once
 * (memory = concurrent logins x 32 MiB). */
#define MEDFW_ARGON2_M_COST_KIB 32768u
#define MEDFW_ARGON2_T_COST 3u
#define MEDFW_ARGON2_PARALLELISM 1u
#define MEDFW_ARGON2_SALT_LEN 16u
#define MEDFW_ARGON2_HASH_LEN 32u

/* What medfw_password_verify accepts in a stored hash. Below the minimum a hash is
 * too weak to trust (MEDFW_ERR_FIELD_VALUE, not silently accepted); above the maximum
 * verifying it would be a denial of service (1 GiB, 10 passes, 8 lanes). */
#define MEDFW_ARGON2_MIN_M_COST_KIB 19456u
#define MEDFW_ARGON2_MIN_T_COST 2u
#define MEDFW_ARGON2_MAX_M_COST_KIB (1024u * 1024u)
#define MEDFW_ARGON2_MAX_T_COST 10u
#define MEDFW_ARGON2_MAX_PARALLELISM 8u
#define MEDFW_ARGON2_MIN_SALT_LEN 16u
#define MEDFW_ARGON2_MAX_SALT_LEN 64u
#define MEDFW_ARGON2_MIN_HASH_LEN 16u
#define MEDFW_ARGON2_MAX_HASH_LEN 64u

/* Buffer size for an encoded hash, NUL included; also the longest encoding verify
 * reads. "$argon2id$v=19$m=32768,t=3,p=1$<22 chars>$<43 chars>" is 97 chars. */
#define MEDFW_PASSWORD_HASH_MAX 256u

/* Password length bounds (policy and hashing). */
#define MEDFW_PASSWORD_MIN_CHARS 12u     /* Unicode code points */
#define MEDFW_PASSWORD_MAX_BYTES 1024u   /* UTF-8 bytes */

/* An Argon2id parameter set (memory in KiB). */
struct medfw_argon2_params {
	uint32_t m_cost_kib;
	uint32_t t_cost;
	uint32_t parallelism;
};

/* Bounds a stored hash must satisfy to be verified. */
struct medfw_argon2_limits {
	struct medfw_argon2_params min;
	struct medfw_argon2_params max;
};

/* The production set and the production limits (the constants above). */
void medfw_argon2_params_default(struct medfw_argon2_params *out);
void medfw_argon2_limits_default(struct medfw_argon2_limits *out);

/* Hash `password` (NUL-terminated, at most MEDFW_PASSWORD_MAX_BYTES; policy is NOT
 * checked here, see medfw_password_check_policy) with the production parameters and
 * a fresh 16-byte salt; writes the PHC string "$argon2id$v=19$m=..,t=..,p=..$salt$hash"
 * to out (out_cap >= MEDFW_PASSWORD_HASH_MAX is always enough). */
enum medfw_err medfw_password_hash(const char *password, char *out, size_t out_cap,
				   struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* The same with explicit parameters (tests use a cheap set; production code calls
 * medfw_password_hash). Parameters must be within libargon2's own limits. */
enum medfw_err medfw_password_hash_params(const struct medfw_argon2_params *params,
					  const char *password, char *out, size_t out_cap,
					  struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* Check `password` against a stored PHC string with the production limits.
 * MEDFW_OK only if the encoding is well-formed argon2id v=19 within the limits and
 * the password matches. MEDFW_ERR_SIGNATURE: wrong password (or a password longer
 * than MEDFW_PASSWORD_MAX_BYTES, which no hash can match); MEDFW_ERR_FIELD_VALUE:
 * malformed encoding or parameters outside the limits (the diag says which; it never
 * contains the password). Treat anything but MEDFW_OK as "not authenticated". */
enum medfw_err medfw_password_verify(const char *encoded, const char *password,
				     struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* The same with explicit limits (tests). */
enum medfw_err medfw_password_verify_limits(const struct medfw_argon2_limits *limits,
					    const char *encoded, const char *password,
					    struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* For a login naming a user that does not exist: do the same work as verifying
 * against a production-parameter hash, then fail. Always MEDFW_ERR_SIGNATURE, so the
 * response time does not tell which usernames exist. */
enum medfw_err medfw_password_verify_dummy(const char *password) MEDFW_WARN_UNUSED;

/* 1 if a stored hash should be replaced at the next successful login: its
 * parameters, salt or hash length differ from the production set, or it does not
 * parse. 0 if it is current. */
int medfw_password_needs_rehash(const char *encoded);

/* Password policy for new passwords: valid UTF-8 (no overlong forms, surrogates or
 * code points past U+10FFFF), at least MEDFW_PASSWORD_MIN_CHARS code points, at most
 * MEDFW_PASSWORD_MAX_BYTES bytes, not one character repeated, not equal to the
 * username (ignoring ASCII case). username may be NULL. MEDFW_OK or
 * MEDFW_ERR_FIELD_VALUE with a diag message naming the rule (never the password). */
enum medfw_err medfw_password_check_policy(const char *username, const char *password,
					   struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* ======================================================================== */
/* TOTP (RFC 6238) over HOTP (RFC 4226), HMAC-SHA1                           */
/* ======================================================================== */

#define MEDFW_TOTP_SECRET_LEN 20u       /* bytes of a generated seed (160 bits) */
#define MEDFW_TOTP_SECRET_B32_LEN 32u   /* its base32 length, without NUL */
#define MEDFW_TOTP_DIGITS 6u
#define MEDFW_TOTP_STEP_S 30
#define MEDFW_TOTP_WINDOW 1             /* steps accepted either side of now */
#define MEDFW_HOTP_MIN_DIGITS 6u
#define MEDFW_HOTP_MAX_DIGITS 8u
#define MEDFW_HOTP_CODE_MAX (MEDFW_HOTP_MAX_DIGITS + 1u) /* buffer for a code + NUL */
#define MEDFW_OTPAUTH_LABEL_PART_MAX 256u  /* bytes of site, of user */
#define MEDFW_OTPAUTH_URI_MAX 2048u        /* buffer for an otpauth:// URI + NUL */

/* A fresh random seed: out_cap >= MEDFW_TOTP_SECRET_LEN, fills exactly that many. */
enum medfw_err medfw_totp_secret_generate(uint8_t *out, size_t out_cap) MEDFW_WARN_UNUSED;

/* The HOTP value of `counter` (RFC 4226 section 5.3) as `digits` (6..8) decimal
 * digits with leading zeros, NUL-terminated (out_cap >= digits + 1). secret_len
 * 1..MEDFW_HMAC_KEY_MAX. */
enum medfw_err medfw_hotp(const uint8_t *secret, size_t secret_len, uint64_t counter,
			  unsigned digits, char *out, size_t out_cap) MEDFW_WARN_UNUSED;

/* The TOTP counter of a time: floor(now / MEDFW_TOTP_STEP_S); now must be >= 0. */
enum medfw_err medfw_totp_counter(int64_t now, uint64_t *out_counter) MEDFW_WARN_UNUSED;

/* The production TOTP code (6 digits) for time `now`. */
enum medfw_err medfw_totp_code(const uint8_t *secret, size_t secret_len, int64_t now,
			       char *out, size_t out_cap) MEDFW_WARN_UNUSED;

/* Verify a 6-digit code typed by the user at time `now` against the counters
 * counter(now) - MEDFW_TOTP_WINDOW .. counter(now) + MEDFW_TOTP_WINDOW (every
 * candidate is computed and compared in constant time). last_counter is the counter
 * of the last code this user logged in with (0 if none), stored by the caller.
 * MEDFW_OK: *out_counter is the matched counter, > last_counter; store it.
 * MEDFW_ERR_ROLLBACK: the code matches but its counter is <= last_counter (replay).
 * MEDFW_ERR_SIGNATURE: no match. MEDFW_ERR_FIELD_VALUE: code is not exactly 6 ASCII
 * digits. *out_counter is 0 on every failure. */
enum medfw_err medfw_totp_verify(const uint8_t *secret, size_t secret_len, const char *code,
				 int64_t now, uint64_t last_counter, uint64_t *out_counter)
	MEDFW_WARN_UNUSED;

/* The otpauth:// URI an authenticator app scans (Google Authenticator key URI
 * format):
 *   otpauth://totp/medfw:<site>%3A<user>?secret=<BASE32>&issuer=medfw
 *       &algorithm=SHA1&digits=6&period=30
 * The label is issuer "medfw", then the account name "site:user"; site and user are
 * percent-encoded (everything but RFC 3986 unreserved characters, the colon between
 * them included, so apps splitting the label at its first colon see issuer "medfw").
 * site and user: non-empty valid UTF-8, at most MEDFW_OTPAUTH_LABEL_PART_MAX bytes.
 * out_cap >= MEDFW_OTPAUTH_URI_MAX is always enough. The URI contains the secret. */
enum medfw_err medfw_totp_uri(const uint8_t *secret, size_t secret_len, const char *site,
			      const char *user, char *out, size_t out_cap,
			      struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* ======================================================================== */
/* Tokens                                                                   */
/* ======================================================================== */

/* "<prefix><base64url of 32 random bytes, no padding>", e.g. "mfs_Xk3...". The
 * prefix makes leaked tokens recognisable (secret scanners, logs). The server stores
 * only medfw_token_hash of a token. */
enum medfw_token_type {
	MEDFW_TOKEN_SESSION = 1,    /* "mfs_": browser session cookie */
	MEDFW_TOKEN_API = 2,        /* "mft_": scoped API token for scripts */
	MEDFW_TOKEN_ENROLMENT = 3,  /* "mfe_": one-time device enrolment token */
};

#define MEDFW_TOKEN_RANDOM_LEN 32u
#define MEDFW_TOKEN_PREFIX_LEN 4u
#define MEDFW_TOKEN_LEN (MEDFW_TOKEN_PREFIX_LEN + 43u) /* chars, without NUL */
#define MEDFW_TOKEN_BUF (MEDFW_TOKEN_LEN + 1u)
#define MEDFW_TOKEN_HASH_LEN MEDFW_SHA256_LEN

/* The prefix of a type ("mfs_"...), or NULL for an unknown type. */
const char *medfw_token_prefix(enum medfw_token_type type);

/* A new token of `type` into out (out_cap >= MEDFW_TOKEN_BUF). */
enum medfw_err medfw_token_generate(enum medfw_token_type type, char *out, size_t out_cap)
	MEDFW_WARN_UNUSED;

/* Check the form of an untrusted token: a known prefix and exactly 43 canonical
 * base64url characters. MEDFW_OK with *out_type, or MEDFW_ERR_FIELD_VALUE. */
enum medfw_err medfw_token_parse(const char *token, enum medfw_token_type *out_type)
	MEDFW_WARN_UNUSED;

/* SHA-256 of the whole token text (prefix included), the form stored in the
 * database. The token must parse (MEDFW_ERR_FIELD_VALUE otherwise), so garbage never
 * reaches a lookup. out_cap >= MEDFW_TOKEN_HASH_LEN. */
enum medfw_err medfw_token_hash(const char *token, uint8_t *out, size_t out_cap)
	MEDFW_WARN_UNUSED;

/* MEDFW_OK if `token` parses, has type `expected_type` and hashes to stored_hash
 * (MEDFW_TOKEN_HASH_LEN bytes; compared in constant time). MEDFW_ERR_SIGNATURE for a
 * well-formed token that does not match (wrong type included); MEDFW_ERR_FIELD_VALUE
 * for a malformed one. */
enum medfw_err medfw_token_verify(const char *token, enum medfw_token_type expected_type,
				  const uint8_t *stored_hash, size_t stored_hash_len)
	MEDFW_WARN_UNUSED;

/* ======================================================================== */
/* CSRF: double-submit token bound to the session                           */
/* ======================================================================== */

#define MEDFW_CSRF_SECRET_MIN 32u                 /* bytes of server secret */
#define MEDFW_CSRF_TOKEN_LEN 43u                  /* base64url of HMAC-SHA256 */
#define MEDFW_CSRF_TOKEN_BUF (MEDFW_CSRF_TOKEN_LEN + 1u)
#define MEDFW_CSRF_SESSION_ID_MAX 1024u

/* base64url(HMAC-SHA256(server_secret, "medfw-csrf-v1" NUL session_id)): the label
 * keeps the key usable for other MACs. session_id (non-empty, at most
 * MEDFW_CSRF_SESSION_ID_MAX bytes) identifies the session, e.g. its token hash in hex.
 * secret_len >= MEDFW_CSRF_SECRET_MIN. out_cap >= MEDFW_CSRF_TOKEN_BUF. */
enum medfw_err medfw_csrf_token(const uint8_t *server_secret, size_t secret_len,
				const char *session_id, char *out, size_t out_cap)
	MEDFW_WARN_UNUSED;

/* MEDFW_OK if `presented` (the header value) is the CSRF token of session_id;
 * MEDFW_ERR_SIGNATURE otherwise (wrong length, other session, NULL presented). */
enum medfw_err medfw_csrf_verify(const uint8_t *server_secret, size_t secret_len,
				 const char *session_id, const char *presented)
	MEDFW_WARN_UNUSED;

/* ======================================================================== */
/* Login lockout policy (pure functions)                                    */
/* ======================================================================== */

/* After MEDFW_LOGIN_FREE_FAILURES consecutive failures the account is locked for
 * MEDFW_LOGIN_LOCK_BASE_S; each further failure doubles the lock, capped at
 * MEDFW_LOGIN_LOCK_MAX_S: 5 failures -> 1 min, 6 -> 2 min, 7 -> 4, ... 11+ -> 1 h. */
#define MEDFW_LOGIN_FREE_FAILURES 5u
#define MEDFW_LOGIN_LOCK_BASE_S 60
#define MEDFW_LOGIN_LOCK_MAX_S 3600

/* What the store keeps per account. locked_until is seconds since the epoch, 0 if
 * never locked. */
struct medfw_login_state {
	uint32_t failed_logins;
	int64_t locked_until;
};

enum medfw_login_decision {
	MEDFW_LOGIN_ALLOW = 1,
	MEDFW_LOGIN_LOCKED = 2,
};

/* May this account attempt a login at `now`? LOCKED while now < locked_until, with
 * *out_retry_after the seconds left (>= 1); ALLOW with *out_retry_after 0. When
 * LOCKED the server must not check the password (and not count a failure). */
enum medfw_login_decision medfw_login_check(const struct medfw_login_state *state,
					    int64_t now, int64_t *out_retry_after)
	MEDFW_WARN_UNUSED;

/* Lock length after `failed_logins` consecutive failures (0 below the threshold). */
int64_t medfw_login_lock_duration(uint32_t failed_logins);

/* The state after a failed attempt at `now`: one more failure (saturating) and, from
 * the threshold on, locked_until = now + lock duration. */
void medfw_login_record_failure(const struct medfw_login_state *state, int64_t now,
				struct medfw_login_state *out);

/* The state after a successful login: all clear. */
void medfw_login_record_success(struct medfw_login_state *out);

/* ======================================================================== */
/* Per-address rate limiter: a fixed-size table of token buckets            */
/* ======================================================================== */

/* Each key (a client address, e.g. "192.0.2.7" or an IPv6 /64 prefix) has a bucket
 * of `burst` requests refilled at `refill_per_minute`. Keys are stored only as a
 * keyed hash (random key per table), in `entries` slots grouped in 8-way sets; when
 * a set is full the entry with a full bucket (no information lost) or else the least
 * recently used one is evicted. Memory is fixed at creation. Thread-safe: one mutex.
 * Created by medfw_ratelimit_new, freed by medfw_ratelimit_free (NULL is a no-op). */
#define MEDFW_RATELIMIT_MIN_ENTRIES 8u
#define MEDFW_RATELIMIT_MAX_ENTRIES (1u << 20)
#define MEDFW_RATELIMIT_MAX_BURST 1000000u
#define MEDFW_RATELIMIT_MAX_REFILL_PER_MIN 6000000u

struct medfw_ratelimit_config {
	uint32_t entries;            /* rounded up to a multiple of 8 */
	uint32_t burst;              /* bucket capacity, >= 1 */
	uint32_t refill_per_minute;  /* >= 1 */
};

struct medfw_ratelimit;

enum medfw_err medfw_ratelimit_new(const struct medfw_ratelimit_config *config,
				   struct medfw_ratelimit **out) MEDFW_WARN_UNUSED;
void medfw_ratelimit_free(struct medfw_ratelimit *rl);

/* Take one request for `key` (key_len bytes, 1..256) at `now` (seconds). 1 if
 * allowed; 0 if limited, with *out_retry_after the seconds until a request would be
 * allowed (out_retry_after may be NULL). Invalid arguments fail closed (0). A clock
 * that goes backwards refills nothing. */
int medfw_ratelimit_take(struct medfw_ratelimit *rl, const void *key, size_t key_len,
			 int64_t now, int64_t *out_retry_after) MEDFW_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif
