/* The hosted image repository (docs/director.md): the pinned trusted root, staged
 * uploads, the verified commit with an atomic switch, and serving metadata and
 * targets to devices and TUF clients (streamed from disk, with Range).
 *
 * After a commit, the signed SBOM a release notice names (sbom_target) is attached to
 * the release when the tree serves it (vulns.h, medfwd_release_sbom_store).
 *
 * Layout under data_dir/repository:
 *   trusted-root.json   the root an admin pinned (every commit chains from it)
 *   staging/metadata/, staging/targets/   files uploaded since the last commit
 *   versions/N/         each committed tree (metadata/, targets/)
 *   current             symlink -> versions/N: what is served; replaced by rename()
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app.h"
#include "medfw/json.h"
#include "medfw/notice.h"
#include "medfw/num.h"
#include "medfw/repo_host.h"
#include "medfw/sbom.h"
#include "medfw/tuf.h"
#include "medfw/tuf_client.h"
#include "vulns.h"

#define SHA256_HEX 64
#define UPLOAD_PREFIX ".upload-" /* staging/.upload-RANDOM: an upload in progress */

struct medfwd_repo {
	char dir[PATH_MAX - 512]; /* room for the sub-paths below */
	pthread_mutex_t commit_lock; /* staging and commit: one writer at a time */
	pthread_rwlock_t signed_lock;
	char (*signed_sha)[SHA256_HEX + 1]; /* sorted */
	size_t signed_count;
	int served;                         /* a repository was committed */
	/* Bumped whenever what a TUF client finds may have changed (start-up, every
	 * commit, a pinned root): caches of the served tree compare it. */
	atomic_uint_fast64_t generation;
	struct medfwd_releases *releases; /* the releases' cache (handlers/releases.c) */
};

static enum medfw_err sub_path(const struct medfwd_repo *r, char *out, size_t cap,
			       const char *fmt_a, const char *b)
{
	int n = snprintf(out, cap, "%s/%s%s", r->dir, fmt_a, b != NULL ? b : "");

	return n < 0 || (size_t)n >= cap ? MEDFW_ERR_TOO_LARGE : MEDFW_OK;
}

/* ---- signed images (for device check-ins) ---- */

static int cmp_sha(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* The lowercase hex sha256 a target is signed with; 0 when none. */
static int signed_sha256(const struct medfw_tuf_target *t, char out[SHA256_HEX + 1])
{
	const char *h = json_string_value(json_object_get(t->hashes, "sha256"));

	out[0] = 0;
	if (h == NULL || strlen(h) != SHA256_HEX || strspn(h, "0123456789abcdefABCDEF") != SHA256_HEX)
		return 0;
	for (size_t k = 0; k <= SHA256_HEX; k++)
		out[k] = (char)(h[k] >= 'A' && h[k] <= 'F' ? h[k] + 32 : h[k]);
	return 1;
}

/* Append the sha256 (lower case) of every target of `t` to list (cap entries). */
static size_t add_sha256s(const struct medfw_tuf_meta *t, char (*list)[SHA256_HEX + 1],
			  size_t n, size_t cap)
{
	for (size_t i = 0; i < t->target_count && n < cap; i++)
		if (signed_sha256(&t->targets[i], list[n]))
			n++;
	return n;
}

/* A served metadata file of the current tree, parsed (verified at its commit). */
static struct medfw_tuf_meta *served_meta(const struct medfwd_repo *r, const char *name,
					  enum medfw_tuf_role_type type)
{
	struct medfw_buf b;
	struct medfw_tuf_meta *m = NULL;
	char path[PATH_MAX];

	if (sub_path(r, path, sizeof(path), "current/metadata/", name) != MEDFW_OK ||
	    medfw_file_read(path, medfw_tuf_role_max_len(type), &b, NULL) != MEDFW_OK)
		return NULL;
	if (medfw_tuf_meta_parse_unverified(b.data, b.len, medfw_tuf_role_max_len(type), type, &m,
					    NULL) != MEDFW_OK)
		m = NULL;
	medfw_buf_free(&b);
	return m;
}

/* Whether targets metadata t delegates to the role `name` (listed, or one of its
 * succinct hash bins "<prefix>-<hex>"). */
static int delegates_to(const struct medfw_tuf_meta *t, const char *name)
{
	size_t plen;

	for (size_t i = 0; t->has_delegations && i < t->delegated_count; i++)
		if (strcmp(t->delegated[i].keys.name, name) == 0)
			return 1;
	if (!t->has_succinct_roles)
		return 0;
	plen = strlen(t->succinct.name_prefix);
	if (strncmp(name, t->succinct.name_prefix, plen) != 0 || name[plen] != '-' ||
	    name[plen + 1] == '\0')
		return 0;
	return strspn(name + plen + 1, "0123456789abcdef") == strlen(name + plen + 1);
}

/* Called with the targets metadata of each role a client can reach; nonzero stops. */
typedef int (*served_targets_fn)(void *user, const struct medfw_tuf_meta *t);

/* Walk the targets metadata a client can reach in the served tree: top-level targets
 * and the roles delegated to from there, transitively (a role still in snapshot whose
 * delegation was removed serves nothing, so its images are not signed releases).
 * Returns 1 when top-level targets was read, 0 when nothing is served, -1 when fn
 * stopped the walk or memory ran out. */
static int walk_served_targets(const struct medfwd_repo *r, served_targets_fn fn, void *user)
{
	struct medfw_tuf_meta *snap = served_meta(r, "snapshot.json", MEDFW_TUF_SNAPSHOT);
	size_t count = snap != NULL ? snap->meta_count : 0;
	unsigned char *state = count > 0 ? calloc(count, 1) : NULL; /* 1 reachable, 2 read */
	int served = count > 0 && state == NULL ? -1 : 0, progress = 1;

	for (size_t i = 0; state != NULL && i < count; i++)
		if (strcmp(snap->meta[i].name, "targets.json") == 0)
			state[i] = 1;
	while (state != NULL && progress && served >= 0) {
		progress = 0;
		for (size_t i = 0; i < count && served >= 0; i++) {
			struct medfw_tuf_meta *t;

			if (state[i] != 1)
				continue;
			state[i] = 2;
			progress = 1;
			t = served_meta(r, snap->meta[i].name, MEDFW_TUF_TARGETS);
			if (t == NULL)
				continue;
			if (fn(user, t) != 0) {
				medfw_tuf_meta_free(t);
				served = -1;
				break;
			}
			if (strcmp(snap->meta[i].name, "targets.json") == 0)
				served = 1;
			for (size_t j = 0; (t->has_delegations || t->has_succinct_roles) && j < count;
			     j++) {
				char role[256];
				size_t len = strlen(snap->meta[j].name);

				if (state[j] != 0 || len <= 5 || len - 5 >= sizeof(role))
					continue;
				memcpy(role, snap->meta[j].name, len - 5); /* without ".json" */
				role[len - 5] = '\0';
				if (delegates_to(t, role))
					state[j] = 1;
			}
			medfw_tuf_meta_free(t);
		}
	}
	free(state);
	medfw_tuf_meta_free(snap);
	return served;
}

struct sha256_list {
	char (*list)[SHA256_HEX + 1];
	size_t n, cap;
};

static int collect_sha256s(void *user, const struct medfw_tuf_meta *t)
{
	struct sha256_list *l = user;

	if (t->target_count > l->cap - l->n) {
		char (*grown)[SHA256_HEX + 1] =
			realloc(l->list, (l->n + t->target_count) * sizeof(*l->list));

		if (grown != NULL) { /* else: what fits */
			l->list = grown;
			l->cap = l->n + t->target_count;
		}
	}
	l->n = add_sha256s(t, l->list, l->n, l->cap);
	return 0;
}

/* Replace the in-memory set with the sha256 of every target a client can reach now. */
static void signed_set_reload(struct medfwd_repo *r)
{
	struct sha256_list l = {NULL, 0, 0};
	int served = walk_served_targets(r, collect_sha256s, &l) > 0;

	if (l.list != NULL)
		qsort(l.list, l.n, sizeof(*l.list), cmp_sha);
	pthread_rwlock_wrlock(&r->signed_lock);
	free(r->signed_sha);
	r->signed_sha = l.list;
	r->signed_count = l.n;
	r->served = served;
	pthread_rwlock_unlock(&r->signed_lock);
	atomic_fetch_add(&r->generation, 1);
}

enum medfw_store_tristate medfwd_image_is_signed_release(struct medfwd_app *app,
							 const char *sha256_hex)
{
	struct medfwd_repo *r = app->repo;
	char want[SHA256_HEX + 1];
	enum medfw_store_tristate result;

	if (r == NULL || sha256_hex == NULL || strlen(sha256_hex) != SHA256_HEX)
		return MEDFW_TRI_UNKNOWN;
	for (size_t k = 0; k <= SHA256_HEX; k++)
		want[k] = (char)(sha256_hex[k] >= 'A' && sha256_hex[k] <= 'F' ? sha256_hex[k] + 32
									    : sha256_hex[k]);
	pthread_rwlock_rdlock(&r->signed_lock);
	if (!r->served)
		result = MEDFW_TRI_UNKNOWN;
	else
		result = r->signed_count > 0 &&
				 bsearch(want, r->signed_sha, r->signed_count, sizeof(*r->signed_sha),
					 cmp_sha) != NULL
			 ? MEDFW_TRI_YES
			 : MEDFW_TRI_NO;
	pthread_rwlock_unlock(&r->signed_lock);
	return result;
}

/* ---- target lookup as a TUF client does it ---- */

#define LOOKUP_PREFIX ".lookup-" /* repository/.lookup-RANDOM: a lookup's client dir */

/* The fetcher of a lookup: metadata files of one served tree, read from disk. A URL
 * is the tree's metadata directory + "/" + one served file name; anything else, or a
 * missing file, is a 404. */
struct tree_fetcher {
	char dir[PATH_MAX]; /* ends in "/" */
};

static enum medfw_err tree_fetch(void *user, const char *url, size_t max_len,
				 struct medfw_buf *out, int *out_http_status,
				 struct medfw_diag *diag)
{
	const struct tree_fetcher *f = user;
	size_t n = strlen(f->dir);
	enum medfw_err err;

	medfw_buf_init(out, max_len);
	*out_http_status = 404;
	if (strncmp(url, f->dir, n) != 0 || !medfw_repo_host_served_name_ok(url + n))
		return medfw_diag_set(diag, MEDFW_ERR_FETCH, "%.200s: not a served metadata file",
				      url);
	err = medfw_file_read(url, max_len, out, diag);
	if (err == MEDFW_ERR_NOT_FOUND)
		return medfw_diag_set(diag, MEDFW_ERR_FETCH, "%.200s: not served", url + n);
	if (err == MEDFW_OK)
		*out_http_status = 200;
	else
		medfw_buf_free(out);
	return err;
}

struct medfwd_served_target {
	struct medfw_tuf_client *client;
	struct tree_fetcher tf;       /* the client's fetcher reads through these */
	struct medfw_fetcher fetcher;
	char tmp[PATH_MAX];
};

void medfwd_served_target_free(struct medfwd_served_target *st)
{
	if (st == NULL)
		return;
	medfw_tuf_client_free(st->client);
	if (st->tmp[0] != 0)
		(void)medfw_repo_host_remove_tree(st->tmp, NULL);
	free(st);
}

/* A TUF client over the tree served now, from the pinned trusted root, refreshed.
 * The caller holds commit_lock while it reads metadata through the client (delegated
 * roles are read as a lookup needs them): it sees one committed tree, never two
 * halves. *out_tree: N of the versions/N it reads (may be NULL). */
static enum medfw_err lookup_open_locked(struct medfwd_app *app,
					 struct medfwd_served_target **out, uint64_t *out_tree,
					 struct medfw_diag *diag)
{
	static const struct medfw_fetcher proto = {NULL, tree_fetch, NULL};
	struct medfwd_repo *r = app->repo;
	struct medfwd_served_target *st;
	struct medfw_buf root;
	char path[PATH_MAX], tree[PATH_MAX];
	uint64_t number = 0;
	enum medfw_err err;

	*out = NULL;
	st = calloc(1, sizeof(*st));
	if (st == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_NOMEM, "out of memory");
	medfw_buf_init(&root, MEDFW_TUF_ROOT_MAX_LEN);
	err = sub_path(r, path, sizeof(path), "current", NULL);
	if (err == MEDFW_OK) {
		/* current -> versions/N (relative): pin the tree of this moment */
		ssize_t n = readlink(path, tree, sizeof(tree) - 1);

		tree[n > 0 ? n : 0] = 0;
		if (n <= 0 || strncmp(tree, "versions/", 9) != 0 ||
		    medfw_parse_u64(tree + 9, 1, UINT32_MAX, &number) != MEDFW_OK)
			err = medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND, "no repository is served yet");
	}
	if (err == MEDFW_OK && (size_t)snprintf(st->tf.dir, sizeof(st->tf.dir), "%s/%s/metadata/",
						 r->dir, tree) >= sizeof(st->tf.dir))
		err = medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "%s: path too long", tree);
	if (err == MEDFW_OK)
		err = sub_path(r, path, sizeof(path), "trusted-root.json", NULL);
	if (err == MEDFW_OK)
		err = medfw_file_read(path, MEDFW_TUF_ROOT_MAX_LEN, &root, diag);
	/* The client's own metadata directory: the pinned root, then what it verified. */
	if (err == MEDFW_OK &&
	    sub_path(r, st->tmp, sizeof(st->tmp), LOOKUP_PREFIX "XXXXXX", NULL) != MEDFW_OK)
		err = medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "repository path too long");
	if (err == MEDFW_OK && mkdtemp(st->tmp) == NULL) {
		err = medfw_diag_set(diag, MEDFW_ERR_IO, "%s: %s", st->tmp, strerror(errno));
		st->tmp[0] = 0;
	}
	if (err == MEDFW_OK &&
	    (size_t)snprintf(path, sizeof(path), "%s/root.json", st->tmp) >= sizeof(path))
		err = medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "repository path too long");
	if (err == MEDFW_OK)
		err = medfw_file_write_new(path, root.data, root.len, 0600, diag);
	st->fetcher = proto;
	st->fetcher.user = &st->tf;
	if (err == MEDFW_OK)
		err = medfw_tuf_client_new(app->ctx, &st->fetcher, st->tmp, st->tf.dir, NULL,
					   &st->client, diag);
	if (err == MEDFW_OK)
		err = medfw_tuf_client_refresh(st->client, diag);
	medfw_buf_free(&root);
	if (err != MEDFW_OK) {
		medfwd_served_target_free(st);
		return err;
	}
	if (out_tree != NULL)
		*out_tree = number;
	*out = st;
	return MEDFW_OK;
}

enum medfw_err medfwd_repo_served_target(struct medfwd_app *app, const char *name,
					 struct medfwd_served_target **out_lookup,
					 const struct medfw_tuf_target **out,
					 struct medfw_diag *diag)
{
	struct medfwd_repo *r = app->repo;
	struct medfwd_served_target *st = NULL;
	enum medfw_err err;

	*out_lookup = NULL;
	*out = NULL;
	if (r == NULL || name == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND, "no repository is served");
	pthread_mutex_lock(&r->commit_lock);
	err = lookup_open_locked(app, &st, NULL, diag);
	if (err == MEDFW_OK)
		err = medfw_tuf_client_get_target_info(st->client, name, out, diag);
	pthread_mutex_unlock(&r->commit_lock);
	if (err != MEDFW_OK) {
		*out = NULL;
		medfwd_served_target_free(st);
		return err;
	}
	*out_lookup = st;
	return MEDFW_OK;
}

/* ---- start-up ---- */

/* Uploads cut short by a crash of the server: staging/.upload-* */
static void remove_partial_uploads(const struct medfwd_repo *r)
{
	char path[PATH_MAX];
	DIR *d;
	struct dirent *e;

	if (sub_path(r, path, sizeof(path), "staging", NULL) != MEDFW_OK ||
	    (d = opendir(path)) == NULL)
		return;
	while ((e = readdir(d)) != NULL)
		if (strncmp(e->d_name, UPLOAD_PREFIX, sizeof(UPLOAD_PREFIX) - 1) == 0)
			(void)unlinkat(dirfd(d), e->d_name, 0);
	closedir(d);
	/* and lookups cut short: repository/.lookup-* */
	if ((d = opendir(r->dir)) == NULL)
		return;
	while ((e = readdir(d)) != NULL)
		if (strncmp(e->d_name, LOOKUP_PREFIX, sizeof(LOOKUP_PREFIX) - 1) == 0 &&
		    sub_path(r, path, sizeof(path), e->d_name, NULL) == MEDFW_OK)
			(void)medfw_repo_host_remove_tree(path, NULL);
	closedir(d);
}

enum medfw_err medfwd_repo_init(struct medfwd_app *app, const char *data_dir,
				struct medfw_diag *diag)
{
	struct medfwd_repo *r = calloc(1, sizeof(*r));
	char path[PATH_MAX];
	enum medfw_err err;

	if (r == NULL)
		return MEDFW_ERR_NOMEM;
	pthread_mutex_init(&r->commit_lock, NULL);
	pthread_rwlock_init(&r->signed_lock, NULL);
	app->repo = r;
	r->releases = medfwd_releases_new();
	if (r->releases == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_NOMEM, "out of memory");
	if (snprintf(r->dir, sizeof(r->dir), "%s/repository", data_dir) >= (int)sizeof(r->dir))
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "data_dir too long");
	err = sub_path(r, path, sizeof(path), "staging/metadata", NULL);
	if (err == MEDFW_OK)
		err = medfw_mkdir_p(path, 0700, diag);
	if (err == MEDFW_OK)
		err = sub_path(r, path, sizeof(path), "staging/targets", NULL);
	if (err == MEDFW_OK)
		err = medfw_mkdir_p(path, 0700, diag);
	if (err == MEDFW_OK)
		err = sub_path(r, path, sizeof(path), "versions", NULL);
	if (err == MEDFW_OK)
		err = medfw_mkdir_p(path, 0755, diag);
	if (err != MEDFW_OK)
		return err;
	remove_partial_uploads(r);
	signed_set_reload(r);
	return MEDFW_OK;
}

void medfwd_repo_free(struct medfwd_repo *r)
{
	if (r == NULL)
		return;
	pthread_mutex_destroy(&r->commit_lock);
	pthread_rwlock_destroy(&r->signed_lock);
	free(r->signed_sha);
	medfwd_releases_free(r->releases);
	free(r);
}

/* ---- helpers ---- */

static int sha256_hex_of(const uint8_t *data, size_t len, char out[SHA256_HEX + 1])
{
	uint8_t d[32];
	size_t n = 0;

	return medfw_hash_oneshot(MEDFW_HASH_SHA256, data, len, d, sizeof(d), &n) == MEDFW_OK &&
	       medfw_hex_encode(d, sizeof(d), out, SHA256_HEX + 1) == MEDFW_OK;
}

static void respond_refused(struct medfwd_response *resp, enum medfw_err err,
			    const struct medfw_diag *diag)
{
	if (err == MEDFW_ERR_NOMEM || err == MEDFW_ERR_IO) {
		medfwd_respond_medfw_error(resp, err, diag);
		return;
	}
	medfwd_respond_error(resp, 422, "rejected", medfw_err_name(err), "%s",
			     medfw_diag_message(diag, err));
}

/* ---- trusted root ---- */

static void trusted_root_pin(struct medfwd_request *req, struct medfwd_response *resp)
{
	struct medfwd_app *app = medfwd_app_of(req);
	const char *replace = medfwd_request_query(req, "replace");
	struct medfw_diag diag;
	char path[PATH_MAX], sha[SHA256_HEX + 1];
	int64_t version = 0;
	struct stat st;
	enum medfw_err err;

	if (!medfwd_require(req, resp, MEDFWD_PERM_REPO_WRITE))
		return;
	medfw_diag_clear(&diag);
	err = medfw_repo_host_check_root(req->body, req->body_len, &version, &diag);
	if (err != MEDFW_OK) {
		respond_refused(resp, err, &diag);
		return;
	}
	pthread_mutex_lock(&app->repo->commit_lock);
	(void)sub_path(app->repo, path, sizeof(path), "trusted-root.json", NULL);
	if (stat(path, &st) == 0 && (replace == NULL || strcmp(replace, "true") != 0)) {
		pthread_mutex_unlock(&app->repo->commit_lock);
		medfwd_respond_error(resp, 409, "conflict", "replace",
				     "a trusted root is pinned already (replace it with ?replace=true)");
		return;
	}
	err = medfw_file_write_atomic(path, req->body, req->body_len, 0600, &diag);
	if (err == MEDFW_OK)
		atomic_fetch_add(&app->repo->generation, 1); /* lookups start from it */
	pthread_mutex_unlock(&app->repo->commit_lock);
	if (err != MEDFW_OK || !sha256_hex_of(req->body, req->body_len, sha)) {
		medfwd_respond_medfw_error(resp, err != MEDFW_OK ? err : MEDFW_ERR_CRYPTO, &diag);
		return;
	}
	(void)medfwd_audit(app, req, medfwd_actor_of(medfwd_principal_of(req)), 0,
			   "repository.trusted_root.pin",
			   json_pack("{s:I, s:s, s:b}", "version", (json_int_t)version, "sha256", sha,
				     "replaced", replace != NULL));
	medfwd_respond_json(resp, 201, json_pack("{s:I, s:s}", "version", (json_int_t)version,
						 "sha256", sha));
}

/* ---- staging: uploads streamed to a temporary file, renamed into place ---- */

/* One upload in progress: data_dir/repository/staging/.upload-RANDOM (O_EXCL, 0600),
 * hashed while it is written; renamed to staging/KIND/NAME when the whole body arrived
 * within the limit, removed otherwise (release). */
struct upload {
	struct medfwd_app *app;
	const char *kind;          /* "metadata" or "targets" */
	char name[PATH_MAX / 2];   /* the staged file's name (target path) */
	char tmp[PATH_MAX];        /* "" once renamed into place (or never made) */
	int fd;
	struct medfw_hash *sha256, *sha512;
	uint64_t length;
};

static void upload_release(void *state)
{
	struct upload *u = state;

	if (u->fd >= 0)
		close(u->fd);
	if (u->tmp[0] != 0)
		(void)unlink(u->tmp);
	medfw_hash_free(u->sha256);
	medfw_hash_free(u->sha512);
	free(u);
}

static void respond_write_error(struct medfwd_response *resp, const char *name, int e)
{
	if (e == ENOSPC || e == EDQUOT)
		medfwd_respond_error(resp, 507, "insufficient_storage", NULL,
				     "%s: the server's disk is full", name);
	else
		medfwd_respond_error(resp, 500, "io", NULL, "%s: cannot write the upload: %s",
				     name, strerror(e));
}

static int upload_write(void *state, const uint8_t *data, size_t len,
			struct medfwd_response *resp)
{
	struct upload *u = state;

