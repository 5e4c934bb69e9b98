/* Canonical JSON, byte-for-byte as securesystemslib's encode_canonical() emits it. */
#include <stdlib.h>
#include <string.h>

#include "medfw/json.h"

#define CANONICAL_MAX_DEPTH (MEDFW_JSON_MAX_DEPTH * 4)

struct key_ref {
	const char *key;
	size_t len;
	json_t *value;
};

/* Python sorts str keys by code point; for UTF-8 that is plain byte order with the
 * shorter of two equal prefixes first. */
static int key_cmp(const void *a, const void *b)
{
	const struct key_ref *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->key, y->key, n);

	if (c != 0)
		return c;
	return x->len < y->len ? -1 : x->len > y->len;
}

/* jansson's iteration API is not const-correct; reading through it is safe. */
static json_t *unconst(const json_t *v)
{
	union {
		const json_t *c;
		json_t *m;
	} u = {.c = v};
	return u.m;
}

static enum medfw_err put_string(struct medfw_buf *out, const char *s, size_t len)
{
	enum medfw_err err = medfw_buf_append(out, "\"", 1);
	size_t start = 0;

	for (size_t i = 0; err == MEDFW_OK && i < len; i++) {
		if (s[i] != '"' && s[i] != '\\')
			continue;
		err = medfw_buf_append(out, s + start, i - start);
		if (err == MEDFW_OK)
			err = medfw_buf_append(out, "\\", 1);
		start = i;
	}
	if (err == MEDFW_OK)
		err = medfw_buf_append(out, s + start, len - start);
	if (err == MEDFW_OK)
		err = medfw_buf_append(out, "\"", 1);
	return err;
}

static enum medfw_err encode(const json_t *v, struct medfw_buf *out, unsigned depth,
			     struct medfw_diag *diag)
{
	enum medfw_err err = MEDFW_OK;

	if (depth > CANONICAL_MAX_DEPTH)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_DEEP,
				      "canonical JSON: nested deeper than %u", CANONICAL_MAX_DEPTH);
	switch (json_typeof(v)) {
	case JSON_OBJECT: {
		size_t n = json_object_size(v), i = 0;
		struct key_ref *keys = NULL;
		const char *key;
		size_t key_len;
		json_t *value;

		if (n != 0) {
			keys = calloc(n, sizeof(*keys));
			if (keys == NULL)
				return MEDFW_ERR_NOMEM;
		}
		json_object_keylen_foreach(unconst(v), key, key_len, value) {
			keys[i].key = key;
			keys[i].len = key_len;
			keys[i].value = value;
			i++;
		}
		if (n > 1)
			qsort(keys, n, sizeof(*keys), key_cmp);
		err = medfw_buf_append(out, "{", 1);
		for (i = 0; err == MEDFW_OK && i < n; i++) {
			if (i != 0)
				err = medfw_buf_append(out, ",", 1);
			if (err == MEDFW_OK)
				err = put_string(out, keys[i].key, keys[i].len);
			if (err == MEDFW_OK)
				err = medfw_buf_append(out, ":", 1);
			if (err == MEDFW_OK)
				err = encode(keys[i].value, out, depth + 1, diag);
		}
		if (err == MEDFW_OK)
			err = medfw_buf_append(out, "}", 1);
		free(keys);
		return err;
	}
	case JSON_ARRAY: {
		size_t i;
		json_t *value;

		err = medfw_buf_append(out, "[", 1);
		json_array_foreach(v, i, value) {
			if (err == MEDFW_OK && i != 0)
				err = medfw_buf_append(out, ",", 1);
			if (err == MEDFW_OK)
				err = encode(value, out, depth + 1, diag);
		}
		if (err == MEDFW_OK)
			err = medfw_buf_append(out, "]", 1);
		return err;
	}
	case JSON_STRING:
		return put_string(out, json_string_value(v), json_string_length(v));
	case JSON_INTEGER:
		return medfw_buf_printf(out, "%lld", (long long)json_integer_value(v));
	case JSON_TRUE:
		return medfw_buf_append(out, "true", 4);
	case JSON_FALSE:
		return medfw_buf_append(out, "false", 5);
	case JSON_NULL:
		return medfw_buf_append(out, "null", 4);
	case JSON_REAL:
		return medfw_diag_set(diag, MEDFW_ERR_NOT_CANONICAL,
				      "canonical JSON: real numbers are not allowed (%g)",
				      json_real_value(v));
	}
	return MEDFW_ERR_INVALID_ARG;
}

enum medfw_err medfw_json_canonical(const json_t *value, struct medfw_buf *out,
				    struct medfw_diag *diag)
{
	size_t start = out->len;
	enum medfw_err err;

	if (value == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "canonical JSON: no value");
	err = encode(value, out, 1, diag);
	if (err != MEDFW_OK) {
		if (err == MEDFW_ERR_TOO_LARGE)
			medfw_diag_set(diag, err, "canonical JSON: more than %zu bytes", out->max);
		out->len = start;
		if (out->data != NULL)
			out->data[start] = 0;
	}
	return err;
}
