/* Devices for people (/api/v1/devices): the inventory (list, get, create, edit),
 * enrolment tokens and revocation; the route table of every device route.
 * Import, export and the firmware report are in devices_io.c, the device side
 * (/device/v1) in devices_agent.c, the signature check in devices_auth.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "devices.h"
#include "medfw/num.h"
#include "medfw/udi.h"
#include "vulns.h"

#define LIST_LIMIT_DEFAULT 50
#define LIST_LIMIT_MAX 500

/* ---- the record ---- */

static json_t *str_or_null(const char *s)
{
	return s[0] != '\0' ? json_string(s) : json_null();
}

/* The canonical tag text "a,b" as ["a", "b"]. */
static json_t *tags_json(const char *tags)
{
	json_t *arr = json_array();

	while (arr != NULL && *tags != '\0') {
		const char *comma = strchr(tags, ',');
		size_t n = comma != NULL ? (size_t)(comma - tags) : strlen(tags);

		if (json_array_append_new(arr, json_stringn(tags, n)) != 0) {
			json_decref(arr);
			return NULL;
		}
		tags += n + (comma != NULL);
	}
	return arr;
}

json_t *medfwd_device_json(const struct medfw_store_device *d)
{
	char keyid[32];
	json_t *rec;

	snprintf(keyid, sizeof(keyid), "device:%lld", (long long)d->id);
	rec = json_pack(
		"{s:I, s:I, s:o, s:o, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:s, s:s, s:s, s:o,"
		" s:s, s:o, s:s, s:s, s:o, s:I}",
		"id", (json_int_t)d->id, "site_id", (json_int_t)d->site_id, "udi_di",
		str_or_null(d->udi_di), "udi_pi", str_or_null(d->udi_pi), "serial", d->serial,
		"model", d->model, "hardware_id", d->hardware_id, "department", d->department,
		"location", d->location, "network_zone", d->network_zone, "vlan",
		d->vlan != 0 ? json_integer(d->vlan) : json_null(), "ip", d->ip, "mac", d->mac,
		"firmware_version", d->firmware_version, "image_sha256", d->image_sha256,
		"image_is_signed_release",
		d->image_is_signed_release == MEDFW_TRI_UNKNOWN ? json_null()
							       : json_boolean(d->image_is_signed_release ==
									      MEDFW_TRI_YES),
		"agent_version", d->agent_version, "last_seen",
		d->last_seen != 0 ? json_integer(d->last_seen) : json_null(), "clinical_state",
		medfw_store_clinical_state_name(d->clinical_state), "enrolment_state",
		medfw_store_enrolment_state_name(d->enrolment_state), "keyid",
		d->has_public_key ? json_string(keyid) : json_null(), "created_at",
		(json_int_t)d->created_at);
	/* the newest update event the device reported (devices_events.c) */
	if (rec != NULL &&
	    (json_object_set_new(rec, "update_state",
				 d->update_state != MEDFW_UPDATE_NONE
					 ? json_string(medfw_store_update_event_name(d->update_state))
					 : json_null()) != 0 ||
	     json_object_set_new(rec, "update_target", str_or_null(d->update_target)) != 0 ||
	     json_object_set_new(rec, "update_version", str_or_null(d->update_version)) != 0 ||
	     json_object_set_new(rec, "update_reason", str_or_null(d->update_reason)) != 0 ||
	     json_object_set_new(rec, "update_at", d->update_at != 0 ? json_integer(d->update_at)
								      : json_null()) != 0 ||
	     json_object_set_new(rec, "tags", tags_json(d->tags)) != 0)) {
		json_decref(rec);
		return NULL;
	}
	return rec;
}

unsigned medfwd_current_year(struct medfwd_app *app)
{
	time_t now = (time_t)medfw_ctx_now(app->ctx);
	struct tm tm;

	if (gmtime_r(&now, &tm) == NULL)
		return 2025;
	return (unsigned)tm.tm_year + 1900u;
}

const char *const medfwd_device_fields[] = {
	"udi", "serial", "model", "hardware_id", "department", "location", "network_zone",
	"vlan", "ip", "mac", "firmware_version", "tags", NULL,
};

static int clean_text(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p != 0; p++)
		if (*p < 0x20 || *p == 0x7f)
			return 0;
	return 1;
}

/* The production identifier as stored: "lot=...;serial=...;expiry=YYYY-MM-DD;..." */
static void udi_pi_text(const struct medfw_udi *u, char *out, size_t cap)
{
	size_t n = 0;

	out[0] = '\0';
#define ADD(...)                                                                           \
	do {                                                                               \
		int w_ = snprintf(out + n, cap - n, __VA_ARGS__);                          \
		if (w_ > 0 && (size_t)w_ < cap - n)                                        \
			n += (size_t)w_;                                                   \
	} while (0)
	if (u->has_lot)
		ADD("%slot=%s", n ? ";" : "", u->lot);
	if (u->has_serial)
		ADD("%sserial=%s", n ? ";" : "", u->serial);
	if (u->has_expiry)
		ADD("%sexpiry=%04u-%02u-%02u", n ? ";" : "", u->expiry.year, u->expiry.month,
		    u->expiry.day);
	if (u->has_manufacture)
		ADD("%smanufactured=%04u-%02u-%02u", n ? ";" : "", u->manufacture.year,
		    u->manufacture.month, u->manufacture.day);
	if (u->has_software_version)
		ADD("%ssoftware=%s", n ? ";" : "", u->software_version);
#undef ADD
}

#define TEXT_FIELD(name, member, max)                                                     \
	if (strcmp(field, name) == 0) {                                                    \
		if (strlen(value) > (max) || !clean_text(value)) {                         \
			snprintf(msg, msg_cap, "%s must be at most %d characters without " \
				 "control characters", name, (int)(max));                 \
			return 0;                                                          \
		}                                                                          \
		snprintf(d->member, sizeof(d->member), "%s", value);                       \
		return 1;                                                                  \
	}

/* Tags from CSV text "a; b;c" (";"-separated, spaces around each ignored; "": none). */
static int set_tags_text(struct medfw_store_device *d, const char *value, char *msg,
			 size_t msg_cap)
{
	char copy[MEDFW_STORE_TAGS_MAX + 2 * MEDFW_STORE_TAGS_COUNT_MAX + 1];
	const char *tags[MEDFW_STORE_TAGS_COUNT_MAX + 1]; /* one more: "too many" */
	size_t n = 0, len = strlen(value);
	char *p = copy;
	struct medfw_diag dg;

	if (len >= sizeof(copy)) {
		snprintf(msg, msg_cap, "tags are longer than %d characters together",
			 MEDFW_STORE_TAGS_MAX);
		return 0;
	}
	memcpy(copy, value, len + 1);
	while (*p == ' ')
		p++;
	while (*p != '\0') { /* "" or only spaces: no tags */
		char *semi = strchr(p, ';');
		char *end = semi != NULL ? semi : p + strlen(p);

		while (*p == ' ')
			p++;
		while (end > p && end[-1] == ' ')
			end--;
		*end = '\0';
		tags[n++] = p; /* "a;;b", "a;": an empty tag, refused below */
		if (semi == NULL || n == MEDFW_STORE_TAGS_COUNT_MAX + 1)
			break;
		p = semi + 1;
		if (*p == '\0') /* "a;": the empty last tag */
			tags[n++] = p;
	}
	medfw_diag_clear(&dg);
	if (medfw_store_tags_canonical(tags, n, d->tags, &dg) != MEDFW_OK) {
		snprintf(msg, msg_cap, "%s", dg.msg);
		return 0;
	}
	return 1;
}

int medfwd_device_set_field(struct medfw_store_device *d, const char *field, const char *value,
			    unsigned year, char *msg, size_t msg_cap)
{
	if (strcmp(field, "udi") == 0) {
		struct medfw_udi u;
		struct medfw_diag dg;

		if (value[0] == '\0') {
			d->udi_di[0] = d->udi_pi[0] = '\0';
			return 1;
		}
		medfw_diag_clear(&dg);
		if (medfw_udi_parse(value, strlen(value), year, &u, &dg) != MEDFW_OK) {
			snprintf(msg, msg_cap, "not a valid UDI: %s", dg.msg);
			return 0;
		}
		snprintf(d->udi_di, sizeof(d->udi_di), "%s", u.di);
		udi_pi_text(&u, d->udi_pi, sizeof(d->udi_pi));
		if (u.has_serial && d->serial[0] == '\0')
			snprintf(d->serial, sizeof(d->serial), "%s", u.serial);
		return 1;
	}
	if (strcmp(field, "serial") == 0 && value[0] == '\0') {
		snprintf(msg, msg_cap, "serial is required");
		return 0;
	}
	TEXT_FIELD("serial", serial, MEDFW_STORE_SHORT_MAX)
	TEXT_FIELD("model", model, MEDFW_STORE_NAME_MAX)
	TEXT_FIELD("hardware_id", hardware_id, MEDFW_STORE_NAME_MAX)
	TEXT_FIELD("department", department, MEDFW_STORE_NAME_MAX)
	TEXT_FIELD("location", location, MEDFW_STORE_NAME_MAX)
	TEXT_FIELD("network_zone", network_zone, MEDFW_STORE_SHORT_MAX)
	TEXT_FIELD("ip", ip, MEDFW_STORE_SHORT_MAX)
	TEXT_FIELD("mac", mac, MEDFW_STORE_SHORT_MAX)
	TEXT_FIELD("firmware_version", firmware_version, MEDFW_STORE_SHORT_MAX)
	if (strcmp(field, "tags") == 0)
		return set_tags_text(d, value, msg, msg_cap);
	if (strcmp(field, "vlan") == 0) {
		uint64_t v = 0;

		if (value[0] == '\0') {
			d->vlan = 0;
			return 1;
		}
		if (medfw_parse_u64(value, 1, 4094, &v) != MEDFW_OK) {
			snprintf(msg, msg_cap, "vlan must be a number from 1 to 4094");
			return 0;
		}
		d->vlan = (int64_t)v;
		return 1;
	}
	snprintf(msg, msg_cap, "unknown field");
	return 0;
}

/* "tags": an array of strings (or null: none), validated and made canonical. */
static int apply_tags(const json_t *v, struct medfwd_response *resp, struct medfw_store_device *d)
{
	const char *tags[MEDFW_STORE_TAGS_COUNT_MAX];
	size_t n;
	struct medfw_diag dg;
	enum medfw_err err;

	if (json_is_null(v)) {
		d->tags[0] = '\0';
		return 1;
	}
	if (!json_is_array(v)) {
		medfwd_respond_error(resp, 400, "invalid", "tags",
				     "\"tags\" must be an array of strings or null");
		return 0;
	}
	n = json_array_size(v);
	if (n > MEDFW_STORE_TAGS_COUNT_MAX) {
		medfwd_respond_error(resp, 400, "too_large", "tags", "more than %d tags",
				     MEDFW_STORE_TAGS_COUNT_MAX);
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		const json_t *t = json_array_get(v, i);

		if (!json_is_string(t) || strlen(json_string_value(t)) != json_string_length(t)) {
			medfwd_respond_error(resp, 400, "invalid", "tags",
					     "tags[%zu] must be a string", i);
			return 0;
		}
		tags[i] = json_string_value(t);
	}
	medfw_diag_clear(&dg);
	err = medfw_store_tags_canonical(tags, n, d->tags, &dg);
	if (err != MEDFW_OK) {
		medfwd_respond_error(resp, 400, err == MEDFW_ERR_TOO_LARGE ? "too_large" : "invalid",
				     "tags", "%s", medfw_diag_message(&dg, err));
		return 0;
	}
	return 1;
}

/* Apply the editable fields present in the JSON body; sets a 400 naming the field. */
static int apply_json(struct medfwd_app *app, const struct medfwd_request *req,
		      struct medfwd_response *resp, struct medfw_store_device *d)
{
	unsigned year = medfwd_current_year(app);
	char msg[256];

	/* serial first is not needed: a UDI only fills an empty serial, so apply the
	 * explicit serial before the UDI */
	static const char *const order[] = {"serial", "udi", "model", "hardware_id",
					    "department", "location", "network_zone", "vlan",
					    "ip", "mac", "firmware_version", "tags", NULL};
	for (const char *const *f = order; *f != NULL; f++) {
		json_t *v = json_object_get(req->json, *f);
		char num[32];
		const char *text;

		if (v == NULL)
			continue;
		if (strcmp(*f, "tags") == 0) {
			if (!apply_tags(v, resp, d))
				return 0;
			continue;
		}
		if (json_is_null(v))
			text = "";
		else if (strcmp(*f, "vlan") == 0 && json_is_integer(v)) {
			snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
			text = num;
		} else if (json_is_string(v) && strcmp(*f, "vlan") != 0)
			text = json_string_value(v);
		else {
			medfwd_respond_error(resp, 400, "invalid", *f, "\"%s\" must be a %s or null",
					     *f, strcmp(*f, "vlan") == 0 ? "number" : "string");
			return 0;
		}
		if (!medfwd_device_set_field(d, *f, text, year, msg, sizeof(msg))) {
			medfwd_respond_error(resp, 400, "invalid", *f, "%s", msg);
			return 0;
		}
	}
	return 1;
}

/* Store errors of a create/update: a duplicate names the field it is about. */
static void respond_store_error(struct medfwd_response *resp, enum medfw_err err,
				const struct medfw_diag *d)
{
	const char *msg = medfw_diag_message(d, err);

	if (err == MEDFW_ERR_EXISTS)
		medfwd_respond_error(resp, 409, "conflict",
				     strstr(msg, "udi") != NULL ? "udi" : "serial", "%s", msg);
	else
		medfwd_respond_medfw_error(resp, err, d);
}

int medfwd_device_id_of(const struct medfwd_request *req, struct medfwd_response *resp,
			int64_t *out)
{
	uint64_t id = 0;

	if (medfw_parse_u64(medfwd_request_param(req, "device"), 1, INT64_MAX, &id) != MEDFW_OK) {
		medfwd_respond_error(resp, 404, "not_found", "device", "no such device");
		return 0;
	}
	*out = (int64_t)id;
	return 1;
}

/* The device of the path, in the caller's scope (another site's: 404). */
static int load_device(const struct medfwd_request *req, struct medfwd_response *resp,
		       struct medfw_store_device *out)
{
	struct medfwd_app *app = medfwd_app_of(req);
	int64_t id = 0;
	struct medfw_diag d;
	enum medfw_err err;

	if (!medfwd_device_id_of(req, resp, &id))
		return 0;
	medfw_diag_clear(&d);
	err = medfw_store_device_get(app->store, medfwd_scope_of(medfwd_principal_of(req)), id, out,
				     &d);
	if (err == MEDFW_ERR_NOT_FOUND) {
		medfwd_respond_error(resp, 404, "not_found", "device", "no such device");
		return 0;
	}
	if (err != MEDFW_OK) {
		medfwd_respond_medfw_error(resp, err, &d);
		return 0;
	}
	return 1;
}

/* ---- list ---- */

static const char *const sort_names[] = {"id", "serial", "model", "firmware_version",
					 "last_seen", "location", NULL};

int medfwd_device_filter_of(const struct medfwd_request *req, struct medfwd_response *resp,
			    struct medfw_store_device_filter *f)
{
	const struct medfwd_principal *p = medfwd_principal_of(req);
	const char *site = medfwd_request_query(req, "site");
	const char *model = medfwd_request_query(req, "model");
	const char *fw = medfwd_request_query(req, "firmware_version");
	const char *state = medfwd_request_query(req, "enrolment_state");
	const char *sgn = medfwd_request_query(req, "signed");
	const char *q = medfwd_request_query(req, "q");
	const char *tag = medfwd_request_query(req, "tag");
	const char *sort = medfwd_request_query(req, "sort");
	const char *order = medfwd_request_query(req, "order");
	uint64_t site_id = 0;

	memset(f, 0, sizeof(*f));
	if (site != NULL && medfw_parse_u64(site, 1, INT64_MAX, &site_id) != MEDFW_OK) {
		medfwd_respond_error(resp, 400, "invalid", "site", "site must be a site id");
		return 0;
	}
	/* site staff asking for another site: nothing (as if it did not exist) */
	f->site_id = (int64_t)site_id;
	(void)p;
#define COPY(src, dst, name)                                                               \
	if ((src) != NULL) {                                                               \
		if (strlen(src) >= sizeof(dst)) {                                          \
			medfwd_respond_error(resp, 400, "invalid", name, "%s is too long", name); \
			return 0;                                                          \
		}                                                                          \
		snprintf(dst, sizeof(dst), "%s", src);                                     \
	}
	COPY(model, f->model, "model")
	COPY(fw, f->firmware_version, "firmware_version")
	COPY(q, f->search, "q")
#undef COPY
	/* a scanned UDI (GS1 "(01)...(21)..." or HIBCC "+..."): that device model (the DI)
	 * and, when the UDI has one, that serial, exactly -- not a substring search */
	if (q != NULL && (q[0] == '(' || q[0] == '+' || (q[0] == '0' && q[1] == '1'))) {
		struct medfw_udi u;
		struct medfw_diag dg;

		medfw_diag_clear(&dg);
		if (medfw_udi_parse(q, strlen(q), medfwd_current_year(medfwd_app_of(req)), &u,
				    &dg) == MEDFW_OK &&
		    strlen(u.di) < sizeof(f->udi_di) && strlen(u.serial) < sizeof(f->serial)) {
			snprintf(f->udi_di, sizeof(f->udi_di), "%s", u.di);
			if (u.has_serial)
				snprintf(f->serial, sizeof(f->serial), "%s", u.serial);
			f->search[0] = '\0';
		}
	}
	if (tag != NULL) {
		if (!medfw_store_tag_valid(tag)) {
			medfwd_respond_error(resp, 400, "invalid", "tag",
					     "tag must be 1 to %d characters of A-Z a-z 0-9 . _ : -",
					     MEDFW_STORE_TAG_MAX);
			return 0;
		}
		snprintf(f->tag, sizeof(f->tag), "%s", tag);
	}
	if (state != NULL && medfw_store_enrolment_state_parse(state, &f->enrolment_state) != MEDFW_OK) {
		medfwd_respond_error(resp, 400, "invalid", "enrolment_state",
				     "enrolment_state must be pending, enrolled or revoked");
		return 0;
	}
	if (sgn != NULL) {
		if (strcmp(sgn, "yes") == 0)
			f->signed_release = MEDFW_SIGNED_YES;
		else if (strcmp(sgn, "no") == 0)
			f->signed_release = MEDFW_SIGNED_NO;
		else if (strcmp(sgn, "unknown") == 0)
			f->signed_release = MEDFW_SIGNED_UNKNOWN;
		else {
			medfwd_respond_error(resp, 400, "invalid", "signed",
					     "signed must be yes, no or unknown");
			return 0;
		}
	}
	if (sort != NULL) {
		size_t i = 0;

		while (sort_names[i] != NULL && strcmp(sort_names[i], sort) != 0)
			i++;
		if (sort_names[i] == NULL) {
			medfwd_respond_error(resp, 400, "invalid", "sort",
					     "sort must be one of id, serial, model, "
					     "firmware_version, last_seen, location");
			return 0;
		}
		f->sort = (enum medfw_store_device_sort)i;
	}
	if (order != NULL && strcmp(order, "asc") != 0 && strcmp(order, "desc") != 0) {
		medfwd_respond_error(resp, 400, "invalid", "order", "order must be asc or desc");
		return 0;
	}
	f->descending = order != NULL && strcmp(order, "desc") == 0;
	return 1;
}

static void devices_list(struct medfwd_request *req, struct medfwd_response *resp)
{
	struct medfwd_app *app = medfwd_app_of(req);
	struct medfw_store_device_filter f;
	struct medfw_store_device *page = NULL;
	uint64_t limit = 0, offset = 0;
	int64_t total = 0;
	size_t n = 0;
	json_t *items;
	struct medfw_diag d;
	enum medfw_err err;

	if (!medfwd_require(req, resp, MEDFWD_PERM_DEVICES_READ) ||
	    !medfwd_device_filter_of(req, resp, &f) ||
	    !medfwd_query_page(req, resp, LIST_LIMIT_MAX, LIST_LIMIT_DEFAULT, &limit, &offset))
		return;
	page = calloc((size_t)limit, sizeof(*page));
	if (page == NULL) {
		medfwd_respond_error(resp, 500, "internal", NULL, "out of memory");
		return;
	}
	medfw_diag_clear(&d);
	err = medfw_store_device_list(app->store, medfwd_scope_of(medfwd_principal_of(req)), &f,
				      (int64_t)offset, page, (size_t)limit, &n, &total, &d);
	if (err != MEDFW_OK) {
		free(page);
		medfwd_respond_medfw_error(resp, err, &d);
		return;
	}
	items = json_array();
	for (size_t i = 0; items != NULL && i < n; i++)
		json_array_append_new(items, medfwd_device_json(&page[i]));
	free(page);
	medfwd_respond_json(resp, 200, medfwd_page_json("devices", items, total, limit, offset, n));
}

static void devices_get(struct medfwd_request *req, struct medfwd_response *resp)
{
	struct medfw_store_device dev;

	if (!medfwd_require(req, resp, MEDFWD_PERM_DEVICES_READ) || !load_device(req, resp, &dev))
		return;
	medfwd_respond_json(resp, 200, medfwd_device_json(&dev));
}

/* ---- create, edit ---- */

static const char *const editable_json[] = {"udi", "serial", "model", "hardware_id",
					    "department", "location", "network_zone", "vlan",
					    "ip", "mac", "firmware_version", "tags", "site_id",
					    NULL};

static void devices_create(struct medfwd_request *req, struct medfwd_response *resp)
{
	struct medfwd_app *app = medfwd_app_of(req);
	const struct medfwd_principal *p = medfwd_principal_of(req);
	struct medfw_store_device dev;
	int64_t site_id = 0;
	struct medfw_diag d;
	enum medfw_err err;

	if (!medfwd_require(req, resp, MEDFWD_PERM_DEVICES_WRITE) ||
	    !medfwd_body_only(req, resp, editable_json) ||
	    !medfwd_body_int(req, resp, "site_id", 1, INT64_MAX, p->user.site_id == 0, &site_id))
		return;
	if (site_id == 0)
		site_id = p->user.site_id;
	if (!medfwd_may_access_site(p, site_id)) {
		medfwd_respond_error(resp, 403, "forbidden", "site_id",
				     "you may add devices to your own site only");
		return;
	}
	if (json_object_get(req->json, "serial") == NULL && json_object_get(req->json, "udi") == NULL) {
		medfwd_respond_error(resp, 400, "missing_field", "serial",
				     "missing field \"serial\" (or a UDI with a serial)");
		return;
	}
	memset(&dev, 0, sizeof(dev));
	dev.site_id = site_id;
	dev.image_is_signed_release = MEDFW_TRI_UNKNOWN;
	if (!apply_json(app, req, resp, &dev))
		return;
	if (dev.serial[0] == '\0') {
		medfwd_respond_error(resp, 400, "missing_field", "serial",
				     "missing field \"serial\" (the UDI has no serial)");
		return;
	}
	medfw_diag_clear(&d);
	err = medfw_store_device_create(app->store, &dev, &d);
	if (err == MEDFW_ERR_NOT_FOUND) {
		medfwd_respond_error(resp, 400, "invalid", "site_id", "no such site");
		return;
	}
	if (err != MEDFW_OK) {
		respond_store_error(resp, err, &d);
		return;
	}
	(void)medfwd_audit(app, req, medfwd_actor_of(p), dev.site_id, "device.created",
			   json_pack("{s:I, s:s, s:s, s:s}", "device_id", (json_int_t)dev.id,
				     "serial", dev.serial, "model", dev.model, "udi_di", dev.udi_di));
	medfwd_respond_json(resp, 201, medfwd_device_json(&dev));
}

static void devices_patch(struct medfwd_request *req, struct medfwd_response *resp)
{
	static const char *const allowed[] = {"udi", "serial", "model", "hardware_id",
					      "department", "location", "network_zone", "vlan",
					      "ip", "mac", "firmware_version", "tags", NULL};
	struct medfwd_app *app = medfwd_app_of(req);
	const struct medfwd_principal *p = medfwd_principal_of(req);
	struct medfw_store_device dev;
	json_t *changed;
	const char *key;
	json_t *v;
	struct medfw_diag d;
	enum medfw_err err;

	if (!medfwd_require(req, resp, MEDFWD_PERM_DEVICES_WRITE) || !load_device(req, resp, &dev) ||
	    !medfwd_body_only(req, resp, allowed) || !apply_json(app, req, resp, &dev))
		return;
	medfw_diag_clear(&d);
	err = medfw_store_device_update(app->store, medfwd_scope_of(p), &dev, &d);
	if (err != MEDFW_OK) {
		respond_store_error(resp, err, &d);
		return;
	}
	changed = json_array();
	json_object_foreach(req->json, key, v)
		json_array_append_new(changed, json_string(key));
	(void)medfwd_audit(app, req, medfwd_actor_of(p), dev.site_id, "device.updated",
			   json_pack("{s:I, s:o}", "device_id", (json_int_t)dev.id, "fields",
				     changed));
	medfwd_vulns_fleet_changed(app); /* the site's exposures follow */
	medfwd_respond_json(resp, 200, medfwd_device_json(&dev));
}

/* ---- enrolment tokens, revocation ---- */

static void devices_enrolment_token(struct medfwd_request *req, struct medfwd_response *resp)
{
	static const char *const allowed[] = {"expires_in", NULL};
	struct medfwd_app *app = medfwd_app_of(req);
	const struct medfwd_principal *p = medfwd_principal_of(req);
	struct medfw_store_device dev;
	uint8_t hash[MEDFW_STORE_HASH_LEN];
	char token[MEDFW_TOKEN_BUF];
	int64_t ttl = MEDFWD_ENROLMENT_TOKEN_TTL, expires_at;
	struct medfw_diag d;
	enum medfw_err err;

	if (!medfwd_require(req, resp, MEDFWD_PERM_DEVICES_ENROL) || !load_device(req, resp, &dev) ||
	    !medfwd_body_only(req, resp, allowed) ||
	    !medfwd_body_int(req, resp, "expires_in", 1, MEDFWD_ENROLMENT_TOKEN_TTL_MAX, 0, &ttl))
		return;
	if (medfw_token_generate(MEDFW_TOKEN_ENROLMENT, token, sizeof(token)) != MEDFW_OK ||
	    medfw_token_hash(token, hash, sizeof(hash)) != MEDFW_OK) {
		medfwd_respond_error(resp, 500, "internal", NULL, "cannot make a token");
		return;
	}
	expires_at = medfw_ctx_now(app->ctx) + ttl;
	medfw_diag_clear(&d);
	err = medfw_store_enrolment_token_create(app->store, hash, dev.id, expires_at, &d);
	if (err != MEDFW_OK) {
		medfw_wipe(token, sizeof(token));
		medfwd_respond_medfw_error(resp, err, &d);
		return;
	}
	(void)medfwd_audit(app, req, medfwd_actor_of(p), dev.site_id, "device.enrolment_token_issued",
			   json_pack("{s:I, s:I}", "device_id", (json_int_t)dev.id, "expires_at",
				     (json_int_t)expires_at));
	/* shown this once; only its hash is stored */
	medfwd_respond_json(resp, 201, json_pack("{s:I, s:s, s:I}", "device_id", (json_int_t)dev.id,
						 "token", token, "expires_at",
						 (json_int_t)expires_at));
	medfw_wipe(token, sizeof(token));
}

static void devices_revoke(struct medfwd_request *req, struct medfwd_response *resp)
{
	struct medfwd_app *app = medfwd_app_of(req);
	const struct medfwd_principal *p = medfwd_principal_of(req);
	struct medfw_store_device dev;
	struct medfw_diag d;
	enum medfw_err err;

	if (!medfwd_require(req, resp, MEDFWD_PERM_DEVICES_WRITE) || !load_device(req, resp, &dev))
		return;
	medfw_diag_clear(&d);
	err = medfw_store_device_revoke(app->store, medfwd_scope_of(p), dev.id, &d);
	if (err == MEDFW_OK)
		err = medfw_store_device_get(app->store, medfwd_scope_of(p), dev.id, &dev, &d);
	if (err != MEDFW_OK) {
		medfwd_respond_medfw_error(resp, err, &d);
		return;
	}
	(void)medfwd_audit(app, req, medfwd_actor_of(p), dev.site_id, "device.revoked",
			   json_pack("{s:I, s:s}", "device_id", (json_int_t)dev.id, "serial",
				     dev.serial));
	medfwd_vulns_fleet_changed(app); /* the site's exposures follow */
	medfwd_respond_json(resp, 200, medfwd_device_json(&dev));
}

const struct medfwd_route medfwd_routes_devices[] = {
	{"POST", "/device/v1/enrol", medfwd_device_enrol, MEDFWD_AUTH_NONE, MEDFWD_BODY_JSON,
	 "device.enrol"},
	{"POST", "/device/v1/session", medfwd_device_session, MEDFWD_AUTH_DEVICE_KEY,
	 MEDFWD_BODY_JSON, "device.session"},
	{"POST", "/device/v1/checkin", medfwd_device_checkin, MEDFWD_AUTH_DEVICE, MEDFWD_BODY_JSON,
	 "device.checkin"},
	{"POST", "/device/v1/events", medfwd_device_events, MEDFWD_AUTH_DEVICE, MEDFWD_BODY_JSON,
	 "device.events"},
	{"GET", "/api/v1/devices", devices_list, MEDFWD_AUTH_TOKEN, MEDFWD_BODY_NONE,
	 "devices.list"},
	{"POST", "/api/v1/devices", devices_create, MEDFWD_AUTH_TOKEN, MEDFWD_BODY_JSON,
	 "devices.create"},
	{"GET", "/api/v1/devices/export", medfwd_devices_export, MEDFWD_AUTH_TOKEN,
	 MEDFWD_BODY_NONE, "devices.export"},
	{"POST", "/api/v1/devices/import", medfwd_devices_import, MEDFWD_AUTH_TOKEN,
	 MEDFWD_BODY_NONE, "devices.import"},
	{"GET", "/api/v1/devices/{device}", devices_get, MEDFWD_AUTH_TOKEN, MEDFWD_BODY_NONE,
	 "devices.get"},
	{"PATCH", "/api/v1/devices/{device}", devices_patch, MEDFWD_AUTH_TOKEN, MEDFWD_BODY_JSON,
	 "devices.update"},
	{"POST", "/api/v1/devices/{device}/enrolment-token", devices_enrolment_token,
	 MEDFWD_AUTH_TOKEN, MEDFWD_BODY_JSON, "devices.enrolment_token"},
	{"POST", "/api/v1/devices/{device}/revoke", devices_revoke, MEDFWD_AUTH_TOKEN,
	 MEDFWD_BODY_NONE, "devices.revoke"},
	{"GET", "/api/v1/devices/{device}/events", medfwd_device_history, MEDFWD_AUTH_TOKEN,
	 MEDFWD_BODY_NONE, "devices.events"},
	{"GET", "/api/v1/reports/firmware", medfwd_report_firmware, MEDFWD_AUTH_TOKEN,
	 MEDFWD_BODY_NONE, "reports.firmware"},
	{0},
};
