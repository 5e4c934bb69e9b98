/* The bounded number parser and UTC time handling. */
#include "testutil.h"

#include "medfw/num.h"

static void test_parse_u64(void **state)
{
	uint64_t v;

	(void)state;
	assert_int_equal(medfw_parse_u64("0", 0, 10, &v), MEDFW_OK);
	assert_int_equal(v, 0);
	assert_int_equal(medfw_parse_u64("18446744073709551615", 0, UINT64_MAX, &v), MEDFW_OK);
	assert_true(v == UINT64_MAX);
	const char *bad[] = {"", "-1", "+1", " 1", "1 ", "01", "1a", "18446744073709551616",
			     "99999999999999999999999"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		v = 7;
		assert_int_equal(medfw_parse_u64(bad[i], 0, UINT64_MAX, &v), MEDFW_ERR_FIELD_VALUE);
		assert_int_equal(v, 0);
	}
	assert_int_equal(medfw_parse_u64("11", 0, 10, &v), MEDFW_ERR_FIELD_VALUE);
	assert_int_equal(medfw_parse_u64("1", 2, 10, &v), MEDFW_ERR_FIELD_VALUE);
	assert_int_equal(medfw_parse_u64(NULL, 0, 10, &v), MEDFW_ERR_FIELD_VALUE);
}

static void test_utc_time(void **state)
{
	int64_t t;
	char out[MEDFW_UTC_TIME_LEN + 1];

	(void)state;
	assert_int_equal(medfw_parse_utc_time("1970-01-01T00:00:00Z", &t), MEDFW_OK);
	assert_int_equal(t, 0);
	assert_int_equal(medfw_parse_utc_time("2030-01-01T00:00:00Z", &t), MEDFW_OK);
	assert_int_equal(t, 1893456000);
	assert_int_equal(medfw_parse_utc_time("2024-02-29T23:59:59Z", &t), MEDFW_OK);
	assert_int_equal(medfw_format_utc_time(t, out, sizeof(out)), MEDFW_OK);
	assert_string_equal(out, "2024-02-29T23:59:59Z");
	assert_int_equal(medfw_format_utc_time(1893456000, out, sizeof(out)), MEDFW_OK);
	assert_string_equal(out, "2030-01-01T00:00:00Z");
	const char *bad[] = {"2023-02-29T00:00:00Z", "2030-01-01T00:00:00", "2030-01-01 00:00:00Z",
			     "2030-13-01T00:00:00Z", "2030-01-01T24:00:00Z", "2030-01-01T00:00:00+01:00",
			     "2030-1-01T00:00:00Z", "", "2030-01-01T00:00:00.5Z"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		t = 5;
		assert_int_equal(medfw_parse_utc_time(bad[i], &t), MEDFW_ERR_FIELD_VALUE);
		assert_int_equal(t, 0);
	}
	/* round trip over a spread of times */
	for (int64_t x = 0; x < 4102444800; x += 86400 * 37 + 3671) {
		assert_int_equal(medfw_format_utc_time(x, out, sizeof(out)), MEDFW_OK);
		assert_int_equal(medfw_parse_utc_time(out, &t), MEDFW_OK);
		assert_int_equal(t, x);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_u64),
		cmocka_unit_test(test_utc_time),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
