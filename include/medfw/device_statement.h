/* Manufacturer-signed device statements (docs/formats/device-statement.md).
 *
 * At the factory the manufacturer signs, with an offline key, a small TUF-style
 * document binding a device's own Ed25519 public key (made on the device) to its
 * model, serial and hardware id:
 *
 *   {"signed": {"_type": "device-statement", "spec_version": "1.0",
 *               "manufacturer": ..., "model": ..., "serial": ..., "hardware_id": ...,
 *               "udi_di"?: ..., "udi_pi"?: ..., "public_key": "<64 hex>",
 *               "issued": "YYYY-MM-DDTHH:MM:SSZ", "expires"?: "..."},
 *    "signatures": [{"keyid": "<64 hex>", "sig": "<hex>"}, ...]}
 *
 * The signatures cover the canonical JSON of "signed" (securesystemslib form); keys
 * are TUF key objects (ed25519, ecdsa-sha2-nistp256, rsassa-pss-sha256). medfwd
 * enrols a device that presents a statement signed by a key it trusts (threshold 1)
 * and proves possession of the statement's private key.
 *
 * Parsing is strict: bounded size, exact types, unknown fields refused, every error
 * names the field. Parsing does NOT check signatures: medfw_device_statement_verify
 * does, and fails closed.
 */
#ifndef MEDFW_DEVICE_STATEMENT_H
#define MEDFW_DEVICE_STATEMENT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "medfw/buf.h"
#include "medfw/crypto.h"
#include "medfw/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MEDFW_DEVSTMT_TYPE "device-statement"
#define MEDFW_DEVSTMT_SPEC_VERSION "1.0"
#define MEDFW_DEVSTMT_MAX_BYTES (16u * 1024u) /* a statement file, bytes */
#define MEDFW_DEVSTMT_MAX_DEPTH 4             /* envelope, signatures, entry (+1 spare) */
#define MEDFW_DEVSTMT_MAX_SIGNATURES 8
#define MEDFW_DEVSTMT_TEXT_MAX 128   /* manufacturer, model, hardware_id, udi_pi */
#define MEDFW_DEVSTMT_SERIAL_MAX 64
#define MEDFW_DEVSTMT_UDI_DI_MAX 25  /* HIBCC primary with its check character */
#define MEDFW_DEVSTMT_PUBKEY_LEN 32  /* raw Ed25519 public key */
#define MEDFW_DEVSTMT_THRESHOLD 1
/* Trusted manufacturer keys file: bounded like a statement. */
#define MEDFW_DEVSTMT_KEYS_MAX_BYTES (256u * 1024u)
#define MEDFW_DEVSTMT_KEYS_MAX 16

/* A parsed (not yet verified) statement. Owned; freed by medfw_device_statement_free. */
struct medfw_device_statement {
	char manufacturer[MEDFW_DEVSTMT_TEXT_MAX + 1];
	char model[MEDFW_DEVSTMT_TEXT_MAX + 1];
	char serial[MEDFW_DEVSTMT_SERIAL_MAX + 1];
	char hardware_id[MEDFW_DEVSTMT_TEXT_MAX + 1];
	char udi_di[MEDFW_DEVSTMT_UDI_DI_MAX + 1]; /* "" when absent */
	char udi_pi[MEDFW_DEVSTMT_TEXT_MAX + 1];   /* "" when absent */
	uint8_t public_key[MEDFW_DEVSTMT_PUBKEY_LEN];
	char public_key_hex[2 * MEDFW_DEVSTMT_PUBKEY_LEN + 1];
	int64_t issued;
	int64_t expires;  /* 0 when absent (no expiry) */
	/* SHA-256 of the canonical JSON of "signed" (what the signatures cover), hex. */
	char statement_sha256[2 * MEDFW_SHA256_LEN + 1];
	struct medfw_buf signed_canonical;
	size_t sig_count;
	struct {
		char keyid[MEDFW_KEYID_HEX_LEN + 1];
		uint8_t sig[MEDFW_SIG_MAX_LEN];
		size_t sig_len;
	} sigs[MEDFW_DEVSTMT_MAX_SIGNATURES];
};

/* Parse a statement file (`len` bytes, at most MEDFW_DEVSTMT_MAX_BYTES). *out is NULL
 * on failure. Errors: TOO_LARGE, TOO_DEEP, JSON_SYNTAX, FIELD_MISSING, FIELD_TYPE,
 * FIELD_VALUE (unknown field, bad hex, bad UDI, bad time, bad key...), ROLE_TYPE
 * (_type is not "device-statement"), SPEC_VERSION, NOT_CANONICAL. */
enum medfw_err medfw_device_statement_parse_unverified(const uint8_t *data, size_t len,
						       struct medfw_device_statement **out,
						       struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* The same from an already parsed envelope (a request body member); its canonical
 * form must fit MEDFW_DEVSTMT_MAX_BYTES. */
enum medfw_err medfw_device_statement_from_json_unverified(const json_t *envelope,
							   struct medfw_device_statement **out,
							   struct medfw_diag *diag) MEDFW_WARN_UNUSED;

void medfw_device_statement_free(struct medfw_device_statement *st);

/* ---- trusted manufacturer keys ---- */

/* A set of trusted manufacturer keys, loaded from a JSON file
 *   {"keys": {"<keyid>": <TUF public key object>, ...}}
 * (1..MEDFW_DEVSTMT_KEYS_MAX keys; each key id must be the key's computed id; no
 * other member). Owned; freed by medfw_device_statement_keys_free (NULL: no-op). */
struct medfw_device_statement_keys;

enum medfw_err medfw_device_statement_keys_load(const uint8_t *data, size_t len,
						struct medfw_device_statement_keys **out,
						struct medfw_diag *diag) MEDFW_WARN_UNUSED;
void medfw_device_statement_keys_free(struct medfw_device_statement_keys *keys);
size_t medfw_device_statement_keys_count(const struct medfw_device_statement_keys *keys);
/* The key id of key i (borrowed), NULL past the end. */
const char *medfw_device_statement_keys_keyid(const struct medfw_device_statement_keys *keys,
					      size_t i);

/* ---- verification ---- */

/* Verify st against the trusted keys at time `now` (seconds since the epoch). Fails
 * closed; out_keyid (capacity MEDFW_KEYID_HEX_LEN + 1, may be NULL) gets the key id of
 * a trusted key whose signature verified, and is "" unless MEDFW_OK. Checks:
 *   at least MEDFW_DEVSTMT_THRESHOLD distinct trusted keys made a valid signature
 *   over the canonical "signed" (a key listed twice or a signature repeated counts
 *   once; a bad signature never counts)          else MEDFW_ERR_THRESHOLD
 *   issued <= now + max_skew                     else MEDFW_ERR_FIELD_VALUE
 *   expires (if given) > now                     else MEDFW_ERR_EXPIRED */
enum medfw_err medfw_device_statement_verify(const struct medfw_device_statement *st,
					     const struct medfw_device_statement_keys *trusted,
					     int64_t now, int64_t max_skew, char *out_keyid,
					     struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* ---- creation (the manufacturer's CLI) ---- */

struct medfw_device_statement_fields {
	const char *manufacturer;
	const char *model;
	const char *serial;
	const char *hardware_id;
	const char *udi_di;  /* NULL: absent */
	const char *udi_pi;  /* NULL: absent (needs udi_di) */
	const char *public_key_hex; /* 64 hex digits */
	int64_t issued;
	int64_t expires;     /* 0: no expiry */
};

/* Build the statement, validate it exactly as the parser does, sign it with key and
 * append the serialized envelope (sorted keys, one-space indentation, final newline)
 * to out. The written bytes are parsed and verified against key again before this
 * returns MEDFW_OK. out is left unchanged on failure. */
enum medfw_err medfw_device_statement_sign(const struct medfw_device_statement_fields *fields,
					   const struct medfw_privkey *key, struct medfw_buf *out,
					   struct medfw_diag *diag) MEDFW_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif
