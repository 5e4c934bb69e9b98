/* Text encodings of binary data (RFC 4648): base32 for TOTP secrets shown to
 * authenticator apps, base64url for tokens, and the standard base64 alphabet without
 * padding that PHC password-hash strings use.
 *
 * All encoders write into a caller-owned buffer and NUL-terminate; the *_LEN macros
 * give the exact encoded length (without the NUL) so buffers can be sized at compile
 * time. All decoders are strict: no padding, no whitespace, no characters outside the
 * alphabet, no impossible lengths, and the unused low bits of the last character must
 * be zero (so every byte string has exactly one accepted encoding). Base32 decoding
 * also accepts lowercase letters, as people type secrets by hand.
 * On failure every output is cleared (buffer zeroed, *out_len 0).
 *
 * Errors: MEDFW_ERR_INVALID_ARG (NULL pointers), MEDFW_ERR_TOO_LARGE (output does
 * not fit out_cap), MEDFW_ERR_FIELD_VALUE (malformed encoded text).
 */
#ifndef MEDFW_ENCODE_H
#define MEDFW_ENCODE_H

#include <stddef.h>
#include <stdint.h>

#include "medfw/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Encoded length of n bytes, without padding and without the NUL. */
#define MEDFW_BASE32_LEN(n) ((((size_t)(n)) * 8u + 4u) / 5u)
#define MEDFW_BASE64_LEN(n) ((((size_t)(n)) * 4u + 2u) / 3u)

/* The largest input an encoder or decoder accepts (bytes of binary data); keeps the
 * length arithmetic far from overflow. */
#define MEDFW_ENCODE_MAX_BYTES (64u * 1024u * 1024u)

/* RFC 4648 section 6 base32, uppercase A-Z 2-7, no '=' padding.
 * out_cap >= MEDFW_BASE32_LEN(len) + 1. */
enum medfw_err medfw_base32_encode(const uint8_t *data, size_t len, char *out, size_t out_cap);

/* Decode str_len characters of base32 (either case) into out. */
enum medfw_err medfw_base32_decode(const char *str, size_t str_len, uint8_t *out,
				   size_t out_cap, size_t *out_len) MEDFW_WARN_UNUSED;

/* RFC 4648 section 5 base64url ('-' and '_'), no padding.
 * out_cap >= MEDFW_BASE64_LEN(len) + 1. */
enum medfw_err medfw_base64url_encode(const uint8_t *data, size_t len, char *out,
				      size_t out_cap);
enum medfw_err medfw_base64url_decode(const char *str, size_t str_len, uint8_t *out,
				      size_t out_cap, size_t *out_len) MEDFW_WARN_UNUSED;

/* RFC 4648 section 4 base64 ('+' and '/') without padding, as in PHC strings. */
enum medfw_err medfw_base64_nopad_encode(const uint8_t *data, size_t len, char *out,
					 size_t out_cap);
enum medfw_err medfw_base64_nopad_decode(const char *str, size_t str_len, uint8_t *out,
					 size_t out_cap, size_t *out_len) MEDFW_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif
