/* RFC 4648 base32 / base64url / base64 (no padding), strict decoders.
 *
 * The character <-> value mappings are computed without table lookups or
 * data-dependent branches: these encodings carry secrets (TOTP seeds, tokens), and a
 * table indexed by secret characters leaks through the cache. */
#include <string.h>

#include "medfw/encode.h"

enum alphabet {
	ALPHA_BASE32,
	ALPHA_BASE64URL,
	ALPHA_BASE64,
};

/* -1 (all bits set) if lo <= c <= hi, else 0; no branch on c. */
static int in_range(int c, int lo, int hi)
{
	unsigned below = (unsigned)((lo - 1) - c) >> (sizeof(unsigned) * 8u - 1u); /* c >= lo */
	unsigned above = (unsigned)(c - (hi + 1)) >> (sizeof(unsigned) * 8u - 1u); /* c <= hi */

	return -(int)(below & above);
}

static unsigned bits_per_char(enum alphabet a)
{
	return a == ALPHA_BASE32 ? 5u : 6u;
}

static char encode_value(enum alphabet a, int v)
{
	int c;

	if (a == ALPHA_BASE32) {
		c = (in_range(v, 0, 25) & (v + 'A')) | (in_range(v, 26, 31) & (v - 26 + '2'));
	} else {
		int c62 = a == ALPHA_BASE64URL ? '-' : '+';
		int c63 = a == ALPHA_BASE64URL ? '_' : '/';

		c = (in_range(v, 0, 25) & (v + 'A')) | (in_range(v, 26, 51) & (v - 26 + 'a')) |
		    (in_range(v, 52, 61) & (v - 52 + '0')) | (in_range(v, 62, 62) & c62) |
		    (in_range(v, 63, 63) & c63);
	}
	return (char)c;
}

/* The value of character c, or -1 if it is not in the alphabet. */
static int decode_char(enum alphabet a, int c)
{
	int v = -1;

	if (a == ALPHA_BASE32) {
		v += in_range(c, 'A', 'Z') & (c - 'A' + 1);
		v += in_range(c, 'a', 'z') & (c - 'a' + 1);
		v += in_range(c, '2', '7') & (c - '2' + 27);
	} else {
		int c62 = a == ALPHA_BASE64URL ? '-' : '+';
		int c63 = a == ALPHA_BASE64URL ? '_' : '/';

		v += in_range(c, 'A', 'Z') & (c - 'A' + 1);
		v += in_range(c, 'a', 'z') & (c - 'a' + 27);
		v += in_range(c, '0', '9') & (c - '0' + 53);
		v += in_range(c, c62, c62) & 63;
		v += in_range(c, c63, c63) & 64;
	}
	return v;
}

static size_t encoded_len(enum alphabet a, size_t n)
{
	return a == ALPHA_BASE32 ? MEDFW_BASE32_LEN(n) : MEDFW_BASE64_LEN(n);
}

static enum medfw_err encode(enum alphabet a, const uint8_t *data, size_t len, char *out,
			     size_t out_cap)
{
	unsigned bits = bits_per_char(a);
	unsigned mask = (1u << bits) - 1u;
	uint32_t acc = 0;
	unsigned nbits = 0;
	size_t o = 0;

	if (out != NULL && out_cap > 0)
		out[0] = '\0';
	if (out == NULL || (data == NULL && len != 0))
		return MEDFW_ERR_INVALID_ARG;
	if (len > MEDFW_ENCODE_MAX_BYTES || out_cap <= encoded_len(a, len)) {
		if (out_cap > 0)
			memset(out, 0, out_cap);
		return MEDFW_ERR_TOO_LARGE;
	}
	for (size_t i = 0; i < len; i++) {
		acc = (acc << 8) | data[i];
		nbits += 8;
		while (nbits >= bits) {
			nbits -= bits;
			out[o++] = encode_value(a, (int)((acc >> nbits) & mask));
		}
		acc &= (1u << nbits) - 1u;
	}
	if (nbits > 0)
		out[o++] = encode_value(a, (int)((acc << (bits - nbits)) & mask));
	out[o] = '\0';
	acc = 0;
	return MEDFW_OK;
}

static enum medfw_err decode(enum alphabet a, const char *str, size_t str_len, uint8_t *out,
			     size_t out_cap, size_t *out_len)
{
	unsigned bits = bits_per_char(a);
	uint32_t acc = 0;
	unsigned nbits = 0;
	size_t n, o = 0;
	int bad = 0;

	if (out_len != NULL)
		*out_len = 0;
	if (out != NULL && out_cap > 0)
		memset(out, 0, out_cap);
	if (out_len == NULL || (str == NULL && str_len != 0) || (out == NULL && out_cap != 0))
		return MEDFW_ERR_INVALID_ARG;
	if (str_len > encoded_len(a, MEDFW_ENCODE_MAX_BYTES))
		return MEDFW_ERR_TOO_LARGE;
	n = str_len * bits / 8u;
	if (encoded_len(a, n) != str_len) /* a length no encoder produces */
		return MEDFW_ERR_FIELD_VALUE;
	if (n > out_cap)
		return MEDFW_ERR_TOO_LARGE;
	for (size_t i = 0; i < str_len; i++) {
		int v = decode_char(a, (unsigned char)str[i]);

		bad |= v < 0;
		acc = (acc << bits) | ((unsigned)v & ((1u << bits) - 1u));
		nbits += bits;
		if (nbits >= 8) {
			nbits -= 8;
			out[o++] = (uint8_t)(acc >> nbits);
			acc &= (1u << nbits) - 1u;
		}
	}
	bad |= acc != 0; /* non-zero unused bits: a second spelling of the same bytes */
	acc = 0;
	if (bad) {
		if (out_cap > 0)
			memset(out, 0, out_cap);
		return MEDFW_ERR_FIELD_VALUE;
	}
	*out_len = o;
	return MEDFW_OK;
}

enum medfw_err medfw_base32_encode(const uint8_t *data, size_t len, char *out, size_t out_cap)
{
	return encode(ALPHA_BASE32, data, len, out, out_cap);
}

enum medfw_err medfw_base32_decode(const char *str, size_t str_len, uint8_t *out,
				   size_t out_cap, size_t *out_len)
{
	return decode(ALPHA_BASE32, str, str_len, out, out_cap, out_len);
}

enum medfw_err medfw_base64url_encode(const uint8_t *data, size_t len, char *out,
				      size_t out_cap)
{
	return encode(ALPHA_BASE64URL, data, len, out, out_cap);
}

enum medfw_err medfw_base64url_decode(const char *str, size_t str_len, uint8_t *out,
				      size_t out_cap, size_t *out_len)
{
	return decode(ALPHA_BASE64URL, str, str_len, out, out_cap, out_len);
}

enum medfw_err medfw_base64_nopad_encode(const uint8_t *data, size_t len, char *out,
					 size_t out_cap)
{
	return encode(ALPHA_BASE64, data, len, out, out_cap);
}

enum medfw_err medfw_base64_nopad_decode(const char *str, size_t str_len, uint8_t *out,
					 size_t out_cap, size_t *out_len)
{
	return decode(ALPHA_BASE64, str, str_len, out, out_cap, out_len);
}
