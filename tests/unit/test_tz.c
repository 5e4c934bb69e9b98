/* Time zones from TZif files: real zones from /usr/share/zoneinfo, footer-only
 * ("slim") files, POSIX TZ rule forms, conversions across DST gaps and overlaps,
 * malformed files.
 *
 * Expected offsets and transition instants are hard-coded from tzdata 2025b (the
 * Debian 12 package), computed with CPython 3.11's zoneinfo module, an implementation
 * independent of this one, and checked by hand against the rules named in each
 * comment (tzdata's europe, northamerica, australasia, asia, africa and southamerica
 * files). */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "medfw/tz.h"

/* 2026-03-29T00:00:00Z and friends, as seconds since the epoch. */
#define DAY 86400
#define HOUR 3600

static struct medfw_tz *load(const char *name)
{
	struct medfw_tz *tz = NULL;
	struct medfw_diag d;

	medfw_diag_clear(&d);
	if (medfw_tz_load(NULL, name, &tz, &d) != MEDFW_OK)
		fail_msg("load %s: %s", name, d.msg);
	assert_string_equal(medfw_tz_name(tz), name);
	return tz;
}

/* Offset `before` one second before t, `after` from t on. */
static void expect_change(const struct medfw_tz *tz, int64_t t, int32_t before, int32_t after)
{
	if (medfw_tz_offset(tz, t - 1) != before || medfw_tz_offset(tz, t) != after)
		fail_msg("%s at %lld: offsets %d / %d, expected %d / %d", medfw_tz_name(tz),
			 (long long)t, medfw_tz_offset(tz, t - 1), medfw_tz_offset(tz, t), before,
			 after);
}

static void expect_utc(const struct medfw_tz *tz, int64_t local, int64_t utc)
{
	int64_t got = medfw_tz_to_utc(tz, local);

	if (got != utc)
		fail_msg("%s: local %lld -> %lld, expected %lld", medfw_tz_name(tz),
			 (long long)local, (long long)got, (long long)utc);
}

/* ---------------------------------------------------------------- civil dates */

static void test_civil(void **state)
{
	int64_t days;
	int y, prev_y;
	unsigned m, d, prev_m, prev_d;

	(void)state;
	assert_int_equal(medfw_days_from_civil(1970, 1, 1), 0);
	assert_int_equal(medfw_days_from_civil(1969, 12, 31), -1);
	assert_int_equal(medfw_days_from_civil(2000, 3, 1), 11017);
	assert_int_equal(medfw_days_from_civil(2026, 3, 29), 20541);
	assert_int_equal(medfw_days_from_civil(1600, 1, 1), -135140);
	assert_int_equal(medfw_days_from_civil(9999, 12, 31), 2932896);
	medfw_civil_from_days(11016, &y, &m, &d); /* 2000 is a leap year */
	assert_true(y == 2000 && m == 2 && d == 29);
	medfw_civil_from_days(-1, &y, &m, &d);
	assert_true(y == 1969 && m == 12 && d == 31);

	/* Every day from 1600 to 2400 follows its predecessor on the calendar and
	 * converts back to its number. */
	medfw_civil_from_days(-135141, &prev_y, &prev_m, &prev_d);
	for (days = -135140; days <= 157229; days++) {
		static const unsigned mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
		unsigned dim = mdays[prev_m - 1];

		if (prev_m == 2 && (prev_y % 4 == 0 && (prev_y % 100 != 0 || prev_y % 400 == 0)))
			dim = 29;
		medfw_civil_from_days(days, &y, &m, &d);
		if (prev_d < dim)
			assert_true(y == prev_y && m == prev_m && d == prev_d + 1);
		else if (prev_m < 12)
			assert_true(y == prev_y && m == prev_m + 1 && d == 1);
		else
			assert_true(y == prev_y + 1 && m == 1 && d == 1);
		assert_int_equal(medfw_days_from_civil(y, m, d), days);
		prev_y = y;
		prev_m = m;
		prev_d = d;
	}
	/* Clamped, not undefined, far out. */
	medfw_civil_from_days(INT64_MAX, &y, &m, &d);
	assert_true(y > 270000000 && m >= 1 && m <= 12 && d >= 1 && d <= 31);
	medfw_civil_from_days(INT64_MIN, &y, &m, &d);
	assert_true(y < -270000000);
}

static void test_weekday(void **state)
{
	(void)state;
	assert_int_equal(medfw_weekday(0), 3);                               /* Thursday */
	assert_int_equal(medfw_weekday(-1), 2);                              /* Wednesday */
	assert_int_equal(medfw_weekday(-7), 3);
	assert_int_equal(medfw_weekday(medfw_days_from_civil(2000, 1, 1)), 5); /* Saturday */
	assert_int_equal(medfw_weekday(medfw_days_from_civil(2026, 3, 29)), 6); /* Sunday */
	assert_int_equal(medfw_weekday(medfw_days_from_civil(2026, 3, 30)), 0); /* Monday */
	assert_int_equal(medfw_weekday(medfw_days_from_civil(1600, 1, 1)), 5); /* Saturday */
	assert_int_equal(medfw_weekday(INT64_MIN), medfw_weekday(INT64_MIN + 7));
}

/* ---------------------------------------------------------------- names, loading */

static void test_name_valid(void **state)
{
	char long_name[80];

	(void)state;
	assert_true(medfw_tz_name_valid("UTC"));
	assert_true(medfw_tz_name_valid("Europe/Berlin"));
	assert_true(medfw_tz_name_valid("America/Argentina/Buenos_Aires"));
	assert_true(medfw_tz_name_valid("Etc/GMT+5"));
	assert_true(medfw_tz_name_valid("GMT-0"));
	assert_false(medfw_tz_name_valid(NULL));
	assert_false(medfw_tz_name_valid(""));
	assert_false(medfw_tz_name_valid("/etc/passwd"));
	assert_false(medfw_tz_name_valid("Europe//Berlin"));
	assert_false(medfw_tz_name_valid("Europe/"));
	assert_false(medfw_tz_name_valid("."));
	assert_false(medfw_tz_name_valid(".."));
	assert_false(medfw_tz_name_valid("../etc/passwd"));
	assert_false(medfw_tz_name_valid("Europe/../../etc"));
	assert_false(medfw_tz_name_valid("zone.tab"));
	assert_false(medfw_tz_name_valid("Europe/Ber lin"));
	assert_false(medfw_tz_name_valid("Europe\\Berlin"));
	assert_false(medfw_tz_name_valid("Europe/Berlin\n"));
	memset(long_name, 'A', 64);
	long_name[64] = '\0';
	assert_true(medfw_tz_name_valid(long_name));
	long_name[64] = 'A';
	long_name[65] = '\0';
	assert_false(medfw_tz_name_valid(long_name));
}

static void test_utc(void **state)
{
	struct medfw_tz *tz = NULL;

	(void)state;
	/* Built in: no file needed. */
	assert_int_equal(medfw_tz_load("/nonexistent-zoneinfo", "UTC", &tz, NULL), MEDFW_OK);
	assert_string_equal(medfw_tz_name(tz), "UTC");
	assert_int_equal(medfw_tz_offset(tz, 0), 0);
	assert_int_equal(medfw_tz_offset(tz, 2216250000), 0);
	assert_int_equal(medfw_tz_offset(tz, INT64_MIN), 0);
	assert_int_equal(medfw_tz_to_utc(tz, 1774746000), 1774746000);
	assert_int_equal(medfw_tz_to_local(tz, 1774746000), 1774746000);
	/* Queries are clamped, never overflow. */
	assert_int_equal(medfw_tz_to_utc(tz, INT64_MAX), MEDFW_TZ_TIME_LIMIT);
	assert_int_equal(medfw_tz_to_local(tz, INT64_MIN), -MEDFW_TZ_TIME_LIMIT);
	medfw_tz_free(tz);
	medfw_tz_free(NULL);
}

static void expect_load_error(const char *dir, const char *name, enum medfw_err want,
			      const char *needle)
{
	struct medfw_tz *tz = (struct medfw_tz *)(uintptr_t)1;
	struct medfw_diag d;

	medfw_diag_clear(&d);
	assert_int_equal(medfw_tz_load(dir, name, &tz, &d), want);
	assert_null(tz);
	if (strstr(d.msg, needle) == NULL)
		fail_msg("load %s: message \"%s\" lacks \"%s\"", name ? name : "NULL", d.msg,
			 needle);
}

static void test_load_errors(void **state)
{
	char *dir = tu_tmpdir_new();
	char path[4096];
	uint8_t *big;

	(void)state;
	expect_load_error(NULL, "Mars/Olympus_Mons", MEDFW_ERR_NOT_FOUND,
			  "time zone \"Mars/Olympus_Mons\": unknown zone");
	expect_load_error(NULL, "Europe", MEDFW_ERR_NOT_FOUND, "not a file");
	expect_load_error(NULL, "UTC/Berlin", MEDFW_ERR_NOT_FOUND, "unknown zone");
	expect_load_error(NULL, "../etc/passwd", MEDFW_ERR_INVALID_ARG,
			  "\"../etc/passwd\" is not valid");
	expect_load_error(NULL, NULL, MEDFW_ERR_INVALID_ARG, "is not valid");
	expect_load_error(NULL, "Bad\x01Name", MEDFW_ERR_INVALID_ARG, "\"Bad?Name\"");
	/* A file in the zoneinfo directory that is not a TZif file. */
	tu_path(path, sizeof(path), dir, "Notes");
	tu_write_file(path, "hello\n", 6);
	expect_load_error(dir, "Notes", MEDFW_ERR_TRUNCATED, "time zone \"Notes\"");
	tu_path(path, sizeof(path), dir, "Garbage");
	big = calloc(1, MEDFW_TZ_FILE_MAX + 1);
	assert_non_null(big);
	memcpy(big, "TZif2", 5);
	tu_write_file(path, big, 100);
	expect_load_error(dir, "Garbage", MEDFW_ERR_FIELD_VALUE, "local time types");
	tu_write_file(path, big, MEDFW_TZ_FILE_MAX + 1);
	expect_load_error(dir, "Garbage", MEDFW_ERR_TOO_LARGE, "limit");
	free(big);
	tu_tmpdir_free(dir);
}

/* ---------------------------------------------------------------- real zones */

static void test_berlin(void **state)
{
	struct medfw_tz *tz = load("Europe/Berlin");

	(void)state;
	/* EU rule: last Sunday of March / October at 01:00 UTC. 2026 comes from the file's
	 * transition table, 2040 (after tzdata's last listed transition in 2037) from the
	 * footer "CET-1CEST,M3.5.0,M10.5.0/3". */
	expect_change(tz, 1774746000, 3600, 7200); /* 2026-03-29T01:00:00Z */
	expect_change(tz, 1792890000, 7200, 3600); /* 2026-10-25T01:00:00Z */
	expect_change(tz, 2216250000, 3600, 7200); /* 2040-03-25T01:00:00Z */
	expect_change(tz, 2234998800, 7200, 3600); /* 2040-10-28T01:00:00Z */
	assert_int_equal(medfw_tz_offset(tz, 0), 3600);         /* 1970: no DST in Germany */
	assert_int_equal(medfw_tz_offset(tz, -800000000), 7200); /* 1944-08-25: war time */

	/* 2026-03-29: local 02:00..02:59:59 does not exist; all of it is 01:00Z. */
	expect_utc(tz, 1774746000 + 3600 - 1, 1774746000 - 1);  /* 01:59:59 CET */
	expect_utc(tz, 1774746000 + 3600, 1774746000);          /* 02:00 -> gap */
	expect_utc(tz, 1774746000 + 3600 + 1800, 1774746000);   /* 02:30 -> gap */
	expect_utc(tz, 1774746000 + 7200, 1774746000);          /* 03:00 CEST */
	expect_utc(tz, 1774746000 + 7200 + 1, 1774746000 + 1);
	/* 2026-10-25: local 02:00..02:59:59 happens twice; the CEST one is taken. */
	expect_utc(tz, 1792890000 + 3600 + 1800, 1792890000 - 1800); /* 02:30 -> 00:30Z */
	expect_utc(tz, 1792890000 + 3600 - 1, 1792890000 - 3600 - 1); /* 01:59:59 CEST */
	expect_utc(tz, 1792890000 + 7200, 1792890000 + 3600);          /* 03:00 CET */
	/* The same from the footer in 2040. */
	expect_utc(tz, 2216250000 + 3600 + 1800, 2216250000);
	expect_utc(tz, 2234998800 + 3600 + 1800, 2234998800 - 1800);
	assert_int_equal(medfw_tz_to_local(tz, 2234998800), 2234998800 + 3600);
	medfw_tz_free(tz);
}

static void test_new_york(void **state)
{
	struct medfw_tz *tz = load("America/New_York");

	(void)state;
	/* US rule since 2007: second Sunday of March 02:00 EST, first Sunday of November
	 * 02:00 EDT; footer "EST5EDT,M3.2.0,M11.1.0". */
	expect_change(tz, 1772953200, -18000, -14400); /* 2026-03-08T07:00:00Z */
	expect_change(tz, 1793512800, -14400, -18000); /* 2026-11-01T06:00:00Z */
	expect_change(tz, 2215062000, -18000, -14400); /* 2040-03-11T07:00:00Z */
	expect_change(tz, 2235621600, -14400, -18000); /* 2040-11-04T06:00:00Z */
	/* Local 2026-03-08 02:30 does not exist -> 07:00Z; 2026-11-01 01:30 is twice -> EDT. */
	expect_utc(tz, 1772953200 - 18000 + 1800, 1772953200);
	expect_utc(tz, 1793512800 - 14400 - 1800, 1793512800 - 1800); /* 05:30Z, not 06:30Z */
	expect_utc(tz, 2215062000 - 18000 + 1800, 2215062000);
	expect_utc(tz, 2235621600 - 14400 - 1800, 2235621600 - 1800);
	medfw_tz_free(tz);
}

static void test_lord_howe(void **state)
{
	struct medfw_tz *tz = load("Australia/Lord_Howe");

	(void)state;
	/* +10:30, DST +11 (30 minutes): first Sunday of October 02:00 local standard time
	 * to first Sunday of April 02:00 local DST; footer
	 * "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0". */
	expect_change(tz, 1775314800, 39600, 37800); /* 2026-04-04T15:00:00Z */
	expect_change(tz, 1791041400, 37800, 39600); /* 2026-10-03T15:30:00Z */
	expect_change(tz, 2216818800, 39600, 37800); /* 2040-03-31T15:00:00Z */
	expect_change(tz, 2233150200, 37800, 39600); /* 2040-10-06T15:30:00Z */
	/* Local 2026-10-04 02:15 is skipped (02:00 -> 02:30). */
	expect_utc(tz, 1791041400 + 37800 + 900, 1791041400);
	/* Local 2026-04-05 01:45 happens twice (02:00 -> 01:30): the +11 one. */
	expect_utc(tz, 1775314800 + 39600 - 900, 1775314800 - 900);
	expect_utc(tz, 2233150200 + 37800 + 900, 2233150200);
	medfw_tz_free(tz);
}

static void test_kolkata(void **state)
{
	struct medfw_tz *tz = load("Asia/Kolkata");

	(void)state;
	/* +05:30 since 1945-10-15, no DST; footer "IST-5:30". */
	assert_int_equal(medfw_tz_offset(tz, 0), 19800);
	assert_int_equal(medfw_tz_offset(tz, 1774746000), 19800);
	assert_int_equal(medfw_tz_offset(tz, 2216250000), 19800);
	assert_int_equal(medfw_tz_offset(tz, 4102444800), 19800); /* 2100 */
	/* War time: +06:30 from 1942-09-01 00:00 local (1942-08-31T18:30Z) to
	 * 1945-10-15 00:00 local (1945-10-14T17:30Z). */
	expect_change(tz, -862637400, 19800, 23400);
	expect_change(tz, -764145000, 23400, 19800);
	expect_utc(tz, 1774746000 + 19800, 1774746000);
	medfw_tz_free(tz);
}

static void test_chatham(void **state)
{
	struct medfw_tz *tz = load("Pacific/Chatham");

	(void)state;
	/* +12:45 / +13:45: last Sunday of September 02:45 standard to first Sunday of
	 * April 03:45 DST; footer "<+1245>-12:45<+1345>,M9.5.0/2:45,M4.1.0/3:45". */
	expect_change(tz, 1775311200, 49500, 45900); /* 2026-04-04T14:00:00Z */
	expect_change(tz, 1790431200, 45900, 49500); /* 2026-09-26T14:00:00Z */
	expect_change(tz, 2216815200, 49500, 45900); /* 2040-03-31T14:00:00Z */
	expect_change(tz, 2232540000, 45900, 49500); /* 2040-09-29T14:00:00Z */
	expect_utc(tz, 2232540000 + 45900 + 1800, 2232540000); /* 03:15 skipped */
	expect_utc(tz, 2216815200 + 49500 - 1800, 2216815200 - 1800);
	medfw_tz_free(tz);
}

static void test_casablanca(void **state)
{
	struct medfw_tz *tz = load("Africa/Casablanca");

	(void)state;
	/* Morocco: +01 all year except around Ramadan, when it is +00. tzdata lists these
	 * transitions explicitly up to 2087 (footer "<+01>-1"), so 2040 comes from the
	 * table: 2026-02-15 03:00 -> 02:00, 2026-03-22 02:00 -> 03:00 local. */
	expect_change(tz, 1771120800, 3600, 0); /* 2026-02-15T02:00:00Z */
	expect_change(tz, 1774144800, 0, 3600); /* 2026-03-22T02:00:00Z */
	expect_change(tz, 2230164000, 3600, 0); /* 2040-09-02T02:00:00Z */
	expect_change(tz, 2233792800, 0, 3600); /* 2040-10-14T02:00:00Z */
	assert_int_equal(medfw_tz_offset(tz, 4102444800), 3600); /* 2100: the footer */
	/* Falling back at 03:00 repeats 02:00..02:59; springing forward skips 02:00..02:59. */
	expect_utc(tz, 1771120800 + 3600 - 1800, 1771120800 - 1800);
	expect_utc(tz, 1774144800 + 1800, 1774144800);
	medfw_tz_free(tz);
}

static void test_sao_paulo(void **state)
{
	struct medfw_tz *tz = load("America/Sao_Paulo");

	(void)state;
	/* Brazil abolished DST in 2019: the last period ran 2018-11-04 to 2019-02-17;
	 * footer "<-03>3". */
	expect_change(tz, 1541300400, -10800, -7200); /* 2018-11-04T03:00:00Z */
	expect_change(tz, 1550368800, -7200, -10800); /* 2019-02-17T02:00:00Z */
	assert_int_equal(medfw_tz_offset(tz, 1796035739), -10800); /* 2026-11-30 */
	assert_int_equal(medfw_tz_offset(tz, 2232540000), -10800); /* 2040-09-29 */
	assert_int_equal(medfw_tz_offset(tz, 2234998800), -10800); /* 2040-10-28 */
	/* Local 2018-11-04 00:30 did not exist. */
	expect_utc(tz, 1541300400 - 10800 + 1800, 1541300400);
	medfw_tz_free(tz);
}

static void test_v3_footers(void **state)
{
	struct medfw_tz *tz = load("America/Nuuk");

	(void)state;
	/* TZif version 3 footer "<-02>2<-01>,M3.5.0/-1,M10.5.0/0": a negative rule time
	 * (Saturday 23:00 local); the changes fall on the EU instants. */
	expect_change(tz, 2216250000, -7200, -3600); /* 2040-03-25T01:00:00Z */
	expect_change(tz, 2234998800, -3600, -7200); /* 2040-10-28T01:00:00Z */
	medfw_tz_free(tz);
	tz = load("Europe/Dublin");
	/* Negative DST: "IST-1GMT0,M10.5.0,M3.5.0/1": standard time is +01 in summer,
	 * "daylight" time GMT in winter. */
	expect_change(tz, 2216250000, 0, 3600);
	expect_change(tz, 2234998800, 3600, 0);
	expect_utc(tz, 2234998800 + 1800, 2234998800 - 1800); /* 01:30 twice: +01 first */
	medfw_tz_free(tz);
}

struct sample {
	const char *zone;
	int64_t t;
	int32_t offset;
};

/* Random instants 1970..2061 (future ones only for zones with settled rules). */
static const struct sample samples[] = {
	{"Europe/Berlin", 1390851128, 3600},        /* 2014-01-27T19:32:08Z */
	{"Europe/Berlin", 647892279, 7200},         /* 1990-07-13T18:04:39Z */
	{"Europe/Berlin", 1695753998, 7200},        /* 2023-09-26T18:46:38Z */
	{"Europe/Berlin", 2795742288, 7200},        /* 2058-08-05T03:04:48Z */
	{"Europe/Berlin", 207388624, 3600},         /* 1976-07-28T07:57:04Z */
	{"Europe/Berlin", 311111475, 3600},         /* 1979-11-10T19:51:15Z */
	{"Europe/Berlin", 2301595691, 3600},        /* 2042-12-07T20:08:11Z */
	{"Europe/Berlin", 404285457, 3600},         /* 1982-10-24T05:30:57Z */
	{"America/New_York", 1570621944, -14400},   /* 2019-10-09T11:52:24Z */
	{"America/New_York", 2503055453, -14400},   /* 2049-04-26T13:10:53Z */
	{"America/New_York", 249103477, -18000},    /* 1977-11-23T03:24:37Z */
	{"America/New_York", 2179419893, -18000},   /* 2039-01-23T18:24:53Z */
	{"America/New_York", 922121676, -18000},    /* 1999-03-22T16:54:36Z */
	{"America/New_York", 161042648, -18000},    /* 1975-02-07T22:04:08Z */
	{"America/New_York", 369140570, -14400},    /* 1981-09-12T11:02:50Z */
	{"America/New_York", 1862494042, -18000},   /* 2029-01-07T15:27:22Z */
	{"Australia/Lord_Howe", 1796035739, 39600}, /* 2026-11-30T10:48:59Z */
	{"Australia/Lord_Howe", 300026767, 36000},  /* 1979-07-05T12:46:07Z */
	{"Australia/Lord_Howe", 1033639716, 37800}, /* 2002-10-03T10:08:36Z */
	{"Australia/Lord_Howe", 389609433, 37800},  /* 1982-05-07T08:50:33Z */
	{"Australia/Lord_Howe", 2366729934, 39600}, /* 2044-12-30T16:58:54Z */
	{"Australia/Lord_Howe", 1823296038, 39600}, /* 2027-10-11T23:07:18Z */
	{"Australia/Lord_Howe", 253877686, 36000},  /* 1978-01-17T09:34:46Z */
	{"Australia/Lord_Howe", 2428605135, 39600}, /* 2046-12-16T20:32:15Z */
	{"Asia/Kolkata", 531725347, 19800},         /* 1986-11-07T05:29:07Z */
	{"Asia/Kolkata", 2708517688, 19800},        /* 2055-10-30T14:01:28Z */
	{"Pacific/Chatham", 1703729684, 49500},     /* 2023-12-28T02:14:44Z */
	{"Pacific/Chatham", 212984476, 45900},      /* 1976-10-01T02:21:16Z */
	{"Pacific/Chatham", 949539216, 49500},      /* 2000-02-03T00:53:36Z */
	{"Pacific/Chatham", 2390857534, 49500},     /* 2045-10-05T23:05:34Z */
	{"Pacific/Chatham", 1243862422, 45900},     /* 2009-06-01T13:20:22Z */
	{"Africa/Casablanca", 619570852, 0},        /* 1989-08-19T23:00:52Z */
	{"Africa/Casablanca", 1324919352, 0},       /* 2011-12-26T17:09:12Z */
	{"Africa/Casablanca", 776213899, 0},        /* 1994-08-06T22:58:19Z */
	{"America/Sao_Paulo", 2497953681, -10800},  /* 2049-02-26T12:01:21Z */
	{"America/Sao_Paulo", 806899909, -10800},   /* 1995-07-28T02:51:49Z */
	{"America/Sao_Paulo", 418461138, -10800},   /* 1983-04-06T07:12:18Z */
	{"Asia/Tehran", 255985076, 14400},          /* 1978-02-10T18:57:56Z */
	{"Asia/Tehran", 884585951, 12600},          /* 1998-01-12T06:19:11Z */
	{"Asia/Tehran", 1349251823, 12600},         /* 2012-10-03T08:10:23Z */
	{"America/Santiago", 1552984408, -10800},   /* 2019-03-19T08:33:28Z */
	{"America/Santiago", 1287489453, -10800},   /* 2010-10-19T11:57:33Z */
	{"America/Santiago", 772092314, -14400},    /* 1994-06-20T06:05:14Z */
	{"America/Santiago", 1048386555, -14400},   /* 2003-03-23T02:29:15Z */
	{"Europe/Moscow", 351564607, 10800},        /* 1981-02-21T00:50:07Z */
	{"Europe/Moscow", 1289560149, 10800},       /* 2010-11-12T11:09:09Z */
	{"Europe/Moscow", 1475216845, 10800},       /* 2016-09-30T06:27:25Z */
	{"Europe/Moscow", 1236683272, 10800},       /* 2009-03-10T11:07:52Z */
};

static void test_samples(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		struct medfw_tz *tz = load(samples[i].zone);
		int32_t got = medfw_tz_offset(tz, samples[i].t);

		if (got != samples[i].offset)
			fail_msg("%s at %lld: offset %d, expected %d", samples[i].zone,
				 (long long)samples[i].t, got, samples[i].offset);
		/* Converting the wall-clock time back gives the instant (none of these
		 * instants is in a repeated hour). */
		expect_utc(tz, samples[i].t + got, samples[i].t);
		medfw_tz_free(tz);
	}
}

/* ---------------------------------------------------------------- built files */

struct tzif_spec {
	char version;          /* 0 (version 1 only), '2', '3', '4' */
	size_t count;
	const int64_t *at;
	const uint8_t *idx;
	size_t types;
	const int32_t *utoff;
	const char *footer;    /* without newlines; NULL: "" */
};

static void put32(struct medfw_buf *b, uint32_t v)
{
	uint8_t p[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};

	assert_int_equal(medfw_buf_append(b, p, 4), MEDFW_OK);
}

static void put_header(struct medfw_buf *b, char version, uint32_t timecnt, uint32_t typecnt,
		       uint32_t charcnt)
{
	uint8_t pad[15] = {0};

	assert_int_equal(medfw_buf_append(b, "TZif", 4), MEDFW_OK);
	assert_int_equal(medfw_buf_append(b, &version, 1), MEDFW_OK);
	assert_int_equal(medfw_buf_append(b, pad, 15), MEDFW_OK);
	put32(b, 0); /* isutcnt */
	put32(b, 0); /* isstdcnt */
	put32(b, 0); /* leapcnt */
	put32(b, timecnt);
	put32(b, typecnt);
	put32(b, charcnt);
}

static void put_types(struct medfw_buf *b, const struct tzif_spec *s)
{
	size_t i;

	for (i = 0; i < s->types; i++) {
		uint8_t tail[2] = {0, 0};

		put32(b, (uint32_t)s->utoff[i]);
		assert_int_equal(medfw_buf_append(b, tail, 2), MEDFW_OK);
	}
	assert_int_equal(medfw_buf_append(b, "XX", 3), MEDFW_OK); /* "XX\0" */
}

/* A TZif file; for version 2+ the version 1 block is the minimal one slim files have. */
static void build(struct medfw_buf *b, const struct tzif_spec *s)
{
	size_t i;

	medfw_buf_init(b, 1u << 20);
	if (s->version == 0) {
		put_header(b, 0, (uint32_t)s->count, (uint32_t)s->types, 3);
		for (i = 0; i < s->count; i++)
			put32(b, (uint32_t)(int32_t)s->at[i]);
		if (s->count > 0)
			assert_int_equal(medfw_buf_append(b, s->idx, s->count), MEDFW_OK);
		put_types(b, s);
		return;
	}
	put_header(b, s->version, 0, 1, 1);
	assert_int_equal(medfw_buf_append(b, "\0\0\0\0\0\0\0", 7), MEDFW_OK);
	put_header(b, s->version, (uint32_t)s->count, (uint32_t)s->types, 3);
	for (i = 0; i < s->count; i++) {
		put32(b, (uint32_t)((uint64_t)s->at[i] >> 32));
		put32(b, (uint32_t)(uint64_t)s->at[i]);
	}
	if (s->count > 0)
		assert_int_equal(medfw_buf_append(b, s->idx, s->count), MEDFW_OK);
	put_types(b, s);
	assert_int_equal(medfw_buf_printf(b, "\n%s\n", s->footer ? s->footer : ""), MEDFW_OK);
}

/* Offset of the second header in a file from build() (after the minimal v1 block). */
#define V2_HEADER 51
#define V2_DATA (V2_HEADER + 44)

static struct medfw_tz *parse_ok(const struct medfw_buf *b)
{
	struct medfw_tz *tz = NULL;
	struct medfw_diag d;

	medfw_diag_clear(&d);
	if (medfw_tz_parse(b->data, b->len, "Test/Zone", &tz, &d) != MEDFW_OK)
		fail_msg("parse: %s", d.msg);
	assert_string_equal(medfw_tz_name(tz), "Test/Zone");
	return tz;
}

static struct medfw_tz *footer_zone(char version, const char *footer)
{
	static const int32_t utc[] = {0};
	struct tzif_spec s = {version, 0, NULL, NULL, 1, utc, footer};
	struct medfw_buf b;
	struct medfw_tz *tz;

	build(&b, &s);
	tz = parse_ok(&b);
	medfw_buf_free(&b);
	return tz;
}

static void test_footer_only(void **state)
{
	/* A "slim" file: no transitions at all, everything from the footer. */
	struct medfw_tz *tz = footer_zone('2', "CET-1CEST,M3.5.0,M10.5.0/3");

	(void)state;
	expect_change(tz, 1774746000, 3600, 7200); /* 2026-03-29T01:00:00Z */
	expect_change(tz, 1792890000, 7200, 3600); /* 2026-10-25T01:00:00Z */
	expect_change(tz, 2216250000, 3600, 7200); /* 2040-03-25T01:00:00Z */
	expect_change(tz, 2234998800, 7200, 3600); /* 2040-10-28T01:00:00Z */
	/* The footer rule applies to the whole time line, 1970 included: 1970-03-29. */
	expect_change(tz, 7520400, 3600, 7200);
	expect_utc(tz, 2216250000 + 3600 + 1800, 2216250000);
	expect_utc(tz, 2234998800 + 3600 + 1800, 2234998800 - 1800);
	medfw_tz_free(tz);

	tz = footer_zone('2', "<+0330>-3:30");
	assert_int_equal(medfw_tz_offset(tz, 2216250000), 12600);
	assert_int_equal(medfw_tz_to_utc(tz, 12600), 0);
	medfw_tz_free(tz);

	tz = footer_zone('2', "EST5EDT,M3.2.0,M11.1.0");
	expect_change(tz, 2215062000, -18000, -14400); /* 2040-03-11T07:00:00Z */
	expect_change(tz, 2235621600, -14400, -18000); /* 2040-11-04T06:00:00Z */
	medfw_tz_free(tz);

	/* Southern hemisphere, DST across the new year (Lord Howe's footer). */
	tz = footer_zone('2', "<+1030>-10:30<+11>-11,M10.1.0,M4.1.0");
	expect_change(tz, 2216818800, 39600, 37800); /* 2040-03-31T15:00:00Z */
	expect_change(tz, 2233150200, 37800, 39600); /* 2040-10-06T15:30:00Z */
	assert_int_equal(medfw_tz_offset(tz, 2208988800), 39600); /* 2040-01-01T00:00Z */
	medfw_tz_free(tz);

	/* An empty footer: the first type (there are no transitions). */
	tz = footer_zone('2', "");
	assert_int_equal(medfw_tz_offset(tz, 2216250000), 0);
	medfw_tz_free(tz);
}

static void test_rule_forms(void **state)
{
	struct medfw_tz *tz;

	(void)state;
	/* Jn counts 1..365 without February 29: J60 is March 1 even in leap 2040; J305 is
	 * November 1. The end time is in DST (+01). */
	tz = footer_zone('2', "AAA0BBB,J60/0,J305/0");
	expect_change(tz, 2214172800, 0, 3600);        /* 2040-03-01T00:00:00Z */
	expect_change(tz, 2235340800 - 3600, 3600, 0); /* 2040-11-01 00:00 local */
	medfw_tz_free(tz);
	/* n counts 0..365 with February 29: 59 is February 29 in 2040, March 1 in 2041;
	 * 304 is October 31 in 2040. */
	tz = footer_zone('2', "AAA0BBB,59/0,304/0");
	expect_change(tz, 2214086400, 0, 3600);        /* 2040-02-29T00:00:00Z */
	expect_change(tz, 2245708800, 0, 3600);        /* 2041-03-01T00:00:00Z */
	expect_change(tz, 2235254400 - 3600, 3600, 0); /* 2040-10-31 00:00 local */
	medfw_tz_free(tz);
	/* Version 3: hours beyond 24 ("M3.4.4/50": the fourth Thursday of March, 2040-03-22,
	 * plus 50 hours is Saturday 02:00 EET). */
	tz = footer_zone('3', "EET-2EEST,M3.4.4/50,M10.4.4/50");
	expect_change(tz, 2216160000, 7200, 10800); /* 2040-03-24T00:00:00Z */
	expect_change(tz, 2234905200, 10800, 7200); /* 2040-10-26T23:00:00Z */
	medfw_tz_free(tz);
	/* All-year DST, as zic writes it: DST from January 1 00:00 to December 31 25:00. */
	tz = footer_zone('3', "EST5EDT,0/0,J365/25");
	assert_int_equal(medfw_tz_offset(tz, 2208988800), -14400);        /* 2040-01-01 */
	assert_int_equal(medfw_tz_offset(tz, 2208988800 + 5 * 3600), -14400);
	assert_int_equal(medfw_tz_offset(tz, 2224000000), -14400);        /* 2040-06 */
	assert_int_equal(medfw_tz_offset(tz, 2240611200 - 1), -14400);    /* 2040-12-31 */
	assert_int_equal(medfw_tz_to_utc(tz, 2224000000 - 14400), 2224000000);
	medfw_tz_free(tz);
	/* DST periods that overlap (2040's starts at 05:00Z on January 1, 2039's ends an
	 * hour later): the latest change decides, consistently in both directions. */
	tz = footer_zone('3', "EST5EDT,0/0,J365/26");
	assert_int_equal(medfw_tz_offset(tz, 2208988800 + 5 * 3600 - 1), -18000);
	assert_int_equal(medfw_tz_offset(tz, 2208988800 + 5 * 3600), -14400);
	assert_int_equal(medfw_tz_offset(tz, 2208988800 + 6 * 3600), -18000);
	assert_int_equal(medfw_tz_offset(tz, 2224000000), -18000);
	expect_utc(tz, 2208988800 + 1800, 2208988800 + 5 * 3600);            /* 00:30 skipped */
	expect_utc(tz, 2208988800 + 5400, 2208988800 + 5 * 3600 + 1800);     /* 01:30 twice */
	expect_utc(tz, 2208988800 - 1, 2208988800 + 5 * 3600 - 1);
	medfw_tz_free(tz);
	/* Hours, minutes and seconds in offsets; explicit '+'. */
	tz = footer_zone('2', "<-0130>+1:30:15");
	assert_int_equal(medfw_tz_offset(tz, 0), -5415);
	medfw_tz_free(tz);
}

static void test_version1(void **state)
{
	/* A version 1 file: 32-bit times, no footer; after the last transition its type
	 * stays. */
	static const int64_t at[] = {-100000, 1000000};
	static const uint8_t idx[] = {1, 0};
	static const int32_t utoff[] = {3600, 7200};
	struct tzif_spec s = {0, 2, at, idx, 2, utoff, NULL};
	struct medfw_buf b;
	struct medfw_tz *tz;

	(void)state;
	build(&b, &s);
	tz = parse_ok(&b);
	medfw_buf_free(&b);
	assert_int_equal(medfw_tz_offset(tz, -200000), 3600); /* before: type 0 */
	expect_change(tz, -100000, 3600, 7200);
	expect_change(tz, 1000000, 7200, 3600);
	assert_int_equal(medfw_tz_offset(tz, 2216250000), 3600);
	medfw_tz_free(tz);
}

/* ---------------------------------------------------------------- malformed */

static void expect_parse_error(const uint8_t *data, size_t len, enum medfw_err want,
			       const char *needle)
{
	struct medfw_tz *tz = (struct medfw_tz *)(uintptr_t)1;
	struct medfw_diag d;

	medfw_diag_clear(&d);
	assert_int_equal(medfw_tz_parse(data, len, "Test/Zone", &tz, &d), want);
	assert_null(tz);
	if (strstr(d.msg, needle) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", d.msg, needle);
}

static void patch32(struct medfw_buf *b, size_t off, uint32_t v)
{
	b->data[off] = (uint8_t)(v >> 24);
	b->data[off + 1] = (uint8_t)(v >> 16);
	b->data[off + 2] = (uint8_t)(v >> 8);
	b->data[off + 3] = (uint8_t)v;
}

static void test_truncated(void **state)
{
	struct medfw_buf file;
	char path[256];
	size_t n;

	(void)state;
	snprintf(path, sizeof(path), "/usr/share/zoneinfo/Europe/Berlin");
	tu_read_file(path, &file);
	for (n = 0; n < file.len; n++) {
		struct medfw_tz *tz = NULL;
		enum medfw_err err = medfw_tz_parse(file.data, n, "Europe/Berlin", &tz, NULL);

		if (err == MEDFW_OK || tz != NULL)
			fail_msg("prefix of %zu bytes accepted", n);
	}
	expect_parse_error(file.data, 10, MEDFW_ERR_TRUNCATED, "first header truncated");
	expect_parse_error(file.data, file.len - 1, MEDFW_ERR_TRUNCATED, "closing newline");
	expect_parse_error(NULL, 0, MEDFW_ERR_TRUNCATED, "first header truncated");
	medfw_buf_free(&file);
}

static void test_malformed(void **state)
{
	static const int64_t at[] = {1000, 2000};
	static const uint8_t idx[] = {1, 0};
	static const int32_t utoff[] = {0, 3600};
	struct tzif_spec s = {'2', 2, at, idx, 2, utoff, "UTC0"};
	struct medfw_buf b;
	struct medfw_tz *tz = NULL;

	(void)state;
	build(&b, &s);
	tz = parse_ok(&b);
	medfw_tz_free(tz);
	assert_int_equal(medfw_tz_parse(b.data, b.len, "../x", &tz, NULL), MEDFW_ERR_INVALID_ARG);

	b.data[1] = 'X';
	expect_parse_error(b.data, b.len, MEDFW_ERR_FIELD_VALUE, "bad magic in the first header");
	b.data[1] = 'Z';
	b.data[V2_HEADER] = 'X';
	expect_parse_error(b.data, b.len, MEDFW_ERR_FIELD_VALUE, "bad magic in the second header");
	b.data[V2_HEADER] = 'T';
	b.data[4] = '5';
	expect_parse_error(b.data, b.len, MEDFW_ERR_FIELD_VALUE, "unsupported version byte 0x35");
	b.data[4] = '3';
	expect_parse_error(b.data, b.len, MEDFW_ERR_FIELD_VALUE, "second header's version");
	b.data[4] = '2';

	/* Counts past the data. */
	patch32(&b, V2_HEADER + 32, 3);
	expect_parse_error(b.data, b.len, MEDFW_ERR_TRUNCATED, "version 2 data truncated");
	patch32(&b, V2_HEADER + 32, 2001);
	expect_parse_error(b.data, b.len, MEDFW_ERR_TOO_LARGE, "2001 transitions");
	patch32(&b, V2_HEADER + 32, 2);
	patch32(&b, V2_HEADER + 36, 0);
	expect_parse_error(b.data, b.len, MEDFW_ERR_FIELD_VALUE, "0 local time types");
	patch32(&b, V2_HEADER + 36, 257);
	expect_parse_error(b.data, b.len, MEDFW_ERR_TOO_LARGE, "257 local time types");
	patch32(&b, V2_HEADER + 36, 2);
	patch32(&b, V2_HEADER + 40, 513);
	expect_parse_error(b.data, b.len, MEDFW_ERR_TOO_LARGE, "513 designation bytes");
	patch32(&b, V2_HEADER + 40, 3);
	patch32(&b, 20, 5);
	expect_parse_error(b.data, b.len, MEDFW_ERR_FIELD_VALUE, "isutcnt 5");
	patch32(&b, 20, 0);
	patch32(&b, V2_HEADER + 24, 1);
	expect_parse_error(b.data, b.len, MEDFW_ERR_FIELD_VALUE, "isstdcnt 1");
	patch32(&b, V2_HEADER + 24, 0);
	patch32(&b, V2_HEADER + 28, 1);
	expect_parse_error(b.data, b.len, MEDFW_ERR_FIELD_VALUE, "leap-second records");
	patch32(&b, V2_HEADER + 28, 0);

	/* Index out of range: transition 1 uses type 2 of 2. */
	b.data[V2_DATA + 16 + 1] = 2;
	expect_parse_error(b.data, b.len, MEDFW_ERR_FIELD_VALUE,
			   "transition 1: local time type 2 out of range");
	b.data[V2_DATA + 16 + 1] = 0;
	/* Transitions out of order. */
	patch32(&b, V2_DATA + 12, 1000);
	expect_parse_error(b.data, b.len, MEDFW_ERR_FIELD_VALUE,
			   "transition 1: time 1000 not after the previous one");
	patch32(&b, V2_DATA + 12, 2000);
	/* Transition far out of range. */
	b.data[V2_DATA] = 0x7f;
	expect_parse_error(b.data, b.len, MEDFW_ERR_FIELD_VALUE, "transition 0: time");
	b.data[V2_DATA] = 0;
	/* Type fields: offset, isdst, designation index and its NUL. */
	patch32(&b, V2_DATA + 18 + 6, 100000);
	expect_parse_error(b.data, b.len, MEDFW_ERR_FIELD_VALUE,
			   "local time type 1: UT offset 100000");
	patch32(&b, V2_DATA + 18 + 6, 3600);
	b.data[V2_DATA + 18 + 4] = 2;
	expect_parse_error(b.data, b.len, MEDFW_ERR_FIELD_VALUE, "local time type 0: isdst is 2");
	b.data[V2_DATA + 18 + 4] = 0;
	b.data[V2_DATA + 18 + 5] = 3;
	expect_parse_error(b.data, b.len, MEDFW_ERR_FIELD_VALUE,
			   "local time type 0: designation index 3 out of range");
	b.data[V2_DATA + 18 + 5] = 0;
	b.data[V2_DATA + 30 + 2] = 'X';
	expect_parse_error(b.data, b.len, MEDFW_ERR_FIELD_VALUE, "not NUL-terminated");
	b.data[V2_DATA + 30 + 2] = 0;

	/* Footer framing. */
	tz = parse_ok(&b);
	medfw_tz_free(tz);
	assert_int_equal(medfw_buf_append(&b, "x", 1), MEDFW_OK);
	expect_parse_error(b.data, b.len, MEDFW_ERR_FIELD_VALUE, "1 bytes after the footer");
	b.data[b.len - 7] = 'x';
	expect_parse_error(b.data, b.len - 1, MEDFW_ERR_FIELD_VALUE,
			   "footer does not start with a newline");
	expect_parse_error(b.data, b.len - 7, MEDFW_ERR_TRUNCATED, "footer missing");
	medfw_buf_free(&b);

	/* A version 1 file with bytes after its data. */
	s.version = 0;
	s.footer = NULL;
	build(&b, &s);
	tz = parse_ok(&b);
	medfw_tz_free(tz);
	assert_int_equal(medfw_buf_append(&b, "\nUTC0\n", 6), MEDFW_OK);
	expect_parse_error(b.data, b.len, MEDFW_ERR_FIELD_VALUE,
			   "6 bytes after the version 1 data");
	medfw_buf_free(&b);
}

static void expect_bad_footer(char version, const char *footer, const char *needle)
{
	static const int32_t utc[] = {0};
	struct tzif_spec s = {version, 0, NULL, NULL, 1, utc, footer};
	struct medfw_buf b;

	build(&b, &s);
	expect_parse_error(b.data, b.len, MEDFW_ERR_FIELD_VALUE, needle);
	medfw_buf_free(&b);
}

static void test_bad_footers(void **state)
{
	static const int32_t utc[] = {0};
	struct tzif_spec s = {'2', 0, NULL, NULL, 1, utc, NULL};
	char long_footer[MEDFW_TZ_FOOTER_MAX + 2];
	struct medfw_buf b;

	(void)state;
	expect_bad_footer('2', "CET", "bad TZ string \"CET\": standard time offset");
	expect_bad_footer('2', "CE-1", "standard time designation at character 1");
	expect_bad_footer('2', "-1", "standard time designation");
	expect_bad_footer('2', "<AB>1", "standard time designation");
	expect_bad_footer('2', "<+0330-3:30", "standard time designation");
	expect_bad_footer('2', "CET-25", "standard time offset");
	expect_bad_footer('2', "CET-1:60", "standard time offset");
	expect_bad_footer('2', "CET-1:00:60", "standard time offset");
	expect_bad_footer('2', "CET-001", "standard time offset");
	expect_bad_footer('2', "CET-1 ", "daylight time designation");
	expect_bad_footer('2', "CET-1CEST", "rule (',' and the start date expected)");
	expect_bad_footer('2', "CET-1CEST-25,M3.5.0,M10.5.0", "daylight time offset");
	expect_bad_footer('2', "CET-1CEST,M13.5.0,M10.5.0", "rule start date or time");
	expect_bad_footer('2', "CET-1CEST,M0.5.0,M10.5.0", "rule start date or time");
	expect_bad_footer('2', "CET-1CEST,M3.6.0,M10.5.0", "rule start date or time");
	expect_bad_footer('2', "CET-1CEST,M3.0.0,M10.5.0", "rule start date or time");
	expect_bad_footer('2', "CET-1CEST,M3.5.7,M10.5.0", "rule start date or time");
	expect_bad_footer('2', "CET-1CEST,M3.5,M10.5.0", "rule start date or time");
	expect_bad_footer('2', "CET-1CEST,J0,J100", "rule start date or time");
	expect_bad_footer('2', "CET-1CEST,J100,J366", "rule end date or time");
	expect_bad_footer('2', "CET-1CEST,100,366", "rule end date or time");
	expect_bad_footer('2', "CET-1CEST,M3.5.0", "rule (',' and the end date expected)");
	expect_bad_footer('2', "CET-1CEST,M3.5.0,M10.5.0,", "rule (trailing characters)");
	expect_bad_footer('2', "CET-1CEST,M3.5.0/25,M10.5.0", "rule start date or time");
	/* Version 3 extensions are refused in version 2 files. */
	expect_bad_footer('2', "EET-2EEST,M3.4.4/50,M10.4.4/50", "rule start date or time");
	expect_bad_footer('2', "<-02>2<-01>,M3.5.0/-1,M10.5.0/0", "rule start date or time");
	expect_bad_footer('3', "EET-2EEST,M3.4.4/168,M10.4.4/50", "rule start date or time");
	expect_bad_footer('3', "CET-1CEST,M3.5.0,M10.5.0/1000", "rule end date or time");
	/* Control characters are not echoed. */
	expect_bad_footer('2', "CET\x01", "bad TZ string \"CET?\"");

	memset(long_footer, 'A', sizeof(long_footer) - 1);
	long_footer[sizeof(long_footer) - 1] = '\0';
	s.footer = long_footer;
	build(&b, &s);
	expect_parse_error(b.data, b.len, MEDFW_ERR_TOO_LARGE, "footer TZ string of 129 bytes");
	medfw_buf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_civil),
		cmocka_unit_test(test_weekday),
		cmocka_unit_test(test_name_valid),
		cmocka_unit_test(test_utc),
		cmocka_unit_test(test_load_errors),
		cmocka_unit_test(test_berlin),
		cmocka_unit_test(test_new_york),
		cmocka_unit_test(test_lord_howe),
		cmocka_unit_test(test_kolkata),
		cmocka_unit_test(test_chatham),
		cmocka_unit_test(test_casablanca),
		cmocka_unit_test(test_sao_paulo),
		cmocka_unit_test(test_v3_footers),
		cmocka_unit_test(test_samples),
		cmocka_unit_test(test_footer_only),
		cmocka_unit_test(test_rule_forms),
		cmocka_unit_test(test_version1),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_bad_footers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
