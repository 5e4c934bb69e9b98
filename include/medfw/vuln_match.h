/* What every vulnerability source's evaluator shares: the component being asked about,
 * the three outcomes, and the evidence a finding keeps (docs/vuln-matching.md).
 *
 * Each feed module (OSV, NVD CVE API 2.0, CVE JSON 5, CSAF 2.0, ...) parses its records
 * into its own strict model and answers, for one record and one component:
 *
 *     enum medfw_err medfw_<feed>_evaluate(const struct medfw_<feed>_record *r,
 *                                         const struct medfw_vuln_component *c,
 *                                         struct medfw_vuln_verdict *out,
 *                                         struct medfw_diag *diag);
 *
 * MEDFW_OK with out->outcome set, or an error for a broken call (never for "cannot
 * decide": that is the UNDETERMINED outcome). The rules every evaluator follows:
 *   - NOT_AFFECTED only when the record identifies this component (same package by
 *     purl rules, or a CPE that matches per NISTIR 7696, or the product names the
 *     record uses, exactly) AND the version is decidably outside every affected range;
 *     a record about another package is NOT_RELEVANT, which is not a finding at all;
 *   - UNDETERMINED when the identity matches but the version or the range cannot be
 *     interpreted (an unparseable version like "custom", an unknown scheme, a GIT range
 *     without a version list, an unknown platform in an AND configuration), never
 *     silently NOT_AFFECTED;
 *   - every outcome but NOT_RELEVANT carries evidence naming the record, the rule
 *     (which affected entry, range or configuration node) and the version comparison.
 */
#ifndef MEDFW_VULN_MATCH_H
#define MEDFW_VULN_MATCH_H

#include <stddef.h>

#include "medfw/error.h"

#ifdef __cplusplus
extern "C" {
#endif

enum medfw_vuln_outcome {
	MEDFW_VULN_UNDETERMINED = 0, /* zero: an unset verdict fails closed */
	MEDFW_VULN_AFFECTED = 1,
	MEDFW_VULN_NOT_AFFECTED = 2,
	MEDFW_VULN_NOT_RELEVANT = 3, /* the record is about something else */
};

/* "undetermined", "affected", "not_affected", "not_relevant". */
const char *medfw_vuln_outcome_name(enum medfw_vuln_outcome o);

/* The component asked about (borrowed strings; NULL when absent). */
struct medfw_vuln_component {
	const char *name;       /* the SBOM's name */
	const char *group;      /* CycloneDX group / namespace-like, may be NULL */
	const char *version;    /* as written in the SBOM, never normalised */
	const char *purl;       /* as written; parsed by the evaluator (medfw/purl.h) */
	const char *const *cpes; /* CPE 2.3 formatted strings (2.2 URIs converted first) */
	size_t cpe_count;
	const char *supplier;
};

#define MEDFW_VULN_EVIDENCE_MAX 512

struct medfw_vuln_verdict {
	enum medfw_vuln_outcome outcome;
	/* The record and the rule: e.g. "OSV-2022-1234 affected[0].ranges[1] (ECOSYSTEM
	 * Debian:12)" or "CVE-2023-0286 configurations[0].nodes[1].cpeMatch[3]". */
	char rule[MEDFW_VULN_EVIDENCE_MAX];
	/* The comparison that decided: e.g. "deb 1.1.1n-0+deb11u3 < fixed 1.1.1n-0+deb11u4",
	 * or why it could not be decided: "version \"custom\" is not a semver version". */
	char comparison[MEDFW_VULN_EVIDENCE_MAX];
	/* The fixed version when the record names one for the range that matched ("" else). */
	char fixed_version[128];
};

#ifdef __cplusplus
}
#endif
#endif
