/* SQLite backend: a pool of connections, per-connection statement cache.
 *
 * Connections are opened in SQLite's multi-thread mode (SQLITE_OPEN_NOMUTEX): each
 * one is used by a single thread at a time, which the pool guarantees (mutex +
 * condition variable). WAL mode lets readers run beside the one writer; every write
 * transaction starts with BEGIN IMMEDIATE so the write lock is taken up front and a
 * reader never has to upgrade (which could fail with SQLITE_BUSY mid-transaction).
 *
 * Inside one process, writers queue on a mutex before BEGIN IMMEDIATE: SQLite's own
 * busy handler sleeps and polls (1, 2, 5 ... 100 ms), which under load turned lock
 * waits into tens of milliseconds of latency. The busy timeout still covers other
 * processes (the medfw CLI, a backup).
 *
 * WAL checkpoints run on a thread of their own (a connection it owns, PASSIVE mode,
 * woken when a commit leaves the WAL over CHECKPOINT_PAGES): without it the commit
 * that crosses SQLite's auto-checkpoint threshold pays for copying every page back
 * and for two fsyncs while its request waits.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store_internal.h"

#define STMT_CACHE_MAX 192
#define PATH_MAX_LEN 4096
#define CHECKPOINT_PAGES 1000 /* SQLite's default auto-checkpoint threshold */
#define WAL_SIZE_LIMIT "67108864"    /* journal_size_limit: a restarted WAL is cut to this */

struct sqlite_backend;

struct medfwi_stmt {
	sqlite3_stmt *s;
	struct medfwi_conn *conn;
	const char *key; /* cache key, NULL when not cached */
	int in_use;
	int holds_write; /* a write outside a transaction: holds the write mutex */
};

struct medfwi_conn {
	sqlite3 *db;
	struct sqlite_backend *backend;
	int busy;    /* last failure was SQLITE_BUSY / SQLITE_LOCKED */
	int durable; /* synchronous=FULL for the running transaction */
	int writing; /* holds the backend's write_mu */
	struct medfwi_stmt *cache[STMT_CACHE_MAX];
	size_t cached;
};

struct sqlite_backend {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	char *path;
	unsigned busy_timeout_ms;
	unsigned size;
	struct medfwi_conn *conns[MEDFW_STORE_POOL_MAX];
	int in_use[MEDFW_STORE_POOL_MAX];
	pthread_mutex_t write_mu;  /* one writer at a time in this process */
	/* the checkpointer */
	pthread_t ckpt_thread;
	int ckpt_started;
	pthread_mutex_t ckpt_mu;
	pthread_cond_t ckpt_cv;
	atomic_int ckpt_wanted;
	int ckpt_stop;
	sqlite3 *ckpt_db;
};

static int is_busy_rc(int rc)
{
	return (rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED;
}

static enum medfw_err exec_sql(struct medfwi_conn *c, const char *sql, struct medfw_diag *diag)
{
	char *msg = NULL;
	int rc = sqlite3_exec(c->db, sql, NULL, NULL, &msg);
	enum medfw_err err = MEDFW_OK;

	if (rc != SQLITE_OK) {
		c->busy = is_busy_rc(rc);
		err = medfw_diag_set(diag, MEDFW_ERR_IO, "store: sqlite: %s",
				     msg != NULL ? msg : sqlite3_errstr(rc));
	}
	sqlite3_free(msg);
	return err;
}

static void conn_free(struct medfwi_conn *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->cached; i++) {
		sqlite3_finalize(c->cache[i]->s);
		free(c->cache[i]);
	}
	sqlite3_close_v2(c->db);
	free(c);
}

/* After every commit: wake the checkpointer once the WAL holds enough pages. */
static int wal_hook(void *user, sqlite3 *db, const char *name, int pages)
{
	struct sqlite_backend *b = user;

	(void)db;
	(void)name;
	/* one wake-up per checkpoint, not one per commit while it runs */
	if (pages >= CHECKPOINT_PAGES && atomic_exchange(&b->ckpt_wanted, 1) == 0) {
		pthread_mutex_lock(&b->ckpt_mu);
		pthread_cond_signal(&b->ckpt_cv);
		pthread_mutex_unlock(&b->ckpt_mu);
	}
	return SQLITE_OK;
}

/* PASSIVE first, without any lock: it copies the bulk of the WAL (and syncs) while
 * writers go on appending. But with writers appending it never catches up, and the
 * WAL only starts over after a checkpoint that did: left at that, it grew by
 * gigabytes under a steady check-in load. So then, holding the process's write lock
 * (writers wait, as they did for SQLite's own auto-checkpoint, but only for the few
 * frames appended meanwhile), RESTART: copy the rest, wait for readers of old frames,
 * and the next writer begins the WAL again (journal_size_limit trims the file). */
static void checkpoint_once(struct sqlite_backend *b)
{
	int log = 0, done = 0;

	if (sqlite3_wal_checkpoint_v2(b->ckpt_db, NULL, SQLITE_CHECKPOINT_PASSIVE, &log, &done) !=
	    SQLITE_OK)
		return;
	pthread_mutex_lock(&b->write_mu);
	(void)sqlite3_wal_checkpoint_v2(b->ckpt_db, NULL, SQLITE_CHECKPOINT_RESTART, NULL, NULL);
	pthread_mutex_unlock(&b->write_mu);
}

static void *checkpointer(void *arg)
{
	struct sqlite_backend *b = arg;

	pthread_mutex_lock(&b->ckpt_mu);
	for (;;) {
		while (!atomic_load(&b->ckpt_wanted) && !b->ckpt_stop)
			pthread_cond_wait(&b->ckpt_cv, &b->ckpt_mu);
		if (b->ckpt_stop)
			break;
		/* re-armed by the first commit that finds the WAL large again */
		atomic_store(&b->ckpt_wanted, 0);
		pthread_mutex_unlock(&b->ckpt_mu);
		checkpoint_once(b);
		pthread_mutex_lock(&b->ckpt_mu);
	}
	pthread_mutex_unlock(&b->ckpt_mu);
	return NULL;
}

/* The checkpointer's own connection and thread. On failure SQLite's auto-checkpoint
 * stays in charge (slower commits now and then, nothing lost). */
static void checkpointer_start(struct sqlite_backend *b)
{
	if (sqlite3_open_v2(b->path, &b->ckpt_db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
			    NULL) != SQLITE_OK) {
		sqlite3_close_v2(b->ckpt_db);
		b->ckpt_db = NULL;
		return;
	}
	sqlite3_busy_timeout(b->ckpt_db, (int)b->busy_timeout_ms);
	/* A connection learns that the file is in WAL mode when it first reads it; until
	 * then sqlite3_wal_checkpoint_v2 does nothing (and says so only through a -1). */
	if (sqlite3_exec(b->ckpt_db, "PRAGMA journal_mode=WAL; SELECT count(*) FROM sqlite_master",
			 NULL, NULL, NULL) != SQLITE_OK ||
	    pthread_create(&b->ckpt_thread, NULL, checkpointer, b) != 0) {
		sqlite3_close_v2(b->ckpt_db);
		b->ckpt_db = NULL;
		return;
	}
	b->ckpt_started = 1;
}

static void checkpointer_stop(struct sqlite_backend *b)
{
	if (!b->ckpt_started)
		return;
	pthread_mutex_lock(&b->ckpt_mu);
	b->ckpt_stop = 1;
	pthread_cond_signal(&b->ckpt_cv);
	pthread_mutex_unlock(&b->ckpt_mu);
	pthread_join(b->ckpt_thread, NULL);
	sqlite3_close_v2(b->ckpt_db);
	b->ckpt_db = NULL;
	b->ckpt_started = 0;
}

static enum medfw_err conn_open(struct sqlite_backend *b, struct medfwi_conn **out,
				struct medfw_diag *diag)
{
	struct medfwi_conn *c = calloc(1, sizeof(*c));
	sqlite3_stmt *st = NULL;
	enum medfw_err err = MEDFW_OK;
	int rc;

