/* Internal pieces of the bundle module shared by its files. */
#ifndef MEDFW_BUNDLE_INTERNAL_H
#define MEDFW_BUNDLE_INTERNAL_H

#include "medfw/buf.h"
#include "medfw/bundle.h"

/* The metadata files of a bundle (or of a repository about to be bundled), as bytes. */
struct bundle_delegated_file {
	char *name;
	struct medfw_buf data;
	int used;
};

struct bundle_files {
	struct medfw_buf roots[MEDFW_BUNDLE_MAX_ROOTS];
	size_t root_count;
	struct medfw_buf timestamp, snapshot, targets;
	struct bundle_delegated_file delegated[MEDFW_BUNDLE_MAX_DELEGATED];
	size_t delegated_count;
};

void medfwi_bundle_files_init(struct bundle_files *f);
void medfwi_bundle_files_free(struct bundle_files *f);

/* The parsed header: what the (untrusted) header says about the layout. */
enum bundle_encoding { BUNDLE_RAW = 0, BUNDLE_ZSTD = 1 };

struct bundle_header {
	json_t *doc;               /* owned */
	const char *target;        /* borrowed from doc */
	enum bundle_encoding encoding;
	uint64_t stored_length;
	size_t entry_count;
	struct {
		const char *name;  /* "root", "timestamp", "snapshot", "targets" or delegated */
		size_t length;
	} entries[MEDFW_BUNDLE_MAX_ROOTS + 3 + MEDFW_BUNDLE_MAX_DELEGATED];
	uint64_t metadata_length;  /* sum of entries' lengths */
};

/* Parse and strictly validate header bytes. Any problem is MEDFW_ERR_BUNDLE_FORMAT. */
enum medfw_err medfwi_bundle_header_parse(const uint8_t *data, size_t len,
					  struct bundle_header *out, struct medfw_diag *diag);
void medfwi_bundle_header_free(struct bundle_header *h);

/* Serialize a header for `files` (canonical JSON) into out. */
enum medfw_err medfwi_bundle_header_build(const struct bundle_files *files, const char *target,
					  enum bundle_encoding enc, uint64_t stored_length,
					  struct medfw_buf *out, struct medfw_diag *diag);

/* Reads the prefix, header and every metadata file from fd (positioned at 0), checks
 * the layout against the file size (st_size). On success the fd is positioned at the
 * first image byte. */
enum medfw_err medfwi_bundle_read_layout(int fd, uint64_t file_size, struct bundle_header *hdr,
					 struct bundle_files *files, struct medfw_diag *diag);

/* Supplies a delegated targets file by role name (borrowed bytes); NOT_FOUND if none. */
typedef enum medfw_err (*bundle_fetch_fn)(void *user, const char *role, int64_t version,
					  const struct medfw_buf **out, struct medfw_diag *diag);

/* The verified metadata chain. */
struct bundle_chain {
	struct medfw_tuf_meta *root, *timestamp, *snapshot, *targets;
	struct medfw_tuf_meta *delegated[MEDFW_BUNDLE_MAX_DELEGATED];
	size_t delegated_count;
	char *delegated_names[MEDFW_BUNDLE_MAX_DELEGATED];
	const struct medfw_tuf_target *target; /* borrowed from one of the metas above */
	int64_t trusted_root_version;
	struct medfw_bundle_role_sigs roles[MEDFW_BUNDLE_RESULT_ROLES];
	size_t role_count;
};

void medfwi_bundle_chain_free(struct bundle_chain *c);

/* The offline TUF client workflow over in-memory files: trusted root -> root chain ->
 * timestamp -> snapshot -> targets -> delegations to `target_name`, with expiry
 * against medfw_ctx_now(ctx). On failure `out` is freed and zeroed. */
enum medfw_err medfwi_bundle_verify_meta(struct medfw_ctx *ctx, const uint8_t *trusted_root,
					 size_t trusted_root_len, struct bundle_files *files,
					 const char *target_name, bundle_fetch_fn fetch,
					 void *fetch_user, struct bundle_chain *out,
					 struct medfw_diag *diag);

#endif
