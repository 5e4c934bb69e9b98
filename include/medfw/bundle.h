/* Offline firmware bundles: one file holding a TUF metadata chain and one image, for
 * USB-stick and service-laptop installs, and their offline verification.
 *
 * The byte layout is documented in docs/formats/bundle.md:
 *   magic "MEDFWBN\x01" | u32 BE header length | header (strict JSON) |
 *   metadata files exactly as published | image bytes (raw or zstd)
 *
 * The header is NOT trusted. It only says where the files are; everything that
 * matters for security (which image, its length and hashes, its release notice) is
 * decided by the signed metadata, checked from a root the caller already trusts,
 * following the TUF client workflow (root chain, timestamp, snapshot, targets,
 * delegations, expiry against medfw_ctx_now). The image is streamed through the
 * signed length and hashes in constant memory; it is never held or mapped whole.
 */
#ifndef MEDFW_BUNDLE_H
#define MEDFW_BUNDLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "medfw/crypto.h"
#include "medfw/ctx.h"
#include "medfw/error.h"
#include "medfw/notice.h"
#include "medfw/repo.h"
#include "medfw/tuf.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MEDFW_BUNDLE_MAGIC "MEDFWBN\x01"
#define MEDFW_BUNDLE_MAGIC_LEN 8u
#define MEDFW_BUNDLE_PREFIX_LEN 12u                     /* magic + u32 header length */
#define MEDFW_BUNDLE_HEADER_MAX 65536u                  /* header bytes */
#define MEDFW_BUNDLE_HEADER_DEPTH 4u                    /* header JSON nesting */
#define MEDFW_BUNDLE_FORMAT_VERSION 1
#define MEDFW_BUNDLE_MAX_ROOTS 256u                     /* root versions in one bundle */
#define MEDFW_BUNDLE_MAX_DELEGATED 32u                  /* delegated targets files */
#define MEDFW_BUNDLE_METADATA_MAX (32u * 1024u * 1024u) /* all metadata files together */
#define MEDFW_BUNDLE_TARGET_NAME_MAX 1024u              /* bytes of the target name */
#define MEDFW_BUNDLE_CHUNK (1024u * 1024u)              /* image read size */

/* Called once the metadata chain verified and the notice passed hardware_id and
 * min_security_version, before any image byte is read: the caller's own checks of the
 * signed release (a device's agent version, UDI-DI, ...). A non-OK return stops the
 * verification with that error. `info` is valid during the call only. */
struct medfw_bundle_release_info {
	const char *target_name;
	const struct medfw_release_notice *notice;
	int64_t image_length;  /* signed length (decompressed) */
	const json_t *hashes;  /* signed hashes of the (decompressed) image */
	bool compressed;
};
typedef enum medfw_err (*medfw_bundle_check_fn)(void *user,
						const struct medfw_bundle_release_info *info,
						struct medfw_diag *diag);
/* Receives every image byte (decompressed), in order, as it is hashed. The bytes are
 * NOT verified until medfw_bundle_verify returns MEDFW_OK: the receiver must keep them
 * where nothing uses them (the device agent writes them to an unbootable slot). A
 * non-OK return stops the verification with that error. */
typedef enum medfw_err (*medfw_bundle_sink_fn)(void *user, const void *data, size_t len,
					       struct medfw_diag *diag);

/* What a hospital requires of a bundle besides the manufacturer's signatures. */
struct medfw_bundle_policy {
	const char *hardware_id;       /* NULL: any hardware (MEDFW_ERR_HARDWARE otherwise) */
	uint64_t min_security_version; /* MEDFW_ERR_SECURITY_VERSION below it */
	const char *extract_path;      /* NULL: do not extract; else the verified image (decompressed)
					* is written here, atomically, only after every check passed */
	medfw_bundle_check_fn check;   /* NULL: none */
	void *check_user;
	medfw_bundle_sink_fn sink;     /* NULL: none (may be used with extract_path) */
	void *sink_user;
};

/* Signatures found valid for a role against its threshold. */
struct medfw_bundle_role_sigs {
	char role[128]; /* "root", ..., or a delegated role name (truncated) */
	int64_t version;
	int64_t expires;
	size_t valid;
	int64_t threshold;
};

#define MEDFW_BUNDLE_RESULT_ROLES (4u + MEDFW_BUNDLE_MAX_DELEGATED)

/* What was verified. Filled only on MEDFW_OK; cleared (zeroed, notice NULL) on
 * failure. Release with medfw_bundle_result_clear. */
struct medfw_bundle_result {
	struct medfw_release_notice *release_notice; /* owned */
	char target_name[MEDFW_BUNDLE_TARGET_NAME_MAX + 1];
	uint64_t image_length;                        /* signed length (decompressed) */
	char image_sha256_hex[2 * MEDFW_SHA256_LEN + 1]; /* signed sha256 ("" if none signed) */
	bool compressed;                              /* stored as zstd in the bundle */
	uint64_t stored_length;                       /* image bytes in the bundle */
	int64_t trusted_root_version;                 /* the root the caller trusted */
	struct medfw_bundle_role_sigs roles[MEDFW_BUNDLE_RESULT_ROLES]; /* root, timestamp,
									* snapshot, targets, delegations
									* in walk order */
	size_t role_count;
};

/* Free what a result owns and zero it; NULL is a no-op. */
void medfw_bundle_result_clear(struct medfw_bundle_result *result);

/* Write a bundle of target `target_name` from the repository `repo_dir`: every
 * metadata/N.root.json from 1, timestamp.json, the snapshot and targets versions it
 * names (and delegated targets on the path to the target), and the image from
 * targets/, zstd-compressed when `compress`. The repository's metadata is verified
 * first (from its own first root, with the context's clock) and the written bundle
 * is verified again before it is renamed into `out_path` (atomic; an existing
 * out_path is replaced). Nothing is left behind on failure. */
enum medfw_err medfw_bundle_create(struct medfw_ctx *ctx, const char *repo_dir,
				   const char *target_name, bool compress, const char *out_path,
				   struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* Verify the bundle at `bundle_path` offline from `trusted_root` (the bytes of a root
 * metadata file the caller trusts, e.g. the one shipped with the device) and
 * `policy` (NULL: no hardware, security-version or extract requirement).
 * MEDFW_OK only when every check passed; then `out` describes what was verified.
 * On failure `out` is cleared and policy->extract_path was not created. Errors name
 * the failed check: BUNDLE_FORMAT, TRUNCATED, TOO_LARGE (layout); JSON_SYNTAX,
 * FIELD_*, ROLE_TYPE... (a metadata file); THRESHOLD; VERSION_MISMATCH; EXPIRED;
 * LENGTH_MISMATCH / HASH_MISMATCH (snapshot, targets, image); NOT_FOUND (target or a
 * delegated role); NOTICE; HARDWARE; SECURITY_VERSION; COMPRESSION; IO. */
enum medfw_err medfw_bundle_verify(struct medfw_ctx *ctx, const char *bundle_path,
				   const uint8_t *trusted_root, size_t trusted_root_len,
				   const struct medfw_bundle_policy *policy,
				   struct medfw_bundle_result *out, struct medfw_diag *diag)
	MEDFW_WARN_UNUSED;

/* An UNVERIFIED description of a bundle (layout, then each metadata file's role,
 * version, expiry, signature key ids and targets) or of a single metadata file, as a
 * new JSON object the caller frees with json_decref. Nothing in it is verified:
 * anyone can write a file that describes itself as anything. *out NULL on failure. */
enum medfw_err medfw_bundle_inspect_unverified(struct medfw_ctx *ctx, const char *path,
					       json_t **out, struct medfw_diag *diag)
	MEDFW_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif
