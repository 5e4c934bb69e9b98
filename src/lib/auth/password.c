/* Passwords: Argon2id hashing (libargon2) into PHC strings, strict parsing and
 * bounded verification of stored hashes, the unknown-user dummy path, and the
 * password policy.
 *
 * Stored hashes are parsed here, not by libargon2: the parameters are bounded before
 * any memory is allocated, only one spelling of a hash is accepted (canonical
 * numbers, canonical base64), and the comparison is ours (constant time). */
#include <string.h>

#include <argon2.h>

#include "medfw/utf8.h"
#include "medfw/auth.h"
#include "medfw/crypto.h"
#include "medfw/encode.h"
#include "medfw/num.h"

#define PHC_PREFIX "$argon2id$v=19$"

struct phc {
	struct medfw_argon2_params params;
	uint8_t salt[MEDFW_ARGON2_MAX_SALT_LEN];
	size_t salt_len;
	uint8_t hash[MEDFW_ARGON2_MAX_HASH_LEN];
	size_t hash_len;
};

void medfw_argon2_params_default(struct medfw_argon2_params *out)
{
	if (out == NULL)
		return;
	out->m_cost_kib = MEDFW_ARGON2_M_COST_KIB;
	out->t_cost = MEDFW_ARGON2_T_COST;
	out->parallelism = MEDFW_ARGON2_PARALLELISM;
}

void medfw_argon2_limits_default(struct medfw_argon2_limits *out)
{
	if (out == NULL)
		return;
	out->min.m_cost_kib = MEDFW_ARGON2_MIN_M_COST_KIB;
	out->min.t_cost = MEDFW_ARGON2_MIN_T_COST;
	out->min.parallelism = 1;
	out->max.m_cost_kib = MEDFW_ARGON2_MAX_M_COST_KIB;
	out->max.t_cost = MEDFW_ARGON2_MAX_T_COST;
	out->max.parallelism = MEDFW_ARGON2_MAX_PARALLELISM;
}

static enum medfw_err argon2_fail(struct medfw_diag *diag, int rc, const char *what)
{
	enum medfw_err err = rc == ARGON2_MEMORY_ALLOCATION_ERROR ? MEDFW_ERR_NOMEM
								  : MEDFW_ERR_CRYPTO;

	return medfw_diag_set(diag, err, "%s: %s", what, argon2_error_message(rc));
}

/* Parse "<name>=<decimal>" at *p up to the delimiter `end` into *out. */
static enum medfw_err parse_param(const char **p, char name, char end, uint32_t *out)
{
	char digits[11];
	const char *s = *p;
	size_t n = 0;
	uint64_t v = 0;

	*out = 0;
	if (s[0] != name || s[1] != '=')
		return MEDFW_ERR_FIELD_VALUE;
	s += 2;
	while (s[n] >= '0' && s[n] <= '9') {
		if (n == sizeof(digits) - 1)
			return MEDFW_ERR_FIELD_VALUE;
		digits[n] = s[n];
		n++;
	}
	digits[n] = '\0';
	if (s[n] != end || medfw_parse_u64(digits, 0, UINT32_MAX, &v) != MEDFW_OK)
		return MEDFW_ERR_FIELD_VALUE;
	*out = (uint32_t)v;
	*p = s + n + 1;
	return MEDFW_OK;
}

/* Strict parse of "$argon2id$v=19$m=M,t=T,p=P$SALT$HASH" (no trailing data). The
 * parameter bounds are checked by the caller. */
static enum medfw_err phc_parse(const char *encoded, struct phc *out, struct medfw_diag *diag)
{
	const char *p, *dollar;
	size_t len;

	memset(out, 0, sizeof(*out));
	len = strnlen(encoded, MEDFW_PASSWORD_HASH_MAX);
	if (len >= MEDFW_PASSWORD_HASH_MAX)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "password hash: longer than %u characters",
				      MEDFW_PASSWORD_HASH_MAX - 1u);
	if (strncmp(encoded, PHC_PREFIX, strlen(PHC_PREFIX)) != 0)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "password hash: not an argon2id v=19 PHC string");
	p = encoded + strlen(PHC_PREFIX);
	if (parse_param(&p, 'm', ',', &out->params.m_cost_kib) != MEDFW_OK ||
	    parse_param(&p, 't', ',', &out->params.t_cost) != MEDFW_OK ||
	    parse_param(&p, 'p', '$', &out->params.parallelism) != MEDFW_OK)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "password hash: parameters are not \"m=<n>,t=<n>,p=<n>\"");
	dollar = strchr(p, '$');
	if (dollar == NULL ||
	    medfw_base64_nopad_decode(p, (size_t)(dollar - p), out->salt, sizeof(out->salt),
				      &out->salt_len) != MEDFW_OK)
		goto bad_b64;
	p = dollar + 1;
	if (medfw_base64_nopad_decode(p, strlen(p), out->hash, sizeof(out->hash),
				      &out->hash_len) != MEDFW_OK)
		goto bad_b64;
	if (out->salt_len < MEDFW_ARGON2_MIN_SALT_LEN || out->hash_len < MEDFW_ARGON2_MIN_HASH_LEN) {
		memset(out, 0, sizeof(*out));
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "password hash: salt or hash shorter than %u bytes",
				      MEDFW_ARGON2_MIN_SALT_LEN);
	}
	return MEDFW_OK;
bad_b64:
	memset(out, 0, sizeof(*out));
	return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
			      "password hash: salt and hash must be %u..%u bytes of unpadded "
			      "base64", MEDFW_ARGON2_MIN_SALT_LEN, MEDFW_ARGON2_MAX_SALT_LEN);
}

/* The parameters within limits, else `code` with a diag naming the parameter. */
static enum medfw_err check_limits(const struct medfw_argon2_params *got,
				   const struct medfw_argon2_limits *limits, enum medfw_err code,
				   struct medfw_diag *diag)
{
	if (got->m_cost_kib < limits->min.m_cost_kib || got->m_cost_kib > limits->max.m_cost_kib)
		return medfw_diag_set(diag, code,
				      "password hash: memory cost %u KiB outside %u..%u",
				      got->m_cost_kib, limits->min.m_cost_kib,
				      limits->max.m_cost_kib);
	if (got->t_cost < limits->min.t_cost || got->t_cost > limits->max.t_cost)
		return medfw_diag_set(diag, code,
				      "password hash: time cost %u outside %u..%u", got->t_cost,
				      limits->min.t_cost, limits->max.t_cost);
	if (got->parallelism < limits->min.parallelism ||
	    got->parallelism > limits->max.parallelism)
		return medfw_diag_set(diag, code,
				      "password hash: parallelism %u outside %u..%u",
				      got->parallelism, limits->min.parallelism,
				      limits->max.parallelism);
	/* libargon2 needs 8 KiB per lane */
	if (got->m_cost_kib / 8u < got->parallelism)
		return medfw_diag_set(diag, code,
				      "password hash: memory cost below 8 KiB per lane");
	return MEDFW_OK;
}

/* Password length in bytes if at most MEDFW_PASSWORD_MAX_BYTES, else a larger value. */
static size_t password_len(const char *password)
{
	return strnlen(password, MEDFW_PASSWORD_MAX_BYTES + 1u);
}

enum medfw_err medfw_password_hash_params(const struct medfw_argon2_params *params,
					  const char *password, char *out, size_t out_cap,
					  struct medfw_diag *diag)
{
	uint8_t salt[MEDFW_ARGON2_SALT_LEN];
	struct medfw_argon2_limits libargon2_limits = {
		.min = {ARGON2_MIN_MEMORY, ARGON2_MIN_TIME, 1},
		.max = {MEDFW_ARGON2_MAX_M_COST_KIB, MEDFW_ARGON2_MAX_T_COST,
			MEDFW_ARGON2_MAX_PARALLELISM},
	};
	struct phc check;
	size_t pw_len;
	enum medfw_err err;
	int rc;

	if (out != NULL && out_cap > 0)
		memset(out, 0, out_cap);
	if (params == NULL || password == NULL || out == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "password hash: NULL argument");
	pw_len = password_len(password);
	if (pw_len > MEDFW_PASSWORD_MAX_BYTES)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE,
				      "password: longer than %u bytes", MEDFW_PASSWORD_MAX_BYTES);
	err = check_limits(params, &libargon2_limits, MEDFW_ERR_INVALID_ARG, diag);
	if (err != MEDFW_OK)
		return err;
	if (out_cap < argon2_encodedlen(params->t_cost, params->m_cost_kib, params->parallelism,
					MEDFW_ARGON2_SALT_LEN, MEDFW_ARGON2_HASH_LEN, Argon2_id))
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
				      "password hash: output buffer too small");
	err = medfw_random_bytes(salt, sizeof(salt));
	if (err != MEDFW_OK)
		return medfw_diag_set(diag, err, "password hash: no randomness for the salt");
	rc = argon2id_hash_encoded(params->t_cost, params->m_cost_kib, params->parallelism,
				   password, pw_len, salt, sizeof(salt), MEDFW_ARGON2_HASH_LEN,
				   out, out_cap);
	medfw_wipe(salt, sizeof(salt));
	if (rc != ARGON2_OK) {
		memset(out, 0, out_cap);
		return argon2_fail(diag, rc, "password hash");
	}
	/* What we store must be what we accept. */
	err = phc_parse(out, &check, diag);
	medfw_wipe(&check, sizeof(check));
	if (err != MEDFW_OK) {
		memset(out, 0, out_cap);
		return MEDFW_ERR_CRYPTO;
	}
	return MEDFW_OK;
}

enum medfw_err medfw_password_hash(const char *password, char *out, size_t out_cap,
				   struct medfw_diag *diag)
{
	struct medfw_argon2_params params;

	medfw_argon2_params_default(&params);
	return medfw_password_hash_params(&params, password, out, out_cap, diag);
}

enum medfw_err medfw_password_verify_limits(const struct medfw_argon2_limits *limits,
					    const char *encoded, const char *password,
					    struct medfw_diag *diag)
{
	uint8_t computed[MEDFW_ARGON2_MAX_HASH_LEN];
	struct phc phc;
	size_t pw_len;
	enum medfw_err err = MEDFW_ERR_SIGNATURE;
	enum medfw_err e;
	int rc;

	memset(&phc, 0, sizeof(phc));
	memset(computed, 0, sizeof(computed));
	if (limits == NULL || encoded == NULL || password == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
				      "password verify: NULL argument");
	e = phc_parse(encoded, &phc, diag);
	if (e != MEDFW_OK) {
		err = e;
		goto cleanup;
	}
	e = check_limits(&phc.params, limits, MEDFW_ERR_FIELD_VALUE, diag);
	if (e != MEDFW_OK) {
		err = e;
		goto cleanup;
	}
	pw_len = password_len(password);
	if (pw_len > MEDFW_PASSWORD_MAX_BYTES) {
		err = medfw_diag_set(diag, MEDFW_ERR_SIGNATURE, "password does not match");
		goto cleanup;
	}
	rc = argon2id_hash_raw(phc.params.t_cost, phc.params.m_cost_kib, phc.params.parallelism,
			       password, pw_len, phc.salt, phc.salt_len, computed, phc.hash_len);
	if (rc != ARGON2_OK) {
		err = argon2_fail(diag, rc, "password verify");
		goto cleanup;
	}
	if (!medfw_ct_equal(computed, phc.hash, phc.hash_len)) {
		err = medfw_diag_set(diag, MEDFW_ERR_SIGNATURE, "password does not match");
		goto cleanup;
	}
	err = MEDFW_OK;
cleanup:
	medfw_wipe(computed, sizeof(computed));
	medfw_wipe(&phc, sizeof(phc));
	return err;
}

enum medfw_err medfw_password_verify(const char *encoded, const char *password,
				     struct medfw_diag *diag)
{
	struct medfw_argon2_limits limits;

	medfw_argon2_limits_default(&limits);
	return medfw_password_verify_limits(&limits, encoded, password, diag);
}

enum medfw_err medfw_password_verify_dummy(const char *password)
{
	static const uint8_t salt[MEDFW_ARGON2_SALT_LEN] = {0};
	uint8_t computed[MEDFW_ARGON2_HASH_LEN];
	size_t pw_len;

	if (password == NULL)
		return MEDFW_ERR_SIGNATURE;
	pw_len = password_len(password);
	if (pw_len <= MEDFW_PASSWORD_MAX_BYTES)
		(void)argon2id_hash_raw(MEDFW_ARGON2_T_COST, MEDFW_ARGON2_M_COST_KIB,
					MEDFW_ARGON2_PARALLELISM, password, pw_len, salt,
					sizeof(salt), computed, sizeof(computed));
	medfw_wipe(computed, sizeof(computed));
	return MEDFW_ERR_SIGNATURE;
}

int medfw_password_needs_rehash(const char *encoded)
{
	struct phc phc;
	int stale;

	if (encoded == NULL || phc_parse(encoded, &phc, NULL) != MEDFW_OK)
		return 1;
	stale = phc.params.m_cost_kib != MEDFW_ARGON2_M_COST_KIB ||
		phc.params.t_cost != MEDFW_ARGON2_T_COST ||
		phc.params.parallelism != MEDFW_ARGON2_PARALLELISM ||
		phc.salt_len != MEDFW_ARGON2_SALT_LEN || phc.hash_len != MEDFW_ARGON2_HASH_LEN;
	medfw_wipe(&phc, sizeof(phc));
	return stale;
}

/* ---- policy ---- */

static int ascii_lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int equal_ignoring_ascii_case(const char *a, const char *b)
{
	for (; *a != '\0' && *b != '\0'; a++, b++)
		if (ascii_lower((unsigned char)*a) != ascii_lower((unsigned char)*b))
			return 0;
	return *a == *b;
}

enum medfw_err medfw_password_check_policy(const char *username, const char *password,
					   struct medfw_diag *diag)
{
	size_t len, off = 0, chars = 0, n;
	uint32_t cp = 0, first = 0;
	int all_same = 1;

	if (password == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "password: NULL argument");
	len = password_len(password);
	if (len > MEDFW_PASSWORD_MAX_BYTES)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "password: must be at most %u bytes",
				      MEDFW_PASSWORD_MAX_BYTES);
	while (off < len) {
		n = medfw_utf8_decode((const uint8_t *)password + off, len - off, &cp);
		if (n == 0)
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					      "password: must be valid UTF-8 (byte %zu)",
					      off + 1);
		if (chars == 0)
			first = cp;
		else if (cp != first)
			all_same = 0;
		chars++;
		off += n;
	}
	if (chars < MEDFW_PASSWORD_MIN_CHARS)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "password: must be at least %u characters",
				      MEDFW_PASSWORD_MIN_CHARS);
	if (all_same)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "password: must not be one character repeated");
	if (username != NULL && equal_ignoring_ascii_case(username, password))
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "password: must not be the username");
	return MEDFW_OK;
}
