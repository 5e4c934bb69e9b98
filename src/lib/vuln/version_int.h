/* Internal interface between version.c (dispatch, diagnostics) and the per-scheme
 * comparators in version_*.c. */
#ifndef MEDFW_VULN_VERSION_INT_H
#define MEDFW_VULN_VERSION_INT_H

#include <stddef.h>

#include "medfw/version.h"

/* One scheme: `check` returns NULL for a valid version or a static English reason;
 * `cmp` is only called with versions `check` accepted and returns <0, 0 or >0.
 * Versions are byte ranges (not necessarily NUL-terminated), at most
 * MEDFW_VERSION_MAX_LEN bytes. */
struct medfwi_version_ops {
	const char *(*check)(const char *v, size_t len);
	int (*cmp)(const char *a, size_t alen, const char *b, size_t blen);
};

static inline int medfwi_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static inline int medfwi_is_lower(char c)
{
	return c >= 'a' && c <= 'z';
}

static inline int medfwi_is_upper(char c)
{
	return c >= 'A' && c <= 'Z';
}

static inline int medfwi_is_alpha(char c)
{
	return medfwi_is_lower(c) || medfwi_is_upper(c);
}

static inline int medfwi_is_alnum(char c)
{
	return medfwi_is_digit(c) || medfwi_is_alpha(c);
}

static inline char medfwi_to_lower(char c)
{
	return medfwi_is_upper(c) ? (char)(c - 'A' + 'a') : c;
}

/* c is one of the (non-NUL) characters of `set`. */
static inline int medfwi_in_set(char c, const char *set)
{
	for (; *set != '\0'; set++)
		if (*set == c)
			return 1;
	return 0;
}

/* Compare two runs of ASCII digits as non-negative integers of any length (leading
 * zeros ignored; an empty run is 0). Returns -1, 0 or 1. */
int medfwi_digits_cmp(const char *a, size_t alen, const char *b, size_t blen);

/* Compare byte ranges like memcmp, the shorter prefix first. Returns -1, 0 or 1. */
int medfwi_bytes_cmp(const char *a, size_t alen, const char *b, size_t blen);

/* Sign of an int: -1, 0 or 1. */
static inline int medfwi_sign(int v)
{
	return (v > 0) - (v < 0);
}

/* A run of ASCII digits at s[0..len) is at most `max` as an integer. */
int medfwi_digits_le(const char *s, size_t len, const char *max);

extern const struct medfwi_version_ops medfwi_semver_ops;
extern const struct medfwi_version_ops medfwi_npm_ops;
extern const struct medfwi_version_ops medfwi_golang_ops;
extern const struct medfwi_version_ops medfwi_nuget_ops;
extern const struct medfwi_version_ops medfwi_pypi_ops;
extern const struct medfwi_version_ops medfwi_gem_ops;
extern const struct medfwi_version_ops medfwi_conan_ops;
extern const struct medfwi_version_ops medfwi_deb_ops;
extern const struct medfwi_version_ops medfwi_rpm_ops;
extern const struct medfwi_version_ops medfwi_apk_ops;
extern const struct medfwi_version_ops medfwi_alpm_ops;
extern const struct medfwi_version_ops medfwi_gentoo_ops;
extern const struct medfwi_version_ops medfwi_openssl_ops;
extern const struct medfwi_version_ops medfwi_intdot_ops;
extern const struct medfwi_version_ops medfwi_nginx_ops;
extern const struct medfwi_version_ops medfwi_datetime_ops;
extern const struct medfwi_version_ops medfwi_lexicographic_ops;
extern const struct medfwi_version_ops medfwi_generic_ops;

/* SemVer 2.0.0 pieces shared with the OpenSSL 3 scheme: check/compare a version
 * without any prefix. */
const char *medfwi_semver_check(const char *v, size_t len);
int medfwi_semver_cmp(const char *a, size_t alen, const char *b, size_t blen);

#endif
