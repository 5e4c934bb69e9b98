/* HTTP Message Signatures: RFC 9421 B.2.6 vector, round trip, every tamper, skew. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "medfw/crypto.h"
#include "medfw/encode.h"
#include "medfw/httpsig.h"

/* ---- a request with a small header table ---- */

#define MAX_HDR 8

struct hdrs {
	const char *name[MAX_HDR];
	char *value[MAX_HDR];
	size_t n;
};

static const char *hdr_get(void *user, const char *name)
{
	struct hdrs *h = user;

	for (size_t i = 0; i < h->n; i++)
		if (strcmp(h->name[i], name) == 0)
			return h->value[i];
	return NULL;
}

static void hdr_set(struct hdrs *h, const char *name, const char *value)
{
	for (size_t i = 0; i < h->n; i++)
		if (strcmp(h->name[i], name) == 0) {
			free(h->value[i]);
			h->value[i] = value == NULL ? NULL : strdup(value);
			return;
		}
	assert_true(h->n < MAX_HDR);
	h->name[h->n] = name;
	h->value[h->n++] = value == NULL ? NULL : strdup(value);
}

static void hdr_free(struct hdrs *h)
{
	for (size_t i = 0; i < h->n; i++)
		free(h->value[i]);
	h->n = 0;
}

/* Replace the first occurrence of `from` by `to` in header `name`. */
static void hdr_replace(struct hdrs *h, const char *name, const char *from, const char *to)
{
	const char *v = hdr_get(h, name);
	char buf[2 * MEDFW_HTTPSIG_HEADER_MAX];
	const char *at;

	assert_non_null(v);
	at = strstr(v, from);
	if (at == NULL)
		fail_msg("\"%s\" not in %s: %s", from, name, v);
	snprintf(buf, sizeof(buf), "%.*s%s%s", (int)(at - v), v, to, at + strlen(from));
	hdr_set(h, name, buf);
}

/* ---- keys and nonces ---- */

struct keyring {
	struct medfw_privkey *dev1;
	struct medfw_privkey *dev2;
};

static enum medfw_err key_lookup(void *user, const char *keyid, struct medfw_pubkey **out)
{
	struct keyring *kr = user;
	struct medfw_privkey *k = NULL;

	if (strcmp(keyid, "dev-1") == 0)
		k = kr->dev1;
	else if (strcmp(keyid, "dev-2") == 0)
		k = kr->dev2;
	if (k == NULL)
		return MEDFW_ERR_NOT_FOUND;
	return medfw_privkey_public(k, out, NULL);
}

struct nonces {
	char seen[16][MEDFW_HTTPSIG_STRING_MAX + 1];
	size_t n;
};

static enum medfw_err nonce_check(void *user, const char *keyid, const char *nonce,
				  int64_t created)
{
	struct nonces *ns = user;

	(void)keyid;
	(void)created;
	for (size_t i = 0; i < ns->n; i++)
		if (strcmp(ns->seen[i], nonce) == 0)
			return MEDFW_ERR_EXISTS;
	assert_true(ns->n < 16);
	snprintf(ns->seen[ns->n++], sizeof(ns->seen[0]), "%s", nonce);
	return MEDFW_OK;
}

/* ---- fixture ---- */

#define T0 1700000000
#define SKEW 300

static const char *const required[] = {"@method", "@path", "content-digest"};
static const char body[] = "{\"firmware\":\"1.2.3\"}";

struct fx {
	struct keyring kr;
	struct nonces ns;
	struct hdrs h;
	struct medfw_httpsig_request req;
	struct medfw_httpsig_policy policy;
	char method[16], path[64], query[64];
	uint8_t body[64];
};

static int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	assert_int_equal(medfw_privkey_generate(MEDFW_KEY_ED25519, &f->kr.dev1, NULL), MEDFW_OK);
	assert_int_equal(medfw_privkey_generate(MEDFW_KEY_ED25519, &f->kr.dev2, NULL), MEDFW_OK);
	*state = f;
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;

	hdr_free(&f->h);
	medfw_privkey_free(f->kr.dev1);
	medfw_privkey_free(f->kr.dev2);
	free(f);
	return 0;
}

/* Sign a fresh request (query may be NULL) with dev-1 and install its headers. */
static void fx_sign(struct fx *f, const char *query, const char *nonce)
{
	struct medfw_httpsig_headers out;
	struct medfw_diag d;

	hdr_free(&f->h);
	memset(&f->ns, 0, sizeof(f->ns));
	snprintf(f->method, sizeof(f->method), "POST");
	snprintf(f->path, sizeof(f->path), "/device/v1/checkin");
	memcpy(f->body, body, sizeof(body) - 1);
	medfw_diag_clear(&d);
	assert_int_equal(medfw_httpsig_sign(f->kr.dev1, "dev-1", f->method, f->path, query,
					    f->body, sizeof(body) - 1, T0, nonce, &out, &d),
			 MEDFW_OK);
	hdr_set(&f->h, "content-digest", out.content_digest);
	hdr_set(&f->h, "signature-input", out.signature_input);
	hdr_set(&f->h, "signature", out.signature);
	if (query != NULL)
		snprintf(f->query, sizeof(f->query), "%s", query);
	memset(&f->req, 0, sizeof(f->req));
	f->req.method = f->method;
	f->req.path = f->path;
	f->req.query = query != NULL ? f->query : NULL;
	f->req.header = hdr_get;
	f->req.header_user = &f->h;
	f->req.body = f->body;
	f->req.body_len = sizeof(body) - 1;
	f->policy.label = MEDFW_HTTPSIG_LABEL;
	f->policy.required = required;
	f->policy.n_required = 3;
	f->policy.now = T0;
	f->policy.max_skew = SKEW;
}

/* Verify and expect `want`; on failure the result must be zeroed. */
static void fx_expect(struct fx *f, enum medfw_err want, const char *needle)
{
	struct medfw_httpsig_result res;
	struct medfw_diag d;
	enum medfw_err err;

	memset(&res, 0x5a, sizeof(res));
	medfw_diag_clear(&d);
	err = medfw_httpsig_verify(&f->req, &f->policy, key_lookup, &f->kr, nonce_check, &f->ns,
				   &res, &d);
	if (err != want)
		fail_msg("expected %s, got %s: %s", medfw_err_name(want), medfw_err_name(err),
			 d.msg);
	if (want != MEDFW_OK) {
		tu_assert_zeroed(&res, sizeof(res));
		if (needle != NULL && strstr(d.msg, needle) == NULL)
			fail_msg("message \"%s\" lacks \"%s\"", d.msg, needle);
	} else {
		assert_string_equal(res.keyid, "dev-1");
		assert_int_equal(res.created, T0);
	}
}

/* ---- RFC 9421 Appendix B.2.6 ---- */

static const char rfc_input[] =
	"sig-b26=(\"date\" \"@method\" \"@path\" \"@authority\" \"content-type\" "
	"\"content-length\");created=1618884473;keyid=\"test-key-ed25519\"";
static const char rfc_signature[] =
	"sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WP"
	"pBKRCw==:";
static const char rfc_base[] =
	"\"date\": Tue, 20 Apr 2021 02:07:55 GMT\n"
	"\"@method\": POST\n"
	"\"@path\": /foo\n"
	"\"@authority\": example.com\n"
	"\"content-type\": application/json\n"
	"\"content-length\": 18\n"
	"\"@signature-params\": (\"date\" \"@method\" \"@path\" \"@authority\" \"content-type\" "
	"\"content-length\");created=1618884473;keyid=\"test-key-ed25519\"";
/* RFC 9421 B.1.4, raw public key (the JWK "x") */
static const uint8_t rfc_pub[32] = {
	0x26, 0xb4, 0x0b, 0x8f, 0x93, 0xff, 0xf3, 0xd8, 0x97, 0x11, 0x2f, 0x7e, 0xbc, 0x58, 0x2b, 0x23,
	0x2d, 0xbd, 0x72, 0x51, 0x7d, 0x08, 0x2f, 0xe8, 0x3c, 0xfb, 0x30, 0xdd, 0xce, 0x43, 0xd1, 0xbb};

static void test_rfc9421_b26(void **state)
{
	struct hdrs h = {0};
	struct medfw_httpsig_request req = {0};
	struct medfw_httpsig_params params;
	struct medfw_privkey *key = NULL;
	struct medfw_pubkey *pub = NULL;
	struct medfw_buf pem, base, sig;
	uint8_t want_sig[MEDFW_HTTPSIG_BYTES_MAX];
	size_t want_len = 0;
	char path[1024];
	struct medfw_diag d;

	(void)state;
	medfw_diag_clear(&d);
	hdr_set(&h, "date", "Tue, 20 Apr 2021 02:07:55 GMT");
	hdr_set(&h, "content-type", "application/json");
	hdr_set(&h, "content-length", "18");
	req.method = "POST";
	req.path = "/foo";
	req.authority = "example.com";
	req.header = hdr_get;
	req.header_user = &h;

	assert_int_equal(medfw_httpsig_parse_input(rfc_input, "sig-b26", &params, &d), MEDFW_OK);
	assert_int_equal(params.n_components, 6);
	assert_true(params.has_created && params.has_keyid && !params.has_alg);
	medfw_buf_init(&base, MEDFW_HTTPSIG_BASE_MAX);
	assert_int_equal(medfw_httpsig_signature_base(&req, &params, &base, &d), MEDFW_OK);
	assert_int_equal(base.len, strlen(rfc_base));
	assert_memory_equal(base.data, rfc_base, base.len);

	snprintf(path, sizeof(path), "%s/tests/fixtures/rfc9421/test-key-ed25519.pem",
		 getenv("MEDFW_SOURCE_DIR"));
	tu_read_file(path, &pem);
	assert_int_equal(medfw_privkey_load_pem(pem.data, pem.len, NULL, &key, &d), MEDFW_OK);
	medfw_buf_init(&sig, 1024);
	assert_int_equal(medfw_privkey_sign(key, base.data, base.len, &sig, &d), MEDFW_OK);
	assert_int_equal(medfw_httpsig_parse_signature(rfc_signature, "sig-b26", want_sig,
						       sizeof(want_sig), &want_len, &d),
			 MEDFW_OK);
	assert_int_equal(want_len, 64);
	assert_int_equal(sig.len, 64);
	assert_memory_equal(sig.data, want_sig, 64);

	/* and the raw public key of B.1.4 verifies it */
	assert_int_equal(medfw_httpsig_pubkey_from_raw(rfc_pub, sizeof(rfc_pub), &pub, &d),
			 MEDFW_OK);
	assert_int_equal(medfw_pubkey_verify(pub, base.data, base.len, want_sig, 64, &d), MEDFW_OK);
	want_sig[5] ^= 1;
	assert_int_equal(medfw_pubkey_verify(pub, base.data, base.len, want_sig, 64, NULL),
			 MEDFW_ERR_SIGNATURE);
	medfw_pubkey_free(pub);
	pub = NULL;
	assert_int_equal(medfw_httpsig_pubkey_from_raw(rfc_pub, 31, &pub, NULL),
			 MEDFW_ERR_KEY_FORMAT);
	assert_null(pub);

	medfw_pubkey_free(pub);
	medfw_privkey_free(key);
	medfw_buf_free(&pem);
	medfw_buf_free(&base);
	medfw_buf_free(&sig);
	hdr_free(&h);
}

/* ---- RFC 9421 Appendix B.2.5: HMAC-SHA256 with the shared secret of B.1.5 ---- */

static const char rfc_b25_input[] =
	"sig-b25=(\"date\" \"@authority\" \"content-type\");created=1618884473;"
	"keyid=\"test-shared-secret\"";
static const char rfc_b25_signature[] = "sig-b25=:pxcQw6G3AjtMBQjwo8XzkZf/bws5LelbaMk5rGIGtE8=:";
static const char rfc_b25_secret_b64[] =
	"uzvJfB4u3N0Jy4T7NZ75MDVcr8zSTInedJtkgcu46YW4XByzNJjxBdtjUkdJPBtbmHhIDi6pcl8jsasjlTMtDQ==";

static void test_rfc9421_b25_hmac(void **state)
{
	struct hdrs h = {0};
	struct medfw_httpsig_request req = {0};
	struct medfw_httpsig_params params;
	struct medfw_buf base;
	uint8_t secret[64], want[MEDFW_HTTPSIG_BYTES_MAX], mac[MEDFW_HMAC_MAX_LEN];
	size_t secret_len = 0, want_len = 0, mac_len = 0;
	struct medfw_diag d;

	(void)state;
	medfw_diag_clear(&d);
	hdr_set(&h, "date", "Tue, 20 Apr 2021 02:07:55 GMT");
	hdr_set(&h, "content-type", "application/json");
	req.method = "POST";
	req.path = "/foo";
	req.authority = "example.com";
	req.header = hdr_get;
	req.header_user = &h;
	/* the padded secret without its "==" */
	assert_int_equal(medfw_base64_nopad_decode(rfc_b25_secret_b64,
						   strlen(rfc_b25_secret_b64) - 2, secret,
						   sizeof(secret), &secret_len),
			 MEDFW_OK);
	assert_int_equal(secret_len, 64);
	assert_int_equal(medfw_httpsig_parse_input(rfc_b25_input, "sig-b25", &params, &d),
			 MEDFW_OK);
	medfw_buf_init(&base, MEDFW_HTTPSIG_BASE_MAX);
	assert_int_equal(medfw_httpsig_signature_base(&req, &params, &base, &d), MEDFW_OK);
	assert_int_equal(medfw_hmac(MEDFW_MAC_HMAC_SHA256, secret, secret_len, base.data, base.len,
				    mac, sizeof(mac), &mac_len),
			 MEDFW_OK);
	assert_int_equal(medfw_httpsig_parse_signature(rfc_b25_signature, "sig-b25", want,
						       sizeof(want), &want_len, &d),
			 MEDFW_OK);
	assert_int_equal(want_len, 32);
	assert_int_equal(mac_len, 32);
	assert_memory_equal(mac, want, 32);
	medfw_buf_free(&base);
	hdr_free(&h);
}

/* verify_ex: HMAC-SHA256 session keys beside Ed25519 device keys */
static const uint8_t session_secret[MEDFW_HMAC_SHA256_LEN] = {
	1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
	17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};

static enum medfw_err key_lookup_ex(void *user, const char *keyid, enum medfw_httpsig_alg alg,
				    struct medfw_httpsig_key *out)
{
	if (strcmp(keyid, "sess-1") == 0) {
		if (alg != MEDFW_HTTPSIG_HMAC_SHA256)
			return MEDFW_ERR_KEY_UNSUPPORTED;
		out->alg = alg;
		memcpy(out->secret, session_secret, sizeof(session_secret));
		return MEDFW_OK;
	}
	if (strcmp(keyid, "sess-liar") == 0) { /* hands out a key of the wrong kind */
		out->alg = MEDFW_HTTPSIG_ED25519;
		return MEDFW_OK;
	}
	if (alg != MEDFW_HTTPSIG_ED25519)
		return MEDFW_ERR_KEY_UNSUPPORTED;
	out->alg = alg;
	return key_lookup(user, keyid, &out->pub);
}

static enum medfw_err verify_ex(struct hdrs *h, unsigned algs, struct keyring *kr,
				struct nonces *ns, struct medfw_httpsig_result *res)
{
	struct medfw_httpsig_request req = {0};
	struct medfw_httpsig_policy policy = {0};

	req.method = "POST";
	req.path = "/device/v1/checkin";
	req.header = hdr_get;
	req.header_user = h;
	req.body = (const uint8_t *)body;
	req.body_len = strlen(body);
	policy.label = MEDFW_HTTPSIG_LABEL;
	policy.required = required;
	policy.n_required = 3;
	policy.now = T0;
	policy.max_skew = SKEW;
	policy.algs = algs;
	return medfw_httpsig_verify_ex(&req, &policy, key_lookup_ex, kr, nonce_check, ns, res,
				       NULL);
}

static void set_signed(struct hdrs *h, const struct medfw_httpsig_headers *sig)
{
	hdr_set(h, "content-digest", sig->content_digest);
	hdr_set(h, "signature-input", sig->signature_input);
	hdr_set(h, "signature", sig->signature);
}

/* Sign the check-in body with an HMAC key and put the headers in h. */
static void sign_hmac_into(struct hdrs *h, const uint8_t *secret, const char *keyid,
			   const char *nonce, struct medfw_httpsig_headers *sig)
{
	assert_int_equal(medfw_httpsig_sign_hmac(secret, MEDFW_HMAC_SHA256_LEN, keyid, "POST",
						 "/device/v1/checkin", NULL,
						 (const uint8_t *)body, strlen(body), T0, nonce, sig,
						 NULL),
			 MEDFW_OK);
	set_signed(h, sig);
}

