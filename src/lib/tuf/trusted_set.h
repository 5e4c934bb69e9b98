/* Internal: the TUF client's trusted metadata set (no I/O).
 *
 * Loading order root -> timestamp -> snapshot -> targets -> delegated targets, with
 * python-tuf ngclient's TrustedMetadataSet rules:
 *   - intermediate metadata (an expired timestamp, an expired snapshot or one whose
 *     version differs from timestamp's) is still loaded into the set, and the update
 *     reports the error: it serves as rollback protection for a newer file but
 *     blocks loading the next role;
 *   - a role cannot be loaded before its predecessor is final, nor after its
 *     successor was loaded (MEDFW_ERR_STATE).
 * Every update takes the raw bytes, checks them and takes ownership of the parsed
 * metadata only when the checks that gate loading passed.
 */
#ifndef MEDFW_TUF_TRUSTED_SET_H
#define MEDFW_TUF_TRUSTED_SET_H

#include <stddef.h>
#include <stdint.h>

#include "medfw/error.h"
#include "medfw/tuf.h"

struct medfwi_tuf_delegated {
	char *name;
	struct medfw_tuf_meta *meta;
};

struct medfwi_tuf_trusted {
	int64_t reference_time;
	struct medfw_tuf_meta *root;
	struct medfw_tuf_meta *timestamp;
	struct medfw_tuf_meta *snapshot;
	struct medfw_tuf_meta *targets;
	struct medfwi_tuf_delegated *delegated;
	size_t delegated_count;
};

/* Parse root bytes and verify them with their own root role. The set is zeroed
 * first; free it with medfwi_tuf_trusted_free even on failure. */
enum medfw_err medfwi_tuf_trusted_init(struct medfwi_tuf_trusted *ts, const uint8_t *root,
				       size_t len, int64_t reference_time,
				       struct medfw_diag *diag) MEDFW_WARN_UNUSED;
void medfwi_tuf_trusted_free(struct medfwi_tuf_trusted *ts);

/* New root: signed by the trusted root's root role, version exactly N+1, signed by
 * its own root role. Expiry is not checked here (intermediate roots may be expired). */
enum medfw_err medfwi_tuf_trusted_update_root(struct medfwi_tuf_trusted *ts,
					      const uint8_t *data, size_t len,
					      struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* New timestamp. *out_equal is set (and MEDFW_OK returned, the set unchanged) when
 * its version equals the trusted one's: the caller keeps the old file. */
enum medfw_err medfwi_tuf_trusted_update_timestamp(struct medfwi_tuf_trusted *ts,
						   const uint8_t *data, size_t len,
						   int *out_equal,
						   struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* New snapshot. trusted: the bytes were verified before (the local copy), so the
 * length and hashes from timestamp are not checked. */
enum medfw_err medfwi_tuf_trusted_update_snapshot(struct medfwi_tuf_trusted *ts,
						  const uint8_t *data, size_t len, int trusted,
						  struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* New top-level ("targets" delegated by "root") or delegated targets metadata. */
enum medfw_err medfwi_tuf_trusted_update_targets(struct medfwi_tuf_trusted *ts,
						 const uint8_t *data, size_t len,
						 const char *role_name, const char *delegator_name,
						 struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* The loaded metadata of a role ("root", "timestamp", ..., or a delegated name). */
const struct medfw_tuf_meta *medfwi_tuf_trusted_get(const struct medfwi_tuf_trusted *ts,
						    const char *role_name);

#endif