	if (medfw_hash_update(u->sha256, data, len) != MEDFW_OK ||
	    medfw_hash_update(u->sha512, data, len) != MEDFW_OK) {
		medfwd_respond_error(resp, 500, "internal", NULL, "%s: hashing failed", u->name);
		return -1;
	}
	while (len > 0) {
		ssize_t n = write(u->fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			respond_write_error(resp, u->name, n < 0 ? errno : EIO);
			return -1;
		}
		data += n;
		len -= (size_t)n;
		u->length += (uint64_t)n;
	}
	return 0;
}

static int digest_hex(struct medfw_hash *h, char *out, size_t cap)
{
	uint8_t d[MEDFW_HASH_MAX_LEN];
	size_t n = 0;

	return medfw_hash_final(h, d, sizeof(d), &n) == MEDFW_OK &&
	       medfw_hex_encode(d, n, out, cap) == MEDFW_OK;
}

static void upload_finish(void *state, struct medfwd_request *req, struct medfwd_response *resp)
{
	struct upload *u = state;
	struct medfwd_repo *r = u->app->repo;
	struct medfw_diag diag;
	char path[PATH_MAX], dir[PATH_MAX], sha256[2 * 32 + 1], sha512[2 * 64 + 1];
	enum medfw_err err = MEDFW_OK;
	int fd = u->fd;

	u->fd = -1;
	if (fsync(fd) != 0 || close(fd) != 0) {
		respond_write_error(resp, u->name, errno);
		return;
	}
	if (!digest_hex(u->sha256, sha256, sizeof(sha256)) ||
	    !digest_hex(u->sha512, sha512, sizeof(sha512))) {
		medfwd_respond_error(resp, 500, "internal", NULL, "%s: hashing failed", u->name);
		return;
	}
	medfw_diag_clear(&diag);
	if (snprintf(path, sizeof(path), "%s/staging/%s/%s", r->dir, u->kind, u->name) >=
	    (int)sizeof(path)) {
		medfwd_respond_error(resp, 400, "invalid", "path", "path too long");
		return;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	*strrchr(dir, '/') = 0;
	pthread_mutex_lock(&r->commit_lock);
	err = medfw_mkdir_p(dir, 0700, &diag);
	if (err == MEDFW_OK && rename(u->tmp, path) != 0)
		err = medfw_diag_set(&diag, errno == ENOENT ? MEDFW_ERR_STATE : MEDFW_ERR_IO,
				     "%s: %s", u->name,
				     errno == ENOENT ? "the staging area was emptied during the upload"
						     : strerror(errno));
	if (err == MEDFW_OK) {
		u->tmp[0] = 0; /* in place: release must not remove it */
		err = medfw_fsync_parent(path, &diag);
	}
	pthread_mutex_unlock(&r->commit_lock);
	if (err != MEDFW_OK) {
		if (err == MEDFW_ERR_IO)
			medfwd_respond_medfw_error(resp, err, &diag);
		else
			medfwd_respond_error(resp, 409, "conflict", "path", "%s",
					     medfw_diag_message(&diag, err));
		return;
	}
	(void)medfwd_audit(u->app, req, medfwd_actor_of(medfwd_principal_of(req)), 0,
			   "repository.stage",
			   json_pack("{s:s, s:s, s:I, s:s, s:s}", "kind", u->kind, "name", u->name,
				     "length", (json_int_t)u->length, "sha256", sha256, "sha512",
				     sha512));
	medfwd_respond_json(resp, 201, json_pack("{s:s, s:I, s:s, s:s}", "name", u->name,
						 "length", (json_int_t)u->length, "sha256", sha256,
						 "sha512", sha512));
}

static const struct medfwd_stream_sink upload_sink = {upload_write, upload_finish,
						      upload_release};

/* Take the body of the request as staging/KIND/NAME, at most max bytes. */
static void stage_stream(struct medfwd_request *req, struct medfwd_response *resp,
			 const char *kind, const char *name, uint64_t max, const char *limit_name)
{
	struct medfwd_app *app = medfwd_app_of(req);
	struct upload *u = calloc(1, sizeof(*u));
	uint8_t rnd[8];
	char hex[2 * sizeof(rnd) + 1];

	if (u == NULL) {
		medfwd_respond_error(resp, 500, "internal", NULL, "out of memory");
		return;
	}
	u->app = app;
	u->kind = kind;
	u->fd = -1;
	if (snprintf(u->name, sizeof(u->name), "%s", name) >= (int)sizeof(u->name)) {
		free(u);
		medfwd_respond_error(resp, 400, "invalid", "path", "path too long");
		return;
	}
	if (medfwd_request_stream(req, resp, &upload_sink, u, max, limit_name) != 0)
		return; /* 413 from Content-Length; u released */
	u->sha256 = medfw_hash_new(MEDFW_HASH_SHA256);
	u->sha512 = medfw_hash_new(MEDFW_HASH_SHA512);
	if (u->sha256 == NULL || u->sha512 == NULL ||
	    medfw_random_bytes(rnd, sizeof(rnd)) != MEDFW_OK ||
	    medfw_hex_encode(rnd, sizeof(rnd), hex, sizeof(hex)) != MEDFW_OK) {
		medfwd_respond_error(resp, 500, "internal", NULL, "cannot set up the upload");
		return;
	}
	if (snprintf(u->tmp, sizeof(u->tmp), "%s/staging/" UPLOAD_PREFIX "%s", app->repo->dir,
		     hex) >= (int)sizeof(u->tmp)) {
		u->tmp[0] = 0;
		medfwd_respond_error(resp, 500, "internal", NULL, "data_dir path too long");
		return;
	}
	u->fd = open(u->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (u->fd < 0) {
		int e = errno;

		u->tmp[0] = 0; /* not ours (EEXIST) or not made */
		respond_write_error(resp, name, e);
	}
}

static void stage_metadata(struct medfwd_request *req, struct medfwd_response *resp)
{
	const char *name = medfwd_request_param(req, "name");
	char limit[96];

	if (!medfwd_require(req, resp, MEDFWD_PERM_REPO_WRITE))
		return;
	if (!medfw_repo_host_metadata_name_ok(name)) {
		medfwd_respond_error(resp, 400, "invalid", "name",
				     "metadata name must be root.json, timestamp.json, "
				     "snapshot.json, targets.json, N.root.json or ROLE.json of a "
				     "delegated targets role (letters, digits, '.', '_', '-')");
		return;
	}
	snprintf(limit, sizeof(limit), "the TUF size cap of %s", name);
	stage_stream(req, resp, "metadata", name, medfw_repo_host_metadata_max_len(name), limit);
}

static void stage_target(struct medfwd_request *req, struct medfwd_response *resp)
{
	const char *path = medfwd_request_param(req, "path");

	if (!medfwd_require(req, resp, MEDFWD_PERM_REPO_WRITE))
		return;
	if (!medfw_repo_host_target_path_ok(path)) {
		medfwd_respond_error(resp, 400, "invalid", "path", "not a safe target path");
		return;
	}
	stage_stream(req, resp, "targets", path, medfwd_server_max_target_bytes(req->server),
		     "max_target_bytes");
}

static enum medfw_err clear_staging(struct medfwd_repo *r, struct medfw_diag *diag)
{
	char path[PATH_MAX];
	enum medfw_err err = sub_path(r, path, sizeof(path), "staging", NULL);

	if (err == MEDFW_OK)
		err = medfw_repo_host_remove_tree(path, diag);
	if (err == MEDFW_OK)
		err = sub_path(r, path, sizeof(path), "staging/metadata", NULL);
	if (err == MEDFW_OK)
		err = medfw_mkdir_p(path, 0700, diag);
	if (err == MEDFW_OK)
		err = sub_path(r, path, sizeof(path), "staging/targets", NULL);
	if (err == MEDFW_OK)
		err = medfw_mkdir_p(path, 0700, diag);
	return err;
}

static void staging_clear(struct medfwd_request *req, struct medfwd_response *resp)
{
	struct medfwd_app *app = medfwd_app_of(req);
	struct medfw_diag diag;
	enum medfw_err err;

	if (!medfwd_require(req, resp, MEDFWD_PERM_REPO_WRITE))
		return;
	medfw_diag_clear(&diag);
	pthread_mutex_lock(&app->repo->commit_lock);
	err = clear_staging(app->repo, &diag);
	pthread_mutex_unlock(&app->repo->commit_lock);
	if (err != MEDFW_OK) {
		medfwd_respond_medfw_error(resp, err, &diag);
		return;
	}
	(void)medfwd_audit(app, req, medfwd_actor_of(medfwd_principal_of(req)), 0,
			   "repository.staging.clear", NULL);
	medfwd_respond_json(resp, 200, json_pack("{s:b}", "cleared", 1));
}

/* ---- commit ---- */

/* The number N of versions/N that `current` points to (0: none). */
static uint64_t current_number(const struct medfwd_repo *r)
{
	char path[PATH_MAX], target[PATH_MAX];
	ssize_t n;
	uint64_t v = 0;

	if (sub_path(r, path, sizeof(path), "current", NULL) != MEDFW_OK)
		return 0;
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0)
		return 0;
	target[n] = 0;
	if (strncmp(target, "versions/", 9) != 0 ||
	    medfw_parse_u64(target + 9, 1, UINT32_MAX, &v) != MEDFW_OK)
		return 0;
	return v;
}

static enum medfw_err switch_current(const struct medfwd_repo *r, uint64_t number,
				     struct medfw_diag *diag)
{
	char link_path[PATH_MAX], tmp[PATH_MAX], target[64];

	snprintf(target, sizeof(target), "versions/%llu", (unsigned long long)number);
	if (sub_path(r, link_path, sizeof(link_path), "current", NULL) != MEDFW_OK ||
	    sub_path(r, tmp, sizeof(tmp), "current.new", NULL) != MEDFW_OK)
		return MEDFW_ERR_TOO_LARGE;
	(void)unlink(tmp);
	if (symlink(target, tmp) != 0 || rename(tmp, link_path) != 0)
		return medfw_diag_set(diag, MEDFW_ERR_IO, "cannot switch the served repository: %s",
				      strerror(errno));
	return medfw_fsync_parent(link_path, diag);
}

/* After a commit, what every device runs may have become (or stopped being) a signed
 * release: recompute the flag the inventory and the firmware report show. Returns the
 * number of devices changed, or -1 when the store failed. */
static int64_t recompute_signed_flags(struct medfwd_app *app)
{
	enum { PAGE = 256 };
	struct medfw_store_device *page = calloc(PAGE, sizeof(*page));
	int64_t offset = 0, changed = 0;
	size_t n = 0;

	if (page == NULL)
		return -1;
	do {
		if (medfw_store_device_list(app->store, medfw_store_scope_all(), NULL, offset, page,
					    PAGE, &n, NULL, NULL) != MEDFW_OK) {
			changed = -1;
			break;
		}
		for (size_t i = 0; i < n; i++) {
			enum medfw_store_tristate flag =
				page[i].image_sha256[0] != 0
					? medfwd_image_is_signed_release(app, page[i].image_sha256)
					: MEDFW_TRI_UNKNOWN;

			if (flag == page[i].image_is_signed_release)
				continue;
			page[i].image_is_signed_release = flag;
			if (medfw_store_device_update(app->store, medfw_store_scope_all(), &page[i],
						      NULL) != MEDFW_OK) {
				changed = -1;
				break;
			}
			changed++;
		}
		offset += (int64_t)n;
	} while (changed >= 0 && n == PAGE);
	free(page);
	return changed;
}

/* ---- signed SBOMs attached at a commit (docs/vulnerabilities.md, "Release SBOMs") ---- */

#define ATTACHED_BY "repository commit"

/* One target of the committed tree, as a TUF client finds it. */
struct attach_item {
	char *name;
	const struct medfw_tuf_target *target; /* borrowed from the lookup; NULL: not found */
	char *why;                             /* when target is NULL (NULL: no memory) */
};

/* What a commit read of its tree under the commit lock; the SBOMs are read, checked,
 * parsed and stored after it was released. */
struct sbom_attach {
	struct medfwd_served_target *lookup; /* owns every item's target */
	uint64_t tree;                       /* versions/N the items were read from */
	struct attach_item *items;           /* sorted by name, each name once */
	size_t count, cap;
	char error[MEDFW_DIAG_MSG_MAX]; /* "": the pass ran; else why it could not */
};

static int collect_names(void *user, const struct medfw_tuf_meta *t)
{
	struct sbom_attach *a = user;

	if (t->target_count > a->cap - a->count) {
		struct attach_item *grown =
			realloc(a->items, (a->count + t->target_count) * sizeof(*grown));

		if (grown == NULL)
			return -1;
		a->items = grown;
		a->cap = a->count + t->target_count;
	}
	for (size_t i = 0; i < t->target_count; i++) {
		struct attach_item *it = &a->items[a->count];

		memset(it, 0, sizeof(*it));
		it->name = strdup(t->targets[i].path);
		if (it->name == NULL)
			return -1;
		a->count++;
	}
	return 0;
}

static int cmp_item(const void *x, const void *y)
{
	return strcmp(((const struct attach_item *)x)->name, ((const struct attach_item *)y)->name);
}

static void sbom_attach_free(struct sbom_attach *a)
{
	for (size_t i = 0; i < a->count; i++) {
		free(a->items[i].name);
		free(a->items[i].why);
	}
	free(a->items);
	medfwd_served_target_free(a->lookup);
	memset(a, 0, sizeof(*a));
}

/* Under the commit lock, right after the switch: every target of the committed tree,
 * found as a TUF client finds it. Bounded by the number of targets the verified
 * metadata lists. On failure a->error says why (the commit stands) and the error is
 * returned (out_diag: the lookup's message). */
static enum medfw_err sbom_attach_prepare_locked(struct medfwd_app *app, struct sbom_attach *a,
						 struct medfw_diag *out_diag)
{
	struct medfw_diag diag;
	size_t kept = 0;
	enum medfw_err err;

	medfw_diag_clear(&diag);
	if (walk_served_targets(app->repo, collect_names, a) < 0) {
		snprintf(a->error, sizeof(a->error), "out of memory listing the served targets");
		return medfw_diag_set(out_diag, MEDFW_ERR_NOMEM, "%s", a->error);
	}
	if (a->count > 0)
		qsort(a->items, a->count, sizeof(*a->items), cmp_item);
	for (size_t i = 0; i < a->count; i++) { /* a path listed by several roles: once */
		if (kept > 0 && strcmp(a->items[kept - 1].name, a->items[i].name) == 0) {
			free(a->items[i].name);
			continue;
		}
		a->items[kept++] = a->items[i];
	}
	a->count = kept;
	err = lookup_open_locked(app, &a->lookup, &a->tree, &diag);
	if (err != MEDFW_OK) {
		snprintf(a->error, sizeof(a->error), "the served repository does not verify: %s",
			 medfw_diag_message(&diag, err));
		return medfw_diag_set(out_diag, err, "%s", medfw_diag_message(&diag, err));
	}
	for (size_t i = 0; i < a->count; i++) {
		struct attach_item *it = &a->items[i];

		medfw_diag_clear(&diag);
		err = medfw_tuf_client_get_target_info(a->lookup->client, it->name, &it->target,
						       &diag);
		if (err != MEDFW_OK) {
			it->target = NULL;
			it->why = strdup(medfw_diag_message(&diag, err));
		}
	}
	return MEDFW_OK;
}

/* ---- the served tree as a TUF client sees it, for handlers/releases.c ---- */

struct medfwd_served_view {
	struct sbom_attach a; /* what the commit's SBOM pass reads, kept for the caller */
};

enum medfw_err medfwd_repo_served_view(struct medfwd_app *app, struct medfwd_served_view **out,
				       struct medfw_diag *diag)
{
	struct medfwd_served_view *v;
	enum medfw_err err;

	*out = NULL;
	if (app->repo == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND, "no repository is served");
	v = calloc(1, sizeof(*v));
	if (v == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_NOMEM, "out of memory");
	pthread_mutex_lock(&app->repo->commit_lock);
	err = sbom_attach_prepare_locked(app, &v->a, diag);
	pthread_mutex_unlock(&app->repo->commit_lock);
	if (err != MEDFW_OK) {
		medfwd_served_view_free(v);
		return err;
	}
	*out = v;
	return MEDFW_OK;
}

void medfwd_served_view_free(struct medfwd_served_view *v)
{
	if (v == NULL)
		return;
	sbom_attach_free(&v->a);
	free(v);
}

uint64_t medfwd_served_view_tree(const struct medfwd_served_view *v)
{
	return v->a.tree;
}

const struct medfw_tuf_client *medfwd_served_view_client(const struct medfwd_served_view *v)
{
	return v->a.lookup->client;
}

size_t medfwd_served_view_count(const struct medfwd_served_view *v)
{
	return v->a.count;
}

const struct medfw_tuf_target *medfwd_served_view_target(const struct medfwd_served_view *v,
							 size_t i, const char **out_name,
							 const char **out_why)
{
	const struct attach_item *it = &v->a.items[i];

	*out_name = it->name;
	if (out_why != NULL)
		*out_why = it->target != NULL ? NULL : it->why != NULL ? it->why : "out of memory";
	return it->target;
}

uint64_t medfwd_repo_generation(struct medfwd_app *app)
{
	return app->repo != NULL ? atomic_load(&app->repo->generation) : 0;
}

struct medfwd_releases *medfwd_repo_releases(struct medfwd_app *app)
{
	return app->repo != NULL ? app->repo->releases : NULL;
}

static const struct attach_item *attach_find(const struct sbom_attach *a, const char *name)
{
	struct attach_item key;

	memset(&key, 0, sizeof(key));
	key.name = (char *)(uintptr_t)name;
	return a->count > 0 ? bsearch(&key, a->items, a->count, sizeof(*a->items), cmp_item) : NULL;
}

enum attach_outcome {
	ATTACH_STORED = 0,  /* read, checked, parsed and stored */
	ATTACH_NOTHING = 1, /* nothing to do: not a release, no SBOM target, stored already */
	ATTACH_REFUSED = 2, /* the SBOM target is served but could not be stored */
};

/* Attach the signed SBOM of one target of the tree; why (cap bytes) says what was
 * skipped and why. */
static enum attach_outcome attach_one(struct medfwd_app *app, const struct medfwd_request *req,
				      const struct sbom_attach *a, const struct attach_item *it,
				      char *why, size_t cap)
{
	const struct medfwd_principal *who = medfwd_principal_of(req);
	const struct attach_item *sb;
	struct medfw_release_notice *notice = NULL;
	struct medfw_store_release_sbom *meta = calloc(1, sizeof(*meta));
	struct medfw_sbom *sbom = NULL;
	struct medfw_buf bytes;
	struct medfw_diag diag;
	char path[PATH_MAX], image[SHA256_HEX + 1], want[SHA256_HEX + 1], got[SHA256_HEX + 1];
	enum attach_outcome result = ATTACH_REFUSED;
	int replaced = 0;
	enum medfw_err err;

	medfw_buf_init(&bytes, MEDFW_SBOM_MAX_BYTES);
	medfw_diag_clear(&diag);
	if (meta == NULL) {
		snprintf(why, cap, "out of memory");
		goto out;
	}
	if (it->target == NULL) {
		snprintf(why, cap, "not found as a TUF client finds targets: %s",
			 it->why != NULL ? it->why : "out of memory");
		goto out;
	}
	result = ATTACH_NOTHING;
	if (medfw_notice_from_target_custom(it->target->custom, &notice, &diag) != MEDFW_OK) {
		snprintf(why, cap, "not a release: %s", medfw_diag_message(&diag, MEDFW_ERR_NOTICE));
		goto out;
	}
	if (notice->sbom_target == NULL) {
		snprintf(why, cap, "the release notice names no sbom_target");
		goto out;
	}
	sb = attach_find(a, notice->sbom_target);
	if (sb == NULL || sb->target == NULL) {
		snprintf(why, cap, "its sbom_target \"%.300s\" is not served", notice->sbom_target);
		goto out;
	}
	result = ATTACH_REFUSED;
	if (!signed_sha256(it->target, image)) {
		snprintf(why, cap, "the release is signed without a sha256 hash");
		goto out;
	}
	if (!signed_sha256(sb->target, want)) {
		snprintf(why, cap, "its sbom_target \"%.300s\" is signed without a sha256 hash",
			 sb->name);
		goto out;
	}
	if (sb->target->length < 0 || (uint64_t)sb->target->length > MEDFW_SBOM_MAX_BYTES) {
		snprintf(why, cap,
			 "its sbom_target \"%.300s\" is signed with %lld bytes, more than the SBOM "
			 "limit of %u", sb->name, (long long)sb->target->length, MEDFW_SBOM_MAX_BYTES);
		goto out;
	}
	/* the stored SBOM: missing, other bytes, not known as signed, another image? */
	err = medfw_store_release_sbom_get(app->store, it->name, meta, NULL, &diag);
	if (err == MEDFW_OK && meta->sbom_signed && strcmp(meta->sbom_sha256, want) == 0 &&
	    strcmp(meta->target_sha256, image) == 0) {
		snprintf(why, cap, "the stored SBOM is the signed sbom_target already");
		result = ATTACH_NOTHING;
		goto out;
	}
	if (err != MEDFW_OK && err != MEDFW_ERR_NOT_FOUND) {
		snprintf(why, cap, "cannot read the stored SBOM: %s",
			 medfw_diag_message(&diag, err));
		goto out;
	}
	/* The tree's file: the commit verified it, but it is read again here, so it is
	 * checked again against the signed length and hashes before anything trusts it. */
	medfw_diag_clear(&diag);
	if ((size_t)snprintf(path, sizeof(path), "%s/versions/%llu/targets/%s", app->repo->dir,
			     (unsigned long long)a->tree, sb->name) >= sizeof(path)) {
		snprintf(why, cap, "its sbom_target \"%.300s\": path too long", sb->name);
		goto out;
	}
	err = medfw_file_read(path, MEDFW_SBOM_MAX_BYTES, &bytes, &diag);
	if (err == MEDFW_OK)
		err = medfw_tuf_check_length_hashes(bytes.data, bytes.len, sb->target->length,
						    sb->target->hashes, sb->name, &diag);
	if (err == MEDFW_OK && (!sha256_hex_of(bytes.data, bytes.len, got) ||
				!medfw_ct_equal(got, want, SHA256_HEX)))
		err = medfw_diag_set(&diag, MEDFW_ERR_HASH_MISMATCH, "%.300s: sha256 mismatch",
				     sb->name);
	if (err != MEDFW_OK) {
		snprintf(why, cap, "its sbom_target \"%.300s\" is not the signed bytes: %s",
			 sb->name, medfw_diag_message(&diag, err));
		goto out;
	}
	medfw_diag_clear(&diag);
	err = medfw_sbom_parse(bytes.data, bytes.len, NULL, &sbom, &diag);
	if (err != MEDFW_OK) {
		snprintf(why, cap, "its sbom_target \"%.300s\" is not an SBOM medfw reads: %s",
			 sb->name, medfw_diag_message(&diag, err));
		goto out;
	}
	medfw_diag_clear(&diag);
	err = medfwd_release_sbom_store(app, req, who, it->target, notice, sbom, got, 1,
					ATTACHED_BY, meta, &replaced, &diag);
	if (err != MEDFW_OK) {
		snprintf(why, cap, "its SBOM could not be stored: %s",
			 medfw_diag_message(&diag, err));
		goto out;
	}
	snprintf(why, cap, "%s the SBOM (%lld components) from %.300s",
		 replaced ? "replaced" : "stored", (long long)meta->component_count, sb->name);
	result = ATTACH_STORED;
out:
	medfw_buf_free(&bytes);
	medfw_sbom_free(sbom);
	medfw_notice_free(notice);
	free(meta);
	return result;
}

/* After the commit, outside its lock: attach the signed SBOM of every release whose
 * stored SBOM is not it, then queue one re-evaluation. The commit answer's "sboms". */
static json_t *sbom_attach_run(struct medfwd_app *app, const struct medfwd_request *req,
			       const struct sbom_attach *a)
{
	const struct medfwd_principal *who = medfwd_principal_of(req);
	json_t *attached = json_array(), *skipped = json_array(), *evaluation = json_null();
	char why[MEDFW_DIAG_MSG_MAX + 400], detail[MEDFW_STORE_VULN_EVENT_DETAIL_MAX + 1];
	size_t stored = 0;

	for (size_t i = 0; a->error[0] == 0 && i < a->count; i++) {
		const struct attach_item *it = &a->items[i];
		enum attach_outcome o = attach_one(app, req, a, it, why, sizeof(why));

		const char *event =
			o == ATTACH_STORED ? "repository.sbom.attached" : "repository.sbom.skipped";

		medfw_log(app->ctx, o == ATTACH_REFUSED ? MEDFW_LOG_WARNING : MEDFW_LOG_INFO, event,
			  "%.300s: %s", it->name, why);
		if (o == ATTACH_STORED) {
			stored++;
			json_array_append_new(attached, json_string(it->name));
		} else {
			json_array_append_new(skipped, json_pack("{s:s, s:s}", "target", it->name,
								 "reason", why));
		}
	}
	if (a->error[0] != 0)
		medfw_log(app->ctx, MEDFW_LOG_ERROR, "repository.sbom.failed",
			  "no signed SBOM attached: %s", a->error);
	if (stored > 0) {
		snprintf(detail, sizeof(detail),
			 "signed SBOMs attached by the repository commit by %.128s",
			 who != NULL ? who->user.username : "system");
		evaluation = medfwd_vulns_changed(app, MEDFW_STORE_CAUSE_SBOM, detail);
	}
	return json_pack("{s:o, s:o, s:o, s:o}", "attached", attached, "skipped", skipped,
			 "evaluation", evaluation != NULL ? evaluation : json_null(), "error",
			 a->error[0] != 0 ? json_string(a->error) : json_null());
}

static void commit(struct medfwd_request *req, struct medfwd_response *resp)
{
	struct medfwd_app *app = medfwd_app_of(req);
	struct medfwd_repo *r = app->repo;
	struct medfw_repo_host_result res;
	struct medfw_buf root;
	struct medfw_diag diag;
	struct sbom_attach attach;
	char path[PATH_MAX], served[PATH_MAX], staged[PATH_MAX], fresh[PATH_MAX];
	uint64_t cur, next;
	json_t *body;
	enum medfw_err err;

	if (!medfwd_require(req, resp, MEDFWD_PERM_REPO_WRITE))
		return;
	medfw_diag_clear(&diag);
	memset(&attach, 0, sizeof(attach));
	medfw_buf_init(&root, 0);
	pthread_mutex_lock(&r->commit_lock);
	cur = current_number(r);
	next = cur + 1;
	(void)sub_path(r, path, sizeof(path), "trusted-root.json", NULL);
	err = medfw_file_read(path, MEDFW_TUF_ROOT_MAX_LEN, &root, NULL);
	if (err == MEDFW_ERR_NOT_FOUND) {
		pthread_mutex_unlock(&r->commit_lock);
		medfwd_respond_error(resp, 409, "conflict", NULL,
				     "no trusted root is pinned: POST /api/v1/repository/trusted-root "
				     "first");
		return;
	}
	snprintf(served, sizeof(served), "%s/versions/%llu", r->dir, (unsigned long long)cur);
	snprintf(staged, sizeof(staged), "%s/staging", r->dir);
	snprintf(fresh, sizeof(fresh), "%s/versions/%llu", r->dir, (unsigned long long)next);
	/* a leftover of a crash during an earlier commit */
	(void)medfw_repo_host_remove_tree(fresh, NULL);
	if (err == MEDFW_OK)
		err = medfw_repo_host_commit(app->ctx, root.data, root.len, cur > 0 ? served : NULL,
					     staged, fresh, &res, NULL, &diag);
	if (err == MEDFW_OK)
		err = switch_current(r, next, &diag);
	if (err != MEDFW_OK)
		(void)medfw_repo_host_remove_tree(fresh, NULL);
	else if (cur > 1) {
		/* keep the previous tree (downloads in flight hold open files anyway) */
		snprintf(path, sizeof(path), "%s/versions/%llu", r->dir, (unsigned long long)cur - 1);
		(void)medfw_repo_host_remove_tree(path, NULL);
	}
	(void)clear_staging(r, NULL);
	if (err == MEDFW_OK) {
		signed_set_reload(r);
		/* what the SBOM pass needs from the tree, read while it is the one served */
		(void)sbom_attach_prepare_locked(app, &attach, NULL);
	}
	pthread_mutex_unlock(&r->commit_lock);
	medfw_buf_free(&root);
	if (err != MEDFW_OK) {
		(void)medfwd_audit(app, req, medfwd_actor_of(medfwd_principal_of(req)), 0,
				   "repository.commit.refused",
				   json_pack("{s:s, s:s}", "error", medfw_err_name(err), "message",
					     medfw_diag_message(&diag, err)));
		respond_refused(resp, err, &diag);
		sbom_attach_free(&attach);
		return;
	}
	(void)medfwd_audit(app, req, medfwd_actor_of(medfwd_principal_of(req)), 0,
			   "repository.commit",
			   json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "root",
				     (json_int_t)res.root_version, "timestamp",
				     (json_int_t)res.timestamp_version, "snapshot",
				     (json_int_t)res.snapshot_version, "targets",
				     (json_int_t)res.targets_version, "target_count",
				     (json_int_t)res.target_count, "delegated_roles",
				     (json_int_t)res.delegated_role_count, "devices_reclassified",
				     (json_int_t)recompute_signed_flags(app)));
	body = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "root_version",
			 (json_int_t)res.root_version, "timestamp_version",
			 (json_int_t)res.timestamp_version, "snapshot_version",
			 (json_int_t)res.snapshot_version, "targets_version",
			 (json_int_t)res.targets_version, "target_count",
			 (json_int_t)res.target_count, "delegated_roles",
			 (json_int_t)res.delegated_role_count);
	/* the commit stands whatever happens to an SBOM */
	if (body != NULL)
		json_object_set_new(body, "sboms", sbom_attach_run(app, req, &attach));
	sbom_attach_free(&attach);
	medfwd_respond_json(resp, 200, body);
}

