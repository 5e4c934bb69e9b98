/* CVE JSON 5 records: strict parsing and affected[] evaluation (include/medfw/cve5.h). */
#include "medfw/cve5.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "medfw/cpe.h"
#include "medfw/json.h"
#include "medfw/purl.h"
#include "medfw/version.h"
#include "vuln/feed_int.h"
#include "vuln/version_int.h"

#define PATH_MAX_ MEDFWI_PATH_MAX

const char *medfw_cve5_status_name(enum medfw_cve5_status status)
{
	switch (status) {
	case MEDFW_CVE5_AFFECTED:
		return "affected";
	case MEDFW_CVE5_UNAFFECTED:
		return "unaffected";
	case MEDFW_CVE5_UNKNOWN:
		return "unknown";
	}
	return "unknown";
}

/* ------------------------------------------------------------------- freeing */

static void free_affected(struct medfw_cve5_affected *a)
{
	size_t i, k;

	free(a->vendor);
	free(a->product);
	free(a->collection_url);
	free(a->package_name);
	free(a->package_url);
	free(a->repo);
	medfwi_free_strings(a->cpes, a->cpe_count);
	medfwi_free_strings(a->platforms, a->platform_count);
	for (i = 0; a->versions != NULL && i < a->version_count; i++) {
		struct medfw_cve5_version *v = &a->versions[i];

		free(v->version);
		free(v->version_type);
		free(v->less_than);
		free(v->less_than_or_equal);
		for (k = 0; v->changes != NULL && k < v->change_count; k++)
			free(v->changes[k].at);
		free(v->changes);
	}
	free(a->versions);
}

static void free_container(struct medfw_cve5_container *c)
{
	size_t i;

	free(c->provider);
	for (i = 0; c->affected != NULL && i < c->affected_count; i++)
		free_affected(&c->affected[i]);
	free(c->affected);
	for (i = 0; c->metrics != NULL && i < c->metric_count; i++) {
		free(c->metrics[i].severity);
		free(c->metrics[i].vector);
	}
	free(c->metrics);
	free(c->description);
	medfwi_free_strings(c->cwes, c->cwe_count);
	medfwi_free_strings(c->references, c->reference_count);
}

void medfw_cve5_record_free(struct medfw_cve5_record *r)
{
	size_t i;

	if (r == NULL)
		return;
	free(r->id);
	free(r->data_version);
	free(r->assigner);
	free(r->date_published);
	free(r->date_updated);
	free_container(&r->cna);
	for (i = 0; r->adp != NULL && i < r->adp_count; i++)
		free_container(&r->adp[i]);
	free(r->adp);
	free(r);
}

/* ------------------------------------------------------------------- parsing */

static enum medfw_err get_status(const json_t *obj, const char *path, const char *key,
				 int required, int *present, enum medfw_cve5_status *out,
				 struct medfw_diag *diag)
{
	const char *s;
	enum medfw_err err =
		medfwi_json_str(obj, path, key, required, 1, MEDFWI_STR_LINE, 16, &s, diag);

	*out = MEDFW_CVE5_UNKNOWN;
	if (present != NULL)
		*present = s != NULL;
	if (err != MEDFW_OK || s == NULL)
		return err;
	if (strcmp(s, "affected") == 0)
		*out = MEDFW_CVE5_AFFECTED;
	else if (strcmp(s, "unaffected") == 0)
		*out = MEDFW_CVE5_UNAFFECTED;
	else if (strcmp(s, "unknown") != 0)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "%s.%s: must be \"affected\", \"unaffected\" or \"unknown\"",
				      path, key);
	return MEDFW_OK;
}

/* A list of strings (each nonempty, a single line, at most max_bytes). */
static enum medfw_err string_list(const json_t *obj, const char *path, const char *key,
				  size_t max_items, size_t max_bytes, char ***out, size_t *count,
				  struct medfw_diag *diag)
{
	char lp[PATH_MAX_], ip[PATH_MAX_];
	json_t *arr;
	size_t i, n;
	enum medfw_err err;

	*out = NULL;
	*count = 0;
	err = medfwi_json_array(obj, path, key, 0, max_items, &arr, diag);
	if (err != MEDFW_OK || arr == NULL)
		return err;
	n = json_array_size(arr);
	*out = medfwi_calloc_n(n, sizeof(**out));
	if (*out == NULL)
		return medfwi_nomem(diag);
	medfwi_path_key(lp, path, key);
	for (i = 0; i < n; i++) {
		json_t *v = json_array_get(arr, i);
		const char *s;
		size_t k;

		medfwi_path_item(ip, lp, NULL, i);
		if (!json_is_string(v))
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_TYPE, "%s: must be a string", ip);
		s = json_string_value(v);
		if (json_string_length(v) > max_bytes)
			return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE,
					      "%s: longer than %zu bytes", ip, max_bytes);
		if (strlen(s) != json_string_length(v) || s[0] == '\0')
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					      "%s: empty or contains NUL", ip);
		for (k = 0; s[k] != '\0'; k++)
			if ((unsigned char)s[k] < 0x20 || s[k] == 0x7f)
				return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
						      "%s: control character at byte %zu", ip,
						      k + 1);
		(*out)[i] = medfwi_strdup(s);
		if ((*out)[i] == NULL)
			return medfwi_nomem(diag);
		*count = i + 1;
	}
	return MEDFW_OK;
}

static enum medfw_err parse_version(const json_t *v, const char *path, size_t *total,
				    struct medfw_cve5_version *out, struct medfw_diag *diag)
{
	char cp[PATH_MAX_], ip[PATH_MAX_];
	json_t *changes;
	enum medfw_err err;
	size_t i, n;

	if (!json_is_object(v))
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_TYPE, "%s: must be an object", path);
	err = medfwi_json_strdup(v, path, "version", 1, 1, MEDFWI_STR_LINE, MEDFW_CVE5_MAX_VERSION,
				 &out->version, diag);
	if (err == MEDFW_OK)
		err = get_status(v, path, "status", 1, NULL, &out->status, diag);
	if (err == MEDFW_OK)
		err = medfwi_json_strdup(v, path, "versionType", 0, 1, MEDFWI_STR_LINE, 128,
					 &out->version_type, diag);
	if (err == MEDFW_OK)
		err = medfwi_json_strdup(v, path, "lessThan", 0, 1, MEDFWI_STR_LINE,
					 MEDFW_CVE5_MAX_VERSION, &out->less_than, diag);
	if (err == MEDFW_OK)
		err = medfwi_json_strdup(v, path, "lessThanOrEqual", 0, 1, MEDFWI_STR_LINE,
					 MEDFW_CVE5_MAX_VERSION, &out->less_than_or_equal, diag);
	if (err == MEDFW_OK)
		err = medfwi_json_array(v, path, "changes", 0, MEDFW_CVE5_MAX_CHANGES, &changes,
					diag);
	if (err != MEDFW_OK)
		return err;
	if (out->less_than != NULL && out->less_than_or_equal != NULL)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "%s: both lessThan and lessThanOrEqual", path);
	if ((out->less_than != NULL || out->less_than_or_equal != NULL) &&
	    out->version_type == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_MISSING,
				      "%s: a range (lessThan/lessThanOrEqual) needs a versionType",
				      path);
	if (changes == NULL)
		return MEDFW_OK;
	if (out->less_than == NULL && out->less_than_or_equal == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "%s.changes: only a range has changes", path);
	n = json_array_size(changes);
	if (n == 0)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "%s.changes: is empty", path);
	if (n > MEDFW_CVE5_MAX_VERSIONS - *total)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE,
				      "%s.changes: more than %u versions and changes in the record",
				      path, MEDFW_CVE5_MAX_VERSIONS);
	*total += n;
	out->changes = medfwi_calloc_n(n, sizeof(*out->changes));
	if (out->changes == NULL)
		return medfwi_nomem(diag);
	medfwi_path_key(cp, path, "changes");
	for (i = 0; i < n; i++) {
		const json_t *c = json_array_get(changes, i);

		medfwi_path_item(ip, cp, NULL, i);
		if (!json_is_object(c))
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_TYPE, "%s: must be an object",
					      ip);
		out->change_count = i + 1;
		err = medfwi_json_strdup(c, ip, "at", 1, 1, MEDFWI_STR_LINE, MEDFW_CVE5_MAX_VERSION,
					 &out->changes[i].at, diag);
		if (err == MEDFW_OK)
			err = get_status(c, ip, "status", 1, NULL, &out->changes[i].status, diag);
		if (err != MEDFW_OK)
			return err;
	}
	return MEDFW_OK;
}

