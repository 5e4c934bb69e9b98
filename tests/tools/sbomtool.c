/* Test-only driver for the SBOM module (tests/e2e/test_sbom_schema.py).
 *
 *   sbomtool export IN.json   parse IN.json (CycloneDX or SPDX) with the default
 *                             limits, print its CycloneDX 1.6 export on stdout
 *   sbomtool summary IN.json  print one line per component: index, parent, type,
 *                             ref, name, version, purl, first CPE, hash count
 *
 * On failure prints "sbomtool: IN.json: <message> (<error name>)" to stderr, exits 1.
 */
#include <stdio.h>
#include <string.h>

#include "medfw/buf.h"
#include "medfw/sbom.h"

#define SBOMTOOL_MAX_OUTPUT (256u * 1024u * 1024u)

static const char *or_dash(const char *s)
{
	return s != NULL ? s : "-";
}

static void summary(const struct medfw_sbom *sbom)
{
	printf("format %s %s components %zu dependencies %zu product %s\n",
	       medfw_sbom_format_name(sbom->format), sbom->spec_version, sbom->component_count,
	       sbom->dependency_count,
	       sbom->product == MEDFW_SBOM_NONE ? "-" : sbom->components[sbom->product].ref);
	for (size_t i = 0; i < sbom->component_count; i++) {
		const struct medfw_sbom_component *c = &sbom->components[i];

		printf("%zu\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%zu\n", i, or_dash(c->parent_ref),
		       medfw_sbom_type_name(c->type), c->ref, c->name, or_dash(c->version),
		       or_dash(c->purl), c->cpe_count > 0 ? c->cpes[0] : "-", c->hash_count);
	}
}

int main(int argc, char **argv)
{
	struct medfw_diag diag;
	struct medfw_buf input, output;
	struct medfw_sbom *sbom = NULL;
	enum medfw_err err;
	int rc = 1;

	if (argc != 3 || (strcmp(argv[1], "export") != 0 && strcmp(argv[1], "summary") != 0)) {
		fprintf(stderr, "usage: sbomtool export|summary IN.json\n");
		return 2;
	}
	medfw_diag_clear(&diag);
	medfw_buf_init(&output, SBOMTOOL_MAX_OUTPUT);
	err = medfw_file_read(argv[2], MEDFW_SBOM_MAX_BYTES, &input, &diag);
	if (err == MEDFW_OK)
		err = medfw_sbom_parse(input.data, input.len, NULL, &sbom, &diag);
	if (err == MEDFW_OK && strcmp(argv[1], "summary") == 0) {
		summary(sbom);
		rc = 0;
		goto out;
	}
	if (err == MEDFW_OK)
		err = medfw_sbom_export_cyclonedx(sbom, NULL, &output, &diag);
	if (err == MEDFW_OK &&
	    (fwrite(output.data, 1, output.len, stdout) != output.len || fflush(stdout) != 0))
		err = medfw_diag_set(&diag, MEDFW_ERR_IO, "stdout: write failed");
	if (err == MEDFW_OK)
		rc = 0;
out:
	if (rc != 0)
		fprintf(stderr, "sbomtool: %s: %s (%s)\n", argv[2], medfw_diag_message(&diag, err),
			medfw_err_name(err));
	medfw_sbom_free(sbom);
	medfw_buf_free(&input);
	medfw_buf_free(&output);
	return rc;
}
