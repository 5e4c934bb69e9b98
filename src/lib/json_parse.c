/* Bounded JSON parsing of untrusted bytes.
 *
 * Size and nesting depth are checked by a linear, non-recursive pre-scan before
 * jansson sees a byte: jansson's parser is recursive with a fixed limit of 2048 levels,
 * far deeper than any medfw document, so the pre-scan is what bounds its stack use.
 * jansson then rejects duplicate keys, \u0000 (JSON_ALLOW_NUL is not set), invalid
 * UTF-8, lone surrogates and trailing data. Integers outside the int64 range are
 * rejected by jansson as "too big integer" and reported as MEDFW_ERR_JSON_SYNTAX.
 */
#include "medfw/json.h"

/* Find the first byte where container nesting exceeds max_depth. Brackets inside
 * strings do not count; a backslash inside a string escapes the next byte, so an
 * escaped quote does not end the string. Unbalanced or malformed input is left for
 * jansson to reject: this scan only has to bound the depth jansson will recurse to.
 * Returns 1 and sets *offset when too deep, 0 otherwise. */
static int too_deep(const uint8_t *data, size_t len, unsigned max_depth, size_t *offset)
{
	size_t depth = 0;
	int in_string = 0, escaped = 0;

	for (size_t i = 0; i < len; i++) {
		uint8_t c = data[i];

		if (in_string) {
			if (escaped)
				escaped = 0;
			else if (c == '\\')
				escaped = 1;
			else if (c == '"')
				in_string = 0;
			continue;
		}
		switch (c) {
		case '"':
			in_string = 1;
			break;
		case '[':
		case '{':
			depth++;
			if (depth > max_depth) {
				*offset = i;
				return 1;
			}
			break;
		case ']':
		case '}':
			if (depth > 0)
				depth--;
			break;
		default:
			break;
		}
	}
	return 0;
}

enum medfw_err medfw_json_parse(const uint8_t *data, size_t len, size_t max_bytes,
				unsigned max_depth, json_t **out, struct medfw_diag *diag)
{
	static const uint8_t empty[1] = {0};
	json_error_t jerr;
	size_t offset = 0;
	json_t *root;

	if (out == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "JSON: no output");
	*out = NULL;
	if (data == NULL && len != 0)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "JSON: no input");
	if (len > max_bytes)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE,
				      "JSON: %zu bytes, more than the limit of %zu", len,
				      max_bytes);
	if (data == NULL)
		data = empty;
	if (too_deep(data, len, max_depth, &offset))
		return medfw_diag_set(diag, MEDFW_ERR_TOO_DEEP,
				      "JSON: nested deeper than %u levels at byte offset %zu",
				      max_depth, offset);
	root = json_loadb((const char *)data, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY,
			  &jerr);
	/* jansson reports most allocation failures as syntax errors (often with an empty
	 * or misleading text), so only its explicit out-of-memory code maps to NOMEM;
	 * either way the parse fails closed. */
	if (root == NULL && json_error_code(&jerr) == json_error_out_of_memory)
		return medfw_diag_set(diag, MEDFW_ERR_NOMEM, "JSON: %s", jerr.text);
	if (root == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_JSON_SYNTAX,
				      "JSON: line %d, column %d (byte offset %d): %s", jerr.line,
				      jerr.column, jerr.position,
				      jerr.text[0] != 0 ? jerr.text
							: "parse failed (no reason given; out of memory?)");
	*out = root;
	return MEDFW_OK;
}
