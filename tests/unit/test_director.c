/* The director: per-device metadata built and signed with the online key, and the
 * device-side check against the pinned director root and the image repository's
 * targets. Every mismatch is asserted with its exact error and a cleared output. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "medfw/buf.h"
#include "medfw/crypto.h"
#include "medfw/ctx.h"
#include "medfw/director.h"
#include "medfw/json.h"
#include "medfw/tuf.h"

#define T0 1900000000 /* 2030-03-17 */
#define HWID "acme-infusion-pump-rev-c"
#define SHA "aabbccddeeff00112233445566778899aabbccddeeff00112233445566778899"

struct fx {
	struct medfw_ctx *ctx;
	int64_t now;
	struct medfw_privkey *key, *other;
	struct medfw_buf root;
	struct medfw_tuf_meta *image;
	json_t *hashes;
	struct medfw_director_assignment a;
	struct medfw_director_metadata md;
};

static int64_t clock_fn(void *user)
{
	return ((struct fx *)user)->now;
}

static struct medfw_tuf_meta *image_targets(int64_t length, const char *sha)
{
	struct medfw_buf notice, doc;
	char path[4096];
	json_t *n = NULL, *signed_obj, *env;
	struct medfw_tuf_meta *m = NULL;
	const char *src = getenv("MEDFW_SOURCE_DIR");

	assert_non_null(src);
	snprintf(path, sizeof(path), "%s/docs/formats/release-notice.example.json", src);
	tu_read_file(path, &notice);
	assert_int_equal(medfw_json_parse(notice.data, notice.len, 1u << 20, 32, &n, NULL), MEDFW_OK);
	medfw_buf_free(&notice);
	signed_obj = json_pack("{s:s, s:s, s:i, s:s, s:{s:{s:I, s:{s:s}, s:{s:{s:o}}}}}", "_type",
			       "targets", "spec_version", MEDFW_TUF_SPEC_VERSION, "version", 4,
			       "expires", "2040-01-01T00:00:00Z", "targets", "fw-4.2.bin", "length",
			       (json_int_t)length, "hashes", "sha256", sha, "custom", "medfw",
			       "release_notice", n);
	assert_non_null(signed_obj);
	env = medfw_tuf_envelope_new(signed_obj);
	json_decref(signed_obj);
	medfw_buf_init(&doc, 1u << 20);
	assert_int_equal(medfw_tuf_envelope_serialize(env, &doc, NULL), MEDFW_OK);
	json_decref(env);
	assert_int_equal(medfw_tuf_meta_parse_unverified(doc.data, doc.len, doc.max,
							 MEDFW_TUF_TARGETS, &m, NULL),
			 MEDFW_OK);
	medfw_buf_free(&doc);
	return m;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->now = T0;
	f->ctx = medfw_ctx_new();
	medfw_ctx_set_clock(f->ctx, clock_fn, f);
	assert_int_equal(medfw_privkey_generate(MEDFW_KEY_ED25519, &f->key, NULL), MEDFW_OK);
	assert_int_equal(medfw_privkey_generate(MEDFW_KEY_ED25519, &f->other, NULL), MEDFW_OK);
	medfw_buf_init(&f->root, 1u << 20);
	assert_int_equal(medfw_director_root_build(f->key, T0 - 100, &f->root, NULL), MEDFW_OK);
	f->image = image_targets(1000, SHA);
	f->hashes = json_pack("{s:s}", "sha256", SHA);
	f->a = (struct medfw_director_assignment){
		.device_id = 7, .hardware_id = HWID, .version = 3, .target_name = "fw-4.2.bin",
		.target_length = 1000, .target_hashes = f->hashes, .window_start = T0 - 3600,
		.window_end = T0 + 7 * 86400};
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	medfw_director_metadata_free(&f->md);
	medfw_buf_free(&f->root);
	medfw_tuf_meta_free(f->image);
	json_decref(f->hashes);
	medfw_privkey_free(f->key);
	medfw_privkey_free(f->other);
	medfw_ctx_free(f->ctx);
	free(f);
	return 0;
}

static void build(struct fx *f, const struct medfw_privkey *key)
{
	medfw_director_metadata_free(&f->md);
	{
		struct medfw_diag d;
		enum medfw_err e;

		medfw_diag_clear(&d);
		e = medfw_director_metadata_build(key, &f->a, f->now, &f->md, &d);
		if (e != MEDFW_OK)
			fail_msg("build: %s", d.msg);
	}
}

static enum medfw_err verify(struct fx *f, const struct medfw_director_trusted *prev,
			     int64_t device_id, const char *hwid,
			     struct medfw_director_instruction *out, struct medfw_diag *diag)
{
	medfw_diag_clear(diag);
	memset(out, 0xa5, sizeof(*out));
	return medfw_director_verify(f->ctx, f->root.data, f->root.len, f->md.timestamp.data,
				     f->md.timestamp.len, f->md.snapshot.data, f->md.snapshot.len,
				     f->md.targets.data, f->md.targets.len, prev, f->image, device_id,
				     hwid, out, diag);
}

static void expect_fail(struct fx *f, const struct medfw_director_trusted *prev,
			int64_t device_id, const char *hwid, enum medfw_err want, const char *msg)
{
	struct medfw_director_instruction out;
	struct medfw_diag diag;

	assert_int_equal(verify(f, prev, device_id, hwid, &out, &diag), want);
	tu_assert_zeroed(&out, sizeof(out));
	if (msg != NULL && strstr(diag.msg, msg) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", diag.msg, msg);
}

static void test_sign_and_verify(void **state)
{
	struct fx *f = *state;
	struct medfw_director_instruction out;
	struct medfw_diag diag;
	json_t *doc = NULL, *custom;

	build(f, f->key);
	assert_int_equal(f->md.targets_version, 4);
	assert_int_equal(f->md.timestamp_version, T0 / 3600);
	assert_int_equal(verify(f, NULL, 7, HWID, &out, &diag), MEDFW_OK);
	assert_true(out.has_target);
	assert_string_equal(out.target_name, "fw-4.2.bin");
	assert_int_equal(out.target_length, 1000);
	assert_int_equal(out.window_start, T0 - 3600);
	assert_int_equal(out.window_end, T0 + 7 * 86400);
	assert_true(out.in_window);
	assert_int_equal(out.versions.targets_version, 4);
	assert_int_equal(out.versions.snapshot_version, 4);
	assert_int_equal(out.versions.timestamp_version, T0 / 3600);
	/* the custom fields as documented */
	assert_int_equal(medfw_json_parse(f->md.targets.data, f->md.targets.len, 1u << 20, 32, &doc,
					  NULL),
			 MEDFW_OK);
	custom = json_object_get(json_object_get(json_object_get(json_object_get(doc, "signed"),
								  "targets"),
						 "fw-4.2.bin"),
				 "custom");
	assert_int_equal(json_integer_value(json_object_get(custom, "device_id")), 7);
	assert_string_equal(json_string_value(json_object_get(custom, "hardware_id")), HWID);
	assert_non_null(json_object_get(json_object_get(custom, "install_window"), "end"));
	json_decref(doc);
	/* the same state within the hour: byte-identical documents */
	{
		struct medfw_director_metadata again;

		f->now += 60;
		assert_int_equal(medfw_director_metadata_build(f->key, &f->a, f->now, &again, NULL),
				 MEDFW_OK);
		assert_int_equal(again.timestamp.len, f->md.timestamp.len);
		assert_memory_equal(again.timestamp.data, f->md.timestamp.data, again.timestamp.len);
		medfw_director_metadata_free(&again);
	}
	/* before the window: verified, but not yet */
	f->a.window_start = f->now + 3600;
	build(f, f->key);
	assert_int_equal(verify(f, NULL, 7, HWID, &out, &diag), MEDFW_OK);
	assert_false(out.in_window);
}

static void test_nothing_assigned(void **state)
{
	struct fx *f = *state;
	struct medfw_director_instruction out;
	struct medfw_diag diag;

	f->a.target_name = NULL;
	f->a.version = 0;
	build(f, f->key);
	assert_int_equal(f->md.targets_version, 1);
	assert_int_equal(verify(f, NULL, 7, HWID, &out, &diag), MEDFW_OK);
	assert_false(out.has_target);
	assert_int_equal(out.versions.targets_version, 1);
}

static void test_name_mismatch(void **state)
{
	struct fx *f = *state;

	f->a.target_name = "fw-9.9.bin";
	build(f, f->key);
	expect_fail(f, NULL, 7, HWID, MEDFW_ERR_NOT_FOUND, "fw-9.9.bin");
}

static void test_length_mismatch(void **state)
{
	struct fx *f = *state;

	f->a.target_length = 1001;
	build(f, f->key);
	expect_fail(f, NULL, 7, HWID, MEDFW_ERR_LENGTH_MISMATCH, "1001");
}

static void test_hash_mismatch(void **state)
{
	struct fx *f = *state;
	json_t *bad = json_pack("{s:s}", "sha256",
				"00bbccddeeff00112233445566778899aabbccddeeff00112233445566778899");

	f->a.target_hashes = bad;
	build(f, f->key);
	expect_fail(f, NULL, 7, HWID, MEDFW_ERR_HASH_MISMATCH, "sha256");
	/* an extra algorithm the image repository does not sign is not trusted either */
	json_object_set_new(bad, "sha256", json_string(SHA));
	json_object_set_new(bad, "sha512", json_string("00"));
	build(f, f->key);
	expect_fail(f, NULL, 7, HWID, MEDFW_ERR_HASH_MISMATCH, "sha512");
	json_decref(bad);
}

static void test_hardware_mismatch(void **state)
{
	struct fx *f = *state;

	build(f, f->key);
	/* the director names another hardware than the device's */
	expect_fail(f, NULL, 7, "acme-infusion-pump-rev-d", MEDFW_ERR_HARDWARE, "hardware");
	/* the director and the device agree, but the release notice does not list it */
	f->a.hardware_id = "acme-ventilator-rev-a";
	build(f, f->key);
	expect_fail(f, NULL, 7, "acme-ventilator-rev-a", MEDFW_ERR_HARDWARE, "release notice");
}

static void test_other_device(void **state)
{
	struct fx *f = *state;

	build(f, f->key);
	expect_fail(f, NULL, 8, HWID, MEDFW_ERR_FIELD_VALUE, "device 7");
}

static void test_expired(void **state)
{
	struct fx *f = *state;

	build(f, f->key);
	f->now = T0 + 3 * 86400; /* past the metadata's expiry, within the window */
	expect_fail(f, NULL, 7, HWID, MEDFW_ERR_EXPIRED, "expired");
	/* fresh metadata but the install window has ended */
	f->a.window_end = f->now - 1;
	f->a.window_start = f->now - 7200;
	build(f, f->key);
	expect_fail(f, NULL, 7, HWID, MEDFW_ERR_EXPIRED, "install window");
}

static void test_wrong_key(void **state)
{
	struct fx *f = *state;

	build(f, f->other);
	expect_fail(f, NULL, 7, HWID, MEDFW_ERR_THRESHOLD, "timestamp");
}

static void test_rollback(void **state)
{
	struct fx *f = *state;
	struct medfw_director_trusted prev = {0, 0, 5};

	build(f, f->key);
	expect_fail(f, &prev, 7, HWID, MEDFW_ERR_ROLLBACK, "targets");
	prev = (struct medfw_director_trusted){0, 5, 0};
	expect_fail(f, &prev, 7, HWID, MEDFW_ERR_ROLLBACK, "snapshot");
	prev = (struct medfw_director_trusted){T0 / 3600 + 1, 0, 0};
	expect_fail(f, &prev, 7, HWID, MEDFW_ERR_ROLLBACK, "timestamp");
	/* equal versions are fine (the same documents again) */
	prev = (struct medfw_director_trusted){T0 / 3600, 4, 4};
	{
		struct medfw_director_instruction out;
		struct medfw_diag diag;

		assert_int_equal(verify(f, &prev, 7, HWID, &out, &diag), MEDFW_OK);
	}
}

static void test_mix_and_match(void **state)
{
	struct fx *f = *state;
	struct medfw_director_metadata other;

	/* a snapshot of another state under this timestamp */
	build(f, f->key);
	f->a.version = 5; /* same length, other content */
	assert_int_equal(medfw_director_metadata_build(f->key, &f->a, f->now, &other, NULL), MEDFW_OK);
	medfw_buf_free(&f->md.snapshot);
	f->md.snapshot = other.snapshot;
	memset(&other.snapshot, 0, sizeof(other.snapshot));
	medfw_director_metadata_free(&other);
	expect_fail(f, NULL, 7, HWID, MEDFW_ERR_HASH_MISMATCH, "snapshot");
	/* targets of another version under a valid snapshot */
	f->a.version = 3;
	build(f, f->key);
	f->a.version = 4;
	assert_int_equal(medfw_director_metadata_build(f->key, &f->a, f->now, &other, NULL), MEDFW_OK);
	medfw_buf_free(&f->md.targets);
	f->md.targets = other.targets;
	memset(&other.targets, 0, sizeof(other.targets));
	medfw_director_metadata_free(&other);
	expect_fail(f, NULL, 7, HWID, MEDFW_ERR_VERSION_MISMATCH, "targets");
}

static void test_bad_assignment(void **state)
{
	struct fx *f = *state;
	struct medfw_director_metadata md;

	f->a.window_end = f->a.window_start;
	assert_int_equal(medfw_director_metadata_build(f->key, &f->a, f->now, &md, NULL),
			 MEDFW_ERR_FIELD_VALUE);
	assert_null(md.targets.data);
	f->a.window_end = f->a.window_start + 10;
	f->a.hardware_id = "";
	assert_int_equal(medfw_director_metadata_build(f->key, &f->a, f->now, &md, NULL),
			 MEDFW_ERR_INVALID_ARG);
	medfw_director_metadata_free(NULL);
}

/* ---- key rotation: the root chain ---- */

/* `root` (an envelope) re-signed by the given keys after version := version (0: kept). */
static void resign(const struct medfw_buf *root, int64_t version,
		   const struct medfw_privkey *k1, const struct medfw_privkey *k2,
		   struct medfw_buf *out)
{
	json_t *doc = NULL, *signed_obj, *env;

	assert_int_equal(medfw_json_parse(root->data, root->len, 1u << 20, 32, &doc, NULL),
			 MEDFW_OK);
	signed_obj = json_deep_copy(json_object_get(doc, "signed"));
	if (version != 0)
		json_object_set_new(signed_obj, "version", json_integer(version));
	env = medfw_tuf_envelope_new(signed_obj);
	json_decref(signed_obj);
	if (k1 != NULL)
		assert_int_equal(medfw_tuf_envelope_sign(env, k1, NULL), MEDFW_OK);
	if (k2 != NULL)
		assert_int_equal(medfw_tuf_envelope_sign(env, k2, NULL), MEDFW_OK);
	medfw_buf_init(out, 1u << 20);
	assert_int_equal(medfw_tuf_envelope_serialize(env, out, NULL), MEDFW_OK);
	json_decref(env);
	json_decref(doc);
}

/* root_update from the fixture's v1 root over `chain`: its error; the output buffer
 * must stay empty and the version 0 on failure. */
static enum medfw_err update(struct fx *f, const struct medfw_buf *chain, size_t n,
			     struct medfw_buf *out, int64_t *version, struct medfw_diag *diag)
{
	struct medfw_director_root_file files[4];
	enum medfw_err err;

	assert_true(n <= 4);
	for (size_t i = 0; i < n; i++)
		files[i] = (struct medfw_director_root_file){chain[i].data, chain[i].len};
	medfw_diag_clear(diag);
	medfw_buf_init(out, 1u << 20);
	*version = -1;
	err = medfw_director_root_update(f->ctx, f->root.data, f->root.len, files, n, out,
					 version, diag);
	if (err != MEDFW_OK) {
		assert_int_equal(out->len, 0);
		assert_int_equal(*version, 0);
	}
	return err;
}

static void expect_update_fail(struct fx *f, const struct medfw_buf *chain, size_t n,
			       enum medfw_err want, const char *msg)
{
	struct medfw_buf out;
	struct medfw_diag diag;
	int64_t version;

	assert_int_equal(update(f, chain, n, &out, &version, &diag), want);
	if (msg != NULL && strstr(diag.msg, msg) == NULL)
		fail_msg("message \"%s\" lacks \"%s\"", diag.msg, msg);
	medfw_buf_free(&out);
}

static void test_rotation_chain(void **state)
{
	struct fx *f = *state;
	struct medfw_privkey *third = NULL;
	struct medfw_buf chain[2], pinned;
	struct medfw_director_instruction out;
	struct medfw_diag diag;
	int64_t version;

	assert_int_equal(medfw_privkey_generate(MEDFW_KEY_ED25519, &third, NULL), MEDFW_OK);
	medfw_buf_init(&chain[0], 1u << 20);
	medfw_buf_init(&chain[1], 1u << 20);
	/* v1 (key) -> v2 (other) -> v3 (third) */
	assert_int_equal(medfw_director_root_rotate(f->root.data, f->root.len, f->key, f->other,
						    f->now, &chain[0], NULL),
			 MEDFW_OK);
	assert_int_equal(medfw_director_root_rotate(chain[0].data, chain[0].len, f->other, third,
						    f->now, &chain[1], NULL),
			 MEDFW_OK);
	/* no chain: the pinned root itself */
	assert_int_equal(update(f, NULL, 0, &pinned, &version, &diag), MEDFW_OK);
	assert_int_equal(version, 1);
	assert_int_equal(pinned.len, f->root.len);
	medfw_buf_free(&pinned);
	assert_int_equal(update(f, chain, 2, &pinned, &version, &diag), MEDFW_OK);
	assert_int_equal(version, 3);
	assert_int_equal(pinned.len, chain[1].len);
	assert_memory_equal(pinned.data, chain[1].data, pinned.len);
	/* metadata signed with the newest key verifies under the new pinned root, and no
	 * longer under the old one; the old key's metadata not under the new root */
	build(f, third);
	expect_fail(f, NULL, 7, HWID, MEDFW_ERR_THRESHOLD, NULL);
	medfw_buf_free(&f->root);
	f->root = pinned;
	assert_int_equal(verify(f, NULL, 7, HWID, &out, &diag), MEDFW_OK);
	assert_true(out.has_target);
	build(f, f->key);
	expect_fail(f, NULL, 7, HWID, MEDFW_ERR_THRESHOLD, NULL);
	/* a rotation by a key that is not the root's is refused, out unchanged */
	pinned.data = NULL;
	medfw_buf_init(&pinned, 1u << 20);
	assert_int_equal(medfw_director_root_rotate(f->root.data, f->root.len, f->key, f->other,
						    f->now, &pinned, &diag),
			 MEDFW_ERR_INVALID_ARG);
	assert_int_equal(pinned.len, 0);
	assert_int_equal(medfw_director_root_rotate(f->root.data, f->root.len, third, third,
						    f->now, &pinned, &diag),
			 MEDFW_ERR_INVALID_ARG);
	assert_int_equal(pinned.len, 0);
	medfw_buf_free(&pinned);
	medfw_buf_free(&chain[0]);
	medfw_buf_free(&chain[1]);
	medfw_privkey_free(third);
}

static void test_rotation_refused(void **state)
{
	struct fx *f = *state;
	struct medfw_buf good, bad[2];
	struct medfw_privkey *third = NULL;

	assert_int_equal(medfw_privkey_generate(MEDFW_KEY_ED25519, &third, NULL), MEDFW_OK);
	medfw_buf_init(&good, 1u << 20);
	assert_int_equal(medfw_director_root_rotate(f->root.data, f->root.len, f->key, f->other,
						    f->now, &good, NULL),
			 MEDFW_OK);
	/* the good v2 re-signed by both keys still passes (the test helper is sound) */
	resign(&good, 0, f->key, f->other, &bad[0]);
	expect_update_fail(f, bad, 1, MEDFW_OK, NULL);
	medfw_buf_free(&bad[0]);
	/* signed only by the new key: not by the threshold of root v1 */
	resign(&good, 0, f->other, NULL, &bad[0]);
	expect_update_fail(f, bad, 1, MEDFW_ERR_THRESHOLD, "root v2");
	medfw_buf_free(&bad[0]);
	/* signed only by the old key: not by its own root threshold */
	resign(&good, 0, f->key, NULL, &bad[0]);
	expect_update_fail(f, bad, 1, MEDFW_ERR_THRESHOLD, "self-signature");
	medfw_buf_free(&bad[0]);
	/* signed by the old key and a key root v2 does not name */
	resign(&good, 0, f->key, third, &bad[0]);
	expect_update_fail(f, bad, 1, MEDFW_ERR_THRESHOLD, "self-signature");
	medfw_buf_free(&bad[0]);
	/* a skipped version: v3 straight after v1 */
	resign(&good, 3, f->key, f->other, &bad[0]);
	expect_update_fail(f, bad, 1, MEDFW_ERR_VERSION_MISMATCH, "expected version 2");
	medfw_buf_free(&bad[0]);
	/* rollback: v1 again, and v2 then v2 again (or v1 after v2) */
	expect_update_fail(f, &f->root, 1, MEDFW_ERR_ROLLBACK, "expected version 2");
	bad[0] = good;
	resign(&f->root, 0, f->other, NULL, &bad[1]); /* v1 signed by v2's key */
	expect_update_fail(f, bad, 2, MEDFW_ERR_ROLLBACK, "expected version 3");
	medfw_buf_free(&bad[1]);
	bad[1] = good;
	expect_update_fail(f, bad, 2, MEDFW_ERR_ROLLBACK, "expected version 3");
	/* the newest root expired (the device's clock is past its 10 years) */
	f->now += MEDFW_DIRECTOR_ROOT_LIFETIME + 1;
	expect_update_fail(f, &good, 1, MEDFW_ERR_EXPIRED, "v2 has expired");
	/* a tampered pinned root */
	f->now = T0;
	{
		struct medfw_buf out;
		struct medfw_diag diag;
		int64_t version;
		json_t *doc = NULL;

		assert_int_equal(medfw_json_parse(f->root.data, f->root.len, 1u << 20, 32, &doc,
						  NULL),
				 MEDFW_OK);
		json_object_set_new(json_object_get(doc, "signed"), "expires",
				    json_string("2099-01-01T00:00:00Z"));
		medfw_buf_reset(&f->root);
		assert_int_equal(medfw_tuf_envelope_serialize(doc, &f->root, NULL), MEDFW_OK);
		json_decref(doc);
		assert_int_equal(update(f, &good, 1, &out, &version, &diag), MEDFW_ERR_THRESHOLD);
		medfw_buf_free(&out);
	}
	medfw_buf_free(&good);
	medfw_privkey_free(third);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_sign_and_verify, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nothing_assigned, setup, teardown),
		cmocka_unit_test_setup_teardown(test_name_mismatch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_length_mismatch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hash_mismatch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hardware_mismatch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_device, setup, teardown),
		cmocka_unit_test_setup_teardown(test_expired, setup, teardown),
		cmocka_unit_test_setup_teardown(test_wrong_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollback, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mix_and_match, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_assignment, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rotation_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rotation_refused, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
