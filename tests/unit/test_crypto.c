/* Crypto module: hashes, keys, signatures, PEM. Keys are generated at run time;
 * unsupported key types are made with OpenSSL directly (only this module's tests
 * touch OpenSSL). */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "medfw/crypto.h"
#include "medfw/json.h"

static const char *const ABC_SHA256 =
	"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
static const char *const ABC_SHA512 =
	"ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
	"2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f";

/* A fixed ed25519 public key and its key ids, computed with Debian's securesystemslib
 * 0.26:
 *   /usr/bin/python3 -c "import hashlib; from securesystemslib.formats import
 *     encode_canonical as c; o={'keytype':'ed25519','scheme':'ed25519',
 *     'keyval':{'public':PUB}}; print(hashlib.sha256(c(o).encode()).hexdigest())"
 * and, with o['keyid_hash_algorithms']=['sha256','sha512'] added, the same expression,
 * which equals securesystemslib.keys._get_keyid('ed25519','ed25519',{'public':PUB}). */
static const char *const KNOWN_PUB =
	"3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29";
static const char *const KNOWN_KEYID =
	"4cc3f338069d638e761ed397f5c53df4129a276face46a446c202617331ca1b3";
static const char *const KNOWN_KEYID_WITH_HASH_ALGS =
	"fbe68150b2532581244184d738dc3756e1d8a5188a8da80061d03e4699670671";

static const enum medfw_key_type ALL_TYPES[] = {
	MEDFW_KEY_ED25519, MEDFW_KEY_ECDSA_P256, MEDFW_KEY_RSA_PSS_SHA256,
};

/* ---- helpers ---- */

static void to_hex(const uint8_t *d, size_t n, char *out, size_t cap)
{
	assert_int_equal(medfw_hex_encode(d, n, out, cap), MEDFW_OK);
}

static struct medfw_privkey *gen(enum medfw_key_type type)
{
	struct medfw_privkey *k = (struct medfw_privkey *)1;

	assert_int_equal(medfw_privkey_generate(type, &k, NULL), MEDFW_OK);
	assert_non_null(k);
	assert_int_equal(medfw_privkey_type(k), type);
	return k;
}

static struct medfw_pubkey *pub_of(const struct medfw_privkey *k)
{
	struct medfw_pubkey *p = NULL;

	assert_int_equal(medfw_privkey_public(k, &p, NULL), MEDFW_OK);
	assert_non_null(p);
	return p;
}

/* An OpenSSL key of a type we do not support, generated now. */
static EVP_PKEY *foreign_key(const char *what)
{
	EVP_PKEY *pkey = NULL;

	if (strcmp(what, "rsa1024") == 0)
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	else if (strcmp(what, "p384") == 0)
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	else if (strcmp(what, "x25519") == 0)
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
	else if (strcmp(what, "p256") == 0)
		pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	assert_non_null(pkey);
	return pkey;
}

/* PEM of pkey (public SPKI or unencrypted PKCS#8) as a malloc'd string. */
static char *pem_of(EVP_PKEY *pkey, int public)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *mem = NULL, *s;
	long n;

	assert_non_null(bio);
	if (public)
		assert_int_equal(PEM_write_bio_PUBKEY(bio, pkey), 1);
	else
		assert_int_equal(PEM_write_bio_PKCS8PrivateKey(bio, pkey, NULL, NULL, 0, NULL,
							       NULL), 1);
	n = BIO_get_mem_data(bio, &mem);
	s = calloc(1, (size_t)n + 1);
	assert_non_null(s);
	memcpy(s, mem, (size_t)n);
	BIO_free(bio);
	return s;
}

static json_t *keyobj(const char *keytype, const char *scheme, const char *public)
{
	json_t *o = json_pack("{s:s, s:s, s:{s:s}}", "keytype", keytype, "scheme", scheme,
			      "keyval", "public", public);

	assert_non_null(o);
	return o;
}

/* medfw_pubkey_from_json must fail with `want`, leave *out NULL, explain itself,
 * and leave no OpenSSL error behind. Consumes obj. */
static void expect_bad_keyobj(json_t *obj, enum medfw_err want)
{
	struct medfw_pubkey *p = (struct medfw_pubkey *)1;
	struct medfw_diag d;

	medfw_diag_clear(&d);
	assert_int_equal(medfw_pubkey_from_json(obj, &p, &d), want);
	assert_null(p);
	assert_int_equal(d.err, want);
	assert_true(d.msg[0] != '\0');
	assert_int_equal(ERR_peek_error(), 0);
	json_decref(obj);
}

static void expect_bad_privkey(const char *pem, const char *pass, enum medfw_err want)
{
	struct medfw_privkey *k = (struct medfw_privkey *)1;
	struct medfw_diag d;

	medfw_diag_clear(&d);
	assert_int_equal(medfw_privkey_load_pem((const uint8_t *)pem, strlen(pem), pass, &k, &d),
			 want);
	assert_null(k);
	assert_int_equal(d.err, want);
	assert_int_equal(ERR_peek_error(), 0);
}

/* ---- hashing ---- */

static void test_hash_vectors(void **state)
{
	uint8_t out[MEDFW_HASH_MAX_LEN];
	char hex[2 * MEDFW_HASH_MAX_LEN + 1];
	size_t n = 99;

	(void)state;
	assert_int_equal(medfw_hash_oneshot(MEDFW_HASH_SHA256, "abc", 3, out, sizeof(out), &n),
			 MEDFW_OK);
	assert_int_equal(n, MEDFW_SHA256_LEN);
	to_hex(out, n, hex, sizeof(hex));
	assert_string_equal(hex, ABC_SHA256);
	assert_int_equal(medfw_hash_oneshot(MEDFW_HASH_SHA512, "abc", 3, out, sizeof(out), &n),
			 MEDFW_OK);
	assert_int_equal(n, MEDFW_SHA512_LEN);
	to_hex(out, n, hex, sizeof(hex));
	assert_string_equal(hex, ABC_SHA512);

	/* too small an output: error, nothing written out */
	n = 99;
	assert_int_equal(medfw_hash_oneshot(MEDFW_HASH_SHA512, "abc", 3, out, 32, &n),
			 MEDFW_ERR_INVALID_ARG);
	assert_int_equal(n, 0);
	assert_int_equal(medfw_hash_oneshot((enum medfw_hash_alg)7, "abc", 3, out, sizeof(out),
					    &n), MEDFW_ERR_INVALID_ARG);
	assert_null(medfw_hash_new((enum medfw_hash_alg)7));
}

static void test_hash_streaming(void **state)
{
	static uint8_t data[100003];
	uint8_t one[MEDFW_HASH_MAX_LEN], streamed[MEDFW_HASH_MAX_LEN];
	size_t n1 = 0, n2 = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 31u + 7u);
	for (int a = MEDFW_HASH_SHA256; a <= MEDFW_HASH_SHA512; a++) {
		enum medfw_hash_alg alg = (enum medfw_hash_alg)a;
		struct medfw_hash *h = medfw_hash_new(alg);
		size_t off = 0, chunk = 1;

		assert_non_null(h);
		assert_int_equal(medfw_hash_oneshot(alg, data, sizeof(data), one, sizeof(one),
						    &n1), MEDFW_OK);
		while (off < sizeof(data)) {
			size_t take = sizeof(data) - off < chunk ? sizeof(data) - off : chunk;

			assert_int_equal(medfw_hash_update(h, data + off, take), MEDFW_OK);
			off += take;
			chunk = chunk * 3 + 2; /* 1, 5, 17, 53, ... odd sizes */
		}
		assert_int_equal(medfw_hash_update(h, NULL, 0), MEDFW_OK);
		assert_int_equal(medfw_hash_final(h, streamed, sizeof(streamed), &n2), MEDFW_OK);
		assert_int_equal(n1, n2);
		assert_int_equal(n1, medfw_hash_len(alg));
		assert_memory_equal(one, streamed, n1);
		/* finished: no more updates or finals */
		assert_int_equal(medfw_hash_update(h, "x", 1), MEDFW_ERR_STATE);
		assert_int_equal(medfw_hash_final(h, streamed, sizeof(streamed), &n2),
				 MEDFW_ERR_STATE);
		assert_int_equal(n2, 0);
		medfw_hash_free(h);
	}
	medfw_hash_free(NULL);
}

static void test_hash_names_ct_random_wipe(void **state)
{
	enum medfw_hash_alg alg;
	uint8_t a[64], b[64], zero[64] = {0};

	(void)state;
	assert_int_equal(medfw_hash_alg_parse("sha256", &alg), MEDFW_OK);
	assert_int_equal(alg, MEDFW_HASH_SHA256);
	assert_int_equal(medfw_hash_alg_parse("sha512", &alg), MEDFW_OK);
	assert_int_equal(alg, MEDFW_HASH_SHA512);
	assert_int_equal(medfw_hash_alg_parse("md5", &alg), MEDFW_ERR_NOT_FOUND);
	assert_string_equal(medfw_hash_alg_name(MEDFW_HASH_SHA512), "sha512");

	memset(a, 0x5a, sizeof(a));
	memcpy(b, a, sizeof(b));
	assert_true(medfw_ct_equal(a, b, sizeof(a)));
	b[63] ^= 1;
	assert_false(medfw_ct_equal(a, b, sizeof(a)));
	assert_true(medfw_ct_equal(a, b, 0));

	assert_int_equal(medfw_random_bytes(a, sizeof(a)), MEDFW_OK);
	assert_int_equal(medfw_random_bytes(b, sizeof(b)), MEDFW_OK);
	assert_false(medfw_ct_equal(a, b, sizeof(a)));
	assert_false(medfw_ct_equal(a, zero, sizeof(a)));
	medfw_wipe(a, sizeof(a));
	tu_assert_zeroed(a, sizeof(a));
}

static void test_key_type_names(void **state)
{
	enum medfw_key_type t;

	(void)state;
	assert_int_equal(medfw_key_type_parse("ed25519", &t), MEDFW_OK);
	assert_int_equal(t, MEDFW_KEY_ED25519);
	assert_int_equal(medfw_key_type_parse("ecdsa", &t), MEDFW_OK);
	assert_int_equal(t, MEDFW_KEY_ECDSA_P256);
	assert_int_equal(medfw_key_type_parse("ecdsa-sha2-nistp256", &t), MEDFW_OK);
	assert_int_equal(t, MEDFW_KEY_ECDSA_P256);
	assert_int_equal(medfw_key_type_parse("rsa", &t), MEDFW_OK);
	assert_int_equal(t, MEDFW_KEY_RSA_PSS_SHA256);
	assert_int_equal(medfw_key_type_parse("rsassa-pss-sha256", &t), MEDFW_OK);
	assert_int_equal(medfw_key_type_parse("dsa", &t), MEDFW_ERR_KEY_UNSUPPORTED);
	assert_string_equal(medfw_key_type_name(MEDFW_KEY_ECDSA_P256), "ecdsa");
}

/* ---- signatures ---- */

static void sign_msg(const struct medfw_privkey *k, const char *msg, struct medfw_buf *sig)
{
	medfw_buf_init(sig, MEDFW_SIG_MAX_LEN);
	assert_int_equal(medfw_privkey_sign(k, (const uint8_t *)msg, strlen(msg), sig, NULL),
			 MEDFW_OK);
	assert_true(sig->len > 0);
}

static void expect_bad_sig(const struct medfw_pubkey *p, const char *msg, const uint8_t *sig,
			   size_t sig_len)
{
	struct medfw_diag d;

	medfw_diag_clear(&d);
	assert_int_equal(medfw_pubkey_verify(p, (const uint8_t *)msg, strlen(msg), sig, sig_len,
					     &d), MEDFW_ERR_SIGNATURE);
	assert_int_equal(d.err, MEDFW_ERR_SIGNATURE);
	assert_true(d.msg[0] != '\0');
	assert_int_equal(ERR_peek_error(), 0);
}

static void test_sign_verify_all_types(void **state)
{
	const char *msg = "{\"signed\":{\"_type\":\"targets\"}}";

	(void)state;
	for (size_t i = 0; i < sizeof(ALL_TYPES) / sizeof(ALL_TYPES[0]); i++) {
		struct medfw_privkey *k = gen(ALL_TYPES[i]), *other = gen(ALL_TYPES[i]);
		struct medfw_pubkey *p = pub_of(k), *op = pub_of(other);
		struct medfw_buf sig, sig2;
		uint8_t bad[MEDFW_SIG_MAX_LEN + 16];

		assert_int_equal(medfw_pubkey_type(p), ALL_TYPES[i]);
		assert_int_equal(strlen(medfw_pubkey_keyid(p)), MEDFW_KEYID_HEX_LEN);
		sign_msg(k, msg, &sig);
		assert_int_equal(medfw_pubkey_verify(p, (const uint8_t *)msg, strlen(msg),
						     sig.data, sig.len, NULL), MEDFW_OK);
		if (ALL_TYPES[i] == MEDFW_KEY_ED25519)
			assert_int_equal(sig.len, 64);
		if (ALL_TYPES[i] == MEDFW_KEY_RSA_PSS_SHA256)
			assert_int_equal(sig.len, 384); /* RSA-3072 */
		/* empty message works too */
		sign_msg(k, "", &sig2);
		assert_int_equal(medfw_pubkey_verify(p, NULL, 0, sig2.data, sig2.len, NULL),
				 MEDFW_OK);
		medfw_buf_free(&sig2);

		/* wrong key */
		expect_bad_sig(op, msg, sig.data, sig.len);
		/* tampered message */
		expect_bad_sig(p, "{\"signed\":{\"_type\":\"targetz\"}}", sig.data, sig.len);
		/* tampered signature: a bit in the middle and the last byte */
		memcpy(bad, sig.data, sig.len);
		bad[sig.len / 2] ^= 0x01;
		expect_bad_sig(p, msg, bad, sig.len);
		memcpy(bad, sig.data, sig.len);
		bad[sig.len - 1] ^= 0x80;
		expect_bad_sig(p, msg, bad, sig.len);
		/* empty, NULL, truncated, extended */
		expect_bad_sig(p, msg, sig.data, 0);
		expect_bad_sig(p, msg, NULL, 0);
		expect_bad_sig(p, msg, sig.data, sig.len - 1);
		expect_bad_sig(p, msg, sig.data, 1);
		memcpy(bad, sig.data, sig.len);
		bad[sig.len] = 0;
		expect_bad_sig(p, msg, bad, sig.len + 1); /* trailing garbage (DER too) */
		memset(bad, 0, sizeof(bad));
		expect_bad_sig(p, msg, bad, sig.len);
		expect_bad_sig(p, msg, bad, sizeof(bad)); /* over MEDFW_SIG_MAX_LEN */
		/* after all that, the good one still verifies */
		assert_int_equal(medfw_pubkey_verify(p, (const uint8_t *)msg, strlen(msg),
						     sig.data, sig.len, NULL), MEDFW_OK);

		medfw_buf_free(&sig);
		medfw_pubkey_free(p);
		medfw_pubkey_free(op);
		medfw_privkey_free(k);
		medfw_privkey_free(other);
	}
	medfw_pubkey_free(NULL);
	medfw_privkey_free(NULL);
}

static void test_cross_type_signature_rejected(void **state)
{
	struct medfw_privkey *ed = gen(MEDFW_KEY_ED25519), *ec = gen(MEDFW_KEY_ECDSA_P256);
	struct medfw_pubkey *ecp = pub_of(ec);
	struct medfw_buf sig;

	(void)state;
	sign_msg(ed, "m", &sig);
	expect_bad_sig(ecp, "m", sig.data, sig.len);
	medfw_buf_free(&sig);
	medfw_pubkey_free(ecp);
	medfw_privkey_free(ed);
	medfw_privkey_free(ec);
}

static void test_sign_output_limit(void **state)
{
	struct medfw_privkey *k = gen(MEDFW_KEY_ED25519);
	struct medfw_buf sig;

	(void)state;
	medfw_buf_init(&sig, 10);
	assert_int_equal(medfw_privkey_sign(k, (const uint8_t *)"m", 1, &sig, NULL),
			 MEDFW_ERR_TOO_LARGE);
	assert_int_equal(sig.len, 0);
	medfw_buf_free(&sig);
	medfw_privkey_free(k);
}

/* ---- PEM ---- */

static void test_pem_roundtrip(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(ALL_TYPES) / sizeof(ALL_TYPES[0]); i++) {
		struct medfw_privkey *k = gen(ALL_TYPES[i]), *plain = NULL, *enc = NULL;
		struct medfw_pubkey *p = pub_of(k), *p2;
		struct medfw_buf pem, epem, sig;

		medfw_buf_init(&pem, MEDFW_PRIVKEY_PEM_MAX);
		medfw_buf_init(&epem, MEDFW_PRIVKEY_PEM_MAX);
		assert_int_equal(medfw_privkey_save_pem(k, NULL, &pem, NULL), MEDFW_OK);
		assert_non_null(strstr((char *)pem.data, "-----BEGIN PRIVATE KEY-----"));
		assert_int_equal(medfw_privkey_save_pem(k, "correct horse", &epem, NULL),
				 MEDFW_OK);
		assert_non_null(strstr((char *)epem.data, "-----BEGIN ENCRYPTED PRIVATE KEY-----"));

		/* unencrypted: loads with NULL, and also with a passphrase (ignored) */
		assert_int_equal(medfw_privkey_load_pem(pem.data, pem.len, NULL, &plain, NULL),
				 MEDFW_OK);
		medfw_privkey_free(plain);
		plain = NULL;
		assert_int_equal(medfw_privkey_load_pem(pem.data, pem.len, "x", &plain, NULL),
				 MEDFW_OK);
		assert_int_equal(medfw_privkey_type(plain), ALL_TYPES[i]);
		assert_int_equal(medfw_privkey_load_pem(epem.data, epem.len, "correct horse", &enc,
							NULL), MEDFW_OK);
		assert_int_equal(medfw_privkey_type(enc), ALL_TYPES[i]);

		/* same public key, and signatures from the loaded key verify */
		p2 = pub_of(enc);
		assert_string_equal(medfw_pubkey_keyid(p), medfw_pubkey_keyid(p2));
		sign_msg(enc, "loaded", &sig);
		assert_int_equal(medfw_pubkey_verify(p, (const uint8_t *)"loaded", 6, sig.data,
						     sig.len, NULL), MEDFW_OK);

		/* wrong passphrase, missing passphrase */
		expect_bad_privkey((char *)epem.data, "wrong horse", MEDFW_ERR_BAD_PASSPHRASE);
		expect_bad_privkey((char *)epem.data, "", MEDFW_ERR_BAD_PASSPHRASE);
		expect_bad_privkey((char *)epem.data, NULL, MEDFW_ERR_BAD_PASSPHRASE);

		medfw_buf_free(&sig);
		medfw_buf_free(&pem);
		medfw_buf_free(&epem);
		medfw_pubkey_free(p);
		medfw_pubkey_free(p2);
		medfw_privkey_free(k);
		medfw_privkey_free(plain);
		medfw_privkey_free(enc);
	}
}

