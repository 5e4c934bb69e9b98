/* Sessions, API tokens and the one-time bootstrap token. Only hashes are stored. */
#include <string.h>

#include "medfw/crypto.h"
#include "store_internal.h"

/* ------------------------------------------------------------------ sessions */

#define SESSION_COLS "id, user_id, csrf_hash, created_at, last_seen, expires_at, revoked_at, remote_addr"

static const char SQL_SESSION_INSERT[] =
	"INSERT INTO sessions (id, user_id, csrf_hash, created_at, last_seen, expires_at,"
	" revoked_at, remote_addr) VALUES (?, ?, ?, ?, ?, ?, ?, ?)";
static const char SQL_SESSION_GET[] = "SELECT " SESSION_COLS " FROM sessions WHERE id = ?";
static const char SQL_SESSION_TOUCH[] =
	"UPDATE sessions SET last_seen = ?, expires_at = ? WHERE id = ? AND revoked_at IS NULL";
static const char SQL_SESSION_REVOKE[] =
	"UPDATE sessions SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL";
static const char SQL_SESSION_REVOKE_USER[] =
	"UPDATE sessions SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL";
static const char SQL_SESSION_PURGE[] =
	"DELETE FROM sessions WHERE expires_at < ? OR revoked_at < ?";

enum medfw_err medfw_store_session_create(struct medfw_store *store,
					  const struct medfw_store_session *s,
					  struct medfw_diag *diag)
{
	struct medfwi_q q;
	enum medfw_err err;

	if (s == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "session: NULL");
	err = medfwi_check_str(s->remote_addr, MEDFW_STORE_SHORT_MAX, 0, "session",
			       "remote_addr", diag);
	if (err != MEDFW_OK)
		return err;
	if (medfwi_q_begin(&q, store, "session", SQL_SESSION_INSERT, diag) == MEDFW_OK) {
		medfwi_q_blob(&q, s->id, sizeof(s->id));
		medfwi_q_int(&q, s->user_id);
		medfwi_q_blob(&q, s->csrf_hash, sizeof(s->csrf_hash));
		medfwi_q_int(&q, s->created_at);
		medfwi_q_int(&q, s->last_seen);
		medfwi_q_int(&q, s->expires_at);
		medfwi_q_int0(&q, s->revoked_at);
		medfwi_q_text(&q, s->remote_addr);
		medfwi_q_exec(&q, NULL);
	}
	return medfwi_q_end(&q);
}

enum medfw_err medfw_store_session_get(struct medfw_store *store,
				       const uint8_t id[MEDFW_STORE_HASH_LEN],
				       struct medfw_store_session *out, struct medfw_diag *diag)
{
	struct medfwi_q q;
	int row = 0;
	enum medfw_err err;

	memset(out, 0, sizeof(*out));
	if (medfwi_q_begin(&q, store, "session", SQL_SESSION_GET, diag) == MEDFW_OK) {
		medfwi_q_blob(&q, id, MEDFW_STORE_HASH_LEN);
		if (medfwi_q_step(&q, &row) == MEDFW_OK && row) {
			medfwi_q_col_blob(&q, 0, out->id, sizeof(out->id), NULL);
			out->user_id = medfwi_q_col_int(&q, 1);
			medfwi_q_col_blob(&q, 2, out->csrf_hash, sizeof(out->csrf_hash), NULL);
			out->created_at = medfwi_q_col_int(&q, 3);
			out->last_seen = medfwi_q_col_int(&q, 4);
			out->expires_at = medfwi_q_col_int(&q, 5);
			out->revoked_at = medfwi_q_col_int(&q, 6);
			medfwi_q_col_text(&q, 7, out->remote_addr, sizeof(out->remote_addr));
		}
	}
	err = medfwi_q_end(&q);
	if (err == MEDFW_OK && !row)
		err = medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND, "session: no such session");
	if (err != MEDFW_OK)
		memset(out, 0, sizeof(*out));
	return err;
}

/* Run one UPDATE/DELETE with up to three int/blob parameters; report changes. */
static enum medfw_err exec_changes(struct medfw_store *store, const char *what, const char *sql,
				   const int64_t *ints, size_t n_ints, const uint8_t *blob,
				   size_t blob_len, int64_t *out_changed, struct medfw_diag *diag)
{
	struct medfwi_q q;

	*out_changed = 0;
	if (medfwi_q_begin(&q, store, what, sql, diag) == MEDFW_OK) {
		for (size_t i = 0; i < n_ints; i++)
			medfwi_q_int(&q, ints[i]);
		if (blob != NULL)
			medfwi_q_blob(&q, blob, blob_len);
		medfwi_q_exec(&q, out_changed);
	}
	return medfwi_q_end(&q);
}

static enum medfw_err need_change(enum medfw_err err, int64_t changed, const char *what,
				  struct medfw_diag *diag)
{
	if (err == MEDFW_OK && changed == 0)
		return medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND, "%s: no such live %s", what, what);
	return err;
}

enum medfw_err medfw_store_session_touch(struct medfw_store *store,
					 const uint8_t id[MEDFW_STORE_HASH_LEN], int64_t last_seen,
					 int64_t expires_at, struct medfw_diag *diag)
{
	int64_t ints[2] = {last_seen, expires_at};
	int64_t changed;
	enum medfw_err err = exec_changes(store, "session", SQL_SESSION_TOUCH, ints, 2, id,
					  MEDFW_STORE_HASH_LEN, &changed, diag);

	return need_change(err, changed, "session", diag);
}

enum medfw_err medfw_store_session_revoke(struct medfw_store *store,
					  const uint8_t id[MEDFW_STORE_HASH_LEN],
					  struct medfw_diag *diag)
{
	int64_t ints[1] = {medfwi_now(store)};
	int64_t changed;
	enum medfw_err err = exec_changes(store, "session", SQL_SESSION_REVOKE, ints, 1, id,
					  MEDFW_STORE_HASH_LEN, &changed, diag);

	return need_change(err, changed, "session", diag);
}

enum medfw_err medfw_store_session_revoke_user(struct medfw_store *store, int64_t user_id,
					       size_t *out_count, struct medfw_diag *diag)
{
	int64_t ints[2] = {medfwi_now(store), user_id};
	int64_t changed;
	enum medfw_err err = exec_changes(store, "session", SQL_SESSION_REVOKE_USER, ints, 2, NULL,
					  0, &changed, diag);

	if (out_count != NULL)
		*out_count = (size_t)changed;
	return err;
}

enum medfw_err medfw_store_session_purge(struct medfw_store *store, int64_t before,
					 size_t *out_count, struct medfw_diag *diag)
{
	int64_t ints[2] = {before, before};
	int64_t changed;
	enum medfw_err err = exec_changes(store, "session", SQL_SESSION_PURGE, ints, 2, NULL, 0,
					  &changed, diag);

	if (out_count != NULL)
		*out_count = (size_t)changed;
	return err;
}

/* ------------------------------------------------------------------ api tokens */

#define TOKEN_COLS                                                                         \
	"id, user_id, name, token_hash, scopes, created_at, expires_at, last_used_at, revoked_at"

static const char SQL_TOKEN_INSERT[] =
	"INSERT INTO api_tokens (user_id, name, token_hash, scopes, created_at, expires_at)"
	" VALUES (?, ?, ?, ?, ?, ?) RETURNING id";
static const char SQL_TOKEN_FIND[] = "SELECT " TOKEN_COLS " FROM api_tokens WHERE token_hash = ?";
static const char SQL_TOKEN_GET[] = "SELECT " TOKEN_COLS " FROM api_tokens WHERE id = ?";
static const char SQL_TOKEN_LIST[] =
	"SELECT " TOKEN_COLS " FROM api_tokens WHERE user_id = ? ORDER BY id LIMIT ? OFFSET ?";
static const char SQL_TOKEN_COUNT[] = "SELECT count(*) FROM api_tokens WHERE user_id = ?";
static const char SQL_TOKEN_REVOKE_USER[] =
	"UPDATE api_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL";
static const char SQL_TOKEN_TOUCH[] =
	"UPDATE api_tokens SET last_used_at = ? WHERE id = ? AND revoked_at IS NULL";
static const char SQL_TOKEN_REVOKE[] =
	"UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL";

static void read_token(struct medfwi_q *q, struct medfw_store_api_token *t)
{
	t->id = medfwi_q_col_int(q, 0);
	t->user_id = medfwi_q_col_int(q, 1);
	medfwi_q_col_text(q, 2, t->name, sizeof(t->name));
	medfwi_q_col_blob(q, 3, t->token_hash, sizeof(t->token_hash), NULL);
	medfwi_q_col_text(q, 4, t->scopes, sizeof(t->scopes));
	t->created_at = medfwi_q_col_int(q, 5);
	t->expires_at = medfwi_q_col_int(q, 6);
	t->last_used_at = medfwi_q_col_int(q, 7);
	t->revoked_at = medfwi_q_col_int(q, 8);
}

enum medfw_err medfw_store_api_token_create(struct medfw_store *store,
					    struct medfw_store_api_token *t,
					    struct medfw_diag *diag)
{
	struct medfwi_q q;
	int row = 0;
	int64_t now = medfwi_now(store);
	enum medfw_err err;

	if (t == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "api_token: NULL");
	err = medfwi_check_str(t->name, MEDFW_STORE_NAME_MAX, 1, "api_token", "name", diag);
	if (err == MEDFW_OK)
		err = medfwi_check_str(t->scopes, MEDFW_STORE_SCOPES_MAX, 0, "api_token", "scopes",
				       diag);
	if (err != MEDFW_OK)
		return err;
	if (medfwi_q_begin(&q, store, "api_token", SQL_TOKEN_INSERT, diag) == MEDFW_OK) {
		medfwi_q_int(&q, t->user_id);
		medfwi_q_text(&q, t->name);
		medfwi_q_blob(&q, t->token_hash, sizeof(t->token_hash));
		medfwi_q_text(&q, t->scopes);
		medfwi_q_int(&q, now);
		medfwi_q_int0(&q, t->expires_at);
		if (medfwi_q_step(&q, &row) == MEDFW_OK && row) {
			t->id = medfwi_q_col_int(&q, 0);
			t->created_at = now;
			t->last_used_at = 0;
			t->revoked_at = 0;
		}
	}
	return medfwi_q_end(&q);
}

/* One token by its hash (sql SQL_TOKEN_FIND) or id (SQL_TOKEN_GET). */
static enum medfw_err token_one(struct medfw_store *store, const char *sql,
				const uint8_t *token_hash, int64_t id,
				struct medfw_store_api_token *out, struct medfw_diag *diag)
{
	struct medfwi_q q;
	int row = 0;
	enum medfw_err err;

	memset(out, 0, sizeof(*out));
	if (medfwi_q_begin(&q, store, "api_token", sql, diag) == MEDFW_OK) {
		if (token_hash != NULL)
			medfwi_q_blob(&q, token_hash, MEDFW_STORE_HASH_LEN);
		else
			medfwi_q_int(&q, id);
		if (medfwi_q_step(&q, &row) == MEDFW_OK && row)
			read_token(&q, out);
	}
	err = medfwi_q_end(&q);
	if (err == MEDFW_OK && !row)
		err = medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND, "api_token: no such token");
	if (err != MEDFW_OK)
		memset(out, 0, sizeof(*out));
	return err;
}

enum medfw_err medfw_store_api_token_find(struct medfw_store *store,
					  const uint8_t token_hash[MEDFW_STORE_HASH_LEN],
					  struct medfw_store_api_token *out,
					  struct medfw_diag *diag)
{
	return token_one(store, SQL_TOKEN_FIND, token_hash, 0, out, diag);
}

enum medfw_err medfw_store_api_token_get(struct medfw_store *store, int64_t id,
					 struct medfw_store_api_token *out,
					 struct medfw_diag *diag)
{
	return token_one(store, SQL_TOKEN_GET, NULL, id, out, diag);
}

enum medfw_err medfw_store_api_token_list_page(struct medfw_store *store, int64_t user_id,
					       int64_t offset, struct medfw_store_api_token *out,
					       size_t cap, size_t *out_count, int64_t *out_total,
					       struct medfw_diag *diag)
{
	struct medfwi_q q;
	int row = 0;
	size_t n = 0;
	int64_t total = 0;
	enum medfw_err err;

	*out_count = 0;
	if (out_total != NULL)
		*out_total = 0;
	if (cap > INT32_MAX || offset < 0 || offset > INT32_MAX)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "api_token: bad page");
	if (medfwi_q_begin(&q, store, "api_token", SQL_TOKEN_LIST, diag) == MEDFW_OK) {
		medfwi_q_int(&q, user_id);
		medfwi_q_int(&q, (int64_t)cap);
		medfwi_q_int(&q, offset);
		while (n < cap && medfwi_q_step(&q, &row) == MEDFW_OK && row)
			read_token(&q, &out[n++]);
	}
	err = medfwi_q_end(&q);
	if (err == MEDFW_OK && out_total != NULL &&
	    medfwi_q_begin(&q, store, "api_token", SQL_TOKEN_COUNT, diag) == MEDFW_OK) {
		medfwi_q_int(&q, user_id);
		if (medfwi_q_step(&q, &row) == MEDFW_OK && row)
			total = medfwi_q_col_int(&q, 0);
		err = medfwi_q_end(&q);
	}
	if (err != MEDFW_OK) {
		memset(out, 0, n * sizeof(*out));
		n = 0;
		total = 0;
	}
	*out_count = n;
	if (out_total != NULL)
		*out_total = total;
	return err;
}

enum medfw_err medfw_store_api_token_list(struct medfw_store *store, int64_t user_id,
					  struct medfw_store_api_token *out, size_t cap,
					  size_t *out_count, struct medfw_diag *diag)
{
	return medfw_store_api_token_list_page(store, user_id, 0, out, cap, out_count, NULL, diag);
}

enum medfw_err medfw_store_api_token_touch(struct medfw_store *store, int64_t id, int64_t now,
					   struct medfw_diag *diag)
{
	int64_t ints[2] = {now, id};
	int64_t changed;
	enum medfw_err err =
		exec_changes(store, "api_token", SQL_TOKEN_TOUCH, ints, 2, NULL, 0, &changed, diag);

	return need_change(err, changed, "api_token", diag);
}

enum medfw_err medfw_store_api_token_revoke(struct medfw_store *store, int64_t id,
					    struct medfw_diag *diag)
{
	int64_t ints[2] = {medfwi_now(store), id};
	int64_t changed;
	enum medfw_err err = exec_changes(store, "api_token", SQL_TOKEN_REVOKE, ints, 2, NULL, 0,
					  &changed, diag);

	return need_change(err, changed, "api_token", diag);
}

enum medfw_err medfw_store_api_token_revoke_user(struct medfw_store *store, int64_t user_id,
						 size_t *out_count, struct medfw_diag *diag)
{
	int64_t ints[2] = {medfwi_now(store), user_id};
	int64_t changed;
	enum medfw_err err = exec_changes(store, "api_token", SQL_TOKEN_REVOKE_USER, ints, 2, NULL,
					  0, &changed, diag);

	if (out_count != NULL)
		*out_count = err == MEDFW_OK ? (size_t)changed : 0;
	return err;
}

/* ------------------------------------------------------------------ bootstrap */

static const char SQL_BOOT_INSERT[] =
	"INSERT INTO bootstrap (id, created_at, token_hash) VALUES (1, ?, ?)";
static const char SQL_BOOT_GET[] = "SELECT token_hash, used_at FROM bootstrap WHERE id = 1";
static const char SQL_BOOT_USE[] =
	"UPDATE bootstrap SET used_at = ? WHERE id = 1 AND used_at IS NULL AND token_hash = ?";

enum medfw_err medfw_store_bootstrap_create(struct medfw_store *store,
					    const uint8_t token_hash[MEDFW_STORE_HASH_LEN],
					    struct medfw_diag *diag)
{
	int64_t ints[1] = {medfwi_now(store)};
	int64_t changed;
	enum medfw_err err = exec_changes(store, "bootstrap", SQL_BOOT_INSERT, ints, 1, token_hash,
					  MEDFW_STORE_HASH_LEN, &changed, diag);

	return err;
}

struct boot_state {
	int exists, pending;
	uint8_t hash[MEDFW_STORE_HASH_LEN];
};

static enum medfw_err boot_read(struct medfw_store *store, struct boot_state *st,
				struct medfw_diag *diag)
{
	struct medfwi_q q;
	int row = 0;

	memset(st, 0, sizeof(*st));
	if (medfwi_q_begin(&q, store, "bootstrap", SQL_BOOT_GET, diag) == MEDFW_OK &&
	    medfwi_q_step(&q, &row) == MEDFW_OK && row) {
		st->exists = 1;
		medfwi_q_col_blob(&q, 0, st->hash, sizeof(st->hash), NULL);
		st->pending = medfwi_q_col_null(&q, 1);
	}
	return medfwi_q_end(&q);
}

struct boot_consume {
	const uint8_t *hash;
};

static enum medfw_err boot_consume(struct medfw_store *tx, void *arg, struct medfw_diag *diag)
{
	struct boot_consume *a = arg;
	struct boot_state st;
	int64_t ints[1] = {medfwi_now(tx)};
	int64_t changed = 0;
	enum medfw_err err = boot_read(tx, &st, diag);

	if (err != MEDFW_OK)
		return err;
	if (!st.exists || !medfw_ct_equal(st.hash, a->hash, MEDFW_STORE_HASH_LEN))
		return medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND, "bootstrap: unknown token");
	if (!st.pending)
		return medfw_diag_set(diag, MEDFW_ERR_STATE, "bootstrap: token already used");
	err = exec_changes(tx, "bootstrap", SQL_BOOT_USE, ints, 1, a->hash, MEDFW_STORE_HASH_LEN,
			   &changed, diag);
	if (err == MEDFW_OK && changed != 1)
		err = medfw_diag_set(diag, MEDFW_ERR_STATE, "bootstrap: token already used");
	return err;
}

enum medfw_err medfw_store_bootstrap_consume(struct medfw_store *store,
					     const uint8_t token_hash[MEDFW_STORE_HASH_LEN],
					     struct medfw_diag *diag)
{
	struct boot_consume a = {token_hash};

	return medfwi_run(store, MEDFWI_TX_WRITE, boot_consume, &a, diag);
}

enum medfw_err medfw_store_bootstrap_state(struct medfw_store *store, int *out_exists,
					   int *out_pending, struct medfw_diag *diag)
{
	struct boot_state st;
	enum medfw_err err = boot_read(store, &st, diag);

	if (out_exists != NULL)
		*out_exists = err == MEDFW_OK && st.exists;
	if (out_pending != NULL)
		*out_pending = err == MEDFW_OK && st.pending;
	return err;
}
