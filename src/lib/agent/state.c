/* The agent's state file (<state_dir>/state.json): everything it must remember across
 * a power loss, written atomically (tmp + fsync + rename + fsync dir) before each step
 * that depends on it. Read back strictly: a state that does not parse stops the agent
 * (it never guesses what an interrupted update was doing). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "agent_internal.h"
#include "medfw/buf.h"
#include "medfw/json.h"
#include "medfw/num.h"

static const char *const phase_names[] = {"none",      "writing",    "installed",
					  "rebooting", "committing", "rolling_back"};

const char *agent_phase_name(enum agent_phase p)
{
	return (unsigned)p < sizeof(phase_names) / sizeof(phase_names[0]) ? phase_names[p] : "?";
}

void agent_state_init(struct agent_state *st)
{
	memset(st, 0, sizeof(*st));
	st->outbox = json_array();
}

void agent_state_free(struct agent_state *st)
{
	json_decref(st->outbox);
	memset(st, 0, sizeof(*st));
}

/* ---- writing ---- */

json_t *agent_slot_json(const struct agent_slot_info *s)
{
	if (!s->valid)
		return json_null();
	return json_pack("{s:s, s:s, s:s, s:I, s:I}", "target", s->target, "version", s->version,
			 "sha256", s->sha256, "length", (json_int_t)s->length, "security_version",
			 (json_int_t)s->security_version);
}

json_t *agent_state_json(const struct agent_state *st)
{
	json_t *o, *upd = json_null();

	if (st->upd.phase != PHASE_NONE)
		upd = json_pack("{s:s, s:s, s:s, s:s, s:o, s:b, s:s, s:s}", "phase",
				agent_phase_name(st->upd.phase), "source", st->upd.source, "from",
				medfw_slot_name(st->upd.from), "to", medfw_slot_name(st->upd.to),
				"image", agent_slot_json(&st->upd.image), "rollback_supported",
				st->upd.rollback_supported, "reason", st->upd.reason, "check",
				st->upd.check);
	o = json_pack("{s:i, s:I, s:I, s:{s:I, s:I, s:I}, s:I, s:{s:o, s:o}, s:o, s:I, s:O, s:s}",
		      "format", AGENT_STATE_FORMAT, "device_id", (json_int_t)st->device_id,
		      "min_security_version", (json_int_t)st->min_security_version, "director",
		      "timestamp_version", (json_int_t)st->director.timestamp_version,
		      "snapshot_version", (json_int_t)st->director.snapshot_version,
		      "targets_version", (json_int_t)st->director.targets_version,
		      "director_version_seen", (json_int_t)st->director_version_seen, "slots", "A",
		      agent_slot_json(&st->slots[0]), "B", agent_slot_json(&st->slots[1]),
		      "update", upd,
		      "event_seq", (json_int_t)st->event_seq, "outbox", st->outbox, "last_report",
		      st->last_report);
	return o;
}

enum medfw_err agent_state_save(const char *path, const struct agent_state *st,
				struct medfw_diag *diag)
{
	json_t *o = agent_state_json(st);
	char *text;
	enum medfw_err err;

	if (o == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_NOMEM, "agent state: out of memory");
	text = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	if (text == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_NOMEM, "agent state: out of memory");
	if (strlen(text) > AGENT_STATE_MAX)
		err = medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "agent state: larger than %u bytes",
				     AGENT_STATE_MAX);
	else
		err = medfw_file_write_atomic(path, text, strlen(text), 0600, diag);
	free(text);
	return err;
}

/* ---- reading ---- */

static enum medfw_err get_str(const json_t *o, const char *what, const char *key, char *out,
			      size_t cap, size_t min_len, struct medfw_diag *diag)
{
	const char *s = NULL;
	enum medfw_err err = medfw_json_get_string(o, what, key, &s, diag);
	size_t n;

	if (err != MEDFW_OK)
		return err;
	n = strlen(s);
	if (n < min_len || n >= cap)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "%s.%s: %zu bytes", what, key, n);
	memcpy(out, s, n + 1);
	return MEDFW_OK;
}

static enum medfw_err get_u64(const json_t *o, const char *what, const char *key, uint64_t *out,
			      struct medfw_diag *diag)
{
	int64_t v = 0;
	enum medfw_err err = medfw_json_get_int(o, what, key, 0, INT64_MAX, &v, diag);

	*out = (uint64_t)v;
	return err;
}

static enum medfw_err check_keys(const json_t *o, const char *what, const char *const *keys,
				 size_t n, struct medfw_diag *diag)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)(uintptr_t)o, k, v) {
		size_t i;

		(void)v;
		for (i = 0; i < n && strcmp(k, keys[i]) != 0; i++)
			;
		if (i == n)
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "%s: unknown field \"%.64s\"",
					      what, k);
	}
	return MEDFW_OK;
}

static bool is_hex64(const char *s)
{
	if (strlen(s) != 64)
		return false;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return false;
	return true;
}

static enum medfw_err parse_slot(const json_t *v, const char *what, struct agent_slot_info *s,
				 struct medfw_diag *diag)
{
	static const char *const keys[] = {"target", "version", "sha256", "length",
					   "security_version"};
	enum medfw_err err;

	memset(s, 0, sizeof(*s));
	if (json_is_null(v))
		return MEDFW_OK;
	if (!json_is_object(v))
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_TYPE, "%s: not an object", what);
	err = check_keys(v, what, keys, 5, diag);
	if (err == MEDFW_OK)
		err = get_str(v, what, "target", s->target, sizeof(s->target), 1, diag);
	if (err == MEDFW_OK)
		err = get_str(v, what, "version", s->version, sizeof(s->version), 1, diag);
	if (err == MEDFW_OK)
		err = get_str(v, what, "sha256", s->sha256, sizeof(s->sha256), 64, diag);
	if (err == MEDFW_OK && !is_hex64(s->sha256))
		err = medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "%s.sha256: not lowercase hex",
				     what);
	if (err == MEDFW_OK)
		err = get_u64(v, what, "length", &s->length, diag);
	if (err == MEDFW_OK)
		err = get_u64(v, what, "security_version", &s->security_version, diag);
	s->valid = err == MEDFW_OK;
	return err;
}

static enum medfw_err parse_update(const json_t *v, struct agent_update *u,
				   struct medfw_diag *diag)
{
	static const char *const keys[] = {"phase", "source", "from",   "to",
					   "image", "rollback_supported", "reason", "check"};
	char phase[16], from[2], to[2];
	json_t *img = NULL;
	int rb = 0;
	enum medfw_err err;

	memset(u, 0, sizeof(*u));
	if (json_is_null(v))
		return MEDFW_OK;
	if (!json_is_object(v))
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_TYPE, "update: not an object");
	err = check_keys(v, "update", keys, 8, diag);
	if (err == MEDFW_OK)
		err = get_str(v, "update", "phase", phase, sizeof(phase), 1, diag);
	if (err == MEDFW_OK)
		err = get_str(v, "update", "source", u->source, sizeof(u->source), 1, diag);
	if (err == MEDFW_OK)
		err = get_str(v, "update", "from", from, sizeof(from), 1, diag);
	if (err == MEDFW_OK)
		err = get_str(v, "update", "to", to, sizeof(to), 1, diag);
	img = json_object_get(v, "image");
	if (err == MEDFW_OK && img == NULL)
		err = medfw_diag_set(diag, MEDFW_ERR_FIELD_MISSING, "update.image: missing");
	if (err == MEDFW_OK)
		err = parse_slot(img, "update.image", &u->image, diag);
	if (err == MEDFW_OK)
		err = medfw_json_get_bool(v, "update", "rollback_supported", &rb, diag);
	if (err == MEDFW_OK)
		err = get_str(v, "update", "reason", u->reason, sizeof(u->reason), 0, diag);
	if (err == MEDFW_OK)
		err = get_str(v, "update", "check", u->check, sizeof(u->check), 0, diag);
	if (err != MEDFW_OK)
		return err;
	u->rollback_supported = rb != 0;
	if (medfw_slot_parse(from, &u->from) != MEDFW_OK ||
	    medfw_slot_parse(to, &u->to) != MEDFW_OK || u->from == u->to)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "update: from/to are not A and B");
	for (unsigned i = 1; i < sizeof(phase_names) / sizeof(phase_names[0]); i++)
		if (strcmp(phase, phase_names[i]) == 0)
			u->phase = (enum agent_phase)i;
	if (u->phase == PHASE_NONE)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "update.phase: \"%.16s\"", phase);
	if (strcmp(u->source, "server") != 0 && strcmp(u->source, "bundle") != 0 &&
	    strcmp(u->source, "manual") != 0)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "update.source: \"%.8s\"",
				      u->source);
	return MEDFW_OK;
}

