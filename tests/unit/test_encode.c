/* Encodings: RFC 4648 test vectors, round trips of every length, strict decoding
 * (padding, whitespace, bad characters, impossible lengths, non-zero unused bits),
 * capacities and cleared outputs. */
#include "testutil.h"

#include <string.h>

#include "medfw/encode.h"

struct vector {
	const char *plain;
	const char *base32;
	const char *base64;
};

/* RFC 4648 section 10, padding removed. */
static const struct vector RFC4648[] = {
	{"", "", ""},
	{"f", "MY", "Zg"},
	{"fo", "MZXQ", "Zm8"},
	{"foo", "MZXW6", "Zm9v"},
	{"foob", "MZXW6YQ", "Zm9vYg"},
	{"fooba", "MZXW6YTB", "Zm9vYmE"},
	{"foobar", "MZXW6YTBOI", "Zm9vYmFy"},
};

static void test_rfc4648_vectors(void **state)
{
	char text[64];
	uint8_t bin[64];
	size_t n = 99;

	(void)state;
	for (size_t i = 0; i < sizeof(RFC4648) / sizeof(RFC4648[0]); i++) {
		const struct vector *v = &RFC4648[i];
		size_t len = strlen(v->plain);

		assert_int_equal(medfw_base32_encode((const uint8_t *)v->plain, len, text,
						     sizeof(text)), MEDFW_OK);
		assert_string_equal(text, v->base32);
		assert_int_equal(strlen(text), MEDFW_BASE32_LEN(len));
		assert_int_equal(medfw_base64_nopad_encode((const uint8_t *)v->plain, len, text,
							   sizeof(text)), MEDFW_OK);
		assert_string_equal(text, v->base64);
		assert_int_equal(strlen(text), MEDFW_BASE64_LEN(len));
		assert_int_equal(medfw_base64url_encode((const uint8_t *)v->plain, len, text,
							sizeof(text)), MEDFW_OK);
		assert_string_equal(text, v->base64);

		assert_int_equal(medfw_base32_decode(v->base32, strlen(v->base32), bin,
						     sizeof(bin), &n), MEDFW_OK);
		assert_int_equal(n, len);
		assert_memory_equal(bin, v->plain, len);
		assert_int_equal(medfw_base64_nopad_decode(v->base64, strlen(v->base64), bin,
							   sizeof(bin), &n), MEDFW_OK);
		assert_int_equal(n, len);
		assert_memory_equal(bin, v->plain, len);
	}
}

static void test_alphabets_differ(void **state)
{
	const uint8_t data[] = {0xfb, 0xff, 0xbf};
	char text[16];
	uint8_t bin[8];
	size_t n = 0;

	(void)state;
	assert_int_equal(medfw_base64url_encode(data, sizeof(data), text, sizeof(text)), MEDFW_OK);
	assert_string_equal(text, "-_-_");
	assert_int_equal(medfw_base64_nopad_encode(data, sizeof(data), text, sizeof(text)),
			 MEDFW_OK);
	assert_string_equal(text, "+/+/");
	assert_int_equal(medfw_base64url_decode("-_-_", 4, bin, sizeof(bin), &n), MEDFW_OK);
	assert_int_equal(n, 3);
	assert_memory_equal(bin, data, 3);
	/* each alphabet refuses the other's two extra characters */
	assert_int_equal(medfw_base64url_decode("+/+/", 4, bin, sizeof(bin), &n),
			 MEDFW_ERR_FIELD_VALUE);
	assert_int_equal(medfw_base64_nopad_decode("-_-_", 4, bin, sizeof(bin), &n),
			 MEDFW_ERR_FIELD_VALUE);
	/* base32 accepts lowercase, base64 is case-sensitive by nature */
	assert_int_equal(medfw_base32_decode("mzxw6ytboi", 10, bin, sizeof(bin), &n), MEDFW_OK);
	assert_int_equal(n, 6);
	assert_memory_equal(bin, "foobar", 6);
}

static void test_round_trip_every_length(void **state)
{
	uint8_t data[67], back[67];
	char text[128];
	size_t n;

	(void)state;
	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 37u + 11u);
	for (size_t len = 0; len <= sizeof(data); len++) {
		assert_int_equal(medfw_base32_encode(data, len, text, sizeof(text)), MEDFW_OK);
		assert_int_equal(medfw_base32_decode(text, strlen(text), back, sizeof(back), &n),
				 MEDFW_OK);
		assert_int_equal(n, len);
		assert_memory_equal(back, data, len);
		assert_int_equal(medfw_base64url_encode(data, len, text, sizeof(text)), MEDFW_OK);
		assert_int_equal(medfw_base64url_decode(text, strlen(text), back, sizeof(back),
							&n), MEDFW_OK);
		assert_int_equal(n, len);
		assert_memory_equal(back, data, len);
	}
}

