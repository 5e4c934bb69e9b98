/* Version ordering per versioning scheme (the foundation of vulnerability matching).
 *
 * Each scheme compares two version strings the way its ecosystem does; a string the
 * scheme cannot interpret is rejected with MEDFW_ERR_FIELD_VALUE naming the version
 * and the scheme -- there is never a fallback to plain string comparison and never a
 * guess. docs/vuln-matching.md describes every scheme, its sources and its oddities.
 *
 *   semver         Semantic Versioning 2.0.0 precedence (build metadata ignored).
 *                  Aliases: cargo, hex, pub. npm and golang: the same, with an
 *                  optional leading "v".
 *   deb            dpkg: [epoch:]upstream[-revision], verrevcmp with '~'.
 *   rpm            rpm: [epoch:]version[-release], rpmvercmp with '~' and '^'; as rpm
 *                  itself, a side without a release ignores the other's release.
 *   apk (alpine)   apk-tools: digits, one letter, _alpha/_beta/_pre/_rc and
 *                  _cvs/_svn/_git/_hg/_p suffixes, -rN.
 *   alpm           pacman's vercmp: [epoch:]version[-pkgrel]; pkgrel ignored when a
 *                  side lacks it (so "1.5" equals both "1.5-1" and "1.5-2").
 *   gentoo         Package Manager Specification version comparison (ebuild).
 *   openssl        before 3.0: MAJOR.MINOR.PATCH, a letter patch level (1.0.2 < 1.0.2a
 *                  < ... < 1.0.2z < 1.0.2za), an optional -alpha/-beta/-pre/-rc
 *                  pre-release or -cvs/-dev/-fips build label; 3.0 and later: SemVer.
 *   nuget          NuGet: 1-4 numeric parts, case-insensitive release labels.
 *   pypi           PEP 440 (epoch, release, pre/post/dev releases, local labels).
 *   gem            RubyGems Gem::Version.
 *   conan          Conan 2 Version (items, "-" pre-release, "+" build).
 *   intdot         dot-separated integers (vers "intdot"); nginx: the same, digits and
 *                  dots only.
 *   datetime       RFC 3339 date-time, compared as instants (offsets applied).
 *   lexicographic  byte-wise comparison of valid UTF-8.
 *   generic        medfw's documented scheme for C projects and vendor firmware:
 *                  numeric runs compared as numbers, known pre-release words before
 *                  the release, patch words and a letter after a number after it; a
 *                  string without a leading digit or with an unknown word is rejected.
 *
 * Pure functions, no allocation, no recursion; versions are at most
 * MEDFW_VERSION_MAX_LEN bytes.
 */
#ifndef MEDFW_VERSION_H
#define MEDFW_VERSION_H

#include <stddef.h>

#include "medfw/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MEDFW_VERSION_MAX_LEN 256

enum medfw_version_scheme {
	MEDFW_VERSION_SCHEME_UNKNOWN = 0, /* no ordering: every comparison fails */
	MEDFW_VERSION_SCHEME_SEMVER = 1,
	MEDFW_VERSION_SCHEME_NPM = 2,
	MEDFW_VERSION_SCHEME_GOLANG = 3,
	MEDFW_VERSION_SCHEME_DEB = 4,
	MEDFW_VERSION_SCHEME_RPM = 5,
	MEDFW_VERSION_SCHEME_APK = 6,
	MEDFW_VERSION_SCHEME_ALPM = 7,
	MEDFW_VERSION_SCHEME_GENTOO = 8,
	MEDFW_VERSION_SCHEME_OPENSSL = 9,
	MEDFW_VERSION_SCHEME_NUGET = 10,
	MEDFW_VERSION_SCHEME_PYPI = 11,
	MEDFW_VERSION_SCHEME_GEM = 12,
	MEDFW_VERSION_SCHEME_CONAN = 13,
	MEDFW_VERSION_SCHEME_INTDOT = 14,
	MEDFW_VERSION_SCHEME_NGINX = 15,
	MEDFW_VERSION_SCHEME_DATETIME = 16,
	MEDFW_VERSION_SCHEME_LEXICOGRAPHIC = 17,
	MEDFW_VERSION_SCHEME_GENERIC = 18,
};

/* The scheme for a name: a vers type or purl type ("deb", "rpm", "apk", "alpine",
 * "alpm", "gentoo", "ebuild", "semver", "npm", "cargo", "golang", "hex", "pub",
 * "openssl", "nuget", "pypi", "gem", "conan", "intdot", "nginx", "datetime",
 * "lexicographic", "generic"). Exact, lowercase match; anything else (NULL too) is
 * MEDFW_VERSION_SCHEME_UNKNOWN. */
enum medfw_version_scheme medfw_version_scheme_from_name(const char *name);

/* Canonical name of a scheme ("deb", "apk", ...); "unknown" for UNKNOWN or an
 * out-of-range value. Never NULL. */
const char *medfw_version_scheme_name(enum medfw_version_scheme scheme);

/* Check that `version` is a valid version of `scheme`. Fails with
 * MEDFW_ERR_INVALID_ARG (NULL), MEDFW_ERR_TOO_LARGE (longer than
 * MEDFW_VERSION_MAX_LEN), MEDFW_ERR_FIELD_VALUE (not a version of that scheme, or the
 * scheme is UNKNOWN); diag names the version, the scheme and what is wrong. */
enum medfw_err medfw_version_validate(enum medfw_version_scheme scheme, const char *version,
				      struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* Compare a and b in `scheme`: *out is -1, 0 or 1 (a < b, a equals b, a > b). Both
 * versions are validated first, with the errors of medfw_version_validate. On
 * failure *out is 0, which means nothing: check the return value. */
enum medfw_err medfw_version_compare(enum medfw_version_scheme scheme, const char *a,
				     const char *b, int *out, struct medfw_diag *diag)
	MEDFW_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif
