/* TUF metadata (specification 1.0.x): parse, validate, verify, sign.
 *
 * A metadata file is parsed once into a struct medfw_tuf_meta that keeps the whole
 * JSON tree (so unknown fields survive byte-for-byte in what is signed), the
 * canonical bytes of its "signed" object (what signatures cover), and typed views
 * of the role's content. The typed views borrow strings from the tree and are
 * read-only for callers.
 *
 * Parsing never trusts: *_unverified functions validate structure only. Signatures
 * are checked by medfw_tuf_meta_verify_role against keys the caller already trusts.
 * The semantics follow python-tuf's ngclient (the reference client):
 *   - a signature counts only if its key id is listed for the role, the key is
 *     known and usable, and the signature verifies; each key counts at most once;
 *   - duplicate key ids in "signatures" make the whole file invalid;
 *   - keys of unsupported types or with malformed material are kept as unusable:
 *     they never count, they do not make the file invalid;
 *   - expired means now >= expires.
 */
#ifndef MEDFW_TUF_H
#define MEDFW_TUF_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "medfw/buf.h"
#include "medfw/crypto.h"
#include "medfw/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Size caps for fetched metadata (as python-tuf's defaults). */
#define MEDFW_TUF_ROOT_MAX_LEN 512000u
#define MEDFW_TUF_TIMESTAMP_MAX_LEN 16384u
#define MEDFW_TUF_SNAPSHOT_MAX_LEN 2000000u
#define MEDFW_TUF_TARGETS_MAX_LEN 5000000u
#define MEDFW_TUF_MAX_DEPTH 32
#define MEDFW_TUF_SPEC_VERSION "1.0.31"

enum medfw_tuf_role_type {
	MEDFW_TUF_ROOT = 0,
	MEDFW_TUF_TIMESTAMP = 1,
	MEDFW_TUF_SNAPSHOT = 2,
	MEDFW_TUF_TARGETS = 3,
};
#define MEDFW_TUF_TOP_ROLES 4

/* The size cap of a metadata file of a role (MEDFW_TUF_*_MAX_LEN; delegated
 * targets: the targets cap). */
size_t medfw_tuf_role_max_len(enum medfw_tuf_role_type type);

/* "root", "timestamp", "snapshot", "targets". */
const char *medfw_tuf_role_name(enum medfw_tuf_role_type type);
enum medfw_err medfw_tuf_role_parse(const char *name, enum medfw_tuf_role_type *out);

/* Keys known to a delegating role: root's "keys" or a targets' "delegations.keys". */
struct medfw_tuf_key {
	const char *keyid;
	struct medfw_pubkey *key; /* NULL when unusable (unsupported or malformed) */
};
struct medfw_tuf_keyring {
	struct medfw_tuf_key *items;
	size_t count;
};

/* A role's signing rule: which key ids may sign and how many must. */
struct medfw_tuf_role_keys {
	const char *name;
	const char **keyids;
	size_t keyid_count;
	int64_t threshold;
};

/* An entry of timestamp.meta / snapshot.meta. length -1 when absent; hashes NULL
 * when absent (else a non-empty object of algorithm -> hex digest). */
struct medfw_tuf_metafile {
	const char *name; /* "snapshot.json", "targets.json", "<role>.json" */
	int64_t version;
	int64_t length;
	const json_t *hashes;
};

/* An entry of targets.targets. */
struct medfw_tuf_target {
	const char *path;
	int64_t length;
	const json_t *hashes;  /* non-empty object */
	const json_t *custom;  /* NULL when absent */
};

struct medfw_tuf_delegated_role {
	struct medfw_tuf_role_keys keys;
	int terminating;
	const char **paths;            /* when has_paths */
	size_t path_count;
	const char **hash_prefixes;    /* when has_hash_prefixes */
	size_t hash_prefix_count;
	int has_paths;
	int has_hash_prefixes;
};

/* succinct_roles (TAP 15): bit_length bits of sha256(path) pick the bin role
 * "<name_prefix>-<hex bin number>". */
struct medfw_tuf_succinct_roles {
	struct medfw_tuf_role_keys keys;
	int64_t bit_length;
	const char *name_prefix;
};

struct medfw_tuf_signature {
	const char *keyid;
	uint8_t *sig;     /* raw bytes; NULL when the hex was malformed (never counts) */
	size_t sig_len;
};

struct medfw_tuf_meta {
	enum medfw_tuf_role_type type;
	json_t *doc;               /* whole document (owned) */
	json_t *signed_obj;        /* doc["signed"] (borrowed) */
	struct medfw_buf signed_canonical; /* canonical bytes of signed_obj */
	const char *spec_version;
	int64_t version;
	int64_t expires;           /* seconds since epoch */
	struct medfw_tuf_signature *sigs;
	size_t sig_count;

	/* root */
	struct medfw_tuf_keyring keys;
	struct medfw_tuf_role_keys roles[MEDFW_TUF_TOP_ROLES];
	int consistent_snapshot;

	/* timestamp and snapshot */
	struct medfw_tuf_metafile *meta;
	size_t meta_count;

	/* targets (top-level or delegated) */
	struct medfw_tuf_target *targets;
	size_t target_count;
	int has_delegations;
	struct medfw_tuf_keyring delegation_keys;
	struct medfw_tuf_delegated_role *delegated;
	size_t delegated_count;
	int has_succinct_roles;
	struct medfw_tuf_succinct_roles succinct;
};

/* Parse and validate the structure of a metadata file of role type `type` (for
 * delegated targets use MEDFW_TUF_TARGETS). `len` must be <= max_len. Signatures are
 * NOT checked. Freed by medfw_tuf_meta_free. *out NULL on failure. Errors:
 * TOO_LARGE, TOO_DEEP, JSON_SYNTAX, ROLE_TYPE, SPEC_VERSION, FIELD_*, DUPLICATE_KEYID,
 * NOT_CANONICAL (a real number anywhere in "signed"). */
enum medfw_err medfw_tuf_meta_parse_unverified(const uint8_t *data, size_t len, size_t max_len,
					       enum medfw_tuf_role_type type,
					       struct medfw_tuf_meta **out,
					       struct medfw_diag *diag) MEDFW_WARN_UNUSED;
void medfw_tuf_meta_free(struct medfw_tuf_meta *meta);

/* Check that at least role->threshold distinct keys listed in `role` and present in
 * `keys` produced valid signatures over meta->signed_canonical. MEDFW_OK or
 * MEDFW_ERR_THRESHOLD (diag: "<what>: N of M required signatures"). */
enum medfw_err medfw_tuf_meta_verify_role(const struct medfw_tuf_meta *meta,
					  const struct medfw_tuf_keyring *keys,
					  const struct medfw_tuf_role_keys *role, const char *what,
					  struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* The same, also giving the number of valid signatures (for displays) without
 * verifying twice. *out_valid is set whatever the result. */
enum medfw_err medfw_tuf_meta_verify_role_count(const struct medfw_tuf_meta *meta,
						const struct medfw_tuf_keyring *keys,
						const struct medfw_tuf_role_keys *role,
						const char *what, size_t *out_valid,
						struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* Number of valid signatures toward `role` (for status displays). */
size_t medfw_tuf_meta_count_valid(const struct medfw_tuf_meta *meta,
				  const struct medfw_tuf_keyring *keys,
				  const struct medfw_tuf_role_keys *role);

int medfw_tuf_meta_is_expired(const struct medfw_tuf_meta *meta, int64_t now);

/* The root's rule for a top-level role. */
const struct medfw_tuf_role_keys *medfw_tuf_root_role(const struct medfw_tuf_meta *root,
						       enum medfw_tuf_role_type type);

/* Entries of timestamp/snapshot "meta" by file name; NULL when absent. */
const struct medfw_tuf_metafile *medfw_tuf_meta_file(const struct medfw_tuf_meta *meta,
						     const char *name);

/* An entry of "targets" by exact path; NULL when absent. */
const struct medfw_tuf_target *medfw_tuf_targets_find(const struct medfw_tuf_meta *targets,
						       const char *path);

/* Whether a delegated role is responsible for target_path: paths match segment by
 * segment with shell globs (fnmatch without FNM_PATHNAME across '/'), or
 * sha256(target_path) hex starts with one of path_hash_prefixes. */
int medfw_tuf_delegation_matches(const struct medfw_tuf_delegated_role *role,
				 const char *target_path);

/* For succinct_roles: the bin role name responsible for target_path. */
enum medfw_err medfw_tuf_succinct_role_for(const struct medfw_tuf_succinct_roles *sr,
					   const char *target_path, char *out, size_t out_cap);

/* Check in-memory data against a signed length (-1: none) and hashes (NULL: none).
 * MEDFW_ERR_LENGTH_MISMATCH / MEDFW_ERR_HASH_MISMATCH (unknown algorithm counts as
 * a mismatch: we cannot check it, so we do not trust it). */
enum medfw_err medfw_tuf_check_length_hashes(const uint8_t *data, size_t len, int64_t length,
					     const json_t *hashes, const char *what,
					     struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* Streaming check of a large file against a signed length and hashes. _new fails
 * on unknown algorithms or an empty hash set; update fails as soon as more than
 * `length` bytes arrive; finish checks length and every hash. Freed by _free. */
struct medfw_tuf_hash_check;
enum medfw_err medfw_tuf_hash_check_new(int64_t length, const json_t *hashes, const char *what,
					struct medfw_tuf_hash_check **out,
					struct medfw_diag *diag) MEDFW_WARN_UNUSED;
enum medfw_err medfw_tuf_hash_check_update(struct medfw_tuf_hash_check *hc, const void *data,
					   size_t len, struct medfw_diag *diag) MEDFW_WARN_UNUSED;
enum medfw_err medfw_tuf_hash_check_finish(struct medfw_tuf_hash_check *hc,
					   struct medfw_diag *diag) MEDFW_WARN_UNUSED;
void medfw_tuf_hash_check_free(struct medfw_tuf_hash_check *hc);

/* ---- writing ---- */

/* A new envelope {"signatures": [], "signed": signed_obj} (takes a reference). */
json_t *medfw_tuf_envelope_new(json_t *signed_obj);

/* Sign envelope["signed"] with key, replacing any earlier signature by the same key
 * id. */
enum medfw_err medfw_tuf_envelope_sign(json_t *envelope, const struct medfw_privkey *key,
				       struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* The bytes written to disk for a metadata document: JSON with sorted keys and
 * one-space indentation (control characters escaped, so every JSON parser reads it)
 * plus a trailing newline; refused when the envelope cannot be encoded canonically.
 * Signatures cover the canonical form of "signed", not these bytes. Appends to out. */
enum medfw_err medfw_tuf_envelope_serialize(const json_t *envelope, struct medfw_buf *out,
					    struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* "YYYY-MM-DDTHH:MM:SSZ" of t as a new JSON string. */
json_t *medfw_tuf_time_json(int64_t t);

#ifdef __cplusplus
}
#endif
#endif
