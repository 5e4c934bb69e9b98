/* Devices: what the files of the device handlers share (routes in devices.c). */
#ifndef MEDFWD_DEVICES_H
#define MEDFWD_DEVICES_H

#include "app.h"

/* Seconds a device waits between check-ins (told in every check-in answer). */
#define MEDFWD_CHECKIN_INTERVAL 300
/* Enrolment tokens: default and longest lifetime, seconds. */
#define MEDFWD_ENROLMENT_TOKEN_TTL 86400
#define MEDFWD_ENROLMENT_TOKEN_TTL_MAX (7 * 86400)

/* devices_agent.c: the device side (/device/v1). */
void medfwd_device_enrol(struct medfwd_request *req, struct medfwd_response *resp);
void medfwd_device_checkin(struct medfwd_request *req, struct medfwd_response *resp);
/* devices_events.c: POST /device/v1/events (signed) and the update history
 * GET /api/v1/devices/{device}/events (devices.read). */
void medfwd_device_events(struct medfwd_request *req, struct medfwd_response *resp);
void medfwd_device_history(struct medfwd_request *req, struct medfwd_response *resp);
/* POST /device/v1/session (devices_session.c) */
void medfwd_device_session(struct medfwd_request *req, struct medfwd_response *resp);
/* Inside a store transaction: bind public_key to the device `before` (read in the same
 * transaction; an enrolled or revoked one is reset to pending first, so its old key
 * stops working), leaving it enrolled; record agent_version (if given) and
 * hardware_id (if given and the record has none). *after is the record now. Shared by
 * token and statement enrolment. */
enum medfw_err medfwd_device_bind_key(struct medfw_store *tx,
				      const struct medfw_store_device *before,
				      const uint8_t public_key[MEDFW_STORE_PUBKEY_LEN],
				      const char *agent_version, const char *hardware_id,
				      struct medfw_store_device *after, struct medfw_diag *diag);

/* devices_io.c: import, export, the firmware report. */
void medfwd_devices_export(struct medfwd_request *req, struct medfwd_response *resp);
void medfwd_devices_import(struct medfwd_request *req, struct medfwd_response *resp);
void medfwd_report_firmware(struct medfwd_request *req, struct medfwd_response *resp);

/* devices.c: shared by the inventory files. */
json_t *medfwd_device_json(const struct medfw_store_device *d);
/* Set one people-editable field of d from text (JSON string or CSV cell); value ""
 * clears an optional field. Returns 1, or 0 with a reason in msg. `year` resolves
 * two-digit UDI years. */
int medfwd_device_set_field(struct medfw_store_device *d, const char *field, const char *value,
			    unsigned year, char *msg, size_t msg_cap);
/* The editable fields (NULL-terminated), in CSV column order. */
extern const char *const medfwd_device_fields[];
unsigned medfwd_current_year(struct medfwd_app *app);
/* Parse the list filters of the query (site, model, firmware_version,
 * enrolment_state, signed, q, sort, order); sets a 400 naming the parameter. */
int medfwd_device_filter_of(const struct medfwd_request *req, struct medfwd_response *resp,
			    struct medfw_store_device_filter *out);
/* The {device} path parameter as an id; sets a 404 when it is not one. */
int medfwd_device_id_of(const struct medfwd_request *req, struct medfwd_response *resp,
			int64_t *out);

#endif
