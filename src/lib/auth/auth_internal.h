/* Internal to the auth module (src/lib/auth/). */
#ifndef MEDFW_AUTH_INTERNAL_H
#define MEDFW_AUTH_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

/* Decode one UTF-8 sequence from s[0..len). Returns its length (1..4) and sets *cp,
 * or 0 if invalid (truncated, overlong, surrogate, above U+10FFFF). */
size_t medfwi_utf8_decode(const uint8_t *s, size_t len, uint32_t *cp);

/* 1 if s[0..len) is valid UTF-8. */
int medfwi_utf8_valid(const uint8_t *s, size_t len);

#endif
