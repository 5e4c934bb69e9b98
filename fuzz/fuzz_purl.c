/* libFuzzer target: package URL parsing, canonical form, build and matching.
 *
 * The input is parsed in both modes. A rejection returns no purl and a message; an
 * accepted purl has a canonical text that the strict parser accepts and that maps
 * back to the same purl and the same text; building from its components gives the
 * same purl; a purl matches itself. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "medfw/purl.h"

#define FUZZ_MAX_INPUT (MEDFW_PURL_MAX_LEN + 64u)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *canonical(const struct medfw_purl *p)
{
	struct medfw_buf b;
	size_t n;

	medfw_buf_init(&b, 16u * MEDFW_PURL_MAX_LEN);
	if (medfw_purl_to_string(p, &b, NULL) != MEDFW_OK || medfw_buf_append(&b, "", 1) != MEDFW_OK)
		abort();
	return (char *)medfw_buf_steal(&b, &n);
}

static void check_build(const struct medfw_purl *p, const char *text)
{
	struct medfw_purl_qualifier_in q[MEDFW_PURL_MAX_QUALIFIERS];
	struct medfw_purl_parts parts;
	struct medfw_purl *b = NULL;
	char *t;
	size_t i;

	memset(&parts, 0, sizeof(parts));
	parts.type = p->type;
	parts.namespace_ = p->namespace_;
	parts.name = p->name;
	parts.version = p->version;
	parts.subpath = p->subpath;
	for (i = 0; i < p->qualifier_count; i++) {
		q[i].key = p->qualifiers[i].key;
		q[i].value = p->qualifiers[i].value;
	}
	parts.qualifiers = q;
	parts.qualifier_count = p->qualifier_count;
	if (medfw_purl_build(&parts, MEDFW_PURL_STRICT, &b, NULL) != MEDFW_OK)
		abort();
	t = canonical(b);
	if (strcmp(t, text) != 0 || !medfw_purl_equal(p, b))
		abort();
	free(t);
	medfw_purl_free(b);
}

static void one_mode(const char *input, enum medfw_purl_mode mode)
{
	struct medfw_purl *p = NULL, *q = NULL;
	struct medfw_diag d;
	enum medfw_purl_match m = MEDFW_PURL_NO_MATCH;
	char *t1, *t2;

	medfw_diag_clear(&d);
	if (medfw_purl_parse(input, mode, &p, &d) != MEDFW_OK) {
		if (p != NULL || d.msg[0] == '\0')
			abort();
		return;
	}
	t1 = canonical(p);
	if (medfw_purl_parse(t1, MEDFW_PURL_STRICT, &q, NULL) != MEDFW_OK)
		abort();
	t2 = canonical(q);
	if (strcmp(t1, t2) != 0 || !medfw_purl_equal(p, q) || !medfw_purl_same_package(p, q))
		abort();
	check_build(p, t1);
	if (medfw_purl_match(p, q, &m, NULL) != MEDFW_OK || m != MEDFW_PURL_MATCH)
		abort();
	free(t1);
	free(t2);
	medfw_purl_free(q);
	medfw_purl_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *input;

	if (size > FUZZ_MAX_INPUT)
		return 0;
	input = malloc(size + 1);
	if (input == NULL)
		return 0;
	memcpy(input, data, size);
	input[size] = '\0';
	one_mode(input, MEDFW_PURL_STRICT);
	one_mode(input, MEDFW_PURL_LENIENT);
	free(input);
	return 0;
}
