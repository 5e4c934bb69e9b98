/* VEX round trip at the library level (docs/advisories.md, "Round trip"): the CSAF VEX
 * that medfw_advisory_csaf writes for a set of findings built here, read back with
 * medfw_vex_parse, gives one statement per release and vulnerability the advisory
 * lists, with the advisory's status, flag (justification), impact statement (detail)
 * and remediation categories (response, each once), and its product denotes exactly
 * that release's firmware component of an SBOM (by purl, by CPE) through
 * medfw_vex_applies. Covered: every product status, every flag medfw emits, a
 * known_not_affected without a flag, a vulnerability without a CVE (ids only), an
 * impact statement longer than the buffers the reader once cut it at. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "medfw/advisory.h"
#include "medfw/csaf.h"
#include "medfw/sbom.h"
#include "medfw/vex.h"
#include "medfw/vuln_match.h"

#define V1 "CVE-2099-0001"
#define V2 "GHSA-aaaa-bbbb-cccc"
#define LONG_IMPACT_BYTES 6000u

/* The pump's releases in input order; 2.0 declares the fix of V1. The monitor has one
 * release, named by CPE and model number only. */
static const char *const pump_versions[] = {"1.0", "1.1", "1.2", "1.3", "1.4",
					    "1.5", "1.6", "1.7", "2.0"};
#define PUMP_RELEASES (sizeof(pump_versions) / sizeof(pump_versions[0]))
#define MONITOR_CPE "cpe:2.3:o:acme:monitor_x_firmware:3.0:*:*:*:*:*:*:*"

static char *input_json(void)
{
	struct medfw_buf b;
	size_t i, len;

	medfw_buf_init(&b, 1u << 20);
	assert_int_equal(
		medfw_buf_printf(
			&b,
			"{\"advisory_format\":1,"
			"\"publisher\":{\"name\":\"Acme Medical\",\"namespace\":\"https://psirt.acme."
			"example\"},"
			"\"tracking\":{\"id\":\"ACME-VEX-1\",\"status\":\"final\",\"revision_history\":"
			"[{\"number\":\"1\",\"date\":\"2024-06-03T09:00:00Z\",\"summary\":\"First."
			"\"}]},"
			"\"title\":\"Round trip\",\"summary\":\"Which releases are affected.\","
			"\"products\":[{\"id\":\"pump-c\",\"model\":\"Acme Pump C\",\"releases\":["),
		MEDFW_OK);
	for (i = 0; i < PUMP_RELEASES; i++)
		assert_int_equal(medfw_buf_printf(&b,
						  "%s{\"version\":\"%s\",\"sbom\":\"pump-%s.json\","
						  "\"purl\":\"pkg:generic/acme/pump-c@%s\"%s}",
						  i > 0 ? "," : "", pump_versions[i],
						  pump_versions[i], pump_versions[i],
						  strcmp(pump_versions[i], "2.0") == 0
							  ? ",\"fixes\":[\"" V1 "\"]"
							  : ""),
				 MEDFW_OK);
	assert_int_equal(
		medfw_buf_printf(
			&b,
			"]},{\"id\":\"monitor-x\",\"model\":\"Acme Monitor X\","
			"\"model_numbers\":[\"AMX-3\"],\"releases\":[{\"version\":\"3.0\","
			"\"sbom\":\"monitor-3.0.json\",\"cpe\":\"" MONITOR_CPE "\"}]}],"
			"\"vulnerabilities\":[{\"cve\":\"" V1 "\",\"title\":\"One\","
			"\"description\":\"The first.\",\"impact\":\""),
		MEDFW_OK);
	/* an impact statement longer than 2 KiB: read back whole */
	for (i = 0; i < LONG_IMPACT_BYTES / 10; i++)
		assert_int_equal(medfw_buf_printf(&b, "impact%03zu ", i % 1000), MEDFW_OK);
	assert_int_equal(
		medfw_buf_printf(
			&b,
			"\",\"mitigations\":[\"Filter port 443.\",\"Use the pump VLAN.\"],"
			"\"compensating_controls\":[\"Watch availability.\"],"
			"\"workarounds\":[\"Disable the TLS server.\"]},"
			"{\"ids\":[{\"system_name\":\"GitHub Security Advisories\",\"text\":\"" V2
			"\"}],\"title\":\"Two\",\"description\":\"The second.\","
			"\"impact\":\"The display freezes.\"}]}"),
		MEDFW_OK);
	return (char *)medfw_buf_steal(&b, &len);
}

/* One finding; the sbom names the release. */
static struct medfw_advisory_finding finding(const char *sbom, const char *vuln,
					     enum medfw_finding_status status, int vex,
					     const char *justification, const char *detail,
					     const char *evidence)
{
	struct medfw_advisory_finding f;

	memset(&f, 0, sizeof(f));
	f.sbom = sbom;
	f.vuln_id = vuln;
	f.component = "openssl 1.1.1i";
	f.status = status;
	f.vex = vex;
	f.justification = justification;
	f.detail = detail;
	f.evidence = evidence;
	return f;
}

struct expect {
	const char *vuln;
	const char *product_id;
	enum medfw_vex_status status;
	const char *state;
	const char *flag;     /* justification */
	const char *response;
};

/* What the advisory says, statement by statement (product ids sorted per list, lists in
 * the writer's order: known_affected, known_not_affected, fixed, under_investigation;
 * the reader's order: affected, not affected, fixed, under investigation). */
static const struct expect expected[] = {
	{V1, "pump-c:1.0", MEDFW_VEX_AFFECTED, "known_affected", NULL,
	 "vendor_fix, mitigation, workaround"},
	{V1, "pump-c:1.1", MEDFW_VEX_NOT_AFFECTED, "known_not_affected",
	 "vulnerable_code_not_present", NULL},
	{V1, "pump-c:1.2", MEDFW_VEX_NOT_AFFECTED, "known_not_affected", "component_not_present",
	 NULL},
	{V1, "pump-c:1.3", MEDFW_VEX_NOT_AFFECTED, "known_not_affected",
	 "vulnerable_code_not_in_execute_path", NULL},
	{V1, "pump-c:1.4", MEDFW_VEX_NOT_AFFECTED, "known_not_affected",
	 "vulnerable_code_cannot_be_controlled_by_adversary", NULL},
	{V1, "pump-c:1.5", MEDFW_VEX_NOT_AFFECTED, "known_not_affected",
	 "inline_mitigations_already_exist", NULL},
	{V1, "pump-c:1.6", MEDFW_VEX_NOT_AFFECTED, "known_not_affected", NULL, NULL},
	{V1, "pump-c:2.0", MEDFW_VEX_FIXED, "fixed", NULL, NULL},
	{V1, "pump-c:1.7", MEDFW_VEX_UNDER_INVESTIGATION, "under_investigation", NULL,
	 "vendor_fix, mitigation, workaround"},
	{V2, "pump-c:1.0", MEDFW_VEX_FIXED, "fixed", NULL, NULL},
	{V2, "monitor-x:3.0", MEDFW_VEX_UNDER_INVESTIGATION, "under_investigation", NULL, NULL},
};
#define EXPECTED (sizeof(expected) / sizeof(expected[0]))

/* The findings: every kind of statement the advisory can make. */
static struct medfw_advisory_findings *findings_new(void)
{
	struct medfw_advisory_findings *fs = calloc(1, sizeof(*fs));
	struct medfw_advisory_finding *it = calloc(16, sizeof(*it));
	size_t n = 0;

	assert_non_null(fs);
	assert_non_null(it);
	it[n++] = finding("/x/pump-1.0.json", V1, MEDFW_FINDING_AFFECTED, 0, NULL, NULL, NULL);
	it[n++] = finding("pump-1.1.json", V1, MEDFW_FINDING_NOT_AFFECTED, 1, "code_not_present",
			  "The function is compiled out.", NULL);
	it[n++] = finding("pump-1.2.json", V1, MEDFW_FINDING_NOT_AFFECTED, 1, "false_positive",
			  NULL, NULL);
	it[n++] = finding("pump-1.3.json", V1, MEDFW_FINDING_NOT_AFFECTED, 1, "code_not_reachable",
			  "Never called.", NULL);
	it[n++] = finding("pump-1.4.json", V1, MEDFW_FINDING_NOT_AFFECTED, 1,
			  "requires_configuration", "Off by default.", NULL);
	it[n++] = finding("pump-1.5.json", V1, MEDFW_FINDING_NOT_AFFECTED, 1,
			  "protected_at_runtime", "W^X and CFI.", NULL);
	it[n++] = finding("pump-1.6.json", V1, MEDFW_FINDING_NOT_AFFECTED, 0, NULL, NULL,
			  V1 ": generic 1.1.1w != 1.1.1i");
	it[n++] = finding("pump-1.7.json", V1, MEDFW_FINDING_UNDER_INVESTIGATION, 1, NULL,
			  "Being analysed.", NULL);
	it[n++] = finding("pump-2.0.json", V1, MEDFW_FINDING_NOT_AFFECTED, 0, NULL, NULL,
			  V1 ": generic 1.1.1w != 1.1.1i");
	it[n++] = finding("pump-1.0.json", V2, MEDFW_FINDING_FIXED, 1, NULL, NULL, NULL);
	it[n++] = finding("monitor-3.0.json", V2, MEDFW_FINDING_UNDETERMINED, 0, NULL, NULL,
			  V2 ": version 3.0 cannot be compared");
	fs->source = "test findings";
	fs->items = it;
	fs->count = n;
	return fs;
}

static void findings_free(struct medfw_advisory_findings *fs)
{
	if (fs == NULL)
		return;
	free(fs->items);
	free(fs);
}

struct roundtrip {
	struct medfw_advisory_input *input;
	struct medfw_advisory_findings *findings;
	struct medfw_advisory *adv;
	struct medfw_buf csaf;
	struct medfw_vex_doc *vex;
};

static void roundtrip_run(struct roundtrip *rt)
{
	struct medfw_csaf_report report;
	struct medfw_diag d;
	char *text = input_json();
	enum medfw_err err;

	memset(rt, 0, sizeof(*rt));
	memset(&report, 0, sizeof(report));
	medfw_diag_clear(&d);
	err = medfw_advisory_input_parse("input.json", (const uint8_t *)text, strlen(text), NULL,
					 &rt->input, &d);
	free(text);
	if (err != MEDFW_OK)
		fail_msg("input: %s", medfw_diag_message(&d, err));
	rt->findings = findings_new();
	err = medfw_advisory_build(rt->input, rt->findings, &rt->adv, &d);
	if (err != MEDFW_OK)
		fail_msg("build: %s", medfw_diag_message(&d, err));
	medfw_buf_init(&rt->csaf, MEDFW_ADVISORY_OUTPUT_MAX);
	err = medfw_advisory_csaf(rt->adv, MEDFW_ADVISORY_PROFILE_VEX, &rt->csaf, &report, &d);
	if (err != MEDFW_OK)
		fail_msg("csaf: %s", medfw_diag_message(&d, err));
	assert_int_equal(report.count, 0);
	medfw_csaf_report_free(&report);
	err = medfw_vex_parse("acme-vex-1.json", rt->csaf.data, rt->csaf.len, &rt->vex, &d);
	if (err != MEDFW_OK)
		fail_msg("vex: %s", medfw_diag_message(&d, err));
}

static void roundtrip_free(struct roundtrip *rt)
{
	medfw_vex_free(rt->vex);
	medfw_buf_free(&rt->csaf);
	medfw_advisory_free(rt->adv);
	findings_free(rt->findings);
	medfw_advisory_input_free(rt->input);
}

/* The model's entry of a release ("pump-c:1.0") for a vulnerability. */
static const struct medfw_advisory_entry *model_entry(const struct medfw_advisory *adv,
						      const char *vuln, const char *product_id,
						      const struct medfw_advisory_vuln **out_v)
{
	size_t i, k;

	for (i = 0; i < adv->vuln_count; i++) {
		const struct medfw_advisory_vuln *v = &adv->vulns[i];

		if (strcmp(v->input->display_id, vuln) != 0)
			continue;
		for (k = 0; k < v->entry_count; k++) {
			const struct medfw_advisory_entry *e = &v->entries[k];

			if (strcmp(adv->input->products[e->product].releases[e->release].product_id,
				   product_id) == 0) {
				*out_v = v;
				return e;
			}
		}
	}
	fail_msg("no entry %s %s", vuln, product_id);
	return NULL;
}

