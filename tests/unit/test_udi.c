/* UDI-DI validation: GS1 GTIN-14 check digit, HIBCC mod-43 check character. */
#include "testutil.h"

#include <string.h>

#include "medfw/udi.h"

static void test_gs1_check_digit(void **state)
{
	(void)state;
	assert_int_equal(medfw_udi_gs1_check_digit("0950600013435", 13), '2');
	assert_int_equal(medfw_udi_gs1_check_digit("0061414112345", 13), '2');
	assert_int_equal(medfw_udi_gs1_check_digit("0003600029145", 13), '2');
	assert_int_equal(medfw_udi_gs1_check_digit("0088452106241", 13), '5');
	assert_int_equal(medfw_udi_gs1_check_digit("00884521062a1", 13), 0);
	assert_int_equal(medfw_udi_gs1_check_digit("", 0), 0);
}

static void test_hibcc_check_char(void **state)
{
	(void)state;
	assert_int_equal(medfw_udi_hibcc_check_char("+A123BJC5D6E71", 14), 'G');
	assert_int_equal(medfw_udi_hibcc_check_char("+a123", 5), 0);
	assert_int_equal(medfw_udi_hibcc_check_char("", 0), 0);
	/* sum("+A1231") = 41+10+1+2+3+1 = 58 -> 58 mod 43 = 15 -> 'F' */
	assert_int_equal(medfw_udi_hibcc_check_char("+A1231", 6), 'F');
}

static void expect_bad(const char *udi, const char *needle)
{
	struct medfw_diag d;
	enum medfw_udi_agency agency = MEDFW_UDI_GS1;

	medfw_diag_clear(&d);
	assert_int_equal(medfw_udi_di_validate(udi, &agency, &d), MEDFW_ERR_FIELD_VALUE);
	assert_int_equal(agency, MEDFW_UDI_NONE);
	if (strstr(d.msg, needle) == NULL)
		fail_msg("\"%s\": message \"%s\" lacks \"%s\"", udi, d.msg, needle);
}

static void test_validate(void **state)
{
	enum medfw_udi_agency agency = MEDFW_UDI_NONE;

	(void)state;
	assert_int_equal(medfw_udi_di_validate("09506000134352", &agency, NULL), MEDFW_OK);
	assert_int_equal(agency, MEDFW_UDI_GS1);
	assert_int_equal(medfw_udi_di_validate("00614141123452", &agency, NULL), MEDFW_OK);
	assert_int_equal(medfw_udi_di_validate("+A123BJC5D6E71G", &agency, NULL), MEDFW_OK);
	assert_int_equal(agency, MEDFW_UDI_HIBCC);
	assert_int_equal(medfw_udi_di_validate("+A1231F", NULL, NULL), MEDFW_ERR_FIELD_VALUE);
	assert_int_equal(medfw_udi_di_validate("+A12311F", &agency, NULL), MEDFW_ERR_FIELD_VALUE);
	assert_int_equal(medfw_udi_di_validate(NULL, &agency, NULL), MEDFW_ERR_INVALID_ARG);

	expect_bad("00884521062412", "check digit is 2, expected 5");
	expect_bad("09506000134353", "check digit");
	expect_bad("9506000134352", "exactly 14 digits");
	expect_bad("0950600013435X", "only digits");
	expect_bad("+A123BJC5D6E71H", "check character is 'H', expected 'G'");
	expect_bad("+a123BJC5D6E71G", "uppercase letter");
	expect_bad("+A123bJC5D6E71G", "A-Z and 0-9");
	expect_bad("+A123BJC5D6E7XG", "unit-of-measure");
	expect_bad("+A12", "8 to 25 characters");
	expect_bad("+A123456789012345678901234", "8 to 25 characters");
	expect_bad("", "not a UDI-DI");
	expect_bad("=/A9999XYZ100T0944", "not a UDI-DI");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gs1_check_digit),
		cmocka_unit_test(test_hibcc_check_char),
		cmocka_unit_test(test_validate),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
