/* VEX (Vulnerability Exploitability eXchange): CycloneDX VEX and CSAF VEX read into one
 * statement model, and the test of whether a statement applies to an SBOM component
 * (docs/vuln-matching.md, "VEX").
 *
 * A statement says: vulnerability V (with its aliases) has status S for subject C,
 * because of justification J (with detail D), as of timestamp T, from file F at JSON
 * path P. Statuses:
 *
 *   CycloneDX analysis.state            CSAF product_status              status
 *   exploitable                         known_affected, first_/last_     AFFECTED
 *   not_affected, false_positive        known_not_affected               NOT_AFFECTED
 *   resolved, resolved_with_pedigree    fixed, first_fixed               FIXED
 *   in_triage                           under_investigation              UNDER_INVESTIGATION
 *
 * CycloneDX VEX (specVersion 1.4, 1.5, 1.6): one statement per vulnerabilities[i] x
 * affects[j]. The subject is affects[j].ref: a bom-ref, or a BOM-Link
 * "urn:cdx:<uuid>/<version>#<bom-ref>" into another BOM (serial number and version must
 * then match the SBOM). When the VEX document declares that ref itself (metadata.
 * component or components[]), its version and purl narrow the subject: a statement
 * about "DEF" 1.0 is not about "DEF" 1.1. A ref that is a purl ("pkg:...") also names
 * the subject by purl. affects[j].versions[] (each one "version" or a vers "range",
 * status affected (default) / unaffected / unknown) limits the statement to those
 * versions; "unknown" makes it UNDER_INVESTIGATION for that version, and a version
 * entry whose explicit status contradicts the state (unaffected under exploitable,
 * affected under not_affected) is ignored for that version. The timestamp is
 * analysis.lastUpdated, else analysis.firstIssued, else the vulnerability's
 * "updated", else metadata.timestamp. ratings, advisories and the other fields are
 * not read (severity comes from the feeds).
 *
 * CSAF VEX (document.category "csaf_vex"; other CSAF documents are advisories and
 * belong in the feeds): one statement per vulnerability x product id in its
 * product_status. The subject is the CSAF product, which denotes an SBOM component by
 * the rules of medfw_csaf_evaluate (product-mapping table, purl / cpe helpers, model
 * numbers, relationships, then the product's version). The justification is the flag
 * labels covering the product; the detail its impact threats; the response its
 * remediation categories. The timestamp is tracking.current_release_date.
 *
 * The CISA minimum requirements: a NOT_AFFECTED statement needs a justification or an
 * impact statement (CycloneDX analysis.justification or analysis.detail; CSAF a flag
 * or an impact threat). One without is reported in the document's problems and not
 * kept; so is a vulnerability without analysis.state (a VDR entry, not a statement),
 * without affects[], or naming an undefined CSAF product. Malformed documents (not
 * JSON, wrong bomFormat / specVersion / category, a field of the wrong type, an enum
 * value outside the specification) are refused as a whole with the JSON path.
 *
 * Precedence (medfw_vex_precedes): for the same vulnerability and component, the
 * statement with the newest timestamp wins (one with a timestamp over one without);
 * equal timestamps: a statement about the component itself over one about the product
 * the SBOM describes, then the more cautious status (AFFECTED, UNDER_INVESTIGATION,
 * FIXED, NOT_AFFECTED), then the one loaded first.
 */
#ifndef MEDFW_VEX_H
#define MEDFW_VEX_H

#include <stddef.h>
#include <stdint.h>

#include "medfw/csaf.h"
#include "medfw/error.h"
#include "medfw/sbom.h"
#include "medfw/vuln_match.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MEDFW_VEX_MAX_BYTES (32u * 1024u * 1024u)
#define MEDFW_VEX_MAX_DEPTH 64u
#define MEDFW_VEX_MAX_STATEMENTS 100000u
#define MEDFW_VEX_JSON_PATH_MAX 160u

enum medfw_vex_format {
	MEDFW_VEX_CYCLONEDX = 1,
	MEDFW_VEX_CSAF = 2,
};

enum medfw_vex_status {
	MEDFW_VEX_STATUS_NONE = 0, /* "does not apply"; never the status of a kept statement */
	MEDFW_VEX_AFFECTED = 1,
	MEDFW_VEX_NOT_AFFECTED = 2,
	MEDFW_VEX_FIXED = 3,
	MEDFW_VEX_UNDER_INVESTIGATION = 4,
};

/* "affected", "not_affected", "fixed", "under_investigation"; "none". */
const char *medfw_vex_status_name(enum medfw_vex_status status);

/* CycloneDX affects[].versions[].status. */
enum medfw_vex_version_status {
	MEDFW_VEX_VERSION_AFFECTED = 0, /* the default */
	MEDFW_VEX_VERSION_UNAFFECTED = 1,
	MEDFW_VEX_VERSION_UNKNOWN = 2,
};

struct medfw_vex_version {
	const char *version; /* exactly one of version and range is set */
	const char *range;   /* vers text */
	enum medfw_vex_version_status status;
	int status_given;    /* the status was written (not the default) */
};

struct medfw_vex_statement {
	const char *vuln_id;
	const char **aliases; /* CycloneDX references[].id; CSAF cve and ids[].text */
	size_t alias_count;
	enum medfw_vex_status status;
	const char *state;         /* as written: "not_affected", "known_not_affected", ... */
	const char *justification; /* NULL when none */
	const char *detail;        /* the impact statement / analysis.detail; NULL when none */
	const char *response;      /* CycloneDX responses / CSAF remediation categories,
				    * comma-separated; NULL when none */
	const char *timestamp;     /* RFC 3339; NULL when the document gives none */
	const char *json_path;     /* "vulnerabilities[2].affects[0]", "vulnerabilities[0].
				    * product_status.known_not_affected[1]" */
	/* CycloneDX subject */
	const char *ref;             /* the bom-ref (a BOM-Link's fragment, decoded) */
	const char *bom_serial;      /* a BOM-Link's "urn:uuid:...", else NULL */
	int64_t bom_version;         /* a BOM-Link's version, else 0 */
	const char *subject_purl;    /* the ref when it is a purl, else the declared one */
	const char *subject_version; /* the version the VEX document declares for the ref */
	const struct medfw_vex_version *versions;
	size_t version_count;
	/* CSAF subject */
	const char *product_id;
	const struct medfw_csaf_product *product;
};

/* A statement that was not kept, and why. */
struct medfw_vex_problem {
	char json_path[MEDFW_VEX_JSON_PATH_MAX];
	char message[MEDFW_DIAG_MSG_MAX];
};

/* A parsed VEX document; everything is owned by it (medfw_vex_free). */
struct medfw_vex_doc {
	enum medfw_vex_format format;
	const char *source;             /* the name given to medfw_vex_parse */
	const char *serial_number;      /* CycloneDX serialNumber, NULL */
	const struct medfw_csaf_doc *csaf; /* CSAF: the document, NULL for CycloneDX */
	struct medfw_vex_statement *statements;
	size_t statement_count;
	struct medfw_vex_problem *problems;
	size_t problem_count;
	void *priv_; /* the storage; not for callers */
};

/* Parse a CycloneDX VEX or CSAF VEX document of `len` bytes (at most
 * MEDFW_VEX_MAX_BYTES); `source` names it in statements and messages. *out is a new
 * document (caller frees with medfw_vex_free), NULL on failure: MEDFW_ERR_TOO_LARGE,
 * MEDFW_ERR_TOO_DEEP, MEDFW_ERR_JSON_SYNTAX, MEDFW_ERR_FIELD_MISSING / FIELD_TYPE /
 * FIELD_VALUE with the JSON path in diag, MEDFW_ERR_NOMEM, MEDFW_ERR_INVALID_ARG. */
enum medfw_err medfw_vex_parse(const char *source, const uint8_t *data, size_t len,
			       struct medfw_vex_doc **out, struct medfw_diag *diag)
	MEDFW_WARN_UNUSED;

void medfw_vex_free(struct medfw_vex_doc *doc);

/* 1 when statement `s` is about vulnerability `id` (its id or one of its aliases). */
int medfw_vex_names(const struct medfw_vex_statement *s, const char *id);

/* Does statement `s` of `doc` apply to component `comp` of `sbom`? `view` is the
 * component as evaluators see it (CSAF identity); `map` the product-mapping table (may
 * be NULL with map_count 0). *out_status is the status the statement gives this
 * component, or MEDFW_VEX_STATUS_NONE when it does not apply; `why` (may be NULL)
 * receives the identity and version rule that decided. MEDFW_ERR_INVALID_ARG,
 * MEDFW_ERR_NOMEM. */
enum medfw_err medfw_vex_applies(const struct medfw_vex_doc *doc,
				 const struct medfw_vex_statement *s,
				 const struct medfw_sbom *sbom,
				 const struct medfw_sbom_component *comp,
				 const struct medfw_vuln_component *view,
				 const struct medfw_csaf_product_map *map, size_t map_count,
				 enum medfw_vex_status *out_status, char *why, size_t why_cap,
				 struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* 1 when statement `a` (about the component itself when a_direct, else about the SBOM's
 * product) takes precedence over `b` (the rules above), else 0. */
int medfw_vex_precedes(const struct medfw_vex_statement *a, enum medfw_vex_status a_status,
		       int a_direct, const struct medfw_vex_statement *b,
		       enum medfw_vex_status b_status, int b_direct);

#ifdef __cplusplus
}
#endif
#endif
