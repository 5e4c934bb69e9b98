/* Customer security advisories (medfw/advisory.h) from real findings: three firmware
 * releases of one pump whose SBOMs carry components that real NVD records of
 * testdata/nvd are about (openssl, busybox, xz, the Dante library), a CycloneDX VEX
 * statement and the CISA KEV subset. Checked: every product_status kind, the VEX flag,
 * remediations, KEV, scores, the mandatory CSAF tests on the output (and an advisory
 * that fails one is not handed out), deterministic bytes (also through the findings
 * JSON of `medfw vuln match --json`), the inconsistencies refused with the
 * vulnerability and release named, the HTML and Markdown escapers against hostile
 * strings, hostile strings in whole documents, and bad input files refused with the
 * JSON path. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "medfw/advisory.h"
#include "medfw/csaf.h"
#include "medfw/json.h"
#include "medfw/sbom.h"
#include "medfw/vex.h"
#include "medfw/vuln_feed.h"
#include "medfw/vuln_matcher.h"

/* ------------------------------------------------------------------ data */

#define SBOM_HEAD(serial, version)                                                          \
	"{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.6\",\"version\":1,"                \
	"\"serialNumber\":\"urn:uuid:" serial "-2857-43b8-a10b-e8c03d277d18\","             \
	"\"metadata\":{\"component\":{\"type\":\"firmware\",\"bom-ref\":\"fw\","              \
	"\"name\":\"Acme Infusion Pump C firmware\",\"version\":\"" version "\"}},"          \
	"\"components\":["
#define COMP(ref, name, version, cpe)                                                       \
	"{\"type\":\"library\",\"bom-ref\":\"" ref "\",\"name\":\"" name "\",\"version\":\"" \
	version "\",\"cpe\":\"" cpe "\"}"
#define OPENSSL(v) COMP("openssl", "openssl", v, "cpe:2.3:a:openssl:openssl:" v ":*:*:*:*:*:*:*")
#define BUSYBOX(v) COMP("busybox", "busybox", v, "cpe:2.3:a:busybox:busybox:" v ":*:*:*:*:*:*:*")
#define XZ(v) COMP("xz", "xz", v, "cpe:2.3:a:tukaani:xz:" v ":*:*:*:*:*:*:*")
#define DANTE(ref)                                                                          \
	COMP(ref, "dante_application_library", "1.2.0",                                     \
	     "cpe:2.3:a:audinate:dante_application_library:1.2.0:*:*:*:*:*:*:*")

/* 4.1.0: everything vulnerable; the Dante library under a bom-ref the VEX does not name. */
static const char sbom_410[] = SBOM_HEAD("11111111", "4.1.0") OPENSSL("1.1.1i") "," BUSYBOX(
	"1.31.1") "," XZ("5.6.0") "," DANTE("dante-lib") "]}";
/* 4.2.0: xz replaced; still openssl and busybox. */
static const char sbom_420[] = SBOM_HEAD("22222222", "4.2.0") OPENSSL("1.1.1i") "," BUSYBOX(
	"1.31.1") "," XZ("5.4.6") "," DANTE("dante") "]}";
/* 4.2.1: the fixed versions. */
static const char sbom_421[] = SBOM_HEAD("33333333", "4.2.1") OPENSSL("1.1.1n") "," BUSYBOX(
	"1.32.0") "," XZ("5.4.6") "," DANTE("dante") "]}";

static const char vex_json[] =
	"{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.6\",\"version\":1,"
	"\"vulnerabilities\":[{\"id\":\"CVE-2022-23748\",\"analysis\":{\"state\":\"not_affected\","
	"\"justification\":\"code_not_reachable\",\"detail\":\"The discovery service never "
	"starts.\",\"lastUpdated\":\"2024-05-01T00:00:00Z\"},\"affects\":[{\"ref\":\"dante\"}]}]}";

static const char notice_json[] =
	"{\"notice_format\":1,\"product_version\":\"4.2.1\",\"security_version\":7,"
	"\"hardware_ids\":[\"acme-infusion-pump-rev-c\"],"
	"\"udi_dis\":[\"09506000134352\",\"+A123BJC5D6E71G\"],\"release_date\":\"2024-05-14\","
	"\"min_agent_version\":\"1.3.0\",\"install\":{\"estimated_minutes\":25,"
	"\"downtime_minutes\":15,\"reboot_required\":true},"
	"\"clinical_impact\":\"The pump is unavailable for infusions for about 15 minutes.\","
	"\"reason\":{\"summary\":\"Fixes OpenSSL and BusyBox.\","
	"\"cve_ids\":[\"CVE-2022-0778\",\"CVE-2099-12345\"],\"severity\":\"high\"},"
	"\"rollback_supported\":true,\"instructions\":[\"Stop any running infusion.\","
	"\"Start the update from the fleet console.\"],"
	"\"sbom_target\":\"sbom/pump-c-4.2.1.cdx.json\"}";

/* The advisory input; "%s" is the notice of 4.2.1. */
static const char input_fmt[] =
	"{\"advisory_format\":1,"
	"\"publisher\":{\"name\":\"Acme Medical\",\"namespace\":\"https://psirt.acme.example\","
	"\"contact\":\"psirt@acme.example\"},"
	"\"tracking\":{\"id\":\"ACME-SA-2024-003\",\"status\":\"final\",\"revision_history\":["
	"{\"number\":\"1\",\"date\":\"2024-05-14T09:00:00Z\",\"summary\":\"Initial release.\"},"
	"{\"number\":\"2\",\"date\":\"2024-06-03T09:00:00Z\",\"summary\":\"VEX for Dante.\"}]},"
	"\"title\":\"Acme Infusion Pump C: third-party vulnerabilities\","
	"\"summary\":\"Firmware 4.1.0 and 4.2.0 contain vulnerable components.\","
	"\"recommendations\":[\"Use the pump VLAN.\"],"
	"\"products\":[{\"id\":\"pump-c\",\"model\":\"Acme Infusion Pump C\","
	"\"udi_dis\":[\"09506000134352\"],\"model_numbers\":[\"AIP-C\"],\"releases\":["
	"{\"version\":\"4.1.0\",\"sbom\":\"pump-c-4.1.0.cdx.json\","
	"\"purl\":\"pkg:generic/acme/pump-c@4.1.0\"},"
	"{\"version\":\"4.2.0\",\"sbom\":\"pump-c-4.2.0.cdx.json\",\"fixes\":[\"CVE-2024-3094\"],"
	"\"release_date\":\"2024-04-02\"},"
	"{\"version\":\"4.2.1\",\"sbom\":\"pump-c-4.2.1.cdx.json\",\"fixes\":[\"CVE-2018-1000500\"],"
	"\"cpe\":\"cpe:2.3:o:acme:pump_c_firmware:4.2.1:*:*:*:*:*:*:*\","
	"\"how_to_get\":\"Through the fleet console.\",\"url\":\"https://psirt.acme.example/fw\","
	"\"notice\":%s}]}],"
	"\"vulnerabilities\":["
	"{\"cve\":\"CVE-2022-0778\",\"title\":\"OpenSSL infinite loop\","
	"\"cwe\":{\"id\":\"CWE-835\",\"name\":\"Loop with Unreachable Exit Condition ('Infinite "
	"Loop')\"},\"description\":\"BN_mod_sqrt loops forever.\","
	"\"impact\":\"The network service stops responding.\","
	"\"mitigations\":[\"Allow port 443 only from the console.\"],"
	"\"compensating_controls\":[\"Watch availability.\"]},"
	"{\"cve\":\"CVE-2024-3094\",\"title\":\"XZ backdoor\",\"description\":\"liblzma backdoor.\","
	"\"impact\":\"Takeover of the service shell.\",\"workarounds\":[\"Disable the service "
	"port.\"]},"
	"{\"cve\":\"CVE-2018-1000500\",\"title\":\"BusyBox wget\",\"description\":\"No TLS "
	"check.\",\"impact\":\"A drug library download can be intercepted.\"},"
	"{\"cve\":\"CVE-2022-23748\",\"title\":\"Dante\",\"description\":\"DLL loading.\","
	"\"impact\":\"Code execution in the communication module.\","
	"\"no_fix\":{\"category\":\"none_available\",\"details\":\"Under analysis.\"}}]}";

static const char *const feed_paths[] = {
	"nvd/records", "nvd/pages/cves-2023-page.json",
	"kev/known_exploited_vulnerabilities.subset.json",
};

/* ------------------------------------------------------------------ fixture */

struct fixture {
	struct medfw_feed_set *feeds;
	struct medfw_vuln_index *index;
	struct medfw_sbom *sbom[3];
	struct medfw_vex_doc *vex;
	struct medfw_match_result *result;
	struct medfw_advisory_findings *findings;
	struct medfw_advisory_input *input;
	struct medfw_advisory *adv;
};

static char *input_text(void)
{
	size_t n = sizeof(input_fmt) + sizeof(notice_json);
	char *s = malloc(n);

	assert_non_null(s);
	snprintf(s, n, input_fmt, notice_json);
	return s;
}

static struct medfw_advisory_input *parse_input(const char *json)
{
	struct medfw_advisory_input *in = NULL;
	struct medfw_diag d;
	enum medfw_err err;

	medfw_diag_clear(&d);
	err = medfw_advisory_input_parse("input.json", (const uint8_t *)json, strlen(json), NULL,
					 &in, &d);
	if (err != MEDFW_OK)
		fail_msg("input: %s", medfw_diag_message(&d, err));
	return in;
}

static void fixture_match(struct fixture *fx)
{
	static const char *const names[] = {"/tmp/x/pump-c-4.1.0.cdx.json", "pump-c-4.2.0.cdx.json",
					    "pump-c-4.2.1.cdx.json"};
	const char *texts[] = {sbom_410, sbom_420, sbom_421};
	struct medfw_match_sbom s[3];
	char path[4096];
	struct medfw_diag d;
	enum medfw_err err;
	size_t i;

	memset(fx, 0, sizeof(*fx));
	fx->feeds = medfw_feed_set_new();
	assert_non_null(fx->feeds);
	for (i = 0; i < sizeof(feed_paths) / sizeof(feed_paths[0]); i++) {
		tu_shared_path(path, sizeof(path), feed_paths[i]);
		medfw_diag_clear(&d);
		err = medfw_feed_set_load(fx->feeds, path, NULL, NULL, NULL, &d);
		if (err != MEDFW_OK)
			fail_msg("%s: %s", path, medfw_diag_message(&d, err));
	}
	for (i = 0; i < 3; i++) {
		medfw_diag_clear(&d);
		err = medfw_sbom_parse((const uint8_t *)texts[i], strlen(texts[i]), NULL,
				       &fx->sbom[i], &d);
		if (err != MEDFW_OK)
			fail_msg("SBOM %zu: %s", i, medfw_diag_message(&d, err));
		s[i].sbom = fx->sbom[i];
		s[i].source = names[i];
	}
	medfw_diag_clear(&d);
	assert_int_equal(medfw_vex_parse("vex.json", (const uint8_t *)vex_json, strlen(vex_json),
					 &fx->vex, &d),
			 MEDFW_OK);
	assert_int_equal(medfw_vuln_index_new(fx->feeds, NULL, &fx->index, &d), MEDFW_OK);
	assert_int_equal(medfw_vuln_match(fx->index, s, 3,
					  (const struct medfw_vex_doc *const *)&fx->vex, 1,
					  &fx->result, &d),
			 MEDFW_OK);
	assert_int_equal(medfw_advisory_findings_from_match(fx->result, &fx->findings, &d),
			 MEDFW_OK);
}

static void fixture_build(struct fixture *fx)
{
	char *text = input_text();
	struct medfw_diag d;
	enum medfw_err err;

	fx->input = parse_input(text);
	free(text);
	medfw_diag_clear(&d);
	err = medfw_advisory_build(fx->input, fx->findings, &fx->adv, &d);
	if (err != MEDFW_OK)
		fail_msg("build: %s", medfw_diag_message(&d, err));
}

static void fixture_free(struct fixture *fx)
{
	size_t i;

	medfw_advisory_free(fx->adv);
	medfw_advisory_input_free(fx->input);
	medfw_advisory_findings_free(fx->findings);
	medfw_match_result_free(fx->result);
	medfw_vuln_index_free(fx->index);
	medfw_feed_set_free(fx->feeds);
	medfw_vex_free(fx->vex);
	for (i = 0; i < 3; i++)
		medfw_sbom_free(fx->sbom[i]);
}

static const struct medfw_advisory_vuln *vuln(const struct medfw_advisory *adv, const char *id)
{
	size_t i;

	for (i = 0; i < adv->vuln_count; i++)
		if (strcmp(adv->vulns[i].input->display_id, id) == 0)
			return &adv->vulns[i];
	fail_msg("no vulnerability %s", id);
	return NULL;
}

/* Entry of release k (the only product). */
static const struct medfw_advisory_entry *entry(const struct medfw_advisory *adv,
						const char *id, size_t k)
{
	const struct medfw_advisory_vuln *v = vuln(adv, id);

	assert_true(k < v->entry_count);
	assert_int_equal(v->entries[k].product, 0);
	assert_int_equal(v->entries[k].release, k);
	return &v->entries[k];
}

static void render_csaf(const struct medfw_advisory *adv, enum medfw_advisory_profile profile,
			struct medfw_buf *out)
{
	struct medfw_csaf_report report;
	struct medfw_diag d;
	enum medfw_err err;

	memset(&report, 0, sizeof(report));
	medfw_diag_clear(&d);
	medfw_buf_init(out, MEDFW_ADVISORY_OUTPUT_MAX);
	err = medfw_advisory_csaf(adv, profile, out, &report, &d);
	if (err != MEDFW_OK)
		fail_msg("csaf: %s", medfw_diag_message(&d, err));
	assert_int_equal(report.count, 0);
	medfw_csaf_report_free(&report);
}

/* `text` (freed) with the first `from` replaced by `to`. */
static char *edit(char *text, const char *from, const char *to)
{
	char *at = strstr(text, from), *out;
	size_t n;

	if (at == NULL)
		fail_msg("no %s in the input", from);
	n = strlen(text) - strlen(from) + strlen(to) + 1;
	out = malloc(n);
	assert_non_null(out);
	snprintf(out, n, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
	free(text);
	return out;
}

/* ------------------------------------------------------------------ the model */

static void test_model_from_real_findings(void **state)
{
	struct fixture fx;
	const struct medfw_advisory_entry *e;
	const struct medfw_advisory_vuln *v;

	(void)state;
	fixture_match(&fx);
	fixture_build(&fx);
	assert_int_equal(fx.adv->vuln_count, 4);
	assert_int_equal(fx.adv->findings_other_sbom, 0);
	assert_int_equal(fx.adv->uncovered_count, 0);
	assert_int_equal(fx.adv->findings_used, 12);

	/* OpenSSL: affected in 4.1.0 and 4.2.0 (openssl 1.1.1i), fixed in 4.2.1 (the
	 * notice's CVE ids make it a declared fix; its finding says not affected) */
	e = entry(fx.adv, "CVE-2022-0778", 0);
	assert_int_equal(e->status, MEDFW_ADVISORY_KNOWN_AFFECTED);
	assert_string_equal(e->components, "openssl 1.1.1i");
	assert_int_equal(entry(fx.adv, "CVE-2022-0778", 1)->status, MEDFW_ADVISORY_KNOWN_AFFECTED);
	e = entry(fx.adv, "CVE-2022-0778", 2);
	assert_int_equal(e->status, MEDFW_ADVISORY_FIXED);
	assert_true(e->declared_fix);
	v = vuln(fx.adv, "CVE-2022-0778");
	assert_int_equal(v->fix_release[0], 2);
	assert_true(v->has_score);
	assert_int_equal(v->cvss.version, MEDFW_CVSS_V31);
	assert_int_equal(v->cvss.base_score, 75);
	assert_string_equal(v->vector, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H");
	assert_false(v->kev_listed);

	/* XZ: affected in 4.1.0, fixed by 4.2.0 (declared), not affected in 4.2.1 with the
	 * NVD comparison as the reason and no flag (no VEX justification) */
	assert_int_equal(entry(fx.adv, "CVE-2024-3094", 0)->status, MEDFW_ADVISORY_KNOWN_AFFECTED);
	assert_int_equal(entry(fx.adv, "CVE-2024-3094", 1)->status, MEDFW_ADVISORY_FIXED);
	e = entry(fx.adv, "CVE-2024-3094", 2);
	assert_int_equal(e->status, MEDFW_ADVISORY_KNOWN_NOT_AFFECTED);
	assert_int_equal(e->flag, MEDFW_ADVISORY_FLAG_NONE);
	assert_non_null(strstr(e->reason, "xz 5.4.6: CVE-2024-3094: generic 5.4.6 != 5.6.0"));
	assert_int_equal(vuln(fx.adv, "CVE-2024-3094")->cvss.base_score, 100);

	/* Dante: undetermined in 4.1.0 (an AND configuration without platform) is under
	 * investigation, never safe; the VEX statement makes 4.2.0 and 4.2.1 not affected
	 * with the flag of code_not_reachable; KEV-listed */
	e = entry(fx.adv, "CVE-2022-23748", 0);
	assert_int_equal(e->status, MEDFW_ADVISORY_UNDER_INVESTIGATION);
	assert_non_null(strstr(e->reason, "undetermined"));
	e = entry(fx.adv, "CVE-2022-23748", 1);
	assert_int_equal(e->status, MEDFW_ADVISORY_KNOWN_NOT_AFFECTED);
	assert_int_equal(e->flag, MEDFW_ADVISORY_FLAG_NOT_IN_EXECUTE_PATH);
	assert_non_null(strstr(e->reason, "code_not_reachable: The discovery service never starts."));
	v = vuln(fx.adv, "CVE-2022-23748");
	assert_true(v->kev_listed);
	assert_string_equal(v->kev_date_added, "2025-02-06");
	assert_string_equal(v->kev_due_date, "2025-02-27");
	assert_int_equal(v->fix_release[0], SIZE_MAX);

	/* BusyBox: fixed by the explicit "fixes" of 4.2.1 */
	assert_int_equal(entry(fx.adv, "CVE-2018-1000500", 2)->status, MEDFW_ADVISORY_FIXED);

	/* the release: notice dates, UDI-DIs of product and notice, the notice's CVE ids
	 * that the advisory lists became fixes (CVE-2099-12345 is not in it) */
	{
		const struct medfw_advisory_release *r = &fx.input->products[0].releases[2];

		assert_string_equal(r->product_id, "pump-c:4.2.1");
		assert_string_equal(r->full_name, "Acme Infusion Pump C firmware 4.2.1");
		assert_string_equal(r->release_date, "2024-05-14");
		assert_int_equal(r->udi_di_count, 2);
		assert_string_equal(r->udi_dis[0], "+A123BJC5D6E71G");
		assert_string_equal(r->udi_dis[1], "09506000134352");
		assert_int_equal(r->fix_count, 2);
		assert_string_equal(r->fixes[1], "CVE-2022-0778");
		assert_non_null(r->notice);
	}
	fixture_free(&fx);
}

static void test_flag_mapping(void **state)
{
	static const struct {
		const char *justification;
		enum medfw_advisory_flag flag;
	} cases[] = {
		{"code_not_present", MEDFW_ADVISORY_FLAG_CODE_NOT_PRESENT},
		{"code_not_reachable", MEDFW_ADVISORY_FLAG_NOT_IN_EXECUTE_PATH},
		{"requires_configuration", MEDFW_ADVISORY_FLAG_NOT_CONTROLLABLE},
		{"requires_dependency", MEDFW_ADVISORY_FLAG_NOT_CONTROLLABLE},
		{"requires_environment", MEDFW_ADVISORY_FLAG_NOT_CONTROLLABLE},
		{"protected_by_compiler", MEDFW_ADVISORY_FLAG_INLINE_MITIGATIONS},
		{"protected_at_runtime", MEDFW_ADVISORY_FLAG_INLINE_MITIGATIONS},
		{"protected_at_perimeter", MEDFW_ADVISORY_FLAG_INLINE_MITIGATIONS},
		{"protected_by_mitigating_control", MEDFW_ADVISORY_FLAG_INLINE_MITIGATIONS},
		{"false_positive", MEDFW_ADVISORY_FLAG_COMPONENT_NOT_PRESENT},
		{"component_not_present", MEDFW_ADVISORY_FLAG_COMPONENT_NOT_PRESENT},
		{"vulnerable_code_not_present", MEDFW_ADVISORY_FLAG_CODE_NOT_PRESENT},
		{"vulnerable_code_not_in_execute_path", MEDFW_ADVISORY_FLAG_NOT_IN_EXECUTE_PATH},
		{"vulnerable_code_cannot_be_controlled_by_adversary",
		 MEDFW_ADVISORY_FLAG_NOT_CONTROLLABLE},
		{"inline_mitigations_already_exist", MEDFW_ADVISORY_FLAG_INLINE_MITIGATIONS},
		/* a CSAF statement covered by two flags: the weaker claim */
		{"component_not_present, inline_mitigations_already_exist",
		 MEDFW_ADVISORY_FLAG_INLINE_MITIGATIONS},
		{"vulnerable_code_not_present,component_not_present",
		 MEDFW_ADVISORY_FLAG_CODE_NOT_PRESENT},
		{"code_not_present, something_else", MEDFW_ADVISORY_FLAG_NONE},
		{"", MEDFW_ADVISORY_FLAG_NONE},
		{"Code_Not_Present", MEDFW_ADVISORY_FLAG_NONE},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		if (medfw_advisory_flag_from_justification(cases[i].justification) != cases[i].flag)
			fail_msg("%s", cases[i].justification);
	assert_int_equal(medfw_advisory_flag_from_justification(NULL), MEDFW_ADVISORY_FLAG_NONE);
	assert_null(medfw_advisory_flag_label(MEDFW_ADVISORY_FLAG_NONE));
	assert_string_equal(medfw_advisory_flag_label(MEDFW_ADVISORY_FLAG_NOT_CONTROLLABLE),
			    "vulnerable_code_cannot_be_controlled_by_adversary");
	assert_string_equal(medfw_advisory_status_name(MEDFW_ADVISORY_KNOWN_NOT_AFFECTED),
			    "known_not_affected");
	assert_null(medfw_advisory_status_name((enum medfw_advisory_status)9));
}

/* ------------------------------------------------------------------ CSAF */

/* The parsed output, validated by the project's mandatory tests. */
static struct medfw_csaf_doc *reparse(const struct medfw_buf *b)
{
	struct medfw_csaf_doc *doc = NULL;
	struct medfw_csaf_report report;
	struct medfw_diag d;

	medfw_diag_clear(&d);
	if (medfw_csaf_parse(b->data, b->len, &doc, &d) != MEDFW_OK)
		fail_msg("reparse: %s", d.msg);
	memset(&report, 0, sizeof(report));
	assert_int_equal(medfw_csaf_validate(doc, &report, NULL), MEDFW_OK);
	if (report.count > 0)
		fail_msg("%s: %s", report.findings[0].test, report.findings[0].message);
	medfw_csaf_report_free(&report);
	return doc;
}

static size_t status_has(const struct medfw_csaf_vulnerability *v, enum medfw_csaf_status s,
			 const char *id)
{
	size_t i;

	for (i = 0; i < v->status_count[s]; i++)
		if (strcmp(v->status[s][i], id) == 0)
			return 1;
	return 0;
}

static void test_csaf_valid_and_deterministic(void **state)
{
	struct fixture fx;
	struct medfw_buf a, b, vex;
	struct medfw_csaf_doc *doc;
	const struct medfw_csaf_vulnerability *v;
	const struct medfw_csaf_product *p;
	size_t i;

	(void)state;
	fixture_match(&fx);
	fixture_build(&fx);
	render_csaf(fx.adv, MEDFW_ADVISORY_PROFILE_SECURITY_ADVISORY, &a);
	render_csaf(fx.adv, MEDFW_ADVISORY_PROFILE_SECURITY_ADVISORY, &b);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.data, b.data, a.len);
	assert_int_equal(a.data[a.len - 1], '\n');
	doc = reparse(&a);
	assert_string_equal(doc->category, "csaf_security_advisory");
	assert_string_equal(doc->tracking_version, "2");
	assert_string_equal(doc->initial_release_date, "2024-05-14T09:00:00Z");
	assert_string_equal(doc->current_release_date, "2024-06-03T09:00:00Z");
	assert_string_equal(doc->tlp_label, "WHITE");
	assert_int_equal(doc->product_count, 3);
	p = medfw_csaf_product_find(doc, "pump-c:4.2.1");
	assert_non_null(p);
	assert_string_equal(p->vendor, "Acme Medical");
	assert_string_equal(p->product_name, "Acme Infusion Pump C");
	assert_string_equal(p->version, "4.2.1");
	assert_string_equal(p->helper.cpe, "cpe:2.3:o:acme:pump_c_firmware:4.2.1:*:*:*:*:*:*:*");
	assert_int_equal(p->helper.x_generic_uri_count, 2);
	assert_string_equal(p->helper.x_generic_uris[0].uri,
			    "https://accessgudid.nlm.nih.gov/devices/%2BA123BJC5D6E71G");
	assert_string_equal(p->helper.x_generic_uris[1].uri, "https://id.gs1.org/01/09506000134352");
	assert_string_equal(medfw_csaf_product_find(doc, "pump-c:4.1.0")->helper.purl,
			    "pkg:generic/acme/pump-c@4.1.0");

	/* every product_status kind, the flag, scores and KEV note */
	assert_int_equal(doc->vulnerability_count, 4);
	v = &doc->vulnerabilities[1]; /* CVE-2024-3094 */
	assert_string_equal(v->cve, "CVE-2024-3094");
	assert_true(status_has(v, MEDFW_CSAF_KNOWN_AFFECTED, "pump-c:4.1.0"));
	assert_true(status_has(v, MEDFW_CSAF_FIXED, "pump-c:4.2.0"));
	assert_true(status_has(v, MEDFW_CSAF_KNOWN_NOT_AFFECTED, "pump-c:4.2.1"));
	assert_true(status_has(v, MEDFW_CSAF_RECOMMENDED, "pump-c:4.2.0"));
	v = &doc->vulnerabilities[3]; /* CVE-2022-23748 */
	assert_true(status_has(v, MEDFW_CSAF_UNDER_INVESTIGATION, "pump-c:4.1.0"));
	assert_true(status_has(v, MEDFW_CSAF_KNOWN_NOT_AFFECTED, "pump-c:4.2.0"));
	assert_int_equal(v->flag_count, 1);
	assert_string_equal(v->flags[0].label, "vulnerable_code_not_in_execute_path");
	assert_int_equal(v->flags[0].product_id_count, 2);
	for (i = 0; i < v->note_count && strcmp(v->notes[i].category, "other") != 0; i++)
		;
	assert_true(i < v->note_count);
	assert_non_null(strstr(v->notes[i].text, "Known Exploited Vulnerabilities catalog (added "
						 "2025-02-06"));
	v = &doc->vulnerabilities[0]; /* CVE-2022-0778 */
	assert_int_equal(v->score_count, 1);
	assert_true(v->scores[0].cvss_v3.present);
	assert_int_equal(v->scores[0].cvss_v3.base_score, 75);
	assert_string_equal(v->scores[0].cvss_v3.base_severity, "HIGH");
	assert_string_equal(v->cwe_id, "CWE-835");
	medfw_csaf_free(doc);

	/* the VEX profile: the same statements, category csaf_vex, valid too */
	render_csaf(fx.adv, MEDFW_ADVISORY_PROFILE_VEX, &vex);
	doc = reparse(&vex);
	assert_string_equal(doc->category, "csaf_vex");
	medfw_csaf_free(doc);
	medfw_buf_free(&vex);
	medfw_buf_free(&a);
	medfw_buf_free(&b);
	fixture_free(&fx);
}

/* The findings JSON of `medfw vuln match --json` gives the same advisory bytes. */
static void test_findings_json_same_bytes(void **state)
{
	struct fixture fx;
	struct medfw_advisory_findings *parsed = NULL;
	struct medfw_advisory *adv = NULL;
	struct medfw_buf a, b;
	json_t *doc, *arr;
	char *text;
	size_t i;

	(void)state;
	fixture_match(&fx);
	fixture_build(&fx);
	doc = json_object();
	arr = json_array();
	for (i = 0; i < fx.result->finding_count; i++)
		assert_int_equal(json_array_append_new(arr, medfw_finding_json(&fx.result->findings[i])),
				 0);
	assert_int_equal(json_object_set_new(doc, "findings", arr), 0);
	text = json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_REAL_PRECISION(4));
	json_decref(doc);
	assert_non_null(text);
	assert_int_equal(medfw_advisory_findings_parse("findings.json", (const uint8_t *)text,
						       strlen(text), &parsed, NULL),
			 MEDFW_OK);
	free(text);
	assert_int_equal(parsed->count, fx.findings->count);
	assert_int_equal(medfw_advisory_build(fx.input, parsed, &adv, NULL), MEDFW_OK);
	render_csaf(fx.adv, MEDFW_ADVISORY_PROFILE_VEX, &a);
	render_csaf(adv, MEDFW_ADVISORY_PROFILE_VEX, &b);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.data, b.data, a.len);
	medfw_buf_free(&a);
	medfw_buf_free(&b);
	medfw_advisory_free(adv);
	medfw_advisory_findings_free(parsed);
	fixture_free(&fx);
}

static void test_remediations(void **state)
{
	struct fixture fx;
	struct medfw_buf out;
	struct medfw_csaf_doc *doc;
	const struct medfw_csaf_vulnerability *v;
	const struct medfw_csaf_remediation *r;

	(void)state;
	fixture_match(&fx);
	fixture_build(&fx);
	render_csaf(fx.adv, MEDFW_ADVISORY_PROFILE_SECURITY_ADVISORY, &out);
	doc = reparse(&out);
	v = &doc->vulnerabilities[0]; /* CVE-2022-0778: fix 4.2.1, a mitigation, a control */
	assert_int_equal(v->remediation_count, 3);
	r = &v->remediations[0];
	assert_string_equal(r->category, "vendor_fix");
	assert_non_null(strstr(r->details, "Update Acme Infusion Pump C to firmware 4.2.1 or "
					   "later. Through the fleet console."));
	assert_non_null(strstr(r->details, "unavailable for clinical use for about 15 minutes"));
	assert_string_equal(r->url, "https://psirt.acme.example/fw");
	assert_string_equal(r->date, "2024-05-14T00:00:00Z");
	assert_string_equal(r->restart_category, "machine");
	assert_int_equal(r->product_id_count, 2);
	assert_string_equal(r->product_ids[0], "pump-c:4.1.0");
	assert_string_equal(r->product_ids[1], "pump-c:4.2.0");
	assert_string_equal(v->remediations[1].category, "mitigation");
	assert_string_equal(v->remediations[1].details, "Allow port 443 only from the console.");
	assert_string_equal(v->remediations[2].details, "Watch availability.");
	v = &doc->vulnerabilities[1]; /* CVE-2024-3094: fix 4.2.0 (no notice), a workaround */
	assert_int_equal(v->remediation_count, 2);
	assert_string_equal(v->remediations[0].details,
			    "Update Acme Infusion Pump C to firmware 4.2.0 or later.");
	assert_null(v->remediations[0].restart_category);
	assert_string_equal(v->remediations[1].category, "workaround");
	assert_int_equal(v->remediations[1].product_id_count, 1);
	v = &doc->vulnerabilities[3]; /* CVE-2022-23748: no fix for the release under review */
	assert_int_equal(v->remediation_count, 1);
	assert_string_equal(v->remediations[0].category, "none_available");
	assert_string_equal(v->remediations[0].product_ids[0], "pump-c:4.1.0");
	/* impact threats: the input's words for the open releases, the reason for the
	 * not affected ones */
	assert_string_equal(v->threats[0].details, "Code execution in the communication module.");
	assert_non_null(strstr(v->threats[1].details, "Not affected: dante_application_library"));
	medfw_csaf_free(doc);
	medfw_buf_free(&out);
	fixture_free(&fx);
}

/* An advisory that fails a mandatory test is not handed out: revision "0" of a final
 * advisory (6.1.17/6.1.18: a version 0 must be a draft). */
static void test_invalid_csaf_not_written(void **state)
{
	struct fixture fx;
	struct medfw_advisory_input *in;
	struct medfw_advisory *adv = NULL;
	struct medfw_csaf_report report;
	struct medfw_buf out;
	struct medfw_diag d;
	char *text = input_text(), *p;

	(void)state;
	fixture_match(&fx);
	p = strstr(text, "{\"number\":\"1\"");
	p[11] = '0'; /* "number":"0" */
	p = strstr(text, "{\"number\":\"2\"");
	p[11] = '1';
	in = parse_input(text);
	assert_int_equal(medfw_advisory_build(in, fx.findings, &adv, NULL), MEDFW_OK);
	memset(&report, 0, sizeof(report));
	medfw_buf_init(&out, MEDFW_ADVISORY_OUTPUT_MAX);
	assert_int_equal(medfw_buf_append_str(&out, "kept"), MEDFW_OK);
	medfw_diag_clear(&d);
	assert_int_equal(medfw_advisory_csaf(adv, MEDFW_ADVISORY_PROFILE_SECURITY_ADVISORY, &out,
					     &report, &d),
			 MEDFW_ERR_FIELD_VALUE);
	assert_int_equal(out.len, 4); /* nothing appended */
	assert_true(medfw_csaf_report_has(&report, "6.1.18"));
	assert_non_null(strstr(d.msg, "fails mandatory test"));
	medfw_csaf_report_free(&report);
	medfw_advisory_free(adv);
	medfw_advisory_input_free(in);
	/* as a draft, the same revisions are valid */
	text = edit(text, "\"status\":\"final\"", "\"status\":\"draft\"");
	in = parse_input(text);
	assert_int_equal(medfw_advisory_build(in, fx.findings, &adv, NULL), MEDFW_OK);
	assert_int_equal(medfw_advisory_csaf(adv, MEDFW_ADVISORY_PROFILE_SECURITY_ADVISORY, &out,
					     NULL, NULL),
			 MEDFW_OK);
	assert_true(out.len > 4);
	free(text);
	medfw_buf_free(&out);
	medfw_advisory_free(adv);
	medfw_advisory_input_free(in);
	fixture_free(&fx);
}

/* ------------------------------------------------------------------ refusals */

/* Build from `text` (freed); expect a refusal whose message has `want`. */
static void expect_refused_text(const struct fixture *fx, char *text, const char *want)
{
	struct medfw_advisory_input *in = parse_input(text);
	struct medfw_advisory *adv = NULL;
	struct medfw_diag d;

	medfw_diag_clear(&d);
	assert_int_equal(medfw_advisory_build(in, fx->findings, &adv, &d), MEDFW_ERR_FIELD_VALUE);
	assert_null(adv);
	if (strstr(d.msg, want) == NULL)
		fail_msg("\"%s\" has no \"%s\"", d.msg, want);
	medfw_advisory_input_free(in);
	free(text);
}

static void expect_refused(const struct fixture *fx, const char *from, const char *to,
			   const char *want)
{
	expect_refused_text(fx, edit(input_text(), from, to), want);
}

static void test_inconsistencies_refused(void **state)
{
	struct fixture fx;

	(void)state;
	fixture_match(&fx);
	/* 4.2.0 declares the OpenSSL fix but still ships openssl 1.1.1i */
	expect_refused(&fx, "\"fixes\":[\"CVE-2024-3094\"]",
		       "\"fixes\":[\"CVE-2024-3094\",\"CVE-2022-0778\"]",
		       "CVE-2022-0778: Acme Infusion Pump C firmware 4.2.0 declares the fix, but its "
		       "findings say affected (openssl 1.1.1i)");
	/* the XZ fix declared by 4.1.0 instead: 4.1.0 is affected itself */
	expect_refused(&fx, "\"purl\":\"pkg:generic/acme/pump-c@4.1.0\"",
		       "\"purl\":\"pkg:generic/acme/pump-c@4.1.0\",\"fixes\":[\"CVE-2018-1000500\"]",
		       "CVE-2018-1000500: Acme Infusion Pump C firmware 4.1.0 declares the fix");
	/* BusyBox without any fix or action */
	expect_refused(&fx, "\"fixes\":[\"CVE-2018-1000500\"],", "",
		       "CVE-2018-1000500: Acme Infusion Pump C firmware 4.1.0 is affected and the "
		       "advisory input gives no action");
	/* a vulnerability about which nothing is known */
	expect_refused(&fx, "{\"cve\":\"CVE-2018-1000500\"",
		       "{\"cve\":\"CVE-2018-1000501\",\"title\":\"t\",\"description\":\"d\","
		       "\"impact\":\"i\",\"mitigations\":[\"x\"]}, {\"cve\":\"CVE-2018-1000500\"",
		       "CVE-2018-1000501: nothing is known about any release");
	fixture_free(&fx);
}

/* An affected release listed after the release that fixes it: the SBOMs of 4.1.0 and
 * 4.2.0 swapped, and the XZ fix declared by the first release. */
static void test_affected_after_fix_refused(void **state)
{
	struct fixture fx;
	char *text = input_text();

	(void)state;
	fixture_match(&fx);
	text = edit(text, "pump-c-4.1.0.cdx.json", "SWAP");
	text = edit(text, "pump-c-4.2.0.cdx.json", "pump-c-4.1.0.cdx.json");
	text = edit(text, "SWAP", "pump-c-4.2.0.cdx.json");
	text = edit(text, "\"fixes\":[\"CVE-2024-3094\"],", "");
	text = edit(text, "\"purl\":\"pkg:generic/acme/pump-c@4.1.0\"",
		    "\"purl\":\"pkg:generic/acme/pump-c@4.1.0\",\"fixes\":[\"CVE-2024-3094\"]");
	expect_refused_text(&fx, text,
			    "CVE-2024-3094: Acme Infusion Pump C firmware 4.2.0 is affected but listed "
			    "after the release that fixes it (4.1.0)");
	fixture_free(&fx);
}

/* ------------------------------------------------------------------ escapers */

static char *escaped(int html, enum medfw_md_mode mode, const char *s)
{
	struct medfw_buf b;
	uint8_t *p;
	size_t n;

	medfw_buf_init(&b, 1u << 20);
	if (html)
		assert_int_equal(medfw_advisory_html_escape(s, &b), MEDFW_OK);
	else
		assert_int_equal(medfw_advisory_markdown_escape(s, mode, &b), MEDFW_OK);
	assert_int_equal(medfw_buf_append(&b, "", 1), MEDFW_OK);
	p = medfw_buf_steal(&b, &n);
	return (char *)p;
}

static const char *const hostile[] = {
	"<script>alert(1)</script>",
	"\"><img src=x onerror=alert(1)>",
	"' onmouseover='alert(1)",
	"Tom & Jerry &amp; &#60;b&#62;",
	"bell\x07 escape\x1b[31m nul-free \x7f del",
	"c1 \xc2\x85 next-line \xc2\x9b csi",
	"bidi \xe2\x80\xae reversed \xe2\x81\xa6 isolate \xe2\x80\x8f rlm \xd8\x9c alm",
	"bad utf-8 \xff\xfe and truncated \xe2\x82",
	"[click](https://evil.example) ![img](https://evil.example/x.png)",
	"<https://evil.example> https://evil.example www.evil.example user@evil.example",
	"*emphasis* _under_ `code` ~~strike~~ $math$ {#id} ^[note]",
	"a | b | c",
	"# heading\n    indented code\n1. ordered\n2) ordered\n- bullet\n+ plus\n> quote\n---\n===\n"
	"```\nfence",
	"line\\\nbreak",
};

static void test_html_escape_hostile(void **state)
{
	struct medfw_buf b;
	size_t i;
	char *s;

	(void)state;
	s = escaped(1, MEDFW_MD_INLINE, hostile[0]);
	assert_string_equal(s, "&lt;script&gt;alert(1)&lt;/script&gt;");
	free(s);
	s = escaped(1, MEDFW_MD_INLINE, hostile[1]);
	assert_string_equal(s, "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;");
	free(s);
	s = escaped(1, MEDFW_MD_INLINE, hostile[2]);
	assert_string_equal(s, "&#39; onmouseover=&#39;alert(1)");
	free(s);
	s = escaped(1, MEDFW_MD_INLINE, hostile[3]);
	assert_string_equal(s, "Tom &amp; Jerry &amp;amp; &amp;#60;b&amp;#62;");
	free(s);
	s = escaped(1, MEDFW_MD_INLINE, hostile[4]);
	assert_string_equal(s, "bell\xef\xbf\xbd escape\xef\xbf\xbd[31m nul-free \xef\xbf\xbd del");
	free(s);
	s = escaped(1, MEDFW_MD_INLINE, hostile[5]);
	assert_string_equal(s, "c1 \xef\xbf\xbd next-line \xef\xbf\xbd csi");
	free(s);
	s = escaped(1, MEDFW_MD_INLINE, hostile[6]);
	assert_string_equal(s, "bidi \xef\xbf\xbd reversed \xef\xbf\xbd isolate \xef\xbf\xbd rlm "
			       "\xef\xbf\xbd alm");
	free(s);
	s = escaped(1, MEDFW_MD_INLINE, hostile[7]);
	assert_string_equal(s, "bad utf-8 \xef\xbf\xbd\xef\xbf\xbd and truncated "
			       "\xef\xbf\xbd\xef\xbf\xbd");
	free(s);
	s = escaped(1, MEDFW_MD_INLINE, "keeps\nnewline\tand tab, \xc3\xa9 and \xe2\x82\xac");
	assert_string_equal(s, "keeps\nnewline\tand tab, \xc3\xa9 and \xe2\x82\xac");
	free(s);
	/* no hostile string leaves a markup character or a neutralised one */
	for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		const char *c;

		s = escaped(1, MEDFW_MD_INLINE, hostile[i]);
		for (c = s; *c != '\0'; c++)
			if (*c == '<' || *c == '>' || *c == '"' || *c == '\'' ||
			    ((unsigned char)*c < 0x20 && *c != '\n' && *c != '\t'))
				fail_msg("html escape of hostile[%zu] kept 0x%02x", i, (unsigned char)*c);
		assert_null(strstr(s, "\xe2\x80\xae"));
		free(s);
	}
	/* past the buffer's limit: nothing appended */
	medfw_buf_init(&b, 8);
	assert_int_equal(medfw_buf_append_str(&b, "ab"), MEDFW_OK);
	assert_int_equal(medfw_advisory_html_escape("<<<<", &b), MEDFW_ERR_TOO_LARGE);
	assert_int_equal(b.len, 2);
	assert_string_equal((const char *)b.data, "ab");
	medfw_buf_free(&b);
}

/* Every character with a meaning in CommonMark/GFM is backslash-escaped. */
static void assert_md_inert(const char *s, const char *what)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] == '\\') {
			if (s[i + 1] == '\0' || strchr("\\`*_{}[]<>&~|:@$^#=!.-+)", s[i + 1]) == NULL)
				fail_msg("%s: lone backslash at %zu: %s", what, i, s);
			i++;
			continue;
		}
		if (strchr("`*_{}[]<>&~|:@$^#=!.", s[i]) != NULL)
			fail_msg("%s: unescaped '%c' at %zu: %s", what, s[i], i, s);
		if ((unsigned char)s[i] < 0x20 && s[i] != '\n')
			fail_msg("%s: control 0x%02x at %zu", what, (unsigned char)s[i], i);
	}
	assert_null(strstr(s, "\xe2\x80\xae"));
	assert_null(strstr(s, "\n "));
	assert_null(strstr(s, "\n-"));
	assert_null(strstr(s, "\n+"));
	assert_null(strstr(s, "\n1."));
	assert_null(strstr(s, "\n2)"));
}

static void test_markdown_escape_hostile(void **state)
{
	size_t i;
	char *s;

	(void)state;
	s = escaped(0, MEDFW_MD_INLINE, hostile[8]);
	assert_string_equal(s, "\\[click\\](https\\://evil\\.example) \\!\\[img\\](https\\://evil\\."
			       "example/x\\.png)");
	free(s);
	s = escaped(0, MEDFW_MD_INLINE, hostile[9]);
	assert_string_equal(s, "\\<https\\://evil\\.example\\> https\\://evil\\.example "
			       "www\\.evil\\.example user\\@evil\\.example");
	free(s);
	s = escaped(0, MEDFW_MD_INLINE, hostile[0]);
	assert_string_equal(s, "\\<script\\>alert(1)\\</script\\>");
	free(s);
	/* inline: one line, no indentation at the start, list markers escaped there */
	s = escaped(0, MEDFW_MD_INLINE, "  - item\nnext\tline");
	assert_string_equal(s, "\\- item next line");
	free(s);
	s = escaped(0, MEDFW_MD_INLINE, "12) twelve");
	assert_string_equal(s, "12\\) twelve");
	free(s);
	s = escaped(0, MEDFW_MD_INLINE, "CVE-2022-0778 (fixed)");
	assert_string_equal(s, "CVE-2022-0778 (fixed)");
	free(s);
	/* block: the lines keep their breaks and lose their block syntax */
	s = escaped(0, MEDFW_MD_BLOCK, hostile[12]);
	assert_string_equal(s, "\\# heading\nindented code\n1\\. ordered\n2\\) ordered\n\\- "
			       "bullet\n\\+ plus\n\\> quote\n\\---\n\\=\\=\\=\n\\`\\`\\`\nfence");
	free(s);
	for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		char what[32];

		snprintf(what, sizeof(what), "hostile[%zu] inline", i);
		s = escaped(0, MEDFW_MD_INLINE, hostile[i]);
		assert_null(strchr(s, '\n'));
		assert_md_inert(s, what);
		free(s);
		snprintf(what, sizeof(what), "hostile[%zu] block", i);
		s = escaped(0, MEDFW_MD_BLOCK, hostile[i]);
		assert_md_inert(s, what);
		free(s);
	}
}

/* Hostile strings in a whole advisory: from the input (the model name, a mitigation)
 * and from the findings (a component name out of an SBOM). */
static void test_hostile_documents(void **state)
{
	static const char evil[] = "<script>alert('x')</script>[x](https://evil.example)"
				   "\xe2\x80\xae&amp;";
	struct fixture fx;
	struct medfw_advisory_input *in;
	struct medfw_advisory *adv = NULL;
	struct medfw_buf md, html, csaf;
	struct medfw_csaf_doc *doc;
	char *text = input_text(), *edited, *at;
	json_t *root;
	size_t i, n;

	(void)state;
	fixture_match(&fx);
	/* the model name and a mitigation, JSON-escaped by jansson */
	root = json_loads(text, 0, NULL);
	assert_non_null(root);
	assert_int_equal(json_object_set_new(json_array_get(json_object_get(root, "products"), 0),
					     "model", json_string(evil)),
			 0);
	assert_int_equal(json_array_append_new(json_object_get(json_array_get(
							       json_object_get(root, "vulnerabilities"), 0),
						       "mitigations"),
					       json_string(evil)),
			 0);
	edited = json_dumps(root, 0);
	json_decref(root);
	in = parse_input(edited);
	free(edited);
	/* a component of the findings */
	for (i = 0; i < fx.findings->count; i++)
		if (strcmp(fx.findings->items[i].component, "openssl 1.1.1i") == 0)
			fx.findings->items[i].component = evil;
	assert_int_equal(medfw_advisory_build(in, fx.findings, &adv, NULL), MEDFW_OK);
	medfw_buf_init(&md, MEDFW_ADVISORY_OUTPUT_MAX);
	medfw_buf_init(&html, MEDFW_ADVISORY_OUTPUT_MAX);
	assert_int_equal(medfw_advisory_markdown(adv, &md, NULL), MEDFW_OK);
	assert_int_equal(medfw_advisory_html(adv, &html, NULL), MEDFW_OK);
	assert_null(strstr((const char *)html.data, "<script"));
	assert_null(strstr((const char *)html.data, "\xe2\x80\xae"));
	assert_non_null(strstr((const char *)html.data,
			       "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;[x](https://evil."
			       "example)\xef\xbf\xbd&amp;amp;"));
	for (at = (char *)md.data; (at = strstr(at, "<script")) != NULL; at++)
		assert_int_equal(at[-1], '\\'); /* "\<script": text, not HTML */
	assert_null(strstr((const char *)md.data, "[x]("));
	assert_null(strstr((const char *)md.data, "\xe2\x80\xae"));
	assert_non_null(strstr((const char *)md.data, "\\<script\\>alert('x')\\</script\\>\\[x\\]"));
	/* the HTML has no script, no external load, one style allowed by its hash */
	assert_null(strstr((const char *)html.data, " src="));
	assert_null(strstr((const char *)html.data, "<link"));
	assert_null(strstr((const char *)html.data, "url("));
	assert_non_null(strstr((const char *)html.data,
			       "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src "
			       "'none'; style-src 'sha256-"));
	for (at = (char *)html.data, n = 0; (at = strstr(at, "<style")) != NULL; at++)
		n++;
	assert_int_equal(n, 1);
	/* the CSAF carries the text as data, JSON-escaped, and still validates */
	render_csaf(adv, MEDFW_ADVISORY_PROFILE_SECURITY_ADVISORY, &csaf);
	doc = reparse(&csaf);
	assert_string_equal(doc->products[0].product_name, evil);
	medfw_csaf_free(doc);
	medfw_buf_free(&csaf);
	medfw_buf_free(&md);
	medfw_buf_free(&html);
	medfw_advisory_free(adv);
	medfw_advisory_input_free(in);
	free(text);
	fixture_free(&fx);
}

static void test_readable_content(void **state)
{
	struct fixture fx;
	struct medfw_buf md, html;
	const char *m;

	(void)state;
	fixture_match(&fx);
	fixture_build(&fx);
	medfw_buf_init(&md, MEDFW_ADVISORY_OUTPUT_MAX);
	medfw_buf_init(&html, MEDFW_ADVISORY_OUTPUT_MAX);
	assert_int_equal(medfw_advisory_markdown(fx.adv, &md, NULL), MEDFW_OK);
	assert_int_equal(medfw_advisory_html(fx.adv, &html, NULL), MEDFW_OK);
	m = (const char *)md.data;
	/* the sections of a safety communication, in order */
	assert_true(strstr(m, "## Who is affected") < strstr(m, "## Summary"));
	assert_true(strstr(m, "## Summary") < strstr(m, "## What can happen"));
	assert_true(strstr(m, "## What can happen") < strstr(m, "## What to do now"));
	assert_true(strstr(m, "## What to do now") < strstr(m, "## The fix"));
	assert_true(strstr(m, "## The fix") < strstr(m, "## Contact"));
	assert_true(strstr(m, "## Contact") < strstr(m, "## Revision history"));
	assert_non_null(strstr(m, "| Acme Infusion Pump C | 4\\.1\\.0 | 09506000134352 | Affected "
				  "by: CVE-2022-0778, CVE-2024-3094, CVE-2018-1000500. Under "
				  "investigation: CVE-2022-23748. |"));
	assert_non_null(strstr(m, "**Severity:** High (CVSS v3.1 base score 7.5, vector CVSS\\:3\\.1/"));
	assert_non_null(strstr(m, "**Known to be exploited (CISA KEV):** Yes, listed since "
				  "2025-02-06"));
	assert_non_null(strstr(m, "**Update** Acme Infusion Pump C to firmware 4\\.2\\.1 or later"));
	assert_non_null(strstr(m, "**No fix yet.** Under analysis\\."));
	assert_non_null(strstr(m, "**Installation:** about 25 minutes; the device is unavailable "
				  "for clinical use for about 15 minutes; it restarts"));
	assert_non_null(strstr(m, "1. Stop any running infusion\\.\n2. Start the update"));
	assert_non_null(strstr(m, "<https://psirt.acme.example/fw>"));
	assert_non_null(strstr(m, "| 2 | 2024-06-03 | VEX for Dante\\. |"));
	assert_non_null(strstr((const char *)html.data,
			       "<a href=\"https://psirt.acme.example/fw\" rel=\"noopener "
			       "noreferrer\">"));
	assert_non_null(strstr((const char *)html.data, "<p><strong>Mitigations:</strong></p>\n<ul>\n<li>Allow port 443"));
	medfw_buf_free(&md);
	medfw_buf_free(&html);
	fixture_free(&fx);
}

/* ------------------------------------------------------------------ bad input */

/* Apply `edit` (a JSON object path like "products[0].releases[1].version", set to
 * `value`, or removed when value is NULL) to the input and expect a refusal. */
static json_t *walk(json_t *node, const char *path, char *last, size_t cap)
{
	char part[128];
	const char *p = path;

	while (node != NULL) {
		size_t n = strcspn(p, ".[");
		const char *q;

		if (p[n] == '\0') {
			snprintf(last, cap, "%s", p);
			return node;
		}
		if (n > 0) {
			snprintf(part, sizeof(part), "%.*s", (int)n, p);
			node = json_object_get(node, part);
		}
		p += n;
		while (*p == '[') {
			node = json_array_get(node, strtoul(p + 1, NULL, 10));
			q = strchr(p, ']');
			p = q + 1;
		}
		if (*p == '.')
			p++;
		if (*p == '\0') {
			last[0] = '\0';
			return node;
		}
	}
	return NULL;
}

