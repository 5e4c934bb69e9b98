/* libFuzzer target: CPE 2.3 formatted strings and 2.2 URIs, binding and matching.
 *
 * The input is parsed in both modes. Invariants: a rejection returns no name and a
 * message; a name the strict parser accepts is accepted by the lenient one with the
 * same formatted string; the formatted string parses again (strictly, when the input
 * was strict) to the same text; a name without wildcards is equal to and matches
 * itself and is never disjoint from itself; replacing an attribute with ANY keeps a
 * match; comparing with fixed names never fails. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "medfw/cpe.h"

#define FUZZ_MAX_INPUT (MEDFW_CPE_MAX_LEN + 64u)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *text_of(const struct medfw_cpe *c)
{
	struct medfw_buf b;
	size_t n;

	medfw_buf_init(&b, 4u * MEDFW_CPE_MAX_LEN);
	if (medfw_cpe_to_string(c, &b, NULL) != MEDFW_OK || medfw_buf_append(&b, "", 1) != MEDFW_OK)
		abort();
	return (char *)medfw_buf_steal(&b, &n);
}

static int has_wildcard(const struct medfw_cpe *c)
{
	int i;

	for (i = 0; i < MEDFW_CPE_ATTR_COUNT; i++)
		if (c->attr[i].kind == MEDFW_CPE_VALUE && c->attr[i].has_wildcard)
			return 1;
	return 0;
}

static void check(const struct medfw_cpe *c, enum medfw_cpe_mode mode)
{
	static const char *const fixed[] = {
		"cpe:2.3:a:busybox:busybox:*:*:*:*:*:*:*:*",
		"cpe:2.3:*:*:*:*:*:*:*:*:*:*:*",
		"cpe:2.3:h:espressif:esp32:-:*:*:*:*:*:*:*",
	};
	enum medfw_cpe_relation r[MEDFW_CPE_ATTR_COUNT];
	struct medfw_cpe *again = NULL, *f = NULL, *any = NULL;
	char *t1, *t2;
	size_t i;

	t1 = text_of(c);
	if (medfw_cpe_parse(t1, mode, &again, NULL) != MEDFW_OK)
		abort();
	t2 = text_of(again);
	if (strcmp(t1, t2) != 0)
		abort();
	if (!has_wildcard(c)) {
		if (!medfw_cpe_equal(c, again) || !medfw_cpe_match(c, again) ||
		    medfw_cpe_disjoint(c, again))
			abort();
		any = medfw_cpe_with_any(c, MEDFW_CPE_VERSION);
		if (any == NULL || !medfw_cpe_match(any, c))
			abort();
		medfw_cpe_free(any);
	}
	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		if (medfw_cpe_parse(fixed[i], MEDFW_CPE_STRICT, &f, NULL) != MEDFW_OK)
			abort();
		medfw_cpe_compare(f, c, r);
		(void)medfw_cpe_match(f, c);
		(void)medfw_cpe_match(c, f);
		medfw_cpe_free(f);
	}
	free(t1);
	free(t2);
	medfw_cpe_free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct medfw_cpe *s = NULL, *l = NULL;
	struct medfw_diag d;
	char *input;

	if (size > FUZZ_MAX_INPUT)
		return 0;
	input = malloc(size + 1);
	if (input == NULL)
		return 0;
	memcpy(input, data, size);
	input[size] = '\0';
	medfw_diag_clear(&d);
	if (medfw_cpe_parse(input, MEDFW_CPE_STRICT, &s, &d) != MEDFW_OK) {
		if (s != NULL || d.msg[0] == '\0')
			abort();
	} else {
		check(s, MEDFW_CPE_STRICT);
	}
	medfw_diag_clear(&d);
	if (medfw_cpe_parse(input, MEDFW_CPE_LENIENT, &l, &d) != MEDFW_OK) {
		if (l != NULL || d.msg[0] == '\0' || s != NULL)
			abort();
	} else {
		check(l, MEDFW_CPE_LENIENT);
		if (s != NULL) {
			char *a = text_of(s), *b = text_of(l);

			if (strcmp(a, b) != 0)
				abort();
			free(a);
			free(b);
		}
	}
	medfw_cpe_free(s);
	medfw_cpe_free(l);
	free(input);
	return 0;
}
