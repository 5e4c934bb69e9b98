/* The director (docs/director.md): the online director key and root, assignments
 * (which signed image a device installs, when) and the per-device director metadata
 * signed on request. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app.h"
#include "medfw/store_rollout.h"
#include "medfw/audit.h"
#include "medfw/director.h"
#include "medfw/json.h"
#include "medfw/notice.h"
#include "medfw/num.h"
#include "medfw/tuf.h"

/* Files in data_dir (docs/director.md, "Key rotation"):
 *   director-key.pem        the online key of the newest root (0600)
 *   director-key.next.pem   only during a rotation: the new key, until it replaces
 *                           director-key.pem (a start-up finishes or drops it)
 *   director-key.pub.json   the public key (rewritten at every start)
 *   director-roots/N.root.json   every root version, 1.. (the newest is the current)
 *   director-root.json      a copy of the newest root (what devices pin) */
#define ROOTS_DIR "director-roots"
#define MAX_ROOTS 1024 /* root versions kept and served */

struct medfwd_director {
	struct medfw_privkey *key;
	struct medfw_pubkey *pub;
	struct medfw_buf *roots; /* roots[v - 1]: the bytes of root version v */
	size_t root_count;       /* the newest version */
};

static void director_free(struct medfwd_director *d)
{
	if (d == NULL)
		return;
	medfw_privkey_free(d->key);
	medfw_pubkey_free(d->pub);
	for (size_t i = 0; d->roots != NULL && i < d->root_count; i++)
		medfw_buf_free(&d->roots[i]);
	free(d->roots);
	free(d);
}

static enum medfw_err dir_path(char *out, size_t cap, const char *data_dir, const char *name,
			       struct medfw_diag *diag)
{
	int n = snprintf(out, cap, "%s/%s", data_dir, name);

	if (n < 0 || (size_t)n >= cap)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "%s: path too long", data_dir);
	return MEDFW_OK;
}

static enum medfw_err root_path(char *out, size_t cap, const char *data_dir, size_t version,
				struct medfw_diag *diag)
{
	int n = snprintf(out, cap, "%s/" ROOTS_DIR "/%zu.root.json", data_dir, version);

	if (n < 0 || (size_t)n >= cap)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "%s: path too long", data_dir);
	return MEDFW_OK;
}

static enum medfw_err load_key(const char *path, struct medfw_privkey **out,
			       struct medfw_diag *diag)
{
	struct medfw_buf pem;
	enum medfw_err err = medfw_file_read(path, MEDFW_PRIVKEY_PEM_MAX, &pem, diag);

	*out = NULL;
	if (err == MEDFW_OK)
		err = medfw_privkey_load_pem(pem.data, pem.len, NULL, out, diag);
	medfw_buf_free(&pem);
	return err;
}

static enum medfw_err save_key_new(const char *path, const struct medfw_privkey *key,
				   struct medfw_diag *diag)
{
	struct medfw_buf pem;
	enum medfw_err err;

	medfw_buf_init(&pem, MEDFW_PRIVKEY_PEM_MAX);
	err = medfw_privkey_save_pem(key, NULL, &pem, diag);
	if (err == MEDFW_OK)
		err = medfw_file_write_new(path, pem.data, pem.len, 0600, diag);
	if (pem.data != NULL)
		medfw_wipe(pem.data, pem.len);
	medfw_buf_free(&pem);
	return err;
}

/* The key id the newest root names for the timestamp role (every role has it). */
static enum medfw_err root_key_id(const struct medfw_buf *root, char *out, size_t cap,
				  struct medfw_diag *diag)
{
	struct medfw_tuf_meta *m = NULL;
	const struct medfw_tuf_role_keys *rk;
	enum medfw_err err = medfw_tuf_meta_parse_unverified(root->data, root->len,
							     MEDFW_TUF_ROOT_MAX_LEN, MEDFW_TUF_ROOT,
							     &m, diag);

	if (err == MEDFW_OK) {
		rk = medfw_tuf_root_role(m, MEDFW_TUF_TIMESTAMP);
		if (rk == NULL || rk->keyid_count != 1)
			err = medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					     "director root v%lld: not one timestamp key",
					     (long long)m->version);
		else
			snprintf(out, cap, "%s", rk->keyids[0]);
	}
	medfw_tuf_meta_free(m);
	return err;
}

/* Overwrite a key file's bytes with zeros and sync (before it is replaced or
 * removed; the file system may still hold old blocks: docs/director.md). */
static void wipe_file(const char *path)
{
	static const uint8_t zeros[512];
	struct stat st;
	int fd = open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd < 0)
		return;
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		for (off_t left = st.st_size; left > 0;) {
			size_t n = left < (off_t)sizeof(zeros) ? (size_t)left : sizeof(zeros);

			if (write(fd, zeros, n) != (ssize_t)n)
				break;
			left -= (off_t)n;
		}
	(void)fsync(fd);
	close(fd);
}

/* Load (and at first start make) the director's key and roots. create 0: refuse
 * when there is no director yet. Finishes or drops a rotation cut short. */
static enum medfw_err director_load(struct medfw_ctx *ctx, const char *data_dir, int create,
				    struct medfwd_director **out, struct medfw_diag *diag)
{
	struct medfwd_director *d = calloc(1, sizeof(*d));
	char path[PATH_MAX], next[PATH_MAX], legacy[PATH_MAX];
	char want[MEDFW_KEYID_HEX_LEN + 1];
	struct medfw_privkey *next_key = NULL;
	struct medfw_pubkey *next_pub = NULL;
	struct medfw_buf cur;
	char *pub_text = NULL;
	enum medfw_err err;

	*out = NULL;
	medfw_buf_init(&cur, MEDFW_TUF_ROOT_MAX_LEN);
	if (d == NULL)
		return MEDFW_ERR_NOMEM;
	d->roots = calloc(MAX_ROOTS, sizeof(*d->roots));
	err = d->roots != NULL ? MEDFW_OK : MEDFW_ERR_NOMEM;
	if (err == MEDFW_OK)
		err = dir_path(path, sizeof(path), data_dir, "director-key.pem", diag);
	if (err == MEDFW_OK)
		err = dir_path(next, sizeof(next), data_dir, "director-key.next.pem", diag);
	if (err == MEDFW_OK)
		err = dir_path(legacy, sizeof(legacy), data_dir, "director-root.json", diag);
	if (err == MEDFW_OK)
		err = load_key(path, &d->key, NULL);
	if (err == MEDFW_ERR_NOT_FOUND && create) {
		/* First start: the online director key (data dir 0700, file 0600). */
		err = medfw_privkey_generate(MEDFW_KEY_ED25519, &d->key, diag);
		if (err == MEDFW_OK)
			err = save_key_new(path, d->key, diag);
	} else if (err == MEDFW_ERR_NOT_FOUND) {
		err = medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND,
				     "%s: no director key (start medfwd once first)", path);
	} else if (err != MEDFW_OK && access(next, F_OK) == 0) {
		err = MEDFW_OK; /* wiped by a rotation cut short: the next key decides below */
	} else if (err != MEDFW_OK) {
		err = medfw_diag_set(diag, err, "%s: cannot load the director key", path);
	}
	/* The roots: 1.root.json (made from director-root.json of older data dirs, or
	 * new at first start), then every following version present. */
	if (err == MEDFW_OK)
		err = root_path(path, sizeof(path), data_dir, 0, diag);
	if (err == MEDFW_OK) {
		*strrchr(path, '/') = 0;
		err = medfw_mkdir_p(path, 0755, diag);
	}
	if (err == MEDFW_OK)
		err = root_path(path, sizeof(path), data_dir, 1, diag);
	if (err == MEDFW_OK) {
		medfw_buf_init(&d->roots[0], MEDFW_TUF_ROOT_MAX_LEN);
		err = medfw_file_read(path, MEDFW_TUF_ROOT_MAX_LEN, &d->roots[0], NULL);
		if (err == MEDFW_ERR_NOT_FOUND) {
			medfw_buf_init(&d->roots[0], MEDFW_TUF_ROOT_MAX_LEN);
			err = medfw_file_read(legacy, MEDFW_TUF_ROOT_MAX_LEN, &d->roots[0], NULL);
			if (err == MEDFW_ERR_NOT_FOUND && d->key != NULL) {
				medfw_buf_init(&d->roots[0], MEDFW_TUF_ROOT_MAX_LEN);
				err = medfw_director_root_build(d->key, medfw_ctx_now(ctx),
								&d->roots[0], diag);
			}
			if (err == MEDFW_OK)
				err = medfw_file_write_atomic(path, d->roots[0].data,
							      d->roots[0].len, 0644, diag);
		}
		if (err != MEDFW_OK)
			err = medfw_diag_set(diag, err, "%s: %s", path, medfw_diag_message(diag, err));
		else
			d->root_count = 1;
	}
	while (err == MEDFW_OK && d->root_count < MAX_ROOTS) {
		struct medfw_buf *b = &d->roots[d->root_count];

		err = root_path(path, sizeof(path), data_dir, d->root_count + 1, diag);
		if (err != MEDFW_OK)
			break;
		medfw_buf_init(b, MEDFW_TUF_ROOT_MAX_LEN);
		err = medfw_file_read(path, MEDFW_TUF_ROOT_MAX_LEN, b, NULL);
		if (err == MEDFW_ERR_NOT_FOUND) {
			err = MEDFW_OK;
			break;
		}
		if (err != MEDFW_OK)
			err = medfw_diag_set(diag, err, "%s: cannot read it", path);
		else
			d->root_count++;
	}
	/* The key must be the one the newest root names. A rotation cut short after its
	 * root was written leaves the new key in director-key.next.pem: finish it. */
	if (err == MEDFW_OK)
		err = root_key_id(&d->roots[d->root_count - 1], want, sizeof(want), diag);
	if (err == MEDFW_OK && load_key(next, &next_key, NULL) == MEDFW_OK &&
	    medfw_privkey_public(next_key, &next_pub, NULL) == MEDFW_OK) {
		if (strcmp(medfw_pubkey_keyid(next_pub), want) == 0) {
			err = dir_path(path, sizeof(path), data_dir, "director-key.pem", diag);
			if (err == MEDFW_OK && rename(next, path) != 0)
				err = medfw_diag_set(diag, MEDFW_ERR_IO, "%s: %s", next,
						     strerror(errno));
			if (err == MEDFW_OK)
				err = medfw_fsync_parent(path, diag);
			if (err == MEDFW_OK) {
				medfw_privkey_free(d->key);
				d->key = next_key;
				next_key = NULL;
				medfw_log(ctx, MEDFW_LOG_WARNING, "director.rotation.finished",
					  "finished a director key rotation cut short (root v%zu)",
					  d->root_count);
			}
		} else {
			wipe_file(next);
			(void)unlink(next); /* a rotation cut short before its root: none */
		}
	}
	medfw_privkey_free(next_key);
	medfw_pubkey_free(next_pub);
	if (err == MEDFW_OK && d->key == NULL)
		err = medfw_diag_set(diag, MEDFW_ERR_KEY_FORMAT,
				     "%s/director-key.pem: cannot load the director key", data_dir);
	if (err == MEDFW_OK)
		err = medfw_privkey_public(d->key, &d->pub, diag);
	if (err == MEDFW_OK && strcmp(medfw_pubkey_keyid(d->pub), want) != 0)
		err = medfw_diag_set(diag, MEDFW_ERR_STATE,
				     "%s/director-key.pem (key %s) is not the key of the newest "
				     "director root v%zu (key %s)", data_dir,
				     medfw_pubkey_keyid(d->pub), d->root_count, want);
	if (err == MEDFW_OK) {
		pub_text = json_dumps(medfw_pubkey_json(d->pub), JSON_INDENT(2) | JSON_SORT_KEYS);
		err = pub_text != NULL ? dir_path(path, sizeof(path), data_dir,
						  "director-key.pub.json", diag)
				       : MEDFW_ERR_NOMEM;
		if (err == MEDFW_OK)
			err = medfw_file_write_atomic(path, pub_text, strlen(pub_text), 0644, diag);
	}
	free(pub_text);
	/* director-root.json: the newest root (older data dirs had only this file) */
	if (err == MEDFW_OK &&
	    (medfw_file_read(legacy, MEDFW_TUF_ROOT_MAX_LEN, &cur, NULL) != MEDFW_OK ||
	     cur.len != d->roots[d->root_count - 1].len ||
	     memcmp(cur.data, d->roots[d->root_count - 1].data, cur.len) != 0))
		err = medfw_file_write_atomic(legacy, d->roots[d->root_count - 1].data,
					      d->roots[d->root_count - 1].len, 0644, diag);
	medfw_buf_free(&cur);
	if (err != MEDFW_OK) {
		director_free(d);
		return err;
	}
	*out = d;
	return MEDFW_OK;
}

enum medfw_err medfwd_director_init(struct medfwd_app *app, const char *data_dir,
				    struct medfw_diag *diag)
{
	return director_load(app->ctx, data_dir, 1, &app->director, diag);
}

void medfwd_director_free(struct medfwd_director *d)
{
	director_free(d);
}

/* ---- key rotation (medfwd --rotate-director-key; the server is stopped) ---- */

enum medfw_err medfwd_director_rotate_key(struct medfw_ctx *ctx, const char *data_dir,
					  struct medfwd_director_rotation *out,
					  struct medfw_diag *diag)
{
	struct medfwd_director *d = NULL;
	struct medfw_privkey *new_key = NULL;
	struct medfw_pubkey *new_pub = NULL;
	struct medfw_store *store = NULL;
	struct medfw_audit_actor operator_actor = {MEDFW_ACTOR_SYSTEM, 0};
	struct medfw_buf root;
	char url[PATH_MAX + 16], next[PATH_MAX], key_path[PATH_MAX], path[PATH_MAX];
	enum medfw_err err;

	memset(out, 0, sizeof(*out));
	medfw_buf_init(&root, MEDFW_TUF_ROOT_MAX_LEN);
	err = director_load(ctx, data_dir, 0, &d, diag);
	if (err == MEDFW_OK && d->root_count >= MAX_ROOTS)
		err = medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE,
				     "the director has %d root versions already", MAX_ROOTS);
	/* the audit trail first: nothing changes when it cannot be written */
	if (err == MEDFW_OK && (size_t)snprintf(url, sizeof(url), "sqlite:%s/medfwd.db",
						 data_dir) >= sizeof(url))
		err = medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "%s: path too long", data_dir);
	if (err == MEDFW_OK)
		err = medfw_store_open(ctx, url, &store, diag);
	if (err == MEDFW_OK)
		err = medfw_privkey_generate(MEDFW_KEY_ED25519, &new_key, diag);
	if (err == MEDFW_OK)
		err = medfw_privkey_public(new_key, &new_pub, diag);
	if (err == MEDFW_OK)
		err = medfw_director_root_rotate(d->roots[d->root_count - 1].data,
						 d->roots[d->root_count - 1].len, d->key, new_key,
						 medfw_ctx_now(ctx), &root, diag);
	if (err == MEDFW_OK)
		err = dir_path(next, sizeof(next), data_dir, "director-key.next.pem", diag);
	if (err == MEDFW_OK)
		err = dir_path(key_path, sizeof(key_path), data_dir, "director-key.pem", diag);
	if (err == MEDFW_OK)
		err = root_path(path, sizeof(path), data_dir, d->root_count + 1, diag);
	if (err != MEDFW_OK)
		goto out;
	/* 1. the new key beside the old one; 2. the new root (from here on the rotation
	 * has happened: a start-up finishes it); 3. the old key wiped and replaced. */
	err = save_key_new(next, new_key, diag);
	if (err == MEDFW_OK) {
		err = medfw_file_write_new(path, root.data, root.len, 0644, diag);
		if (err != MEDFW_OK) {
			wipe_file(next);
			(void)unlink(next);
		}
	}
	if (err != MEDFW_OK)
		goto out;
	wipe_file(key_path);
	if (rename(next, key_path) != 0)
		err = medfw_diag_set(diag, MEDFW_ERR_IO, "%s: %s", next, strerror(errno));
	if (err == MEDFW_OK)
		err = medfw_fsync_parent(key_path, diag);
	if (err == MEDFW_OK)
		err = dir_path(path, sizeof(path), data_dir, "director-root.json", diag);
	if (err == MEDFW_OK)
		err = medfw_file_write_atomic(path, root.data, root.len, 0644, diag);
	snprintf(out->old_key_id, sizeof(out->old_key_id), "%s", medfw_pubkey_keyid(d->pub));
	snprintf(out->new_key_id, sizeof(out->new_key_id), "%s", medfw_pubkey_keyid(new_pub));
	out->root_version = (int64_t)d->root_count + 1;
	{
		struct medfw_diag inner;
		enum medfw_err aerr;

		medfw_diag_clear(&inner);
		aerr = medfw_audit_append(store, ctx, operator_actor, 0, "director.key_rotated",
					  json_pack("{s:s, s:s, s:I, s:s}", "old_key_id",
						    out->old_key_id, "new_key_id", out->new_key_id,
						    "root_version", (json_int_t)out->root_version,
						    "by", "medfwd --rotate-director-key"),
					  &inner);
		if (err == MEDFW_OK && aerr != MEDFW_OK)
			err = medfw_diag_set(diag, aerr,
					     "the key was rotated (root v%lld) but the audit record "
					     "failed: %s", (long long)out->root_version,
					     medfw_diag_message(&inner, aerr));
	}
