/* vers and version ordering: every vers test file in testdata/vers/tests (found by
 * listing the directory), the univers Debian and OpenSSL ordering data, and our own
 * cases for each scheme, the vers rules, containment and native ranges. */
#include "testutil.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "medfw/json.h"
#include "medfw/vers.h"
#include "medfw/version.h"

/* Vectors we do not pass, each with the reason. The runner asserts that each one
 * really fails (so a fix or a data change is noticed). Keep this list near empty. */
struct known_deviation {
	const char *file;
	const char *test_type;
	const char *input; /* vers text or native range */
	const char *reason;
};

static const struct known_deviation known[] = {
	/* The union of "1.5.0+" (>=1.5.0, mainline: open-ended) and "1.4.1+" (>=1.4.1
	 * <1.5.0) is >=1.4.1. The expected text ">=1.4.1|<1.5.0|>=1.5.0" names 1.5.0
	 * twice, which clause 5.4 forbids ("Tools shall report an error for duplicated
	 * versions"): we emit the merged, valid range. */
	{"nginx_range_from_native_test.json", "from_native", "1.5.0+, 1.4.1+",
	 "expected output repeats a version (invalid vers); we merge the union"},
	/* Validate vectors whose input is expected to be canonical as it is, but whose
	 * comparators break clause 5.4 (two lower bounds in a row, an equality followed
	 * by '<', a repeated version). Our normalisation (lenient parse + canonical
	 * text) reproduces the expected text; our strict parser rejects them, as the
	 * standard requires. The deviation recorded here is that strict rejection. */
	{"pypi_range_validate_test.json", "validate",
	 "vers:pypi/>0.0.0|>=0.0.1|0.0.2|<0.0.3|0.0.4|<0.0.5|>=0.0.6",
	 "input breaks clause 5.4 (strict parse rejects it)"},
	{"pypi_range_validate_test.json", "validate",
	 "vers:pypi/>0.0.0|>=0.0.1|>=0.0.1|0.0.2|0.0.3|0.0.4|<0.0.5|<=0.0.6|!=0.7|8.0|>12|<15.3",
	 "input breaks clause 5.4 and repeats 0.0.1 (strict parse rejects it)"},
	{"pypi_range_validate_test.json", "validate",
	 "vers:pypi/>0.0.0|>=0.0.1|0.0.2|0.0.3|0.0.4|<0.0.5|>=0.0.6|!=0.8",
	 "input breaks clause 5.4 (strict parse rejects it)"},
};

struct tally {
	size_t files, tests, passed, deviations;
};

static const char *opt_string(const json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static const char *test_input_key(const json_t *t)
{
	json_t *in = json_object_get(t, "input");

	if (json_is_string(in))
		return json_string_value(in);
	if (opt_string(in, "native_range") != NULL)
		return opt_string(in, "native_range");
	return opt_string(in, "vers");
}

static const struct known_deviation *find_known(const char *file, const json_t *t)
{
	const char *type = opt_string(t, "test_type");
	const char *input = test_input_key(t);
	size_t i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(known[i].file, file) == 0 && type != NULL &&
		    strcmp(known[i].test_type, type) == 0 && input != NULL &&
		    strcmp(known[i].input, input) == 0)
			return &known[i];
	return NULL;
}

static char *vers_text(const struct medfw_vers *v)
{
	struct medfw_buf b;
	size_t n;

	medfw_buf_init(&b, 1024 * 1024);
	assert_int_equal(medfw_vers_to_string(v, &b, NULL), MEDFW_OK);
	assert_int_equal(medfw_buf_append(&b, "", 1), MEDFW_OK);
	return (char *)medfw_buf_steal(&b, &n);
}

static enum medfw_version_scheme scheme_of(const json_t *in)
{
	const char *name = opt_string(in, "input_scheme");

	if (name == NULL)
		name = opt_string(in, "scheme");
	return medfw_version_scheme_from_name(name);
}

/* Stable insertion sort of versions in a scheme; 0 when a comparison fails. */
static int sort_versions(enum medfw_version_scheme s, const char **v, size_t n, char *why,
			 size_t cap)
{
	size_t i, j;

	for (i = 1; i < n; i++) {
		const char *x = v[i];

		for (j = i; j > 0; j--) {
			struct medfw_diag d;
			int c = 0;

			medfw_diag_clear(&d);
			if (medfw_version_compare(s, v[j - 1], x, &c, &d) != MEDFW_OK) {
				snprintf(why, cap, "%s", d.msg);
				return 0;
			}
			if (c <= 0)
				break;
			v[j] = v[j - 1];
		}
		v[j] = x;
	}
	return 1;
}

/* Sorted versions against the expected order: each position holds the expected
 * string, or one equal to it in the scheme (the expected lists of some files are
 * normalised, e.g. NuGet labels lowercased). */
static int same_order(enum medfw_version_scheme s, const char **got, const json_t *want,
		      size_t n, char *why, size_t cap)
{
	size_t i;

	if (!json_is_array(want) || json_array_size(want) != n) {
		snprintf(why, cap, "expected list has another length");
		return 0;
	}
	for (i = 0; i < n; i++) {
		const char *w = json_string_value(json_array_get(want, i));
		int c = 1;

		if (w == NULL)
			return 0;
		if (strcmp(got[i], w) == 0)
			continue;
		if (medfw_version_compare(s, got[i], w, &c, NULL) != MEDFW_OK || c != 0) {
			snprintf(why, cap, "position %zu: got %s, want %s", i, got[i], w);
			return 0;
		}
	}
	return 1;
}

static int run_comparison(const json_t *in, const json_t *want, char *why, size_t cap)
{
	enum medfw_version_scheme s = scheme_of(in);
	json_t *versions = json_object_get(in, "versions");
	const char *v[64];
	size_t n = json_array_size(versions), i;

	if (s == MEDFW_VERSION_SCHEME_UNKNOWN || n == 0 || n > 64) {
		snprintf(why, cap, "unknown scheme or bad version list");
		return 0;
	}
	for (i = 0; i < n; i++)
		v[i] = json_string_value(json_array_get(versions, i));
	return sort_versions(s, v, n, why, cap) && same_order(s, v, want, n, why, cap);
}

static int run_equality(const json_t *in, const json_t *want, char *why, size_t cap)
{
	enum medfw_version_scheme s = scheme_of(in);
	json_t *versions = json_object_get(in, "versions");
	struct medfw_diag d;
	int c = 1;

	medfw_diag_clear(&d);
	if (json_array_size(versions) != 2 || !json_is_boolean(want)) {
		snprintf(why, cap, "bad equality test");
		return 0;
	}
	if (medfw_version_compare(s, json_string_value(json_array_get(versions, 0)),
				  json_string_value(json_array_get(versions, 1)), &c,
				  &d) != MEDFW_OK) {
		snprintf(why, cap, "%s", d.msg);
		return 0;
	}
	if ((c == 0) != json_is_true(want)) {
		snprintf(why, cap, "compare gave %d", c);
		return 0;
	}
	return 1;
}

static int run_containment(const json_t *in, const json_t *want, int fail, const char *msg,
			   enum medfw_vers_mode mode, char *why, size_t cap)
{
	const char *text = opt_string(in, "vers"), *version = opt_string(in, "version");
	struct medfw_vers *v = NULL;
	enum medfw_vers_result r = MEDFW_VERS_AFFECTED;
	struct medfw_diag d;
	int ok;

	medfw_diag_clear(&d);
	if (text == NULL || version == NULL) {
		snprintf(why, cap, "bad containment test");
		return 0;
	}
	if (medfw_vers_parse(text, mode, &v, &d) == MEDFW_OK) {
		assert_int_equal(medfw_vers_contains(v, version, &r, &d), MEDFW_OK);
		medfw_vers_free(v);
	} else {
		r = MEDFW_VERS_UNDETERMINED;
	}
	if (fail) {
		/* a failure is an undetermined result with the reason given */
		ok = r == MEDFW_VERS_UNDETERMINED && d.msg[0] != '\0' &&
		     (msg == NULL || strstr(d.msg, msg) != NULL);
		if (!ok)
			snprintf(why, cap, "got %s, message \"%s\"", medfw_vers_result_name(r), d.msg);
		return ok;
	}
	ok = r == (json_is_true(want) ? MEDFW_VERS_AFFECTED : MEDFW_VERS_NOT_AFFECTED);
	if (!ok)
		snprintf(why, cap, "got %s (%s)", medfw_vers_result_name(r), d.msg);
	return ok;
}

