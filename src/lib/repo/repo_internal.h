/* Internal helpers shared by the repository module's files. */
#ifndef MEDFW_REPO_INTERNAL_H
#define MEDFW_REPO_INTERNAL_H

#include <limits.h>

#include "medfw/repo.h"

#define REPO_SETTINGS "medfw-repo.json"
#define REPO_SETTINGS_MAX 65536u

struct repo_settings {
	int64_t expires_seconds[MEDFW_TUF_TOP_ROLES];
	int consistent_snapshot;
};

enum medfw_err medfwi_repo_load_settings(const char *dir, struct repo_settings *out,
					 struct medfw_diag *diag);

/* Read and parse REPO/<rel> as `type`; *out NULL and MEDFW_OK when the file does not
 * exist and `optional`. */
enum medfw_err medfwi_repo_load_meta(const char *dir, const char *rel,
				     enum medfw_tuf_role_type type, int optional,
				     struct medfw_tuf_meta **out, struct medfw_diag *diag);

/* Serialize and atomically write an envelope to REPO/<rel>. */
enum medfw_err medfwi_repo_write_envelope(const char *dir, const char *rel, const json_t *env,
					  struct medfw_diag *diag);

/* A valid target name: relative, '/'-separated, no empty, "." or ".." segments,
 * only [A-Za-z0-9._+-] in segments, at most 255 bytes. */
int medfwi_repo_target_name_ok(const char *name);

/* The audit chain must be intact (and present) before any change to a repository:
 * a change that could not be recorded must not happen. */
enum medfw_err medfwi_repo_audit_check(const char *dir, struct medfw_diag *diag);

/* Set signed["expires"] to now + seconds. */
enum medfw_err medfwi_repo_set_expiry(json_t *signed_obj, int64_t now, int64_t seconds);

#endif
