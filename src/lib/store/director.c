/* Device-side state: enrolment tokens, request nonces, director assignments (by hand
 * and, for the rollout engine, in bulk). */
#include <string.h>

#include "medfw/store_rollout.h"
#include "store_internal.h"

/* ------------------------------------------------------------------ enrolment */

static const char SQL_ENROL_INSERT[] =
	"INSERT INTO enrolment_tokens (token_hash, device_id, created_at, expires_at)"
	" VALUES (?, ?, ?, ?)";
static const char SQL_ENROL_GET[] =
	"SELECT device_id, expires_at, used_at FROM enrolment_tokens WHERE token_hash = ?";
static const char SQL_ENROL_USE[] =
	"UPDATE enrolment_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL";

enum medfw_err medfw_store_enrolment_token_create(struct medfw_store *store,
						  const uint8_t token_hash[MEDFW_STORE_HASH_LEN],
						  int64_t device_id, int64_t expires_at,
						  struct medfw_diag *diag)
{
	struct medfwi_q q;

	if (medfwi_q_begin(&q, store, "enrolment_token", SQL_ENROL_INSERT, diag) == MEDFW_OK) {
		medfwi_q_blob(&q, token_hash, MEDFW_STORE_HASH_LEN);
		medfwi_q_int(&q, device_id);
		medfwi_q_int(&q, medfwi_now(store));
		medfwi_q_int(&q, expires_at);
		medfwi_q_exec(&q, NULL);
	}
	return medfwi_q_end(&q);
}

struct consume_arg {
	const uint8_t *hash;
	int64_t device_id;
};

static enum medfw_err consume_fn(struct medfw_store *tx, void *arg, struct medfw_diag *diag)
{
	struct consume_arg *a = arg;
	struct medfwi_q q;
	int row = 0;
	int64_t expires = 0, used = 0, now = medfwi_now(tx), changed = 0;
	enum medfw_err err;

	if (medfwi_q_begin(&q, tx, "enrolment_token", SQL_ENROL_GET, diag) == MEDFW_OK) {
		medfwi_q_blob(&q, a->hash, MEDFW_STORE_HASH_LEN);
		if (medfwi_q_step(&q, &row) == MEDFW_OK && row) {
			a->device_id = medfwi_q_col_int(&q, 0);
			expires = medfwi_q_col_int(&q, 1);
			used = medfwi_q_col_int(&q, 2);
		}
	}
	err = medfwi_q_end(&q);
	if (err != MEDFW_OK)
		return err;
	if (!row)
		return medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND, "enrolment_token: unknown token");
	if (used != 0)
		return medfw_diag_set(diag, MEDFW_ERR_STATE, "enrolment_token: already used");
	if (now >= expires)
		return medfw_diag_set(diag, MEDFW_ERR_EXPIRED, "enrolment_token: expired");
	if (medfwi_q_begin(&q, tx, "enrolment_token", SQL_ENROL_USE, diag) == MEDFW_OK) {
		medfwi_q_int(&q, now);
		medfwi_q_blob(&q, a->hash, MEDFW_STORE_HASH_LEN);
		medfwi_q_exec(&q, &changed);
	}
	err = medfwi_q_end(&q);
	if (err == MEDFW_OK && changed != 1)
		err = medfw_diag_set(diag, MEDFW_ERR_STATE, "enrolment_token: already used");
	return err;
}

enum medfw_err medfw_store_enrolment_token_consume(struct medfw_store *store,
						   const uint8_t token_hash[MEDFW_STORE_HASH_LEN],
						   int64_t *out_device_id, struct medfw_diag *diag)
{
	struct consume_arg a = {token_hash, 0};
	enum medfw_err err = medfwi_run(store, MEDFWI_TX_WRITE, consume_fn, &a, diag);

	*out_device_id = err == MEDFW_OK ? a.device_id : 0;
	return err;
}

/* ------------------------------------------------------------------ nonces */

static const char SQL_NONCE_INSERT[] =
	"INSERT INTO request_nonces (created, device_id, nonce) VALUES (?, ?, ?)";
/* nonces recorded before schema version 2, until they age out */
static const char SQL_NONCE_LEGACY[] =
	"SELECT 1 FROM device_nonces WHERE device_id = ? AND nonce = ?";
static const char SQL_NONCE_PURGE[] = "DELETE FROM request_nonces WHERE created < ?";
static const char SQL_NONCE_PURGE_LEGACY[] = "DELETE FROM device_nonces WHERE seen_at < ?";

enum medfw_err medfw_store_nonce_insert(struct medfw_store *store, int64_t device_id,
					int64_t created, const uint8_t *nonce, size_t nonce_len,
					struct medfw_diag *diag)
{
	struct medfwi_q q;
	int row = 0;
	enum medfw_err err;

	if (nonce == NULL || nonce_len == 0)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_MISSING, "nonce: empty");
	if (nonce_len > MEDFW_STORE_NONCE_MAX)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "nonce: longer than %d bytes",
				      MEDFW_STORE_NONCE_MAX);
	if (medfwi_q_begin(&q, store, "nonce", SQL_NONCE_LEGACY, diag) == MEDFW_OK) {
		medfwi_q_int(&q, device_id);
		medfwi_q_blob(&q, nonce, nonce_len);
		medfwi_q_step(&q, &row);
	}
	err = medfwi_q_end(&q);
	if (err == MEDFW_OK && row)
		err = medfw_diag_set(diag, MEDFW_ERR_EXISTS, "nonce: already used");
	if (err != MEDFW_OK)
		return err;
	if (medfwi_q_begin(&q, store, "nonce", SQL_NONCE_INSERT, diag) == MEDFW_OK) {
		medfwi_q_int(&q, created);
		medfwi_q_int(&q, device_id);
		medfwi_q_blob(&q, nonce, nonce_len);
		medfwi_q_exec(&q, NULL);
	}
	return medfwi_q_end(&q);
}

enum medfw_err medfw_store_nonce_purge(struct medfw_store *store, int64_t before,
				       size_t *out_count, struct medfw_diag *diag)
{
	struct medfwi_q q;
	int64_t changed = 0, legacy = 0;
	enum medfw_err err;

	if (medfwi_q_begin(&q, store, "nonce", SQL_NONCE_PURGE, diag) == MEDFW_OK) {
		medfwi_q_int(&q, before);
		medfwi_q_exec(&q, &changed);
	}
	err = medfwi_q_end(&q);
	if (err == MEDFW_OK &&
	    medfwi_q_begin(&q, store, "nonce", SQL_NONCE_PURGE_LEGACY, diag) == MEDFW_OK) {
		medfwi_q_int(&q, before);
		medfwi_q_exec(&q, &legacy);
	}
	if (err == MEDFW_OK)
		err = medfwi_q_end(&q);
	if (out_count != NULL)
		*out_count = err == MEDFW_OK ? (size_t)(changed + legacy) : 0;
	return err;
}

/* ------------------------------------------------------------------ director */

/* An assignment set by hand (medfw_store_assignment_set) has rollout_id NULL: it
 * replaces the row, so it also takes the device away from a rollout. The bulk calls
 * of the rollout engine set and clear their own rows the same way (one statement
 * each, one version bump per device changed). */
static const char SQL_DEVICE_IN_SCOPE[] =
	"SELECT 1 FROM devices WHERE id = ? AND (? OR site_id = ?)";
static const char SQL_ASSIGN_UPSERT[] =
	"INSERT INTO director_assignments (device_id, target_name, target_length, target_hashes,"
	" window_start, window_end, created_by, created_at, rollout_id)"
	" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
	" ON CONFLICT (device_id) DO UPDATE SET target_name = excluded.target_name,"
	" target_length = excluded.target_length, target_hashes = excluded.target_hashes,"
	" window_start = excluded.window_start, window_end = excluded.window_end,"
	" created_by = excluded.created_by, created_at = excluded.created_at,"
	" rollout_id = excluded.rollout_id";
static const char SQL_ASSIGN_DELETE[] = "DELETE FROM director_assignments WHERE device_id = ?";
static const char SQL_ASSIGN_DELETE_OWNED[] =
	"DELETE FROM director_assignments WHERE device_id = ? AND rollout_id = ?";
static const char SQL_ASSIGN_GET[] =
	"SELECT a.device_id, a.target_name, a.target_length, a.target_hashes, a.window_start,"
	" a.window_end, a.created_by, a.created_at FROM director_assignments a"
	" JOIN devices d ON d.id = a.device_id WHERE a.device_id = ? AND (? OR d.site_id = ?)";
static const char SQL_ASSIGN_OWNER[] =
	"SELECT rollout_id FROM director_assignments WHERE device_id = ?";
static const char SQL_VERSION_BUMP[] =
	"INSERT INTO director_versions (device_id, version) VALUES (?, 1)"
	" ON CONFLICT (device_id) DO UPDATE SET version = director_versions.version + 1"
	" RETURNING version";
static const char SQL_VERSION_GET[] =
	"SELECT version FROM director_versions WHERE device_id = ?";

struct assign_arg {
	struct medfw_store_scope scope;
	int64_t device_id;
	const struct medfw_store_assignment *set; /* NULL: clear */
	int64_t rollout_id;                       /* owner of a set; 0: by hand */
	int64_t created_at;
	int64_t version;
};

static enum medfw_err check_assignment(const struct medfw_store_assignment *assignment,
				       struct medfw_diag *diag)
{
	enum medfw_err err;

	if (assignment == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "assignment: NULL");
	err = medfwi_check_str(assignment->target_name, MEDFW_STORE_TARGET_NAME_MAX, 1,
			       "assignment", "target_name", diag);
	if (err == MEDFW_OK)
		err = medfwi_check_str(assignment->target_hashes, MEDFW_STORE_JSON_MAX, 1,
				       "assignment", "target_hashes", diag);
	if (err != MEDFW_OK)
		return err;
	if (assignment->target_length < 0 ||
	    (assignment->window_end != 0 && assignment->window_end <= assignment->window_start))
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "assignment: bad target_length or install window");
	return MEDFW_OK;
}

/* Every change of a device's assignment bumps its director metadata version. */
static enum medfw_err version_bump(struct medfw_store *tx, int64_t device_id,
				   int64_t *out_version, struct medfw_diag *diag)
{
	struct medfwi_q q;
	int row = 0;

	if (medfwi_q_begin(&q, tx, "director_version", SQL_VERSION_BUMP, diag) == MEDFW_OK) {
		medfwi_q_int(&q, device_id);
		if (medfwi_q_step(&q, &row) == MEDFW_OK && row)
			*out_version = medfwi_q_col_int(&q, 0);
	}
	return medfwi_q_end(&q);
}

static enum medfw_err assign_fn(struct medfw_store *tx, void *arg, struct medfw_diag *diag)
{
	struct assign_arg *a = arg;
	struct medfwi_q q;
	int row = 0;
	enum medfw_err err;

	if (medfwi_q_begin(&q, tx, "assignment", SQL_DEVICE_IN_SCOPE, diag) == MEDFW_OK) {
		medfwi_q_int(&q, a->device_id);
		medfwi_q_scope(&q, a->scope);
		medfwi_q_step(&q, &row);
	}
	err = medfwi_q_end(&q);
	if (err == MEDFW_OK && !row)
		err = medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND, "assignment: no device with id %lld",
				     (long long)a->device_id);
	if (err != MEDFW_OK)
		return err;
	if (a->set != NULL) {
		const struct medfw_store_assignment *s = a->set;

		if (medfwi_q_begin(&q, tx, "assignment", SQL_ASSIGN_UPSERT, diag) == MEDFW_OK) {
			medfwi_q_int(&q, a->device_id);
			medfwi_q_text(&q, s->target_name);
			medfwi_q_int(&q, s->target_length);
			medfwi_q_text(&q, s->target_hashes);
			medfwi_q_int0(&q, s->window_start);
			medfwi_q_int0(&q, s->window_end);
			medfwi_q_int0(&q, s->created_by);
			medfwi_q_int(&q, a->created_at);
			medfwi_q_int0(&q, a->rollout_id);
			medfwi_q_exec(&q, NULL);
		}
	} else if (medfwi_q_begin(&q, tx, "assignment", SQL_ASSIGN_DELETE, diag) == MEDFW_OK) {
		medfwi_q_int(&q, a->device_id);
		medfwi_q_exec(&q, NULL);
	}
	err = medfwi_q_end(&q);
	if (err != MEDFW_OK)
		return err;
	return version_bump(tx, a->device_id, &a->version, diag);
}

