/* HMAC-SHA1 / HMAC-SHA256 through OpenSSL 3's EVP_MAC. */
#include <pthread.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "crypto/crypto_internal.h"
#include "medfw/crypto.h"

size_t medfw_mac_len(enum medfw_mac_alg alg)
{
	switch (alg) {
	case MEDFW_MAC_HMAC_SHA1: return MEDFW_HMAC_SHA1_LEN;
	case MEDFW_MAC_HMAC_SHA256: return MEDFW_HMAC_SHA256_LEN;
	}
	return 0;
}

static const char *mac_digest_name(enum medfw_mac_alg alg)
{
	switch (alg) {
	case MEDFW_MAC_HMAC_SHA1: return "SHA1";
	case MEDFW_MAC_HMAC_SHA256: return "SHA256";
	}
	return NULL;
}

/* One unkeyed HMAC context per digest, made once and duplicated per call: fetching
 * HMAC and its digest by name takes locks on OpenSSL's method store and cost more
 * than the MAC of a device request itself (two per check-in). Never changed after
 * they are made; they live as long as the process. */
static pthread_once_t hmac_once = PTHREAD_ONCE_INIT;
static EVP_MAC_CTX *hmac_template[3]; /* by enum medfw_mac_alg */

static void hmac_templates(void)
{
	EVP_MAC *mac = EVP_MAC_fetch(NULL, OSSL_MAC_NAME_HMAC, NULL);

	for (int alg = MEDFW_MAC_HMAC_SHA1; mac != NULL && alg <= MEDFW_MAC_HMAC_SHA256; alg++) {
		EVP_MAC_CTX *ctx = EVP_MAC_CTX_new(mac);
		OSSL_PARAM params[2];
		char name[8];

		/* OSSL_PARAM wants a mutable string; hand it a local copy of the name. */
		memcpy(name, mac_digest_name((enum medfw_mac_alg)alg),
		       strlen(mac_digest_name((enum medfw_mac_alg)alg)) + 1);
		params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, name, 0);
		params[1] = OSSL_PARAM_construct_end();
		if (ctx != NULL && EVP_MAC_CTX_set_params(ctx, params) != 1) {
			EVP_MAC_CTX_free(ctx);
			ctx = NULL;
		}
		hmac_template[alg] = ctx;
	}
	EVP_MAC_free(mac); /* the contexts hold their own references */
	medfwi_crypto_clear_errors();
}

enum medfw_err medfw_hmac(enum medfw_mac_alg alg, const uint8_t *key, size_t key_len,
			  const uint8_t *msg, size_t msg_len, uint8_t *out, size_t out_cap,
			  size_t *out_len)
{
	const char *digest = mac_digest_name(alg);
	size_t need = medfw_mac_len(alg);
	EVP_MAC_CTX *ctx = NULL;
	size_t n = 0;
	enum medfw_err err = MEDFW_ERR_CRYPTO;

	if (out_len != NULL)
		*out_len = 0;
	if (out != NULL && out_cap > 0)
		memset(out, 0, out_cap);
	if (digest == NULL || key == NULL || key_len == 0 || key_len > MEDFW_HMAC_KEY_MAX ||
	    (msg == NULL && msg_len != 0) || out == NULL || out_len == NULL || out_cap < need)
		return MEDFW_ERR_INVALID_ARG;

	if (pthread_once(&hmac_once, hmac_templates) != 0 || hmac_template[alg] == NULL)
		goto cleanup;
	ctx = EVP_MAC_CTX_dup(hmac_template[alg]);
	if (ctx == NULL || EVP_MAC_init(ctx, key, key_len, NULL) != 1)
		goto cleanup;
	if (msg_len > 0 && EVP_MAC_update(ctx, msg, msg_len) != 1)
		goto cleanup;
	if (EVP_MAC_final(ctx, out, &n, out_cap) != 1 || n != need)
		goto cleanup;
	*out_len = n;
	err = MEDFW_OK;
cleanup:
	if (err != MEDFW_OK)
		memset(out, 0, out_cap);
	EVP_MAC_CTX_free(ctx); /* clears the keyed state */
	medfwi_crypto_clear_errors();
	return err;
}

enum medfw_err medfw_hmac_verify(enum medfw_mac_alg alg, const uint8_t *key, size_t key_len,
				 const uint8_t *msg, size_t msg_len, const uint8_t *tag,
				 size_t tag_len)
{
	uint8_t expected[MEDFW_HMAC_MAX_LEN];
	size_t n = 0;
	enum medfw_err err;

	if (tag == NULL && tag_len != 0)
		return MEDFW_ERR_INVALID_ARG;
	err = medfw_hmac(alg, key, key_len, msg, msg_len, expected, sizeof(expected), &n);
	if (err != MEDFW_OK)
		return err;
	err = MEDFW_ERR_SIGNATURE;
	if (tag_len == n && medfw_ct_equal(expected, tag, n))
		err = MEDFW_OK;
	medfw_wipe(expected, sizeof(expected));
	return err;
}
