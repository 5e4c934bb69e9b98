/* HTTP Message Signatures (RFC 9421), Ed25519 and HMAC-SHA256, with the strict
 * structured-field (RFC 8941) subset its headers need, and Content-Digest (RFC 9530,
 * sha-256). */
#include "medfw/httpsig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

/* ---- base64 (RFC 4648 standard alphabet, padding required) ---- */

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Encode len bytes; out_cap must hold 4*ceil(len/3)+1. */
static int b64_encode(const uint8_t *in, size_t len, char *out, size_t out_cap)
{
	size_t need = (len + 2) / 3 * 4 + 1, o = 0, i;

	if (out_cap < need)
		return -1;
	for (i = 0; i + 2 < len; i += 3) {
		uint32_t v = ((uint32_t)in[i] << 16) | ((uint32_t)in[i + 1] << 8) | in[i + 2];

		out[o++] = b64_alphabet[(v >> 18) & 63];
		out[o++] = b64_alphabet[(v >> 12) & 63];
		out[o++] = b64_alphabet[(v >> 6) & 63];
		out[o++] = b64_alphabet[v & 63];
	}
	if (len - i == 1) {
		uint32_t v = (uint32_t)in[i] << 16;

		out[o++] = b64_alphabet[(v >> 18) & 63];
		out[o++] = b64_alphabet[(v >> 12) & 63];
		out[o++] = '=';
		out[o++] = '=';
	} else if (len - i == 2) {
		uint32_t v = ((uint32_t)in[i] << 16) | ((uint32_t)in[i + 1] << 8);

		out[o++] = b64_alphabet[(v >> 18) & 63];
		out[o++] = b64_alphabet[(v >> 12) & 63];
		out[o++] = b64_alphabet[(v >> 6) & 63];
		out[o++] = '=';
	}
	out[o] = '\0';
	return 0;
}

/* Strict decode: length a multiple of 4, '=' only as final padding, unused bits
 * zero. Returns 0, -1 (malformed) or -2 (over out_cap). */
static int b64_decode(const char *in, size_t len, uint8_t *out, size_t out_cap,
		      size_t *out_len)
{
	size_t i, o = 0, pad = 0;

	*out_len = 0;
	if (len % 4 != 0)
		return -1;
	if (len >= 1 && in[len - 1] == '=')
		pad++;
	if (len >= 2 && in[len - 2] == '=')
		pad++;
	if (len / 4 * 3 - pad > out_cap)
		return -2;
	for (i = 0; i < len; i += 4) {
		int v[4];
		int last = (i + 4 == len);
		size_t k, n = 3;

		for (k = 0; k < 4; k++) {
			v[k] = b64_value(in[i + k]);
			if (v[k] < 0) {
				if (!last || in[i + k] != '=' || k < 4 - pad)
					return -1;
				v[k] = 0;
			}
		}
		uint32_t w = ((uint32_t)v[0] << 18) | ((uint32_t)v[1] << 12) |
			     ((uint32_t)v[2] << 6) | (uint32_t)v[3];
		if (last) {
			n = 3 - pad;
			if ((pad == 1 && (w & 0xffu) != 0) || (pad == 2 && (w & 0xffffu) != 0))
				return -1; /* non-canonical trailing bits */
		}
		out[o++] = (uint8_t)(w >> 16);
		if (n > 1)
			out[o++] = (uint8_t)(w >> 8);
		if (n > 2)
			out[o++] = (uint8_t)w;
	}
	*out_len = o;
	return 0;
}

/* ---- structured fields (RFC 8941), strict subset ---- */

struct sf_cur {
	const char *field; /* header name for messages */
	const char *s;
	size_t len;
	size_t pos;
};

enum sf_type { SF_INTEGER = 1, SF_STRING = 2, SF_BYTES = 3 };

struct sf_value {
	enum sf_type type;
	int64_t integer;
	char str[MEDFW_HTTPSIG_STRING_MAX + 1];
	uint8_t bytes[MEDFW_HTTPSIG_BYTES_MAX];
	size_t n_bytes;
};

static int sf_peek(const struct sf_cur *c)
{
	return c->pos < c->len ? (unsigned char)c->s[c->pos] : -1;
}

static enum medfw_err sf_bad(struct sf_cur *c, struct medfw_diag *diag, const char *what)
{
	return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "%s: %s at offset %zu", c->field,
			      what, c->pos);
}

static void sf_skip_sp(struct sf_cur *c)
{
	while (sf_peek(c) == ' ')
		c->pos++;
}

static void sf_skip_ows(struct sf_cur *c)
{
	while (sf_peek(c) == ' ' || sf_peek(c) == '\t')
		c->pos++;
}

static int is_lcalpha(int ch)
{
	return ch >= 'a' && ch <= 'z';
}

static int is_digit_ch(int ch)
{
	return ch >= '0' && ch <= '9';
}

/* key = ( lcalpha / "*" ) *( lcalpha / DIGIT / "_" / "-" / "." / "*" ) */
static enum medfw_err sf_key(struct sf_cur *c, char *out, struct medfw_diag *diag)
{
	size_t n = 0;
	int ch = sf_peek(c);

	if (!is_lcalpha(ch) && ch != '*')
		return sf_bad(c, diag, "expected a lowercase key");
	while (ch >= 0 && (is_lcalpha(ch) || is_digit_ch(ch) || ch == '_' || ch == '-' ||
			   ch == '.' || ch == '*')) {
		if (n == MEDFW_HTTPSIG_NAME_MAX)
			return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE,
					      "%s: key longer than %d characters at offset %zu",
					      c->field, MEDFW_HTTPSIG_NAME_MAX, c->pos);
		out[n++] = (char)ch;
		c->pos++;
		ch = sf_peek(c);
	}
	out[n] = '\0';
	return MEDFW_OK;
}

static enum medfw_err sf_string(struct sf_cur *c, char *out, size_t max,
				struct medfw_diag *diag)
{
	size_t n = 0;

	c->pos++; /* opening quote */
	for (;;) {
		int ch = sf_peek(c);

		if (ch < 0)
			return sf_bad(c, diag, "unterminated string");
		c->pos++;
		if (ch == '"')
			break;
		if (ch == '\\') {
			ch = sf_peek(c);
			if (ch != '"' && ch != '\\')
				return sf_bad(c, diag, "bad escape in string");
			c->pos++;
		} else if (ch < 0x20 || ch > 0x7e) {
			return sf_bad(c, diag, "non-printable character in string");
		}
		if (n == max)
			return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE,
					      "%s: string longer than %zu characters", c->field,
					      max);
		out[n++] = (char)ch;
	}
	out[n] = '\0';
	return MEDFW_OK;
}

static enum medfw_err sf_integer(struct sf_cur *c, int64_t *out, struct medfw_diag *diag)
{
	int neg = 0;
	size_t digits = 0;
	int64_t v = 0;

	if (sf_peek(c) == '-') {
		neg = 1;
		c->pos++;
	}
	while (is_digit_ch(sf_peek(c))) {
		if (digits == 15)
			return sf_bad(c, diag, "integer with more than 15 digits");
		v = v * 10 + (sf_peek(c) - '0');
		digits++;
		c->pos++;
	}
	if (digits == 0)
		return sf_bad(c, diag, "expected digits");
	if (sf_peek(c) == '.')
		return sf_bad(c, diag, "decimals are not supported");
	*out = neg ? -v : v;
	return MEDFW_OK;
}

static enum medfw_err sf_bytes(struct sf_cur *c, uint8_t *out, size_t *out_len,
			       struct medfw_diag *diag)
{
	size_t start = ++c->pos; /* past ':' */
	int rc;

	while (c->pos < c->len && c->s[c->pos] != ':')
		c->pos++;
	if (c->pos >= c->len)
		return sf_bad(c, diag, "unterminated byte sequence");
	rc = b64_decode(c->s + start, c->pos - start, out, MEDFW_HTTPSIG_BYTES_MAX, out_len);
	if (rc == -2)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE,
				      "%s: byte sequence longer than %d bytes", c->field,
				      MEDFW_HTTPSIG_BYTES_MAX);
	if (rc != 0) {
		c->pos = start;
		return sf_bad(c, diag, "malformed base64 in byte sequence");
	}
	c->pos++; /* closing ':' */
	return MEDFW_OK;
}

static enum medfw_err sf_bare_item(struct sf_cur *c, struct sf_value *v,
				   struct medfw_diag *diag)
{
	int ch = sf_peek(c);

	memset(v, 0, sizeof(*v));
	if (ch == '"') {
		v->type = SF_STRING;
		return sf_string(c, v->str, MEDFW_HTTPSIG_STRING_MAX, diag);
	}
	if (ch == '-' || is_digit_ch(ch)) {
		v->type = SF_INTEGER;
		return sf_integer(c, &v->integer, diag);
	}
	if (ch == ':') {
		v->type = SF_BYTES;
		return sf_bytes(c, v->bytes, &v->n_bytes, diag);
	}
	return sf_bad(c, diag, "unsupported item (only strings, integers and byte sequences)");
}

/* Parameters: *( ";" *SP key [ "=" bare-item ] ). fn is called per parameter. */
typedef enum medfw_err (*sf_param_fn)(void *ctx, struct sf_cur *c, const char *key,
				      const struct sf_value *v, struct medfw_diag *diag);

static enum medfw_err sf_params(struct sf_cur *c, sf_param_fn fn, void *ctx,
				struct medfw_diag *diag)
{
	char seen[MEDFW_HTTPSIG_MAX_PARAMS][MEDFW_HTTPSIG_NAME_MAX + 1];
	size_t n = 0, i;
	enum medfw_err err;

	while (sf_peek(c) == ';') {
		char key[MEDFW_HTTPSIG_NAME_MAX + 1];
		struct sf_value v;

		c->pos++;
		sf_skip_sp(c);
		err = sf_key(c, key, diag);
		if (err != MEDFW_OK)
			return err;
		for (i = 0; i < n; i++)
			if (strcmp(seen[i], key) == 0)
				return sf_bad(c, diag, "parameter given twice");
		if (n == MEDFW_HTTPSIG_MAX_PARAMS)
			return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE,
					      "%s: more than %d parameters", c->field,
					      MEDFW_HTTPSIG_MAX_PARAMS);
		memcpy(seen[n++], key, sizeof(key));
		if (sf_peek(c) != '=')
			return sf_bad(c, diag, "boolean parameters are not supported");
		c->pos++;
		err = sf_bare_item(c, &v, diag);
		if (err != MEDFW_OK)
			return err;
		err = fn(ctx, c, key, &v, diag);
		if (err != MEDFW_OK)
			return err;
	}
	return MEDFW_OK;
}

static enum medfw_err no_params(void *ctx, struct sf_cur *c, const char *key,
				const struct sf_value *v, struct medfw_diag *diag)
{
	(void)ctx;
	(void)key;
	(void)v;
	return sf_bad(c, diag, "parameters are not allowed here");
}

/* Dictionary: members separated by "," with OWS; fn parses each member's value
 * (after "="). Keys must be unique. */
typedef enum medfw_err (*sf_member_fn)(void *ctx, struct sf_cur *c, const char *key,
				       struct medfw_diag *diag);

static enum medfw_err sf_dict(const char *field, const char *value, sf_member_fn fn,
			      void *ctx, struct medfw_diag *diag)
{
	char seen[MEDFW_HTTPSIG_MAX_MEMBERS][MEDFW_HTTPSIG_NAME_MAX + 1];
	struct sf_cur c = {field, value, 0, 0};
	size_t n = 0, i;
	enum medfw_err err;

	if (value == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_MISSING, "no %s header", field);
	c.len = strnlen(value, MEDFW_HTTPSIG_HEADER_MAX + 1);
	if (c.len > MEDFW_HTTPSIG_HEADER_MAX)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE,
				      "%s header longer than %d bytes", field,
				      MEDFW_HTTPSIG_HEADER_MAX);
	sf_skip_sp(&c);
	if (c.pos == c.len)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "%s header is empty", field);
	for (;;) {
		char key[MEDFW_HTTPSIG_NAME_MAX + 1];

		err = sf_key(&c, key, diag);
		if (err != MEDFW_OK)
			return err;
		for (i = 0; i < n; i++)
			if (strcmp(seen[i], key) == 0)
				return sf_bad(&c, diag, "dictionary key given twice");
		if (n == MEDFW_HTTPSIG_MAX_MEMBERS)
			return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "%s: more than %d members",
					      field, MEDFW_HTTPSIG_MAX_MEMBERS);
		memcpy(seen[n++], key, sizeof(key));
		if (sf_peek(&c) != '=')
			return sf_bad(&c, diag, "member without a value");
		c.pos++;
		err = fn(ctx, &c, key, diag);
		if (err != MEDFW_OK)
			return err;
		sf_skip_ows(&c);
		if (c.pos == c.len)
			return MEDFW_OK;
		if (sf_peek(&c) != ',')
			return sf_bad(&c, diag, "expected ',' between members");
		c.pos++;
		sf_skip_ows(&c);
		if (c.pos == c.len)
			return sf_bad(&c, diag, "trailing ','");
	}
}

/* ---- Signature-Input ---- */

static enum medfw_err input_param(void *ctx, struct sf_cur *c, const char *key,
				  const struct sf_value *v, struct medfw_diag *diag)
{
	struct medfw_httpsig_params *p = ctx;
	enum medfw_httpsig_param which;
	int want_int = 0;
	char *dst = NULL;

	if (strcmp(key, "created") == 0) {
		which = MEDFW_HTTPSIG_P_CREATED;
		want_int = 1;
	} else if (strcmp(key, "expires") == 0) {
		which = MEDFW_HTTPSIG_P_EXPIRES;
		want_int = 1;
	} else if (strcmp(key, "nonce") == 0) {
		which = MEDFW_HTTPSIG_P_NONCE;
		dst = p->nonce;
	} else if (strcmp(key, "alg") == 0) {
		which = MEDFW_HTTPSIG_P_ALG;
		dst = p->alg;
	} else if (strcmp(key, "keyid") == 0) {
		which = MEDFW_HTTPSIG_P_KEYID;
		dst = p->keyid;
	} else if (strcmp(key, "tag") == 0) {
		which = MEDFW_HTTPSIG_P_TAG;
		dst = p->tag;
	} else {
		return sf_bad(c, diag, "unknown signature parameter");
	}
	if (want_int && v->type != SF_INTEGER)
		return sf_bad(c, diag, "signature parameter must be an integer");
	if (!want_int && v->type != SF_STRING)
		return sf_bad(c, diag, "signature parameter must be a string");
	switch (which) {
	case MEDFW_HTTPSIG_P_CREATED:
		p->has_created = 1;
		p->created = v->integer;
		break;
	case MEDFW_HTTPSIG_P_EXPIRES:
		p->has_expires = 1;
		p->expires = v->integer;
		break;
	case MEDFW_HTTPSIG_P_NONCE: p->has_nonce = 1; break;
	case MEDFW_HTTPSIG_P_ALG: p->has_alg = 1; break;
	case MEDFW_HTTPSIG_P_KEYID: p->has_keyid = 1; break;
	case MEDFW_HTTPSIG_P_TAG: p->has_tag = 1; break;
	}
	if (dst != NULL)
		memcpy(dst, v->str, sizeof(v->str));
	/* sf_params already refuses duplicates and more than MAX_PARAMS */
	p->order[p->n_order++] = which;
	return MEDFW_OK;
}

static enum medfw_err parse_inner_list(struct sf_cur *c, struct medfw_httpsig_params *p,
				       struct medfw_diag *diag)
{
	enum medfw_err err;
	size_t i;

	memset(p, 0, sizeof(*p));
	if (sf_peek(c) != '(')
		return sf_bad(c, diag, "expected an inner list '('");
	c->pos++;
	for (;;) {
		char name[MEDFW_HTTPSIG_NAME_MAX + 1] = {0};

		sf_skip_sp(c);
		if (sf_peek(c) == ')') {
			c->pos++;
			break;
		}
		if (sf_peek(c) != '"')
			return sf_bad(c, diag, "covered components must be strings");
		err = sf_string(c, name, MEDFW_HTTPSIG_NAME_MAX, diag);
		if (err != MEDFW_OK)
			return err;
		if (name[0] == '\0')
			return sf_bad(c, diag, "empty component name");
		err = sf_params(c, no_params, NULL, diag);
		if (err != MEDFW_OK)
			return err;
		for (i = 0; i < p->n_components; i++)
			if (strcmp(p->components[i], name) == 0)
				return sf_bad(c, diag, "component covered twice");
		if (p->n_components == MEDFW_HTTPSIG_MAX_COMPONENTS)
			return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE,
					      "%s: more than %d covered components", c->field,
					      MEDFW_HTTPSIG_MAX_COMPONENTS);
		memcpy(p->components[p->n_components++], name, sizeof(name));
		if (sf_peek(c) != ' ' && sf_peek(c) != ')')
			return sf_bad(c, diag, "expected ' ' or ')' in inner list");
	}
	return sf_params(c, input_param, p, diag);
}

struct input_ctx {
	const char *label;
	struct medfw_httpsig_params *out;
	int found;
};

static enum medfw_err input_member(void *ctx, struct sf_cur *c, const char *key,
				   struct medfw_diag *diag)
{
	struct input_ctx *ic = ctx;
	struct medfw_httpsig_params *scratch;
	enum medfw_err err;

	scratch = calloc(1, sizeof(*scratch));
	if (scratch == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_NOMEM, "out of memory");
	err = parse_inner_list(c, scratch, diag);
	if (err == MEDFW_OK && strcmp(key, ic->label) == 0) {
		*ic->out = *scratch;
		ic->found = 1;
	}
	free(scratch);
	return err;
}

enum medfw_err medfw_httpsig_parse_input(const char *signature_input, const char *label,
					 struct medfw_httpsig_params *out,
					 struct medfw_diag *diag)
{
	struct input_ctx ic;
	enum medfw_err err;

	if (out == NULL || label == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "no label or output");
	memset(out, 0, sizeof(*out));
	ic.label = label;
	ic.out = out;
	ic.found = 0;
	err = sf_dict("Signature-Input", signature_input, input_member, &ic, diag);
	if (err == MEDFW_OK && !ic.found)
		err = medfw_diag_set(diag, MEDFW_ERR_FIELD_MISSING,
				     "Signature-Input has no signature labelled \"%s\"", label);
	if (err != MEDFW_OK)
		memset(out, 0, sizeof(*out));
	return err;
}

/* ---- Signature and Content-Digest: dictionaries of byte sequences ---- */

struct bytes_ctx {
	const char *label;
	uint8_t bytes[MEDFW_HTTPSIG_BYTES_MAX];
	size_t n_bytes;
	int found;
};

static enum medfw_err bytes_member(void *ctx, struct sf_cur *c, const char *key,
				   struct medfw_diag *diag)
{
	struct bytes_ctx *bc = ctx;
	uint8_t bytes[MEDFW_HTTPSIG_BYTES_MAX];
	size_t n = 0;
	enum medfw_err err;

	if (sf_peek(c) != ':')
		return sf_bad(c, diag, "expected a byte sequence ':...:'");
	err = sf_bytes(c, bytes, &n, diag);
	if (err == MEDFW_OK)
		err = sf_params(c, no_params, NULL, diag);
	if (err == MEDFW_OK && strcmp(key, bc->label) == 0) {
		memcpy(bc->bytes, bytes, n);
		bc->n_bytes = n;
		bc->found = 1;
	}
	return err;
}

enum medfw_err medfw_httpsig_parse_signature(const char *signature, const char *label,
					     uint8_t *out, size_t out_cap, size_t *out_len,
					     struct medfw_diag *diag)
{
	struct bytes_ctx bc;
	enum medfw_err err;

	if (out_len != NULL)
		*out_len = 0;
	if (out == NULL || out_len == NULL || label == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "no label or output");
	memset(&bc, 0, sizeof(bc));
	bc.label = label;
	err = sf_dict("Signature", signature, bytes_member, &bc, diag);
	if (err == MEDFW_OK && !bc.found)
		err = medfw_diag_set(diag, MEDFW_ERR_FIELD_MISSING,
				     "Signature has no signature labelled \"%s\"", label);
	if (err == MEDFW_OK && bc.n_bytes > out_cap)
		err = medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "signature longer than %zu bytes",
				     out_cap);
	if (err == MEDFW_OK) {
		memcpy(out, bc.bytes, bc.n_bytes);
		*out_len = bc.n_bytes;
	}
	medfw_wipe(&bc, sizeof(bc));
	return err;
}

enum medfw_err medfw_httpsig_content_digest(const uint8_t *body, size_t body_len, char *out,
					    size_t out_cap, struct medfw_diag *diag)
{
	uint8_t md[MEDFW_SHA256_LEN];
	size_t md_len = 0;
	enum medfw_err err;

	if (out == NULL || out_cap < MEDFW_HTTPSIG_DIGEST_HEADER_LEN ||
	    (body == NULL && body_len != 0))
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "bad content digest arguments");
	out[0] = '\0';
	err = medfw_hash_oneshot(MEDFW_HASH_SHA256, body == NULL ? (const void *)"" : body,
				 body_len, md, sizeof(md), &md_len);
	if (err != MEDFW_OK)
		return medfw_diag_set(diag, err, "cannot hash the request body");
	memcpy(out, "sha-256=:", 9);
	if (b64_encode(md, md_len, out + 9, out_cap - 9) != 0)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "digest buffer too small");
	memcpy(out + 9 + 44, ":", 2);
	return MEDFW_OK;
}

enum medfw_err medfw_httpsig_check_digest(const char *content_digest, const uint8_t *body,
					  size_t body_len, struct medfw_diag *diag)
{
	struct bytes_ctx bc;
	uint8_t md[MEDFW_SHA256_LEN];
	size_t md_len = 0;
	enum medfw_err err;

	if (body == NULL && body_len != 0)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "body NULL with a length");
	memset(&bc, 0, sizeof(bc));
	bc.label = "sha-256";
	err = sf_dict("Content-Digest", content_digest, bytes_member, &bc, diag);
	if (err != MEDFW_OK)
		return err;
	if (!bc.found)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_MISSING,
				      "Content-Digest has no sha-256 digest");
	if (bc.n_bytes != MEDFW_SHA256_LEN)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "Content-Digest sha-256 is %zu bytes, not 32", bc.n_bytes);
	err = medfw_hash_oneshot(MEDFW_HASH_SHA256, body == NULL ? (const void *)"" : body,
				 body_len, md, sizeof(md), &md_len);
	if (err != MEDFW_OK)
		return medfw_diag_set(diag, err, "cannot hash the request body");
	if (!medfw_ct_equal(md, bc.bytes, MEDFW_SHA256_LEN))
		return medfw_diag_set(diag, MEDFW_ERR_HASH_MISMATCH,
				      "Content-Digest does not match the body");
	return MEDFW_OK;
}

/* ---- serialization and the signature base ---- */

static enum medfw_err put_sf_string(struct medfw_buf *out, const char *s)
{
	enum medfw_err err = medfw_buf_append(out, "\"", 1);

	for (; err == MEDFW_OK && *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			err = medfw_buf_append(out, "\\", 1);
		if (err == MEDFW_OK)
			err = medfw_buf_append(out, s, 1);
	}
	if (err == MEDFW_OK)
		err = medfw_buf_append(out, "\"", 1);
	return err;
}

/* Printable ASCII only: these strings go into the base and into headers. */
static int sf_printable(const char *s, size_t max)
{
	size_t n = 0;

	for (; s[n] != '\0'; n++)
		if (n >= max || (unsigned char)s[n] < 0x20 || (unsigned char)s[n] > 0x7e)
			return 0;
	return 1;
}

enum medfw_err medfw_httpsig_serialize_params(const struct medfw_httpsig_params *params,
					      struct medfw_buf *out, struct medfw_diag *diag)
{
	enum medfw_err err;
	size_t i;

	if (params == NULL || out == NULL || params->n_components > MEDFW_HTTPSIG_MAX_COMPONENTS ||
	    params->n_order > MEDFW_HTTPSIG_MAX_PARAMS)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "bad signature parameters");
	err = medfw_buf_append(out, "(", 1);
	for (i = 0; err == MEDFW_OK && i < params->n_components; i++) {
		if (i > 0)
			err = medfw_buf_append(out, " ", 1);
		if (err == MEDFW_OK)
			err = put_sf_string(out, params->components[i]);
	}
	if (err == MEDFW_OK)
		err = medfw_buf_append(out, ")", 1);
	for (i = 0; err == MEDFW_OK && i < params->n_order; i++) {
		switch (params->order[i]) {
		case MEDFW_HTTPSIG_P_CREATED:
			err = medfw_buf_printf(out, ";created=%lld", (long long)params->created);
			break;
		case MEDFW_HTTPSIG_P_EXPIRES:
			err = medfw_buf_printf(out, ";expires=%lld", (long long)params->expires);
			break;
		case MEDFW_HTTPSIG_P_NONCE:
			err = medfw_buf_append_str(out, ";nonce=");
			if (err == MEDFW_OK)
				err = put_sf_string(out, params->nonce);
			break;
		case MEDFW_HTTPSIG_P_ALG:
			err = medfw_buf_append_str(out, ";alg=");
			if (err == MEDFW_OK)
				err = put_sf_string(out, params->alg);
			break;
		case MEDFW_HTTPSIG_P_KEYID:
			err = medfw_buf_append_str(out, ";keyid=");
			if (err == MEDFW_OK)
				err = put_sf_string(out, params->keyid);
			break;
		case MEDFW_HTTPSIG_P_TAG:
			err = medfw_buf_append_str(out, ";tag=");
			if (err == MEDFW_OK)
				err = put_sf_string(out, params->tag);
			break;
		default:
			err = MEDFW_ERR_INVALID_ARG;
		}
	}
	if (err != MEDFW_OK)
		return medfw_diag_set(diag, err, "cannot serialize the signature parameters");
	return MEDFW_OK;
}

/* Component value without leading/trailing SP/HTAB; refuses control characters. */
static enum medfw_err append_value(struct medfw_buf *out, const char *name, const char *v,
				   struct medfw_diag *diag)
{
	size_t len = strnlen(v, MEDFW_HTTPSIG_VALUE_MAX + 1), start = 0, i;

	if (len > MEDFW_HTTPSIG_VALUE_MAX)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE,
				      "value of component \"%s\" longer than %d bytes", name,
				      MEDFW_HTTPSIG_VALUE_MAX);
	while (start < len && (v[start] == ' ' || v[start] == '\t'))
		start++;
	while (len > start && (v[len - 1] == ' ' || v[len - 1] == '\t'))
		len--;
	for (i = start; i < len; i++) {
		unsigned char ch = (unsigned char)v[i];

		if ((ch < 0x20 && ch != '\t') || ch == 0x7f)
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					      "value of component \"%s\" has a control character",
					      name);
	}
	return medfw_buf_append(out, v + start, len - start);
}

static int is_field_name(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s != '\0'; s++)
		if (!(is_lcalpha((unsigned char)*s) || is_digit_ch((unsigned char)*s) ||
		      strchr("!#$%&'*+-.^_`|~", *s) != NULL))
			return 0;
	return 1;
}

static enum medfw_err append_component(struct medfw_buf *out,
				       const struct medfw_httpsig_request *req,
				       const char *name, struct medfw_diag *diag)
{
	enum medfw_err err;
	const char *v;

	err = medfw_buf_printf(out, "\"%s\": ", name);
	if (err != MEDFW_OK)
		return medfw_diag_set(diag, err, "signature base too large");
	if (strcmp(name, "@method") == 0) {
		if (req->method == NULL || req->method[0] == '\0')
			return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "request has no method");
		return append_value(out, name, req->method, diag);
	}
	if (strcmp(name, "@path") == 0) {
		v = (req->path == NULL || req->path[0] == '\0') ? "/" : req->path;
		return append_value(out, name, v, diag);
	}
	if (strcmp(name, "@query") == 0) {
		err = medfw_buf_append(out, "?", 1);
		if (err != MEDFW_OK)
			return medfw_diag_set(diag, err, "signature base too large");
		return append_value(out, name, req->query == NULL ? "" : req->query, diag);
	}
	if (strcmp(name, "@authority") == 0) {
		size_t start = out->len, i;

		if (req->authority == NULL)
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_MISSING,
					      "request has no authority");
		err = append_value(out, name, req->authority, diag);
		for (i = start; err == MEDFW_OK && i < out->len; i++)
			if (out->data[i] >= 'A' && out->data[i] <= 'Z')
				out->data[i] = (uint8_t)(out->data[i] - 'A' + 'a');
		return err;
	}
	if (name[0] == '@')
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "derived component \"%s\" is not supported", name);
	if (!is_field_name(name))
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "covered component \"%s\" is not a lowercase field name",
				      name);
	v = req->header == NULL ? NULL : req->header(req->header_user, name);
	if (v == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_MISSING,
				      "covered header \"%s\" is absent", name);
	return append_value(out, name, v, diag);
}

enum medfw_err medfw_httpsig_signature_base(const struct medfw_httpsig_request *req,
					    const struct medfw_httpsig_params *params,
					    struct medfw_buf *out, struct medfw_diag *diag)
{
	struct medfw_buf base;
	enum medfw_err err = MEDFW_OK;
	size_t i;

	if (req == NULL || params == NULL || out == NULL ||
	    params->n_components > MEDFW_HTTPSIG_MAX_COMPONENTS)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "bad signature base arguments");
	medfw_buf_init(&base, MEDFW_HTTPSIG_BASE_MAX);
	for (i = 0; err == MEDFW_OK && i < params->n_components; i++) {
		if (strcmp(params->components[i], "@signature-params") == 0) {
			err = medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					     "\"@signature-params\" cannot be covered");
			break;
		}
		err = append_component(&base, req, params->components[i], diag);
		if (err == MEDFW_OK)
			err = medfw_buf_append(&base, "\n", 1);
	}
	if (err == MEDFW_OK)
		err = medfw_buf_append_str(&base, "\"@signature-params\": ");
	if (err == MEDFW_OK)
		err = medfw_httpsig_serialize_params(params, &base, diag);
	if (err == MEDFW_OK)
		err = medfw_buf_append(out, base.data, base.len);
	if (err != MEDFW_OK)
		err = medfw_diag_set(diag, err, "cannot build the signature base");
	medfw_buf_free(&base);
	return err;
}

/* ---- keys ---- */

enum medfw_err medfw_httpsig_pubkey_from_raw(const uint8_t *raw, size_t raw_len,
					     struct medfw_pubkey **out, struct medfw_diag *diag)
{
	char hex[2 * MEDFW_HTTPSIG_ED25519_KEY_LEN + 1];
	json_t *obj = NULL;
	enum medfw_err err;

