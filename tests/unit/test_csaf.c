/* CSAF 2.0: every document under testdata/csaf/oasis-examples, cisa-icsma and vendor
 * parses (found by listing the directories) and passes the mandatory tests; every
 * mandatory validator test case of testcases.json gives the verdict it lists; the
 * product tree resolves; verdicts for a medical advisory through a product-mapping
 * table, for VEX documents (NOT_AFFECTED with the justification), by purl and CPE
 * helpers and through relationships; parse errors name the JSON path. */
#include "testutil.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "medfw/csaf.h"
#include "medfw/json.h"

/* Mandatory tests medfw does not implement, with the reason; the runner checks that
 * every other mandatory test of testcases.json is implemented. */
static const struct {
	const char *test;
	const char *reason;
} not_implemented[] = {
	{"6.1.11", "the CWE name must match the CWE id: needs the CWE catalogue"},
	{"6.1.12", "language subtags must be registered: needs the IANA subtag registry"},
};

static struct medfw_csaf_doc *load(const char *rel)
{
	char path[4096];
	struct medfw_buf buf;
	struct medfw_csaf_doc *doc = NULL;
	struct medfw_diag d;

	tu_shared_path(path, sizeof(path), rel);
	tu_read_file(path, &buf);
	medfw_diag_clear(&d);
	if (medfw_csaf_parse(buf.data, buf.len, &doc, &d) != MEDFW_OK)
		fail_msg("%s: %s", rel, d.msg);
	medfw_buf_free(&buf);
	return doc;
}

static void expect_valid(const char *rel, const struct medfw_csaf_doc *doc)
{
	struct medfw_csaf_report rep;
	size_t i;

	memset(&rep, 0, sizeof(rep));
	assert_int_equal(medfw_csaf_validate(doc, &rep, NULL), MEDFW_OK);
	for (i = 0; i < rep.count; i++)
		print_message("%s: %s %s\n", rel, rep.findings[i].test, rep.findings[i].message);
	if (rep.count != 0)
		fail_msg("%s: %zu findings", rel, rep.count);
	medfw_csaf_report_free(&rep);
}

static size_t parse_dir(const char *rel)
{
	char path[4096], file[4200];
	DIR *dir;
	struct dirent *e;
	size_t n = 0;

	tu_shared_path(path, sizeof(path), rel);
	dir = opendir(path);
	assert_non_null(dir);
	while ((e = readdir(dir)) != NULL) {
		size_t len = strlen(e->d_name);
		struct medfw_csaf_doc *doc;

		if (len < 6 || strcmp(e->d_name + len - 5, ".json") != 0)
			continue;
		snprintf(file, sizeof(file), "%s/%s", rel, e->d_name);
		doc = load(file);
		expect_valid(file, doc);
		medfw_csaf_free(doc);
		n++;
	}
	closedir(dir);
	return n;
}

static void test_all_documents_parse_and_validate(void **state)
{
	(void)state;
	assert_true(parse_dir("csaf/oasis-examples") >= 3);
	assert_true(parse_dir("csaf/oasis-examples/csaf_vex") >= 13);
	assert_true(parse_dir("csaf/cisa-icsma") >= 10);
	assert_true(parse_dir("csaf/vendor") >= 1);
}

static int listed_not_implemented(const char *test)
{
	size_t i;

	for (i = 0; i < sizeof(not_implemented) / sizeof(not_implemented[0]); i++)
		if (strcmp(not_implemented[i].test, test) == 0)
			return 1;
	return 0;
}

static int implemented(const char *test)
{
	const char *const *t;

	for (t = medfw_csaf_validator_tests(); *t != NULL; t++)
		if (strcmp(*t, test) == 0)
			return 1;
	return 0;
}

/* Run one test case: the document parses, and the test fails (or passes) as
 * testcases.json says. A valid example also passes every other implemented test. */
static void run_case(const char *test, const char *name, int want_valid, size_t *ran)
{
	char rel[512];
	struct medfw_csaf_doc *doc;
	struct medfw_csaf_report rep;
	size_t i;

	snprintf(rel, sizeof(rel), "csaf/validator-tests/%s", name);
	doc = load(rel);
	memset(&rep, 0, sizeof(rep));
	assert_int_equal(medfw_csaf_validate(doc, &rep, NULL), MEDFW_OK);
	if (want_valid) {
		for (i = 0; i < rep.count; i++)
			print_message("%s: %s %s\n", name, rep.findings[i].test, rep.findings[i].message);
		if (rep.count != 0)
			fail_msg("%s (valid example of %s) has findings", name, test);
	} else if (!medfw_csaf_report_has(&rep, test)) {
		for (i = 0; i < rep.count; i++)
			print_message("%s: %s %s\n", name, rep.findings[i].test, rep.findings[i].message);
		fail_msg("%s (failing example of %s) is not reported", name, test);
	}
	medfw_csaf_report_free(&rep);
	medfw_csaf_free(doc);
	(*ran)++;
}

