/* Signatures: verify (fails closed) and sign, for the three TUF schemes. */
#include <stdio.h>
#include <string.h>

#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "crypto/crypto_internal.h"
#include "medfw/crypto.h"

#define ED25519_SIG_LEN 64
#define PSS_SIGN_SALT_LEN 32 /* = SHA-256 digest length, as securesystemslib signs */

/* Set up ctx for the scheme of `type`; verify selects the PSS salt length. */
static int digest_init(EVP_MD_CTX *ctx, EVP_PKEY *pkey, enum medfw_key_type type, int verify)
{
	EVP_PKEY_CTX *pctx = NULL;
	const EVP_MD *md = type == MEDFW_KEY_ED25519 ? NULL : EVP_sha256();
	int ok;

	if (verify)
		ok = EVP_DigestVerifyInit(ctx, &pctx, md, NULL, pkey) == 1;
	else
		ok = EVP_DigestSignInit(ctx, &pctx, md, NULL, pkey) == 1;
	if (!ok)
		return 0;
	if (type == MEDFW_KEY_RSA_PKCS1V15_SHA256)
		return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1;
	if (type != MEDFW_KEY_RSA_PSS_SHA256)
		return 1;
	return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) == 1 &&
	       EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha256()) == 1 &&
	       EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, verify ? RSA_PSS_SALTLEN_AUTO
							     : PSS_SIGN_SALT_LEN) == 1;
}

/* A DER ECDSA-Sig-Value with nothing after it. */
static int ecdsa_der_exact(const uint8_t *sig, size_t sig_len)
{
	const unsigned char *p = sig;
	ECDSA_SIG *parsed = d2i_ECDSA_SIG(NULL, &p, (long)sig_len);
	int ok = parsed != NULL && p == sig + sig_len;

	ECDSA_SIG_free(parsed);
	return ok;
}

enum medfw_err medfw_pubkey_verify(const struct medfw_pubkey *key, const uint8_t *msg,
				   size_t msg_len, const uint8_t *sig, size_t sig_len,
				   struct medfw_diag *diag)
{
	enum medfw_err result = MEDFW_ERR_SIGNATURE; /* fails closed */
	EVP_MD_CTX *ctx = NULL;
	int rc;

	if (key == NULL || (msg == NULL && msg_len != 0)) {
		result = medfw_diag_set(diag, MEDFW_ERR_SIGNATURE, "invalid verify arguments");
		goto out;
	}
	if (sig == NULL || sig_len == 0 || sig_len > MEDFW_SIG_MAX_LEN) {
		medfw_diag_set(diag, MEDFW_ERR_SIGNATURE, "key %.16s: empty or oversized signature",
			       key->keyid);
		goto out;
	}
	switch (key->type) {
	case MEDFW_KEY_ED25519:
		if (sig_len != ED25519_SIG_LEN) {
			medfw_diag_set(diag, MEDFW_ERR_SIGNATURE,
				       "key %.16s: ed25519 signature is not 64 bytes", key->keyid);
			goto out;
		}
		break;
	case MEDFW_KEY_ECDSA_P256:
		if (!ecdsa_der_exact(sig, sig_len)) {
			medfw_diag_set(diag, MEDFW_ERR_SIGNATURE,
				       "key %.16s: ECDSA signature is not one DER ECDSA-Sig-Value",
				       key->keyid);
			goto out;
		}
		break;
	case MEDFW_KEY_RSA_PSS_SHA256:
	case MEDFW_KEY_RSA_PKCS1V15_SHA256:
		if (EVP_PKEY_get_size(key->pkey) <= 0 ||
		    sig_len != (size_t)EVP_PKEY_get_size(key->pkey)) {
			medfw_diag_set(diag, MEDFW_ERR_SIGNATURE,
				       "key %.16s: RSA signature length differs from the modulus",
				       key->keyid);
			goto out;
		}
		break;
	default:
		medfw_diag_set(diag, MEDFW_ERR_SIGNATURE, "unknown key type");
		goto out;
	}
	ctx = EVP_MD_CTX_new();
	if (ctx == NULL || !digest_init(ctx, key->pkey, key->type, 1)) {
		medfwi_crypto_fail(diag, MEDFW_ERR_SIGNATURE, "cannot set up verification");
		goto out;
	}
	rc = EVP_DigestVerify(ctx, sig, sig_len, msg != NULL ? msg : (const uint8_t *)"",
			      msg_len);
	if (rc != 1) {
		char what[64];

		snprintf(what, sizeof(what), "key %.16s: signature does not verify", key->keyid);
		medfwi_crypto_fail(diag, MEDFW_ERR_SIGNATURE, what);
		goto out;
	}
	result = MEDFW_OK; /* the only place success is set */
out:
	EVP_MD_CTX_free(ctx);
	medfwi_crypto_clear_errors();
	return result;
}

enum medfw_err medfw_privkey_sign(const struct medfw_privkey *key, const uint8_t *msg,
				  size_t msg_len, struct medfw_buf *sig_out,
				  struct medfw_diag *diag)
{
	EVP_MD_CTX *ctx = NULL;
	uint8_t sig[MEDFW_SIG_MAX_LEN];
	size_t sig_len = 0;
	enum medfw_err err = MEDFW_ERR_CRYPTO;

	if (key == NULL || sig_out == NULL || (msg == NULL && msg_len != 0))
		return MEDFW_ERR_INVALID_ARG;
	ctx = EVP_MD_CTX_new();
	if (ctx == NULL || !digest_init(ctx, key->pkey, key->type, 0)) {
		err = medfwi_crypto_fail(diag, MEDFW_ERR_CRYPTO, "cannot set up signing");
		goto out;
	}
	if (EVP_DigestSign(ctx, NULL, &sig_len, msg != NULL ? msg : (const uint8_t *)"",
			   msg_len) != 1 || sig_len > sizeof(sig)) {
		err = medfwi_crypto_fail(diag, MEDFW_ERR_CRYPTO, "cannot size the signature");
		goto out;
	}
	sig_len = sizeof(sig);
	if (EVP_DigestSign(ctx, sig, &sig_len, msg != NULL ? msg : (const uint8_t *)"",
			   msg_len) != 1) {
		err = medfwi_crypto_fail(diag, MEDFW_ERR_CRYPTO, "signing failed");
		goto out;
	}
	err = medfw_buf_append(sig_out, sig, sig_len);
	if (err != MEDFW_OK)
		medfw_diag_set(diag, err, "signature does not fit the output buffer");
out:
	EVP_MD_CTX_free(ctx);
	medfwi_crypto_clear_errors();
	return err;
}
