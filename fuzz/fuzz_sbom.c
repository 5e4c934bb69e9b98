/* libFuzzer target: SBOM parsing (CycloneDX and SPDX) and CycloneDX export.
 *
 * Parses the input with the default limits (the input is capped below them to keep
 * runs fast). A refusal must leave no model and carry a message. A model must export;
 * the export must parse again (a CycloneDX 1.6 document with the same number of
 * components and dependencies and the same product) and export to the same bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "medfw/sbom.h"

#define FUZZ_MAX_INPUT (512u * 1024u)
#define FUZZ_MAX_OUTPUT (64u * 1024u * 1024u)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct medfw_sbom *sbom = NULL, *again = NULL;
	struct medfw_buf first, second;
	struct medfw_diag d;
	enum medfw_err err;

	if (size > FUZZ_MAX_INPUT)
		return 0;
	medfw_diag_clear(&d);
	err = medfw_sbom_parse(data, size, NULL, &sbom, &d);
	if (err != MEDFW_OK) {
		if (sbom != NULL || d.msg[0] == '\0')
			abort();
		return 0;
	}
	medfw_buf_init(&first, FUZZ_MAX_OUTPUT);
	medfw_buf_init(&second, FUZZ_MAX_OUTPUT);
	if (medfw_sbom_export_cyclonedx(sbom, NULL, &first, &d) != MEDFW_OK)
		abort();
	if (medfw_sbom_parse(first.data, first.len, NULL, &again, &d) != MEDFW_OK)
		abort();
	if (again->format != MEDFW_SBOM_CYCLONEDX ||
	    again->component_count != sbom->component_count ||
	    again->dependency_count != sbom->dependency_count ||
	    again->product != sbom->product)
		abort();
	for (size_t i = 0; i < sbom->component_count; i++)
		if (strcmp(again->components[i].ref, sbom->components[i].ref) != 0 ||
		    again->components[i].parent != sbom->components[i].parent)
			abort();
	if (medfw_sbom_export_cyclonedx(again, NULL, &second, &d) != MEDFW_OK ||
	    first.len != second.len || memcmp(first.data, second.data, first.len) != 0)
		abort();
	medfw_buf_free(&first);
	medfw_buf_free(&second);
	medfw_sbom_free(again);
	medfw_sbom_free(sbom);
	return 0;
}
