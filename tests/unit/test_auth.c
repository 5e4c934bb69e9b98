/* Authentication primitives: HMAC vectors, Argon2id password hashes (round trip,
 * malformed and tampered encodings, parameter bounds, rehash), password policy,
 * HOTP/TOTP (RFC 4226 / RFC 6238 vectors, window, replay), the otpauth URI, tokens,
 * CSRF tokens, the lockout schedule and the rate limiter.
 *
 * Argon2 at production cost (32 MiB) is run only a few times; everything else uses
 * a cheap parameter set passed explicitly, with matching explicit limits. */
#include "testutil.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "medfw/auth.h"
#include "medfw/crypto.h"
#include "medfw/encode.h"

static const struct medfw_argon2_params CHEAP = {256, 1, 1};
static const struct medfw_argon2_limits CHEAP_LIMITS = {
	.min = {8, 1, 1},
	.max = {MEDFW_ARGON2_MAX_M_COST_KIB, MEDFW_ARGON2_MAX_T_COST, MEDFW_ARGON2_MAX_PARALLELISM},
};

/* RFC 4226 / RFC 6238 test seed (ASCII "1234567890" twice). */
static const uint8_t RFC_SECRET[] = "12345678901234567890";
#define RFC_SECRET_LEN 20u

static void hex(const uint8_t *d, size_t n, char *out, size_t cap)
{
	assert_int_equal(medfw_hex_encode(d, n, out, cap), MEDFW_OK);
}

/* ---- HMAC (crypto module) ---- */

