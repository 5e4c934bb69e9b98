/* Key agreement and sealing for device sessions: X25519 (RFC 7748), HKDF-SHA256
 * (RFC 5869) and AES-256-GCM, all through OpenSSL 3's EVP interfaces. */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "crypto/crypto_internal.h"
#include "medfw/crypto.h"

enum medfw_err medfw_x25519_generate(uint8_t priv[MEDFW_X25519_LEN],
				     uint8_t pub[MEDFW_X25519_LEN])
{
	EVP_PKEY *pkey = NULL;
	size_t n = MEDFW_X25519_LEN, m = MEDFW_X25519_LEN;
	enum medfw_err err = MEDFW_ERR_CRYPTO;

	if (priv == NULL || pub == NULL)
		return MEDFW_ERR_INVALID_ARG;
	pkey = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
	if (pkey != NULL && EVP_PKEY_get_raw_private_key(pkey, priv, &n) == 1 &&
	    EVP_PKEY_get_raw_public_key(pkey, pub, &m) == 1 && n == MEDFW_X25519_LEN &&
	    m == MEDFW_X25519_LEN)
		err = MEDFW_OK;
	if (err != MEDFW_OK) {
		medfw_wipe(priv, MEDFW_X25519_LEN);
		memset(pub, 0, MEDFW_X25519_LEN);
	}
	EVP_PKEY_free(pkey);
	medfwi_crypto_clear_errors();
	return err;
}

enum medfw_err medfw_x25519_shared(const uint8_t priv[MEDFW_X25519_LEN],
				   const uint8_t peer[MEDFW_X25519_LEN],
				   uint8_t out[MEDFW_X25519_LEN])
{
	static const uint8_t zero[MEDFW_X25519_LEN];
	EVP_PKEY *mine = NULL, *theirs = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	size_t n = MEDFW_X25519_LEN;
	enum medfw_err err = MEDFW_ERR_CRYPTO;

	if (priv == NULL || peer == NULL || out == NULL)
		return MEDFW_ERR_INVALID_ARG;
	memset(out, 0, MEDFW_X25519_LEN);
	mine = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, priv, MEDFW_X25519_LEN);
	theirs = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, peer, MEDFW_X25519_LEN);
	if (mine == NULL || theirs == NULL)
		goto done;
	ctx = EVP_PKEY_CTX_new(mine, NULL);
	if (ctx == NULL || EVP_PKEY_derive_init(ctx) != 1 ||
	    EVP_PKEY_derive_set_peer(ctx, theirs) != 1)
		goto done;
	/* A low-order peer point gives the all-zero secret (RFC 7748 section 6.1):
	 * OpenSSL refuses to derive it, and should it not, so do we. */
	if (EVP_PKEY_derive(ctx, out, &n) != 1 || n != MEDFW_X25519_LEN ||
	    medfw_ct_equal(out, zero, sizeof(zero))) {
		err = MEDFW_ERR_KEY_UNSUPPORTED;
		goto done;
	}
	err = MEDFW_OK;
done:
	if (err != MEDFW_OK)
		medfw_wipe(out, MEDFW_X25519_LEN);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(mine);
	EVP_PKEY_free(theirs);
	medfwi_crypto_clear_errors();
	return err;
}

enum medfw_err medfw_hkdf_sha256(const uint8_t *salt, size_t salt_len, const uint8_t *ikm,
				 size_t ikm_len, const uint8_t *info, size_t info_len,
				 uint8_t *out, size_t out_len)
{
	EVP_KDF *kdf = NULL;
	EVP_KDF_CTX *ctx = NULL;
	OSSL_PARAM params[5], *p = params;
	char digest[] = "SHA256";
	enum medfw_err err = MEDFW_ERR_CRYPTO;

	if (out == NULL || out_len == 0 || out_len > 255 * MEDFW_SHA256_LEN || ikm == NULL ||
	    ikm_len == 0 || (salt == NULL && salt_len != 0) || (info == NULL && info_len != 0))
		return MEDFW_ERR_INVALID_ARG;
	memset(out, 0, out_len);
	kdf = EVP_KDF_fetch(NULL, OSSL_KDF_NAME_HKDF, NULL);
	ctx = kdf != NULL ? EVP_KDF_CTX_new(kdf) : NULL;
	if (ctx == NULL)
		goto done;
	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)(uintptr_t)ikm,
						 ikm_len);
	if (salt_len > 0)
		*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
							 (void *)(uintptr_t)salt, salt_len);
	if (info_len > 0)
		*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
							 (void *)(uintptr_t)info, info_len);
	*p = OSSL_PARAM_construct_end();
	if (EVP_KDF_derive(ctx, out, out_len, params) == 1)
		err = MEDFW_OK;
done:
	if (err != MEDFW_OK)
		medfw_wipe(out, out_len);
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
	medfwi_crypto_clear_errors();
	return err;
}

/* One AES-256-GCM operation; enc selects seal (1) or open (0). */
static enum medfw_err aead(int enc, const uint8_t key[MEDFW_AEAD_KEY_LEN],
			   const uint8_t nonce[MEDFW_AEAD_NONCE_LEN], const uint8_t *aad,
			   size_t aad_len, const uint8_t *in, size_t in_len, uint8_t *out,
			   uint8_t tag[MEDFW_AEAD_TAG_LEN])
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	enum medfw_err err = MEDFW_ERR_CRYPTO;
	int n = 0, fin = 0;

	if (ctx == NULL)
		goto done;
	if (EVP_CipherInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL, enc) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, MEDFW_AEAD_NONCE_LEN, NULL) != 1 ||
	    EVP_CipherInit_ex(ctx, NULL, NULL, key, nonce, enc) != 1)
		goto done;
	if (aad_len > 0 && EVP_CipherUpdate(ctx, NULL, &n, aad, (int)aad_len) != 1)
		goto done;
	if (in_len > 0 && (EVP_CipherUpdate(ctx, out, &n, in, (int)in_len) != 1 ||
			   (size_t)n != in_len))
		goto done;
	if (!enc &&
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, MEDFW_AEAD_TAG_LEN, tag) != 1)
		goto done;
	if (EVP_CipherFinal_ex(ctx, out + in_len, &fin) != 1) {
		err = enc ? MEDFW_ERR_CRYPTO : MEDFW_ERR_SIGNATURE;
		goto done;
	}
	if (enc && EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, MEDFW_AEAD_TAG_LEN, tag) != 1)
		goto done;
	err = MEDFW_OK;
done:
	if (err != MEDFW_OK && in_len > 0)
		medfw_wipe(out, in_len);
	EVP_CIPHER_CTX_free(ctx);
	medfwi_crypto_clear_errors();
	return err;
}

static int aead_args_ok(const uint8_t *key, const uint8_t *nonce, const uint8_t *aad,
			size_t aad_len, const uint8_t *in, size_t in_len, const uint8_t *out)
{
	return key != NULL && nonce != NULL && (aad != NULL || aad_len == 0) &&
	       aad_len <= MEDFW_AEAD_MAX_LEN && in != NULL && out != NULL &&
	       in_len <= MEDFW_AEAD_MAX_LEN;
}

enum medfw_err medfw_aead_seal(const uint8_t key[MEDFW_AEAD_KEY_LEN],
			       const uint8_t nonce[MEDFW_AEAD_NONCE_LEN], const uint8_t *aad,
			       size_t aad_len, const uint8_t *plain, size_t plain_len,
			       uint8_t *out)
{
	if (!aead_args_ok(key, nonce, aad, aad_len, plain, plain_len, out))
		return MEDFW_ERR_INVALID_ARG;
	return aead(1, key, nonce, aad, aad_len, plain, plain_len, out, out + plain_len);
}

enum medfw_err medfw_aead_open(const uint8_t key[MEDFW_AEAD_KEY_LEN],
			       const uint8_t nonce[MEDFW_AEAD_NONCE_LEN], const uint8_t *aad,
			       size_t aad_len, const uint8_t *sealed, size_t sealed_len,
			       uint8_t *out)
{
	uint8_t tag[MEDFW_AEAD_TAG_LEN];

	if (sealed_len < MEDFW_AEAD_TAG_LEN ||
	    !aead_args_ok(key, nonce, aad, aad_len, sealed, sealed_len, out))
		return MEDFW_ERR_INVALID_ARG;
	memcpy(tag, sealed + sealed_len - MEDFW_AEAD_TAG_LEN, sizeof(tag));
	return aead(0, key, nonce, aad, aad_len, sealed, sealed_len - MEDFW_AEAD_TAG_LEN, out,
		    tag);
}
