/* CVSS: the worked examples of FIRST's "CVSS v3.1 Examples" document and of the
 * CVSS v2 guide (section 3.3), the temporal and environmental equations, both
 * Roundup definitions, v4.0 validation, the JSON property cross-check and the
 * rejection of malformed vectors. */
#include "testutil.h"

#include <string.h>

#include "medfw/cvss.h"

struct example {
	const char *name;
	const char *vector;
	int base, temporal, environmental; /* tenths; -2: not checked */
};

/* FIRST, "Common Vulnerability Scoring System v3.1: Examples" (base scores). */
static const struct example v31_examples[] = {
	{"CVE-2013-1937 phpMyAdmin reflected XSS", "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N", 61, -2, -2},
	{"CVE-2013-0375 MySQL stored SQL injection", "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N", 64, -2, -2},
	{"CVE-2014-3566 SSLv3 POODLE", "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N", 31, -2, -2},
	{"CVE-2012-1516 VMware guest to host escape", "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H", 99, -2, -2},
	{"CVE-2009-0783 Apache Tomcat XML parser", "CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:U/C:L/I:L/A:L", 42, -2, -2},
	{"CVE-2012-0384 Cisco IOS command execution", "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H", 88, -2, -2},
	{"CVE-2015-1098 Apple iWork denial of service", "CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", 78, -2, -2},
	{"CVE-2014-0160 OpenSSL Heartbleed", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N", 75, -2, -2},
	{"CVE-2014-6271 GNU Bash Shellshock", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 98, -2, -2},
	{"CVE-2008-1447 DNS Kaminsky bug", "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:C/C:N/I:H/A:N", 68, -2, -2},
	{"CVE-2014-2005 Sophos login screen bypass", "CVSS:3.1/AV:P/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 68, -2, -2},
	{"CVE-2010-0467 Joomla directory traversal", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:L/I:N/A:N", 58, -2, -2},
	{"CVE-2012-1342 Cisco access control bypass", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:N/I:L/A:N", 58, -2, -2},
	{"CVE-2013-6014 Juniper proxy ARP DoS", "CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:C/C:H/I:N/A:H", 93, -2, -2},
	{"CVE-2014-9253 DokuWiki reflected XSS", "CVSS:3.1/AV:N/AC:L/PR:L/UI:R/S:C/C:L/I:L/A:N", 54, -2, -2},
	{"CVE-2009-0658 Adobe Acrobat buffer overflow", "CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", 78, -2, -2},
	{"CVE-2011-1265 Windows Bluetooth RCE", "CVSS:3.1/AV:A/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", 88, -2, -2},
	{"CVE-2014-2019 Apple iOS security control bypass", "CVSS:3.1/AV:P/AC:L/PR:N/UI:N/S:U/C:N/I:H/A:N", 46, -2, -2},
	{"CVE-2015-0970 SearchBlox CSRF", "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", 88, -2, -2},
	{"CVE-2014-0224 OpenSSL CCS injection", "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:N", 74, -2, -2},
	{"CVE-2012-5376 Chrome sandbox bypass", "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:H/I:H/A:H", 96, -2, -2},
	{"CVE-2016-1645 Chrome PDFium JPEG 2000", "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H", 88, -2, -2},
	{"CVE-2016-0128 Badlock", "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:H/I:H/A:N", 68, -2, -2},
};

/* Temporal and environmental scores, from the v3.1 / v3.0 equations evaluated by
 * hand (and with FIRST's calculator): Roundup applied at each step. */
static const struct example v3_equations[] = {
	{"Heartbleed, official fix", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N/E:H/RL:O/RC:C", 75, 72, 72},
	{"Shellshock, functional exploit", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:F/RL:O/RC:C", 98, 91, 91},
	{"modified impact none", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H/MC:N/MI:N/MA:N", 100, 100, 0},
	/* v3.1 ModifiedImpact for a changed scope uses (MISS x 0.9731 - 0.02)^13 */
	{"v3.1 scope changed, no environmental metric", "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H", 99, 99, 100},
	{"v3.1 environmental", "CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H/CR:H/IR:L/AR:M/MAV:A/MS:U/E:P", 99, 94, 76},
	{"v3.0 environmental", "CVSS:3.0/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H/CR:H/IR:L/AR:M/MAV:A/E:P", 99, 94, 85},
	{"v3.0 base (CSAF 6.1.8)", "CVSS:3.0/AV:L/AC:L/PR:H/UI:R/S:U/C:H/I:H/A:H", 65, 65, 65},
	{"metrics in another order", "CVSS:3.1/A:H/I:H/C:H/S:U/UI:N/PR:N/AC:L/AV:N", 98, 98, 98},
};

/* CVSS v2 guide, section 3.3.x: CVE-2002-0392, CVE-2003-0818, CVE-2003-0062. */
static const struct example v2_examples[] = {
	{"CVE-2002-0392 Apache chunked encoding",
	 "AV:N/AC:L/Au:N/C:N/I:N/A:C/E:F/RL:OF/RC:C/CDP:H/TD:H/CR:M/IR:M/AR:H", 78, 64, 92},
	{"CVE-2003-0818 Microsoft Windows ASN.1",
	 "AV:N/AC:L/Au:N/C:C/I:C/A:C/E:F/RL:OF/RC:C/CDP:H/TD:H/CR:M/IR:M/AR:L", 100, 83, 90},
	{"CVE-2003-0062 NOD32 buffer overflow",
	 "AV:L/AC:H/Au:N/C:C/I:C/A:C/E:POC/RL:OF/RC:C/CDP:H/TD:H/CR:M/IR:M/AR:M", 62, 49, 75},
	{"CSAF 6.1.7 example", "AV:N/AC:L/Au:S/C:P/I:P/A:N", 55, 55, -2},
	{"no impact", "AV:N/AC:L/Au:N/C:N/I:N/A:N", 0, 0, 0},
};

static void check(const struct example *ex, enum medfw_cvss_version want)
{
	struct medfw_cvss c;
	struct medfw_diag d;
	enum medfw_err err;

	medfw_diag_clear(&d);
	err = medfw_cvss_parse(ex->vector, &c, &d);
	if (err != MEDFW_OK)
		fail_msg("%s: %s", ex->name, d.msg);
	assert_int_equal(c.version, want);
	if (c.base_score != ex->base)
		fail_msg("%s: base %d, want %d", ex->name, c.base_score, ex->base);
	if (ex->temporal != -2 && c.temporal_score != ex->temporal)
		fail_msg("%s: temporal %d, want %d", ex->name, c.temporal_score, ex->temporal);
	if (ex->environmental != -2 && c.environmental_score != ex->environmental)
		fail_msg("%s: environmental %d, want %d", ex->name, c.environmental_score,
			 ex->environmental);
}

static void test_v31_examples(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v31_examples) / sizeof(v31_examples[0]); i++)
		check(&v31_examples[i], MEDFW_CVSS_V31);
}

static void test_v3_equations(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v3_equations) / sizeof(v3_equations[0]); i++)
		check(&v3_equations[i], strncmp(v3_equations[i].vector, "CVSS:3.0/", 9) == 0
						? MEDFW_CVSS_V30
						: MEDFW_CVSS_V31);
}

static void test_v2_examples(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v2_examples) / sizeof(v2_examples[0]); i++)
		check(&v2_examples[i], MEDFW_CVSS_V2);
}

/* The two Roundup definitions differ exactly where floating point bites: 10.0 x 0.92
 * is 9.200000000000001 in binary floating point; v3.0's "smallest number with one
 * decimal equal to or higher" gives 9.3 (what FIRST's v3.0 calculator shows), v3.1's
 * Appendix A Roundup gives 9.2. On exact tenths both agree. */
static void test_roundup_definitions(void **state)
{
	struct medfw_cvss a, b;

	(void)state;
	assert_int_equal(medfw_cvss_parse("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H/RC:U", &a, NULL),
			 MEDFW_OK);
	assert_int_equal(medfw_cvss_parse("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H/RC:U", &b, NULL),
			 MEDFW_OK);
	assert_int_equal(a.base_score, 100);
	assert_int_equal(b.base_score, 100);
	assert_int_equal(a.temporal_score, 93);
	assert_int_equal(b.temporal_score, 92);
	assert_int_equal(medfw_cvss_parse("CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N/E:H/RL:O/RC:C", &a, NULL),
			 MEDFW_OK);
	assert_int_equal(a.temporal_score, 72); /* 7.125 */
}

static void test_v4(void **state)
{
	struct medfw_cvss c;
	struct medfw_diag d;

	(void)state;
	assert_int_equal(medfw_cvss_parse("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
					  &c, NULL),
			 MEDFW_OK);
	assert_int_equal(c.version, MEDFW_CVSS_V40);
	assert_int_equal(c.base_score, MEDFW_CVSS_NO_SCORE);
	assert_string_equal(medfw_cvss_metric(&c, "VC"), "H");
	assert_null(medfw_cvss_metric(&c, "E")); /* absent optional v4 metric */
	assert_int_equal(
		medfw_cvss_parse("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:A/MSI:S/U:Amber",
				 &c, NULL),
		MEDFW_OK);
	assert_string_equal(medfw_cvss_metric(&c, "U"), "Amber");
	/* order is mandatory in v4.0 */
	medfw_diag_clear(&d);
	assert_int_equal(medfw_cvss_parse("CVSS:4.0/AC:L/AV:N/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
					  &c, &d),
			 MEDFW_ERR_FIELD_VALUE);
	assert_non_null(strstr(d.msg, "order"));
	medfw_diag_clear(&d);
	assert_int_equal(medfw_cvss_parse("CVSS:4.0/AV:N/AC:L/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", &c, &d),
			 MEDFW_ERR_FIELD_VALUE);
	assert_non_null(strstr(d.msg, "\"AT\" missing"));
	assert_int_equal(medfw_cvss_parse("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:S/SA:N",
					  &c, NULL),
			 MEDFW_ERR_FIELD_VALUE); /* SI:S only as MSI */
}

static void test_errors(void **state)
{
	static const struct {
		const char *vector;
		enum medfw_err err;
		const char *msg;
	} bad[] = {
		{"", MEDFW_ERR_FIELD_VALUE, "empty"},
		{"CVSS:3.1/", MEDFW_ERR_FIELD_VALUE, "no metrics"},
		{"CVSS:3.2/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", MEDFW_ERR_FIELD_VALUE, "unknown version"},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H", MEDFW_ERR_FIELD_VALUE, "\"A\" missing"},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/AV:L", MEDFW_ERR_FIELD_VALUE, "twice"},
		{"CVSS:3.1/AV:X/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", MEDFW_ERR_FIELD_VALUE, "invalid value"},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/", MEDFW_ERR_FIELD_VALUE, "trailing"},
		{"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/Au:N", MEDFW_ERR_FIELD_VALUE, "unknown metric"},
		{"CVSS:3.1/AV:N//AC:L", MEDFW_ERR_FIELD_VALUE, "METRIC:VALUE"},
		{"AV:N/AC:L/Au:N/C:N/I:N/A:C/E:X", MEDFW_ERR_FIELD_VALUE, "invalid value"},
		{"(AV:N/AC:L/Au:N/C:N/I:N/A:C)", MEDFW_ERR_FIELD_VALUE, "unknown metric"},
		{"AV:N/AC:L/Au:N/C:N/I:N/A:C/S:U", MEDFW_ERR_FIELD_VALUE, "unknown metric"},
	};
	struct medfw_cvss c;
	struct medfw_diag d;
	char longv[MEDFW_CVSS_VECTOR_MAX + 16];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&c, 0x5a, sizeof(c));
		medfw_diag_clear(&d);
		assert_int_equal(medfw_cvss_parse(bad[i].vector, &c, &d), bad[i].err);
		if (strstr(d.msg, bad[i].msg) == NULL)
			fail_msg("%s: message \"%s\" lacks \"%s\"", bad[i].vector, d.msg, bad[i].msg);
		tu_assert_zeroed(&c, sizeof(c));
	}
	memset(longv, 'A', sizeof(longv) - 1);
	longv[sizeof(longv) - 1] = '\0';
	assert_int_equal(medfw_cvss_parse(longv, &c, NULL), MEDFW_ERR_TOO_LARGE);
	assert_int_equal(medfw_cvss_parse(NULL, &c, NULL), MEDFW_ERR_INVALID_ARG);
}

static void test_severity_and_metrics(void **state)
{
	struct medfw_cvss c;

	(void)state;
	assert_string_equal(medfw_cvss_severity(0), "NONE");
	assert_string_equal(medfw_cvss_severity(1), "LOW");
	assert_string_equal(medfw_cvss_severity(39), "LOW");
	assert_string_equal(medfw_cvss_severity(40), "MEDIUM");
	assert_string_equal(medfw_cvss_severity(69), "MEDIUM");
	assert_string_equal(medfw_cvss_severity(70), "HIGH");
	assert_string_equal(medfw_cvss_severity(89), "HIGH");
	assert_string_equal(medfw_cvss_severity(90), "CRITICAL");
	assert_string_equal(medfw_cvss_severity(100), "CRITICAL");
	assert_null(medfw_cvss_severity(101));
	assert_null(medfw_cvss_severity(-1));
	assert_int_equal(medfw_cvss_parse("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/E:P", &c, NULL),
			 MEDFW_OK);
	assert_string_equal(medfw_cvss_metric(&c, "E"), "P");
	assert_string_equal(medfw_cvss_metric(&c, "RL"), "X"); /* absent: Not Defined */
	assert_null(medfw_cvss_metric(&c, "Au"));
	assert_string_equal(medfw_cvss_version_name(c.version), "3.1");
	assert_int_equal(medfw_cvss_parse("AV:N/AC:L/Au:N/C:N/I:N/A:C", &c, NULL), MEDFW_OK);
	assert_string_equal(medfw_cvss_metric(&c, "CDP"), "ND");
	assert_string_equal(medfw_cvss_version_name(c.version), "2.0");
}

static void test_json_properties(void **state)
{
	struct medfw_cvss c;
	int ok = -1;

	(void)state;
	assert_int_equal(medfw_cvss_parse("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H", &c, NULL), MEDFW_OK);
	assert_int_equal(medfw_cvss_json_property_check(&c, "attackVector", "NETWORK", &ok, NULL), MEDFW_OK);
	assert_int_equal(ok, 1);
	/* CSAF 6.1.10 failing example: LOCAL against AV:N, CHANGED against S:U */
	assert_int_equal(medfw_cvss_json_property_check(&c, "attackVector", "LOCAL", &ok, NULL), MEDFW_OK);
	assert_int_equal(ok, 0);
	assert_int_equal(medfw_cvss_json_property_check(&c, "scope", "CHANGED", &ok, NULL), MEDFW_OK);
	assert_int_equal(ok, 0);
	assert_int_equal(medfw_cvss_json_property_check(&c, "exploitCodeMaturity", "NOT_DEFINED", &ok, NULL),
			 MEDFW_OK);
	assert_int_equal(ok, 1);
	assert_int_equal(medfw_cvss_json_property_check(&c, "attackVector", "NEARBY", &ok, NULL),
			 MEDFW_ERR_FIELD_VALUE);
	assert_int_equal(medfw_cvss_json_property_check(&c, "baseScore", "9.8", &ok, NULL),
			 MEDFW_ERR_NOT_FOUND);
	assert_int_equal(medfw_cvss_parse("AV:N/AC:L/Au:S/C:P/I:P/A:N/E:POC", &c, NULL), MEDFW_OK);
	assert_int_equal(medfw_cvss_json_property_check(&c, "authentication", "SINGLE", &ok, NULL), MEDFW_OK);
	assert_int_equal(ok, 1);
	assert_int_equal(medfw_cvss_json_property_check(&c, "exploitability", "PROOF_OF_CONCEPT", &ok, NULL),
			 MEDFW_OK);
	assert_int_equal(ok, 1);
	assert_int_equal(medfw_cvss_json_property_check(&c, "targetDistribution", "HIGH", &ok, NULL), MEDFW_OK);
	assert_int_equal(ok, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v31_examples),     cmocka_unit_test(test_v3_equations),
		cmocka_unit_test(test_v2_examples),      cmocka_unit_test(test_roundup_definitions),
		cmocka_unit_test(test_v4),               cmocka_unit_test(test_errors),
		cmocka_unit_test(test_severity_and_metrics), cmocka_unit_test(test_json_properties),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
