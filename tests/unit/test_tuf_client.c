/* The TUF client workflow against an in-memory repository built at run time:
 * keys generated per test run, metadata signed with medfw_tuf_envelope_*, served by a
 * fake fetcher that records every request. Each attack is checked for the exact error
 * code and for trusted metadata left byte-for-byte unchanged on disk. */
#include "testutil.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "medfw/buf.h"
#include "medfw/crypto.h"
#include "medfw/ctx.h"
#include "medfw/fetch.h"
#include "medfw/json.h"
#include "medfw/tuf.h"
#include "medfw/tuf_client.h"

#define MURL "http://repo.test/metadata"
#define TURL "http://repo.test/targets"
#define DAY 86400
#define MAX_FILES 256
#define MAX_REQUESTS 256
#define MAX_ROLES 48
#define MAX_ROLE_KEYS 4

/* ---- in-memory repository + recording fetcher ---- */

struct mem_file {
	char *url;
	struct medfw_buf body;
};

struct mem_repo {
	struct mem_file files[MAX_FILES];
	size_t file_count;
	char *requests[MAX_REQUESTS];
	size_t request_count;
	int fail_status; /* when non-zero, every missing file answers this */
};

static void repo_put(struct mem_repo *r, const char *url, const void *data, size_t len)
{
	struct mem_file *f = NULL;

	for (size_t i = 0; i < r->file_count; i++)
		if (strcmp(r->files[i].url, url) == 0)
			f = &r->files[i];
	if (f == NULL) {
		assert_true(r->file_count < MAX_FILES);
		f = &r->files[r->file_count++];
		f->url = strdup(url);
		assert_non_null(f->url);
	} else {
		medfw_buf_free(&f->body);
	}
	medfw_buf_init(&f->body, SIZE_MAX);
	assert_int_equal(medfw_buf_append(&f->body, data, len), MEDFW_OK);
}

static void repo_del(struct mem_repo *r, const char *url)
{
	for (size_t i = 0; i < r->file_count; i++) {
		if (strcmp(r->files[i].url, url) == 0) {
			free(r->files[i].url);
			medfw_buf_free(&r->files[i].body);
			r->files[i] = r->files[--r->file_count];
			return;
		}
	}
}

static const struct mem_file *repo_get(struct mem_repo *r, const char *url)
{
	assert_true(r->request_count < MAX_REQUESTS);
	r->requests[r->request_count] = strdup(url);
	assert_non_null(r->requests[r->request_count]);
	r->request_count++;
	for (size_t i = 0; i < r->file_count; i++)
		if (strcmp(r->files[i].url, url) == 0)
			return &r->files[i];
	return NULL;
}

static void repo_clear_requests(struct mem_repo *r)
{
	for (size_t i = 0; i < r->request_count; i++)
		free(r->requests[i]);
	r->request_count = 0;
}

static void repo_free(struct mem_repo *r)
{
	repo_clear_requests(r);
	for (size_t i = 0; i < r->file_count; i++) {
		free(r->files[i].url);
		medfw_buf_free(&r->files[i].body);
	}
	r->file_count = 0;
}

static enum medfw_err mem_fetch_stream(void *user, const char *url, uint64_t max_len,
				       medfw_fetch_write_fn write, void *write_user,
				       int *out_http_status, struct medfw_diag *diag)
{
	struct mem_repo *r = user;
	const struct mem_file *f = repo_get(r, url);
	size_t off = 0;

	*out_http_status = 0;
	if (f == NULL) {
		*out_http_status = r->fail_status != 0 ? r->fail_status : 404;
		return medfw_diag_set(diag, MEDFW_ERR_FETCH, "%s: HTTP status %d", url,
				      *out_http_status);
	}
	*out_http_status = 200;
	/* Small pieces, like a network would deliver them. */
	while (off < f->body.len) {
		size_t n = f->body.len - off < 7 ? f->body.len - off : 7;
		enum medfw_err err;

		if (n > max_len - off)
			return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "%s: more than %llu bytes",
					      url, (unsigned long long)max_len);
		err = write(write_user, f->body.data + off, n, diag);
		if (err != MEDFW_OK)
			return err;
		off += n;
	}
	return MEDFW_OK;
}

static enum medfw_err append_buf(void *user, const void *data, size_t len,
				 struct medfw_diag *diag)
{
	(void)diag;
	return medfw_buf_append(user, data, len);
}

static enum medfw_err mem_fetch(void *user, const char *url, size_t max_len,
				struct medfw_buf *out, int *out_http_status,
				struct medfw_diag *diag)
{
	enum medfw_err err;

	medfw_buf_init(out, max_len);
	err = mem_fetch_stream(user, url, max_len, append_buf, out, out_http_status, diag);
	if (err != MEDFW_OK)
		medfw_buf_free(out);
	return err;
}

/* ---- repository simulator ---- */

struct role {
	char name[128];
	json_t *signed_obj;
	struct medfw_privkey *keys[MAX_ROLE_KEYS];
	size_t key_count;
	int published; /* the root versions are kept, so root is published explicitly */
};

struct fixture {
	struct mem_repo repo;
	struct medfw_fetcher fetcher;
	struct medfw_ctx *ctx;
	int64_t now;        /* the client's clock */
	int64_t created;    /* real time at setup */
	struct role roles[MAX_ROLES];
	size_t role_count;
	struct medfw_privkey *spare[8]; /* extra keys (rotations) */
	char *dir;
	char mdir[1024];
	char tdir[1024];
};

static int64_t fixture_clock(void *user)
{
	return ((struct fixture *)user)->now;
}

static struct role *role_get(struct fixture *fx, const char *name)
{
	for (size_t i = 0; i < fx->role_count; i++)
		if (strcmp(fx->roles[i].name, name) == 0)
			return &fx->roles[i];
	fail_msg("no role %s", name);
	abort();
}

static json_t *sig(struct fixture *fx, const char *name)
{
	return role_get(fx, name)->signed_obj;
}

static int64_t version_of(struct fixture *fx, const char *name)
{
	return json_integer_value(json_object_get(sig(fx, name), "version"));
}

static void set_version(struct fixture *fx, const char *name, int64_t v)
{
	assert_int_equal(json_object_set_new(sig(fx, name), "version", json_integer(v)), 0);
}

static void set_expires(struct fixture *fx, const char *name, int64_t t)
{
	assert_int_equal(json_object_set_new(sig(fx, name), "expires", medfw_tuf_time_json(t)),
			 0);
}

static struct medfw_privkey *new_key(void)
{
	struct medfw_privkey *k = NULL;

	assert_int_equal(medfw_privkey_generate(MEDFW_KEY_ED25519, &k, NULL), MEDFW_OK);
	return k;
}

