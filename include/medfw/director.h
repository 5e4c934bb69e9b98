/* The director (Uptane's second repository): per-device TUF metadata, signed by the
 * fleet server with its online director key, naming exactly the image one device is
 * to install and when (docs/director.md).
 *
 * The director repository has the four TUF roles. Its root (made once, pinned by the
 * device at enrolment) lists one key, the online director key, for every role with
 * threshold 1. For each device the server signs, on request:
 *   - targets:   version = the device's director version + 1 (the store bumps the
 *                director version at every assignment change, so a device never sees
 *                two different documents with one version); zero or one target whose
 *                name, length and hashes are copied from the image repository's
 *                signed targets, with custom
 *                  {"device_id": N, "hardware_id": "...",
 *                   "install_window": {"start": "RFC 3339", "end": "RFC 3339"}};
 *   - snapshot:  the same version, "meta": {"targets.json": {"version": V}};
 *   - timestamp: version = the current hour since the epoch (strictly increasing, so
 *                a refreshed expiry is always a newer timestamp), "meta":
 *                {"snapshot.json": {"version", "length", "hashes"}}.
 * All three expire MEDFW_DIRECTOR_EXPIRES_SECONDS after the end of the current hour,
 * so the documents are byte-identical for one device state within an hour (Ed25519
 * signatures are deterministic) and a stolen online key cannot keep a device on old
 * metadata for longer than that.
 *
 * The device side (medfw_director_verify) checks director metadata against the
 * pinned director root and the image repository's verified targets: the image is
 * installed only if both agree on name, length and hashes, the director names this
 * device and its hardware, the release notice lists the hardware, nothing rolled
 * back and nothing expired.
 */
#ifndef MEDFW_DIRECTOR_H
#define MEDFW_DIRECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "medfw/buf.h"
#include "medfw/crypto.h"
#include "medfw/ctx.h"
#include "medfw/error.h"
#include "medfw/tuf.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Lifetime of per-device metadata past the end of the current hour. */
#define MEDFW_DIRECTOR_EXPIRES_SECONDS 86400
/* The timestamp version period. */
#define MEDFW_DIRECTOR_TIMESTAMP_PERIOD 3600
/* Lifetime of a director root made by medfw_director_root_build. */
#define MEDFW_DIRECTOR_ROOT_LIFETIME (10 * 365 * 86400)
/* Largest hardware id (as the release notice's). */
#define MEDFW_DIRECTOR_HWID_MAX 128
#define MEDFW_DIRECTOR_TARGET_NAME_MAX 255

/* What the server tells one device. target_name NULL: nothing to install (an empty,
 * still signed, targets document). */
struct medfw_director_assignment {
	int64_t device_id;       /* > 0 */
	const char *hardware_id; /* 1..MEDFW_DIRECTOR_HWID_MAX bytes */
	int64_t version;         /* the device's director version in the store (>= 0) */
	const char *target_name;
	int64_t target_length;
	const json_t *target_hashes; /* non-empty object alg -> hex */
	int64_t window_start;        /* install window, seconds since the epoch */
	int64_t window_end;          /* > window_start */
};

/* The serialized metadata documents of one device (each the bytes served as
 * <role>.json). Free with medfw_director_metadata_free (NULL-safe, wipes nothing
 * secret: the documents are public). */
struct medfw_director_metadata {
	struct medfw_buf targets;
	struct medfw_buf snapshot;
	struct medfw_buf timestamp;
	int64_t targets_version;
	int64_t timestamp_version;
	int64_t expires;
};
void medfw_director_metadata_free(struct medfw_director_metadata *m);

/* The director root: version 1, the key for root/targets/snapshot/timestamp with
 * threshold 1, consistent_snapshot false, expiring `now` + MEDFW_DIRECTOR_ROOT_LIFETIME,
 * signed with `key`. Appends the serialized document to `out` (the caller's buffer,
 * freed by the caller; left at its length on failure). */
enum medfw_err medfw_director_root_build(const struct medfw_privkey *key, int64_t now,
					 struct medfw_buf *out,
					 struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* Most new roots one medfw_director_root_update follows. */
#define MEDFW_DIRECTOR_MAX_ROOT_ROTATIONS 256

/* Key rotation (the server side): root version N+1 naming `new_key` for every role
 * (threshold 1, expiring `now` + MEDFW_DIRECTOR_ROOT_LIFETIME), signed by `old_key`
 * (which must be a root key of `old_root`, root N) and by `new_key`. Before it is
 * appended to `out` (the caller's buffer; left at its length on failure) the new
 * root is checked as a device checks it (medfw_director_root_update). Errors:
 * INVALID_ARG (old key not in root N, same key), the parse/verify errors of root N,
 * CRYPTO, NOMEM. */
enum medfw_err medfw_director_root_rotate(const uint8_t *old_root, size_t old_root_len,
					  const struct medfw_privkey *old_key,
					  const struct medfw_privkey *new_key, int64_t now,
					  struct medfw_buf *out,
					  struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* One root file of the chain (N+1.root.json, N+2.root.json, ...). */
struct medfw_director_root_file {
	const uint8_t *data;
	size_t len;
};

/* The device side of key rotation, as a TUF client updates its root: `pinned` (root
 * N) must verify with its own root role (THRESHOLD); then chain[0] must be root N+1,
 * chain[1] N+2, ...: each signed by the threshold of the previous root's root role
 * and of its own (THRESHOLD), version exactly one more (ROLLBACK for an older or
 * equal version, VERSION_MISMATCH for a skipped one); the last root must not have
 * expired (EXPIRED; intermediate roots may have). At most
 * MEDFW_DIRECTOR_MAX_ROOT_ROTATIONS new roots (TOO_LARGE). On success the bytes of
 * the newest root (the pinned one when chain_count is 0) are appended to `out_root`
 * for the device to pin instead, and *out_version (may be NULL) gets its version; on
 * failure `out_root` is left at its length and *out_version is 0. Time is
 * medfw_ctx_now(ctx). */
enum medfw_err medfw_director_root_update(struct medfw_ctx *ctx, const uint8_t *pinned,
					  size_t pinned_len,
					  const struct medfw_director_root_file *chain,
					  size_t chain_count, struct medfw_buf *out_root,
					  int64_t *out_version,
					  struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* Build and sign targets, snapshot and timestamp for one device at time `now`.
 * `out` is initialised here; on failure it is emptied. Errors: INVALID_ARG /
 * FIELD_VALUE for a bad assignment, CRYPTO, NOMEM. */
enum medfw_err medfw_director_metadata_build(const struct medfw_privkey *key,
					     const struct medfw_director_assignment *assignment,
					     int64_t now, struct medfw_director_metadata *out,
					     struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* What a device remembers from its last accepted director metadata (0s at first). */
struct medfw_director_trusted {
	int64_t timestamp_version;
	int64_t snapshot_version;
	int64_t targets_version;
};

/* The verified instruction. */
struct medfw_director_instruction {
	int has_target; /* 0: the director names nothing to install */
	char target_name[MEDFW_DIRECTOR_TARGET_NAME_MAX + 1];
	int64_t target_length;
	int64_t window_start, window_end;
	int in_window; /* window_start <= now (and, verified, now < window_end) */
	struct medfw_director_trusted versions; /* store these after acting on it */
};

/* The device side. Checks, in this order, and fails closed (on failure *out is
 * zeroed):
 *   root:      the pinned director root verifies with its own root role
 *              (THRESHOLD) and is not expired (EXPIRED);
 *   timestamp: threshold of the root's timestamp role (THRESHOLD), version not below
 *              prev (ROLLBACK), not expired (EXPIRED);
 *   snapshot:  length and hashes named by the timestamp (LENGTH/HASH_MISMATCH),
 *              threshold, version equal to the timestamp's (VERSION_MISMATCH), not
 *              below prev (ROLLBACK), not expired;
 *   targets:   the same against the snapshot; at most one target (FIELD_VALUE);
 *   the target: custom.device_id is `device_id` (FIELD_VALUE), custom.hardware_id is
 *              `hardware_id` (HARDWARE), the install window is well formed
 *              (FIELD_*) and has not ended (EXPIRED);
 *   the image: `image_targets` (the image repository's targets, verified by the
 *              caller's TUF client) has a target of that name (NOT_FOUND) with the
 *              same length (LENGTH_MISMATCH) and, for every hash the director names,
 *              the same digest, sha256 included (HASH_MISMATCH); its release notice
 *              (NOTICE) lists `hardware_id` (HARDWARE).
 * `prev` may be NULL (nothing accepted before). Time is medfw_ctx_now(ctx). */
enum medfw_err medfw_director_verify(struct medfw_ctx *ctx, const uint8_t *director_root,
				     size_t director_root_len, const uint8_t *timestamp,
				     size_t timestamp_len, const uint8_t *snapshot,
				     size_t snapshot_len, const uint8_t *targets, size_t targets_len,
				     const struct medfw_director_trusted *prev,
				     const struct medfw_tuf_meta *image_targets, int64_t device_id,
				     const char *hardware_id,
				     struct medfw_director_instruction *out,
				     struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* The image repository's signed description of `target_path`, as the device's TUF
 * client finds it (delegations included): *out borrowed, valid until the verification
 * returns; MEDFW_ERR_NOT_FOUND when no trusted role lists it, any other error (a
 * delegated role that does not verify, a fetch failure) is passed on. */
typedef enum medfw_err (*medfw_director_image_lookup_fn)(void *user, const char *target_path,
							 const struct medfw_tuf_target **out,
							 struct medfw_diag *diag);

/* medfw_director_verify with the image repository's target found through `lookup`
 * instead of in one top-level targets document: the same checks, in the same order. */
/* Whether a verification error can come from fetching the director's documents across
 * one of its re-signings (each hour, or a new instruction between two requests): a
 * snapshot or targets whose hash, length or version is not the one the timestamp or
 * snapshot just fetched names. Clients fetch the three again, once, before refusing. */
bool medfw_director_inconsistent(enum medfw_err err);

enum medfw_err medfw_director_verify_lookup(struct medfw_ctx *ctx, const uint8_t *director_root,
					    size_t director_root_len, const uint8_t *timestamp,
					    size_t timestamp_len, const uint8_t *snapshot,
					    size_t snapshot_len, const uint8_t *targets,
					    size_t targets_len,
					    const struct medfw_director_trusted *prev,
					    medfw_director_image_lookup_fn lookup, void *lookup_user,
					    int64_t device_id, const char *hardware_id,
					    struct medfw_director_instruction *out,
					    struct medfw_diag *diag) MEDFW_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif
