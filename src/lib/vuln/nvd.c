/* NVD CVE API 2.0: strict parsing and configuration evaluation (include/medfw/nvd.h). */
#include "medfw/nvd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "medfw/json.h"
#include "medfw/version.h"
#include "vuln/feed_int.h"
#include "vuln/version_int.h"

#define PATH_MAX_ MEDFWI_PATH_MAX

const char *medfw_nvd_cvss_version_name(enum medfw_nvd_cvss_version version)
{
	switch (version) {
	case MEDFW_NVD_CVSS_V40:
		return "4.0";
	case MEDFW_NVD_CVSS_V31:
		return "3.1";
	case MEDFW_NVD_CVSS_V30:
		return "3.0";
	case MEDFW_NVD_CVSS_V2:
		return "2.0";
	}
	return "?";
}

/* ------------------------------------------------------------------- freeing */

static void free_configuration(struct medfw_nvd_configuration *c)
{
	size_t i, k;

	for (i = 0; c->nodes != NULL && i < c->node_count; i++) {
		struct medfw_nvd_node *n = &c->nodes[i];

		for (k = 0; n->matches != NULL && k < n->match_count; k++) {
			struct medfw_nvd_cpe_match *m = &n->matches[k];

			free(m->criteria);
			medfw_cpe_free(m->cpe);
			free(m->match_criteria_id);
			free(m->version_start);
			free(m->version_end);
		}
		free(n->matches);
	}
	free(c->nodes);
}

void medfw_nvd_record_free(struct medfw_nvd_record *r)
{
	size_t i;

	if (r == NULL)
		return;
	free(r->id);
	free(r->source_identifier);
	free(r->published);
	free(r->last_modified);
	free(r->vuln_status);
	free(r->description);
	free(r->cisa_exploit_add);
	free(r->cisa_action_due);
	for (i = 0; r->metrics != NULL && i < r->metric_count; i++) {
		free(r->metrics[i].source);
		free(r->metrics[i].severity);
		free(r->metrics[i].vector);
	}
	free(r->metrics);
	for (i = 0; r->weaknesses != NULL && i < r->weakness_count; i++) {
		free(r->weaknesses[i].source);
		medfwi_free_strings(r->weaknesses[i].cwes, r->weaknesses[i].cwe_count);
	}
	free(r->weaknesses);
	medfwi_free_strings(r->references, r->reference_count);
	for (i = 0; r->configurations != NULL && i < r->configuration_count; i++)
		free_configuration(&r->configurations[i]);
	free(r->configurations);
	free(r);
}

void medfw_nvd_page_free(struct medfw_nvd_page *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; p->records != NULL && i < p->record_count; i++)
		medfw_nvd_record_free(p->records[i]);
	free(p->records);
	free(p->errors);
	free(p->timestamp);
	free(p);
}

/* ------------------------------------------------------------------- parsing */

static int valid_uuid(const char *s)
{
	static const char shape[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
	size_t i;

	if (strlen(s) != sizeof(shape) - 1)
		return 0;
	for (i = 0; shape[i] != '\0'; i++) {
		char c = s[i];

		if (shape[i] == '-' ? c != '-'
				    : !(medfwi_is_digit(c) || (c >= 'a' && c <= 'f') ||
					(c >= 'A' && c <= 'F')))
			return 0;
	}
	return 1;
}

/* An operator field: "AND" or "OR". */
static enum medfw_err get_operator(const json_t *obj, const char *path, int required,
				   enum medfw_nvd_operator *out, struct medfw_diag *diag)
{
	const char *s;
	enum medfw_err err =
		medfwi_json_str(obj, path, "operator", required, 1, MEDFWI_STR_LINE, 8, &s, diag);

	*out = MEDFW_NVD_OR;
	if (err != MEDFW_OK || s == NULL)
		return err;
	if (strcmp(s, "AND") == 0)
		*out = MEDFW_NVD_AND;
	else if (strcmp(s, "OR") != 0)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "%s.operator: must be \"AND\" or \"OR\"", path);
	return MEDFW_OK;
}

/* A version bound: at most one of the Including/Excluding pair. */
static enum medfw_err get_bound(const json_t *m, const char *path, const char *incl_key,
				const char *excl_key, char **out, int *including,
				struct medfw_diag *diag)
{
	char *incl = NULL, *excl = NULL;
	enum medfw_err err;

	*out = NULL;
	*including = 0;
	err = medfwi_json_strdup(m, path, incl_key, 0, 1, MEDFWI_STR_LINE, MEDFW_VERSION_MAX_LEN,
				 &incl, diag);
	if (err == MEDFW_OK)
		err = medfwi_json_strdup(m, path, excl_key, 0, 1, MEDFWI_STR_LINE,
					 MEDFW_VERSION_MAX_LEN, &excl, diag);
	if (err == MEDFW_OK && incl != NULL && excl != NULL)
		err = medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "%s: both %s and %s", path,
				     incl_key, excl_key);
	if (err != MEDFW_OK) {
		free(incl);
		free(excl);
		return err;
	}
	*out = incl != NULL ? incl : excl;
	*including = incl != NULL;
	return MEDFW_OK;
}

static enum medfw_err parse_cpe_match(const json_t *m, const char *path,
				      struct medfw_nvd_cpe_match *out, struct medfw_diag *diag)
{
	struct medfw_diag cd;
	enum medfw_err err;

	if (!json_is_object(m))
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_TYPE, "%s: must be an object", path);
	err = medfwi_json_bool(m, path, "vulnerable", 1, 0, &out->vulnerable, diag);
	if (err == MEDFW_OK)
		err = medfwi_json_strdup(m, path, "criteria", 1, 1, MEDFWI_STR_LINE,
					 MEDFW_CPE_MAX_LEN, &out->criteria, diag);
	if (err != MEDFW_OK)
		return err;
	medfw_diag_clear(&cd);
	err = medfw_cpe_parse(out->criteria, MEDFW_CPE_STRICT, &out->cpe, &cd);
	if (err != MEDFW_OK)
		return medfw_diag_set(diag, err, "%s.criteria: %s", path,
				      medfw_diag_message(&cd, err));
	err = medfwi_json_strdup(m, path, "matchCriteriaId", 1, 1, MEDFWI_STR_LINE, 64,
				 &out->match_criteria_id, diag);
	if (err != MEDFW_OK)
		return err;
	if (!valid_uuid(out->match_criteria_id))
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "%s.matchCriteriaId: not a UUID", path);
	err = get_bound(m, path, "versionStartIncluding", "versionStartExcluding",
			&out->version_start, &out->version_start_including, diag);
	if (err == MEDFW_OK)
		err = get_bound(m, path, "versionEndIncluding", "versionEndExcluding",
				&out->version_end, &out->version_end_including, diag);
	return err;
}

static enum medfw_err parse_node(const json_t *node, const char *path, size_t *total_matches,
				 struct medfw_nvd_node *out, struct medfw_diag *diag)
{
	char p[PATH_MAX_], mp[PATH_MAX_];
	json_t *arr;
	enum medfw_err err;
	size_t i, n;

	if (!json_is_object(node))
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_TYPE, "%s: must be an object", path);
	err = get_operator(node, path, 1, &out->operator_, diag);
	if (err == MEDFW_OK)
		err = medfwi_json_bool(node, path, "negate", 0, 0, &out->negate, diag);
	if (err == MEDFW_OK)
		err = medfwi_json_array(node, path, "cpeMatch", 1, MEDFW_NVD_MAX_CPE_MATCHES, &arr,
					diag);
	if (err != MEDFW_OK)
		return err;
	n = json_array_size(arr);
	if (n == 0)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "%s.cpeMatch: is empty", path);
	if (n > MEDFW_NVD_MAX_CPE_MATCHES - *total_matches)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE,
				      "%s.cpeMatch: more than %u cpeMatch entries in the record",
				      path, MEDFW_NVD_MAX_CPE_MATCHES);
	*total_matches += n;
	out->matches = medfwi_calloc_n(n, sizeof(*out->matches));
	if (out->matches == NULL)
		return medfwi_nomem(diag);
	medfwi_path_key(p, path, "cpeMatch");
	for (i = 0; i < n; i++) {
		out->match_count = i + 1;
		medfwi_path_item(mp, p, NULL, i);
		err = parse_cpe_match(json_array_get(arr, i), mp, &out->matches[i], diag);
		if (err != MEDFW_OK)
			return err;
	}
	return MEDFW_OK;
}

static enum medfw_err parse_configuration(const json_t *cfg, const char *path,
					  size_t *total_matches,
					  struct medfw_nvd_configuration *out,
					  struct medfw_diag *diag)
{
	char p[PATH_MAX_], np[PATH_MAX_];
	json_t *arr;
	enum medfw_err err;
	size_t i, n;

	if (!json_is_object(cfg))
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_TYPE, "%s: must be an object", path);
	err = get_operator(cfg, path, 0, &out->operator_, diag);
	if (err == MEDFW_OK)
		err = medfwi_json_bool(cfg, path, "negate", 0, 0, &out->negate, diag);
	if (err == MEDFW_OK)
		err = medfwi_json_array(cfg, path, "nodes", 1, MEDFW_NVD_MAX_NODES, &arr, diag);
	if (err != MEDFW_OK)
		return err;
	n = json_array_size(arr);
	if (n == 0)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "%s.nodes: is empty", path);
	out->nodes = medfwi_calloc_n(n, sizeof(*out->nodes));
	if (out->nodes == NULL)
		return medfwi_nomem(diag);
	medfwi_path_key(p, path, "nodes");
	for (i = 0; i < n; i++) {
		out->node_count = i + 1;
		medfwi_path_item(np, p, NULL, i);
		err = parse_node(json_array_get(arr, i), np, total_matches, &out->nodes[i], diag);
		if (err != MEDFW_OK)
			return err;
	}
	return MEDFW_OK;
}

static const struct {
	const char *key;
	enum medfw_nvd_cvss_version version;
	const char *data_version;
} metric_keys[] = {
	{"cvssMetricV40", MEDFW_NVD_CVSS_V40, "4.0"},
	{"cvssMetricV31", MEDFW_NVD_CVSS_V31, "3.1"},
	{"cvssMetricV30", MEDFW_NVD_CVSS_V30, "3.0"},
	{"cvssMetricV2", MEDFW_NVD_CVSS_V2, "2.0"},
};
#define METRIC_KEYS (sizeof(metric_keys) / sizeof(metric_keys[0]))

static enum medfw_err parse_metric(const json_t *m, const char *path, size_t key_index,
				   struct medfw_nvd_metric *out, struct medfw_diag *diag)
{
	char dp[PATH_MAX_];
	const char *type;
	json_t *data;
	int v2;
	enum medfw_err err;

	if (!json_is_object(m))
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_TYPE, "%s: must be an object", path);
	out->version = metric_keys[key_index].version;
	err = medfwi_json_strdup(m, path, "source", 1, 1, MEDFWI_STR_LINE, MEDFW_NVD_MAX_STRING,
				 &out->source, diag);
	if (err == MEDFW_OK)
		err = medfwi_json_str(m, path, "type", 1, 1, MEDFWI_STR_LINE, 16, &type, diag);
	if (err != MEDFW_OK)
		return err;
	if (strcmp(type, "Primary") == 0)
		out->primary = 1;
	else if (strcmp(type, "Secondary") != 0)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "%s.type: must be \"Primary\" or \"Secondary\"", path);
	err = medfwi_json_object(m, path, "cvssData", 1, &data, diag);
	if (err != MEDFW_OK)
		return err;
	medfwi_path_key(dp, path, "cvssData");
	/* v3/v4: baseSeverity in cvssData, required; v2: beside it, optional */
	v2 = out->version == MEDFW_NVD_CVSS_V2;
	return medfwi_json_cvss(data, dp, metric_keys[key_index].data_version, v2 ? m : data,
				v2 ? path : dp, !v2, &out->base_score_tenths, &out->vector,
				&out->severity, diag);
}

static enum medfw_err parse_metrics(const json_t *cve, const char *path,
				    struct medfw_nvd_record *r, struct medfw_diag *diag)
{
	char mp[PATH_MAX_], kp[PATH_MAX_], ip[PATH_MAX_];
	json_t *metrics, *arr[METRIC_KEYS];
	size_t total = 0, k, i;
	int pass;
	enum medfw_err err;

	err = medfwi_json_object(cve, path, "metrics", 0, &metrics, diag);
	if (err != MEDFW_OK || metrics == NULL)
		return err;
	medfwi_path_key(mp, path, "metrics");
	for (k = 0; k < METRIC_KEYS; k++) {
		err = medfwi_json_array(metrics, mp, metric_keys[k].key, 0, MEDFW_NVD_MAX_METRICS,
					&arr[k], diag);
		if (err != MEDFW_OK)
			return err;
		total += arr[k] != NULL ? json_array_size(arr[k]) : 0;
	}
	r->metrics = medfwi_calloc_n(total, sizeof(*r->metrics));
	if (r->metrics == NULL)
		return medfwi_nomem(diag);
	/* Newest version first; within a version, Primary entries first. */
	for (k = 0; k < METRIC_KEYS; k++) {
		if (arr[k] == NULL)
			continue;
		medfwi_path_key(kp, mp, metric_keys[k].key);
		for (pass = 0; pass < 2; pass++) {
			for (i = 0; i < json_array_size(arr[k]); i++) {
				const json_t *m = json_array_get(arr[k], i);
				const json_t *t = json_is_object(m) ? json_object_get(m, "type")
								    : NULL;
				int primary = json_is_string(t) &&
					      strcmp(json_string_value(t), "Primary") == 0;

				if (primary != (pass == 0))
					continue;
				medfwi_path_item(ip, kp, NULL, i);
				err = parse_metric(m, ip, k, &r->metrics[r->metric_count++], diag);
				if (err != MEDFW_OK)
					return err;
			}
		}
	}
	return MEDFW_OK;
}

static enum medfw_err parse_weaknesses(const json_t *cve, const char *path,
				       struct medfw_nvd_record *r, struct medfw_diag *diag)
{
	char wp[PATH_MAX_], ip[PATH_MAX_], dp[PATH_MAX_];
	json_t *arr, *desc;
	const char *type;
	enum medfw_err err;
	size_t i, n;

	err = medfwi_json_array(cve, path, "weaknesses", 0, MEDFW_NVD_MAX_WEAKNESSES, &arr, diag);
	if (err != MEDFW_OK || arr == NULL)
		return err;
	n = json_array_size(arr);
	r->weaknesses = medfwi_calloc_n(n, sizeof(*r->weaknesses));
	if (r->weaknesses == NULL)
		return medfwi_nomem(diag);
	medfwi_path_key(wp, path, "weaknesses");
	for (i = 0; i < n; i++) {
		const json_t *w = json_array_get(arr, i);
		struct medfw_nvd_weakness *out = &r->weaknesses[i];

		r->weakness_count = i + 1;
		medfwi_path_item(ip, wp, NULL, i);
		if (!json_is_object(w))
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_TYPE, "%s: must be an object",
					      ip);
		err = medfwi_json_strdup(w, ip, "source", 1, 1, MEDFWI_STR_LINE,
					 MEDFW_NVD_MAX_STRING, &out->source, diag);
		if (err == MEDFW_OK)
			err = medfwi_json_str(w, ip, "type", 1, 1, MEDFWI_STR_LINE, 16, &type, diag);
		if (err == MEDFW_OK)
			err = medfwi_json_array(w, ip, "description", 1, MEDFW_NVD_MAX_DESCRIPTIONS,
						&desc, diag);
		if (err != MEDFW_OK)
			return err;
		out->primary = strcmp(type, "Primary") == 0;
		medfwi_path_key(dp, ip, "description");
		err = medfwi_json_english(desc, dp, 256, MEDFWI_STR_LINE, 0, &out->cwes,
					  &out->cwe_count, diag);
		if (err != MEDFW_OK)
			return err;
	}
	return MEDFW_OK;
}

static enum medfw_err parse_record(const json_t *cve, const char *path,
				   struct medfw_nvd_record *r, struct medfw_diag *diag)
{
	char cp[PATH_MAX_], ip[PATH_MAX_];
	json_t *arr;
	char **descs = NULL;
	size_t ndesc = 0, i, n, total_matches = 0;
	enum medfw_err err;

	if (!json_is_object(cve))
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_TYPE, "%s: must be an object", path);
	err = medfwi_json_strdup(cve, path, "id", 1, 1, MEDFWI_STR_LINE, 32, &r->id, diag);
	if (err != MEDFW_OK)
		return err;
	if (!medfwi_cve_valid(r->id, 19))
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "%s.id: not a CVE id (CVE-YYYY-NNNN)", path);
	err = medfwi_json_strdup(cve, path, "sourceIdentifier", 0, 1, MEDFWI_STR_LINE,
				 MEDFW_NVD_MAX_STRING, &r->source_identifier, diag);
	if (err == MEDFW_OK)
		err = medfwi_json_strdup(cve, path, "published", 1, 1, MEDFWI_STR_LINE, 64,
					 &r->published, diag);
	if (err == MEDFW_OK && !medfwi_valid_timestamp(r->published))
		err = medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "%s.published: not a date-time",
				     path);
	if (err == MEDFW_OK)
		err = medfwi_json_strdup(cve, path, "lastModified", 1, 1, MEDFWI_STR_LINE, 64,
					 &r->last_modified, diag);
	if (err == MEDFW_OK && !medfwi_valid_timestamp(r->last_modified))
		err = medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				     "%s.lastModified: not a date-time", path);
	if (err == MEDFW_OK)
		err = medfwi_json_strdup(cve, path, "vulnStatus", 0, 1, MEDFWI_STR_LINE, 64,
					 &r->vuln_status, diag);
	if (err == MEDFW_OK)
		err = medfwi_json_strdup(cve, path, "cisaExploitAdd", 0, 1, MEDFWI_STR_LINE, 16,
					 &r->cisa_exploit_add, diag);
	if (err == MEDFW_OK && r->cisa_exploit_add != NULL && !medfwi_date_valid(r->cisa_exploit_add))
		err = medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				     "%s.cisaExploitAdd: not a date (YYYY-MM-DD)", path);
	if (err == MEDFW_OK)
		err = medfwi_json_strdup(cve, path, "cisaActionDue", 0, 1, MEDFWI_STR_LINE, 16,
					 &r->cisa_action_due, diag);
	if (err == MEDFW_OK && r->cisa_action_due != NULL && !medfwi_date_valid(r->cisa_action_due))
		err = medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				     "%s.cisaActionDue: not a date (YYYY-MM-DD)", path);
	if (err != MEDFW_OK)
		return err;
	r->withdrawn = r->vuln_status != NULL && strcmp(r->vuln_status, "Rejected") == 0;

	err = medfwi_json_array(cve, path, "descriptions", 1, MEDFW_NVD_MAX_DESCRIPTIONS, &arr,
				diag);
	if (err != MEDFW_OK)
		return err;
	if (json_array_size(arr) == 0)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "%s.descriptions: is empty",
				      path);
	medfwi_path_key(cp, path, "descriptions");
	err = medfwi_json_english(arr, cp, MEDFW_NVD_MAX_TEXT, MEDFWI_STR_TEXT, 0, &descs, &ndesc,
				  diag);
	if (err == MEDFW_OK && ndesc > 0) {
		r->description = descs[0];
		descs[0] = NULL;
	}
	medfwi_free_strings(descs, ndesc);
	if (err == MEDFW_OK)
		err = parse_metrics(cve, path, r, diag);
	if (err == MEDFW_OK)
		err = parse_weaknesses(cve, path, r, diag);
	if (err == MEDFW_OK)
		err = medfwi_json_url_list(cve, path, "references", 1, MEDFW_NVD_MAX_REFERENCES,
					   MEDFW_NVD_MAX_STRING, 1, &r->references,
					   &r->reference_count, diag);
	if (err == MEDFW_OK)
		err = medfwi_json_array(cve, path, "configurations", 0,
					MEDFW_NVD_MAX_CONFIGURATIONS, &arr, diag);
	if (err != MEDFW_OK || arr == NULL)
		return err;
	n = json_array_size(arr);
	r->configurations = medfwi_calloc_n(n, sizeof(*r->configurations));
	if (r->configurations == NULL)
		return medfwi_nomem(diag);
	medfwi_path_key(cp, path, "configurations");
	for (i = 0; i < n; i++) {
		r->configuration_count = i + 1;
		medfwi_path_item(ip, cp, NULL, i);
		err = parse_configuration(json_array_get(arr, i), ip, &total_matches,
					  &r->configurations[i], diag);
		if (err != MEDFW_OK)
			return err;
	}
	return MEDFW_OK;
}

enum medfw_err medfw_nvd_record_from_json(const json_t *cve, const char *path,
					  struct medfw_nvd_record **out, struct medfw_diag *diag)
{
	struct medfw_nvd_record *r;
	enum medfw_err err;

	if (out != NULL)
		*out = NULL;
	if (cve == NULL || out == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "NVD: invalid argument");
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return medfwi_nomem(diag);
	err = parse_record(cve, path != NULL ? path : "cve", r, diag);
	if (err != MEDFW_OK) {
		medfw_nvd_record_free(r);
		return err;
	}
	*out = r;
	return MEDFW_OK;
}

enum medfw_err medfw_nvd_record_parse(const uint8_t *data, size_t len,
				      struct medfw_nvd_record **out, struct medfw_diag *diag)
{
	json_t *doc = NULL, *cve;
	enum medfw_err err;
	const char *path = "cve";

	if (out != NULL)
		*out = NULL;
	if (data == NULL || out == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "NVD: invalid argument");
	err = medfw_json_parse(data, len, MEDFW_NVD_MAX_RECORD_BYTES, MEDFW_NVD_MAX_DEPTH, &doc,
			       diag);
	if (err != MEDFW_OK)
		return err;
	cve = doc;
	if (json_is_object(doc) && json_object_get(doc, "vulnerabilities") != NULL) {
		err = medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				     "NVD: a response page (vulnerabilities[]), not one CVE object");
		goto done;
	}
	if (json_is_object(doc) && json_object_get(doc, "id") == NULL &&
	    json_is_object(json_object_get(doc, "cve"))) {
		cve = json_object_get(doc, "cve");
		path = "cve";
	}
	err = medfw_nvd_record_from_json(cve, path, out, diag);
done:
	json_decref(doc);
	return err;
}

static enum medfw_err parse_page(const json_t *doc, struct medfw_nvd_page *p,
				 struct medfw_diag *diag)
{
	char ip[PATH_MAX_];
	const char *format, *version;
	json_t *arr;
	size_t i, n;
	enum medfw_err err;

	if (!json_is_object(doc))
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_TYPE, "NVD page: must be an object");
	err = medfwi_json_int(doc, "NVD page", "resultsPerPage", 1, 0, MEDFW_NVD_MAX_PAGE_RECORDS,
			      &p->results_per_page, diag);
	if (err == MEDFW_OK)
		err = medfwi_json_int(doc, "NVD page", "startIndex", 1, 0, INT64_MAX,
				      &p->start_index, diag);
	if (err == MEDFW_OK)
		err = medfwi_json_int(doc, "NVD page", "totalResults", 1, 0, INT64_MAX,
				      &p->total_results, diag);
	if (err == MEDFW_OK)
		err = medfwi_json_str(doc, "NVD page", "format", 1, 1, MEDFWI_STR_LINE, 64, &format,
				      diag);
	if (err == MEDFW_OK && strcmp(format, "NVD_CVE") != 0)
		err = medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				     "NVD page.format: \"NVD_CVE\" expected (a CVE API response)");
	if (err == MEDFW_OK)
		err = medfwi_json_str(doc, "NVD page", "version", 1, 1, MEDFWI_STR_LINE, 16,
				      &version, diag);
	if (err == MEDFW_OK && strcmp(version, "2.0") != 0)
		err = medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				     "NVD page.version: \"2.0\" expected (CVE API 2.0)");
	if (err == MEDFW_OK)
		err = medfwi_json_strdup(doc, "NVD page", "timestamp", 1, 1, MEDFWI_STR_LINE, 64,
					 &p->timestamp, diag);
	if (err == MEDFW_OK && !medfwi_valid_timestamp(p->timestamp))
		err = medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				     "NVD page.timestamp: not a date-time");
	if (err == MEDFW_OK)
		err = medfwi_json_array(doc, "NVD page", "vulnerabilities", 1,
					MEDFW_NVD_MAX_PAGE_RECORDS, &arr, diag);
	if (err != MEDFW_OK)
		return err;
	n = json_array_size(arr);
	if ((int64_t)n > p->results_per_page)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "NVD page.vulnerabilities: %zu records, resultsPerPage is %lld",
				      n, (long long)p->results_per_page);
	p->records = medfwi_calloc_n(n, sizeof(*p->records));
	p->errors = medfwi_calloc_n(n, sizeof(*p->errors));
	if (p->records == NULL || p->errors == NULL)
		return medfwi_nomem(diag);
	for (i = 0; i < n; i++) {
		const json_t *item = json_array_get(arr, i);
		const json_t *cve = json_is_object(item) ? json_object_get(item, "cve") : NULL;
		struct medfw_nvd_record *r = NULL;
		struct medfw_diag d;

		medfw_diag_clear(&d);
		medfwi_path_item(ip, "vulnerabilities", NULL, i);
		if (cve == NULL) {
			err = medfw_diag_set(&d, json_is_object(item) ? MEDFW_ERR_FIELD_MISSING
								      : MEDFW_ERR_FIELD_TYPE,
					     "%s: must be an object with \"cve\"", ip);
		} else {
			char cp[PATH_MAX_];

			medfwi_path_key(cp, ip, "cve");
			err = medfw_nvd_record_from_json(cve, cp, &r, &d);
		}
		if (err == MEDFW_ERR_NOMEM)
			return medfw_diag_set(diag, err, "%s", d.msg);
		if (err == MEDFW_OK) {
			p->records[p->record_count++] = r;
			continue;
		}
		{
			struct medfw_nvd_page_error *e = &p->errors[p->error_count++];
			const json_t *id = json_is_object(cve) ? json_object_get(cve, "id") : NULL;

			e->index = i;
			e->err = err;
			medfwi_ev_printf(e->message, sizeof(e->message), "%s",
					 medfw_diag_message(&d, err));
			if (json_is_string(id) && medfwi_cve_valid(json_string_value(id), 19))
				medfwi_ev_printf(e->id, sizeof(e->id), "%s", json_string_value(id));
		}
	}
	return MEDFW_OK;
}

enum medfw_err medfw_nvd_page_parse(const uint8_t *data, size_t len,
				    struct medfw_nvd_page **out, struct medfw_diag *diag)
{
	json_t *doc = NULL;
	enum medfw_err err;

	if (out != NULL)
		*out = NULL;
	if (data == NULL || out == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "NVD: invalid argument");
	err = medfw_json_parse(data, len, MEDFW_NVD_MAX_PAGE_BYTES, MEDFW_NVD_MAX_DEPTH, &doc,
			       diag);
	if (err != MEDFW_OK)
		return err;
	err = medfwi_nvd_page_from_json(doc, out, diag);
	json_decref(doc);
	return err;
}

enum medfw_err medfwi_nvd_page_from_json(const json_t *doc, struct medfw_nvd_page **out,
					 struct medfw_diag *diag)
{
	struct medfw_nvd_page *p = calloc(1, sizeof(*p));
	enum medfw_err err;

	*out = NULL;
	if (p == NULL)
		return medfwi_nomem(diag);
	err = parse_page(doc, p, diag);
	if (err != MEDFW_OK) {
		medfw_nvd_page_free(p);
		return err;
	}
	*out = p;
	return MEDFW_OK;
}

/* ---------------------------------------------------------------- evaluation */

/* Three-valued (Kleene) logic. */
enum tv {
	TV_F = 0,
	TV_T = 1,
	TV_U = 2,
};

static enum tv tv_and(enum tv a, enum tv b)
{
	if (a == TV_F || b == TV_F)
		return TV_F;
	return (a == TV_T && b == TV_T) ? TV_T : TV_U;
}

static enum tv tv_or(enum tv a, enum tv b)
{
	if (a == TV_T || b == TV_T)
		return TV_T;
	return (a == TV_F && b == TV_F) ? TV_F : TV_U;
}

static enum tv tv_not(enum tv a)
{
	return a == TV_T ? TV_F : (a == TV_F ? TV_T : TV_U);
}

/* Rank for "best" hits: T over U over F. */
static int tv_rank(enum tv a)
{
	return a == TV_T ? 2 : (a == TV_U ? 1 : 0);
}

#define VERSION_BUF (2u * MEDFW_VERSION_MAX_LEN + 2u)
#define WHY MEDFW_VULN_EVIDENCE_MAX

/* A CPE the evaluation may be about: one of the component's or of the platform's. */
struct target {
	struct medfw_cpe *cpe;
	const char *text;    /* as given */
	const char *version; /* the version to test; NULL: none */
	char joined[VERSION_BUF];
	int platform;
};

struct eval {
	const struct medfw_nvd_record *r;
	struct target *targets;
	size_t ntargets;
	int platform_known;
	enum medfw_version_scheme scheme;
};

struct hit {
	enum tv value;
	int about; /* vendor and product are this product's */
	char why[WHY];
};

/* version(+"-"+update) of a CPE, when concrete. */
static const char *cpe_version(const struct medfw_cpe *c, char *buf, size_t cap)
{
	const struct medfw_cpe_value *v = &c->attr[MEDFW_CPE_VERSION];
	const struct medfw_cpe_value *u = &c->attr[MEDFW_CPE_UPDATE];

	if (v->kind != MEDFW_CPE_VALUE || v->has_wildcard)
		return NULL;
	if (u->kind == MEDFW_CPE_VALUE && !u->has_wildcard)
		snprintf(buf, cap, "%s-%s", v->text, u->text);
	else
		snprintf(buf, cap, "%s", v->text);
	return buf;
}

static const char *cpe_value_text(const struct medfw_cpe_value *v)
{
	return v->kind == MEDFW_CPE_ANY ? "*" : (v->kind == MEDFW_CPE_NA ? "-" : v->fs);
}

/* The formatted-string form of a version, for a wildcard pattern test. */
static void version_fs(const char *v, char *out, size_t cap)
{
	size_t o = 0;

	for (; *v != '\0' && o + 3 < cap; v++) {
		char c = medfwi_to_lower(*v);

		if (!(medfwi_is_alnum(c) || c == '_' || c == '.' || c == '-'))
			out[o++] = '\\';
		out[o++] = c;
	}
	out[o] = '\0';
}

/* A concrete criteria version (maybe with an update, maybe with wildcards). */
static enum tv version_exact(const struct eval *ev, const struct medfw_nvd_cpe_match *m,
			     const char *v, char *why)
{
	const struct medfw_cpe_value *sv = &m->cpe->attr[MEDFW_CPE_VERSION];
	const struct medfw_cpe_value *su = &m->cpe->attr[MEDFW_CPE_UPDATE];
	const char *sn = medfw_version_scheme_name(ev->scheme);
	char expected[VERSION_BUF], w[WHY], q[96];
	int eq;

	if (v == NULL) {
		medfwi_ev_printf(why, WHY, "the component has no version (criteria version %s)",
				 sv->fs);
		return TV_U;
	}
	if (sv->has_wildcard) {
		struct medfw_cpe_value tv;
		char fs[VERSION_BUF];
		enum medfw_cpe_relation rel;

		version_fs(v, fs, sizeof(fs));
		tv.kind = MEDFW_CPE_VALUE;
		tv.fs = fs;
		tv.text = v;
		tv.has_wildcard = 0;
		rel = medfw_cpe_compare_value(sv, &tv);
		medfwi_ev_printf(why, WHY, "version %s %s criteria pattern %s",
				 medfwi_quote_n(v, 64, q, sizeof(q)),
				 rel == MEDFW_CPE_SUPERSET ? "matches" : "does not match", sv->fs);
		return rel == MEDFW_CPE_SUPERSET ? TV_T : TV_F;
	}
	if (su->kind == MEDFW_CPE_VALUE && !su->has_wildcard)
		snprintf(expected, sizeof(expected), "%s-%s", sv->text, su->text);
	else
		snprintf(expected, sizeof(expected), "%s", sv->text);
	eq = medfwi_version_eq(ev->scheme, v, expected, 1, w, sizeof(w));
	if (eq < 0 && strcmp(expected, sv->text) != 0) {
		/* An update the scheme cannot order ("1.3" + "rc2-ef2"): the component is
		 * another release, or this release without that update. */
		int base = medfwi_version_eq(ev->scheme, v, sv->text, 1, NULL, 0);

		if (base >= 0) {
			if (base)
				medfwi_ev_printf(why, WHY, "%s %s is %s without the update %s",
						 sn, medfwi_quote_n(v, 64, q, sizeof(q)), sv->text,
						 su->text);
			else
				medfwi_ev_printf(why, WHY,
						 "%s %s is another release than %s (update %s)", sn,
						 medfwi_quote_n(v, 64, q, sizeof(q)), sv->text,
						 su->text);
			return TV_F;
		}
	}
	if (eq < 0) {
		medfwi_ev_printf(why, WHY, "cannot compare with criteria version %s: %s", expected,
				 w);
		return TV_U;
	}
	if (eq == 1 && su->kind == MEDFW_CPE_VALUE && su->has_wildcard) {
		medfwi_ev_printf(why, WHY,
				 "%s %s == %s, but the criteria's update %s cannot be checked "
				 "against a version string",
				 sn, medfwi_quote_n(v, 64, q, sizeof(q)), sv->text, su->fs);
		return TV_U;
	}
	medfwi_ev_printf(why, WHY, "%s %s %s %s", sn, medfwi_quote_n(v, 64, q, sizeof(q)),
			 eq ? "==" : "!=", expected);
	return eq ? TV_T : TV_F;
}

/* One bound: 1 holds, 0 does not, -1 cannot be compared (why). */
static int bound_holds(const struct eval *ev, const char *v, const char *bound, int lower,
		       int including, char *text, size_t cap, char *why)
{
	char w[WHY], q[96];
	int cmp, ok;
	const char *op;

	if (!medfwi_version_cmp(ev->scheme, v, bound, &cmp, w, sizeof(w))) {
		medfwi_ev_printf(why, WHY, "cannot compare with %s %s: %s",
				 lower ? "versionStart" : "versionEnd", bound, w);
		return -1;
	}
	if (lower)
		ok = including ? cmp >= 0 : cmp > 0;
	else
		ok = including ? cmp <= 0 : cmp < 0;
	op = cmp < 0 ? "<" : (cmp > 0 ? ">" : "==");
	medfwi_ev_printf(text, cap, "%s %s %s (%s%s)", medfwi_quote_n(v, 64, q, sizeof(q)), op, bound,
		 lower ? "versionStart" : "versionEnd", including ? "Including" : "Excluding");
	return ok;
}

static enum tv version_test(const struct eval *ev, const struct medfw_nvd_cpe_match *m,
			    const char *v, char *why)
{
	const struct medfw_cpe_value *sv = &m->cpe->attr[MEDFW_CPE_VERSION];
	const char *sn = medfw_version_scheme_name(ev->scheme);
	char lo[WHY / 2], hi[WHY / 2], q[96];
	int has_bounds = m->version_start != NULL || m->version_end != NULL;
	int lo_ok = 1, hi_ok = 1;

	lo[0] = hi[0] = '\0';
	if (sv->kind == MEDFW_CPE_NA) {
		if (v == NULL) {
			medfwi_ev_printf(why, WHY, "criteria version - (NA) and the component has "
						   "no version");
			return TV_T;
		}
		medfwi_ev_printf(why, WHY,
				 "criteria version - (NA) does not match a real version (%s)",
				 medfwi_quote_n(v, 64, q, sizeof(q)));
		return TV_F;
	}
	if (sv->kind == MEDFW_CPE_VALUE) {
		enum tv t = version_exact(ev, m, v, why);

		if (t != TV_T || !has_bounds)
			return t;
	}
	if (!has_bounds) {
		medfwi_ev_printf(why, WHY, "criteria version * (every version)");
		return TV_T;
	}
	if (v == NULL) {
		medfwi_ev_printf(why, WHY, "the component has no version to compare with the range");
		return TV_U;
	}
	if (m->version_start != NULL) {
		lo_ok = bound_holds(ev, v, m->version_start, 1, m->version_start_including, lo,
				    sizeof(lo), why);
		if (lo_ok < 0)
			return TV_U;
	}
	if (m->version_end != NULL) {
		hi_ok = bound_holds(ev, v, m->version_end, 0, m->version_end_including, hi,
				    sizeof(hi), why);
		if (hi_ok < 0)
			return TV_U;
	}
	if (lo_ok && hi_ok)
		medfwi_ev_printf(why, WHY, "%s %s%s%s", sn, lo, (lo[0] && hi[0]) ? ", " : "", hi);
	else
		medfwi_ev_printf(why, WHY, "%s %s", sn, lo_ok ? hi : lo);
	return (lo_ok && hi_ok) ? TV_T : TV_F;
}

static const enum medfw_cpe_attr other_attrs[] = {
	MEDFW_CPE_UPDATE,    MEDFW_CPE_EDITION,	  MEDFW_CPE_LANGUAGE, MEDFW_CPE_SW_EDITION,
	MEDFW_CPE_TARGET_SW, MEDFW_CPE_TARGET_HW, MEDFW_CPE_OTHER,
};

/* Does cpeMatch m hit target t? */
static void hit_one(const struct eval *ev, const struct medfw_nvd_cpe_match *m,
		    const struct target *t, struct hit *h)
{
	const struct medfw_cpe *s = m->cpe, *tc = t->cpe;
	int join_update = s->attr[MEDFW_CPE_VERSION].kind == MEDFW_CPE_VALUE;
	int ambiguous = -1;
	enum medfw_cpe_relation rel;
	size_t i;

	h->value = TV_F;
	h->about = 0;
	h->why[0] = '\0';
	rel = medfw_cpe_compare_value(&s->attr[MEDFW_CPE_VENDOR], &tc->attr[MEDFW_CPE_VENDOR]);
	if (rel != MEDFW_CPE_EQUAL && rel != MEDFW_CPE_SUPERSET)
		return;
	rel = medfw_cpe_compare_value(&s->attr[MEDFW_CPE_PRODUCT], &tc->attr[MEDFW_CPE_PRODUCT]);
	if (rel != MEDFW_CPE_EQUAL && rel != MEDFW_CPE_SUPERSET)
		return;
	rel = medfw_cpe_compare_value(&s->attr[MEDFW_CPE_PART], &tc->attr[MEDFW_CPE_PART]);
	if (rel == MEDFW_CPE_DISJOINT)
		return; /* h:netapp:a250 is not o:netapp:a250 */
	h->about = 1;
	if (rel == MEDFW_CPE_SUBSET || rel == MEDFW_CPE_UNDEFINED)
		ambiguous = MEDFW_CPE_PART;
	for (i = 0; i < sizeof(other_attrs) / sizeof(other_attrs[0]); i++) {
		enum medfw_cpe_attr a = other_attrs[i];

		if (a == MEDFW_CPE_UPDATE && join_update)
			continue; /* part of the version */
		rel = medfw_cpe_compare_value(&s->attr[a], &tc->attr[a]);
		if (rel == MEDFW_CPE_DISJOINT) {
			medfwi_ev_printf(h->why, WHY, "criteria %s %s, the component's %s",
					 medfw_cpe_attr_name(a), cpe_value_text(&s->attr[a]),
					 cpe_value_text(&tc->attr[a]));
			return;
		}
		if ((rel == MEDFW_CPE_SUBSET || rel == MEDFW_CPE_UNDEFINED) && ambiguous < 0)
			ambiguous = (int)a;
	}
	h->value = version_test(ev, m, t->version, h->why);
	if (h->value == TV_T && ambiguous >= 0) {
		size_t n = strlen(h->why);

		h->value = TV_U;
		medfwi_ev_printf(h->why + n, WHY - n,
				 "; but the component's CPE does not say its %s (criteria: %s, "
				 "component: %s)",
				 medfw_cpe_attr_name((enum medfw_cpe_attr)ambiguous),
				 cpe_value_text(&s->attr[ambiguous]),
				 cpe_value_text(&tc->attr[ambiguous]));
	}
}

/* What one configuration says about the component. */
struct cfg_result {
	enum tv value;      /* the configuration, over component and platform */
	enum tv comp;       /* best hit of a vulnerable entry on the component */
	size_t comp_node, comp_match;
	char comp_why[WHY];
	int about;          /* a vulnerable entry was about this product */
	size_t about_node, about_match;
	char about_why[WHY];
	int unknown;        /* a condition could not be evaluated (platform unknown) */
	size_t unknown_node, unknown_match;
	int false_node_set;
	size_t false_node;  /* first node that does not hold */
};

static void eval_configuration(const struct eval *ev, const struct medfw_nvd_configuration *c,
			       struct cfg_result *res)
{
	struct hit h;
	size_t j, k, t;

	memset(res, 0, sizeof(*res));
	res->value = c->operator_ == MEDFW_NVD_AND ? TV_T : TV_F;
	res->comp = TV_F;
	for (j = 0; j < c->node_count; j++) {
		const struct medfw_nvd_node *n = &c->nodes[j];
		enum tv nv = n->operator_ == MEDFW_NVD_AND ? TV_T : TV_F;

		for (k = 0; k < n->match_count; k++) {
			const struct medfw_nvd_cpe_match *m = &n->matches[k];
			enum tv val = TV_F;

			for (t = 0; t < ev->ntargets; t++) {
				hit_one(ev, m, &ev->targets[t], &h);
				val = tv_or(val, h.value);
				if (ev->targets[t].platform || !m->vulnerable || n->negate)
					continue;
				if (h.about && !res->about) {
					res->about = 1;
					res->about_node = j;
					res->about_match = k;
					memcpy(res->about_why, h.why, WHY);
				}
				if (tv_rank(h.value) > tv_rank(res->comp)) {
					res->comp = h.value;
					res->comp_node = j;
					res->comp_match = k;
					memcpy(res->comp_why, h.why, WHY);
				}
			}
			if (val == TV_F && !ev->platform_known) {
				/* Another identity of the device might meet it. */
				val = TV_U;
				if (!res->unknown || (!m->vulnerable &&
						      c->nodes[res->unknown_node]
							      .matches[res->unknown_match]
							      .vulnerable)) {
					res->unknown = 1;
					res->unknown_node = j;
					res->unknown_match = k;
				}
			}
			nv = n->operator_ == MEDFW_NVD_AND ? tv_and(nv, val) : tv_or(nv, val);
		}
		if (n->negate)
			nv = tv_not(nv);
		if (nv == TV_F && !res->false_node_set) {
			res->false_node_set = 1;
			res->false_node = j;
		}
		res->value = c->operator_ == MEDFW_NVD_AND ? tv_and(res->value, nv)
							   : tv_or(res->value, nv);
	}
	if (c->negate)
		res->value = tv_not(res->value);
}

static void set_rule(struct medfw_vuln_verdict *out, const struct medfw_nvd_record *r, size_t ci,
		     size_t node, size_t match)
{
	const struct medfw_nvd_cpe_match *m = &r->configurations[ci].nodes[node].matches[match];

	medfwi_ev_printf(out->rule, sizeof(out->rule),
			 "%s configurations[%zu].nodes[%zu].cpeMatch[%zu] (%s%s)", r->id, ci, node,
			 match, m->criteria,
			 r->configurations[ci].operator_ == MEDFW_NVD_AND ? ", AND configuration"
									  : "");
}

/* The verdict one configuration gives (NOT_RELEVANT: it says nothing). */
static enum medfw_vuln_outcome configuration_verdict(const struct eval *ev, size_t ci,
						     struct medfw_vuln_verdict *out)
{
	const struct medfw_nvd_record *r = ev->r;
	const struct medfw_nvd_configuration *c = &r->configurations[ci];
	struct cfg_result res;

	eval_configuration(ev, c, &res);
	if (res.comp == TV_F) {
		if (!res.about)
			return MEDFW_VULN_NOT_RELEVANT;
		set_rule(out, r, ci, res.about_node, res.about_match);
		medfwi_ev_printf(out->comparison, sizeof(out->comparison), "%s", res.about_why);
		return MEDFW_VULN_NOT_AFFECTED;
	}
	set_rule(out, r, ci, res.comp_node, res.comp_match);
	if (res.value == TV_F) {
		medfwi_ev_printf(out->comparison, sizeof(out->comparison),
				 "the configuration does not hold: nodes[%zu] is met neither by the "
				 "component nor by the platform (component: %s)",
				 res.false_node_set ? res.false_node : 0, res.comp_why);
		return MEDFW_VULN_NOT_AFFECTED;
	}
	if (res.comp == TV_U) {
		medfwi_ev_printf(out->comparison, sizeof(out->comparison), "%s", res.comp_why);
		return MEDFW_VULN_UNDETERMINED;
	}
	if (res.value == TV_U) {
		const struct medfw_nvd_cpe_match *u =
			res.unknown ? &c->nodes[res.unknown_node].matches[res.unknown_match] : NULL;

		if (u != NULL)
			medfwi_ev_printf(out->comparison, sizeof(out->comparison),
					 "platform unknown: nodes[%zu].cpeMatch[%zu] %s (%s) is not "
					 "met by the component and no platform CPEs were given; "
					 "component: %s",
					 res.unknown_node, res.unknown_match, u->criteria,
					 u->vulnerable ? "vulnerable" : "condition", res.comp_why);
		else
			medfwi_ev_printf(out->comparison, sizeof(out->comparison),
					 "the configuration cannot be decided; component: %s",
					 res.comp_why);
		return MEDFW_VULN_UNDETERMINED;
	}
	{
		const struct medfw_nvd_cpe_match *m = &c->nodes[res.comp_node].matches[res.comp_match];

		medfwi_ev_printf(out->comparison, sizeof(out->comparison), "%s%s", res.comp_why,
				 (c->operator_ == MEDFW_NVD_AND && ev->platform_known)
					 ? "; the platform meets the other nodes"
					 : "");
		if (m->version_end != NULL && !m->version_end_including)
			medfwi_ev_printf(out->fixed_version, sizeof(out->fixed_version), "%s",
					 m->version_end);
	}
	return MEDFW_VULN_AFFECTED;
}

static void free_targets(struct target *t, size_t n)
{
	size_t i;

	for (i = 0; t != NULL && i < n; i++)
		medfw_cpe_free(t[i].cpe);
	free(t);
}

static int outcome_rank(enum medfw_vuln_outcome o)
{
	switch (o) {
	case MEDFW_VULN_AFFECTED:
		return 3;
	case MEDFW_VULN_UNDETERMINED:
		return 2;
	case MEDFW_VULN_NOT_AFFECTED:
		return 1;
	case MEDFW_VULN_NOT_RELEVANT:
		return 0;
	}
	return 2;
}

enum medfw_err medfw_nvd_evaluate_on(const struct medfw_nvd_record *r,
				     const struct medfw_vuln_component *c,
				     const struct medfw_nvd_platform *platform,
				     struct medfw_vuln_verdict *out, struct medfw_diag *diag)
{
	struct eval ev;
	struct medfw_vuln_verdict best, cand;
	size_t ncpe, nplat, i;
	enum medfw_err err = MEDFW_OK;
	char q[96];

	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (r == NULL || c == NULL || out == NULL || (c->cpe_count > 0 && c->cpes == NULL) ||
	    (platform != NULL && platform->cpe_count > 0 && platform->cpes == NULL))
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "NVD evaluate: invalid argument");
	if (r->withdrawn) {
		out->outcome = MEDFW_VULN_NOT_RELEVANT;
		medfwi_ev_printf(out->rule, sizeof(out->rule), "%s is rejected (vulnStatus \"%s\")",
				 r->id, r->vuln_status);
		return MEDFW_OK;
	}
	if (r->configuration_count == 0) {
		out->outcome = MEDFW_VULN_NOT_RELEVANT;
		medfwi_ev_printf(out->rule, sizeof(out->rule),
				 "%s has no configurations yet (vulnStatus \"%s\")", r->id,
				 r->vuln_status != NULL ? medfwi_quote_n(r->vuln_status, 40, q, sizeof(q))
							: "none");
		return MEDFW_OK;
	}
	ncpe = c->cpe_count;
	nplat = platform != NULL ? platform->cpe_count : 0;
	if (ncpe > MEDFW_NVD_MAX_PLATFORM_CPES || nplat > MEDFW_NVD_MAX_PLATFORM_CPES)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE,
				      "NVD evaluate: more than %u component or platform CPEs",
				      MEDFW_NVD_MAX_PLATFORM_CPES);
	memset(&ev, 0, sizeof(ev));
	ev.r = r;
	ev.platform_known = platform != NULL;
	err = medfwi_component_scheme(c, &ev.scheme, diag);
	if (err != MEDFW_OK)
		return err;
	ev.targets = medfwi_calloc_n(ncpe + nplat, sizeof(*ev.targets));
	if (ev.targets == NULL)
		return medfwi_nomem(diag);
	for (i = 0; i < ncpe + nplat; i++) {
		struct target *t = &ev.targets[i];
		const char *text = i < ncpe ? c->cpes[i] : platform->cpes[i - ncpe];
		struct medfw_diag d;

		medfw_diag_clear(&d);
		if (text == NULL) {
			err = medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
					     "NVD evaluate: %s CPE %zu is NULL",
					     i < ncpe ? "component" : "platform",
					     i < ncpe ? i : i - ncpe);
			goto done;
		}
		err = medfw_cpe_parse(text, MEDFW_CPE_LENIENT, &t->cpe, &d);
		if (err != MEDFW_OK) {
			err = medfw_diag_set(diag, err, "NVD evaluate: %s cpes[%zu]: %s",
					     i < ncpe ? "component" : "platform",
					     i < ncpe ? i : i - ncpe, medfw_diag_message(&d, err));
			goto done;
		}
		ev.ntargets = i + 1;
		t->text = text;
		t->platform = i >= ncpe;
		if (!t->platform && c->version != NULL && c->version[0] != '\0')
			t->version = c->version;
		else
			t->version = cpe_version(t->cpe, t->joined, sizeof(t->joined));
	}
	memset(&best, 0, sizeof(best));
	best.outcome = MEDFW_VULN_NOT_RELEVANT;
	for (i = 0; i < r->configuration_count; i++) {
		memset(&cand, 0, sizeof(cand));
		cand.outcome = configuration_verdict(&ev, i, &cand);
		if (outcome_rank(cand.outcome) > outcome_rank(best.outcome))
			best = cand;
		if (best.outcome == MEDFW_VULN_AFFECTED)
			break;
	}
	*out = best;
done:
	free_targets(ev.targets, ev.ntargets);
	return err;
}

enum medfw_err medfw_nvd_evaluate(const struct medfw_nvd_record *record,
				  const struct medfw_vuln_component *component,
				  struct medfw_vuln_verdict *out, struct medfw_diag *diag)
{
	return medfw_nvd_evaluate_on(record, component, NULL, out, diag);
}