static void expect_bad32(const char *s)
{
	uint8_t out[32];
	size_t n = 77;

	memset(out, 0xaa, sizeof(out));
	assert_int_equal(medfw_base32_decode(s, strlen(s), out, sizeof(out), &n),
			 MEDFW_ERR_FIELD_VALUE);
	assert_int_equal(n, 0);
	tu_assert_zeroed(out, sizeof(out));
}

static void expect_bad64(const char *s)
{
	uint8_t out[32];
	size_t n = 77;

	memset(out, 0xaa, sizeof(out));
	assert_int_equal(medfw_base64url_decode(s, strlen(s), out, sizeof(out), &n),
			 MEDFW_ERR_FIELD_VALUE);
	assert_int_equal(n, 0);
	tu_assert_zeroed(out, sizeof(out));
}

static void test_invalid_input(void **state)
{
	uint8_t out[4];
	size_t n = 5;

	(void)state;
	expect_bad32("MZXW6YTBOI======");  /* padding */
	expect_bad32("MZXW 6YTB");         /* whitespace */
	expect_bad32("MZXW1YTB");          /* 1 is not base32 */
	expect_bad32("MZXW8YTB");          /* nor 8 */
	expect_bad32("M");                 /* impossible lengths: 1, 3, 6 */
	expect_bad32("MZX");
	expect_bad32("MZXW6Y");
	expect_bad32("MZ");                /* unused bits set ("f" is MY) */
	expect_bad32("MZXR");
	expect_bad64("Zm9vYg==");
	expect_bad64("Zm9v\nYg");
	expect_bad64("Z");
	expect_bad64("Zm9vY");
	expect_bad64("Zh");                /* "f" is Zg */
	expect_bad64("Zm9");               /* "fo" is Zm8 */
	expect_bad64("Zm9v.g");
	/* an embedded NUL is a bad character, not an end */
	assert_int_equal(medfw_base64url_decode("Zm\0v", 4, out, sizeof(out), &n),
			 MEDFW_ERR_FIELD_VALUE);
	assert_int_equal(n, 0);
	/* high bytes */
	expect_bad64("Zm\xc3\xa9");
}

static void test_capacity_and_args(void **state)
{
	char text[8];
	uint8_t out[2];
	size_t n = 5;

	(void)state;
	/* "foob" is 6 base64 chars: needs 7 bytes with the NUL */
	assert_int_equal(medfw_base64url_encode((const uint8_t *)"foob", 4, text, 6),
			 MEDFW_ERR_TOO_LARGE);
	tu_assert_zeroed(text, 6);
	assert_int_equal(medfw_base64url_encode((const uint8_t *)"foob", 4, text, 7), MEDFW_OK);
	assert_int_equal(medfw_base32_encode((const uint8_t *)"foo", 3, text, 5),
			 MEDFW_ERR_TOO_LARGE);
	assert_int_equal(medfw_base64url_decode("Zm9v", 4, out, sizeof(out), &n),
			 MEDFW_ERR_TOO_LARGE);
	assert_int_equal(n, 0);
	tu_assert_zeroed(out, sizeof(out));
	assert_int_equal(medfw_base64url_decode(NULL, 4, out, sizeof(out), &n),
			 MEDFW_ERR_INVALID_ARG);
	assert_int_equal(medfw_base64url_decode("Zm9v", 4, out, sizeof(out), NULL),
			 MEDFW_ERR_INVALID_ARG);
	assert_int_equal(medfw_base32_encode(NULL, 1, text, sizeof(text)), MEDFW_ERR_INVALID_ARG);
	assert_int_equal(medfw_base32_encode(NULL, 0, text, sizeof(text)), MEDFW_OK);
	assert_string_equal(text, "");
	assert_int_equal(medfw_base32_decode("", 0, NULL, 0, &n), MEDFW_OK);
	assert_int_equal(n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc4648_vectors),
		cmocka_unit_test(test_alphabets_differ),
		cmocka_unit_test(test_round_trip_every_length),
		cmocka_unit_test(test_invalid_input),
		cmocka_unit_test(test_capacity_and_args),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
