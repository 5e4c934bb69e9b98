/* Publishing: verify what was signed offline, then write metadata clients fetch. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "medfw/json.h"
#include "repo_internal.h"

struct publish_state {
	struct medfw_tuf_meta *pub_root, *staged_root, *pub_targets, *staged_targets;
	struct medfw_tuf_meta *pub_snapshot, *pub_timestamp;
	const struct medfw_tuf_meta *root;    /* the root in force after publishing */
	const struct medfw_tuf_meta *targets; /* the targets in force after publishing */
};

static void state_free(struct publish_state *s)
{
	medfw_tuf_meta_free(s->pub_root);
	medfw_tuf_meta_free(s->staged_root);
	medfw_tuf_meta_free(s->pub_targets);
	medfw_tuf_meta_free(s->staged_targets);
	medfw_tuf_meta_free(s->pub_snapshot);
	medfw_tuf_meta_free(s->pub_timestamp);
}

static enum medfw_err load_state(const char *dir, struct publish_state *s, struct medfw_diag *diag)
{
	enum medfw_err err;

	err = medfwi_repo_load_meta(dir, "metadata/root.json", MEDFW_TUF_ROOT, 1, &s->pub_root, diag);
	if (err == MEDFW_OK)
		err = medfwi_repo_load_meta(dir, "staged/root.json", MEDFW_TUF_ROOT, 1,
					    &s->staged_root, diag);
	if (err == MEDFW_OK)
		err = medfwi_repo_load_meta(dir, "metadata/targets.json", MEDFW_TUF_TARGETS, 1,
					    &s->pub_targets, diag);
	if (err == MEDFW_OK)
		err = medfwi_repo_load_meta(dir, "staged/targets.json", MEDFW_TUF_TARGETS, 1,
					    &s->staged_targets, diag);
	if (err == MEDFW_OK)
		err = medfwi_repo_load_meta(dir, "metadata/snapshot.json", MEDFW_TUF_SNAPSHOT, 1,
					    &s->pub_snapshot, diag);
	if (err == MEDFW_OK)
		err = medfwi_repo_load_meta(dir, "metadata/timestamp.json", MEDFW_TUF_TIMESTAMP, 1,
					    &s->pub_timestamp, diag);
	return err;
}

/* Every check that must pass before anything is written. */
static enum medfw_err check_staged(struct publish_state *s, struct medfw_diag *diag)
{
	enum medfw_err err;

	if (s->staged_root != NULL) {
		int64_t want = s->pub_root != NULL ? s->pub_root->version + 1 : 1;

		if (s->staged_root->version != want)
			return medfw_diag_set(diag, MEDFW_ERR_VERSION_MISMATCH,
					      "staged root is version %lld, expected %lld",
					      (long long)s->staged_root->version, (long long)want);
		if (s->pub_root != NULL) {
			err = medfw_tuf_meta_verify_role(s->staged_root, &s->pub_root->keys,
							 medfw_tuf_root_role(s->pub_root, MEDFW_TUF_ROOT),
							 "staged root (keys of the current root)", diag);
			if (err != MEDFW_OK)
				return err;
		}
		err = medfw_tuf_meta_verify_role(s->staged_root, &s->staged_root->keys,
						 medfw_tuf_root_role(s->staged_root, MEDFW_TUF_ROOT),
						 "staged root (its own keys)", diag);
		if (err != MEDFW_OK)
			return err;
		s->root = s->staged_root;
	} else if (s->pub_root != NULL) {
		s->root = s->pub_root;
	} else {
		return medfw_diag_set(diag, MEDFW_ERR_STATE, "repository has no root");
	}
	if (s->staged_targets != NULL) {
		int64_t want = s->pub_targets != NULL ? s->pub_targets->version + 1 : 1;

		if (s->staged_targets->version != want)
			return medfw_diag_set(diag, MEDFW_ERR_VERSION_MISMATCH,
					      "staged targets is version %lld, expected %lld",
					      (long long)s->staged_targets->version, (long long)want);
		s->targets = s->staged_targets;
	} else if (s->pub_targets != NULL) {
		s->targets = s->pub_targets;
	} else {
		return medfw_diag_set(diag, MEDFW_ERR_STATE, "repository has no targets metadata");
	}
	return medfw_tuf_meta_verify_role(s->targets, &s->root->keys,
					  medfw_tuf_root_role(s->root, MEDFW_TUF_TARGETS),
					  s->targets == s->staged_targets
						  ? "staged targets"
						  : "published targets (re-sign after a key change)",
					  diag);
}

/* Staged images must still be exactly what was signed. */
static enum medfw_err check_images(const char *dir, const struct medfw_tuf_meta *targets,
				   struct medfw_diag *diag)
{
	for (size_t i = 0; i < targets->target_count; i++) {
		const struct medfw_tuf_target *t = &targets->targets[i];
		char rel[PATH_MAX + 16], path[PATH_MAX];
		struct medfw_tuf_hash_check *hc = NULL;
		uint8_t chunk[65536];
		enum medfw_err err;
		FILE *f;

		snprintf(rel, sizeof(rel), "targets/%s", t->path);
		if (medfw_repo_path(dir, rel, path, sizeof(path)) != MEDFW_OK)
			return MEDFW_ERR_TOO_LARGE;
		if (access(path, F_OK) == 0)
			continue; /* published earlier */
		snprintf(rel, sizeof(rel), "staged/images/%s", t->path);
		if (medfw_repo_path(dir, rel, path, sizeof(path)) != MEDFW_OK)
			return MEDFW_ERR_TOO_LARGE;
		f = fopen(path, "rb");
		if (f == NULL)
			return medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND, "%s: image of target %s: %s",
					      path, t->path, strerror(errno));
		err = medfw_tuf_hash_check_new(t->length, t->hashes, t->path, &hc, diag);
		while (err == MEDFW_OK) {
			size_t n = fread(chunk, 1, sizeof(chunk), f);

			if (n == 0)
				break;
			err = medfw_tuf_hash_check_update(hc, chunk, n, diag);
		}
		if (err == MEDFW_OK && ferror(f))
			err = medfw_diag_set(diag, MEDFW_ERR_IO, "%s: read error", path);
		if (err == MEDFW_OK)
			err = medfw_tuf_hash_check_finish(hc, diag);
		medfw_tuf_hash_check_free(hc);
		fclose(f);
		if (err != MEDFW_OK)
			return err;
	}
	return MEDFW_OK;
}

/* Move staged images into targets/, also linked as DIR/SHA256.BASENAME. */
static enum medfw_err publish_images(const char *dir, const struct medfw_tuf_meta *targets,
				     struct medfw_diag *diag)
{
	for (size_t i = 0; i < targets->target_count; i++) {
		const struct medfw_tuf_target *t = &targets->targets[i];
		const char *base = strrchr(t->path, '/');
		json_t *sha = json_object_get(t->hashes, "sha256");
		char rel[PATH_MAX + 16], src[PATH_MAX], dst[PATH_MAX], hashed[PATH_MAX];
		enum medfw_err err;
		char *slash;

		snprintf(rel, sizeof(rel), "staged/images/%s", t->path);
		if (medfw_repo_path(dir, rel, src, sizeof(src)) != MEDFW_OK)
			return MEDFW_ERR_TOO_LARGE;
		if (access(src, F_OK) != 0)
			continue;
		snprintf(rel, sizeof(rel), "targets/%s", t->path);
		if (medfw_repo_path(dir, rel, dst, sizeof(dst)) != MEDFW_OK)
			return MEDFW_ERR_TOO_LARGE;
		base = base != NULL ? base + 1 : t->path;
		snprintf(hashed, sizeof(hashed), "%.*s%s.%s", (int)(base - t->path), t->path,
			 json_is_string(sha) ? json_string_value(sha) : "", base);
		snprintf(rel, sizeof(rel), "targets/%s", hashed);
		if (medfw_repo_path(dir, rel, hashed, sizeof(hashed)) != MEDFW_OK)
			return MEDFW_ERR_TOO_LARGE;
		slash = strrchr(dst, '/');
		*slash = 0;
		err = medfw_mkdir_p(dst, 0755, diag);
		*slash = '/';
		if (err != MEDFW_OK)
			return err;
		if (link(src, hashed) != 0 && errno != EEXIST)
			return medfw_diag_set(diag, MEDFW_ERR_IO, "%s: %s", hashed, strerror(errno));
		if (rename(src, dst) != 0)
			return medfw_diag_set(diag, MEDFW_ERR_IO, "%s: %s", dst, strerror(errno));
		err = medfw_fsync_parent(dst, diag);
		if (err != MEDFW_OK)
			return err;
	}
	return MEDFW_OK;
}

static enum medfw_err write_versioned(const char *dir, const struct medfw_tuf_meta *m,
				      struct medfw_diag *diag)
{
	char rel[64];
	const char *name = medfw_tuf_role_name(m->type);
	enum medfw_err err;

	snprintf(rel, sizeof(rel), "metadata/%lld.%s.json", (long long)m->version, name);
	err = medfwi_repo_write_envelope(dir, rel, m->doc, diag);
	snprintf(rel, sizeof(rel), "metadata/%s.json", name);
	if (err == MEDFW_OK)
		err = medfwi_repo_write_envelope(dir, rel, m->doc, diag);
	return err;
}

/* Build, sign and self-check a snapshot or timestamp version. */
static enum medfw_err make_online(const char *dir, const struct repo_settings *settings,
				  const struct medfw_tuf_meta *root, enum medfw_tuf_role_type type,
				  int64_t version, int64_t now, json_t *meta_obj,
				  const struct medfw_privkey *key, struct medfw_buf *out_bytes,
				  struct medfw_diag *diag)
{
	json_t *signed_obj, *env = NULL;
	struct medfw_tuf_meta *check = NULL;
	enum medfw_err err;

	(void)dir;
	signed_obj = json_pack("{s:s, s:s, s:I, s:o}", "_type", medfw_tuf_role_name(type),
			       "spec_version", MEDFW_TUF_SPEC_VERSION, "version", (json_int_t)version,
			       "meta", meta_obj);
	if (signed_obj == NULL)
		return MEDFW_ERR_NOMEM;
	err = medfwi_repo_set_expiry(signed_obj, now, settings->expires_seconds[type]);
	if (err == MEDFW_OK) {
		env = medfw_tuf_envelope_new(signed_obj);
		err = env != NULL ? medfw_tuf_envelope_sign(env, key, diag) : MEDFW_ERR_NOMEM;
	}
	if (err == MEDFW_OK)
		err = medfw_tuf_envelope_serialize(env, out_bytes, diag);
	if (err == MEDFW_OK)
		err = medfw_tuf_meta_parse_unverified(out_bytes->data, out_bytes->len, out_bytes->max,
						      type, &check, diag);
	if (err == MEDFW_OK)
		err = medfw_tuf_meta_verify_role(check, &root->keys, medfw_tuf_root_role(root, type),
						 medfw_tuf_role_name(type), diag);
	medfw_tuf_meta_free(check);
	json_decref(env);
	json_decref(signed_obj);
	return err;
}

static enum medfw_err write_bytes(const char *dir, const char *rel, const struct medfw_buf *b,
				  struct medfw_diag *diag)
{
	char path[PATH_MAX];

	if (medfw_repo_path(dir, rel, path, sizeof(path)) != MEDFW_OK)
		return MEDFW_ERR_TOO_LARGE;
	return medfw_file_write_atomic(path, b->data, b->len, 0644, diag);
}

enum medfw_err medfw_repo_publish(struct medfw_ctx *ctx, const char *dir,
				  const struct medfw_privkey *snapshot_key,
				  const struct medfw_privkey *timestamp_key,
				  struct medfw_diag *diag)
{
	struct publish_state s = {0};
	struct repo_settings settings;
	struct medfw_buf snap, ts;
	int64_t now = medfw_ctx_now(ctx), snap_version, ts_version;
	uint8_t digest[MEDFW_SHA256_LEN];
	char hex[2 * MEDFW_SHA256_LEN + 1], rel[64], path[PATH_MAX];
	size_t dlen;
	json_t *meta;
	enum medfw_err err;
	int refused = 0;

