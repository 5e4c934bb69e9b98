/* CSAF 2.0 advisories: bounded parse, the resolved product tree, evaluation of a
 * component against one vulnerability, and the mandatory tests of section 6.1
 * (docs/vuln-matching.md, "OSV, CSAF and KEV").
 *
 * Parsing (medfw_csaf_parse) follows the CSAF 2.0 JSON schema
 * (testdata/csaf/schema/csaf_json_schema.json): required fields, JSON types,
 * enumerations, minLength / minItems / uniqueItems, the version_t pattern of
 * tracking.version and revision numbers, RFC 3339 date-times, CVE and CWE id
 * patterns; every failure names the JSON path. The 2.0 schema does not forbid
 * additional properties, so unknown fields are ignored. The schema's CVSS objects
 * (cvss_v2 / cvss_v3, FIRST's schemas) are read without requiring their fields:
 * a missing baseSeverity or an invalid vector is the validator's test 6.1.8, not a
 * parse failure, so that such a document can still be validated and reported.
 *
 * The product tree is resolved: every product_id defined by a branch leaf, by
 * full_product_names or by a relationship becomes a struct medfw_csaf_product with
 * its full name, identification helper, branch path (vendor, product_name,
 * product_version or product_version_range) and, for a relationship, the category
 * and the two products it combines. Semantic rules (one definition per id, no
 * undefined references, no cycles, ...) are NOT parse failures: they are the
 * mandatory tests of medfw_csaf_validate, which reports each violation.
 *
 * Evaluation (medfw_csaf_evaluate), the contract of medfw/vuln_match.h, for one
 * vulnerability of the document:
 *   identity   a product denotes the component through
 *              - a product-mapping entry (the caller's table for advisories that
 *                name products in words, like the medical advisories): `advisory_product`
 *                equal to the product's full name or its product_name branch (and
 *                `vendor`, when given, to its vendor branch), `model` equal to the
 *                component's name; the version is tested against the entry's vers
 *                range, or, without one, against the advisory's own product_version /
 *                product_version_range (vers text, or a vls constraint list such as
 *                "<= 12.1.3" read in the entry's scheme, "generic" by default; what
 *                cannot be read is UNDETERMINED);
 *              - the purl helper (medfw_purl_match when it has a version; the same
 *                package and the branch version otherwise);
 *              - the cpe helper, compared exactly after normalising both CPE 2.3
 *                formatted strings (2.2 URIs converted; case folded);
 *              - a model_numbers helper equal to the component's name;
 *              - a relationship product through its product_reference.
 *   status     known_affected / first_affected / last_affected -> AFFECTED;
 *              known_not_affected -> NOT_AFFECTED with the justification (the flag
 *              label and the impact threat's details) in the evidence; in a csaf_vex
 *              document a known_not_affected product without any impact statement
 *              is UNDETERMINED (the VEX profile requires one, 6.1.27.9);
 *              fixed / first_fixed -> NOT_AFFECTED (fixed); under_investigation ->
 *              UNDETERMINED; a product in contradicting groups -> UNDETERMINED.
 *              A component whose identity matches an affected product but whose
 *              version is decidably outside its version or range is NOT_AFFECTED.
 *   priority   AFFECTED, then UNDETERMINED, then NOT_AFFECTED; no product of the
 *              vulnerability denotes the component: NOT_RELEVANT.
 */
#ifndef MEDFW_CSAF_H
#define MEDFW_CSAF_H

#include <stddef.h>
#include <stdint.h>

#include "medfw/cvss.h"
#include "medfw/error.h"
#include "medfw/vuln_match.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MEDFW_CSAF_MAX_BYTES (32u * 1024u * 1024u)
#define MEDFW_CSAF_MAX_DEPTH 64u

/* ------------------------------------------------------------ the document */

struct medfw_csaf_note {
	const char *category; /* description, details, faq, general, legal_disclaimer, other, summary */
	const char *text;
	const char *title;    /* NULL when absent */
	const char *audience; /* NULL when absent */
};

struct medfw_csaf_reference {
	const char *category; /* "external" (the default) or "self" */
	const char *summary;
	const char *url;
};

struct medfw_csaf_revision {
	const char *date;
	const char *number;
	const char *summary;
	const char *legacy_version; /* NULL when absent */
};

struct medfw_csaf_hash {
	const char *algorithm;
	const char *value;
};

struct medfw_csaf_file_hashes {
	const char *filename;
	struct medfw_csaf_hash *file_hashes;
	size_t file_hash_count;
};

struct medfw_csaf_generic_uri {
	const char *namespace_;
	const char *uri;
};

/* product_identification_helper; every member NULL/0 when absent. */
struct medfw_csaf_helper {
	const char *cpe;
	const char *purl;
	struct medfw_csaf_file_hashes *hashes;
	size_t hash_count;
	const char **model_numbers;
	size_t model_number_count;
	const char **serial_numbers;
	size_t serial_number_count;
	const char **skus;
	size_t sku_count;
	const char **sbom_urls;
	size_t sbom_url_count;
	struct medfw_csaf_generic_uri *x_generic_uris;
	size_t x_generic_uri_count;
};

struct medfw_csaf_branch_step {
	const char *category; /* vendor, product_name, product_version, ... */
	const char *name;
};

enum medfw_csaf_origin {
	MEDFW_CSAF_FROM_BRANCH = 1,
	MEDFW_CSAF_FROM_FULL_PRODUCT_NAMES = 2,
	MEDFW_CSAF_FROM_RELATIONSHIP = 3,
};

/* One definition of a product id (a document that defines an id twice has two). */
struct medfw_csaf_product {
	const char *product_id;
	const char *name; /* the full product name */
	enum medfw_csaf_origin origin;
	const char *json_path; /* where it is defined */
	int has_helper;
	struct medfw_csaf_helper helper;
	/* branch leaves: the path from the root, and the nearest branch of each kind */
	const struct medfw_csaf_branch_step *branch_path;
	size_t branch_depth;
	const char *vendor;        /* NULL when none */
	const char *product_name;  /* NULL when none */
	const char *version;       /* product_version branch, NULL when none */
	const char *version_range; /* product_version_range branch, NULL when none */
	/* relationships */
	const char *relationship;   /* default_component_of, installed_on, ... */
	const char *product_reference;
	const char *relates_to_product_reference;
	const struct medfw_csaf_product *component; /* resolved product_reference, or NULL */
	const struct medfw_csaf_product *platform;  /* resolved relates_to, or NULL */
};

struct medfw_csaf_group {
	const char *group_id;
	const char **product_ids;
	size_t product_id_count;
	const char *summary;
};

/* product_status groups, in schema order. */
enum medfw_csaf_status {
	MEDFW_CSAF_FIRST_AFFECTED = 0,
	MEDFW_CSAF_FIRST_FIXED = 1,
	MEDFW_CSAF_FIXED = 2,
	MEDFW_CSAF_KNOWN_AFFECTED = 3,
	MEDFW_CSAF_KNOWN_NOT_AFFECTED = 4,
	MEDFW_CSAF_LAST_AFFECTED = 5,
	MEDFW_CSAF_RECOMMENDED = 6,
	MEDFW_CSAF_UNDER_INVESTIGATION = 7,
	MEDFW_CSAF_STATUS_COUNT = 8,
};

/* "first_affected", ...; NULL outside the enum. */
const char *medfw_csaf_status_name(enum medfw_csaf_status status);

struct medfw_csaf_flag {
	const char *label;
	const char *date;
	const char **product_ids;
	size_t product_id_count;
	const char **group_ids;
	size_t group_id_count;
};

struct medfw_csaf_threat {
	const char *category; /* impact, exploit_status, target_set */
	const char *details;
	const char *date;
	const char **product_ids;
	size_t product_id_count;
	const char **group_ids;
	size_t group_id_count;
};

struct medfw_csaf_remediation {
	const char *category; /* vendor_fix, workaround, mitigation, none_available, no_fix_planned */
	const char *details;
	const char *date;
	const char *url;
	const char **entitlements;
	size_t entitlement_count;
	const char **product_ids;
	size_t product_id_count;
	const char **group_ids;
	size_t group_id_count;
	const char *restart_category; /* restart_required.category, NULL when absent */
	const char *restart_details;
};

struct medfw_csaf_involvement {
	const char *party;
	const char *status;
	const char *date; /* NULL when absent */
	const char *summary;
};

struct medfw_csaf_property {
	const char *name;
	const char *value; /* string properties only */
};

/* One cvss_v2 or cvss_v3 object as written (fields NULL / has_* 0 when absent). */
struct medfw_csaf_cvss {
	int present;
	const char *problem; /* the first violation of FIRST's schema (6.1.8), NULL if none */
	const char *version;
	const char *vector;
	int vector_valid;         /* the vector parsed (cvss below) */
	struct medfw_cvss cvss;   /* parsed vector with computed scores */
	int has_base_score, has_temporal_score, has_environmental_score;
	int base_score, temporal_score, environmental_score; /* tenths as written */
	int scores_exact; /* every score given is a multiple of 0.1 within 0..10 */
	const char *base_severity, *temporal_severity, *environmental_severity;
	struct medfw_csaf_property *properties; /* the other string properties */
	size_t property_count;
};

struct medfw_csaf_score {
	const char **products;
	size_t product_count;
	struct medfw_csaf_cvss cvss_v2;
	struct medfw_csaf_cvss cvss_v3;
};

struct medfw_csaf_vulnerability {
	const char *cve;      /* NULL when absent */
	const char *title;
	const char *cwe_id, *cwe_name;
	const char *discovery_date, *release_date;
	struct medfw_csaf_id {
		const char *system_name;
		const char *text;
	} *ids;
	size_t id_count;
	struct medfw_csaf_note *notes;
	size_t note_count;
	struct medfw_csaf_reference *references;
	size_t reference_count;
	struct medfw_csaf_involvement *involvements;
	size_t involvement_count;
	int has_product_status;
	const char **status[MEDFW_CSAF_STATUS_COUNT];
	size_t status_count[MEDFW_CSAF_STATUS_COUNT];
	struct medfw_csaf_flag *flags;
	size_t flag_count;
	struct medfw_csaf_threat *threats;
	size_t threat_count;
	struct medfw_csaf_remediation *remediations;
	size_t remediation_count;
	struct medfw_csaf_score *scores;
	size_t score_count;
};

/* A parsed document. Everything is owned by it; freed with medfw_csaf_free. */
struct medfw_csaf_doc {
	const char *category;
	const char *csaf_version;
	const char *title;
	const char *lang, *source_lang;
	const char *publisher_category, *publisher_name, *publisher_namespace;
	const char *publisher_contact_details, *publisher_issuing_authority;
	const char *tracking_id;
	const char *tracking_status; /* draft, final, interim */
	const char *tracking_version;
	const char *initial_release_date, *current_release_date;
	const char **tracking_aliases;
	size_t tracking_alias_count;
	struct medfw_csaf_revision *revisions;
	size_t revision_count;
	const char *generator_engine_name, *generator_engine_version, *generator_date;
	const char *tlp_label, *tlp_url, *distribution_text;
	const char *aggregate_severity, *aggregate_severity_namespace;
	struct medfw_csaf_note *notes;
	size_t note_count;
	struct medfw_csaf_reference *references;
	size_t reference_count;
	int has_product_tree;
	struct medfw_csaf_product *products; /* every definition, in document order */
	size_t product_count;
	struct medfw_csaf_group *groups;
	size_t group_count;
	int has_vulnerabilities;
	struct medfw_csaf_vulnerability *vulnerabilities;
	size_t vulnerability_count;
	void *priv_; /* storage and indexes; not for callers */
};

/* Parse a CSAF 2.0 document from `len` bytes of JSON (at most MEDFW_CSAF_MAX_BYTES).
 * *out is a new document (caller frees with medfw_csaf_free), NULL on failure:
 * MEDFW_ERR_TOO_LARGE, MEDFW_ERR_TOO_DEEP, MEDFW_ERR_JSON_SYNTAX, MEDFW_ERR_FIELD_*
 * with the JSON path in diag. */
enum medfw_err medfw_csaf_parse(const uint8_t *data, size_t len, struct medfw_csaf_doc **out,
				struct medfw_diag *diag) MEDFW_WARN_UNUSED;

