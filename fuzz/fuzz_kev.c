/* libFuzzer target: the CISA KEV catalog.
 *
 * A rejected catalog returns nothing and a message. An accepted one has "count"
 * entries, sorted by CVE id without repeats, every required field present, dates
 * of ten characters, and the binary search finds each entry and nothing that is
 * not a CVE id. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "medfw/kev.h"

#define FUZZ_MAX_INPUT (256u * 1024u)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct medfw_kev_catalog *kev = NULL;
	struct medfw_diag d;
	size_t i;

	if (size > FUZZ_MAX_INPUT)
		return 0;
	medfw_diag_clear(&d);
	if (medfw_kev_parse(data, size, &kev, &d) != MEDFW_OK) {
		if (kev != NULL || d.msg[0] == '\0')
			abort();
		return 0;
	}
	if (kev->count < 0 || (size_t)kev->count != kev->entry_count)
		abort();
	for (i = 0; i < kev->entry_count; i++) {
		const struct medfw_kev_entry *e = &kev->entries[i];

		if (e->cve_id == NULL || e->vendor_project == NULL || e->product == NULL ||
		    e->vulnerability_name == NULL || e->short_description == NULL ||
		    e->required_action == NULL || strlen(e->date_added) != 10 || strlen(e->due_date) != 10)
			abort();
		if (i > 0 && strcmp(kev->entries[i - 1].cve_id, e->cve_id) >= 0)
			abort();
		if (medfw_kev_lookup(kev, e->cve_id) != e)
			abort();
	}
	if (medfw_kev_lookup(kev, "CVE-") != NULL)
		abort(); /* not a CVE id: never an entry */
	medfw_kev_free(kev);
	return 0;
}