static json_t *base_signed(struct fixture *fx, const char *type)
{
	json_t *s = json_pack("{s:s, s:s, s:I}", "_type", type, "spec_version",
			      MEDFW_TUF_SPEC_VERSION, "version", (json_int_t)1);

	assert_non_null(s);
	assert_int_equal(json_object_set_new(s, "expires", medfw_tuf_time_json(fx->created +
									       30 * DAY)),
			 0);
	return s;
}

static struct role *add_role(struct fixture *fx, const char *name, json_t *signed_obj)
{
	struct role *r;

	assert_true(fx->role_count < MAX_ROLES);
	r = &fx->roles[fx->role_count++];
	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", name);
	r->signed_obj = signed_obj;
	return r;
}

/* Add key to the delegator's key list for `role` (root or a targets role). */
static void authorize_key(json_t *delegator, const char *role, const struct medfw_privkey *key)
{
	struct medfw_pubkey *pub = NULL;
	json_t *keys, *keyids = NULL;

	assert_int_equal(medfw_privkey_public(key, &pub, NULL), MEDFW_OK);
	if (json_object_get(delegator, "roles") != NULL &&
	    json_is_object(json_object_get(delegator, "roles"))) {
		keys = json_object_get(delegator, "keys");
		keyids = json_object_get(json_object_get(json_object_get(delegator, "roles"), role),
					 "keyids");
	} else {
		json_t *del = json_object_get(delegator, "delegations");
		json_t *roles = json_object_get(del, "roles");

		keys = json_object_get(del, "keys");
		for (size_t i = 0; i < json_array_size(roles); i++) {
			json_t *r = json_array_get(roles, i);

			if (strcmp(json_string_value(json_object_get(r, "name")), role) == 0)
				keyids = json_object_get(r, "keyids");
		}
	}
	assert_non_null(keys);
	assert_non_null(keyids);
	assert_int_equal(json_object_set(keys, medfw_pubkey_keyid(pub),
					 (json_t *)(uintptr_t)medfw_pubkey_json(pub)),
			 0);
	assert_int_equal(json_array_append_new(keyids, json_string(medfw_pubkey_keyid(pub))), 0);
	medfw_pubkey_free(pub);
}

/* Drop every key of `role` from root (the keys stay in root.keys; harmless). */
static void root_clear_role_keys(struct fixture *fx, const char *role)
{
	json_t *keyids = json_object_get(
		json_object_get(json_object_get(sig(fx, "root"), "roles"), role), "keyids");

	assert_int_equal(json_array_clear(keyids), 0);
}

static void serialize(struct fixture *fx, struct role *r, struct medfw_buf *out)
{
	json_t *env = medfw_tuf_envelope_new(r->signed_obj);

	(void)fx;
	assert_non_null(env);
	for (size_t i = 0; i < r->key_count; i++)
		assert_int_equal(medfw_tuf_envelope_sign(env, r->keys[i], NULL), MEDFW_OK);
	medfw_buf_init(out, 64u * 1024u * 1024u);
	assert_int_equal(medfw_tuf_envelope_serialize(env, out, NULL), MEDFW_OK);
	json_decref(env);
}

/* Serve a role's current content at its URLs. */
static void publish(struct fixture *fx, const char *name)
{
	struct role *r = role_get(fx, name);
	char url[2048], quoted[1024];
	struct medfw_buf b;

	serialize(fx, r, &b);
	assert_int_equal(medfw_tuf_quote(name, quoted, sizeof(quoted)), MEDFW_OK);
	snprintf(url, sizeof(url), MURL "/%lld.%s.json", (long long)version_of(fx, name), quoted);
	repo_put(&fx->repo, url, b.data, b.len);
	if (strcmp(name, "root") != 0) {
		snprintf(url, sizeof(url), MURL "/%s.json", quoted);
		repo_put(&fx->repo, url, b.data, b.len);
	}
	medfw_buf_free(&b);
}

static void bump_publish(struct fixture *fx, const char *name)
{
	set_version(fx, name, version_of(fx, name) + 1);
	publish(fx, name);
}

static void update_timestamp(struct fixture *fx)
{
	json_t *meta = json_object_get(sig(fx, "timestamp"), "meta");

	assert_int_equal(json_object_set_new(meta, "snapshot.json",
					     json_pack("{s:I}", "version",
						       (json_int_t)version_of(fx, "snapshot"))),
			 0);
	bump_publish(fx, "timestamp");
}

/* Snapshot lists every targets role at its current version; then timestamp. */
static void update_snapshot(struct fixture *fx)
{
	json_t *meta = json_object_get(sig(fx, "snapshot"), "meta");

	for (size_t i = 0; i < fx->role_count; i++) {
		const char *t = json_string_value(json_object_get(fx->roles[i].signed_obj, "_type"));
		char file[300];

		if (strcmp(t, "targets") != 0)
			continue;
		snprintf(file, sizeof(file), "%s.json", fx->roles[i].name);
		assert_int_equal(json_object_set_new(meta, file,
						     json_pack("{s:I}", "version",
							       (json_int_t)version_of(
								       fx, fx->roles[i].name))),
				 0);
	}
	bump_publish(fx, "snapshot");
	update_timestamp(fx);
}

static void add_artifact(struct fixture *fx, const char *role, const char *path,
			 const char *content)
{
	uint8_t d[MEDFW_SHA256_LEN];
	char hex[2 * MEDFW_SHA256_LEN + 1], url[2048];
	size_t n;
	const char *slash = strrchr(path, '/');
	int dir_len = slash != NULL ? (int)(slash - path) + 1 : 0;

	assert_int_equal(medfw_hash_oneshot(MEDFW_HASH_SHA256, content, strlen(content), d,
					    sizeof(d), &n),
			 MEDFW_OK);
	assert_int_equal(medfw_hex_encode(d, n, hex, sizeof(hex)), MEDFW_OK);
	assert_int_equal(json_object_set_new(json_object_get(sig(fx, role), "targets"), path,
					     json_pack("{s:I, s:{s:s}}", "length",
						       (json_int_t)strlen(content), "hashes",
						       "sha256", hex)),
			 0);
	snprintf(url, sizeof(url), TURL "/%s", path);
	repo_put(&fx->repo, url, content, strlen(content));
	snprintf(url, sizeof(url), TURL "/%.*s%s.%s", dir_len, path, hex, path + dir_len);
	repo_put(&fx->repo, url, content, strlen(content));
}

/* A delegation from `delegator` to a new targets role with one fresh key. */
static void add_delegation(struct fixture *fx, const char *delegator, const char *name,
			   const char *paths_csv, int terminating, int hash_prefixes)
{
	json_t *d = sig(fx, delegator), *del = json_object_get(d, "delegations");
	json_t *entry, *list = json_array();
	struct role *r;
	char buf[512];

	if (del == NULL) {
		del = json_pack("{s:{}, s:[]}", "keys", "roles");
		assert_int_equal(json_object_set_new(d, "delegations", del), 0);
	}
	snprintf(buf, sizeof(buf), "%s", paths_csv);
	for (char *p = buf, *end; p != NULL; p = end) {
		end = strchr(p, ',');
		if (end != NULL)
			*end++ = 0;
		json_array_append_new(list, json_string(p));
	}
	entry = json_pack("{s:s, s:[], s:I, s:b}", "name", name, "keyids", "threshold",
			  (json_int_t)1, "terminating", terminating);
	assert_int_equal(json_object_set_new(entry, hash_prefixes ? "path_hash_prefixes" : "paths",
					     list),
			 0);
	assert_int_equal(json_array_append_new(json_object_get(del, "roles"), entry), 0);
	r = add_role(fx, name, base_signed(fx, "targets"));
	assert_int_equal(json_object_set_new(r->signed_obj, "targets", json_object()), 0);
	r->keys[r->key_count++] = new_key();
	authorize_key(d, name, r->keys[0]);
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	const char *top[] = {"root", "timestamp", "snapshot", "targets"};
	json_t *root;

	assert_non_null(fx);
	fx->created = (int64_t)time(NULL);
	fx->now = fx->created;
	fx->ctx = medfw_ctx_new();
	assert_non_null(fx->ctx);
	medfw_ctx_set_clock(fx->ctx, fixture_clock, fx);
	fx->fetcher.user = &fx->repo;
	fx->fetcher.fetch = mem_fetch;
	fx->fetcher.fetch_stream = mem_fetch_stream;
	fx->dir = tu_tmpdir_new();
	tu_path(fx->mdir, sizeof(fx->mdir), fx->dir, "metadata");
	tu_path(fx->tdir, sizeof(fx->tdir), fx->dir, "targets");
	assert_int_equal(medfw_mkdir_p(fx->mdir, 0755, NULL), MEDFW_OK);
	assert_int_equal(medfw_mkdir_p(fx->tdir, 0755, NULL), MEDFW_OK);

	root = base_signed(fx, "root");
	assert_int_equal(json_object_set_new(root, "consistent_snapshot", json_false()), 0);
	assert_int_equal(json_object_set_new(root, "keys", json_object()), 0);
	assert_int_equal(json_object_set_new(
				 root, "roles",
				 json_pack("{s:{s:[],s:I}, s:{s:[],s:I}, s:{s:[],s:I}, s:{s:[],s:I}}",
					   "root", "keyids", "threshold", (json_int_t)1,
					   "timestamp", "keyids", "threshold", (json_int_t)1,
					   "snapshot", "keyids", "threshold", (json_int_t)1,
					   "targets", "keyids", "threshold", (json_int_t)1)),
			 0);
	add_role(fx, "root", root);
	add_role(fx, "timestamp", base_signed(fx, "timestamp"));
	assert_int_equal(json_object_set_new(sig(fx, "timestamp"), "meta",
					     json_pack("{s:{s:I}}", "snapshot.json", "version",
						       (json_int_t)1)),
			 0);
	add_role(fx, "snapshot", base_signed(fx, "snapshot"));
	assert_int_equal(json_object_set_new(sig(fx, "snapshot"), "meta",
					     json_pack("{s:{s:I}}", "targets.json", "version",
						       (json_int_t)1)),
			 0);
	add_role(fx, "targets", base_signed(fx, "targets"));
	assert_int_equal(json_object_set_new(sig(fx, "targets"), "targets", json_object()), 0);
	for (size_t i = 0; i < 4; i++) {
		struct role *r = role_get(fx, top[i]);

		r->keys[r->key_count++] = new_key();
		authorize_key(root, top[i], r->keys[0]);
	}
	for (size_t i = 0; i < 4; i++)
		publish(fx, top[i]);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	for (size_t i = 0; i < fx->role_count; i++) {
		json_decref(fx->roles[i].signed_obj);
		for (size_t k = 0; k < fx->roles[i].key_count; k++)
			medfw_privkey_free(fx->roles[i].keys[k]);
	}
	for (size_t i = 0; i < sizeof(fx->spare) / sizeof(fx->spare[0]); i++)
		medfw_privkey_free(fx->spare[i]);
	repo_free(&fx->repo);
	medfw_ctx_free(fx->ctx);
	tu_tmpdir_free(fx->dir);
	free(fx);
	return 0;
}

/* ---- client helpers ---- */

/* `medfw tuf-client init`: root v1 as served. */
static void client_init(struct fixture *fx)
{
	char path[2048];

	for (size_t i = 0; i < fx->repo.file_count; i++) {
		if (strcmp(fx->repo.files[i].url, MURL "/1.root.json") == 0) {
			tu_path(path, sizeof(path), fx->mdir, "root.json");
			tu_write_file(path, fx->repo.files[i].body.data, fx->repo.files[i].body.len);
			return;
		}
	}
	fail_msg("no root v1");
}

/* One `medfw tuf-client refresh` run: a fresh client. */
static enum medfw_err refresh(struct fixture *fx, struct medfw_diag *diag)
{
	struct medfw_tuf_client *c = NULL;
	enum medfw_err err;

	medfw_diag_clear(diag);
	repo_clear_requests(&fx->repo);
	err = medfw_tuf_client_new(fx->ctx, &fx->fetcher, fx->mdir, MURL, TURL, &c, diag);
	if (err == MEDFW_OK)
		err = medfw_tuf_client_refresh(c, diag);
	medfw_tuf_client_free(c);
	return err;
}

static void refresh_ok(struct fixture *fx)
{
	struct medfw_diag diag;
	enum medfw_err err = refresh(fx, &diag);

	if (err != MEDFW_OK)
		fail_msg("refresh: %s", medfw_diag_message(&diag, err));
}

/* One `medfw tuf-client download`: refresh, look up, use the cache or download. */
static enum medfw_err download(struct fixture *fx, const char *target, int *out_cached,
			       struct medfw_diag *diag)
{
	struct medfw_tuf_client *c = NULL;
	const struct medfw_tuf_target *info = NULL;
	char path[4096];
	enum medfw_err err;

	medfw_diag_clear(diag);
	repo_clear_requests(&fx->repo);
	if (out_cached != NULL)
		*out_cached = 0;
	err = medfw_tuf_client_new(fx->ctx, &fx->fetcher, fx->mdir, MURL, TURL, &c, diag);
	if (err == MEDFW_OK)
		err = medfw_tuf_client_refresh(c, diag);
	if (err == MEDFW_OK)
		err = medfw_tuf_client_get_target_info(c, target, &info, diag);
	if (err == MEDFW_OK && medfw_tuf_client_find_cached_target(c, info, fx->tdir, path,
								    sizeof(path), NULL) == MEDFW_OK) {
		if (out_cached != NULL)
			*out_cached = 1;
	} else if (err == MEDFW_OK) {
		err = medfw_tuf_client_download_target(c, info, fx->tdir, path, sizeof(path), diag);
	}
	if (err != MEDFW_OK)
		assert_null(err == MEDFW_ERR_NOT_FOUND ? info : NULL);
	medfw_tuf_client_free(c);
	return err;
}

static void assert_requests(struct fixture *fx, const char *const *expected, size_t n)
{
	for (size_t i = 0; i < n && i < fx->repo.request_count; i++)
		assert_string_equal(fx->repo.requests[i], expected[i]);
	assert_int_equal(fx->repo.request_count, n);
}

static int requested(struct fixture *fx, const char *url)
{
	for (size_t i = 0; i < fx->repo.request_count; i++)
		if (strcmp(fx->repo.requests[i], url) == 0)
			return 1;
	return 0;
}

static int64_t local_version(struct fixture *fx, const char *file)
{
	struct medfw_tuf_meta *m = NULL;
	struct medfw_buf b;
	char path[2048];
	enum medfw_tuf_role_type type = MEDFW_TUF_TARGETS;
	char role[256];
	int64_t v;

	snprintf(role, sizeof(role), "%s", file);
	*strrchr(role, '.') = 0;
	(void)medfw_tuf_role_parse(role, &type);
	if (strcmp(role, "root") != 0 && type == MEDFW_TUF_ROOT)
		type = MEDFW_TUF_TARGETS;
	tu_path(path, sizeof(path), fx->mdir, file);
	tu_read_file(path, &b);
	assert_int_equal(medfw_tuf_meta_parse_unverified(b.data, b.len, b.max, type, &m, NULL),
			 MEDFW_OK);
	v = m->version;
	medfw_tuf_meta_free(m);
	medfw_buf_free(&b);
	return v;
}

/* The bytes of every file in MDIR, to check that a rejected update left them alone. */
struct dir_state {
	char names[64][256];
	struct medfw_buf bodies[64];
	size_t count;
};

static void dir_capture(const char *dir, struct dir_state *st)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	assert_non_null(d);
	st->count = 0;
	while ((e = readdir(d)) != NULL) {
		char path[2048];

		if (e->d_name[0] == '.')
			continue;
		assert_true(st->count < 64);
		snprintf(st->names[st->count], sizeof(st->names[0]), "%s", e->d_name);
		tu_path(path, sizeof(path), dir, e->d_name);
		tu_read_file(path, &st->bodies[st->count]);
		st->count++;
	}
	closedir(d);
}

static void dir_state_free(struct dir_state *st)
{
	for (size_t i = 0; i < st->count; i++)
		medfw_buf_free(&st->bodies[i]);
	st->count = 0;
}

static void assert_dir_unchanged(const char *dir, struct dir_state *before)
{
	struct dir_state after;

	dir_capture(dir, &after);
	assert_int_equal(after.count, before->count);
	for (size_t i = 0; i < before->count; i++) {
		size_t j;

		for (j = 0; j < after.count; j++)
			if (strcmp(after.names[j], before->names[i]) == 0)
				break;
		if (j == after.count)
			fail_msg("%s disappeared", before->names[i]);
		assert_int_equal(after.bodies[j].len, before->bodies[i].len);
		assert_memory_equal(after.bodies[j].data, before->bodies[i].data,
				    before->bodies[i].len);
	}
	dir_state_free(&after);
	dir_state_free(before);
}

/* Refresh must fail with `want`, naming `needle`, and leave the trusted copy of
 * `file` as it was (file NULL: every file in MDIR). */
static void refresh_rejected_file(struct fixture *fx, enum medfw_err want, const char *needle,
				  const char *file)
{
	struct dir_state before;
	struct medfw_diag diag;
	struct medfw_buf b1, b2;
	char path[2048];
	int existed = 0;
	enum medfw_err err;

	if (file == NULL) {
		dir_capture(fx->mdir, &before);
	} else {
		tu_path(path, sizeof(path), fx->mdir, file);
		existed = access(path, F_OK) == 0;
		if (existed)
			tu_read_file(path, &b1);
	}
	err = refresh(fx, &diag);
	if (err != want)
		fail_msg("expected %s, got %s: %s", medfw_err_name(want), medfw_err_name(err),
			 medfw_diag_message(&diag, err));
	if (needle != NULL && strstr(diag.msg, needle) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", diag.msg, needle);
	if (file == NULL) {
		assert_dir_unchanged(fx->mdir, &before);
	} else if (existed) {
		tu_read_file(path, &b2);
		assert_int_equal(b1.len, b2.len);
		assert_memory_equal(b1.data, b2.data, b1.len);
		medfw_buf_free(&b1);
		medfw_buf_free(&b2);
	} else {
		assert_true(access(path, F_OK) != 0);
	}
}

static void refresh_rejected(struct fixture *fx, enum medfw_err want, const char *needle)
{
	refresh_rejected_file(fx, want, needle, NULL);
}

/* ---- tests ---- */

static void test_happy_path(void **state)
{
	struct fixture *fx = *state;
	static const char *const first[] = {
		MURL "/2.root.json", MURL "/timestamp.json", MURL "/snapshot.json",
		MURL "/targets.json"};
	static const char *const second[] = {MURL "/2.root.json", MURL "/timestamp.json"};
	struct medfw_diag diag;
	struct medfw_buf b;
	char path[2048];
	int cached;

	add_artifact(fx, "targets", "dir/file one.txt", "hello firmware");
	bump_publish(fx, "targets");
	update_snapshot(fx);
	client_init(fx);
	refresh_ok(fx);
	assert_requests(fx, first, 4);
	assert_int_equal(local_version(fx, "root.json"), 1);
	assert_int_equal(local_version(fx, "timestamp.json"), 2);
	assert_int_equal(local_version(fx, "snapshot.json"), 2);
	assert_int_equal(local_version(fx, "targets.json"), 2);

	/* Nothing new: local snapshot and targets are valid, only root + timestamp. */
	refresh_ok(fx);
	assert_requests(fx, second, 2);

	assert_int_equal(download(fx, "dir/file one.txt", &cached, &diag), MEDFW_OK);
	assert_false(cached);
	assert_true(requested(fx, TURL "/dir/file one.txt"));
	tu_path(path, sizeof(path), fx->tdir, "dir%2Ffile%20one.txt");
	tu_read_file(path, &b);
	assert_int_equal(b.len, strlen("hello firmware"));
	assert_memory_equal(b.data, "hello firmware", b.len);
	medfw_buf_free(&b);

	/* Cached: no target request the second time. */
	assert_int_equal(download(fx, "dir/file one.txt", &cached, &diag), MEDFW_OK);
	assert_true(cached);
	assert_false(requested(fx, TURL "/dir/file one.txt"));

	assert_int_equal(download(fx, "missing", NULL, &diag), MEDFW_ERR_NOT_FOUND);
}

static void test_consistent_snapshot_urls(void **state)
{
	struct fixture *fx = *state;
	static const char *const want[] = {
		MURL "/2.root.json", MURL "/3.root.json", MURL "/timestamp.json", MURL "/2.snapshot.json",
		MURL "/2.targets.json"};
	struct medfw_diag diag;
	uint8_t d[MEDFW_SHA256_LEN];
	char hex[65], url[512];
	size_t n;

	client_init(fx);
	assert_int_equal(json_object_set_new(sig(fx, "root"), "consistent_snapshot", json_true()),
			 0);
	bump_publish(fx, "root");
	add_artifact(fx, "targets", "a/b.bin", "payload");
	bump_publish(fx, "targets");
	update_snapshot(fx);
	refresh_ok(fx);
	assert_requests(fx, want, 5);
	assert_int_equal(download(fx, "a/b.bin", NULL, &diag), MEDFW_OK);
	assert_int_equal(medfw_hash_oneshot(MEDFW_HASH_SHA256, "payload", 7, d, sizeof(d), &n),
			 MEDFW_OK);
	assert_int_equal(medfw_hex_encode(d, n, hex, sizeof(hex)), MEDFW_OK);
	snprintf(url, sizeof(url), TURL "/a/%s.b.bin", hex);
	assert_true(requested(fx, url));
}

static void test_invalid_local_root(void **state)
{
	struct fixture *fx = *state;
	struct medfw_diag diag;
	char path[2048];

	/* No root: fails before any request. */
	assert_int_equal(refresh(fx, &diag), MEDFW_ERR_NOT_FOUND);
	assert_int_equal(fx->repo.request_count, 0);
	/* Root signed by a key it does not list. */
	tu_path(path, sizeof(path), fx->mdir, "root.json");
	{
		struct role *r = role_get(fx, "root");
		struct medfw_privkey *k = r->keys[0];
		struct medfw_buf b;

		r->keys[0] = role_get(fx, "timestamp")->keys[0];
		serialize(fx, r, &b);
		r->keys[0] = k;
		tu_write_file(path, b.data, b.len);
		medfw_buf_free(&b);
	}
	assert_int_equal(refresh(fx, &diag), MEDFW_ERR_THRESHOLD);
	assert_int_equal(fx->repo.request_count, 0);
}

static void test_root_rotation_chain(void **state)
{
	struct fixture *fx = *state;
	struct role *root = role_get(fx, "root");
	struct medfw_buf local;
	char path[2048];
	int matched = 0;

	client_init(fx);
	/* v2 lists k2 only; signed by k1 (v1's threshold) and k2 (its own). */
	fx->spare[0] = root->keys[0];
	root->keys[0] = new_key();
	root_clear_role_keys(fx, "root");
	authorize_key(sig(fx, "root"), "root", root->keys[0]);
	root->keys[1] = fx->spare[0];
	root->key_count = 2;
	bump_publish(fx, "root");
	/* v3 lists k3 only; signed by k2 and k3. */
	fx->spare[0] = root->keys[1];
	root->keys[1] = new_key();
	root_clear_role_keys(fx, "root");
	authorize_key(sig(fx, "root"), "root", root->keys[1]);
	bump_publish(fx, "root");
	refresh_ok(fx);
	assert_true(requested(fx, MURL "/2.root.json"));
	assert_true(requested(fx, MURL "/3.root.json"));
	assert_true(requested(fx, MURL "/4.root.json"));
	assert_int_equal(local_version(fx, "root.json"), 3);
	tu_path(path, sizeof(path), fx->mdir, "root.json");
	tu_read_file(path, &local);
	for (size_t i = 0; i < fx->repo.file_count; i++) {
		if (strcmp(fx->repo.files[i].url, MURL "/3.root.json") == 0) {
			const struct medfw_buf *served = &fx->repo.files[i].body;

			assert_int_equal(local.len, served->len);
			assert_memory_equal(local.data, served->data, served->len);
			matched = 1;
		}
	}
	assert_true(matched);
	medfw_buf_free(&local);
}

static void test_root_signed_only_by_new_keys(void **state)
{
	struct fixture *fx = *state;
	struct role *root = role_get(fx, "root");

	client_init(fx);
	refresh_ok(fx);
	/* v2 lists only a new key and is signed only by it. */
	fx->spare[0] = root->keys[0];
	root->keys[0] = new_key();
	root_clear_role_keys(fx, "root");
	authorize_key(sig(fx, "root"), "root", root->keys[0]);
	bump_publish(fx, "root");
	refresh_rejected(fx, MEDFW_ERR_THRESHOLD, "root v2");
	assert_int_equal(local_version(fx, "root.json"), 1);
}

static void test_root_not_self_signed(void **state)
{
	struct fixture *fx = *state;
	struct role *root = role_get(fx, "root");

	client_init(fx);
	refresh_ok(fx);
	/* v2 lists only a new key but is signed only by the old one. */
	fx->spare[0] = new_key();
	root_clear_role_keys(fx, "root");
	authorize_key(sig(fx, "root"), "root", fx->spare[0]);
	bump_publish(fx, "root");
	(void)root;
	refresh_rejected(fx, MEDFW_ERR_THRESHOLD, "self-signature");
}

static void test_root_wrong_version(void **state)
{
	struct fixture *fx = *state;
	struct medfw_buf b;

	client_init(fx);
	refresh_ok(fx);
	/* 2.root.json that says version 3. */
	set_version(fx, "root", 3);
	serialize(fx, role_get(fx, "root"), &b);
	repo_put(&fx->repo, MURL "/2.root.json", b.data, b.len);
	medfw_buf_free(&b);
	refresh_rejected(fx, MEDFW_ERR_VERSION_MISMATCH, "root");
}

static void test_root_fetch_error_is_fatal(void **state)
{
	struct fixture *fx = *state;
	struct medfw_diag diag;

	client_init(fx);
	fx->repo.fail_status = 500;
	assert_int_equal(refresh(fx, &diag), MEDFW_ERR_FETCH);
	fx->repo.fail_status = 403; /* 403 ends the root loop like 404 */
	repo_del(&fx->repo, MURL "/timestamp.json");
	assert_int_equal(refresh(fx, &diag), MEDFW_ERR_FETCH);
	assert_int_equal(fx->repo.request_count, 2);
	assert_non_null(strstr(fx->repo.requests[1], "timestamp.json"));
}

static void test_rollback_timestamp(void **state)
{
	struct fixture *fx = *state;
	struct medfw_buf old;

	client_init(fx);
	serialize(fx, role_get(fx, "timestamp"), &old);
	update_timestamp(fx);
	refresh_ok(fx);
	assert_int_equal(local_version(fx, "timestamp.json"), 2);
	repo_put(&fx->repo, MURL "/timestamp.json", old.data, old.len);
	medfw_buf_free(&old);
	refresh_rejected(fx, MEDFW_ERR_ROLLBACK, "timestamp.json");
}

static void test_rollback_snapshot_version_in_timestamp(void **state)
{
	struct fixture *fx = *state;
	json_t *meta;

	client_init(fx);
	update_snapshot(fx); /* snapshot v2, timestamp v2 */
	refresh_ok(fx);
	/* timestamp v3 names snapshot v1 */
	meta = json_object_get(sig(fx, "timestamp"), "meta");
	json_object_set_new(meta, "snapshot.json", json_pack("{s:I}", "version", (json_int_t)1));
	bump_publish(fx, "timestamp");
	refresh_rejected(fx, MEDFW_ERR_ROLLBACK, "snapshot");
}

static void test_rollback_targets_in_snapshot(void **state)
{
	struct fixture *fx = *state;
	json_t *meta;

	client_init(fx);
	bump_publish(fx, "targets");
	update_snapshot(fx); /* snapshot v2 lists targets v2 */
	refresh_ok(fx);
	/* snapshot v3 lists targets v1 */
	meta = json_object_get(sig(fx, "snapshot"), "meta");
	json_object_set_new(meta, "targets.json", json_pack("{s:I}", "version", (json_int_t)1));
	bump_publish(fx, "snapshot");
	update_timestamp(fx);
	refresh_rejected_file(fx, MEDFW_ERR_ROLLBACK, "targets.json", "snapshot.json");
}

static void test_rollback_targets(void **state)
{
	struct fixture *fx = *state;
	struct medfw_buf old;

	client_init(fx);
	serialize(fx, role_get(fx, "targets"), &old);
	bump_publish(fx, "targets");
	update_snapshot(fx);
	/* targets.json served is still v1 while snapshot says v2 */
	repo_put(&fx->repo, MURL "/targets.json", old.data, old.len);
	medfw_buf_free(&old);
	refresh_rejected_file(fx, MEDFW_ERR_ROLLBACK, "targets.json", "targets.json");
}

static void test_timestamp_equal_version_keeps_old(void **state)
{
	struct fixture *fx = *state;
	struct dir_state before;
	json_t *meta;

	client_init(fx);
	refresh_ok(fx);
	meta = json_object_get(sig(fx, "timestamp"), "meta");
	json_object_set_new(meta, "snapshot.json", json_pack("{s:I}", "version", (json_int_t)100));
	publish(fx, "timestamp"); /* same version 1, other content */
	dir_capture(fx->mdir, &before);
	refresh_ok(fx);
	assert_dir_unchanged(fx->mdir, &before);
}

static void freeze_setup(struct fixture *fx, const char *stale)
{
	const char *all[] = {"root", "timestamp", "snapshot", "targets"};

	client_init(fx);
	for (size_t i = 0; i < 4; i++)
		set_expires(fx, all[i], fx->created + (strcmp(all[i], stale) == 0 ? 5 : 100) * DAY);
	bump_publish(fx, "root");
	bump_publish(fx, "targets");
	update_snapshot(fx);
	refresh_ok(fx);
	fx->now = fx->created + 10 * DAY;
}

static void test_freeze_timestamp(void **state)
{
	struct fixture *fx = *state;

	freeze_setup(fx, "timestamp");
	refresh_rejected(fx, MEDFW_ERR_EXPIRED, "timestamp.json");
	/* Exactly at expiry is already expired. */
	fx->now = fx->created + 5 * DAY;
	refresh_rejected(fx, MEDFW_ERR_EXPIRED, "timestamp.json");
	fx->now = fx->created + 5 * DAY - 1;
	refresh_ok(fx);
}

static void test_freeze_snapshot(void **state)
{
	struct fixture *fx = *state;

	freeze_setup(fx, "snapshot");
	refresh_rejected(fx, MEDFW_ERR_EXPIRED, "snapshot.json");
}

static void test_freeze_targets(void **state)
{
	struct fixture *fx = *state;

	freeze_setup(fx, "targets");
	refresh_rejected(fx, MEDFW_ERR_EXPIRED, "targets.json");
}

static void test_freeze_root(void **state)
{
	struct fixture *fx = *state;

	freeze_setup(fx, "root");
	refresh_rejected(fx, MEDFW_ERR_EXPIRED, "root.json");
}

static void test_mix_and_match_snapshot(void **state)
{
	struct fixture *fx = *state;
	json_t *meta;

	client_init(fx);
	/* timestamp says snapshot v3, the served snapshot is v2 */
	bump_publish(fx, "snapshot");
	meta = json_object_get(sig(fx, "timestamp"), "meta");
	json_object_set_new(meta, "snapshot.json", json_pack("{s:I}", "version", (json_int_t)3));
	bump_publish(fx, "timestamp");
	refresh_rejected_file(fx, MEDFW_ERR_VERSION_MISMATCH, "snapshot.json", "snapshot.json");
}

static void test_mix_and_match_targets(void **state)
{
	struct fixture *fx = *state;

	client_init(fx);
	update_snapshot(fx); /* snapshot lists targets v1 */
	bump_publish(fx, "targets"); /* served targets is v2 */
	refresh_rejected_file(fx, MEDFW_ERR_VERSION_MISMATCH, "targets.json", "targets.json");
}

static void test_endless_data(void **state)
{
	struct fixture *fx = *state;
	char *pad = malloc(MEDFW_TUF_TIMESTAMP_MAX_LEN + 1);

	assert_non_null(pad);
	client_init(fx);
	memset(pad, 'x', MEDFW_TUF_TIMESTAMP_MAX_LEN);
	pad[MEDFW_TUF_TIMESTAMP_MAX_LEN] = 0;
	json_object_set_new(sig(fx, "timestamp"), "padding", json_string(pad));
	free(pad);
	update_timestamp(fx);
	refresh_rejected(fx, MEDFW_ERR_TOO_LARGE, "timestamp.json");
}

static void test_snapshot_length_from_timestamp(void **state)
{
	struct fixture *fx = *state;
	json_t *meta;

	client_init(fx);
	bump_publish(fx, "snapshot");
	meta = json_object_get(sig(fx, "timestamp"), "meta");
	/* a signed length that is too short: the download stops there */
	json_object_set_new(meta, "snapshot.json",
			    json_pack("{s:I, s:I}", "version", (json_int_t)2, "length",
				      (json_int_t)100));
	bump_publish(fx, "timestamp");
	refresh_rejected_file(fx, MEDFW_ERR_TOO_LARGE, "snapshot", "snapshot.json");
	/* a wrong hash */
	json_object_set_new(meta, "snapshot.json",
			    json_pack("{s:I, s:{s:s}}", "version", (json_int_t)2, "hashes", "sha256",
				      "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"));
	bump_publish(fx, "timestamp");
	refresh_rejected_file(fx, MEDFW_ERR_HASH_MISMATCH, "snapshot.json", "snapshot.json");
}

static void test_threshold_not_met(void **state)
{
	struct fixture *fx = *state;
	json_t *r;

	client_init(fx);
	refresh_ok(fx);
	r = json_object_get(json_object_get(sig(fx, "root"), "roles"), "snapshot");
	json_object_set_new(r, "threshold", json_integer(2));
	fx->spare[0] = new_key();
	authorize_key(sig(fx, "root"), "snapshot", fx->spare[0]);
	bump_publish(fx, "root");
	update_snapshot(fx); /* signed by one of the two keys */
	refresh_rejected_file(fx, MEDFW_ERR_THRESHOLD, "snapshot.json", "snapshot.json");
}

static void test_duplicate_signature(void **state)
{
	struct fixture *fx = *state;
	struct medfw_buf b;
	json_t *env, *sigs;
	char *text;

	client_init(fx);
	refresh_ok(fx);
	set_version(fx, "timestamp", 2);
	env = medfw_tuf_envelope_new(sig(fx, "timestamp"));
	assert_int_equal(medfw_tuf_envelope_sign(env, role_get(fx, "timestamp")->keys[0], NULL),
			 MEDFW_OK);
	sigs = json_object_get(env, "signatures");
	json_array_append(sigs, json_array_get(sigs, 0));
	text = json_dumps(env, JSON_SORT_KEYS);
	assert_non_null(text);
	medfw_buf_init(&b, SIZE_MAX);
	assert_int_equal(medfw_buf_append_str(&b, text), MEDFW_OK);
	repo_put(&fx->repo, MURL "/timestamp.json", b.data, b.len);
	medfw_buf_free(&b);
	free(text);
	json_decref(env);
	refresh_rejected(fx, MEDFW_ERR_DUPLICATE_KEYID, "timestamp.json");
}

static void test_fast_forward_recovery(void **state)
{
	struct fixture *fx = *state;
	struct role *ts = role_get(fx, "timestamp");

	client_init(fx);
	set_version(fx, "timestamp", 50);
	update_timestamp(fx); /* v51 */
	refresh_ok(fx);
	assert_int_equal(local_version(fx, "timestamp.json"), 51);
	/* The timestamp key is rotated and the version restarts at 1. */
	fx->spare[0] = ts->keys[0];
	ts->keys[0] = new_key();
	root_clear_role_keys(fx, "timestamp");
	authorize_key(sig(fx, "root"), "timestamp", ts->keys[0]);
	bump_publish(fx, "root");
	set_version(fx, "timestamp", 0);
	update_timestamp(fx); /* v1 */
	refresh_ok(fx);
	assert_int_equal(local_version(fx, "timestamp.json"), 1);
	assert_int_equal(local_version(fx, "root.json"), 2);
}

static void test_timestamp_rollback_after_snapshot_key_rotation(void **state)
{
	struct fixture *fx = *state;
	struct role *sn = role_get(fx, "snapshot");

	/* Snapshot key rotation: local snapshot no longer verifies and is replaced even
	 * though the new snapshot has a lower version. */
	client_init(fx);
	set_version(fx, "snapshot", 20);
	update_snapshot(fx);
	refresh_ok(fx);
	fx->spare[0] = sn->keys[0];
	sn->keys[0] = new_key();
	root_clear_role_keys(fx, "snapshot");
	authorize_key(sig(fx, "root"), "snapshot", sn->keys[0]);
	bump_publish(fx, "root");
	set_version(fx, "snapshot", 0);
	bump_publish(fx, "snapshot");
	/* timestamp names snapshot v1: rollback of the snapshot version in timestamp
	 * is still refused while the old timestamp is trusted (as ngclient). */
	update_timestamp(fx);
	refresh_rejected_file(fx, MEDFW_ERR_ROLLBACK, "snapshot", "timestamp.json");
}

static void test_delegations(void **state)
{
	struct fixture *fx = *state;
	struct medfw_diag diag;
	char path[2048];
	uint8_t d[MEDFW_SHA256_LEN];
	char hex[65], prefix[3];
	size_t n;

	client_init(fx);
	/* role-a: a-slash-star, not terminating; "../evil role": star-dot-bin, terminating */
	add_delegation(fx, "targets", "role-a", "a/*", 0, 0);
	add_delegation(fx, "targets", "../evil role", "*.bin,x/*", 1, 0);
	add_delegation(fx, "targets", "role-c", "*,*/*", 0, 0);
	add_artifact(fx, "role-a", "a/one.txt", "one");
	add_artifact(fx, "../evil role", "fw.bin", "firmware");
	add_artifact(fx, "role-c", "x/lost.txt", "never reached");
	add_artifact(fx, "role-c", "c.txt", "three");
	/* role-c delegates by hash prefix to "bins" */
	assert_int_equal(medfw_hash_oneshot(MEDFW_HASH_SHA256, "h/file", 6, d, sizeof(d), &n),
			 MEDFW_OK);
	assert_int_equal(medfw_hex_encode(d, n, hex, sizeof(hex)), MEDFW_OK);
	snprintf(prefix, sizeof(prefix), "%.2s", hex);
	add_delegation(fx, "role-c", "bins", prefix, 0, 1);
	add_artifact(fx, "bins", "h/file", "hashed");
	publish(fx, "role-a");
	publish(fx, "../evil role");
	publish(fx, "role-c");
	publish(fx, "bins");
	bump_publish(fx, "targets");
	update_snapshot(fx);

	assert_int_equal(download(fx, "a/one.txt", NULL, &diag), MEDFW_OK);
	assert_true(requested(fx, MURL "/role-a.json"));
	assert_false(requested(fx, MURL "/role-c.json"));

	assert_int_equal(download(fx, "fw.bin", NULL, &diag), MEDFW_OK);
	assert_true(requested(fx, MURL "/..%2Fevil%20role.json"));
	assert_false(requested(fx, MURL "/role-a.json")); /* role-a does not match */
	tu_path(path, sizeof(path), fx->mdir, "..%2Fevil%20role.json");
	assert_true(access(path, F_OK) == 0);

	/* x/lost.txt: the terminating role matches but lacks it; role-c is not asked */
	assert_int_equal(download(fx, "x/lost.txt", NULL, &diag), MEDFW_ERR_NOT_FOUND);
	assert_false(requested(fx, MURL "/role-c.json"));

	assert_int_equal(download(fx, "c.txt", NULL, &diag), MEDFW_OK);
	assert_int_equal(download(fx, "h/file", NULL, &diag), MEDFW_OK);
	assert_true(requested(fx, MURL "/bins.json"));
}

static void test_delegated_role_local_cache(void **state)
{
	struct fixture *fx = *state;
	struct medfw_diag diag;

	client_init(fx);
	add_delegation(fx, "targets", "role-a", "*", 0, 0);
	add_artifact(fx, "role-a", "f", "content");
	publish(fx, "role-a");
	bump_publish(fx, "targets");
	update_snapshot(fx);
	assert_int_equal(download(fx, "f", NULL, &diag), MEDFW_OK);
	assert_true(requested(fx, MURL "/role-a.json"));
	/* second run: role-a.json is loaded from MDIR */
	assert_int_equal(download(fx, "f", NULL, &diag), MEDFW_OK);
	assert_false(requested(fx, MURL "/role-a.json"));
	/* expired delegated role */
	set_expires(fx, "role-a", fx->created + DAY);
	bump_publish(fx, "role-a");
	update_snapshot(fx);
	fx->now = fx->created + 2 * DAY;
	assert_int_equal(download(fx, "f", NULL, &diag), MEDFW_ERR_EXPIRED);
	assert_non_null(strstr(diag.msg, "role-a.json"));
}

static void test_succinct_delegation(void **state)
{
	struct fixture *fx = *state;
	struct medfw_tuf_succinct_roles sr = {.bit_length = 3, .name_prefix = "bin"};
	struct medfw_diag diag;
	char bin[64], url[256];
	json_t *del;
	struct role *r;
	struct medfw_pubkey *pub = NULL;

	client_init(fx);
	assert_int_equal(medfw_tuf_succinct_role_for(&sr, "some/target", bin, sizeof(bin)),
			 MEDFW_OK);
	r = add_role(fx, bin, base_signed(fx, "targets"));
	json_object_set_new(r->signed_obj, "targets", json_object());
	r->keys[r->key_count++] = new_key();
	assert_int_equal(medfw_privkey_public(r->keys[0], &pub, NULL), MEDFW_OK);
	del = json_pack("{s:{s:O}, s:{s:[s], s:I, s:I, s:s}}", "keys", medfw_pubkey_keyid(pub),
			medfw_pubkey_json(pub), "succinct_roles", "keyids",
			medfw_pubkey_keyid(pub), "threshold", (json_int_t)1, "bit_length",
			(json_int_t)3, "name_prefix", "bin");
	medfw_pubkey_free(pub);
	assert_non_null(del);
	json_object_set_new(sig(fx, "targets"), "delegations", del);
	add_artifact(fx, bin, "some/target", "binned");
	publish(fx, bin);
	bump_publish(fx, "targets");
	update_snapshot(fx);
	assert_int_equal(download(fx, "some/target", NULL, &diag), MEDFW_OK);
	snprintf(url, sizeof(url), MURL "/%s.json", bin);
	assert_true(requested(fx, url));
}

static void test_max_delegations(void **state)
{
	struct fixture *fx = *state;
	struct medfw_diag diag;
	char name[32], prev[32] = "targets";

	client_init(fx);
	/* a chain targets -> d0 -> d1 -> ... -> d33; the target sits in d33 */
	for (int i = 0; i < 34; i++) {
		snprintf(name, sizeof(name), "d%d", i);
		add_delegation(fx, prev, name, "*", 0, 0);
		snprintf(prev, sizeof(prev), "%s", name);
	}
	add_artifact(fx, "d33", "deep", "too deep");
	for (int i = 0; i < 34; i++) {
		snprintf(name, sizeof(name), "d%d", i);
		publish(fx, name);
	}
	bump_publish(fx, "targets");
	update_snapshot(fx);
	assert_int_equal(download(fx, "deep", NULL, &diag), MEDFW_ERR_NOT_FOUND);
	assert_true(requested(fx, MURL "/d31.json"));
	assert_false(requested(fx, MURL "/d32.json"));
}

static void tamper_artifact(struct fixture *fx, const char *path, const char *content)
{
	char url[2048];

	snprintf(url, sizeof(url), TURL "/%s", path);
	repo_put(&fx->repo, url, content, strlen(content));
}

static void assert_tdir_empty(struct fixture *fx)
{
	struct dir_state st;
	DIR *d = opendir(fx->tdir);
	struct dirent *e;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			fail_msg("%s left in the target directory", e->d_name);
	closedir(d);
	(void)st;
}

static void test_target_mismatch(void **state)
{
	struct fixture *fx = *state;
	struct medfw_diag diag;

	client_init(fx);
	add_artifact(fx, "targets", "fw.img", "0123456789");
	bump_publish(fx, "targets");
	update_snapshot(fx);

	tamper_artifact(fx, "fw.img", "0123456780");
	assert_int_equal(download(fx, "fw.img", NULL, &diag), MEDFW_ERR_HASH_MISMATCH);
	assert_tdir_empty(fx);
	tamper_artifact(fx, "fw.img", "01234567890123456789");
	assert_int_equal(download(fx, "fw.img", NULL, &diag), MEDFW_ERR_LENGTH_MISMATCH);
	assert_tdir_empty(fx);
	tamper_artifact(fx, "fw.img", "01234");
	assert_int_equal(download(fx, "fw.img", NULL, &diag), MEDFW_ERR_LENGTH_MISMATCH);
	assert_tdir_empty(fx);
	tamper_artifact(fx, "fw.img", "0123456789");
	assert_int_equal(download(fx, "fw.img", NULL, &diag), MEDFW_OK);
}

static void test_quote(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(medfw_tuf_quote("a/b c%~_.-Z9", out, sizeof(out)), MEDFW_OK);
	assert_string_equal(out, "a%2Fb%20c%25~_.-Z9");
	assert_int_equal(medfw_tuf_quote("\xc3\xa9?#", out, sizeof(out)), MEDFW_OK);
	assert_string_equal(out, "%C3%A9%3F%23");
	assert_int_equal(medfw_tuf_quote("abcd", out, 4), MEDFW_ERR_TOO_LARGE);
	assert_int_equal(medfw_tuf_quote("abc", out, 4), MEDFW_OK);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_quote),
		T(test_happy_path),
		T(test_consistent_snapshot_urls),
		T(test_invalid_local_root),
		T(test_root_rotation_chain),
		T(test_root_signed_only_by_new_keys),
		T(test_root_not_self_signed),
		T(test_root_wrong_version),
		T(test_root_fetch_error_is_fatal),
		T(test_rollback_timestamp),
		T(test_rollback_snapshot_version_in_timestamp),
		T(test_rollback_targets_in_snapshot),
		T(test_rollback_targets),
		T(test_timestamp_equal_version_keeps_old),
		T(test_freeze_timestamp),
		T(test_freeze_snapshot),
		T(test_freeze_targets),
		T(test_freeze_root),
		T(test_mix_and_match_snapshot),
		T(test_mix_and_match_targets),
		T(test_endless_data),
		T(test_snapshot_length_from_timestamp),
		T(test_threshold_not_met),
		T(test_duplicate_signature),
		T(test_fast_forward_recovery),
		T(test_timestamp_rollback_after_snapshot_key_rotation),
		T(test_delegations),
		T(test_delegated_role_local_cache),
		T(test_succinct_delegation),
		T(test_max_delegations),
		T(test_target_mismatch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
