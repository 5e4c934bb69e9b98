/* Hosting the manufacturer's image repository on the fleet server (docs/director.md).
 *
 * An upload is staged file by file into a staging directory (metadata/NAME and
 * targets/PATH), then committed: medfw_repo_host_commit verifies the whole new set
 * against the pinned trusted root and the set served now, and only then writes the
 * new served tree. Files not in the staging directory are taken from the served tree
 * (an upload of a new release need not resend older images or roots).
 *
 * Checks (the first failure is returned, its message names the check):
 *   root chain   from the pinned root, N+1.root.json signed by the threshold of root N
 *                and of its own root keys (THRESHOLD), versions consecutive; a staged
 *                root.json must be the newest root (VERSION_MISMATCH); a staged root
 *                version that is served already must be byte-identical
 *                (VERSION_MISMATCH); the newest root not older than the served one
 *                (ROLLBACK) and not expired (EXPIRED);
 *   timestamp,   threshold of their role in the newest root (THRESHOLD), not expired
 *   snapshot,    (EXPIRED), snapshot and targets exactly the versions (and lengths and
 *   targets      hashes, when given) the referring role names (VERSION_MISMATCH,
 *                LENGTH/HASH_MISMATCH), not below what is served (ROLLBACK), an equal
 *                version only with identical bytes (VERSION_MISMATCH), every role the
 *                served snapshot lists still listed and not older (ROLLBACK);
 *   delegated    every other role the snapshot lists (ROLE.json, a name of
 *   targets      medfw_repo_host_role_name_ok, else FIELD_VALUE): its file staged or
 *                served (NOT_FOUND) with the version, length and hashes the snapshot
 *                names (VERSION_MISMATCH, LENGTH/HASH_MISMATCH), not expired (EXPIRED),
 *                not older than the served file (ROLLBACK; an equal version only with
 *                identical bytes: VERSION_MISMATCH); walking from targets, every
 *                delegation (roles or succinct hash bins) names a role the snapshot
 *                lists (NOT_FOUND), signed by the threshold of the delegating role's
 *                keys (THRESHOLD, checked for every delegating role); a listed role
 *                nobody delegates to is refused (NOT_FOUND) unless the served snapshot
 *                listed it already (a removed delegation: kept, serves no target);
 *                every target a delegated role lists is one that role is trusted for:
 *                a TUF client looking for that path reaches the role through matching
 *                delegations (paths globs or path_hash_prefixes, terminating, hash
 *                bins; FIELD_VALUE naming the target);
 *   targets      every target path (of targets and of each delegated role) is a safe
 *                relative path (FIELD_VALUE) and its file exists (NOT_FOUND) with the
 *                signed length and hashes (LENGTH_MISMATCH / HASH_MISMATCH), hashed in
 *                one streaming pass; a path listed by two roles must match both.
 */
#ifndef MEDFW_REPO_HOST_H
#define MEDFW_REPO_HOST_H

#include <stddef.h>
#include <stdint.h>

#include "medfw/ctx.h"
#include "medfw/error.h"
#include "medfw/tuf.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Most root versions walked in one commit. */
#define MEDFW_REPO_HOST_MAX_ROOTS 1024
/* Longest delegated role name; most roles in one snapshot (and hash bins); most roles
 * a client visits looking for one target (MEDFW_TUF_MAX_DELEGATIONS + targets). */
#define MEDFW_REPO_HOST_ROLE_NAME_MAX 200u
#define MEDFW_REPO_HOST_MAX_ROLES 16384u
#define MEDFW_REPO_HOST_MAX_VISITS 33u

/* Whether ROLE can be a hosted delegated targets role: 1..MEDFW_REPO_HOST_ROLE_NAME_MAX
 * bytes of letters, digits, '.', '_', '-', not starting with '.', not a top-level role
 * name, not "<digits>.<...>" (that would read as a versioned file name). */
int medfw_repo_host_role_name_ok(const char *role);
/* Whether NAME may be uploaded as a metadata file: "root.json", "timestamp.json",
 * "snapshot.json", "targets.json", "<N>.root.json" (N 1..2^31) or "<ROLE>.json" of a
 * delegated role (medfw_repo_host_role_name_ok). */
int medfw_repo_host_metadata_name_ok(const char *name);
/* Whether NAME is a served metadata file: an uploadable name, or "<N>.<NAME>" of
 * snapshot, targets or a delegated role (consistent snapshots). */
int medfw_repo_host_served_name_ok(const char *name);
/* The TUF size cap of an uploadable metadata file (delegated roles: the targets cap). */
size_t medfw_repo_host_metadata_max_len(const char *name);
/* Whether PATH is a safe target path: relative, '/'-separated segments none empty,
 * ".", ".." or starting with '.', no control characters or backslashes, at most 1024
 * bytes. */
int medfw_repo_host_target_path_ok(const char *path);

/* Check a root a server is asked to pin: a root document signed by its own root
 * threshold. *out_version (may be NULL) gets its version. */
enum medfw_err medfw_repo_host_check_root(const uint8_t *root, size_t len, int64_t *out_version,
					  struct medfw_diag *diag) MEDFW_WARN_UNUSED;

struct medfw_repo_host_result {
	int64_t root_version, timestamp_version, snapshot_version, targets_version;
	size_t target_count;         /* distinct target paths served */
	size_t delegated_role_count; /* delegated roles verified (reachable from targets) */
};

/* Verify staged_dir (+ served_dir, NULL at the first upload) and write the new served
 * tree into new_dir (which must not exist): metadata/ with every root version from
 * the pinned one, root.json, timestamp.json, snapshot.json, targets.json, every
 * delegated ROLE.json and the versioned V.snapshot.json / V.targets.json /
 * V.ROLE.json; targets/ with every target of every verified role (hard links
 * to the staged or served file) and, for a consistent-snapshot repository, the
 * HASH.NAME links. On failure new_dir may hold a partial tree: the caller removes it.
 * *out_targets (may be NULL) gets the verified targets metadata (freed by the caller
 * with medfw_tuf_meta_free). Time is medfw_ctx_now(ctx). */
enum medfw_err medfw_repo_host_commit(struct medfw_ctx *ctx, const uint8_t *trusted_root,
				      size_t trusted_root_len, const char *served_dir,
				      const char *staged_dir, const char *new_dir,
				      struct medfw_repo_host_result *out,
				      struct medfw_tuf_meta **out_targets,
				      struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* Remove a directory tree (no symlinks followed). Missing is fine. */
enum medfw_err medfw_repo_host_remove_tree(const char *dir, struct medfw_diag *diag);

#ifdef __cplusplus
}
#endif
#endif
