/* The fleet server's store (SQLite backend): migrations, every entity, uniqueness,
 * paging, site scoping, transactions, concurrent audit appends. */
#include "testutil.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "medfw/crypto.h"
#include "medfw/store.h"
#include "store/store_internal.h"

struct fixture {
	char *dir;
	char path[4096];
	char url[4200];
	struct medfw_ctx *ctx;
	struct medfw_store *store;
	int64_t now;
	int64_t site_a, site_b;
};

static int64_t test_clock(void *user)
{
	return ((struct fixture *)user)->now;
}

static void reopen(struct fixture *f)
{
	struct medfw_diag d;

	medfw_diag_clear(&d);
	medfw_store_close(f->store);
	f->store = NULL;
	assert_int_equal(medfw_store_open(f->ctx, f->url, &f->store, &d), MEDFW_OK);
}

static int64_t make_site(struct fixture *f, const char *name)
{
	struct medfw_store_site s;

	memset(&s, 0, sizeof(s));
	snprintf(s.name, sizeof(s.name), "%s", name);
	snprintf(s.time_zone, sizeof(s.time_zone), "Europe/Berlin");
	assert_int_equal(medfw_store_site_create(f->store, &s, NULL), MEDFW_OK);
	assert_true(s.id > 0);
	return s.id;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct medfw_diag d;

	assert_non_null(f);
	f->dir = tu_tmpdir_new();
	tu_path(f->path, sizeof(f->path), f->dir, "medfwd.db");
	snprintf(f->url, sizeof(f->url), "sqlite:%s", f->path);
	f->ctx = medfw_ctx_new();
	f->now = 1700000000;
	medfw_ctx_set_clock(f->ctx, test_clock, f);
	medfw_diag_clear(&d);
	assert_int_equal(medfw_store_open(f->ctx, f->url, &f->store, &d), MEDFW_OK);
	f->site_a = make_site(f, "General Hospital");
	f->site_b = make_site(f, "St. Elsewhere");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	medfw_store_close(f->store);
	medfw_ctx_free(f->ctx);
	tu_tmpdir_free(f->dir);
	free(f);
	return 0;
}

static struct medfw_store_device device(int64_t site, const char *serial, const char *model,
					const char *fw)
{
	struct medfw_store_device d;

	memset(&d, 0, sizeof(d));
	d.site_id = site;
	snprintf(d.serial, sizeof(d.serial), "%s", serial);
	snprintf(d.model, sizeof(d.model), "%s", model);
	snprintf(d.firmware_version, sizeof(d.firmware_version), "%s", fw);
	snprintf(d.location, sizeof(d.location), "ICU bed %s", serial);
	d.image_is_signed_release = MEDFW_TRI_UNKNOWN;
	return d;
}

/* ------------------------------------------------------------------ migrations */

static void test_migrations_and_reopen(void **state)
{
	struct fixture *f = *state;
	int64_t v = 0;
	struct medfw_store_site s;

	assert_string_equal(medfw_store_backend_name(f->store), "sqlite");
	assert_int_equal(medfw_store_schema_version(f->store, &v, NULL), MEDFW_OK);
	assert_int_equal(v, medfw_store_schema_version_known(f->store));
	assert_true(v >= 1);
	reopen(f);
	assert_int_equal(medfw_store_schema_version(f->store, &v, NULL), MEDFW_OK);
	assert_int_equal(v, medfw_store_schema_version_known(f->store));
	/* data survives */
	assert_int_equal(medfw_store_site_get(f->store, medfw_store_scope_all(), f->site_b, &s, NULL),
			 MEDFW_OK);
	assert_string_equal(s.name, "St. Elsewhere");
	assert_int_equal(s.created_at, 1700000000);

	/* A plain path works too. */
	medfw_store_close(f->store);
	assert_int_equal(medfw_store_open(f->ctx, f->path, &f->store, NULL), MEDFW_OK);
}

static void test_future_schema_refused(void **state)
{
	struct fixture *f = *state;
	struct medfw_store *s2 = (struct medfw_store *)1;
	struct medfw_diag d;
	sqlite3 *db = NULL;

	medfw_store_close(f->store);
	f->store = NULL;
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "INSERT INTO schema_version VALUES (999, 0)", NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	medfw_diag_clear(&d);
	assert_int_equal(medfw_store_open(f->ctx, f->url, &s2, &d), MEDFW_ERR_VERSION_MISMATCH);
	assert_null(s2);
	assert_non_null(strstr(d.msg, "999"));
	/* unknown scheme */
	assert_int_equal(medfw_store_open(f->ctx, "mysql://x", &s2, NULL), MEDFW_ERR_KEY_UNSUPPORTED);
	assert_null(s2);
	/* fix it back so teardown has nothing to do */
	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "DELETE FROM schema_version WHERE version = 999", NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(medfw_store_open(f->ctx, f->url, &f->store, NULL), MEDFW_OK);
}

/* ------------------------------------------------------------------ sites, users */

static void test_sites_and_users(void **state)
{
	struct fixture *f = *state;
	struct medfw_store_site s, list[4];
	struct medfw_store_user u, got, users[4];
	struct medfw_diag d;
	size_t n = 0;
	int64_t locked = 0;

	memset(&s, 0, sizeof(s));
	snprintf(s.name, sizeof(s.name), "General Hospital");
	snprintf(s.time_zone, sizeof(s.time_zone), "UTC");
	medfw_diag_clear(&d);
	assert_int_equal(medfw_store_site_create(f->store, &s, &d), MEDFW_ERR_EXISTS);
	assert_non_null(strstr(d.msg, "site: name"));
	assert_int_equal(medfw_store_site_list(f->store, medfw_store_scope_all(), 0, list, 4, &n, NULL),
			 MEDFW_OK);
	assert_int_equal(n, 2);
	assert_int_equal(medfw_store_site_list(f->store, medfw_store_scope_site(f->site_b), 0, list, 4,
					       &n, NULL),
			 MEDFW_OK);
	assert_int_equal(n, 1);
	assert_int_equal(list[0].id, f->site_b);
	/* zeroed scope is refused */
	struct medfw_store_scope zero = {0, 0};
	assert_int_equal(medfw_store_site_list(f->store, zero, 0, list, 4, &n, NULL),
			 MEDFW_ERR_INVALID_ARG);

	memset(&u, 0, sizeof(u));
	u.site_id = f->site_a;
	snprintf(u.username, sizeof(u.username), "alice");
	snprintf(u.display_name, sizeof(u.display_name), "Alice A.");
	u.role = MEDFW_ROLE_CLINICAL_ENGINEER;
	snprintf(u.password_hash, sizeof(u.password_hash), "$argon2id$v=19$m=65536,t=3,p=1$x$y");
	memcpy(u.totp_secret, "12345678901234567890", 20);
	u.totp_secret_len = 20;
	u.totp_required = 1;
	assert_int_equal(medfw_store_user_create(f->store, &u, NULL), MEDFW_OK);
	assert_true(u.id > 0);
	assert_int_equal(medfw_store_user_get(f->store, medfw_store_scope_site(f->site_a), u.id, &got,
					      NULL),
			 MEDFW_OK);
	assert_string_equal(got.username, "alice");
	assert_string_equal(got.password_hash, u.password_hash);
	assert_int_equal(got.role, MEDFW_ROLE_CLINICAL_ENGINEER);
	assert_int_equal(got.totp_secret_len, 20);
	assert_memory_equal(got.totp_secret, u.totp_secret, 20);
	assert_int_equal(got.totp_required, 1);
	assert_int_equal(got.site_id, f->site_a);
	/* other site cannot see alice */
	assert_int_equal(medfw_store_user_get(f->store, medfw_store_scope_site(f->site_b), u.id, &got,
					      NULL),
			 MEDFW_ERR_NOT_FOUND);
	tu_assert_zeroed(&got, sizeof(got));
	assert_int_equal(medfw_store_user_list(f->store, medfw_store_scope_site(f->site_b), 0, users, 4,
					       &n, NULL),
			 MEDFW_OK);
	assert_int_equal(n, 0);

	/* duplicate username, even in another site */
	struct medfw_store_user dup = u;
	dup.site_id = f->site_b;
	medfw_diag_clear(&d);
	assert_int_equal(medfw_store_user_create(f->store, &dup, &d), MEDFW_ERR_EXISTS);
	assert_non_null(strstr(d.msg, "user: username already exists"));
	/* unknown site */
	dup.site_id = 9999;
	snprintf(dup.username, sizeof(dup.username), "bob");
	assert_int_equal(medfw_store_user_create(f->store, &dup, NULL), MEDFW_ERR_NOT_FOUND);
	/* bad role */
	dup.site_id = 0;
	dup.role = (enum medfw_store_role)42;
	assert_int_equal(medfw_store_user_create(f->store, &dup, NULL), MEDFW_ERR_FIELD_VALUE);
	/* unterminated username */
	dup.role = MEDFW_ROLE_AUDITOR;
	memset(dup.username, 'x', sizeof(dup.username));
	assert_int_equal(medfw_store_user_create(f->store, &dup, NULL), MEDFW_ERR_TOO_LARGE);

	/* login lookup, lockout, TOTP replay */
	assert_int_equal(medfw_store_user_find_login(f->store, "alice", &got, NULL), MEDFW_OK);
	assert_int_equal(got.id, u.id);
	assert_int_equal(medfw_store_user_find_login(f->store, "nobody", &got, NULL),
			 MEDFW_ERR_NOT_FOUND);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(medfw_store_user_login_failed(f->store, u.id, 5, 900, &locked, NULL),
				 MEDFW_OK);
		assert_int_equal(locked, 0);
	}
	assert_int_equal(medfw_store_user_login_failed(f->store, u.id, 5, 900, &locked, NULL), MEDFW_OK);
	assert_int_equal(locked, f->now + 900);
	assert_int_equal(medfw_store_user_login_succeeded(f->store, u.id, NULL), MEDFW_OK);
	assert_int_equal(medfw_store_user_get(f->store, medfw_store_scope_all(), u.id, &got, NULL),
			 MEDFW_OK);
	assert_int_equal(got.failed_logins, 0);
	assert_int_equal(got.locked_until, 0);
	assert_int_equal(medfw_store_user_totp_accept(f->store, u.id, 100, NULL), MEDFW_OK);
	assert_int_equal(medfw_store_user_totp_accept(f->store, u.id, 100, NULL), MEDFW_ERR_ROLLBACK);
	assert_int_equal(medfw_store_user_totp_accept(f->store, u.id, 99, NULL), MEDFW_ERR_ROLLBACK);
	assert_int_equal(medfw_store_user_totp_accept(f->store, 424242, 101, NULL), MEDFW_ERR_NOT_FOUND);

	/* update: a site admin cannot move alice to another site */
	got.site_id = f->site_b;
	assert_int_equal(medfw_store_user_update(f->store, medfw_store_scope_site(f->site_a), &got, NULL),
			 MEDFW_ERR_FIELD_VALUE);
	got.site_id = f->site_a;
	got.role = MEDFW_ROLE_ADMIN;
	assert_int_equal(medfw_store_user_update(f->store, medfw_store_scope_site(f->site_a), &got, NULL),
			 MEDFW_OK);
	assert_int_equal(medfw_store_user_update(f->store, medfw_store_scope_site(f->site_b), &got, NULL),
			 MEDFW_ERR_FIELD_VALUE);
	assert_int_equal(medfw_store_user_get(f->store, medfw_store_scope_all(), u.id, &got, NULL),
			 MEDFW_OK);
	assert_int_equal(got.role, MEDFW_ROLE_ADMIN);
	assert_int_equal(got.totp_last_counter, 100);

	/* a site with users cannot be deleted */
	assert_int_equal(medfw_store_site_delete(f->store, f->site_a, NULL), MEDFW_ERR_STATE);
	assert_int_equal(medfw_store_user_delete(f->store, medfw_store_scope_site(f->site_b), u.id, NULL),
			 MEDFW_ERR_NOT_FOUND);
	assert_int_equal(medfw_store_user_delete(f->store, medfw_store_scope_site(f->site_a), u.id, NULL),
			 MEDFW_OK);
	assert_int_equal(medfw_store_site_delete(f->store, f->site_a, NULL), MEDFW_OK);
	assert_int_equal(medfw_store_site_delete(f->store, f->site_a, NULL), MEDFW_ERR_NOT_FOUND);
}

/* Completing a TOTP enrolment writes the TOTP columns only, and is refused (nothing
 * changed) for a user disabled meanwhile or an enrolment cancelled or restarted
 * meanwhile: the interleavings of POST /api/v1/me/totp/confirm with an
 * administrator's change, replayed step by step. */
static void expect_user(struct fixture *f, int64_t id, struct medfw_store_user *out)
{
	assert_int_equal(medfw_store_user_get(f->store, medfw_store_scope_all(), id, out, NULL),
			 MEDFW_OK);
}

struct enrol_in_tx {
	int64_t id;
	const char *key, *value;
	const uint8_t *secret;
	size_t len;
	enum medfw_err enrol_result;
};

/* Enrols, then fails the transaction. */
static enum medfw_err enrol_in_tx_fn(struct medfw_store *tx, void *user, struct medfw_diag *diag)
{
	struct enrol_in_tx *a = user;

	a->enrol_result = medfw_store_user_totp_enrol(tx, a->id, a->key, a->value, a->secret,
						      a->len, 56666670, diag);
	return a->enrol_result == MEDFW_OK ? MEDFW_ERR_IO : a->enrol_result;
}

static void test_user_totp_enrol(void **state)
{
	struct fixture *f = *state;
	uint8_t secret[20], other[20];
	static const char key[] = "totp_pending:x", value[] = "6162636465666768696a6b6c6d6e6f7071727374";
	struct medfw_store_user u, admin_copy, got;
	struct enrol_in_tx tx_arg;
	char buf[128];
	struct medfw_diag d;

	memcpy(secret, "abcdefghijklmnopqrst", sizeof(secret));
	memcpy(other, "ABCDEFGHIJKLMNOPQRST", sizeof(other));
	memset(&u, 0, sizeof(u));
	u.site_id = f->site_a;
	snprintf(u.username, sizeof(u.username), "carol");
	snprintf(u.display_name, sizeof(u.display_name), "Carol C.");
	u.role = MEDFW_ROLE_CLINICAL_ENGINEER;
	snprintf(u.password_hash, sizeof(u.password_hash), "$argon2id$hash");
	assert_int_equal(medfw_store_user_create(f->store, &u, NULL), MEDFW_OK);

	/* an administrator changes role, name and requirement meanwhile: all of it stays */
	assert_int_equal(medfw_store_setting_set(f->store, key, value, NULL), MEDFW_OK);
	expect_user(f, u.id, &admin_copy);
	admin_copy.role = MEDFW_ROLE_AUDITOR;
	snprintf(admin_copy.display_name, sizeof(admin_copy.display_name), "Carol (audit)");
	admin_copy.totp_required = 1;
	assert_int_equal(medfw_store_user_update(f->store, medfw_store_scope_all(), &admin_copy, NULL),
			 MEDFW_OK);
	medfw_diag_clear(&d);
	assert_int_equal(medfw_store_user_totp_enrol(f->store, u.id, key, value, secret,
						     sizeof(secret), 56666666, &d),
			 MEDFW_OK);
	expect_user(f, u.id, &got);
	assert_int_equal(got.role, MEDFW_ROLE_AUDITOR);
	assert_string_equal(got.display_name, "Carol (audit)");
	assert_int_equal(got.totp_required, 1);
	assert_int_equal(got.disabled, 0);
	assert_string_equal(got.password_hash, "$argon2id$hash");
	assert_int_equal(got.totp_secret_len, sizeof(secret));
	assert_memory_equal(got.totp_secret, secret, sizeof(secret));
	assert_int_equal(got.totp_last_counter, 56666666);
	/* the pending enrolment is used up: the same confirmation again is refused */
	assert_int_equal(medfw_store_setting_get(f->store, key, buf, sizeof(buf), NULL),
			 MEDFW_ERR_NOT_FOUND);
	medfw_diag_clear(&d);
	assert_int_equal(medfw_store_user_totp_enrol(f->store, u.id, key, value, other,
						     sizeof(other), 56666667, &d),
			 MEDFW_ERR_STATE);
	assert_non_null(strstr(d.msg, "pending TOTP enrolment was cancelled or restarted"));
	expect_user(f, u.id, &got);
	assert_memory_equal(got.totp_secret, secret, sizeof(secret));
	assert_int_equal(got.totp_last_counter, 56666666);

	/* restarted meanwhile (another secret pending): refused, the new one stays pending */
	assert_int_equal(medfw_store_setting_set(f->store, key, "00ff", NULL), MEDFW_OK);
	medfw_diag_clear(&d);
	assert_int_equal(medfw_store_user_totp_enrol(f->store, u.id, key, value, other,
						     sizeof(other), 56666668, &d),
			 MEDFW_ERR_STATE);
	assert_non_null(strstr(d.msg, "cancelled or restarted"));
	assert_int_equal(medfw_store_setting_get(f->store, key, buf, sizeof(buf), NULL), MEDFW_OK);
	assert_string_equal(buf, "00ff");
	expect_user(f, u.id, &got);
	assert_memory_equal(got.totp_secret, secret, sizeof(secret));

	/* disabled meanwhile: refused, the user stays disabled, the enrolment stays pending */
	assert_int_equal(medfw_store_setting_set(f->store, key, value, NULL), MEDFW_OK);
	expect_user(f, u.id, &admin_copy);
	admin_copy.disabled = 1;
	assert_int_equal(medfw_store_user_update(f->store, medfw_store_scope_all(), &admin_copy, NULL),
			 MEDFW_OK);
	medfw_diag_clear(&d);
	assert_int_equal(medfw_store_user_totp_enrol(f->store, u.id, key, value, other,
						     sizeof(other), 56666669, &d),
			 MEDFW_ERR_STATE);
	assert_non_null(strstr(d.msg, "was disabled"));
	expect_user(f, u.id, &got);
	assert_int_equal(got.disabled, 1);
	assert_int_equal(got.role, MEDFW_ROLE_AUDITOR);
	assert_memory_equal(got.totp_secret, secret, sizeof(secret));
	assert_int_equal(got.totp_last_counter, 56666666);
	assert_int_equal(medfw_store_setting_get(f->store, key, buf, sizeof(buf), NULL), MEDFW_OK);
	assert_string_equal(buf, value);

	/* enabled again; inside a caller's transaction that then fails, nothing stays */
	admin_copy.disabled = 0;
	assert_int_equal(medfw_store_user_update(f->store, medfw_store_scope_all(), &admin_copy, NULL),
			 MEDFW_OK);
	tx_arg = (struct enrol_in_tx){u.id, key, value, other, sizeof(other), MEDFW_ERR_INVALID_ARG};
	assert_int_equal(medfw_store_tx(f->store, enrol_in_tx_fn, &tx_arg, NULL), MEDFW_ERR_IO);
	assert_int_equal(tx_arg.enrol_result, MEDFW_OK);

	/* bad arguments and unknown users change nothing */
	medfw_diag_clear(&d);
	assert_int_equal(medfw_store_user_totp_enrol(f->store, 424242, key, value, other,
						     sizeof(other), 1, &d),
			 MEDFW_ERR_NOT_FOUND);
	assert_non_null(strstr(d.msg, "no user with id 424242"));
	assert_int_equal(medfw_store_user_totp_enrol(f->store, u.id, key, value, other, 0, 1, NULL),
			 MEDFW_ERR_FIELD_VALUE);
	assert_int_equal(medfw_store_user_totp_enrol(f->store, u.id, key, value, other,
						     MEDFW_STORE_TOTP_SECRET_MAX + 1, 1, NULL),
			 MEDFW_ERR_FIELD_VALUE);
	assert_int_equal(medfw_store_user_totp_enrol(f->store, u.id, key, value, NULL, 20, 1, NULL),
			 MEDFW_ERR_INVALID_ARG);
	assert_int_equal(medfw_store_user_totp_enrol(f->store, u.id, key, value, other,
						     sizeof(other), -1, NULL),
			 MEDFW_ERR_INVALID_ARG);
	assert_int_equal(medfw_store_user_totp_enrol(f->store, u.id, "", value, other,
						     sizeof(other), 1, NULL),
			 MEDFW_ERR_FIELD_MISSING);
	assert_int_equal(medfw_store_user_totp_enrol(f->store, u.id, key, "", other,
						     sizeof(other), 1, NULL),
			 MEDFW_ERR_FIELD_MISSING);
	expect_user(f, u.id, &got);
	assert_memory_equal(got.totp_secret, secret, sizeof(secret));
	assert_int_equal(got.totp_last_counter, 56666666);
	assert_int_equal(medfw_store_setting_get(f->store, key, buf, sizeof(buf), NULL), MEDFW_OK);
	assert_string_equal(buf, value);

	/* enabled again: the pending enrolment completes with the new secret */
	assert_int_equal(medfw_store_user_totp_enrol(f->store, u.id, key, value, other,
						     sizeof(other), 56666670, NULL),
			 MEDFW_OK);
	expect_user(f, u.id, &got);
	assert_memory_equal(got.totp_secret, other, sizeof(other));
	assert_int_equal(got.totp_last_counter, 56666670);
	assert_int_equal(got.role, MEDFW_ROLE_AUDITOR);
}

/* ------------------------------------------------------------------ sessions, tokens */

static int64_t make_user(struct fixture *f, const char *name, int64_t site)
{
	struct medfw_store_user u;

	memset(&u, 0, sizeof(u));
	u.site_id = site;
	snprintf(u.username, sizeof(u.username), "%s", name);
	u.role = MEDFW_ROLE_ADMIN;
	snprintf(u.password_hash, sizeof(u.password_hash), "$argon2id$hash");
	assert_int_equal(medfw_store_user_create(f->store, &u, NULL), MEDFW_OK);
	return u.id;
}

static void test_sessions_tokens_bootstrap(void **state)
{
	struct fixture *f = *state;
	int64_t uid = make_user(f, "root", 0);
	struct medfw_store_session s, got;
	struct medfw_store_api_token t, tg, tl[4];
	uint8_t h[MEDFW_STORE_HASH_LEN], h2[MEDFW_STORE_HASH_LEN];
	size_t n = 0;
	int exists = -1, pending = -1;

	memset(&s, 0, sizeof(s));
	memset(s.id, 0xA1, sizeof(s.id));
	memset(s.csrf_hash, 0xC5, sizeof(s.csrf_hash));
	s.user_id = uid;
	s.created_at = s.last_seen = f->now;
	s.expires_at = f->now + 3600;
	snprintf(s.remote_addr, sizeof(s.remote_addr), "192.0.2.7");
	assert_int_equal(medfw_store_session_create(f->store, &s, NULL), MEDFW_OK);
	assert_int_equal(medfw_store_session_create(f->store, &s, NULL), MEDFW_ERR_EXISTS);
	assert_int_equal(medfw_store_session_get(f->store, s.id, &got, NULL), MEDFW_OK);
	assert_memory_equal(&got, &s, sizeof(s));
	assert_int_equal(medfw_store_session_touch(f->store, s.id, f->now + 10, f->now + 4000, NULL),
			 MEDFW_OK);
	assert_int_equal(medfw_store_session_revoke_user(f->store, uid, &n, NULL), MEDFW_OK);
	assert_int_equal(n, 1);
	assert_int_equal(medfw_store_session_touch(f->store, s.id, f->now + 20, f->now + 4000, NULL),
			 MEDFW_ERR_NOT_FOUND);
	assert_int_equal(medfw_store_session_get(f->store, s.id, &got, NULL), MEDFW_OK);
	assert_int_equal(got.revoked_at, f->now);
	assert_int_equal(got.last_seen, f->now + 10);
	assert_int_equal(medfw_store_session_purge(f->store, f->now + 1, &n, NULL), MEDFW_OK);
	assert_int_equal(n, 1);
	assert_int_equal(medfw_store_session_get(f->store, s.id, &got, NULL), MEDFW_ERR_NOT_FOUND);

	memset(&t, 0, sizeof(t));
	t.user_id = uid;
	snprintf(t.name, sizeof(t.name), "ci");
	memset(t.token_hash, 0x77, sizeof(t.token_hash));
	snprintf(t.scopes, sizeof(t.scopes), "devices:read audit:read");
	t.expires_at = f->now + 86400;
	assert_int_equal(medfw_store_api_token_create(f->store, &t, NULL), MEDFW_OK);
	assert_int_equal(medfw_store_api_token_find(f->store, t.token_hash, &tg, NULL), MEDFW_OK);
	assert_memory_equal(&tg, &t, sizeof(t));
	assert_int_equal(medfw_store_api_token_touch(f->store, t.id, f->now + 5, NULL), MEDFW_OK);
	assert_int_equal(medfw_store_api_token_revoke(f->store, t.id, NULL), MEDFW_OK);
	assert_int_equal(medfw_store_api_token_revoke(f->store, t.id, NULL), MEDFW_ERR_NOT_FOUND);
	assert_int_equal(medfw_store_api_token_list(f->store, uid, tl, 4, &n, NULL), MEDFW_OK);
	assert_int_equal(n, 1);
	assert_int_equal(tl[0].last_used_at, f->now + 5);
	assert_int_equal(tl[0].revoked_at, f->now);
	/* same name for the same user */
	memset(t.token_hash, 0x78, sizeof(t.token_hash));
	assert_int_equal(medfw_store_api_token_create(f->store, &t, NULL), MEDFW_ERR_EXISTS);

	/* bootstrap: once */
	memset(h, 0x42, sizeof(h));
	memset(h2, 0x43, sizeof(h2));
	assert_int_equal(medfw_store_bootstrap_state(f->store, &exists, &pending, NULL), MEDFW_OK);
	assert_int_equal(exists, 0);
	assert_int_equal(medfw_store_bootstrap_create(f->store, h, NULL), MEDFW_OK);
	assert_int_equal(medfw_store_bootstrap_create(f->store, h2, NULL), MEDFW_ERR_EXISTS);
	assert_int_equal(medfw_store_bootstrap_state(f->store, &exists, &pending, NULL), MEDFW_OK);
	assert_int_equal(exists, 1);
	assert_int_equal(pending, 1);
	assert_int_equal(medfw_store_bootstrap_consume(f->store, h2, NULL), MEDFW_ERR_NOT_FOUND);
	assert_int_equal(medfw_store_bootstrap_consume(f->store, h, NULL), MEDFW_OK);
	assert_int_equal(medfw_store_bootstrap_consume(f->store, h, NULL), MEDFW_ERR_STATE);
	assert_int_equal(medfw_store_bootstrap_state(f->store, &exists, &pending, NULL), MEDFW_OK);
	assert_int_equal(pending, 0);

	/* deleting the user cascades to tokens */
	assert_int_equal(medfw_store_user_delete(f->store, medfw_store_scope_all(), uid, NULL), MEDFW_OK);
	assert_int_equal(medfw_store_api_token_find(f->store, tl[0].token_hash, &tg, NULL),
			 MEDFW_ERR_NOT_FOUND);
}


/* Check-in of mac / network zone (empty keeps), site and signed-release filters, the
 * firmware inventory report. */
static void test_devices_report(void **state)
{
	struct fixture *f = *state;
	struct medfw_store_device d, got, page[16];
	struct medfw_store_device_filter flt;
	struct medfw_store_checkin c;
	struct medfw_store_firmware_row rows[8];
	size_t n = 0;
	int64_t total = 0, ids[6];
	static const enum medfw_store_tristate tri[6] = {MEDFW_TRI_YES, MEDFW_TRI_YES, MEDFW_TRI_NO,
							 MEDFW_TRI_UNKNOWN, MEDFW_TRI_NO,
							 MEDFW_TRI_YES};
	char serial[32];

	for (int i = 0; i < 6; i++) {
		snprintf(serial, sizeof(serial), "R%d", i);
		d = device(i < 5 ? f->site_a : f->site_b, serial, i < 4 ? "Pump" : "Vent",
			   i < 3 ? "1.0" : "2.0");
		d.image_is_signed_release = tri[i];
		assert_int_equal(medfw_store_device_create(f->store, &d, NULL), MEDFW_OK);
		ids[i] = d.id;
	}
	/* report: all sites, then one site; scope narrows too */
	assert_int_equal(medfw_store_firmware_report(f->store, medfw_store_scope_all(), 0, rows, 8,
						     &n, NULL),
			 MEDFW_OK);
	assert_int_equal(n, 3);
	assert_string_equal(rows[0].model, "Pump");
	assert_string_equal(rows[0].firmware_version, "1.0");
	assert_int_equal(rows[0].devices, 3);
	assert_int_equal(rows[0].signed_release, 2);
	assert_int_equal(rows[0].not_signed, 1);
	assert_int_equal(rows[1].devices, 1);
	assert_int_equal(rows[1].unknown, 1);
	assert_string_equal(rows[2].model, "Vent");
	assert_int_equal(rows[2].devices, 2);
	assert_int_equal(rows[2].not_signed, 1);
	assert_int_equal(medfw_store_firmware_report(f->store, medfw_store_scope_all(), f->site_b,
						     rows, 8, &n, NULL),
			 MEDFW_OK);
	assert_int_equal(n, 1);
	assert_int_equal(rows[0].devices, 1);
	assert_int_equal(medfw_store_firmware_report(f->store, medfw_store_scope_site(f->site_a),
						     f->site_b, rows, 8, &n, NULL),
			 MEDFW_OK);
	assert_int_equal(n, 0);
	assert_int_equal(medfw_store_firmware_report(f->store, medfw_store_scope_all(), 0, rows, 2,
						     &n, NULL),
			 MEDFW_ERR_TOO_LARGE);
	assert_int_equal(n, 0);
	/* revoked devices are not counted */
	assert_int_equal(medfw_store_device_revoke(f->store, medfw_store_scope_all(), ids[5], NULL),
			 MEDFW_OK);
	assert_int_equal(medfw_store_firmware_report(f->store, medfw_store_scope_all(), f->site_b,
						     rows, 8, &n, NULL),
			 MEDFW_OK);
	assert_int_equal(n, 0);

	/* filters */
	memset(&flt, 0, sizeof(flt));
	flt.signed_release = MEDFW_SIGNED_NO;
	assert_int_equal(medfw_store_device_list(f->store, medfw_store_scope_all(), &flt, 0, page, 16,
						 &n, &total, NULL),
			 MEDFW_OK);
	assert_int_equal(n, 2);
	assert_int_equal(page[0].id, ids[2]);
	assert_int_equal(page[1].id, ids[4]);
	flt.signed_release = MEDFW_SIGNED_UNKNOWN;
	assert_int_equal(medfw_store_device_list(f->store, medfw_store_scope_all(), &flt, 0, page, 16,
						 &n, &total, NULL),
			 MEDFW_OK);
	assert_int_equal(n, 1);
	assert_int_equal(page[0].id, ids[3]);
	memset(&flt, 0, sizeof(flt));
	flt.site_id = f->site_b;
	assert_int_equal(medfw_store_device_list(f->store, medfw_store_scope_all(), &flt, 0, page, 16,
						 &n, &total, NULL),
			 MEDFW_OK);
	assert_int_equal(n, 1);
	assert_int_equal(page[0].id, ids[5]);
	assert_int_equal(medfw_store_device_list(f->store, medfw_store_scope_site(f->site_a), &flt, 0,
						 page, 16, &n, &total, NULL),
			 MEDFW_OK);
	assert_int_equal(n, 0);
	flt.signed_release = (enum medfw_store_signed_filter)7;
	assert_int_equal(medfw_store_device_list(f->store, medfw_store_scope_all(), &flt, 0, page, 16,
						 &n, &total, NULL),
			 MEDFW_ERR_FIELD_VALUE);

	/* check-in: mac and network zone, kept when not reported */
	memset(&c, 0, sizeof(c));
	snprintf(c.mac, sizeof(c.mac), "aa:bb:cc:dd:ee:ff");
	snprintf(c.network_zone, sizeof(c.network_zone), "clinical");
	c.now = f->now;
	assert_int_equal(medfw_store_device_checkin(f->store, ids[0], &c, NULL), MEDFW_OK);
	memset(&c, 0, sizeof(c));
	c.now = f->now + 1;
	assert_int_equal(medfw_store_device_checkin(f->store, ids[0], &c, NULL), MEDFW_OK);
	assert_int_equal(medfw_store_device_get(f->store, medfw_store_scope_all(), ids[0], &got, NULL),
			 MEDFW_OK);
	assert_string_equal(got.mac, "aa:bb:cc:dd:ee:ff");
	assert_string_equal(got.network_zone, "clinical");
	assert_int_equal(got.last_seen, f->now + 1);
	memset(c.mac, 'x', sizeof(c.mac));
	assert_int_equal(medfw_store_device_checkin(f->store, ids[0], &c, NULL), MEDFW_ERR_TOO_LARGE);
}

/* ------------------------------------------------------------------ devices */

static void test_devices(void **state)
{
	struct fixture *f = *state;
	struct medfw_store_device d, got, page[8];
	struct medfw_store_device_filter flt;
	struct medfw_store_checkin c;
	struct medfw_diag dg;
	size_t n = 0;
	int64_t total = 0, counts[4];
	uint8_t pk[MEDFW_STORE_PUBKEY_LEN];
	char serial[32];

	for (int i = 0; i < 12; i++) {
		snprintf(serial, sizeof(serial), "SN%03d", i);
		d = device(i < 9 ? f->site_a : f->site_b, serial, i % 2 ? "InfuPump 3" : "Vent 7",
			   i % 3 ? "2.1.0" : "2.0.4");
		assert_int_equal(medfw_store_device_create(f->store, &d, NULL), MEDFW_OK);
	}
	/* full record round trip */
	d = device(f->site_a, "FULL-1", "Monitor X", "5.0");
	snprintf(d.udi_di, sizeof(d.udi_di), "04012345678901");
	snprintf(d.udi_pi, sizeof(d.udi_pi), "(21)FULL-1");
	snprintf(d.hardware_id, sizeof(d.hardware_id), "mx-rev-b");
	snprintf(d.department, sizeof(d.department), "Cardiology");
	snprintf(d.network_zone, sizeof(d.network_zone), "med-iot");
	d.vlan = 120;
	snprintf(d.ip, sizeof(d.ip), "10.1.2.3");
	snprintf(d.mac, sizeof(d.mac), "00:11:22:33:44:55");
	snprintf(d.image_sha256, sizeof(d.image_sha256), "%064d", 7);
	d.image_is_signed_release = MEDFW_TRI_YES;
	snprintf(d.agent_version, sizeof(d.agent_version), "0.1.0");
	d.clinical_state = MEDFW_CLINICAL_IN_USE;
	assert_int_equal(medfw_store_device_create(f->store, &d, NULL), MEDFW_OK);
	assert_int_equal(d.enrolment_state, MEDFW_ENROLMENT_PENDING);
	assert_int_equal(medfw_store_device_get(f->store, medfw_store_scope_site(f->site_a), d.id, &got,
						NULL),
			 MEDFW_OK);
	assert_memory_equal(&got, &d, sizeof(d));
	assert_int_equal(medfw_store_device_get(f->store, medfw_store_scope_site(f->site_b), d.id, &got,
						NULL),
			 MEDFW_ERR_NOT_FOUND);
	tu_assert_zeroed(&got, sizeof(got));

	/* uniqueness: serial per site, UDI globally */
	struct medfw_store_device dup = device(f->site_a, "SN001", "X", "1");
	medfw_diag_clear(&dg);
	assert_int_equal(medfw_store_device_create(f->store, &dup, &dg), MEDFW_ERR_EXISTS);
	assert_non_null(strstr(dg.msg, "device: site_id, serial already exists"));
	dup.site_id = f->site_b;
	assert_int_equal(medfw_store_device_create(f->store, &dup, NULL), MEDFW_OK);
	dup = device(f->site_b, "OTHER", "X", "1");
	snprintf(dup.udi_di, sizeof(dup.udi_di), "04012345678901");
	snprintf(dup.udi_pi, sizeof(dup.udi_pi), "(21)FULL-1");
	medfw_diag_clear(&dg);
	assert_int_equal(medfw_store_device_create(f->store, &dup, &dg), MEDFW_ERR_EXISTS);
	assert_non_null(strstr(dg.msg, "udi_di, udi_pi"));
	dup = device(f->site_b, "BADVLAN", "X", "1");
	dup.vlan = 5000;
	assert_int_equal(medfw_store_device_create(f->store, &dup, NULL), MEDFW_ERR_FIELD_VALUE);
	dup = device(f->site_b, "", "X", "1");
	assert_int_equal(medfw_store_device_create(f->store, &dup, NULL), MEDFW_ERR_FIELD_MISSING);

	/* listing: scope, filters, sort, paging */
	memset(&flt, 0, sizeof(flt));
	assert_int_equal(medfw_store_device_list(f->store, medfw_store_scope_site(f->site_a), &flt, 0,
						 page, 4, &n, &total, NULL),
			 MEDFW_OK);
	assert_int_equal(n, 4);
	assert_int_equal(total, 10);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(page[i].site_id, f->site_a);
	assert_int_equal(medfw_store_device_list(f->store, medfw_store_scope_site(f->site_a), &flt, 8,
						 page, 4, &n, &total, NULL),
			 MEDFW_OK);
	assert_int_equal(n, 2);
	assert_int_equal(medfw_store_device_list(f->store, medfw_store_scope_site(f->site_b), NULL, 0,
						 page, 8, &n, &total, NULL),
			 MEDFW_OK);
	assert_int_equal(total, 4);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(page[i].site_id, f->site_b);
	assert_int_equal(medfw_store_device_list(f->store, medfw_store_scope_all(), NULL, 0, page, 8,
						 &n, &total, NULL),
			 MEDFW_OK);
	assert_int_equal(total, 14);

	snprintf(flt.model, sizeof(flt.model), "InfuPump 3");
	snprintf(flt.firmware_version, sizeof(flt.firmware_version), "2.1.0");
	flt.sort = MEDFW_DEVICE_SORT_SERIAL;
	flt.descending = 1;
	assert_int_equal(medfw_store_device_list(f->store, medfw_store_scope_site(f->site_a), &flt, 0,
						 page, 8, &n, &total, NULL),
			 MEDFW_OK);
	/* site A: i in 0..8, odd, i % 3 != 0 -> 1, 5, 7 */
	assert_int_equal(n, 3);
	assert_string_equal(page[0].serial, "SN007");
	assert_string_equal(page[2].serial, "SN001");

	memset(&flt, 0, sizeof(flt));
	snprintf(flt.search, sizeof(flt.search), "bed SN00");
	assert_int_equal(medfw_store_device_list(f->store, medfw_store_scope_all(), &flt, 0, page, 8, &n,
						 &total, NULL),
			 MEDFW_OK);
	assert_int_equal(total, 11); /* SN000..SN009 and the site B SN001 copy */
	snprintf(flt.search, sizeof(flt.search), "%%");
	assert_int_equal(medfw_store_device_list(f->store, medfw_store_scope_all(), &flt, 0, page, 8, &n,
						 &total, NULL),
			 MEDFW_OK);
	assert_int_equal(total, 0); /* wildcards are literal */
	snprintf(flt.search, sizeof(flt.search), "(21)FULL");
	assert_int_equal(medfw_store_device_list(f->store, medfw_store_scope_all(), &flt, 0, page, 8, &n,
						 &total, NULL),
			 MEDFW_OK);
	assert_int_equal(n, 1);
	assert_int_equal(page[0].id, d.id);
	memset(&flt, 0, sizeof(flt));
	flt.sort = (enum medfw_store_device_sort)99;
	assert_int_equal(medfw_store_device_list(f->store, medfw_store_scope_all(), &flt, 0, page, 8, &n,
						 &total, NULL),
			 MEDFW_ERR_FIELD_VALUE);

	/* check-in, enrolment, revocation, update */
	memset(&c, 0, sizeof(c));
	snprintf(c.ip, sizeof(c.ip), "10.9.9.9");
	snprintf(c.firmware_version, sizeof(c.firmware_version), "5.1");
	c.image_is_signed_release = MEDFW_TRI_NO;
	c.clinical_state = MEDFW_CLINICAL_IDLE;
	c.now = f->now + 60;
	assert_int_equal(medfw_store_device_checkin(f->store, d.id, &c, NULL), MEDFW_OK);
	memset(pk, 0x5e, sizeof(pk));
	assert_int_equal(medfw_store_device_enrol(f->store, d.id, pk, NULL), MEDFW_OK);
	assert_int_equal(medfw_store_device_enrol(f->store, d.id, pk, NULL), MEDFW_ERR_STATE);
	assert_int_equal(medfw_store_device_get(f->store, medfw_store_scope_all(), d.id, &got, NULL),
			 MEDFW_OK);
	assert_int_equal(got.last_seen, f->now + 60);
	assert_string_equal(got.firmware_version, "5.1");
	assert_int_equal(got.image_is_signed_release, MEDFW_TRI_NO);
	assert_int_equal(got.clinical_state, MEDFW_CLINICAL_IDLE);
	assert_int_equal(got.enrolment_state, MEDFW_ENROLMENT_ENROLLED);
	assert_int_equal(got.has_public_key, 1);
	assert_memory_equal(got.public_key, pk, sizeof(pk));
	snprintf(got.location, sizeof(got.location), "OR 2");
	assert_int_equal(medfw_store_device_update(f->store, medfw_store_scope_site(f->site_b), &got, NULL),
			 MEDFW_ERR_NOT_FOUND);
	assert_int_equal(medfw_store_device_update(f->store, medfw_store_scope_site(f->site_a), &got, NULL),
			 MEDFW_OK);
	assert_int_equal(medfw_store_device_revoke(f->store, medfw_store_scope_site(f->site_b), d.id, NULL),
			 MEDFW_ERR_NOT_FOUND);
	assert_int_equal(medfw_store_device_revoke(f->store, medfw_store_scope_site(f->site_a), d.id, NULL),
			 MEDFW_OK);
	assert_int_equal(medfw_store_device_count_by_state(f->store, medfw_store_scope_site(f->site_a),
							   counts, NULL),
			 MEDFW_OK);
	assert_int_equal(counts[MEDFW_ENROLMENT_PENDING], 9);
	assert_int_equal(counts[MEDFW_ENROLMENT_REVOKED], 1);
	memset(&flt, 0, sizeof(flt));
	flt.enrolment_state = MEDFW_ENROLMENT_REVOKED;
	assert_int_equal(medfw_store_device_list(f->store, medfw_store_scope_all(), &flt, 0, page, 8, &n,
						 &total, NULL),
			 MEDFW_OK);
	assert_int_equal(n, 1);
	assert_string_equal(page[0].location, "OR 2");

	reopen(f);
	assert_int_equal(medfw_store_device_get(f->store, medfw_store_scope_all(), d.id, &got, NULL),
			 MEDFW_OK);
	assert_string_equal(got.location, "OR 2");
	assert_int_equal(medfw_store_device_delete(f->store, medfw_store_scope_site(f->site_b), d.id, NULL),
			 MEDFW_ERR_NOT_FOUND);
	assert_int_equal(medfw_store_device_delete(f->store, medfw_store_scope_site(f->site_a), d.id, NULL),
			 MEDFW_OK);
}

/* ------------------------------------------------------------------ transactions */

struct import {
	int64_t site;
	int rows;
	int bad_row; /* -1: none */
	int calls;
};

static enum medfw_err import_fn(struct medfw_store *tx, void *user, struct medfw_diag *diag)
{
	struct import *im = user;
	char serial[32];

	im->calls++;
	for (int i = 0; i < im->rows; i++) {
		struct medfw_store_device d;
		enum medfw_err err;

		snprintf(serial, sizeof(serial), "IMP%04d", i == im->bad_row ? 0 : i);
		d = device(im->site, serial, "Imported", "1.0");
		err = medfw_store_device_create(tx, &d, diag);
		if (err != MEDFW_OK)
			return err;
	}
	return MEDFW_OK;
}

static void test_tx_rollback(void **state)
{
	struct fixture *f = *state;
	struct import im = {f->site_a, 1000, 999, 0};
	struct medfw_store_device page[1];
	struct medfw_store_device_filter flt;
	struct medfw_diag d;
	size_t n = 0;
	int64_t total = -1;

	memset(&flt, 0, sizeof(flt));
	snprintf(flt.model, sizeof(flt.model), "Imported");
	medfw_diag_clear(&d);
	assert_int_equal(medfw_store_tx(f->store, import_fn, &im, &d), MEDFW_ERR_EXISTS);
	assert_int_equal(im.calls, 1); /* a constraint failure is not retried */
	assert_non_null(strstr(d.msg, "serial"));
	assert_int_equal(medfw_store_device_list(f->store, medfw_store_scope_all(), &flt, 0, page, 1, &n,
						 &total, NULL),
			 MEDFW_OK);
	assert_int_equal(total, 0);

	im.bad_row = -1;
	im.rows = 100;
	assert_int_equal(medfw_store_tx(f->store, import_fn, &im, NULL), MEDFW_OK);
	assert_int_equal(medfw_store_device_list(f->store, medfw_store_scope_all(), &flt, 0, page, 1, &n,
						 &total, NULL),
			 MEDFW_OK);
	assert_int_equal(total, 100);
}

/* ------------------------------------------------------------------ audit */

static enum medfw_err test_hash(void *user, const struct medfw_store_audit *r, char *out,
				size_t cap)
{
	char buf[MEDFW_STORE_JSON_MAX + 512];
	uint8_t dgst[MEDFW_SHA256_LEN];
	size_t n = 0;
	int len;

	(void)user;
	len = snprintf(buf, sizeof(buf), "%lld|%lld|%d|%lld|%lld|%s|%s|%s", (long long)r->seq,
		       (long long)r->time, (int)r->actor_type, (long long)r->actor_id,
		       (long long)r->site_id, r->event, r->detail, r->prev_hash);
	if (len < 0 || (size_t)len >= sizeof(buf))
		return MEDFW_ERR_TOO_LARGE;
	if (medfw_hash_oneshot(MEDFW_HASH_SHA256, buf, (size_t)len, dgst, sizeof(dgst), &n) != MEDFW_OK)
		return MEDFW_ERR_CRYPTO;
	return medfw_hex_encode(dgst, n, out, cap);
}

struct appender {
	struct fixture *f;
	int thread;
	int count;
	enum medfw_err err;
};

#define THREADS 4
#define PER_THREAD 40

static void *append_thread(void *arg)
{
	struct appender *a = arg;

	for (int i = 0; i < a->count && a->err == MEDFW_OK; i++) {
		struct medfw_store_audit r;

		memset(&r, 0, sizeof(r));
		r.time = a->f->now;
		r.actor_type = MEDFW_ACTOR_USER;
		r.actor_id = a->thread + 1;
		r.site_id = (a->thread % 2) ? a->f->site_b : a->f->site_a;
		snprintf(r.event, sizeof(r.event), "test.append");
		snprintf(r.detail, sizeof(r.detail), "{\"thread\":%d,\"i\":%d}", a->thread, i);
		a->err = medfw_store_audit_append(a->f->store, &r, test_hash, NULL, NULL);
	}
	return NULL;
}

static void test_audit_concurrent_chain(void **state)
{
	struct fixture *f = *state;
	pthread_t th[THREADS];
	struct appender ap[THREADS];
	struct medfw_store_audit *all = calloc(THREADS * PER_THREAD + 1, sizeof(*all));
	struct medfw_store_audit_filter flt;
	char prev[MEDFW_STORE_HEX_HASH_MAX + 1] = MEDFW_STORE_AUDIT_GENESIS;
	char head_hash[MEDFW_STORE_HEX_HASH_MAX + 1];
	int64_t head = -1;
	size_t n = 0, got = 0;

	assert_non_null(all);
	for (int i = 0; i < THREADS; i++) {
		ap[i] = (struct appender){f, i, PER_THREAD, MEDFW_OK};
		assert_int_equal(pthread_create(&th[i], NULL, append_thread, &ap[i]), 0);
	}
	for (int i = 0; i < THREADS; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(ap[i].err, MEDFW_OK);
	}
	reopen(f);
	/* read back in pages through the cursor */
	memset(&flt, 0, sizeof(flt));
	do {
		assert_int_equal(medfw_store_audit_list(f->store, medfw_store_scope_all(), &flt,
							all + got, 32, &n, NULL),
				 MEDFW_OK);
		got += n;
		if (n > 0)
			flt.after_seq = all[got - 1].seq;
	} while (n == 32);
	assert_int_equal(got, THREADS * PER_THREAD);
	for (size_t i = 0; i < got; i++) {
		char h[MEDFW_STORE_HEX_HASH_MAX + 1];

		assert_int_equal(all[i].seq, (int64_t)i + 1);
		assert_string_equal(all[i].prev_hash, prev);
		assert_int_equal(test_hash(NULL, &all[i], h, sizeof(h)), MEDFW_OK);
		assert_string_equal(all[i].hash, h);
		memcpy(prev, all[i].hash, sizeof(prev));
	}
	assert_int_equal(medfw_store_audit_head(f->store, &head, head_hash, NULL), MEDFW_OK);
	assert_int_equal(head, THREADS * PER_THREAD);
	assert_string_equal(head_hash, prev);

	/* site scoping and filters */
	memset(&flt, 0, sizeof(flt));
	assert_int_equal(medfw_store_audit_list(f->store, medfw_store_scope_site(f->site_b), &flt, all,
						THREADS * PER_THREAD, &n, NULL),
			 MEDFW_OK);
	assert_int_equal(n, THREADS * PER_THREAD / 2);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(all[i].site_id, f->site_b);
	flt.actor_id = 3;
	flt.actor_type = MEDFW_ACTOR_USER;
	snprintf(flt.event, sizeof(flt.event), "test.append");
	assert_int_equal(medfw_store_audit_list(f->store, medfw_store_scope_all(), &flt, all,
						THREADS * PER_THREAD, &n, NULL),
			 MEDFW_OK);
	assert_int_equal(n, PER_THREAD);

	/* checkpoints must match the record */
	struct medfw_store_checkpoint cp, cps[2];
	memset(&cp, 0, sizeof(cp));
	cp.seq = head;
	memcpy(cp.hash, head_hash, sizeof(cp.hash));
	snprintf(cp.signature, sizeof(cp.signature), "c2lnbmF0dXJl");
	snprintf(cp.key_id, sizeof(cp.key_id), "server-key-1");
	cp.time = f->now;
	assert_int_equal(medfw_store_checkpoint_add(f->store, &cp, NULL), MEDFW_OK);
	assert_int_equal(medfw_store_checkpoint_add(f->store, &cp, NULL), MEDFW_ERR_EXISTS);
	cp.seq = head - 1;
	assert_int_equal(medfw_store_checkpoint_add(f->store, &cp, NULL), MEDFW_ERR_HASH_MISMATCH);
	cp.seq = head + 100;
	assert_int_equal(medfw_store_checkpoint_add(f->store, &cp, NULL), MEDFW_ERR_NOT_FOUND);
	assert_int_equal(medfw_store_checkpoint_list(f->store, 0, cps, 2, &n, NULL), MEDFW_OK);
	assert_int_equal(n, 1);
	assert_int_equal(cps[0].seq, head);
	free(all);
}

struct change_and_audit {
	int64_t site;
	int fail;
};

static enum medfw_err change_and_audit_fn(struct medfw_store *tx, void *user,
					  struct medfw_diag *diag)
{
	struct change_and_audit *c = user;
	struct medfw_store_device d = device(c->site, "AUDITED", "M", "1");
	struct medfw_store_audit r;
	enum medfw_err err = medfw_store_device_create(tx, &d, diag);

	if (err != MEDFW_OK)
		return err;
	memset(&r, 0, sizeof(r));
	r.actor_type = MEDFW_ACTOR_SYSTEM;
	snprintf(r.event, sizeof(r.event), "device.create");
	err = medfw_store_audit_append(tx, &r, test_hash, NULL, diag);
	if (err != MEDFW_OK)
		return err;
	return c->fail ? MEDFW_ERR_STATE : MEDFW_OK;
}

static void test_audit_in_tx(void **state)
{
	struct fixture *f = *state;
	struct change_and_audit c = {f->site_a, 1};
	int64_t head = -1;
	char hash[MEDFW_STORE_HEX_HASH_MAX + 1];
	struct medfw_store_device page[1];
	size_t n = 0;

	assert_int_equal(medfw_store_tx(f->store, change_and_audit_fn, &c, NULL), MEDFW_ERR_STATE);
	assert_int_equal(medfw_store_audit_head(f->store, &head, hash, NULL), MEDFW_OK);
	assert_int_equal(head, 0);
	assert_string_equal(hash, MEDFW_STORE_AUDIT_GENESIS);
	assert_int_equal(medfw_store_device_list(f->store, medfw_store_scope_all(), NULL, 0, page, 1, &n,
						 NULL, NULL),
			 MEDFW_OK);
	assert_int_equal(n, 0);
	c.fail = 0;
	assert_int_equal(medfw_store_tx(f->store, change_and_audit_fn, &c, NULL), MEDFW_OK);
	assert_int_equal(medfw_store_audit_head(f->store, &head, hash, NULL), MEDFW_OK);
	assert_int_equal(head, 1);
}

/* ------------------------------------------------------------------ device auth */

struct nonce_item {
	int64_t device_id, created;
	uint8_t byte;
	enum medfw_err want;
	uint8_t byte_[16]; /* the nonce: 16 times `byte` */
};

static enum medfw_err nonce_batch_fn(struct medfw_store *tx, void *user, struct medfw_diag *diag)
{
	struct nonce_item *it = user;

	memset(it->byte_, it->byte, sizeof(it->byte_));
	return medfw_store_nonce_insert(tx, it->device_id, it->created, it->byte_,
					sizeof(it->byte_), diag);
}

/* Many threads group-commit at once; every second item repeats an earlier nonce of
 * its own thread (a replay) and must fail alone, the others must all be stored. */
struct batch_thread {
	struct fixture *f;
	int64_t device_id;
	int index;
	int wrong; /* results that differ from what was expected */
};

#define BATCH_THREADS 8
#define BATCH_PER_THREAD 200

static void *batch_thread_main(void *arg)
{
	struct batch_thread *t = arg;

	for (int i = 0; i < BATCH_PER_THREAD; i++) {
		struct nonce_item it = {t->device_id, 1000 + t->index * 10000 + i / 2, 0x5A,
					i % 2 == 0 ? MEDFW_OK : MEDFW_ERR_EXISTS, {0}};

		if (medfw_store_batch(t->f->store, nonce_batch_fn, &it, NULL) != it.want)
			t->wrong++;
	}
	return NULL;
}

static void test_batch_concurrent(void **state)
{
	struct fixture *f = *state;
	struct batch_thread t[BATCH_THREADS];
	pthread_t th[BATCH_THREADS];
	struct medfw_store_device d;
	int64_t site = make_site(f, "Batch Hospital");
	size_t purged = 0;

	memset(&d, 0, sizeof(d));
	d.site_id = site;
	snprintf(d.serial, sizeof(d.serial), "B-1");
	d.enrolment_state = MEDFW_ENROLMENT_PENDING;
	assert_int_equal(medfw_store_device_create(f->store, &d, NULL), MEDFW_OK);
	for (int i = 0; i < BATCH_THREADS; i++) {
		t[i] = (struct batch_thread){f, d.id, i, 0};
		assert_int_equal(pthread_create(&th[i], NULL, batch_thread_main, &t[i]), 0);
	}
	for (int i = 0; i < BATCH_THREADS; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(t[i].wrong, 0);
	}
	/* exactly the first use of each (created, nonce) was kept */
	assert_int_equal(medfw_store_nonce_purge(f->store, INT64_MAX, &purged, NULL), MEDFW_OK);
	assert_int_equal(purged, BATCH_THREADS * BATCH_PER_THREAD / 2);
}

/* The WAL is checkpointed and starts over while writes go on (the store replaces
 * SQLite's auto-checkpoint with a thread of its own: without it the WAL grows
 * without end). 3000 commits of a 4000-byte value write more than 3000 pages. */
static void test_wal_is_checkpointed(void **state)
{
	struct fixture *f = *state;
	char key[32], value[4001];
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int log = -1;

	memset(value, 'v', sizeof(value) - 1);
	value[sizeof(value) - 1] = '\0';
	for (int i = 0; i < 3000; i++) {
		snprintf(key, sizeof(key), "bulk.%d", i);
		assert_int_equal(medfw_store_setting_set(f->store, key, value, NULL), MEDFW_OK);
	}
	/* what is in the WAL now: far less than was written */
	assert_int_equal(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	/* a connection knows the file is in WAL mode once it has read it */
	assert_int_equal(sqlite3_exec(db, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL),
			 SQLITE_OK);
	/* busy (the store's checkpointer is at work): ask again, for at most 5 s */
	for (int tries = 0; tries < 500 && log < 0; tries++) {
		assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA wal_checkpoint(PASSIVE)", -1, &st,
						    NULL),
				 SQLITE_OK);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		if (sqlite3_column_int(st, 0) == 0)
			log = sqlite3_column_int(st, 1);
		sqlite3_finalize(st);
		if (log < 0)
			nanosleep(&(struct timespec){.tv_sec = 0, .tv_nsec = 10000000}, NULL);
	}
	sqlite3_close(db);
	assert_true(log >= 0); /* WAL mode */
	if (log >= 2500)
		fail_msg("the WAL holds %d pages after 3000 commits: never checkpointed", log);
}

static void test_enrolment_nonces_director(void **state)
{
	struct fixture *f = *state;
	struct medfw_store_device d = device(f->site_a, "DIR-1", "Vent 7", "2.0");
	struct medfw_store_assignment as, got;
	uint8_t tok[MEDFW_STORE_HASH_LEN], other[MEDFW_STORE_HASH_LEN];
	uint8_t nonce[16];
	int64_t dev = 0, v = 0;
	size_t n = 0;
	char value[64];

	assert_int_equal(medfw_store_device_create(f->store, &d, NULL), MEDFW_OK);
	memset(tok, 0x11, sizeof(tok));
	memset(other, 0x12, sizeof(other));
	assert_int_equal(medfw_store_enrolment_token_create(f->store, tok, d.id, f->now + 600, NULL),
			 MEDFW_OK);
	assert_int_equal(medfw_store_enrolment_token_create(f->store, other, 4242, f->now + 600, NULL),
			 MEDFW_ERR_NOT_FOUND);
	assert_int_equal(medfw_store_enrolment_token_create(f->store, other, d.id, f->now + 1, NULL),
			 MEDFW_OK);
	assert_int_equal(medfw_store_enrolment_token_consume(f->store, tok, &dev, NULL), MEDFW_OK);
	assert_int_equal(dev, d.id);
	assert_int_equal(medfw_store_enrolment_token_consume(f->store, tok, &dev, NULL), MEDFW_ERR_STATE);
	assert_int_equal(dev, 0);
	f->now += 5;
	assert_int_equal(medfw_store_enrolment_token_consume(f->store, other, &dev, NULL),
			 MEDFW_ERR_EXPIRED);
	memset(tok, 0x13, sizeof(tok));
	assert_int_equal(medfw_store_enrolment_token_consume(f->store, tok, &dev, NULL),
			 MEDFW_ERR_NOT_FOUND);

	/* nonces: replay refused, purge forgets */
	memset(nonce, 0xAB, sizeof(nonce));
	assert_int_equal(medfw_store_nonce_insert(f->store, d.id, f->now, nonce, sizeof(nonce), NULL),
			 MEDFW_OK);
	assert_int_equal(medfw_store_nonce_insert(f->store, d.id, f->now, nonce, sizeof(nonce), NULL),
			 MEDFW_ERR_EXISTS);
	assert_int_equal(medfw_store_nonce_insert(f->store, d.id, f->now, nonce,
						  MEDFW_STORE_NONCE_MAX + 1, NULL),
			 MEDFW_ERR_TOO_LARGE);
	/* another device may use the same nonce, as may this one in another request */
	assert_int_equal(medfw_store_nonce_insert(f->store, d.id + 1, f->now, nonce, sizeof(nonce),
						  NULL),
			 MEDFW_OK);
	assert_int_equal(medfw_store_nonce_insert(f->store, d.id, f->now + 1, nonce, sizeof(nonce),
						  NULL),
			 MEDFW_OK);
	/* inside a group commit: the replay fails alone, the other item is kept */
	{
		struct nonce_item items[2] = {{d.id, f->now + 2, 0x01, MEDFW_OK, {0}},
					      {d.id, f->now, 0xAB, MEDFW_ERR_EXISTS, {0}}};

		assert_int_equal(medfw_store_batch(f->store, nonce_batch_fn, &items[0], NULL),
				 MEDFW_OK);
		assert_int_equal(medfw_store_batch(f->store, nonce_batch_fn, &items[1], NULL),
				 MEDFW_ERR_EXISTS);
		assert_int_equal(medfw_store_nonce_insert(f->store, d.id, f->now + 2,
							  items[0].byte_,
							  sizeof(nonce), NULL),
				 MEDFW_ERR_EXISTS);
	}
	f->now += 400;
	assert_int_equal(medfw_store_nonce_purge(f->store, f->now - 300, &n, NULL), MEDFW_OK);
	assert_int_equal(n, 4);
	assert_int_equal(medfw_store_nonce_insert(f->store, d.id, f->now - 400, nonce, sizeof(nonce),
						  NULL),
			 MEDFW_OK);

	/* director */
	memset(&as, 0, sizeof(as));
	as.device_id = d.id;
	snprintf(as.target_name, sizeof(as.target_name), "vent7/fw-2.1.0.bundle");
	as.target_length = 123456;
	snprintf(as.target_hashes, sizeof(as.target_hashes), "{\"sha256\":\"%064d\"}", 1);
	as.window_start = f->now;
	as.window_end = f->now + 7200;
	assert_int_equal(medfw_store_director_version(f->store, d.id, &v, NULL), MEDFW_OK);
	assert_int_equal(v, 0);
	assert_int_equal(medfw_store_assignment_set(f->store, medfw_store_scope_site(f->site_b), &as, &v,
						    NULL),
			 MEDFW_ERR_NOT_FOUND);
	assert_int_equal(medfw_store_assignment_set(f->store, medfw_store_scope_site(f->site_a), &as, &v,
						    NULL),
			 MEDFW_OK);
	assert_int_equal(v, 1);
	assert_int_equal(medfw_store_assignment_set(f->store, medfw_store_scope_all(), &as, &v, NULL),
			 MEDFW_OK);
	assert_int_equal(v, 2);
	assert_int_equal(medfw_store_assignment_get(f->store, medfw_store_scope_site(f->site_b), d.id,
						    &got, NULL),
			 MEDFW_ERR_NOT_FOUND);
	assert_int_equal(medfw_store_assignment_get(f->store, medfw_store_scope_site(f->site_a), d.id,
						    &got, NULL),
			 MEDFW_OK);
	assert_memory_equal(&got, &as, sizeof(as));
	as.window_end = as.window_start;
	assert_int_equal(medfw_store_assignment_set(f->store, medfw_store_scope_all(), &as, &v, NULL),
			 MEDFW_ERR_FIELD_VALUE);
	assert_int_equal(medfw_store_assignment_clear(f->store, medfw_store_scope_all(), d.id, &v, NULL),
			 MEDFW_OK);
	assert_int_equal(v, 3);
	assert_int_equal(medfw_store_assignment_get(f->store, medfw_store_scope_all(), d.id, &got, NULL),
			 MEDFW_ERR_NOT_FOUND);

	/* settings */
	assert_int_equal(medfw_store_setting_get(f->store, "csrf_secret", value, sizeof(value), NULL),
			 MEDFW_ERR_NOT_FOUND);
	assert_int_equal(medfw_store_setting_add(f->store, "csrf_secret", "abc", NULL), MEDFW_OK);
	assert_int_equal(medfw_store_setting_add(f->store, "csrf_secret", "def", NULL), MEDFW_ERR_EXISTS);
	assert_int_equal(medfw_store_setting_set(f->store, "csrf_secret", "ghi", NULL), MEDFW_OK);
	reopen(f);
	assert_int_equal(medfw_store_setting_get(f->store, "csrf_secret", value, sizeof(value), NULL),
			 MEDFW_OK);
	assert_string_equal(value, "ghi");
	assert_int_equal(medfw_store_setting_get(f->store, "csrf_secret", value, 2, NULL),
			 MEDFW_ERR_TOO_LARGE);
	assert_int_equal(medfw_store_setting_delete(f->store, "csrf_secret", NULL), MEDFW_OK);
	assert_int_equal(medfw_store_setting_delete(f->store, "csrf_secret", NULL), MEDFW_ERR_NOT_FOUND);
}

/* ------------------------------------------------------------------ device update events */

static struct medfw_store_device_event event(int64_t seq, enum medfw_store_update_event type)
{
	struct medfw_store_device_event e;

	memset(&e, 0, sizeof(e));
	e.seq = seq;
	e.type = type;
	e.time = 1699990000 + seq;
	snprintf(e.target, sizeof(e.target), "pump/fw-4.2.1.img");
	snprintf(e.version, sizeof(e.version), "4.2.1");
	return e;
}

static size_t history(struct fixture *f, int64_t device_id, struct medfw_store_device_event *out,
		      size_t cap)
{
	size_t n = 0;
	int64_t next = -1;

	assert_int_equal(medfw_store_device_events_list(f->store, medfw_store_scope_all(), device_id,
							0, out, cap, &n, &next, NULL),
			 MEDFW_OK);
	assert_int_equal(next, 0); /* callers ask for everything */
	return n;
}

/* Stores, duplicates, the device's newest event, paging newest first, site scope. */
static void test_device_events(void **state)
{
	struct fixture *f = *state;
	struct medfw_store_device d = device(f->site_a, "EV-1", "InfuPump 3", "4.2.0");
	struct medfw_store_device got;
	struct medfw_store_device_event ev[4], page[8];
	size_t stored = 99, n = 0;
	int64_t next = 0;
	struct medfw_diag dg;

	assert_int_equal(medfw_store_device_create(f->store, &d, NULL), MEDFW_OK);
	assert_int_equal(medfw_store_device_get(f->store, medfw_store_scope_all(), d.id, &got, NULL),
			 MEDFW_OK);
	assert_int_equal(got.update_state, MEDFW_UPDATE_NONE);
	assert_int_equal(got.update_at, 0);

	ev[0] = event(17, MEDFW_UPDATE_OFFERED);
	ev[1] = event(18, MEDFW_UPDATE_DOWNLOADING);
	ev[1].has_bytes = ev[1].has_total = 1;
	ev[1].bytes = 1048576;
	ev[1].total = 4194304;
	ev[1].slot = 'B';
	ev[2] = event(20, MEDFW_UPDATE_FAILED);
	snprintf(ev[2].reason, sizeof(ev[2].reason), "image sha256 does not match \xc3\xa9");
	snprintf(ev[2].check, sizeof(ev[2].check), "MEDFW_ERR_HASH_MISMATCH");
	f->now += 10;
	assert_int_equal(medfw_store_device_events_append(f->store, d.id, ev, 3, &stored, NULL),
			 MEDFW_OK);
	assert_int_equal(stored, 3);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(ev[i].duplicate, 0);
		assert_int_equal(ev[i].received, f->now);
	}
	assert_int_equal(medfw_store_device_get(f->store, medfw_store_scope_site(f->site_a), d.id,
						&got, NULL),
			 MEDFW_OK);
	assert_int_equal(got.update_state, MEDFW_UPDATE_FAILED);
	assert_int_equal(got.update_seq, 20);
	assert_string_equal(got.update_target, "pump/fw-4.2.1.img");
	assert_string_equal(got.update_version, "4.2.1");
	assert_string_equal(got.update_reason, ev[2].reason);
	assert_int_equal(got.update_at, f->now);

	/* the history round-trips every field, newest first */
	assert_int_equal(history(f, d.id, page, 8), 3);
	assert_int_equal(page[0].seq, 20);
	assert_int_equal(page[2].seq, 17);
	assert_memory_equal(&page[0], &ev[2], sizeof(page[0]));
	assert_memory_equal(&page[1], &ev[1], sizeof(page[1]));
	assert_memory_equal(&page[2], &ev[0], sizeof(page[2]));

	/* a resend after a lost answer: 18 and 20 are duplicates, 21 is new; a failure
	 * with only a check shows the check as the reason */
	ev[0] = event(18, MEDFW_UPDATE_DOWNLOADING);
	ev[1] = event(20, MEDFW_UPDATE_COMMITTED); /* same seq, other content: still a duplicate */
	ev[2] = event(21, MEDFW_UPDATE_ROLLED_BACK);
	snprintf(ev[2].check, sizeof(ev[2].check), "HEALTH_CHECK");
	f->now += 10;
	assert_int_equal(medfw_store_device_events_append(f->store, d.id, ev, 3, &stored, NULL),
			 MEDFW_OK);
	assert_int_equal(stored, 1);
	assert_true(ev[0].duplicate && ev[1].duplicate && !ev[2].duplicate);
	assert_int_equal(history(f, d.id, page, 8), 4);
	assert_int_equal(page[1].type, MEDFW_UPDATE_FAILED); /* 20 was not replaced */
	assert_int_equal(medfw_store_device_get(f->store, medfw_store_scope_all(), d.id, &got, NULL),
			 MEDFW_OK);
	assert_int_equal(got.update_state, MEDFW_UPDATE_ROLLED_BACK);
	assert_string_equal(got.update_reason, "HEALTH_CHECK");
	assert_int_equal(got.update_at, f->now);

	/* an older event arriving late is stored but the device keeps its newest */
	ev[0] = event(19, MEDFW_UPDATE_VERIFIED);
	f->now += 10;
	assert_int_equal(medfw_store_device_events_append(f->store, d.id, ev, 1, &stored, NULL),
			 MEDFW_OK);
	assert_int_equal(stored, 1);
	assert_int_equal(medfw_store_device_get(f->store, medfw_store_scope_all(), d.id, &got, NULL),
			 MEDFW_OK);
	assert_int_equal(got.update_state, MEDFW_UPDATE_ROLLED_BACK);
	assert_int_equal(got.update_seq, 21);
	assert_int_equal(got.update_at, f->now - 10);

	/* people's edits do not touch the update fields */
	snprintf(got.location, sizeof(got.location), "OR 2");
	memset(got.update_reason, 0, sizeof(got.update_reason));
	got.update_state = MEDFW_UPDATE_NONE;
	assert_int_equal(medfw_store_device_update(f->store, medfw_store_scope_all(), &got, NULL),
			 MEDFW_OK);
	assert_int_equal(medfw_store_device_get(f->store, medfw_store_scope_all(), d.id, &got, NULL),
			 MEDFW_OK);
	assert_int_equal(got.update_state, MEDFW_UPDATE_ROLLED_BACK);
	assert_string_equal(got.update_reason, "HEALTH_CHECK");
	assert_string_equal(got.location, "OR 2");

	/* paging: 21 20 | 19 18 | 17 */
	assert_int_equal(medfw_store_device_events_list(f->store, medfw_store_scope_site(f->site_a),
							d.id, 0, page, 2, &n, &next, NULL),
			 MEDFW_OK);
	assert_int_equal(n, 2);
	assert_int_equal(page[0].seq, 21);
	assert_int_equal(page[1].seq, 20);
	assert_int_equal(next, 20);
	assert_int_equal(medfw_store_device_events_list(f->store, medfw_store_scope_site(f->site_a),
							d.id, next, page, 2, &n, &next, NULL),
			 MEDFW_OK);
	assert_int_equal(n, 2);
	assert_int_equal(page[0].seq, 19);
	assert_int_equal(page[1].seq, 18);
	assert_int_equal(next, 18);
	assert_int_equal(medfw_store_device_events_list(f->store, medfw_store_scope_site(f->site_a),
							d.id, next, page, 2, &n, &next, NULL),
			 MEDFW_OK);
	assert_int_equal(n, 1);
	assert_int_equal(page[0].seq, 17);
	assert_int_equal(next, 0);
	/* exactly a page left: no next page */
	assert_int_equal(medfw_store_device_events_list(f->store, medfw_store_scope_all(), d.id, 19,
							page, 2, &n, &next, NULL),
			 MEDFW_OK);
	assert_int_equal(n, 2);
	assert_int_equal(next, 0);

	/* another site's device is not there; outputs cleared */
	memset(page, 0x5A, sizeof(page));
	n = 7;
	next = 7;
	medfw_diag_clear(&dg);
	assert_int_equal(medfw_store_device_events_list(f->store, medfw_store_scope_site(f->site_b),
							d.id, 0, page, 8, &n, &next, &dg),
			 MEDFW_ERR_NOT_FOUND);
	assert_int_equal(n, 0);
	assert_int_equal(next, 0);
	tu_assert_zeroed(page, sizeof(page));
	assert_int_equal(medfw_store_device_events_list(f->store, (struct medfw_store_scope){0, 0},
							d.id, 0, page, 8, &n, &next, NULL),
			 MEDFW_ERR_INVALID_ARG);
	assert_int_equal(medfw_store_device_events_list(f->store, medfw_store_scope_all(), d.id, 0,
							page, 0, &n, &next, NULL),
			 MEDFW_ERR_INVALID_ARG);
}

/* Every kind of invalid batch is refused naming the event and field, and stores
 * nothing: not the valid events before it, not the device's state. */
static void test_device_events_refused(void **state)
{
	struct fixture *f = *state;
	struct medfw_store_device d = device(f->site_a, "EV-2", "InfuPump 3", "4.2.0");
	struct medfw_store_device before, after;
	struct medfw_store_device_event ev[MEDFW_STORE_UPDATE_EVENTS_MAX + 1], page[4];
	size_t stored = 0;
	struct medfw_diag dg;
	static const struct {
		int field; /* what to break in ev[1] */
		enum medfw_err want;
		const char *msg;
	} cases[] = {
		{0, MEDFW_ERR_FIELD_VALUE, "events[1].seq is not above"},
		{1, MEDFW_ERR_FIELD_VALUE, "events[1].seq is out of range"},
		{2, MEDFW_ERR_FIELD_VALUE, "events[1].type"},
		{3, MEDFW_ERR_TOO_LARGE, "events[1].target is too long"},
		{4, MEDFW_ERR_TOO_LARGE, "events[1].reason is too long"},
		{5, MEDFW_ERR_FIELD_VALUE, "events[1].check is not made of"},
		{6, MEDFW_ERR_FIELD_VALUE, "events[1].bytes is above total"},
		{7, MEDFW_ERR_FIELD_VALUE, "events[1].total is out of range"},
		{8, MEDFW_ERR_FIELD_VALUE, "events[1].slot"},
		{9, MEDFW_ERR_TOO_LARGE, "events[1].version is too long"},
	};

	assert_int_equal(medfw_store_device_create(f->store, &d, NULL), MEDFW_OK);
	ev[0] = event(1, MEDFW_UPDATE_OFFERED);
	assert_int_equal(medfw_store_device_events_append(f->store, d.id, ev, 1, &stored, NULL),
			 MEDFW_OK);
	assert_int_equal(medfw_store_device_get(f->store, medfw_store_scope_all(), d.id, &before,
						NULL),
			 MEDFW_OK);
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		ev[0] = event(5, MEDFW_UPDATE_DOWNLOADING);
		ev[1] = event(6, MEDFW_UPDATE_FAILED);
		switch (cases[c].field) {
		case 0: ev[1].seq = 5; break;
		case 1: ev[1].seq = MEDFW_STORE_UPDATE_SEQ_MAX + 1; break;
		case 2: ev[1].type = MEDFW_UPDATE_NONE; break;
		case 3: memset(ev[1].target, 'x', sizeof(ev[1].target)); break;
		case 4: memset(ev[1].reason, 'x', sizeof(ev[1].reason)); break;
		case 5: snprintf(ev[1].check, sizeof(ev[1].check), "hash_mismatch"); break;
		case 6:
			ev[1].has_bytes = ev[1].has_total = 1;
			ev[1].bytes = 11;
			ev[1].total = 10;
			break;
		case 7: ev[1].has_total = 1; ev[1].total = -1; break;
		case 8: ev[1].slot = 'C'; break;
		default: memset(ev[1].version, '1', sizeof(ev[1].version)); break;
		}
		stored = 99;
		medfw_diag_clear(&dg);
		assert_int_equal(medfw_store_device_events_append(f->store, d.id, ev, 2, &stored, &dg),
				 cases[c].want);
		assert_non_null(strstr(dg.msg, cases[c].msg));
		assert_int_equal(stored, 0);
	}
	/* seq 0, no events, too many, an unknown device */
	ev[0] = event(0, MEDFW_UPDATE_OFFERED);
	assert_int_equal(medfw_store_device_events_append(f->store, d.id, ev, 1, NULL, NULL),
			 MEDFW_ERR_FIELD_VALUE);
	assert_int_equal(medfw_store_device_events_append(f->store, d.id, ev, 0, NULL, NULL),
			 MEDFW_ERR_INVALID_ARG);
	for (int i = 0; i <= MEDFW_STORE_UPDATE_EVENTS_MAX; i++)
		ev[i] = event(100 + i, MEDFW_UPDATE_DOWNLOADING);
	assert_int_equal(medfw_store_device_events_append(f->store, d.id, ev,
							  MEDFW_STORE_UPDATE_EVENTS_MAX + 1, NULL,
							  NULL),
			 MEDFW_ERR_TOO_LARGE);
	ev[0] = event(7, MEDFW_UPDATE_COMMITTED);
	medfw_diag_clear(&dg);
	assert_int_equal(medfw_store_device_events_append(f->store, d.id + 1000, ev, 1, &stored, &dg),
			 MEDFW_ERR_NOT_FOUND);
	assert_int_equal(ev[0].received, 0);
	assert_int_equal(ev[0].duplicate, 0);
	/* nothing of it stored */
	assert_int_equal(history(f, d.id, page, 4), 1);
	assert_int_equal(page[0].seq, 1);
	assert_int_equal(medfw_store_device_get(f->store, medfw_store_scope_all(), d.id, &after, NULL),
			 MEDFW_OK);
	assert_memory_equal(&after, &before, sizeof(after));
	/* 100 events at once are fine */
	assert_int_equal(medfw_store_device_events_append(f->store, d.id, ev + 1,
							  MEDFW_STORE_UPDATE_EVENTS_MAX, &stored,
							  NULL),
			 MEDFW_OK);
	assert_int_equal(stored, MEDFW_STORE_UPDATE_EVENTS_MAX);
}

/* Deleting a device deletes its history: a new device that gets the same id (SQLite
 * reuses the highest rowid) starts with none. */
static void test_device_events_cascade(void **state)
{
	struct fixture *f = *state;
	struct medfw_store_device d = device(f->site_a, "EV-3", "InfuPump 3", "4.2.0");
	struct medfw_store_device again = device(f->site_a, "EV-4", "InfuPump 3", "4.2.0");
	struct medfw_store_device_event ev[1], page[2];

	assert_int_equal(medfw_store_device_create(f->store, &d, NULL), MEDFW_OK);
	ev[0] = event(1, MEDFW_UPDATE_COMMITTED);
	assert_int_equal(medfw_store_device_events_append(f->store, d.id, ev, 1, NULL, NULL),
			 MEDFW_OK);
	assert_int_equal(medfw_store_device_delete(f->store, medfw_store_scope_all(), d.id, NULL),
			 MEDFW_OK);
	assert_int_equal(medfw_store_device_create(f->store, &again, NULL), MEDFW_OK);
	assert_int_equal(again.id, d.id);
	assert_int_equal(history(f, again.id, page, 2), 0);
	assert_int_equal(medfw_store_device_get(f->store, medfw_store_scope_all(), again.id, &d, NULL),
			 MEDFW_OK);
	assert_int_equal(d.update_state, MEDFW_UPDATE_NONE);
}

/* A database of schema version 2 (made here from the version 1 and 2 statements)
 * is migrated to 3: its devices keep their data and have no update state yet. */
static void test_device_events_migration(void **state)
{
	struct fixture *f = *state;
	struct medfw_store_device got;
	struct medfw_store_device_event ev[1];
	char path[4200];
	int64_t v = 0;

	snprintf(path, sizeof(path), "%s.v2", f->path);
	tu_sqlite_at_version(path, 2,
			     "INSERT INTO sites (id, name, time_zone, created_at) VALUES (1, 'Old',"
			     " 'UTC', 0);"
			     " INSERT INTO devices (id, site_id, serial, model, created_at)"
			     " VALUES (7, 1, 'OLD-1', 'Vent 7', 5)",
			     SQLITE_OK);

	medfw_store_close(f->store);
	f->store = NULL;
	assert_int_equal(medfw_store_open(f->ctx, path, &f->store, NULL), MEDFW_OK);
	assert_int_equal(medfw_store_schema_version(f->store, &v, NULL), MEDFW_OK);
	assert_int_equal(v, medfw_store_schema_version_known(f->store));
	assert_int_equal(medfw_store_device_get(f->store, medfw_store_scope_all(), 7, &got, NULL),
			 MEDFW_OK);
	assert_string_equal(got.serial, "OLD-1");
	assert_int_equal(got.created_at, 5);
	assert_int_equal(got.update_state, MEDFW_UPDATE_NONE);
	ev[0] = event(1, MEDFW_UPDATE_INSTALLED);
	assert_int_equal(medfw_store_device_events_append(f->store, 7, ev, 1, NULL, NULL), MEDFW_OK);
	assert_int_equal(medfw_store_device_get(f->store, medfw_store_scope_all(), 7, &got, NULL),
			 MEDFW_OK);
	assert_int_equal(got.update_state, MEDFW_UPDATE_INSTALLED);
	medfw_store_close(f->store);
	f->store = NULL;
	assert_int_equal(remove(path), 0);
	reopen(f);
}

static void test_enum_names(void **state)
{
	enum medfw_store_role r;
	enum medfw_store_enrolment_state e;

	(void)state;
	assert_string_equal(medfw_store_role_name(MEDFW_ROLE_REMOTE_SUPPORT), "remote_support");
	assert_int_equal(medfw_store_role_parse("auditor", &r), MEDFW_OK);
	assert_int_equal(r, MEDFW_ROLE_AUDITOR);
	assert_int_equal(medfw_store_role_parse("root", &r), MEDFW_ERR_FIELD_VALUE);
	assert_null(medfw_store_role_name((enum medfw_store_role)0));
	assert_int_equal(medfw_store_enrolment_state_parse("revoked", &e), MEDFW_OK);
	assert_int_equal(e, MEDFW_ENROLMENT_REVOKED);
	assert_string_equal(medfw_store_clinical_state_name(MEDFW_CLINICAL_IN_USE), "in_use");
	assert_string_equal(medfw_store_actor_type_name(MEDFW_ACTOR_DEVICE), "device");
	{
		enum medfw_store_update_event u;

		assert_null(medfw_store_update_event_name(MEDFW_UPDATE_NONE));
		assert_null(medfw_store_update_event_name((enum medfw_store_update_event)MEDFW_UPDATE_EVENT_COUNT));
		assert_string_equal(medfw_store_update_event_name(MEDFW_UPDATE_ROLLED_BACK), "rolled_back");
		for (int t = MEDFW_UPDATE_OFFERED; t < MEDFW_UPDATE_EVENT_COUNT; t++) {
			assert_int_equal(medfw_store_update_event_parse(
						 medfw_store_update_event_name((enum medfw_store_update_event)t), &u),
					 MEDFW_OK);
			assert_int_equal(u, t);
		}
		assert_int_equal(medfw_store_update_event_parse("done", &u), MEDFW_ERR_FIELD_VALUE);
		assert_int_equal(u, MEDFW_UPDATE_NONE);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_migrations_and_reopen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_future_schema_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sites_and_users, setup, teardown),
		cmocka_unit_test_setup_teardown(test_user_totp_enrol, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sessions_tokens_bootstrap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_devices, setup, teardown),
		cmocka_unit_test_setup_teardown(test_devices_report, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tx_rollback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_concurrent_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_in_tx, setup, teardown),
		cmocka_unit_test_setup_teardown(test_enrolment_nonces_director, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batch_concurrent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wal_is_checkpointed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_device_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_device_events_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_device_events_cascade, setup, teardown),
		cmocka_unit_test_setup_teardown(test_device_events_migration, setup, teardown),
		cmocka_unit_test(test_enum_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
