/* The rollout state machine (medfw/rollout.h): the wave plan and its sizes, the
 * selection, how update events move a member, success thresholds and soak times over
 * days of a test clock, error thresholds that pause, completion, and the rules of
 * human actions (the two-person rule among them). Windows across time zones and
 * daylight-saving changes are in test_window.c. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "medfw/json.h"
#include "medfw/rollout.h"

#define DAY 86400
#define T0 1900000000 /* 2030-03-17T17:46:40Z: the test clock's start */

static json_t *parse(const char *text)
{
	json_t *j = NULL;
	struct medfw_diag d;

	medfw_diag_clear(&d);
	if (medfw_json_parse((const uint8_t *)text, strlen(text), 1 << 16, 16, &j, &d) != MEDFW_OK)
		fail_msg("test JSON: %s", d.msg);
	return j;
}

static void plan_of(const char *text, struct medfw_rollout_plan *plan)
{
	json_t *j = parse(text);
	struct medfw_diag d;

	medfw_diag_clear(&d);
	if (medfw_rollout_plan_from_json(j, plan, &d) != MEDFW_OK)
		fail_msg("plan: %s", d.msg);
	json_decref(j);
}

/* The plan must be refused with a message containing `want`. */
static void plan_bad(const char *text, const char *want)
{
	struct medfw_rollout_plan plan;
	json_t *j = parse(text);
	struct medfw_diag d;
	enum medfw_err err;

	medfw_diag_clear(&d);
	err = medfw_rollout_plan_from_json(j, &plan, &d);
	json_decref(j);
	if (err == MEDFW_OK)
		fail_msg("accepted: %s", text);
	if (strstr(d.msg, want) == NULL)
		fail_msg("\"%s\" does not say \"%s\"", d.msg, want);
	assert_int_equal(plan.wave_count, 0);
}

static const char FOUR_WAVES[] =
	"[{\"name\": \"canary\", \"count\": 10, \"success_threshold\": 90, \"error_threshold\": 20,"
	"  \"soak_seconds\": 86400},"
	" {\"name\": \"early\", \"percent\": 10, \"success_threshold\": 95, \"error_threshold\": 10,"
	"  \"soak_seconds\": 43200},"
	" {\"name\": \"half\", \"percent\": 50, \"success_threshold\": 95, \"error_threshold\": 5,"
	"  \"soak_seconds\": 3600},"
	" {\"name\": \"all\", \"percent\": 100, \"success_threshold\": 98, \"error_threshold\": 5}]";

static void test_plan_parse_and_round_trip(void **state)
{
	struct medfw_rollout_plan plan, again;
	json_t *j;
	char *text;

	(void)state;
	plan_of(FOUR_WAVES, &plan);
	assert_int_equal(plan.wave_count, 4);
	assert_string_equal(plan.waves[0].name, "canary");
	assert_int_equal(plan.waves[0].count, 10);
	assert_int_equal(plan.waves[0].percent, 0);
	assert_int_equal(plan.waves[1].percent, 10);
	assert_int_equal(plan.waves[0].soak, DAY);
	assert_int_equal(plan.waves[3].soak, 0);
	j = medfw_rollout_plan_to_json(&plan);
	text = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	plan_of(text, &again);
	free(text);
	assert_memory_equal(&plan, &again, sizeof(plan));
}

static void test_plan_refusals(void **state)
{
	(void)state;
	plan_bad("[]", "1 to 16 waves");
	plan_bad("{}", "not an array");
	plan_bad("[{\"name\": \"all\", \"percent\": 50, \"success_threshold\": 90,"
		 " \"error_threshold\": 5}]",
		 "last wave must be \"percent\": 100");
	plan_bad("[{\"name\": \"a\", \"count\": 5, \"percent\": 100, \"success_threshold\": 90,"
		 " \"error_threshold\": 5}]",
		 "exactly one of");
	plan_bad("[{\"name\": \"a\", \"success_threshold\": 90, \"error_threshold\": 5}]",
		 "exactly one of");
	plan_bad("[{\"name\": \"a\", \"percent\": 60, \"success_threshold\": 90, \"error_threshold\": 5},"
		 " {\"name\": \"b\", \"percent\": 40, \"success_threshold\": 90, \"error_threshold\": 5},"
		 " {\"name\": \"c\", \"percent\": 100, \"success_threshold\": 90, \"error_threshold\": 5}]",
		 "waves[1].percent: 40 is below the 60");
	plan_bad("[{\"name\": \"a\", \"count\": 5, \"success_threshold\": 90, \"error_threshold\": 5},"
		 " {\"name\": \"a\", \"percent\": 100, \"success_threshold\": 90, \"error_threshold\": 5}]",
		 "waves[1].name: \"a\" is the name of waves[0]");
	plan_bad("[{\"name\": \"a\", \"percent\": 100, \"success_threshold\": 0, \"error_threshold\": 5}]",
		 "success_threshold");
	plan_bad("[{\"name\": \"a\", \"percent\": 100, \"success_threshold\": 90, \"error_threshold\": 101}]",
		 "error_threshold");
	plan_bad("[{\"name\": \"a\", \"percent\": 100, \"success_threshold\": 90, \"error_threshold\": 5,"
		 " \"soak_seconds\": -1}]",
		 "soak_seconds");
	plan_bad("[{\"name\": \"a\", \"percent\": 100, \"success_threshold\": 90, \"error_threshold\": 5,"
		 " \"soak\": 60}]",
		 "unknown field \"soak\"");
	plan_bad("[{\"name\": \"a\\u0007\", \"percent\": 100, \"success_threshold\": 90,"
		 " \"error_threshold\": 5}]",
		 "waves[0].name");
	plan_bad("[{\"name\": \" a\", \"percent\": 100, \"success_threshold\": 90,"
		 " \"error_threshold\": 5}]",
		 "waves[0].name");
	plan_bad("[{\"name\": \"a\", \"percent\": \"100\", \"success_threshold\": 90,"
		 " \"error_threshold\": 5}]",
		 "percent");
	plan_bad("[1]", "waves[0]: not an object");
}

static uint64_t sum(const uint64_t *s, size_t n)
{
	uint64_t t = 0;

	for (size_t i = 0; i < n; i++)
		t += s[i];
	return t;
}

static void test_wave_sizes(void **state)
{
	struct medfw_rollout_plan plan;
	uint64_t s[MEDFW_ROLLOUT_WAVES_MAX];

	(void)state;
	plan_of(FOUR_WAVES, &plan);
	medfw_rollout_wave_sizes(&plan, 1000, s);
	/* canary 10; early up to 10 % = 100 -> 90; half up to 500 -> 400; the rest 500 */
	assert_int_equal(s[0], 10);
	assert_int_equal(s[1], 90);
	assert_int_equal(s[2], 400);
	assert_int_equal(s[3], 500);
	medfw_rollout_wave_sizes(&plan, 7, s);
	/* fewer devices than the canary: the canary takes them all */
	assert_int_equal(s[0], 7);
	assert_int_equal(s[1] + s[2] + s[3], 0);
	medfw_rollout_wave_sizes(&plan, 0, s);
	assert_int_equal(sum(s, 4), 0);
	medfw_rollout_wave_sizes(&plan, 12, s);
	/* 10 % of 12 is 2, below the canary's 10: a percent wave still gets one device
	 * while any is left (so does "half"), and the last wave gets what remains */
	assert_int_equal(s[0], 10);
	assert_int_equal(s[1], 1);
	assert_int_equal(s[2], 1);
	assert_int_equal(s[3], 0);
	assert_int_equal(sum(s, 4), 12);
	for (uint64_t total = 0; total < 3000; total += 37) {
		medfw_rollout_wave_sizes(&plan, total, s);
		assert_int_equal(sum(s, 4), total);
	}
	plan_of("[{\"name\": \"one\", \"percent\": 1, \"success_threshold\": 90, \"error_threshold\": 5},"
		" {\"name\": \"all\", \"percent\": 100, \"success_threshold\": 90, \"error_threshold\": 5}]",
		&plan);
	medfw_rollout_wave_sizes(&plan, 10000, s);
	assert_int_equal(s[0], 100);
	assert_int_equal(s[1], 9900);
	medfw_rollout_wave_sizes(&plan, 3, s);
	assert_int_equal(s[0], 1); /* ceil(0.03) = 1 */
	assert_int_equal(s[1], 2);
}

