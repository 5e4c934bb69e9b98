/* NVD CVE API 2.0: every file of testdata/nvd parses (the schema files are rejected as
 * pages), the model of chosen records, verdicts for components built here (busybox,
 * xz, libwebp, open62541, xen, the esp-idf + esp32 and NIO firmware + hardware AND
 * configurations, rejected and not yet analysed records), the rule that vulnerable:false
 * entries never make a finding, and rejected input with the JSON path in the message. */
#include "testutil.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "medfw/json.h"
#include "medfw/nvd.h"

/* ------------------------------------------------------------------ helpers */

static void read_shared(const char *rel, struct medfw_buf *b)
{
	char path[4096];

	tu_shared_path(path, sizeof(path), rel);
	tu_read_file(path, b);
}

static int is_page(const struct medfw_buf *b)
{
	return strstr((const char *)b->data, "\"vulnerabilities\"") != NULL;
}

/* One record from a file: a one-record page or a bare CVE object. */
static struct medfw_nvd_record *load(const char *rel)
{
	struct medfw_buf b;
	struct medfw_nvd_record *r = NULL;
	struct medfw_diag d;
	enum medfw_err err;

	medfw_diag_clear(&d);
	read_shared(rel, &b);
	if (is_page(&b)) {
		struct medfw_nvd_page *p = NULL;

		err = medfw_nvd_page_parse(b.data, b.len, &p, &d);
		if (err != MEDFW_OK)
			fail_msg("%s: %s", rel, medfw_diag_message(&d, err));
		assert_int_equal(p->record_count, 1);
		assert_int_equal(p->error_count, 0);
		r = p->records[0];
		p->records[0] = NULL;
		p->record_count = 0;
		medfw_nvd_page_free(p);
	} else {
		err = medfw_nvd_record_parse(b.data, b.len, &r, &d);
		if (err != MEDFW_OK)
			fail_msg("%s: %s", rel, medfw_diag_message(&d, err));
	}
	medfw_buf_free(&b);
	assert_non_null(r);
	return r;
}

static struct medfw_nvd_record *parse_text(const char *json)
{
	struct medfw_nvd_record *r = NULL;
	struct medfw_diag d;
	enum medfw_err err;

	medfw_diag_clear(&d);
	err = medfw_nvd_record_parse((const uint8_t *)json, strlen(json), &r, &d);
	if (err != MEDFW_OK)
		fail_msg("%s", medfw_diag_message(&d, err));
	return r;
}

/* Evaluate with one component CPE (may be NULL), a version (may be NULL), a purl (may
 * be NULL) and platform CPEs (NULL-terminated list, or NULL for "unknown"). */
static enum medfw_vuln_outcome eval(const struct medfw_nvd_record *r, const char *cpe,
				    const char *version, const char *purl,
				    const char *const *platform, struct medfw_vuln_verdict *v)
{
	struct medfw_vuln_component c;
	struct medfw_nvd_platform pl;
	struct medfw_vuln_verdict local;
	struct medfw_diag d;
	const char *cpes[1];
	enum medfw_err err;

	if (v == NULL)
		v = &local;
	memset(&c, 0, sizeof(c));
	c.name = "component";
	c.version = version;
	c.purl = purl;
	if (cpe != NULL) {
		cpes[0] = cpe;
		c.cpes = cpes;
		c.cpe_count = 1;
	}
	medfw_diag_clear(&d);
	if (platform != NULL) {
		pl.cpes = platform;
		for (pl.cpe_count = 0; platform[pl.cpe_count] != NULL; pl.cpe_count++)
			;
		err = medfw_nvd_evaluate_on(r, &c, &pl, v, &d);
	} else {
		err = medfw_nvd_evaluate(r, &c, v, &d);
	}
	if (err != MEDFW_OK)
		fail_msg("evaluate: %s", medfw_diag_message(&d, err));
	/* Every outcome but NOT_RELEVANT carries evidence. */
	if (v->outcome != MEDFW_VULN_NOT_RELEVANT) {
		assert_true(strncmp(v->rule, r->id, strlen(r->id)) == 0);
		assert_true(v->comparison[0] != '\0');
	}
	return v->outcome;
}

static void want(const struct medfw_nvd_record *r, const char *cpe, const char *version,
		 const char *const *platform, enum medfw_vuln_outcome expected)
{
	struct medfw_vuln_verdict v;
	enum medfw_vuln_outcome got = eval(r, cpe, version, NULL, platform, &v);

	if (got != expected)
		fail_msg("%s with %s version %s: got %s, want %s (%s / %s)", r->id,
			 cpe ? cpe : "(no cpe)", version ? version : "(none)",
			 medfw_vuln_outcome_name(got), medfw_vuln_outcome_name(expected), v.rule,
			 v.comparison);
}

static void assert_contains(const char *s, const char *needle)
{
	if (strstr(s, needle) == NULL)
		fail_msg("\"%s\" lacks \"%s\"", s, needle);
}

/* ------------------------------------------------------------------ parsing */

static size_t parse_dir(const char *rel, size_t *records)
{
	char dir[4096], file[4096 + 256];
	struct dirent *e;
	DIR *d;
	size_t files = 0;

	tu_shared_path(dir, sizeof(dir), rel);
	d = opendir(dir);
	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		struct medfw_buf b;
		struct medfw_diag dg;
		enum medfw_err err;

		if (strstr(e->d_name, ".json") == NULL)
			continue;
		snprintf(file, sizeof(file), "%s/%s", dir, e->d_name);
		tu_read_file(file, &b);
		medfw_diag_clear(&dg);
		if (strncmp(e->d_name, "cpematch-", 9) == 0) {
			/* A Match Criteria API response: not a CVE page, and said so. */
			struct medfw_nvd_page *p = (struct medfw_nvd_page *)1;

			assert_int_equal(medfw_nvd_page_parse(b.data, b.len, &p, &dg),
					 MEDFW_ERR_FIELD_VALUE);
			assert_null(p);
			assert_contains(dg.msg, "\"NVD_CVE\" expected");
		} else if (is_page(&b)) {
			struct medfw_nvd_page *p = NULL;

			err = medfw_nvd_page_parse(b.data, b.len, &p, &dg);
			if (err != MEDFW_OK)
				fail_msg("%s: %s", e->d_name, medfw_diag_message(&dg, err));
			if (p->error_count != 0)
				fail_msg("%s: record %zu: %s", e->d_name, p->errors[0].index,
					 p->errors[0].message);
			*records += p->record_count;
			medfw_nvd_page_free(p);
		} else {
			struct medfw_nvd_record *r = NULL;

			err = medfw_nvd_record_parse(b.data, b.len, &r, &dg);
			if (err != MEDFW_OK)
				fail_msg("%s: %s", e->d_name, medfw_diag_message(&dg, err));
			(*records)++;
			medfw_nvd_record_free(r);
		}
		medfw_buf_free(&b);
		files++;
	}
	closedir(d);
	return files;
}

