/* Package URL: the whole purl specification test suite (testdata/purl/tests: the
 * specification tests and every types/TYPE-test.json file, found by listing the
 * directories), plus our own edge cases, error messages and matching rules. */
#include "testutil.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "medfw/json.h"
#include "medfw/purl.h"

/* Vectors we do not pass, each with the reason. The runner asserts that each of
 * them really fails (so a fixed implementation or changed data is noticed) and that
 * the input is still the one described. Keep this list near empty. */
struct known_deviation {
	const char *file;
	const char *test_type;
	const char *input; /* the input purl (parse/validate) */
	const char *reason;
};

static const struct known_deviation known[] = {
	/* ECMA-427 5.6.6: "The key shall be composed only of lowercase ASCII letters and
	 * numbers, period, dash and underscore". gem-test.json and rpm-test.json
	 * (required) expect "?Platform=java" and "?Arch=...&Distro=..." to fail for
	 * that reason; this required vector expects the same shape of input to be
	 * accepted and lowercased. The two cannot both hold: we follow the standard
	 * (the lenient mode used for the recommended vectors lowercases keys). */
	{"maven-test.json", "parse",
	 "pkg:Maven/org.apache.xmlgraphics/batik-anim@1.9.1?type=pom&repositorY_url=repo.spring.io/"
	 "release",
	 "uppercase qualifier key in a required parse vector, contradicting gem/rpm vectors"},
	/* git-definition.json declares namespace and name case_sensitive: true (and the
	 * required git vectors keep "forgejo/forgejo" as is); this recommended vector
	 * expects them lowercased, as for the github type. We follow the definition. */
	{"git-test.json", "validate", "pkg:git/github/Package-url/purl-Spec@244fd47e07d1004f0aed9c",
	 "lowercasing contradicts git-definition.json case_sensitive: true"},
};

struct tally {
	size_t files, tests, passed, deviations;
	size_t by_type[3]; /* parse, build, validate */
};

static const struct known_deviation *find_known(const char *file, const char *type,
						const char *input)
{
	size_t i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(known[i].file, file) == 0 && strcmp(known[i].test_type, type) == 0 &&
		    input != NULL && strcmp(known[i].input, input) == 0)
			return &known[i];
	return NULL;
}

static const char *opt_string(const json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static int str_same(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* Does the parsed purl have exactly the expected components? */
static int components_match(const struct medfw_purl *p, const json_t *want, char *why, size_t cap)
{
	json_t *quals = json_object_get(want, "qualifiers");
	const char *key;
	json_t *val;
	size_t n = 0;

	if (!str_same(p->type, opt_string(want, "type")) ||
	    !str_same(p->namespace_, opt_string(want, "namespace")) ||
	    !str_same(p->name, opt_string(want, "name")) ||
	    !str_same(p->version, opt_string(want, "version")) ||
	    !str_same(p->subpath, opt_string(want, "subpath"))) {
		snprintf(why, cap, "got type=%s ns=%s name=%s version=%s subpath=%s", p->type,
			 p->namespace_ ? p->namespace_ : "(null)", p->name,
			 p->version ? p->version : "(null)", p->subpath ? p->subpath : "(null)");
		return 0;
	}
	if (json_is_object(quals)) {
		json_object_foreach(quals, key, val)
		{
			const char *have = medfw_purl_qualifier(p, key);

			if (!json_is_string(val) || have == NULL ||
			    strcmp(have, json_string_value(val)) != 0) {
				snprintf(why, cap, "qualifier %s: got %s", key, have ? have : "(none)");
				return 0;
			}
			n++;
		}
	}
	if (n != p->qualifier_count) {
		snprintf(why, cap, "got %zu qualifiers, want %zu", p->qualifier_count, n);
		return 0;
	}
	return 1;
}

static char *purl_text(const struct medfw_purl *p)
{
	struct medfw_buf b;
	size_t n;

	medfw_buf_init(&b, 64 * 1024);
	assert_int_equal(medfw_purl_to_string(p, &b, NULL), MEDFW_OK);
	assert_int_equal(medfw_buf_append(&b, "", 1), MEDFW_OK);
	return (char *)medfw_buf_steal(&b, &n);
}

/* Build from a test's component object. */
static enum medfw_err build_from_json(const json_t *in, enum medfw_purl_mode mode,
				      struct medfw_purl **out, struct medfw_diag *diag)
{
	struct medfw_purl_qualifier_in q[MEDFW_PURL_MAX_QUALIFIERS];
	struct medfw_purl_parts parts;
	json_t *quals = json_object_get(in, "qualifiers");
	const char *key;
	json_t *val;

	memset(&parts, 0, sizeof(parts));
	parts.type = opt_string(in, "type");
	parts.namespace_ = opt_string(in, "namespace");
	parts.name = opt_string(in, "name");
	parts.version = opt_string(in, "version");
	parts.subpath = opt_string(in, "subpath");
	if (json_is_object(quals)) {
		json_object_foreach(quals, key, val)
		{
			assert_true(parts.qualifier_count < MEDFW_PURL_MAX_QUALIFIERS);
			q[parts.qualifier_count].key = key;
			q[parts.qualifier_count].value = json_string_value(val);
			parts.qualifier_count++;
		}
	}
	parts.qualifiers = q;
	return medfw_purl_build(&parts, mode, out, diag);
}

/* Run one vector; returns 1 when it passed, else writes why. */
static int run_one(const json_t *t, char *why, size_t cap)
{
	const char *type = opt_string(t, "test_type");
	const char *group = opt_string(t, "test_group");
	json_t *input = json_object_get(t, "input");
	json_t *want = json_object_get(t, "expected_output");
	int fail = json_is_true(json_object_get(t, "expected_failure"));
	enum medfw_purl_mode mode =
		group != NULL && strcmp(group, "required") == 0 ? MEDFW_PURL_STRICT : MEDFW_PURL_LENIENT;
	struct medfw_purl *p = NULL;
	struct medfw_diag d;
	enum medfw_err err;
	int ok = 0;

	medfw_diag_clear(&d);
	why[0] = '\0';
	if (type == NULL || input == NULL) {
		snprintf(why, cap, "malformed test");
		return 0;
	}
	if (strcmp(type, "build") == 0) {
		err = build_from_json(input, mode, &p, &d);
	} else if (strcmp(type, "parse") == 0 || strcmp(type, "validate") == 0 ||
		   strcmp(type, "roundtrip") == 0) {
		if (!json_is_string(input)) {
			snprintf(why, cap, "input is not a string");
			return 0;
		}
		err = medfw_purl_parse(json_string_value(input), mode, &p, &d);
	} else {
		snprintf(why, cap, "unknown test type %s", type);
		return 0;
	}
	if (fail) {
		if (err == MEDFW_OK) {
			snprintf(why, cap, "accepted, should fail");
		} else {
			/* a rejection sets no output and says why */
			ok = p == NULL && d.err == err && d.msg[0] != '\0';
			if (!ok)
				snprintf(why, cap, "rejected without a message or with output");
		}
	} else if (err != MEDFW_OK) {
		snprintf(why, cap, "rejected: %s", medfw_diag_message(&d, err));
	} else if (strcmp(type, "parse") == 0) {
		ok = components_match(p, want, why, cap);
	} else if (json_is_string(want)) {
		char *text = purl_text(p);

		ok = strcmp(text, json_string_value(want)) == 0;
		if (!ok)
			snprintf(why, cap, "got %s", text);
		free(text);
	} else {
		snprintf(why, cap, "no expected output");
	}
	medfw_purl_free(p);
	return ok;
}

static void run_file(const char *dir, const char *file, struct tally *tally)
{
	char path[2048];
	struct medfw_buf b;
	json_t *doc = NULL, *tests;
	struct medfw_diag d;
	size_t i;

	tu_path(path, sizeof(path), dir, file);
	tu_read_file(path, &b);
	medfw_diag_clear(&d);
	if (medfw_json_parse(b.data, b.len, MEDFW_JSON_MAX_BYTES, MEDFW_JSON_MAX_DEPTH, &doc, &d) !=
	    MEDFW_OK)
		fail_msg("%s: %s", path, d.msg);
	medfw_buf_free(&b);
	tests = json_object_get(doc, "tests");
	assert_true(json_is_array(tests));
	tally->files++;
	for (i = 0; i < json_array_size(tests); i++) {
		const json_t *t = json_array_get(tests, i);
		const char *type = opt_string(t, "test_type");
		json_t *input = json_object_get(t, "input");
		const struct known_deviation *k =
			find_known(file, type != NULL ? type : "",
				   json_is_string(input) ? json_string_value(input) : NULL);
		char why[2048];
		int passed = run_one(t, why, sizeof(why));

		tally->tests++;
		if (type != NULL)
			tally->by_type[strcmp(type, "parse") == 0 ? 0 : strcmp(type, "build") == 0 ? 1 : 2]++;
		if (k != NULL) {
			/* expected failure: it must still fail */
			if (passed)
				fail_msg("%s #%zu now passes: remove it from the known deviations", file,
					 i);
			tally->deviations++;
			continue;
		}
		if (!passed)
			fail_msg("%s #%zu (%s %s): %s", file, i, opt_string(t, "test_group"), type,
				 why);
		tally->passed++;
	}
	json_decref(doc);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void run_dir(const char *rel, struct tally *tally)
{
	char dir[1024];
	char *names[256];
	size_t n = 0, i;
	DIR *d;
	struct dirent *e;

	tu_shared_path(dir, sizeof(dir), rel);
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
		run_file(dir, names[i], tally);
		free(names[i]);
	}
}

static void test_purl_spec_suite(void **state)
{
	struct tally t;

	(void)state;
	memset(&t, 0, sizeof(t));
	run_dir("purl/tests/spec", &t);
	run_dir("purl/tests/types", &t);
	print_message("purl test suite: %zu files, %zu vectors (%zu parse, %zu build, %zu "
		      "validate): %zu passed, %zu known deviations (listed in test_purl.c)\n",
		      t.files, t.tests, t.by_type[0], t.by_type[1], t.by_type[2], t.passed,
		      t.deviations);
	assert_true(t.files >= 2);
	assert_true(t.tests > 500);
	assert_int_equal(t.passed + t.deviations, t.tests);
	assert_int_equal(t.deviations, sizeof(known) / sizeof(known[0]));
}

/* ------------------------------------------------------------ our own cases ----- */

static struct medfw_purl *parse_ok(const char *text, enum medfw_purl_mode mode)
{
	struct medfw_purl *p = NULL;
	struct medfw_diag d;

	medfw_diag_clear(&d);
	if (medfw_purl_parse(text, mode, &p, &d) != MEDFW_OK)
		fail_msg("%s: %s", text, d.msg);
	return p;
}

static void expect_canonical(const char *in, enum medfw_purl_mode mode, const char *want)
{
	struct medfw_purl *p = parse_ok(in, mode);
	char *text = purl_text(p);

	if (strcmp(text, want) != 0)
		fail_msg("%s -> %s, want %s", in, text, want);
	free(text);
	medfw_purl_free(p);
}

static void expect_reject(const char *in, enum medfw_purl_mode mode, enum medfw_err want,
			  const char *needle)
{
	struct medfw_purl *p = (struct medfw_purl *)&p; /* must be cleared */
	struct medfw_diag d;
	enum medfw_err err;

	medfw_diag_clear(&d);
	err = medfw_purl_parse(in, mode, &p, &d);
	if (err != want)
		fail_msg("%s: got %s, want %s (%s)", in, medfw_err_name(err), medfw_err_name(want),
			 d.msg);
	assert_null(p);
	if (strstr(d.msg, needle) == NULL)
		fail_msg("%s: message \"%s\" lacks \"%s\"", in, d.msg, needle);
}

static void test_parse_edges(void **state)
{
	(void)state;
	/* encoding: only letters, digits, ". - _ ~" and ':' stay as they are */
	expect_canonical("pkg:generic/a%20b@1.0%2Bx?k=v%26w&z=%3D#p/q%25", MEDFW_PURL_STRICT,
			 "pkg:generic/a%20b@1.0%2Bx?k=v%26w&z=%3D#p/q%25");
	expect_canonical("pkg:generic/ns/na%2Fme@1", MEDFW_PURL_STRICT,
			 "pkg:generic/ns/na%2Fme@1");
	/* over-encoded input is canonicalised, lowercase hex too */
	expect_canonical("pkg:generic/%61bc@%31.0?k=%7e", MEDFW_PURL_STRICT,
			 "pkg:generic/abc@1.0?k=~");
	/* empty qualifier values vanish, keys are sorted, empty pairs ignored */
	expect_canonical("pkg:deb/debian/curl@1?z=1&a=&&b=2", MEDFW_PURL_STRICT,
			 "pkg:deb/debian/curl@1?b=2&z=1");
	/* '.' and '..' subpath segments are dropped, as are empty ones */
	expect_canonical("pkg:generic/x#/a/./b/../c//", MEDFW_PURL_STRICT, "pkg:generic/x#a/b/c");
	/* an empty version after '@' is no version */
	expect_canonical("pkg:generic/x@", MEDFW_PURL_STRICT, "pkg:generic/x");
	/* an unregistered type: general rules only, case kept */
	expect_canonical("pkg:Acme-Fw/Vendor/Thing@A1", MEDFW_PURL_STRICT,
			 "pkg:acme-fw/Vendor/Thing@A1");
	/* pypi: runs of '-', '_', '.' become one '-' */
	expect_canonical("pkg:pypi/Zope.Interface__x@5", MEDFW_PURL_STRICT,
			 "pkg:pypi/zope-interface-x@5");
	/* lenient: the version '@' is in the last segment only */
	expect_canonical("pkg:npm/@scope/pkg@1.0.0", MEDFW_PURL_LENIENT,
			 "pkg:npm/%40scope/pkg@1.0.0");
	expect_canonical("pkg:GENERIC/x?Key=V", MEDFW_PURL_LENIENT, "pkg:generic/x?key=V");
}

static void test_parse_errors(void **state)
{
	char big[MEDFW_PURL_MAX_LEN + 32];
	char quals[64 * 8 + 64];
	size_t i, o;

	(void)state;
	expect_reject("npm/foo@1", MEDFW_PURL_STRICT, MEDFW_ERR_FIELD_VALUE, "scheme 'pkg:'");
	expect_reject("pkg:3x/foo", MEDFW_PURL_STRICT, MEDFW_ERR_FIELD_VALUE, "start with an ASCII letter");
	expect_reject("pkg:a_b/foo", MEDFW_PURL_STRICT, MEDFW_ERR_FIELD_VALUE, "letters, digits");
	expect_reject("pkg:generic/", MEDFW_PURL_STRICT, MEDFW_ERR_FIELD_VALUE, "name is required");
	expect_reject("pkg:generic/a b", MEDFW_PURL_STRICT, MEDFW_ERR_FIELD_VALUE, "offset 13");
	expect_reject("pkg:generic/x%zz", MEDFW_PURL_STRICT, MEDFW_ERR_FIELD_VALUE,
		      "invalid percent-encoding in the name");
	expect_reject("pkg:generic/x%00y", MEDFW_PURL_STRICT, MEDFW_ERR_FIELD_VALUE, "NUL");
	expect_reject("pkg:generic/x%C3", MEDFW_PURL_STRICT, MEDFW_ERR_FIELD_VALUE, "UTF-8");
	expect_reject("pkg:generic/a%2Fb/x", MEDFW_PURL_STRICT, MEDFW_ERR_FIELD_VALUE,
		      "encoded '/'");
	expect_reject("pkg:generic/x#a%2Fb", MEDFW_PURL_STRICT, MEDFW_ERR_FIELD_VALUE,
		      "encoded '/'");
	expect_reject("pkg:generic/x?a=1&a=2", MEDFW_PURL_STRICT, MEDFW_ERR_FIELD_VALUE,
		      "appears twice");
	expect_reject("pkg:generic/x?a", MEDFW_PURL_STRICT, MEDFW_ERR_FIELD_VALUE, "key=value");
	expect_reject("pkg:generic/x?1a=b", MEDFW_PURL_STRICT, MEDFW_ERR_FIELD_VALUE,
		      "start with an ASCII letter");
	expect_reject("pkg:generic/x?Ab=c", MEDFW_PURL_STRICT, MEDFW_ERR_FIELD_VALUE, "lowercase");
	expect_reject("pkg:deb/curl@1", MEDFW_PURL_STRICT, MEDFW_ERR_FIELD_VALUE,
		      "requires a namespace");
	expect_reject("pkg:cargo/a/b@1", MEDFW_PURL_STRICT, MEDFW_ERR_FIELD_VALUE,
		      "does not allow a namespace");
	expect_reject("pkg:julia/Dates", MEDFW_PURL_STRICT, MEDFW_ERR_FIELD_VALUE, "'uuid'");
	expect_reject("pkg:swid/a/b/c/name?tag_id=1", MEDFW_PURL_STRICT, MEDFW_ERR_FIELD_VALUE,
		      "at most two");
	expect_reject("pkg:pub/Foo-bar", MEDFW_PURL_STRICT, MEDFW_ERR_FIELD_VALUE, "a-z, 0-9");
	expect_reject("pkg:git/onlyhost", MEDFW_PURL_STRICT, MEDFW_ERR_FIELD_VALUE,
		      "needs a namespace and a name");
	/* limits */
	memcpy(big, "pkg:generic/", 12);
	memset(big + 12, 'a', sizeof(big) - 13);
	big[sizeof(big) - 1] = '\0';
	expect_reject(big, MEDFW_PURL_STRICT, MEDFW_ERR_TOO_LARGE, "longer than 4096");
	o = (size_t)snprintf(quals, sizeof(quals), "pkg:generic/x?");
	for (i = 0; i <= MEDFW_PURL_MAX_QUALIFIERS; i++)
		o += (size_t)snprintf(quals + o, sizeof(quals) - o, "%sk%zu=v", i ? "&" : "", i);
	expect_reject(quals, MEDFW_PURL_STRICT, MEDFW_ERR_TOO_LARGE, "more than 64 qualifiers");
	{
		struct medfw_purl *p = NULL;

		assert_int_equal(medfw_purl_parse(NULL, MEDFW_PURL_STRICT, &p, NULL),
				 MEDFW_ERR_INVALID_ARG);
		assert_int_equal(medfw_purl_parse("pkg:a/b", MEDFW_PURL_STRICT, NULL, NULL),
				 MEDFW_ERR_INVALID_ARG);
	}
	medfw_purl_free(NULL);
}

static void test_build(void **state)
{
	struct medfw_purl_qualifier_in q[] = {{"repository_url", "https://x.example/r"},
					      {"arch", "x86_64"},
					      {"empty", ""}};
	struct medfw_purl_parts parts;
	struct medfw_purl *p = NULL;
	struct medfw_diag d;
	char *text;

	(void)state;
	memset(&parts, 0, sizeof(parts));
	parts.type = "RPM";
	parts.namespace_ = "/Fedora/";
	parts.name = "openssl";
	parts.version = "3.0.7-1.fc38";
	parts.qualifiers = q;
	parts.qualifier_count = 3;
	parts.subpath = "a/../b";
	assert_int_equal(medfw_purl_build(&parts, MEDFW_PURL_STRICT, &p, NULL), MEDFW_OK);
	text = purl_text(p);
	assert_string_equal(text, "pkg:rpm/fedora/openssl@3.0.7-1.fc38?arch=x86_64&"
				  "repository_url=https:%2F%2Fx.example%2Fr#a/b");
	free(text);
	medfw_purl_free(p);

	/* invalid components: rejected, nothing returned */
	parts.namespace_ = NULL;
	p = (struct medfw_purl *)&p;
	medfw_diag_clear(&d);
	assert_int_equal(medfw_purl_build(&parts, MEDFW_PURL_STRICT, &p, &d), MEDFW_ERR_FIELD_VALUE);
	assert_null(p);
	assert_non_null(strstr(d.msg, "requires a namespace"));
	parts.namespace_ = "fedora";
	parts.name = NULL;
	assert_int_equal(medfw_purl_build(&parts, MEDFW_PURL_STRICT, &p, NULL), MEDFW_ERR_FIELD_VALUE);
	parts.name = "x";
	q[0].key = "Repository_URL";
	assert_int_equal(medfw_purl_build(&parts, MEDFW_PURL_STRICT, &p, NULL), MEDFW_ERR_FIELD_VALUE);
	assert_int_equal(medfw_purl_build(&parts, MEDFW_PURL_LENIENT, &p, NULL), MEDFW_OK);
	assert_string_equal(medfw_purl_qualifier(p, "repository_url"), "https://x.example/r");
	medfw_purl_free(p);
	parts.version = "\xff";
	assert_int_equal(medfw_purl_build(&parts, MEDFW_PURL_LENIENT, &p, NULL), MEDFW_ERR_FIELD_VALUE);
	assert_int_equal(medfw_purl_build(NULL, MEDFW_PURL_LENIENT, &p, NULL), MEDFW_ERR_INVALID_ARG);
}

/* parse -> text -> parse gives the same purl and the same text */
static void test_roundtrip(void **state)
{
	static const char *const samples[] = {
		"pkg:deb/debian/attr@1:2.4.47-2%2Bb1?arch=amd64",
		"pkg:git/codeberg.org/forgejo/forgejo@a72d#options/locale_readme.md",
		"pkg:generic/openssl@1.1.1w?checksum=sha256:ab%2Csha1:cd&download_url=https:%2F%2Fx",
		"pkg:npm/%40angular/animation@12.3.1",
		"pkg:swid/Acme/example.com/Enterprise%2BServer@1.0.0?tag_id=75b8",
		"pkg:generic/%C3%A9t%C3%A9@%E2%82%AC1",
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
		struct medfw_purl *a = parse_ok(samples[i], MEDFW_PURL_STRICT), *b;
		char *ta = purl_text(a), *tb;

		assert_string_equal(ta, samples[i]);
		b = parse_ok(ta, MEDFW_PURL_STRICT);
		tb = purl_text(b);
		assert_string_equal(ta, tb);
		assert_true(medfw_purl_equal(a, b));
		free(ta);
		free(tb);
		medfw_purl_free(a);
		medfw_purl_free(b);
	}
}

static enum medfw_purl_match match(const char *affected, const char *component, char *msg,
				   size_t cap)
{
	struct medfw_purl *a = parse_ok(affected, MEDFW_PURL_LENIENT);
	struct medfw_purl *c = parse_ok(component, MEDFW_PURL_LENIENT);
	enum medfw_purl_match m = MEDFW_PURL_MATCH;
	struct medfw_diag d;

	medfw_diag_clear(&d);
	assert_int_equal(medfw_purl_match(a, c, &m, &d), MEDFW_OK);
	if (msg != NULL)
		snprintf(msg, cap, "%s", d.msg);
	medfw_purl_free(a);
	medfw_purl_free(c);
	return m;
}

static void test_match(void **state)
{
	char msg[MEDFW_DIAG_MSG_MAX];

	(void)state;
	/* identity after normalisation */
	assert_int_equal(match("pkg:github/WolfSSL/wolfssl", "pkg:github/wolfssl/WOLFSSL@v5.6.6", NULL, 0),
			 MEDFW_PURL_MATCH);
	assert_int_equal(match("pkg:pypi/Django_Rest", "pkg:pypi/django-rest@3", NULL, 0),
			 MEDFW_PURL_MATCH);
	assert_int_equal(match("pkg:maven/G/A", "pkg:maven/g/a", NULL, 0), MEDFW_PURL_NO_MATCH);
	assert_int_equal(match("pkg:deb/debian/curl", "pkg:rpm/debian/curl", NULL, 0),
			 MEDFW_PURL_NO_MATCH);
	/* versions compared in the type's scheme */
	assert_int_equal(match("pkg:deb/debian/curl@0:7.50", "pkg:deb/debian/curl@7.50", NULL, 0),
			 MEDFW_PURL_MATCH);
	assert_int_equal(match("pkg:deb/debian/curl@7.50", "pkg:deb/debian/curl@7.51", NULL, 0),
			 MEDFW_PURL_NO_MATCH);
	assert_int_equal(match("pkg:pypi/x@1.0", "pkg:pypi/x@1.0.0", NULL, 0), MEDFW_PURL_MATCH);
	assert_int_equal(match("pkg:rpm/fedora/x@1.0-1?epoch=2", "pkg:rpm/fedora/x@2:1.0-1", NULL, 0),
			 MEDFW_PURL_MATCH);
	assert_int_equal(match("pkg:rpm/fedora/x@1.0-1?epoch=2", "pkg:rpm/fedora/x@1.0-1", NULL, 0),
			 MEDFW_PURL_NO_MATCH);
	/* no scheme known: identical strings only */
	assert_int_equal(match("pkg:maven/g/a@1.0", "pkg:maven/g/a@1.0", NULL, 0), MEDFW_PURL_MATCH);
	assert_int_equal(match("pkg:maven/g/a@1.0", "pkg:maven/g/a@1.0.0", msg, sizeof(msg)),
			 MEDFW_PURL_MATCH_UNDETERMINED);
	assert_non_null(strstr(msg, "no version scheme"));
	/* a version the scheme rejects: undetermined, never "not affected" */
	assert_int_equal(match("pkg:deb/debian/x@1.0", "pkg:deb/debian/x@custom", msg, sizeof(msg)),
			 MEDFW_PURL_MATCH_UNDETERMINED);
	assert_non_null(strstr(msg, "custom"));
	assert_int_equal(match("pkg:deb/debian/x@1.0", "pkg:deb/debian/x", msg, sizeof(msg)),
			 MEDFW_PURL_MATCH_UNDETERMINED);
	/* a version-less affected purl matches every version */
	assert_int_equal(match("pkg:deb/debian/x", "pkg:deb/debian/x@9", NULL, 0), MEDFW_PURL_MATCH);
	/* qualifiers: the affected ones must hold; extra ones on the component do not matter */
	assert_int_equal(match("pkg:apk/alpine/x@1?distro=3.19", "pkg:apk/alpine/x@1?arch=x86&distro=3.19",
			       NULL, 0),
			 MEDFW_PURL_MATCH);
	assert_int_equal(match("pkg:apk/alpine/x@1?distro=3.19", "pkg:apk/alpine/x@1?distro=3.18", NULL, 0),
			 MEDFW_PURL_NO_MATCH);
	assert_int_equal(match("pkg:apk/alpine/x@1?distro=3.19", "pkg:apk/alpine/x@1", msg, sizeof(msg)),
			 MEDFW_PURL_MATCH_UNDETERMINED);
	assert_non_null(strstr(msg, "'distro'"));
	/* a missing qualifier with a registered default takes it */
	assert_int_equal(match("pkg:maven/g/a@1?type=jar", "pkg:maven/g/a@1", NULL, 0), MEDFW_PURL_MATCH);
	assert_int_equal(match("pkg:maven/g/a@1?type=pom", "pkg:maven/g/a@1", NULL, 0),
			 MEDFW_PURL_NO_MATCH);
	/* a different version decides even when a qualifier is unknown */
	assert_int_equal(match("pkg:apk/alpine/x@1?distro=3.19", "pkg:apk/alpine/x@2", NULL, 0),
			 MEDFW_PURL_NO_MATCH);
	assert_int_equal(match("pkg:generic/x#a", "pkg:generic/x#b", NULL, 0), MEDFW_PURL_NO_MATCH);
	assert_int_equal(medfw_purl_version_scheme("apk"), MEDFW_VERSION_SCHEME_APK);
	assert_int_equal(medfw_purl_version_scheme("nope"), MEDFW_VERSION_SCHEME_UNKNOWN);
	assert_string_equal(medfw_purl_match_name(MEDFW_PURL_MATCH_UNDETERMINED), "undetermined");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_purl_spec_suite), cmocka_unit_test(test_parse_edges),
		cmocka_unit_test(test_parse_errors),    cmocka_unit_test(test_build),
		cmocka_unit_test(test_roundtrip),       cmocka_unit_test(test_match),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
