/* The image repository: staging, thresholds at publish, root edits, audit trail. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "medfw/json.h"
#include "medfw/repo.h"

enum { ROOT1, ROOT2, TARGETS1, TARGETS2, SNAPSHOT, TIMESTAMP, NKEYS };

struct fixture {
	char *dir;
	char repo[4096];
	char image[4096];
	struct medfw_ctx *ctx;
	struct medfw_privkey *keys[NKEYS];
	struct medfw_pubkey *pubs[NKEYS];
};

static json_t *example_notice(void)
{
	char path[4096];
	struct medfw_buf b;
	json_t *n;

	snprintf(path, sizeof(path), "%s/docs/formats/release-notice.example.json",
		 getenv("MEDFW_SOURCE_DIR"));
	tu_read_file(path, &b);
	n = json_loadb((const char *)b.data, b.len, 0, NULL);
	medfw_buf_free(&b);
	assert_non_null(n);
	return n;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct medfw_repo_init_opts opts;
	int map[MEDFW_TUF_TOP_ROLES][2] = {{ROOT1, ROOT2}, {TIMESTAMP, -1}, {SNAPSHOT, -1},
					   {TARGETS1, TARGETS2}};

	f->dir = tu_tmpdir_new();
	f->ctx = medfw_ctx_new();
	tu_path(f->repo, sizeof(f->repo), f->dir, "repo");
	tu_path(f->image, sizeof(f->image), f->dir, "fw.img");
	tu_write_file(f->image, "firmware image bytes", 20);
	memset(&opts, 0, sizeof(opts));
	opts.consistent_snapshot = 1;
	for (int i = 0; i < NKEYS; i++) {
		assert_int_equal(medfw_privkey_generate(MEDFW_KEY_ED25519, &f->keys[i], NULL), MEDFW_OK);
		assert_int_equal(medfw_privkey_public(f->keys[i], &f->pubs[i], NULL), MEDFW_OK);
	}
	for (int r = 0; r < MEDFW_TUF_TOP_ROLES; r++) {
		for (int k = 0; k < 2 && map[r][k] >= 0; k++)
			opts.roles[r].keys[opts.roles[r].key_count++] = f->pubs[map[r][k]];
		opts.roles[r].threshold = (int64_t)opts.roles[r].key_count;
		opts.roles[r].expires_seconds = 86400;
	}
	assert_int_equal(medfw_repo_init(f->ctx, f->repo, &opts, NULL), MEDFW_OK);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	for (int i = 0; i < NKEYS; i++) {
		medfw_privkey_free(f->keys[i]);
		medfw_pubkey_free(f->pubs[i]);
	}
	medfw_ctx_free(f->ctx);
	tu_tmpdir_free(f->dir);
	free(f);
	return 0;
}

static enum medfw_err publish(struct fixture *f, struct medfw_diag *d)
{
	return medfw_repo_publish(f->ctx, f->repo, f->keys[SNAPSHOT], f->keys[TIMESTAMP], d);
}

static int exists(struct fixture *f, const char *rel)
{
	char path[4096];

	tu_path(path, sizeof(path), f->repo, rel);
	return access(path, F_OK) == 0;
}

static void test_publish_needs_every_threshold(void **state)
{
	struct fixture *f = *state;
	json_t *notice = example_notice();
	struct medfw_diag d;
	size_t records;

	assert_int_equal(medfw_repo_add_release(f->ctx, f->repo, f->image, "pump/fw.img", notice,
						NULL),
			 MEDFW_OK);
	medfw_diag_clear(&d);
	assert_int_equal(publish(f, &d), MEDFW_ERR_THRESHOLD);
	assert_non_null(strstr(d.msg, "staged root (its own keys): 0 of 2"));
	assert_int_equal(medfw_repo_sign_staged(f->ctx, f->repo, MEDFW_TUF_ROOT, f->keys[ROOT1], NULL),
			 MEDFW_OK);
	assert_int_equal(medfw_repo_sign_staged(f->ctx, f->repo, MEDFW_TUF_ROOT, f->keys[ROOT2], NULL),
			 MEDFW_OK);
	assert_int_equal(medfw_repo_sign_staged(f->ctx, f->repo, MEDFW_TUF_TARGETS,
						f->keys[TARGETS1], NULL),
			 MEDFW_OK);
	medfw_diag_clear(&d);
	assert_int_equal(publish(f, &d), MEDFW_ERR_THRESHOLD);
	assert_non_null(strstr(d.msg, "staged targets: 1 of 2"));
	assert_false(exists(f, "metadata/timestamp.json"));
	/* a key that does not count is refused before anything is written */
	medfw_diag_clear(&d);
	assert_int_equal(medfw_repo_sign_staged(f->ctx, f->repo, MEDFW_TUF_TARGETS,
						f->keys[SNAPSHOT], &d),
			 MEDFW_ERR_SIGNATURE);
	assert_int_equal(medfw_repo_sign_staged(f->ctx, f->repo, MEDFW_TUF_TARGETS,
						f->keys[TARGETS2], NULL),
			 MEDFW_OK);
	assert_int_equal(publish(f, NULL), MEDFW_OK);
	assert_true(exists(f, "metadata/1.root.json"));
	assert_true(exists(f, "metadata/timestamp.json"));
	assert_true(exists(f, "targets/pump/fw.img"));
	assert_false(exists(f, "staged/targets.json"));
	/* the same name again is refused */
	medfw_diag_clear(&d);
	assert_int_equal(medfw_repo_add_release(f->ctx, f->repo, f->image, "pump/fw.img", notice, &d),
			 MEDFW_ERR_EXISTS);
	/* init, add, 4 signs, 2 refusals, publish */
	assert_int_equal(medfw_repo_audit_verify(f->repo, &records, NULL), MEDFW_OK);
	assert_int_equal(records, 9);
	json_decref(notice);
}

static void test_bad_inputs_stage_nothing(void **state)
{
	struct fixture *f = *state;
	json_t *notice = example_notice();
	struct medfw_diag d;

	medfw_diag_clear(&d);
	assert_int_equal(medfw_repo_add_release(f->ctx, f->repo, f->image, "../x.img", notice, &d),
			 MEDFW_ERR_INVALID_ARG);
	json_object_set_new(notice, "security_version", json_string("7"));
	medfw_diag_clear(&d);
	assert_int_equal(medfw_repo_add_release(f->ctx, f->repo, f->image, "fw.img", notice, &d),
			 MEDFW_ERR_NOTICE);
	assert_non_null(strstr(d.msg, "security_version"));
	medfw_diag_clear(&d);
	assert_int_equal(medfw_repo_add_release(f->ctx, f->repo, f->image, "fw.img", NULL, &d),
			 MEDFW_ERR_NOTICE);
	assert_false(exists(f, "staged/images/fw.img"));
	json_decref(notice);
}

static void test_root_edits(void **state)
{
	struct fixture *f = *state;
	json_t *root = NULL;
	struct medfw_diag d;

	assert_int_equal(medfw_repo_stage_root(f->ctx, f->repo, &root, NULL), MEDFW_OK);
	medfw_diag_clear(&d);
	assert_int_equal(medfw_repo_root_remove_key(root, MEDFW_TUF_ROOT,
						    medfw_pubkey_keyid(f->pubs[ROOT1]), &d),
			 MEDFW_ERR_THRESHOLD); /* 2-of-2: lower the threshold first */
	assert_int_equal(medfw_repo_root_set_threshold(root, MEDFW_TUF_ROOT, 3, NULL),
			 MEDFW_ERR_THRESHOLD);
	assert_int_equal(medfw_repo_root_set_threshold(root, MEDFW_TUF_ROOT, 1, NULL), MEDFW_OK);
	assert_int_equal(medfw_repo_root_remove_key(root, MEDFW_TUF_ROOT,
						    medfw_pubkey_keyid(f->pubs[ROOT1]), NULL),
			 MEDFW_OK);
	/* no role uses ROOT1 any more: its key is dropped */
	assert_null(json_object_get(json_object_get(root, "keys"),
				    medfw_pubkey_keyid(f->pubs[ROOT1])));
	assert_int_equal(medfw_repo_root_remove_key(root, MEDFW_TUF_ROOT, "nope", NULL),
			 MEDFW_ERR_NOT_FOUND);
	assert_int_equal(medfw_repo_root_add_key(root, MEDFW_TUF_ROOT, f->pubs[ROOT2], NULL),
			 MEDFW_ERR_EXISTS);
	assert_int_equal(medfw_repo_root_add_key(root, MEDFW_TUF_TIMESTAMP, f->pubs[ROOT1], NULL),
			 MEDFW_OK);
	assert_non_null(json_object_get(json_object_get(root, "keys"),
					medfw_pubkey_keyid(f->pubs[ROOT1])));
	json_decref(root);
}

static void test_audit_chain_tamper(void **state)
{
	struct fixture *f = *state;
	char path[4096];
	struct medfw_buf log;
	struct medfw_diag d;
	size_t records;
	FILE *out;

	tu_path(path, sizeof(path), f->repo, "audit.log");
	assert_int_equal(medfw_repo_audit(f->ctx, f->repo, "test.event",
					  json_pack("{s:s}", "what", "second"), NULL),
			 MEDFW_OK);
	assert_int_equal(medfw_repo_audit_verify(f->repo, &records, NULL), MEDFW_OK);
	assert_int_equal(records, 2);
	tu_read_file(path, &log);
	log.data[10] ^= 1; /* inside line 1: line 2's "prev" no longer matches */
	out = fopen(path, "wb");
	assert_non_null(out);
	assert_int_equal(fwrite(log.data, 1, log.len, out), log.len);
	fclose(out);
	medfw_diag_clear(&d);
	assert_int_equal(medfw_repo_audit_verify(f->repo, &records, &d), MEDFW_ERR_HASH_MISMATCH);
	assert_int_equal(records, 0);
	/* a broken chain is never extended, and blocks changes */
	assert_int_equal(medfw_repo_audit(f->ctx, f->repo, "test.event", NULL, NULL),
			 MEDFW_ERR_HASH_MISMATCH);
	assert_int_equal(medfw_repo_publish(f->ctx, f->repo, f->keys[SNAPSHOT], f->keys[TIMESTAMP],
					    NULL),
			 MEDFW_ERR_HASH_MISMATCH);
	medfw_buf_free(&log);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_publish_needs_every_threshold, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_inputs_stage_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_root_edits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_audit_chain_tamper, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
