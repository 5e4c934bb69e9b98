/* libFuzzer target: CVE JSON 5 records and their evaluation.
 *
 * Invariants: a rejection returns no record and a message; an accepted record is
 * evaluated against fixed components (by vendor and product, by purl, by CPE, without
 * a version) and every verdict is one of the four outcomes, with evidence naming the
 * record unless it is NOT_RELEVANT. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "medfw/cve5.h"

#define FUZZ_MAX_INPUT (256u * 1024u)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void evaluate(const struct medfw_cve5_record *r)
{
	static const char *const cpes[] = {"cpe:2.3:a:curl:curl:8.9.0:*:*:*:*:*:*:*"};
	struct medfw_vuln_component c[4];
	struct medfw_vuln_verdict v;
	size_t i;

	memset(c, 0, sizeof(c));
	c[0].name = "curl";
	c[0].supplier = "curl";
	c[0].version = "8.9.0";
	c[1].name = "Linux";
	c[1].group = "Linux";
	c[1].version = "6.12.5";
	c[1].cpes = cpes;
	c[1].cpe_count = 1;
	c[2].name = "xz";
	c[2].version = "5.6.1";
	c[2].purl = "pkg:github/tukaani-project/xz@5.6.1";
	c[3].name = "widget";
	c[3].purl = "pkg:npm/%40acme/widget";
	for (i = 0; i < 4; i++) {
		if (medfw_cve5_evaluate(r, &c[i], &v, NULL) != MEDFW_OK)
			abort();
		if (v.outcome > MEDFW_VULN_NOT_RELEVANT)
			abort();
		if (v.outcome != MEDFW_VULN_NOT_RELEVANT &&
		    (strncmp(v.rule, r->id, strlen(r->id)) != 0 || v.comparison[0] == '\0'))
			abort();
		if (memchr(v.rule, '\0', sizeof(v.rule)) == NULL ||
		    memchr(v.comparison, '\0', sizeof(v.comparison)) == NULL)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct medfw_cve5_record *r = NULL;
	struct medfw_diag d;

	if (size > FUZZ_MAX_INPUT)
		return 0;
	medfw_diag_clear(&d);
	if (medfw_cve5_record_parse(data, size, &r, &d) == MEDFW_OK) {
		evaluate(r);
		medfw_cve5_record_free(r);
	} else if (r != NULL || d.msg[0] == '\0') {
		abort();
	}
	return 0;
}
