/* Per-device sessions for a device client shared by many devices (sim_devclient.h). */
#include <stdlib.h>
#include <string.h>

#include "device_client_internal.h"
#include "sim_devclient.h"

#include "medfw/crypto.h"

struct medfw_sim_session {
	int64_t device_id; /* whose session it is */
	struct medfwi_devclient_session session;
};

enum medfw_err medfw_sim_session_save(const struct medfw_devclient *c,
				      struct medfw_sim_session **slot)
{
	struct medfw_sim_session *s = *slot;

	if (s == NULL) {
		if (!c->session.open)
			return MEDFW_OK;
		s = calloc(1, sizeof(*s));
		if (s == NULL)
			return MEDFW_ERR_NOMEM;
		*slot = s;
	}
	medfw_wipe(s, sizeof(*s));
	if (c->session.open) {
		s->device_id = c->device_id;
		s->session = c->session;
	}
	return MEDFW_OK;
}

void medfw_sim_session_restore(struct medfw_devclient *c, const struct medfw_sim_session *s)
{
	if (c == NULL || s == NULL || !s->session.open || s->device_id != c->device_id ||
	    c->device_id <= 0)
		return;
	c->session = s->session;
}

void medfw_sim_session_free(struct medfw_sim_session *s)
{
	if (s == NULL)
		return;
	medfw_wipe(s, sizeof(*s));
	free(s);
}
