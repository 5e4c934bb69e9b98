/* libFuzzer: TUF metadata parsing and signature counting on untrusted bytes.
 * Each input is tried as every role type; a parsed root is also verified against its
 * own keys, and a parsed targets walks its delegations. */
#include <stddef.h>
#include <stdint.h>

#include "medfw/tuf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (int t = 0; t < MEDFW_TUF_TOP_ROLES; t++) {
		struct medfw_tuf_meta *m = NULL;

		if (medfw_tuf_meta_parse_unverified(data, size, 1u << 20,
						    (enum medfw_tuf_role_type)t, &m,
						    NULL) != MEDFW_OK)
			continue;
		if (m->type == MEDFW_TUF_ROOT)
			for (int r = 0; r < MEDFW_TUF_TOP_ROLES; r++)
				(void)medfw_tuf_meta_count_valid(m, &m->keys, &m->roles[r]);
		for (size_t i = 0; i < m->delegated_count; i++)
			(void)medfw_tuf_delegation_matches(&m->delegated[i], "firmware/a/b.img");
		if (m->has_succinct_roles) {
			char name[512];

			(void)medfw_tuf_succinct_role_for(&m->succinct, "x", name, sizeof(name));
		}
		for (size_t i = 0; i < m->target_count; i++)
			(void)medfw_tuf_check_length_hashes((const uint8_t *)"abc", 3,
							    m->targets[i].length,
							    m->targets[i].hashes, "t", NULL);
		medfw_tuf_meta_free(m);
	}
	return 0;
}