enum medfw_err medfw_store_assignment_set(struct medfw_store *store,
					  struct medfw_store_scope scope,
					  struct medfw_store_assignment *assignment,
					  int64_t *out_version, struct medfw_diag *diag)
{
	struct assign_arg a;
	enum medfw_err err;

	if (out_version != NULL)
		*out_version = 0;
	err = medfwi_check_scope(scope, diag);
	if (err == MEDFW_OK)
		err = check_assignment(assignment, diag);
	if (err != MEDFW_OK)
		return err;
	assignment->created_at = medfwi_now(store);
	memset(&a, 0, sizeof(a));
	a.scope = scope;
	a.device_id = assignment->device_id;
	a.set = assignment;
	a.created_at = assignment->created_at;
	err = medfwi_run(store, MEDFWI_TX_WRITE, assign_fn, &a, diag);
	if (err == MEDFW_OK && out_version != NULL)
		*out_version = a.version;
	return err;
}

enum medfw_err medfw_store_assignment_clear(struct medfw_store *store,
					    struct medfw_store_scope scope, int64_t device_id,
					    int64_t *out_version, struct medfw_diag *diag)
{
	struct assign_arg a;
	enum medfw_err err;

	if (out_version != NULL)
		*out_version = 0;
	err = medfwi_check_scope(scope, diag);
	if (err != MEDFW_OK)
		return err;
	memset(&a, 0, sizeof(a));
	a.scope = scope;
	a.device_id = device_id;
	err = medfwi_run(store, MEDFWI_TX_WRITE, assign_fn, &a, diag);
	if (err == MEDFW_OK && out_version != NULL)
		*out_version = a.version;
	return err;
}

/* ---- in bulk, for the rollout engine (medfw/store_rollout.h) ---- */

struct assign_many_arg {
	int64_t rollout_id;
	const struct medfw_store_assignment *set; /* set_many */
	const int64_t *device_ids;                /* clear_many */
	size_t count;
	int64_t now;
	size_t cleared;
};

static enum medfw_err set_many_fn(struct medfw_store *tx, void *arg, struct medfw_diag *diag)
{
	struct assign_many_arg *m = arg;
	enum medfw_err err = MEDFW_OK;

	for (size_t i = 0; err == MEDFW_OK && i < m->count; i++) {
		struct assign_arg a;
		struct medfw_diag local;

		memset(&a, 0, sizeof(a));
		a.scope = medfw_store_scope_all();
		a.device_id = m->set[i].device_id;
		a.set = &m->set[i];
		a.rollout_id = m->rollout_id;
		a.created_at = m->now;
		medfw_diag_clear(&local);
		err = assign_fn(tx, &a, &local);
		if (err != MEDFW_OK)
			err = medfw_diag_set(diag, err, "assignments[%zu]: %s", i, local.msg);
	}
	return err;
}

enum medfw_err medfw_store_assignments_set_many(struct medfw_store *store, int64_t rollout_id,
						const struct medfw_store_assignment *assignments,
						size_t count, struct medfw_diag *diag)
{
	struct assign_many_arg m;

	if (rollout_id <= 0 || (count > 0 && assignments == NULL))
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
				      "assignments: no rollout or no assignments");
	for (size_t i = 0; i < count; i++) {
		struct medfw_diag local;
		enum medfw_err err;

		medfw_diag_clear(&local);
		err = check_assignment(&assignments[i], &local);
		if (err != MEDFW_OK)
			return medfw_diag_set(diag, err, "assignments[%zu]: %s", i, local.msg);
	}
	if (count == 0)
		return MEDFW_OK;
	memset(&m, 0, sizeof(m));
	m.rollout_id = rollout_id;
	m.set = assignments;
	m.count = count;
	m.now = medfwi_now(store);
	return medfwi_run(store, MEDFWI_TX_WRITE, set_many_fn, &m, diag);
}

static enum medfw_err clear_many_fn(struct medfw_store *tx, void *arg, struct medfw_diag *diag)
{
	struct assign_many_arg *m = arg;
	struct medfwi_q q;
	int64_t changed = 0, version = 0;
	enum medfw_err err = MEDFW_OK;

	m->cleared = 0; /* fn may run again (busy retry) */
	for (size_t i = 0; err == MEDFW_OK && i < m->count; i++) {
		if (medfwi_q_begin(&q, tx, "assignment", SQL_ASSIGN_DELETE_OWNED, diag) ==
		    MEDFW_OK) {
			medfwi_q_int(&q, m->device_ids[i]);
			medfwi_q_int(&q, m->rollout_id);
			medfwi_q_exec(&q, &changed);
		}
		err = medfwi_q_end(&q);
		if (err == MEDFW_OK && changed > 0) {
			err = version_bump(tx, m->device_ids[i], &version, diag);
			m->cleared++;
		}
	}
	return err;
}

enum medfw_err medfw_store_assignments_clear_many(struct medfw_store *store, int64_t rollout_id,
						  const int64_t *device_ids, size_t count,
						  size_t *out_cleared, struct medfw_diag *diag)
{
	struct assign_many_arg m;
	enum medfw_err err;

	if (out_cleared != NULL)
		*out_cleared = 0;
	if (rollout_id <= 0 || (count > 0 && device_ids == NULL))
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
				      "assignments: no rollout or no device ids");
	if (count == 0)
		return MEDFW_OK;
	memset(&m, 0, sizeof(m));
	m.rollout_id = rollout_id;
	m.device_ids = device_ids;
	m.count = count;
	err = medfwi_run(store, MEDFWI_TX_WRITE, clear_many_fn, &m, diag);
	if (err == MEDFW_OK && out_cleared != NULL)
		*out_cleared = m.cleared;
	return err;
}

enum medfw_err medfw_store_assignment_owner(struct medfw_store *store, int64_t device_id,
					    int64_t *out_rollout_id, struct medfw_diag *diag)
{
	struct medfwi_q q;
	int row = 0;
	enum medfw_err err;

	*out_rollout_id = 0;
	if (medfwi_q_begin(&q, store, "assignment", SQL_ASSIGN_OWNER, diag) == MEDFW_OK) {
		medfwi_q_int(&q, device_id);
		if (medfwi_q_step(&q, &row) == MEDFW_OK && row)
			*out_rollout_id = medfwi_q_col_int(&q, 0);
	}
	err = medfwi_q_end(&q);
	if (err != MEDFW_OK)
		*out_rollout_id = 0;
	return err;
}

enum medfw_err medfw_store_assignment_get(struct medfw_store *store,
					  struct medfw_store_scope scope, int64_t device_id,
					  struct medfw_store_assignment *out,
					  struct medfw_diag *diag)
{
	struct medfwi_q q;
	int row = 0;
	enum medfw_err err;

	memset(out, 0, sizeof(*out));
	err = medfwi_check_scope(scope, diag);
	if (err != MEDFW_OK)
		return err;
	if (medfwi_q_begin(&q, store, "assignment", SQL_ASSIGN_GET, diag) == MEDFW_OK) {
		medfwi_q_int(&q, device_id);
		medfwi_q_scope(&q, scope);
		if (medfwi_q_step(&q, &row) == MEDFW_OK && row) {
			out->device_id = medfwi_q_col_int(&q, 0);
			medfwi_q_col_text(&q, 1, out->target_name, sizeof(out->target_name));
			out->target_length = medfwi_q_col_int(&q, 2);
			medfwi_q_col_text(&q, 3, out->target_hashes, sizeof(out->target_hashes));
			out->window_start = medfwi_q_col_int(&q, 4);
			out->window_end = medfwi_q_col_int(&q, 5);
			out->created_by = medfwi_q_col_int(&q, 6);
			out->created_at = medfwi_q_col_int(&q, 7);
		}
	}
	err = medfwi_q_end(&q);
	if (err == MEDFW_OK && !row)
		err = medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND,
				     "assignment: device %lld has no assignment", (long long)device_id);
	if (err != MEDFW_OK)
		memset(out, 0, sizeof(*out));
	return err;
}

enum medfw_err medfw_store_director_version(struct medfw_store *store, int64_t device_id,
					    int64_t *out_version, struct medfw_diag *diag)
{
	struct medfwi_q q;
	int row = 0;
	enum medfw_err err;

	*out_version = 0;
	if (medfwi_q_begin(&q, store, "director_version", SQL_VERSION_GET, diag) == MEDFW_OK) {
		medfwi_q_int(&q, device_id);
		if (medfwi_q_step(&q, &row) == MEDFW_OK && row)
			*out_version = medfwi_q_col_int(&q, 0);
	}
	err = medfwi_q_end(&q);
	if (err != MEDFW_OK)
		*out_version = 0;
	return err;
}
