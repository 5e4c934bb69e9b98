/* The medical release notice: strict validation, round trip, text rendering. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "medfw/notice.h"

static const char valid_notice[] =
	"{\"notice_format\": 1, \"product_version\": \"4.2.1\", \"security_version\": 7,"
	" \"hardware_ids\": [\"pump-rev-c\", \"pump-rev-d\"],"
	" \"udi_dis\": [\"09506000134352\", \"+A123BJC5D6E71G\"],"
	" \"release_date\": \"2024-02-29\", \"min_agent_version\": \"1.3.0\","
	" \"install\": {\"estimated_minutes\": 25, \"downtime_minutes\": 15,"
	"   \"reboot_required\": true},"
	" \"clinical_impact\": \"Pump unavailable for 15 minutes.\\nStop infusions first.\","
	" \"reason\": {\"summary\": \"Fixes unauthenticated drug library changes.\","
	"   \"cve_ids\": [\"CVE-2024-12345\", \"CVE-2023-0001\"], \"severity\": \"high\"},"
	" \"rollback_supported\": true,"
	" \"instructions\": [\"Stop the infusion.\", \"Connect mains power.\","
	"   \"Run the self-test.\\nReturn to service if it passes.\"],"
	" \"sbom_target\": \"sbom/pump-4.2.1.cdx.json\"}";

static json_t *load(const char *text)
{
	json_error_t jerr;
	json_t *v = json_loads(text, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);

	if (v == NULL)
		fail_msg("test JSON does not parse: %s", jerr.text);
	return v;
}

/* The object holding the last component of a dotted path, and that component. */
static json_t *parent_of(json_t *root, const char *path, const char **leaf)
{
	const char *dot = strchr(path, '.');
	char head[64];

	if (dot == NULL) {
		*leaf = path;
		return root;
	}
	assert_true((size_t)(dot - path) < sizeof(head));
	memcpy(head, path, (size_t)(dot - path));
	head[dot - path] = '\0';
	*leaf = dot + 1;
	return json_object_get(root, head);
}

static void set_path(json_t *root, const char *path, json_t *value)
{
	const char *leaf;
	json_t *parent = parent_of(root, path, &leaf);

	assert_non_null(parent);
	assert_int_equal(json_object_set_new(parent, leaf, value), 0);
}

static void del_path(json_t *root, const char *path)
{
	const char *leaf;
	json_t *parent = parent_of(root, path, &leaf);

	assert_non_null(parent);
	assert_int_equal(json_object_del(parent, leaf), 0);
}

/* Validation of `root` must fail with MEDFW_ERR_NOTICE, *out NULL, and a message
 * containing every needle. Consumes root. */
static void expect_fail(json_t *root, const char *needle, const char *needle2)
{
	struct medfw_release_notice *n = (struct medfw_release_notice *)(uintptr_t)1;
	struct medfw_diag d;
	enum medfw_err err;

	medfw_diag_clear(&d);
	err = medfw_notice_from_json(root, &n, &d);
	json_decref(root);
	if (err != MEDFW_ERR_NOTICE)
		fail_msg("expected MEDFW_ERR_NOTICE, got %s (%s)", medfw_err_name(err), d.msg);
	assert_null(n);
	assert_int_equal(d.err, MEDFW_ERR_NOTICE);
	if (strncmp(d.msg, "release notice: ", 16) != 0 || strstr(d.msg, needle) == NULL ||
	    (needle2 != NULL && strstr(d.msg, needle2) == NULL))
		fail_msg("message \"%s\" lacks \"%s\" / \"%s\"", d.msg, needle,
			 needle2 != NULL ? needle2 : "");
}

/* Replace the field at `path` with `value` in a fresh valid notice; expect failure. */
static void expect_set_fails(const char *path, json_t *value, const char *needle,
			     const char *needle2)
{
	json_t *root = load(valid_notice);

	set_path(root, path, value);
	expect_fail(root, needle, needle2);
}

static void test_valid_roundtrip(void **state)
{
	struct medfw_release_notice *n = NULL, *n2 = NULL;
	json_t *root = load(valid_notice), *out = NULL;
	struct medfw_diag d;

	(void)state;
	medfw_diag_clear(&d);
	assert_int_equal(medfw_notice_from_json(root, &n, &d), MEDFW_OK);
	assert_string_equal(n->product_version, "4.2.1");
	assert_int_equal(n->security_version, 7);
	assert_int_equal(n->hardware_id_count, 2);
	assert_string_equal(n->hardware_ids[1], "pump-rev-d");
	assert_int_equal(n->udi_di_count, 2);
	assert_string_equal(n->udi_dis[1], "+A123BJC5D6E71G");
	assert_string_equal(n->release_date, "2024-02-29");
	assert_string_equal(n->min_agent_version, "1.3.0");
	assert_int_equal(n->install.estimated_minutes, 25);
	assert_int_equal(n->install.downtime_minutes, 15);
	assert_true(n->install.reboot_required);
	assert_string_equal(n->clinical_impact, "Pump unavailable for 15 minutes.\nStop infusions first.");
	assert_int_equal(n->reason.cve_id_count, 2);
	assert_string_equal(n->reason.cve_ids[0], "CVE-2024-12345");
	assert_int_equal(n->reason.severity, MEDFW_SEVERITY_HIGH);
	assert_true(n->rollback_supported);
	assert_int_equal(n->instruction_count, 3);
	assert_string_equal(n->sbom_target, "sbom/pump-4.2.1.cdx.json");

	assert_int_equal(medfw_notice_to_json(n, &out, &d), MEDFW_OK);
	assert_true(json_equal(out, root));
	assert_int_equal(medfw_notice_from_json(out, &n2, &d), MEDFW_OK);
	assert_string_equal(n2->reason.summary, n->reason.summary);

	assert_true(medfw_notice_applies_to_hardware(n, "pump-rev-c"));
	assert_false(medfw_notice_applies_to_hardware(n, "pump-rev-C"));
	assert_false(medfw_notice_applies_to_hardware(n, "pump-rev"));
	assert_false(medfw_notice_applies_to_hardware(n, NULL));
	assert_false(medfw_notice_applies_to_hardware(NULL, "pump-rev-c"));

	medfw_notice_free(n);
	medfw_notice_free(n2);
	medfw_notice_free(NULL);
	json_decref(root);
	json_decref(out);
}

static void test_empty_arrays_and_bounds_ok(void **state)
{
	struct medfw_release_notice *n = NULL;
	json_t *root = load(valid_notice), *arr = json_array();
	char *big = malloc(MEDFW_NOTICE_TEXT_MAX + 1);
	size_t i;

	(void)state;
	set_path(root, "udi_dis", json_array());
	set_path(root, "reason.cve_ids", json_array());
	set_path(root, "reason.severity", json_string("none"));
	set_path(root, "security_version", json_integer(0));
	set_path(root, "install.downtime_minutes", json_integer(MEDFW_NOTICE_MINUTES_MAX));
	memset(big, 'x', MEDFW_NOTICE_TEXT_MAX);
	big[MEDFW_NOTICE_TEXT_MAX] = '\0';
	set_path(root, "clinical_impact", json_string(big));
	/* 4096 characters of 3-byte UTF-8 are fine: the bound counts characters. */
	set_path(root, "reason.summary", json_string("\xe2\x82\xac euro \xc3\xa9t\xc3\xa9\ttab"));
	for (i = 0; i < MEDFW_NOTICE_ARRAY_MAX; i++)
		json_array_append_new(arr, json_string("step"));
	set_path(root, "instructions", arr);
	assert_int_equal(medfw_notice_from_json(root, &n, NULL), MEDFW_OK);
	assert_int_equal(n->udi_di_count, 0);
	assert_int_equal(n->reason.cve_id_count, 0);
	assert_int_equal(n->reason.severity, MEDFW_SEVERITY_NONE);
	assert_int_equal(n->instruction_count, MEDFW_NOTICE_ARRAY_MAX);
	medfw_notice_free(n);
	json_decref(root);
	free(big);
}

static void test_missing_fields(void **state)
{
	static const char *const fields[] = {
		"notice_format", "product_version", "security_version", "hardware_ids",
		"udi_dis", "release_date", "min_agent_version", "install",
		"install.estimated_minutes", "install.downtime_minutes", "install.reboot_required",
		"clinical_impact", "reason", "reason.summary", "reason.cve_ids",
		"reason.severity", "rollback_supported", "instructions", "sbom_target",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		json_t *root = load(valid_notice);
		const char *leaf = strrchr(fields[i], '.');
		char quoted[80];

		leaf = leaf == NULL ? fields[i] : leaf + 1;
		snprintf(quoted, sizeof(quoted), "missing field \"%s\"", leaf);
		del_path(root, fields[i]);
		expect_fail(root, quoted, NULL);
	}
	/* The parent is named too. */
	{
		json_t *root = load(valid_notice);

		del_path(root, "install.downtime_minutes");
		expect_fail(root, "release notice: install: missing field \"downtime_minutes\"",
			    NULL);
	}
}

static void test_wrong_types(void **state)
{
	static const struct {
		const char *path;
		const char *json; /* the wrong value */
		const char *want;
	} cases[] = {
		{"notice_format", "\"1\"", "an integer"},
		{"product_version", "4", "a string"},
		{"security_version", "\"7\"", "an integer"},
		{"security_version", "7.0", "an integer"},
		{"hardware_ids", "\"pump\"", "an array"},
		{"udi_dis", "{}", "an array"},
		{"release_date", "20240229", "a string"},
		{"min_agent_version", "null", "a string"},
		{"install", "[]", "an object"},
		{"install.estimated_minutes", "true", "an integer"},
		{"install.downtime_minutes", "1.5", "an integer"},
		{"install.reboot_required", "1", "true or false"},
		{"clinical_impact", "[\"x\"]", "a string"},
		{"reason", "\"because\"", "an object"},
		{"reason.summary", "{}", "a string"},
		{"reason.cve_ids", "\"CVE-2024-1234\"", "an array"},
		{"reason.severity", "3", "a string"},
		{"rollback_supported", "\"yes\"", "true or false"},
		{"instructions", "\"do it\"", "an array"},
		{"sbom_target", "false", "a string"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *leaf = strrchr(cases[i].path, '.');
		char quoted[80];

		leaf = leaf == NULL ? cases[i].path : leaf + 1;
		snprintf(quoted, sizeof(quoted), "\"%s\"", leaf);
		expect_set_fails(cases[i].path,
				 json_loads(cases[i].json, JSON_DECODE_ANY, NULL), quoted,
				 cases[i].want);
	}
	expect_set_fails("hardware_ids", json_pack("[s,i]", "pump", 3), "hardware_ids[1]",
			 "must be a string");
	expect_set_fails("instructions", json_pack("[n]"), "instructions[0]", "must be a string");
	expect_set_fails("reason.cve_ids", json_pack("[[]]"), "reason.cve_ids[0]",
			 "must be a string");
	expect_fail(load("[]"), "not a JSON object", NULL);
	expect_fail(load("\"notice\""), "not a JSON object", NULL);
}

static void test_bad_values(void **state)
{
	(void)state;
	/* CVE ids */
	expect_set_fails("reason.cve_ids", json_pack("[s,s,s]", "CVE-2024-1234", "CVE-2023-9999",
						     "CVE-20-1"),
			 "reason.cve_ids[2]: \"CVE-20-1\" is not a CVE id", NULL);
	expect_set_fails("reason.cve_ids", json_pack("[s]", "cve-2024-1234"), "reason.cve_ids[0]",
			 "not a CVE id");
	expect_set_fails("reason.cve_ids", json_pack("[s]", "CVE-2024-123"), "not a CVE id", NULL);
	expect_set_fails("reason.cve_ids", json_pack("[s]", "CVE-1998-1234"), "not a CVE id", NULL);
	expect_set_fails("reason.cve_ids", json_pack("[s]", "CVE-2024-1234 "), "not a CVE id", NULL);
	expect_set_fails("reason.cve_ids", json_pack("[s,s]", "CVE-2024-1234", "CVE-2024-1234"),
			 "reason.cve_ids[1]", "repeats item 0");
	/* severity */
	expect_set_fails("reason.severity", json_string("urgent"),
			 "reason.severity: \"urgent\" is not one of", NULL);
	expect_set_fails("reason.severity", json_string("High"), "reason.severity", NULL);
	expect_set_fails("reason.severity", json_string(""), "reason.severity", NULL);
	/* dates */
	expect_set_fails("release_date", json_string("2023-02-29"),
			 "release_date: \"2023-02-29\" is not a calendar date", NULL);
	expect_set_fails("release_date", json_string("2100-02-29"), "release_date", NULL);
	expect_set_fails("release_date", json_string("2024-04-31"), "release_date", NULL);
	expect_set_fails("release_date", json_string("2024-13-01"), "release_date", NULL);
	expect_set_fails("release_date", json_string("2024-1-01"), "release_date", NULL);
	expect_set_fails("release_date", json_string("2024-01-01T00:00:00Z"), "release_date",
			 NULL);
	expect_set_fails("release_date", json_string("1969-12-31"), "release_date", NULL);
	/* UDI-DIs */
	expect_set_fails("udi_dis", json_pack("[s]", "00884521062412"), "udi_dis[0]",
			 "check digit is 2, expected 5");
	expect_set_fails("udi_dis", json_pack("[s,s]", "09506000134352", "+A123BJC5D6E71H"),
			 "udi_dis[1]", "check character is 'H', expected 'G'");
	expect_set_fails("udi_dis", json_pack("[s,s]", "09506000134352", "09506000134352"),
			 "udi_dis[1]", "repeats");
	/* integers out of range */
	expect_set_fails("security_version", json_integer(-1), "security_version", "outside");
	expect_set_fails("install.estimated_minutes", json_integer(MEDFW_NOTICE_MINUTES_MAX + 1),
			 "estimated_minutes", "outside");
	expect_set_fails("notice_format", json_integer(2), "notice_format",
			 "format 2 is not supported");
	/* non-empty arrays */
	expect_set_fails("hardware_ids", json_array(), "hardware_ids", "at least one");
	expect_set_fails("instructions", json_array(), "instructions", "at least one");
	expect_set_fails("hardware_ids", json_pack("[s,s]", "a", "a"), "hardware_ids[1]",
			 "repeats");
	/* identifiers */
	expect_set_fails("product_version", json_string("4.2.1 beta"), "product_version",
			 "not a version");
	expect_set_fails("min_agent_version", json_string("-1"), "min_agent_version",
			 "not a version");
	expect_set_fails("product_version", json_string(""), "product_version", "is empty");
	expect_set_fails("hardware_ids", json_pack("[s]", "pump\trev"), "hardware_ids[0]", NULL);
	expect_set_fails("sbom_target", json_string("/etc/passwd"), "sbom_target",
			 "relative target path");
	expect_set_fails("sbom_target", json_string("sbom/../x.json"), "sbom_target", NULL);
	expect_set_fails("sbom_target", json_string("sbom//x.json"), "sbom_target", NULL);
	expect_set_fails("sbom_target", json_string("sbom/"), "sbom_target", NULL);
	/* blank free text */
	expect_set_fails("clinical_impact", json_string(""), "clinical_impact", "empty");
	expect_set_fails("clinical_impact", json_string(" \n\t "), "clinical_impact", "blank");
	expect_set_fails("instructions", json_pack("[s,s]", "ok", "  "), "instructions[1]",
			 "blank");
}

static void test_oversized(void **state)
{
	char *big = malloc(MEDFW_NOTICE_TEXT_MAX + 2);
	json_t *arr = json_array();
	size_t i;

	(void)state;
	memset(big, 'x', MEDFW_NOTICE_TEXT_MAX + 1);
	big[MEDFW_NOTICE_TEXT_MAX + 1] = '\0';
	expect_set_fails("clinical_impact", json_string(big), "clinical_impact",
			 "4097 characters, at most 4096");
	expect_set_fails("reason.summary", json_string(big), "reason.summary", "at most 4096");
	big[MEDFW_NOTICE_VERSION_MAX + 1] = '\0';
	expect_set_fails("product_version", json_string(big), "product_version", "at most 64");
	free(big);
	for (i = 0; i <= MEDFW_NOTICE_ARRAY_MAX; i++)
		json_array_append_new(arr, json_string("step"));
	expect_set_fails("instructions", arr, "instructions", "257 items, at most 256");
}

static void test_control_characters(void **state)
{
	(void)state;
	expect_set_fails("clinical_impact", json_string("ok\x07 bell"), "clinical_impact",
			 "control character U+0007");
	expect_set_fails("clinical_impact", json_string("carriage\r\nreturn"), "clinical_impact",
			 "U+000D");
	expect_set_fails("reason.summary", json_string("esc \x1b[31m red"), "reason.summary",
			 "U+001B");
	expect_set_fails("instructions", json_pack("[s,s]", "fine", "del\x7f"), "instructions[1]",
			 "U+007F");
	expect_set_fails("instructions", json_pack("[s]", "c1 \xc2\x9b"), "instructions[0]",
			 "U+009B");
	/* right-to-left override: makes displayed text differ from the signed text */
	expect_set_fails("clinical_impact", json_string("dose \xe2\x80\xae 01 mg"),
			 "clinical_impact", "U+202E");
	expect_set_fails("clinical_impact", json_stringn("nul\0byte", 8), "clinical_impact",
			 "NUL");
}

static void test_unknown_fields(void **state)
{
	(void)state;
	expect_set_fails("clinical_impakt", json_string("typo"),
			 "unknown field \"clinical_impakt\"", NULL);
	expect_set_fails("install.reboot", json_true(), "install: unknown field \"reboot\"", NULL);
	expect_set_fails("reason.cvss", json_real(9.8), "reason: unknown field \"cvss\"", NULL);
}

static void test_to_json_rejects_bad_struct(void **state)
{
	struct medfw_release_notice *n = NULL;
	json_t *root = load(valid_notice), *out = (json_t *)(uintptr_t)1;
	struct medfw_diag d;
	char *saved;

	(void)state;
	assert_int_equal(medfw_notice_from_json(root, &n, NULL), MEDFW_OK);
	saved = n->reason.cve_ids[1];
	n->reason.cve_ids[1] = (char *)(uintptr_t)"CVE-20-1";
	medfw_diag_clear(&d);
	assert_int_equal(medfw_notice_to_json(n, &out, &d), MEDFW_ERR_NOTICE);
	assert_null(out);
	assert_non_null(strstr(d.msg, "reason.cve_ids[1]: \"CVE-20-1\" is not a CVE id"));
	n->reason.cve_ids[1] = saved;

	saved = n->clinical_impact;
	n->clinical_impact = NULL;
	medfw_diag_clear(&d);
	assert_int_equal(medfw_notice_to_json(n, &out, &d), MEDFW_ERR_NOTICE);
	assert_null(out);
	assert_non_null(strstr(d.msg, "missing field \"clinical_impact\""));
	n->clinical_impact = saved;

	n->reason.severity = (enum medfw_notice_severity)9;
	assert_int_equal(medfw_notice_to_json(n, &out, NULL), MEDFW_ERR_NOTICE);
	n->reason.severity = MEDFW_SEVERITY_CRITICAL;
	n->security_version = UINT64_MAX;
	assert_int_equal(medfw_notice_to_json(n, &out, NULL), MEDFW_ERR_NOTICE);
	assert_null(out);
	n->security_version = 8;
	assert_int_equal(medfw_notice_to_json(n, &out, NULL), MEDFW_OK);
	assert_string_equal(json_string_value(json_object_get(json_object_get(out, "reason"),
							      "severity")),
			    "critical");
	json_decref(out);
	medfw_notice_free(n);
	json_decref(root);
}

static void test_target_custom(void **state)
{
	struct medfw_release_notice *n = NULL;
	json_t *custom = json_pack("{s:{s:O, s:s}, s:s}", "medfw", "release_notice",
				   load(valid_notice), "other", "kept", "vendor_x", "ignored");
	json_t *empty = json_pack("{s:{}}", "medfw");
	struct medfw_diag d;

	(void)state;
	/* json_pack "O" took its own reference; drop the load() one. */
	json_decref(json_object_get(json_object_get(custom, "medfw"), "release_notice"));
	assert_int_equal(medfw_notice_from_target_custom(custom, &n, NULL), MEDFW_OK);
	assert_string_equal(n->product_version, "4.2.1");
	medfw_notice_free(n);
	medfw_diag_clear(&d);
	n = (struct medfw_release_notice *)(uintptr_t)1;
	assert_int_equal(medfw_notice_from_target_custom(empty, &n, &d), MEDFW_ERR_NOTICE);
	assert_null(n);
	assert_non_null(strstr(d.msg, "medfw.release_notice"));
	json_decref(custom);
	json_decref(empty);
}

static void test_print_text(void **state)
{
	struct medfw_release_notice *n = NULL;
	json_t *root = load(valid_notice);
	struct medfw_buf b;
	const char *text;

	(void)state;
	assert_int_equal(medfw_notice_from_json(root, &n, NULL), MEDFW_OK);
	medfw_buf_init(&b, 1u << 20);
	assert_int_equal(medfw_notice_print_text(n, &b), MEDFW_OK);
	text = (const char *)b.data;
	assert_non_null(strstr(text, "Product version:     4.2.1\n"));
	assert_non_null(strstr(text, "Security version:    7\n"));
	assert_non_null(strstr(text, "Downtime:            15 minutes"));
	assert_non_null(strstr(text, "Reboot required:     yes\n"));
	assert_non_null(strstr(text, "Rollback supported:  yes\n"));
	assert_non_null(strstr(text, "CLINICAL IMPACT\n  Pump unavailable for 15 minutes.\n"
				     "  Stop infusions first.\n"));
	assert_non_null(strstr(text, "Severity:            high\n"));
	assert_non_null(strstr(text, "CVE-2024-12345, CVE-2023-0001"));
	assert_non_null(strstr(text, "  1. Stop the infusion.\n"
				     "  2. Connect mains power.\n"
				     "  3. Run the self-test.\n"
				     "     Return to service if it passes.\n"));
	assert_non_null(strstr(text, "sbom/pump-4.2.1.cdx.json"));
	medfw_buf_free(&b);

	/* Too small: fails and leaves the buffer as it was. */
	medfw_buf_init(&b, 100);
	assert_int_equal(medfw_buf_append_str(&b, "keep"), MEDFW_OK);
	assert_int_equal(medfw_notice_print_text(n, &b), MEDFW_ERR_TOO_LARGE);
	assert_int_equal(b.len, 4);
	assert_string_equal((const char *)b.data, "keep");
	medfw_buf_free(&b);
	medfw_notice_free(n);
	json_decref(root);
}

/* The example in docs/formats must stay valid. */
static void test_docs_example(void **state)
{
	struct medfw_release_notice *n = NULL;
	const char *src = getenv("MEDFW_SOURCE_DIR");
	char path[4096];
	struct medfw_buf b;
	json_error_t jerr;
	json_t *root;
	struct medfw_diag d;

	(void)state;
	if (src == NULL)
		skip();
	snprintf(path, sizeof(path), "%s/docs/formats/release-notice.example.json", src);
	tu_read_file(path, &b);
	root = json_loadb((const char *)b.data, b.len, JSON_REJECT_DUPLICATES, &jerr);
	assert_non_null(root);
	medfw_diag_clear(&d);
	if (medfw_notice_from_json(root, &n, &d) != MEDFW_OK)
		fail_msg("%s: %s", path, d.msg);
	medfw_notice_free(n);
	json_decref(root);
	medfw_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_roundtrip),
		cmocka_unit_test(test_empty_arrays_and_bounds_ok),
		cmocka_unit_test(test_missing_fields),
		cmocka_unit_test(test_wrong_types),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_oversized),
		cmocka_unit_test(test_control_characters),
		cmocka_unit_test(test_unknown_fields),
		cmocka_unit_test(test_to_json_rejects_bad_struct),
		cmocka_unit_test(test_target_custom),
		cmocka_unit_test(test_print_text),
		cmocka_unit_test(test_docs_example),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
