/* CISA KEV: the catalog subset in testdata/kev parses, every listed CVE is found by
 * the binary search and absent ones are not, the schema's rules and our consistency
 * checks refuse bad catalogs with the JSON path. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "medfw/json.h"
#include "medfw/kev.h"

static void read_catalog(struct medfw_buf *buf)
{
	char path[4096];

	tu_shared_path(path, sizeof(path), "kev/known_exploited_vulnerabilities.subset.json");
	tu_read_file(path, buf);
}

static void test_subset(void **state)
{
	struct medfw_buf buf;
	struct medfw_kev_catalog *kev = NULL;
	struct medfw_diag d;
	const struct medfw_kev_entry *e;
	json_t *root, *arr;
	size_t i, known = 0;

	(void)state;
	read_catalog(&buf);
	medfw_diag_clear(&d);
	if (medfw_kev_parse(buf.data, buf.len, &kev, &d) != MEDFW_OK)
		fail_msg("%s", d.msg);
	assert_string_equal(kev->catalog_version, "2025.08.25");
	assert_string_equal(kev->date_released, "2025-08-25T17:04:19.9796Z");
	assert_string_equal(kev->title, "CISA Catalog of Known Exploited Vulnerabilities");
	assert_int_equal(kev->count, 280);
	assert_int_equal(kev->entry_count, 280);
	for (i = 1; i < kev->entry_count; i++)
		assert_true(strcmp(kev->entries[i - 1].cve_id, kev->entries[i].cve_id) < 0);
	for (i = 0; i < kev->entry_count; i++)
		known += kev->entries[i].ransomware == MEDFW_KEV_RANSOMWARE_KNOWN;
	assert_int_equal(known, 24);

	e = medfw_kev_lookup(kev, "CVE-2025-48384");
	assert_non_null(e);
	assert_string_equal(e->vendor_project, "Git");
	assert_string_equal(e->product, "Git");
	assert_string_equal(e->date_added, "2025-08-25");
	assert_string_equal(e->due_date, "2025-09-15");
	assert_int_equal(e->ransomware, MEDFW_KEV_RANSOMWARE_UNKNOWN);
	assert_int_equal(e->cwe_count, 2);
	assert_string_equal(e->cwes[1], "CWE-436");
	assert_non_null(strstr(e->required_action, "BOD 22-01"));

	/* every CVE of the file is found, by the binary search */
	assert_int_equal(medfw_json_parse(buf.data, buf.len, buf.len, 8, &root, NULL), MEDFW_OK);
	arr = json_object_get(root, "vulnerabilities");
	for (i = 0; i < json_array_size(arr); i++) {
		const char *id = json_string_value(json_object_get(json_array_get(arr, i), "cveID"));

		e = medfw_kev_lookup(kev, id);
		assert_non_null(e);
		assert_string_equal(e->cve_id, id);
	}
	json_decref(root);
	assert_null(medfw_kev_lookup(kev, "CVE-1999-0001"));
	assert_null(medfw_kev_lookup(kev, "CVE-9999-99999"));
	assert_null(medfw_kev_lookup(kev, "cve-2025-48384"));
	assert_null(medfw_kev_lookup(kev, ""));
	assert_null(medfw_kev_lookup(kev, NULL));
	assert_null(medfw_kev_lookup(NULL, "CVE-2025-48384"));
	medfw_kev_free(kev);
	medfw_kev_free(NULL);
	medfw_buf_free(&buf);
}

#define ENTRY(cve, added, due)                                                                     \
	"{\"cveID\":\"" cve "\",\"vendorProject\":\"V\",\"product\":\"P\",\"vulnerabilityName\":"  \
	"\"N\",\"dateAdded\":\"" added "\",\"shortDescription\":\"S\",\"requiredAction\":\"A\","   \
	"\"dueDate\":\"" due "\"}"
#define HEAD "{\"catalogVersion\":\"1\",\"dateReleased\":\"2025-01-01T00:00:00.000Z\","

static void test_rules(void **state)
{
	static const struct {
		const char *json;
		enum medfw_err err;
		const char *msg;
	} cases[] = {
		{HEAD "\"count\":1,\"vulnerabilities\":[" ENTRY("CVE-2024-1234", "2024-01-02", "2024-01-23") "]}",
		 MEDFW_OK, ""},
		{HEAD "\"count\":2,\"vulnerabilities\":[" ENTRY("CVE-2024-1234", "2024-01-02", "2024-01-23") "]}",
		 MEDFW_ERR_FIELD_VALUE, "count is 2 but vulnerabilities has 1 entries"},
		{HEAD "\"count\":2,\"vulnerabilities\":[" ENTRY("CVE-2024-1234", "2024-01-02", "2024-01-23")
		      "," ENTRY("CVE-2024-1234", "2024-01-02", "2024-01-23") "]}",
		 MEDFW_ERR_FIELD_VALUE, "CVE-2024-1234 is listed twice"},
		{HEAD "\"count\":1,\"vulnerabilities\":[" ENTRY("CVE-2024-123", "2024-01-02", "2024-01-23") "]}",
		 MEDFW_ERR_FIELD_VALUE, "vulnerabilities[0].cveID: \"CVE-2024-123\" is not a CVE id"},
		{HEAD "\"count\":1,\"vulnerabilities\":[" ENTRY("CVE-2024-1234", "2024-02-30", "2024-01-23") "]}",
		 MEDFW_ERR_FIELD_VALUE, "vulnerabilities[0].dateAdded: \"2024-02-30\" is not a date"},
		{HEAD "\"count\":1,\"vulnerabilities\":[" ENTRY("CVE-2024-1234", "2024-01-02", "23/01/2024") "]}",
		 MEDFW_ERR_FIELD_VALUE, "vulnerabilities[0].dueDate"},
		{HEAD "\"count\":1,\"vulnerabilities\":[{\"cveID\":\"CVE-2024-1234\"}]}",
		 MEDFW_ERR_FIELD_MISSING, "vulnerabilities[0].vendorProject is missing"},
		{HEAD "\"count\":1,\"vulnerabilities\":[{\"cveID\":20241234}]}", MEDFW_ERR_FIELD_TYPE,
		 "vulnerabilities[0].cveID must be a string"},
		{HEAD "\"count\":\"1\",\"vulnerabilities\":[]}", MEDFW_ERR_FIELD_TYPE, "count must be an integer"},
		{HEAD "\"vulnerabilities\":[]}", MEDFW_ERR_FIELD_MISSING, "count is missing"},
		{"{\"catalogVersion\":\"1\",\"dateReleased\":\"yesterday\",\"count\":0,\"vulnerabilities\":[]}",
		 MEDFW_ERR_FIELD_VALUE, "dateReleased: \"yesterday\" is not an RFC 3339"},
		{"{\"dateReleased\":\"2025-01-01T00:00:00Z\",\"count\":0,\"vulnerabilities\":[]}",
		 MEDFW_ERR_FIELD_MISSING, "catalogVersion is missing"},
		{HEAD "\"count\":1,\"vulnerabilities\":[{\"cveID\":\"CVE-2024-1234\",\"vendorProject\":\"V\","
		      "\"product\":\"P\",\"vulnerabilityName\":\"N\",\"dateAdded\":\"2024-01-02\","
		      "\"shortDescription\":\"S\",\"requiredAction\":\"A\",\"dueDate\":\"2024-01-23\","
		      "\"cwes\":[\"CWE-79\",\"79\"]}]}",
		 MEDFW_ERR_FIELD_VALUE, "vulnerabilities[0].cwes[1]: \"79\" is not a CWE id"},
		{HEAD "\"count\":0,\"vulnerabilities\":{}}", MEDFW_ERR_FIELD_TYPE,
		 "vulnerabilities must be an array"},
		{"[1,2]", MEDFW_ERR_FIELD_TYPE, "the document must be an object"},
		{HEAD "\"count\":0", MEDFW_ERR_JSON_SYNTAX, ""},
	};
	struct medfw_kev_catalog *kev;
	struct medfw_diag d;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		medfw_diag_clear(&d);
		kev = (struct medfw_kev_catalog *)&d;
		if (medfw_kev_parse((const uint8_t *)cases[i].json, strlen(cases[i].json), &kev, &d) !=
		    cases[i].err)
			fail_msg("case %zu: \"%s\"", i, d.msg);
		if (cases[i].err == MEDFW_OK) {
			assert_non_null(kev);
			assert_int_equal(kev->entries[0].ransomware, MEDFW_KEV_RANSOMWARE_ABSENT);
			assert_null(kev->entries[0].notes);
			medfw_kev_free(kev);
			continue;
		}
		assert_null(kev);
		if (strstr(d.msg, cases[i].msg) == NULL)
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, d.msg, cases[i].msg);
	}
	assert_int_equal(medfw_kev_parse(NULL, 1, &kev, NULL), MEDFW_ERR_INVALID_ARG);
	assert_int_equal(medfw_kev_parse((const uint8_t *)"{}", 2, NULL, NULL), MEDFW_ERR_INVALID_ARG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_subset),
		cmocka_unit_test(test_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
