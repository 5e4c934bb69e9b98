/* The TUF client workflow (specification 1.0.x, "detailed client workflow"),
 * behaving like python-tuf's ngclient Updater, which the tuf-conformance suite was
 * written against.
 *
 * The client keeps a trusted set: the trusted root (from <metadata_dir>/root.json,
 * verified by itself), then timestamp, snapshot, top-level targets and delegated
 * targets loaded in that order. Each file in metadata_dir is named after its role
 * (percent-encoded like urllib.parse.quote(name, safe='')) + ".json" and holds the
 * exact bytes received, written atomically and only after they were verified. Local
 * timestamp / snapshot / targets files are loaded first and checked against the
 * current root: invalid ones are ignored (fast-forward recovery after key rotation),
 * expired ones still serve as rollback protection for the new ones.
 *
 * The expiry reference time is read once from the context clock when the client is
 * created (expired means now >= expires).
 *
 * Every failure returns the specific medfw_err (ROLLBACK, EXPIRED, VERSION_MISMATCH,
 * THRESHOLD, LENGTH_MISMATCH, HASH_MISMATCH, TOO_LARGE, FETCH, ...) and a diag message
 * naming the role, the file and the reason.
 */
#ifndef MEDFW_TUF_CLIENT_H
#define MEDFW_TUF_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "medfw/ctx.h"
#include "medfw/error.h"
#include "medfw/fetch.h"
#include "medfw/tuf.h"

#ifdef __cplusplus
extern "C" {
#endif

/* As python-tuf's UpdaterConfig defaults. */
#define MEDFW_TUF_MAX_ROOT_ROTATIONS 256
#define MEDFW_TUF_MAX_DELEGATIONS 32
/* Longest role name / target path the client handles. */
#define MEDFW_TUF_NAME_MAX 1024
#define MEDFW_TUF_PATH_MAX 4096

struct medfw_tuf_client;

/* Load and verify the trusted root <metadata_dir>/root.json (signed by a threshold
 * of its own root keys; expiry is checked later, during refresh). No network access.
 * ctx and fetcher are borrowed and must outlive the client. target_base_url may be
 * NULL when nothing will be downloaded. Freed by medfw_tuf_client_free. */
enum medfw_err medfw_tuf_client_new(struct medfw_ctx *ctx, const struct medfw_fetcher *fetcher,
				    const char *metadata_dir, const char *metadata_base_url,
				    const char *target_base_url, struct medfw_tuf_client **out,
				    struct medfw_diag *diag) MEDFW_WARN_UNUSED;
void medfw_tuf_client_free(struct medfw_tuf_client *client);

/* Update root (N+1, N+2, ... until 404/403), timestamp, snapshot and top-level
 * targets. Can be done once per client. */
enum medfw_err medfw_tuf_client_refresh(struct medfw_tuf_client *client,
					struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* The signed description of target_path, searched in preorder depth-first order
 * through the delegation graph (at most MEDFW_TUF_MAX_DELEGATIONS roles visited;
 * terminating delegations stop backtracking), loading delegated targets metadata as
 * needed. Refreshes first when refresh was not called. *out is borrowed from the
 * client (valid until it is freed); NULL with MEDFW_ERR_NOT_FOUND when no role
 * responsible for the path lists it. */
enum medfw_err medfw_tuf_client_get_target_info(struct medfw_tuf_client *client,
						const char *target_path,
						const struct medfw_tuf_target **out,
						struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* The local file name of a target in target_dir: target_dir "/" quote(path, safe='').
 * MEDFW_ERR_TOO_LARGE when it does not fit in out_cap. */
enum medfw_err medfw_tuf_client_target_file_path(const char *target_dir,
						 const struct medfw_tuf_target *info,
						 char *out_path, size_t out_cap) MEDFW_WARN_UNUSED;

/* MEDFW_OK (and the path) when target_dir already holds the target with the signed
 * length and hashes; MEDFW_ERR_NOT_FOUND otherwise. */
enum medfw_err medfw_tuf_client_find_cached_target(const struct medfw_tuf_client *client,
						   const struct medfw_tuf_target *info,
						   const char *target_dir, char *out_path,
						   size_t out_cap, struct medfw_diag *diag)
	MEDFW_WARN_UNUSED;

/* Download the target into a hidden temporary file in target_dir, checking length
 * and hashes while streaming, and rename it to its final name only when every check
 * passed: target_dir never holds unverified data under a target's name. The URL is
 * target_base_url + path, with "HASH." prefixed to the last path segment when the
 * root uses consistent snapshots. out_path receives the final path. */
enum medfw_err medfw_tuf_client_download_target(struct medfw_tuf_client *client,
						const struct medfw_tuf_target *info,
						const char *target_dir, char *out_path,
						size_t out_cap, struct medfw_diag *diag)
	MEDFW_WARN_UNUSED;

/* The URL medfw_tuf_client_download_target fetches a target from (consistent
 * snapshots: "HASH." before the last path segment), for callers that stream the
 * target elsewhere and check it themselves with medfw_tuf_hash_check. */
enum medfw_err medfw_tuf_client_target_url(const struct medfw_tuf_client *client,
					   const struct medfw_tuf_target *info, char *out,
					   size_t out_cap, struct medfw_diag *diag)
	MEDFW_WARN_UNUSED;

/* Trusted metadata of a role after refresh (borrowed), NULL when not loaded. */
const struct medfw_tuf_meta *medfw_tuf_client_trusted(const struct medfw_tuf_client *client,
						      const char *role_name);

/* urllib.parse.quote(s, safe=''): every byte except A-Z a-z 0-9 "_.-~" becomes %XX. */
enum medfw_err medfw_tuf_quote(const char *s, char *out, size_t out_cap) MEDFW_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif
