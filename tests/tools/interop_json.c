/* Test-only driver for the canonical JSON interoperability tests.
 *
 *   interop_json canonical FILE
 *
 * reads FILE, parses it with medfw_json_parse (16 MiB, depth 64) and writes its
 * canonical JSON bytes to stdout. On failure prints the message to stderr, exits 1.
 */
#include <stdio.h>
#include <string.h>

#include "medfw/buf.h"
#include "medfw/json.h"

#define INTEROP_MAX_BYTES (16u * 1024u * 1024u)
#define INTEROP_MAX_DEPTH 64u

static int canonical(const char *path)
{
	struct medfw_diag diag;
	struct medfw_buf input, output;
	json_t *doc = NULL;
	enum medfw_err err;
	int rc = 1;

	medfw_diag_clear(&diag);
	medfw_buf_init(&output, 2u * INTEROP_MAX_BYTES);
	err = medfw_file_read(path, INTEROP_MAX_BYTES, &input, &diag);
	if (err != MEDFW_OK)
		goto out;
	err = medfw_json_parse(input.data, input.len, INTEROP_MAX_BYTES, INTEROP_MAX_DEPTH, &doc,
			       &diag);
	if (err != MEDFW_OK)
		goto out;
	err = medfw_json_canonical(doc, &output, &diag);
	if (err != MEDFW_OK)
		goto out;
	if (fwrite(output.data, 1, output.len, stdout) != output.len || fflush(stdout) != 0) {
		err = medfw_diag_set(&diag, MEDFW_ERR_IO, "stdout: write failed");
		goto out;
	}
	rc = 0;
out:
	if (rc != 0)
		fprintf(stderr, "interop_json: %s: %s (%s)\n", path,
			medfw_diag_message(&diag, err), medfw_err_name(err));
	json_decref(doc);
	medfw_buf_free(&input);
	medfw_buf_free(&output);
	return rc;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "canonical") == 0)
		return canonical(argv[2]);
	fprintf(stderr, "usage: interop_json canonical FILE\n");
	return 2;
}
