/* What the vulnerability-data readers share: arena, path-naming JSON accessors,
 * RFC 3339 times, CVE ids (src/lib/vuln/advjson_int.h). */
#include "vuln/advjson_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "medfw/buf.h"

/* Chunks start small and double up to CHUNK_MIN: a feed set holds each parsed record
 * in its own arena, and 200,000 records of 16 KiB each would be 3 GiB. */
#define CHUNK_FIRST 1024u
#define CHUNK_MIN (16u * 1024u)
#define ALIGN 16u

struct medfwi_arena_chunk {
	struct medfwi_arena_chunk *next;
	size_t used;
	size_t cap;
	_Alignas(16) unsigned char data[];
};

void medfwi_arena_init(struct medfwi_arena *a, size_t max)
{
	a->chunks = NULL;
	a->total = 0;
	a->max = max;
	a->too_large = 0;
}

void *medfwi_arena_alloc(struct medfwi_arena *a, size_t size)
{
	struct medfwi_arena_chunk *c = a->chunks;
	size_t need, cap;
	void *p;

	if (size == 0)
		size = 1;
	if (size > SIZE_MAX - ALIGN) {
		a->too_large = 1;
		return NULL;
	}
	need = (size + ALIGN - 1) & ~(size_t)(ALIGN - 1);
	if (need > a->max - a->total) { /* total <= max always */
		a->too_large = 1;
		return NULL;
	}
	if (c == NULL || need > c->cap - c->used) {
		size_t next = c == NULL ? CHUNK_FIRST
					: c->cap >= CHUNK_MIN / 2 ? CHUNK_MIN : c->cap * 2;

		cap = need > next ? need : next;
		c = malloc(sizeof(*c) + cap);
		if (c == NULL)
			return NULL;
		c->next = a->chunks;
		c->used = 0;
		c->cap = cap;
		a->chunks = c;
	}
	p = c->data + c->used;
	c->used += need;
	a->total += need;
	memset(p, 0, need);
	return p;
}

char *medfwi_arena_strndup(struct medfwi_arena *a, const char *s, size_t len)
{
	char *p;

	if (len == SIZE_MAX)
		return NULL;
	p = medfwi_arena_alloc(a, len + 1);
	if (p == NULL)
		return NULL;
	if (len > 0)
		memcpy(p, s, len);
	p[len] = '\0';
	return p;
}

void medfwi_arena_free(struct medfwi_arena *a)
{
	struct medfwi_arena_chunk *c, *next;

	if (a == NULL)
		return;
	for (c = a->chunks; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	a->chunks = NULL;
	a->total = 0;
}

void medfwi_path_key(char *out, const char *base, const char *key)
{
	if (base[0] == '\0')
		snprintf(out, MEDFWI_PATH_MAX, "%s", key);
	else
		snprintf(out, MEDFWI_PATH_MAX, "%s.%s", base, key);
}

void medfwi_path_item(char *out, const char *base, const char *key, size_t i)
{
	if (key == NULL)
		snprintf(out, MEDFWI_PATH_MAX, "%s[%zu]", base, i);
	else if (base[0] == '\0')
		snprintf(out, MEDFWI_PATH_MAX, "%s[%zu]", key, i);
	else
		snprintf(out, MEDFWI_PATH_MAX, "%s.%s[%zu]", base, key, i);
}

const char *medfwi_quote_n(const char *s, size_t max, char *buf, size_t cap)
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

const char *medfwi_quote(const char *s, char *buf, size_t cap)
{
	return medfwi_quote_n(s, SIZE_MAX, buf, cap);
}

enum medfw_err medfwi_jr_alloc_failed(const struct medfwi_jr *jr)
{
	if (jr->arena->too_large)
		return medfw_diag_set(jr->diag, MEDFW_ERR_TOO_LARGE,
				      "%s: more than %zu bytes of parsed data", jr->what,
				      jr->arena->max);
	return medfw_diag_set(jr->diag, MEDFW_ERR_NOMEM, "%s: out of memory", jr->what);
}

enum medfw_err medfwi_jr_expect_object(const struct medfwi_jr *jr, const json_t *v,
				       const char *path)
{
	if (!json_is_object(v))
		return medfw_diag_set(jr->diag, MEDFW_ERR_FIELD_TYPE, "%s: %s must be an object",
				      jr->what, path[0] != '\0' ? path : "the document");
	return MEDFW_OK;
}

/* obj[key], or NULL (absent, or null with NULL_OK); MEDFW_ERR_FIELD_MISSING when
 * required and absent. */
static enum medfw_err get(const struct medfwi_jr *jr, const json_t *obj, const char *path,
			  const char *key, unsigned flags, json_t **out)
{
	char p[MEDFWI_PATH_MAX];

	*out = json_object_get(obj, key);
	if (*out != NULL && json_is_null(*out) && (flags & MEDFWI_NULL_OK))
		*out = NULL;
	if (*out == NULL && (flags & MEDFWI_REQUIRED)) {
		medfwi_path_key(p, path, key);
		return medfw_diag_set(jr->diag, MEDFW_ERR_FIELD_MISSING, "%s: %s is missing",
				      jr->what, p);
	}
	return MEDFW_OK;
}

static enum medfw_err wrong_type(const struct medfwi_jr *jr, const char *path, const char *key,
				 const char *want)
{
	char p[MEDFWI_PATH_MAX];

	medfwi_path_key(p, path, key);
	return medfw_diag_set(jr->diag, MEDFW_ERR_FIELD_TYPE, "%s: %s must be %s", jr->what, p, want);
}

/* Check and copy one JSON string; `p` is its full path. */
static enum medfw_err copy_string(const struct medfwi_jr *jr, const json_t *v, const char *p,
				  unsigned flags, size_t max_len, const char **out)
{
	size_t len;
	char *s;

	*out = NULL;
	if (!json_is_string(v))
		return medfw_diag_set(jr->diag, MEDFW_ERR_FIELD_TYPE, "%s: %s must be a string",
				      jr->what, p);
	len = json_string_length(v);
	if (len > max_len)
		return medfw_diag_set(jr->diag, MEDFW_ERR_TOO_LARGE,
				      "%s: %s is longer than %zu bytes", jr->what, p, max_len);
	if (memchr(json_string_value(v), '\0', len) != NULL)
		return medfw_diag_set(jr->diag, MEDFW_ERR_FIELD_VALUE, "%s: %s contains NUL",
				      jr->what, p);
	if (len == 0 && (flags & MEDFWI_NONEMPTY))
		return medfw_diag_set(jr->diag, MEDFW_ERR_FIELD_VALUE, "%s: %s is empty", jr->what,
				      p);
	s = medfwi_arena_strndup(jr->arena, json_string_value(v), len);
	if (s == NULL)
		return medfwi_jr_alloc_failed(jr);
	*out = s;
	return MEDFW_OK;
}

enum medfw_err medfwi_jr_str(const struct medfwi_jr *jr, const json_t *obj, const char *path,
			     const char *key, unsigned flags, size_t max_len, const char **out)
{
	char p[MEDFWI_PATH_MAX];
	json_t *v;
	enum medfw_err err;

	*out = NULL;
	err = get(jr, obj, path, key, flags, &v);
	if (err != MEDFW_OK || v == NULL)
		return err;
	medfwi_path_key(p, path, key);
	return copy_string(jr, v, p, flags, max_len, out);
}

enum medfw_err medfwi_jr_array(const struct medfwi_jr *jr, const json_t *obj, const char *path,
			       const char *key, unsigned flags, size_t max_items, json_t **out,
			       size_t *count)
{
	char p[MEDFWI_PATH_MAX];
	json_t *v;
	enum medfw_err err;

	*out = NULL;
	*count = 0;
	err = get(jr, obj, path, key, flags, &v);
	if (err != MEDFW_OK || v == NULL)
		return err;
	if (!json_is_array(v))
		return wrong_type(jr, path, key, "an array");
	medfwi_path_key(p, path, key);
	if (json_array_size(v) > max_items)
		return medfw_diag_set(jr->diag, MEDFW_ERR_TOO_LARGE,
				      "%s: %s has more than %zu items", jr->what, p, max_items);
	if (json_array_size(v) == 0 && (flags & MEDFWI_NONEMPTY))
		return medfw_diag_set(jr->diag, MEDFW_ERR_FIELD_VALUE, "%s: %s is empty", jr->what,
				      p);
	*out = v;
	*count = json_array_size(v);
	return MEDFW_OK;
}

enum medfw_err medfwi_jr_object(const struct medfwi_jr *jr, const json_t *obj, const char *path,
				const char *key, unsigned flags, json_t **out)
{
	json_t *v;
	enum medfw_err err;

	*out = NULL;
	err = get(jr, obj, path, key, flags, &v);
	if (err != MEDFW_OK || v == NULL)
		return err;
	if (!json_is_object(v))
		return wrong_type(jr, path, key, "an object");
	*out = v;
	return MEDFW_OK;
}

enum medfw_err medfwi_jr_str_array(const struct medfwi_jr *jr, const json_t *obj,
				   const char *path, const char *key, unsigned flags,
				   size_t max_items, size_t max_len, const char ***out,
				   size_t *count)
{
	char p[MEDFWI_PATH_MAX], q[MEDFWI_PATH_MAX];
	json_t *arr;
	const char **items;
	size_t n, i, j;
	enum medfw_err err;

	*out = NULL;
	*count = 0;
	err = medfwi_jr_array(jr, obj, path, key, flags, max_items, &arr, &n);
	if (err != MEDFW_OK || arr == NULL)
		return err;
	items = medfwi_arena_alloc(jr->arena, (n > 0 ? n : 1) * sizeof(*items));
	if (items == NULL)
		return medfwi_jr_alloc_failed(jr);
	for (i = 0; i < n; i++) {
		medfwi_path_item(q, path, key, i);
		err = copy_string(jr, json_array_get(arr, i), q, flags, max_len, &items[i]);
		if (err != MEDFW_OK)
			return err;
		if (flags & MEDFWI_UNIQUE) {
			for (j = 0; j < i; j++) {
				if (strcmp(items[j], items[i]) == 0) {
					medfwi_path_key(p, path, key);
					return medfw_diag_set(jr->diag, MEDFW_ERR_FIELD_VALUE,
							      "%s: %s has item %zu twice (items must "
							      "be unique)",
							      jr->what, p, i);
				}
			}
		}
	}
	*out = items;
	*count = n;
	return MEDFW_OK;
}

enum medfw_err medfwi_jr_enum(const struct medfwi_jr *jr, const json_t *obj, const char *path,
			      const char *key, unsigned flags, const char *const *values,
			      int *index)
{
	char p[MEDFWI_PATH_MAX], q[48];
	json_t *v;
	const char *s;
	enum medfw_err err;
	int i;

	*index = -1;
	err = get(jr, obj, path, key, flags, &v);
	if (err != MEDFW_OK || v == NULL)
		return err;
	if (!json_is_string(v))
		return wrong_type(jr, path, key, "a string");
	s = json_string_value(v);
	for (i = 0; values[i] != NULL; i++) {
		if (strcmp(values[i], s) == 0) {
			*index = i;
			return MEDFW_OK;
		}
	}
	medfwi_path_key(p, path, key);
	return medfw_diag_set(jr->diag, MEDFW_ERR_FIELD_VALUE, "%s: %s: \"%s\" is not an allowed value",
			      jr->what, p, medfwi_quote(s, q, sizeof(q)));
}

/* ------------------------------------------------------------------- times */

static int digits(const char *s, size_t n, unsigned *out)
{
	size_t i;
	unsigned v = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10u + (unsigned)(s[i] - '0');
	}
	*out = v;
	return 1;
}

static int is_leap(unsigned y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int valid_ymd(unsigned y, unsigned m, unsigned d)
{
	static const unsigned mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (m < 1 || m > 12 || d < 1)
		return 0;
	return d <= mdays[m - 1] + ((m == 2 && is_leap(y)) ? 1u : 0u);
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (int64_t)(m > 2 ? m - 3 : m + 9) + 2) / 5 + (int64_t)d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int medfwi_date_valid(const char *s)
{
	unsigned y, m, d;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return 0;
	if (!digits(s, 4, &y) || !digits(s + 5, 2, &m) || !digits(s + 8, 2, &d))
		return 0;
	return valid_ymd(y, m, d);
}

/* RFC 3339; without `offset_optional` the offset (Z or +hh:mm) is required. */
static int time_parse(const char *s, int offset_optional, struct medfwi_time *out)
{
	unsigned y, mo, d, h, mi, se, oh = 0, om = 0;
	size_t i = 19, nd = 0;
	uint32_t nanos = 0;
	int64_t secs, off = 0;

	out->seconds = 0;
	out->nanos = 0;
	if (strnlen(s, 19) < 19)
		return 0;
	if (s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') || s[13] != ':' ||
	    s[16] != ':')
		return 0;
	if (!digits(s, 4, &y) || !digits(s + 5, 2, &mo) || !digits(s + 8, 2, &d) ||
	    !digits(s + 11, 2, &h) || !digits(s + 14, 2, &mi) || !digits(s + 17, 2, &se))
		return 0;
	if (!valid_ymd(y, mo, d) || h > 23 || mi > 59 || se > 60)
		return 0;
	if (s[i] == '.') {
		i++;
		while (s[i] >= '0' && s[i] <= '9') {
			if (nd < 9) {
				nanos = nanos * 10u + (uint32_t)(s[i] - '0');
			}
			nd++;
			i++;
		}
		if (nd == 0)
			return 0;
		for (; nd < 9; nd++)
			nanos *= 10u;
	}
	if (((s[i] == 'Z' || s[i] == 'z') && s[i + 1] == '\0') ||
	    (s[i] == '\0' && offset_optional)) {
		off = 0;
	} else if ((s[i] == '+' || s[i] == '-') && strlen(s + i) == 6 && s[i + 3] == ':' &&
		   digits(s + i + 1, 2, &oh) && digits(s + i + 4, 2, &om) && oh <= 23 && om <= 59) {
		off = (int64_t)oh * 3600 + (int64_t)om * 60;
		if (s[i] == '-')
			off = -off;
	} else {
		return 0;
	}
	secs = days_from_civil((int64_t)y, mo, d) * 86400 + (int64_t)h * 3600 + (int64_t)mi * 60 +
	       (int64_t)se;
	out->seconds = secs - off;
	out->nanos = nanos;
	return 1;
}

int medfwi_time_parse(const char *s, struct medfwi_time *out)
{
	return time_parse(s, 0, out);
}

int medfwi_time_parse_utc(const char *s, struct medfwi_time *out)
{
	return time_parse(s, 1, out);
}

int medfwi_time_cmp(const struct medfwi_time *a, const struct medfwi_time *b)
{
	if (a->seconds != b->seconds)
		return a->seconds < b->seconds ? -1 : 1;
	if (a->nanos != b->nanos)
		return a->nanos < b->nanos ? -1 : 1;
	return 0;
}

int medfwi_pct_byte(const char *p, unsigned char *out)
{
	char two[3];
	uint8_t b = 0;
	size_t n = 0;

	if (p[0] == '\0' || p[1] == '\0')
		return 0;
	two[0] = p[0];
	two[1] = p[1];
	two[2] = '\0';
	if (medfw_hex_decode(two, &b, 1, &n) != MEDFW_OK || n != 1)
		return 0;
	*out = b;
	return 1;
}

int medfwi_cve_valid(const char *s, size_t max_digits)
{
	size_t i, n;

	if (s == NULL || strncmp(s, "CVE-", 4) != 0)
		return 0;
	for (i = 4; i < 8; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	if (s[8] != '-')
		return 0;
	for (n = 0; s[9 + n] >= '0' && s[9 + n] <= '9'; n++)
		if (n >= max_digits)
			return 0;
	return s[9 + n] == '\0' && n >= 4;
}
