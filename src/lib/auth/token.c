/* Session / API / enrolment tokens (prefixed base64url of 32 random bytes, stored as
 * SHA-256) and CSRF tokens (HMAC-SHA256 of the session id under a server secret). */
#include <string.h>

#include "medfw/auth.h"
#include "medfw/crypto.h"
#include "medfw/encode.h"

#define CSRF_LABEL "medfw-csrf-v1"

_Static_assert(MEDFW_TOKEN_LEN == MEDFW_TOKEN_PREFIX_LEN + MEDFW_BASE64_LEN(MEDFW_TOKEN_RANDOM_LEN),
	       "token length");
_Static_assert(MEDFW_CSRF_TOKEN_LEN == MEDFW_BASE64_LEN(MEDFW_HMAC_SHA256_LEN), "csrf length");

static const struct {
	enum medfw_token_type type;
	const char *prefix;
} PREFIXES[] = {
	{MEDFW_TOKEN_SESSION, "mfs_"},
	{MEDFW_TOKEN_API, "mft_"},
	{MEDFW_TOKEN_ENROLMENT, "mfe_"},
};

const char *medfw_token_prefix(enum medfw_token_type type)
{
	for (size_t i = 0; i < sizeof(PREFIXES) / sizeof(PREFIXES[0]); i++)
		if (PREFIXES[i].type == type)
			return PREFIXES[i].prefix;
	return NULL;
}

enum medfw_err medfw_token_generate(enum medfw_token_type type, char *out, size_t out_cap)
{
	const char *prefix = medfw_token_prefix(type);
	uint8_t random[MEDFW_TOKEN_RANDOM_LEN];
	enum medfw_err err;

	if (out != NULL && out_cap > 0)
		memset(out, 0, out_cap);
	if (prefix == NULL || out == NULL || out_cap < MEDFW_TOKEN_BUF)
		return MEDFW_ERR_INVALID_ARG;
	err = medfw_random_bytes(random, sizeof(random));
	if (err == MEDFW_OK) {
		memcpy(out, prefix, MEDFW_TOKEN_PREFIX_LEN);
		err = medfw_base64url_encode(random, sizeof(random), out + MEDFW_TOKEN_PREFIX_LEN,
					     out_cap - MEDFW_TOKEN_PREFIX_LEN);
	}
	medfw_wipe(random, sizeof(random));
	if (err != MEDFW_OK)
		medfw_wipe(out, out_cap);
	return err;
}

enum medfw_err medfw_token_parse(const char *token, enum medfw_token_type *out_type)
{
	uint8_t raw[MEDFW_TOKEN_RANDOM_LEN];
	size_t raw_len = 0;
	enum medfw_token_type type = 0;
	enum medfw_err err;

	if (out_type != NULL)
		*out_type = 0;
	if (token == NULL || out_type == NULL)
		return MEDFW_ERR_INVALID_ARG;
	if (strnlen(token, MEDFW_TOKEN_LEN + 1u) != MEDFW_TOKEN_LEN)
		return MEDFW_ERR_FIELD_VALUE;
	for (size_t i = 0; i < sizeof(PREFIXES) / sizeof(PREFIXES[0]); i++)
		if (memcmp(token, PREFIXES[i].prefix, MEDFW_TOKEN_PREFIX_LEN) == 0)
			type = PREFIXES[i].type;
	if (type == 0)
		return MEDFW_ERR_FIELD_VALUE;
	err = medfw_base64url_decode(token + MEDFW_TOKEN_PREFIX_LEN,
				     MEDFW_TOKEN_LEN - MEDFW_TOKEN_PREFIX_LEN, raw, sizeof(raw),
				     &raw_len);
	medfw_wipe(raw, sizeof(raw));
	if (err != MEDFW_OK || raw_len != MEDFW_TOKEN_RANDOM_LEN)
		return MEDFW_ERR_FIELD_VALUE;
	*out_type = type;
	return MEDFW_OK;
}

enum medfw_err medfw_token_hash(const char *token, uint8_t *out, size_t out_cap)
{
	enum medfw_token_type type;
	size_t n = 0;
	enum medfw_err err;