static void test_hmac_sessions(void **state)
{
	struct keyring kr = {0};
	struct nonces ns = {0};
	struct hdrs h = {0};
	struct medfw_httpsig_headers sig;
	struct medfw_httpsig_result res;
	const unsigned both = MEDFW_HTTPSIG_ED25519 | MEDFW_HTTPSIG_HMAC_SHA256;
	uint8_t other[MEDFW_HMAC_SHA256_LEN];

	(void)state;
	assert_int_equal(medfw_privkey_generate(MEDFW_KEY_ED25519, &kr.dev1, NULL), MEDFW_OK);

	/* an HMAC-signed request verifies, once */
	sign_hmac_into(&h, session_secret, "sess-1", "h-1", &sig);
	assert_non_null(strstr(sig.signature_input, "alg=\"hmac-sha256\""));
	assert_int_equal(verify_ex(&h, both, &kr, &ns, &res), MEDFW_OK);
	assert_int_equal(res.alg, MEDFW_HTTPSIG_HMAC_SHA256);
	assert_string_equal(res.keyid, "sess-1");
	assert_int_equal(verify_ex(&h, both, &kr, &ns, &res), MEDFW_ERR_EXISTS);
	/* a policy that does not take HMAC refuses it before any key lookup */
	assert_int_equal(verify_ex(&h, MEDFW_HTTPSIG_ED25519, &kr, &ns, &res),
			 MEDFW_ERR_KEY_UNSUPPORTED);
	assert_int_equal(verify_ex(&h, 0, &kr, &ns, &res), MEDFW_ERR_KEY_UNSUPPORTED);

	/* another secret, a tampered MAC, a tampered alg */
	memcpy(other, session_secret, sizeof(other));
	other[0] ^= 1;
	sign_hmac_into(&h, other, "sess-1", "h-2", &sig);
	assert_int_equal(verify_ex(&h, both, &kr, &ns, &res), MEDFW_ERR_SIGNATURE);
	sign_hmac_into(&h, session_secret, "sess-1", "h-3", &sig);
	hdr_replace(&h, "signature", "sig1=:", "sig1=:AAAA");
	assert_int_equal(verify_ex(&h, both, &kr, &ns, &res), MEDFW_ERR_SIGNATURE);
	set_signed(&h, &sig);
	hdr_replace(&h, "signature-input", "hmac-sha256", "ed25519");
	assert_int_equal(verify_ex(&h, both, &kr, &ns, &res), MEDFW_ERR_KEY_UNSUPPORTED);
	set_signed(&h, &sig);
	hdr_replace(&h, "signature-input", "hmac-sha256", "hmac-sha512");
	assert_int_equal(verify_ex(&h, both, &kr, &ns, &res), MEDFW_ERR_KEY_UNSUPPORTED);
	/* a lookup that answers with a key of another kind never verifies */
	sign_hmac_into(&h, session_secret, "sess-liar", "h-4", &sig);
	assert_int_equal(verify_ex(&h, both, &kr, &ns, &res), MEDFW_ERR_KEY_UNSUPPORTED);

	/* an Ed25519 device key under the same policy; its keyid cannot claim HMAC */
	assert_int_equal(medfw_httpsig_sign(kr.dev1, "dev-1", "POST", "/device/v1/checkin", NULL,
					    (const uint8_t *)body, strlen(body), T0, "e-1", &sig,
					    NULL),
			 MEDFW_OK);
	set_signed(&h, &sig);
	assert_int_equal(verify_ex(&h, both, &kr, &ns, &res), MEDFW_OK);
	assert_int_equal(res.alg, MEDFW_HTTPSIG_ED25519);
	sign_hmac_into(&h, session_secret, "dev-1", "e-2", &sig);
	assert_int_equal(verify_ex(&h, both, &kr, &ns, &res), MEDFW_ERR_KEY_UNSUPPORTED);

	/* bad signing arguments */
	assert_int_equal(medfw_httpsig_sign_hmac(session_secret, 16, "sess-1", "POST", "/", NULL,
						 NULL, 0, T0, "x", &sig, NULL),
			 MEDFW_ERR_INVALID_ARG);
	assert_int_equal(medfw_httpsig_sign_hmac(NULL, 32, "sess-1", "POST", "/", NULL, NULL, 0,
						 T0, "x", &sig, NULL),
			 MEDFW_ERR_INVALID_ARG);
	medfw_privkey_free(kr.dev1);
	hdr_free(&h);
}

/* RFC 9530 section B.1 style: Content-Digest of {"hello": "world"} */
static void test_content_digest(void **state)
{
	char cd[MEDFW_HTTPSIG_DIGEST_HEADER_LEN];
	const char *msg = "{\"hello\": \"world\"}\n";

	(void)state;
	assert_int_equal(medfw_httpsig_content_digest((const uint8_t *)msg, strlen(msg), cd,
						      sizeof(cd), NULL),
			 MEDFW_OK);
	assert_string_equal(cd, "sha-256=:RK/0qy18MlBSVnWgjwz6lZEWjP/lF5HF9bvEF8FabDg=:");
	assert_int_equal(medfw_httpsig_check_digest(cd, (const uint8_t *)msg, strlen(msg), NULL),
			 MEDFW_OK);
	/* other algorithms are ignored, sha-256 must be there */
	assert_int_equal(medfw_httpsig_check_digest(
				 "sha-512=:AAAA:, sha-256=:RK/0qy18MlBSVnWgjwz6lZEWjP/lF5HF9bvEF8FabDg=:",
				 (const uint8_t *)msg, strlen(msg), NULL),
			 MEDFW_OK);
	assert_int_equal(medfw_httpsig_check_digest("sha-512=:AAAA:", (const uint8_t *)msg,
						    strlen(msg), NULL),
			 MEDFW_ERR_FIELD_MISSING);
	assert_int_equal(medfw_httpsig_check_digest(cd, (const uint8_t *)msg, strlen(msg) - 1,
						    NULL),
			 MEDFW_ERR_HASH_MISMATCH);
	assert_int_equal(medfw_httpsig_check_digest("sha-256=:AAAA:", (const uint8_t *)msg,
						    strlen(msg), NULL),
			 MEDFW_ERR_FIELD_VALUE);
	assert_int_equal(medfw_httpsig_check_digest("sha-256=RK", (const uint8_t *)msg,
						    strlen(msg), NULL),
			 MEDFW_ERR_FIELD_VALUE);
	assert_int_equal(medfw_httpsig_check_digest(NULL, NULL, 0, NULL), MEDFW_ERR_FIELD_MISSING);
	/* empty body */
	assert_int_equal(medfw_httpsig_content_digest(NULL, 0, cd, sizeof(cd), NULL), MEDFW_OK);
	assert_string_equal(cd, "sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:");
}

static void test_round_trip_and_replay(void **state)
{
	struct fx *f = *state;

	fx_sign(f, NULL, "n-1");
	assert_string_equal(hdr_get(&f->h, "signature-input"),
			    "sig1=(\"@method\" \"@path\" \"content-digest\");created=1700000000;"
			    "nonce=\"n-1\";keyid=\"dev-1\";alg=\"ed25519\"");
	fx_expect(f, MEDFW_OK, NULL);
	fx_expect(f, MEDFW_ERR_EXISTS, "replay");

	fx_sign(f, "since=5&x=y", "n-2");
	assert_non_null(strstr(hdr_get(&f->h, "signature-input"), "\"@query\""));
	fx_expect(f, MEDFW_OK, NULL);
}

static void test_tamper(void **state)
{
	struct fx *f = *state;

	/* request line */
	fx_sign(f, NULL, "n");
	snprintf(f->method, sizeof(f->method), "PUT");
	fx_expect(f, MEDFW_ERR_SIGNATURE, "does not verify");
	fx_sign(f, NULL, "n");
	snprintf(f->path, sizeof(f->path), "/device/v1/checkin2");
	fx_expect(f, MEDFW_ERR_SIGNATURE, NULL);
	/* a query added to an unsigned one, changed, removed */
	fx_sign(f, NULL, "n");
	snprintf(f->query, sizeof(f->query), "a=1");
	f->req.query = f->query;
	fx_expect(f, MEDFW_ERR_FIELD_MISSING, "@query");
	fx_sign(f, "a=1", "n");
	snprintf(f->query, sizeof(f->query), "a=2");
	fx_expect(f, MEDFW_ERR_SIGNATURE, NULL);
	fx_sign(f, "a=1", "n");
	f->req.query = NULL;
	fx_expect(f, MEDFW_ERR_SIGNATURE, NULL);

	/* body, and digest header recomputed for the new body */
	fx_sign(f, NULL, "n");
	f->body[3] ^= 1;
	fx_expect(f, MEDFW_ERR_HASH_MISMATCH, "Content-Digest");
	{
		char cd[MEDFW_HTTPSIG_DIGEST_HEADER_LEN];

		assert_int_equal(medfw_httpsig_content_digest(f->body, f->req.body_len, cd,
							      sizeof(cd), NULL),
				 MEDFW_OK);
		hdr_set(&f->h, "content-digest", cd);
		fx_expect(f, MEDFW_ERR_SIGNATURE, NULL);
	}
	fx_sign(f, NULL, "n");
	hdr_set(&f->h, "content-digest", NULL);
	fx_expect(f, MEDFW_ERR_FIELD_MISSING, "Content-Digest");

	/* signature parameters */
	fx_sign(f, NULL, "n");
	hdr_replace(&f->h, "signature-input", "created=1700000000", "created=1700000001");
	fx_expect(f, MEDFW_ERR_SIGNATURE, NULL);
	fx_sign(f, NULL, "n");
	hdr_replace(&f->h, "signature-input", "nonce=\"n\"", "nonce=\"m\"");
	fx_expect(f, MEDFW_ERR_SIGNATURE, NULL);
	fx_sign(f, NULL, "n");
	hdr_replace(&f->h, "signature-input", "keyid=\"dev-1\"", "keyid=\"dev-9\"");
	fx_expect(f, MEDFW_ERR_NOT_FOUND, "dev-9");
	fx_sign(f, NULL, "n");
	hdr_replace(&f->h, "signature-input", "keyid=\"dev-1\"", "keyid=\"dev-2\"");
	fx_expect(f, MEDFW_ERR_SIGNATURE, NULL);
	fx_sign(f, NULL, "n");
	hdr_replace(&f->h, "signature-input", "alg=\"ed25519\"", "alg=\"rsa-pss-sha512\"");
	fx_expect(f, MEDFW_ERR_KEY_UNSUPPORTED, NULL);
	fx_sign(f, NULL, "n");
	hdr_replace(&f->h, "signature-input", ";alg=\"ed25519\"", "");
	fx_expect(f, MEDFW_ERR_FIELD_MISSING, "alg");
	fx_sign(f, NULL, "n");
	hdr_replace(&f->h, "signature-input", ";nonce=\"n\"", "");
	fx_expect(f, MEDFW_ERR_FIELD_MISSING, NULL);
	fx_sign(f, NULL, "n");
	hdr_replace(&f->h, "signature-input", "alg=", "algo=");
	fx_expect(f, MEDFW_ERR_FIELD_VALUE, "unknown signature parameter");
	fx_sign(f, NULL, "n");
	hdr_replace(&f->h, "signature-input", "created=1700000000", "created=\"1700000000\"");
	fx_expect(f, MEDFW_ERR_FIELD_VALUE, "integer");

	/* labels */
	fx_sign(f, NULL, "n");
	f->policy.label = "sig2";
	fx_expect(f, MEDFW_ERR_FIELD_MISSING, "sig2");
	fx_sign(f, NULL, "n");
	hdr_replace(&f->h, "signature", "sig1=", "sig2=");
	fx_expect(f, MEDFW_ERR_FIELD_MISSING, "Signature has no");
	fx_sign(f, NULL, "n");
	hdr_replace(&f->h, "signature-input", "sig1=", "sig2=");
	fx_expect(f, MEDFW_ERR_FIELD_MISSING, "Signature-Input has no");

	/* missing headers */
	fx_sign(f, NULL, "n");
	hdr_set(&f->h, "signature", NULL);
	fx_expect(f, MEDFW_ERR_FIELD_MISSING, "no Signature header");
	fx_sign(f, NULL, "n");
	hdr_set(&f->h, "signature-input", NULL);
	fx_expect(f, MEDFW_ERR_FIELD_MISSING, "no Signature-Input header");

	/* covered components */
	fx_sign(f, NULL, "n");
	hdr_replace(&f->h, "signature-input", " \"content-digest\"", "");
	fx_expect(f, MEDFW_ERR_FIELD_MISSING, "\"content-digest\"");
	fx_sign(f, NULL, "n");
	hdr_replace(&f->h, "signature-input", "\"@method\" ", "");
	fx_expect(f, MEDFW_ERR_FIELD_MISSING, "\"@method\"");
	fx_sign(f, NULL, "n");
	{
		static const char *const more[] = {"@method", "@path", "content-digest",
						   "content-type"};
		f->policy.required = more;
		f->policy.n_required = 4;
		fx_expect(f, MEDFW_ERR_FIELD_MISSING, "content-type");
	}
	fx_sign(f, NULL, "n");
	hdr_replace(&f->h, "signature-input", "(\"@method\"", "(\"@method\" \"@method\"");
	fx_expect(f, MEDFW_ERR_FIELD_VALUE, "component covered twice");
	fx_sign(f, NULL, "n");
	hdr_replace(&f->h, "signature-input", "(\"@method\"", "(\"@method\";sf");
	fx_expect(f, MEDFW_ERR_FIELD_VALUE, NULL);

	/* duplicated parameters and members */
	fx_sign(f, NULL, "n");
	hdr_replace(&f->h, "signature-input", ";created=1700000000",
		    ";created=1700000000;created=1700000000");
	fx_expect(f, MEDFW_ERR_FIELD_VALUE, "parameter given twice");
	fx_sign(f, NULL, "n");
	hdr_replace(&f->h, "signature-input", "sig1=", "sig1=(\"@method\");created=1, sig1=");
	fx_expect(f, MEDFW_ERR_FIELD_VALUE, "twice");
	fx_sign(f, NULL, "n");
	hdr_replace(&f->h, "signature", "sig1=", "sig1=:AAAA:, sig1=");
	fx_expect(f, MEDFW_ERR_FIELD_VALUE, "twice");

	/* signature bytes */
	fx_sign(f, NULL, "n");
	hdr_replace(&f->h, "signature", "sig1=:", "sig1=:AAAA");
	fx_expect(f, MEDFW_ERR_SIGNATURE, NULL);
	fx_sign(f, NULL, "n");
	{
		char v[MEDFW_HTTPSIG_HEADER_MAX];
		const char *s = hdr_get(&f->h, "signature");

		snprintf(v, sizeof(v), "%s", s);
		v[10] = v[10] == 'A' ? 'B' : 'A';
		hdr_set(&f->h, "signature", v);
		fx_expect(f, MEDFW_ERR_SIGNATURE, NULL);
	}

	/* oversized headers */
	fx_sign(f, NULL, "n");
	{
		char *big = malloc(MEDFW_HTTPSIG_HEADER_MAX + 100);

		assert_non_null(big);
		memset(big, ' ', MEDFW_HTTPSIG_HEADER_MAX + 99);
		big[MEDFW_HTTPSIG_HEADER_MAX + 99] = '\0';
		memcpy(big, hdr_get(&f->h, "signature-input"),
		       strlen(hdr_get(&f->h, "signature-input")));
		hdr_set(&f->h, "signature-input", big);
		fx_expect(f, MEDFW_ERR_TOO_LARGE, "longer than");
		fx_sign(f, NULL, "n");
		memcpy(big, hdr_get(&f->h, "signature"), strlen(hdr_get(&f->h, "signature")));
		hdr_set(&f->h, "signature", big);
		fx_expect(f, MEDFW_ERR_TOO_LARGE, NULL);
		free(big);
	}
	fx_sign(f, NULL, "n");
	{
		char nonce[MEDFW_HTTPSIG_STRING_MAX + 16];

		memset(nonce, 'x', sizeof(nonce));
		memcpy(nonce, "nonce=\"", 7);
		memcpy(nonce + sizeof(nonce) - 2, "\"", 2);
		hdr_replace(&f->h, "signature-input", "nonce=\"n\"", nonce);
		fx_expect(f, MEDFW_ERR_TOO_LARGE, "string longer than");
	}
	/* the signer refuses what the verifier would refuse */
	{
		struct medfw_httpsig_headers out;
		char nonce[MEDFW_HTTPSIG_STRING_MAX + 2];

		memset(nonce, 'x', sizeof(nonce) - 1);
		nonce[sizeof(nonce) - 1] = '\0';
		assert_int_equal(medfw_httpsig_sign(f->kr.dev1, "dev-1", "GET", "/", NULL, NULL, 0,
						    T0, nonce, &out, NULL),
				 MEDFW_ERR_INVALID_ARG);
		tu_assert_zeroed(&out, sizeof(out));
		assert_int_equal(medfw_httpsig_sign(f->kr.dev1, "dev\n1", "GET", "/", NULL, NULL, 0,
						    T0, "n", &out, NULL),
				 MEDFW_ERR_INVALID_ARG);
	}
}

static void test_skew(void **state)
{
	struct fx *f = *state;

	fx_sign(f, NULL, "a");
	f->policy.now = T0 + SKEW;
	fx_expect(f, MEDFW_OK, NULL);
	fx_sign(f, NULL, "b");
	f->policy.now = T0 + SKEW + 1;
	fx_expect(f, MEDFW_ERR_EXPIRED, "ago");
	fx_sign(f, NULL, "c");
	f->policy.now = T0 - SKEW;
	fx_expect(f, MEDFW_OK, NULL);
	fx_sign(f, NULL, "d");
	f->policy.now = T0 - SKEW - 1;
	fx_expect(f, MEDFW_ERR_FIELD_VALUE, "future");
	fx_sign(f, NULL, "e");
	f->policy.max_skew = 0;
	fx_expect(f, MEDFW_OK, NULL);
	/* expires in the past */
	fx_sign(f, NULL, "g");
	hdr_replace(&f->h, "signature-input", ";alg=", ";expires=1699999999;alg=");
	fx_expect(f, MEDFW_ERR_EXPIRED, "expired");
	/* negative and huge created */
	fx_sign(f, NULL, "h");
	hdr_replace(&f->h, "signature-input", "created=1700000000", "created=-1");
	fx_expect(f, MEDFW_ERR_FIELD_VALUE, "negative");
	fx_sign(f, NULL, "i");
	hdr_replace(&f->h, "signature-input", "created=1700000000", "created=999999999999999");
	fx_expect(f, MEDFW_ERR_FIELD_VALUE, "future");
	fx_sign(f, NULL, "j");
	hdr_replace(&f->h, "signature-input", "created=1700000000", "created=9999999999999999");
	fx_expect(f, MEDFW_ERR_FIELD_VALUE, "15 digits");
}

/* The structured-field subset, directly. */
static void test_sf_parser(void **state)
{
	struct medfw_httpsig_params p;
	uint8_t b[MEDFW_HTTPSIG_BYTES_MAX];
	size_t n;
	struct {
		const char *in;
		enum medfw_err want;
	} cases[] = {
		{"a=(\"x\");created=1", MEDFW_OK},
		{"  a=(\"x\" \"y\")  ,  b=()", MEDFW_OK},
		{"a=(  \"x\"   \"y\"  )", MEDFW_OK},
		{"b=(), a=(\"x\\\"q\\\\\")", MEDFW_OK},
		{"a=(\"x\"),b=(\"y\")", MEDFW_OK},
		{"a=(\"x\")\t,\tb=(\"y\")", MEDFW_OK},
		{"", MEDFW_ERR_FIELD_VALUE},
		{"   ", MEDFW_ERR_FIELD_VALUE},
		{"a", MEDFW_ERR_FIELD_VALUE},
		{"a=", MEDFW_ERR_FIELD_VALUE},
		{"A=(\"x\")", MEDFW_ERR_FIELD_VALUE},
		{"a=(\"x\"),", MEDFW_ERR_FIELD_VALUE},
		{"a=(\"x\") b=()", MEDFW_ERR_FIELD_VALUE},
		{"a=(\"x\"", MEDFW_ERR_FIELD_VALUE},
		{"a=(\"x)", MEDFW_ERR_FIELD_VALUE},
		{"a=(\"x\"\"y\")", MEDFW_ERR_FIELD_VALUE},
		{"a=(x)", MEDFW_ERR_FIELD_VALUE},
		{"a=(\"\")", MEDFW_ERR_FIELD_VALUE},
		{"a=(\"\\n\")", MEDFW_ERR_FIELD_VALUE},
		{"a=(\"\x01\")", MEDFW_ERR_FIELD_VALUE},
		{"a=(\"\xc3\xa9\")", MEDFW_ERR_FIELD_VALUE},
		{"a=(\"x\");created", MEDFW_ERR_FIELD_VALUE},
		{"a=(\"x\");created=1.5", MEDFW_ERR_FIELD_VALUE},
		{"a=(\"x\");created=?1", MEDFW_ERR_FIELD_VALUE},
		{"a=(\"x\");created=-", MEDFW_ERR_FIELD_VALUE},
		{"a=(\"x\");keyid=tok", MEDFW_ERR_FIELD_VALUE},
		{"a=(\"x\");keyid=:AAAA:", MEDFW_ERR_FIELD_VALUE},
		{"a=(\"x\");", MEDFW_ERR_FIELD_VALUE},
		{"a=(\"x\")trailing", MEDFW_ERR_FIELD_VALUE},
		{"a=\"x\"", MEDFW_ERR_FIELD_VALUE},
		{"a=(\"x\"), a=(\"y\")", MEDFW_ERR_FIELD_VALUE},
		{"a=(\"1\" \"2\" \"3\" \"4\" \"5\" \"6\" \"7\" \"8\" \"9\" \"10\" \"11\" \"12\" \"13\" "
		 "\"14\" \"15\" \"16\" \"17\")",
		 MEDFW_ERR_TOO_LARGE},
		{"a=(),b=(),c=(),d=(),e=(),f=(),g=(),h=(),i=()", MEDFW_ERR_TOO_LARGE},
		{"a=(\"x\");created=1;expires=2;nonce=\"\";alg=\"\";keyid=\"\";tag=\"\";zz=1",
		 MEDFW_ERR_FIELD_VALUE},
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum medfw_err err = medfw_httpsig_parse_input(cases[i].in, "a", &p, NULL);

		if (err == MEDFW_ERR_FIELD_MISSING && cases[i].want == MEDFW_OK)
			err = medfw_httpsig_parse_input(cases[i].in, "b", &p, NULL);
		if (err != cases[i].want)
			fail_msg("case %zu \"%s\": %s", i, cases[i].in, medfw_err_name(err));
	}
	assert_int_equal(medfw_httpsig_parse_input("b=(), a=(\"x\\\"q\\\\\")", "a", &p, NULL),
			 MEDFW_OK);
	assert_string_equal(p.components[0], "x\"q\\");
	{
		struct medfw_buf s;

		medfw_buf_init(&s, 256);
		assert_int_equal(medfw_httpsig_serialize_params(&p, &s, NULL), MEDFW_OK);
		assert_string_equal((const char *)s.data, "(\"x\\\"q\\\\\")");
		medfw_buf_free(&s);
	}
	/* byte sequences: strict base64 */
	assert_int_equal(medfw_httpsig_parse_signature("s=:AQID:", "s", b, sizeof(b), &n, NULL),
			 MEDFW_OK);
	assert_int_equal(n, 3);
	assert_int_equal(medfw_httpsig_parse_signature("s=:AQI=:", "s", b, sizeof(b), &n, NULL),
			 MEDFW_OK);
	assert_int_equal(n, 2);
	assert_int_equal(medfw_httpsig_parse_signature("s=::", "s", b, sizeof(b), &n, NULL),
			 MEDFW_OK);
	assert_int_equal(n, 0);
	const char *bad[] = {"s=:AQI:", "s=:AQJ=:", "s=:A===:", "s=:AQ=D:", "s=:AQID",
			     "s=:A QI=:", "s=:AQID:;p=1", "s=AQID", "s=:AQ-_:"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = 9;
		assert_int_equal(medfw_httpsig_parse_signature(bad[i], "s", b, sizeof(b), &n, NULL),
				 MEDFW_ERR_FIELD_VALUE);
		assert_int_equal(n, 0);
	}
	assert_int_equal(medfw_httpsig_parse_signature("s=:AQID:", "s", b, 2, &n, NULL),
			 MEDFW_ERR_TOO_LARGE);
	{
		char big[400];

		memcpy(big, "s=:", 3);
		memset(big + 3, 'A', 180);
		memcpy(big + 183, ":", 2);
		assert_int_equal(medfw_httpsig_parse_signature(big, "s", b, sizeof(b), &n, NULL),
				 MEDFW_ERR_TOO_LARGE);
	}
}

/* Base building: unsupported and malformed components. */
static void test_base_components(void **state)
{
	struct hdrs h = {0};
	struct medfw_httpsig_request req = {0};
	struct medfw_httpsig_params p;
	struct medfw_buf base;

	(void)state;
	hdr_set(&h, "x-bad", "a\r\nb");
	hdr_set(&h, "x-ok", "  a b\t");
	req.method = "GET";
	req.path = "";
	req.authority = "Example.COM:8443";
	req.query = "";
	req.header = hdr_get;
	req.header_user = &h;
	medfw_buf_init(&base, MEDFW_HTTPSIG_BASE_MAX);
	assert_int_equal(medfw_httpsig_parse_input(
				 "s=(\"@path\" \"@query\" \"@authority\" \"x-ok\")", "s", &p, NULL),
			 MEDFW_OK);
	assert_int_equal(medfw_httpsig_signature_base(&req, &p, &base, NULL), MEDFW_OK);
	assert_string_equal((const char *)base.data,
			    "\"@path\": /\n\"@query\": ?\n\"@authority\": example.com:8443\n"
			    "\"x-ok\": a b\n\"@signature-params\": (\"@path\" \"@query\" "
			    "\"@authority\" \"x-ok\")");
	const char *bad[][2] = {
		{"s=(\"x-bad\")", "MEDFW_ERR_FIELD_VALUE"},
		{"s=(\"x-none\")", "MEDFW_ERR_FIELD_MISSING"},
		{"s=(\"@target-uri\")", "MEDFW_ERR_FIELD_VALUE"},
		{"s=(\"@signature-params\")", "MEDFW_ERR_FIELD_VALUE"},
		{"s=(\"X-Ok\")", "MEDFW_ERR_FIELD_VALUE"},
		{"s=(\"x ok\")", "MEDFW_ERR_FIELD_VALUE"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		medfw_buf_reset(&base);
		assert_int_equal(medfw_httpsig_parse_input(bad[i][0], "s", &p, NULL), MEDFW_OK);
		assert_string_equal(
			medfw_err_name(medfw_httpsig_signature_base(&req, &p, &base, NULL)),
			bad[i][1]);
	}
	medfw_buf_free(&base);
	hdr_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc9421_b26),
		cmocka_unit_test(test_rfc9421_b25_hmac),
		cmocka_unit_test(test_hmac_sessions),
		cmocka_unit_test(test_content_digest),
		cmocka_unit_test_setup_teardown(test_round_trip_and_replay, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_tamper, fx_setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_skew, fx_setup, fx_teardown),
		cmocka_unit_test(test_sf_parser),
		cmocka_unit_test(test_base_components),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
