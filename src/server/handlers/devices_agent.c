/* The device side of medfwd (/device/v1): enrolment with a one-time token, signed
 * check-ins, and the device metrics. docs/devices.md describes both exchanges. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices.h"
#include "medfw/buf.h"
#include "medfw/httpsig.h"
#include "vulns.h"

/* ---- enrolment ---- */

struct enrol_arg {
	uint8_t token_hash[MEDFW_STORE_HASH_LEN];
	uint8_t public_key[MEDFW_STORE_PUBKEY_LEN];
	const char *agent_version;
	const char *hardware_id;
	int64_t device_id;                   /* out */
	struct medfw_store_device before;    /* out: the record before enrolment */
	struct medfw_store_device after;     /* out */
	const char *field;                   /* out: the field a refusal is about */
	int hardware_mismatch;               /* out */
};

/* One transaction: consume the token, check the device, bind the key. Any failure
 * rolls everything back (the token stays unused). */
static enum medfw_err enrol_tx(struct medfw_store *tx, void *user, struct medfw_diag *diag)
{
	struct enrol_arg *a = user;
	struct medfw_store_scope all = medfw_store_scope_all();
	enum medfw_err err;

	a->field = "token";
	err = medfw_store_enrolment_token_consume(tx, a->token_hash, &a->device_id, diag);
	if (err == MEDFW_OK)
		err = medfw_store_device_get(tx, all, a->device_id, &a->before, diag);
	if (err != MEDFW_OK)
		return err;
	a->field = "hardware_id";
	if (a->hardware_id != NULL && a->before.hardware_id[0] != '\0' &&
	    strcmp(a->hardware_id, a->before.hardware_id) != 0) {
		a->hardware_mismatch = 1;
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "hardware_id differs from the device record's");
	}
	a->field = NULL;
	return medfwd_device_bind_key(tx, &a->before, a->public_key, a->agent_version,
				      a->hardware_id, &a->after, diag);
}

enum medfw_err medfwd_device_bind_key(struct medfw_store *tx,
				      const struct medfw_store_device *before,
				      const uint8_t public_key[MEDFW_STORE_PUBKEY_LEN],
				      const char *agent_version, const char *hardware_id,
				      struct medfw_store_device *after, struct medfw_diag *diag)
{
	struct medfw_store_scope all = medfw_store_scope_all();
	enum medfw_err err;

	*after = *before;
	if (before->enrolment_state != MEDFW_ENROLMENT_PENDING) {
		/* re-enrolment with a new token: the old key stops working now */
		after->enrolment_state = MEDFW_ENROLMENT_PENDING;
		after->has_public_key = 0;
		memset(after->public_key, 0, sizeof(after->public_key));
		err = medfw_store_device_update(tx, all, after, diag);
		if (err != MEDFW_OK)
			return err;
	}
	err = medfw_store_device_enrol(tx, before->id, public_key, diag);
	if (err == MEDFW_OK)
		err = medfw_store_device_get(tx, all, before->id, after, diag);
	if (err != MEDFW_OK)
		return err;
	if (agent_version != NULL)
		snprintf(after->agent_version, sizeof(after->agent_version), "%s", agent_version);
	if (hardware_id != NULL && after->hardware_id[0] == '\0')
		snprintf(after->hardware_id, sizeof(after->hardware_id), "%s", hardware_id);
	return medfw_store_device_update(tx, all, after, diag);
}

static void enrol_refused(struct medfwd_app *app, struct medfwd_request *req,
			  struct medfwd_response *resp, unsigned status, const char *field,
			  const char *reason)
{
	int64_t retry = 0;

	if (medfw_ratelimit_take(app->device_fail_limit, req->remote, strlen(req->remote),
				 medfw_ctx_now(app->ctx), &retry))
		(void)medfwd_audit(app, req, medfwd_actor_of(NULL), 0, "device.enrol_failed",
				   json_pack("{s:s}", "reason", reason));
	medfwd_respond_error(resp, status, status == 403 ? "forbidden" : "invalid", field,
			     "enrolment refused: %s", reason);
}

/* POST /device/v1/enrol {token, public_key, agent_version?, hardware_id?} */
void medfwd_device_enrol(struct medfwd_request *req, struct medfwd_response *resp)
{
	static const char *const allowed[] = {"token", "public_key", "agent_version",
					      "hardware_id", NULL};
	struct medfwd_app *app = medfwd_app_of(req);
	struct medfw_pubkey *key = NULL;
	struct enrol_arg a;
	const char *token, *public_key;
	enum medfw_token_type type;
	char keyid[32];
	size_t n = 0;
	struct medfw_diag d;
	enum medfw_err err;

	memset(&a, 0, sizeof(a));
	if (!medfwd_body_only(req, resp, allowed) ||
	    !medfwd_body_string(req, resp, "token", 128, 1, &token) ||
	    !medfwd_body_string(req, resp, "public_key", 2 * MEDFW_STORE_PUBKEY_LEN, 1,
				&public_key) ||
	    !medfwd_body_string(req, resp, "agent_version", MEDFW_STORE_SHORT_MAX, 0,
				&a.agent_version) ||
	    !medfwd_body_string(req, resp, "hardware_id", MEDFW_STORE_NAME_MAX, 0, &a.hardware_id))
		return;
	if (strlen(public_key) != 2 * MEDFW_STORE_PUBKEY_LEN ||
	    medfw_hex_decode(public_key, a.public_key, sizeof(a.public_key), &n) != MEDFW_OK ||
	    n != sizeof(a.public_key) ||
	    medfw_httpsig_pubkey_from_raw(a.public_key, sizeof(a.public_key), &key, NULL) !=
		    MEDFW_OK) {
		enrol_refused(app, req, resp, 400, "public_key",
			      "public_key must be an Ed25519 public key as 64 hex digits");
		return;
	}
	medfw_pubkey_free(key);
	if (medfw_token_parse(token, &type) != MEDFW_OK || type != MEDFW_TOKEN_ENROLMENT ||
	    medfw_token_hash(token, a.token_hash, sizeof(a.token_hash)) != MEDFW_OK) {
		enrol_refused(app, req, resp, 403, "token", "not an enrolment token (mfe_...)");
		return;
	}
	medfw_diag_clear(&d);
	err = medfw_store_tx(app->store, enrol_tx, &a, &d);
	medfw_wipe(a.token_hash, sizeof(a.token_hash));
	if (a.hardware_mismatch || (a.field != NULL && (err == MEDFW_ERR_NOT_FOUND ||
							 err == MEDFW_ERR_STATE ||
							 err == MEDFW_ERR_EXPIRED))) {
		enrol_refused(app, req, resp, 403, a.field,
			      a.hardware_mismatch ? "hardware_id differs from the device record's"
			      : err == MEDFW_ERR_EXPIRED ? "the enrolment token has expired"
			      : err == MEDFW_ERR_STATE   ? "the enrolment token was already used"
							 : "unknown enrolment token");
		return;
	}
	if (err != MEDFW_OK) {
		medfwd_respond_medfw_error(resp, err, &d);
		return;
	}
	snprintf(keyid, sizeof(keyid), "device:%lld", (long long)a.device_id);
	(void)medfwd_audit(app, req, (struct medfw_audit_actor){MEDFW_ACTOR_DEVICE, a.device_id},
			   a.after.site_id, "device.enrolled",
			   json_pack("{s:I, s:s, s:s, s:s}", "device_id", (json_int_t)a.device_id,
				     "keyid", keyid, "public_key", public_key, "previous_state",
				     medfw_store_enrolment_state_name(a.before.enrolment_state)));
	medfwd_respond_json(resp, 200,
			    json_pack("{s:I, s:s, s:I, s:s, s:i, s:I}", "device_id",
				      (json_int_t)a.device_id, "keyid", keyid, "site_id",
				      (json_int_t)a.after.site_id, "enrolment_state",
				      medfw_store_enrolment_state_name(a.after.enrolment_state),
				      "next_checkin_seconds", MEDFWD_CHECKIN_INTERVAL,
				      "last_event_seq", (json_int_t)a.after.update_seq));
}

/* ---- check-in ---- */

static int is_hex_lower(const char *s, size_t len)
{
	if (strlen(s) != len)
		return 0;
	for (; *s != '\0'; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return 0;
	return 1;
}

static int is_mac(const char *s)
{
	/* xx:xx:xx:xx:xx:xx, hex digits either case */
	if (strlen(s) != 17)
		return 0;
	for (int i = 0; i < 17; i++) {
		char c = s[i];

		if (i % 3 == 2 ? c != ':'
			       : !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
				   (c >= 'A' && c <= 'F')))
			return 0;
	}
	return 1;
}

static int is_ip(const char *s)
{
	unsigned char buf[16];

	return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

struct checkin_arg {
	const struct medfwd_principal *p;
	const struct medfw_store_checkin *c;
	int64_t version; /* out: the device's director metadata version */
	int replayed;    /* out */
};

/* The request's nonce (never seen before, else nothing is written), the check-in,
 * the device's director version: one group-committed write. */
static enum medfw_err checkin_tx(struct medfw_store *tx, void *user, struct medfw_diag *diag)
{
	struct checkin_arg *a = user;
	enum medfw_err err = MEDFW_OK;

	a->replayed = 0;
	if (a->p->nonce_pending) {
		err = medfwd_device_nonce_record(tx, a->p, diag);
		a->replayed = err == MEDFW_ERR_EXISTS;
	}
	if (err == MEDFW_OK)
		err = medfw_store_device_checkin(tx, a->p->device.id, a->c, diag);
	if (err == MEDFW_OK)
		err = medfw_store_director_version(tx, a->p->device.id, &a->version, diag);
	return err;
}

/* POST /device/v1/checkin (signed) */
void medfwd_device_checkin(struct medfwd_request *req, struct medfwd_response *resp)
{
	static const char *const allowed[] = {"firmware_version", "image_sha256", "agent_version",
					      "clinical_state", "ip", "mac", "network_zone", NULL};
	struct medfwd_app *app = medfwd_app_of(req);
	const struct medfwd_principal *p = medfwd_principal_of(req);
	struct medfw_store_checkin c;
	struct checkin_arg arg = {NULL, NULL, 0, 0};
	const char *fw, *image, *agent, *clinical, *ip, *mac, *zone;
	int64_t version = 0;
	struct medfw_diag d;
	enum medfw_err err;

	if (p == NULL || p->kind != MEDFWD_PRINCIPAL_DEVICE) {
		medfwd_respond_error(resp, 401, "unauthenticated", NULL, "devices only");
		return;
	}
	if (!medfwd_body_only(req, resp, allowed) ||
	    !medfwd_body_string(req, resp, "firmware_version", MEDFW_STORE_SHORT_MAX, 1, &fw) ||
	    !medfwd_body_string(req, resp, "image_sha256", 64, 0, &image) ||
	    !medfwd_body_string(req, resp, "agent_version", MEDFW_STORE_SHORT_MAX, 1, &agent) ||
	    !medfwd_body_string(req, resp, "clinical_state", 16, 1, &clinical) ||
	    !medfwd_body_string(req, resp, "ip", MEDFW_STORE_SHORT_MAX, 0, &ip) ||
	    !medfwd_body_string(req, resp, "mac", MEDFW_STORE_SHORT_MAX, 0, &mac) ||
	    !medfwd_body_string(req, resp, "network_zone", MEDFW_STORE_SHORT_MAX, 0, &zone))
		return;
	memset(&c, 0, sizeof(c));
	if (image != NULL && !is_hex_lower(image, 64)) {
		medfwd_respond_error(resp, 400, "invalid", "image_sha256",
				     "image_sha256 must be 64 lowercase hex digits");
		return;
	}
	if (medfw_store_clinical_state_parse(clinical, &c.clinical_state) != MEDFW_OK ||
	    c.clinical_state == MEDFW_CLINICAL_UNKNOWN) {
		medfwd_respond_error(resp, 400, "invalid", "clinical_state",
				     "clinical_state must be \"in_use\" or \"idle\"");
		return;
	}
	if (ip != NULL && !is_ip(ip)) {
		medfwd_respond_error(resp, 400, "invalid", "ip", "ip must be an IPv4 or IPv6 address");
		return;
	}
	if (mac != NULL && !is_mac(mac)) {
		medfwd_respond_error(resp, 400, "invalid", "mac", "mac must be xx:xx:xx:xx:xx:xx");
		return;
	}
	snprintf(c.firmware_version, sizeof(c.firmware_version), "%s", fw);
	snprintf(c.agent_version, sizeof(c.agent_version), "%s", agent);
	snprintf(c.image_sha256, sizeof(c.image_sha256), "%s", image != NULL ? image : "");
	snprintf(c.ip, sizeof(c.ip), "%s", ip != NULL ? ip : "");
	snprintf(c.mac, sizeof(c.mac), "%s", mac != NULL ? mac : "");
	snprintf(c.network_zone, sizeof(c.network_zone), "%s", zone != NULL ? zone : "");
	/* Hook of the image repository: is this hash a release the manufacturer signed? */
	c.image_is_signed_release = image != NULL && app->image_signed_release != NULL
					    ? app->image_signed_release(app->image_signed_release_user,
									image)
					    : MEDFW_TRI_UNKNOWN;
	c.now = medfw_ctx_now(app->ctx);
	medfw_diag_clear(&d);
	/* a group commit with the other devices' check-ins */
	arg.p = p;
	arg.c = &c;
	err = medfw_store_batch(app->store, checkin_tx, &arg, &d);
	version = arg.version;
	if (err != MEDFW_OK && arg.replayed) {
		medfwd_device_replayed(req, resp);
		return;
	}
	if (err != MEDFW_OK) {
		medfwd_respond_medfw_error(resp, err, &d);
		return;
	}
	/* Another image: the sites' exposures to vulnerabilities follow (vuln_worker.c). */
	if (strcmp(p->device.image_sha256, c.image_sha256) != 0)
		medfwd_vulns_fleet_changed(app);
	/* Housekeeping every 1024 check-ins: nonces older than twice the accepted clock
	 * skew can never be replayed (their created time is refused), so drop them. */
	if ((atomic_fetch_add(&app->device_checkins, 1) & 1023u) == 1023u) {
		size_t purged = 0;

		if (medfw_store_nonce_purge(app->store,
					    medfw_ctx_now(app->ctx) - 2 * app->device_clock_skew - 60,
					    &purged, NULL) != MEDFW_OK)
			medfw_log(app->ctx, MEDFW_LOG_WARNING, "device.nonce.purge_failed",
				  "could not purge old nonces");
	}
	/* Check-ins are not audited one by one (a device reporting its state is not a
	 * change a person makes); the first one after enrolment is. */
	if (p->device.last_seen == 0)
		(void)medfwd_audit(app, req, medfwd_actor_of(p), p->device.site_id,
				   "device.first_checkin",
				   json_pack("{s:I, s:s, s:s}", "device_id", (json_int_t)p->device.id,
					     "firmware_version", fw, "agent_version", agent));
	medfwd_respond_json(resp, 200,
			    json_pack("{s:i, s:I}", "next_checkin_seconds", MEDFWD_CHECKIN_INTERVAL,
				      "director_version", (json_int_t)version));
}

/* ---- metrics ---- */

static void device_metrics(void *user, struct medfw_buf *out)
{
	struct medfwd_app *app = user;
	int64_t counts[4] = {0, 0, 0, 0};

	(void)medfw_buf_printf(out,
			       "# HELP medfwd_device_checkins_total Accepted device check-ins.\n"
			       "# TYPE medfwd_device_checkins_total counter\n"
			       "medfwd_device_checkins_total %llu\n",
			       (unsigned long long)atomic_load(&app->device_checkins));
	if (medfw_store_device_count_by_state(app->store, medfw_store_scope_all(), counts, NULL) !=
	    MEDFW_OK)
		return;
	(void)medfw_buf_printf(out, "# HELP medfwd_devices Devices by enrolment state.\n"
				    "# TYPE medfwd_devices gauge\n");
	for (int s = MEDFW_ENROLMENT_PENDING; s <= MEDFW_ENROLMENT_REVOKED; s++)
		(void)medfw_buf_printf(out, "medfwd_devices{state=\"%s\"} %lld\n",
				       medfw_store_enrolment_state_name(
					       (enum medfw_store_enrolment_state)s),
				       (long long)counts[s]);
}

int medfwd_devices_metrics_install(struct medfwd_server *srv, struct medfwd_app *app)
{
	if (medfwd_server_add_metrics(srv, device_metrics, app) != 0)
		return -1;
	return medfwd_device_events_metrics_install(srv, app);
}