static void assert_str_or_null(const char *got, const char *want)
{
	if (want == NULL)
		assert_null(got);
	else {
		assert_non_null(got);
		assert_string_equal(got, want);
	}
}

static void test_statements_come_back(void **state)
{
	struct roundtrip rt;
	char detail[MEDFW_ADVISORY_TEXT_MAX + 64];
	size_t i, listed = 0, k;

	(void)state;
	roundtrip_run(&rt);
	assert_int_equal(rt.vex->format, MEDFW_VEX_CSAF);
	assert_int_equal(rt.vex->problem_count, 0);
	/* one statement per release and vulnerability the advisory lists, nothing else */
	for (i = 0; i < rt.adv->vuln_count; i++)
		for (k = 0; k < rt.adv->vulns[i].entry_count; k++)
			listed += rt.adv->vulns[i].entries[k].status != MEDFW_ADVISORY_UNLISTED;
	assert_int_equal(listed, EXPECTED);
	assert_int_equal(rt.vex->statement_count, EXPECTED);
	for (i = 0; i < EXPECTED; i++) {
		const struct expect *x = &expected[i];
		const struct medfw_vex_statement *s = &rt.vex->statements[i];
		const struct medfw_advisory_vuln *v = NULL;
		const struct medfw_advisory_entry *e = model_entry(rt.adv, x->vuln, x->product_id, &v);

		if (e == NULL) {
			fail_msg("the advisory model has no entry for %s / %s", x->vuln, x->product_id);
			return;
		}
		assert_string_equal(s->vuln_id, x->vuln);
		assert_string_equal(s->product_id, x->product_id);
		assert_int_equal(s->status, x->status);
		assert_string_equal(s->state, x->state);
		assert_string_equal(medfw_advisory_status_name(e->status), x->state);
		assert_str_or_null(s->justification, x->flag);
		assert_str_or_null(s->justification, medfw_advisory_flag_label(e->flag));
		assert_str_or_null(s->response, x->response);
		assert_string_equal(s->timestamp, "2024-06-03T09:00:00Z");
		assert_non_null(s->product);
		/* the impact statement: the input's words for open releases, why for the not
		 * affected ones, none for the fixed */
		if (x->status == MEDFW_VEX_AFFECTED || x->status == MEDFW_VEX_UNDER_INVESTIGATION) {
			assert_str_or_null(s->detail, v->input->impact);
		} else if (x->status == MEDFW_VEX_NOT_AFFECTED) {
			assert_non_null(e->reason);
			snprintf(detail, sizeof(detail), "Not affected: %s", e->reason);
			assert_str_or_null(s->detail, detail);
		} else {
			assert_null(s->detail);
		}
	}
	/* the long impact statement whole, the flag words of the findings in the reasons */
	assert_int_equal(strlen(rt.vex->statements[0].detail), LONG_IMPACT_BYTES);
	assert_string_equal(rt.vex->statements[1].detail,
			    "Not affected: openssl 1.1.1i: code_not_present: The function is "
			    "compiled out.");
	assert_string_equal(rt.vex->statements[6].detail,
			    "Not affected: openssl 1.1.1i: " V1 ": generic 1.1.1w != 1.1.1i");
	/* a vulnerability without a CVE is named by its id */
	assert_int_equal(rt.vex->statements[9].alias_count, 0);
	assert_true(medfw_vex_names(&rt.vex->statements[9], V2));
	assert_false(medfw_vex_names(&rt.vex->statements[9], V1));
	roundtrip_free(&rt);
}

/* The firmware component of an SBOM of release `version` of the pump (by purl) or of
 * the monitor (CPE, model number). */
static struct medfw_sbom *firmware_sbom(const char *product, const char *version)
{
	char json[1024];
	struct medfw_sbom *sbom = NULL;
	struct medfw_diag d;
	enum medfw_err err;

	if (strcmp(product, "pump-c") == 0)
		snprintf(json, sizeof(json),
			 "{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.6\",\"version\":1,"
			 "\"metadata\":{\"component\":{\"type\":\"firmware\",\"bom-ref\":\"fw\","
			 "\"name\":\"pump firmware\",\"version\":\"%s\","
			 "\"purl\":\"pkg:generic/acme/pump-c@%s\"}},\"components\":[]}",
			 version, version);
	else
		snprintf(json, sizeof(json),
			 "{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.6\",\"version\":1,"
			 "\"metadata\":{\"component\":{\"type\":\"firmware\",\"bom-ref\":\"fw\","
			 "\"name\":\"monitor firmware\",\"version\":\"%s\","
			 "\"cpe\":\"cpe:2.3:o:acme:monitor_x_firmware:%s:*:*:*:*:*:*:*\"}},"
			 "\"components\":[]}",
			 version, version);
	medfw_diag_clear(&d);
	err = medfw_sbom_parse((const uint8_t *)json, strlen(json), NULL, &sbom, &d);
	if (err != MEDFW_OK)
		fail_msg("SBOM: %s", medfw_diag_message(&d, err));
	assert_true(sbom->product != MEDFW_SBOM_NONE);
	return sbom;
}

static enum medfw_vex_status applies(const struct medfw_vex_doc *doc,
				     const struct medfw_vex_statement *s, const char *product,
				     const char *version)
{
	struct medfw_sbom *sbom = firmware_sbom(product, version);
	const struct medfw_sbom_component *c = &sbom->components[sbom->product];
	struct medfw_vuln_component view;
	enum medfw_vex_status st = MEDFW_VEX_AFFECTED;
	char why[256];

	memset(&view, 0, sizeof(view));
	view.name = c->name;
	view.version = c->version;
	view.purl = c->purl;
	view.cpes = (const char *const *)c->cpes;
	view.cpe_count = c->cpe_count;
	assert_int_equal(medfw_vex_applies(doc, s, sbom, c, &view, NULL, 0, &st, why, sizeof(why),
					   NULL),
			 MEDFW_OK);
	if (st != MEDFW_VEX_STATUS_NONE)
		assert_non_null(strstr(why, strcmp(product, "pump-c") == 0 ? "purl" : "cpe"));
	medfw_sbom_free(sbom);
	return st;
}

static void test_products_denote_their_release(void **state)
{
	struct roundtrip rt;
	size_t i, k;

	(void)state;
	roundtrip_run(&rt);
	for (i = 0; i < rt.vex->statement_count; i++) {
		const struct medfw_vex_statement *s = &rt.vex->statements[i];
		const char *colon = strchr(s->product_id, ':');
		char product[32];

		assert_non_null(colon);
		snprintf(product, sizeof(product), "%.*s", (int)(colon - s->product_id),
			 s->product_id);
		/* its own release's firmware, no other release's, no other product's */
		assert_int_equal(applies(rt.vex, s, product, colon + 1), s->status);
		for (k = 0; k < PUMP_RELEASES; k++)
			if (strcmp(pump_versions[k], colon + 1) != 0 || strcmp(product, "pump-c") != 0)
				assert_int_equal(applies(rt.vex, s, "pump-c", pump_versions[k]),
						 MEDFW_VEX_STATUS_NONE);
		if (strcmp(product, "monitor-x") != 0)
			assert_int_equal(applies(rt.vex, s, "monitor-x", "3.0"),
					 MEDFW_VEX_STATUS_NONE);
		assert_int_equal(applies(rt.vex, s, "monitor-x", "3.1"), MEDFW_VEX_STATUS_NONE);
	}
	roundtrip_free(&rt);
}

/* Flags, impact statements and remediations named twice are read once; several are
 * joined; the joined text has a bound. */
static void test_reasons_joined_once(void **state)
{
	static const char head[] =
		"{\"document\":{\"category\":\"csaf_vex\",\"csaf_version\":\"2.0\","
		"\"publisher\":{\"category\":\"vendor\",\"name\":\"A\",\"namespace\":"
		"\"https://a.example\"},\"title\":\"t\",\"tracking\":{\"id\":\"T-1\","
		"\"status\":\"final\",\"version\":\"1\",\"initial_release_date\":"
		"\"2024-01-01T00:00:00Z\",\"current_release_date\":\"2024-01-01T00:00:00Z\","
		"\"revision_history\":[{\"date\":\"2024-01-01T00:00:00Z\",\"number\":\"1\","
		"\"summary\":\"s\"}]}},"
		"\"product_tree\":{\"full_product_names\":[{\"name\":\"P\",\"product_id\":\"P1\"},"
		"{\"name\":\"Q\",\"product_id\":\"P2\"}]},"
		"\"vulnerabilities\":[{\"cve\":\"CVE-2099-0002\",\"product_status\":{"
		"\"known_not_affected\":[\"P1\"]},"
		"\"flags\":[{\"label\":\"component_not_present\",\"product_ids\":[\"P1\"]},"
		"{\"label\":\"component_not_present\",\"product_ids\":[\"P1\",\"P2\"]}],"
		"\"remediations\":[{\"category\":\"mitigation\",\"details\":\"a\",\"product_ids\":"
		"[\"P1\"]},{\"category\":\"mitigation\",\"details\":\"b\",\"product_ids\":[\"P1\"]},"
		"{\"category\":\"workaround\",\"details\":\"c\",\"product_ids\":[\"P1\"]}],"
		"\"threats\":[";
	struct medfw_vex_doc *doc = NULL;
	struct medfw_diag d;
	struct medfw_buf b;
	size_t i, n;

	(void)state;
	/* two short impact statements, one of them twice */
	medfw_buf_init(&b, 8u << 20);
	assert_int_equal(medfw_buf_printf(&b,
					  "%s{\"category\":\"impact\",\"details\":\"x\","
					  "\"product_ids\":[\"P1\"]},{\"category\":\"impact\","
					  "\"details\":\"y\",\"product_ids\":[\"P1\"]},"
					  "{\"category\":\"impact\",\"details\":\"x\","
					  "\"product_ids\":[\"P1\",\"P2\"]}]}]}",
					  head),
			 MEDFW_OK);
	medfw_diag_clear(&d);
	if (medfw_vex_parse("v.json", b.data, b.len, &doc, &d) != MEDFW_OK)
		fail_msg("vex: %s", d.msg);
	assert_int_equal(doc->statement_count, 1);
	assert_string_equal(doc->statements[0].justification, "component_not_present");
	assert_string_equal(doc->statements[0].detail, "x, y");
	assert_string_equal(doc->statements[0].response, "mitigation, workaround");
	medfw_vex_free(doc);
	doc = NULL;
	/* two impact statements of 600 KiB each: more than the joined bound, refused */
	medfw_buf_reset(&b);
	assert_int_equal(medfw_buf_printf(&b, "%s", head), MEDFW_OK);
	for (n = 0; n < 2; n++) {
		assert_int_equal(medfw_buf_printf(&b, "%s{\"category\":\"impact\",\"details\":\"",
						  n > 0 ? "," : ""),
				 MEDFW_OK);
		for (i = 0; i < 600u * 1024u / 8u; i++)
			assert_int_equal(medfw_buf_printf(&b, "%c%c%c%c%c%c%c%c", 'a' + (int)n,
							  'b', 'c', 'd', 'e', 'f', 'g', ' '),
					 MEDFW_OK);
		assert_int_equal(medfw_buf_printf(&b, "\",\"product_ids\":[\"P1\"]}"), MEDFW_OK);
	}
	assert_int_equal(medfw_buf_printf(&b, "]}]}"), MEDFW_OK);
	medfw_diag_clear(&d);
	assert_int_equal(medfw_vex_parse("v.json", b.data, b.len, &doc, &d), MEDFW_ERR_TOO_LARGE);
	assert_null(doc);
	assert_non_null(strstr(d.msg, "vulnerabilities[0].product_status.known_not_affected[0]"));
	assert_non_null(strstr(d.msg, "impact statements"));
	medfw_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_statements_come_back),
		cmocka_unit_test(test_products_denote_their_release),
		cmocka_unit_test(test_reasons_joined_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
