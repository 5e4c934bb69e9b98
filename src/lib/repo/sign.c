/* Signing staged metadata, one signer at a time, and showing what is signed. */
#include <stdio.h>
#include <string.h>

#include "medfw/json.h"
#include "medfw/num.h"
#include "repo_internal.h"

static size_t file_max(enum medfw_tuf_role_type type)
{
	return type == MEDFW_TUF_ROOT ? MEDFW_TUF_ROOT_MAX_LEN : MEDFW_TUF_TARGETS_MAX_LEN;
}

/* Load a root or targets file whichever it is. */
static enum medfw_err load_any(const char *path, struct medfw_tuf_meta **out,
			       struct medfw_diag *diag)
{
	struct medfw_buf b;
	enum medfw_err err;
	json_t *doc = NULL;
	const char *type = NULL;
	enum medfw_tuf_role_type rt = MEDFW_TUF_TARGETS;

	*out = NULL;
	err = medfw_file_read(path, MEDFW_TUF_TARGETS_MAX_LEN, &b, diag);
	if (err != MEDFW_OK)
		return err;
	/* Peek at _type to pick the parser; the real parse validates everything. */
	err = medfw_json_parse(b.data, b.len, b.max, MEDFW_TUF_MAX_DEPTH, &doc, diag);
	if (err == MEDFW_OK)
		type = json_string_value(json_object_get(json_object_get(doc, "signed"), "_type"));
	if (err == MEDFW_OK && (type == NULL || medfw_tuf_role_parse(type, &rt) != MEDFW_OK ||
				(rt != MEDFW_TUF_ROOT && rt != MEDFW_TUF_TARGETS)))
		err = medfw_diag_set(diag, MEDFW_ERR_ROLE_TYPE,
				     "%s: only root and targets metadata are signed offline", path);
	json_decref(doc);
	if (err == MEDFW_OK)
		err = medfw_tuf_meta_parse_unverified(b.data, b.len, file_max(rt), rt, out, diag);
	medfw_buf_free(&b);
	return err;
}

static int role_lists(const struct medfw_tuf_role_keys *role, const char *keyid)
{
	for (size_t i = 0; role != NULL && i < role->keyid_count; i++)
		if (strcmp(role->keyids[i], keyid) == 0)
			return 1;
	return 0;
}

enum medfw_err medfw_repo_sign_file(struct medfw_ctx *ctx, const char *path,
				    const char *root_path, const struct medfw_privkey *key,
				    struct medfw_diag *diag)
{
	struct medfw_tuf_meta *meta = NULL, *root = NULL;
	struct medfw_pubkey *pub = NULL;
	struct medfw_buf out;
	enum medfw_err err;
	int counts = 0;
	json_t *env = NULL;

	medfw_buf_init(&out, MEDFW_TUF_TARGETS_MAX_LEN);
	err = load_any(path, &meta, diag);
	if (err == MEDFW_OK && root_path != NULL) {
		struct medfw_buf b;

		err = medfw_file_read(root_path, MEDFW_TUF_ROOT_MAX_LEN, &b, diag);
		if (err == MEDFW_OK) {
			err = medfw_tuf_meta_parse_unverified(b.data, b.len, MEDFW_TUF_ROOT_MAX_LEN,
							      MEDFW_TUF_ROOT, &root, diag);
			medfw_buf_free(&b);
		}
	}
	if (err == MEDFW_OK)
		err = medfw_privkey_public(key, &pub, diag);
	if (err != MEDFW_OK)
		goto out;
	if (meta->type == MEDFW_TUF_ROOT) {
		counts = role_lists(medfw_tuf_root_role(meta, MEDFW_TUF_ROOT), medfw_pubkey_keyid(pub)) ||
			 (root != NULL &&
			  role_lists(medfw_tuf_root_role(root, MEDFW_TUF_ROOT), medfw_pubkey_keyid(pub)));
	} else if (root == NULL) {
		err = medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
				     "%s: signing targets needs the root that lists its keys", path);
		goto out;
	} else {
		counts = role_lists(medfw_tuf_root_role(root, MEDFW_TUF_TARGETS),
				    medfw_pubkey_keyid(pub));
	}
	if (!counts) {
		err = medfw_diag_set(diag, MEDFW_ERR_SIGNATURE,
				     "key %s is not a %s key of this repository: its signature "
				     "would not count",
				     medfw_pubkey_keyid(pub), medfw_tuf_role_name(meta->type));
		goto out;
	}
	env = json_deep_copy(meta->doc);
	if (env == NULL) {
		err = MEDFW_ERR_NOMEM;
		goto out;
	}
	err = medfw_tuf_envelope_sign(env, key, diag);
	if (err == MEDFW_OK)
		err = medfw_tuf_envelope_serialize(env, &out, diag);
	if (err == MEDFW_OK)
		err = medfw_file_write_atomic(path, out.data, out.len, 0644, diag);
	if (err == MEDFW_OK)
		medfw_log(ctx, MEDFW_LOG_INFO, "key.use", "signed %s version %lld with key %s",
			  medfw_tuf_role_name(meta->type), (long long)meta->version,
			  medfw_pubkey_keyid(pub));
out:
	json_decref(env);
	medfw_buf_free(&out);
	medfw_pubkey_free(pub);
	medfw_tuf_meta_free(meta);
	medfw_tuf_meta_free(root);
	return err;
}

enum medfw_err medfw_repo_describe(const struct medfw_tuf_meta *meta, struct medfw_buf *out,
				   struct medfw_diag *diag)
{
	char expires[MEDFW_UTC_TIME_LEN + 1];
	enum medfw_err err;

	(void)diag;
	if (medfw_format_utc_time(meta->expires, expires, sizeof(expires)) != MEDFW_OK)
		expires[0] = 0;
	err = medfw_buf_printf(out, "%s metadata, version %lld, expires %s\n",
			       medfw_tuf_role_name(meta->type), (long long)meta->version, expires);
	if (meta->type == MEDFW_TUF_ROOT) {
		for (unsigned r = 0; err == MEDFW_OK && r < MEDFW_TUF_TOP_ROLES; r++) {
			const struct medfw_tuf_role_keys *rk = &meta->roles[r];

			err = medfw_buf_printf(out, "  role %-9s threshold %lld of %zu keys:\n",
					       rk->name, (long long)rk->threshold, rk->keyid_count);
			for (size_t i = 0; err == MEDFW_OK && i < rk->keyid_count; i++)
				err = medfw_buf_printf(out, "    %s\n", rk->keyids[i]);
		}
		if (err == MEDFW_OK)
			err = medfw_buf_printf(out, "  consistent snapshots: %s\n",
					       meta->consistent_snapshot ? "yes" : "no");
		return err;
	}
	if (err == MEDFW_OK)
		err = medfw_buf_printf(out, "  %zu target%s:\n", meta->target_count,
				       meta->target_count == 1 ? "" : "s");
	for (size_t i = 0; err == MEDFW_OK && i < meta->target_count; i++) {
		const struct medfw_tuf_target *t = &meta->targets[i];
		json_t *sha = json_object_get(t->hashes, "sha256");

		err = medfw_buf_printf(out, "    %s  %lld bytes  sha256 %s\n", t->path,
				       (long long)t->length,
				       json_is_string(sha) ? json_string_value(sha) : "-");
	}
	return err;
}
