/* The device agent's engine (medfw-agent; docs/agent.md): enrolment, signed check-ins,
 * Uptane-style verification of the director's instruction against the image
 * repository, a one-pass streaming install into the inactive A/B slot, the boot flip,
 * health checks, commit or automatic rollback, clinical-use deferral, offline bundles,
 * and every phase reported to the server as an event.
 *
 * Everything the agent must remember across a power loss is in one state file
 * (<state_dir>/state.json, written atomically) and in the boot state (medfw/slot.h).
 * Each step that changes the boot state is preceded by a state save naming the step,
 * so the next start finishes or abandons it (docs/agent.md "Power-loss safety").
 */
#ifndef MEDFW_AGENT_H
#define MEDFW_AGENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "medfw/config.h"
#include "medfw/ctx.h"
#include "medfw/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The configuration file (/etc/medfw-agent.conf), parsed strictly by medfw/config.h. */
struct medfw_agent_config {
	char *server_url;
	char *ca_file;
	char *pinned_public_key;
	int allow_http;
	char *state_dir;
	char *image_root;
	char *director_root;
	char *hardware_id;
	char *udi_di;
	char *factory_version;
	unsigned slot_backend; /* 0 file, 1 uboot, 2 grub */
	char *slot_a;
	char *slot_b;
	char *boot_state_file;
	char *booted_slot_file;
	char *uboot_config;
	char *grubenv;
	char *grub_editenv;
	uint64_t checkin_interval;
	uint64_t checkin_jitter;
	uint64_t retry_max;
	char *health_check;
	uint64_t health_check_timeout;
	char *clinical_state_command;
	char *clinical_state_file;
	char *reboot_command;
	uint64_t connect_timeout;
	uint64_t request_timeout;
	uint64_t low_speed_time;
	uint64_t max_recv_speed;
	uint64_t download_attempts;
	int use_sessions;
	uint64_t trial_tries;
	uint64_t max_image_bytes;
	char *status_file;
};

extern const struct medfw_config_option medfw_agent_config_options[];
extern const size_t medfw_agent_config_option_count;

/* Load and check a configuration file (medfw_config_load plus the rules that join
 * options: the backend's options present, a clinical-state source, https unless
 * allow_http, ...). Free with medfw_agent_config_clear. */
enum medfw_err medfw_agent_config_load(const char *path, struct medfw_agent_config *out,
				       struct medfw_diag *diag) MEDFW_WARN_UNUSED;
void medfw_agent_config_clear(struct medfw_agent_config *cfg);

struct medfw_agent;

/* Open the agent: load the state (a new device has none yet), open the slot backend.
 * Takes an exclusive lock on <state_dir>/agent.lock (MEDFW_ERR_STATE when another
 * agent holds it). cfg and ctx are borrowed. */
enum medfw_err medfw_agent_open(struct medfw_ctx *ctx, const struct medfw_agent_config *cfg,
				struct medfw_agent **out,
				struct medfw_diag *diag) MEDFW_WARN_UNUSED;
void medfw_agent_close(struct medfw_agent *a);

/* Make the device key (Ed25519, <state_dir>/device-key.pem, mode 0600), enrol with a
 * one-time token, pin the director root (director_root from the configuration, or the
 * server's over the pinned TLS channel) and the image repository root. Refused when
 * the device is enrolled already, unless `again` (a new key: the server needs a new
 * token). The token is never logged or stored. */
enum medfw_err medfw_agent_enroll(struct medfw_agent *a, const char *token, bool again,
				  struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* What one pass of the daemon did. */
enum medfw_agent_outcome {
	MEDFW_AGENT_IDLE = 0,        /* nothing to install */
	MEDFW_AGENT_DEFERRED = 1,    /* an update waits (clinical use, window, ...) */
	MEDFW_AGENT_REBOOTING = 2,   /* the reboot command was run */
	MEDFW_AGENT_COMMITTED = 3,   /* the running slot was committed */
	MEDFW_AGENT_ROLLED_BACK = 4, /* an update was rolled back (reported) */
	MEDFW_AGENT_FAILED = 5,      /* an update was refused or failed (reported) */
};
const char *medfw_agent_outcome_name(enum medfw_agent_outcome o);

/* Finish whatever the last run left (the boot after a flip: health checks, commit or
 * rollback), then one check-in, the director's instruction, and an install when it
 * is due and allowed. Network errors are returned (the daemon backs off); a refused
 * update is an outcome, not an error. */
enum medfw_err medfw_agent_cycle(struct medfw_agent *a, enum medfw_agent_outcome *out,
				 struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* Offline install of a bundle (USB stick, service laptop): the same checks against the
 * device's pinned image root, hardware id, UDI-DI, security version and agent version,
 * streamed into the inactive slot, then the flip and (when not in clinical use) the
 * reboot. `reboot` false: flip only. */
enum medfw_err medfw_agent_install_bundle(struct medfw_agent *a, const char *bundle_path,
					  bool reboot, enum medfw_agent_outcome *out,
					  struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* Abandon the update in progress: before the reboot the new slot is made unbootable;
 * while running it on trial, it is made unbootable and the device reboots into the
 * previous slot. With no update in progress: switch back to the other slot when it
 * holds a verified image not below the minimum security version. */
enum medfw_err medfw_agent_rollback(struct medfw_agent *a, const char *reason, bool reboot,
				    enum medfw_agent_outcome *out,
				    struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* Commit the slot running on trial after the health checks pass. */
enum medfw_err medfw_agent_commit(struct medfw_agent *a, enum medfw_agent_outcome *out,
				  struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* The agent's state, boot state and update in progress as a new JSON object. */
enum medfw_err medfw_agent_status(struct medfw_agent *a, json_t **out,
				  struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* Seconds until the next check-in: the server's next_checkin_seconds from the last
 * check-in, else checkin_interval. */
uint64_t medfw_agent_next_checkin(const struct medfw_agent *a);

/* Send the queued events now (also done by every cycle). */
enum medfw_err medfw_agent_flush_events(struct medfw_agent *a,
					struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* The agent's own version (release notices name a minimum). */
const char *medfw_agent_version(void);

/* Compare dotted numeric versions ("1.10.2" > "1.9"): -1, 0, 1. A component that is not
 * a number makes the versions incomparable: MEDFW_ERR_FIELD_VALUE. */
enum medfw_err medfw_agent_version_cmp(const char *a, const char *b, int *out) MEDFW_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif
