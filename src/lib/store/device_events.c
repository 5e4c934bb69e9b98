/* Device update events: the phases of an update each device reports (stored once per
 * (device, seq), duplicates counted), the device's newest event on its record, and the
 * update history newest first. */
#include <string.h>

#include "store_internal.h"

static const char SQL_EVENT_DEVICE[] = "SELECT update_seq FROM devices WHERE id = ?";
static const char SQL_EVENT_INSERT[] =
	"INSERT INTO device_events (device_id, seq, type, time, received, target, version,"
	" bytes, total, reason, check_name, slot) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
	" ON CONFLICT (device_id, seq) DO NOTHING";
static const char SQL_EVENT_DEVICE_STATE[] =
	"UPDATE devices SET update_state = ?, update_seq = ?, update_target = ?,"
	" update_version = ?, update_reason = ?, update_at = ? WHERE id = ?";
static const char SQL_EVENT_IN_SCOPE[] =
	"SELECT 1 FROM devices WHERE id = ? AND (? OR site_id = ?)";
static const char SQL_EVENT_LIST[] =
	"SELECT seq, type, time, received, target, version, bytes, total, reason, check_name,"
	" slot FROM device_events WHERE device_id = ? AND seq < ? ORDER BY seq DESC LIMIT ?";

/* ---- checks ----------------------------------------------------------------------- */

static enum medfw_err event_field(struct medfw_diag *diag, enum medfw_err err, size_t i,
				  const char *field, const char *what)
{
	return medfw_diag_set(diag, err, "device event: events[%zu].%s %s", i, field, what);
}

static enum medfw_err check_text(const char *s, size_t max, size_t i, const char *field,
				 struct medfw_diag *diag)
{
	if (memchr(s, '\0', max + 1) == NULL)
		return event_field(diag, MEDFW_ERR_TOO_LARGE, i, field, "is too long");
	return MEDFW_OK;
}

static int is_check_name(const char *s)
{
	for (; *s != '\0'; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_'))
			return 0;
	return 1;
}

static enum medfw_err check_event(const struct medfw_store_device_event *e, size_t i,
				  int64_t prev_seq, struct medfw_diag *diag)
{
	enum medfw_err err;

	if (e->seq < 1 || e->seq > MEDFW_STORE_UPDATE_SEQ_MAX)
		return event_field(diag, MEDFW_ERR_FIELD_VALUE, i, "seq", "is out of range");
	if (e->seq <= prev_seq)
		return event_field(diag, MEDFW_ERR_FIELD_VALUE, i, "seq",
				   "is not above the previous event's");
	if (medfw_store_update_event_name(e->type) == NULL)
		return event_field(diag, MEDFW_ERR_FIELD_VALUE, i, "type", "is not a known type");
	err = check_text(e->target, MEDFW_STORE_UPDATE_TARGET_MAX, i, "target", diag);
	if (err == MEDFW_OK)
		err = check_text(e->version, MEDFW_STORE_SHORT_MAX, i, "version", diag);
	if (err == MEDFW_OK)
		err = check_text(e->reason, MEDFW_STORE_UPDATE_REASON_MAX, i, "reason", diag);
	if (err == MEDFW_OK)
		err = check_text(e->check, MEDFW_STORE_SHORT_MAX, i, "check", diag);
	if (err != MEDFW_OK)
		return err;
	if (!is_check_name(e->check))
		return event_field(diag, MEDFW_ERR_FIELD_VALUE, i, "check",
				   "is not made of A-Z, 0-9 and _");
	if (e->has_bytes && (e->bytes < 0 || e->bytes > MEDFW_STORE_UPDATE_SEQ_MAX))
		return event_field(diag, MEDFW_ERR_FIELD_VALUE, i, "bytes", "is out of range");
	if (e->has_total && (e->total < 0 || e->total > MEDFW_STORE_UPDATE_SEQ_MAX))
		return event_field(diag, MEDFW_ERR_FIELD_VALUE, i, "total", "is out of range");
	if (e->has_bytes && e->has_total && e->bytes > e->total)
		return event_field(diag, MEDFW_ERR_FIELD_VALUE, i, "bytes", "is above total");
	if (e->slot != 0 && e->slot != 'A' && e->slot != 'B')
		return event_field(diag, MEDFW_ERR_FIELD_VALUE, i, "slot", "is not A or B");
	return MEDFW_OK;
}

/* ---- append ----------------------------------------------------------------------- */

struct append_arg {
	int64_t device_id;
	struct medfw_store_device_event *events;
	size_t count;
	int64_t now;
	size_t stored;
};

static void bind_event(struct medfwi_q *q, int64_t device_id,
		       const struct medfw_store_device_event *e, int64_t received)
{
	char slot[2] = {e->slot, '\0'};

	medfwi_q_int(q, device_id);
	medfwi_q_int(q, e->seq);
	medfwi_q_text(q, medfw_store_update_event_name(e->type));
	medfwi_q_int(q, e->time);
	medfwi_q_int(q, received);
	medfwi_q_text0(q, e->target);
	medfwi_q_text0(q, e->version);
	if (e->has_bytes)
		medfwi_q_int(q, e->bytes);
	else
		medfwi_q_text(q, NULL);
	if (e->has_total)
		medfwi_q_int(q, e->total);
	else
		medfwi_q_text(q, NULL);
	medfwi_q_text0(q, e->reason);
	medfwi_q_text0(q, e->check);
	medfwi_q_text0(q, slot);
}

static enum medfw_err append_fn(struct medfw_store *tx, void *arg, struct medfw_diag *diag)
{
	struct append_arg *a = arg;
	const struct medfw_store_device_event *newest = NULL;
	struct medfwi_q q;
	int64_t update_seq = 0, changed = 0;
	int row = 0;
	enum medfw_err err;

	a->stored = 0; /* fn may run again (busy retry) */
	if (medfwi_q_begin(&q, tx, "device event", SQL_EVENT_DEVICE, diag) == MEDFW_OK) {
		medfwi_q_int(&q, a->device_id);
		if (medfwi_q_step(&q, &row) == MEDFW_OK && row)
			update_seq = medfwi_q_col_int(&q, 0);
	}
	err = medfwi_q_end(&q);
	if (err == MEDFW_OK && !row)
		err = medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND, "device event: no device with id %lld",
				     (long long)a->device_id);
	for (size_t i = 0; err == MEDFW_OK && i < a->count; i++) {
		struct medfw_store_device_event *e = &a->events[i];

		if (medfwi_q_begin(&q, tx, "device event", SQL_EVENT_INSERT, diag) == MEDFW_OK) {
			bind_event(&q, a->device_id, e, a->now);
			medfwi_q_exec(&q, &changed);
		}
		err = medfwi_q_end(&q);
		e->duplicate = err == MEDFW_OK && changed == 0;
		if (err == MEDFW_OK && !e->duplicate) {
			a->stored++;
			newest = e; /* seq increases along the array */
		}
	}
	if (err != MEDFW_OK || newest == NULL || newest->seq <= update_seq)
		return err;
	if (medfwi_q_begin(&q, tx, "device event", SQL_EVENT_DEVICE_STATE, diag) == MEDFW_OK) {
		medfwi_q_text(&q, medfw_store_update_event_name(newest->type));
		medfwi_q_int(&q, newest->seq);
		medfwi_q_text0(&q, newest->target);
		medfwi_q_text0(&q, newest->version);
		medfwi_q_text0(&q, newest->reason[0] != '\0' ? newest->reason : newest->check);
		medfwi_q_int(&q, a->now);
		medfwi_q_int(&q, a->device_id);
		medfwi_q_exec(&q, NULL);
	}
	return medfwi_q_end(&q);
}

enum medfw_err medfw_store_device_events_append(struct medfw_store *store, int64_t device_id,
						struct medfw_store_device_event *events,
						size_t count, size_t *out_stored,
						struct medfw_diag *diag)
{
	struct append_arg a;
	enum medfw_err err = MEDFW_OK;

	if (out_stored != NULL)
		*out_stored = 0;
	if (store == NULL || events == NULL || count == 0)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "device event: no events");
	if (count > MEDFW_STORE_UPDATE_EVENTS_MAX)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE,
				      "device event: more than %d events at once",
				      MEDFW_STORE_UPDATE_EVENTS_MAX);
	for (size_t i = 0; err == MEDFW_OK && i < count; i++) {
		events[i].received = 0;
		events[i].duplicate = 0;
		err = check_event(&events[i], i, i > 0 ? events[i - 1].seq : 0, diag);
	}
	if (err != MEDFW_OK)
		return err;
	memset(&a, 0, sizeof(a));
	a.device_id = device_id;
	a.events = events;
	a.count = count;
	a.now = medfwi_now(store);
	err = medfwi_run(store, MEDFWI_TX_DURABLE, append_fn, &a, diag);
	for (size_t i = 0; i < count; i++) {
		events[i].received = err == MEDFW_OK ? a.now : 0;
		if (err != MEDFW_OK)
			events[i].duplicate = 0;
	}
	if (err == MEDFW_OK && out_stored != NULL)
		*out_stored = a.stored;
	return err;
}

/* ---- history ---------------------------------------------------------------------- */

struct list_arg {
	struct medfw_store_scope scope;
	int64_t device_id;
	int64_t before_seq;
	struct medfw_store_device_event *out;
	size_t cap, count;
	int more;
};

static void read_event(struct medfwi_q *q, struct medfw_store_device_event *e)
{
	char type[MEDFW_STORE_SHORT_MAX + 1], slot[2];

	memset(e, 0, sizeof(*e));
	e->seq = medfwi_q_col_int(q, 0);
	medfwi_q_col_text(q, 1, type, sizeof(type));
	if (medfw_store_update_event_parse(type, &e->type) != MEDFW_OK && q->err == MEDFW_OK)
		q->err = medfw_diag_set(q->diag, MEDFW_ERR_FIELD_VALUE,
					"device event: stored type invalid");
	e->time = medfwi_q_col_int(q, 2);
	e->received = medfwi_q_col_int(q, 3);
	medfwi_q_col_text(q, 4, e->target, sizeof(e->target));
	medfwi_q_col_text(q, 5, e->version, sizeof(e->version));
	e->has_bytes = !medfwi_q_col_null(q, 6);
	e->bytes = medfwi_q_col_int(q, 6);
	e->has_total = !medfwi_q_col_null(q, 7);
	e->total = medfwi_q_col_int(q, 7);
	medfwi_q_col_text(q, 8, e->reason, sizeof(e->reason));
	medfwi_q_col_text(q, 9, e->check, sizeof(e->check));
	medfwi_q_col_text(q, 10, slot, sizeof(slot));
	e->slot = slot[0];
}

static enum medfw_err list_fn(struct medfw_store *tx, void *arg, struct medfw_diag *diag)
{
	struct list_arg *a = arg;
	struct medfwi_q q;
	int row = 0;
	enum medfw_err err;

	a->count = 0;
	a->more = 0;
	if (medfwi_q_begin(&q, tx, "device event", SQL_EVENT_IN_SCOPE, diag) == MEDFW_OK) {
		medfwi_q_int(&q, a->device_id);
		medfwi_q_scope(&q, a->scope);
		medfwi_q_step(&q, &row);
	}
	err = medfwi_q_end(&q);
	if (err == MEDFW_OK && !row)
		err = medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND, "device event: no device with id %lld",
				     (long long)a->device_id);
	if (err != MEDFW_OK)
		return err;
	/* one row more than asked tells whether older events exist */
	if (medfwi_q_begin(&q, tx, "device event", SQL_EVENT_LIST, diag) == MEDFW_OK) {
		medfwi_q_int(&q, a->device_id);
		medfwi_q_int(&q, a->before_seq);
		medfwi_q_int(&q, (int64_t)a->cap + 1);
		while (medfwi_q_step(&q, &row) == MEDFW_OK && row) {
			if (a->count == a->cap) {
				a->more = 1;
				break;
			}
			read_event(&q, &a->out[a->count++]);
		}
	}
	return medfwi_q_end(&q);
}

enum medfw_err medfw_store_device_events_list(struct medfw_store *store,
					      struct medfw_store_scope scope, int64_t device_id,
					      int64_t before_seq,
					      struct medfw_store_device_event *out, size_t cap,
					      size_t *out_count, int64_t *out_next_before_seq,
					      struct medfw_diag *diag)
{
	struct list_arg a;
	enum medfw_err err;

	*out_count = 0;
	*out_next_before_seq = 0;
	err = medfwi_check_scope(scope, diag);
	if (err != MEDFW_OK)
		return err;
	if (out == NULL || cap == 0 || cap > INT32_MAX || before_seq < 0)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "device event: bad page");
	memset(&a, 0, sizeof(a));
	a.scope = scope;
	a.device_id = device_id;
	a.before_seq = before_seq > 0 ? before_seq : INT64_MAX;
	a.out = out;
	a.cap = cap;
	err = medfwi_run(store, MEDFWI_TX_READ, list_fn, &a, diag);
	if (err != MEDFW_OK) {
		memset(out, 0, cap * sizeof(*out));
		return err;
	}
	*out_count = a.count;
	*out_next_before_seq = a.more && a.count > 0 ? a.out[a.count - 1].seq : 0;
	return MEDFW_OK;
}