enum medfw_err agent_state_load(const char *path, struct agent_state *st,
				struct medfw_diag *diag)
{
	struct medfw_buf text;
	enum medfw_err err;

	err = medfw_file_read(path, AGENT_STATE_MAX, &text, diag);
	if (err != MEDFW_OK)
		return err;
	err = agent_state_parse(text.data, text.len, st, diag);
	medfw_buf_free(&text);
	if (err != MEDFW_OK)
		return medfw_diag_set(diag, err, "%s: %s", path, medfw_diag_message(diag, err));
	return MEDFW_OK;
}

enum medfw_err agent_state_parse(const uint8_t *data, size_t len, struct agent_state *st,
				 struct medfw_diag *diag)
{
	static const char *const keys[] = {"format",    "device_id", "min_security_version",
					   "director",  "director_version_seen", "slots",
					   "update",    "event_seq", "outbox", "last_report"};
	json_t *o = NULL, *dir = NULL, *slots = NULL, *outbox = NULL;
	struct agent_state tmp;
	int64_t format = 0;
	uint64_t v = 0;
	enum medfw_err err;

	memset(&tmp, 0, sizeof(tmp));
	err = medfw_json_parse(data, len, AGENT_STATE_MAX, 8, &o, diag);
	if (err == MEDFW_OK && !json_is_object(o))
		err = medfw_diag_set(diag, MEDFW_ERR_FIELD_TYPE, "not an object");
	if (err == MEDFW_OK)
		err = check_keys(o, "agent state", keys, 10, diag);
	if (err == MEDFW_OK)
		err = medfw_json_get_int(o, "agent state", "format", 1, 1, &format, diag);
	if (err == MEDFW_OK)
		err = medfw_json_get_int(o, "agent state", "device_id", 0, INT64_MAX, &tmp.device_id,
					 diag);
	if (err == MEDFW_OK)
		err = get_u64(o, "agent state", "min_security_version", &tmp.min_security_version,
			      diag);
	if (err == MEDFW_OK)
		err = medfw_json_get_object(o, "agent state", "director", &dir, diag);
	if (err == MEDFW_OK)
		err = medfw_json_get_int(dir, "director", "timestamp_version", 0, INT64_MAX,
					 &tmp.director.timestamp_version, diag);
	if (err == MEDFW_OK)
		err = medfw_json_get_int(dir, "director", "snapshot_version", 0, INT64_MAX,
					 &tmp.director.snapshot_version, diag);
	if (err == MEDFW_OK)
		err = medfw_json_get_int(dir, "director", "targets_version", 0, INT64_MAX,
					 &tmp.director.targets_version, diag);
	if (err == MEDFW_OK)
		err = medfw_json_get_int(o, "agent state", "director_version_seen", 0, INT64_MAX,
					 &tmp.director_version_seen, diag);
	if (err == MEDFW_OK)
		err = medfw_json_get_object(o, "agent state", "slots", &slots, diag);
	if (err == MEDFW_OK)
		err = parse_slot(json_object_get(slots, "A"), "slots.A", &tmp.slots[0], diag);
	if (err == MEDFW_OK)
		err = parse_slot(json_object_get(slots, "B"), "slots.B", &tmp.slots[1], diag);
	if (err == MEDFW_OK)
		err = parse_update(json_object_get(o, "update"), &tmp.upd, diag);
	if (err == MEDFW_OK)
		err = get_u64(o, "agent state", "event_seq", &v, diag);
	tmp.event_seq = v;
	if (err == MEDFW_OK)
		err = medfw_json_get_array(o, "agent state", "outbox", &outbox, diag);
	if (err == MEDFW_OK && json_array_size(outbox) > AGENT_OUTBOX_MAX)
		err = medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "outbox: too many events");
	for (size_t i = 0; err == MEDFW_OK && i < json_array_size(outbox); i++) {
		const json_t *ev = json_array_get(outbox, i);

		if (!json_is_object(ev) || !json_is_integer(json_object_get(ev, "seq")) ||
		    !json_is_string(json_object_get(ev, "type")))
			err = medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					     "outbox[%zu]: not an event with seq and type", i);
	}
	if (err == MEDFW_OK)
		err = get_str(o, "agent state", "last_report", tmp.last_report,
			      sizeof(tmp.last_report), 0, diag);
	if (err == MEDFW_OK) {
		/* The one place the caller's state changes. */
		json_decref(st->outbox);
		tmp.outbox = json_incref(outbox);
		*st = tmp;
	}
	json_decref(o);
	return err;
}

/* ---- events ---- */

enum medfw_err agent_event(struct medfw_agent *a, const char *type, const char *reason,
			   const char *check, int64_t bytes, int64_t total)
{
	struct agent_update *u = &a->st.upd;
	char when[32];
	json_t *ev;

	if (medfw_format_utc_time(medfw_ctx_now(a->ctx), when, sizeof(when)) != MEDFW_OK)
		return MEDFW_ERR_INVALID_ARG;
	ev = json_pack("{s:I, s:s, s:s}", "seq", (json_int_t)(a->st.event_seq + 1), "time", when,
		       "type", type);
	if (ev == NULL)
		return MEDFW_ERR_NOMEM;
	if (u->image.valid) {
		json_object_set_new(ev, "target", json_string(u->image.target));
		json_object_set_new(ev, "version", json_string(u->image.version));
		json_object_set_new(ev, "slot", json_string(medfw_slot_name(u->to)));
	}
	if (reason != NULL && reason[0] != 0) {
		/* Printable ASCII only (the text may quote a program's output or a server's
		 * message), at most 500 bytes. */
		char clean[501];
		size_t n = 0;

		for (; reason[n] != 0 && n < sizeof(clean) - 1; n++) {
			unsigned char ch = (unsigned char)reason[n];

			clean[n] = ch >= 0x20 && ch < 0x7f ? (char)ch : ' ';
		}
		clean[n] = 0;
		json_object_set_new(ev, "reason", json_string(clean));
	}
	if (check != NULL && check[0] != 0)
		json_object_set_new(ev, "check", json_string(check));
	if (bytes >= 0 && total >= 0) {
		json_object_set_new(ev, "bytes", json_integer(bytes));
		json_object_set_new(ev, "total", json_integer(total));
	}
	/* Bounded: when the queue is full, the oldest progress report goes first, else the
	 * oldest event (the server's history then has a gap in seq, which it shows). */
	if (json_array_size(a->st.outbox) >= AGENT_OUTBOX_MAX) {
		size_t drop = 0;

		for (size_t i = 0; i < json_array_size(a->st.outbox); i++) {
			const char *t = json_string_value(
				json_object_get(json_array_get(a->st.outbox, i), "type"));

			if (t != NULL && strcmp(t, "downloading") == 0) {
				drop = i;
				break;
			}
		}
		json_array_remove(a->st.outbox, drop);
	}
	a->st.event_seq++;
	medfw_log(a->ctx, MEDFW_LOG_INFO, "agent.event", "%s%s%s%s%s", type,
		  u->image.valid ? " " : "", u->image.valid ? u->image.target : "",
		  reason != NULL && reason[0] ? ": " : "", reason != NULL ? reason : "");
	return json_array_append_new(a->st.outbox, ev) == 0 ? MEDFW_OK : MEDFW_ERR_NOMEM;
}

enum medfw_err agent_save(struct medfw_agent *a, struct medfw_diag *diag)
{
	return agent_state_save(a->state_path, &a->st, diag);
}
