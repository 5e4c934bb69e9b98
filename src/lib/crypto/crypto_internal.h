/* Internal to the crypto module (src/lib/crypto/): the object layouts and the one
 * place where the OpenSSL error queue becomes a diag message. Nothing outside
 * src/lib/crypto includes this header or OpenSSL. */
#ifndef MEDFW_CRYPTO_INTERNAL_H
#define MEDFW_CRYPTO_INTERNAL_H

#include <openssl/evp.h>

#include "medfw/crypto.h"

struct medfw_pubkey {
	enum medfw_key_type type;
	EVP_PKEY *pkey;
	json_t *object;                         /* deep copy of the TUF key object */
	char keyid[MEDFW_KEYID_HEX_LEN + 1];
};

struct medfw_privkey {
	enum medfw_key_type type;
	EVP_PKEY *pkey;                         /* OpenSSL clears key material on free */
};

/* Record err in diag as "<what>: <reason of the last OpenSSL error>" (or just
 * "<what>" when the queue is empty), then clear the OpenSSL error queue. Returns err. */
enum medfw_err medfwi_crypto_fail(struct medfw_diag *diag, enum medfw_err err,
				  const char *what);

/* Clear the OpenSSL error queue; called at the end of every public operation so
 * stale errors never leak into a later call's message. */
void medfwi_crypto_clear_errors(void);

/* Check that pkey is one of the supported key types and return which: Ed25519,
 * EC on P-256, RSA with >= MEDFW_RSA_MIN_BITS. On a mismatch sets *out_detail to a
 * static description. Returns MEDFW_OK or MEDFW_ERR_KEY_UNSUPPORTED. */
enum medfw_err medfwi_pkey_classify(EVP_PKEY *pkey, enum medfw_key_type *out,
				    const char **out_detail);

#endif
