/* Time zones from TZif files (RFC 8536), the footer's POSIX TZ rule, civil dates. */
#include "medfw/tz.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "medfw/buf.h"
#include "medfw/num.h"

#define DEFAULT_ZONEINFO "/usr/share/zoneinfo"
#define HEADER_LEN 44
#define SECS_PER_DAY 86400
/* RFC 8536 3.2: utoff SHOULD be within -89999..93599 (-24:59:59 .. +25:59:59). */
#define UTOFF_MIN (-89999)
#define UTOFF_MAX 93599
/* Transition times outside +-2^60 are refused, so time + offset cannot overflow. */
#define TRANSITION_LIMIT ((int64_t)1 << 60)
#define NO_TRANSITION INT64_MAX

/* ---------------------------------------------------------------- civil dates */

int64_t medfw_days_from_civil(int y, unsigned m, unsigned d)
{
	int64_t yy = y, era, yoe, doy, doe;
	unsigned mm = m < 1 ? 1 : (m > 12 ? 12 : m);
	unsigned dd = d < 1 ? 1 : (d > 31 ? 31 : d);

	yy -= mm <= 2;
	era = (yy >= 0 ? yy : yy - 399) / 400;
	yoe = yy - era * 400;
	doy = (153 * (int64_t)(mm > 2 ? mm - 3 : mm + 9) + 2) / 5 + (int64_t)dd - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void medfw_civil_from_days(int64_t days, int *y, unsigned *m, unsigned *d)
{
	int64_t z, era, doe, yoe, yy, doy, mp;

	if (days > MEDFW_DAYS_LIMIT)
		days = MEDFW_DAYS_LIMIT;
	if (days < -MEDFW_DAYS_LIMIT)
		days = -MEDFW_DAYS_LIMIT;
	z = days + 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	yy = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yy + (*m <= 2));
}

int medfw_weekday(int64_t days)
{
	/* 1970-01-01 was a Thursday (3 when Monday is 0). */
	return (int)(((days % 7) + 10) % 7);
}

static int is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned month_days(int y, unsigned m)
{
	static const unsigned mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	return mdays[m - 1] + ((m == 2 && is_leap(y)) ? 1u : 0u);
}

/* floor(a / b) for b > 0. */
static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	return (a % b != 0 && a < 0) ? q - 1 : q;
}

/* A short printable rendering of untrusted bytes for a message. */
static const char *printable(const char *s, size_t len, char *buf, size_t cap)
{
	size_t i, o = 0;

	for (i = 0; i < len && s[i] != '\0' && o + 4 < cap; i++) {
		unsigned char c = (unsigned char)s[i];

		buf[o++] = (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') ? (char)c : '?';
	}
	if (i < len && s[i] != '\0' && o + 3 < cap) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

static int64_t clamp_time(int64_t t)
{
	if (t > MEDFW_TZ_TIME_LIMIT)
		return MEDFW_TZ_TIME_LIMIT;
	if (t < -MEDFW_TZ_TIME_LIMIT)
		return -MEDFW_TZ_TIME_LIMIT;
	return t;
}

/* ---------------------------------------------------------------- the zone */

enum date_kind {
	DATE_JULIAN1, /* Jn: 1..365, February 29 never counted */
	DATE_JULIAN0, /* n: 0..365, February 29 counted */
	DATE_MONTH,   /* Mm.w.d */
};

struct rule_date {
	enum date_kind kind;
	int n;          /* Jn / n */
	int month;      /* 1..12 */
	int week;       /* 1..5, 5 = last */
	int wday;       /* 0 = Sunday .. 6 */
	int32_t secs;   /* local time of day of the change, -167..167 hours */
};

/* The footer's POSIX TZ string. */
struct posix_rule {
	bool present;  /* a non-empty footer */
	bool has_dst;
	int32_t std_off; /* seconds east of UTC */
	int32_t dst_off;
	struct rule_date start, end;
};

struct transition {
	int64_t at;
	int32_t off; /* offset in effect from `at` on */
};

struct medfw_tz {
	char name[MEDFW_TZ_NAME_MAX + 1];
	int32_t first_off; /* before the first transition: local time type 0 */
	struct posix_rule footer;
	size_t count;
	struct transition trans[]; /* ascending, strictly */
};

bool medfw_tz_name_valid(const char *name)
{
	size_t i, seg = 0, len;

	if (name == NULL)
		return false;
	len = strnlen(name, MEDFW_TZ_NAME_MAX + 1);
	if (len == 0 || len > MEDFW_TZ_NAME_MAX)
		return false;
	for (i = 0; i <= len; i++) {
		char c = name[i];

		if (c == '/' || c == '\0') {
			/* Empty segments (and so a leading or trailing '/') are refused; "." and
			 * ".." too, although '.' is not a name character anyway. */
			if (seg == 0 || (seg == 1 && name[i - 1] == '.') ||
			    (seg == 2 && name[i - 1] == '.' && name[i - 2] == '.'))
				return false;
			seg = 0;
			continue;
		}
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '+' || c == '-'))
			return false;
		seg++;
	}
	return true;
}

const char *medfw_tz_name(const struct medfw_tz *tz)
{
	return tz->name;
}

void medfw_tz_free(struct medfw_tz *tz)
{
	free(tz);
}

/* ---------------------------------------------------------------- POSIX TZ rule */

/* Day number (since 1970-01-01) of a rule date in year y. */
static int64_t rule_day(const struct rule_date *r, int y)
{
	int64_t jan1 = medfw_days_from_civil(y, 1, 1), first, day;
	unsigned mlen;
	int wd_sun;

	switch (r->kind) {
	case DATE_JULIAN1:
		return jan1 + r->n - 1 + ((is_leap(y) && r->n >= 60) ? 1 : 0);
	case DATE_JULIAN0:
		return jan1 + r->n;
	case DATE_MONTH:
		break;
	}
	first = medfw_days_from_civil(y, (unsigned)r->month, 1);
	mlen = month_days(y, (unsigned)r->month);
	wd_sun = (medfw_weekday(first) + 1) % 7; /* 0 = Sunday */
	day = first + (r->wday - wd_sun + 7) % 7 + 7 * (int64_t)(r->week - 1);
	while (day >= first + (int64_t)mlen)
		day -= 7;
	return day;
}

struct rule_event {
	int64_t at;
	int32_t off;   /* offset from `at` on */
	int order;     /* on equal instants: the change to standard time first */
};

/* The DST start and end instants of the four years from `first`, sorted.
 *
 * The offset at t is the one set by the latest change at or before t, over all years;
 * changes at the same instant apply standard time first, so a rule whose DST ends
 * exactly when the next year's begins ("EST5EDT,0/0,J365/25", as zic writes all-year
 * DST) is DST throughout. Each year's changes lie within about nine days of that year
 * (rule times are within +-167 hours of a day that is at most January 1 of the next
 * year), and one rule's changes in consecutive years are at most 373 days apart, so
 * the latest change at or before an instant of year y belongs to years y-2 .. y+1, and
 * the first change after it to years y-1 .. y+2. */
static size_t rule_events(const struct posix_rule *p, int first, struct rule_event *ev)
{
	size_t n = 0, i, j;
	int k;

	for (k = 0; k < 4; k++) {
		int yy = first + k;

		ev[n].at = rule_day(&p->start, yy) * SECS_PER_DAY + p->start.secs - p->std_off;
		ev[n].off = p->dst_off;
		ev[n].order = 1;
		n++;
		ev[n].at = rule_day(&p->end, yy) * SECS_PER_DAY + p->end.secs - p->dst_off;
		ev[n].off = p->std_off;
		ev[n].order = 0;
		n++;
	}
	for (i = 1; i < n; i++) { /* insertion sort of 8 */
		struct rule_event e = ev[i];

		for (j = i; j > 0 && (ev[j - 1].at > e.at ||
				      (ev[j - 1].at == e.at && ev[j - 1].order > e.order));
		     j--)
			ev[j] = ev[j - 1];
		ev[j] = e;
	}
	return n;
}

static int year_of(int64_t t)
{
	int y;
	unsigned m, d;

	medfw_civil_from_days(floor_div(t, SECS_PER_DAY), &y, &m, &d);
	return y;
}

static int32_t rule_offset(const struct posix_rule *p, int64_t t)
{
	struct rule_event ev[8];
	int32_t off = p->std_off;
	size_t n, i;

	if (!p->has_dst)
		return p->std_off;
	n = rule_events(p, year_of(t) - 2, ev);
	for (i = 0; i < n && ev[i].at <= t; i++)
		off = ev[i].off;
	return off;
}

/* The first rule change after t: its instant (NO_TRANSITION if none) and the offset
 * after it (after every change at that same instant). */
static int64_t rule_next(const struct posix_rule *p, int64_t t, int32_t *off_after)
{
	struct rule_event ev[8];
	size_t n, i;

	if (!p->has_dst)
		return NO_TRANSITION;
	n = rule_events(p, year_of(t) - 1, ev);
	for (i = 0; i < n; i++) {
		if (ev[i].at <= t)
			continue;
		while (i + 1 < n && ev[i + 1].at == ev[i].at)
			i++;
		*off_after = ev[i].off;
		return ev[i].at;
	}
	return NO_TRANSITION;
}

/* A tiny cursor over the footer string. */
struct cursor {
	const char *s;
	size_t pos, len;
};

static int peek(const struct cursor *c)
{
	return c->pos < c->len ? (unsigned char)c->s[c->pos] : -1;
}

static bool is_digit_c(int c)
{
	return c >= '0' && c <= '9';
}

static bool is_alpha_c(int c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* An unsigned number of 1..max_digits digits. */
static bool parse_num(struct cursor *c, int max_digits, int *out)
{
	int v = 0, n = 0;

	while (is_digit_c(peek(c)) && n < max_digits) {
		v = v * 10 + (peek(c) - '0');
		c->pos++;
		n++;
	}
	if (n == 0 || is_digit_c(peek(c)))
		return false;
	*out = v;
	return true;
}

/* std / dst designation: 3+ letters, or <3+ of [A-Za-z0-9+-]>. */
static bool parse_name(struct cursor *c)
{
	size_t n = 0;

	if (peek(c) == '<') {
		c->pos++;
		while (is_alpha_c(peek(c)) || is_digit_c(peek(c)) || peek(c) == '+' ||
		       peek(c) == '-') {
			c->pos++;
			n++;
		}
		if (peek(c) != '>')
			return false;
		c->pos++;
		return n >= 3;
	}
	while (is_alpha_c(peek(c))) {
		c->pos++;
		n++;
	}
	return n >= 3;
}

/* [+-]hh[:mm[:ss]] with hh <= max_hours; seconds (sign applied) in *out. */
static bool parse_hms(struct cursor *c, int max_hours, bool allow_sign, int32_t *out)
{
	int sign = 1, h = 0, m = 0, s = 0;

	if (peek(c) == '+' || peek(c) == '-') {
		if (!allow_sign && peek(c) == '-')
			return false;
		sign = peek(c) == '-' ? -1 : 1;
		c->pos++;
	}
	if (!parse_num(c, max_hours > 99 ? 3 : 2, &h) || h > max_hours)
		return false;
	if (peek(c) == ':') {
		c->pos++;
		if (!parse_num(c, 2, &m) || m > 59)
			return false;
		if (peek(c) == ':') {
			c->pos++;
			if (!parse_num(c, 2, &s) || s > 59)
				return false;
		}
	}
	*out = (int32_t)(sign * (h * 3600 + m * 60 + s));
	return true;
}

static bool parse_date(struct cursor *c, bool v3, struct rule_date *r)
{
	int v;

	if (peek(c) == 'J') {
		c->pos++;
		if (!parse_num(c, 3, &v) || v < 1 || v > 365)
			return false;
		r->kind = DATE_JULIAN1;
		r->n = v;
	} else if (peek(c) == 'M') {
		c->pos++;
		if (!parse_num(c, 2, &r->month) || r->month < 1 || r->month > 12 ||
		    peek(c) != '.')
			return false;
		c->pos++;
		if (!parse_num(c, 1, &r->week) || r->week < 1 || r->week > 5 || peek(c) != '.')
			return false;
		c->pos++;
		if (!parse_num(c, 1, &r->wday) || r->wday > 6)
			return false;
		r->kind = DATE_MONTH;
	} else {
		if (!parse_num(c, 3, &v) || v > 365)
			return false;
		r->kind = DATE_JULIAN0;
		r->n = v;
	}
	r->secs = 2 * 3600;
	if (peek(c) == '/') {
		c->pos++;
		/* RFC 8536 3.3.1: version 3 allows -167..167 hours; POSIX 0..24. */
		if (!parse_hms(c, v3 ? 167 : 24, v3, &r->secs))
			return false;
	}
	return true;
}

/* Parse a footer TZ string (without its newlines); an empty one is allowed. */
static enum medfw_err parse_footer(const char *s, size_t len, bool v3, struct posix_rule *p,
				   struct medfw_diag *diag)
{
	struct cursor c = {s, 0, len};
	const char *what = "";
	size_t at = 0; /* where the element that failed starts */
	char q[80];
	int32_t off;

	memset(p, 0, sizeof(*p));
	if (len == 0)
		return MEDFW_OK;
	if (!parse_name(&c)) {
		what = "standard time designation";
		goto bad;
	}
	at = c.pos;
	if (!parse_hms(&c, 24, true, &off)) {
		what = "standard time offset";
		goto bad;
	}
	p->std_off = -off; /* POSIX offsets are positive west of Greenwich */
	p->present = true;
	if (c.pos == len)
		return MEDFW_OK;
	at = c.pos;
	if (!parse_name(&c)) {
		what = "daylight time designation";
		goto bad;
	}
	p->has_dst = true;
	p->dst_off = p->std_off + 3600;
	at = c.pos;
	if (c.pos < len && peek(&c) != ',') {
		if (!parse_hms(&c, 24, true, &off)) {
			what = "daylight time offset";
			goto bad;
		}
		p->dst_off = -off;
	}
	at = c.pos;
	if (peek(&c) != ',') {
		what = "rule (',' and the start date expected)";
		goto bad;
	}
	c.pos++;
	at = c.pos;
	if (!parse_date(&c, v3, &p->start)) {
		what = "rule start date or time";
		goto bad;
	}
	at = c.pos;
	if (peek(&c) != ',') {
		what = "rule (',' and the end date expected)";
		goto bad;
	}
	c.pos++;
	at = c.pos;
	if (!parse_date(&c, v3, &p->end)) {
		what = "rule end date or time";
		goto bad;
	}
	at = c.pos;
	if (c.pos != len) {
		what = "rule (trailing characters)";
		goto bad;
	}
	return MEDFW_OK;
bad:
	memset(p, 0, sizeof(*p));
	return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
			      "TZif footer: bad TZ string \"%s\": %s at character %zu",
			      printable(s, len, q, 72), what, at + 1);
}

/* ---------------------------------------------------------------- TZif */

struct header {
	uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
	char version; /* 0 for version 1, else '2', '3', '4' */
};

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const uint8_t *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

static enum medfw_err parse_header(const uint8_t *data, size_t len, size_t off,
				   const char *which, struct header *h, struct medfw_diag *diag)
{
	const uint8_t *p;

	if (len - off < HEADER_LEN)
		return medfw_diag_set(diag, MEDFW_ERR_TRUNCATED,
				      "TZif: %s header truncated (%zu of %d bytes)", which, len - off,
				      HEADER_LEN);
	p = data + off;
	if (memcmp(p, "TZif", 4) != 0)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "TZif: bad magic in the %s header (not a TZif file)", which);
	if (p[4] != 0 && (p[4] < '2' || p[4] > '4'))
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "TZif: unsupported version byte 0x%02x in the %s header",
				      (unsigned)p[4],
				      which);
	h->version = (char)p[4];
	h->isutcnt = be32(p + 20);
	h->isstdcnt = be32(p + 24);
	h->leapcnt = be32(p + 28);
	h->timecnt = be32(p + 32);
	h->typecnt = be32(p + 36);
	h->charcnt = be32(p + 40);
	if (h->timecnt > MEDFW_TZ_MAX_TRANSITIONS)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE,
				      "TZif: %s header: %u transitions, at most %d allowed", which,
				      h->timecnt, MEDFW_TZ_MAX_TRANSITIONS);
	if (h->typecnt == 0 || h->typecnt > MEDFW_TZ_MAX_TYPES)
		return medfw_diag_set(diag,
				      h->typecnt == 0 ? MEDFW_ERR_FIELD_VALUE : MEDFW_ERR_TOO_LARGE,
				      "TZif: %s header: %u local time types, 1 to %d allowed", which,
				      h->typecnt, MEDFW_TZ_MAX_TYPES);
	if (h->charcnt == 0 || h->charcnt > MEDFW_TZ_MAX_CHARS)
		return medfw_diag_set(diag,
				      h->charcnt == 0 ? MEDFW_ERR_FIELD_VALUE : MEDFW_ERR_TOO_LARGE,
				      "TZif: %s header: %u designation bytes, 1 to %d allowed", which,
				      h->charcnt, MEDFW_TZ_MAX_CHARS);
	if (h->isutcnt != 0 && h->isutcnt != h->typecnt)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "TZif: %s header: isutcnt %u is neither 0 nor typecnt %u", which,
				      h->isutcnt, h->typecnt);
	if (h->isstdcnt != 0 && h->isstdcnt != h->typecnt)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "TZif: %s header: isstdcnt %u is neither 0 nor typecnt %u", which,
				      h->isstdcnt, h->typecnt);
	if (h->leapcnt != 0)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "TZif: %s header: %u leap-second records (a \"right/\" zone); "
				      "only POSIX-time zones are supported",
				      which, h->leapcnt);
	return MEDFW_OK;
}

/* Size of the data block that follows a header; time_size 4 (v1) or 8. The counts are
 * capped, so this cannot overflow. */
static size_t block_size(const struct header *h, size_t time_size)
{
	return (size_t)h->timecnt * (time_size + 1) + (size_t)h->typecnt * 6 + h->charcnt +
	       (size_t)h->leapcnt * (time_size + 4) + h->isstdcnt + h->isutcnt;
}

/* Validate and load the data block at data[off..) into a new zone. */
static enum medfw_err parse_block(const uint8_t *data, const struct header *h,
				  size_t time_size, struct medfw_tz **out,
				  struct medfw_diag *diag)
{
	const uint8_t *times = data, *idx, *types, *chars, *isstd, *isut;
	struct medfw_tz *tz;
	int32_t utoff[MEDFW_TZ_MAX_TYPES];
	size_t i;

	idx = times + (size_t)h->timecnt * time_size;
	types = idx + h->timecnt;
	chars = types + (size_t)h->typecnt * 6;
	isstd = chars + h->charcnt + (size_t)h->leapcnt * (time_size + 4);
	isut = isstd + h->isstdcnt;

	for (i = 0; i < h->typecnt; i++) {
		const uint8_t *t = types + i * 6;
		int32_t o = (int32_t)be32(t);

		if (o < UTOFF_MIN || o > UTOFF_MAX)
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					      "TZif: local time type %zu: UT offset %d s outside "
					      "-89999..93599",
					      i, (int)o);
		if (t[4] > 1)
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					      "TZif: local time type %zu: isdst is %u, not 0 or 1", i,
					      (unsigned)t[4]);
		if (t[5] >= h->charcnt)
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					      "TZif: local time type %zu: designation index %u out of "
					      "range (%u bytes)",
					      i, (unsigned)t[5], h->charcnt);
		if (memchr(chars + t[5], '\0', h->charcnt - t[5]) == NULL)
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					      "TZif: local time type %zu: designation not "
					      "NUL-terminated",
					      i);
		utoff[i] = o;
	}
	for (i = 0; i < h->isstdcnt; i++)
		if (isstd[i] > 1)
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					      "TZif: standard/wall indicator %zu is %u, not 0 or 1", i,
					      (unsigned)isstd[i]);
	for (i = 0; i < h->isutcnt; i++)
		if (isut[i] > 1 || (isut[i] == 1 && (h->isstdcnt == 0 || isstd[i] != 1)))
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					      "TZif: UT/local indicator %zu is %u (1 needs standard "
					      "indicator 1)",
					      i, (unsigned)isut[i]);

	tz = calloc(1, sizeof(*tz) + (size_t)h->timecnt * sizeof(tz->trans[0]));
	if (tz == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_NOMEM, "TZif: out of memory");
	for (i = 0; i < h->timecnt; i++) {
		int64_t at = time_size == 8 ? be64(times + i * 8)
					    : (int64_t)(int32_t)be32(times + i * 4);

		if (idx[i] >= h->typecnt) {
			free(tz);
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					      "TZif: transition %zu: local time type %u out of range "
					      "(%u types)",
					      i, (unsigned)idx[i], h->typecnt);
		}
		if (at < -TRANSITION_LIMIT || at > TRANSITION_LIMIT) {
			free(tz);
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					      "TZif: transition %zu: time %lld out of range", i,
					      (long long)at);
		}
		if (i > 0 && at <= tz->trans[i - 1].at) {
			free(tz);
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					      "TZif: transition %zu: time %lld not after the previous "
					      "one",
					      i, (long long)at);
		}
		tz->trans[i].at = at;
		tz->trans[i].off = utoff[idx[i]];
	}
	tz->count = h->timecnt;
	tz->first_off = utoff[0];
	*out = tz;
	return MEDFW_OK;
}

enum medfw_err medfw_tz_parse(const uint8_t *data, size_t len, const char *name,
			      struct medfw_tz **out, struct medfw_diag *diag)
{
	struct medfw_tz *tz = NULL;
	struct header h1, h2;
	enum medfw_err err;
	size_t off, size, flen;
	const uint8_t *nl;

	if (out == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "TZif: no output");
	*out = NULL;
	if (!medfw_tz_name_valid(name))
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "TZif: invalid zone name");
	if (data == NULL && len != 0)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "TZif: no data");
	err = parse_header(data, len, 0, "first", &h1, diag);
	if (err != MEDFW_OK)
		return err;
	off = HEADER_LEN;
	size = block_size(&h1, 4);
	if (len - off < size)
		return medfw_diag_set(diag, MEDFW_ERR_TRUNCATED,
				      "TZif: version 1 data truncated (%zu of %zu bytes)", len - off,
				      size);
	if (h1.version == 0) {
		if (len - off != size)
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					      "TZif: %zu bytes after the version 1 data",
					      len - off - size);
		err = parse_block(data + off, &h1, 4, &tz, diag);
		if (err != MEDFW_OK)
			return err;
		goto done;
	}
	off += size;
	err = parse_header(data, len, off, "second", &h2, diag);
	if (err != MEDFW_OK)
		return err;
	if (h2.version != h1.version)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "TZif: second header's version '%c' differs from the first's '%c'",
				      h2.version != 0 ? h2.version : '0', h1.version);
	off += HEADER_LEN;
	size = block_size(&h2, 8);
	if (len - off < size)
		return medfw_diag_set(diag, MEDFW_ERR_TRUNCATED,
				      "TZif: version %c data truncated (%zu of %zu bytes)", h2.version,
				      len - off, size);
	off += size;
	/* Footer: "\n" TZ-string "\n", the last bytes of the file. */
	if (len - off < 2)
		return medfw_diag_set(diag, MEDFW_ERR_TRUNCATED, "TZif: footer missing");
	if (data[off] != '\n')
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "TZif: footer does not start with a newline");
	nl = memchr(data + off + 1, '\n', len - off - 1);
	if (nl == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_TRUNCATED,
				      "TZif: footer's closing newline missing");
	flen = (size_t)(nl - (data + off + 1));
	if (flen > MEDFW_TZ_FOOTER_MAX)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE,
				      "TZif: footer TZ string of %zu bytes, at most %d allowed", flen,
				      MEDFW_TZ_FOOTER_MAX);
	if ((size_t)(nl - data) + 1 != len)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "TZif: %zu bytes after the footer",
				      len - (size_t)(nl - data) - 1);
	err = parse_block(data + off - size, &h2, 8, &tz, diag);
	if (err != MEDFW_OK)
		return err;
	err = parse_footer((const char *)data + off + 1, flen, h2.version >= '3', &tz->footer,
			   diag);
	if (err != MEDFW_OK) {
		free(tz);
		return err;
	}
done:
	memcpy(tz->name, name, strlen(name) + 1);
	*out = tz;
	return MEDFW_OK;
}

static enum medfw_err utc_zone(struct medfw_tz **out, struct medfw_diag *diag)
{
	struct medfw_tz *tz = calloc(1, sizeof(*tz));

	if (tz == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_NOMEM, "time zone UTC: out of memory");
	tz->footer.present = true;
	memcpy(tz->name, "UTC", 4);
	*out = tz;
	return MEDFW_OK;
}

enum medfw_err medfw_tz_load(const char *zoneinfo_dir, const char *name,
			     struct medfw_tz **out, struct medfw_diag *diag)
{
	struct medfw_diag local;
	struct medfw_buf file;
	enum medfw_err err;
	struct stat st;
	char path[4096], q[80];
	int n;

	if (out == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "time zone: no output");
	*out = NULL;
	if (!medfw_tz_name_valid(name))
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
				      "time zone name \"%s\" is not valid (1..%d bytes of "
				      "A-Z a-z 0-9 _ + - in segments separated by '/')",
				      name == NULL ? "" : printable(name, 72, q, 72), MEDFW_TZ_NAME_MAX);
	if (strcmp(name, "UTC") == 0)
		return utc_zone(out, diag);
	if (zoneinfo_dir == NULL)
		zoneinfo_dir = DEFAULT_ZONEINFO;
	n = snprintf(path, sizeof(path), "%s/%s", zoneinfo_dir, name);
	if (n < 0 || (size_t)n >= sizeof(path))
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
				      "time zone \"%s\": zoneinfo path too long", name);
	if (stat(path, &st) != 0) {
		if (errno == ENOENT || errno == ENOTDIR)
			return medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND,
					      "time zone \"%s\": unknown zone (no %s)", name, path);
		return medfw_diag_set(diag, MEDFW_ERR_IO, "time zone \"%s\": %s: %s", name, path,
				      strerror(errno));
	}
	if (!S_ISREG(st.st_mode))
		return medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND,
				      "time zone \"%s\": unknown zone (%s is not a file)", name, path);
	err = medfw_file_read(path, MEDFW_TZ_FILE_MAX, &file, diag);
	if (err != MEDFW_OK)
		return err;
	medfw_diag_clear(&local);
	err = medfw_tz_parse(file.data, file.len, name, out, &local);
	medfw_buf_free(&file);
	if (err != MEDFW_OK)
		return medfw_diag_set(diag, err, "time zone \"%s\" (%s): %s", name, path,
				      medfw_diag_message(&local, err));
	return MEDFW_OK;
}

/* ---------------------------------------------------------------- queries */

/* Index of the last transition at or before t, or -1 before the first. */
static ptrdiff_t find_transition(const struct medfw_tz *tz, int64_t t)
{
	size_t lo = 0, hi = tz->count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (tz->trans[mid].at <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (ptrdiff_t)lo - 1;
}

/* Whether the footer rule decides the offset at t: at or after the last transition. */
static bool footer_applies(const struct medfw_tz *tz, int64_t t)
{
	return tz->footer.present && (tz->count == 0 || t >= tz->trans[tz->count - 1].at);
}

static int32_t offset_at(const struct medfw_tz *tz, int64_t t)
{
	ptrdiff_t i;

	if (footer_applies(tz, t))
		return rule_offset(&tz->footer, t);
	i = find_transition(tz, t);
	return i < 0 ? tz->first_off : tz->trans[i].off;
}

/* The first change of offset rules after t (NO_TRANSITION if none) and the offset
 * from then on. */
static int64_t next_transition(const struct medfw_tz *tz, int64_t t, int32_t *off_after)
{
	ptrdiff_t i;
	size_t next;

	if (footer_applies(tz, t))
		return rule_next(&tz->footer, t, off_after);
	i = find_transition(tz, t);
	next = (size_t)(i + 1);
	if (next >= tz->count)
		return NO_TRANSITION;
	*off_after = offset_at(tz, tz->trans[next].at);
	return tz->trans[next].at;
}

int32_t medfw_tz_offset(const struct medfw_tz *tz, int64_t t)
{
	return offset_at(tz, clamp_time(t));
}

int64_t medfw_tz_to_local(const struct medfw_tz *tz, int64_t t)
{
	t = clamp_time(t);
	return t + offset_at(tz, t);
}

int64_t medfw_tz_to_utc(const struct medfw_tz *tz, int64_t local)
{
	/* Offsets are below 26 hours, so the answer lies within two days of `local`. Walk
	 * the segments of constant offset from two days before and return the first
	 * instant whose wall-clock time reaches `local`. */
	int64_t seg = clamp_time(local) - 2 * SECS_PER_DAY, limit = seg + 4 * SECS_PER_DAY;
	int32_t off = offset_at(tz, seg), next_off = 0;

	local = clamp_time(local);
	while (seg <= limit) {
		int64_t next = next_transition(tz, seg, &next_off);

		if (seg + off >= local)
			return seg; /* `local` was skipped: the first instant after the gap */
		if (next == NO_TRANSITION || local - off < next)
			return local - off;
		seg = next;
		off = next_off;
	}
	return local - offset_at(tz, local);
}

enum medfw_err medfw_tz_format_local(const struct medfw_tz *tz, int64_t t, char *out,
				     size_t out_cap)
{
	char utc[MEDFW_UTC_TIME_LEN + 1];
	int32_t off;
	uint32_t a;
	int n;
	enum medfw_err err;

	if (out == NULL || out_cap < MEDFW_TZ_LOCAL_TIME_MAX + 1 || tz == NULL) {
		if (out != NULL && out_cap > 0)
			out[0] = '\0';
		return MEDFW_ERR_INVALID_ARG;
	}
	out[0] = '\0';
	t = clamp_time(t);
	off = offset_at(tz, t);
	/* the local wall clock written as if it were UTC, then its offset instead of Z */
	err = medfw_format_utc_time(t + off, utc, sizeof(utc));
	if (err != MEDFW_OK)
		return err;
	a = off < 0 ? (uint32_t)(-(int64_t)off) : (uint32_t)off;
	utc[MEDFW_UTC_TIME_LEN - 1] = '\0';
	if (a % 60 != 0)
		n = snprintf(out, out_cap, "%s%c%02u:%02u:%02u", utc, off < 0 ? '-' : '+', a / 3600,
			     a / 60 % 60, a % 60);
	else
		n = snprintf(out, out_cap, "%s%c%02u:%02u", utc, off < 0 ? '-' : '+', a / 3600,
			     a / 60 % 60);
	if (n < 0 || (size_t)n >= out_cap) {
		out[0] = '\0';
		return MEDFW_ERR_INVALID_ARG;
	}
	return MEDFW_OK;
}
