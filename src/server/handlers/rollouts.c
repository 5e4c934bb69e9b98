/* Staged rollouts over HTTP (docs/rollouts.md): create (a signed release, a selection,
 * waves, an optional start date), list, read with progress per wave and device,
 * approve (two-person rule), pause, resume, cancel, and rollback campaigns. The engine
 * (rollout_engine.c) does the rest. */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "medfw/json.h"
#include "medfw/notice.h"
#include "medfw/num.h"
#include "medfw/tuf.h"
#include "medfw/tz.h"
#include "medfw/utf8.h"
#include "rollouts.h"

#define LIST_MAX 100
#define DEVICES_MAX 500

/* ---------------------------------------------------------------- JSON out */

static json_t *time_or_null(int64_t t)
{
	char s[MEDFW_UTC_TIME_LEN + 1];

	if (t == 0 || medfw_format_utc_time(t, s, sizeof(s)) != MEDFW_OK)
		return json_null();
	return json_string(s);
}

static json_t *id_or_null(int64_t id)
{
	return id != 0 ? json_integer((json_int_t)id) : json_null();
}

static json_t *parsed(const char *text)
{
	json_t *j = NULL;

	if (medfw_json_parse((const uint8_t *)text, strlen(text), MEDFW_STORE_ROLLOUT_JSON_MAX, 16,
			     &j, NULL) != MEDFW_OK)
		return json_null();
	return j;
}

static json_t *rollout_json(const struct medfw_store_rollout *r, int with_notice)
{
	json_t *o = json_pack(
		"{s:I, s:s, s:s, s:o, s:o, s:s, s:I, s:s, s:s, s:I, s:s, s:o, s:o, s:o, s:o, s:o,"
		" s:o, s:o, s:o, s:o, s:o, s:o}",
		"id", (json_int_t)r->id, "name", r->name, "kind", medfw_store_rollout_kind_name(r->kind),
		"rollback_of", id_or_null(r->rollback_of), "site_id", id_or_null(r->site_id),
		"target", r->target_name, "target_length", (json_int_t)r->target_length,
		"target_sha256", r->target_sha256, "version", r->target_version,
		"security_version", (json_int_t)r->security_version, "state",
		medfw_store_rollout_state_name(r->state), "state_reason",
		r->state_reason[0] ? json_string(r->state_reason) : json_null(), "start_at",
		time_or_null(r->start_at), "created_by", id_or_null(r->created_by), "created_at",
		time_or_null(r->created_at), "approved_by", id_or_null(r->approved_by),
		"approved_at", time_or_null(r->approved_at), "started_at",
		time_or_null(r->started_at), "finished_at", time_or_null(r->finished_at),
		"current_wave",
		r->current_wave >= 0 ? json_integer((json_int_t)r->current_wave + 1) : json_null(),
		"selector", parsed(r->selector), "waves", parsed(r->waves));

	if (o != NULL && with_notice)
		json_object_set_new(o, "notice", parsed(r->notice));
	return o;
}

static json_t *states_json(const uint64_t *by_state)
{
	json_t *o = json_object();

	for (int s = MEDFW_RD_PENDING; o != NULL && s < MEDFW_RD_STATE_COUNT; s++)
		json_object_set_new(
			o, medfw_store_rollout_device_state_name((enum medfw_store_rollout_device_state)s),
			json_integer((json_int_t)by_state[s]));
	return o;
}

/* Waves with their members per state, totals, and the times to 50 % / 95 %. */
static enum medfw_err progress_json(struct medfwd_app *app, struct medfw_store_scope scope,
				    const struct medfw_store_rollout *r, json_t *o,
				    struct medfw_diag *diag)
{
	struct medfw_rollout_plan plan;
	struct medfw_store_rollout_wave rows[MEDFW_ROLLOUT_WAVES_MAX];
	int64_t raw[MEDFW_ROLLOUT_WAVES_MAX * MEDFW_RD_STATE_COUNT];
	uint64_t total_by[MEDFW_RD_STATE_COUNT] = {0}, members = 0;
	json_t *waves_in = NULL, *waves = json_array();
	int64_t *done = NULL;
	size_t n_rows = 0, n_done = 0, i;
	enum medfw_err err;

	err = medfw_json_parse((const uint8_t *)r->waves, strlen(r->waves),
			       MEDFW_STORE_ROLLOUT_JSON_MAX, 4, &waves_in, diag);
	if (err == MEDFW_OK)
		err = medfw_rollout_plan_from_json(waves_in, &plan, diag);
	json_decref(waves_in);
	if (err == MEDFW_OK)
		err = medfw_store_rollout_devices_count(app->store, scope, r->id, plan.wave_count, raw,
							diag);
	if (err == MEDFW_OK)
		err = medfw_store_rollout_wave_list(app->store, r->id, rows, MEDFW_ROLLOUT_WAVES_MAX,
						    &n_rows, diag);
	if (err != MEDFW_OK || waves == NULL) {
		json_decref(waves);
		return err != MEDFW_OK ? err : MEDFW_ERR_NOMEM;
	}
	for (i = 0; i < plan.wave_count; i++) {
		uint64_t by[MEDFW_RD_STATE_COUNT] = {0}, in_wave = 0;
		int64_t opened = 0, success = 0;
		json_t *w;

		for (size_t s = 0; s < MEDFW_RD_STATE_COUNT; s++) {
			by[s] = (uint64_t)raw[i * MEDFW_RD_STATE_COUNT + s];
			total_by[s] += by[s];
			if (s != MEDFW_RD_REMOVED)
				in_wave += by[s];
		}
		members += in_wave;
		for (size_t k = 0; k < n_rows; k++)
			if (rows[k].index == (int64_t)i) {
				opened = rows[k].opened_at;
				success = rows[k].success_at;
			}
		w = json_pack("{s:I, s:s, s:I, s:I, s:I, s:I, s:o, s:o, s:o}", "wave",
			      (json_int_t)i + 1, "name", plan.waves[i].name, "success_threshold",
			      (json_int_t)plan.waves[i].success_threshold, "error_threshold",
			      (json_int_t)plan.waves[i].error_threshold, "soak_seconds",
			      (json_int_t)plan.waves[i].soak, "members", (json_int_t)in_wave,
			      "opened_at", time_or_null(opened), "success_at", time_or_null(success),
			      "devices", states_json(by));
		json_array_append_new(waves, w);
	}
	json_object_set_new(o, "progress", waves);
	json_object_set_new(o, "devices", states_json(total_by));
	json_object_set_new(o, "members", json_integer((json_int_t)members));
	done = members > 0 ? calloc((size_t)members, sizeof(*done)) : NULL;
	if (done != NULL &&
	    medfw_store_rollout_done_times(app->store, r->id, MEDFW_RD_COMMITTED, done,
					   (size_t)members, &n_done, diag) == MEDFW_OK) {
		int64_t t50 = medfw_rollout_time_to(done, n_done, members, 50, r->started_at);
		int64_t t95 = medfw_rollout_time_to(done, n_done, members, 95, r->started_at);

		json_object_set_new(o, "seconds_to_50_percent",
				    t50 >= 0 ? json_integer((json_int_t)t50) : json_null());
		json_object_set_new(o, "seconds_to_95_percent",
				    t95 >= 0 ? json_integer((json_int_t)t95) : json_null());
	} else {
		json_object_set_new(o, "seconds_to_50_percent", json_null());
		json_object_set_new(o, "seconds_to_95_percent", json_null());
	}
	free(done);
	return MEDFW_OK;
}

/* ---------------------------------------------------------------- lookups */

static int load_rollout(struct medfwd_request *req, struct medfwd_response *resp,
			struct medfw_store_rollout *r)
{
	struct medfwd_app *app = medfwd_app_of(req);
	const char *s = medfwd_request_param(req, "rollout");
	struct medfw_diag diag;
	uint64_t id = 0;
	enum medfw_err err;

	if (s == NULL || medfw_parse_u64(s, 1, INT64_MAX, &id) != MEDFW_OK) {
		medfwd_respond_error(resp, 404, "not_found", "rollout", "no such rollout");
		return 0;
	}
	medfw_diag_clear(&diag);
	err = medfw_store_rollout_get(app->store, medfwd_scope_of(medfwd_principal_of(req)),
				      (int64_t)id, r, &diag);
	if (err == MEDFW_ERR_NOT_FOUND) {
		medfwd_respond_error(resp, 404, "not_found", "rollout", "no such rollout");
		return 0;
	}
	if (err != MEDFW_OK) {
		medfwd_respond_medfw_error(resp, err, &diag);
		return 0;
	}
	return 1;
}

/* The signed target as a TUF client finds it now, with its release notice. */
struct release {
	char name[MEDFW_STORE_TARGET_NAME_MAX + 1];
	int64_t length;
	char hashes[MEDFW_STORE_JSON_MAX + 1];
	char sha256[MEDFW_STORE_SHORT_MAX + 1];
	char notice_text[MEDFW_STORE_ROLLOUT_JSON_MAX + 1];
	struct medfw_release_notice *notice;
};

static int load_release(struct medfwd_app *app, const char *name, const char *field,
			struct release *out, struct medfwd_response *resp)
{
	struct medfwd_served_target *lookup = NULL;
	const struct medfw_tuf_target *t = NULL;
	const json_t *sha, *medfw, *nj;
	struct medfw_diag diag;
	char *text;
	enum medfw_err err;

	memset(out, 0, sizeof(*out));
	medfw_diag_clear(&diag);
	err = medfwd_repo_served_target(app, name, &lookup, &t, &diag);
	if (err == MEDFW_ERR_NOT_FOUND) {
		medfwd_respond_error(resp, 422, "unknown_target", field,
				     "\"%.200s\" is not a signed target of the served repository: %s",
				     name, medfw_diag_message(&diag, err));
		return 0;
	}
	if (err != MEDFW_OK) {
		medfwd_respond_error(resp, 409, "conflict", field,
				     "the served repository does not verify now: %s",
				     medfw_diag_message(&diag, err));
		return 0;
	}
	medfw_diag_clear(&diag);
	medfw = t->custom != NULL ? json_object_get(t->custom, "medfw") : NULL;
	nj = medfw != NULL ? json_object_get(medfw, "release_notice") : NULL;
	sha = json_object_get(t->hashes, "sha256");
	if (medfw_notice_from_target_custom(t->custom, &out->notice, &diag) != MEDFW_OK ||
	    nj == NULL || !json_is_string(sha) || json_string_length(sha) != 64) {
		medfwd_served_target_free(lookup);
		medfwd_respond_error(resp, 422, "invalid", field,
				     "\"%.200s\" has no valid release notice or no sha256: %s", name,
				     diag.msg[0] ? diag.msg : "sha256 missing");
		return 0;
	}
	snprintf(out->name, sizeof(out->name), "%s", t->path);
	out->length = t->length;
	snprintf(out->sha256, sizeof(out->sha256), "%s", json_string_value(sha));
	text = json_dumps(t->hashes, JSON_COMPACT | JSON_SORT_KEYS);
	if (text != NULL && strlen(text) <= MEDFW_STORE_JSON_MAX)
		snprintf(out->hashes, sizeof(out->hashes), "%s", text);
	free(text);
	text = json_dumps(nj, JSON_COMPACT | JSON_SORT_KEYS);
	if (text != NULL && strlen(text) <= MEDFW_STORE_ROLLOUT_JSON_MAX)
		snprintf(out->notice_text, sizeof(out->notice_text), "%s", text);
	free(text);
	medfwd_served_target_free(lookup);
	if (out->hashes[0] == '\0' || out->notice_text[0] == '\0') {
		medfw_notice_free(out->notice);
		out->notice = NULL;
		medfwd_respond_error(resp, 422, "invalid", field,
				     "the hashes or the release notice of \"%.200s\" are too large",
				     name);
		return 0;
	}
	return 1;
}

static int text_ok(const char *s, size_t max)
{
	size_t n = strlen(s), i = 0;

	if (n == 0 || n > max)
		return 0;
	while (i < n) {
		uint32_t cp;
		size_t used = medfw_utf8_decode((const uint8_t *)s + i, n - i, &cp);

		if (used == 0 || cp < 0x20 || (cp >= 0x7f && cp <= 0x9f))
			return 0;
		i += used;
	}
	return 1;
}

static char *dump(const json_t *j, size_t max)
{
	char *text = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);

	if (text != NULL && strlen(text) > max) {
		free(text);
		return NULL;
	}
	return text;
}

/* ---------------------------------------------------------------- create */

/* The selection after the rules of who may select what: site staff only their own
 * site (added when absent); the hardware ids default to the notice's and must be
 * among them. Returns a new reference, or NULL with a response set. */
static json_t *effective_selector(const struct medfwd_principal *who, const json_t *in,
				  const struct medfw_release_notice *notice,
				  struct medfwd_response *resp)
{
	struct medfw_rollout_selector sel;
	struct medfw_diag diag;
	json_t *out;
	size_t i, j;

	medfw_diag_clear(&diag);
	if (medfw_rollout_selector_from_json(in, &sel, &diag) != MEDFW_OK) {
		medfwd_respond_error(resp, 400, "invalid", "selector", "%s", diag.msg);
		return NULL;
	}
	for (i = 0; i < sel.view.hardware_id_count; i++) {
		int listed = 0;

		for (j = 0; j < notice->hardware_id_count; j++)
			listed |= strcmp(notice->hardware_ids[j], sel.view.hardware_ids[i]) == 0;
		if (!listed) {
			medfwd_respond_error(resp, 422, "wrong_hardware", "selector",
					     "selector.hardware_ids[%zu]: the release notice does not "
					     "list \"%.128s\"",
					     i, sel.view.hardware_ids[i]);
			return NULL;
		}
	}
	if (who->user.site_id != 0)
		for (i = 0; i < sel.view.site_count; i++)
			if (sel.view.site_ids[i] != who->user.site_id) {
				medfwd_respond_error(resp, 403, "forbidden", "selector",
						     "selector.sites[%zu]: you may select devices of "
						     "your own site only",
						     i);
				return NULL;
			}
	out = json_deep_copy(in);
	if (out == NULL) {
		medfwd_respond_error(resp, 500, "internal", NULL, "out of memory");
		return NULL;
	}
	if (sel.view.hardware_id_count == 0) {
		json_t *hw = json_array();

		for (j = 0; hw != NULL && j < notice->hardware_id_count; j++)
			json_array_append_new(hw, json_string(notice->hardware_ids[j]));
		json_object_set_new(out, "hardware_ids", hw);
	}
	if (who->user.site_id != 0 && sel.view.site_count == 0)
		json_object_set_new(out, "sites", json_pack("[I]", (json_int_t)who->user.site_id));
	return out;
}

static int body_start_at(const struct medfwd_request *req, struct medfwd_response *resp,
			 int64_t *out)
{
	const char *s = NULL;

	*out = 0;
	if (!medfwd_body_string(req, resp, "start_at", MEDFW_UTC_TIME_LEN, 0, &s))
		return 0;
	if (s != NULL && medfw_parse_utc_time(s, out) != MEDFW_OK) {
		medfwd_respond_error(resp, 400, "invalid", "start_at",
				     "start_at must be a UTC time YYYY-MM-DDTHH:MM:SSZ");
		return 0;
	}
	return 1;
}

static void fill_release(struct medfw_store_rollout *r, const struct release *rel)
{
	snprintf(r->target_name, sizeof(r->target_name), "%s", rel->name);
	r->target_length = rel->length;
	snprintf(r->target_hashes, sizeof(r->target_hashes), "%s", rel->hashes);
	snprintf(r->target_sha256, sizeof(r->target_sha256), "%s", rel->sha256);
	snprintf(r->target_version, sizeof(r->target_version), "%s", rel->notice->product_version);
	r->security_version = (int64_t)rel->notice->security_version;
	snprintf(r->notice, sizeof(r->notice), "%s", rel->notice_text);
}

static void respond_created(struct medfwd_request *req, struct medfwd_response *resp,
			    const struct medfw_store_rollout *r, const char *event, json_t *extra)
{
	struct medfwd_app *app = medfwd_app_of(req);
	const struct medfwd_principal *who = medfwd_principal_of(req);
	json_t *detail = json_pack("{s:I, s:s, s:s, s:s, s:I, s:o, s:o}", "rollout_id",
				   (json_int_t)r->id, "name", r->name, "target", r->target_name,
				   "version", r->target_version, "security_version",
				   (json_int_t)r->security_version, "selector", parsed(r->selector),
				   "waves", parsed(r->waves));

	if (detail != NULL && extra != NULL)
		json_object_update(detail, extra);
	json_decref(extra);
	(void)medfwd_audit(app, req, medfwd_actor_of(who), r->site_id, event, detail);
	medfwd_respond_json(resp, 201, rollout_json(r, 1));
}

/* A rollout's body validated as create validates it: the one place, so that create and
 * preview answer the same body with the same errors. */
struct rollout_body {
	const char *name; /* borrowed from the request's JSON */
	int64_t start_at, site_id;
	struct medfw_rollout_plan plan;
	struct release rel; /* rel.notice owned */
	json_t *selector;   /* the effective selection, owned */
	char *sel_text;     /* owned: what create stores */
	char *waves_text;
};

static void rollout_body_free(struct rollout_body *b)
{
	if (b == NULL)
		return;
	medfw_notice_free(b->rel.notice);
	json_decref(b->selector);
	free(b->sel_text);
	free(b->waves_text);
	memset(b, 0, sizeof(*b));
}

/* rollouts.write, then the body: 1 with *b filled (free it with rollout_body_free), or
 * 0 with the error answer set and nothing held. */
static int rollout_body_parse(struct medfwd_request *req, struct medfwd_response *resp,
			      struct rollout_body *b)
{
	static const char *const allowed[] = {"name", "target", "selector", "waves", "start_at",
					      "site_id", NULL};
	struct medfwd_app *app = medfwd_app_of(req);
	const struct medfwd_principal *who = medfwd_principal_of(req);
	struct medfw_diag diag;
	const char *target = NULL;

	memset(b, 0, sizeof(*b));
	if (!medfwd_require(req, resp, MEDFWD_PERM_ROLLOUTS_WRITE) ||
	    !medfwd_body_only(req, resp, allowed) ||
	    !medfwd_body_string(req, resp, "name", MEDFW_STORE_NAME_MAX, 1, &b->name) ||
	    !medfwd_body_string(req, resp, "target", MEDFW_STORE_TARGET_NAME_MAX, 1, &target) ||
	    !body_start_at(req, resp, &b->start_at) ||
	    !medfwd_body_int(req, resp, "site_id", 1, INT64_MAX, 0, &b->site_id))
		return 0;
	if (!text_ok(b->name, MEDFW_STORE_NAME_MAX)) {
		medfwd_respond_error(resp, 400, "invalid", "name",
				     "name: UTF-8 text without control characters");
		return 0;
	}
	if (who->user.site_id != 0) {
		if (b->site_id != 0 && b->site_id != who->user.site_id) {
			medfwd_respond_error(resp, 403, "forbidden", "site_id",
					     "you may make rollouts for your own site only");
			return 0;
		}
		b->site_id = who->user.site_id;
	}
	medfw_diag_clear(&diag);
	if (medfw_rollout_plan_from_json(json_object_get(req->json, "waves"), &b->plan, &diag) !=
	    MEDFW_OK) {
		medfwd_respond_error(resp, 400, "invalid", "waves", "%s", diag.msg);
		return 0;
	}
	if (json_object_get(req->json, "selector") == NULL) {
		medfwd_respond_error(resp, 400, "invalid", "selector", "selector: required");
		return 0;
	}
	if (!load_release(app, target, "target", &b->rel, resp)) {
		rollout_body_free(b); /* a notice read before a later check failed */
		return 0;
	}
	b->selector = effective_selector(who, json_object_get(req->json, "selector"),
					 b->rel.notice, resp);
	if (b->selector != NULL && b->site_id != 0) {
		json_t *sites = json_object_get(b->selector, "sites");

		for (size_t i = 0; i < json_array_size(sites); i++)
			if (json_integer_value(json_array_get(sites, i)) != b->site_id) {
				medfwd_respond_error(resp, 422, "invalid", "selector",
						     "selector.sites[%zu]: not the rollout's site %lld", i,
						     (long long)b->site_id);
				json_decref(b->selector);
				b->selector = NULL;
				break;
			}
		if (b->selector != NULL && sites == NULL)
			json_object_set_new(b->selector, "sites",
					    json_pack("[I]", (json_int_t)b->site_id));
	}
	if (b->selector == NULL) {
		rollout_body_free(b);
		return 0;
	}
	b->sel_text = dump(b->selector, MEDFW_STORE_ROLLOUT_JSON_MAX);
	{
		json_t *w = medfw_rollout_plan_to_json(&b->plan);

		b->waves_text = w != NULL ? dump(w, MEDFW_STORE_ROLLOUT_JSON_MAX) : NULL;
		json_decref(w);
	}
	if (b->sel_text == NULL || b->waves_text == NULL) {
		medfwd_respond_error(resp, 400, "invalid", "selector",
				     "the selection or the waves are too large");
		rollout_body_free(b);
		return 0;
	}
	return 1;
}

static void rollouts_create(struct medfwd_request *req, struct medfwd_response *resp)
{
	struct medfwd_app *app = medfwd_app_of(req);
	const struct medfwd_principal *who = medfwd_principal_of(req);
	struct rollout_body *b = calloc(1, sizeof(*b));
	struct medfw_store_rollout *r = NULL;
	struct medfw_diag diag;
	enum medfw_err err;

	if (b == NULL) {
		medfwd_respond_error(resp, 500, "internal", NULL, "out of memory");
		return;
	}
	if (!rollout_body_parse(req, resp, b))
		goto out;
	r = calloc(1, sizeof(*r));
	if (r == NULL) {
		medfwd_respond_error(resp, 500, "internal", NULL, "out of memory");
		goto out;
	}
	r->site_id = b->site_id;
	snprintf(r->name, sizeof(r->name), "%s", b->name);
	r->kind = MEDFW_ROLLOUT_KIND_UPDATE;
	fill_release(r, &b->rel);
	snprintf(r->selector, sizeof(r->selector), "%s", b->sel_text);
	snprintf(r->waves, sizeof(r->waves), "%s", b->waves_text);
	r->start_at = b->start_at;
	r->state = MEDFW_ROLLOUT_AWAITING_APPROVAL;
	r->current_wave = -1;
	r->created_by = who->user.id;
	medfw_diag_clear(&diag);
	err = medfw_store_rollout_create(app->store, r, &diag);
	if (err != MEDFW_OK) {
		medfwd_respond_medfw_error(resp, err, &diag);
		goto out;
	}
	respond_created(req, resp, r, "rollout.created", NULL);
out:
	free(r);
	rollout_body_free(b);
	free(b);
}

/* ---------------------------------------------------------------- preview */

/* What create would make of a body, without making it (docs/rollouts.md "Preview"):
 * the same validation, the same selection through the same store query, the same
 * order and split (medfw_rollout_split) with the id a rollout made now gets, and the
 * install window each group of devices would get (medfwd_window_for, as the engine).
 * It writes nothing and audits nothing. */

#define PREVIEW_SAMPLE 50          /* devices shown per wave */
#define PREVIEW_EXCLUDED_IDS 20    /* ids of the devices left out, shown */
#define PREVIEW_OTHER_ROLLOUTS 20  /* other rollouts named one by one; the rest summed */
#define PREVIEW_WINDOWS_MAX 500    /* window entries answered (every one is counted) */
#define PREVIEW_WINDOW_WARNINGS 20 /* no-window warnings one by one; the rest summed */

/* Devices of one site that share one install window. */
struct pv_group {
	char department[MEDFW_STORE_NAME_MAX + 1]; /* "" the site's own rules */
	uint64_t devices;
};

/* groups[0]: devices under the site-wide rules; then one per department with rules or
 * blackouts of its own (their next window can differ). */
struct pv_site {
	int64_t site_id;
	struct pv_group *groups;
	size_t n_groups;
};

struct pv_other {
	int64_t rollout_id;
	uint64_t devices;
};

struct preview {
	struct medfwd_app *app;
	const struct rollout_body *b;
	struct medfw_store_scope scope; /* the rollout's (its site, or all), as the engine's */
	uint64_t selected;              /* enrolled devices matching */
	uint64_t excluded;              /* of them, in another unfinished rollout */
	int64_t excluded_ids[PREVIEW_EXCLUDED_IDS];
	size_t n_excluded_ids;
	struct pv_other others[PREVIEW_OTHER_ROLLOUTS];
	size_t n_others;
	uint64_t excluded_elsewhere; /* in rollouts past the ones named */
	struct medfw_rollout_slot *slots; /* the devices that would join */
	uint8_t *running;                 /* by slot index: already runs the release */
	size_t n_slots, cap_slots;
	uint64_t already_running;
	struct pv_site *sites;
	size_t n_sites, cap_sites, last_site;
	struct medfw_store_window_rule *rows; /* scratch: one site's rules */
	struct medfw_store_blackout *blackouts;
};

static void preview_free(struct preview *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->n_sites; i++)
		free(p->sites[i].groups);
	free(p->sites);
	free(p->slots);
	free(p->running);
	free(p->rows);
	free(p->blackouts);
	free(p);
}

static int has_group(const struct pv_site *s, const char *department)
{
	for (size_t g = 1; g < s->n_groups; g++)
		if (strcmp(s->groups[g].department, department) == 0)
			return 1;
	return 0;
}

/* The site's entry, made (with its departments that have rules or blackouts of their
 * own) the first time one of its devices is seen. */
static enum medfw_err pv_site_of(struct preview *p, int64_t site_id, struct pv_site **out,
				 struct medfw_diag *diag)
{
	size_t i, n_rows = 0, n_bl = 0;
	struct pv_site *s;
	struct pv_group *g;
	enum medfw_err err;

	if (p->last_site < p->n_sites && p->sites[p->last_site].site_id == site_id) {
		*out = &p->sites[p->last_site];
		return MEDFW_OK;
	}
	for (i = 0; i < p->n_sites; i++)
		if (p->sites[i].site_id == site_id) {
			p->last_site = i;
			*out = &p->sites[i];
			return MEDFW_OK;
		}
	if (p->n_sites == p->cap_sites) {
		size_t nc = p->cap_sites ? p->cap_sites * 2 : 16;
		struct pv_site *grown = realloc(p->sites, nc * sizeof(*grown));

		if (grown == NULL)
			return medfw_diag_set(diag, MEDFW_ERR_NOMEM, "out of memory");
		p->sites = grown;
		p->cap_sites = nc;
	}
	err = medfw_store_windows_get(p->app->store, p->scope, site_id, p->rows,
				      MEDFW_STORE_WINDOW_RULES_MAX, &n_rows, p->blackouts,
				      MEDFW_STORE_BLACKOUTS_MAX, &n_bl, diag);
	if (err != MEDFW_OK)
		return err;
	s = &p->sites[p->n_sites];
	memset(s, 0, sizeof(*s));
	s->site_id = site_id;
	s->groups = calloc(1 + n_rows + n_bl, sizeof(*s->groups));
	if (s->groups == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_NOMEM, "out of memory");
	s->n_groups = 1;
	for (i = 0; i < n_rows + n_bl; i++) {
		const char *d = i < n_rows ? p->rows[i].department : p->blackouts[i - n_rows].department;

		if (d[0] != '\0' && !has_group(s, d))
			snprintf(s->groups[s->n_groups++].department, sizeof(s->groups[0].department),
				 "%s", d);
	}
	g = realloc(s->groups, s->n_groups * sizeof(*g)); /* keep only what is used */
	if (g != NULL)
		s->groups = g;
	p->last_site = p->n_sites++;
	*out = s;
	return MEDFW_OK;
}

/* One matching device, as the engine's join sees it. */
static enum medfw_err pv_take(struct preview *p, const struct medfw_store_candidate *c,
			      struct medfw_diag *diag)
{
	struct pv_site *s = NULL;
	size_t i, g;
	int running;
	enum medfw_err err;

	p->selected++;
	if (c->other_rollout != 0) {
		p->excluded++;
		if (p->n_excluded_ids < PREVIEW_EXCLUDED_IDS)
			p->excluded_ids[p->n_excluded_ids++] = c->device_id;
		for (i = 0; i < p->n_others && p->others[i].rollout_id != c->other_rollout; i++)
			;
		if (i < p->n_others) {
			p->others[i].devices++;
		} else if (p->n_others < PREVIEW_OTHER_ROLLOUTS) {
			p->others[p->n_others].rollout_id = c->other_rollout;
			p->others[p->n_others++].devices = 1;
		} else {
			p->excluded_elsewhere++;
		}
		return MEDFW_OK;
	}
	if (p->n_slots == p->cap_slots) {
		size_t nc = p->cap_slots ? p->cap_slots * 2 : 1024;
		struct medfw_rollout_slot *slots;
		uint8_t *running_grown;

		if (nc > SIZE_MAX / sizeof(*slots))
			return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "selection: too many devices");
		slots = realloc(p->slots, nc * sizeof(*slots));
		if (slots == NULL)
			return medfw_diag_set(diag, MEDFW_ERR_NOMEM, "out of memory");
		p->slots = slots;
		running_grown = realloc(p->running, nc);
		if (running_grown == NULL)
			return medfw_diag_set(diag, MEDFW_ERR_NOMEM, "out of memory");
		p->running = running_grown;
		p->cap_slots = nc;
	}
	/* as the engine's member_from: such a device joins as committed */
	running = c->image_sha256[0] != '\0' && strcasecmp(c->image_sha256, p->b->rel.sha256) == 0;
	memset(&p->slots[p->n_slots], 0, sizeof(p->slots[0]));
	p->slots[p->n_slots].device_id = c->device_id;
	p->slots[p->n_slots].index = p->n_slots;
	p->running[p->n_slots++] = (uint8_t)running;
	if (running) {
		p->already_running++;
		return MEDFW_OK;
	}
	if ((err = pv_site_of(p, c->site_id, &s, diag)) != MEDFW_OK)
		return err;
	if (s == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "site %lld: not read",
				      (long long)c->site_id);
	for (g = s->n_groups - 1; g > 0 && strcmp(s->groups[g].department, c->department) != 0; g--)
		;
	s->groups[g].devices++;
	return MEDFW_OK;
}

/* Every enrolled device matching, through the store query the engine's join uses,
 * with `rollout_id` the id the rollout would get. */
static enum medfw_err pv_collect(struct preview *p, const struct medfw_rollout_selector *sel,
				 int64_t rollout_id, struct medfw_diag *diag)
{
	struct medfw_store_candidate *cand = calloc(MEDFWD_ROLLOUT_PAGE, sizeof(*cand));
	int64_t after = 0;
	size_t n = 0;
	enum medfw_err err = MEDFW_OK;

	if (cand == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_NOMEM, "out of memory");
	for (;;) {
		err = medfw_store_rollout_candidates(p->app->store, p->scope, &sel->view, rollout_id,
						     after, cand, MEDFWD_ROLLOUT_PAGE, &n, diag);
		if (err != MEDFW_OK || n == 0)
			break;
		after = cand[n - 1].device_id;
		for (size_t i = 0; err == MEDFW_OK && i < n; i++)
			err = pv_take(p, &cand[i], diag);
		if (err != MEDFW_OK || n < MEDFWD_ROLLOUT_PAGE)
			break;
	}
	free(cand);
	return err;
}

/* "12 devices are" / "1 device is" and the like. */
static const char *devices_word(uint64_t n)
{
	return n == 1 ? "device" : "devices";
}

static void warn(json_t *warnings, const char *fmt, ...) MEDFW_PRINTF(2, 3);
static void warn(json_t *warnings, const char *fmt, ...)
{
	char text[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	json_array_append_new(warnings, json_string(text));
}

/* Up to PREVIEW_SAMPLE devices of one wave, in the order the wave takes them. Devices
 * deleted since they were read are left out. */
static enum medfw_err pv_sample(struct preview *p, const struct medfw_rollout_slot *slots,
				size_t n, struct medfw_store_device *dev, json_t **out,
				struct medfw_diag *diag)
{
	json_t *arr = json_array();
	enum medfw_err err = MEDFW_OK;

	*out = NULL;
	if (arr == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < n && i < PREVIEW_SAMPLE; i++) {
		struct medfw_diag d;

		medfw_diag_clear(&d);
		err = medfw_store_device_get(p->app->store, p->scope, slots[i].device_id, dev, &d);
		if (err == MEDFW_ERR_NOT_FOUND) {
			err = MEDFW_OK;
			continue;
		}
		if (err != MEDFW_OK) {
			json_decref(arr);
			return medfw_diag_set(diag, err, "%s", d.msg);
		}
		json_array_append_new(
			arr, json_pack("{s:I, s:s, s:s, s:I, s:s, s:s, s:s}", "id",
				       (json_int_t)dev->id, "serial", dev->serial, "model", dev->model,
				       "site_id", (json_int_t)dev->site_id, "department",
				       dev->department, "location", dev->location,
				       "firmware_version", dev->firmware_version));
	}
	*out = arr;
	return MEDFW_OK;
}

/* The waves: the plan's fields, the devices each would get, a sample. */
static enum medfw_err pv_waves(struct preview *p, const uint64_t *sizes, json_t **out,
			       json_t *warnings, struct medfw_diag *diag)
{
	const struct medfw_rollout_plan *plan = &p->b->plan;
	struct medfw_store_device *dev = calloc(1, sizeof(*dev));
	json_t *specs = medfw_rollout_plan_to_json(plan), *waves = json_array();
	size_t first = 0;
	enum medfw_err err = MEDFW_OK;

	*out = NULL;
	if (dev == NULL || specs == NULL || waves == NULL) {
		free(dev);
		json_decref(specs);
		json_decref(waves);
		return medfw_diag_set(diag, MEDFW_ERR_NOMEM, "out of memory");
	}
	for (size_t w = 0; err == MEDFW_OK && w < plan->wave_count; w++) {
		json_t *o, *sample = NULL;
		uint64_t running = 0;
		size_t n = (size_t)sizes[w];

		for (size_t k = first; k < first + n; k++)
			running += p->running[p->slots[k].index];
		err = pv_sample(p, p->slots + first, n, dev, &sample, diag);
		if (err != MEDFW_OK)
			break;
		/* the wave's number first, then its plan as create stores it */
		o = json_pack("{s:I}", "wave", (json_int_t)w + 1);
		json_object_update(o, json_array_get(specs, w));
		json_object_set_new(o, "devices", json_integer((json_int_t)sizes[w]));
		json_object_set_new(o, "already_running", json_integer((json_int_t)running));
		json_object_set_new(o, "sample", sample);
		json_array_append_new(waves, o);
		if (sizes[w] == 0 && p->n_slots > 0)
			warn(warnings, "wave %zu (%s) would get no devices: the waves before it take "
				       "all %zu",
			     w + 1, plan->waves[w].name, p->n_slots);
		first += n;
	}
	free(dev);
	json_decref(specs);
	if (err != MEDFW_OK) {
		json_decref(waves);
		return err;
	}
	*out = waves;
	return MEDFW_OK;
}

static int cmp_site(const void *a, const void *b)
{
	const struct pv_site *x = a, *y = b;

	return x->site_id < y->site_id ? -1 : x->site_id > y->site_id;
}

static int cmp_group(const void *a, const void *b)
{
	return strcmp(((const struct pv_group *)a)->department,
		      ((const struct pv_group *)b)->department);
}

static json_t *local_or_null(const struct medfw_tz *tz, int64_t t)
{
	char s[MEDFW_TZ_LOCAL_TIME_MAX + 1];

	if (tz == NULL || medfw_tz_format_local(tz, t, s, sizeof(s)) != MEDFW_OK)
		return json_null();
	return json_string(s);
}

/* The next install window of every group of devices that would install, as the engine
 * would give it now (start_at counted), with the no-window warnings. */
static enum medfw_err pv_windows(struct preview *p, json_t **out, json_t *warnings,
				 struct medfw_diag *diag)
{
	struct medfwd_window_cache *wc = medfwd_window_cache_new(p->app);
	json_t *arr = json_array();
	int64_t now = medfw_ctx_now(p->app->ctx);
	uint64_t unwarned_devices = 0, unlisted = 0, no_window_groups = 0;
	size_t unwarned_groups = 0;
	enum medfw_err err = MEDFW_OK;

	*out = NULL;
	if (wc == NULL || arr == NULL) {
		medfwd_window_cache_free(wc);
		json_decref(arr);
		return medfw_diag_set(diag, MEDFW_ERR_NOMEM, "out of memory");
	}
	if (p->n_sites > 1)
		qsort(p->sites, p->n_sites, sizeof(*p->sites), cmp_site);
	for (size_t i = 0; err == MEDFW_OK && i < p->n_sites; i++) {
		struct pv_site *s = &p->sites[i];
		struct medfw_store_site site;
		struct medfw_tz *tz = NULL;

		err = medfw_store_site_get(p->app->store, p->scope, s->site_id, &site, diag);
		if (err != MEDFW_OK)
			break;
		if (medfw_tz_load(NULL, site.time_zone, &tz, NULL) != MEDFW_OK)
			tz = NULL; /* the window says why (medfwd_window_for loads it too) */
		if (s->n_groups > 2)
			qsort(s->groups + 1, s->n_groups - 1, sizeof(*s->groups), cmp_group);
		for (size_t g = 0; g < s->n_groups; g++) {
			const struct pv_group *gr = &s->groups[g];
			struct medfw_diag wd;
			int64_t start = 0, end = 0;
			enum medfw_err werr;
			json_t *o;

			if (gr->devices == 0)
				continue;
			medfw_diag_clear(&wd);
			werr = medfwd_window_for(wc, s->site_id, gr->department, p->b->start_at, now,
						 &start, &end, &wd);
			if (werr != MEDFW_OK && ++no_window_groups > PREVIEW_WINDOW_WARNINGS) {
				unwarned_devices += gr->devices;
				unwarned_groups++;
			} else if (werr == MEDFW_ERR_NOT_FOUND) {
				warn(warnings,
				     "%llu %s %s at a site without a maintenance window (site %lld, "
				     "%.128s%s%.128s%s): %s would wait until one is set",
				     (unsigned long long)gr->devices, devices_word(gr->devices),
				     gr->devices == 1 ? "is" : "are", (long long)s->site_id, site.name,
				     gr->department[0] ? ", department \"" : "", gr->department,
				     gr->department[0] ? "\"" : "", gr->devices == 1 ? "it" : "they");
			} else if (werr != MEDFW_OK) {
				warn(warnings, "%llu %s at site %lld (%.128s%s%.128s%s) would get no "
					       "install window: %s",
				     (unsigned long long)gr->devices, devices_word(gr->devices),
				     (long long)s->site_id, site.name,
				     gr->department[0] ? ", department \"" : "", gr->department,
				     gr->department[0] ? "\"" : "", wd.msg);
			}
			if (json_array_size(arr) >= PREVIEW_WINDOWS_MAX) {
				unlisted++;
				continue;
			}
			o = json_pack("{s:I, s:s, s:s, s:s, s:I, s:b}", "site_id",
				      (json_int_t)s->site_id, "site_name", site.name, "time_zone",
				      site.time_zone, "department", gr->department, "devices",
				      (json_int_t)gr->devices, "no_window", werr != MEDFW_OK);
			if (o == NULL)
				continue;
			json_object_set_new(o, "start", werr == MEDFW_OK ? time_or_null(start)
									  : json_null());
			json_object_set_new(o, "end", werr == MEDFW_OK ? time_or_null(end)
									: json_null());
			json_object_set_new(o, "start_local", werr == MEDFW_OK ? local_or_null(tz, start)
									       : json_null());
			json_object_set_new(o, "end_local", werr == MEDFW_OK ? local_or_null(tz, end)
									     : json_null());
			json_object_set_new(o, "reason",
					    werr == MEDFW_OK ? json_null() : json_string(wd.msg));
			json_array_append_new(arr, o);
		}
		medfw_tz_free(tz);
	}
	medfwd_window_cache_free(wc);
	if (err != MEDFW_OK) {
		json_decref(arr);
		return err;
	}
	if (unwarned_groups > 0)
		warn(warnings, "%llu more %s in %zu more sites or departments would get no install "
			       "window",
		     (unsigned long long)unwarned_devices, devices_word(unwarned_devices),
		     unwarned_groups);
	if (unlisted > 0)
		warn(warnings, "the windows of %llu more sites or departments are not listed "
			       "(at most %d are)",
		     (unsigned long long)unlisted, PREVIEW_WINDOWS_MAX);
	*out = arr;
	return MEDFW_OK;
}

static json_t *pv_target(const struct release *rel)
{
	const struct medfw_release_notice *n = rel->notice;

	return json_pack("{s:s, s:I, s:s, s:s, s:I, s:{s:I, s:I, s:b}, s:s, s:b}", "name",
			 rel->name, "length", (json_int_t)rel->length, "sha256", rel->sha256,
			 "product_version", n->product_version, "security_version",
			 (json_int_t)n->security_version, "install", "estimated_minutes",
			 (json_int_t)n->install.estimated_minutes, "downtime_minutes",
			 (json_int_t)n->install.downtime_minutes, "reboot_required",
			 n->install.reboot_required, "clinical_impact", n->clinical_impact,
			 "rollback_supported", n->rollback_supported);
}

static json_t *pv_excluded(const struct preview *p, json_t *warnings)
{
	json_t *ids = json_array(), *rollouts = json_array();

	for (size_t i = 0; ids != NULL && i < p->n_excluded_ids; i++)
		json_array_append_new(ids, json_integer((json_int_t)p->excluded_ids[i]));
	for (size_t i = 0; rollouts != NULL && i < p->n_others; i++) {
		const struct pv_other *o = &p->others[i];

		json_array_append_new(rollouts, json_pack("{s:I, s:I}", "rollout_id",
							  (json_int_t)o->rollout_id, "devices",
							  (json_int_t)o->devices));
		warn(warnings,
		     "%llu %s already in rollout %lld: left out until it finishes (then %s the "
		     "last wave)",
		     (unsigned long long)o->devices, o->devices == 1 ? "device is" : "devices are",
		     (long long)o->rollout_id, o->devices == 1 ? "it joins" : "they join");
	}
	if (p->excluded_elsewhere > 0)
		warn(warnings, "%llu more %s in other unfinished rollouts: left out",
		     (unsigned long long)p->excluded_elsewhere,
		     p->excluded_elsewhere == 1 ? "device is" : "devices are");
	return json_pack("{s:I, s:o, s:o}", "count", (json_int_t)p->excluded, "device_ids", ids,
			 "rollouts", rollouts);
}

static void rollouts_preview(struct medfwd_request *req, struct medfwd_response *resp)
{
	struct medfwd_app *app = medfwd_app_of(req);
	struct rollout_body *b = calloc(1, sizeof(*b));
	struct medfw_rollout_selector *sel = calloc(1, sizeof(*sel));
	struct preview *p = calloc(1, sizeof(*p));
	uint64_t sizes[MEDFW_ROLLOUT_WAVES_MAX] = {0};
	json_t *o = NULL, *warnings = NULL, *excluded = NULL, *waves = NULL, *windows = NULL;
	int64_t next_id = 0;
	char note[768];
	struct medfw_diag diag;
	enum medfw_err err;

	if (b == NULL || sel == NULL || p == NULL) {
		medfwd_respond_error(resp, 500, "internal", NULL, "out of memory");
		goto out;
	}
	if (!rollout_body_parse(req, resp, b))
		goto out;
	p->app = app;
	p->b = b;
	p->scope = b->site_id != 0 ? medfw_store_scope_site(b->site_id) : medfw_store_scope_all();
	p->rows = calloc(MEDFW_STORE_WINDOW_RULES_MAX, sizeof(*p->rows));
	p->blackouts = calloc(MEDFW_STORE_BLACKOUTS_MAX, sizeof(*p->blackouts));
	warnings = json_array();
	medfw_diag_clear(&diag);
	err = p->rows == NULL || p->blackouts == NULL || warnings == NULL
		      ? medfw_diag_set(&diag, MEDFW_ERR_NOMEM, "out of memory")
		      : medfw_rollout_selector_from_json(b->selector, sel, &diag);
	if (err == MEDFW_OK) {
		err = medfw_store_rollout_next_id(app->store, &next_id, &diag);
		if (err == MEDFW_ERR_NOT_FOUND) { /* unknowable: the counts stay exact */
			next_id = 0;
			err = MEDFW_OK;
		}
	}
	if (err == MEDFW_OK)
		err = pv_collect(p, sel, next_id, &diag);
	if (err != MEDFW_OK) {
		medfwd_respond_medfw_error(resp, err, &diag);
		goto out;
	}
	medfw_rollout_split(&b->plan, next_id, p->slots, p->n_slots, sizes);
	if (p->selected == 0)
		warn(warnings, "the selection is empty: no enrolled device matches it");
	else if (p->n_slots == 0)
		warn(warnings, "every matching device is in another unfinished rollout: this one "
			       "would start with none");
	excluded = pv_excluded(p, warnings);
	if (p->already_running > 0)
		warn(warnings, "%llu %s already %s %s: %s as committed and %s no instruction",
		     (unsigned long long)p->already_running, devices_word(p->already_running),
		     p->already_running == 1 ? "runs" : "run", b->rel.notice->product_version,
		     p->already_running == 1 ? "it joins" : "they join",
		     p->already_running == 1 ? "gets" : "get");
	medfw_diag_clear(&diag);
	err = pv_waves(p, sizes, &waves, warnings, &diag);
	if (err == MEDFW_OK)
		err = pv_windows(p, &windows, warnings, &diag);
	if (err != MEDFW_OK) {
		json_decref(excluded);
		json_decref(waves);
		medfwd_respond_medfw_error(resp, err, &diag);
		goto out;
	}
	if (next_id != 0)
		snprintf(note, sizeof(note),
			 "Devices are put into waves when the rollout starts (after its approval, "
			 "not before start_at), in the order of SHA-256(rollout id, device id). "
			 "This preview uses id %lld, the id a rollout created now gets, and the fleet "
			 "as it is now: the counts are exact now; the membership is the same if no "
			 "other rollout is created first and no matching device changes before the "
			 "start.",
			 (long long)next_id);
	else
		snprintf(note, sizeof(note),
			 "Devices are put into waves when the rollout starts (after its approval, "
			 "not before start_at), in the order of SHA-256(rollout id, device id). The "
			 "id a rollout created now gets cannot be known, so the samples show one "
			 "possible split (as if its id were 0): which devices fall in which wave is "
			 "fixed when the rollout starts; the counts are exact for the fleet as it "
			 "is now.");
	o = json_pack("{s:o, s:s, s:o, s:o, s:o, s:o, s:I, s:o, s:I, s:I, s:o, s:o, s:o}",
		      "rollout_id", id_or_null(next_id), "order_note", note, "target",
		      pv_target(&b->rel), "site_id", id_or_null(b->site_id), "start_at",
		      time_or_null(b->start_at), "selector", json_deep_copy(b->selector),
		      "selected", (json_int_t)p->selected, "excluded", excluded, "members",
		      (json_int_t)p->n_slots, "already_running", (json_int_t)p->already_running,
		      "waves", waves, "windows", windows, "warnings", warnings);
	warnings = NULL; /* json_pack took it, or dropped it on failure */
	if (o == NULL) {
		medfwd_respond_error(resp, 500, "internal", NULL, "out of memory");
		goto out;
	}
	medfwd_respond_json(resp, 200, o);
out:
	json_decref(warnings);
	preview_free(p);
	free(sel);
	rollout_body_free(b);
	free(b);
}

/* ---------------------------------------------------------------- read */

static void rollouts_list(struct medfwd_request *req, struct medfwd_response *resp)
{
	struct medfwd_app *app = medfwd_app_of(req);
	const char *state_s = medfwd_request_query(req, "state");
	enum medfw_store_rollout_state state = 0;
	struct medfw_store_rollout *page;
	uint64_t limit = 0, offset = 0;
	int64_t total = 0;
	size_t n = 0;
	struct medfw_diag diag;
	json_t *items;
	enum medfw_err err;

	if (!medfwd_require(req, resp, MEDFWD_PERM_DEVICES_READ))
		return;
	if (state_s != NULL && medfw_store_rollout_state_parse(state_s, &state) != MEDFW_OK) {
		medfwd_respond_error(resp, 400, "invalid", "state", "unknown rollout state");
		return;
	}
	if (!medfwd_query_page(req, resp, LIST_MAX, 20, &limit, &offset))
		return;
	page = calloc((size_t)limit, sizeof(*page));
	if (page == NULL) {
		medfwd_respond_error(resp, 500, "internal", NULL, "out of memory");
		return;
	}
	medfw_diag_clear(&diag);
	err = medfw_store_rollout_list(app->store, medfwd_scope_of(medfwd_principal_of(req)), state,
				       (int64_t)offset, page, (size_t)limit, &n, &total, &diag);
	if (err != MEDFW_OK) {
		free(page);
		medfwd_respond_medfw_error(resp, err, &diag);
		return;
	}
	items = json_array();
	for (size_t i = 0; items != NULL && i < n; i++)
		json_array_append_new(items, rollout_json(&page[i], 0));
	free(page);
	medfwd_respond_json(resp, 200, medfwd_page_json("rollouts", items, total, limit, offset, n));
}

static void rollout_get(struct medfwd_request *req, struct medfwd_response *resp)
{
	struct medfwd_app *app = medfwd_app_of(req);
	struct medfw_store_rollout *r = calloc(1, sizeof(*r));
	struct medfw_diag diag;
	json_t *o;
	enum medfw_err err;

	if (r == NULL) {
		medfwd_respond_error(resp, 500, "internal", NULL, "out of memory");
		return;
	}
	if (!medfwd_require(req, resp, MEDFWD_PERM_DEVICES_READ) || !load_rollout(req, resp, r)) {
		free(r);
		return;
	}
	o = rollout_json(r, 1);
	medfw_diag_clear(&diag);
	err = o != NULL ? progress_json(app, medfwd_scope_of(medfwd_principal_of(req)), r, o, &diag)
			: MEDFW_ERR_NOMEM;
	free(r);
	if (err != MEDFW_OK) {
		json_decref(o);
		medfwd_respond_medfw_error(resp, err, &diag);
		return;
	}
	medfwd_respond_json(resp, 200, o);
}

static json_t *member_json(const struct medfw_store_rollout_device *m)
{
	return json_pack("{s:I, s:s, s:I, s:s, s:I, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:s, s:s,"
			 " s:o, s:s}",
			 "device_id", (json_int_t)m->device_id, "serial", m->serial, "site_id",
			 (json_int_t)m->site_id, "department", m->department, "wave",
			 (json_int_t)m->wave + 1, "state",
			 medfw_store_rollout_device_state_name(m->state), "reason",
			 m->reason[0] ? json_string(m->reason) : json_null(), "window_start",
			 time_or_null(m->window_start), "window_end", time_or_null(m->window_end),
			 "joined_at",
			 time_or_null(m->joined_at), "assigned_at", time_or_null(m->assigned_at),
			 "done_at", time_or_null(m->done_at), "from_version", m->from_version,
			 "firmware_version", m->firmware_version, "last_seen",
			 time_or_null(m->last_seen), "clinical_state",
			 medfw_store_clinical_state_name(m->clinical_state));
}

static void rollout_devices(struct medfwd_request *req, struct medfwd_response *resp)
{
	struct medfwd_app *app = medfwd_app_of(req);
	const char *state_s = medfwd_request_query(req, "state");
	const char *wave_s = medfwd_request_query(req, "wave");
	struct medfw_store_rollout_device_filter f = {0, -1, 0, 0};
	struct medfw_store_rollout_device *page = NULL;
	struct medfw_store_rollout *r = calloc(1, sizeof(*r));
	uint64_t limit = 0, offset = 0, wave = 0;
	int64_t total = 0;
	size_t n = 0;
	struct medfw_diag diag;
	json_t *items;
	enum medfw_err err;

	if (r == NULL) {
		medfwd_respond_error(resp, 500, "internal", NULL, "out of memory");
		return;
	}
	if (!medfwd_require(req, resp, MEDFWD_PERM_DEVICES_READ) || !load_rollout(req, resp, r))
		goto out;
	if (state_s != NULL && medfw_store_rollout_device_state_parse(state_s, &f.state) != MEDFW_OK) {
		medfwd_respond_error(resp, 400, "invalid", "state", "unknown device state");
		goto out;
	}
	if (wave_s != NULL) {
		if (medfw_parse_u64(wave_s, 1, MEDFW_ROLLOUT_WAVES_MAX, &wave) != MEDFW_OK) {
			medfwd_respond_error(resp, 400, "invalid", "wave", "wave must be 1 to %d",
					     MEDFW_ROLLOUT_WAVES_MAX);
			goto out;
		}
		f.wave = (int64_t)wave - 1;
	}
	if (!medfwd_query_page(req, resp, DEVICES_MAX, 100, &limit, &offset))
		goto out;
	page = calloc((size_t)limit, sizeof(*page));
	if (page == NULL) {
		medfwd_respond_error(resp, 500, "internal", NULL, "out of memory");
		goto out;
	}
	medfw_diag_clear(&diag);
	err = medfw_store_rollout_devices_list(app->store, medfwd_scope_of(medfwd_principal_of(req)),
					       r->id, &f, (int64_t)offset, page, (size_t)limit, &n,
					       &total, &diag);
	if (err != MEDFW_OK) {
		medfwd_respond_medfw_error(resp, err, &diag);
		goto out;
	}
	items = json_array();
	for (size_t i = 0; items != NULL && i < n; i++)
		json_array_append_new(items, member_json(&page[i]));
	medfwd_respond_json(resp, 200, medfwd_page_json("devices", items, total, limit, offset, n));
out:
	free(page);
	free(r);
}

/* ---------------------------------------------------------------- actions */

static void act(struct medfwd_request *req, struct medfwd_response *resp,
		enum medfw_rollout_verb verb)
{
	static const char *const allowed[] = {"reason", NULL};
	struct medfwd_app *app = medfwd_app_of(req);
	const struct medfwd_principal *who = medfwd_principal_of(req);
	struct medfw_store_rollout *r = calloc(1, sizeof(*r));
	enum medfw_store_rollout_state before, after;
	struct medfw_diag diag;
	const char *reason = NULL;
	char event[64];
	size_t withdrawn = 0;
	int64_t now = medfw_ctx_now(app->ctx);
	enum medfw_err err;

	if (r == NULL) {
		medfwd_respond_error(resp, 500, "internal", NULL, "out of memory");
		return;
	}
	if (!medfwd_require(req, resp, verb == MEDFW_ROLLOUT_APPROVE ? MEDFWD_PERM_ROLLOUTS_APPROVE
								      : MEDFWD_PERM_ROLLOUTS_WRITE) ||
	    (req->json != NULL && !medfwd_body_only(req, resp, allowed)) ||
	    (req->json != NULL &&
	     !medfwd_body_string(req, resp, "reason", MEDFW_STORE_NAME_MAX * 4, 0, &reason))) {
		free(r);
		return;
	}
	if (reason != NULL && !text_ok(reason, MEDFW_STORE_NAME_MAX * 4)) {
		medfwd_respond_error(resp, 400, "invalid", "reason",
				     "reason: UTF-8 text without control characters");
		free(r);
		return;
	}
	pthread_mutex_lock(&app->rollouts->lock);
	if (!load_rollout(req, resp, r))
		goto out;
	before = r->state;
	medfw_diag_clear(&diag);
	err = medfw_rollout_check_action(verb, r->state, r->created_by, who->user.id,
					 medfwd_role_allows(who->user.role,
							    MEDFWD_PERM_ROLLOUTS_APPROVE) != 0,
					 r->start_at, now, &after, &diag);
	snprintf(event, sizeof(event), "rollout.%s", medfw_rollout_verb_name(verb));
	if (err != MEDFW_OK) {
		(void)medfwd_audit(app, req, medfwd_actor_of(who), r->site_id,
				   verb == MEDFW_ROLLOUT_APPROVE ? "rollout.approve_refused"
								 : "rollout.action_refused",
				   json_pack("{s:I, s:s, s:s, s:I, s:s}", "rollout_id", (json_int_t)r->id,
					     "action", medfw_rollout_verb_name(verb), "state",
					     medfw_store_rollout_state_name(r->state), "author",
					     (json_int_t)r->created_by, "reason", diag.msg));
		medfwd_respond_error(resp, err == MEDFW_ERR_NOT_PERMITTED ? 403 : 409,
				     err == MEDFW_ERR_NOT_PERMITTED ? "forbidden" : "conflict", "state",
				     "%s", diag.msg);
		goto out;
	}
	r->state = after;
	r->updated_at = now;
	if (verb == MEDFW_ROLLOUT_APPROVE) {
		r->approved_by = who->user.id;
		r->approved_at = now;
		r->state_reason[0] = '\0';
	} else if (verb == MEDFW_ROLLOUT_RESUME) {
		r->state_reason[0] = '\0';
	} else {
		snprintf(r->state_reason, sizeof(r->state_reason), "%s by %s%s%s",
			 verb == MEDFW_ROLLOUT_CANCEL ? "cancelled" : "paused", who->user.username,
			 reason != NULL ? ": " : "", reason != NULL ? reason : "");
	}
	if (verb == MEDFW_ROLLOUT_CANCEL)
		r->finished_at = now;
	medfw_diag_clear(&diag);
	err = medfw_store_rollout_save(app->store, r, before, &diag);
	if (err == MEDFW_OK && verb == MEDFW_ROLLOUT_RESUME)
		err = medfwd_rollout_acknowledge_errors(app, r, &diag);
	if (err == MEDFW_OK && (verb == MEDFW_ROLLOUT_PAUSE_BY_HAND || verb == MEDFW_ROLLOUT_CANCEL))
		err = medfwd_rollout_withdraw(app, r,
					      verb == MEDFW_ROLLOUT_CANCEL ? "the rollout was cancelled"
									   : "the rollout is paused",
					      &withdrawn, &diag);
	if (err != MEDFW_OK) {
		medfwd_respond_medfw_error(resp, err, &diag);
		goto out;
	}
	(void)medfwd_audit(app, req, medfwd_actor_of(who), r->site_id,
			   verb == MEDFW_ROLLOUT_APPROVE ? "rollout.approved"
			   : verb == MEDFW_ROLLOUT_RESUME ? "rollout.resumed"
			   : verb == MEDFW_ROLLOUT_CANCEL ? "rollout.cancelled"
							  : "rollout.paused",
			   json_pack("{s:I, s:s, s:s, s:s, s:I, s:I, s:o, s:I}", "rollout_id",
				     (json_int_t)r->id, "target", r->target_name, "from",
				     medfw_store_rollout_state_name(before), "to",
				     medfw_store_rollout_state_name(after), "author",
				     (json_int_t)r->created_by, "by", (json_int_t)who->user.id,
				     "reason", reason != NULL ? json_string(reason) : json_null(),
				     "withdrawn", (json_int_t)withdrawn));
	medfwd_respond_json(resp, 200, rollout_json(r, 1));
	medfwd_rollouts_wake(app);
out:
	pthread_mutex_unlock(&app->rollouts->lock);
	free(r);
}

static void rollout_approve(struct medfwd_request *req, struct medfwd_response *resp)
{
	act(req, resp, MEDFW_ROLLOUT_APPROVE);
}

static void rollout_pause(struct medfwd_request *req, struct medfwd_response *resp)
{
	act(req, resp, MEDFW_ROLLOUT_PAUSE_BY_HAND);
}

static void rollout_resume(struct medfwd_request *req, struct medfwd_response *resp)
{
	act(req, resp, MEDFW_ROLLOUT_RESUME);
}

static void rollout_cancel(struct medfwd_request *req, struct medfwd_response *resp)
{
	act(req, resp, MEDFW_ROLLOUT_CANCEL);
}

/* ---------------------------------------------------------------- rollback campaign */

struct ranked_member {
	int64_t device_id;
	char firmware_version[MEDFW_STORE_SHORT_MAX + 1];
	char image_sha256[MEDFW_STORE_SHORT_MAX + 1];
};

/* The committed members of `of` that ran `sha256` before it. */
static enum medfw_err members_from(struct medfwd_app *app, const struct medfw_store_rollout *of,
				   const char *sha256, struct ranked_member **out, size_t *n_out,
				   struct medfw_diag *diag)
{
	struct medfw_store_rollout_device_filter f = {MEDFW_RD_COMMITTED, -1, 0, 0};
	struct medfw_store_rollout_device *page = calloc(MEDFWD_ROLLOUT_PAGE, sizeof(*page));
	struct ranked_member *list = NULL;
	size_t n = 0, cap = 0, got = 0;
	int64_t offset = 0, total = 0;
	enum medfw_err err = MEDFW_OK;

	if (page == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_NOMEM, "out of memory");
	do {
		err = medfw_store_rollout_devices_list(app->store, medfw_store_scope_all(), of->id, &f,
						       offset, page, MEDFWD_ROLLOUT_PAGE, &got, &total,
						       diag);
		for (size_t i = 0; err == MEDFW_OK && i < got; i++) {
			if (strcasecmp(page[i].from_image_sha256, sha256) != 0 ||
			    strcmp(page[i].reason, "already runs this release") == 0)
				continue;
			if (n == cap) {
				size_t nc = cap ? cap * 2 : 256;
				struct ranked_member *g = realloc(list, nc * sizeof(*list));

				if (g == NULL) {
					err = medfw_diag_set(diag, MEDFW_ERR_NOMEM, "out of memory");
					break;
				}
				list = g;
				cap = nc;
			}
			list[n].device_id = page[i].device_id;
			snprintf(list[n].firmware_version, sizeof(list[n].firmware_version), "%s",
				 page[i].firmware_version);
			snprintf(list[n].image_sha256, sizeof(list[n].image_sha256), "%s",
				 page[i].image_sha256);
			n++;
		}
		offset += (int64_t)got;
	} while (err == MEDFW_OK && got == MEDFWD_ROLLOUT_PAGE && offset < total);
	free(page);
	if (err != MEDFW_OK) {
		free(list);
		return err;
	}
	*out = list;
	*n_out = n;
	return MEDFW_OK;
}

static void rollout_rollback(struct medfwd_request *req, struct medfwd_response *resp)
{
	static const char *const allowed[] = {"target", "name", "waves", "start_at", NULL};
	struct medfwd_app *app = medfwd_app_of(req);
	const struct medfwd_principal *who = medfwd_principal_of(req);
	struct medfw_store_rollout *of = calloc(1, sizeof(*of)), *r = calloc(1, sizeof(*r));
	struct medfw_store_rollout_device *chunk = NULL;
	struct medfw_release_notice *of_notice = NULL;
	struct ranked_member *members = NULL;
	struct medfw_rollout_slot *slots = NULL;
	struct medfw_rollout_plan plan;
	struct release rel;
	struct medfw_diag diag;
	const char *target = NULL, *name = NULL;
	char *waves_text = NULL;
	json_t *j = NULL;
	size_t n_members = 0;
	int64_t start_at = 0;
	enum medfw_err err;

	memset(&rel, 0, sizeof(rel));
	if (of == NULL || r == NULL) {
		medfwd_respond_error(resp, 500, "internal", NULL, "out of memory");
		goto out;
	}
	if (!medfwd_require(req, resp, MEDFWD_PERM_ROLLOUTS_WRITE) ||
	    !medfwd_body_only(req, resp, allowed) ||
	    !medfwd_body_string(req, resp, "target", MEDFW_STORE_TARGET_NAME_MAX, 1, &target) ||
	    !medfwd_body_string(req, resp, "name", MEDFW_STORE_NAME_MAX, 0, &name) ||
	    !body_start_at(req, resp, &start_at) || !load_rollout(req, resp, of))
		goto out;
	if (name != NULL && !text_ok(name, MEDFW_STORE_NAME_MAX)) {
		medfwd_respond_error(resp, 400, "invalid", "name",
				     "name: UTF-8 text without control characters");
		goto out;
	}
	if (of->kind != MEDFW_ROLLOUT_KIND_UPDATE) {
		medfwd_respond_error(resp, 409, "conflict", "rollout",
				     "rollout %lld is a rollback campaign itself", (long long)of->id);
		goto out;
	}
	medfw_diag_clear(&diag);
	if (medfw_json_parse((const uint8_t *)of->notice, strlen(of->notice),
			     MEDFW_STORE_ROLLOUT_JSON_MAX, 16, &j, &diag) != MEDFW_OK ||
	    medfw_notice_from_json(j, &of_notice, &diag) != MEDFW_OK) {
		medfwd_respond_error(resp, 500, "internal", NULL, "the stored notice: %s", diag.msg);
		goto out;
	}
	if (!of_notice->rollback_supported) {
		medfwd_respond_error(resp, 409, "rollback_not_allowed", "rollout",
				     "the release notice of %s %s does not allow rollback "
				     "(rollback_supported is false): ship a fixed release instead",
				     of->target_name, of->target_version);
		goto out;
	}
	if (!load_release(app, target, "target", &rel, resp))
		goto out;
	if ((int64_t)rel.notice->security_version < of->security_version) {
		medfwd_respond_error(resp, 409, "rollback_not_allowed", "target",
				     "the security version would go down from %lld (%s) to %llu (%s): "
				     "devices refuse it (anti-rollback)",
				     (long long)of->security_version, of->target_version,
				     (unsigned long long)rel.notice->security_version,
				     rel.notice->product_version);
		goto out;
	}
	if (strcasecmp(rel.sha256, of->target_sha256) == 0) {
		medfwd_respond_error(resp, 422, "invalid", "target",
				     "that is the release rollout %lld installed", (long long)of->id);
		goto out;
	}
	medfw_diag_clear(&diag);
	if (members_from(app, of, rel.sha256, &members, &n_members, &diag) != MEDFW_OK) {
		medfwd_respond_medfw_error(resp, MEDFW_ERR_IO, &diag);
		goto out;
	}
	if (n_members == 0) {
		medfwd_respond_error(resp, 422, "invalid", "target",
				     "no device of rollout %lld ran %s before it", (long long)of->id,
				     rel.name);
		goto out;
	}
	medfw_diag_clear(&diag);
	if (json_object_get(req->json, "waves") != NULL) {
		err = medfw_rollout_plan_from_json(json_object_get(req->json, "waves"), &plan, &diag);
		waves_text = err == MEDFW_OK ? NULL : NULL;
		if (err != MEDFW_OK) {
			medfwd_respond_error(resp, 400, "invalid", "waves", "%s", diag.msg);
			goto out;
		}
		{
			json_t *w = medfw_rollout_plan_to_json(&plan);

			waves_text = w != NULL ? dump(w, MEDFW_STORE_ROLLOUT_JSON_MAX) : NULL;
			json_decref(w);
		}
	} else {
		json_t *w = NULL;

		err = medfw_json_parse((const uint8_t *)of->waves, strlen(of->waves),
				       MEDFW_STORE_ROLLOUT_JSON_MAX, 4, &w, &diag);
		if (err == MEDFW_OK)
			err = medfw_rollout_plan_from_json(w, &plan, &diag);
		json_decref(w);
		waves_text = err == MEDFW_OK ? strdup(of->waves) : NULL;
	}
	if (waves_text == NULL) {
		medfwd_respond_error(resp, 500, "internal", NULL, "the waves cannot be stored");
		goto out;
	}
	r->site_id = of->site_id;
	if (name != NULL)
		snprintf(r->name, sizeof(r->name), "%s", name);
	else
		snprintf(r->name, sizeof(r->name), "Rollback of rollout %lld to %s", (long long)of->id,
			 rel.notice->product_version);
	r->kind = MEDFW_ROLLOUT_KIND_ROLLBACK;
	r->rollback_of = of->id;
	fill_release(r, &rel);
	snprintf(r->selector, sizeof(r->selector), "{\"devices_of_rollout\":%lld}",
		 (long long)of->id);
	snprintf(r->waves, sizeof(r->waves), "%s", waves_text);
	r->start_at = start_at;
	r->state = MEDFW_ROLLOUT_AWAITING_APPROVAL;
	r->current_wave = -1;
	r->created_by = who->user.id;
	medfw_diag_clear(&diag);
	pthread_mutex_lock(&app->rollouts->lock);
	err = medfw_store_rollout_create(app->store, r, &diag);
	if (err == MEDFW_OK) {
		/* Members now, in waves: a campaign takes exactly these devices back. */
		size_t k = 0;
		int64_t now = medfw_ctx_now(app->ctx);

		slots = calloc(n_members, sizeof(*slots));
		chunk = calloc(MEDFWD_ROLLOUT_PAGE, sizeof(*chunk));
		if (slots == NULL || chunk == NULL)
			err = medfw_diag_set(&diag, MEDFW_ERR_NOMEM, "out of memory");
		for (size_t i = 0; err == MEDFW_OK && i < n_members; i++) {
			slots[i].device_id = members[i].device_id;
			slots[i].index = i;
		}
		if (err == MEDFW_OK)
			medfw_rollout_split(&plan, r->id, slots, n_members, NULL);
		while (err == MEDFW_OK && k < n_members) {
			size_t c = 0;

			while (k < n_members && c < MEDFWD_ROLLOUT_PAGE) {
				struct medfw_store_rollout_device *m = &chunk[c++];
				const struct ranked_member *from = &members[slots[k].index];

				memset(m, 0, sizeof(*m));
				m->rollout_id = r->id;
				m->device_id = slots[k].device_id;
				m->wave = (int64_t)slots[k].wave;
				m->state = MEDFW_RD_PENDING;
				snprintf(m->from_version, sizeof(m->from_version), "%s",
					 from->firmware_version);
				snprintf(m->from_image_sha256, sizeof(m->from_image_sha256), "%s",
					 from->image_sha256);
				m->joined_at = now;
				m->updated_at = now;
				k++;
			}
			err = medfw_store_rollout_devices_join(app->store, r->id, chunk, c, NULL,
							       &diag);
		}
	}
	pthread_mutex_unlock(&app->rollouts->lock);
	if (err != MEDFW_OK) {
		medfwd_respond_medfw_error(resp, err, &diag);
		goto out;
	}
	respond_created(req, resp, r, "rollout.rollback_created",
			json_pack("{s:I, s:I}", "rollback_of", (json_int_t)of->id, "devices",
				  (json_int_t)n_members));
out:
	json_decref(j);
	medfw_notice_free(of_notice);
	medfw_notice_free(rel.notice);
	free(members);
	free(slots);
	free(chunk);
	free(waves_text);
	free(of);
	free(r);
}

const struct medfwd_route medfwd_routes_rollouts[] = {
	{"POST", "/api/v1/rollouts", rollouts_create, MEDFWD_AUTH_TOKEN, MEDFWD_BODY_JSON,
	 "rollouts.create"},
	{"POST", "/api/v1/rollouts/preview", rollouts_preview, MEDFWD_AUTH_TOKEN,
	 MEDFWD_BODY_JSON, "rollouts.preview"},
	{"GET", "/api/v1/rollouts", rollouts_list, MEDFWD_AUTH_TOKEN, MEDFWD_BODY_NONE,
	 "rollouts.list"},
	{"GET", "/api/v1/rollouts/{rollout}", rollout_get, MEDFWD_AUTH_TOKEN, MEDFWD_BODY_NONE,
	 "rollouts.get"},
	{"GET", "/api/v1/rollouts/{rollout}/devices", rollout_devices, MEDFWD_AUTH_TOKEN,
	 MEDFWD_BODY_NONE, "rollouts.devices"},
	{"POST", "/api/v1/rollouts/{rollout}/approve", rollout_approve, MEDFWD_AUTH_TOKEN,
	 MEDFWD_BODY_JSON, "rollouts.approve"},
	{"POST", "/api/v1/rollouts/{rollout}/pause", rollout_pause, MEDFWD_AUTH_TOKEN,
	 MEDFWD_BODY_JSON, "rollouts.pause"},
	{"POST", "/api/v1/rollouts/{rollout}/resume", rollout_resume, MEDFWD_AUTH_TOKEN,
	 MEDFWD_BODY_JSON, "rollouts.resume"},
	{"POST", "/api/v1/rollouts/{rollout}/cancel", rollout_cancel, MEDFWD_AUTH_TOKEN,
	 MEDFWD_BODY_JSON, "rollouts.cancel"},
	{"POST", "/api/v1/rollouts/{rollout}/rollback", rollout_rollback, MEDFWD_AUTH_TOKEN,
	 MEDFWD_BODY_JSON, "rollouts.rollback"},
	{0},
};
