/* The director (docs/director.md): the online director key and root, assignments
 * (which signed image a device installs, when) and the per-device director metadata
 * signed on request. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "medfw/director.h"
#include "medfw/json.h"
#include "medfw/notice.h"
#include "medfw/num.h"
#include "medfw/tuf.h"

struct medfwd_director {
	struct medfw_privkey *key;
	struct medfw_pubkey *pub;
	struct medfw_buf root; /* director-root.json, served as is */
};

/* ---- start-up ---- */

enum medfw_err medfwd_director_init(struct medfwd_app *app, const char *data_dir,
				    struct medfw_diag *diag)
{
	struct medfwd_director *d = calloc(1, sizeof(*d));
	char path[PATH_MAX], pub_path[PATH_MAX], root_path[PATH_MAX];
	struct medfw_buf pem;
	char *pub_text = NULL;
	enum medfw_err err;

	if (d == NULL)
		return MEDFW_ERR_NOMEM;
	app->director = d;
	medfw_buf_init(&d->root, MEDFW_TUF_ROOT_MAX_LEN);
	snprintf(path, sizeof(path), "%s/director-key.pem", data_dir);
	snprintf(pub_path, sizeof(pub_path), "%s/director-key.pub.json", data_dir);
	snprintf(root_path, sizeof(root_path), "%s/director-root.json", data_dir);
	err = medfw_file_read(path, MEDFW_PRIVKEY_PEM_MAX, &pem, NULL);
	if (err == MEDFW_OK) {
		err = medfw_privkey_load_pem(pem.data, pem.len, NULL, &d->key, diag);
		medfw_buf_free(&pem);
	} else if (err == MEDFW_ERR_NOT_FOUND) {
		/* First start: the online director key (data dir 0700, file 0600). */
		medfw_buf_init(&pem, MEDFW_PRIVKEY_PEM_MAX);
		err = medfw_privkey_generate(MEDFW_KEY_ED25519, &d->key, diag);
		if (err == MEDFW_OK)
			err = medfw_privkey_save_pem(d->key, NULL, &pem, diag);
		if (err == MEDFW_OK)
			err = medfw_file_write_new(path, pem.data, pem.len, 0600, diag);
		medfw_buf_free(&pem);
	}
	if (err == MEDFW_OK)
		err = medfw_privkey_public(d->key, &d->pub, diag);
	if (err == MEDFW_OK) {
		pub_text = json_dumps(medfw_pubkey_json(d->pub), JSON_INDENT(2) | JSON_SORT_KEYS);
		err = pub_text != NULL ? medfw_file_write_atomic(pub_path, pub_text, strlen(pub_text),
								  0644, diag)
				       : MEDFW_ERR_NOMEM;
	}
	free(pub_text);
	if (err != MEDFW_OK)
		return err;
	/* The director root: made once, then the same bytes forever (devices pin it). */
	err = medfw_file_read(root_path, MEDFW_TUF_ROOT_MAX_LEN, &d->root, NULL);
	if (err == MEDFW_ERR_NOT_FOUND) {
		medfw_buf_init(&d->root, MEDFW_TUF_ROOT_MAX_LEN);
		err = medfw_director_root_build(d->key, medfw_ctx_now(app->ctx), &d->root, diag);
		if (err == MEDFW_OK)
			err = medfw_file_write_new(root_path, d->root.data, d->root.len, 0644, diag);
	}
	return err;
}

void medfwd_director_free(struct medfwd_director *d)
{
	if (d == NULL)
		return;
	medfw_privkey_free(d->key);
	medfw_pubkey_free(d->pub);
	medfw_buf_free(&d->root);
	free(d);
}

/* ---- helpers ---- */

static int device_param(const struct medfwd_request *req, struct medfwd_response *resp,
			int64_t *out)
{
	uint64_t v = 0;

	if (medfw_parse_u64(medfwd_request_param(req, "device"), 1, INT64_MAX, &v) != MEDFW_OK) {
		medfwd_respond_error(resp, 404, "not_found", "device", "no such device");
		return 0;
	}
	*out = (int64_t)v;
	return 1;
}

static int load_device(const struct medfwd_request *req, struct medfwd_response *resp,
		       struct medfw_store_device *dev)
{
	struct medfwd_app *app = medfwd_app_of(req);
	struct medfw_diag diag;
	int64_t id = 0;
	enum medfw_err err;

	if (!device_param(req, resp, &id))
		return 0;
	medfw_diag_clear(&diag);
	err = medfw_store_device_get(app->store, medfwd_scope_of(medfwd_principal_of(req)), id, dev,
				     &diag);
	if (err != MEDFW_OK) {
		medfwd_respond_medfw_error(resp, err, &diag);
		return 0;
	}
	return 1;
}

static json_t *time_or_null(int64_t t)
{
	char s[MEDFW_UTC_TIME_LEN + 1];

	if (t == 0 || medfw_format_utc_time(t, s, sizeof(s)) != MEDFW_OK)
		return json_null();
	return json_string(s);
}

static json_t *assignment_json(const struct medfw_store_assignment *a, int64_t version)
{
	json_t *hashes = NULL;

	if (medfw_json_parse((const uint8_t *)a->target_hashes, strlen(a->target_hashes),
			     MEDFW_STORE_JSON_MAX, 4, &hashes, NULL) != MEDFW_OK)
		hashes = json_object();
	return json_pack("{s:I, s:s, s:I, s:o, s:o, s:o, s:I, s:o}", "device_id",
			 (json_int_t)a->device_id, "target", a->target_name, "length",
			 (json_int_t)a->target_length, "hashes", hashes, "window_start",
			 time_or_null(a->window_start), "window_end", time_or_null(a->window_end),
			 "director_version", (json_int_t)version, "assigned_at",
			 time_or_null(a->created_at));
}

static int body_time(const struct medfwd_request *req, struct medfwd_response *resp,
		     const char *field, int64_t *out)
{
	const char *s = NULL;

	if (!medfwd_body_string(req, resp, field, MEDFW_UTC_TIME_LEN, 1, &s))
		return 0;
	if (medfw_parse_utc_time(s, out) != MEDFW_OK) {
		medfwd_respond_error(resp, 400, "invalid", field,
				     "\"%s\" must be a UTC time YYYY-MM-DDTHH:MM:SSZ", field);
		return 0;
	}
	return 1;
}

/* ---- assignment ---- */

static void assignment_put(struct medfwd_request *req, struct medfwd_response *resp)
{
	static const char *const allowed[] = {"target", "window_start", "window_end", NULL};
	struct medfwd_app *app = medfwd_app_of(req);
	const struct medfwd_principal *who = medfwd_principal_of(req);
	struct medfw_store_device dev;
	struct medfw_store_assignment a;
	struct medfwd_served_target *lookup = NULL;
	const struct medfw_tuf_target *t = NULL;
	struct medfw_release_notice *notice = NULL;
	struct medfw_diag diag;
	const char *target = NULL;
	char *hashes = NULL;
	int64_t start = 0, end = 0, version = 0;
	enum medfw_err err;

	if (!medfwd_require(req, resp, MEDFWD_PERM_DIRECTOR_ASSIGN) ||
	    !medfwd_body_only(req, resp, allowed) ||
	    !medfwd_body_string(req, resp, "target", MEDFW_STORE_TARGET_NAME_MAX, 1, &target) ||
	    !body_time(req, resp, "window_start", &start) ||
	    !body_time(req, resp, "window_end", &end) || !load_device(req, resp, &dev))
		return;
	if (end <= start) {
		medfwd_respond_error(resp, 400, "invalid", "window_end",
				     "the install window must end after it starts");
		return;
	}
	if (end <= medfw_ctx_now(app->ctx)) {
		medfwd_respond_error(resp, 400, "invalid", "window_end",
				     "the install window is over already");
		return;
	}
	if (dev.hardware_id[0] == 0) {
		medfwd_respond_error(resp, 409, "conflict", "device",
				     "the device has no hardware id: set it first");
		return;
	}
	medfw_diag_clear(&diag);
	err = medfwd_repo_served_target(app, target, &lookup, &t, &diag);
	if (err == MEDFW_ERR_NOT_FOUND) {
		medfwd_respond_error(resp, 422, "unknown_target", "target",
				     "\"%.200s\" is not a signed target of the served repository: %s",
				     target, medfw_diag_message(&diag, err));
		return;
	}
	if (err != MEDFW_OK) {
		medfwd_respond_error(resp, 409, "conflict", "target",
				     "the served repository does not verify now: %s",
				     medfw_diag_message(&diag, err));
		return;
	}
	medfw_diag_clear(&diag);
	if (medfw_notice_from_target_custom(t->custom, &notice, &diag) != MEDFW_OK ||
	    !medfw_notice_applies_to_hardware(notice, dev.hardware_id)) {
		medfw_notice_free(notice);
		medfwd_served_target_free(lookup);
		medfwd_respond_error(resp, 422, "wrong_hardware", "target",
				     "the release notice of \"%.200s\" does not list hardware \"%s\"",
				     target, dev.hardware_id);
		return;
	}
	medfw_notice_free(notice);
	memset(&a, 0, sizeof(a));
	a.device_id = dev.id;
	snprintf(a.target_name, sizeof(a.target_name), "%s", t->path);
	a.target_length = t->length;
	hashes = json_dumps(t->hashes, JSON_COMPACT | JSON_SORT_KEYS);
	medfwd_served_target_free(lookup);
	if (hashes == NULL || strlen(hashes) > MEDFW_STORE_JSON_MAX) {
		free(hashes);
		medfwd_respond_error(resp, 422, "invalid", "target", "the target's hashes are too large");
		return;
	}
	snprintf(a.target_hashes, sizeof(a.target_hashes), "%s", hashes);
	free(hashes);
	a.window_start = start;
	a.window_end = end;
	a.created_by = who != NULL ? who->user.id : 0;
	err = medfw_store_assignment_set(app->store, medfwd_scope_of(who), &a, &version, &diag);
	if (err != MEDFW_OK) {
		medfwd_respond_medfw_error(resp, err, &diag);
		return;
	}
	(void)medfwd_audit(app, req, medfwd_actor_of(who), dev.site_id, "director.assign",
			   json_pack("{s:I, s:s, s:I, s:I, s:I}", "device_id", (json_int_t)dev.id,
				     "target", a.target_name, "window_start", (json_int_t)start,
				     "window_end", (json_int_t)end, "director_version",
				     (json_int_t)version));
	medfwd_respond_json(resp, 200, assignment_json(&a, version));
}

static void assignment_get(struct medfwd_request *req, struct medfwd_response *resp)
{
	struct medfwd_app *app = medfwd_app_of(req);
	struct medfw_store_device dev;
	struct medfw_store_assignment a;
	struct medfw_diag diag;
	int64_t version = 0;
	enum medfw_err err;

	if (!medfwd_require(req, resp, MEDFWD_PERM_DEVICES_READ) || !load_device(req, resp, &dev))
		return;
	medfw_diag_clear(&diag);
	err = medfw_store_assignment_get(app->store, medfwd_scope_of(medfwd_principal_of(req)),
					 dev.id, &a, &diag);
	if (err == MEDFW_OK)
		err = medfw_store_director_version(app->store, dev.id, &version, &diag);
	if (err != MEDFW_OK) {
		medfwd_respond_medfw_error(resp, err, &diag);
		return;
	}
	medfwd_respond_json(resp, 200, assignment_json(&a, version));
}

static void assignment_delete(struct medfwd_request *req, struct medfwd_response *resp)
{
	struct medfwd_app *app = medfwd_app_of(req);
	const struct medfwd_principal *who = medfwd_principal_of(req);
	struct medfw_store_device dev;
	struct medfw_diag diag;
	int64_t version = 0;
	enum medfw_err err;

	if (!medfwd_require(req, resp, MEDFWD_PERM_DIRECTOR_ASSIGN) || !load_device(req, resp, &dev))
		return;
	medfw_diag_clear(&diag);
	err = medfw_store_assignment_clear(app->store, medfwd_scope_of(who), dev.id, &version,
					   &diag);
	if (err != MEDFW_OK) {
		medfwd_respond_medfw_error(resp, err, &diag);
		return;
	}
	(void)medfwd_audit(app, req, medfwd_actor_of(who), dev.site_id, "director.clear",
			   json_pack("{s:I, s:I}", "device_id", (json_int_t)dev.id,
				     "director_version", (json_int_t)version));
	medfwd_respond_json(resp, 200, json_pack("{s:I, s:I}", "device_id", (json_int_t)dev.id,
						 "director_version", (json_int_t)version));
}

/* ---- director metadata ---- */

/* "root.json" -> root etc.; -1 when not a role. */
static int role_of(const char *file)
{
	static const char *const names[] = {"root.json", "timestamp.json", "snapshot.json",
					    "targets.json"};

	for (int i = 0; file != NULL && i < 4; i++)
		if (strcmp(file, names[i]) == 0)
			return i;
	return -1;
}

/* Sign and send one role of a device's director metadata. */
static void send_director_role(struct medfwd_request *req, struct medfwd_response *resp,
			       const struct medfw_store_device *dev, const char *file)
{
	struct medfwd_app *app = medfwd_app_of(req);
	struct medfw_director_assignment da;
	struct medfw_director_metadata md;
	struct medfw_store_assignment a;
	struct medfw_diag diag;
	json_t *hashes = NULL;
	const struct medfw_buf *out = NULL;
	int role = role_of(file);
	enum medfw_err err;

	if (role < 0) {
		medfwd_respond_error(resp, 404, "not_found", "role",
				     "no such director metadata (root.json, timestamp.json, "
				     "snapshot.json, targets.json)");
		return;
	}
	if (role == MEDFW_TUF_ROOT) {
		medfwd_respond_bytes(resp, 200, "application/json", app->director->root.data,
				     app->director->root.len);
		return;
	}
	medfw_diag_clear(&diag);
	memset(&da, 0, sizeof(da));
	da.device_id = dev->id;
	da.hardware_id = dev->hardware_id[0] != 0 ? dev->hardware_id : "unknown";
	err = medfw_store_director_version(app->store, dev->id, &da.version, &diag);
	if (err == MEDFW_OK) {
		err = medfw_store_assignment_get(app->store, medfw_store_scope_all(), dev->id, &a,
						 &diag);
		if (err == MEDFW_OK) {
			err = medfw_json_parse((const uint8_t *)a.target_hashes,
					       strlen(a.target_hashes), MEDFW_STORE_JSON_MAX, 4,
					       &hashes, &diag);
			da.target_name = a.target_name;
			da.target_length = a.target_length;
			da.target_hashes = hashes;
			da.window_start = a.window_start;
			da.window_end = a.window_end;
		} else if (err == MEDFW_ERR_NOT_FOUND) {
			err = MEDFW_OK; /* nothing to install: an empty, signed targets */
			medfw_diag_clear(&diag);
		}
	}
	if (err == MEDFW_OK)
		err = medfw_director_metadata_build(app->director->key, &da, medfw_ctx_now(app->ctx),
						    &md, &diag);
	json_decref(hashes);
	if (err != MEDFW_OK) {
		medfwd_respond_medfw_error(resp, err, &diag);
		return;
	}
	out = role == MEDFW_TUF_TIMESTAMP ? &md.timestamp
	      : role == MEDFW_TUF_SNAPSHOT ? &md.snapshot
					   : &md.targets;
	medfwd_respond_bytes(resp, 200, "application/json", out->data, out->len);
	medfw_director_metadata_free(&md);
}

/* People and tools: the same signed documents a device gets (debugging, provisioning). */
static void director_meta_people(struct medfwd_request *req, struct medfwd_response *resp)
{
	struct medfw_store_device dev;

	if (!medfwd_require(req, resp, MEDFWD_PERM_DEVICES_READ) || !load_device(req, resp, &dev))
		return;
	send_director_role(req, resp, &dev, medfwd_request_param(req, "role"));
}

static void director_root(struct medfwd_request *req, struct medfwd_response *resp)
{
	struct medfwd_app *app = medfwd_app_of(req);

	if (!medfwd_require(req, resp, MEDFWD_PERM_DEVICES_READ))
		return;
	medfwd_respond_bytes(resp, 200, "application/json", app->director->root.data,
			     app->director->root.len);
}

/* The requesting device's id, from its verified signature (devices_auth.c). */
static int64_t device_principal_id(const struct medfwd_request *req)
{
	const struct medfwd_principal *p = medfwd_principal_of(req);

	return p != NULL && p->kind == MEDFWD_PRINCIPAL_DEVICE ? p->device.id : 0;
}

static void director_meta_device(struct medfwd_request *req, struct medfwd_response *resp)
{
	struct medfwd_app *app = medfwd_app_of(req);
	struct medfw_store_device dev;
	struct medfw_diag diag;
	int64_t id = device_principal_id(req);

	medfw_diag_clear(&diag);
	if (id <= 0 || medfw_store_device_get(app->store, medfw_store_scope_all(), id, &dev,
					      &diag) != MEDFW_OK) {
		medfwd_respond_error(resp, 401, "unauthenticated", NULL, "not a known device");
		return;
	}
	send_director_role(req, resp, &dev, medfwd_request_param(req, "role"));
}

const struct medfwd_route medfwd_routes_director[] = {
	{"GET", "/api/v1/director/root.json", director_root, MEDFWD_AUTH_TOKEN, MEDFWD_BODY_NONE,
	 "director.root"},
	{"PUT", "/api/v1/devices/{device}/assignment", assignment_put, MEDFWD_AUTH_TOKEN,
	 MEDFWD_BODY_JSON, "director.assignment.set"},
	{"GET", "/api/v1/devices/{device}/assignment", assignment_get, MEDFWD_AUTH_TOKEN,
	 MEDFWD_BODY_NONE, "director.assignment.get"},
	{"DELETE", "/api/v1/devices/{device}/assignment", assignment_delete, MEDFWD_AUTH_TOKEN,
	 MEDFWD_BODY_NONE, "director.assignment.clear"},
	{"GET", "/api/v1/devices/{device}/director/{role}", director_meta_people, MEDFWD_AUTH_TOKEN,
	 MEDFWD_BODY_NONE, "director.metadata.people"},
	{"GET", "/device/v1/director/{role}", director_meta_device, MEDFWD_AUTH_DEVICE,
	 MEDFWD_BODY_NONE, "director.metadata.device"},
	{0},
};
