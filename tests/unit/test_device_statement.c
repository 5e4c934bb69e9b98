/* Device statements: creation, strict parsing, verification against trusted
 * manufacturer keys (every refusal asserted with its exact error and cleared
 * outputs), the trusted keys file, and the store look-ups of statement enrolment.
 * Every key is generated at run time. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "medfw/buf.h"
#include "medfw/crypto.h"
#include "medfw/ctx.h"
#include "medfw/device_statement.h"
#include "medfw/json.h"
#include "medfw/store.h"

#define T0 1900000000 /* 2030-03-17 */
#define DAY 86400
#define GTIN "09506000134352"

struct fx {
	struct medfw_privkey *mfr, *other, *ecdsa, *device;
	char device_hex[65];
	struct medfw_device_statement_keys *trusted; /* mfr + ecdsa */
};

static struct medfw_privkey *gen(enum medfw_key_type type)
{
	struct medfw_privkey *k = NULL;

	assert_int_equal(medfw_privkey_generate(type, &k, NULL), MEDFW_OK);
	return k;
}

/* {"keys": {id: key, ...}} of the public halves of keys[0..n). */
static struct medfw_buf keys_file(struct medfw_privkey *const *keys, size_t n)
{
	json_t *map = json_object(), *doc;
	struct medfw_buf out;

	for (size_t i = 0; i < n; i++) {
		struct medfw_pubkey *pub = NULL;

		assert_int_equal(medfw_privkey_public(keys[i], &pub, NULL), MEDFW_OK);
		json_object_set_new(map, medfw_pubkey_keyid(pub), json_deep_copy(medfw_pubkey_json(pub)));
		medfw_pubkey_free(pub);
	}
	char *text;

	doc = json_pack("{s:o}", "keys", map);
	text = json_dumps(doc, JSON_COMPACT | JSON_SORT_KEYS); /* canonical JSON is not JSON */
	assert_non_null(text);
	medfw_buf_init(&out, 1u << 20);
	assert_int_equal(medfw_buf_append_str(&out, text), MEDFW_OK);
	free(text);
	json_decref(doc);
	return out;
}

static struct medfw_device_statement_keys *load_keys(struct medfw_privkey *const *keys, size_t n)
{
	struct medfw_buf file = keys_file(keys, n);
	struct medfw_device_statement_keys *set = NULL;

	assert_int_equal(medfw_device_statement_keys_load(file.data, file.len, &set, NULL), MEDFW_OK);
	medfw_buf_free(&file);
	return set;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	struct medfw_pubkey *pub = NULL;

	assert_non_null(f);
	f->mfr = gen(MEDFW_KEY_ED25519);
	f->other = gen(MEDFW_KEY_ED25519);
	f->ecdsa = gen(MEDFW_KEY_ECDSA_P256);
	f->device = gen(MEDFW_KEY_ED25519);
	assert_int_equal(medfw_privkey_public(f->device, &pub, NULL), MEDFW_OK);
	snprintf(f->device_hex, sizeof(f->device_hex), "%s",
		 json_string_value(json_object_get(
			 json_object_get(medfw_pubkey_json(pub), "keyval"), "public")));
	medfw_pubkey_free(pub);
	f->trusted = load_keys((struct medfw_privkey *[]){f->mfr, f->ecdsa}, 2);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	medfw_privkey_free(f->mfr);
	medfw_privkey_free(f->other);
	medfw_privkey_free(f->ecdsa);
	medfw_privkey_free(f->device);
	medfw_device_statement_keys_free(f->trusted);
	free(f);
	return 0;
}

static struct medfw_device_statement_fields fields_of(const struct fx *f)
{
	struct medfw_device_statement_fields d = {
		.manufacturer = "Acme Medical",
		.model = "InfuPump 3",
		.serial = "SN-0001",
		.hardware_id = "infupump-rev-c",
		.udi_di = GTIN,
		.udi_pi = "lot=A12;serial=SN-0001;expiry=2031-01-31",
		.public_key_hex = f->device_hex,
		.issued = T0,
		.expires = T0 + 365 * DAY,
	};
	return d;
}

/* Sign fields with key into a new buffer (must succeed). */
static struct medfw_buf signed_doc(const struct medfw_device_statement_fields *d,
				   const struct medfw_privkey *key)
{
	struct medfw_buf out;
	struct medfw_diag diag;

	medfw_diag_clear(&diag);
	medfw_buf_init(&out, MEDFW_DEVSTMT_MAX_BYTES);
	assert_int_equal(medfw_device_statement_sign(d, key, &out, &diag), MEDFW_OK);
	return out;
}

/* Parse a JSON text (tests write documents by hand). */
static json_t *js(const char *text)
{
	json_t *v = NULL;

	assert_int_equal(medfw_json_parse((const uint8_t *)text, strlen(text), 1u << 20, 32, &v,
					  NULL),
			 MEDFW_OK);
	return v;
}

static json_t *doc_of(const struct medfw_buf *b)
{
	json_t *v = NULL;

	assert_int_equal(medfw_json_parse(b->data, b->len, 1u << 20, 32, &v, NULL), MEDFW_OK);
	return v;
}

/* Parse a (modified) envelope: the result code, the message in diag. */
static enum medfw_err parse_env(const json_t *env, struct medfw_diag *diag)
{
	struct medfw_device_statement *st = (void *)1;
	enum medfw_err err;

	medfw_diag_clear(diag);
	err = medfw_device_statement_from_json_unverified(env, &st, diag);
	if (err != MEDFW_OK)
		assert_null(st);
	medfw_device_statement_free(st);
	return err;
}

static enum medfw_err verify_at(const struct medfw_buf *b,
				const struct medfw_device_statement_keys *keys, int64_t now,
				int64_t skew, char *signer, struct medfw_diag *diag)
{
	struct medfw_device_statement *st = NULL;
	enum medfw_err err;

	medfw_diag_clear(diag);
	assert_int_equal(medfw_device_statement_parse_unverified(b->data, b->len, &st, diag),
			 MEDFW_OK);
	snprintf(signer, MEDFW_KEYID_HEX_LEN + 1, "%s", "garbage"); /* must be cleared on failure */
	err = medfw_device_statement_verify(st, keys, now, skew, signer, diag);
	if (err != MEDFW_OK)
		assert_string_equal(signer, "");
	medfw_device_statement_free(st);
	return err;
}

/* Verify an envelope tree (serialized canonically) at T0. */
static enum medfw_err verify_env(const json_t *env, const struct medfw_device_statement_keys *keys,
				 char *signer, struct medfw_diag *diag)
{
	struct medfw_buf t;
	enum medfw_err err;

	medfw_buf_init(&t, MEDFW_DEVSTMT_MAX_BYTES);
	assert_int_equal(medfw_json_canonical(env, &t, NULL), MEDFW_OK);
	err = verify_at(&t, keys, T0, 0, signer, diag);
	medfw_buf_free(&t);
	return err;
}

/* ---------------------------------------------------------------- good */

static void test_good_statement_verifies(void **state)
{
	struct fx *f = *state;
	struct medfw_device_statement_fields d = fields_of(f);
	struct medfw_buf b = signed_doc(&d, f->mfr);
	struct medfw_device_statement *st = NULL;
	struct medfw_pubkey *pub = NULL;
	uint8_t digest[32];
	char hex[65], signer[65];
	size_t n = 0;
	struct medfw_diag diag;

	assert_int_equal(medfw_device_statement_parse_unverified(b.data, b.len, &st, NULL), MEDFW_OK);
	assert_string_equal(st->manufacturer, "Acme Medical");
	assert_string_equal(st->model, "InfuPump 3");
	assert_string_equal(st->serial, "SN-0001");
	assert_string_equal(st->hardware_id, "infupump-rev-c");
	assert_string_equal(st->udi_di, GTIN);
	assert_string_equal(st->udi_pi, "lot=A12;serial=SN-0001;expiry=2031-01-31");
	assert_string_equal(st->public_key_hex, f->device_hex);
	assert_int_equal(st->issued, T0);
	assert_int_equal(st->expires, T0 + 365 * DAY);
	assert_int_equal(st->sig_count, 1);
	/* the hash is of the canonical signed part, what the signature covers */
	assert_int_equal(medfw_hash_oneshot(MEDFW_HASH_SHA256, st->signed_canonical.data,
					    st->signed_canonical.len, digest, sizeof(digest), &n),
			 MEDFW_OK);
	assert_int_equal(medfw_hex_encode(digest, n, hex, sizeof(hex)), MEDFW_OK);
	assert_string_equal(st->statement_sha256, hex);
	medfw_diag_clear(&diag);
	assert_int_equal(medfw_device_statement_verify(st, f->trusted, T0 + DAY, 0, signer, &diag),
			 MEDFW_OK);
	assert_int_equal(medfw_privkey_public(f->mfr, &pub, NULL), MEDFW_OK);
	assert_string_equal(signer, medfw_pubkey_keyid(pub));
	medfw_pubkey_free(pub);
	medfw_device_statement_free(st);
	medfw_buf_free(&b);
}

static void test_ecdsa_and_rsa_signers(void **state)
{
	struct fx *f = *state;
	struct medfw_device_statement_fields d = fields_of(f);
	struct medfw_privkey *rsa = gen(MEDFW_KEY_RSA_PSS_SHA256);
	struct medfw_device_statement_keys *keys =
		load_keys((struct medfw_privkey *[]){rsa, f->ecdsa}, 2);
	struct medfw_buf b1 = signed_doc(&d, f->ecdsa), b2 = signed_doc(&d, rsa);
	struct medfw_diag diag;
	char signer[65];

	d.udi_di = d.udi_pi = NULL;
	d.expires = 0;
	assert_int_equal(verify_at(&b1, keys, T0, 0, signer, &diag), MEDFW_OK);
	assert_int_equal(verify_at(&b2, keys, T0, 0, signer, &diag), MEDFW_OK);
	/* without the optional fields */
	medfw_buf_free(&b1);
	b1 = signed_doc(&d, rsa);
	assert_int_equal(verify_at(&b1, keys, T0 + (int64_t)100 * 365 * DAY, 0, signer, &diag), MEDFW_OK);
	medfw_buf_free(&b1);
	medfw_buf_free(&b2);
	medfw_device_statement_keys_free(keys);
	medfw_privkey_free(rsa);
}

/* ---------------------------------------------------------------- refusals */

static void test_tampered_statement_is_refused(void **state)
{
	struct fx *f = *state;
	struct medfw_device_statement_fields d = fields_of(f);
	struct medfw_buf b = signed_doc(&d, f->mfr);
	static const char *const fields[] = {"model", "serial", "hardware_id", "manufacturer"};
	struct medfw_diag diag;
	char signer[65];

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		json_t *env = doc_of(&b);
		json_t *sig = json_object_get(env, "signed");

		json_object_set_new(sig, fields[i], json_string("X-1"));
		if (strcmp(fields[i], "serial") == 0)
			json_object_del(sig, "udi_pi"); /* keep it consistent: only the signature fails */
		assert_int_equal(verify_env(env, f->trusted, signer, &diag), MEDFW_ERR_THRESHOLD);
		assert_non_null(strstr(diag.msg, "not signed by a trusted manufacturer key"));
		json_decref(env);
	}
	/* a flipped signature byte */
	{
		json_t *env = doc_of(&b);
		json_t *s0 = json_array_get(json_object_get(env, "signatures"), 0);
		char sig[300];

		snprintf(sig, sizeof(sig), "%s", json_string_value(json_object_get(s0, "sig")));
		sig[0] = sig[0] == '0' ? '1' : '0';
		json_object_set_new(s0, "sig", json_string(sig));
		assert_int_equal(verify_env(env, f->trusted, signer, &diag), MEDFW_ERR_THRESHOLD);
		json_decref(env);
	}
	medfw_buf_free(&b);
}

static void test_wrong_key_is_refused(void **state)
{
	struct fx *f = *state;
	struct medfw_device_statement_fields d = fields_of(f);
	struct medfw_buf b = signed_doc(&d, f->other);
	struct medfw_diag diag;
	char signer[65];

	assert_int_equal(verify_at(&b, f->trusted, T0, 0, signer, &diag), MEDFW_ERR_THRESHOLD);
	medfw_buf_free(&b);
	/* NULL / empty trusted set: nothing to verify */
	b = signed_doc(&d, f->mfr);
	assert_int_equal(verify_at(&b, NULL, T0, 0, signer, &diag), MEDFW_ERR_INVALID_ARG);
	medfw_buf_free(&b);
}

static void test_duplicate_signatures_count_once(void **state)
{
	struct fx *f = *state;
	struct medfw_device_statement_fields d = fields_of(f);
	struct medfw_buf b = signed_doc(&d, f->mfr), bad = signed_doc(&d, f->other);
	json_t *env = doc_of(&b), *other = doc_of(&bad);
	json_t *sigs = json_object_get(env, "signatures");
	json_t *good = json_array_get(sigs, 0);
	json_t *forged = json_deep_copy(good);
	struct medfw_diag diag;
	char signer[65];

	/* a bad signature under the trusted key id, then the good one twice, and one by an
	 * untrusted key: the bad one never counts, the good one counts (once) */
	json_object_set(forged, "sig",
			json_object_get(json_array_get(json_object_get(other, "signatures"), 0),
					"sig"));
	json_array_insert_new(sigs, 0, forged);
	json_array_append(sigs, good);
	json_array_append(sigs, json_array_get(json_object_get(other, "signatures"), 0));
	assert_int_equal(verify_env(env, f->trusted, signer, &diag), MEDFW_OK);
	/* only bad and untrusted ones: refused */
	json_array_remove(sigs, 2);
	json_array_remove(sigs, 1);
	assert_int_equal(verify_env(env, f->trusted, signer, &diag), MEDFW_ERR_THRESHOLD);
	json_decref(env);
	json_decref(other);
	medfw_buf_free(&b);
	medfw_buf_free(&bad);
}

static void test_expiry_and_issue_time(void **state)
{
	struct fx *f = *state;
	struct medfw_device_statement_fields d = fields_of(f);
	struct medfw_buf b = signed_doc(&d, f->mfr);
	struct medfw_diag diag;
	char signer[65];

	assert_int_equal(verify_at(&b, f->trusted, d.expires - 1, 0, signer, &diag), MEDFW_OK);
	assert_int_equal(verify_at(&b, f->trusted, d.expires, 0, signer, &diag), MEDFW_ERR_EXPIRED);
	assert_non_null(strstr(diag.msg, "expired"));
	assert_int_equal(verify_at(&b, f->trusted, d.expires + 10 * DAY, 0, signer, &diag),
			 MEDFW_ERR_EXPIRED);
	/* not yet issued: refused beyond the allowed skew, accepted within it */
	assert_int_equal(verify_at(&b, f->trusted, T0 - 301, 300, signer, &diag),
			 MEDFW_ERR_FIELD_VALUE);
	assert_non_null(strstr(diag.msg, "signed.issued is in the future"));
	assert_int_equal(verify_at(&b, f->trusted, T0 - 1, 0, signer, &diag),
			 MEDFW_ERR_FIELD_VALUE);
	assert_int_equal(verify_at(&b, f->trusted, T0 - 300, 300, signer, &diag), MEDFW_OK);
	medfw_buf_free(&b);
}

/* The signed part of a good statement as a modifiable tree. */
static json_t *good_env(const struct fx *f)
{
	struct medfw_device_statement_fields d = fields_of(f);
	struct medfw_buf b = signed_doc(&d, f->mfr);
	json_t *env = doc_of(&b);

	medfw_buf_free(&b);
	return env;
}

static void expect_signed(const struct fx *f, const char *field, json_t *value,
			  enum medfw_err want, const char *msg_part)
{
	json_t *env = good_env(f);
	struct medfw_diag diag;

	if (value == NULL)
		json_object_del(json_object_get(env, "signed"), field);
	else
		json_object_set_new(json_object_get(env, "signed"), field, value);
	assert_int_equal(parse_env(env, &diag), want);
	if (strstr(diag.msg, msg_part) == NULL)
		fail_msg("%s: message \"%s\" lacks \"%s\"", field, diag.msg, msg_part);
	json_decref(env);
}

static void test_fields_are_strict(void **state)
{
	struct fx *f = *state;
	struct medfw_diag diag;
	json_t *env;

	expect_signed(f, "colour", json_string("red"), MEDFW_ERR_FIELD_VALUE,
		      "unknown field \"colour\"");
	expect_signed(f, "serial", json_integer(7), MEDFW_ERR_FIELD_TYPE, "serial");
	expect_signed(f, "model", NULL, MEDFW_ERR_FIELD_MISSING, "model");
	expect_signed(f, "hardware_id", json_string(""), MEDFW_ERR_FIELD_VALUE, "hardware_id");
	expect_signed(f, "model", json_string("tab\there"), MEDFW_ERR_FIELD_VALUE, "model");
	expect_signed(f, "model", json_string(" lead"), MEDFW_ERR_FIELD_VALUE, "model");
	{
		char big[MEDFW_DEVSTMT_SERIAL_MAX + 2];

		memset(big, 'S', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		expect_signed(f, "udi_pi", NULL, MEDFW_OK, "");
		expect_signed(f, "serial", json_string(big), MEDFW_ERR_FIELD_VALUE, "serial");
	}
	expect_signed(f, "_type", json_string("root"), MEDFW_ERR_ROLE_TYPE, "_type");
	expect_signed(f, "spec_version", json_string("2.0"), MEDFW_ERR_SPEC_VERSION,
		      "spec_version");
	expect_signed(f, "issued", json_string("2030-01-01"), MEDFW_ERR_FIELD_VALUE, "issued");
	expect_signed(f, "expires", json_string("2020-01-01T00:00:00Z"), MEDFW_ERR_FIELD_VALUE,
		      "expires must be after");
	expect_signed(f, "expires", json_integer(5), MEDFW_ERR_FIELD_TYPE, "expires");
	expect_signed(f, "expires", NULL, MEDFW_OK, "");
	/* envelope and signature entries */
	env = good_env(f);
	json_object_set_new(env, "extra", json_true());
	assert_int_equal(parse_env(env, &diag), MEDFW_ERR_FIELD_VALUE);
	assert_non_null(strstr(diag.msg, "unknown field \"extra\""));
	json_decref(env);
	env = good_env(f);
	json_object_set_new(json_array_get(json_object_get(env, "signatures"), 0), "method",
			    json_string("x"));
	assert_int_equal(parse_env(env, &diag), MEDFW_ERR_FIELD_VALUE);
	assert_non_null(strstr(diag.msg, "signatures[0]: unknown field \"method\""));
	json_decref(env);
	env = good_env(f);
	json_object_set_new(json_array_get(json_object_get(env, "signatures"), 0), "sig",
			    json_string("xyz"));
	assert_int_equal(parse_env(env, &diag), MEDFW_ERR_FIELD_VALUE);
	assert_non_null(strstr(diag.msg, "signatures[0].sig"));
	json_decref(env);
	env = good_env(f);
	json_array_clear(json_object_get(env, "signatures"));
	assert_int_equal(parse_env(env, &diag), MEDFW_ERR_FIELD_MISSING);
	for (int i = 0; i < MEDFW_DEVSTMT_MAX_SIGNATURES + 1; i++)
		json_array_append_new(json_object_get(env, "signatures"),
				      json_pack("{s:s, s:s}", "keyid",
						"0000000000000000000000000000000000000000000000000000000000000000",
						"sig", "00"));
	assert_int_equal(parse_env(env, &diag), MEDFW_ERR_TOO_LARGE);
	json_object_del(env, "signatures");
	assert_int_equal(parse_env(env, &diag), MEDFW_ERR_FIELD_MISSING);
	assert_non_null(strstr(diag.msg, "signatures"));
	json_decref(env);
	env = js("[1, 2]");
	assert_int_equal(parse_env(env, &diag), MEDFW_ERR_FIELD_TYPE);
	json_decref(env);
}

static void test_bad_udi_is_refused(void **state)
{
	struct fx *f = *state;
	struct medfw_device_statement_fields d = fields_of(f);
	struct medfw_buf out;
	struct medfw_diag diag;
	static const char *const bad_pi[] = {
		"lot=",           "lot=A;lot=B",       "serial=SN-0001;lot=A", "expiry=2031-02-30",
		"colour=red",     "lot=A;",            "lot=A b",              "lot=ABCDEFGHIJKLMNOPQRSTU",
		"serial=OTHER",   "lot",               ";lot=A",
	};

	expect_signed(f, "udi_di", json_string("09506000134353"), MEDFW_ERR_FIELD_VALUE, "udi_di");
	expect_signed(f, "udi_di", json_string("+A123BJC5D6E71G"), MEDFW_OK, ""); /* HIBCC */
	expect_signed(f, "udi_di", NULL, MEDFW_ERR_FIELD_MISSING, "udi_pi needs signed.udi_di");
	for (size_t i = 0; i < sizeof(bad_pi) / sizeof(bad_pi[0]); i++)
		expect_signed(f, "udi_pi", json_string(bad_pi[i]), MEDFW_ERR_FIELD_VALUE, "udi_pi");
	expect_signed(f, "udi_pi", json_string("software=1.2.3"), MEDFW_OK, "");
	/* signing refuses the same, and writes nothing */
	d.udi_di = "09506000134353";
	medfw_buf_init(&out, MEDFW_DEVSTMT_MAX_BYTES);
	medfw_diag_clear(&diag);
	assert_int_equal(medfw_device_statement_sign(&d, f->mfr, &out, &diag), MEDFW_ERR_FIELD_VALUE);
	assert_non_null(strstr(diag.msg, "signed.udi_di"));
	assert_int_equal(out.len, 0);
	medfw_buf_free(&out);
}

static void test_bad_public_key_is_refused(void **state)
{
	struct fx *f = *state;
	char upper[65], shortk[63];
	struct medfw_device_statement_fields d = fields_of(f);
	struct medfw_buf out;
	struct medfw_diag diag;

	for (size_t i = 0; i < 64; i++)
		upper[i] = (char)(f->device_hex[i] >= 'a' ? f->device_hex[i] - 32 : f->device_hex[i]);
	upper[64] = '\0';
	memcpy(shortk, f->device_hex, 62);
	shortk[62] = '\0';
	expect_signed(f, "public_key", json_string(upper), MEDFW_ERR_FIELD_VALUE, "public_key");
	expect_signed(f, "public_key", json_string(shortk), MEDFW_ERR_FIELD_VALUE, "public_key");
	expect_signed(f, "public_key",
		      json_string("zz00000000000000000000000000000000000000000000000000000000000000"),
		      MEDFW_ERR_FIELD_VALUE, "public_key");
	expect_signed(f, "public_key", json_integer(1), MEDFW_ERR_FIELD_TYPE, "public_key");
	d.public_key_hex = shortk;
	medfw_buf_init(&out, MEDFW_DEVSTMT_MAX_BYTES);
	medfw_diag_clear(&diag);
	assert_int_equal(medfw_device_statement_sign(&d, f->mfr, &out, &diag), MEDFW_ERR_FIELD_VALUE);
	assert_int_equal(out.len, 0);
	/* expires not after issued */
	d = fields_of(f);
	d.expires = d.issued;
	assert_int_equal(medfw_device_statement_sign(&d, f->mfr, &out, &diag), MEDFW_ERR_FIELD_VALUE);
	assert_int_equal(out.len, 0);
	medfw_buf_free(&out);
}

static void test_size_depth_and_syntax(void **state)
{
	struct medfw_device_statement *st = (void *)1;
	struct medfw_buf big;
	char deep[64];
	json_t *env;
	struct medfw_diag diag;

	(void)state;
	medfw_buf_init(&big, 1u << 20);
	assert_int_equal(medfw_buf_append_str(&big, "{\"signed\":\""), MEDFW_OK);
	for (size_t i = 0; i < MEDFW_DEVSTMT_MAX_BYTES; i++)
		assert_int_equal(medfw_buf_append(&big, "a", 1), MEDFW_OK);
	assert_int_equal(medfw_buf_append_str(&big, "\"}"), MEDFW_OK);
	assert_int_equal(medfw_device_statement_parse_unverified(big.data, big.len, &st, NULL),
			 MEDFW_ERR_TOO_LARGE);
	assert_null(st);
	/* the same from a tree (a request body member) */
	env = js((const char *)big.data);
	medfw_diag_clear(&diag);
	assert_int_equal(medfw_device_statement_from_json_unverified(env, &st, &diag),
			 MEDFW_ERR_TOO_LARGE);
	assert_null(st);
	json_decref(env);
	medfw_buf_free(&big);
	snprintf(deep, sizeof(deep), "{\"signed\":[[[[[[1]]]]]]}");
	assert_int_equal(medfw_device_statement_parse_unverified((const uint8_t *)deep,
								 strlen(deep), &st, NULL),
			 MEDFW_ERR_TOO_DEEP);
	assert_int_equal(medfw_device_statement_parse_unverified((const uint8_t *)"{\"signed\":",
								 10, &st, NULL),
			 MEDFW_ERR_JSON_SYNTAX);
	assert_int_equal(medfw_device_statement_parse_unverified((const uint8_t *)"{\"signed\":1.5}",
								 14, &st, NULL),
			 MEDFW_ERR_NOT_CANONICAL);
	assert_null(st);
}

/* ---------------------------------------------------------------- trusted keys */

static void test_trusted_keys_file(void **state)
{
	struct fx *f = *state;
	struct medfw_device_statement_keys *set = (void *)1;
	struct medfw_buf file = keys_file((struct medfw_privkey *[]){f->mfr}, 1);
	struct medfw_pubkey *pub = NULL;
	struct medfw_diag diag;
	json_t *doc;

	assert_int_equal(medfw_device_statement_keys_load(file.data, file.len, &set, NULL), MEDFW_OK);
	assert_int_equal(medfw_device_statement_keys_count(set), 1);
	assert_int_equal(medfw_privkey_public(f->mfr, &pub, NULL), MEDFW_OK);
	assert_string_equal(medfw_device_statement_keys_keyid(set, 0), medfw_pubkey_keyid(pub));
	assert_null(medfw_device_statement_keys_keyid(set, 1));
	medfw_device_statement_keys_free(set);
	/* a key id that is not the key's */
	doc = js((const char *)file.data);
	json_object_set(json_object_get(doc, "keys"),
			"00000000000000000000000000000000000000000000000000000000000000ff",
			json_object_get(json_object_get(doc, "keys"), medfw_pubkey_keyid(pub)));
	json_object_del(json_object_get(doc, "keys"), medfw_pubkey_keyid(pub));
	{
		char *s = json_dumps(doc, JSON_COMPACT);

		medfw_diag_clear(&diag);
		assert_int_equal(medfw_device_statement_keys_load((const uint8_t *)s, strlen(s), &set,
								  &diag),
				 MEDFW_ERR_FIELD_VALUE);
		assert_null(set);
		assert_non_null(strstr(diag.msg, "the key id is not the key's"));
		free(s);
	}
	json_decref(doc);
	/* other refusals */
	{
		static const struct {
			const char *text;
			enum medfw_err err;
		} bad[] = {
			{"{\"keys\": {}}", MEDFW_ERR_FIELD_MISSING},
			{"{}", MEDFW_ERR_FIELD_MISSING},
			{"{\"keys\": {}, \"x\": 1}", MEDFW_ERR_FIELD_VALUE},
			{"{\"keys\": []}", MEDFW_ERR_FIELD_TYPE},
			{"{\"keys\": {\"ab\": {\"keytype\": \"ed25519\"}}}", MEDFW_ERR_KEY_FORMAT},
			{"[", MEDFW_ERR_JSON_SYNTAX},
		};
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			set = (void *)1;
			assert_int_equal(medfw_device_statement_keys_load((const uint8_t *)bad[i].text,
									  strlen(bad[i].text), &set,
									  NULL),
					 bad[i].err);
			assert_null(set);
		}
	}
	/* a private key in the file is refused */
	{
		json_t *k = json_deep_copy(medfw_pubkey_json(pub));
		json_t *d2;
		char *s;

		json_object_set_new(json_object_get(k, "keyval"), "private", json_string("00"));
		d2 = json_pack("{s:{s:o}}", "keys", medfw_pubkey_keyid(pub), k);
		s = json_dumps(d2, JSON_COMPACT);
		assert_int_equal(medfw_device_statement_keys_load((const uint8_t *)s, strlen(s), &set,
								  NULL),
				 MEDFW_ERR_KEY_FORMAT);
		free(s);
		json_decref(d2);
	}
	medfw_pubkey_free(pub);
	medfw_buf_free(&file);
	medfw_device_statement_keys_free(NULL);
}

static void test_too_many_trusted_keys(void **state)
{
	struct medfw_privkey *keys[MEDFW_DEVSTMT_KEYS_MAX + 1];
	struct medfw_device_statement_keys *set = (void *)1;
	struct medfw_buf file;

	(void)state;
	for (size_t i = 0; i < MEDFW_DEVSTMT_KEYS_MAX + 1; i++)
		keys[i] = gen(MEDFW_KEY_ED25519);
	file = keys_file(keys, MEDFW_DEVSTMT_KEYS_MAX + 1);
	assert_int_equal(medfw_device_statement_keys_load(file.data, file.len, &set, NULL),
			 MEDFW_ERR_TOO_LARGE);
	assert_null(set);
	medfw_buf_free(&file);
	file = keys_file(keys, MEDFW_DEVSTMT_KEYS_MAX);
	assert_int_equal(medfw_device_statement_keys_load(file.data, file.len, &set, NULL), MEDFW_OK);
	assert_int_equal(medfw_device_statement_keys_count(set), MEDFW_DEVSTMT_KEYS_MAX);
	medfw_device_statement_keys_free(set);
	medfw_buf_free(&file);
	for (size_t i = 0; i < MEDFW_DEVSTMT_KEYS_MAX + 1; i++)
		medfw_privkey_free(keys[i]);
}

/* ---------------------------------------------------------------- store look-ups */

static void test_store_lookups(void **state)
{
	struct medfw_ctx *ctx = medfw_ctx_new();
	char *dir = tu_tmpdir_new(), path[4096];
	struct medfw_store *store = NULL;
	struct medfw_store_site s1 = {0}, s2 = {0};
	struct medfw_store_device d = {0};
	int64_t ids[2], a_id, b_id, c_id, other = -1;
	uint8_t key[MEDFW_STORE_PUBKEY_LEN];
	size_t n = 9;

	(void)state;
	tu_path(path, sizeof(path), dir, "medfwd.db");
	assert_int_equal(medfw_store_open(ctx, path, &store, NULL), MEDFW_OK);
	snprintf(s1.name, sizeof(s1.name), "General");
	snprintf(s1.time_zone, sizeof(s1.time_zone), "UTC");
	s2 = s1;
	snprintf(s2.name, sizeof(s2.name), "St Mary");
	assert_int_equal(medfw_store_site_create(store, &s1, NULL), MEDFW_OK);
	assert_int_equal(medfw_store_site_create(store, &s2, NULL), MEDFW_OK);
	d.site_id = s1.id;
	snprintf(d.model, sizeof(d.model), "InfuPump 3");
	snprintf(d.serial, sizeof(d.serial), "SN-1");
	assert_int_equal(medfw_store_device_create(store, &d, NULL), MEDFW_OK);
	a_id = d.id;
	d.site_id = s2.id; /* same model and serial in another site */
	assert_int_equal(medfw_store_device_create(store, &d, NULL), MEDFW_OK);
	b_id = d.id;
	snprintf(d.serial, sizeof(d.serial), "SN-2");
	assert_int_equal(medfw_store_device_create(store, &d, NULL), MEDFW_OK);
	c_id = d.id;
	assert_int_equal(medfw_store_device_find_by_model_serial(store, "InfuPump 3", "SN-1", ids, 2,
								 &n, NULL),
			 MEDFW_OK);
	assert_int_equal(n, 2);
	assert_int_equal(ids[0], a_id);
	assert_int_equal(ids[1], b_id);
	assert_int_equal(medfw_store_device_find_by_model_serial(store, "InfuPump 3", "SN-1", ids, 1,
								 &n, NULL),
			 MEDFW_ERR_TOO_LARGE);
	assert_int_equal(n, 0);
	assert_int_equal(medfw_store_device_find_by_model_serial(store, "InfuPump 4", "SN-1", ids, 2,
								 &n, NULL),
			 MEDFW_OK);
	assert_int_equal(n, 0);
	assert_int_equal(medfw_store_device_find_by_model_serial(store, "", "SN-1", ids, 2, &n, NULL),
			 MEDFW_ERR_FIELD_MISSING);
	/* public keys */
	assert_int_equal(medfw_random_bytes(key, sizeof(key)), MEDFW_OK);
	assert_int_equal(medfw_store_device_find_by_public_key(store, key, 0, &other, NULL), MEDFW_OK);
	assert_int_equal(other, 0);
	assert_int_equal(medfw_store_device_enrol(store, c_id, key, NULL), MEDFW_OK);
	assert_int_equal(medfw_store_device_find_by_public_key(store, key, a_id, &other, NULL),
			 MEDFW_OK);
	assert_int_equal(other, c_id);
	assert_int_equal(medfw_store_device_find_by_public_key(store, key, c_id, &other, NULL),
			 MEDFW_OK);
	assert_int_equal(other, 0);
	medfw_store_close(store);
	medfw_ctx_free(ctx);
	tu_tmpdir_free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_statement_verifies),
		cmocka_unit_test(test_ecdsa_and_rsa_signers),
		cmocka_unit_test(test_tampered_statement_is_refused),
		cmocka_unit_test(test_wrong_key_is_refused),
		cmocka_unit_test(test_duplicate_signatures_count_once),
		cmocka_unit_test(test_expiry_and_issue_time),
		cmocka_unit_test(test_fields_are_strict),
		cmocka_unit_test(test_bad_udi_is_refused),
		cmocka_unit_test(test_bad_public_key_is_refused),
		cmocka_unit_test(test_size_depth_and_syntax),
		cmocka_unit_test(test_trusted_keys_file),
		cmocka_unit_test(test_too_many_trusted_keys),
		cmocka_unit_test(test_store_lookups),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
