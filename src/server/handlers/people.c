/* People: the first admin (bootstrap), sign-in and sign-out, who am I, sites, users,
 * API tokens, and the audit trail. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "medfw/json.h"
#include "medfw/num.h"

#define PAGE_MAX 100

static json_t *user_json(const struct medfw_store_user *u)
{
	return json_pack("{s:I, s:s, s:s, s:s, s:o, s:b, s:b, s:b}", "id", (json_int_t)u->id,
			 "username", u->username, "display_name", u->display_name, "role",
			 medfw_store_role_name(u->role), "site_id",
			 u->site_id != 0 ? json_integer(u->site_id) : json_null(), "totp_enrolled",
			 u->totp_secret_len != 0, "totp_required", u->totp_required, "disabled",
			 u->disabled);
}

static void set_session_cookie(struct medfwd_app *app, struct medfwd_response *resp,
			       const char *token, int64_t max_age)
{
	char cookie[256];

	/* Always Secure: browsers keep it over https, and on http://localhost for tests;
	 * over plain http on a network a browser drops it, which is the point. */
	(void)app;
	snprintf(cookie, sizeof(cookie),
		 "%s=%s; Path=/; HttpOnly; Secure; SameSite=Strict; Max-Age=%lld",
		 MEDFWD_SESSION_COOKIE, token, (long long)max_age);
	medfwd_response_add_header(resp, "Set-Cookie", cookie);
}

/* Make a password hash for a new user after the policy check; sets the response on
 * failure and returns 0. */
static int new_password(const char *username, const char *password, char *out, size_t cap,
			struct medfwd_response *resp)
{
	struct medfw_diag d;

	medfw_diag_clear(&d);
	if (medfw_password_check_policy(username, password, &d) != MEDFW_OK) {
		medfwd_respond_error(resp, 400, "weak_password", "password", "%s", d.msg);
		return 0;
	}
	if (medfw_password_hash(password, out, cap, &d) != MEDFW_OK) {
		medfwd_respond_error(resp, 500, "internal", NULL, "cannot hash the password");
		return 0;
	}
	return 1;
}

/* POST /api/v1/bootstrap {token, username, password, display_name?} */
static void bootstrap_admin(struct medfwd_request *req, struct medfwd_response *resp)
{
	static const char *const allowed[] = {"token", "username", "password", "display_name", NULL};
	struct medfwd_app *app = medfwd_app_of(req);
	struct medfw_store_user u;
	const char *token, *username, *password, *display;
	uint8_t hash[MEDFW_STORE_HASH_LEN];
	struct medfw_diag d;
	enum medfw_err err;

	if (!medfwd_body_only(req, resp, allowed) ||
	    !medfwd_body_string(req, resp, "token", 128, 1, &token) ||
	    !medfwd_body_string(req, resp, "username", MEDFW_STORE_NAME_MAX, 1, &username) ||
	    !medfwd_body_string(req, resp, "password", 1024, 1, &password) ||
	    !medfwd_body_string(req, resp, "display_name", MEDFW_STORE_NAME_MAX, 0, &display))
		return;
	memset(&u, 0, sizeof(u));
	if (!new_password(username, password, u.password_hash, sizeof(u.password_hash), resp))
		return;
	medfw_diag_clear(&d);
	if (medfw_token_hash(token, hash, sizeof(hash)) != MEDFW_OK ||
	    (err = medfw_store_bootstrap_consume(app->store, hash, &d)) != MEDFW_OK) {
		(void)medfwd_audit(app, req, medfwd_actor_of(NULL), 0, "bootstrap.refused", NULL);
		medfwd_respond_error(resp, 403, "forbidden", "token",
				     "the bootstrap token is wrong or was already used");
		return;
	}
	snprintf(u.username, sizeof(u.username), "%s", username);
	snprintf(u.display_name, sizeof(u.display_name), "%s", display != NULL ? display : username);
	u.role = MEDFW_ROLE_ADMIN;
	err = medfw_store_user_create(app->store, &u, &d);
	medfw_wipe(u.password_hash, sizeof(u.password_hash));
	if (err != MEDFW_OK) {
		medfwd_respond_medfw_error(resp, err, &d);
		return;
	}
	(void)medfwd_audit(app, req, medfwd_actor_of(NULL), 0, "bootstrap.admin_created",
			   json_pack("{s:I, s:s}", "user_id", (json_int_t)u.id, "username",
				     u.username));
	medfwd_respond_json(resp, 201, user_json(&u));
}

/* POST /api/v1/session {username, password, totp_code?} */
static void login(struct medfwd_request *req, struct medfwd_response *resp)
{
	static const char *const allowed[] = {"username", "password", "totp_code", NULL};
	struct medfwd_app *app = medfwd_app_of(req);
	struct medfw_store_user u;
	struct medfw_store_session s;
	struct medfw_login_state ls;
	const char *username, *password, *code;
	char token[MEDFW_TOKEN_BUF], csrf[MEDFW_CSRF_TOKEN_BUF], sid_hex[2 * MEDFW_STORE_HASH_LEN + 1];
	int64_t now = medfw_ctx_now(app->ctx), retry = 0;
	uint64_t counter = 0;
	int known;

	if (!medfwd_body_only(req, resp, allowed) ||
	    !medfwd_body_string(req, resp, "username", MEDFW_STORE_NAME_MAX, 1, &username) ||
	    !medfwd_body_string(req, resp, "password", 1024, 1, &password) ||
	    !medfwd_body_string(req, resp, "totp_code", 16, 0, &code))
		return;
	if (!medfw_ratelimit_take(app->login_limit, req->remote, strlen(req->remote), now, &retry)) {
		char ra[32];

		snprintf(ra, sizeof(ra), "%lld", (long long)retry);
		medfwd_response_add_header(resp, "Retry-After", ra);
		medfwd_respond_error(resp, 429, "rate_limited", NULL,
				     "too many sign-in attempts from this address; retry in %lld s",
				     (long long)retry);
		return;
	}
	known = medfw_store_user_find_login(app->store, username, &u, NULL) == MEDFW_OK;
	if (!known) {
		/* same work as a real check: the answer does not reveal which users exist */
		enum medfw_err dummy = medfw_password_verify_dummy(password);

		(void)dummy; /* always "wrong": only its cost matters */
		(void)medfwd_audit(app, req, medfwd_actor_of(NULL), 0, "login.failed",
				   json_pack("{s:s, s:s}", "username", username, "reason",
					     "unknown user"));
		medfwd_respond_error(resp, 401, "unauthenticated", NULL, "wrong username or password");
		return;
	}
	ls.failed_logins = (uint32_t)(u.failed_logins > UINT32_MAX ? UINT32_MAX : u.failed_logins);
	ls.locked_until = u.locked_until;
	if (medfw_login_check(&ls, now, &retry) == MEDFW_LOGIN_LOCKED || u.disabled) {
		(void)medfwd_audit(app, req, (struct medfw_audit_actor){MEDFW_ACTOR_USER, u.id},
				   u.site_id, "login.failed",
				   json_pack("{s:s}", "reason", u.disabled ? "disabled" : "locked"));
		medfwd_respond_error(resp, 401, "unauthenticated", NULL,
				     u.disabled ? "this account is disabled"
						: "this account is locked after failed sign-ins; "
						  "try again later");
		return;
	}
	if (medfw_password_verify(u.password_hash, password, NULL) != MEDFW_OK) {
		struct medfw_login_state next;

		medfw_login_record_failure(&ls, now, &next);
		if (medfw_store_user_login_failed(app->store, u.id, MEDFW_LOGIN_FREE_FAILURES,
						  medfw_login_lock_duration(next.failed_logins), NULL,
						  NULL) != MEDFW_OK)
			medfw_log(app->ctx, MEDFW_LOG_ERROR, "login.count.failed",
				  "could not count a failed sign-in of user %lld", (long long)u.id);
		(void)medfwd_audit(app, req, (struct medfw_audit_actor){MEDFW_ACTOR_USER, u.id},
				   u.site_id, "login.failed",
				   json_pack("{s:s}", "reason", "wrong password"));
		medfwd_respond_error(resp, 401, "unauthenticated", NULL, "wrong username or password");
		return;
	}
	if (u.totp_secret_len != 0) {
		if (code == NULL) {
			medfwd_respond_error(resp, 401, "totp_required", "totp_code",
					     "enter the code from your authenticator app");
			return;
		}
		if (medfw_totp_verify(u.totp_secret, u.totp_secret_len, code, now,
				      (uint64_t)u.totp_last_counter, &counter) != MEDFW_OK ||
		    medfw_store_user_totp_accept(app->store, u.id, (int64_t)counter, NULL) !=
			    MEDFW_OK) {
			(void)medfwd_audit(app, req,
					   (struct medfw_audit_actor){MEDFW_ACTOR_USER, u.id},
					   u.site_id, "login.failed",
					   json_pack("{s:s}", "reason", "wrong or reused TOTP code"));
			medfwd_respond_error(resp, 401, "unauthenticated", "totp_code",
					     "wrong or already used authenticator code");
			return;
		}
	}
	memset(&s, 0, sizeof(s));
	if (medfw_token_generate(MEDFW_TOKEN_SESSION, token, sizeof(token)) != MEDFW_OK ||
	    medfw_token_hash(token, s.id, sizeof(s.id)) != MEDFW_OK ||
	    medfw_hex_encode(s.id, sizeof(s.id), sid_hex, sizeof(sid_hex)) != MEDFW_OK ||
	    medfw_csrf_token(app->csrf_secret, sizeof(app->csrf_secret), sid_hex, csrf,
			     sizeof(csrf)) != MEDFW_OK) {
		medfwd_respond_error(resp, 500, "internal", NULL, "cannot make a session");
		return;
	}
	s.user_id = u.id;
	s.created_at = now;
	s.last_seen = now;
	s.expires_at = now + app->session_lifetime;
	snprintf(s.remote_addr, sizeof(s.remote_addr), "%s", req->remote);
	if (medfw_store_session_create(app->store, &s, NULL) != MEDFW_OK ||
	    medfw_store_user_login_succeeded(app->store, u.id, NULL) != MEDFW_OK) {
		medfw_wipe(token, sizeof(token));
		medfwd_respond_error(resp, 500, "internal", NULL, "cannot store the session");
		return;
	}
	(void)medfwd_audit(app, req, (struct medfw_audit_actor){MEDFW_ACTOR_USER, u.id}, u.site_id,
			   "login.ok", json_pack("{s:b}", "totp", u.totp_secret_len != 0));
	set_session_cookie(app, resp, token, app->session_lifetime);
	medfw_wipe(token, sizeof(token));
	medfwd_respond_json(resp, 200,
			    json_pack("{s:s, s:o, s:I, s:b}", "csrf_token", csrf, "user",
				      user_json(&u), "expires_in", (json_int_t)app->session_lifetime,
				      "totp_enrolment_required",
				      u.totp_secret_len == 0 &&
					      (u.totp_required ||
					       medfwd_totp_required_for_role(app, u.role))));
}

/* DELETE /api/v1/session */
static void logout(struct medfwd_request *req, struct medfwd_response *resp)
{
	struct medfwd_app *app = medfwd_app_of(req);
	const struct medfwd_principal *p = medfwd_principal_of(req);

	if (medfw_store_session_revoke(app->store, p->session_id, NULL) != MEDFW_OK) {
		medfwd_respond_error(resp, 500, "internal", NULL, "cannot end the session");
		return;
	}
	(void)medfwd_audit(app, req, medfwd_actor_of(p), p->user.site_id, "logout", NULL);
	set_session_cookie(app, resp, "", 0);
	medfwd_respond_json(resp, 200, json_pack("{s:b}", "signed_out", 1));
}

/* GET /api/v1/me. With a session, also its CSRF token (the one login returned,
 * derived again from the session id), so a reloaded web page gets it back: only the
 * same origin can read this answer (no CORS; the cookie is SameSite=Strict). */
static void me(struct medfwd_request *req, struct medfwd_response *resp)
{
	struct medfwd_app *app = medfwd_app_of(req);
	const struct medfwd_principal *p = medfwd_principal_of(req);
	char csrf[MEDFW_CSRF_TOKEN_BUF], sid_hex[2 * MEDFW_STORE_HASH_LEN + 1];
	json_t *perms = json_array(), *body;

	for (unsigned i = 0; perms != NULL && i < MEDFWD_PERM_COUNT_; i++)
		if (medfwd_role_allows(p->user.role, (enum medfwd_permission)i))
			json_array_append_new(perms, json_string(medfwd_permission_name(
						      (enum medfwd_permission)i)));
	body = json_pack("{s:o, s:s, s:o}", "user", user_json(&p->user), "via",
			 p->kind == MEDFWD_PRINCIPAL_TOKEN ? "api_token" : "session",
			 "permissions", perms);
	if (body != NULL && p->kind == MEDFWD_PRINCIPAL_SESSION) {
		if (medfw_hex_encode(p->session_id, sizeof(p->session_id), sid_hex,
				     sizeof(sid_hex)) != MEDFW_OK ||
		    medfw_csrf_token(app->csrf_secret, sizeof(app->csrf_secret), sid_hex, csrf,
				     sizeof(csrf)) != MEDFW_OK ||
		    json_object_set_new(body, "csrf_token", json_string(csrf)) != 0) {
			medfw_wipe(csrf, sizeof(csrf));
			json_decref(body);
			medfwd_respond_error(resp, 500, "internal", NULL,
					     "cannot derive the CSRF token");
			return;
		}
		medfw_wipe(csrf, sizeof(csrf));
	}
	medfwd_respond_json(resp, 200, body);
}

/* ---- sites ---- */

static json_t *site_json(const struct medfw_store_site *s)
{
	return json_pack("{s:I, s:s, s:s}", "id", (json_int_t)s->id, "name", s->name, "time_zone",
			 s->time_zone);
}

static void sites_list(struct medfwd_request *req, struct medfwd_response *resp)
{
	struct medfwd_app *app = medfwd_app_of(req);
	struct medfw_store_site page[PAGE_MAX];
	size_t n = 0;
	json_t *items;
	struct medfw_diag d;
	enum medfw_err err;

	if (!medfwd_require(req, resp, MEDFWD_PERM_SITES_READ))
		return;
	medfw_diag_clear(&d);
	err = medfw_store_site_list(app->store, medfwd_scope_of(medfwd_principal_of(req)), 0, page,
				    PAGE_MAX, &n, &d);
	if (err != MEDFW_OK) {
		medfwd_respond_medfw_error(resp, err, &d);
		return;
	}
	items = json_array();
	for (size_t i = 0; items != NULL && i < n; i++)
		json_array_append_new(items, site_json(&page[i]));
	medfwd_respond_json(resp, 200, json_pack("{s:o}", "sites", items));
}

static void sites_create(struct medfwd_request *req, struct medfwd_response *resp)
{
	static const char *const allowed[] = {"name", "time_zone", NULL};
	struct medfwd_app *app = medfwd_app_of(req);
	const struct medfwd_principal *p = medfwd_principal_of(req);
	struct medfw_store_site s;
	const char *name, *tz;
	struct medfw_diag d;
	enum medfw_err err;

	if (!medfwd_require(req, resp, MEDFWD_PERM_SITES_WRITE))
		return;
	if (p->user.site_id != 0) {
		medfwd_respond_error(resp, 403, "forbidden", NULL,
				     "only manufacturer-wide administrators create sites");
		return;
	}
	if (!medfwd_body_only(req, resp, allowed) ||
	    !medfwd_body_string(req, resp, "name", MEDFW_STORE_NAME_MAX, 1, &name) ||
	    !medfwd_body_string(req, resp, "time_zone", MEDFW_STORE_SHORT_MAX, 1, &tz))
		return;
	memset(&s, 0, sizeof(s));
	snprintf(s.name, sizeof(s.name), "%s", name);
	snprintf(s.time_zone, sizeof(s.time_zone), "%s", tz);
	medfw_diag_clear(&d);
	err = medfw_store_site_create(app->store, &s, &d);
	if (err != MEDFW_OK) {
		medfwd_respond_medfw_error(resp, err, &d);
		return;
	}
	(void)medfwd_audit(app, req, medfwd_actor_of(p), s.id, "site.created",
			   json_pack("{s:s, s:s}", "name", s.name, "time_zone", s.time_zone));
	medfwd_respond_json(resp, 201, site_json(&s));
}

/* ---- users ---- */

static void users_list(struct medfwd_request *req, struct medfwd_response *resp)
{
	struct medfwd_app *app = medfwd_app_of(req);
	struct medfw_store_user *page;
	size_t n = 0;
	json_t *items;
	struct medfw_diag d;
	enum medfw_err err;

	if (!medfwd_require(req, resp, MEDFWD_PERM_USERS_READ))
		return;
	page = calloc(PAGE_MAX, sizeof(*page));
	if (page == NULL) {
		medfwd_respond_error(resp, 500, "internal", NULL, "out of memory");
		return;
	}
	medfw_diag_clear(&d);
	err = medfw_store_user_list(app->store, medfwd_scope_of(medfwd_principal_of(req)), 0, page,
				    PAGE_MAX, &n, &d);
	if (err != MEDFW_OK) {
		free(page);
		medfwd_respond_medfw_error(resp, err, &d);
		return;
	}
	items = json_array();
	for (size_t i = 0; items != NULL && i < n; i++)
		json_array_append_new(items, user_json(&page[i]));
	medfw_wipe(page, PAGE_MAX * sizeof(*page));
	free(page);
	medfwd_respond_json(resp, 200, json_pack("{s:o}", "users", items));
}

static void users_create(struct medfwd_request *req, struct medfwd_response *resp)
{
	static const char *const allowed[] = {"username", "password", "display_name", "role",
					      "site_id", "totp_required", NULL};
	struct medfwd_app *app = medfwd_app_of(req);
	const struct medfwd_principal *p = medfwd_principal_of(req);
	struct medfw_store_user u;
	const char *username, *password, *display, *role;
	json_t *totp = json_object_get(req->json, "totp_required");
	int64_t site_id = 0;
	struct medfw_diag d;
	enum medfw_err err;

	if (!medfwd_require(req, resp, MEDFWD_PERM_USERS_WRITE))
		return;
	if (!medfwd_body_only(req, resp, allowed) ||
	    !medfwd_body_string(req, resp, "username", MEDFW_STORE_NAME_MAX, 1, &username) ||
	    !medfwd_body_string(req, resp, "password", 1024, 1, &password) ||
	    !medfwd_body_string(req, resp, "display_name", MEDFW_STORE_NAME_MAX, 0, &display) ||
	    !medfwd_body_string(req, resp, "role", 32, 1, &role) ||
	    !medfwd_body_int(req, resp, "site_id", 0, INT64_MAX, 0, &site_id))
		return;
	if (totp != NULL && !json_is_boolean(totp)) {
		medfwd_respond_error(resp, 400, "invalid", "totp_required", "must be true or false");
		return;
	}
	memset(&u, 0, sizeof(u));
	if (medfw_store_role_parse(role, &u.role) != MEDFW_OK) {
		medfwd_respond_error(resp, 400, "invalid", "role", "unknown role \"%.32s\"", role);
		return;
	}
	/* site staff create users of their own site only */
	if (p->user.site_id != 0 && site_id != p->user.site_id) {
		medfwd_respond_error(resp, 403, "forbidden", "site_id",
				     "you may create users of your own site only");
		return;
	}
	if (!new_password(username, password, u.password_hash, sizeof(u.password_hash), resp))
		return;
	u.site_id = site_id;
	u.totp_required = totp != NULL && json_is_true(totp);
	snprintf(u.username, sizeof(u.username), "%s", username);
	snprintf(u.display_name, sizeof(u.display_name), "%s", display != NULL ? display : username);
	medfw_diag_clear(&d);
	err = medfw_store_user_create(app->store, &u, &d);
	medfw_wipe(u.password_hash, sizeof(u.password_hash));
	if (err != MEDFW_OK) {
		medfwd_respond_medfw_error(resp, err, &d);
		return;
	}
	(void)medfwd_audit(app, req, medfwd_actor_of(p), u.site_id, "user.created",
			   json_pack("{s:I, s:s, s:s}", "user_id", (json_int_t)u.id, "username",
				     u.username, "role", medfw_store_role_name(u.role)));
	medfwd_respond_json(resp, 201, user_json(&u));
}

/* ---- API tokens (one's own) ---- */

static void tokens_create(struct medfwd_request *req, struct medfwd_response *resp)
{
	static const char *const allowed[] = {"name", "expires_in_days", NULL};
	struct medfwd_app *app = medfwd_app_of(req);
	const struct medfwd_principal *p = medfwd_principal_of(req);
	struct medfw_store_api_token t;
	const char *name;
	int64_t days = 90;
	char token[MEDFW_TOKEN_BUF];
	struct medfw_diag d;
	enum medfw_err err;

	if (!medfwd_require(req, resp, MEDFWD_PERM_TOKENS_OWN))
		return;
	if (p->kind != MEDFWD_PRINCIPAL_SESSION) {
		medfwd_respond_error(resp, 403, "forbidden", NULL,
				     "API tokens are made from a signed-in session, not by tokens");
		return;
	}
	if (!medfwd_body_only(req, resp, allowed) ||
	    !medfwd_body_string(req, resp, "name", MEDFW_STORE_NAME_MAX, 1, &name) ||
	    !medfwd_body_int(req, resp, "expires_in_days", 1, 366, 0, &days))
		return;
	memset(&t, 0, sizeof(t));
	if (medfw_token_generate(MEDFW_TOKEN_API, token, sizeof(token)) != MEDFW_OK ||
	    medfw_token_hash(token, t.token_hash, sizeof(t.token_hash)) != MEDFW_OK) {
		medfwd_respond_error(resp, 500, "internal", NULL, "cannot make a token");
		return;
	}
	t.user_id = p->user.id;
	snprintf(t.name, sizeof(t.name), "%s", name);
	t.expires_at = medfw_ctx_now(app->ctx) + days * 86400;
	medfw_diag_clear(&d);
	err = medfw_store_api_token_create(app->store, &t, &d);
	if (err != MEDFW_OK) {
		medfw_wipe(token, sizeof(token));
		medfwd_respond_medfw_error(resp, err, &d);
		return;
	}
	(void)medfwd_audit(app, req, medfwd_actor_of(p), p->user.site_id, "token.created",
			   json_pack("{s:I, s:s, s:I}", "token_id", (json_int_t)t.id, "name", t.name,
				     "expires_at", (json_int_t)t.expires_at));
	/* the token itself is shown this once */
	medfwd_respond_json(resp, 201, json_pack("{s:I, s:s, s:s, s:I}", "id", (json_int_t)t.id,
						 "name", t.name, "token", token, "expires_at",
						 (json_int_t)t.expires_at));
	medfw_wipe(token, sizeof(token));
}

static void tokens_revoke(struct medfwd_request *req, struct medfwd_response *resp)
{
	struct medfwd_app *app = medfwd_app_of(req);
	const struct medfwd_principal *p = medfwd_principal_of(req);
	struct medfw_store_api_token mine[64];
	size_t n = 0;
	uint64_t id;
	int found = 0;

	if (medfw_parse_u64(medfwd_request_param(req, "token"), 1, INT64_MAX, &id) != MEDFW_OK) {
		medfwd_respond_error(resp, 400, "invalid", "token", "not a token id");
		return;
	}
	if (medfw_store_api_token_list(app->store, p->user.id, mine, 64, &n, NULL) == MEDFW_OK)
		for (size_t i = 0; i < n; i++)
			found |= mine[i].id == (int64_t)id;
	if (!found) {
		medfwd_respond_error(resp, 404, "not_found", "token", "no such token of yours");
		return;
	}
	if (medfw_store_api_token_revoke(app->store, (int64_t)id, NULL) != MEDFW_OK) {
		medfwd_respond_error(resp, 500, "internal", NULL, "cannot revoke the token");
		return;
	}
	(void)medfwd_audit(app, req, medfwd_actor_of(p), p->user.site_id, "token.revoked",
			   json_pack("{s:I}", "token_id", (json_int_t)id));
	medfwd_respond_json(resp, 200, json_pack("{s:b}", "revoked", 1));
}

/* ---- audit ---- */

static void audit_list(struct medfwd_request *req, struct medfwd_response *resp)
{
	struct medfwd_app *app = medfwd_app_of(req);
	struct medfw_store_audit_filter f;
	struct medfw_store_audit *page;
	const char *after = medfwd_request_query(req, "after");
	const char *event = medfwd_request_query(req, "event");
	uint64_t after_seq = 0;
	int64_t last;
	size_t n = 0;
	json_t *items;
	struct medfw_diag d;
	enum medfw_err err;

	if (!medfwd_require(req, resp, MEDFWD_PERM_AUDIT_READ))
		return;
	memset(&f, 0, sizeof(f));
	if (after != NULL && medfw_parse_u64(after, 0, INT64_MAX, &after_seq) != MEDFW_OK) {
		medfwd_respond_error(resp, 400, "invalid", "after", "not a record number");
		return;
	}
	if (event != NULL && strlen(event) > MEDFW_STORE_EVENT_MAX) {
		medfwd_respond_error(resp, 400, "invalid", "event", "event name too long");
		return;
	}
	f.after_seq = (int64_t)after_seq;
	if (event != NULL)
		snprintf(f.event, sizeof(f.event), "%s", event);
	page = calloc(PAGE_MAX, sizeof(*page));
	if (page == NULL) {
		medfwd_respond_error(resp, 500, "internal", NULL, "out of memory");
		return;
	}
	medfw_diag_clear(&d);
	err = medfw_store_audit_list(app->store, medfwd_scope_of(medfwd_principal_of(req)), &f, page,
				     PAGE_MAX, &n, &d);
	items = json_array();
	for (size_t i = 0; err == MEDFW_OK && items != NULL && i < n; i++) {
		json_t *rec = NULL;

		err = medfw_audit_record_json(&page[i], &rec, &d);
		if (err == MEDFW_OK)
			json_array_append_new(items, rec);
	}
	last = n > 0 ? page[n - 1].seq : (int64_t)after_seq;
	free(page);
	if (err != MEDFW_OK) {
		json_decref(items);
		medfwd_respond_medfw_error(resp, err, &d);
		return;
	}
	medfwd_respond_json(resp, 200, json_pack("{s:o, s:I}", "records", items, "next_after",
						 (json_int_t)last));
}

static enum medfw_err append_line(void *user, const char *line, size_t len)
{
	return medfw_buf_append(user, line, len);
}

static void audit_export(struct medfwd_request *req, struct medfwd_response *resp)
{
	struct medfwd_app *app = medfwd_app_of(req);
	const struct medfwd_principal *p = medfwd_principal_of(req);
	struct medfw_buf out;
	struct medfw_diag d;
	enum medfw_err err;

	if (!medfwd_require(req, resp, MEDFWD_PERM_AUDIT_EXPORT))
		return;
	if (p->user.site_id != 0) {
		medfwd_respond_error(resp, 403, "forbidden", NULL,
				     "the whole chain is exported by manufacturer-wide staff only");
		return;
	}
	(void)medfwd_audit(app, req, medfwd_actor_of(p), 0, "audit.exported", NULL);
	medfw_diag_clear(&d);
	err = medfw_audit_checkpoint(app->store, app->ctx, app->server_key, &d);
	medfw_buf_init(&out, (size_t)1 << 30);
	if (err == MEDFW_OK)
		err = medfw_audit_export(app->store, append_line, &out, &d);
	if (err != MEDFW_OK) {
		medfw_buf_free(&out);
		medfwd_respond_medfw_error(resp, err, &d);
		return;
	}
	medfwd_respond_bytes(resp, 200, "application/jsonl", out.data, out.len);
	medfw_buf_free(&out);
}

/* GET /api/v1/audit/server-key: the key that signs checkpoints, for offline checks. */
static void audit_server_key(struct medfwd_request *req, struct medfwd_response *resp)
{
	struct medfwd_app *app = medfwd_app_of(req);

	if (!medfwd_require(req, resp, MEDFWD_PERM_AUDIT_READ))
		return;
	medfwd_respond_json(resp, 200, json_deep_copy(medfw_pubkey_json(app->server_pub)));
}

const struct medfwd_route medfwd_routes_people[] = {
	{"POST", "/api/v1/bootstrap", bootstrap_admin, MEDFWD_AUTH_NONE, MEDFWD_BODY_JSON,
	 "bootstrap"},
	{"POST", "/api/v1/session", login, MEDFWD_AUTH_NONE, MEDFWD_BODY_JSON, "session.create"},
	{"DELETE", "/api/v1/session", logout, MEDFWD_AUTH_SESSION, MEDFWD_BODY_NONE,
	 "session.delete"},
	{"GET", "/api/v1/me", me, MEDFWD_AUTH_TOKEN, MEDFWD_BODY_NONE, "me"},
	{"GET", "/api/v1/sites", sites_list, MEDFWD_AUTH_TOKEN, MEDFWD_BODY_NONE, "sites.list"},
	{"POST", "/api/v1/sites", sites_create, MEDFWD_AUTH_TOKEN, MEDFWD_BODY_JSON, "sites.create"},
	{"GET", "/api/v1/users", users_list, MEDFWD_AUTH_TOKEN, MEDFWD_BODY_NONE, "users.list"},
	{"POST", "/api/v1/users", users_create, MEDFWD_AUTH_TOKEN, MEDFWD_BODY_JSON, "users.create"},
	{"POST", "/api/v1/tokens", tokens_create, MEDFWD_AUTH_SESSION, MEDFWD_BODY_JSON,
	 "tokens.create"},
	{"DELETE", "/api/v1/tokens/{token}", tokens_revoke, MEDFWD_AUTH_TOKEN, MEDFWD_BODY_NONE,
	 "tokens.revoke"},
	{"GET", "/api/v1/audit", audit_list, MEDFWD_AUTH_TOKEN, MEDFWD_BODY_NONE, "audit.list"},
	{"GET", "/api/v1/audit/export", audit_export, MEDFWD_AUTH_TOKEN, MEDFWD_BODY_NONE,
	 "audit.export"},
	{"GET", "/api/v1/audit/server-key", audit_server_key, MEDFWD_AUTH_TOKEN, MEDFWD_BODY_NONE,
	 "audit.server_key"},
	{0},
};
