/* SPDX 2.3 JSON (2.2 read the same way) -> the SBOM model.
 *
 * Packages and files become components; relationships become the model's parent links
 * (CONTAINS, CONTAINED_BY, hasFiles) and dependencies (DEPENDS_ON, DEPENDENCY_OF,
 * STATIC_LINK, DYNAMIC_LINK...); the one element the document DESCRIBES becomes the
 * product. The SPDX 2.3 JSON schema closes the objects read here
 * (additionalProperties: false): unknown fields are refused. The mapping is in
 * docs/formats/sbom.md. */
#include "vuln/sbom_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const struct medfwi_sbom_key root_keys[] = {
	{"$schema", 0},       {"SPDXID", 0},         {"annotations", 0},
	{"comment", 0},       {"creationInfo", 0},   {"dataLicense", 0},
	{"documentDescribes", 0}, {"documentNamespace", 0}, {"externalDocumentRefs", 0},
	{"files", 0},         {"hasExtractedLicensingInfos", 0}, {"name", 0},
	{"packages", 0},      {"relationships", 0},  {"revieweds", 0},
	{"snippets", 0},      {"spdxVersion", 0},
};
static const struct medfwi_sbom_key creation_keys[] = {
	{"comment", 0}, {"created", 0}, {"creators", 0}, {"licenseListVersion", 0},
};
static const struct medfwi_sbom_key package_keys[] = {
	{"SPDXID", 0},         {"annotations", 0},      {"attributionTexts", 0},
	{"builtDate", 0},      {"checksums", 0},        {"comment", 0},
	{"copyrightText", 0},  {"description", 0},      {"downloadLocation", 0},
	{"externalRefs", 0},   {"filesAnalyzed", 0},    {"hasFiles", 0},
	{"homepage", 0},       {"licenseComments", 0},  {"licenseConcluded", 0},
	{"licenseDeclared", 0}, {"licenseInfoFromFiles", 0}, {"name", 0},
	{"originator", 0},     {"packageFileName", 0},  {"packageVerificationCode", 0},
	{"primaryPackagePurpose", 0}, {"releaseDate", 0}, {"sourceInfo", 0},
	{"summary", 0},        {"supplier", 0},         {"validUntilDate", 0},
	{"versionInfo", 0},
};
static const struct medfwi_sbom_key file_keys[] = {
	{"SPDXID", 0},          {"annotations", 0},      {"artifactOfs", 0},
	{"attributionTexts", 0}, {"checksums", 0},       {"comment", 0},
	{"copyrightText", 0},   {"fileContributors", 0}, {"fileDependencies", 0},
	{"fileName", 0},        {"fileTypes", 0},        {"licenseComments", 0},
	{"licenseConcluded", 0}, {"licenseInfoInFiles", 0}, {"noticeText", 0},
};
static const struct medfwi_sbom_key checksum_keys[] = {{"algorithm", 0}, {"checksumValue", 0}};
static const struct medfwi_sbom_key extref_keys[] = {
	{"comment", 0}, {"referenceCategory", 0}, {"referenceLocator", 0}, {"referenceType", 0},
};
static const struct medfwi_sbom_key relationship_keys[] = {
	{"spdxElementId", 0}, {"comment", 0}, {"relatedSpdxElement", 0}, {"relationshipType", 0},
};

/* SPDX checksum algorithms: the CycloneDX algorithm, or keep = 0 for those CycloneDX
 * cannot express (validated, then dropped). hex_max > hex_min: variable length. */
static const struct {
	const char *name;
	int keep;
	enum medfw_sbom_hash_alg alg;
	size_t hex_min, hex_max;
} checksum_algs[] = {
	{"SHA1", 1, MEDFW_SBOM_HASH_SHA1, 40, 40},
	{"SHA256", 1, MEDFW_SBOM_HASH_SHA256, 64, 64},
	{"SHA384", 1, MEDFW_SBOM_HASH_SHA384, 96, 96},
	{"SHA512", 1, MEDFW_SBOM_HASH_SHA512, 128, 128},
	{"SHA3-256", 1, MEDFW_SBOM_HASH_SHA3_256, 64, 64},
	{"SHA3-384", 1, MEDFW_SBOM_HASH_SHA3_384, 96, 96},
	{"SHA3-512", 1, MEDFW_SBOM_HASH_SHA3_512, 128, 128},
	{"BLAKE2b-256", 1, MEDFW_SBOM_HASH_BLAKE2B_256, 64, 64},
	{"BLAKE2b-384", 1, MEDFW_SBOM_HASH_BLAKE2B_384, 96, 96},
	{"BLAKE2b-512", 1, MEDFW_SBOM_HASH_BLAKE2B_512, 128, 128},
	{"BLAKE3", 1, MEDFW_SBOM_HASH_BLAKE3, 64, 128},
	{"MD5", 1, MEDFW_SBOM_HASH_MD5, 32, 32},
	{"SHA224", 0, MEDFW_SBOM_HASH_MD5, 56, 56},
	{"MD2", 0, MEDFW_SBOM_HASH_MD5, 32, 32},
	{"MD4", 0, MEDFW_SBOM_HASH_MD5, 32, 32},
	{"MD6", 0, MEDFW_SBOM_HASH_MD5, 2, 128},
	{"ADLER32", 0, MEDFW_SBOM_HASH_MD5, 8, 8},
};

static const struct {
	const char *name;
	enum medfw_sbom_type type;
} purposes[] = {
	{"APPLICATION", MEDFW_SBOM_TYPE_APPLICATION},
	{"FRAMEWORK", MEDFW_SBOM_TYPE_FRAMEWORK},
	{"LIBRARY", MEDFW_SBOM_TYPE_LIBRARY},
	{"CONTAINER", MEDFW_SBOM_TYPE_CONTAINER},
	{"OPERATING_SYSTEM", MEDFW_SBOM_TYPE_OPERATING_SYSTEM},
	{"DEVICE", MEDFW_SBOM_TYPE_DEVICE},
	{"FIRMWARE", MEDFW_SBOM_TYPE_FIRMWARE},
	{"FILE", MEDFW_SBOM_TYPE_FILE},
	{"ARCHIVE", MEDFW_SBOM_TYPE_FILE},
	{"SOURCE", MEDFW_SBOM_TYPE_LIBRARY},
	{"INSTALL", MEDFW_SBOM_TYPE_APPLICATION},
	{"OTHER", MEDFW_SBOM_TYPE_LIBRARY},
};

static const char *const ref_categories[] = {
	"OTHER", "PERSISTENT-ID", "PERSISTENT_ID", "SECURITY", "PACKAGE-MANAGER", "PACKAGE_MANAGER",
};

/* What a relationship "A <type> B" means for the model. */
enum rel_action {
	REL_IGNORE,       /* kept out of the model (docs/formats/sbom.md says why) */
	REL_DESCRIBES,    /* DOCUMENT DESCRIBES B */
	REL_DESCRIBED_BY, /* A DESCRIBED_BY DOCUMENT */
	REL_CONTAINS,     /* B inside A */
	REL_CONTAINED_BY, /* A inside B */
	REL_DEP,          /* A depends on B */
	REL_DEP_OF,       /* B depends on A */
	REL_OPTIONAL_OF,  /* B depends on A, A optional */
	REL_BUILD_OF,     /* A is only needed to build / develop / test B */
};

static const struct {
	const char *name;
	enum rel_action action;
} relationships[] = {
	{"DESCRIBES", REL_DESCRIBES},
	{"DESCRIBED_BY", REL_DESCRIBED_BY},
	{"CONTAINS", REL_CONTAINS},
	{"CONTAINED_BY", REL_CONTAINED_BY},
	{"DEPENDS_ON", REL_DEP},
	{"STATIC_LINK", REL_DEP},
	{"DYNAMIC_LINK", REL_DEP},
	{"HAS_PREREQUISITE", REL_DEP},
	{"DEPENDENCY_OF", REL_DEP_OF},
	{"RUNTIME_DEPENDENCY_OF", REL_DEP_OF},
	{"PROVIDED_DEPENDENCY_OF", REL_DEP_OF},
	{"PREREQUISITE_FOR", REL_DEP_OF},
	{"PACKAGE_OF", REL_DEP_OF},
	{"OPTIONAL_DEPENDENCY_OF", REL_OPTIONAL_OF},
	{"OPTIONAL_COMPONENT_OF", REL_OPTIONAL_OF},
	{"BUILD_DEPENDENCY_OF", REL_BUILD_OF},
	{"DEV_DEPENDENCY_OF", REL_BUILD_OF},
	{"TEST_DEPENDENCY_OF", REL_BUILD_OF},
	{"BUILD_TOOL_OF", REL_BUILD_OF},
	{"DEV_TOOL_OF", REL_BUILD_OF},
	{"TEST_TOOL_OF", REL_BUILD_OF},
	{"TEST_OF", REL_BUILD_OF},
	{"TEST_CASE_OF", REL_BUILD_OF},
	{"VARIANT_OF", REL_IGNORE},
	{"COPY_OF", REL_IGNORE},
	{"PATCH_FOR", REL_IGNORE},
	{"PATCH_APPLIED", REL_IGNORE},
	{"DATA_FILE_OF", REL_IGNORE},
	{"ANCESTOR_OF", REL_IGNORE},
	{"DESCENDANT_OF", REL_IGNORE},
	{"GENERATES", REL_IGNORE},
	{"GENERATED_FROM", REL_IGNORE},
	{"FILE_ADDED", REL_IGNORE},
	{"FILE_DELETED", REL_IGNORE},
	{"FILE_MODIFIED", REL_IGNORE},
	{"REQUIREMENT_DESCRIPTION_FOR", REL_IGNORE},
	{"SPECIFICATION_FOR", REL_IGNORE},
	{"METAFILE_OF", REL_IGNORE},
	{"DEPENDENCY_MANIFEST_OF", REL_IGNORE},
	{"DISTRIBUTION_ARTIFACT", REL_IGNORE},
	{"AMENDS", REL_IGNORE},
	{"DOCUMENTATION_OF", REL_IGNORE},
	{"EXPANDED_FROM_ARCHIVE", REL_IGNORE},
	{"EXAMPLE_OF", REL_IGNORE},
	{"OTHER", REL_IGNORE},
};

/* Per-component facts gathered from relationships, for the scope. */
#define LINK_REQUIRED 1u /* contained, or a (non-optional) dependency of something */
#define LINK_OPTIONAL 2u
#define LINK_BUILD 4u    /* only needed to build / develop / test something */

struct spdx {
	struct medfwi_sbom_builder *b;
	unsigned char *links; /* per component (document order) */
	size_t *described;    /* components the document describes, unique */
	size_t described_count;
};

#define PATH (&x->b->path)
#define PSTR medfwi_sbom_path_str(PATH)

static enum medfw_err nomem(struct spdx *x, struct medfw_diag *diag)
{
	return medfw_diag_set(diag, MEDFW_ERR_NOMEM, "%s: out of memory", PSTR);
}

static enum medfw_err keys(struct spdx *x, const json_t *obj, const struct medfwi_sbom_key *k,
			   size_t n, const char *what, struct medfw_diag *diag)
{
	return medfwi_sbom_check_keys(x->b, obj, k, n, 0, what, diag);
}

/* "SPDXRef-" followed by letters, digits, '.' and '-'. */
static int valid_spdxid(const char *s)
{
	size_t i;

	if (strncmp(s, "SPDXRef-", 8) != 0 || s[8] == '\0')
		return 0;
	for (i = 8; s[i] != '\0'; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '-'))
			return 0;
	}
	return 1;
}

/* "DocumentRef-<id>:SPDXRef-<id>": an element of another document. */
static int valid_external_id(const char *s)
{
	const char *colon = strchr(s, ':');
	size_t i;

	if (strncmp(s, "DocumentRef-", 12) != 0 || colon == NULL || colon == s + 12)
		return 0;
	for (i = 12; s + i < colon; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '-'))
			return 0;
	}
	return valid_spdxid(colon + 1);
}

/* The SPDXID field of obj: a valid id, copied into *out. */
static enum medfw_err read_spdxid(struct spdx *x, const json_t *obj, char **out,
				  struct medfw_diag *diag)
{
	size_t saved;
	enum medfw_err err;
	char q[80];

	err = medfwi_sbom_field_str(x->b, obj, "SPDXID", MEDFWI_STR_REF, 1, out, diag);
	if (err != MEDFW_OK)
		return err;
	if (valid_spdxid(*out))
		return MEDFW_OK;
	saved = medfwi_sbom_path_key(PATH, "SPDXID");
	err = medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
			     "%s: \"%s\" is not SPDXRef- followed by letters, digits, '.' or '-'",
			     PSTR, medfwi_sbom_quote(*out, q, sizeof(q)));
	medfwi_sbom_path_restore(PATH, saved);
	*out = NULL;
	return err;
}

/* supplier / originator: "Organization: X (mail)", "Person: X (mail)", "Tool: X" or
 * NOASSERTION -> "X" (NULL for NOASSERTION). */
static enum medfw_err read_agent(struct spdx *x, const json_t *obj, const char *key, char **out,
				 struct medfw_diag *diag)
{
	static const char *const prefixes[] = {"Organization:", "Person:", "Tool:"};
	char *s = NULL;
	size_t len, i;
	enum medfw_err err;

	*out = NULL;
	err = medfwi_sbom_field_str(x->b, obj, key, MEDFWI_STR_NAME, 0, &s, diag);
	if (err != MEDFW_OK || s == NULL || strcmp(s, "NOASSERTION") == 0)
		return err;
	for (i = 0; i < COUNT(prefixes); i++) {
		size_t n = strlen(prefixes[i]);

		if (strncmp(s, prefixes[i], n) == 0) {
			s += n;
			break;
		}
	}
	while (*s == ' ')
		s++;
	len = strlen(s);
	if (len > 0 && s[len - 1] == ')') {
		char *open = NULL;

		for (char *p = s; (p = strstr(p, " (")) != NULL; p++)
			open = p;
		if (open != NULL)
			len = (size_t)(open - s);
	}
	while (len > 0 && s[len - 1] == ' ')
		len--;
	s[len] = '\0'; /* s is the model's own copy */
	*out = s;
	return MEDFW_OK;
}

static enum medfw_err read_checksums(struct spdx *x, const json_t *obj, int required,
				     struct medfw_sbom_component *c, struct medfw_diag *diag)
{
	json_t *arr, *item, *alg, *value;
	size_t n, i, k, saved, s2, s3;
	enum medfw_err err;
	char q[80];

	err = medfwi_sbom_field_array(x->b, obj, "checksums", &arr, diag);
	if (err != MEDFW_OK)
		return err;
	if (arr == NULL)
		return required ? medfw_diag_set(diag, MEDFW_ERR_FIELD_MISSING,
						 "%s.checksums: required field missing", PSTR)
				: MEDFW_OK;
	if ((n = json_array_size(arr)) == 0)
		return MEDFW_OK;
	c->hashes = medfwi_sbom_alloc(x->b->sbom, n, sizeof(c->hashes[0]));
	if (c->hashes == NULL)
		return nomem(x, diag);
	saved = medfwi_sbom_path_key(PATH, "checksums");
	json_array_foreach(arr, i, item) {
		s2 = medfwi_sbom_path_index(PATH, i);
		err = medfwi_sbom_expect_object(x->b, item, diag);
		if (err == MEDFW_OK)
			err = keys(x, item, checksum_keys, COUNT(checksum_keys), "SPDX checksum",
				   diag);
		alg = json_object_get(item, "algorithm");
		value = json_object_get(item, "checksumValue");
		if (err == MEDFW_OK && (alg == NULL || value == NULL))
			err = medfw_diag_set(diag, MEDFW_ERR_FIELD_MISSING,
					     "%s.%s: required field missing", PSTR,
					     alg == NULL ? "algorithm" : "checksumValue");
		if (err == MEDFW_OK && (!json_is_string(alg) || !json_is_string(value)))
			err = medfw_diag_set(diag, MEDFW_ERR_FIELD_TYPE, "%s.%s: must be a string",
					     PSTR, !json_is_string(alg) ? "algorithm" : "checksumValue");
		for (k = 0; err == MEDFW_OK && k < COUNT(checksum_algs); k++)
			if (strcmp(json_string_value(alg), checksum_algs[k].name) == 0)
				break;
		if (err == MEDFW_OK && k == COUNT(checksum_algs))
			err = medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					     "%s.algorithm: \"%s\" is not an SPDX checksum algorithm",
					     PSTR,
					     medfwi_sbom_quote(json_string_value(alg), q, sizeof(q)));
		if (err == MEDFW_OK) {
			s3 = medfwi_sbom_path_key(PATH, "checksumValue");
			if (checksum_algs[k].keep) {
				err = medfwi_sbom_hash(x->b, checksum_algs[k].alg,
						       checksum_algs[k].name, value,
						       &c->hashes[c->hash_count], diag);
				if (err == MEDFW_OK)
					c->hash_count++;
			} else {
				size_t len = json_string_length(value);

				if (len < checksum_algs[k].hex_min ||
				    len > checksum_algs[k].hex_max || len % 2 != 0 ||
				    !medfwi_sbom_is_hex(json_string_value(value), len))
					err = medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
							     "%s: not hex of the length %s "
							     "produces",
							     PSTR, checksum_algs[k].name);
			}
			medfwi_sbom_path_restore(PATH, s3);
		}
		medfwi_sbom_path_restore(PATH, s2);
		if (err != MEDFW_OK)
			break;
	}
	medfwi_sbom_path_restore(PATH, saved);
	return err;
}

/* externalRefs: the first purl, every cpe23Type / cpe22Type. */
static enum medfw_err read_external_refs(struct spdx *x, const json_t *pkg,
					 struct medfw_sbom_component *c,
					 struct medfw_diag *diag)
{
	json_t *arr, *item;
	size_t n, i, k, saved, s2;
	enum medfw_err err;
	char q[80];

	err = medfwi_sbom_field_array(x->b, pkg, "externalRefs", &arr, diag);
	if (err != MEDFW_OK || arr == NULL || (n = json_array_size(arr)) == 0)
		return err;
	c->cpes = medfwi_sbom_alloc(x->b->sbom, n, sizeof(c->cpes[0]));
	if (c->cpes == NULL)
		return nomem(x, diag);
	saved = medfwi_sbom_path_key(PATH, "externalRefs");
	json_array_foreach(arr, i, item) {
		char *category = NULL, *type = NULL, *locator = NULL;
		int is_purl, is_cpe;

		s2 = medfwi_sbom_path_index(PATH, i);
		err = medfwi_sbom_expect_object(x->b, item, diag);
		if (err == MEDFW_OK)
			err = keys(x, item, extref_keys, COUNT(extref_keys), "SPDX external reference",
				   diag);
		if (err == MEDFW_OK)
			err = medfwi_sbom_field_str(x->b, item, "referenceCategory",
						    MEDFWI_STR_NAME, 1, &category, diag);
		for (k = 0; err == MEDFW_OK && k < COUNT(ref_categories); k++)
			if (strcmp(category, ref_categories[k]) == 0)
				break;
		if (err == MEDFW_OK && k == COUNT(ref_categories))
			err = medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					     "%s.referenceCategory: \"%s\" is not an SPDX reference "
					     "category",
					     PSTR, medfwi_sbom_quote(category, q, sizeof(q)));
		if (err == MEDFW_OK)
			err = medfwi_sbom_field_str(x->b, item, "referenceType", MEDFWI_STR_LONG, 1,
						    &type, diag);
		if (err == MEDFW_OK) {
			is_purl = strncmp(category, "PACKAGE", 7) == 0 && strcmp(type, "purl") == 0;
			is_cpe = strcmp(category, "SECURITY") == 0 &&
				 (strcmp(type, "cpe23Type") == 0 || strcmp(type, "cpe22Type") == 0);
			err = medfwi_sbom_field_str(x->b, item, "referenceLocator",
						    (is_purl || is_cpe) ? MEDFWI_STR_IDENT
									: MEDFWI_STR_LONG,
						    1, &locator, diag);
			if (err == MEDFW_OK && is_purl && c->purl == NULL)
				c->purl = locator;
			if (err == MEDFW_OK && is_cpe) {
				for (k = 0; k < c->cpe_count; k++)
					if (strcmp(c->cpes[k], locator) == 0)
						break;
				if (k == c->cpe_count)
					c->cpes[c->cpe_count++] = locator;
			}
		}
		medfwi_sbom_path_restore(PATH, s2);
		if (err != MEDFW_OK)
			break;
	}
	medfwi_sbom_path_restore(PATH, saved);
	return err;
}

/* licenseConcluded, else licenseDeclared, when it is an assertion: one expression. */
static enum medfw_err read_license(struct spdx *x, const json_t *obj,
				   struct medfw_sbom_component *c, struct medfw_diag *diag)
{
	static const char *const keys_in_order[] = {"licenseConcluded", "licenseDeclared"};
	char *value[2] = {NULL, NULL};
	enum medfw_err err;

	for (size_t i = 0; i < 2; i++) {
		err = medfwi_sbom_field_str(x->b, obj, keys_in_order[i], MEDFWI_STR_LONG, 0,
					    &value[i], diag);
		if (err != MEDFW_OK)
			return err;
		if (value[i] != NULL &&
		    (strcmp(value[i], "NOASSERTION") == 0 || strcmp(value[i], "NONE") == 0 ||
		     value[i][0] == '\0'))
			value[i] = NULL;
	}
	if (value[0] == NULL && value[1] == NULL)
		return MEDFW_OK;
	c->licenses = medfwi_sbom_alloc(x->b->sbom, 1, sizeof(c->licenses[0]));
	if (c->licenses == NULL)
		return nomem(x, diag);
	c->licenses[0].kind = MEDFW_SBOM_LICENSE_EXPRESSION;
	c->licenses[0].value = value[0] != NULL ? value[0] : value[1];
	c->license_count = 1;
	return MEDFW_OK;
}

static enum medfw_err read_package(struct spdx *x, const json_t *pkg, struct medfw_diag *diag)
{
	struct medfw_sbom_component c;
	const json_t *purpose;
	size_t idx, saved, k;
	enum medfw_err err;
	char q[80];

	memset(&c, 0, sizeof(c));
	c.parent = MEDFW_SBOM_NONE;
	c.type = MEDFW_SBOM_TYPE_LIBRARY;
	err = medfwi_sbom_expect_object(x->b, pkg, diag);
	if (err == MEDFW_OK)
		err = keys(x, pkg, package_keys, COUNT(package_keys), "SPDX package", diag);
	if (err == MEDFW_OK)
		err = read_spdxid(x, pkg, &c.ref, diag);
	if (err == MEDFW_OK)
		err = medfwi_sbom_field_str(x->b, pkg, "name", MEDFWI_STR_NAME, 1, &c.name, diag);
	if (err == MEDFW_OK) {
		char *location = NULL;

		/* Required by the schema; not kept. */
		err = medfwi_sbom_field_str(x->b, pkg, "downloadLocation", MEDFWI_STR_LONG, 1,
					    &location, diag);
	}
	if (err == MEDFW_OK)
		err = medfwi_sbom_field_str(x->b, pkg, "versionInfo", MEDFWI_STR_NAME, 0, &c.version,
					    diag);
	if (err == MEDFW_OK)
		err = read_agent(x, pkg, "supplier", &c.supplier, diag);
	if (err == MEDFW_OK)
		err = read_agent(x, pkg, "originator", &c.author, diag);
	if (err == MEDFW_OK)
		err = read_checksums(x, pkg, 0, &c, diag);
	if (err == MEDFW_OK)
		err = read_external_refs(x, pkg, &c, diag);
	if (err == MEDFW_OK)
		err = read_license(x, pkg, &c, diag);
	purpose = json_object_get(pkg, "primaryPackagePurpose");
	if (err == MEDFW_OK && purpose != NULL) {
		saved = medfwi_sbom_path_key(PATH, "primaryPackagePurpose");
		for (k = 0; json_is_string(purpose) && k < COUNT(purposes); k++)
			if (strcmp(json_string_value(purpose), purposes[k].name) == 0)
				break;
		if (!json_is_string(purpose))
			err = medfw_diag_set(diag, MEDFW_ERR_FIELD_TYPE, "%s: must be a string",
					     PSTR);
		else if (k == COUNT(purposes))
			err = medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					     "%s: \"%s\" is not an SPDX package purpose", PSTR,
					     medfwi_sbom_quote(json_string_value(purpose), q,
							       sizeof(q)));
		else
			c.type = purposes[k].type;
		medfwi_sbom_path_restore(PATH, saved);
	}
	if (err == MEDFW_OK)
		err = medfwi_sbom_push(x->b, &c, &idx, diag);
	if (err == MEDFW_OK) {
		saved = medfwi_sbom_path_key(PATH, "SPDXID");
		err = medfwi_sbom_ref_add(x->b, c.ref, MEDFWI_REF_COMPONENT, idx, diag);
		medfwi_sbom_path_restore(PATH, saved);
	}
	return err;
}

static enum medfw_err read_file(struct spdx *x, const json_t *file, struct medfw_diag *diag)
{
	struct medfw_sbom_component c;
	size_t idx, saved;
	enum medfw_err err;

	memset(&c, 0, sizeof(c));
	c.parent = MEDFW_SBOM_NONE;
	c.type = MEDFW_SBOM_TYPE_FILE;
	err = medfwi_sbom_expect_object(x->b, file, diag);
	if (err == MEDFW_OK)
		err = keys(x, file, file_keys, COUNT(file_keys), "SPDX file", diag);
	if (err == MEDFW_OK)
		err = read_spdxid(x, file, &c.ref, diag);
	if (err == MEDFW_OK)
		err = medfwi_sbom_field_str(x->b, file, "fileName", MEDFWI_STR_NAME, 1, &c.name,
					    diag);
	if (err == MEDFW_OK)
		err = read_checksums(x, file, 1, &c, diag);
	if (err == MEDFW_OK)
		err = read_license(x, file, &c, diag);
	if (err == MEDFW_OK)
		err = medfwi_sbom_push(x->b, &c, &idx, diag);
	if (err == MEDFW_OK) {
		saved = medfwi_sbom_path_key(PATH, "SPDXID");
		err = medfwi_sbom_ref_add(x->b, c.ref, MEDFWI_REF_COMPONENT, idx, diag);
		medfwi_sbom_path_restore(PATH, saved);
	}
	return err;
}

/* Read each object of root[key] with fn. */
static enum medfw_err read_array(struct spdx *x, const json_t *root, const char *key,
				 enum medfw_err (*fn)(struct spdx *, const json_t *,
						      struct medfw_diag *),
				 struct medfw_diag *diag)
{
	json_t *arr, *item;
	size_t saved, i, s2;
	enum medfw_err err;

	err = medfwi_sbom_field_array(x->b, root, key, &arr, diag);
	if (err != MEDFW_OK || arr == NULL)
		return err;
	saved = medfwi_sbom_path_key(PATH, key);
	json_array_foreach(arr, i, item) {
		s2 = medfwi_sbom_path_index(PATH, i);
		err = fn(x, item, diag);
		medfwi_sbom_path_restore(PATH, s2);
		if (err != MEDFW_OK)
			break;
	}
	medfwi_sbom_path_restore(PATH, saved);
	return err;
}

/* Snippets are not modelled; their ids are registered so relationships may name them. */
static enum medfw_err read_snippet(struct spdx *x, const json_t *snippet,
				   struct medfw_diag *diag)
{
	char *ref = NULL;
	size_t saved;
	enum medfw_err err;

	err = medfwi_sbom_expect_object(x->b, snippet, diag);
	if (err == MEDFW_OK)
		err = read_spdxid(x, snippet, &ref, diag);
	if (err != MEDFW_OK)
		return err;
	saved = medfwi_sbom_path_key(PATH, "SPDXID");
	err = medfwi_sbom_ref_add(x->b, ref, MEDFWI_REF_OTHER, 0, diag);
	medfwi_sbom_path_restore(PATH, saved);
	return err;
}

static enum medfw_err read_document(struct spdx *x, const json_t *root, struct medfw_diag *diag)
{
	struct medfw_sbom *sbom = x->b->sbom;
	json_t *creation, *creators, *item;
	char *s = NULL;
	size_t saved, i, s2;
	enum medfw_err err;
	char q[80];

	err = keys(x, root, root_keys, COUNT(root_keys), "SPDX document", diag);
	if (err == MEDFW_OK)
		err = medfwi_sbom_field_str(x->b, root, "SPDXID", MEDFWI_STR_REF, 1, &s, diag);
	if (err == MEDFW_OK && strcmp(s, "SPDXRef-DOCUMENT") != 0)
		err = medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				     "SPDXID: \"%s\" is not \"SPDXRef-DOCUMENT\"",
				     medfwi_sbom_quote(s, q, sizeof(q)));
	if (err == MEDFW_OK) {
		saved = medfwi_sbom_path_key(PATH, "SPDXID");
		err = medfwi_sbom_ref_add(x->b, s, MEDFWI_REF_OTHER, 0, diag);
		medfwi_sbom_path_restore(PATH, saved);
	}
	/* Required by the schema, not kept. */
	if (err == MEDFW_OK)
		err = medfwi_sbom_field_str(x->b, root, "dataLicense", MEDFWI_STR_NAME, 1, &s, diag);
	if (err == MEDFW_OK)
		err = medfwi_sbom_field_str(x->b, root, "name", MEDFWI_STR_LONG, 1, &s, diag);
	if (err == MEDFW_OK)
		err = medfwi_sbom_field_str(x->b, root, "documentNamespace", MEDFWI_STR_REF, 1,
					    &sbom->document_namespace, diag);
	if (err == MEDFW_OK)
		err = medfwi_sbom_field_object(x->b, root, "creationInfo", &creation, diag);
	if (err == MEDFW_OK && creation == NULL)
		err = medfw_diag_set(diag, MEDFW_ERR_FIELD_MISSING,
				     "creationInfo: required field missing");
	if (err != MEDFW_OK)
		return err;
	saved = medfwi_sbom_path_key(PATH, "creationInfo");
	err = keys(x, creation, creation_keys, COUNT(creation_keys), "SPDX creation info", diag);
	if (err == MEDFW_OK)
		err = medfwi_sbom_field_str(x->b, creation, "created", MEDFWI_STR_TIME, 1,
					    &sbom->timestamp, diag);
	if (err == MEDFW_OK)
		err = medfwi_sbom_field_array(x->b, creation, "creators", &creators, diag);
	if (err == MEDFW_OK && (creators == NULL || json_array_size(creators) == 0))
		err = medfw_diag_set(diag, MEDFW_ERR_FIELD_MISSING,
				     "%s.creators: at least one creator is required", PSTR);
	if (err == MEDFW_OK) {
		s2 = medfwi_sbom_path_key(PATH, "creators");
		json_array_foreach(creators, i, item) {
			size_t s3 = medfwi_sbom_path_index(PATH, i);

			err = medfwi_sbom_str(x->b, item, MEDFWI_STR_LONG, &s, diag);
			medfwi_sbom_path_restore(PATH, s3);
			if (err != MEDFW_OK)
				break;
		}
		medfwi_sbom_path_restore(PATH, s2);
	}
	medfwi_sbom_path_restore(PATH, saved);
	return err;
}

/* ------------------------------------------------------------------ relationships */

enum element {
	EL_DOCUMENT,
	EL_COMPONENT,
	EL_OTHER,    /* a snippet */
	EL_EXTERNAL, /* DocumentRef-...:SPDXRef-... */
	EL_NONE,     /* NONE / NOASSERTION */
};

/* Resolve an element id (the JSON string v at the current path). */
static enum medfw_err resolve(struct spdx *x, const json_t *v, int allow_none, enum element *el,
			      size_t *index, struct medfw_diag *diag)
{
	const struct medfwi_sbom_ref_entry *e;
	const char *s;
	char q[80];

	if (!json_is_string(v))
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_TYPE, "%s: must be a string", PSTR);
	s = json_string_value(v);
	if (strcmp(s, "SPDXRef-DOCUMENT") == 0) {
		*el = EL_DOCUMENT;
		return MEDFW_OK;
	}
	if (allow_none && (strcmp(s, "NONE") == 0 || strcmp(s, "NOASSERTION") == 0)) {
		*el = EL_NONE;
		return MEDFW_OK;
	}
	if (valid_external_id(s)) {
		*el = EL_EXTERNAL;
		return MEDFW_OK;
	}
	if (!valid_spdxid(s))
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "%s: \"%s\" is not an SPDX element id", PSTR,
				      medfwi_sbom_quote(s, q, sizeof(q)));
	e = medfwi_sbom_ref_find(x->b->sbom, s);
	if (e == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "%s: \"%s\" is not defined in this document", PSTR,
				      medfwi_sbom_quote(s, q, sizeof(q)));
	*el = e->kind == MEDFWI_REF_COMPONENT ? EL_COMPONENT : EL_OTHER;
	*index = e->index;
	return MEDFW_OK;
}

static enum medfw_err link_dep(struct spdx *x, size_t from, size_t to, unsigned to_link,
			       struct medfw_diag *diag)
{
	struct medfw_sbom_component *c = x->b->sbom->components;

	x->links[to] |= (unsigned char)to_link;
	return medfwi_sbom_edge(x->b, c[from].ref, c[to].ref, diag);
}

/* "a CONTAINS b": b's parent is a unless b has another one already, or b is an
 * ancestor of a, or a is already MEDFW_SBOM_MAX_NESTING deep; then it is kept as a
 * dependency (a on b). */
static enum medfw_err contains(struct spdx *x, size_t a, size_t b, struct medfw_diag *diag)
{
	struct medfw_sbom_component *c = x->b->sbom->components;
	size_t p = a, steps = 0;

	if (a == b || c[b].parent == a)
		return MEDFW_OK; /* nothing, or said before */
	if (c[b].parent == MEDFW_SBOM_NONE) {
		while (p != MEDFW_SBOM_NONE && p != b && steps < MEDFW_SBOM_MAX_NESTING) {
			p = c[p].parent;
			steps++;
		}
		if (p == MEDFW_SBOM_NONE) {
			c[b].parent = a;
			x->links[b] |= LINK_REQUIRED;
			return MEDFW_OK;
		}
	}
	return link_dep(x, a, b, LINK_REQUIRED, diag);
}

static enum medfw_err add_described(struct spdx *x, size_t idx)
{
	for (size_t i = 0; i < x->described_count; i++)
		if (x->described[i] == idx)
			return MEDFW_OK;
	x->described[x->described_count++] = idx;
	return MEDFW_OK;
}

static enum medfw_err read_has_files(struct spdx *x, const json_t *root, struct medfw_diag *diag)
{
	json_t *pkgs = json_object_get(root, "packages"), *pkg, *files, *f;
	size_t i, j, saved, s2, s3, s4, idx = 0;
	enum medfw_err err = MEDFW_OK;

	saved = medfwi_sbom_path_key(PATH, "packages");
	json_array_foreach(pkgs, i, pkg) {
		s2 = medfwi_sbom_path_index(PATH, i);
		/* packages[i] is component i: packages are read first, in order */
		err = medfwi_sbom_field_array(x->b, pkg, "hasFiles", &files, diag);
		s3 = medfwi_sbom_path_key(PATH, "hasFiles");
		json_array_foreach(files, j, f) {
			enum element el = EL_NONE;

			if (err != MEDFW_OK)
				break;
			s4 = medfwi_sbom_path_index(PATH, j);
			err = resolve(x, f, 0, &el, &idx, diag);
			if (err == MEDFW_OK && el != EL_COMPONENT)
				err = medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
						     "%s: not a package or file of this document",
						     PSTR);
			if (err == MEDFW_OK)
				err = contains(x, i, idx, diag);
			medfwi_sbom_path_restore(PATH, s4);
		}
		medfwi_sbom_path_restore(PATH, s3);
		medfwi_sbom_path_restore(PATH, s2);
		if (err != MEDFW_OK)
			break;
	}
	medfwi_sbom_path_restore(PATH, saved);
	return err;
}

static enum medfw_err read_describes(struct spdx *x, const json_t *root,
				     struct medfw_diag *diag)
{
	json_t *arr, *item;
	size_t saved, i, s2, idx = 0;
	enum medfw_err err;

	err = medfwi_sbom_field_array(x->b, root, "documentDescribes", &arr, diag);
	if (err != MEDFW_OK || arr == NULL)
		return err;
	saved = medfwi_sbom_path_key(PATH, "documentDescribes");
	json_array_foreach(arr, i, item) {
		enum element el = EL_NONE;

		s2 = medfwi_sbom_path_index(PATH, i);
		err = resolve(x, item, 0, &el, &idx, diag);
		if (err == MEDFW_OK && el == EL_COMPONENT)
			err = add_described(x, idx);
		medfwi_sbom_path_restore(PATH, s2);
		if (err != MEDFW_OK)
			break;
	}
	medfwi_sbom_path_restore(PATH, saved);
	return err;
}

static enum medfw_err apply(struct spdx *x, enum rel_action action, enum element ea, size_t a,
			    enum element eb, size_t b, struct medfw_diag *diag)
{
	if (action == REL_DESCRIBES && ea == EL_DOCUMENT && eb == EL_COMPONENT)
		return add_described(x, b);
	if (action == REL_DESCRIBED_BY && ea == EL_COMPONENT && eb == EL_DOCUMENT)
		return add_described(x, a);
	if (ea != EL_COMPONENT || eb != EL_COMPONENT)
		return MEDFW_OK; /* the document, snippets, other documents, NONE */
	switch (action) {
	case REL_CONTAINS:
		return contains(x, a, b, diag);
	case REL_CONTAINED_BY:
		return contains(x, b, a, diag);
	case REL_DEP:
		return link_dep(x, a, b, LINK_REQUIRED, diag);
	case REL_DEP_OF:
		return link_dep(x, b, a, LINK_REQUIRED, diag);
	case REL_OPTIONAL_OF:
		return link_dep(x, b, a, LINK_OPTIONAL, diag);
	case REL_BUILD_OF:
		x->links[a] |= LINK_BUILD;
		return MEDFW_OK;
	case REL_DESCRIBES:
	case REL_DESCRIBED_BY:
	case REL_IGNORE:
		break;
	}
	return MEDFW_OK;
}

static enum medfw_err read_relationships(struct spdx *x, const json_t *root,
					 struct medfw_diag *diag)
{
	json_t *arr, *item, *type_v;
	size_t saved, i, s2, s3, k, a = 0, b = 0;
	enum medfw_err err;
	char q[80];

	err = medfwi_sbom_field_array(x->b, root, "relationships", &arr, diag);
	if (err != MEDFW_OK || arr == NULL)
		return err;
	saved = medfwi_sbom_path_key(PATH, "relationships");
	json_array_foreach(arr, i, item) {
		enum element ea = EL_NONE, eb = EL_NONE;
		const json_t *va, *vb;

		s2 = medfwi_sbom_path_index(PATH, i);
		err = medfwi_sbom_expect_object(x->b, item, diag);
		if (err == MEDFW_OK)
			err = keys(x, item, relationship_keys, COUNT(relationship_keys),
				   "SPDX relationship", diag);
		va = json_object_get(item, "spdxElementId");
		vb = json_object_get(item, "relatedSpdxElement");
		type_v = json_object_get(item, "relationshipType");
		if (err == MEDFW_OK && (va == NULL || vb == NULL || type_v == NULL))
			err = medfw_diag_set(diag, MEDFW_ERR_FIELD_MISSING,
					     "%s.%s: required field missing", PSTR,
					     va == NULL ? "spdxElementId"
							: (vb == NULL ? "relatedSpdxElement"
								      : "relationshipType"));
		if (err == MEDFW_OK && !json_is_string(type_v))
			err = medfw_diag_set(diag, MEDFW_ERR_FIELD_TYPE,
					     "%s.relationshipType: must be a string", PSTR);
		for (k = 0; err == MEDFW_OK && k < COUNT(relationships); k++)
			if (strcmp(json_string_value(type_v), relationships[k].name) == 0)
				break;
		if (err == MEDFW_OK && k == COUNT(relationships))
			err = medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					     "%s.relationshipType: \"%s\" is not an SPDX 2.3 "
					     "relationship type",
					     PSTR,
					     medfwi_sbom_quote(json_string_value(type_v), q,
							       sizeof(q)));
		if (err == MEDFW_OK) {
			s3 = medfwi_sbom_path_key(PATH, "spdxElementId");
			err = resolve(x, va, 0, &ea, &a, diag);
			medfwi_sbom_path_restore(PATH, s3);
		}
		if (err == MEDFW_OK) {
			s3 = medfwi_sbom_path_key(PATH, "relatedSpdxElement");
			err = resolve(x, vb, 1, &eb, &b, diag);
			medfwi_sbom_path_restore(PATH, s3);
		}
		if (err == MEDFW_OK)
			err = apply(x, relationships[k].action, ea, a, eb, b, diag);
		medfwi_sbom_path_restore(PATH, s2);
		if (err != MEDFW_OK)
			break;
	}
	medfwi_sbom_path_restore(PATH, saved);
	return err;
}

/* ------------------------------------------------------------------ shape */

/* Bound the nesting: containment that ended up deeper than MEDFW_SBOM_MAX_NESTING
 * (parents found after their children) is cut and kept as a dependency. */
static enum medfw_err bound_nesting(struct spdx *x, struct medfw_diag *diag)
{
	struct medfw_sbom *sbom = x->b->sbom;
	struct medfw_sbom_component *c = sbom->components;
	size_t n = sbom->component_count, *depth = NULL, *chain = NULL, len, i, d;
	enum medfw_err err = MEDFW_OK;

	depth = malloc(n * sizeof(*depth));
	chain = malloc(n * sizeof(*chain));
	if (depth == NULL || chain == NULL) {
		err = nomem(x, diag);
		goto out;
	}
	for (i = 0; i < n; i++)
		depth[i] = MEDFW_SBOM_NONE;
	for (i = 0; i < n && err == MEDFW_OK; i++) {
		size_t p = i;

		len = 0;
		while (p != MEDFW_SBOM_NONE && depth[p] == MEDFW_SBOM_NONE) {
			chain[len++] = p; /* acyclic: contains() never closes a cycle */
			p = c[p].parent;
		}
		d = p == MEDFW_SBOM_NONE ? 0 : depth[p] + 1;
		while (len > 0) {
			size_t v = chain[--len];

			if (c[v].parent == MEDFW_SBOM_NONE) {
				d = 0;
			} else if (d > MEDFW_SBOM_MAX_NESTING) {
				err = medfwi_sbom_edge(x->b, c[c[v].parent].ref, c[v].ref, diag);
				c[v].parent = MEDFW_SBOM_NONE;
				d = 0;
			}
			depth[v] = d++;
		}
	}
out:
	free(depth);
	free(chain);
	return err;
}

/* Reorder the components into pre-order (the product's tree first, then the other
 * roots in document order, children in document order) and fix every index. */
static enum medfw_err preorder(struct spdx *x, struct medfw_diag *diag)
{
	struct medfw_sbom *sbom = x->b->sbom;
	struct medfwi_sbom_private *priv = sbom->priv_;
	size_t n = sbom->component_count, i, k = 0, top = 0;
	size_t *first = NULL, *next = NULL, *last = NULL, *order = NULL, *newpos = NULL,
	       *stack = NULL;
	struct medfw_sbom_component *sorted = NULL;
	enum medfw_err err = MEDFW_OK;

	first = malloc(n * sizeof(size_t));
	next = malloc(n * sizeof(size_t));
	last = malloc(n * sizeof(size_t));
	order = malloc(n * sizeof(size_t));
	newpos = malloc(n * sizeof(size_t));
	stack = malloc(n * sizeof(size_t));
	sorted = malloc(n * sizeof(*sorted));
	if (first == NULL || next == NULL || last == NULL || order == NULL || newpos == NULL ||
	    stack == NULL || sorted == NULL) {
		err = nomem(x, diag);
		goto out;
	}
	for (i = 0; i < n; i++)
		first[i] = next[i] = last[i] = MEDFW_SBOM_NONE;
	for (i = 0; i < n; i++) {
		size_t p = sbom->components[i].parent;

		if (p == MEDFW_SBOM_NONE)
			continue;
		if (first[p] == MEDFW_SBOM_NONE)
			first[p] = i;
		else
			next[last[p]] = i;
		last[p] = i;
	}
	for (size_t r = 0; r <= n; r++) {
		/* roots: the product first, then the others in document order */
		size_t root = r == 0 ? sbom->product : r - 1;

		if (root == MEDFW_SBOM_NONE || (r > 0 && root == sbom->product) ||
		    sbom->components[root].parent != MEDFW_SBOM_NONE)
			continue;
		stack[top++] = root;
		while (top > 0) {
			size_t v = stack[--top], ch, cnt = 0, j = 0;

			order[k++] = v;
			for (ch = first[v]; ch != MEDFW_SBOM_NONE; ch = next[ch])
				cnt++;
			/* the first child on top, so children come out in document order */
			for (ch = first[v]; ch != MEDFW_SBOM_NONE; ch = next[ch], j++)
				stack[top + cnt - 1 - j] = ch;
			top += cnt;
		}
	}
	if (k != n) { /* cannot happen: the parent links are acyclic */
		err = medfw_diag_set(diag, MEDFW_ERR_STATE,
				     "SPDX: containment is not a tree (%zu of %zu components "
				     "reached)",
				     k, n);
		goto out;
	}
	for (i = 0; i < n; i++)
		newpos[order[i]] = i;
	for (i = 0; i < n; i++) {
		sorted[i] = sbom->components[order[i]];
		if (sorted[i].parent != MEDFW_SBOM_NONE)
			sorted[i].parent = newpos[sorted[i].parent];
	}
	memcpy(sbom->components, sorted, n * sizeof(*sorted));
	if (sbom->product != MEDFW_SBOM_NONE)
		sbom->product = newpos[sbom->product];
	for (i = 0; i < priv->ref_count; i++)
		if (priv->refs[i].kind == MEDFWI_REF_COMPONENT)
			priv->refs[i].index = newpos[priv->refs[i].index];
out:
	free(first);
	free(next);
	free(last);
	free(order);
	free(newpos);
	free(stack);
	free(sorted);
	return err;
}

enum medfw_err medfwi_sbom_parse_spdx(struct medfwi_sbom_builder *b, const json_t *root,
				      struct medfw_diag *diag)
{
	struct medfw_sbom *sbom = b->sbom;
	struct spdx sx, *x = &sx;
	size_t n, i;
	enum medfw_err err;

	memset(&sx, 0, sizeof(sx));
	sx.b = b;
	err = read_document(x, root, diag);
	if (err == MEDFW_OK)
		err = read_array(x, root, "packages", read_package, diag);
	if (err == MEDFW_OK)
		err = read_array(x, root, "files", read_file, diag);
	if (err == MEDFW_OK)
		err = read_array(x, root, "snippets", read_snippet, diag);
	if (err == MEDFW_OK)
		err = medfwi_sbom_ref_seal(b, diag);
	if (err != MEDFW_OK)
		return err;
	n = sbom->component_count;
	if (n > 0) {
		sx.links = calloc(n, 1);
		sx.described = malloc(n * sizeof(size_t));
		if (sx.links == NULL || sx.described == NULL) {
			err = nomem(x, diag);
			goto out;
		}
	}
	err = read_has_files(x, root, diag);
	if (err == MEDFW_OK)
		err = read_describes(x, root, diag);
	if (err == MEDFW_OK)
		err = read_relationships(x, root, diag);
	if (err != MEDFW_OK || n == 0)
		goto out;
	if (sx.described_count == 1) {
		size_t p = sx.described[0];
		struct medfw_sbom_component *c = sbom->components;

		sbom->product = p;
		if (c[p].parent != MEDFW_SBOM_NONE) {
			/* the product is the root of the tree: its container becomes a
			 * dependency */
			err = medfwi_sbom_edge(b, c[c[p].parent].ref, c[p].ref, diag);
			c[p].parent = MEDFW_SBOM_NONE;
		}
	}
	for (i = 0; i < n && err == MEDFW_OK; i++) {
		struct medfw_sbom_component *c = &sbom->components[i];

		if (i == sbom->product || (x->links[i] & LINK_REQUIRED))
			continue;
		if (x->links[i] & LINK_OPTIONAL)
			c->scope = MEDFW_SBOM_SCOPE_OPTIONAL;
		else if (x->links[i] & LINK_BUILD)
			c->scope = MEDFW_SBOM_SCOPE_EXCLUDED;
	}
	if (err == MEDFW_OK)
		err = bound_nesting(x, diag);
	if (err == MEDFW_OK)
		err = preorder(x, diag);
out:
	free(sx.links);
	free(sx.described);
	return err;
}