void medfw_csaf_free(struct medfw_csaf_doc *doc);

/* The first definition of a product id, or NULL (binary search). */
const struct medfw_csaf_product *medfw_csaf_product_find(const struct medfw_csaf_doc *doc,
							 const char *product_id);

/* The product group, or NULL. */
const struct medfw_csaf_group *medfw_csaf_group_find(const struct medfw_csaf_doc *doc,
						     const char *group_id);

/* The CVSS object that scores `product_id` in vulnerability `vuln_index`: the first
 * cvss_v3 with a valid vector naming the product, else the first such cvss_v2; NULL
 * when none (or the index is out of range). Its `base_score` is the document's,
 * `cvss.base_score` the one computed from the vector. */
const struct medfw_csaf_cvss *medfw_csaf_cvss_for(const struct medfw_csaf_doc *doc,
						  size_t vuln_index, const char *product_id);

/* ------------------------------------------------------------ evaluation */

/* One entry of the product-mapping table: what an advisory's product text means in
 * our inventory (borrowed strings). */
struct medfw_csaf_product_map {
	const char *vendor;           /* the advisory's vendor branch name; NULL: any */
	const char *advisory_product; /* a product's full name, or its product_name branch */
	const char *model;            /* the component it denotes (component->name), exactly */
	const char *versions;         /* vers range of our versions it covers; NULL: the
					 advisory's own version / range */
	const char *scheme;           /* vers type for the advisory's own versions and vls
					 ranges; NULL: "generic" */
};

/* Evaluate vulnerability `vuln_index` of `doc` for component `c`, with an optional
 * product-mapping table. MEDFW_OK with out->outcome set; MEDFW_ERR_INVALID_ARG for
 * NULL arguments or an index out of range, MEDFW_ERR_NOMEM. *out is fully written in
 * every case. Evidence: rule "<tracking.id> <CVE or ids> product_status.<group>
 * <product_id> (<full name>)", comparison naming the identity rule, the version test
 * and, for NOT_AFFECTED, the justification. */
enum medfw_err medfw_csaf_evaluate(const struct medfw_csaf_doc *doc, size_t vuln_index,
				   const struct medfw_vuln_component *c,
				   const struct medfw_csaf_product_map *map, size_t map_count,
				   struct medfw_vuln_verdict *out, struct medfw_diag *diag)
	MEDFW_WARN_UNUSED;

/* ------------------------------------------------------------ validation */

#define MEDFW_CSAF_REPORT_MAX 1000u /* findings kept; more set `truncated` */

struct medfw_csaf_finding {
	char test[16];     /* "6.1.1", "6.1.27.9", ... */
	char message[256]; /* what is wrong, with the JSON path */
};

/* Zero it before the first use; free with medfw_csaf_report_free. */
struct medfw_csaf_report {
	struct medfw_csaf_finding *findings;
	size_t count;
	size_t cap;
	int truncated;
};

/* Run the mandatory tests of CSAF 2.0 section 6.1 that medfw implements
 * (medfw_csaf_validator_tests) on a parsed document; findings are appended to
 * `report`. MEDFW_OK when the tests ran (the document is valid when report->count
 * is 0); MEDFW_ERR_NOMEM. Tests not implemented, and why, are listed in
 * docs/vuln-matching.md: 6.1.11 (CWE names need the CWE catalogue) and 6.1.12
 * (language subtags need the IANA registry). */
enum medfw_err medfw_csaf_validate(const struct medfw_csaf_doc *doc,
				   struct medfw_csaf_report *report, struct medfw_diag *diag)
	MEDFW_WARN_UNUSED;

void medfw_csaf_report_free(struct medfw_csaf_report *report);

/* 1 when the report has a finding of `test` ("6.1.6"), else 0. */
int medfw_csaf_report_has(const struct medfw_csaf_report *report, const char *test);

/* The implemented tests, NULL-terminated ("6.1.1", ..., "6.1.27.1", ...). */
const char *const *medfw_csaf_validator_tests(void);

#ifdef __cplusplus
}
#endif
#endif