static enum medfw_err parse_affected(const json_t *a, const char *path, size_t *total,
				     struct medfw_cve5_affected *out, struct medfw_diag *diag)
{
	char vp[PATH_MAX_], ip[PATH_MAX_];
	json_t *versions;
	enum medfw_err err;
	size_t i, n;

	if (!json_is_object(a))
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_TYPE, "%s: must be an object", path);
	err = medfwi_json_strdup(a, path, "vendor", 0, 1, MEDFWI_STR_LINE, 512, &out->vendor, diag);
	if (err == MEDFW_OK)
		err = medfwi_json_strdup(a, path, "product", 0, 1, MEDFWI_STR_LINE, 2048,
					 &out->product, diag);
	if (err == MEDFW_OK)
		err = medfwi_json_strdup(a, path, "collectionURL", 0, 1, MEDFWI_STR_LINE, 2048,
					 &out->collection_url, diag);
	if (err == MEDFW_OK)
		err = medfwi_json_strdup(a, path, "packageName", 0, 1, MEDFWI_STR_LINE, 2048,
					 &out->package_name, diag);
	if (err == MEDFW_OK)
		err = medfwi_json_strdup(a, path, "packageURL", 0, 1, MEDFWI_STR_LINE, 2048,
					 &out->package_url, diag);
	if (err == MEDFW_OK)
		err = medfwi_json_strdup(a, path, "repo", 0, 1, MEDFWI_STR_LINE, 2048, &out->repo,
					 diag);
	if (err == MEDFW_OK)
		err = string_list(a, path, "cpes", MEDFW_CVE5_MAX_LIST, 2048, &out->cpes,
				  &out->cpe_count, diag);
	if (err == MEDFW_OK)
		err = string_list(a, path, "platforms", MEDFW_CVE5_MAX_LIST, 1024, &out->platforms,
				  &out->platform_count, diag);
	if (err == MEDFW_OK)
		err = get_status(a, path, "defaultStatus", 0, &out->has_default_status,
				 &out->default_status, diag);
	if (err == MEDFW_OK)
		err = medfwi_json_array(a, path, "versions", 0, MEDFW_CVE5_MAX_VERSIONS, &versions,
					diag);
	if (err != MEDFW_OK)
		return err;
	if (!(out->vendor != NULL && out->product != NULL) &&
	    !(out->collection_url != NULL && out->package_name != NULL))
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_MISSING,
				      "%s: needs vendor and product, or collectionURL and "
				      "packageName",
				      path);
	if (versions == NULL && !out->has_default_status)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_MISSING,
				      "%s: needs versions or defaultStatus", path);
	for (i = 0; i < out->cpe_count; i++) {
		struct medfw_cpe *c = NULL;
		struct medfw_diag d;

		medfw_diag_clear(&d);
		err = medfw_cpe_parse(out->cpes[i], MEDFW_CPE_LENIENT, &c, &d);
		medfw_cpe_free(c);
		if (err != MEDFW_OK)
			return medfw_diag_set(diag, err, "%s.cpes[%zu]: %s", path, i,
					      medfw_diag_message(&d, err));
	}
	if (out->package_url != NULL) {
		struct medfw_purl *p = NULL;
		struct medfw_diag d;

		medfw_diag_clear(&d);
		err = medfw_purl_parse(out->package_url, MEDFW_PURL_LENIENT, &p, &d);
		medfw_purl_free(p);
		if (err != MEDFW_OK)
			return medfw_diag_set(diag, err, "%s.packageURL: %s", path,
					      medfw_diag_message(&d, err));
	}
	if (versions == NULL)
		return MEDFW_OK;
	n = json_array_size(versions);
	if (n == 0)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "%s.versions: is empty", path);
	if (n > MEDFW_CVE5_MAX_VERSIONS - *total)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE,
				      "%s.versions: more than %u versions and changes in the record",
				      path, MEDFW_CVE5_MAX_VERSIONS);
	*total += n;
	out->versions = medfwi_calloc_n(n, sizeof(*out->versions));
	if (out->versions == NULL)
		return medfwi_nomem(diag);
	medfwi_path_key(vp, path, "versions");
	for (i = 0; i < n; i++) {
		out->version_count = i + 1;
		medfwi_path_item(ip, vp, NULL, i);
		err = parse_version(json_array_get(versions, i), ip, total, &out->versions[i], diag);
		if (err != MEDFW_OK)
			return err;
	}
	return MEDFW_OK;
}

static const struct {
	const char *key;
	enum medfw_cve5_cvss_version version;
	const char *data_version;
} metric_keys[] = {
	{"cvssV4_0", MEDFW_CVE5_CVSS_V40, "4.0"},
	{"cvssV3_1", MEDFW_CVE5_CVSS_V31, "3.1"},
	{"cvssV3_0", MEDFW_CVE5_CVSS_V30, "3.0"},
	{"cvssV2_0", MEDFW_CVE5_CVSS_V20, "2.0"},
};
#define METRIC_KEYS (sizeof(metric_keys) / sizeof(metric_keys[0]))

static enum medfw_err parse_cvss(const json_t *data, const char *path, size_t k,
				 struct medfw_cve5_metric *out, struct medfw_diag *diag)
{
	out->version = metric_keys[k].version;
	return medfwi_json_cvss(data, path, metric_keys[k].data_version, data, path,
				out->version != MEDFW_CVE5_CVSS_V20, &out->base_score_tenths,
				&out->vector, &out->severity, diag);
}

static enum medfw_err parse_metrics(const json_t *cont, const char *path,
				    struct medfw_cve5_container *out, struct medfw_diag *diag)
{
	char mp[PATH_MAX_], ip[PATH_MAX_], kp[PATH_MAX_];
	json_t *arr;
	size_t i, k, n;
	enum medfw_err err;

	err = medfwi_json_array(cont, path, "metrics", 0, MEDFW_CVE5_MAX_LIST, &arr, diag);
	if (err != MEDFW_OK || arr == NULL)
		return err;
	n = json_array_size(arr);
	out->metrics = medfwi_calloc_n(n, sizeof(*out->metrics));
	if (out->metrics == NULL)
		return medfwi_nomem(diag);
	medfwi_path_key(mp, path, "metrics");
	for (i = 0; i < n; i++) {
		medfwi_path_item(ip, mp, NULL, i);
		if (!json_is_object(json_array_get(arr, i)))
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_TYPE, "%s: must be an object",
					      ip);
	}
	/* Newest CVSS version first, each in the record's order. */
	for (k = 0; k < METRIC_KEYS; k++) {
		for (i = 0; i < n; i++) {
			json_t *data;

			medfwi_path_item(ip, mp, NULL, i);
			err = medfwi_json_object(json_array_get(arr, i), ip, metric_keys[k].key, 0,
						 &data, diag);
			if (err != MEDFW_OK)
				return err;
			if (data == NULL)
				continue;
			medfwi_path_key(kp, ip, metric_keys[k].key);
			err = parse_cvss(data, kp, k, &out->metrics[out->metric_count++], diag);
			if (err != MEDFW_OK)
				return err;
		}
	}
	return MEDFW_OK;
}

static enum medfw_err parse_descriptions(const json_t *cont, const char *path, int required,
					 struct medfw_cve5_container *out,
					 struct medfw_diag *diag)
{
	char dp[PATH_MAX_];
	json_t *arr;
	char **english = NULL;
	size_t n = 0;
	enum medfw_err err;

	err = medfwi_json_array(cont, path, "descriptions", required, MEDFW_CVE5_MAX_LIST, &arr,
				diag);
	if (err != MEDFW_OK || arr == NULL)
		return err;
	if (json_array_size(arr) == 0 && required)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "%s.descriptions: is empty",
				      path);
	medfwi_path_key(dp, path, "descriptions");
	err = medfwi_json_english(arr, dp, MEDFW_CVE5_MAX_TEXT, MEDFWI_STR_TEXT, 1, &english, &n,
				  diag);
	if (err == MEDFW_OK && n > 0) {
		out->description = english[0]; /* the first English one */
		english[0] = NULL;
	}
	medfwi_free_strings(english, n);
	return err;
}

static int valid_cwe(const char *s)
{
	size_t i;

	if (strncmp(s, "CWE-", 4) != 0 || s[4] == '\0')
		return 0;
	for (i = 4; s[i] != '\0'; i++)
		if (!medfwi_is_digit(s[i]) || i > 14)
			return 0;
	return 1;
}

static enum medfw_err parse_problem_types(const json_t *cont, const char *path,
					  struct medfw_cve5_container *out,
					  struct medfw_diag *diag)
{
	char pp[PATH_MAX_], ip[PATH_MAX_], dp[PATH_MAX_], jp[PATH_MAX_];
	json_t *arr, *descs;
	size_t i, j, total = 0;
	enum medfw_err err;

	err = medfwi_json_array(cont, path, "problemTypes", 0, MEDFW_CVE5_MAX_LIST, &arr, diag);
	if (err != MEDFW_OK || arr == NULL)
		return err;
	medfwi_path_key(pp, path, "problemTypes");
	for (i = 0; i < json_array_size(arr); i++) {
		medfwi_path_item(ip, pp, NULL, i);
		err = medfwi_json_array(json_array_get(arr, i), ip, "descriptions", 1,
					MEDFW_CVE5_MAX_LIST, &descs, diag);
		if (err != MEDFW_OK)
			return err;
		total += json_array_size(descs);
	}
	out->cwes = medfwi_calloc_n(total, sizeof(*out->cwes));
	if (out->cwes == NULL)
		return medfwi_nomem(diag);
	for (i = 0; i < json_array_size(arr); i++) {
		descs = json_object_get(json_array_get(arr, i), "descriptions");
		medfwi_path_item(ip, pp, NULL, i);
		medfwi_path_key(dp, ip, "descriptions");
		for (j = 0; j < json_array_size(descs); j++) {
			const json_t *d = json_array_get(descs, j);
			const char *cwe, *text;

			medfwi_path_item(jp, dp, NULL, j);
			if (!json_is_object(d))
				return medfw_diag_set(diag, MEDFW_ERR_FIELD_TYPE,
						      "%s: must be an object", jp);
			err = medfwi_json_str(d, jp, "description", 1, 1, MEDFWI_STR_TEXT,
					      MEDFW_CVE5_MAX_STRING, &text, diag);
			if (err == MEDFW_OK)
				err = medfwi_json_str(d, jp, "cweId", 0, 1, MEDFWI_STR_LINE, 32, &cwe,
						      diag);
			if (err != MEDFW_OK)
				return err;
			if (cwe == NULL)
				continue;
			if (!valid_cwe(cwe))
				return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
						      "%s.cweId: not a CWE id (CWE-NNN)", jp);
			out->cwes[out->cwe_count] = medfwi_strdup(cwe);
			if (out->cwes[out->cwe_count] == NULL)
				return medfwi_nomem(diag);
			out->cwe_count++;
		}
	}
	return MEDFW_OK;
}

/* One container (cna or adp[i]). `published_cna`: the CNA container of a published
 * record, with its required fields. */
static enum medfw_err parse_container(const json_t *cont, const char *path, int published_cna,
				      size_t *total, struct medfw_cve5_container *out,
				      struct medfw_diag *diag)
{
	char pp[PATH_MAX_], ap[PATH_MAX_], ip[PATH_MAX_];
	json_t *pm, *arr;
	const char *short_name, *org;
	enum medfw_err err;
	size_t i, n;

	if (!json_is_object(cont))
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_TYPE, "%s: must be an object", path);
	err = medfwi_json_object(cont, path, "providerMetadata", 1, &pm, diag);
	if (err != MEDFW_OK)
		return err;
	medfwi_path_key(pp, path, "providerMetadata");
	err = medfwi_json_str(pm, pp, "orgId", 1, 1, MEDFWI_STR_LINE, 64, &org, diag);
	if (err == MEDFW_OK)
		err = medfwi_json_str(pm, pp, "shortName", 0, 1, MEDFWI_STR_LINE, 64, &short_name,
				      diag);
	if (err != MEDFW_OK)
		return err;
	out->provider = medfwi_strdup(short_name != NULL ? short_name : org);
	if (out->provider == NULL)
		return medfwi_nomem(diag);
	err = parse_descriptions(cont, path, published_cna, out, diag);
	if (err == MEDFW_OK)
		err = parse_metrics(cont, path, out, diag);
	if (err == MEDFW_OK)
		err = parse_problem_types(cont, path, out, diag);
	if (err == MEDFW_OK)
		err = medfwi_json_url_list(cont, path, "references", published_cna,
					   MEDFW_CVE5_MAX_REFERENCES, 2048, 0, &out->references,
					   &out->reference_count, diag);
	if (err == MEDFW_OK)
		err = medfwi_json_array(cont, path, "affected", published_cna,
					MEDFW_CVE5_MAX_AFFECTED, &arr, diag);
	if (err != MEDFW_OK || arr == NULL)
		return err;
	n = json_array_size(arr);
	if (n == 0)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "%s.affected: is empty", path);
	out->affected = medfwi_calloc_n(n, sizeof(*out->affected));
	if (out->affected == NULL)
		return medfwi_nomem(diag);
	medfwi_path_key(ap, path, "affected");
	for (i = 0; i < n; i++) {
		out->affected_count = i + 1;
		medfwi_path_item(ip, ap, NULL, i);
		err = parse_affected(json_array_get(arr, i), ip, total, &out->affected[i], diag);
		if (err != MEDFW_OK)
			return err;
	}
	return MEDFW_OK;
}

static int valid_data_version(const char *s)
{
	size_t i;

	if (strncmp(s, "5.", 2) != 0 || !medfwi_is_digit(s[2]))
		return 0;
	for (i = 2; s[i] != '\0'; i++)
		if (!medfwi_is_digit(s[i]) && !(s[i] == '.' && medfwi_is_digit(s[i + 1])))
			return 0;
	return 1;
}

static enum medfw_err parse_record(const json_t *doc, const char *path,
				   struct medfw_cve5_record *r, struct medfw_diag *diag)
{
	char mp[PATH_MAX_], cp[PATH_MAX_], ap[PATH_MAX_], ip[PATH_MAX_];
	const char *data_type, *state, *org, *short_name;
	json_t *meta, *containers, *cna, *adp;
	size_t total = 0, i, n;
	enum medfw_err err;

	if (!json_is_object(doc))
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_TYPE, "%s: must be an object", path);
	err = medfwi_json_str(doc, path, "dataType", 1, 1, MEDFWI_STR_LINE, 32, &data_type, diag);
	if (err != MEDFW_OK)
		return err;
	if (strcmp(data_type, "CVE_RECORD") != 0)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "%s.dataType: \"CVE_RECORD\" expected", path);
	err = medfwi_json_strdup(doc, path, "dataVersion", 1, 1, MEDFWI_STR_LINE, 16,
				 &r->data_version, diag);
	if (err != MEDFW_OK)
		return err;
	if (!valid_data_version(r->data_version))
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "%s.dataVersion: a 5.x version expected", path);
	err = medfwi_json_object(doc, path, "cveMetadata", 1, &meta, diag);
	if (err != MEDFW_OK)
		return err;
	medfwi_path_key(mp, path, "cveMetadata");
	err = medfwi_json_strdup(meta, mp, "cveId", 1, 1, MEDFWI_STR_LINE, 32, &r->id, diag);
	if (err == MEDFW_OK && !medfwi_cve_valid(r->id, 19))
		err = medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				     "%s.cveId: not a CVE id (CVE-YYYY-NNNN)", mp);
	if (err == MEDFW_OK)
		err = medfwi_json_str(meta, mp, "state", 1, 1, MEDFWI_STR_LINE, 16, &state, diag);
	if (err != MEDFW_OK)
		return err;
	if (strcmp(state, "PUBLISHED") == 0)
		r->state = MEDFW_CVE5_PUBLISHED;
	else if (strcmp(state, "REJECTED") == 0)
		r->state = MEDFW_CVE5_REJECTED;
	else
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "%s.state: must be \"PUBLISHED\" or \"REJECTED\"", mp);
	err = medfwi_json_str(meta, mp, "assignerOrgId", 1, 1, MEDFWI_STR_LINE, 64, &org, diag);
	if (err == MEDFW_OK)
		err = medfwi_json_str(meta, mp, "assignerShortName", 0, 1, MEDFWI_STR_LINE, 64,
				      &short_name, diag);
	if (err == MEDFW_OK)
		err = medfwi_json_strdup(meta, mp, "datePublished", 0, 1, MEDFWI_STR_LINE, 64,
					 &r->date_published, diag);
	if (err == MEDFW_OK && r->date_published != NULL &&
	    !medfwi_valid_timestamp(r->date_published))
		err = medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				     "%s.datePublished: not a date-time", mp);
	if (err == MEDFW_OK)
		err = medfwi_json_strdup(meta, mp, "dateUpdated", 0, 1, MEDFWI_STR_LINE, 64,
					 &r->date_updated, diag);
	if (err == MEDFW_OK && r->date_updated != NULL &&
	    !medfwi_valid_timestamp(r->date_updated))
		err = medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				     "%s.dateUpdated: not a date-time", mp);
	if (err != MEDFW_OK)
		return err;
	r->assigner = medfwi_strdup(short_name != NULL ? short_name : org);
	if (r->assigner == NULL)
		return medfwi_nomem(diag);

	err = medfwi_json_object(doc, path, "containers", 1, &containers, diag);
	if (err != MEDFW_OK)
		return err;
	medfwi_path_key(cp, path, "containers");
	err = medfwi_json_object(containers, cp, "cna", 1, &cna, diag);
	if (err != MEDFW_OK)
		return err;
	medfwi_path_key(ap, cp, "cna");
	if (r->state == MEDFW_CVE5_REJECTED) {
		json_t *reasons;

		err = medfwi_json_array(cna, ap, "rejectedReasons", 1, MEDFW_CVE5_MAX_LIST,
					&reasons, diag);
		if (err != MEDFW_OK)
			return err;
	}
	err = parse_container(cna, ap, r->state == MEDFW_CVE5_PUBLISHED, &total, &r->cna, diag);
	if (err != MEDFW_OK)
		return err;
	err = medfwi_json_array(containers, cp, "adp", 0, MEDFW_CVE5_MAX_ADP, &adp, diag);
	if (err != MEDFW_OK || adp == NULL)
		return err;
	n = json_array_size(adp);
	r->adp = medfwi_calloc_n(n, sizeof(*r->adp));
	if (r->adp == NULL)
		return medfwi_nomem(diag);
	medfwi_path_key(ap, cp, "adp");
	for (i = 0; i < n; i++) {
		r->adp_count = i + 1;
		medfwi_path_item(ip, ap, NULL, i);
		err = parse_container(json_array_get(adp, i), ip, 0, &total, &r->adp[i], diag);
		if (err != MEDFW_OK)
			return err;
	}
	return MEDFW_OK;
}

enum medfw_err medfw_cve5_record_from_json(const json_t *doc, const char *path,
					   struct medfw_cve5_record **out,
					   struct medfw_diag *diag)
{
	struct medfw_cve5_record *r;
	enum medfw_err err;

	if (out != NULL)
		*out = NULL;
	if (doc == NULL || out == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "CVE 5: invalid argument");
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return medfwi_nomem(diag);
	err = parse_record(doc, path != NULL ? path : "record", r, diag);
	if (err != MEDFW_OK) {
		medfw_cve5_record_free(r);
		return err;
	}
	*out = r;
	return MEDFW_OK;
}

enum medfw_err medfw_cve5_record_parse(const uint8_t *data, size_t len,
				       struct medfw_cve5_record **out, struct medfw_diag *diag)
{
	json_t *doc = NULL;
	enum medfw_err err;

	if (out != NULL)
		*out = NULL;
	if (data == NULL || out == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "CVE 5: invalid argument");
	err = medfw_json_parse(data, len, MEDFW_CVE5_MAX_RECORD_BYTES, MEDFW_CVE5_MAX_DEPTH, &doc,
			       diag);
	if (err != MEDFW_OK)
		return err;
	err = medfw_cve5_record_from_json(doc, "record", out, diag);
	json_decref(doc);
	return err;
}

/* ---------------------------------------------------------------- evaluation */

#define WHY MEDFW_VULN_EVIDENCE_MAX
#define VBUF (MEDFW_CVE5_MAX_VERSION + 16u)

/* The component, read once. */
struct comp {
	const struct medfw_vuln_component *c;
	struct medfw_purl *purl;   /* NULL when none */
	struct medfw_cpe **cpes;
	size_t cpe_count;
	enum medfw_version_scheme scheme; /* for entries without a versionType */
	const char *version;       /* NULL when none */
	char cpe_version[2u * MEDFW_CVE5_MAX_VERSION + 2u];
};

/* How a versionType orders versions. */
enum vkind {
	VK_SCHEME = 0,  /* a version.h scheme */
	VK_SEMVER = 1,  /* SemVer, with "0" and "6.12" read as 0.0.0 and 6.12.0 */
	VK_GIT = 2,     /* commit ids: needs the repository */
	VK_CUSTOM = 3,  /* the vendor's own ordering */
	VK_NONE = 4,    /* a type medfw has no ordering for */
};

struct vtype {
	enum vkind kind;
	enum medfw_version_scheme scheme;
	char label[64]; /* for evidence: "semver", "rpm", "generic", ... */
};

static const struct {
	const char *name;
	enum vkind kind;
	enum medfw_version_scheme scheme;
} type_table[] = {
	{"semver", VK_SEMVER, MEDFW_VERSION_SCHEME_SEMVER},
	/* The Linux CNA's label for the mainline release that carries the fix. */
	{"original_commit_for_fix", VK_SEMVER, MEDFW_VERSION_SCHEME_SEMVER},
	{"git", VK_GIT, MEDFW_VERSION_SCHEME_UNKNOWN},
	{"custom", VK_CUSTOM, MEDFW_VERSION_SCHEME_UNKNOWN},
	{"python", VK_SCHEME, MEDFW_VERSION_SCHEME_PYPI},
	{"pep440", VK_SCHEME, MEDFW_VERSION_SCHEME_PYPI},
	{"debian", VK_SCHEME, MEDFW_VERSION_SCHEME_DEB},
	{"dpkg", VK_SCHEME, MEDFW_VERSION_SCHEME_DEB},
	{"go", VK_SCHEME, MEDFW_VERSION_SCHEME_GOLANG},
	{"rubygems", VK_SCHEME, MEDFW_VERSION_SCHEME_GEM},
	{"ruby", VK_SCHEME, MEDFW_VERSION_SCHEME_GEM},
};

static void resolve_type(const char *version_type, enum medfw_version_scheme dflt,
			 struct vtype *t)
{
	char lower[64];
	size_t i;

	memset(t, 0, sizeof(*t));
	if (version_type == NULL) {
		t->kind = VK_SCHEME;
		t->scheme = dflt;
		snprintf(t->label, sizeof(t->label), "%s", medfw_version_scheme_name(dflt));
		return;
	}
	for (i = 0; version_type[i] != '\0' && i + 1 < sizeof(lower); i++)
		lower[i] = medfwi_to_lower(version_type[i]);
	lower[i] = '\0';
	medfwi_quote_n(version_type, 40, t->label, sizeof(t->label));
	for (i = 0; i < sizeof(type_table) / sizeof(type_table[0]); i++)
		if (strcmp(lower, type_table[i].name) == 0) {
			t->kind = type_table[i].kind;
			t->scheme = type_table[i].scheme;
			return;
		}
	t->scheme = medfw_version_scheme_from_name(lower);
	t->kind = t->scheme == MEDFW_VERSION_SCHEME_UNKNOWN ? VK_NONE : VK_SCHEME;
}

/* "6.12" -> "6.12.0", "0" -> "0.0.0" (with any pre-release/build kept); a valid SemVer
 * version or anything else unchanged. */
static const char *semver_relax(const char *v, char *buf, size_t cap)
{
	size_t i = 0, parts = 0, len = strlen(v);

	if (medfw_version_validate(MEDFW_VERSION_SCHEME_SEMVER, v, NULL) == MEDFW_OK)
		return v;
	for (;;) {
		size_t start = i;

		while (medfwi_is_digit(v[i]))
			i++;
		if (i == start || (v[start] == '0' && i - start > 1))
			return v;
		parts++;
		if (v[i] != '.' || parts == 3)
			break;
		i++;
	}
	if (parts >= 3 || (v[i] != '\0' && v[i] != '-' && v[i] != '+'))
		return v;
	if (len + 5 > cap)
		return v;
	snprintf(buf, cap, "%.*s%s%s", (int)i, v, parts == 1 ? ".0.0" : ".0", v + i);
	return buf;
}

/* Compare a and b in the version type. 1 with *cmp, or 0 (why). */
static int vcmp(const struct vtype *t, const char *a, const char *b, int *cmp, char *why)
{
	char ra[VBUF], rb[VBUF];

	if (t->kind == VK_SEMVER) {
		a = semver_relax(a, ra, sizeof(ra));
		b = semver_relax(b, rb, sizeof(rb));
	}
	return medfwi_version_cmp(t->kind == VK_SEMVER ? MEDFW_VERSION_SCHEME_SEMVER : t->scheme, a,
				  b, cmp, why, WHY);
}

static int looks_like_commit(const char *v)
{
	size_t n = 0;

	for (; v[n] != '\0'; n++)
		if (!(medfwi_is_digit(v[n]) || (v[n] >= 'a' && v[n] <= 'f') ||
		      (v[n] >= 'A' && v[n] <= 'F')))
			return 0;
	return n >= 7 && n <= 64;
}

/* v is in the series "P" (P.* as a bound): v equals P or starts with "P.". */
static int in_series(const struct vtype *t, const char *v, const char *p)
{
	size_t n = strlen(p);
	int cmp;
	char w[WHY];

	if (strncmp(v, p, n) == 0 && (v[n] == '\0' || v[n] == '.'))
		return 1;
	return vcmp(t, v, p, &cmp, w) && cmp == 0;
}

/* The upper bound: 1 v is below it, 0 not, -1 cannot tell (why). */
static int below_upper(const struct vtype *t, const char *v, const char *bound, int inclusive,
		       char *txt, size_t cap, char *why)
{
	char series[VBUF], q[96];
	size_t n = strlen(bound);
	int cmp;

	if (strcmp(bound, "*") == 0) {
		medfwi_ev_printf(txt, cap, "no upper bound");
		return 1;
	}
	if (n >= 2 && bound[n - 1] == '*' && n < sizeof(series)) {
		memcpy(series, bound, n - 1);
		series[n - 1] = '\0';
		if (series[n - 2] == '.')
			series[n - 2] = '\0';
		if (in_series(t, v, series)) {
			medfwi_ev_printf(txt, cap, "%s in the %s series", medfwi_quote_n(v, 64, q, sizeof(q)),
				 series);
			return 1;
		}
		if (!vcmp(t, v, series, &cmp, why))
			return -1;
		medfwi_ev_printf(txt, cap, "%s %s the %s series", medfwi_quote_n(v, 64, q, sizeof(q)),
			 cmp < 0 ? "below" : "above", series);
		return cmp < 0;
	}
	if (!vcmp(t, v, bound, &cmp, why))
		return -1;
	medfwi_ev_printf(txt, cap, "%s %s %s (%s)", medfwi_quote_n(v, 64, q, sizeof(q)),
		 cmp < 0 ? "<" : (cmp > 0 ? ">" : "=="), bound,
		 inclusive ? "lessThanOrEqual" : "lessThan");
	return inclusive ? cmp <= 0 : cmp < 0;
}

/* A GitHub range written as a single version: ">= 1.7.0, < 1.18.4". 1 holds, 0 not,
 * -1 cannot tell (why), -2 not that notation. */
static int github_range(const struct vtype *t, const char *v, const char *text, char *txt,
			size_t cap, char *why)
{
	const char *p = text;
	int all = 1;

	while (*p == ' ')
		p++;
	if (*p != '<' && *p != '>' && *p != '=')
		return -2;
	while (*p != '\0') {
		char op[3] = {0}, ver[VBUF], w[WHY];
		size_t n = 0;
		int cmp, ok;

		while (*p == ' ')
			p++;
		if (*p != '<' && *p != '>' && *p != '=')
			goto bad;
		op[0] = *p++;
		if (*p == '=')
			op[1] = *p++;
		while (*p == ' ')
			p++;
		while (*p != '\0' && *p != ',' && *p != ' ' && n + 1 < sizeof(ver))
			ver[n++] = *p++;
		ver[n] = '\0';
		while (*p == ' ')
			p++;
		if (n == 0 || (*p != '\0' && *p != ','))
			goto bad;
		if (*p == ',')
			p++;
		if (!vcmp(t, v, ver, &cmp, w)) {
			medfwi_ev_printf(why, WHY, "cannot compare with %s %s: %s", op, ver, w);
			return -1;
		}
		if (strcmp(op, ">=") == 0)
			ok = cmp >= 0;
		else if (strcmp(op, ">") == 0)
			ok = cmp > 0;
		else if (strcmp(op, "<=") == 0)
			ok = cmp <= 0;
		else if (strcmp(op, "<") == 0)
			ok = cmp < 0;
		else if (strcmp(op, "=") == 0 || strcmp(op, "==") == 0)
			ok = cmp == 0;
		else
			goto bad;
		all = all && ok;
	}
	medfwi_ev_printf(txt, cap, "%s range \"%s\" %s", t->label, text, all ? "holds" : "does not hold");
	return all;
bad:
	medfwi_ev_printf(why, WHY, "\"%s\" is neither a version nor a range (\">= A, < B\")",
			 text);
	return -1;
}

enum mres {
	M_NO = 0,
	M_YES = 1,
	M_UNDECIDED = 2,
	M_SKIP = 3, /* a git range and a release version: does not apply */
};

struct item_eval {
	enum mres r;
	int status_known;               /* M_YES: the status is decided */
	enum medfw_cve5_status status;
	char why[WHY];                  /* the comparison, or why it cannot be decided */
};

/* The status of a matched range at v after its changes (the last change at or below v). */
static void apply_changes(const struct vtype *t, const struct medfw_cve5_version *it,
			  const char *v, struct item_eval *out)
{
	size_t i, best = 0;
	int have = 0, cmp;
	char w[WHY];

	out->status = it->status;
	out->status_known = 1;
	for (i = 0; i < it->change_count; i++) {
		const struct medfw_cve5_change *c = &it->changes[i];

		if (t->kind == VK_CUSTOM || t->kind == VK_GIT || !vcmp(t, c->at, v, &cmp, w)) {
			size_t n = strlen(out->why);

			out->status_known = 0;
			medfwi_ev_printf(out->why + n, WHY - n,
					 "; the change at %s cannot be placed", c->at);
			return;
		}
		if (cmp > 0)
			continue;
		if (have) {
			int order;

			if (!vcmp(t, c->at, it->changes[best].at, &order, w) ||
			    (order == 0 && c->status != it->changes[best].status)) {
				out->status_known = 0;
				return;
			}
			if (order <= 0)
				continue;
		}
		best = i;
		have = 1;
	}
	if (have) {
		size_t n = strlen(out->why);

		out->status = it->changes[best].status;
		medfwi_ev_printf(out->why + n, WHY - n, "; changes at %s to %s",
				 it->changes[best].at, medfw_cve5_status_name(out->status));
	}
}

static void eval_item_inner(const struct comp *cp, const struct medfw_cve5_version *it,
			    struct item_eval *out);

/* Evaluate one version object; a match without changes has the object's status. */
static void eval_item(const struct comp *cp, const struct medfw_cve5_version *it,
		      struct item_eval *out)
{
	memset(out, 0, sizeof(*out));
	out->status = it->status;
	out->status_known = 1;
	eval_item_inner(cp, it, out);
}

static void eval_item_inner(const struct comp *cp, const struct medfw_cve5_version *it,
			    struct item_eval *out)
{
	const char *v = cp->version;
	const char *upper = it->less_than != NULL ? it->less_than : it->less_than_or_equal;
	struct vtype t;
	char lo_txt[WHY / 2], hi_txt[WHY / 2], q[96];
	int lo, hi, cmp;

	resolve_type(it->version_type, cp->scheme, &t);
	if (t.kind == VK_GIT) {
		if (!looks_like_commit(v)) {
			out->r = M_SKIP;
			medfwi_ev_printf(out->why, WHY,
					 "git commit ranges do not place the release version %s",
					 medfwi_quote_n(v, 64, q, sizeof(q)));
			return;
		}
		if (medfwi_eq_ci(v, it->version) ||
		    (it->less_than_or_equal != NULL && medfwi_eq_ci(v, it->less_than_or_equal))) {
			out->r = M_YES;
			medfwi_ev_printf(out->why, WHY, "commit %s", it->version);
			apply_changes(&t, it, v, out);
			return;
		}
		if (upper == NULL || (it->less_than != NULL && medfwi_eq_ci(v, it->less_than))) {
			out->r = M_NO;
			medfwi_ev_printf(out->why, WHY, "another commit than %s", it->version);
			return;
		}
		out->r = M_UNDECIDED;
		medfwi_ev_printf(out->why, WHY, "commit %s: placing it in %s..%s needs the "
						"repository's history",
				 medfwi_quote_n(v, 64, q, sizeof(q)), it->version, upper);
		return;
	}
	if (t.kind == VK_CUSTOM || t.kind == VK_NONE) {
		if (strcmp(v, it->version) == 0) {
			out->r = M_YES;
			medfwi_ev_printf(out->why, WHY, "version %s as written",
					 medfwi_quote_n(v, 64, q, sizeof(q)));
			apply_changes(&t, it, v, out);
			return;
		}
		out->r = M_UNDECIDED;
		medfwi_ev_printf(out->why, WHY,
				 t.kind == VK_CUSTOM ? "versionType %s: the vendor's own ordering, "
						       "unknown here"
						     : "versionType %s has no known ordering",
				 t.label);
		return;
	}
	if (upper == NULL) {
		char w[WHY];
		int eq;

		if (strcmp(v, it->version) == 0) {
			out->r = M_YES;
			medfwi_ev_printf(out->why, WHY, "version %s", medfwi_quote_n(v, 64, q, sizeof(q)));
			return;
		}
		if (strcmp(it->version, "*") == 0) {
			out->r = M_YES;
			medfwi_ev_printf(out->why, WHY, "every version (*)");
			return;
		}
		eq = github_range(&t, v, it->version, lo_txt, sizeof(lo_txt), w);
		if (eq >= 0) {
			out->r = eq ? M_YES : M_NO;
			medfwi_ev_printf(out->why, WHY, "%s", lo_txt);
			return;
		}
		if (eq == -1) {
			out->r = M_UNDECIDED;
			memcpy(out->why, w, WHY);
			return;
		}
		if (it->version[strlen(it->version) - 1] == '*') {
			char series[VBUF];
			size_t n = strlen(it->version);

			if (n < sizeof(series)) {
				memcpy(series, it->version, n - 1);
				series[n - 1] = '\0';
				if (n >= 2 && series[n - 2] == '.')
					series[n - 2] = '\0';
				out->r = in_series(&t, v, series) ? M_YES : M_NO;
				medfwi_ev_printf(out->why, WHY, "%s %s the %s series",
						 medfwi_quote_n(v, 64, q, sizeof(q)),
						 out->r == M_YES ? "in" : "not in", series);
				return;
			}
		}
		if (!vcmp(&t, v, it->version, &cmp, w)) {
			out->r = M_UNDECIDED;
			medfwi_ev_printf(out->why, WHY, "cannot compare with %s: %s", it->version, w);
			return;
		}
		out->r = cmp == 0 ? M_YES : M_NO;
		medfwi_ev_printf(out->why, WHY, "%s %s %s %s", t.label,
				 medfwi_quote_n(v, 64, q, sizeof(q)), cmp == 0 ? "==" : "!=",
				 it->version);
		return;
	}
	/* A range: version <= v, and v below the upper bound. */
	if (strcmp(it->version, "0") == 0) {
		lo = 1;
		medfwi_ev_printf(lo_txt, sizeof(lo_txt), "no lower bound (0)");
	} else if (!vcmp(&t, v, it->version, &cmp, out->why)) {
		lo = -1;
	} else {
		lo = cmp >= 0;
		medfwi_ev_printf(lo_txt, sizeof(lo_txt), "%s %s %s", medfwi_quote_n(v, 64, q, sizeof(q)),
			 cmp < 0 ? "<" : (cmp > 0 ? ">" : "=="), it->version);
	}
	if (lo < 0) {
		out->r = M_UNDECIDED;
		return;
	}
	if (lo == 0) {
		out->r = M_NO;
		medfwi_ev_printf(out->why, WHY, "%s %s", t.label, lo_txt);
		return;
	}
	hi = below_upper(&t, v, upper, it->less_than_or_equal != NULL, hi_txt, sizeof(hi_txt),
			 out->why);
	if (hi < 0) {
		out->r = M_UNDECIDED;
		return;
	}
	out->r = hi ? M_YES : M_NO;
	medfwi_ev_printf(out->why, WHY, "%s %s, %s", t.label, lo_txt, hi_txt);
	if (hi)
		apply_changes(&t, it, v, out);
}

/* Every status a version object can give (a bit per status). */
static unsigned item_statuses(const struct medfw_cve5_version *it)
{
	unsigned m = 1u << it->status;
	size_t i;

	for (i = 0; i < it->change_count; i++)
		m |= 1u << it->changes[i].status;
	return m;
}

enum eres {
	E_AFFECTED = 0,
	E_NOT_AFFECTED = 1,
	E_UNDETERMINED = 2,
	E_INAPPLICABLE = 3, /* only git views: says nothing about a release version */
};

static enum eres from_status(enum medfw_cve5_status s)
{
	return s == MEDFW_CVE5_AFFECTED ? E_AFFECTED
				       : (s == MEDFW_CVE5_UNAFFECTED ? E_NOT_AFFECTED : E_UNDETERMINED);
}

/* The status of one affected entry for the component's version (the schema's
 * algorithm). rule/comparison/fixed get the evidence. */
static enum eres eval_entry(const struct comp *cp, const struct medfw_cve5_affected *a,
			    const char *where, struct medfw_vuln_verdict *out)
{
	struct item_eval ie;
	unsigned possible = 0;
	size_t i, skipped = 0, undecided_at = 0;
	int undecided = 0;
	char first_undecided[WHY];
	enum medfw_cve5_status d = a->default_status;

	first_undecided[0] = '\0';
	if (a->version_count > 0 && cp->version == NULL) {
		char head[WHY];

		memcpy(head, out->rule, WHY);
		medfwi_ev_printf(out->rule, sizeof(out->rule), "%s %s.versions", head, where);
		medfwi_ev_printf(out->comparison, sizeof(out->comparison),
				 "the component has no version");
		return E_UNDETERMINED;
	}
	for (i = 0; i < a->version_count; i++) {
		const struct medfw_cve5_version *it = &a->versions[i];
		char head[WHY];

		eval_item(cp, it, &ie);
		if (ie.r == M_NO)
			continue;
		if (ie.r == M_SKIP || ie.r == M_UNDECIDED) {
			skipped += ie.r == M_SKIP;
			possible |= item_statuses(it);
			if (!undecided) {
				undecided = 1;
				undecided_at = i;
				memcpy(first_undecided, ie.why, WHY);
			}
			continue;
		}
		/* The first matching version object decides. */
		memcpy(head, out->rule, WHY);
		medfwi_ev_printf(out->rule, sizeof(out->rule), "%s %s.versions[%zu] (%s)", head,
				 where, i, medfw_cve5_status_name(ie.status_known ? ie.status
										  : it->status));
		if (!ie.status_known) {
			medfwi_ev_printf(out->comparison, sizeof(out->comparison),
					 "%s; the status cannot be decided", ie.why);
			return E_UNDETERMINED;
		}
		if (possible != 0 && possible != (1u << ie.status)) {
			medfwi_ev_printf(out->comparison, sizeof(out->comparison),
					 "%s; but versions[%zu] before it cannot be decided: %s",
					 ie.why, undecided_at, first_undecided);
			return E_UNDETERMINED;
		}
		medfwi_ev_printf(out->comparison, sizeof(out->comparison), "%s", ie.why);
		if (ie.status == MEDFW_CVE5_AFFECTED && it->less_than != NULL &&
		    strchr(it->less_than, '*') == NULL && it->change_count == 0)
			medfwi_ev_printf(out->fixed_version, sizeof(out->fixed_version), "%s",
					 it->less_than);
		if (ie.status == MEDFW_CVE5_UNKNOWN) {
			size_t n = strlen(out->comparison);

			medfwi_ev_printf(out->comparison + n, sizeof(out->comparison) - n,
					 "; status unknown");
		}
		return from_status(ie.status);
	}
	{
		char head[WHY];

		memcpy(head, out->rule, WHY);
		medfwi_ev_printf(out->rule, sizeof(out->rule), "%s %s defaultStatus %s%s", head,
				 where, medfw_cve5_status_name(d),
				 a->has_default_status ? "" : " (absent)");
	}
	if (a->version_count > 0 && skipped == a->version_count) {
		medfwi_ev_printf(out->comparison, sizeof(out->comparison), "%s", first_undecided);
		return E_INAPPLICABLE;
	}
	if (possible != 0 && possible != (1u << d)) {
		medfwi_ev_printf(out->comparison, sizeof(out->comparison),
				 "no version object matches for certain: versions[%zu]: %s",
				 undecided_at, first_undecided);
		return E_UNDETERMINED;
	}
	if (a->version_count == 0)
		medfwi_ev_printf(out->comparison, sizeof(out->comparison),
				 "no version list: every version is %s",
				 medfw_cve5_status_name(d));
	else
		medfwi_ev_printf(out->comparison, sizeof(out->comparison),
				 "%s matches none of the %zu version objects",
				 cp->version != NULL ? cp->version : "(none)", a->version_count);
	if (d == MEDFW_CVE5_UNKNOWN) {
		size_t n = strlen(out->comparison);

		medfwi_ev_printf(out->comparison + n, sizeof(out->comparison) - n,
				 "; the default status is unknown");
	}
	return from_status(d);
}

/* ------------------------------------------------------------------ identity */

static const char *trim(const char *s, size_t *len)
{
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	*len = n;
	return s;
}

/* Trimmed, ASCII case-insensitive equality; NULL, empty and "n/a" never match. */
static int name_eq(const char *a, const char *b)
{
	size_t la, lb, i;

	if (a == NULL || b == NULL)
		return 0;
	a = trim(a, &la);
	b = trim(b, &lb);
	if (la == 0 || la != lb)
		return 0;
	if (la == 3 && medfwi_to_lower(a[0]) == 'n' && a[1] == '/' && medfwi_to_lower(a[2]) == 'a')
		return 0;
	for (i = 0; i < la; i++)
		if (medfwi_to_lower(a[i]) != medfwi_to_lower(b[i]))
			return 0;
	return 1;
}

/* A name that can identify something: not NULL, not blank, not "n/a". */
static int usable_name(const char *s)
{
	return name_eq(s, s);
}

static const struct {
	const char *host;
	const char *type;
	const char *ns; /* a fixed namespace, or NULL */
} registries[] = {
	{"pypi.org", "pypi", NULL},
	{"pypi.python.org", "pypi", NULL},
	{"files.pythonhosted.org", "pypi", NULL},
	{"registry.npmjs.org", "npm", NULL},
	{"npmjs.com", "npm", NULL},
	{"repo.maven.apache.org", "maven", NULL},
	{"repo1.maven.org", "maven", NULL},
	{"central.sonatype.com", "maven", NULL},
	{"search.maven.org", "maven", NULL},
	{"crates.io", "cargo", NULL},
	{"rubygems.org", "gem", NULL},
	{"nuget.org", "nuget", NULL},
	{"api.nuget.org", "nuget", NULL},
	{"packagist.org", "composer", NULL},
	{"proxy.golang.org", "golang", NULL},
	{"pkg.go.dev", "golang", NULL},
	{"golang.org", "golang", NULL},
	{"hex.pm", "hex", NULL},
	{"repo.hex.pm", "hex", NULL},
	{"pub.dev", "pub", NULL},
	{"cocoapods.org", "cocoapods", NULL},
	{"cran.r-project.org", "cran", NULL},
	{"hackage.haskell.org", "hackage", NULL},
	{"conan.io", "conan", NULL},
	{"hub.docker.com", "docker", NULL},
	{"packages.debian.org", "deb", "debian"},
	{"archlinux.org", "alpm", "arch"},
	{"github.com", "github", NULL},
	{"bitbucket.org", "bitbucket", NULL},
};

/* Read collectionURL + packageName as a purl (type, namespace, name). */
static struct medfw_purl *collection_purl(const char *url, const char *package)
{
	char host[256], path[2048], ns[2048], name[2048];
	const char *p, *h, *type = NULL, *fixed_ns = NULL;
	size_t n, i;
	struct medfw_purl_parts parts;
	struct medfw_purl *out = NULL;

	if (strncmp(url, "https://", 8) == 0)
		p = url + 8;
	else if (strncmp(url, "http://", 7) == 0)
		p = url + 7;
	else
		return NULL;
	for (n = 0; p[n] != '\0' && p[n] != '/' && p[n] != ':' && p[n] != '?'; n++)
		;
	if (n == 0 || n >= sizeof(host))
		return NULL;
	for (i = 0; i < n; i++)
		host[i] = medfwi_to_lower(p[i]);
	host[n] = '\0';
	p += n;
	if (*p == ':') /* a port */
		while (*p != '\0' && *p != '/')
			p++;
	h = strncmp(host, "www.", 4) == 0 ? host + 4 : host;
	for (i = 0; i < sizeof(registries) / sizeof(registries[0]); i++)
		if (strcmp(h, registries[i].host) == 0) {
			type = registries[i].type;
			fixed_ns = registries[i].ns;
			break;
		}
	if (type == NULL || strlen(package) >= sizeof(name))
		return NULL;
	/* The path without slashes at either end. */
	while (*p == '/')
		p++;
	snprintf(path, sizeof(path), "%s", p);
	for (n = strlen(path); n > 0 && path[n - 1] == '/'; n--)
		path[n - 1] = '\0';
	ns[0] = '\0';
	snprintf(name, sizeof(name), "%s", package);
	if (strcmp(type, "github") == 0 || strcmp(type, "bitbucket") == 0) {
		const char *slash = strchr(path, '/');

		if (path[0] == '\0') { /* packageName "owner/repo" */
			slash = strchr(package, '/');
			if (slash == NULL || strchr(slash + 1, '/') != NULL)
				return NULL;
			snprintf(ns, sizeof(ns), "%.*s", (int)(slash - package), package);
			snprintf(name, sizeof(name), "%s", slash + 1);
		} else if (slash == NULL) { /* collection of an owner */
			snprintf(ns, sizeof(ns), "%s", path);
		} else { /* the repository itself: packageName must name it */
			if (strchr(slash + 1, '/') != NULL || !medfwi_eq_ci(slash + 1, package))
				return NULL;
			snprintf(ns, sizeof(ns), "%.*s", (int)(slash - path), path);
		}
	} else if (strcmp(type, "maven") == 0) {
		const char *colon = strchr(package, ':');

		if (colon == NULL || strchr(colon + 1, ':') != NULL)
			return NULL;
		snprintf(ns, sizeof(ns), "%.*s", (int)(colon - package), package);
		snprintf(name, sizeof(name), "%s", colon + 1);
	} else if (strcmp(type, "npm") == 0 || strcmp(type, "golang") == 0 ||
		   strcmp(type, "composer") == 0) {
		const char *slash = strrchr(package, '/');

		if (slash != NULL) {
			snprintf(ns, sizeof(ns), "%.*s", (int)(slash - package), package);
			snprintf(name, sizeof(name), "%s", slash + 1);
		}
	} else if (strchr(package, '/') != NULL) {
		return NULL;
	}
	if (fixed_ns != NULL)
		snprintf(ns, sizeof(ns), "%s", fixed_ns);
	memset(&parts, 0, sizeof(parts));
	parts.type = type;
	parts.namespace_ = ns[0] != '\0' ? ns : NULL;
	parts.name = name;
	if (medfw_purl_build(&parts, MEDFW_PURL_LENIENT, &out, NULL) != MEDFW_OK)
		return NULL;
	return out;
}

/* Is the entry about the component? 1 yes, 2 by the product name alone (the record's
 * vendor is "n/a" or the component names no supplier or group), 0 no. how: a short
 * text for evidence. */
static int about_component(const struct comp *cp, const struct medfw_cve5_affected *a, char *how,
			   size_t cap)
{
	const struct medfw_vuln_component *c = cp->c;
	size_t i, k;

	if (cp->purl != NULL && a->package_url != NULL) {
		struct medfw_purl *p = NULL;
		int same = 0;

		if (medfw_purl_parse(a->package_url, MEDFW_PURL_LENIENT, &p, NULL) == MEDFW_OK)
			same = medfw_purl_same_package(p, cp->purl);
		medfw_purl_free(p);
		if (same) {
			snprintf(how, cap, "packageURL");
			return 1;
		}
	}
	if (cp->purl != NULL && a->collection_url != NULL && a->package_name != NULL) {
		struct medfw_purl *p = collection_purl(a->collection_url, a->package_name);
		int same = p != NULL && medfw_purl_same_package(p, cp->purl);

		medfw_purl_free(p);
		if (same) {
			snprintf(how, cap, "collectionURL + packageName");
			return 1;
		}
	}
	for (i = 0; i < a->cpe_count && cp->cpe_count > 0; i++) {
		struct medfw_cpe *rc = NULL;
		int m = 0;

		if (medfw_cpe_parse(a->cpes[i], MEDFW_CPE_LENIENT, &rc, NULL) != MEDFW_OK)
			continue;
		for (k = 0; k < cp->cpe_count && !m; k++)
			m = medfw_cpe_match(rc, cp->cpes[k]);
		medfw_cpe_free(rc);
		if (m) {
			snprintf(how, cap, "cpes[%zu]", i);
			return 1;
		}
	}
	if (cp->purl != NULL && strcmp(cp->purl->type, "github") == 0 &&
	    name_eq(a->vendor, cp->purl->namespace_) && name_eq(a->product, cp->purl->name)) {
		snprintf(how, cap, "vendor + product (github purl)");
		return 1;
	}
	if (!name_eq(a->product, c->name))
		return 0;
	if (name_eq(a->vendor, c->supplier) || name_eq(a->vendor, c->group)) {
		snprintf(how, cap, "vendor + product");
		return 1;
	}
	if (!usable_name(a->vendor) || (!usable_name(c->supplier) && !usable_name(c->group))) {
		snprintf(how, cap, "product name only");
		return 2;
	}
	return 0;
}

static int outcome_rank(enum eres e, int about)
{
	if (!about)
		return 0;
	switch (e) {
	case E_AFFECTED:
		return 4;
	case E_UNDETERMINED:
		return 3;
	case E_NOT_AFFECTED:
		return 2;
	case E_INAPPLICABLE:
		return 1;
	}
	return 3;
}

static void comp_free(struct comp *cp)
{
	size_t i;

	medfw_purl_free(cp->purl);
	for (i = 0; cp->cpes != NULL && i < cp->cpe_count; i++)
		medfw_cpe_free(cp->cpes[i]);
	free(cp->cpes);
}

static enum medfw_err comp_init(const struct medfw_vuln_component *c, struct comp *cp,
				struct medfw_diag *diag)
{
	struct medfw_diag d;
	enum medfw_err err;
	size_t i;

	memset(cp, 0, sizeof(*cp));
	cp->c = c;
	cp->version = (c->version != NULL && c->version[0] != '\0') ? c->version : NULL;
	err = medfwi_component_scheme(c, &cp->scheme, diag);
	if (err != MEDFW_OK)
		return err;
	if (c->purl != NULL &&
	    medfw_purl_parse(c->purl, MEDFW_PURL_LENIENT, &cp->purl, NULL) != MEDFW_OK)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "component purl: cannot parse");
	if (c->cpe_count > MEDFW_CVE5_MAX_LIST)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE,
				      "CVE 5 evaluate: more than %u component CPEs",
				      MEDFW_CVE5_MAX_LIST);
	cp->cpes = calloc(c->cpe_count == 0 ? 1 : c->cpe_count, sizeof(*cp->cpes));
	if (cp->cpes == NULL)
		return medfwi_nomem(diag);
	for (i = 0; i < c->cpe_count; i++) {
		medfw_diag_clear(&d);
		if (c->cpes[i] == NULL)
			return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
					      "CVE 5 evaluate: component CPE %zu is NULL", i);
		err = medfw_cpe_parse(c->cpes[i], MEDFW_CPE_LENIENT, &cp->cpes[i], &d);
		if (err != MEDFW_OK)
			return medfw_diag_set(diag, err, "CVE 5 evaluate: component cpes[%zu]: %s",
					      i, medfw_diag_message(&d, err));
		cp->cpe_count = i + 1;
	}
	/* Without an SBOM version, the version (and update) of the first CPE that has one. */
	for (i = 0; cp->version == NULL && i < cp->cpe_count; i++) {
		const struct medfw_cpe_value *v = &cp->cpes[i]->attr[MEDFW_CPE_VERSION];
		const struct medfw_cpe_value *u = &cp->cpes[i]->attr[MEDFW_CPE_UPDATE];

		if (v->kind != MEDFW_CPE_VALUE || v->has_wildcard)
			continue;
		if (u->kind == MEDFW_CPE_VALUE && !u->has_wildcard)
			snprintf(cp->cpe_version, sizeof(cp->cpe_version), "%.*s-%.*s",
				 (int)MEDFW_CVE5_MAX_VERSION, v->text, (int)MEDFW_CVE5_MAX_VERSION,
				 u->text);
		else
			snprintf(cp->cpe_version, sizeof(cp->cpe_version), "%.*s",
				 (int)MEDFW_CVE5_MAX_VERSION, v->text);
		cp->version = cp->cpe_version;
	}
	return MEDFW_OK;
}

static void eval_container(const struct comp *cp, const struct medfw_cve5_record *r,
			   const struct medfw_cve5_container *cont, const char *where,
			   struct medfw_vuln_verdict *best, int *best_rank, enum eres *best_e)
{
	size_t i;

	for (i = 0; i < cont->affected_count; i++) {
		const struct medfw_cve5_affected *a = &cont->affected[i];
		struct medfw_vuln_verdict cand;
		char how[64], place[MEDFWI_PATH_MAX];
		enum eres e;
		int rank, about;

		about = about_component(cp, a, how, sizeof(how));
		if (about == 0)
			continue;
		memset(&cand, 0, sizeof(cand));
		snprintf(place, sizeof(place), "%s.affected[%zu]", where, i);
		medfwi_ev_printf(cand.rule, sizeof(cand.rule), "%s", r->id);
		e = eval_entry(cp, a, place, &cand);
		{
			size_t n = strlen(cand.rule);

			medfwi_ev_printf(cand.rule + n, sizeof(cand.rule) - n, " [by %s]", how);
		}
		if (a->platform_count > 0 && (e == E_AFFECTED || e == E_NOT_AFFECTED)) {
			size_t n = strlen(cand.comparison);
			char q[96];

			medfwi_ev_printf(cand.comparison + n, sizeof(cand.comparison) - n,
					 "; only for platforms (%s%s) and the component's platform is "
					 "not known",
					 medfwi_quote_n(a->platforms[0], 40, q, sizeof(q)),
					 a->platform_count > 1 ? ", ..." : "");
			e = E_UNDETERMINED;
		}
		if (about == 2 && e == E_AFFECTED) {
			size_t n = strlen(cand.comparison);

			medfwi_ev_printf(cand.comparison + n, sizeof(cand.comparison) - n,
					 "; identified by the product name alone (no vendor to "
					 "compare)");
			e = E_UNDETERMINED;
		}
		rank = outcome_rank(e, 1);
		if (rank > *best_rank) {
			*best = cand;
			*best_rank = rank;
			*best_e = e;
		}
	}
}

enum medfw_err medfw_cve5_evaluate(const struct medfw_cve5_record *r,
				   const struct medfw_vuln_component *c,
				   struct medfw_vuln_verdict *out, struct medfw_diag *diag)
{
	struct comp cp;
	struct medfw_vuln_verdict best;
	int best_rank = 0;
	enum eres best_e = E_UNDETERMINED;
	enum medfw_err err;
	size_t i;

	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (r == NULL || c == NULL || out == NULL || (c->cpe_count > 0 && c->cpes == NULL))
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
				      "CVE 5 evaluate: invalid argument");
	if (r->state == MEDFW_CVE5_REJECTED) {
		out->outcome = MEDFW_VULN_NOT_RELEVANT;
		medfwi_ev_printf(out->rule, sizeof(out->rule), "%s is rejected (state REJECTED)",
				 r->id);
		return MEDFW_OK;
	}
	err = comp_init(c, &cp, diag);
	if (err != MEDFW_OK) {
		comp_free(&cp);
		return err;
	}
	memset(&best, 0, sizeof(best));
	eval_container(&cp, r, &r->cna, "containers.cna", &best, &best_rank, &best_e);
	for (i = 0; i < r->adp_count && best_rank < 4; i++) {
		char where[64];

		snprintf(where, sizeof(where), "containers.adp[%zu]", i);
		eval_container(&cp, r, &r->adp[i], where, &best, &best_rank, &best_e);
	}
	comp_free(&cp);
	*out = best;
	if (best_rank == 0) {
		memset(out, 0, sizeof(*out));
		out->outcome = MEDFW_VULN_NOT_RELEVANT;
		return MEDFW_OK;
	}
	switch (best_e) {
	case E_AFFECTED:
		out->outcome = MEDFW_VULN_AFFECTED;
		break;
	case E_NOT_AFFECTED:
		out->outcome = MEDFW_VULN_NOT_AFFECTED;
		break;
	case E_UNDETERMINED:
	case E_INAPPLICABLE:
		out->outcome = MEDFW_VULN_UNDETERMINED;
		break;
	}
	return MEDFW_OK;
}