static void test_validator_cases(void **state)
{
	char path[4096];
	struct medfw_buf buf;
	json_t *root, *tests;
	size_t i, j, ran = 0, tests_run = 0;

	(void)state;
	tu_shared_path(path, sizeof(path), "csaf/validator-tests/testcases.json");
	tu_read_file(path, &buf);
	assert_int_equal(medfw_json_parse(buf.data, buf.len, buf.len, 16, &root, NULL), MEDFW_OK);
	tests = json_object_get(root, "tests");
	assert_true(json_is_array(tests));
	for (i = 0; i < json_array_size(tests); i++) {
		json_t *t = json_array_get(tests, i);
		const char *id = json_string_value(json_object_get(t, "id"));
		const char *group = json_string_value(json_object_get(t, "group"));
		json_t *fails = json_object_get(t, "failures"), *valid = json_object_get(t, "valid");

		assert_non_null(id);
		if (group == NULL || strcmp(group, "mandatory") != 0)
			continue; /* optional and informative tests are not part of this work */
		if (!implemented(id)) {
			if (!listed_not_implemented(id))
				fail_msg("mandatory test %s is neither implemented nor listed", id);
			continue;
		}
		assert_false(listed_not_implemented(id));
		tests_run++;
		for (j = 0; j < json_array_size(fails); j++) {
			json_t *c = json_array_get(fails, j);

			assert_true(json_is_false(json_object_get(c, "valid")));
			run_case(id, json_string_value(json_object_get(c, "name")), 0, &ran);
		}
		for (j = 0; j < json_array_size(valid); j++) {
			json_t *c = json_array_get(valid, j);

			assert_true(json_is_true(json_object_get(c, "valid")));
			run_case(id, json_string_value(json_object_get(c, "name")), 1, &ran);
		}
	}
	/* 41 implemented tests, 145 of the 147 mandatory cases (6.1.11 and 6.1.12 have
	 * one failing example each) */
	assert_int_equal(tests_run, 41);
	assert_int_equal(ran, 145);
	json_decref(root);
	medfw_buf_free(&buf);
}

static void test_product_tree(void **state)
{
	struct medfw_csaf_doc *doc = load("csaf/vendor/redhat-rhsa-2024_4546.json");
	const struct medfw_csaf_product *p;

	(void)state;
	assert_string_equal(doc->tracking_id, "RHSA-2024:4546");
	assert_string_equal(doc->category, "csaf_security_advisory");
	p = medfw_csaf_product_find(doc, "git-lfs-0:2.13.3-3.el8_6.1.x86_64");
	assert_non_null(p);
	assert_int_equal(p->origin, MEDFW_CSAF_FROM_BRANCH);
	assert_string_equal(p->vendor, "Red Hat");
	assert_string_equal(p->version, "git-lfs-0:2.13.3-3.el8_6.1.x86_64");
	assert_int_equal(p->branch_depth, 3);
	assert_string_equal(p->branch_path[1].category, "architecture");
	assert_string_equal(p->helper.purl, "pkg:rpm/redhat/git-lfs@2.13.3-3.el8_6.1?arch=x86_64");
	p = medfw_csaf_product_find(doc, "AppStream-8.6.0.Z.AUS:git-lfs-0:2.13.3-3.el8_6.1.x86_64");
	assert_non_null(p);
	assert_int_equal(p->origin, MEDFW_CSAF_FROM_RELATIONSHIP);
	assert_string_equal(p->relationship, "default_component_of");
	assert_non_null(p->component);
	assert_string_equal(p->component->product_id, "git-lfs-0:2.13.3-3.el8_6.1.x86_64");
	assert_non_null(p->platform);
	assert_string_equal(p->platform->helper.cpe, "cpe:/a:redhat:rhel_aus:8.6::appstream");
	assert_null(medfw_csaf_product_find(doc, "nope"));
	assert_int_equal(doc->vulnerabilities[0].status_count[MEDFW_CSAF_FIXED], 15);
	assert_string_equal(doc->vulnerabilities[0].cwe_id, "CWE-400");
	assert_string_equal(doc->vulnerabilities[0].remediations[0].category, "vendor_fix");
	assert_true(doc->vulnerabilities[0].scores[0].cvss_v3.present);
	assert_int_equal(doc->vulnerabilities[0].scores[0].cvss_v3.base_score,
			 doc->vulnerabilities[0].scores[0].cvss_v3.cvss.base_score);
	medfw_csaf_free(doc);

	doc = load("csaf/oasis-examples/csaf_vex/2022-evd-uc-07-001.json");
	assert_non_null(medfw_csaf_cvss_for(doc, 0, "CSAFPID-0004"));
	assert_int_equal(medfw_csaf_cvss_for(doc, 0, "CSAFPID-0004")->base_score, 100);
	assert_null(medfw_csaf_cvss_for(doc, 0, "CSAFPID-0010")); /* fixed: no score */
	assert_null(medfw_csaf_cvss_for(doc, 1, "CSAFPID-0004"));
	p = medfw_csaf_product_find(doc, "CSAFPID-0004");
	assert_string_equal(p->version_range, "vers:generic/>=2.9|<=4.1");
	assert_string_equal(p->product_name, "ABC");
	assert_null(p->version);
	assert_string_equal(medfw_csaf_status_name(MEDFW_CSAF_KNOWN_NOT_AFFECTED), "known_not_affected");
	assert_null(medfw_csaf_status_name(MEDFW_CSAF_STATUS_COUNT));
	medfw_csaf_free(doc);

	doc = load("csaf/validator-tests/mandatory/oasis_csaf_tc-csaf_2_0-2021-6-1-04-12.json");
	assert_non_null(medfw_csaf_group_find(doc, "CSAFGID-1020301"));
	assert_int_equal(medfw_csaf_group_find(doc, "CSAFGID-1020301")->product_id_count, 2);
	assert_null(medfw_csaf_group_find(doc, "CSAFGID-0"));
	medfw_csaf_free(doc);
}