static void test_every_file_parses(void **state)
{
	size_t records = 0, files = 0;
	char dir[4096], file[4096 + 256];
	struct dirent *e;
	DIR *d;

	(void)state;
	files += parse_dir("nvd/pages", &records);
	files += parse_dir("nvd/records", &records);
	assert_true(files >= 16);
	/* 200 in the big page, 1 in cves-CVE-2023-0001.json, 13 records. */
	assert_true(records >= 214);

	/* The JSON schemas are documents, not data: each is refused as a page and as a
	 * record, with a message. */
	tu_shared_path(dir, sizeof(dir), "nvd/schema");
	d = opendir(dir);
	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		struct medfw_buf b;
		struct medfw_nvd_page *p = NULL;
		struct medfw_nvd_record *r = NULL;
		struct medfw_diag dg;

		if (strstr(e->d_name, ".json") == NULL)
			continue;
		snprintf(file, sizeof(file), "%s/%s", dir, e->d_name);
		tu_read_file(file, &b);
		medfw_diag_clear(&dg);
		assert_int_equal(medfw_nvd_page_parse(b.data, b.len, &p, &dg),
				 MEDFW_ERR_FIELD_MISSING);
		assert_null(p);
		assert_contains(dg.msg, "missing field \"resultsPerPage\"");
		medfw_diag_clear(&dg);
		assert_int_not_equal(medfw_nvd_record_parse(b.data, b.len, &r, &dg), MEDFW_OK);
		assert_null(r);
		assert_true(dg.msg[0] != '\0');
		medfw_buf_free(&b);
	}
	closedir(d);
}

static void test_page_model(void **state)
{
	struct medfw_buf b;
	struct medfw_nvd_page *p = NULL;
	size_t i, rejected = 0, with_cfg = 0, and_cfg = 0;

	(void)state;
	read_shared("nvd/pages/cves-2023-page.json", &b);
	assert_int_equal(medfw_nvd_page_parse(b.data, b.len, &p, NULL), MEDFW_OK);
	medfw_buf_free(&b);
	assert_int_equal(p->results_per_page, 200);
	assert_int_equal(p->start_index, 200000);
	assert_int_equal(p->total_results, 220499);
	assert_string_equal(p->timestamp, "2023-07-18T06:46:32.267");
	assert_int_equal(p->record_count, 200);
	assert_int_equal(p->error_count, 0);
	assert_string_equal(p->records[0]->id, "CVE-2022-44006");
	assert_string_equal(p->records[0]->published, "2022-11-16T23:15:12.870");
	assert_string_equal(p->records[0]->vuln_status, "Analyzed");
	assert_int_equal(p->records[0]->metrics[0].base_score_tenths, 98);
	assert_string_equal(p->records[0]->metrics[0].severity, "CRITICAL");
	assert_string_equal(p->records[0]->weaknesses[0].cwes[0], "CWE-22");
	assert_string_equal(p->records[0]->configurations[0].nodes[0].matches[0].criteria,
			    "cpe:2.3:a:backclick:backclick:5.9.63:*:*:*:professional:*:*:*");
	for (i = 0; i < p->record_count; i++) {
		const struct medfw_nvd_record *r = p->records[i];
		size_t k;

		rejected += (size_t)r->withdrawn;
		with_cfg += r->configuration_count > 0;
		for (k = 0; k < r->configuration_count; k++)
			and_cfg += r->configurations[k].operator_ == MEDFW_NVD_AND;
		if (strcmp(r->id, "CVE-2022-44577") == 0) {
			assert_true(r->withdrawn);
			assert_int_equal(r->metric_count, 0);
			assert_int_equal(r->reference_count, 0);
			assert_non_null(r->description);
			assert_contains(r->description, "** REJECT **");
		}
	}
	assert_int_equal(rejected, 1);
	assert_int_equal(with_cfg, 199);
	assert_int_equal(and_cfg, 87);
	medfw_nvd_page_free(p);
}

static void test_record_model(void **state)
{
	struct medfw_nvd_record *r;
	const struct medfw_nvd_cpe_match *m;

	(void)state;
	r = load("nvd/records/CVE-2022-0778.json");
	assert_string_equal(r->id, "CVE-2022-0778");
	assert_string_equal(r->source_identifier, "openssl-security@openssl.org");
	assert_string_equal(r->vuln_status, "Modified");
	assert_false(r->withdrawn);
	assert_non_null(r->description);
	assert_true(strncmp(r->description, "The BN_mod_sqrt() function", 26) == 0);
	assert_int_equal(r->metric_count, 2);
	assert_int_equal(r->metrics[0].version, MEDFW_NVD_CVSS_V31);
	assert_true(r->metrics[0].primary);
	assert_int_equal(r->metrics[0].base_score_tenths, 75);
	assert_string_equal(r->metrics[0].severity, "HIGH");
	assert_string_equal(r->metrics[0].vector, "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H");
	assert_int_equal(r->metrics[1].version, MEDFW_NVD_CVSS_V2);
	assert_int_equal(r->metrics[1].base_score_tenths, 50);
	assert_string_equal(r->metrics[1].severity, "MEDIUM"); /* v2: beside cvssData */
	m = &r->configurations[0].nodes[0].matches[0];
	assert_true(m->vulnerable);
	assert_string_equal(m->criteria, "cpe:2.3:a:openssl:openssl:*:*:*:*:*:*:*:*");
	assert_string_equal(m->match_criteria_id, "F3BC593C-D7BB-42A8-9488-BE910A8C3B68");
	assert_string_equal(m->version_start, "1.0.2");
	assert_true(m->version_start_including);
	assert_string_equal(m->version_end, "1.0.2zd");
	assert_false(m->version_end_including);
	assert_string_equal(m->cpe->attr[MEDFW_CPE_VENDOR].text, "openssl");
	/* configurations[3]: AND, firmware + hardware (vulnerable:false). */
	assert_int_equal(r->configurations[3].operator_, MEDFW_NVD_AND);
	assert_false(r->configurations[3].nodes[1].matches[0].vulnerable);
	assert_true(r->reference_count > 10);
	assert_true(strncmp(r->references[0], "http", 4) == 0);
	medfw_nvd_record_free(r);

	/* Primary first although the file lists the Red Hat (Secondary) metric first;
	 * the ssvc metric and the "affected" block are ignored. */
	r = load("nvd/records/CVE-2024-3094.json");
	assert_int_equal(r->metric_count, 2);
	assert_string_equal(r->metrics[0].source, "nvd@nist.gov");
	assert_true(r->metrics[0].primary);
	assert_int_equal(r->metrics[0].base_score_tenths, 100);
	assert_false(r->metrics[1].primary);
	assert_string_equal(r->weaknesses[0].cwes[0], "CWE-506");
	medfw_nvd_record_free(r);

	/* CVSS 3.0 and 2.0 only; the newer first. */
	r = load("nvd/records/CVE-2017-6507.json");
	assert_int_equal(r->metrics[0].version, MEDFW_NVD_CVSS_V30);
	assert_int_equal(r->metrics[1].version, MEDFW_NVD_CVSS_V2);
	assert_string_equal(medfw_nvd_cvss_version_name(r->metrics[0].version), "3.0");
	medfw_nvd_record_free(r);

	/* The KEV mirror fields. */
	r = load("nvd/records/CVE-2023-4863.json");
	assert_string_equal(r->cisa_exploit_add, "2023-09-13");
	assert_non_null(r->cisa_action_due);
	medfw_nvd_record_free(r);

	/* Not analysed yet: no configurations. */
	r = load("nvd/records/CVE-2023-4911.json");
	assert_int_equal(r->configuration_count, 0);
	assert_string_equal(r->vuln_status, "Awaiting Analysis");
	medfw_nvd_record_free(r);

	/* The page with one record, read as a record through its "cve" wrapper. */
	r = parse_text("{\"cve\":{\"id\":\"CVE-2023-0001\",\"published\":\"2023-02-08T18:15:11.523\","
		       "\"lastModified\":\"2023-02-18T20:41:02.460\",\"descriptions\":[{\"lang\":"
		       "\"es\",\"value\":\"x\"}],\"references\":[]}}");
	assert_string_equal(r->id, "CVE-2023-0001");
	assert_null(r->description); /* no English text */
	medfw_nvd_record_free(r);
}

/* ----------------------------------------------------------------- verdicts */

#define BUSYBOX(v) "cpe:2.3:a:busybox:busybox:" v ":*:*:*:*:*:*:*"

static void test_busybox(void **state)
{
	struct medfw_nvd_record *r = load("nvd/records/CVE-2018-1000500.json");
	struct medfw_vuln_verdict v;

	(void)state;
	/* versionEndExcluding 1.32.0. */
	assert_int_equal(eval(r, BUSYBOX("1.31.1"), "1.31.1", NULL, NULL, &v),
			 MEDFW_VULN_AFFECTED);
	assert_string_equal(v.rule, "CVE-2018-1000500 configurations[0].nodes[0].cpeMatch[0] "
				    "(cpe:2.3:a:busybox:busybox:*:*:*:*:*:*:*:*)");
	assert_string_equal(v.comparison, "generic 1.31.1 < 1.32.0 (versionEndExcluding)");
	assert_string_equal(v.fixed_version, "1.32.0");
	assert_int_equal(eval(r, BUSYBOX("1.32.0"), "1.32.0", NULL, NULL, &v),
			 MEDFW_VULN_NOT_AFFECTED);
	assert_string_equal(v.comparison, "generic 1.32.0 == 1.32.0 (versionEndExcluding)");
	assert_string_equal(v.fixed_version, "");
	want(r, BUSYBOX("1.36.1"), "1.36.1", NULL, MEDFW_VULN_NOT_AFFECTED);
	want(r, BUSYBOX("1.9.2"), "1.9.2", NULL, MEDFW_VULN_AFFECTED); /* numeric, not text */
	/* The version of the CPE when the SBOM gives none. */
	want(r, BUSYBOX("1.31.1"), NULL, NULL, MEDFW_VULN_AFFECTED);
	want(r, BUSYBOX("1.36.1"), NULL, NULL, MEDFW_VULN_NOT_AFFECTED);
	/* No version at all, or one that is not a version: undetermined. */
	want(r, BUSYBOX("*"), NULL, NULL, MEDFW_VULN_UNDETERMINED);
	assert_int_equal(eval(r, BUSYBOX("custom"), "custom", NULL, NULL, &v),
			 MEDFW_VULN_UNDETERMINED);
	assert_contains(v.comparison, "cannot compare with versionEnd 1.32.0");
	assert_contains(v.comparison, "custom");
	want(r, BUSYBOX("*"), "1.31.1-18-g5641780762", NULL, MEDFW_VULN_UNDETERMINED);
	/* Yocto/Buildroot part ANY: the component does not say it is an application. */
	assert_int_equal(eval(r, "cpe:2.3:*:busybox:busybox:1.31.1:*:*:*:*:*:*:*", "1.31.1", NULL,
			      NULL, &v),
			 MEDFW_VULN_UNDETERMINED);
	assert_contains(v.comparison, "does not say its part");
	want(r, "cpe:2.3:*:busybox:busybox:1.36.1:*:*:*:*:*:*:*", "1.36.1", NULL,
	     MEDFW_VULN_NOT_AFFECTED);
	/* Vendor ANY or another vendor: not this product. */
	want(r, "cpe:2.3:a:*:busybox:1.31.1:*:*:*:*:*:*:*", "1.31.1", NULL,
	     MEDFW_VULN_NOT_RELEVANT);
	want(r, "cpe:2.3:a:busybox_project:busybox:1.31.1:*:*:*:*:*:*:*", "1.31.1", NULL,
	     MEDFW_VULN_NOT_RELEVANT);
	/* No CPE: NVD identifies by CPE only. */
	want(r, NULL, "1.31.1", NULL, MEDFW_VULN_NOT_RELEVANT);
	/* The purl's scheme decides the comparison. */
	assert_int_equal(eval(r, BUSYBOX("*"), "1.30.1-6", "pkg:deb/debian/busybox@1.30.1-6",
			      NULL, &v),
			 MEDFW_VULN_AFFECTED);
	assert_string_equal(v.comparison, "deb 1.30.1-6 < 1.32.0 (versionEndExcluding)");
	/* A 2.2 URI from an SBOM works the same. */
	want(r, "cpe:/a:busybox:busybox:1.31.1", "1.31.1", NULL, MEDFW_VULN_AFFECTED);
	medfw_nvd_record_free(r);
}

static void test_openssl_ranges(void **state)
{
	struct medfw_nvd_record *r = load("nvd/records/CVE-2022-0778.json");
	struct medfw_vuln_verdict v;
	const char *cpe = "cpe:2.3:a:openssl:openssl:*:*:*:*:*:*:*:*";

	(void)state;
	assert_int_equal(eval(r, cpe, "1.1.1m", NULL, NULL, &v), MEDFW_VULN_AFFECTED);
	assert_contains(v.rule, "configurations[0].nodes[0].cpeMatch[1]");
	assert_string_equal(v.comparison, "generic 1.1.1m > 1.1.0 (versionStartIncluding), "
					  "1.1.1m < 1.1.1n (versionEndExcluding)");
	assert_string_equal(v.fixed_version, "1.1.1n");
	want(r, cpe, "1.1.1n", NULL, MEDFW_VULN_NOT_AFFECTED);
	want(r, cpe, "1.0.2zc", NULL, MEDFW_VULN_AFFECTED);
	want(r, cpe, "1.0.2zd", NULL, MEDFW_VULN_NOT_AFFECTED);
	want(r, cpe, "3.0.1", NULL, MEDFW_VULN_AFFECTED);
	want(r, cpe, "3.0.2", NULL, MEDFW_VULN_NOT_AFFECTED);
	want(r, cpe, "1.0.1u", NULL, MEDFW_VULN_NOT_AFFECTED);
	/* The NetApp firmware with version "-" (NA): a real version is not NA. */
	want(r, "cpe:2.3:o:netapp:a250_firmware:9.8:*:*:*:*:*:*:*", "9.8",
	     (const char *const[]){"cpe:2.3:h:netapp:a250:-:*:*:*:*:*:*:*", NULL},
	     MEDFW_VULN_NOT_AFFECTED);
	want(r, "cpe:2.3:o:netapp:a250_firmware:-:*:*:*:*:*:*:*", NULL,
	     (const char *const[]){"cpe:2.3:h:netapp:a250:-:*:*:*:*:*:*:*", NULL},
	     MEDFW_VULN_AFFECTED);
	medfw_nvd_record_free(r);
}

static void test_xz_libwebp(void **state)
{
	struct medfw_nvd_record *r = load("nvd/records/CVE-2024-3094.json");
	struct medfw_vuln_verdict v;

	(void)state;
	/* Two concrete versions, no range. */
	assert_int_equal(eval(r, "cpe:2.3:a:tukaani:xz:5.6.1:*:*:*:*:*:*:*", "5.6.1", NULL, NULL,
			      &v),
			 MEDFW_VULN_AFFECTED);
	assert_contains(v.rule, "cpeMatch[1] (cpe:2.3:a:tukaani:xz:5.6.1:");
	assert_string_equal(v.comparison, "generic 5.6.1 == 5.6.1");
	want(r, "cpe:2.3:a:tukaani:xz:*:*:*:*:*:*:*:*", "5.6.0", NULL, MEDFW_VULN_AFFECTED);
	want(r, "cpe:2.3:a:tukaani:xz:*:*:*:*:*:*:*:*", "5.6.2", NULL, MEDFW_VULN_NOT_AFFECTED);
	want(r, "cpe:2.3:a:tukaani:xz:*:*:*:*:*:*:*:*", "5.4.6", NULL, MEDFW_VULN_NOT_AFFECTED);
	want(r, "cpe:2.3:a:tukaani:xz:*:*:*:*:*:*:*:*", "v5.6.1", NULL, MEDFW_VULN_AFFECTED);
	want(r, "cpe:2.3:a:tukaani:xz:*:*:*:*:*:*:*:*", NULL, NULL, MEDFW_VULN_UNDETERMINED);
	medfw_nvd_record_free(r);

	r = load("nvd/records/CVE-2023-4863.json");
	assert_int_equal(eval(r, "cpe:2.3:a:webmproject:libwebp:1.3.1:*:*:*:*:*:*:*", "1.3.1",
			      NULL, NULL, &v),
			 MEDFW_VULN_AFFECTED);
	assert_contains(v.rule, "configurations[5].nodes[0].cpeMatch[0]");
	assert_string_equal(v.fixed_version, "1.3.2");
	want(r, "cpe:2.3:a:webmproject:libwebp:1.3.2:*:*:*:*:*:*:*", "1.3.2", NULL,
	     MEDFW_VULN_NOT_AFFECTED);
	/* Firefox ESR: two ranges of one product. */
	want(r, "cpe:2.3:a:mozilla:firefox_esr:*:*:*:*:*:*:*:*", "115.2.0", NULL,
	     MEDFW_VULN_AFFECTED);
	want(r, "cpe:2.3:a:mozilla:firefox_esr:*:*:*:*:*:*:*:*", "110.0", NULL,
	     MEDFW_VULN_NOT_AFFECTED);
	/* A Debian release the record lists as a whole product (version 12.0). */
	want(r, "cpe:2.3:o:debian:debian_linux:12.0:*:*:*:*:*:*:*", NULL, NULL,
	     MEDFW_VULN_AFFECTED);
	want(r, "cpe:2.3:o:debian:debian_linux:12:*:*:*:*:*:*:*", NULL, NULL,
	     MEDFW_VULN_AFFECTED); /* 12 == 12.0 in the generic scheme */
	want(r, "cpe:2.3:o:debian:debian_linux:9.0:*:*:*:*:*:*:*", NULL, NULL,
	     MEDFW_VULN_NOT_AFFECTED);
	medfw_nvd_record_free(r);
}

static void test_open62541_updates(void **state)
{
	struct medfw_nvd_record *r = load("nvd/records/CVE-2022-25761.json");
	const char *cpe = "cpe:2.3:a:open62541:open62541:*:*:*:*:*:*:*:*";
	struct medfw_vuln_verdict v;

	(void)state;
	want(r, cpe, "1.2.4", NULL, MEDFW_VULN_AFFECTED);
	/* Version and update joined: 1.3 + rc2 = 1.3-rc2 (TV-12). */
	assert_int_equal(eval(r, cpe, "1.3-rc2", NULL, NULL, &v), MEDFW_VULN_AFFECTED);
	assert_contains(v.rule, "cpeMatch[2] (cpe:2.3:a:open62541:open62541:1.3:rc2:");
	want(r, cpe, "1.3rc1", NULL, MEDFW_VULN_AFFECTED);
	want(r, "cpe:2.3:a:open62541:open62541:1.3:rc2:*:*:*:*:*:*", NULL, NULL,
	     MEDFW_VULN_AFFECTED);
	/* "rc2-ef2" is no generic version, but 1.3.5 is another release and 1.3 is the
	 * release without that update. */
	assert_int_equal(eval(r, cpe, "1.3.5", NULL, NULL, &v), MEDFW_VULN_NOT_AFFECTED);
	want(r, cpe, "1.3", NULL, MEDFW_VULN_NOT_AFFECTED);
	want(r, cpe, "1.2.5", NULL, MEDFW_VULN_NOT_AFFECTED);
	/* The exact string of the joined form is that version in any scheme. */
	want(r, cpe, "1.3-rc2-ef2", NULL, MEDFW_VULN_AFFECTED);
	medfw_nvd_record_free(r);
}

static void test_target_hw(void **state)
{
	struct medfw_nvd_record *r = load("nvd/records/CVE-2022-33745.json");
	struct medfw_vuln_verdict v;

	(void)state;
	/* cpe:2.3:o:xen:xen:*:*:*:*:*:*:x86:* */
	want(r, "cpe:2.3:o:xen:xen:4.16:*:*:*:*:*:x86:*", "4.16", NULL, MEDFW_VULN_AFFECTED);
	want(r, "cpe:2.3:o:xen:xen:4.16:*:*:*:*:*:arm64:*", "4.16", NULL,
	     MEDFW_VULN_NOT_AFFECTED);
	assert_int_equal(eval(r, "cpe:2.3:o:xen:xen:4.16:*:*:*:*:*:*:*", "4.16", NULL, NULL, &v),
			 MEDFW_VULN_UNDETERMINED);
	assert_contains(v.comparison, "does not say its target_hw (criteria: x86, component: *)");
	medfw_nvd_record_free(r);
}

static const char *const ESP32[] = {"cpe:2.3:h:espressif:esp32:-:*:*:*:*:*:*:*", NULL};
static const char *const ESP32_S3[] = {"cpe:2.3:h:espressif:esp32-s3:-:*:*:*:*:*:*:*", NULL};
static const char *const NO_PLATFORM[] = {NULL};

static void test_esp_idf_and(void **state)
{
	struct medfw_nvd_record *r = load("nvd/records/CVE-2020-13595.json");
	const char *idf = "cpe:2.3:a:espressif:esp-idf:*:*:*:*:*:*:*:*";
	struct medfw_vuln_verdict v;

	(void)state;
	/* esp-idf 4.0.0 .. 4.2 (including) AND running on an esp32. */
	assert_int_equal(eval(r, idf, "4.1", NULL, NULL, &v), MEDFW_VULN_UNDETERMINED);
	assert_contains(v.rule, "configurations[0].nodes[0].cpeMatch[0]");
	assert_contains(v.rule, "AND configuration");
	assert_contains(v.comparison, "platform unknown: nodes[1].cpeMatch[0] "
				      "cpe:2.3:h:espressif:esp32:-:*:*:*:*:*:*:* (condition)");
	assert_int_equal(eval(r, idf, "4.1", NULL, ESP32, &v), MEDFW_VULN_AFFECTED);
	assert_contains(v.comparison, "4.1 > 4.0.0 (versionStartIncluding), 4.1 < 4.2");
	want(r, idf, "4.2", ESP32, MEDFW_VULN_AFFECTED); /* including */
	assert_int_equal(eval(r, idf, "4.1", NULL, ESP32_S3, &v), MEDFW_VULN_NOT_AFFECTED);
	assert_contains(v.comparison, "the configuration does not hold: nodes[1]");
	want(r, idf, "4.1", NO_PLATFORM, MEDFW_VULN_NOT_AFFECTED);
	/* Outside the range: not affected whatever the platform. */
	want(r, idf, "4.3", NULL, MEDFW_VULN_NOT_AFFECTED);
	want(r, idf, "3.3.4", ESP32, MEDFW_VULN_NOT_AFFECTED);
	/* A version the scheme cannot read stays undetermined even on an esp32. */
	want(r, idf, "custom", ESP32, MEDFW_VULN_UNDETERMINED);
	/* The hardware itself only meets a condition: never a finding, even when the
	 * platform makes the configuration hold. */
	want(r, "cpe:2.3:h:espressif:esp32:-:*:*:*:*:*:*:*", NULL, NULL, MEDFW_VULN_NOT_RELEVANT);
	want(r, "cpe:2.3:h:espressif:esp32:-:*:*:*:*:*:*:*", NULL,
	     (const char *const[]){"cpe:2.3:a:espressif:esp-idf:4.1:*:*:*:*:*:*:*", NULL},
	     MEDFW_VULN_NOT_RELEVANT);
	medfw_nvd_record_free(r);
}

static void test_nio_firmware_hardware(void **state)
{
	struct medfw_nvd_record *r = load("nvd/records/CVE-2023-24256.json");
	const char *fw = "cpe:2.3:o:nio:aspen:3.2.0:*:*:*:*:*:*:*";

	(void)state;
	/* nio aspen < 3.3.0 AND hardware nio ec6. */
	want(r, fw, "3.2.0", NULL, MEDFW_VULN_UNDETERMINED);
	want(r, fw, "3.2.0", (const char *const[]){"cpe:2.3:h:nio:ec6:-:*:*:*:*:*:*:*", NULL},
	     MEDFW_VULN_AFFECTED);
	want(r, fw, "3.2.0", (const char *const[]){"cpe:/h:nio:ec6", NULL}, MEDFW_VULN_AFFECTED);
	want(r, fw, "3.2.0", (const char *const[]){"cpe:2.3:h:nio:et7:-:*:*:*:*:*:*:*", NULL},
	     MEDFW_VULN_NOT_AFFECTED);
	want(r, "cpe:2.3:o:nio:aspen:3.3.0:*:*:*:*:*:*:*", NULL, NULL, MEDFW_VULN_NOT_AFFECTED);
	want(r, fw, "custom", NULL, MEDFW_VULN_UNDETERMINED);
	/* The firmware CPE written as "h" is another product. */
	want(r, "cpe:2.3:h:nio:aspen:3.2.0:*:*:*:*:*:*:*", NULL, NULL, MEDFW_VULN_NOT_RELEVANT);
	medfw_nvd_record_free(r);
}

static void test_windows_condition_and_edition(void **state)
{
	struct medfw_buf b;
	struct medfw_nvd_page *p = NULL;
	const struct medfw_nvd_record *r;
	const char *xdr = "cpe:2.3:a:paloaltonetworks:cortex_xdr_agent:7.5.50:*:*:*:"
			  "critical_environment:*:*:*";
	const char *const win[] = {"cpe:2.3:o:microsoft:windows:-:*:*:*:*:*:*:*", NULL};
	const char *const linux[] = {"cpe:2.3:o:linux:linux_kernel:5.15:*:*:*:*:*:*:*", NULL};

	(void)state;
	read_shared("nvd/pages/cves-CVE-2023-0001.json", &b);
	assert_int_equal(medfw_nvd_page_parse(b.data, b.len, &p, NULL), MEDFW_OK);
	medfw_buf_free(&b);
	r = p->records[0];
	want(r, xdr, NULL, NULL, MEDFW_VULN_UNDETERMINED);
	want(r, xdr, NULL, win, MEDFW_VULN_AFFECTED);
	want(r, xdr, NULL, linux, MEDFW_VULN_NOT_AFFECTED);
	/* The sw_edition differs: another edition of the product. */
	want(r, "cpe:2.3:a:paloaltonetworks:cortex_xdr_agent:7.5.50:*:*:*:-:*:*:*", NULL, win,
	     MEDFW_VULN_NOT_AFFECTED);
	/* Windows itself is only the platform. */
	want(r, "cpe:2.3:o:microsoft:windows:-:*:*:*:*:*:*:*", NULL, NULL,
	     MEDFW_VULN_NOT_RELEVANT);
	medfw_nvd_page_free(p);
}

static void test_rejected_and_unanalysed(void **state)
{
	struct medfw_buf b;
	struct medfw_nvd_page *p = NULL;
	struct medfw_nvd_record *r;
	struct medfw_vuln_verdict v;
	char *text, *at;
	size_t i;

	(void)state;
	read_shared("nvd/pages/cves-2023-page.json", &b);
	assert_int_equal(medfw_nvd_page_parse(b.data, b.len, &p, NULL), MEDFW_OK);
	medfw_buf_free(&b);
	for (i = 0; i < p->record_count; i++)
		if (p->records[i]->withdrawn)
			break;
	assert_true(i < p->record_count);
	assert_int_equal(eval(p->records[i], BUSYBOX("1.0"), "1.0", NULL, NULL, &v),
			 MEDFW_VULN_NOT_RELEVANT);
	assert_string_equal(v.rule, "CVE-2022-44577 is rejected (vulnStatus \"Rejected\")");
	medfw_nvd_page_free(p);

	/* A rejected record keeps its configurations but never matches. */
	read_shared("nvd/records/CVE-2018-1000500.json", &b);
	text = strdup((const char *)b.data);
	assert_non_null(text);
	at = strstr(text, "\"vulnStatus\": \"Modified\"");
	if (at == NULL)
		at = strstr(text, "\"vulnStatus\":\"Modified\"");
	assert_non_null(at);
	memcpy(strstr(at, "Modified"), "Rejected", 8);
	{
		struct medfw_nvd_page *pg = NULL;

		assert_int_equal(medfw_nvd_page_parse((const uint8_t *)text, strlen(text), &pg, NULL),
				 MEDFW_OK);
		assert_true(pg->records[0]->withdrawn);
		assert_int_equal(pg->records[0]->configuration_count, 1);
		assert_int_equal(eval(pg->records[0], BUSYBOX("1.31.1"), "1.31.1", NULL, NULL, &v),
				 MEDFW_VULN_NOT_RELEVANT);
		medfw_nvd_page_free(pg);
	}
	free(text);
	medfw_buf_free(&b);

	r = load("nvd/records/CVE-2023-4911.json");
	assert_int_equal(eval(r, "cpe:2.3:a:gnu:glibc:2.37:*:*:*:*:*:*:*", "2.37", NULL, NULL, &v),
			 MEDFW_VULN_NOT_RELEVANT);
	assert_string_equal(v.rule, "CVE-2023-4911 has no configurations yet (vulnStatus "
				    "\"Awaiting Analysis\")");
	medfw_nvd_record_free(r);
}

/* Over every record of the big page: a component that is exactly a vulnerable:false
 * entry (with the rest of its configuration given as the platform) is never AFFECTED
 * unless a vulnerable:true entry of the record is about the same product. */
static int vulnerable_about(const struct medfw_nvd_record *r, const struct medfw_cpe *c)
{
	size_t i, j, k;

	for (i = 0; i < r->configuration_count; i++)
		for (j = 0; j < r->configurations[i].node_count; j++)
			for (k = 0; k < r->configurations[i].nodes[j].match_count; k++) {
				const struct medfw_nvd_cpe_match *m =
					&r->configurations[i].nodes[j].matches[k];

				if (m->vulnerable &&
				    strcmp(m->cpe->attr[MEDFW_CPE_VENDOR].fs ? m->cpe->attr[MEDFW_CPE_VENDOR].fs : "*",
					   c->attr[MEDFW_CPE_VENDOR].fs ? c->attr[MEDFW_CPE_VENDOR].fs : "*") == 0 &&
				    strcmp(m->cpe->attr[MEDFW_CPE_PRODUCT].fs ? m->cpe->attr[MEDFW_CPE_PRODUCT].fs : "*",
					   c->attr[MEDFW_CPE_PRODUCT].fs ? c->attr[MEDFW_CPE_PRODUCT].fs : "*") == 0)
					return 1;
			}
	return 0;
}

static void test_conditions_never_findings(void **state)
{
	struct medfw_buf b;
	struct medfw_nvd_page *p = NULL;
	size_t i, j, k, n, checked = 0;

	(void)state;
	read_shared("nvd/pages/cves-2023-page.json", &b);
	assert_int_equal(medfw_nvd_page_parse(b.data, b.len, &p, NULL), MEDFW_OK);
	medfw_buf_free(&b);
	for (i = 0; i < p->record_count; i++) {
		const struct medfw_nvd_record *r = p->records[i];

		for (j = 0; j < r->configuration_count; j++) {
			const struct medfw_nvd_configuration *c = &r->configurations[j];
			const char **platform;
			size_t np = 0;

			for (k = 0, n = 0; k < c->node_count; k++)
				n += c->nodes[k].match_count;
			platform = calloc(n + 1, sizeof(*platform));
			assert_non_null(platform);
			for (k = 0; k < c->node_count; k++)
				for (size_t m = 0; m < c->nodes[k].match_count; m++)
					if (!c->nodes[k].matches[m].cpe->attr[MEDFW_CPE_VERSION].has_wildcard)
						platform[np++] = c->nodes[k].matches[m].criteria;
			for (k = 0; k < c->node_count; k++)
				for (size_t m = 0; m < c->nodes[k].match_count; m++) {
					const struct medfw_nvd_cpe_match *cm = &c->nodes[k].matches[m];
					struct medfw_vuln_verdict v;

					if (cm->vulnerable || vulnerable_about(r, cm->cpe))
						continue;
					eval(r, cm->criteria, NULL, NULL, platform, &v);
					if (v.outcome == MEDFW_VULN_AFFECTED)
						fail_msg("%s: condition %s gave a finding: %s", r->id,
							 cm->criteria, v.rule);
					assert_int_equal(v.outcome, MEDFW_VULN_NOT_RELEVANT);
					eval(r, cm->criteria, NULL, NULL, NULL, &v);
					assert_int_equal(v.outcome, MEDFW_VULN_NOT_RELEVANT);
					checked++;
				}
			free(platform);
		}
	}
	assert_true(checked >= 87);
	medfw_nvd_page_free(p);
}

/* A hand-written record with one configuration, for shapes the data lacks. */
static struct medfw_nvd_record *one_config(const char *cfg)
{
	char json[8192];

	snprintf(json, sizeof(json),
		 "{\"id\":\"CVE-2099-0001\",\"published\":\"2099-01-01T00:00:00.000\","
		 "\"lastModified\":\"2099-01-01T00:00:00\",\"vulnStatus\":\"Analyzed\","
		 "\"descriptions\":[{\"lang\":\"en\",\"value\":\"test\"}],\"references\":[],"
		 "\"configurations\":[%s]}",
		 cfg);
	return parse_text(json);
}

#define CM(vuln, crit, extra)                                                               \
	"{\"vulnerable\":" vuln ",\"criteria\":\"" crit "\",\"matchCriteriaId\":"           \
	"\"00000000-0000-0000-0000-000000000000\"" extra "}"

static void test_logic(void **state)
{
	struct medfw_nvd_record *r;
	const char *foo = "cpe:2.3:a:acme:foo:1.0:*:*:*:*:*:*:*";

	(void)state;
	/* A configuration made only of a condition never produces a finding. */
	r = one_config("{\"nodes\":[{\"operator\":\"OR\",\"cpeMatch\":[" CM(
		"false", "cpe:2.3:a:acme:foo:*:*:*:*:*:*:*:*", "") "]}]}");
	want(r, foo, "1.0", NULL, MEDFW_VULN_NOT_RELEVANT);
	medfw_nvd_record_free(r);

	/* A negated condition node: affected unless running on bar. */
	r = one_config("{\"operator\":\"AND\",\"nodes\":[{\"operator\":\"OR\",\"cpeMatch\":[" CM(
		"true", "cpe:2.3:a:acme:foo:*:*:*:*:*:*:*:*",
		",\"versionEndExcluding\":\"2.0\"") "]},{\"operator\":\"OR\",\"negate\":true,"
						      "\"cpeMatch\":[" CM(
							      "false",
							      "cpe:2.3:o:acme:bar:*:*:*:*:*:*:*:*",
							      "") "]}]}");
	want(r, foo, "1.0", NULL, MEDFW_VULN_UNDETERMINED);
	want(r, foo, "1.0", (const char *const[]){"cpe:2.3:o:acme:baz:1:*:*:*:*:*:*:*", NULL},
	     MEDFW_VULN_AFFECTED);
	want(r, foo, "1.0", (const char *const[]){"cpe:2.3:o:acme:bar:1:*:*:*:*:*:*:*", NULL},
	     MEDFW_VULN_NOT_AFFECTED);
	want(r, foo, "2.0", NULL, MEDFW_VULN_NOT_AFFECTED);
	medfw_nvd_record_free(r);

	/* An AND node inside: foo AND (bar AND baz) as platform. */
	r = one_config("{\"operator\":\"AND\",\"nodes\":[{\"operator\":\"OR\",\"cpeMatch\":[" CM(
		"true", "cpe:2.3:a:acme:foo:*:*:*:*:*:*:*:*", "") "]},{\"operator\":\"AND\","
								  "\"cpeMatch\":[" CM(
									  "false",
									  "cpe:2.3:o:acme:bar:*:*:"
									  "*:*:*:*:*:*",
									  "") "," CM("false",
										     "cpe:2.3:h:"
										     "acme:baz:-:"
										     "*:*:*:*:*:*:"
										     "*",
										     "") "]}]}");
	want(r, foo, "1.0",
	     (const char *const[]){"cpe:2.3:o:acme:bar:2:*:*:*:*:*:*:*",
				   "cpe:2.3:h:acme:baz:-:*:*:*:*:*:*:*", NULL},
	     MEDFW_VULN_AFFECTED);
	want(r, foo, "1.0", (const char *const[]){"cpe:2.3:o:acme:bar:2:*:*:*:*:*:*:*", NULL},
	     MEDFW_VULN_NOT_AFFECTED);
	medfw_nvd_record_free(r);

	/* A configuration-level negate inverts the whole configuration. */
	r = one_config("{\"negate\":true,\"nodes\":[{\"operator\":\"OR\",\"cpeMatch\":[" CM(
		"true", "cpe:2.3:a:acme:foo:*:*:*:*:*:*:*:*", "") "]}]}");
	want(r, foo, "1.0", NO_PLATFORM, MEDFW_VULN_NOT_AFFECTED);
	medfw_nvd_record_free(r);

	/* Wildcards in a criteria version; a criteria version with a start bound only. */
	r = one_config("{\"nodes\":[{\"operator\":\"OR\",\"cpeMatch\":[" CM(
		"true", "cpe:2.3:a:acme:foo:1.2.*:*:*:*:*:*:*:*", "") "," CM("true",
									 "cpe:2.3:a:acme:qux:*:*:"
									 "*:*:*:*:*:*",
									 ",\"versionStartExcluding\":"
									 "\"3.0\"") "]}]}");
	want(r, "cpe:2.3:a:acme:foo:*:*:*:*:*:*:*:*", "1.2.7", NULL, MEDFW_VULN_AFFECTED);
	want(r, "cpe:2.3:a:acme:foo:*:*:*:*:*:*:*:*", "1.3.0", NULL, MEDFW_VULN_NOT_AFFECTED);
	want(r, "cpe:2.3:a:acme:qux:*:*:*:*:*:*:*:*", "3.0", NULL, MEDFW_VULN_NOT_AFFECTED);
	want(r, "cpe:2.3:a:acme:qux:*:*:*:*:*:*:*:*", "3.0.1", NULL, MEDFW_VULN_AFFECTED);
	medfw_nvd_record_free(r);
}

/* ------------------------------------------------------------------- errors */

static void record_fails(const char *json, enum medfw_err code, const char *needle)
{
	struct medfw_nvd_record *r = (struct medfw_nvd_record *)1;
	struct medfw_diag d;

	medfw_diag_clear(&d);
	assert_int_equal(medfw_nvd_record_parse((const uint8_t *)json, strlen(json), &r, &d),
			 code);
	assert_null(r);
	if (strstr(d.msg, needle) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", d.msg, needle);
}

#define REC_HEAD                                                                            \
	"{\"id\":\"CVE-2099-0001\",\"published\":\"2099-01-01T00:00:00.000\","                \
	"\"lastModified\":\"2099-01-01T00:00:00\",\"descriptions\":[{\"lang\":\"en\","        \
	"\"value\":\"x\"}],\"references\":[]"

static void test_rejected_input(void **state)
{
	struct medfw_nvd_page *p = NULL;
	struct medfw_diag d;
	const char *page;

	(void)state;
	record_fails("{", MEDFW_ERR_JSON_SYNTAX, "");
	record_fails("[]", MEDFW_ERR_FIELD_TYPE, "cve: must be an object");
	record_fails("{\"published\":\"2099-01-01T00:00:00\"}", MEDFW_ERR_FIELD_MISSING,
		     "cve: missing field \"id\"");
	record_fails("{\"id\":\"CVE-99-1\"}", MEDFW_ERR_FIELD_VALUE, "cve.id: not a CVE id");
	record_fails("{\"id\":\"CVE-2099-0001\",\"published\":\"yesterday\"}",
		     MEDFW_ERR_FIELD_VALUE, "cve.published: not a date-time");
	record_fails("{\"id\":\"CVE-2099-0001\",\"published\":\"2099-01-01T00:00:00\","
		     "\"lastModified\":\"2099-01-01T00:00:00\",\"descriptions\":[],"
		     "\"references\":[]}",
		     MEDFW_ERR_FIELD_VALUE, "cve.descriptions: is empty");
	record_fails(REC_HEAD ",\"references\":7}", MEDFW_ERR_JSON_SYNTAX, "duplicate");
	record_fails("{\"id\":\"CVE-2099-0001\",\"published\":\"2099-01-01T00:00:00\","
		     "\"lastModified\":\"2099-01-01T00:00:00\",\"descriptions\":[{\"lang\":\"en\","
		     "\"value\":\"x\"}],\"references\":[{\"url\":\"javascript:alert(1)\"}]}",
		     MEDFW_ERR_FIELD_VALUE, "cve.references[0].url: not an http(s) or ftp(s) URL");
	record_fails(REC_HEAD ",\"configurations\":[{\"nodes\":[{\"operator\":\"OR\","
			      "\"cpeMatch\":[" CM("true", "cpe:2.3:a:acme:foo/bar:*:*:*:*:*:*:*:*",
						  "") "]}]}]}",
		     MEDFW_ERR_FIELD_VALUE,
		     "cve.configurations[0].nodes[0].cpeMatch[0].criteria: CPE formatted string: "
		     "attribute product: unescaped character '/'");
	record_fails(REC_HEAD ",\"configurations\":[{\"nodes\":[{\"operator\":\"OR\","
			      "\"cpeMatch\":[" CM("true", "cpe:2.3:a:acme:foo:*:*:*:*:*:*:*:*",
						  ",\"versionStartIncluding\":\"1\","
						  "\"versionStartExcluding\":\"1\"") "]}]}]}",
		     MEDFW_ERR_FIELD_VALUE,
		     "cve.configurations[0].nodes[0].cpeMatch[0]: both versionStartIncluding and "
		     "versionStartExcluding");
	record_fails(REC_HEAD ",\"configurations\":[{\"nodes\":[{\"operator\":\"XOR\","
			      "\"cpeMatch\":[]}]}]}",
		     MEDFW_ERR_FIELD_VALUE,
		     "cve.configurations[0].nodes[0].operator: must be \"AND\" or \"OR\"");
	record_fails(REC_HEAD ",\"configurations\":[{\"nodes\":[{\"operator\":\"AND\","
			      "\"cpeMatch\":[]}]}]}",
		     MEDFW_ERR_FIELD_VALUE, "cve.configurations[0].nodes[0].cpeMatch: is empty");
	record_fails(REC_HEAD ",\"configurations\":[{\"nodes\":[]}]}", MEDFW_ERR_FIELD_VALUE,
		     "cve.configurations[0].nodes: is empty");
	record_fails(REC_HEAD ",\"configurations\":[{\"nodes\":[{\"operator\":\"OR\","
			      "\"cpeMatch\":[{\"vulnerable\":\"yes\"}]}]}]}",
		     MEDFW_ERR_FIELD_TYPE,
		     "cve.configurations[0].nodes[0].cpeMatch[0].vulnerable: must be true or "
		     "false");
	record_fails(REC_HEAD ",\"configurations\":[{\"nodes\":[{\"operator\":\"OR\","
			      "\"cpeMatch\":[{\"vulnerable\":true,\"criteria\":\"cpe:2.3:a:a:b:*:*:*:"
			      "*:*:*:*:*\",\"matchCriteriaId\":\"nope\"}]}]}]}",
		     MEDFW_ERR_FIELD_VALUE,
		     "cve.configurations[0].nodes[0].cpeMatch[0].matchCriteriaId: not a UUID");
	record_fails(REC_HEAD ",\"metrics\":{\"cvssMetricV31\":[{\"source\":\"nvd@nist.gov\","
			      "\"type\":\"Primary\",\"cvssData\":{\"version\":\"3.1\","
			      "\"vectorString\":\"x\",\"baseScore\":11,\"baseSeverity\":\"HIGH\"}}]}}",
		     MEDFW_ERR_FIELD_VALUE,
		     "cve.metrics.cvssMetricV31[0].cvssData.baseScore: a CVSS score is 0.0 to 10.0");
	record_fails(REC_HEAD ",\"metrics\":{\"cvssMetricV31\":[{\"source\":\"nvd@nist.gov\","
			      "\"type\":\"Primary\",\"cvssData\":{\"version\":\"3.0\","
			      "\"vectorString\":\"x\",\"baseScore\":1,\"baseSeverity\":\"HIGH\"}}]}}",
		     MEDFW_ERR_FIELD_VALUE, "cve.metrics.cvssMetricV31[0].cvssData.version");
	record_fails(REC_HEAD ",\"metrics\":{\"cvssMetricV31\":[{\"source\":\"nvd@nist.gov\","
			      "\"type\":\"Tertiary\"}]}}",
		     MEDFW_ERR_FIELD_VALUE,
		     "cve.metrics.cvssMetricV31[0].type: must be \"Primary\" or \"Secondary\"");
	record_fails("{\"resultsPerPage\":0,\"vulnerabilities\":[]}", MEDFW_ERR_FIELD_VALUE,
		     "a response page");

	/* Limits. */
	{
		size_t n = MEDFW_NVD_MAX_REFERENCES + 1, i;
		struct medfw_buf b;

		medfw_buf_init(&b, 1u << 24);
		assert_int_equal(medfw_buf_append_str(&b, REC_HEAD ",\"x\":0}"), MEDFW_OK);
		b.len -= strlen(",\"references\":[],\"x\":0}");
		assert_int_equal(medfw_buf_append_str(&b, ",\"references\":["), MEDFW_OK);
		for (i = 0; i < n; i++)
			assert_int_equal(medfw_buf_printf(&b, "%s{\"url\":\"https://a.invalid/%zu\"}",
							  i ? "," : "", i),
					 MEDFW_OK);
		assert_int_equal(medfw_buf_append(&b, "]}", 3), MEDFW_OK);
		record_fails((const char *)b.data, MEDFW_ERR_TOO_LARGE,
			     "cve.references: 4097 items, at most 4096 allowed");
		medfw_buf_free(&b);
	}

	/* A page keeps the good records and reports the bad one with its path. */
	page = "{\"resultsPerPage\":3,\"startIndex\":0,\"totalResults\":3,\"format\":\"NVD_CVE\","
	       "\"version\":\"2.0\",\"timestamp\":\"2023-07-18T06:46:32.267\","
	       "\"vulnerabilities\":[{\"cve\":" REC_HEAD "}},{\"cve\":{\"id\":\"CVE-2099-0002\"}},"
	       "7]}";
	medfw_diag_clear(&d);
	assert_int_equal(medfw_nvd_page_parse((const uint8_t *)page, strlen(page), &p, &d),
			 MEDFW_OK);
	assert_int_equal(p->record_count, 1);
	assert_int_equal(p->error_count, 2);
	assert_int_equal(p->errors[0].index, 1);
	assert_string_equal(p->errors[0].id, "CVE-2099-0002");
	assert_int_equal(p->errors[0].err, MEDFW_ERR_FIELD_MISSING);
	assert_string_equal(p->errors[0].message,
			    "vulnerabilities[1].cve: missing field \"published\"");
	assert_int_equal(p->errors[1].index, 2);
	assert_string_equal(p->errors[1].id, "");
	assert_string_equal(p->errors[1].message,
			    "vulnerabilities[2]: must be an object with \"cve\"");
	medfw_nvd_page_free(p);

	/* Envelope errors fail the whole page. */
	page = "{\"resultsPerPage\":1,\"startIndex\":0,\"totalResults\":3,\"format\":\"NVD_CVE\","
	       "\"version\":\"2.0\",\"timestamp\":\"2023-07-18T06:46:32.267\","
	       "\"vulnerabilities\":[{\"cve\":" REC_HEAD "}},{\"cve\":" REC_HEAD "}}]}";
	p = (struct medfw_nvd_page *)1;
	medfw_diag_clear(&d);
	assert_int_equal(medfw_nvd_page_parse((const uint8_t *)page, strlen(page), &p, &d),
			 MEDFW_ERR_FIELD_VALUE);
	assert_null(p);
	assert_contains(d.msg, "2 records, resultsPerPage is 1");
	page = "{\"resultsPerPage\":1,\"startIndex\":0,\"totalResults\":3,\"format\":\"NVD_CVE\","
	       "\"version\":\"1.0\",\"timestamp\":\"2023-07-18T06:46:32.267\","
	       "\"vulnerabilities\":[]}";
	medfw_diag_clear(&d);
	assert_int_equal(medfw_nvd_page_parse((const uint8_t *)page, strlen(page), &p, &d),
			 MEDFW_ERR_FIELD_VALUE);
	assert_contains(d.msg, "\"2.0\" expected");
	page = "{\"resultsPerPage\":2001,\"startIndex\":0,\"totalResults\":3,\"format\":"
	       "\"NVD_CVE\",\"version\":\"2.0\",\"timestamp\":\"2023-07-18T06:46:32.267\","
	       "\"vulnerabilities\":[]}";
	medfw_diag_clear(&d);
	assert_int_equal(medfw_nvd_page_parse((const uint8_t *)page, strlen(page), &p, &d),
			 MEDFW_ERR_FIELD_VALUE);
	assert_contains(d.msg, "resultsPerPage: 2001 is outside [0, 2000]");
	assert_int_equal(medfw_nvd_page_parse(NULL, 0, &p, NULL), MEDFW_ERR_INVALID_ARG);
	assert_null(p);
	medfw_nvd_page_free(NULL);
	medfw_nvd_record_free(NULL);
}

static void test_evaluate_errors(void **state)
{
	struct medfw_nvd_record *r = load("nvd/records/CVE-2018-1000500.json");
	struct medfw_vuln_component c;
	struct medfw_vuln_verdict v;
	struct medfw_nvd_platform pl;
	struct medfw_diag d;
	const char *bad[] = {"cpe:2.3:a:busybox"};
	const char *good[] = {BUSYBOX("1.31.1")};

	(void)state;
	memset(&c, 0, sizeof(c));
	memset(&v, 0x55, sizeof(v));
	assert_int_equal(medfw_nvd_evaluate(NULL, &c, &v, NULL), MEDFW_ERR_INVALID_ARG);
	assert_int_equal(v.outcome, MEDFW_VULN_UNDETERMINED);
	assert_string_equal(v.rule, "");
	assert_int_equal(medfw_nvd_evaluate(r, NULL, &v, NULL), MEDFW_ERR_INVALID_ARG);
	assert_int_equal(medfw_nvd_evaluate(r, &c, NULL, NULL), MEDFW_ERR_INVALID_ARG);
	/* A component CPE that cannot be read is the caller's error, named. */
	c.cpes = bad;
	c.cpe_count = 1;
	medfw_diag_clear(&d);
	memset(&v, 0x55, sizeof(v));
	assert_int_equal(medfw_nvd_evaluate(r, &c, &v, &d), MEDFW_ERR_FIELD_VALUE);
	assert_int_equal(v.outcome, MEDFW_VULN_UNDETERMINED);
	assert_contains(d.msg, "NVD evaluate: component cpes[0]: CPE formatted string: 2 attributes");
	/* So is a component purl. */
	c.cpes = good;
	c.purl = "pkg:";
	medfw_diag_clear(&d);
	assert_int_equal(medfw_nvd_evaluate(r, &c, &v, &d), MEDFW_ERR_FIELD_VALUE);
	assert_contains(d.msg, "component purl: ");
	c.purl = NULL;
	/* So is a platform CPE. */
	c.cpes = good;
	pl.cpes = bad;
	pl.cpe_count = 1;
	medfw_diag_clear(&d);
	assert_int_equal(medfw_nvd_evaluate_on(r, &c, &pl, &v, &d), MEDFW_ERR_FIELD_VALUE);
	assert_contains(d.msg, "NVD evaluate: platform cpes[0]");
	medfw_nvd_record_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_file_parses),
		cmocka_unit_test(test_page_model),
		cmocka_unit_test(test_record_model),
		cmocka_unit_test(test_busybox),
		cmocka_unit_test(test_openssl_ranges),
		cmocka_unit_test(test_xz_libwebp),
		cmocka_unit_test(test_open62541_updates),
		cmocka_unit_test(test_target_hw),
		cmocka_unit_test(test_esp_idf_and),
		cmocka_unit_test(test_nio_firmware_hardware),
		cmocka_unit_test(test_windows_condition_and_edition),
		cmocka_unit_test(test_rejected_and_unanalysed),
		cmocka_unit_test(test_conditions_never_findings),
		cmocka_unit_test(test_logic),
		cmocka_unit_test(test_rejected_input),
		cmocka_unit_test(test_evaluate_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
