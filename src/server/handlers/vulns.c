/* Vulnerability management over HTTP (docs/vulnerabilities.md): feed imports, release
 * SBOMs (uploaded, checked against the signed SBOM target when the repository serves
 * it, or attached by the repository commit: repo.c, medfwd_release_sbom_store), VEX
 * files and statements, findings per release and per device, SLA policies per site and
 * the report. The logic is in the store (medfw/store_vuln.h); every change is
 * followed by a re-evaluation and audited.
 *
 * Who may do what: reading needs devices.read (findings of a release are the
 * manufacturer's disclosure to every customer; a device's findings and the report are
 * seen in the reader's site scope). Feeds, SBOMs and VEX apply to every site, so
 * changing them needs vulns.write AND manufacturer-wide staff; an SLA policy needs
 * vulns.write on a site the user may access. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "devices.h"
#include "medfw/json.h"
#include "medfw/notice.h"
#include "medfw/num.h"
#include "medfw/sbom.h"
#include "medfw/store_vuln.h"
#include "medfw/tuf.h"
#include "medfw/vuln_matcher.h"
#include "vulns.h"

#define SBOM_SUFFIX "/sbom"
#define LIST_LIMIT_DEFAULT 100
#define LIST_LIMIT_MAX 1000
#define REPORT_SITES_MAX 1000
#define REPORT_MODELS_MAX 1000
#define REPORT_EXPOSURES_MAX 500 /* open exposures listed per site */
#define HISTORY_MAX 200
#define NAME_DEFAULT "upload.json"

/* ---------------------------------------------------------------- helpers */

static json_t *utc_json(int64_t t)
{
	char s[MEDFW_UTC_TIME_LEN + 1];

	if (t == 0 || medfw_format_utc_time(t, s, sizeof(s)) != MEDFW_OK)
		return json_null();
	return json_string(s);
}

static json_t *str_or_null(const char *s)
{
	return s != NULL && s[0] != '\0' ? json_string(s) : json_null();
}

static json_t *score_json(int tenths)
{
	return tenths < 0 ? json_null() : json_real(tenths / 10.0);
}

/* Changing what applies to every site: manufacturer-wide staff only. */
static int require_global(const struct medfwd_request *req, struct medfwd_response *resp)
{
	if (!medfwd_require(req, resp, MEDFWD_PERM_VULNS_WRITE))
		return 0;
	if (medfwd_principal_of(req)->user.site_id != 0) {
		medfwd_respond_error(resp, 403, "forbidden", NULL,
				     "feeds, release SBOMs and VEX apply to every site: "
				     "manufacturer-wide staff only");
		return 0;
	}
	return 1;
}

/* A printable text query parameter of 1..max bytes, or `dflt` when absent. */
static int query_text(const struct medfwd_request *req, struct medfwd_response *resp,
		      const char *name, size_t max, const char *dflt, const char **out)
{
	const char *v = medfwd_request_query(req, name);

	*out = dflt;
	if (v == NULL)
		return 1;
	if (v[0] == '\0' || strlen(v) > max) {
		medfwd_respond_error(resp, 400, "invalid", name, "%s: 1 to %zu bytes", name, max);
		return 0;
	}
	*out = v;
	return 1;
}

static int query_int(const struct medfwd_request *req, struct medfwd_response *resp,
		     const char *name, uint64_t min, uint64_t max, int64_t dflt, int64_t *out)
{
	const char *v = medfwd_request_query(req, name);
	uint64_t n = 0;

	*out = dflt;
	if (v == NULL)
		return 1;
	if (medfw_parse_u64(v, min, max, &n) != MEDFW_OK) {
		medfwd_respond_error(resp, 400, "invalid", name, "%s: an integer from %llu to %llu",
				     name, (unsigned long long)min, (unsigned long long)max);
		return 0;
	}
	*out = (int64_t)n;
	return 1;
}

/* A change was stored: queue its re-evaluation (vulns.h); the answer's "evaluation". */
static json_t *reevaluate(struct medfwd_app *app, enum medfw_store_vuln_cause cause,
			  const char *what, const struct medfwd_principal *who)
{
	char detail[MEDFW_STORE_VULN_EVENT_DETAIL_MAX + 1];

	snprintf(detail, sizeof(detail), "%.700s by %.128s", what,
		 who != NULL ? who->user.username : "system");
	return medfwd_vulns_changed(app, cause, detail);
}

/* Bring the sites' exposures in line with the fleet before answering about them. */
static int refresh_exposures(struct medfwd_app *app, struct medfwd_response *resp)
{
	struct medfw_diag diag;
	enum medfw_err err;

	medfw_diag_clear(&diag);
	err = medfw_store_vuln_exposures_refresh(app->store, MEDFW_STORE_CAUSE_FLEET,
						 "the fleet as read for a report", NULL, NULL,
						 &diag);
	if (err != MEDFW_OK) {
		medfwd_respond_medfw_error(resp, err, &diag);
		return 0;
	}
	return 1;
}

static void respond_input_error(struct medfwd_response *resp, const char *code,
				enum medfw_err err, const struct medfw_diag *diag)
{
	switch (err) {
	case MEDFW_ERR_NOMEM:
	case MEDFW_ERR_IO:
	case MEDFW_ERR_COMPRESSION:
	case MEDFW_ERR_STATE:
	case MEDFW_ERR_NOT_FOUND:
		medfwd_respond_medfw_error(resp, err, diag);
		break;
	case MEDFW_ERR_TOO_LARGE:
		medfwd_respond_error(resp, 413, "too_large", "body", "%s",
				     medfw_diag_message(diag, err));
		break;
	default:
		medfwd_respond_error(resp, 400, code, "body", "%s", medfw_diag_message(diag, err));
		break;
	}
}

/* ---------------------------------------------------------------- feeds */

static void import_feed(struct medfwd_request *req, struct medfwd_response *resp)
{
	struct medfwd_app *app = medfwd_app_of(req);
	const struct medfwd_principal *who = medfwd_principal_of(req);
	struct medfw_store_vuln_import *out;
	struct medfw_diag diag;
	char sha[65] = "", what[400];
	uint8_t digest[32];
	size_t n = 0;
	const char *name;
	json_t *records, *problems, *body;
	enum medfw_err err;

	if (!require_global(req, resp) ||
	    !query_text(req, resp, "name", MEDFW_STORE_VULN_SOURCE_MAX, NAME_DEFAULT, &name))
		return;
	if (req->body_len == 0) {
		medfwd_respond_error(resp, 400, "invalid_feed", "body",
				     "the body must be one feed file (OSV, NVD CVE API 2.0, CVE JSON "
				     "5, CSAF 2.0 or CISA KEV JSON)");
		return;
	}
	out = calloc(1, sizeof(*out));
	if (out == NULL) {
		medfwd_respond_error(resp, 500, "internal", NULL, "out of memory");
		return;
	}
	medfw_diag_clear(&diag);
	err = medfw_store_vuln_import(app->store, name, req->body, req->body_len, out, &diag);
	if (err != MEDFW_OK) {
		free(out);
		respond_input_error(resp, "invalid_feed", err, &diag);
		return;
	}
	if (medfw_hash_oneshot(MEDFW_HASH_SHA256, req->body, req->body_len, digest, sizeof(digest),
			       &n) == MEDFW_OK)
		(void)medfw_hex_encode(digest, n, sha, sizeof(sha));
	records = json_object();
	for (int f = MEDFW_FEED_OSV; records != NULL && f <= MEDFW_FEED_KEV; f++)
		json_object_set_new(records, medfw_feed_format_name((enum medfw_feed_format)f),
				    json_integer((json_int_t)out->records[f]));
	problems = json_array();
	for (size_t i = 0; problems != NULL && i < out->problem_count; i++)
		json_array_append_new(problems,
				      json_pack("{s:s, s:s, s:s}", "json_path",
						out->problems[i].json_path, "error",
						medfw_err_name(out->problems[i].err), "message",
						out->problems[i].message));
	(void)medfwd_audit(app, req, medfwd_actor_of(who), 0, "vulnerabilities.imported",
			   json_pack("{s:s, s:s, s:I, s:I, s:I, s:I}", "source", name, "sha256", sha,
				     "added", (json_int_t)out->added, "updated",
				     (json_int_t)out->updated, "unchanged",
				     (json_int_t)out->unchanged, "rejected",
				     (json_int_t)out->rejected));
	body = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:o, s:o}", "source", name, "sha256", sha,
			 "added", (json_int_t)out->added, "updated", (json_int_t)out->updated,
			 "unchanged", (json_int_t)out->unchanged, "rejected",
			 (json_int_t)out->rejected, "records", records, "problems", problems);
	snprintf(what, sizeof(what), "import of %.255s", name);
	if (body != NULL)
		json_object_set_new(body, "evaluation",
				    out->added + out->updated > 0
					    ? reevaluate(app, MEDFW_STORE_CAUSE_FEED, what, who)
					    : json_null());
	free(out);
	medfwd_respond_json(resp, 200, body);
}

/* ---------------------------------------------------------------- evaluation */

/* GET: the re-evaluation worker's state (devices.read: it names what changed, as the
 * findings' history does). */
static void evaluation_get(struct medfwd_request *req, struct medfwd_response *resp)
{
	struct medfw_diag diag;
	json_t *doc;

	if (!medfwd_require(req, resp, MEDFWD_PERM_DEVICES_READ))
		return;
	medfw_diag_clear(&diag);
	doc = medfwd_vulns_state_json(medfwd_app_of(req), &diag);
	if (doc == NULL) {
		medfwd_respond_medfw_error(resp, diag.err, &diag);
		return;
	}
	medfwd_respond_json(resp, 200, doc);
}

/* POST: evaluate everything again (after a matcher upgrade, a failed evaluation). */
static void evaluation_request(struct medfwd_request *req, struct medfwd_response *resp)
{
	struct medfwd_app *app = medfwd_app_of(req);
	const struct medfwd_principal *who = medfwd_principal_of(req);
	struct medfw_diag diag;
	json_t *queued, *doc;

	if (!require_global(req, resp))
		return;
	if (req->body_len != 0) {
		medfwd_respond_error(resp, 400, "invalid", "body", "no body is expected");
		return;
	}
	queued = reevaluate(app, MEDFW_STORE_CAUSE_CHANGES, "re-evaluation asked for", who);
	(void)medfwd_audit(app, req, medfwd_actor_of(who), 0,
			   "vulnerabilities.reevaluation_requested", NULL);
	medfw_diag_clear(&diag);
	doc = medfwd_vulns_state_json(app, &diag);
	if (doc == NULL) {
		json_decref(queued);
		medfwd_respond_medfw_error(resp, diag.err, &diag);
		return;
	}
	json_object_set_new(doc, "evaluation", queued);
	medfwd_respond_json(resp, 202, doc);
}

/* ---------------------------------------------------------------- product map */

static json_t *product_map_json(const struct medfw_store_product_map *m)
{
	return json_pack("{s:s, s:s, s:I, s:o}", "source", m->source, "sha256", m->sha256,
			 "entries", (json_int_t)m->entries, "updated_at", utc_json(m->updated_at));
}

/* PUT: the product-mapping table (what advisories naming products in words call our
 * models and releases) for every release. */
static void product_map_put(struct medfwd_request *req, struct medfwd_response *resp)
{
	struct medfwd_app *app = medfwd_app_of(req);
	const struct medfwd_principal *who = medfwd_principal_of(req);
	struct medfw_store_product_map map;
	struct medfw_diag diag;
	const char *name;
	char what[400];
	int unchanged = 0;
	json_t *body;
	enum medfw_err err;

	if (!require_global(req, resp) ||
	    !query_text(req, resp, "name", MEDFW_STORE_VULN_SOURCE_MAX, "product-map.json", &name))
		return;
	if (req->body_len == 0) {
		medfwd_respond_error(resp, 400, "invalid_product_map", "body",
				     "the body must be a product map: {\"mappings\": [{\"model\": "
				     "..., \"advisory_products\": [...]}, ...]}");
		return;
	}
	medfw_diag_clear(&diag);
	err = medfw_store_product_map_put(app->store, name, req->body, req->body_len,
					  who->user.id, &map, &unchanged, &diag);
	if (err != MEDFW_OK) {
		respond_input_error(resp, "invalid_product_map", err, &diag);
		return;
	}
	if (!unchanged)
		(void)medfwd_audit(app, req, medfwd_actor_of(who), 0,
				   "vulnerabilities.product_map_stored", product_map_json(&map));
	body = product_map_json(&map);
	snprintf(what, sizeof(what), "product map %.255s", name);
	if (body != NULL) {
		json_object_set_new(body, "unchanged", json_boolean(unchanged));
		json_object_set_new(body, "evaluation",
				    unchanged ? json_null()
					      : reevaluate(app, MEDFW_STORE_CAUSE_FEED, what, who));
	}
	medfwd_respond_json(resp, 200, body);
}

/* GET: the stored product map as it was uploaded. */
static void product_map_get(struct medfwd_request *req, struct medfwd_response *resp)
{
	struct medfwd_app *app = medfwd_app_of(req);
	struct medfw_store_product_map map;
	struct medfw_buf b;
	struct medfw_diag diag;
	char etag[MEDFW_STORE_SHA256_HEX + 3];
	enum medfw_err err;

	if (!medfwd_require(req, resp, MEDFWD_PERM_DEVICES_READ))
		return;
	medfw_buf_init(&b, MEDFW_PRODUCT_MAP_MAX_BYTES);
	medfw_diag_clear(&diag);
	err = medfw_store_product_map_get(app->store, &map, &b, &diag);
	if (err == MEDFW_ERR_NOT_FOUND) {
		medfwd_respond_error(resp, 404, "not_found", NULL,
				     "no product map is stored (PUT one)");
	} else if (err != MEDFW_OK) {
		medfwd_respond_medfw_error(resp, err, &diag);
	} else {
		medfwd_respond_bytes(resp, 200, "application/json", b.data, b.len);
		snprintf(etag, sizeof(etag), "\"%s\"", map.sha256);
		(void)medfwd_response_add_header(resp, "ETag", etag);
	}
	medfw_buf_free(&b);
}

/* ---------------------------------------------------------------- release SBOMs */

static json_t *sbom_json(const struct medfw_store_release_sbom *s)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:I, s:o, s:o, s:s, s:b, s:s, s:s, s:I, s:o, s:o}",
			 "release", s->target_name, "image_sha256", s->target_sha256, "model",
			 s->model, "product_version", s->product_version, "security_version",
			 (json_int_t)s->security_version, "release_date",
			 str_or_null(s->release_date), "sbom_target", str_or_null(s->sbom_target),
			 "sbom_sha256", s->sbom_sha256, "sbom_signed", s->sbom_signed, "format",
			 s->format, "spec_version", s->spec_version, "components",
			 (json_int_t)s->component_count, "created_at", utc_json(s->created_at),
			 "updated_at", utc_json(s->updated_at));
}

/* {target*} of /api/v1/releases/{target*} must be TARGET/sbom: TARGET into out. */
static int release_of_path(const struct medfwd_request *req, struct medfwd_response *resp,
			   char out[MEDFW_STORE_TARGET_NAME_MAX + 1])
{
	const char *p = medfwd_request_param(req, "target");
	size_t n = p != NULL ? strlen(p) : 0, s = strlen(SBOM_SUFFIX);

	if (n <= s || strcmp(p + n - s, SBOM_SUFFIX) != 0) {
		medfwd_respond_error(resp, 404, "not_found", "target",
				     "no such resource: /api/v1/releases/TARGET/sbom");
		return 0;
	}
	if (n - s > MEDFW_STORE_TARGET_NAME_MAX) {
		medfwd_respond_error(resp, 404, "not_found", "target", "no such release");
		return 0;
	}
	memcpy(out, p, n - s);
	out[n - s] = '\0';
	return 1;
}

/* The lowercase hex SHA-256 a target is signed with; 0 (out "") when it has none. */
static int signed_sha256_of(const struct medfw_tuf_target *t,
			    char out[MEDFW_STORE_SHA256_HEX + 1])
{
	const json_t *sha = json_object_get(t->hashes, "sha256");
	const char *s = json_string_value(sha);

	out[0] = '\0';
	if (s == NULL || json_string_length(sha) != MEDFW_STORE_SHA256_HEX)
		return 0;
	for (size_t i = 0; i < MEDFW_STORE_SHA256_HEX; i++) {
		char c = s[i] >= 'A' && s[i] <= 'F' ? (char)(s[i] - 'A' + 'a') : s[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
			out[0] = '\0';
			return 0;
		}
		out[i] = c;
	}
	out[MEDFW_STORE_SHA256_HEX] = '\0';
	return 1;
}

/* The signed release target as a TUF client finds it (borrowed from *out_lookup, which
 * the caller frees) and its release notice (the caller frees it). */
static int load_release(struct medfwd_app *app, const char *name,
			struct medfwd_served_target **out_lookup,
			const struct medfw_tuf_target **out_release,
			struct medfw_release_notice **out_notice, struct medfwd_response *resp)
{
	const struct medfw_tuf_target *t = NULL;
	struct medfw_diag diag;
	char sha[MEDFW_STORE_SHA256_HEX + 1];
	enum medfw_err err;

	*out_notice = NULL;
	*out_release = NULL;
	medfw_diag_clear(&diag);
	err = medfwd_repo_served_target(app, name, out_lookup, &t, &diag);
	if (err == MEDFW_ERR_NOT_FOUND) {
		medfwd_respond_error(resp, 422, "unknown_target", "target",
				     "\"%.200s\" is not a signed target of the served repository: %s",
				     name, medfw_diag_message(&diag, err));
		return 0;
	}
	if (err != MEDFW_OK) {
		medfwd_respond_error(resp, 409, "conflict", "target",
				     "the served repository does not verify now: %s",
				     medfw_diag_message(&diag, err));
		return 0;
	}
	medfw_diag_clear(&diag);
	if (medfw_notice_from_target_custom(t->custom, out_notice, &diag) != MEDFW_OK ||
	    !signed_sha256_of(t, sha)) {
		medfw_notice_free(*out_notice);
		*out_notice = NULL;
		medfwd_respond_error(resp, 422, "invalid", "target",
				     "\"%.200s\" has no valid release notice or no sha256: %s", name,
				     diag.msg[0] ? diag.msg : "sha256 missing");
		return 0;
	}
	*out_release = t;
	return 1;
}

/* Whether the body (len bytes, sha256) is the signed SBOM target: 1 signed, 0 the target is not served, -1
 * with a response set (it is served with other bytes, or the repository fails). */
static int sbom_signed(struct medfwd_app *app, const char *sbom_target, size_t len,
		       const char *sha256, struct medfwd_response *resp)
{
	struct medfwd_served_target *lookup = NULL;
	const struct medfw_tuf_target *t = NULL;
	struct medfw_diag diag;
	char want[MEDFW_STORE_SHA256_HEX + 1];
	enum medfw_err err;
	int same;

	medfw_diag_clear(&diag);
	err = medfwd_repo_served_target(app, sbom_target, &lookup, &t, &diag);
	if (err == MEDFW_ERR_NOT_FOUND)
		return 0;
	if (err != MEDFW_OK) {
		medfwd_respond_error(resp, 409, "conflict", "target",
				     "the served repository does not verify now: %s",
				     medfw_diag_message(&diag, err));
		return -1;
	}
	same = t->length >= 0 && (uint64_t)t->length == len && signed_sha256_of(t, want) &&
	       strcmp(want, sha256) == 0;
	medfwd_served_target_free(lookup);
	if (!same) {
		medfwd_respond_error(resp, 422, "sbom_mismatch", "body",
				     "the release notice names the SBOM target \"%.200s\", which the "
				     "repository signs with another length or SHA-256: upload those "
				     "signed bytes",
				     sbom_target);
		return -1;
	}
	return 1;
}

enum medfw_err medfwd_release_sbom_store(struct medfwd_app *app, const struct medfwd_request *req,
					 const struct medfwd_principal *who,
					 const struct medfw_tuf_target *release,
					 const struct medfw_release_notice *notice,
					 const struct medfw_sbom *sbom, const char *sbom_sha256,
					 int sbom_signed, const char *attached,
					 struct medfw_store_release_sbom *out_meta,
					 int *out_replaced, struct medfw_diag *diag)
{
	struct medfw_store_release_sbom *meta = out_meta;
	const char *sbom_target = notice->sbom_target != NULL ? notice->sbom_target : "";
	int replaced = 0;
	json_t *detail;
	enum medfw_err err;

	memset(meta, 0, sizeof(*meta));
	*out_replaced = 0;
	if (strlen(release->path) > MEDFW_STORE_TARGET_NAME_MAX)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE,
				      "release target \"%.200s...\": more than %d bytes",
				      release->path, MEDFW_STORE_TARGET_NAME_MAX);
	if (strlen(sbom_target) > MEDFW_STORE_UPDATE_TARGET_MAX)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE,
				      "release_notice.sbom_target: more than %d bytes",
				      MEDFW_STORE_UPDATE_TARGET_MAX);
	if (!signed_sha256_of(release, meta->target_sha256))
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_MISSING,
				      "release target \"%.200s\": signed without a sha256 hash",
				      release->path);
	if (sbom_sha256 == NULL || strlen(sbom_sha256) != MEDFW_STORE_SHA256_HEX)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
				      "the SBOM's SHA-256 must be %d hex digits",
				      MEDFW_STORE_SHA256_HEX);
	snprintf(meta->target_name, sizeof(meta->target_name), "%s", release->path);
	memcpy(meta->sbom_sha256, sbom_sha256, MEDFW_STORE_SHA256_HEX + 1);
	meta->sbom_signed = sbom_signed ? 1 : 0;
	snprintf(meta->product_version, sizeof(meta->product_version), "%.64s",
		 notice->product_version);
	meta->security_version = notice->security_version > INT64_MAX
					 ? INT64_MAX
					 : (int64_t)notice->security_version;
	snprintf(meta->release_date, sizeof(meta->release_date), "%s", notice->release_date);
	snprintf(meta->sbom_target, sizeof(meta->sbom_target), "%s", sbom_target);
	if (notice->hardware_id_count > 0)
		snprintf(meta->model, sizeof(meta->model), "%.128s", notice->hardware_ids[0]);
	meta->created_by = who != NULL ? who->user.id : 0;
	err = medfw_store_release_sbom_put(app->store, meta, sbom, &replaced, diag);
	if (err != MEDFW_OK) {
		memset(meta, 0, sizeof(*meta));
		return err;
	}
	detail = json_pack("{s:s, s:s, s:b, s:I, s:b}", "release", meta->target_name,
			   "sbom_sha256", meta->sbom_sha256, "signed", meta->sbom_signed,
			   "components", (json_int_t)meta->component_count, "replaced", replaced);
	if (detail != NULL && attached != NULL)
		json_object_set_new(detail, "attached", json_string(attached));
	(void)medfwd_audit(app, req, medfwd_actor_of(who), 0, "release.sbom_stored", detail);
	*out_replaced = replaced;
	return MEDFW_OK;
}

static void sbom_put(struct medfwd_request *req, struct medfwd_response *resp)
{
	struct medfwd_app *app = medfwd_app_of(req);
	const struct medfwd_principal *who = medfwd_principal_of(req);
	struct medfwd_served_target *lookup = NULL;
	const struct medfw_tuf_target *release = NULL;
	struct medfw_store_release_sbom *meta = NULL;
	struct medfw_release_notice *notice = NULL;
	struct medfw_sbom *sbom = NULL;
	struct medfw_diag diag;
	char target[MEDFW_STORE_TARGET_NAME_MAX + 1], what[400];
	char sbom_sha256[MEDFW_STORE_SHA256_HEX + 1];
	uint8_t digest[32];
	size_t n = 0;
	int replaced = 0, is_signed;
	json_t *body;
	enum medfw_err err;

	if (!require_global(req, resp) || !release_of_path(req, resp, target))
		return;
	medfw_diag_clear(&diag);
	err = req->body_len == 0 ? medfw_diag_set(&diag, MEDFW_ERR_FIELD_MISSING,
						  "the body must be a CycloneDX or SPDX JSON SBOM")
				 : medfw_sbom_parse(req->body, req->body_len, NULL, &sbom, &diag);
	if (err != MEDFW_OK) {
		respond_input_error(resp, "invalid_sbom", err, &diag);
		return;
	}
	meta = calloc(1, sizeof(*meta));
	if (meta == NULL) {
		medfwd_respond_error(resp, 500, "internal", NULL, "out of memory");
		goto out;
	}
	if (!load_release(app, target, &lookup, &release, &notice, resp))
		goto out;
	if (medfw_hash_oneshot(MEDFW_HASH_SHA256, req->body, req->body_len, digest, sizeof(digest),
			       &n) != MEDFW_OK ||
	    medfw_hex_encode(digest, n, sbom_sha256, sizeof(sbom_sha256)) != MEDFW_OK) {
		medfwd_respond_error(resp, 500, "internal", NULL, "cannot hash the SBOM");
		goto out;
	}
	is_signed = notice->sbom_target != NULL
			    ? sbom_signed(app, notice->sbom_target, req->body_len, sbom_sha256, resp)
			    : 0;
	if (is_signed < 0)
		goto out;
	medfw_diag_clear(&diag);
	err = medfwd_release_sbom_store(app, req, who, release, notice, sbom, sbom_sha256,
					is_signed, NULL, meta, &replaced, &diag);
	if (err != MEDFW_OK) {
		respond_input_error(resp, "invalid_sbom", err, &diag);
		goto out;
	}
	body = sbom_json(meta);
	snprintf(what, sizeof(what), "SBOM of %.255s", meta->target_name);
	if (body != NULL) {
		json_object_set_new(body, "replaced", json_boolean(replaced));
		json_object_set_new(body, "evaluation",
				    reevaluate(app, MEDFW_STORE_CAUSE_SBOM, what, who));
	}
	medfwd_respond_json(resp, replaced ? 200 : 201, body);
out:
	medfwd_served_target_free(lookup);
	medfw_notice_free(notice);
	medfw_sbom_free(sbom);
	free(meta);
}

static void respond_export(struct medfwd_response *resp, const struct medfw_buf *b)
{
	medfwd_respond_bytes(resp, 200, "application/vnd.cyclonedx+json", b->data, b->len);
}

static void sbom_get(struct medfwd_request *req, struct medfwd_response *resp)
{
	struct medfwd_app *app = medfwd_app_of(req);
	struct medfw_store_release_sbom *meta;
	char target[MEDFW_STORE_TARGET_NAME_MAX + 1];
	struct medfw_buf b;
	struct medfw_diag diag;
	enum medfw_err err;

	if (!medfwd_require(req, resp, MEDFWD_PERM_DEVICES_READ) ||
	    !release_of_path(req, resp, target))
		return;
	meta = calloc(1, sizeof(*meta));
	if (meta == NULL) {
		medfwd_respond_error(resp, 500, "internal", NULL, "out of memory");
		return;
	}
	medfw_buf_init(&b, MEDFW_SBOM_MAX_BYTES);
	medfw_diag_clear(&diag);
	err = medfw_store_release_sbom_get(app->store, target, meta, &b, &diag);
	if (err != MEDFW_OK)
		medfwd_respond_medfw_error(resp, err, &diag);
	else
		respond_export(resp, &b);
	medfw_buf_free(&b);
	free(meta);
}

static void releases_list(struct medfwd_request *req, struct medfwd_response *resp)
{
	struct medfwd_app *app = medfwd_app_of(req);
	struct medfw_store_release_sbom *rows;
	struct medfw_diag diag;
	int64_t limit, offset, total = 0;
	size_t n = 0;
	json_t *arr;
	enum medfw_err err;

	if (!medfwd_require(req, resp, MEDFWD_PERM_DEVICES_READ) ||
	    !query_int(req, resp, "limit", 1, LIST_LIMIT_MAX, LIST_LIMIT_DEFAULT, &limit) ||
	    !query_int(req, resp, "offset", 0, INT64_MAX, 0, &offset))
		return;
	rows = calloc((size_t)limit, sizeof(*rows));
	if (rows == NULL) {
		medfwd_respond_error(resp, 500, "internal", NULL, "out of memory");
		return;
	}
	medfw_diag_clear(&diag);
	err = medfw_store_release_sbom_list(app->store, offset, rows, (size_t)limit, &n, &total,
					    &diag);
	if (err != MEDFW_OK) {
		free(rows);
		medfwd_respond_medfw_error(resp, err, &diag);
		return;
	}
	arr = json_array();
	for (size_t i = 0; arr != NULL && i < n; i++)
		json_array_append_new(arr, sbom_json(&rows[i]));
	free(rows);
	medfwd_respond_json(resp, 200,
			    json_pack("{s:I, s:o}", "total", (json_int_t)total, "releases", arr));
}

/* The device of the path in the caller's scope. */
static int load_device(const struct medfwd_request *req, struct medfwd_response *resp,
		       struct medfw_store_device *out)
{
	struct medfwd_app *app = medfwd_app_of(req);
	struct medfw_diag diag;
	int64_t id = 0;
	enum medfw_err err;

	if (!medfwd_device_id_of(req, resp, &id))
		return 0;
	medfw_diag_clear(&diag);
	err = medfw_store_device_get(app->store, medfwd_scope_of(medfwd_principal_of(req)), id,
				     out, &diag);
	if (err == MEDFW_ERR_NOT_FOUND) {
		medfwd_respond_error(resp, 404, "not_found", "device", "no such device");
		return 0;
	}
	if (err != MEDFW_OK) {
		medfwd_respond_medfw_error(resp, err, &diag);
		return 0;
	}
	return 1;
}

static void device_sbom(struct medfwd_request *req, struct medfwd_response *resp)
{
	struct medfwd_app *app = medfwd_app_of(req);
	struct medfw_store_device *dev = NULL;
	struct medfw_store_release_sbom *meta = NULL;
	struct medfw_sbom *sbom = NULL;
	struct medfw_sbom_component device;
	struct medfw_sbom_export_opts opts;
	struct medfw_buf stored, out;
	struct medfw_diag diag;
	char ref[64];
	enum medfw_err err;

	if (!medfwd_require(req, resp, MEDFWD_PERM_DEVICES_READ))
		return;
	dev = calloc(1, sizeof(*dev));
	meta = calloc(1, sizeof(*meta));
	medfw_buf_init(&stored, MEDFW_SBOM_MAX_BYTES);
	medfw_buf_init(&out, MEDFW_SBOM_MAX_BYTES);
	if (dev == NULL || meta == NULL) {
		medfwd_respond_error(resp, 500, "internal", NULL, "out of memory");
		goto out;
	}
	if (!load_device(req, resp, dev))
		goto out;
	medfw_diag_clear(&diag);
	err = medfw_store_release_sbom_by_image(app->store, dev->image_sha256, meta, &stored, &diag);
	if (err == MEDFW_ERR_NOT_FOUND) {
		medfwd_respond_error(resp, 404, "not_found", "device",
				     "the image this device reports (%.64s) is no release with a "
				     "stored SBOM",
				     dev->image_sha256[0] ? dev->image_sha256 : "none yet");
		goto out;
	}
	if (err == MEDFW_OK)
		err = medfw_sbom_parse(stored.data, stored.len, NULL, &sbom, &diag);
	if (err == MEDFW_OK) {
		memset(&device, 0, sizeof(device));
		snprintf(ref, sizeof(ref), "device-%lld", (long long)dev->id);
		device.ref = ref;
		device.type = MEDFW_SBOM_TYPE_DEVICE;
		device.name = dev->model[0] != '\0' ? dev->model : dev->serial;
		device.version = dev->firmware_version[0] != '\0' ? dev->firmware_version : NULL;
		device.parent = MEDFW_SBOM_NONE;
		memset(&opts, 0, sizeof(opts));
		opts.device = &device;
		err = medfw_sbom_export_cyclonedx(sbom, &opts, &out, &diag);
	}
	if (err != MEDFW_OK)
		medfwd_respond_medfw_error(resp, err, &diag);
	else
		respond_export(resp, &out);
out:
	medfw_sbom_free(sbom);
	medfw_buf_free(&stored);
	medfw_buf_free(&out);
	free(dev);
	free(meta);
}

/* ---------------------------------------------------------------- VEX */

static void vex_import(struct medfwd_request *req, struct medfwd_response *resp)
{
	struct medfwd_app *app = medfwd_app_of(req);
	const struct medfwd_principal *who = medfwd_principal_of(req);
	struct medfw_store_vex_document_result out;
	struct medfw_diag diag;
	const char *name, *release;
	char what[600];
	json_t *body;
	enum medfw_err err;

	if (!require_global(req, resp) ||
	    !query_text(req, resp, "name", MEDFW_STORE_VULN_SOURCE_MAX, "vex.json", &name) ||
	    !query_text(req, resp, "release", MEDFW_STORE_TARGET_NAME_MAX, "", &release))
		return;
	if (req->body_len == 0) {
		medfwd_respond_error(resp, 400, "invalid_vex", "body",
				     "the body must be a CycloneDX VEX or CSAF VEX document");
		return;
	}
	medfw_diag_clear(&diag);
	err = medfw_store_vex_document_add(app->store, release, name, who->user.username, req->body,
					   req->body_len, &out, &diag);
	if (err == MEDFW_ERR_NOT_FOUND) {
		medfwd_respond_error(resp, 404, "not_found", "release", "%s", diag.msg);
		return;
	}
	if (err != MEDFW_OK) {
		respond_input_error(resp, "invalid_vex", err, &diag);
		return;
	}
	if (!out.unchanged)
		(void)medfwd_audit(app, req, medfwd_actor_of(who), 0, "vex.document_added",
				   json_pack("{s:I, s:s, s:s, s:I, s:I}", "document_id",
					     (json_int_t)out.document_id, "source", name, "release",
					     release, "statements", (json_int_t)out.statements,
					     "problems", (json_int_t)out.problems));
	body = json_pack("{s:I, s:s, s:o, s:I, s:I, s:b}", "document_id",
			 (json_int_t)out.document_id, "source", name, "release", str_or_null(release),
			 "statements", (json_int_t)out.statements, "problems",
			 (json_int_t)out.problems, "unchanged", out.unchanged);
	snprintf(what, sizeof(what), "VEX document %lld (%.255s)", (long long)out.document_id,
		 name);
	if (body != NULL)
		json_object_set_new(body, "evaluation",
				    out.unchanged ? json_null()
						  : reevaluate(app, MEDFW_STORE_CAUSE_VEX, what, who));
	medfwd_respond_json(resp, out.unchanged ? 200 : 201, body);
}

static json_t *statement_json(const struct medfw_store_vex_statement *s)
{
	return json_pack("{s:I, s:o, s:o, s:s, s:s, s:s, s:o, s:o, s:o, s:s, s:o, s:s, s:o, s:o}",
			 "id", (json_int_t)s->id, "document_id",
			 s->document_id != 0 ? json_integer((json_int_t)s->document_id) : json_null(),
			 "release", str_or_null(s->target_name), "vulnerability", s->vuln_id,
			 "component", s->component, "status",
			 medfw_vex_status_name(s->status), "justification",
			 str_or_null(s->justification), "detail", str_or_null(s->detail),
			 "response", str_or_null(s->response), "author", s->author, "timestamp",
			 str_or_null(s->timestamp), "source", s->source, "json_path",
			 str_or_null(s->json_path), "created_at", utc_json(s->created_at));
}

/* "response": an array of CycloneDX responses (joined by ","), or absent. */
static int response_field(const struct medfwd_request *req, struct medfwd_response *resp,
			  char *out, size_t cap)
{
	json_t *v = json_object_get(req->json, "response"), *item;
	size_t i, used = 0;

	out[0] = '\0';
	if (v == NULL)
		return 1;
	if (!json_is_array(v) || json_array_size(v) > 5) {
		medfwd_respond_error(resp, 400, "invalid", "response",
				     "\"response\" must be an array of at most 5 CycloneDX responses");
		return 0;
	}
	json_array_foreach(v, i, item) {
		const char *s = json_string_value(item);
		size_t n = s != NULL ? strlen(s) : 0;

		if (n == 0 || n != json_string_length(item) || used + n + 2 > cap ||
		    strchr(s, ',') != NULL) {
			medfwd_respond_error(resp, 400, "invalid", "response",
					     "response[%zu]: not a CycloneDX response", i);
			return 0;
		}
		if (used > 0)
			out[used++] = ',';
		memcpy(out + used, s, n);
		used += n;
		out[used] = '\0';
	}
	return 1;
}

static const char *statement_field_of(const char *msg)
{
	static const char *const fields[] = {"justification", "response", "status", "detail",
					     "component", "vulnerability", "release", NULL};

	for (size_t i = 0; fields[i] != NULL; i++)
		if (strstr(msg, fields[i]) != NULL)
			return fields[i];
	return NULL;
}

static void vex_statement_add(struct medfwd_request *req, struct medfwd_response *resp)
{
	static const char *const allowed[] = {"vulnerability", "component", "status",
					      "justification", "detail", "response", "release",
					      NULL};
	struct medfwd_app *app = medfwd_app_of(req);
	const struct medfwd_principal *who = medfwd_principal_of(req);
	struct medfw_store_vex_statement *s;
	const char *vuln, *component, *status, *just, *detail, *release;
	struct medfw_diag diag;
	char what[400];
	json_t *body;
	int st;
	enum medfw_err err;

	if (!require_global(req, resp) || !medfwd_body_only(req, resp, allowed) ||
	    !medfwd_body_string(req, resp, "vulnerability", MEDFW_STORE_VULN_ID_MAX, 1, &vuln) ||
	    !medfwd_body_string(req, resp, "component", MEDFW_STORE_VULN_REF_MAX, 1, &component) ||
	    !medfwd_body_string(req, resp, "status", 32, 1, &status) ||
	    !medfwd_body_string(req, resp, "justification", 64, 0, &just) ||
	    !medfwd_body_string(req, resp, "detail", MEDFW_STORE_VULN_TEXT_MAX, 0, &detail) ||
	    !medfwd_body_string(req, resp, "release", MEDFW_STORE_TARGET_NAME_MAX, 0, &release))
		return;
	st = 0;
	for (int i = MEDFW_VEX_AFFECTED; i <= MEDFW_VEX_UNDER_INVESTIGATION; i++)
		if (strcmp(status, medfw_vex_status_name((enum medfw_vex_status)i)) == 0)
			st = i;
	if (st == 0) {
		medfwd_respond_error(resp, 400, "invalid", "status",
				     "\"status\" must be affected, not_affected, fixed or "
				     "under_investigation");
		return;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		medfwd_respond_error(resp, 500, "internal", NULL, "out of memory");
		return;
	}
	if (!response_field(req, resp, s->response, sizeof(s->response))) {
		free(s);
		return;
	}
	snprintf(s->vuln_id, sizeof(s->vuln_id), "%s", vuln);
	snprintf(s->component, sizeof(s->component), "%s", component);
	s->status = (enum medfw_vex_status)st;
	snprintf(s->justification, sizeof(s->justification), "%s", just != NULL ? just : "");
	snprintf(s->detail, sizeof(s->detail), "%s", detail != NULL ? detail : "");
	snprintf(s->target_name, sizeof(s->target_name), "%s", release != NULL ? release : "");
	snprintf(s->author, sizeof(s->author), "%s", who->user.username);
	medfw_diag_clear(&diag);
	err = medfw_store_vex_statement_add(app->store, s, &diag);
	if (err == MEDFW_ERR_NOT_FOUND) {
		medfwd_respond_error(resp, 404, "not_found", "release", "%s", diag.msg);
		free(s);
		return;
	}
	if (err == MEDFW_ERR_FIELD_VALUE || err == MEDFW_ERR_FIELD_MISSING ||
	    err == MEDFW_ERR_TOO_LARGE) {
		medfwd_respond_error(resp, 400, "invalid", statement_field_of(diag.msg), "%s",
				     diag.msg);
		free(s);
		return;
	}
	if (err != MEDFW_OK) {
		medfwd_respond_medfw_error(resp, err, &diag);
		free(s);
		return;
	}
	(void)medfwd_audit(app, req, medfwd_actor_of(who), 0, "vex.statement_added",
			   json_pack("{s:I, s:s, s:s, s:s, s:s}", "statement_id", (json_int_t)s->id,
				     "vulnerability", s->vuln_id, "component", s->component,
				     "status", status, "release", s->target_name));
	body = statement_json(s);
	snprintf(what, sizeof(what), "VEX statement %lld (%.128s %.64s)", (long long)s->id,
		 s->vuln_id, status);
	if (body != NULL)
		json_object_set_new(body, "evaluation",
				    reevaluate(app, MEDFW_STORE_CAUSE_VEX, what, who));
	free(s);
	medfwd_respond_json(resp, 201, body);
}

static void vex_statement_list(struct medfwd_request *req, struct medfwd_response *resp)
{
	struct medfwd_app *app = medfwd_app_of(req);
	struct medfw_store_vex_statement *rows;
	struct medfw_diag diag;
	const char *release, *vuln;
	int64_t limit, offset, total = 0;
	size_t n = 0;
	json_t *arr;
	enum medfw_err err;

	if (!medfwd_require(req, resp, MEDFWD_PERM_DEVICES_READ) ||
	    !query_text(req, resp, "release", MEDFW_STORE_TARGET_NAME_MAX, "", &release) ||
	    !query_text(req, resp, "vulnerability", MEDFW_STORE_VULN_ID_MAX, "", &vuln) ||
	    !query_int(req, resp, "limit", 1, 200, 50, &limit) ||
	    !query_int(req, resp, "offset", 0, INT64_MAX, 0, &offset))
		return;
	rows = calloc((size_t)limit, sizeof(*rows));
	if (rows == NULL) {
		medfwd_respond_error(resp, 500, "internal", NULL, "out of memory");
		return;
	}
	medfw_diag_clear(&diag);
	err = medfw_store_vex_statement_list(app->store, release, vuln, offset, rows, (size_t)limit,
					     &n, &total, &diag);
	if (err != MEDFW_OK) {
		free(rows);
		medfwd_respond_medfw_error(resp, err, &diag);
		return;
	}
	arr = json_array();
	for (size_t i = 0; arr != NULL && i < n; i++)
		json_array_append_new(arr, statement_json(&rows[i]));
	free(rows);
	medfwd_respond_json(resp, 200,
			    json_pack("{s:I, s:o}", "total", (json_int_t)total, "statements", arr));
}

/* ---------------------------------------------------------------- findings */

/* The stored finding JSON with the server's view of it added. */
static json_t *finding_json(const struct medfw_store_finding *f, const char *detail, size_t len)
{
	json_t *o = NULL;

	if (medfw_json_parse((const uint8_t *)detail, len, len + 1, 64, &o, NULL) != MEDFW_OK ||
	    !json_is_object(o)) {
		json_decref(o);
		o = json_object();
	}
	if (o == NULL)
		return NULL;
	json_object_set_new(o, "id", json_integer((json_int_t)f->id));
	json_object_set_new(o, "release", json_string(f->target_name));
	json_object_del(o, "sbom");
	json_object_set_new(o, "status", json_string(medfw_store_finding_status_name(f->status)));
	json_object_set_new(o, "severity_level",
			    json_string(medfw_store_severity_name(f->severity)));
	json_object_set_new(o, "fixed_by", str_or_null(f->fixed_by));
	json_object_set_new(o, "vex_applied", json_boolean(f->vex_applied));
	json_object_set_new(o, "first_seen", utc_json(f->first_seen));
	json_object_set_new(o, "last_changed", utc_json(f->last_changed));
	if (f->status == MEDFW_STORE_FINDING_UNMATCHED)
		json_object_set_new(o, "priority", json_null());
	return o;
}

