/* Hashes (SHA-256 / SHA-512 via EVP), constant-time compare, randomness, wiping,
 * and the OpenSSL error-queue helper shared by the crypto module. */
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "crypto/crypto_internal.h"
#include "medfw/crypto.h"

struct medfw_hash {
	EVP_MD_CTX *ctx;
	enum medfw_hash_alg alg;
	int finished;
};

enum medfw_err medfwi_crypto_fail(struct medfw_diag *diag, enum medfw_err err,
				  const char *what)
{
	unsigned long code = ERR_peek_last_error();
	char reason[256];

	if (code != 0) {
		ERR_error_string_n(code, reason, sizeof(reason));
		medfw_diag_set(diag, err, "%s: %s", what, reason);
	} else {
		medfw_diag_set(diag, err, "%s", what);
	}
	ERR_clear_error();
	return err;
}

void medfwi_crypto_clear_errors(void)
{
	ERR_clear_error();
}

const char *medfw_hash_alg_name(enum medfw_hash_alg alg)
{
	switch (alg) {
	case MEDFW_HASH_SHA256: return "sha256";
	case MEDFW_HASH_SHA512: return "sha512";
	}
	return "unknown";
}

enum medfw_err medfw_hash_alg_parse(const char *name, enum medfw_hash_alg *out)
{
	if (name != NULL && strcmp(name, "sha256") == 0) {
		*out = MEDFW_HASH_SHA256;
		return MEDFW_OK;
	}
	if (name != NULL && strcmp(name, "sha512") == 0) {
		*out = MEDFW_HASH_SHA512;
		return MEDFW_OK;
	}
	return MEDFW_ERR_NOT_FOUND;
}

size_t medfw_hash_len(enum medfw_hash_alg alg)
{
	switch (alg) {
	case MEDFW_HASH_SHA256: return MEDFW_SHA256_LEN;
	case MEDFW_HASH_SHA512: return MEDFW_SHA512_LEN;
	}
	return 0;
}

/* The digests, fetched once: EVP_sha256() makes OpenSSL 3 fetch the implementation
 * again at every EVP_DigestInit_ex (a lock on its method store), which costs more than
 * hashing a device request body. Never changed after they are fetched; they live as
 * long as the process. */
static pthread_once_t md_once = PTHREAD_ONCE_INIT;
static EVP_MD *md_sha256, *md_sha512;

static void md_fetch(void)
{
	md_sha256 = EVP_MD_fetch(NULL, "SHA2-256", NULL);
	md_sha512 = EVP_MD_fetch(NULL, "SHA2-512", NULL);
	ERR_clear_error();
}

static const EVP_MD *hash_md(enum medfw_hash_alg alg)
{
	if (pthread_once(&md_once, md_fetch) != 0)
		return NULL;
	switch (alg) {
	case MEDFW_HASH_SHA256: return md_sha256;
	case MEDFW_HASH_SHA512: return md_sha512;
	}
	return NULL;
}

struct medfw_hash *medfw_hash_new(enum medfw_hash_alg alg)
{
	const EVP_MD *md = hash_md(alg);
	struct medfw_hash *h = NULL;

	if (md == NULL)
		return NULL;
	h = calloc(1, sizeof(*h));
	if (h == NULL)
		return NULL;
	h->alg = alg;
	h->ctx = EVP_MD_CTX_new();
	if (h->ctx == NULL || EVP_DigestInit_ex(h->ctx, md, NULL) != 1) {
		medfw_hash_free(h);
		medfwi_crypto_clear_errors();
		return NULL;
	}
	return h;
}

enum medfw_err medfw_hash_update(struct medfw_hash *h, const void *data, size_t len)
{
	if (h == NULL || (data == NULL && len != 0))
		return MEDFW_ERR_INVALID_ARG;
	if (h->finished)
		return MEDFW_ERR_STATE;
	if (len == 0)
		return MEDFW_OK;
	if (EVP_DigestUpdate(h->ctx, data, len) != 1) {
		medfwi_crypto_clear_errors();
		return MEDFW_ERR_CRYPTO;
	}
	return MEDFW_OK;
}

enum medfw_err medfw_hash_final(struct medfw_hash *h, uint8_t *out, size_t out_cap,
				size_t *out_len)
{
	unsigned int n = 0;
	size_t need;

	if (out_len != NULL)
		*out_len = 0;
	if (h == NULL || out == NULL || out_len == NULL)
		return MEDFW_ERR_INVALID_ARG;
	if (h->finished)
		return MEDFW_ERR_STATE;
	need = medfw_hash_len(h->alg);
	if (out_cap < need)
		return MEDFW_ERR_INVALID_ARG;
	h->finished = 1;
	if (EVP_DigestFinal_ex(h->ctx, out, &n) != 1 || n != need) {
		medfw_wipe(out, out_cap);
		medfwi_crypto_clear_errors();
		return MEDFW_ERR_CRYPTO;
	}
	*out_len = n;
	return MEDFW_OK;
}

void medfw_hash_free(struct medfw_hash *h)
{
	if (h == NULL)
		return;
	EVP_MD_CTX_free(h->ctx);
	free(h);
}

enum medfw_err medfw_hash_oneshot(enum medfw_hash_alg alg, const void *data, size_t len,
				  uint8_t *out, size_t out_cap, size_t *out_len)
{
	struct medfw_hash *h = NULL;
	enum medfw_err err;

	if (out_len != NULL)
		*out_len = 0;
	if (out == NULL || out_len == NULL || (data == NULL && len != 0))
		return MEDFW_ERR_INVALID_ARG;
	if (hash_md(alg) == NULL)
		return MEDFW_ERR_INVALID_ARG;
	h = medfw_hash_new(alg);
	if (h == NULL)
		return MEDFW_ERR_NOMEM;
	err = medfw_hash_update(h, data, len);
	if (err == MEDFW_OK)
		err = medfw_hash_final(h, out, out_cap, out_len);
	medfw_hash_free(h);
	return err;
}

int medfw_ct_equal(const void *a, const void *b, size_t n)
{
	if (n == 0)
		return 1;
	return CRYPTO_memcmp(a, b, n) == 0;
}

enum medfw_err medfw_random_bytes(void *buf, size_t n)
{
	unsigned char *p = buf;
	size_t total = n;

	if (buf == NULL && n != 0)
		return MEDFW_ERR_INVALID_ARG;
	while (n > 0) {
		size_t chunk = n < (size_t)INT_MAX ? n : (size_t)INT_MAX;

		if (RAND_bytes(p, (int)chunk) != 1) {
			medfw_wipe(buf, total); /* no partial randomness escapes */
			medfwi_crypto_clear_errors();
			return MEDFW_ERR_CRYPTO;
		}
		p += chunk;
		n -= chunk;
	}
	return MEDFW_OK;
}

void medfw_wipe(void *p, size_t n)
{
	if (p != NULL && n != 0)
		OPENSSL_cleanse(p, n);
}
