/* libFuzzer target: vers parsing, canonical text, containment and native ranges.
 *
 * Input "N<digit><text>" converts <text> with native converter <digit>; any other
 * input is vers text, parsed in both modes. Invariants: a rejection returns no
 * range and a message; an accepted range's canonical text parses again (strictly
 * when it was strict) to the same text; containment never fails and, for a range
 * without problems in a scheme with an ordering, says AFFECTED for a version named
 * with '=', '<=' or '>=' and NOT_AFFECTED for one named with '!=', '<' or '>' (the
 * intervals of a valid range are disjoint; checked for the schemes whose equality
 * is transitive); a converted native range is strict, canonical vers. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "medfw/vers.h"

#define FUZZ_MAX_INPUT (16u * 1024u)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *canonical(const struct medfw_vers *v)
{
	struct medfw_buf b;
	size_t n;

	medfw_buf_init(&b, 4u * MEDFW_VERS_MAX_LEN);
	if (medfw_vers_to_string(v, &b, NULL) != MEDFW_OK || medfw_buf_append(&b, "", 1) != MEDFW_OK)
		abort();
	return (char *)medfw_buf_steal(&b, &n);
}

static void check_contains(const struct medfw_vers *v)
{
	static const char *const probes[] = {"1.0", "1.0.0", "0", "2024-01-01T00:00:00Z", "custom", ""};
	enum medfw_vers_result r;
	size_t i;

	for (i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		if (medfw_vers_contains(v, probes[i], &r, NULL) != MEDFW_OK || r > MEDFW_VERS_NOT_AFFECTED)
			abort();
	}
	/* rpm and alpm ignore a missing release, conan compares mixed items as text:
	 * their equality is not transitive, so the invariant only holds elsewhere */
	if (v->problems != 0 || v->scheme == MEDFW_VERSION_SCHEME_UNKNOWN ||
	    v->scheme == MEDFW_VERSION_SCHEME_RPM || v->scheme == MEDFW_VERSION_SCHEME_ALPM ||
	    v->scheme == MEDFW_VERSION_SCHEME_CONAN)
		return;
	for (i = 0; i < v->constraint_count; i++) {
		const struct medfw_vers_constraint *c = &v->constraints[i];
		enum medfw_vers_result want;

		if (c->comparator == MEDFW_VERS_ANY)
			continue;
		want = (c->comparator == MEDFW_VERS_EQ || c->comparator == MEDFW_VERS_LE ||
			c->comparator == MEDFW_VERS_GE)
			       ? MEDFW_VERS_AFFECTED
			       : MEDFW_VERS_NOT_AFFECTED;
		if (medfw_vers_contains(v, c->version, &r, NULL) != MEDFW_OK || r != want)
			abort();
	}
}

static void one_mode(const char *input, enum medfw_vers_mode mode)
{
	struct medfw_vers *v = NULL, *w = NULL;
	struct medfw_diag d;
	char *t1, *t2;

	medfw_diag_clear(&d);
	if (medfw_vers_parse(input, mode, &v, &d) != MEDFW_OK) {
		if (v != NULL || d.msg[0] == '\0')
			abort();
		return;
	}
	t1 = canonical(v);
	if (medfw_vers_parse(t1, mode, &w, NULL) != MEDFW_OK)
		abort();
	t2 = canonical(w);
	if (strcmp(t1, t2) != 0 || w->problems != v->problems)
		abort();
	check_contains(v);
	free(t1);
	free(t2);
	medfw_vers_free(w);
	medfw_vers_free(v);
}

static void native(const char *type, const char *text)
{
	struct medfw_vers *v = NULL;
	struct medfw_buf b;
	struct medfw_diag d;
	char *t;

	medfw_buf_init(&b, 4u * MEDFW_VERS_MAX_LEN);
	medfw_diag_clear(&d);
	if (medfw_vers_from_native(type, text, &b, &d) != MEDFW_OK) {
		if (b.len != 0 || d.msg[0] == '\0')
			abort();
		medfw_buf_free(&b);
		return;
	}
	if (medfw_buf_append(&b, "", 1) != MEDFW_OK)
		abort();
	if (medfw_vers_parse((const char *)b.data, MEDFW_VERS_STRICT, &v, NULL) != MEDFW_OK)
		abort();
	t = canonical(v);
	if (strcmp(t, (const char *)b.data) != 0 || v->problems != 0)
		abort();
	check_contains(v);
	free(t);
	medfw_vers_free(v);
	medfw_buf_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const types[] = {"pypi", "gem", "nuget", "npm", "conan", "nginx", "openssl"};
	char *input;

	if (size > FUZZ_MAX_INPUT)
		return 0;
	input = malloc(size + 1);
	if (input == NULL)
		return 0;
	memcpy(input, data, size);
	input[size] = '\0';
	if (size >= 2 && input[0] == 'N' && input[1] >= '0' && input[1] <= '6') {
		native(types[input[1] - '0'], input + 2);
	} else {
		one_mode(input, MEDFW_VERS_STRICT);
		one_mode(input, MEDFW_VERS_LENIENT);
	}
	free(input);
	return 0;
}
