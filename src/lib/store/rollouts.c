/* Staged rollouts: the rollout records (compare-and-set of their state), their waves
 * and member devices, and the selection of candidate devices. The bulk director
 * assignments are in director.c (they share its version bump), maintenance windows
 * in windows.c. The rollout engine decides; this file only stores (docs/store.md). */
#include <string.h>

#include "medfw/buf.h"
#include "medfw/store_rollout.h"
#include "store_internal.h"

/* ------------------------------------------------------------------ checks */

#define ROLLOUT_WHAT "rollout"
#define MEMBER_WHAT "rollout device"
#define SELECTOR_SQL_MAX ((size_t)64 << 10)

static int is_lower_hex64(const char *s)
{
	size_t n = 0;

	for (; s[n] != '\0'; n++)
		if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
			return 0;
	return n == 64;
}

static enum medfw_err check_rollout(const struct medfw_store_rollout *r, struct medfw_diag *diag)
{
	static const struct {
		size_t off, max;
		int required;
		const char *name;
	} fields[] = {
#define F(f, m, req) {offsetof(struct medfw_store_rollout, f), m, req, #f}
		F(name, MEDFW_STORE_NAME_MAX, 1),
		F(target_name, MEDFW_STORE_TARGET_NAME_MAX, 1),
		F(target_hashes, MEDFW_STORE_JSON_MAX, 1),
		F(target_sha256, MEDFW_STORE_SHORT_MAX, 1),
		F(target_version, MEDFW_STORE_SHORT_MAX, 0),
		F(notice, MEDFW_STORE_ROLLOUT_JSON_MAX, 0),
		F(selector, MEDFW_STORE_ROLLOUT_JSON_MAX, 1),
		F(waves, MEDFW_STORE_ROLLOUT_JSON_MAX, 1),
		F(state_reason, MEDFW_STORE_ROLLOUT_REASON_MAX, 0),
#undef F
	};
	enum medfw_err err = MEDFW_OK;

	for (size_t i = 0; err == MEDFW_OK && i < sizeof(fields) / sizeof(fields[0]); i++)
		err = medfwi_check_str((const char *)r + fields[i].off, fields[i].max,
				       fields[i].required, ROLLOUT_WHAT, fields[i].name, diag);
	if (err != MEDFW_OK)
		return err;
	if (r->site_id < 0)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "rollout: site_id is negative");
	if (medfw_store_rollout_kind_name(r->kind) == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "rollout: kind invalid");
	if ((r->kind == MEDFW_ROLLOUT_KIND_ROLLBACK) != (r->rollback_of > 0) || r->rollback_of < 0)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "rollout: rollback_of must name a rollout exactly when kind "
				      "is rollback");
	if (!is_lower_hex64(r->target_sha256))
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "rollout: target_sha256 is not 64 lowercase hex digits");
	if (r->target_length < 0 || r->security_version < 0 || r->start_at < 0)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "rollout: target_length, security_version or start_at is "
				      "negative");
	if (r->created_by < 0)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "rollout: created_by invalid");
	return MEDFW_OK;
}

/* The fields rollout_save writes. */
static enum medfw_err check_mutable(const struct medfw_store_rollout *r, struct medfw_diag *diag)
{
	enum medfw_err err = medfwi_check_str(r->state_reason, MEDFW_STORE_ROLLOUT_REASON_MAX, 0,
					      ROLLOUT_WHAT, "state_reason", diag);

	if (err != MEDFW_OK)
		return err;
	if (medfw_store_rollout_state_name(r->state) == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "rollout: state invalid");
	if (r->current_wave < -1)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "rollout: current_wave below -1");
	if (r->approved_by < 0 || r->approved_at < 0 || r->started_at < 0 || r->finished_at < 0 ||
	    r->updated_at < 0)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "rollout: negative approved_by or time");
	return MEDFW_OK;
}

/* ------------------------------------------------------------------ rollouts */

#define ROLLOUT_COLS                                                                         \
	"id, site_id, name, kind, rollback_of, target_name, target_length, target_hashes,"   \
	" target_sha256, target_version, security_version, notice, selector, waves,"         \
	" start_at, state, state_reason, current_wave, created_by, created_at, approved_by," \
	" approved_at, started_at, finished_at, updated_at"

static const char SQL_ROLLOUT_INSERT[] =
	"INSERT INTO rollouts (site_id, name, kind, rollback_of, target_name, target_length,"
	" target_hashes, target_sha256, target_version, security_version, notice, selector,"
	" waves, start_at, state, state_reason, current_wave, created_by, created_at,"
	" updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
	" RETURNING id";
static const char SQL_ROLLOUT_GET[] =
	"SELECT " ROLLOUT_COLS " FROM rollouts WHERE id = ? AND (? OR site_id = ?)";
static const char SQL_ROLLOUT_COUNT[] =
	"SELECT COUNT(*) FROM rollouts WHERE (? OR site_id = ?) AND (? = 0 OR state = ?)";
static const char SQL_ROLLOUT_LIST[] =
	"SELECT " ROLLOUT_COLS " FROM rollouts WHERE (? OR site_id = ?) AND (? = 0 OR state = ?)"
	" ORDER BY id DESC LIMIT ? OFFSET ?";
/* the engine's work list: up to as many states as there are */
#define ROLLOUT_IDS_STATES 6
static const char SQL_ROLLOUT_IDS[] =
	"SELECT id FROM rollouts WHERE state IN (?, ?, ?, ?, ?, ?) ORDER BY id LIMIT ?";
static const char SQL_ROLLOUT_SAVE[] =
	"UPDATE rollouts SET state = ?, state_reason = ?, current_wave = ?, approved_by = ?,"
	" approved_at = ?, started_at = ?, finished_at = ?, updated_at = ?"
	" WHERE id = ? AND state = ?";
static const char SQL_ROLLOUT_STATE[] = "SELECT state FROM rollouts WHERE id = ?";
static const char SQL_ROLLOUT_MAX_ID[] = "SELECT MAX(id) FROM rollouts";

static void read_rollout(struct medfwi_q *q, struct medfw_store_rollout *r)
{
	char name[MEDFW_STORE_SHORT_MAX + 1];

	r->id = medfwi_q_col_int(q, 0);
	r->site_id = medfwi_q_col_int(q, 1);
	medfwi_q_col_text(q, 2, r->name, sizeof(r->name));
	medfwi_q_col_text(q, 3, name, sizeof(name));
	r->kind = strcmp(name, "rollback") == 0 ? MEDFW_ROLLOUT_KIND_ROLLBACK
						: MEDFW_ROLLOUT_KIND_UPDATE;
	r->rollback_of = medfwi_q_col_int(q, 4);
	medfwi_q_col_text(q, 5, r->target_name, sizeof(r->target_name));
	r->target_length = medfwi_q_col_int(q, 6);
	medfwi_q_col_text(q, 7, r->target_hashes, sizeof(r->target_hashes));
	medfwi_q_col_text(q, 8, r->target_sha256, sizeof(r->target_sha256));
	medfwi_q_col_text(q, 9, r->target_version, sizeof(r->target_version));
	r->security_version = medfwi_q_col_int(q, 10);
	medfwi_q_col_text(q, 11, r->notice, sizeof(r->notice));
	medfwi_q_col_text(q, 12, r->selector, sizeof(r->selector));
	medfwi_q_col_text(q, 13, r->waves, sizeof(r->waves));
	r->start_at = medfwi_q_col_int(q, 14);
	medfwi_q_col_text(q, 15, name, sizeof(name));
	if (medfw_store_rollout_state_parse(name, &r->state) != MEDFW_OK && q->err == MEDFW_OK)
		q->err = medfw_diag_set(q->diag, MEDFW_ERR_FIELD_VALUE,
					"rollout: stored state invalid");
	medfwi_q_col_text(q, 16, r->state_reason, sizeof(r->state_reason));
	r->current_wave = medfwi_q_col_int(q, 17);
	r->created_by = medfwi_q_col_int(q, 18);
	r->created_at = medfwi_q_col_int(q, 19);
	r->approved_by = medfwi_q_col_int(q, 20);
	r->approved_at = medfwi_q_col_int(q, 21);
	r->started_at = medfwi_q_col_int(q, 22);
	r->finished_at = medfwi_q_col_int(q, 23);
	r->updated_at = medfwi_q_col_int(q, 24);
}

enum medfw_err medfw_store_rollout_create(struct medfw_store *store,
					  struct medfw_store_rollout *rollout,
					  struct medfw_diag *diag)
{
	struct medfwi_q q;
	int row = 0;
	int64_t now;
	enum medfw_err err;

	if (rollout == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "rollout: NULL");
	err = check_rollout(rollout, diag);
	if (err == MEDFW_OK)
		err = check_mutable(rollout, diag);
	if (err != MEDFW_OK)
		return err;
	if (rollout->state != MEDFW_ROLLOUT_AWAITING_APPROVAL || rollout->current_wave != -1)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "rollout: a new rollout is awaiting_approval with "
				      "current_wave -1");
	if (rollout->approved_by != 0 || rollout->approved_at != 0 || rollout->started_at != 0 ||
	    rollout->finished_at != 0)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "rollout: a new rollout is not approved, started or "
				      "finished yet");
	now = medfwi_now(store);
	if (medfwi_q_begin(&q, store, ROLLOUT_WHAT, SQL_ROLLOUT_INSERT, diag) == MEDFW_OK) {
		medfwi_q_int0(&q, rollout->site_id);
		medfwi_q_text(&q, rollout->name);
		medfwi_q_text(&q, medfw_store_rollout_kind_name(rollout->kind));
		medfwi_q_int0(&q, rollout->rollback_of);
		medfwi_q_text(&q, rollout->target_name);
		medfwi_q_int(&q, rollout->target_length);
		medfwi_q_text(&q, rollout->target_hashes);
		medfwi_q_text(&q, rollout->target_sha256);
		medfwi_q_text(&q, rollout->target_version);
		medfwi_q_int(&q, rollout->security_version);
		medfwi_q_text(&q, rollout->notice);
		medfwi_q_text(&q, rollout->selector);
		medfwi_q_text(&q, rollout->waves);
		medfwi_q_int0(&q, rollout->start_at);
		medfwi_q_text(&q, medfw_store_rollout_state_name(rollout->state));
		medfwi_q_text(&q, rollout->state_reason);
		medfwi_q_int(&q, rollout->current_wave);
		medfwi_q_int0(&q, rollout->created_by);
		medfwi_q_int(&q, now);
		medfwi_q_int(&q, now);
		if (medfwi_q_step(&q, &row) == MEDFW_OK && row) {
			rollout->id = medfwi_q_col_int(&q, 0);
			rollout->created_at = now;
			rollout->updated_at = now;
		}
	}
	return medfwi_q_end(&q);
}

enum medfw_err medfw_store_rollout_next_id(struct medfw_store *store, int64_t *out_id,
					   struct medfw_diag *diag)
{
	struct medfwi_q q;
	int row = 0, empty = 1;
	int64_t max = 0;
	enum medfw_err err;

	if (out_id == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "rollout: NULL");
	*out_id = 0;
	if (medfwi_q_begin(&q, store, ROLLOUT_WHAT, SQL_ROLLOUT_MAX_ID, diag) == MEDFW_OK) {
		if (medfwi_q_step(&q, &row) == MEDFW_OK && row) {
			empty = medfwi_q_col_null(&q, 0);
			max = medfwi_q_col_int(&q, 0);
		}
	}
	err = medfwi_q_end(&q);
	if (err != MEDFW_OK)
		return err;
	if (!empty && (max < 0 || max == INT64_MAX))
		return medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND,
				      "rollout: the next id cannot be known (the largest is %lld)",
				      (long long)max);
	*out_id = empty ? 1 : max + 1;
	return MEDFW_OK;
}

enum medfw_err medfw_store_rollout_get(struct medfw_store *store, struct medfw_store_scope scope,
				       int64_t id, struct medfw_store_rollout *out,
				       struct medfw_diag *diag)
{
	struct medfwi_q q;
	int row = 0;
	enum medfw_err err;

	memset(out, 0, sizeof(*out));
	err = medfwi_check_scope(scope, diag);
	if (err != MEDFW_OK)
		return err;
	if (medfwi_q_begin(&q, store, ROLLOUT_WHAT, SQL_ROLLOUT_GET, diag) == MEDFW_OK) {
		medfwi_q_int(&q, id);
		medfwi_q_scope(&q, scope);
		if (medfwi_q_step(&q, &row) == MEDFW_OK && row)
			read_rollout(&q, out);
	}
	err = medfwi_q_end(&q);
	if (err == MEDFW_OK && !row)
		err = medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND, "rollout: no rollout with id %lld",
				     (long long)id);
	if (err != MEDFW_OK)
		memset(out, 0, sizeof(*out));
	return err;
}

struct rollout_list_arg {
	struct medfw_store_scope scope;
	enum medfw_store_rollout_state state;
	int64_t offset;
	struct medfw_store_rollout *out;
	size_t cap, count;
	int64_t total;
};

static void bind_rollout_filter(struct medfwi_q *q, const struct rollout_list_arg *a)
{
	medfwi_q_scope(q, a->scope);
	medfwi_q_int(q, (int64_t)a->state);
	medfwi_q_text(q, medfw_store_rollout_state_name(a->state));
}

static enum medfw_err rollout_list_fn(struct medfw_store *tx, void *arg, struct medfw_diag *diag)
{
	struct rollout_list_arg *a = arg;
	struct medfwi_q q;
	int row = 0;
	enum medfw_err err;

	a->count = 0;
	if (medfwi_q_begin(&q, tx, ROLLOUT_WHAT, SQL_ROLLOUT_COUNT, diag) == MEDFW_OK) {
		bind_rollout_filter(&q, a);
		if (medfwi_q_step(&q, &row) == MEDFW_OK && row)
			a->total = medfwi_q_col_int(&q, 0);
	}
	err = medfwi_q_end(&q);
	if (err != MEDFW_OK || a->cap == 0)
		return err;
	if (medfwi_q_begin(&q, tx, ROLLOUT_WHAT, SQL_ROLLOUT_LIST, diag) == MEDFW_OK) {
		bind_rollout_filter(&q, a);
		medfwi_q_int(&q, (int64_t)a->cap);
		medfwi_q_int(&q, a->offset);
		while (a->count < a->cap && medfwi_q_step(&q, &row) == MEDFW_OK && row) {
			memset(&a->out[a->count], 0, sizeof(a->out[0]));
			read_rollout(&q, &a->out[a->count++]);
		}
	}
	return medfwi_q_end(&q);
}

enum medfw_err medfw_store_rollout_list(struct medfw_store *store, struct medfw_store_scope scope,
					enum medfw_store_rollout_state state, int64_t offset,
					struct medfw_store_rollout *out, size_t cap,
					size_t *out_count, int64_t *out_total,
					struct medfw_diag *diag)
{
	struct rollout_list_arg a;
	enum medfw_err err;

	*out_count = 0;
	if (out_total != NULL)
		*out_total = 0;
	err = medfwi_check_scope(scope, diag);
	if (err != MEDFW_OK)
		return err;
	if (offset < 0 || cap > INT32_MAX || (cap > 0 && out == NULL))
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "rollout: bad page");
	if (state != 0 && medfw_store_rollout_state_name(state) == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "rollout filter: unknown state");
	memset(&a, 0, sizeof(a));
	a.scope = scope;
	a.state = state;
	a.offset = offset;
	a.out = out;
	a.cap = cap;
	err = medfwi_run(store, MEDFWI_TX_READ, rollout_list_fn, &a, diag);
	if (err != MEDFW_OK) {
		if (a.count > 0)
			memset(out, 0, a.count * sizeof(*out));
		return err;
	}
	*out_count = a.count;
	if (out_total != NULL)
		*out_total = a.total;
	return MEDFW_OK;
}

enum medfw_err medfw_store_rollout_ids(struct medfw_store *store,
				       const enum medfw_store_rollout_state *states,
				       size_t state_count, int64_t *out, size_t cap,
				       size_t *out_count, struct medfw_diag *diag)
{
	struct medfwi_q q;
	int row = 0;
	size_t n = 0;
	enum medfw_err err;

	*out_count = 0;
	if (states == NULL || state_count == 0 || state_count > ROLLOUT_IDS_STATES ||
	    cap > INT32_MAX || (cap > 0 && out == NULL))
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
				      "rollout ids: 1 to %d states and an output are needed",
				      ROLLOUT_IDS_STATES);
	for (size_t i = 0; i < state_count; i++)
		if (medfw_store_rollout_state_name(states[i]) == NULL)
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					      "rollout ids: states[%zu] invalid", i);
	if (cap == 0)
		return MEDFW_OK;
	if (medfwi_q_begin(&q, store, ROLLOUT_WHAT, SQL_ROLLOUT_IDS, diag) == MEDFW_OK) {
		/* unused places repeat the first state */
		for (size_t i = 0; i < ROLLOUT_IDS_STATES; i++)
			medfwi_q_text(&q, medfw_store_rollout_state_name(
						  states[i < state_count ? i : 0]));
		medfwi_q_int(&q, (int64_t)cap);
		while (n < cap && medfwi_q_step(&q, &row) == MEDFW_OK && row)
			out[n++] = medfwi_q_col_int(&q, 0);
	}
	err = medfwi_q_end(&q);
	if (err != MEDFW_OK) {
		memset(out, 0, n * sizeof(*out));
		return err;
	}
	*out_count = n;
	return MEDFW_OK;
}

struct save_arg {
	const struct medfw_store_rollout *r;
	enum medfw_store_rollout_state expect;
	int64_t updated_at;
};

static enum medfw_err save_fn(struct medfw_store *tx, void *arg, struct medfw_diag *diag)
{
	struct save_arg *a = arg;
	const struct medfw_store_rollout *r = a->r;
	char stored[MEDFW_STORE_SHORT_MAX + 1] = "";
	struct medfwi_q q;
	int64_t changed = 0;
	int row = 0;
	enum medfw_err err;

	if (medfwi_q_begin(&q, tx, ROLLOUT_WHAT, SQL_ROLLOUT_SAVE, diag) == MEDFW_OK) {
		medfwi_q_text(&q, medfw_store_rollout_state_name(r->state));
		medfwi_q_text(&q, r->state_reason);
		medfwi_q_int(&q, r->current_wave);
		medfwi_q_int0(&q, r->approved_by);
		medfwi_q_int0(&q, r->approved_at);
		medfwi_q_int0(&q, r->started_at);
		medfwi_q_int0(&q, r->finished_at);
		medfwi_q_int(&q, a->updated_at);
		medfwi_q_int(&q, r->id);
		medfwi_q_text(&q, medfw_store_rollout_state_name(a->expect));
		medfwi_q_exec(&q, &changed);
	}
	err = medfwi_q_end(&q);
	if (err != MEDFW_OK || changed == 1)
		return err;
	/* nothing written: say whether the rollout is unknown or has moved on */
	if (medfwi_q_begin(&q, tx, ROLLOUT_WHAT, SQL_ROLLOUT_STATE, diag) == MEDFW_OK) {
		medfwi_q_int(&q, r->id);
		if (medfwi_q_step(&q, &row) == MEDFW_OK && row)
			medfwi_q_col_text(&q, 0, stored, sizeof(stored));
	}
	err = medfwi_q_end(&q);
	if (err != MEDFW_OK)
		return err;
	if (!row)
		return medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND, "rollout: no rollout with id %lld",
				      (long long)r->id);
	return medfw_diag_set(diag, MEDFW_ERR_STATE,
			      "rollout: rollout %lld is %s, not %s (changed meanwhile)",
			      (long long)r->id, stored, medfw_store_rollout_state_name(a->expect));
}

enum medfw_err medfw_store_rollout_save(struct medfw_store *store,
					const struct medfw_store_rollout *rollout,
					enum medfw_store_rollout_state expect,
					struct medfw_diag *diag)
{
	struct save_arg a;
	enum medfw_err err;

	if (rollout == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "rollout: NULL");
	err = check_mutable(rollout, diag);
	if (err != MEDFW_OK)
		return err;
	if (medfw_store_rollout_state_name(expect) == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
				      "rollout: expected state invalid");
	a.r = rollout;
	a.expect = expect;
	a.updated_at = rollout->updated_at != 0 ? rollout->updated_at : medfwi_now(store);
	return medfwi_run(store, MEDFWI_TX_WRITE, save_fn, &a, diag);
}

/* ------------------------------------------------------------------ waves */

static const char SQL_WAVE_PUT[] =
	"INSERT INTO rollout_waves (rollout_id, idx, opened_at, success_at, errors_acknowledged)"
	" VALUES (?, ?, ?, ?, ?)"
	" ON CONFLICT (rollout_id, idx) DO UPDATE SET opened_at = excluded.opened_at,"
	" success_at = excluded.success_at, errors_acknowledged = excluded.errors_acknowledged";
static const char SQL_WAVE_LIST[] =
	"SELECT idx, opened_at, success_at, errors_acknowledged FROM rollout_waves"
	" WHERE rollout_id = ? ORDER BY idx";

enum medfw_err medfw_store_rollout_wave_put(struct medfw_store *store, int64_t rollout_id,
					    const struct medfw_store_rollout_wave *wave,
					    struct medfw_diag *diag)
{
	struct medfwi_q q;

	if (wave == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "rollout wave: NULL");
	if (wave->index < 0 || wave->opened_at < 0 || wave->success_at < 0 ||
	    wave->errors_acknowledged < 0)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "rollout wave: negative index or time");
	if (medfwi_q_begin(&q, store, "rollout wave", SQL_WAVE_PUT, diag) == MEDFW_OK) {
		medfwi_q_int(&q, rollout_id);
		medfwi_q_int(&q, wave->index);
		medfwi_q_int(&q, wave->opened_at);
		medfwi_q_int0(&q, wave->success_at);
		medfwi_q_int(&q, wave->errors_acknowledged);
		medfwi_q_exec(&q, NULL);
	}
	return medfwi_q_end(&q);
}

enum medfw_err medfw_store_rollout_wave_list(struct medfw_store *store, int64_t rollout_id,
					     struct medfw_store_rollout_wave *out, size_t cap,
					     size_t *out_count, struct medfw_diag *diag)
{
	struct medfwi_q q;
	int row = 0;
	size_t n = 0;
	enum medfw_err err;

	*out_count = 0;
	if (cap > 0 && out == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "rollout wave: no output");
	if (medfwi_q_begin(&q, store, "rollout wave", SQL_WAVE_LIST, diag) == MEDFW_OK) {
		medfwi_q_int(&q, rollout_id);
		while (medfwi_q_step(&q, &row) == MEDFW_OK && row) {
			if (n == cap) {
				q.err = medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE,
						       "rollout wave: more than %zu waves", cap);
				break;
			}
			out[n].index = medfwi_q_col_int(&q, 0);
			out[n].opened_at = medfwi_q_col_int(&q, 1);
			out[n].success_at = medfwi_q_col_int(&q, 2);
			out[n].errors_acknowledged = medfwi_q_col_int(&q, 3);
			n++;
		}
	}
	err = medfwi_q_end(&q);
	if (err != MEDFW_OK) {
		if (n > 0)
			memset(out, 0, n * sizeof(*out));
		return err;
	}
	*out_count = n;
	return MEDFW_OK;
}

/* ------------------------------------------------------------------ member devices */

/* The rollout a member row belongs to is unfinished and the member is still on its
 * way: the one place that says what "unfinished member" means (candidates'
 * other_rollout and medfw_store_rollout_of_device). */
#define UNFINISHED_MEMBER                                                                  \
	"r.state IN ('awaiting_approval', 'scheduled', 'running', 'paused')"               \
	" AND rd.state NOT IN ('committed', 'failed', 'rolled_back', 'removed')"

static const char SQL_RD_JOIN[] =
	"INSERT INTO rollout_devices (rollout_id, device_id, wave, state, reason, from_version,"
	" from_image_sha256, joined_at, assigned_at, window_start, window_end, updated_at,"
	" done_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
	" ON CONFLICT (rollout_id, device_id) DO NOTHING";
static const char SQL_RD_UPDATE[] =
	"UPDATE rollout_devices SET wave = ?, state = ?, reason = ?, assigned_at = ?,"
	" window_start = ?, window_end = ?, updated_at = ?, done_at = ?"
	" WHERE rollout_id = ? AND device_id = ?";
/* scope all: the OR stops before the lookup; the progress index covers the rest */
static const char SQL_RD_COUNT[] =
	"SELECT wave, state, COUNT(*) FROM rollout_devices rd WHERE rd.rollout_id = ?"
	" AND rd.wave < ? AND (? OR EXISTS (SELECT 1 FROM devices s"
	" WHERE s.id = rd.device_id AND s.site_id = ?)) GROUP BY wave, state";
static const char SQL_RD_DONE[] =
	"SELECT done_at FROM rollout_devices WHERE rollout_id = ? AND state = ?"
	" AND done_at IS NOT NULL ORDER BY done_at LIMIT ?";
static const char SQL_RD_OF_DEVICE[] =
	"SELECT rd.rollout_id FROM rollout_devices rd JOIN rollouts r ON r.id = rd.rollout_id"
	" WHERE rd.device_id = ? AND " UNFINISHED_MEMBER " ORDER BY rd.rollout_id LIMIT 1";

static enum medfw_err member_field(struct medfw_diag *diag, enum medfw_err err, size_t i,
				   const char *field, const char *what)
{
	return medfw_diag_set(diag, err, "rollout device: devices[%zu].%s %s", i, field, what);
}

static enum medfw_err check_member(const struct medfw_store_rollout_device *m, size_t i,
				   int64_t rollout_id, struct medfw_diag *diag)
{
	if (memchr(m->reason, '\0', sizeof(m->reason)) == NULL)
		return member_field(diag, MEDFW_ERR_TOO_LARGE, i, "reason", "is too long");
	if (memchr(m->from_version, '\0', sizeof(m->from_version)) == NULL)
		return member_field(diag, MEDFW_ERR_TOO_LARGE, i, "from_version", "is too long");
	if (memchr(m->from_image_sha256, '\0', sizeof(m->from_image_sha256)) == NULL)
		return member_field(diag, MEDFW_ERR_TOO_LARGE, i, "from_image_sha256",
				    "is too long");
	if (m->rollout_id != 0 && m->rollout_id != rollout_id)
		return member_field(diag, MEDFW_ERR_FIELD_VALUE, i, "rollout_id",
				    "is another rollout's");
	if (m->device_id <= 0)
		return member_field(diag, MEDFW_ERR_FIELD_VALUE, i, "device_id", "is not an id");
	if (m->wave < 0)
		return member_field(diag, MEDFW_ERR_FIELD_VALUE, i, "wave", "is negative");
	if (medfw_store_rollout_device_state_name(m->state) == NULL)
		return member_field(diag, MEDFW_ERR_FIELD_VALUE, i, "state", "is not a known state");
	if (m->joined_at < 0 || m->assigned_at < 0 || m->window_start < 0 || m->window_end < 0 ||
	    m->updated_at < 0 || m->done_at < 0)
		return member_field(diag, MEDFW_ERR_FIELD_VALUE, i, "times", "are negative");
	if (m->window_end != 0 && m->window_end <= m->window_start)
		return member_field(diag, MEDFW_ERR_FIELD_VALUE, i, "window_end",
				    "is not after window_start");
	return MEDFW_OK;
}

struct members_arg {
	int64_t rollout_id;
	const struct medfw_store_rollout_device *devices;
	size_t count;
	int64_t now;
	size_t added;
};

/* A failed statement names the member it was about. */
static enum medfw_err member_failed(struct medfw_diag *diag, enum medfw_err err, size_t i,
				    int64_t device_id, const struct medfw_diag *local)
{
	if (err == MEDFW_ERR_NOT_FOUND)
		return medfw_diag_set(diag, err,
				      "rollout device: devices[%zu]: no device %lld, or no "
				      "rollout",
				      i, (long long)device_id);
	return medfw_diag_set(diag, err, "rollout device: devices[%zu]: %s", i, local->msg);
}

static enum medfw_err join_fn(struct medfw_store *tx, void *arg, struct medfw_diag *diag)
{
	struct members_arg *a = arg;
	struct medfwi_q q;
	int64_t changed = 0;
	enum medfw_err err = MEDFW_OK;

	a->added = 0; /* fn may run again (busy retry) */
	for (size_t i = 0; err == MEDFW_OK && i < a->count; i++) {
		const struct medfw_store_rollout_device *m = &a->devices[i];
		struct medfw_diag local;

		medfw_diag_clear(&local);
		if (medfwi_q_begin(&q, tx, MEMBER_WHAT, SQL_RD_JOIN, &local) == MEDFW_OK) {
			medfwi_q_int(&q, a->rollout_id);
			medfwi_q_int(&q, m->device_id);
			medfwi_q_int(&q, m->wave);
			medfwi_q_text(&q, medfw_store_rollout_device_state_name(m->state));
			medfwi_q_text(&q, m->reason);
			medfwi_q_text(&q, m->from_version);
			medfwi_q_text(&q, m->from_image_sha256);
			medfwi_q_int(&q, m->joined_at != 0 ? m->joined_at : a->now);
			medfwi_q_int0(&q, m->assigned_at);
			medfwi_q_int0(&q, m->window_start);
			medfwi_q_int0(&q, m->window_end);
			medfwi_q_int(&q, m->updated_at != 0 ? m->updated_at : a->now);
			medfwi_q_int0(&q, m->done_at);
			medfwi_q_exec(&q, &changed);
		}
		err = medfwi_q_end(&q);
		if (err != MEDFW_OK)
			return member_failed(diag, err, i, m->device_id, &local);
		if (changed > 0)
			a->added++;
	}
	return err;
}

static enum medfw_err check_members(const struct medfw_store_rollout_device *devices,
				    size_t count, int64_t rollout_id, struct medfw_diag *diag)
{
	enum medfw_err err = MEDFW_OK;

	if (rollout_id <= 0 || (count > 0 && devices == NULL))
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
				      "rollout device: no rollout or no devices");
	for (size_t i = 0; err == MEDFW_OK && i < count; i++)
		err = check_member(&devices[i], i, rollout_id, diag);
	return err;
}

enum medfw_err medfw_store_rollout_devices_join(struct medfw_store *store, int64_t rollout_id,
						const struct medfw_store_rollout_device *devices,
						size_t count, size_t *out_added,
						struct medfw_diag *diag)
{
	struct members_arg a;
	enum medfw_err err;

	if (out_added != NULL)
		*out_added = 0;
	err = check_members(devices, count, rollout_id, diag);
	if (err != MEDFW_OK || count == 0)
		return err;
	memset(&a, 0, sizeof(a));
	a.rollout_id = rollout_id;
	a.devices = devices;
	a.count = count;
	a.now = medfwi_now(store);
	err = medfwi_run(store, MEDFWI_TX_WRITE, join_fn, &a, diag);
	if (err == MEDFW_OK && out_added != NULL)
		*out_added = a.added;
	return err;
}

static enum medfw_err update_fn(struct medfw_store *tx, void *arg, struct medfw_diag *diag)
{
	struct members_arg *a = arg;
	struct medfwi_q q;
	int64_t changed = 0;
	enum medfw_err err = MEDFW_OK;

	for (size_t i = 0; err == MEDFW_OK && i < a->count; i++) {
		const struct medfw_store_rollout_device *m = &a->devices[i];
		struct medfw_diag local;

		medfw_diag_clear(&local);
		if (medfwi_q_begin(&q, tx, MEMBER_WHAT, SQL_RD_UPDATE, &local) == MEDFW_OK) {
			medfwi_q_int(&q, m->wave);
			medfwi_q_text(&q, medfw_store_rollout_device_state_name(m->state));
			medfwi_q_text(&q, m->reason);
			medfwi_q_int0(&q, m->assigned_at);
			medfwi_q_int0(&q, m->window_start);
			medfwi_q_int0(&q, m->window_end);
			medfwi_q_int(&q, m->updated_at != 0 ? m->updated_at : a->now);
			medfwi_q_int0(&q, m->done_at);
			medfwi_q_int(&q, a->rollout_id);
			medfwi_q_int(&q, m->device_id);
			medfwi_q_exec(&q, &changed);
		}
		err = medfwi_q_end(&q);
		if (err != MEDFW_OK)
			return member_failed(diag, err, i, m->device_id, &local);
		if (changed == 0)
			return medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND,
					      "rollout device: devices[%zu]: device %lld is not a "
					      "member of rollout %lld",
					      i, (long long)m->device_id, (long long)a->rollout_id);
	}
	return err;
}

enum medfw_err medfw_store_rollout_devices_update(struct medfw_store *store, int64_t rollout_id,
						  const struct medfw_store_rollout_device *devices,
						  size_t count, struct medfw_diag *diag)
{
	struct members_arg a;
	enum medfw_err err = check_members(devices, count, rollout_id, diag);

	if (err != MEDFW_OK || count == 0)
		return err;
	memset(&a, 0, sizeof(a));
	a.rollout_id = rollout_id;
	a.devices = devices;
	a.count = count;
	a.now = medfwi_now(store);
	return medfwi_run(store, MEDFWI_TX_WRITE, update_fn, &a, diag);
}

/* ---- listing ---- */

#define MEMBER_COLS                                                                         \
	"rd.rollout_id, rd.device_id, rd.wave, rd.state, rd.reason, rd.from_version,"       \
	" rd.from_image_sha256, rd.joined_at, rd.assigned_at, rd.window_start,"             \
	" rd.window_end, rd.updated_at, rd.done_at, d.site_id, d.serial, d.department,"     \
	" d.hardware_id, d.firmware_version, d.image_sha256, d.enrolment_state,"            \
	" d.clinical_state, d.last_seen, d.update_state, d.update_target, d.update_reason," \
	" d.update_at"

struct members_list_arg {
	struct medfw_store_scope scope;
	int64_t rollout_id;
	struct medfw_store_rollout_device_filter f;
	int64_t offset;
	struct medfw_store_rollout_device *out;
	size_t cap, count;
	int64_t total;
};

/* Constant fragments; values bound in the same order by bind_members_where. With
 * wave and state given, the progress index yields the page in device order. */
static enum medfw_err members_where(struct medfw_buf *sql, const struct members_list_arg *a)
{
	enum medfw_err err = medfw_buf_append_str(
		sql, " WHERE rd.rollout_id = ? AND (? OR EXISTS (SELECT 1 FROM devices s"
		     " WHERE s.id = rd.device_id AND s.site_id = ?))");

	if (err == MEDFW_OK && a->f.wave >= 0)
		err = medfw_buf_append_str(sql, " AND rd.wave = ?");
	if (err == MEDFW_OK && a->f.state != 0)
		err = medfw_buf_append_str(sql, " AND rd.state = ?");
	if (err == MEDFW_OK && a->f.by_device)
		err = medfw_buf_append_str(sql, " AND rd.device_id > ?");
	return err;
}

static void bind_members_where(struct medfwi_q *q, const struct members_list_arg *a)
{
	medfwi_q_int(q, a->rollout_id);
	medfwi_q_scope(q, a->scope);
	if (a->f.wave >= 0)
		medfwi_q_int(q, a->f.wave);
	if (a->f.state != 0)
		medfwi_q_text(q, medfw_store_rollout_device_state_name(a->f.state));
	if (a->f.by_device)
		medfwi_q_int(q, a->f.after_device_id);
}

static void read_member(struct medfwi_q *q, struct medfw_store_rollout_device *m)
{
	char name[MEDFW_STORE_SHORT_MAX + 1];

	memset(m, 0, sizeof(*m));
	m->rollout_id = medfwi_q_col_int(q, 0);
	m->device_id = medfwi_q_col_int(q, 1);
	m->wave = medfwi_q_col_int(q, 2);
	medfwi_q_col_text(q, 3, name, sizeof(name));
	if (medfw_store_rollout_device_state_parse(name, &m->state) != MEDFW_OK &&
	    q->err == MEDFW_OK)
		q->err = medfw_diag_set(q->diag, MEDFW_ERR_FIELD_VALUE,
					"rollout device: stored state invalid");
	medfwi_q_col_text(q, 4, m->reason, sizeof(m->reason));
	medfwi_q_col_text(q, 5, m->from_version, sizeof(m->from_version));
	medfwi_q_col_text(q, 6, m->from_image_sha256, sizeof(m->from_image_sha256));
	m->joined_at = medfwi_q_col_int(q, 7);
	m->assigned_at = medfwi_q_col_int(q, 8);
	m->window_start = medfwi_q_col_int(q, 9);
	m->window_end = medfwi_q_col_int(q, 10);
	m->updated_at = medfwi_q_col_int(q, 11);
	m->done_at = medfwi_q_col_int(q, 12);
	m->site_id = medfwi_q_col_int(q, 13);
	medfwi_q_col_text(q, 14, m->serial, sizeof(m->serial));
	medfwi_q_col_text(q, 15, m->department, sizeof(m->department));
	medfwi_q_col_text(q, 16, m->hardware_id, sizeof(m->hardware_id));
	medfwi_q_col_text(q, 17, m->firmware_version, sizeof(m->firmware_version));
	medfwi_q_col_text(q, 18, m->image_sha256, sizeof(m->image_sha256));
	medfwi_q_col_text(q, 19, name, sizeof(name));
	if (medfw_store_enrolment_state_parse(name, &m->enrolment_state) != MEDFW_OK &&
	    q->err == MEDFW_OK)
		q->err = medfw_diag_set(q->diag, MEDFW_ERR_FIELD_VALUE,
					"rollout device: stored enrolment_state invalid");
	medfwi_q_col_text(q, 20, name, sizeof(name));
	if (medfw_store_clinical_state_parse(name, &m->clinical_state) != MEDFW_OK &&
	    q->err == MEDFW_OK)
		q->err = medfw_diag_set(q->diag, MEDFW_ERR_FIELD_VALUE,
					"rollout device: stored clinical_state invalid");
	m->last_seen = medfwi_q_col_int(q, 21);
	medfwi_q_col_text(q, 22, name, sizeof(name));
	m->update_state = MEDFW_UPDATE_NONE;
	if (name[0] != '\0' && medfw_store_update_event_parse(name, &m->update_state) != MEDFW_OK &&
	    q->err == MEDFW_OK)
		q->err = medfw_diag_set(q->diag, MEDFW_ERR_FIELD_VALUE,
					"rollout device: stored update_state invalid");
	medfwi_q_col_text(q, 23, m->update_target, sizeof(m->update_target));
	medfwi_q_col_text(q, 24, m->update_reason, sizeof(m->update_reason));
	m->update_at = medfwi_q_col_int(q, 25);
}

static enum medfw_err members_list_fn(struct medfw_store *tx, void *arg, struct medfw_diag *diag)
{
	struct members_list_arg *a = arg;
	struct medfw_buf sql;
	struct medfwi_q q;
	int row = 0;
	enum medfw_err err;

	a->count = 0;
	medfw_buf_init(&sql, 2048);
	if (!a->f.by_device) {
		err = medfw_buf_append_str(&sql, "SELECT COUNT(*) FROM rollout_devices rd");
		if (err == MEDFW_OK)
			err = members_where(&sql, a);
		if (err != MEDFW_OK)
			goto out;
		if (medfwi_q_begin_dynamic(&q, tx, MEMBER_WHAT, (const char *)sql.data, diag) ==
		    MEDFW_OK) {
			bind_members_where(&q, a);
			if (medfwi_q_step(&q, &row) == MEDFW_OK && row)
				a->total = medfwi_q_col_int(&q, 0);
		}
		err = medfwi_q_end(&q);
		if (err != MEDFW_OK || a->cap == 0)
			goto out;
		medfw_buf_reset(&sql);
	}
	err = medfw_buf_append_str(&sql, "SELECT " MEMBER_COLS " FROM rollout_devices rd"
					 " JOIN devices d ON d.id = rd.device_id");
	if (err == MEDFW_OK)
		err = members_where(&sql, a);
	if (err == MEDFW_OK)
		err = medfw_buf_append_str(&sql, a->f.by_device
							 ? " ORDER BY rd.device_id LIMIT ? OFFSET ?"
							 : " ORDER BY rd.wave, rd.device_id LIMIT ? OFFSET ?");
	if (err != MEDFW_OK)
		goto out;
	if (medfwi_q_begin_dynamic(&q, tx, MEMBER_WHAT, (const char *)sql.data, diag) == MEDFW_OK) {
		bind_members_where(&q, a);
		medfwi_q_int(&q, (int64_t)a->cap);
		medfwi_q_int(&q, a->offset);
		while (a->count < a->cap && medfwi_q_step(&q, &row) == MEDFW_OK && row)
			read_member(&q, &a->out[a->count++]);
	}
	err = medfwi_q_end(&q);
out:
	medfw_buf_free(&sql);
	if (err != MEDFW_OK && diag != NULL && diag->msg[0] == '\0')
		medfw_diag_set(diag, err, "rollout device: listing query too large");
	return err;
}

enum medfw_err medfw_store_rollout_devices_list(
	struct medfw_store *store, struct medfw_store_scope scope, int64_t rollout_id,
	const struct medfw_store_rollout_device_filter *filter, int64_t offset,
	struct medfw_store_rollout_device *out, size_t cap, size_t *out_count, int64_t *out_total,
	struct medfw_diag *diag)
{
	struct members_list_arg a;
	enum medfw_err err;

	*out_count = 0;
	if (out_total != NULL)
		*out_total = 0;
	err = medfwi_check_scope(scope, diag);
	if (err != MEDFW_OK)
		return err;
	if (offset < 0 || cap > INT32_MAX || (cap > 0 && out == NULL))
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "rollout device: bad page");
	memset(&a, 0, sizeof(a));
	a.f.wave = -1;
	if (filter != NULL)
		a.f = *filter;
	if (a.f.state != 0 && medfw_store_rollout_device_state_name(a.f.state) == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "rollout device filter: unknown state");
	if (a.f.wave < -1)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "rollout device filter: wave below -1");
	if (a.f.by_device && (offset != 0 || a.f.after_device_id < 0))
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
				      "rollout device filter: keyset paging takes no offset");
	a.scope = scope;
	a.rollout_id = rollout_id;
	a.offset = offset;
	a.out = out;
	a.cap = cap;
	err = medfwi_run(store, MEDFWI_TX_READ, members_list_fn, &a, diag);
	if (err != MEDFW_OK) {
		if (a.count > 0)
			memset(out, 0, a.count * sizeof(*out));
		return err;
	}
	*out_count = a.count;
	if (out_total != NULL)
		*out_total = a.total;
	return MEDFW_OK;
}

enum medfw_err medfw_store_rollout_devices_count(struct medfw_store *store,
						 struct medfw_store_scope scope,
						 int64_t rollout_id, size_t wave_count,
						 int64_t *counts, struct medfw_diag *diag)
{
	struct medfwi_q q;
	int row = 0;
	enum medfw_err err;

	if (wave_count > (size_t)INT32_MAX / MEDFW_RD_STATE_COUNT ||
	    (wave_count > 0 && counts == NULL))
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
				      "rollout device: bad wave count or no output");
	if (wave_count > 0)
		memset(counts, 0, wave_count * MEDFW_RD_STATE_COUNT * sizeof(*counts));
	err = medfwi_check_scope(scope, diag);
	if (err != MEDFW_OK || wave_count == 0)
		return err;
	if (medfwi_q_begin(&q, store, MEMBER_WHAT, SQL_RD_COUNT, diag) == MEDFW_OK) {
		medfwi_q_int(&q, rollout_id);
		medfwi_q_int(&q, (int64_t)wave_count);
		medfwi_q_scope(&q, scope);
		while (medfwi_q_step(&q, &row) == MEDFW_OK && row) {
			char name[MEDFW_STORE_SHORT_MAX + 1];
			enum medfw_store_rollout_device_state s;
			int64_t wave = medfwi_q_col_int(&q, 0);

			medfwi_q_col_text(&q, 1, name, sizeof(name));
			if (medfw_store_rollout_device_state_parse(name, &s) != MEDFW_OK) {
				q.err = medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
						       "rollout device: stored state invalid");
				break;
			}
			if (wave >= 0 && (uint64_t)wave < wave_count)
				counts[(size_t)wave * MEDFW_RD_STATE_COUNT + (size_t)s] =
					medfwi_q_col_int(&q, 2);
		}
	}
	err = medfwi_q_end(&q);
	if (err != MEDFW_OK)
		memset(counts, 0, wave_count * MEDFW_RD_STATE_COUNT * sizeof(*counts));
	return err;
}

enum medfw_err medfw_store_rollout_done_times(struct medfw_store *store, int64_t rollout_id,
					      enum medfw_store_rollout_device_state state,
					      int64_t *out, size_t cap, size_t *out_count,
					      struct medfw_diag *diag)
{
	struct medfwi_q q;
	int row = 0;
	size_t n = 0;
	enum medfw_err err;

	*out_count = 0;
	if (cap > INT32_MAX || (cap > 0 && out == NULL))
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "rollout device: bad output");
	if (medfw_store_rollout_device_state_name(state) == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "rollout device: state invalid");
	if (cap == 0)
		return MEDFW_OK;
	if (medfwi_q_begin(&q, store, MEMBER_WHAT, SQL_RD_DONE, diag) == MEDFW_OK) {
		medfwi_q_int(&q, rollout_id);
		medfwi_q_text(&q, medfw_store_rollout_device_state_name(state));
		medfwi_q_int(&q, (int64_t)cap);
		while (n < cap && medfwi_q_step(&q, &row) == MEDFW_OK && row)
			out[n++] = medfwi_q_col_int(&q, 0);
	}
	err = medfwi_q_end(&q);
	if (err != MEDFW_OK) {
		memset(out, 0, n * sizeof(*out));
		return err;
	}
	*out_count = n;
	return MEDFW_OK;
}

enum medfw_err medfw_store_rollout_of_device(struct medfw_store *store, int64_t device_id,
					     int64_t *out_rollout_id, struct medfw_diag *diag)
{
	struct medfwi_q q;
	int row = 0;
	enum medfw_err err;

	*out_rollout_id = 0;
	if (medfwi_q_begin(&q, store, MEMBER_WHAT, SQL_RD_OF_DEVICE, diag) == MEDFW_OK) {
		medfwi_q_int(&q, device_id);
		if (medfwi_q_step(&q, &row) == MEDFW_OK && row)
			*out_rollout_id = medfwi_q_col_int(&q, 0);
	}
	err = medfwi_q_end(&q);
	if (err != MEDFW_OK)
		*out_rollout_id = 0;
	return err;
}

/* ------------------------------------------------------------------ selection */

/* One optional list of the selector: its SQL is " AND <column> IN (?, ...)" or, for
 * tags, " AND (<tag match> OR ...)"; values are only ever bound. */
enum list_kind { LIST_INT, LIST_TEXT, LIST_TAG };

struct sel_list {
	const char *name;
	enum list_kind kind;
	const char *column; /* LIST_INT, LIST_TEXT */
	size_t max;         /* LIST_TEXT: bytes of one value */
	const int64_t *ints;
	const char *const *texts;
	size_t count;
};

#define SEL_LISTS 8

static void selector_lists(const struct medfw_store_selector *s, struct sel_list out[SEL_LISTS])
{
	const struct sel_list lists[SEL_LISTS] = {
		{"site_ids", LIST_INT, "d.site_id", 0, s->site_ids, NULL, s->site_count},
		{"models", LIST_TEXT, "d.model", MEDFW_STORE_NAME_MAX, NULL, s->models,
		 s->model_count},
		{"hardware_ids", LIST_TEXT, "d.hardware_id", MEDFW_STORE_NAME_MAX, NULL,
		 s->hardware_ids, s->hardware_id_count},
		{"firmware_versions", LIST_TEXT, "d.firmware_version", MEDFW_STORE_SHORT_MAX, NULL,
		 s->firmware_versions, s->firmware_version_count},
		{"departments", LIST_TEXT, "d.department", MEDFW_STORE_NAME_MAX, NULL,
		 s->departments, s->department_count},
		{"network_zones", LIST_TEXT, "d.network_zone", MEDFW_STORE_SHORT_MAX, NULL,
		 s->network_zones, s->network_zone_count},
		{"tags", LIST_TAG, NULL, MEDFW_STORE_TAG_MAX, NULL, s->tags, s->tag_count},
		{"device_ids", LIST_INT, "d.id", 0, s->device_ids, NULL, s->device_id_count},
	};

	memcpy(out, lists, sizeof(lists));
}

static enum medfw_err check_selector(const struct sel_list *lists, struct medfw_diag *diag)
{
	for (size_t l = 0; l < SEL_LISTS; l++) {
		const struct sel_list *sl = &lists[l];

		if (sl->count > MEDFW_STORE_SELECTOR_LIST_MAX)
			return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE,
					      "selector: %s has more than %d values", sl->name,
					      MEDFW_STORE_SELECTOR_LIST_MAX);
		if (sl->count > 0 && (sl->kind == LIST_INT ? sl->ints == NULL : sl->texts == NULL))
			return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "selector: %s is NULL",
					      sl->name);
		for (size_t i = 0; i < sl->count; i++) {
			const char *t = sl->kind == LIST_INT ? NULL : sl->texts[i];

			if (sl->kind == LIST_INT && sl->ints[i] <= 0)
				return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
						      "selector: %s[%zu] is not an id", sl->name, i);
			if (sl->kind == LIST_INT)
				continue;
			if (t == NULL)
				return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
						      "selector: %s[%zu] is NULL", sl->name, i);
			if (memchr(t, '\0', sl->max + 1) == NULL)
				return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE,
						      "selector: %s[%zu] is longer than %zu bytes",
						      sl->name, i, sl->max);
			/* a tag with a "," could match across two tags */
			if (sl->kind == LIST_TAG && !medfw_store_tag_valid(t))
				return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
						      "selector: tags[%zu] is not 1 to %d characters "
						      "of A-Z a-z 0-9 . _ : -",
						      i, MEDFW_STORE_TAG_MAX);
		}
	}
	return MEDFW_OK;
}

struct cand_arg {
	struct medfw_store_scope scope;
	struct sel_list lists[SEL_LISTS];
	int64_t rollout_id, after_id;
	struct medfw_store_candidate *out;
	size_t cap, count;
};

static enum medfw_err candidates_sql(struct medfw_buf *sql, const struct cand_arg *a)
{
	enum medfw_err err = medfw_buf_append_str(
		sql, "SELECT d.id, d.site_id, d.department, d.hardware_id, d.firmware_version,"
		     " d.image_sha256, (SELECT rd.rollout_id FROM rollout_devices rd"
		     " JOIN rollouts r ON r.id = rd.rollout_id WHERE rd.device_id = d.id"
		     " AND rd.rollout_id <> ? AND " UNFINISHED_MEMBER
		     " ORDER BY rd.rollout_id LIMIT 1)"
		     " FROM devices d WHERE (? OR d.site_id = ?) AND d.enrolment_state = 'enrolled'"
		     " AND d.id > ? AND NOT EXISTS (SELECT 1 FROM rollout_devices m"
		     " WHERE m.rollout_id = ? AND m.device_id = d.id)");

	for (size_t l = 0; err == MEDFW_OK && l < SEL_LISTS; l++) {
		const struct sel_list *sl = &a->lists[l];

		if (sl->count == 0)
			continue;
		if (sl->kind == LIST_TAG) {
			err = medfw_buf_append_str(sql, " AND (");
			for (size_t i = 0; err == MEDFW_OK && i < sl->count; i++) {
				if (i > 0)
					err = medfw_buf_append_str(sql, " OR ");
				if (err == MEDFW_OK)
					err = medfw_buf_append_str(
						sql, "instr(',' || d.tags || ',', ',' || ? || ',') > 0");
			}
		} else {
			err = medfw_buf_append_str(sql, " AND ");
			if (err == MEDFW_OK)
				err = medfw_buf_append_str(sql, sl->column);
			if (err == MEDFW_OK)
				err = medfw_buf_append_str(sql, " IN (?");
			for (size_t i = 1; err == MEDFW_OK && i < sl->count; i++)
				err = medfw_buf_append_str(sql, ", ?");
		}
		if (err == MEDFW_OK)
			err = medfw_buf_append_str(sql, ")");
	}
	if (err == MEDFW_OK)
		err = medfw_buf_append_str(sql, " ORDER BY d.id LIMIT ?");
	return err;
}

static enum medfw_err candidates_fn(struct medfw_store *tx, void *arg, struct medfw_diag *diag)
{
	struct cand_arg *a = arg;
	struct medfw_buf sql;
	struct medfwi_q q;
	int row = 0;
	enum medfw_err err;

	a->count = 0;
	medfw_buf_init(&sql, SELECTOR_SQL_MAX);
	err = candidates_sql(&sql, a);
	if (err != MEDFW_OK) {
		medfw_buf_free(&sql);
		return medfw_diag_set(diag, err, "selector: query too large");
	}
	if (medfwi_q_begin_dynamic(&q, tx, "selector", (const char *)sql.data, diag) == MEDFW_OK) {
		medfwi_q_int(&q, a->rollout_id);
		medfwi_q_scope(&q, a->scope);
		medfwi_q_int(&q, a->after_id);
		medfwi_q_int(&q, a->rollout_id);
		for (size_t l = 0; l < SEL_LISTS; l++) {
			const struct sel_list *sl = &a->lists[l];

			for (size_t i = 0; i < sl->count; i++) {
				if (sl->kind == LIST_INT)
					medfwi_q_int(&q, sl->ints[i]);
				else
					medfwi_q_text(&q, sl->texts[i]);
			}
		}
		medfwi_q_int(&q, (int64_t)a->cap);
		while (a->count < a->cap && medfwi_q_step(&q, &row) == MEDFW_OK && row) {
			struct medfw_store_candidate *c = &a->out[a->count++];

			memset(c, 0, sizeof(*c));
			c->device_id = medfwi_q_col_int(&q, 0);
			c->site_id = medfwi_q_col_int(&q, 1);
			medfwi_q_col_text(&q, 2, c->department, sizeof(c->department));
			medfwi_q_col_text(&q, 3, c->hardware_id, sizeof(c->hardware_id));
			medfwi_q_col_text(&q, 4, c->firmware_version, sizeof(c->firmware_version));
			medfwi_q_col_text(&q, 5, c->image_sha256, sizeof(c->image_sha256));
			c->other_rollout = medfwi_q_col_int(&q, 6);
		}
	}
	err = medfwi_q_end(&q);
	medfw_buf_free(&sql);
	return err;
}

enum medfw_err medfw_store_rollout_candidates(struct medfw_store *store,
					      struct medfw_store_scope scope,
					      const struct medfw_store_selector *selector,
					      int64_t rollout_id, int64_t after_id,
					      struct medfw_store_candidate *out, size_t cap,
					      size_t *out_count, struct medfw_diag *diag)
{
	struct cand_arg a;
	enum medfw_err err;

	*out_count = 0;
	err = medfwi_check_scope(scope, diag);
	if (err != MEDFW_OK)
		return err;
	if (selector == NULL || rollout_id < 0 || after_id < 0 || cap > INT32_MAX ||
	    (cap > 0 && out == NULL))
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
				      "selector: bad selector, rollout, cursor or page");
	memset(&a, 0, sizeof(a));
	selector_lists(selector, a.lists);
	err = check_selector(a.lists, diag);
	if (err != MEDFW_OK || cap == 0)
		return err;
	a.scope = scope;
	a.rollout_id = rollout_id;
	a.after_id = after_id;
	a.out = out;
	a.cap = cap;
	err = medfwi_run(store, MEDFWI_TX_NONE, candidates_fn, &a, diag);
	if (err != MEDFW_OK) {
		memset(out, 0, a.count * sizeof(*out));
		return err;
	}
	*out_count = a.count;
	return MEDFW_OK;
}
