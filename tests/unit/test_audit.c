/* Audit export verification: every kind of tampering is detected. */
#include "testutil.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "medfw/audit.h"
#include "medfw/json.h"
#include "medfw/store.h"

static struct medfw_privkey *key, *other;
static struct medfw_pubkey *pub;

static int setup(void **state)
{
	(void)state;
	if (medfw_privkey_generate(MEDFW_KEY_ED25519, &key, NULL) != MEDFW_OK ||
	    medfw_privkey_generate(MEDFW_KEY_ED25519, &other, NULL) != MEDFW_OK ||
	    medfw_privkey_public(key, &pub, NULL) != MEDFW_OK)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	medfw_privkey_free(key);
	medfw_privkey_free(other);
	medfw_pubkey_free(pub);
	return 0;
}

#define NREC 10
static char lines[NREC + 2][2048];
static size_t nlines;

/* 10 records with a checkpoint after record 5 and after record 10. */
static void build(void)
{
	char prev[MEDFW_AUDIT_HASH_HEX_LEN + 1] = MEDFW_AUDIT_ZERO_HASH;

	nlines = 0;
	for (int seq = 1; seq <= NREC; seq++) {
		json_t *r = json_pack("{s:i, s:s, s:s, s:s, s:n, s:s, s:{s:i}, s:s}", "seq", seq,
				      "time", "2026-11-22T00:00:00Z", "actor_type", "user",
				      "actor_id", "alice", "site_id", "event", "login.ok", "detail",
				      "n", seq, "prev", prev);
		char hash[MEDFW_AUDIT_HASH_HEX_LEN + 1];
		char *text;

		assert_int_equal(medfw_audit_seal(r, hash, NULL), MEDFW_OK);
		text = json_dumps(r, JSON_COMPACT | JSON_SORT_KEYS);
		snprintf(lines[nlines++], sizeof(lines[0]), "%s", text);
		free(text);
		json_decref(r);
		memcpy(prev, hash, sizeof(prev));
		if (seq == 5 || seq == NREC) {
			json_t *cp = NULL;

			assert_int_equal(medfw_audit_checkpoint_new(seq, hash, 1795305600, key, &cp,
								    NULL),
					 MEDFW_OK);
			text = json_dumps(cp, JSON_COMPACT);
			snprintf(lines[nlines++], sizeof(lines[0]), "%s", text);
			free(text);
			json_decref(cp);
		}
	}
}

static enum medfw_err verify_lines(char (*l)[2048], size_t n, struct medfw_audit_verify_result *r,
				   struct medfw_diag *d)
{
	struct medfw_buf b;
	enum medfw_err err;

	medfw_buf_init(&b, 1 << 20);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(medfw_buf_append_str(&b, l[i]), MEDFW_OK);
		assert_int_equal(medfw_buf_append_str(&b, "\n"), MEDFW_OK);
	}
	medfw_diag_clear(d);
	err = medfw_audit_verify_export(b.data, b.len, pub, r, d);
	medfw_buf_free(&b);
	if (err != MEDFW_OK) {
		assert_int_equal(r->records, 0);
		assert_true(d->msg[0] != 0);
	}
	return err;
}

static void test_intact(void **state)
{
	struct medfw_audit_verify_result r;
	struct medfw_diag d;

	(void)state;
	build();
	assert_int_equal(verify_lines(lines, nlines, &r, &d), MEDFW_OK);
	assert_int_equal(r.records, NREC);
	assert_int_equal(r.checkpoints, 2);
	assert_int_equal(r.last_checkpoint, NREC);
	assert_int_equal(r.uncovered, 0);
	/* cut after the first checkpoint: valid, 0 uncovered; cut later: uncovered shows */
	assert_int_equal(verify_lines(lines, 6, &r, &d), MEDFW_OK);
	assert_int_equal(r.last_seq, 5);
	assert_int_equal(verify_lines(lines, 8, &r, &d), MEDFW_OK);
	assert_int_equal(r.uncovered, 2);
}

static void test_changed_record(void **state)
{
	struct medfw_audit_verify_result r;
	struct medfw_diag d;
	char *p;

	(void)state;
	build();
	p = strstr(lines[2], "alice");
	p[0] = 'A';
	assert_int_equal(verify_lines(lines, nlines, &r, &d), MEDFW_ERR_HASH_MISMATCH);
	assert_non_null(strstr(d.msg, "line 3"));
}

static void test_deleted_inserted_reordered(void **state)
{
	char copy[NREC + 3][2048];
	struct medfw_audit_verify_result r;
	struct medfw_diag d;
	size_t n;

	(void)state;
	build();
	/* delete record 3 */
	n = 0;
	for (size_t i = 0; i < nlines; i++)
		if (i != 2)
			memcpy(copy[n++], lines[i], sizeof(copy[0]));
	assert_int_equal(verify_lines(copy, n, &r, &d), MEDFW_ERR_HASH_MISMATCH);
	/* swap records 3 and 4 */
	memcpy(copy, lines, sizeof(lines[0]) * nlines);
	memcpy(copy[2], lines[3], sizeof(copy[0]));
	memcpy(copy[3], lines[2], sizeof(copy[0]));
	assert_int_equal(verify_lines(copy, nlines, &r, &d), MEDFW_ERR_HASH_MISMATCH);
	/* insert a copy of record 2 after record 2 */
	n = 0;
	for (size_t i = 0; i < nlines; i++) {
		memcpy(copy[n++], lines[i], sizeof(copy[0]));
		if (i == 1)
			memcpy(copy[n++], lines[i], sizeof(copy[0]));
	}
	assert_int_equal(verify_lines(copy, n, &r, &d), MEDFW_ERR_HASH_MISMATCH);
	/* the whole chain rebuilt without record 3 still fails at the signed checkpoint */
}

static void test_forged_checkpoint(void **state)
{
	char copy[NREC + 2][2048];
	struct medfw_audit_verify_result r;
	struct medfw_diag d;
	json_t *cp = NULL;
	char *text;

	(void)state;
	build();
	memcpy(copy, lines, sizeof(lines[0]) * nlines);
	/* a checkpoint by another key */
	assert_int_equal(medfw_audit_checkpoint_new(5, "00", 1, other, &cp, NULL), MEDFW_OK);
	text = json_dumps(cp, JSON_COMPACT);
	snprintf(copy[5], sizeof(copy[0]), "%s", text);
	free(text);
	json_decref(cp);
	assert_int_equal(verify_lines(copy, nlines, &r, &d), MEDFW_ERR_SIGNATURE);
	/* a checkpoint with a changed seq (signature no longer covers it) */
	memcpy(copy, lines, sizeof(lines[0]) * nlines);
	{
		char *p = strstr(copy[5], "\"seq\":5");

		assert_non_null(p);
		p[6] = '4';
	}
	assert_int_equal(verify_lines(copy, nlines, &r, &d), MEDFW_ERR_SIGNATURE);
	/* garbage line */
	memcpy(copy, lines, sizeof(lines[0]) * nlines);
	snprintf(copy[4], sizeof(copy[0]), "{not json");
	assert_int_equal(verify_lines(copy, nlines, &r, &d), MEDFW_ERR_JSON_SYNTAX);
}

/* Feed lines[0..n) except `skip` (-1: none) to a verifier; returns the first failure. */
static enum medfw_err feed(struct medfw_audit_verifier *v, size_t n, long skip,
			   int64_t *problem_seq, struct medfw_diag *d)
{
	enum medfw_err err = MEDFW_OK;

	medfw_diag_clear(d);
	for (size_t i = 0; err == MEDFW_OK && i < n; i++) {
		json_t *obj;

		if ((long)i == skip)
			continue;
		obj = json_loads(lines[i], 0, NULL);
		assert_non_null(obj);
		err = medfw_audit_verifier_add(v, obj, problem_seq, d);
		json_decref(obj);
	}
	return err;
}

/* The verifier names the record at fault, without a position in a file; after a
 * problem it refuses to go on. */
static void test_verifier_problem_seq(void **state)
{
	struct medfw_audit_verifier *v = NULL;
	struct medfw_audit_verify_result r;
	struct medfw_diag d;
	int64_t seq = -1;
	json_t *obj;
	char *p;

	(void)state;
	build();
	/* intact, from the genesis: the same counts as the export check */
	assert_int_equal(medfw_audit_verifier_new(pub, 1, &v), MEDFW_OK);
	assert_int_equal(feed(v, nlines, -1, &seq, &d), MEDFW_OK);
	assert_int_equal(seq, 0);
	medfw_audit_verifier_result(v, &r);
	assert_int_equal(r.records, NREC);
	assert_int_equal(r.checkpoints, 2);
	assert_int_equal(r.last_checkpoint, NREC);
	assert_int_equal(r.last_checkpoint_time, 1795305600);
	assert_int_equal(r.uncovered, 0);
	medfw_audit_verifier_free(v);
	/* record 3 (line 2) removed: the problem is record 3, found at record 4 */
	assert_int_equal(medfw_audit_verifier_new(pub, 1, &v), MEDFW_OK);
	assert_int_equal(feed(v, nlines, 2, &seq, &d), MEDFW_ERR_HASH_MISMATCH);
	assert_int_equal(seq, 3);
	assert_null(strstr(d.msg, "line"));
	assert_non_null(strstr(d.msg, "record 4 follows record 2"));
	medfw_audit_verifier_result(v, &r);
	assert_int_equal(r.records, 2);
	/* ...and then refuses everything */
	obj = json_loads(lines[3], 0, NULL);
	medfw_diag_clear(&d);
	assert_int_equal(medfw_audit_verifier_add(v, obj, &seq, &d), MEDFW_ERR_STATE);
	json_decref(obj);
	medfw_audit_verifier_free(v);
	/* from the genesis, record 1 removed: record 1 is at fault */
	assert_int_equal(medfw_audit_verifier_new(pub, 1, &v), MEDFW_OK);
	assert_int_equal(feed(v, nlines, 0, &seq, &d), MEDFW_ERR_HASH_MISMATCH);
	assert_int_equal(seq, 1);
	medfw_audit_verifier_free(v);
	/* not from the genesis (an export that starts later): fine */
	assert_int_equal(medfw_audit_verifier_new(pub, 0, &v), MEDFW_OK);
	assert_int_equal(feed(v, nlines, 0, &seq, &d), MEDFW_OK);
	medfw_audit_verifier_free(v);
	/* a changed record */
	p = strstr(lines[6], "alice");
	p[0] = 'A';
	assert_int_equal(medfw_audit_verifier_new(pub, 1, &v), MEDFW_OK);
	assert_int_equal(feed(v, nlines, -1, &seq, &d), MEDFW_ERR_HASH_MISMATCH);
	assert_int_equal(seq, 6);
	assert_non_null(strstr(d.msg, "record 6 was changed"));
	medfw_audit_verifier_free(v);
	/* a checkpoint naming a record the chain does not have (signed, but for a hash
	 * that is not record 5's) */
	build();
	{
		json_t *cp = NULL;
		char *text;

		assert_int_equal(medfw_audit_checkpoint_new(5, MEDFW_AUDIT_ZERO_HASH, 1795305600,
							    key, &cp, NULL),
				 MEDFW_OK);
		text = json_dumps(cp, JSON_COMPACT);
		snprintf(lines[5], sizeof(lines[0]), "%s", text);
		free(text);
		json_decref(cp);
	}
	assert_int_equal(medfw_audit_verifier_new(pub, 1, &v), MEDFW_OK);
	assert_int_equal(feed(v, nlines, -1, &seq, &d), MEDFW_ERR_HASH_MISMATCH);
	assert_int_equal(seq, 5);
	assert_non_null(strstr(d.msg, "checkpoint names record 5"));
	medfw_audit_verifier_free(v);
	/* not an object */
	assert_int_equal(medfw_audit_verifier_new(pub, 1, &v), MEDFW_OK);
	obj = json_integer(7);
	medfw_diag_clear(&d);
	assert_int_equal(medfw_audit_verifier_add(v, obj, &seq, &d), MEDFW_ERR_FIELD_TYPE);
	assert_int_equal(seq, 1);
	json_decref(obj);
	medfw_audit_verifier_free(v);
	medfw_audit_verifier_free(NULL);
	assert_int_equal(medfw_audit_verifier_new(NULL, 1, &v), MEDFW_ERR_INVALID_ARG);
	assert_null(v);
}

/* Threads append and sign the head at once, as medfwd's request threads do: two that
 * find the same head unsigned both try to add its checkpoint; the second finds the
 * first one's and that is not an error. Every call succeeds and the export verifies. */
struct race {
	struct medfw_store *store;
	struct medfw_ctx *ctx;
	int failures;
	char why[512];
};

static void *racer(void *arg)
{
	struct race *r = arg;

	for (int i = 0; i < 60; i++) {
		struct medfw_audit_actor actor = {MEDFW_ACTOR_SYSTEM, 0};
		struct medfw_diag d;

		medfw_diag_clear(&d);
		if (medfw_audit_append(r->store, r->ctx, actor, 0, "test.race",
				       json_pack("{s:i}", "i", i), &d) != MEDFW_OK ||
		    medfw_audit_checkpoint(r->store, r->ctx, key, &d) != MEDFW_OK) {
			__atomic_add_fetch(&r->failures, 1, __ATOMIC_SEQ_CST);
			snprintf(r->why, sizeof(r->why), "%s", d.msg);
		}
	}
	return NULL;
}

static enum medfw_err collect(void *user, const char *line, size_t len)
{
	return medfw_buf_append(user, line, len);
}

static void test_concurrent_checkpoints(void **state)
{
	char *dir = tu_tmpdir_new(), path[4096];
	struct race r;
	pthread_t t[4];
	struct medfw_buf out;
	struct medfw_audit_verify_result res;
	struct medfw_diag d;

	(void)state;
	memset(&r, 0, sizeof(r));
	tu_path(path, sizeof(path), dir, "audit.db");
	r.ctx = medfw_ctx_new();
	assert_int_equal(medfw_store_open(r.ctx, path, &r.store, NULL), MEDFW_OK);
	for (int i = 0; i < 4; i++)
		assert_int_equal(pthread_create(&t[i], NULL, racer, &r), 0);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	if (r.failures != 0)
		fail_msg("%d failed calls, the last: %s", r.failures, r.why);
	medfw_buf_init(&out, 1 << 24);
	assert_int_equal(medfw_audit_export(r.store, collect, &out, NULL), MEDFW_OK);
	medfw_diag_clear(&d);
	assert_int_equal(medfw_audit_verify_export(out.data, out.len, pub, &res, &d), MEDFW_OK);
	assert_int_equal(res.records, 240);
	assert_true(res.checkpoints >= 1);
	medfw_buf_free(&out);
	medfw_store_close(r.store);
	medfw_ctx_free(r.ctx);
	tu_tmpdir_free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_intact),
		cmocka_unit_test(test_changed_record),
		cmocka_unit_test(test_deleted_inserted_reordered),
		cmocka_unit_test(test_forged_checkpoint),
		cmocka_unit_test(test_verifier_problem_seq),
		cmocka_unit_test(test_concurrent_checkpoints),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
