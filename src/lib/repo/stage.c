/* Staging changes to targets and root: they wait in REPO/staged for signatures. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "medfw/json.h"
#include "medfw/notice.h"
#include "repo_internal.h"

#define COPY_CHUNK (1024 * 1024)

/* The staged targets "signed" object: the staged one, else a copy of the published
 * one with version + 1. Signatures are dropped by the caller's rewrite. */
static enum medfw_err staged_targets_signed(struct medfw_ctx *ctx, const char *dir,
					    const struct repo_settings *settings, json_t **out,
					    struct medfw_diag *diag)
{
	struct medfw_tuf_meta *staged = NULL, *published = NULL;
	enum medfw_err err;

	*out = NULL;
	err = medfwi_repo_load_meta(dir, "staged/targets.json", MEDFW_TUF_TARGETS, 1, &staged, diag);
	if (err != MEDFW_OK)
		return err;
	if (staged != NULL) {
		*out = json_deep_copy(staged->signed_obj);
		medfw_tuf_meta_free(staged);
		return *out != NULL ? MEDFW_OK : MEDFW_ERR_NOMEM;
	}
	err = medfwi_repo_load_meta(dir, "metadata/targets.json", MEDFW_TUF_TARGETS, 0, &published,
				    diag);
	if (err != MEDFW_OK)
		return err;
	*out = json_deep_copy(published->signed_obj);
	if (*out == NULL ||
	    json_object_set_new(*out, "version", json_integer(published->version + 1)) != 0)
		err = MEDFW_ERR_NOMEM;
	medfw_tuf_meta_free(published);
	if (err == MEDFW_OK)
		err = medfwi_repo_set_expiry(*out, medfw_ctx_now(ctx),
					     settings->expires_seconds[MEDFW_TUF_TARGETS]);
	if (err != MEDFW_OK) {
		json_decref(*out);
		*out = NULL;
	}
	return err;
}

static enum medfw_err write_staged(const char *dir, const char *rel, json_t *signed_obj,
				   struct medfw_diag *diag)
{
	json_t *env = medfw_tuf_envelope_new(signed_obj);
	enum medfw_err err;

	if (env == NULL)
		return MEDFW_ERR_NOMEM;
	err = medfwi_repo_write_envelope(dir, rel, env, diag);
	json_decref(env);
	return err;
}

/* Copy src into REPO/staged/images/<name> while hashing; returns the target entry
 * {"length", "hashes": {"sha256"}}. */
static enum medfw_err stage_image(const char *dir, const char *src, const char *name,
				  json_t **out_entry, struct medfw_diag *diag)
{
	char dst[PATH_MAX], tmp[PATH_MAX + 16], rel[PATH_MAX], hex[2 * MEDFW_SHA256_LEN + 1];
	uint8_t *chunk = NULL, digest[MEDFW_SHA256_LEN];
	struct medfw_hash *h = NULL;
	enum medfw_err err = MEDFW_OK;
	uint64_t total = 0;
	int in = -1, out = -1;
	size_t dlen;
	char *slash;

	*out_entry = NULL;
	snprintf(rel, sizeof(rel), "staged/images/%s", name);
	if (medfw_repo_path(dir, rel, dst, sizeof(dst)) != MEDFW_OK)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "%s: path too long", name);
	snprintf(tmp, sizeof(tmp), "%s.partial", dst);
	slash = strrchr(dst, '/');
	*slash = 0;
	err = medfw_mkdir_p(dst, 0755, diag);
	*slash = '/';
	if (err != MEDFW_OK)
		return err;
	in = open(src, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return medfw_diag_set(diag, errno == ENOENT ? MEDFW_ERR_NOT_FOUND : MEDFW_ERR_IO,
				      "%s: %s", src, strerror(errno));
	out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	chunk = malloc(COPY_CHUNK);
	h = medfw_hash_new(MEDFW_HASH_SHA256);
	if (out < 0 || chunk == NULL || h == NULL) {
		err = out < 0 ? medfw_diag_set(diag, MEDFW_ERR_IO, "%s: %s", tmp, strerror(errno))
			      : MEDFW_ERR_NOMEM;
		goto out;
	}
	for (;;) {
		ssize_t n = read(in, chunk, COPY_CHUNK), w = 0;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			err = medfw_diag_set(diag, MEDFW_ERR_IO, "%s: %s", src, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		total += (uint64_t)n;
		if (total > (uint64_t)MEDFW_IMAGE_MAX_LEN) {
			err = medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "%s: larger than 64 GiB", src);
			goto out;
		}
		err = medfw_hash_update(h, chunk, (size_t)n);
		while (err == MEDFW_OK && w < n) {
			ssize_t k = write(out, chunk + w, (size_t)(n - w));

			if (k < 0 && errno == EINTR)
				continue;
			if (k < 0)
				err = medfw_diag_set(diag, MEDFW_ERR_IO, "%s: %s", tmp, strerror(errno));
			else
				w += k;
		}
		if (err != MEDFW_OK)
			goto out;
	}
	if (fsync(out) != 0) {
		err = medfw_diag_set(diag, MEDFW_ERR_IO, "%s: fsync: %s", tmp, strerror(errno));
		goto out;
	}
	err = medfw_hash_final(h, digest, sizeof(digest), &dlen);
	if (err == MEDFW_OK)
		err = medfw_hex_encode(digest, dlen, hex, sizeof(hex));
	if (err == MEDFW_OK && rename(tmp, dst) != 0)
		err = medfw_diag_set(diag, MEDFW_ERR_IO, "%s: %s", dst, strerror(errno));
	if (err == MEDFW_OK) {
		*out_entry = json_pack("{s:I, s:{s:s}}", "length", (json_int_t)total, "hashes",
				       "sha256", hex);
		if (*out_entry == NULL)
			err = MEDFW_ERR_NOMEM;
	}
out:
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	if (err != MEDFW_OK)
		unlink(tmp);
	free(chunk);
	medfw_hash_free(h);
	return err;
}

static enum medfw_err add_target(struct medfw_ctx *ctx, const char *dir, const char *path,
				 const char *name, const json_t *notice_json,
				 struct medfw_diag *diag)
{
	struct repo_settings settings;
	struct medfw_release_notice *notice = NULL;
	json_t *signed_obj = NULL, *entry = NULL, *targets, *custom = NULL;
	enum medfw_err err;

	if (!medfwi_repo_target_name_ok(name))
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
				      "target name \"%.255s\": use a relative path of letters, "
				      "digits and ._+- segments",
				      name);
	err = medfwi_repo_load_settings(dir, &settings, diag);
	if (err == MEDFW_OK)
		err = medfwi_repo_audit_check(dir, diag);
	if (err != MEDFW_OK)
		return err;
	if (notice_json != NULL) {
		json_t *canonical_notice = NULL;

		/* Validated, then rebuilt from the typed struct: only what we understand
		 * gets signed. */
		err = medfw_notice_from_json(notice_json, &notice, diag);
		if (err == MEDFW_OK)
			err = medfw_notice_to_json(notice, &canonical_notice, diag);
		medfw_notice_free(notice);
		if (err != MEDFW_OK)
			return err;
		custom = json_pack("{s:{s:o}}", MEDFW_NOTICE_CUSTOM_NAMESPACE,
				   MEDFW_NOTICE_CUSTOM_KEY, canonical_notice);
		if (custom == NULL)
			return MEDFW_ERR_NOMEM;
	}
	err = staged_targets_signed(ctx, dir, &settings, &signed_obj, diag);
	if (err != MEDFW_OK)
		goto out;
	targets = json_object_get(signed_obj, "targets");
	if (json_object_get(targets, name) != NULL) {
		err = medfw_diag_set(diag, MEDFW_ERR_EXISTS,
				     "target \"%s\" already exists: publish a new version under a "
				     "new name",
				     name);
		goto out;
	}
	err = stage_image(dir, path, name, &entry, diag);
	if (err != MEDFW_OK)
		goto out;
	if (custom != NULL)
		json_object_set(entry, "custom", custom);
	if (json_object_set(targets, name, entry) != 0) {
		err = MEDFW_ERR_NOMEM;
		goto out;
	}
	err = write_staged(dir, "staged/targets.json", signed_obj, diag);
	if (err == MEDFW_OK)
		err = medfw_repo_audit(
			ctx, dir, notice_json != NULL ? "repo.release.add" : "repo.file.add",
			json_pack("{s:s, s:O, s:O, s:O}", "target", name, "length",
				  json_object_get(entry, "length"), "hashes",
				  json_object_get(entry, "hashes"), "targets_version",
				  json_object_get(signed_obj, "version")),
			diag);
out:
	json_decref(custom);
	json_decref(entry);
	json_decref(signed_obj);
	return err;
}

enum medfw_err medfw_repo_add_release(struct medfw_ctx *ctx, const char *dir,
				      const char *image_path, const char *target_name,
				      const json_t *release_notice, struct medfw_diag *diag)
{
	if (release_notice == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_NOTICE, "a firmware release needs its notice");
	return add_target(ctx, dir, image_path, target_name, release_notice, diag);
}

enum medfw_err medfw_repo_add_file(struct medfw_ctx *ctx, const char *dir, const char *path,
				   const char *target_name, struct medfw_diag *diag)
{
	return add_target(ctx, dir, path, target_name, NULL, diag);
}

/* ---- root ---- */

enum medfw_err medfw_repo_stage_root(struct medfw_ctx *ctx, const char *dir, json_t **out_signed,
				     struct medfw_diag *diag)
{
	struct repo_settings settings;
	struct medfw_tuf_meta *staged = NULL, *published = NULL;
	enum medfw_err err;

	*out_signed = NULL;
	err = medfwi_repo_load_settings(dir, &settings, diag);
	if (err == MEDFW_OK)
		err = medfwi_repo_load_meta(dir, "staged/root.json", MEDFW_TUF_ROOT, 1, &staged, diag);
	if (err != MEDFW_OK)
		return err;
	if (staged != NULL) {
		*out_signed = json_deep_copy(staged->signed_obj);
		medfw_tuf_meta_free(staged);
		return *out_signed != NULL ? MEDFW_OK : MEDFW_ERR_NOMEM;
	}
	err = medfwi_repo_load_meta(dir, "metadata/root.json", MEDFW_TUF_ROOT, 0, &published, diag);
	if (err != MEDFW_OK)
		return err;
	*out_signed = json_deep_copy(published->signed_obj);
	if (*out_signed == NULL ||
	    json_object_set_new(*out_signed, "version", json_integer(published->version + 1)) != 0)
		err = MEDFW_ERR_NOMEM;
	medfw_tuf_meta_free(published);
	if (err == MEDFW_OK)
		err = medfwi_repo_set_expiry(*out_signed, medfw_ctx_now(ctx),
					     settings.expires_seconds[MEDFW_TUF_ROOT]);
	if (err != MEDFW_OK) {
		json_decref(*out_signed);
		*out_signed = NULL;
	}
	return err;
}

enum medfw_err medfw_repo_save_staged_root(struct medfw_ctx *ctx, const char *dir,
					   json_t *signed_obj, struct medfw_diag *diag)
{
	enum medfw_err err = medfwi_repo_audit_check(dir, diag);

	if (err == MEDFW_OK)
		err = write_staged(dir, "staged/root.json", signed_obj, diag);
	if (err == MEDFW_OK)
		err = medfw_repo_audit(ctx, dir, "repo.root.stage",
				       json_pack("{s:O, s:O}", "version",
						 json_object_get(signed_obj, "version"), "roles",
						 json_object_get(signed_obj, "roles")),
				       diag);
	return err;
}

static json_t *role_obj(json_t *root_signed, enum medfw_tuf_role_type role)
{
	return json_object_get(json_object_get(root_signed, "roles"), medfw_tuf_role_name(role));
}

/* Drop keys that no role lists any more. */
static void prune_keys(json_t *root_signed)
{
	json_t *keys = json_object_get(root_signed, "keys");
	const char *keyid;
	json_t *v;
	void *tmp;

	json_object_foreach_safe(keys, tmp, keyid, v) {
		int used = 0;

		for (unsigned r = 0; r < MEDFW_TUF_TOP_ROLES; r++) {
			json_t *ids = json_object_get(role_obj(root_signed, (enum medfw_tuf_role_type)r),
						      "keyids");
			size_t i;
			json_t *id;

			json_array_foreach(ids, i, id)
				used |= strcmp(json_string_value(id), keyid) == 0;
		}
		if (!used)
			json_object_del(keys, keyid);
	}
}

enum medfw_err medfw_repo_root_add_key(json_t *root_signed, enum medfw_tuf_role_type role,
				       const struct medfw_pubkey *key, struct medfw_diag *diag)
{
	json_t *ids = json_object_get(role_obj(root_signed, role), "keyids");
	const char *keyid = medfw_pubkey_keyid(key);
	size_t i;
	json_t *id;

	if (!json_is_array(ids))
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_MISSING, "root has no %s role",
				      medfw_tuf_role_name(role));
	json_array_foreach(ids, i, id) {
		if (strcmp(json_string_value(id), keyid) == 0)
			return medfw_diag_set(diag, MEDFW_ERR_EXISTS, "%s already has key %s",
					      medfw_tuf_role_name(role), keyid);
	}
	if (json_array_size(ids) >= MEDFW_REPO_MAX_KEYS_PER_ROLE)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "%s has too many keys",
				      medfw_tuf_role_name(role));
	if (json_array_append_new(ids, json_string(keyid)) != 0 ||
	    json_object_set(json_object_get(root_signed, "keys"), keyid,
			    (json_t *)(uintptr_t)medfw_pubkey_json(key)) != 0)
		return MEDFW_ERR_NOMEM;
	return MEDFW_OK;
}

enum medfw_err medfw_repo_root_remove_key(json_t *root_signed, enum medfw_tuf_role_type role,
					  const char *keyid, struct medfw_diag *diag)
{
	json_t *r = role_obj(root_signed, role), *ids = json_object_get(r, "keyids"), *id;
	size_t i;

	json_array_foreach(ids, i, id) {
		if (strcmp(json_string_value(id), keyid) != 0)
			continue;
		if ((json_int_t)json_array_size(ids) - 1 <
		    json_integer_value(json_object_get(r, "threshold")))
			return medfw_diag_set(diag, MEDFW_ERR_THRESHOLD,
					      "removing %s would leave %s below its threshold: "
					      "lower the threshold first",
					      keyid, medfw_tuf_role_name(role));
		json_array_remove(ids, i);
		prune_keys(root_signed);
		return MEDFW_OK;
	}
	return medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND, "%s has no key %s",
			      medfw_tuf_role_name(role), keyid);
}

enum medfw_err medfw_repo_root_set_threshold(json_t *root_signed, enum medfw_tuf_role_type role,
					     int64_t threshold, struct medfw_diag *diag)
{
	json_t *r = role_obj(root_signed, role);
	size_t n = json_array_size(json_object_get(r, "keyids"));

	if (threshold < 1 || (uint64_t)threshold > n)
		return medfw_diag_set(diag, MEDFW_ERR_THRESHOLD,
				      "%s threshold %lld must be between 1 and its %zu keys",
				      medfw_tuf_role_name(role), (long long)threshold, n);
	return json_object_set_new(r, "threshold", json_integer(threshold)) == 0 ? MEDFW_OK
										 : MEDFW_ERR_NOMEM;
}
