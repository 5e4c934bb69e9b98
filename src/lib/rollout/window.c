/* Weekly maintenance windows, blackout dates and a start date -> UTC intervals. */
#include "medfw/window.h"

#include <stdio.h>
#include <string.h>

#include "medfw/json.h"
#include "medfw/num.h"

#define SECS_PER_DAY 86400
#define RULE_WHAT "window rule"
#define BLACKOUT_WHAT "blackout"

static const char *const weekday_names[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

/* Day numbers of 1970-01-01 and 9999-12-31. */
#define DAY_MIN 0
#define DAY_MAX ((int64_t)2932896)

/* ---------------------------------------------------------------- helpers */

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && a < 0) ? q - 1 : q;
}

static int64_t max64(int64_t a, int64_t b)
{
	return a > b ? a : b;
}

static int64_t min64(int64_t a, int64_t b)
{
	return a < b ? a : b;
}

/* A short printable rendering of an untrusted string for a message. */
static const char *quote(const char *s, char *buf, size_t cap)
{
	size_t i = 0, o = 0;

	while (s[i] != '\0' && i < 40 && o + 5 < cap) {
		unsigned char c = (unsigned char)s[i];

		buf[o++] = (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') ? (char)c : '?';
		i++;
	}
	if (s[i] != '\0' && o + 4 < cap) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

static int is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned month_days(int y, unsigned m)
{
	static const unsigned mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	return mdays[m - 1] + ((m == 2 && is_leap(y)) ? 1u : 0u);
}

/* ---------------------------------------------------------------- schedule */

/* Merges pieces handed over in order of their start into intervals; stops at the
 * first interval that ends after `now` and cannot grow any more. */
struct merger {
	int64_t now, not_before;
	bool have, done;
	int64_t start, end;
};

/* Offer [ps, pe). Pieces come in order of start. */
static void feed(struct merger *m, int64_t ps, int64_t pe)
{
	if (m->done)
		return;
	if (m->not_before != 0)
		ps = max64(ps, m->not_before);
	if (ps >= pe)
		return;
	if (m->have && ps <= m->end) {
		m->end = max64(m->end, pe);
		return;
	}
	if (m->have && m->end > m->now) {
		m->done = true; /* disjoint from everything that follows */
		return;
	}
	m->have = true;
	m->start = ps;
	m->end = pe;
}

static bool blacked_out(const struct medfw_window_schedule *s, int64_t day)
{
	size_t i;

	for (i = 0; i < s->blackout_count; i++)
		if (day >= s->blackouts[i].from_day && day <= s->blackouts[i].to_day)
			return true;
	return false;
}

static enum medfw_err check_schedule(const struct medfw_window_schedule *s, int64_t now,
				     struct medfw_diag *diag)
{
	size_t i;

	if (s == NULL || s->tz == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
				      "maintenance windows: no schedule or no time zone");
	if (now < 0 || now > MEDFW_WINDOW_TIME_MAX)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
				      "maintenance windows: time %lld outside 1970..9999",
				      (long long)now);
	if (s->not_before < 0 || s->not_before > MEDFW_WINDOW_TIME_MAX)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
				      "maintenance windows: not_before %lld outside 1970..9999",
				      (long long)s->not_before);
	if (s->rule_count > 0 && s->rules == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
				      "maintenance windows: rules missing (count %zu)", s->rule_count);
	if (s->blackout_count > 0 && s->blackouts == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
				      "maintenance windows: blackouts missing (count %zu)",
				      s->blackout_count);
	if (s->rule_count > MEDFW_WINDOW_RULES_MAX)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
				      "maintenance windows: %zu rules, at most %d allowed",
				      s->rule_count, MEDFW_WINDOW_RULES_MAX);
	if (s->blackout_count > MEDFW_WINDOW_BLACKOUTS_MAX)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
				      "maintenance windows: %zu blackouts, at most %d allowed",
				      s->blackout_count, MEDFW_WINDOW_BLACKOUTS_MAX);
	for (i = 0; i < s->rule_count; i++) {
		const struct medfw_window_rule *r = &s->rules[i];

		if (r->days == 0 || (r->days & ~MEDFW_WINDOW_ALL_DAYS) != 0)
			return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
					      "maintenance windows: rule %zu: weekday bits 0x%02x "
					      "(bits 0..6, at least one)",
					      i, (unsigned)r->days);
		if (r->start_min > 1439 || r->end_min > 1440)
			return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
					      "maintenance windows: rule %zu: start %u / end %u "
					      "minutes outside 0..1439 / 0..1440",
					      i, (unsigned)r->start_min, (unsigned)r->end_min);
	}
	for (i = 0; i < s->blackout_count; i++)
		if (s->blackouts[i].to_day < s->blackouts[i].from_day)
			return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
					      "maintenance windows: blackout %zu ends before it starts",
					      i);
	return MEDFW_OK;
}

enum medfw_err medfw_window_next(const struct medfw_window_schedule *s, int64_t now,
				 int64_t *start, int64_t *end, struct medfw_diag *diag)
{
	struct merger m = {0};
	size_t order[MEDFW_WINDOW_RULES_MAX], i, j, instances = 0, blacked = 0;
	int64_t base, base_day, day, last_day, day_start, next_start, pend_end = 0;
	bool pend = false;
	enum medfw_err err;
	char when[MEDFW_UTC_TIME_LEN + 1];

	if (start == NULL || end == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "maintenance windows: no output");
	*start = 0;
	*end = 0;
	err = check_schedule(s, now, diag);
	if (err != MEDFW_OK)
		return err;
	if (s->rule_count == 0)
		return medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND,
				      "no maintenance window: the schedule has no rules");

	/* Rules in order of their start time, so pieces of one day come in order. */
	for (i = 0; i < s->rule_count; i++) {
		for (j = i; j > 0 && s->rules[order[j - 1]].start_min > s->rules[i].start_min; j--)
			order[j] = order[j - 1];
		order[j] = i;
	}

	m.now = now;
	m.not_before = s->not_before;
	base = max64(now, s->not_before);
	base_day = floor_div(medfw_tz_to_local(s->tz, base), SECS_PER_DAY);
	day = base_day - MEDFW_WINDOW_LOOKBACK_DAYS;
	last_day = base_day + MEDFW_WINDOW_HORIZON_DAYS;
	day_start = medfw_tz_to_utc(s->tz, day * SECS_PER_DAY);
	for (; day <= last_day && !m.done; day++) {
		bool out_today = blacked_out(s, day), out_tomorrow = blacked_out(s, day + 1);
		int wd = medfw_weekday(day);

		/* Pieces of yesterday's windows after midnight start exactly at day_start,
		 * before any window of today. */
		if (pend) {
			feed(&m, day_start, pend_end);
			pend = false;
		}
		if (m.have && m.end > m.now && m.end < day_start)
			break; /* nothing from today on can touch the interval */
		next_start = medfw_tz_to_utc(s->tz, (day + 1) * SECS_PER_DAY);
		for (i = 0; i < s->rule_count && !m.done; i++) {
			const struct medfw_window_rule *r = &s->rules[order[i]];
			int64_t a, b, b_local;

			if ((r->days & (1u << wd)) == 0)
				continue;
			if (day >= base_day)
				instances++;
			b_local = day * SECS_PER_DAY + (int64_t)r->end_min * 60;
			if (r->end_min <= r->start_min)
				b_local += SECS_PER_DAY;
			if (out_today && (out_tomorrow || b_local <= (day + 1) * SECS_PER_DAY)) {
				if (day >= base_day)
					blacked++;
				continue;
			}
			a = medfw_tz_to_utc(s->tz, day * SECS_PER_DAY + (int64_t)r->start_min * 60);
			b = medfw_tz_to_utc(s->tz, b_local);
			if (!out_today && !out_tomorrow) {
				feed(&m, a, b);
				continue;
			}
			/* Cut at local midnight: keep the part on the day that is not out. */
			if (!out_today)
				feed(&m, a, min64(b, next_start));
			if (!out_tomorrow && b > next_start) {
				pend_end = pend ? max64(pend_end, b) : b;
				pend = true;
			}
		}
		day_start = next_start;
	}
	if (pend && !m.done)
		feed(&m, day_start, pend_end);
	if (m.have && m.end > m.now) {
		*start = m.start;
		*end = m.end;
		return MEDFW_OK;
	}
	if (medfw_format_utc_time(base, when, sizeof(when)) != MEDFW_OK)
		when[0] = '\0';
	if (instances > 0 && blacked == instances)
		return medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND,
				      "no maintenance window in the %d days from %s: every window "
				      "falls on a blackout date",
				      MEDFW_WINDOW_HORIZON_DAYS, when);
	return medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND,
			      "no maintenance window in the %d days from %s: every window is "
			      "blacked out or skipped by a clock change",
			      MEDFW_WINDOW_HORIZON_DAYS, when);
}

bool medfw_window_open(const struct medfw_window_schedule *s, int64_t t)
{
	int64_t a, b;

	return medfw_window_next(s, t, &a, &b, NULL) == MEDFW_OK && a <= t;
}

/* ---------------------------------------------------------------- dates */

enum medfw_err medfw_date_parse(const char *s, int64_t *out_days, struct medfw_diag *diag)
{
	static const int digit_at[] = {1, 1, 1, 1, 0, 1, 1, 0, 1, 1};
	unsigned y, m, d;
	char q[64];
	size_t i;

	if (out_days == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "date: no output");
	*out_days = 0;
	if (s == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "date: no string");
	if (strnlen(s, MEDFW_DATE_LEN + 1) != MEDFW_DATE_LEN)
		goto bad;
	for (i = 0; i < MEDFW_DATE_LEN; i++)
		if (digit_at[i] ? !(s[i] >= '0' && s[i] <= '9') : s[i] != '-')
			goto bad;
	y = (unsigned)(s[0] - '0') * 1000u + (unsigned)(s[1] - '0') * 100u +
	    (unsigned)(s[2] - '0') * 10u + (unsigned)(s[3] - '0');
	m = (unsigned)(s[5] - '0') * 10u + (unsigned)(s[6] - '0');
	d = (unsigned)(s[8] - '0') * 10u + (unsigned)(s[9] - '0');
	if (y < 1970 || m < 1 || m > 12 || d < 1 || d > month_days((int)y, m))
		goto bad;
	*out_days = medfw_days_from_civil((int)y, m, d);
	return MEDFW_OK;
bad:
	return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
			      "\"%s\" is not a date YYYY-MM-DD (a real calendar date, years "
			      "1970..9999)",
			      quote(s, q, sizeof(q)));
}

enum medfw_err medfw_date_format(int64_t days, char *out, size_t out_cap)
{
	unsigned m, d;
	int y;

	if (out == NULL || out_cap <= MEDFW_DATE_LEN)
		return MEDFW_ERR_INVALID_ARG;
	out[0] = '\0';
	if (days < DAY_MIN || days > DAY_MAX)
		return MEDFW_ERR_INVALID_ARG;
	medfw_civil_from_days(days, &y, &m, &d);
	snprintf(out, out_cap, "%04d-%02u-%02u", y, m, d);
	return MEDFW_OK;
}

/* ---------------------------------------------------------------- JSON */

static enum medfw_err check_keys(const json_t *obj, const char *what,
				 const char *const *allowed, size_t n_allowed,
				 struct medfw_diag *diag)
{
	const char *key;
	json_t *value;
	char q[64];
	size_t i;

	if (!json_is_object(obj))
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_TYPE, "%s: not a JSON object", what);
	/* jansson's iteration macro is not const-correct; it only reads. */
	json_object_foreach((json_t *)(uintptr_t)obj, key, value) {
		bool known = false;

		(void)value;
		for (i = 0; i < n_allowed && !known; i++)
			known = strcmp(key, allowed[i]) == 0;
		if (!known)
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "%s: unknown field \"%s\"",
					      what, quote(key, q, sizeof(q)));
	}
	return MEDFW_OK;
}

/* A string field without NUL characters. */
static enum medfw_err get_text(const json_t *obj, const char *what, const char *key,
			       const char **out, struct medfw_diag *diag)
{
	enum medfw_err err = medfw_json_get_string(obj, what, key, out, diag);

	if (err != MEDFW_OK)
		return err;
	if (strlen(*out) != json_string_length(json_object_get(obj, key))) {
		*out = NULL;
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "%s: %s: contains a NUL character",
				      what, key);
	}
	return MEDFW_OK;
}

/* "HH:MM" -> minutes; 00:00..23:59, and 24:00 when allow_24. */
static enum medfw_err get_time(const json_t *obj, const char *key, bool allow_24,
			       uint16_t *out, struct medfw_diag *diag)
{
	const char *s = NULL;
	enum medfw_err err;
	unsigned h, m;
	char q[64];

	err = get_text(obj, RULE_WHAT, key, &s, diag);
	if (err != MEDFW_OK)
		return err;
	if (strlen(s) != 5 || !(s[0] >= '0' && s[0] <= '9') || !(s[1] >= '0' && s[1] <= '9') ||
	    s[2] != ':' || !(s[3] >= '0' && s[3] <= '9') || !(s[4] >= '0' && s[4] <= '9'))
		goto bad;
	h = (unsigned)(s[0] - '0') * 10u + (unsigned)(s[1] - '0');
	m = (unsigned)(s[3] - '0') * 10u + (unsigned)(s[4] - '0');
	if (m > 59 || h > 24 || (h == 24 && (!allow_24 || m != 0)))
		goto bad;
	*out = (uint16_t)(h * 60u + m);
	return MEDFW_OK;
bad:
	return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
			      RULE_WHAT ": %s: \"%s\" is not a time HH:MM (00:00..%s)", key,
			      quote(s, q, sizeof(q)), allow_24 ? "24:00" : "23:59");
}

enum medfw_err medfw_window_rule_from_json(const json_t *j, struct medfw_window_rule *out,
					   struct medfw_diag *diag)
{
	static const char *const fields[] = {"days", "start", "end"};
	struct medfw_window_rule r = {0};
	json_t *days = NULL;
	enum medfw_err err;
	size_t i, n;
	char q[64];

	if (out == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, RULE_WHAT ": no output");
	memset(out, 0, sizeof(*out));
	err = check_keys(j, RULE_WHAT, fields, 3, diag);
	if (err != MEDFW_OK)
		return err;
	err = medfw_json_get_array(j, RULE_WHAT, "days", &days, diag);
	if (err != MEDFW_OK)
		return err;
	n = json_array_size(days);
	if (n == 0 || n > 7)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      RULE_WHAT ": days: %zu weekdays, 1 to 7 expected", n);
	for (i = 0; i < n; i++) {
		const json_t *v = json_array_get(days, i);
		const char *name;
		unsigned k;

		if (!json_is_string(v))
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_TYPE,
					      RULE_WHAT ": days[%zu]: must be a string", i);
		name = json_string_value(v);
		for (k = 0; k < 7; k++)
			if (json_string_length(v) == 3 && strcmp(name, weekday_names[k]) == 0)
				break;
		if (k == 7)
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					      RULE_WHAT ": days[%zu]: unknown weekday \"%s\" (mon, "
					      "tue, wed, thu, fri, sat, sun)",
					      i, quote(name, q, sizeof(q)));
		if (r.days & (1u << k))
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					      RULE_WHAT ": days[%zu]: \"%s\" given twice", i,
					      weekday_names[k]);
		r.days = (uint8_t)(r.days | (1u << k));
	}
	err = get_time(j, "start", false, &r.start_min, diag);
	if (err != MEDFW_OK)
		return err;
	err = get_time(j, "end", true, &r.end_min, diag);
	if (err != MEDFW_OK)
		return err;
	*out = r;
	return MEDFW_OK;
}

static json_t *time_string(unsigned minutes)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%02u:%02u", minutes / 60u, minutes % 60u);
	return json_string(buf);
}

/* Set key to value (reference stolen); false on failure (value freed). */
static bool set_new(json_t *obj, const char *key, json_t *value)
{
	return value != NULL && json_object_set_new(obj, key, value) == 0;
}

json_t *medfw_window_rule_to_json(const struct medfw_window_rule *r)
{
	json_t *obj = NULL, *days = NULL;
	unsigned k;

	if (r == NULL || r->days == 0 || (r->days & ~MEDFW_WINDOW_ALL_DAYS) != 0 ||
	    r->start_min > 1439 || r->end_min > 1440)
		return NULL;
	obj = json_object();
	days = json_array();
	if (obj == NULL || days == NULL)
		goto fail;
	for (k = 0; k < 7; k++)
		if ((r->days & (1u << k)) != 0 &&
		    json_array_append_new(days, json_string(weekday_names[k])) != 0)
			goto fail;
	if (json_object_set_new(obj, "days", days) != 0) {
		days = NULL;
		goto fail;
	}
	days = NULL;
	if (!set_new(obj, "start", time_string(r->start_min)) ||
	    !set_new(obj, "end", time_string(r->end_min)))
		goto fail;
	return obj;
fail:
	json_decref(days);
	json_decref(obj);
	return NULL;
}

static enum medfw_err get_date(const json_t *obj, const char *key, int64_t *out,
			       struct medfw_diag *diag)
{
	struct medfw_diag local;
	const char *s = NULL;
	enum medfw_err err;

	err = get_text(obj, BLACKOUT_WHAT, key, &s, diag);
	if (err != MEDFW_OK)
		return err;
	medfw_diag_clear(&local);
	err = medfw_date_parse(s, out, &local);
	if (err != MEDFW_OK)
		return medfw_diag_set(diag, err, BLACKOUT_WHAT ": %s: %s", key,
				      medfw_diag_message(&local, err));
	return MEDFW_OK;
}

enum medfw_err medfw_blackout_from_json(const json_t *j, struct medfw_blackout *out,
					struct medfw_diag *diag)
{
	static const char *const fields[] = {"from", "to"};
	struct medfw_blackout b = {0, 0};
	enum medfw_err err;

	if (out == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, BLACKOUT_WHAT ": no output");
	memset(out, 0, sizeof(*out));
	err = check_keys(j, BLACKOUT_WHAT, fields, 2, diag);
	if (err != MEDFW_OK)
		return err;
	err = get_date(j, "from", &b.from_day, diag);
	if (err != MEDFW_OK)
		return err;
	err = get_date(j, "to", &b.to_day, diag);
	if (err != MEDFW_OK)
		return err;
	if (b.to_day < b.from_day)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      BLACKOUT_WHAT ": to (%s) is before from (%s)",
				      json_string_value(json_object_get(j, "to")),
				      json_string_value(json_object_get(j, "from")));
	if (b.to_day - b.from_day > MEDFW_BLACKOUT_DAYS_MAX)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      BLACKOUT_WHAT ": to is %lld days after from, at most %d "
				      "allowed",
				      (long long)(b.to_day - b.from_day), MEDFW_BLACKOUT_DAYS_MAX);
	*out = b;
	return MEDFW_OK;
}

json_t *medfw_blackout_to_json(const struct medfw_blackout *b)
{
	char from[MEDFW_DATE_LEN + 1], to[MEDFW_DATE_LEN + 1];
	json_t *obj;

	if (b == NULL || b->to_day < b->from_day ||
	    medfw_date_format(b->from_day, from, sizeof(from)) != MEDFW_OK ||
	    medfw_date_format(b->to_day, to, sizeof(to)) != MEDFW_OK)
		return NULL;
	obj = json_object();
	if (obj == NULL)
		return NULL;
	if (!set_new(obj, "from", json_string(from)) || !set_new(obj, "to", json_string(to))) {
		json_decref(obj);
		return NULL;
	}
	return obj;
}
