/* Bounded JSON parsing, canonical JSON encoding and the typed field accessors. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "medfw/json.h"

#define BIG (1024u * 1024u)

/* Parse a NUL-terminated literal with generous limits except the given depth;
 * on failure assert *out was cleared. */
static enum medfw_err parse_depth(const char *text, unsigned max_depth, json_t **out,
				  struct medfw_diag *diag)
{
	static json_t sentinel_storage;
	enum medfw_err err;

	*out = &sentinel_storage; /* must be overwritten either way */
	medfw_diag_clear(diag);
	err = medfw_json_parse((const uint8_t *)text, strlen(text), BIG, max_depth, out, diag);
	if (err != MEDFW_OK) {
		assert_null(*out);
		assert_int_equal(diag->err, err);
		assert_true(diag->msg[0] != 0);
	} else {
		assert_non_null(*out);
		assert_true(*out != &sentinel_storage);
	}
	return err;
}

static enum medfw_err parse(const char *text, json_t **out, struct medfw_diag *diag)
{
	return parse_depth(text, MEDFW_JSON_MAX_DEPTH, out, diag);
}

/* Expect `text` to be rejected with `want`, whatever the limits. */
static void expect_reject(const char *text, size_t len, enum medfw_err want)
{
	struct medfw_diag d;
	json_t *v = (json_t *)(uintptr_t)1;

	medfw_diag_clear(&d);
	assert_int_equal(medfw_json_parse((const uint8_t *)text, len, BIG, MEDFW_JSON_MAX_DEPTH,
					  &v, &d),
			 want);
	assert_null(v);
	assert_int_equal(d.err, want);
}

#define REJECT(lit, want) expect_reject((lit), sizeof(lit) - 1, (want))

/* Canonical encoding of a parsed literal, compared with the expected bytes. */
static void expect_canonical_len(const char *text, const char *want, size_t want_len)
{
	struct medfw_diag d;
	struct medfw_buf b;
	json_t *v;

	assert_int_equal(parse(text, &v, &d), MEDFW_OK);
	medfw_buf_init(&b, BIG);
	medfw_diag_clear(&d);
	assert_int_equal(medfw_json_canonical(v, &b, &d), MEDFW_OK);
	if (b.len != want_len || memcmp(b.data, want, want_len) != 0)
		fail_msg("canonical of %s: got %.*s, want %s", text, (int)b.len, (char *)b.data,
			 want);
	medfw_buf_free(&b);
	json_decref(v);
}

#define CANON(text, lit) expect_canonical_len((text), (lit), sizeof(lit) - 1)

/* Canonical encoding of a tree built in C (for values JSON text cannot express raw). */
static void expect_canonical_tree(json_t *v, const char *want, size_t want_len)
{
	struct medfw_buf b;

	assert_non_null(v);
	medfw_buf_init(&b, BIG);
	assert_int_equal(medfw_json_canonical(v, &b, NULL), MEDFW_OK);
	assert_int_equal(b.len, want_len);
	assert_memory_equal(b.data, want, want_len);
	medfw_buf_free(&b);
	json_decref(v);
}

#define CANON_TREE(v, lit) expect_canonical_tree((v), (lit), sizeof(lit) - 1)

/* ---- parsing ---------------------------------------------------------------- */

