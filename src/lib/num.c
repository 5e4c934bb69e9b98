/* Bounded number and time parsing. */
#include "medfw/num.h"

#include <stdio.h>
#include <string.h>

enum medfw_err medfw_parse_u64(const char *str, uint64_t min, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	*out = 0;
	if (str == NULL || str[0] == 0)
		return MEDFW_ERR_FIELD_VALUE;
	if (str[0] == '0' && str[1] != 0)
		return MEDFW_ERR_FIELD_VALUE;
	for (i = 0; str[i] != 0; i++) {
		unsigned d;

		if (str[i] < '0' || str[i] > '9')
			return MEDFW_ERR_FIELD_VALUE;
		d = (unsigned)(str[i] - '0');
		if (v > (UINT64_MAX - d) / 10)
			return MEDFW_ERR_FIELD_VALUE;
		v = v * 10 + d;
	}
	if (v < min || v > max)
		return MEDFW_ERR_FIELD_VALUE;
	*out = v;
	return MEDFW_OK;
}

static int digits(const char *s, size_t n, int *out)
{
	int v = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static int is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

enum medfw_err medfw_parse_utc_time(const char *str, int64_t *out)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y, mo, d, h, mi, s;

	*out = 0;
	if (str == NULL || strlen(str) != MEDFW_UTC_TIME_LEN || str[4] != '-' || str[7] != '-' ||
	    str[10] != 'T' || str[13] != ':' || str[16] != ':' || str[19] != 'Z')
		return MEDFW_ERR_FIELD_VALUE;
	if (digits(str, 4, &y) || digits(str + 5, 2, &mo) || digits(str + 8, 2, &d) ||
	    digits(str + 11, 2, &h) || digits(str + 14, 2, &mi) || digits(str + 17, 2, &s))
		return MEDFW_ERR_FIELD_VALUE;
	if (mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59)
		return MEDFW_ERR_FIELD_VALUE;
	if (d > mdays[mo - 1] + (mo == 2 && is_leap(y)))
		return MEDFW_ERR_FIELD_VALUE;
	*out = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + s;
	return MEDFW_OK;
}

enum medfw_err medfw_format_utc_time(int64_t t, char *out, size_t out_cap)
{
	int64_t days, secs, z, era, y;
	unsigned doe, yoe, doy, mp, d, m;
	int n;

	if (out_cap < MEDFW_UTC_TIME_LEN + 1)
		return MEDFW_ERR_INVALID_ARG;
	days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
	secs = t - days * 86400;
	z = days + 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = (int64_t)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y += m <= 2;
	if (y < 0 || y > 9999)
		return MEDFW_ERR_FIELD_VALUE;
	n = snprintf(out, out_cap, "%04d-%02u-%02uT%02d:%02d:%02dZ", (int)y, m, d,
		     (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60));
	if (n != MEDFW_UTC_TIME_LEN)
		return MEDFW_ERR_INVALID_ARG;
	return MEDFW_OK;
}
