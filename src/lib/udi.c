/* UDI-DI syntax and check characters (GS1 GTIN-14, HIBCC primary). */
#include "medfw/udi.h"

#include <stdio.h>
#include <string.h>

static const char hibcc_set[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-. $/+%";

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int is_upper(char c)
{
	return c >= 'A' && c <= 'Z';
}

static int is_upper_alnum(char c)
{
	return is_digit(c) || is_upper(c);
}

/* Value of c in the mod-43 set, or -1. */
static int hibcc_value(char c)
{
	const char *p;

	if (c == '\0')
		return -1;
	p = strchr(hibcc_set, c);
	return p == NULL ? -1 : (int)(p - hibcc_set);
}

char medfw_udi_gs1_check_digit(const char *digits, size_t len)
{
	unsigned sum = 0;
	size_t i;

	if (digits == NULL || len == 0)
		return 0;
	/* Weight 3 for the rightmost data digit, then alternately 1, 3, ... */
	for (i = 0; i < len; i++) {
		char c = digits[len - 1 - i];

		if (!is_digit(c))
			return 0;
		sum += (unsigned)(c - '0') * ((i % 2 == 0) ? 3u : 1u);
	}
	return (char)('0' + (10u - sum % 10u) % 10u);
}

char medfw_udi_hibcc_check_char(const char *data, size_t len)
{
	unsigned sum = 0;
	size_t i;

	if (data == NULL || len == 0)
		return 0;
	for (i = 0; i < len; i++) {
		int v = hibcc_value(data[i]);

		if (v < 0)
			return 0;
		sum += (unsigned)v;
	}
	return hibcc_set[sum % 43u];
}

static enum medfw_err validate_gtin(const char *s, size_t len, struct medfw_diag *diag)
{
	size_t i;
	char want;

	if (len != MEDFW_UDI_GTIN_LEN)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "a GS1 GTIN must be exactly 14 digits, got %zu characters",
				      len);
	for (i = 0; i < len; i++)
		if (!is_digit(s[i]))
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					      "a GS1 GTIN has only digits (character %zu is not)",
					      i + 1);
	want = medfw_udi_gs1_check_digit(s, len - 1);
	if (s[len - 1] != want)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "GS1 GTIN check digit is %c, expected %c", s[len - 1], want);
	return MEDFW_OK;
}

static enum medfw_err validate_hibcc(const char *s, size_t len, struct medfw_diag *diag)
{
	size_t i;
	char want;

	if (len < MEDFW_UDI_HIBCC_MIN_LEN || len > MEDFW_UDI_HIBCC_MAX_LEN)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "a HIBCC UDI-DI has %d to %d characters, got %zu",
				      MEDFW_UDI_HIBCC_MIN_LEN, MEDFW_UDI_HIBCC_MAX_LEN, len);
	if (!is_upper(s[1]))
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "HIBCC labeler id must start with an uppercase letter");
	/* LIC tail and PCN: uppercase letters and digits; then the U/M digit. */
	for (i = 2; i < len - 2; i++)
		if (!is_upper_alnum(s[i]))
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					      "HIBCC labeler id and product number allow only "
					      "A-Z and 0-9 (character %zu is not)",
					      i + 1);
	if (!is_digit(s[len - 2]))
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "HIBCC unit-of-measure (next to last character) must be a digit");
	if (hibcc_value(s[len - 1]) < 0)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "HIBCC check character is outside the mod-43 set");
	want = medfw_udi_hibcc_check_char(s, len - 1);
	if (s[len - 1] != want)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "HIBCC check character is '%c', expected '%c'", s[len - 1], want);
	return MEDFW_OK;
}

enum medfw_err medfw_udi_di_validate(const char *udi_di, enum medfw_udi_agency *out_agency,
				     struct medfw_diag *diag)
{
	enum medfw_udi_agency agency = MEDFW_UDI_NONE;
	enum medfw_err err;
	size_t len;

	if (out_agency != NULL)
		*out_agency = MEDFW_UDI_NONE;
	if (udi_di == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "no UDI-DI given");
	len = strlen(udi_di);
	if (udi_di[0] == '+') {
		agency = MEDFW_UDI_HIBCC;
		err = validate_hibcc(udi_di, len, diag);
	} else if (is_digit(udi_di[0])) {
		agency = MEDFW_UDI_GS1;
		err = validate_gtin(udi_di, len, diag);
	} else {
		err = medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				     "not a UDI-DI: expected a 14-digit GS1 GTIN or a HIBCC "
				     "identifier starting with '+'");
	}
	if (err == MEDFW_OK && out_agency != NULL)
		*out_agency = agency;
	return err;
}

/* ======================================================================
 * Full UDI strings: GS1 element strings and HIBCC primary + secondary data.
 * ====================================================================== */

#define GS 0x1d

static int days_in_month(unsigned year, unsigned month)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	return month == 2 && leap ? 29 : days[month - 1];
}

static int all_digits(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!is_digit(s[i]))
			return 0;
	return 1;
}

static unsigned num2(const char *s)
{
	return (unsigned)(s[0] - '0') * 10u + (unsigned)(s[1] - '0');
}

static unsigned numn(const char *s, size_t n)
{
	unsigned v = 0;
	size_t i;

	for (i = 0; i < n; i++)
		v = v * 10u + (unsigned)(s[i] - '0');
	return v;
}

/* GS1 General Specifications 7.12: two-digit year relative to the current year. */
static unsigned gs1_year(unsigned yy, unsigned current_year)
{
	int d = (int)yy - (int)(current_year % 100u);
	unsigned century = current_year / 100u;

	if (d >= 51)
		century -= 1u;
	else if (d <= -50)
		century += 1u;
	return century * 100u + yy;
}

/* Fill a date; day 0 allowed only when allow_day0 (then the month's last day). */
static enum medfw_err set_date(struct medfw_udi_date *out, unsigned year, unsigned month,
			       unsigned day, int allow_day0, const char *what,
			       struct medfw_diag *diag)
{
	if (month < 1 || month > 12)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "%s: month %02u is not 01-12",
				      what, month);
	if (day == 0 && !allow_day0)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "%s: day 00 is not allowed",
				      what);
	if ((int)day > days_in_month(year, month))
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "%s: day %02u does not exist in %04u-%02u", what, day, year,
				      month);
	out->year = (uint16_t)year;
	out->month = (uint8_t)month;
	out->day_given = day != 0;
	out->day = (uint8_t)(day != 0 ? day : (unsigned)days_in_month(year, month));
	return MEDFW_OK;
}

static enum medfw_err set_time(struct medfw_udi_date *out, unsigned hour, unsigned minute,
			       const char *what, struct medfw_diag *diag)
{
	if (hour > 23 || minute > 59)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "%s: time %02u:%02u is invalid",
				      what, hour, minute);
	out->hour = (uint8_t)hour;
	out->minute = (uint8_t)minute;
	return MEDFW_OK;
}

/* ---- GS1 ---- */

enum ai_kind { AI_GTIN, AI_DATE6, AI_DATETIME10, AI_X, AI_N };

struct ai_def {
	const char *ai;
	enum ai_kind kind;
	size_t min, max;
	int predefined; /* fixed length in the GS1 predefined table: no separator needed */
	const char *what;
};

static const struct ai_def ai_table[] = {
	{"01", AI_GTIN, 14, 14, 1, "GTIN"},
	{"11", AI_DATE6, 6, 6, 1, "production date"},
	{"17", AI_DATE6, 6, 6, 1, "expiry date"},
	{"10", AI_X, 1, 20, 0, "lot"},
	{"21", AI_X, 1, 20, 0, "serial number"},
	{"30", AI_N, 1, 8, 0, "count"},
	{"240", AI_X, 1, 30, 0, "additional product id"},
	{"7003", AI_DATETIME10, 10, 10, 0, "expiry date and time"},
	{"8012", AI_X, 1, 20, 0, "software version"},
};
#define N_AI (sizeof(ai_table) / sizeof(ai_table[0]))

/* GS1 "CSET 82" */
static int gs1_cset82(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       (c != '\0' && strchr("!\"%&'()*+,-./:;<=>?_", c) != NULL);
}

static const struct ai_def *ai_by_name(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < N_AI; i++)
		if (strlen(ai_table[i].ai) == len && memcmp(ai_table[i].ai, s, len) == 0)
			return &ai_table[i];
	return NULL;
}

/* The AI at the start of s (machine form): the table entry whose digits prefix s. */
static const struct ai_def *ai_by_prefix(const char *s, size_t avail)
{
	size_t i;

	for (i = 0; i < N_AI; i++) {
		size_t n = strlen(ai_table[i].ai);

		if (n <= avail && memcmp(ai_table[i].ai, s, n) == 0)
			return &ai_table[i];
	}
	return NULL;
}

static void copy_field(char *dst, const char *src, size_t len)
{
	memcpy(dst, src, len);
	dst[len] = '\0';
}

static enum medfw_err gs1_element(const struct ai_def *ai, const char *v, size_t len,
				  unsigned current_year, struct medfw_udi *out,
				  unsigned *seen, struct medfw_diag *diag)
{
	unsigned bit = 1u << (unsigned)(ai - ai_table);
	enum medfw_err err = MEDFW_OK;
	size_t i;
	char want;

	if (*seen & bit)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "GS1 (%s) %s appears twice",
				      ai->ai, ai->what);
	*seen |= bit;
	if (len > ai->max)
		return medfw_diag_set(diag, ai->min == ai->max ? MEDFW_ERR_FIELD_VALUE
							       : MEDFW_ERR_TOO_LARGE,
				      "GS1 (%s) %s is longer than %zu characters", ai->ai,
				      ai->what, ai->max);
	if (len < ai->min)
		return medfw_diag_set(diag, len == 0 ? MEDFW_ERR_FIELD_VALUE : MEDFW_ERR_TRUNCATED,
				      "GS1 (%s) %s has %zu characters, needs %zu", ai->ai,
				      ai->what, len, ai->min);
	switch (ai->kind) {
	case AI_GTIN:
	case AI_DATE6:
	case AI_DATETIME10:
	case AI_N:
		if (!all_digits(v, len))
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					      "GS1 (%s) %s must be digits only", ai->ai, ai->what);
		break;
	case AI_X:
		for (i = 0; i < len; i++)
			if (!gs1_cset82(v[i]))
				return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
						      "GS1 (%s) %s: character %zu is outside the GS1 "
						      "82-character set",
						      ai->ai, ai->what, i + 1);
		break;
	}
	if (strcmp(ai->ai, "01") == 0) {
		want = medfw_udi_gs1_check_digit(v, 13);
		if (v[13] != want)
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					      "GS1 (01) GTIN check digit is %c, expected %c", v[13],
					      want);
		copy_field(out->di, v, len);
	} else if (strcmp(ai->ai, "11") == 0 || strcmp(ai->ai, "17") == 0) {
		struct medfw_udi_date *d = ai->ai[1] == '1' ? &out->manufacture : &out->expiry;
		char what[40];

		if (ai->ai[1] == '7' && out->has_expiry)
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					      "GS1 (17) and (7003) both give an expiry");
		snprintf(what, sizeof(what), "GS1 (%s) %s", ai->ai, ai->what);
		err = set_date(d, gs1_year(num2(v), current_year), num2(v + 2), num2(v + 4), 1,
			       what, diag);
		if (ai->ai[1] == '1')
			out->has_manufacture = 1;
		else
			out->has_expiry = 1;
	} else if (strcmp(ai->ai, "7003") == 0) {
		if (out->has_expiry)
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					      "GS1 (17) and (7003) both give an expiry");
		err = set_date(&out->expiry, gs1_year(num2(v), current_year), num2(v + 2),
			       num2(v + 4), 0, "GS1 (7003) expiry date and time", diag);
		if (err == MEDFW_OK)
			err = set_time(&out->expiry, num2(v + 6), num2(v + 8),
				       "GS1 (7003) expiry date and time", diag);
		out->has_expiry = 1;
	} else if (strcmp(ai->ai, "10") == 0) {
		copy_field(out->lot, v, len);
		out->has_lot = 1;
	} else if (strcmp(ai->ai, "21") == 0) {
		copy_field(out->serial, v, len);
		out->has_serial = 1;
	} else if (strcmp(ai->ai, "30") == 0) {
		out->quantity = numn(v, len);
		out->has_quantity = 1;
	} else if (strcmp(ai->ai, "240") == 0) {
		copy_field(out->additional_id, v, len);
		out->has_additional_id = 1;
	} else if (strcmp(ai->ai, "8012") == 0) {
		copy_field(out->software_version, v, len);
		out->has_software_version = 1;
	}
	return err;
}

/* Is there an AI header "(" 2-4 digits ")" at s[0..len)? Sets *hdr_len. */
static int hri_header_at(const char *s, size_t len, size_t *hdr_len)
{
	size_t n = 1;

	if (len == 0 || s[0] != '(')
		return 0;
	while (n < len && n <= 5 && is_digit(s[n]))
		n++;
	if (n >= len || s[n] != ')' || n < 3 || n > 5)
		return 0;
	*hdr_len = n + 1;
	return 1;
}

/* The supported AI named by the header at s, or NULL. */
static const struct ai_def *hri_ai_at(const char *s, size_t len, size_t *hdr_len)
{
	if (!hri_header_at(s, len, hdr_len))
		return NULL;
	return ai_by_name(s + 1, *hdr_len - 2);
}

static enum medfw_err parse_gs1_hri(const char *s, size_t len, unsigned current_year,
				    struct medfw_udi *out, unsigned *seen, struct medfw_diag *diag)
{
	size_t pos = 0, hdr = 0, end;
	enum medfw_err err;

	while (pos < len) {
		const struct ai_def *ai = hri_ai_at(s + pos, len - pos, &hdr);

		if (ai == NULL) {
			size_t n = 1;

			if (s[pos] != '(')
				return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
						      "GS1: expected '(' at position %zu", pos + 1);
			while (pos + n < len && n <= 5 && is_digit(s[pos + n]))
				n++;
			if (pos + n >= len)
				return medfw_diag_set(diag, MEDFW_ERR_TRUNCATED,
						      "GS1: AI at position %zu is cut off", pos + 1);
			if (s[pos + n] != ')' || n < 3)
				return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
						      "GS1: malformed AI at position %zu", pos + 1);
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					      "GS1: unknown or unsupported AI (%.*s)", (int)(n - 1),
					      s + pos + 1);
		}
		pos += hdr;
		end = pos;
		/* a value ends at the next "(NN)": such text cannot be part of a value */
		while (end < len && !hri_header_at(s + end, len - end, &hdr))
			end++;
		err = gs1_element(ai, s + pos, end - pos, current_year, out, seen, diag);
		if (err != MEDFW_OK)
			return err;
		pos = end;
	}
	return MEDFW_OK;
}

static enum medfw_err parse_gs1_machine(const char *s, size_t len, unsigned current_year,
					struct medfw_udi *out, unsigned *seen,
					struct medfw_diag *diag)
{
	size_t pos = 0, end;
	enum medfw_err err;

	if (pos < len && s[pos] == GS)
		pos++;
	if (pos == len)
		return medfw_diag_set(diag, MEDFW_ERR_TRUNCATED, "GS1: no element strings");
	while (pos < len) {
		const struct ai_def *ai = ai_by_prefix(s + pos, len - pos);

		if (ai == NULL) {
			if (len - pos < 2 || !all_digits(s + pos, 2))
				return medfw_diag_set(diag,
						      len - pos < 2 && all_digits(s + pos, len - pos)
							      ? MEDFW_ERR_TRUNCATED
							      : MEDFW_ERR_FIELD_VALUE,
						      "GS1: no AI at position %zu", pos + 1);
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					      "GS1: unknown or unsupported AI starting with %.2s "
					      "at position %zu",
					      s + pos, pos + 1);
		}
		pos += strlen(ai->ai);
		if (ai->predefined) {
			if (len - pos < ai->max)
				return medfw_diag_set(diag, MEDFW_ERR_TRUNCATED,
						      "GS1 (%s) %s is cut off", ai->ai, ai->what);
			end = pos + ai->max;
		} else {
			end = pos;
			while (end < len && s[end] != GS)
				end++;
		}
		err = gs1_element(ai, s + pos, end - pos, current_year, out, seen, diag);
		if (err != MEDFW_OK)
			return err;
		pos = end;
		if (pos < len && s[pos] == GS) {
			pos++;
			if (pos == len)
				return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
						      "GS1: separator at the end");
		}
	}
	return MEDFW_OK;
}

static enum medfw_err parse_gs1(const char *s, size_t len, unsigned current_year,
				struct medfw_udi *out, struct medfw_diag *diag)
{
	static const char *const symbology[] = {"]C1", "]d2", "]Q3", "]e0", "]J1"};
	unsigned seen = 0;
	enum medfw_err err;
	size_t i;

	out->agency = MEDFW_UDI_GS1;
	if (len >= 3 && s[0] == ']') {
		for (i = 0; i < sizeof(symbology) / sizeof(symbology[0]); i++)
			if (memcmp(s, symbology[i], 3) == 0)
				break;
		if (i == sizeof(symbology) / sizeof(symbology[0]))
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					      "GS1: unknown symbology identifier");
		s += 3;
		len -= 3;
	}
	if (len > 0 && s[0] == '(')
		err = parse_gs1_hri(s, len, current_year, out, &seen, diag);
	else
		err = parse_gs1_machine(s, len, current_year, out, &seen, diag);
	if (err == MEDFW_OK && out->di[0] == '\0')
		err = medfw_diag_set(diag, MEDFW_ERR_FIELD_MISSING, "GS1 UDI has no (01) GTIN");
	return err;
}

/* ---- HIBCC ---- */

#define HIBCC_FIELD_MAX 18

/* Lot or serial: 1..18 of A-Z 0-9 up to '/' or end. */
static enum medfw_err hibcc_field(const char *s, size_t len, size_t *pos, char *dst,
				  int allow_empty, const char *what, int *has,
				  struct medfw_diag *diag)
{
	size_t start = *pos, n;

	while (*pos < len && s[*pos] != '/')
		(*pos)++;
	n = *pos - start;
	if (n == 0 && allow_empty)
		return MEDFW_OK;
	if (n == 0)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "HIBCC %s is empty", what);
	if (n > HIBCC_FIELD_MAX)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE,
				      "HIBCC %s is longer than %d characters", what,
				      HIBCC_FIELD_MAX);
	for (size_t i = start; i < *pos; i++)
		if (!is_upper_alnum(s[i]))
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					      "HIBCC %s allows only A-Z and 0-9", what);
	if (*has)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "HIBCC %s given twice", what);
	copy_field(dst, s + start, n);
	*has = 1;
	return MEDFW_OK;
}

static enum medfw_err hibcc_julian(struct medfw_udi_date *d, unsigned year, unsigned jjj,
				   const char *what, struct medfw_diag *diag)
{
	unsigned month = 1;
	int leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;

	if (jjj < 1 || jjj > (leap ? 366u : 365u))
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "%s: day of year %03u does not exist in %04u", what, jjj, year);
	while (jjj > (unsigned)days_in_month(year, month)) {
		jjj -= (unsigned)days_in_month(year, month);
		month++;
	}
	return set_date(d, year, month, jjj, 0, what, diag);
}

/* Expiry after "$$" / "$$+" / the quantity: format char c at s[*pos]. */
static enum medfw_err hibcc_expiry(const char *s, size_t len, size_t *pos, struct medfw_udi *out,
				   struct medfw_diag *diag)
{
	static const char what[] = "HIBCC expiry date";
	static const size_t digits[] = {0, 0, 6, 6, 8, 5, 7, 0};
	char c = s[*pos];
	const char *v;
	size_t need;
	enum medfw_err err;

	if (c == '0' || c == '1') {
		need = 4; /* MMYY, no format character */
	} else {
		(*pos)++;
		need = digits[c - '0'];
		if (c == '7')
			return MEDFW_OK;
	}
	if (len - *pos < need || !all_digits(s + *pos, need))
		return medfw_diag_set(diag, len - *pos < need ? MEDFW_ERR_TRUNCATED
							      : MEDFW_ERR_FIELD_VALUE,
				      "%s (format %c) needs %zu digits", what,
				      c == '0' || c == '1' ? '1' : c, need);
	v = s + *pos;
	*pos += need;
	out->has_expiry = 1;
	switch (c) {
	case '0':
	case '1': return set_date(&out->expiry, 2000u + num2(v + 2), num2(v), 0, 1, what, diag);
	case '2':
		return set_date(&out->expiry, 2000u + num2(v + 4), num2(v), num2(v + 2), 0, what,
				diag);
	case '3':
	case '4':
		err = set_date(&out->expiry, 2000u + num2(v), num2(v + 2), num2(v + 4), 0, what,
			       diag);
		if (err == MEDFW_OK && c == '4')
			err = set_time(&out->expiry, num2(v + 6), 0, what, diag);
		return err;
	case '5':
	case '6':
		err = hibcc_julian(&out->expiry, 2000u + num2(v), numn(v + 2, 3), what, diag);
		if (err == MEDFW_OK && c == '6')
			err = set_time(&out->expiry, num2(v + 5), 0, what, diag);
		return err;
	default: return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "%s: bad format", what);
	}
}

static enum medfw_err hibcc_yyyymmdd(const char *s, size_t len, size_t *pos,
				     struct medfw_udi_date *d, int *has, const char *what,
				     struct medfw_diag *diag)
{
	const char *v = s + *pos;

	if (len - *pos < 8 || !all_digits(v, 8) || (len - *pos > 8 && v[8] != '/'))
		return medfw_diag_set(diag, len - *pos < 8 ? MEDFW_ERR_TRUNCATED
							   : MEDFW_ERR_FIELD_VALUE,
				      "%s must be YYYYMMDD", what);
	if (*has)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "%s given twice", what);
	*pos += 8;
	*has = 1;
	return set_date(d, numn(v, 4), num2(v + 4), num2(v + 6), 0, what, diag);
}

static enum medfw_err parse_hibcc_secondary(const char *s, size_t len, struct medfw_udi *out,
					    struct medfw_diag *diag)
{
	size_t pos = 0;
	enum medfw_err err;

	if (len == 0)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "HIBCC secondary data is empty");
	if (len >= 2 && s[0] == '$' && s[1] == '$') {
		int serial_mode = 0, dated = 0;

		pos = 2;
		if (pos < len && s[pos] == '+') {
			serial_mode = 1;
			pos++;
		}
		if (pos < len && (s[pos] == '8' || s[pos] == '9')) {
			size_t q = s[pos] == '8' ? 2 : 5;

			pos++;
			if (len - pos < q || !all_digits(s + pos, q))
				return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
						      "HIBCC quantity needs %zu digits", q);
			out->quantity = numn(s + pos, q);
			out->has_quantity = 1;
			pos += q;
			if (pos < len && s[pos] >= '0' && s[pos] <= '7')
				dated = 1;
		} else if (pos < len && s[pos] >= '0' && s[pos] <= '7') {
			dated = 1;
		} else {
			return medfw_diag_set(diag, pos < len ? MEDFW_ERR_FIELD_VALUE
							      : MEDFW_ERR_TRUNCATED,
					      "HIBCC secondary: unknown format after \"$$\"");
		}
		if (dated) {
			err = hibcc_expiry(s, len, &pos, out, diag);
			if (err != MEDFW_OK)
				return err;
		}
		err = serial_mode ? hibcc_field(s, len, &pos, out->serial, 1, "serial number",
						&out->has_serial, diag)
				  : hibcc_field(s, len, &pos, out->lot, 1, "lot", &out->has_lot,
						diag);
	} else if (len >= 2 && s[0] == '$' && s[1] == '+') {
		pos = 2;
		err = hibcc_field(s, len, &pos, out->serial, 0, "serial number", &out->has_serial,
				  diag);
	} else if (s[0] == '$') {
		pos = 1;
		err = hibcc_field(s, len, &pos, out->lot, 0, "lot", &out->has_lot, diag);
	} else if (is_digit(s[0])) {
		/* legacy: YYJJJ then lot */
		if (len < 5 || !all_digits(s, 5))
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					      "HIBCC legacy secondary must start with YYJJJ");
		err = hibcc_julian(&out->expiry, 2000u + num2(s), numn(s + 2, 3),
				   "HIBCC expiry date", diag);
		out->has_expiry = 1;
		pos = 5;
		if (err == MEDFW_OK)
			err = hibcc_field(s, len, &pos, out->lot, 1, "lot", &out->has_lot, diag);
	} else {
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "HIBCC secondary data must start with '$' or a date");
	}
	while (err == MEDFW_OK && pos < len) {
		/* supplemental data: /14D, /16D, /S */
		pos++; /* the '/' hibcc_field stopped at */
		if (len - pos >= 3 && memcmp(s + pos, "14D", 3) == 0) {
			int had = out->has_expiry;

			pos += 3;
			out->has_expiry = 0;
			err = hibcc_yyyymmdd(s, len, &pos, &out->expiry, &out->has_expiry,
					     "HIBCC /14D expiry date", diag);
			if (err == MEDFW_OK && had)
				err = medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
						     "HIBCC expiry date given twice");
		} else if (len - pos >= 3 && memcmp(s + pos, "16D", 3) == 0) {
			pos += 3;
			err = hibcc_yyyymmdd(s, len, &pos, &out->manufacture, &out->has_manufacture,
					     "HIBCC /16D manufacture date", diag);
		} else if (len - pos >= 1 && s[pos] == 'S') {
			pos++;
			err = hibcc_field(s, len, &pos, out->serial, 0, "serial number",
					  &out->has_serial, diag);
		} else {
			err = medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					     "HIBCC: unknown supplemental field at position %zu",
					     pos + 1);
		}
	}
	return err;
}

static enum medfw_err parse_hibcc(const char *s, size_t len, struct medfw_udi *out,
				  struct medfw_diag *diag)
{
	size_t i, plen;
	const char *slash;
	char want;

	out->agency = MEDFW_UDI_HIBCC;
	if (len < MEDFW_UDI_HIBCC_MIN_LEN)
		return medfw_diag_set(diag, MEDFW_ERR_TRUNCATED,
				      "HIBCC UDI has %zu characters, at least %d needed", len,
				      MEDFW_UDI_HIBCC_MIN_LEN);
	for (i = 0; i < len; i++)
		if (hibcc_value(s[i]) < 0)
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					      "HIBCC character %zu is outside the Code 39 set", i + 1);
	/* the check character may itself be '/', so strip it before splitting */
	want = medfw_udi_hibcc_check_char(s, len - 1);
	if (s[len - 1] != want)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "HIBCC check character is '%c', expected '%c'", s[len - 1],
				      want);
	slash = memchr(s, '/', len - 1);
	plen = slash == NULL ? len - 2 : (size_t)(slash - s) - 1; /* without '+' */
	if (plen < 6 || plen > 4 + 18 + 1)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "HIBCC primary data has %zu characters, needs 6 to 23", plen);
	if (!is_upper(s[1]))
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "HIBCC labeler id must start with an uppercase letter");
	for (i = 2; i < plen; i++)
		if (!is_upper_alnum(s[i]))
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					      "HIBCC labeler id and product number allow only A-Z "
					      "and 0-9 (character %zu is not)",
					      i + 1);
	if (!is_digit(s[plen]))
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "HIBCC unit of measure (last primary character) must be a "
				      "digit");
	copy_field(out->hibcc_lic, s + 1, 4);
	copy_field(out->hibcc_pcn, s + 5, plen - 5);
	out->hibcc_unit = s[plen];
	copy_field(out->di, s, plen + 1);
	out->di[plen + 1] = medfw_udi_hibcc_check_char(s, plen + 1);
	out->di[plen + 2] = '\0';
	if (slash == NULL)
		return MEDFW_OK;
	return parse_hibcc_secondary(slash + 1, (size_t)((s + len - 1) - (slash + 1)), out, diag);
}

enum medfw_err medfw_udi_parse(const char *udi, size_t len, unsigned current_year,
			       struct medfw_udi *out, struct medfw_diag *diag)
{
	enum medfw_err err;

	if (out == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "no output");
	memset(out, 0, sizeof(*out));
	if (udi == NULL || current_year < 1951 || current_year > 9948)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "no UDI or bad current year");
	if (len > MEDFW_UDI_MAX_LEN)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "UDI longer than %d bytes",
				      MEDFW_UDI_MAX_LEN);
	if (len == 0)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "UDI is empty");
	if (udi[0] == '+')
		err = parse_hibcc(udi, len, out, diag);
	else if (is_digit(udi[0]) || udi[0] == '(' || udi[0] == ']' || udi[0] == GS)
		err = parse_gs1(udi, len, current_year, out, diag);
	else
		err = medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				     "not a GS1 or HIBCC UDI (ICCBBA and IFA are not supported)");
	if (err != MEDFW_OK)
		memset(out, 0, sizeof(*out));
	return err;
}
