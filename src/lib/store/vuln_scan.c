/* The import scanner (vuln_scan_int.h): the bytes of one record inside a feed file, for
 * medfw_store_vuln_import (vuln_records.c). Reads nothing past the end of the bytes;
 * answers 0 on anything it does not expect. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "medfw/num.h"
#include "vuln_scan_int.h"

static size_t skip_ws(const uint8_t *p, size_t n, size_t i)
{
	while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r'))
		i++;
	return i;
}

/* p[i] is '"': the index after the closing quote, or n. */
static size_t skip_string(const uint8_t *p, size_t n, size_t i)
{
	for (i++; i < n; i++) {
		if (p[i] == '\\')
			i++;
		else if (p[i] == '"')
			return i + 1;
	}
	return n;
}

/* The index after the value starting at p[i] (i after whitespace), or n. */
static size_t skip_value(const uint8_t *p, size_t n, size_t i)
{
	size_t depth = 0;

	if (i >= n)
		return n;
	if (p[i] != '{' && p[i] != '[' && p[i] != '"') {
		while (i < n && p[i] != ',' && p[i] != '}' && p[i] != ']' && p[i] != ' ' &&
		       p[i] != '\t' && p[i] != '\n' && p[i] != '\r')
			i++;
		return i;
	}
	while (i < n) {
		if (p[i] == '"') {
			i = skip_string(p, n, i);
			if (depth == 0)
				return i;
			continue;
		}
		if (p[i] == '{' || p[i] == '[')
			depth++;
		else if ((p[i] == '}' || p[i] == ']') && --depth == 0)
			return i + 1;
		i++;
	}
	return n;
}

/* The value of member `key` of the object at p[i] ('{'): its start, or n. */
static size_t member_value(const uint8_t *p, size_t n, size_t i, const char *key)
{
	size_t klen = strlen(key);

	if (i >= n || p[i] != '{')
		return n;
	i = skip_ws(p, n, i + 1);
	while (i < n && p[i] == '"') {
		size_t k = i + 1, end = skip_string(p, n, i);
		int match = end < n && end - k - 1 == klen && memcmp(p + k, key, klen) == 0;

		i = skip_ws(p, n, end);
		if (i >= n || p[i] != ':')
			return n;
		i = skip_ws(p, n, i + 1);
		if (match)
			return i;
		i = skip_ws(p, n, skip_value(p, n, i));
		if (i < n && p[i] == ',')
			i = skip_ws(p, n, i + 1);
	}
	return n;
}

/* The span [*out_start, *out_end) of the record at `path`; 0 when it cannot tell. */
int medfwi_vuln_record_span(const uint8_t *p, size_t n, const char *path,
			    struct medfwi_span_cursor *c, size_t *out_start, size_t *out_end)
{
	const char *br = strchr(path, '['), *close = br != NULL ? strchr(br, ']') : NULL;
	char key[sizeof(c->key)], num[24];
	const char *after;
	uint64_t index = 0;
	size_t i, klen;

	if (br == NULL) { /* "cve" */
		i = member_value(p, n, skip_ws(p, n, 0), path);
		after = "";
		goto value;
	}
	klen = (size_t)(br - path);
	if (close == NULL || klen >= sizeof(key) || (size_t)(close - br - 1) >= sizeof(num) ||
	    close == br + 1)
		return 0;
	memcpy(key, path, klen);
	key[klen] = '\0';
	memcpy(num, br + 1, (size_t)(close - br - 1));
	num[close - br - 1] = '\0';
	if (medfw_parse_u64(num, 0, SIZE_MAX, &index) != MEDFW_OK)
		return 0;
	after = close + 1;
	if (!c->valid || strcmp(c->key, key) != 0 || index < c->next) {
		i = skip_ws(p, n, 0);
		if (klen > 0)
			i = member_value(p, n, i, key);
		if (i >= n || p[i] != '[')
			return 0;
		memset(c, 0, sizeof(*c));
		snprintf(c->key, sizeof(c->key), "%s", key);
		c->start = c->pos = skip_ws(p, n, i + 1);
		c->valid = 1;
	}
	i = c->pos;
	while (c->next < index) { /* skip elements up to the one wanted */
		i = skip_ws(p, n, skip_value(p, n, i));
		if (i >= n || p[i] != ',')
			return 0;
		i = skip_ws(p, n, i + 1);
		c->next++;
	}
	c->pos = i;
value:
	if (i >= n)
		return 0;
	if (after[0] == '.') {
		i = member_value(p, n, i, after + 1);
		if (i >= n || strchr(after + 1, '.') != NULL || strchr(after + 1, '[') != NULL)
			return 0;
	} else if (after[0] != '\0') {
		return 0;
	}
	*out_start = i;
	*out_end = skip_value(p, n, i);
	return *out_end <= n && *out_end > i;
}