	if (out != NULL && out_cap > 0)
		memset(out, 0, out_cap);
	if (out == NULL || out_cap < MEDFW_TOKEN_HASH_LEN)
		return MEDFW_ERR_INVALID_ARG;
	err = medfw_token_parse(token, &type);
	if (err != MEDFW_OK)
		return err;
	err = medfw_hash_oneshot(MEDFW_HASH_SHA256, token, MEDFW_TOKEN_LEN, out, out_cap, &n);
	if (err == MEDFW_OK && n != MEDFW_TOKEN_HASH_LEN)
		err = MEDFW_ERR_CRYPTO;
	if (err != MEDFW_OK)
		memset(out, 0, out_cap);
	return err;
}

enum medfw_err medfw_token_verify(const char *token, enum medfw_token_type expected_type,
				  const uint8_t *stored_hash, size_t stored_hash_len)
{
	uint8_t computed[MEDFW_TOKEN_HASH_LEN];
	enum medfw_token_type type = 0;
	enum medfw_err err;
	int same;

	if (stored_hash == NULL || medfw_token_prefix(expected_type) == NULL)
		return MEDFW_ERR_INVALID_ARG;
	err = medfw_token_parse(token, &type);
	if (err != MEDFW_OK)
		return err;
	err = medfw_token_hash(token, computed, sizeof(computed));
	if (err != MEDFW_OK)
		return err;
	same = stored_hash_len == MEDFW_TOKEN_HASH_LEN &&
	       medfw_ct_equal(computed, stored_hash, MEDFW_TOKEN_HASH_LEN);
	medfw_wipe(computed, sizeof(computed));
	err = MEDFW_ERR_SIGNATURE;
	if (same && type == expected_type)
		err = MEDFW_OK;
	return err;
}

/* ---- CSRF ---- */

enum medfw_err medfw_csrf_token(const uint8_t *server_secret, size_t secret_len,
				const char *session_id, char *out, size_t out_cap)
{
	uint8_t msg[sizeof(CSRF_LABEL) + MEDFW_CSRF_SESSION_ID_MAX];
	uint8_t mac[MEDFW_HMAC_SHA256_LEN];
	size_t id_len, mac_len = 0;
	enum medfw_err err;

	if (out != NULL && out_cap > 0)
		memset(out, 0, out_cap);
	if (server_secret == NULL || secret_len < MEDFW_CSRF_SECRET_MIN || session_id == NULL ||
	    out == NULL || out_cap < MEDFW_CSRF_TOKEN_BUF)
		return MEDFW_ERR_INVALID_ARG;
	id_len = strnlen(session_id, MEDFW_CSRF_SESSION_ID_MAX + 1u);
	if (id_len == 0 || id_len > MEDFW_CSRF_SESSION_ID_MAX)
		return MEDFW_ERR_INVALID_ARG;
	memcpy(msg, CSRF_LABEL, sizeof(CSRF_LABEL)); /* label and its NUL */
	memcpy(msg + sizeof(CSRF_LABEL), session_id, id_len);
	err = medfw_hmac(MEDFW_MAC_HMAC_SHA256, server_secret, secret_len, msg,
			 sizeof(CSRF_LABEL) + id_len, mac, sizeof(mac), &mac_len);
	if (err == MEDFW_OK)
		err = medfw_base64url_encode(mac, mac_len, out, out_cap);
	medfw_wipe(mac, sizeof(mac));
	medfw_wipe(msg, sizeof(msg));
	if (err != MEDFW_OK)
		medfw_wipe(out, out_cap);
	return err;
}

enum medfw_err medfw_csrf_verify(const uint8_t *server_secret, size_t secret_len,
				 const char *session_id, const char *presented)
{
	char expected[MEDFW_CSRF_TOKEN_BUF];
	enum medfw_err err;
	int same;

	err = medfw_csrf_token(server_secret, secret_len, session_id, expected,
			       sizeof(expected));
	if (err != MEDFW_OK)
		return err;
	same = presented != NULL &&
	       strnlen(presented, MEDFW_CSRF_TOKEN_LEN + 1u) == MEDFW_CSRF_TOKEN_LEN &&
	       medfw_ct_equal(expected, presented, MEDFW_CSRF_TOKEN_LEN);
	medfw_wipe(expected, sizeof(expected));
	return same ? MEDFW_OK : MEDFW_ERR_SIGNATURE;
}