static enum medfw_vers_comparator comparator_of(const char *c)
{
	static const struct {
		const char *text;
		enum medfw_vers_comparator k;
	} map[] = {{"", MEDFW_VERS_EQ}, {"=", MEDFW_VERS_EQ}, {"!=", MEDFW_VERS_NE},
		   {"<", MEDFW_VERS_LT},  {"<=", MEDFW_VERS_LE}, {">", MEDFW_VERS_GT},
		   {">=", MEDFW_VERS_GE}, {"*", MEDFW_VERS_ANY}};
	size_t i;

	for (i = 0; c != NULL && i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(map[i].text, c) == 0)
			return map[i].k;
	return (enum medfw_vers_comparator)99;
}

/* The decoded components of a test: {"type"|"scheme", "constraints"|
 * "version_constraints": [[comparator, version], ...]}. */
static const json_t *constraints_of(const json_t *obj)
{
	const json_t *c = json_object_get(obj, "constraints");

	return c != NULL ? c : json_object_get(obj, "version_constraints");
}

static const char *type_of(const json_t *obj)
{
	const char *t = opt_string(obj, "type");

	return t != NULL ? t : opt_string(obj, "scheme");
}

static int run_parse(const json_t *in, const json_t *want, int fail, const char *msg,
		     enum medfw_vers_mode mode, char *why, size_t cap)
{
	struct medfw_vers *v = (struct medfw_vers *)&v;
	const json_t *wc = constraints_of(want);
	struct medfw_diag d;
	enum medfw_err err;
	size_t i;
	int ok = 1;

	medfw_diag_clear(&d);
	err = medfw_vers_parse(json_string_value(in), mode, &v, &d);
	if (fail) {
		/* the message names the broken rule: the part after "non-canonical VERS: " */
		const char *rule = msg != NULL && strstr(msg, ": ") != NULL ? strstr(msg, ": ") + 2 : msg;

		ok = err != MEDFW_OK && v == NULL && d.err == err &&
		     (rule == NULL || strstr(d.msg, rule) != NULL);
		if (!ok)
			snprintf(why, cap, "got %s \"%s\"", medfw_err_name(err), d.msg);
		if (err == MEDFW_OK)
			medfw_vers_free(v);
		return ok;
	}
	if (err != MEDFW_OK) {
		snprintf(why, cap, "rejected: %s", d.msg);
		return 0;
	}
	if (strcmp(v->type, type_of(want)) != 0 || json_array_size(wc) != v->constraint_count)
		ok = 0;
	for (i = 0; ok && i < v->constraint_count; i++) {
		const json_t *pair = json_array_get(wc, i);
		const char *ver = json_string_value(json_array_get(pair, 1));

		if (comparator_of(json_string_value(json_array_get(pair, 0))) !=
			    v->constraints[i].comparator ||
		    ver == NULL || v->constraints[i].version == NULL ||
		    strcmp(ver, v->constraints[i].version) != 0)
			ok = 0;
	}
	if (!ok)
		snprintf(why, cap, "components differ");
	medfw_vers_free(v);
	return ok;
}

/* "validate": the canonical form of the input, by the lenient parser (sorting);
 * when the vector says the input already is canonical, the strict parser must
 * accept it as well. */
static int run_validate(const json_t *in, const json_t *want, int fail, char *why, size_t cap)
{
	const char *text = json_string_value(in), *w = json_string_value(want);
	struct medfw_vers *v = NULL;
	struct medfw_diag d;
	enum medfw_err err;
	char *out;
	int ok;

	medfw_diag_clear(&d);
	err = medfw_vers_parse(text, MEDFW_VERS_LENIENT, &v, &d);
	if (fail)
		return err != MEDFW_OK;
	if (err != MEDFW_OK || w == NULL) {
		snprintf(why, cap, "rejected: %s", d.msg);
		return 0;
	}
	out = vers_text(v);
	ok = strcmp(out, w) == 0 && v->problems == 0;
	if (!ok)
		snprintf(why, cap, "got %s (problems %u)", out, v->problems);
	free(out);
	medfw_vers_free(v);
	if (ok && strcmp(text, w) == 0) {
		medfw_diag_clear(&d);
		ok = medfw_vers_parse(text, MEDFW_VERS_STRICT, &v, &d) == MEDFW_OK;
		if (ok)
			medfw_vers_free(v);
		else
			snprintf(why, cap, "strict parse rejects it: %s", d.msg);
	}
	return ok;
}

static int run_from_native(const json_t *in, const json_t *want, int fail, char *why,
			   size_t cap)
{
	const char *type = opt_string(in, "scheme");
	const char *native = opt_string(in, "native_range");
	struct medfw_buf b;
	struct medfw_diag d;
	enum medfw_err err;
	int ok;

	if (type == NULL)
		type = opt_string(in, "type");
	medfw_diag_clear(&d);
	medfw_buf_init(&b, 64 * 1024);
	err = medfw_vers_from_native(type, native, &b, &d);
	if (fail) {
		ok = err != MEDFW_OK && b.len == 0;
	} else {
		ok = err == MEDFW_OK && medfw_buf_append(&b, "", 1) == MEDFW_OK &&
		     json_is_string(want) && strcmp((char *)b.data, json_string_value(want)) == 0;
		if (!ok)
			snprintf(why, cap, "got %s", err == MEDFW_OK ? (char *)b.data : d.msg);
	}
	medfw_buf_free(&b);
	return ok;
}

static int run_build(const json_t *in, const json_t *want, int fail, enum medfw_vers_mode mode,
		     char *why, size_t cap)
{
	const json_t *cons = constraints_of(in);
	struct medfw_vers_constraint_in c[64];
	struct medfw_vers *v = NULL;
	struct medfw_diag d;
	size_t n = json_array_size(cons), i;
	enum medfw_err err;
	int ok;

	if (n > 64)
		return 0;
	for (i = 0; i < n; i++) {
		const json_t *pair = json_array_get(cons, i);

		c[i].comparator = comparator_of(json_string_value(json_array_get(pair, 0)));
		c[i].version = json_string_value(json_array_get(pair, 1));
	}
	medfw_diag_clear(&d);
	err = medfw_vers_new(type_of(in), c, n, mode, &v, &d);
	if (fail)
		return err != MEDFW_OK && v == NULL;
	if (err != MEDFW_OK) {
		snprintf(why, cap, "rejected: %s", d.msg);
		return 0;
	}
	{
		char *out = vers_text(v);

		ok = json_is_string(want) && strcmp(out, json_string_value(want)) == 0;
		if (!ok)
			snprintf(why, cap, "got %s", out);
		free(out);
	}
	medfw_vers_free(v);
	return ok;
}

static int run_one(const json_t *t, char *why, size_t cap)
{
	const char *type = opt_string(t, "test_type");
	const char *group = opt_string(t, "test_group");
	const char *msg = opt_string(t, "expected_message");
	json_t *in = json_object_get(t, "input");
	json_t *want = json_object_get(t, "expected_output");
	int fail = json_is_true(json_object_get(t, "expected_failure"));
	enum medfw_vers_mode mode =
		group != NULL && strcmp(group, "required") == 0 ? MEDFW_VERS_STRICT : MEDFW_VERS_LENIENT;

	why[0] = '\0';
	if (type == NULL || in == NULL) {
		snprintf(why, cap, "malformed test");
		return 0;
	}
	if (strcmp(type, "comparison") == 0)
		return !fail && run_comparison(in, want, why, cap);
	if (strcmp(type, "equality") == 0)
		return !fail && run_equality(in, want, why, cap);
	if (strcmp(type, "containment") == 0)
		return run_containment(in, want, fail, msg, mode, why, cap);
	if (strcmp(type, "parse") == 0 && json_is_string(in))
		return run_parse(in, want, fail, msg, mode, why, cap);
	if (strcmp(type, "validate") == 0 && json_is_string(in))
		return run_validate(in, want, fail, why, cap);
	if (strcmp(type, "from_native") == 0)
		return run_from_native(in, want, fail, why, cap);
	if (strcmp(type, "build") == 0)
		return run_build(in, want, fail, mode, why, cap);
	snprintf(why, cap, "unsupported test type %s", type);
	return 0;
}

static json_t *load_json(const char *path)
{
	struct medfw_buf b;
	struct medfw_diag d;
	json_t *doc = NULL;

	tu_read_file(path, &b);
	medfw_diag_clear(&d);
	if (medfw_json_parse(b.data, b.len, MEDFW_JSON_MAX_BYTES, MEDFW_JSON_MAX_DEPTH, &doc, &d) !=
	    MEDFW_OK)
		fail_msg("%s: %s", path, d.msg);
	medfw_buf_free(&b);
	return doc;
}

/* A file of vers tests: an object with "tests", or (univers) a bare array. */
static void run_file(const char *dir, const char *file, struct tally *tally)
{
	char path[2048];
	json_t *doc, *tests;
	size_t i;

	tu_path(path, sizeof(path), dir, file);
	doc = load_json(path);
	tests = json_is_array(doc) ? doc : json_object_get(doc, "tests");
	assert_true(json_is_array(tests));
	tally->files++;
	for (i = 0; i < json_array_size(tests); i++) {
		const json_t *t = json_array_get(tests, i);
		const struct known_deviation *k = find_known(file, t);
		char why[2048];
		int passed = run_one(t, why, sizeof(why));

		tally->tests++;
		if (k != NULL) {
			if (passed)
				fail_msg("%s #%zu now passes: remove it from the known deviations", file,
					 i);
			tally->deviations++;
			continue;
		}
		if (!passed)
			fail_msg("%s #%zu (%s %s): %s", file, i, opt_string(t, "test_group"),
				 opt_string(t, "test_type"), why);
		tally->passed++;
	}
	json_decref(doc);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void test_vers_suite(void **state)
{
	char dir[1024];
	char *names[256];
	size_t n = 0, i;
	struct tally t;
	DIR *d;
	struct dirent *e;

	(void)state;
	memset(&t, 0, sizeof(t));
	tu_shared_path(dir, sizeof(dir), "vers/tests");
	d = opendir(dir);
	if (d == NULL)
		fail_msg("cannot open %s", dir);
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);

		if (len > 5 && strcmp(e->d_name + len - 5, ".json") == 0) {
			assert_true(n < 256);
			names[n] = strdup(e->d_name);
			assert_non_null(names[n]);
			n++;
		}
	}
	closedir(d);
	qsort(names, n, sizeof(names[0]), cmp_names);
	for (i = 0; i < n; i++) {
		run_file(dir, names[i], &t);
		free(names[i]);
	}
	tu_shared_path(dir, sizeof(dir), "vers/univers");
	run_file(dir, "deb_version_python_pkg_test.json", &t);
	print_message("vers test suite: %zu files, %zu vectors: %zu passed, %zu known deviations "
		      "(listed in test_vers.c)\n",
		      t.files, t.tests, t.passed, t.deviations);
	assert_true(t.files >= 17);
	assert_int_equal(t.passed + t.deviations, t.tests);
	assert_int_equal(t.deviations, sizeof(known) / sizeof(known[0]));
}

/* univers: sorting openssl_all_versions.txt gives openssl_versort_expected.json. */
static void test_openssl_versort(void **state)
{
	char path[1024], why[256];
	struct medfw_buf b;
	const char *v[512];
	char *line, *end;
	json_t *want;
	size_t n = 0, i;

	(void)state;
	tu_shared_path(path, sizeof(path), "vers/univers/openssl_all_versions.txt");
	tu_read_file(path, &b);
	end = (char *)b.data + b.len;
	for (line = (char *)b.data; line < end;) {
		char *nl = memchr(line, '\n', (size_t)(end - line));
		size_t l = (size_t)((nl != NULL ? nl : end) - line);

		while (l > 0 && (line[l - 1] == '\r' || line[l - 1] == ' '))
			l--;
		line[l] = '\0';
		if (l > 0) {
			assert_true(n < 512);
			v[n++] = line;
		}
		if (nl == NULL)
			break;
		line = nl + 1;
	}
	tu_shared_path(path, sizeof(path), "vers/univers/openssl_versort_expected.json");
	want = load_json(path);
	assert_int_equal(json_array_size(want), n);
	if (!sort_versions(MEDFW_VERSION_SCHEME_OPENSSL, v, n, why, sizeof(why)))
		fail_msg("sort: %s", why);
	for (i = 0; i < n; i++) {
		const char *w = opt_string(json_array_get(want, i), "string");

		if (w == NULL || strcmp(v[i], w) != 0)
			fail_msg("position %zu: got %s, want %s", i, v[i], w ? w : "(null)");
	}
	print_message("openssl ordering: %zu versions sorted as univers expects\n", n);
	json_decref(want);
	medfw_buf_free(&b);
}

/* ------------------------------------------------------------ version schemes --- */

struct cmp_case {
	const char *a, *b;
	int want;
};

static void check_cases(enum medfw_version_scheme s, const struct cmp_case *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct medfw_diag d;
		int got = 7;

		medfw_diag_clear(&d);
		if (medfw_version_compare(s, c[i].a, c[i].b, &got, &d) != MEDFW_OK)
			fail_msg("%s: %s vs %s: %s", medfw_version_scheme_name(s), c[i].a, c[i].b, d.msg);
		if (got != c[i].want)
			fail_msg("%s: %s vs %s: got %d, want %d", medfw_version_scheme_name(s), c[i].a,
				 c[i].b, got, c[i].want);
		/* antisymmetry */
		assert_int_equal(medfw_version_compare(s, c[i].b, c[i].a, &got, NULL), MEDFW_OK);
		if (got != -c[i].want)
			fail_msg("%s: %s vs %s not antisymmetric", medfw_version_scheme_name(s), c[i].b,
				 c[i].a);
	}
}

#define CASES(s, arr) check_cases(s, arr, sizeof(arr) / sizeof(arr[0]))

static void test_semver_npm_golang(void **state)
{
	/* the precedence example of SemVer 2.0.0 section 11, pairwise */
	static const char *const order[] = {"1.0.0-alpha",      "1.0.0-alpha.1", "1.0.0-alpha.beta",
					    "1.0.0-beta",       "1.0.0-beta.2",  "1.0.0-beta.11",
					    "1.0.0-rc.1",       "1.0.0",         "1.0.1",
					    "1.1.0",            "2.0.0",         "10.0.0"};
	static const struct cmp_case more[] = {
		{"1.0.0+build.1", "1.0.0+build.2", 0},
		{"1.0.0-alpha+x", "1.0.0-alpha", 0},
		{"1.0.0-1", "1.0.0-a", -1},
		{"99999999999999999999.0.0", "99999999999999999998.0.0", 1},
	};
	static const struct cmp_case npm[] = {{"v1.2.3", "1.2.3", 0}, {"v1.2.3-rc.1", "v1.2.3", -1}};
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		for (j = 0; j < sizeof(order) / sizeof(order[0]); j++) {
			struct cmp_case c = {order[i], order[j], i < j ? -1 : i > j ? 1 : 0};

			check_cases(MEDFW_VERSION_SCHEME_SEMVER, &c, 1);
		}
	CASES(MEDFW_VERSION_SCHEME_SEMVER, more);
	CASES(MEDFW_VERSION_SCHEME_NPM, npm);
	CASES(MEDFW_VERSION_SCHEME_GOLANG, npm);
}

static void test_deb_rpm_alpm(void **state)
{
	static const struct cmp_case deb[] = {
		{"1.0~rc1", "1.0", -1},	  {"1.0", "1.0+b1", -1},     {"1:0.5", "2.0", 1},
		{"1.0-1", "1.0-1ubuntu1", -1}, {"1.0", "1.0-0", 0},  {"2.30-1", "2.30~~-1", 1},
		{"1.0~~", "1.0~~a", -1},  {"1.0~~a", "1.0~", -1},    {"1.0~", "1.0", -1},
		{"0:1.2", "1.2", 0},	  {"1.2.3", "1.2.10", -1},   {"1.0a", "1.0+", -1},
		{"3.5.3-1ubuntu3.3", "3.5.3-1ubuntu3.10", -1},
	};
	static const struct cmp_case rpm[] = {
		{"1.0~rc1", "1.0", -1},	  {"1.0^git1", "1.0", 1},     {"1.0^git1", "1.01", -1},
		{"2:1.0-1", "1:9.9-9", 1}, {"0:2.13.3-3.el8_6.1", "2.13.3-3.el8_6.1", 0},
		{"1.0-1", "1.0", 0},	  {"5.5p10", "5.5p9", 1},     {"10.0001", "10.1", 0},
		{"2.0", "2_0", 0},	  {"1.0a", "1.0", 1},
	};
	static const struct cmp_case alpm[] = {
		{"1.5-1", "1.5.1-1", -1}, {"1:1.0", "1.1", 1}, {"1.0rc", "1.0", -1}, {"1.5.a", "1.5", 1},
	};

	(void)state;
	CASES(MEDFW_VERSION_SCHEME_DEB, deb);
	CASES(MEDFW_VERSION_SCHEME_RPM, rpm);
	CASES(MEDFW_VERSION_SCHEME_ALPM, alpm);
}

static void test_apk_gentoo(void **state)
{
	static const struct cmp_case apk[] = {
		{"1.0_alpha", "1.0_beta", -1}, {"1.0_rc1", "1.0", -1},	  {"1.0", "1.0_p1", -1},
		{"1.0_p1", "1.0.1", -1},       {"1.0-r1", "1.0-r2", -1},  {"1.0", "1.0-r0", -1},
		{"1.0a", "1.0", 1},	       {"1.01", "1.1", -1},	  {"1.0_cvs", "1.0_git", -1},
		{"0.1.0_alpha_pre2", "0.1.0_alpha", -1},
		{"1.0.0_pre20191002222144", "1.0.0_pre20210530193627", -1},
		{"3.0.13-r0", "3.0.8-r0", 1},
	};
	static const struct cmp_case gentoo[] = {
		{"1.0_pre1", "1.0_rc1", -1}, {"1.0_p1", "1.0", 1},	 {"1.0_alpha", "1.0", -1},
		{"1.0-r1", "1.0", 1},	     {"1.01", "1.1", -1},	 {"1.010", "1.01", 0},
		{"1b", "1", 1},		     {"12.2.5", "12.2b", 1},	 {"1.0_alpha_p1", "1.0_alpha", 1},
	};

	(void)state;
	CASES(MEDFW_VERSION_SCHEME_APK, apk);
	CASES(MEDFW_VERSION_SCHEME_GENTOO, gentoo);
}

static void test_openssl_generic(void **state)
{
	static const struct cmp_case openssl[] = {
		{"1.1.1w", "1.1.1", 1},	     {"1.1.1", "1.1.0l", 1},	  {"3.0.13", "3.0.2", 1},
		{"1.0.2z", "1.0.2za", -1},   {"1.0.2y", "1.0.2za", -1},   {"0.9.8zh", "1.0.0", -1},
		{"3.0.0-alpha1", "3.0.0", -1}, {"3.0.0-beta1", "3.0.0-alpha17", 1},
		{"0.9.7-beta3", "0.9.7", -1}, {"1.0.1e-fips", "1.0.1e", 1}, {"1.0.1e-fips", "1.0.1f", -1},
		{"1.0.2zc-dev", "1.0.2zd", -1},
	};
	static const struct cmp_case generic[] = {
		{"3.0.10", "3.0.2", 1},	  {"2.8.123e", "2.8.75", 1}, {"1.1.1n", "1.1.1", 1},
		{"1.1.1n", "1.1.2", -1},  {"4.2.8p18", "4.2.8p2", 1}, {"4.2.8p18", "4.2.9", -1},
		{"4.2.8", "4.2.8p1", -1}, {"4.0", "4.0.0", 0},	      {"v1.2", "1.2", 0},
		{"1.0rc1", "1.0", -1},	  {"1.0-beta2", "1.0-rc1", -1}, {"1.0alpha1", "1.0a1", 0},
		{"1.0-dev", "1.0-alpha", -1}, {"1.0.2za", "1.0.2z", 1}, {"2.0-rc1", "1.9", 1},
	};

	(void)state;
	CASES(MEDFW_VERSION_SCHEME_OPENSSL, openssl);
	CASES(MEDFW_VERSION_SCHEME_GENERIC, generic);
}

static void test_language_schemes(void **state)
{
	static const struct cmp_case pypi[] = {
		{"1.0.dev456", "1.0a1", -1},  {"1.0a1", "1.0a2.dev456", -1}, {"1.0a12", "1.0b1.dev456", -1},
		{"1.0b2.post345.dev456", "1.0b2.post345", -1}, {"1.0rc1", "1.0", -1},
		{"1.0", "1.0+abc.5", -1},     {"1.0+abc.5", "1.0+abc.7", -1}, {"1.0+abc.7", "1.0+5", -1},
		{"1.0+5", "1.0.post456.dev34", -1}, {"1.0.post456", "1.1.dev1", -1},
		{"1!0.1", "2.0", 1},	      {"1.0.0", "1.0", 0},	      {"1.0-1", "1.0.post1", 0},
		{"1.0C1", "1.0rc1", 0},	      {"v1.0", "1.0", 0},	      {"1.0a.post1", "1.0a0.post1", 0},
	};
	static const struct cmp_case gem[] = {
		{"1.0.0", "1.0", 0},	      {"1.0.a", "1.0", -1},	  {"1.0.0-beta", "1.0.0", -1},
		{"1.0.0.pre", "1.0.0-pre", 1}, {"1.10", "1.9", 1},	  {"1.0.b1", "1.0.a2", 1},
	};
	static const struct cmp_case nuget[] = {
		{"1.0.0-alpha", "1.0.0-Alpha", 0}, {"1.0.0.0", "1", 0}, {"1.0.0-2", "1.0.0-10", -1},
		{"1.0.0-a", "1.0.0", -1},
	};
	static const struct cmp_case conan[] = {
		{"1.0", "1", 0},	 {"2.6-", "2.6", -1},	{"2.6-", "2.5.9", 1},
		{"1.0-pre", "1.0-rc", -1}, {"1.0+b2", "1.0+b1", 1}, {"1.10", "1.9", 1},
	};
	static const struct cmp_case misc[] = {
		{"1.2.3", "1.2.3.0", 0}, {"1.10", "1.9", 1}, {"1.2.3-beta", "1.2.3", 0},
	};
	static const struct cmp_case dt[] = {
		{"2024-02-29T23:00:00-01:00", "2024-03-01T00:00:00Z", 0},
		{"2024-01-01T00:00:00.5Z", "2024-01-01T00:00:00.50Z", 0},
		{"1969-12-31T23:59:59Z", "1970-01-01T00:00:00Z", -1},
	};
	static const struct cmp_case lex[] = {{"a", "b", -1}, {"B", "a", -1}, {"ab", "a", 1}};

	(void)state;
	CASES(MEDFW_VERSION_SCHEME_PYPI, pypi);
	CASES(MEDFW_VERSION_SCHEME_GEM, gem);
	CASES(MEDFW_VERSION_SCHEME_NUGET, nuget);
	CASES(MEDFW_VERSION_SCHEME_CONAN, conan);
	CASES(MEDFW_VERSION_SCHEME_INTDOT, misc);
	CASES(MEDFW_VERSION_SCHEME_DATETIME, dt);
	CASES(MEDFW_VERSION_SCHEME_LEXICOGRAPHIC, lex);
}

/* Every scheme that defines a total order: over a varied list of valid versions,
 * the comparison is antisymmetric and transitive. */
static void check_total_order(enum medfw_version_scheme s, const char *const *v, size_t n)
{
	size_t i, j, k;
	int c[32][32];

	assert_true(n <= 32);
	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++) {
			if (medfw_version_compare(s, v[i], v[j], &c[i][j], NULL) != MEDFW_OK)
				fail_msg("%s: %s vs %s failed", medfw_version_scheme_name(s), v[i], v[j]);
		}
	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++) {
			assert_int_equal(c[i][j], -c[j][i]);
			for (k = 0; k < n; k++)
				if (c[i][j] <= 0 && c[j][k] <= 0 && c[i][k] > 0)
					fail_msg("%s: not transitive: %s %s %s", medfw_version_scheme_name(s),
						 v[i], v[j], v[k]);
		}
}

static void test_total_orders(void **state)
{
	static const char *const deb[] = {"1.0", "1.0~rc1", "1:0.1", "1.0-1", "1.0+b1", "1.0~~",
					  "2.0a", "2.0.1", "0.9-10", "1.0-1~bpo1", "10", "1.0.0"};
	static const char *const apk[] = {"1.0", "1.0_rc1", "1.0_p1", "1.0-r1", "1.0a", "1.01",
					  "1.0.1", "1.0_alpha_p2", "2", "1.0_git", "0.9.9-r9"};
	static const char *const gentoo[] = {"1.0", "1.0_rc1", "1.0_p1", "1.0-r1", "1.0b", "1.01",
					     "1.010", "1.0.1", "1.0_alpha_p2", "2", "1.0_pre"};
	static const char *const openssl[] = {"1.0.2", "1.0.2a", "1.0.2z", "1.0.2za", "1.0.2-beta1",
					      "1.0.2zc-dev", "3.0.0", "3.0.0-alpha1", "0.9.8y",
					      "1.0.1e-fips", "1.1.0"};
	static const char *const generic[] = {"1.0", "1.0.0", "1.0rc1", "1.0a", "1.0p1", "1.0.1",
					      "v1.1", "1.0-beta", "1.0-dev", "2", "1.0.2za", "0.9"};
	static const char *const pypi[] = {"1.0", "1.0.dev1", "1.0a1", "1.0.post1", "1.0+local",
					   "1.0+5", "1!0.1", "1.0rc1.dev2", "0.9", "1.0.0", "1.1a1"};
	static const char *const gem[] = {"1.0", "1.0.a", "1.0.0", "1.0-b", "1.10", "1.9.z",
					  "2", "1.0.1.a", "0.1"};
	static const char *const semver[] = {"1.0.0", "1.0.0-a", "1.0.0-a.1", "1.0.0-1", "1.0.1",
					     "1.0.0-a.b", "2.0.0-rc.1", "0.1.0"};
	static const char *const nuget[] = {"1.0", "1.0.0.1", "1.0-a", "1.0-A.1", "1.0-2", "2.0"};

	(void)state;
	check_total_order(MEDFW_VERSION_SCHEME_DEB, deb, sizeof(deb) / sizeof(deb[0]));
	check_total_order(MEDFW_VERSION_SCHEME_APK, apk, sizeof(apk) / sizeof(apk[0]));
	check_total_order(MEDFW_VERSION_SCHEME_GENTOO, gentoo, sizeof(gentoo) / sizeof(gentoo[0]));
	check_total_order(MEDFW_VERSION_SCHEME_OPENSSL, openssl, sizeof(openssl) / sizeof(openssl[0]));
	check_total_order(MEDFW_VERSION_SCHEME_GENERIC, generic, sizeof(generic) / sizeof(generic[0]));
	check_total_order(MEDFW_VERSION_SCHEME_PYPI, pypi, sizeof(pypi) / sizeof(pypi[0]));
	check_total_order(MEDFW_VERSION_SCHEME_GEM, gem, sizeof(gem) / sizeof(gem[0]));
	check_total_order(MEDFW_VERSION_SCHEME_SEMVER, semver, sizeof(semver) / sizeof(semver[0]));
	check_total_order(MEDFW_VERSION_SCHEME_NUGET, nuget, sizeof(nuget) / sizeof(nuget[0]));
}

struct bad_case {
	enum medfw_version_scheme s;
	const char *v;
	const char *needle;
};

static void test_invalid_versions(void **state)
{
	static const struct bad_case bad[] = {
		{MEDFW_VERSION_SCHEME_SEMVER, "1.2", "MAJOR.MINOR.PATCH"},
		{MEDFW_VERSION_SCHEME_SEMVER, "01.2.3", "leading zero"},
		{MEDFW_VERSION_SCHEME_SEMVER, "1.2.3-01", "leading zero"},
		{MEDFW_VERSION_SCHEME_SEMVER, "v1.2.3", "MAJOR.MINOR.PATCH"},
		{MEDFW_VERSION_SCHEME_SEMVER, "1.2.3-a..b", "empty identifier"},
		{MEDFW_VERSION_SCHEME_DEB, "custom", "does not start with a digit"},
		{MEDFW_VERSION_SCHEME_DEB, "a:1.0", "epoch is not a number"},
		{MEDFW_VERSION_SCHEME_DEB, "1.0-", "empty revision"},
		{MEDFW_VERSION_SCHEME_DEB, "1.0 beta", "invalid character"},
		{MEDFW_VERSION_SCHEME_RPM, "1.0-1-2", "'-' in the version part"},
		{MEDFW_VERSION_SCHEME_RPM, "x:1.0", "epoch is not a number"},
		{MEDFW_VERSION_SCHEME_APK, "1.0_foo", "not of the form"},
		{MEDFW_VERSION_SCHEME_APK, "v1.0", "start with a digit"},
		{MEDFW_VERSION_SCHEME_GENTOO, "1.0-r", "revision"},
		{MEDFW_VERSION_SCHEME_GENTOO, "1.0_foo", "unknown suffix"},
		{MEDFW_VERSION_SCHEME_OPENSSL, "1.0", "MAJOR.MINOR.PATCH"},
		{MEDFW_VERSION_SCHEME_OPENSSL, "1.0.2-foo", "unknown label"},
		{MEDFW_VERSION_SCHEME_OPENSSL, "3.0.0a", "unexpected character"},
		{MEDFW_VERSION_SCHEME_NUGET, "1.0.0.0.0", "more than four"},
		{MEDFW_VERSION_SCHEME_NUGET, "1.2147483648", "larger than 2147483647"},
		{MEDFW_VERSION_SCHEME_PYPI, "1.0-foo", "not a PEP 440 version"},
		{MEDFW_VERSION_SCHEME_GEM, "1..0", "empty segment"},
		{MEDFW_VERSION_SCHEME_CONAN, "1.0_x", "invalid character"},
		{MEDFW_VERSION_SCHEME_DATETIME, "2023-02-29T00:00:00Z", "day out of range"},
		{MEDFW_VERSION_SCHEME_DATETIME, "2024-01-01T00:00:00", "time zone"},
		{MEDFW_VERSION_SCHEME_LEXICOGRAPHIC, "\xc3(", "UTF-8"},
		{MEDFW_VERSION_SCHEME_NGINX, "1.2a", "digits separated by dots"},
		{MEDFW_VERSION_SCHEME_INTDOT, "x1", "does not start with a digit"},
		{MEDFW_VERSION_SCHEME_GENERIC, "custom", "does not start with a digit"},
		{MEDFW_VERSION_SCHEME_GENERIC, "5.15.0-164-generic", "unknown word"},
		{MEDFW_VERSION_SCHEME_GENERIC, "2.40-18-g5641780762", "unknown word"},
		{MEDFW_VERSION_SCHEME_GENERIC, "12.2.x.x", "unknown word"},
		{MEDFW_VERSION_SCHEME_GENERIC, "1.0/2", "invalid character"},
		{MEDFW_VERSION_SCHEME_UNKNOWN, "1.0", "no version ordering"},
	};
	char longv[MEDFW_VERSION_MAX_LEN + 2];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct medfw_diag d;
		int c = 5;

		medfw_diag_clear(&d);
		assert_int_equal(medfw_version_validate(bad[i].s, bad[i].v, &d), MEDFW_ERR_FIELD_VALUE);
		if (strstr(d.msg, bad[i].needle) == NULL)
			fail_msg("%s \"%s\": message \"%s\" lacks \"%s\"",
				 medfw_version_scheme_name(bad[i].s), bad[i].v, d.msg, bad[i].needle);
		/* the message names the scheme; compare fails the same way and clears */
		medfw_diag_clear(&d);
		assert_int_equal(medfw_version_compare(bad[i].s, "1", bad[i].v, &c, &d) ==
					 MEDFW_OK,
				 0);
		assert_int_equal(c, 0);
	}
	{
		struct medfw_diag d;

		medfw_diag_clear(&d);
		assert_int_equal(medfw_version_validate(MEDFW_VERSION_SCHEME_DEB, "1.0~x", &d), MEDFW_OK);
		medfw_diag_clear(&d);
		assert_int_equal(medfw_version_validate(MEDFW_VERSION_SCHEME_DEB, "x\x01y", &d),
				 MEDFW_ERR_FIELD_VALUE);
		assert_non_null(strstr(d.msg, "x\\x01y")); /* escaped, not raw */
		assert_non_null(strstr(d.msg, "deb"));
	}
	memset(longv, '1', sizeof(longv) - 1);
	longv[sizeof(longv) - 1] = '\0';
	assert_int_equal(medfw_version_validate(MEDFW_VERSION_SCHEME_GENERIC, longv, NULL),
			 MEDFW_ERR_TOO_LARGE);
	assert_int_equal(medfw_version_validate(MEDFW_VERSION_SCHEME_GENERIC, NULL, NULL),
			 MEDFW_ERR_INVALID_ARG);
	assert_int_equal(medfw_version_compare(MEDFW_VERSION_SCHEME_GENERIC, "1", "2", NULL, NULL),
			 MEDFW_ERR_INVALID_ARG);
	assert_int_equal(medfw_version_scheme_from_name("alpine"), MEDFW_VERSION_SCHEME_APK);
	assert_int_equal(medfw_version_scheme_from_name("cargo"), MEDFW_VERSION_SCHEME_SEMVER);
	assert_int_equal(medfw_version_scheme_from_name("DEB"), MEDFW_VERSION_SCHEME_UNKNOWN);
	assert_int_equal(medfw_version_scheme_from_name(NULL), MEDFW_VERSION_SCHEME_UNKNOWN);
	assert_string_equal(medfw_version_scheme_name(MEDFW_VERSION_SCHEME_APK), "apk");
	assert_string_equal(medfw_version_scheme_name((enum medfw_version_scheme)99), "unknown");
}

/* ------------------------------------------------------------ vers ------------- */

static void expect_vers_reject(const char *text, enum medfw_vers_mode mode, enum medfw_err want,
			       const char *needle)
{
	struct medfw_vers *v = (struct medfw_vers *)&v;
	struct medfw_diag d;
	enum medfw_err err;

	medfw_diag_clear(&d);
	err = medfw_vers_parse(text, mode, &v, &d);
	if (err != want)
		fail_msg("%s: got %s, want %s (%s)", text, medfw_err_name(err), medfw_err_name(want),
			 d.msg);
	assert_null(v);
	if (strstr(d.msg, needle) == NULL)
		fail_msg("%s: message \"%s\" lacks \"%s\"", text, d.msg, needle);
}

static void expect_vers_text(const char *in, enum medfw_vers_mode mode, const char *want)
{
	struct medfw_vers *v = NULL;
	struct medfw_diag d;
	char *out;

	medfw_diag_clear(&d);
	if (medfw_vers_parse(in, mode, &v, &d) != MEDFW_OK)
		fail_msg("%s: %s", in, d.msg);
	out = vers_text(v);
	if (strcmp(out, want) != 0)
		fail_msg("%s -> %s, want %s", in, out, want);
	free(out);
	medfw_vers_free(v);
}

static void test_vers_rules(void **state)
{
	char big[MEDFW_VERS_MAX_LEN + 16];
	size_t i, o;

	(void)state;
	expect_vers_reject("vers:npm/1.0.0|*", MEDFW_VERS_STRICT, MEDFW_ERR_FIELD_VALUE,
			   "'*' must be the only constraint");
	expect_vers_reject("vers:npm/=1.0.0", MEDFW_VERS_STRICT, MEDFW_ERR_FIELD_VALUE,
			   "starts with '='");
	expect_vers_reject("VERS:npm/1.0.0", MEDFW_VERS_STRICT, MEDFW_ERR_FIELD_VALUE, "'vers:'");
	expect_vers_reject("vers:NPM/1.0.0", MEDFW_VERS_STRICT, MEDFW_ERR_FIELD_VALUE,
			   "must be lowercase");
	expect_vers_reject("vers:npm", MEDFW_VERS_STRICT, MEDFW_ERR_FIELD_VALUE, "no '/'");
	expect_vers_reject("vers:npm/", MEDFW_VERS_STRICT, MEDFW_ERR_FIELD_VALUE, "no constraints");
	expect_vers_reject("vers:1npm/1", MEDFW_VERS_STRICT, MEDFW_ERR_FIELD_VALUE, "ASCII letter");
	expect_vers_reject("vers:npm/>=", MEDFW_VERS_STRICT, MEDFW_ERR_FIELD_VALUE, "empty version");
	expect_vers_reject("vers:npm/1.0.0|1.0.0", MEDFW_VERS_STRICT, MEDFW_ERR_FIELD_VALUE,
			   "duplicate version");
	expect_vers_reject("vers:pypi/1.0|1.0.0", MEDFW_VERS_STRICT, MEDFW_ERR_FIELD_VALUE,
			   "duplicate version");
	expect_vers_reject("vers:npm/1.0.0|<2.0.0", MEDFW_VERS_STRICT, MEDFW_ERR_FIELD_VALUE,
			   "equality is followed by '<'");
	expect_vers_reject("vers:npm/<1.0.0|<2.0.0", MEDFW_VERS_STRICT, MEDFW_ERR_FIELD_VALUE,
			   "two upper bounds");
	expect_vers_reject("vers:npm/>1.0.0|!=1.5.0|>=2.0.0", MEDFW_VERS_STRICT, MEDFW_ERR_FIELD_VALUE,
			   "two lower bounds");
	expect_vers_reject("vers:npm/1.0|2.0.0", MEDFW_VERS_STRICT, MEDFW_ERR_FIELD_VALUE,
			   "not a valid npm version");
	expect_vers_reject("vers:deb/>=1.0|<custom", MEDFW_VERS_STRICT, MEDFW_ERR_FIELD_VALUE,
			   "constraint 2");
	expect_vers_reject("vers:npm/1.0.0>", MEDFW_VERS_STRICT, MEDFW_ERR_FIELD_VALUE,
			   "must be percent-encoded");
	expect_vers_reject("vers:npm/1%00", MEDFW_VERS_STRICT, MEDFW_ERR_FIELD_VALUE, "UTF-8");
	expect_vers_reject("vers:npm/1.0\x01", MEDFW_VERS_LENIENT, MEDFW_ERR_FIELD_VALUE,
			   "control or non-ASCII");
	expect_vers_reject("vers:all/>1", MEDFW_VERS_STRICT, MEDFW_ERR_FIELD_VALUE,
			   "only allows the constraint '*'");
	expect_vers_reject("vers:invalid/*", MEDFW_VERS_LENIENT, MEDFW_ERR_FIELD_VALUE,
			   "reserved for intentionally invalid");
	expect_vers_reject("vers:npm/1.0.0\t|2.0.0", MEDFW_VERS_LENIENT, MEDFW_ERR_FIELD_VALUE,
			   "whitespace");
	/* limits */
	o = (size_t)snprintf(big, sizeof(big), "vers:intdot/");
	for (i = 0; i <= MEDFW_VERS_MAX_CONSTRAINTS; i++)
		o += (size_t)snprintf(big + o, sizeof(big) - o, "%s%zu", i ? "|" : "", i + 1);
	expect_vers_reject(big, MEDFW_VERS_STRICT, MEDFW_ERR_TOO_LARGE, "more than 1024");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	expect_vers_reject(big, MEDFW_VERS_STRICT, MEDFW_ERR_TOO_LARGE, "longer than");
	o = (size_t)snprintf(big, sizeof(big), "vers:generic/");
	memset(big + o, '1', MEDFW_VERSION_MAX_LEN + 1);
	big[o + MEDFW_VERSION_MAX_LEN + 1] = '\0';
	expect_vers_reject(big, MEDFW_VERS_STRICT, MEDFW_ERR_TOO_LARGE, "version longer than");

	/* canonical text: minimal uppercase encoding, sorted in lenient mode */
	expect_vers_text("vers:lexicographic/a%2fb|c%7Cd", MEDFW_VERS_LENIENT,
			 "vers:lexicographic/a/b|c%7Cd");
	expect_vers_text("vers:lexicographic/%C3%A9", MEDFW_VERS_STRICT,
			 "vers:lexicographic/%C3%A9");
	expect_vers_text(" Vers:PyPI/ <2.0 | >= 1.0 ", MEDFW_VERS_LENIENT, "vers:pypi/>=1.0|<2.0");
	expect_vers_text("vers:datetime/2024-01-01t00:00:00z", MEDFW_VERS_LENIENT,
			 "vers:datetime/2024-01-01T00:00:00Z");
	expect_vers_text("vers:example/b|a", MEDFW_VERS_STRICT, "vers:example/b|a");
	expect_vers_text("vers:all/*", MEDFW_VERS_STRICT, "vers:all/*");
	expect_vers_text("vers:deb/!=1.0|>=0.5|<2.0", MEDFW_VERS_LENIENT, "vers:deb/>=0.5|!=1.0|<2.0");
	medfw_vers_free(NULL);
}

static enum medfw_vers_result contains(const char *vers, const char *version, char *msg,
				       size_t cap)
{
	enum medfw_vers_result r = MEDFW_VERS_AFFECTED;
	struct medfw_diag d;

	medfw_diag_clear(&d);
	assert_int_equal(medfw_vers_contains_text(vers, version, &r, &d), MEDFW_OK);
	if (msg != NULL)
		snprintf(msg, cap, "%s", d.msg);
	return r;
}

static void test_containment(void **state)
{
	char msg[MEDFW_DIAG_MSG_MAX];
	struct medfw_vers *v = NULL;
	enum medfw_vers_result r;

	(void)state;
	/* the three outcomes */
	assert_int_equal(contains("vers:deb/>=1.0|<1.2.3-4", "1.1", NULL, 0), MEDFW_VERS_AFFECTED);
	assert_int_equal(contains("vers:deb/>=1.0|<1.2.3-4", "1.2.3-4", NULL, 0),
			 MEDFW_VERS_NOT_AFFECTED);
	assert_int_equal(contains("vers:deb/>=1.0|<1.2.3-4", "custom", msg, sizeof(msg)),
			 MEDFW_VERS_UNDETERMINED);
	assert_non_null(strstr(msg, "not a valid deb version"));
	/* intervals, points, exclusions, open ends */
	assert_int_equal(contains("vers:semver/<1.0.0|1.5.0|>=2.0.0|<3.0.0|>4.0.0", "0.1.0", NULL, 0),
			 MEDFW_VERS_AFFECTED);
	assert_int_equal(contains("vers:semver/<1.0.0|1.5.0|>=2.0.0|<3.0.0|>4.0.0", "1.5.0", NULL, 0),
			 MEDFW_VERS_AFFECTED);
	assert_int_equal(contains("vers:semver/<1.0.0|1.5.0|>=2.0.0|<3.0.0|>4.0.0", "1.6.0", NULL, 0),
			 MEDFW_VERS_NOT_AFFECTED);
	assert_int_equal(contains("vers:semver/<1.0.0|1.5.0|>=2.0.0|<3.0.0|>4.0.0", "3.0.0", NULL, 0),
			 MEDFW_VERS_NOT_AFFECTED);
	assert_int_equal(contains("vers:semver/<1.0.0|1.5.0|>=2.0.0|<3.0.0|>4.0.0", "4.0.1", NULL, 0),
			 MEDFW_VERS_AFFECTED);
	assert_int_equal(contains("vers:semver/>=1.0.0|!=1.2.0|<2.0.0", "1.2.0", NULL, 0),
			 MEDFW_VERS_NOT_AFFECTED);
	assert_int_equal(contains("vers:semver/>=1.0.0", "1.0.0", NULL, 0), MEDFW_VERS_AFFECTED);
	assert_int_equal(contains("vers:semver/>1.0.0", "1.0.0", NULL, 0), MEDFW_VERS_NOT_AFFECTED);
	assert_int_equal(contains("vers:semver/<=1.0.0", "1.0.0", NULL, 0), MEDFW_VERS_AFFECTED);
	assert_int_equal(contains("vers:semver/1.0.0|2.0.0", "1.5.0", NULL, 0), MEDFW_VERS_NOT_AFFECTED);
	/* only exclusions: every other version */
	assert_int_equal(contains("vers:pypi/!=5", "4", NULL, 0), MEDFW_VERS_AFFECTED);
	assert_int_equal(contains("vers:pypi/!=5", "5.0", NULL, 0), MEDFW_VERS_NOT_AFFECTED);
	/* special types */
	assert_int_equal(contains("vers:all/*", "anything", NULL, 0), MEDFW_VERS_AFFECTED);
	assert_int_equal(contains("vers:none/*", "1.0", NULL, 0), MEDFW_VERS_NOT_AFFECTED);
	assert_int_equal(contains("vers:deb/*", "custom", NULL, 0), MEDFW_VERS_AFFECTED);
	/* undetermined, never "not affected" */
	assert_int_equal(contains("vers:maven/>=1.0|<2.0", "1.5", msg, sizeof(msg)),
			 MEDFW_VERS_UNDETERMINED);
	assert_non_null(strstr(msg, "no version ordering is known for the VERS type: maven"));
	assert_int_equal(contains("vers:test/>=1.0", "1.5", msg, sizeof(msg)), MEDFW_VERS_UNDETERMINED);
	assert_non_null(strstr(msg, "reserved VERS type: test"));
	assert_int_equal(contains("vers:npm/>=1.0.0|>=2.0.0", "3.0.0", msg, sizeof(msg)),
			 MEDFW_VERS_UNDETERMINED);
	assert_non_null(strstr(msg, "clause 5.4"));
	assert_int_equal(contains("vers:npm/1.0.0|1.0.0", "1.0.0", msg, sizeof(msg)),
			 MEDFW_VERS_UNDETERMINED);
	assert_non_null(strstr(msg, "more than once"));
	assert_int_equal(contains("vers:npm/>=1.0.0||<2", "1.5.0", msg, sizeof(msg)),
			 MEDFW_VERS_UNDETERMINED);
	assert_non_null(strstr(msg, "consecutive pipes"));
	assert_int_equal(contains("vers:deb/>=1.0|<custom", "1.5", msg, sizeof(msg)),
			 MEDFW_VERS_UNDETERMINED);
	assert_non_null(strstr(msg, "not valid in the type's scheme"));
	assert_int_equal(contains("vers:semver/1.0", "1.0.0", msg, sizeof(msg)),
			 MEDFW_VERS_UNDETERMINED);
	assert_int_equal(contains("vers:openssl/>=1.0.2|<1.0.2za", "1.0.2z", NULL, 0),
			 MEDFW_VERS_AFFECTED);
	assert_int_equal(contains("vers:openssl/>=1.0.2|<1.0.2za", "1.0.2zb", NULL, 0),
			 MEDFW_VERS_NOT_AFFECTED);
	assert_int_equal(contains("vers:generic/<1.1.1n", "1.1.1m", NULL, 0), MEDFW_VERS_AFFECTED);
	assert_int_equal(contains("vers:generic/<1.1.1n", "1.1.1", NULL, 0), MEDFW_VERS_AFFECTED);
	/* arguments */
	assert_int_equal(medfw_vers_contains(NULL, "1", &r, NULL), MEDFW_ERR_INVALID_ARG);
	assert_int_equal(r, MEDFW_VERS_UNDETERMINED);
	assert_int_equal(medfw_vers_parse("vers:npm/1.0.0", MEDFW_VERS_STRICT, &v, NULL), MEDFW_OK);
	assert_int_equal(medfw_vers_contains(v, NULL, &r, NULL), MEDFW_ERR_INVALID_ARG);
	assert_int_equal(medfw_vers_contains(v, "1.0.0", NULL, NULL), MEDFW_ERR_INVALID_ARG);
	medfw_vers_free(v);
	assert_string_equal(medfw_vers_result_name(MEDFW_VERS_NOT_AFFECTED), "not_affected");
	assert_string_equal(medfw_vers_comparator_text(MEDFW_VERS_GE), ">=");
}