static void test_pem_empty_passphrase_saves_plain(void **state)
{
	struct medfw_privkey *k = gen(MEDFW_KEY_ED25519);
	struct medfw_buf pem;

	(void)state;
	medfw_buf_init(&pem, MEDFW_PRIVKEY_PEM_MAX);
	assert_int_equal(medfw_privkey_save_pem(k, "", &pem, NULL), MEDFW_OK);
	assert_non_null(strstr((char *)pem.data, "-----BEGIN PRIVATE KEY-----"));
	medfw_buf_reset(&pem);
	pem.max = 16;
	assert_int_equal(medfw_privkey_save_pem(k, NULL, &pem, NULL), MEDFW_ERR_TOO_LARGE);
	assert_int_equal(pem.len, 0);
	medfw_buf_free(&pem);
	medfw_privkey_free(k);
}

static void test_pem_bad_inputs(void **state)
{
	const char *garbage_b64 = "-----BEGIN PRIVATE KEY-----\nAAAAAAAA\n-----END PRIVATE KEY-----\n";
	const char *garbage_enc =
		"-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAAAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n";
	struct medfw_privkey *k = (struct medfw_privkey *)1;
	static char big[MEDFW_PRIVKEY_PEM_MAX + 2];
	const char *names[] = {"rsa1024", "p384", "x25519"};
	EVP_PKEY *pkey;
	char *pem;
	BIO *bio;
	long n;
	char *mem;

	(void)state;
	expect_bad_privkey("not a key at all", NULL, MEDFW_ERR_KEY_FORMAT);
	expect_bad_privkey(garbage_b64, NULL, MEDFW_ERR_KEY_FORMAT);
	expect_bad_privkey(garbage_enc, "pw", MEDFW_ERR_KEY_FORMAT);
	assert_int_equal(medfw_privkey_load_pem(NULL, 0, NULL, &k, NULL), MEDFW_ERR_KEY_FORMAT);
	assert_null(k);
	memset(big, 'A', sizeof(big) - 1);
	expect_bad_privkey(big, NULL, MEDFW_ERR_TOO_LARGE);

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		pkey = foreign_key(names[i]);
		pem = pem_of(pkey, 0);
		expect_bad_privkey(pem, NULL, MEDFW_ERR_KEY_UNSUPPORTED);
		free(pem);
		EVP_PKEY_free(pkey);
	}

	/* a traditional (non-PKCS#8) "EC PRIVATE KEY" is refused as a format error */
	pkey = foreign_key("p256");
	bio = BIO_new(BIO_s_mem());
	assert_non_null(bio);
	assert_int_equal(PEM_write_bio_PrivateKey_traditional(bio, pkey, NULL, NULL, 0, NULL,
							      NULL), 1);
	n = BIO_get_mem_data(bio, &mem);
	pem = calloc(1, (size_t)n + 1);
	assert_non_null(pem);
	memcpy(pem, mem, (size_t)n);
	expect_bad_privkey(pem, NULL, MEDFW_ERR_KEY_FORMAT);
	free(pem);
	BIO_free(bio);
	EVP_PKEY_free(pkey);
}

/* ---- key objects ---- */

static void test_keyid_known(void **state)
{
	json_t *o = keyobj("ed25519", "ed25519", KNOWN_PUB);
	struct medfw_pubkey *p = NULL;

	(void)state;
	assert_int_equal(medfw_pubkey_from_json(o, &p, NULL), MEDFW_OK);
	assert_string_equal(medfw_pubkey_keyid(p), KNOWN_KEYID);
	assert_true(json_equal(medfw_pubkey_json(p), o));
	medfw_pubkey_free(p);
	/* extra fields count toward the key id */
	assert_int_equal(json_object_set_new(o, "keyid_hash_algorithms",
					     json_pack("[ss]", "sha256", "sha512")), 0);
	assert_int_equal(medfw_pubkey_from_json(o, &p, NULL), MEDFW_OK);
	assert_string_equal(medfw_pubkey_keyid(p), KNOWN_KEYID_WITH_HASH_ALGS);
	medfw_pubkey_free(p);
	json_decref(o);
}

static void test_keyobj_ecdsa_keytypes(void **state)
{
	struct medfw_privkey *k = gen(MEDFW_KEY_ECDSA_P256);
	struct medfw_pubkey *p = pub_of(k), *p2 = NULL;
	const json_t *o = medfw_pubkey_json(p);
	const char *pem = json_string_value(json_object_get(json_object_get(o, "keyval"),
							    "public"));
	json_t *legacy;

	(void)state;
	assert_string_equal(json_string_value(json_object_get(o, "keytype")), "ecdsa");
	assert_string_equal(json_string_value(json_object_get(o, "scheme")),
			    "ecdsa-sha2-nistp256");
	assert_int_equal(json_object_size(o), 3);
	legacy = keyobj("ecdsa-sha2-nistp256", "ecdsa-sha2-nistp256", pem);
	assert_int_equal(medfw_pubkey_from_json(legacy, &p2, NULL), MEDFW_OK);
	assert_int_equal(medfw_pubkey_type(p2), MEDFW_KEY_ECDSA_P256);
	assert_string_not_equal(medfw_pubkey_keyid(p), medfw_pubkey_keyid(p2));
	json_decref(legacy);
	medfw_pubkey_free(p);
	medfw_pubkey_free(p2);
	medfw_privkey_free(k);
}

/* Re-encode a P-256 SPKI with the point's last byte changed (off the curve). */
static char *off_curve_pem(void)
{
	EVP_PKEY *pkey = foreign_key("p256");
	unsigned char *der = NULL;
	int len = i2d_PUBKEY(pkey, &der);
	BIO *bio = BIO_new(BIO_s_mem());
	char *mem = NULL, *s;
	long n;

	assert_true(len > 0);
	assert_non_null(bio);
	der[len - 1] ^= 0x01;
	assert_true(PEM_write_bio(bio, "PUBLIC KEY", "", der, len) > 0);
	n = BIO_get_mem_data(bio, &mem);
	s = calloc(1, (size_t)n + 1);
	assert_non_null(s);
	memcpy(s, mem, (size_t)n);
	BIO_free(bio);
	OPENSSL_free(der);
	EVP_PKEY_free(pkey);
	return s;
}

static void test_keyobj_malformed(void **state)
{
	struct medfw_privkey *ec = gen(MEDFW_KEY_ECDSA_P256), *rsa = gen(MEDFW_KEY_RSA_PSS_SHA256);
	struct medfw_pubkey *ecp = pub_of(ec), *rsap = pub_of(rsa);
	const char *ec_pem = json_string_value(
		json_object_get(json_object_get(medfw_pubkey_json(ecp), "keyval"), "public"));
	const char *rsa_pem = json_string_value(
		json_object_get(json_object_get(medfw_pubkey_json(rsap), "keyval"), "public"));
	EVP_PKEY *pkey;
	char *pem, *big;
	json_t *o;
	size_t big_len = MEDFW_PUBKEY_PEM_MAX + 100;

	(void)state;
	/* PEM text exactly as securesystemslib 0.26 generates it */
	assert_int_equal(ec_pem[strlen(ec_pem) - 1], '\n');
	assert_int_equal(rsa_pem[strlen(rsa_pem) - 1], '-');
	/* unknown keytype / scheme, mismatches */
	expect_bad_keyobj(keyobj("dsa", "ed25519", KNOWN_PUB), MEDFW_ERR_KEY_UNSUPPORTED);
	expect_bad_keyobj(keyobj("ed25519", "ed448", KNOWN_PUB), MEDFW_ERR_KEY_UNSUPPORTED);
	expect_bad_keyobj(keyobj("ed25519", "ecdsa-sha2-nistp256", KNOWN_PUB),
			  MEDFW_ERR_KEY_UNSUPPORTED);
	expect_bad_keyobj(keyobj("ecdsa-sha2-nistp384", "ecdsa-sha2-nistp384", ec_pem),
			  MEDFW_ERR_KEY_UNSUPPORTED);
	expect_bad_keyobj(keyobj("rsa", "rsa-pkcs1v15-sha512", rsa_pem),
			  MEDFW_ERR_KEY_UNSUPPORTED);
	expect_bad_keyobj(keyobj("rsa", "rsassa-pss-sha512", rsa_pem), MEDFW_ERR_KEY_UNSUPPORTED);
	{
		/* PKCS#1 v1.5 keys are read (and verified, see test_interop_signatures.py) */
		json_t *v15 = keyobj("rsa", "rsa-pkcs1v15-sha256", rsa_pem);
		struct medfw_pubkey *p = NULL;

		assert_int_equal(medfw_pubkey_from_json(v15, &p, NULL), MEDFW_OK);
		assert_int_equal(medfw_pubkey_type(p), MEDFW_KEY_RSA_PKCS1V15_SHA256);
		medfw_pubkey_free(p);
		json_decref(v15);
	}
	expect_bad_keyobj(keyobj("rsa", "ecdsa-sha2-nistp256", rsa_pem),
			  MEDFW_ERR_KEY_UNSUPPORTED);
	/* structure */
	expect_bad_keyobj(json_string("ed25519"), MEDFW_ERR_KEY_FORMAT);
	expect_bad_keyobj(json_pack("{s:s, s:s}", "keytype", "ed25519", "scheme", "ed25519"),
			  MEDFW_ERR_KEY_FORMAT);
	expect_bad_keyobj(json_pack("{s:i, s:s, s:{s:s}}", "keytype", 1, "scheme", "ed25519",
				    "keyval", "public", KNOWN_PUB), MEDFW_ERR_KEY_FORMAT);
	expect_bad_keyobj(json_pack("{s:s, s:s, s:{s:i}}", "keytype", "ed25519", "scheme",
				    "ed25519", "keyval", "public", 5), MEDFW_ERR_KEY_FORMAT);
	expect_bad_keyobj(json_pack("{s:s, s:s, s:{s:s, s:s}}", "keytype", "ed25519", "scheme",
				    "ed25519", "keyval", "public", KNOWN_PUB, "private", "00"),
			  MEDFW_ERR_KEY_FORMAT);
	/* ed25519 material */
	expect_bad_keyobj(keyobj("ed25519", "ed25519",
				 "zz6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29"),
			  MEDFW_ERR_KEY_FORMAT);
	expect_bad_keyobj(keyobj("ed25519", "ed25519", "3b6a27bcceb6a42d62a3a8d02a6f0d73"),
			  MEDFW_ERR_KEY_FORMAT);
	expect_bad_keyobj(keyobj("ed25519", "ed25519", ""), MEDFW_ERR_KEY_FORMAT);
	expect_bad_keyobj(keyobj("ed25519", "ed25519", ec_pem), MEDFW_ERR_KEY_FORMAT);
	/* PEM material */
	expect_bad_keyobj(keyobj("rsa", "rsassa-pss-sha256", "garbage"), MEDFW_ERR_KEY_FORMAT);
	expect_bad_keyobj(keyobj("rsa", "rsassa-pss-sha256",
				 "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"),
			  MEDFW_ERR_KEY_FORMAT);
	expect_bad_keyobj(keyobj("rsa", "rsassa-pss-sha256", ec_pem), MEDFW_ERR_KEY_FORMAT);
	expect_bad_keyobj(keyobj("ecdsa", "ecdsa-sha2-nistp256", rsa_pem), MEDFW_ERR_KEY_FORMAT);
	expect_bad_keyobj(keyobj("ecdsa", "ecdsa-sha2-nistp256", KNOWN_PUB), MEDFW_ERR_KEY_FORMAT);
	pem = off_curve_pem();
	expect_bad_keyobj(keyobj("ecdsa", "ecdsa-sha2-nistp256", pem), MEDFW_ERR_KEY_FORMAT);
	free(pem);
	pkey = foreign_key("rsa1024");
	pem = pem_of(pkey, 1);
	expect_bad_keyobj(keyobj("rsa", "rsassa-pss-sha256", pem), MEDFW_ERR_KEY_FORMAT);
	free(pem);
	EVP_PKEY_free(pkey);
	pkey = foreign_key("p384");
	pem = pem_of(pkey, 1);
	expect_bad_keyobj(keyobj("ecdsa", "ecdsa-sha2-nistp256", pem), MEDFW_ERR_KEY_FORMAT);
	free(pem);
	EVP_PKEY_free(pkey);
	/* trailing data after the PEM block, oversized PEM */
	pem = calloc(1, strlen(ec_pem) + 8);
	assert_non_null(pem);
	memcpy(pem, ec_pem, strlen(ec_pem));
	memcpy(pem + strlen(ec_pem), "junk", 4);
	expect_bad_keyobj(keyobj("ecdsa", "ecdsa-sha2-nistp256", pem), MEDFW_ERR_KEY_FORMAT);
	free(pem);
	big = calloc(1, big_len + 1);
	assert_non_null(big);
	memset(big, '\n', big_len);
	memcpy(big, ec_pem, strlen(ec_pem));
	expect_bad_keyobj(keyobj("ecdsa", "ecdsa-sha2-nistp256", big), MEDFW_ERR_KEY_FORMAT);
	free(big);
	/* the good ones still load, with trailing whitespace */
	o = keyobj("ecdsa", "ecdsa-sha2-nistp256", ec_pem);
	{
		struct medfw_pubkey *p = NULL;

		assert_int_equal(medfw_pubkey_from_json(o, &p, NULL), MEDFW_OK);
		assert_string_equal(medfw_pubkey_keyid(p), medfw_pubkey_keyid(ecp));
		medfw_pubkey_free(p);
	}
	json_decref(o);

	medfw_pubkey_free(ecp);
	medfw_pubkey_free(rsap);
	medfw_privkey_free(ec);
	medfw_privkey_free(rsa);
}