static void test_rank_is_stable_and_spread(void **state)
{
	uint64_t a = medfw_rollout_rank(1, 42), b = medfw_rollout_rank(1, 42);
	size_t low_ids_in_first_tenth = 0;
	uint64_t ranks[1000];

	(void)state;
	assert_true(a == b);
	assert_true(medfw_rollout_rank(2, 42) != a);
	assert_true(medfw_rollout_rank(1, 43) != a);
	/* the 100 smallest ranks of 1000 devices are not just the 100 smallest ids */
	for (int i = 0; i < 1000; i++)
		ranks[i] = medfw_rollout_rank(7, i + 1);
	for (int i = 0; i < 100; i++) {
		size_t below = 0;

		for (int k = 0; k < 1000; k++)
			below += ranks[k] < ranks[i];
		low_ids_in_first_tenth += below < 100;
	}
	assert_true(low_ids_in_first_tenth > 2 && low_ids_in_first_tenth < 30);
}

static void test_selector(void **state)
{
	struct medfw_rollout_selector sel;
	struct medfw_diag d;
	json_t *j;
	static const struct {
		const char *json, *want;
	} bad[] = {
		{"{}", "name at least one"},
		{"[]", "not an object"},
		{"{\"models\": []}", "1 to 256 values"},
		{"{\"models\": \"pump\"}", "not an array"},
		{"{\"models\": [\"a\", \"a\"]}", "listed twice"},
		{"{\"models\": [1]}", "not a string"},
		{"{\"models\": [\"\"]}", "selector.models[0]"},
		{"{\"departments\": [\"ICU\\u0085x\"]}", "selector.departments[0]"},
		{"{\"departments\": [\"ICU\\u001b[31m\"]}", "selector.departments[0]"},
		{"{\"tags\": [\"has space\"]}", "a tag is"},
		{"{\"sites\": [0]}", "positive integer"},
		{"{\"devices\": [3, 3]}", "listed twice"},
		{"{\"colour\": [\"red\"]}", "unknown field \"colour\""},
	};

	(void)state;
	j = parse("{\"sites\": [1, 2], \"models\": [\"InfuPump 3\"], \"hardware_ids\": [\"pump-rev-c\"],"
		  " \"firmware_versions\": [\"4.1.0\", \"4.1.1\"], \"departments\": [\"ICU\", \"Onkologie\"],"
		  " \"network_zones\": [\"med-iot\"], \"tags\": [\"ward:3\", \"pilot\"], \"devices\": [17]}");
	medfw_diag_clear(&d);
	if (medfw_rollout_selector_from_json(j, &sel, &d) != MEDFW_OK)
		fail_msg("%s", d.msg);
	assert_int_equal(sel.view.site_count, 2);
	assert_int_equal(sel.view.site_ids[1], 2);
	assert_int_equal(sel.view.model_count, 1);
	assert_string_equal(sel.view.models[0], "InfuPump 3");
	assert_int_equal(sel.view.firmware_version_count, 2);
	assert_string_equal(sel.view.departments[1], "Onkologie");
	assert_string_equal(sel.view.tags[0], "ward:3");
	assert_int_equal(sel.view.device_id_count, 1);
	assert_int_equal(sel.view.device_ids[0], 17);
	assert_int_equal(sel.view.network_zone_count, 1);
	assert_int_equal(sel.view.hardware_id_count, 1);
	json_decref(j);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		j = parse(bad[i].json);
		medfw_diag_clear(&d);
		if (medfw_rollout_selector_from_json(j, &sel, &d) == MEDFW_OK)
			fail_msg("accepted %s", bad[i].json);
		if (strstr(d.msg, bad[i].want) == NULL)
			fail_msg("%s: \"%s\" does not say \"%s\"", bad[i].json, d.msg, bad[i].want);
		json_decref(j);
	}
}

static void test_member_transitions(void **state)
{
	(void)state;
	/* events about this rollout's target move a member forward */
	assert_int_equal(medfw_rollout_member_next(MEDFW_RD_SCHEDULED, MEDFW_UPDATE_OFFERED, true),
			 MEDFW_RD_SCHEDULED);
	assert_int_equal(medfw_rollout_member_next(MEDFW_RD_SCHEDULED, MEDFW_UPDATE_DEFERRED, true),
			 MEDFW_RD_DEFERRED);
	assert_int_equal(medfw_rollout_member_next(MEDFW_RD_DEFERRED, MEDFW_UPDATE_DOWNLOADING, true),
			 MEDFW_RD_DOWNLOADING);
	assert_int_equal(medfw_rollout_member_next(MEDFW_RD_DOWNLOADING, MEDFW_UPDATE_VERIFIED, true),
			 MEDFW_RD_DOWNLOADING);
	assert_int_equal(medfw_rollout_member_next(MEDFW_RD_DOWNLOADING, MEDFW_UPDATE_REBOOTING, true),
			 MEDFW_RD_INSTALLED);
	assert_int_equal(medfw_rollout_member_next(MEDFW_RD_INSTALLED, MEDFW_UPDATE_COMMITTED, true),
			 MEDFW_RD_COMMITTED);
	assert_int_equal(medfw_rollout_member_next(MEDFW_RD_INSTALLED, MEDFW_UPDATE_ROLLED_BACK, true),
			 MEDFW_RD_ROLLED_BACK);
	assert_int_equal(medfw_rollout_member_next(MEDFW_RD_DOWNLOADING, MEDFW_UPDATE_FAILED, true),
			 MEDFW_RD_FAILED);
	/* events about another target (an older rollout, a hand assignment) change nothing */
	assert_int_equal(medfw_rollout_member_next(MEDFW_RD_SCHEDULED, MEDFW_UPDATE_FAILED, false),
			 MEDFW_RD_SCHEDULED);
	assert_int_equal(medfw_rollout_member_next(MEDFW_RD_PENDING, MEDFW_UPDATE_COMMITTED, false),
			 MEDFW_RD_PENDING);
	/* final states stay */
	assert_int_equal(medfw_rollout_member_next(MEDFW_RD_COMMITTED, MEDFW_UPDATE_FAILED, true),
			 MEDFW_RD_COMMITTED);
	assert_int_equal(medfw_rollout_member_next(MEDFW_RD_FAILED, MEDFW_UPDATE_COMMITTED, true),
			 MEDFW_RD_FAILED);
	assert_int_equal(medfw_rollout_member_next(MEDFW_RD_ROLLED_BACK, MEDFW_UPDATE_DOWNLOADING,
						   true),
			 MEDFW_RD_ROLLED_BACK);
	assert_int_equal(medfw_rollout_member_next(MEDFW_RD_REMOVED, MEDFW_UPDATE_COMMITTED, true),
			 MEDFW_RD_REMOVED);
	assert_int_equal(medfw_rollout_member_next(MEDFW_RD_PENDING, MEDFW_UPDATE_NONE, true),
			 MEDFW_RD_PENDING);
	assert_true(medfw_rollout_member_final(MEDFW_RD_COMMITTED));
	assert_false(medfw_rollout_member_final(MEDFW_RD_DEFERRED));
	assert_false(medfw_rollout_member_final(MEDFW_RD_INSTALLED));
}

/* A simulated rollout: per wave, members and their states, driven by a test clock. */
struct sim {
	struct medfw_rollout_plan plan;
	struct medfw_rollout_wave_counts counts[MEDFW_ROLLOUT_WAVES_MAX];
	struct medfw_rollout_wave_progress progress[MEDFW_ROLLOUT_WAVES_MAX];
	size_t current;
	int paused, completed;
	char reason[MEDFW_ROLLOUT_REASON_MAX];
};

static void sim_start(struct sim *s, const char *plan, uint64_t total, int64_t now)
{
	uint64_t sizes[MEDFW_ROLLOUT_WAVES_MAX];

	memset(s, 0, sizeof(*s));
	plan_of(plan, &s->plan);
	medfw_rollout_wave_sizes(&s->plan, total, sizes);
	for (size_t i = 0; i < s->plan.wave_count; i++)
		s->counts[i].by_state[MEDFW_RD_PENDING] = sizes[i];
	s->progress[0].opened_at = now;
}

/* Move n members of wave w from one state to another. */
static void sim_move(struct sim *s, size_t w, enum medfw_store_rollout_device_state from,
		     enum medfw_store_rollout_device_state to, uint64_t n)
{
	assert_true(s->counts[w].by_state[from] >= n);
	s->counts[w].by_state[from] -= n;
	s->counts[w].by_state[to] += n;
}

/* Let the engine decide until it waits; returns the number of decisions taken. */
static int sim_step(struct sim *s, int64_t now)
{
	struct medfw_rollout_decision d;
	int taken = 0;

	while (!s->paused && !s->completed && taken < 40) {
		medfw_rollout_evaluate(&s->plan, s->counts, s->progress, s->current, now, &d);
		if (d.action == MEDFW_ROLLOUT_WAIT)
			break;
		taken++;
		if (d.action == MEDFW_ROLLOUT_SUCCEEDED) {
			assert_int_equal(d.wave, s->current);
			s->progress[d.wave].success_at = now;
		} else if (d.action == MEDFW_ROLLOUT_OPEN) {
			assert_int_equal(d.wave, s->current + 1);
			s->current = d.wave;
			s->progress[d.wave].opened_at = now;
		} else if (d.action == MEDFW_ROLLOUT_PAUSE) {
			s->paused = 1;
			snprintf(s->reason, sizeof(s->reason), "%s", d.reason);
		} else if (d.action == MEDFW_ROLLOUT_COMPLETE) {
			s->completed = 1;
		}
	}
	return taken;
}

static void commit_wave(struct sim *s, size_t w)
{
	sim_move(s, w, MEDFW_RD_PENDING, MEDFW_RD_COMMITTED, s->counts[w].by_state[MEDFW_RD_PENDING]);
}

static void test_good_release_moves_through_waves_over_days(void **state)
{
	struct sim s;
	int64_t now = T0;

	(void)state;
	sim_start(&s, FOUR_WAVES, 1000, now);
	/* 8 of 10 canaries committed: below 90 %, nothing happens */
	sim_move(&s, 0, MEDFW_RD_PENDING, MEDFW_RD_COMMITTED, 8);
	sim_step(&s, now += 3600);
	assert_int_equal(s.current, 0);
	assert_int_equal(s.progress[0].success_at, 0);
	/* 9 of 10: the threshold is met, the soak (one day) starts */
	sim_move(&s, 0, MEDFW_RD_PENDING, MEDFW_RD_COMMITTED, 1);
	sim_step(&s, now += 60);
	assert_int_equal(s.progress[0].success_at, now);
	assert_int_equal(s.current, 0);
	/* a second before the day is over: still the canary */
	sim_step(&s, now + DAY - 1);
	assert_int_equal(s.current, 0);
	/* a day later the next wave opens */
	sim_step(&s, now += DAY);
	assert_int_equal(s.current, 1);
	assert_int_equal(s.progress[1].opened_at, now);
	/* the last canary device never answered: it is pending, not an error */
	commit_wave(&s, 1);
	sim_step(&s, now += 600);
	assert_int_equal(s.progress[1].success_at, now);
	sim_step(&s, now += 43200);
	assert_int_equal(s.current, 2);
	commit_wave(&s, 2);
	sim_step(&s, now += 600);
	sim_step(&s, now += 3600);
	assert_int_equal(s.current, 3);
	/* the last wave: 98 % needed; 490 of 500 committed, 10 deferred (clinical use) */
	sim_move(&s, 3, MEDFW_RD_PENDING, MEDFW_RD_COMMITTED, 490);
	sim_move(&s, 3, MEDFW_RD_PENDING, MEDFW_RD_DEFERRED, 10);
	sim_step(&s, now += 600);
	assert_int_equal(s.progress[3].success_at, now);
	/* the threshold is met, but members are not final: not complete */
	sim_step(&s, now += 7 * DAY);
	assert_false(s.completed);
	assert_false(s.paused);
	/* deferred devices install later; the straggler canary too */
	sim_move(&s, 3, MEDFW_RD_DEFERRED, MEDFW_RD_COMMITTED, 10);
	sim_step(&s, now += 60);
	assert_false(s.completed);
	sim_move(&s, 0, MEDFW_RD_PENDING, MEDFW_RD_COMMITTED, 1);
	sim_step(&s, now += 60);
	assert_true(s.completed);
	assert_false(s.paused);
}

static void test_bad_release_pauses_in_the_canary(void **state)
{
	struct sim s;
	int64_t now = T0;

	(void)state;
	sim_start(&s, FOUR_WAVES, 1000, now);
	/* one rolled back of 10: 10 % < 20 %, going on */
	sim_move(&s, 0, MEDFW_RD_PENDING, MEDFW_RD_ROLLED_BACK, 1);
	sim_step(&s, now += 600);
	assert_false(s.paused);
	/* deferred devices count neither way */
	sim_move(&s, 0, MEDFW_RD_PENDING, MEDFW_RD_DEFERRED, 5);
	sim_step(&s, now += 600);
	assert_false(s.paused);
	/* a second error: 2 of 10 = 20 % reaches the threshold */
	sim_move(&s, 0, MEDFW_RD_PENDING, MEDFW_RD_FAILED, 1);
	sim_step(&s, now += 600);
	assert_true(s.paused);
	assert_int_equal(s.current, 0);
	assert_non_null(strstr(s.reason, "wave 1 (canary): 2 of 10 devices failed or rolled back"));
	assert_non_null(strstr(s.reason, "1 failed, 1 rolled back"));
	assert_non_null(strstr(s.reason, "error threshold 20%"));
	/* no later wave was ever opened */
	assert_int_equal(s.progress[1].opened_at, 0);
	/* people look and resume: the two errors are acknowledged, it runs on */
	s.paused = 0;
	s.progress[0].errors_acknowledged = 2;
	sim_step(&s, now += 600);
	assert_false(s.paused);
	/* the other canaries commit; a new error while the rate is still over the
	 * threshold pauses it again */
	sim_move(&s, 0, MEDFW_RD_PENDING, MEDFW_RD_COMMITTED, 2);
	sim_move(&s, 0, MEDFW_RD_DEFERRED, MEDFW_RD_FAILED, 1);
	sim_step(&s, now += 600);
	assert_true(s.paused);
	assert_non_null(strstr(s.reason, "3 of 10"));
}

static void test_errors_in_an_earlier_wave_pause_later(void **state)
{
	struct sim s;
	int64_t now = T0;

	(void)state;
	sim_start(&s, FOUR_WAVES, 1000, now);
	sim_move(&s, 0, MEDFW_RD_PENDING, MEDFW_RD_COMMITTED, 10);
	sim_step(&s, now += 60);
	sim_step(&s, now += DAY);
	assert_int_equal(s.current, 1);
	/* canary devices roll back after the fact (a late health-check failure) */
	sim_move(&s, 0, MEDFW_RD_COMMITTED, MEDFW_RD_ROLLED_BACK, 2);
	sim_step(&s, now += 60);
	assert_true(s.paused);
	assert_non_null(strstr(s.reason, "wave 1 (canary)"));
}

static void test_zero_error_threshold_and_removed(void **state)
{
	struct sim s;
	int64_t now = T0;
	static const char PLAN[] =
		"[{\"name\": \"canary\", \"count\": 4, \"success_threshold\": 100,"
		"  \"error_threshold\": 0, \"soak_seconds\": 600},"
		" {\"name\": \"all\", \"percent\": 100, \"success_threshold\": 100, \"error_threshold\": 0}]";

	(void)state;
	sim_start(&s, PLAN, 20, now);
	/* a removed member (revoked) is not counted: 3 of 3 committed is 100 % */
	sim_move(&s, 0, MEDFW_RD_PENDING, MEDFW_RD_REMOVED, 1);
	sim_move(&s, 0, MEDFW_RD_PENDING, MEDFW_RD_COMMITTED, 3);
	sim_step(&s, now += 60);
	assert_int_equal(s.progress[0].success_at, now);
	sim_step(&s, now += 600);
	assert_int_equal(s.current, 1);
	/* error threshold 0: the very first failure pauses */
	sim_move(&s, 1, MEDFW_RD_PENDING, MEDFW_RD_FAILED, 1);
	sim_step(&s, now += 60);
	assert_true(s.paused);
	assert_non_null(strstr(s.reason, "wave 2 (all): 1 of 16"));
}

static void test_empty_selection_completes(void **state)
{
	struct sim s;

	(void)state;
	sim_start(&s, FOUR_WAVES, 0, T0);
	sim_step(&s, T0 + 1);
	/* every wave is empty: each succeeds at once and soaks its time */
	assert_int_equal(s.current, 0);
	sim_step(&s, T0 + 1 + DAY);
	sim_step(&s, T0 + 1 + DAY + 43200);
	sim_step(&s, T0 + 1 + DAY + 43200 + 3600);
	assert_true(s.completed);
}

static void test_actions_and_two_person_rule(void **state)
{
	enum medfw_store_rollout_state to;
	struct medfw_diag d;

	(void)state;
	/* the author cannot approve, even as an admin */
	medfw_diag_clear(&d);
	assert_int_equal(medfw_rollout_check_action(MEDFW_ROLLOUT_APPROVE,
						    MEDFW_ROLLOUT_AWAITING_APPROVAL, 5, 5, true, 0,
						    T0, &to, &d),
			 MEDFW_ERR_NOT_PERMITTED);
	assert_non_null(strstr(d.msg, "two-person rule"));
	assert_int_equal(to, MEDFW_ROLLOUT_AWAITING_APPROVAL);
	/* someone without an approving role cannot either */
	medfw_diag_clear(&d);
	assert_int_equal(medfw_rollout_check_action(MEDFW_ROLLOUT_APPROVE,
						    MEDFW_ROLLOUT_AWAITING_APPROVAL, 5, 6, false, 0,
						    T0, &to, &d),
			 MEDFW_ERR_NOT_PERMITTED);
	assert_non_null(strstr(d.msg, "approving role"));
	/* a second person with the role: running now, or scheduled for its start date */
	assert_int_equal(medfw_rollout_check_action(MEDFW_ROLLOUT_APPROVE,
						    MEDFW_ROLLOUT_AWAITING_APPROVAL, 5, 6, true, 0,
						    T0, &to, &d),
			 MEDFW_OK);
	assert_int_equal(to, MEDFW_ROLLOUT_RUNNING);
	assert_int_equal(medfw_rollout_check_action(MEDFW_ROLLOUT_APPROVE,
						    MEDFW_ROLLOUT_AWAITING_APPROVAL, 5, 6, true,
						    T0 + DAY, T0, &to, &d),
			 MEDFW_OK);
	assert_int_equal(to, MEDFW_ROLLOUT_SCHEDULED);
	/* approving twice */
	medfw_diag_clear(&d);
	assert_int_equal(medfw_rollout_check_action(MEDFW_ROLLOUT_APPROVE, MEDFW_ROLLOUT_RUNNING, 5,
						    6, true, 0, T0, &to, &d),
			 MEDFW_ERR_STATE);
	assert_non_null(strstr(d.msg, "this one is running"));
	/* pause, resume, cancel */
	assert_int_equal(medfw_rollout_check_action(MEDFW_ROLLOUT_PAUSE_BY_HAND, MEDFW_ROLLOUT_RUNNING,
						    5, 5, false, 0, T0, &to, &d),
			 MEDFW_OK);
	assert_int_equal(to, MEDFW_ROLLOUT_PAUSED);
	assert_int_equal(medfw_rollout_check_action(MEDFW_ROLLOUT_PAUSE_BY_HAND,
						    MEDFW_ROLLOUT_AWAITING_APPROVAL, 5, 5, false, 0,
						    T0, &to, &d),
			 MEDFW_ERR_STATE);
	assert_int_equal(medfw_rollout_check_action(MEDFW_ROLLOUT_RESUME, MEDFW_ROLLOUT_PAUSED, 5, 7,
						    false, 0, T0, &to, &d),
			 MEDFW_OK);
	assert_int_equal(to, MEDFW_ROLLOUT_RUNNING);
	assert_int_equal(medfw_rollout_check_action(MEDFW_ROLLOUT_RESUME, MEDFW_ROLLOUT_PAUSED, 5, 7,
						    false, T0 + 10, T0, &to, &d),
			 MEDFW_OK);
	assert_int_equal(to, MEDFW_ROLLOUT_SCHEDULED);
	assert_int_equal(medfw_rollout_check_action(MEDFW_ROLLOUT_RESUME, MEDFW_ROLLOUT_RUNNING, 5, 7,
						    false, 0, T0, &to, &d),
			 MEDFW_ERR_STATE);
	assert_int_equal(medfw_rollout_check_action(MEDFW_ROLLOUT_CANCEL,
						    MEDFW_ROLLOUT_AWAITING_APPROVAL, 5, 5, false, 0,
						    T0, &to, &d),
			 MEDFW_OK);
	assert_int_equal(to, MEDFW_ROLLOUT_CANCELLED);
	medfw_diag_clear(&d);
	assert_int_equal(medfw_rollout_check_action(MEDFW_ROLLOUT_CANCEL, MEDFW_ROLLOUT_COMPLETED, 5,
						    5, false, 0, T0, &to, &d),
			 MEDFW_ERR_STATE);
	assert_non_null(strstr(d.msg, "completed already"));
}

static void test_time_to(void **state)
{
	int64_t done[10];

	(void)state;
	for (int i = 0; i < 10; i++)
		done[i] = T0 + 100 * (i + 1);
	assert_int_equal(medfw_rollout_time_to(done, 10, 10, 50, T0), 500);
	assert_int_equal(medfw_rollout_time_to(done, 10, 10, 95, T0), 1000);
	assert_int_equal(medfw_rollout_time_to(done, 10, 20, 50, T0), 1000);
	assert_int_equal(medfw_rollout_time_to(done, 10, 20, 95, T0), -1);
	assert_int_equal(medfw_rollout_time_to(done, 0, 20, 50, T0), -1);
	assert_int_equal(medfw_rollout_time_to(done, 10, 10, 50, 0), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plan_parse_and_round_trip),
		cmocka_unit_test(test_plan_refusals),
		cmocka_unit_test(test_wave_sizes),
		cmocka_unit_test(test_rank_is_stable_and_spread),
		cmocka_unit_test(test_selector),
		cmocka_unit_test(test_member_transitions),
		cmocka_unit_test(test_good_release_moves_through_waves_over_days),
		cmocka_unit_test(test_bad_release_pauses_in_the_canary),
		cmocka_unit_test(test_errors_in_an_earlier_wave_pause_later),
		cmocka_unit_test(test_zero_error_threshold_and_removed),
		cmocka_unit_test(test_empty_selection_completes),
		cmocka_unit_test(test_actions_and_two_person_rule),
		cmocka_unit_test(test_time_to),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