/* ------------------------------------------------------------ evaluation */

static struct medfw_vuln_verdict eval(const struct medfw_csaf_doc *doc, size_t vuln,
				      const char *name, const char *purl, const char *cpe,
				      const char *version, const struct medfw_csaf_product_map *map,
				      size_t nmap)
{
	struct medfw_vuln_component c;
	struct medfw_vuln_verdict v;
	struct medfw_diag d;
	const char *cpes[1];

	memset(&c, 0, sizeof(c));
	c.name = name;
	c.purl = purl;
	c.version = version;
	if (cpe != NULL) {
		cpes[0] = cpe;
		c.cpes = cpes;
		c.cpe_count = 1;
	}
	medfw_diag_clear(&d);
	memset(&v, 0x5a, sizeof(v));
	if (medfw_csaf_evaluate(doc, vuln, &c, map, nmap, &v, &d) != MEDFW_OK)
		fail_msg("evaluate: %s", d.msg);
	if (v.outcome != MEDFW_VULN_NOT_RELEVANT && (v.rule[0] == '\0' || v.comparison[0] == '\0'))
		fail_msg("outcome %s without evidence", medfw_vuln_outcome_name(v.outcome));
	return v;
}

#define EXPECT(v, want)                                                                            \
	do {                                                                                       \
		if ((v).outcome != (want))                                                         \
			fail_msg("got %s (%s | %s), want %s", medfw_vuln_outcome_name((v).outcome), \
				 (v).rule, (v).comparison, medfw_vuln_outcome_name(want));         \
	} while (0)

#define CONTAINS(s, part)                                                                          \
	do {                                                                                       \
		if (strstr((s), (part)) == NULL)                                                   \
			fail_msg("\"%s\" lacks \"%s\"", (s), (part));                              \
	} while (0)

/* A medical advisory that names products in words, through the product-mapping
 * table: DCMTK (OFFIS) and BD Alaris from CISA's ICSMA advisories. */
static void test_medical_advisory_mapping(void **state)
{
	struct medfw_csaf_doc *doc = load("csaf/cisa-icsma/icsma-22-174-01.json");
	static const struct medfw_csaf_product_map dcmtk[] = {
		{"OFFIS", "DCMTK", "dcmtk", NULL, "generic"},
	};
	static const struct medfw_csaf_product_map alaris[] = {
		/* the advisory's product text, mapped to our model and our versions */
		{NULL, "BD Alaris Point-of-Care Unit (PCU) Model 8015: <=12.1.3", "alaris-pcu-8015",
		 "vers:generic/<=12.1.3", NULL},
		/* the vendor's own version scheme: the advisory's "<= L81" cannot be read */
		{NULL, "Battery Pack SP with Wi-Fi", "bbraun-battery-sp", NULL, NULL},
	};
	struct medfw_vuln_verdict v;

	(void)state;
	v = eval(doc, 0, "dcmtk", NULL, NULL, "3.6.6", dcmtk, 1);
	EXPECT(v, MEDFW_VULN_AFFECTED);
	assert_string_equal(v.rule, "ICSMA-22-174-01 CVE-2022-2119 product_status.known_affected "
				    "CSAFPID-0001 (DCMTK: All versions prior to 3.6.7)");
	CONTAINS(v.comparison, "product mapping \"DCMTK\" -> dcmtk");
	CONTAINS(v.comparison, "3.6.6 in vers:generic/< 3.6.7");
	CONTAINS(v.comparison, "remediation vendor_fix");
	v = eval(doc, 2, "dcmtk", NULL, NULL, "3.6.7", dcmtk, 1);
	EXPECT(v, MEDFW_VULN_NOT_AFFECTED);
	CONTAINS(v.comparison, "outside the affected product's versions");
	v = eval(doc, 0, "dcmtk", NULL, NULL, "custom", dcmtk, 1);
	EXPECT(v, MEDFW_VULN_UNDETERMINED);
	v = eval(doc, 0, "orthanc", NULL, NULL, "1.0", dcmtk, 1);
	EXPECT(v, MEDFW_VULN_NOT_RELEVANT);
	v = eval(doc, 0, "dcmtk", NULL, NULL, "3.6.6", NULL, 0); /* words only: no mapping */
	EXPECT(v, MEDFW_VULN_NOT_RELEVANT);
	assert_int_equal(medfw_csaf_cvss_for(doc, 0, "CSAFPID-0001")->cvss.version, MEDFW_CVSS_V30);
	assert_int_equal(medfw_csaf_cvss_for(doc, 0, "CSAFPID-0001")->base_score, 75);
	medfw_csaf_free(doc);

	doc = load("csaf/cisa-icsma/icsma-23-194-01.json");
	v = eval(doc, 1, "alaris-pcu-8015", NULL, NULL, "12.1.3", alaris, 2);
	EXPECT(v, MEDFW_VULN_AFFECTED);
	CONTAINS(v.rule, "CVE-2023-30560 product_status.known_affected CSAFPID-0001");
	v = eval(doc, 1, "alaris-pcu-8015", NULL, NULL, "12.3.1", alaris, 2);
	EXPECT(v, MEDFW_VULN_NOT_AFFECTED);
	CONTAINS(v.comparison, "12.3.1 not in vers:generic/<=12.1.3");
	medfw_csaf_free(doc);

	doc = load("csaf/cisa-icsma/icsma-21-294-01.json");
	v = eval(doc, 0, "bbraun-battery-sp", NULL, NULL, "L80", alaris, 2);
	EXPECT(v, MEDFW_VULN_UNDETERMINED);
	CONTAINS(v.comparison, "\"<= L81\"");
	medfw_csaf_free(doc);
}

/* CSAF VEX: not affected with the justification, fixed, under investigation,
 * affected, and the profile's impact statement. */
static void test_vex(void **state)
{
	static const struct medfw_csaf_product_map abc[] = {
		{"Example Company", "ABC", "abc", NULL, NULL},
		{"Example Company", "DEF", "def", NULL, NULL},
		{"Example Company", "GHI", "ghi", NULL, NULL},
		{NULL, "Secvisogram", "secvisogram", NULL, "semver"},
	};
	struct medfw_csaf_doc *doc;
	struct medfw_vuln_verdict v;
	char path[4096];
	struct medfw_buf buf;
	struct medfw_diag d;
	char *text, *cut;

	(void)state;
	doc = load("csaf/oasis-examples/csaf_vex/2022-evd-uc-01-na-001.json");
	v = eval(doc, 0, "abc", NULL, NULL, "4.2", abc, 4);
	EXPECT(v, MEDFW_VULN_NOT_AFFECTED);
	CONTAINS(v.rule, "CVE-2021-44228 product_status.known_not_affected CSAFPID-0001 (Example Company ABC 4.2)");
	CONTAINS(v.comparison, "impact: Class with vulnerable code was removed before shipping.");
	v = eval(doc, 0, "abc", NULL, NULL, "4.3", abc, 4); /* the statement is about 4.2 only */
	EXPECT(v, MEDFW_VULN_NOT_RELEVANT);
	medfw_csaf_free(doc);

	doc = load("csaf/oasis-examples/csaf_vex/sec-vex-2022-0001.json");
	v = eval(doc, 1, "secvisogram", NULL, NULL, "1.14.0", abc, 4);
	EXPECT(v, MEDFW_VULN_NOT_AFFECTED);
	CONTAINS(v.comparison, "flag component_not_present");
	CONTAINS(v.comparison, "impact: Secvisogram is written in JavaScript. No Java is included.");
	CONTAINS(v.comparison, "1.14.0 in vers:semver/<=1.14.0");
	medfw_csaf_free(doc);

	doc = load("csaf/oasis-examples/csaf_vex/2022-evd-uc-01-f-001.json");
	v = eval(doc, 0, "def", NULL, NULL, "1.1", abc, 4);
	EXPECT(v, MEDFW_VULN_NOT_AFFECTED);
	CONTAINS(v.comparison, "; fixed");
	v = eval(doc, 0, "def", NULL, NULL, "1.0", abc, 4); /* before the fix, nothing says affected */
	EXPECT(v, MEDFW_VULN_UNDETERMINED);
	assert_string_equal(v.fixed_version, "1.1");
	medfw_csaf_free(doc);

	doc = load("csaf/oasis-examples/csaf_vex/2022-evd-uc-01-ui-001.json");
	v = eval(doc, 0, "ghi", NULL, NULL, "17.4", abc, 4);
	EXPECT(v, MEDFW_VULN_UNDETERMINED);
	CONTAINS(v.comparison, "under investigation");
	medfw_csaf_free(doc);

	doc = load("csaf/oasis-examples/csaf_vex/2022-evd-uc-07-001.json");
	v = eval(doc, 0, "abc", NULL, NULL, "2.4", abc, 4);
	EXPECT(v, MEDFW_VULN_AFFECTED);
	CONTAINS(v.comparison, "remediation vendor_fix");
	v = eval(doc, 0, "abc", NULL, NULL, "3.0", abc, 4);
	EXPECT(v, MEDFW_VULN_AFFECTED);
	CONTAINS(v.comparison, "3.0 in vers:generic/>=2.9|<=4.1");
	v = eval(doc, 0, "abc", NULL, NULL, "2.5", abc, 4);
	EXPECT(v, MEDFW_VULN_NOT_AFFECTED);
	CONTAINS(v.comparison, "impact: Class with vulnerable code was removed before shipping.");
	v = eval(doc, 0, "abc", NULL, NULL, "1.5", abc, 4);
	EXPECT(v, MEDFW_VULN_NOT_AFFECTED);
	CONTAINS(v.rule, "CSAFPID-0005");
	medfw_csaf_free(doc);

	/* the same VEX statement without its impact statement: the profile is broken,
	 * the answer is undetermined, never not-affected */
	tu_shared_path(path, sizeof(path), "csaf/oasis-examples/csaf_vex/2022-evd-uc-01-na-001.json");
	tu_read_file(path, &buf);
	text = strndup((const char *)buf.data, buf.len);
	assert_non_null(text);
	cut = strstr(text, "\"threats\"");
	assert_non_null(cut);
	cut[1] = 'x'; /* "xhreats": an unknown field now */
	medfw_diag_clear(&d);
	assert_int_equal(medfw_csaf_parse((const uint8_t *)text, strlen(text), &doc, &d), MEDFW_OK);
	v = eval(doc, 0, "abc", NULL, NULL, "4.2", abc, 4);
	EXPECT(v, MEDFW_VULN_UNDETERMINED);
	CONTAINS(v.comparison, "6.1.27.9");
	medfw_csaf_free(doc);
	free(text);
	medfw_buf_free(&buf);
}

static void test_helpers_and_relationships(void **state)
{
	struct medfw_csaf_doc *doc;
	struct medfw_vuln_verdict v;

	(void)state;
	/* purl helper through relationships: fixed in RHEL 8.6 AUS/E4S/TUS */
	doc = load("csaf/vendor/redhat-rhsa-2024_4546.json");
	v = eval(doc, 0, "git-lfs", "pkg:rpm/redhat/git-lfs@2.13.3-3.el8_6.1?arch=x86_64", NULL,
		 "2.13.3-3.el8_6.1", NULL, 0);
	EXPECT(v, MEDFW_VULN_NOT_AFFECTED);
	CONTAINS(v.rule, "product_status.fixed AppStream-8.6.0.Z.AUS:git-lfs-0:2.13.3-3.el8_6.1.x86_64");
	CONTAINS(v.comparison, "as default_component_of Red Hat Enterprise Linux AppStream AUS (v.8.6)");
	v = eval(doc, 0, "git-lfs", "pkg:rpm/redhat/git-lfs@2.13.3-3.el8_6?arch=x86_64", NULL,
		 "2.13.3-3.el8_6", NULL, 0);
	EXPECT(v, MEDFW_VULN_UNDETERMINED);
	assert_string_equal(v.fixed_version, "2.13.3-3.el8_6.1");
	v = eval(doc, 0, "git-lfs", "pkg:rpm/redhat/git-lfs@2.13.3-4.el8?arch=x86_64", NULL,
		 "2.13.3-4.el8", NULL, 0);
	EXPECT(v, MEDFW_VULN_NOT_RELEVANT);
	v = eval(doc, 0, "git-lfs", "pkg:rpm/redhat/git-lfs@2.13.3-3.el8_6.1?arch=aarch64", NULL,
		 "2.13.3-3.el8_6.1", NULL, 0);
	EXPECT(v, MEDFW_VULN_NOT_RELEVANT); /* no aarch64 build in this advisory */
	v = eval(doc, 0, "git-lfs", "pkg:deb/debian/git-lfs@2.13.3-1", NULL, "2.13.3-1", NULL, 0);
	EXPECT(v, MEDFW_VULN_NOT_RELEVANT);
	medfw_csaf_free(doc);

	/* cpe helper (2.2 URIs in the document, 2.3 strings on the component) */
	doc = load("csaf/oasis-examples/bsi-2022-0001.json");
	v = eval(doc, 0, "cvrf-csaf-converter", NULL,
		 "cpe:2.3:a:csaf-tools:cvrf-csaf-converter:1.0.0-rc1:*:*:*:*:*:*:*", "1.0.0-rc1", NULL, 0);
	EXPECT(v, MEDFW_VULN_AFFECTED);
	CONTAINS(v.comparison, "cpe cpe:/a:csaf-tools:cvrf-csaf-converter:1.0.0-rc1");
	assert_string_equal(v.fixed_version, "1.0.0-rc2");
	v = eval(doc, 0, "cvrf-csaf-converter", NULL,
		 "CPE:2.3:A:CSAF-Tools:CVRF-CSAF-Converter:1.0.0-RC2:*:*:*:*:*:*:*", "1.0.0-rc2", NULL, 0);
	EXPECT(v, MEDFW_VULN_NOT_AFFECTED);
	CONTAINS(v.comparison, "; fixed");
	v = eval(doc, 0, "other", NULL, "cpe:2.3:a:csaf-tools:other:1.0.0-rc1:*:*:*:*:*:*:*", "1.0.0-rc1",
		 NULL, 0);
	EXPECT(v, MEDFW_VULN_NOT_RELEVANT);
	medfw_csaf_free(doc);
}

/* A document built here: model numbers, a 2.2 URI with an empty component, a
 * contradicting status, groups in flags. */
static void test_constructed(void **state)
{
	static const char *const json =
		"{\"document\":{\"category\":\"csaf_base\",\"csaf_version\":\"2.0\",\"publisher\":"
		"{\"category\":\"vendor\",\"name\":\"Example\",\"namespace\":\"https://example.com\"},"
		"\"title\":\"t\",\"tracking\":{\"current_release_date\":\"2024-01-01T00:00:00Z\","
		"\"id\":\"EX-1\",\"initial_release_date\":\"2024-01-01T00:00:00Z\",\"revision_history\":"
		"[{\"date\":\"2024-01-01T00:00:00Z\",\"number\":\"1\",\"summary\":\"s\"}],\"status\":"
		"\"final\",\"version\":\"1\"}},\"product_tree\":{\"full_product_names\":["
		"{\"name\":\"Pump P1\",\"product_id\":\"P1\",\"product_identification_helper\":"
		"{\"model_numbers\":[\"PX-100\"]}},"
		"{\"name\":\"RTOS\",\"product_id\":\"P2\",\"product_identification_helper\":"
		"{\"cpe\":\"cpe:/o:example:rtos:5.1::pro\"}},"
		"{\"name\":\"Lib\",\"product_id\":\"P3\",\"product_identification_helper\":"
		"{\"purl\":\"pkg:generic/lib\"}}]},"
		"\"vulnerabilities\":[{\"cve\":\"CVE-2024-0001\",\"product_status\":{\"known_affected\":"
		"[\"P1\",\"P2\",\"P3\"],\"known_not_affected\":[\"P3\"]}}]}";
	struct medfw_csaf_doc *doc = NULL;
	struct medfw_diag d;
	struct medfw_vuln_verdict v;

	(void)state;
	medfw_diag_clear(&d);
	assert_int_equal(medfw_csaf_parse((const uint8_t *)json, strlen(json), &doc, &d), MEDFW_OK);
	v = eval(doc, 0, "PX-100", NULL, NULL, "2.0", NULL, 0);
	EXPECT(v, MEDFW_VULN_AFFECTED);
	CONTAINS(v.comparison, "model number PX-100; the product names no version");
	v = eval(doc, 0, "rtos", NULL, "cpe:2.3:o:example:rtos:5.1:*:pro:*:*:*:*:*", "5.1", NULL, 0);
	EXPECT(v, MEDFW_VULN_AFFECTED);
	v = eval(doc, 0, "rtos", NULL, "cpe:2.3:o:example:rtos:5.2:*:pro:*:*:*:*:*", "5.2", NULL, 0);
	EXPECT(v, MEDFW_VULN_NOT_AFFECTED);
	CONTAINS(v.comparison, "generic 5.2 != 5.1");
	v = eval(doc, 0, "rtos", NULL, "cpe:2.3:o:example:rtos:5.1:*:lite:*:*:*:*:*", "5.1", NULL, 0);
	EXPECT(v, MEDFW_VULN_NOT_RELEVANT); /* another edition */
	v = eval(doc, 0, "rtos", NULL, "cpe:2.3:o:example:rtos:5.1:*:*:*:*:*:*:*", "5.1", NULL, 0);
	EXPECT(v, MEDFW_VULN_UNDETERMINED); /* the edition is left open */
	v = eval(doc, 0, "lib", "pkg:generic/lib@1.0", NULL, "1.0", NULL, 0);
	EXPECT(v, MEDFW_VULN_UNDETERMINED);
	CONTAINS(v.comparison, "contradicting status groups");
	medfw_csaf_free(doc);
}

