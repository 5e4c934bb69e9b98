/* libFuzzer target: the auth module's parsers of untrusted text.
 *
 * The first byte picks the parser, the rest is its input (NUL-terminated copy):
 *   0  stored Argon2id PHC string (verify with cheap limits, needs_rehash)
 *   1  base32        2  base64url        3  base64 without padding
 *   4  token (parse, hash, verify)
 *   5  password policy ("username" NUL "password")
 *   6  TOTP code     7  otpauth URI labels ("site" NUL "user")
 *   8  CSRF token presented by a client
 * Every decoder that accepts must re-encode to the same text; every result must be
 * one of the documented error codes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "medfw/auth.h"
#include "medfw/encode.h"

#define FUZZ_MAX_INPUT 4096u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_phc(const char *s)
{
	/* Limits so small that no accepted hash is slow. */
	const struct medfw_argon2_limits limits = {{8, 1, 1}, {64, 2, 2}};
	struct medfw_diag d;
	enum medfw_err err;

	medfw_diag_clear(&d);
	err = medfw_password_verify_limits(&limits, s, "password", &d);
	if (err != MEDFW_OK && err != MEDFW_ERR_SIGNATURE && err != MEDFW_ERR_FIELD_VALUE)
		abort();
	if (err == MEDFW_ERR_FIELD_VALUE && d.msg[0] == '\0')
		abort();
	/* a hash that parses (whatever the limits) and is current needs no rehash; one
	 * that does not parse always does */
	if (medfw_password_needs_rehash(s) == 0 &&
	    strncmp(s, "$argon2id$v=19$m=32768,t=3,p=1$", 31) != 0)
		abort();
}

typedef enum medfw_err (*decode_fn)(const char *, size_t, uint8_t *, size_t, size_t *);
typedef enum medfw_err (*encode_fn)(const uint8_t *, size_t, char *, size_t);

static void check_codec(const char *s, size_t len, decode_fn dec, encode_fn enc, int fold_case)
{
	uint8_t bin[FUZZ_MAX_INPUT];
	char text[2 * FUZZ_MAX_INPUT];
	size_t n = 0;
	enum medfw_err err = dec(s, len, bin, sizeof(bin), &n);

	if (err != MEDFW_OK) {
		if (err != MEDFW_ERR_FIELD_VALUE || n != 0)
			abort();
		return;
	}
	if (enc(bin, n, text, sizeof(text)) != MEDFW_OK || strlen(text) != len)
		abort();
	for (size_t i = 0; i < len; i++) {
		char a = s[i], b = text[i];

		if (fold_case && a >= 'a' && a <= 'z')
			a = (char)(a - 'a' + 'A');
		if (a != b)
			abort();
	}
}

static void check_token(const char *s)
{
	enum medfw_token_type type = 0;
	uint8_t h[MEDFW_TOKEN_HASH_LEN];
	enum medfw_err err = medfw_token_parse(s, &type);

	if (err != MEDFW_OK) {
		if (err != MEDFW_ERR_FIELD_VALUE || type != 0)
			abort();
		return;
	}
	if (strlen(s) != MEDFW_TOKEN_LEN ||
	    strncmp(s, medfw_token_prefix(type), MEDFW_TOKEN_PREFIX_LEN) != 0)
		abort();
	if (medfw_token_hash(s, h, sizeof(h)) != MEDFW_OK ||
	    medfw_token_verify(s, type, h, sizeof(h)) != MEDFW_OK)
		abort();
}

static void check_policy(const char *s, size_t len)
{
	const char *password = s + strlen(s);
	struct medfw_diag d;
	enum medfw_err err;

	password = password < s + len ? password + 1 : password;
	medfw_diag_clear(&d);
	err = medfw_password_check_policy(s, password, &d);
	if (err != MEDFW_OK && (err != MEDFW_ERR_FIELD_VALUE ||
				strncmp(d.msg, "password: ", 10) != 0))
		abort();
}

static void check_totp(const char *s)
{
	static const uint8_t secret[] = "12345678901234567890";
	char expected[MEDFW_HOTP_CODE_MAX];
	uint64_t counter = 7;
	enum medfw_err err = medfw_totp_verify(secret, 20, s, 1111111111, 37037036, &counter);

	if (err == MEDFW_OK) {
		if (counter != 37037037 && counter != 37037038)
			abort();
		if (medfw_hotp(secret, 20, counter, MEDFW_TOTP_DIGITS, expected,
			       sizeof(expected)) != MEDFW_OK || strcmp(expected, s) != 0)
			abort();
		return;
	}
	if (counter != 0 || (err != MEDFW_ERR_SIGNATURE && err != MEDFW_ERR_FIELD_VALUE &&
			     err != MEDFW_ERR_ROLLBACK))
		abort();
}

static void check_uri(const char *s, size_t len)
{
	static const uint8_t secret[] = "12345678901234567890";
	const char *user = s + strlen(s);
	char uri[MEDFW_OTPAUTH_URI_MAX];
	enum medfw_err err;

	user = user < s + len ? user + 1 : user;
	err = medfw_totp_uri(secret, 20, s, user, uri, sizeof(uri), NULL);
	if (err != MEDFW_OK) {
		if (err != MEDFW_ERR_FIELD_VALUE || uri[0] != '\0')
			abort();
		return;
	}
	if (strncmp(uri, "otpauth://totp/medfw:", 21) != 0)
		abort();
	for (const char *p = uri; *p != '\0'; p++)
		if (strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
			   "-._~%:/?=&", *p) == NULL)
			abort();
}

static void check_csrf(const char *s)
{
	uint8_t secret[MEDFW_CSRF_SECRET_MIN];

	memset(secret, 0x42, sizeof(secret));
	if (medfw_csrf_verify(secret, sizeof(secret), "session", s) != MEDFW_ERR_SIGNATURE &&
	    strcmp(s, "_E0L9RRDmO7epYtUb6KWoxGrJLuoG9xT03IUz0otUKI") != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s;
	size_t len;

	if (size < 1 || size > FUZZ_MAX_INPUT)
		return 0;
	len = size - 1;
	s = malloc(len + 1);
	if (s == NULL)
		return 0;
	memcpy(s, data + 1, len);
	s[len] = '\0';
	switch (data[0] % 9u) {
	case 0: check_phc(s); break;
	case 1: check_codec(s, len, medfw_base32_decode, medfw_base32_encode, 1); break;
	case 2: check_codec(s, len, medfw_base64url_decode, medfw_base64url_encode, 0); break;
	case 3: check_codec(s, len, medfw_base64_nopad_decode, medfw_base64_nopad_encode, 0);
		break;
	case 4: check_token(s); break;
	case 5: check_policy(s, len); break;
	case 6: check_totp(s); break;
	case 7: check_uri(s, len); break;
	default: check_csrf(s); break;
	}
	free(s);
	return 0;
}
