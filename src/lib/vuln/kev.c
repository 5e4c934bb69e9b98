/* CISA KEV catalog: bounded parse and lookup (include/medfw/kev.h). */
#include "medfw/kev.h"

#include <stdlib.h>
#include <string.h>

#include "medfw/json.h"
#include "vuln/advjson_int.h"

#define WHAT "KEV catalog"
#define TEXT_MAX (64u * 1024u)
#define SHORT_MAX 1024u
#define CWES_MAX 256u
#define ARENA_MAX (256u * 1024u * 1024u)

void medfw_kev_free(struct medfw_kev_catalog *kev)
{
	struct medfwi_arena *arena;

	if (kev == NULL)
		return;
	arena = kev->priv_;
	medfwi_arena_free(arena);
	free(arena);
}

static int cwe_valid(const char *s)
{
	size_t i;

	if (strncmp(s, "CWE-", 4) != 0 || s[4] == '\0')
		return 0;
	for (i = 4; s[i] != '\0'; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

static enum medfw_err bad_value(const struct medfwi_jr *jr, const char *path, const char *key,
				const char *value, const char *why)
{
	char p[MEDFWI_PATH_MAX], q[64];

	medfwi_path_key(p, path, key);
	return medfw_diag_set(jr->diag, MEDFW_ERR_FIELD_VALUE, WHAT ": %s: \"%s\" %s", p,
			      medfwi_quote(value, q, sizeof(q)), why);
}

static enum medfw_err parse_entry(const struct medfwi_jr *jr, const json_t *v, const char *p,
				  struct medfw_kev_entry *e)
{
	enum medfw_err err;
	size_t i;
	const unsigned req = MEDFWI_REQUIRED;

	err = medfwi_jr_expect_object(jr, v, p);
	if (err == MEDFW_OK)
		err = medfwi_jr_str(jr, v, p, "cveID", req, 32, &e->cve_id);
	if (err == MEDFW_OK && !medfwi_cve_valid(e->cve_id, 19))
		return bad_value(jr, p, "cveID", e->cve_id, "is not a CVE id (CVE-YYYY-NNNN)");
	if (err == MEDFW_OK)
		err = medfwi_jr_str(jr, v, p, "vendorProject", req, SHORT_MAX, &e->vendor_project);
	if (err == MEDFW_OK)
		err = medfwi_jr_str(jr, v, p, "product", req, SHORT_MAX, &e->product);
	if (err == MEDFW_OK)
		err = medfwi_jr_str(jr, v, p, "vulnerabilityName", req, SHORT_MAX,
				    &e->vulnerability_name);
	if (err == MEDFW_OK)
		err = medfwi_jr_str(jr, v, p, "dateAdded", req, 16, &e->date_added);
	if (err == MEDFW_OK && !medfwi_date_valid(e->date_added))
		return bad_value(jr, p, "dateAdded", e->date_added, "is not a date (YYYY-MM-DD)");
	if (err == MEDFW_OK)
		err = medfwi_jr_str(jr, v, p, "shortDescription", req, TEXT_MAX, &e->short_description);
	if (err == MEDFW_OK)
		err = medfwi_jr_str(jr, v, p, "requiredAction", req, TEXT_MAX, &e->required_action);
	if (err == MEDFW_OK)
		err = medfwi_jr_str(jr, v, p, "dueDate", req, 16, &e->due_date);
	if (err == MEDFW_OK && !medfwi_date_valid(e->due_date))
		return bad_value(jr, p, "dueDate", e->due_date, "is not a date (YYYY-MM-DD)");
	if (err == MEDFW_OK)
		err = medfwi_jr_str(jr, v, p, "knownRansomwareCampaignUse", 0, 64,
				    &e->known_ransomware_campaign_use);
	if (err == MEDFW_OK)
		err = medfwi_jr_str(jr, v, p, "notes", 0, TEXT_MAX, &e->notes);
	if (err == MEDFW_OK)
		err = medfwi_jr_str_array(jr, v, p, "cwes", 0, CWES_MAX, 32, &e->cwes, &e->cwe_count);
	if (err != MEDFW_OK)
		return err;
	for (i = 0; i < e->cwe_count; i++) {
		if (!cwe_valid(e->cwes[i])) {
			char k[MEDFWI_PATH_MAX];

			medfwi_path_item(k, "", "cwes", i);
			return bad_value(jr, p, k, e->cwes[i], "is not a CWE id (CWE-N)");
		}
	}
	if (e->known_ransomware_campaign_use == NULL)
		e->ransomware = MEDFW_KEV_RANSOMWARE_ABSENT;
	else if (strcmp(e->known_ransomware_campaign_use, "Known") == 0)
		e->ransomware = MEDFW_KEV_RANSOMWARE_KNOWN;
	else if (strcmp(e->known_ransomware_campaign_use, "Unknown") == 0)
		e->ransomware = MEDFW_KEV_RANSOMWARE_UNKNOWN;
	else
		e->ransomware = MEDFW_KEV_RANSOMWARE_OTHER;
	return MEDFW_OK;
}

static int entry_cmp(const void *a, const void *b)
{
	const struct medfw_kev_entry *x = a, *y = b;

	return strcmp(x->cve_id, y->cve_id);
}

static enum medfw_err parse_catalog(const struct medfwi_jr *jr, const json_t *root,
				    struct medfw_kev_catalog *kev)
{
	struct medfwi_time t;
	json_t *arr;
	size_t n, i;
	char p[MEDFWI_PATH_MAX];
	enum medfw_err err;

	err = medfwi_jr_expect_object(jr, root, "");
	if (err == MEDFW_OK)
		err = medfwi_jr_str(jr, root, "", "title", 0, SHORT_MAX, &kev->title);
	if (err == MEDFW_OK)
		err = medfwi_jr_str(jr, root, "", "catalogVersion", MEDFWI_REQUIRED | MEDFWI_NONEMPTY,
				    64, &kev->catalog_version);
	if (err == MEDFW_OK)
		err = medfwi_jr_str(jr, root, "", "dateReleased", MEDFWI_REQUIRED, 64,
				    &kev->date_released);
	if (err == MEDFW_OK && !medfwi_time_parse(kev->date_released, &t))
		return bad_value(jr, "", "dateReleased", kev->date_released,
				 "is not an RFC 3339 date-time");
	if (err != MEDFW_OK)
		return err;
	if (json_object_get(root, "count") == NULL)
		return medfw_diag_set(jr->diag, MEDFW_ERR_FIELD_MISSING, WHAT ": count is missing");
	if (!json_is_integer(json_object_get(root, "count")))
		return medfw_diag_set(jr->diag, MEDFW_ERR_FIELD_TYPE, WHAT ": count must be an integer");
	kev->count = (int64_t)json_integer_value(json_object_get(root, "count"));
	err = medfwi_jr_array(jr, root, "", "vulnerabilities", MEDFWI_REQUIRED, MEDFW_KEV_MAX_ENTRIES,
			      &arr, &n);
	if (err != MEDFW_OK)
		return err;
	if (kev->count < 0 || (uint64_t)kev->count != n)
		return medfw_diag_set(jr->diag, MEDFW_ERR_FIELD_VALUE,
				      WHAT ": count is %lld but vulnerabilities has %zu entries "
				      "(truncated or edited catalog)",
				      (long long)kev->count, n);
	kev->entries = medfwi_arena_alloc(jr->arena, (n > 0 ? n : 1) * sizeof(*kev->entries));
	if (kev->entries == NULL)
		return medfwi_jr_alloc_failed(jr);
	for (i = 0; i < n; i++) {
		medfwi_path_item(p, "", "vulnerabilities", i);
		err = parse_entry(jr, json_array_get(arr, i), p, &kev->entries[i]);
		if (err != MEDFW_OK)
			return err;
	}
	qsort(kev->entries, n, sizeof(*kev->entries), entry_cmp);
	for (i = 1; i < n; i++)
		if (strcmp(kev->entries[i - 1].cve_id, kev->entries[i].cve_id) == 0)
			return medfw_diag_set(jr->diag, MEDFW_ERR_FIELD_VALUE,
					      WHAT ": %s is listed twice", kev->entries[i].cve_id);
	kev->entry_count = n;
	return MEDFW_OK;
}

enum medfw_err medfw_kev_parse(const uint8_t *data, size_t len, struct medfw_kev_catalog **out,
			       struct medfw_diag *diag)
{
	struct medfwi_arena *arena = NULL;
	struct medfwi_jr jr;
	struct medfw_kev_catalog *kev;
	json_t *root = NULL;
	enum medfw_err err;

	if (out == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, WHAT ": no output");
	*out = NULL;
	if (data == NULL && len > 0)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, WHAT ": no data");
	err = medfw_json_parse(data, len, MEDFW_KEV_MAX_BYTES, 8, &root, diag);
	if (err != MEDFW_OK)
		return err;
	arena = malloc(sizeof(*arena));
	if (arena == NULL) {
		json_decref(root);
		return medfw_diag_set(diag, MEDFW_ERR_NOMEM, WHAT ": out of memory");
	}
	medfwi_arena_init(arena, ARENA_MAX);
	jr.arena = arena;
	jr.diag = diag;
	jr.what = WHAT;
	kev = medfwi_arena_alloc(arena, sizeof(*kev));
	if (kev == NULL) {
		err = medfwi_jr_alloc_failed(&jr);
		medfwi_arena_free(arena);
		free(arena);
		json_decref(root);
		return err;
	}
	kev->priv_ = arena;
	err = parse_catalog(&jr, root, kev);
	json_decref(root);
	if (err != MEDFW_OK) {
		medfw_kev_free(kev);
		return err;
	}
	*out = kev;
	return MEDFW_OK;
}

const struct medfw_kev_entry *medfw_kev_lookup(const struct medfw_kev_catalog *kev,
					       const char *cve_id)
{
	size_t lo = 0, hi, mid;
	int c;

	if (kev == NULL || cve_id == NULL)
		return NULL;
	hi = kev->entry_count;
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = strcmp(cve_id, kev->entries[mid].cve_id);
		if (c == 0)
			return &kev->entries[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}
