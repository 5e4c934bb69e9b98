/* libFuzzer target: release notice validation, writing and rendering.
 *
 * Parses the input as JSON (duplicate keys rejected, bounded size), validates it as a
 * release notice; a notice that validates must survive to_json -> from_json and be
 * renderable as text. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "medfw/notice.h"

#define FUZZ_MAX_INPUT (256u * 1024u)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct medfw_release_notice *n = NULL, *n2 = NULL;
	json_t *root, *out = NULL;
	struct medfw_diag d;
	struct medfw_buf text;
	json_error_t jerr;
	enum medfw_err err;

	if (size > FUZZ_MAX_INPUT)
		return 0;
	root = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY,
			  &jerr);
	if (root == NULL)
		return 0;
	medfw_diag_clear(&d);
	err = medfw_notice_from_json(root, &n, &d);
	if (err != MEDFW_OK) {
		if (n != NULL || err != MEDFW_ERR_NOTICE || d.msg[0] == '\0' ||
		    strncmp(d.msg, "release notice: ", 16) != 0)
			abort();
		json_decref(root);
		return 0;
	}
	if (medfw_notice_to_json(n, &out, &d) != MEDFW_OK)
		abort();
	if (!json_equal(out, root))
		abort();
	if (medfw_notice_from_json(out, &n2, &d) != MEDFW_OK)
		abort();
	medfw_buf_init(&text, 4u * 1024u * 1024u);
	if (medfw_notice_print_text(n2, &text) != MEDFW_OK)
		abort();
	if (n->clinical_impact == NULL || text.data == NULL ||
	    strstr((const char *)text.data, "CLINICAL IMPACT") == NULL)
		abort();
	medfw_buf_free(&text);
	medfw_notice_free(n2);
	medfw_notice_free(n);
	json_decref(out);
	json_decref(root);
	return 0;
}
