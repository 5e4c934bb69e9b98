/* Version ordering: scheme names, validation and dispatch to the per-scheme
 * comparators (version_distro.c, version_lang.c, version_misc.c). */
#include "medfw/version.h"

#include <stdio.h>
#include <string.h>

#include "vuln/version_int.h"

struct scheme_entry {
	const char *name;
	enum medfw_version_scheme scheme;
};

/* Canonical names first (medfw_version_scheme_name uses the first match). */
static const struct scheme_entry scheme_names[] = {
	{"semver", MEDFW_VERSION_SCHEME_SEMVER},
	{"npm", MEDFW_VERSION_SCHEME_NPM},
	{"golang", MEDFW_VERSION_SCHEME_GOLANG},
	{"deb", MEDFW_VERSION_SCHEME_DEB},
	{"rpm", MEDFW_VERSION_SCHEME_RPM},
	{"apk", MEDFW_VERSION_SCHEME_APK},
	{"alpm", MEDFW_VERSION_SCHEME_ALPM},
	{"gentoo", MEDFW_VERSION_SCHEME_GENTOO},
	{"openssl", MEDFW_VERSION_SCHEME_OPENSSL},
	{"nuget", MEDFW_VERSION_SCHEME_NUGET},
	{"pypi", MEDFW_VERSION_SCHEME_PYPI},
	{"gem", MEDFW_VERSION_SCHEME_GEM},
	{"conan", MEDFW_VERSION_SCHEME_CONAN},
	{"intdot", MEDFW_VERSION_SCHEME_INTDOT},
	{"nginx", MEDFW_VERSION_SCHEME_NGINX},
	{"datetime", MEDFW_VERSION_SCHEME_DATETIME},
	{"lexicographic", MEDFW_VERSION_SCHEME_LEXICOGRAPHIC},
	{"generic", MEDFW_VERSION_SCHEME_GENERIC},
	/* aliases */
	{"alpine", MEDFW_VERSION_SCHEME_APK},
	{"ebuild", MEDFW_VERSION_SCHEME_GENTOO},
	{"cargo", MEDFW_VERSION_SCHEME_SEMVER},
	{"hex", MEDFW_VERSION_SCHEME_SEMVER},
	{"pub", MEDFW_VERSION_SCHEME_SEMVER},
};

static const struct medfwi_version_ops *ops_for(enum medfw_version_scheme scheme)
{
	switch (scheme) {
	case MEDFW_VERSION_SCHEME_SEMVER:
		return &medfwi_semver_ops;
	case MEDFW_VERSION_SCHEME_NPM:
		return &medfwi_npm_ops;
	case MEDFW_VERSION_SCHEME_GOLANG:
		return &medfwi_golang_ops;
	case MEDFW_VERSION_SCHEME_DEB:
		return &medfwi_deb_ops;
	case MEDFW_VERSION_SCHEME_RPM:
		return &medfwi_rpm_ops;
	case MEDFW_VERSION_SCHEME_APK:
		return &medfwi_apk_ops;
	case MEDFW_VERSION_SCHEME_ALPM:
		return &medfwi_alpm_ops;
	case MEDFW_VERSION_SCHEME_GENTOO:
		return &medfwi_gentoo_ops;
	case MEDFW_VERSION_SCHEME_OPENSSL:
		return &medfwi_openssl_ops;
	case MEDFW_VERSION_SCHEME_NUGET:
		return &medfwi_nuget_ops;
	case MEDFW_VERSION_SCHEME_PYPI:
		return &medfwi_pypi_ops;
	case MEDFW_VERSION_SCHEME_GEM:
		return &medfwi_gem_ops;
	case MEDFW_VERSION_SCHEME_CONAN:
		return &medfwi_conan_ops;
	case MEDFW_VERSION_SCHEME_INTDOT:
		return &medfwi_intdot_ops;
	case MEDFW_VERSION_SCHEME_NGINX:
		return &medfwi_nginx_ops;
	case MEDFW_VERSION_SCHEME_DATETIME:
		return &medfwi_datetime_ops;
	case MEDFW_VERSION_SCHEME_LEXICOGRAPHIC:
		return &medfwi_lexicographic_ops;
	case MEDFW_VERSION_SCHEME_GENERIC:
		return &medfwi_generic_ops;
	case MEDFW_VERSION_SCHEME_UNKNOWN:
	default:
		return NULL;
	}
}