struct list_ctx {
	json_t *arr;
	struct medfwd_app *app;
	struct medfw_store_scope scope;
	int64_t site_id; /* > 0: add the site's exposure to each finding */
};

#define FIX_ROLLOUTS_MAX 8 /* rollouts of the fixing release listed per exposure */

/* An exposure, with the rollouts that bring its fixing release to the site (open ones);
 * NULL with diag set on a store error. */
static json_t *exposure_json(struct medfwd_app *app, struct medfw_store_scope scope,
			     const struct medfw_store_exposure *e, struct medfw_diag *diag)
{
	struct medfw_store_fix_rollout r[FIX_ROLLOUTS_MAX];
	json_t *rollouts = json_array();
	size_t n = 0;

	if (e->closed_at == 0 && e->fixed_by[0] != '\0' &&
	    medfw_store_fix_rollouts(app->store, scope, e->site_id, e->fixed_by, r,
				     FIX_ROLLOUTS_MAX, &n, diag) != MEDFW_OK) {
		json_decref(rollouts);
		return NULL;
	}
	for (size_t i = 0; rollouts != NULL && i < n; i++)
		json_array_append_new(rollouts,
				      json_pack("{s:I, s:s, s:s, s:I, s:I}", "id", (json_int_t)r[i].id,
						"name", r[i].name, "state", r[i].state, "members",
						(json_int_t)r[i].members, "committed",
						(json_int_t)r[i].committed));
	return json_pack("{s:I, s:I, s:s, s:s, s:o, s:b, s:o, s:I, s:o, s:o, s:o, s:o, s:b, s:o}",
			 "id", (json_int_t)e->id, "site_id", (json_int_t)e->site_id,
			 "vulnerability", e->vuln_id, "severity_level",
			 medfw_store_severity_name(e->severity), "score",
			 score_json(e->score_tenths), "kev", e->kev, "kev_due_date",
			 str_or_null(e->kev_due_date), "devices", (json_int_t)e->devices,
			 "fixed_by", str_or_null(e->fixed_by), "first_seen",
			 utc_json(e->first_seen), "due", utc_json(e->due_at), "closed_at",
			 utc_json(e->closed_at), "overdue", e->overdue, "fix_rollouts", rollouts);
}

static enum medfw_err list_one(void *user, const struct medfw_store_finding *f,
			       const char *detail, size_t len, struct medfw_diag *diag)
{
	struct list_ctx *c = user;
	json_t *o = finding_json(f, detail, len);

	if (o == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_NOMEM, "out of memory");
	if (c->site_id > 0) {
		struct medfw_store_exposure_filter filter;
		struct medfw_store_exposure e;
		size_t n = 0;
		enum medfw_err err;

		memset(&filter, 0, sizeof(filter));
		filter.site_id = c->site_id;
		snprintf(filter.vuln_id, sizeof(filter.vuln_id), "%s", f->vuln_id);
		err = medfw_store_exposure_list(c->app->store, c->scope, &filter, 0, &e, 1, &n, NULL,
						diag);
		if (err != MEDFW_OK) {
			json_decref(o);
			return err;
		}
		if (n == 1) {
			json_t *x = exposure_json(c->app, c->scope, &e, diag);

			if (x == NULL) {
				json_decref(o);
				return diag->err != MEDFW_OK
					       ? diag->err
					       : medfw_diag_set(diag, MEDFW_ERR_NOMEM, "out of memory");
			}
			json_object_set_new(o, "exposure", x);
		} else {
			json_object_set_new(o, "exposure", json_null());
		}
	}
	if (json_array_append_new(c->arr, o) != 0)
		return medfw_diag_set(diag, MEDFW_ERR_NOMEM, "out of memory");
	return MEDFW_OK;
}

/* Filters from the query: status, severity, kev, vulnerability, open. */
static int finding_filter(const struct medfwd_request *req, struct medfwd_response *resp,
			  struct medfw_store_finding_filter *f)
{
	const char *status, *severity, *vuln, *kev, *open;

	memset(f, 0, sizeof(*f));
	f->kev = -1;
	if (!query_text(req, resp, "status", 32, NULL, &status) ||
	    !query_text(req, resp, "severity", 16, NULL, &severity) ||
	    !query_text(req, resp, "vulnerability", MEDFW_STORE_VULN_ID_MAX, "", &vuln) ||
	    !query_text(req, resp, "kev", 5, NULL, &kev) ||
	    !query_text(req, resp, "open", 5, NULL, &open))
		return 0;
	if (status != NULL && medfw_store_finding_status_parse(status, &f->status) != MEDFW_OK) {
		medfwd_respond_error(resp, 400, "invalid", "status",
				     "status: affected, under_investigation, undetermined, fixed, "
				     "not_affected or unmatched");
		return 0;
	}
	if (severity != NULL && medfw_store_severity_parse(severity, &f->severity) != MEDFW_OK) {
		medfwd_respond_error(resp, 400, "invalid", "severity",
				     "severity: critical, high, medium, low or none");
		return 0;
	}
	if (kev != NULL && strcmp(kev, "true") != 0 && strcmp(kev, "false") != 0) {
		medfwd_respond_error(resp, 400, "invalid", "kev", "kev: true or false");
		return 0;
	}
	if (open != NULL && strcmp(open, "true") != 0 && strcmp(open, "false") != 0) {
		medfwd_respond_error(resp, 400, "invalid", "open", "open: true or false");
		return 0;
	}
	f->kev = kev == NULL ? -1 : strcmp(kev, "true") == 0;
	f->open_only = open != NULL && strcmp(open, "true") == 0;
	snprintf(f->vuln_id, sizeof(f->vuln_id), "%s", vuln);
	return 1;
}

static void findings_list(struct medfwd_request *req, struct medfwd_response *resp)
{
	struct medfwd_app *app = medfwd_app_of(req);
	struct medfw_store_finding_filter *f;
	struct list_ctx c;
	struct medfw_diag diag;
	const char *release;
	int64_t limit, offset, total = 0;
	enum medfw_err err;

	if (!medfwd_require(req, resp, MEDFWD_PERM_DEVICES_READ) ||
	    !query_text(req, resp, "release", MEDFW_STORE_TARGET_NAME_MAX, "", &release) ||
	    !query_int(req, resp, "limit", 1, LIST_LIMIT_MAX, LIST_LIMIT_DEFAULT, &limit) ||
	    !query_int(req, resp, "offset", 0, INT64_MAX, 0, &offset))
		return;
	f = calloc(1, sizeof(*f));
	if (f == NULL) {
		medfwd_respond_error(resp, 500, "internal", NULL, "out of memory");
		return;
	}
	if (!finding_filter(req, resp, f)) {
		free(f);
		return;
	}
	snprintf(f->target_name, sizeof(f->target_name), "%s", release);
	memset(&c, 0, sizeof(c));
	c.arr = json_array();
	c.app = app;
	medfw_diag_clear(&diag);
	err = c.arr == NULL ? MEDFW_ERR_NOMEM
			    : medfw_store_finding_list(app->store, f, offset, limit, list_one, &c,
						       &total, &diag);
	free(f);
	if (err != MEDFW_OK) {
		json_decref(c.arr);
		medfwd_respond_medfw_error(resp, err, &diag);
		return;
	}
	medfwd_respond_json(resp, 200,
			    json_pack("{s:I, s:o}", "total", (json_int_t)total, "findings", c.arr));
}

static json_t *history_json(const struct medfw_store_vuln_event *ev, size_t n)
{
	json_t *arr = json_array();

	for (size_t i = 0; arr != NULL && i < n; i++)
		json_array_append_new(arr,
				      json_pack("{s:o, s:o, s:s, s:s, s:s}", "time",
						utc_json(ev[i].time), "from", str_or_null(ev[i].from),
						"to", ev[i].to, "cause",
						medfw_store_vuln_cause_name(ev[i].cause), "detail",
						ev[i].detail));
	return arr;
}

static void finding_get(struct medfwd_request *req, struct medfwd_response *resp)
{
	struct medfwd_app *app = medfwd_app_of(req);
	struct medfw_store_finding *f = NULL;
	struct medfw_store_vuln_event *ev = NULL;
	struct medfw_buf detail;
	struct medfw_diag diag;
	uint64_t id = 0;
	size_t n = 0;
	json_t *o;
	enum medfw_err err;

	if (!medfwd_require(req, resp, MEDFWD_PERM_DEVICES_READ))
		return;
	if (medfw_parse_u64(medfwd_request_param(req, "id"), 1, INT64_MAX, &id) != MEDFW_OK) {
		medfwd_respond_error(resp, 404, "not_found", "id", "no such finding");
		return;
	}
	f = calloc(1, sizeof(*f));
	ev = calloc(HISTORY_MAX, sizeof(*ev));
	medfw_buf_init(&detail, 16u * 1024u * 1024u);
	medfw_diag_clear(&diag);
	err = f == NULL || ev == NULL ? MEDFW_ERR_NOMEM
				      : medfw_store_finding_get(app->store, (int64_t)id, f, &detail,
								&diag);
	if (err == MEDFW_OK)
		err = medfw_store_vuln_history(app->store, medfw_store_scope_all(), (int64_t)id, 0,
					       ev, HISTORY_MAX, &n, &diag);
	if (err != MEDFW_OK) {
		medfwd_respond_medfw_error(resp, err, &diag);
	} else {
		o = finding_json(f, (const char *)detail.data, detail.len);
		if (o != NULL)
			json_object_set_new(o, "history", history_json(ev, n));
		medfwd_respond_json(resp, 200, o);
	}
	medfw_buf_free(&detail);
	free(f);
	free(ev);
}

static void device_findings(struct medfwd_request *req, struct medfwd_response *resp)
{
	struct medfwd_app *app = medfwd_app_of(req);
	struct medfw_store_device *dev = NULL;
	struct medfw_store_release_sbom *meta = NULL;
	struct medfw_store_finding_filter *f = NULL;
	struct list_ctx c;
	struct medfw_diag diag;
	int64_t limit, offset, total = 0;
	enum medfw_err err;

	memset(&c, 0, sizeof(c));
	if (!medfwd_require(req, resp, MEDFWD_PERM_DEVICES_READ) ||
	    !query_int(req, resp, "limit", 1, LIST_LIMIT_MAX, LIST_LIMIT_DEFAULT, &limit) ||
	    !query_int(req, resp, "offset", 0, INT64_MAX, 0, &offset))
		return;
	dev = calloc(1, sizeof(*dev));
	meta = calloc(1, sizeof(*meta));
	f = calloc(1, sizeof(*f));
	if (dev == NULL || meta == NULL || f == NULL) {
		medfwd_respond_error(resp, 500, "internal", NULL, "out of memory");
		goto out;
	}
	if (!load_device(req, resp, dev) || !finding_filter(req, resp, f))
		goto out;
	medfw_diag_clear(&diag);
	err = medfw_store_release_sbom_by_image(app->store, dev->image_sha256, meta, NULL, &diag);
	if (err == MEDFW_ERR_NOT_FOUND) {
		medfwd_respond_json(resp, 200,
				    json_pack("{s:I, s:n, s:s, s:I, s:[]}", "device_id",
					      (json_int_t)dev->id, "release", "reason",
					      "the image this device reports is no release with a "
					      "stored SBOM: its findings are unknown",
					      "total", (json_int_t)0, "findings"));
		goto out;
	}
	if (err != MEDFW_OK) {
		medfwd_respond_medfw_error(resp, err, &diag);
		goto out;
	}
	if (!refresh_exposures(app, resp))
		goto out;
	snprintf(f->target_name, sizeof(f->target_name), "%s", meta->target_name);
	c.arr = json_array();
	c.app = app;
	c.scope = medfwd_scope_of(medfwd_principal_of(req));
	c.site_id = dev->site_id;
	err = c.arr == NULL ? MEDFW_ERR_NOMEM
			    : medfw_store_finding_list(app->store, f, offset, limit, list_one, &c,
						       &total, &diag);
	if (err != MEDFW_OK) {
		json_decref(c.arr);
		medfwd_respond_medfw_error(resp, err, &diag);
		goto out;
	}
	medfwd_respond_json(resp, 200,
			    json_pack("{s:I, s:I, s:s, s:s, s:I, s:o}", "device_id",
				      (json_int_t)dev->id, "site_id", (json_int_t)dev->site_id,
				      "release", meta->target_name, "model", meta->model, "total",
				      (json_int_t)total, "findings", c.arr));
out:
	free(dev);
	free(meta);
	free(f);
}

/* ---------------------------------------------------------------- SLA policies */

static int site_param(const struct medfwd_request *req, struct medfwd_response *resp,
		      int64_t *out)
{
	uint64_t id = 0;

	if (medfw_parse_u64(medfwd_request_param(req, "site"), 1, INT64_MAX, &id) != MEDFW_OK) {
		medfwd_respond_error(resp, 404, "not_found", "site", "no such site");
		return 0;
	}
	*out = (int64_t)id;
	return 1;
}

static json_t *policy_json(const struct medfw_store_sla_policy *p)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:b, s:o}", "site_id",
			 (json_int_t)p->site_id, "critical_days", (json_int_t)p->critical_days,
			 "high_days", (json_int_t)p->high_days, "medium_days",
			 (json_int_t)p->medium_days, "low_days", (json_int_t)p->low_days,
			 "kev_days", (json_int_t)p->kev_days, "default", p->is_default,
			 "updated_at", utc_json(p->updated_at));
}

static void sla_get(struct medfwd_request *req, struct medfwd_response *resp)
{
	struct medfwd_app *app = medfwd_app_of(req);
	struct medfw_store_sla_policy p;
	struct medfw_diag diag;
	int64_t site = 0;
	enum medfw_err err;

	if (!medfwd_require(req, resp, MEDFWD_PERM_DEVICES_READ) || !site_param(req, resp, &site))
		return;
	medfw_diag_clear(&diag);
	err = medfw_store_sla_policy_get(app->store, medfwd_scope_of(medfwd_principal_of(req)),
					 site, &p, &diag);
	if (err != MEDFW_OK) {
		medfwd_respond_medfw_error(resp, err, &diag);
		return;
	}
	medfwd_respond_json(resp, 200, policy_json(&p));
}

static void sla_put(struct medfwd_request *req, struct medfwd_response *resp)
{
	static const char *const allowed[] = {"critical_days", "high_days", "medium_days",
					      "low_days", "kev_days", NULL};
	struct medfwd_app *app = medfwd_app_of(req);
	const struct medfwd_principal *who = medfwd_principal_of(req);
	struct medfw_store_scope scope = medfwd_scope_of(who);
	struct medfw_store_sla_policy p;
	struct medfw_diag diag;
	int64_t site = 0;
	enum medfw_err err;

	if (!medfwd_require(req, resp, MEDFWD_PERM_VULNS_WRITE) || !site_param(req, resp, &site) ||
	    !medfwd_body_only(req, resp, allowed))
		return;
	medfw_diag_clear(&diag);
	err = medfw_store_sla_policy_get(app->store, scope, site, &p, &diag);
	if (err != MEDFW_OK) {
		medfwd_respond_medfw_error(resp, err, &diag);
		return;
	}
	if (!medfwd_body_int(req, resp, "critical_days", 1, MEDFW_STORE_SLA_DAYS_MAX, 0,
			     &p.critical_days) ||
	    !medfwd_body_int(req, resp, "high_days", 1, MEDFW_STORE_SLA_DAYS_MAX, 0, &p.high_days) ||
	    !medfwd_body_int(req, resp, "medium_days", 1, MEDFW_STORE_SLA_DAYS_MAX, 0,
			     &p.medium_days) ||
	    !medfwd_body_int(req, resp, "low_days", 1, MEDFW_STORE_SLA_DAYS_MAX, 0, &p.low_days) ||
	    !medfwd_body_int(req, resp, "kev_days", 1, MEDFW_STORE_SLA_DAYS_MAX, 0, &p.kev_days))
		return;
	p.updated_by = who->user.id;
	medfw_diag_clear(&diag);
	err = medfw_store_sla_policy_put(app->store, scope, &p, &diag);
	if (err != MEDFW_OK) {
		medfwd_respond_medfw_error(resp, err, &diag);
		return;
	}
	(void)medfwd_audit(app, req, medfwd_actor_of(who), site, "site.sla_policy", policy_json(&p));
	medfwd_respond_json(resp, 200, policy_json(&p));
}

/* ---------------------------------------------------------------- report */

static json_t *by_severity(const int64_t *v)
{
	json_t *o = json_object();

	for (int s = MEDFW_STORE_SEVERITY_CRITICAL; o != NULL && s >= MEDFW_STORE_SEVERITY_NONE; s--)
		json_object_set_new(o, medfw_store_severity_name((enum medfw_store_severity)s),
				    json_integer((json_int_t)v[s]));
	return o;
}

static json_t *remediation_json(const struct medfw_store_vuln_site_report *s)
{
	json_t *o = json_object();

	for (int v = MEDFW_STORE_SEVERITY_CRITICAL; o != NULL && v >= MEDFW_STORE_SEVERITY_NONE; v--) {
		json_t *one = s->remediated[v] == 0
				      ? json_pack("{s:I, s:n, s:n}", "closed", (json_int_t)0,
						  "mean_days", "max_days")
				      : json_pack("{s:I, s:f, s:f}", "closed",
						  (json_int_t)s->remediated[v], "mean_days",
						  (double)s->remediate_seconds_sum[v] /
							  (double)s->remediated[v] / 86400.0,
						  "max_days",
						  (double)s->remediate_seconds_max[v] / 86400.0);

		json_object_set_new(o, medfw_store_severity_name((enum medfw_store_severity)v), one);
	}
	return o;
}

