/* libFuzzer: the agent's state file (state.json). The agent writes it itself, but it
 * lives on the device's storage: a corrupted or planted file must be refused with a
 * message, never crash the agent or be half-applied; what is accepted must write back
 * and read again to the same state. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct agent_state st, st2;
	struct medfw_diag d;
	json_t *j1, *j2;
	char *text;

	agent_state_init(&st);
	agent_state_init(&st2);
	medfw_diag_clear(&d);
	if (agent_state_parse(data, size, &st, &d) != MEDFW_OK) {
		if (d.msg[0] == 0)
			__builtin_trap(); /* a refusal always says why */
		if (json_array_size(st.outbox) != 0 || st.device_id != 0)
			__builtin_trap(); /* nothing half-applied */
		goto out;
	}
	j1 = agent_state_json(&st);
	text = j1 != NULL ? json_dumps(j1, JSON_COMPACT) : NULL;
	if (text != NULL) {
		if (agent_state_parse((const uint8_t *)text, strlen(text), &st2, &d) != MEDFW_OK)
			__builtin_trap();
		j2 = agent_state_json(&st2);
		if (j2 == NULL || !json_equal(j1, j2))
			__builtin_trap();
		json_decref(j2);
	}
	free(text);
	json_decref(j1);
out:
	agent_state_free(&st);
	agent_state_free(&st2);
	return 0;
}
