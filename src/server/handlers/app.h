/* medfwd's application layer: the state handlers share (store, keys, secrets), who is
 * asking (the principal), permissions, and small helpers for request bodies and the
 * audit trail. Set up once at start-up (medfwd_app_init), read-only afterwards except
 * through the store and the (thread-safe) rate limiter. */
#ifndef MEDFWD_APP_H
#define MEDFWD_APP_H

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

#include "medfw/auth.h"
#include "medfw/audit.h"
#include "medfw/crypto.h"
#include "medfw/store.h"
#include "server.h"

#define MEDFWD_SESSION_COOKIE "medfw_session"
#define MEDFWD_CSRF_HEADER "X-CSRF-Token"
#define MEDFWD_CSRF_SECRET_LEN 32
#define MEDFWD_DEVICE_SESSION_SECRET_LEN 32 /* = MEDFW_DEVSESSION_MASTER_LEN */
/* A checkpoint signs the audit chain after this many new records (and at stop). */
#define MEDFWD_CHECKPOINT_EVERY 64

struct medfwd_app {
	struct medfw_ctx *ctx;
	struct medfw_store *store;
	struct medfw_privkey *server_key;  /* audit checkpoints (director metadata later) */
	struct medfw_pubkey *server_pub;
	uint8_t csrf_secret[MEDFWD_CSRF_SECRET_LEN];
	struct medfw_ratelimit *login_limit; /* per client address */
	int64_t session_lifetime;
	int64_t session_idle_timeout;
	int64_t device_clock_skew;
	int64_t device_session_lifetime;
	/* derives every device session key (include/medfw/devsession.h) */
	uint8_t device_session_secret[MEDFWD_DEVICE_SESSION_SECRET_LEN];
	struct medfw_ratelimit *device_fail_limit; /* audit of refused device requests */
	atomic_uint_fast64_t device_checkins;      /* medfwd_device_checkins_total */
	/* medfwd_device_update_events_total{type}, indexed by enum medfw_store_update_event */
	atomic_uint_fast64_t device_update_events[MEDFW_UPDATE_EVENT_COUNT];
	/* Hook: whether a reported image hash is a release the manufacturer signed. NULL
	 * (until the image repository sets it at start-up): MEDFW_TRI_UNKNOWN. */
	enum medfw_store_tristate (*image_signed_release)(void *user, const char *image_sha256);
	void *image_signed_release_user;
	char bootstrap_token[MEDFW_TOKEN_BUF]; /* shown once by medfwd_app_announce */
	int bootstrap_note;                  /* 1: issued earlier, 2: issued and unused */
	struct medfwd_repo *repo;         /* hosted image repository (handlers/repo.c) */
	struct medfwd_director *director; /* director key and root (handlers/director.c) */
	/* Trusted manufacturer keys of statement enrolment (devices_statement.c); NULL:
	 * device_statement_keys not set, statement enrolment refused. */
	struct medfw_device_statement_keys *statement_keys;
	struct medfwd_rollouts *rollouts; /* the rollout engine (handlers/rollout_engine.c) */
	struct medfwd_vulnwork *vulns;    /* re-evaluation worker (handlers/vuln_worker.c) */
	struct medfwd_web *web; /* the web dashboard's files (handlers/web.c); NULL: off */
};

/* Who is asking. */
enum medfwd_principal_kind {
	MEDFWD_PRINCIPAL_SESSION = 1,
	MEDFWD_PRINCIPAL_TOKEN = 2,
	MEDFWD_PRINCIPAL_DEVICE = 3, /* a signed device request: no role, no permission */
};

struct medfwd_principal {
	enum medfwd_principal_kind kind;
	struct medfw_store_user user;             /* SESSION, TOKEN (zeroed for DEVICE) */
	uint8_t session_id[MEDFW_STORE_HASH_LEN]; /* SESSION */
	int64_t token_id;                         /* TOKEN */
	struct medfw_store_device device;         /* DEVICE: its record when it signed */
	int device_session;                       /* DEVICE: signed with a session key */
	/* DEVICE on the check-in route: the request's nonce, verified but not yet stored;
	 * the handler stores it with medfwd_device_nonce_record in its own transaction
	 * and refuses the request (medfwd_device_replayed) when it was used before. */
	int nonce_pending;
	int64_t nonce_created;
	char nonce[129];
};

/* The permission matrix (docs/permissions.md). */
enum medfwd_permission {
	MEDFWD_PERM_SITES_READ = 0,
	MEDFWD_PERM_SITES_WRITE,   /* global admins only */
	MEDFWD_PERM_USERS_READ,
	MEDFWD_PERM_USERS_WRITE,
	MEDFWD_PERM_AUDIT_READ,
	MEDFWD_PERM_AUDIT_EXPORT,  /* global: the whole chain */
	MEDFWD_PERM_TOKENS_OWN,    /* create/list/revoke one's own API tokens */
	MEDFWD_PERM_DEVICES_READ,  /* inventory, reports, exports */
	MEDFWD_PERM_DEVICES_WRITE, /* edit, import, revoke devices */
	MEDFWD_PERM_DEVICES_ENROL, /* issue one-time enrolment tokens */
	MEDFWD_PERM_REPO_WRITE,    /* upload the manufacturer's signed image repository */
	MEDFWD_PERM_DIRECTOR_ASSIGN, /* tell a device which signed image to install, when */
	MEDFWD_PERM_ROLLOUTS_WRITE,  /* create, pause, resume, cancel rollouts */
	MEDFWD_PERM_ROLLOUTS_APPROVE, /* approve someone else's rollout (two-person rule) */
	MEDFWD_PERM_MAINTENANCE_WRITE, /* a site's maintenance windows and blackout dates */
	MEDFWD_PERM_VULNS_WRITE,     /* feeds, release SBOMs, VEX (manufacturer-wide staff), SLA
				      * policies (of one's sites) */
	MEDFWD_PERM_COUNT_
};
const char *medfwd_permission_name(enum medfwd_permission p);
/* Whether `role` holds `p` (site scoping is separate: see medfwd_scope_of). */
int medfwd_role_allows(enum medfw_store_role role, enum medfwd_permission p);

/* Whether the sign-in policy requires TOTP for `role` (totp.c). */
int medfwd_totp_required_for_role(struct medfwd_app *app, enum medfw_store_role role);

/* The matrix as a Markdown table (docs/permissions.md; a test keeps them equal). */
void medfwd_permissions_print_markdown(FILE *out);

struct medfwd_app *medfwd_app_of(const struct medfwd_request *req);
const struct medfwd_principal *medfwd_principal_of(const struct medfwd_request *req);

/* The principal must hold `p`; else a 403 is set and 0 returned. */
int medfwd_require(const struct medfwd_request *req, struct medfwd_response *resp,
		   enum medfwd_permission p);
/* The sites the principal may see: all for global staff, its own site otherwise. */
struct medfw_store_scope medfwd_scope_of(const struct medfwd_principal *p);
/* Whether the principal may act on `site_id` (global staff: any; site staff: its own). */
int medfwd_may_access_site(const struct medfwd_principal *p, int64_t site_id);

/* The audit actor of a principal (system when NULL). */
struct medfw_audit_actor medfwd_actor_of(const struct medfwd_principal *p);

/* Append an audit record; on failure the server logs it (never silently). Returns the
 * medfw_audit_append result. `detail` reference taken. */
enum medfw_err medfwd_audit(struct medfwd_app *app, const struct medfwd_request *req,
			    struct medfw_audit_actor actor, int64_t site_id, const char *event,
			    json_t *detail);

/* Request bodies: every key must be in `allowed` (NULL-terminated), else 400 naming
 * it. Returns 1 when fine. */
int medfwd_body_only(const struct medfwd_request *req, struct medfwd_response *resp,
		     const char *const *allowed);
/* A string field of the JSON body, 1..max_len bytes (required) or NULL when absent
 * and optional; on a problem sets a 400 naming the field and returns 0. */
int medfwd_body_string(const struct medfwd_request *req, struct medfwd_response *resp,
		       const char *field, size_t max_len, int required, const char **out);
int medfwd_body_int(const struct medfwd_request *req, struct medfwd_response *resp,
		    const char *field, int64_t min, int64_t max, int required, int64_t *out);

/* Paging of a list: ?limit=1..max (default `def`) and ?offset=0..INT32_MAX; else a 400
 * naming the parameter and 0. */
int medfwd_query_page(const struct medfwd_request *req, struct medfwd_response *resp,
		      uint64_t max, uint64_t def, uint64_t *limit, uint64_t *offset);
/* The answer of a page: {key: items, total, limit, offset, next_offset} (next_offset
 * null on the last page); takes the items reference. */
json_t *medfwd_page_json(const char *key, json_t *items, int64_t total, uint64_t limit,
			 uint64_t offset, size_t count);

/* Map a library error to an HTTP error response (404/409/400/500...). */
void medfwd_respond_medfw_error(struct medfwd_response *resp, enum medfw_err err,
				const struct medfw_diag *diag);

/* Start-up and shutdown (main.c). init opens the store in data_dir, makes the server
 * key and secrets at first start, and prints the one-time bootstrap token on stdout
 * when no user exists yet. */
struct medfwd_config;
enum medfw_err medfwd_app_init(struct medfwd_app *app, const struct medfwd_config *cfg,
			       struct medfw_ctx *ctx, struct medfw_diag *diag);
void medfwd_app_free(struct medfwd_app *app);
/* After the listening line: print the bootstrap token (once, then wiped) or a note. */
void medfwd_app_announce(struct medfwd_app *app);
/* Devices (devices_auth.c, devices_agent.c): verify a signed device request and set a
 * MEDFWD_PRINCIPAL_DEVICE principal (the MEDFWD_AUTH_DEVICE branch of the
 * authenticator); install the device metrics collector (main.c, before start). */
int medfwd_auth_device(struct medfwd_app *app, struct medfwd_request *req,
		       struct medfwd_response *resp);
/* The RFC 9421 view of a device request (no query) and medfwd's policy for it: label
 * sig1 covering "@method" "@path" "content-digest", created within device_clock_skew
 * of `now`; Ed25519 only (set policy->algs for sessions). */
struct medfw_httpsig_request;
struct medfw_httpsig_policy;
void medfwd_device_httpsig(struct medfwd_app *app, struct medfwd_request *req, int64_t now,
			   struct medfw_httpsig_request *hreq,
			   struct medfw_httpsig_policy *policy);
/* Store the principal's pending nonce (inside the handler's transaction):
 * MEDFW_ERR_EXISTS when it was used before; and the 401 answer (audited) for that. */
enum medfw_err medfwd_device_nonce_record(struct medfw_store *tx,
					  const struct medfwd_principal *p,
					  struct medfw_diag *diag);
void medfwd_device_replayed(struct medfwd_request *req, struct medfwd_response *resp);
int medfwd_devices_metrics_install(struct medfwd_server *srv, struct medfwd_app *app);
/* The update events' counters (devices_events.c; installed by the one above). */
int medfwd_device_events_metrics_install(struct medfwd_server *srv, struct medfwd_app *app);
/* The hosted image repository (handlers/repo.c) and the director
 * (handlers/director.c): made at start-up in data_dir, freed at stop (NULL-safe). */
enum medfw_err medfwd_repo_init(struct medfwd_app *app, const char *data_dir,
				struct medfw_diag *diag);
void medfwd_repo_free(struct medfwd_repo *repo);
enum medfw_err medfwd_director_init(struct medfwd_app *app, const char *data_dir,
				    struct medfw_diag *diag);
void medfwd_director_free(struct medfwd_director *director);
/* Director key rotation (medfwd --rotate-director-key; the caller holds the data
 * directory lock, so no server runs): a new key, root version N+1 naming it signed
 * by the old and the new key (director-roots/N+1.root.json), the old key file
 * overwritten and replaced, and the audit record director.key_rotated appended to
 * the server's audit chain. */
struct medfwd_director_rotation {
	char old_key_id[65], new_key_id[65];
	int64_t root_version;
};
enum medfw_err medfwd_director_rotate_key(struct medfw_ctx *ctx, const char *data_dir,
					  struct medfwd_director_rotation *out,
					  struct medfw_diag *diag);
/* Statement enrolment (handlers/devices_statement.c): load and check the trusted
 * manufacturer keys of `keys_path` (NULL: disabled), log and audit their key ids;
 * free them (before medfwd_app_free). */
enum medfw_err medfwd_device_statement_init(struct medfwd_app *app, const char *keys_path,
					    struct medfw_diag *diag);
void medfwd_device_statement_free(struct medfwd_app *app);
/* Whether an image SHA-256 (hex, either case) is a signed target of the repository
 * served now: YES / NO, UNKNOWN before the first repository was committed. Cheap (an
 * in-memory lookup under a read lock): meant for device check-ins. */
enum medfw_store_tristate medfwd_image_is_signed_release(struct medfwd_app *app,
							 const char *sha256_hex);
