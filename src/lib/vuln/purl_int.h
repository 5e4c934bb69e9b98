/* Internal: the registered purl types' rules (purl_types.c), used by purl.c. */
#ifndef MEDFW_VULN_PURL_INT_H
#define MEDFW_VULN_PURL_INT_H

#include "medfw/version.h"

enum medfwi_purl_ns {
	MEDFWI_NS_OPTIONAL = 0,
	MEDFWI_NS_REQUIRED = 1,
	MEDFWI_NS_PROHIBITED = 2,
};

#define MEDFWI_PURL_NS_LOWER 0x01u      /* namespace is case-insensitive */
#define MEDFWI_PURL_NAME_LOWER 0x02u    /* name is case-insensitive */
#define MEDFWI_PURL_VERSION_LOWER 0x04u /* version is case-insensitive */
#define MEDFWI_PURL_SUBPATH_LOWER 0x08u /* subpath is case-insensitive */
#define MEDFWI_PURL_NS_UPPER 0x10u      /* namespace is uppercase (cpan author ids) */
#define MEDFWI_PURL_NAME_PATH 0x20u     /* git: namespace = first segment, name = rest */

enum medfwi_purl_special {
	MEDFWI_PURL_SP_NONE = 0,
	MEDFWI_PURL_SP_PYPI,   /* runs of '-', '_', '.' in the name become '-' */
	MEDFWI_PURL_SP_MLFLOW, /* Databricks repositories: lowercase name */
	MEDFWI_PURL_SP_CPAN,   /* no "::" in the name */
	MEDFWI_PURL_SP_CHROME, /* name ^[a-p]{32}$, version ^\d+(\.\d+){0,3}$ */
	MEDFWI_PURL_SP_PUB,    /* name of [a-z0-9_] */
	MEDFWI_PURL_SP_SWID,   /* at most two namespace segments */
};

struct medfwi_purl_default {
	const char *key;
	const char *value;
};

struct medfwi_purl_type {
	const char *type;
	enum medfwi_purl_ns ns;
	unsigned flags;
	enum medfwi_purl_special special;
	const char *required_qualifier; /* NULL when none */
	struct medfwi_purl_default defaults[2];
	enum medfw_version_scheme scheme;
};

/* The rules of a registered type, or NULL. */
const struct medfwi_purl_type *medfwi_purl_type_find(const char *type);

#endif
