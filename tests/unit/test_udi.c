/* UDI-DI validation: GS1 GTIN-14 check digit, HIBCC mod-43 check character. */
#include "testutil.h"

#include <stdio.h>
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

/* ---- full UDI strings ---- */

static void parse_ok(const char *udi, size_t len, unsigned year, struct medfw_udi *u)
{
	struct medfw_diag d;

	medfw_diag_clear(&d);
	if (medfw_udi_parse(udi, len, year, u, &d) != MEDFW_OK)
		fail_msg("\"%s\": %s", udi, d.msg);
}

static void parse_bad(const char *udi, enum medfw_err want, const char *needle)
{
	struct medfw_udi u;
	struct medfw_diag d;
	enum medfw_err err;

	medfw_diag_clear(&d);
	memset(&u, 0x77, sizeof(u));
	err = medfw_udi_parse(udi, strlen(udi), 2025, &u, &d);
	if (err != want)
		fail_msg("\"%s\": expected %s, got %s (%s)", udi, medfw_err_name(want),
			 medfw_err_name(err), d.msg);
	tu_assert_zeroed(&u, sizeof(u));
	if (needle != NULL && strstr(d.msg, needle) == NULL)
		fail_msg("\"%s\": message \"%s\" lacks \"%s\"", udi, d.msg, needle);
}

static void test_gs1_hri(void **state)
{
	struct medfw_udi u;
	const char *s;

	(void)state;
	/* the domain notes' HRI example */
	s = "(01)09506000134352(17)271231(10)ABC123(21)SN0001";
	parse_ok(s, strlen(s), 2025, &u);
	assert_int_equal(u.agency, MEDFW_UDI_GS1);
	assert_string_equal(u.di, "09506000134352");
	assert_true(u.has_expiry && u.has_lot && u.has_serial && !u.has_manufacture);
	assert_int_equal(u.expiry.year, 2027);
	assert_int_equal(u.expiry.month, 12);
	assert_int_equal(u.expiry.day, 31);
	assert_string_equal(u.lot, "ABC123");
	assert_string_equal(u.serial, "SN0001");

	/* DD=00: the whole month, i.e. its last day (2028 is a leap year) */
	s = "(01)00614141123452(11)240115(17)280200(10)LOT-1/(A)(8012)v2.1.0";
	parse_ok(s, strlen(s), 2025, &u);
	assert_int_equal(u.expiry.year, 2028);
	assert_int_equal(u.expiry.month, 2);
	assert_int_equal(u.expiry.day, 29);
	assert_int_equal(u.expiry.day_given, 0);
	assert_int_equal(u.manufacture.year, 2024);
	assert_int_equal(u.manufacture.day, 15);
	assert_int_equal(u.manufacture.day_given, 1);
	assert_string_equal(u.lot, "LOT-1/(A)"); /* '(' not followed by a known AI stays */
	assert_string_equal(u.software_version, "v2.1.0");

	/* count, additional id, 7003 */
	s = "(01)00036000291452(30)12(240)PART-7(7003)2512312359";
	parse_ok(s, strlen(s), 2025, &u);
	assert_int_equal(u.quantity, 12);
	assert_string_equal(u.additional_id, "PART-7");
	assert_int_equal(u.expiry.hour, 23);
	assert_int_equal(u.expiry.minute, 59);
}

static void test_gs1_machine(void **state)
{
	struct medfw_udi u;
	static const char m1[] = "0109506000134352172712311" "0ABC123\x1d" "21SN0001";
	static const char m2[] = "]d2\x1d" "0109506000134352" "10ABC123\x1d" "17271231";
	static const char m3[] = "]C1" "21SN\x1d" "0109506000134352";
	static const char m4[] = "0109506000134352\x1d" "17271231";

	(void)state;
	parse_ok(m1, sizeof(m1) - 1, 2025, &u);
	assert_string_equal(u.di, "09506000134352");
	assert_string_equal(u.lot, "ABC123");
	assert_string_equal(u.serial, "SN0001");
	assert_int_equal(u.expiry.year, 2027);
	parse_ok(m2, sizeof(m2) - 1, 2025, &u);
	assert_string_equal(u.lot, "ABC123");
	assert_int_equal(u.expiry.day, 31);
	parse_ok(m3, sizeof(m3) - 1, 2025, &u);
	assert_string_equal(u.serial, "SN");
	parse_ok(m4, sizeof(m4) - 1, 2025, &u); /* GS after a fixed field tolerated */
	/* GTIN only is a UDI without PI */
	parse_ok("0100614141123452", 16, 2025, &u);
	assert_false(u.has_lot || u.has_serial || u.has_expiry);
}

static void test_gs1_century(void **state)
{
	struct medfw_udi u;

	(void)state;
	/* d = YY - (current mod 100): >= 51 previous century, <= -50 next century */
	parse_ok("(01)09506000134352(17)750101", 28, 2025, &u);
	assert_int_equal(u.expiry.year, 2075); /* d = 50 */
	parse_ok("(01)09506000134352(17)760101", 28, 2025, &u);
	assert_int_equal(u.expiry.year, 1976); /* d = 51 */
	parse_ok("(01)09506000134352(17)400101", 28, 2090, &u);
	assert_int_equal(u.expiry.year, 2140); /* d = -50: next century, not 1940 */
	parse_ok("(01)09506000134352(17)410101", 28, 2090, &u);
	assert_int_equal(u.expiry.year, 2041); /* d = -49 */
	parse_ok("(01)09506000134352(17)000229", 28, 2025, &u);
	assert_int_equal(u.expiry.year, 2000);
}

static void test_gs1_bad(void **state)
{
	char big[MEDFW_UDI_MAX_LEN + 20];

	(void)state;
	parse_bad("(01)09506000134353(17)271231", MEDFW_ERR_FIELD_VALUE,
		  "(01) GTIN check digit is 3, expected 2");
	parse_bad("(01)00884521062412", MEDFW_ERR_FIELD_VALUE, "expected 5");
	parse_bad("0109506000134353", MEDFW_ERR_FIELD_VALUE, "check digit");
	parse_bad("010950600013435", MEDFW_ERR_TRUNCATED, "(01) GTIN is cut off");
	parse_bad("0109506000134352171231", MEDFW_ERR_TRUNCATED, "(17)");
	parse_bad("01095060001343521", MEDFW_ERR_TRUNCATED, NULL);
	parse_bad("(01)0950600013435", MEDFW_ERR_TRUNCATED, "(01) GTIN has 13");
	parse_bad("(01)09506000134352(17)2712", MEDFW_ERR_TRUNCATED, "(17)");
	parse_bad("(01)09506000134352(17", MEDFW_ERR_FIELD_VALUE, "(01) GTIN is longer");
	parse_bad("(01)09506000134352(99)X", MEDFW_ERR_FIELD_VALUE, "unsupported AI (99)");
	parse_bad("010950600013435299ABC", MEDFW_ERR_FIELD_VALUE, "starting with 99");
	parse_bad("(01)09506000134352(10)ABCDEFGHIJKLMNOPQRSTU", MEDFW_ERR_TOO_LARGE,
		  "(10) lot is longer than 20");
	parse_bad("(01)09506000134352(21)ABCDEFGHIJKLMNOPQRSTU", MEDFW_ERR_TOO_LARGE, "(21)");
	parse_bad("(01)09506000134352(17)271301", MEDFW_ERR_FIELD_VALUE, "(17) expiry date: month 13");
	parse_bad("(01)09506000134352(17)270230", MEDFW_ERR_FIELD_VALUE, "day 30 does not exist");
	parse_bad("(01)09506000134352(11)270132", MEDFW_ERR_FIELD_VALUE, "(11) production date");
	parse_bad("(01)09506000134352(17)27123A", MEDFW_ERR_FIELD_VALUE, "digits only");
	parse_bad("(01)09506000134352(7003)2512002359", MEDFW_ERR_FIELD_VALUE, "day 00");
	parse_bad("(01)09506000134352(7003)2512312460", MEDFW_ERR_FIELD_VALUE, "time");
	parse_bad("(01)09506000134352(10)AB C", MEDFW_ERR_FIELD_VALUE, "82-character set");
	parse_bad("(01)09506000134352(10)AB#", MEDFW_ERR_FIELD_VALUE, "(10) lot: character 3");
	parse_bad("(01)09506000134352(10)A\x1d" "B", MEDFW_ERR_FIELD_VALUE, "82-character");
	parse_bad("(01)09506000134352(10)", MEDFW_ERR_FIELD_VALUE, "(10) lot has 0");
	parse_bad("(01)09506000134352(10)A(10)B", MEDFW_ERR_FIELD_VALUE, "appears twice");
	parse_bad("(01)09506000134352(17)271231(7003)2512312359", MEDFW_ERR_FIELD_VALUE,
		  "both give an expiry");
	parse_bad("(10)ABC(21)X", MEDFW_ERR_FIELD_MISSING, "no (01) GTIN");
	parse_bad("0109506000134352" "10ABC\x1d", MEDFW_ERR_FIELD_VALUE, "separator at the end");
	parse_bad("0109506000134352" "10ABC\x1d\x1d" "21X", MEDFW_ERR_FIELD_VALUE, NULL);
	parse_bad("]X9" "0109506000134352", MEDFW_ERR_FIELD_VALUE, "symbology");
	parse_bad("\x1d", MEDFW_ERR_TRUNCATED, NULL);
	parse_bad("(0109506000134352", MEDFW_ERR_FIELD_VALUE, NULL);
	parse_bad("", MEDFW_ERR_FIELD_VALUE, "empty");
	parse_bad("=/A9999XYZ100T0944", MEDFW_ERR_FIELD_VALUE, "ICCBBA");
	memset(big, '1', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	parse_bad(big, MEDFW_ERR_TOO_LARGE, "longer than 256");
	assert_int_equal(medfw_udi_parse("0100614141123452", 16, 1900, &(struct medfw_udi){0},
					 NULL),
			 MEDFW_ERR_INVALID_ARG);
}

static void test_hibcc(void **state)
{
	struct medfw_udi u;
	const char *s;

	(void)state;
	/* primary only: the domain notes' example */
	s = "+A123BJC5D6E71G";
	parse_ok(s, strlen(s), 2025, &u);
	assert_int_equal(u.agency, MEDFW_UDI_HIBCC);
	assert_string_equal(u.di, "+A123BJC5D6E71G");
	assert_string_equal(u.hibcc_lic, "A123");
	assert_string_equal(u.hibcc_pcn, "BJC5D6E7");
	assert_int_equal(u.hibcc_unit, '1');
	/* the HIBC supplier labeling standard's concatenated example: $$5 = YYJJJ */
	s = "+A99912345/$$52001510X33";
	parse_ok(s, strlen(s), 2025, &u);
	assert_string_equal(u.di, "+A999123457");
	assert_string_equal(u.hibcc_pcn, "1234");
	assert_int_equal(u.hibcc_unit, '5');
	assert_string_equal(u.lot, "10X3");
	assert_int_equal(u.expiry.year, 2020);
	assert_int_equal(u.expiry.month, 1);
	assert_int_equal(u.expiry.day, 15);
	/* DI of the concatenated form agrees with the UDI-DI validator */
	assert_int_equal(medfw_udi_di_validate(u.di, NULL, NULL), MEDFW_OK);

	s = "+A99912345/$10X3.";
	parse_ok(s, strlen(s), 2025, &u);
	assert_string_equal(u.lot, "10X3");
	assert_false(u.has_expiry);
	s = "+A99912345/$+SN123C";
	parse_ok(s, strlen(s), 2025, &u);
	assert_string_equal(u.serial, "SN123");
	assert_false(u.has_lot);
	s = "+A99912345/$$3251231LOT56";
	parse_ok(s, strlen(s), 2025, &u);
	assert_string_equal(u.lot, "LOT5");
	assert_int_equal(u.expiry.year, 2025);
	assert_int_equal(u.expiry.month, 12);
	assert_int_equal(u.expiry.day, 31);
	s = "+A99912345/$$+3251231SER93";
	parse_ok(s, strlen(s), 2025, &u);
	assert_string_equal(u.serial, "SER9");
	s = "+A99912345/$$0727LOT11"; /* MMYY: 07/2027, last day */
	parse_ok(s, strlen(s), 2025, &u);
	assert_int_equal(u.expiry.month, 7);
	assert_int_equal(u.expiry.year, 2027);
	assert_int_equal(u.expiry.day, 31);
	assert_string_equal(u.lot, "LOT1");
	s = "+A99912345/$$8053251231LOT2G"; /* quantity 05, then $$3 date */
	parse_ok(s, strlen(s), 2025, &u);
	assert_int_equal(u.quantity, 5);
	assert_int_equal(u.expiry.day, 31);
	assert_string_equal(u.lot, "LOT2");
	s = "+A99912345/$$7LOT7/16D20240115/SSN77Y"; /* no expiry, supplemental fields */
	parse_ok(s, strlen(s), 2025, &u);
	assert_false(u.has_expiry);
	assert_string_equal(u.lot, "LOT7");
	assert_int_equal(u.manufacture.year, 2024);
	assert_int_equal(u.manufacture.day, 15);
	assert_string_equal(u.serial, "SN77");
	s = "+A99912345/24366LOT8L"; /* legacy YYJJJ: 2024 is a leap year, day 366 */
	parse_ok(s, strlen(s), 2025, &u);
	assert_int_equal(u.expiry.month, 12);
	assert_int_equal(u.expiry.day, 31);
	s = "+A99912345/$$4251231236LOT4H"; /* YYMMDDHH */
	parse_ok(s, strlen(s), 2025, &u);
	assert_int_equal(u.expiry.hour, 23);
	assert_string_equal(u.lot, "6LOT4");
}

static void test_hibcc_bad(void **state)
{
	(void)state;
	parse_bad("+A99912345/$$52001510X34", MEDFW_ERR_FIELD_VALUE,
		  "HIBCC check character is '4', expected '3'");
	parse_bad("+A99912345/$$52001510X3", MEDFW_ERR_FIELD_VALUE, "check character");
	parse_bad("+A99912345/$$52001510x33", MEDFW_ERR_FIELD_VALUE, "Code 39");
	parse_bad("+A9991", MEDFW_ERR_TRUNCATED, "at least 8");
	/* secondary errors name the field; each below has a correct check character */
	const char *bodies[][3] = {
		{"+A99912345/$$3251301LOT", "FIELD_VALUE", "month 13"},
		{"+A99912345/$$5253660X", "FIELD_VALUE", "day of year 366"},
		{"+A99912345/$$325", "TRUNCATED", "needs 6 digits"},
		{"+A99912345/$", "FIELD_VALUE", "lot is empty"},
		{"+A99912345/$ABCDEFGHIJKLMNOPQRS", "TOO_LARGE", "lot is longer than 18"},
		{"+A99912345/$AB.C", "FIELD_VALUE", "A-Z and 0-9"},
		{"+A99912345/$$", "TRUNCATED", "after \"$$\""},
		{"+A99912345/$$A", "FIELD_VALUE", "after \"$$\""},
		{"+A99912345/X1", "FIELD_VALUE", "must start with"},
		{"+A99912345/$L1/Z9", "FIELD_VALUE", "supplemental"},
		{"+A99912345/$L1/14D2025", "TRUNCATED", "YYYYMMDD"},
		{"+A99912345/$$3251231L1/14D20251231", "FIELD_VALUE", "expiry date given twice"},
		{"+A99912345/$+S1/SS2", "FIELD_VALUE", "serial number given twice"},
		{"+A99912345/$$8X0", "FIELD_VALUE", "quantity"},
		{"+A99912345/", "FIELD_VALUE", "secondary data is empty"},
		{"+H123ABC01234567890D", "FIELD_VALUE", "unit of measure"},
		{"+199912345", "FIELD_VALUE", "uppercase letter"},
		{"+A123456789012345678901234/$LOT9", "FIELD_VALUE", "primary data has 25"},
		{"+A123B$C5", "FIELD_VALUE", "A-Z and 0-9 (character 7"},
	};
	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		char buf[64], want[40];
		size_t n = strlen(bodies[i][0]);

		memcpy(buf, bodies[i][0], n);
		buf[n] = medfw_udi_hibcc_check_char(buf, n);
		buf[n + 1] = '\0';
		snprintf(want, sizeof(want), "MEDFW_ERR_%s", bodies[i][1]);
		{
			struct medfw_udi u;
			struct medfw_diag d;
			enum medfw_err err;

			medfw_diag_clear(&d);
			err = medfw_udi_parse(buf, n + 1, 2025, &u, &d);
			if (strcmp(medfw_err_name(err), want) != 0 || strstr(d.msg, bodies[i][2]) == NULL)
				fail_msg("\"%s\": %s \"%s\"", buf, medfw_err_name(err), d.msg);
			tu_assert_zeroed(&u, sizeof(u));
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gs1_check_digit),
		cmocka_unit_test(test_hibcc_check_char),
		cmocka_unit_test(test_validate),
		cmocka_unit_test(test_gs1_hri),
		cmocka_unit_test(test_gs1_machine),
		cmocka_unit_test(test_gs1_century),
		cmocka_unit_test(test_gs1_bad),
		cmocka_unit_test(test_hibcc),
		cmocka_unit_test(test_hibcc_bad),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
