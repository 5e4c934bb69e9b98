/* The manufacturer's TUF image repository on disk.
 *
 * Layout of a repository directory REPO:
 *   REPO/medfw-repo.json       settings: expiry per role, consistent snapshots
 *   REPO/staged/root.json      a new root version waiting for signatures (optional)
 *   REPO/staged/targets.json   a new targets version waiting for signatures (optional)
 *   REPO/staged/images/        images added by `release add`, not yet published
 *   REPO/metadata/             what clients fetch: N.root.json for every version,
 *                              root.json, N.targets.json, targets.json,
 *                              N.snapshot.json, snapshot.json, timestamp.json
 *   REPO/targets/              published images, as NAME and as DIR/SHA256.BASENAME
 *
 * Root and targets are signed offline, one signer at a time (medfw_repo_sign_file on
 * the staged file, which can be carried between machines); snapshot and timestamp
 * are signed at publish time. Publishing refuses anything below threshold.
 */
#ifndef MEDFW_REPO_H
#define MEDFW_REPO_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "medfw/crypto.h"
#include "medfw/ctx.h"
#include "medfw/error.h"
#include "medfw/tuf.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MEDFW_REPO_MAX_KEYS_PER_ROLE 32
#define MEDFW_IMAGE_MAX_LEN ((int64_t)64 * 1024 * 1024 * 1024) /* 64 GiB */

struct medfw_repo_role_init {
	const struct medfw_pubkey *keys[MEDFW_REPO_MAX_KEYS_PER_ROLE];
	size_t key_count;
	int64_t threshold;
	int64_t expires_seconds; /* lifetime of each new version of this role */
};

struct medfw_repo_init_opts {
	struct medfw_repo_role_init roles[MEDFW_TUF_TOP_ROLES]; /* by medfw_tuf_role_type */
	int consistent_snapshot;
};

/* Create a new repository in `dir` (must not exist or be empty): settings, an
 * unsigned staged root version 1 and an empty staged targets version 1. */
enum medfw_err medfw_repo_init(struct medfw_ctx *ctx, const char *dir,
			       const struct medfw_repo_init_opts *opts, struct medfw_diag *diag)
	MEDFW_WARN_UNUSED;

/* Add a firmware image as target `target_name` with its release notice (validated)
 * to the staged targets (created from the published one when absent; version
 * bumped, signatures reset). The image is hashed while being copied into
 * staged/images. Refuses a name already published with different content. */
enum medfw_err medfw_repo_add_release(struct medfw_ctx *ctx, const char *dir,
				      const char *image_path, const char *target_name,
				      const json_t *release_notice, struct medfw_diag *diag)
	MEDFW_WARN_UNUSED;

/* Add a plain (non-firmware) target, e.g. an SBOM, to the staged targets. */
enum medfw_err medfw_repo_add_file(struct medfw_ctx *ctx, const char *dir, const char *path,
				   const char *target_name, struct medfw_diag *diag)
	MEDFW_WARN_UNUSED;

/* Stage root version N+1 from the current root (published or staged) with changes
 * applied by the caller on the signed object (json, see medfw_repo_root_* below).
 * Signatures reset. */
enum medfw_err medfw_repo_stage_root(struct medfw_ctx *ctx, const char *dir, json_t **out_signed,
				     struct medfw_diag *diag) MEDFW_WARN_UNUSED;
enum medfw_err medfw_repo_save_staged_root(struct medfw_ctx *ctx, const char *dir,
					   json_t *signed_obj, struct medfw_diag *diag)
	MEDFW_WARN_UNUSED;

/* Edit a root "signed" object: add a key to a role, remove a key id from a role, set
 * a threshold. Keys no role uses any more are dropped from "keys". */
enum medfw_err medfw_repo_root_add_key(json_t *root_signed, enum medfw_tuf_role_type role,
				       const struct medfw_pubkey *key, struct medfw_diag *diag)
	MEDFW_WARN_UNUSED;
enum medfw_err medfw_repo_root_remove_key(json_t *root_signed, enum medfw_tuf_role_type role,
					  const char *keyid, struct medfw_diag *diag)
	MEDFW_WARN_UNUSED;
enum medfw_err medfw_repo_root_set_threshold(json_t *root_signed, enum medfw_tuf_role_type role,
					     int64_t threshold, struct medfw_diag *diag)
	MEDFW_WARN_UNUSED;

/* A human summary of what a metadata file asks its signers to approve (role,
 * version, expiry, keys and thresholds or targets with their release notices).
 * Appends to out. */
enum medfw_err medfw_repo_describe(const struct medfw_tuf_meta *meta, struct medfw_buf *out,
				   struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* Add key's signature to the metadata file at `path` (a staged root or targets file,
 * possibly carried to another machine). The key must be one that counts: for a
 * targets file, a key of the targets role of the root at `root_path`; for a root
 * file, a key of its own root role or of the previous root at `root_path` (may be
 * NULL for a first root). Written atomically. */
enum medfw_err medfw_repo_sign_file(struct medfw_ctx *ctx, const char *path,
				    const char *root_path, const struct medfw_privkey *key,
				    struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* Publish: verify staged root (threshold of the previous root and of itself) and
 * staged targets (threshold of root's targets role), write them into metadata/,
 * move staged images into targets/, make and sign new snapshot and timestamp
 * versions. With nothing staged, re-signs snapshot and timestamp with fresh expiry.
 * Nothing is written when any check fails. */
enum medfw_err medfw_repo_publish(struct medfw_ctx *ctx, const char *dir,
				  const struct medfw_privkey *snapshot_key,
				  const struct medfw_privkey *timestamp_key,
				  struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* State of the repository as JSON (caller frees): staged files with signatures
 * against thresholds, published versions and their expiry, targets. */
enum medfw_err medfw_repo_status(struct medfw_ctx *ctx, const char *dir, json_t **out,
				 struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* The repository's audit trail, REPO/audit.log: one JSON object per line with
 * "time", "event", "uid", "user", the event's details and "prev", the SHA-256 (hex)
 * of the previous line (64 zeros for the first), so editing, inserting or removing a
 * line breaks the chain. Records never hold secret material. Every state change of
 * the repository appends one (init, release add, sign, rotate-root, publish, and
 * refused publishes). `details` is a JSON object whose reference is taken. */
#define MEDFW_REPO_AUDIT_MAX (64u * 1024u * 1024u)
enum medfw_err medfw_repo_audit(struct medfw_ctx *ctx, const char *dir, const char *event,
				json_t *details, struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* Check the whole chain. *out_records is the number of records; a broken chain is
 * MEDFW_ERR_HASH_MISMATCH naming the first bad line. */
enum medfw_err medfw_repo_audit_verify(const char *dir, size_t *out_records,
				       struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* Sign the repository's staged root or targets (medfw_repo_sign_file with the right
 * root) and record it in the audit trail. */
enum medfw_err medfw_repo_sign_staged(struct medfw_ctx *ctx, const char *dir,
				      enum medfw_tuf_role_type role,
				      const struct medfw_privkey *key, struct medfw_diag *diag)
	MEDFW_WARN_UNUSED;

/* Paths inside a repository (out_cap >= PATH_MAX recommended). */
enum medfw_err medfw_repo_path(const char *dir, const char *rel, char *out, size_t out_cap);

#ifdef __cplusplus
}
#endif
#endif