/* RFC 8032 section 7.1, TEST 1: the public key of a seed. */
static void test_ed25519_public_from_seed(void **state)
{
	uint8_t seed[32], pub[32], want[32];
	size_t n;

	(void)state;
	assert_int_equal(medfw_hex_decode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
					  seed, sizeof(seed), &n), MEDFW_OK);
	assert_int_equal(medfw_hex_decode("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
					  want, sizeof(want), &n), MEDFW_OK);
	assert_int_equal(medfw_ed25519_public_from_seed(seed, pub), MEDFW_OK);
	assert_memory_equal(pub, want, 32);
}

/* RFC 8032 section 7.1, TEST 2: a key object made from the seed signs as the RFC says. */
static void test_privkey_from_ed25519_seed(void **state)
{
	uint8_t seed[32], want[64], msg = 0x72;
	struct medfw_privkey *key = NULL;
	struct medfw_pubkey *pub = NULL;
	struct medfw_buf sig;
	struct medfw_diag d;
	size_t n;

	(void)state;
	assert_int_equal(medfw_hex_decode("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
					  seed, sizeof(seed), &n), MEDFW_OK);
	assert_int_equal(medfw_hex_decode("92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
					  "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
					  want, sizeof(want), &n), MEDFW_OK);
	medfw_diag_clear(&d);
	assert_int_equal(medfw_privkey_from_ed25519_seed(seed, &key, &d), MEDFW_OK);
	assert_int_equal(medfw_privkey_type(key), MEDFW_KEY_ED25519);
	medfw_buf_init(&sig, MEDFW_SIG_MAX_LEN);
	assert_int_equal(medfw_privkey_sign(key, &msg, 1, &sig, &d), MEDFW_OK);
	assert_int_equal(sig.len, 64);
	assert_memory_equal(sig.data, want, 64);
	assert_int_equal(medfw_privkey_public(key, &pub, &d), MEDFW_OK);
	assert_int_equal(medfw_pubkey_verify(pub, &msg, 1, sig.data, sig.len, &d), MEDFW_OK);
	medfw_pubkey_free(pub);
	medfw_buf_free(&sig);
	medfw_privkey_free(key);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ed25519_public_from_seed),
		cmocka_unit_test(test_privkey_from_ed25519_seed),
		cmocka_unit_test(test_hash_vectors),
		cmocka_unit_test(test_hash_streaming),
		cmocka_unit_test(test_hash_names_ct_random_wipe),
		cmocka_unit_test(test_key_type_names),
		cmocka_unit_test(test_sign_verify_all_types),
		cmocka_unit_test(test_cross_type_signature_rejected),
		cmocka_unit_test(test_sign_output_limit),
		cmocka_unit_test(test_pem_roundtrip),
		cmocka_unit_test(test_pem_empty_passphrase_saves_plain),
		cmocka_unit_test(test_pem_bad_inputs),
		cmocka_unit_test(test_keyid_known),
		cmocka_unit_test(test_keyobj_ecdsa_keytypes),
		cmocka_unit_test(test_keyobj_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