out:
	medfw_store_close(store);
	medfw_buf_free(&root);
	medfw_privkey_free(new_key);
	medfw_pubkey_free(new_pub);
	director_free(d);
	return err;
}

/* ---- helpers ---- */

static int device_param(const struct medfwd_request *req, struct medfwd_response *resp,
			int64_t *out)
{
	uint64_t v = 0;

	if (medfw_parse_u64(medfwd_request_param(req, "device"), 1, INT64_MAX, &v) != MEDFW_OK) {
		medfwd_respond_error(resp, 404, "not_found", "device", "no such device");
		return 0;
	}
	*out = (int64_t)v;
	return 1;
}

static int load_device(const struct medfwd_request *req, struct medfwd_response *resp,
		       struct medfw_store_device *dev)
{
	struct medfwd_app *app = medfwd_app_of(req);
	struct medfw_diag diag;
	int64_t id = 0;
	enum medfw_err err;

	if (!device_param(req, resp, &id))
		return 0;
	medfw_diag_clear(&diag);
	err = medfw_store_device_get(app->store, medfwd_scope_of(medfwd_principal_of(req)), id, dev,
				     &diag);
	if (err != MEDFW_OK) {
		medfwd_respond_medfw_error(resp, err, &diag);
		return 0;
	}
	return 1;
}

