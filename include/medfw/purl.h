/* Package URL (purl, ECMA-427): parse, build, canonical form, comparison.
 *
 *   pkg:type/namespace/name@version?qualifiers#subpath
 *
 * Parsing follows the specification's right-to-left algorithm: the subpath after
 * the last '#' and the qualifiers after the last '?' are split and percent-decoded
 * ('.', '..' and empty subpath segments dropped, empty qualifier values dropped,
 * keys unique); the scheme "pkg" (any case) and any '/' after it; the type
 * (lowercased; letters, digits, '.', '-', starting with a letter); the version after
 * the last '@'; the name after the last '/'; the namespace segments before it
 * (empty ones dropped). Decoded components must be UTF-8 without NUL; the text
 * itself is printable ASCII (anything else is percent-encoded).
 *
 * Then the type's registered rules (type definitions of the purl specification,
 * docs/vuln-matching.md lists them): namespace required or prohibited, components
 * that are case-insensitive lowercased, pypi names normalised (runs of '-', '_', '.'
 * become '-'), required qualifiers (julia "uuid", swid "tag_id"), permitted
 * characters (chrome-extension, pub, cpan names without "::"), git names that span
 * several path segments. An unregistered type gets the general rules only.
 *
 * Modes:
 *   MEDFW_PURL_STRICT   a qualifier key must already be lowercase (the standard
 *                       says keys are lowercase ASCII letters, digits, '.', '-',
 *                       '_'); '@' is the last one of the path, as specified.
 *   MEDFW_PURL_LENIENT  for data from the field: uppercase keys are lowercased and
 *                       the version '@' is looked for in the last path segment only
 *                       (so "pkg:npm/@babel/core" is the scoped package).
 *
 * The canonical form percent-encodes everything but ASCII letters, digits,
 * ". - _ ~" and ':' (uppercase hex), sorts qualifiers by key and has no empty
 * component. Limits: MEDFW_PURL_MAX_LEN bytes of text, MEDFW_PURL_MAX_QUALIFIERS.
 */
#ifndef MEDFW_PURL_H
#define MEDFW_PURL_H

#include <stddef.h>

#include "medfw/buf.h"
#include "medfw/error.h"
#include "medfw/version.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MEDFW_PURL_MAX_LEN 4096u
#define MEDFW_PURL_MAX_QUALIFIERS 64u

enum medfw_purl_mode {
	MEDFW_PURL_STRICT = 0,
	MEDFW_PURL_LENIENT = 1,
};

struct medfw_purl_qualifier {
	char *key;   /* lowercase */
	char *value; /* decoded, never empty */
};

/* A parsed purl: decoded, normalised components. Owned; medfw_purl_free. */
struct medfw_purl {
	char *type;       /* lowercase */
	char *namespace_; /* NULL when absent; segments joined with '/' */
	char *name;       /* git: the repository path, segments joined with '/' */
	char *version;    /* NULL when absent */
	struct medfw_purl_qualifier *qualifiers; /* sorted by key */
	size_t qualifier_count;
	char *subpath; /* NULL when absent; segments joined with '/' */
};

/* Decoded components for medfw_purl_build; NULL (or "") means absent. */
struct medfw_purl_qualifier_in {
	const char *key;
	const char *value;
};

struct medfw_purl_parts {
	const char *type;
	const char *namespace_;
	const char *name;
	const char *version;
	const struct medfw_purl_qualifier_in *qualifiers;
	size_t qualifier_count;
	const char *subpath;
};

enum medfw_purl_match {
	MEDFW_PURL_MATCH_UNDETERMINED = 0,
	MEDFW_PURL_MATCH = 1,
	MEDFW_PURL_NO_MATCH = 2,
};

/* Parse purl text. *out is a new purl (caller frees with medfw_purl_free), NULL on
 * failure: MEDFW_ERR_FIELD_VALUE with the rule broken in diag, MEDFW_ERR_TOO_LARGE
 * past the limits. */
enum medfw_err medfw_purl_parse(const char *text, enum medfw_purl_mode mode,
				struct medfw_purl **out, struct medfw_diag *diag)
	MEDFW_WARN_UNUSED;

/* Build a purl from decoded components, applying the same validation and
 * normalisation as medfw_purl_parse. */
enum medfw_err medfw_purl_build(const struct medfw_purl_parts *parts, enum medfw_purl_mode mode,
				struct medfw_purl **out, struct medfw_diag *diag)
	MEDFW_WARN_UNUSED;

void medfw_purl_free(struct medfw_purl *purl);

/* Append the canonical text to `out`; on failure `out` keeps its original length. */
enum medfw_err medfw_purl_to_string(const struct medfw_purl *purl, struct medfw_buf *out,
				    struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* The value of a qualifier, or NULL. */
const char *medfw_purl_qualifier(const struct medfw_purl *purl, const char *key);

/* 1 when type, namespace and name are equal (after normalisation), else 0. */
int medfw_purl_same_package(const struct medfw_purl *a, const struct medfw_purl *b);

/* 1 when every component is equal (same canonical form), else 0. */
int medfw_purl_equal(const struct medfw_purl *a, const struct medfw_purl *b);

/* The version scheme of a purl type (deb, rpm, apk, alpm, npm, pypi, gem, nuget,
 * golang, cargo, conan, generic, ...); UNKNOWN when none is known. */
enum medfw_version_scheme medfw_purl_version_scheme(const char *type);

/* Does the purl of an affected package (from a vulnerability record) match a
 * component's purl?
 *   NO_MATCH      another package; a subpath, qualifier or version that differs.
 *   MATCH         the same package; every qualifier of `affected` has the same
 *                 value in `component` (or is the type's default value there);
 *                 `affected` has no version, or both versions are equal in the
 *                 type's version scheme (rpm: the "epoch" qualifier joins the
 *                 version), or are identical strings.
 *   UNDETERMINED  the same package but it cannot be decided: a qualifier of
 *                 `affected` absent from `component` (without a default), a
 *                 version missing on the component's side, versions that differ
 *                 as strings and cannot be compared in the type's scheme.
 * Qualifiers only in `component` do not matter (the subset rule). MEDFW_OK with
 * the reason for UNDETERMINED in diag; MEDFW_ERR_INVALID_ARG for NULL arguments. */
enum medfw_err medfw_purl_match(const struct medfw_purl *affected,
				const struct medfw_purl *component, enum medfw_purl_match *out,
				struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* "match", "no_match", "undetermined". */
const char *medfw_purl_match_name(enum medfw_purl_match match);

#ifdef __cplusplus
}
#endif
#endif
