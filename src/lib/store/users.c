/* Users and their login counters. */
#include <string.h>

#include "medfw/crypto.h"
#include "store_internal.h"

#define USER_COLS                                                                          \
	"id, site_id, username, display_name, role, password_hash, totp_secret,"           \
	" totp_required, totp_last_counter, failed_logins, locked_until, disabled, created_at"

static const char SQL_USER_INSERT[] =
	"INSERT INTO users (site_id, username, display_name, role, password_hash, totp_secret,"
	" totp_required, disabled, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id";
static const char SQL_USER_GET[] =
	"SELECT " USER_COLS " FROM users WHERE id = ? AND (? OR site_id = ?)";
static const char SQL_USER_FIND[] = "SELECT " USER_COLS " FROM users WHERE username = ?";
static const char SQL_USER_LIST[] =
	"SELECT " USER_COLS " FROM users WHERE (? OR site_id = ?) ORDER BY id LIMIT ? OFFSET ?";
static const char SQL_USER_UPDATE[] =
	"UPDATE users SET site_id = ?, username = ?, display_name = ?, role = ?,"
	" password_hash = ?, totp_secret = ?, totp_required = ?, disabled = ?"
	" WHERE id = ? AND (? OR site_id = ?)";
static const char SQL_USER_DELETE[] = "DELETE FROM users WHERE id = ? AND (? OR site_id = ?)";
static const char SQL_USER_FAILED[] =
	"UPDATE users SET failed_logins = failed_logins + 1,"
	" locked_until = CASE WHEN failed_logins + 1 >= ? THEN ? ELSE locked_until END"
	" WHERE id = ? RETURNING COALESCE(locked_until, 0)";
static const char SQL_USER_OK[] =
	"UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = ?";
static const char SQL_USER_TOTP[] =
	"UPDATE users SET totp_last_counter = ? WHERE id = ? AND totp_last_counter < ?";
static const char SQL_USER_EXISTS[] = "SELECT 1 FROM users WHERE id = ?";
/* The TOTP columns only (not the whole row: an administrator's change made meanwhile
 * stays), and only for an enabled user whose pending enrolment is still the one the
 * code was checked against. */
static const char SQL_USER_TOTP_ENROL[] =
	"UPDATE users SET totp_secret = ?, totp_last_counter = ?"
	" WHERE id = ? AND disabled = 0"
	" AND EXISTS (SELECT 1 FROM settings WHERE key = ? AND value = ?)";
static const char SQL_USER_TOTP_PENDING_DELETE[] =
	"DELETE FROM settings WHERE key = ? AND value = ?";
static const char SQL_USER_DISABLED[] = "SELECT disabled FROM users WHERE id = ?";
static const char SQL_USER_GLOBAL_ADMINS[] =
	"SELECT count(*) FROM users WHERE site_id IS NULL AND role = 'admin' AND disabled = 0";

static enum medfw_err check_user(const struct medfw_store_user *u, struct medfw_diag *diag)
{
	enum medfw_err err;

	if (u == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "user: NULL");
	err = medfwi_check_str(u->username, MEDFW_STORE_NAME_MAX, 1, "user", "username", diag);
	if (err == MEDFW_OK)
		err = medfwi_check_str(u->display_name, MEDFW_STORE_NAME_MAX, 0, "user",
				       "display_name", diag);
	if (err == MEDFW_OK)
		err = medfwi_check_str(u->password_hash, MEDFW_STORE_PASSWORD_HASH_MAX, 1, "user",
				       "password_hash", diag);
	if (err != MEDFW_OK)
		return err;
	if (medfw_store_role_name(u->role) == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "user: role %d is not a role",
				      (int)u->role);
	if (u->totp_secret_len > MEDFW_STORE_TOTP_SECRET_MAX)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "user: totp_secret too long");
	if (u->site_id < 0)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "user: bad site_id");
	return MEDFW_OK;
}

static void bind_user(struct medfwi_q *q, const struct medfw_store_user *u)
{
	medfwi_q_int0(q, u->site_id);
	medfwi_q_text(q, u->username);
	medfwi_q_text(q, u->display_name);
	medfwi_q_text(q, medfw_store_role_name(u->role));
	medfwi_q_text(q, u->password_hash);
	medfwi_q_blob0(q, u->totp_secret, u->totp_secret_len);
	medfwi_q_int(q, u->totp_required ? 1 : 0);
	medfwi_q_int(q, u->disabled ? 1 : 0);
}

static void read_user(struct medfwi_q *q, struct medfw_store_user *u)
{
	char role[MEDFW_STORE_SHORT_MAX + 1];

	u->id = medfwi_q_col_int(q, 0);
	u->site_id = medfwi_q_col_int(q, 1);
	medfwi_q_col_text(q, 2, u->username, sizeof(u->username));
	medfwi_q_col_text(q, 3, u->display_name, sizeof(u->display_name));
	medfwi_q_col_text(q, 4, role, sizeof(role));
	if (medfw_store_role_parse(role, &u->role) != MEDFW_OK && q->err == MEDFW_OK)
		q->err = medfw_diag_set(q->diag, MEDFW_ERR_FIELD_VALUE, "user: stored role invalid");
	medfwi_q_col_text(q, 5, u->password_hash, sizeof(u->password_hash));
	medfwi_q_col_blob(q, 6, u->totp_secret, sizeof(u->totp_secret), &u->totp_secret_len);
	u->totp_required = medfwi_q_col_int(q, 7) != 0;
	u->totp_last_counter = medfwi_q_col_int(q, 8);
	u->failed_logins = medfwi_q_col_int(q, 9);
	u->locked_until = medfwi_q_col_int(q, 10);
	u->disabled = medfwi_q_col_int(q, 11) != 0;
	u->created_at = medfwi_q_col_int(q, 12);
}

enum medfw_err medfw_store_user_create(struct medfw_store *store, struct medfw_store_user *user,
				       struct medfw_diag *diag)
{
	struct medfwi_q q;
	int row = 0;
	int64_t now = medfwi_now(store);
	enum medfw_err err = check_user(user, diag);

	if (err != MEDFW_OK)
		return err;
	if (medfwi_q_begin(&q, store, "user", SQL_USER_INSERT, diag) == MEDFW_OK) {
		bind_user(&q, user);
		medfwi_q_int(&q, now);
		if (medfwi_q_step(&q, &row) == MEDFW_OK && row) {
			user->id = medfwi_q_col_int(&q, 0);
			user->created_at = now;
			user->failed_logins = 0;
			user->locked_until = 0;
			user->totp_last_counter = 0;
		}
	}
	return medfwi_q_end(&q);
}

/* Clear a user record, wiping the secrets first. */
static void wipe_user(struct medfw_store_user *u)
{
	medfw_wipe(u, sizeof(*u));
}

static enum medfw_err get_one(struct medfw_store *store, const char *sql, int64_t id,
			      const char *username, const struct medfw_store_scope *scope,
			      struct medfw_store_user *out, struct medfw_diag *diag)
{
	struct medfwi_q q;
	int row = 0;
	enum medfw_err err;

	memset(out, 0, sizeof(*out));
	if (medfwi_q_begin(&q, store, "user", sql, diag) == MEDFW_OK) {
		if (username != NULL) {
			medfwi_q_text(&q, username);
		} else {
			medfwi_q_int(&q, id);
			medfwi_q_scope(&q, *scope);
		}
		if (medfwi_q_step(&q, &row) == MEDFW_OK && row)
			read_user(&q, out);
	}
	err = medfwi_q_end(&q);
	if (err == MEDFW_OK && !row)
		err = medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND, "user: no such user");
	if (err != MEDFW_OK)
		wipe_user(out);
	return err;
}

enum medfw_err medfw_store_user_get(struct medfw_store *store, struct medfw_store_scope scope,
				    int64_t id, struct medfw_store_user *out,
				    struct medfw_diag *diag)
{
	enum medfw_err err = medfwi_check_scope(scope, diag);

	if (err != MEDFW_OK) {
		memset(out, 0, sizeof(*out));
		return err;
	}
	return get_one(store, SQL_USER_GET, id, NULL, &scope, out, diag);
}

enum medfw_err medfw_store_user_find_login(struct medfw_store *store, const char *username,
					   struct medfw_store_user *out,
					   struct medfw_diag *diag)
{
	enum medfw_err err =
		medfwi_check_str(username, MEDFW_STORE_NAME_MAX, 1, "user", "username", diag);

	if (err != MEDFW_OK) {
		memset(out, 0, sizeof(*out));
		return err;
	}
	return get_one(store, SQL_USER_FIND, 0, username, NULL, out, diag);
}

enum medfw_err medfw_store_user_list(struct medfw_store *store, struct medfw_store_scope scope,
				     int64_t offset, struct medfw_store_user *out, size_t cap,
				     size_t *out_count, struct medfw_diag *diag)
{
	struct medfwi_q q;
	int row = 0;
	size_t n = 0;
	enum medfw_err err;

	*out_count = 0;
	err = medfwi_check_scope(scope, diag);
	if (err != MEDFW_OK)
		return err;
	if (offset < 0 || cap > INT32_MAX)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "user: bad page");
	if (medfwi_q_begin(&q, store, "user", SQL_USER_LIST, diag) == MEDFW_OK) {
		medfwi_q_scope(&q, scope);
		medfwi_q_int(&q, (int64_t)cap);
		medfwi_q_int(&q, offset);
		while (n < cap && medfwi_q_step(&q, &row) == MEDFW_OK && row)
			read_user(&q, &out[n++]);
	}
	err = medfwi_q_end(&q);
	if (err != MEDFW_OK) {
		for (size_t i = 0; i < n; i++)
			wipe_user(&out[i]);
		n = 0;
	}
	*out_count = n;
	return err;
}

enum medfw_err medfw_store_user_update(struct medfw_store *store, struct medfw_store_scope scope,
				       const struct medfw_store_user *user,
				       struct medfw_diag *diag)
{
	struct medfwi_q q;
	int64_t changed = 0;
	enum medfw_err err = medfwi_check_scope(scope, diag);

	if (err == MEDFW_OK)
		err = check_user(user, diag);
	if (err != MEDFW_OK)
		return err;
	/* A site admin cannot move a user to another site or make them global. */
	if (!scope.all_sites && user->site_id != scope.site_id)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "user: site_id must stay within the caller's site");
	if (medfwi_q_begin(&q, store, "user", SQL_USER_UPDATE, diag) == MEDFW_OK) {
		bind_user(&q, user);
		medfwi_q_int(&q, user->id);
		medfwi_q_scope(&q, scope);
		medfwi_q_exec(&q, &changed);
	}
	err = medfwi_q_end(&q);
	if (err == MEDFW_OK && changed == 0)
		err = medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND, "user: no user with id %lld",
				     (long long)user->id);
	return err;
}

enum medfw_err medfw_store_user_delete(struct medfw_store *store, struct medfw_store_scope scope,
				       int64_t id, struct medfw_diag *diag)
{
	struct medfwi_q q;
	int64_t changed = 0;
	enum medfw_err err = medfwi_check_scope(scope, diag);

	if (err != MEDFW_OK)
		return err;
	if (medfwi_q_begin(&q, store, "user", SQL_USER_DELETE, diag) == MEDFW_OK) {
		medfwi_q_int(&q, id);
		medfwi_q_scope(&q, scope);
		medfwi_q_exec(&q, &changed);
	}
	err = medfwi_q_end(&q);
	if (err == MEDFW_OK && changed == 0)
		err = medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND, "user: no user with id %lld",
				     (long long)id);
	return err;
}

enum medfw_err medfw_store_user_login_failed(struct medfw_store *store, int64_t id,
					     int64_t max_failures, int64_t lock_seconds,
					     int64_t *out_locked_until, struct medfw_diag *diag)
{
	struct medfwi_q q;
	int row = 0;
	int64_t locked = 0;
	enum medfw_err err;

	if (out_locked_until != NULL)
		*out_locked_until = 0;
	if (max_failures < 1 || lock_seconds < 0 || lock_seconds > INT32_MAX)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "user: bad lockout policy");
	if (medfwi_q_begin(&q, store, "user", SQL_USER_FAILED, diag) == MEDFW_OK) {
		medfwi_q_int(&q, max_failures);
		medfwi_q_int(&q, medfwi_now(store) + lock_seconds);
		medfwi_q_int(&q, id);
		if (medfwi_q_step(&q, &row) == MEDFW_OK && row)
			locked = medfwi_q_col_int(&q, 0);
	}
	err = medfwi_q_end(&q);
	if (err == MEDFW_OK && !row)
		err = medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND, "user: no user with id %lld",
				     (long long)id);
	if (err == MEDFW_OK && out_locked_until != NULL)
		*out_locked_until = locked;
	return err;
}

enum medfw_err medfw_store_user_count_global_admins(struct medfw_store *store,
						    int64_t *out_count, struct medfw_diag *diag)
{
	struct medfwi_q q;
	int row = 0;
	enum medfw_err err;

	*out_count = 0;
	if (medfwi_q_begin(&q, store, "user", SQL_USER_GLOBAL_ADMINS, diag) == MEDFW_OK &&
	    medfwi_q_step(&q, &row) == MEDFW_OK && row)
		*out_count = medfwi_q_col_int(&q, 0);
	err = medfwi_q_end(&q);
	if (err != MEDFW_OK)
		*out_count = 0;
	return err;
}

static enum medfw_err exec_id(struct medfw_store *store, const char *sql, int64_t id,
			      struct medfw_diag *diag)
{
	struct medfwi_q q;
	int64_t changed = 0;
	enum medfw_err err;

	if (medfwi_q_begin(&q, store, "user", sql, diag) == MEDFW_OK) {
		medfwi_q_int(&q, id);
		medfwi_q_exec(&q, &changed);
	}
	err = medfwi_q_end(&q);
	if (err == MEDFW_OK && changed == 0)
		err = medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND, "user: no user with id %lld",
				     (long long)id);
	return err;
}

enum medfw_err medfw_store_user_login_succeeded(struct medfw_store *store, int64_t id,
						struct medfw_diag *diag)
{
	return exec_id(store, SQL_USER_OK, id, diag);
}

enum medfw_err medfw_store_user_totp_accept(struct medfw_store *store, int64_t id,
					    int64_t counter, struct medfw_diag *diag)
{
	struct medfwi_q q;
	int64_t changed = 0;
	enum medfw_err err;

	if (medfwi_q_begin(&q, store, "user", SQL_USER_TOTP, diag) == MEDFW_OK) {
		medfwi_q_int(&q, counter);
		medfwi_q_int(&q, id);
		medfwi_q_int(&q, counter);
		medfwi_q_exec(&q, &changed);
	}
	err = medfwi_q_end(&q);
	if (err != MEDFW_OK || changed == 1)
		return err;
	/* Nothing changed: either no such user or the code was already used. */
	if (medfwi_q_begin(&q, store, "user", SQL_USER_EXISTS, diag) == MEDFW_OK) {
		int row = 0;

		medfwi_q_int(&q, id);
		if (medfwi_q_step(&q, &row) == MEDFW_OK && !row)
			q.err = medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND,
					       "user: no user with id %lld", (long long)id);
	}
	err = medfwi_q_end(&q);
	if (err != MEDFW_OK)
		return err;
	return medfw_diag_set(diag, MEDFW_ERR_ROLLBACK,
			      "user: TOTP code for this time step was already used");
}

struct totp_enrol_arg {
	int64_t id;
	const char *pending_key, *pending_value;
	const uint8_t *secret;
	size_t secret_len;
	int64_t counter;
};

/* Why the enrolment statement changed nothing: no such user, disabled, or the
 * pending enrolment is gone or another one. */
static enum medfw_err totp_enrol_refused(struct medfw_store *tx, const struct totp_enrol_arg *a,
					 struct medfw_diag *diag)
{
	struct medfwi_q q;
	int row = 0, disabled = 0;
	enum medfw_err err;

	if (medfwi_q_begin(&q, tx, "user", SQL_USER_DISABLED, diag) == MEDFW_OK) {
		medfwi_q_int(&q, a->id);
		if (medfwi_q_step(&q, &row) == MEDFW_OK && row)
			disabled = medfwi_q_col_int(&q, 0) != 0;
	}
	err = medfwi_q_end(&q);
	if (err != MEDFW_OK)
		return err;
	if (!row)
		return medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND, "user: no user with id %lld",
				      (long long)a->id);
	if (disabled)
		return medfw_diag_set(diag, MEDFW_ERR_STATE,
				      "user %lld was disabled: the second factor was not enrolled",
				      (long long)a->id);
	return medfw_diag_set(diag, MEDFW_ERR_STATE,
			      "user %lld: the pending TOTP enrolment was cancelled or restarted "
			      "meanwhile: start the enrolment again",
			      (long long)a->id);
}

static enum medfw_err totp_enrol_fn(struct medfw_store *tx, void *arg, struct medfw_diag *diag)
{
	const struct totp_enrol_arg *a = arg;
	struct medfwi_q q;
	int64_t changed = 0;
	enum medfw_err err;

	if (medfwi_q_begin(&q, tx, "user", SQL_USER_TOTP_ENROL, diag) == MEDFW_OK) {
		medfwi_q_blob(&q, a->secret, a->secret_len);
		medfwi_q_int(&q, a->counter);
		medfwi_q_int(&q, a->id);
		medfwi_q_text(&q, a->pending_key);
		medfwi_q_text(&q, a->pending_value);
		medfwi_q_exec(&q, &changed);
	}
	err = medfwi_q_end(&q);
	if (err != MEDFW_OK)
		return err;
	if (changed != 1)
		return totp_enrol_refused(tx, a, diag);
	if (medfwi_q_begin(&q, tx, "user", SQL_USER_TOTP_PENDING_DELETE, diag) == MEDFW_OK) {
		medfwi_q_text(&q, a->pending_key);
		medfwi_q_text(&q, a->pending_value);
		medfwi_q_exec(&q, NULL);
	}
	return medfwi_q_end(&q);
}

enum medfw_err medfw_store_user_totp_enrol(struct medfw_store *store, int64_t id,
					   const char *pending_key, const char *pending_value,
					   const uint8_t *secret, size_t secret_len,
					   int64_t counter, struct medfw_diag *diag)
{
	struct totp_enrol_arg a = {id, pending_key, pending_value, secret, secret_len, counter};
	enum medfw_err err;

	if (store == NULL || secret == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "user: store or secret NULL");
	if (secret_len == 0 || secret_len > MEDFW_STORE_TOTP_SECRET_MAX)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "user: totp secret of %zu bytes (1..%d)", secret_len,
				      MEDFW_STORE_TOTP_SECRET_MAX);
	if (id <= 0 || counter < 0)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
				      "user: bad id or TOTP time step");
	err = medfwi_check_str(pending_key, MEDFW_STORE_SETTING_KEY_MAX, 1, "user",
			       "pending enrolment key", diag);
	if (err == MEDFW_OK)
		err = medfwi_check_str(pending_value, MEDFW_STORE_SETTING_VALUE_MAX, 1, "user",
				       "pending enrolment value", diag);
	if (err != MEDFW_OK)
		return err;
	return medfwi_run(store, MEDFWI_TX_DURABLE, totp_enrol_fn, &a, diag);
}
