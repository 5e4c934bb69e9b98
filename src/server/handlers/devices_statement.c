/* Enrolment with a manufacturer-signed device statement (docs/devices.md,
 * docs/formats/device-statement.md): POST /device/v1/enrol-statement.
 *
 * The device presents the statement the factory signed for it and signs the request
 * (RFC 9421) with the private key of the statement's public_key: proof of possession.
 * The statement must verify against the manufacturer keys the operator configured
 * (device_statement_keys; no web account can add one), and name exactly one pending
 * device record a person created beforehand. The key is then bound exactly as token
 * enrolment binds it (medfwd_device_bind_key), in one transaction; any refusal
 * changes nothing. Fails closed: success is answered in one place, after every check. */
#include <string.h>

#include <microhttpd.h>

#include "devices.h"
#include "medfw/buf.h"
#include "medfw/device_statement.h"
#include "medfw/httpsig.h"

/* More devices than this with one model and serial: ambiguous anyway. */
#define MATCH_MAX 8

/* ---- start-up ---- */

enum medfw_err medfwd_device_statement_init(struct medfwd_app *app, const char *keys_path,
					    struct medfw_diag *diag)
{
	struct medfw_buf file;
	json_t *ids;
	enum medfw_err err;

	if (keys_path == NULL)
		return MEDFW_OK; /* disabled: each attempt is answered 403 naming the option */
	err = medfw_file_read(keys_path, MEDFW_DEVSTMT_KEYS_MAX_BYTES, &file, diag);
	if (err == MEDFW_OK) {
		struct medfw_diag kd;

		medfw_diag_clear(&kd);
		err = medfw_device_statement_keys_load(file.data, file.len, &app->statement_keys,
						       &kd);
		if (err != MEDFW_OK)
			medfw_diag_set(diag, err, "device_statement_keys %s: %s", keys_path,
				       medfw_diag_message(&kd, err));
		medfw_buf_free(&file);
	}
	if (err != MEDFW_OK)
		return err;
	ids = json_array();
	for (size_t i = 0; i < medfw_device_statement_keys_count(app->statement_keys); i++) {
		const char *keyid = medfw_device_statement_keys_keyid(app->statement_keys, i);

		json_array_append_new(ids, json_string(keyid));
		medfw_log(app->ctx, MEDFW_LOG_INFO, "device.statement.key",
			  "trusted manufacturer key for device statements: %s", keyid);
	}
	return medfwd_audit(app, NULL, medfwd_actor_of(NULL), 0, "device.statement_keys_loaded",
			    json_pack("{s:s, s:o}", "file", keys_path, "keyids", ids));
}

void medfwd_device_statement_free(struct medfwd_app *app)
{
	medfw_device_statement_keys_free(app->statement_keys);
	app->statement_keys = NULL;
}

/* ---- proof of possession ---- */

struct pop {
	const struct medfw_device_statement *st;
	const char *reason; /* why the keyid is not usable */
};

/* The only key is the statement's; keyid must be its public_key (64 hex). */
static enum medfw_err key_lookup(void *user, const char *keyid, struct medfw_pubkey **out)
{
	struct pop *p = user;

	*out = NULL;
	if (strcmp(keyid, p->st->public_key_hex) != 0) {
		p->reason = "keyid is not the statement's public_key";
		return MEDFW_ERR_NOT_FOUND;
	}
	return medfw_httpsig_pubkey_from_raw(p->st->public_key, sizeof(p->st->public_key), out,
					     NULL);
}

/* The nonce is recorded for the device found, inside the enrolment transaction. */
static enum medfw_err nonce_later(void *user, const char *keyid, const char *nonce,
				  int64_t created)
{
	(void)user;
	(void)keyid;
	(void)nonce;
	(void)created;
	return MEDFW_OK;
}

/* Verify the request signature; on refusal *reason and diag say why (status 401). */
static enum medfw_err check_possession(struct medfwd_app *app, struct medfwd_request *req,
				       const struct medfw_device_statement *st,
				       struct medfw_httpsig_result *result, const char **reason,
				       struct medfw_diag *diag)
{
	struct medfw_httpsig_request hreq;
	struct medfw_httpsig_policy policy;
	struct pop pop = {st, NULL};
	enum medfw_err err;

	*reason = NULL;
	if (req->conn_ != NULL &&
	    MHD_get_connection_values(req->conn_, MHD_GET_ARGUMENT_KIND, NULL, NULL) > 0) {
		*reason = "query";
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "device requests carry no query string");
	}
	medfwd_device_httpsig(app, req, medfw_ctx_now(app->ctx), &hreq, &policy);
	err = medfw_httpsig_verify(&hreq, &policy, key_lookup, &pop, nonce_later, NULL, result,
				   diag);
	switch (err) {
	case MEDFW_OK: break;
	case MEDFW_ERR_FIELD_MISSING: *reason = "unsigned"; break;
	case MEDFW_ERR_EXPIRED: *reason = "stale"; break;
	case MEDFW_ERR_HASH_MISMATCH: *reason = "body digest mismatch"; break;
	case MEDFW_ERR_SIGNATURE: *reason = "bad signature"; break;
	case MEDFW_ERR_KEY_UNSUPPORTED: *reason = "unsupported algorithm"; break;
	case MEDFW_ERR_NOT_FOUND: *reason = pop.reason != NULL ? pop.reason : "unknown key"; break;
	case MEDFW_ERR_FIELD_VALUE:
	case MEDFW_ERR_TOO_LARGE:
		*reason = strstr(diag->msg, "in the future") != NULL ? "future" : "malformed signature";
		break;
	default: break; /* not the device's fault: 503 */
	}
	return err;
}

/* ---- the transaction ---- */

struct stmt_enrol {
	const struct medfw_device_statement *st;
	const char *agent_version;
	const char *nonce;
	int64_t created;                  /* the request signature's created time */
	struct medfw_store_device before; /* out: the record before enrolment */
	struct medfw_store_device after;  /* out */
	const char *reason;               /* out: why it was refused (403) */
	const char *field;                /* out: the statement field it is about */
};

/* Set a refusal (403) and roll back. */
static enum medfw_err refuse_tx(struct stmt_enrol *a, const char *field, const char *reason,
				struct medfw_diag *diag)
{
	a->field = field;
	a->reason = reason;
	return medfw_diag_set(diag, MEDFW_ERR_STATE, "%s", reason);
}

/* Find the one pending record of (model, serial) across all sites into a->before. */
static enum medfw_err find_pending(struct medfw_store *tx, struct stmt_enrol *a,
				   struct medfw_diag *diag)
{
	int64_t ids[MATCH_MAX];
	size_t n = 0, pending = 0, enrolled = 0, revoked = 0;
	enum medfw_err err;

	err = medfw_store_device_find_by_model_serial(tx, a->st->model, a->st->serial, ids,
						       MATCH_MAX, &n, diag);
	if (err == MEDFW_ERR_TOO_LARGE)
		return refuse_tx(a, "serial", "ambiguous: several devices have this model and serial",
				 diag);
	for (size_t i = 0; err == MEDFW_OK && i < n; i++) {
		struct medfw_store_device d;

		err = medfw_store_device_get(tx, medfw_store_scope_all(), ids[i], &d, diag);
		if (err != MEDFW_OK)
			break;
		if (d.enrolment_state == MEDFW_ENROLMENT_PENDING && pending++ == 0)
			a->before = d;
		enrolled += d.enrolment_state == MEDFW_ENROLMENT_ENROLLED;
		revoked += d.enrolment_state == MEDFW_ENROLMENT_REVOKED;
	}
	if (err != MEDFW_OK)
		return err;
	if (pending > 1)
		return refuse_tx(a, "serial",
				 "ambiguous: more than one pending device has this model and serial",
				 diag);
	if (pending == 0)
		return refuse_tx(a, "serial",
				 enrolled > 0 ? "no pending device with this model and serial (it "
						"is enrolled already: a person issues an enrolment "
						"token to enrol it again)"
				 : revoked > 0 ? "no pending device with this model and serial (it "
						 "is revoked: a person issues an enrolment token "
						 "to enrol it again)"
					       : "no pending device with this model and serial",
				 diag);
	return MEDFW_OK;
}

/* One transaction: find the record, check it against the statement, record the
 * nonce, bind the key. Any refusal rolls everything back. */
static enum medfw_err stmt_tx(struct medfw_store *tx, void *user, struct medfw_diag *diag)
{
	struct stmt_enrol *a = user;
	int64_t other = 0;
	enum medfw_err err;

	a->reason = a->field = NULL; /* the transaction may run again after contention */
	memset(&a->before, 0, sizeof(a->before));
	err = find_pending(tx, a, diag);
	if (err != MEDFW_OK)
		return err;
	if (a->before.hardware_id[0] != '\0' &&
	    strcmp(a->before.hardware_id, a->st->hardware_id) != 0)
		return refuse_tx(a, "hardware_id", "hardware_id differs from the device record's",
				 diag);
	if (a->before.udi_di[0] != '\0' && strcmp(a->before.udi_di, a->st->udi_di) != 0)
		return refuse_tx(a, "udi_di", "udi_di differs from the device record's", diag);
	if (a->before.udi_pi[0] != '\0' && strcmp(a->before.udi_pi, a->st->udi_pi) != 0)
		return refuse_tx(a, "udi_pi", "udi_pi differs from the device record's", diag);
	err = medfw_store_device_find_by_public_key(tx, a->st->public_key, a->before.id, &other,
						    diag);
	if (err != MEDFW_OK)
		return err;
	if (other != 0)
		return refuse_tx(a, "public_key", "the public key is bound to another device already",
				 diag);
	err = medfw_store_nonce_insert(tx, a->before.id, a->created, (const uint8_t *)a->nonce,
				       strlen(a->nonce), diag);
	if (err == MEDFW_ERR_EXISTS)
		return refuse_tx(a, NULL, "replayed request (nonce already used)", diag);
	if (err != MEDFW_OK)
		return err;
	return medfwd_device_bind_key(tx, &a->before, a->st->public_key, a->agent_version,
				      a->st->hardware_id, &a->after, diag);
}

/* ---- the handler ---- */

/* Answer a refusal and audit it (rate limited per address, as token enrolment). */
static void refused(struct medfwd_app *app, struct medfwd_request *req,
		    struct medfwd_response *resp, unsigned status, const char *field,
		    const char *reason, const struct medfw_device_statement *st)
{
	int64_t retry = 0;

	if (medfw_ratelimit_take(app->device_fail_limit, req->remote, strlen(req->remote),
				 medfw_ctx_now(app->ctx), &retry)) {
		json_t *detail = json_pack("{s:s, s:s}", "method", "statement", "reason", reason);

		if (detail != NULL && st != NULL) {
			json_object_set_new(detail, "statement_sha256",
					    json_string(st->statement_sha256));
			json_object_set_new(detail, "model", json_string(st->model));
			json_object_set_new(detail, "serial", json_string(st->serial));
		}
		(void)medfwd_audit(app, req, medfwd_actor_of(NULL), 0, "device.enrol_failed", detail);
	}
	medfwd_respond_error(resp, status,
			     status == 401   ? "unauthenticated"
			     : status == 403 ? "forbidden"
					     : "invalid",
			     field, "statement enrolment refused: %s", reason);
}

/* POST /device/v1/enrol-statement {statement, agent_version?} (signed with the
 * statement's key) */
static void device_enrol_statement(struct medfwd_request *req, struct medfwd_response *resp)
{
	static const char *const allowed[] = {"statement", "agent_version", NULL};
	struct medfwd_app *app = medfwd_app_of(req);
	struct medfw_device_statement *st = NULL;
	struct medfw_httpsig_result result;
	struct stmt_enrol a;
	const char *agent_version = NULL, *reason = NULL;
	char signer[MEDFW_KEYID_HEX_LEN + 1];
	char keyid[32];
	char why[MEDFW_DIAG_MSG_MAX + 64];
	json_t *envelope;
	struct medfw_diag d;
	enum medfw_err err;

	medfw_diag_clear(&d);
	if (app->statement_keys == NULL) {
		refused(app, req, resp, 403, NULL,
			"statement enrolment is disabled: this server has no device_statement_keys "
			"(trusted manufacturer keys) configured",
			NULL);
		return;
	}
	if (!medfwd_body_only(req, resp, allowed) ||
	    !medfwd_body_string(req, resp, "agent_version", MEDFW_STORE_SHORT_MAX, 0,
				&agent_version))
		return;
	envelope = json_object_get(req->json, "statement");
	if (!json_is_object(envelope)) {
		refused(app, req, resp, 400, "statement",
			"statement must be the statement document (an object)", NULL);
		return;
	}
	err = medfw_device_statement_from_json_unverified(envelope, &st, &d);
	if (err != MEDFW_OK) {
		refused(app, req, resp, 400, "statement", medfw_diag_message(&d, err), NULL);
		return;
	}
	/* Proof of possession of the statement's private key. */
	medfw_diag_clear(&d);
	err = check_possession(app, req, st, &result, &reason, &d);
	if (err != MEDFW_OK && reason == NULL) {
		medfw_log(app->ctx, MEDFW_LOG_ERROR, "device.enrol.error", "%s",
			  medfw_diag_message(&d, err));
		medfwd_respond_error(resp, 503, "unavailable", NULL,
				     "cannot check the device signature now; retry");
		goto out;
	}
	if (err != MEDFW_OK) {
		snprintf(why, sizeof(why), "request signature: %s (%s)", reason,
			 medfw_diag_message(&d, err));
		refused(app, req, resp, 401, NULL, why, st);
		goto out;
	}
	/* The manufacturer's signature, issue time and expiry. */
	medfw_diag_clear(&d);
	err = medfw_device_statement_verify(st, app->statement_keys, medfw_ctx_now(app->ctx),
					    app->device_clock_skew, signer, &d);
	if (err != MEDFW_OK) {
		refused(app, req, resp, 403, "statement", medfw_diag_message(&d, err), st);
		goto out;
	}
	/* The record, in one transaction. */
	memset(&a, 0, sizeof(a));
	a.st = st;
	a.agent_version = agent_version;
	a.nonce = result.nonce;
	a.created = result.created;
	medfw_diag_clear(&d);
	err = medfw_store_tx(app->store, stmt_tx, &a, &d);
	if (err != MEDFW_OK && a.reason != NULL) {
		refused(app, req, resp, 403, a.field, a.reason, st);
		goto out;
	}
	if (err != MEDFW_OK) {
		medfwd_respond_medfw_error(resp, err, &d);
		goto out;
	}
	snprintf(keyid, sizeof(keyid), "device:%lld", (long long)a.after.id);
	(void)medfwd_audit(app, req, (struct medfw_audit_actor){MEDFW_ACTOR_DEVICE, a.after.id},
			   a.after.site_id, "device.enrolled",
			   json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s}", "device_id",
				     (json_int_t)a.after.id, "keyid", keyid, "public_key",
				     st->public_key_hex, "previous_state",
				     medfw_store_enrolment_state_name(a.before.enrolment_state),
				     "method", "statement", "statement_keyid", signer,
				     "statement_sha256", st->statement_sha256));
	medfwd_respond_json(resp, 200,
			    json_pack("{s:I, s:s, s:I, s:s, s:i, s:I}", "device_id",
				      (json_int_t)a.after.id, "keyid", keyid, "site_id",
				      (json_int_t)a.after.site_id, "enrolment_state",
				      medfw_store_enrolment_state_name(a.after.enrolment_state),
				      "next_checkin_seconds", MEDFWD_CHECKIN_INTERVAL,
				      "last_event_seq", (json_int_t)a.after.update_seq));
out:
	medfw_device_statement_free(st);
}

const struct medfwd_route medfwd_routes_device_statement[] = {
	{"POST", "/device/v1/enrol-statement", device_enrol_statement, MEDFWD_AUTH_NONE,
	 MEDFWD_BODY_JSON, "device.enrol_statement"},
	{0},
};
