/* NVD CVE API 2.0: a strict model of its responses and the evaluation of a record's
 * configurations against one component (include/medfw/vuln_match.h has the rules every
 * evaluator follows; docs/vuln-matching.md, "CPE, NVD and CVE 5", the details).
 *
 * Parsing. A response page ({"resultsPerPage", "startIndex", "totalResults", "format":
 * "NVD_CVE", "version": "2.0", "timestamp", "vulnerabilities": [{"cve": {...}}]}) or a
 * single CVE object (a mirrored record; also accepted wrapped as {"cve": {...}}). Known
 * fields are checked for type, format and bounds; unknown fields are ignored (the
 * published schema is older than the live data: cveTags, cvssMetricV40, ssvc metrics,
 * "affected" blocks). Errors name the JSON path ("vulnerabilities[3].cve.
 * configurations[0].nodes[1].cpeMatch[2].criteria: ..."). In a page, a record that fails
 * is reported in `errors` and skipped; the others are kept. A page whose envelope is
 * wrong fails as a whole.
 *
 * Evaluation. A cpeMatch hits a component CPE when
 *   - vendor and product of the criteria are EQUAL to or a SUPERSET of the component's
 *     (NISTIR 7696); otherwise the cpeMatch is about another product;
 *   - no other attribute is DISJOINT; an attribute the component leaves ANY while the
 *     criteria names a value (part, update, edition, sw_edition, target_sw, target_hw,
 *     language, other), or one with wildcards on the component side, makes the hit
 *     UNDETERMINED (the component does not say which one it is);
 *   - the version fits: with versionStart/End bounds, the component's version compared
 *     with each bound; with a concrete criteria version (joined with a concrete update,
 *     "1.3" + "rc2" = "1.3-rc2"), equality; NA ("-") only a component without a
 *     version; ANY without bounds, every version. Versions compare in the scheme of the
 *     component's purl type (medfw_purl_version_scheme), else in the generic scheme; a
 *     version that cannot be compared makes the hit UNDETERMINED.
 * The component's version is its SBOM version, or, when it has none, the version (and
 * update) of its CPE.
 *
 * A configuration's nodes combine with AND/OR (the configuration's operator, OR when
 * absent; each node's own operator over its cpeMatch), negate inverts, in three-valued
 * logic. `vulnerable:false` entries are conditions (a platform: the hardware, the OS)
 * and never a finding by themselves: the component is AFFECTED only when a
 * vulnerable:true cpeMatch hits it in a configuration that holds. A condition is
 * evaluated against the component's CPEs and the platform's CPEs; without a platform
 * (medfw_nvd_evaluate) a condition the component does not meet itself is unknown, so
 * an AND configuration that needs it is UNDETERMINED; with a platform
 * (medfw_nvd_evaluate_on) the platform is taken as complete: a condition it does not
 * meet is false.
 *
 * Outcome over all configurations: AFFECTED if one configuration makes it so; else
 * UNDETERMINED if one could not be decided; else NOT_AFFECTED when some cpeMatch was
 * about this product (vendor/product); else NOT_RELEVANT. A rejected record
 * (vulnStatus "Rejected") and a record without configurations (not analysed yet) are
 * NOT_RELEVANT, with the reason in the verdict's rule.
 */
#ifndef MEDFW_NVD_H
#define MEDFW_NVD_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "medfw/cpe.h"
#include "medfw/error.h"
#include "medfw/vuln_match.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Limits. */
#define MEDFW_NVD_MAX_PAGE_BYTES (128u * 1024u * 1024u)
#define MEDFW_NVD_MAX_RECORD_BYTES (16u * 1024u * 1024u)
#define MEDFW_NVD_MAX_DEPTH 16u
#define MEDFW_NVD_MAX_PAGE_RECORDS 2000u    /* the API's largest resultsPerPage */
#define MEDFW_NVD_MAX_CONFIGURATIONS 1024u
#define MEDFW_NVD_MAX_NODES 256u            /* per configuration */
#define MEDFW_NVD_MAX_CPE_MATCHES 50000u    /* per record, all nodes together */
#define MEDFW_NVD_MAX_REFERENCES 4096u
#define MEDFW_NVD_MAX_DESCRIPTIONS 64u
#define MEDFW_NVD_MAX_METRICS 64u           /* per CVSS version */
#define MEDFW_NVD_MAX_WEAKNESSES 64u
#define MEDFW_NVD_MAX_TEXT 65536u           /* bytes of a description */
#define MEDFW_NVD_MAX_STRING 4096u          /* bytes of any other string */
#define MEDFW_NVD_MAX_PLATFORM_CPES 1024u

enum medfw_nvd_operator {
	MEDFW_NVD_OR = 0,
	MEDFW_NVD_AND = 1,
};

enum medfw_nvd_cvss_version {
	MEDFW_NVD_CVSS_V40 = 0,
	MEDFW_NVD_CVSS_V31 = 1,
	MEDFW_NVD_CVSS_V30 = 2,
	MEDFW_NVD_CVSS_V2 = 3,
};

struct medfw_nvd_cpe_match {
	int vulnerable;                /* 0: a condition (platform), never a finding */
	char *criteria;                /* as written */
	struct medfw_cpe *cpe;         /* the parsed criteria */
	char *match_criteria_id;       /* UUID, uppercase as NVD writes it; NULL when absent */
	char *version_start;           /* NULL when absent */
	int version_start_including;   /* 1: versionStartIncluding, 0: ...Excluding */
	char *version_end;             /* NULL when absent */
	int version_end_including;
};

struct medfw_nvd_node {
	enum medfw_nvd_operator operator_;
	int negate;
	struct medfw_nvd_cpe_match *matches;
	size_t match_count;
};

struct medfw_nvd_configuration {
	enum medfw_nvd_operator operator_; /* OR when absent */
	int negate;
	struct medfw_nvd_node *nodes;
	size_t node_count;
};

struct medfw_nvd_metric {
	enum medfw_nvd_cvss_version version;
	char *source;          /* e.g. "nvd@nist.gov" */
	int primary;           /* "type": "Primary" (1) or "Secondary" (0) */
	unsigned base_score_tenths; /* 0..100: 9.8 is 98 */
	char *severity;        /* "CRITICAL", ...; v2: the metric's baseSeverity; NULL if none */
	char *vector;          /* vectorString */
};

struct medfw_nvd_weakness {
	char *source;
	int primary;
	char **cwes;           /* description values in English ("CWE-22", "NVD-CWE-noinfo") */
	size_t cwe_count;
};

/* One CVE. Owned; medfw_nvd_record_free. */
struct medfw_nvd_record {
	char *id;                 /* "CVE-2022-0778" */
	char *source_identifier;  /* NULL when absent */
	char *published;          /* as written, e.g. "2022-03-15T17:15:08.513" */
	char *last_modified;
	char *vuln_status;        /* "Analyzed", "Modified", "Rejected", ...; NULL if absent */
	int withdrawn;            /* vulnStatus "Rejected" */
	char *description;        /* the English description; NULL when there is none */
	char *cisa_exploit_add;   /* KEV mirror (YYYY-MM-DD) or NULL */
	char *cisa_action_due;
	/* Metrics, newest CVSS version first and, within one version, Primary first. */
	struct medfw_nvd_metric *metrics;
	size_t metric_count;
	struct medfw_nvd_weakness *weaknesses;
	size_t weakness_count;
	char **references;        /* URLs */
	size_t reference_count;
	struct medfw_nvd_configuration *configurations;
	size_t configuration_count;
};

/* A record of a page that could not be parsed. */
struct medfw_nvd_page_error {
	size_t index;             /* in vulnerabilities[] */
	char id[32];              /* the CVE id when it could be read, else "" */
	enum medfw_err err;
	char message[MEDFW_DIAG_MSG_MAX];
};

/* A response page. Owned; medfw_nvd_page_free. */
struct medfw_nvd_page {
	int64_t results_per_page;
	int64_t start_index;
	int64_t total_results;
	char *timestamp;
	struct medfw_nvd_record **records; /* those that parsed, in page order */
	size_t record_count;
	struct medfw_nvd_page_error *errors; /* those that did not */
	size_t error_count;
};

/* The device's other identities for conditions (vulnerable:false entries): CPE names
 * (formatted strings or URIs) of its hardware, OS, ... Taken as complete. */
struct medfw_nvd_platform {
	const char *const *cpes;
	size_t cpe_count;
};

/* Parse a response page of `len` bytes. *out is a new page (caller frees with
 * medfw_nvd_page_free), NULL on failure. Records that fail are in (*out)->errors. */
enum medfw_err medfw_nvd_page_parse(const uint8_t *data, size_t len,
				    struct medfw_nvd_page **out, struct medfw_diag *diag)
	MEDFW_WARN_UNUSED;

/* Parse one CVE object (bare, or wrapped as {"cve": {...}}). *out is a new record
 * (caller frees with medfw_nvd_record_free), NULL on failure. */
enum medfw_err medfw_nvd_record_parse(const uint8_t *data, size_t len,
				      struct medfw_nvd_record **out, struct medfw_diag *diag)
	MEDFW_WARN_UNUSED;

/* The same from an already parsed CVE object; `path` prefixes error messages (e.g.
 * "vulnerabilities[3].cve"). */
enum medfw_err medfw_nvd_record_from_json(const json_t *cve, const char *path,
					  struct medfw_nvd_record **out, struct medfw_diag *diag)
	MEDFW_WARN_UNUSED;

void medfw_nvd_record_free(struct medfw_nvd_record *record);
void medfw_nvd_page_free(struct medfw_nvd_page *page);

/* Evaluate a record against a component (vuln_match.h) without platform knowledge.
 * MEDFW_OK with out->outcome set. Errors (out is then cleared: UNDETERMINED):
 * MEDFW_ERR_INVALID_ARG for NULL arguments, MEDFW_ERR_FIELD_VALUE naming the CPE when a
 * component CPE or purl cannot be parsed even in lenient mode (the SBOM's data is
 * wrong; it is not silently skipped), MEDFW_ERR_TOO_LARGE past
 * MEDFW_NVD_MAX_PLATFORM_CPES CPEs. */
enum medfw_err medfw_nvd_evaluate(const struct medfw_nvd_record *record,
				  const struct medfw_vuln_component *component,
				  struct medfw_vuln_verdict *out, struct medfw_diag *diag)
	MEDFW_WARN_UNUSED;

/* The same with the device's platform (NULL: unknown, as medfw_nvd_evaluate). A
 * platform CPE that cannot be parsed, or more than MEDFW_NVD_MAX_PLATFORM_CPES, is
 * MEDFW_ERR_FIELD_VALUE / MEDFW_ERR_TOO_LARGE: the caller's data is wrong. */
enum medfw_err medfw_nvd_evaluate_on(const struct medfw_nvd_record *record,
				     const struct medfw_vuln_component *component,
				     const struct medfw_nvd_platform *platform,
				     struct medfw_vuln_verdict *out, struct medfw_diag *diag)
	MEDFW_WARN_UNUSED;

/* "4.0", "3.1", "3.0", "2.0". */
const char *medfw_nvd_cvss_version_name(enum medfw_nvd_cvss_version version);

#ifdef __cplusplus
}
#endif
#endif