	*out = NULL;
	if (c == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_NOMEM, "store: out of memory");
	rc = sqlite3_open_v2(b->path, &c->db,
			     SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
	if (rc != SQLITE_OK) {
		err = medfw_diag_set(diag, MEDFW_ERR_IO, "store: cannot open %s: %s", b->path,
				     c->db != NULL ? sqlite3_errmsg(c->db) : sqlite3_errstr(rc));
		goto out;
	}
	sqlite3_extended_result_codes(c->db, 1);
	sqlite3_busy_timeout(c->db, (int)b->busy_timeout_ms);
	sqlite3_db_config(c->db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL);
	sqlite3_db_config(c->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, (int *)NULL);
	/* journal_mode is persistent in the file; the others are per connection. */
	rc = sqlite3_prepare_v2(c->db, "PRAGMA journal_mode=WAL", -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc != SQLITE_ROW ||
	    sqlite3_stricmp((const char *)sqlite3_column_text(st, 0), "wal") != 0) {
		err = medfw_diag_set(diag, MEDFW_ERR_IO, "store: %s: cannot enable WAL mode: %s",
				     b->path, sqlite3_errmsg(c->db));
		goto out;
	}
	err = exec_sql(c,
		       "PRAGMA foreign_keys=ON;"
		       "PRAGMA synchronous=NORMAL;"
		       "PRAGMA temp_store=MEMORY;"
		       "PRAGMA journal_size_limit=" WAL_SIZE_LIMIT ";",
		       diag);
	c->backend = b;
	/* replaces SQLite's auto-checkpoint: the checkpointer thread does it */
	if (err == MEDFW_OK && b->ckpt_started)
		sqlite3_wal_hook(c->db, wal_hook, b);
out:
	sqlite3_finalize(st);
	if (err != MEDFW_OK) {
		conn_free(c);
		return err;
	}
	*out = c;
	return MEDFW_OK;
}

static void backend_close(void *backend)
{
	struct sqlite_backend *b = backend;

	if (b == NULL)
		return;
	checkpointer_stop(b);
	for (unsigned i = 0; i < b->size; i++)
		conn_free(b->conns[i]);
	pthread_cond_destroy(&b->cv);
	pthread_mutex_destroy(&b->mu);
	pthread_mutex_destroy(&b->write_mu);
	pthread_cond_destroy(&b->ckpt_cv);
	pthread_mutex_destroy(&b->ckpt_mu);
	free(b->path);
	free(b);
}

static enum medfw_err backend_open(struct medfw_ctx *ctx, const char *location,
				   const struct medfw_store_opts *opts, void **out,
				   struct medfw_diag *diag)
{
	struct sqlite_backend *b = NULL;
	size_t len;
	int fd;
	enum medfw_err err;

	(void)ctx;
	*out = NULL;
	if (!sqlite3_threadsafe())
		return medfw_diag_set(diag, MEDFW_ERR_STATE,
				      "store: SQLite was built without thread support");
	if (location[0] == '\0' || memchr(location, '\0', PATH_MAX_LEN) == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "store: bad database path");
	/* Create the file ourselves so it is private (password hashes live here); the
	 * -wal and -shm files inherit its mode. */
	fd = open(location, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return medfw_diag_set(diag, MEDFW_ERR_IO, "store: cannot create %s", location);
	close(fd);
	b = calloc(1, sizeof(*b));
	if (b == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_NOMEM, "store: out of memory");
	len = strlen(location);
	b->path = malloc(len + 1);
	if (b->path == NULL) {
		free(b);
		return medfw_diag_set(diag, MEDFW_ERR_NOMEM, "store: out of memory");
	}
	memcpy(b->path, location, len + 1);
	b->busy_timeout_ms = opts->busy_timeout_ms;
	b->size = opts->pool_size;
	pthread_mutex_init(&b->mu, NULL);
	pthread_cond_init(&b->cv, NULL);
	pthread_mutex_init(&b->write_mu, NULL);
	pthread_mutex_init(&b->ckpt_mu, NULL);
	pthread_cond_init(&b->ckpt_cv, NULL);
	/* The first connection now, to report a bad file at open (and to put it in WAL
	 * mode before the checkpointer opens its own); the rest on demand. */
	err = conn_open(b, &b->conns[0], diag);
	if (err != MEDFW_OK) {
		backend_close(b);
		return err;
	}
	checkpointer_start(b);
	if (b->ckpt_started)
		sqlite3_wal_hook(b->conns[0]->db, wal_hook, b);
	*out = b;
	return MEDFW_OK;
}

static enum medfw_err acquire(void *backend, struct medfwi_conn **out, struct medfw_diag *diag)
{
	struct sqlite_backend *b = backend;
	unsigned slot = 0;
	enum medfw_err err = MEDFW_OK;

