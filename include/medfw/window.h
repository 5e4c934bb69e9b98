/* Weekly maintenance windows, blackout dates and a start date (staged rollouts).
 *
 * A schedule is a set of weekly rules in a site's time zone, minus blackout dates,
 * from an optional start instant on. medfw_window_next turns it into UTC intervals:
 * rule start and end are local wall-clock times converted with the zone
 * (medfw_tz_to_utc: a time skipped by a spring-forward change becomes the first
 * instant after the change, a repeated one its first occurrence), so a 22:00-04:00
 * window over a DST night is 5 or 7 hours long, and a window lying wholly in the
 * skipped hour does not happen that day. Blackout dates remove whole local days
 * (local midnight to local midnight), cutting windows that cross midnight. Windows
 * that overlap or touch merge into one interval.
 *
 * The computation looks MEDFW_WINDOW_LOOKBACK_DAYS local days back and
 * MEDFW_WINDOW_HORIZON_DAYS forward from max(now, not_before), so an interval that has
 * been open without a break for longer than that starts no earlier than the look-back,
 * and one that stays open past the horizon ends there. Pure functions of their
 * arguments: no clock, no globals, safe from any thread.
 */
#ifndef MEDFW_WINDOW_H
#define MEDFW_WINDOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "medfw/error.h"
#include "medfw/tz.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One weekly rule: on the listed local weekdays, from `start` to `end` local time
 * (minutes after midnight, 0..1439 for start; end 0..1440; end <= start means the next
 * day, so "22:00-04:00" crosses midnight and "00:00-00:00" is the whole day). */
struct medfw_window_rule {
	uint8_t days;       /* bit 0 Monday .. bit 6 Sunday; at least one */
	uint16_t start_min;
	uint16_t end_min;
};

#define MEDFW_WINDOW_MONDAY 0x01u
#define MEDFW_WINDOW_SUNDAY 0x40u
#define MEDFW_WINDOW_ALL_DAYS 0x7fu

/* A blackout: local dates from..to inclusive, as days since 1970-01-01. */
struct medfw_blackout {
	int64_t from_day;
	int64_t to_day;
};

struct medfw_window_schedule {
	const struct medfw_tz *tz;               /* required */
	const struct medfw_window_rule *rules;   /* none: never open */
	size_t rule_count;
	const struct medfw_blackout *blackouts;
	size_t blackout_count;
	int64_t not_before;                      /* UTC instant; 0: none (a rollout's start date) */
};

#define MEDFW_WINDOW_HORIZON_DAYS 400
#define MEDFW_WINDOW_LOOKBACK_DAYS 8
#define MEDFW_WINDOW_RULES_MAX 64       /* rules in one schedule */
#define MEDFW_WINDOW_BLACKOUTS_MAX 1024 /* blackouts in one schedule */
#define MEDFW_BLACKOUT_DAYS_MAX 366     /* to_day - from_day of one blackout (JSON) */
/* Instants accepted for now and not_before: 1970-01-01T00:00:00Z .. 9999-12-31T23:59:59Z. */
#define MEDFW_WINDOW_TIME_MAX ((int64_t)253402300799)

/* The first allowed interval [*start, *end) with *end > now: when `now` is inside one,
 * *start <= now. Start and end of a rule are local wall-clock times converted with the
 * zone (so a 22:00-04:00 window on the night of a DST change is 5 or 7 hours long);
 * overlapping or touching windows merge into one interval; blackout dates remove the
 * local days they cover (midnight to midnight local); not_before cuts everything before
 * it. Nothing within MEDFW_WINDOW_HORIZON_DAYS: MEDFW_ERR_NOT_FOUND with a message
 * saying why (no rules / everything blacked out).
 * A schedule without a zone, with more than the caps above, a rule with no day or a
 * time out of range, a blackout with to_day < from_day, or now / not_before outside
 * 0..MEDFW_WINDOW_TIME_MAX is MEDFW_ERR_INVALID_ARG naming it. *start and *end are 0
 * on failure. */
enum medfw_err medfw_window_next(const struct medfw_window_schedule *s, int64_t now,
				 int64_t *start, int64_t *end,
				 struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* Whether instant t lies in an allowed interval (start inclusive, end exclusive);
 * false also for a schedule medfw_window_next refuses. */
bool medfw_window_open(const struct medfw_window_schedule *s, int64_t t);

/* JSON forms (bounded, strict: unknown fields, wrong types, bad values -> MEDFW_ERR_FIELD_VALUE
 * or the parser's own codes with diag naming the field, e.g. "days[2]: unknown weekday \"fri \""):
 *   rule:     {"days": ["mon","tue",...], "start": "22:00", "end": "04:00"}
 *             days: "mon".."sun" lowercase, no duplicates; times HH:MM, 00:00..23:59 for start,
 *             00:00..24:00 for end
 *   blackout: {"from": "2026-12-24", "to": "2026-12-26"} (to >= from, to - from <= 366 days)
 * Take a jansson json_t that the caller parsed with the project's bounded parser.
 * Messages start with "window rule: " or "blackout: ". Missing fields are
 * MEDFW_ERR_FIELD_MISSING, wrong JSON types MEDFW_ERR_FIELD_TYPE. *out is zeroed on
 * failure. */
enum medfw_err medfw_window_rule_from_json(const json_t *j, struct medfw_window_rule *out,
					   struct medfw_diag *diag) MEDFW_WARN_UNUSED;
/* New JSON object (json_decref) in the form above, days in order Monday..Sunday;
 * NULL for an invalid rule or when out of memory. */
json_t *medfw_window_rule_to_json(const struct medfw_window_rule *r);
enum medfw_err medfw_blackout_from_json(const json_t *j, struct medfw_blackout *out,
					struct medfw_diag *diag) MEDFW_WARN_UNUSED;
/* New JSON object (json_decref); NULL for dates outside 1970..9999, to < from, or
 * when out of memory. */
json_t *medfw_blackout_to_json(const struct medfw_blackout *b);

/* "YYYY-MM-DD" <-> days (strict: real calendar dates, years 1970..9999). */
enum medfw_err medfw_date_parse(const char *s, int64_t *out_days, struct medfw_diag *diag) MEDFW_WARN_UNUSED;
#define MEDFW_DATE_LEN 10
/* Format day number `days` (1970-01-01 .. 9999-12-31) as "YYYY-MM-DD" into out
 * (out_cap > MEDFW_DATE_LEN); MEDFW_ERR_INVALID_ARG outside that range or with a
 * short buffer (out is "" then). */
enum medfw_err medfw_date_format(int64_t days, char *out, size_t out_cap);

#ifdef __cplusplus
}
#endif
#endif
