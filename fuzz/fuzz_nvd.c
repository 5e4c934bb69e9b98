/* libFuzzer target: NVD CVE API 2.0 pages and records, and their evaluation.
 *
 * The input is parsed as a response page and as a single CVE object. Invariants: a
 * rejection returns nothing and a message; every record of a page either parsed or is
 * reported with its index and a message; each record is evaluated against fixed
 * components, with and without a platform, and every verdict is one of the four
 * outcomes, with evidence naming the record unless it is NOT_RELEVANT. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "medfw/nvd.h"

#define FUZZ_MAX_INPUT (256u * 1024u)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void evaluate(const struct medfw_nvd_record *r)
{
	static const char *const cpes_a[] = {"cpe:2.3:a:busybox:busybox:1.31.1:*:*:*:*:*:*:*",
					     "cpe:/a:acme:foo:1.0"};
	static const char *const cpes_b[] = {"cpe:2.3:*:espressif:esp-idf:*:*:*:*:*:*:*:*"};
	static const char *const platform[] = {"cpe:2.3:h:espressif:esp32:-:*:*:*:*:*:*:*",
					       "cpe:2.3:o:microsoft:windows:-:*:*:*:*:*:*:*"};
	struct medfw_vuln_component c[3];
	struct medfw_nvd_platform pl = {platform, 2};
	struct medfw_vuln_verdict v;
	size_t i;
	int p;

	memset(c, 0, sizeof(c));
	c[0].name = "busybox";
	c[0].version = "1.31.1";
	c[0].cpes = cpes_a;
	c[0].cpe_count = 2;
	c[1].name = "esp-idf";
	c[1].version = "4.1";
	c[1].purl = "pkg:generic/esp-idf@4.1";
	c[1].cpes = cpes_b;
	c[1].cpe_count = 1;
	c[2].name = "x";
	c[2].cpes = cpes_b;
	c[2].cpe_count = 1;
	for (i = 0; i < 3; i++)
		for (p = 0; p < 2; p++) {
			if (medfw_nvd_evaluate_on(r, &c[i], p ? &pl : NULL, &v, NULL) != MEDFW_OK)
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
	struct medfw_nvd_page *p = NULL;
	struct medfw_nvd_record *r = NULL;
	struct medfw_diag d;
	size_t i;

	if (size > FUZZ_MAX_INPUT)
		return 0;
	medfw_diag_clear(&d);
	if (medfw_nvd_page_parse(data, size, &p, &d) == MEDFW_OK) {
		for (i = 0; i < p->record_count; i++)
			evaluate(p->records[i]);
		for (i = 0; i < p->error_count; i++)
			if (p->errors[i].message[0] == '\0' || p->errors[i].err == MEDFW_OK)
				abort();
		medfw_nvd_page_free(p);
	} else if (p != NULL || d.msg[0] == '\0') {
		abort();
	}
	medfw_diag_clear(&d);
	if (medfw_nvd_record_parse(data, size, &r, &d) == MEDFW_OK) {
		evaluate(r);
		medfw_nvd_record_free(r);
	} else if (r != NULL || d.msg[0] == '\0') {
		abort();
	}
	return 0;
}