	*out = NULL;
	pthread_mutex_lock(&b->mu);
	for (;;) {
		/* Prefer an open idle connection, then an empty slot. */
		unsigned empty = b->size;

		for (slot = 0; slot < b->size; slot++) {
			if (!b->in_use[slot] && b->conns[slot] != NULL)
				break;
			if (!b->in_use[slot] && empty == b->size)
				empty = slot;
		}
		if (slot == b->size)
			slot = empty;
		if (slot < b->size)
			break;
		pthread_cond_wait(&b->cv, &b->mu);
	}
	b->in_use[slot] = 1;
	pthread_mutex_unlock(&b->mu);
	if (b->conns[slot] == NULL)
		err = conn_open(b, &b->conns[slot], diag);
	if (err != MEDFW_OK) {
		pthread_mutex_lock(&b->mu);
		b->in_use[slot] = 0;
		pthread_cond_signal(&b->cv);
		pthread_mutex_unlock(&b->mu);
		return err;
	}
	b->conns[slot]->busy = 0;
	*out = b->conns[slot];
	return MEDFW_OK;
}

static void end_durable(struct medfwi_conn *conn);

static void release(void *backend, struct medfwi_conn *conn)
{
	struct sqlite_backend *b = backend;

	if (conn == NULL)
		return;
	/* Never hand out a connection with an open transaction. */
	if (!sqlite3_get_autocommit(conn->db))
		sqlite3_exec(conn->db, "ROLLBACK", NULL, NULL, NULL);
	end_durable(conn);
	pthread_mutex_lock(&b->mu);
	for (unsigned i = 0; i < b->size; i++) {
		if (b->conns[i] == conn)
			b->in_use[i] = 0;
	}
	pthread_cond_signal(&b->cv);
	pthread_mutex_unlock(&b->mu);
}

static enum medfw_err exec_script(struct medfwi_conn *conn, const char *sql,
				  struct medfw_diag *diag)
{
	return exec_sql(conn, sql, diag);
}

static const char SQL_BEGIN[] = "BEGIN";
static const char SQL_BEGIN_IMMEDIATE[] = "BEGIN IMMEDIATE";
static const char SQL_COMMIT[] = "COMMIT";
static enum medfw_err run_cached(struct medfwi_conn *conn, const char *sql,
				 struct medfw_diag *diag);

/* Take the process's write mutex, waiting at most the busy timeout (a thread that
 * already writes and asks again on another connection would wait forever). */
static int write_lock(struct medfwi_conn *conn)
{
	struct sqlite_backend *b = conn->backend;
	struct timespec until;
	int rc;

	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += (time_t)(b->busy_timeout_ms / 1000u);
	until.tv_nsec += (long)(b->busy_timeout_ms % 1000u) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	rc = pthread_mutex_timedlock(&b->write_mu, &until);
	if (rc != 0)
		return rc == ETIMEDOUT ? -1 : -2;
	conn->writing = 1;
	return 0;
}

static void write_unlock(struct medfwi_conn *conn)
{
	if (conn->writing) {
		conn->writing = 0;
		pthread_mutex_unlock(&conn->backend->write_mu);
	}
}

static void end_durable(struct medfwi_conn *conn)
{
	if (conn->durable)
		sqlite3_exec(conn->db, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL);
	conn->durable = 0;
	write_unlock(conn);
}

static enum medfw_err begin(struct medfwi_conn *conn, enum medfwi_tx_kind kind,
			    struct medfw_diag *diag)
{
	enum medfw_err err;

	conn->busy = 0;
	if (kind != MEDFWI_TX_READ && write_lock(conn) != 0) {
		conn->busy = 1;
		return medfw_diag_set(diag, MEDFW_ERR_IO, "store: database is busy (write lock)");
	}
	if (kind == MEDFWI_TX_DURABLE) {
		/* synchronous cannot change inside a transaction: set it around it. */
		err = exec_sql(conn, "PRAGMA synchronous=FULL", diag);
		if (err != MEDFW_OK) {
			write_unlock(conn);
			return err;
		}
		conn->durable = 1;
	}
	err = run_cached(conn, kind == MEDFWI_TX_READ ? SQL_BEGIN : SQL_BEGIN_IMMEDIATE, diag);
	if (err != MEDFW_OK)
		end_durable(conn);
	return err;
}

static enum medfw_err commit(struct medfwi_conn *conn, struct medfw_diag *diag)
{
	enum medfw_err err = run_cached(conn, SQL_COMMIT, diag);

	if (err != MEDFW_OK && !sqlite3_get_autocommit(conn->db))
		sqlite3_exec(conn->db, "ROLLBACK", NULL, NULL, NULL);
	end_durable(conn);
	return err;
}

static void rollback(struct medfwi_conn *conn)
{
	if (!sqlite3_get_autocommit(conn->db))
		sqlite3_exec(conn->db, "ROLLBACK", NULL, NULL, NULL);
	end_durable(conn);
}

static int last_busy(const struct medfwi_conn *conn)
{
	return conn->busy;
}

static enum medfw_err prepare(struct medfwi_conn *conn, const char *sql, int cacheable,
			      struct medfwi_stmt **out, struct medfw_diag *diag)
{
	struct medfwi_stmt *st = NULL;
	int rc;

	*out = NULL;
	if (cacheable) {
		for (size_t i = 0; i < conn->cached; i++) {
			if (conn->cache[i]->key == sql && !conn->cache[i]->in_use) {
				conn->cache[i]->in_use = 1;
				*out = conn->cache[i];
				return MEDFW_OK;
			}
		}
	}
	st = calloc(1, sizeof(*st));
	if (st == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_NOMEM, "store: out of memory");
	cacheable = cacheable && conn->cached < STMT_CACHE_MAX;
	rc = sqlite3_prepare_v3(conn->db, sql, -1, cacheable ? SQLITE_PREPARE_PERSISTENT : 0,
				&st->s, NULL);
	if (rc != SQLITE_OK) {
		conn->busy = is_busy_rc(rc);
		free(st);
		return medfw_diag_set(diag, MEDFW_ERR_IO, "store: sqlite prepare: %s",
				      sqlite3_errmsg(conn->db));
	}
	st->conn = conn;
	st->in_use = 1;
	if (cacheable) {
		st->key = sql;
		conn->cache[conn->cached++] = st;
	}
	*out = st;
	return MEDFW_OK;
}

static void finish(struct medfwi_stmt *st)
{
	if (st == NULL)
		return;
	sqlite3_reset(st->s); /* ends (commits) a statement outside a transaction */
	if (st->holds_write) {
		st->holds_write = 0;
		write_unlock(st->conn);
	}
	if (st->key != NULL) {
		sqlite3_clear_bindings(st->s);
		st->in_use = 0;
		return;
	}
	sqlite3_finalize(st->s);
	free(st);
}

static enum medfw_err bind_rc(int rc)
{
	return rc == SQLITE_OK ? MEDFW_OK : (rc == SQLITE_NOMEM ? MEDFW_ERR_NOMEM : MEDFW_ERR_INVALID_ARG);
}

static enum medfw_err bind_int(struct medfwi_stmt *st, int idx, int64_t v)
{
	return bind_rc(sqlite3_bind_int64(st->s, idx, (sqlite3_int64)v));
}

static enum medfw_err bind_text(struct medfwi_stmt *st, int idx, const char *s, size_t len)
{
	if (len > (size_t)0x7fffffff)
		return MEDFW_ERR_TOO_LARGE;
	return bind_rc(sqlite3_bind_text(st->s, idx, s, (int)len, SQLITE_TRANSIENT));
}

static enum medfw_err bind_blob(struct medfwi_stmt *st, int idx, const void *p, size_t len)
{
	if (len > (size_t)0x7fffffff)
		return MEDFW_ERR_TOO_LARGE;
	return bind_rc(sqlite3_bind_blob(st->s, idx, p, (int)len, SQLITE_TRANSIENT));
}

static enum medfw_err bind_null(struct medfwi_stmt *st, int idx)
{
	return bind_rc(sqlite3_bind_null(st->s, idx));
}

/* "UNIQUE constraint failed: devices.site_id, devices.serial" -> "site_id, serial" */
static void constraint_columns(const char *msg, char *out, size_t cap)
{
	const char *p = strstr(msg, "failed: ");
	size_t n = 0;

	out[0] = '\0';
	if (p == NULL || cap == 0)
		return;
	p += 8;
	while (*p != '\0' && n + 1 < cap) {
		const char *comma = strchr(p, ',');
		const char *end = comma != NULL ? comma : p + strlen(p);
		const char *dot = memchr(p, '.', (size_t)(end - p));
		const char *col = dot != NULL ? dot + 1 : p;
		size_t len = (size_t)(end - col);

		if (n > 0 && n + 2 < cap) {
			memcpy(out + n, ", ", 2);
			n += 2;
		}
		if (len > cap - 1 - n)
			len = cap - 1 - n;
		memcpy(out + n, col, len);
		n += len;
		if (comma == NULL)
			break;
		p = comma + 1;
		while (*p == ' ')
			p++;
	}
	out[n] = '\0';
}

static enum medfw_err step(struct medfwi_stmt *st, const char *what, int *out_row,
			   struct medfw_diag *diag)
{
	struct medfwi_conn *c = st->conn;
	int rc, ext;
	char cols[160];

	/* A write outside a transaction queues on the write mutex like a transaction
	 * (held until finish): so in-process writers never meet in SQLite's sleeping
	 * busy handler, and the checkpointer can stop them all for its RESTART. */
	if (!c->writing && !sqlite3_stmt_busy(st->s) && sqlite3_get_autocommit(c->db) &&
	    !sqlite3_stmt_readonly(st->s)) {
		if (write_lock(c) != 0) {
			c->busy = 1;
			return medfw_diag_set(diag, MEDFW_ERR_IO, "%s: database is busy (write lock)",
					      what);
		}
		st->holds_write = 1;
	}
	rc = sqlite3_step(st->s);

	*out_row = 0;
	if (rc == SQLITE_ROW) {
		*out_row = 1;
		return MEDFW_OK;
	}
	if (rc == SQLITE_DONE)
		return MEDFW_OK;
	ext = sqlite3_extended_errcode(c->db);
	switch (ext) {
	case SQLITE_CONSTRAINT_UNIQUE:
	case SQLITE_CONSTRAINT_PRIMARYKEY:
		constraint_columns(sqlite3_errmsg(c->db), cols, sizeof(cols));
		return medfw_diag_set(diag, MEDFW_ERR_EXISTS, "%s: %s already exists", what, cols);
	case SQLITE_CONSTRAINT_TRIGGER: /* ON DELETE RESTRICT, or our append-only guard */
		if (strstr(sqlite3_errmsg(c->db), "FOREIGN KEY") == NULL)
			return medfw_diag_set(diag, MEDFW_ERR_STATE, "%s: %s", what,
					      sqlite3_errmsg(c->db));
		__attribute__((fallthrough));
	case SQLITE_CONSTRAINT_FOREIGNKEY:
		return medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND,
				      "%s: a referenced row does not exist, or the row is still "
				      "referenced",
				      what);
	case SQLITE_CONSTRAINT_CHECK:
	case SQLITE_CONSTRAINT_NOTNULL:
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "%s: %s", what,
				      sqlite3_errmsg(c->db));
	default:
		break;
	}
	if (is_busy_rc(rc)) {
		c->busy = 1;
		return medfw_diag_set(diag, MEDFW_ERR_IO, "%s: database is busy", what);
	}
	return medfw_diag_set(diag, MEDFW_ERR_IO, "%s: sqlite: %s", what, sqlite3_errmsg(c->db));
}

static int column_null(struct medfwi_stmt *st, int col)
{
	return sqlite3_column_type(st->s, col) == SQLITE_NULL;
}

static int64_t column_int(struct medfwi_stmt *st, int col)
{
	return (int64_t)sqlite3_column_int64(st->s, col);
}

static const uint8_t *column_bytes(struct medfwi_stmt *st, int col, size_t *out_len)
{
	int type = sqlite3_column_type(st->s, col);
	const uint8_t *p;
	int n;

	*out_len = 0;
	if (type == SQLITE_NULL)
		return NULL;
	if (type == SQLITE_BLOB)
		p = sqlite3_column_blob(st->s, col);
	else
		p = sqlite3_column_text(st->s, col);
	n = sqlite3_column_bytes(st->s, col);
	if (p == NULL || n <= 0)
		return (const uint8_t *)"";
	*out_len = (size_t)n;
	return p;
}

static int64_t changes(struct medfwi_conn *conn)
{
	return (int64_t)sqlite3_changes64(conn->db);
}

static const char SQL_SAVEPOINT[] = "SAVEPOINT medfw_item";
static const char SQL_RELEASE[] = "RELEASE medfw_item";
static const char SQL_ROLLBACK_TO[] = "ROLLBACK TO medfw_item";

/* One cached statement, run to completion (savepoints run once per group-committed
 * item: parsing them each time cost more than the item's own work). */
static enum medfw_err run_cached(struct medfwi_conn *conn, const char *sql,
				 struct medfw_diag *diag)
{
	struct medfwi_stmt *st = NULL;
	enum medfw_err err = prepare(conn, sql, 1, &st, diag);
	int rc;

	if (err != MEDFW_OK)
		return err;
	rc = sqlite3_step(st->s);
	if (rc != SQLITE_DONE) {
		conn->busy = is_busy_rc(rc);
		err = medfw_diag_set(diag, MEDFW_ERR_IO, "store: sqlite: %s",
				     sqlite3_errmsg(conn->db));
	}
	finish(st);
	return err;
}

static enum medfw_err savepoint(struct medfwi_conn *conn, enum medfwi_savepoint op,
			       struct medfw_diag *diag)
{
	enum medfw_err err;

	switch (op) {
	case MEDFWI_SAVEPOINT_MARK: return run_cached(conn, SQL_SAVEPOINT, diag);
	case MEDFWI_SAVEPOINT_RELEASE: return run_cached(conn, SQL_RELEASE, diag);
	case MEDFWI_SAVEPOINT_ROLLBACK:
		err = run_cached(conn, SQL_ROLLBACK_TO, diag);
		return err == MEDFW_OK ? run_cached(conn, SQL_RELEASE, diag) : err;
	}
	return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "store: bad savepoint operation");
}

const struct medfw_store_ops medfwi_store_sqlite_ops = {
	.name = "sqlite",
	.migrations = medfwi_sqlite_migrations,
	.open = backend_open,
	.close = backend_close,
	.acquire = acquire,
	.release = release,
	.exec_script = exec_script,
	.begin = begin,
	.commit = commit,
	.rollback = rollback,
	.savepoint = savepoint,
	.last_busy = last_busy,
	.prepare = prepare,
	.finish = finish,
	.bind_int = bind_int,
	.bind_text = bind_text,
	.bind_blob = bind_blob,
	.bind_null = bind_null,
	.step = step,
	.column_null = column_null,
	.column_int = column_int,
	.column_bytes = column_bytes,
	.changes = changes,
};
