/* Device sessions kept per device while one device client serves many devices: the
 * fleet simulator (medfw-sim) reuses one struct medfw_devclient per thread for
 * thousands of simulated devices (medfw_devclient_set_identity), which ends the open
 * session each time. These two calls move a device's session out of the client after
 * its requests and back in before the next ones, so each simulated device keeps the
 * session it opened (docs/devices.md "Sessions") as a real device would.
 *
 * A saved session holds the session's HMAC key: it is wiped when replaced and by
 * medfw_sim_session_free. Nothing here logs. */
#ifndef MEDFW_SIM_DEVCLIENT_H
#define MEDFW_SIM_DEVCLIENT_H

#include <stdint.h>

#include "medfw/device_client.h"
#include "medfw/error.h"

struct medfw_sim_session; /* opaque */

/* Copy the client's open session (if any) into *slot, allocating it on first use;
 * without an open session *slot is wiped and marked empty. MEDFW_ERR_NOMEM only. */
enum medfw_err medfw_sim_session_save(const struct medfw_devclient *c,
				      struct medfw_sim_session **slot) MEDFW_WARN_UNUSED;

/* Give the client the saved session back. Call it after medfw_devclient_set_identity
 * for the device the session was saved from; a session of another device (or an empty
 * or NULL one) is not restored: the client opens a new one when it needs one. */
void medfw_sim_session_restore(struct medfw_devclient *c, const struct medfw_sim_session *s);

/* Wipe and free (NULL is a no-op). */
void medfw_sim_session_free(struct medfw_sim_session *s);

#endif