static void test_hmac_vectors(void **state)
{
	const uint8_t *key = (const uint8_t *)"Jefe";
	const uint8_t *msg = (const uint8_t *)"what do ya want for nothing?";
	uint8_t tag[MEDFW_HMAC_MAX_LEN];
	char text[2 * MEDFW_HMAC_MAX_LEN + 1];
	size_t n = 0;

	(void)state;
	/* RFC 4231 test case 2 and RFC 2202 test case 2 */
	assert_int_equal(medfw_hmac(MEDFW_MAC_HMAC_SHA256, key, 4, msg, 28, tag, sizeof(tag), &n),
			 MEDFW_OK);
	assert_int_equal(n, MEDFW_HMAC_SHA256_LEN);
	hex(tag, n, text, sizeof(text));
	assert_string_equal(text, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	assert_int_equal(medfw_hmac_verify(MEDFW_MAC_HMAC_SHA256, key, 4, msg, 28, tag, n),
			 MEDFW_OK);
	assert_int_equal(medfw_hmac(MEDFW_MAC_HMAC_SHA1, key, 4, msg, 28, tag, sizeof(tag), &n),
			 MEDFW_OK);
	assert_int_equal(n, MEDFW_HMAC_SHA1_LEN);
	hex(tag, n, text, sizeof(text));
	assert_string_equal(text, "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");

	/* verify: one bit off, truncated, other key */
	tag[0] ^= 1;
	assert_int_equal(medfw_hmac_verify(MEDFW_MAC_HMAC_SHA1, key, 4, msg, 28, tag, n),
			 MEDFW_ERR_SIGNATURE);
	tag[0] ^= 1;
	assert_int_equal(medfw_hmac_verify(MEDFW_MAC_HMAC_SHA1, key, 4, msg, 28, tag, n - 1),
			 MEDFW_ERR_SIGNATURE);
	assert_int_equal(medfw_hmac_verify(MEDFW_MAC_HMAC_SHA1, key, 3, msg, 28, tag, n),
			 MEDFW_ERR_SIGNATURE);

	/* bad arguments clear the output */
	memset(tag, 0xaa, sizeof(tag));
	n = 9;
	assert_int_equal(medfw_hmac(MEDFW_MAC_HMAC_SHA256, key, 4, msg, 28, tag, 31, &n),
			 MEDFW_ERR_INVALID_ARG);
	assert_int_equal(n, 0);
	tu_assert_zeroed(tag, 31);
	assert_int_equal(medfw_hmac(MEDFW_MAC_HMAC_SHA256, key, 0, msg, 28, tag, sizeof(tag), &n),
			 MEDFW_ERR_INVALID_ARG);
	assert_int_equal(medfw_hmac((enum medfw_mac_alg)7, key, 4, msg, 28, tag, sizeof(tag), &n),
			 MEDFW_ERR_INVALID_ARG);
	assert_int_equal(medfw_mac_len((enum medfw_mac_alg)7), 0);
}

/* ---- passwords ---- */

static void test_password_round_trip_production(void **state)
{
	char enc[MEDFW_PASSWORD_HASH_MAX], enc2[MEDFW_PASSWORD_HASH_MAX];
	struct medfw_diag d;

	(void)state;
	medfw_diag_clear(&d);
	assert_int_equal(medfw_password_hash("correct horse battery", enc, sizeof(enc), &d),
			 MEDFW_OK);
	assert_true(strncmp(enc, "$argon2id$v=19$m=32768,t=3,p=1$", 31) == 0);
	assert_int_equal(strlen(enc), 31 + 22 + 1 + 43);
	assert_int_equal(medfw_password_needs_rehash(enc), 0);
	assert_int_equal(medfw_password_verify(enc, "correct horse battery", &d), MEDFW_OK);
	medfw_diag_clear(&d);
	assert_int_equal(medfw_password_verify(enc, "correct horse batterY", &d),
			 MEDFW_ERR_SIGNATURE);
	assert_null(strstr(d.msg, "horse"));
	/* unknown user: same work, always refused */
	assert_int_equal(medfw_password_verify_dummy("correct horse battery"),
			 MEDFW_ERR_SIGNATURE);
	assert_int_equal(medfw_password_verify_dummy(NULL), MEDFW_ERR_SIGNATURE);

	/* a fresh salt each time */
	assert_int_equal(medfw_password_hash_params(&CHEAP, "correct horse battery", enc,
						    sizeof(enc), NULL), MEDFW_OK);
	assert_int_equal(medfw_password_hash_params(&CHEAP, "correct horse battery", enc2,
						    sizeof(enc2), NULL), MEDFW_OK);
	assert_string_not_equal(enc, enc2);
}

static void test_password_cheap_params_and_limits(void **state)
{
	char enc[MEDFW_PASSWORD_HASH_MAX], enc2[MEDFW_PASSWORD_HASH_MAX];
	char long_pw[MEDFW_PASSWORD_MAX_BYTES + 2];
	struct medfw_diag d;

	(void)state;
	assert_int_equal(medfw_password_hash_params(&CHEAP, "pässwörd-1234", enc, sizeof(enc),
						    NULL), MEDFW_OK);
	assert_true(strncmp(enc, "$argon2id$v=19$m=256,t=1,p=1$", 29) == 0);
	assert_int_equal(medfw_password_verify_limits(&CHEAP_LIMITS, enc, "pässwörd-1234", NULL),
			 MEDFW_OK);
	assert_int_equal(medfw_password_verify_limits(&CHEAP_LIMITS, enc, "pässwörd-1235", NULL),
			 MEDFW_ERR_SIGNATURE);
	assert_int_equal(medfw_password_verify_limits(&CHEAP_LIMITS, enc, "", NULL),
			 MEDFW_ERR_SIGNATURE);
	/* below the production minimum: refused before any hashing, named in the diag */
	medfw_diag_clear(&d);
	assert_int_equal(medfw_password_verify(enc, "pässwörd-1234", &d), MEDFW_ERR_FIELD_VALUE);
	assert_non_null(strstr(d.msg, "memory cost 256 KiB outside 19456..1048576"));
	assert_int_equal(medfw_password_needs_rehash(enc), 1);
	assert_int_equal(medfw_password_verify_dummy("x"), MEDFW_ERR_SIGNATURE);

	/* the empty password hashes and verifies (policy is a separate check) */
	assert_int_equal(medfw_password_hash_params(&CHEAP, "", enc2, sizeof(enc2), NULL),
			 MEDFW_OK);
	assert_int_equal(medfw_password_verify_limits(&CHEAP_LIMITS, enc2, "", NULL), MEDFW_OK);

	/* over-long passwords: hash refuses, verify never matches */
	memset(long_pw, 'a', sizeof(long_pw) - 1);
	long_pw[sizeof(long_pw) - 1] = '\0';
	memset(enc2, 0x55, sizeof(enc2));
	assert_int_equal(medfw_password_hash_params(&CHEAP, long_pw, enc2, sizeof(enc2), NULL),
			 MEDFW_ERR_TOO_LARGE);
	tu_assert_zeroed(enc2, sizeof(enc2));
	assert_int_equal(medfw_password_verify_limits(&CHEAP_LIMITS, enc, long_pw, NULL),
			 MEDFW_ERR_SIGNATURE);
	long_pw[MEDFW_PASSWORD_MAX_BYTES] = '\0'; /* exactly the maximum is fine */
	assert_int_equal(medfw_password_hash_params(&CHEAP, long_pw, enc2, sizeof(enc2), NULL),
			 MEDFW_OK);
	assert_int_equal(medfw_password_verify_limits(&CHEAP_LIMITS, enc2, long_pw, NULL),
			 MEDFW_OK);

	/* bad arguments; output cleared */
	memset(enc2, 0x55, sizeof(enc2));
	assert_int_equal(medfw_password_hash_params(&CHEAP, "pw", enc2, 40, NULL),
			 MEDFW_ERR_INVALID_ARG);
	tu_assert_zeroed(enc2, 40);
	assert_int_equal(medfw_password_hash_params(NULL, "pw", enc2, sizeof(enc2), NULL),
			 MEDFW_ERR_INVALID_ARG);
	assert_int_equal(medfw_password_hash_params(&CHEAP, NULL, enc2, sizeof(enc2), NULL),
			 MEDFW_ERR_INVALID_ARG);
	{
		const struct medfw_argon2_params zero_t = {256, 0, 1}, lanes = {16, 1, 4};

		assert_int_equal(medfw_password_hash_params(&zero_t, "pw", enc2, sizeof(enc2),
							    NULL), MEDFW_ERR_INVALID_ARG);
		assert_int_equal(medfw_password_hash_params(&lanes, "pw", enc2, sizeof(enc2),
							    NULL), MEDFW_ERR_INVALID_ARG);
	}
	assert_int_equal(medfw_password_verify(NULL, "pw", NULL), MEDFW_ERR_INVALID_ARG);
	assert_int_equal(medfw_password_verify(enc, NULL, NULL), MEDFW_ERR_INVALID_ARG);
	assert_int_equal(medfw_password_verify_limits(NULL, enc, "pw", NULL),
			 MEDFW_ERR_INVALID_ARG);
}

/* A valid cheap encoding split into its parts, to build variants from. */
#define SALT16 "c29tZXNhbHRzb21lc2FsdA"   /* "somesaltsomesalt" */
static const char B64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void expect_malformed(const char *enc, const char *needle)
{
	struct medfw_diag d;
	enum medfw_err err;

	medfw_diag_clear(&d);
	err = medfw_password_verify_limits(&CHEAP_LIMITS, enc, "password", &d);
	if (err != MEDFW_ERR_FIELD_VALUE)
		fail_msg("\"%s\": got %s, want MEDFW_ERR_FIELD_VALUE", enc, medfw_err_name(err));
	if (needle != NULL && strstr(d.msg, needle) == NULL)
		fail_msg("\"%s\": message \"%s\" lacks \"%s\"", enc, d.msg, needle);
	assert_int_equal(medfw_password_needs_rehash(enc), 1);
}

static void test_password_malformed(void **state)
{
	char enc[MEDFW_PASSWORD_HASH_MAX], bad[MEDFW_PASSWORD_HASH_MAX + 64];
	char *salt, *hash;
	size_t len;

	(void)state;
	assert_int_equal(medfw_password_hash_params(&CHEAP, "password", enc, sizeof(enc), NULL),
			 MEDFW_OK);
	salt = strrchr(enc, '$');
	assert_non_null(salt);
	*salt = '\0';
	hash = salt + 1;
	salt = strrchr(enc, '$') + 1;
	/* enc = "$argon2id$v=19$m=256,t=1,p=1", salt and hash point into it */
#define VARIANT(fmt, ...) (snprintf(bad, sizeof(bad), fmt, __VA_ARGS__), bad)
	assert_int_equal(medfw_password_verify_limits(
				 &CHEAP_LIMITS, VARIANT("$argon2id$v=19$m=256,t=1,p=1$%s$%s", salt, hash),
				 "password", NULL), MEDFW_OK);

	expect_malformed("", "not an argon2id v=19 PHC string");
	expect_malformed("password", "not an argon2id");
	expect_malformed(VARIANT("$argon2i$v=19$m=256,t=1,p=1$%s$%s", salt, hash), "argon2id");
	expect_malformed(VARIANT("$argon2d$v=19$m=256,t=1,p=1$%s$%s", salt, hash), "argon2id");
	expect_malformed(VARIANT("$argon2id$v=16$m=256,t=1,p=1$%s$%s", salt, hash), "v=19");
	expect_malformed(VARIANT("$argon2id$m=256,t=1,p=1$%s$%s", salt, hash), "v=19");
	expect_malformed(VARIANT("$ARGON2ID$v=19$m=256,t=1,p=1$%s$%s", salt, hash), NULL);
	expect_malformed(VARIANT("$argon2id$v=19$m=0256,t=1,p=1$%s$%s", salt, hash),
			 "m=<n>,t=<n>,p=<n>");
	expect_malformed(VARIANT("$argon2id$v=19$t=1,m=256,p=1$%s$%s", salt, hash), "m=<n>");
	expect_malformed(VARIANT("$argon2id$v=19$m=256,t=1$%s$%s", salt, hash), "m=<n>");
	expect_malformed(VARIANT("$argon2id$v=19$m=256,t=1,p=1,k=2$%s$%s", salt, hash), "m=<n>");
	expect_malformed(VARIANT("$argon2id$v=19$m=256, t=1,p=1$%s$%s", salt, hash), "m=<n>");
	expect_malformed(VARIANT("$argon2id$v=19$m=-256,t=1,p=1$%s$%s", salt, hash), "m=<n>");
	expect_malformed(VARIANT("$argon2id$v=19$m=4294967296,t=1,p=1$%s$%s", salt, hash),
			 "m=<n>");
	expect_malformed(VARIANT("$argon2id$v=19$m=99999999999,t=1,p=1$%s$%s", salt, hash),
			 "m=<n>");
	/* parameter bounds: too cheap, and too expensive to even try (DoS) */
	expect_malformed(VARIANT("$argon2id$v=19$m=4294967295,t=1,p=1$%s$%s", salt, hash),
			 "memory cost 4294967295 KiB outside");
	expect_malformed(VARIANT("$argon2id$v=19$m=1048577,t=1,p=1$%s$%s", salt, hash),
			 "memory cost");
	expect_malformed(VARIANT("$argon2id$v=19$m=4,t=1,p=1$%s$%s", salt, hash), "memory cost");
	expect_malformed(VARIANT("$argon2id$v=19$m=256,t=0,p=1$%s$%s", salt, hash),
			 "time cost 0 outside 1..10");
	expect_malformed(VARIANT("$argon2id$v=19$m=256,t=11,p=1$%s$%s", salt, hash),
			 "time cost 11");
	expect_malformed(VARIANT("$argon2id$v=19$m=256,t=1,p=0$%s$%s", salt, hash),
			 "parallelism 0 outside 1..8");
	expect_malformed(VARIANT("$argon2id$v=19$m=256,t=1,p=9$%s$%s", salt, hash),
			 "parallelism 9");
	expect_malformed(VARIANT("$argon2id$v=19$m=16,t=1,p=4$%s$%s", salt, hash), "per lane");
	/* salt and hash encodings */
	expect_malformed(VARIANT("$argon2id$v=19$m=256,t=1,p=1$%s$%s=", salt, hash), "base64");
	expect_malformed(VARIANT("$argon2id$v=19$m=256,t=1,p=1$%s==$%s", salt, hash), "base64");
	expect_malformed(VARIANT("$argon2id$v=19$m=256,t=1,p=1$%s$%s$", salt, hash), "base64");
	expect_malformed(VARIANT("$argon2id$v=19$m=256,t=1,p=1$%s$%sxx", salt, hash), "base64");
	expect_malformed(VARIANT("$argon2id$v=19$m=256,t=1,p=1$%s$", salt), "shorter than 16");
	expect_malformed(VARIANT("$argon2id$v=19$m=256,t=1,p=1$%s", salt), "base64");
	expect_malformed(VARIANT("$argon2id$v=19$m=256,t=1,p=1$$%s", hash), "shorter than 16");
	expect_malformed(VARIANT("$argon2id$v=19$m=256,t=1,p=1$%s$%s", "c29tZXNhbHQ", hash),
			 "shorter than 16"); /* libargon2's 8-byte test salt */
	expect_malformed(VARIANT("$argon2id$v=19$m=256,t=1,p=1$%s$%.20s", salt, hash),
			 "shorter than 16");
	expect_malformed(VARIANT("$argon2id$v=19$m=256,t=1,p=1$%s$%s", salt,
				 "c29tZXNhbHQ+c29tZXNhbHQ/c29tZXNhbHQ.c29tZXNhbHQ"), "base64");
	expect_malformed(VARIANT("$argon2id$v=19$m=256,t=1,p=1$%s$%s", salt,
				 "c29tZXNhbHQ-c29tZXNhbHQ_c29tZXNhbHQ"), "base64");
	/* the unused low bits of the last character must be zero (32 bytes = 43
	 * characters, 2 bits unused) */
	len = strlen(hash);
	assert_int_equal(len, 43);
	snprintf(bad, sizeof(bad), "$argon2id$v=19$m=256,t=1,p=1$%s$%s", salt, hash);
	bad[strlen(bad) - 1] = B64[(strchr(B64, hash[len - 1]) - B64) | 1];
	expect_malformed(bad, "base64");
	/* too long to be one of ours */
	memset(bad, 'A', sizeof(bad) - 1);
	bad[sizeof(bad) - 1] = '\0';
	memcpy(bad, "$argon2id$v=19$m=256,t=1,p=1$", 29);
	expect_malformed(bad, "longer than 255");
#undef VARIANT
}

static void test_password_tampered(void **state)
{
	char enc[MEDFW_PASSWORD_HASH_MAX], bad[MEDFW_PASSWORD_HASH_MAX];
	size_t len, salt_at;

	(void)state;
	assert_int_equal(medfw_password_hash_params(&CHEAP, "password", enc, sizeof(enc), NULL),
			 MEDFW_OK);
	len = strlen(enc);
	salt_at = strlen("$argon2id$v=19$m=256,t=1,p=1$");
	/* change one full-weight character of the salt, of the hash, and a parameter
	 * that stays within the limits: all give the wrong hash */
	memcpy(bad, enc, len + 1);
	bad[salt_at] = bad[salt_at] == 'A' ? 'B' : 'A';
	assert_int_equal(medfw_password_verify_limits(&CHEAP_LIMITS, bad, "password", NULL),
			 MEDFW_ERR_SIGNATURE);
	memcpy(bad, enc, len + 1);
	bad[len - 10] = bad[len - 10] == 'A' ? 'B' : 'A';
	assert_int_equal(medfw_password_verify_limits(&CHEAP_LIMITS, bad, "password", NULL),
			 MEDFW_ERR_SIGNATURE);
	memcpy(bad, enc, len + 1);
	bad[strlen("$argon2id$v=19$m=25")] = '7'; /* m=257 */
	assert_int_equal(medfw_password_verify_limits(&CHEAP_LIMITS, bad, "password", NULL),
			 MEDFW_ERR_SIGNATURE);
	memcpy(bad, enc, len + 1);
	bad[strlen("$argon2id$v=19$m=256,t=")] = '2';
	assert_int_equal(medfw_password_verify_limits(&CHEAP_LIMITS, bad, "password", NULL),
			 MEDFW_ERR_SIGNATURE);
	/* a longer hash (33 bytes, still canonical base64) is another hash */
	memcpy(bad, enc, len);
	memcpy(bad + len, "A", 2);
	assert_int_equal(medfw_password_verify_limits(&CHEAP_LIMITS, bad, "password", NULL),
			 MEDFW_ERR_SIGNATURE);
	assert_int_equal(medfw_password_needs_rehash(bad), 1);
	/* truncation by two characters leaves an impossible base64 length */
	memcpy(bad, enc, len + 1);
	bad[len - 2] = '\0';
	assert_int_equal(medfw_password_verify_limits(&CHEAP_LIMITS, bad, "password", NULL),
			 MEDFW_ERR_FIELD_VALUE);
	assert_int_equal(medfw_password_verify_limits(&CHEAP_LIMITS, enc, "password", NULL),
			 MEDFW_OK);
}

static void test_needs_rehash(void **state)
{
	(void)state;
	assert_int_equal(medfw_password_needs_rehash(
				 "$argon2id$v=19$m=32768,t=3,p=1$" SALT16
				 "$c29tZXNhbHRzb21lc2FsdHNvbWVzYWx0c29tZXNhbHQ"), 0);
	assert_int_equal(medfw_password_needs_rehash(
				 "$argon2id$v=19$m=19456,t=2,p=1$" SALT16
				 "$c29tZXNhbHRzb21lc2FsdHNvbWVzYWx0c29tZXNhbHQ"), 1);
	assert_int_equal(medfw_password_needs_rehash(
				 "$argon2id$v=19$m=32768,t=3,p=2$" SALT16
				 "$c29tZXNhbHRzb21lc2FsdHNvbWVzYWx0c29tZXNhbHQ"), 1);
	/* 16-byte hash instead of 32 */
	assert_int_equal(medfw_password_needs_rehash("$argon2id$v=19$m=32768,t=3,p=1$" SALT16
						     "$" SALT16), 1);
	assert_int_equal(medfw_password_needs_rehash("garbage"), 1);
	assert_int_equal(medfw_password_needs_rehash(NULL), 1);
}

static void expect_policy(const char *user, const char *pw, const char *needle)
{
	struct medfw_diag d;
	enum medfw_err err;

	medfw_diag_clear(&d);
	err = medfw_password_check_policy(user, pw, &d);
	if (needle == NULL) {
		if (err != MEDFW_OK)
			fail_msg("\"%s\": refused: %s", pw, d.msg);
		return;
	}
	if (err != MEDFW_ERR_FIELD_VALUE)
		fail_msg("\"%s\": got %s", pw, medfw_err_name(err));
	if (strstr(d.msg, needle) == NULL)
		fail_msg("\"%s\": message \"%s\" lacks \"%s\"", pw, d.msg, needle);
	if (strlen(pw) >= 4 && strstr(d.msg, pw) != NULL)
		fail_msg("\"%s\": the message \"%s\" contains the password", pw, d.msg);
}

static void test_password_policy(void **state)
{
	char big[MEDFW_PASSWORD_MAX_BYTES + 2];

	(void)state;
	expect_policy("alice", "correct horse", NULL);
	expect_policy(NULL, "correct horse", NULL);
	expect_policy("alice", "abcdefghijkl", NULL);               /* exactly 12 */
	expect_policy("alice", "abcdefghijk", "at least 12 characters");
	expect_policy("alice", "", "at least 12 characters");
	/* characters, not bytes: 11 two-byte letters are 22 bytes but too short */
	expect_policy("alice", "ééééééééééé", "at least 12 characters");
	expect_policy("alice", "éééééééééééa", NULL);
	expect_policy("alice", "éééééééééééé", "one character repeated");
	expect_policy("alice", "aaaaaaaaaaaaaaaaaaaa", "one character repeated");
	expect_policy("alice.example", "alice.example", "must not be the username");
	expect_policy("Alice.Example", "aLICE.eXAMPLE", "must not be the username");
	expect_policy("alice.example", "alice.example1", NULL);
	/* invalid UTF-8: lone continuation, overlong, surrogate, past U+10FFFF, truncated */
	expect_policy("alice", "abcdefghijkl\x80", "valid UTF-8 (byte 13)");
	expect_policy("alice", "\xc0\xaf" "abcdefghijkl", "valid UTF-8 (byte 1)");
	expect_policy("alice", "abcdefghijkl\xed\xa0\x80", "valid UTF-8");
	expect_policy("alice", "abcdefghijkl\xf4\x90\x80\x80", "valid UTF-8");
	expect_policy("alice", "abcdefghijkl\xe2\x82", "valid UTF-8");
	expect_policy("alice", "abcdefghijkl\xf0\x9f\x94\x92", NULL); /* U+1F512 is fine */
	/* length in bytes */
	memset(big, 'x', sizeof(big) - 1);
	big[0] = 'y';
	big[sizeof(big) - 1] = '\0';
	expect_policy("alice", big, "at most 1024 bytes");
	big[MEDFW_PASSWORD_MAX_BYTES] = '\0';
	expect_policy("alice", big, NULL);
	assert_int_equal(medfw_password_check_policy("alice", NULL, NULL), MEDFW_ERR_INVALID_ARG);
}

/* ---- HOTP / TOTP ---- */

static void test_hotp_rfc4226(void **state)
{
	/* RFC 4226 Appendix D */
	static const char *const expected[] = {"755224", "287082", "359152", "969429",
					       "338314", "254676", "287922", "162583",
					       "399871", "520489"};
	char code[MEDFW_HOTP_CODE_MAX];

	(void)state;
	for (uint64_t c = 0; c < 10; c++) {
		assert_int_equal(medfw_hotp(RFC_SECRET, RFC_SECRET_LEN, c, 6, code, sizeof(code)),
				 MEDFW_OK);
		assert_string_equal(code, expected[c]);
	}
	memset(code, 'x', sizeof(code));
	assert_int_equal(medfw_hotp(RFC_SECRET, RFC_SECRET_LEN, 0, 5, code, sizeof(code)),
			 MEDFW_ERR_INVALID_ARG);
	tu_assert_zeroed(code, sizeof(code));
	assert_int_equal(medfw_hotp(RFC_SECRET, RFC_SECRET_LEN, 0, 9, code, sizeof(code)),
			 MEDFW_ERR_INVALID_ARG);
	assert_int_equal(medfw_hotp(RFC_SECRET, RFC_SECRET_LEN, 0, 8, code, 8),
			 MEDFW_ERR_INVALID_ARG);
	assert_int_equal(medfw_hotp(RFC_SECRET, 0, 0, 6, code, sizeof(code)),
			 MEDFW_ERR_INVALID_ARG);
	assert_int_equal(medfw_hotp(NULL, 20, 0, 6, code, sizeof(code)), MEDFW_ERR_INVALID_ARG);
}

static void test_totp_rfc6238(void **state)
{
	/* RFC 6238 Appendix B, SHA-1 rows: 8 digits */
	static const struct {
		int64_t t;
		const char *code;
	} vec[] = {
		{59, "94287082"},         {1111111109, "07081804"}, {1111111111, "14050471"},
		{1234567890, "89005924"}, {2000000000, "69279037"}, {20000000000, "65353130"},
	};
	char code[MEDFW_HOTP_CODE_MAX];
	uint64_t counter = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(vec) / sizeof(vec[0]); i++) {
		assert_int_equal(medfw_totp_counter(vec[i].t, &counter), MEDFW_OK);
		assert_int_equal(medfw_hotp(RFC_SECRET, RFC_SECRET_LEN, counter, 8, code,
					    sizeof(code)), MEDFW_OK);
		assert_string_equal(code, vec[i].code);
		/* production: 6 digits, the same value mod 10^6 */
		assert_int_equal(medfw_totp_code(RFC_SECRET, RFC_SECRET_LEN, vec[i].t, code,
						 sizeof(code)), MEDFW_OK);
		assert_string_equal(code, vec[i].code + 2);
	}
	assert_int_equal(medfw_totp_counter(59, &counter), MEDFW_OK);
	assert_int_equal(counter, 1);
	assert_int_equal(medfw_totp_counter(-1, &counter), MEDFW_ERR_INVALID_ARG);
	assert_int_equal(counter, 0);
	assert_int_equal(medfw_totp_code(RFC_SECRET, RFC_SECRET_LEN, -30, code, sizeof(code)),
			 MEDFW_ERR_INVALID_ARG);
	tu_assert_zeroed(code, sizeof(code));
}

static void code_at(uint64_t counter, char *code)
{
	assert_int_equal(medfw_hotp(RFC_SECRET, RFC_SECRET_LEN, counter, 6, code,
				    MEDFW_HOTP_CODE_MAX), MEDFW_OK);
}

static void test_totp_window_and_replay(void **state)
{
	const int64_t now = 1111111111; /* counter 37037037, 1 s into its step */
	const uint64_t c = 37037037;
	char code[MEDFW_HOTP_CODE_MAX];
	uint64_t got = 99;

	(void)state;
	/* the codes at -2..+2 are all different, so the checks below are meaningful */
	for (int i = -2; i <= 2; i++)
		for (int j = i + 1; j <= 2; j++) {
			char a[MEDFW_HOTP_CODE_MAX], b[MEDFW_HOTP_CODE_MAX];

			code_at(c + (uint64_t)(int64_t)i, a);
			code_at(c + (uint64_t)(int64_t)j, b);
			assert_string_not_equal(a, b);
		}

	code_at(c, code);
	assert_int_equal(medfw_totp_verify(RFC_SECRET, RFC_SECRET_LEN, code, now, 0, &got),
			 MEDFW_OK);
	assert_int_equal(got, c);
	/* replay of the same code: the caller stored c */
	assert_int_equal(medfw_totp_verify(RFC_SECRET, RFC_SECRET_LEN, code, now, c, &got),
			 MEDFW_ERR_ROLLBACK);
	assert_int_equal(got, 0);
	assert_int_equal(medfw_totp_verify(RFC_SECRET, RFC_SECRET_LEN, code, now + 29, c, &got),
			 MEDFW_ERR_ROLLBACK);

	/* one step either side is accepted, and reports its own counter */
	code_at(c - 1, code);
	assert_int_equal(medfw_totp_verify(RFC_SECRET, RFC_SECRET_LEN, code, now, 0, &got),
			 MEDFW_OK);
	assert_int_equal(got, c - 1);
	/* ... but not after a later code was used */
	assert_int_equal(medfw_totp_verify(RFC_SECRET, RFC_SECRET_LEN, code, now, c, &got),
			 MEDFW_ERR_ROLLBACK);
	code_at(c + 1, code);
	assert_int_equal(medfw_totp_verify(RFC_SECRET, RFC_SECRET_LEN, code, now, c, &got),
			 MEDFW_OK);
	assert_int_equal(got, c + 1);
	/* two steps either side are refused */
	code_at(c - 2, code);
	assert_int_equal(medfw_totp_verify(RFC_SECRET, RFC_SECRET_LEN, code, now, 0, &got),
			 MEDFW_ERR_SIGNATURE);
	assert_int_equal(got, 0);
	code_at(c + 2, code);
	assert_int_equal(medfw_totp_verify(RFC_SECRET, RFC_SECRET_LEN, code, now, 0, &got),
			 MEDFW_ERR_SIGNATURE);
	/* 29 s later the clock is in step c+1, so c+2 is within one step */
	assert_int_equal(medfw_totp_verify(RFC_SECRET, RFC_SECRET_LEN, code, now + 29, 0, &got),
			 MEDFW_OK);
	assert_int_equal(got, c + 2);
	/* wrong secret */
	code_at(c, code);
	assert_int_equal(medfw_totp_verify((const uint8_t *)"12345678901234567891", 20, code, now,
					   0, &got), MEDFW_ERR_SIGNATURE);

	/* malformed codes */
	assert_int_equal(medfw_totp_verify(RFC_SECRET, RFC_SECRET_LEN, "12345", now, 0, &got),
			 MEDFW_ERR_FIELD_VALUE);
	assert_int_equal(medfw_totp_verify(RFC_SECRET, RFC_SECRET_LEN, "1234567", now, 0, &got),
			 MEDFW_ERR_FIELD_VALUE);
	assert_int_equal(medfw_totp_verify(RFC_SECRET, RFC_SECRET_LEN, "12a456", now, 0, &got),
			 MEDFW_ERR_FIELD_VALUE);
	assert_int_equal(medfw_totp_verify(RFC_SECRET, RFC_SECRET_LEN, " 23456", now, 0, &got),
			 MEDFW_ERR_FIELD_VALUE);
	assert_int_equal(medfw_totp_verify(RFC_SECRET, RFC_SECRET_LEN, "", now, 0, &got),
			 MEDFW_ERR_FIELD_VALUE);
	assert_int_equal(medfw_totp_verify(RFC_SECRET, RFC_SECRET_LEN, NULL, now, 0, &got),
			 MEDFW_ERR_INVALID_ARG);
	assert_int_equal(medfw_totp_verify(RFC_SECRET, RFC_SECRET_LEN, code, -1, 0, &got),
			 MEDFW_ERR_INVALID_ARG);
	assert_int_equal(medfw_totp_verify(RFC_SECRET, RFC_SECRET_LEN, code, now, 0, NULL),
			 MEDFW_ERR_INVALID_ARG);

	/* near the epoch the window does not wrap around */
	code_at(0, code);
	assert_int_equal(medfw_totp_verify(RFC_SECRET, RFC_SECRET_LEN, code, 5, 0, &got),
			 MEDFW_ERR_ROLLBACK); /* counter 0 is never > last_counter 0 */
	code_at(1, code);
	assert_int_equal(medfw_totp_verify(RFC_SECRET, RFC_SECRET_LEN, code, 5, 0, &got),
			 MEDFW_OK);
	assert_int_equal(got, 1);
}

static void test_totp_secret_and_uri(void **state)
{
	uint8_t s1[MEDFW_TOTP_SECRET_LEN], s2[MEDFW_TOTP_SECRET_LEN], back[MEDFW_TOTP_SECRET_LEN];
	char b32[MEDFW_TOTP_SECRET_B32_LEN + 1], uri[MEDFW_OTPAUTH_URI_MAX];
	char big[MEDFW_OTPAUTH_LABEL_PART_MAX + 2];
	uint8_t s64[64];
	struct medfw_diag d;
	size_t n = 0;

	(void)state;
	assert_int_equal(medfw_totp_secret_generate(s1, sizeof(s1)), MEDFW_OK);
	assert_int_equal(medfw_totp_secret_generate(s2, sizeof(s2)), MEDFW_OK);
	assert_memory_not_equal(s1, s2, sizeof(s1));
	assert_int_equal(medfw_totp_secret_generate(s2, sizeof(s2) - 1), MEDFW_ERR_INVALID_ARG);
	tu_assert_zeroed(s2, sizeof(s2) - 1);
	assert_int_equal(medfw_base32_encode(s1, sizeof(s1), b32, sizeof(b32)), MEDFW_OK);
	assert_int_equal(strlen(b32), MEDFW_TOTP_SECRET_B32_LEN);
	assert_int_equal(medfw_base32_decode(b32, strlen(b32), back, sizeof(back), &n), MEDFW_OK);
	assert_int_equal(n, sizeof(back));
	assert_memory_equal(back, s1, sizeof(s1));

	assert_int_equal(medfw_totp_uri(RFC_SECRET, RFC_SECRET_LEN, "St Mary's", "alice@example.org",
					uri, sizeof(uri), NULL), MEDFW_OK);
	assert_string_equal(uri, "otpauth://totp/medfw:St%20Mary%27s%3Aalice%40example.org"
				 "?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=medfw"
				 "&algorithm=SHA1&digits=6&period=30");
	assert_int_equal(medfw_totp_uri(RFC_SECRET, RFC_SECRET_LEN, "Zürich:Nord", "b.o_b~-1",
					uri, sizeof(uri), NULL), MEDFW_OK);
	assert_string_equal(uri, "otpauth://totp/medfw:Z%C3%BCrich%3ANord%3Ab.o_b~-1"
				 "?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=medfw"
				 "&algorithm=SHA1&digits=6&period=30");
	/* the longest labels fit the documented buffer */
	memset(s64, 0xff, sizeof(s64));
	memset(big, '%', sizeof(big) - 1);
	big[MEDFW_OTPAUTH_LABEL_PART_MAX] = '\0';
	assert_int_equal(medfw_totp_uri(s64, sizeof(s64), big, big, uri, sizeof(uri), NULL), MEDFW_OK);
	big[MEDFW_OTPAUTH_LABEL_PART_MAX] = '%';
	big[MEDFW_OTPAUTH_LABEL_PART_MAX + 1] = '\0';
	medfw_diag_clear(&d);
	assert_int_equal(medfw_totp_uri(s1, sizeof(s1), big, "bob", uri, sizeof(uri), &d),
			 MEDFW_ERR_FIELD_VALUE);
	assert_string_equal(d.msg, "otpauth URI: site must be 1..256 bytes");
	tu_assert_zeroed(uri, sizeof(uri));
	medfw_diag_clear(&d);
	assert_int_equal(medfw_totp_uri(s1, sizeof(s1), "site", "", uri, sizeof(uri), &d),
			 MEDFW_ERR_FIELD_VALUE);
	assert_string_equal(d.msg, "otpauth URI: user must be 1..256 bytes");
	medfw_diag_clear(&d);
	assert_int_equal(medfw_totp_uri(s1, sizeof(s1), "site", "b\xffob", uri, sizeof(uri), &d),
			 MEDFW_ERR_FIELD_VALUE);
	assert_string_equal(d.msg, "otpauth URI: user is not valid UTF-8");
	memset(uri, 'x', sizeof(uri));
	assert_int_equal(medfw_totp_uri(s1, sizeof(s1), "site", "bob", uri, 60, NULL),
			 MEDFW_ERR_INVALID_ARG);
	tu_assert_zeroed(uri, 60);
	assert_int_equal(medfw_totp_uri(s1, 0, "site", "bob", uri, sizeof(uri), NULL),
			 MEDFW_ERR_INVALID_ARG);
	assert_int_equal(medfw_totp_uri(s1, 65, "site", "bob", uri, sizeof(uri), NULL),
			 MEDFW_ERR_INVALID_ARG);
	medfw_wipe(s1, sizeof(s1));
}

/* ---- tokens ---- */

static void test_tokens(void **state)
{
	static const struct {
		enum medfw_token_type type;
		const char *prefix;
	} types[] = {
		{MEDFW_TOKEN_SESSION, "mfs_"},
		{MEDFW_TOKEN_API, "mft_"},
		{MEDFW_TOKEN_ENROLMENT, "mfe_"},
	};
	char tok[MEDFW_TOKEN_BUF], tok2[MEDFW_TOKEN_BUF];
	uint8_t h[MEDFW_TOKEN_HASH_LEN], h2[MEDFW_TOKEN_HASH_LEN];
	enum medfw_token_type type;
	size_t n = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		assert_string_equal(medfw_token_prefix(types[i].type), types[i].prefix);
		assert_int_equal(medfw_token_generate(types[i].type, tok, sizeof(tok)), MEDFW_OK);
		assert_int_equal(strlen(tok), MEDFW_TOKEN_LEN);
		assert_int_equal(strlen(tok), 47);
		assert_true(strncmp(tok, types[i].prefix, 4) == 0);
		assert_int_equal(strspn(tok + 4, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
					"0123456789-_"), 43);
		assert_int_equal(medfw_token_parse(tok, &type), MEDFW_OK);
		assert_int_equal(type, types[i].type);
		/* stored form: SHA-256 of the whole text */
		assert_int_equal(medfw_token_hash(tok, h, sizeof(h)), MEDFW_OK);
		assert_int_equal(medfw_hash_oneshot(MEDFW_HASH_SHA256, tok, strlen(tok), h2,
						    sizeof(h2), &n), MEDFW_OK);
		assert_memory_equal(h, h2, sizeof(h));
		assert_int_equal(medfw_token_verify(tok, types[i].type, h, sizeof(h)), MEDFW_OK);
		assert_int_equal(medfw_token_verify(tok, types[(i + 1) % 3].type, h, sizeof(h)),
				 MEDFW_ERR_SIGNATURE);
		assert_int_equal(medfw_token_verify(tok, types[i].type, h, sizeof(h) - 1),
				 MEDFW_ERR_SIGNATURE);
		assert_int_equal(medfw_token_generate(types[i].type, tok2, sizeof(tok2)), MEDFW_OK);
		assert_string_not_equal(tok, tok2);
		assert_int_equal(medfw_token_verify(tok2, types[i].type, h, sizeof(h)),
				 MEDFW_ERR_SIGNATURE);
	}
	assert_null(medfw_token_prefix((enum medfw_token_type)9));
	memset(tok2, 'x', sizeof(tok2));
	assert_int_equal(medfw_token_generate(MEDFW_TOKEN_API, tok2, MEDFW_TOKEN_LEN),
			 MEDFW_ERR_INVALID_ARG);
	tu_assert_zeroed(tok2, MEDFW_TOKEN_LEN);
	assert_int_equal(medfw_token_generate((enum medfw_token_type)0, tok2, sizeof(tok2)),
			 MEDFW_ERR_INVALID_ARG);
}

static void expect_bad_token(const char *t)
{
	enum medfw_token_type type = MEDFW_TOKEN_API;
	uint8_t h[MEDFW_TOKEN_HASH_LEN];

	if (medfw_token_parse(t, &type) != MEDFW_ERR_FIELD_VALUE)
		fail_msg("token \"%s\" accepted", t);
	assert_int_equal(type, 0);
	memset(h, 0xaa, sizeof(h));
	assert_int_equal(medfw_token_hash(t, h, sizeof(h)), MEDFW_ERR_FIELD_VALUE);
	tu_assert_zeroed(h, sizeof(h));
	assert_int_equal(medfw_token_verify(t, MEDFW_TOKEN_SESSION, h, sizeof(h)),
			 MEDFW_ERR_FIELD_VALUE);
}

static void test_tokens_malformed(void **state)
{
	char tok[MEDFW_TOKEN_BUF], bad[MEDFW_TOKEN_BUF + 8];
	enum medfw_token_type type;
	int v;

	(void)state;
	assert_int_equal(medfw_token_generate(MEDFW_TOKEN_SESSION, tok, sizeof(tok)), MEDFW_OK);
	expect_bad_token("");
	expect_bad_token("mfs_");
	memcpy(bad, tok, sizeof(tok));
	memcpy(bad, "mfx_", 4);
	expect_bad_token(bad);
	memcpy(bad, "MFS_", 4);
	expect_bad_token(bad);
	memcpy(bad, tok, sizeof(tok));
	bad[MEDFW_TOKEN_LEN - 1] = '\0';                 /* one short */
	expect_bad_token(bad);
	memcpy(bad, tok, sizeof(tok));
	bad[MEDFW_TOKEN_LEN] = 'A';                      /* one long */
	bad[MEDFW_TOKEN_LEN + 1] = '\0';
	expect_bad_token(bad);
	memcpy(bad, tok, sizeof(tok));
	bad[10] = '+';                                   /* standard alphabet */
	expect_bad_token(bad);
	memcpy(bad, tok, sizeof(tok));
	bad[10] = '=';
	expect_bad_token(bad);
	/* the last character carries 4 data bits and 2 unused ones: set one */
	memcpy(bad, tok, sizeof(tok));
	v = (int)(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
			 bad[MEDFW_TOKEN_LEN - 1]) -
		  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_");
	assert_int_equal(v & 3, 0);
	bad[MEDFW_TOKEN_LEN - 1] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[v | 1];
	expect_bad_token(bad);
	assert_int_equal(medfw_token_parse(NULL, &type), MEDFW_ERR_INVALID_ARG);
	assert_int_equal(medfw_token_parse(tok, NULL), MEDFW_ERR_INVALID_ARG);
	assert_int_equal(medfw_token_verify(tok, MEDFW_TOKEN_SESSION, NULL, 32),
			 MEDFW_ERR_INVALID_ARG);
}

/* ---- CSRF ---- */

static void test_csrf(void **state)
{
	uint8_t secret[32], other[32], mac[MEDFW_HMAC_SHA256_LEN];
	uint8_t msg[64];
	char t[MEDFW_CSRF_TOKEN_BUF], t2[MEDFW_CSRF_TOKEN_BUF], expect[MEDFW_CSRF_TOKEN_BUF];
	char longer[MEDFW_CSRF_TOKEN_BUF + 1];
	size_t n = 0;

	(void)state;
	memset(secret, 0x42, sizeof(secret));
	memset(other, 0x43, sizeof(other));
	assert_int_equal(medfw_csrf_token(secret, sizeof(secret), "sess-1", t, sizeof(t)),
			 MEDFW_OK);
	assert_int_equal(strlen(t), MEDFW_CSRF_TOKEN_LEN);
	/* exactly base64url(HMAC-SHA256(secret, "medfw-csrf-v1\0sess-1")) */
	memcpy(msg, "medfw-csrf-v1\0sess-1", 20);
	assert_int_equal(medfw_hmac(MEDFW_MAC_HMAC_SHA256, secret, sizeof(secret), msg, 20, mac,
				    sizeof(mac), &n), MEDFW_OK);
	assert_int_equal(medfw_base64url_encode(mac, n, expect, sizeof(expect)), MEDFW_OK);
	assert_string_equal(t, expect);
	/* and as computed by Python's hmac module */
	assert_string_equal(t, "io4ePtPtL5eiwE51Qj8blx0gksS7MRgstKIoKn9JgTQ");
	/* deterministic per session, different across sessions and secrets */
	assert_int_equal(medfw_csrf_token(secret, sizeof(secret), "sess-1", t2, sizeof(t2)),
			 MEDFW_OK);
	assert_string_equal(t, t2);
	assert_int_equal(medfw_csrf_token(secret, sizeof(secret), "sess-2", t2, sizeof(t2)),
			 MEDFW_OK);
	assert_string_not_equal(t, t2);

	assert_int_equal(medfw_csrf_verify(secret, sizeof(secret), "sess-1", t), MEDFW_OK);
	assert_int_equal(medfw_csrf_verify(secret, sizeof(secret), "sess-2", t),
			 MEDFW_ERR_SIGNATURE);
	assert_int_equal(medfw_csrf_verify(other, sizeof(other), "sess-1", t),
			 MEDFW_ERR_SIGNATURE);
	assert_int_equal(medfw_csrf_verify(secret, sizeof(secret), "sess-1", ""),
			 MEDFW_ERR_SIGNATURE);
	assert_int_equal(medfw_csrf_verify(secret, sizeof(secret), "sess-1", NULL),
			 MEDFW_ERR_SIGNATURE);
	memcpy(longer, t, MEDFW_CSRF_TOKEN_LEN);
	longer[MEDFW_CSRF_TOKEN_LEN] = 'A';
	longer[MEDFW_CSRF_TOKEN_LEN + 1] = '\0';
	assert_int_equal(medfw_csrf_verify(secret, sizeof(secret), "sess-1", longer),
			 MEDFW_ERR_SIGNATURE);
	longer[MEDFW_CSRF_TOKEN_LEN - 1] = '\0';
	assert_int_equal(medfw_csrf_verify(secret, sizeof(secret), "sess-1", longer),
			 MEDFW_ERR_SIGNATURE);
	t[0] = t[0] == 'A' ? 'B' : 'A';
	assert_int_equal(medfw_csrf_verify(secret, sizeof(secret), "sess-1", t),
			 MEDFW_ERR_SIGNATURE);

	/* bad arguments */
	memset(t2, 'x', sizeof(t2));
	assert_int_equal(medfw_csrf_token(secret, 31, "sess-1", t2, sizeof(t2)),
			 MEDFW_ERR_INVALID_ARG);
	tu_assert_zeroed(t2, sizeof(t2));
	assert_int_equal(medfw_csrf_token(secret, sizeof(secret), "", t2, sizeof(t2)),
			 MEDFW_ERR_INVALID_ARG);
	assert_int_equal(medfw_csrf_token(secret, sizeof(secret), "s", t2, sizeof(t2) - 1),
			 MEDFW_ERR_INVALID_ARG);
	assert_int_equal(medfw_csrf_verify(secret, 16, "sess-1", expect), MEDFW_ERR_INVALID_ARG);
}

/* ---- lockout ---- */

static void test_lockout_schedule(void **state)
{
	static const int64_t expected[] = {0, 0, 0, 0, 0, 60, 120, 240, 480, 960, 1920, 3600, 3600};
	struct medfw_login_state st = {0, 0};
	int64_t now = 1700000000, retry = -1;

	(void)state;
	for (uint32_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++)
		assert_int_equal(medfw_login_lock_duration(i), expected[i]);
	assert_int_equal(medfw_login_lock_duration(1000), 3600);
	assert_int_equal(medfw_login_lock_duration(UINT32_MAX), 3600);

	/* four failures: still allowed */
	for (int i = 0; i < 4; i++) {
		assert_int_equal(medfw_login_check(&st, now, &retry), MEDFW_LOGIN_ALLOW);
		assert_int_equal(retry, 0);
		medfw_login_record_failure(&st, now, &st);
	}
	assert_int_equal(st.failed_logins, 4);
	assert_int_equal(st.locked_until, 0);
	assert_int_equal(medfw_login_check(&st, now, &retry), MEDFW_LOGIN_ALLOW);
	/* the fifth locks for a minute */
	medfw_login_record_failure(&st, now, &st);
	assert_int_equal(st.failed_logins, 5);
	assert_int_equal(st.locked_until, now + 60);
	assert_int_equal(medfw_login_check(&st, now, &retry), MEDFW_LOGIN_LOCKED);
	assert_int_equal(retry, 60);
	assert_int_equal(medfw_login_check(&st, now + 59, &retry), MEDFW_LOGIN_LOCKED);
	assert_int_equal(retry, 1);
	assert_int_equal(medfw_login_check(&st, now + 60, &retry), MEDFW_LOGIN_ALLOW);
	assert_int_equal(retry, 0);
	/* the next failure doubles it */
	now += 60;
	medfw_login_record_failure(&st, now, &st);
	assert_int_equal(st.locked_until, now + 120);
	assert_int_equal(medfw_login_check(&st, now + 100, &retry), MEDFW_LOGIN_LOCKED);
	assert_int_equal(retry, 20);
	/* many more: capped at an hour */
	for (int i = 0; i < 20; i++)
		medfw_login_record_failure(&st, now, &st);
	assert_int_equal(st.locked_until, now + 3600);
	/* success clears everything */
	medfw_login_record_success(&st);
	assert_int_equal(st.failed_logins, 0);
	assert_int_equal(st.locked_until, 0);
	assert_int_equal(medfw_login_check(&st, now, &retry), MEDFW_LOGIN_ALLOW);
	/* saturation, NULL input */
	st.failed_logins = UINT32_MAX;
	medfw_login_record_failure(&st, now, &st);
	assert_int_equal(st.failed_logins, UINT32_MAX);
	assert_int_equal(st.locked_until, now + 3600);
	medfw_login_record_failure(NULL, now, &st);
	assert_int_equal(st.failed_logins, 1);
	assert_int_equal(st.locked_until, 0);
	assert_int_equal(medfw_login_check(NULL, now, &retry), MEDFW_LOGIN_LOCKED);
	assert_int_equal(retry, 60);
}

/* ---- rate limiter ---- */

static int take(struct medfw_ratelimit *rl, const char *key, int64_t now, int64_t *retry)
{
	return medfw_ratelimit_take(rl, key, strlen(key), now, retry);
}

