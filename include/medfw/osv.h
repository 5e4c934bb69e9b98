/* OSV (Open Source Vulnerability format, schema 1.x): strict parse and evaluation
 * (docs/vuln-matching.md, "OSV, CSAF and KEV").
 *
 * Parsing follows the OSV JSON schema 1.7 (testdata/osv/schema/osv-schema.json) and
 * the offline checks of the OSV linter:
 *   - "id" (a registered home-database prefix or "x_") and "modified" required;
 *     times are RFC 3339 UTC ("...Z"); wrong JSON types are refused with the JSON
 *     path ("affected[1].ranges[0].events[2].fixed must be a string");
 *   - unknown top-level fields are refused as the schema's additionalProperties
 *     says, unless "schema_version" names a later 1.x minor (the OSV specification:
 *     clients of 1.N can read 1.M > N "by ignoring any unexpected fields"); the
 *     same newer-minor rule lets an unknown id prefix or ecosystem through; nested
 *     objects may carry fields of their own (the schema allows it);
 *   - package: ecosystem (registered, optional ":suffix") and name required, purl
 *     valid (linter PKG check); a record-level "severity" excludes affected[].severity;
 *   - ranges: type SEMVER / ECOSYSTEM / GIT, GIT needs "repo" and full commit hashes,
 *     events a non-empty list with an "introduced", each event exactly one of
 *     introduced / fixed / last_affected / limit, fixed and last_affected never in
 *     the same range, no value both introduced and fixed (linter range-is-distinct),
 *     an entry without a package only GIT ranges;
 *   - severity: CVSS_V2 / CVSS_V3 / CVSS_V4 vectors valid (medfw/cvss.h; v3 gets its
 *     base score), Ubuntu one of negligible/low/medium/high/critical.
 * Not enforced (need network or the registry): the linter's "package exists" and
 * "versions exist" checks (the fixture records-invalid/nopackage-*.json, a PyPI
 * package that does not exist, is therefore accepted).
 *
 * Evaluation (medfw_osv_evaluate, the contract of medfw/vuln_match.h):
 *   identity   an affected package is this component when both purls denote the same
 *              package (medfw_purl_same_package); without a purl on one side, by the
 *              ecosystem and name turned into a purl of the ecosystem's type (Alpine
 *              -> apk/alpine, Debian -> deb/debian, PyPI -> pypi, npm, Go -> golang,
 *              Maven "g:a" -> maven/g/a, ...); an OSS-Fuzz project by its name (ASCII
 *              case-insensitive) for a component without purl or with a generic purl;
 *              a GIT-only entry without package by its repository URL against a
 *              github / gitlab / bitbucket purl. Per-release ecosystems (Alpine:v3.8,
 *              Debian:11) are skipped when the component purl's "distro" qualifier
 *              names another release.
 *   versions   versions[] exact string membership (for GIT-derived tag lists also
 *              "v" + version) gives AFFECTED.
 *   ranges     SEMVER (SemVer 2.0 with an optional leading "v"), ECOSYSTEM (the
 *              ecosystem's ordering, medfw_osv_ecosystem_scheme: UNDETERMINED when
 *              it has none, e.g. Maven), evaluated as the OSV specification's
 *              algorithm: events sorted by version ("0" first; ties introduced,
 *              last_affected, fixed, limit), limits first (the version must be below
 *              a limit), then introduced / fixed / last_affected in order. GIT ranges
 *              cannot be evaluated on a version: an entry with only GIT ranges gives
 *              AFFECTED by versions[] or UNDETERMINED, never NOT_AFFECTED; in an entry
 *              that also has SEMVER/ECOSYSTEM ranges those decide.
 *   entries    several matching entries: any AFFECTED wins, then UNDETERMINED, then
 *              NOT_AFFECTED; no matching entry is NOT_RELEVANT.
 *   withdrawn  a withdrawn record is never AFFECTED: NOT_AFFECTED with the
 *              withdrawal as evidence when the identity matches.
 * Evidence: rule "<id> affected[i].ranges[j] (ECOSYSTEM Alpine:v3.8)" or
 * "<id> affected[i].versions[k] (...)", comparison "apk 1.0.2p-r0 >= introduced 0,
 * < fixed 1.0.2q-r0"; fixed_version from the matching range's next "fixed" event.
 */
#ifndef MEDFW_OSV_H
#define MEDFW_OSV_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "medfw/error.h"
#include "medfw/purl.h"
#include "medfw/version.h"
#include "medfw/vuln_match.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MEDFW_OSV_MAX_BYTES (8u * 1024u * 1024u) /* one record's JSON */
#define MEDFW_OSV_MAX_DEPTH 32u
#define MEDFW_OSV_SCHEMA_MINOR 7 /* the 1.x minor whose fields and lists medfw knows */

enum medfw_osv_range_type {
	MEDFW_OSV_RANGE_SEMVER = 1,
	MEDFW_OSV_RANGE_ECOSYSTEM = 2,
	MEDFW_OSV_RANGE_GIT = 3,
};

enum medfw_osv_event_kind {
	MEDFW_OSV_INTRODUCED = 1,
	MEDFW_OSV_FIXED = 2,
	MEDFW_OSV_LAST_AFFECTED = 3,
	MEDFW_OSV_LIMIT = 4,
};

enum medfw_osv_severity_type {
	MEDFW_OSV_CVSS_V2 = 1,
	MEDFW_OSV_CVSS_V3 = 2,
	MEDFW_OSV_CVSS_V4 = 3,
	MEDFW_OSV_UBUNTU = 4,
};

struct medfw_osv_event {
	enum medfw_osv_event_kind kind;
	const char *value;
};

struct medfw_osv_range {
	enum medfw_osv_range_type type;
	const char *repo; /* GIT only (required there) */
	struct medfw_osv_event *events; /* as written (evaluation sorts a copy) */
	size_t event_count;
};

struct medfw_osv_severity {
	enum medfw_osv_severity_type type;
	const char *score;     /* the vector, or the Ubuntu priority word */
	int base_score;        /* tenths for CVSS_V2/V3; MEDFW_CVSS_NO_SCORE otherwise */
};

struct medfw_osv_affected {
	int has_package;
	const char *ecosystem; /* with its suffix, e.g. "Alpine:v3.8"; NULL without package */
	const char *name;
	const char *purl;                /* as written, NULL when absent */
	struct medfw_purl *parsed_purl;  /* owned by the record; NULL when absent */
	struct medfw_osv_severity *severity;
	size_t severity_count;
	struct medfw_osv_range *ranges;
	size_t range_count;
	const char **versions;
	size_t version_count;
	const char *ecosystem_specific; /* compact JSON text, NULL when absent */
	const char *database_specific;
};

struct medfw_osv_reference {
	const char *type;
	const char *url;
};

struct medfw_osv_credit {
	const char *name;
	const char *type; /* NULL when absent */
	const char **contact;
	size_t contact_count;
};

/* A parsed record. Every string is owned by the record; freed with medfw_osv_free. */
struct medfw_osv_record {
	const char *schema_version; /* NULL when absent (1.0.0) */
	const char *id;
	const char *modified;
	const char *published; /* NULL when absent */
	const char *withdrawn; /* NULL when absent */
	const char *summary;
	const char *details;
	const char **aliases;
	size_t alias_count;
	const char **related;
	size_t related_count;
	const char **upstream;
	size_t upstream_count;
	struct medfw_osv_severity *severity;
	size_t severity_count;
	struct medfw_osv_affected *affected;
	size_t affected_count;
	struct medfw_osv_reference *references;
	size_t reference_count;
	struct medfw_osv_credit *credits;
	size_t credit_count;
	const char *database_specific; /* compact JSON text, NULL when absent */
	void *priv_; /* the storage; not for callers */
};

/* Parse one OSV record from `len` bytes of JSON (at most MEDFW_OSV_MAX_BYTES). *out
 * is a new record (caller frees with medfw_osv_free), NULL on failure:
 * MEDFW_ERR_TOO_LARGE, MEDFW_ERR_TOO_DEEP, MEDFW_ERR_JSON_SYNTAX (medfw_json_parse),
 * MEDFW_ERR_FIELD_MISSING / FIELD_TYPE / FIELD_VALUE with the JSON path in diag. */
enum medfw_err medfw_osv_parse(const uint8_t *data, size_t len, struct medfw_osv_record **out,
			       struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* The same from a parsed JSON value (an object), e.g. one item of an OSV API
 * response's "vulns" array. The tree is not kept. */
enum medfw_err medfw_osv_parse_json(const json_t *root, struct medfw_osv_record **out,
				    struct medfw_diag *diag) MEDFW_WARN_UNUSED;

void medfw_osv_free(struct medfw_osv_record *record);

/* The version ordering of an OSV ecosystem (the part before any ':'): Alpine,
 * Wolfi, Chainguard -> apk; Debian, Ubuntu -> deb; Red Hat, AlmaLinux, Rocky
 * Linux, SUSE, openSUSE, Photon OS, Azure Linux, openEuler, Mageia -> rpm; PyPI ->
 * pypi; npm -> npm; Go -> golang; crates.io, Hex, Pub -> semver; RubyGems -> gem;
 * NuGet -> nuget; ConanCenter -> conan. Anything else (Maven, Packagist, OSS-Fuzz,
 * GIT, Linux, Android, ...) is MEDFW_VERSION_SCHEME_UNKNOWN. */
enum medfw_version_scheme medfw_osv_ecosystem_scheme(const char *ecosystem);

/* Evaluate record `r` for component `c` (medfw/vuln_match.h). MEDFW_OK with
 * out->outcome set (UNDETERMINED included); MEDFW_ERR_INVALID_ARG for NULL
 * arguments, MEDFW_ERR_NOMEM. *out is fully written in every case. */
enum medfw_err medfw_osv_evaluate(const struct medfw_osv_record *r,
				  const struct medfw_vuln_component *c,
				  struct medfw_vuln_verdict *out, struct medfw_diag *diag)
	MEDFW_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif
