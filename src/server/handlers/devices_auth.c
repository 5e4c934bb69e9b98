/* Device authentication: every request on a MEDFWD_AUTH_DEVICE route carries an HTTP
 * message signature (RFC 9421, include/medfw/httpsig.h) made with the device's own
 * Ed25519 key, bound at enrolment, or with the HMAC-SHA256 key of a session the
 * device opened with that key (include/medfw/devsession.h; MEDFWD_AUTH_DEVICE_KEY
 * routes take the device key only). docs/devices.md describes the scheme.
 *
 * Fails closed: the principal is set in one place, after medfw_httpsig_verify_ex
 * returned MEDFW_OK (signature, freshness, body digest, key of an enrolled device,
 * session not expired and a fresh nonce all checked). Every refusal is a 401 naming
 * the reason and is audited (rate limited per address so garbage cannot flood the
 * trail). */
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

#include "app.h"
#include "devices.h"
#include "medfw/devsession.h"
#include "medfw/httpsig.h"
#include "medfw/num.h"

#define KEYID_PREFIX "device:"

struct device_lookup {
	struct medfwd_app *app;
	struct medfw_store_device device; /* the device the keyid names, when known */
	int known;
	int allow_session;                /* the route takes session keys */
	int defer_nonce;                  /* the handler records the nonce (check-in) */
	int session;                      /* the keyid named a session */
	int64_t now;
	const char *reason;               /* why its key is not usable */
};

static const char *header_of(void *user, const char *name)
{
	return medfwd_request_header(user, name);
}

void medfwd_device_httpsig(struct medfwd_app *app, struct medfwd_request *req, int64_t now,
			   struct medfw_httpsig_request *hreq,
			   struct medfw_httpsig_policy *policy)
{
	static const char *const required[] = {"@method", "@path", "content-digest"};

	memset(hreq, 0, sizeof(*hreq));
	hreq->method = req->method;
	hreq->path = req->path;
	hreq->query = NULL; /* device routes take none (refused before) */
	hreq->header = header_of;
	hreq->header_user = req;
	hreq->body = req->body;
	hreq->body_len = req->body_len;
	memset(policy, 0, sizeof(*policy));
	policy->label = MEDFW_HTTPSIG_LABEL;
	policy->required = required;
	policy->n_required = sizeof(required) / sizeof(required[0]);
	policy->now = now;
	policy->max_skew = app->device_clock_skew;
}

/* "device:<id>" (canonical) or "<id>". */
static int parse_keyid(const char *keyid, int64_t *out_id)
{
	uint64_t id = 0;

	if (strncmp(keyid, KEYID_PREFIX, sizeof(KEYID_PREFIX) - 1) == 0)
		keyid += sizeof(KEYID_PREFIX) - 1;
	if (medfw_parse_u64(keyid, 1, INT64_MAX, &id) != MEDFW_OK)
		return 0;
	*out_id = (int64_t)id;
	return 1;
}

/* The enrolled device `id`, or NOT_FOUND with the reason. */
static enum medfw_err enrolled_device(struct device_lookup *l, int64_t id)
{
	if (medfw_store_device_get(l->app->store, medfw_store_scope_all(), id, &l->device, NULL) !=
	    MEDFW_OK) {
		l->reason = "unknown device";
		return MEDFW_ERR_NOT_FOUND;
	}
	l->known = 1;
	if (l->device.enrolment_state == MEDFW_ENROLMENT_REVOKED) {
		l->reason = "the device is revoked";
		return MEDFW_ERR_NOT_FOUND;
	}
	if (l->device.enrolment_state != MEDFW_ENROLMENT_ENROLLED || !l->device.has_public_key) {
		l->reason = "the device is not enrolled";
		return MEDFW_ERR_NOT_FOUND;
	}
	return MEDFW_OK;
}

/* A session keyid: not expired, not longer than any session medfwd opens, of an
 * enrolled device; its key derived from the master secret and the device's key. */
static enum medfw_err session_key(struct device_lookup *l, const char *keyid,
				  enum medfw_httpsig_alg alg, struct medfw_httpsig_key *out)
{
	int64_t id = 0, expires = 0;
	enum medfw_err err;

	l->session = 1;
	if (alg != MEDFW_HTTPSIG_HMAC_SHA256) {
		l->reason = "a session signs with hmac-sha256";
		return MEDFW_ERR_KEY_UNSUPPORTED;
	}
	if (!l->allow_session) {
		l->reason = "this request must be signed with the device key, not a session";
		return MEDFW_ERR_KEY_UNSUPPORTED;
	}
	if (medfw_devsession_keyid_parse(keyid, &id, &expires) != MEDFW_OK) {
		l->reason = "malformed session keyid";
		return MEDFW_ERR_NOT_FOUND;
	}
	if (expires <= l->now) {
		l->reason = "the session has expired";
		return MEDFW_ERR_NOT_FOUND;
	}
	if (expires - l->now > l->app->device_session_lifetime) {
		l->reason = "the session outlives any session this server opens";
		return MEDFW_ERR_NOT_FOUND;
	}
	err = enrolled_device(l, id);
	if (err != MEDFW_OK)
		return err;
	err = medfw_devsession_derive(l->app->device_session_secret, keyid, l->device.public_key,
				      out->secret);
	if (err != MEDFW_OK)
		return err;
	out->alg = MEDFW_HTTPSIG_HMAC_SHA256;
	return MEDFW_OK;
}

static enum medfw_err key_lookup(void *user, const char *keyid, enum medfw_httpsig_alg alg,
				 struct medfw_httpsig_key *out)
{
	struct device_lookup *l = user;
	int64_t id = 0;
	enum medfw_err err;

	if (medfw_devsession_is_keyid(keyid))
		return session_key(l, keyid, alg, out);
	if (alg != MEDFW_HTTPSIG_ED25519) {
		l->reason = "a device key signs with ed25519";
		return MEDFW_ERR_KEY_UNSUPPORTED;
	}
	if (!parse_keyid(keyid, &id)) {
		l->reason = "keyid is not \"device:<id>\" or a session";
		return MEDFW_ERR_NOT_FOUND;
	}
	err = enrolled_device(l, id);
	if (err != MEDFW_OK)
		return err;
	err = medfw_httpsig_pubkey_from_raw(l->device.public_key, sizeof(l->device.public_key),
					    &out->pub, NULL);
	if (err == MEDFW_OK)
		out->alg = MEDFW_HTTPSIG_ED25519;
	return err;
}

static void refuse(struct medfwd_app *app, struct medfwd_request *req,
		   struct medfwd_response *resp, const struct device_lookup *l, const char *reason,
		   const char *detail);

struct nonce_arg {
	int64_t device_id;
	int64_t created;
	const char *nonce;
};

static enum medfw_err nonce_insert(struct medfw_store *tx, void *user, struct medfw_diag *diag)
{
	const struct nonce_arg *a = user;

	return medfw_store_nonce_insert(tx, a->device_id, a->created, (const uint8_t *)a->nonce,
					strlen(a->nonce), diag);
}

/* Recorded in a group commit with the other requests' nonces (and check-ins): one
 * transaction for many devices instead of one each. */
static enum medfw_err nonce_check(void *user, const char *keyid, const char *nonce,
				  int64_t created)
{
	struct device_lookup *l = user;
	struct nonce_arg a = {l->device.id, created, nonce};

	(void)keyid;
	if (l->defer_nonce)
		return MEDFW_OK; /* the check-in records it with its own write, before answering */
	return medfw_store_batch(l->app->store, nonce_insert, &a, NULL);
}

enum medfw_err medfwd_device_nonce_record(struct medfw_store *tx,
					  const struct medfwd_principal *p,
					  struct medfw_diag *diag)
{
	struct nonce_arg a = {p->device.id, p->nonce_created, p->nonce};

	return nonce_insert(tx, &a, diag);
}

void medfwd_device_replayed(struct medfwd_request *req, struct medfwd_response *resp)
{
	const struct medfwd_principal *p = medfwd_principal_of(req);
	struct device_lookup l;

	memset(&l, 0, sizeof(l));
	l.known = p != NULL;
	if (p != NULL)
		l.device = p->device;
	refuse(medfwd_app_of(req), req, resp, &l, "replayed", "nonce already used (replay)");
}

/* Whether the request URL has a query string (device routes take none). */
static int has_query(const struct medfwd_request *req)
{
	return req->conn_ != NULL &&
	       MHD_get_connection_values(req->conn_, MHD_GET_ARGUMENT_KIND, NULL, NULL) > 0;
}

static void refuse(struct medfwd_app *app, struct medfwd_request *req,
		   struct medfwd_response *resp, const struct device_lookup *l, const char *reason,
		   const char *detail)
{
	int64_t retry = 0;

	if (medfw_ratelimit_take(app->device_fail_limit, req->remote, strlen(req->remote),
				 medfw_ctx_now(app->ctx), &retry)) {
		struct medfw_audit_actor actor = {MEDFW_ACTOR_SYSTEM, 0};

		if (l != NULL && l->known) {
			actor.actor_type = MEDFW_ACTOR_DEVICE;
			actor.actor_id = l->device.id;
		}
		(void)medfwd_audit(app, req, actor, l != NULL && l->known ? l->device.site_id : 0,
				   "device.auth_failed",
				   json_pack("{s:s, s:s, s:s}", "reason", reason, "detail", detail,
					     "route", req->route->name));
	}
	/* error.field "session": the device should open a new session and retry */
	medfwd_respond_error(resp, 401, "unauthenticated",
			     l != NULL && l->session ? "session" : NULL,
			     "device request refused: %s (%s)", reason, detail);
}

static void principal_free(void *p)
{
	if (p != NULL)
		medfw_wipe(p, sizeof(struct medfwd_principal));
	free(p);
}

int medfwd_auth_device(struct medfwd_app *app, struct medfwd_request *req,
		       struct medfwd_response *resp)
{
	struct medfw_httpsig_request hreq;
	struct medfw_httpsig_policy policy;
	struct medfw_httpsig_result result;
	struct device_lookup lookup;
	struct medfwd_principal *p;
	struct medfw_diag diag;
	const char *reason;
	enum medfw_err err;

	memset(&lookup, 0, sizeof(lookup));
	lookup.app = app;
	lookup.allow_session = req->route->auth == MEDFWD_AUTH_DEVICE;
	/* The check-in stores its nonce in the same transaction as the check-in itself
	 * (one write per check-in, not two); every other route has it stored here,
	 * before its handler runs. */
	lookup.defer_nonce = req->route->handler == medfwd_device_checkin;
	lookup.now = medfw_ctx_now(app->ctx);
	if (has_query(req)) {
		refuse(app, req, resp, NULL, "query", "device requests carry no query string");
		return 0;
	}
	medfwd_device_httpsig(app, req, lookup.now, &hreq, &policy);
	policy.algs = MEDFW_HTTPSIG_ED25519 | MEDFW_HTTPSIG_HMAC_SHA256;
	medfw_diag_clear(&diag);
	err = medfw_httpsig_verify_ex(&hreq, &policy, key_lookup, &lookup, nonce_check, &lookup,
				      &result, &diag);
	switch (err) {
	case MEDFW_OK: reason = NULL; break;
	case MEDFW_ERR_FIELD_MISSING: reason = "unsigned"; break;
	case MEDFW_ERR_EXPIRED: reason = "stale"; break;
	case MEDFW_ERR_HASH_MISMATCH: reason = "body digest mismatch"; break;
	case MEDFW_ERR_SIGNATURE: reason = "bad signature"; break;
	case MEDFW_ERR_EXISTS: reason = "replayed"; break;
	case MEDFW_ERR_KEY_UNSUPPORTED:
		reason = lookup.reason != NULL ? lookup.reason : "unsupported algorithm";
		break;
	case MEDFW_ERR_NOT_FOUND: reason = lookup.reason != NULL ? lookup.reason : "unknown key"; break;
	case MEDFW_ERR_FIELD_VALUE:
	case MEDFW_ERR_TOO_LARGE:
		reason = strstr(diag.msg, "in the future") != NULL ? "future" : "malformed signature";
		break;
	default:
		/* the store failed (nonce insert, key lookup): not the device's fault */
		medfw_log(app->ctx, MEDFW_LOG_ERROR, "device.auth.error", "%s",
			  medfw_diag_message(&diag, err));
		medfwd_respond_error(resp, 503, "unavailable", NULL,
				     "cannot check the device signature now; retry");
		return 0;
	}
	if (reason != NULL) {
		refuse(app, req, resp, &lookup, reason, medfw_diag_message(&diag, err));
		return 0;
	}
	p = calloc(1, sizeof(*p));
	if (p == NULL) {
		medfwd_respond_error(resp, 500, "internal", NULL, "out of memory");
		return 0;
	}
	p->kind = MEDFWD_PRINCIPAL_DEVICE;
	p->user.site_id = lookup.device.site_id; /* no role: medfwd_require refuses */
	p->device = lookup.device;
	p->device_session = lookup.session;
	if (lookup.defer_nonce) {
		p->nonce_pending = 1;
		p->nonce_created = result.created;
		memcpy(p->nonce, result.nonce, sizeof(p->nonce));
	}
	medfwd_request_set_principal(req, p, principal_free);
	return 1;
}