	if (out == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "no output");
	*out = NULL;
	if (raw == NULL || raw_len != MEDFW_HTTPSIG_ED25519_KEY_LEN)
		return medfw_diag_set(diag, MEDFW_ERR_KEY_FORMAT,
				      "an Ed25519 public key is %d bytes", MEDFW_HTTPSIG_ED25519_KEY_LEN);
	err = medfw_hex_encode(raw, raw_len, hex, sizeof(hex));
	if (err != MEDFW_OK)
		return medfw_diag_set(diag, err, "cannot encode the key");
	obj = json_pack("{s:s, s:s, s:{s:s}}", "keytype", "ed25519", "scheme", "ed25519",
			"keyval", "public", hex);
	if (obj == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_NOMEM, "out of memory");
	err = medfw_pubkey_from_json(obj, out, diag);
	json_decref(obj);
	return err;
}

/* ---- verification ---- */

static int covers(const struct medfw_httpsig_params *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->n_components; i++)
		if (strcmp(p->components[i], name) == 0)
			return 1;
	return 0;
}

/* The key a signature's keyid names, for the algorithm it claims. */
static enum medfw_err lookup_key(medfw_httpsig_key_fn key_lookup, void *key_user,
				 medfw_httpsig_key_ex_fn key_ex, const char *keyid,
				 enum medfw_httpsig_alg alg, struct medfw_httpsig_key *key)
{
	if (key_ex != NULL)
		return key_ex(key_user, keyid, alg, key);
	if (alg != MEDFW_HTTPSIG_ED25519)
		return MEDFW_ERR_KEY_UNSUPPORTED;
	key->alg = MEDFW_HTTPSIG_ED25519;
	return key_lookup(key_user, keyid, &key->pub);
}

static enum medfw_err alg_parse(const char *name, enum medfw_httpsig_alg *out)
{
	if (strcmp(name, MEDFW_HTTPSIG_ALG) == 0)
		*out = MEDFW_HTTPSIG_ED25519;
	else if (strcmp(name, MEDFW_HTTPSIG_ALG_HMAC) == 0)
		*out = MEDFW_HTTPSIG_HMAC_SHA256;
	else
		return MEDFW_ERR_KEY_UNSUPPORTED;
	return MEDFW_OK;
}

/* The signature over base with key: Ed25519 or HMAC-SHA256 (compared in constant
 * time). */
static enum medfw_err check_signature(const struct medfw_httpsig_key *key,
				      const struct medfw_buf *base, const uint8_t *sig,
				      size_t sig_len, const char *keyid,
				      struct medfw_diag *diag)
{
	enum medfw_err err;

	if (key->alg == MEDFW_HTTPSIG_ED25519) {
		if (medfw_pubkey_type(key->pub) != MEDFW_KEY_ED25519)
			return medfw_diag_set(diag, MEDFW_ERR_KEY_UNSUPPORTED,
					      "key of \"%s\" is not Ed25519", keyid);
		if (sig_len != MEDFW_HTTPSIG_ED25519_SIG_LEN)
			return medfw_diag_set(diag, MEDFW_ERR_SIGNATURE,
					      "an Ed25519 signature is 64 bytes, got %zu", sig_len);
		err = medfw_pubkey_verify(key->pub, base->data, base->len, sig, sig_len, diag);
	} else {
		if (sig_len != MEDFW_HMAC_SHA256_LEN)
			return medfw_diag_set(diag, MEDFW_ERR_SIGNATURE,
					      "an HMAC-SHA256 signature is 32 bytes, got %zu",
					      sig_len);
		err = medfw_hmac_verify(MEDFW_MAC_HMAC_SHA256, key->secret, sizeof(key->secret),
					base->data, base->len, sig, sig_len);
	}
	if (err != MEDFW_OK)
		return medfw_diag_set(diag, MEDFW_ERR_SIGNATURE,
				      "request signature of \"%s\" does not verify", keyid);
	return MEDFW_OK;
}

static enum medfw_err verify(const struct medfw_httpsig_request *req,
			     const struct medfw_httpsig_policy *policy,
			     medfw_httpsig_key_fn key_lookup, medfw_httpsig_key_ex_fn key_ex,
			     void *key_user, medfw_httpsig_nonce_fn nonce_check, void *nonce_user,
			     struct medfw_httpsig_result *out, struct medfw_diag *diag)
{
	struct medfw_httpsig_params *params = NULL;
	struct medfw_httpsig_key key;
	struct medfw_buf base;
	uint8_t sig[MEDFW_HTTPSIG_BYTES_MAX];
	enum medfw_httpsig_alg alg = MEDFW_HTTPSIG_ED25519;
	unsigned algs;
	size_t sig_len = 0, i;
	enum medfw_err err;
	const char *label;

	memset(&key, 0, sizeof(key));
	medfw_buf_init(&base, MEDFW_HTTPSIG_BASE_MAX);
	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (req == NULL || policy == NULL || (key_lookup == NULL && key_ex == NULL) ||
	    nonce_check == NULL || out == NULL || req->header == NULL || policy->max_skew < 0 ||
	    (policy->required == NULL && policy->n_required > 0)) {
		err = medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "bad verification arguments");
		goto done;
	}
	algs = policy->algs != 0 ? policy->algs : MEDFW_HTTPSIG_ED25519;
	label = policy->label != NULL ? policy->label : MEDFW_HTTPSIG_LABEL;
	params = calloc(1, sizeof(*params));
	if (params == NULL) {
		err = medfw_diag_set(diag, MEDFW_ERR_NOMEM, "out of memory");
		goto done;
	}
	err = medfw_httpsig_parse_input(req->header(req->header_user, "signature-input"), label,
					params, diag);
	if (err != MEDFW_OK)
		goto done;
	err = medfw_httpsig_parse_signature(req->header(req->header_user, "signature"), label,
					    sig, sizeof(sig), &sig_len, diag);
	if (err != MEDFW_OK)
		goto done;

	if (!params->has_created || !params->has_nonce || !params->has_keyid ||
	    !params->has_alg) {
		err = medfw_diag_set(diag, MEDFW_ERR_FIELD_MISSING,
				     "signature %s lacks one of created, nonce, keyid, alg", label);
		goto done;
	}
	if (alg_parse(params->alg, &alg) != MEDFW_OK || (algs & (unsigned)alg) == 0) {
		err = medfw_diag_set(diag, MEDFW_ERR_KEY_UNSUPPORTED,
				     "signature algorithm \"%s\" is not accepted here", params->alg);
		goto done;
	}
	if (params->keyid[0] == '\0' || params->nonce[0] == '\0') {
		err = medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "empty keyid or nonce");
		goto done;
	}
	for (i = 0; i < policy->n_required; i++) {
		if (!covers(params, policy->required[i])) {
			err = medfw_diag_set(diag, MEDFW_ERR_FIELD_MISSING,
					     "signature does not cover required component \"%s\"",
					     policy->required[i]);
			goto done;
		}
	}
	if (req->query != NULL && !covers(params, "@query")) {
		err = medfw_diag_set(diag, MEDFW_ERR_FIELD_MISSING,
				     "request has a query but the signature does not cover \"@query\"");
		goto done;
	}
	/* created within [now - skew, now + skew]; written so nothing can overflow */
	if (params->created < 0) {
		err = medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "created is negative");
		goto done;
	}
	if (params->created < policy->now && policy->now - params->created > policy->max_skew) {
		err = medfw_diag_set(diag, MEDFW_ERR_EXPIRED,
				     "signature created %lld s ago, more than the allowed %lld s",
				     (long long)(policy->now - params->created),
				     (long long)policy->max_skew);
		goto done;
	}
	if (params->created > policy->now && params->created - policy->now > policy->max_skew) {
		err = medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				     "signature created %lld s in the future, more than the "
				     "allowed %lld s",
				     (long long)(params->created - policy->now),
				     (long long)policy->max_skew);
		goto done;
	}
	if (params->has_expires && params->expires < policy->now) {
		err = medfw_diag_set(diag, MEDFW_ERR_EXPIRED, "signature expired");
		goto done;
	}
	if (covers(params, "content-digest")) {
		err = medfw_httpsig_check_digest(req->header(req->header_user, "content-digest"),
						 req->body, req->body_len, diag);
		if (err != MEDFW_OK)
			goto done;
	}
	err = lookup_key(key_lookup, key_user, key_ex, params->keyid, alg, &key);
	if (err == MEDFW_OK && (key.alg != alg || (alg == MEDFW_HTTPSIG_ED25519 && key.pub == NULL)))
		err = MEDFW_ERR_KEY_UNSUPPORTED; /* a key of another kind never verifies */
	if (err != MEDFW_OK) {
		err = medfw_diag_set(diag, err, "no usable %s key for keyid \"%s\"", params->alg,
				     params->keyid);
		goto done;
	}
	err = medfw_httpsig_signature_base(req, params, &base, diag);
	if (err == MEDFW_OK)
		err = check_signature(&key, &base, sig, sig_len, params->keyid, diag);
	if (err != MEDFW_OK)
		goto done;
	err = nonce_check(nonce_user, params->keyid, params->nonce, params->created);
	if (err != MEDFW_OK) {
		err = medfw_diag_set(diag, err,
				     err == MEDFW_ERR_EXISTS ? "nonce already used (replay)"
							     : "nonce check failed");
		goto done;
	}
	/* every check passed: the one place that hands out the result */
	memcpy(out->keyid, params->keyid, sizeof(out->keyid));
	memcpy(out->nonce, params->nonce, sizeof(out->nonce));
	out->created = params->created;
	out->alg = alg;
	err = MEDFW_OK;
done:
	medfw_pubkey_free(key.pub);
	medfw_wipe(key.secret, sizeof(key.secret));
	medfw_buf_free(&base);
	free(params);
	return err;
}

enum medfw_err medfw_httpsig_verify(const struct medfw_httpsig_request *req,
				    const struct medfw_httpsig_policy *policy,
				    medfw_httpsig_key_fn key_lookup, void *key_user,
				    medfw_httpsig_nonce_fn nonce_check, void *nonce_user,
				    struct medfw_httpsig_result *out, struct medfw_diag *diag)
{
	return verify(req, policy, key_lookup, NULL, key_user, nonce_check, nonce_user, out,
		      diag);
}

enum medfw_err medfw_httpsig_verify_ex(const struct medfw_httpsig_request *req,
				       const struct medfw_httpsig_policy *policy,
				       medfw_httpsig_key_ex_fn key_lookup, void *key_user,
				       medfw_httpsig_nonce_fn nonce_check, void *nonce_user,
				       struct medfw_httpsig_result *out, struct medfw_diag *diag)
{
	return verify(req, policy, NULL, key_lookup, key_user, nonce_check, nonce_user, out,
		      diag);
}

/* ---- signing ---- */

/* The one header a device covers is the Content-Digest just computed. */
static const char *sign_header(void *user, const char *name)
{
	return strcmp(name, "content-digest") == 0 ? (const char *)user : NULL;
}

/* What signs the base: a device's Ed25519 key or a session's HMAC-SHA256 secret. */
struct signer {
	enum medfw_httpsig_alg alg;
	const struct medfw_privkey *key;
	const uint8_t *secret;
	size_t secret_len;
};

static enum medfw_err sign_base(const struct signer *s, const struct medfw_buf *base,
				uint8_t *sig, size_t *sig_len, struct medfw_diag *diag)
{
	struct medfw_buf out;
	enum medfw_err err;

	if (s->alg == MEDFW_HTTPSIG_HMAC_SHA256) {
		err = medfw_hmac(MEDFW_MAC_HMAC_SHA256, s->secret, s->secret_len, base->data,
				 base->len, sig, MEDFW_HMAC_SHA256_LEN, sig_len);
		return err == MEDFW_OK ? MEDFW_OK
				       : medfw_diag_set(diag, err, "cannot compute the HMAC");
	}
	medfw_buf_init(&out, MEDFW_SIG_MAX_LEN);
	err = medfw_privkey_sign(s->key, base->data, base->len, &out, diag);
	if (err == MEDFW_OK && out.len != MEDFW_HTTPSIG_ED25519_SIG_LEN)
		err = medfw_diag_set(diag, MEDFW_ERR_CRYPTO, "unexpected signature length");
	if (err == MEDFW_OK) {
		memcpy(sig, out.data, out.len);
		*sig_len = out.len;
	}
	medfw_buf_free(&out);
	return err;
}

static enum medfw_err sign_request(const struct signer *s, const char *keyid,
				   const char *method, const char *path, const char *query,
				   const uint8_t *body, size_t body_len, int64_t created,
				   const char *nonce, struct medfw_httpsig_headers *out,
				   struct medfw_diag *diag)
{
	struct medfw_httpsig_params *params = NULL;
	struct medfw_httpsig_request req;
	struct medfw_buf base, sfparams;
	uint8_t sig[MEDFW_HTTPSIG_ED25519_SIG_LEN];
	char sig_b64[(MEDFW_HTTPSIG_ED25519_SIG_LEN + 2) / 3 * 4 + 1];
	const char *alg = s->alg == MEDFW_HTTPSIG_ED25519 ? MEDFW_HTTPSIG_ALG
							  : MEDFW_HTTPSIG_ALG_HMAC;
	size_t sig_len = 0;
	enum medfw_err err;
	int n;

	medfw_buf_init(&base, MEDFW_HTTPSIG_BASE_MAX);
	medfw_buf_init(&sfparams, MEDFW_HTTPSIG_HEADER_MAX);
	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (keyid == NULL || method == NULL || path == NULL || nonce == NULL || out == NULL ||
	    (body == NULL && body_len != 0) || created < 0) {
		err = medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "bad signing arguments");
		goto done;
	}
	if (keyid[0] == '\0' || nonce[0] == '\0' ||
	    !sf_printable(keyid, MEDFW_HTTPSIG_STRING_MAX) ||
	    !sf_printable(nonce, MEDFW_HTTPSIG_STRING_MAX)) {
		err = medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
				     "keyid and nonce must be 1..%d printable ASCII characters",
				     MEDFW_HTTPSIG_STRING_MAX);
		goto done;
	}
	params = calloc(1, sizeof(*params));
	if (params == NULL) {
		err = medfw_diag_set(diag, MEDFW_ERR_NOMEM, "out of memory");
		goto done;
	}
	memcpy(params->components[params->n_components++], "@method", sizeof("@method"));
	memcpy(params->components[params->n_components++], "@path", sizeof("@path"));
	if (query != NULL)
		memcpy(params->components[params->n_components++], "@query", sizeof("@query"));
	memcpy(params->components[params->n_components++], "content-digest",
	       sizeof("content-digest"));
	params->has_created = params->has_nonce = params->has_keyid = params->has_alg = 1;
	params->created = created;
	memcpy(params->nonce, nonce, strlen(nonce) + 1);
	memcpy(params->keyid, keyid, strlen(keyid) + 1);
	memcpy(params->alg, alg, strlen(alg) + 1);
	params->order[0] = MEDFW_HTTPSIG_P_CREATED;
	params->order[1] = MEDFW_HTTPSIG_P_NONCE;
	params->order[2] = MEDFW_HTTPSIG_P_KEYID;
	params->order[3] = MEDFW_HTTPSIG_P_ALG;
	params->n_order = 4;

	err = medfw_httpsig_content_digest(body, body_len, out->content_digest,
					   sizeof(out->content_digest), diag);
	if (err != MEDFW_OK)
		goto done;
	memset(&req, 0, sizeof(req));
	req.method = method;
	req.path = path;
	req.query = query;
	req.header = sign_header;
	req.header_user = out->content_digest;
	err = medfw_httpsig_signature_base(&req, params, &base, diag);
	if (err == MEDFW_OK)
		err = sign_base(s, &base, sig, &sig_len, diag);
	if (err != MEDFW_OK)
		goto done;
	if (b64_encode(sig, sig_len, sig_b64, sizeof(sig_b64)) != 0) {
		err = medfw_diag_set(diag, MEDFW_ERR_CRYPTO, "cannot encode the signature");
		goto done;
	}
	err = medfw_httpsig_serialize_params(params, &sfparams, diag);
	if (err != MEDFW_OK)
		goto done;
	n = snprintf(out->signature_input, sizeof(out->signature_input), "%s=%s",
		     MEDFW_HTTPSIG_LABEL, (const char *)sfparams.data);
	if (n < 0 || (size_t)n >= sizeof(out->signature_input)) {
		err = medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "Signature-Input too long");
		goto done;
	}
	n = snprintf(out->signature, sizeof(out->signature), "%s=:%s:", MEDFW_HTTPSIG_LABEL,
		     sig_b64);
	if (n < 0 || (size_t)n >= sizeof(out->signature)) {
		err = medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "Signature too long");
		goto done;
	}
	err = MEDFW_OK;
done:
	if (err != MEDFW_OK && out != NULL)
		memset(out, 0, sizeof(*out));
	medfw_wipe(sig, sizeof(sig));
	medfw_buf_free(&base);
	medfw_buf_free(&sfparams);
	free(params);
	return err;
}

enum medfw_err medfw_httpsig_sign(const struct medfw_privkey *key, const char *keyid,
				  const char *method, const char *path, const char *query,
				  const uint8_t *body, size_t body_len, int64_t created,
				  const char *nonce, struct medfw_httpsig_headers *out,
				  struct medfw_diag *diag)
{
	struct signer s = {MEDFW_HTTPSIG_ED25519, key, NULL, 0};

	if (key == NULL || medfw_privkey_type(key) != MEDFW_KEY_ED25519) {
		if (out != NULL)
			memset(out, 0, sizeof(*out));
		return medfw_diag_set(diag, key == NULL ? MEDFW_ERR_INVALID_ARG
							: MEDFW_ERR_KEY_UNSUPPORTED,
				      "request signing needs an Ed25519 key");
	}
	return sign_request(&s, keyid, method, path, query, body, body_len, created, nonce,
			    out, diag);
}

enum medfw_err medfw_httpsig_sign_hmac(const uint8_t *secret, size_t secret_len,
				       const char *keyid, const char *method, const char *path,
				       const char *query, const uint8_t *body, size_t body_len,
				       int64_t created, const char *nonce,
				       struct medfw_httpsig_headers *out, struct medfw_diag *diag)
{
	struct signer s = {MEDFW_HTTPSIG_HMAC_SHA256, NULL, secret, secret_len};

	if (secret == NULL || secret_len != MEDFW_HMAC_SHA256_LEN) {
		if (out != NULL)
			memset(out, 0, sizeof(*out));
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
				      "an HMAC-SHA256 session key is %d bytes",
				      MEDFW_HMAC_SHA256_LEN);
	}
	return sign_request(&s, keyid, method, path, query, body, body_len, created, nonce,
			    out, diag);
}
