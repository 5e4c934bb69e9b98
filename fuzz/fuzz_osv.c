/* libFuzzer target: OSV records, parsed and evaluated.
 *
 * A rejected record returns nothing and a message. An accepted record is evaluated
 * for a few components (by purl, by name, with odd versions): evaluation never
 * fails, every outcome but NOT_RELEVANT carries a rule and a comparison, a
 * withdrawn record is never AFFECTED, and a component without a version is never
 * NOT_AFFECTED unless the record is withdrawn. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "medfw/osv.h"

#define FUZZ_MAX_INPUT (256u * 1024u)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct medfw_vuln_component components[] = {
	{"openssl", NULL, "1.0.2p-r0", "pkg:apk/alpine/openssl@1.0.2p-r0?distro=alpine-3.8", NULL, 0, NULL},
	{"x", NULL, "1.0.0", "pkg:npm/x@1.0.0", NULL, 0, NULL},
	{"requests", NULL, "2.30.0", "pkg:pypi/requests@2.30.0", NULL, 0, NULL},
	{"wolfssl", NULL, "5.5.1-stable", NULL, NULL, 0, NULL},
	{"node", NULL, "v10.0.0", "pkg:github/nodejs/node@v10.0.0", NULL, 0, NULL},
	{"nginx", NULL, "custom", "pkg:deb/debian/nginx@custom", NULL, 0, NULL},
	{"x", NULL, NULL, "pkg:npm/x", NULL, 0, NULL},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct medfw_osv_record *r = NULL;
	struct medfw_vuln_verdict v;
	struct medfw_diag d;
	size_t i;

	if (size > FUZZ_MAX_INPUT)
		return 0;
	medfw_diag_clear(&d);
	if (medfw_osv_parse(data, size, &r, &d) != MEDFW_OK) {
		if (r != NULL || d.msg[0] == '\0')
			abort();
		return 0;
	}
	if (r->id == NULL || r->modified == NULL)
		abort();
	for (i = 0; i < sizeof(components) / sizeof(components[0]); i++) {
		if (medfw_osv_evaluate(r, &components[i], &v, NULL) != MEDFW_OK)
			abort();
		if (v.outcome > MEDFW_VULN_NOT_RELEVANT)
			abort();
		if (v.outcome != MEDFW_VULN_NOT_RELEVANT && (v.rule[0] == '\0' || v.comparison[0] == '\0'))
			abort();
		if (r->withdrawn != NULL && v.outcome == MEDFW_VULN_AFFECTED)
			abort();
		if (components[i].version == NULL && r->withdrawn == NULL &&
		    v.outcome == MEDFW_VULN_NOT_AFFECTED)
			abort();
	}
	medfw_osv_free(r);
	return 0;
}
