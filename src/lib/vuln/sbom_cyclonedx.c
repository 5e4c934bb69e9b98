/* CycloneDX JSON 1.4 / 1.5 / 1.6 -> the SBOM model.
 *
 * Objects the model reads are closed as in the CycloneDX JSON schemas
 * (additionalProperties: false): a field the schema of that version does not define
 * is refused. Fields the model does not keep are only checked for being known. */
#include "vuln/sbom_internal.h"

#include <stdio.h>
#include <string.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Allowed keys per object, with the 1.x minor version that introduced each. */
static const struct medfwi_sbom_key root_keys[] = {
	{"$schema", 4},         {"bomFormat", 4},  {"specVersion", 4},
	{"serialNumber", 4},    {"version", 4},    {"metadata", 4},
	{"components", 4},      {"services", 4},   {"externalReferences", 4},
	{"dependencies", 4},    {"compositions", 4}, {"vulnerabilities", 4},
	{"signature", 4},       {"annotations", 5}, {"formulation", 5},
	{"properties", 5},      {"declarations", 6}, {"definitions", 6},
};
static const struct medfwi_sbom_key metadata_keys[] = {
	{"timestamp", 4}, {"tools", 4},    {"authors", 4},    {"component", 4},
	{"manufacture", 4}, {"supplier", 4}, {"licenses", 4}, {"properties", 4},
	{"lifecycles", 5}, {"manufacturer", 6},
};
static const struct medfwi_sbom_key component_keys[] = {
	{"type", 4},         {"mime-type", 4},  {"bom-ref", 4},    {"supplier", 4},
	{"author", 4},       {"publisher", 4},  {"group", 4},      {"name", 4},
	{"version", 4},      {"description", 4}, {"scope", 4},     {"hashes", 4},
	{"licenses", 4},     {"copyright", 4},  {"cpe", 4},        {"purl", 4},
	{"swid", 4},         {"modified", 4},   {"pedigree", 4},   {"externalReferences", 4},
	{"properties", 4},   {"components", 4}, {"evidence", 4},   {"releaseNotes", 4},
	{"signature", 4},    {"modelCard", 5},  {"data", 5},       {"authors", 6},
	{"manufacturer", 6}, {"omniborId", 6},  {"swhid", 6},      {"cryptoProperties", 6},
	{"tags", 6},
};
static const struct medfwi_sbom_key org_keys[] = {
	{"name", 4}, {"url", 4}, {"contact", 4}, {"bom-ref", 5}, {"address", 6},
};
static const struct medfwi_sbom_key contact_keys[] = {
	{"name", 4}, {"email", 4}, {"phone", 4}, {"bom-ref", 5},
};
static const struct medfwi_sbom_key hash_keys[] = {{"alg", 4}, {"content", 4}};
static const struct medfwi_sbom_key license_keys[] = {
	{"id", 4},       {"name", 4},      {"text", 4},       {"url", 4},
	{"bom-ref", 5},  {"licensing", 5}, {"properties", 5}, {"acknowledgement", 6},
};
static const struct medfwi_sbom_key choice14_keys[] = {{"license", 4}, {"expression", 4}};
static const struct medfwi_sbom_key license_item_keys[] = {{"license", 4}};
static const struct medfwi_sbom_key expression_keys[] = {
	{"expression", 4}, {"bom-ref", 5}, {"acknowledgement", 6},
};
static const struct medfwi_sbom_key swid_keys[] = {
	{"tagId", 4}, {"name", 4}, {"version", 4}, {"tagVersion", 4},
	{"patch", 4}, {"text", 4}, {"url", 4},
};
static const struct medfwi_sbom_key evidence_keys[] = {
	{"licenses", 4}, {"copyright", 4}, {"identity", 5}, {"occurrences", 5},
	{"callstack", 5},
};
static const struct medfwi_sbom_key identity_keys[] = {
	{"field", 5}, {"confidence", 5}, {"methods", 5}, {"tools", 5}, {"concludedValue", 6},
};
static const struct medfwi_sbom_key pedigree_keys[] = {
	{"ancestors", 4}, {"descendants", 4}, {"variants", 4},
	{"commits", 4},   {"patches", 4},     {"notes", 4},
};
static const struct medfwi_sbom_key commit_keys[] = {
	{"uid", 4}, {"url", 4}, {"author", 4}, {"committer", 4}, {"message", 4},
};
static const struct medfwi_sbom_key patch_keys[] = {{"type", 4}, {"diff", 4}, {"resolves", 4}};
static const struct medfwi_sbom_key diff_keys[] = {{"text", 4}, {"url", 4}};
static const struct medfwi_sbom_key issue_keys[] = {
	{"type", 4}, {"id", 4}, {"name", 4}, {"description", 4}, {"source", 4}, {"references", 4},
};
static const struct medfwi_sbom_key source_keys[] = {{"name", 4}, {"url", 4}};
static const struct medfwi_sbom_key dependency_keys[] = {
	{"ref", 4}, {"dependsOn", 4}, {"provides", 6},
};

static const char *const scope_values[] = {"required", "optional", "excluded"};
static const char *const patch_values[] = {"unofficial", "monkey", "backport", "cherry-pick"};
static const char *const issue_values[] = {"defect", "enhancement", "security"};
static const char *const field_values5[] = {"group", "name",  "version", "purl",
					    "cpe",   "swid",  "hash"};
static const char *const field_values6[] = {"group", "name",      "version", "purl", "cpe",
					    "omniborId", "swhid", "swid", "hash"};

struct cdx {
	struct medfwi_sbom_builder *b;
	unsigned minor;
	char kind_component[40]; /* "CycloneDX 1.6 component", for unknown-field messages */
};

#define PATH (&x->b->path)
#define PSTR medfwi_sbom_path_str(PATH)

static enum medfw_err nomem(struct cdx *x, struct medfw_diag *diag)
{
	return medfw_diag_set(diag, MEDFW_ERR_NOMEM, "%s: out of memory", PSTR);
}

/* Check the keys of obj (at the current path), named "CycloneDX 1.x <what>". */
static enum medfw_err keys(struct cdx *x, const json_t *obj, const struct medfwi_sbom_key *k,
			   size_t n, const char *what, struct medfw_diag *diag)
{
	char name[64];

	snprintf(name, sizeof(name), "CycloneDX 1.%u %s", x->minor, what);
	return medfwi_sbom_check_keys(x->b, obj, k, n, x->minor, name, diag);
}

/* Index of obj[key] (a string) in values[], or refuse; *out untouched when absent
 * and not required. */
static enum medfw_err enum_field(struct cdx *x, const json_t *obj, const char *key,
				 const char *const *values, size_t n, int required,
				 unsigned *out, struct medfw_diag *diag)
{
	const json_t *v = json_object_get(obj, key);
	size_t saved = medfwi_sbom_path_key(PATH, key);
	enum medfw_err err = MEDFW_OK;
	char q[80];
	size_t i;

	if (v == NULL) {
		if (required)
			err = medfw_diag_set(diag, MEDFW_ERR_FIELD_MISSING,
					     "%s: required field missing", PSTR);
	} else if (!json_is_string(v)) {
		err = medfw_diag_set(diag, MEDFW_ERR_FIELD_TYPE, "%s: must be a string", PSTR);
	} else {
		for (i = 0; i < n; i++)
			if (strcmp(json_string_value(v), values[i]) == 0)
				break;
		if (i == n)
			err = medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					     "%s: \"%s\" is not a CycloneDX 1.%u value", PSTR,
					     medfwi_sbom_quote(json_string_value(v), q, sizeof(q)),
					     x->minor);
		else
			*out = (unsigned)i;
	}
	medfwi_sbom_path_restore(PATH, saved);
	return err;
}

/* An organizationalEntity: its name (or NULL). */
static enum medfw_err org_name(struct cdx *x, const json_t *obj, const char *key, char **out,
			       struct medfw_diag *diag)
{
	json_t *org;
	size_t saved;
	enum medfw_err err;

	*out = NULL;
	err = medfwi_sbom_field_object(x->b, obj, key, &org, diag);
	if (err != MEDFW_OK || org == NULL)
		return err;
	saved = medfwi_sbom_path_key(PATH, key);
	err = keys(x, org, org_keys, COUNT(org_keys), "organizational entity", diag);
	if (err == MEDFW_OK)
		err = medfwi_sbom_field_str(x->b, org, "name", MEDFWI_STR_NAME, 0, out, diag);
	medfwi_sbom_path_restore(PATH, saved);
	return err;
}

/* 1.6 component.authors[]: the names joined by ", " (the model's one author string). */
static enum medfw_err authors_joined(struct cdx *x, const json_t *arr, char **out,
				     struct medfw_diag *diag)
{
	char joined[MEDFW_SBOM_NAME_MAX + 1];
	size_t len = 0, i, saved = medfwi_sbom_path_key(PATH, "authors"), s2;
	json_t *item;
	enum medfw_err err = MEDFW_OK;

	*out = NULL;
	json_array_foreach(arr, i, item) {
		char *name = NULL;
		size_t n;

		s2 = medfwi_sbom_path_index(PATH, i);
		err = medfwi_sbom_expect_object(x->b, item, diag);
		if (err == MEDFW_OK)
			err = keys(x, item, contact_keys, COUNT(contact_keys),
				   "organizational contact", diag);
		if (err == MEDFW_OK)
			err = medfwi_sbom_field_str(x->b, item, "name", MEDFWI_STR_NAME, 0, &name,
						    diag);
		if (err == MEDFW_OK && name != NULL) {
			n = strlen(name);
			if (len + (len > 0 ? 2 : 0) + n > MEDFW_SBOM_NAME_MAX)
				err = medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE,
						     "%s: the author names together are longer "
						     "than %u bytes",
						     PSTR, MEDFW_SBOM_NAME_MAX);
			else {
				if (len > 0) {
					memcpy(joined + len, ", ", 2);
					len += 2;
				}
				memcpy(joined + len, name, n);
				len += n;
			}
		}
		medfwi_sbom_path_restore(PATH, s2);
		if (err != MEDFW_OK)
			break;
	}
	medfwi_sbom_path_restore(PATH, saved);
	if (err != MEDFW_OK || len == 0)
		return err;
	*out = medfwi_sbom_strndup(x->b->sbom, joined, len);
	return *out == NULL ? nomem(x, diag) : MEDFW_OK;
}

static enum medfw_err parse_hashes(struct cdx *x, const json_t *arr,
				   struct medfw_sbom_component *c, struct medfw_diag *diag)
{
	size_t n = json_array_size(arr), i, s2, s3;
	json_t *item, *alg, *content;
	enum medfw_err err = MEDFW_OK;
	enum medfw_sbom_hash_alg a;
	char q[80];

	if (n == 0)
		return MEDFW_OK;
	c->hashes = medfwi_sbom_alloc(x->b->sbom, n, sizeof(c->hashes[0]));
	if (c->hashes == NULL)
		return nomem(x, diag);
	json_array_foreach(arr, i, item) {
		s2 = medfwi_sbom_path_index(PATH, i);
		err = medfwi_sbom_expect_object(x->b, item, diag);
		if (err == MEDFW_OK)
			err = keys(x, item, hash_keys, COUNT(hash_keys), "hash", diag);
		alg = json_object_get(item, "alg");
		content = json_object_get(item, "content");
		if (err == MEDFW_OK && (alg == NULL || content == NULL))
			err = medfw_diag_set(diag, MEDFW_ERR_FIELD_MISSING,
					     "%s.%s: required field missing", PSTR,
					     alg == NULL ? "alg" : "content");
		if (err == MEDFW_OK && !json_is_string(alg))
			err = medfw_diag_set(diag, MEDFW_ERR_FIELD_TYPE,
					     "%s.alg: must be a string", PSTR);
		if (err == MEDFW_OK &&
		    !medfwi_sbom_hash_alg_from_name(json_string_value(alg), &a))
			err = medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					     "%s.alg: \"%s\" is not a CycloneDX hash algorithm",
					     PSTR,
					     medfwi_sbom_quote(json_string_value(alg), q, sizeof(q)));
		if (err == MEDFW_OK) {
			s3 = medfwi_sbom_path_key(PATH, "content");
			err = medfwi_sbom_hash(x->b, a, json_string_value(alg), content,
					       &c->hashes[c->hash_count], diag);
			medfwi_sbom_path_restore(PATH, s3);
		}
		medfwi_sbom_path_restore(PATH, s2);
		if (err != MEDFW_OK)
			return err;
		c->hash_count++;
	}
	return MEDFW_OK;
}

/* One licence object ({"id"} or {"name"}, exactly one). */
static enum medfw_err parse_license_object(struct cdx *x, const json_t *lic,
					   struct medfw_sbom_license *out,
					   struct medfw_diag *diag)
{
	int has_id = json_object_get(lic, "id") != NULL;
	int has_name = json_object_get(lic, "name") != NULL;
	enum medfw_err err;

	err = medfwi_sbom_expect_object(x->b, lic, diag);
	if (err == MEDFW_OK)
		err = keys(x, lic, license_keys, COUNT(license_keys), "license", diag);
	if (err != MEDFW_OK)
		return err;
	if (has_id == has_name)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "%s: exactly one of \"id\" and \"name\" is required", PSTR);
	out->kind = has_id ? MEDFW_SBOM_LICENSE_ID : MEDFW_SBOM_LICENSE_NAME;
	return medfwi_sbom_field_str(x->b, lic, has_id ? "id" : "name",
				     has_id ? MEDFWI_STR_NAME : MEDFWI_STR_LONG, 1, &out->value,
				     diag);
}

/* licenses[]: 1.4 allows any mix of {license} and {expression} items; 1.5 and 1.6
 * either {license} items or exactly one {expression}. */
static enum medfw_err parse_licenses(struct cdx *x, const json_t *arr,
				     struct medfw_sbom_component *c, struct medfw_diag *diag)
{
	size_t n = json_array_size(arr), i, s2, s3;
	json_t *item;
	enum medfw_err err = MEDFW_OK;

	if (n == 0)
		return MEDFW_OK;
	c->licenses = medfwi_sbom_alloc(x->b->sbom, n, sizeof(c->licenses[0]));
	if (c->licenses == NULL)
		return nomem(x, diag);
	json_array_foreach(arr, i, item) {
		struct medfw_sbom_license *l = &c->licenses[i];
		const json_t *lic, *expr;

		s2 = medfwi_sbom_path_index(PATH, i);
		err = medfwi_sbom_expect_object(x->b, item, diag);
		lic = json_object_get(item, "license");
		expr = json_object_get(item, "expression");
		if (err == MEDFW_OK && x->minor == 4) {
			err = keys(x, item, choice14_keys, COUNT(choice14_keys), "license choice",
				   diag);
			if (err == MEDFW_OK && (lic == NULL) == (expr == NULL))
				err = medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
						     "%s: exactly one of \"license\" and "
						     "\"expression\" is required",
						     PSTR);
		} else if (err == MEDFW_OK && expr != NULL) {
			err = keys(x, item, expression_keys, COUNT(expression_keys),
				   "license expression", diag);
			if (err == MEDFW_OK && n != 1)
				err = medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
						     "%s: a license expression must be the only "
						     "entry of licenses",
						     PSTR);
		} else if (err == MEDFW_OK) {
			err = keys(x, item, license_item_keys, COUNT(license_item_keys),
				   "license entry", diag);
			if (err == MEDFW_OK && lic == NULL)
				err = medfw_diag_set(diag, MEDFW_ERR_FIELD_MISSING,
						     "%s.license: required field missing", PSTR);
		}
		if (err == MEDFW_OK && expr != NULL) {
			l->kind = MEDFW_SBOM_LICENSE_EXPRESSION;
			err = medfwi_sbom_field_str(x->b, item, "expression", MEDFWI_STR_LONG, 1,
						    &l->value, diag);
		} else if (err == MEDFW_OK) {
			s3 = medfwi_sbom_path_key(PATH, "license");
			err = parse_license_object(x, lic, l, diag);
			medfwi_sbom_path_restore(PATH, s3);
		}
		medfwi_sbom_path_restore(PATH, s2);
		if (err != MEDFW_OK)
			return err;
		c->license_count++;
	}
	return MEDFW_OK;
}

/* Add cpe to c->cpes (capacity checked by the caller) unless it is there already. */
static void add_cpe(struct medfw_sbom_component *c, char *cpe)
{
	for (size_t i = 0; i < c->cpe_count; i++)
		if (strcmp(c->cpes[i], cpe) == 0)
			return;
	c->cpes[c->cpe_count++] = cpe;
}

/* cpe and (1.6) evidence.identity[] entries with field "cpe" and a concludedValue:
 * the component's CPEs, first the cpe field. */
static enum medfw_err parse_cpes(struct cdx *x, const json_t *obj,
				 struct medfw_sbom_component *c, struct medfw_diag *diag)
{
	json_t *evidence = NULL, *identity = NULL, *item;
	size_t cap = 0, i, saved, s2, s3;
	char *cpe = NULL;
	enum medfw_err err;
	unsigned field = 0;

	err = medfwi_sbom_field_str(x->b, obj, "cpe", MEDFWI_STR_IDENT, 0, &cpe, diag);
	if (err == MEDFW_OK)
		err = medfwi_sbom_field_object(x->b, obj, "evidence", &evidence, diag);
	if (err != MEDFW_OK)
		return err;
	if (evidence != NULL) {
		saved = medfwi_sbom_path_key(PATH, "evidence");
		err = keys(x, evidence, evidence_keys, COUNT(evidence_keys), "evidence", diag);
		identity = json_object_get(evidence, "identity");
		if (err == MEDFW_OK && identity != NULL && !json_is_array(identity) &&
		    !json_is_object(identity))
			err = medfw_diag_set(diag, MEDFW_ERR_FIELD_TYPE,
					     "%s.identity: must be an array or an object", PSTR);
		medfwi_sbom_path_restore(PATH, saved);
		if (err != MEDFW_OK)
			return err;
	}
	cap = (cpe != NULL ? 1u : 0u) +
	      (json_is_array(identity) ? json_array_size(identity) : (identity != NULL ? 1u : 0u));
	if (cap == 0)
		return MEDFW_OK;
	c->cpes = medfwi_sbom_alloc(x->b->sbom, cap, sizeof(c->cpes[0]));
	if (c->cpes == NULL)
		return nomem(x, diag);
	if (cpe != NULL)
		add_cpe(c, cpe);
	if (identity == NULL)
		return MEDFW_OK;
	saved = medfwi_sbom_path_key(PATH, "evidence");
	medfwi_sbom_path_key(PATH, "identity");
	for (i = 0; i < (json_is_array(identity) ? json_array_size(identity) : 1u); i++) {
		char *value = NULL;

		item = json_is_array(identity) ? json_array_get(identity, i) : identity;
		s2 = json_is_array(identity) ? medfwi_sbom_path_index(PATH, i) : PATH->len;
		err = medfwi_sbom_expect_object(x->b, item, diag);
		if (err == MEDFW_OK)
			err = keys(x, item, identity_keys, COUNT(identity_keys), "identity evidence",
				   diag);
		if (err == MEDFW_OK)
			err = enum_field(x, item, "field",
					 x->minor >= 6 ? field_values6 : field_values5,
					 x->minor >= 6 ? COUNT(field_values6) : COUNT(field_values5), 1,
					 &field, diag);
		if (err == MEDFW_OK && json_object_get(item, "concludedValue") != NULL) {
			s3 = medfwi_sbom_path_key(PATH, "concludedValue");
			if (strcmp(json_string_value(json_object_get(item, "field")), "cpe") == 0)
				err = medfwi_sbom_str(x->b, json_object_get(item, "concludedValue"),
						      MEDFWI_STR_IDENT, &value, diag);
			else if (!json_is_string(json_object_get(item, "concludedValue")))
				err = medfw_diag_set(diag, MEDFW_ERR_FIELD_TYPE,
						     "%s: must be a string", PSTR);
			medfwi_sbom_path_restore(PATH, s3);
		}
		medfwi_sbom_path_restore(PATH, s2);
		if (err != MEDFW_OK)
			break;
		if (value != NULL)
			add_cpe(c, value);
	}
	medfwi_sbom_path_restore(PATH, saved);
	return err;
}

static enum medfw_err parse_swid(struct cdx *x, const json_t *obj, struct medfw_diag *diag)
{
	json_t *swid;
	size_t saved;
	char *ignored = NULL;
	enum medfw_err err;

	err = medfwi_sbom_field_object(x->b, obj, "swid", &swid, diag);
	if (err != MEDFW_OK || swid == NULL)
		return err;
	saved = medfwi_sbom_path_key(PATH, "swid");
	err = keys(x, swid, swid_keys, COUNT(swid_keys), "swid", diag);
	/* Not kept in the model; the schema requires both. */
	if (err == MEDFW_OK)
		err = medfwi_sbom_field_str(x->b, swid, "tagId", MEDFWI_STR_LONG, 1, &ignored,
					    diag);
	if (err == MEDFW_OK)
		err = medfwi_sbom_field_str(x->b, swid, "name", MEDFWI_STR_LONG, 1, &ignored,
					    diag);
	medfwi_sbom_path_restore(PATH, saved);
	return err;
}

static enum medfw_err parse_component_fields(struct cdx *x, const json_t *obj,
					     struct medfw_sbom_component *c,
					     struct medfw_diag *diag);
static enum medfw_err parse_pedigree_component(struct cdx *x, const json_t *obj,
					       struct medfw_sbom_component *c,
					       struct medfw_diag *diag);

/* pedigree.ancestors / descendants / variants: identities of other components. */
static enum medfw_err parse_identities(struct cdx *x, const json_t *pedigree, const char *key,
				       struct medfw_sbom_identity **out, size_t *out_count,
				       struct medfw_diag *diag)
{
	json_t *arr, *item;
	size_t n, i, saved, s2;
	enum medfw_err err;

	err = medfwi_sbom_field_array(x->b, pedigree, key, &arr, diag);
	if (err != MEDFW_OK || arr == NULL || (n = json_array_size(arr)) == 0)
		return err;
	*out = medfwi_sbom_alloc(x->b->sbom, n, sizeof((*out)[0]));
	if (*out == NULL)
		return nomem(x, diag);
	saved = medfwi_sbom_path_key(PATH, key);
	json_array_foreach(arr, i, item) {
		struct medfw_sbom_component tmp;
		struct medfw_sbom_identity *id = &(*out)[i];

		s2 = medfwi_sbom_path_index(PATH, i);
		err = parse_pedigree_component(x, item, &tmp, diag);
		medfwi_sbom_path_restore(PATH, s2);
		if (err != MEDFW_OK)
			break;
		id->ref = tmp.ref;
		id->type = tmp.type;
		id->group = tmp.group;
		id->name = tmp.name;
		id->version = tmp.version;
		id->purl = tmp.purl;
		id->cpe = tmp.cpe_count > 0 ? tmp.cpes[0] : NULL;
		(*out_count)++;
	}
	medfwi_sbom_path_restore(PATH, saved);
	return err;
}

static enum medfw_err parse_issue(struct cdx *x, const json_t *item, struct medfw_sbom_issue *is,
				  struct medfw_diag *diag)
{
	json_t *source = NULL;
	unsigned type = 0;
	size_t saved;
	enum medfw_err err;

	err = medfwi_sbom_expect_object(x->b, item, diag);
	if (err == MEDFW_OK)
		err = keys(x, item, issue_keys, COUNT(issue_keys), "issue", diag);
	if (err == MEDFW_OK)
		err = enum_field(x, item, "type", issue_values, COUNT(issue_values), 1, &type, diag);
	is->type = (enum medfw_sbom_issue_type)type;
	if (err == MEDFW_OK)
		err = medfwi_sbom_field_str(x->b, item, "id", MEDFWI_STR_NAME, 0, &is->id, diag);
	if (err == MEDFW_OK)
		err = medfwi_sbom_field_str(x->b, item, "name", MEDFWI_STR_NAME, 0, &is->name,
					    diag);
	if (err == MEDFW_OK)
		err = medfwi_sbom_field_object(x->b, item, "source", &source, diag);
	if (err != MEDFW_OK || source == NULL)
		return err;
	saved = medfwi_sbom_path_key(PATH, "source");
	err = keys(x, source, source_keys, COUNT(source_keys), "issue source", diag);
	if (err == MEDFW_OK)
		err = medfwi_sbom_field_str(x->b, source, "name", MEDFWI_STR_NAME, 0,
					    &is->source_name, diag);
	if (err == MEDFW_OK)
		err = medfwi_sbom_field_str(x->b, source, "url", MEDFWI_STR_LONG, 0,
					    &is->source_url, diag);
	medfwi_sbom_path_restore(PATH, saved);
	return err;
}

static enum medfw_err parse_patch(struct cdx *x, const json_t *item, struct medfw_sbom_patch *pt,
				  struct medfw_diag *diag)
{
	json_t *diff = NULL, *resolves = NULL, *issue;
	unsigned type = 0;
	size_t saved, n, i, s2;
	enum medfw_err err;

	err = medfwi_sbom_expect_object(x->b, item, diag);
	if (err == MEDFW_OK)
		err = keys(x, item, patch_keys, COUNT(patch_keys), "patch", diag);
	if (err == MEDFW_OK)
		err = enum_field(x, item, "type", patch_values, COUNT(patch_values), 1, &type, diag);
	pt->type = (enum medfw_sbom_patch_type)type;
	if (err == MEDFW_OK)
		err = medfwi_sbom_field_object(x->b, item, "diff", &diff, diag);
	if (err == MEDFW_OK && diff != NULL) {
		saved = medfwi_sbom_path_key(PATH, "diff");
		err = keys(x, diff, diff_keys, COUNT(diff_keys), "diff", diag);
		if (err == MEDFW_OK)
			err = medfwi_sbom_field_str(x->b, diff, "url", MEDFWI_STR_LONG, 0,
						    &pt->diff_url, diag);
		medfwi_sbom_path_restore(PATH, saved);
	}
	if (err == MEDFW_OK)
		err = medfwi_sbom_field_array(x->b, item, "resolves", &resolves, diag);
	if (err != MEDFW_OK || resolves == NULL || (n = json_array_size(resolves)) == 0)
		return err;
	pt->resolves = medfwi_sbom_alloc(x->b->sbom, n, sizeof(pt->resolves[0]));
	if (pt->resolves == NULL)
		return nomem(x, diag);
	saved = medfwi_sbom_path_key(PATH, "resolves");
	json_array_foreach(resolves, i, issue) {
		s2 = medfwi_sbom_path_index(PATH, i);
		err = parse_issue(x, issue, &pt->resolves[i], diag);
		medfwi_sbom_path_restore(PATH, s2);
		if (err != MEDFW_OK)
			break;
		pt->resolves_count++;
	}
	medfwi_sbom_path_restore(PATH, saved);
	return err;
}

static enum medfw_err parse_pedigree(struct cdx *x, const json_t *obj,
				     struct medfw_sbom_component *c, struct medfw_diag *diag)
{
	struct medfw_sbom_pedigree *pd;
	json_t *ped, *arr, *item;
	size_t saved, n, i, s2, s3;
	enum medfw_err err;

	err = medfwi_sbom_field_object(x->b, obj, "pedigree", &ped, diag);
	if (err != MEDFW_OK || ped == NULL)
		return err;
	pd = medfwi_sbom_alloc(x->b->sbom, 1, sizeof(*pd));
	if (pd == NULL)
		return nomem(x, diag);
	saved = medfwi_sbom_path_key(PATH, "pedigree");
	err = keys(x, ped, pedigree_keys, COUNT(pedigree_keys), "pedigree", diag);
	if (err == MEDFW_OK)
		err = parse_identities(x, ped, "ancestors", &pd->ancestors, &pd->ancestor_count,
				       diag);
	if (err == MEDFW_OK)
		err = parse_identities(x, ped, "descendants", &pd->descendants,
				       &pd->descendant_count, diag);
	if (err == MEDFW_OK)
		err = parse_identities(x, ped, "variants", &pd->variants, &pd->variant_count,
				       diag);
	if (err == MEDFW_OK)
		err = medfwi_sbom_field_array(x->b, ped, "commits", &arr, diag);
	if (err == MEDFW_OK && arr != NULL && (n = json_array_size(arr)) > 0) {
		pd->commits = medfwi_sbom_alloc(x->b->sbom, n, sizeof(pd->commits[0]));
		if (pd->commits == NULL)
			err = nomem(x, diag);
		s2 = medfwi_sbom_path_key(PATH, "commits");
		json_array_foreach(arr, i, item) {
			if (err != MEDFW_OK)
				break;
			s3 = medfwi_sbom_path_index(PATH, i);
			err = medfwi_sbom_expect_object(x->b, item, diag);
			if (err == MEDFW_OK)
				err = keys(x, item, commit_keys, COUNT(commit_keys), "commit", diag);
			if (err == MEDFW_OK)
				err = medfwi_sbom_field_str(x->b, item, "uid", MEDFWI_STR_LONG, 0,
							    &pd->commits[i].uid, diag);
			if (err == MEDFW_OK)
				err = medfwi_sbom_field_str(x->b, item, "url", MEDFWI_STR_LONG, 0,
							    &pd->commits[i].url, diag);
			medfwi_sbom_path_restore(PATH, s3);
			if (err == MEDFW_OK)
				pd->commit_count++;
		}
		medfwi_sbom_path_restore(PATH, s2);
	}
	if (err == MEDFW_OK)
		err = medfwi_sbom_field_array(x->b, ped, "patches", &arr, diag);
	if (err == MEDFW_OK && arr != NULL && (n = json_array_size(arr)) > 0) {
		pd->patches = medfwi_sbom_alloc(x->b->sbom, n, sizeof(pd->patches[0]));
		if (pd->patches == NULL)
			err = nomem(x, diag);
		s2 = medfwi_sbom_path_key(PATH, "patches");
		json_array_foreach(arr, i, item) {
			if (err != MEDFW_OK)
				break;
			s3 = medfwi_sbom_path_index(PATH, i);
			err = parse_patch(x, item, &pd->patches[i], diag);
			medfwi_sbom_path_restore(PATH, s3);
			if (err == MEDFW_OK)
				pd->patch_count++;
		}
		medfwi_sbom_path_restore(PATH, s2);
	}
	medfwi_sbom_path_restore(PATH, saved);
	if (err != MEDFW_OK)
		return err;
	/* An empty pedigree ({} or only notes) carries nothing the model keeps. */
	if (pd->ancestor_count + pd->descendant_count + pd->variant_count + pd->commit_count +
		    pd->patch_count >
	    0)
		c->pedigree = pd;
	return MEDFW_OK;
}

/* Every field of a component object except nested "components" (handled by the
 * callers). The ref is read, not registered. */
static enum medfw_err parse_component_fields(struct cdx *x, const json_t *obj,
					     struct medfw_sbom_component *c,
					     struct medfw_diag *diag)
{
	const json_t *type_v;
	json_t *arr = NULL;
	unsigned scope = 0;
	size_t saved;
	enum medfw_err err;
	char q[80];

	memset(c, 0, sizeof(*c));
	c->parent = MEDFW_SBOM_NONE;
	err = medfwi_sbom_expect_object(x->b, obj, diag);
	if (err == MEDFW_OK)
		err = keys(x, obj, component_keys, COUNT(component_keys), "component", diag);
	if (err != MEDFW_OK)
		return err;
	type_v = json_object_get(obj, "type");
	saved = medfwi_sbom_path_key(PATH, "type");
	if (type_v == NULL)
		err = medfw_diag_set(diag, MEDFW_ERR_FIELD_MISSING, "%s: required field missing",
				     PSTR);
	else if (!json_is_string(type_v))
		err = medfw_diag_set(diag, MEDFW_ERR_FIELD_TYPE, "%s: must be a string", PSTR);
	else if (!medfwi_sbom_type_from_name(json_string_value(type_v), x->minor, &c->type))
		err = medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				     "%s: \"%s\" is not a CycloneDX 1.%u component type", PSTR,
				     medfwi_sbom_quote(json_string_value(type_v), q, sizeof(q)),
				     x->minor);
	medfwi_sbom_path_restore(PATH, saved);
	if (err == MEDFW_OK)
		err = medfwi_sbom_field_str(x->b, obj, "name", MEDFWI_STR_NAME, 1, &c->name, diag);
	if (err == MEDFW_OK)
		err = medfwi_sbom_field_str(x->b, obj, "bom-ref", MEDFWI_STR_REF, 0, &c->ref, diag);
	if (err == MEDFW_OK)
		err = medfwi_sbom_field_str(x->b, obj, "group", MEDFWI_STR_NAME, 0, &c->group,
					    diag);
	if (err == MEDFW_OK)
		err = medfwi_sbom_field_str(x->b, obj, "version", MEDFWI_STR_NAME, 0, &c->version,
					    diag);
	if (err == MEDFW_OK)
		err = org_name(x, obj, "supplier", &c->supplier, diag);
	if (err == MEDFW_OK)
		err = medfwi_sbom_field_str(x->b, obj, "author", MEDFWI_STR_NAME, 0, &c->author,
					    diag);
	if (err == MEDFW_OK)
		err = medfwi_sbom_field_array(x->b, obj, "authors", &arr, diag);
	if (err == MEDFW_OK && arr != NULL) {
		char *joined = NULL;

		err = authors_joined(x, arr, &joined, diag);
		if (c->author == NULL)
			c->author = joined;
	}
	if (err == MEDFW_OK)
		err = medfwi_sbom_field_str(x->b, obj, "publisher", MEDFWI_STR_NAME, 0,
					    &c->publisher, diag);
	if (err == MEDFW_OK && json_object_get(obj, "scope") != NULL) {
		err = enum_field(x, obj, "scope", scope_values, COUNT(scope_values), 1, &scope,
				 diag);
		c->scope = (enum medfw_sbom_scope)(scope + 1);
	}
	if (err == MEDFW_OK)
		err = medfwi_sbom_field_str(x->b, obj, "purl", MEDFWI_STR_IDENT, 0, &c->purl, diag);
	if (err == MEDFW_OK)
		err = parse_cpes(x, obj, c, diag);
	if (err == MEDFW_OK)
		err = medfwi_sbom_field_array(x->b, obj, "hashes", &arr, diag);
	if (err == MEDFW_OK && arr != NULL) {
		saved = medfwi_sbom_path_key(PATH, "hashes");
		err = parse_hashes(x, arr, c, diag);
		medfwi_sbom_path_restore(PATH, saved);
	}
	if (err == MEDFW_OK)
		err = medfwi_sbom_field_array(x->b, obj, "licenses", &arr, diag);
	if (err == MEDFW_OK && arr != NULL) {
		saved = medfwi_sbom_path_key(PATH, "licenses");
		err = parse_licenses(x, arr, c, diag);
		medfwi_sbom_path_restore(PATH, saved);
	}
	if (err == MEDFW_OK)
		err = parse_swid(x, obj, diag);
	if (err == MEDFW_OK)
		err = parse_pedigree(x, obj, c, diag);
	return err;
}

/* A component inside a pedigree (or nested in one): read and checked, its ref
 * registered as "not a component of this SBOM", its own nested components checked
 * the same way and dropped. */
static enum medfw_err parse_pedigree_component(struct cdx *x, const json_t *obj,
					       struct medfw_sbom_component *c,
					       struct medfw_diag *diag)
{
	json_t *nested, *item;
	size_t saved, i, s2;
	enum medfw_err err;

	err = parse_component_fields(x, obj, c, diag);
	if (err == MEDFW_OK && c->ref != NULL) {
		saved = medfwi_sbom_path_key(PATH, "bom-ref");
		err = medfwi_sbom_ref_add(x->b, c->ref, MEDFWI_REF_OTHER, 0, diag);
		medfwi_sbom_path_restore(PATH, saved);
	}
	if (err == MEDFW_OK)
		err = medfwi_sbom_field_array(x->b, obj, "components", &nested, diag);
	if (err != MEDFW_OK || nested == NULL)
		return err;
	saved = medfwi_sbom_path_key(PATH, "components");
	json_array_foreach(nested, i, item) {
		struct medfw_sbom_component inner;

		s2 = medfwi_sbom_path_index(PATH, i);
		err = parse_pedigree_component(x, item, &inner, diag);
		medfwi_sbom_path_restore(PATH, s2);
		if (err != MEDFW_OK)
			break;
	}
	medfwi_sbom_path_restore(PATH, saved);
	return err;
}

/* A component of the SBOM and, recursively, the components nested in it (pre-order). */
static enum medfw_err parse_component(struct cdx *x, const json_t *obj, size_t parent,
				      size_t *out_index, struct medfw_diag *diag)
{
	struct medfw_sbom_component c;
	json_t *nested = NULL, *item;
	size_t idx = 0, saved, i, s2, child;
	enum medfw_err err;

	err = parse_component_fields(x, obj, &c, diag);
	if (err == MEDFW_OK)
		err = medfwi_sbom_field_array(x->b, obj, "components", &nested, diag);
	if (err != MEDFW_OK)
		return err;
	c.parent = parent;
	err = medfwi_sbom_push(x->b, &c, &idx, diag);
	if (err != MEDFW_OK)
		return err;
	if (out_index != NULL)
		*out_index = idx;
	if (c.ref == NULL) {
		char ref[sizeof(MEDFW_SBOM_GENERATED_REF_PREFIX) + 24];
		int n = snprintf(ref, sizeof(ref), "%s%zu", MEDFW_SBOM_GENERATED_REF_PREFIX, idx);

		x->b->sbom->components[idx].ref =
			medfwi_sbom_strndup(x->b->sbom, ref, (size_t)(n > 0 ? n : 0));
		if (x->b->sbom->components[idx].ref == NULL)
			return nomem(x, diag);
		x->b->sbom->components[idx].ref_generated = true;
		err = medfwi_sbom_ref_add(x->b, x->b->sbom->components[idx].ref,
					  MEDFWI_REF_COMPONENT, idx, diag);
	} else {
		saved = medfwi_sbom_path_key(PATH, "bom-ref");
		err = medfwi_sbom_ref_add(x->b, c.ref, MEDFWI_REF_COMPONENT, idx, diag);
		medfwi_sbom_path_restore(PATH, saved);
	}
	if (err != MEDFW_OK || nested == NULL)
		return err;
	saved = medfwi_sbom_path_key(PATH, "components");
	json_array_foreach(nested, i, item) {
		s2 = medfwi_sbom_path_index(PATH, i);
		err = parse_component(x, item, idx, &child, diag);
		medfwi_sbom_path_restore(PATH, s2);
		if (err != MEDFW_OK)
			break;
	}
	medfwi_sbom_path_restore(PATH, saved);
	return err;
}

static enum medfw_err parse_metadata(struct cdx *x, const json_t *root, struct medfw_diag *diag)
{
	struct medfw_sbom *sbom = x->b->sbom;
	json_t *meta, *comp;
	size_t saved, s2, idx = 0;
	enum medfw_err err;

	err = medfwi_sbom_field_object(x->b, root, "metadata", &meta, diag);
	if (err != MEDFW_OK || meta == NULL)
		return err;
	saved = medfwi_sbom_path_key(PATH, "metadata");
	err = keys(x, meta, metadata_keys, COUNT(metadata_keys), "metadata", diag);
	if (err == MEDFW_OK)
		err = medfwi_sbom_field_str(x->b, meta, "timestamp", MEDFWI_STR_TIME, 0,
					    &sbom->timestamp, diag);
	if (err == MEDFW_OK)
		err = org_name(x, meta, "supplier", &sbom->supplier, diag);
	if (err == MEDFW_OK)
		err = medfwi_sbom_field_object(x->b, meta, "component", &comp, diag);
	if (err == MEDFW_OK && comp != NULL) {
		s2 = medfwi_sbom_path_key(PATH, "component");
		err = parse_component(x, comp, MEDFW_SBOM_NONE, &idx, diag);
		medfwi_sbom_path_restore(PATH, s2);
		if (err == MEDFW_OK)
			sbom->product = idx;
	}
	medfwi_sbom_path_restore(PATH, saved);
	return err;
}

/* services[] (and nested services): only their bom-refs, which dependencies may name. */
static enum medfw_err parse_services(struct cdx *x, const json_t *obj,
				     struct medfw_diag *diag)
{
	json_t *arr, *item;
	size_t saved, i, s2, s3;
	enum medfw_err err;

	err = medfwi_sbom_field_array(x->b, obj, "services", &arr, diag);
	if (err != MEDFW_OK || arr == NULL)
		return err;
	saved = medfwi_sbom_path_key(PATH, "services");
	json_array_foreach(arr, i, item) {
		char *ref = NULL;

		s2 = medfwi_sbom_path_index(PATH, i);
		err = medfwi_sbom_expect_object(x->b, item, diag);
		if (err == MEDFW_OK)
			err = medfwi_sbom_field_str(x->b, item, "bom-ref", MEDFWI_STR_REF, 0, &ref,
						    diag);
		if (err == MEDFW_OK && ref != NULL) {
			s3 = medfwi_sbom_path_key(PATH, "bom-ref");
			err = medfwi_sbom_ref_add(x->b, ref, MEDFWI_REF_OTHER, 0, diag);
			medfwi_sbom_path_restore(PATH, s3);
		}
		if (err == MEDFW_OK)
			err = parse_services(x, item, diag);
		medfwi_sbom_path_restore(PATH, s2);
		if (err != MEDFW_OK)
			break;
	}
	medfwi_sbom_path_restore(PATH, saved);
	return err;
}

/* A ref in dependencies[]: must name something in this BOM. Sets *out to the
 * component's ref string, or NULL when it names a service or pedigree component. */
static enum medfw_err resolve_ref(struct cdx *x, const json_t *v, const char **out,
				  struct medfw_diag *diag)
{
	const struct medfwi_sbom_ref_entry *e;
	char *ref = NULL;
	char q[80];
	enum medfw_err err;

	*out = NULL;
	err = medfwi_sbom_str(x->b, v, MEDFWI_STR_REF, &ref, diag);
	if (err != MEDFW_OK)
		return err;
	e = medfwi_sbom_ref_find(x->b->sbom, ref);
	if (e == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "%s: \"%s\" is not the bom-ref of anything in this BOM", PSTR,
				      medfwi_sbom_quote(ref, q, sizeof(q)));
	if (e->kind == MEDFWI_REF_COMPONENT)
		*out = x->b->sbom->components[e->index].ref;
	return MEDFW_OK;
}

static enum medfw_err parse_dependencies(struct cdx *x, const json_t *root,
					 struct medfw_diag *diag)
{
	json_t *arr, *item, *ref_v, *deps, *dep;
	size_t saved, i, j, s2, s3;
	enum medfw_err err;

	err = medfwi_sbom_field_array(x->b, root, "dependencies", &arr, diag);
	if (err != MEDFW_OK || arr == NULL)
		return err;
	saved = medfwi_sbom_path_key(PATH, "dependencies");
	json_array_foreach(arr, i, item) {
		const char *from = NULL, *to = NULL;

		deps = NULL;
		s2 = medfwi_sbom_path_index(PATH, i);
		err = medfwi_sbom_expect_object(x->b, item, diag);
		if (err == MEDFW_OK)
			err = keys(x, item, dependency_keys, COUNT(dependency_keys), "dependency",
				   diag);
		ref_v = json_object_get(item, "ref");
		if (err == MEDFW_OK && ref_v == NULL)
			err = medfw_diag_set(diag, MEDFW_ERR_FIELD_MISSING,
					     "%s.ref: required field missing", PSTR);
		if (err == MEDFW_OK) {
			s3 = medfwi_sbom_path_key(PATH, "ref");
			err = resolve_ref(x, ref_v, &from, diag);
			medfwi_sbom_path_restore(PATH, s3);
		}
		if (err == MEDFW_OK)
			err = medfwi_sbom_field_array(x->b, item, "dependsOn", &deps, diag);
		if (err == MEDFW_OK && from != NULL)
			err = medfwi_sbom_edge(x->b, from, NULL, diag);
		s3 = medfwi_sbom_path_key(PATH, "dependsOn");
		json_array_foreach(deps, j, dep) {
			size_t s4;

			if (err != MEDFW_OK)
				break;
			s4 = medfwi_sbom_path_index(PATH, j);
			err = resolve_ref(x, dep, &to, diag);
			medfwi_sbom_path_restore(PATH, s4);
			/* Links to services or pedigree components are not modelled. */
			if (err == MEDFW_OK && from != NULL && to != NULL)
				err = medfwi_sbom_edge(x->b, from, to, diag);
		}
		medfwi_sbom_path_restore(PATH, s3);
		medfwi_sbom_path_restore(PATH, s2);
		if (err != MEDFW_OK)
			break;
	}
	medfwi_sbom_path_restore(PATH, saved);
	return err;
}

enum medfw_err medfwi_sbom_parse_cyclonedx(struct medfwi_sbom_builder *b, const json_t *root,
					   unsigned minor, struct medfw_diag *diag)
{
	struct medfw_sbom *sbom = b->sbom;
	struct cdx cx, *x = &cx;
	const json_t *version;
	json_t *arr, *item;
	size_t saved, i, s2, idx;
	enum medfw_err err;

	memset(&cx, 0, sizeof(cx));
	cx.b = b;
	cx.minor = minor;
	err = keys(x, root, root_keys, COUNT(root_keys), "BOM", diag);
	if (err == MEDFW_OK)
		err = medfwi_sbom_field_str(b, root, "serialNumber", MEDFWI_STR_LONG, 0,
					    &sbom->serial_number, diag);
	if (err == MEDFW_OK && sbom->serial_number != NULL &&
	    !medfwi_sbom_valid_serial(sbom->serial_number)) {
		char q[80];

		err = medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				     "serialNumber: \"%s\" is not urn:uuid: and a lowercase "
				     "RFC 4122 UUID",
				     medfwi_sbom_quote(sbom->serial_number, q, sizeof(q)));
	}
	if (err != MEDFW_OK)
		return err;
	version = json_object_get(root, "version");
	if (version == NULL && minor == 4)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_MISSING,
				      "version: required field missing (CycloneDX 1.4)");
	if (version != NULL && !json_is_integer(version))
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_TYPE, "version: must be an integer");
	if (version != NULL && json_integer_value(version) < 1)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "version: %lld, must be >= 1",
				      (long long)json_integer_value(version));
	sbom->version = version != NULL ? (int64_t)json_integer_value(version) : 0;

	err = parse_metadata(x, root, diag);
	if (err == MEDFW_OK)
		err = medfwi_sbom_field_array(b, root, "components", &arr, diag);
	if (err != MEDFW_OK)
		return err;
	saved = medfwi_sbom_path_key(&b->path, "components");
	json_array_foreach(arr, i, item) {
		s2 = medfwi_sbom_path_index(&b->path, i);
		err = parse_component(x, item, MEDFW_SBOM_NONE, &idx, diag);
		medfwi_sbom_path_restore(&b->path, s2);
		if (err != MEDFW_OK)
			break;
	}
	medfwi_sbom_path_restore(&b->path, saved);
	if (err == MEDFW_OK)
		err = parse_services(x, root, diag);
	if (err == MEDFW_OK)
		err = medfwi_sbom_ref_seal(b, diag);
	if (err == MEDFW_OK)
		err = parse_dependencies(x, root, diag);
	return err;
}
