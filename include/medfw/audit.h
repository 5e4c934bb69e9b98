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
	int64_t last_checkpoint_time; /* the time that checkpoint signed (0 if none) */
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

/* ---- incremental verification ----
 *
 * One verifier checks a chain fed to it an item at a time, in order: records and
 * checkpoints as the JSON objects of an export's lines. medfw_audit_verify_export runs
 * it over an export, medfw_audit_verify_store over the trail in the store, so both
 * check exactly the same properties, in bounded memory whatever the chain's length
 * (the hashes of the last MEDFW_AUDIT_CHECKPOINT_REACH records, for the checkpoints
 * that follow them). */
struct medfw_audit_verifier;

/* A verifier checking checkpoints against `server_key` (borrowed: it must outlive the
 * verifier). from_genesis 1: the first record must be record 1 (a whole chain); 0: the
 * first record is taken as given (an export that starts later). *out is freed by
 * medfw_audit_verifier_free (NULL is a no-op). */
enum medfw_err medfw_audit_verifier_new(const struct medfw_pubkey *server_key, int from_genesis,
					struct medfw_audit_verifier **out) MEDFW_WARN_UNUSED;
void medfw_audit_verifier_free(struct medfw_audit_verifier *v);

/* Check the next item (a record, or a checkpoint object {"checkpoint", "keyid", "sig"}).
 * A problem: MEDFW_ERR_HASH_MISMATCH (changed, missing, inserted or reordered records; a
 * checkpoint naming a record the chain does not have), MEDFW_ERR_SIGNATURE,
 * MEDFW_ERR_FIELD_MISSING / MEDFW_ERR_FIELD_VALUE / MEDFW_ERR_FIELD_TYPE (malformed),
 * with what is wrong in diag (naming the record, without a position in any file) and
 * *out_problem_seq (may be NULL) = the seq of the record at fault (for a missing record:
 * the first one missing; for a checkpoint: the record it names). After a problem every
 * call fails with MEDFW_ERR_STATE. */
enum medfw_err medfw_audit_verifier_add(struct medfw_audit_verifier *v, const json_t *item,
					int64_t *out_problem_seq,
					struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* What was verified so far (records and checkpoints that passed). */
void medfw_audit_verifier_result(const struct medfw_audit_verifier *v,
				 struct medfw_audit_verify_result *out);

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

/* Verification of the trail in the store, as `medfw audit verify` verifies an export:
 * the hash chain from record 1, every stored checkpoint against `server_key`, and no
 * checkpoint naming a record the trail does not have (records cut off its end). */
enum medfw_audit_chain_state {
	MEDFW_AUDIT_CHAIN_UNCHECKED = 0, /* the trail could not be read: no verdict */
	MEDFW_AUDIT_CHAIN_VERIFIED = 1,
	MEDFW_AUDIT_CHAIN_BROKEN = 2,
};

struct medfw_audit_chain_report {
	enum medfw_audit_chain_state state;
	/* What passed: every record and checkpoint when VERIFIED, those before the problem
	 * when BROKEN. */
	struct medfw_audit_verify_result verified;
	int64_t head_seq;    /* the newest record when the verification started */
	int64_t problem_seq; /* BROKEN: the record at fault (see medfw_audit_verifier_add) */
	char problem[MEDFW_DIAG_MSG_MAX]; /* BROKEN: what is wrong; names no record content */
};

/* Verify the stored trail up to its head at the start (records appended meanwhile are
 * left for the next verification), reading it page by page: memory stays bounded
 * whatever its length. MEDFW_OK: state VERIFIED. A problem in the trail: its error
 * code (as medfw_audit_verifier_add), state BROKEN, problem_seq and problem set (diag
 * too). Any other failure (the store cannot be read): state UNCHECKED, counts zero.
 * Reads only: nothing is appended, not even a checkpoint. */
enum medfw_err medfw_audit_verify_store(struct medfw_store *store,
					const struct medfw_pubkey *server_key,
					struct medfw_audit_chain_report *out,
					struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* A stored record as its JSON form (new reference; what is hashed, plus "hash"). */
struct medfw_store_audit;
enum medfw_err medfw_audit_record_json(const struct medfw_store_audit *rec, json_t **out,
				       struct medfw_diag *diag) MEDFW_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif
