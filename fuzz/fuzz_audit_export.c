/* libFuzzer target: audit trail exports, as `medfw audit verify` reads them
 * (medfw_audit_verify_export) and as the incremental verifier checks them
 * (medfw_audit_verifier_*). The input is an export: JSON lines of records and
 * checkpoints, a file that comes from elsewhere.
 *
 * The server key is a TEST key: the Ed25519 key of the fixed 32-byte seed below, public
 * by construction, the key of no deployment. It signed the checkpoints of the seed
 * corpus (fuzz/corpus/fuzz_audit_export/: a whole chain, one that starts later, and
 * truncated, cut, reordered, altered, duplicated, malformed variants, one checkpoint
 * signed by a third test key, records at the top of the int64 range; written with
 * medfw_audit_seal and medfw_audit_checkpoint_new). The oracle's other key
 * (OTHER_KEY_SEED) signed nothing in the corpus. Oracles, what audit.h promises:
 *  - a failed export leaves the result zeroed and names the line ("line N: ...");
 *  - the same lines fed one at a time to a verifier give the same verdict, at the same
 *    line, and the same result;
 *  - an item that passes reports no problem seq and advances the result by exactly
 *    itself; one that fails names a problem (the record at fault: the seq it claims or
 *    the first one missing; for a checkpoint, the record it names), changes nothing,
 *    and every later item is refused with MEDFW_ERR_STATE;
 *  - a result is consistent (seqs consecutive, the last checkpoint within the records,
 *    uncovered = records after it);
 *  - another key accepts no checkpoint and never rescues a failed export;
 *  - a verified export with a record, followed by a checkpoint of its last record made
 *    with the test key, verifies with that checkpoint and nothing uncovered.
 * No crash, no leak; inputs above FUZZ_MAX_INPUT are skipped (memory stays bounded:
 * the verifier keeps MEDFW_AUDIT_CHECKPOINT_REACH hashes whatever the length). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "medfw/audit.h"
#include "medfw/crypto.h"
#include "medfw/json.h"

#define FUZZ_MAX_INPUT (1u << 20)
/* audit.c parses each line of an export with this nesting limit (AUDIT_LINE_DEPTH);
 * the oracle parses the lines as it does to compare the two paths. */
#define LINE_DEPTH 16
#define CHECKPOINT_TIME 1700000000

/* 32 bytes each (the string's NUL is not used). */
static const char TEST_KEY_SEED[] = "medfw-fuzz-audit-export-test-key";
static const char OTHER_KEY_SEED[] = "medfw-fuzz-audit-export-wrongkey";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct medfw_privkey *test_key;
static struct medfw_pubkey *test_pub, *other_pub;

static void setup(void)
{
	struct medfw_privkey *other = NULL;

	if (test_key != NULL)
		return;
	if (sizeof(TEST_KEY_SEED) != 33 || sizeof(OTHER_KEY_SEED) != 33 ||
	    medfw_privkey_from_ed25519_seed((const uint8_t *)TEST_KEY_SEED, &test_key, NULL) !=
		    MEDFW_OK ||
	    medfw_privkey_public(test_key, &test_pub, NULL) != MEDFW_OK ||
	    medfw_privkey_from_ed25519_seed((const uint8_t *)OTHER_KEY_SEED, &other, NULL) !=
		    MEDFW_OK ||
	    medfw_privkey_public(other, &other_pub, NULL) != MEDFW_OK)
		abort();
	medfw_privkey_free(other);
}

static int same_result(const struct medfw_audit_verify_result *a,
		       const struct medfw_audit_verify_result *b)
{
	return a->records == b->records && a->checkpoints == b->checkpoints &&
	       a->first_seq == b->first_seq && a->last_seq == b->last_seq &&
	       a->last_checkpoint == b->last_checkpoint &&
	       a->last_checkpoint_time == b->last_checkpoint_time && a->uncovered == b->uncovered;
}

static void check_result(const struct medfw_audit_verify_result *r)
{
	if (r->records == 0) {
		if (r->first_seq != 0 || r->last_seq != 0 || r->checkpoints != 0 ||
		    r->last_checkpoint != 0 || r->uncovered != 0)
			abort();
		return;
	}
	if (r->first_seq < 1 || r->last_seq < r->first_seq ||
	    (uint64_t)r->last_seq - (uint64_t)r->first_seq != (uint64_t)r->records - 1)
		abort();
	if (r->checkpoints == 0) {
		if (r->last_checkpoint != 0 || r->uncovered != r->records)
			abort();
	} else if (r->last_checkpoint < r->first_seq || r->last_checkpoint > r->last_seq ||
		   (uint64_t)r->last_seq - (uint64_t)r->last_checkpoint != r->uncovered) {
		abort();
	}
}

/* One item through the verifier, with the per-item oracles. last_hash gets the hash of
 * a record that passes. */
static enum medfw_err add_checked(struct medfw_audit_verifier *v, const json_t *item,
				  char last_hash[MEDFW_AUDIT_HASH_HEX_LEN + 1])
{
	const json_t *cp = json_object_get(item, "checkpoint");
	const json_t *claimed = cp != NULL ? json_object_get(cp, "seq")
					   : json_object_get(item, "seq");
	struct medfw_audit_verify_result before, after;
	struct medfw_diag d;
	int64_t problem = -1, again = -1;
	enum medfw_err err;

	medfw_audit_verifier_result(v, &before);
	medfw_diag_clear(&d);
	err = medfw_audit_verifier_add(v, item, &problem, &d);
	medfw_audit_verifier_result(v, &after);
	if (err == MEDFW_OK) {
		if (problem != 0 || d.msg[0] != '\0' || !json_is_integer(claimed))
			abort();
		if (cp != NULL) {
			if (after.checkpoints != before.checkpoints + 1 ||
			    after.records != before.records ||
			    after.last_checkpoint != (int64_t)json_integer_value(claimed) ||
			    (uint64_t)after.last_seq - (uint64_t)after.last_checkpoint >=
				    MEDFW_AUDIT_CHECKPOINT_REACH)
				abort();
		} else {
			const char *hash = json_string_value(json_object_get(item, "hash"));

			if (after.records != before.records + 1 ||
			    after.checkpoints != before.checkpoints ||
			    after.last_seq != (int64_t)json_integer_value(claimed) ||
			    (before.records > 0 && (before.last_seq == INT64_MAX ||
						    after.last_seq != before.last_seq + 1)) ||
			    hash == NULL || strlen(hash) != MEDFW_AUDIT_HASH_HEX_LEN)
				abort();
			memcpy(last_hash, hash, MEDFW_AUDIT_HASH_HEX_LEN + 1);
		}
		check_result(&after);
		return err;
	}
	/* refused: a message, nothing changed, and a problem named as promised */
	if (err == MEDFW_ERR_STATE || d.msg[0] == '\0' || !same_result(&before, &after))
		abort();
	/* always a record number (a checkpoint naming 0 or less: record 1) */
	if (problem < 1)
		abort();
	if (cp != NULL) {
		if (json_is_integer(claimed) && json_integer_value(claimed) >= 1 &&
		    problem != (int64_t)json_integer_value(claimed))
			abort();
	} else if (!((json_is_integer(claimed) &&
		      problem == (int64_t)json_integer_value(claimed)) ||
		     (before.last_seq < INT64_MAX && problem == before.last_seq + 1) ||
		     /* nothing can follow the last record a trail can have: it is named */
		     (before.last_seq == INT64_MAX && problem == INT64_MAX))) {
		abort();
	}
	/* a verifier that found a problem refuses everything after it */
	medfw_diag_clear(&d);
	if (medfw_audit_verifier_add(v, item, &again, &d) != MEDFW_ERR_STATE || d.msg[0] == '\0')
		abort();
	medfw_audit_verifier_result(v, &after);
	if (!same_result(&before, &after))
		abort();
	return err;
}

struct incremental {
	enum medfw_err err;
	size_t lineno; /* the line of the problem */
	struct medfw_audit_verify_result result;
	char last_hash[MEDFW_AUDIT_HASH_HEX_LEN + 1];
};

/* The export's lines, split and parsed as medfw_audit_verify_export does, one at a
 * time through a verifier. */
static void verify_lines(const uint8_t *data, size_t size, struct incremental *out)
{
	struct medfw_audit_verifier *v = NULL;
	size_t off = 0;

	memset(out, 0, sizeof(*out));
	if (medfw_audit_verifier_new(test_pub, 0, &v) != MEDFW_OK)
		abort();
	while (out->err == MEDFW_OK && off < size) {
		const uint8_t *line = data + off, *nl = memchr(line, '\n', size - off);
		size_t n = nl != NULL ? (size_t)(nl - line) : size - off;
		json_t *obj = NULL;

		out->lineno++;
		off += n + (nl != NULL);
		if (n == 0)
			continue;
		if (n > MEDFW_AUDIT_LINE_MAX) {
			out->err = MEDFW_ERR_TOO_LARGE;
		} else if (medfw_json_parse(line, n, MEDFW_AUDIT_LINE_MAX, LINE_DEPTH, &obj, NULL) !=
				   MEDFW_OK ||
			   !json_is_object(obj)) {
			out->err = MEDFW_ERR_JSON_SYNTAX;
		} else {
			out->err = add_checked(v, obj, out->last_hash);
		}
		json_decref(obj);
	}
	if (out->err == MEDFW_OK)
		medfw_audit_verifier_result(v, &out->result);
	medfw_audit_verifier_free(v);
}

/* The verified export followed by a checkpoint of its last record. */
static void extend_with_checkpoint(const uint8_t *data, size_t size,
				   const struct medfw_audit_verify_result *r, const char *last_hash)
{
	struct medfw_audit_verify_result got;
	json_t *cp = NULL;
	char *line;
	uint8_t *ext;
	size_t n, len = 0;

	if (medfw_audit_checkpoint_new(r->last_seq, last_hash, CHECKPOINT_TIME, test_key, &cp,
				       NULL) != MEDFW_OK ||
	    (line = json_dumps(cp, JSON_COMPACT)) == NULL)
		abort();
	n = strlen(line);
	ext = malloc(size + n + 2);
	if (ext == NULL)
		abort();
	memcpy(ext, data, size);
	len = size;
	if (size > 0 && data[size - 1] != '\n')
		ext[len++] = '\n';
	memcpy(ext + len, line, n);
	len += n;
	ext[len++] = '\n';
	if (medfw_audit_verify_export(ext, len, test_pub, &got, NULL) != MEDFW_OK ||
	    got.records != r->records || got.first_seq != r->first_seq ||
	    got.last_seq != r->last_seq || got.checkpoints != r->checkpoints + 1 ||
	    got.last_checkpoint != r->last_seq || got.uncovered != 0 ||
	    got.last_checkpoint_time != CHECKPOINT_TIME)
		abort();
	free(ext);
	free(line);
	json_decref(cp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct medfw_audit_verify_result res, other;
	struct incremental inc;
	struct medfw_diag d;
	char prefix[48];
	enum medfw_err err, err_other;

	if (size > FUZZ_MAX_INPUT)
		return 0;
	setup();
	medfw_diag_clear(&d);
	memset(&res, 0xA5, sizeof(res));
	err = medfw_audit_verify_export(data, size, test_pub, &res, &d);
	verify_lines(data, size, &inc);
	if (err != inc.err)
		abort();
	if (err == MEDFW_OK) {
		if (d.msg[0] != '\0' || !same_result(&res, &inc.result))
			abort();
		check_result(&res);
	} else {
		for (size_t i = 0; i < sizeof(res); i++)
			if (((const uint8_t *)&res)[i] != 0)
				abort();
		snprintf(prefix, sizeof(prefix), "line %zu: ", inc.lineno);
		if (strncmp(d.msg, prefix, strlen(prefix)) != 0 || d.msg[strlen(prefix)] == '\0')
			abort();
	}

	/* another key: no checkpoint passes, nothing failed passes */
	err_other = medfw_audit_verify_export(data, size, other_pub, &other, NULL);
	if (err_other == MEDFW_OK && (err != MEDFW_OK || other.checkpoints != 0))
		abort();
	if (err == MEDFW_OK && res.checkpoints > 0 && err_other != MEDFW_ERR_SIGNATURE)
		abort();
	if (err == MEDFW_OK && res.checkpoints == 0 &&
	    (err_other != MEDFW_OK || !same_result(&res, &other)))
		abort();

	if (err == MEDFW_OK && res.records > 0)
		extend_with_checkpoint(data, size, &res, inc.last_hash);
	return 0;
}
