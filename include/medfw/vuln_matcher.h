/* The matcher: every SBOM component against every vulnerability source, combined into one
 * finding per (component, vulnerability) with all the evidence, pedigree patches, VEX,
 * KEV and severity (docs/vuln-matching.md, "Combining sources").
 *
 * Index (medfw_vuln_index_new). Records of a feed set are indexed by package identity so
 * that matching is not components x records: each record (for CSAF each vulnerability
 * of a document) gets normalised name keys (lowercase, '_' '.' and spaces as '-'): OSV
 * package names (and the part after the last '/' or ':'), purl names and repository
 * names; NVD criteria products of vulnerable cpeMatch entries; CVE 5 products,
 * packageName, packageURL and cpes[] products; CSAF products' purl / cpe helpers,
 * model numbers and product-mapping models. A component is evaluated against the
 * records sharing one of its keys (its name, purl name, CPE products) and against the
 * few records whose identity has no key (an NVD criteria with a wildcard product).
 * The keys only select candidates: each feed's evaluator decides identity exactly.
 * Vulnerability ids are joined into classes: a record's id with its OSV aliases (and
 * its only "upstream" id, e.g. a Red Hat advisory about one CVE), a CSAF
 * vulnerability's cve and ids[].text. The index borrows the feed set and the product
 * map: neither may change or be freed while it exists.
 *
 * Product map and CSAF. A map entry's advisory_products name products of every CSAF
 * document (advisories and VEX); its csaf_products name one product of one document
 * by (tracking id, product id). A feed document's is resolved when the index is built;
 * a CSAF VEX document's at each match, for that document's statements only (those
 * entries come first for them): "CSAFPID-0001 of 2022-EVD-UC-06-001 is our ABC 4.2"
 * makes its statements about CSAFPID-0001 apply to ABC at the entry's versions, as the
 * same entry would for an advisory.
 *
 * Combining (medfw_vuln_match). For each component (CycloneDX scope "excluded" ones
 * and SPDX build tools are skipped) the evaluators' verdicts of one vulnerability class
 * become one finding, each verdict kept as evidence. The sources' combined outcome:
 *   AFFECTED      if any source says AFFECTED (an evaluator says so only with identity);
 *   NOT_AFFECTED  else if a decisive source says NOT_AFFECTED: one that identified the
 *                 component and placed its version outside every affected range, or
 *                 states so (CSAF known_not_affected / fixed, CVE 5 unaffected, an
 *                 OSV withdrawal), undetermined sources notwithstanding;
 *   UNDETERMINED  otherwise (every source undetermined): never counted safe.
 * Then, in precedence order: a VEX statement that applies (vex.h: the newest for this
 * vulnerability and this component or the SBOM's product) sets the status; else a
 * CycloneDX pedigree patch that resolves one of the class's ids makes it FIXED
 * (evidence "pedigree"); else the combined outcome is the status. An AFFECTED or
 * UNDER_INVESTIGATION VEX statement about a component no source matched is a finding
 * too. KEV (the CISA catalog, else NVD's cisaExploitAdd mirror) and severity (the
 * highest CVSS base score over the class's records: v2 / v3.x scored from the vector
 * with cvss.h, v4.0 as stated) are attached.
 *
 * Order: open findings (affected, under investigation, undetermined) before closed ones
 * (fixed, not affected); then KEV-listed first, known ransomware use first, higher
 * severity first, affected before under investigation before undetermined; then
 * vulnerability id, SBOM and component order. `priority` is the 1-based position.
 */
#ifndef MEDFW_VULN_MATCHER_H
#define MEDFW_VULN_MATCHER_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "medfw/csaf.h"
#include "medfw/cvss.h"
#include "medfw/error.h"
#include "medfw/sbom.h"
#include "medfw/vex.h"
#include "medfw/vuln_feed.h"
#include "medfw/vuln_match.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------ product-mapping table */

#define MEDFW_PRODUCT_MAP_MAX_BYTES (4u * 1024u * 1024u)
#define MEDFW_PRODUCT_MAP_MAX_ENTRIES 10000u

/* A CSAF product named by its document and product id. */
struct medfw_product_map_csaf {
	const char *document;   /* tracking.id */
	const char *product_id;
};

/* One entry of the product-mapping file: our model (an SBOM component's name) at our
 * releases is what advisories call these products. */
struct medfw_product_map_entry {
	const char *model;    /* the component name, exactly */
	const char *versions; /* vers range of our versions ("release" becomes an exact
			       * range); NULL: the advisory's own versions decide */
	const char *vendor;   /* the advisory's vendor branch; NULL: any */
	const char *scheme;   /* vers type for the advisory's own versions; NULL: generic */
	const char **advisory_products; /* full product names or product_name branches */
	size_t advisory_product_count;
	const struct medfw_product_map_csaf *csaf_products;
	size_t csaf_product_count;
};

struct medfw_product_map {
	const char *source;
	const struct medfw_product_map_entry *entries;
	size_t entry_count;
	void *priv_; /* the storage; not for callers */
};

/* Parse a product-mapping file (docs/vuln-matching.md, "medfw vuln match"):
 *   {"mappings": [{"model": M, "release": R | "versions": VERS, "vendor": V,
 *                  "scheme": S, "advisory_products": [NAME...],
 *                  "csaf_products": [{"document": TRACKING_ID, "product_id": ID}...]}]}
 * model and one of advisory_products / csaf_products are required; unknown keys are
 * refused. *out is new (medfw_product_map_free), NULL on failure with the JSON path. */
enum medfw_err medfw_product_map_parse(const char *source, const uint8_t *data, size_t len,
				       struct medfw_product_map **out, struct medfw_diag *diag)
	MEDFW_WARN_UNUSED;
void medfw_product_map_free(struct medfw_product_map *map);

/* ------------------------------------------------------------------ index */

struct medfw_vuln_index;

/* Something the index or a match could not use, reported and skipped. */
struct medfw_match_problem {
	char source[MEDFW_FEED_PATH_MAX]; /* the file concerned */
	char json_path[MEDFW_VEX_JSON_PATH_MAX];
	char message[MEDFW_DIAG_MSG_MAX];
};

/* Build the index of `feeds` with an optional product map (NULL). *out is new
 * (medfw_vuln_index_free), NULL on failure (MEDFW_ERR_NOMEM, MEDFW_ERR_INVALID_ARG). */
enum medfw_err medfw_vuln_index_new(const struct medfw_feed_set *feeds,
				    const struct medfw_product_map *map,
				    struct medfw_vuln_index **out, struct medfw_diag *diag)
	MEDFW_WARN_UNUSED;

/* medfw_vuln_index_new told which VEX documents will be matched with the index (may be
 * NULL with vex_count 0): a map entry naming a product that one of these CSAF VEX
 * documents defines is then not a problem. They are only read during the call (the
 * matching itself uses the documents given to medfw_vuln_match). */
enum medfw_err medfw_vuln_index_new_vex(const struct medfw_feed_set *feeds,
					const struct medfw_product_map *map,
					const struct medfw_vex_doc *const *vex, size_t vex_count,
					struct medfw_vuln_index **out, struct medfw_diag *diag)
	MEDFW_WARN_UNUSED;
void medfw_vuln_index_free(struct medfw_vuln_index *index);

/* Mapping entries that name a CSAF product no loaded feed document defines, nor (with
 * medfw_vuln_index_new_vex) one of the given CSAF VEX documents. */
size_t medfw_vuln_index_problem_count(const struct medfw_vuln_index *index);
const struct medfw_match_problem *medfw_vuln_index_problem(const struct medfw_vuln_index *index,
							  size_t i);

/* Evaluation units indexed (a record; for CSAF one vulnerability of a document) and
 * those evaluated against every component (no package key). */
size_t medfw_vuln_index_entry_count(const struct medfw_vuln_index *index);
size_t medfw_vuln_index_unkeyed_count(const struct medfw_vuln_index *index);

/* --------------------------------------------------------------- findings */

enum medfw_finding_status {
	MEDFW_FINDING_UNDETERMINED = 0, /* zero: an unset status fails closed */
	MEDFW_FINDING_AFFECTED = 1,
	MEDFW_FINDING_NOT_AFFECTED = 2,
	MEDFW_FINDING_FIXED = 3,
	MEDFW_FINDING_UNDER_INVESTIGATION = 4,
};

/* "undetermined", "affected", "not_affected", "fixed", "under_investigation". */
const char *medfw_finding_status_name(enum medfw_finding_status status);

/* 1 for the statuses that need action or review (affected, under investigation,
 * undetermined), 0 for fixed and not affected. */
int medfw_finding_status_open(enum medfw_finding_status status);

/* One source's verdict. Strings are borrowed from the feed set. */
struct medfw_finding_evidence {
	enum medfw_feed_format format;
	const char *record_id;
	const char *file;
	const char *json_path; /* the record's place in its file */
	struct medfw_vuln_verdict verdict;
};

struct medfw_finding_severity {
	int score_tenths;                /* MEDFW_CVSS_NO_SCORE when no source scores it */
	enum medfw_cvss_version version;
	char vector[MEDFW_CVSS_VECTOR_MAX + 1];
	char source[96];                 /* "nvd CVE-2022-0778 (nvd@nist.gov)" */
};

struct medfw_finding_kev {
	int listed;
	const char *date_added;          /* YYYY-MM-DD; NULL when not listed */
	const char *due_date;            /* NULL when not listed or unknown */
	const char *ransomware;          /* knownRansomwareCampaignUse; NULL when absent */
	const char *source;              /* "CISA KEV catalog", "NVD cisaExploitAdd" */
};

struct medfw_finding {
	size_t sbom_index;
	const char *sbom_source;
	size_t component_index;
	const struct medfw_sbom_component *component; /* borrowed from the SBOM */
	const char *vuln_id;                          /* a CVE id when the class has one */
	const char **aliases;                         /* the class's other ids, sorted */
	size_t alias_count;
	enum medfw_finding_status status;
	enum medfw_vuln_outcome sources_outcome;      /* the sources combined; NOT_RELEVANT
						       * for a VEX-only finding */
	struct medfw_finding_evidence *evidence;
	size_t evidence_count;
	int pedigree;                                 /* a pedigree patch resolves it */
	char pedigree_rule[MEDFW_VULN_EVIDENCE_MAX];
	const struct medfw_vex_statement *vex;        /* the statement that applied, or NULL */
	const struct medfw_vex_doc *vex_doc;
	int vex_direct;                               /* about the component (else: the product) */
	char vex_rule[MEDFW_VULN_EVIDENCE_MAX];
	struct medfw_finding_kev kev;
	struct medfw_finding_severity severity;
	size_t priority;                              /* 1 = first */
};

struct medfw_match_result {
	struct medfw_finding *findings; /* in priority order */
	size_t finding_count;
	struct medfw_match_problem *problems; /* ignored VEX statements, unreadable components */
	size_t problem_count;
	size_t components;   /* components evaluated */
	size_t evaluations;  /* evaluator calls made */
	void *priv_;         /* storage; not for callers */
};

/* One SBOM to match, with the name it is reported under. */
struct medfw_match_sbom {
	const struct medfw_sbom *sbom;
	const char *source;
};

/* Match SBOMs against the index, with VEX documents (may be NULL with vex_count 0).
 * *out is new (medfw_match_result_free); it borrows the SBOMs, VEX documents, index and
 * feed set, which must outlive it. MEDFW_ERR_NOMEM, MEDFW_ERR_INVALID_ARG; an
 * evaluator that cannot read a component (a CPE or purl the SBOM got wrong) makes that
 * evidence UNDETERMINED with the reason and adds a problem. */
enum medfw_err medfw_vuln_match(const struct medfw_vuln_index *index,
				const struct medfw_match_sbom *sboms, size_t sbom_count,
				const struct medfw_vex_doc *const *vex, size_t vex_count,
				struct medfw_match_result **out, struct medfw_diag *diag)
	MEDFW_WARN_UNUSED;
void medfw_match_result_free(struct medfw_match_result *result);

/* The JSON of one finding (docs/vuln-matching.md shows the shape); NULL when out of
 * memory. The caller owns the reference. */
json_t *medfw_finding_json(const struct medfw_finding *finding);

#ifdef __cplusplus
}
#endif
#endif
