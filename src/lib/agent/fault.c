/* Fault injection for the power-loss tests (docs/agent.md "Power-loss safety").
 *
 * MEDFW_AGENT_FAULT=POINT or POINT@N makes the agent kill itself with SIGKILL at that
 * point, as a power cut would stop it (no clean-up, no buffered writes flushed by the
 * process). Points: download@N (after N image bytes were received), write@N (in the
 * middle of writing the slot, after N bytes reached it), before-flip, after-flip,
 * health (while the health check runs), before-commit, after-commit, before-reboot,
 * before-rollback. Someone who can set the agent's environment can already stop it,
 * so the hook gives nothing away; it reads nothing else. */
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent_internal.h"
#include "medfw/num.h"

static const char *fault_spec(const char *point, const char **arg)
{
	const char *s = getenv("MEDFW_AGENT_FAULT");
	size_t n = strlen(point);

	if (s == NULL || strncmp(s, point, n) != 0 || (s[n] != 0 && s[n] != '@'))
		return NULL;
	*arg = s[n] == '@' ? s + n + 1 : NULL;
	return s;
}

void agent_die(void)
{
	kill(getpid(), SIGKILL);
	abort();
}

void agent_fault(const char *point)
{
	const char *arg = NULL;

	if (fault_spec(point, &arg) != NULL && arg == NULL)
		agent_die();
}

uint64_t agent_fault_offset(const char *point)
{
	const char *arg = NULL;
	uint64_t v = 0;

	if (fault_spec(point, &arg) == NULL || arg == NULL ||
	    medfw_parse_u64(arg, 0, UINT64_MAX - 1, &v) != MEDFW_OK)
		return UINT64_MAX;
	return v;
}
