/* CVE JSON 5 records (the CVE List, cvelistV5): a strict model and the evaluation of
 * their affected[] entries against one component (include/medfw/vuln_match.h has the
 * rules every evaluator follows; docs/vuln-matching.md, "CPE, NVD and CVE 5", the
 * details).
 *
 * Parsing. dataType "CVE_RECORD", dataVersion 5.x, cveMetadata (cveId, state PUBLISHED
 * or REJECTED), containers.cna and containers.adp[]: affected[], metrics (CVSS 4.0, 3.1,
 * 3.0, 2.0), descriptions, problemTypes, references. Checked as the 5.1 schema says:
 * an affected entry names vendor and product, or collectionURL and packageName, and has
 * versions or a defaultStatus; a version object is a single version (version, status,
 * maybe versionType) or a range (version, status, versionType and one of lessThan /
 * lessThanOrEqual, maybe changes); statuses are affected, unaffected or unknown. A
 * published record has a CNA container with affected[], descriptions and references;
 * a rejected one has rejectedReasons. Unknown fields are ignored (x_ extensions, ssvc,
 * timelines). Every list and string is bounded; errors name the JSON path.
 *
 * Evaluation. An affected entry is about the component when one of these holds:
 *   - its packageURL (a purl) names the same package as the component's purl;
 *   - collectionURL + packageName, read as a purl through the collection's registry
 *     (pypi.org, registry.npmjs.org, repo.maven.apache.org, crates.io, rubygems.org,
 *     nuget.org, packagist.org, proxy.golang.org, hex.pm, pub.dev, github.com, ...),
 *     name the component's package;
 *   - one of its cpes[] matches one of the component's CPEs (NISTIR 7696, strict);
 *   - vendor and product equal (trimmed, ASCII case-insensitive; "n/a" never matches)
 *     the component's supplier or group and name, or the namespace and name of a
 *     github purl (GitHub's CNA names products owner/repository).
 * Its status for the component's version (its SBOM version, or when it has none the
 * version and update of its first CPE that names one) follows the schema's algorithm: the first
 * version object that matches decides (a range: version <= V and V < lessThan, or
 * <= lessThanOrEqual, then the last change at or below V), else defaultStatus
 * (absent = unknown). Comparisons use the versionType's scheme (semver, rpm, deb,
 * python/pypi, npm, maven: none, ...; a versionType without a scheme, and "custom",
 * make a range undecidable); without a versionType the scheme of the component's purl
 * type, else the generic scheme. Conventions: "version": "0" is no lower bound, "*" is
 * no upper bound, "5.15.*" as an upper bound includes the whole 5.15 series. Semver
 * ranges accept the forms CNAs write under "semver" ("0", "6.12": missing components
 * are 0). A single version written as a GitHub range (">= 1.7.0, < 1.18.4") is read
 * as that range. A version object that cannot be decided does not stop the walk when
 * every status it could give agrees with the one that is finally chosen; otherwise the
 * entry is UNDETERMINED. git ranges (commit ids) do not apply to a release version: an
 * entry that has only those (the Linux CNA's git view beside its semver view) says
 * nothing about it.
 *
 * Outcome: AFFECTED if an entry about the component says affected; else UNDETERMINED if
 * one cannot decide (unknown status, undecidable versions, an entry restricted to
 * platforms[] the component's are not known for, or only git views); else NOT_AFFECTED
 * if one says unaffected; else NOT_RELEVANT. A REJECTED record is NOT_RELEVANT.
 */
#ifndef MEDFW_CVE5_H
#define MEDFW_CVE5_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "medfw/error.h"
#include "medfw/vuln_match.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Limits. */
#define MEDFW_CVE5_MAX_RECORD_BYTES (16u * 1024u * 1024u)
#define MEDFW_CVE5_MAX_DEPTH 32u
#define MEDFW_CVE5_MAX_ADP 64u
#define MEDFW_CVE5_MAX_AFFECTED 4096u      /* per container */
#define MEDFW_CVE5_MAX_VERSIONS 20000u     /* per record, all entries together */
#define MEDFW_CVE5_MAX_CHANGES 1024u       /* per version object */
#define MEDFW_CVE5_MAX_LIST 1024u          /* cpes, platforms, descriptions, metrics, ... */
#define MEDFW_CVE5_MAX_REFERENCES 4096u
#define MEDFW_CVE5_MAX_TEXT 65536u         /* bytes of a description */
#define MEDFW_CVE5_MAX_STRING 4096u        /* bytes of a name, URL, ... */
#define MEDFW_CVE5_MAX_VERSION 1024u       /* bytes of a version (the schema's limit) */

enum medfw_cve5_state {
	MEDFW_CVE5_PUBLISHED = 0,
	MEDFW_CVE5_REJECTED = 1,
};

enum medfw_cve5_status {
	MEDFW_CVE5_UNKNOWN = 0,
	MEDFW_CVE5_AFFECTED = 1,
	MEDFW_CVE5_UNAFFECTED = 2,
};

enum medfw_cve5_cvss_version {
	MEDFW_CVE5_CVSS_V40 = 0,
	MEDFW_CVE5_CVSS_V31 = 1,
	MEDFW_CVE5_CVSS_V30 = 2,
	MEDFW_CVE5_CVSS_V20 = 3,
};

struct medfw_cve5_change {
	char *at;
	enum medfw_cve5_status status;
};

struct medfw_cve5_version {
	char *version;
	enum medfw_cve5_status status;
	char *version_type;        /* NULL when absent */
	char *less_than;           /* NULL when absent; at most one of the two */
	char *less_than_or_equal;
	struct medfw_cve5_change *changes;
	size_t change_count;
};

struct medfw_cve5_affected {
	char *vendor;              /* each NULL when absent */
	char *product;
	char *collection_url;
	char *package_name;
	char *package_url;         /* "packageURL" (a purl), when present */
	char *repo;
	char **cpes;
	size_t cpe_count;
	char **platforms;
	size_t platform_count;
	int has_default_status;
	enum medfw_cve5_status default_status; /* UNKNOWN when absent */
	struct medfw_cve5_version *versions;
	size_t version_count;
};

struct medfw_cve5_metric {
	enum medfw_cve5_cvss_version version;
	unsigned base_score_tenths; /* 0..100 */
	char *severity;             /* NULL when absent (CVSS 2.0) */
	char *vector;
};

struct medfw_cve5_container {
	char *provider;             /* providerMetadata.shortName, else orgId */
	struct medfw_cve5_affected *affected;
	size_t affected_count;
	struct medfw_cve5_metric *metrics; /* newest CVSS version first */
	size_t metric_count;
	char *description;          /* the first English description; NULL when none */
	char **cwes;                /* problemTypes[].descriptions[].cweId */
	size_t cwe_count;
	char **references;          /* URLs */
	size_t reference_count;
};

/* One record. Owned; medfw_cve5_record_free. */
struct medfw_cve5_record {
	char *id;                   /* cveMetadata.cveId */
	enum medfw_cve5_state state;
	char *data_version;         /* "5.1", ... */
	char *assigner;             /* assignerShortName, else assignerOrgId */
	char *date_published;       /* NULL when absent */
	char *date_updated;
	struct medfw_cve5_container cna;
	struct medfw_cve5_container *adp;
	size_t adp_count;
};

/* Parse a record of `len` bytes. *out is a new record (caller frees with
 * medfw_cve5_record_free), NULL on failure. */
enum medfw_err medfw_cve5_record_parse(const uint8_t *data, size_t len,
				       struct medfw_cve5_record **out, struct medfw_diag *diag)
	MEDFW_WARN_UNUSED;

/* The same from a parsed document; `path` prefixes messages (NULL: "record"). */
enum medfw_err medfw_cve5_record_from_json(const json_t *doc, const char *path,
					   struct medfw_cve5_record **out,
					   struct medfw_diag *diag) MEDFW_WARN_UNUSED;

void medfw_cve5_record_free(struct medfw_cve5_record *record);

/* Evaluate a record against a component (vuln_match.h). MEDFW_OK with out->outcome
 * set; MEDFW_ERR_INVALID_ARG for NULL arguments (out is then cleared: UNDETERMINED).
 * Component purls and CPEs are read leniently; one that cannot be read is
 * MEDFW_ERR_FIELD_VALUE naming it (the SBOM's data is wrong). */
enum medfw_err medfw_cve5_evaluate(const struct medfw_cve5_record *record,
				   const struct medfw_vuln_component *component,
				   struct medfw_vuln_verdict *out, struct medfw_diag *diag)
	MEDFW_WARN_UNUSED;

/* "affected", "unaffected", "unknown". */
const char *medfw_cve5_status_name(enum medfw_cve5_status status);

#ifdef __cplusplus
}
#endif
#endif
