/* CISA Known Exploited Vulnerabilities catalog: bounded parse and lookup by CVE id
 * (docs/vuln-matching.md, "OSV, CSAF and KEV").
 *
 * The catalog follows CISA's JSON schema (testdata/kev/...schema.json): catalogVersion,
 * dateReleased (RFC 3339 date-time), count and vulnerabilities[] are required; each
 * entry needs cveID (CVE-YYYY-NNNN, 4 to 19 digits), vendorProject, product,
 * vulnerabilityName, dateAdded and dueDate (YYYY-MM-DD, real dates), shortDescription
 * and requiredAction; knownRansomwareCampaignUse, notes and cwes[] (CWE-N) are
 * optional. Wrong types and malformed values are refused with the JSON path
 * ("vulnerabilities[12].dueDate"). Beyond the schema: "count" must equal the number
 * of entries (a truncated download is refused) and a CVE id appears once (the join
 * key). Fields the schema does not name ("title") are kept where known and otherwise
 * ignored, as the schema allows.
 *
 * KEV is joined by CVE id only: vendorProject and product are free text, not CPEs.
 * Entries are sorted by CVE id; medfw_kev_lookup is a binary search.
 */
#ifndef MEDFW_KEV_H
#define MEDFW_KEV_H

#include <stddef.h>
#include <stdint.h>

#include "medfw/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MEDFW_KEV_MAX_BYTES (64u * 1024u * 1024u)
#define MEDFW_KEV_MAX_ENTRIES 200000u

enum medfw_kev_ransomware {
	MEDFW_KEV_RANSOMWARE_ABSENT = 0,  /* the field is absent */
	MEDFW_KEV_RANSOMWARE_UNKNOWN = 1, /* "Unknown": CISA lacks confirmation */
	MEDFW_KEV_RANSOMWARE_KNOWN = 2,   /* "Known" */
	MEDFW_KEV_RANSOMWARE_OTHER = 3,   /* another word (kept in the text field) */
};

struct medfw_kev_entry {
	const char *cve_id;
	const char *vendor_project;
	const char *product;
	const char *vulnerability_name;
	const char *date_added; /* YYYY-MM-DD */
	const char *short_description;
	const char *required_action;
	const char *due_date;   /* YYYY-MM-DD */
	enum medfw_kev_ransomware ransomware;
	const char *known_ransomware_campaign_use; /* as written, NULL when absent */
	const char *notes;                          /* NULL when absent */
	const char **cwes;
	size_t cwe_count;
};

/* A parsed catalog; everything owned by it, freed with medfw_kev_free. */
struct medfw_kev_catalog {
	const char *title; /* NULL when absent */
	const char *catalog_version;
	const char *date_released;
	int64_t count;
	struct medfw_kev_entry *entries; /* sorted by cve_id (byte order) */
	size_t entry_count;
	void *priv_; /* the storage; not for callers */
};

/* Parse a catalog from `len` bytes of JSON (at most MEDFW_KEV_MAX_BYTES). *out is a
 * new catalog (caller frees with medfw_kev_free), NULL on failure:
 * MEDFW_ERR_TOO_LARGE, MEDFW_ERR_TOO_DEEP, MEDFW_ERR_JSON_SYNTAX,
 * MEDFW_ERR_FIELD_MISSING / FIELD_TYPE / FIELD_VALUE naming the JSON path. */
enum medfw_err medfw_kev_parse(const uint8_t *data, size_t len, struct medfw_kev_catalog **out,
			       struct medfw_diag *diag) MEDFW_WARN_UNUSED;

void medfw_kev_free(struct medfw_kev_catalog *kev);

/* The entry for a CVE id (exact, case-sensitive "CVE-..."), or NULL. */
const struct medfw_kev_entry *medfw_kev_lookup(const struct medfw_kev_catalog *kev,
					       const char *cve_id);

#ifdef __cplusplus
}
#endif
#endif
