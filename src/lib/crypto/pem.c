/* Private keys: generation and PKCS#8 PEM load/save (encrypted with AES-256-CBC and
 * an scrypt KDF when a passphrase is given). The library never prompts: PEM blocks
 * are decoded by hand, so no OpenSSL password callback is ever reached. */
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include "crypto/crypto_internal.h"
#include "medfw/crypto.h"

#define RSA_GENERATE_BITS 3072
/* scrypt cost: N = 2^14, r = 8, p = 1 (16 MiB); OpenSSL refuses more than 32 MiB by
 * default when decrypting. */
#define SCRYPT_N 16384
#define SCRYPT_R 8
#define SCRYPT_P 1
#define PASSPHRASE_MAX 1024

enum medfw_err medfw_privkey_generate(enum medfw_key_type type, struct medfw_privkey **out,
				      struct medfw_diag *diag)
{
	struct medfw_privkey *key = NULL;
	EVP_PKEY *pkey = NULL;
	enum medfw_err err;

	if (out == NULL)
		return MEDFW_ERR_INVALID_ARG;
	*out = NULL;
	switch (type) {
	case MEDFW_KEY_ED25519:
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
		break;
	case MEDFW_KEY_ECDSA_P256:
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		break;
	case MEDFW_KEY_RSA_PSS_SHA256:
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)RSA_GENERATE_BITS);
		break;
	default:
		return medfw_diag_set(diag, MEDFW_ERR_KEY_UNSUPPORTED, "unknown key type");
	}
	if (pkey == NULL) {
		err = medfwi_crypto_fail(diag, MEDFW_ERR_CRYPTO, "key generation failed");
		goto out;
	}
	key = calloc(1, sizeof(*key));
	if (key == NULL) {
		err = MEDFW_ERR_NOMEM;
		goto out;
	}
	key->type = type;
	key->pkey = pkey;
	pkey = NULL;
	*out = key;
	err = MEDFW_OK;
out:
	EVP_PKEY_free(pkey);
	medfwi_crypto_clear_errors();
	return err;
}

void medfw_privkey_free(struct medfw_privkey *key)
{
	if (key == NULL)
		return;
	EVP_PKEY_free(key->pkey);
	medfw_wipe(key, sizeof(*key));
	free(key);
}

enum medfw_key_type medfw_privkey_type(const struct medfw_privkey *key)
{
	return key->type;
}

/* Decrypt an "ENCRYPTED PRIVATE KEY" body. */
static enum medfw_err decrypt_p8(const unsigned char *der, long der_len, const char *passphrase,
				 PKCS8_PRIV_KEY_INFO **out, struct medfw_diag *diag)
{
	const unsigned char *p = der;
	X509_SIG *sig = NULL;
	size_t pass_len;
	enum medfw_err err;

	*out = NULL;
	if (passphrase == NULL) {
		ERR_clear_error();
		return medfw_diag_set(diag, MEDFW_ERR_BAD_PASSPHRASE,
				      "the private key is encrypted and no passphrase was given");
	}
	pass_len = strlen(passphrase);
	if (pass_len > PASSPHRASE_MAX)
		return medfw_diag_set(diag, MEDFW_ERR_BAD_PASSPHRASE, "passphrase too long");
	sig = d2i_X509_SIG(NULL, &p, der_len);
	if (sig == NULL || p != der + der_len) {
		err = medfwi_crypto_fail(diag, MEDFW_ERR_KEY_FORMAT,
					 "malformed encrypted PKCS#8 structure");
		goto out;
	}
	*out = PKCS8_decrypt(sig, passphrase, (int)pass_len);
	if (*out == NULL) {
		err = medfwi_crypto_fail(diag, MEDFW_ERR_BAD_PASSPHRASE,
					 "cannot decrypt the private key (wrong passphrase?)");
		goto out;
	}
	err = MEDFW_OK;
out:
	X509_SIG_free(sig);
	return err;
}

enum medfw_err medfw_privkey_load_pem(const uint8_t *pem, size_t pem_len,
				      const char *passphrase, struct medfw_privkey **out,
				      struct medfw_diag *diag)
{
	BIO *bio = NULL;
	char *name = NULL, *header = NULL;
	unsigned char *der = NULL;
	long der_len = 0;
	const unsigned char *p;
	PKCS8_PRIV_KEY_INFO *p8 = NULL;
	EVP_PKEY *pkey = NULL;
	struct medfw_privkey *key = NULL;
	enum medfw_key_type type;
	const char *detail = NULL;
	enum medfw_err err = MEDFW_ERR_KEY_FORMAT;

	if (out == NULL)
		return MEDFW_ERR_INVALID_ARG;
	*out = NULL;
	if (pem == NULL || pem_len == 0) {
		err = medfw_diag_set(diag, MEDFW_ERR_KEY_FORMAT, "empty private key file");
		goto out;
	}
	if (pem_len > MEDFW_PRIVKEY_PEM_MAX) {
		err = medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE,
				     "private key PEM larger than %d bytes", MEDFW_PRIVKEY_PEM_MAX);
		goto out;
	}
	bio = BIO_new_mem_buf(pem, (int)pem_len);
	if (bio == NULL) {
		err = medfwi_crypto_fail(diag, MEDFW_ERR_NOMEM, "BIO_new_mem_buf");
		goto out;
	}
	if (PEM_read_bio(bio, &name, &header, &der, &der_len) != 1) {
		err = medfwi_crypto_fail(diag, MEDFW_ERR_KEY_FORMAT,
					 "not a PEM private key");
		goto out;
	}
	if (strcmp(name, "ENCRYPTED PRIVATE KEY") == 0) {
		err = decrypt_p8(der, der_len, passphrase, &p8, diag);
		if (err != MEDFW_OK)
			goto out;
	} else if (strcmp(name, "PRIVATE KEY") == 0) {
		p = der;
		p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, der_len);
		if (p8 == NULL || p != der + der_len) {
			err = medfwi_crypto_fail(diag, MEDFW_ERR_KEY_FORMAT,
						 "malformed PKCS#8 private key");
			goto out;
		}
	} else {
		err = medfw_diag_set(diag, MEDFW_ERR_KEY_FORMAT,
				     "PEM block '%.40s' is not PKCS#8 (convert with "
				     "'openssl pkcs8 -topk8')", name);
		goto out;
	}
	pkey = EVP_PKCS82PKEY(p8);
	if (pkey == NULL) {
		err = medfwi_crypto_fail(diag, MEDFW_ERR_KEY_FORMAT, "malformed private key");
		goto out;
	}
	err = medfwi_pkey_classify(pkey, &type, &detail);
	if (err != MEDFW_OK) {
		medfw_diag_set(diag, err, "unsupported private key: %s", detail);
		goto out;
	}
	key = calloc(1, sizeof(*key));
	if (key == NULL) {
		err = MEDFW_ERR_NOMEM;
		goto out;
	}
	key->type = type;
	key->pkey = pkey;
	pkey = NULL;
	*out = key;
	err = MEDFW_OK;
out:
	EVP_PKEY_free(pkey);
	PKCS8_PRIV_KEY_INFO_free(p8);
	if (der != NULL)
		OPENSSL_clear_free(der, der_len > 0 ? (size_t)der_len : 0);
	OPENSSL_free(name);
	OPENSSL_free(header);
	BIO_free(bio);
	medfwi_crypto_clear_errors();
	return err;
}

enum medfw_err medfw_privkey_save_pem(const struct medfw_privkey *key, const char *passphrase,
				      struct medfw_buf *out, struct medfw_diag *diag)
{
	PKCS8_PRIV_KEY_INFO *p8 = NULL;
	X509_ALGOR *pbe = NULL;
	X509_SIG *enc = NULL;
	BIO *bio = NULL;
	char *mem = NULL;
	long mem_len;
	size_t pass_len;
	enum medfw_err err = MEDFW_ERR_CRYPTO;

	if (key == NULL || out == NULL)
		return MEDFW_ERR_INVALID_ARG;
	bio = BIO_new(BIO_s_secmem());
	p8 = EVP_PKEY2PKCS8(key->pkey);
	if (bio == NULL || p8 == NULL) {
		err = medfwi_crypto_fail(diag, MEDFW_ERR_CRYPTO, "cannot encode the private key");
		goto out;
	}
	if (passphrase != NULL && passphrase[0] != '\0') {
		pass_len = strlen(passphrase);
		if (pass_len > PASSPHRASE_MAX) {
			err = medfw_diag_set(diag, MEDFW_ERR_BAD_PASSPHRASE, "passphrase too long");
			goto out;
		}
		pbe = PKCS5_pbe2_set_scrypt(EVP_aes_256_cbc(), NULL, 0, NULL, SCRYPT_N, SCRYPT_R,
					    SCRYPT_P);
		if (pbe == NULL) {
			err = medfwi_crypto_fail(diag, MEDFW_ERR_CRYPTO, "scrypt parameters");
			goto out;
		}
		enc = PKCS8_set0_pbe(passphrase, (int)pass_len, p8, pbe);
		if (enc == NULL) {
			err = medfwi_crypto_fail(diag, MEDFW_ERR_CRYPTO,
						 "cannot encrypt the private key");
			goto out;
		}
		pbe = NULL; /* owned by enc now */
		if (PEM_write_bio_PKCS8(bio, enc) != 1) {
			err = medfwi_crypto_fail(diag, MEDFW_ERR_CRYPTO, "PEM encoding failed");
			goto out;
		}
	} else if (PEM_write_bio_PKCS8_PRIV_KEY_INFO(bio, p8) != 1) {
		err = medfwi_crypto_fail(diag, MEDFW_ERR_CRYPTO, "PEM encoding failed");
		goto out;
	}
	mem_len = BIO_get_mem_data(bio, &mem);
	if (mem_len <= 0) {
		err = medfwi_crypto_fail(diag, MEDFW_ERR_CRYPTO, "PEM encoding is empty");
		goto out;
	}
	err = medfw_buf_append(out, mem, (size_t)mem_len);
	if (err != MEDFW_OK)
		medfw_diag_set(diag, err, "private key PEM does not fit the output buffer");
out:
	X509_SIG_free(enc);
	X509_ALGOR_free(pbe);
	PKCS8_PRIV_KEY_INFO_free(p8);
	BIO_free(bio); /* secure memory BIO: cleared on free */
	medfwi_crypto_clear_errors();
	return err;
}
