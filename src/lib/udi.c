/* UDI-DI syntax and check characters (GS1 GTIN-14, HIBCC primary). */
#include "medfw/udi.h"

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
