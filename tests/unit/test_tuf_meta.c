/* TUF metadata: structure validation, signature thresholds, hashes, delegations. */
#include "testutil.h"

#include <stdio.h>
#include <string.h>

#include "medfw/json.h"
#include "medfw/tuf.h"

#define NKEYS 3
static struct medfw_privkey *keys[NKEYS];
static struct medfw_pubkey *pubs[NKEYS];

static int setup(void **state)
{
	(void)state;
	for (int i = 0; i < NKEYS; i++) {
		if (medfw_privkey_generate(i == 1 ? MEDFW_KEY_ECDSA_P256 : MEDFW_KEY_ED25519, &keys[i],
					   NULL) != MEDFW_OK ||
		    medfw_privkey_public(keys[i], &pubs[i], NULL) != MEDFW_OK)
			return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	for (int i = 0; i < NKEYS; i++) {
		medfw_privkey_free(keys[i]);
		medfw_pubkey_free(pubs[i]);
	}
	return 0;
}

static const char *kid(int i)
{
	return medfw_pubkey_keyid(pubs[i]);
}

/* A root whose every role lists all keys with `threshold`. */
static json_t *root_signed(int64_t threshold)
{
	json_t *k = json_object(), *roles = json_object();
	const char *names[] = {"root", "timestamp", "snapshot", "targets"};

	for (int i = 0; i < NKEYS; i++)
		json_object_set(k, kid(i), (json_t *)(uintptr_t)medfw_pubkey_json(pubs[i]));
	for (int r = 0; r < 4; r++)
		json_object_set_new(roles, names[r],
				    json_pack("{s:[s,s,s], s:I}", "keyids", kid(0), kid(1), kid(2),
					      "threshold", (json_int_t)threshold));
	return json_pack("{s:s, s:s, s:i, s:s, s:b, s:o, s:o}", "_type", "root", "spec_version",
			 "1.0.31", "version", 1, "expires", "2030-01-01T00:00:00Z",
			 "consistent_snapshot", 1, "keys", k, "roles", roles);
}

static json_t *targets_signed(void)
{
	return json_pack("{s:s, s:s, s:i, s:s, s:{s:{s:i, s:{s:s}}}}", "_type", "targets",
			 "spec_version", "1.0.31", "version", 3, "expires", "2030-01-01T00:00:00Z",
			 "targets", "fw.img", "length", 3, "hashes", "sha256",
			 "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

/* Envelope signed by the keys whose bit is set in mask, serialized. */
static void sign_into(json_t *signed_obj, unsigned mask, struct medfw_buf *out)
{
	json_t *env = medfw_tuf_envelope_new(signed_obj);

	assert_non_null(env);
	for (int i = 0; i < NKEYS; i++)
		if (mask & (1u << i))
			assert_int_equal(medfw_tuf_envelope_sign(env, keys[i], NULL), MEDFW_OK);
	medfw_buf_init(out, 1 << 20);
	assert_int_equal(medfw_tuf_envelope_serialize(env, out, NULL), MEDFW_OK);
	json_decref(env);
}

static enum medfw_err parse(const struct medfw_buf *b, enum medfw_tuf_role_type t,
			    struct medfw_tuf_meta **out)
{
	struct medfw_diag d;
	enum medfw_err err;

	medfw_diag_clear(&d);
	err = medfw_tuf_meta_parse_unverified(b->data, b->len, 1 << 20, t, out, &d);
	if (err != MEDFW_OK) {
		assert_null(*out);
		assert_int_not_equal(d.msg[0], 0); /* every failure names its reason */
	}
	return err;
}

/* Parse a document given as JSON text (for malformed variants). */
static enum medfw_err parse_text(const char *text, enum medfw_tuf_role_type t)
{
	struct medfw_buf b;
	struct medfw_tuf_meta *m = (struct medfw_tuf_meta *)1;
	enum medfw_err err;

	medfw_buf_init(&b, 1 << 20);
	assert_int_equal(medfw_buf_append_str(&b, text), MEDFW_OK);
	err = parse(&b, t, &m);
	medfw_tuf_meta_free(m);
	medfw_buf_free(&b);
	return err;
}

static void test_root_threshold(void **state)
{
	struct medfw_buf b;
	struct medfw_tuf_meta *m = NULL;
	json_t *s = root_signed(2);

	(void)state;
	for (unsigned mask = 0; mask < 8; mask++) {
		int count = __builtin_popcount(mask);

		sign_into(s, mask, &b);
		assert_int_equal(parse(&b, MEDFW_TUF_ROOT, &m), MEDFW_OK);
		assert_int_equal(medfw_tuf_meta_count_valid(m, &m->keys, &m->roles[MEDFW_TUF_ROOT]),
				 count);
		assert_int_equal(medfw_tuf_meta_verify_role(m, &m->keys, &m->roles[MEDFW_TUF_ROOT],
							    "root", NULL),
				 count >= 2 ? MEDFW_OK : MEDFW_ERR_THRESHOLD);
		assert_int_equal(m->version, 1);
		assert_int_equal(m->expires, 1893456000);
		assert_true(m->consistent_snapshot);
		assert_int_equal(m->keys.count, NKEYS);
		medfw_tuf_meta_free(m);
		medfw_buf_free(&b);
	}
	json_decref(s);
}

/* A signature by a key the role does not list never counts. */
static void test_unlisted_key_does_not_count(void **state)
{
	struct medfw_buf b;
	struct medfw_tuf_meta *m = NULL;
	json_t *s = root_signed(1);

	(void)state;
	json_array_remove(json_object_get(json_object_get(json_object_get(s, "roles"), "targets"),
					  "keyids"),
			  0);
	sign_into(s, 1, &b); /* key 0 only */
	assert_int_equal(parse(&b, MEDFW_TUF_ROOT, &m), MEDFW_OK);
	assert_int_equal(medfw_tuf_meta_verify_role(m, &m->keys, &m->roles[MEDFW_TUF_TARGETS],
						    "targets", NULL),
			 MEDFW_ERR_THRESHOLD);
	assert_int_equal(medfw_tuf_meta_verify_role(m, &m->keys, &m->roles[MEDFW_TUF_ROOT], "root",
						    NULL),
			 MEDFW_OK);
	medfw_tuf_meta_free(m);
	medfw_buf_free(&b);
	json_decref(s);
}

/* One key's signature listed twice: the whole file is invalid. */
static void test_duplicate_signature_rejected(void **state)
{
	struct medfw_buf b;
	struct medfw_tuf_meta *m = NULL;
	json_t *s = root_signed(2), *env = medfw_tuf_envelope_new(s), *sigs;

	(void)state;
	assert_int_equal(medfw_tuf_envelope_sign(env, keys[0], NULL), MEDFW_OK);
	sigs = json_object_get(env, "signatures");
	json_array_append_new(sigs, json_deep_copy(json_array_get(sigs, 0)));
	medfw_buf_init(&b, 1 << 20);
	assert_int_equal(medfw_tuf_envelope_serialize(env, &b, NULL), MEDFW_OK);
	assert_int_equal(parse(&b, MEDFW_TUF_ROOT, &m), MEDFW_ERR_DUPLICATE_KEYID);
	medfw_buf_free(&b);
	json_decref(env);
	json_decref(s);
}

/* The same key material under two key ids counts once. */
static void test_same_key_two_keyids_counts_once(void **state)
{
	struct medfw_buf b;
	struct medfw_tuf_meta *m = NULL;
	json_t *s = root_signed(2), *env, *sigs, *alias;
	const char *alias_id = "00000000000000000000000000000000000000000000000000000000000000aa";

	(void)state;
	json_object_set(json_object_get(s, "keys"), alias_id,
			(json_t *)(uintptr_t)medfw_pubkey_json(pubs[0]));
	json_array_append_new(json_object_get(json_object_get(json_object_get(s, "roles"), "root"),
					      "keyids"),
			      json_string(alias_id));
	env = medfw_tuf_envelope_new(s);
	assert_int_equal(medfw_tuf_envelope_sign(env, keys[0], NULL), MEDFW_OK);
	sigs = json_object_get(env, "signatures");
	alias = json_deep_copy(json_array_get(sigs, 0));
	json_object_set_new(alias, "keyid", json_string(alias_id));
	json_array_append_new(sigs, alias);
	medfw_buf_init(&b, 1 << 20);
	assert_int_equal(medfw_tuf_envelope_serialize(env, &b, NULL), MEDFW_OK);
	assert_int_equal(parse(&b, MEDFW_TUF_ROOT, &m), MEDFW_OK);
	assert_int_equal(medfw_tuf_meta_count_valid(m, &m->keys, &m->roles[MEDFW_TUF_ROOT]), 1);
	assert_int_equal(medfw_tuf_meta_verify_role(m, &m->keys, &m->roles[MEDFW_TUF_ROOT], "root",
						    NULL),
			 MEDFW_ERR_THRESHOLD);
	medfw_tuf_meta_free(m);
	medfw_buf_free(&b);
	json_decref(env);
	json_decref(s);
}

/* Bad, empty and non-hex signatures do not count and do not invalidate the file. */
static void test_bad_signatures_do_not_count(void **state)
{
	const char *bad[] = {"", "zz", "abc", "00", NULL};
	struct medfw_tuf_meta *m = NULL;

	(void)state;
	for (int i = 0; i < 5; i++) {
		json_t *s = root_signed(1), *env = medfw_tuf_envelope_new(s);
		struct medfw_buf b;

		assert_int_equal(medfw_tuf_envelope_sign(env, keys[0], NULL), MEDFW_OK);
		if (bad[i] != NULL) {
			json_object_set_new(json_array_get(json_object_get(env, "signatures"), 0),
					    "sig", json_string(bad[i]));
		} else {
			/* a valid signature over different content */
			json_object_set_new(s, "version", json_integer(2));
		}
		medfw_buf_init(&b, 1 << 20);
		assert_int_equal(medfw_tuf_envelope_serialize(env, &b, NULL), MEDFW_OK);
		assert_int_equal(parse(&b, MEDFW_TUF_ROOT, &m), MEDFW_OK);
		assert_int_equal(medfw_tuf_meta_count_valid(m, &m->keys, &m->roles[MEDFW_TUF_ROOT]), 0);
		medfw_tuf_meta_free(m);
		medfw_buf_free(&b);
		json_decref(env);
		json_decref(s);
	}
}

/* Malformed or unsupported key material: unusable, never counts, file still parses. */
static void test_malformed_key_material(void **state)
{
	struct medfw_buf b;
	struct medfw_tuf_meta *m = NULL;
	json_t *s = root_signed(1), *k0;

	(void)state;
	k0 = json_deep_copy(medfw_pubkey_json(pubs[0]));
	json_object_set_new(json_object_get(k0, "keyval"), "public", json_string("00ff"));
	json_object_set_new(json_object_get(s, "keys"), kid(0), k0);
	json_object_set_new(json_object_get(s, "keys"), kid(2),
			    json_pack("{s:s, s:s, s:{s:s}}", "keytype", "sphincs", "scheme",
				      "sphincs-shake-128s", "keyval", "public", "abcd"));
	sign_into(s, 7, &b);
	assert_int_equal(parse(&b, MEDFW_TUF_ROOT, &m), MEDFW_OK);
	for (size_t i = 0; i < m->keys.count; i++) {
		if (strcmp(m->keys.items[i].keyid, kid(1)) == 0)
			assert_non_null(m->keys.items[i].key);
		else
			assert_null(m->keys.items[i].key); /* malformed (0) and unsupported (2) */
	}
	assert_int_equal(medfw_tuf_meta_count_valid(m, &m->keys, &m->roles[MEDFW_TUF_ROOT]), 1);
	medfw_tuf_meta_free(m);
	medfw_buf_free(&b);
	/* structurally broken key objects make the file invalid */
	json_object_set_new(json_object_get(s, "keys"), kid(1), json_pack("{s:s}", "keytype", "x"));
	sign_into(s, 1, &b);
	assert_int_equal(parse(&b, MEDFW_TUF_ROOT, &m), MEDFW_ERR_FIELD_MISSING);
	medfw_buf_free(&b);
	json_decref(s);
}

/* Unknown fields survive and are covered by the signature. */
static void test_unknown_fields_preserved(void **state)
{
	struct medfw_buf b, canon;
	struct medfw_tuf_meta *m = NULL;
	json_t *s = targets_signed();

	(void)state;
	json_object_set_new(s, "x-vendor", json_pack("{s:s, s:[i,i]}", "note", "\xc3\xa9t\xc3\xa9",
						      "list", 1, 2));
	json_object_set_new(json_object_get(json_object_get(s, "targets"), "fw.img"), "x-extra",
			    json_true());
	sign_into(s, 1, &b);
	assert_int_equal(parse(&b, MEDFW_TUF_TARGETS, &m), MEDFW_OK);
	medfw_buf_init(&canon, 1 << 20);
	assert_int_equal(medfw_json_canonical(s, &canon, NULL), MEDFW_OK);
	assert_int_equal(canon.len, m->signed_canonical.len);
	assert_memory_equal(canon.data, m->signed_canonical.data, canon.len);
	assert_non_null(strstr((char *)m->signed_canonical.data, "\"x-vendor\""));
	medfw_tuf_meta_free(m);
	medfw_buf_free(&canon);
	medfw_buf_free(&b);
	json_decref(s);
}

static void test_structure_errors(void **state)
{
	struct {
		const char *text;
		enum medfw_tuf_role_type type;
		enum medfw_err want;
	} cases[] = {
		{"", MEDFW_TUF_ROOT, MEDFW_ERR_JSON_SYNTAX},
		{"[]", MEDFW_TUF_ROOT, MEDFW_ERR_FIELD_TYPE},
		{"{\"signatures\":[]}", MEDFW_TUF_ROOT, MEDFW_ERR_FIELD_MISSING},
		{"{\"signed\":{},\"signatures\":{}}", MEDFW_TUF_ROOT, MEDFW_ERR_FIELD_TYPE},
		{"{\"signed\":{\"_type\":\"targets\"},\"signatures\":[]}", MEDFW_TUF_ROOT,
		 MEDFW_ERR_ROLE_TYPE},
		{"{\"signed\":{\"_type\":\"timestamp\",\"spec_version\":\"2.0.0\",\"version\":1,"
		 "\"expires\":\"2030-01-01T00:00:00Z\",\"meta\":{}},\"signatures\":[]}",
		 MEDFW_TUF_TIMESTAMP, MEDFW_ERR_SPEC_VERSION},
		{"{\"signed\":{\"_type\":\"timestamp\",\"spec_version\":\"1\",\"version\":1,"
		 "\"expires\":\"2030-01-01T00:00:00Z\",\"meta\":{}},\"signatures\":[]}",
		 MEDFW_TUF_TIMESTAMP, MEDFW_ERR_SPEC_VERSION},
		{"{\"signed\":{\"_type\":\"timestamp\",\"spec_version\":\"1.0.x\",\"version\":1,"
		 "\"expires\":\"2030-01-01T00:00:00Z\",\"meta\":{}},\"signatures\":[]}",
		 MEDFW_TUF_TIMESTAMP, MEDFW_ERR_SPEC_VERSION},
		{"{\"signed\":{\"_type\":\"timestamp\",\"spec_version\":\"1.0\",\"version\":0,"
		 "\"expires\":\"2030-01-01T00:00:00Z\",\"meta\":{}},\"signatures\":[]}",
		 MEDFW_TUF_TIMESTAMP, MEDFW_ERR_FIELD_VALUE},
		{"{\"signed\":{\"_type\":\"timestamp\",\"spec_version\":\"1.0\",\"version\":1,"
		 "\"expires\":\"2030-01-01\",\"meta\":{}},\"signatures\":[]}",
		 MEDFW_TUF_TIMESTAMP, MEDFW_ERR_FIELD_VALUE},
		{"{\"signed\":{\"_type\":\"timestamp\",\"spec_version\":\"1.0\",\"version\":1,"
		 "\"expires\":\"2030-01-01T00:00:00Z\",\"meta\":{}},\"signatures\":[]}",
		 MEDFW_TUF_TIMESTAMP, MEDFW_ERR_FIELD_MISSING},
		{"{\"signed\":{\"_type\":\"timestamp\",\"spec_version\":\"1.0\",\"version\":1,"
		 "\"expires\":\"2030-01-01T00:00:00Z\",\"meta\":{\"snapshot.json\":{\"version\":1,"
		 "\"hashes\":{}}}},\"signatures\":[]}",
		 MEDFW_TUF_TIMESTAMP, MEDFW_ERR_FIELD_VALUE},
		{"{\"signed\":{\"_type\":\"timestamp\",\"spec_version\":\"1.0\",\"version\":1,"
		 "\"expires\":\"2030-01-01T00:00:00Z\",\"meta\":{\"snapshot.json\":{\"version\":1,"
		 "\"length\":-1}}},\"signatures\":[]}",
		 MEDFW_TUF_TIMESTAMP, MEDFW_ERR_FIELD_VALUE},
		{"{\"signed\":{\"_type\":\"timestamp\",\"spec_version\":\"1.0\",\"version\":1.5,"
		 "\"expires\":\"2030-01-01T00:00:00Z\",\"meta\":{}},\"signatures\":[]}",
		 MEDFW_TUF_TIMESTAMP, MEDFW_ERR_FIELD_TYPE},
		{"{\"signed\":{\"_type\":\"snapshot\",\"spec_version\":\"1.0\",\"version\":1,"
		 "\"expires\":\"2030-01-01T00:00:00Z\",\"meta\":{},\"x\":0.5},\"signatures\":[]}",
		 MEDFW_TUF_SNAPSHOT, MEDFW_ERR_NOT_CANONICAL},
		{"{\"signed\":{\"_type\":\"targets\",\"spec_version\":\"1.0\",\"version\":1,"
		 "\"expires\":\"2030-01-01T00:00:00Z\",\"targets\":{\"a\":{\"length\":1}}},"
		 "\"signatures\":[]}",
		 MEDFW_TUF_TARGETS, MEDFW_ERR_FIELD_MISSING},
		{"{\"signed\":{\"_type\":\"targets\",\"spec_version\":\"1.0\",\"version\":1,"
		 "\"expires\":\"2030-01-01T00:00:00Z\",\"targets\":{},\"delegations\":{\"keys\":{},"
		 "\"roles\":[{\"name\":\"a\",\"keyids\":[],\"threshold\":1,\"terminating\":false}]}},"
		 "\"signatures\":[]}",
		 MEDFW_TUF_TARGETS, MEDFW_ERR_FIELD_VALUE},
		{"{\"signed\":{\"_type\":\"targets\",\"spec_version\":\"1.0\",\"version\":1,"
		 "\"expires\":\"2030-01-01T00:00:00Z\",\"targets\":{},\"delegations\":{\"keys\":{},"
		 "\"roles\":[{\"name\":\"targets\",\"keyids\":[],\"threshold\":1,\"terminating\":false,"
		 "\"paths\":[]}]}},\"signatures\":[]}",
		 MEDFW_TUF_TARGETS, MEDFW_ERR_FIELD_VALUE},
		{"{\"signed\":{\"_type\":\"targets\",\"spec_version\":\"1.0\",\"version\":1,"
		 "\"expires\":\"2030-01-01T00:00:00Z\",\"targets\":{},\"delegations\":{\"keys\":{},"
		 "\"roles\":[{\"name\":\"a\",\"keyids\":[\"k\",\"k\"],\"threshold\":1,"
		 "\"terminating\":false,\"paths\":[]}]}},\"signatures\":[]}",
		 MEDFW_TUF_TARGETS, MEDFW_ERR_DUPLICATE_KEYID},
		{"{\"signed\":{\"_type\":\"targets\",\"spec_version\":\"1.0\",\"version\":1,"
		 "\"expires\":\"2030-01-01T00:00:00Z\",\"targets\":{},\"delegations\":{\"keys\":{},"
		 "\"roles\":[{\"name\":\"a\",\"keyids\":[],\"threshold\":0,"
		 "\"terminating\":false,\"paths\":[]}]}},\"signatures\":[]}",
		 MEDFW_TUF_TARGETS, MEDFW_ERR_FIELD_VALUE},
		{"{\"signed\":{\"_type\":\"targets\",\"spec_version\":\"1.0\",\"version\":1,"
		 "\"expires\":\"2030-01-01T00:00:00Z\",\"targets\":{},\"delegations\":{\"keys\":{},"
		 "\"roles\":[{\"name\":\"a\",\"keyids\":[],\"threshold\":1,\"terminating\":false,"
		 "\"paths\":[]},{\"name\":\"a\",\"keyids\":[],\"threshold\":1,\"terminating\":false,"
		 "\"paths\":[]}]}},\"signatures\":[]}",
		 MEDFW_TUF_TARGETS, MEDFW_ERR_FIELD_VALUE},
		{"{\"signed\":{\"_type\":\"targets\",\"spec_version\":\"1.0\",\"version\":1,"
		 "\"expires\":\"2030-01-01T00:00:00Z\",\"targets\":{}},\"signatures\":[{\"keyid\":1,"
		 "\"sig\":\"\"}]}",
		 MEDFW_TUF_TARGETS, MEDFW_ERR_FIELD_TYPE},
		{"{\"signed\":{\"_type\":\"targets\",\"_type\":\"targets\"},\"signatures\":[]}",
		 MEDFW_TUF_TARGETS, MEDFW_ERR_JSON_SYNTAX},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum medfw_err got = parse_text(cases[i].text, cases[i].type);

		if (got != cases[i].want)
			fail_msg("case %zu: got %s, want %s", i, medfw_err_name(got),
				 medfw_err_name(cases[i].want));
	}
}

static void test_roles_must_be_exactly_top_level(void **state)
{
	struct medfw_buf b;
	struct medfw_tuf_meta *m = NULL;
	json_t *s = root_signed(1);

	(void)state;
	json_object_del(json_object_get(s, "roles"), "snapshot");
	sign_into(s, 1, &b);
	assert_int_equal(parse(&b, MEDFW_TUF_ROOT, &m), MEDFW_ERR_FIELD_VALUE);
	medfw_buf_free(&b);
	json_object_set_new(json_object_get(s, "roles"), "mirror",
			    json_pack("{s:[], s:i}", "keyids", "threshold", 1));
	sign_into(s, 1, &b);
	assert_int_equal(parse(&b, MEDFW_TUF_ROOT, &m), MEDFW_ERR_FIELD_MISSING);
	medfw_buf_free(&b);
	json_decref(s);
}

static void test_size_and_depth_limits(void **state)
{
	struct medfw_buf b;
	struct medfw_tuf_meta *m = NULL;
	json_t *s = targets_signed(), *deep = json_array(), *cur = deep;

	(void)state;
	sign_into(s, 1, &b);
	assert_int_equal(medfw_tuf_meta_parse_unverified(b.data, b.len, b.len - 1,
							 MEDFW_TUF_TARGETS, &m, NULL),
			 MEDFW_ERR_TOO_LARGE);
	assert_null(m);
	medfw_buf_free(&b);
	for (int i = 0; i < 40; i++) {
		json_t *n = json_array();

		json_array_append_new(cur, n);
		cur = n;
	}
	json_object_set_new(s, "deep", deep);
	sign_into(s, 1, &b);
	assert_int_equal(parse(&b, MEDFW_TUF_TARGETS, &m), MEDFW_ERR_TOO_DEEP);
	medfw_buf_free(&b);
	json_decref(s);
}

static void test_expiry(void **state)
{
	struct medfw_buf b;
	struct medfw_tuf_meta *m = NULL;
	json_t *s = targets_signed();

	(void)state;
	sign_into(s, 1, &b);
	assert_int_equal(parse(&b, MEDFW_TUF_TARGETS, &m), MEDFW_OK);
	assert_false(medfw_tuf_meta_is_expired(m, 1893455999));
	assert_true(medfw_tuf_meta_is_expired(m, 1893456000));
	medfw_tuf_meta_free(m);
	medfw_buf_free(&b);
	json_decref(s);
}

static void test_length_and_hashes(void **state)
{
	json_t *h = json_pack("{s:s}", "sha256",
			      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	json_t *h2 = json_pack("{s:s, s:s}", "sha256",
			       "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
			       "sha512",
			       "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a"
			       "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
	json_t *unknown = json_pack("{s:s}", "md5", "900150983cd24fb0d6963f7d28e17f72");
	struct medfw_tuf_hash_check *hc = NULL;

	(void)state;
	assert_int_equal(medfw_tuf_check_length_hashes((const uint8_t *)"abc", 3, 3, h, "t", NULL),
			 MEDFW_OK);
	assert_int_equal(medfw_tuf_check_length_hashes((const uint8_t *)"abc", 3, 3, h2, "t", NULL),
			 MEDFW_OK);
	assert_int_equal(medfw_tuf_check_length_hashes((const uint8_t *)"abc", 3, -1, NULL, "t", NULL),
			 MEDFW_OK);
	assert_int_equal(medfw_tuf_check_length_hashes((const uint8_t *)"abd", 3, 3, h, "t", NULL),
			 MEDFW_ERR_HASH_MISMATCH);
	assert_int_equal(medfw_tuf_check_length_hashes((const uint8_t *)"abc", 3, 4, h, "t", NULL),
			 MEDFW_ERR_LENGTH_MISMATCH);
	assert_int_equal(medfw_tuf_check_length_hashes((const uint8_t *)"abc", 3, 3, unknown, "t",
						       NULL),
			 MEDFW_ERR_HASH_MISMATCH);
	/* streaming: more bytes than signed fail at once */
	assert_int_equal(medfw_tuf_hash_check_new(3, h, "t", &hc, NULL), MEDFW_OK);
	assert_int_equal(medfw_tuf_hash_check_update(hc, "ab", 2, NULL), MEDFW_OK);
	assert_int_equal(medfw_tuf_hash_check_update(hc, "cd", 2, NULL), MEDFW_ERR_LENGTH_MISMATCH);
	medfw_tuf_hash_check_free(hc);
	assert_int_equal(medfw_tuf_hash_check_new(3, h, "t", &hc, NULL), MEDFW_OK);
	assert_int_equal(medfw_tuf_hash_check_update(hc, "ab", 2, NULL), MEDFW_OK);
	assert_int_equal(medfw_tuf_hash_check_finish(hc, NULL), MEDFW_ERR_LENGTH_MISMATCH);
	medfw_tuf_hash_check_free(hc);
	json_decref(h);
	json_decref(h2);
	json_decref(unknown);
}

static void test_delegation_matching(void **state)
{
	const char *paths[] = {"firmware/*.img", "docs/?.txt", "a/[!b]c"};
	struct medfw_tuf_delegated_role r = {.has_paths = 1, .paths = paths, .path_count = 3};
	const char *prefixes[2];
	struct medfw_tuf_delegated_role h = {.has_hash_prefixes = 1, .hash_prefixes = prefixes,
					     .hash_prefix_count = 1};
	struct medfw_tuf_succinct_roles sr = {.bit_length = 8, .name_prefix = "bin"};
	char name[64];

	(void)state;
	assert_true(medfw_tuf_delegation_matches(&r, "firmware/pump.img"));
	assert_false(medfw_tuf_delegation_matches(&r, "firmware/sub/pump.img"));
	assert_false(medfw_tuf_delegation_matches(&r, "firmware"));
	assert_true(medfw_tuf_delegation_matches(&r, "docs/a.txt"));
	assert_false(medfw_tuf_delegation_matches(&r, "docs/ab.txt"));
	assert_true(medfw_tuf_delegation_matches(&r, "a/xc"));
	assert_false(medfw_tuf_delegation_matches(&r, "a/bc"));
	/* sha256("abc") = ba7816bf... */
	prefixes[0] = "ba78";
	assert_true(medfw_tuf_delegation_matches(&h, "abc"));
	prefixes[0] = "ba79";
	assert_false(medfw_tuf_delegation_matches(&h, "abc"));
	assert_int_equal(medfw_tuf_succinct_role_for(&sr, "abc", name, sizeof(name)), MEDFW_OK);
	assert_string_equal(name, "bin-ba");
	sr.bit_length = 5; /* 0xba >> 3 = 0x17; 32 bins -> 2 hex digits */
	assert_int_equal(medfw_tuf_succinct_role_for(&sr, "abc", name, sizeof(name)), MEDFW_OK);
	assert_string_equal(name, "bin-17");
	sr.bit_length = 1;
	assert_int_equal(medfw_tuf_succinct_role_for(&sr, "abc", name, sizeof(name)), MEDFW_OK);
	assert_string_equal(name, "bin-1");
}

static void test_resign_replaces_signature(void **state)
{
	json_t *s = targets_signed(), *env = medfw_tuf_envelope_new(s);

	(void)state;
	assert_int_equal(medfw_tuf_envelope_sign(env, keys[0], NULL), MEDFW_OK);
	assert_int_equal(medfw_tuf_envelope_sign(env, keys[1], NULL), MEDFW_OK);
	assert_int_equal(medfw_tuf_envelope_sign(env, keys[0], NULL), MEDFW_OK);
	assert_int_equal(json_array_size(json_object_get(env, "signatures")), 2);
	json_decref(env);
	json_decref(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_root_threshold),
		cmocka_unit_test(test_unlisted_key_does_not_count),
		cmocka_unit_test(test_duplicate_signature_rejected),
		cmocka_unit_test(test_same_key_two_keyids_counts_once),
		cmocka_unit_test(test_bad_signatures_do_not_count),
		cmocka_unit_test(test_malformed_key_material),
		cmocka_unit_test(test_unknown_fields_preserved),
		cmocka_unit_test(test_structure_errors),
		cmocka_unit_test(test_roles_must_be_exactly_top_level),
		cmocka_unit_test(test_size_and_depth_limits),
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_length_and_hashes),
		cmocka_unit_test(test_delegation_matching),
		cmocka_unit_test(test_resign_replaces_signature),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