static void test_parse_errors(void **state)
{
#define DOC_HEAD                                                                                    \
	"{\"document\":{\"category\":\"csaf_base\",\"csaf_version\":\"2.0\",\"publisher\":"         \
	"{\"category\":\"vendor\",\"name\":\"E\",\"namespace\":\"https://e.com\"},\"title\":\"t\","   \
	"\"tracking\":{\"current_release_date\":\"2024-01-01T00:00:00Z\",\"id\":\"EX-1\","            \
	"\"initial_release_date\":\"2024-01-01T00:00:00Z\",\"revision_history\":[{\"date\":"          \
	"\"2024-01-01T00:00:00Z\",\"number\":\"1\",\"summary\":\"s\"}],\"status\":\"final\","         \
	"\"version\":\"1\"}}"
	static const struct {
		const char *json;
		enum medfw_err err;
		const char *msg;
	} bad[] = {
		{DOC_HEAD "}", MEDFW_OK, ""},
		{"{}", MEDFW_ERR_FIELD_MISSING, "document is missing"},
		{"{\"document\":{\"category\":\"csaf_base\"}}", MEDFW_ERR_FIELD_MISSING,
		 "document.csaf_version is missing"},
		{"{\"document\":{\"category\":\"csaf_base\",\"csaf_version\":\"2.1\"}}", MEDFW_ERR_FIELD_VALUE,
		 "document.csaf_version: \"2.1\" is not an allowed value"},
		{"{\"document\":{\"category\":\"_base\",\"csaf_version\":\"2.0\"}}", MEDFW_ERR_FIELD_VALUE,
		 "document.category"},
		{"{\"document\":{\"category\":7}}", MEDFW_ERR_FIELD_TYPE, "document.category must be a string"},
		{DOC_HEAD ",\"product_tree\":{\"full_product_names\":[{\"name\":\"A\"}]}}",
		 MEDFW_ERR_FIELD_MISSING, "product_tree.full_product_names[0].product_id is missing"},
		{DOC_HEAD ",\"product_tree\":{\"branches\":[{\"category\":\"vendor\",\"name\":\"V\"}]}}",
		 MEDFW_ERR_FIELD_VALUE, "product_tree.branches[0]: a branch needs"},
		{DOC_HEAD ",\"product_tree\":{\"branches\":[{\"category\":\"vendor\",\"name\":\"V\",\"branches\":"
			  "[{\"category\":\"model\",\"name\":\"M\",\"product\":{}}]}]}}",
		 MEDFW_ERR_FIELD_VALUE, "product_tree.branches[0].branches[0].category: \"model\""},
		{DOC_HEAD ",\"product_tree\":{\"full_product_names\":[{\"name\":\"A\",\"product_id\":\"P\","
			  "\"product_identification_helper\":{\"purl\":\"npm/x\"}}]}}",
		 MEDFW_ERR_FIELD_VALUE, "product_identification_helper.purl: \"npm/x\" is not a package URL"},
		{DOC_HEAD ",\"product_tree\":{\"full_product_names\":[{\"name\":\"A\",\"product_id\":\"P\","
			  "\"product_identification_helper\":{\"cpe\":\"cpe:2.3:a:x\"}}]}}",
		 MEDFW_ERR_FIELD_VALUE, "product_identification_helper.cpe"},
		{DOC_HEAD ",\"product_tree\":{\"full_product_names\":[{\"name\":\"A\",\"product_id\":\"P\","
			  "\"product_identification_helper\":{\"hashes\":[{\"filename\":\"f\",\"file_hashes\":"
			  "[{\"algorithm\":\"sha256\",\"value\":\"abc\"}]}]}}]}}",
		 MEDFW_ERR_FIELD_VALUE, "file_hashes[0].value: \"abc\" is not a hexadecimal digest"},
		{DOC_HEAD ",\"product_tree\":{\"product_groups\":[{\"group_id\":\"G\",\"product_ids\":[\"A\"]}]}}",
		 MEDFW_ERR_FIELD_VALUE, "product_groups[0].product_ids: a product group has at least two"},
		{DOC_HEAD ",\"product_tree\":{}}", MEDFW_ERR_FIELD_VALUE, "product_tree: is empty"},
		{DOC_HEAD ",\"vulnerabilities\":[{\"cve\":\"CVE-21-1\"}]}", MEDFW_ERR_FIELD_VALUE,
		 "vulnerabilities[0].cve: \"CVE-21-1\" is not a CVE id"},
		{DOC_HEAD ",\"vulnerabilities\":[{\"product_status\":{\"fixed\":[\"A\",\"A\"]}}]}",
		 MEDFW_ERR_FIELD_VALUE, "vulnerabilities[0].product_status.fixed has item 1 twice"},
		{DOC_HEAD ",\"vulnerabilities\":[{\"remediations\":[{\"category\":\"patch\",\"details\":\"d\"}]}]}",
		 MEDFW_ERR_FIELD_VALUE, "vulnerabilities[0].remediations[0].category: \"patch\""},
		{DOC_HEAD ",\"vulnerabilities\":[{\"flags\":[{\"label\":\"component_not_present\",\"date\":"
			  "\"yesterday\"}]}]}",
		 MEDFW_ERR_FIELD_VALUE, "vulnerabilities[0].flags[0].date: \"yesterday\" is not an RFC 3339"},
		{DOC_HEAD ",\"vulnerabilities\":[{\"threats\":[{\"category\":\"impact\"}]}]}",
		 MEDFW_ERR_FIELD_MISSING, "vulnerabilities[0].threats[0].details is missing"},
		{DOC_HEAD ",\"vulnerabilities\":[{\"notes\":[{\"category\":\"summary\",\"text\":\"\"}]}]}",
		 MEDFW_ERR_FIELD_VALUE, "vulnerabilities[0].notes[0].text is empty"},
		{DOC_HEAD ",\"vulnerabilities\":[{}]}", MEDFW_ERR_FIELD_VALUE, "vulnerabilities[0]: is empty"},
		{DOC_HEAD ",\"vulnerabilities\":[]}", MEDFW_ERR_FIELD_VALUE, "vulnerabilities is empty"},
		{DOC_HEAD ",\"vulnerabilities\":[{\"ids\":[{\"system_name\":\"a\",\"text\":\"b\"},"
			  "{\"system_name\":\"a\",\"text\":\"b\"}]}]}",
		 MEDFW_ERR_FIELD_VALUE, "vulnerabilities[0].ids[1]: repeats an earlier item"},
		{"{\"document\":{\"category\":\"csaf_base\",\"csaf_version\":\"2.0\",\"title\":\"t\",\"lang\":\"en_US\"}}",
		 MEDFW_ERR_FIELD_VALUE, "document.lang: \"en_US\" is not a BCP 47"},
		{"{\"document\":", MEDFW_ERR_JSON_SYNTAX, ""},
	};
	struct medfw_csaf_doc *doc;
	struct medfw_diag d;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		medfw_diag_clear(&d);
		doc = (struct medfw_csaf_doc *)&d;
		if (medfw_csaf_parse((const uint8_t *)bad[i].json, strlen(bad[i].json), &doc, &d) != bad[i].err)
			fail_msg("case %zu: \"%s\"", i, d.msg);
		if (bad[i].err == MEDFW_OK) {
			assert_non_null(doc);
			assert_int_equal(doc->has_product_tree, 0);
			medfw_csaf_free(doc);
			continue;
		}
		assert_null(doc);
		if (strstr(d.msg, bad[i].msg) == NULL)
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, d.msg, bad[i].msg);
	}
	assert_int_equal(medfw_csaf_parse(NULL, 1, &doc, NULL), MEDFW_ERR_INVALID_ARG);
	assert_int_equal(medfw_csaf_parse((const uint8_t *)"{}", 2, NULL, NULL), MEDFW_ERR_INVALID_ARG);
	medfw_csaf_free(NULL);
}

static void test_api_arguments(void **state)
{
	struct medfw_csaf_doc *doc = load("csaf/oasis-examples/csaf_vex/2022-evd-uc-01-a-001.json");
	struct medfw_vuln_component c;
	struct medfw_vuln_verdict v;
	struct medfw_csaf_report rep;

	(void)state;
	memset(&c, 0, sizeof(c));
	memset(&v, 0x5a, sizeof(v));
	assert_int_equal(medfw_csaf_evaluate(doc, 1, &c, NULL, 0, &v, NULL), MEDFW_ERR_INVALID_ARG);
	tu_assert_zeroed(&v, sizeof(v));
	assert_int_equal(medfw_csaf_evaluate(NULL, 0, &c, NULL, 0, &v, NULL), MEDFW_ERR_INVALID_ARG);
	assert_int_equal(medfw_csaf_evaluate(doc, 0, NULL, NULL, 0, &v, NULL), MEDFW_ERR_INVALID_ARG);
	assert_int_equal(medfw_csaf_evaluate(doc, 0, &c, NULL, 1, &v, NULL), MEDFW_ERR_INVALID_ARG);
	assert_int_equal(medfw_csaf_evaluate(doc, 0, &c, NULL, 0, NULL, NULL), MEDFW_ERR_INVALID_ARG);
	assert_int_equal(medfw_csaf_evaluate(doc, 0, &c, NULL, 0, &v, NULL), MEDFW_OK);
	assert_int_equal(v.outcome, MEDFW_VULN_NOT_RELEVANT);
	memset(&rep, 0, sizeof(rep));
	assert_int_equal(medfw_csaf_validate(NULL, &rep, NULL), MEDFW_ERR_INVALID_ARG);
	assert_int_equal(medfw_csaf_validate(doc, NULL, NULL), MEDFW_ERR_INVALID_ARG);
	assert_false(medfw_csaf_report_has(&rep, "6.1.1"));
	assert_false(medfw_csaf_report_has(NULL, "6.1.1"));
	medfw_csaf_report_free(&rep);
	medfw_csaf_report_free(NULL);
	medfw_csaf_free(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_documents_parse_and_validate),
		cmocka_unit_test(test_validator_cases),
		cmocka_unit_test(test_product_tree),
		cmocka_unit_test(test_medical_advisory_mapping),
		cmocka_unit_test(test_vex),
		cmocka_unit_test(test_helpers_and_relationships),
		cmocka_unit_test(test_constructed),
		cmocka_unit_test(test_parse_errors),
		cmocka_unit_test(test_api_arguments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
