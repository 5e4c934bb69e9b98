/* Hash-chained audit records and signed checkpoints (see include/medfw/audit.h). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "medfw/audit.h"
#include "medfw/json.h"
#include "medfw/num.h"

#define AUDIT_LINE_DEPTH 16

static enum medfw_err hash_without(const json_t *record, char out[MEDFW_AUDIT_HASH_HEX_LEN + 1],
				   struct medfw_diag *diag)
{
	struct medfw_buf canon;
	uint8_t d[MEDFW_SHA256_LEN];
	size_t n;
	json_t *copy = json_copy((json_t *)(uintptr_t)record);
	enum medfw_err err;

	if (copy == NULL)
		return MEDFW_ERR_NOMEM;
	json_object_del(copy, "hash");
	medfw_buf_init(&canon, MEDFW_AUDIT_LINE_MAX);
	err = medfw_json_canonical(copy, &canon, diag);
	if (err == MEDFW_OK)
		err = medfw_hash_oneshot(MEDFW_HASH_SHA256, canon.data, canon.len, d, sizeof(d), &n);
	if (err == MEDFW_OK)
		err = medfw_hex_encode(d, n, out, MEDFW_AUDIT_HASH_HEX_LEN + 1);
	medfw_buf_free(&canon);
	json_decref(copy);
	return err;
}

enum medfw_err medfw_audit_seal(json_t *record, char *out_hash, struct medfw_diag *diag)
{
	enum medfw_err err;

	out_hash[0] = 0;
	if (!json_is_object(record) || !json_is_integer(json_object_get(record, "seq")) ||
	    !json_is_string(json_object_get(record, "prev")))
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
				      "audit record needs seq and prev before sealing");
	err = hash_without(record, out_hash, diag);
	if (err == MEDFW_OK && json_object_set_new(record, "hash", json_string(out_hash)) != 0)
		err = MEDFW_ERR_NOMEM;
	if (err != MEDFW_OK)
		out_hash[0] = 0;
	return err;
}

enum medfw_err medfw_audit_checkpoint_new(int64_t seq, const char *hash, int64_t time,
					  const struct medfw_privkey *key, json_t **out,
					  struct medfw_diag *diag)
{
	struct medfw_buf canon, sig;
	struct medfw_pubkey *pub = NULL;
	json_t *cp = NULL;
	char *hex = NULL;
	char when[MEDFW_UTC_TIME_LEN + 1];
	enum medfw_err err;

	*out = NULL;
	if (medfw_format_utc_time(time, when, sizeof(when)) != MEDFW_OK)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "checkpoint time out of range");
	medfw_buf_init(&canon, 4096);
	medfw_buf_init(&sig, MEDFW_SIG_MAX_LEN);
	cp = json_pack("{s:I, s:s, s:s}", "seq", (json_int_t)seq, "hash", hash, "time", when);
	err = cp != NULL ? medfw_json_canonical(cp, &canon, diag) : MEDFW_ERR_NOMEM;
	if (err == MEDFW_OK)
		err = medfw_privkey_sign(key, canon.data, canon.len, &sig, diag);
	if (err == MEDFW_OK)
		err = medfw_privkey_public(key, &pub, diag);
	if (err == MEDFW_OK) {
		hex = malloc(2 * sig.len + 1);
		err = hex != NULL ? medfw_hex_encode(sig.data, sig.len, hex, 2 * sig.len + 1)
				  : MEDFW_ERR_NOMEM;
	}
	if (err == MEDFW_OK) {
		*out = json_pack("{s:O, s:s, s:s}", "checkpoint", cp, "keyid",
				 medfw_pubkey_keyid(pub), "sig", hex);
		if (*out == NULL)
			err = MEDFW_ERR_NOMEM;
	}
	free(hex);
	json_decref(cp);
	medfw_pubkey_free(pub);
	medfw_buf_free(&canon);
	medfw_buf_free(&sig);
	return err;
}

struct recent_record {
	int64_t seq;
	char hash[MEDFW_AUDIT_HASH_HEX_LEN + 1];
};

struct medfw_audit_verifier {
	const struct medfw_pubkey *server_key;
	int from_genesis;
	int failed;
	struct medfw_audit_verify_result r;
	char prev[MEDFW_AUDIT_HASH_HEX_LEN + 1];
	/* The hashes of the last MEDFW_AUDIT_CHECKPOINT_REACH records, at seq % reach, for
	 * the checkpoints that follow them. */
	struct recent_record *recent;
};

enum medfw_err medfw_audit_verifier_new(const struct medfw_pubkey *server_key, int from_genesis,
					struct medfw_audit_verifier **out)
{
	struct medfw_audit_verifier *v;

	*out = NULL;
	if (server_key == NULL)
		return MEDFW_ERR_INVALID_ARG;
	v = calloc(1, sizeof(*v));
	if (v == NULL)
		return MEDFW_ERR_NOMEM;
	v->recent = calloc(MEDFW_AUDIT_CHECKPOINT_REACH, sizeof(*v->recent));
	if (v->recent == NULL) {
		free(v);
		return MEDFW_ERR_NOMEM;
	}
	v->server_key = server_key;
	v->from_genesis = from_genesis != 0;
	*out = v;
	return MEDFW_OK;
}

void medfw_audit_verifier_free(struct medfw_audit_verifier *v)
{
	if (v == NULL)
		return;
	free(v->recent);
	free(v);
}

void medfw_audit_verifier_result(const struct medfw_audit_verifier *v,
				 struct medfw_audit_verify_result *out)
{
	*out = v->r;
}

/* A checkpoint: signed by the server key over its canonical "checkpoint" object, naming
 * a record of the chain with that record's hash. *seq is the record it names (as soon
 * as it is known). */
static enum medfw_err check_checkpoint(struct medfw_audit_verifier *v, const json_t *item,
				       int64_t *seq, struct medfw_diag *diag)
{
	const json_t *cp = json_object_get(item, "checkpoint");
	const json_t *seqj = json_object_get(cp, "seq");
	const char *sighex, *keyid, *hash, *when;
	const struct recent_record *rec;
	struct medfw_buf canon;
	uint8_t sig[MEDFW_SIG_MAX_LEN];
	size_t sig_len;
	int64_t t = 0;
	enum medfw_err err;

	*seq = json_is_integer(seqj) ? (int64_t)json_integer_value(seqj) : v->r.last_seq;
	sighex = json_string_value(json_object_get(item, "sig"));
	keyid = json_string_value(json_object_get(item, "keyid"));
	hash = json_string_value(json_object_get(cp, "hash"));
	when = json_string_value(json_object_get(cp, "time"));
	if (!json_is_object(cp) || sighex == NULL || keyid == NULL || hash == NULL ||
	    !json_is_integer(seqj) || when == NULL || json_object_size(cp) != 3 ||
	    json_object_size(item) != 3 || *seq < 1 || medfw_parse_utc_time(when, &t) != MEDFW_OK)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "malformed checkpoint");
	if (strcmp(keyid, medfw_pubkey_keyid(v->server_key)) != 0)
		return medfw_diag_set(diag, MEDFW_ERR_SIGNATURE,
				      "checkpoint of record %lld signed by key %.64s, not the "
				      "server key",
				      (long long)*seq, keyid);
	if (strlen(sighex) > 2 * sizeof(sig) ||
	    medfw_hex_decode(sighex, sig, sizeof(sig), &sig_len) != MEDFW_OK)
		return medfw_diag_set(diag, MEDFW_ERR_SIGNATURE,
				      "checkpoint of record %lld: malformed signature",
				      (long long)*seq);
	medfw_buf_init(&canon, 4096);
	err = medfw_json_canonical(cp, &canon, diag);
	if (err == MEDFW_OK &&
	    medfw_pubkey_verify(v->server_key, canon.data, canon.len, sig, sig_len, NULL) !=
		    MEDFW_OK)
		err = medfw_diag_set(diag, MEDFW_ERR_SIGNATURE,
				     "checkpoint of record %lld: signature does not verify",
				     (long long)*seq);
	medfw_buf_free(&canon);
	if (err != MEDFW_OK)
		return err;
	rec = &v->recent[(uint64_t)*seq % MEDFW_AUDIT_CHECKPOINT_REACH];
	if (rec->seq != *seq || strcmp(rec->hash, hash) != 0)
		return medfw_diag_set(diag, MEDFW_ERR_HASH_MISMATCH,
				      "checkpoint names record %lld with a hash the chain does not "
				      "have",
				      (long long)*seq);
	v->r.checkpoints++;
	v->r.last_checkpoint = *seq;
	v->r.last_checkpoint_time = t;
	v->r.uncovered = (size_t)(v->r.last_seq - *seq);
	return MEDFW_OK;
}

/* The seq after the last record; a trail at INT64_MAX has no next record. */
static int64_t next_seq(const struct medfw_audit_verify_result *r)
{
	return r->last_seq < INT64_MAX ? r->last_seq + 1 : INT64_MAX;
}

/* A record: the next seq, chained to the previous record, hashed as it says. *seq is
 * the record at fault on failure (the first missing one for a gap). */
static enum medfw_err check_record(struct medfw_audit_verifier *v, const json_t *item,
				   int64_t *seq, struct medfw_diag *diag)
{
	struct medfw_audit_verify_result *r = &v->r;
	const char *got = json_string_value(json_object_get(item, "hash"));
	const char *p = json_string_value(json_object_get(item, "prev"));
	const json_t *seqj = json_object_get(item, "seq");
	char want[MEDFW_AUDIT_HASH_HEX_LEN + 1];
	struct recent_record *slot;
	enum medfw_err err;

	*seq = json_is_integer(seqj) ? (int64_t)json_integer_value(seqj) : 0;
	if (got == NULL || p == NULL || *seq < 1 || !json_is_string(json_object_get(item, "event"))) {
		if (*seq < 1)
			*seq = next_seq(r);
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_MISSING,
				      "record lacks seq, event, prev or hash");
	}
	if (r->records == 0 && v->from_genesis && *seq != 1) {
		long long first = (long long)*seq;

		*seq = 1;
		return medfw_diag_set(diag, MEDFW_ERR_HASH_MISMATCH,
				      "record 1 is missing: the chain starts at record %lld", first);
	}
	if (r->records > 0 && r->last_seq == INT64_MAX)
		return medfw_diag_set(diag, MEDFW_ERR_HASH_MISMATCH,
				      "a record follows record %lld, the last one a trail can have",
				      (long long)r->last_seq);
	if (r->records > 0 && *seq != r->last_seq + 1) {
		long long found = (long long)*seq;

		if (*seq > r->last_seq + 1)
			*seq = r->last_seq + 1;
		return medfw_diag_set(diag, MEDFW_ERR_HASH_MISMATCH,
				      "record %lld follows record %lld (missing, inserted or "
				      "reordered records)",
				      found, (long long)r->last_seq);
	}
	if (r->records == 0 && *seq == 1 && strcmp(p, MEDFW_AUDIT_ZERO_HASH) != 0)
		return medfw_diag_set(diag, MEDFW_ERR_HASH_MISMATCH, "record 1 must start the chain");
	if (r->records > 0 && strcmp(p, v->prev) != 0)
		return medfw_diag_set(diag, MEDFW_ERR_HASH_MISMATCH,
				      "record %lld does not follow the previous record (chain "
				      "broken)",
				      (long long)*seq);
	err = hash_without(item, want, diag);
	if (err != MEDFW_OK)
		return medfw_diag_set(diag, err, "record %lld cannot be hashed", (long long)*seq);
	if (strcmp(want, got) != 0)
		return medfw_diag_set(diag, MEDFW_ERR_HASH_MISMATCH,
				      "record %lld was changed (its hash does not match its content)",
				      (long long)*seq);
	if (r->records == 0)
		r->first_seq = *seq;
	r->records++;
	r->last_seq = *seq;
	r->uncovered++;
	snprintf(v->prev, sizeof(v->prev), "%s", got);
	slot = &v->recent[(uint64_t)*seq % MEDFW_AUDIT_CHECKPOINT_REACH];
	slot->seq = *seq;
	snprintf(slot->hash, sizeof(slot->hash), "%s", got);
	return MEDFW_OK;
}

enum medfw_err medfw_audit_verifier_add(struct medfw_audit_verifier *v, const json_t *item,
					int64_t *out_problem_seq, struct medfw_diag *diag)
{
	int64_t seq = 0;
	enum medfw_err err;

	if (out_problem_seq != NULL)
		*out_problem_seq = 0;
	if (v->failed)
		return medfw_diag_set(diag, MEDFW_ERR_STATE,
				      "the chain already failed verification");
	if (!json_is_object(item)) {
		seq = next_seq(&v->r);
		err = medfw_diag_set(diag, MEDFW_ERR_FIELD_TYPE, "not a JSON object");
	} else if (json_object_get(item, "checkpoint") != NULL) {
		err = check_checkpoint(v, item, &seq, diag);
	} else {
		err = check_record(v, item, &seq, diag);
	}
	if (err != MEDFW_OK) {
		v->failed = 1;
		/* a record number: a malformed checkpoint may name 0 or less */
		if (out_problem_seq != NULL)
			*out_problem_seq = seq >= 1 ? seq : 1;
	}
	return err;
}

enum medfw_err medfw_audit_verify_export(const uint8_t *data, size_t len,
					 const struct medfw_pubkey *server_key,
					 struct medfw_audit_verify_result *out,
					 struct medfw_diag *diag)
{
	struct medfw_audit_verifier *v = NULL;
	size_t off = 0, lineno = 0;
	enum medfw_err err;

	memset(out, 0, sizeof(*out));
	if (len > MEDFW_AUDIT_EXPORT_MAX)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "audit export too large");
	err = medfw_audit_verifier_new(server_key, 0, &v);
	while (err == MEDFW_OK && off < len) {
		const uint8_t *line = data + off, *nl = memchr(line, '\n', len - off);
		size_t n = nl != NULL ? (size_t)(nl - line) : len - off;
		struct medfw_diag inner;
		json_t *obj = NULL;

		lineno++;
		off += n + (nl != NULL);
		if (n == 0)
			continue;
		if (n > MEDFW_AUDIT_LINE_MAX) {
			err = medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "line %zu: too long", lineno);
			break;
		}
		err = medfw_json_parse(line, n, MEDFW_AUDIT_LINE_MAX, AUDIT_LINE_DEPTH, &obj, NULL);
		if (err != MEDFW_OK || !json_is_object(obj)) {
			json_decref(obj);
			err = medfw_diag_set(diag, MEDFW_ERR_JSON_SYNTAX, "line %zu: not a JSON object",
					     lineno);
			break;
		}
		medfw_diag_clear(&inner);
		err = medfw_audit_verifier_add(v, obj, NULL, &inner);
		if (err != MEDFW_OK)
			(void)medfw_diag_set(diag, err, "line %zu: %s", lineno,
					     medfw_diag_message(&inner, err));
		json_decref(obj);
	}
	if (err == MEDFW_OK)
		medfw_audit_verifier_result(v, out);
	medfw_audit_verifier_free(v);
	return err;
}
