/* Fuzz target for the structured-field parser and RFC 9421 verification.
 *
 * The input is split at the first three LF bytes into the Signature-Input,
 * Signature and Content-Digest header values and the body; verification runs
 * against a fixed Ed25519 key for every keyid, then again with both algorithms
 * accepted (session keyids, parsed as medfwd parses them, get an HMAC-SHA256 key;
 * the others the Ed25519 key). Nothing may crash or leak, a failed
 * verification must leave the result zeroed, and whatever Signature-Input parses
 * must re-serialize and parse again to the same parameters.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "medfw/devsession.h"
#include "medfw/httpsig.h"

#define FUZZ_MAX_BYTES (16u * 1024u)

struct parts {
	char *field[3];
};

static const char *get_header(void *user, const char *name)
{
	struct parts *p = user;

	if (strcmp(name, "signature-input") == 0)
		return p->field[0];
	if (strcmp(name, "signature") == 0)
		return p->field[1];
	if (strcmp(name, "content-digest") == 0)
		return p->field[2];
	return NULL;
}

/* RFC 9421 B.1.4 public test key */
static const uint8_t test_pub[32] = {
	0x26, 0xb4, 0x0b, 0x8f, 0x93, 0xff, 0xf3, 0xd8, 0x97, 0x11, 0x2f, 0x7e, 0xbc, 0x58, 0x2b, 0x23,
	0x2d, 0xbd, 0x72, 0x51, 0x7d, 0x08, 0x2f, 0xe8, 0x3c, 0xfb, 0x30, 0xdd, 0xce, 0x43, 0xd1, 0xbb};

static enum medfw_err lookup(void *user, const char *keyid, struct medfw_pubkey **out)
{
	(void)user;
	if (strcmp(keyid, "unknown") == 0)
		return MEDFW_ERR_NOT_FOUND;
	return medfw_httpsig_pubkey_from_raw(test_pub, sizeof(test_pub), out, NULL);
}

static enum medfw_err lookup_ex(void *user, const char *keyid, enum medfw_httpsig_alg alg,
			       struct medfw_httpsig_key *out)
{
	int64_t id = 0, expires = 0;

	if (medfw_devsession_is_keyid(keyid)) {
		if (alg != MEDFW_HTTPSIG_HMAC_SHA256 ||
		    medfw_devsession_keyid_parse(keyid, &id, &expires) != MEDFW_OK)
			return MEDFW_ERR_NOT_FOUND;
		if (id <= 0 || expires <= 0)
			abort(); /* a parsed keyid names a device and a time */
		out->alg = alg;
		memset(out->secret, 0x5a, sizeof(out->secret));
		return MEDFW_OK;
	}
	if (alg != MEDFW_HTTPSIG_ED25519)
		return MEDFW_ERR_KEY_UNSUPPORTED;
	out->alg = alg;
	return lookup(user, keyid, &out->pub);
}

static enum medfw_err nonce_ok(void *user, const char *keyid, const char *nonce, int64_t created)
{
	(void)user;
	(void)keyid;
	(void)nonce;
	(void)created;
	return MEDFW_OK;
}

static void check_reserialize(const char *input)
{
	struct medfw_httpsig_params *a = calloc(1, sizeof(*a)), *b = calloc(1, sizeof(*b));
	struct medfw_buf s;

	medfw_buf_init(&s, 2 * MEDFW_HTTPSIG_HEADER_MAX);
	if (a == NULL || b == NULL)
		goto out;
	if (medfw_httpsig_parse_input(input, "sig1", a, NULL) != MEDFW_OK)
		goto out;
	if (medfw_buf_append_str(&s, "sig1=") != MEDFW_OK ||
	    medfw_httpsig_serialize_params(a, &s, NULL) != MEDFW_OK)
		abort();
	if (s.len > MEDFW_HTTPSIG_HEADER_MAX)
		goto out; /* re-serialization may only grow by escapes; over the cap is fine */
	if (medfw_httpsig_parse_input((const char *)s.data, "sig1", b, NULL) != MEDFW_OK)
		abort();
	if (memcmp(a, b, sizeof(*a)) != 0)
		abort();
out:
	medfw_buf_free(&s);
	free(a);
	free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const required[] = {"@method", "@path", "content-digest"};
	struct parts p = {{NULL, NULL, NULL}};
	struct medfw_httpsig_request req;
	struct medfw_httpsig_policy policy;
	struct medfw_httpsig_result res;
	size_t off = 0, i;
	enum medfw_err err;

	if (size > FUZZ_MAX_BYTES)
		return 0;
	for (i = 0; i < 3; i++) {
		const uint8_t *nl = off < size ? memchr(data + off, '\n', size - off) : NULL;
		size_t len = nl == NULL ? size - off : (size_t)(nl - (data + off));

		p.field[i] = calloc(1, len + 1);
		if (p.field[i] == NULL)
			goto out;
		memcpy(p.field[i], data + off, len);
		off += len + (nl != NULL ? 1 : 0);
	}
	memset(&req, 0, sizeof(req));
	req.method = "POST";
	req.path = "/device/v1/checkin";
	req.authority = "fleet.example";
	req.header = get_header;
	req.header_user = &p;
	req.body = data + off;
	req.body_len = size - off;
	memset(&policy, 0, sizeof(policy));
	policy.label = "sig1";
	policy.required = required;
	policy.n_required = 3;
	policy.now = 1700000000;
	policy.max_skew = 300;
	err = medfw_httpsig_verify(&req, &policy, lookup, NULL, nonce_ok, NULL, &res, NULL);
	if (err != MEDFW_OK) {
		for (i = 0; i < sizeof(res); i++)
			if (((const uint8_t *)&res)[i] != 0)
				abort();
	}
	policy.algs = MEDFW_HTTPSIG_ED25519 | MEDFW_HTTPSIG_HMAC_SHA256;
	err = medfw_httpsig_verify_ex(&req, &policy, lookup_ex, NULL, nonce_ok, NULL, &res, NULL);
	if (err != MEDFW_OK) {
		for (i = 0; i < sizeof(res); i++)
			if (((const uint8_t *)&res)[i] != 0)
				abort();
	}
	check_reserialize(p.field[0]);
out:
	for (i = 0; i < 3; i++)
		free(p.field[i]);
	return 0;
}
