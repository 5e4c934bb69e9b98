/* medfw_repo_init: a new repository with an unsigned root and empty targets. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "medfw/json.h"
#include "repo_internal.h"

static int dir_is_empty_or_missing(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int empty = 1;

	if (d == NULL)
		return errno == ENOENT;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			empty = 0;
	closedir(d);
	return empty;
}

static json_t *role_json(const struct medfw_repo_role_init *r)
{
	json_t *keyids = json_array();

	for (size_t i = 0; keyids != NULL && i < r->key_count; i++)
		json_array_append_new(keyids, json_string(medfw_pubkey_keyid(r->keys[i])));
	return json_pack("{s:o, s:I}", "keyids", keyids, "threshold", (json_int_t)r->threshold);
}

static enum medfw_err write_settings(const char *dir, const struct medfw_repo_init_opts *o,
				     struct medfw_diag *diag)
{
	char path[PATH_MAX];
	json_t *exp = json_object(), *doc;
	char *text;
	enum medfw_err err;

	for (unsigned i = 0; exp != NULL && i < MEDFW_TUF_TOP_ROLES; i++)
		json_object_set_new(exp, medfw_tuf_role_name((enum medfw_tuf_role_type)i),
				    json_integer(o->roles[i].expires_seconds));
	doc = json_pack("{s:i, s:o, s:b}", "format", 1, "expires_seconds", exp,
			"consistent_snapshot", o->consistent_snapshot);
	if (doc == NULL)
		return MEDFW_ERR_NOMEM;
	text = json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(doc);
	if (text == NULL)
		return MEDFW_ERR_NOMEM;
	err = medfw_repo_path(dir, REPO_SETTINGS, path, sizeof(path));
	if (err == MEDFW_OK)
		err = medfw_file_write_new(path, text, strlen(text), 0644, diag);
	free(text);
	return err;
}

enum medfw_err medfw_repo_init(struct medfw_ctx *ctx, const char *dir,
			       const struct medfw_repo_init_opts *opts, struct medfw_diag *diag)
{
	json_t *keys = NULL, *roles = NULL, *root = NULL, *targets = NULL, *env = NULL;
	enum medfw_err err = MEDFW_OK;
	int64_t now = medfw_ctx_now(ctx);
	char path[PATH_MAX];

	for (unsigned i = 0; i < MEDFW_TUF_TOP_ROLES; i++) {
		const struct medfw_repo_role_init *r = &opts->roles[i];
		const char *name = medfw_tuf_role_name((enum medfw_tuf_role_type)i);

		if (r->key_count == 0 || r->key_count > MEDFW_REPO_MAX_KEYS_PER_ROLE)
			return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "%s: needs 1 to %d keys",
					      name, MEDFW_REPO_MAX_KEYS_PER_ROLE);
		if (r->threshold < 1 || (uint64_t)r->threshold > r->key_count)
			return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
					      "%s: threshold %lld must be between 1 and its %zu keys",
					      name, (long long)r->threshold, r->key_count);
		if (r->expires_seconds < 60)
			return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
					      "%s: expiry must be at least a minute", name);
		for (size_t k = 0; k < r->key_count; k++)
			for (size_t j = 0; j < k; j++)
				if (strcmp(medfw_pubkey_keyid(r->keys[j]),
					   medfw_pubkey_keyid(r->keys[k])) == 0)
					return medfw_diag_set(diag, MEDFW_ERR_DUPLICATE_KEYID,
							      "%s: key %s given twice", name,
							      medfw_pubkey_keyid(r->keys[k]));
	}
	if (!dir_is_empty_or_missing(dir))
		return medfw_diag_set(diag, MEDFW_ERR_EXISTS, "%s exists and is not empty", dir);

	keys = json_object();
	roles = json_object();
	if (keys == NULL || roles == NULL) {
		err = MEDFW_ERR_NOMEM;
		goto out;
	}
	for (unsigned i = 0; i < MEDFW_TUF_TOP_ROLES; i++) {
		const struct medfw_repo_role_init *r = &opts->roles[i];

		for (size_t k = 0; k < r->key_count; k++)
			json_object_set(keys, medfw_pubkey_keyid(r->keys[k]),
					(json_t *)(uintptr_t)medfw_pubkey_json(r->keys[k]));
		json_object_set_new(roles, medfw_tuf_role_name((enum medfw_tuf_role_type)i),
				    role_json(r));
	}
	root = json_pack("{s:s, s:s, s:i, s:b, s:O, s:O}", "_type", "root", "spec_version",
			 MEDFW_TUF_SPEC_VERSION, "version", 1, "consistent_snapshot",
			 opts->consistent_snapshot, "keys", keys, "roles", roles);
	targets = json_pack("{s:s, s:s, s:i, s:{}}", "_type", "targets", "spec_version",
			    MEDFW_TUF_SPEC_VERSION, "version", 1, "targets");
	if (root == NULL || targets == NULL) {
		err = MEDFW_ERR_NOMEM;
		goto out;
	}
	err = medfwi_repo_set_expiry(root, now, opts->roles[MEDFW_TUF_ROOT].expires_seconds);
	if (err == MEDFW_OK)
		err = medfwi_repo_set_expiry(targets, now,
					     opts->roles[MEDFW_TUF_TARGETS].expires_seconds);
	const char *subdirs[] = {"staged/images", "metadata", "targets"};
	for (size_t i = 0; err == MEDFW_OK && i < sizeof(subdirs) / sizeof(subdirs[0]); i++) {
		err = medfw_repo_path(dir, subdirs[i], path, sizeof(path));
		if (err == MEDFW_OK)
			err = medfw_mkdir_p(path, 0755, diag);
	}
	if (err == MEDFW_OK)
		err = write_settings(dir, opts, diag);
	if (err == MEDFW_OK) {
		env = medfw_tuf_envelope_new(root);
		err = env != NULL ? medfwi_repo_write_envelope(dir, "staged/root.json", env, diag)
				  : MEDFW_ERR_NOMEM;
		json_decref(env);
	}
	if (err == MEDFW_OK) {
		env = medfw_tuf_envelope_new(targets);
		err = env != NULL ? medfwi_repo_write_envelope(dir, "staged/targets.json", env, diag)
				  : MEDFW_ERR_NOMEM;
		json_decref(env);
	}
	if (err == MEDFW_OK)
		err = medfw_repo_audit(ctx, dir, "repo.init",
				       json_pack("{s:O, s:b}", "roles", roles, "consistent_snapshot",
						 opts->consistent_snapshot),
				       diag);
out:
	json_decref(keys);
	json_decref(roles);
	json_decref(root);
	json_decref(targets);
	return err;
}
