/* Device sessions: a short-lived HMAC-SHA256 key for RFC 9421 request signatures,
 * agreed through one request the device signs with its own Ed25519 key.
 *
 * Why: an Ed25519 verification costs the server ~140 µs of CPU, a check-in's whole
 * budget; an HMAC costs ~1 µs. The device's identity stays its Ed25519 key: only a
 * request signed with it opens a session, a session lives at most a day (configured),
 * and it dies with the device's key (re-enrolment) or the device (revocation).
 *
 * The server keeps no session state. A session is named by its keyid,
 *     "s1.<device id>.<expires, Unix seconds>.<32 hex digits of randomness>",
 * and its key is derived from the server's session master secret:
 *     K = HMAC-SHA256(master, "medfw device session v1" 0x00 keyid 0x00 device_ed25519_pub)
 * so a new key of the device (re-enrolment) gives other session keys, and replacing the
 * master secret ends every session at once.
 *
 * K reaches the device sealed to an X25519 key the device made for this request
 * (in the body the device signed with Ed25519, so nobody can substitute it):
 *     Z  = X25519(server ephemeral private, device ephemeral public)
 *     WK = HKDF-SHA256(salt = device_pub || server_pub, ikm = Z,
 *                      info = "medfw device session wrap v1" 0x00 keyid)
 *     sealed = AES-256-GCM(WK, nonce, aad = keyid, K)
 * A changed answer only gives the device a key that does not work (it then opens a
 * new session): no worse than dropping the answer. Nothing here needs TLS to keep K
 * secret, though medfwd should run behind TLS anyway. */
#ifndef MEDFW_DEVSESSION_H
#define MEDFW_DEVSESSION_H

#include <stddef.h>
#include <stdint.h>

#include "medfw/crypto.h"
#include "medfw/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MEDFW_DEVSESSION_KEY_LEN 32
#define MEDFW_DEVSESSION_MASTER_LEN 32
#define MEDFW_DEVSESSION_KEYID_MAX 80   /* "s1." + 19 + "." + 19 + "." + 32, NUL */
#define MEDFW_DEVSESSION_SEALED_LEN (MEDFW_DEVSESSION_KEY_LEN + MEDFW_AEAD_TAG_LEN)

/* A new session keyid for device_id expiring at `expires` (both > 0), with 16 random
 * bytes from OpenSSL. out_cap >= MEDFW_DEVSESSION_KEYID_MAX. */
enum medfw_err medfw_devsession_keyid_make(int64_t device_id, int64_t expires, char *out,
					   size_t out_cap) MEDFW_WARN_UNUSED;

/* Whether keyid claims to be a session keyid (starts with "s1."). */
int medfw_devsession_is_keyid(const char *keyid);

/* Parse a session keyid strictly (canonical decimal numbers, 32 lowercase hex digits,
 * nothing else): MEDFW_ERR_FIELD_VALUE otherwise. */
enum medfw_err medfw_devsession_keyid_parse(const char *keyid, int64_t *device_id,
					    int64_t *expires) MEDFW_WARN_UNUSED;

/* K for keyid (as above). The keyid must parse. */
enum medfw_err medfw_devsession_derive(const uint8_t master[MEDFW_DEVSESSION_MASTER_LEN],
				       const char *keyid,
				       const uint8_t device_public_key[MEDFW_ED25519_RAW_LEN],
				       uint8_t out[MEDFW_DEVSESSION_KEY_LEN]) MEDFW_WARN_UNUSED;

struct medfw_devsession_sealed {
	uint8_t server_public[MEDFW_X25519_LEN];
	uint8_t nonce[MEDFW_AEAD_NONCE_LEN];
	uint8_t sealed[MEDFW_DEVSESSION_SEALED_LEN];
};

/* Server side: seal key to the device's ephemeral X25519 public key for keyid.
 * MEDFW_ERR_KEY_UNSUPPORTED for a low-order device key. */
enum medfw_err medfw_devsession_seal(const uint8_t key[MEDFW_DEVSESSION_KEY_LEN],
				     const uint8_t device_x25519[MEDFW_X25519_LEN],
				     const char *keyid, struct medfw_devsession_sealed *out)
	MEDFW_WARN_UNUSED;

/* Device side: open what the server sealed. MEDFW_ERR_SIGNATURE when it does not
 * authenticate (a changed answer, another keyid); key zeroed on failure. */
enum medfw_err medfw_devsession_open(const uint8_t device_private[MEDFW_X25519_LEN],
				     const uint8_t device_public[MEDFW_X25519_LEN],
				     const char *keyid, const struct medfw_devsession_sealed *in,
				     uint8_t key[MEDFW_DEVSESSION_KEY_LEN]) MEDFW_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif
