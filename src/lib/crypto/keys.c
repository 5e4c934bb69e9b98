/* Public keys: TUF key objects <-> OpenSSL keys, key ids.
 *
 * What securesystemslib 0.26 does (read from keys.py, ed25519_keys.py,
 * ecdsa_keys.py, rsa_keys.py and signer/_key.py as installed in Debian):
 *   - A key object is {"keytype", "scheme", "keyval": {"public"}}; keys made by
 *     keys.generate_*_key() also carry "keyid_hash_algorithms": ["sha256","sha512"],
 *     which is part of the object hashed for the key id when present in metadata.
 *   - ed25519: keytype "ed25519", scheme "ed25519", keyval.public = hexlify of the
 *     raw 32-byte key (lowercase); signature = raw 64 bytes.
 *   - ECDSA: generate_ecdsa_key() emits keytype "ecdsa" (older metadata uses
 *     "ecdsa-sha2-nistp256"; verify accepts "ecdsa", "ecdsa-sha2-nistp256",
 *     "ecdsa-sha2-nistp384"), scheme "ecdsa-sha2-nistp256", keyval.public = PEM
 *     SubjectPublicKeyInfo; signature = DER ECDSA-Sig-Value over SHA-256
 *     (pyca ec.ECDSA(SHA256)). We do not support P-384.
 *   - RSA: keytype "rsa", scheme "rsassa-pss-sha256" (also rsa-pkcs1v15-* and other
 *     PSS digests, unsupported here), keyval.public = PEM SubjectPublicKeyInfo;
 *     signing uses PSS with MGF1(SHA-256) and salt_length = PSS.DIGEST_LENGTH (32),
 *     verifying uses salt_length = PSS.AUTO. Default generated size is 3072 bits.
 *   - PEM text: generate_rsa_key() strips the PEM with extract_pem() (no trailing
 *     newline); generate_ecdsa_key() keeps pyca's output (trailing "\n"). The text is
 *     hashed into the key id, so medfw_privkey_public() emits exactly the same.
 *   - keys._get_keyid(): sha256 of encode_canonical(format_keyval_to_metadata(...))
 *     i.e. of the public key object; TUF (python-tuf Metadata) uses the key object
 *     exactly as it appears in metadata, which is what we hash.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "crypto/crypto_internal.h"
#include "medfw/crypto.h"
#include "medfw/json.h"

#define ED25519_KEY_LEN 32
#define KEY_OBJECT_CANONICAL_MAX (64u * 1024u)

enum medfw_err medfw_key_type_parse(const char *name, enum medfw_key_type *out)
{
	if (name == NULL || out == NULL)
		return MEDFW_ERR_INVALID_ARG;
	if (strcmp(name, "ed25519") == 0)
		*out = MEDFW_KEY_ED25519;
	else if (strcmp(name, "ecdsa") == 0 || strcmp(name, "ecdsa-sha2-nistp256") == 0)
		*out = MEDFW_KEY_ECDSA_P256;
	else if (strcmp(name, "rsa") == 0 || strcmp(name, "rsassa-pss-sha256") == 0)
		*out = MEDFW_KEY_RSA_PSS_SHA256;
	else
		return MEDFW_ERR_KEY_UNSUPPORTED;
	return MEDFW_OK;
}

const char *medfw_key_type_name(enum medfw_key_type type)
{
	switch (type) {
	case MEDFW_KEY_ED25519: return "ed25519";
	case MEDFW_KEY_ECDSA_P256: return "ecdsa";
	case MEDFW_KEY_RSA_PSS_SHA256: return "rsa";
	case MEDFW_KEY_RSA_PKCS1V15_SHA256: return "rsa";
	}
	return "unknown";
}

/* TUF scheme name of each type. */
static const char *type_scheme(enum medfw_key_type type)
{
	switch (type) {
	case MEDFW_KEY_ED25519: return "ed25519";
	case MEDFW_KEY_ECDSA_P256: return "ecdsa-sha2-nistp256";
	case MEDFW_KEY_RSA_PSS_SHA256: return "rsassa-pss-sha256";
	case MEDFW_KEY_RSA_PKCS1V15_SHA256: return "rsa-pkcs1v15-sha256";
	}
	return NULL;
}

enum medfw_err medfwi_pkey_classify(EVP_PKEY *pkey, enum medfw_key_type *out,
				    const char **out_detail)
{
	char group[64];
	size_t group_len = 0;

	*out_detail = NULL;
	switch (EVP_PKEY_get_base_id(pkey)) {
	case EVP_PKEY_ED25519:
		*out = MEDFW_KEY_ED25519;
		return MEDFW_OK;
	case EVP_PKEY_EC:
		if (EVP_PKEY_get_group_name(pkey, group, sizeof(group), &group_len) != 1 ||
		    (strcmp(group, "prime256v1") != 0 && strcmp(group, "P-256") != 0)) {
			*out_detail = "EC key is not on curve P-256";
			return MEDFW_ERR_KEY_UNSUPPORTED;
		}
		*out = MEDFW_KEY_ECDSA_P256;
		return MEDFW_OK;
	case EVP_PKEY_RSA:
		if (EVP_PKEY_get_bits(pkey) < MEDFW_RSA_MIN_BITS) {
			*out_detail = "RSA key shorter than 2048 bits";
			return MEDFW_ERR_KEY_UNSUPPORTED;
		}
		*out = MEDFW_KEY_RSA_PSS_SHA256;
		return MEDFW_OK;
	default:
		*out_detail = "key type is not ed25519, ECDSA P-256 or RSA";
		return MEDFW_ERR_KEY_UNSUPPORTED;
	}
}

static enum medfw_err key_from_ed25519_hex(const char *hex, EVP_PKEY **out,
					   struct medfw_diag *diag)
{
	uint8_t raw[ED25519_KEY_LEN];
	size_t raw_len = 0;

	if (strlen(hex) != 2 * ED25519_KEY_LEN ||
	    medfw_hex_decode(hex, raw, sizeof(raw), &raw_len) != MEDFW_OK ||
	    raw_len != ED25519_KEY_LEN)
		return medfw_diag_set(diag, MEDFW_ERR_KEY_FORMAT,
				      "ed25519 keyval.public must be 64 hex characters");
	*out = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, raw, sizeof(raw));
	if (*out == NULL)
		return medfwi_crypto_fail(diag, MEDFW_ERR_KEY_FORMAT, "bad ed25519 public key");
	return MEDFW_OK;
}

/* Only whitespace may follow the PEM block. */
static int only_space(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n')
			return 0;
	return 1;
}

static enum medfw_err key_from_pem(const char *pem, enum medfw_key_type want, EVP_PKEY **out,
				   struct medfw_diag *diag)
{
	size_t pem_len = strlen(pem);
	BIO *bio = NULL;
	char *name = NULL, *header = NULL;
	unsigned char *der = NULL;
	const unsigned char *p;
	long der_len = 0;
	EVP_PKEY *pkey = NULL;
	EVP_PKEY_CTX *check = NULL;
	enum medfw_key_type got;
	const char *detail = NULL;
	char *rest = NULL;
	long rest_len;
	enum medfw_err err = MEDFW_ERR_KEY_FORMAT;

	*out = NULL;
	if (pem_len == 0 || pem_len > MEDFW_PUBKEY_PEM_MAX) {
		err = medfw_diag_set(diag, MEDFW_ERR_KEY_FORMAT,
				     "keyval.public PEM is empty or longer than %d bytes",
				     MEDFW_PUBKEY_PEM_MAX);
		goto out;
	}
	bio = BIO_new_mem_buf(pem, (int)pem_len);
	if (bio == NULL) {
		err = medfwi_crypto_fail(diag, MEDFW_ERR_NOMEM, "BIO_new_mem_buf");
		goto out;
	}
	if (PEM_read_bio(bio, &name, &header, &der, &der_len) != 1) {
		err = medfwi_crypto_fail(diag, MEDFW_ERR_KEY_FORMAT, "keyval.public is not PEM");
		goto out;
	}
	rest_len = BIO_get_mem_data(bio, &rest);
	if (strcmp(name, "PUBLIC KEY") != 0 || header[0] != '\0' ||
	    (rest_len > 0 && !only_space(rest, (size_t)rest_len))) {
		err = medfw_diag_set(diag, MEDFW_ERR_KEY_FORMAT,
				     "keyval.public must be one PEM 'PUBLIC KEY' block");
		goto out;
	}
	p = der;
	pkey = d2i_PUBKEY(NULL, &p, der_len);
	if (pkey == NULL || p != der + der_len) {
		err = medfwi_crypto_fail(diag, MEDFW_ERR_KEY_FORMAT,
					 "keyval.public is not a valid SubjectPublicKeyInfo");
		goto out;
	}
	if (medfwi_pkey_classify(pkey, &got, &detail) != MEDFW_OK) {
		err = medfw_diag_set(diag, MEDFW_ERR_KEY_FORMAT, "keyval.public: %s", detail);
		goto out;
	}
	if (got == MEDFW_KEY_RSA_PSS_SHA256 && want == MEDFW_KEY_RSA_PKCS1V15_SHA256)
		got = want; /* the same RSA key material, another padding scheme */
	if (got != want) {
		err = medfw_diag_set(diag, MEDFW_ERR_KEY_FORMAT,
				     "keyval.public is a %s key, keytype says %s",
				     medfw_key_type_name(got), medfw_key_type_name(want));
		goto out;
	}
	check = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
	if (check == NULL || EVP_PKEY_public_check(check) != 1) {
		err = medfwi_crypto_fail(diag, MEDFW_ERR_KEY_FORMAT,
					 "keyval.public fails the public key check");
		goto out;
	}
	*out = pkey;
	pkey = NULL;
	err = MEDFW_OK;
out:
	EVP_PKEY_CTX_free(check);
	EVP_PKEY_free(pkey);
	OPENSSL_free(name);
	OPENSSL_free(header);
	OPENSSL_free(der);
	BIO_free(bio);
	return err;
}

static enum medfw_err compute_keyid(const json_t *object, char *out, struct medfw_diag *diag)
{
	struct medfw_buf canon;
	uint8_t digest[MEDFW_SHA256_LEN];
	size_t digest_len = 0;
	enum medfw_err err;

	medfw_buf_init(&canon, KEY_OBJECT_CANONICAL_MAX);
	err = medfw_json_canonical(object, &canon, diag);
	if (err == MEDFW_OK)
		err = medfw_hash_oneshot(MEDFW_HASH_SHA256, canon.data, canon.len, digest,
					 sizeof(digest), &digest_len);
	if (err == MEDFW_OK)
		err = medfw_hex_encode(digest, digest_len, out, MEDFW_KEYID_HEX_LEN + 1);
	medfw_buf_free(&canon);
	if (err != MEDFW_OK)
		return medfw_diag_set(diag, err, "cannot compute the key id");
	return MEDFW_OK;
}

static const char *get_str(const json_t *obj, const char *key)
{
	return json_string_value(json_object_get(obj, key));
}

enum medfw_err medfw_pubkey_from_json(const json_t *key_object, struct medfw_pubkey **out,
				      struct medfw_diag *diag)
{
	struct medfw_pubkey *key = NULL;
	const char *keytype, *scheme, *public;
	const json_t *keyval;
	enum medfw_key_type type;
	enum medfw_err err;

	if (out == NULL)
		return MEDFW_ERR_INVALID_ARG;
	*out = NULL;
	if (!json_is_object(key_object)) {
		err = medfw_diag_set(diag, MEDFW_ERR_KEY_FORMAT, "key object is not a JSON object");
		goto out;
	}
	keytype = get_str(key_object, "keytype");
	scheme = get_str(key_object, "scheme");
	keyval = json_object_get(key_object, "keyval");
	if (keytype == NULL || scheme == NULL || !json_is_object(keyval)) {
		err = medfw_diag_set(diag, MEDFW_ERR_KEY_FORMAT,
				     "key object needs string keytype and scheme and object keyval");
		goto out;
	}
	if (strcmp(keytype, "ed25519") == 0)
		type = MEDFW_KEY_ED25519;
	else if (strcmp(keytype, "ecdsa") == 0 || strcmp(keytype, "ecdsa-sha2-nistp256") == 0)
		type = MEDFW_KEY_ECDSA_P256;
	else if (strcmp(keytype, "rsa") == 0)
		type = strcmp(scheme, "rsa-pkcs1v15-sha256") == 0 ? MEDFW_KEY_RSA_PKCS1V15_SHA256
								  : MEDFW_KEY_RSA_PSS_SHA256;
	else {
		err = medfw_diag_set(diag, MEDFW_ERR_KEY_UNSUPPORTED,
				     "unsupported keytype '%.64s'", keytype);
		goto out;
	}
	if (strcmp(scheme, type_scheme(type)) != 0) {
		err = medfw_diag_set(diag, MEDFW_ERR_KEY_UNSUPPORTED,
				     "unsupported scheme '%.64s' for keytype '%s'", scheme, keytype);
		goto out;
	}
	public = get_str(keyval, "public");
	if (public == NULL) {
		err = medfw_diag_set(diag, MEDFW_ERR_KEY_FORMAT,
				     "keyval.public is missing or not a string");
		goto out;
	}
	if (json_object_get(keyval, "private") != NULL) {
		err = medfw_diag_set(diag, MEDFW_ERR_KEY_FORMAT,
				     "public key object contains keyval.private");
		goto out;
	}
	key = calloc(1, sizeof(*key));
	if (key == NULL) {
		err = MEDFW_ERR_NOMEM;
		goto out;
	}
	key->type = type;
	if (type == MEDFW_KEY_ED25519)
		err = key_from_ed25519_hex(public, &key->pkey, diag);
	else
		err = key_from_pem(public, type, &key->pkey, diag);
	if (err != MEDFW_OK)
		goto out;
	key->object = json_deep_copy(key_object);
	if (key->object == NULL) {
		err = MEDFW_ERR_NOMEM;
		goto out;
	}
	err = compute_keyid(key->object, key->keyid, diag);
	if (err != MEDFW_OK)
		goto out;
	*out = key;
	key = NULL;
out:
	medfw_pubkey_free(key);
	medfwi_crypto_clear_errors();
	return err;
}

void medfw_pubkey_free(struct medfw_pubkey *key)
{
	if (key == NULL)
		return;
	EVP_PKEY_free(key->pkey);
	json_decref(key->object);
	free(key);
}

enum medfw_key_type medfw_pubkey_type(const struct medfw_pubkey *key)
{
	return key->type;
}

const char *medfw_pubkey_keyid(const struct medfw_pubkey *key)
{
	return key->keyid;
}

const json_t *medfw_pubkey_json(const struct medfw_pubkey *key)
{
	return key->object;
}

/* keyval.public text for pkey: hex for ed25519, PEM SubjectPublicKeyInfo otherwise
 * (the same text securesystemslib 0.26 puts in the key objects it generates). */
static enum medfw_err public_text(const struct medfw_privkey *key, char **out,
				  struct medfw_diag *diag)
{
	uint8_t raw[ED25519_KEY_LEN];
	size_t raw_len = sizeof(raw);
	BIO *bio = NULL;
	char *mem = NULL;
	long mem_len;
	enum medfw_err err = MEDFW_ERR_CRYPTO;

	*out = NULL;
	if (key->type == MEDFW_KEY_ED25519) {
		if (EVP_PKEY_get_raw_public_key(key->pkey, raw, &raw_len) != 1 ||
		    raw_len != ED25519_KEY_LEN)
			return medfwi_crypto_fail(diag, MEDFW_ERR_CRYPTO, "ed25519 public key");
		*out = malloc(2 * ED25519_KEY_LEN + 1);
		if (*out == NULL)
			return MEDFW_ERR_NOMEM;
		return medfw_hex_encode(raw, raw_len, *out, 2 * ED25519_KEY_LEN + 1);
	}
	bio = BIO_new(BIO_s_mem());
	if (bio == NULL || PEM_write_bio_PUBKEY(bio, key->pkey) != 1) {
		err = medfwi_crypto_fail(diag, MEDFW_ERR_CRYPTO, "cannot encode the public key");
		goto out;
	}
	mem_len = BIO_get_mem_data(bio, &mem);
	if (mem_len <= 0 || (size_t)mem_len > MEDFW_PUBKEY_PEM_MAX) {
		err = medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "public key PEM too large");
		goto out;
	}
	*out = malloc((size_t)mem_len + 1);
	if (*out == NULL) {
		err = MEDFW_ERR_NOMEM;
		goto out;
	}
	/* Same text as securesystemslib 0.26 generates: RSA without the final newline. */
	if (key->type == MEDFW_KEY_RSA_PSS_SHA256 || key->type == MEDFW_KEY_RSA_PKCS1V15_SHA256)
		while (mem_len > 0 && (mem[mem_len - 1] == '\n' || mem[mem_len - 1] == '\r'))
			mem_len--;
	memcpy(*out, mem, (size_t)mem_len);
	(*out)[mem_len] = '\0';
	err = MEDFW_OK;
out:
	BIO_free(bio);
	return err;
}

enum medfw_err medfw_privkey_public(const struct medfw_privkey *key, struct medfw_pubkey **out,
				    struct medfw_diag *diag)
{
	char *text = NULL;
	json_t *object = NULL;
	enum medfw_err err;

	if (out == NULL)
		return MEDFW_ERR_INVALID_ARG;
	*out = NULL;
	if (key == NULL)
		return MEDFW_ERR_INVALID_ARG;
	err = public_text(key, &text, diag);
	if (err != MEDFW_OK)
		goto out;
	object = json_pack("{s:s, s:s, s:{s:s}}", "keytype", medfw_key_type_name(key->type),
			   "scheme", type_scheme(key->type), "keyval", "public", text);
	if (object == NULL) {
		err = MEDFW_ERR_NOMEM;
		goto out;
	}
	/* One constructor: the object goes through the same validation as any other. */
	err = medfw_pubkey_from_json(object, out, diag);
out:
	json_decref(object);
	free(text);
	medfwi_crypto_clear_errors();
	return err;
}

enum medfw_err medfw_privkey_from_ed25519_seed(const uint8_t seed[32], struct medfw_privkey **out,
					       struct medfw_diag *diag)
{
	struct medfw_privkey *key = calloc(1, sizeof(*key));

	*out = NULL;
	if (key == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_NOMEM, "out of memory");
	key->type = MEDFW_KEY_ED25519;
	key->pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, 32);
	if (key->pkey == NULL) {
		free(key);
		return medfwi_crypto_fail(diag, MEDFW_ERR_CRYPTO, "ed25519 key from seed");
	}
	*out = key;
	return MEDFW_OK;
}

enum medfw_err medfw_ed25519_public_from_seed(const uint8_t seed[MEDFW_ED25519_RAW_LEN],
					      uint8_t out[MEDFW_ED25519_RAW_LEN])
{
	EVP_PKEY *pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed,
						      MEDFW_ED25519_RAW_LEN);
	size_t len = MEDFW_ED25519_RAW_LEN;
	int ok = pkey != NULL && EVP_PKEY_get_raw_public_key(pkey, out, &len) == 1 &&
		 len == MEDFW_ED25519_RAW_LEN;

	EVP_PKEY_free(pkey);
	medfwi_crypto_clear_errors();
	if (!ok)
		memset(out, 0, MEDFW_ED25519_RAW_LEN);
	return ok ? MEDFW_OK : MEDFW_ERR_CRYPTO;
}
