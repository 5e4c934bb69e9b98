/* Repository helpers: paths, settings, reading and writing metadata. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "medfw/json.h"
#include "repo_internal.h"

enum medfw_err medfw_repo_path(const char *dir, const char *rel, char *out, size_t out_cap)
{
	int n = snprintf(out, out_cap, "%s/%s", dir, rel);

	if (n < 0 || (size_t)n >= out_cap)
		return MEDFW_ERR_TOO_LARGE;
	return MEDFW_OK;
}

enum medfw_err medfwi_repo_load_settings(const char *dir, struct repo_settings *out,
					 struct medfw_diag *diag)
{
	char path[PATH_MAX];
	struct medfw_buf b;
	json_t *doc = NULL, *exp;
	enum medfw_err err;

	memset(out, 0, sizeof(*out));
	if (medfw_repo_path(dir, REPO_SETTINGS, path, sizeof(path)) != MEDFW_OK)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "%s: path too long", dir);
	err = medfw_file_read(path, REPO_SETTINGS_MAX, &b, diag);
	if (err == MEDFW_ERR_NOT_FOUND)
		return medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND,
				      "%s is not a medfw repository (no %s)", dir, REPO_SETTINGS);
	if (err != MEDFW_OK)
		return err;
	err = medfw_json_parse(b.data, b.len, REPO_SETTINGS_MAX, 8, &doc, diag);
	medfw_buf_free(&b);
	if (err == MEDFW_OK)
		err = medfw_json_get_object(doc, REPO_SETTINGS, "expires_seconds", &exp, diag);
	for (unsigned i = 0; err == MEDFW_OK && i < MEDFW_TUF_TOP_ROLES; i++)
		err = medfw_json_get_int(exp, REPO_SETTINGS ": expires_seconds",
					 medfw_tuf_role_name((enum medfw_tuf_role_type)i), 60,
					 (int64_t)100 * 366 * 86400, &out->expires_seconds[i], diag);
	if (err == MEDFW_OK)
		err = medfw_json_get_bool(doc, REPO_SETTINGS, "consistent_snapshot",
					  &out->consistent_snapshot, diag);
	json_decref(doc);
	return err;
}

enum medfw_err medfwi_repo_load_meta(const char *dir, const char *rel,
				     enum medfw_tuf_role_type type, int optional,
				     struct medfw_tuf_meta **out, struct medfw_diag *diag)
{
	char path[PATH_MAX];
	struct medfw_buf b;
	enum medfw_err err;
	struct medfw_diag inner;

	*out = NULL;
	if (medfw_repo_path(dir, rel, path, sizeof(path)) != MEDFW_OK)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "%s: path too long", dir);
	medfw_diag_clear(&inner);
	err = medfw_file_read(path, medfw_tuf_role_max_len(type), &b, &inner);
	if (err == MEDFW_ERR_NOT_FOUND && optional)
		return MEDFW_OK;
	if (err != MEDFW_OK)
		return medfw_diag_set(diag, err, "%s", medfw_diag_message(&inner, err));
	err = medfw_tuf_meta_parse_unverified(b.data, b.len, medfw_tuf_role_max_len(type), type, out, &inner);
	medfw_buf_free(&b);
	if (err != MEDFW_OK)
		medfw_diag_set(diag, err, "%s: %s", path, medfw_diag_message(&inner, err));
	return err;
}

enum medfw_err medfwi_repo_write_envelope(const char *dir, const char *rel, const json_t *env,
					  struct medfw_diag *diag)
{
	char path[PATH_MAX];
	struct medfw_buf b;
	enum medfw_err err;

	if (medfw_repo_path(dir, rel, path, sizeof(path)) != MEDFW_OK)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "%s: path too long", dir);
	medfw_buf_init(&b, MEDFW_TUF_TARGETS_MAX_LEN);
	err = medfw_tuf_envelope_serialize(env, &b, diag);
	if (err == MEDFW_OK)
		err = medfw_file_write_atomic(path, b.data, b.len, 0644, diag);
	medfw_buf_free(&b);
	return err;
}

int medfwi_repo_target_name_ok(const char *name)
{
	size_t len = strlen(name), seg = 0;
	const char *seg_start = name;

	if (len == 0 || len > 255 || name[0] == '/' || name[len - 1] == '/')
		return 0;
	for (const char *p = name;; p++) {
		if (*p == '/' || *p == 0) {
			if (seg == 0 || (seg == 1 && seg_start[0] == '.') ||
			    (seg == 2 && seg_start[0] == '.' && seg_start[1] == '.'))
				return 0;
			if (*p == 0)
				return 1;
			seg = 0;
			seg_start = p + 1;
			continue;
		}
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-' || *p == '+'))
			return 0;
		seg++;
	}
}

enum medfw_err medfwi_repo_set_expiry(json_t *signed_obj, int64_t now, int64_t seconds)
{
	json_t *t = medfw_tuf_time_json(now + seconds);

	if (t == NULL || json_object_set_new(signed_obj, "expires", t) != 0)
		return MEDFW_ERR_FIELD_VALUE;
	return MEDFW_OK;
}
