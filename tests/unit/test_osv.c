/* OSV: every record under testdata/osv (records, records-ghsa, oss-fuzz: found by
 * listing the directories) parses; the linter's negative fixtures are refused (the one
 * that needs a registry look-up is the listed exception); the schema's rules with the
 * JSON path in each message; verdicts for components built for chosen records. */
#include "testutil.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "medfw/cvss.h"
#include "medfw/osv.h"

static struct medfw_osv_record *load(const char *rel)
{
	char path[4096];
	struct medfw_buf buf;
	struct medfw_osv_record *r = NULL;
	struct medfw_diag d;

	tu_shared_path(path, sizeof(path), rel);
	tu_read_file(path, &buf);
	medfw_diag_clear(&d);
	if (medfw_osv_parse(buf.data, buf.len, &r, &d) != MEDFW_OK)
		fail_msg("%s: %s", rel, d.msg);
	medfw_buf_free(&buf);
	return r;
}

static enum medfw_err parse_text(const char *json, struct medfw_osv_record **r,
				 struct medfw_diag *d)
{
	medfw_diag_clear(d);
	return medfw_osv_parse((const uint8_t *)json, strlen(json), r, d);
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

		if (len < 6 || strcmp(e->d_name + len - 5, ".json") != 0)
			continue;
		snprintf(file, sizeof(file), "%s/%s", rel, e->d_name);
		medfw_osv_free(load(file));
		n++;
	}
	closedir(dir);
	return n;
}

static void test_all_valid_records_parse(void **state)
{
	(void)state;
	assert_true(parse_dir("osv/records") >= 10);
	assert_true(parse_dir("osv/records-ghsa") >= 6);
	assert_true(parse_dir("osv/oss-fuzz") >= 7);
}

/* The osv-linter negative fixtures. Each one is refused with the reason, except the
 * one whose defect can only be seen in the package registry. */
static void test_invalid_records(void **state)
{
	static const struct {
		const char *file;
		enum medfw_err err; /* MEDFW_OK: accepted, see the reason */
		const char *msg;
	} cases[] = {
		{"osv/records-invalid/nointroduced-CVE-2023-41045.json", MEDFW_ERR_FIELD_VALUE,
		 "affected[0].ranges[0]: events must contain an introduced event"},
		{"osv/records-invalid/nondistinct-CVE-2018-5407.json", MEDFW_ERR_FIELD_VALUE,
		 "affected[6].ranges[1].events[1]: \"e818b74be2170fbe957a07b0da4401c2b694b3b8\" is "
		 "both introduced and fixed"},
		/* "Gradi0" does not exist on PyPI: the linter's package-exists check needs the
		 * registry, which medfw does not query (offline by design). */
		{"osv/records-invalid/nopackage-GHSA-9v2f-6vcg-3hgv.json", MEDFW_OK, NULL},
	};
	char path[4096], dpath[4096];
	struct medfw_buf buf;
	struct medfw_osv_record *r;
	struct medfw_diag d;
	DIR *dir;
	struct dirent *e;
	size_t i, files = 0;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		tu_shared_path(path, sizeof(path), cases[i].file);
		tu_read_file(path, &buf);
		medfw_diag_clear(&d);
		r = (struct medfw_osv_record *)&buf; /* must be overwritten */
		assert_int_equal(medfw_osv_parse(buf.data, buf.len, &r, &d), cases[i].err);
		if (cases[i].err != MEDFW_OK) {
			assert_null(r);
			if (strstr(d.msg, cases[i].msg) == NULL)
				fail_msg("%s: \"%s\" lacks \"%s\"", cases[i].file, d.msg, cases[i].msg);
		} else {
			assert_non_null(r);
			assert_string_equal(r->affected[0].name, "Gradi0");
			medfw_osv_free(r);
		}
		medfw_buf_free(&buf);
	}
	/* every fixture of the directory is in the list above */
	tu_shared_path(dpath, sizeof(dpath), "osv/records-invalid");
	dir = opendir(dpath);
	assert_non_null(dir);
	while ((e = readdir(dir)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		files++;
		for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
			if (strstr(cases[i].file, e->d_name) != NULL)
				break;
		if (i == sizeof(cases) / sizeof(cases[0]))
			fail_msg("records-invalid/%s is not covered", e->d_name);
	}
	closedir(dir);
	assert_int_equal(files, sizeof(cases) / sizeof(cases[0]));
}

static void test_parsed_fields(void **state)
{
	struct medfw_osv_record *r;

	(void)state;
	r = load("osv/records/CVE-2018-5407.json");
	assert_string_equal(r->id, "CVE-2018-5407");
	assert_null(r->schema_version);
	assert_int_equal(r->severity_count, 1);
	assert_int_equal(r->severity[0].type, MEDFW_OSV_CVSS_V3);
	assert_int_equal(r->severity[0].base_score, 47); /* AV:L/AC:H/PR:L/UI:N/S:U/C:H/I:N/A:N */
	assert_int_equal(r->affected_count, 7);
	assert_string_equal(r->affected[5].ecosystem, "Alpine:v3.8");
	assert_non_null(r->affected[5].parsed_purl);
	assert_string_equal(r->affected[5].parsed_purl->type, "apk");
	assert_int_equal(r->affected[6].has_package, 0);
	assert_int_equal(r->affected[6].ranges[0].type, MEDFW_OSV_RANGE_GIT);
	assert_string_equal(r->affected[6].ranges[0].repo, "https://github.com/nodejs/node");
	medfw_osv_free(r);

	r = load("osv/records-ghsa/withdrawn.osv.json");
	assert_string_equal(r->withdrawn, "2018-10-11T17:29:49Z");
	assert_string_equal(r->schema_version, "1.5.0");
	assert_int_equal(r->alias_count, 1);
	assert_non_null(r->affected[0].database_specific);
	medfw_osv_free(r);

	r = load("osv/records/UBUNTU-CVE-2025-38094.json");
	assert_int_equal(r->severity[0].type, MEDFW_OSV_UBUNTU);
	assert_string_equal(r->severity[0].score, "medium");
	assert_int_equal(r->severity[0].base_score, MEDFW_CVSS_NO_SCORE);
	assert_int_equal(r->affected[0].version_count, 180);
	assert_true(r->upstream_count > 0);
	medfw_osv_free(r);

	r = load("osv/records/RHSA-2022_0216.json");
	assert_int_equal(r->affected_count, 0);
	assert_true(r->related_count > 0);
	medfw_osv_free(r);

	assert_int_equal(medfw_osv_ecosystem_scheme("Alpine:v3.8"), MEDFW_VERSION_SCHEME_APK);
	assert_int_equal(medfw_osv_ecosystem_scheme("Ubuntu:Pro:14.04:LTS"), MEDFW_VERSION_SCHEME_DEB);
	assert_int_equal(medfw_osv_ecosystem_scheme("Red Hat:rhel_aus:8.6::appstream"),
			 MEDFW_VERSION_SCHEME_RPM);
	assert_int_equal(medfw_osv_ecosystem_scheme("crates.io"), MEDFW_VERSION_SCHEME_SEMVER);
	assert_int_equal(medfw_osv_ecosystem_scheme("Maven"), MEDFW_VERSION_SCHEME_UNKNOWN);
	assert_int_equal(medfw_osv_ecosystem_scheme("OSS-Fuzz"), MEDFW_VERSION_SCHEME_UNKNOWN);
	assert_int_equal(medfw_osv_ecosystem_scheme("Alpinex"), MEDFW_VERSION_SCHEME_UNKNOWN);
	assert_int_equal(medfw_osv_ecosystem_scheme(NULL), MEDFW_VERSION_SCHEME_UNKNOWN);
}

/* ------------------------------------------------------------ rejections */

#define REC_HEAD "{\"id\":\"OSV-2024-1\",\"modified\":\"2024-01-01T00:00:00Z\","

static void test_schema_rules(void **state)
{
	static const struct {
		const char *json;
		enum medfw_err err;
		const char *msg;
	} bad[] = {
		{"[]", MEDFW_ERR_FIELD_TYPE, "the document must be an object"},
		{"{\"modified\":\"2024-01-01T00:00:00Z\"}", MEDFW_ERR_FIELD_MISSING, "id is missing"},
		{"{\"id\":\"OSV-1\"}", MEDFW_ERR_FIELD_MISSING, "modified is missing"},
		{"{\"id\":\"NOPE-1\",\"modified\":\"2024-01-01T00:00:00Z\"}", MEDFW_ERR_FIELD_VALUE,
		 "registered database prefix"},
		{"{\"id\":\"OSV 1\",\"modified\":\"2024-01-01T00:00:00Z\"}", MEDFW_ERR_FIELD_VALUE,
		 "whitespace"},
		{"{\"id\":\"OSV-1\",\"modified\":\"2024-01-01 00:00:00\"}", MEDFW_ERR_FIELD_VALUE,
		 "modified: \"2024-01-01 00:00:00\" is not an RFC 3339 UTC time"},
		{"{\"id\":\"OSV-1\",\"modified\":\"2024-02-30T00:00:00Z\"}", MEDFW_ERR_FIELD_VALUE,
		 "RFC 3339"},
		{"{\"id\":7,\"modified\":\"2024-01-01T00:00:00Z\"}", MEDFW_ERR_FIELD_TYPE,
		 "id must be a string"},
		{REC_HEAD "\"colour\":\"red\"}", MEDFW_ERR_FIELD_VALUE,
		 "colour: is not a field of the OSV schema"},
		{REC_HEAD "\"schema_version\":\"2.0.0\"}", MEDFW_ERR_FIELD_VALUE, "not a 1.x schema"},
		{REC_HEAD "\"aliases\":[\"CVE-1\",3]}", MEDFW_ERR_FIELD_TYPE,
		 "aliases[1] must be a string"},
		{REC_HEAD "\"affected\":{}}", MEDFW_ERR_FIELD_TYPE, "affected must be an array"},
		{REC_HEAD "\"affected\":[{\"package\":{\"name\":\"x\"}}]}", MEDFW_ERR_FIELD_MISSING,
		 "affected[0].package.ecosystem is missing"},
		{REC_HEAD "\"affected\":[{\"package\":{\"ecosystem\":\"Npm\",\"name\":\"x\"}}]}",
		 MEDFW_ERR_FIELD_VALUE, "affected[0].package.ecosystem: \"Npm\" is not a registered"},
		{REC_HEAD "\"affected\":[{\"package\":{\"ecosystem\":\"npm\",\"name\":\"x\",\"purl\":"
			  "\"pkg:npm\"}}]}",
		 MEDFW_ERR_FIELD_VALUE, "affected[0].package.purl: purl:"},
		{REC_HEAD "\"affected\":[{\"package\":{\"ecosystem\":\"npm\",\"name\":\"x\"},\"ranges\":"
			  "[{\"type\":\"SEMVER\",\"events\":[{\"introduced\":\"0\"},{\"fixed\":1}]}]}]}",
		 MEDFW_ERR_FIELD_TYPE, "affected[0].ranges[0].events[1].fixed must be a string"},
		{REC_HEAD "\"affected\":[{\"package\":{\"ecosystem\":\"npm\",\"name\":\"x\"},\"ranges\":"
			  "[{\"type\":\"SEMVER\",\"events\":[{\"introduced\":\"0\",\"fixed\":\"1.0.0\"}]}]}]}",
		 MEDFW_ERR_FIELD_VALUE, "events[0]: an event has exactly one"},
		{REC_HEAD "\"affected\":[{\"package\":{\"ecosystem\":\"npm\",\"name\":\"x\"},\"ranges\":"
			  "[{\"type\":\"SEMVER\",\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"1.0.0\"},"
			  "{\"last_affected\":\"0.9.0\"}]}]}]}",
		 MEDFW_ERR_FIELD_VALUE, "mutually exclusive"},
		{REC_HEAD "\"affected\":[{\"package\":{\"ecosystem\":\"npm\",\"name\":\"x\"},\"ranges\":"
			  "[{\"type\":\"SEMVER\",\"events\":[]}]}]}",
		 MEDFW_ERR_FIELD_VALUE, "affected[0].ranges[0].events is empty"},
		{REC_HEAD "\"affected\":[{\"package\":{\"ecosystem\":\"npm\",\"name\":\"x\"},\"ranges\":"
			  "[{\"type\":\"RANGE\",\"events\":[{\"introduced\":\"0\"}]}]}]}",
		 MEDFW_ERR_FIELD_VALUE, "affected[0].ranges[0].type: \"RANGE\" is not an allowed"},
		{REC_HEAD "\"affected\":[{\"package\":{\"ecosystem\":\"npm\",\"name\":\"x\"},\"ranges\":"
			  "[{\"type\":\"SEMVER\",\"events\":[{\"introduced\":\"0\"},{\"ended\":\"1\"}]}]}]}",
		 MEDFW_ERR_FIELD_MISSING, "events[1]: an event needs"},
		{REC_HEAD "\"affected\":[{\"ranges\":[{\"type\":\"GIT\",\"events\":[{\"introduced\":\"0\"}]}]}]}",
		 MEDFW_ERR_FIELD_MISSING, "a GIT range needs \"repo\""},
		{REC_HEAD "\"affected\":[{\"ranges\":[{\"type\":\"GIT\",\"repo\":\"https://x\",\"events\":"
			  "[{\"introduced\":\"abc123\"}]}]}]}",
		 MEDFW_ERR_FIELD_VALUE, "events[0].introduced: \"abc123\" is not a full-length commit"},
		{REC_HEAD "\"affected\":[{\"ranges\":[{\"type\":\"ECOSYSTEM\",\"events\":"
			  "[{\"introduced\":\"0\"}]}]}]}",
		 MEDFW_ERR_FIELD_VALUE, "without a package can only have GIT ranges"},
		{REC_HEAD "\"severity\":[{\"type\":\"CVSS_V3\",\"score\":\"CVSS:3.1/AV:N\"}]}",
		 MEDFW_ERR_FIELD_VALUE, "severity[0].score: cvss: base metric"},
		{REC_HEAD "\"severity\":[{\"type\":\"CVSS_V2\",\"score\":"
			  "\"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H\"}]}",
		 MEDFW_ERR_FIELD_VALUE, "another CVSS version"},
		{REC_HEAD "\"severity\":[{\"type\":\"Ubuntu\",\"score\":\"urgent\"}]}",
		 MEDFW_ERR_FIELD_VALUE, "is not an Ubuntu priority"},
		{REC_HEAD "\"severity\":[{\"type\":\"CVSS_V3\",\"score\":"
			  "\"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H\"}],\"affected\":[{\"package\":"
			  "{\"ecosystem\":\"npm\",\"name\":\"x\"},\"severity\":[{\"type\":\"Ubuntu\","
			  "\"score\":\"low\"}]}]}",
		 MEDFW_ERR_FIELD_VALUE, "affected[0]: has \"severity\" although the record has one"},
		{REC_HEAD "\"references\":[{\"type\":\"BLOG\",\"url\":\"https://x\"}]}",
		 MEDFW_ERR_FIELD_VALUE, "references[0].type"},
		{REC_HEAD "\"database_specific\":[]}", MEDFW_ERR_FIELD_TYPE,
		 "database_specific must be an object"},
		{REC_HEAD "\"affected\":[{\"package\":{\"ecosystem\":\"npm\",\"name\":\"x\"},\"versions\":"
			  "[\"1.0.0\",{}]}]}",
		 MEDFW_ERR_FIELD_TYPE, "affected[0].versions[1] must be a string"},
		{"{\"id\":\"OSV-1\",\"modified\":", MEDFW_ERR_JSON_SYNTAX, ""},
	};
	struct medfw_osv_record *r;
	struct medfw_diag d;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r = (struct medfw_osv_record *)&d;
		if (parse_text(bad[i].json, &r, &d) != bad[i].err)
			fail_msg("case %zu: got \"%s\"", i, d.msg);
		assert_null(r);
		if (strstr(d.msg, bad[i].msg) == NULL)
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, d.msg, bad[i].msg);
	}
}

static void test_newer_minor_and_limits(void **state)
{
	struct medfw_osv_record *r = NULL;
	struct medfw_diag d;
	char *big;
	size_t n = MEDFW_OSV_MAX_BYTES + 2, i;

	(void)state;
	/* a later 1.x minor: unknown top-level fields, prefixes and ecosystems pass */
	assert_int_equal(parse_text("{\"schema_version\":\"1.9.0\",\"id\":\"NEWDB-1\",\"modified\":"
				    "\"2024-01-01T00:00:00Z\",\"colour\":\"red\",\"affected\":[{\"package\":"
				    "{\"ecosystem\":\"Newland:2\",\"name\":\"x\"}}]}",
				    &r, &d),
			 MEDFW_OK);
	medfw_osv_free(r);
	/* the same record claiming 1.7.0 is refused */
	assert_int_equal(parse_text("{\"schema_version\":\"1.7.0\",\"id\":\"NEWDB-1\",\"modified\":"
				    "\"2024-01-01T00:00:00Z\"}",
				    &r, &d),
			 MEDFW_ERR_FIELD_VALUE);
	/* nested objects may carry extra fields; null aliases/affected are allowed */
	assert_int_equal(parse_text(REC_HEAD "\"aliases\":null,\"affected\":[{\"package\":{\"ecosystem\":"
					     "\"PyPI\",\"name\":\"x\",\"extra\":1},\"ranges\":[{\"type\":"
					     "\"ECOSYSTEM\",\"events\":[{\"introduced\":\"0\",\"note\":1}]}]}]}",
				    &r, &d),
			 MEDFW_OK);
	assert_int_equal(r->alias_count, 0);
	medfw_osv_free(r);
	/* too large, before anything else */
	big = malloc(n);
	assert_non_null(big);
	for (i = 0; i < n; i++)
		big[i] = ' ';
	medfw_diag_clear(&d);
	r = (struct medfw_osv_record *)&d;
	assert_int_equal(medfw_osv_parse((const uint8_t *)big, n, &r, &d), MEDFW_ERR_TOO_LARGE);
	assert_null(r);
	free(big);
	assert_int_equal(medfw_osv_parse(NULL, 0, NULL, NULL), MEDFW_ERR_INVALID_ARG);
	assert_int_equal(medfw_osv_parse_json(NULL, &r, NULL), MEDFW_ERR_INVALID_ARG);
	assert_null(r);
	medfw_osv_free(NULL);
}

/* ------------------------------------------------------------ evaluation */

static struct medfw_vuln_verdict eval(const struct medfw_osv_record *r, const char *name,
				      const char *purl, const char *version)
{
	struct medfw_vuln_component c;
	struct medfw_vuln_verdict v;
	struct medfw_diag d;

	memset(&c, 0, sizeof(c));
	c.name = name;
	c.purl = purl;
	c.version = version;
	medfw_diag_clear(&d);
	memset(&v, 0x5a, sizeof(v));
	if (medfw_osv_evaluate(r, &c, &v, &d) != MEDFW_OK)
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

static void test_alpine_openssl(void **state)
{
	struct medfw_osv_record *r = load("osv/records/CVE-2018-5407.json");
	struct medfw_vuln_verdict v;

	(void)state;
	v = eval(r, "openssl", "pkg:apk/alpine/openssl@1.0.2p-r0?arch=x86_64&distro=alpine-3.8.1",
		 "1.0.2p-r0");
	EXPECT(v, MEDFW_VULN_AFFECTED);
	assert_string_equal(v.rule, "CVE-2018-5407 affected[5].ranges[0] (ECOSYSTEM Alpine:v3.8)");
	assert_string_equal(v.comparison, "apk 1.0.2p-r0 >= introduced 0, < fixed 1.0.2q-r0");
	assert_string_equal(v.fixed_version, "1.0.2q-r0");

	v = eval(r, "openssl", "pkg:apk/alpine/openssl@1.0.2q-r0?distro=alpine-3.8", "1.0.2q-r0");
	EXPECT(v, MEDFW_VULN_NOT_AFFECTED);
	assert_string_equal(v.comparison, "apk 1.0.2q-r0 >= fixed 1.0.2q-r0");
	assert_string_equal(v.fixed_version, "");

	v = eval(r, "openssl", "pkg:apk/alpine/openssl@1.1.1-r0?distro=alpine-3.9", "1.1.1-r0");
	EXPECT(v, MEDFW_VULN_NOT_RELEVANT); /* no entry for Alpine v3.9 */

	/* no release on the component: every Alpine entry applies, the first decides */
	v = eval(r, "openssl", "pkg:apk/alpine/openssl@1.0.2k-r0", "1.0.2k-r0");
	EXPECT(v, MEDFW_VULN_AFFECTED);
	assert_non_null(strstr(v.rule, "affected[0]"));

	v = eval(r, "openssl", "pkg:apk/alpine/openssl@custom?distro=alpine-3.8", "custom");
	EXPECT(v, MEDFW_VULN_UNDETERMINED);
	assert_non_null(strstr(v.comparison, "custom"));

	v = eval(r, "openssl", "pkg:apk/alpine/openssl?distro=alpine-3.8", NULL);
	EXPECT(v, MEDFW_VULN_UNDETERMINED);
	assert_string_equal(v.comparison, "the component has no version");

	v = eval(r, "openssl", "pkg:deb/debian/openssl@1.0.2p-1", "1.0.2p-1");
	EXPECT(v, MEDFW_VULN_NOT_RELEVANT);
	v = eval(r, "openssl", NULL, "1.0.2p"); /* a name alone identifies nothing here */
	EXPECT(v, MEDFW_VULN_NOT_RELEVANT);

	/* the GIT entry without a package: by repository, never decidable on a version */
	v = eval(r, "node", "pkg:github/nodejs/node@v10.0.0", "v10.0.0");
	EXPECT(v, MEDFW_VULN_UNDETERMINED);
	assert_string_equal(v.rule,
			    "CVE-2018-5407 affected[6].ranges[0] (GIT https://github.com/nodejs/node)");
	medfw_osv_free(r);
}

static void test_oss_fuzz_git_only(void **state)
{
	struct medfw_osv_record *r = load("osv/oss-fuzz/wolfssl__OSV-2022-842.json");
	struct medfw_vuln_verdict v;

	(void)state;
	v = eval(r, "wolfssl", "pkg:generic/wolfssl@v5.6.0-stable", "v5.6.0-stable");
	EXPECT(v, MEDFW_VULN_AFFECTED);
	assert_non_null(strstr(v.rule, "OSV-2022-842 affected[0].versions["));
	assert_string_equal(v.comparison, "version v5.6.0-stable is listed");
	/* a tag list: "v" + the version */
	v = eval(r, "wolfSSL", NULL, "5.5.1-stable");
	EXPECT(v, MEDFW_VULN_AFFECTED);
	assert_string_equal(v.comparison, "version 5.5.1-stable is listed as tag v5.5.1-stable");
	/* not listed: the GIT range cannot say, so undetermined, never not-affected */
	v = eval(r, "wolfssl", NULL, "5.4.0");
	EXPECT(v, MEDFW_VULN_UNDETERMINED);
	assert_non_null(strstr(v.rule, "ranges[0] (GIT https://github.com/wolfssl/wolfssl)"));
	assert_non_null(strstr(v.comparison, "not among the 24 listed versions"));
	/* another project, another packaging */
	v = eval(r, "wolfmqtt", NULL, "1.0");
	EXPECT(v, MEDFW_VULN_NOT_RELEVANT);
	v = eval(r, "wolfssl", "pkg:deb/debian/wolfssl@5.5.4-2", "5.5.4-2");
	EXPECT(v, MEDFW_VULN_NOT_RELEVANT);
	medfw_osv_free(r);

	/* an OSS-Fuzz record without purl, versions with a stray non-version tag */
	r = load("osv/oss-fuzz/libxml2__OSV-2021-777.json");
	v = eval(r, "libxml2", NULL, "2.9.14");
	EXPECT(v, MEDFW_VULN_AFFECTED);
	v = eval(r, "libxml2", "pkg:generic/libxml2@2.9.10", "2.9.10");
	EXPECT(v, MEDFW_VULN_UNDETERMINED);
	medfw_osv_free(r);

	/* GIT-only record without package or versions */
	r = load("osv/records/CVE-2023-41045.json");
	v = eval(r, "graylog", "pkg:github/Graylog2/graylog2-server@5.0.8", "5.0.8");
	EXPECT(v, MEDFW_VULN_UNDETERMINED);
	v = eval(r, "graylog", "pkg:github/graylog2/other@5.0.8", "5.0.8");
	EXPECT(v, MEDFW_VULN_NOT_RELEVANT);
	medfw_osv_free(r);
}

static void test_ghsa_unsorted_and_multiple_ranges(void **state)
{
	struct medfw_osv_record *r = load("osv/records-ghsa/equals_with_patch.osv.json");
	struct medfw_vuln_verdict v;

	(void)state;
	/* events as written: introduced 0, introduced 2.0.0, fixed 2.0.1, fixed 1.3.2.
	 * Walked unsorted, 2.0.0 would end "fixed" by 1.3.2; sorted it is affected. */
	v = eval(r, "mixin-deep", "pkg:npm/mixin-deep@2.0.0", "2.0.0");
	EXPECT(v, MEDFW_VULN_AFFECTED);
	assert_string_equal(v.comparison, "semver 2.0.0 >= introduced 2.0.0, < fixed 2.0.1");
	assert_string_equal(v.fixed_version, "2.0.1");
	v = eval(r, "mixin-deep", "pkg:npm/mixin-deep@1.3.1", "1.3.1");
	EXPECT(v, MEDFW_VULN_AFFECTED);
	assert_string_equal(v.fixed_version, "1.3.2");
	v = eval(r, "mixin-deep", "pkg:npm/mixin-deep@1.3.2", "1.3.2");
	EXPECT(v, MEDFW_VULN_NOT_AFFECTED);
	assert_string_equal(v.comparison, "semver 1.3.2 >= fixed 1.3.2, < introduced 2.0.0");
	v = eval(r, "mixin-deep", "pkg:npm/mixin-deep@2.0.1", "2.0.1");
	EXPECT(v, MEDFW_VULN_NOT_AFFECTED);
	v = eval(r, "mixin-deep", "pkg:npm/mixin-deep@v1.3.0", "v1.3.0"); /* leading v */
	EXPECT(v, MEDFW_VULN_AFFECTED);
	v = eval(r, "mixin-deep", "pkg:npm/mixin-deep@latest", "latest");
	EXPECT(v, MEDFW_VULN_UNDETERMINED);
	v = eval(r, "mixin-deep", "pkg:npm/%40scope/mixin-deep@1.0.0", "1.0.0");
	EXPECT(v, MEDFW_VULN_NOT_RELEVANT);
	medfw_osv_free(r);

	r = load("osv/records-ghsa/multiple_ranges_in_package.osv.json");
	v = eval(r, "passenger", "pkg:gem/passenger@3.0.20", "3.0.20");
	EXPECT(v, MEDFW_VULN_AFFECTED);
	assert_string_equal(v.fixed_version, "3.0.21");
	v = eval(r, "passenger", "pkg:gem/passenger@3.0.21", "3.0.21");
	EXPECT(v, MEDFW_VULN_NOT_AFFECTED);
	v = eval(r, "passenger", "pkg:gem/passenger@4.0.1", "4.0.1");
	EXPECT(v, MEDFW_VULN_AFFECTED);
	assert_string_equal(v.fixed_version, "4.0.5");
	v = eval(r, "passenger", "pkg:gem/passenger@4.0.5", "4.0.5");
	EXPECT(v, MEDFW_VULN_NOT_AFFECTED);
	medfw_osv_free(r);

	r = load("osv/records-ghsa/npm_greater_than.osv.json");
	v = eval(r, "jquery", "pkg:npm/jquery@2.1.1", "2.1.1");
	EXPECT(v, MEDFW_VULN_AFFECTED);
	v = eval(r, "jquery", "pkg:npm/jquery@2.1.0", "2.1.0");
	EXPECT(v, MEDFW_VULN_NOT_AFFECTED);
	assert_string_equal(v.comparison, "semver 2.1.0 < introduced 2.1.1-0");
	medfw_osv_free(r);

	/* Maven has no ordering in medfw yet: undetermined, never safe */
	r = load("osv/records-ghsa/maven_greater_than.osv.json");
	v = eval(r, "xwiki-commons-core", "pkg:maven/org.xwiki.commons/xwiki-commons-core@12.10.1",
		 "12.10.1");
	EXPECT(v, MEDFW_VULN_UNDETERMINED);
	assert_string_equal(v.comparison, "no version ordering for ecosystem Maven");
	medfw_osv_free(r);
}

static void test_withdrawn(void **state)
{
	struct medfw_osv_record *r = load("osv/records-ghsa/withdrawn.osv.json");
	struct medfw_vuln_verdict v;

	(void)state;
	/* 4.2.1 is inside [4.2.0, 4.2.2), but the record is withdrawn */
	v = eval(r, "activesupport", "pkg:gem/activesupport@4.2.1", "4.2.1");
	EXPECT(v, MEDFW_VULN_NOT_AFFECTED);
	assert_non_null(strstr(v.rule, "withdrawn 2018-10-11T17:29:49Z"));
	v = eval(r, "rails", "pkg:gem/rails@4.2.1", "4.2.1");
	EXPECT(v, MEDFW_VULN_NOT_RELEVANT);
	medfw_osv_free(r);
}

static void test_last_affected_and_limit(void **state)
{
	struct medfw_osv_record *r = NULL;
	struct medfw_diag d;
	struct medfw_vuln_verdict v;

	(void)state;
	assert_int_equal(parse_text(REC_HEAD "\"affected\":[{\"package\":{\"ecosystem\":\"PyPI\","
					     "\"name\":\"Foo_Bar\"},\"ranges\":[{\"type\":\"ECOSYSTEM\","
					     "\"events\":[{\"last_affected\":\"1.2\"},{\"introduced\":"
					     "\"1.0\"}]}]}]}",
				    &r, &d),
			 MEDFW_OK);
	v = eval(r, "foo-bar", "pkg:pypi/foo.bar@1.2.0", "1.2.0"); /* pypi: 1.2.0 == 1.2 */
	EXPECT(v, MEDFW_VULN_AFFECTED);
	assert_string_equal(v.comparison, "pypi 1.2.0 >= introduced 1.0, <= last_affected 1.2");
	assert_string_equal(v.fixed_version, "");
	v = eval(r, "foo-bar", "pkg:pypi/foo-bar@1.2.1", "1.2.1");
	EXPECT(v, MEDFW_VULN_NOT_AFFECTED);
	assert_string_equal(v.comparison, "pypi 1.2.1 > last_affected 1.2");
	v = eval(r, "foo-bar", "pkg:pypi/foo-bar@0.9", "0.9");
	EXPECT(v, MEDFW_VULN_NOT_AFFECTED);
	assert_string_equal(v.comparison, "pypi 0.9 < introduced 1.0");
	medfw_osv_free(r);

	assert_int_equal(parse_text(REC_HEAD "\"affected\":[{\"package\":{\"ecosystem\":\"crates.io\","
					     "\"name\":\"tokio\"},\"ranges\":[{\"type\":\"SEMVER\","
					     "\"events\":[{\"introduced\":\"0\"},{\"limit\":\"2.0.0\"}]}]}]}",
				    &r, &d),
			 MEDFW_OK);
	v = eval(r, "tokio", "pkg:cargo/tokio@1.9.0", "1.9.0");
	EXPECT(v, MEDFW_VULN_AFFECTED);
	assert_string_equal(v.comparison, "semver 1.9.0 >= introduced 0 (no fix after it)");
	v = eval(r, "tokio", "pkg:cargo/tokio@2.0.0", "2.0.0");
	EXPECT(v, MEDFW_VULN_NOT_AFFECTED);
	assert_string_equal(v.comparison, "semver 2.0.0 >= limit 2.0.0");
	medfw_osv_free(r);

	/* an event version the scheme rejects makes the range undetermined */
	assert_int_equal(parse_text(REC_HEAD "\"affected\":[{\"package\":{\"ecosystem\":\"npm\","
					     "\"name\":\"x\"},\"ranges\":[{\"type\":\"SEMVER\","
					     "\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"1.0\"}]}]}]}",
				    &r, &d),
			 MEDFW_OK);
	v = eval(r, "x", "pkg:npm/x@0.5.0", "0.5.0");
	EXPECT(v, MEDFW_VULN_UNDETERMINED);
	assert_non_null(strstr(v.comparison, "events[1] fixed"));
	medfw_osv_free(r);
}

static void test_other_ecosystems(void **state)
{
	struct medfw_osv_record *r;
	struct medfw_vuln_verdict v;

	(void)state;
	/* ECOSYSTEM + GIT + versions: the ECOSYSTEM range decides, versions list hits */
	r = load("osv/records/PYSEC-2023-74.json");
	v = eval(r, "requests", "pkg:pypi/requests@2.30.0", "2.30.0");
	EXPECT(v, MEDFW_VULN_AFFECTED);
	assert_non_null(strstr(v.rule, "versions["));
	assert_string_equal(v.fixed_version, "2.31.0");
	v = eval(r, "requests", "pkg:pypi/requests@2.31.0", "2.31.0");
	EXPECT(v, MEDFW_VULN_NOT_AFFECTED);
	assert_non_null(strstr(v.rule, "ranges[1] (ECOSYSTEM PyPI)"));
	medfw_osv_free(r);

	r = load("osv/records/DSA-3029-1.json");
	v = eval(r, "nginx", "pkg:deb/debian/nginx@1.2.1-2.2%2Bwheezy2?distro=debian-7", "1.2.1-2.2+wheezy2");
	EXPECT(v, MEDFW_VULN_AFFECTED);
	assert_string_equal(v.fixed_version, "1.2.1-2.2+wheezy3");
	v = eval(r, "nginx", "pkg:deb/debian/nginx@1.2.1-2.2%2Bwheezy2?distro=debian-8", "1.2.1-2.2+wheezy2");
	EXPECT(v, MEDFW_VULN_NOT_RELEVANT);
	v = eval(r, "nginx", "pkg:deb/debian/nginx@1:1.0", "1:1.0"); /* epoch 1 > 0 */
	EXPECT(v, MEDFW_VULN_NOT_AFFECTED);
	medfw_osv_free(r);

	r = load("osv/records/RHSA-2024_4546.json");
	v = eval(r, "git-lfs", "pkg:rpm/redhat/git-lfs@2.13.3-3.el8_6?arch=x86_64", "2.13.3-3.el8_6");
	EXPECT(v, MEDFW_VULN_AFFECTED);
	assert_string_equal(v.fixed_version, "0:2.13.3-3.el8_6.1");
	v = eval(r, "git-lfs", "pkg:rpm/redhat/git-lfs@2.13.3-3.el8_6.1", "2.13.3-3.el8_6.1");
	EXPECT(v, MEDFW_VULN_NOT_AFFECTED);
	medfw_osv_free(r);

	/* versions only: membership, by string or by equality in the ecosystem's scheme */
	r = load("osv/records/MAL-2024-10238.json");
	v = eval(r, "123bla", "pkg:pypi/123bla@0.0.1", "0.0.1");
	EXPECT(v, MEDFW_VULN_AFFECTED);
	v = eval(r, "123bla", "pkg:pypi/123bla@0.0.1.0", "0.0.1.0");
	EXPECT(v, MEDFW_VULN_AFFECTED);
	assert_string_equal(v.comparison, "pypi 0.0.1.0 == listed 0.0.1");
	v = eval(r, "123bla", "pkg:pypi/123bla@0.0.2", "0.0.2");
	EXPECT(v, MEDFW_VULN_NOT_AFFECTED);
	assert_string_equal(v.comparison, "pypi 0.0.2 is none of the 1 listed versions");
	v = eval(r, "123bla", "pkg:pypi/123bla@nightly", "nightly");
	EXPECT(v, MEDFW_VULN_UNDETERMINED);
	medfw_osv_free(r);

	/* a distribution purl with a version in the record: identity ignores it */
	r = load("osv/records/UBUNTU-CVE-2025-38094.json");
	v = eval(r, "linux", "pkg:deb/ubuntu/linux@4.4.0-21.37", "4.4.0-21.37");
	EXPECT(v, MEDFW_VULN_AFFECTED);
	assert_string_equal(v.comparison, "deb 4.4.0-21.37 >= introduced 0 (no fix after it)");
	medfw_osv_free(r);
}

static void test_evaluate_arguments(void **state)
{
	struct medfw_osv_record *r = load("osv/records/DSA-3029-1.json");
	struct medfw_vuln_component c;
	struct medfw_vuln_verdict v;

	(void)state;
	memset(&c, 0, sizeof(c));
	memset(&v, 0x5a, sizeof(v));
	assert_int_equal(medfw_osv_evaluate(NULL, &c, &v, NULL), MEDFW_ERR_INVALID_ARG);
	tu_assert_zeroed(&v, sizeof(v));
	assert_int_equal(medfw_osv_evaluate(r, NULL, &v, NULL), MEDFW_ERR_INVALID_ARG);
	assert_int_equal(medfw_osv_evaluate(r, &c, NULL, NULL), MEDFW_ERR_INVALID_ARG);
	/* a component purl that cannot be parsed identifies nothing */
	c.purl = "pkg:";
	c.name = "nginx";
	c.version = "1.0";
	assert_int_equal(medfw_osv_evaluate(r, &c, &v, NULL), MEDFW_OK);
	assert_int_equal(v.outcome, MEDFW_VULN_NOT_RELEVANT);
	medfw_osv_free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_valid_records_parse),
		cmocka_unit_test(test_invalid_records),
		cmocka_unit_test(test_parsed_fields),
		cmocka_unit_test(test_schema_rules),
		cmocka_unit_test(test_newer_minor_and_limits),
		cmocka_unit_test(test_alpine_openssl),
		cmocka_unit_test(test_oss_fuzz_git_only),
		cmocka_unit_test(test_ghsa_unsorted_and_multiple_ranges),
		cmocka_unit_test(test_withdrawn),
		cmocka_unit_test(test_last_affected_and_limit),
		cmocka_unit_test(test_other_ecosystems),
		cmocka_unit_test(test_evaluate_arguments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
