/* Maintenance windows: weekly rules in a zone across DST changes, merging, blackout
 * dates, the start date, the horizon, window_open boundaries, JSON forms.
 *
 * Expected intervals are written in UTC from the zones' known offsets (Berlin +01 / +02
 * from 2026-03-29T01:00Z and back at 2026-10-25T01:00Z; New York -05 / -04 from
 * 2026-03-08T07:00Z and back at 2026-11-01T06:00Z; Lord Howe +10:30 / +11 from
 * 2026-10-03T15:30Z), not through the conversion under test. */
#include "testutil.h"

#include <stdio.h>
#include <string.h>

#include "medfw/json.h"
#include "medfw/tz.h"
#include "medfw/window.h"

#define MON 0x01
#define TUE 0x02
#define WED 0x04
#define THU 0x08
#define FRI 0x10
#define SAT 0x20
#define SUN 0x40
#define ALL 0x7f
#define HOUR 3600

/* A UTC instant (days from medfw_days_from_civil, checked in test_tz). */
static int64_t U(int y, unsigned m, unsigned d, int hh, int mm)
{
	return medfw_days_from_civil(y, m, d) * 86400 + hh * 3600 + mm * 60;
}

static struct medfw_tz *zone(const char *name)
{
	struct medfw_tz *tz = NULL;
	struct medfw_diag d;

	medfw_diag_clear(&d);
	if (medfw_tz_load(NULL, name, &tz, &d) != MEDFW_OK)
		fail_msg("load %s: %s", name, d.msg);
	return tz;
}

static struct medfw_window_rule rule(uint8_t days, unsigned start_h, unsigned start_m,
				     unsigned end_h, unsigned end_m)
{
	struct medfw_window_rule r;

	r.days = days;
	r.start_min = (uint16_t)(start_h * 60 + start_m);
	r.end_min = (uint16_t)(end_h * 60 + end_m);
	return r;
}

static void expect_next(const struct medfw_window_schedule *s, int64_t now, int64_t start,
			int64_t end)
{
	struct medfw_diag d;
	int64_t a = -1, b = -1;

	medfw_diag_clear(&d);
	if (medfw_window_next(s, now, &a, &b, &d) != MEDFW_OK)
		fail_msg("window_next(%lld): %s", (long long)now, d.msg);
	if (a != start || b != end)
		fail_msg("window_next(%lld): [%lld, %lld), expected [%lld, %lld) (%+lld s / %+lld s)",
			 (long long)now, (long long)a, (long long)b, (long long)start,
			 (long long)end, (long long)(a - start), (long long)(b - end));
}

static void expect_not_found(const struct medfw_window_schedule *s, int64_t now,
			     const char *needle)
{
	struct medfw_diag d;
	int64_t a = -1, b = -1;

	medfw_diag_clear(&d);
	assert_int_equal(medfw_window_next(s, now, &a, &b, &d), MEDFW_ERR_NOT_FOUND);
	assert_int_equal(a, 0);
	assert_int_equal(b, 0);
	if (strstr(d.msg, needle) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", d.msg, needle);
}

static void test_dst_nights_berlin(void **state)
{
	struct medfw_tz *tz = zone("Europe/Berlin");
	struct medfw_window_rule weekdays = rule(MON | TUE | WED | THU | FRI, 22, 0, 4, 0);
	struct medfw_window_rule nightly = rule(ALL, 22, 0, 4, 0);
	struct medfw_window_schedule s = {tz, &weekdays, 1, NULL, 0, 0};

	(void)state;
	/* mon-fri 22:00-04:00: six hours every night, in CET then CEST. */
	expect_next(&s, U(2026, 3, 23, 12, 0), U(2026, 3, 23, 21, 0), U(2026, 3, 24, 3, 0));
	expect_next(&s, U(2026, 3, 27, 12, 0), U(2026, 3, 27, 21, 0), U(2026, 3, 28, 3, 0));
	/* Friday's window is over at Sat 04:00; the next is Monday night, now in CEST. */
	expect_next(&s, U(2026, 3, 28, 3, 0), U(2026, 3, 30, 20, 0), U(2026, 3, 31, 2, 0));
	/* Inside a window: it started before now. */
	expect_next(&s, U(2026, 3, 31, 1, 0), U(2026, 3, 30, 20, 0), U(2026, 3, 31, 2, 0));

	/* Every night: the night of Saturday 2026-03-28 loses an hour (5 h), the night
	 * of Saturday 2026-10-24 gains one (7 h). */
	s.rules = &nightly;
	expect_next(&s, U(2026, 3, 28, 12, 0), U(2026, 3, 28, 21, 0), U(2026, 3, 29, 2, 0));
	expect_next(&s, U(2026, 10, 24, 12, 0), U(2026, 10, 24, 20, 0), U(2026, 10, 25, 3, 0));
	/* The same in 2040, where the zone's footer rule decides. */
	expect_next(&s, U(2040, 3, 24, 12, 0), U(2040, 3, 24, 21, 0), U(2040, 3, 25, 2, 0));
	expect_next(&s, U(2040, 10, 27, 12, 0), U(2040, 10, 27, 20, 0), U(2040, 10, 28, 3, 0));
	medfw_tz_free(tz);
}

static void test_dst_nights_new_york(void **state)
{
	struct medfw_tz *tz = zone("America/New_York");
	struct medfw_window_rule weekdays = rule(MON | TUE | WED | THU | FRI, 22, 0, 4, 0);
	struct medfw_window_rule nightly = rule(ALL, 22, 0, 4, 0);
	struct medfw_window_schedule s = {tz, &weekdays, 1, NULL, 0, 0};

	(void)state;
	expect_next(&s, U(2026, 3, 6, 12, 0), U(2026, 3, 7, 3, 0), U(2026, 3, 7, 9, 0));
	expect_next(&s, U(2026, 3, 9, 12, 0), U(2026, 3, 10, 2, 0), U(2026, 3, 10, 8, 0));
	s.rules = &nightly;
	/* Saturday 2026-03-07 22:00 EST -> Sunday 04:00 EDT: 5 h. */
	expect_next(&s, U(2026, 3, 7, 12, 0), U(2026, 3, 8, 3, 0), U(2026, 3, 8, 8, 0));
	/* Saturday 2026-10-31 22:00 EDT -> Sunday 04:00 EST: 7 h. */
	expect_next(&s, U(2026, 10, 31, 12, 0), U(2026, 11, 1, 2, 0), U(2026, 11, 1, 9, 0));
	medfw_tz_free(tz);
}

static void test_window_in_dst_gap(void **state)
{
	struct medfw_tz *tz = zone("Europe/Berlin");
	struct medfw_window_rule r = rule(SUN, 2, 0, 3, 0);
	struct medfw_window_schedule s = {tz, &r, 1, NULL, 0, 0};

	(void)state;
	/* Sunday 02:00-03:00 lies wholly in the hour skipped on 2026-03-29: no window that
	 * day; the next is 2026-04-05 02:00 CEST. */
	expect_next(&s, U(2026, 3, 28, 12, 0), U(2026, 4, 5, 0, 0), U(2026, 4, 5, 1, 0));
	/* 02:00-03:30 keeps the half hour after the gap. */
	r = rule(SUN, 2, 0, 3, 30);
	expect_next(&s, U(2026, 3, 28, 12, 0), U(2026, 3, 29, 1, 0), U(2026, 3, 29, 1, 30));
	/* 02:00-03:00 on the fall-back day: 02:00 CEST (first) to 03:00 CET, 2 h. */
	r = rule(SUN, 2, 0, 3, 0);
	expect_next(&s, U(2026, 10, 24, 12, 0), U(2026, 10, 25, 0, 0), U(2026, 10, 25, 2, 0));
	medfw_tz_free(tz);

	/* Lord Howe skips 02:00-02:30 on 2026-10-04: 01:00-03:00 lasts 1.5 h. */
	tz = zone("Australia/Lord_Howe");
	s.tz = tz;
	r = rule(SUN, 1, 0, 3, 0);
	expect_next(&s, U(2026, 10, 3, 0, 0), U(2026, 10, 3, 14, 30), U(2026, 10, 3, 16, 0));
	medfw_tz_free(tz);
}

static void test_merge(void **state)
{
	struct medfw_tz *tz = zone("Europe/Berlin");
	struct medfw_window_rule rules[3] = {rule(MON, 0, 0, 2, 0), rule(SUN, 22, 0, 24, 0),
					     rule(MON, 1, 0, 5, 0)};
	struct medfw_window_schedule s = {tz, rules, 2, NULL, 0, 0};

	(void)state;
	/* sun 22:00-24:00 and mon 00:00-02:00 touch: one interval, Sunday 20:00Z to Monday
	 * 00:00Z (CEST). */
	expect_next(&s, U(2026, 6, 7, 12, 0), U(2026, 6, 7, 20, 0), U(2026, 6, 8, 0, 0));
	/* From inside its second half, it still starts on Sunday. */
	expect_next(&s, U(2026, 6, 7, 22, 30), U(2026, 6, 7, 20, 0), U(2026, 6, 8, 0, 0));
	assert_true(medfw_window_open(&s, U(2026, 6, 7, 22, 0)));
	/* mon 01:00-05:00 overlaps: 22:00 to 05:00 local. */
	s.rule_count = 3;
	expect_next(&s, U(2026, 6, 7, 12, 0), U(2026, 6, 7, 20, 0), U(2026, 6, 8, 3, 0));

	/* Open all the time: one interval from the look-back (8 days before 2026-06-10) to
	 * the end of the horizon (400 days after it, 2027-07-15 24:00 local). */
	rules[0] = rule(ALL, 0, 0, 0, 0);
	s.rule_count = 1;
	expect_next(&s, U(2026, 6, 10, 12, 0), U(2026, 6, 1, 22, 0), U(2027, 7, 15, 22, 0));
	medfw_tz_free(tz);
}

static void test_blackouts(void **state)
{
	struct medfw_tz *tz = zone("Europe/Berlin");
	struct medfw_window_rule day = rule(MON | TUE | WED | THU | FRI, 10, 0, 12, 0);
	struct medfw_window_rule night = rule(MON | TUE | WED | THU | FRI, 22, 0, 4, 0);
	struct medfw_blackout bo[2];
	struct medfw_window_schedule s = {tz, &day, 1, bo, 1, 0};

	(void)state;
	/* Blackout on Monday 2026-06-08: the next window is Tuesday's. */
	bo[0].from_day = bo[0].to_day = medfw_days_from_civil(2026, 6, 8);
	expect_next(&s, U(2026, 6, 8, 6, 0), U(2026, 6, 9, 8, 0), U(2026, 6, 9, 10, 0));
	assert_false(medfw_window_open(&s, U(2026, 6, 8, 9, 0)));

	/* Night windows, blackout Monday..Tuesday: Monday night goes, Tuesday night keeps
	 * its part after local midnight. */
	s.rules = &night;
	bo[0].to_day = medfw_days_from_civil(2026, 6, 9);
	expect_next(&s, U(2026, 6, 8, 6, 0), U(2026, 6, 9, 22, 0), U(2026, 6, 10, 2, 0));
	/* Blackout on Saturday 2026-06-13: Friday night's window ends at local midnight. */
	bo[0].from_day = bo[0].to_day = medfw_days_from_civil(2026, 6, 13);
	expect_next(&s, U(2026, 6, 12, 6, 0), U(2026, 6, 12, 20, 0), U(2026, 6, 12, 22, 0));
	/* Blackout on Friday instead: only Saturday's part, 00:00-04:00 local. */
	bo[0].from_day = bo[0].to_day = medfw_days_from_civil(2026, 6, 12);
	expect_next(&s, U(2026, 6, 12, 6, 0), U(2026, 6, 12, 22, 0), U(2026, 6, 13, 2, 0));
	/* Blackouts on Thursday and Saturday: Thursday night keeps its part after midnight
	 * (Friday), Friday night its part before midnight. */
	bo[0].from_day = bo[0].to_day = medfw_days_from_civil(2026, 6, 11);
	bo[1].from_day = bo[1].to_day = medfw_days_from_civil(2026, 6, 13);
	s.blackout_count = 2;
	expect_next(&s, U(2026, 6, 11, 6, 0), U(2026, 6, 11, 22, 0), U(2026, 6, 12, 2, 0));
	expect_next(&s, U(2026, 6, 12, 2, 0), U(2026, 6, 12, 20, 0), U(2026, 6, 12, 22, 0));
	medfw_tz_free(tz);
}

static void test_not_before(void **state)
{
	struct medfw_tz *tz = zone("Europe/Berlin");
	struct medfw_window_rule r = rule(ALL, 22, 0, 4, 0);
	struct medfw_window_schedule s = {tz, &r, 1, NULL, 0, 0};

	(void)state;
	/* A start date inside a window: the window starts there. */
	s.not_before = U(2026, 6, 8, 21, 0);
	expect_next(&s, U(2026, 6, 8, 12, 0), U(2026, 6, 8, 21, 0), U(2026, 6, 9, 2, 0));
	assert_false(medfw_window_open(&s, U(2026, 6, 8, 20, 30)));
	assert_true(medfw_window_open(&s, U(2026, 6, 8, 21, 0)));
	/* A start date weeks away: its first window. */
	s.not_before = U(2026, 9, 1, 8, 0);
	expect_next(&s, U(2026, 6, 8, 12, 0), U(2026, 9, 1, 20, 0), U(2026, 9, 2, 2, 0));
	/* A past start date changes nothing. */
	s.not_before = U(2026, 1, 1, 0, 0);
	expect_next(&s, U(2026, 6, 8, 12, 0), U(2026, 6, 8, 20, 0), U(2026, 6, 9, 2, 0));
	medfw_tz_free(tz);
}

static void test_not_found(void **state)
{
	struct medfw_tz *tz = zone("Europe/Berlin");
	struct medfw_window_rule r = rule(MON, 10, 0, 12, 0);
	struct medfw_blackout bo[2] = {
		{medfw_days_from_civil(2026, 1, 1), medfw_days_from_civil(2026, 12, 31)},
		{medfw_days_from_civil(2027, 1, 1), medfw_days_from_civil(2027, 12, 31)},
	};
	struct medfw_window_schedule s = {tz, NULL, 0, bo, 2, 0};

	(void)state;
	expect_not_found(&s, U(2026, 1, 1, 0, 0), "the schedule has no rules");
	assert_false(medfw_window_open(&s, U(2026, 1, 1, 0, 0)));
	s.rules = &r;
	s.rule_count = 1;
	expect_not_found(&s, U(2026, 1, 1, 0, 0),
			 "no maintenance window in the 400 days from 2026-01-01T00:00:00Z: every "
			 "window falls on a blackout date");
	/* Just inside the horizon (which ends with 2027-02-05): with the second blackout
	 * ending on 2027-01-31, Monday 2027-02-01, 396 days away, is free. */
	bo[1].to_day = medfw_days_from_civil(2027, 1, 31);
	expect_next(&s, U(2026, 1, 1, 0, 0), U(2027, 2, 1, 9, 0), U(2027, 2, 1, 11, 0));
	medfw_tz_free(tz);
}

static void test_open_boundaries(void **state)
{
	struct medfw_tz *tz = zone("America/New_York");
	struct medfw_window_rule r = rule(WED, 9, 0, 17, 30);
	struct medfw_window_schedule s = {tz, &r, 1, NULL, 0, 0};
	int64_t a = U(2026, 6, 10, 13, 0), b = U(2026, 6, 10, 21, 30);

	(void)state;
	assert_false(medfw_window_open(&s, a - 1));
	assert_true(medfw_window_open(&s, a));
	assert_true(medfw_window_open(&s, b - 1));
	assert_false(medfw_window_open(&s, b));
	expect_next(&s, a - 1, a, b);
	expect_next(&s, a, a, b);
	expect_next(&s, b - 1, a, b);
	expect_next(&s, b, a + 7 * 86400, b + 7 * 86400);
	/* UTC: rules are plain UTC times. */
	medfw_tz_free(tz);
	assert_int_equal(medfw_tz_load(NULL, "UTC", &tz, NULL), MEDFW_OK);
	s.tz = tz;
	expect_next(&s, U(2026, 6, 10, 0, 0), U(2026, 6, 10, 9, 0), U(2026, 6, 10, 17, 30));
	medfw_tz_free(tz);
}

static void expect_invalid(const struct medfw_window_schedule *s, int64_t now,
			   const char *needle)
{
	struct medfw_diag d;
	int64_t a = -1, b = -1;

	medfw_diag_clear(&d);
	assert_int_equal(medfw_window_next(s, now, &a, &b, &d), MEDFW_ERR_INVALID_ARG);
	assert_int_equal(a, 0);
	assert_int_equal(b, 0);
	if (strstr(d.msg, needle) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", d.msg, needle);
	assert_false(medfw_window_open(s, now));
}

static void test_invalid_schedule(void **state)
{
	struct medfw_tz *tz = zone("Europe/Berlin");
	struct medfw_window_rule r = rule(MON, 10, 0, 12, 0);
	struct medfw_blackout bo = {10, 9};
	struct medfw_window_schedule s = {NULL, &r, 1, NULL, 0, 0};
	int64_t now = U(2026, 6, 8, 0, 0);

	(void)state;
	expect_invalid(&s, now, "no time zone");
	expect_invalid(NULL, now, "no schedule");
	s.tz = tz;
	expect_invalid(&s, -1, "time -1 outside 1970..9999");
	expect_invalid(&s, MEDFW_WINDOW_TIME_MAX + 1, "outside 1970..9999");
	s.not_before = -5;
	expect_invalid(&s, now, "not_before -5");
	s.not_before = 0;
	r.days = 0;
	expect_invalid(&s, now, "rule 0: weekday bits 0x00");
	r.days = 0x80;
	expect_invalid(&s, now, "rule 0: weekday bits 0x80");
	r = rule(MON, 10, 0, 12, 0);
	r.start_min = 1440;
	expect_invalid(&s, now, "rule 0: start 1440");
	r.start_min = 0;
	r.end_min = 1441;
	expect_invalid(&s, now, "end 1441");
	r.end_min = 1440;
	s.rule_count = MEDFW_WINDOW_RULES_MAX + 1;
	expect_invalid(&s, now, "65 rules");
	s.rule_count = 1;
	s.blackouts = &bo;
	s.blackout_count = 1;
	expect_invalid(&s, now, "blackout 0 ends before it starts");
	s.blackouts = NULL;
	expect_invalid(&s, now, "blackouts missing");
	s.blackout_count = 0;
	{
		int64_t a, b;

		assert_int_equal(medfw_window_next(&s, now, NULL, &b, NULL), MEDFW_ERR_INVALID_ARG);
		assert_int_equal(medfw_window_next(&s, now, &a, &b, NULL), MEDFW_OK);
	}
	medfw_tz_free(tz);
}

/* ---------------------------------------------------------------- against a model */

/* The definition, instant by instant: t is allowed when it is not before not_before,
 * its local date is not blacked out, and some rule occurrence (starting on its local
 * date or one of the two before) has converted start <= t < converted end. */
static bool model_open(const struct medfw_window_schedule *s, int64_t t)
{
	int64_t local = medfw_tz_to_local(s->tz, t), day, d;
	size_t i;

	if (s->not_before != 0 && t < s->not_before)
		return false;
	day = local >= 0 ? local / 86400 : -((-local + 86399) / 86400);
	for (i = 0; i < s->blackout_count; i++)
		if (day >= s->blackouts[i].from_day && day <= s->blackouts[i].to_day)
			return false;
	for (d = day - 2; d <= day; d++) {
		for (i = 0; i < s->rule_count; i++) {
			const struct medfw_window_rule *r = &s->rules[i];
			int64_t a, b, end_local = d * 86400 + r->end_min * 60;

			if ((r->days & (1u << medfw_weekday(d))) == 0)
				continue;
			if (r->end_min <= r->start_min)
				end_local += 86400;
			a = medfw_tz_to_utc(s->tz, d * 86400 + r->start_min * 60);
			b = medfw_tz_to_utc(s->tz, end_local);
			if (a <= t && t < b)
				return true;
		}
	}
	return false;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15u;

static uint64_t rnd(uint64_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state % n;
}

static void test_model(void **state)
{
	static const char *const zones[] = {"Europe/Berlin", "America/New_York",
					    "Australia/Lord_Howe", "Pacific/Chatham",
					    "Asia/Kolkata", "UTC"};
	/* DST changes to aim at: Berlin 2026-03-29 / 2026-10-25, New York 2026-03-08 /
	 * 2026-11-01, Lord Howe and Chatham 2026-04-05 / 2026-10-04 and 2026-09-27, 2040. */
	static const int64_t aims[] = {1774746000, 1792890000, 1772953200, 1793512800,
				       1775314800, 1791041400, 1790431200, 2216250000};
	size_t iter, zi;

	(void)state;
	for (zi = 0; zi < sizeof(zones) / sizeof(zones[0]); zi++) {
		struct medfw_tz *tz = zone(zones[zi]);

		for (iter = 0; iter < 60; iter++) {
			struct medfw_window_rule rules[4];
			struct medfw_blackout bo[2];
			struct medfw_window_schedule s = {tz, rules, 1 + rnd(4), bo, rnd(3), 0};
			int64_t now = aims[rnd(8)] - 4 * 86400 + (int64_t)rnd(8 * 96) * 900;
			int64_t a, b, t, step = 900, now_day = now / 86400;
			struct medfw_diag d;
			enum medfw_err err;
			size_t i;

			for (i = 0; i < s.rule_count; i++) {
				rules[i].days = (uint8_t)(1 + rnd(127));
				rules[i].start_min = (uint16_t)(rnd(96) * 15);
				rules[i].end_min = (uint16_t)(rnd(97) * 15);
			}
			for (i = 0; i < s.blackout_count; i++) {
				bo[i].from_day = now_day - 2 + (int64_t)rnd(10);
				bo[i].to_day = bo[i].from_day + (int64_t)rnd(3);
			}
			if (rnd(4) == 0)
				s.not_before = now + (int64_t)rnd(3 * 96) * 900 - 86400;
			medfw_diag_clear(&d);
			err = medfw_window_next(&s, now, &a, &b, &d);
			if (err != MEDFW_OK)
				fail_msg("%s iteration %zu: %s", zones[zi], iter, d.msg);
			assert_true(a < b && b > now);
			assert_int_equal(medfw_window_open(&s, now), a <= now);
			assert_int_equal(model_open(&s, now), a <= now);
			/* Nothing allowed between now and the start; everything inside. */
			for (t = now; t < a; t += step)
				if (model_open(&s, t))
					fail_msg("%s iteration %zu: %lld allowed before %lld",
						 zones[zi], iter, (long long)t, (long long)a);
			for (t = a > now ? a : now; t < b; t += step)
				if (!model_open(&s, t))
					fail_msg("%s iteration %zu: %lld not allowed in [%lld, %lld)",
						 zones[zi], iter, (long long)t, (long long)a,
						 (long long)b);
			/* Maximal: not open just outside (intervals far shorter than the
			 * look-back and horizon). */
			if (b - a < 6 * 86400) {
				assert_false(model_open(&s, b));
				assert_false(model_open(&s, a - 1));
			}
		}
		medfw_tz_free(tz);
	}
}

/* ---------------------------------------------------------------- JSON */

static json_t *J(const char *text)
{
	json_t *j = NULL;
	struct medfw_diag d;

	medfw_diag_clear(&d);
	if (medfw_json_parse((const uint8_t *)text, strlen(text), 4096, 8, &j, &d) != MEDFW_OK)
		fail_msg("test JSON %s: %s", text, d.msg);
	return j;
}

static void expect_rule_error(const char *text, enum medfw_err want, const char *needle)
{
	struct medfw_window_rule r;
	struct medfw_diag d;
	json_t *j = J(text);

	memset(&r, 0xa5, sizeof(r));
	medfw_diag_clear(&d);
	assert_int_equal(medfw_window_rule_from_json(j, &r, &d), want);
	tu_assert_zeroed(&r, sizeof(r));
	if (strstr(d.msg, needle) == NULL)
		fail_msg("%s: message \"%s\" lacks \"%s\"", text, d.msg, needle);
	json_decref(j);
}

static void test_rule_json(void **state)
{
	struct medfw_window_rule r, r2;
	json_t *j, *out;
	char *text;

	(void)state;
	j = J("{\"days\": [\"sat\", \"mon\", \"fri\"], \"start\": \"22:00\", \"end\": \"04:00\"}");
	assert_int_equal(medfw_window_rule_from_json(j, &r, NULL), MEDFW_OK);
	assert_int_equal(r.days, MON | FRI | SAT);
	assert_int_equal(r.start_min, 22 * 60);
	assert_int_equal(r.end_min, 4 * 60);
	out = medfw_window_rule_to_json(&r);
	assert_non_null(out);
	text = json_dumps(out, JSON_SORT_KEYS | JSON_COMPACT);
	assert_string_equal(text,
			    "{\"days\":[\"mon\",\"fri\",\"sat\"],\"end\":\"04:00\",\"start\":\"22:00\"}");
	free(text);
	assert_int_equal(medfw_window_rule_from_json(out, &r2, NULL), MEDFW_OK);
	assert_memory_equal(&r, &r2, sizeof(r));
	json_decref(out);
	json_decref(j);

	j = J("{\"days\": [\"sun\",\"mon\",\"tue\",\"wed\",\"thu\",\"fri\",\"sat\"], "
	      "\"start\": \"00:00\", \"end\": \"24:00\"}");
	assert_int_equal(medfw_window_rule_from_json(j, &r, NULL), MEDFW_OK);
	assert_int_equal(r.days, ALL);
	assert_int_equal(r.start_min, 0);
	assert_int_equal(r.end_min, 1440);
	out = medfw_window_rule_to_json(&r);
	assert_string_equal(json_string_value(json_object_get(out, "end")), "24:00");
	json_decref(out);
	json_decref(j);
	r.days = 0;
	assert_null(medfw_window_rule_to_json(&r));
	r.days = MON;
	r.start_min = 1440;
	assert_null(medfw_window_rule_to_json(&r));
	assert_null(medfw_window_rule_to_json(NULL));

	expect_rule_error("[]", MEDFW_ERR_FIELD_TYPE, "window rule: not a JSON object");
	expect_rule_error("{\"days\":[\"mon\"],\"start\":\"01:00\",\"end\":\"02:00\",\"tz\":1}",
			  MEDFW_ERR_FIELD_VALUE, "window rule: unknown field \"tz\"");
	expect_rule_error("{\"start\":\"01:00\",\"end\":\"02:00\"}", MEDFW_ERR_FIELD_MISSING,
			  "window rule: missing field \"days\"");
	expect_rule_error("{\"days\":\"mon\",\"start\":\"01:00\",\"end\":\"02:00\"}",
			  MEDFW_ERR_FIELD_TYPE, "window rule: field \"days\" must be an array");
	expect_rule_error("{\"days\":[],\"start\":\"01:00\",\"end\":\"02:00\"}",
			  MEDFW_ERR_FIELD_VALUE, "days: 0 weekdays, 1 to 7 expected");
	expect_rule_error("{\"days\":[\"mon\",\"tue\",\"fri \"],\"start\":\"01:00\",\"end\":\"02:00\"}",
			  MEDFW_ERR_FIELD_VALUE, "days[2]: unknown weekday \"fri \"");
	expect_rule_error("{\"days\":[\"Mon\"],\"start\":\"01:00\",\"end\":\"02:00\"}",
			  MEDFW_ERR_FIELD_VALUE, "days[0]: unknown weekday \"Mon\"");
	expect_rule_error("{\"days\":[\"mon\",\"tue\",\"mon\"],\"start\":\"01:00\",\"end\":\"02:00\"}",
			  MEDFW_ERR_FIELD_VALUE, "days[2]: \"mon\" given twice");
	expect_rule_error("{\"days\":[\"mon\",1],\"start\":\"01:00\",\"end\":\"02:00\"}",
			  MEDFW_ERR_FIELD_TYPE, "days[1]: must be a string");
	expect_rule_error("{\"days\":[\"mon\",\"tue\",\"wed\",\"thu\",\"fri\",\"sat\",\"sun\","
			  "\"mon\"],\"start\":\"01:00\",\"end\":\"02:00\"}",
			  MEDFW_ERR_FIELD_VALUE, "days: 8 weekdays");
	expect_rule_error("{\"days\":[\"mon\"],\"end\":\"02:00\"}", MEDFW_ERR_FIELD_MISSING,
			  "missing field \"start\"");
	expect_rule_error("{\"days\":[\"mon\"],\"start\":60,\"end\":\"02:00\"}",
			  MEDFW_ERR_FIELD_TYPE, "field \"start\" must be a string");
	expect_rule_error("{\"days\":[\"mon\"],\"start\":\"24:00\",\"end\":\"02:00\"}",
			  MEDFW_ERR_FIELD_VALUE,
			  "window rule: start: \"24:00\" is not a time HH:MM (00:00..23:59)");
	expect_rule_error("{\"days\":[\"mon\"],\"start\":\"01:00\",\"end\":\"24:01\"}",
			  MEDFW_ERR_FIELD_VALUE, "end: \"24:01\" is not a time HH:MM (00:00..24:00)");
	expect_rule_error("{\"days\":[\"mon\"],\"start\":\"7:00\",\"end\":\"08:00\"}",
			  MEDFW_ERR_FIELD_VALUE, "start: \"7:00\"");
	expect_rule_error("{\"days\":[\"mon\"],\"start\":\"07:60\",\"end\":\"08:00\"}",
			  MEDFW_ERR_FIELD_VALUE, "start: \"07:60\"");
	expect_rule_error("{\"days\":[\"mon\"],\"start\":\"07:00 \",\"end\":\"08:00\"}",
			  MEDFW_ERR_FIELD_VALUE, "start: \"07:00 \"");
	expect_rule_error("{\"days\":[\"mon\"],\"start\":\"07:00\",\"end\":\"25:00\"}",
			  MEDFW_ERR_FIELD_VALUE, "end: \"25:00\"");

	/* NUL characters (the project's parser refuses them; a tree built otherwise may
	 * hold them). */
	j = J("{\"days\":[\"mon\"],\"start\":\"07:00\",\"end\":\"08:00\"}");
	assert_int_equal(json_object_set_new(j, "start", json_stringn("07\0:00", 6)), 0);
	assert_int_equal(medfw_window_rule_from_json(j, &r, NULL), MEDFW_ERR_FIELD_VALUE);
	assert_int_equal(json_array_set_new(json_object_get(j, "days"), 0, json_stringn("mon\0", 4)),
			 0);
	assert_int_equal(medfw_window_rule_from_json(j, &r, NULL), MEDFW_ERR_FIELD_VALUE);
	json_decref(j);
}

static void expect_blackout_error(const char *text, enum medfw_err want, const char *needle)
{
	struct medfw_blackout b;
	struct medfw_diag d;
	json_t *j = J(text);

	memset(&b, 0xa5, sizeof(b));
	medfw_diag_clear(&d);
	assert_int_equal(medfw_blackout_from_json(j, &b, &d), want);
	tu_assert_zeroed(&b, sizeof(b));
	if (strstr(d.msg, needle) == NULL)
		fail_msg("%s: message \"%s\" lacks \"%s\"", text, d.msg, needle);
	json_decref(j);
}

static void test_blackout_json(void **state)
{
	struct medfw_blackout b, b2;
	json_t *j, *out;
	char *text;

	(void)state;
	j = J("{\"from\": \"2026-12-24\", \"to\": \"2026-12-26\"}");
	assert_int_equal(medfw_blackout_from_json(j, &b, NULL), MEDFW_OK);
	assert_int_equal(b.from_day, medfw_days_from_civil(2026, 12, 24));
	assert_int_equal(b.to_day, medfw_days_from_civil(2026, 12, 26));
	out = medfw_blackout_to_json(&b);
	text = json_dumps(out, JSON_SORT_KEYS | JSON_COMPACT);
	assert_string_equal(text, "{\"from\":\"2026-12-24\",\"to\":\"2026-12-26\"}");
	free(text);
	assert_int_equal(medfw_blackout_from_json(out, &b2, NULL), MEDFW_OK);
	assert_memory_equal(&b, &b2, sizeof(b));
	json_decref(out);
	json_decref(j);
	/* One day; 366 days apart (2024 is a leap year) is the longest. */
	j = J("{\"from\": \"2024-02-29\", \"to\": \"2024-02-29\"}");
	assert_int_equal(medfw_blackout_from_json(j, &b, NULL), MEDFW_OK);
	json_decref(j);
	j = J("{\"from\": \"2024-01-01\", \"to\": \"2025-01-01\"}");
	assert_int_equal(medfw_blackout_from_json(j, &b, NULL), MEDFW_OK);
	assert_int_equal(b.to_day - b.from_day, 366);
	json_decref(j);
	b.to_day = b.from_day - 1;
	assert_null(medfw_blackout_to_json(&b));
	b.from_day = -1;
	b.to_day = 0;
	assert_null(medfw_blackout_to_json(&b));

	expect_blackout_error("\"2026-12-24\"", MEDFW_ERR_FIELD_TYPE, "blackout: not a JSON object");
	expect_blackout_error("{\"from\":\"2026-12-24\"}", MEDFW_ERR_FIELD_MISSING,
			      "blackout: missing field \"to\"");
	expect_blackout_error("{\"from\":\"2026-12-24\",\"to\":\"2026-12-26\",\"why\":\"x\"}",
			      MEDFW_ERR_FIELD_VALUE, "blackout: unknown field \"why\"");
	expect_blackout_error("{\"from\":20261224,\"to\":\"2026-12-26\"}", MEDFW_ERR_FIELD_TYPE,
			      "field \"from\" must be a string");
	expect_blackout_error("{\"from\":\"2026-12-24\",\"to\":\"2026-12-20\"}",
			      MEDFW_ERR_FIELD_VALUE,
			      "blackout: to (2026-12-20) is before from (2026-12-24)");
	expect_blackout_error("{\"from\":\"2025-01-01\",\"to\":\"2026-01-03\"}",
			      MEDFW_ERR_FIELD_VALUE, "to is 367 days after from, at most 366");
	expect_blackout_error("{\"from\":\"2026-02-29\",\"to\":\"2026-03-01\"}",
			      MEDFW_ERR_FIELD_VALUE,
			      "blackout: from: \"2026-02-29\" is not a date YYYY-MM-DD");
	expect_blackout_error("{\"from\":\"2026-03-01\",\"to\":\"2026-3-01\"}",
			      MEDFW_ERR_FIELD_VALUE, "blackout: to: \"2026-3-01\"");
}

static void test_dates(void **state)
{
	static const char *const bad[] = {
		"",           "2026-02-29", "1969-12-31", "2026-13-01", "2026-00-10",
		"2026-04-31", "2026-01-00", "2026/01/01", "2026-01-01T", "20260101",
		"2026-1-1",   "+026-01-01", "2026-01-0a", " 2026-01-01", "10000-01-01",
	};
	char out[MEDFW_DATE_LEN + 1];
	struct medfw_diag d;
	int64_t days = 7;
	size_t i;

	(void)state;
	assert_int_equal(medfw_date_parse("1970-01-01", &days, NULL), MEDFW_OK);
	assert_int_equal(days, 0);
	assert_int_equal(medfw_date_parse("2000-02-29", &days, NULL), MEDFW_OK);
	assert_int_equal(days, 11016);
	assert_int_equal(medfw_date_parse("9999-12-31", &days, NULL), MEDFW_OK);
	assert_int_equal(days, 2932896);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		days = 7;
		medfw_diag_clear(&d);
		if (medfw_date_parse(bad[i], &days, &d) != MEDFW_ERR_FIELD_VALUE)
			fail_msg("\"%s\" accepted", bad[i]);
		assert_int_equal(days, 0);
		assert_non_null(strstr(d.msg, "is not a date YYYY-MM-DD"));
	}
	assert_int_equal(medfw_date_parse("1900-02-29", &days, NULL), MEDFW_ERR_FIELD_VALUE);
	assert_int_equal(medfw_date_parse(NULL, &days, NULL), MEDFW_ERR_INVALID_ARG);

	assert_int_equal(medfw_date_format(11016, out, sizeof(out)), MEDFW_OK);
	assert_string_equal(out, "2000-02-29");
	assert_int_equal(medfw_date_format(2932896, out, sizeof(out)), MEDFW_OK);
	assert_string_equal(out, "9999-12-31");
	assert_int_equal(medfw_date_format(2932897, out, sizeof(out)), MEDFW_ERR_INVALID_ARG);
	assert_string_equal(out, "");
	assert_int_equal(medfw_date_format(-1, out, sizeof(out)), MEDFW_ERR_INVALID_ARG);
	assert_int_equal(medfw_date_format(0, out, MEDFW_DATE_LEN), MEDFW_ERR_INVALID_ARG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dst_nights_berlin),
		cmocka_unit_test(test_dst_nights_new_york),
		cmocka_unit_test(test_window_in_dst_gap),
		cmocka_unit_test(test_merge),
		cmocka_unit_test(test_blackouts),
		cmocka_unit_test(test_not_before),
		cmocka_unit_test(test_not_found),
		cmocka_unit_test(test_open_boundaries),
		cmocka_unit_test(test_invalid_schedule),
		cmocka_unit_test(test_model),
		cmocka_unit_test(test_rule_json),
		cmocka_unit_test(test_blackout_json),
		cmocka_unit_test(test_dates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
