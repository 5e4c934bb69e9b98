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

/* A checkpoint line: signature by server_key over the canonical checkpoint object. */
static enum medfw_err check_checkpoint(const json_t *line, const struct medfw_pubkey *server_key,
				       int64_t *out_seq, const char **out_hash, size_t lineno,
				       struct medfw_diag *diag)
{
	const json_t *cp = json_object_get(line, "checkpoint");
	const char *sighex, *keyid, *hash;
	json_int_t seq;
	struct medfw_buf canon;
	uint8_t sig[MEDFW_SIG_MAX_LEN];
	size_t sig_len;
	enum medfw_err err;

	sighex = json_string_value(json_object_get(line, "sig"));
	keyid = json_string_value(json_object_get(line, "keyid"));
	hash = json_string_value(json_object_get(cp, "hash"));
	if (!json_is_object(cp) || sighex == NULL || keyid == NULL || hash == NULL ||
	    !json_is_integer(json_object_get(cp, "seq")) ||
	    !json_is_string(json_object_get(cp, "time")) || json_object_size(cp) != 3 ||
	    json_object_size(line) != 3)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "line %zu: malformed checkpoint",
				      lineno);
	seq = json_integer_value(json_object_get(cp, "seq"));
	if (strcmp(keyid, medfw_pubkey_keyid(server_key)) != 0)
		return medfw_diag_set(diag, MEDFW_ERR_SIGNATURE,
				      "line %zu: checkpoint signed by key %.64s, not the server key",
				      lineno, keyid);
	if (strlen(sighex) > 2 * sizeof(sig) ||
	    medfw_hex_decode(sighex, sig, sizeof(sig), &sig_len) != MEDFW_OK)
		return medfw_diag_set(diag, MEDFW_ERR_SIGNATURE, "line %zu: malformed signature",
				      lineno);
	medfw_buf_init(&canon, 4096);
	err = medfw_json_canonical(cp, &canon, diag);
	if (err == MEDFW_OK &&
	    medfw_pubkey_verify(server_key, canon.data, canon.len, sig, sig_len, NULL) != MEDFW_OK)
		err = medfw_diag_set(diag, MEDFW_ERR_SIGNATURE,
				     "line %zu: checkpoint signature does not verify", lineno);
	medfw_buf_free(&canon);
	*out_seq = (int64_t)seq;
	*out_hash = hash;
	return err;
}

enum medfw_err medfw_audit_verify_export(const uint8_t *data, size_t len,
					 const struct medfw_pubkey *server_key,
					 struct medfw_audit_verify_result *out,
					 struct medfw_diag *diag)
{
	struct medfw_audit_verify_result r = {0};
	char prev[MEDFW_AUDIT_HASH_HEX_LEN + 1] = "";
	/* The hashes of the last MEDFW_AUDIT_CHECKPOINT_REACH records, by seq, for the
	 * checkpoints that follow them. */
	const size_t recent_cap = MEDFW_AUDIT_CHECKPOINT_REACH;
	struct {
		int64_t seq;
		char hash[MEDFW_AUDIT_HASH_HEX_LEN + 1];
	} *recent = NULL;
	size_t off = 0, lineno = 0;
	enum medfw_err err = MEDFW_OK;

	memset(out, 0, sizeof(*out));
	if (len > MEDFW_AUDIT_EXPORT_MAX)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "audit export too large");
	recent = calloc(recent_cap, sizeof(*recent));
	if (recent == NULL)
		return MEDFW_ERR_NOMEM;
	while (err == MEDFW_OK && off < len) {
		const uint8_t *line = data + off, *nl = memchr(line, '\n', len - off);
		size_t n = nl != NULL ? (size_t)(nl - line) : len - off;
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
		if (json_object_get(obj, "checkpoint") != NULL) {
			int64_t seq = 0;
			const char *hash = NULL;
			size_t i;

			err = check_checkpoint(obj, server_key, &seq, &hash, lineno, diag);
			for (i = 0; err == MEDFW_OK && i < recent_cap; i++)
				if (recent[i].seq == seq && seq != 0)
					break;
			if (err == MEDFW_OK && (i == recent_cap || strcmp(recent[i].hash, hash) != 0))
				err = medfw_diag_set(diag, MEDFW_ERR_HASH_MISMATCH,
						     "line %zu: checkpoint names record %lld with a "
						     "hash the export does not have",
						     lineno, (long long)seq);
			if (err == MEDFW_OK) {
				r.checkpoints++;
				r.last_checkpoint = seq;
				r.uncovered = (size_t)(r.last_seq - seq);
			}
		} else {
			const char *got = json_string_value(json_object_get(obj, "hash"));
			const char *p = json_string_value(json_object_get(obj, "prev"));
			json_t *seqj = json_object_get(obj, "seq");
			char want[MEDFW_AUDIT_HASH_HEX_LEN + 1];
			int64_t seq = json_is_integer(seqj) ? (int64_t)json_integer_value(seqj) : 0;

			if (got == NULL || p == NULL || seq < 1 ||
			    !json_is_string(json_object_get(obj, "event")))
				err = medfw_diag_set(diag, MEDFW_ERR_FIELD_MISSING,
						     "line %zu: record lacks seq, event, prev or hash",
						     lineno);
			if (err == MEDFW_OK && r.records > 0 && seq != r.last_seq + 1)
				err = medfw_diag_set(diag, MEDFW_ERR_HASH_MISMATCH,
						     "line %zu: record %lld follows record %lld "
						     "(missing, inserted or reordered records)",
						     lineno, (long long)seq, (long long)r.last_seq);
			if (err == MEDFW_OK && r.records == 0 && seq == 1 &&
			    strcmp(p, MEDFW_AUDIT_ZERO_HASH) != 0)
				err = medfw_diag_set(diag, MEDFW_ERR_HASH_MISMATCH,
						     "line %zu: record 1 must start the chain", lineno);
			if (err == MEDFW_OK && r.records > 0 && strcmp(p, prev) != 0)
				err = medfw_diag_set(diag, MEDFW_ERR_HASH_MISMATCH,
						     "line %zu: record %lld does not follow the "
						     "previous record (chain broken)",
						     lineno, (long long)seq);
			if (err == MEDFW_OK)
				err = hash_without(obj, want, diag);
			if (err == MEDFW_OK && strcmp(want, got) != 0)
				err = medfw_diag_set(diag, MEDFW_ERR_HASH_MISMATCH,
						     "line %zu: record %lld was changed (its hash does "
						     "not match its content)",
						     lineno, (long long)seq);
			if (err == MEDFW_OK) {
				if (r.records == 0)
					r.first_seq = seq;
				r.records++;
				r.last_seq = seq;
				r.uncovered++;
				snprintf(prev, sizeof(prev), "%s", got);
				recent[(size_t)seq % recent_cap].seq = seq;
				snprintf(recent[(size_t)seq % recent_cap].hash,
					 sizeof(recent[0].hash), "%s", got);
			}
		}
		json_decref(obj);
	}
	free(recent);
	if (err == MEDFW_OK)
		*out = r;
	return err;
}