static void test_vers_build(void **state)
{
	const struct medfw_vers_constraint_in c[] = {
		{MEDFW_VERS_LT, "2.0.0"}, {MEDFW_VERS_GE, "1.0.0"}, {MEDFW_VERS_NE, "1.2.0"}};
	const struct medfw_vers_constraint_in bad_any[] = {{MEDFW_VERS_ANY, NULL}, {MEDFW_VERS_EQ, "1"}};
	const struct medfw_vers_constraint_in sp[] = {{MEDFW_VERS_EQ, "a b|c"}};
	struct medfw_vers *v = NULL;
	char *out;

	(void)state;
	assert_int_equal(medfw_vers_new("npm", c, 3, MEDFW_VERS_STRICT, &v, NULL),
			 MEDFW_ERR_FIELD_VALUE);
	assert_null(v);
	assert_int_equal(medfw_vers_new("npm", c, 3, MEDFW_VERS_LENIENT, &v, NULL), MEDFW_OK);
	out = vers_text(v);
	assert_string_equal(out, "vers:npm/>=1.0.0|!=1.2.0|<2.0.0");
	free(out);
	medfw_vers_free(v);
	assert_int_equal(medfw_vers_new("npm", bad_any, 2, MEDFW_VERS_LENIENT, &v, NULL),
			 MEDFW_ERR_FIELD_VALUE);
	assert_int_equal(medfw_vers_new("npm", c, 0, MEDFW_VERS_LENIENT, &v, NULL),
			 MEDFW_ERR_FIELD_VALUE);
	assert_int_equal(medfw_vers_new(NULL, c, 1, MEDFW_VERS_LENIENT, &v, NULL),
			 MEDFW_ERR_INVALID_ARG);
	assert_int_equal(medfw_vers_new("lexicographic", sp, 1, MEDFW_VERS_STRICT, &v, NULL), MEDFW_OK);
	out = vers_text(v);
	assert_string_equal(out, "vers:lexicographic/a%20b%7Cc");
	free(out);
	medfw_vers_free(v);
}

static void expect_native(const char *type, const char *native, const char *want)
{
	struct medfw_buf b;
	struct medfw_diag d;

	medfw_diag_clear(&d);
	medfw_buf_init(&b, 64 * 1024);
	if (medfw_vers_from_native(type, native, &b, &d) != MEDFW_OK)
		fail_msg("%s \"%s\": %s", type, native, d.msg);
	assert_int_equal(medfw_buf_append(&b, "", 1), MEDFW_OK);
	if (strcmp((char *)b.data, want) != 0)
		fail_msg("%s \"%s\" -> %s, want %s", type, native, (char *)b.data, want);
	medfw_buf_free(&b);
}

static void expect_native_error(const char *type, const char *native, const char *needle)
{
	struct medfw_buf b;
	struct medfw_diag d;
	enum medfw_err err;

	medfw_diag_clear(&d);
	medfw_buf_init(&b, 64 * 1024);
	err = medfw_vers_from_native(type, native, &b, &d);
	if (err == MEDFW_OK)
		fail_msg("%s \"%s\" accepted", type, native);
	assert_int_equal(b.len, 0);
	if (strstr(d.msg, needle) == NULL)
		fail_msg("%s \"%s\": message \"%s\" lacks \"%s\"", type, native, d.msg, needle);
	medfw_buf_free(&b);
}

static void test_from_native(void **state)
{
	(void)state;
	/* node-semver, desugared as its documentation describes */
	expect_native("npm", "^1.2.3", "vers:npm/>=1.2.3|<2.0.0-0");
	expect_native("npm", "^0.2.3", "vers:npm/>=0.2.3|<0.3.0-0");
	expect_native("npm", "^0.0.3", "vers:npm/>=0.0.3|<0.0.4-0");
	expect_native("npm", "~1.2", "vers:npm/>=1.2.0|<1.3.0-0");
	expect_native("npm", "~1", "vers:npm/>=1.0.0|<2.0.0-0");
	expect_native("npm", "1.2.x", "vers:npm/>=1.2.0|<1.3.0-0");
	expect_native("npm", "1.2.3 - 2.3", "vers:npm/>=1.2.3|<2.4.0-0");
	expect_native("npm", "1.2.3 - 2.3.4", "vers:npm/>=1.2.3|<=2.3.4");
	expect_native("npm", ">= 1.0.0 <1.4.0 || >=2.0.0", "vers:npm/>=1.0.0|<1.4.0|>=2.0.0");
	expect_native("npm", ">1.2", "vers:npm/>=1.3.0");
	expect_native("npm", "<=1.2", "vers:npm/<1.3.0-0");
	expect_native("npm", "*", "vers:npm/*");
	expect_native("npm", "^0.0", "vers:npm/<0.1.0-0");
	expect_native("npm", "~1.2.3-beta.2", "vers:npm/>=1.2.3-beta.2|<1.3.0-0");
	expect_native("npm", ">=1.2.3-rc.1 <2", "vers:npm/>=1.2.3-rc.1|<2.0.0-0");
	expect_native("npm", "1.x || >=2.5.0 || 5.0.0 - 7.2.3", "vers:npm/>=1.0.0|<2.0.0-0|>=2.5.0");
	expect_native("npm", ">1", "vers:npm/>=2.0.0");
	expect_native("npm", "<1.0.0 || >=1.0.0", "vers:npm/*");
	/* PEP 440 */
	expect_native("pypi", "~=2.2", "vers:pypi/>=2.2|<3");
	expect_native("pypi", "~= 1.4.5", "vers:pypi/>=1.4.5|<1.5");
	expect_native("pypi", ">=1.0, !=1.3, <2.0", "vers:pypi/>=1.0|!=1.3|<2.0");
	expect_native("pypi", ">=1.0,!=1.0", "vers:pypi/>1.0");
	expect_native("pypi", "==1.2.*", "vers:pypi/>=1.2.dev0|<1.3.dev0");
	expect_native("pypi", "==1.0,!=2.0", "vers:pypi/1.0");
	expect_native_error("pypi", "!=1.2.*", "only supported with '=='");
	expect_native_error("pypi", ">=2.0,<1.0", "contains no version");
	expect_native_error("pypi", "~=1", "at least two release numbers");
	expect_native_error("pypi", "1.0", "must start with");
	/* RubyGems */
	expect_native("gem", "~> 2", "vers:gem/>=2|<3");
	expect_native("gem", "~> 1.4.0.beta", "vers:gem/>=1.4.0.beta|<1.5");
	expect_native("gem", ">= 1.0, < 2", "vers:gem/>=1.0|<2");
	/* NuGet */
	expect_native("nuget", "1.0", "vers:nuget/>=1.0");
	expect_native("nuget", "[1.0]", "vers:nuget/1.0");
	expect_native("nuget", "(,1.0]", "vers:nuget/<=1.0");
	expect_native("nuget", "(1.0,)", "vers:nuget/>1.0");
	expect_native_error("nuget", "(1.0)", "exact version");
	expect_native_error("nuget", "[,]", "at least one bound");
	/* Conan, nginx, OpenSSL */
	expect_native("conan", ">=1.0 <2.0 || 3.0", "vers:conan/>=1.0|<2.0|3.0");
	expect_native("conan", "^0.0.5", "vers:conan/>=0.0.5|<0.0.6-");
	expect_native_error("conan", "^0.0", "non-zero item");
	expect_native_error("conan", ">1, loose=False, bogus", "unknown option");
	expect_native("nginx", "0.6.18-1.1.0", "vers:nginx/>=0.6.18|<=1.1.0");
	expect_native("openssl", "1.0.2k, 1.0.2k, 0.9.8", "vers:openssl/0.9.8|1.0.2k");
	expect_native_error("openssl", "1.0.2k, 1.x", "not a valid openssl version");
	expect_native_error("maven", "[1,2)", "no native range converter");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vers_suite),	  cmocka_unit_test(test_openssl_versort),
		cmocka_unit_test(test_semver_npm_golang), cmocka_unit_test(test_deb_rpm_alpm),
		cmocka_unit_test(test_apk_gentoo),	  cmocka_unit_test(test_openssl_generic),
		cmocka_unit_test(test_language_schemes),  cmocka_unit_test(test_total_orders),
		cmocka_unit_test(test_invalid_versions),  cmocka_unit_test(test_vers_rules),
		cmocka_unit_test(test_containment),	  cmocka_unit_test(test_vers_build),
		cmocka_unit_test(test_from_native),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
