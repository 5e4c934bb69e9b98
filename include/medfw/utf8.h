/* UTF-8: the one decoder every parser of untrusted text uses. */
#ifndef MEDFW_UTF8_H
#define MEDFW_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Decode the sequence at s (at most len bytes). Returns its length (1..4) and the code
 * point in *cp, or 0 (and *cp = 0) when it is invalid: truncated, overlong, a
 * surrogate, above U+10FFFF, or len is 0. */
size_t medfw_utf8_decode(const uint8_t *s, size_t len, uint32_t *cp);

/* 1 when all len bytes are valid UTF-8 (NUL is a valid character here). */
int medfw_utf8_valid(const uint8_t *s, size_t len);

#endif
