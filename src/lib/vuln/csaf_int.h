/* Internal: the CSAF product identity rules of medfw_csaf_evaluate, for the CSAF VEX
 * reader (vex.c), so that a VEX statement and an advisory denote a component the same
 * way. */
#ifndef MEDFW_VULN_CSAF_INT_H
#define MEDFW_VULN_CSAF_INT_H

#include <stddef.h>

#include "medfw/csaf.h"
#include "medfw/vuln_match.h"

enum medfwi_csaf_denotes {
	MEDFWI_CSAF_NONE = 0,  /* another product */
	MEDFWI_CSAF_IN = 1,    /* the product is the component at its version */
	MEDFWI_CSAF_OUT = 2,   /* same identity, the version is decidably not the product's */
	MEDFWI_CSAF_UNDET = 3, /* same identity, the version cannot be decided */
};

/* Does product `p` of `doc` denote component `c` (identity by product mapping, purl,
 * cpe, model number or relationship; then the version)? `how` receives the identity
 * rule and the version test for evidence. MEDFW_ERR_NOMEM only. */
enum medfw_err medfwi_csaf_denotes(const struct medfw_csaf_doc *doc,
				   const struct medfw_csaf_product *p,
				   const struct medfw_vuln_component *c,
				   const struct medfw_csaf_product_map *map, size_t map_count,
				   enum medfwi_csaf_denotes *out, char *how, size_t how_cap);

/* Do product_ids / group_ids name product `id` (directly or through a group)? */
int medfwi_csaf_covers(const struct medfw_csaf_doc *doc, const char *const *pids, size_t np,
		       const char *const *gids, size_t ng, const char *id);

#endif
