/* HTTP Message Signatures (RFC 9421) for device requests: Ed25519 (the device's own
 * key) and HMAC-SHA256 (a device session's key, docs/devices.md "Sessions").
 *
 * A device signs each request with its own Ed25519 key (or a session key) over
 *   ("@method" "@path" ["@query"] "content-digest")
 * with the signature parameters created, nonce, keyid (the device id) and
 * alg="ed25519" (or "hmac-sha256"), under one label (MEDFW_HTTPSIG_LABEL, "sig1"):
 *
 *   Content-Digest:  sha-256=:<base64 SHA-256 of the body>:          (RFC 9530)
 *   Signature-Input: sig1=("@method" "@path" "content-digest");created=1700000000;
 *                    nonce="...";keyid="dev-1";alg="ed25519"
 *   Signature:       sig1=:<base64 of the 64-byte signature>:
 *
 * Structured fields (RFC 8941) are parsed by a bounded, strict parser for the subset
 * these headers use: a dictionary whose members are inner lists of strings with
 * parameters (Signature-Input) or byte sequences (Signature, Content-Digest). Bare
 * items may be strings, integers and byte sequences; tokens, booleans, decimals and
 * component parameters (";sf", ";key", ...) are refused. Stricter than RFC 8941 on
 * purpose: a dictionary key or parameter name seen twice is an error (RFC 8941 would
 * keep the last), and byte sequences must carry their '=' padding.
 *
 * The signature base is built as RFC 9421 section 2.5 says: one line
 * `"<name>": <value>` per covered component, LF-separated, then
 * `"@signature-params": <inner list serialized per RFC 8941>` without a final LF.
 * Supported components: "@method", "@authority", "@path", "@query" and HTTP fields
 * by lowercase name (value from the header callback, surrounding spaces/tabs
 * trimmed; a value with CR, LF or other control characters is refused).
 *
 * Pure functions except through the callbacks; nothing global.
 */
#ifndef MEDFW_HTTPSIG_H
#define MEDFW_HTTPSIG_H

#include <stddef.h>
#include <stdint.h>

#include "medfw/buf.h"
#include "medfw/crypto.h"
#include "medfw/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MEDFW_HTTPSIG_LABEL "sig1"
#define MEDFW_HTTPSIG_ALG "ed25519"
#define MEDFW_HTTPSIG_ALG_HMAC "hmac-sha256"

/* The signature algorithms (RFC 9421 section 3.3), as bits of policy.algs. */
enum medfw_httpsig_alg {
	MEDFW_HTTPSIG_ED25519 = 1,
	MEDFW_HTTPSIG_HMAC_SHA256 = 2,
};

/* Hard limits. Headers longer than MEDFW_HTTPSIG_HEADER_MAX bytes are
 * MEDFW_ERR_TOO_LARGE; so are more members, components or parameters than allowed,
 * and strings or names longer than their maximum. */
#define MEDFW_HTTPSIG_HEADER_MAX 4096     /* one header value, bytes */
#define MEDFW_HTTPSIG_MAX_MEMBERS 8       /* dictionary members per header */
#define MEDFW_HTTPSIG_MAX_COMPONENTS 16   /* covered components per signature */
#define MEDFW_HTTPSIG_MAX_PARAMS 8        /* parameters per member */
#define MEDFW_HTTPSIG_NAME_MAX 64         /* dictionary key, parameter or component name */
#define MEDFW_HTTPSIG_STRING_MAX 128      /* keyid, nonce, alg, tag */
#define MEDFW_HTTPSIG_BYTES_MAX 128       /* decoded byte sequence */
#define MEDFW_HTTPSIG_VALUE_MAX 2048      /* one component value in the base (path...) */
#define MEDFW_HTTPSIG_BASE_MAX 16384      /* whole signature base */
#define MEDFW_HTTPSIG_ED25519_SIG_LEN 64
#define MEDFW_HTTPSIG_ED25519_KEY_LEN 32
/* "sha-256=:" + 44 base64 chars + ":" + NUL */
#define MEDFW_HTTPSIG_DIGEST_HEADER_LEN 55

