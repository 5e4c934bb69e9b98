/* Second factor: TOTP enrolment for oneself, and the per-role requirement an admin
 * sets. A user whose role requires TOTP and who has not enrolled can sign in, but the
 * session reaches only "who am I", sign-out and the enrolment routes until enrolled
 * (app.c enforces it). */
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "medfw/encode.h"
#include "medfw/json.h"

#define POLICY_KEY "totp_required_roles"

static void pending_key(int64_t user_id, char *out, size_t cap)
{
	snprintf(out, cap, "totp_pending:%lld", (long long)user_id);
}

int medfwd_totp_required_for_role(struct medfwd_app *app, enum medfw_store_role role)
{
	char value[256];
	const char *name = medfw_store_role_name(role);
	size_t n = name != NULL ? strlen(name) : 0;

	if (n == 0 || medfw_store_setting_get(app->store, POLICY_KEY, value, sizeof(value), NULL) !=
			      MEDFW_OK)
		return 0;
	for (const char *p = value; *p != 0;) {
		size_t len = strcspn(p, ",");

		if (len == n && strncmp(p, name, n) == 0)
			return 1;
		p += len;
		p += *p == ',';
	}
	return 0;
}

/* POST /api/v1/me/totp: a new secret, pending until confirmed. */
static void totp_begin(struct medfwd_request *req, struct medfwd_response *resp)
{
	struct medfwd_app *app = medfwd_app_of(req);
	const struct medfwd_principal *p = medfwd_principal_of(req);
	uint8_t secret[MEDFW_TOTP_SECRET_LEN];
	char hex[2 * MEDFW_TOTP_SECRET_LEN + 1], b32[MEDFW_TOTP_SECRET_B32_LEN + 1], key[64];
	char uri[512], site[32];

	if (p->kind != MEDFWD_PRINCIPAL_SESSION) {
		medfwd_respond_error(resp, 403, "forbidden", NULL, "enrol from a signed-in session");
		return;
	}
	snprintf(site, sizeof(site), "site%lld", (long long)p->user.site_id);
	pending_key(p->user.id, key, sizeof(key));
	if (medfw_totp_secret_generate(secret, sizeof(secret)) != MEDFW_OK ||
	    medfw_hex_encode(secret, sizeof(secret), hex, sizeof(hex)) != MEDFW_OK ||
	    medfw_base32_encode(secret, sizeof(secret), b32, sizeof(b32)) != MEDFW_OK ||
	    medfw_totp_uri(secret, sizeof(secret), p->user.site_id != 0 ? site : "medfw",
			   p->user.username, uri, sizeof(uri), NULL) != MEDFW_OK ||
	    medfw_store_setting_set(app->store, key, hex, NULL) != MEDFW_OK) {
		medfw_wipe(secret, sizeof(secret));
		medfw_wipe(hex, sizeof(hex));
		medfwd_respond_error(resp, 500, "internal", NULL, "cannot start TOTP enrolment");
		return;
	}
	(void)medfwd_audit(app, req, medfwd_actor_of(p), p->user.site_id, "totp.enrolment_started",
			   NULL);
	medfwd_respond_json(resp, 200, json_pack("{s:s, s:s}", "secret", b32, "otpauth_uri", uri));
	medfw_wipe(secret, sizeof(secret));
	medfw_wipe(hex, sizeof(hex));
	medfw_wipe(b32, sizeof(b32));
}

/* POST /api/v1/me/totp/confirm {code}: the first code proves the app has the secret.
 * Only the TOTP columns are written (medfw_store_user_totp_enrol), never the request's
 * copy of the user: a disable, role change or reset an administrator makes at the same
 * moment stays. A user disabled meanwhile, or an enrolment cancelled or restarted
 * meanwhile (the code was checked against the old secret), is refused with 409. */
static void totp_confirm(struct medfwd_request *req, struct medfwd_response *resp)
{
	static const char *const allowed[] = {"code", NULL};
	struct medfwd_app *app = medfwd_app_of(req);
	const struct medfwd_principal *p = medfwd_principal_of(req);
	char hex[2 * MEDFW_TOTP_SECRET_LEN + 8], key[64];
	uint8_t secret[MEDFW_TOTP_SECRET_LEN];
	size_t n = 0;
	uint64_t counter = 0;
	const char *code;
	struct medfw_diag diag;
	enum medfw_err err;

	if (p->kind != MEDFWD_PRINCIPAL_SESSION) {
		medfwd_respond_error(resp, 403, "forbidden", NULL, "enrol from a signed-in session");
		return;
	}
	if (!medfwd_body_only(req, resp, allowed) ||
	    !medfwd_body_string(req, resp, "code", 16, 1, &code))
		return;
	pending_key(p->user.id, key, sizeof(key));
	if (medfw_store_setting_get(app->store, key, hex, sizeof(hex), NULL) != MEDFW_OK ||
	    medfw_hex_decode(hex, secret, sizeof(secret), &n) != MEDFW_OK || n != sizeof(secret)) {
		medfw_wipe(secret, sizeof(secret));
		medfw_wipe(hex, sizeof(hex));
		medfwd_respond_error(resp, 409, "conflict", NULL, "start the enrolment first");
		return;
	}
	if (medfw_totp_verify(secret, n, code, medfw_ctx_now(app->ctx), 0, &counter) != MEDFW_OK ||
	    counter > INT64_MAX) {
		medfw_wipe(secret, sizeof(secret));
		medfw_wipe(hex, sizeof(hex));
		(void)medfwd_audit(app, req, medfwd_actor_of(p), p->user.site_id,
				   "totp.enrolment_failed", NULL);
		medfwd_respond_error(resp, 400, "invalid", "code", "wrong code: check the device clock");
		return;
	}
	medfw_diag_clear(&diag);
	err = medfw_store_user_totp_enrol(app->store, p->user.id, key, hex, secret, n,
					  (int64_t)counter, &diag);
	medfw_wipe(secret, sizeof(secret));
	medfw_wipe(hex, sizeof(hex));
	if (err == MEDFW_ERR_STATE || err == MEDFW_ERR_NOT_FOUND) {
		(void)medfwd_audit(app, req, medfwd_actor_of(p), p->user.site_id,
				   "totp.enrolment_failed",
				   json_pack("{s:s}", "reason", diag.msg));
		medfwd_respond_error(resp, 409, "conflict", NULL, "%s", diag.msg);
		return;
	}
	if (err != MEDFW_OK) {
		medfw_log(app->ctx, MEDFW_LOG_ERROR, "totp.enrol", "user %lld: %s",
			  (long long)p->user.id, medfw_diag_message(&diag, err));
		medfwd_respond_error(resp, 500, "internal", NULL, "cannot store the second factor");
		return;
	}
	(void)medfwd_audit(app, req, medfwd_actor_of(p), p->user.site_id, "totp.enrolled", NULL);
	medfwd_respond_json(resp, 200, json_pack("{s:b}", "totp_enrolled", 1));
}

/* GET / PUT /api/v1/policy/totp {roles: [...]}: which roles must use TOTP. */
static void policy_get(struct medfwd_request *req, struct medfwd_response *resp)
{
	struct medfwd_app *app = medfwd_app_of(req);
	json_t *roles = json_array();

	if (!medfwd_require(req, resp, MEDFWD_PERM_USERS_READ)) {
		json_decref(roles);
		return;
	}
	for (int r = MEDFW_ROLE_ADMIN; roles != NULL && r <= MEDFW_ROLE_AUDITOR; r++)
		if (medfwd_totp_required_for_role(app, (enum medfw_store_role)r))
			json_array_append_new(roles, json_string(medfw_store_role_name(
							     (enum medfw_store_role)r)));
	medfwd_respond_json(resp, 200, json_pack("{s:o}", "roles", roles));
}

static void policy_put(struct medfwd_request *req, struct medfwd_response *resp)
{
	static const char *const allowed[] = {"roles", NULL};
	struct medfwd_app *app = medfwd_app_of(req);
	const struct medfwd_principal *p = medfwd_principal_of(req);
	json_t *roles = json_object_get(req->json, "roles"), *r;
	char value[256] = "";
	size_t i, used = 0;

	if (!medfwd_require(req, resp, MEDFWD_PERM_USERS_WRITE) ||
	    !medfwd_body_only(req, resp, allowed))
		return;
	if (p->user.site_id != 0) {
		medfwd_respond_error(resp, 403, "forbidden", NULL,
				     "the sign-in policy is set by manufacturer-wide administrators");
		return;
	}
	if (!json_is_array(roles)) {
		medfwd_respond_error(resp, 400, "invalid", "roles", "\"roles\" must be a list of roles");
		return;
	}
	json_array_foreach(roles, i, r) {
		enum medfw_store_role role;
		int n;

		if (!json_is_string(r) || medfw_store_role_parse(json_string_value(r), &role) != MEDFW_OK) {
			medfwd_respond_error(resp, 400, "invalid", "roles", "roles[%zu] is not a role", i);
			return;
		}
		n = snprintf(value + used, sizeof(value) - used, "%s%s", used ? "," : "",
			     medfw_store_role_name(role));
		if (n < 0 || (size_t)n >= sizeof(value) - used) {
			medfwd_respond_error(resp, 400, "invalid", "roles", "too many roles");
			return;
		}
		used += (size_t)n;
	}
	if (medfw_store_setting_set(app->store, POLICY_KEY, value, NULL) != MEDFW_OK) {
		medfwd_respond_error(resp, 500, "internal", NULL, "cannot store the policy");
		return;
	}
	(void)medfwd_audit(app, req, medfwd_actor_of(p), 0, "policy.totp_changed",
			   json_pack("{s:O}", "roles", roles));
	policy_get(req, resp);
}

const struct medfwd_route medfwd_routes_totp[] = {
	{"POST", "/api/v1/me/totp", totp_begin, MEDFWD_AUTH_SESSION, MEDFWD_BODY_NONE,
	 "me.totp.begin"},
	{"POST", "/api/v1/me/totp/confirm", totp_confirm, MEDFWD_AUTH_SESSION, MEDFWD_BODY_JSON,
	 "me.totp.confirm"},
	{"GET", "/api/v1/policy/totp", policy_get, MEDFWD_AUTH_TOKEN, MEDFWD_BODY_NONE,
	 "policy.totp.get"},
	{"PUT", "/api/v1/policy/totp", policy_put, MEDFWD_AUTH_TOKEN, MEDFWD_BODY_JSON,
	 "policy.totp.put"},
	{0},
};
