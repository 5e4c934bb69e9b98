/* Helpers shared by the feed parsers and evaluators (src/lib/vuln/feed_int.h). */
#include "vuln/feed_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "medfw/purl.h"
#include "vuln/version_int.h"

void medfwi_feed_path_key(char *out, const char *base, const char *key)
{
	snprintf(out, MEDFWI_PATH_MAX, "%s.%s", base, key);
}

void medfwi_path_index(char *out, const char *base, size_t index)
{
	snprintf(out, MEDFWI_PATH_MAX, "%s[%zu]", base, index);
}

static enum medfw_err want_object(const json_t *obj, const char *path, struct medfw_diag *diag)
{
	if (!json_is_object(obj))
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_TYPE, "%s: must be an object", path);
	return MEDFW_OK;
}

static enum medfw_err field(const json_t *obj, const char *path, const char *key, int required,
			    json_t **out, struct medfw_diag *diag)
{
	enum medfw_err err = want_object(obj, path, diag);

	*out = NULL;
	if (err != MEDFW_OK)
		return err;
	*out = json_object_get(obj, key);
	if (*out == NULL && required)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_MISSING, "%s: missing field \"%s\"", path,
				      key);
	return MEDFW_OK;
}

enum medfw_err medfwi_json_str(const json_t *obj, const char *path, const char *key,
			       int required, int nonempty, enum medfwi_str_kind kind,
			       size_t max_bytes, const char **out, struct medfw_diag *diag)
{
	json_t *v;
	enum medfw_err err = field(obj, path, key, required, &v, diag);
	const char *s;
	size_t len, i;

	*out = NULL;
	if (err != MEDFW_OK || v == NULL)
		return err;
	if (!json_is_string(v))
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_TYPE, "%s.%s: must be a string", path,
				      key);
	s = json_string_value(v);
	len = json_string_length(v);
	if (len > max_bytes)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "%s.%s: longer than %zu bytes",
				      path, key, max_bytes);
	if (strlen(s) != len)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "%s.%s: contains NUL", path, key);
	if (nonempty && len == 0)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "%s.%s: is empty", path, key);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == 0x7f || (c < 0x20 && !(kind == MEDFWI_STR_TEXT &&
						  (c == '\t' || c == '\n' || c == '\r'))))
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					      "%s.%s: control character 0x%02x at byte %zu", path,
					      key, (unsigned)c, i + 1);
	}
	*out = s;
	return MEDFW_OK;
}

char *medfwi_strdup(const char *s)
{
	size_t n;
	char *p;

	if (s == NULL)
		return NULL;
	n = strlen(s);
	p = malloc(n + 1);
	if (p != NULL)
		memcpy(p, s, n + 1);
	return p;
}

enum medfw_err medfwi_json_strdup(const json_t *obj, const char *path, const char *key,
				  int required, int nonempty, enum medfwi_str_kind kind,
				  size_t max_bytes, char **out, struct medfw_diag *diag)
{
	const char *s;
	enum medfw_err err =
		medfwi_json_str(obj, path, key, required, nonempty, kind, max_bytes, &s, diag);

	*out = NULL;
	if (err != MEDFW_OK || s == NULL)
		return err;
	*out = medfwi_strdup(s);
	if (*out == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_NOMEM, "out of memory");
	return MEDFW_OK;
}

enum medfw_err medfwi_json_array(const json_t *obj, const char *path, const char *key,
				 int required, size_t max_items, json_t **out,
				 struct medfw_diag *diag)
{
	json_t *v;
	enum medfw_err err = field(obj, path, key, required, &v, diag);

	*out = NULL;
	if (err != MEDFW_OK || v == NULL)
		return err;
	if (!json_is_array(v))
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_TYPE, "%s.%s: must be an array", path,
				      key);
	if (json_array_size(v) > max_items)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE,
				      "%s.%s: %zu items, at most %zu allowed", path, key,
				      json_array_size(v), max_items);
	*out = v;
	return MEDFW_OK;
}

enum medfw_err medfwi_json_object(const json_t *obj, const char *path, const char *key,
				  int required, json_t **out, struct medfw_diag *diag)
{
	json_t *v;
	enum medfw_err err = field(obj, path, key, required, &v, diag);

	*out = NULL;
	if (err != MEDFW_OK || v == NULL)
		return err;
	if (!json_is_object(v))
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_TYPE, "%s.%s: must be an object", path,
				      key);
	*out = v;
	return MEDFW_OK;
}

enum medfw_err medfwi_json_bool(const json_t *obj, const char *path, const char *key,
				int required, int dflt, int *out, struct medfw_diag *diag)
{
	json_t *v;
	enum medfw_err err = field(obj, path, key, required, &v, diag);

	*out = dflt;
	if (err != MEDFW_OK || v == NULL)
		return err;
	if (!json_is_boolean(v))
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_TYPE, "%s.%s: must be true or false",
				      path, key);
	*out = json_is_true(v);
	return MEDFW_OK;
}

enum medfw_err medfwi_json_int(const json_t *obj, const char *path, const char *key,
			       int required, int64_t min, int64_t max, int64_t *out,
			       struct medfw_diag *diag)
{
	json_t *v;
	enum medfw_err err = field(obj, path, key, required, &v, diag);
	json_int_t i;

	*out = 0;
	if (err != MEDFW_OK || v == NULL)
		return err;
	if (!json_is_integer(v))
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_TYPE, "%s.%s: must be an integer", path,
				      key);
	i = json_integer_value(v);
	if (i < min || i > max)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "%s.%s: %lld is outside [%lld, %lld]", path, key,
				      (long long)i, (long long)min, (long long)max);
	*out = (int64_t)i;
	return MEDFW_OK;
}

enum medfw_err medfwi_json_score(const json_t *obj, const char *path, const char *key,
				 unsigned *out_tenths, struct medfw_diag *diag)
{
	json_t *v;
	enum medfw_err err = field(obj, path, key, 1, &v, diag);
	double d, tenths;
	unsigned rounded;

	*out_tenths = 0;
	if (err != MEDFW_OK)
		return err;
	if (!json_is_number(v))
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_TYPE, "%s.%s: must be a number", path,
				      key);
	d = json_number_value(v);
	if (!(d >= 0.0 && d <= 10.0))
		goto bad;
	tenths = d * 10.0;
	rounded = (unsigned)(tenths + 0.5);
	if ((double)rounded - tenths > 1e-6 || tenths - (double)rounded > 1e-6)
		goto bad;
	*out_tenths = rounded;
	return MEDFW_OK;
bad:
	return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
			      "%s.%s: a CVSS score is 0.0 to 10.0 with one decimal", path, key);
}

static int digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!medfwi_is_digit(s[i]))
			return 0;
	return 1;
}

int medfwi_valid_cve_id(const char *s)
{
	size_t n;

	if (s == NULL || strncmp(s, "CVE-", 4) != 0 || !digits(s + 4, 4) || s[8] != '-')
		return 0;
	for (n = 0; medfwi_is_digit(s[9 + n]); n++)
		;
	return s[9 + n] == '\0' && n >= 4 && n <= 19;
}

static unsigned num2(const char *s)
{
	return (unsigned)(s[0] - '0') * 10u + (unsigned)(s[1] - '0');
}

int medfwi_valid_timestamp(const char *s)
{
	size_t i = 19;

	if (s == NULL || strlen(s) < 19 || !digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) ||
	    s[7] != '-' || !digits(s + 8, 2) || (s[10] != 'T' && s[10] != 't') ||
	    !digits(s + 11, 2) || s[13] != ':' || !digits(s + 14, 2) || s[16] != ':' ||
	    !digits(s + 17, 2))
		return 0;
	if (num2(s + 5) < 1 || num2(s + 5) > 12 || num2(s + 8) < 1 || num2(s + 8) > 31 ||
	    num2(s + 11) > 23 || num2(s + 14) > 59 || num2(s + 17) > 60)
		return 0;
	if (s[i] == '.') {
		size_t n = 0;

		for (i++; medfwi_is_digit(s[i]); i++)
			n++;
		if (n == 0 || n > 9)
			return 0;
	}
	if (s[i] == '\0')
		return 1;
	if ((s[i] == 'Z' || s[i] == 'z') && s[i + 1] == '\0')
		return 1;
	if ((s[i] == '+' || s[i] == '-') && digits(s + i + 1, 2) && s[i + 3] == ':' &&
	    digits(s + i + 4, 2) && s[i + 6] == '\0')
		return num2(s + i + 1) <= 23 && num2(s + i + 4) <= 59;
	return 0;
}

void medfwi_ev_printf(char *dst, size_t cap, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (dst == NULL || cap == 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(dst, cap, fmt, ap);
	va_end(ap);
	if (n < 0) {
		dst[0] = '\0';
		return;
	}
	if ((size_t)n >= cap && cap >= 4)
		memcpy(dst + cap - 4, "...", 4);
}

const char *medfwi_feed_quote(const char *s, size_t max, char *buf, size_t cap)
{
	size_t i = 0, o = 0;

	if (cap == 0)
		return buf;
	if (s == NULL)
		s = "(none)";
	while (s[i] != '\0' && i < max && o + 4 < cap) {
		unsigned char c = (unsigned char)s[i];

		buf[o++] = (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') ? (char)c : '?';
		i++;
	}
	if (s[i] != '\0' && o + 4 <= cap) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o] = '\0';
	return buf;
}

enum medfw_err medfwi_component_scheme(const struct medfw_vuln_component *c,
				       enum medfw_version_scheme *out, struct medfw_diag *diag)
{
	struct medfw_purl *p = NULL;
	struct medfw_diag d;
	enum medfw_version_scheme s = MEDFW_VERSION_SCHEME_UNKNOWN;
	enum medfw_err err;

	*out = MEDFW_VERSION_SCHEME_GENERIC;
	if (c->purl == NULL)
		return MEDFW_OK;
	medfw_diag_clear(&d);
	err = medfw_purl_parse(c->purl, MEDFW_PURL_LENIENT, &p, &d);
	if (err != MEDFW_OK)
		return medfw_diag_set(diag, err, "component purl: %s", medfw_diag_message(&d, err));
	s = medfw_purl_version_scheme(p->type);
	medfw_purl_free(p);
	if (s != MEDFW_VERSION_SCHEME_UNKNOWN)
		*out = s;
	return MEDFW_OK;
}

int medfwi_version_cmp(enum medfw_version_scheme scheme, const char *a, const char *b, int *cmp,
		       char *why, size_t why_cap)
{
	struct medfw_diag d;
	enum medfw_err err;

	medfw_diag_clear(&d);
	*cmp = 0;
	err = medfw_version_compare(scheme, a, b, cmp, &d);
	if (err == MEDFW_OK)
		return 1;
	medfwi_ev_printf(why, why_cap, "%s", medfw_diag_message(&d, err));
	return 0;
}

int medfwi_eq_ci(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return 0;
	for (; *a != '\0' && *b != '\0'; a++, b++)
		if (medfwi_to_lower(*a) != medfwi_to_lower(*b))
			return 0;
	return *a == *b;
}

int medfwi_version_eq(enum medfw_version_scheme scheme, const char *a, const char *b,
		      int ignore_case, char *why, size_t why_cap)
{
	int cmp;

	if (ignore_case ? medfwi_eq_ci(a, b) : strcmp(a, b) == 0)
		return 1;
	if (!medfwi_version_cmp(scheme, a, b, &cmp, why, why_cap))
		return -1;
	return cmp == 0;
}
