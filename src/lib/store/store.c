/* The store handle: backend selection, migrations, transactions, query helpers. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "medfw/store_rollout.h"
#include "store_internal.h"

static const struct medfw_store_ops *const backends[] = {
	&medfwi_store_sqlite_ops,
};

#define STORE_URL_MAX 4096

/* ------------------------------------------------------------------ names */

static const char *const role_names[] = {
	NULL, "admin", "release_manager", "clinical_engineer", "security_officer",
	"remote_support", "auditor",
};
static const char *const clinical_names[] = {"unknown", "in_use", "idle"};
static const char *const enrolment_names[] = {NULL, "pending", "enrolled", "revoked"};
static const char *const actor_names[] = {NULL, "user", "token", "device", "system"};
static const char *const update_event_names[MEDFW_UPDATE_EVENT_COUNT] = {
	NULL, "offered", "deferred", "downloading", "verified", "installed", "rebooting",
	"committed", "rolled_back", "failed",
};

static const char *const rollout_state_names[] = {
	NULL, "awaiting_approval", "scheduled", "running", "paused", "completed", "cancelled",
};
static const char *const rollout_kind_names[] = {NULL, "update", "rollback"};
static const char *const rollout_device_state_names[MEDFW_RD_STATE_COUNT] = {
	NULL, "pending", "scheduled", "deferred", "downloading", "installed", "committed",
	"failed", "rolled_back", "removed",
};

static const char *name_of(const char *const *names, size_t n, int v)
{
	return v >= 0 && (size_t)v < n ? names[v] : NULL;
}

static enum medfw_err parse_name(const char *const *names, size_t n, const char *name, int *out)
{
	*out = 0;
	for (size_t i = 0; name != NULL && i < n; i++) {
		if (names[i] != NULL && strcmp(names[i], name) == 0) {
			*out = (int)i;
			return MEDFW_OK;
		}
	}
	return MEDFW_ERR_FIELD_VALUE;
}

#define NAMES_N(a) (sizeof(a) / sizeof((a)[0]))

const char *medfw_store_role_name(enum medfw_store_role role)
{
	return name_of(role_names, NAMES_N(role_names), (int)role);
}

enum medfw_err medfw_store_role_parse(const char *name, enum medfw_store_role *out)
{
	int v;
	enum medfw_err err = parse_name(role_names, NAMES_N(role_names), name, &v);

	*out = (enum medfw_store_role)v;
	return err;
}

const char *medfw_store_clinical_state_name(enum medfw_store_clinical_state s)
{
	return name_of(clinical_names, NAMES_N(clinical_names), (int)s);
}

enum medfw_err medfw_store_clinical_state_parse(const char *name,
						enum medfw_store_clinical_state *out)
{
	int v;
	enum medfw_err err = parse_name(clinical_names, NAMES_N(clinical_names), name, &v);

	*out = (enum medfw_store_clinical_state)v;
	return err;
}

const char *medfw_store_enrolment_state_name(enum medfw_store_enrolment_state s)
{
	return name_of(enrolment_names, NAMES_N(enrolment_names), (int)s);
}

enum medfw_err medfw_store_enrolment_state_parse(const char *name,
						 enum medfw_store_enrolment_state *out)
{
	int v;
	enum medfw_err err = parse_name(enrolment_names, NAMES_N(enrolment_names), name, &v);

	*out = (enum medfw_store_enrolment_state)v;
	return err;
}

const char *medfw_store_actor_type_name(enum medfw_store_actor_type t)
{
	return name_of(actor_names, NAMES_N(actor_names), (int)t);
}

enum medfw_err medfw_store_actor_type_parse(const char *name, enum medfw_store_actor_type *out)
{
	int v;
	enum medfw_err err = parse_name(actor_names, NAMES_N(actor_names), name, &v);

	*out = (enum medfw_store_actor_type)v;
	return err;
}

const char *medfw_store_update_event_name(enum medfw_store_update_event t)
{
	return name_of(update_event_names, NAMES_N(update_event_names), (int)t);
}

enum medfw_err medfw_store_update_event_parse(const char *name,
					      enum medfw_store_update_event *out)
{
	int v;
	enum medfw_err err = parse_name(update_event_names, NAMES_N(update_event_names), name,
					&v);

	*out = (enum medfw_store_update_event)v;
	return err;
}

const char *medfw_store_rollout_state_name(enum medfw_store_rollout_state s)
{
	return name_of(rollout_state_names, NAMES_N(rollout_state_names), (int)s);
}

enum medfw_err medfw_store_rollout_state_parse(const char *name,
					       enum medfw_store_rollout_state *out)
{
	int v;
	enum medfw_err err = parse_name(rollout_state_names, NAMES_N(rollout_state_names), name,
					&v);

	*out = (enum medfw_store_rollout_state)v;
	return err;
}

const char *medfw_store_rollout_kind_name(enum medfw_store_rollout_kind k)
{
	return name_of(rollout_kind_names, NAMES_N(rollout_kind_names), (int)k);
}

const char *medfw_store_rollout_device_state_name(enum medfw_store_rollout_device_state s)
{
	return name_of(rollout_device_state_names, NAMES_N(rollout_device_state_names), (int)s);
}

enum medfw_err medfw_store_rollout_device_state_parse(const char *name,
						      enum medfw_store_rollout_device_state *out)
{
	int v;
	enum medfw_err err = parse_name(rollout_device_state_names,
					NAMES_N(rollout_device_state_names), name, &v);

	*out = (enum medfw_store_rollout_device_state)v;
	return err;
}

/* ------------------------------------------------------------------ scope */

struct medfw_store_scope medfw_store_scope_site(int64_t site_id)
{
	struct medfw_store_scope s = {0, site_id};

	return s;
}

struct medfw_store_scope medfw_store_scope_all(void)
{
	struct medfw_store_scope s = {1, 0};

	return s;
}

enum medfw_err medfwi_check_scope(struct medfw_store_scope scope, struct medfw_diag *diag)
{
	if (scope.all_sites == 1 && scope.site_id == 0)
		return MEDFW_OK;
	if (scope.all_sites == 0 && scope.site_id > 0)
		return MEDFW_OK;
	return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
			      "store: invalid site scope (use medfw_store_scope_site/_all)");
}

void medfwi_q_scope(struct medfwi_q *q, struct medfw_store_scope scope)
{
	medfwi_q_int(q, scope.all_sites ? 1 : 0);
	medfwi_q_int(q, scope.site_id);
}

enum medfw_err medfwi_check_str(const char *s, size_t max, int required, const char *what,
				const char *field, struct medfw_diag *diag)
{
	if (s == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "%s: %s is NULL", what, field);
	if (memchr(s, '\0', max + 1) == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE,
				      "%s: %s is longer than %zu bytes", what, field, max);
	if (required && s[0] == '\0')
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_MISSING, "%s: %s is empty", what,
				      field);
	return MEDFW_OK;
}

int64_t medfwi_now(const struct medfw_store *store)
{
	return medfw_ctx_now(store->ctx);
}

/* ------------------------------------------------------------------ run / tx */

enum medfw_err medfwi_run(struct medfw_store *store, enum medfwi_tx_kind kind, medfwi_run_fn fn,
			  void *arg, struct medfw_diag *diag)
{
	enum medfw_err err = MEDFW_ERR_IO;
	struct medfw_diag local;

	if (store->pinned != NULL)
		return fn(store, arg, diag);
	medfw_diag_clear(&local);
	for (unsigned attempt = 0; attempt <= store->retries; attempt++) {
		struct medfw_store view = *store;
		struct medfwi_conn *conn = NULL;
		int busy;

		medfw_diag_clear(&local);
		err = store->ops->acquire(store->backend, &conn, &local);
		if (err != MEDFW_OK)
			break;
		view.pinned = conn;
		err = kind == MEDFWI_TX_NONE ? MEDFW_OK : store->ops->begin(conn, kind, &local);
		if (err == MEDFW_OK) {
			err = fn(&view, arg, &local);
			if (kind != MEDFWI_TX_NONE) {
				if (err == MEDFW_OK)
					err = store->ops->commit(conn, &local);
				else
					store->ops->rollback(conn);
			}
		}
		busy = err != MEDFW_OK && store->ops->last_busy(conn);
		store->ops->release(store->backend, conn);
		if (!busy)
			break;
	}
	if (err != MEDFW_OK) {
		if (local.msg[0] != '\0')
			medfw_diag_set(diag, err, "%s", local.msg);
		else
			medfw_diag_set(diag, err, "store: %s", medfw_strerror(err));
	}
	return err;
}

struct tx_arg {
	medfw_store_tx_fn fn;
	void *user;
};

static enum medfw_err tx_trampoline(struct medfw_store *pinned, void *arg,
				    struct medfw_diag *diag)
{
	struct tx_arg *a = arg;

	return a->fn(pinned, a->user, diag);
}

enum medfw_err medfw_store_tx(struct medfw_store *store, medfw_store_tx_fn fn, void *user,
			      struct medfw_diag *diag)
{
	struct tx_arg a = {fn, user};

	if (store == NULL || fn == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "store: tx without function");
	return medfwi_run(store, MEDFWI_TX_DURABLE, tx_trampoline, &a, diag);
}

/* ------------------------------------------------------------------ group commit */

#define BATCH_MAX 512 /* callers' work items in one transaction */

struct batch_item {
	medfw_store_tx_fn fn;
	void *user;
	enum medfw_err err;
	struct medfw_diag diag;
	int done;
	int lead;          /* told to run the queue */
	pthread_cond_t cv; /* its caller waits here: no thundering herd */
	struct batch_item *next;
};

struct medfwi_batcher {
	pthread_mutex_t mu;
	struct batch_item *head, **tail;
	int leader; /* a caller is running a transaction for the queue */
};

static enum medfw_err batcher_new(struct medfwi_batcher **out)
{
	struct medfwi_batcher *b = calloc(1, sizeof(*b));

	*out = NULL;
	if (b == NULL)
		return MEDFW_ERR_NOMEM;
	pthread_mutex_init(&b->mu, NULL);
	b->tail = &b->head;
	*out = b;
	return MEDFW_OK;
}

static void batcher_free(struct medfwi_batcher *b)
{
	if (b == NULL)
		return;
	pthread_mutex_destroy(&b->mu);
	free(b);
}

/* The leader's transaction: every item between a savepoint and its release (or
 * roll-back, when the item failed: its changes go, the others' stay). */
static enum medfw_err batch_fn(struct medfw_store *pinned, void *arg, struct medfw_diag *diag)
{
	enum medfw_err err;

	for (struct batch_item *it = arg; it != NULL; it = it->next) {
		medfw_diag_clear(&it->diag);
		err = pinned->ops->savepoint(pinned->pinned, MEDFWI_SAVEPOINT_MARK, diag);
		if (err != MEDFW_OK)
			return err;
		it->err = it->fn(pinned, it->user, &it->diag);
		err = pinned->ops->savepoint(pinned->pinned,
					     it->err == MEDFW_OK ? MEDFWI_SAVEPOINT_RELEASE
								 : MEDFWI_SAVEPOINT_ROLLBACK,
					     diag);
		if (err != MEDFW_OK)
			return err;
	}
	return MEDFW_OK;
}

enum medfw_err medfw_store_batch(struct medfw_store *store, medfw_store_tx_fn fn, void *user,
				 struct medfw_diag *diag)
{
	struct medfwi_batcher *b;
	struct batch_item item;

	if (store == NULL || fn == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "store: batch without function");
	if (store->pinned != NULL || store->batcher == NULL) {
		struct tx_arg a = {fn, user};

		return medfwi_run(store, MEDFWI_TX_WRITE, tx_trampoline, &a, diag);
	}
	b = store->batcher;
	memset(&item, 0, sizeof(item));
	item.fn = fn;
	item.user = user;
	pthread_cond_init(&item.cv, NULL);
	pthread_mutex_lock(&b->mu);
	*b->tail = &item;
	b->tail = &item.next;
	if (!b->leader) {
		b->leader = 1;
		item.lead = 1;
	}
	while (!item.done) {
		struct batch_item *list, *it, **cut;
		struct medfw_diag local;
		enum medfw_err err;
		size_t n = 0;

		if (!item.lead) {
			pthread_cond_wait(&item.cv, &b->mu);
			continue;
		}
		/* lead: take up to BATCH_MAX queued items (ours is among them: the queue
		 * is FIFO and a leader is only named from its head) */
		item.lead = 0;
		list = b->head;
		for (cut = &b->head; *cut != NULL && n < BATCH_MAX; cut = &(*cut)->next)
			n++;
		b->head = *cut;
		*cut = NULL;
		if (b->head == NULL)
			b->tail = &b->head;
		pthread_mutex_unlock(&b->mu);

		medfw_diag_clear(&local);
		err = medfwi_run(store, MEDFWI_TX_WRITE, batch_fn, list, &local);

		pthread_mutex_lock(&b->mu);
		for (it = list; it != NULL;) {
			struct batch_item *next = it->next;

			if (err != MEDFW_OK) { /* nothing was committed */
				it->err = err;
				it->diag = local;
			}
			it->done = 1;
			if (it != &item)
				pthread_cond_signal(&it->cv);
			it = next;
		}
		/* hand the lead to the oldest waiter, if any */
		if (b->head != NULL) {
			b->head->lead = 1;
			pthread_cond_signal(&b->head->cv);
		} else {
			b->leader = 0;
		}
	}
	pthread_mutex_unlock(&b->mu);
	pthread_cond_destroy(&item.cv);
	if (item.err != MEDFW_OK)
		return medfw_diag_set(diag, item.err, "%s",
				      item.diag.msg[0] != '\0' ? item.diag.msg
							       : medfw_strerror(item.err));
	return MEDFW_OK;
}

/* ------------------------------------------------------------------ migrations */

static const char SQL_SCHEMA_TABLE[] =
	"CREATE TABLE IF NOT EXISTS schema_version ("
	" version INTEGER PRIMARY KEY,"
	" applied_at INTEGER NOT NULL)";
static const char SQL_SCHEMA_MAX[] = "SELECT COALESCE(MAX(version), 0) FROM schema_version";
static const char SQL_SCHEMA_INSERT[] =
	"INSERT INTO schema_version (version, applied_at) VALUES (?, ?)";

static enum medfw_err read_version(struct medfw_store *pinned, int64_t *out,
				   struct medfw_diag *diag)
{
	struct medfwi_q q;
	int row = 0;

	*out = 0;
	if (medfwi_q_begin(&q, pinned, "schema_version", SQL_SCHEMA_MAX, diag) == MEDFW_OK &&
	    medfwi_q_step(&q, &row) == MEDFW_OK && row)
		*out = medfwi_q_col_int(&q, 0);
	return medfwi_q_end(&q);
}

static int64_t migration_count(const struct medfw_store_ops *ops)
{
	int64_t n = 0;

	for (size_t i = 0; ops->migrations[i].sql != NULL; i++)
		n = ops->migrations[i].version;
	return n;
}

/* One migration step (or only the version check when nothing is pending). */
static enum medfw_err migrate_one(struct medfw_store *pinned, void *arg, struct medfw_diag *diag)
{
	int *done = arg;
	int64_t version = 0;
	int64_t known = migration_count(pinned->ops);
	struct medfwi_q q;
	enum medfw_err err;

	err = pinned->ops->exec_script(pinned->pinned, SQL_SCHEMA_TABLE, diag);
	if (err == MEDFW_OK)
		err = read_version(pinned, &version, diag);
	if (err != MEDFW_OK)
		return err;
	if (version > known)
		return medfw_diag_set(diag, MEDFW_ERR_VERSION_MISMATCH,
				      "store: database schema version %lld is newer than this "
				      "medfwd knows (%lld); refusing to open it",
				      (long long)version, (long long)known);
	if (version == known) {
		*done = 1;
		return MEDFW_OK;
	}
	for (size_t i = 0; err == MEDFW_OK && pinned->ops->migrations[i].sql != NULL; i++) {
		if (pinned->ops->migrations[i].version == version + 1)
			err = pinned->ops->exec_script(pinned->pinned,
						       pinned->ops->migrations[i].sql, diag);
	}
	if (err != MEDFW_OK)
		return medfw_diag_set(diag, err, "store: migration to version %lld failed",
				      (long long)(version + 1));
	if (medfwi_q_begin(&q, pinned, "schema_version", SQL_SCHEMA_INSERT, diag) == MEDFW_OK) {
		medfwi_q_int(&q, version + 1);
		medfwi_q_int(&q, medfwi_now(pinned));
		medfwi_q_exec(&q, NULL);
	}
	return medfwi_q_end(&q);
}

static enum medfw_err migrate(struct medfw_store *store, struct medfw_diag *diag)
{
	int done = 0;
	enum medfw_err err = MEDFW_OK;

	/* Each step is its own durable transaction that re-reads the version under the
	 * write lock, so two processes opening at once cannot apply a step twice. */
	for (int64_t guard = 0; !done && guard <= migration_count(store->ops); guard++) {
		err = medfwi_run(store, MEDFWI_TX_DURABLE, migrate_one, &done, diag);
		if (err != MEDFW_OK)
			return err;
	}
	return done ? MEDFW_OK : medfw_diag_set(diag, MEDFW_ERR_STATE, "store: migrations did not converge");
}

static enum medfw_err version_fn(struct medfw_store *pinned, void *arg, struct medfw_diag *diag)
{
	return read_version(pinned, arg, diag);
}

enum medfw_err medfw_store_schema_version(struct medfw_store *store, int64_t *out_version,
					  struct medfw_diag *diag)
{
	enum medfw_err err = medfwi_run(store, MEDFWI_TX_NONE, version_fn, out_version, diag);

	if (err != MEDFW_OK)
		*out_version = 0;
	return err;
}

int64_t medfw_store_schema_version_known(const struct medfw_store *store)
{
	return migration_count(store->ops);
}

/* ------------------------------------------------------------------ open / close */

enum medfw_err medfw_store_open_with(struct medfw_ctx *ctx, const char *url,
				     const struct medfw_store_opts *opts, struct medfw_store **out,
				     struct medfw_diag *diag)
{
	struct medfw_store_opts o;
	const struct medfw_store_ops *ops = backends[0];
	const char *location = url;
	struct medfw_store *store = NULL;
	enum medfw_err err;

	if (out == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "store: no output handle");
	*out = NULL;
	if (ctx == NULL || url == NULL || url[0] == '\0')
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "store: no context or URL");
	if (memchr(url, '\0', STORE_URL_MAX) == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "store: URL too long");
	if (strchr(url, ':') != NULL && url[0] != '/' && url[0] != '.') {
		size_t scheme_len = (size_t)(strchr(url, ':') - url);

		ops = NULL;
		for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
			if (strlen(backends[i]->name) == scheme_len &&
			    memcmp(backends[i]->name, url, scheme_len) == 0)
				ops = backends[i];
		}
		if (ops == NULL)
			return medfw_diag_set(diag, MEDFW_ERR_KEY_UNSUPPORTED,
					      "store: unsupported database URL scheme in \"%.64s\"", url);
		location = url + scheme_len + 1;
	}
	memset(&o, 0, sizeof(o));
	if (opts != NULL)
		o = *opts;
	if (o.pool_size == 0)
		o.pool_size = 8;
	if (o.pool_size > MEDFW_STORE_POOL_MAX)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "store: pool_size above %d",
				      MEDFW_STORE_POOL_MAX);
	if (o.busy_timeout_ms == 0)
		o.busy_timeout_ms = 5000;
	if (o.busy_retries == 0)
		o.busy_retries = 3;

	store = calloc(1, sizeof(*store));
	if (store == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_NOMEM, "store: out of memory");
	store->ops = ops;
	store->ctx = ctx;
	store->retries = o.busy_retries;
	err = batcher_new(&store->batcher);
	if (err != MEDFW_OK)
		err = medfw_diag_set(diag, err, "store: out of memory");
	if (err == MEDFW_OK)
		err = ops->open(ctx, location, &o, &store->backend, diag);
	if (err == MEDFW_OK)
		err = migrate(store, diag);
	if (err != MEDFW_OK) {
		medfw_store_close(store);
		return err;
	}
	*out = store;
	return MEDFW_OK;
}

enum medfw_err medfw_store_open(struct medfw_ctx *ctx, const char *url, struct medfw_store **out,
				struct medfw_diag *diag)
{
	return medfw_store_open_with(ctx, url, NULL, out, diag);
}

void medfw_store_close(struct medfw_store *store)
{
	if (store == NULL)
		return;
	if (store->backend != NULL)
		store->ops->close(store->backend);
	batcher_free(store->batcher);
	free(store);
}

const char *medfw_store_backend_name(const struct medfw_store *store)
{
	return store->ops->name;
}

/* ------------------------------------------------------------------ query helpers */

static enum medfw_err q_begin(struct medfwi_q *q, struct medfw_store *store, const char *what,
			      const char *sql, int cacheable, struct medfw_diag *diag)
{
	memset(q, 0, sizeof(*q));
	q->store = store;
	q->what = what;
	q->diag = diag;
	q->idx = 1;
	if (store->pinned != NULL) {
		q->conn = store->pinned;
	} else {
		q->err = store->ops->acquire(store->backend, &q->conn, diag);
		if (q->err != MEDFW_OK)
			return q->err;
		q->borrowed = 1;
	}
	q->err = store->ops->prepare(q->conn, sql, cacheable, &q->st, diag);
	return q->err;
}

enum medfw_err medfwi_q_begin(struct medfwi_q *q, struct medfw_store *store, const char *what,
			      const char *sql, struct medfw_diag *diag)
{
	return q_begin(q, store, what, sql, 1, diag);
}

enum medfw_err medfwi_q_begin_dynamic(struct medfwi_q *q, struct medfw_store *store,
				      const char *what, const char *sql, struct medfw_diag *diag)
{
	return q_begin(q, store, what, sql, 0, diag);
}

static void q_bound(struct medfwi_q *q, enum medfw_err err)
{
	if (err != MEDFW_OK && q->err == MEDFW_OK)
		q->err = medfw_diag_set(q->diag, err, "%s: cannot bind parameter %d", q->what,
					q->idx);
	q->idx++;
}

void medfwi_q_int(struct medfwi_q *q, int64_t v)
{
	if (q->st == NULL)
		return;
	q_bound(q, q->store->ops->bind_int(q->st, q->idx, v));
}

void medfwi_q_int0(struct medfwi_q *q, int64_t v)
{
	if (q->st == NULL)
		return;
	if (v == 0)
		q_bound(q, q->store->ops->bind_null(q->st, q->idx));
	else
		q_bound(q, q->store->ops->bind_int(q->st, q->idx, v));
}

void medfwi_q_text(struct medfwi_q *q, const char *s)
{
	if (q->st == NULL)
		return;
	if (s == NULL)
		q_bound(q, q->store->ops->bind_null(q->st, q->idx));
	else
		q_bound(q, q->store->ops->bind_text(q->st, q->idx, s, strlen(s)));
}

void medfwi_q_text0(struct medfwi_q *q, const char *s)
{
	medfwi_q_text(q, s != NULL && s[0] != '\0' ? s : NULL);
}

void medfwi_q_blob(struct medfwi_q *q, const void *p, size_t len)
{
	if (q->st == NULL)
		return;
	q_bound(q, q->store->ops->bind_blob(q->st, q->idx, p, len));
}

void medfwi_q_blob0(struct medfwi_q *q, const void *p, size_t len)
{
	if (q->st == NULL)
		return;
	if (len == 0)
		q_bound(q, q->store->ops->bind_null(q->st, q->idx));
	else
		q_bound(q, q->store->ops->bind_blob(q->st, q->idx, p, len));
}

enum medfw_err medfwi_q_step(struct medfwi_q *q, int *out_row)
{
	*out_row = 0;
	if (q->err != MEDFW_OK)
		return q->err;
	q->err = q->store->ops->step(q->st, q->what, out_row, q->diag);
	return q->err;
}

enum medfw_err medfwi_q_exec(struct medfwi_q *q, int64_t *out_changes)
{
	int row = 0;

	if (out_changes != NULL)
		*out_changes = 0;
	do {
		if (medfwi_q_step(q, &row) != MEDFW_OK)
			return q->err;
	} while (row);
	if (out_changes != NULL)
		*out_changes = q->store->ops->changes(q->conn);
	return MEDFW_OK;
}

int64_t medfwi_q_col_int(struct medfwi_q *q, int col)
{
	return q->store->ops->column_int(q->st, col);
}

int medfwi_q_col_null(struct medfwi_q *q, int col)
{
	return q->store->ops->column_null(q->st, col);
}

void medfwi_q_col_text(struct medfwi_q *q, int col, char *out, size_t cap)
{
	size_t len = 0;
	const uint8_t *p = q->store->ops->column_bytes(q->st, col, &len);

	out[0] = '\0';
	if (p == NULL)
		return;
	if (len >= cap || memchr(p, '\0', len) != NULL) {
		if (q->err == MEDFW_OK)
			q->err = medfw_diag_set(q->diag, MEDFW_ERR_TOO_LARGE,
						"%s: stored column %d exceeds its bound", q->what,
						col);
		return;
	}
	memcpy(out, p, len);
	out[len] = '\0';
}

void medfwi_q_col_blob(struct medfwi_q *q, int col, uint8_t *out, size_t cap, size_t *out_len)
{
	size_t len = 0;
	const uint8_t *p = q->store->ops->column_bytes(q->st, col, &len);

	if (out_len != NULL)
		*out_len = 0;
	memset(out, 0, cap);
	if (p == NULL || len == 0)
		return;
	if (len > cap || (out_len == NULL && len != cap)) {
		if (q->err == MEDFW_OK)
			q->err = medfw_diag_set(q->diag, MEDFW_ERR_TOO_LARGE,
						"%s: stored column %d has the wrong size", q->what,
						col);
		return;
	}
	memcpy(out, p, len);
	if (out_len != NULL)
		*out_len = len;
}

enum medfw_err medfwi_q_end(struct medfwi_q *q)
{
	if (q->st != NULL)
		q->store->ops->finish(q->st);
	q->st = NULL;
	if (q->borrowed)
		q->store->ops->release(q->store->backend, q->conn);
	q->borrowed = 0;
	q->conn = NULL;
	return q->err;
}