	medfw_buf_init(&snap, MEDFW_TUF_SNAPSHOT_MAX_LEN);
	medfw_buf_init(&ts, MEDFW_TUF_TIMESTAMP_MAX_LEN);
	err = medfwi_repo_load_settings(dir, &settings, diag);
	if (err == MEDFW_OK)
		err = medfwi_repo_audit_check(dir, diag);
	if (err == MEDFW_OK)
		err = load_state(dir, &s, diag);
	if (err == MEDFW_OK)
		err = check_staged(&s, diag);
	if (err == MEDFW_OK && s.staged_targets != NULL)
		err = check_images(dir, s.staged_targets, diag);
	if (err != MEDFW_OK) {
		refused = err != MEDFW_ERR_NOT_FOUND; /* a missing repository has no trail */
		goto out;
	}

	snap_version = s.pub_snapshot != NULL ? s.pub_snapshot->version + 1 : 1;
	ts_version = s.pub_timestamp != NULL ? s.pub_timestamp->version + 1 : 1;
	meta = json_pack("{s:{s:I}}", "targets.json", "version", (json_int_t)s.targets->version);
	err = meta != NULL ? make_online(dir, &settings, s.root, MEDFW_TUF_SNAPSHOT, snap_version,
					 now, meta, snapshot_key, &snap, diag)
			   : MEDFW_ERR_NOMEM;
	if (err == MEDFW_OK)
		err = medfw_hash_oneshot(MEDFW_HASH_SHA256, snap.data, snap.len, digest,
					 sizeof(digest), &dlen);
	if (err == MEDFW_OK)
		err = medfw_hex_encode(digest, dlen, hex, sizeof(hex));
	if (err == MEDFW_OK) {
		meta = json_pack("{s:{s:I, s:I, s:{s:s}}}", "snapshot.json", "version",
				 (json_int_t)snap_version, "length", (json_int_t)snap.len, "hashes",
				 "sha256", hex);
		err = meta != NULL ? make_online(dir, &settings, s.root, MEDFW_TUF_TIMESTAMP,
						 ts_version, now, meta, timestamp_key, &ts, diag)
				   : MEDFW_ERR_NOMEM;
	}
	if (err != MEDFW_OK)
		goto out;

	/* Everything verified: write, the timestamp last (it is what clients start from). */
	if (s.staged_targets != NULL)
		err = publish_images(dir, s.staged_targets, diag);
	if (err == MEDFW_OK && s.staged_root != NULL)
		err = write_versioned(dir, s.staged_root, diag);
	if (err == MEDFW_OK && s.staged_targets != NULL)
		err = write_versioned(dir, s.staged_targets, diag);
	snprintf(rel, sizeof(rel), "metadata/%lld.snapshot.json", (long long)snap_version);
	if (err == MEDFW_OK)
		err = write_bytes(dir, rel, &snap, diag);
	if (err == MEDFW_OK)
		err = write_bytes(dir, "metadata/snapshot.json", &snap, diag);
	if (err == MEDFW_OK)
		err = write_bytes(dir, "metadata/timestamp.json", &ts, diag);
	if (err != MEDFW_OK)
		goto out;
	if (s.staged_root != NULL && medfw_repo_path(dir, "staged/root.json", path, sizeof(path)) == MEDFW_OK)
		unlink(path);
	if (s.staged_targets != NULL &&
	    medfw_repo_path(dir, "staged/targets.json", path, sizeof(path)) == MEDFW_OK)
		unlink(path);
	err = medfw_repo_audit(ctx, dir, "repo.publish",
			       json_pack("{s:I, s:I, s:I, s:I}", "root", (json_int_t)s.root->version,
					 "targets", (json_int_t)s.targets->version, "snapshot",
					 (json_int_t)snap_version, "timestamp", (json_int_t)ts_version),
			       diag);
out:
	if (err != MEDFW_OK && refused) {
		/* Record the refusal (nothing was written); keep the original error. */
		struct medfw_diag ignored;

		medfw_diag_clear(&ignored);
		if (medfw_repo_audit(ctx, dir, "repo.publish.refused",
				     json_pack("{s:s, s:s}", "error", medfw_err_name(err), "reason",
					       medfw_diag_message(diag, err)),
				     &ignored) != MEDFW_OK)
			medfw_log(ctx, MEDFW_LOG_WARNING, "repo.audit.failed",
				  "the refused publish could not be recorded: %s", ignored.msg);
	}
	medfw_buf_free(&snap);
	medfw_buf_free(&ts);
	state_free(&s);
	return err;
}