/* The signed description of target `name` in the repository served now, found as a
 * TUF client finds it: from the pinned trusted root through the served root chain,
 * timestamp, snapshot, top-level targets, then the delegation walk (preorder, path
 * patterns, terminating delegations; include/medfw/tuf_client.h), every file
 * verified at the server's current time. *out is borrowed from *out_lookup, which the
 * caller frees with medfwd_served_target_free (NULL-safe). NOT_FOUND: nothing is
 * served or no role responsible for the path lists it; other errors: the served
 * metadata does not verify now (EXPIRED, ...). */
struct medfw_tuf_target;
struct medfwd_served_target;
enum medfw_err medfwd_repo_served_target(struct medfwd_app *app, const char *name,
					 struct medfwd_served_target **out_lookup,
					 const struct medfw_tuf_target **out,
					 struct medfw_diag *diag);
void medfwd_served_target_free(struct medfwd_served_target *lookup);
/* Every target of the repository served now, found as a TUF client finds it (what the
 * commit's SBOM pass reads): under the commit lock, a client over the tree served now
 * (the pinned trusted root, the served root chain, timestamp, snapshot, targets) and
 * each target a client can reach (top-level targets and the delegated roles reachable
 * from it) looked up through the delegation walk, at the server's current time.
 * Afterwards everything is in memory: the view reads no file. Freed by
 * medfwd_served_view_free (NULL-safe). NOT_FOUND: nothing is served (or no root is
 * pinned); other errors: the served metadata does not verify now (EXPIRED, ...). */
struct medfw_tuf_client;
struct medfwd_served_view;
enum medfw_err medfwd_repo_served_view(struct medfwd_app *app, struct medfwd_served_view **out,
				       struct medfw_diag *diag);
void medfwd_served_view_free(struct medfwd_served_view *view);
/* N of the tree read (data_dir/repository/versions/N). */
uint64_t medfwd_served_view_tree(const struct medfwd_served_view *view);
/* The refreshed client: its trusted metadata (medfw_tuf_client_trusted) is the newest
 * root, timestamp, snapshot, targets and every delegated role a lookup loaded. */
const struct medfw_tuf_client *medfwd_served_view_client(const struct medfwd_served_view *view);
/* The targets, sorted by name, each once: target i (0..count-1) as the client found it
 * (borrowed from the view), or NULL when it did not (*out_why, may be NULL: why). */
size_t medfwd_served_view_count(const struct medfwd_served_view *view);
const struct medfw_tuf_target *medfwd_served_view_target(const struct medfwd_served_view *view,
							 size_t i, const char **out_name,
							 const char **out_why);
/* A number that changes whenever what a TUF client finds in the served repository may
 * have changed (start-up, every commit, a newly pinned root). */
uint64_t medfwd_repo_generation(struct medfwd_app *app);
/* The releases the served repository signs (handlers/releases.c): a cache of the served
 * tree kept with the repository (made by medfwd_repo_init, freed by medfwd_repo_free),
 * rebuilt by releases.c when the generation moved or a signed file expired. */
struct medfwd_releases;
struct medfwd_releases *medfwd_releases_new(void);
void medfwd_releases_free(struct medfwd_releases *releases);
struct medfwd_releases *medfwd_repo_releases(struct medfwd_app *app);

/* The web dashboard (handlers/web.c). Find and load its files at start-up:
 * web_dir when set (a directory with an index.html, else an error naming the path
 * and what is wrong), else the first of <directory of medfwd>/../web and
 * MEDFWD_WEB_DATADIR that has an index.html; none: the dashboard is off (*out is
 * still made: it remembers the places looked at). Any file that cannot be served
 * (medfw_webdir_load's rules) is an error naming it. Freed by medfwd_web_free
 * (NULL-safe; medfwd_app_free frees app->web). announce logs, once the server
 * started, web.loaded (files, bytes, directory) or web.disabled (the places). */
struct medfwd_web;
enum medfw_err medfwd_web_load(const char *web_dir, struct medfwd_web **out,
			       struct medfw_diag *diag);
void medfwd_web_announce(struct medfw_ctx *ctx, const struct medfwd_web *web);
void medfwd_web_free(struct medfwd_web *web);

/* The authenticator installed into the HTTP core. */
int medfwd_app_authenticate(void *user, const struct medfwd_route *route,
			    struct medfwd_request *req, struct medfwd_response *resp);

#endif
