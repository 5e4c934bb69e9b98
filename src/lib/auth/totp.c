/* HOTP (RFC 4226) and TOTP (RFC 6238) with HMAC-SHA1, replay-safe verification, and
 * the otpauth:// URI for authenticator apps. */
#include <string.h>

#include "medfw/utf8.h"
#include "medfw/auth.h"
#include "medfw/crypto.h"
#include "medfw/encode.h"

#define TOTP_URI_SECRET_MAX 64u /* bytes of seed we put in a URI */

/* The URI below spells these out. */
_Static_assert(MEDFW_TOTP_DIGITS == 6u && MEDFW_TOTP_STEP_S == 30,
	       "update the otpauth URI parameters");

static const uint32_t POW10[] = {1u, 10u, 100u, 1000u, 10000u, 100000u, 1000000u,
				 10000000u, 100000000u};

enum medfw_err medfw_totp_secret_generate(uint8_t *out, size_t out_cap)
{
	if (out == NULL || out_cap < MEDFW_TOTP_SECRET_LEN) {
		if (out != NULL && out_cap > 0)
			medfw_wipe(out, out_cap);
		return MEDFW_ERR_INVALID_ARG;
	}
	return medfw_random_bytes(out, MEDFW_TOTP_SECRET_LEN);
}

enum medfw_err medfw_hotp(const uint8_t *secret, size_t secret_len, uint64_t counter,
			  unsigned digits, char *out, size_t out_cap)
{
	uint8_t msg[8], mac[MEDFW_HMAC_SHA1_LEN];
	size_t mac_len = 0;
	uint32_t bin, code;
	unsigned off;
	enum medfw_err err;

	if (out != NULL && out_cap > 0)
		memset(out, 0, out_cap);
	if (secret == NULL || secret_len == 0 || out == NULL || digits < MEDFW_HOTP_MIN_DIGITS ||
	    digits > MEDFW_HOTP_MAX_DIGITS || out_cap <= digits)
		return MEDFW_ERR_INVALID_ARG;
	for (unsigned i = 0; i < 8; i++)
		msg[i] = (uint8_t)(counter >> (56u - 8u * i));
	err = medfw_hmac(MEDFW_MAC_HMAC_SHA1, secret, secret_len, msg, sizeof(msg), mac,
			 sizeof(mac), &mac_len);
	if (err != MEDFW_OK)
		return err;
	/* RFC 4226 5.3: dynamic truncation */
	off = mac[MEDFW_HMAC_SHA1_LEN - 1] & 0x0fu;
	bin = ((uint32_t)(mac[off] & 0x7fu) << 24) | ((uint32_t)mac[off + 1] << 16) |
	      ((uint32_t)mac[off + 2] << 8) | (uint32_t)mac[off + 3];
	code = bin % POW10[digits];
	for (unsigned i = digits; i > 0; i--) {
		out[i - 1] = (char)('0' + code % 10u);
		code /= 10u;
	}
	out[digits] = '\0';
	medfw_wipe(mac, sizeof(mac));
	return MEDFW_OK;
}

enum medfw_err medfw_totp_counter(int64_t now, uint64_t *out_counter)
{
	if (out_counter == NULL)
		return MEDFW_ERR_INVALID_ARG;
	*out_counter = 0;
	if (now < 0)
		return MEDFW_ERR_INVALID_ARG;
	*out_counter = (uint64_t)(now / MEDFW_TOTP_STEP_S);
	return MEDFW_OK;
}

enum medfw_err medfw_totp_code(const uint8_t *secret, size_t secret_len, int64_t now,
			       char *out, size_t out_cap)
{
	uint64_t counter = 0;
	enum medfw_err err;

	if (out != NULL && out_cap > 0)
		memset(out, 0, out_cap);
	err = medfw_totp_counter(now, &counter);
	if (err != MEDFW_OK)
		return err;
	return medfw_hotp(secret, secret_len, counter, MEDFW_TOTP_DIGITS, out, out_cap);
}

enum medfw_err medfw_totp_verify(const uint8_t *secret, size_t secret_len, const char *code,
				 int64_t now, uint64_t last_counter, uint64_t *out_counter)
{
	char expected[MEDFW_HOTP_CODE_MAX];
	uint64_t now_counter = 0, best = 0;
	unsigned matched = 0;
	enum medfw_err err;

	if (out_counter == NULL)
		return MEDFW_ERR_INVALID_ARG;
	*out_counter = 0;
	if (secret == NULL || secret_len == 0 || code == NULL)
		return MEDFW_ERR_INVALID_ARG;
	err = medfw_totp_counter(now, &now_counter);
	if (err != MEDFW_OK)
		return err;
	if (strnlen(code, MEDFW_TOTP_DIGITS + 1u) != MEDFW_TOTP_DIGITS)
		return MEDFW_ERR_FIELD_VALUE;
	for (unsigned i = 0; i < MEDFW_TOTP_DIGITS; i++)
		if (code[i] < '0' || code[i] > '9')
			return MEDFW_ERR_FIELD_VALUE;

	/* Every candidate is computed and compared; the result is selected with masks so
	 * the time taken does not depend on which one matched. Candidates ascend, so the
	 * last fresh match is the highest. */
	for (int64_t d = -MEDFW_TOTP_WINDOW; d <= MEDFW_TOTP_WINDOW; d++) {
		uint64_t cand, mask;
		unsigned eq, fresh;

		if (d < 0 && now_counter < (uint64_t)(-d))
			continue; /* before the epoch */
		cand = d < 0 ? now_counter - (uint64_t)(-d) : now_counter + (uint64_t)d;
		err = medfw_hotp(secret, secret_len, cand, MEDFW_TOTP_DIGITS, expected,
				 sizeof(expected));
		if (err != MEDFW_OK)
			goto cleanup;
		eq = (unsigned)medfw_ct_equal(expected, code, MEDFW_TOTP_DIGITS);
		fresh = eq & (unsigned)(cand > last_counter);
		matched |= eq;
		mask = (uint64_t)0 - (uint64_t)fresh;
		best = (best & ~mask) | (cand & mask);
	}
	if (best != 0) {
		*out_counter = best;
		err = MEDFW_OK;
	} else if (matched) {
		err = MEDFW_ERR_ROLLBACK;
	} else {
		err = MEDFW_ERR_SIGNATURE;
	}
cleanup:
	medfw_wipe(expected, sizeof(expected));
	return err;
}

/* ---- otpauth:// URI ---- */

struct writer {
	char *out;
	size_t cap;
	size_t len;
	int overflow;
};

static void put(struct writer *w, const char *s, size_t n)
{
	if (w->overflow || n >= w->cap - w->len) {
		w->overflow = 1;
		return;
	}
	memcpy(w->out + w->len, s, n);
	w->len += n;
	w->out[w->len] = '\0';
}

static void put_str(struct writer *w, const char *s)
{
	put(w, s, strlen(s));
}

static int unreserved(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '.' || c == '_' || c == '~';
}

static void put_pct(struct writer *w, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[3];

		if (unreserved(c)) {
			put(w, s, 1);
			continue;
		}
		esc[0] = '%';
		esc[1] = hex[c >> 4];
		esc[2] = hex[c & 0x0fu];
		put(w, esc, 3);
	}
}

static enum medfw_err check_label_part(const char *what, const char *s,
				       struct medfw_diag *diag)
{
	size_t len = strnlen(s, MEDFW_OTPAUTH_LABEL_PART_MAX + 1u);

	if (len == 0 || len > MEDFW_OTPAUTH_LABEL_PART_MAX)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "otpauth URI: %s must be 1..%u bytes", what,
				      MEDFW_OTPAUTH_LABEL_PART_MAX);
	if (!medfw_utf8_valid((const uint8_t *)s, len))
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "otpauth URI: %s is not valid UTF-8", what);
	return MEDFW_OK;
}

enum medfw_err medfw_totp_uri(const uint8_t *secret, size_t secret_len, const char *site,
			      const char *user, char *out, size_t out_cap,
			      struct medfw_diag *diag)
{
	char b32[MEDFW_BASE32_LEN(TOTP_URI_SECRET_MAX) + 1];
	struct writer w = {out, out_cap, 0, 0};
	enum medfw_err err;

	if (out != NULL && out_cap > 0)
		memset(out, 0, out_cap);
	if (secret == NULL || site == NULL || user == NULL || out == NULL || out_cap == 0)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "otpauth URI: NULL argument");
	if (secret_len == 0 || secret_len > TOTP_URI_SECRET_MAX)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
				      "otpauth URI: secret must be 1..%u bytes",
				      TOTP_URI_SECRET_MAX);
	err = check_label_part("site", site, diag);
	if (err == MEDFW_OK)
		err = check_label_part("user", user, diag);
	if (err != MEDFW_OK)
		return err;
	err = medfw_base32_encode(secret, secret_len, b32, sizeof(b32));
	if (err != MEDFW_OK)
		return medfw_diag_set(diag, err, "otpauth URI: cannot encode the secret");
	put_str(&w, "otpauth://totp/medfw:");
	put_pct(&w, site);
	put_str(&w, "%3A");
	put_pct(&w, user);
	put_str(&w, "?secret=");
	put_str(&w, b32);
	put_str(&w, "&issuer=medfw&algorithm=SHA1&digits=6&period=30");
	medfw_wipe(b32, sizeof(b32));
	if (w.overflow) {
		medfw_wipe(out, out_cap);
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
				      "otpauth URI: output buffer too small");
	}
	return MEDFW_OK;
}
