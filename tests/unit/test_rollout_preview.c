/* What the rollout preview (docs/rollouts.md "Preview") stands on: the one order and
 * split of devices into waves (medfw_rollout_split, also used by rollback campaigns),
 * checked against ranks computed outside medfw; local times with their offset for
 * the windows (medfw_tz_format_local); and the id the next rollout gets, read from the
 * store without writing (medfw_store_rollout_next_id). */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "medfw/ctx.h"
#include "medfw/json.h"
#include "medfw/rollout.h"
#include "medfw/store.h"
#include "medfw/store_rollout.h"
#include "medfw/tz.h"

static void plan_of(const char *text, struct medfw_rollout_plan *plan)
{
	json_t *j = NULL;
	struct medfw_diag d;

	medfw_diag_clear(&d);
	if (medfw_json_parse((const uint8_t *)text, strlen(text), 1 << 16, 16, &j, &d) != MEDFW_OK)
		fail_msg("test JSON: %s", d.msg);
	if (medfw_rollout_plan_from_json(j, plan, &d) != MEDFW_OK)
		fail_msg("plan: %s", d.msg);
	json_decref(j);
}

static const char THREE_WAVES[] =
	"[{\"name\": \"canary\", \"count\": 2, \"success_threshold\": 90, \"error_threshold\": 20},"
	" {\"name\": \"early\", \"percent\": 50, \"success_threshold\": 95, \"error_threshold\": 10},"
	" {\"name\": \"all\", \"percent\": 100, \"success_threshold\": 98, \"error_threshold\": 5}]";

static const char FOUR_WAVES[] =
	"[{\"name\": \"canary\", \"count\": 10, \"success_threshold\": 90, \"error_threshold\": 20},"
	" {\"name\": \"early\", \"percent\": 10, \"success_threshold\": 95, \"error_threshold\": 10},"
	" {\"name\": \"half\", \"percent\": 50, \"success_threshold\": 95, \"error_threshold\": 10},"
	" {\"name\": \"all\", \"percent\": 100, \"success_threshold\": 98, \"error_threshold\": 5}]";

/* ---------------------------------------------------------------- the split */

/* Device ids 1..10 split by rollouts 3 and 4 as Python computes them:
 *   rank(r, d) = int.from_bytes(sha256(struct.pack(">qq", r, d)).digest()[:8], "big")
 *   sorted(ids, key=lambda d: (rank(r, d), d))
 * with THREE_WAVES: 2 devices, then up to 50 % (3 more), then the 5 left. */
static void test_split_known_answer(void **state)
{
	static const int64_t want3[10] = {2, 4, 9, 6, 1, 5, 3, 8, 10, 7};
	static const int64_t want4[10] = {10, 5, 3, 4, 8, 7, 9, 1, 2, 6};
	static const size_t want_wave[10] = {0, 0, 1, 1, 1, 2, 2, 2, 2, 2};
	struct medfw_rollout_plan plan;
	struct medfw_rollout_slot slots[10];
	uint64_t sizes[MEDFW_ROLLOUT_WAVES_MAX];

	(void)state;
	assert_true(medfw_rollout_rank(3, 1) == UINT64_C(0x4221aa56a46373f0));
	assert_true(medfw_rollout_rank(4, 1) == UINT64_C(0xaa266d3969edc098));
	plan_of(THREE_WAVES, &plan);
	for (int r = 3; r <= 4; r++) {
		const int64_t *want = r == 3 ? want3 : want4;

		memset(slots, 0, sizeof(slots));
		for (size_t i = 0; i < 10; i++) {
			slots[i].device_id = (int64_t)i + 1;
			slots[i].index = i;
		}
		memset(sizes, 0xff, sizeof(sizes));
		medfw_rollout_split(&plan, r, slots, 10, sizes);
		assert_int_equal(sizes[0], 2);
		assert_int_equal(sizes[1], 3);
		assert_int_equal(sizes[2], 5);
		assert_int_equal(sizes[3], 0); /* the rest of the table is cleared */
		for (size_t k = 0; k < 10; k++) {
			assert_int_equal(slots[k].device_id, want[k]);
			assert_int_equal(slots[k].wave, want_wave[k]);
			/* the caller's index travels with its device */
			assert_int_equal(slots[k].index, (size_t)(slots[k].device_id - 1));
		}
	}
}

/* A larger fleet: ascending ranks, waves in order and of the planned sizes, every
 * device once, and the same answer whatever order the devices came in. */
static void test_split_properties(void **state)
{
	enum { N = 1000 };
	struct medfw_rollout_plan plan;
	struct medfw_rollout_slot *a = calloc(N, sizeof(*a)), *b = calloc(N, sizeof(*b));
	uint64_t sizes[MEDFW_ROLLOUT_WAVES_MAX], want[MEDFW_ROLLOUT_WAVES_MAX];
	uint64_t count[MEDFW_ROLLOUT_WAVES_MAX] = {0};
	unsigned char *seen = calloc(N + 1, 1);
	size_t same_canary = 0;

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(seen);
	plan_of(FOUR_WAVES, &plan);
	for (size_t i = 0; i < N; i++) {
		a[i].device_id = (int64_t)(i * 7 + 3); /* ids with gaps */
		a[i].index = i;
		b[N - 1 - i] = a[i];                   /* the same devices, reversed */
	}
	medfw_rollout_split(&plan, 42, a, N, sizes);
	medfw_rollout_split(&plan, 42, b, N, NULL);
	medfw_rollout_wave_sizes(&plan, N, want);
	for (size_t w = 0; w < plan.wave_count; w++)
		assert_int_equal(sizes[w], want[w]);
	for (size_t k = 0; k < N; k++) {
		size_t i = a[k].index;

		assert_int_equal(a[k].rank, medfw_rollout_rank(42, a[k].device_id));
		assert_int_equal(a[k].device_id, (int64_t)(i * 7 + 3));
		assert_false(seen[i]);
		seen[i] = 1;
		if (k > 0) {
			assert_true(a[k - 1].rank < a[k].rank ||
				    (a[k - 1].rank == a[k].rank && a[k - 1].device_id < a[k].device_id));
			assert_true(a[k - 1].wave <= a[k].wave);
		}
		count[a[k].wave]++;
		assert_int_equal(b[k].device_id, a[k].device_id);
		assert_int_equal(b[k].wave, a[k].wave);
	}
	for (size_t w = 0; w < plan.wave_count; w++)
		assert_int_equal(count[w], want[w]);
	/* another rollout id: another canary (the split depends on the id) */
	medfw_rollout_split(&plan, 43, b, N, NULL);
	for (size_t k = 0; k < want[0]; k++)
		for (size_t j = 0; j < want[0]; j++)
			same_canary += b[k].device_id == a[j].device_id;
	assert_true(same_canary < want[0]);
	free(a);
	free(b);
	free(seen);
}

static void test_split_edges(void **state)
{
	struct medfw_rollout_plan plan, none;
	struct medfw_rollout_slot slots[3];
	uint64_t sizes[MEDFW_ROLLOUT_WAVES_MAX];

	(void)state;
	plan_of(FOUR_WAVES, &plan);
	/* no devices: nothing touched, sizes all 0 */
	memset(sizes, 0xff, sizeof(sizes));
	medfw_rollout_split(&plan, 1, NULL, 0, sizes);
	for (size_t w = 0; w < MEDFW_ROLLOUT_WAVES_MAX; w++)
		assert_int_equal(sizes[w], 0);
	/* fewer devices than the canary's count: all in the canary, later waves empty */
	memset(slots, 0, sizeof(slots));
	for (size_t i = 0; i < 3; i++)
		slots[i].device_id = (int64_t)i + 1;
	medfw_rollout_split(&plan, 1, slots, 3, sizes);
	assert_int_equal(sizes[0], 3);
	assert_int_equal(sizes[1] + sizes[2] + sizes[3], 0);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(slots[i].wave, 0);
	/* a plan without waves (never parsed): wave 0 for everyone, sizes 0 */
	memset(&none, 0, sizeof(none));
	for (size_t i = 0; i < 3; i++)
		slots[i].wave = 9;
	medfw_rollout_split(&none, 1, slots, 3, sizes);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(slots[i].wave, 0);
	assert_int_equal(sizes[0], 0);
}

/* ---------------------------------------------------------------- local times */

static void expect_local(const char *zone, int64_t t, const char *want)
{
	struct medfw_tz *tz = NULL;
	char out[MEDFW_TZ_LOCAL_TIME_MAX + 1];

	assert_int_equal(medfw_tz_load(NULL, zone, &tz, NULL), MEDFW_OK);
	memset(out, 'x', sizeof(out));
	assert_int_equal(medfw_tz_format_local(tz, t, out, sizeof(out)), MEDFW_OK);
	if (strcmp(out, want) != 0)
		fail_msg("%s at %lld: \"%s\", want \"%s\"", zone, (long long)t, out, want);
	medfw_tz_free(tz);
}

/* Expected values from Python's zoneinfo: datetime.fromtimestamp(t, ZoneInfo(z)). */
static void test_format_local(void **state)
{
	struct medfw_tz *tz = NULL;
	char out[MEDFW_TZ_LOCAL_TIME_MAX + 1], small[MEDFW_TZ_LOCAL_TIME_LEN + 1];

	(void)state;
	expect_local("UTC", 0, "1970-01-01T00:00:00+00:00");
	expect_local("Europe/Berlin", 1900000000, "2030-03-17T18:46:40+01:00");
	expect_local("Europe/Berlin", 1910000000, "2030-07-11T13:33:20+02:00");
	expect_local("America/New_York", 1900000000, "2030-03-17T13:46:40-04:00");
	expect_local("Asia/Kolkata", 1900000000, "2030-03-17T23:16:40+05:30");
	/* local mean time: an offset with seconds */
	expect_local("Europe/Berlin", -3000000000LL, "1874-12-07T19:33:28+00:53:28");
	assert_int_equal(strlen("2030-03-17T18:46:40+01:00"), MEDFW_TZ_LOCAL_TIME_LEN);
	assert_int_equal(medfw_tz_load(NULL, "Europe/Berlin", &tz, NULL), MEDFW_OK);
	/* a buffer that could not hold an offset with seconds is refused, and cleared */
	memset(small, 'x', sizeof(small));
	assert_int_equal(medfw_tz_format_local(tz, 1900000000, small, sizeof(small)),
			 MEDFW_ERR_INVALID_ARG);
	assert_string_equal(small, "");
	/* past year 9999 */
	memset(out, 'x', sizeof(out));
	assert_int_equal(medfw_tz_format_local(tz, 253402300800LL, out, sizeof(out)),
			 MEDFW_ERR_FIELD_VALUE);
	assert_string_equal(out, "");
	assert_int_equal(medfw_tz_format_local(NULL, 0, out, sizeof(out)), MEDFW_ERR_INVALID_ARG);
	medfw_tz_free(tz);
}

/* ---------------------------------------------------------------- the next id */

static int64_t test_clock(void *user)
{
	(void)user;
	return 1700000000;
}

static void new_rollout(struct medfw_store *store, struct medfw_store_rollout *r)
{
	struct medfw_diag d;

	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "preview test");
	r->kind = MEDFW_ROLLOUT_KIND_UPDATE;
	snprintf(r->target_name, sizeof(r->target_name), "pump/fw-1.img");
	r->target_length = 10;
	snprintf(r->target_hashes, sizeof(r->target_hashes), "{}");
	memset(r->target_sha256, 'a', 64);
	snprintf(r->selector, sizeof(r->selector), "{\"models\":[\"Pump\"]}");
	snprintf(r->waves, sizeof(r->waves), "[]");
	r->state = MEDFW_ROLLOUT_AWAITING_APPROVAL;
	r->current_wave = -1;
	medfw_diag_clear(&d);
	if (medfw_store_rollout_create(store, r, &d) != MEDFW_OK)
		fail_msg("create: %s", d.msg);
}

static void exec_sql(const char *path, const char *sql)
{
	sqlite3 *db = NULL;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
}

static void test_next_id(void **state)
{
	char *dir = tu_tmpdir_new();
	char path[4096];
	struct medfw_ctx *ctx = medfw_ctx_new();
	struct medfw_store *store = NULL;
	struct medfw_store_rollout *r = calloc(1, sizeof(*r));
	struct medfw_diag d;
	int64_t id = -1;

	(void)state;
	assert_non_null(r);
	tu_path(path, sizeof(path), dir, "medfwd.db");
	medfw_ctx_set_clock(ctx, test_clock, NULL);
	assert_int_equal(medfw_store_open(ctx, path, &store, NULL), MEDFW_OK);
	/* empty: 1; then always what create gives next, and reading changes nothing */
	assert_int_equal(medfw_store_rollout_next_id(store, &id, NULL), MEDFW_OK);
	assert_int_equal(id, 1);
	assert_int_equal(medfw_store_rollout_next_id(store, &id, NULL), MEDFW_OK);
	assert_int_equal(id, 1);
	for (int64_t i = 1; i <= 3; i++) {
		assert_int_equal(medfw_store_rollout_next_id(store, &id, NULL), MEDFW_OK);
		new_rollout(store, r);
		assert_int_equal(r->id, id);
		assert_int_equal(r->id, i);
	}
	/* a gap after the largest (ids made elsewhere): still the largest plus one */
	medfw_store_close(store);
	exec_sql(path, "UPDATE rollouts SET id = 40 WHERE id = 3");
	assert_int_equal(medfw_store_open(ctx, path, &store, NULL), MEDFW_OK);
	assert_int_equal(medfw_store_rollout_next_id(store, &id, NULL), MEDFW_OK);
	assert_int_equal(id, 41);
	new_rollout(store, r);
	assert_int_equal(r->id, 41);
	/* the largest possible id: SQLite picks one at random, so it cannot be known */
	medfw_store_close(store);
	exec_sql(path, "UPDATE rollouts SET id = 9223372036854775807 WHERE id = 41");
	assert_int_equal(medfw_store_open(ctx, path, &store, NULL), MEDFW_OK);
	medfw_diag_clear(&d);
	id = -1;
	assert_int_equal(medfw_store_rollout_next_id(store, &id, &d), MEDFW_ERR_NOT_FOUND);
	assert_int_equal(id, 0);
	assert_non_null(strstr(d.msg, "cannot be known"));
	assert_int_equal(medfw_store_rollout_next_id(store, NULL, NULL), MEDFW_ERR_INVALID_ARG);
	medfw_store_close(store);
	medfw_ctx_free(ctx);
	tu_tmpdir_free(dir);
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_known_answer),
		cmocka_unit_test(test_split_properties),
		cmocka_unit_test(test_split_edges),
		cmocka_unit_test(test_format_local),
		cmocka_unit_test(test_next_id),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
