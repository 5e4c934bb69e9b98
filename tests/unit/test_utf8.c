/* The one UTF-8 decoder: valid sequences, and every kind of invalid one. */
#include "testutil.h"

#include "medfw/utf8.h"

static void test_decode(void **state)
{
	struct {
		const char *bytes;
		size_t len;
		size_t want_len;
		uint32_t want_cp;
	} cases[] = {
		{"A", 1, 1, 0x41},
		{"\xc3\xa9", 2, 2, 0xe9},
		{"\xe2\x82\xac", 3, 3, 0x20ac},
		{"\xf0\x9f\x92\x89", 4, 4, 0x1f489},
		{"\xf4\x8f\xbf\xbf", 4, 4, 0x10ffff},
		{"", 0, 0, 0},
		{"\xc0\x80", 2, 0, 0},         /* overlong NUL */
		{"\xe0\x80\xaf", 3, 0, 0},     /* overlong '/' */
		{"\xed\xa0\x80", 3, 0, 0},     /* surrogate */
		{"\xf4\x90\x80\x80", 4, 0, 0}, /* above U+10FFFF */
		{"\xe2\x82", 2, 0, 0},         /* truncated */
		{"\xe2\x82\x41", 3, 0, 0},     /* bad continuation */
		{"\x80", 1, 0, 0},             /* lone continuation */
		{"\xff", 1, 0, 0},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint32_t cp = 7;
		size_t n = medfw_utf8_decode((const uint8_t *)cases[i].bytes, cases[i].len, &cp);

		if (n != cases[i].want_len || cp != cases[i].want_cp)
			fail_msg("case %zu: got length %zu cp U+%04X", i, n, (unsigned)cp);
	}
}

static void test_valid(void **state)
{
	(void)state;
	assert_true(medfw_utf8_valid((const uint8_t *)"caf\xc3\xa9 \xe2\x82\xac", 9));
	assert_true(medfw_utf8_valid((const uint8_t *)"", 0));
	assert_true(medfw_utf8_valid((const uint8_t *)"a\0b", 3));
	assert_false(medfw_utf8_valid((const uint8_t *)"caf\xc3", 4));
	assert_false(medfw_utf8_valid((const uint8_t *)"\xed\xbf\xbf", 3));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_valid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
