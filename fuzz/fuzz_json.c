/* Fuzz target for the bounded JSON parser and the canonical encoder.
 *
 * Untrusted bytes go through medfw_json_parse with small limits. When they parse,
 * the canonical form must be a fixed point: canonicalise, re-parse the canonical
 * bytes, canonicalise again, and the two encodings must be identical.
 *
 * One known exception: canonical JSON (like securesystemslib's) emits control
 * characters inside strings raw, and a raw control character is not valid JSON, so
 * the re-parse of such output fails. That failure is accepted only when the canonical
 * bytes really contain a byte below 0x20; any other re-parse failure aborts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "medfw/json.h"

#define FUZZ_MAX_BYTES (64u * 1024u)
#define FUZZ_MAX_DEPTH 16u
/* Canonical output never exceeds the input (escapes only shrink, whitespace goes),
 * but leave room so a bug there shows up as a mismatch, not a silent skip. */
#define FUZZ_MAX_CANONICAL (4u * FUZZ_MAX_BYTES)

static int has_control_byte(const struct medfw_buf *b)
{
	for (size_t i = 0; i < b->len; i++)
		if (b->data[i] < 0x20)
			return 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct medfw_buf first, second;
	json_t *doc = NULL, *again = NULL;
	enum medfw_err err;

	medfw_buf_init(&first, FUZZ_MAX_CANONICAL);
	medfw_buf_init(&second, FUZZ_MAX_CANONICAL);
	err = medfw_json_parse(data, size, FUZZ_MAX_BYTES, FUZZ_MAX_DEPTH, &doc, NULL);
	if (err != MEDFW_OK) {
		if (doc != NULL)
			abort(); /* *out must be NULL on failure */
		goto out;
	}
	err = medfw_json_canonical(doc, &first, NULL);
	if (err == MEDFW_ERR_NOT_CANONICAL || err == MEDFW_ERR_NOMEM)
		goto out;
	if (err != MEDFW_OK)
		abort(); /* within the parse limits the encoder must not fail otherwise */
	err = medfw_json_parse(first.data, first.len, FUZZ_MAX_CANONICAL, FUZZ_MAX_DEPTH, &again,
			       NULL);
	if (err != MEDFW_OK) {
		if (err == MEDFW_ERR_JSON_SYNTAX && has_control_byte(&first))
			goto out;
		abort();
	}
	err = medfw_json_canonical(again, &second, NULL);
	if (err != MEDFW_OK)
		abort();
	if (first.len != second.len || memcmp(first.data, second.data, first.len) != 0)
		abort();
	/* The trees must agree too, not just their encodings. */
	if (!json_equal(doc, again))
		abort();
out:
	json_decref(doc);
	json_decref(again);
	medfw_buf_free(&first);
	medfw_buf_free(&second);
	return 0;
}