static void expect_input_error(const char *path, json_t *value, enum medfw_err want_err,
			       const char *want_msg)
{
	char *text = input_text(), *edited, last[128];
	struct medfw_advisory_input *in = NULL;
	struct medfw_diag d;
	json_t *root = json_loads(text, 0, NULL), *parent;
	enum medfw_err err;

	assert_non_null(root);
	parent = walk(root, path, last, sizeof(last));
	if (parent == NULL || last[0] == '\0')
		fail_msg("bad test path %s", path);
	if (value == NULL)
		assert_int_equal(json_object_del(parent, last), 0);
	else
		assert_int_equal(json_object_set_new(parent, last, value), 0);
	edited = json_dumps(root, 0);
	json_decref(root);
	medfw_diag_clear(&d);
	err = medfw_advisory_input_parse("input.json", (const uint8_t *)edited, strlen(edited), NULL,
					 &in, &d);
	if (err != want_err || strstr(d.msg, want_msg) == NULL)
		fail_msg("%s: got %s \"%s\", want %s \"%s\"", path, medfw_err_name(err), d.msg,
			 medfw_err_name(want_err), want_msg);
	assert_null(in);
	free(edited);
	free(text);
}

static void test_bad_input_paths(void **state)
{
	(void)state;
	expect_input_error("advisory_format", json_integer(2), MEDFW_ERR_FIELD_VALUE,
			   "advisory_format: must be 1");
	expect_input_error("colour", json_string("red"), MEDFW_ERR_FIELD_VALUE,
			   "the document: unknown field \"colour\"");
	expect_input_error("publisher.namespace", NULL, MEDFW_ERR_FIELD_MISSING,
			   "advisory input: publisher.namespace is missing");
	expect_input_error("publisher.namespace", json_string("javascript:alert(1)"),
			   MEDFW_ERR_FIELD_VALUE, "publisher.namespace: is not an http(s) URL");
	expect_input_error("publisher.name", json_integer(1), MEDFW_ERR_FIELD_TYPE,
			   "publisher.name must be a string");
	expect_input_error("tracking.status", json_string("published"), MEDFW_ERR_FIELD_VALUE,
			   "tracking.status");
	expect_input_error("tracking.revision_history[1].date", json_string("2024-01-01T00:00:00Z"),
			   MEDFW_ERR_FIELD_VALUE,
			   "tracking.revision_history[1].date: is earlier than the revision before it");
	expect_input_error("tracking.revision_history[1].number", json_string("1"),
			   MEDFW_ERR_FIELD_VALUE,
			   "tracking.revision_history[1].number: is used by an earlier revision");
	expect_input_error("tracking.revision_history[0].number", json_string("01"),
			   MEDFW_ERR_FIELD_VALUE,
			   "tracking.revision_history[0].number: is not a CSAF version");
	expect_input_error("tracking.revision_history[0].date", json_string("2024-05-14"),
			   MEDFW_ERR_FIELD_VALUE, "revision_history[0].date: is not an RFC 3339");
	expect_input_error("title", json_string("two\nlines"), MEDFW_ERR_FIELD_VALUE,
			   "title: is blank or has control characters");
	expect_input_error("summary", json_string("bell\x07"), MEDFW_ERR_FIELD_VALUE,
			   "summary: is blank or has control characters");
	expect_input_error("summary", json_string("   "), MEDFW_ERR_FIELD_VALUE, "summary: is blank");
	expect_input_error("tlp", json_string("CLEAR"), MEDFW_ERR_FIELD_VALUE, "tlp");
	expect_input_error("products[0].id", json_string("Pump C"), MEDFW_ERR_FIELD_VALUE,
			   "products[0].id: is not a product id");
	expect_input_error("products[0].udi_dis", json_pack("[s]", "09506000134353"),
			   MEDFW_ERR_FIELD_VALUE, "products[0].udi_dis[0]:");
	expect_input_error("products[0].releases[1].version", json_string("4.2 beta"),
			   MEDFW_ERR_FIELD_VALUE, "products[0].releases[1].version: is not a version");
	expect_input_error("products[0].releases[1].version", json_string("4.1.0"),
			   MEDFW_ERR_FIELD_VALUE,
			   "products[0].releases[1].version: is listed twice for this product");
	expect_input_error("products[0].releases[1].colour", json_string("red"),
			   MEDFW_ERR_FIELD_VALUE,
			   "products[0].releases[1]: unknown field \"colour\"");
	expect_input_error("products[0].releases[0].purl", json_string("pkg:/nothing"),
			   MEDFW_ERR_FIELD_VALUE, "products[0].releases[0].purl:");
	expect_input_error("products[0].releases[0].cpe", json_string("cpe:2.3:x:y"),
			   MEDFW_ERR_FIELD_VALUE, "products[0].releases[0].cpe:");
	expect_input_error("products[0].releases[0].sbom", json_string("../x/pump.json"),
			   MEDFW_ERR_FIELD_VALUE, "products[0].releases[0].sbom: is not a file name");
	expect_input_error("products[0].releases[1].sbom", json_string("pump-c-4.1.0.cdx.json"),
			   MEDFW_ERR_FIELD_VALUE,
			   "products[0].releases[1].sbom: is named by another release too");
	expect_input_error("products[0].releases[1].fixes", json_pack("[s]", "CVE-2000-0001"),
			   MEDFW_ERR_FIELD_VALUE,
			   "products[0].releases[1].fixes[0]: CVE-2000-0001 is not one of the "
			   "advisory's vulnerabilities");
	expect_input_error("products[0].releases[1].release_date", json_string("2024-02-30"),
			   MEDFW_ERR_FIELD_VALUE, "products[0].releases[1].release_date: is not a date");
	expect_input_error("products[0].releases[2].url", json_string("https://x y"),
			   MEDFW_ERR_FIELD_VALUE, "products[0].releases[2].url: is not an http(s) URL");
	expect_input_error("products[0].releases[2].release_date", json_string("2024-05-15"),
			   MEDFW_ERR_FIELD_VALUE,
			   "products[0].releases[2].release_date: differs from the release notice");
	expect_input_error("products[0].releases[2].notice.product_version", json_string("4.2.2"),
			   MEDFW_ERR_FIELD_VALUE,
			   "products[0].releases[2]: the release notice is for version 4.2.2, not "
			   "4.2.1");
	expect_input_error("products[0].releases[2].notice.install", NULL, MEDFW_ERR_NOTICE,
			   "products[0].releases[2].notice: release notice: missing field \"install\"");
	expect_input_error("products[0].releases[2].notice_file", json_string("notice.json"),
			   MEDFW_ERR_FIELD_VALUE, "products[0].releases[2]: give notice or notice_file");
	expect_input_error("products[0].releases[1].notice_file", json_string("notice.json"),
			   MEDFW_ERR_FIELD_VALUE,
			   "products[0].releases[1].notice_file: a relative file needs the input's "
			   "directory");
	expect_input_error("vulnerabilities[0].cve", json_string("CVE-22-1"), MEDFW_ERR_FIELD_VALUE,
			   "vulnerabilities[0].cve: is not a CVE id");
	expect_input_error("vulnerabilities[0].cve", json_string("CVE-2024-3094"),
			   MEDFW_ERR_FIELD_VALUE,
			   "vulnerabilities[1]: names the same vulnerability as vulnerabilities[0]");
	expect_input_error("vulnerabilities[0].cve", NULL, MEDFW_ERR_FIELD_MISSING,
			   "vulnerabilities[0]: needs cve or ids");
	expect_input_error("vulnerabilities[0].impact", NULL, MEDFW_ERR_FIELD_MISSING,
			   "vulnerabilities[0].impact is missing");
	expect_input_error("vulnerabilities[0].cwe.id", json_string("CWE-0835"),
			   MEDFW_ERR_FIELD_VALUE, "vulnerabilities[0].cwe.id: is not a CWE id");
	expect_input_error("vulnerabilities[0].cvss_v3", json_string("AV:N/AC:L/Au:N/C:P/I:P/A:P"),
			   MEDFW_ERR_FIELD_VALUE,
			   "vulnerabilities[0].cvss_v3: is not a CVSS v3.0 or v3.1 vector");
	expect_input_error("vulnerabilities[0].cvss_v3", json_string("CVSS:3.1/AV:N"),
			   MEDFW_ERR_FIELD_VALUE, "vulnerabilities[0].cvss_v3:");
	expect_input_error("vulnerabilities[0].mitigations", json_pack("[s,s]", "a", "a"),
			   MEDFW_ERR_FIELD_VALUE, "vulnerabilities[0].mitigations has item 1 twice");
	expect_input_error("vulnerabilities[3].no_fix.category", json_string("later"),
			   MEDFW_ERR_FIELD_VALUE, "vulnerabilities[3].no_fix.category");
	expect_input_error("vulnerabilities", json_array(), MEDFW_ERR_FIELD_VALUE,
			   "vulnerabilities is empty");
}

static void test_bad_bytes(void **state)
{
	static const char *const docs[] = {"", "{", "[]", "{\"advisory_format\":1}x", "null"};
	struct medfw_advisory_input *in = (struct medfw_advisory_input *)1;
	struct medfw_advisory_findings *f = (struct medfw_advisory_findings *)1;
	char deep[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
		in = (struct medfw_advisory_input *)1;
		assert_int_not_equal(medfw_advisory_input_parse("x", (const uint8_t *)docs[i],
								strlen(docs[i]), NULL, &in, NULL),
				     MEDFW_OK);
		assert_null(in);
		f = (struct medfw_advisory_findings *)1;
		assert_int_not_equal(medfw_advisory_findings_parse("x", (const uint8_t *)docs[i],
								   strlen(docs[i]), &f, NULL),
				     MEDFW_OK);
		assert_null(f);
	}
	memset(deep, '[', sizeof(deep));
	assert_int_equal(medfw_advisory_input_parse("x", (const uint8_t *)deep, sizeof(deep), NULL,
						    &in, NULL),
			 MEDFW_ERR_TOO_DEEP);
	assert_int_equal(medfw_advisory_input_parse("x", (const uint8_t *)"{}",
						    MEDFW_ADVISORY_INPUT_MAX_BYTES + 1u, NULL, &in,
						    NULL),
			 MEDFW_ERR_TOO_LARGE);
	assert_int_equal(medfw_advisory_input_parse(NULL, (const uint8_t *)"{}", 2, NULL, &in, NULL),
			 MEDFW_ERR_INVALID_ARG);
	medfw_advisory_input_free(NULL);
	medfw_advisory_findings_free(NULL);
	medfw_advisory_free(NULL);
}

static void expect_findings_error(const char *json, enum medfw_err want, const char *msg)
{
	struct medfw_advisory_findings *f = NULL;
	struct medfw_diag d;
	enum medfw_err err;

	medfw_diag_clear(&d);
	err = medfw_advisory_findings_parse("f.json", (const uint8_t *)json, strlen(json), &f, &d);
	if (err != want || strstr(d.msg, msg) == NULL)
		fail_msg("%s: got %s \"%s\"", json, medfw_err_name(err), d.msg);
	assert_null(f);
}

#define FINDING(extra)                                                                      \
	"{\"findings\":[{\"sbom\":\"a.json\",\"vulnerability\":\"CVE-2022-0778\","           \
	"\"component\":{\"name\":\"openssl\",\"version\":\"1.1.1i\"}" extra "}]}"

static void test_bad_findings_paths(void **state)
{
	struct medfw_advisory_findings *f = NULL;
	const char *ok = FINDING(",\"status\":\"affected\",\"vex\":null,\"kev\":{\"listed\":false},"
				 "\"severity\":null,\"aliases\":[],\"unknown_new_field\":1");

	(void)state;
	assert_int_equal(medfw_advisory_findings_parse("f", (const uint8_t *)ok, strlen(ok), &f, NULL),
			 MEDFW_OK);
	assert_int_equal(f->count, 1);
	assert_string_equal(f->items[0].component, "openssl 1.1.1i");
	assert_int_equal(f->items[0].status, MEDFW_FINDING_AFFECTED);
	medfw_advisory_findings_free(f);
	expect_findings_error("{\"results\":[]}", MEDFW_ERR_FIELD_MISSING,
			      "findings: findings is missing");
	expect_findings_error(FINDING(",\"status\":\"maybe\""), MEDFW_ERR_FIELD_VALUE,
			      "findings[0].status");
	expect_findings_error(FINDING(""), MEDFW_ERR_FIELD_MISSING, "findings[0].status is missing");
	expect_findings_error(FINDING(",\"status\":\"affected\",\"severity\":{\"vector\":"
				      "\"CVSS:3.1/AV:X\"}"),
			      MEDFW_ERR_FIELD_VALUE, "findings[0].severity.vector:");
	expect_findings_error(FINDING(",\"status\":\"affected\",\"kev\":{\"listed\":true,"
				      "\"date_added\":\"2025-13-01\"}"),
			      MEDFW_ERR_FIELD_VALUE, "findings[0].kev.date_added: is not a date");
	expect_findings_error(FINDING(",\"status\":\"affected\",\"kev\":{\"listed\":true}"),
			      MEDFW_ERR_FIELD_VALUE, "findings[0].kev.date_added: is missing");
	expect_findings_error(FINDING(",\"status\":\"affected\",\"kev\":{\"listed\":\"yes\"}"),
			      MEDFW_ERR_FIELD_VALUE, "findings[0].kev.listed: must be true or false");
	expect_findings_error(FINDING(",\"status\":\"not_affected\",\"evidence\":[{\"outcome\":1}]"),
			      MEDFW_ERR_FIELD_TYPE, "findings[0].evidence[0].outcome");
	expect_findings_error(FINDING(",\"status\":\"affected\",\"vex\":[]"), MEDFW_ERR_FIELD_TYPE,
			      "findings[0].vex must be an object");
}

/* notice_file relative to the input file; the input's load path. */
static void test_notice_file(void **state)
{
	char *dir = tu_tmpdir_new(), path[4096], *text = input_text(), *edited, *at;
	struct medfw_advisory_input *in = NULL;
	struct medfw_diag d;
	size_t n;

	(void)state;
	tu_path(path, sizeof(path), dir, "notice-4.2.1.json");
	tu_write_file(path, notice_json, strlen(notice_json));
	at = strstr(text, "\"notice\":");
	n = strlen(text) + 64;
	edited = malloc(n);
	assert_non_null(edited);
	snprintf(edited, n, "%.*s\"notice_file\":\"notice-4.2.1.json\"}]}],%s", (int)(at - text),
		 text, strstr(at, "\"vulnerabilities\""));
	tu_path(path, sizeof(path), dir, "input.json");
	tu_write_file(path, edited, strlen(edited));
	medfw_diag_clear(&d);
	if (medfw_advisory_input_load(path, &in, &d) != MEDFW_OK)
		fail_msg("%s", d.msg);
	assert_non_null(in->products[0].releases[2].notice);
	assert_int_equal(in->products[0].releases[2].notice->install.downtime_minutes, 15);
	assert_string_equal(in->products[0].releases[2].release_date, "2024-05-14");
	medfw_advisory_input_free(in);
	/* a missing notice file is named with its JSON path */
	tu_path(path, sizeof(path), dir, "notice-4.2.1.json");
	assert_int_equal(remove(path), 0);
	tu_path(path, sizeof(path), dir, "input.json");
	medfw_diag_clear(&d);
	in = (struct medfw_advisory_input *)1;
	assert_int_equal(medfw_advisory_input_load(path, &in, &d), MEDFW_ERR_NOT_FOUND);
	assert_null(in);
	assert_non_null(strstr(d.msg, "products[0].releases[2].notice_file:"));
	free(edited);
	free(text);
	tu_tmpdir_free(dir);
}

/* Findings about vulnerabilities the input does not list, and about SBOMs no release
 * names. */
static void test_uncovered_findings(void **state)
{
	struct fixture fx;
	struct medfw_advisory_input *in;
	struct medfw_advisory *adv = NULL;
	char *text = input_text(), *p;

	(void)state;
	fixture_match(&fx);
	p = strstr(text, "{\"cve\":\"CVE-2024-3094\"");
	memcpy(p + 8, "CVE-2024-3095", 13); /* XZ not in the advisory any more */
	p = strstr(text, "\"fixes\":[\"CVE-2024-3094\"]");
	memcpy(p + 10, "CVE-2024-3095", 13);
	p = strstr(text, "pump-c-4.2.1.cdx.json");
	p[0] = 'P'; /* the SBOM of 4.2.1 is named differently */
	in = parse_input(text);
	assert_int_equal(medfw_advisory_build(in, fx.findings, &adv, NULL), MEDFW_OK);
	/* xz 5.6.0 in 4.1.0 is open and not in the advisory; 4.2.0's xz is not affected */
	assert_int_equal(adv->uncovered_count, 1);
	assert_string_equal(adv->uncovered[0]->vuln_id, "CVE-2024-3094");
	assert_string_equal(adv->uncovered[0]->component, "xz 5.6.0");
	assert_int_equal(adv->findings_other_vuln, 2);
	assert_int_equal(adv->findings_other_sbom, 4);
	/* 4.2.1 has no findings now: fixed only where declared, else unlisted */
	assert_int_equal(entry(adv, "CVE-2022-0778", 2)->status, MEDFW_ADVISORY_FIXED);
	assert_int_equal(entry(adv, "CVE-2022-0778", 2)->finding_count, 0);
	assert_int_equal(entry(adv, "CVE-2022-23748", 2)->status, MEDFW_ADVISORY_UNLISTED);
	medfw_advisory_free(adv);
	medfw_advisory_input_free(in);
	free(text);
	fixture_free(&fx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_model_from_real_findings),
		cmocka_unit_test(test_flag_mapping),
		cmocka_unit_test(test_csaf_valid_and_deterministic),
		cmocka_unit_test(test_findings_json_same_bytes),
		cmocka_unit_test(test_remediations),
		cmocka_unit_test(test_invalid_csaf_not_written),
		cmocka_unit_test(test_inconsistencies_refused),
		cmocka_unit_test(test_affected_after_fix_refused),
		cmocka_unit_test(test_html_escape_hostile),
		cmocka_unit_test(test_markdown_escape_hostile),
		cmocka_unit_test(test_hostile_documents),
		cmocka_unit_test(test_readable_content),
		cmocka_unit_test(test_bad_input_paths),
		cmocka_unit_test(test_bad_bytes),
		cmocka_unit_test(test_bad_findings_paths),
		cmocka_unit_test(test_notice_file),
		cmocka_unit_test(test_uncovered_findings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