/* A device in an unfinished rollout takes its instructions from the rollout: a hand
 * assignment would fight the engine (docs/rollouts.md). Returns 1 when free. */
static int not_in_rollout(struct medfwd_request *req, struct medfwd_response *resp,
			  const struct medfw_store_device *dev)
{
	struct medfwd_app *app = medfwd_app_of(req);
	struct medfw_diag diag;
	int64_t rollout = 0;
	enum medfw_err err;

	medfw_diag_clear(&diag);
	err = medfw_store_rollout_of_device(app->store, dev->id, &rollout, &diag);
	if (err != MEDFW_OK) {
		medfwd_respond_medfw_error(resp, err, &diag);
		return 0;
	}
	if (rollout != 0) {
		medfwd_respond_error(resp, 409, "conflict", "device",
				     "the device is in rollout %lld: pause or cancel the rollout, or "
				     "leave its instructions to it",
				     (long long)rollout);
		return 0;
	}
	return 1;
}

static json_t *time_or_null(int64_t t)
{
	char s[MEDFW_UTC_TIME_LEN + 1];

	if (t == 0 || medfw_format_utc_time(t, s, sizeof(s)) != MEDFW_OK)
		return json_null();
	return json_string(s);
}

static json_t *assignment_json(const struct medfw_store_assignment *a, int64_t version)
{
	json_t *hashes = NULL;

	if (medfw_json_parse((const uint8_t *)a->target_hashes, strlen(a->target_hashes),
			     MEDFW_STORE_JSON_MAX, 4, &hashes, NULL) != MEDFW_OK)
		hashes = json_object();
	return json_pack("{s:I, s:s, s:I, s:o, s:o, s:o, s:I, s:o}", "device_id",
			 (json_int_t)a->device_id, "target", a->target_name, "length",
			 (json_int_t)a->target_length, "hashes", hashes, "window_start",
			 time_or_null(a->window_start), "window_end", time_or_null(a->window_end),
			 "director_version", (json_int_t)version, "assigned_at",
			 time_or_null(a->created_at));
}

static int body_time(const struct medfwd_request *req, struct medfwd_response *resp,
		     const char *field, int64_t *out)
{
	const char *s = NULL;

	if (!medfwd_body_string(req, resp, field, MEDFW_UTC_TIME_LEN, 1, &s))
		return 0;
	if (medfw_parse_utc_time(s, out) != MEDFW_OK) {
		medfwd_respond_error(resp, 400, "invalid", field,
				     "\"%s\" must be a UTC time YYYY-MM-DDTHH:MM:SSZ", field);
		return 0;
	}
	return 1;
}

/* ---- assignment ---- */

static void assignment_put(struct medfwd_request *req, struct medfwd_response *resp)
{
	static const char *const allowed[] = {"target", "window_start", "window_end", NULL};
	struct medfwd_app *app = medfwd_app_of(req);
	const struct medfwd_principal *who = medfwd_principal_of(req);
	struct medfw_store_device dev;
	struct medfw_store_assignment a;
	struct medfwd_served_target *lookup = NULL;
	const struct medfw_tuf_target *t = NULL;
	struct medfw_release_notice *notice = NULL;
	struct medfw_diag diag;
	const char *target = NULL;
	char *hashes = NULL;
	int64_t start = 0, end = 0, version = 0;
	enum medfw_err err;

	if (!medfwd_require(req, resp, MEDFWD_PERM_DIRECTOR_ASSIGN) ||
	    !medfwd_body_only(req, resp, allowed) ||
	    !medfwd_body_string(req, resp, "target", MEDFW_STORE_TARGET_NAME_MAX, 1, &target) ||
	    !body_time(req, resp, "window_start", &start) ||
	    !body_time(req, resp, "window_end", &end) || !load_device(req, resp, &dev) ||
	    !not_in_rollout(req, resp, &dev))
		return;
	if (end <= start) {
		medfwd_respond_error(resp, 400, "invalid", "window_end",
				     "the install window must end after it starts");
		return;
	}
	if (end <= medfw_ctx_now(app->ctx)) {
		medfwd_respond_error(resp, 400, "invalid", "window_end",
				     "the install window is over already");
		return;
	}
	if (dev.hardware_id[0] == 0) {
		medfwd_respond_error(resp, 409, "conflict", "device",
				     "the device has no hardware id: set it first");
		return;
	}
	medfw_diag_clear(&diag);
	err = medfwd_repo_served_target(app, target, &lookup, &t, &diag);
	if (err == MEDFW_ERR_NOT_FOUND) {
		medfwd_respond_error(resp, 422, "unknown_target", "target",
				     "\"%.200s\" is not a signed target of the served repository: %s",
				     target, medfw_diag_message(&diag, err));
		return;
	}
	if (err != MEDFW_OK) {
		medfwd_respond_error(resp, 409, "conflict", "target",
				     "the served repository does not verify now: %s",
				     medfw_diag_message(&diag, err));
		return;
	}
	medfw_diag_clear(&diag);
	if (medfw_notice_from_target_custom(t->custom, &notice, &diag) != MEDFW_OK ||
	    !medfw_notice_applies_to_hardware(notice, dev.hardware_id)) {
		medfw_notice_free(notice);
		medfwd_served_target_free(lookup);
		medfwd_respond_error(resp, 422, "wrong_hardware", "target",
				     "the release notice of \"%.200s\" does not list hardware \"%s\"",
				     target, dev.hardware_id);
		return;
	}
	medfw_notice_free(notice);
	memset(&a, 0, sizeof(a));
	a.device_id = dev.id;
	snprintf(a.target_name, sizeof(a.target_name), "%s", t->path);
	a.target_length = t->length;
	hashes = json_dumps(t->hashes, JSON_COMPACT | JSON_SORT_KEYS);
	medfwd_served_target_free(lookup);
	if (hashes == NULL || strlen(hashes) > MEDFW_STORE_JSON_MAX) {
		free(hashes);
		medfwd_respond_error(resp, 422, "invalid", "target", "the target's hashes are too large");
		return;
	}
	snprintf(a.target_hashes, sizeof(a.target_hashes), "%s", hashes);
	free(hashes);
	a.window_start = start;
	a.window_end = end;
	a.created_by = who != NULL ? who->user.id : 0;
	err = medfw_store_assignment_set(app->store, medfwd_scope_of(who), &a, &version, &diag);
	if (err != MEDFW_OK) {
		medfwd_respond_medfw_error(resp, err, &diag);
		return;
	}
	(void)medfwd_audit(app, req, medfwd_actor_of(who), dev.site_id, "director.assign",
			   json_pack("{s:I, s:s, s:I, s:I, s:I}", "device_id", (json_int_t)dev.id,
				     "target", a.target_name, "window_start", (json_int_t)start,
				     "window_end", (json_int_t)end, "director_version",
				     (json_int_t)version));
	medfwd_respond_json(resp, 200, assignment_json(&a, version));
}

static void assignment_get(struct medfwd_request *req, struct medfwd_response *resp)
{
	struct medfwd_app *app = medfwd_app_of(req);
	struct medfw_store_device dev;
	struct medfw_store_assignment a;
	struct medfw_diag diag;
	int64_t version = 0;
	enum medfw_err err;

	if (!medfwd_require(req, resp, MEDFWD_PERM_DEVICES_READ) || !load_device(req, resp, &dev))
		return;
	medfw_diag_clear(&diag);
	err = medfw_store_assignment_get(app->store, medfwd_scope_of(medfwd_principal_of(req)),
					 dev.id, &a, &diag);
	if (err == MEDFW_OK)
		err = medfw_store_director_version(app->store, dev.id, &version, &diag);
	if (err != MEDFW_OK) {
		medfwd_respond_medfw_error(resp, err, &diag);
		return;
	}
	medfwd_respond_json(resp, 200, assignment_json(&a, version));
}

static void assignment_delete(struct medfwd_request *req, struct medfwd_response *resp)
{
	struct medfwd_app *app = medfwd_app_of(req);
	const struct medfwd_principal *who = medfwd_principal_of(req);
	struct medfw_store_device dev;
	struct medfw_diag diag;
	int64_t version = 0;
	enum medfw_err err;

	if (!medfwd_require(req, resp, MEDFWD_PERM_DIRECTOR_ASSIGN) ||
	    !load_device(req, resp, &dev) || !not_in_rollout(req, resp, &dev))
		return;
	medfw_diag_clear(&diag);
	err = medfw_store_assignment_clear(app->store, medfwd_scope_of(who), dev.id, &version,
					   &diag);
	if (err != MEDFW_OK) {
		medfwd_respond_medfw_error(resp, err, &diag);
		return;
	}
	(void)medfwd_audit(app, req, medfwd_actor_of(who), dev.site_id, "director.clear",
			   json_pack("{s:I, s:I}", "device_id", (json_int_t)dev.id,
				     "director_version", (json_int_t)version));
	medfwd_respond_json(resp, 200, json_pack("{s:I, s:I}", "device_id", (json_int_t)dev.id,
						 "director_version", (json_int_t)version));
}

/* ---- director metadata ---- */

/* "root.json" -> root etc.; -1 when not a role. "N.root.json" (N = 1..the newest
 * version, at most 10 digits) -> ROLE_ROOT_VERSION with *out_version = N. */
#define ROLE_ROOT_VERSION 100

static int role_of(const struct medfwd_director *d, const char *file, size_t *out_version)
{
	static const char *const names[] = {"root.json", "timestamp.json", "snapshot.json",
					    "targets.json"};
	char digits[11];
	size_t n = file != NULL ? strspn(file, "0123456789") : 0;
	uint64_t v = 0;

	*out_version = 0;
	for (int i = 0; file != NULL && i < 4; i++)
		if (strcmp(file, names[i]) == 0)
			return i;
	if (n == 0 || n >= sizeof(digits) || strcmp(file + n, ".root.json") != 0)
		return -1;
	memcpy(digits, file, n);
	digits[n] = 0;
	if (medfw_parse_u64(digits, 1, d->root_count, &v) != MEDFW_OK)
		return -1;
	*out_version = (size_t)v;
	return ROLE_ROOT_VERSION;
}

/* Send root version `version` (0: the newest). */
static void send_root(struct medfwd_response *resp, const struct medfwd_director *d,
		      size_t version)
{
	const struct medfw_buf *b = &d->roots[(version != 0 ? version : d->root_count) - 1];

	medfwd_respond_bytes(resp, 200, "application/json", b->data, b->len);
}

/* Sign and send one role of a device's director metadata. */
static void send_director_role(struct medfwd_request *req, struct medfwd_response *resp,
			       const struct medfw_store_device *dev, const char *file)
{
	struct medfwd_app *app = medfwd_app_of(req);
	struct medfw_director_assignment da;
	struct medfw_director_metadata md;
	struct medfw_store_assignment a;
	struct medfw_diag diag;
	json_t *hashes = NULL;
	const struct medfw_buf *out = NULL;
	size_t root_version = 0;
	int role = role_of(app->director, file, &root_version);
	enum medfw_err err;

	if (role < 0) {
		medfwd_respond_error(resp, 404, "not_found", "role",
				     "no such director metadata (root.json, N.root.json for N = "
				     "1..%zu, timestamp.json, snapshot.json, targets.json)",
				     app->director->root_count);
		return;
	}
	if (role == MEDFW_TUF_ROOT || role == ROLE_ROOT_VERSION) {
		send_root(resp, app->director, root_version);
		return;
	}
	medfw_diag_clear(&diag);
	memset(&da, 0, sizeof(da));
	da.device_id = dev->id;
	da.hardware_id = dev->hardware_id[0] != 0 ? dev->hardware_id : "unknown";
	err = medfw_store_director_version(app->store, dev->id, &da.version, &diag);
	if (err == MEDFW_OK) {
		err = medfw_store_assignment_get(app->store, medfw_store_scope_all(), dev->id, &a,
						 &diag);
		if (err == MEDFW_OK) {
			err = medfw_json_parse((const uint8_t *)a.target_hashes,
					       strlen(a.target_hashes), MEDFW_STORE_JSON_MAX, 4,
					       &hashes, &diag);
			da.target_name = a.target_name;
			da.target_length = a.target_length;
			da.target_hashes = hashes;
			da.window_start = a.window_start;
			da.window_end = a.window_end;
		} else if (err == MEDFW_ERR_NOT_FOUND) {
			err = MEDFW_OK; /* nothing to install: an empty, signed targets */
			medfw_diag_clear(&diag);
		}
	}
	if (err == MEDFW_OK)
		err = medfw_director_metadata_build(app->director->key, &da, medfw_ctx_now(app->ctx),
						    &md, &diag);
	json_decref(hashes);
	if (err != MEDFW_OK) {
		medfwd_respond_medfw_error(resp, err, &diag);
		return;
	}
	out = role == MEDFW_TUF_TIMESTAMP ? &md.timestamp
	      : role == MEDFW_TUF_SNAPSHOT ? &md.snapshot
					   : &md.targets;
	medfwd_respond_bytes(resp, 200, "application/json", out->data, out->len);
	medfw_director_metadata_free(&md);
}

/* People and tools: the same signed documents a device gets (debugging, provisioning). */
static void director_meta_people(struct medfwd_request *req, struct medfwd_response *resp)
{
	struct medfw_store_device dev;

	if (!medfwd_require(req, resp, MEDFWD_PERM_DEVICES_READ) || !load_device(req, resp, &dev))
		return;
	send_director_role(req, resp, &dev, medfwd_request_param(req, "role"));
}

/* root.json (the newest, to pin at enrolment) and N.root.json (the chain). */
static void director_root(struct medfwd_request *req, struct medfwd_response *resp)
{
	struct medfwd_app *app = medfwd_app_of(req);
	size_t version = 0;
	int role;

	if (!medfwd_require(req, resp, MEDFWD_PERM_DEVICES_READ))
		return;
	role = role_of(app->director, medfwd_request_param(req, "file"), &version);
	if (role != MEDFW_TUF_ROOT && role != ROLE_ROOT_VERSION) {
		medfwd_respond_error(resp, 404, "not_found", "file",
				     "no such director root (root.json, or N.root.json for N = "
				     "1..%zu)", app->director->root_count);
		return;
	}
	send_root(resp, app->director, version);
}

/* The requesting device's record, read when its signature was verified
 * (devices_auth.c: enrolled, not revoked) in this same request. */
static void director_meta_device(struct medfwd_request *req, struct medfwd_response *resp)
{
	const struct medfwd_principal *p = medfwd_principal_of(req);

	if (p == NULL || p->kind != MEDFWD_PRINCIPAL_DEVICE) {
		medfwd_respond_error(resp, 401, "unauthenticated", NULL, "not a known device");
		return;
	}
	send_director_role(req, resp, &p->device, medfwd_request_param(req, "role"));
}

const struct medfwd_route medfwd_routes_director[] = {
	{"GET", "/api/v1/director/{file}", director_root, MEDFWD_AUTH_TOKEN, MEDFWD_BODY_NONE,
	 "director.root"},
	{"PUT", "/api/v1/devices/{device}/assignment", assignment_put, MEDFWD_AUTH_TOKEN,
	 MEDFWD_BODY_JSON, "director.assignment.set"},
	{"GET", "/api/v1/devices/{device}/assignment", assignment_get, MEDFWD_AUTH_TOKEN,
	 MEDFWD_BODY_NONE, "director.assignment.get"},
	{"DELETE", "/api/v1/devices/{device}/assignment", assignment_delete, MEDFWD_AUTH_TOKEN,
	 MEDFWD_BODY_NONE, "director.assignment.clear"},
	{"GET", "/api/v1/devices/{device}/director/{role}", director_meta_people, MEDFWD_AUTH_TOKEN,
	 MEDFWD_BODY_NONE, "director.metadata.people"},
	{"GET", "/device/v1/director/{role}", director_meta_device, MEDFWD_AUTH_DEVICE,
	 MEDFWD_BODY_NONE, "director.metadata.device"},
	{0},
};
