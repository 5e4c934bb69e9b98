/* The matcher over real data (testdata/osv, nvd, cve5, csaf, kev, cyclonedx/vex): feed
 * loading with format detection, bad files and records skipped with file and JSON path,
 * a record seen twice kept once (the newer), every outcome of each feed type through the
 * matcher, alias joining (the same CVE from OSV and NVD is one finding with both
 * evidences; a Red Hat OSV advisory and the Red Hat CSAF document), CycloneDX and CSAF
 * VEX (applied, precedence, not_affected without justification ignored and reported),
 * CSAF VEX products with names only tied to our releases by the product map's
 * csaf_products, pedigree patches, KEV and severity priority, the product map, and the
 * index keeping evaluations far below components x records. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "medfw/json.h"
#include "medfw/sbom.h"
#include "medfw/vex.h"
#include "medfw/vuln_feed.h"
#include "medfw/vuln_matcher.h"

/* ------------------------------------------------------------------ helpers */

/* Release A of a firmware (product "ABC" 4.2): vulnerable versions. */
static const char sbom_a[] =
	"{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.6\",\"version\":1,"
	"\"serialNumber\":\"urn:uuid:cbb2cd68-2857-43b8-a10b-e8c03d277d18\","
	"\"metadata\":{\"component\":{\"type\":\"firmware\",\"bom-ref\":\"product-ABC\","
	"\"name\":\"ABC\",\"version\":\"4.2\"}},\"components\":["
	"{\"type\":\"library\",\"bom-ref\":\"openssl\",\"name\":\"openssl\",\"version\":\"1.1.1i\","
	"\"purl\":\"pkg:generic/openssl@1.1.1i\","
	"\"cpe\":\"cpe:2.3:a:openssl:openssl:1.1.1i:*:*:*:*:*:*:*\"},"
	"{\"type\":\"application\",\"bom-ref\":\"busybox\",\"name\":\"busybox\",\"version\":\"1.31.1\","
	"\"cpe\":\"cpe:/a:busybox:busybox:1.31.1\"},"
	"{\"type\":\"library\",\"bom-ref\":\"xz\",\"name\":\"xz\",\"version\":\"5.6.0\","
	"\"purl\":\"pkg:github/tukaani-project/xz@5.6.0\","
	"\"cpe\":\"cpe:2.3:a:tukaani:xz:5.6.0:*:*:*:*:*:*:*\"},"
	"{\"type\":\"library\",\"bom-ref\":\"curl\",\"name\":\"curl\",\"version\":\"8.9.0\","
	"\"supplier\":{\"name\":\"curl\"}},"
	"{\"type\":\"framework\",\"bom-ref\":\"esp-idf\",\"name\":\"esp-idf\",\"version\":\"4.1\","
	"\"cpe\":\"cpe:2.3:a:espressif:esp-idf:4.1:*:*:*:*:*:*:*\"},"
	"{\"type\":\"library\",\"bom-ref\":\"git-lfs\",\"name\":\"git-lfs\","
	"\"version\":\"2.13.3-3.el8_6\","
	"\"purl\":\"pkg:rpm/redhat/git-lfs@2.13.3-3.el8_6?arch=x86_64\"},"
	"{\"type\":\"application\",\"bom-ref\":\"firefox\",\"name\":\"firefox_esr\","
	"\"version\":\"115.1.0\","
	"\"cpe\":\"cpe:2.3:a:mozilla:firefox_esr:115.1.0:*:*:*:*:*:*:*\"},"
	"{\"type\":\"library\",\"bom-ref\":\"dante\",\"name\":\"dante_application_library\","
	"\"version\":\"1.2.0\","
	"\"cpe\":\"cpe:2.3:a:audinate:dante_application_library:1.2.0:*:*:*:*:*:*:*\"},"
	"{\"type\":\"library\",\"bom-ref\":\"log4j2\",\"name\":\"Apache Log4j2\",\"version\":\"2.14.1\","
	"\"supplier\":{\"name\":\"Apache Software Foundation\"}},"
	"{\"type\":\"library\",\"bom-ref\":\"dcmtk\",\"name\":\"DCMTK\",\"version\":\"3.6.6\"},"
	"{\"type\":\"library\",\"bom-ref\":\"libxpm\",\"name\":\"libxpm\",\"version\":\"3.5.12\","
	"\"cpe\":\"cpe:2.3:a:x.org:libxpm:3.5.12:*:*:*:*:*:*:*\",\"pedigree\":{\"patches\":["
	"{\"type\":\"backport\",\"diff\":{\"url\":\"https://example.invalid/CVE-2022-46285.patch\"},"
	"\"resolves\":[{\"type\":\"security\",\"id\":\"CVE-2022-46285\"}]}]}},"
	"{\"type\":\"application\",\"bom-ref\":\"host-tool\",\"name\":\"busybox\",\"scope\":\"excluded\","
	"\"version\":\"1.20.0\",\"cpe\":\"cpe:2.3:a:busybox:busybox:1.20.0:*:*:*:*:*:*:*\"}"
	"]}";

/* Release B: the fixed versions. */
static const char sbom_b[] =
	"{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.5\",\"version\":1,"
	"\"metadata\":{\"component\":{\"type\":\"firmware\",\"bom-ref\":\"product-ABC\","
	"\"name\":\"ABC\",\"version\":\"4.3\"}},\"components\":["
	"{\"type\":\"application\",\"bom-ref\":\"busybox\",\"name\":\"busybox\",\"version\":\"1.32.0\","
	"\"cpe\":\"cpe:2.3:a:busybox:busybox:1.32.0:*:*:*:*:*:*:*\"},"
	"{\"type\":\"library\",\"bom-ref\":\"curl\",\"name\":\"curl\",\"version\":\"8.10.0\","
	"\"supplier\":{\"name\":\"curl\"}},"
	"{\"type\":\"library\",\"bom-ref\":\"git-lfs\",\"name\":\"git-lfs\","
	"\"version\":\"2.13.3-3.el8_6.1\","
	"\"purl\":\"pkg:rpm/redhat/git-lfs@2.13.3-3.el8_6.1?arch=x86_64\"},"
	"{\"type\":\"library\",\"bom-ref\":\"dcmtk\",\"name\":\"DCMTK\",\"version\":\"3.6.7\"},"
	"{\"type\":\"library\",\"bom-ref\":\"dcmtk-nover\",\"name\":\"DCMTK\"}"
	"]}";

static const char product_map[] =
	"{\"mappings\":[{\"model\":\"DCMTK\",\"advisory_products\":[\"DCMTK\"]},"
	"{\"model\":\"ABC\",\"vendor\":\"Example Company\",\"advisory_products\":[\"ABC\"]}]}";

/* The real feeds the tests match against. */
static const char *const feed_paths[] = {
	"osv/records", "osv/oss-fuzz", "nvd/records", "nvd/pages/cves-2023-page.json",
	"cve5", "csaf/cisa-icsma", "csaf/vendor", "kev/known_exploited_vulnerabilities.subset.json",
};

struct fixture {
	struct medfw_feed_set *feeds;
	struct medfw_product_map *map;
	struct medfw_vuln_index *index;
	struct medfw_sbom *sbom[2];
	struct medfw_vex_doc *vex[4];
	size_t vex_count;
	struct medfw_match_result *result;
};

static struct medfw_sbom *parse_sbom(const char *json)
{
	struct medfw_sbom *s = NULL;
	struct medfw_diag d;
	enum medfw_err err;

	medfw_diag_clear(&d);
	err = medfw_sbom_parse((const uint8_t *)json, strlen(json), NULL, &s, &d);
	if (err != MEDFW_OK)
		fail_msg("SBOM: %s", medfw_diag_message(&d, err));
	return s;
}

static struct medfw_vex_doc *parse_vex_text(const char *name, const char *json)
{
	struct medfw_vex_doc *v = NULL;
	struct medfw_diag d;
	enum medfw_err err;

	medfw_diag_clear(&d);
	err = medfw_vex_parse(name, (const uint8_t *)json, strlen(json), &v, &d);
	if (err != MEDFW_OK)
		fail_msg("%s: %s", name, medfw_diag_message(&d, err));
	return v;
}

static struct medfw_vex_doc *load_vex(const char *rel)
{
	char path[4096];
	struct medfw_buf b;
	struct medfw_vex_doc *v = NULL;
	struct medfw_diag d;
	enum medfw_err err;

	tu_shared_path(path, sizeof(path), rel);
	tu_read_file(path, &b);
	medfw_diag_clear(&d);
	err = medfw_vex_parse(rel, b.data, b.len, &v, &d);
	medfw_buf_free(&b);
	if (err != MEDFW_OK)
		fail_msg("%s: %s", rel, medfw_diag_message(&d, err));
	return v;
}

static void load_feed(struct medfw_feed_set *set, const char *rel)
{
	char path[4096];
	struct medfw_diag d;
	enum medfw_err err;

	tu_shared_path(path, sizeof(path), rel);
	medfw_diag_clear(&d);
	err = medfw_feed_set_load(set, path, NULL, NULL, NULL, &d);
	if (err != MEDFW_OK)
		fail_msg("%s: %s", rel, medfw_diag_message(&d, err));
}

/* The sink adding one in-memory file to a set. */
static enum medfw_err to_set(void *arg, struct medfw_feed_record *rec, struct medfw_diag *diag)
{
	return medfw_feed_set_add(arg, rec, NULL, diag);
}

static void load_text(struct medfw_feed_set *set, const char *name, const char *json)
{
	struct medfw_feed_sink sink = {to_set, NULL, set};
	struct medfw_feed_stats st;

	assert_int_equal(medfw_feed_load_bytes(name, (const uint8_t *)json, strlen(json), &sink,
					       &st, NULL),
			 MEDFW_OK);
	assert_int_equal(st.problems, 0);
}

static void fixture_feeds(struct fixture *fx)
{
	size_t i;
	struct medfw_diag d;

	memset(fx, 0, sizeof(*fx));
	fx->feeds = medfw_feed_set_new();
	assert_non_null(fx->feeds);
	for (i = 0; i < sizeof(feed_paths) / sizeof(feed_paths[0]); i++)
		load_feed(fx->feeds, feed_paths[i]);
	medfw_diag_clear(&d);
	assert_int_equal(medfw_product_map_parse("map.json", (const uint8_t *)product_map,
						 strlen(product_map), &fx->map, &d),
			 MEDFW_OK);
	fx->sbom[0] = parse_sbom(sbom_a);
	fx->sbom[1] = parse_sbom(sbom_b);
}

static void fixture_match(struct fixture *fx)
{
	struct medfw_match_sbom s[2] = {{fx->sbom[0], "release-a.json"},
					{fx->sbom[1], "release-b.json"}};
	struct medfw_diag d;
	enum medfw_err err;

	medfw_diag_clear(&d);
	err = medfw_vuln_index_new(fx->feeds, fx->map, &fx->index, &d);
	if (err != MEDFW_OK)
		fail_msg("index: %s", medfw_diag_message(&d, err));
	err = medfw_vuln_match(fx->index, s, 2, (const struct medfw_vex_doc *const *)fx->vex,
			       fx->vex_count, &fx->result, &d);
	if (err != MEDFW_OK)
		fail_msg("match: %s", medfw_diag_message(&d, err));
}

static void fixture_free(struct fixture *fx)
{
	size_t i;

	medfw_match_result_free(fx->result);
	medfw_vuln_index_free(fx->index);
	medfw_feed_set_free(fx->feeds);
	medfw_product_map_free(fx->map);
	medfw_sbom_free(fx->sbom[0]);
	medfw_sbom_free(fx->sbom[1]);
	for (i = 0; i < fx->vex_count; i++)
		medfw_vex_free(fx->vex[i]);
}

/* The finding of (SBOM, component ref, vulnerability id), or NULL. */
static const struct medfw_finding *finding(const struct fixture *fx, size_t sbom,
					   const char *ref, const char *vuln)
{
	size_t i;

	for (i = 0; i < fx->result->finding_count; i++) {
		const struct medfw_finding *f = &fx->result->findings[i];

		if (f->sbom_index == sbom && strcmp(f->component->ref, ref) == 0 &&
		    strcmp(f->vuln_id, vuln) == 0)
			return f;
	}
	return NULL;
}

static const struct medfw_finding *must_find(const struct fixture *fx, size_t sbom,
					     const char *ref, const char *vuln)
{
	const struct medfw_finding *f = finding(fx, sbom, ref, vuln);

	if (f == NULL)
		fail_msg("no finding %s for %s in SBOM %zu", vuln, ref, sbom);
	return f;
}

/* The evidence of `format` in a finding, or fail. */
static const struct medfw_finding_evidence *evidence(const struct medfw_finding *f,
						     enum medfw_feed_format format)
{
	size_t i;

	for (i = 0; i < f->evidence_count; i++)
		if (f->evidence[i].format == format)
			return &f->evidence[i];
	fail_msg("%s: no %s evidence", f->vuln_id, medfw_feed_format_name(format));
	return NULL;
}

static size_t findings_of(const struct fixture *fx, size_t sbom, const char *ref)
{
	size_t i, n = 0;

	for (i = 0; i < fx->result->finding_count; i++)
		n += fx->result->findings[i].sbom_index == sbom &&
		     strcmp(fx->result->findings[i].component->ref, ref) == 0;
	return n;
}

/* ----------------------------------------------------------- feed loading */

static void test_detect_real_feeds(void **state)
{
	struct medfw_feed_set *set = medfw_feed_set_new();
	struct medfw_feed_stats st;
	char path[4096];
	size_t added = 0, updated = 0, i, schema_problems = 0;
	int saw_linter = 0;

	(void)state;
	assert_non_null(set);
	tu_shared_path(path, sizeof(path), "osv");
	assert_int_equal(medfw_feed_set_load(set, path, &st, &added, &updated, NULL), MEDFW_OK);
	/* records, oss-fuzz, records-ghsa and the one valid record of records-invalid
	 * (nopackage-GHSA-9v2f: the same id and date as records/GHSA-9v2f: kept once) */
	assert_int_equal(st.records[MEDFW_FEED_OSV], 24);
	assert_int_equal(added, 23);
	assert_int_equal(updated, 0);
	assert_int_equal(medfw_feed_set_format_count(set, MEDFW_FEED_OSV), 23);
	/* the two linter failures and the two schema files are reported, not fatal */
	assert_int_equal(st.problems, 4);
	for (i = 0; i < medfw_feed_set_problem_count(set); i++) {
		const struct medfw_feed_problem *p = medfw_feed_set_problem(set, i);

		if (strstr(p->file, "osv/schema/") != NULL) {
			schema_problems++;
			assert_int_equal(p->err, MEDFW_ERR_FIELD_VALUE);
			assert_non_null(strstr(p->message, "not a known feed format"));
		}
		if (strstr(p->file, "records-invalid/nointroduced-CVE-2023-41045.json") != NULL) {
			saw_linter = 1;
			assert_non_null(strstr(p->message, "affected[0].ranges[0]"));
			assert_non_null(strstr(p->message, "introduced"));
		}
	}
	assert_int_equal(schema_problems, 2);
	assert_true(saw_linter);

	tu_shared_path(path, sizeof(path), "nvd");
	assert_int_equal(medfw_feed_set_load(set, path, &st, &added, &updated, NULL), MEDFW_OK);
	/* a 200-record page, a 1-record page and 13 records (CVE-2022-0778 and a few others
	 * appear once only), the Match Criteria response and three schemas reported */
	assert_int_equal(st.records[MEDFW_FEED_NVD], 214);
	assert_int_equal(medfw_feed_set_format_count(set, MEDFW_FEED_NVD), 214);
	assert_int_equal(st.problems, 4);
	assert_non_null(medfw_feed_set_find(set, MEDFW_FEED_NVD, "CVE-2022-0778"));
	assert_string_equal(medfw_feed_set_find(set, MEDFW_FEED_NVD, "CVE-2022-0778")->json_path,
			    "");
	assert_non_null(strstr(medfw_feed_set_find(set, MEDFW_FEED_NVD, "CVE-2022-23748")->json_path,
			       "vulnerabilities["));

	load_feed(set, "cve5");
	load_feed(set, "csaf/oasis-examples");
	load_feed(set, "csaf/cisa-icsma");
	load_feed(set, "kev");
	assert_int_equal(medfw_feed_set_format_count(set, MEDFW_FEED_CVE5), 8);
	/* 3 OASIS documents, 13 OASIS VEX, 10 ICSMA */
	assert_int_equal(medfw_feed_set_format_count(set, MEDFW_FEED_CSAF), 26);
	assert_int_equal(medfw_feed_set_format_count(set, MEDFW_FEED_KEV), 1);
	assert_non_null(medfw_feed_set_find(set, MEDFW_FEED_CSAF, "ICSMA-22-174-01"));
	assert_non_null(medfw_feed_set_find(set, MEDFW_FEED_KEV, "cisa-kev"));
	assert_null(medfw_feed_set_find(set, MEDFW_FEED_CSAF, "CVE-2022-0778"));
	medfw_feed_set_free(set);
	medfw_feed_set_free(NULL);
}

static void write_file(const char *dir, const char *name, const char *text)
{
	char path[4096];

	tu_path(path, sizeof(path), dir, name);
	tu_write_file(path, text, strlen(text));
}

#define OSV_REC(id, modified, fixed)                                                               \
	"{\"id\":\"" id "\",\"modified\":\"" modified "\",\"affected\":[{\"package\":{"            \
	"\"ecosystem\":\"npm\",\"name\":\"left-pad\"},\"ranges\":[{\"type\":\"SEMVER\","          \
	"\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"" fixed "\"}]}]}]}"

static void test_bad_records_skipped(void **state)
{
	char *dir = tu_tmpdir_new();
	char path[4096], sub[4096];
	struct medfw_buf page;
	struct medfw_feed_set *set = medfw_feed_set_new();
	struct medfw_feed_stats st;
	struct medfw_diag d;
	json_t *root, *cve;
	char *text;
	size_t i, added = 0;
	int saw_page = 0, saw_syntax = 0;

	(void)state;
	/* the real 200-record page with record 7 broken: its criteria is not a CPE */
	tu_shared_path(path, sizeof(path), "nvd/pages/cves-2023-page.json");
	tu_read_file(path, &page);
	assert_int_equal(medfw_json_parse(page.data, page.len, page.len, 32, &root, NULL), MEDFW_OK);
	medfw_buf_free(&page);
	cve = json_object_get(json_array_get(json_object_get(root, "vulnerabilities"), 7), "cve");
	assert_int_equal(json_object_set_new(cve, "published", json_string("yesterday")), 0);
	text = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	assert_non_null(text);
	write_file(dir, "page.json", text);
	free(text);
	write_file(dir, "broken.json", "{\"id\": \"GHSA-xxxx\", \"modified\": ");
	write_file(dir, "notes.txt", "not a feed, not read");
	tu_path(sub, sizeof(sub), dir, "sub");
	assert_int_equal(mkdir(sub, 0700), 0);
	write_file(sub, "left-pad.json", OSV_REC("GHSA-aaaa-bbbb-cccc", "2024-01-01T00:00:00Z", "1.0.0"));

	medfw_diag_clear(&d);
	assert_int_equal(medfw_feed_set_load(set, dir, &st, &added, NULL, &d), MEDFW_OK);
	assert_int_equal(st.files, 3);
	assert_int_equal(st.records[MEDFW_FEED_NVD], 199);
	assert_int_equal(st.records[MEDFW_FEED_OSV], 1);
	assert_int_equal(st.problems, 2);
	assert_int_equal(added, 200);
	assert_int_equal(medfw_feed_set_problem_count(set), 2);
	for (i = 0; i < medfw_feed_set_problem_count(set); i++) {
		const struct medfw_feed_problem *p = medfw_feed_set_problem(set, i);

		if (strstr(p->file, "page.json") != NULL) {
			saw_page = 1;
			assert_string_equal(p->json_path, "vulnerabilities[7]");
			assert_int_equal(p->err, MEDFW_ERR_FIELD_VALUE);
			assert_non_null(strstr(p->message, "vulnerabilities[7].cve.published"));
		} else {
			saw_syntax = 1;
			assert_non_null(strstr(p->file, "broken.json"));
			assert_int_equal(p->err, MEDFW_ERR_JSON_SYNTAX);
			assert_string_equal(p->json_path, "");
		}
	}
	assert_true(saw_page && saw_syntax);

	/* a path that does not exist fails the load and changes nothing */
	tu_path(path, sizeof(path), dir, "missing");
	medfw_diag_clear(&d);
	assert_int_equal(medfw_feed_set_load(set, path, &st, NULL, NULL, &d), MEDFW_ERR_NOT_FOUND);
	assert_non_null(strstr(d.msg, "missing"));
	assert_int_equal(medfw_feed_set_count(set), 200);
	assert_int_equal(medfw_feed_set_problem_count(set), 2);
	medfw_feed_set_free(set);
	tu_tmpdir_free(dir);
}

static void test_depth_bound(void **state)
{
	char *dir = tu_tmpdir_new();
	char path[4096];
	struct medfw_feed_set *set = medfw_feed_set_new();
	struct medfw_diag d;
	size_t n, level;

	(void)state;
	write_file(dir, "top.json", OSV_REC("GHSA-aaaa-bbbb-cccc", "2024-01-01T00:00:00Z", "1.0.0"));
	snprintf(path, sizeof(path), "%s", dir);
	for (level = 1; level <= 9; level++) {
		n = strlen(path);
		snprintf(path + n, sizeof(path) - n, "/d%zu", level);
		assert_int_equal(mkdir(path, 0700), 0);
	}
	write_file(path, "deep.json", OSV_REC("GHSA-dddd-eeee-ffff", "2024-01-01T00:00:00Z", "1.0.0"));
	medfw_diag_clear(&d);
	assert_int_equal(medfw_feed_set_load(set, dir, NULL, NULL, NULL, &d), MEDFW_ERR_TOO_DEEP);
	assert_non_null(strstr(d.msg, "d9"));
	/* all or nothing: top.json was read before the walk failed, and is not kept */
	assert_int_equal(medfw_feed_set_count(set), 0);
	medfw_feed_set_free(set);
	tu_tmpdir_free(dir);
}

/* The listing a feed walk uses (and medfw vuln import with it): hidden names skipped,
 * byte order, a missing directory named. */
static void test_dir_list(void **state)
{
	char *dir = tu_tmpdir_new();
	char path[4096];
	char **names = NULL;
	struct medfw_diag d;
	size_t n = 0;

	(void)state;
	write_file(dir, "b.json", "{}");
	write_file(dir, "B.json", "{}");
	write_file(dir, ".partial.json", "{}");
	tu_path(path, sizeof(path), dir, "a");
	assert_int_equal(mkdir(path, 0700), 0);
	medfw_diag_clear(&d);
	assert_int_equal(medfw_feed_dir_list(dir, &names, &n, &d), MEDFW_OK);
	assert_int_equal(n, 3);
	assert_string_equal(names[0], "B.json");
	assert_string_equal(names[1], "a");
	assert_string_equal(names[2], "b.json");
	medfw_feed_dir_free(names, n);
	tu_path(path, sizeof(path), dir, "missing");
	assert_int_equal(medfw_feed_dir_list(path, &names, &n, &d), MEDFW_ERR_NOT_FOUND);
	assert_null(names);
	assert_int_equal(n, 0);
	assert_non_null(strstr(d.msg, "missing"));
	tu_tmpdir_free(dir);
}

static void test_record_seen_twice(void **state)
{
	char *dir = tu_tmpdir_new();
	struct medfw_feed_set *set = medfw_feed_set_new();
	const struct medfw_feed_record *r;
	size_t added = 0, updated = 0;

	(void)state;
	/* a.json is read first and is the older: b.json replaces it within the load */
	write_file(dir, "a.json", OSV_REC("GHSA-aaaa-bbbb-cccc", "2024-01-01T00:00:00Z", "1.0.0"));
	write_file(dir, "b.json", OSV_REC("GHSA-aaaa-bbbb-cccc", "2024-06-01T00:00:00Z", "2.0.0"));
	assert_int_equal(medfw_feed_set_load(set, dir, NULL, &added, &updated, NULL), MEDFW_OK);
	assert_int_equal(added, 1);
	assert_int_equal(updated, 0);
	assert_int_equal(medfw_feed_set_count(set), 1);
	r = medfw_feed_set_find(set, MEDFW_FEED_OSV, "GHSA-aaaa-bbbb-cccc");
	assert_non_null(r);
	assert_string_equal(r->modified, "2024-06-01T00:00:00Z");
	assert_non_null(strstr(r->file, "b.json"));
	assert_string_equal(r->u.osv->affected[0].ranges[0].events[1].value, "2.0.0");

	/* seen again: nothing changes; an older copy does not replace the newer */
	assert_int_equal(medfw_feed_set_load(set, dir, NULL, &added, &updated, NULL), MEDFW_OK);
	assert_int_equal(added, 0);
	assert_int_equal(updated, 0);
	write_file(dir, "b.json", OSV_REC("GHSA-aaaa-bbbb-cccc", "2023-01-01T00:00:00Z", "0.5.0"));
	assert_int_equal(medfw_feed_set_load(set, dir, NULL, &added, &updated, NULL), MEDFW_OK);
	assert_int_equal(updated, 0);
	r = medfw_feed_set_find(set, MEDFW_FEED_OSV, "GHSA-aaaa-bbbb-cccc");
	assert_string_equal(r->modified, "2024-06-01T00:00:00Z");
	assert_int_equal(medfw_feed_set_count(set), 1);
	/* a later import of a newer version updates the record in place */
	write_file(dir, "b.json", OSV_REC("GHSA-aaaa-bbbb-cccc", "2025-02-01T10:00:00Z", "3.0.0"));
	assert_int_equal(medfw_feed_set_load(set, dir, NULL, &added, &updated, NULL), MEDFW_OK);
	assert_int_equal(added, 0);
	assert_int_equal(updated, 1);
	r = medfw_feed_set_find(set, MEDFW_FEED_OSV, "GHSA-aaaa-bbbb-cccc");
	assert_string_equal(r->u.osv->affected[0].ranges[0].events[1].value, "3.0.0");
	assert_int_equal(medfw_feed_set_count(set), 1);

	/* an NVD record (its date written without offset) is kept by its own id */
	load_feed(set, "nvd/records/CVE-2022-0778.json");
	r = medfw_feed_set_find(set, MEDFW_FEED_NVD, "CVE-2022-0778");
	assert_string_equal(r->modified, "2024-06-21T19:15:21.473");
	medfw_feed_set_free(set);
	tu_tmpdir_free(dir);
}

/* An OSV record naming the same package in several affected entries (one per
 * distribution release) is keyed by that package, not "unkeyed" and so checked against
 * every component: at 200,000 records that was millions of needless evaluations. */
static void test_repeated_package_is_keyed(void **state)
{
	struct medfw_feed_set *set = medfw_feed_set_new();
	struct medfw_vuln_index *index = NULL;
	struct medfw_diag d;

	(void)state;
	load_feed(set, "osv/records/CVE-2018-5407.json");
	medfw_diag_clear(&d);
	assert_int_equal(medfw_vuln_index_new(set, NULL, &index, &d), MEDFW_OK);
	assert_true(medfw_vuln_index_entry_count(index) > 0);
	assert_int_equal(medfw_vuln_index_unkeyed_count(index), 0);
	medfw_vuln_index_free(index);
	medfw_feed_set_free(set);
}

/* ------------------------------------------------------------- outcomes */

static void test_outcomes_per_feed(void **state)
{
	struct fixture fx;
	const struct medfw_finding *f;
	const struct medfw_finding_evidence *e;

	(void)state;
	fixture_feeds(&fx);
	fixture_match(&fx);

	/* NVD: affected, not affected, undetermined (an AND configuration needs the esp32) */
	f = must_find(&fx, 0, "busybox", "CVE-2018-1000500");
	assert_int_equal(f->status, MEDFW_FINDING_AFFECTED);
	e = evidence(f, MEDFW_FEED_NVD);
	assert_int_equal(e->verdict.outcome, MEDFW_VULN_AFFECTED);
	assert_string_equal(e->verdict.fixed_version, "1.32.0");
	assert_non_null(strstr(e->verdict.comparison, "1.31.1 < 1.32.0"));
	f = must_find(&fx, 1, "busybox", "CVE-2018-1000500");
	assert_int_equal(f->status, MEDFW_FINDING_NOT_AFFECTED);
	assert_int_equal(evidence(f, MEDFW_FEED_NVD)->verdict.outcome, MEDFW_VULN_NOT_AFFECTED);
	f = must_find(&fx, 0, "esp-idf", "CVE-2020-13595");
	assert_int_equal(f->status, MEDFW_FINDING_UNDETERMINED);
	assert_non_null(strstr(evidence(f, MEDFW_FEED_NVD)->verdict.comparison, "platform unknown"));
	/* the CPE 2.2 URI of busybox was read */
	f = must_find(&fx, 0, "openssl", "CVE-2022-0778");
	assert_int_equal(f->status, MEDFW_FINDING_AFFECTED);
	assert_string_equal(evidence(f, MEDFW_FEED_NVD)->verdict.fixed_version, "1.1.1n");

	/* OSV: affected, not affected (Red Hat ECOSYSTEM range), undetermined (OSS-Fuzz
	 * GIT range for a version not among its tags) */
	f = must_find(&fx, 0, "git-lfs", "CVE-2023-45288");
	assert_int_equal(evidence(f, MEDFW_FEED_OSV)->verdict.outcome, MEDFW_VULN_AFFECTED);
	f = must_find(&fx, 1, "git-lfs", "CVE-2023-45288");
	assert_int_equal(evidence(f, MEDFW_FEED_OSV)->verdict.outcome, MEDFW_VULN_NOT_AFFECTED);
	assert_int_equal(f->status, MEDFW_FINDING_NOT_AFFECTED);
	f = must_find(&fx, 0, "openssl", "OSV-2018-153");
	assert_int_equal(f->status, MEDFW_FINDING_UNDETERMINED);
	assert_non_null(strstr(evidence(f, MEDFW_FEED_OSV)->verdict.comparison, "GIT range"));

	/* CVE 5: affected (curl's list), not affected (defaultStatus), undetermined
	 * (log4j's "custom" range) */
	f = must_find(&fx, 0, "curl", "CVE-2024-7264");
	assert_int_equal(f->status, MEDFW_FINDING_AFFECTED);
	assert_int_equal(evidence(f, MEDFW_FEED_CVE5)->verdict.outcome, MEDFW_VULN_AFFECTED);
	f = must_find(&fx, 1, "curl", "CVE-2024-7264");
	assert_int_equal(f->status, MEDFW_FINDING_NOT_AFFECTED);
	assert_non_null(strstr(evidence(f, MEDFW_FEED_CVE5)->verdict.rule, "defaultStatus"));
	f = must_find(&fx, 0, "log4j2", "CVE-2021-44228");
	assert_int_equal(f->status, MEDFW_FINDING_UNDETERMINED);
	assert_int_equal(evidence(f, MEDFW_FEED_CVE5)->verdict.outcome, MEDFW_VULN_UNDETERMINED);

	/* CSAF with the product map: affected, not affected (outside "prior to 3.6.7"),
	 * undetermined (no version); Red Hat's fixed-only document: undetermined */
	f = must_find(&fx, 0, "dcmtk", "CVE-2022-2119");
	assert_int_equal(f->status, MEDFW_FINDING_AFFECTED);
	e = evidence(f, MEDFW_FEED_CSAF);
	assert_string_equal(e->record_id, "ICSMA-22-174-01");
	assert_non_null(strstr(e->verdict.comparison, "product mapping \"DCMTK\""));
	f = must_find(&fx, 1, "dcmtk", "CVE-2022-2119");
	assert_int_equal(f->status, MEDFW_FINDING_NOT_AFFECTED);
	f = must_find(&fx, 1, "dcmtk-nover", "CVE-2022-2119");
	assert_int_equal(f->status, MEDFW_FINDING_UNDETERMINED);
	assert_non_null(strstr(evidence(f, MEDFW_FEED_CSAF)->verdict.comparison, "no version"));
	f = must_find(&fx, 0, "git-lfs", "CVE-2023-45288");
	assert_int_equal(evidence(f, MEDFW_FEED_CSAF)->verdict.outcome, MEDFW_VULN_UNDETERMINED);

	/* the excluded build tool is not matched; nothing names a component twice */
	assert_int_equal(findings_of(&fx, 0, "host-tool"), 0);
	/* 12 of release A's 13 (the product included, the build tool excluded), 6 of B */
	assert_int_equal(fx.result->components, 12 + 6);
	fixture_free(&fx);
}

static void test_combined_outcome(void **state)
{
	struct fixture fx;
	const struct medfw_finding *f;

	(void)state;
	fixture_feeds(&fx);
	fixture_match(&fx);
	/* OSV affected + CSAF undetermined: affected */
	f = must_find(&fx, 0, "git-lfs", "CVE-2023-45288");
	assert_int_equal(f->evidence_count, 2);
	assert_int_equal(f->sources_outcome, MEDFW_VULN_AFFECTED);
	assert_int_equal(f->status, MEDFW_FINDING_AFFECTED);
	/* OSV not affected + CSAF not affected (fixed): not affected */
	f = must_find(&fx, 1, "git-lfs", "CVE-2023-45288");
	assert_int_equal(f->evidence_count, 2);
	assert_int_equal(evidence(f, MEDFW_FEED_CSAF)->verdict.outcome, MEDFW_VULN_NOT_AFFECTED);
	assert_int_equal(f->status, MEDFW_FINDING_NOT_AFFECTED);
	/* NVD and CVE 5 both say affected for xz 5.6.0: one finding, two evidences */
	f = must_find(&fx, 0, "xz", "CVE-2024-3094");
	assert_int_equal(f->evidence_count, 2);
	assert_int_equal(evidence(f, MEDFW_FEED_NVD)->verdict.outcome, MEDFW_VULN_AFFECTED);
	assert_int_equal(evidence(f, MEDFW_FEED_CVE5)->verdict.outcome, MEDFW_VULN_AFFECTED);
	fixture_free(&fx);
}

/* The same CVE from OSV (an alias) and from NVD: one finding with both evidences. */
static void test_alias_join(void **state)
{
	static const char osv[] =
		"{\"id\":\"DEBIAN-CVE-2022-0778\",\"modified\":\"2022-03-20T00:00:00Z\","
		"\"aliases\":[\"CVE-2022-0778\"],\"affected\":[{\"package\":{\"ecosystem\":"
		"\"Debian:11\",\"name\":\"openssl\"},\"ranges\":[{\"type\":\"ECOSYSTEM\","
		"\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"1.1.1n-0+deb11u1\"}]}]}]}";
	static const char sbom[] =
		"{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.6\",\"components\":["
		"{\"type\":\"library\",\"bom-ref\":\"ssl\",\"name\":\"openssl\","
		"\"version\":\"1.1.1k-1+deb11u1\","
		"\"purl\":\"pkg:deb/debian/openssl@1.1.1k-1%2Bdeb11u1?distro=debian-11\","
		"\"cpe\":\"cpe:2.3:a:openssl:openssl:1.1.1k:*:*:*:*:*:*:*\"}]}";
	struct medfw_feed_set *set = medfw_feed_set_new();
	struct medfw_sbom *s = parse_sbom(sbom);
	struct medfw_match_sbom ms = {s, "deb.json"};
	struct medfw_vuln_index *idx = NULL;
	struct medfw_match_result *res = NULL;
	const struct medfw_finding *f;

	(void)state;
	load_feed(set, "nvd/records/CVE-2022-0778.json");
	load_text(set, "debian.json", osv);
	assert_int_equal(medfw_vuln_index_new(set, NULL, &idx, NULL), MEDFW_OK);
	assert_int_equal(medfw_vuln_match(idx, &ms, 1, NULL, 0, &res, NULL), MEDFW_OK);
	assert_int_equal(res->finding_count, 1);
	f = &res->findings[0];
	assert_string_equal(f->vuln_id, "CVE-2022-0778");
	assert_int_equal(f->alias_count, 1);
	assert_string_equal(f->aliases[0], "DEBIAN-CVE-2022-0778");
	assert_int_equal(f->evidence_count, 2);
	assert_int_equal(f->evidence[0].verdict.outcome, MEDFW_VULN_AFFECTED);
	assert_int_equal(f->evidence[1].verdict.outcome, MEDFW_VULN_AFFECTED);
	assert_int_not_equal(f->evidence[0].format, f->evidence[1].format);
	assert_int_equal(f->status, MEDFW_FINDING_AFFECTED);
	/* severity: NVD's v3.1 7.5 */
	assert_int_equal(f->severity.score_tenths, 75);
	assert_int_equal(f->severity.version, MEDFW_CVSS_V31);
	assert_non_null(strstr(f->severity.source, "nvd CVE-2022-0778"));
	medfw_match_result_free(res);
	medfw_vuln_index_free(idx);
	medfw_sbom_free(s);
	medfw_feed_set_free(set);
}

static void test_red_hat_upstream_join(void **state)
{
	struct fixture fx;
	const struct medfw_finding *f;

	(void)state;
	fixture_feeds(&fx);
	fixture_match(&fx);
	/* OSV RHSA-2024:4546 (upstream CVE-2023-45288) and the CSAF advisory of the same
	 * name (cve CVE-2023-45288): one finding */
	f = must_find(&fx, 0, "git-lfs", "CVE-2023-45288");
	assert_int_equal(f->alias_count, 1);
	assert_string_equal(f->aliases[0], "RHSA-2024:4546");
	assert_string_equal(evidence(f, MEDFW_FEED_OSV)->record_id, "RHSA-2024:4546");
	assert_string_equal(evidence(f, MEDFW_FEED_CSAF)->record_id, "RHSA-2024:4546");
	assert_null(finding(&fx, 0, "git-lfs", "RHSA-2024:4546"));
	fixture_free(&fx);
}

/* ------------------------------------------------------------------ VEX */

static const char vex_openssl_na[] =
	"{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.5\",\"version\":1,"
	"\"metadata\":{\"timestamp\":\"2024-05-01T00:00:00Z\"},\"vulnerabilities\":["
	"{\"id\":\"CVE-2022-0778\",\"analysis\":{\"state\":\"not_affected\","
	"\"justification\":\"code_not_reachable\",\"detail\":\"BN_mod_sqrt is never called\"},"
	"\"affects\":[{\"ref\":\"urn:cdx:cbb2cd68-2857-43b8-a10b-e8c03d277d18/1#openssl\"}]},"
	"{\"id\":\"CVE-2018-1000500\",\"analysis\":{\"state\":\"not_affected\"},"
	"\"affects\":[{\"ref\":\"busybox\"}]},"
	"{\"id\":\"CVE-2024-7264\",\"analysis\":{\"state\":\"in_triage\"},"
	"\"affects\":[{\"ref\":\"curl\",\"versions\":[{\"version\":\"8.9.0\"}]}]},"
	"{\"id\":\"CVE-2099-0001\",\"analysis\":{\"state\":\"exploitable\",\"response\":"
	"[\"update\"]},\"affects\":[{\"ref\":\"pkg:github/tukaani-project/xz@5.6.0\"}]}]}";

static void test_vex_cyclonedx(void **state)
{
	struct fixture fx;
	const struct medfw_finding *f;
	const struct medfw_vex_doc *v;

	(void)state;
	fixture_feeds(&fx);
	fx.vex[fx.vex_count++] = load_vex("cyclonedx/vex/cisa-use-cases/case-1/vex-not_affected.json");
	fx.vex[fx.vex_count++] = parse_vex_text("ours.json", vex_openssl_na);
	v = fx.vex[1];
	/* the not_affected without justification or detail is reported and not kept */
	assert_int_equal(v->statement_count, 3);
	assert_int_equal(v->problem_count, 1);
	assert_string_equal(v->problems[0].json_path, "vulnerabilities[1].analysis");
	assert_non_null(strstr(v->problems[0].message, "CVE-2018-1000500"));
	assert_non_null(strstr(v->problems[0].message, "justification"));
	assert_string_equal(v->statements[0].bom_serial,
			    "urn:uuid:cbb2cd68-2857-43b8-a10b-e8c03d277d18");
	assert_string_equal(v->statements[0].ref, "openssl");
	fixture_match(&fx);

	/* component-level, by BOM-Link: suppressed with the statement recorded */
	f = must_find(&fx, 0, "openssl", "CVE-2022-0778");
	assert_int_equal(f->sources_outcome, MEDFW_VULN_AFFECTED);
	assert_int_equal(f->status, MEDFW_FINDING_NOT_AFFECTED);
	assert_non_null(f->vex);
	assert_string_equal(f->vex->justification, "code_not_reachable");
	assert_string_equal(f->vex->json_path, "vulnerabilities[0].affects[0]");
	assert_string_equal(f->vex_doc->source, "ours.json");
	assert_true(f->vex_direct);
	/* ignored statement: busybox stays affected */
	f = must_find(&fx, 0, "busybox", "CVE-2018-1000500");
	assert_int_equal(f->status, MEDFW_FINDING_AFFECTED);
	assert_null(f->vex);
	/* in_triage for curl 8.9.0 only: not for 8.10.0 (release B) */
	assert_int_equal(must_find(&fx, 0, "curl", "CVE-2024-7264")->status,
			 MEDFW_FINDING_UNDER_INVESTIGATION);
	assert_null(must_find(&fx, 1, "curl", "CVE-2024-7264")->vex);
	/* CISA use case 1: product ABC 4.2 not affected by log4shell (code_not_present),
	 * applied to the product's component; release B (ABC 4.3) is another version */
	f = must_find(&fx, 0, "log4j2", "CVE-2021-44228");
	assert_int_equal(f->sources_outcome, MEDFW_VULN_UNDETERMINED);
	assert_int_equal(f->status, MEDFW_FINDING_NOT_AFFECTED);
	assert_string_equal(f->vex->justification, "code_not_present");
	assert_false(f->vex_direct);
	assert_non_null(strstr(f->vex_rule, "product: bom-ref product-ABC"));
	/* an exploitable statement about a component no source matched is a finding */
	f = must_find(&fx, 0, "xz", "CVE-2099-0001");
	assert_int_equal(f->status, MEDFW_FINDING_AFFECTED);
	assert_int_equal(f->evidence_count, 0);
	assert_int_equal(f->sources_outcome, MEDFW_VULN_NOT_RELEVANT);
	assert_string_equal(f->vex->response, "update");
	assert_null(finding(&fx, 1, "xz", "CVE-2099-0001"));
	fixture_free(&fx);
}

static void test_vex_precedence(void **state)
{
	static const char newer_affected[] =
		"{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.6\",\"vulnerabilities\":["
		"{\"id\":\"CVE-2021-44228\",\"analysis\":{\"state\":\"exploitable\","
		"\"lastUpdated\":\"2023-01-10T00:00:00Z\"},\"affects\":[{\"ref\":\"log4j2\"}]}]}";
	struct fixture fx;
	const struct medfw_finding *f;

	(void)state;
	/* CISA case 6: both an exploitable (2.4, 2.6, 2.9-4.1) and a not_affected (4.2)
	 * statement about product ABC with one timestamp: for 4.2 the not_affected */
	fixture_feeds(&fx);
	fx.vex[fx.vex_count++] = load_vex("cyclonedx/vex/cisa-use-cases/case-6/vex.json");
	fixture_match(&fx);
	f = must_find(&fx, 0, "log4j2", "CVE-2021-44228");
	assert_int_equal(f->status, MEDFW_FINDING_NOT_AFFECTED);
	assert_string_equal(f->vex->json_path, "vulnerabilities[1].affects[0]");
	assert_non_null(strstr(f->vex_rule, "version 4.2 in 4.2"));
	fixture_free(&fx);

	/* a newer statement wins over an older one, whichever file comes first */
	fixture_feeds(&fx);
	fx.vex[fx.vex_count++] = parse_vex_text("newer.json", newer_affected);
	fx.vex[fx.vex_count++] = load_vex("cyclonedx/vex/cisa-use-cases/case-1/vex-not_affected.json");
	fixture_match(&fx);
	f = must_find(&fx, 0, "log4j2", "CVE-2021-44228");
	assert_int_equal(f->status, MEDFW_FINDING_AFFECTED);
	assert_string_equal(f->vex_doc->source, "newer.json");
	assert_true(f->vex_direct);
	fixture_free(&fx);
}

static void test_vex_csaf(void **state)
{
	static const char xyz_map[] =
		"{\"mappings\":[{\"model\":\"ABC\",\"advisory_products\":[\"XYZ\"]}]}";
	struct fixture fx;
	const struct medfw_finding *f;
	const struct medfw_vex_doc *v;
	char path[4096];
	struct medfw_buf b;
	json_t *root;
	char *text;
	struct medfw_vex_doc *stripped = NULL;

	(void)state;
	fixture_feeds(&fx);
	/* OASIS use case 1, not affected: product "ABC" 4.2 (the product map names it) */
	fx.vex[fx.vex_count++] =
		load_vex("csaf/oasis-examples/csaf_vex/2022-evd-uc-01-na-001.json");
	v = fx.vex[0];
	assert_int_equal(v->format, MEDFW_VEX_CSAF);
	assert_int_equal(v->statement_count, 1);
	assert_int_equal(v->statements[0].status, MEDFW_VEX_NOT_AFFECTED);
	assert_null(v->statements[0].justification);
	assert_non_null(strstr(v->statements[0].detail, "removed before shipping"));
	assert_string_equal(v->statements[0].timestamp, "2022-03-03T11:00:00.000Z");
	fixture_match(&fx);
	f = must_find(&fx, 0, "log4j2", "CVE-2021-44228");
	assert_int_equal(f->status, MEDFW_FINDING_NOT_AFFECTED);
	assert_string_equal(f->vex->json_path,
			    "vulnerabilities[0].product_status.known_not_affected[0]");
	assert_non_null(strstr(f->vex_rule, "product mapping \"ABC\""));
	/* release B is ABC 4.3: the statement is about 4.2 */
	assert_null(finding(&fx, 1, "log4j2", "CVE-2021-44228"));
	fixture_free(&fx);

	/* the same document without its impact threat: reported, nothing kept */
	tu_shared_path(path, sizeof(path), "csaf/oasis-examples/csaf_vex/2022-evd-uc-01-na-001.json");
	tu_read_file(path, &b);
	assert_int_equal(medfw_json_parse(b.data, b.len, b.len, 64, &root, NULL), MEDFW_OK);
	medfw_buf_free(&b);
	assert_int_equal(json_object_del(json_array_get(json_object_get(root, "vulnerabilities"), 0),
					 "threats"),
			 0);
	text = json_dumps(root, JSON_COMPACT);
	json_decref(root);
	assert_int_equal(medfw_vex_parse("stripped.json", (const uint8_t *)text, strlen(text),
					 &stripped, NULL),
			 MEDFW_OK);
	free(text);
	assert_int_equal(stripped->statement_count, 0);
	assert_int_equal(stripped->problem_count, 1);
	assert_string_equal(stripped->problems[0].json_path,
			    "vulnerabilities[0].product_status.known_not_affected[0]");
	assert_non_null(strstr(stripped->problems[0].message, "impact"));
	medfw_vex_free(stripped);

	/* under investigation for every version of XYZ, which a product map says is our
	 * ABC: the product's own finding (only VEX names it) and log4j's */
	fixture_feeds(&fx);
	medfw_product_map_free(fx.map);
	fx.map = NULL;
	assert_int_equal(medfw_product_map_parse("xyz.json", (const uint8_t *)xyz_map,
						 strlen(xyz_map), &fx.map, NULL),
			 MEDFW_OK);
	fx.vex[fx.vex_count++] = load_vex("csaf/oasis-examples/csaf_vex/2022-evd-uc-05-001.json");
	fixture_match(&fx);
	f = must_find(&fx, 0, "product-ABC", "CVE-2021-44228");
	assert_int_equal(f->status, MEDFW_FINDING_UNDER_INVESTIGATION);
	assert_int_equal(f->evidence_count, 0);
	assert_true(f->vex_direct);
	f = must_find(&fx, 0, "log4j2", "CVE-2021-44228");
	assert_int_equal(f->status, MEDFW_FINDING_UNDER_INVESTIGATION);
	assert_false(f->vex_direct);
	/* and for release B's ABC 4.3 too (vers:all) */
	assert_int_equal(must_find(&fx, 1, "product-ABC", "CVE-2021-44228")->status,
			 MEDFW_FINDING_UNDER_INVESTIGATION);
	fixture_free(&fx);
}

static void test_vex_rejected(void **state)
{
	static const struct {
		const char *json;
		enum medfw_err err;
		const char *msg;
	} cases[] = {
		{"{\"bomFormat\":\"SPDX\",\"specVersion\":\"1.6\",\"vulnerabilities\":[]}",
		 MEDFW_ERR_FIELD_VALUE, "bomFormat"},
		{"{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.3\",\"vulnerabilities\":[]}",
		 MEDFW_ERR_FIELD_VALUE, "specVersion"},
		{"{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.6\"}", MEDFW_ERR_FIELD_MISSING,
		 "vulnerabilities"},
		{"{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.6\",\"vulnerabilities\":[{\"id\":"
		 "\"CVE-1\",\"analysis\":{\"state\":\"fine\"},\"affects\":[{\"ref\":\"x\"}]}]}",
		 MEDFW_ERR_FIELD_VALUE, "vulnerabilities[0].analysis.state"},
		{"{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.6\",\"vulnerabilities\":[{\"id\":"
		 "\"CVE-1\",\"analysis\":{\"state\":\"not_affected\",\"justification\":\"why\"},"
		 "\"affects\":[{\"ref\":\"x\"}]}]}",
		 MEDFW_ERR_FIELD_VALUE, "vulnerabilities[0].analysis.justification"},
		{"{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.6\",\"vulnerabilities\":[{\"id\":"
		 "\"CVE-1\",\"analysis\":{\"state\":\"exploitable\"},\"affects\":[{\"ref\":"
		 "\"urn:cdx:abc/x#y\"}]}]}",
		 MEDFW_ERR_FIELD_VALUE, "vulnerabilities[0].affects[0].ref"},
		{"{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.6\",\"vulnerabilities\":[{\"id\":"
		 "\"CVE-1\",\"analysis\":{\"state\":\"exploitable\"},\"affects\":[{\"ref\":\"x\","
		 "\"versions\":[{\"version\":\"1\",\"range\":\"vers:generic/<2\"}]}]}]}",
		 MEDFW_ERR_FIELD_VALUE, "vulnerabilities[0].affects[0].versions[0]"},
		{"{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.6\",\"vulnerabilities\":[{\"id\":"
		 "\"CVE-1\",\"analysis\":{\"state\":\"exploitable\",\"lastUpdated\":\"soon\"},"
		 "\"affects\":[{\"ref\":\"x\"}]}]}",
		 MEDFW_ERR_FIELD_VALUE, "vulnerabilities[0].analysis.lastUpdated"},
		{"[1, 2]", MEDFW_ERR_FIELD_TYPE, "object"},
		{"{\"bomFormat\":", MEDFW_ERR_JSON_SYNTAX, ""},
		{"{\"document\":{}}", MEDFW_ERR_FIELD_VALUE, "neither"},
	};
	struct medfw_vex_doc *v;
	struct medfw_diag d;
	char path[4096];
	struct medfw_buf b;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		v = (struct medfw_vex_doc *)&d; /* must be cleared */
		medfw_diag_clear(&d);
		assert_int_equal(medfw_vex_parse("bad.json", (const uint8_t *)cases[i].json,
						 strlen(cases[i].json), &v, &d),
				 cases[i].err);
		assert_null(v);
		if (strstr(d.msg, cases[i].msg) == NULL)
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, d.msg, cases[i].msg);
	}
	/* a CSAF advisory is not VEX */
	tu_shared_path(path, sizeof(path), "csaf/cisa-icsma/icsma-22-174-01.json");
	tu_read_file(path, &b);
	medfw_diag_clear(&d);
	assert_int_equal(medfw_vex_parse("icsma.json", b.data, b.len, &v, &d), MEDFW_ERR_FIELD_VALUE);
	assert_non_null(strstr(d.msg, "document.category"));
	medfw_buf_free(&b);
	/* every real VEX example parses */
	{
		static const char *const real[] = {
			"cyclonedx/vex/vex.json",
			"cyclonedx/vex/cisa-use-cases/case-1/vex-affected.json",
			"cyclonedx/vex/cisa-use-cases/case-1/vex-fixed.json",
			"cyclonedx/vex/cisa-use-cases/case-1/vex-under_investigation.json",
			"cyclonedx/vex/cisa-use-cases/case-2/vex.json",
			"cyclonedx/vex/cisa-use-cases/case-3/vex.json",
			"cyclonedx/vex/cisa-use-cases/case-4/vex.json",
			"cyclonedx/vex/cisa-use-cases/case-5/vex.json",
			"cyclonedx/vex/cisa-use-cases/case-7/vex.json",
			"cyclonedx/vex/cisa-use-cases/case-8/vex.json",
			"csaf/oasis-examples/csaf_vex/2022-evd-uc-02-na-001.json",
			"csaf/oasis-examples/csaf_vex/2022-evd-uc-03-ms-001.json",
			"csaf/oasis-examples/csaf_vex/sec-vex-2022-0001.json",
		};

		for (i = 0; i < sizeof(real) / sizeof(real[0]); i++) {
			v = load_vex(real[i]);
			assert_true(v->statement_count > 0);
			medfw_vex_free(v);
		}
	}
	v = load_vex("cyclonedx/vex/cisa-use-cases/case-8/vex.json");
	/* 8 vulnerabilities, three of them about two products */
	assert_int_equal(v->statement_count, 11);
	assert_string_equal(v->statements[10].vuln_id, "CVE-2021-45105");
	assert_int_equal(v->statements[10].status, MEDFW_VEX_FIXED);
	assert_string_equal(v->statements[10].ref, "product-JKL");
	assert_string_equal(v->statements[10].bom_serial,
			    "urn:uuid:e4c3eedc-4978-470c-ad02-6ffff63738ff");
	assert_int_equal(v->statements[10].bom_version, 1);
	medfw_vex_free(v);
	medfw_vex_free(NULL);
}

/* ---------------------------------------------------- pedigree, KEV, order */

static void test_pedigree(void **state)
{
	struct fixture fx;
	const struct medfw_finding *f;

	(void)state;
	fixture_feeds(&fx);
	fixture_match(&fx);
	f = must_find(&fx, 0, "libxpm", "CVE-2022-46285");
	assert_int_equal(f->sources_outcome, MEDFW_VULN_AFFECTED);
	assert_int_equal(f->status, MEDFW_FINDING_FIXED);
	assert_true(f->pedigree);
	assert_non_null(strstr(f->pedigree_rule, "backport patch resolves CVE-2022-46285"));
	assert_non_null(strstr(f->pedigree_rule, "pedigree.patches[0].resolves[0]"));
	fixture_free(&fx);
}

static void test_kev_and_priority(void **state)
{
	struct fixture fx;
	const struct medfw_finding *f;
	size_t i;

	(void)state;
	fixture_feeds(&fx);
	fixture_match(&fx);
	/* KEV first (the catalog for CVE-2022-23748; NVD's mirror for CVE-2023-4863), then
	 * by severity: xz's 10.0 comes after both */
	assert_int_equal(fx.result->findings[0].priority, 1);
	assert_string_equal(fx.result->findings[0].vuln_id, "CVE-2023-4863");
	assert_true(fx.result->findings[0].kev.listed);
	assert_string_equal(fx.result->findings[0].kev.source, "NVD cisaExploitAdd");
	assert_string_equal(fx.result->findings[0].kev.date_added, "2023-09-13");
	f = &fx.result->findings[1];
	assert_string_equal(f->vuln_id, "CVE-2022-23748");
	assert_int_equal(f->status, MEDFW_FINDING_UNDETERMINED);
	assert_true(f->kev.listed);
	assert_string_equal(f->kev.source, "CISA KEV catalog");
	assert_string_equal(f->kev.date_added, "2025-02-06");
	assert_string_equal(f->kev.due_date, "2025-02-27");
	assert_string_equal(f->kev.ransomware, "Unknown");
	f = &fx.result->findings[2];
	assert_string_equal(f->vuln_id, "CVE-2024-3094");
	assert_false(f->kev.listed);
	assert_int_equal(f->severity.score_tenths, 100);
	assert_int_equal(f->severity.version, MEDFW_CVSS_V31);
	assert_non_null(strstr(f->severity.vector, "CVSS:3.1/AV:N/"));
	/* the order: open before closed, severities descending among the non-KEV open */
	for (i = 1; i < fx.result->finding_count; i++) {
		const struct medfw_finding *a = &fx.result->findings[i - 1], *b = &fx.result->findings[i];

		assert_int_equal(b->priority, i + 1);
		assert_true(medfw_finding_status_open(a->status) >= medfw_finding_status_open(b->status));
		if (medfw_finding_status_open(a->status) == medfw_finding_status_open(b->status) &&
		    a->kev.listed == b->kev.listed)
			assert_true(a->severity.score_tenths >= b->severity.score_tenths);
	}
	/* the JSON of a finding carries what the CLI prints */
	{
		json_t *j = medfw_finding_json(&fx.result->findings[1]);
		json_t *kev = json_object_get(j, "kev");

		assert_non_null(j);
		assert_string_equal(json_string_value(json_object_get(j, "status")), "undetermined");
		assert_true(json_is_true(json_object_get(kev, "listed")));
		assert_string_equal(json_string_value(json_object_get(kev, "due_date")), "2025-02-27");
		assert_int_equal(json_array_size(json_object_get(j, "evidence")), 1);
		assert_true(json_is_null(json_object_get(j, "vex")));
		assert_int_equal(json_integer_value(json_object_get(j, "priority")), 2);
		json_decref(j);
	}
	fixture_free(&fx);
}

/* ------------------------------------------------- product map, index */

static void test_product_map(void **state)
{
	static const struct {
		const char *json;
		enum medfw_err err;
		const char *msg;
	} bad[] = {
		{"{\"mappings\":[{\"model\":\"M\"}]}", MEDFW_ERR_FIELD_MISSING, "mappings[0]"},
		{"{\"mappings\":[{\"model\":\"M\",\"advisory_products\":[\"P\"],\"colour\":1}]}",
		 MEDFW_ERR_FIELD_VALUE, "unknown field \"colour\""},
		{"{\"mappings\":[{\"model\":\"M\",\"advisory_products\":[\"P\"],\"release\":\"1\","
		 "\"versions\":\"vers:generic/1\"}]}",
		 MEDFW_ERR_FIELD_VALUE, "not both"},
		{"{\"mappings\":[{\"model\":\"M\",\"advisory_products\":[\"P\"],\"versions\":"
		 "\"<= 2\"}]}",
		 MEDFW_ERR_FIELD_VALUE, "mappings[0].versions"},
		{"{\"mappings\":[{\"model\":\"M\",\"csaf_products\":[{\"document\":\"D\"}]}]}",
		 MEDFW_ERR_FIELD_MISSING, "mappings[0].csaf_products[0].product_id"},
		{"{\"maps\":[]}", MEDFW_ERR_FIELD_VALUE, "unknown field \"maps\""},
	};
	static const char good[] =
		"{\"mappings\":[{\"model\":\"Infusion pump\",\"release\":\"L82\","
		"\"advisory_products\":[\"Infusomat\"]},{\"model\":\"DCMTK\",\"csaf_products\":["
		"{\"document\":\"ICSMA-22-174-01\",\"product_id\":\"CSAFPID-0001\"},"
		"{\"document\":\"ICSMA-00-000-00\",\"product_id\":\"X\"}]}]}";
	struct medfw_product_map *map = NULL;
	struct medfw_feed_set *set;
	struct medfw_vuln_index *idx = NULL;
	const struct medfw_match_problem *p;
	struct medfw_diag d;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		medfw_diag_clear(&d);
		assert_int_equal(medfw_product_map_parse("map.json", (const uint8_t *)bad[i].json,
							 strlen(bad[i].json), &map, &d),
				 bad[i].err);
		assert_null(map);
		if (strstr(d.msg, bad[i].msg) == NULL)
			fail_msg("case %zu: \"%s\" lacks \"%s\"", i, d.msg, bad[i].msg);
	}
	assert_int_equal(medfw_product_map_parse("map.json", (const uint8_t *)good, strlen(good),
						 &map, NULL),
			 MEDFW_OK);
	assert_int_equal(map->entry_count, 2);
	assert_string_equal(map->entries[0].versions, "vers:generic/L82");
	assert_int_equal(map->entries[1].csaf_product_count, 2);
	/* a CSAF product no loaded document defines is reported by the index */
	set = medfw_feed_set_new();
	load_feed(set, "csaf/cisa-icsma/icsma-22-174-01.json");
	assert_int_equal(medfw_vuln_index_new(set, map, &idx, NULL), MEDFW_OK);
	assert_int_equal(medfw_vuln_index_problem_count(idx), 1);
	p = medfw_vuln_index_problem(idx, 0);
	assert_string_equal(p->json_path, "mappings[1].csaf_products[1]");
	assert_non_null(strstr(p->message, "ICSMA-00-000-00"));
	medfw_vuln_index_free(idx);
	medfw_feed_set_free(set);
	medfw_product_map_free(map);
}

static void test_index_selects_candidates(void **state)
{
	struct fixture fx;
	size_t entries;

	(void)state;
	fixture_feeds(&fx);
	fixture_match(&fx);
	entries = medfw_vuln_index_entry_count(fx.index);
	/* 240+ evaluation units (the NVD page alone has 200), 17 components: far fewer
	 * evaluations than components x units */
	assert_true(entries > 230);
	assert_true(fx.result->evaluations > 0);
	assert_true(fx.result->evaluations < fx.result->components * entries / 20);
	fixture_free(&fx);
}

/* ------------------------------------------------- CSAF VEX through the product map */

/* A release of product NAME VERSION with log4j (which the feeds find CVE-2021-44228 in,
 * undetermined). */
static struct medfw_sbom *product_sbom(const char *name, const char *version)
{
	char json[1024];

	snprintf(json, sizeof(json),
		 "{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.6\",\"version\":1,"
		 "\"metadata\":{\"component\":{\"type\":\"firmware\",\"bom-ref\":\"product\","
		 "\"name\":\"%s\",\"version\":\"%s\"}},\"components\":["
		 "{\"type\":\"library\",\"bom-ref\":\"log4j2\",\"name\":\"Apache Log4j2\","
		 "\"version\":\"2.14.1\",\"supplier\":{\"name\":\"Apache Software Foundation\"}}]}",
		 name, version);
	return parse_sbom(json);
}

/* OASIS use case 6 names products only in words ("Example Company ABC 4.2"): the map
 * says which of its product ids is our ABC at which release. */
static const char vex_map_json[] =
	"{\"mappings\":["
	"{\"model\":\"ABC\",\"release\":\"4.2\",\"csaf_products\":"
	"[{\"document\":\"2022-EVD-UC-06-001\",\"product_id\":\"CSAFPID-0001\"}]},"
	"{\"model\":\"ABC\",\"versions\":\"vers:generic/>=2.4|<2.5\",\"csaf_products\":"
	"[{\"document\":\"2022-EVD-UC-06-001\",\"product_id\":\"CSAFPID-0002\"}]},"
	"{\"model\":\"ABC\",\"release\":\"9.9\",\"csaf_products\":"
	"[{\"document\":\"2022-EVD-UC-06-001\",\"product_id\":\"CSAFPID-0099\"}]},"
	"{\"model\":\"ABC\",\"csaf_products\":"
	"[{\"document\":\"NO-SUCH-DOC\",\"product_id\":\"CSAFPID-0001\"}]}]}";

#define VEX_MAP_SBOMS 4

struct vex_map_run {
	struct medfw_feed_set *feeds;
	struct medfw_product_map *map;
	struct medfw_vuln_index *index;
	struct medfw_sbom *sbom[VEX_MAP_SBOMS]; /* ABC 4.2, ABC 2.4, ABC 4.3, DEF 4.2 */
	struct medfw_match_result *result;
};

static void vex_map_match(struct vex_map_run *r, const char *map_json,
			  struct medfw_vex_doc *const *vex, size_t vex_count, int tell_index)
{
	static const char *const names[VEX_MAP_SBOMS] = {"abc-4.2", "abc-2.4", "abc-4.3",
							  "def-4.2"};
	struct medfw_match_sbom s[VEX_MAP_SBOMS];
	struct medfw_diag d;
	enum medfw_err err;
	size_t i;

	memset(r, 0, sizeof(*r));
	r->feeds = medfw_feed_set_new();
	assert_non_null(r->feeds);
	for (i = 0; i < sizeof(feed_paths) / sizeof(feed_paths[0]); i++)
		load_feed(r->feeds, feed_paths[i]);
	if (map_json != NULL)
		assert_int_equal(medfw_product_map_parse("vex-map.json", (const uint8_t *)map_json,
							 strlen(map_json), &r->map, NULL),
				 MEDFW_OK);
	r->sbom[0] = product_sbom("ABC", "4.2");
	r->sbom[1] = product_sbom("ABC", "2.4");
	r->sbom[2] = product_sbom("ABC", "4.3");
	r->sbom[3] = product_sbom("DEF", "4.2");
	for (i = 0; i < VEX_MAP_SBOMS; i++) {
		s[i].sbom = r->sbom[i];
		s[i].source = names[i];
	}
	medfw_diag_clear(&d);
	err = tell_index ? medfw_vuln_index_new_vex(r->feeds, r->map,
						   (const struct medfw_vex_doc *const *)vex,
						   vex_count, &r->index, &d)
			 : medfw_vuln_index_new(r->feeds, r->map, &r->index, &d);
	if (err != MEDFW_OK)
		fail_msg("index: %s", medfw_diag_message(&d, err));
	err = medfw_vuln_match(r->index, s, VEX_MAP_SBOMS, (const struct medfw_vex_doc *const *)vex,
			       vex_count, &r->result, &d);
	if (err != MEDFW_OK)
		fail_msg("match: %s", medfw_diag_message(&d, err));
}

static void vex_map_free(struct vex_map_run *r)
{
	size_t i;

	medfw_match_result_free(r->result);
	medfw_vuln_index_free(r->index);
	medfw_product_map_free(r->map);
	medfw_feed_set_free(r->feeds);
	for (i = 0; i < VEX_MAP_SBOMS; i++)
		medfw_sbom_free(r->sbom[i]);
}

static const struct medfw_finding *vex_map_finding(const struct vex_map_run *r, size_t sbom,
						   const char *ref)
{
	size_t i;

	for (i = 0; i < r->result->finding_count; i++) {
		const struct medfw_finding *f = &r->result->findings[i];

		if (f->sbom_index == sbom && strcmp(f->component->ref, ref) == 0 &&
		    strcmp(f->vuln_id, "CVE-2021-44228") == 0)
			return f;
	}
	return NULL;
}

static const struct medfw_finding *vex_map_must(const struct vex_map_run *r, size_t sbom,
						const char *ref)
{
	const struct medfw_finding *f = vex_map_finding(r, sbom, ref);

	if (f == NULL)
		fail_msg("no CVE-2021-44228 finding for %s in SBOM %zu", ref, sbom);
	return f;
}

static void test_vex_csaf_product_map(void **state)
{
	struct medfw_vex_doc *vex[2];
	struct vex_map_run r;
	const struct medfw_finding *f;
	const struct medfw_match_problem *p;
	size_t i;

	(void)state;
	vex[0] = load_vex("csaf/oasis-examples/csaf_vex/2022-evd-uc-06-001.json");
	assert_int_equal(vex[0]->format, MEDFW_VEX_CSAF);
	assert_null(vex[0]->statements[0].product->helper.purl); /* names only */

	/* without the map, nothing ties the document's products to our components */
	vex_map_match(&r, NULL, vex, 1, 1);
	for (i = 0; i < VEX_MAP_SBOMS; i++) {
		f = vex_map_must(&r, i, "log4j2");
		assert_null(f->vex);
		assert_int_equal(f->status, MEDFW_FINDING_UNDETERMINED);
		assert_null(vex_map_finding(&r, i, "product"));
	}
	vex_map_free(&r);

	vex_map_match(&r, vex_map_json, vex, 1, 1);
	/* ABC 4.2 is CSAFPID-0001, known_not_affected: log4j in it is not affected */
	f = vex_map_must(&r, 0, "log4j2");
	assert_int_equal(f->sources_outcome, MEDFW_VULN_UNDETERMINED);
	assert_int_equal(f->status, MEDFW_FINDING_NOT_AFFECTED);
	assert_non_null(f->vex);
	assert_ptr_equal(f->vex_doc, vex[0]);
	assert_false(f->vex_direct);
	assert_string_equal(f->vex->product_id, "CSAFPID-0001");
	assert_string_equal(f->vex->json_path,
			    "vulnerabilities[0].product_status.known_not_affected[0]");
	assert_non_null(strstr(f->vex_rule,
			       "product mapping \"Example Company ABC 4.2\" -> ABC"));
	assert_non_null(strstr(f->vex_rule, "vers:generic/4.2"));
	assert_null(vex_map_finding(&r, 0, "product")); /* not_affected makes no finding */
	/* ABC 2.4 is CSAFPID-0002, known_affected: the product itself is a finding (only
	 * the VEX names it) and log4j in it is affected */
	f = vex_map_must(&r, 1, "product");
	assert_int_equal(f->status, MEDFW_FINDING_AFFECTED);
	assert_int_equal(f->evidence_count, 0);
	assert_true(f->vex_direct);
	assert_string_equal(f->vex->product_id, "CSAFPID-0002");
	assert_non_null(strstr(f->vex_rule, "2.4 in vers:generic/>=2.4|<2.5"));
	f = vex_map_must(&r, 1, "log4j2");
	assert_int_equal(f->status, MEDFW_FINDING_AFFECTED);
	assert_false(f->vex_direct);
	assert_string_equal(f->vex->json_path,
			    "vulnerabilities[0].product_status.known_affected[0]");
	/* ABC 4.3 is no mapped release, DEF is another model: no statement applies */
	for (i = 2; i < VEX_MAP_SBOMS; i++) {
		f = vex_map_must(&r, i, "log4j2");
		assert_null(f->vex);
		assert_int_equal(f->status, MEDFW_FINDING_UNDETERMINED);
		assert_null(vex_map_finding(&r, i, "product"));
	}
	/* the VEX document defines two of the four products named: the other two (an
	 * unknown product id of it, an unknown document) are problems */
	assert_int_equal(medfw_vuln_index_problem_count(r.index), 2);
	p = medfw_vuln_index_problem(r.index, 0);
	assert_string_equal(p->source, "vex-map.json");
	assert_string_equal(p->json_path, "mappings[2].csaf_products[0]");
	assert_non_null(strstr(p->message, "CSAFPID-0099"));
	p = medfw_vuln_index_problem(r.index, 1);
	assert_string_equal(p->json_path, "mappings[3].csaf_products[0]");
	assert_non_null(strstr(p->message, "NO-SUCH-DOC"));
	assert_null(medfw_vuln_index_problem(r.index, 2));
	vex_map_free(&r);

	/* an index not told about the VEX documents: the same statements apply (resolved
	 * at the match), but it cannot know that the document defines the products */
	vex_map_match(&r, vex_map_json, vex, 1, 0);
	assert_int_equal(vex_map_must(&r, 0, "log4j2")->status, MEDFW_FINDING_NOT_AFFECTED);
	assert_int_equal(vex_map_must(&r, 1, "product")->status, MEDFW_FINDING_AFFECTED);
	assert_null(vex_map_must(&r, 2, "log4j2")->vex);
	assert_int_equal(medfw_vuln_index_problem_count(r.index), 4);
	assert_string_equal(medfw_vuln_index_problem(r.index, 0)->json_path,
			    "mappings[0].csaf_products[0]");
	vex_map_free(&r);
	medfw_vex_free(vex[0]);
}

static void test_vex_csaf_product_map_precedence(void **state)
{
	/* about log4j in ABC 4.2 itself, newer than the CSAF document (2022-03-03) */
	static const char newer[] =
		"{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.6\",\"vulnerabilities\":["
		"{\"id\":\"CVE-2021-44228\",\"analysis\":{\"state\":\"exploitable\","
		"\"lastUpdated\":\"2023-01-10T00:00:00Z\"},\"affects\":[{\"ref\":\"log4j2\"}]}]}";
	/* the same, older */
	static const char older[] =
		"{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.6\",\"vulnerabilities\":["
		"{\"id\":\"CVE-2021-44228\",\"analysis\":{\"state\":\"exploitable\","
		"\"lastUpdated\":\"2021-12-15T00:00:00Z\"},\"affects\":[{\"ref\":\"log4j2\"}]}]}";
	static const char one_map[] =
		"{\"mappings\":[{\"model\":\"ABC\",\"release\":\"4.2\",\"csaf_products\":"
		"[{\"document\":\"2022-EVD-UC-06-001\",\"product_id\":\"CSAFPID-0001\"}]}]}";
	struct medfw_vex_doc *vex[2];
	struct vex_map_run r;
	const struct medfw_finding *f;

	(void)state;
	vex[0] = load_vex("csaf/oasis-examples/csaf_vex/2022-evd-uc-06-001.json");
	vex[1] = parse_vex_text("newer.json", newer);
	vex_map_match(&r, one_map, vex, 2, 1);
	f = vex_map_must(&r, 0, "log4j2");
	assert_int_equal(f->status, MEDFW_FINDING_AFFECTED);
	assert_ptr_equal(f->vex_doc, vex[1]);
	assert_true(f->vex_direct);
	assert_int_equal(medfw_vuln_index_problem_count(r.index), 0);
	vex_map_free(&r);
	medfw_vex_free(vex[1]);

	/* the CSAF statement about the product is the newer one now */
	vex[1] = parse_vex_text("older.json", older);
	vex_map_match(&r, one_map, vex, 2, 1);
	f = vex_map_must(&r, 0, "log4j2");
	assert_int_equal(f->status, MEDFW_FINDING_NOT_AFFECTED);
	assert_ptr_equal(f->vex_doc, vex[0]);
	assert_false(f->vex_direct);
	/* ABC 4.3: only the CycloneDX statement about log4j applies */
	f = vex_map_must(&r, 2, "log4j2");
	assert_int_equal(f->status, MEDFW_FINDING_AFFECTED);
	assert_ptr_equal(f->vex_doc, vex[1]);
	vex_map_free(&r);
	medfw_vex_free(vex[1]);
	medfw_vex_free(vex[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_detect_real_feeds),
		cmocka_unit_test(test_bad_records_skipped),
		cmocka_unit_test(test_depth_bound),
		cmocka_unit_test(test_dir_list),
		cmocka_unit_test(test_record_seen_twice),
		cmocka_unit_test(test_repeated_package_is_keyed),
		cmocka_unit_test(test_outcomes_per_feed),
		cmocka_unit_test(test_combined_outcome),
		cmocka_unit_test(test_alias_join),
		cmocka_unit_test(test_red_hat_upstream_join),
		cmocka_unit_test(test_vex_cyclonedx),
		cmocka_unit_test(test_vex_precedence),
		cmocka_unit_test(test_vex_csaf),
		cmocka_unit_test(test_vex_rejected),
		cmocka_unit_test(test_vex_csaf_product_map),
		cmocka_unit_test(test_vex_csaf_product_map_precedence),
		cmocka_unit_test(test_pedigree),
		cmocka_unit_test(test_kev_and_priority),
		cmocka_unit_test(test_product_map),
		cmocka_unit_test(test_index_selects_candidates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