static json_t *meta_summary(const struct medfwd_repo *r, const char *name,
			    enum medfw_tuf_role_type type)
{
	struct medfw_buf b;
	struct medfw_tuf_meta *m = NULL;
	char path[PATH_MAX], when[MEDFW_UTC_TIME_LEN + 1];
	json_t *out = json_null();

	if (snprintf(path, sizeof(path), "%s/%s", r->dir, name) >= (int)sizeof(path) ||
	    medfw_file_read(path, medfw_tuf_role_max_len(type), &b, NULL) != MEDFW_OK)
		return out;
	if (medfw_tuf_meta_parse_unverified(b.data, b.len, b.max, type, &m, NULL) == MEDFW_OK &&
	    medfw_format_utc_time(m->expires, when, sizeof(when)) == MEDFW_OK)
		out = json_pack("{s:I, s:s}", "version", (json_int_t)m->version, "expires", when);
	medfw_tuf_meta_free(m);
	medfw_buf_free(&b);
	return out;
}

static void status(struct medfwd_request *req, struct medfwd_response *resp)
{
	struct medfwd_app *app = medfwd_app_of(req);
	struct medfwd_repo *r = app->repo;
	json_t *body;
	size_t count;

	if (!medfwd_require(req, resp, MEDFWD_PERM_DEVICES_READ))
		return;
	pthread_rwlock_rdlock(&r->signed_lock);
	count = r->signed_count;
	pthread_rwlock_unlock(&r->signed_lock);
	body = json_pack("{s:o, s:o, s:o, s:o, s:o, s:I}", "trusted_root",
			 meta_summary(r, "trusted-root.json", MEDFW_TUF_ROOT), "root",
			 meta_summary(r, "current/metadata/root.json", MEDFW_TUF_ROOT), "timestamp",
			 meta_summary(r, "current/metadata/timestamp.json", MEDFW_TUF_TIMESTAMP),
			 "snapshot",
			 meta_summary(r, "current/metadata/snapshot.json", MEDFW_TUF_SNAPSHOT),
			 "targets", meta_summary(r, "current/metadata/targets.json", MEDFW_TUF_TARGETS),
			 "signed_images", (json_int_t)count);
	medfwd_respond_json(resp, 200, body);
}

/* ---- serving (no authentication: the content is signed) ---- */

/* Parse a single "bytes=" range against size. 0: none or ignored (serve whole),
 * 1: satisfiable (*off, *len), -1: unsatisfiable (416). */
static int parse_range(const char *h, uint64_t size, uint64_t *off, uint64_t *len)
{
	const char *dash;
	char a[24], b[24];
	uint64_t first = 0, last = 0;
	size_t na, nb;

	if (h == NULL || strncmp(h, "bytes=", 6) != 0 || strchr(h, ',') != NULL)
		return 0;
	h += 6;
	dash = strchr(h, '-');
	if (dash == NULL)
		return 0;
	na = (size_t)(dash - h);
	nb = strlen(dash + 1);
	if (na >= sizeof(a) || nb >= sizeof(b) || (na == 0 && nb == 0))
		return 0;
	memcpy(a, h, na);
	a[na] = 0;
	memcpy(b, dash + 1, nb + 1);
	if ((na > 0 && medfw_parse_u64(a, 0, UINT64_MAX, &first) != MEDFW_OK) ||
	    (nb > 0 && medfw_parse_u64(b, 0, UINT64_MAX, &last) != MEDFW_OK))
		return 0;
	if (na == 0) { /* suffix: the last `last` bytes */
		if (last == 0 || size == 0)
			return -1;
		*len = last < size ? last : size;
		*off = size - *len;
		return 1;
	}
	if (nb > 0 && last < first)
		return 0; /* syntactically invalid: ignored (RFC 9110 14.2) */
	if (first >= size)
		return -1;
	if (nb == 0 || last >= size)
		last = size - 1;
	*off = first;
	*len = last - first + 1;
	return 1;
}

static void serve_file(struct medfwd_request *req, struct medfwd_response *resp,
		       const char *sub, const char *name, const char *content_type)
{
	struct medfwd_app *app = medfwd_app_of(req);
	char path[PATH_MAX], etag[96], range[96], len_text[32];
	struct stat st;
	uint64_t off = 0, len = 0;
	int fd, ranged;

	if (snprintf(path, sizeof(path), "%s/current/%s/%s", app->repo->dir, sub, name) >=
	    (int)sizeof(path)) {
		medfwd_respond_error(resp, 404, "not_found", NULL, "no such file");
		return;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		if (fd >= 0)
			close(fd);
		medfwd_respond_error(resp, 404, "not_found", NULL, "no such file in the repository");
		return;
	}
	snprintf(etag, sizeof(etag), "\"%llx-%llx-%llx\"", (unsigned long long)st.st_ino,
		 (unsigned long long)st.st_size, (unsigned long long)st.st_mtime);
	(void)medfwd_response_add_header(resp, "ETag", etag);
	(void)medfwd_response_add_header(resp, "Accept-Ranges", "bytes");
	ranged = parse_range(medfwd_request_header(req, "Range"), (uint64_t)st.st_size, &off, &len);
	if (ranged < 0) {
		close(fd);
		snprintf(range, sizeof(range), "bytes */%llu", (unsigned long long)st.st_size);
		(void)medfwd_response_add_header(resp, "Content-Range", range);
		medfwd_respond_error(resp, 416, "range_not_satisfiable", "Range",
				     "the range is outside the file (%llu bytes)",
				     (unsigned long long)st.st_size);
		return;
	}
	if (ranged > 0) {
		snprintf(range, sizeof(range), "bytes %llu-%llu/%llu", (unsigned long long)off,
			 (unsigned long long)(off + len - 1), (unsigned long long)st.st_size);
		(void)medfwd_response_add_header(resp, "Content-Range", range);
		medfwd_respond_fd(resp, 206, content_type, fd, off, len);
		return;
	}
	(void)len_text;
	medfwd_respond_fd(resp, 200, content_type, fd, 0, (uint64_t)st.st_size);
}

static void get_metadata(struct medfwd_request *req, struct medfwd_response *resp)
{
	const char *name = medfwd_request_param(req, "file");

	if (!medfw_repo_host_served_name_ok(name)) {
		medfwd_respond_error(resp, 404, "not_found", "file", "no such metadata file");
		return;
	}
	serve_file(req, resp, "metadata", name, "application/json");
}

static void get_target(struct medfwd_request *req, struct medfwd_response *resp)
{
	const char *path = medfwd_request_param(req, "path");

	if (!medfw_repo_host_target_path_ok(path)) {
		medfwd_respond_error(resp, 404, "not_found", "path", "no such target");
		return;
	}
	serve_file(req, resp, "targets", path, "application/octet-stream");
}

const struct medfwd_route medfwd_routes_repo[] = {
	{"GET", "/api/v1/repository", status, MEDFWD_AUTH_TOKEN, MEDFWD_BODY_NONE,
	 "repository.status"},
	{"POST", "/api/v1/repository/trusted-root", trusted_root_pin, MEDFWD_AUTH_TOKEN,
	 MEDFWD_BODY_NONE, "repository.trusted_root.pin"},
	{"PUT", "/api/v1/repository/metadata/{name}", stage_metadata, MEDFWD_AUTH_TOKEN,
	 MEDFWD_BODY_STREAM, "repository.stage.metadata"},
	{"PUT", "/api/v1/repository/targets/{path*}", stage_target, MEDFWD_AUTH_TOKEN,
	 MEDFWD_BODY_STREAM, "repository.stage.target"},
	{"DELETE", "/api/v1/repository/staging", staging_clear, MEDFWD_AUTH_TOKEN,
	 MEDFWD_BODY_NONE, "repository.staging.clear"},
	{"POST", "/api/v1/repository/commit", commit, MEDFWD_AUTH_TOKEN, MEDFWD_BODY_NONE,
	 "repository.commit"},
	{"GET", "/repo/metadata/{file}", get_metadata, MEDFWD_AUTH_NONE, MEDFWD_BODY_NONE,
	 "repo.metadata"},
	{"GET", "/repo/targets/{path*}", get_target, MEDFWD_AUTH_NONE, MEDFWD_BODY_NONE,
	 "repo.target"},
	{0},
};