/* Header lookup: the value of the field `name` (lowercase), or NULL when absent.
 * Several field lines of one name must be combined by the caller with ", ". The
 * returned string must stay valid until medfw_httpsig_verify returns. */
typedef const char *(*medfw_httpsig_header_fn)(void *user, const char *name);

struct medfw_httpsig_request {
	const char *method;    /* "POST" ... as sent (case-sensitive) */
	const char *authority; /* host[:port], may be NULL if never covered */
	const char *path;      /* absolute path without the query; "" means "/" */
	const char *query;     /* without the leading '?'; NULL when the URL has none */
	medfw_httpsig_header_fn header;
	void *header_user;
	const uint8_t *body;   /* may be NULL when body_len is 0 */
	size_t body_len;
};

/* Parsed signature parameters of one Signature-Input member. has_* say whether a
 * parameter was present; order[] keeps the order they appeared in, which the
 * "@signature-params" line reproduces. */
enum medfw_httpsig_param {
	MEDFW_HTTPSIG_P_CREATED = 1,
	MEDFW_HTTPSIG_P_EXPIRES = 2,
	MEDFW_HTTPSIG_P_NONCE = 3,
	MEDFW_HTTPSIG_P_ALG = 4,
	MEDFW_HTTPSIG_P_KEYID = 5,
	MEDFW_HTTPSIG_P_TAG = 6,
};

struct medfw_httpsig_params {
	size_t n_components;
	char components[MEDFW_HTTPSIG_MAX_COMPONENTS][MEDFW_HTTPSIG_NAME_MAX + 1];
	size_t n_order;
	enum medfw_httpsig_param order[MEDFW_HTTPSIG_MAX_PARAMS];
	int has_created, has_expires, has_nonce, has_alg, has_keyid, has_tag;
	int64_t created;
	int64_t expires;
	char nonce[MEDFW_HTTPSIG_STRING_MAX + 1];
	char alg[MEDFW_HTTPSIG_STRING_MAX + 1];
	char keyid[MEDFW_HTTPSIG_STRING_MAX + 1];
	char tag[MEDFW_HTTPSIG_STRING_MAX + 1];
};

/* Parse the Signature-Input header value and return the member `label`.
 * Every member is syntax-checked, not only the wanted one. Errors (out zeroed):
 *   MEDFW_ERR_TOO_LARGE      header, name, string or count over its limit;
 *   MEDFW_ERR_FIELD_VALUE    not a well-formed dictionary of inner lists of strings,
 *                            duplicate key, parameter or component, unknown
 *                            parameter, wrong parameter type, component parameters;
 *   MEDFW_ERR_FIELD_MISSING  no member named `label`. */
