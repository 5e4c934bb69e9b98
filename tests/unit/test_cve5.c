/* CVE JSON 5: every file of testdata/cve5 parses, the model of chosen records, verdicts
 * for components built here (curl's per-version list, the Linux kernel's git and semver
 * views with defaultStatus and 5.15.* bounds, xz by collectionURL and by CPE, log4j's
 * "custom" range, smoothie's "unspecified", GitHub's free-text ranges, protobuf), the
 * schema's algorithm on hand-written records (changes, first match, platforms,
 * packageURL, registries), and rejected input with the JSON path in the message. */
#include "testutil.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "medfw/cve5.h"

static struct medfw_cve5_record *load(const char *name)
{
	char rel[256], path[4096];
	struct medfw_buf b;
	struct medfw_cve5_record *r = NULL;
	struct medfw_diag d;
	enum medfw_err err;

	snprintf(rel, sizeof(rel), "cve5/%s", name);
	tu_shared_path(path, sizeof(path), rel);
	tu_read_file(path, &b);
	medfw_diag_clear(&d);
	err = medfw_cve5_record_parse(b.data, b.len, &r, &d);
	if (err != MEDFW_OK)
		fail_msg("%s: %s", name, medfw_diag_message(&d, err));
	medfw_buf_free(&b);
	return r;
}

static struct medfw_cve5_record *parse_text(const char *json)
{
	struct medfw_cve5_record *r = NULL;
	struct medfw_diag d;
	enum medfw_err err;

	medfw_diag_clear(&d);
	err = medfw_cve5_record_parse((const uint8_t *)json, strlen(json), &r, &d);
	if (err != MEDFW_OK)
		fail_msg("%s", medfw_diag_message(&d, err));
	return r;
}

static void assert_contains(const char *s, const char *needle)
{
	if (strstr(s, needle) == NULL)
		fail_msg("\"%s\" lacks \"%s\"", s, needle);
}

struct comp {
	const char *name, *supplier, *group, *version, *purl, *cpe;
};

static enum medfw_vuln_outcome eval(const struct medfw_cve5_record *r, const struct comp *in,
				    struct medfw_vuln_verdict *v)
{
	struct medfw_vuln_component c;
	struct medfw_vuln_verdict local;
	struct medfw_diag d;
	const char *cpes[1];
	enum medfw_err err;

	if (v == NULL)
		v = &local;
	memset(&c, 0, sizeof(c));
	c.name = in->name;
	c.supplier = in->supplier;
	c.group = in->group;
	c.version = in->version;
	c.purl = in->purl;
	if (in->cpe != NULL) {
		cpes[0] = in->cpe;
		c.cpes = cpes;
		c.cpe_count = 1;
	}
	medfw_diag_clear(&d);
	err = medfw_cve5_evaluate(r, &c, v, &d);
	if (err != MEDFW_OK)
		fail_msg("evaluate: %s", medfw_diag_message(&d, err));
	if (v->outcome != MEDFW_VULN_NOT_RELEVANT) {
		assert_true(strncmp(v->rule, r->id, strlen(r->id)) == 0);
		assert_true(v->comparison[0] != '\0');
	}
	return v->outcome;
}

static void want(const struct medfw_cve5_record *r, struct comp c, const char *version,
		 enum medfw_vuln_outcome expected)
{
	struct medfw_vuln_verdict v;
	enum medfw_vuln_outcome got;

	c.version = version;
	got = eval(r, &c, &v);
	if (got != expected)
		fail_msg("%s: %s %s: got %s, want %s (%s / %s)", r->id, c.name ? c.name : "?",
			 version ? version : "(none)", medfw_vuln_outcome_name(got),
			 medfw_vuln_outcome_name(expected), v.rule, v.comparison);
}

/* ------------------------------------------------------------------ parsing */

static void test_every_file_parses(void **state)
{
	char dir[4096];
	struct dirent *e;
	DIR *d;
	size_t files = 0;

	(void)state;
	tu_shared_path(dir, sizeof(dir), "cve5");
	d = opendir(dir);
	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		struct medfw_cve5_record *r;

		if (strstr(e->d_name, ".json") == NULL)
			continue;
		r = load(e->d_name);
		assert_true(strncmp(r->id, "CVE-", 4) == 0);
		assert_int_equal(r->state, MEDFW_CVE5_PUBLISHED);
		assert_true(r->cna.affected_count > 0);
		assert_non_null(r->cna.description);
		medfw_cve5_record_free(r);
		files++;
	}
	closedir(d);
	assert_true(files >= 8);
}

static void test_model(void **state)
{
	struct medfw_cve5_record *r;
	const struct medfw_cve5_affected *a;

	(void)state;
	r = load("CVE-2024-7264.json");
	assert_string_equal(r->id, "CVE-2024-7264");
	assert_string_equal(r->data_version, "5.2");
	assert_string_equal(r->assigner, "curl");
	assert_string_equal(r->date_published, "2024-07-31T08:08:14.585Z");
	a = &r->cna.affected[0];
	assert_string_equal(a->vendor, "curl");
	assert_string_equal(a->product, "curl");
	assert_true(a->has_default_status);
	assert_int_equal(a->default_status, MEDFW_CVE5_UNAFFECTED);
	assert_int_equal(a->version_count, 95);
	assert_string_equal(a->versions[0].version, "8.9.0");
	assert_string_equal(a->versions[0].less_than_or_equal, "8.9.0");
	assert_string_equal(a->versions[0].version_type, "semver");
	assert_null(a->versions[0].less_than);
	assert_int_equal(r->cna.metric_count, 0);
	assert_int_equal(r->adp_count, 2);
	assert_string_equal(r->adp[1].provider, "CISA-ADP");
	assert_int_equal(r->adp[1].metric_count, 1);
	assert_int_equal(r->adp[1].metrics[0].version, MEDFW_CVE5_CVSS_V31);
	assert_int_equal(r->adp[1].metrics[0].base_score_tenths, 63);
	assert_string_equal(r->adp[1].metrics[0].severity, "MEDIUM");
	assert_true(strncmp(r->cna.description, "libcurl's ASN1 parser", 21) == 0);
	medfw_cve5_record_free(r);

	r = load("CVE-2021-44228.json");
	assert_int_equal(r->cna.metric_count, 0); /* only an "other" metric */
	assert_int_equal(r->cna.cwe_count, 3);
	assert_string_equal(r->cna.cwes[0], "CWE-502");
	assert_int_equal(r->cna.affected[0].versions[0].change_count, 5);
	assert_string_equal(r->cna.affected[0].versions[0].changes[4].at, "2.15.0");
	assert_int_equal(r->cna.affected[0].versions[0].changes[4].status,
			 MEDFW_CVE5_UNAFFECTED);
	assert_false(r->cna.affected[0].has_default_status);
	assert_int_equal(r->cna.affected[0].default_status, MEDFW_CVE5_UNKNOWN);
	assert_int_equal(r->adp[1].metrics[0].base_score_tenths, 100);
	medfw_cve5_record_free(r);

	r = load("CVE-2025-4565.json");
	assert_int_equal(r->cna.metrics[0].version, MEDFW_CVE5_CVSS_V40);
	assert_int_equal(r->cna.metrics[0].base_score_tenths, 82);
	assert_string_equal(r->cna.metrics[0].severity, "HIGH");
	assert_string_equal(r->cna.affected[0].collection_url,
			    "https://github.com/protocolbuffers/protobuf/");
	medfw_cve5_record_free(r);

	r = load("CVE-2025-21631.json");
	assert_int_equal(r->cna.affected_count, 2);
	assert_string_equal(r->cna.affected[0].versions[0].version_type, "git");
	assert_string_equal(r->cna.affected[1].versions[2].less_than_or_equal, "5.15.*");
	assert_int_equal(r->cna.affected[1].default_status, MEDFW_CVE5_AFFECTED);
	assert_string_equal(r->cna.affected[0].repo,
			    "https://git.kernel.org/pub/scm/linux/kernel/git/stable/linux.git");
	medfw_cve5_record_free(r);

	r = load("CVE-2024-3094.json");
	assert_int_equal(r->cna.affected_count, 7);
	assert_string_equal(r->cna.affected[1].cpes[0], "cpe:/o:redhat:enterprise_linux:10");
	assert_null(r->cna.affected[0].vendor);
	assert_string_equal(r->cna.affected[0].package_name, "xz");
	assert_string_equal(r->cna.cwes[0], "CWE-506");
	medfw_cve5_record_free(r);
}

/* ----------------------------------------------------------------- verdicts */

static void test_curl_version_list(void **state)
{
	struct medfw_cve5_record *r = load("CVE-2024-7264.json");
	struct comp curl = {"curl", "curl", NULL, NULL, NULL, NULL};
	struct medfw_vuln_verdict v;

	(void)state;
	curl.version = "8.9.0";
	assert_int_equal(eval(r, &curl, &v), MEDFW_VULN_AFFECTED);
	assert_string_equal(v.rule, "CVE-2024-7264 containers.cna.affected[0].versions[0] "
				    "(affected) [by vendor + product]");
	assert_string_equal(v.comparison, "semver 8.9.0 == 8.9.0, 8.9.0 == 8.9.0 "
					  "(lessThanOrEqual)");
	want(r, curl, "7.88.1", MEDFW_VULN_AFFECTED);
	want(r, curl, "7.32.0", MEDFW_VULN_AFFECTED);
	/* Not listed: defaultStatus unaffected. */
	curl.version = "8.9.1";
	assert_int_equal(eval(r, &curl, &v), MEDFW_VULN_NOT_AFFECTED);
	assert_string_equal(v.rule, "CVE-2024-7264 containers.cna.affected[0] defaultStatus "
				    "unaffected [by vendor + product]");
	assert_string_equal(v.comparison, "8.9.1 matches none of the 95 version objects");
	want(r, curl, "7.31.0", MEDFW_VULN_NOT_AFFECTED);
	want(r, curl, "7.88.2", MEDFW_VULN_NOT_AFFECTED);
	/* Not a semver version: undetermined, never "unaffected". */
	want(r, curl, "custom", MEDFW_VULN_UNDETERMINED);
	want(r, curl, NULL, MEDFW_VULN_UNDETERMINED);
	/* Without a supplier the product name alone identifies it: a finding becomes a
	 * question, an unaffected version stays unaffected. */
	curl.supplier = NULL;
	curl.version = "8.9.0";
	assert_int_equal(eval(r, &curl, &v), MEDFW_VULN_UNDETERMINED);
	assert_contains(v.comparison, "identified by the product name alone");
	want(r, curl, "8.9.1", MEDFW_VULN_NOT_AFFECTED);
	/* Another supplier, another name: not this record's product. */
	curl.supplier = "Haxx";
	want(r, curl, "8.9.0", MEDFW_VULN_NOT_RELEVANT);
	curl.supplier = "curl";
	curl.name = "libcurl";
	want(r, curl, "8.9.0", MEDFW_VULN_NOT_RELEVANT);
	medfw_cve5_record_free(r);
}

static void test_kernel_views(void **state)
{
	struct medfw_cve5_record *r = load("CVE-2025-21631.json");
	struct comp linux_ = {"Linux", "Linux", NULL, NULL, NULL, NULL};
	struct medfw_vuln_verdict v;

	(void)state;
	/* git view: says nothing about release versions; semver view decides. */
	linux_.version = "6.12.5";
	assert_int_equal(eval(r, &linux_, &v), MEDFW_VULN_AFFECTED);
	assert_string_equal(v.rule, "CVE-2025-21631 containers.cna.affected[1] defaultStatus "
				    "affected [by vendor + product]");
	want(r, linux_, "6.12", MEDFW_VULN_AFFECTED); /* versions[0], an exact version */
	want(r, linux_, "6.12.9", MEDFW_VULN_AFFECTED);
	/* 6.12.10 <= V <= 6.12.*: the whole 6.12 series from 6.12.10 on. */
	linux_.version = "6.12.10";
	assert_int_equal(eval(r, &linux_, &v), MEDFW_VULN_NOT_AFFECTED);
	assert_contains(v.rule, "affected[1].versions[5] (unaffected)");
	linux_.version = "6.12.15";
	assert_int_equal(eval(r, &linux_, &v), MEDFW_VULN_NOT_AFFECTED);
	assert_string_equal(v.comparison, "semver 6.12.15 > 6.12.10, 6.12.15 in the 6.12 series");
	/* "0" with lessThan 6.12 ("0" and "6.12" as CNAs write semver). */
	linux_.version = "5.15.180";
	assert_int_equal(eval(r, &linux_, &v), MEDFW_VULN_NOT_AFFECTED);
	assert_string_equal(v.comparison, "semver no lower bound (0), 5.15.180 < 6.12 (lessThan)");
	/* versions[2] (5.15.177 <= V <= 5.15.*) decides once versions[1] (0 < 6.12) is out of
	 * the way: the stable branch's fix and the rest of the 5.15 series. */
	{
		struct medfw_cve5_affected *a = &r->cna.affected[1];
		struct medfw_cve5_version saved = a->versions[1];

		memmove(&a->versions[1], &a->versions[2], (a->version_count - 2) * sizeof(saved));
		a->version_count--;
		linux_.version = "5.15.177";
		assert_int_equal(eval(r, &linux_, &v), MEDFW_VULN_NOT_AFFECTED);
		assert_string_equal(v.comparison, "semver 5.15.177 == 5.15.177, 5.15.177 in the "
						  "5.15 series");
		want(r, linux_, "5.15.300", MEDFW_VULN_NOT_AFFECTED);
		want(r, linux_, "5.15.176", MEDFW_VULN_AFFECTED); /* defaultStatus affected */
		want(r, linux_, "5.16.1", MEDFW_VULN_AFFECTED);
		want(r, linux_, "5.150.1", MEDFW_VULN_AFFECTED);
		a->version_count++;
		memmove(&a->versions[2], &a->versions[1], (a->version_count - 2) * sizeof(saved));
		a->versions[1] = saved;
	}
	/* The Linux CNA's original_commit_for_fix entry: 6.13 and later. */
	want(r, linux_, "6.13.2", MEDFW_VULN_NOT_AFFECTED);
	want(r, linux_, "7.0", MEDFW_VULN_NOT_AFFECTED);
	/* Buildroot's "custom" kernel, a distribution build, a commit id: undetermined. */
	linux_.version = "custom";
	assert_int_equal(eval(r, &linux_, &v), MEDFW_VULN_UNDETERMINED);
	want(r, linux_, "5.15.0-164-generic", MEDFW_VULN_UNDETERMINED);
	want(r, linux_, "fcede1f0a043ccefe9bc6ad57f12718e42f63f1d", MEDFW_VULN_UNDETERMINED);
	/* A git-only record (the semver view removed) cannot place a release version. */
	{
		r->cna.affected_count = 1;
		linux_.version = "6.12.5";
		assert_int_equal(eval(r, &linux_, &v), MEDFW_VULN_UNDETERMINED);
		assert_contains(v.comparison, "git commit ranges do not place the release "
					      "version 6.12.5");
		/* ... but a commit id equal to a range's start is in it. */
		linux_.version = "63a07379fdb6c72450cb05294461c6016b8b7726";
		assert_int_equal(eval(r, &linux_, &v), MEDFW_VULN_AFFECTED);
		/* ... and a range's lessThan (the fix) is not; the other ranges need the
		 * repository's history. */
		linux_.version = "f587c1ac68956c4703857d650d9b1cd7bb2ac4d7";
		assert_int_equal(eval(r, &linux_, &v), MEDFW_VULN_UNDETERMINED);
		assert_contains(v.comparison, "needs the repository's history");
		r->cna.affected_count = 2;
	}
	medfw_cve5_record_free(r);
}

static void test_xz_identities(void **state)
{
	struct medfw_cve5_record *r = load("CVE-2024-3094.json");
	struct comp xz = {"xz", NULL, NULL, NULL, "pkg:github/tukaani-project/xz@5.6.1", NULL};
	struct comp rhel = {"Red Hat Enterprise Linux", NULL, NULL, NULL, NULL,
			    "cpe:2.3:o:redhat:enterprise_linux:8:*:*:*:*:*:*:*"};
	struct medfw_vuln_verdict v;

	(void)state;
	xz.version = "5.6.1";
	assert_int_equal(eval(r, &xz, &v), MEDFW_VULN_AFFECTED);
	assert_string_equal(v.rule, "CVE-2024-3094 containers.cna.affected[0].versions[1] "
				    "(affected) [by collectionURL + packageName]");
	assert_string_equal(v.comparison, "version 5.6.1");
	want(r, xz, "5.6.0", MEDFW_VULN_AFFECTED);
	want(r, xz, "5.6.2", MEDFW_VULN_NOT_AFFECTED);
	want(r, xz, "5.4.6", MEDFW_VULN_NOT_AFFECTED);
	want(r, xz, "v5.6.1", MEDFW_VULN_AFFECTED); /* generic: the same version */
	/* Another package registry, another package. */
	xz.purl = "pkg:pypi/xz@5.6.1";
	want(r, xz, "5.6.1", MEDFW_VULN_NOT_RELEVANT);
	/* RHEL by its CPE: defaultStatus unaffected, no version list. */
	assert_int_equal(eval(r, &rhel, &v), MEDFW_VULN_NOT_AFFECTED);
	assert_string_equal(v.rule, "CVE-2024-3094 containers.cna.affected[4] defaultStatus "
				    "unaffected [by cpes[0]]");
	assert_string_equal(v.comparison, "no version list: every version is unaffected");
	/* The version of the component's CPE when the SBOM gives none. */
	{
		struct comp x2 = {"xz", NULL, NULL, NULL, "pkg:github/tukaani-project/xz",
				  "cpe:2.3:a:tukaani:xz:5.6.0:*:*:*:*:*:*:*"};

		want(r, x2, NULL, MEDFW_VULN_AFFECTED);
		x2.cpe = "cpe:2.3:a:tukaani:xz:*:*:*:*:*:*:*:*";
		want(r, x2, NULL, MEDFW_VULN_UNDETERMINED);
	}
	rhel.cpe = "cpe:2.3:o:redhat:enterprise_linux:*:*:*:*:*:*:*:*";
	want(r, rhel, NULL, MEDFW_VULN_NOT_RELEVANT); /* ANY is only a subset of "8" */
	medfw_cve5_record_free(r);
}

static void test_custom_and_unspecified(void **state)
{
	struct medfw_cve5_record *r = load("CVE-2021-44228.json");
	struct comp log4j = {"Apache Log4j2", "Apache Software Foundation", NULL, NULL, NULL, NULL};
	struct medfw_vuln_verdict v;

	(void)state;
	log4j.version = "2.14.1";
	assert_int_equal(eval(r, &log4j, &v), MEDFW_VULN_UNDETERMINED);
	assert_contains(v.comparison, "versionType custom: the vendor's own ordering");
	/* The range's first version itself is in it, but the changes cannot be placed. */
	want(r, log4j, "2.0-beta9", MEDFW_VULN_UNDETERMINED);
	medfw_cve5_record_free(r);

	r = load("CVE-2022-25929.json");
	{
		struct comp smoothie = {"smoothie", NULL, NULL, "1.35.0", NULL, NULL};

		assert_int_equal(eval(r, &smoothie, &v), MEDFW_VULN_UNDETERMINED);
		assert_contains(v.rule, "affected[0]");
		want(r, smoothie, "1.37.0", MEDFW_VULN_UNDETERMINED);
		want(r, smoothie, "unspecified", MEDFW_VULN_UNDETERMINED);
	}
	medfw_cve5_record_free(r);

	/* vendor and product "n/a" never identify anything. */
	r = load("CVE-2016-1897.json");
	{
		struct comp na = {"n/a", "n/a", NULL, "n/a", NULL, NULL};

		want(r, na, "n/a", MEDFW_VULN_NOT_RELEVANT);
	}
	medfw_cve5_record_free(r);
}

static void test_github_ranges_and_protobuf(void **state)
{
	struct medfw_cve5_record *r = load("CVE-2023-22466.json");
	struct comp tokio = {"tokio", NULL, NULL, NULL, "pkg:github/tokio-rs/tokio", NULL};
	struct medfw_vuln_verdict v;

	(void)state;
	tokio.version = "1.18.0";
	assert_int_equal(eval(r, &tokio, &v), MEDFW_VULN_AFFECTED);
	assert_string_equal(v.comparison, "generic range \">= 1.7.0, < 1.18.4\" holds");
	assert_contains(v.rule, "[by vendor + product (github purl)]");
	want(r, tokio, "1.22.0", MEDFW_VULN_AFFECTED);
	/* Outside every range, and no defaultStatus: unknown, so undetermined. */
	tokio.version = "1.18.4";
	assert_int_equal(eval(r, &tokio, &v), MEDFW_VULN_UNDETERMINED);
	assert_contains(v.comparison, "the default status is unknown");
	assert_contains(v.rule, "defaultStatus unknown (absent)");
	want(r, tokio, "1.6.0", MEDFW_VULN_UNDETERMINED);
	/* The same by supplier and name. */
	{
		struct comp t2 = {"tokio", "tokio-rs", NULL, "1.20.2", NULL, NULL};

		want(r, t2, "1.20.2", MEDFW_VULN_AFFECTED);
		want(r, t2, "1.20.3", MEDFW_VULN_UNDETERMINED);
	}
	medfw_cve5_record_free(r);

	r = load("CVE-2025-4565.json");
	{
		struct comp pb = {"protobuf", NULL, NULL, NULL,
				  "pkg:github/protocolbuffers/protobuf", NULL};

		pb.version = "3.20.0";
		assert_int_equal(eval(r, &pb, &v), MEDFW_VULN_AFFECTED);
		assert_string_equal(v.fixed_version, "4.25.8");
		/* As written, the three "0 .. lessThan" ranges overlap: the first that
		 * matches decides. */
		want(r, pb, "5.29.5", MEDFW_VULN_AFFECTED);
		want(r, pb, "6.31.1", MEDFW_VULN_NOT_AFFECTED);
		want(r, pb, "7.0.0", MEDFW_VULN_NOT_AFFECTED);
	}
	medfw_cve5_record_free(r);
}

/* ------------------------------------------------ hand-written records */

#define HEAD                                                                                \
	"{\"dataType\":\"CVE_RECORD\",\"dataVersion\":\"5.1\",\"cveMetadata\":{\"cveId\":"  \
	"\"CVE-2099-0001\",\"assignerOrgId\":\"00000000-0000-4000-8000-000000000000\","      \
	"\"state\":\"PUBLISHED\"},\"containers\":{\"cna\":{\"providerMetadata\":{\"orgId\":" \
	"\"00000000-0000-4000-8000-000000000000\"},\"descriptions\":[{\"lang\":\"en\","      \
	"\"value\":\"test\"}],\"references\":[{\"url\":\"https://example.invalid/\"}],"      \
	"\"affected\":["
#define TAIL "]}}}"

static struct medfw_cve5_record *with_affected(const char *affected)
{
	char json[8192];

	snprintf(json, sizeof(json), HEAD "%s" TAIL, affected);
	return parse_text(json);
}

static void test_schema_algorithm(void **state)
{
	struct medfw_cve5_record *r;
	struct comp acme = {"widget", "Acme", NULL, NULL, NULL, NULL};
	struct medfw_vuln_verdict v;

	(void)state;
	/* versions.md's example: 2.0.0 .. 2.* affected, changes at 2.5.2 (unaffected), 2.6.0
	 * (affected), 2.6.3 (unaffected); given out of order (clients must sort). */
	r = with_affected("{\"vendor\":\"Acme\",\"product\":\"Widget\",\"versions\":[{\"version\":"
			  "\"2.0.0\",\"versionType\":\"semver\",\"lessThan\":\"2.*\",\"status\":"
			  "\"affected\",\"changes\":[{\"at\":\"2.6.3\",\"status\":\"unaffected\"},"
			  "{\"at\":\"2.5.2\",\"status\":\"unaffected\"},{\"at\":\"2.6.0\","
			  "\"status\":\"affected\"}]}],\"defaultStatus\":\"unaffected\"}");
	want(r, acme, "2.0.0", MEDFW_VULN_AFFECTED);
	want(r, acme, "2.5.1", MEDFW_VULN_AFFECTED);
	acme.version = "2.5.2";
	assert_int_equal(eval(r, &acme, &v), MEDFW_VULN_NOT_AFFECTED);
	assert_contains(v.comparison, "changes at 2.5.2 to unaffected");
	want(r, acme, "2.6.1", MEDFW_VULN_AFFECTED);
	want(r, acme, "2.6.3", MEDFW_VULN_NOT_AFFECTED);
	want(r, acme, "2.9.9", MEDFW_VULN_NOT_AFFECTED);
	want(r, acme, "1.9.9", MEDFW_VULN_NOT_AFFECTED); /* default */
	want(r, acme, "3.0.0", MEDFW_VULN_NOT_AFFECTED); /* lessThan 2.*: 2.x included */
	want(r, acme, "2.6.1-rc1", MEDFW_VULN_AFFECTED);
	want(r, acme, "2.6", MEDFW_VULN_AFFECTED);      /* 2.6 read as 2.6.0 */
	want(r, acme, "two", MEDFW_VULN_UNDETERMINED);
	/* The vendor and product compare trimmed and ignoring ASCII case. */
	acme.supplier = "  ACME ";
	want(r, acme, "2.5.1", MEDFW_VULN_AFFECTED);
	acme.supplier = "Acme";
	medfw_cve5_record_free(r);

	/* An undecidable version object before the match: harmless when it could only
	 * give the same status, undetermined otherwise. */
	r = with_affected("{\"vendor\":\"Acme\",\"product\":\"widget\",\"versions\":["
			  "{\"version\":\"1.0\",\"versionType\":\"maven\",\"lessThan\":\"1.5\","
			  "\"status\":\"affected\"},{\"version\":\"1.0.0\",\"versionType\":"
			  "\"semver\",\"lessThan\":\"2.0.0\",\"status\":\"affected\"},"
			  "{\"version\":\"2.0.0\",\"versionType\":\"semver\",\"lessThan\":"
			  "\"3.0.0\",\"status\":\"unaffected\"}],\"defaultStatus\":\"affected\"}");
	want(r, acme, "1.2.0", MEDFW_VULN_AFFECTED);
	acme.version = "2.1.0";
	assert_int_equal(eval(r, &acme, &v), MEDFW_VULN_UNDETERMINED);
	assert_contains(v.comparison, "versions[0] before it cannot be decided: versionType "
				      "maven has no known ordering");
	want(r, acme, "4.0.0", MEDFW_VULN_AFFECTED); /* default agrees with versions[0] */
	medfw_cve5_record_free(r);

	/* Status "unknown" and a component without a version. */
	r = with_affected("{\"vendor\":\"Acme\",\"product\":\"widget\",\"versions\":["
			  "{\"version\":\"1.0\",\"status\":\"unknown\"}],\"defaultStatus\":"
			  "\"unaffected\"}");
	want(r, acme, "1.0", MEDFW_VULN_UNDETERMINED);
	want(r, acme, "1.0.0", MEDFW_VULN_UNDETERMINED); /* generic: 1.0 == 1.0.0 */
	want(r, acme, "1.1", MEDFW_VULN_NOT_AFFECTED);
	want(r, acme, NULL, MEDFW_VULN_UNDETERMINED);
	medfw_cve5_record_free(r);

	/* Platforms: the component's platform is not known. */
	r = with_affected("{\"vendor\":\"Acme\",\"product\":\"widget\",\"platforms\":"
			  "[\"Windows\"],\"versions\":[{\"version\":\"1.0\",\"status\":"
			  "\"affected\"}],\"defaultStatus\":\"unaffected\"}");
	acme.version = "1.0";
	assert_int_equal(eval(r, &acme, &v), MEDFW_VULN_UNDETERMINED);
	assert_contains(v.comparison, "only for platforms (Windows)");
	want(r, acme, "2.0", MEDFW_VULN_UNDETERMINED);
	medfw_cve5_record_free(r);

	/* Two entries for one product: any affected view wins. */
	r = with_affected("{\"vendor\":\"Acme\",\"product\":\"widget\",\"versions\":[{"
			  "\"version\":\"1.0\",\"status\":\"unaffected\"}]},{\"vendor\":\"Acme\","
			  "\"product\":\"widget\",\"versions\":[{\"version\":\"0\",\"versionType\":"
			  "\"semver\",\"lessThan\":\"1.1.0\",\"status\":\"affected\"}]}");
	acme.version = "1.0";
	assert_int_equal(eval(r, &acme, &v), MEDFW_VULN_AFFECTED);
	assert_contains(v.rule, "containers.cna.affected[1].versions[0]");
	medfw_cve5_record_free(r);

	/* A wildcard as a single version. */
	r = with_affected("{\"vendor\":\"Acme\",\"product\":\"widget\",\"versions\":[{"
			  "\"version\":\"5.15.*\",\"status\":\"affected\"}],\"defaultStatus\":"
			  "\"unaffected\"}");
	want(r, acme, "5.15.3", MEDFW_VULN_AFFECTED);
	want(r, acme, "5.15", MEDFW_VULN_AFFECTED);
	want(r, acme, "5.150.1", MEDFW_VULN_NOT_AFFECTED);
	want(r, acme, "5.16.0", MEDFW_VULN_NOT_AFFECTED);
	medfw_cve5_record_free(r);

	/* Other version types: rpm, python; a versionType medfw cannot order. */
	r = with_affected("{\"vendor\":\"Acme\",\"product\":\"widget\",\"versions\":[{"
			  "\"version\":\"0:1.0-1.el8\",\"versionType\":\"rpm\",\"lessThan\":"
			  "\"0:1.0-3.el8\",\"status\":\"affected\"}],\"defaultStatus\":"
			  "\"unaffected\"}");
	want(r, acme, "0:1.0-2.el8", MEDFW_VULN_AFFECTED);
	want(r, acme, "0:1.0-3.el8", MEDFW_VULN_NOT_AFFECTED);
	medfw_cve5_record_free(r);
	r = with_affected("{\"vendor\":\"Acme\",\"product\":\"widget\",\"versions\":[{"
			  "\"version\":\"0\",\"versionType\":\"python\",\"lessThan\":\"2.0rc1\","
			  "\"status\":\"affected\"}],\"defaultStatus\":\"unaffected\"}");
	want(r, acme, "2.0b3", MEDFW_VULN_AFFECTED);
	want(r, acme, "2.0", MEDFW_VULN_NOT_AFFECTED);
	medfw_cve5_record_free(r);
	r = with_affected("{\"vendor\":\"Acme\",\"product\":\"widget\",\"versions\":[{"
			  "\"version\":\"0\",\"versionType\":\"cobol-dates\",\"lessThan\":\"9\","
			  "\"status\":\"affected\"}],\"defaultStatus\":\"unaffected\"}");
	acme.version = "1";
	assert_int_equal(eval(r, &acme, &v), MEDFW_VULN_UNDETERMINED);
	assert_contains(v.comparison, "versionType cobol-dates has no known ordering");
	medfw_cve5_record_free(r);
}

static void test_identities(void **state)
{
	struct medfw_cve5_record *r;
	struct medfw_vuln_verdict v;

	(void)state;
	/* packageURL (purl) and npm, maven registries. */
	r = with_affected("{\"vendor\":\"x\",\"product\":\"y\",\"packageURL\":"
			  "\"pkg:npm/%40acme/widget\",\"versions\":[{\"version\":\"0\","
			  "\"versionType\":\"npm\",\"lessThan\":\"1.2.3\",\"status\":\"affected\"}],"
			  "\"defaultStatus\":\"unaffected\"},{\"collectionURL\":"
			  "\"https://registry.npmjs.org\",\"packageName\":\"left-pad\",\"versions\":"
			  "[{\"version\":\"1.0.0\",\"status\":\"affected\"}]},{\"collectionURL\":"
			  "\"https://repo.maven.apache.org/maven2\",\"packageName\":"
			  "\"org.acme:widget-core\",\"defaultStatus\":\"affected\"}");
	{
		struct comp c1 = {"widget", NULL, NULL, NULL, "pkg:npm/%40acme/widget@1.2.2", NULL};
		struct comp c2 = {"left-pad", NULL, NULL, NULL, "pkg:npm/left-pad@1.0.0", NULL};
		struct comp c3 = {"widget-core", NULL, NULL, NULL,
				  "pkg:maven/org.acme/widget-core@9.9?type=jar", NULL};

		c1.version = "1.2.2";
		assert_int_equal(eval(r, &c1, &v), MEDFW_VULN_AFFECTED);
		assert_contains(v.rule, "[by packageURL]");
		want(r, c1, "v1.2.3", MEDFW_VULN_NOT_AFFECTED); /* npm allows the v */
		want(r, c2, "1.0.0", MEDFW_VULN_AFFECTED);
		want(r, c2, "1.0.1", MEDFW_VULN_UNDETERMINED); /* no defaultStatus */
		c3.version = "9.9";
		assert_int_equal(eval(r, &c3, &v), MEDFW_VULN_AFFECTED);
		assert_contains(v.rule, "[by collectionURL + packageName]");
	}
	medfw_cve5_record_free(r);
}

/* ------------------------------------------------------------------- errors */

static void record_fails(const char *json, enum medfw_err code, const char *needle)
{
	struct medfw_cve5_record *r = (struct medfw_cve5_record *)1;
	struct medfw_diag d;

	medfw_diag_clear(&d);
	assert_int_equal(medfw_cve5_record_parse((const uint8_t *)json, strlen(json), &r, &d),
			 code);
	assert_null(r);
	if (strstr(d.msg, needle) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", d.msg, needle);
}

static void affected_fails(const char *affected, enum medfw_err code, const char *needle)
{
	char json[8192];

	snprintf(json, sizeof(json), HEAD "%s" TAIL, affected);
	record_fails(json, code, needle);
}

static void test_rejected_input(void **state)
{
	struct medfw_cve5_record *r;
	struct medfw_vuln_verdict v;
	struct comp acme = {"widget", "Acme", NULL, "1.0", NULL, NULL};

	(void)state;
	record_fails("{", MEDFW_ERR_JSON_SYNTAX, "");
	record_fails("{\"dataType\":\"CVE_RECORD\",\"dataVersion\":\"4.0\"}",
		     MEDFW_ERR_FIELD_VALUE, "record.dataVersion: a 5.x version expected");
	record_fails("{\"dataType\":\"NVD_CVE\"}", MEDFW_ERR_FIELD_VALUE,
		     "record.dataType: \"CVE_RECORD\" expected");
	record_fails("{\"dataType\":\"CVE_RECORD\",\"dataVersion\":\"5.1\",\"cveMetadata\":{"
		     "\"cveId\":\"CVE-2099-0001\",\"assignerOrgId\":\"x\",\"state\":\"RESERVED\"}}",
		     MEDFW_ERR_FIELD_VALUE,
		     "record.cveMetadata.state: must be \"PUBLISHED\" or \"REJECTED\"");
	record_fails("{\"dataType\":\"CVE_RECORD\",\"dataVersion\":\"5.1\",\"cveMetadata\":{"
		     "\"cveId\":\"CVE-2099-0001\",\"assignerOrgId\":\"x\",\"state\":\"PUBLISHED\"},"
		     "\"containers\":{\"cna\":{\"providerMetadata\":{\"orgId\":\"x\"},"
		     "\"descriptions\":[{\"lang\":\"en\",\"value\":\"t\"}],\"references\":[]}}}",
		     MEDFW_ERR_FIELD_MISSING, "record.containers.cna: missing field \"affected\"");
	record_fails("{\"dataType\":\"CVE_RECORD\",\"dataVersion\":\"5.1\",\"cveMetadata\":{"
		     "\"cveId\":\"CVE-2099-0001\",\"assignerOrgId\":\"x\",\"state\":\"REJECTED\"},"
		     "\"containers\":{\"cna\":{\"providerMetadata\":{\"orgId\":\"x\"}}}}",
		     MEDFW_ERR_FIELD_MISSING,
		     "record.containers.cna: missing field \"rejectedReasons\"");
	affected_fails("{\"vendor\":\"Acme\",\"versions\":[]}", MEDFW_ERR_FIELD_MISSING,
		       "record.containers.cna.affected[0]: needs vendor and product, or "
		       "collectionURL and packageName");
	affected_fails("{\"vendor\":\"Acme\",\"product\":\"w\"}", MEDFW_ERR_FIELD_MISSING,
		       "record.containers.cna.affected[0]: needs versions or defaultStatus");
	affected_fails("{\"vendor\":\"Acme\",\"product\":\"w\",\"defaultStatus\":\"maybe\"}",
		       MEDFW_ERR_FIELD_VALUE,
		       "record.containers.cna.affected[0].defaultStatus: must be \"affected\"");
	affected_fails("{\"vendor\":\"Acme\",\"product\":\"w\",\"versions\":[{\"version\":\"1\","
		       "\"status\":\"affected\",\"versionType\":\"semver\",\"lessThan\":\"2\","
		       "\"lessThanOrEqual\":\"2\"}]}",
		       MEDFW_ERR_FIELD_VALUE,
		       "record.containers.cna.affected[0].versions[0]: both lessThan and "
		       "lessThanOrEqual");
	affected_fails("{\"vendor\":\"Acme\",\"product\":\"w\",\"versions\":[{\"version\":\"1\","
		       "\"status\":\"affected\",\"lessThan\":\"2\"}]}",
		       MEDFW_ERR_FIELD_MISSING, "versions[0]: a range (lessThan/lessThanOrEqual) "
						"needs a versionType");
	affected_fails("{\"vendor\":\"Acme\",\"product\":\"w\",\"versions\":[{\"version\":\"1\","
		       "\"status\":\"affected\",\"changes\":[{\"at\":\"1\",\"status\":"
		       "\"unaffected\"}]}]}",
		       MEDFW_ERR_FIELD_VALUE, "versions[0].changes: only a range has changes");
	affected_fails("{\"vendor\":\"Acme\",\"product\":\"w\",\"versions\":[{\"version\":\"\","
		       "\"status\":\"affected\"}]}",
		       MEDFW_ERR_FIELD_VALUE, "versions[0].version: is empty");
	affected_fails("{\"vendor\":\"Acme\",\"product\":\"w\",\"cpes\":[\"cpe:2.3:a:acme\"],"
		       "\"defaultStatus\":\"affected\"}",
		       MEDFW_ERR_FIELD_VALUE,
		       "record.containers.cna.affected[0].cpes[0]: CPE formatted string: 2 "
		       "attributes");
	affected_fails("{\"vendor\":\"Acme\",\"product\":\"w\",\"packageURL\":\"npm/x\","
		       "\"defaultStatus\":\"affected\"}",
		       MEDFW_ERR_FIELD_VALUE, "record.containers.cna.affected[0].packageURL: purl");
	affected_fails("{\"vendor\":\"Acme\",\"product\":\"w\",\"versions\":[{\"version\":\"1\","
		       "\"status\":\"affected\",\"versionType\":\"semver\",\"lessThan\":\"2\","
		       "\"changes\":[{\"at\":7,\"status\":\"unaffected\"}]}]}",
		       MEDFW_ERR_FIELD_TYPE, "versions[0].changes[0].at: must be a string");
	affected_fails("{\"vendor\":\"Ac\\u0001me\",\"product\":\"w\",\"defaultStatus\":"
		       "\"affected\"}",
		       MEDFW_ERR_FIELD_VALUE, "affected[0].vendor: control character 0x01");

	/* A rejected record parses and never matches. */
	r = parse_text("{\"dataType\":\"CVE_RECORD\",\"dataVersion\":\"5.1\",\"cveMetadata\":{"
		       "\"cveId\":\"CVE-2099-0002\",\"assignerOrgId\":\"x\",\"state\":\"REJECTED\"},"
		       "\"containers\":{\"cna\":{\"providerMetadata\":{\"orgId\":\"x\"},"
		       "\"rejectedReasons\":[{\"lang\":\"en\",\"value\":\"duplicate\"}],"
		       "\"affected\":[{\"vendor\":\"Acme\",\"product\":\"widget\","
		       "\"defaultStatus\":\"affected\"}]}}}");
	assert_int_equal(r->state, MEDFW_CVE5_REJECTED);
	assert_int_equal(eval(r, &acme, &v), MEDFW_VULN_NOT_RELEVANT);
	assert_string_equal(v.rule, "CVE-2099-0002 is rejected (state REJECTED)");
	medfw_cve5_record_free(r);

	/* Evaluation errors: NULL arguments, a component purl or CPE that cannot be read. */
	r = with_affected("{\"vendor\":\"Acme\",\"product\":\"widget\",\"defaultStatus\":"
			  "\"affected\"}");
	{
		struct medfw_vuln_component c;
		struct medfw_diag d;
		const char *bad[] = {"cpe:2.3:a:acme"};

		memset(&c, 0, sizeof(c));
		memset(&v, 0x55, sizeof(v));
		assert_int_equal(medfw_cve5_evaluate(NULL, &c, &v, NULL), MEDFW_ERR_INVALID_ARG);
		assert_int_equal(v.outcome, MEDFW_VULN_UNDETERMINED);
		assert_string_equal(v.rule, "");
		c.purl = "not a purl";
		medfw_diag_clear(&d);
		memset(&v, 0x55, sizeof(v));
		assert_int_equal(medfw_cve5_evaluate(r, &c, &v, &d), MEDFW_ERR_FIELD_VALUE);
		assert_int_equal(v.outcome, MEDFW_VULN_UNDETERMINED);
		assert_contains(d.msg, "component purl");
		c.purl = NULL;
		c.cpes = bad;
		c.cpe_count = 1;
		medfw_diag_clear(&d);
		assert_int_equal(medfw_cve5_evaluate(r, &c, &v, &d), MEDFW_ERR_FIELD_VALUE);
		assert_contains(d.msg, "component cpes[0]");
	}
	medfw_cve5_record_free(r);
	medfw_cve5_record_free(NULL);
	assert_string_equal(medfw_cve5_status_name(MEDFW_CVE5_UNAFFECTED), "unaffected");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_file_parses),
		cmocka_unit_test(test_model),
		cmocka_unit_test(test_curl_version_list),
		cmocka_unit_test(test_kernel_views),
		cmocka_unit_test(test_xz_identities),
		cmocka_unit_test(test_custom_and_unspecified),
		cmocka_unit_test(test_github_ranges_and_protobuf),
		cmocka_unit_test(test_schema_algorithm),
		cmocka_unit_test(test_identities),
		cmocka_unit_test(test_rejected_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
