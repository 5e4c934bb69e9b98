/* The fleet server's storage: sites, users, sessions, tokens, devices, director
 * assignments, the audit trail and server settings.
 *
 * One interface over pluggable backends (struct medfw_store_ops, see
 * src/lib/store/store_internal.h and docs/store.md): SQLite today ("sqlite:/path" or a
 * plain path), PostgreSQL later. Handlers only ever see this header.
 *
 * Threading: a struct medfw_store is safe to use from any number of threads at once.
 * The backend keeps a small pool of connections; each call borrows one for its
 * duration. Inside medfw_store_tx the callback receives a handle pinned to one
 * connection; that handle belongs to the calling thread and is only valid inside the
 * callback.
 *
 * Conventions:
 *  - ids are int64 (> 0); times are int64 seconds since the epoch, UTC; 0 means "unset"
 *    for optional times and optional ids (stored as NULL).
 *  - every string is a fixed, NUL-terminated array with a named maximum; inputs longer
 *    than the maximum (or not terminated within it) fail with MEDFW_ERR_TOO_LARGE.
 *  - token and session secrets are never stored: only their SHA-256
 *    (MEDFW_STORE_HASH_LEN bytes).
 *  - reads that are tenant data take a struct medfw_store_scope by value; a zeroed
 *    scope is refused (MEDFW_ERR_INVALID_ARG), so a handler cannot forget it. A row of
 *    another site is reported as MEDFW_ERR_NOT_FOUND.
 *  - errors: unique violation -> MEDFW_ERR_EXISTS (diag names entity and field),
 *    missing row or dangling reference -> MEDFW_ERR_NOT_FOUND, invalid enum/bounds ->
 *    MEDFW_ERR_FIELD_VALUE / MEDFW_ERR_TOO_LARGE, database busy after bounded retries
 *    or I/O failure -> MEDFW_ERR_IO, schema newer than this code ->
 *    MEDFW_ERR_VERSION_MISMATCH. On failure, outputs are cleared.
 */
#ifndef MEDFW_STORE_H
#define MEDFW_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "medfw/ctx.h"
#include "medfw/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bounds (characters, without the terminating NUL). */
#define MEDFW_STORE_NAME_MAX 128          /* names, usernames, models, locations */
#define MEDFW_STORE_SHORT_MAX 64          /* time zone, versions, ip, mac, zone */
#define MEDFW_STORE_PASSWORD_HASH_MAX 256 /* Argon2id encoded string */
#define MEDFW_STORE_SCOPES_MAX 512        /* api token scopes, space separated */
#define MEDFW_STORE_TARGET_NAME_MAX 255
#define MEDFW_STORE_JSON_MAX 4096         /* target hashes, audit detail */
#define MEDFW_STORE_SETTING_KEY_MAX 64
#define MEDFW_STORE_SETTING_VALUE_MAX 4096
#define MEDFW_STORE_SIGNATURE_MAX 1024    /* checkpoint signature (text, e.g. base64) */
#define MEDFW_STORE_HEX_HASH_MAX 128      /* audit chain hashes (hex) */
#define MEDFW_STORE_EVENT_MAX 64
#define MEDFW_STORE_UPDATE_TARGET_MAX 1024 /* TUF target path of an update event */
#define MEDFW_STORE_UPDATE_REASON_MAX 2048 /* bytes: 512 UTF-8 characters of up to 4 */
#define MEDFW_STORE_TAGS_MAX 512          /* a device's tags, canonical text form */
#define MEDFW_STORE_TAG_MAX 64            /* one tag */
#define MEDFW_STORE_TAGS_COUNT_MAX 64     /* tags of one device */
/* Raw sizes. */
#define MEDFW_STORE_HASH_LEN 32           /* SHA-256 of a token or session secret */
#define MEDFW_STORE_TOTP_SECRET_MAX 64
#define MEDFW_STORE_PUBKEY_LEN 32         /* Ed25519 public key */
#define MEDFW_STORE_NONCE_MAX 64

#define MEDFW_STORE_POOL_MAX 64

/* ---------------------------------------------------------------- handle */

struct medfw_store;

struct medfw_store_opts {
	unsigned pool_size;       /* connections; 0 = 8 */
	unsigned busy_timeout_ms; /* per statement wait for a lock; 0 = 5000 */
	unsigned busy_retries;    /* whole-transaction retries after busy; 0 = 3 */
};

/* Open (creating if needed) the store at `url` ("sqlite:/path/medfwd.db" or a plain
 * path) and apply pending schema migrations. *out is freed by medfw_store_close.
 * A database whose schema is newer than this code fails with
 * MEDFW_ERR_VERSION_MISMATCH and is left untouched. `ctx` must outlive the store. */
enum medfw_err medfw_store_open(struct medfw_ctx *ctx, const char *url, struct medfw_store **out,
				struct medfw_diag *diag) MEDFW_WARN_UNUSED;
/* As medfw_store_open; opts NULL means defaults. */
enum medfw_err medfw_store_open_with(struct medfw_ctx *ctx, const char *url,
				     const struct medfw_store_opts *opts, struct medfw_store **out,
				     struct medfw_diag *diag) MEDFW_WARN_UNUSED;
/* NULL is a no-op. No call may be in progress. */
void medfw_store_close(struct medfw_store *store);

/* "sqlite" (later "postgresql"). */
const char *medfw_store_backend_name(const struct medfw_store *store);
/* The schema version in the database and the newest one this code knows. */
enum medfw_err medfw_store_schema_version(struct medfw_store *store, int64_t *out_version,
					  struct medfw_diag *diag);
int64_t medfw_store_schema_version_known(const struct medfw_store *store);

/* ---------------------------------------------------------------- transactions */

/* Run fn inside one write transaction. `tx` is a handle pinned to the transaction's
 * connection: pass it (not `store`) to every store call inside fn. fn returning
 * MEDFW_OK commits; anything else rolls back and is returned. When the database is
 * busy the whole transaction is retried (fn runs again from the start: keep side
 * effects outside the store idempotent) a bounded number of times, then MEDFW_ERR_IO.
 * Called with a pinned handle it joins the running transaction. Commits of
 * medfw_store_tx are durable (synchronous=FULL): see docs/store.md. */
typedef enum medfw_err (*medfw_store_tx_fn)(struct medfw_store *tx, void *user,
					    struct medfw_diag *diag);
enum medfw_err medfw_store_tx(struct medfw_store *store, medfw_store_tx_fn fn, void *user,
			      struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* Group commit, for many small writes from many threads (device check-ins, request
 * nonces): fn runs inside one write transaction shared with other callers' work,
 * between a savepoint and its release, so fn's changes are kept or dropped as a
 * whole (fn's error rolls back only its own changes) and are visible once this
 * returns MEDFW_OK. The caller that finds no transaction running runs the queue;
 * the others wait for it. Returns fn's result, or the transaction's failure (then
 * nothing of fn was kept). Not durable against power loss (synchronous=NORMAL:
 * the last commits may be lost, the database stays consistent), as single
 * statements are; fn may run more than once (busy retries) and on another thread.
 * Called with a pinned handle it joins the running transaction. */
enum medfw_err medfw_store_batch(struct medfw_store *store, medfw_store_tx_fn fn, void *user,
				 struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* ---------------------------------------------------------------- scope */

/* Which sites a query may see. Build with medfw_store_scope_site/_all. */
struct medfw_store_scope {
	int all_sites;   /* 1: every site (manufacturer staff) */
	int64_t site_id; /* else: only this site (> 0) */
};
struct medfw_store_scope medfw_store_scope_site(int64_t site_id);
struct medfw_store_scope medfw_store_scope_all(void);

/* ---------------------------------------------------------------- enums */

enum medfw_store_role {
	MEDFW_ROLE_ADMIN = 1,
	MEDFW_ROLE_RELEASE_MANAGER = 2,
	MEDFW_ROLE_CLINICAL_ENGINEER = 3,
	MEDFW_ROLE_SECURITY_OFFICER = 4,
	MEDFW_ROLE_REMOTE_SUPPORT = 5,
	MEDFW_ROLE_AUDITOR = 6,
};
enum medfw_store_clinical_state {
	MEDFW_CLINICAL_UNKNOWN = 0,
	MEDFW_CLINICAL_IN_USE = 1,
	MEDFW_CLINICAL_IDLE = 2,
};
enum medfw_store_enrolment_state {
	MEDFW_ENROLMENT_PENDING = 1,
	MEDFW_ENROLMENT_ENROLLED = 2,
	MEDFW_ENROLMENT_REVOKED = 3,
};
enum medfw_store_actor_type {
	MEDFW_ACTOR_USER = 1,
	MEDFW_ACTOR_TOKEN = 2,
	MEDFW_ACTOR_DEVICE = 3,
	MEDFW_ACTOR_SYSTEM = 4,
};
/* The phases of an update a device reports (docs/devices.md "Update events"). */
enum medfw_store_update_event {
	MEDFW_UPDATE_NONE = 0, /* no event yet (a device's update_state) */
	MEDFW_UPDATE_OFFERED = 1,
	MEDFW_UPDATE_DEFERRED = 2,
	MEDFW_UPDATE_DOWNLOADING = 3,
	MEDFW_UPDATE_VERIFIED = 4,
	MEDFW_UPDATE_INSTALLED = 5,
	MEDFW_UPDATE_REBOOTING = 6,
	MEDFW_UPDATE_COMMITTED = 7,
	MEDFW_UPDATE_ROLLED_BACK = 8,
	MEDFW_UPDATE_FAILED = 9,
};
#define MEDFW_UPDATE_EVENT_COUNT 10 /* values 0..9, for tables indexed by the enum */
/* Whether a reported image hash is a release the manufacturer signed. */
enum medfw_store_tristate {
	MEDFW_TRI_UNKNOWN = -1,
	MEDFW_TRI_NO = 0,
	MEDFW_TRI_YES = 1,
};

/* Stable names ("release_manager", "in_use", "enrolled", "device") and their parsers
 * (MEDFW_ERR_FIELD_VALUE for an unknown name). Names of invalid values are NULL. */
const char *medfw_store_role_name(enum medfw_store_role role);
enum medfw_err medfw_store_role_parse(const char *name, enum medfw_store_role *out);
const char *medfw_store_clinical_state_name(enum medfw_store_clinical_state s);
enum medfw_err medfw_store_clinical_state_parse(const char *name,
						enum medfw_store_clinical_state *out);
const char *medfw_store_enrolment_state_name(enum medfw_store_enrolment_state s);
enum medfw_err medfw_store_enrolment_state_parse(const char *name,
						 enum medfw_store_enrolment_state *out);
const char *medfw_store_actor_type_name(enum medfw_store_actor_type t);
enum medfw_err medfw_store_actor_type_parse(const char *name, enum medfw_store_actor_type *out);
/* "offered", ..., "rolled_back", "failed" (MEDFW_UPDATE_NONE has no name: NULL). */
const char *medfw_store_update_event_name(enum medfw_store_update_event t);
enum medfw_err medfw_store_update_event_parse(const char *name,
					      enum medfw_store_update_event *out);

/* ---------------------------------------------------------------- sites */

struct medfw_store_site {
	int64_t id; /* set by create */
	char name[MEDFW_STORE_NAME_MAX + 1];
	char time_zone[MEDFW_STORE_SHORT_MAX + 1];
	int64_t created_at; /* set by create (now) */
};

/* Sites are created and deleted by global staff only (no scope). Deleting a site
 * that still has users or devices fails with MEDFW_ERR_STATE. */
enum medfw_err medfw_store_site_create(struct medfw_store *store, struct medfw_store_site *site,
				       struct medfw_diag *diag) MEDFW_WARN_UNUSED;
enum medfw_err medfw_store_site_get(struct medfw_store *store, struct medfw_store_scope scope,
				    int64_t id, struct medfw_store_site *out,
				    struct medfw_diag *diag) MEDFW_WARN_UNUSED;
/* Sites ordered by id, skipping `offset`; at most `cap` into out. */
enum medfw_err medfw_store_site_list(struct medfw_store *store, struct medfw_store_scope scope,
				     int64_t offset, struct medfw_store_site *out, size_t cap,
				     size_t *out_count, struct medfw_diag *diag) MEDFW_WARN_UNUSED;
/* Updates name and time_zone of site->id. */
enum medfw_err medfw_store_site_update(struct medfw_store *store, struct medfw_store_scope scope,
				       const struct medfw_store_site *site,
				       struct medfw_diag *diag) MEDFW_WARN_UNUSED;
enum medfw_err medfw_store_site_delete(struct medfw_store *store, int64_t id,
				       struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* ---------------------------------------------------------------- users */

struct medfw_store_user {
	int64_t id;      /* set by create */
	int64_t site_id; /* 0: global (manufacturer) staff */
	char username[MEDFW_STORE_NAME_MAX + 1];
	char display_name[MEDFW_STORE_NAME_MAX + 1];
	enum medfw_store_role role;
	char password_hash[MEDFW_STORE_PASSWORD_HASH_MAX + 1]; /* opaque here */
	uint8_t totp_secret[MEDFW_STORE_TOTP_SECRET_MAX];
	size_t totp_secret_len; /* 0: no TOTP enrolled */
	int totp_required;
	int64_t totp_last_counter;
	int64_t failed_logins;
	int64_t locked_until; /* 0: not locked */
	int disabled;
	int64_t created_at; /* set by create */
};

enum medfw_err medfw_store_user_create(struct medfw_store *store, struct medfw_store_user *user,
				       struct medfw_diag *diag) MEDFW_WARN_UNUSED;
enum medfw_err medfw_store_user_get(struct medfw_store *store, struct medfw_store_scope scope,
				    int64_t id, struct medfw_store_user *out,
				    struct medfw_diag *diag) MEDFW_WARN_UNUSED;
/* Login lookup by username across all sites (the user's site is in the result). */
enum medfw_err medfw_store_user_find_login(struct medfw_store *store, const char *username,
					   struct medfw_store_user *out,
					   struct medfw_diag *diag) MEDFW_WARN_UNUSED;
/* A site scope lists that site's users only (not global staff). Ordered by id. */
enum medfw_err medfw_store_user_list(struct medfw_store *store, struct medfw_store_scope scope,
				     int64_t offset, struct medfw_store_user *out, size_t cap,
				     size_t *out_count, struct medfw_diag *diag) MEDFW_WARN_UNUSED;
/* Writes every field but id, created_at and the login counters (failed_logins,
 * locked_until, totp_last_counter), which change only through the calls below. */
enum medfw_err medfw_store_user_update(struct medfw_store *store, struct medfw_store_scope scope,
				       const struct medfw_store_user *user,
				       struct medfw_diag *diag) MEDFW_WARN_UNUSED;
/* Deletes the user and (cascade) their sessions and API tokens. */
enum medfw_err medfw_store_user_delete(struct medfw_store *store, struct medfw_store_scope scope,
				       int64_t id, struct medfw_diag *diag) MEDFW_WARN_UNUSED;
/* Atomically count a failed login; at `max_failures` consecutive failures the account
 * is locked until now + lock_seconds. *out_locked_until (may be NULL) gets the result. */
enum medfw_err medfw_store_user_login_failed(struct medfw_store *store, int64_t id,
					     int64_t max_failures, int64_t lock_seconds,
					     int64_t *out_locked_until,
					     struct medfw_diag *diag) MEDFW_WARN_UNUSED;
/* *out_count = enabled manufacturer-wide administrators (role admin, no site, not
 * disabled): the accounts that can still administer the whole server. */
enum medfw_err medfw_store_user_count_global_admins(struct medfw_store *store,
						    int64_t *out_count,
						    struct medfw_diag *diag) MEDFW_WARN_UNUSED;
/* Reset failed_logins and locked_until. */
enum medfw_err medfw_store_user_login_succeeded(struct medfw_store *store, int64_t id,
						struct medfw_diag *diag) MEDFW_WARN_UNUSED;
/* Accept TOTP time step `counter` only if it is newer than the last accepted one
 * (atomic; a replayed code fails with MEDFW_ERR_ROLLBACK). */
enum medfw_err medfw_store_user_totp_accept(struct medfw_store *store, int64_t id,
					    int64_t counter,
					    struct medfw_diag *diag) MEDFW_WARN_UNUSED;
/* Complete user `id`'s pending TOTP enrolment, in one write transaction (joins the
 * caller's when `store` is a pinned handle): one statement sets the TOTP columns only
 * -- the secret (1..MEDFW_STORE_TOTP_SECRET_MAX bytes) and totp_last_counter =
 * `counter`, the time step of the code that confirmed it -- while the user is not
 * disabled and the setting `pending_key` still holds `pending_value` (the enrolment
 * the code was checked against); then that setting is deleted. Every other column
 * (role, disabled, names, password, totp_required) keeps what is stored, so a change
 * made meanwhile is not undone. A disabled user or a pending enrolment deleted or
 * replaced meanwhile: MEDFW_ERR_STATE (diag says which), nothing changed; no such
 * user: MEDFW_ERR_NOT_FOUND. */
enum medfw_err medfw_store_user_totp_enrol(struct medfw_store *store, int64_t id,
					   const char *pending_key, const char *pending_value,
					   const uint8_t *secret, size_t secret_len,
					   int64_t counter,
					   struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* ---------------------------------------------------------------- sessions */

struct medfw_store_session {
	uint8_t id[MEDFW_STORE_HASH_LEN]; /* SHA-256 of the session token */
	int64_t user_id;
	uint8_t csrf_hash[MEDFW_STORE_HASH_LEN];
	int64_t created_at;
	int64_t last_seen;
	int64_t expires_at;
	int64_t revoked_at; /* 0: live */
	char remote_addr[MEDFW_STORE_SHORT_MAX + 1];
};

enum medfw_err medfw_store_session_create(struct medfw_store *store,
					  const struct medfw_store_session *session,
					  struct medfw_diag *diag) MEDFW_WARN_UNUSED;
/* Returns the row whatever its state; the caller checks expiry and revocation. */
enum medfw_err medfw_store_session_get(struct medfw_store *store,
				       const uint8_t id[MEDFW_STORE_HASH_LEN],
				       struct medfw_store_session *out,
				       struct medfw_diag *diag) MEDFW_WARN_UNUSED;
enum medfw_err medfw_store_session_touch(struct medfw_store *store,
					 const uint8_t id[MEDFW_STORE_HASH_LEN], int64_t last_seen,
					 int64_t expires_at, struct medfw_diag *diag) MEDFW_WARN_UNUSED;
enum medfw_err medfw_store_session_revoke(struct medfw_store *store,
					  const uint8_t id[MEDFW_STORE_HASH_LEN],
					  struct medfw_diag *diag) MEDFW_WARN_UNUSED;
/* Revoke every live session of a user; *out_count (may be NULL) gets how many. */
enum medfw_err medfw_store_session_revoke_user(struct medfw_store *store, int64_t user_id,
					       size_t *out_count,
					       struct medfw_diag *diag) MEDFW_WARN_UNUSED;
/* Delete sessions that expired or were revoked before `before`. */
enum medfw_err medfw_store_session_purge(struct medfw_store *store, int64_t before,
					 size_t *out_count, struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* ---------------------------------------------------------------- api tokens */

struct medfw_store_api_token {
	int64_t id; /* set by create */
	int64_t user_id;
	char name[MEDFW_STORE_NAME_MAX + 1];
	uint8_t token_hash[MEDFW_STORE_HASH_LEN];
	char scopes[MEDFW_STORE_SCOPES_MAX + 1];
	int64_t created_at; /* set by create */
	int64_t expires_at; /* 0: never */
	int64_t last_used_at;
	int64_t revoked_at;
};

enum medfw_err medfw_store_api_token_create(struct medfw_store *store,
					    struct medfw_store_api_token *token,
					    struct medfw_diag *diag) MEDFW_WARN_UNUSED;
enum medfw_err medfw_store_api_token_find(struct medfw_store *store,
					  const uint8_t token_hash[MEDFW_STORE_HASH_LEN],
					  struct medfw_store_api_token *out,
					  struct medfw_diag *diag) MEDFW_WARN_UNUSED;
/* One token by id, whatever its state (unknown: MEDFW_ERR_NOT_FOUND). */
enum medfw_err medfw_store_api_token_get(struct medfw_store *store, int64_t id,
					 struct medfw_store_api_token *out,
					 struct medfw_diag *diag) MEDFW_WARN_UNUSED;
/* A user's tokens ordered by id. */
enum medfw_err medfw_store_api_token_list(struct medfw_store *store, int64_t user_id,
					  struct medfw_store_api_token *out, size_t cap,
					  size_t *out_count, struct medfw_diag *diag) MEDFW_WARN_UNUSED;
/* The same, skipping `offset` (0..INT32_MAX); *out_total (may be NULL) gets how many
 * tokens the user has (live, expired and revoked). */
enum medfw_err medfw_store_api_token_list_page(struct medfw_store *store, int64_t user_id,
					       int64_t offset, struct medfw_store_api_token *out,
					       size_t cap, size_t *out_count, int64_t *out_total,
					       struct medfw_diag *diag) MEDFW_WARN_UNUSED;
enum medfw_err medfw_store_api_token_touch(struct medfw_store *store, int64_t id, int64_t now,
					   struct medfw_diag *diag) MEDFW_WARN_UNUSED;
enum medfw_err medfw_store_api_token_revoke(struct medfw_store *store, int64_t id,
					    struct medfw_diag *diag) MEDFW_WARN_UNUSED;
/* Revoke every live API token of a user; *out_count (may be NULL) gets how many. */
enum medfw_err medfw_store_api_token_revoke_user(struct medfw_store *store, int64_t user_id,
						 size_t *out_count,
						 struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* ---------------------------------------------------------------- bootstrap */

/* Store the hash of the one-time first-admin token. Fails with MEDFW_ERR_EXISTS if a
 * bootstrap token was ever stored (there is only ever one). */
enum medfw_err medfw_store_bootstrap_create(struct medfw_store *store,
					    const uint8_t token_hash[MEDFW_STORE_HASH_LEN],
					    struct medfw_diag *diag) MEDFW_WARN_UNUSED;
/* Mark it used, atomically: succeeds once. Unknown hash -> MEDFW_ERR_NOT_FOUND,
 * already used -> MEDFW_ERR_STATE. */
enum medfw_err medfw_store_bootstrap_consume(struct medfw_store *store,
					     const uint8_t token_hash[MEDFW_STORE_HASH_LEN],
					     struct medfw_diag *diag) MEDFW_WARN_UNUSED;
/* *out_pending = 1 when a bootstrap token exists and is unused; *out_exists = 1 when
 * one was ever created (either pointer may be NULL). */
enum medfw_err medfw_store_bootstrap_state(struct medfw_store *store, int *out_exists,
					   int *out_pending, struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* ---------------------------------------------------------------- devices */

struct medfw_store_device {
	int64_t id; /* set by create */
	int64_t site_id;
	char udi_di[MEDFW_STORE_NAME_MAX + 1]; /* "" = none; (di, pi) unique when set */
	char udi_pi[MEDFW_STORE_NAME_MAX + 1];
	char serial[MEDFW_STORE_SHORT_MAX + 1]; /* required; unique per site */
	char model[MEDFW_STORE_NAME_MAX + 1];
	char hardware_id[MEDFW_STORE_NAME_MAX + 1];
	char department[MEDFW_STORE_NAME_MAX + 1];
	char location[MEDFW_STORE_NAME_MAX + 1];
	char network_zone[MEDFW_STORE_SHORT_MAX + 1];
	int64_t vlan; /* 0: none; else 1..4094 */
	char ip[MEDFW_STORE_SHORT_MAX + 1];
	char mac[MEDFW_STORE_SHORT_MAX + 1];
	char firmware_version[MEDFW_STORE_SHORT_MAX + 1];
	char image_sha256[MEDFW_STORE_SHORT_MAX + 1]; /* hex, as reported */
	enum medfw_store_tristate image_is_signed_release;
	char agent_version[MEDFW_STORE_SHORT_MAX + 1];
	int64_t last_seen; /* 0: never */
	enum medfw_store_clinical_state clinical_state;
	enum medfw_store_enrolment_state enrolment_state;
	uint8_t public_key[MEDFW_STORE_PUBKEY_LEN];
	int has_public_key;
	int64_t created_at; /* set by create */
	/* The device's newest update event by seq (medfw_store_device_events_append);
	 * read-only here: create and update never write these. */
	enum medfw_store_update_event update_state; /* NONE: no event yet */
	int64_t update_seq;                         /* 0: none */
	char update_target[MEDFW_STORE_UPDATE_TARGET_MAX + 1];
	char update_version[MEDFW_STORE_SHORT_MAX + 1];
	char update_reason[MEDFW_STORE_UPDATE_REASON_MAX + 1]; /* its reason, else its check */
	int64_t update_at; /* when the server received it; 0: none */
	/* People's labels for selections (rollouts): canonical text as made by
	 * medfw_store_tags_canonical ("" none); create and update refuse any other form. */
	char tags[MEDFW_STORE_TAGS_MAX + 1];
};

/* What a check-in reports; written together with last_seen. */
struct medfw_store_checkin {
	char ip[MEDFW_STORE_SHORT_MAX + 1];
	char firmware_version[MEDFW_STORE_SHORT_MAX + 1];
	char image_sha256[MEDFW_STORE_SHORT_MAX + 1];
	enum medfw_store_tristate image_is_signed_release;
	char agent_version[MEDFW_STORE_SHORT_MAX + 1];
	enum medfw_store_clinical_state clinical_state;
	int64_t now;
	/* Optional: "" keeps the stored value (older callers leave them zeroed). */
	char mac[MEDFW_STORE_SHORT_MAX + 1];
	char network_zone[MEDFW_STORE_SHORT_MAX + 1];
};

enum medfw_store_device_sort {
	MEDFW_DEVICE_SORT_ID = 0,
	MEDFW_DEVICE_SORT_SERIAL = 1,
	MEDFW_DEVICE_SORT_MODEL = 2,
	MEDFW_DEVICE_SORT_FIRMWARE = 3,
	MEDFW_DEVICE_SORT_LAST_SEEN = 4,
	MEDFW_DEVICE_SORT_LOCATION = 5,
};

/* Filter on image_is_signed_release (0 = any). */
enum medfw_store_signed_filter {
	MEDFW_SIGNED_ANY = 0,
	MEDFW_SIGNED_YES = 1,
	MEDFW_SIGNED_NO = 2,
	MEDFW_SIGNED_UNKNOWN = 3,
};

/* Every field is optional ("" / 0 = no filter). Filters combine with AND. */
struct medfw_store_device_filter {
	char model[MEDFW_STORE_NAME_MAX + 1];            /* exact */
	char firmware_version[MEDFW_STORE_SHORT_MAX + 1]; /* exact */
	enum medfw_store_enrolment_state enrolment_state; /* 0: any */
	char search[MEDFW_STORE_NAME_MAX + 1]; /* substring of serial, udi_di, udi_pi, location */
	enum medfw_store_device_sort sort;     /* ties broken by id */
	int descending;
	int64_t site_id;                       /* 0: any site the scope allows */
	enum medfw_store_signed_filter signed_release; /* 0: any */
	char tag[MEDFW_STORE_TAG_MAX + 1];             /* devices having this tag; "" any */
	char udi_di[MEDFW_STORE_NAME_MAX + 1];         /* exact; "" any */
	char serial[MEDFW_STORE_SHORT_MAX + 1];        /* exact, the record's or its UDI's; "" any */
	int64_t after_id; /* > 0: devices with an id above it only (keyset paging by id) */
};

/* Device tags. A tag is 1..MEDFW_STORE_TAG_MAX characters of [A-Za-z0-9._:-]; a
 * device's tags are stored as their canonical text: sorted (bytewise), without
 * duplicates, joined by ",". Make it from n tags (n 0: ""): a bad tag ->
 * MEDFW_ERR_FIELD_VALUE naming it; a tag longer than MEDFW_STORE_TAG_MAX, more than
 * MEDFW_STORE_TAGS_COUNT_MAX tags or a text longer than MEDFW_STORE_TAGS_MAX ->
 * MEDFW_ERR_TOO_LARGE. On failure out is "". */
enum medfw_err medfw_store_tags_canonical(const char *const *tags, size_t n,
					  char out[MEDFW_STORE_TAGS_MAX + 1],
					  struct medfw_diag *diag) MEDFW_WARN_UNUSED;
/* Whether s is one valid tag (1..MEDFW_STORE_TAG_MAX of [A-Za-z0-9._:-]). */
int medfw_store_tag_valid(const char *s);

/* Create one device in site device->site_id. enrolment_state 0 means pending. */
enum medfw_err medfw_store_device_create(struct medfw_store *store,
					 struct medfw_store_device *device,
					 struct medfw_diag *diag) MEDFW_WARN_UNUSED;
enum medfw_err medfw_store_device_get(struct medfw_store *store, struct medfw_store_scope scope,
				      int64_t id, struct medfw_store_device *out,
				      struct medfw_diag *diag) MEDFW_WARN_UNUSED;
/* Devices matching filter (NULL = all), skipping offset, at most cap; *out_total (may
 * be NULL: then they are not counted, which a large fleet's pages notice) gets the
 * number of matches ignoring paging. */
enum medfw_err medfw_store_device_list(struct medfw_store *store, struct medfw_store_scope scope,
				       const struct medfw_store_device_filter *filter,
				       int64_t offset, struct medfw_store_device *out, size_t cap,
				       size_t *out_count, int64_t *out_total,
				       struct medfw_diag *diag) MEDFW_WARN_UNUSED;
/* Writes every field but id, created_at, site_id (moving a device between sites is
 * not an update) and the update_* fields (written by update events only). */
enum medfw_err medfw_store_device_update(struct medfw_store *store, struct medfw_store_scope scope,
					 const struct medfw_store_device *device,
					 struct medfw_diag *diag) MEDFW_WARN_UNUSED;
/* Device-authenticated check-in: no scope (the device identity is the scope). */
enum medfw_err medfw_store_device_checkin(struct medfw_store *store, int64_t id,
					  const struct medfw_store_checkin *checkin,
					  struct medfw_diag *diag) MEDFW_WARN_UNUSED;
/* Bind a public key and mark the device enrolled (from pending only: else
 * MEDFW_ERR_STATE). */
enum medfw_err medfw_store_device_enrol(struct medfw_store *store, int64_t id,
					const uint8_t public_key[MEDFW_STORE_PUBKEY_LEN],
					struct medfw_diag *diag) MEDFW_WARN_UNUSED;
enum medfw_err medfw_store_device_revoke(struct medfw_store *store, struct medfw_store_scope scope,
					 int64_t id, struct medfw_diag *diag) MEDFW_WARN_UNUSED;
enum medfw_err medfw_store_device_delete(struct medfw_store *store, struct medfw_store_scope scope,
					 int64_t id, struct medfw_diag *diag) MEDFW_WARN_UNUSED;
/* Devices per enrolment state (index by enum value; out[0] unused). */
enum medfw_err medfw_store_device_count_by_state(struct medfw_store *store,
						 struct medfw_store_scope scope, int64_t out[4],
						 struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* One row of the firmware inventory report: devices of one model running one
 * firmware version, split by whether their reported image hash is a release the
 * manufacturer signed (image_is_signed_release). */
struct medfw_store_firmware_row {
	char model[MEDFW_STORE_NAME_MAX + 1];
	char firmware_version[MEDFW_STORE_SHORT_MAX + 1];
	int64_t devices;
	int64_t signed_release; /* MEDFW_TRI_YES */
	int64_t not_signed;     /* MEDFW_TRI_NO */
	int64_t unknown;        /* MEDFW_TRI_UNKNOWN */
};

/* The firmware inventory report of the sites in scope (site_id > 0 narrows it to one
 * site), ordered by model then firmware version, at most cap rows (more rows than
 * cap: MEDFW_ERR_TOO_LARGE). Revoked devices are not counted. */
enum medfw_err medfw_store_firmware_report(struct medfw_store *store,
					   struct medfw_store_scope scope, int64_t site_id,
					   struct medfw_store_firmware_row *out, size_t cap,
					   size_t *out_count, struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* ---------------------------------------------------------------- enrolment tokens */

enum medfw_err medfw_store_enrolment_token_create(struct medfw_store *store,
						  const uint8_t token_hash[MEDFW_STORE_HASH_LEN],
						  int64_t device_id, int64_t expires_at,
						  struct medfw_diag *diag) MEDFW_WARN_UNUSED;
/* Mark used and return its device, atomically: unknown -> MEDFW_ERR_NOT_FOUND, used ->
 * MEDFW_ERR_STATE, expired (now >= expires_at) -> MEDFW_ERR_EXPIRED. */
enum medfw_err medfw_store_enrolment_token_consume(struct medfw_store *store,
						   const uint8_t token_hash[MEDFW_STORE_HASH_LEN],
						   int64_t *out_device_id,
						   struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* ---------------------------------------------------------------- nonces */

/* Record the nonce of a signed request created at `created` (the signature's own
 * parameter); the same (created, nonce) seen before for this device fails with
 * MEDFW_ERR_EXISTS (replay: a replayed request carries the same signed values). */
enum medfw_err medfw_store_nonce_insert(struct medfw_store *store, int64_t device_id,
					int64_t created, const uint8_t *nonce, size_t nonce_len,
					struct medfw_diag *diag) MEDFW_WARN_UNUSED;
/* Forget nonces of requests created before `before` (outside the signature freshness
 * window, so never accepted again anyway). */
enum medfw_err medfw_store_nonce_purge(struct medfw_store *store, int64_t before,
				       size_t *out_count, struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* ---------------------------------------------------------------- director */

struct medfw_store_assignment {
	int64_t device_id;
	char target_name[MEDFW_STORE_TARGET_NAME_MAX + 1];
	int64_t target_length;
	char target_hashes[MEDFW_STORE_JSON_MAX + 1]; /* JSON object text */
	int64_t window_start;                          /* 0: now */
	int64_t window_end;                            /* 0: open-ended */
	int64_t created_by;                            /* user id */
	int64_t created_at;                            /* set by set */
};

/* Set (replace) the device's assignment and bump its director metadata version, in
 * one transaction; *out_version (may be NULL) gets the new version. */
enum medfw_err medfw_store_assignment_set(struct medfw_store *store,
					  struct medfw_store_scope scope,
					  struct medfw_store_assignment *assignment,
					  int64_t *out_version,
					  struct medfw_diag *diag) MEDFW_WARN_UNUSED;
/* No assignment -> MEDFW_ERR_NOT_FOUND. */
enum medfw_err medfw_store_assignment_get(struct medfw_store *store,
					  struct medfw_store_scope scope, int64_t device_id,
					  struct medfw_store_assignment *out,
					  struct medfw_diag *diag) MEDFW_WARN_UNUSED;
/* Remove the assignment (if any) and bump the version. */
enum medfw_err medfw_store_assignment_clear(struct medfw_store *store,
					    struct medfw_store_scope scope, int64_t device_id,
					    int64_t *out_version,
					    struct medfw_diag *diag) MEDFW_WARN_UNUSED;
/* The device's director metadata version (0 if never assigned). */
enum medfw_err medfw_store_director_version(struct medfw_store *store, int64_t device_id,
					    int64_t *out_version,
					    struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* ---------------------------------------------------------------- audit */

struct medfw_store_audit {
	int64_t seq;  /* set by append: previous + 1, from 1 */
	int64_t time;
	enum medfw_store_actor_type actor_type;
	int64_t actor_id; /* 0 for system */
	int64_t site_id;  /* 0: not site specific */
	char event[MEDFW_STORE_EVENT_MAX + 1];
	char detail[MEDFW_STORE_JSON_MAX + 1];          /* JSON text */
	char prev_hash[MEDFW_STORE_HEX_HASH_MAX + 1]; /* set by append */
	char hash[MEDFW_STORE_HEX_HASH_MAX + 1];      /* set by append (via hash_fn) */
};

/* The genesis prev_hash: 64 zeros. */
#define MEDFW_STORE_AUDIT_GENESIS "0000000000000000000000000000000000000000000000000000000000000000"

/* Computes rec->hash from every other field (seq and prev_hash already set), writing
 * lowercase hex into out (capacity cap). Runs under the store's write lock. */
typedef enum medfw_err (*medfw_store_audit_hash_fn)(void *user,
						    const struct medfw_store_audit *rec,
						    char *out, size_t cap);

/* Append one record: in a single write transaction read the chain head, set
 * rec->seq and rec->prev_hash, call hash_fn, insert. Concurrent appends are
 * serialized by the write lock, so the chain never forks. Inside medfw_store_tx it
 * joins the transaction (the record commits or rolls back with the change it
 * describes). */
enum medfw_err medfw_store_audit_append(struct medfw_store *store, struct medfw_store_audit *rec,
					medfw_store_audit_hash_fn hash_fn, void *user,
					struct medfw_diag *diag) MEDFW_WARN_UNUSED;

struct medfw_store_audit_filter {
	int64_t after_seq;                    /* cursor: records with seq > after_seq */
	int64_t time_from, time_to;           /* 0: unbounded; inclusive */
	enum medfw_store_actor_type actor_type; /* 0: any */
	int64_t actor_id;                     /* 0: any */
	char event[MEDFW_STORE_EVENT_MAX + 1]; /* exact, "" any */
	/* Zeroed: no filter (older callers leave them zeroed). */
	int64_t before_seq; /* records with seq < before_seq; 0: unbounded */
	int descending;     /* newest first (continue with before_seq = last seq returned) */
	int64_t site_id;    /* records of this site (within the scope); 0: any */
	int64_t user_id;    /* a person's records: as the user, or through one of their API
			     * tokens; 0: any */
	/* events starting with this (printable ASCII), "" any */
	char event_prefix[MEDFW_STORE_EVENT_MAX + 1];
};
/* In seq order (descending: newest first). A site scope sees only records of that
 * site. Continue with after_seq (descending: before_seq) = last seq returned. A bad
 * filter (event_prefix not printable ASCII, negative ids or cursors) is
 * MEDFW_ERR_FIELD_VALUE naming the field. */
enum medfw_err medfw_store_audit_list(struct medfw_store *store, struct medfw_store_scope scope,
				      const struct medfw_store_audit_filter *filter,
				      struct medfw_store_audit *out, size_t cap, size_t *out_count,
				      struct medfw_diag *diag) MEDFW_WARN_UNUSED;
/* The chain head: seq 0 and MEDFW_STORE_AUDIT_GENESIS when empty. */
enum medfw_err medfw_store_audit_head(struct medfw_store *store, int64_t *out_seq,
				      char out_hash[MEDFW_STORE_HEX_HASH_MAX + 1],
				      struct medfw_diag *diag) MEDFW_WARN_UNUSED;

struct medfw_store_checkpoint {
	int64_t seq;
	char hash[MEDFW_STORE_HEX_HASH_MAX + 1];
	char signature[MEDFW_STORE_SIGNATURE_MAX + 1];
	char key_id[MEDFW_STORE_NAME_MAX + 1];
	int64_t time;
};
/* seq must name an existing record whose hash equals checkpoint->hash
 * (else MEDFW_ERR_NOT_FOUND / MEDFW_ERR_HASH_MISMATCH). */
enum medfw_err medfw_store_checkpoint_add(struct medfw_store *store,
					  const struct medfw_store_checkpoint *checkpoint,
					  struct medfw_diag *diag) MEDFW_WARN_UNUSED;
/* Ordered by seq, seq > after_seq. */
enum medfw_err medfw_store_checkpoint_list(struct medfw_store *store, int64_t after_seq,
					   struct medfw_store_checkpoint *out, size_t cap,
					   size_t *out_count, struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* ---------------------------------------------------------------- settings */

enum medfw_err medfw_store_setting_get(struct medfw_store *store, const char *key, char *out,
				       size_t out_cap, struct medfw_diag *diag) MEDFW_WARN_UNUSED;
enum medfw_err medfw_store_setting_set(struct medfw_store *store, const char *key,
				       const char *value, struct medfw_diag *diag) MEDFW_WARN_UNUSED;
/* Insert only if absent (MEDFW_ERR_EXISTS otherwise): for secrets made at first start. */
enum medfw_err medfw_store_setting_add(struct medfw_store *store, const char *key,
				       const char *value, struct medfw_diag *diag) MEDFW_WARN_UNUSED;
enum medfw_err medfw_store_setting_delete(struct medfw_store *store, const char *key,
					  struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* ---------------------------------------------------------------- statement enrolment */

/* Ids of the devices of every site (any enrolment state) whose model and serial are
 * exactly these, ordered by id; more than cap: MEDFW_ERR_TOO_LARGE. No scope: the
 * manufacturer statement names the device, not a site. */
enum medfw_err medfw_store_device_find_by_model_serial(struct medfw_store *store,
						       const char *model, const char *serial,
						       int64_t *out_ids, size_t cap,
						       size_t *out_count,
						       struct medfw_diag *diag) MEDFW_WARN_UNUSED;
/* *out_id = a device other than except_id with this public key bound (0: none). */
enum medfw_err medfw_store_device_find_by_public_key(struct medfw_store *store,
						     const uint8_t public_key[MEDFW_STORE_PUBKEY_LEN],
						     int64_t except_id, int64_t *out_id,
						     struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* ---------------------------------------------------------------- device update events */

#define MEDFW_STORE_UPDATE_SEQ_MAX ((int64_t)1 << 53) /* exact as a number in any JSON */
#define MEDFW_STORE_UPDATE_EVENTS_MAX 100            /* events in one append */

/* One phase of an update as the device reported it. Optional strings: "" = absent. */
struct medfw_store_device_event {
	int64_t seq; /* 1..MEDFW_STORE_UPDATE_SEQ_MAX, unique per device */
	enum medfw_store_update_event type; /* not NONE */
	int64_t time;     /* the device's clock, seconds since the epoch */
	int64_t received; /* set by append: the server's clock */
	char target[MEDFW_STORE_UPDATE_TARGET_MAX + 1];
	char version[MEDFW_STORE_SHORT_MAX + 1];
	int has_bytes, has_total;
	int64_t bytes, total; /* 0..MEDFW_STORE_UPDATE_SEQ_MAX; bytes <= total when both */
	char reason[MEDFW_STORE_UPDATE_REASON_MAX + 1];
	char check[MEDFW_STORE_SHORT_MAX + 1]; /* [A-Z0-9_]: an error or check name */
	char slot;     /* 0: absent, 'A' or 'B' */
	int duplicate; /* set by append: (device, seq) was stored before, not stored again */
};

/* Store events[0..count) of device `device_id` (count 1..MEDFW_STORE_UPDATE_EVENTS_MAX,
 * seq strictly increasing) in one durable write transaction (joins a running one),
 * each with received = now. An event whose (device, seq) is stored already is a
 * duplicate (the agent resends after a lost answer): it is not stored again and its
 * `duplicate` is set; this is not an error. The device's update_* fields then describe
 * its newest event by seq of all stored. Any invalid event (diag names "events[i]" and
 * the field; MEDFW_ERR_FIELD_VALUE / MEDFW_ERR_TOO_LARGE / MEDFW_ERR_FIELD_MISSING) or
 * an unknown device (MEDFW_ERR_NOT_FOUND): nothing is stored. *out_stored (may be NULL)
 * = events stored now. No scope: only a signed device request reports events (the
 * device identity is the scope). */
enum medfw_err medfw_store_device_events_append(struct medfw_store *store, int64_t device_id,
						struct medfw_store_device_event *events,
						size_t count, size_t *out_stored,
						struct medfw_diag *diag) MEDFW_WARN_UNUSED;
/* A device's update history newest first: the events with seq < before_seq (0: from
 * the newest), at most cap (>= 1). *out_next_before_seq is the seq to continue with
 * (the oldest returned) when older events exist, else 0. A device the scope does not
 * see: MEDFW_ERR_NOT_FOUND. */
enum medfw_err medfw_store_device_events_list(struct medfw_store *store,
					      struct medfw_store_scope scope, int64_t device_id,
					      int64_t before_seq,
					      struct medfw_store_device_event *out, size_t cap,
					      size_t *out_count, int64_t *out_next_before_seq,
					      struct medfw_diag *diag) MEDFW_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif
