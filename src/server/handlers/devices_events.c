/* Device update events: POST /device/v1/events (signed by the device) reports the
 * phases of an update; GET /api/v1/devices/{device}/events shows a device's update
 * history to people. docs/devices.md "Update events" describes the protocol. */
#include <stdlib.h>
#include <string.h>

#include "devices.h"
#include "medfw/buf.h"
#include "medfw/num.h"
#include "medfw/utf8.h"

#define EVENTS_BODY_MAX (64u * 1024u)    /* bytes of one POST /device/v1/events body */
#define EVENT_REASON_CHARS 512           /* characters of `reason` */
#define EVENT_AUDIT_REASON_MAX 512       /* bytes of `reason` in an audit record */
#define HISTORY_LIMIT_DEFAULT 50
#define HISTORY_LIMIT_MAX 500

static const char *const event_fields[] = {"seq", "time", "type", "target", "version", "bytes",
					   "total", "reason", "check", "slot", NULL};

/* ---- validation of one event ---- */

#define FIELD_NAME_MAX 64 /* bytes of a (client's) field name quoted in an error */

/* Sets a 400 naming "events[i].<field>", the field cut to FIELD_NAME_MAX bytes at a
 * character boundary (it may be an unknown key the client sent); returns 0. */
static int refuse(struct medfwd_response *resp, const char *code, size_t i, const char *field,
		  const char *problem)
{
	const uint8_t *f = (const uint8_t *)field;
	size_t len = strlen(field), keep = 0;
	char name[32 + FIELD_NAME_MAX];

	while (keep < len) {
		uint32_t cp = 0;
		size_t n = medfw_utf8_decode(f + keep, len - keep, &cp);

		if (n == 0 || n > FIELD_NAME_MAX - keep)
			break;
		keep += n;
	}
	snprintf(name, sizeof(name), "events[%zu].%.*s", i, (int)keep, field);
	medfwd_respond_error(resp, 400, code, name, "%s %s", name, problem);
	return 0;
}

/* UTF-8 text without control characters (C0, DEL, C1) of at most max_chars
 * characters; the JSON parser made sure it is valid UTF-8 without NUL. */
static int clean_text(const char *s, size_t len, size_t max_chars)
{
	const uint8_t *p = (const uint8_t *)s;
	size_t chars = 0;

	while (len > 0) {
		uint32_t cp = 0;
		size_t n = medfw_utf8_decode(p, len, &cp);

		if (n == 0 || cp < 0x20 || (cp >= 0x7f && cp <= 0x9f) || ++chars > max_chars)
			return 0;
		p += n;
		len -= n;
	}
	return 1;
}

/* An optional string member of `obj`: absent is fine (*out untouched), else a string
 * of 1..max_bytes bytes and at most max_chars characters without control characters,
 * copied into out (cap > max_bytes). */
static int opt_text(struct medfwd_response *resp, json_t *obj, size_t i, const char *field,
		    size_t max_bytes, size_t max_chars, char *out, size_t cap)
{
	json_t *v = json_object_get(obj, field);
	size_t len;

	if (v == NULL)
		return 1;
	if (!json_is_string(v))
		return refuse(resp, "invalid", i, field, "must be a string");
	len = json_string_length(v);
	if (len == 0 || len > max_bytes || len >= cap ||
	    !clean_text(json_string_value(v), len, max_chars)) {
		char problem[128];

		snprintf(problem, sizeof(problem),
			 "must be 1 to %zu characters (%zu bytes) without control characters",
			 max_chars, max_bytes);
		return refuse(resp, "invalid", i, field, problem);
	}
	memcpy(out, json_string_value(v), len + 1);
	return 1;
}

/* An integer member in [min, max]; required or optional (then *present says). */
static int get_int(struct medfwd_response *resp, json_t *obj, size_t i, const char *field,
		   int64_t min, int64_t max, int required, int *present, int64_t *out)
{
	json_t *v = json_object_get(obj, field);
	char problem[96];

	if (present != NULL)
		*present = 0;
	if (v == NULL)
		return required ? refuse(resp, "missing_field", i, field, "is missing") : 1;
	if (!json_is_integer(v) || json_integer_value(v) < min || json_integer_value(v) > max) {
		snprintf(problem, sizeof(problem), "must be an integer from %lld to %lld",
			 (long long)min, (long long)max);
		return refuse(resp, "invalid", i, field, problem);
	}
	*out = (int64_t)json_integer_value(v);
	if (present != NULL)
		*present = 1;
	return 1;
}

/* A required string member (its value borrowed). */
static int get_string(struct medfwd_response *resp, json_t *obj, size_t i, const char *field,
		      const char **out)
{
	json_t *v = json_object_get(obj, field);

	*out = NULL;
	if (v == NULL)
		return refuse(resp, "missing_field", i, field, "is missing");
	if (!json_is_string(v))
		return refuse(resp, "invalid", i, field, "must be a string");
	*out = json_string_value(v);
	return 1;
}

static int is_check_name(const char *s)
{
	for (; *s != '\0'; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return 0;
	return 1;
}

/* events[i] into *e; sets a 400 naming the field and returns 0 when it is not valid. */
static int parse_event(struct medfwd_response *resp, json_t *obj, size_t i, int64_t prev_seq,
		       struct medfw_store_device_event *e)
{
	const char *key, *time_s, *type_s;
	json_t *v;

	memset(e, 0, sizeof(*e));
	if (!json_is_object(obj)) {
		char name[32];

		snprintf(name, sizeof(name), "events[%zu]", i);
		medfwd_respond_error(resp, 400, "invalid", name, "%s must be an object", name);
		return 0;
	}
	json_object_foreach(obj, key, v) {
		int known = 0;

		for (const char *const *f = event_fields; *f != NULL; f++)
			known |= strcmp(*f, key) == 0;
		if (!known)
			return refuse(resp, "unknown_field", i, key, "is not a known field");
	}
	if (!get_int(resp, obj, i, "seq", 1, MEDFW_STORE_UPDATE_SEQ_MAX, 1, NULL, &e->seq))
		return 0;
	if (e->seq <= prev_seq)
		return refuse(resp, "invalid", i, "seq",
			      "must be above the previous event's seq (strictly increasing)");
	if (!get_string(resp, obj, i, "time", &time_s))
		return 0;
	if (strlen(time_s) != MEDFW_UTC_TIME_LEN || medfw_parse_utc_time(time_s, &e->time) != MEDFW_OK)
		return refuse(resp, "invalid", i, "time", "must be UTC as YYYY-MM-DDTHH:MM:SSZ");
	if (!get_string(resp, obj, i, "type", &type_s))
		return 0;
	if (medfw_store_update_event_parse(type_s, &e->type) != MEDFW_OK)
		return refuse(resp, "invalid", i, "type",
			      "must be one of offered, deferred, downloading, verified, installed,"
			      " rebooting, committed, rolled_back, failed");
	if (!opt_text(resp, obj, i, "target", MEDFW_STORE_UPDATE_TARGET_MAX,
		      MEDFW_STORE_UPDATE_TARGET_MAX, e->target, sizeof(e->target)) ||
	    !opt_text(resp, obj, i, "version", MEDFW_STORE_SHORT_MAX, MEDFW_STORE_SHORT_MAX,
		      e->version, sizeof(e->version)) ||
	    !opt_text(resp, obj, i, "reason", MEDFW_STORE_UPDATE_REASON_MAX, EVENT_REASON_CHARS,
		      e->reason, sizeof(e->reason)) ||
	    !opt_text(resp, obj, i, "check", MEDFW_STORE_SHORT_MAX, MEDFW_STORE_SHORT_MAX,
		      e->check, sizeof(e->check)) ||
	    !get_int(resp, obj, i, "bytes", 0, MEDFW_STORE_UPDATE_SEQ_MAX, 0, &e->has_bytes,
		     &e->bytes) ||
	    !get_int(resp, obj, i, "total", 0, MEDFW_STORE_UPDATE_SEQ_MAX, 0, &e->has_total,
		     &e->total))
		return 0;
	if (!is_check_name(e->check))
		return refuse(resp, "invalid", i, "check",
			      "must be made of A-Z, 0-9 and _ (an error or check name)");
	v = json_object_get(obj, "slot");
	if (v != NULL) {
		if (!json_is_string(v) || (strcmp(json_string_value(v), "A") != 0 &&
					   strcmp(json_string_value(v), "B") != 0))
			return refuse(resp, "invalid", i, "slot", "must be \"A\" or \"B\"");
		e->slot = json_string_value(v)[0];
	}
	if (e->has_bytes && e->has_total && e->bytes > e->total)
		return refuse(resp, "invalid", i, "bytes", "must not be above total");
	return 1;
}

/* ---- POST /device/v1/events ---- */

static const char *audit_event_of(enum medfw_store_update_event type)
{
	switch (type) {
	case MEDFW_UPDATE_COMMITTED: return "device.update_committed";
	case MEDFW_UPDATE_ROLLED_BACK: return "device.update_rolled_back";
	case MEDFW_UPDATE_FAILED: return "device.update_failed";
	default: return NULL;
	}
}

static json_t *text_or_null(const char *s)
{
	return s[0] != '\0' ? json_string(s) : json_null();
}

/* The reason as audited: at most EVENT_AUDIT_REASON_MAX bytes, cut at a character
 * boundary, so that the record stays within the audit detail limit whatever the
 * event carries (the history keeps it whole). */
static json_t *audit_reason(const char *reason, int *out_cut)
{
	size_t len = strlen(reason), keep = 0;

	*out_cut = 0;
	if (len == 0)
		return json_null();
	while (keep < len) {
		uint32_t cp = 0;
		size_t n = medfw_utf8_decode((const uint8_t *)reason + keep, len - keep, &cp);

		if (n == 0 || n > EVENT_AUDIT_REASON_MAX - keep)
			break;
		keep += n;
	}
	*out_cut = keep < len;
	return json_stringn(reason, keep);
}

static void audit_terminal(struct medfwd_app *app, struct medfwd_request *req,
			   const struct medfwd_principal *p,
			   const struct medfw_store_device_event *e)
{
	const char *event = audit_event_of(e->type);
	char when[MEDFW_UTC_TIME_LEN + 1];
	json_t *detail;
	int cut = 0;

	if (event == NULL || e->duplicate)
		return;
	if (medfw_format_utc_time(e->time, when, sizeof(when)) != MEDFW_OK)
		when[0] = '\0';
	detail = json_pack("{s:I, s:I, s:s, s:o, s:o, s:o, s:o}", "device_id",
			   (json_int_t)p->device.id, "seq", (json_int_t)e->seq, "time", when,
			   "target", text_or_null(e->target), "version", text_or_null(e->version),
			   "reason", audit_reason(e->reason, &cut), "check",
			   text_or_null(e->check));
	if (detail != NULL && cut)
		json_object_set_new(detail, "reason_truncated", json_true());
	(void)medfwd_audit(app, req, medfwd_actor_of(p), p->device.site_id, event, detail);
}

void medfwd_device_events(struct medfwd_request *req, struct medfwd_response *resp)
{
	static const char *const allowed[] = {"events", NULL};
	struct medfwd_app *app = medfwd_app_of(req);
	const struct medfwd_principal *p = medfwd_principal_of(req);
	struct medfw_store_device_event *events = NULL;
	json_t *list;
	size_t n, stored = 0;
	struct medfw_diag d;
	enum medfw_err err;

	if (p == NULL || p->kind != MEDFWD_PRINCIPAL_DEVICE) {
		medfwd_respond_error(resp, 401, "unauthenticated", NULL, "devices only");
		return;
	}
	if (req->body_len > EVENTS_BODY_MAX) {
		medfwd_respond_error(resp, 413, "too_large", "events",
				     "the body is larger than %u bytes: send fewer events at once",
				     EVENTS_BODY_MAX);
		return;
	}
	if (!medfwd_body_only(req, resp, allowed))
		return;
	list = json_object_get(req->json, "events");
	if (list == NULL) {
		medfwd_respond_error(resp, 400, "missing_field", "events", "missing field \"events\"");
		return;
	}
	n = json_is_array(list) ? json_array_size(list) : 0;
	if (n == 0 || n > MEDFW_STORE_UPDATE_EVENTS_MAX) {
		medfwd_respond_error(resp, 400, "invalid", "events",
				     "\"events\" must be an array of 1 to %d events",
				     MEDFW_STORE_UPDATE_EVENTS_MAX);
		return;
	}
	events = calloc(n, sizeof(*events));
	if (events == NULL) {
		medfwd_respond_error(resp, 500, "internal", NULL, "out of memory");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (!parse_event(resp, json_array_get(list, i), i, i > 0 ? events[i - 1].seq : 0,
				 &events[i]))
			goto out;
	}
	medfw_diag_clear(&d);
	err = medfw_store_device_events_append(app->store, p->device.id, events, n, &stored, &d);
	if (err != MEDFW_OK) {
		medfwd_respond_medfw_error(resp, err, &d);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (events[i].duplicate)
			continue;
		atomic_fetch_add(&app->device_update_events[events[i].type], 1);
		audit_terminal(app, req, p, &events[i]);
	}
	medfwd_respond_json(resp, 200,
			    json_pack("{s:I, s:I, s:I}", "accepted", (json_int_t)stored,
				      "duplicates", (json_int_t)(n - stored), "last_seq",
				      (json_int_t)events[n - 1].seq));
out:
	free(events);
}

/* ---- GET /api/v1/devices/{device}/events ---- */

static json_t *event_json(const struct medfw_store_device_event *e)
{
	char when[MEDFW_UTC_TIME_LEN + 1], received[MEDFW_UTC_TIME_LEN + 1];
	char slot[2] = {e->slot, '\0'};

	if (medfw_format_utc_time(e->time, when, sizeof(when)) != MEDFW_OK ||
	    medfw_format_utc_time(e->received, received, sizeof(received)) != MEDFW_OK)
		return NULL;
	return json_pack("{s:I, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "seq",
			 (json_int_t)e->seq, "type", medfw_store_update_event_name(e->type), "time",
			 when, "received", received, "target", text_or_null(e->target), "version",
			 text_or_null(e->version), "bytes",
			 e->has_bytes ? json_integer((json_int_t)e->bytes) : json_null(), "total",
			 e->has_total ? json_integer((json_int_t)e->total) : json_null(), "reason",
			 text_or_null(e->reason), "check", text_or_null(e->check), "slot",
			 text_or_null(slot));
}

void medfwd_device_history(struct medfwd_request *req, struct medfwd_response *resp)
{
	struct medfwd_app *app = medfwd_app_of(req);
	const char *limit_s = medfwd_request_query(req, "limit");
	const char *before_s = medfwd_request_query(req, "before_seq");
	struct medfw_store_device_event *page = NULL;
	uint64_t limit = HISTORY_LIMIT_DEFAULT, before = 0;
	int64_t device_id = 0, next = 0;
	size_t n = 0;
	json_t *items;
	struct medfw_diag d;
	enum medfw_err err;

	if (!medfwd_require(req, resp, MEDFWD_PERM_DEVICES_READ) ||
	    !medfwd_device_id_of(req, resp, &device_id))
		return;
	if (limit_s != NULL && medfw_parse_u64(limit_s, 1, HISTORY_LIMIT_MAX, &limit) != MEDFW_OK) {
		medfwd_respond_error(resp, 400, "invalid", "limit", "limit must be 1 to %d",
				     HISTORY_LIMIT_MAX);
		return;
	}
	if (before_s != NULL && medfw_parse_u64(before_s, 1, (uint64_t)MEDFW_STORE_UPDATE_SEQ_MAX,
						&before) != MEDFW_OK) {
		medfwd_respond_error(resp, 400, "invalid", "before_seq",
				     "before_seq must be a seq from 1 to 2^53");
		return;
	}
	page = calloc((size_t)limit, sizeof(*page));
	if (page == NULL) {
		medfwd_respond_error(resp, 500, "internal", NULL, "out of memory");
		return;
	}
	medfw_diag_clear(&d);
	err = medfw_store_device_events_list(app->store, medfwd_scope_of(medfwd_principal_of(req)),
					     device_id, (int64_t)before, page, (size_t)limit, &n,
					     &next, &d);
	if (err == MEDFW_ERR_NOT_FOUND) {
		free(page);
		medfwd_respond_error(resp, 404, "not_found", "device", "no such device");
		return;
	}
	if (err != MEDFW_OK) {
		free(page);
		medfwd_respond_medfw_error(resp, err, &d);
		return;
	}
	items = json_array();
	for (size_t i = 0; items != NULL && i < n; i++) {
		json_t *item = event_json(&page[i]);

		if (item == NULL || json_array_append_new(items, item) != 0) {
			json_decref(items);
			items = NULL;
		}
	}
	free(page);
	if (items == NULL) {
		medfwd_respond_error(resp, 500, "internal", NULL, "cannot render the history");
		return;
	}
	medfwd_respond_json(resp, 200,
			    json_pack("{s:o, s:o}", "events", items, "next_before_seq",
				      next != 0 ? json_integer((json_int_t)next) : json_null()));
}

/* ---- metrics ---- */

static void events_metrics(void *user, struct medfw_buf *out)
{
	struct medfwd_app *app = user;

	(void)medfw_buf_printf(out, "# HELP medfwd_device_update_events_total Update events "
				    "devices reported (stored; duplicates not counted).\n"
				    "# TYPE medfwd_device_update_events_total counter\n");
	for (int t = MEDFW_UPDATE_OFFERED; t < MEDFW_UPDATE_EVENT_COUNT; t++)
		(void)medfw_buf_printf(out, "medfwd_device_update_events_total{type=\"%s\"} %llu\n",
				       medfw_store_update_event_name((enum medfw_store_update_event)t),
				       (unsigned long long)atomic_load(&app->device_update_events[t]));
}

int medfwd_device_events_metrics_install(struct medfwd_server *srv, struct medfwd_app *app)
{
	return medfwd_server_add_metrics(srv, events_metrics, app);
}
