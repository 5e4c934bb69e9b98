/* Fuzz target for the bounded JSON parser and the canonical encoder.
 *
 * Untrusted bytes go through medfw_json_parse with small limits. When they parse,
 * the canonical form must be a fixed point: canonicalise, re-parse the canonical
 * bytes, canonicalise again, and the two encodings must be identical.
 *
 * Canonical JSON (like securesystemslib's) emits control characters inside strings
 * raw, and a raw control character is not valid JSON, so before re-parsing each byte
 * below 0x20 is replaced by its \u00XX escape. Outside strings canonical output has
 * no such bytes, and inside a string the escape decodes to the same character, so
 * this does not change the document; every re-parse must succeed.
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
#define FUZZ_MAX_REPARSE (6u * FUZZ_MAX_CANONICAL)

/* Copy canonical bytes into `out`, escaping raw control characters as \u00XX. */
static enum medfw_err escape_controls(const struct medfw_buf *in, struct medfw_buf *out)
{
	static const char hex[] = "0123456789abcdef";
	enum medfw_err err = MEDFW_OK;

	for (size_t i = 0; err == MEDFW_OK && i < in->len; i++) {
		uint8_t c = in->data[i];
		char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xf]};

		err = c < 0x20 ? medfw_buf_append(out, esc, sizeof(esc))
			       : medfw_buf_append(out, &c, 1);
	}
	return err;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct medfw_buf first, second, reparse;
	json_t *doc = NULL, *again = NULL;
	enum medfw_err err;

	medfw_buf_init(&first, FUZZ_MAX_CANONICAL);
	medfw_buf_init(&second, FUZZ_MAX_CANONICAL);
	medfw_buf_init(&reparse, FUZZ_MAX_REPARSE);
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
	err = escape_controls(&first, &reparse);
	if (err == MEDFW_ERR_NOMEM)
		goto out;
	if (err != MEDFW_OK)
		abort();
	err = medfw_json_parse(reparse.data, reparse.len, FUZZ_MAX_REPARSE, FUZZ_MAX_DEPTH,
			       &again, NULL);
	if (err == MEDFW_ERR_NOMEM)
		goto out;
	if (err != MEDFW_OK)
		abort(); /* canonical output (controls escaped) must be valid JSON */
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
	medfw_buf_free(&reparse);
	return 0;
}
