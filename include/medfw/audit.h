/* The fleet server's audit trail format: hash-chained records and signed checkpoints.
 *
 * A record is a JSON object
 *   {"seq": N, "time": "YYYY-MM-DDTHH:MM:SSZ", "actor_type": "user|token|device|system",
 *    "actor_id": N (0 for the system), "site_id": N or null, "event": "...", "detail": {...},
 *    "prev": "<hash of record N-1, or 64 zeros for the first>", "hash": "<hex>"}
 * where hash = SHA-256 of the canonical JSON of the record without "hash". Since "prev"
 * is hashed, each record commits to all before it: a change, deletion, insertion or
 * reordering breaks the chain.
 *
 * A checkpoint, written periodically by the server, signs a position of the chain with
 * the server's key:
 *   {"checkpoint": {"seq": N, "hash": "<hash of record N>", "time": "..."},
 *    "keyid": "...", "sig": "<hex signature over the canonical JSON of "checkpoint">"}
 * so that an export can be checked offline against the server's public key, and cutting
 * records off the end is detected up to the last checkpoint.
 *
 * An export is JSON lines: records and checkpoints in order of seq.
 */
#ifndef MEDFW_AUDIT_H
#define MEDFW_AUDIT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "medfw/crypto.h"
#include "medfw/ctx.h"
#include "medfw/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MEDFW_AUDIT_HASH_HEX_LEN 64
#define MEDFW_AUDIT_ZERO_HASH "0000000000000000000000000000000000000000000000000000000000000000"
#define MEDFW_AUDIT_LINE_MAX (256u * 1024u)
/* A checkpoint comes after the record it names, at most this many records later. */
#define MEDFW_AUDIT_CHECKPOINT_REACH 4096u
#define MEDFW_AUDIT_EXPORT_MAX ((size_t)4 * 1024 * 1024 * 1024)

/* Compute the hash of `record` (which must hold every field but "hash") and set its
 * "hash" field. out_hash (MEDFW_AUDIT_HASH_HEX_LEN + 1 bytes) receives it too. */
enum medfw_err medfw_audit_seal(json_t *record, char *out_hash, struct medfw_diag *diag)
	MEDFW_WARN_UNUSED;

/* A new checkpoint object for record `seq` with `hash`, signed with `key`. */
enum medfw_err medfw_audit_checkpoint_new(int64_t seq, const char *hash, int64_t time,
					  const struct medfw_privkey *key, json_t **out,
					  struct medfw_diag *diag) MEDFW_WARN_UNUSED;

struct medfw_audit_verify_result {
	size_t records;           /* records read */
	size_t checkpoints;       /* valid checkpoints */
	int64_t first_seq;        /* seq of the first record (0 if none) */
	int64_t last_seq;         /* seq of the last record */
	int64_t last_checkpoint;  /* seq covered by the last valid checkpoint (0 if none) */
	size_t uncovered;         /* records after the last checkpoint */
};

/* Verify an export offline: every line parses; every record's hash is right; seq
 * increases by one and each "prev" is the previous record's hash (the first record
 * of an export that does not start at seq 1 is taken as given); every checkpoint is
 * signed by `server_key` and names a record present with that hash. Any failure is
 * MEDFW_ERR_HASH_MISMATCH / MEDFW_ERR_SIGNATURE / MEDFW_ERR_FIELD_* / MEDFW_ERR_JSON_SYNTAX
 * with the line number in diag; *out is zeroed on failure. */
enum medfw_err medfw_audit_verify_export(const uint8_t *data, size_t len,
					 const struct medfw_pubkey *server_key,
					 struct medfw_audit_verify_result *out,
					 struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* ---- the trail in the fleet server's store ---- */

struct medfw_store;

/* Who did it. */
struct medfw_audit_actor {
	int actor_type;   /* enum medfw_store_actor_type */
	int64_t actor_id; /* 0 for the system */
};

/* Append a sealed record (chained under the store's write lock; inside
 * medfw_store_tx it commits or rolls back with the change it describes). `detail` is a
 * JSON object (reference taken; NULL for none); never put secrets in it. site_id 0:
 * not site specific. */
enum medfw_err medfw_audit_append(struct medfw_store *store, const struct medfw_ctx *ctx,
				  struct medfw_audit_actor actor, int64_t site_id,
				  const char *event, json_t *detail, struct medfw_diag *diag)
	MEDFW_WARN_UNUSED;

/* Sign the current head of the chain with the server key (no-op when the head is
 * already checkpointed or the trail is empty). */
enum medfw_err medfw_audit_checkpoint(struct medfw_store *store, const struct medfw_ctx *ctx,
				      const struct medfw_privkey *server_key,
				      struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* Write the whole trail (all sites) as an export: records and checkpoints as JSON
 * lines in seq order, through `write` (called per line, newline included). */
typedef enum medfw_err (*medfw_audit_write_fn)(void *user, const char *line, size_t len);
enum medfw_err medfw_audit_export(struct medfw_store *store, medfw_audit_write_fn write,
				  void *user, struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* A stored record as its JSON form (new reference; what is hashed, plus "hash"). */
struct medfw_store_audit;
enum medfw_err medfw_audit_record_json(const struct medfw_store_audit *rec, json_t **out,
				       struct medfw_diag *diag) MEDFW_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif
