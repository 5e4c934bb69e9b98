/* Device sessions: X25519 (RFC 7748 6.1), HKDF-SHA256 (RFC 5869 A.1), AES-256-GCM
 * (the GCM specification's test cases 13 and 14), keyids, derivation, sealing. */
#include "testutil.h"

#include <stdio.h>
#include <string.h>

#include "medfw/buf.h"
#include "medfw/crypto.h"
#include "medfw/devsession.h"

static void unhex(const char *hex, uint8_t *out, size_t len)
{
	size_t n = 0;

	assert_int_equal(medfw_hex_decode(hex, out, len, &n), MEDFW_OK);
	assert_int_equal(n, len);
}

static void test_x25519_rfc7748(void **state)
{
	uint8_t a_priv[32], a_pub[32], b_priv[32], b_pub[32], want[32], z1[32], z2[32];
	uint8_t p1[32], q1[32], zero[32] = {0};

	(void)state;
	unhex("77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a", a_priv, 32);
	unhex("8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a", a_pub, 32);
	unhex("5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb", b_priv, 32);
	unhex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f", b_pub, 32);
	unhex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742", want, 32);
	assert_int_equal(medfw_x25519_shared(a_priv, b_pub, z1), MEDFW_OK);
	assert_int_equal(medfw_x25519_shared(b_priv, a_pub, z2), MEDFW_OK);
	assert_memory_equal(z1, want, 32);
	assert_memory_equal(z2, want, 32);
	/* a low-order point (zero) gives the all-zero secret: refused */
	assert_int_equal(medfw_x25519_shared(a_priv, zero, z1), MEDFW_ERR_KEY_UNSUPPORTED);
	assert_memory_equal(z1, zero, 32);
	/* fresh pairs agree */
	assert_int_equal(medfw_x25519_generate(p1, q1), MEDFW_OK);
	assert_int_equal(medfw_x25519_shared(p1, b_pub, z1), MEDFW_OK);
	assert_int_equal(medfw_x25519_shared(b_priv, q1, z2), MEDFW_OK);
	assert_memory_equal(z1, z2, 32);
	assert_int_equal(medfw_x25519_generate(NULL, q1), MEDFW_ERR_INVALID_ARG);
}

static void test_hkdf_rfc5869(void **state)
{
	uint8_t ikm[22], salt[13], info[10], want[42], okm[42];

	(void)state;
	memset(ikm, 0x0b, sizeof(ikm));
	unhex("000102030405060708090a0b0c", salt, sizeof(salt));
	unhex("f0f1f2f3f4f5f6f7f8f9", info, sizeof(info));
	unhex("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865",
	      want, sizeof(want));
	assert_int_equal(medfw_hkdf_sha256(salt, sizeof(salt), ikm, sizeof(ikm), info,
					   sizeof(info), okm, sizeof(okm)),
			 MEDFW_OK);
	assert_memory_equal(okm, want, sizeof(want));
	assert_int_equal(medfw_hkdf_sha256(salt, sizeof(salt), ikm, 0, info, sizeof(info), okm,
					   sizeof(okm)),
			 MEDFW_ERR_INVALID_ARG);
	assert_int_equal(medfw_hkdf_sha256(NULL, 0, ikm, sizeof(ikm), NULL, 0, okm, 0),
			 MEDFW_ERR_INVALID_ARG);
}

static void test_aead_vectors(void **state)
{
	uint8_t key[32] = {0}, nonce[12] = {0}, plain[16] = {0}, out[32], back[16];
	uint8_t tag13[16], ct14[32];

	(void)state;
	unhex("530f8afbc74536b9a963b4f1c4cb738b", tag13, sizeof(tag13));
	unhex("cea7403d4d606b6e074ec5d3baf39d18d0d1c8a799996bf0265b98b5d48ab919", ct14,
	      sizeof(ct14));
	assert_int_equal(medfw_aead_seal(key, nonce, NULL, 0, plain, 0, out), MEDFW_OK);
	assert_memory_equal(out, tag13, 16);
	assert_int_equal(medfw_aead_seal(key, nonce, NULL, 0, plain, 16, out), MEDFW_OK);
	assert_memory_equal(out, ct14, 32);
	assert_int_equal(medfw_aead_open(key, nonce, NULL, 0, out, 32, back), MEDFW_OK);
	assert_memory_equal(back, plain, 16);
	/* any changed bit, another nonce or other associated data: refused, nothing out */
	for (size_t i = 0; i < 32; i++) {
		out[i] ^= 0x80;
		memset(back, 0x55, sizeof(back));
		assert_int_equal(medfw_aead_open(key, nonce, NULL, 0, out, 32, back),
				 MEDFW_ERR_SIGNATURE);
		assert_memory_equal(back, plain, 16); /* zeroed */
		out[i] ^= 0x80;
	}
	nonce[0] = 1;
	assert_int_equal(medfw_aead_open(key, nonce, NULL, 0, out, 32, back), MEDFW_ERR_SIGNATURE);
	nonce[0] = 0;
	assert_int_equal(medfw_aead_open(key, nonce, (const uint8_t *)"x", 1, out, 32, back),
			 MEDFW_ERR_SIGNATURE);
	assert_int_equal(medfw_aead_open(key, nonce, NULL, 0, out, 15, back),
			 MEDFW_ERR_INVALID_ARG);
}

static void test_keyid(void **state)
{
	static const char *const bad[] = {
		"s1.1.2", "s1.1.2.", "s1..2.0123456789abcdef0123456789abcdef",
		"s1.01.2.0123456789abcdef0123456789abcdef",
		"s1.1.2.0123456789ABCDEF0123456789abcdef",
		"s1.1.2.0123456789abcdef0123456789abcde",
		"s1.1.2.0123456789abcdef0123456789abcdef0",
		"s1.-1.2.0123456789abcdef0123456789abcdef",
		"s1.0.2.0123456789abcdef0123456789abcdef",
		"s1.1.99999999999999999999.0123456789abcdef0123456789abcdef",
		"s2.1.2.0123456789abcdef0123456789abcdef",
		"device:1", "", "s1.1.2.0123456789abcdef0123456789abcdef.x"};
	char keyid[MEDFW_DEVSESSION_KEYID_MAX], other[MEDFW_DEVSESSION_KEYID_MAX];
	int64_t id = 0, exp = 0;

	(void)state;
	assert_int_equal(medfw_devsession_keyid_make(42, 1767312000, keyid, sizeof(keyid)),
			 MEDFW_OK);
	assert_true(medfw_devsession_is_keyid(keyid));
	assert_int_equal(strncmp(keyid, "s1.42.1767312000.", 17), 0);
	assert_int_equal(strlen(keyid), 17 + 32);
	assert_int_equal(medfw_devsession_keyid_parse(keyid, &id, &exp), MEDFW_OK);
	assert_int_equal(id, 42);
	assert_int_equal(exp, 1767312000);
	assert_int_equal(medfw_devsession_keyid_make(42, 1767312000, other, sizeof(other)),
			 MEDFW_OK);
	assert_string_not_equal(keyid, other); /* random part */
	assert_int_equal(medfw_devsession_keyid_make(INT64_MAX, INT64_MAX, other, sizeof(other)),
			 MEDFW_OK);
	assert_int_equal(medfw_devsession_keyid_parse(other, &id, &exp), MEDFW_OK);
	assert_int_equal(id, INT64_MAX);
	assert_int_equal(medfw_devsession_keyid_make(0, 1, other, sizeof(other)),
			 MEDFW_ERR_INVALID_ARG);
	assert_int_equal(medfw_devsession_keyid_make(1, 1, other, 10), MEDFW_ERR_INVALID_ARG);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		id = exp = 7;
		if (medfw_devsession_keyid_parse(bad[i], &id, &exp) != MEDFW_ERR_FIELD_VALUE)
			fail_msg("keyid \"%s\" was accepted", bad[i]);
		assert_int_equal(id, 0);
		assert_int_equal(exp, 0);
	}
}

static void test_derive_seal_open(void **state)
{
	uint8_t master[32], other_master[32], dev_pub[32], other_pub[32];
	uint8_t k1[32], k2[32], k3[32], k4[32], got[32], zero[32] = {0};
	uint8_t d_priv[32], d_pub[32], e_priv[32], e_pub[32];
	char keyid[MEDFW_DEVSESSION_KEYID_MAX], keyid2[MEDFW_DEVSESSION_KEYID_MAX];
	struct medfw_devsession_sealed s, t;

	(void)state;
	memset(master, 0x11, sizeof(master));
	memset(other_master, 0x12, sizeof(other_master));
	memset(dev_pub, 0x21, sizeof(dev_pub));
	memset(other_pub, 0x22, sizeof(other_pub));
	assert_int_equal(medfw_devsession_keyid_make(7, 1767312000, keyid, sizeof(keyid)), MEDFW_OK);
	assert_int_equal(medfw_devsession_keyid_make(7, 1767312000, keyid2, sizeof(keyid2)),
			 MEDFW_OK);
	/* deterministic; differs with the keyid, the device key and the master secret */
	assert_int_equal(medfw_devsession_derive(master, keyid, dev_pub, k1), MEDFW_OK);
	assert_int_equal(medfw_devsession_derive(master, keyid, dev_pub, got), MEDFW_OK);
	assert_memory_equal(k1, got, 32);
	assert_int_equal(medfw_devsession_derive(master, keyid2, dev_pub, k2), MEDFW_OK);
	assert_int_equal(medfw_devsession_derive(master, keyid, other_pub, k3), MEDFW_OK);
	assert_int_equal(medfw_devsession_derive(other_master, keyid, dev_pub, k4), MEDFW_OK);
	assert_memory_not_equal(k1, k2, 32);
	assert_memory_not_equal(k1, k3, 32);
	assert_memory_not_equal(k1, k4, 32);
	assert_int_equal(medfw_devsession_derive(master, "device:7", dev_pub, got),
			 MEDFW_ERR_INVALID_ARG);
	assert_memory_equal(got, zero, 32);

	/* sealed to the device's X25519 key, opened by it only, for this keyid only */
	assert_int_equal(medfw_x25519_generate(d_priv, d_pub), MEDFW_OK);
	assert_int_equal(medfw_x25519_generate(e_priv, e_pub), MEDFW_OK);
	assert_int_equal(medfw_devsession_seal(k1, d_pub, keyid, &s), MEDFW_OK);
	assert_int_equal(medfw_devsession_open(d_priv, d_pub, keyid, &s, got), MEDFW_OK);
	assert_memory_equal(got, k1, 32);
	assert_int_equal(medfw_devsession_open(e_priv, e_pub, keyid, &s, got),
			 MEDFW_ERR_SIGNATURE);
	assert_memory_equal(got, zero, 32);
	assert_int_equal(medfw_devsession_open(d_priv, d_pub, keyid2, &s, got),
			 MEDFW_ERR_SIGNATURE);
	t = s;
	t.sealed[3] ^= 1;
	assert_int_equal(medfw_devsession_open(d_priv, d_pub, keyid, &t, got),
			 MEDFW_ERR_SIGNATURE);
	t = s;
	t.nonce[0] ^= 1;
	assert_int_equal(medfw_devsession_open(d_priv, d_pub, keyid, &t, got),
			 MEDFW_ERR_SIGNATURE);
	t = s;
	t.server_public[0] ^= 1;
	assert_int_equal(medfw_devsession_open(d_priv, d_pub, keyid, &t, got),
			 MEDFW_ERR_SIGNATURE);
	/* each seal is fresh: another server key and nonce */
	assert_int_equal(medfw_devsession_seal(k1, d_pub, keyid, &t), MEDFW_OK);
	assert_memory_not_equal(t.server_public, s.server_public, 32);
	assert_memory_not_equal(t.sealed, s.sealed, sizeof(s.sealed));
	/* a low-order device key is refused */
	assert_int_equal(medfw_devsession_seal(k1, zero, keyid, &t), MEDFW_ERR_KEY_UNSUPPORTED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_x25519_rfc7748),
		cmocka_unit_test(test_hkdf_rfc5869),
		cmocka_unit_test(test_aead_vectors),
		cmocka_unit_test(test_keyid),
		cmocka_unit_test(test_derive_seal_open),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