enum medfw_version_scheme medfw_version_scheme_from_name(const char *name)
{
	size_t i;

	if (name == NULL)
		return MEDFW_VERSION_SCHEME_UNKNOWN;
	for (i = 0; i < sizeof(scheme_names) / sizeof(scheme_names[0]); i++)
		if (strcmp(scheme_names[i].name, name) == 0)
			return scheme_names[i].scheme;
	return MEDFW_VERSION_SCHEME_UNKNOWN;
}

const char *medfw_version_scheme_name(enum medfw_version_scheme scheme)
{
	size_t i;

	for (i = 0; i < sizeof(scheme_names) / sizeof(scheme_names[0]); i++)
		if (scheme_names[i].scheme == scheme)
			return scheme_names[i].name;
	return "unknown";
}

int medfwi_digits_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int c;

	while (alen > 0 && *a == '0') {
		a++;
		alen--;
	}
	while (blen > 0 && *b == '0') {
		b++;
		blen--;
	}
	if (alen != blen)
		return alen < blen ? -1 : 1;
	if (alen == 0)
		return 0;
	c = memcmp(a, b, alen);
	return medfwi_sign(c);
}

int medfwi_bytes_cmp(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t n = alen < blen ? alen : blen;
	int c = n > 0 ? memcmp(a, b, n) : 0;

	if (c != 0)
		return medfwi_sign(c);
	if (alen == blen)
		return 0;
	return alen < blen ? -1 : 1;
}

int medfwi_digits_le(const char *s, size_t len, const char *max)
{
	return medfwi_digits_cmp(s, len, max, strlen(max)) <= 0;
}

/* Quote at most 80 bytes of a version for a message, escaping what is not printable
 * ASCII (a version is untrusted and may contain anything). */
static void quote(const char *v, size_t len, char *out, size_t cap)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0, i;

	for (i = 0; i < len && i < 80; i++) {
		unsigned char c = (unsigned char)v[i];

		if (o + 5 >= cap)
			break;
		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			out[o++] = (char)c;
		} else {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	if (i < len && o + 4 < cap) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}

static enum medfw_err check_one(enum medfw_version_scheme scheme, const char *version,
				struct medfw_diag *diag)
{
	const struct medfwi_version_ops *ops = ops_for(scheme);
	const char *reason;
	char q[400];
	size_t len;

	if (version == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "no version given");
	len = strnlen(version, MEDFW_VERSION_MAX_LEN + 1);
	if (len > MEDFW_VERSION_MAX_LEN)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE,
				      "version is longer than %d bytes", MEDFW_VERSION_MAX_LEN);
	quote(version, len, q, sizeof(q));
	if (ops == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "version \"%s\": no version ordering is defined for this "
				      "scheme", q);
	reason = ops->check(version, len);
	if (reason != NULL)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "version \"%s\" is not a valid %s version: %s", q,
				      medfw_version_scheme_name(scheme), reason);
	return MEDFW_OK;
}

enum medfw_err medfw_version_validate(enum medfw_version_scheme scheme, const char *version,
				      struct medfw_diag *diag)
{
	return check_one(scheme, version, diag);
}

enum medfw_err medfw_version_compare(enum medfw_version_scheme scheme, const char *a,
				     const char *b, int *out, struct medfw_diag *diag)
{
	const struct medfwi_version_ops *ops = ops_for(scheme);
	enum medfw_err err;

	if (out == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "no output for the comparison");
	*out = 0;
	err = check_one(scheme, a, diag);
	if (err != MEDFW_OK)
		return err;
	err = check_one(scheme, b, diag);
	if (err != MEDFW_OK)
		return err;
	*out = medfwi_sign(ops->cmp(a, strlen(a), b, strlen(b)));
	return MEDFW_OK;
}
