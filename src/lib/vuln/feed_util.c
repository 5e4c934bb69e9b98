/* Helpers shared by the feed parsers and evaluators (src/lib/vuln/feed_int.h). */
#include "vuln/feed_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "medfw/purl.h"
#include "vuln/version_int.h"

enum medfw_err medfwi_nomem(struct medfw_diag *diag)
{
	return medfw_diag_set(diag, MEDFW_ERR_NOMEM, "out of memory");
}

void *medfwi_calloc_n(size_t n, size_t size)
{
	return calloc(n == 0 ? 1 : n, size);
}

void medfwi_free_strings(char **s, size_t n)
{
	size_t i;

	for (i = 0; s != NULL && i < n; i++)
		free(s[i]);
	free(s);
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

int medfwi_valid_timestamp(const char *s)
{
	struct medfwi_time t;

	return s != NULL && medfwi_time_parse_utc(s, &t);
}

/* One of the CVSS qualitative ratings. */
static int valid_severity(const char *s)
{
	static const char *const ratings[] = {"NONE", "LOW", "MEDIUM", "HIGH", "CRITICAL"};
	size_t i;

	for (i = 0; i < sizeof(ratings) / sizeof(ratings[0]); i++)
		if (strcmp(s, ratings[i]) == 0)
			return 1;
	return 0;
}

enum medfw_err medfwi_json_cvss(const json_t *data, const char *path, const char *want_version,
				const json_t *severity_obj, const char *severity_path,
				int severity_required, unsigned *out_score, char **out_vector,
				char **out_severity, struct medfw_diag *diag)
{
	const char *version;
	enum medfw_err err;

	*out_vector = NULL;
	*out_severity = NULL;
	*out_score = 0;
	err = medfwi_json_str(data, path, "version", 1, 1, MEDFWI_STR_LINE, 8, &version, diag);
	if (err != MEDFW_OK)
		return err;
	if (strcmp(version, want_version) != 0)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "%s.version: \"%s\" expected",
				      path, want_version);
	err = medfwi_json_score(data, path, "baseScore", out_score, diag);
	if (err == MEDFW_OK)
		err = medfwi_json_strdup(data, path, "vectorString", 1, 1, MEDFWI_STR_LINE, 512,
					 out_vector, diag);
	if (err == MEDFW_OK)
		err = medfwi_json_strdup(severity_obj, severity_path, "baseSeverity",
					 severity_required, 1, MEDFWI_STR_LINE, 16, out_severity,
					 diag);
	if (err == MEDFW_OK && *out_severity != NULL && !valid_severity(*out_severity))
		err = medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				     "%s.baseSeverity: must be NONE, LOW, MEDIUM, HIGH or CRITICAL",
				     severity_path);
	return err;
}

enum medfw_err medfwi_json_url_list(const json_t *obj, const char *path, const char *key,
				    int required, size_t max_items, size_t max_bytes, int web_only,
				    char ***out, size_t *count, struct medfw_diag *diag)
{
	char lp[MEDFWI_PATH_MAX], ip[MEDFWI_PATH_MAX];
	json_t *arr;
	enum medfw_err err;
	size_t i, n;

	*out = NULL;
	*count = 0;
	err = medfwi_json_array(obj, path, key, required, max_items, &arr, diag);
	if (err != MEDFW_OK || arr == NULL)
		return err;
	n = json_array_size(arr);
	*out = medfwi_calloc_n(n, sizeof(**out));
	if (*out == NULL)
		return medfwi_nomem(diag);
	medfwi_path_key(lp, path, key);
	for (i = 0; i < n; i++) {
		const json_t *ref = json_array_get(arr, i);
		const char *url;

		medfwi_path_item(ip, lp, NULL, i);
		if (!json_is_object(ref))
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_TYPE, "%s: must be an object",
					      ip);
		err = medfwi_json_str(ref, ip, "url", 1, 1, MEDFWI_STR_LINE, max_bytes, &url, diag);
		if (err != MEDFW_OK)
			return err;
		if (web_only && strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0 &&
		    strncmp(url, "ftp://", 6) != 0 && strncmp(url, "ftps://", 7) != 0)
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					      "%s.url: not an http(s) or ftp(s) URL", ip);
		if (!web_only && strchr(url, ':') == NULL)
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "%s.url: not a URI", ip);
		if (strchr(url, ' ') != NULL)
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					      "%s.url: contains a space", ip);
		(*out)[i] = medfwi_strdup(url);
		if ((*out)[i] == NULL)
			return medfwi_nomem(diag);
		*count = i + 1;
	}
	return MEDFW_OK;
}

enum medfw_err medfwi_json_english(const json_t *arr, const char *path, size_t max_bytes,
				   enum medfwi_str_kind kind, int nonempty, char ***out,
				   size_t *count, struct medfw_diag *diag)
{
	char ip[MEDFWI_PATH_MAX];
	size_t i, n = json_array_size(arr);
	enum medfw_err err;

	*out = medfwi_calloc_n(n, sizeof(**out));
	*count = 0;
	if (*out == NULL)
		return medfwi_nomem(diag);
	for (i = 0; i < n; i++) {
		const json_t *d = json_array_get(arr, i);
		const char *lang, *value;

		medfwi_path_item(ip, path, NULL, i);
		if (!json_is_object(d))
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_TYPE, "%s: must be an object",
					      ip);
		err = medfwi_json_str(d, ip, "lang", 1, 1, MEDFWI_STR_LINE, 32, &lang, diag);
		if (err == MEDFW_OK)
			err = medfwi_json_str(d, ip, "value", 1, nonempty, kind, max_bytes, &value,
					      diag);
		if (err != MEDFW_OK)
			return err;
		if (!medfwi_eq_ci(lang, "en") && strncmp(lang, "en-", 3) != 0 &&
		    strncmp(lang, "en_", 3) != 0)
			continue;
		(*out)[*count] = medfwi_strdup(value);
		if ((*out)[*count] == NULL)
			return medfwi_nomem(diag);
		(*count)++;
	}
	return MEDFW_OK;
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
