/* The store's vulnerability layer (medfw/store_vuln.h) on SQLite: release SBOMs, feed
 * imports (incremental counts, broken records skipped, broken files storing nothing),
 * VEX documents and statements, re-evaluation (findings, fixed_by, history with causes,
 * nothing rewritten when nothing changed, unmatched findings), SLA policies and the
 * sites' exposures under a test clock (due dates, KEV due dates, overdue, closing when
 * the fleet moves on, time to remediate), site scopes, the report, and a timing of
 * import and re-evaluation (printed, not asserted; MEDFW_VULN_SCALE=records,components,
 * releases sets the size). */
#include "testutil.h"

#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "medfw/cvss.h"
#include "medfw/json.h"
#include "medfw/num.h"
#include "medfw/store.h"
#include "medfw/store_vuln.h"
#include "medfw/vuln_matcher.h"
#include "store/store_internal.h"
#include "store/vuln_scan_int.h"

#define DAY 86400
#define SHA_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define SHA_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define SHA_S "5555555555555555555555555555555555555555555555555555555555555555"
#define CRITICAL "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"

struct fixture {
	char *dir;
	char path[4096];
	struct medfw_ctx *ctx;
	struct medfw_store *store;
	int64_t now;
	int64_t site_a, site_b, user;
};

static int64_t test_clock(void *user)
{
	return ((struct fixture *)user)->now;
}

static int64_t make_site(struct fixture *f, const char *name)
{
	struct medfw_store_site s;

	memset(&s, 0, sizeof(s));
	snprintf(s.name, sizeof(s.name), "%s", name);
	snprintf(s.time_zone, sizeof(s.time_zone), "UTC");
	assert_int_equal(medfw_store_site_create(f->store, &s, NULL), MEDFW_OK);
	return s.id;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct medfw_store_user u;
	struct medfw_diag d;

	assert_non_null(f);
	f->dir = tu_tmpdir_new();
	tu_path(f->path, sizeof(f->path), f->dir, "medfwd.db");
	f->ctx = medfw_ctx_new();
	f->now = 1700000000; /* 2023-11-14T22:13:20Z */
	medfw_ctx_set_clock(f->ctx, test_clock, f);
	medfw_diag_clear(&d);
	assert_int_equal(medfw_store_open(f->ctx, f->path, &f->store, &d), MEDFW_OK);
	f->site_a = make_site(f, "General Hospital");
	f->site_b = make_site(f, "St. Elsewhere");
	memset(&u, 0, sizeof(u));
	snprintf(u.username, sizeof(u.username), "secofficer");
	snprintf(u.display_name, sizeof(u.display_name), "Sec Officer");
	u.role = MEDFW_ROLE_SECURITY_OFFICER;
	snprintf(u.password_hash, sizeof(u.password_hash), "$argon2id$v=19$m=65536,t=3,p=1$x$y");
	assert_int_equal(medfw_store_user_create(f->store, &u, NULL), MEDFW_OK);
	f->user = u.id;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	medfw_store_close(f->store);
	medfw_ctx_free(f->ctx);
	tu_tmpdir_free(f->dir);
	free(f);
	return 0;
}

/* ---------------------------------------------------------------- builders */

/* A CycloneDX 1.6 SBOM of product "Pump" `version` with packages name@version (PyPI
 * purls), n of them. */
static struct medfw_sbom *sbom_of(const char *version, const char *const *names,
				  const char *const *versions, size_t n)
{
	struct medfw_buf b;
	struct medfw_sbom *s = NULL;
	struct medfw_diag d;

	medfw_buf_init(&b, 1u << 24);
	assert_int_equal(medfw_buf_printf(&b,
					  "{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.6\","
					  "\"version\":1,\"metadata\":{\"component\":{\"type\":"
					  "\"firmware\",\"bom-ref\":\"product\",\"name\":\"Pump\","
					  "\"version\":\"%s\"}},\"components\":[",
					  version),
			 MEDFW_OK);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(medfw_buf_printf(&b,
						  "%s{\"type\":\"library\",\"bom-ref\":\"%s\","
						  "\"name\":\"%s\",\"version\":\"%s\",\"purl\":"
						  "\"pkg:pypi/%s@%s\"}",
						  i ? "," : "", names[i], names[i], versions[i],
						  names[i], versions[i]),
				 MEDFW_OK);
	assert_int_equal(medfw_buf_append_str(&b, "]}"), MEDFW_OK);
	medfw_diag_clear(&d);
	assert_int_equal(medfw_sbom_parse(b.data, b.len, NULL, &s, &d), MEDFW_OK);
	medfw_buf_free(&b);
	return s;
}

static void put_release(struct fixture *f, const char *target, const char *sha,
			const char *date, int64_t secver, struct medfw_sbom *sbom, int *replaced)
{
	struct medfw_store_release_sbom m;
	struct medfw_diag d;

	memset(&m, 0, sizeof(m));
	snprintf(m.target_name, sizeof(m.target_name), "%s", target);
	snprintf(m.target_sha256, sizeof(m.target_sha256), "%s", sha);
	snprintf(m.product_version, sizeof(m.product_version), "%s", target);
	snprintf(m.release_date, sizeof(m.release_date), "%s", date);
	snprintf(m.sbom_sha256, sizeof(m.sbom_sha256), "%s", SHA_S);
	m.security_version = secver;
	m.created_by = f->user;
	medfw_diag_clear(&d);
	assert_int_equal(medfw_store_release_sbom_put(f->store, &m, sbom, replaced, &d), MEDFW_OK);
	assert_string_equal(m.model, "Pump");
	medfw_sbom_free(sbom);
}

/* One OSV record: package `pkg` affected from 0 to `fixed`, critical, alias `cve`. */
static void osv_record(struct medfw_buf *b, const char *id, const char *modified,
		       const char *cve, const char *pkg, const char *fixed)
{
	assert_int_equal(
		medfw_buf_printf(b,
				 "{\"id\":\"%s\",\"modified\":\"%s\",\"aliases\":[\"%s\"],"
				 "\"affected\":[{\"package\":{\"ecosystem\":\"PyPI\",\"name\":\"%s\","
				 "\"purl\":\"pkg:pypi/%s\"},\"ranges\":[{\"type\":\"ECOSYSTEM\","
				 "\"events\":[{\"introduced\":\"0\"},{\"fixed\":\"%s\"}]}]}],"
				 "\"severity\":[{\"type\":\"CVSS_V3\",\"score\":\"" CRITICAL "\"}]}",
				 id, modified, cve, pkg, pkg, fixed),
		MEDFW_OK);
}

static enum medfw_err import_text(struct fixture *f, const char *name, const char *text,
				  struct medfw_store_vuln_import *out, struct medfw_diag *d)
{
	medfw_diag_clear(d);
	return medfw_store_vuln_import(f->store, name, (const uint8_t *)text, strlen(text), out, d);
}

static void import_file(struct fixture *f, const char *rel, struct medfw_store_vuln_import *out)
{
	char path[4096];
	struct medfw_buf b;
	struct medfw_diag d;

	tu_shared_path(path, sizeof(path), rel);
	tu_read_file(path, &b);
	medfw_diag_clear(&d);
	assert_int_equal(medfw_store_vuln_import(f->store, rel, b.data, b.len, out, &d), MEDFW_OK);
	medfw_buf_free(&b);
}

static void reevaluate(struct fixture *f, enum medfw_store_vuln_cause cause, const char *detail,
		       struct medfw_store_vuln_eval_stats *st)
{
	struct medfw_diag d;

	medfw_diag_clear(&d);
	assert_int_equal(medfw_store_vuln_reevaluate(f->store, cause, detail, st, &d), MEDFW_OK);
}

struct collected {
	size_t n;
	struct medfw_store_finding f[16];
	char detail[16][8192];
};

static enum medfw_err collect(void *user, const struct medfw_store_finding *f, const char *detail,
			      size_t len, struct medfw_diag *diag)
{
	struct collected *c = user;

	(void)diag;
	assert_int_equal(strlen(detail), len);
	if (c->n < 16) {
		c->f[c->n] = *f;
		snprintf(c->detail[c->n], sizeof(c->detail[0]), "%s", detail);
	}
	c->n++;
	return MEDFW_OK;
}

static struct collected *findings_of(struct fixture *f, const char *target, int64_t *total)
{
	struct medfw_store_finding_filter filter;
	struct collected *c = calloc(1, sizeof(*c));
	struct medfw_diag d;

	assert_non_null(c);
	memset(&filter, 0, sizeof(filter));
	filter.kev = -1;
	snprintf(filter.target_name, sizeof(filter.target_name), "%s", target);
	medfw_diag_clear(&d);
	assert_int_equal(medfw_store_finding_list(f->store, &filter, 0, 100, collect, c, total, &d),
			 MEDFW_OK);
	return c;
}

static int64_t make_device(struct fixture *f, int64_t site, const char *serial, const char *sha)
{
	struct medfw_store_device dev;

	memset(&dev, 0, sizeof(dev));
	dev.site_id = site;
	snprintf(dev.serial, sizeof(dev.serial), "%s", serial);
	snprintf(dev.model, sizeof(dev.model), "InfuPump 3");
	snprintf(dev.image_sha256, sizeof(dev.image_sha256), "%s", sha);
	dev.image_is_signed_release = MEDFW_TRI_UNKNOWN;
	dev.enrolment_state = MEDFW_ENROLMENT_ENROLLED;
	assert_int_equal(medfw_store_device_create(f->store, &dev, NULL), MEDFW_OK);
	return dev.id;
}

static void device_runs(struct fixture *f, int64_t id, const char *sha)
{
	struct medfw_store_checkin c;

	memset(&c, 0, sizeof(c));
	snprintf(c.image_sha256, sizeof(c.image_sha256), "%s", sha);
	snprintf(c.firmware_version, sizeof(c.firmware_version), "x");
	c.image_is_signed_release = MEDFW_TRI_YES;
	c.now = f->now;
	assert_int_equal(medfw_store_device_checkin(f->store, id, &c, NULL), MEDFW_OK);
}

/* Two releases of "Pump": A (2024-01-10) ships foo 1.0, B (2024-03-01) foo 2.0; one
 * OSV record says foo < 1.5 is affected (critical, CVE-2024-1111). */
static void two_releases(struct fixture *f)
{
	static const char *const foo[] = {"foo", "bar"};
	static const char *const va[] = {"1.0", "3.0"}, *const vb[] = {"2.0", "3.0"};
	struct medfw_store_vuln_import imp;
	struct medfw_buf b;
	struct medfw_diag d;

	put_release(f, "pump/fw-1.img", SHA_A, "2024-01-10", 3, sbom_of("1", foo, va, 2), NULL);
	put_release(f, "pump/fw-2.img", SHA_B, "2024-03-01", 3, sbom_of("2", foo, vb, 2), NULL);
	medfw_buf_init(&b, 1u << 20);
	osv_record(&b, "PYSEC-2024-1", "2024-02-01T00:00:00Z", "CVE-2024-1111", "foo", "1.5");
	assert_int_equal(import_text(f, "foo.osv.json", (const char *)b.data, &imp, &d), MEDFW_OK);
	assert_int_equal(imp.added, 1);
	medfw_buf_free(&b);
}

/* ---------------------------------------------------------------- tests */

static void test_names_and_policy_days(void **state)
{
	enum medfw_store_finding_status st;
	enum medfw_store_severity sev;
	struct medfw_store_sla_policy p;

	(void)state;
	assert_string_equal(medfw_store_finding_status_name(MEDFW_STORE_FINDING_UNMATCHED),
			    "unmatched");
	assert_null(medfw_store_finding_status_name((enum medfw_store_finding_status)0));
	assert_null(medfw_store_finding_status_name((enum medfw_store_finding_status)7));
	assert_int_equal(medfw_store_finding_status_parse("under_investigation", &st), MEDFW_OK);
	assert_int_equal(st, MEDFW_STORE_FINDING_UNDER_INVESTIGATION);
	assert_int_equal(medfw_store_finding_status_parse("safe", &st), MEDFW_ERR_FIELD_VALUE);
	assert_int_equal(st, 0);
	assert_true(medfw_store_finding_status_open(MEDFW_STORE_FINDING_UNDETERMINED));
	assert_false(medfw_store_finding_status_open(MEDFW_STORE_FINDING_FIXED));
	assert_false(medfw_store_finding_status_open(MEDFW_STORE_FINDING_UNMATCHED));
	assert_int_equal(medfw_store_severity_parse("critical", &sev), MEDFW_OK);
	assert_int_equal(sev, MEDFW_STORE_SEVERITY_CRITICAL);
	assert_int_equal(medfw_store_severity_parse("urgent", &sev), MEDFW_ERR_FIELD_VALUE);
	assert_int_equal(medfw_store_severity_of_score(MEDFW_CVSS_NO_SCORE),
			 MEDFW_STORE_SEVERITY_NONE);
	assert_int_equal(medfw_store_severity_of_score(0), MEDFW_STORE_SEVERITY_NONE);
	assert_int_equal(medfw_store_severity_of_score(1), MEDFW_STORE_SEVERITY_LOW);
	assert_int_equal(medfw_store_severity_of_score(39), MEDFW_STORE_SEVERITY_LOW);
	assert_int_equal(medfw_store_severity_of_score(40), MEDFW_STORE_SEVERITY_MEDIUM);
	assert_int_equal(medfw_store_severity_of_score(69), MEDFW_STORE_SEVERITY_MEDIUM);
	assert_int_equal(medfw_store_severity_of_score(70), MEDFW_STORE_SEVERITY_HIGH);
	assert_int_equal(medfw_store_severity_of_score(89), MEDFW_STORE_SEVERITY_HIGH);
	assert_int_equal(medfw_store_severity_of_score(90), MEDFW_STORE_SEVERITY_CRITICAL);
	assert_string_equal(medfw_store_vuln_cause_name(MEDFW_STORE_CAUSE_FLEET), "fleet");
	assert_null(medfw_store_vuln_cause_name((enum medfw_store_vuln_cause)9));
	memset(&p, 0, sizeof(p));
	p.critical_days = 30;
	p.high_days = 60;
	p.medium_days = 90;
	p.low_days = 180;
	p.kev_days = 15;
	assert_int_equal(medfw_store_sla_days(&p, MEDFW_STORE_SEVERITY_CRITICAL, 0), 30);
	assert_int_equal(medfw_store_sla_days(&p, MEDFW_STORE_SEVERITY_LOW, 0), 180);
	/* unscored counts as high: never as safe */
	assert_int_equal(medfw_store_sla_days(&p, MEDFW_STORE_SEVERITY_NONE, 0), 60);
	assert_int_equal(medfw_store_sla_days(&p, MEDFW_STORE_SEVERITY_LOW, 1), 15);
	p.kev_days = 45; /* KEV never gives more time than the severity does */
	assert_int_equal(medfw_store_sla_days(&p, MEDFW_STORE_SEVERITY_CRITICAL, 1), 30);
}

static void test_sbom_put_get_and_refusals(void **state)
{
	static const char *const names[] = {"foo", "bar"}, *const versions[] = {"1.0", "2.0"};
	struct fixture *f = *state;
	struct medfw_store_release_sbom got, list[4];
	struct medfw_store_sbom_component comps[4];
	struct medfw_sbom *sbom = NULL, *again;
	struct medfw_buf b;
	struct medfw_diag d;
	struct medfw_store_release_sbom bad;
	int64_t total = 0, gen = 0, evaluated = 0;
	size_t n = 0;
	int replaced = -1;

	put_release(f, "pump/fw-1.img", SHA_A, "2024-01-10", 3, sbom_of("1", names, versions, 2),
		    &replaced);
	assert_int_equal(replaced, 0);
	assert_int_equal(medfw_store_vuln_generation(f->store, &gen, &evaluated, NULL), MEDFW_OK);
	assert_int_equal(gen, 1);
	assert_int_equal(evaluated, 0);
	medfw_buf_init(&b, MEDFW_SBOM_MAX_BYTES);
	medfw_diag_clear(&d);
	assert_int_equal(medfw_store_release_sbom_get(f->store, "pump/fw-1.img", &got, &b, &d),
			 MEDFW_OK);
	assert_string_equal(got.model, "Pump");
	assert_string_equal(got.format, "CycloneDX");
	assert_int_equal(got.component_count, 3); /* the product and its two packages */
	assert_int_equal(got.created_at, f->now);
	assert_int_equal(got.created_by, f->user);
	/* the stored export is canonical CycloneDX: it parses and exports to the same bytes */
	assert_int_equal(medfw_sbom_parse(b.data, b.len, NULL, &sbom, &d), MEDFW_OK);
	assert_int_equal(sbom->component_count, 3);
	medfw_sbom_free(sbom);
	medfw_buf_free(&b);
	/* by the image hash, either case; components in order */
	assert_int_equal(medfw_store_release_sbom_by_image(
				 f->store,
				 "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
				 &got, NULL, &d),
			 MEDFW_OK);
	assert_string_equal(got.target_name, "pump/fw-1.img");
	assert_int_equal(medfw_store_release_sbom_by_image(f->store, SHA_B, &got, NULL, &d),
			 MEDFW_ERR_NOT_FOUND);
	tu_assert_zeroed(&got, sizeof(got));
	assert_int_equal(medfw_store_release_sbom_components(f->store, "pump/fw-1.img", 0, comps, 4,
							     &n, &d),
			 MEDFW_OK);
	assert_int_equal(n, 3);
	assert_string_equal(comps[1].name, "foo");
	assert_string_equal(comps[1].purl, "pkg:pypi/foo@1.0");
	assert_string_equal(comps[2].version, "2.0");
	/* replaced: the same target again */
	f->now += 60;
	put_release(f, "pump/fw-1.img", SHA_A, "2024-01-10", 3, sbom_of("1", names, versions, 1),
		    &replaced);
	assert_int_equal(replaced, 1);
	assert_int_equal(medfw_store_release_sbom_list(f->store, 0, list, 4, &n, &total, &d),
			 MEDFW_OK);
	assert_int_equal(n, 1);
	assert_int_equal(total, 1);
	assert_int_equal(list[0].component_count, 2);
	assert_int_equal(list[0].created_at, f->now - 60);
	assert_int_equal(list[0].updated_at, f->now);
	/* refusals name the field and store nothing */
	again = sbom_of("9", names, versions, 2);
	memset(&bad, 0, sizeof(bad));
	snprintf(bad.target_name, sizeof(bad.target_name), "pump/fw-9.img");
	snprintf(bad.target_sha256, sizeof(bad.target_sha256), "%s", "XYZ");
	snprintf(bad.sbom_sha256, sizeof(bad.sbom_sha256), "%s", SHA_S);
	medfw_diag_clear(&d);
	assert_int_equal(medfw_store_release_sbom_put(f->store, &bad, again, NULL, &d),
			 MEDFW_ERR_FIELD_VALUE);
	assert_non_null(strstr(d.msg, "target_sha256"));
	snprintf(bad.target_sha256, sizeof(bad.target_sha256), "%s", SHA_B);
	snprintf(bad.release_date, sizeof(bad.release_date), "2024-13-01");
	medfw_diag_clear(&d);
	assert_int_equal(medfw_store_release_sbom_put(f->store, &bad, again, NULL, &d),
			 MEDFW_ERR_FIELD_VALUE);
	assert_non_null(strstr(d.msg, "release_date"));
	bad.release_date[0] = '\0';
	bad.target_name[0] = '\0';
	medfw_diag_clear(&d);
	assert_int_equal(medfw_store_release_sbom_put(f->store, &bad, again, NULL, &d),
			 MEDFW_ERR_FIELD_MISSING);
	medfw_sbom_free(again);
	assert_int_equal(medfw_store_release_sbom_get(f->store, "pump/fw-9.img", &got, NULL, &d),
			 MEDFW_ERR_NOT_FOUND);
	assert_int_equal(medfw_store_vuln_generation(f->store, &gen, &evaluated, NULL), MEDFW_OK);
	assert_int_equal(gen, 2);
}

static void test_import_incremental_counts(void **state)
{
	struct fixture *f = *state;
	struct medfw_store_vuln_import imp;
	struct medfw_store_vuln_record rec;
	struct medfw_buf b, j;
	struct medfw_diag d;
	int64_t counts[MEDFW_FEED_FORMAT_COUNT], gen = 0, ev = 0;
	json_t *parsed = NULL;

	/* an OSV array: two good records and one the parser refuses */
	medfw_buf_init(&b, 1u << 20);
	assert_int_equal(medfw_buf_append_str(&b, "["), MEDFW_OK);
	osv_record(&b, "PYSEC-1", "2024-01-01T00:00:00Z", "CVE-2024-0001", "foo", "1.5");
	assert_int_equal(medfw_buf_append_str(&b, ","), MEDFW_OK);
	osv_record(&b, "PYSEC-2", "2024-01-01T00:00:00Z", "CVE-2024-0002", "bar", "2.5");
	assert_int_equal(medfw_buf_append_str(&b, ",{\"id\":\"PYSEC-3\",\"modified\":\"yesterday\"}]"),
			 MEDFW_OK);
	assert_int_equal(import_text(f, "batch.json", (const char *)b.data, &imp, &d), MEDFW_OK);
	assert_int_equal(imp.added, 2);
	assert_int_equal(imp.updated, 0);
	assert_int_equal(imp.unchanged, 0);
	assert_int_equal(imp.rejected, 1);
	assert_int_equal(imp.records[MEDFW_FEED_OSV], 2);
	assert_int_equal(imp.problem_count, 1);
	assert_string_equal(imp.problems[0].json_path, "[2]");
	assert_true(strlen(imp.problems[0].message) > 0);
	assert_int_equal(medfw_store_vuln_generation(f->store, &gen, &ev, NULL), MEDFW_OK);
	assert_int_equal(gen, 1);
	/* the same file again: nothing changes, not even the generation */
	assert_int_equal(import_text(f, "batch.json", (const char *)b.data, &imp, &d), MEDFW_OK);
	assert_int_equal(imp.added, 0);
	assert_int_equal(imp.updated, 0);
	assert_int_equal(imp.unchanged, 2);
	assert_int_equal(imp.rejected, 1);
	assert_int_equal(medfw_store_vuln_generation(f->store, &gen, &ev, NULL), MEDFW_OK);
	assert_int_equal(gen, 1);
	medfw_buf_free(&b);
	/* a newer PYSEC-1 updates it; an older PYSEC-2 does not; equal dates: unchanged */
	medfw_buf_init(&b, 1u << 20);
	assert_int_equal(medfw_buf_append_str(&b, "["), MEDFW_OK);
	osv_record(&b, "PYSEC-1", "2024-02-01T00:00:00Z", "CVE-2024-0001", "foo", "1.6");
	assert_int_equal(medfw_buf_append_str(&b, ","), MEDFW_OK);
	osv_record(&b, "PYSEC-2", "2023-12-01T00:00:00Z", "CVE-2024-0002", "bar", "9.9");
	assert_int_equal(medfw_buf_append_str(&b, "]"), MEDFW_OK);
	f->now += 3600;
	assert_int_equal(import_text(f, "update.json", (const char *)b.data, &imp, &d), MEDFW_OK);
	assert_int_equal(imp.added, 0);
	assert_int_equal(imp.updated, 1);
	assert_int_equal(imp.unchanged, 1);
	assert_int_equal(imp.rejected, 0);
	medfw_buf_free(&b);
	medfw_buf_init(&j, 1u << 20);
	assert_int_equal(medfw_store_vuln_record_get(f->store, MEDFW_FEED_OSV, "PYSEC-1", &rec, &j,
						     &d),
			 MEDFW_OK);
	assert_string_equal(rec.modified, "2024-02-01T00:00:00Z");
	assert_string_equal(rec.source, "update.json");
	assert_string_equal(rec.json_path, "[0]");
	assert_int_equal(rec.imported_at, f->now - 3600);
	assert_int_equal(rec.updated_at, f->now);
	/* the record is kept as its own JSON: the element, not the whole file */
	assert_int_equal(medfw_json_parse(j.data, j.len, j.len, 16, &parsed, &d), MEDFW_OK);
	assert_string_equal(json_string_value(json_object_get(parsed, "id")), "PYSEC-1");
	assert_non_null(strstr((const char *)j.data, "\"fixed\":\"1.6\""));
	json_decref(parsed);
	medfw_buf_free(&j);
	assert_int_equal(medfw_store_vuln_record_get(f->store, MEDFW_FEED_NVD, "PYSEC-1", &rec,
						     NULL, &d),
			 MEDFW_ERR_NOT_FOUND);
	tu_assert_zeroed(&rec, sizeof(rec));
	assert_int_equal(medfw_store_vuln_generation(f->store, &gen, &ev, NULL), MEDFW_OK);
	assert_int_equal(gen, 2);

	/* broken files store nothing and name the place */
	assert_int_equal(import_text(f, "broken.json", "{\"id\": \"PYSEC-9\", ", &imp, &d),
			 MEDFW_ERR_JSON_SYNTAX);
	assert_non_null(strstr(d.msg, "broken.json"));
	assert_int_equal(imp.added + imp.rejected, 0);
	assert_int_equal(import_text(f, "what.json", "{\"hello\": 1}", &imp, &d),
			 MEDFW_ERR_FIELD_VALUE);
	assert_non_null(strstr(d.msg, "not a known feed format"));
	assert_int_equal(
		import_text(f, "kev.json",
			    "{\"title\":\"x\",\"catalogVersion\":\"1\",\"dateReleased\":"
			    "\"2024-01-01T00:00:00.000Z\",\"count\":1,\"vulnerabilities\":[{"
			    "\"cveID\":\"CVE-2024-0001\",\"vendorProject\":\"v\",\"product\":\"p\","
			    "\"vulnerabilityName\":\"n\",\"dateAdded\":\"2024-01-01\","
			    "\"shortDescription\":\"s\",\"requiredAction\":\"r\",\"dueDate\":"
			    "\"2024-02-31\"}]}",
			    &imp, &d),
		MEDFW_ERR_FIELD_VALUE);
	assert_non_null(strstr(d.msg, "vulnerabilities[0].dueDate"));
	assert_int_equal(import_text(f, "", "[]", &imp, &d), MEDFW_ERR_FIELD_MISSING);
	assert_int_equal(medfw_store_vuln_record_counts(f->store, counts, &d), MEDFW_OK);
	assert_int_equal(counts[MEDFW_FEED_OSV], 2);
	assert_int_equal(counts[MEDFW_FEED_KEV], 0);
	assert_int_equal(medfw_store_vuln_generation(f->store, &gen, &ev, NULL), MEDFW_OK);
	assert_int_equal(gen, 2);
}

static void test_import_real_feeds(void **state)
{
	struct fixture *f = *state;
	struct medfw_store_vuln_import imp;
	struct medfw_store_vuln_record rec;
	struct medfw_buf j;
	json_t *parsed = NULL;
	int64_t counts[MEDFW_FEED_FORMAT_COUNT];

	import_file(f, "nvd/pages/cves-2023-page.json", &imp);
	assert_int_equal(imp.records[MEDFW_FEED_NVD] + imp.rejected, 200);
	assert_int_equal(imp.added, imp.records[MEDFW_FEED_NVD]);
	import_file(f, "kev/known_exploited_vulnerabilities.subset.json", &imp);
	assert_int_equal(imp.added, 1);
	import_file(f, "cve5/CVE-2024-3094.json", &imp);
	assert_int_equal(imp.added, 1);
	import_file(f, "csaf/cisa-icsma/icsma-22-174-01.json", &imp);
	assert_int_equal(imp.added, 1);
	import_file(f, "nvd/pages/cves-2023-page.json", &imp);
	assert_int_equal(imp.added + imp.updated, 0);
	assert_int_equal(medfw_store_vuln_record_counts(f->store, counts, NULL), MEDFW_OK);
	assert_int_equal(counts[MEDFW_FEED_KEV], 1);
	assert_int_equal(counts[MEDFW_FEED_CVE5], 1);
	assert_int_equal(counts[MEDFW_FEED_CSAF], 1);
	/* a record of the page is kept as its own bytes: the "cve" object at its place */
	medfw_buf_init(&j, 1u << 20);
	assert_int_equal(medfw_store_vuln_record_get(f->store, MEDFW_FEED_NVD, "CVE-2022-23748",
						     &rec, &j, NULL),
			 MEDFW_OK);
	assert_string_equal(rec.source, "nvd/pages/cves-2023-page.json");
	assert_int_equal(strncmp(rec.json_path, "vulnerabilities[", 16), 0);
	assert_non_null(strstr(rec.json_path, "].cve"));
	assert_int_equal(medfw_json_parse(j.data, j.len, j.len, 64, &parsed, NULL), MEDFW_OK);
	assert_string_equal(json_string_value(json_object_get(parsed, "id")), "CVE-2022-23748");
	assert_non_null(json_object_get(parsed, "configurations"));
	json_decref(parsed);
	medfw_buf_free(&j);
}

/* Records whose place the byte scanner cannot follow (an escaped member name, an OSV
 * API answer) are cut from a parsed tree instead: stored all the same. */
static void test_import_escaped_member(void **state)
{
	struct fixture *f = *state;
	struct medfw_store_vuln_import imp;
	struct medfw_store_vuln_record rec;
	struct medfw_buf b, j;
	struct medfw_diag d;

	medfw_buf_init(&b, 1u << 20);
	assert_int_equal(medfw_buf_append_str(&b, "{\"\\u0076ulns\": [ "), MEDFW_OK);
	osv_record(&b, "PYSEC-1", "2024-01-01T00:00:00Z", "CVE-2024-0001", "foo", "1.5");
	assert_int_equal(medfw_buf_append_str(&b, " ,\n "), MEDFW_OK);
	/* strings holding the scanner's delimiters */
	assert_int_equal(medfw_buf_append_str(&b, "{\"id\":\"PYSEC-2\",\"modified\":"
						  "\"2024-01-01T00:00:00Z\",\"summary\":"
						  "\"a \\\"]}, [{ \\\\\",\"affected\":[]}"),
			 MEDFW_OK);
	assert_int_equal(medfw_buf_append_str(&b, "]}"), MEDFW_OK);
	assert_int_equal(import_text(f, "api.json", (const char *)b.data, &imp, &d), MEDFW_OK);
	assert_int_equal(imp.added, 2);
	medfw_buf_free(&b);
	medfw_buf_init(&j, 1u << 20);
	assert_int_equal(medfw_store_vuln_record_get(f->store, MEDFW_FEED_OSV, "PYSEC-2", &rec, &j,
						     NULL),
			 MEDFW_OK);
	assert_string_equal(rec.json_path, "vulns[1]");
	assert_non_null(strstr((const char *)j.data, "\"id\":\"PYSEC-2\""));
	medfw_buf_free(&j);
	/* the scanner itself over those strings: each record cut exactly */
	medfw_buf_init(&b, 1u << 20);
	assert_int_equal(medfw_buf_append_str(&b, "[ {\"id\":\"PYSEC-3\",\"modified\":"
						  "\"2024-01-01T00:00:00Z\",\"summary\":"
						  "\"a \\\"]}, [{ \\\\\",\"affected\":[]} ,\n\t"),
			 MEDFW_OK);
	osv_record(&b, "PYSEC-4", "2024-01-01T00:00:00Z", "CVE-2024-0004", "foo", "1.5");
	assert_int_equal(medfw_buf_append_str(&b, " ]"), MEDFW_OK);
	assert_int_equal(import_text(f, "tricky.json", (const char *)b.data, &imp, &d), MEDFW_OK);
	assert_int_equal(imp.added, 2);
	medfw_buf_free(&b);
	for (int i = 3; i <= 4; i++) {
		json_t *parsed = NULL;
		char id[16];

		snprintf(id, sizeof(id), "PYSEC-%d", i);
		medfw_buf_init(&j, 1u << 20);
		assert_int_equal(medfw_store_vuln_record_get(f->store, MEDFW_FEED_OSV, id, &rec, &j,
							     NULL),
				 MEDFW_OK);
		assert_string_equal(rec.json_path, i == 3 ? "[0]" : "[1]");
		assert_int_equal(medfw_json_parse(j.data, j.len, j.len, 16, &parsed, NULL), MEDFW_OK);
		assert_string_equal(json_string_value(json_object_get(parsed, "id")), id);
		if (i == 3)
			assert_string_equal(json_string_value(json_object_get(parsed, "summary")),
					    "a \"]}, [{ \\");
		json_decref(parsed);
		medfw_buf_free(&j);
	}
}

static void test_reevaluate_findings_vex_history(void **state)
{
	struct fixture *f = *state;
	struct medfw_store_vuln_eval_stats st;
	struct medfw_store_vex_statement s, listed[4];
	struct medfw_store_vuln_event hist[8];
	struct medfw_store_vuln_import imp;
	struct medfw_store_finding one;
	struct collected *c;
	struct medfw_diag d;
	struct medfw_buf b;
	int64_t total = 0, gen = 0, evaluated = 0, id_a;
	size_t n = 0;

	two_releases(f);
	reevaluate(f, MEDFW_STORE_CAUSE_FEED, "import of foo.osv.json by tester", &st);
	assert_int_equal(st.releases, 2);
	assert_int_equal(st.records, 1);
	assert_int_equal(st.inserted, 2);
	assert_int_equal(st.status_changes, 2);
	assert_int_equal(st.attempts, 1);
	assert_int_equal(medfw_store_vuln_generation(f->store, &gen, &evaluated, NULL), MEDFW_OK);
	assert_int_equal(evaluated, gen);

	c = findings_of(f, "pump/fw-1.img", &total);
	assert_int_equal(total, 1);
	assert_string_equal(c->f[0].vuln_id, "CVE-2024-1111");
	assert_string_equal(c->f[0].component_ref, "foo");
	assert_string_equal(c->f[0].component_version, "1.0");
	assert_int_equal(c->f[0].status, MEDFW_STORE_FINDING_AFFECTED);
	assert_int_equal(c->f[0].severity, MEDFW_STORE_SEVERITY_CRITICAL);
	assert_int_equal(c->f[0].score_tenths, 98);
	assert_int_equal(c->f[0].priority, 1);
	assert_int_equal(c->f[0].first_seen, f->now);
	/* release 2 of the same model has it not affected: it fixes it */
	assert_string_equal(c->f[0].fixed_by, "pump/fw-2.img");
	/* evidence: the record, its place, the rule and the comparison */
	assert_non_null(strstr(c->detail[0], "\"record\":\"PYSEC-2024-1\""));
	assert_non_null(strstr(c->detail[0], "\"file\":\"foo.osv.json\""));
	assert_non_null(strstr(c->detail[0], "\"fixed_version\":\"1.5\""));
	id_a = c->f[0].id;
	free(c);
	c = findings_of(f, "pump/fw-2.img", &total);
	assert_int_equal(total, 1);
	assert_int_equal(c->f[0].status, MEDFW_STORE_FINDING_NOT_AFFECTED);
	assert_string_equal(c->f[0].fixed_by, "");
	free(c);
	assert_int_equal(medfw_store_vuln_history(f->store, medfw_store_scope_all(), id_a, 0, hist,
						  8, &n, NULL),
			 MEDFW_OK);
	assert_int_equal(n, 1);
	assert_string_equal(hist[0].from, "");
	assert_string_equal(hist[0].to, "affected");
	assert_int_equal(hist[0].cause, MEDFW_STORE_CAUSE_FEED);
	assert_non_null(strstr(hist[0].detail, "import of foo.osv.json by tester: affected"));

	/* nothing changed: nothing written */
	f->now += DAY;
	reevaluate(f, MEDFW_STORE_CAUSE_FLEET, "again", &st);
	assert_int_equal(st.inserted + st.updated + st.status_changes + st.unmatched, 0);
	assert_int_equal(medfw_store_finding_get(f->store, id_a, &one, NULL, NULL), MEDFW_OK);
	assert_int_equal(one.last_changed, f->now - DAY);

	/* VEX statements are checked as CycloneDX would check them; refusals store nothing */
	memset(&s, 0, sizeof(s));
	snprintf(s.vuln_id, sizeof(s.vuln_id), "CVE-2024-1111");
	snprintf(s.component, sizeof(s.component), "foo");
	snprintf(s.target_name, sizeof(s.target_name), "pump/fw-1.img");
	snprintf(s.author, sizeof(s.author), "secofficer");
	s.status = MEDFW_VEX_NOT_AFFECTED;
	medfw_diag_clear(&d);
	assert_int_equal(medfw_store_vex_statement_add(f->store, &s, &d), MEDFW_ERR_FIELD_MISSING);
	assert_non_null(strstr(d.msg, "justification"));
	snprintf(s.justification, sizeof(s.justification), "because");
	medfw_diag_clear(&d);
	assert_int_equal(medfw_store_vex_statement_add(f->store, &s, &d), MEDFW_ERR_FIELD_VALUE);
	assert_non_null(strstr(d.msg, "justification"));
	snprintf(s.justification, sizeof(s.justification), "code_not_reachable");
	snprintf(s.response, sizeof(s.response), "update,pray");
	medfw_diag_clear(&d);
	assert_int_equal(medfw_store_vex_statement_add(f->store, &s, &d), MEDFW_ERR_FIELD_VALUE);
	assert_non_null(strstr(d.msg, "pray"));
	s.response[0] = '\0';
	snprintf(s.target_name, sizeof(s.target_name), "pump/none.img");
	medfw_diag_clear(&d);
	assert_int_equal(medfw_store_vex_statement_add(f->store, &s, &d), MEDFW_ERR_NOT_FOUND);
	assert_int_equal(medfw_store_vex_statement_list(f->store, "", "", 0, listed, 4, &n, &total,
							&d),
			 MEDFW_OK);
	assert_int_equal(total, 0);
	snprintf(s.target_name, sizeof(s.target_name), "pump/fw-1.img");
	snprintf(s.detail, sizeof(s.detail), "the parser of foo is never called");
	snprintf(s.response, sizeof(s.response), "will_not_fix,update");
	medfw_diag_clear(&d);
	assert_int_equal(medfw_store_vex_statement_add(f->store, &s, &d), MEDFW_OK);
	assert_true(s.id > 0);
	assert_string_equal(s.source, "api");
	assert_string_equal(s.timestamp, "2023-11-15T22:13:20Z");
	f->now += 60;
	reevaluate(f, MEDFW_STORE_CAUSE_VEX, "VEX statement by secofficer", &st);
	assert_int_equal(st.vex_statements, 1);
	assert_int_equal(st.updated, 1);
	assert_int_equal(st.status_changes, 1);
	c = findings_of(f, "pump/fw-1.img", &total);
	assert_int_equal(c->f[0].status, MEDFW_STORE_FINDING_NOT_AFFECTED);
	assert_true(c->f[0].vex_applied);
	assert_int_equal(c->f[0].last_changed, f->now);
	assert_int_equal(c->f[0].first_seen, f->now - DAY - 60);
	assert_string_equal(c->f[0].fixed_by, ""); /* closed: nothing to fix */
	assert_non_null(strstr(c->detail[0], "code_not_reachable"));
	free(c);
	assert_int_equal(medfw_store_vuln_history(f->store, medfw_store_scope_all(), id_a, 0, hist,
						  8, &n, NULL),
			 MEDFW_OK);
	assert_int_equal(n, 2);
	assert_string_equal(hist[1].from, "affected");
	assert_string_equal(hist[1].to, "not_affected");
	assert_int_equal(hist[1].cause, MEDFW_STORE_CAUSE_VEX);
	assert_non_null(strstr(hist[1].detail, "VEX not_affected code_not_reachable from statement"));
	assert_non_null(strstr(hist[1].detail, "by secofficer"));
	/* the statement applies to release 1 only */
	c = findings_of(f, "pump/fw-2.img", &total);
	assert_false(c->f[0].vex_applied);
	free(c);
	assert_int_equal(medfw_store_vex_statement_list(f->store, "pump/fw-1.img", "CVE-2024-1111",
							0, listed, 4, &n, &total, &d),
			 MEDFW_OK);
	assert_int_equal(total, 1);
	assert_string_equal(listed[0].response, "will_not_fix,update");
	assert_int_equal(listed[0].created_at, f->now - 60);

	/* the record is withdrawn from the feed's point of view: replaced by one about
	 * another package; the findings are no longer produced */
	medfw_buf_init(&b, 1u << 20);
	osv_record(&b, "PYSEC-2024-1", "2024-04-01T00:00:00Z", "CVE-2024-1111", "baz", "1.5");
	assert_int_equal(import_text(f, "foo.osv.json", (const char *)b.data, &imp, &d), MEDFW_OK);
	medfw_buf_free(&b);
	assert_int_equal(imp.updated, 1);
	f->now += 60;
	reevaluate(f, MEDFW_STORE_CAUSE_FEED, "import of foo.osv.json by tester", &st);
	/* both: release 2's not_affected one, and release 1's (a not_affected statement
	 * makes no finding of its own) */
	assert_int_equal(st.unmatched, 2);
	c = findings_of(f, "pump/fw-2.img", &total);
	assert_int_equal(total, 1);
	assert_int_equal(c->f[0].status, MEDFW_STORE_FINDING_UNMATCHED);
	free(c);
	assert_int_equal(medfw_store_vuln_history(f->store, medfw_store_scope_all(), id_a, 0, hist,
						  8, &n, NULL),
			 MEDFW_OK);
	assert_int_equal(n, 3);
	assert_string_equal(hist[2].from, "not_affected");
	assert_string_equal(hist[2].to, "unmatched");
	assert_int_equal(hist[2].cause, MEDFW_STORE_CAUSE_FEED);
	assert_non_null(strstr(hist[2].detail, "no record or VEX statement produces"));
	/* unmatched ones come last and are not open */
	memset(&one, 0, sizeof(one));
	assert_int_equal(medfw_store_finding_get(f->store, id_a, &one, NULL, NULL), MEDFW_OK);
	assert_int_equal(one.status, MEDFW_STORE_FINDING_UNMATCHED);
	assert_int_equal(one.last_changed, f->now);
	assert_int_equal(medfw_store_finding_get(f->store, 999999, &one, NULL, NULL),
			 MEDFW_ERR_NOT_FOUND);
	tu_assert_zeroed(&one, sizeof(one));
}

struct racer {
	struct medfw_store *store;
	enum medfw_err err;
	struct medfw_store_vuln_eval_stats st;
};

static void *race(void *arg)
{
	struct racer *r = arg;

	r->err = medfw_store_vuln_reevaluate(r->store, MEDFW_STORE_CAUSE_FEED, "race", &r->st,
					     NULL);
	return NULL;
}

/* Two evaluations of the same inputs at once: the one that writes second finds the
 * evaluation counter moved, starts over from a fresh snapshot and changes nothing; each
 * finding is inserted (and its first history event written) once. */
static void test_concurrent_reevaluations(void **state)
{
	struct fixture *f = *state;
	struct medfw_store_vuln_event hist[8];
	struct racer r[2];
	pthread_t th[2];
	struct collected *c;
	int64_t total = 0, gen = 0, evaluated = 0;
	size_t n = 0;

	two_releases(f);
	for (int i = 0; i < 2; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		r[i].store = f->store;
		assert_int_equal(pthread_create(&th[i], NULL, race, &r[i]), 0);
	}
	for (int i = 0; i < 2; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	assert_int_equal(r[0].err, MEDFW_OK);
	assert_int_equal(r[1].err, MEDFW_OK);
	assert_int_equal(r[0].st.inserted + r[1].st.inserted, 2);
	assert_int_equal(medfw_store_vuln_generation(f->store, &gen, &evaluated, NULL), MEDFW_OK);
	assert_int_equal(evaluated, gen);
	c = findings_of(f, "pump/fw-1.img", &total);
	assert_int_equal(total, 1);
	assert_int_equal(medfw_store_vuln_history(f->store, medfw_store_scope_all(), c->f[0].id, 0,
						  hist, 8, &n, NULL),
			 MEDFW_OK);
	assert_int_equal(n, 1);
	free(c);
}

/* The progress callback of medfw_store_vuln_reevaluate_with: at the first release
 * matched it imports another record through a second handle (the evaluation's read
 * snapshot does not see it) or cancels. */
struct meddler {
	struct medfw_store *other;
	int import_at_match, cancel_at, imported, calls;
	enum medfw_store_vuln_eval_phase seen[4];
};

static int meddle(void *user, const struct medfw_store_vuln_eval_progress *p)
{
	struct meddler *m = user;
	struct medfw_store_vuln_import imp;
	struct medfw_buf b;

	m->calls++;
	if ((unsigned)p->phase < 4)
		m->seen[p->phase] = p->phase;
	if (p->phase == MEDFW_STORE_EVAL_MATCH && p->done == 0 && m->import_at_match &&
	    !m->imported) {
		char id[32], cve[32];

		snprintf(id, sizeof(id), "PYSEC-2024-%d", 100 + m->import_at_match);
		snprintf(cve, sizeof(cve), "CVE-2024-%d", 2000 + m->import_at_match);
		medfw_buf_init(&b, 1u << 20);
		osv_record(&b, id, "2024-02-01T00:00:00Z", cve, "bar", "4.0");
		assert_int_equal(medfw_store_vuln_import(m->other, "late.osv.json", b.data, b.len,
							 &imp, NULL),
				 MEDFW_OK);
		assert_int_equal(imp.added, 1);
		medfw_buf_free(&b);
		m->imported = 1;
	}
	return m->cancel_at != 0 && (int)p->phase == m->cancel_at;
}

static void meddler_reset(struct meddler *m)
{
	memset(&m->import_at_match, 0, sizeof(*m) - offsetof(struct meddler, import_at_match));
}

/* keep_snapshot: the inputs moved while matching, the snapshot's findings are written
 * anyway (evaluated = the snapshot's generation) in one attempt; without it the
 * evaluation starts over and includes the change. A cancel writes nothing. The cause
 * "changes" (schema 7) is kept in the history. */
static void test_reevaluate_with_progress(void **state)
{
	struct fixture *f = *state;
	struct medfw_store_vuln_eval_opts opts;
	struct medfw_store_vuln_eval_stats st;
	struct medfw_store_vuln_event hist[8];
	struct meddler m;
	struct collected *c;
	struct medfw_diag d;
	int64_t gen = 0, evaluated = 0, g0 = 0, total = 0;
	size_t n = 0;

	two_releases(f);
	assert_int_equal(medfw_store_open(f->ctx, f->path, &m.other, NULL), MEDFW_OK);
	memset(&opts, 0, sizeof(opts));
	opts.cause = MEDFW_STORE_CAUSE_CHANGES;
	opts.detail = "an SBOM and a feed by tester";
	opts.progress = meddle;
	opts.progress_user = &m;

	/* cancelled while matching: nothing written, the evaluated generation unmoved */
	meddler_reset(&m);
	m.cancel_at = MEDFW_STORE_EVAL_MATCH;
	assert_int_equal(medfw_store_vuln_generation(f->store, &g0, &evaluated, NULL), MEDFW_OK);
	medfw_diag_clear(&d);
	assert_int_equal(medfw_store_vuln_reevaluate_with(f->store, &opts, &st, &d),
			 MEDFW_ERR_STATE);
	assert_non_null(strstr(d.msg, "cancelled"));
	assert_int_equal(st.attempts, 1);
	assert_int_equal(m.seen[MEDFW_STORE_EVAL_MATCH], MEDFW_STORE_EVAL_MATCH);
	assert_int_equal(m.seen[MEDFW_STORE_EVAL_WRITE], 0);
	assert_int_equal(medfw_store_vuln_generation(f->store, &gen, &evaluated, NULL), MEDFW_OK);
	assert_int_equal(gen, g0);
	assert_true(evaluated < g0);
	c = findings_of(f, "pump/fw-1.img", &total);
	assert_int_equal(total, 0);
	free(c);

	/* keep_snapshot: one attempt, the snapshot's findings, the later record not in them */
	meddler_reset(&m);
	m.import_at_match = 1;
	opts.keep_snapshot = 1;
	medfw_diag_clear(&d);
	assert_int_equal(medfw_store_vuln_reevaluate_with(f->store, &opts, &st, &d), MEDFW_OK);
	assert_int_equal(m.imported, 1);
	assert_int_equal(st.attempts, 1);
	assert_int_equal(st.generation, g0);
	assert_int_equal(st.records, 1);
	assert_int_equal(st.inserted, 2);
	assert_int_equal(m.seen[MEDFW_STORE_EVAL_WRITE], MEDFW_STORE_EVAL_WRITE);
	assert_int_equal(medfw_store_vuln_generation(f->store, &gen, &evaluated, NULL), MEDFW_OK);
	assert_int_equal(gen, g0 + 1);
	assert_int_equal(evaluated, g0); /* the caller evaluates again */
	c = findings_of(f, "pump/fw-1.img", &total);
	assert_int_equal(total, 1);
	assert_string_equal(c->f[0].vuln_id, "CVE-2024-1111");
	assert_int_equal(medfw_store_vuln_history(f->store, medfw_store_scope_all(), c->f[0].id, 0,
						  hist, 8, &n, NULL),
			 MEDFW_OK);
	assert_int_equal(n, 1);
	assert_int_equal(hist[0].cause, MEDFW_STORE_CAUSE_CHANGES);
	assert_string_equal(medfw_store_vuln_cause_name(hist[0].cause), "changes");
	assert_non_null(strstr(hist[0].detail, "an SBOM and a feed by tester"));
	free(c);

	/* without keep_snapshot: the moved inputs make it start again, with the change */
	meddler_reset(&m);
	m.import_at_match = 2;
	opts.keep_snapshot = 0;
	medfw_diag_clear(&d);
	assert_int_equal(medfw_store_vuln_reevaluate_with(f->store, &opts, &st, &d), MEDFW_OK);
	assert_int_equal(st.attempts, 2);
	assert_int_equal(st.records, 3);
	assert_int_equal(medfw_store_vuln_generation(f->store, &gen, &evaluated, NULL), MEDFW_OK);
	assert_int_equal(gen, g0 + 2);
	assert_int_equal(evaluated, gen);
	c = findings_of(f, "pump/fw-1.img", &total);
	assert_int_equal(total, 3); /* foo: CVE-2024-1111; bar 3.0: the two late records */
	free(c);
	medfw_store_close(m.other);
}

/* A history detail longer than MEDFW_STORE_VULN_EVENT_DETAIL_MAX is cut between two
 * UTF-8 characters, never inside one. */
static void test_history_detail_cut_on_a_character(void **state)
{
	struct fixture *f = *state;
	struct medfw_store_vuln_eval_stats st;
	struct medfw_store_vuln_event hist[4];
	struct collected *c;
	char detail[1 + 600 * 2 + 1];
	int64_t total = 0;
	size_t n = 0, len;

	detail[0] = 'a';
	for (size_t i = 0; i < 600; i++)
		memcpy(detail + 1 + 2 * i, "\xc3\xa9", 2); /* e acute */
	detail[sizeof(detail) - 1] = '\0';
	two_releases(f);
	reevaluate(f, MEDFW_STORE_CAUSE_FEED, detail, &st);
	c = findings_of(f, "pump/fw-1.img", &total);
	assert_int_equal(total, 1);
	assert_int_equal(medfw_store_vuln_history(f->store, medfw_store_scope_all(), c->f[0].id, 0,
						  hist, 4, &n, NULL),
			 MEDFW_OK);
	assert_int_equal(n, 1);
	len = strlen(hist[0].detail);
	assert_int_equal(len, MEDFW_STORE_VULN_EVENT_DETAIL_MAX - 1); /* 'a' + 511 x 2 bytes */
	assert_memory_equal(hist[0].detail, detail, len);
	assert_int_equal((unsigned char)hist[0].detail[len - 1], 0xa9);
	free(c);
}

/* The rollouts that bring a fixing release to a site: made for the site or with members
 * there, update rollouts of that release only, newest first, in the reader's scope. */
static void test_fix_rollouts(void **state)
{
	struct fixture *f = *state;
	struct medfw_store_fix_rollout r[4];
	char sql[2048];
	sqlite3 *db = NULL;
	size_t n = 0;

#define ROLLOUT_COLS                                                                        \
	"INSERT INTO rollouts (id, site_id, name, kind, rollback_of, target_name, target_length," \
	" target_hashes, target_sha256, security_version, selector, waves, state, created_at,"   \
	" updated_at) VALUES "
	snprintf(sql, sizeof(sql),
		 "INSERT INTO devices (id, site_id, serial, model, created_at) VALUES"
		 " (1, %lld, 'A-1', 'Pump', 1), (2, %lld, 'A-2', 'Pump', 1),"
		 " (3, %lld, 'B-1', 'Pump', 1);" ROLLOUT_COLS
		 " (1, NULL, 'fix everywhere', 'update', NULL, 'pump/fw-2.img', 1, '{}', '', 3, '{}',"
		 " '[]', 'running', 1, 1)," /* members at A and B */
		 " (2, %lld, 'fix B', 'update', NULL, 'pump/fw-2.img', 1, '{}', '', 3, '{}', '[]',"
		 " 'scheduled', 2, 2)," /* B's, no members yet */
		 " (3, NULL, 'other release', 'update', NULL, 'pump/fw-3.img', 1, '{}', '', 3, '{}',"
		 " '[]', 'running', 3, 3),"
		 " (5, NULL, 'selects A', 'update', NULL, 'pump/fw-2.img', 1, '{}', '', 3,"
		 " '{\"sites\": [7, %lld]}', '[]', 'awaiting_approval', 5, 5),"
		 " (4, NULL, 'back', 'rollback', 1, 'pump/fw-2.img', 1, '{}', '', 3, '{}', '[]',"
		 " 'running', 4, 4);"
		 " INSERT INTO rollout_devices (rollout_id, device_id, wave, state, joined_at,"
		 " updated_at) VALUES (1, 1, 0, 'committed', 1, 1), (1, 2, 1, 'pending', 1, 1),"
		 " (1, 3, 0, 'committed', 1, 1), (3, 1, 0, 'pending', 1, 1), (4, 1, 0, 'pending', 1, 1)",
		 (long long)f->site_a, (long long)f->site_a, (long long)f->site_b,
		 (long long)f->site_b, (long long)f->site_a);
#undef ROLLOUT_COLS
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);

	assert_int_equal(medfw_store_fix_rollouts(f->store, medfw_store_scope_all(), f->site_a,
						  "pump/fw-2.img", r, 4, &n, NULL),
			 MEDFW_OK);
	assert_int_equal(n, 2);
	assert_int_equal(r[0].id, 5); /* selects the site, no members yet */
	assert_string_equal(r[0].state, "awaiting_approval");
	assert_int_equal(r[0].members, 0);
	assert_int_equal(r[1].id, 1);
	assert_string_equal(r[1].name, "fix everywhere");
	assert_string_equal(r[1].state, "running");
	assert_int_equal(r[1].members, 2);
	assert_int_equal(r[1].committed, 1);
	assert_int_equal(medfw_store_fix_rollouts(f->store, medfw_store_scope_site(f->site_b),
						  f->site_b, "pump/fw-2.img", r, 4, &n, NULL),
			 MEDFW_OK);
	assert_int_equal(n, 2);
	assert_int_equal(r[0].id, 2); /* newest first */
	assert_int_equal(r[0].members, 0);
	assert_int_equal(r[1].id, 1);
	assert_int_equal(r[1].members, 1);
	assert_int_equal(r[1].committed, 1);
	/* cap, another site's scope, another release */
	assert_int_equal(medfw_store_fix_rollouts(f->store, medfw_store_scope_all(), f->site_b,
						  "pump/fw-2.img", r, 1, &n, NULL),
			 MEDFW_OK);
	assert_int_equal(n, 1);
	assert_int_equal(medfw_store_fix_rollouts(f->store, medfw_store_scope_site(f->site_a),
						  f->site_b, "pump/fw-2.img", r, 4, &n, NULL),
			 MEDFW_OK);
	assert_int_equal(n, 0);
	assert_int_equal(medfw_store_fix_rollouts(f->store, medfw_store_scope_all(), f->site_a,
						  "pump/fw-9.img", r, 4, &n, NULL),
			 MEDFW_OK);
	assert_int_equal(n, 0);
	assert_int_equal(medfw_store_fix_rollouts(f->store, medfw_store_scope_all(), 0,
						  "pump/fw-2.img", r, 4, &n, NULL),
			 MEDFW_ERR_INVALID_ARG);
}

/* A database of schema version 6 with a finding's history is migrated to 7: the
 * history is kept and takes the cause "changes". */
static void test_history_migration_v7(void **state)
{
	struct fixture *f = *state;
	struct medfw_store_vuln_event hist[4];
	char path[4200];
	sqlite3 *db = NULL;
	int64_t v = 0;
	size_t n = 0;

	snprintf(path, sizeof(path), "%s.v6", f->path);
	/* version 6 refuses the cause "changes" (sqlite3_exec stops there; the statements
	 * before it stay) */
	tu_sqlite_at_version(path, 6,
			     "INSERT INTO sites (id, name, time_zone, created_at)"
			     " VALUES (1, 'Old', 'UTC', 0);"
			     " INSERT INTO site_exposures (id, site_id, vuln_id, severity, kev,"
			     " devices, first_seen, due_at) VALUES (3, 1, 'CVE-2024-1', 'high',"
			     " 0, 1, 10, 20);"
			     " INSERT INTO finding_history (id, exposure_id, time, from_status,"
			     " to_status, cause, detail) VALUES (9, 3, 10, '', 'open', 'fleet',"
			     " 'a device checked in');"
			     " INSERT INTO finding_history (exposure_id, time, to_status, cause)"
			     " VALUES (3, 11, 'open', 'changes')",
			     SQLITE_CONSTRAINT);
	medfw_store_close(f->store);
	f->store = NULL;
	assert_int_equal(medfw_store_open(f->ctx, path, &f->store, NULL), MEDFW_OK);
	assert_int_equal(medfw_store_schema_version(f->store, &v, NULL), MEDFW_OK);
	assert_int_equal(v, 7);
	assert_int_equal(medfw_store_vuln_history(f->store, medfw_store_scope_all(), 0, 3, hist, 4,
						  &n, NULL),
			 MEDFW_OK);
	assert_int_equal(n, 1);
	assert_int_equal(hist[0].id, 9);
	assert_int_equal(hist[0].cause, MEDFW_STORE_CAUSE_FLEET);
	assert_string_equal(hist[0].detail, "a device checked in");
	medfw_store_close(f->store);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "INSERT INTO finding_history (exposure_id, time,"
					  " to_status, cause) VALUES (3, 11, 'open', 'changes')",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "INSERT INTO finding_history (exposure_id, time,"
					  " to_status, cause) VALUES (3, 12, 'open', 'other')",
				      NULL, NULL, NULL),
			 SQLITE_CONSTRAINT);
	sqlite3_close(db);
	f->store = NULL;
	assert_int_equal(remove(path), 0);
	assert_int_equal(medfw_store_open(f->ctx, f->path, &f->store, NULL), MEDFW_OK);
}

static void test_vex_documents(void **state)
{
	struct fixture *f = *state;
	struct medfw_store_vex_document_result out;
	struct medfw_store_vuln_eval_stats st;
	struct medfw_store_vex_statement listed[4];
	struct collected *c;
	struct medfw_diag d;
	int64_t total = 0, gen1 = 0, gen2 = 0, ev = 0;
	size_t n = 0;
	const char *bad = "{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"9\"}";
	const char *vex = "{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.5\",\"version\":1,"
			  "\"vulnerabilities\":[{\"id\":\"CVE-2024-1111\",\"analysis\":{\"state\":"
			  "\"in_triage\",\"lastUpdated\":\"2024-05-01T00:00:00Z\"},\"affects\":[{"
			  "\"ref\":\"pkg:pypi/foo@2.0\"}]}]}";

	two_releases(f);
	reevaluate(f, MEDFW_STORE_CAUSE_FEED, "import", &st);
	/* broken: refused with the path, nothing stored */
	medfw_diag_clear(&d);
	assert_int_equal(medfw_store_vex_document_add(f->store, "", "bad.vex.json", "secofficer",
						      (const uint8_t *)bad, strlen(bad), &out, &d),
			 MEDFW_ERR_FIELD_VALUE);
	assert_non_null(strstr(d.msg, "specVersion"));
	assert_int_equal(medfw_store_vuln_generation(f->store, &gen1, &ev, NULL), MEDFW_OK);
	medfw_diag_clear(&d);
	assert_int_equal(medfw_store_vex_document_add(f->store, "", "triage.vex.json", "secofficer",
						      (const uint8_t *)vex, strlen(vex), &out, &d),
			 MEDFW_OK);
	assert_true(out.document_id > 0);
	assert_int_equal(out.statements, 1);
	assert_false(out.unchanged);
	/* the same bytes again: unchanged */
	assert_int_equal(medfw_store_vex_document_add(f->store, "", "triage.vex.json", "secofficer",
						      (const uint8_t *)vex, strlen(vex), &out, &d),
			 MEDFW_OK);
	assert_true(out.unchanged);
	assert_int_equal(medfw_store_vuln_generation(f->store, &gen2, &ev, NULL), MEDFW_OK);
	assert_int_equal(gen2, gen1 + 1);
	assert_int_equal(medfw_store_vex_statement_list(f->store, "", "", 0, listed, 4, &n, &total,
							&d),
			 MEDFW_OK);
	assert_int_equal(total, 1);
	assert_string_equal(listed[0].component, "pkg:pypi/foo@2.0");
	assert_string_equal(listed[0].source, "triage.vex.json");
	assert_string_equal(listed[0].json_path, "vulnerabilities[0].affects[0]");
	assert_int_equal(listed[0].status, MEDFW_VEX_UNDER_INVESTIGATION);
	reevaluate(f, MEDFW_STORE_CAUSE_VEX, "VEX document", &st);
	/* foo 2.0 is release 2's: under investigation there, release 1 untouched */
	c = findings_of(f, "pump/fw-2.img", &total);
	assert_int_equal(c->f[0].status, MEDFW_STORE_FINDING_UNDER_INVESTIGATION);
	free(c);
	c = findings_of(f, "pump/fw-1.img", &total);
	assert_int_equal(c->f[0].status, MEDFW_STORE_FINDING_AFFECTED);
	/* release 2 is open now too: release 1 has no later release that fixes it */
	assert_string_equal(c->f[0].fixed_by, "");
	free(c);
}

static void test_sla_exposures_and_report(void **state)
{
	struct fixture *f = *state;
	struct medfw_store_vuln_eval_stats st;
	struct medfw_store_exposure e[4];
	struct medfw_store_exposure_filter filter;
	struct medfw_store_sla_policy p;
	struct medfw_store_vuln_event hist[8];
	struct medfw_store_vuln_site_report sites[4];
	struct medfw_store_vuln_model_report models[4];
	struct medfw_diag d;
	int64_t first, dev1, dev2, total = 0;
	size_t n = 0, nm = 0, opened = 0, closed = 0;

	two_releases(f);
	dev1 = make_device(f, f->site_a, "SN-1", SHA_A);
	dev2 = make_device(f, f->site_a, "SN-2", SHA_A);
	make_device(f, f->site_b, "SN-3", SHA_B);
	first = f->now;
	reevaluate(f, MEDFW_STORE_CAUSE_FEED, "import", &st);
	assert_int_equal(st.exposures_opened, 1);
	memset(&filter, 0, sizeof(filter));
	assert_int_equal(medfw_store_exposure_list(f->store, medfw_store_scope_all(), &filter, 0, e,
						   4, &n, &total, NULL),
			 MEDFW_OK);
	assert_int_equal(n, 1);
	assert_int_equal(e[0].site_id, f->site_a);
	assert_string_equal(e[0].vuln_id, "CVE-2024-1111");
	assert_int_equal(e[0].severity, MEDFW_STORE_SEVERITY_CRITICAL);
	assert_int_equal(e[0].devices, 2);
	assert_string_equal(e[0].fixed_by, "pump/fw-2.img");
	assert_int_equal(e[0].first_seen, first);
	assert_int_equal(e[0].due_at, first + 30 * DAY); /* the default policy: critical 30 */
	assert_false(e[0].overdue);
	/* site B's staff do not see site A's exposures nor its policy */
	assert_int_equal(medfw_store_exposure_list(f->store, medfw_store_scope_site(f->site_b),
						   &filter, 0, e, 4, &n, &total, NULL),
			 MEDFW_OK);
	assert_int_equal(n, 0);
	assert_int_equal(medfw_store_sla_policy_get(f->store, medfw_store_scope_site(f->site_b),
						    f->site_a, &p, NULL),
			 MEDFW_ERR_NOT_FOUND);
	tu_assert_zeroed(&p, sizeof(p));
	assert_int_equal(medfw_store_sla_policy_get(f->store, medfw_store_scope_site(f->site_a),
						    f->site_a, &p, NULL),
			 MEDFW_OK);
	assert_true(p.is_default);
	assert_int_equal(p.kev_days, 15);

	/* 31 days later: overdue */
	f->now = first + 31 * DAY;
	assert_int_equal(medfw_store_exposure_list(f->store, medfw_store_scope_site(f->site_a),
						   &filter, 0, e, 4, &n, &total, NULL),
			 MEDFW_OK);
	assert_true(e[0].overdue);
	/* a policy with 45 days for critical: due again later, not overdue; bad days refused */
	memset(&p, 0, sizeof(p));
	p.site_id = f->site_a;
	p.critical_days = 45;
	p.high_days = 60;
	p.medium_days = 90;
	p.low_days = 0;
	p.kev_days = 15;
	medfw_diag_clear(&d);
	assert_int_equal(medfw_store_sla_policy_put(f->store, medfw_store_scope_all(), &p, &d),
			 MEDFW_ERR_FIELD_VALUE);
	assert_non_null(strstr(d.msg, "low_days"));
	p.low_days = 180;
	assert_int_equal(medfw_store_sla_policy_put(f->store, medfw_store_scope_site(f->site_b), &p,
						    NULL),
			 MEDFW_ERR_NOT_FOUND);
	p.updated_by = f->user;
	assert_int_equal(medfw_store_sla_policy_put(f->store, medfw_store_scope_site(f->site_a), &p,
						    NULL),
			 MEDFW_OK);
	assert_int_equal(medfw_store_exposure_list(f->store, medfw_store_scope_site(f->site_a),
						   &filter, 0, e, 4, &n, &total, NULL),
			 MEDFW_OK);
	assert_int_equal(e[0].due_at, first + 45 * DAY);
	assert_false(e[0].overdue);
	assert_int_equal(medfw_store_sla_policy_get(f->store, medfw_store_scope_site(f->site_a),
						    f->site_a, &p, NULL),
			 MEDFW_OK);
	assert_false(p.is_default);
	assert_int_equal(p.critical_days, 45);
	assert_int_equal(p.updated_at, f->now);

	/* one device moves to release 2: still exposed (1 device) */
	f->now = first + 40 * DAY;
	device_runs(f, dev1, SHA_B);
	assert_int_equal(medfw_store_vuln_exposures_refresh(f->store, MEDFW_STORE_CAUSE_FLEET,
							    "fleet", &opened, &closed, NULL),
			 MEDFW_OK);
	assert_int_equal(opened + closed, 0);
	assert_int_equal(medfw_store_exposure_list(f->store, medfw_store_scope_all(), &filter, 0, e,
						   4, &n, &total, NULL),
			 MEDFW_OK);
	assert_int_equal(e[0].devices, 1);
	/* the other one too: closed, on time */
	f->now = first + 42 * DAY;
	device_runs(f, dev2, SHA_B);
	assert_int_equal(medfw_store_vuln_exposures_refresh(f->store, MEDFW_STORE_CAUSE_FLEET,
							    "rollout of pump/fw-2.img", &opened,
							    &closed, NULL),
			 MEDFW_OK);
	assert_int_equal(closed, 1);
	filter.open_only = 1;
	assert_int_equal(medfw_store_exposure_list(f->store, medfw_store_scope_all(), &filter, 0, e,
						   4, &n, &total, NULL),
			 MEDFW_OK);
	assert_int_equal(n, 0);
	filter.open_only = 0;
	assert_int_equal(medfw_store_exposure_list(f->store, medfw_store_scope_all(), &filter, 0, e,
						   4, &n, &total, NULL),
			 MEDFW_OK);
	assert_int_equal(e[0].closed_at, f->now);
	assert_int_equal(e[0].devices, 0);
	assert_false(e[0].overdue);
	assert_int_equal(medfw_store_vuln_history(f->store, medfw_store_scope_site(f->site_a), 0,
						  e[0].id, hist, 8, &n, NULL),
			 MEDFW_OK);
	assert_int_equal(n, 2);
	assert_string_equal(hist[0].to, "open");
	assert_int_equal(hist[0].cause, MEDFW_STORE_CAUSE_FEED);
	assert_non_null(strstr(hist[0].detail, "exposed on 2 devices of the site"));
	assert_string_equal(hist[1].from, "open");
	assert_string_equal(hist[1].to, "closed");
	assert_int_equal(hist[1].cause, MEDFW_STORE_CAUSE_FLEET);
	assert_non_null(strstr(hist[1].detail, "rollout of pump/fw-2.img"));
	assert_int_equal(hist[1].site_id, f->site_a);
	assert_int_equal(medfw_store_vuln_history(f->store, medfw_store_scope_site(f->site_b), 0,
						  e[0].id, hist, 8, &n, NULL),
			 MEDFW_ERR_NOT_FOUND);

	/* the report: site A remediated one critical in 42 days */
	assert_int_equal(medfw_store_vuln_report(f->store, medfw_store_scope_all(), 0, sites, 4, &n,
						 models, 4, &nm, &d),
			 MEDFW_OK);
	assert_int_equal(n, 2);
	assert_int_equal(sites[0].site_id, f->site_a);
	assert_int_equal(sites[0].devices, 2);
	assert_int_equal(sites[0].devices_with_sbom, 2);
	assert_int_equal(sites[0].exposed_devices, 0);
	assert_int_equal(sites[0].closed, 1);
	assert_int_equal(sites[0].closed_late, 0);
	assert_int_equal(sites[0].remediated[MEDFW_STORE_SEVERITY_CRITICAL], 1);
	assert_int_equal(sites[0].remediate_seconds_sum[MEDFW_STORE_SEVERITY_CRITICAL], 42 * DAY);
	assert_int_equal(sites[0].policy.critical_days, 45);
	assert_int_equal(sites[1].policy.critical_days, 30);
	assert_int_equal(nm, 1);
	assert_string_equal(models[0].model, "Pump");
	assert_int_equal(models[0].devices, 3);
	assert_int_equal(models[0].releases, 1);
	assert_int_equal(models[0].exposed_devices, 0);
	assert_int_equal(models[0].by_status[MEDFW_STORE_FINDING_NOT_AFFECTED], 1);
	/* a site's staff see their site only; another site id is not found for them */
	assert_int_equal(medfw_store_vuln_report(f->store, medfw_store_scope_site(f->site_b), 0,
						 sites, 4, &n, models, 4, &nm, NULL),
			 MEDFW_OK);
	assert_int_equal(n, 1);
	assert_int_equal(sites[0].site_id, f->site_b);
	assert_int_equal(models[0].devices, 1);
	assert_int_equal(medfw_store_vuln_report(f->store, medfw_store_scope_site(f->site_b),
						 f->site_a, sites, 4, &n, models, 4, &nm, NULL),
			 MEDFW_ERR_NOT_FOUND);
	assert_int_equal(n, 0);
	/* back on release 1: the exposure reopens with its first_seen, now overdue */
	f->now = first + 50 * DAY;
	device_runs(f, dev2, SHA_A);
	assert_int_equal(medfw_store_vuln_exposures_refresh(f->store, MEDFW_STORE_CAUSE_FLEET,
							    "rolled back", &opened, &closed, NULL),
			 MEDFW_OK);
	assert_int_equal(opened, 1);
	assert_int_equal(medfw_store_exposure_list(f->store, medfw_store_scope_all(), &filter, 0, e,
						   4, &n, &total, NULL),
			 MEDFW_OK);
	assert_int_equal(e[0].closed_at, 0);
	assert_int_equal(e[0].first_seen, first);
	assert_true(e[0].overdue);
	assert_int_equal(medfw_store_vuln_report(f->store, medfw_store_scope_all(), f->site_a,
						 sites, 4, &n, models, 4, &nm, NULL),
			 MEDFW_OK);
	assert_int_equal(sites[0].overdue, 1);
	assert_int_equal(sites[0].open[MEDFW_STORE_SEVERITY_CRITICAL], 1);
	assert_int_equal(sites[0].exposed_devices, 1);
	assert_int_equal(models[0].overdue_devices, 1);
	assert_int_equal(models[0].open_by_severity[MEDFW_STORE_SEVERITY_CRITICAL], 1);
}

/* KEV: the catalog's due date bounds the SLA's, on the real data (NVD page, KEV subset:
 * CVE-2022-23748, Dante Application Library, due 2025-02-27). */
static void test_kev_due_date(void **state)
{
	static const char *sbom_text =
		"{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.6\",\"version\":1,"
		"\"metadata\":{\"component\":{\"type\":\"firmware\",\"bom-ref\":\"product\","
		"\"name\":\"Pump\",\"version\":\"1\"}},\"components\":[{\"type\":\"library\","
		"\"bom-ref\":\"dante\",\"name\":\"dante_application_library\",\"version\":"
		"\"1.2.0\",\"cpe\":\"cpe:2.3:a:audinate:dante_application_library:1.2.0:*:*:*:*:*:*:*"
		"\"}]}";
	struct fixture *f = *state;
	struct medfw_store_vuln_import imp;
	struct medfw_store_exposure e[4];
	struct medfw_store_vuln_eval_stats st;
	struct medfw_sbom *sbom = NULL;
	struct collected *c;
	int64_t total = 0, due = 0;
	size_t n = 0;

	assert_int_equal(medfw_sbom_parse((const uint8_t *)sbom_text, strlen(sbom_text), NULL, &sbom,
					  NULL),
			 MEDFW_OK);
	put_release(f, "pump/fw-1.img", SHA_A, "2024-01-10", 3, sbom, NULL);
	import_file(f, "nvd/pages/cves-2023-page.json", &imp);
	import_file(f, "kev/known_exploited_vulnerabilities.subset.json", &imp);
	make_device(f, f->site_a, "SN-1", SHA_A);
	assert_int_equal(medfw_parse_utc_time("2025-02-20T00:00:00Z", &f->now), MEDFW_OK);
	reevaluate(f, MEDFW_STORE_CAUSE_FEED, "import", &st);
	c = findings_of(f, "pump/fw-1.img", &total);
	assert_int_equal(total, 1);
	assert_string_equal(c->f[0].vuln_id, "CVE-2022-23748");
	/* an AND configuration without a known platform: undetermined, open */
	assert_int_equal(c->f[0].status, MEDFW_STORE_FINDING_UNDETERMINED);
	assert_true(c->f[0].kev);
	assert_string_equal(c->f[0].kev_date_added, "2025-02-06");
	assert_string_equal(c->f[0].kev_due_date, "2025-02-27");
	assert_int_equal(c->f[0].severity, MEDFW_STORE_SEVERITY_HIGH);
	free(c);
	assert_int_equal(medfw_store_exposure_list(f->store, medfw_store_scope_all(), NULL, 0, e, 4,
						   &n, &total, NULL),
			 MEDFW_OK);
	assert_int_equal(n, 1);
	assert_true(e[0].kev);
	/* first seen 2025-02-20 + 15 KEV days = 03-07, but CISA says 02-27: that wins */
	assert_int_equal(medfw_parse_utc_time("2025-02-27T23:59:59Z", &due), MEDFW_OK);
	assert_int_equal(e[0].due_at, due);
	f->now = due + 1;
	assert_int_equal(medfw_store_exposure_list(f->store, medfw_store_scope_all(), NULL, 0, e, 4,
						   &n, &total, NULL),
			 MEDFW_OK);
	assert_true(e[0].overdue);
}

static void test_bad_arguments(void **state)
{
	struct fixture *f = *state;
	struct medfw_store_vuln_event hist[2];
	struct medfw_store_sla_policy p;
	struct medfw_store_scope zero;
	struct medfw_store_exposure e[1];
	size_t n = 9;

	memset(&zero, 0, sizeof(zero));
	assert_int_equal(medfw_store_vuln_history(f->store, medfw_store_scope_all(), 1, 1, hist, 2,
						  &n, NULL),
			 MEDFW_ERR_INVALID_ARG);
	assert_int_equal(n, 0);
	assert_int_equal(medfw_store_sla_policy_get(f->store, zero, f->site_a, &p, NULL),
			 MEDFW_ERR_INVALID_ARG);
	assert_int_equal(medfw_store_exposure_list(f->store, zero, NULL, 0, e, 1, &n, NULL, NULL),
			 MEDFW_ERR_INVALID_ARG);
	assert_int_equal(medfw_store_finding_list(f->store, NULL, 0, 0, collect, NULL, NULL, NULL),
			 MEDFW_ERR_INVALID_ARG);
	assert_int_equal(medfw_store_vuln_reevaluate(f->store, (enum medfw_store_vuln_cause)0, "",
						     NULL, NULL),
			 MEDFW_ERR_INVALID_ARG);
	assert_int_equal(medfw_store_sla_policy_get(f->store, medfw_store_scope_all(), 999, &p,
						    NULL),
			 MEDFW_ERR_NOT_FOUND);
}

/* ---------------------------------------------------------------- product map */

#define PM_SBOM                                                                              \
	"{\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.6\",\"version\":1,\"metadata\":"       \
	"{\"component\":{\"type\":\"firmware\",\"bom-ref\":\"product\",\"name\":\"Pump\","       \
	"\"version\":\"2.0\"}},\"components\":[{\"type\":\"library\",\"bom-ref\":\"dcmtk\","     \
	"\"name\":\"DCMTK\",\"version\":\"3.6.6\"},{\"type\":\"application\",\"bom-ref\":"       \
	"\"connex\",\"name\":\"Connex Cardio\",\"version\":\"1.1.0\"}]}"
#define PM_MAP                                                                               \
	"{\"mappings\":[{\"model\":\"DCMTK\",\"advisory_products\":[\"DCMTK\"]},"               \
	"{\"model\":\"Connex Cardio\",\"vendor\":\"Hillrom\",\"advisory_products\":"             \
	"[\"Welch Allyn Connex Cardio\"]}]}"

static enum medfw_err map_put(struct fixture *f, const char *name, const char *text,
			      struct medfw_store_product_map *out, int *unchanged,
			      struct medfw_diag *d)
{
	medfw_diag_clear(d);
	return medfw_store_product_map_put(f->store, name, (const uint8_t *)text, strlen(text),
					   f->user, out, unchanged, d);
}

static int64_t generation(struct fixture *f)
{
	int64_t g = -1, e = -1;

	assert_int_equal(medfw_store_vuln_generation(f->store, &g, &e, NULL), MEDFW_OK);
	return g;
}

/* Put, get, unchanged, and every refusal storing nothing. */
static void test_product_map_put_get(void **state)
{
	struct fixture *f = *state;
	struct medfw_store_product_map m;
	struct medfw_buf b;
	struct medfw_diag d;
	uint8_t *big;
	int unchanged = 7;
	int64_t g0 = generation(f);

	medfw_buf_init(&b, MEDFW_PRODUCT_MAP_MAX_BYTES);
	memset(&m, 0x55, sizeof(m));
	assert_int_equal(medfw_store_product_map_get(f->store, &m, &b, &d), MEDFW_ERR_NOT_FOUND);
	tu_assert_zeroed(&m, sizeof(m));
	assert_int_equal(b.len, 0);
	/* refused: not JSON, an unknown key (named with its JSON path), no advisory names,
	 * empty, too large, no source; nothing stored, the generation unmoved */
	assert_int_equal(map_put(f, "m.json", "{\"mappings\": [", &m, &unchanged, &d),
			 MEDFW_ERR_JSON_SYNTAX);
	assert_int_equal(unchanged, 0);
	assert_non_null(strstr(d.msg, "m.json"));
	assert_int_equal(map_put(f, "m.json",
				 "{\"mappings\":[{\"model\":\"x\",\"advisory_products\":[\"y\"],"
				 "\"colour\":\"red\"}]}",
				 &m, NULL, &d),
			 MEDFW_ERR_FIELD_VALUE);
	assert_non_null(strstr(d.msg, "mappings[0]"));
	assert_non_null(strstr(d.msg, "colour"));
	tu_assert_zeroed(&m, sizeof(m));
	assert_int_equal(map_put(f, "m.json", "{\"mappings\":[{\"model\":\"x\"}]}", &m, NULL, &d),
			 MEDFW_ERR_FIELD_MISSING);
	assert_int_equal(map_put(f, "m.json", "", &m, NULL, &d), MEDFW_ERR_FIELD_MISSING);
	big = calloc(1, MEDFW_PRODUCT_MAP_MAX_BYTES + 1u);
	assert_non_null(big);
	assert_int_equal(medfw_store_product_map_put(f->store, "big.json", big,
						     MEDFW_PRODUCT_MAP_MAX_BYTES + 1u, 0, &m, NULL,
						     &d),
			 MEDFW_ERR_TOO_LARGE);
	free(big);
	assert_int_equal(map_put(f, "", PM_MAP, &m, NULL, &d), MEDFW_ERR_FIELD_MISSING);
	assert_int_equal(medfw_store_product_map_put(NULL, "m.json", (const uint8_t *)PM_MAP,
						     strlen(PM_MAP), 0, &m, NULL, &d),
			 MEDFW_ERR_INVALID_ARG);
	assert_int_equal(medfw_store_product_map_put(f->store, "m.json", (const uint8_t *)PM_MAP,
						     strlen(PM_MAP), -1, &m, NULL, &d),
			 MEDFW_ERR_INVALID_ARG);
	assert_int_equal(medfw_store_product_map_get(f->store, &m, NULL, &d), MEDFW_ERR_NOT_FOUND);
	assert_int_equal(generation(f), g0);

	/* stored: the bytes as uploaded, the generation bumped once */
	f->now += 60;
	assert_int_equal(map_put(f, "map-1.json", PM_MAP, &m, &unchanged, &d), MEDFW_OK);
	assert_int_equal(unchanged, 0);
	assert_string_equal(m.source, "map-1.json");
	assert_int_equal(m.entries, 2);
	assert_int_equal(m.updated_by, f->user);
	assert_int_equal(m.updated_at, f->now);
	assert_int_equal(strlen(m.sha256), 64);
	assert_int_equal(generation(f), g0 + 1);
	memset(&m, 0, sizeof(m));
	assert_int_equal(medfw_store_product_map_get(f->store, &m, &b, &d), MEDFW_OK);
	assert_int_equal(b.len, strlen(PM_MAP));
	assert_memory_equal(b.data, PM_MAP, b.len);
	assert_string_equal(m.source, "map-1.json");
	/* the same bytes under another name: unchanged, nothing written */
	f->now += 60;
	assert_int_equal(map_put(f, "map-2.json", PM_MAP, &m, &unchanged, &d), MEDFW_OK);
	assert_int_equal(unchanged, 1);
	assert_string_equal(m.source, "map-1.json");
	assert_int_equal(m.updated_at, f->now - 60);
	assert_int_equal(generation(f), g0 + 1);
	/* a refused replacement leaves the stored map as it was */
	assert_int_equal(map_put(f, "map-3.json", "[]", &m, &unchanged, &d),
			 MEDFW_ERR_FIELD_TYPE);
	b.len = 0;
	assert_int_equal(medfw_store_product_map_get(f->store, &m, &b, &d), MEDFW_OK);
	assert_string_equal(m.source, "map-1.json");
	assert_memory_equal(b.data, PM_MAP, b.len);
	/* an empty map replaces it: nothing mapped */
	assert_int_equal(map_put(f, "empty.json", "{\"mappings\": []}", &m, &unchanged, &d),
			 MEDFW_OK);
	assert_int_equal(m.entries, 0);
	assert_int_equal(generation(f), g0 + 2);
	/* a caller's buffer too small for the document: refused, the buffer as it was */
	medfw_buf_free(&b);
	medfw_buf_init(&b, 4);
	assert_int_equal(medfw_store_product_map_get(f->store, &m, &b, &d), MEDFW_ERR_TOO_LARGE);
	assert_int_equal(b.len, 0);
	tu_assert_zeroed(&m, sizeof(m));
	medfw_buf_free(&b);
}

static size_t count_status(const struct collected *c, const char *vuln,
			   enum medfw_store_finding_status status)
{
	size_t n = 0;

	for (size_t i = 0; i < c->n && i < 16; i++)
		n += strcmp(c->f[i].vuln_id, vuln) == 0 && c->f[i].status == status;
	return n;
}

/* The CISA medical advisories name products in words: findings only through the map. */
static void test_product_map_reevaluation(void **state)
{
	struct fixture *f = *state;
	struct medfw_store_vuln_import imp;
	struct medfw_store_vuln_eval_stats st;
	struct medfw_store_product_map m;
	struct medfw_sbom *sbom = NULL;
	struct collected *c;
	struct medfw_diag d;
	sqlite3 *db = NULL;
	int64_t total = -1;

	import_file(f, "csaf/cisa-icsma/icsma-22-174-01.json", &imp);
	import_file(f, "csaf/cisa-icsma/icsma-21-343-01.json", &imp);
	medfw_diag_clear(&d);
	assert_int_equal(medfw_sbom_parse((const uint8_t *)PM_SBOM, strlen(PM_SBOM), NULL, &sbom,
					  &d),
			 MEDFW_OK);
	put_release(f, "pump/fw-2.0.img", SHA_A, "2024-06-01", 8, sbom, NULL);
	reevaluate(f, MEDFW_STORE_CAUSE_SBOM, "SBOM", &st);
	assert_int_equal(st.findings, 0); /* products named in words: no identity */
	assert_int_equal(st.product_map_entries, 0);

	assert_int_equal(map_put(f, "map.json", PM_MAP, &m, NULL, &d), MEDFW_OK);
	reevaluate(f, MEDFW_STORE_CAUSE_FEED, "product map map.json by secofficer", &st);
	assert_int_equal(st.product_map_entries, 2);
	assert_int_equal(st.product_map_problems, 0);
	assert_int_equal(st.findings, 4);
	c = findings_of(f, "pump/fw-2.0.img", &total);
	assert_int_equal(total, 4);
	assert_int_equal(count_status(c, "CVE-2022-2119", MEDFW_STORE_FINDING_AFFECTED), 1);
	assert_int_equal(count_status(c, "CVE-2022-2120", MEDFW_STORE_FINDING_AFFECTED), 1);
	assert_int_equal(count_status(c, "CVE-2022-2121", MEDFW_STORE_FINDING_AFFECTED), 1);
	assert_int_equal(count_status(c, "CVE-2021-43935", MEDFW_STORE_FINDING_AFFECTED), 1);
	for (size_t i = 0; i < 4; i++)
		assert_non_null(strstr(c->detail[i], "product mapping"));
	free(c);

	/* an entry naming a CSAF product no stored document defines: counted */
	assert_int_equal(map_put(f, "map2.json",
				 "{\"mappings\":[{\"model\":\"DCMTK\",\"advisory_products\":"
				 "[\"DCMTK\"]},{\"model\":\"x\",\"csaf_products\":[{\"document\":"
				 "\"NOPE-1\",\"product_id\":\"CSAFPID-0001\"}]}]}",
				 &m, NULL, &d),
			 MEDFW_OK);
	reevaluate(f, MEDFW_STORE_CAUSE_FEED, "product map map2.json", &st);
	assert_int_equal(st.product_map_problems, 1);
	assert_int_equal(st.findings, 3);
	assert_int_equal(st.unmatched, 1); /* Connex Cardio is no longer mapped */

	/* a stored map that no longer reads fails the evaluation: findings stay */
	assert_int_equal(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "UPDATE vuln_product_map SET raw_len = raw_len + 1",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	medfw_diag_clear(&d);
	assert_int_equal(medfw_store_vuln_reevaluate(f->store, MEDFW_STORE_CAUSE_FEED, "x", &st, &d),
			 MEDFW_ERR_COMPRESSION);
	assert_non_null(strstr(d.msg, "product map"));
	c = findings_of(f, "pump/fw-2.0.img", &total);
	assert_int_equal(count_status(c, "CVE-2022-2119", MEDFW_STORE_FINDING_AFFECTED), 1);
	free(c);
	/* replacing it mends it; the empty map unmaps everything */
	assert_int_equal(map_put(f, "empty.json", "{\"mappings\":[]}", &m, NULL, &d), MEDFW_OK);
	reevaluate(f, MEDFW_STORE_CAUSE_FEED, "product map empty.json", &st);
	assert_int_equal(st.findings, 0);
	assert_int_equal(st.unmatched, 3);
	c = findings_of(f, "pump/fw-2.0.img", &total);
	assert_int_equal(total, 4);
	assert_int_equal(count_status(c, "CVE-2022-2119", MEDFW_STORE_FINDING_UNMATCHED), 1);
	free(c);
}

/* The import scanner (vuln_scan_int.h) on the loader's paths. */
static void test_record_span(void **state)
{
	static const char doc[] =
		" {\"x\": {\"vulnerabilities\": 1}, \"vulnerabilities\" : [ {\"cve\": {\"id\": "
		"\"a\\\"]\"}}, {\"n\": [1, {\"cve\": 2}], \"cve\":{\"id\":\"b\"} } ,{\"cve\":3}],"
		"\"cve\": [true] }";
	const uint8_t *p = (const uint8_t *)doc;
	size_t n = strlen(doc), a = 0, b = 0;
	struct medfwi_span_cursor cur;

	(void)state;
	memset(&cur, 0, sizeof(cur));
	assert_int_equal(medfwi_vuln_record_span(p, n, "vulnerabilities[0].cve", &cur, &a, &b), 1);
	assert_int_equal(b - a, strlen("{\"id\": \"a\\\"]\"}"));
	assert_memory_equal(p + a, "{\"id\": \"a\\\"]\"}", b - a);
	assert_int_equal(medfwi_vuln_record_span(p, n, "vulnerabilities[1].cve", &cur, &a, &b), 1);
	assert_memory_equal(p + a, "{\"id\":\"b\"}", b - a);
	assert_int_equal(medfwi_vuln_record_span(p, n, "vulnerabilities[2].cve", &cur, &a, &b), 1);
	assert_memory_equal(p + a, "3", b - a);
	/* going back restarts from the array */
	assert_int_equal(medfwi_vuln_record_span(p, n, "vulnerabilities[0].cve", &cur, &a, &b), 1);
	assert_memory_equal(p + a, "{\"id\": \"a\\\"]\"}", b - a);
	assert_int_equal(medfwi_vuln_record_span(p, n, "cve", &cur, &a, &b), 1);
	assert_memory_equal(p + a, "[true]", b - a);
	assert_int_equal(medfwi_vuln_record_span(p, n, "vulnerabilities[3].cve", &cur, &a, &b), 0);
	assert_int_equal(medfwi_vuln_record_span(p, n, "vulnerabilities[0].cve.id", &cur, &a, &b),
			 0);
	assert_int_equal(medfwi_vuln_record_span(p, n, "vulns[0]", &cur, &a, &b), 0);
	assert_int_equal(medfwi_vuln_record_span(p, n, "vulnerabilities[]", &cur, &a, &b), 0);
	assert_int_equal(medfwi_vuln_record_span(p, n, "vulnerabilities[x]", &cur, &a, &b), 0);
	assert_int_equal(medfwi_vuln_record_span(p, n, "vulnerabilities[0", &cur, &a, &b), 0);
	memset(&cur, 0, sizeof(cur));
	assert_int_equal(medfwi_vuln_record_span((const uint8_t *)"[1, [2,3] ,\"]\"]", 15, "[2]", &cur,
						 &a, &b),
			 1);
	assert_int_equal(a, 11);
	assert_int_equal(b, 14);
	/* cut short: never past the end */
	memset(&cur, 0, sizeof(cur));
	assert_int_equal(medfwi_vuln_record_span((const uint8_t *)"[1, [2,3", 8, "[3]", &cur, &a, &b),
			 0);
}

/* ---------------------------------------------------------------- timing */

static double since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* "R,C,N" into three numbers (MEDFW_VULN_SCALE). */
static void parse_scale(const char *text, size_t *a, size_t *b, size_t *c)
{
	size_t *out[3] = {a, b, c};
	char part[24];
	const char *p = text;

	for (int i = 0; i < 3; i++) {
		size_t n = strcspn(p, ",");
		uint64_t v = 0;

		assert_true(n > 0 && n < sizeof(part));
		memcpy(part, p, n);
		part[n] = '\0';
		assert_int_equal(medfw_parse_u64(part, 1, 10000000, &v), MEDFW_OK);
		*out[i] = (size_t)v;
		p += n + (p[n] == ',');
	}
}

/* records OSV records over `records` packages, releases x components components drawn
 * from them: every component's package has one record, half the versions affected. */
static void test_timing(void **state)
{
	struct fixture *f = *state;
	size_t records = 2000, components = 200, releases = 10;
	const char *scale = getenv("MEDFW_VULN_SCALE");
	struct medfw_store_vuln_import imp;
	struct medfw_store_vuln_eval_stats st;
	struct timespec t0;
	struct medfw_buf b;
	char **names, **versions, id[32], cve[32], pkg[32], target[64], sha[65];
	double import_s, first_s, again_s;

	if (scale != NULL)
		parse_scale(scale, &records, &components, &releases);
	assert_true(components <= records);
	medfw_buf_init(&b, MEDFW_STORE_VULN_FILE_MAX);
	assert_int_equal(medfw_buf_append_str(&b, "["), MEDFW_OK);
	for (size_t i = 0; i < records; i++) {
		snprintf(id, sizeof(id), "PYSEC-%zu", i);
		snprintf(cve, sizeof(cve), "CVE-2024-%zu", 10000 + i);
		snprintf(pkg, sizeof(pkg), "pkg%zu", i);
		if (i > 0)
			assert_int_equal(medfw_buf_append_str(&b, ","), MEDFW_OK);
		osv_record(&b, id, "2024-01-01T00:00:00Z", cve, pkg, "5.0");
	}
	assert_int_equal(medfw_buf_append_str(&b, "]"), MEDFW_OK);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	assert_int_equal(medfw_store_vuln_import(f->store, "synthetic.json", b.data, b.len, &imp,
						 NULL),
			 MEDFW_OK);
	import_s = since(&t0);
	assert_int_equal(imp.added, records);
	names = calloc(components, sizeof(*names));
	versions = calloc(components, sizeof(*versions));
	assert_non_null(names);
	assert_non_null(versions);
	for (size_t r = 0; r < releases; r++) {
		for (size_t i = 0; i < components; i++) {
			size_t p = (i * 7 + r * 13) % records;

			free(names[i]);
			free(versions[i]);
			names[i] = malloc(32);
			versions[i] = malloc(16);
			assert_non_null(names[i]);
			assert_non_null(versions[i]);
			snprintf(names[i], 32, "pkg%zu", p);
			snprintf(versions[i], 16, "%zu.0", (i + r) % 10);
		}
		snprintf(target, sizeof(target), "pump/fw-%zu.img", r);
		snprintf(sha, sizeof(sha), "%064zx", r + 1);
		put_release(f, target, sha, "2024-01-10", (int64_t)r,
			    sbom_of("1", (const char *const *)names, (const char *const *)versions,
				    components),
			    NULL);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	reevaluate(f, MEDFW_STORE_CAUSE_FEED, "timing", &st);
	first_s = since(&t0);
	assert_int_equal(st.findings, releases * components);
	assert_int_equal(st.inserted, releases * components);
	printf("vuln store timing: import of %zu OSV records (%.1f MB) %.2f s; first "
	       "re-evaluation of %zu releases x %zu components %.2f s (load %lld ms, index %lld "
	       "ms, match %lld ms, write %lld ms, exposures %lld ms)\n",
	       records, (double)b.len / 1e6, import_s, releases, components, first_s,
	       (long long)st.ms_load, (long long)st.ms_index, (long long)st.ms_match,
	       (long long)st.ms_write, (long long)st.ms_exposures);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	reevaluate(f, MEDFW_STORE_CAUSE_FEED, "timing", &st);
	again_s = since(&t0);
	assert_int_equal(st.inserted + st.updated, 0);
	printf("vuln store timing: re-evaluation with nothing changed %.2f s (load %lld ms, index "
	       "%lld ms, match %lld ms, write %lld ms)\n",
	       again_s, (long long)st.ms_load, (long long)st.ms_index, (long long)st.ms_match,
	       (long long)st.ms_write);
	for (size_t i = 0; i < components; i++) {
		free(names[i]);
		free(versions[i]);
	}
	free(names);
	free(versions);
	medfw_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_and_policy_days),
		cmocka_unit_test_setup_teardown(test_sbom_put_get_and_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_import_incremental_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_import_real_feeds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_import_escaped_member, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reevaluate_findings_vex_history, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_reevaluations, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reevaluate_with_progress, setup, teardown),
		cmocka_unit_test_setup_teardown(test_history_migration_v7, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fix_rollouts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_history_detail_cut_on_a_character, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_vex_documents, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sla_exposures_and_report, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kev_due_date, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_arguments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_product_map_put_get, setup, teardown),
		cmocka_unit_test_setup_teardown(test_product_map_reevaluation, setup, teardown),
		cmocka_unit_test(test_record_span),
		cmocka_unit_test_setup_teardown(test_timing, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