static void test_parse_ok(void **state)
{
	struct medfw_diag d;
	json_t *v;

	(void)state;
	assert_int_equal(parse("{\"a\": [1, \"x\", true, false, null, {}], \"b\": -5}", &v, &d),
			 MEDFW_OK);
	assert_true(json_is_object(v));
	assert_int_equal(json_integer_value(json_object_get(v, "b")), -5);
	json_decref(v);
	/* Any top-level value, surrounded by whitespace. */
	assert_int_equal(parse(" \n\t42 \r\n", &v, &d), MEDFW_OK);
	assert_int_equal(json_integer_value(v), 42);
	json_decref(v);
	assert_int_equal(parse("\"s\"", &v, &d), MEDFW_OK);
	assert_string_equal(json_string_value(v), "s");
	json_decref(v);
	assert_int_equal(parse("null", &v, &d), MEDFW_OK);
	assert_true(json_is_null(v));
	json_decref(v);
	/* The int64 extremes. */
	assert_int_equal(parse("[9223372036854775807, -9223372036854775808]", &v, &d), MEDFW_OK);
	assert_true(json_integer_value(json_array_get(v, 0)) == INT64_MAX);
	assert_true(json_integer_value(json_array_get(v, 1)) == INT64_MIN);
	json_decref(v);
	/* Escapes and non-ASCII decode to UTF-8. */
	assert_int_equal(parse("[\"\\u00e9\\ud83d\\ude00\\/\", \"\xc3\xa9\"]", &v, &d), MEDFW_OK);
	assert_string_equal(json_string_value(json_array_get(v, 0)),
			    "\xc3\xa9\xf0\x9f\x98\x80/");
	assert_string_equal(json_string_value(json_array_get(v, 1)), "\xc3\xa9");
	json_decref(v);
}

static void test_parse_too_large(void **state)
{
	struct medfw_diag d;
	json_t *v = (json_t *)(uintptr_t)1;
	const char *doc = "{\"a\": 1}";

	(void)state;
	medfw_diag_clear(&d);
	assert_int_equal(medfw_json_parse((const uint8_t *)doc, 8, 8, 4, &v, &d), MEDFW_OK);
	json_decref(v);
	v = (json_t *)(uintptr_t)1;
	medfw_diag_clear(&d);
	assert_int_equal(medfw_json_parse((const uint8_t *)doc, 8, 7, 4, &v, &d),
			 MEDFW_ERR_TOO_LARGE);
	assert_null(v);
	assert_non_null(strstr(d.msg, "7"));
	/* Checked before any parsing: too deep and malformed input still says too large. */
	medfw_diag_clear(&d);
	assert_int_equal(medfw_json_parse((const uint8_t *)"[[[[[[[[", 8, 7, 1, &v, &d),
			 MEDFW_ERR_TOO_LARGE);
	assert_null(v);
}

static void test_parse_depth(void **state)
{
	struct medfw_diag d;
	json_t *v;

	(void)state;
	/* A top-level container is depth 1. */
	assert_int_equal(parse_depth("[]", 1, &v, &d), MEDFW_OK);
	json_decref(v);
	assert_int_equal(parse_depth("[[]]", 1, &v, &d), MEDFW_ERR_TOO_DEEP);
	assert_non_null(strstr(d.msg, "offset 1"));
	assert_int_equal(parse_depth("1", 0, &v, &d), MEDFW_OK);
	json_decref(v);
	assert_int_equal(parse_depth("{}", 0, &v, &d), MEDFW_ERR_TOO_DEEP);

	/* Exactly at the limit passes; one more fails, naming the offending byte. */
	assert_int_equal(parse_depth("[[[1]]]", 3, &v, &d), MEDFW_OK);
	json_decref(v);
	assert_int_equal(parse_depth("[[[[1]]]]", 3, &v, &d), MEDFW_ERR_TOO_DEEP);
	assert_non_null(strstr(d.msg, "offset 3"));
	assert_int_equal(parse_depth("{\"a\": {\"b\": [1]}}", 3, &v, &d), MEDFW_OK);
	json_decref(v);
	assert_int_equal(parse_depth("{\"a\": {\"b\": [{}]}}", 3, &v, &d), MEDFW_ERR_TOO_DEEP);
	assert_non_null(strstr(d.msg, "offset 13"));
	/* Siblings do not add up. */
	assert_int_equal(parse_depth("[[1], [2], {\"a\": [3]}]", 3, &v, &d), MEDFW_OK);
	json_decref(v);

	/* Brackets inside strings (values and keys) do not count. */
	assert_int_equal(parse_depth("[\"[[[[{{{{\", {\"[[[{{\": \"]]]\"}]", 2, &v, &d), MEDFW_OK);
	json_decref(v);
	/* An escaped quote does not end the string... */
	assert_int_equal(parse_depth("[\"\\\"[[[[\", 1]", 1, &v, &d), MEDFW_OK);
	json_decref(v);
	/* ...but an escaped backslash before a quote does. */
	assert_int_equal(parse_depth("[\"\\\\\", [[1]]]", 3, &v, &d), MEDFW_OK);
	json_decref(v);
	assert_int_equal(parse_depth("[\"\\\\\", [[1]]]", 2, &v, &d), MEDFW_ERR_TOO_DEEP);
	assert_non_null(strstr(d.msg, "offset 8"));

	/* Far deeper than jansson's own recursive limit: rejected by the pre-scan. */
	{
		static char deep[100001];

		memset(deep, '[', sizeof(deep) - 1);
		deep[sizeof(deep) - 1] = 0;
		assert_int_equal(parse_depth(deep, MEDFW_JSON_MAX_DEPTH, &v, &d),
				 MEDFW_ERR_TOO_DEEP);
		memset(deep, '{', sizeof(deep) - 1);
		assert_int_equal(parse_depth(deep, MEDFW_JSON_MAX_DEPTH, &v, &d),
				 MEDFW_ERR_TOO_DEEP);
	}
	/* Unbalanced closers cannot lower the count below zero or hide depth. */
	assert_int_equal(parse_depth("]]]][[[1]]]", 2, &v, &d), MEDFW_ERR_TOO_DEEP);
}

static void test_parse_rejects(void **state)
{
	struct medfw_diag d;
	json_t *v;

	(void)state;
	/* Duplicate keys, at the top and nested. */
	REJECT("{\"a\": 1, \"a\": 2}", MEDFW_ERR_JSON_SYNTAX);
	REJECT("{\"a\": 1, \"b\": {\"c\": 1, \"c\": 1}}", MEDFW_ERR_JSON_SYNTAX);
	REJECT("{\"a\": 1, \"\\u0061\": 2}", MEDFW_ERR_JSON_SYNTAX);
	assert_int_equal(parse("{\"a\": 1, \"b\": {\"a\": 1}}", &v, &d), MEDFW_OK);
	json_decref(v);

	/* NUL, escaped or raw, in values and in keys. */
	REJECT("[\"a\\u0000b\"]", MEDFW_ERR_JSON_SYNTAX);
	REJECT("{\"a\\u0000\": 1}", MEDFW_ERR_JSON_SYNTAX);
	REJECT("[\"a\0b\"]", MEDFW_ERR_JSON_SYNTAX);
	REJECT("[1]\0", MEDFW_ERR_JSON_SYNTAX);
	/* Raw control characters in strings are not JSON. */
	REJECT("[\"a\nb\"]", MEDFW_ERR_JSON_SYNTAX);

	/* Invalid UTF-8: stray byte, overlong, encoded surrogate, truncated sequence,
	 * beyond U+10FFFF; and a lone surrogate escape. */
	REJECT("[\"\xff\"]", MEDFW_ERR_JSON_SYNTAX);
	REJECT("[\"\xc0\xaf\"]", MEDFW_ERR_JSON_SYNTAX);
	REJECT("[\"\xed\xa0\x80\"]", MEDFW_ERR_JSON_SYNTAX);
	REJECT("[\"\xe2\x82\"]", MEDFW_ERR_JSON_SYNTAX);
	REJECT("[\"\xf4\x90\x80\x80\"]", MEDFW_ERR_JSON_SYNTAX);
	REJECT("{\"\x80\": 1}", MEDFW_ERR_JSON_SYNTAX);
	REJECT("[\"\\ud800\"]", MEDFW_ERR_JSON_SYNTAX);

	/* Trailing data. */
	REJECT("{} x", MEDFW_ERR_JSON_SYNTAX);
	REJECT("{}{}", MEDFW_ERR_JSON_SYNTAX);
	REJECT("1 2", MEDFW_ERR_JSON_SYNTAX);
	REJECT("[1],", MEDFW_ERR_JSON_SYNTAX);

	/* Truncated. */
	REJECT("{\"a\":", MEDFW_ERR_JSON_SYNTAX);
	REJECT("{\"a\": 1", MEDFW_ERR_JSON_SYNTAX);
	REJECT("[\"abc", MEDFW_ERR_JSON_SYNTAX);
	REJECT("[\"\\u00", MEDFW_ERR_JSON_SYNTAX);
	REJECT("tru", MEDFW_ERR_JSON_SYNTAX);

	/* Empty and whitespace-only. */
	REJECT("", MEDFW_ERR_JSON_SYNTAX);
	REJECT(" \n ", MEDFW_ERR_JSON_SYNTAX);
	expect_reject(NULL, 0, MEDFW_ERR_JSON_SYNTAX);

	/* Other malformed input. */
	REJECT("{'a': 1}", MEDFW_ERR_JSON_SYNTAX);
	REJECT("[1,]", MEDFW_ERR_JSON_SYNTAX);
	REJECT("[01]", MEDFW_ERR_JSON_SYNTAX);
	REJECT("[NaN]", MEDFW_ERR_JSON_SYNTAX);
	REJECT("{\"a\" 1}", MEDFW_ERR_JSON_SYNTAX);
	REJECT("]", MEDFW_ERR_JSON_SYNTAX);

	/* Integers beyond int64 are rejected (documented), not wrapped or turned real. */
	REJECT("[9223372036854775808]", MEDFW_ERR_JSON_SYNTAX);
	REJECT("[-9223372036854775809]", MEDFW_ERR_JSON_SYNTAX);
}

static void test_parse_message(void **state)
{
	struct medfw_diag d;
	json_t *v;

	(void)state;
	assert_int_equal(parse("{\n  \"a\": 1,\n  \"b\": x\n}", &v, &d), MEDFW_ERR_JSON_SYNTAX);
	assert_non_null(strstr(d.msg, "line 3"));
	assert_non_null(strstr(d.msg, "column"));
	assert_int_equal(parse("{\"k\": 1, \"k\": 2}", &v, &d), MEDFW_ERR_JSON_SYNTAX);
	assert_non_null(strstr(d.msg, "duplicate"));

	/* NULL diag is fine; NULL out is an argument error. */
	v = (json_t *)(uintptr_t)1;
	assert_int_equal(medfw_json_parse((const uint8_t *)"[", 1, 10, 4, &v, NULL),
			 MEDFW_ERR_JSON_SYNTAX);
	assert_null(v);
	assert_int_equal(medfw_json_parse((const uint8_t *)"1", 1, 10, 4, NULL, NULL),
			 MEDFW_ERR_INVALID_ARG);
	assert_int_equal(medfw_json_parse(NULL, 1, 10, 4, &v, NULL), MEDFW_ERR_INVALID_ARG);
	assert_null(v);
}

/* Fail jansson's Nth allocation: every failure has *out NULL and a message, nothing
 * leaks (ASan), and with enough allocations the parse succeeds. jansson reports most
 * allocation failures as syntax errors, so both codes are accepted. */
static size_t alloc_budget;

static void *failing_malloc(size_t n)
{
	if (alloc_budget == 0)
		return NULL;
	alloc_budget--;
	return malloc(n);
}

static void test_parse_alloc_failure(void **state)
{
	static const char doc[] = "{\"signed\": {\"keys\": {\"k\": [1, \"two\", {\"x\": null}]}, "
				  "\"long string value that needs its own buffer\": true}}";
	struct medfw_diag d;
	enum medfw_err err = MEDFW_ERR_NOMEM;
	json_t *v = NULL;
	size_t n;

	(void)state;
	for (n = 0; n < 1000 && err != MEDFW_OK; n++) {
		v = (json_t *)(uintptr_t)1;
		medfw_diag_clear(&d);
		alloc_budget = n;
		json_set_alloc_funcs(failing_malloc, free);
		err = medfw_json_parse((const uint8_t *)doc, sizeof(doc) - 1, BIG, 8, &v, &d);
		json_set_alloc_funcs(malloc, free);
		if (err != MEDFW_OK) {
			assert_true(err == MEDFW_ERR_NOMEM || err == MEDFW_ERR_JSON_SYNTAX);
			assert_null(v);
			assert_true(d.msg[0] != 0);
		}
	}
	assert_int_equal(err, MEDFW_OK);
	assert_true(n > 1);
	json_decref(v);
}

/* ---- canonical JSON --------------------------------------------------------- */

static void test_canonical_basic(void **state)
{
	(void)state;
	CANON("{ \"b\" : 1 , \"a\" : [ 1 , 2 ] }", "{\"a\":[1,2],\"b\":1}");
	CANON("{}", "{}");
	CANON("[]", "[]");
	CANON("[{}, [], [[]], {\"a\": {}}]", "[{},[],[[]],{\"a\":{}}]");
	CANON("[true, false, null]", "[true,false,null]");
	CANON("\"\"", "\"\"");
	CANON("0", "0");
	CANON("-0", "0");
	CANON("[-1, 9223372036854775807, -9223372036854775808, 1000000000000]",
	      "[-1,9223372036854775807,-9223372036854775808,1000000000000]");
	CANON("{\"x\": {\"z\": [1, {\"b\": null, \"a\": true}], \"y\": \"s\"}}",
	      "{\"x\":{\"y\":\"s\",\"z\":[1,{\"a\":true,\"b\":null}]}}");
}

static void test_canonical_key_order(void **state)
{
	(void)state;
	/* By code point: "" < "A" < "Z" < "_" < "a" < "a\x01" < "ab" < "b" < "z" < U+00E9
	 * < U+FB01 < U+1F600 (beyond the BMP sorts last, unlike UTF-16 order). */
	CANON("{\"z\":1,\"b\":2,\"ab\":3,\"a\\u0001\":4,\"a\":5,\"_\":6,\"Z\":7,\"A\":8,\"\":9,"
	      "\"\\ud83d\\ude00\":10,\"\\ufb01\":11,\"\\u00e9\":12}",
	      "{\"\":9,\"A\":8,\"Z\":7,\"_\":6,\"a\":5,\"a\x01\":4,\"ab\":3,\"b\":2,\"z\":1,"
	      "\"\xc3\xa9\":12,\"\xef\xac\x81\":11,\"\xf0\x9f\x98\x80\":10}");
	/* Keys that are prefixes of each other, inserted longest first. */
	CANON("{\"abc\":1,\"ab\":2,\"a\":3,\"abcd\":4}", "{\"a\":3,\"ab\":2,\"abc\":1,\"abcd\":4}");
	/* Escaped characters sort by their value, not their escape. */
	CANON("{\"\\\\\":1,\"\\\"\":2,\"#\":3}", "{\"\\\"\":2,\"#\":3,\"\\\\\":1}");
}

static void test_canonical_strings(void **state)
{
	(void)state;
	/* Only backslash and quote are escaped. */
	CANON("[\"a\\\"b\\\\c\"]", "[\"a\\\"b\\\\c\"]");
	CANON("[\"\\\"\\\"\\\\\\\\\"]", "[\"\\\"\\\"\\\\\\\\\"]");
	CANON("[\"\\/\"]", "[\"/\"]");
	/* Control characters are emitted raw. */
	CANON("[\"\\n\\t\\r\\b\\f\\u0001\\u001f\\u007f\"]", "[\"\n\t\r\b\f\x01\x1f\x7f\"]");
	/* Non-ASCII as UTF-8, whether escaped or raw in the input. */
	CANON("[\"\\u00e9\", \"\xc3\xa9\", \"\\u2028\", \"\\ud83d\\ude00\"]",
	      "[\"\xc3\xa9\",\"\xc3\xa9\",\"\xe2\x80\xa8\",\"\xf0\x9f\x98\x80\"]");
	CANON("{\"cl\\u00e9\": \"\\\"q\\\"\"}", "{\"cl\xc3\xa9\":\"\\\"q\\\"\"}");
	/* Trees built in C: raw control characters and an embedded NUL pass through. */
	CANON_TREE(json_pack("{s:s}", "k\x01", "v\x1f"), "{\"k\x01\":\"v\x1f\"}");
	CANON_TREE(json_stringn("a\0b", 3), "\"a\0b\"");
}

static void test_canonical_real_rejected(void **state)
{
	struct medfw_diag d;
	struct medfw_buf b;
	json_t *v;

	(void)state;
	assert_int_equal(parse("{\"a\": [1, \"xyz\", {\"b\": 2.5}], \"c\": 1}", &v, &d), MEDFW_OK);
	medfw_buf_init(&b, BIG);
	assert_int_equal(medfw_buf_append_str(&b, "prefix"), MEDFW_OK);
	medfw_diag_clear(&d);
	assert_int_equal(medfw_json_canonical(v, &b, &d), MEDFW_ERR_NOT_CANONICAL);
	assert_int_equal(d.err, MEDFW_ERR_NOT_CANONICAL);
	assert_int_equal(b.len, 6);
	assert_string_equal((char *)b.data, "prefix");
	json_decref(v);

	const char *reals[] = {"1.0", "1e2", "-0.0", "[0.5]", "{\"a\": 1E-3}"};
	for (size_t i = 0; i < sizeof(reals) / sizeof(reals[0]); i++) {
		assert_int_equal(parse(reals[i], &v, &d), MEDFW_OK);
		assert_true(json_is_real(v) || json_is_array(v) || json_is_object(v));
		assert_int_equal(medfw_json_canonical(v, &b, NULL), MEDFW_ERR_NOT_CANONICAL);
		assert_int_equal(b.len, 6);
		assert_string_equal((char *)b.data, "prefix");
		json_decref(v);
	}
	medfw_buf_free(&b);
}

static void test_canonical_limits(void **state)
{
	struct medfw_diag d;
	struct medfw_buf b;
	json_t *v, *inner;

	(void)state;
	/* {"abc":1} is 9 bytes: fits in 9, not in 8; the buffer keeps its contents. */
	assert_int_equal(parse("{\"abc\": 1}", &v, &d), MEDFW_OK);
	medfw_buf_init(&b, 9);
	assert_int_equal(medfw_json_canonical(v, &b, NULL), MEDFW_OK);
	assert_int_equal(b.len, 9);
	medfw_buf_free(&b);
	for (size_t max = 0; max < 9; max++) {
		medfw_buf_init(&b, max);
		medfw_diag_clear(&d);
		assert_int_equal(medfw_json_canonical(v, &b, &d), MEDFW_ERR_TOO_LARGE);
		assert_int_equal(d.err, MEDFW_ERR_TOO_LARGE);
		assert_int_equal(b.len, 0);
		assert_true(b.data == NULL || b.data[0] == 0);
		medfw_buf_free(&b);
	}
	medfw_buf_init(&b, 12);
	assert_int_equal(medfw_buf_append_str(&b, "xyz"), MEDFW_OK);
	assert_int_equal(medfw_json_canonical(v, &b, NULL), MEDFW_OK);
	assert_string_equal((char *)b.data, "xyz{\"abc\":1}");
	assert_int_equal(medfw_json_canonical(v, &b, NULL), MEDFW_ERR_TOO_LARGE);
	assert_int_equal(b.len, 12);
	assert_string_equal((char *)b.data, "xyz{\"abc\":1}");
	medfw_buf_free(&b);
	json_decref(v);

	/* Integer at the limit goes through buf_printf. */
	assert_int_equal(parse("[-9223372036854775808]", &v, &d), MEDFW_OK);
	medfw_buf_init(&b, 10);
	assert_int_equal(medfw_json_canonical(v, &b, NULL), MEDFW_ERR_TOO_LARGE);
	assert_int_equal(b.len, 0);
	medfw_buf_free(&b);
	json_decref(v);

	/* Trees built in C are bounded too: depth MEDFW_JSON_MAX_DEPTH * 4. */
	v = json_array();
	for (unsigned i = 1; i < MEDFW_JSON_MAX_DEPTH * 4; i++) {
		inner = json_array();
		assert_int_equal(json_array_append_new(inner, v), 0);
		v = inner;
	}
	medfw_buf_init(&b, BIG);
	assert_int_equal(medfw_json_canonical(v, &b, NULL), MEDFW_OK);
	assert_int_equal(b.len, 2 * MEDFW_JSON_MAX_DEPTH * 4);
	medfw_buf_reset(&b);
	inner = json_array();
	assert_int_equal(json_array_append_new(inner, v), 0);
	v = inner;
	assert_int_equal(medfw_json_canonical(v, &b, NULL), MEDFW_ERR_TOO_DEEP);
	assert_int_equal(b.len, 0);
	medfw_buf_free(&b);
	json_decref(v);

	medfw_buf_init(&b, BIG);
	assert_int_equal(medfw_json_canonical(NULL, &b, NULL), MEDFW_ERR_INVALID_ARG);
	medfw_buf_free(&b);
}

/* ---- field accessors -------------------------------------------------------- */

static void test_get(void **state)
{
	struct medfw_diag d;
	json_t *doc, *o;
	const char *s;
	int64_t i;
	int bv;

	(void)state;
	assert_int_equal(parse("{\"o\": {}, \"a\": [], \"s\": \"str\", \"i\": 42, \"t\": true, "
			       "\"f\": false, \"n\": null, \"r\": 1.5, \"neg\": -7}",
			       &doc, &d),
			 MEDFW_OK);

	assert_int_equal(medfw_json_get_object(doc, "doc", "o", &o, NULL), MEDFW_OK);
	assert_true(o == json_object_get(doc, "o"));
	assert_int_equal(medfw_json_get_array(doc, "doc", "a", &o, NULL), MEDFW_OK);
	assert_true(json_is_array(o));
	assert_int_equal(medfw_json_get_string(doc, "doc", "s", &s, NULL), MEDFW_OK);
	assert_string_equal(s, "str");
	assert_int_equal(medfw_json_get_int(doc, "doc", "i", 0, 100, &i, NULL), MEDFW_OK);
	assert_int_equal(i, 42);
	assert_int_equal(medfw_json_get_int(doc, "doc", "i", 42, 42, &i, NULL), MEDFW_OK);
	assert_int_equal(medfw_json_get_int(doc, "doc", "neg", INT64_MIN, 0, &i, NULL), MEDFW_OK);
	assert_int_equal(i, -7);
	assert_int_equal(medfw_json_get_bool(doc, "doc", "t", &bv, NULL), MEDFW_OK);
	assert_int_equal(bv, 1);
	assert_int_equal(medfw_json_get_bool(doc, "doc", "f", &bv, NULL), MEDFW_OK);
	assert_int_equal(bv, 0);

	/* Missing: each accessor clears its output and names what and key. */
	o = doc;
	medfw_diag_clear(&d);
	assert_int_equal(medfw_json_get_object(doc, "root.signed", "nope", &o, &d),
			 MEDFW_ERR_FIELD_MISSING);
	assert_null(o);
	assert_non_null(strstr(d.msg, "root.signed"));
	assert_non_null(strstr(d.msg, "nope"));
	o = doc;
	assert_int_equal(medfw_json_get_array(doc, "doc", "nope", &o, NULL),
			 MEDFW_ERR_FIELD_MISSING);
	assert_null(o);
	s = "x";
	assert_int_equal(medfw_json_get_string(doc, "doc", "nope", &s, NULL),
			 MEDFW_ERR_FIELD_MISSING);
	assert_null(s);
	i = 5;
	assert_int_equal(medfw_json_get_int(doc, "doc", "nope", 0, 10, &i, NULL),
			 MEDFW_ERR_FIELD_MISSING);
	assert_int_equal(i, 0);
	bv = 1;
	assert_int_equal(medfw_json_get_bool(doc, "doc", "nope", &bv, NULL),
			 MEDFW_ERR_FIELD_MISSING);
	assert_int_equal(bv, 0);

	/* Wrong type (null is a present field of the wrong type, not missing). */
	o = doc;
	medfw_diag_clear(&d);
	assert_int_equal(medfw_json_get_object(doc, "doc", "a", &o, &d), MEDFW_ERR_FIELD_TYPE);
	assert_null(o);
	assert_non_null(strstr(d.msg, "\"a\""));
	o = doc;
	assert_int_equal(medfw_json_get_array(doc, "doc", "o", &o, NULL), MEDFW_ERR_FIELD_TYPE);
	assert_null(o);
	s = "x";
	assert_int_equal(medfw_json_get_string(doc, "doc", "i", &s, NULL), MEDFW_ERR_FIELD_TYPE);
	assert_null(s);
	s = "x";
	assert_int_equal(medfw_json_get_string(doc, "doc", "n", &s, NULL), MEDFW_ERR_FIELD_TYPE);
	assert_null(s);
	i = 5;
	assert_int_equal(medfw_json_get_int(doc, "doc", "r", 0, 10, &i, NULL),
			 MEDFW_ERR_FIELD_TYPE);
	assert_int_equal(i, 0);
	i = 5;
	assert_int_equal(medfw_json_get_int(doc, "doc", "t", 0, 10, &i, NULL),
			 MEDFW_ERR_FIELD_TYPE);
	assert_int_equal(i, 0);
	i = 5;
	assert_int_equal(medfw_json_get_int(doc, "doc", "s", 0, 10, &i, NULL),
			 MEDFW_ERR_FIELD_TYPE);
	assert_int_equal(i, 0);
	bv = 1;
	assert_int_equal(medfw_json_get_bool(doc, "doc", "i", &bv, NULL), MEDFW_ERR_FIELD_TYPE);
	assert_int_equal(bv, 0);
	bv = 1;
	assert_int_equal(medfw_json_get_bool(doc, "doc", "n", &bv, NULL), MEDFW_ERR_FIELD_TYPE);
	assert_int_equal(bv, 0);

	/* Out of range, on both sides. */
	i = 5;
	medfw_diag_clear(&d);
	assert_int_equal(medfw_json_get_int(doc, "doc", "i", 0, 41, &i, &d),
			 MEDFW_ERR_FIELD_VALUE);
	assert_int_equal(i, 0);
	assert_non_null(strstr(d.msg, "42"));
	i = 5;
	assert_int_equal(medfw_json_get_int(doc, "doc", "i", 43, 100, &i, NULL),
			 MEDFW_ERR_FIELD_VALUE);
	assert_int_equal(i, 0);
	i = 5;
	assert_int_equal(medfw_json_get_int(doc, "doc", "neg", 0, INT64_MAX, &i, NULL),
			 MEDFW_ERR_FIELD_VALUE);
	assert_int_equal(i, 0);

	/* Not an object to look in. */
	o = doc;
	assert_int_equal(medfw_json_get_object(json_object_get(doc, "a"), "doc.a", "k", &o, NULL),
			 MEDFW_ERR_FIELD_TYPE);
	assert_null(o);
	s = "x";
	assert_int_equal(medfw_json_get_string(NULL, "doc", "k", &s, NULL), MEDFW_ERR_FIELD_TYPE);
	assert_null(s);
	json_decref(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_ok),
		cmocka_unit_test(test_parse_too_large),
		cmocka_unit_test(test_parse_depth),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_parse_message),
		cmocka_unit_test(test_parse_alloc_failure),
		cmocka_unit_test(test_canonical_basic),
		cmocka_unit_test(test_canonical_key_order),
		cmocka_unit_test(test_canonical_strings),
		cmocka_unit_test(test_canonical_real_rejected),
		cmocka_unit_test(test_canonical_limits),
		cmocka_unit_test(test_get),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
