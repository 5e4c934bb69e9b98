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
 *                delegations are refused (FIELD_VALUE: not supported yet);
 *   targets      every target path is a safe relative path (FIELD_VALUE) and its file
 *                exists (NOT_FOUND) with the signed length and hashes
 *                (LENGTH_MISMATCH / HASH_MISMATCH), hashed in one streaming pass.
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

/* Whether NAME may be uploaded as a metadata file: "root.json", "timestamp.json",
 * "snapshot.json", "targets.json" or "<N>.root.json" (N 1..2^31). */
int medfw_repo_host_metadata_name_ok(const char *name);
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
	size_t target_count;
};

/* Verify staged_dir (+ served_dir, NULL at the first upload) and write the new served
 * tree into new_dir (which must not exist): metadata/ with every root version from
 * the pinned one, root.json, timestamp.json, snapshot.json, targets.json and the
 * versioned V.snapshot.json / V.targets.json; targets/ with every target (hard links
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
