/* libFuzzer target: CSAF 2.0 documents, parsed, validated and evaluated.
 *
 * A rejected document returns nothing and a message. An accepted document: every
 * product id resolves to a definition with that id, the mandatory tests run
 * without error and each finding names a test medfw implements, and every
 * vulnerability evaluates (with and without a product-mapping table) to an
 * outcome with evidence unless NOT_RELEVANT. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "medfw/csaf.h"

#define FUZZ_MAX_INPUT (256u * 1024u)
#define FUZZ_MAX_VULNS 16u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const cpes[] = {"cpe:2.3:a:example:abc:4.2:*:*:*:*:*:*:*"};

static const struct medfw_vuln_component components[] = {
	{"abc", NULL, "4.2", NULL, cpes, 1, NULL},
	{"dcmtk", NULL, "3.6.6", "pkg:generic/dcmtk@3.6.6", NULL, 0, NULL},
	{"git-lfs", NULL, "2.13.3-3.el8_6.1", "pkg:rpm/redhat/git-lfs@2.13.3-3.el8_6.1?arch=x86_64",
	 NULL, 0, NULL},
	{"abc", NULL, NULL, NULL, NULL, 0, NULL},
};

static const struct medfw_csaf_product_map map[] = {
	{NULL, "ABC", "abc", NULL, NULL},
	{"OFFIS", "DCMTK", "dcmtk", "vers:generic/<3.6.7", NULL},
	{NULL, "Product A", "abc", NULL, "semver"},
};

static int implemented(const char *test)
{
	const char *const *t;

	for (t = medfw_csaf_validator_tests(); *t != NULL; t++)
		if (strcmp(*t, test) == 0)
			return 1;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct medfw_csaf_doc *doc = NULL;
	struct medfw_csaf_report rep;
	struct medfw_vuln_verdict v;
	struct medfw_diag d;
	size_t i, k;

	if (size > FUZZ_MAX_INPUT)
		return 0;
	medfw_diag_clear(&d);
	if (medfw_csaf_parse(data, size, &doc, &d) != MEDFW_OK) {
		if (doc != NULL || d.msg[0] == '\0')
			abort();
		return 0;
	}
	for (i = 0; i < doc->product_count; i++) {
		const struct medfw_csaf_product *p = medfw_csaf_product_find(doc, doc->products[i].product_id);

		if (p == NULL || strcmp(p->product_id, doc->products[i].product_id) != 0)
			abort();
	}
	memset(&rep, 0, sizeof(rep));
	if (medfw_csaf_validate(doc, &rep, NULL) != MEDFW_OK)
		abort();
	for (i = 0; i < rep.count; i++)
		if (!implemented(rep.findings[i].test))
			abort();
	medfw_csaf_report_free(&rep);
	for (i = 0; i < doc->vulnerability_count && i < FUZZ_MAX_VULNS; i++) {
		for (k = 0; k < sizeof(components) / sizeof(components[0]); k++) {
			if (medfw_csaf_evaluate(doc, i, &components[k], map, 3, &v, NULL) != MEDFW_OK ||
			    v.outcome > MEDFW_VULN_NOT_RELEVANT)
				abort();
			if (v.outcome != MEDFW_VULN_NOT_RELEVANT &&
			    (v.rule[0] == '\0' || v.comparison[0] == '\0'))
				abort();
			if (medfw_csaf_evaluate(doc, i, &components[k], NULL, 0, &v, NULL) != MEDFW_OK)
				abort();
		}
	}
	medfw_csaf_free(doc);
	return 0;
}
