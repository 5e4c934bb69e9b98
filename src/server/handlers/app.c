/* medfwd's application layer: start-up, authentication, permissions, helpers. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "app.h"
#include "internal.h"
#include "medfw/json.h"
#include "medfw/num.h"

/* ---- permissions ---- */

static const char *const permission_names[MEDFWD_PERM_COUNT_] = {
	"sites.read", "sites.write", "users.read", "users.write",
	"audit.read", "audit.export", "tokens.own", "devices.read", "devices.write",
	"devices.enrol", "repo.write", "director.assign", "rollouts.write", "rollouts.approve",
	"maintenance.write", "vulns.write",
};

/* Rows: roles (index = enum medfw_store_role); columns: permissions. */
static const unsigned char matrix[7][MEDFWD_PERM_COUNT_] = {
	/*                      sr sw ur uw ar ae to dr dw de rw da ow oa mw vw */
	[MEDFW_ROLE_ADMIN] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1},
	[MEDFW_ROLE_RELEASE_MANAGER] = {1, 0, 0, 0, 0, 0, 1, 1, 0, 0, 1, 1, 1, 0, 0, 1},
	[MEDFW_ROLE_CLINICAL_ENGINEER] = {1, 0, 0, 0, 0, 0, 1, 1, 1, 1, 0, 1, 1, 1, 1, 0},
	[MEDFW_ROLE_SECURITY_OFFICER] = {1, 0, 1, 0, 1, 0, 1, 1, 0, 0, 0, 0, 0, 1, 0, 1},
	[MEDFW_ROLE_REMOTE_SUPPORT] = {1, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0},
	[MEDFW_ROLE_AUDITOR] = {1, 0, 1, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0},
};

const char *medfwd_permission_name(enum medfwd_permission p)
{
	return (unsigned)p < MEDFWD_PERM_COUNT_ ? permission_names[p] : "unknown";
}

int medfwd_role_allows(enum medfw_store_role role, enum medfwd_permission p)
{
	if ((unsigned)role >= sizeof(matrix) / sizeof(matrix[0]) || (unsigned)p >= MEDFWD_PERM_COUNT_)
		return 0;
	return matrix[role][p];
}

void medfwd_permissions_print_markdown(FILE *out)
{
	fputs("| role |", out);
	for (unsigned p = 0; p < MEDFWD_PERM_COUNT_; p++)
		fprintf(out, " %s |", permission_names[p]);
	fputs("\n|---|", out);
	for (unsigned p = 0; p < MEDFWD_PERM_COUNT_; p++)
		fputs("---|", out);
	fputs("\n", out);
	for (unsigned r = MEDFW_ROLE_ADMIN; r <= MEDFW_ROLE_AUDITOR; r++) {
		fprintf(out, "| %s |", medfw_store_role_name((enum medfw_store_role)r));
		for (unsigned p = 0; p < MEDFWD_PERM_COUNT_; p++)
			fputs(matrix[r][p] ? " yes |" : " |", out);
		fputs("\n", out);
	}
}

struct medfwd_app *medfwd_app_of(const struct medfwd_request *req)
{
	return medfwd_server_app(req->server);
}

const struct medfwd_principal *medfwd_principal_of(const struct medfwd_request *req)
{
	return req->principal;
}

int medfwd_require(const struct medfwd_request *req, struct medfwd_response *resp,
		   enum medfwd_permission p)
{
	const struct medfwd_principal *who = medfwd_principal_of(req);

	if (who != NULL && who->kind != MEDFWD_PRINCIPAL_DEVICE &&
	    medfwd_role_allows(who->user.role, p))
		return 1;
	medfwd_respond_error(resp, 403, "forbidden", NULL, "your role may not %s",
			     medfwd_permission_name(p));
	return 0;
}

struct medfw_store_scope medfwd_scope_of(const struct medfwd_principal *p)
{
	if (p != NULL && p->kind == MEDFWD_PRINCIPAL_DEVICE)
		return medfw_store_scope_site(p->device.site_id);
	if (p != NULL && p->user.site_id == 0)
		return medfw_store_scope_all();
	return medfw_store_scope_site(p != NULL ? p->user.site_id : -1);
}

int medfwd_may_access_site(const struct medfwd_principal *p, int64_t site_id)
{
	if (p != NULL && p->kind == MEDFWD_PRINCIPAL_DEVICE)
		return p->device.site_id == site_id;
	return p != NULL && (p->user.site_id == 0 || p->user.site_id == site_id);
}

struct medfw_audit_actor medfwd_actor_of(const struct medfwd_principal *p)
{
	struct medfw_audit_actor a = {MEDFW_ACTOR_SYSTEM, 0};

	if (p != NULL && p->kind == MEDFWD_PRINCIPAL_DEVICE) {
		a.actor_type = MEDFW_ACTOR_DEVICE;
		a.actor_id = p->device.id;
	} else if (p != NULL) {
		a.actor_type = p->kind == MEDFWD_PRINCIPAL_TOKEN ? MEDFW_ACTOR_TOKEN : MEDFW_ACTOR_USER;
		a.actor_id = p->kind == MEDFWD_PRINCIPAL_TOKEN ? p->token_id : p->user.id;
	}
	return a;
}

enum medfw_err medfwd_audit(struct medfwd_app *app, const struct medfwd_request *req,
			    struct medfw_audit_actor actor, int64_t site_id, const char *event,
			    json_t *detail)
{
	struct medfw_diag diag;
	enum medfw_err err;
	int64_t seq;
	char hash[MEDFW_STORE_HEX_HASH_MAX + 1];

	medfw_diag_clear(&diag);
	if (detail == NULL)
		detail = json_object();
	if (req != NULL && detail != NULL) {
		json_object_set_new(detail, "request_id", json_string(req->request_id));
		json_object_set_new(detail, "remote", json_string(req->remote));
	}
	err = medfw_audit_append(app->store, app->ctx, actor, site_id, event, detail, &diag);
	if (err != MEDFW_OK) {
		medfw_log(app->ctx, MEDFW_LOG_ERROR, "audit.append.failed", "%s: %s", event,
			  medfw_diag_message(&diag, err));
		return err;
	}
	/* Sign the head now and then: cheap (one Ed25519 signature). */
	if (medfw_store_audit_head(app->store, &seq, hash, NULL) == MEDFW_OK &&
	    seq % MEDFWD_CHECKPOINT_EVERY == 0) {
		medfw_diag_clear(&diag);
		if (medfw_audit_checkpoint(app->store, app->ctx, app->server_key, &diag) != MEDFW_OK)
			medfw_log(app->ctx, MEDFW_LOG_ERROR, "audit.checkpoint.failed", "%s",
				  diag.msg);
	}
	return MEDFW_OK;
}

/* ---- paging ---- */

int medfwd_query_page(const struct medfwd_request *req, struct medfwd_response *resp,
		      uint64_t max, uint64_t def, uint64_t *limit, uint64_t *offset)
{
	const char *limit_s = medfwd_request_query(req, "limit");
	const char *offset_s = medfwd_request_query(req, "offset");

	*limit = def;
	*offset = 0;
	if (limit_s != NULL && medfw_parse_u64(limit_s, 1, max, limit) != MEDFW_OK) {
		medfwd_respond_error(resp, 400, "invalid", "limit", "limit must be 1 to %llu",
				     (unsigned long long)max);
		return 0;
	}
	if (offset_s != NULL && medfw_parse_u64(offset_s, 0, INT32_MAX, offset) != MEDFW_OK) {
		medfwd_respond_error(resp, 400, "invalid", "offset", "offset must be a number");
		return 0;
	}
	return 1;
}

json_t *medfwd_page_json(const char *key, json_t *items, int64_t total, uint64_t limit,
			 uint64_t offset, size_t count)
{
	return json_pack("{s:o, s:I, s:I, s:I, s:o}", key, items, "total", (json_int_t)total,
			 "limit", (json_int_t)limit, "offset", (json_int_t)offset, "next_offset",
			 (int64_t)(offset + count) < total ? json_integer((json_int_t)(offset + count))
							   : json_null());
}

/* ---- request bodies ---- */

int medfwd_body_only(const struct medfwd_request *req, struct medfwd_response *resp,
		     const char *const *allowed)
{
	const char *key;
	json_t *v;

	if (!json_is_object(req->json)) {
		medfwd_respond_error(resp, 400, "invalid", NULL, "the body must be a JSON object");
		return 0;
	}
	json_object_foreach(req->json, key, v) {
		int known = 0;

		for (const char *const *a = allowed; *a != NULL; a++)
			known |= strcmp(*a, key) == 0;
		if (!known) {
			medfwd_respond_error(resp, 400, "unknown_field", key, "unknown field \"%.64s\"",
					     key);
			return 0;
		}
	}
	return 1;
}

static int utf8_clean(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p != 0; p++)
		if (*p < 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

int medfwd_body_string(const struct medfwd_request *req, struct medfwd_response *resp,
		       const char *field, size_t max_len, int required, const char **out)
{
	json_t *v = json_object_get(req->json, field);

	*out = NULL;
	if (v == NULL) {
		if (!required)
			return 1;
		medfwd_respond_error(resp, 400, "missing_field", field, "missing field \"%s\"", field);
		return 0;
	}
	if (!json_is_string(v)) {
		medfwd_respond_error(resp, 400, "invalid", field, "\"%s\" must be a string", field);
		return 0;
	}
	if (json_string_length(v) == 0 || json_string_length(v) > max_len ||
	    !utf8_clean(json_string_value(v))) {
		medfwd_respond_error(resp, 400, "invalid", field,
				     "\"%s\" must be 1 to %zu characters without control characters",
				     field, max_len);
		return 0;
	}
	*out = json_string_value(v);
	return 1;
}

int medfwd_body_int(const struct medfwd_request *req, struct medfwd_response *resp,
		    const char *field, int64_t min, int64_t max, int required, int64_t *out)
{
	json_t *v = json_object_get(req->json, field);

	if (v == NULL) {
		if (!required)
			return 1;
		medfwd_respond_error(resp, 400, "missing_field", field, "missing field \"%s\"", field);
		return 0;
	}
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max) {
		medfwd_respond_error(resp, 400, "invalid", field,
				     "\"%s\" must be an integer from %lld to %lld", field,
				     (long long)min, (long long)max);
		return 0;
	}
	*out = (int64_t)json_integer_value(v);
	return 1;
}

void medfwd_respond_medfw_error(struct medfwd_response *resp, enum medfw_err err,
				const struct medfw_diag *diag)
{
	const char *msg = medfw_diag_message(diag, err);

	switch (err) {
	case MEDFW_ERR_NOT_FOUND: medfwd_respond_error(resp, 404, "not_found", NULL, "%s", msg); break;
	case MEDFW_ERR_EXISTS: medfwd_respond_error(resp, 409, "conflict", NULL, "%s", msg); break;
	case MEDFW_ERR_STATE: medfwd_respond_error(resp, 409, "conflict", NULL, "%s", msg); break;
	case MEDFW_ERR_TOO_LARGE:
		medfwd_respond_error(resp, 413, "too_large", NULL, "%s", msg);
		break;
	case MEDFW_ERR_FIELD_MISSING:
	case MEDFW_ERR_FIELD_TYPE:
	case MEDFW_ERR_FIELD_VALUE:
	case MEDFW_ERR_INVALID_ARG:
	case MEDFW_ERR_USAGE:
		medfwd_respond_error(resp, 400, "invalid", NULL, "%s", msg);
		break;
	default:
		/* Internal details stay in the server log. */
		medfwd_respond_error(resp, 500, "internal", NULL, "internal error (%s)",
				     medfw_err_name(err));
		break;
	}
}

/* ---- authentication ---- */

static void principal_free(void *p)
{
	if (p != NULL)
		medfw_wipe(p, sizeof(struct medfwd_principal));
	free(p);
}

static int is_unsafe_method(const char *m)
{
	return strcmp(m, "GET") != 0 && strcmp(m, "HEAD") != 0;
}

/* Record an authentication failure, rate limited per address so a flood of garbage
 * cannot flood the trail. */
static void auth_failed(struct medfwd_app *app, struct medfwd_request *req,
			struct medfwd_response *resp, const char *reason)
{
	int64_t retry;

	if (medfw_ratelimit_take(app->login_limit, req->remote, strlen(req->remote),
				 medfw_ctx_now(app->ctx), &retry))
		(void)medfwd_audit(app, req, medfwd_actor_of(NULL), 0, "auth.failed",
				   json_pack("{s:s, s:s}", "reason", reason, "route",
					     req->route->name));
	medfwd_respond_error(resp, 401, "unauthenticated", NULL, "%s", reason);
}

static int load_user(struct medfwd_app *app, int64_t user_id, struct medfwd_principal *p)
{
	if (medfw_store_user_get(app->store, medfw_store_scope_all(), user_id, &p->user, NULL) !=
	    MEDFW_OK)
		return 0;
	return !p->user.disabled;
}

static int auth_session(struct medfwd_app *app, struct medfwd_request *req,
			struct medfwd_response *resp, const char *cookie)
{
	struct medfw_store_session s;
	struct medfwd_principal *p;
	enum medfw_token_type type;
	char sid_hex[2 * MEDFW_STORE_HASH_LEN + 1];
	int64_t now = medfw_ctx_now(app->ctx);

	if (medfw_token_parse(cookie, &type) != MEDFW_OK || type != MEDFW_TOKEN_SESSION) {
		auth_failed(app, req, resp, "malformed session");
		return 0;
	}
	p = calloc(1, sizeof(*p));
	if (p == NULL) {
		medfwd_respond_error(resp, 500, "internal", NULL, "out of memory");
		return 0;
	}
	p->kind = MEDFWD_PRINCIPAL_SESSION;
	if (medfw_token_hash(cookie, p->session_id, sizeof(p->session_id)) != MEDFW_OK ||
	    medfw_store_session_get(app->store, p->session_id, &s, NULL) != MEDFW_OK ||
	    s.revoked_at != 0 || now >= s.expires_at ||
	    now - s.last_seen >= app->session_idle_timeout || !load_user(app, s.user_id, p)) {
		principal_free(p);
		auth_failed(app, req, resp, "no valid session: sign in again");
		return 0;
	}
	medfw_hex_encode(p->session_id, sizeof(p->session_id), sid_hex, sizeof(sid_hex));
	if (is_unsafe_method(req->method) &&
	    medfw_csrf_verify(app->csrf_secret, sizeof(app->csrf_secret), sid_hex,
			      medfwd_request_header(req, MEDFWD_CSRF_HEADER)) != MEDFW_OK) {
		principal_free(p);
		auth_failed(app, req, resp, "missing or wrong " MEDFWD_CSRF_HEADER " header");
		return 0;
	}
	if (p->user.totp_secret_len == 0 &&
	    (p->user.totp_required || medfwd_totp_required_for_role(app, p->user.role)) &&
	    strcmp(req->route->name, "me") != 0 && strncmp(req->route->name, "me.totp.", 8) != 0 &&
	    strcmp(req->route->name, "session.delete") != 0) {
		principal_free(p);
		medfwd_respond_error(resp, 403, "totp_enrolment_required", NULL,
				     "enrol a second factor first (POST /api/v1/me/totp)");
		return 0;
	}
	if (now - s.last_seen >= 60 &&
	    medfw_store_session_touch(app->store, p->session_id, now, s.expires_at, NULL) != MEDFW_OK)
		medfw_log(app->ctx, MEDFW_LOG_WARNING, "session.touch.failed", "session touch failed");
	medfwd_request_set_principal(req, p, principal_free);
	return 1;
}

static int auth_token(struct medfwd_app *app, struct medfwd_request *req,
		      struct medfwd_response *resp, const char *bearer)
{
	struct medfw_store_api_token t;
	struct medfwd_principal *p;
	enum medfw_token_type type;
	uint8_t hash[MEDFW_STORE_HASH_LEN];
	int64_t now = medfw_ctx_now(app->ctx);

	if (medfw_token_parse(bearer, &type) != MEDFW_OK || type != MEDFW_TOKEN_API ||
	    medfw_token_hash(bearer, hash, sizeof(hash)) != MEDFW_OK) {
		auth_failed(app, req, resp, "malformed API token");
		return 0;
	}
	p = calloc(1, sizeof(*p));
	if (p == NULL) {
		medfwd_respond_error(resp, 500, "internal", NULL, "out of memory");
		return 0;
	}
	p->kind = MEDFWD_PRINCIPAL_TOKEN;
	if (medfw_store_api_token_find(app->store, hash, &t, NULL) != MEDFW_OK ||
	    t.revoked_at != 0 || (t.expires_at != 0 && now >= t.expires_at) ||
	    !load_user(app, t.user_id, p)) {
		principal_free(p);
		auth_failed(app, req, resp, "API token unknown, expired or revoked");
		return 0;
	}
	p->token_id = t.id;
	if (now - t.last_used_at >= 60 &&
	    medfw_store_api_token_touch(app->store, t.id, now, NULL) != MEDFW_OK)
		medfw_log(app->ctx, MEDFW_LOG_WARNING, "token.touch.failed", "token touch failed");
	medfwd_request_set_principal(req, p, principal_free);
	return 1;
}

int medfwd_app_authenticate(void *user, const struct medfwd_route *route,
			    struct medfwd_request *req, struct medfwd_response *resp)
{
	struct medfwd_app *app = user;
	const char *authz = medfwd_request_header(req, "Authorization");
	const char *cookie = medfwd_request_cookie(req, MEDFWD_SESSION_COOKIE);

	switch (route->auth) {
	case MEDFWD_AUTH_NONE:
		return 1;
	case MEDFWD_AUTH_TOKEN:
		if (authz != NULL) {
			if (strncmp(authz, "Bearer ", 7) != 0) {
				auth_failed(app, req, resp, "Authorization must be \"Bearer TOKEN\"");
				return 0;
			}
			return auth_token(app, req, resp, authz + 7);
		}
		/* a person's session is accepted too */
		__attribute__((fallthrough));
	case MEDFWD_AUTH_SESSION:
		if (cookie == NULL) {
			medfwd_respond_error(resp, 401, "unauthenticated", NULL,
					     "sign in first (no session)");
			return 0;
		}
		return auth_session(app, req, resp, cookie);
	case MEDFWD_AUTH_DEVICE:
	case MEDFWD_AUTH_DEVICE_KEY:
		return medfwd_auth_device(app, req, resp);
	}
	medfwd_respond_error(resp, 401, "unauthenticated", NULL, "unknown authentication kind");
	return 0;
}

/* ---- start-up ---- */

static enum medfw_err load_or_make_key(struct medfwd_app *app, const char *dir,
				       struct medfw_diag *diag)
{
	char path[PATH_MAX], pub_path[PATH_MAX];
	struct medfw_buf pem;
	enum medfw_err err;
	char *pub_text = NULL;

	snprintf(path, sizeof(path), "%s/server-key.pem", dir);
	snprintf(pub_path, sizeof(pub_path), "%s/server-key.pub.json", dir);
	err = medfw_file_read(path, MEDFW_PRIVKEY_PEM_MAX, &pem, NULL);
	if (err == MEDFW_OK) {
		err = medfw_privkey_load_pem(pem.data, pem.len, NULL, &app->server_key, diag);
		medfw_buf_free(&pem);
	} else if (err == MEDFW_ERR_NOT_FOUND) {
		/* First start: the server's online key, protected by the data dir (0700)
		 * and the file mode. */
		medfw_buf_init(&pem, MEDFW_PRIVKEY_PEM_MAX);
		err = medfw_privkey_generate(MEDFW_KEY_ED25519, &app->server_key, diag);
		if (err == MEDFW_OK)
			err = medfw_privkey_save_pem(app->server_key, NULL, &pem, diag);
		if (err == MEDFW_OK)
			err = medfw_file_write_new(path, pem.data, pem.len, 0600, diag);
		medfw_buf_free(&pem);
	}
	if (err == MEDFW_OK)
		err = medfw_privkey_public(app->server_key, &app->server_pub, diag);
	if (err == MEDFW_OK) {
		pub_text = json_dumps(medfw_pubkey_json(app->server_pub), JSON_INDENT(2) | JSON_SORT_KEYS);
		err = pub_text != NULL ? medfw_file_write_atomic(pub_path, pub_text, strlen(pub_text),
								  0644, diag)
				       : MEDFW_ERR_NOMEM;
	}
	free(pub_text);
	return err;
}

/* A random secret kept in the store's settings as `name`: made at first start. */
static enum medfw_err load_or_make_secret(struct medfwd_app *app, const char *name,
					  uint8_t *secret, size_t len, struct medfw_diag *diag)
{
	char hex[2 * 64 + 1];
	size_t n = 0;
	enum medfw_err err;

	if (len > 64)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "secret %s too long", name);
	err = medfw_store_setting_get(app->store, name, hex, sizeof(hex), NULL);
	if (err == MEDFW_ERR_NOT_FOUND) {
		uint8_t raw[64];

		err = medfw_random_bytes(raw, len);
		if (err == MEDFW_OK)
			err = medfw_hex_encode(raw, len, hex, sizeof(hex));
		medfw_wipe(raw, sizeof(raw));
		if (err == MEDFW_OK)
			err = medfw_store_setting_add(app->store, name, hex, diag);
		if (err == MEDFW_ERR_EXISTS) /* another start won the race: use theirs */
			err = medfw_store_setting_get(app->store, name, hex, sizeof(hex), diag);
	}
	if (err == MEDFW_OK &&
	    (medfw_hex_decode(hex, secret, len, &n) != MEDFW_OK || n != len))
		err = medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "stored %s is malformed", name);
	medfw_wipe(hex, sizeof(hex));
	return err;
}

static enum medfw_err bootstrap(struct medfwd_app *app, struct medfw_diag *diag)
{
	struct medfw_store_user one;
	size_t users = 0;
	int exists = 0, pending = 0;
	char token[MEDFW_TOKEN_BUF];
	uint8_t hash[MEDFW_STORE_HASH_LEN];
	enum medfw_err err;

	err = medfw_store_user_list(app->store, medfw_store_scope_all(), 0, &one, 1, &users, diag);
	if (err == MEDFW_OK)
		err = medfw_store_bootstrap_state(app->store, &exists, &pending, diag);
	if (err != MEDFW_OK || users > 0)
		return err;
	if (exists) {
		app->bootstrap_note = pending ? 2 : 1;
		return MEDFW_OK;
	}
	err = medfw_token_generate(MEDFW_TOKEN_API, token, sizeof(token));
	if (err == MEDFW_OK)
		err = medfw_token_hash(token, hash, sizeof(hash));
	if (err == MEDFW_OK)
		err = medfw_store_bootstrap_create(app->store, hash, diag);
	if (err == MEDFW_OK) {
		memcpy(app->bootstrap_token, token, sizeof(token));
		err = medfwd_audit(app, NULL, medfwd_actor_of(NULL), 0, "bootstrap.token_issued",
				   NULL);
	}
	medfw_wipe(token, sizeof(token));
	return err;
}

static enum medfw_store_tristate signed_release_hook(void *user, const char *image_sha256)
{
	return medfwd_image_is_signed_release(user, image_sha256);
}

enum medfw_err medfwd_app_init(struct medfwd_app *app, const struct medfwd_config *cfg,
			       struct medfw_ctx *ctx, struct medfw_diag *diag)
{
	struct medfw_ratelimit_config rl = {.entries = 4096, .burst = 10, .refill_per_minute = 10};
	char url[PATH_MAX + 16];
	enum medfw_err err;

	memset(app, 0, sizeof(*app));
	app->ctx = ctx;
	app->session_lifetime = (int64_t)cfg->session_lifetime;
	app->session_idle_timeout = (int64_t)cfg->session_idle_timeout;
	app->device_clock_skew = (int64_t)cfg->device_clock_skew;
	app->device_session_lifetime = (int64_t)cfg->device_session_lifetime;
	snprintf(url, sizeof(url), "sqlite:%s/medfwd.db", cfg->data_dir);
	err = medfw_store_open(ctx, url, &app->store, diag);
	if (err == MEDFW_OK)
		err = load_or_make_key(app, cfg->data_dir, diag);
	if (err == MEDFW_OK)
		err = load_or_make_secret(app, "csrf_secret", app->csrf_secret,
					  sizeof(app->csrf_secret), diag);
	if (err == MEDFW_OK)
		err = load_or_make_secret(app, "device_session_secret", app->device_session_secret,
					  sizeof(app->device_session_secret), diag);
	if (err == MEDFW_OK)
		err = medfwd_repo_init(app, cfg->data_dir, diag);
	if (err == MEDFW_OK)
		err = medfwd_director_init(app, cfg->data_dir, diag);
	/* check-ins learn whether a reported image is a signed release */
	app->image_signed_release = signed_release_hook;
	app->image_signed_release_user = app;
	if (err == MEDFW_OK)
		err = medfw_ratelimit_new(&rl, &app->login_limit);
	if (err == MEDFW_OK)
		err = medfw_ratelimit_new(&rl, &app->device_fail_limit);
	if (err == MEDFW_OK)
		err = medfwd_audit(app, NULL, medfwd_actor_of(NULL), 0, "server.start",
				   json_pack("{s:s, s:s}", "version", MEDFW_VERSION_STRING,
					     "server_key", medfw_pubkey_keyid(app->server_pub)));
	if (err == MEDFW_OK)
		err = bootstrap(app, diag);
	if (err != MEDFW_OK)
		medfwd_app_free(app);
	return err;
}

void medfwd_app_announce(struct medfwd_app *app)
{
	if (app->bootstrap_token[0] != 0)
		/* Shown once, on stdout only (never in the log): it creates the first admin. */
		printf("medfwd: bootstrap token (creates the first admin, valid once): %s\n",
		       app->bootstrap_token);
	else if (app->bootstrap_note != 0)
		printf("medfwd: no user exists yet; the bootstrap token was issued at first start "
		       "and is %s\n", app->bootstrap_note == 2 ? "still unused" : "used");
	fflush(stdout);
	medfw_wipe(app->bootstrap_token, sizeof(app->bootstrap_token));
}

void medfwd_app_free(struct medfwd_app *app)
{
	if (app->store != NULL) {
		/* sign the head so an export ends on a checkpoint */
		if (app->server_key != NULL &&
		    medfw_audit_checkpoint(app->store, app->ctx, app->server_key, NULL) != MEDFW_OK)
			medfw_log(app->ctx, MEDFW_LOG_ERROR, "audit.checkpoint.failed", "at stop");
		medfw_store_close(app->store);
	}
	medfw_privkey_free(app->server_key);
	medfw_pubkey_free(app->server_pub);
	medfwd_repo_free(app->repo);
	medfwd_director_free(app->director);
	medfwd_web_free(app->web);
	medfw_ratelimit_free(app->login_limit);
	medfw_ratelimit_free(app->device_fail_limit);
	medfw_wipe(app->csrf_secret, sizeof(app->csrf_secret));
	medfw_wipe(app->device_session_secret, sizeof(app->device_session_secret));
	memset(app, 0, sizeof(*app));
}