static void test_ratelimit_bucket(void **state)
{
	const struct medfw_ratelimit_config cfg = {64, 3, 6}; /* 3 at once, then 1 per 10 s */
	struct medfw_ratelimit *rl = NULL;
	int64_t retry = -1;

	(void)state;
	assert_int_equal(medfw_ratelimit_new(&cfg, &rl), MEDFW_OK);
	assert_non_null(rl);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(take(rl, "192.0.2.1", 1000, &retry), 1);
		assert_int_equal(retry, 0);
	}
	assert_int_equal(take(rl, "192.0.2.1", 1000, &retry), 0);
	assert_int_equal(retry, 10);
	assert_int_equal(take(rl, "192.0.2.1", 1009, &retry), 0);
	assert_int_equal(retry, 1);
	/* another address has its own bucket */
	assert_int_equal(take(rl, "192.0.2.2", 1009, &retry), 1);
	assert_int_equal(take(rl, "192.0.2.1", 1010, &retry), 1);
	assert_int_equal(take(rl, "192.0.2.1", 1010, &retry), 0);
	/* a clock that goes back adds nothing */
	assert_int_equal(take(rl, "192.0.2.1", 500, &retry), 0);
	/* a long pause refills to the burst, not beyond */
	for (int i = 0; i < 3; i++)
		assert_int_equal(take(rl, "192.0.2.1", 100000, &retry), 1);
	assert_int_equal(take(rl, "192.0.2.1", 100000, &retry), 0);
	assert_int_equal(take(rl, "192.0.2.1", INT64_MAX, &retry), 1);
	/* invalid arguments fail closed */
	assert_int_equal(take(rl, "", 100000, &retry), 0);
	assert_int_equal(medfw_ratelimit_take(rl, NULL, 4, 100000, &retry), 0);
	assert_int_equal(medfw_ratelimit_take(NULL, "a", 1, 100000, NULL), 0);
	medfw_ratelimit_free(rl);
	medfw_ratelimit_free(NULL);
}

static void test_ratelimit_eviction(void **state)
{
	const struct medfw_ratelimit_config one_set = {8, 1, 1}; /* one set of 8 ways */
	struct medfw_ratelimit *rl = NULL;
	char key[16];

	(void)state;
	assert_int_equal(medfw_ratelimit_new(&one_set, &rl), MEDFW_OK);
	for (int i = 0; i < 8; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		assert_int_equal(take(rl, key, i, NULL), 1);
	}
	assert_int_equal(take(rl, "k0", 8, NULL), 0);   /* still tracked, now most recent */
	assert_int_equal(take(rl, "k8", 9, NULL), 1);   /* evicts k1, the least recent */
	assert_int_equal(take(rl, "k0", 10, NULL), 0);  /* k0 survived */
	assert_int_equal(take(rl, "k1", 11, NULL), 1);  /* k1 was forgotten: fresh bucket */
	assert_int_equal(take(rl, "k1", 12, NULL), 0);
	/* after a minute every bucket is full again; a new key evicts a full one and the
	 * recently limited key keeps its state */
	assert_int_equal(take(rl, "k1", 71, NULL), 1);
	assert_int_equal(take(rl, "k9", 72, NULL), 1);
	assert_int_equal(take(rl, "k1", 72, NULL), 0);
	medfw_ratelimit_free(rl);
}

static void test_ratelimit_config(void **state)
{
	struct medfw_ratelimit_config cfg = {8, 1, 1};
	struct medfw_ratelimit *rl = (struct medfw_ratelimit *)1;

	(void)state;
	cfg.entries = 7;
	assert_int_equal(medfw_ratelimit_new(&cfg, &rl), MEDFW_ERR_INVALID_ARG);
	assert_null(rl);
	cfg.entries = MEDFW_RATELIMIT_MAX_ENTRIES + 1;
	assert_int_equal(medfw_ratelimit_new(&cfg, &rl), MEDFW_ERR_INVALID_ARG);
	cfg.entries = 9; /* rounded up to 16 */
	cfg.burst = 0;
	assert_int_equal(medfw_ratelimit_new(&cfg, &rl), MEDFW_ERR_INVALID_ARG);
	cfg.burst = MEDFW_RATELIMIT_MAX_BURST + 1;
	assert_int_equal(medfw_ratelimit_new(&cfg, &rl), MEDFW_ERR_INVALID_ARG);
	cfg.burst = 1;
	cfg.refill_per_minute = 0;
	assert_int_equal(medfw_ratelimit_new(&cfg, &rl), MEDFW_ERR_INVALID_ARG);
	cfg.refill_per_minute = MEDFW_RATELIMIT_MAX_REFILL_PER_MIN;
	assert_int_equal(medfw_ratelimit_new(&cfg, &rl), MEDFW_OK);
	medfw_ratelimit_free(rl);
	cfg.burst = MEDFW_RATELIMIT_MAX_BURST;
	cfg.refill_per_minute = 1;
	assert_int_equal(medfw_ratelimit_new(&cfg, &rl), MEDFW_OK);
	assert_int_equal(take(rl, "x", INT64_MAX, NULL), 1);
	assert_int_equal(take(rl, "x", 0, NULL), 1);
	medfw_ratelimit_free(rl);
	assert_int_equal(medfw_ratelimit_new(NULL, &rl), MEDFW_ERR_INVALID_ARG);
	assert_int_equal(medfw_ratelimit_new(&cfg, NULL), MEDFW_ERR_INVALID_ARG);
}

struct hammer {
	struct medfw_ratelimit *rl;
	int allowed;
};

static void *hammer_run(void *arg)
{
	struct hammer *h = arg;

	for (int i = 0; i < 1000; i++)
		h->allowed += take(h->rl, "203.0.113.9", 42, NULL);
	return NULL;
}

static void test_ratelimit_threads(void **state)
{
	const struct medfw_ratelimit_config cfg = {1024, 1000, 1};
	struct hammer h[2];
	pthread_t th[2];
	struct medfw_ratelimit *rl = NULL;

	(void)state;
	assert_int_equal(medfw_ratelimit_new(&cfg, &rl), MEDFW_OK);
	for (int i = 0; i < 2; i++) {
		h[i].rl = rl;
		h[i].allowed = 0;
		assert_int_equal(pthread_create(&th[i], NULL, hammer_run, &h[i]), 0);
	}
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	assert_int_equal(h[0].allowed + h[1].allowed, 1000);
	medfw_ratelimit_free(rl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hmac_vectors),
		cmocka_unit_test(test_password_round_trip_production),
		cmocka_unit_test(test_password_cheap_params_and_limits),
		cmocka_unit_test(test_password_malformed),
		cmocka_unit_test(test_password_tampered),
		cmocka_unit_test(test_needs_rehash),
		cmocka_unit_test(test_password_policy),
		cmocka_unit_test(test_hotp_rfc4226),
		cmocka_unit_test(test_totp_rfc6238),
		cmocka_unit_test(test_totp_window_and_replay),
		cmocka_unit_test(test_totp_secret_and_uri),
		cmocka_unit_test(test_tokens),
		cmocka_unit_test(test_tokens_malformed),
		cmocka_unit_test(test_csrf),
		cmocka_unit_test(test_lockout_schedule),
		cmocka_unit_test(test_ratelimit_bucket),
		cmocka_unit_test(test_ratelimit_eviction),
		cmocka_unit_test(test_ratelimit_config),
		cmocka_unit_test(test_ratelimit_threads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