enum medfw_err medfw_httpsig_parse_input(const char *signature_input, const char *label,
					 struct medfw_httpsig_params *out,
					 struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* Parse the Signature header value and copy the byte sequence of member `label`
 * (at most out_cap bytes) to out. Same errors as medfw_httpsig_parse_input. */
enum medfw_err medfw_httpsig_parse_signature(const char *signature, const char *label,
					     uint8_t *out, size_t out_cap, size_t *out_len,
					     struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* Append the "@signature-params" value (the inner list with its parameters,
 * serialized per RFC 8941 section 4.1) to out. */
enum medfw_err medfw_httpsig_serialize_params(const struct medfw_httpsig_params *params,
					      struct medfw_buf *out, struct medfw_diag *diag)
	MEDFW_WARN_UNUSED;

/* Append the signature base (RFC 9421 section 2.5) for `params` over `req` to out.
 *   MEDFW_ERR_FIELD_MISSING  a covered HTTP field is absent from the request;
 *   MEDFW_ERR_FIELD_VALUE    unsupported derived component, "@signature-params"
 *                            covered, a value with control characters;
 *   MEDFW_ERR_TOO_LARGE      a value over MEDFW_HTTPSIG_VALUE_MAX or the base over
 *                            MEDFW_HTTPSIG_BASE_MAX. */
enum medfw_err medfw_httpsig_signature_base(const struct medfw_httpsig_request *req,
					    const struct medfw_httpsig_params *params,
					    struct medfw_buf *out, struct medfw_diag *diag)
	MEDFW_WARN_UNUSED;

/* The Content-Digest value "sha-256=:<base64>:" of body (out_cap >=
 * MEDFW_HTTPSIG_DIGEST_HEADER_LEN). */
enum medfw_err medfw_httpsig_content_digest(const uint8_t *body, size_t body_len, char *out,
					    size_t out_cap, struct medfw_diag *diag)
	MEDFW_WARN_UNUSED;

/* Check a Content-Digest header value against body: it must be a dictionary with a
 * "sha-256" member (other algorithms are ignored).
 *   MEDFW_ERR_FIELD_MISSING  value NULL or no sha-256 member;
 *   MEDFW_ERR_FIELD_VALUE    malformed, or a sha-256 digest that is not 32 bytes;
 *   MEDFW_ERR_HASH_MISMATCH  digest differs. */
enum medfw_err medfw_httpsig_check_digest(const char *content_digest, const uint8_t *body,
					  size_t body_len, struct medfw_diag *diag)
	MEDFW_WARN_UNUSED;

/* An Ed25519 public key from its raw 32 bytes (through the TUF key object path).
 * Freed by medfw_pubkey_free; *out NULL on failure. */
enum medfw_err medfw_httpsig_pubkey_from_raw(const uint8_t *raw, size_t raw_len,
					     struct medfw_pubkey **out, struct medfw_diag *diag)
	MEDFW_WARN_UNUSED;

/* ---- verification ---- */

struct medfw_httpsig_policy {
	const char *label;                 /* e.g. MEDFW_HTTPSIG_LABEL */
	const char *const *required;       /* components that must all be covered */
	size_t n_required;
	int64_t now;                       /* seconds since the epoch (from the ctx clock) */
	int64_t max_skew;                  /* seconds; created in [now-skew, now+skew] */
	unsigned algs;                     /* accepted enum medfw_httpsig_alg bits;
					      0 means Ed25519 only */
};

/* Key lookup: on success *out is a new key the verifier frees; MEDFW_ERR_NOT_FOUND
 * for an unknown (or revoked) keyid; any other error is passed through. */
typedef enum medfw_err (*medfw_httpsig_key_fn)(void *user, const char *keyid,
					       struct medfw_pubkey **out);

/* Nonce check, called only after the signature verified: MEDFW_OK records the nonce
 * as used, MEDFW_ERR_EXISTS means replay; any other error is passed through. */
typedef enum medfw_err (*medfw_httpsig_nonce_fn)(void *user, const char *keyid,
						 const char *nonce, int64_t created);

/* A verification key of either kind (medfw_httpsig_verify_ex). */
struct medfw_httpsig_key {
	enum medfw_httpsig_alg alg;
	struct medfw_pubkey *pub;                /* Ed25519; freed by the verifier */
	uint8_t secret[MEDFW_HMAC_SHA256_LEN];   /* HMAC-SHA256; wiped by the verifier */
};

/* Key lookup for a signature claiming `alg`: fill *out with a key of that alg (a
 * key of another kind never verifies); MEDFW_ERR_NOT_FOUND for an unknown, revoked
 * or expired keyid, MEDFW_ERR_KEY_UNSUPPORTED when the keyid has no key of that
 * alg; other errors are passed through. *out starts zeroed. */
typedef enum medfw_err (*medfw_httpsig_key_ex_fn)(void *user, const char *keyid,
						  enum medfw_httpsig_alg alg,
						  struct medfw_httpsig_key *out);

struct medfw_httpsig_result {
	char keyid[MEDFW_HTTPSIG_STRING_MAX + 1];
	char nonce[MEDFW_HTTPSIG_STRING_MAX + 1];
	int64_t created;
	enum medfw_httpsig_alg alg;
};

/* Verify the signature `policy->label` of req. Fails closed; `out` is zeroed unless
 * MEDFW_OK. Checks, in order:
 *   Signature-Input / Signature present        else MEDFW_ERR_FIELD_MISSING
 *   both well formed and within limits          else FIELD_VALUE / TOO_LARGE
 *   both have the label                         else MEDFW_ERR_FIELD_MISSING
 *   created, nonce, keyid, alg present          else MEDFW_ERR_FIELD_MISSING
 *   alg is one policy->algs accepts             else MEDFW_ERR_KEY_UNSUPPORTED
 *   every policy->required component covered,
 *   and "@query" whenever req->query != NULL    else MEDFW_ERR_FIELD_MISSING
 *   created >= now - max_skew                   else MEDFW_ERR_EXPIRED
 *   created <= now + max_skew                   else MEDFW_ERR_FIELD_VALUE
 *   expires (if given) >= now                   else MEDFW_ERR_EXPIRED
 *   Content-Digest matches the body (when
 *   "content-digest" is covered)                else MEDFW_ERR_HASH_MISMATCH
 *   keyid known                                 else MEDFW_ERR_NOT_FOUND
 *   the key is of the signature's alg           else MEDFW_ERR_KEY_UNSUPPORTED
 *   the signature verifies over the base (an
 *   HMAC compared in constant time)             else MEDFW_ERR_SIGNATURE
 *   the nonce is fresh                          else MEDFW_ERR_EXISTS */
enum medfw_err medfw_httpsig_verify(const struct medfw_httpsig_request *req,
				    const struct medfw_httpsig_policy *policy,
				    medfw_httpsig_key_fn key_lookup, void *key_user,
				    medfw_httpsig_nonce_fn nonce_check, void *nonce_user,
				    struct medfw_httpsig_result *out, struct medfw_diag *diag)
	MEDFW_WARN_UNUSED;

/* The same with a key lookup that may return HMAC-SHA256 session keys too. */
enum medfw_err medfw_httpsig_verify_ex(const struct medfw_httpsig_request *req,
				       const struct medfw_httpsig_policy *policy,
				       medfw_httpsig_key_ex_fn key_lookup, void *key_user,
				       medfw_httpsig_nonce_fn nonce_check, void *nonce_user,
				       struct medfw_httpsig_result *out, struct medfw_diag *diag)
	MEDFW_WARN_UNUSED;

/* ---- signing (agent, simulator, load generator) ---- */

struct medfw_httpsig_headers {
	char content_digest[MEDFW_HTTPSIG_DIGEST_HEADER_LEN];
	char signature_input[MEDFW_HTTPSIG_HEADER_MAX + 1];
	char signature[MEDFW_HTTPSIG_HEADER_MAX + 1];
};

/* Sign a request as a device: label MEDFW_HTTPSIG_LABEL, components "@method",
 * "@path", "@query" (only when query != NULL) and "content-digest", parameters
 * created, nonce, keyid, alg in that order. key must be Ed25519; keyid and nonce are
 * 1..MEDFW_HTTPSIG_STRING_MAX printable ASCII characters. `out` is zeroed on failure. */
enum medfw_err medfw_httpsig_sign(const struct medfw_privkey *key, const char *keyid,
				  const char *method, const char *path, const char *query,
				  const uint8_t *body, size_t body_len, int64_t created,
				  const char *nonce, struct medfw_httpsig_headers *out,
				  struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* The same as medfw_httpsig_sign with a session's HMAC-SHA256 key (32 bytes):
 * alg="hmac-sha256". */
enum medfw_err medfw_httpsig_sign_hmac(const uint8_t *secret, size_t secret_len,
				       const char *keyid, const char *method, const char *path,
				       const char *query, const uint8_t *body, size_t body_len,
				       int64_t created, const char *nonce,
				       struct medfw_httpsig_headers *out, struct medfw_diag *diag)
	MEDFW_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif
