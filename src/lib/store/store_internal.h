/* The store's backend interface and the query helpers shared by the entity files.
 *
 * A backend is one struct medfw_store_ops: connections (a pool), transactions,
 * prepared statements with positional `?` parameters, and its own schema migrations.
 * Entity code (sites.c, users.c, ...) is written once against this table in the SQL
 * subset both SQLite and PostgreSQL accept (INSERT ... RETURNING, ON CONFLICT, no
 * vendor functions); a backend whose placeholders differ rewrites `?` at prepare.
 * See docs/store.md.
 */
#ifndef MEDFW_STORE_INTERNAL_H
#define MEDFW_STORE_INTERNAL_H

#include "medfw/store.h"

struct medfwi_conn;
struct medfwi_stmt;

enum medfwi_tx_kind {
	MEDFWI_TX_NONE = 0,    /* autocommit: each statement on its own */
	MEDFWI_TX_READ = 1,    /* one consistent snapshot for several reads */
	MEDFWI_TX_WRITE = 2,   /* takes the write lock at begin (no upgrade deadlocks) */
	MEDFWI_TX_DURABLE = 3, /* WRITE, and the commit is synced to disk */
};

enum medfwi_savepoint {
	MEDFWI_SAVEPOINT_MARK = 0,
	MEDFWI_SAVEPOINT_RELEASE = 1,
	MEDFWI_SAVEPOINT_ROLLBACK = 2,
};

/* One DDL statement of a schema version. A backend's list is ordered by version and
 * ends with {0, NULL}; it is append only. */
struct medfwi_migration {
	int64_t version;
	const char *sql;
};

struct medfw_store_ops {
	const char *name; /* URL scheme: "sqlite" */
	const struct medfwi_migration *migrations;

	enum medfw_err (*open)(struct medfw_ctx *ctx, const char *location,
			       const struct medfw_store_opts *opts, void **out_backend,
			       struct medfw_diag *diag);
	void (*close)(void *backend);

	/* Borrow a connection for the calling thread (waits while all are busy). */
	enum medfw_err (*acquire)(void *backend, struct medfwi_conn **out, struct medfw_diag *diag);
	void (*release)(void *backend, struct medfwi_conn *conn);

	/* Run trusted SQL text without parameters (migrations only). */
	enum medfw_err (*exec_script)(struct medfwi_conn *conn, const char *sql,
				      struct medfw_diag *diag);
	enum medfw_err (*begin)(struct medfwi_conn *conn, enum medfwi_tx_kind kind,
				struct medfw_diag *diag);
	enum medfw_err (*commit)(struct medfwi_conn *conn, struct medfw_diag *diag);
	void (*rollback)(struct medfwi_conn *conn);
	/* Inside a write transaction: mark a savepoint, release it (keep what was done
	 * since), or roll back to it and release it. Group commits (medfw_store_batch)
	 * run each caller's work between a mark and a release or roll-back. */
	enum medfw_err (*savepoint)(struct medfwi_conn *conn, enum medfwi_savepoint op,
				    struct medfw_diag *diag);
	/* Whether the last failure on conn was lock contention (worth a retry). */
	int (*last_busy)(const struct medfwi_conn *conn);

	/* `sql` is a string constant when cacheable (the pointer is the cache key). */
	enum medfw_err (*prepare)(struct medfwi_conn *conn, const char *sql, int cacheable,
				  struct medfwi_stmt **out, struct medfw_diag *diag);
	void (*finish)(struct medfwi_stmt *st);
	enum medfw_err (*bind_int)(struct medfwi_stmt *st, int idx, int64_t v);
	enum medfw_err (*bind_text)(struct medfwi_stmt *st, int idx, const char *s, size_t len);
	enum medfw_err (*bind_blob)(struct medfwi_stmt *st, int idx, const void *p, size_t len);
	enum medfw_err (*bind_null)(struct medfwi_stmt *st, int idx);
	/* *out_row 1 with a row, 0 when done. Constraint failures map to MEDFW_ERR_EXISTS
	 * (unique; diag names `what` and the columns), MEDFW_ERR_NOT_FOUND (foreign key),
	 * MEDFW_ERR_FIELD_VALUE (check); busy to MEDFW_ERR_IO with last_busy set. */
	enum medfw_err (*step)(struct medfwi_stmt *st, const char *what, int *out_row,
			       struct medfw_diag *diag);
	int (*column_null)(struct medfwi_stmt *st, int col);
	int64_t (*column_int)(struct medfwi_stmt *st, int col);
	const uint8_t *(*column_bytes)(struct medfwi_stmt *st, int col, size_t *out_len);
	/* Rows changed by the last finished statement on conn. */
	int64_t (*changes)(struct medfwi_conn *conn);
};

extern const struct medfw_store_ops medfwi_store_sqlite_ops;
extern const struct medfwi_migration medfwi_sqlite_migrations[];

struct medfw_store {
	const struct medfw_store_ops *ops;
	void *backend;
	struct medfw_ctx *ctx;
	struct medfwi_conn *pinned; /* non-NULL: a handle inside a transaction */
	unsigned retries;
	struct medfwi_batcher *batcher; /* medfw_store_batch's queue (shared by views) */
};

/* Run fn with a pinned handle, in a transaction of `kind`, retrying on contention.
 * A handle that is already pinned runs fn directly (joins the transaction). */
typedef enum medfw_err (*medfwi_run_fn)(struct medfw_store *pinned, void *arg,
					struct medfw_diag *diag);
enum medfw_err medfwi_run(struct medfw_store *store, enum medfwi_tx_kind kind, medfwi_run_fn fn,
			  void *arg, struct medfw_diag *diag);

/* ---- one statement ---------------------------------------------------------- */

/* A statement on the store's pinned connection, or on one borrowed for it. Binds
 * take the next positional parameter; the first failure is kept in err and returned
 * by q_step/q_exec. Always end with q_end. */
struct medfwi_q {
	struct medfw_store *store;
	struct medfwi_conn *conn;
	int borrowed;
	struct medfwi_stmt *st;
	int idx;
	const char *what;
	struct medfw_diag *diag;
	enum medfw_err err;
};

enum medfw_err medfwi_q_begin(struct medfwi_q *q, struct medfw_store *store, const char *what,
			      const char *sql, struct medfw_diag *diag);
/* Same with uncached SQL built at run time (from constant fragments only). */
enum medfw_err medfwi_q_begin_dynamic(struct medfwi_q *q, struct medfw_store *store,
				      const char *what, const char *sql, struct medfw_diag *diag);
void medfwi_q_int(struct medfwi_q *q, int64_t v);
void medfwi_q_int0(struct medfwi_q *q, int64_t v);     /* 0 -> NULL */
void medfwi_q_text(struct medfwi_q *q, const char *s); /* NULL -> NULL */
void medfwi_q_text0(struct medfwi_q *q, const char *s); /* "" -> NULL */
void medfwi_q_blob(struct medfwi_q *q, const void *p, size_t len);
void medfwi_q_blob0(struct medfwi_q *q, const void *p, size_t len); /* len 0 -> NULL */
enum medfw_err medfwi_q_step(struct medfwi_q *q, int *out_row);
/* Step to completion expecting no row; *out_changes (may be NULL) = rows changed. */
enum medfw_err medfwi_q_exec(struct medfwi_q *q, int64_t *out_changes);
int64_t medfwi_q_col_int(struct medfwi_q *q, int col); /* NULL -> 0 */
int medfwi_q_col_null(struct medfwi_q *q, int col);
/* Copy a text column into out (cap bytes incl. NUL); NULL -> "". */
void medfwi_q_col_text(struct medfwi_q *q, int col, char *out, size_t cap);
/* Copy a blob column; exactly `len` bytes unless out_len given (then up to cap). */
void medfwi_q_col_blob(struct medfwi_q *q, int col, uint8_t *out, size_t cap, size_t *out_len);
enum medfw_err medfwi_q_end(struct medfwi_q *q);

/* ---- argument checks -------------------------------------------------------- */

enum medfw_err medfwi_check_scope(struct medfw_store_scope scope, struct medfw_diag *diag);
/* s must be NUL-terminated within max+1 bytes (and non-empty when required). */
enum medfw_err medfwi_check_str(const char *s, size_t max, int required, const char *what,
				const char *field, struct medfw_diag *diag);
/* Bind (all_sites, site_id) for the pattern "(? OR site_id = ?)". */
void medfwi_q_scope(struct medfwi_q *q, struct medfw_store_scope scope);

int64_t medfwi_now(const struct medfw_store *store);

#endif
