/* The audit trail in the store: the list's filters and paging, and the verification of
 * the stored chain (medfw_audit_verify_store): intact, a changed record, a removed
 * record, records cut off the end, a forged checkpoint, a row the store cannot read
 * back; paging across pages of records and of checkpoints. */
#include "testutil.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "medfw/audit.h"
#include "medfw/json.h"
#include "medfw/store.h"

#define T0 1795305600 /* 2026-11-22T00:00:00Z */

struct fx {
	char *dir;
	char path[4096];
	struct medfw_ctx *ctx;
	struct medfw_store *store;
	struct medfw_privkey *key;
	struct medfw_pubkey *pub;
	int64_t now;
};

static int64_t fx_clock(void *user)
{
	return ((struct fx *)user)->now;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	f->dir = tu_tmpdir_new();
	tu_path(f->path, sizeof(f->path), f->dir, "medfwd.db");
	f->ctx = medfw_ctx_new();
	f->now = T0;
	medfw_ctx_set_clock(f->ctx, fx_clock, f);
	if (medfw_store_open(f->ctx, f->path, &f->store, NULL) != MEDFW_OK ||
	    medfw_privkey_generate(MEDFW_KEY_ED25519, &f->key, NULL) != MEDFW_OK ||
	    medfw_privkey_public(f->key, &f->pub, NULL) != MEDFW_OK)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	medfw_store_close(f->store);
	medfw_privkey_free(f->key);
	medfw_pubkey_free(f->pub);
	medfw_ctx_free(f->ctx);
	tu_tmpdir_free(f->dir);
	free(f);
	return 0;
}

/* Records appended in one transaction (one commit, not one fsync per record). */
struct fill {
	struct fx *f;
	int count;
	int checkpoint_every; /* 0: none */
	const char *event;
	int64_t site_id;
	struct medfw_audit_actor actor;
};

static enum medfw_err fill_tx(struct medfw_store *tx, void *user, struct medfw_diag *diag)
{
	struct fill *a = user;
	enum medfw_err err = MEDFW_OK;

	for (int i = 1; err == MEDFW_OK && i <= a->count; i++) {
		err = medfw_audit_append(tx, a->f->ctx, a->actor, a->site_id, a->event,
					 json_pack("{s:i}", "i", i), diag);
		if (err == MEDFW_OK && a->checkpoint_every != 0 && i % a->checkpoint_every == 0)
			err = medfw_audit_checkpoint(tx, a->f->ctx, a->f->key, diag);
	}
	return err;
}

static void fill(struct fx *f, int count, int checkpoint_every, const char *event,
		 int64_t site_id, struct medfw_audit_actor actor)
{
	struct fill a = {f, count, checkpoint_every, event, site_id, actor};
	struct medfw_diag d;

	medfw_diag_clear(&d);
	if (medfw_store_tx(f->store, fill_tx, &a, &d) != MEDFW_OK)
		fail_msg("fill: %s", d.msg);
}

static void fill_system(struct fx *f, int count, int checkpoint_every)
{
	fill(f, count, checkpoint_every, "test.event", 0,
	     (struct medfw_audit_actor){MEDFW_ACTOR_SYSTEM, 0});
}

/* Change the stored trail behind the store's back, as someone with the database file
 * could (the append-only triggers dropped first). */
static void tamper(struct fx *f, const char *sql)
{
	sqlite3 *db = NULL;
	char *msg = NULL;

	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	if (sqlite3_exec(db,
			 "DROP TRIGGER IF EXISTS audit_log_no_update;"
			 "DROP TRIGGER IF EXISTS audit_log_no_delete;",
			 NULL, NULL, &msg) != SQLITE_OK ||
	    sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("tamper: %s", msg != NULL ? msg : "?");
	sqlite3_close(db);
}

static enum medfw_err verify(struct fx *f, struct medfw_audit_chain_report *r,
			     struct medfw_diag *d)
{
	medfw_diag_clear(d);
	return medfw_audit_verify_store(f->store, f->pub, r, d);
}

static void test_verify_intact_and_tail(void **state)
{
	struct fx *f = *state;
	struct medfw_audit_chain_report r;
	struct medfw_diag d;

	/* empty: nothing to check, nothing wrong */
	assert_int_equal(verify(f, &r, &d), MEDFW_OK);
	assert_int_equal(r.state, MEDFW_AUDIT_CHAIN_VERIFIED);
	assert_int_equal(r.verified.records, 0);
	/* more than a page of records (256) and of checkpoints (64) */
	fill_system(f, 700, 10);
	assert_int_equal(verify(f, &r, &d), MEDFW_OK);
	assert_int_equal(r.state, MEDFW_AUDIT_CHAIN_VERIFIED);
	assert_int_equal(r.verified.records, 700);
	assert_int_equal(r.head_seq, 700);
	assert_int_equal(r.verified.first_seq, 1);
	assert_int_equal(r.verified.checkpoints, 70);
	assert_int_equal(r.verified.last_checkpoint, 700);
	assert_int_equal(r.verified.last_checkpoint_time, T0);
	assert_int_equal(r.verified.uncovered, 0);
	assert_int_equal(r.problem_seq, 0);
	assert_string_equal(r.problem, "");
	/* records after the last checkpoint: the unsigned tail */
	fill_system(f, 3, 0);
	assert_int_equal(verify(f, &r, &d), MEDFW_OK);
	assert_int_equal(r.verified.records, 703);
	assert_int_equal(r.verified.uncovered, 3);
	/* a read: the verification appended nothing */
	{
		char hash[MEDFW_STORE_HEX_HASH_MAX + 1];
		int64_t head = 0;

		assert_int_equal(medfw_store_audit_head(f->store, &head, hash, NULL), MEDFW_OK);
		assert_int_equal(head, 703);
	}
	/* another server key: the first checkpoint does not verify */
	{
		struct medfw_privkey *other = NULL;
		struct medfw_pubkey *other_pub = NULL;

		assert_int_equal(medfw_privkey_generate(MEDFW_KEY_ED25519, &other, NULL), MEDFW_OK);
		assert_int_equal(medfw_privkey_public(other, &other_pub, NULL), MEDFW_OK);
		medfw_diag_clear(&d);
		assert_int_equal(medfw_audit_verify_store(f->store, other_pub, &r, &d),
				 MEDFW_ERR_SIGNATURE);
		assert_int_equal(r.state, MEDFW_AUDIT_CHAIN_BROKEN);
		assert_int_equal(r.problem_seq, 10);
		assert_int_equal(r.verified.records, 10);
		assert_int_equal(r.verified.checkpoints, 0);
		assert_non_null(strstr(d.msg, "not the server key"));
		medfw_privkey_free(other);
		medfw_pubkey_free(other_pub);
	}
}

/* Longer than the verifier's window of recent hashes (MEDFW_AUDIT_CHECKPOINT_REACH):
 * checkpoints far into the chain still find their record; one changed there too. */
static void test_verify_long_chain(void **state)
{
	struct fx *f = *state;
	struct medfw_audit_chain_report r;
	struct medfw_diag d;

	fill_system(f, (int)MEDFW_AUDIT_CHECKPOINT_REACH + 900, 1000);
	assert_int_equal(verify(f, &r, &d), MEDFW_OK);
	assert_int_equal(r.verified.records, MEDFW_AUDIT_CHECKPOINT_REACH + 900);
	assert_int_equal(r.verified.checkpoints, 4);
	assert_int_equal(r.verified.last_checkpoint, 4000);
	assert_int_equal(r.verified.uncovered, MEDFW_AUDIT_CHECKPOINT_REACH + 900 - 4000);
	tamper(f, "UPDATE audit_log SET event = 'test.other' WHERE seq = 4500");
	assert_int_equal(verify(f, &r, &d), MEDFW_ERR_HASH_MISMATCH);
	assert_int_equal(r.problem_seq, 4500);
	assert_int_equal(r.verified.checkpoints, 4);
}

static void test_verify_changed_record(void **state)
{
	struct fx *f = *state;
	struct medfw_audit_chain_report r;
	struct medfw_diag d;

	fill_system(f, 300, 64);
	tamper(f, "UPDATE audit_log SET actor_id = 99 WHERE seq = 270");
	assert_int_equal(verify(f, &r, &d), MEDFW_ERR_HASH_MISMATCH);
	assert_int_equal(r.state, MEDFW_AUDIT_CHAIN_BROKEN);
	assert_int_equal(r.problem_seq, 270);
	assert_int_equal(r.verified.records, 269);
	assert_int_equal(r.verified.checkpoints, 4);
	assert_int_equal(r.verified.last_checkpoint, 256);
	assert_non_null(strstr(r.problem, "record 270 was changed"));
	assert_non_null(strstr(d.msg, "record 270"));
	/* the record's detail made unreadable: found too, at that record */
	tamper(f, "UPDATE audit_log SET actor_id = 0 WHERE seq = 270;"
		  "UPDATE audit_log SET detail = '{not json' WHERE seq = 12");
	assert_int_not_equal(verify(f, &r, &d), MEDFW_OK);
	assert_int_equal(r.state, MEDFW_AUDIT_CHAIN_BROKEN);
	assert_int_equal(r.problem_seq, 12);
}

static void test_verify_removed_records(void **state)
{
	struct fx *f = *state;
	struct medfw_audit_chain_report r;
	struct medfw_diag d;

	fill_system(f, 200, 50);
	/* one from the middle */
	tamper(f, "DELETE FROM audit_log WHERE seq = 77");
	assert_int_equal(verify(f, &r, &d), MEDFW_ERR_HASH_MISMATCH);
	assert_int_equal(r.problem_seq, 77);
	assert_int_equal(r.verified.records, 76);
	assert_non_null(strstr(r.problem, "record 78 follows record 76"));
}

static void test_verify_removed_first_and_tail(void **state)
{
	struct fx *f = *state;
	struct medfw_audit_chain_report r;
	struct medfw_diag d;

	fill_system(f, 120, 60);
	/* the end cut off, back to before the last checkpoint: the checkpoint tells */
	tamper(f, "DELETE FROM audit_log WHERE seq > 100");
	assert_int_equal(verify(f, &r, &d), MEDFW_ERR_HASH_MISMATCH);
	assert_int_equal(r.problem_seq, 120);
	assert_int_equal(r.head_seq, 100);
	assert_non_null(strstr(r.problem, "removed from its end"));
	/* the first record removed */
	tamper(f, "DELETE FROM audit_checkpoints WHERE seq > 100; DELETE FROM audit_log WHERE seq = 1");
	assert_int_equal(verify(f, &r, &d), MEDFW_ERR_HASH_MISMATCH);
	assert_int_equal(r.problem_seq, 1);
	assert_int_equal(r.verified.records, 0);
	assert_non_null(strstr(r.problem, "record 1 is missing"));
}

static void test_verify_forged_checkpoint(void **state)
{
	struct fx *f = *state;
	struct medfw_audit_chain_report r;
	struct medfw_diag d;

	fill_system(f, 40, 20);
	/* a checkpoint moved to another record: its signature covers the old one */
	tamper(f, "UPDATE audit_checkpoints SET hash = (SELECT hash FROM audit_log WHERE seq = 19)"
		  " WHERE seq = 20");
	assert_int_equal(verify(f, &r, &d), MEDFW_ERR_SIGNATURE);
	assert_int_equal(r.problem_seq, 20);
	assert_int_equal(r.verified.checkpoints, 0);
	assert_non_null(strstr(r.problem, "signature does not verify"));
}

/* ---- list filters ---- */

static size_t list(struct fx *f, struct medfw_store_scope scope,
		   const struct medfw_store_audit_filter *flt, struct medfw_store_audit *out,
		   size_t cap)
{
	size_t n = 0;
	struct medfw_diag d;

	medfw_diag_clear(&d);
	if (medfw_store_audit_list(f->store, scope, flt, out, cap, &n, &d) != MEDFW_OK)
		fail_msg("list: %s", d.msg);
	return n;
}

static void test_list_filters(void **state)
{
	struct fx *f = *state;
	struct medfw_store_audit *out = calloc(64, sizeof(*out));
	struct medfw_store_audit_filter flt;
	struct medfw_store_site a, b;
	struct medfw_store_user u;
	struct medfw_store_api_token t;
	struct medfw_diag d;
	size_t n;

	assert_non_null(out);
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	snprintf(a.name, sizeof(a.name), "A");
	snprintf(a.time_zone, sizeof(a.time_zone), "UTC");
	snprintf(b.name, sizeof(b.name), "B");
	snprintf(b.time_zone, sizeof(b.time_zone), "UTC");
	assert_int_equal(medfw_store_site_create(f->store, &a, NULL), MEDFW_OK);
	assert_int_equal(medfw_store_site_create(f->store, &b, NULL), MEDFW_OK);
	memset(&u, 0, sizeof(u));
	snprintf(u.username, sizeof(u.username), "alice");
	snprintf(u.password_hash, sizeof(u.password_hash), "x");
	u.role = MEDFW_ROLE_ADMIN;
	u.site_id = a.id;
	assert_int_equal(medfw_store_user_create(f->store, &u, NULL), MEDFW_OK);
	memset(&t, 0, sizeof(t));
	t.user_id = u.id;
	snprintf(t.name, sizeof(t.name), "script");
	t.token_hash[0] = 1;
	assert_int_equal(medfw_store_api_token_create(f->store, &t, NULL), MEDFW_OK);
	/* seq 1-3: system; 4-5: alice at site A; 6-7: alice's token at site A (later);
	 * 8-9: user 999 at site B */
	fill(f, 3, 0, "server.start", 0, (struct medfw_audit_actor){MEDFW_ACTOR_SYSTEM, 0});
	fill(f, 2, 0, "rollout.created", a.id, (struct medfw_audit_actor){MEDFW_ACTOR_USER, u.id});
	f->now = T0 + 3600;
	fill(f, 2, 0, "rollout.paused", a.id, (struct medfw_audit_actor){MEDFW_ACTOR_TOKEN, t.id});
	fill(f, 2, 0, "rolloutx", b.id, (struct medfw_audit_actor){MEDFW_ACTOR_USER, 999});

	/* a person: as themselves and through their tokens */
	memset(&flt, 0, sizeof(flt));
	flt.user_id = u.id;
	n = list(f, medfw_store_scope_all(), &flt, out, 64);
	assert_int_equal(n, 4);
	assert_int_equal(out[0].seq, 4);
	assert_int_equal(out[3].seq, 7);
	/* an event prefix: "rollout." is not "rolloutx" */
	memset(&flt, 0, sizeof(flt));
	snprintf(flt.event_prefix, sizeof(flt.event_prefix), "rollout.");
	assert_int_equal(list(f, medfw_store_scope_all(), &flt, out, 64), 4);
	snprintf(flt.event_prefix, sizeof(flt.event_prefix), "rollout");
	assert_int_equal(list(f, medfw_store_scope_all(), &flt, out, 64), 6);
	/* newest first, paged with before_seq */
	memset(&flt, 0, sizeof(flt));
	flt.descending = 1;
	assert_int_equal(list(f, medfw_store_scope_all(), &flt, out, 4), 4);
	assert_int_equal(out[0].seq, 9);
	assert_int_equal(out[3].seq, 6);
	flt.before_seq = out[3].seq;
	assert_int_equal(list(f, medfw_store_scope_all(), &flt, out, 4), 4);
	assert_int_equal(out[0].seq, 5);
	flt.before_seq = 2;
	assert_int_equal(list(f, medfw_store_scope_all(), &flt, out, 4), 1);
	assert_int_equal(out[0].seq, 1);
	/* both bounds, ascending */
	memset(&flt, 0, sizeof(flt));
	flt.after_seq = 3;
	flt.before_seq = 6;
	assert_int_equal(list(f, medfw_store_scope_all(), &flt, out, 64), 2);
	/* a site; site staff asking for another site see nothing */
	memset(&flt, 0, sizeof(flt));
	flt.site_id = b.id;
	assert_int_equal(list(f, medfw_store_scope_all(), &flt, out, 64), 2);
	assert_int_equal(list(f, medfw_store_scope_site(a.id), &flt, out, 64), 0);
	flt.site_id = a.id;
	assert_int_equal(list(f, medfw_store_scope_site(a.id), &flt, out, 64), 4);
	/* times, inclusive */
	memset(&flt, 0, sizeof(flt));
	flt.time_from = T0 + 3600;
	assert_int_equal(list(f, medfw_store_scope_all(), &flt, out, 64), 4);
	flt.time_from = 0;
	flt.time_to = T0;
	assert_int_equal(list(f, medfw_store_scope_all(), &flt, out, 64), 5);
	/* everything together */
	memset(&flt, 0, sizeof(flt));
	flt.user_id = u.id;
	flt.site_id = a.id;
	flt.descending = 1;
	flt.time_from = T0 + 1;
	snprintf(flt.event_prefix, sizeof(flt.event_prefix), "rollout.");
	assert_int_equal(list(f, medfw_store_scope_site(a.id), &flt, out, 64), 2);
	assert_int_equal(out[0].seq, 7);
	/* bad filters are refused, naming the field, and nothing is returned */
	memset(&flt, 0, sizeof(flt));
	snprintf(flt.event_prefix, sizeof(flt.event_prefix), "caf\xc3\xa9");
	medfw_diag_clear(&d);
	n = 5;
	assert_int_equal(medfw_store_audit_list(f->store, medfw_store_scope_all(), &flt, out, 64, &n,
						&d),
			 MEDFW_ERR_FIELD_VALUE);
	assert_int_equal(n, 0);
	assert_non_null(strstr(d.msg, "event_prefix"));
	memset(&flt, 0, sizeof(flt));
	flt.before_seq = -1;
	medfw_diag_clear(&d);
	assert_int_equal(medfw_store_audit_list(f->store, medfw_store_scope_all(), &flt, out, 64, &n,
						&d),
			 MEDFW_ERR_FIELD_VALUE);
	assert_non_null(strstr(d.msg, "before_seq"));
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_verify_intact_and_tail, setup, teardown),
		cmocka_unit_test_setup_teardown(test_verify_long_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_verify_changed_record, setup, teardown),
		cmocka_unit_test_setup_teardown(test_verify_removed_records, setup, teardown),
		cmocka_unit_test_setup_teardown(test_verify_removed_first_and_tail, setup, teardown),
		cmocka_unit_test_setup_teardown(test_verify_forged_checkpoint, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_filters, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