static json_t *open_exposures(struct medfwd_app *app, struct medfw_store_scope scope,
			      int64_t site_id, struct medfw_diag *diag)
{
	struct medfw_store_exposure_filter filter;
	struct medfw_store_exposure *rows = calloc(REPORT_EXPOSURES_MAX, sizeof(*rows));
	size_t n = 0;
	json_t *arr;

	memset(&filter, 0, sizeof(filter));
	filter.site_id = site_id;
	filter.open_only = 1;
	if (rows == NULL || medfw_store_exposure_list(app->store, scope, &filter, 0, rows,
						      REPORT_EXPOSURES_MAX, &n, NULL,
						      diag) != MEDFW_OK) {
		free(rows);
		return NULL;
	}
	arr = json_array();
	for (size_t i = 0; arr != NULL && i < n; i++) {
		json_t *x = exposure_json(app, scope, &rows[i], diag);

		if (x == NULL) {
			json_decref(arr);
			arr = NULL;
			break;
		}
		json_array_append_new(arr, x);
	}
	free(rows);
	return arr;
}

static void report(struct medfwd_request *req, struct medfwd_response *resp)
{
	struct medfwd_app *app = medfwd_app_of(req);
	struct medfw_store_scope scope = medfwd_scope_of(medfwd_principal_of(req));
	struct medfw_store_vuln_site_report *sites = NULL;
	struct medfw_store_vuln_model_report *models = NULL;
	struct medfw_diag diag;
	size_t ns = 0, nm = 0;
	int64_t site = 0;
	json_t *js = NULL, *jm = NULL;
	enum medfw_err err;

	if (!medfwd_require(req, resp, MEDFWD_PERM_DEVICES_READ) ||
	    !query_int(req, resp, "site", 1, INT64_MAX, 0, &site) || !refresh_exposures(app, resp))
		return;
	sites = calloc(REPORT_SITES_MAX, sizeof(*sites));
	models = calloc(REPORT_MODELS_MAX, sizeof(*models));
	medfw_diag_clear(&diag);
	err = sites == NULL || models == NULL
		      ? MEDFW_ERR_NOMEM
		      : medfw_store_vuln_report(app->store, scope, site, sites, REPORT_SITES_MAX, &ns,
						models, REPORT_MODELS_MAX, &nm, &diag);
	if (err == MEDFW_OK) {
		js = json_array();
		jm = json_array();
	}
	for (size_t i = 0; err == MEDFW_OK && js != NULL && i < ns; i++) {
		const struct medfw_store_vuln_site_report *s = &sites[i];
		json_t *exposures = open_exposures(app, scope, s->site_id, &diag);

		if (exposures == NULL) {
			err = MEDFW_ERR_IO;
			break;
		}
		json_array_append_new(
			js, json_pack("{s:I, s:s, s:o, s:I, s:I, s:I, s:o, s:I, s:I, s:I, s:I, s:o,"
				      " s:o}",
				      "site_id", (json_int_t)s->site_id, "name", s->site_name,
				      "sla_policy", policy_json(&s->policy), "devices",
				      (json_int_t)s->devices, "devices_with_sbom",
				      (json_int_t)s->devices_with_sbom, "exposed_devices",
				      (json_int_t)s->exposed_devices, "open", by_severity(s->open),
				      "kev_open", (json_int_t)s->kev_open, "overdue",
				      (json_int_t)s->overdue, "closed", (json_int_t)s->closed,
				      "closed_late", (json_int_t)s->closed_late,
				      "time_to_remediate", remediation_json(s), "exposures",
				      exposures));
	}
	for (size_t i = 0; err == MEDFW_OK && jm != NULL && i < nm; i++) {
		const struct medfw_store_vuln_model_report *m = &models[i];
		json_t *st = json_object();

		for (int k = 1; st != NULL && k < MEDFW_STORE_FINDING_STATUS_COUNT; k++)
			json_object_set_new(st,
					    medfw_store_finding_status_name(
						    (enum medfw_store_finding_status)k),
					    json_integer((json_int_t)m->by_status[k]));
		json_array_append_new(jm, json_pack("{s:s, s:I, s:I, s:I, s:I, s:o, s:o, s:I}",
						    "model", m->model, "releases",
						    (json_int_t)m->releases, "devices",
						    (json_int_t)m->devices, "exposed_devices",
						    (json_int_t)m->exposed_devices, "overdue_devices",
						    (json_int_t)m->overdue_devices, "by_status", st,
						    "open_by_severity", by_severity(m->open_by_severity),
						    "kev_open", (json_int_t)m->kev_open));
	}
	free(sites);
	free(models);
	if (err != MEDFW_OK) {
		json_decref(js);
		json_decref(jm);
		medfwd_respond_medfw_error(resp, err, &diag);
		return;
	}
	medfwd_respond_json(resp, 200,
			    json_pack("{s:o, s:o, s:o}", "generated_at",
				      utc_json(medfw_ctx_now(app->ctx)), "sites", js, "models", jm));
}

const struct medfwd_route medfwd_routes_vulns[] = {
	{"POST", "/api/v1/vulnerabilities/import", import_feed, MEDFWD_AUTH_TOKEN,
	 MEDFWD_BODY_NONE, "vulnerabilities.import"},
	{"POST", "/api/v1/vulnerabilities/vex", vex_import, MEDFWD_AUTH_TOKEN, MEDFWD_BODY_NONE,
	 "vulnerabilities.vex.import"},
	{"GET", "/api/v1/vulnerabilities/evaluation", evaluation_get, MEDFWD_AUTH_TOKEN,
	 MEDFWD_BODY_NONE, "vulnerabilities.evaluation.get"},
	{"POST", "/api/v1/vulnerabilities/evaluation", evaluation_request, MEDFWD_AUTH_TOKEN,
	 MEDFWD_BODY_NONE, "vulnerabilities.evaluation.request"},
	{"PUT", "/api/v1/vulnerabilities/product-map", product_map_put, MEDFWD_AUTH_TOKEN,
	 MEDFWD_BODY_NONE, "vulnerabilities.product_map.put"},
	{"GET", "/api/v1/vulnerabilities/product-map", product_map_get, MEDFWD_AUTH_TOKEN,
	 MEDFWD_BODY_NONE, "vulnerabilities.product_map.get"},
	{"POST", "/api/v1/vulnerabilities/vex-statements", vex_statement_add, MEDFWD_AUTH_TOKEN,
	 MEDFWD_BODY_JSON, "vulnerabilities.vex.statement_add"},
	{"GET", "/api/v1/vulnerabilities/vex-statements", vex_statement_list, MEDFWD_AUTH_TOKEN,
	 MEDFWD_BODY_NONE, "vulnerabilities.vex.statements"},
	{"GET", "/api/v1/vulnerabilities/findings", findings_list, MEDFWD_AUTH_TOKEN,
	 MEDFWD_BODY_NONE, "vulnerabilities.findings"},
	{"GET", "/api/v1/vulnerabilities/findings/{id}", finding_get, MEDFWD_AUTH_TOKEN,
	 MEDFWD_BODY_NONE, "vulnerabilities.finding"},
	{"GET", "/api/v1/releases", releases_list, MEDFWD_AUTH_TOKEN, MEDFWD_BODY_NONE,
	 "releases.list"},
	{"GET", "/api/v1/releases/{target*}", sbom_get, MEDFWD_AUTH_TOKEN, MEDFWD_BODY_NONE,
	 "releases.sbom.get"},
	{"PUT", "/api/v1/releases/{target*}", sbom_put, MEDFWD_AUTH_TOKEN, MEDFWD_BODY_NONE,
	 "releases.sbom.put"},
	{"GET", "/api/v1/devices/{device}/sbom", device_sbom, MEDFWD_AUTH_TOKEN, MEDFWD_BODY_NONE,
	 "devices.sbom"},
	{"GET", "/api/v1/devices/{device}/findings", device_findings, MEDFWD_AUTH_TOKEN,
	 MEDFWD_BODY_NONE, "devices.findings"},
	{"GET", "/api/v1/reports/vulnerabilities", report, MEDFWD_AUTH_TOKEN, MEDFWD_BODY_NONE,
	 "reports.vulnerabilities"},
	{"GET", "/api/v1/sites/{site}/sla-policy", sla_get, MEDFWD_AUTH_TOKEN, MEDFWD_BODY_NONE,
	 "sites.sla_policy.get"},
	{"PUT", "/api/v1/sites/{site}/sla-policy", sla_put, MEDFWD_AUTH_TOKEN, MEDFWD_BODY_JSON,
	 "sites.sla_policy.put"},
	{0},
};
