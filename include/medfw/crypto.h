/* Cryptography: hashes, keys, signatures, randomness. The only module that touches
 * OpenSSL; the OpenSSL error queue is turned into a readable diag message here.
 *
 * Key types follow TUF / securesystemslib:
 *   keytype "ed25519",                       scheme "ed25519":
 *       keyval.public = 64 hex chars (raw 32-byte key), signature = hex of 64 bytes.
 *   keytype "ecdsa" or "ecdsa-sha2-nistp256", scheme "ecdsa-sha2-nistp256":
 *       keyval.public = PEM SubjectPublicKeyInfo, signature = hex of DER ECDSA-Sig.
 *   keytype "rsa",                           scheme "rsassa-pss-sha256" (or
 *       "rsa-pkcs1v15-sha256", verify only):
 *       keyval.public = PEM SubjectPublicKeyInfo, signature = hex; we sign with salt
 *       length = 32 (digest length) and verify with any salt length.
 * A key id is the lowercase hex SHA-256 of the canonical JSON of the public key
 * object exactly as it appears in metadata.
 */
#ifndef MEDFW_CRYPTO_H
#define MEDFW_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "medfw/buf.h"
#include "medfw/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MEDFW_SHA256_LEN 32
#define MEDFW_SHA512_LEN 64
#define MEDFW_HASH_MAX_LEN 64
#define MEDFW_KEYID_HEX_LEN 64           /* hex chars, without NUL */
#define MEDFW_SIG_MAX_LEN 1024           /* raw signature bytes (RSA-8192 fits) */
#define MEDFW_PUBKEY_PEM_MAX 4096
#define MEDFW_PRIVKEY_PEM_MAX 16384
#define MEDFW_RSA_MIN_BITS 2048

/* ---- hashing ---- */

enum medfw_hash_alg {
	MEDFW_HASH_SHA256 = 1,
	MEDFW_HASH_SHA512 = 2,
};

/* "sha256" / "sha512" <-> enum; parse returns MEDFW_ERR_NOT_FOUND for others. */
const char *medfw_hash_alg_name(enum medfw_hash_alg alg);
enum medfw_err medfw_hash_alg_parse(const char *name, enum medfw_hash_alg *out);
size_t medfw_hash_len(enum medfw_hash_alg alg);

/* Streaming hash. _new returns NULL on failure; freed by medfw_hash_free. */
struct medfw_hash;
struct medfw_hash *medfw_hash_new(enum medfw_hash_alg alg);
enum medfw_err medfw_hash_update(struct medfw_hash *h, const void *data, size_t len);
/* Writes the digest (out_cap >= medfw_hash_len) and its length; the context can
 * not be updated afterwards. */
enum medfw_err medfw_hash_final(struct medfw_hash *h, uint8_t *out, size_t out_cap,
				size_t *out_len);
void medfw_hash_free(struct medfw_hash *h);

enum medfw_err medfw_hash_oneshot(enum medfw_hash_alg alg, const void *data, size_t len,
				  uint8_t *out, size_t out_cap, size_t *out_len);

/* Constant-time equality of two byte strings of equal length n. Returns 1 if equal. */
int medfw_ct_equal(const void *a, const void *b, size_t n);

/* Fill buf with n bytes from OpenSSL's RAND_bytes. */
enum medfw_err medfw_random_bytes(void *buf, size_t n) MEDFW_WARN_UNUSED;

/* Wipe secret memory. */
void medfw_wipe(void *p, size_t n);

/* ---- keys ---- */

enum medfw_key_type {
	MEDFW_KEY_ED25519 = 1,
	MEDFW_KEY_ECDSA_P256 = 2,
	MEDFW_KEY_RSA_PSS_SHA256 = 3,
	/* RSA with PKCS#1 v1.5 padding and SHA-256 (TUF scheme "rsa-pkcs1v15-sha256"):
	 * read and verified, as other TUF tools sign with it; medfw generates PSS keys. */
	MEDFW_KEY_RSA_PKCS1V15_SHA256 = 4,
};

/* "ed25519", "ecdsa", "rsa" for the command line (parse also accepts
 * "ecdsa-sha2-nistp256" and "rsassa-pss-sha256"). */
enum medfw_err medfw_key_type_parse(const char *name, enum medfw_key_type *out);
const char *medfw_key_type_name(enum medfw_key_type type);

struct medfw_pubkey;   /* immutable public key with its TUF key object and key id */
struct medfw_privkey;  /* private key; memory wiped on free */

/* Build from a TUF key object {"keytype","scheme","keyval":{"public"}} (other
 * fields allowed and kept: they count toward the key id). Validates the key
 * material (point on curve, RSA >= 2048 bits...). Freed by medfw_pubkey_free.
 * Errors (*out is NULL on failure):
 *   MEDFW_ERR_KEY_UNSUPPORTED  unknown keytype, or a scheme that is not the one of
 *                              the keytype (e.g. rsa + rsa-pkcs1v15-sha256);
 *   MEDFW_ERR_KEY_FORMAT       not an object, missing/non-string fields, a
 *                              keyval.private present, bad hex or length, PEM that is
 *                              not exactly one "PUBLIC KEY" block (trailing whitespace
 *                              allowed) or longer than MEDFW_PUBKEY_PEM_MAX, key of
 *                              another type than keytype, EC point off the curve,
 *                              curve other than P-256, RSA < MEDFW_RSA_MIN_BITS. */
enum medfw_err medfw_pubkey_from_json(const json_t *key_object, struct medfw_pubkey **out,
				      struct medfw_diag *diag) MEDFW_WARN_UNUSED;
void medfw_pubkey_free(struct medfw_pubkey *key);
enum medfw_key_type medfw_pubkey_type(const struct medfw_pubkey *key);
/* The key id (64 lowercase hex chars, NUL-terminated; borrowed). */
const char *medfw_pubkey_keyid(const struct medfw_pubkey *key);
/* The TUF key object (borrowed; do not modify). */
const json_t *medfw_pubkey_json(const struct medfw_pubkey *key);

/* Verify `sig` (raw bytes, not hex) over msg. MEDFW_OK only if valid;
 * MEDFW_ERR_SIGNATURE for any invalid, malformed or empty signature. */
enum medfw_err medfw_pubkey_verify(const struct medfw_pubkey *key, const uint8_t *msg,
				   size_t msg_len, const uint8_t *sig, size_t sig_len,
				   struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* Generate a new key (RSA: 3072 bits; ECDSA: P-256). Freed by medfw_privkey_free. */
enum medfw_err medfw_privkey_generate(enum medfw_key_type type, struct medfw_privkey **out,
				      struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* Load a PKCS#8 PEM private key, encrypted or not. passphrase NULL means the file
 * must be unencrypted (an encrypted one fails with MEDFW_ERR_BAD_PASSPHRASE); a wrong
 * passphrase gives MEDFW_ERR_BAD_PASSPHRASE. Only the three supported key types load
 * (MEDFW_ERR_KEY_UNSUPPORTED otherwise, e.g. P-384 or RSA < 2048). Only PKCS#8
 * ("PRIVATE KEY" / "ENCRYPTED PRIVATE KEY"); anything else, traditional "RSA/EC
 * PRIVATE KEY" included, is MEDFW_ERR_KEY_FORMAT; over MEDFW_PRIVKEY_PEM_MAX is
 * MEDFW_ERR_TOO_LARGE. Never prompts. *out is NULL on failure. */
enum medfw_err medfw_privkey_load_pem(const uint8_t *pem, size_t pem_len,
				      const char *passphrase, struct medfw_privkey **out,
				      struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* Append the PKCS#8 PEM encoding to out; encrypted (AES-256-CBC, scrypt KDF) when
 * passphrase is non-NULL and non-empty. */
enum medfw_err medfw_privkey_save_pem(const struct medfw_privkey *key, const char *passphrase,
				      struct medfw_buf *out, struct medfw_diag *diag)
	MEDFW_WARN_UNUSED;

void medfw_privkey_free(struct medfw_privkey *key);
enum medfw_key_type medfw_privkey_type(const struct medfw_privkey *key);

/* The public half as a TUF public key (new object, caller frees): exactly
 * {"keytype","scheme","keyval":{"public"}} with keytype "ed25519", "ecdsa" or "rsa"
 * and the public text byte-identical to what securesystemslib 0.26 generates (RSA
 * PEM without, ECDSA PEM with its final newline), so key ids agree. */
enum medfw_err medfw_privkey_public(const struct medfw_privkey *key, struct medfw_pubkey **out,
				    struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* The Ed25519 public key (32 raw bytes) of a 32-byte private seed, without building a
 * key object (fast: for provisioning tools that derive many keys). out is zeroed on
 * failure. */
#define MEDFW_ED25519_RAW_LEN 32
/* An Ed25519 private key object from its 32-byte seed (RFC 8032), without the PKCS#8
 * round trip of medfw_privkey_load_pem (about ten times cheaper: a simulator loads
 * thousands). Freed by medfw_privkey_free. */
enum medfw_err medfw_privkey_from_ed25519_seed(const uint8_t seed[32], struct medfw_privkey **out,
					       struct medfw_diag *diag) MEDFW_WARN_UNUSED;
enum medfw_err medfw_ed25519_public_from_seed(const uint8_t seed[MEDFW_ED25519_RAW_LEN],
					      uint8_t out[MEDFW_ED25519_RAW_LEN]) MEDFW_WARN_UNUSED;

/* Sign msg; appends the raw signature bytes to sig_out (left unchanged on
 * failure). Ed25519: 64 bytes; ECDSA: DER over SHA-256; RSA: PSS, SHA-256,
 * MGF1-SHA-256, salt length 32. */
enum medfw_err medfw_privkey_sign(const struct medfw_privkey *key, const uint8_t *msg,
				  size_t msg_len, struct medfw_buf *sig_out,
				  struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* ---- message authentication (HMAC) ---- */

#define MEDFW_HMAC_SHA1_LEN 20
#define MEDFW_HMAC_SHA256_LEN 32
#define MEDFW_HMAC_MAX_LEN 32
#define MEDFW_HMAC_KEY_MAX (64u * 1024u)

enum medfw_mac_alg {
	MEDFW_MAC_HMAC_SHA1 = 1,   /* only for HOTP/TOTP (RFC 4226/6238), which require it */
	MEDFW_MAC_HMAC_SHA256 = 2,
};

/* Length of the tag of alg (0 for an unknown alg). */
size_t medfw_mac_len(enum medfw_mac_alg alg);

/* tag = HMAC(key, msg) via EVP_MAC; out_cap >= medfw_mac_len(alg), *out_len set.
 * key_len must be 1..MEDFW_HMAC_KEY_MAX. On failure out is zeroed and *out_len 0.
 * Errors: MEDFW_ERR_INVALID_ARG (NULL, empty or oversized key, small out_cap,
 * unknown alg), MEDFW_ERR_CRYPTO. */
enum medfw_err medfw_hmac(enum medfw_mac_alg alg, const uint8_t *key, size_t key_len,
			  const uint8_t *msg, size_t msg_len, uint8_t *out, size_t out_cap,
			  size_t *out_len) MEDFW_WARN_UNUSED;

/* Recompute HMAC(key, msg) and compare it with tag in constant time. MEDFW_OK only
 * if tag_len is the full tag length and the tags are equal; MEDFW_ERR_SIGNATURE
 * otherwise (MEDFW_ERR_INVALID_ARG / MEDFW_ERR_CRYPTO as for medfw_hmac). */
enum medfw_err medfw_hmac_verify(enum medfw_mac_alg alg, const uint8_t *key, size_t key_len,
				 const uint8_t *msg, size_t msg_len, const uint8_t *tag,
				 size_t tag_len) MEDFW_WARN_UNUSED;

/* ---- key agreement and sealing (device sessions, docs/devices.md) ---- */

#define MEDFW_X25519_LEN 32
#define MEDFW_AEAD_KEY_LEN 32   /* AES-256-GCM */
#define MEDFW_AEAD_NONCE_LEN 12
#define MEDFW_AEAD_TAG_LEN 16
#define MEDFW_AEAD_MAX_LEN (1u << 20)

/* A fresh X25519 key pair (RFC 7748) from OpenSSL's generator. */
enum medfw_err medfw_x25519_generate(uint8_t priv[MEDFW_X25519_LEN],
				     uint8_t pub[MEDFW_X25519_LEN]) MEDFW_WARN_UNUSED;

/* The X25519 shared secret of priv and the peer's public key. A peer key of low
 * order (all-zero result) is MEDFW_ERR_KEY_UNSUPPORTED; out is zeroed on failure. */
enum medfw_err medfw_x25519_shared(const uint8_t priv[MEDFW_X25519_LEN],
				   const uint8_t peer[MEDFW_X25519_LEN],
				   uint8_t out[MEDFW_X25519_LEN]) MEDFW_WARN_UNUSED;

/* HKDF-SHA256 (RFC 5869, extract then expand) into out_len (1..8160) bytes. */
enum medfw_err medfw_hkdf_sha256(const uint8_t *salt, size_t salt_len, const uint8_t *ikm,
				 size_t ikm_len, const uint8_t *info, size_t info_len,
				 uint8_t *out, size_t out_len) MEDFW_WARN_UNUSED;

/* AES-256-GCM. seal writes plain_len + MEDFW_AEAD_TAG_LEN bytes (ciphertext, then
 * tag) to out; open takes that form and writes sealed_len - MEDFW_AEAD_TAG_LEN bytes,
 * MEDFW_ERR_SIGNATURE when the tag does not verify (out zeroed). A nonce must never
 * be used twice with one key. Lengths up to MEDFW_AEAD_MAX_LEN. */
enum medfw_err medfw_aead_seal(const uint8_t key[MEDFW_AEAD_KEY_LEN],
			       const uint8_t nonce[MEDFW_AEAD_NONCE_LEN], const uint8_t *aad,
			       size_t aad_len, const uint8_t *plain, size_t plain_len,
			       uint8_t *out) MEDFW_WARN_UNUSED;
enum medfw_err medfw_aead_open(const uint8_t key[MEDFW_AEAD_KEY_LEN],
			       const uint8_t nonce[MEDFW_AEAD_NONCE_LEN], const uint8_t *aad,
			       size_t aad_len, const uint8_t *sealed, size_t sealed_len,
			       uint8_t *out) MEDFW_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif
