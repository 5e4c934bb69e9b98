/* People: the first admin (bootstrap), sign-in and sign-out, who am I, sites, users
 * (create, change, reset a second factor), API tokens, and the audit trail (filtered
 * pages, the chain's verification, export). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "medfw/json.h"
#include "medfw/num.h"

#define PAGE_MAX 100
/* A page of the audit trail: at most this many records (?limit). */
#define AUDIT_PAGE_MAX 100
/* API tokens live at most this long (expires_in_days, expires_at). */
#define TOKEN_DAYS_MAX 366

/* An optional query parameter as a number in [min, max]; else a 400 naming it and 0. */
static int query_u64(const struct medfwd_request *req, struct medfwd_response *resp,
		     const char *name, uint64_t min, uint64_t max, uint64_t *out)
{
	const char *v = medfwd_request_query(req, name);

	if (v != NULL && medfw_parse_u64(v, min, max, out) != MEDFW_OK) {
		medfwd_respond_error(resp, 400, "invalid", name, "%s must be a number from %llu to %llu",
				     name, (unsigned long long)min, (unsigned long long)max);
		return 0;
	}
	return 1;
}

/* An optional query parameter as an RFC 3339 UTC time (YYYY-MM-DDTHH:MM:SSZ) after
 * the epoch (0 stays "not given"). */
static int query_time(const struct medfwd_request *req, struct medfwd_response *resp,
		      const char *name, int64_t *out)
{
	const char *v = medfwd_request_query(req, name);

	if (v != NULL && (strlen(v) != MEDFW_UTC_TIME_LEN ||
			  medfw_parse_utc_time(v, out) != MEDFW_OK || *out <= 0)) {
		*out = 0;
		medfwd_respond_error(resp, 400, "invalid", name,
				     "%s must be a UTC time after 1970-01-01T00:00:00Z, like "
				     "2026-01-31T08:00:00Z",
				     name);
		return 0;
	}
	return 1;
}

/* RFC 3339 text of a time, or null when unset (0) or out of range. */
static json_t *time_json(int64_t t)
{
	char s[MEDFW_UTC_TIME_LEN + 1];

	if (t == 0 || medfw_format_utc_time(t, s, sizeof(s)) != MEDFW_OK)
		return json_null();
	return json_string(s);
}

/* An optional id or time that is unset as 0: null then. */
static json_t *int_or_null(int64_t v)
{
	return v != 0 ? json_integer((json_int_t)v) : json_null();
}

/* Append an audit record inside the caller's transaction (it commits or rolls back
 * with the change it describes), with the request's id and address as medfwd_audit
 * adds them. `detail` reference taken. */
static enum medfw_err audit_in_tx(struct medfw_store *tx, struct medfwd_app *app,
				  const struct medfwd_request *req, struct medfw_audit_actor actor,
				  int64_t site_id, const char *event, json_t *detail,
				  struct medfw_diag *diag)
{
	if (detail == NULL)
		return MEDFW_ERR_NOMEM;
	if (json_object_set_new(detail, "request_id", json_string(req->request_id)) != 0 ||
	    json_object_set_new(detail, "remote", json_string(req->remote)) != 0) {
		json_decref(detail);
		return MEDFW_ERR_NOMEM;
	}
	return medfw_audit_append(tx, app->ctx, actor, site_id, event, detail, diag);
}

/* After a commit that appended to the trail: sign the head when it is due, as
 * medfwd_audit does (every MEDFWD_CHECKPOINT_EVERY records). */
static void checkpoint_if_due(struct medfwd_app *app)
{
	char hash[MEDFW_STORE_HEX_HASH_MAX + 1];
	struct medfw_diag d;
	int64_t seq = 0;

	medfw_diag_clear(&d);
	if (medfw_store_audit_head(app->store, &seq, hash, NULL) == MEDFW_OK &&
	    seq % MEDFWD_CHECKPOINT_EVERY == 0 &&
	    medfw_audit_checkpoint(app->store, app->ctx, app->server_key, &d) != MEDFW_OK)
		medfw_log(app->ctx, MEDFW_LOG_ERROR, "audit.checkpoint.failed", "%s", d.msg);
}

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

/* The {user} of the route; else a 400 naming it and 0. */
static int user_param(const struct medfwd_request *req, struct medfwd_response *resp,
		      int64_t *out)
{
	uint64_t id = 0;

	if (medfw_parse_u64(medfwd_request_param(req, "user"), 1, INT64_MAX, &id) != MEDFW_OK) {
		medfwd_respond_error(resp, 400, "invalid", "user", "not a user id");
		return 0;
	}
	*out = (int64_t)id;
	return 1;
}

/* An optional boolean field of the body: -1 absent, else 0/1; 400 naming it on a
 * wrong type (and 0 returned). */
static int body_bool(const struct medfwd_request *req, struct medfwd_response *resp,
		     const char *field, int *out)
{
	json_t *v = json_object_get(req->json, field);

	*out = -1;
	if (v == NULL)
		return 1;
	if (!json_is_boolean(v)) {
		medfwd_respond_error(resp, 400, "invalid", field, "\"%s\" must be true or false",
				     field);
		return 0;
	}
	*out = json_is_true(v);
	return 1;
}

static int is_global_admin(const struct medfw_store_user *u)
{
	return u->site_id == 0 && u->role == MEDFW_ROLE_ADMIN && !u->disabled;
}

/* A change to one user, made in one transaction with its audit record. */
struct user_change {
	struct medfwd_app *app;
	const struct medfwd_request *req;
	struct medfw_audit_actor actor;
	struct medfw_store_scope scope; /* the caller's */
	int64_t id;
	int totp_reset; /* 1: POST .../totp-reset; else PATCH with the fields below */
	int has_role;
	enum medfw_store_role role;
	const char *display_name; /* NULL: unchanged */
	int disabled, totp_required; /* -1: unchanged */
	/* results */
	struct medfw_store_user before, after;
	const char *refused_field; /* the request is refused (409) because of this field */
	size_t sessions_revoked, tokens_revoked;
	int changed; /* something was written (and audited) */
};

static void add_change(json_t *changed, const char *field, json_t *from, json_t *to)
{
	json_object_set_new(changed, field, json_pack("{s:o, s:o}", "from", from, "to", to));
}

static enum medfw_err user_change_tx(struct medfw_store *tx, void *user, struct medfw_diag *diag)
{
	struct user_change *c = user;
	struct medfw_store_user *b = &c->before, *a = &c->after;
	json_t *changed = NULL, *detail;
	enum medfw_err err;

	/* runs again from the start on a busy retry */
	c->refused_field = NULL;
	c->sessions_revoked = c->tokens_revoked = 0;
	c->changed = 0;
	err = medfw_store_user_get(tx, c->scope, c->id, b, diag);
	if (err != MEDFW_OK)
		return err;
	*a = *b;
	if (c->totp_reset) {
		if (b->totp_secret_len == 0) {
			c->refused_field = "user";
			return medfw_diag_set(diag, MEDFW_ERR_STATE,
					      "user %lld has no second factor enrolled",
					      (long long)c->id);
		}
		medfw_wipe(a->totp_secret, sizeof(a->totp_secret));
		a->totp_secret_len = 0;
		detail = json_pack("{s:I, s:s}", "user_id", (json_int_t)a->id, "username",
				   a->username);
	} else {
		changed = json_object();
		if (changed == NULL)
			return MEDFW_ERR_NOMEM;
		if (c->has_role && c->role != b->role) {
			a->role = c->role;
			add_change(changed, "role", json_string(medfw_store_role_name(b->role)),
				   json_string(medfw_store_role_name(a->role)));
		}
		if (c->display_name != NULL && strcmp(c->display_name, b->display_name) != 0) {
			snprintf(a->display_name, sizeof(a->display_name), "%s", c->display_name);
			add_change(changed, "display_name", json_string(b->display_name),
				   json_string(a->display_name));
		}
		if (c->disabled >= 0 && c->disabled != b->disabled) {
			a->disabled = c->disabled;
			add_change(changed, "disabled", json_boolean(b->disabled),
				   json_boolean(a->disabled));
		}
		if (c->totp_required >= 0 && c->totp_required != b->totp_required) {
			a->totp_required = c->totp_required;
			add_change(changed, "totp_required", json_boolean(b->totp_required),
				   json_boolean(a->totp_required));
		}
		if (json_object_size(changed) == 0) {
			json_decref(changed);
			return MEDFW_OK; /* nothing to write, nothing to audit */
		}
		/* The server always keeps one manufacturer-wide administrator. Checked in
		 * this transaction: two admins demoting each other at once cannot both win. */
		if (is_global_admin(b) && !is_global_admin(a)) {
			int64_t admins = 0;

			err = medfw_store_user_count_global_admins(tx, &admins, diag);
			if (err == MEDFW_OK && admins <= 1) {
				c->refused_field = a->role != MEDFW_ROLE_ADMIN ? "role" : "disabled";
				err = medfw_diag_set(diag, MEDFW_ERR_STATE,
						     "the last manufacturer-wide administrator "
						     "cannot be %s",
						     a->role != MEDFW_ROLE_ADMIN ? "demoted"
										  : "disabled");
			}
			if (err != MEDFW_OK) {
				json_decref(changed);
				return err;
			}
		}
		detail = json_pack("{s:I, s:s, s:o}", "user_id", (json_int_t)a->id, "username",
				   a->username, "changed", changed);
	}
	err = detail != NULL ? medfw_store_user_update(tx, c->scope, a, diag) : MEDFW_ERR_NOMEM;
	/* Disabled: nothing of theirs works any more, also after they are enabled again.
	 * A reset second factor: they sign in again and enrol a new one. */
	if (err == MEDFW_OK && ((a->disabled && !b->disabled) || c->totp_reset))
		err = medfw_store_session_revoke_user(tx, a->id, &c->sessions_revoked, diag);
	if (err == MEDFW_OK && a->disabled && !b->disabled)
		err = medfw_store_api_token_revoke_user(tx, a->id, &c->tokens_revoked, diag);
	if (err == MEDFW_OK &&
	    (json_object_set_new(detail, "sessions_revoked",
				 json_integer((json_int_t)c->sessions_revoked)) != 0 ||
	     json_object_set_new(detail, "tokens_revoked",
				 json_integer((json_int_t)c->tokens_revoked)) != 0))
		err = MEDFW_ERR_NOMEM;
	if (err != MEDFW_OK) {
		json_decref(detail);
		return err;
	}
	err = audit_in_tx(tx, c->app, c->req, c->actor, a->site_id,
			  c->totp_reset ? "user.totp_reset" : "user.updated", detail, diag);
	c->changed = err == MEDFW_OK;
	return err;
}

/* Run a change; answers the request (the user as it is afterwards). */
static void user_change_run(struct user_change *c, struct medfwd_response *resp)
{
	struct medfw_diag d;
	enum medfw_err err;

	medfw_diag_clear(&d);
	err = medfw_store_tx(c->app->store, user_change_tx, c, &d);
	if (err == MEDFW_OK) {
		if (c->changed)
			checkpoint_if_due(c->app);
		medfwd_respond_json(resp, 200, user_json(&c->after));
	} else if (err == MEDFW_ERR_NOT_FOUND && c->before.id == 0) {
		medfwd_respond_error(resp, 404, "not_found", "user", "no such user");
	} else if (err == MEDFW_ERR_STATE && c->refused_field != NULL) {
		medfwd_respond_error(resp, 409, "conflict", c->refused_field, "%s", d.msg);
	} else {
		medfwd_respond_medfw_error(resp, err, &d);
	}
	medfw_wipe(&c->before, sizeof(c->before));
	medfw_wipe(&c->after, sizeof(c->after));
}

/* PATCH /api/v1/users/{user} {role?, display_name?, disabled?, totp_required?} */
static void users_update(struct medfwd_request *req, struct medfwd_response *resp)
{
	static const char *const allowed[] = {"role", "display_name", "disabled", "totp_required",
					      NULL};
	const struct medfwd_principal *p = medfwd_principal_of(req);
	struct user_change c;
	const char *role = NULL;

	if (!medfwd_require(req, resp, MEDFWD_PERM_USERS_WRITE))
		return;
	memset(&c, 0, sizeof(c));
	if (!user_param(req, resp, &c.id) || !medfwd_body_only(req, resp, allowed) ||
	    !medfwd_body_string(req, resp, "role", 32, 0, &role) ||
	    !medfwd_body_string(req, resp, "display_name", MEDFW_STORE_NAME_MAX, 0,
				&c.display_name) ||
	    !body_bool(req, resp, "disabled", &c.disabled) ||
	    !body_bool(req, resp, "totp_required", &c.totp_required))
		return;
	if (json_object_size(req->json) == 0) {
		medfwd_respond_error(resp, 400, "invalid", NULL,
				     "give at least one of role, display_name, disabled, "
				     "totp_required");
		return;
	}
	if (role != NULL) {
		if (medfw_store_role_parse(role, &c.role) != MEDFW_OK) {
			medfwd_respond_error(resp, 400, "invalid", "role", "unknown role \"%.32s\"",
					     role);
			return;
		}
		c.has_role = 1;
	}
	if (c.id == p->user.id && c.has_role && c.role != p->user.role) {
		medfwd_respond_error(resp, 403, "forbidden", "role",
				     "nobody changes their own role: ask another administrator");
		return;
	}
	c.app = medfwd_app_of(req);
	c.req = req;
	c.actor = medfwd_actor_of(p);
	c.scope = medfwd_scope_of(p);
	user_change_run(&c, resp);
}

/* POST /api/v1/users/{user}/totp-reset: forget a lost second factor; the user signs in
 * again and enrols a new one. */
static void users_totp_reset(struct medfwd_request *req, struct medfwd_response *resp)
{
	const struct medfwd_principal *p = medfwd_principal_of(req);
	struct user_change c;

	if (!medfwd_require(req, resp, MEDFWD_PERM_USERS_WRITE))
		return;
	memset(&c, 0, sizeof(c));
	if (!user_param(req, resp, &c.id))
		return;
	if (c.id == p->user.id) {
		medfwd_respond_error(resp, 403, "forbidden", "user",
				     "another administrator resets your second factor (enrol a "
				     "new one with POST /api/v1/me/totp)");
		return;
	}
	c.app = medfwd_app_of(req);
	c.req = req;
	c.actor = medfwd_actor_of(p);
	c.scope = medfwd_scope_of(p);
	c.totp_reset = 1;
	c.disabled = c.totp_required = -1;
	user_change_run(&c, resp);
}

/* ---- API tokens (one's own) ---- */

static void tokens_create(struct medfwd_request *req, struct medfwd_response *resp)
{
	static const char *const allowed[] = {"name", "expires_in_days", "expires_at", NULL};
	struct medfwd_app *app = medfwd_app_of(req);
	const struct medfwd_principal *p = medfwd_principal_of(req);
	struct medfw_store_api_token t;
	const char *name;
	int64_t days = 90, now = medfw_ctx_now(app->ctx), expires_at = 0;
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
	    !medfwd_body_int(req, resp, "expires_in_days", 1, TOKEN_DAYS_MAX, 0, &days) ||
	    !medfwd_body_int(req, resp, "expires_at", now + 1, now + TOKEN_DAYS_MAX * 86400, 0,
			     &expires_at))
		return;
	if (expires_at != 0 && json_object_get(req->json, "expires_in_days") != NULL) {
		medfwd_respond_error(resp, 400, "invalid", "expires_at",
				     "give expires_at or expires_in_days, not both");
		return;
	}
	memset(&t, 0, sizeof(t));
	if (medfw_token_generate(MEDFW_TOKEN_API, token, sizeof(token)) != MEDFW_OK ||
	    medfw_token_hash(token, t.token_hash, sizeof(t.token_hash)) != MEDFW_OK) {
		medfwd_respond_error(resp, 500, "internal", NULL, "cannot make a token");
		return;
	}
	t.user_id = p->user.id;
	snprintf(t.name, sizeof(t.name), "%s", name);
	t.expires_at = expires_at != 0 ? expires_at : now + days * 86400;
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

static const char *token_state(const struct medfw_store_api_token *t, int64_t now)
{
	if (t->revoked_at != 0)
		return "revoked";
	if (t->expires_at != 0 && now >= t->expires_at)
		return "expired";
	return "active";
}

/* What the list shows of a token: never the secret nor its hash (times are seconds
 * since the epoch, as the creation answer's expires_at; null: not set). */
static json_t *token_json(const struct medfw_store_api_token *t, int64_t now)
{
	return json_pack("{s:I, s:I, s:s, s:s, s:I, s:o, s:o, s:o}", "id", (json_int_t)t->id,
			 "user_id", (json_int_t)t->user_id, "name", t->name, "state",
			 token_state(t, now), "created_at", (json_int_t)t->created_at,
			 "expires_at", int_or_null(t->expires_at), "last_used_at",
			 int_or_null(t->last_used_at), "revoked_at", int_or_null(t->revoked_at));
}

/* Whether the principal may see and revoke the tokens of user `user_id`: their own, or
 * as an administrator (users.write) of a user they may see. Sets a 403/404 otherwise. */
static int may_manage_tokens_of(const struct medfwd_request *req, struct medfwd_response *resp,
				int64_t user_id, const char *field, int64_t *out_site)
{
	struct medfwd_app *app = medfwd_app_of(req);
	const struct medfwd_principal *p = medfwd_principal_of(req);
	struct medfw_store_user u;
	struct medfw_diag d;
	enum medfw_err err;

	*out_site = p->user.site_id;
	if (user_id == p->user.id)
		return 1;
	if (!medfwd_role_allows(p->user.role, MEDFWD_PERM_USERS_WRITE)) {
		medfwd_respond_error(resp, 403, "forbidden", field,
				     "only administrators manage other users' API tokens");
		return 0;
	}
	medfw_diag_clear(&d);
	err = medfw_store_user_get(app->store, medfwd_scope_of(p), user_id, &u, &d);
	*out_site = u.site_id;
	medfw_wipe(&u, sizeof(u));
	if (err == MEDFW_ERR_NOT_FOUND) {
		medfwd_respond_error(resp, 404, "not_found", field, "no such %s",
				     strcmp(field, "token") == 0 ? "token" : "user");
		return 0;
	}
	if (err != MEDFW_OK) {
		medfwd_respond_medfw_error(resp, err, &d);
		return 0;
	}
	return 1;
}

/* GET /api/v1/tokens[?user=ID][&limit&offset] */
static void tokens_list(struct medfwd_request *req, struct medfwd_response *resp)
{
	struct medfwd_app *app = medfwd_app_of(req);
	const struct medfwd_principal *p = medfwd_principal_of(req);
	struct medfw_store_api_token *page;
	uint64_t user_id = (uint64_t)p->user.id, limit, offset;
	int64_t total = 0, site, now = medfw_ctx_now(app->ctx);
	size_t n = 0;
	json_t *items;
	struct medfw_diag d;
	enum medfw_err err;

	if (!medfwd_require(req, resp, MEDFWD_PERM_TOKENS_OWN) ||
	    !query_u64(req, resp, "user", 1, INT64_MAX, &user_id) ||
	    !medfwd_query_page(req, resp, PAGE_MAX, PAGE_MAX, &limit, &offset) ||
	    !may_manage_tokens_of(req, resp, (int64_t)user_id, "user", &site))
		return;
	page = calloc(PAGE_MAX, sizeof(*page));
	if (page == NULL) {
		medfwd_respond_error(resp, 500, "internal", NULL, "out of memory");
		return;
	}
	medfw_diag_clear(&d);
	err = medfw_store_api_token_list_page(app->store, (int64_t)user_id, (int64_t)offset, page,
					      (size_t)limit, &n, &total, &d);
	items = json_array();
	for (size_t i = 0; err == MEDFW_OK && items != NULL && i < n; i++)
		json_array_append_new(items, token_json(&page[i], now));
	medfw_wipe(page, PAGE_MAX * sizeof(*page)); /* token hashes */
	free(page);
	if (err != MEDFW_OK) {
		json_decref(items);
		medfwd_respond_medfw_error(resp, err, &d);
		return;
	}
	medfwd_respond_json(resp, 200, medfwd_page_json("tokens", items, total, limit, offset, n));
}

/* DELETE /api/v1/tokens/{token}: one's own, or (administrators) one of a user they may
 * see. */
static void tokens_revoke(struct medfwd_request *req, struct medfwd_response *resp)
{
	struct medfwd_app *app = medfwd_app_of(req);
	const struct medfwd_principal *p = medfwd_principal_of(req);
	struct medfw_store_api_token t;
	uint64_t id;
	int64_t site = 0;
	struct medfw_diag d;
	enum medfw_err err;

	if (!medfwd_require(req, resp, MEDFWD_PERM_TOKENS_OWN))
		return;
	if (medfw_parse_u64(medfwd_request_param(req, "token"), 1, INT64_MAX, &id) != MEDFW_OK) {
		medfwd_respond_error(resp, 400, "invalid", "token", "not a token id");
		return;
	}
	medfw_diag_clear(&d);
	err = medfw_store_api_token_get(app->store, (int64_t)id, &t, &d);
	medfw_wipe(t.token_hash, sizeof(t.token_hash));
	if (err == MEDFW_OK && t.user_id != p->user.id &&
	    !medfwd_role_allows(p->user.role, MEDFWD_PERM_USERS_WRITE))
		err = MEDFW_ERR_NOT_FOUND; /* another user's token: as if it did not exist */
	if (err == MEDFW_ERR_NOT_FOUND) {
		medfwd_respond_error(resp, 404, "not_found", "token", "no such token of yours");
		return;
	}
	if (err != MEDFW_OK) {
		medfwd_respond_medfw_error(resp, err, &d);
		return;
	}
	if (!may_manage_tokens_of(req, resp, t.user_id, "token", &site))
		return;
	if (t.revoked_at != 0) {
		medfwd_respond_error(resp, 409, "conflict", "token", "the token was already revoked");
		return;
	}
	medfw_diag_clear(&d);
	err = medfw_store_api_token_revoke(app->store, t.id, &d);
	if (err == MEDFW_ERR_NOT_FOUND) { /* revoked meanwhile */
		medfwd_respond_error(resp, 409, "conflict", "token", "the token was already revoked");
		return;
	}
	if (err != MEDFW_OK) {
		medfwd_respond_error(resp, 500, "internal", NULL, "cannot revoke the token");
		return;
	}
	(void)medfwd_audit(app, req, medfwd_actor_of(p), site, "token.revoked",
			   json_pack("{s:I, s:I}", "token_id", (json_int_t)t.id, "user_id",
				     (json_int_t)t.user_id));
	medfwd_respond_json(resp, 200, json_pack("{s:b}", "revoked", 1));
}

/* ---- audit ---- */

/* Whether s is 1..MEDFW_STORE_EVENT_MAX characters of an event name: a-z A-Z 0-9 . _ - */
static int event_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > MEDFW_STORE_EVENT_MAX)
		return 0;
	for (; *s != '\0'; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
		      (*s >= '0' && *s <= '9') || *s == '.' || *s == '_' || *s == '-'))
			return 0;
	return 1;
}

/* GET /api/v1/audit: the trail, filtered, a page at a time (docs/server.md). */
static void audit_list(struct medfwd_request *req, struct medfwd_response *resp)
{
	struct medfwd_app *app = medfwd_app_of(req);
	struct medfw_store_audit_filter f;
	struct medfw_store_audit *page;
	const char *event = medfwd_request_query(req, "event");
	const char *prefix = medfwd_request_query(req, "event_prefix");
	const char *order = medfwd_request_query(req, "order");
	uint64_t after_seq = 0, before_seq = 0, limit = AUDIT_PAGE_MAX, actor = 0, site = 0;
	int64_t since = 0, until = 0, last = 0;
	size_t n = 0;
	int more;
	json_t *items, *body;
	struct medfw_diag d;
	enum medfw_err err;

	if (!medfwd_require(req, resp, MEDFWD_PERM_AUDIT_READ))
		return;
	memset(&f, 0, sizeof(f));
	if (!query_u64(req, resp, "after", 0, INT64_MAX, &after_seq) ||
	    !query_u64(req, resp, "before", 1, INT64_MAX, &before_seq) ||
	    !query_u64(req, resp, "limit", 1, AUDIT_PAGE_MAX, &limit) ||
	    !query_u64(req, resp, "actor", 1, INT64_MAX, &actor) ||
	    !query_u64(req, resp, "site", 1, INT64_MAX, &site) ||
	    !query_time(req, resp, "since", &since) || !query_time(req, resp, "until", &until))
		return;
	if (since != 0 && until != 0 && until < since) {
		medfwd_respond_error(resp, 400, "invalid", "until", "until is before since");
		return;
	}
	if (event != NULL && strlen(event) > MEDFW_STORE_EVENT_MAX) {
		medfwd_respond_error(resp, 400, "invalid", "event", "event name too long");
		return;
	}
	if (prefix != NULL && !event_name_ok(prefix)) {
		medfwd_respond_error(resp, 400, "invalid", "event_prefix",
				     "event_prefix must be 1 to %d characters of a-z A-Z 0-9 . _ -",
				     MEDFW_STORE_EVENT_MAX);
		return;
	}
	if (order != NULL && strcmp(order, "asc") != 0 && strcmp(order, "desc") != 0) {
		medfwd_respond_error(resp, 400, "invalid", "order", "order must be asc or desc");
		return;
	}
	f.after_seq = (int64_t)after_seq;
	f.before_seq = (int64_t)before_seq;
	f.descending = order != NULL && strcmp(order, "desc") == 0;
	f.user_id = (int64_t)actor;
	/* site staff asking for another site: nothing (as if it did not exist): the
	 * scope and this filter together match no record */
	f.site_id = (int64_t)site;
	f.time_from = since;
	f.time_to = until;
	if (event != NULL)
		snprintf(f.event, sizeof(f.event), "%s", event);
	if (prefix != NULL)
		snprintf(f.event_prefix, sizeof(f.event_prefix), "%s", prefix);
	/* one more than the page: whether there is more */
	page = calloc(AUDIT_PAGE_MAX + 1, sizeof(*page));
	if (page == NULL) {
		medfwd_respond_error(resp, 500, "internal", NULL, "out of memory");
		return;
	}
	medfw_diag_clear(&d);
	err = medfw_store_audit_list(app->store, medfwd_scope_of(medfwd_principal_of(req)), &f, page,
				     (size_t)limit + 1, &n, &d);
	more = n > limit;
	if (more)
		n = (size_t)limit;
	items = json_array();
	for (size_t i = 0; err == MEDFW_OK && items != NULL && i < n; i++) {
		json_t *rec = NULL;

		err = medfw_audit_record_json(&page[i], &rec, &d);
		if (err == MEDFW_OK)
			json_array_append_new(items, rec);
	}
	last = n > 0 ? page[n - 1].seq : 0;
	free(page);
	if (err != MEDFW_OK || items == NULL) {
		json_decref(items);
		medfwd_respond_medfw_error(resp, err != MEDFW_OK ? err : MEDFW_ERR_NOMEM, &d);
		return;
	}
	if (f.descending)
		body = json_pack("{s:o, s:o, s:b}", "records", items, "next_before",
				 more ? json_integer((json_int_t)last) : json_null(), "more", more);
	else /* as before: where to continue, also to follow the trail as it grows */
		body = json_pack("{s:o, s:I, s:b}", "records", items, "next_after",
				 (json_int_t)(n > 0 ? last : (int64_t)after_seq), "more", more);
	medfwd_respond_json(resp, 200, body);
}

/* GET /api/v1/audit/verification: the stored chain checked as `medfw audit verify`
 * checks an export. One chain for the whole server: site staff get the verdict and
 * the counts too, which hold no record's content. A read: not audited. */
static void audit_verification(struct medfwd_request *req, struct medfwd_response *resp)
{
	struct medfwd_app *app = medfwd_app_of(req);
	struct medfw_audit_chain_report rep;
	const struct medfw_audit_verify_result *v = &rep.verified;
	json_t *last_cp = json_null(), *problem = json_null();
	struct medfw_diag d;
	enum medfw_err err;

	if (!medfwd_require(req, resp, MEDFWD_PERM_AUDIT_READ))
		return;
	medfw_diag_clear(&d);
	err = medfw_audit_verify_store(app->store, app->server_pub, &rep, &d);
	if (rep.state == MEDFW_AUDIT_CHAIN_UNCHECKED) {
		medfw_log(app->ctx, MEDFW_LOG_ERROR, "audit.verify.failed", "%s",
			  medfw_diag_message(&d, err));
		medfwd_respond_medfw_error(resp, err != MEDFW_OK ? err : MEDFW_ERR_IO, &d);
		return;
	}
	if (rep.state == MEDFW_AUDIT_CHAIN_BROKEN) {
		medfw_log(app->ctx, MEDFW_LOG_ERROR, "audit.chain.broken", "record %lld: %s",
			  (long long)rep.problem_seq, rep.problem);
		problem = json_pack("{s:I, s:s}", "seq", (json_int_t)rep.problem_seq, "what",
				    rep.problem);
	}
	if (v->checkpoints > 0)
		last_cp = json_pack("{s:I, s:o}", "seq", (json_int_t)v->last_checkpoint, "time",
				    time_json(v->last_checkpoint_time));
	medfwd_respond_json(resp, 200,
			    json_pack("{s:s, s:I, s:I, s:I, s:o, s:I, s:o, s:o}", "state",
				      rep.state == MEDFW_AUDIT_CHAIN_VERIFIED ? "verified" : "broken",
				      "records", (json_int_t)v->records, "head_seq",
				      (json_int_t)rep.head_seq, "checkpoints",
				      (json_int_t)v->checkpoints, "last_checkpoint", last_cp,
				      "unsigned_tail", (json_int_t)v->uncovered, "first_problem",
				      problem, "verified_at", time_json(medfw_ctx_now(app->ctx))));
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
	{"PATCH", "/api/v1/users/{user}", users_update, MEDFWD_AUTH_TOKEN, MEDFWD_BODY_JSON,
	 "users.update"},
	{"POST", "/api/v1/users/{user}/totp-reset", users_totp_reset, MEDFWD_AUTH_TOKEN,
	 MEDFWD_BODY_NONE, "users.totp_reset"},
	{"GET", "/api/v1/tokens", tokens_list, MEDFWD_AUTH_TOKEN, MEDFWD_BODY_NONE, "tokens.list"},
	{"POST", "/api/v1/tokens", tokens_create, MEDFWD_AUTH_SESSION, MEDFWD_BODY_JSON,
	 "tokens.create"},
	{"DELETE", "/api/v1/tokens/{token}", tokens_revoke, MEDFWD_AUTH_TOKEN, MEDFWD_BODY_NONE,
	 "tokens.revoke"},
	{"GET", "/api/v1/audit", audit_list, MEDFWD_AUTH_TOKEN, MEDFWD_BODY_NONE, "audit.list"},
	{"GET", "/api/v1/audit/verification", audit_verification, MEDFWD_AUTH_TOKEN,
	 MEDFWD_BODY_NONE, "audit.verification"},
	{"GET", "/api/v1/audit/export", audit_export, MEDFWD_AUTH_TOKEN, MEDFWD_BODY_NONE,
	 "audit.export"},
	{"GET", "/api/v1/audit/server-key", audit_server_key, MEDFWD_AUTH_TOKEN, MEDFWD_BODY_NONE,
	 "audit.server_key"},
	{0},
};
