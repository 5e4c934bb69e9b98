/* Audit trail persistence: chained appends under the write lock, ordered reads,
 * checkpoints. Hashing and signing are the caller's. */
#include <string.h>

#include "medfw/buf.h"
#include "store_internal.h"

#define AUDIT_COLS "seq, time, actor_type, actor_id, site_id, event, detail, prev_hash, hash"

static const char SQL_AUDIT_HEAD[] =
	"SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1";
static const char SQL_AUDIT_INSERT[] =
	"INSERT INTO audit_log (seq, time, actor_type, actor_id, site_id, event, detail,"
	" prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char SQL_AUDIT_HASH_AT[] = "SELECT hash FROM audit_log WHERE seq = ?";
static const char SQL_CHECKPOINT_INSERT[] =
	"INSERT INTO audit_checkpoints (seq, hash, signature, key_id, time) VALUES (?, ?, ?, ?, ?)";
static const char SQL_CHECKPOINT_LIST[] =
	"SELECT seq, hash, signature, key_id, time FROM audit_checkpoints WHERE seq > ?"
	" ORDER BY seq LIMIT ?";

/* A person's records: their own, and those of their API tokens (the trail names a
 * token by its id; tokens are never deleted while their user exists). */
#define SQL_AUDIT_BY_USER                                                                  \
	" AND ((actor_type = 'user' AND actor_id = ?) OR (actor_type = 'token' AND actor_id"  \
	" IN (SELECT id FROM api_tokens WHERE user_id = ?)))"

#define SQL_MAX 1024

/* The filter's values, before any SQL is made of them. */
static enum medfw_err check_filter(const struct medfw_store_audit_filter *f,
				   struct medfw_diag *diag)
{
	if (f->after_seq < 0)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "audit filter: after_seq < 0");
	if (f->before_seq < 0)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "audit filter: before_seq < 0");
	if (f->site_id < 0)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "audit filter: site_id < 0");
	if (f->user_id < 0)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "audit filter: user_id < 0");
	/* printable ASCII: substr() counts characters, which are bytes then */
	for (const char *c = f->event_prefix; *c != '\0'; c++)
		if (*c < 0x20 || *c > 0x7e)
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					      "audit filter: event_prefix must be printable ASCII");
	return MEDFW_OK;
}

static enum medfw_err read_head(struct medfw_store *store, int64_t *out_seq, char *out_hash,
				size_t cap, struct medfw_diag *diag)
{
	struct medfwi_q q;
	int row = 0;

	*out_seq = 0;
	memcpy(out_hash, MEDFW_STORE_AUDIT_GENESIS, sizeof(MEDFW_STORE_AUDIT_GENESIS));
	if (medfwi_q_begin(&q, store, "audit", SQL_AUDIT_HEAD, diag) == MEDFW_OK &&
	    medfwi_q_step(&q, &row) == MEDFW_OK && row) {
		*out_seq = medfwi_q_col_int(&q, 0);
		medfwi_q_col_text(&q, 1, out_hash, cap);
	}
	return medfwi_q_end(&q);
}

struct append_arg {
	struct medfw_store_audit *rec;
	medfw_store_audit_hash_fn fn;
	void *user;
};

/* Runs inside a write transaction: no other append can read the same head. */
static enum medfw_err append_fn(struct medfw_store *tx, void *arg, struct medfw_diag *diag)
{
	struct append_arg *a = arg;
	struct medfw_store_audit *r = a->rec;
	struct medfwi_q q;
	int64_t head = 0;
	enum medfw_err err;

	err = read_head(tx, &head, r->prev_hash, sizeof(r->prev_hash), diag);
	if (err != MEDFW_OK)
		return err;
	r->seq = head + 1;
	memset(r->hash, 0, sizeof(r->hash));
	err = a->fn(a->user, r, r->hash, sizeof(r->hash));
	if (err != MEDFW_OK)
		return medfw_diag_set(diag, err, "audit: hash function failed");
	err = medfwi_check_str(r->hash, MEDFW_STORE_HEX_HASH_MAX, 1, "audit", "hash", diag);
	if (err != MEDFW_OK)
		return err;
	if (medfwi_q_begin(&q, tx, "audit", SQL_AUDIT_INSERT, diag) == MEDFW_OK) {
		medfwi_q_int(&q, r->seq);
		medfwi_q_int(&q, r->time);
		medfwi_q_text(&q, medfw_store_actor_type_name(r->actor_type));
		medfwi_q_int0(&q, r->actor_id);
		medfwi_q_int0(&q, r->site_id);
		medfwi_q_text(&q, r->event);
		medfwi_q_text(&q, r->detail);
		medfwi_q_text(&q, r->prev_hash);
		medfwi_q_text(&q, r->hash);
		medfwi_q_exec(&q, NULL);
	}
	return medfwi_q_end(&q);
}

enum medfw_err medfw_store_audit_append(struct medfw_store *store, struct medfw_store_audit *rec,
					medfw_store_audit_hash_fn hash_fn, void *user,
					struct medfw_diag *diag)
{
	struct append_arg a = {rec, hash_fn, user};
	enum medfw_err err;

	if (rec == NULL || hash_fn == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "audit: record or hash function NULL");
	err = medfwi_check_str(rec->event, MEDFW_STORE_EVENT_MAX, 1, "audit", "event", diag);
	if (err == MEDFW_OK)
		err = medfwi_check_str(rec->detail, MEDFW_STORE_JSON_MAX, 0, "audit", "detail", diag);
	if (err != MEDFW_OK)
		return err;
	if (medfw_store_actor_type_name(rec->actor_type) == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "audit: actor_type invalid");
	if (rec->detail[0] == '\0')
		memcpy(rec->detail, "{}", 3);
	/* Durable: an audit record, once appended, survives power loss, and with it every
	 * earlier commit in the write-ahead log. */
	err = medfwi_run(store, MEDFWI_TX_DURABLE, append_fn, &a, diag);
	if (err != MEDFW_OK) {
		rec->seq = 0;
		memset(rec->prev_hash, 0, sizeof(rec->prev_hash));
		memset(rec->hash, 0, sizeof(rec->hash));
	}
	return err;
}

enum medfw_err medfw_store_audit_head(struct medfw_store *store, int64_t *out_seq,
				      char out_hash[MEDFW_STORE_HEX_HASH_MAX + 1],
				      struct medfw_diag *diag)
{
	enum medfw_err err =
		read_head(store, out_seq, out_hash, MEDFW_STORE_HEX_HASH_MAX + 1, diag);

	if (err != MEDFW_OK) {
		*out_seq = 0;
		memset(out_hash, 0, MEDFW_STORE_HEX_HASH_MAX + 1);
	}
	return err;
}

enum medfw_err medfw_store_audit_list(struct medfw_store *store, struct medfw_store_scope scope,
				      const struct medfw_store_audit_filter *filter,
				      struct medfw_store_audit *out, size_t cap, size_t *out_count,
				      struct medfw_diag *diag)
{
	static const struct medfw_store_audit_filter none;
	const struct medfw_store_audit_filter *f = filter != NULL ? filter : &none;
	struct medfw_buf sql;
	struct medfwi_q q;
	int row = 0;
	size_t n = 0;
	enum medfw_err err;

	*out_count = 0;
	err = medfwi_check_scope(scope, diag);
	if (err == MEDFW_OK)
		err = medfwi_check_str(f->event, MEDFW_STORE_EVENT_MAX, 0, "audit filter", "event",
				       diag);
	if (err == MEDFW_OK)
		err = medfwi_check_str(f->event_prefix, MEDFW_STORE_EVENT_MAX, 0, "audit filter",
				       "event_prefix", diag);
	if (err == MEDFW_OK)
		err = check_filter(f, diag);
	if (err != MEDFW_OK)
		return err;
	if (cap > INT32_MAX || (f->actor_type != 0 && medfw_store_actor_type_name(f->actor_type) == NULL))
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "audit filter: bad page or actor_type");
	medfw_buf_init(&sql, SQL_MAX);
	err = medfw_buf_append_str(&sql, "SELECT " AUDIT_COLS
				   " FROM audit_log WHERE seq > ? AND (? OR site_id = ?)");
	if (err == MEDFW_OK && f->before_seq != 0)
		err = medfw_buf_append_str(&sql, " AND seq < ?");
	if (err == MEDFW_OK && f->site_id != 0)
		err = medfw_buf_append_str(&sql, " AND site_id = ?");
	if (err == MEDFW_OK && f->time_from != 0)
		err = medfw_buf_append_str(&sql, " AND time >= ?");
	if (err == MEDFW_OK && f->time_to != 0)
		err = medfw_buf_append_str(&sql, " AND time <= ?");
	if (err == MEDFW_OK && f->actor_type != 0)
		err = medfw_buf_append_str(&sql, " AND actor_type = ?");
	if (err == MEDFW_OK && f->actor_id != 0)
		err = medfw_buf_append_str(&sql, " AND actor_id = ?");
	if (err == MEDFW_OK && f->user_id != 0)
		err = medfw_buf_append_str(&sql, SQL_AUDIT_BY_USER);
	if (err == MEDFW_OK && f->event[0] != '\0')
		err = medfw_buf_append_str(&sql, " AND event = ?");
	if (err == MEDFW_OK && f->event_prefix[0] != '\0')
		err = medfw_buf_append_str(&sql, " AND substr(event, 1, ?) = ?");
	if (err == MEDFW_OK)
		err = medfw_buf_append_str(&sql, f->descending ? " ORDER BY seq DESC LIMIT ?"
							       : " ORDER BY seq LIMIT ?");
	if (err != MEDFW_OK) {
		medfw_buf_free(&sql);
		return medfw_diag_set(diag, err, "audit: query too large");
	}
	if (medfwi_q_begin_dynamic(&q, store, "audit", (const char *)sql.data, diag) == MEDFW_OK) {
		medfwi_q_int(&q, f->after_seq);
		medfwi_q_scope(&q, scope);
		if (f->before_seq != 0)
			medfwi_q_int(&q, f->before_seq);
		if (f->site_id != 0)
			medfwi_q_int(&q, f->site_id);
		if (f->time_from != 0)
			medfwi_q_int(&q, f->time_from);
		if (f->time_to != 0)
			medfwi_q_int(&q, f->time_to);
		if (f->actor_type != 0)
			medfwi_q_text(&q, medfw_store_actor_type_name(f->actor_type));
		if (f->actor_id != 0)
			medfwi_q_int(&q, f->actor_id);
		if (f->user_id != 0) {
			medfwi_q_int(&q, f->user_id);
			medfwi_q_int(&q, f->user_id);
		}
		if (f->event[0] != '\0')
			medfwi_q_text(&q, f->event);
		if (f->event_prefix[0] != '\0') {
			medfwi_q_int(&q, (int64_t)strlen(f->event_prefix));
			medfwi_q_text(&q, f->event_prefix);
		}
		medfwi_q_int(&q, (int64_t)cap);
		while (n < cap && medfwi_q_step(&q, &row) == MEDFW_OK && row) {
			struct medfw_store_audit *r = &out[n++];
			char actor[MEDFW_STORE_SHORT_MAX + 1];

			r->seq = medfwi_q_col_int(&q, 0);
			r->time = medfwi_q_col_int(&q, 1);
			medfwi_q_col_text(&q, 2, actor, sizeof(actor));
			if (medfw_store_actor_type_parse(actor, &r->actor_type) != MEDFW_OK &&
			    q.err == MEDFW_OK)
				q.err = medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
						       "audit: stored actor_type invalid");
			r->actor_id = medfwi_q_col_int(&q, 3);
			r->site_id = medfwi_q_col_int(&q, 4);
			medfwi_q_col_text(&q, 5, r->event, sizeof(r->event));
			medfwi_q_col_text(&q, 6, r->detail, sizeof(r->detail));
			medfwi_q_col_text(&q, 7, r->prev_hash, sizeof(r->prev_hash));
			medfwi_q_col_text(&q, 8, r->hash, sizeof(r->hash));
		}
	}
	err = medfwi_q_end(&q);
	medfw_buf_free(&sql);
	if (err != MEDFW_OK) {
		memset(out, 0, n * sizeof(*out));
		n = 0;
	}
	*out_count = n;
	return err;
}

static enum medfw_err checkpoint_fn(struct medfw_store *tx, void *arg, struct medfw_diag *diag)
{
	const struct medfw_store_checkpoint *c = arg;
	char hash[MEDFW_STORE_HEX_HASH_MAX + 1];
	struct medfwi_q q;
	int row = 0;
	enum medfw_err err;

	hash[0] = '\0';
	if (medfwi_q_begin(&q, tx, "audit_checkpoint", SQL_AUDIT_HASH_AT, diag) == MEDFW_OK) {
		medfwi_q_int(&q, c->seq);
		if (medfwi_q_step(&q, &row) == MEDFW_OK && row)
			medfwi_q_col_text(&q, 0, hash, sizeof(hash));
	}
	err = medfwi_q_end(&q);
	if (err != MEDFW_OK)
		return err;
	if (!row)
		return medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND,
				      "audit_checkpoint: no audit record %lld", (long long)c->seq);
	if (strcmp(hash, c->hash) != 0)
		return medfw_diag_set(diag, MEDFW_ERR_HASH_MISMATCH,
				      "audit_checkpoint: hash differs from record %lld",
				      (long long)c->seq);
	if (medfwi_q_begin(&q, tx, "audit_checkpoint", SQL_CHECKPOINT_INSERT, diag) == MEDFW_OK) {
		medfwi_q_int(&q, c->seq);
		medfwi_q_text(&q, c->hash);
		medfwi_q_text(&q, c->signature);
		medfwi_q_text(&q, c->key_id);
		medfwi_q_int(&q, c->time);
		medfwi_q_exec(&q, NULL);
	}
	return medfwi_q_end(&q);
}

enum medfw_err medfw_store_checkpoint_add(struct medfw_store *store,
					  const struct medfw_store_checkpoint *checkpoint,
					  struct medfw_diag *diag)
{
	enum medfw_err err;

	if (checkpoint == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "audit_checkpoint: NULL");
	err = medfwi_check_str(checkpoint->hash, MEDFW_STORE_HEX_HASH_MAX, 1, "audit_checkpoint",
			       "hash", diag);
	if (err == MEDFW_OK)
		err = medfwi_check_str(checkpoint->signature, MEDFW_STORE_SIGNATURE_MAX, 1,
				       "audit_checkpoint", "signature", diag);
	if (err == MEDFW_OK)
		err = medfwi_check_str(checkpoint->key_id, MEDFW_STORE_NAME_MAX, 1,
				       "audit_checkpoint", "key_id", diag);
	if (err != MEDFW_OK)
		return err;
	return medfwi_run(store, MEDFWI_TX_DURABLE, checkpoint_fn,
			  (void *)(uintptr_t)checkpoint, diag);
}

enum medfw_err medfw_store_checkpoint_list(struct medfw_store *store, int64_t after_seq,
					   struct medfw_store_checkpoint *out, size_t cap,
					   size_t *out_count, struct medfw_diag *diag)
{
	struct medfwi_q q;
	int row = 0;
	size_t n = 0;
	enum medfw_err err;

	*out_count = 0;
	if (cap > INT32_MAX)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "audit_checkpoint: bad page");
	if (medfwi_q_begin(&q, store, "audit_checkpoint", SQL_CHECKPOINT_LIST, diag) == MEDFW_OK) {
		medfwi_q_int(&q, after_seq);
		medfwi_q_int(&q, (int64_t)cap);
		while (n < cap && medfwi_q_step(&q, &row) == MEDFW_OK && row) {
			struct medfw_store_checkpoint *c = &out[n++];

			c->seq = medfwi_q_col_int(&q, 0);
			medfwi_q_col_text(&q, 1, c->hash, sizeof(c->hash));
			medfwi_q_col_text(&q, 2, c->signature, sizeof(c->signature));
			medfwi_q_col_text(&q, 3, c->key_id, sizeof(c->key_id));
			c->time = medfwi_q_col_int(&q, 4);
		}
	}
	err = medfwi_q_end(&q);
	if (err != MEDFW_OK) {
		memset(out, 0, n * sizeof(*out));
		n = 0;
	}
	*out_count = n;
	return err;
}
