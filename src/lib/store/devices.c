/* Devices: inventory records, check-ins, enrolment state, listing with filters. */
#include <string.h>

#include "medfw/buf.h"
#include "store_internal.h"

#define DEVICE_COLS                                                                        \
	"id, site_id, udi_di, udi_pi, serial, model, hardware_id, department, location,"   \
	" network_zone, vlan, ip, mac, firmware_version, image_sha256,"                   \
	" image_is_signed_release, agent_version, last_seen, clinical_state,"             \
	" enrolment_state, public_key, created_at, update_state, update_seq, update_target,"  \
	" update_version, update_reason, update_at, tags"

static const char SQL_DEVICE_INSERT[] =
	"INSERT INTO devices (site_id, udi_di, udi_pi, serial, model, hardware_id, department,"
	" location, network_zone, vlan, ip, mac, firmware_version, image_sha256,"
	" image_is_signed_release, agent_version, last_seen, clinical_state, enrolment_state,"
	" public_key, tags, created_at)"
	" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id";
static const char SQL_DEVICE_GET[] =
	"SELECT " DEVICE_COLS " FROM devices WHERE id = ? AND (? OR site_id = ?)";
static const char SQL_DEVICE_UPDATE[] =
	"UPDATE devices SET udi_di = ?, udi_pi = ?, serial = ?, model = ?, hardware_id = ?,"
	" department = ?, location = ?, network_zone = ?, vlan = ?, ip = ?, mac = ?,"
	" firmware_version = ?, image_sha256 = ?, image_is_signed_release = ?,"
	" agent_version = ?, last_seen = ?, clinical_state = ?, enrolment_state = ?,"
	" public_key = ?, tags = ? WHERE id = ? AND (? OR site_id = ?)";
static const char SQL_DEVICE_CHECKIN[] =
	"UPDATE devices SET ip = ?, firmware_version = ?, image_sha256 = ?,"
	" image_is_signed_release = ?, agent_version = ?, clinical_state = ?, last_seen = ?,"
	" mac = CASE WHEN ? = '' THEN mac ELSE ? END,"
	" network_zone = CASE WHEN ? = '' THEN network_zone ELSE ? END"
	" WHERE id = ?";
static const char SQL_DEVICE_ENROL[] =
	"UPDATE devices SET public_key = ?, enrolment_state = 'enrolled'"
	" WHERE id = ? AND enrolment_state = 'pending'";
static const char SQL_DEVICE_REVOKE[] =
	"UPDATE devices SET enrolment_state = 'revoked' WHERE id = ? AND (? OR site_id = ?)";
static const char SQL_DEVICE_DELETE[] = "DELETE FROM devices WHERE id = ? AND (? OR site_id = ?)";
static const char SQL_DEVICE_COUNT[] =
	"SELECT enrolment_state, COUNT(*) FROM devices WHERE (? OR site_id = ?)"
	" GROUP BY enrolment_state";

#define SQL_MAX 2048

/* ---- tags ------------------------------------------------------------------------- */

static int tag_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == ':' || c == '-';
}

/* Length of the tag at s ending at NUL or `end` (',' for stored text), or 0 when it is
 * empty, too long or has another character. */
static size_t tag_len(const char *s, char end)
{
	size_t n = 0;

	while (n <= MEDFW_STORE_TAG_MAX && s[n] != '\0' && s[n] != end) {
		if (!tag_char(s[n]))
			return 0;
		n++;
	}
	return n <= MEDFW_STORE_TAG_MAX ? n : 0;
}

int medfw_store_tag_valid(const char *s)
{
	return s != NULL && tag_len(s, '\0') > 0;
}

enum medfw_err medfw_store_tags_canonical(const char *const *tags, size_t n,
					  char out[MEDFW_STORE_TAGS_MAX + 1],
					  struct medfw_diag *diag)
{
	const char *sorted[MEDFW_STORE_TAGS_COUNT_MAX];
	size_t m = 0, len = 0;

	out[0] = '\0';
	if (n > 0 && tags == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "tags: NULL");
	if (n > MEDFW_STORE_TAGS_COUNT_MAX)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "tags: more than %d tags",
				      MEDFW_STORE_TAGS_COUNT_MAX);
	for (size_t i = 0; i < n; i++) {
		const char *t = tags[i];
		size_t j;

		if (t == NULL)
			return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "tags: tag %zu is NULL", i);
		if (memchr(t, '\0', MEDFW_STORE_TAG_MAX + 1) == NULL)
			return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE,
					      "tags: tag %zu is longer than %d characters", i,
					      MEDFW_STORE_TAG_MAX);
		if (!medfw_store_tag_valid(t))
			return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
					      "tags: tag %zu \"%s\" is not 1 to %d characters of "
					      "A-Z a-z 0-9 . _ : -",
					      i, t, MEDFW_STORE_TAG_MAX);
		/* insertion into the sorted, unique list */
		for (j = 0; j < m && strcmp(sorted[j], t) < 0; j++)
			;
		if (j < m && strcmp(sorted[j], t) == 0)
			continue;
		memmove(&sorted[j + 1], &sorted[j], (m - j) * sizeof(sorted[0]));
		sorted[j] = t;
		m++;
	}
	for (size_t i = 0; i < m; i++) {
		size_t tl = strlen(sorted[i]);

		if (tl + (i > 0) > MEDFW_STORE_TAGS_MAX - len) {
			out[0] = '\0';
			return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE,
					      "tags: longer than %d characters together",
					      MEDFW_STORE_TAGS_MAX);
		}
		if (i > 0)
			out[len++] = ',';
		memcpy(out + len, sorted[i], tl);
		len += tl;
	}
	out[len] = '\0';
	return MEDFW_OK;
}

/* Whether s (NUL-terminated within MEDFW_STORE_TAGS_MAX + 1) is canonical tag text. */
static int tags_text_canonical(const char *s)
{
	const char *prev = NULL;
	size_t prev_len = 0, count = 0;

	if (s[0] == '\0')
		return 1;
	for (;;) {
		size_t n = tag_len(s, ',');

		if (n == 0 || (s[n] != ',' && s[n] != '\0') || ++count > MEDFW_STORE_TAGS_COUNT_MAX)
			return 0;
		if (prev != NULL) {
			int c = memcmp(prev, s, prev_len < n ? prev_len : n);

			if (c > 0 || (c == 0 && prev_len >= n))
				return 0; /* not sorted, or a duplicate */
		}
		prev = s;
		prev_len = n;
		if (s[n] == '\0')
			return 1;
		s += n + 1;
	}
}

static enum medfw_err check_device(const struct medfw_store_device *d, struct medfw_diag *diag)
{
	static const struct {
		size_t off, max;
		int required;
		const char *name;
	} fields[] = {
#define F(f, m, r) {offsetof(struct medfw_store_device, f), m, r, #f}
		F(udi_di, MEDFW_STORE_NAME_MAX, 0),
		F(udi_pi, MEDFW_STORE_NAME_MAX, 0),
		F(serial, MEDFW_STORE_SHORT_MAX, 1),
		F(model, MEDFW_STORE_NAME_MAX, 0),
		F(hardware_id, MEDFW_STORE_NAME_MAX, 0),
		F(department, MEDFW_STORE_NAME_MAX, 0),
		F(location, MEDFW_STORE_NAME_MAX, 0),
		F(network_zone, MEDFW_STORE_SHORT_MAX, 0),
		F(ip, MEDFW_STORE_SHORT_MAX, 0),
		F(mac, MEDFW_STORE_SHORT_MAX, 0),
		F(firmware_version, MEDFW_STORE_SHORT_MAX, 0),
		F(image_sha256, MEDFW_STORE_SHORT_MAX, 0),
		F(agent_version, MEDFW_STORE_SHORT_MAX, 0),
		F(tags, MEDFW_STORE_TAGS_MAX, 0),
#undef F
	};
	enum medfw_err err = MEDFW_OK;

	if (d == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "device: NULL");
	for (size_t i = 0; err == MEDFW_OK && i < sizeof(fields) / sizeof(fields[0]); i++)
		err = medfwi_check_str((const char *)d + fields[i].off, fields[i].max,
				       fields[i].required, "device", fields[i].name, diag);
	if (err != MEDFW_OK)
		return err;
	if (d->vlan < 0 || d->vlan > 4094)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "device: vlan out of range");
	if (d->image_is_signed_release < MEDFW_TRI_UNKNOWN ||
	    d->image_is_signed_release > MEDFW_TRI_YES)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "device: image_is_signed_release invalid");
	if (medfw_store_clinical_state_name(d->clinical_state) == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "device: clinical_state invalid");
	if (d->enrolment_state != 0 && medfw_store_enrolment_state_name(d->enrolment_state) == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "device: enrolment_state invalid");
	if (!tags_text_canonical(d->tags))
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "device: tags is not canonical (medfw_store_tags_canonical)");
	return MEDFW_OK;
}

static void bind_tri(struct medfwi_q *q, enum medfw_store_tristate t)
{
	if (t == MEDFW_TRI_UNKNOWN)
		medfwi_q_text(q, NULL);
	else
		medfwi_q_int(q, t == MEDFW_TRI_YES ? 1 : 0);
}

/* Every mutable column, in SQL_DEVICE_INSERT / SQL_DEVICE_UPDATE order (from udi_di). */
static void bind_device(struct medfwi_q *q, const struct medfw_store_device *d)
{
	medfwi_q_text0(q, d->udi_di);
	medfwi_q_text0(q, d->udi_pi);
	medfwi_q_text(q, d->serial);
	medfwi_q_text(q, d->model);
	medfwi_q_text(q, d->hardware_id);
	medfwi_q_text(q, d->department);
	medfwi_q_text(q, d->location);
	medfwi_q_text(q, d->network_zone);
	medfwi_q_int0(q, d->vlan);
	medfwi_q_text(q, d->ip);
	medfwi_q_text(q, d->mac);
	medfwi_q_text(q, d->firmware_version);
	medfwi_q_text(q, d->image_sha256);
	bind_tri(q, d->image_is_signed_release);
	medfwi_q_text(q, d->agent_version);
	medfwi_q_int0(q, d->last_seen);
	medfwi_q_text(q, medfw_store_clinical_state_name(d->clinical_state));
	medfwi_q_text(q, medfw_store_enrolment_state_name(
				 d->enrolment_state != 0 ? d->enrolment_state : MEDFW_ENROLMENT_PENDING));
	medfwi_q_blob0(q, d->public_key, d->has_public_key ? sizeof(d->public_key) : 0);
	medfwi_q_text(q, d->tags);
}

static void read_device(struct medfwi_q *q, struct medfw_store_device *d)
{
	char state[MEDFW_STORE_SHORT_MAX + 1];

	d->id = medfwi_q_col_int(q, 0);
	d->site_id = medfwi_q_col_int(q, 1);
	medfwi_q_col_text(q, 2, d->udi_di, sizeof(d->udi_di));
	medfwi_q_col_text(q, 3, d->udi_pi, sizeof(d->udi_pi));
	medfwi_q_col_text(q, 4, d->serial, sizeof(d->serial));
	medfwi_q_col_text(q, 5, d->model, sizeof(d->model));
	medfwi_q_col_text(q, 6, d->hardware_id, sizeof(d->hardware_id));
	medfwi_q_col_text(q, 7, d->department, sizeof(d->department));
	medfwi_q_col_text(q, 8, d->location, sizeof(d->location));
	medfwi_q_col_text(q, 9, d->network_zone, sizeof(d->network_zone));
	d->vlan = medfwi_q_col_int(q, 10);
	medfwi_q_col_text(q, 11, d->ip, sizeof(d->ip));
	medfwi_q_col_text(q, 12, d->mac, sizeof(d->mac));
	medfwi_q_col_text(q, 13, d->firmware_version, sizeof(d->firmware_version));
	medfwi_q_col_text(q, 14, d->image_sha256, sizeof(d->image_sha256));
	d->image_is_signed_release = medfwi_q_col_null(q, 15) ? MEDFW_TRI_UNKNOWN
				     : medfwi_q_col_int(q, 15) ? MEDFW_TRI_YES
							       : MEDFW_TRI_NO;
	medfwi_q_col_text(q, 16, d->agent_version, sizeof(d->agent_version));
	d->last_seen = medfwi_q_col_int(q, 17);
	medfwi_q_col_text(q, 18, state, sizeof(state));
	if (medfw_store_clinical_state_parse(state, &d->clinical_state) != MEDFW_OK &&
	    q->err == MEDFW_OK)
		q->err = medfw_diag_set(q->diag, MEDFW_ERR_FIELD_VALUE, "device: stored clinical_state invalid");
	medfwi_q_col_text(q, 19, state, sizeof(state));
	if (medfw_store_enrolment_state_parse(state, &d->enrolment_state) != MEDFW_OK &&
	    q->err == MEDFW_OK)
		q->err = medfw_diag_set(q->diag, MEDFW_ERR_FIELD_VALUE, "device: stored enrolment_state invalid");
	d->has_public_key = !medfwi_q_col_null(q, 20);
	medfwi_q_col_blob(q, 20, d->public_key, sizeof(d->public_key),
			  d->has_public_key ? NULL : (size_t[]){0});
	d->created_at = medfwi_q_col_int(q, 21);
	medfwi_q_col_text(q, 22, state, sizeof(state));
	d->update_state = MEDFW_UPDATE_NONE;
	if (state[0] != '\0' && medfw_store_update_event_parse(state, &d->update_state) != MEDFW_OK &&
	    q->err == MEDFW_OK)
		q->err = medfw_diag_set(q->diag, MEDFW_ERR_FIELD_VALUE, "device: stored update_state invalid");
	d->update_seq = medfwi_q_col_int(q, 23);
	medfwi_q_col_text(q, 24, d->update_target, sizeof(d->update_target));
	medfwi_q_col_text(q, 25, d->update_version, sizeof(d->update_version));
	medfwi_q_col_text(q, 26, d->update_reason, sizeof(d->update_reason));
	d->update_at = medfwi_q_col_int(q, 27);
	medfwi_q_col_text(q, 28, d->tags, sizeof(d->tags));
}

enum medfw_err medfw_store_device_create(struct medfw_store *store,
					 struct medfw_store_device *device,
					 struct medfw_diag *diag)
{
	struct medfwi_q q;
	int row = 0;
	int64_t now = medfwi_now(store);
	enum medfw_err err = check_device(device, diag);

	if (err != MEDFW_OK)
		return err;
	if (device->site_id <= 0)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_MISSING, "device: site_id is required");
	if (medfwi_q_begin(&q, store, "device", SQL_DEVICE_INSERT, diag) == MEDFW_OK) {
		medfwi_q_int(&q, device->site_id);
		bind_device(&q, device);
		medfwi_q_int(&q, now);
		if (medfwi_q_step(&q, &row) == MEDFW_OK && row) {
			device->id = medfwi_q_col_int(&q, 0);
			device->created_at = now;
			if (device->enrolment_state == 0)
				device->enrolment_state = MEDFW_ENROLMENT_PENDING;
		}
	}
	return medfwi_q_end(&q);
}

enum medfw_err medfw_store_device_get(struct medfw_store *store, struct medfw_store_scope scope,
				      int64_t id, struct medfw_store_device *out,
				      struct medfw_diag *diag)
{
	struct medfwi_q q;
	int row = 0;
	enum medfw_err err;

	memset(out, 0, sizeof(*out));
	err = medfwi_check_scope(scope, diag);
	if (err != MEDFW_OK)
		return err;
	if (medfwi_q_begin(&q, store, "device", SQL_DEVICE_GET, diag) == MEDFW_OK) {
		medfwi_q_int(&q, id);
		medfwi_q_scope(&q, scope);
		if (medfwi_q_step(&q, &row) == MEDFW_OK && row)
			read_device(&q, out);
	}
	err = medfwi_q_end(&q);
	if (err == MEDFW_OK && !row)
		err = medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND, "device: no device with id %lld",
				     (long long)id);
	if (err != MEDFW_OK)
		memset(out, 0, sizeof(*out));
	return err;
}

/* ---- listing ---------------------------------------------------------------------- */

struct list_arg {
	struct medfw_store_scope scope;
	const struct medfw_store_device_filter *f;
	char pattern[2 * MEDFW_STORE_NAME_MAX + 3];
	int64_t offset;
	struct medfw_store_device *out;
	size_t cap, count;
	int want_total; /* the caller asked for the total: COUNT(*) first */
	int64_t total;
};

/* The WHERE clause is made of constant fragments only; values are bound in the same
 * order by bind_where. */
static enum medfw_err build_where(struct medfw_buf *sql, const struct list_arg *a)
{
	enum medfw_err err = medfw_buf_append_str(sql, " FROM devices WHERE (? OR site_id = ?)");

	if (err == MEDFW_OK && a->f->model[0] != '\0')
		err = medfw_buf_append_str(sql, " AND model = ?");
	if (err == MEDFW_OK && a->f->firmware_version[0] != '\0')
		err = medfw_buf_append_str(sql, " AND firmware_version = ?");
	if (err == MEDFW_OK && a->f->enrolment_state != 0)
		err = medfw_buf_append_str(sql, " AND enrolment_state = ?");
	if (err == MEDFW_OK && a->f->site_id != 0)
		err = medfw_buf_append_str(sql, " AND site_id = ?");
	if (err == MEDFW_OK && a->f->signed_release != MEDFW_SIGNED_ANY)
		err = medfw_buf_append_str(sql, a->f->signed_release == MEDFW_SIGNED_YES
							? " AND image_is_signed_release = 1"
						: a->f->signed_release == MEDFW_SIGNED_NO
							? " AND image_is_signed_release = 0"
							: " AND image_is_signed_release IS NULL");
	if (err == MEDFW_OK && a->f->search[0] != '\0')
		err = medfw_buf_append_str(
			sql, " AND (serial LIKE ? ESCAPE '\\' OR udi_di LIKE ? ESCAPE '\\'"
			     " OR udi_pi LIKE ? ESCAPE '\\' OR location LIKE ? ESCAPE '\\')");
	if (err == MEDFW_OK && a->f->after_id > 0)
		err = medfw_buf_append_str(sql, " AND id > ?");
	if (err == MEDFW_OK && a->f->udi_di[0] != '\0')
		err = medfw_buf_append_str(sql, " AND udi_di = ?");
	if (err == MEDFW_OK && a->f->serial[0] != '\0')
		/* the record's serial, or the serial of its UDI's production identifier */
		err = medfw_buf_append_str(sql, " AND (serial = ? OR instr(';' || udi_pi || ';',"
						" ';serial=' || ? || ';') > 0)");
	/* exact tag: tags hold no ',' and the tag was checked to have none */
	if (err == MEDFW_OK && a->f->tag[0] != '\0')
		err = medfw_buf_append_str(sql, " AND instr(',' || tags || ',', ',' || ? || ',') > 0");
	return err;
}

static void bind_where(struct medfwi_q *q, const struct list_arg *a)
{
	medfwi_q_scope(q, a->scope);
	if (a->f->model[0] != '\0')
		medfwi_q_text(q, a->f->model);
	if (a->f->firmware_version[0] != '\0')
		medfwi_q_text(q, a->f->firmware_version);
	if (a->f->enrolment_state != 0)
		medfwi_q_text(q, medfw_store_enrolment_state_name(a->f->enrolment_state));
	if (a->f->site_id != 0)
		medfwi_q_int(q, a->f->site_id);
	if (a->f->search[0] != '\0') {
		for (int i = 0; i < 4; i++)
			medfwi_q_text(q, a->pattern);
	}
	if (a->f->after_id > 0)
		medfwi_q_int(q, a->f->after_id);
	if (a->f->udi_di[0] != '\0')
		medfwi_q_text(q, a->f->udi_di);
	if (a->f->serial[0] != '\0') {
		medfwi_q_text(q, a->f->serial);
		medfwi_q_text(q, a->f->serial);
	}
	if (a->f->tag[0] != '\0')
		medfwi_q_text(q, a->f->tag);
}

static const char *const sort_columns[] = {
	" ORDER BY id", " ORDER BY serial", " ORDER BY model", " ORDER BY firmware_version",
	" ORDER BY last_seen", " ORDER BY location",
};

static enum medfw_err list_fn(struct medfw_store *tx, void *arg, struct medfw_diag *diag)
{
	struct list_arg *a = arg;
	struct medfw_buf sql;
	struct medfwi_q q;
	int row = 0;
	enum medfw_err err;

	medfw_buf_init(&sql, SQL_MAX);
	if (a->want_total) {
		err = medfw_buf_append_str(&sql, "SELECT COUNT(*)");
		if (err == MEDFW_OK)
			err = build_where(&sql, a);
		if (err != MEDFW_OK)
			goto out;
		if (medfwi_q_begin_dynamic(&q, tx, "device", (const char *)sql.data, diag) ==
		    MEDFW_OK) {
			bind_where(&q, a);
			if (medfwi_q_step(&q, &row) == MEDFW_OK && row)
				a->total = medfwi_q_col_int(&q, 0);
		}
		err = medfwi_q_end(&q);
		if (err != MEDFW_OK)
			goto out;
		medfw_buf_reset(&sql);
	}
	err = medfw_buf_append_str(&sql, "SELECT " DEVICE_COLS);
	if (err == MEDFW_OK)
		err = build_where(&sql, a);
	if (err == MEDFW_OK)
		err = medfw_buf_append_str(&sql, sort_columns[a->f->sort]);
	if (err == MEDFW_OK && a->f->descending)
		err = medfw_buf_append_str(&sql, " DESC");
	if (err == MEDFW_OK)
		err = medfw_buf_append_str(&sql, a->f->descending ? ", id DESC" : ", id");
	if (err == MEDFW_OK)
		err = medfw_buf_append_str(&sql, " LIMIT ? OFFSET ?");
	if (err != MEDFW_OK)
		goto out;
	if (medfwi_q_begin_dynamic(&q, tx, "device", (const char *)sql.data, diag) == MEDFW_OK) {
		bind_where(&q, a);
		medfwi_q_int(&q, (int64_t)a->cap);
		medfwi_q_int(&q, a->offset);
		while (a->count < a->cap && medfwi_q_step(&q, &row) == MEDFW_OK && row)
			read_device(&q, &a->out[a->count++]);
	}
	err = medfwi_q_end(&q);
out:
	medfw_buf_free(&sql);
	if (err != MEDFW_OK && diag != NULL && diag->msg[0] == '\0')
		medfw_diag_set(diag, err, "device: listing query too large");
	return err;
}

/* "%" + s with % _ \ escaped + "%" */
static void like_pattern(const char *s, char *out, size_t cap)
{
	size_t n = 0;

	out[n++] = '%';
	for (; *s != '\0' && n + 3 < cap; s++) {
		if (*s == '%' || *s == '_' || *s == '\\')
			out[n++] = '\\';
		out[n++] = *s;
	}
	out[n++] = '%';
	out[n] = '\0';
}

enum medfw_err medfw_store_device_list(struct medfw_store *store, struct medfw_store_scope scope,
				       const struct medfw_store_device_filter *filter,
				       int64_t offset, struct medfw_store_device *out, size_t cap,
				       size_t *out_count, int64_t *out_total,
				       struct medfw_diag *diag)
{
	static const struct medfw_store_device_filter none;
	struct list_arg a;
	enum medfw_err err;

	*out_count = 0;
	if (out_total != NULL)
		*out_total = 0;
	err = medfwi_check_scope(scope, diag);
	if (err != MEDFW_OK)
		return err;
	memset(&a, 0, sizeof(a));
	a.scope = scope;
	a.f = filter != NULL ? filter : &none;
	a.offset = offset;
	a.out = out;
	a.cap = cap;
	a.want_total = out_total != NULL;
	if (offset < 0 || cap > INT32_MAX || (cap > 0 && out == NULL) || a.f->after_id < 0)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "device: bad page");
	err = medfwi_check_str(a.f->model, MEDFW_STORE_NAME_MAX, 0, "device filter", "model", diag);
	if (err == MEDFW_OK)
		err = medfwi_check_str(a.f->firmware_version, MEDFW_STORE_SHORT_MAX, 0,
				       "device filter", "firmware_version", diag);
	if (err == MEDFW_OK)
		err = medfwi_check_str(a.f->search, MEDFW_STORE_NAME_MAX, 0, "device filter",
				       "search", diag);
	if (err == MEDFW_OK)
		err = medfwi_check_str(a.f->tag, MEDFW_STORE_TAG_MAX, 0, "device filter", "tag", diag);
	if (err == MEDFW_OK)
		err = medfwi_check_str(a.f->udi_di, MEDFW_STORE_NAME_MAX, 0, "device filter",
				       "udi_di", diag);
	if (err == MEDFW_OK)
		err = medfwi_check_str(a.f->serial, MEDFW_STORE_SHORT_MAX, 0, "device filter",
				       "serial", diag);
	if (err != MEDFW_OK)
		return err;
	if (a.f->tag[0] != '\0' && !medfw_store_tag_valid(a.f->tag))
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "device filter: tag is not 1 to %d characters of "
				      "A-Z a-z 0-9 . _ : -",
				      MEDFW_STORE_TAG_MAX);
	if ((unsigned)a.f->sort >= sizeof(sort_columns) / sizeof(sort_columns[0]))
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "device filter: unknown sort");
	if (a.f->enrolment_state != 0 &&
	    medfw_store_enrolment_state_name(a.f->enrolment_state) == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "device filter: unknown enrolment_state");
	if (a.f->site_id < 0 || (unsigned)a.f->signed_release > MEDFW_SIGNED_UNKNOWN)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "device filter: bad site_id or signed_release");
	like_pattern(a.f->search, a.pattern, sizeof(a.pattern));
	err = medfwi_run(store, MEDFWI_TX_READ, list_fn, &a, diag);
	if (err != MEDFW_OK) {
		memset(out, 0, a.count * sizeof(*out));
		return err;
	}
	*out_count = a.count;
	if (out_total != NULL)
		*out_total = a.total;
	return MEDFW_OK;
}

/* ---- changes ---------------------------------------------------------------------- */

static enum medfw_err device_changed(enum medfw_err err, int64_t changed, int64_t id,
				     struct medfw_diag *diag)
{
	if (err == MEDFW_OK && changed == 0)
		return medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND, "device: no device with id %lld",
				      (long long)id);
	return err;
}

enum medfw_err medfw_store_device_update(struct medfw_store *store, struct medfw_store_scope scope,
					 const struct medfw_store_device *device,
					 struct medfw_diag *diag)
{
	struct medfwi_q q;
	int64_t changed = 0;
	enum medfw_err err = medfwi_check_scope(scope, diag);

	if (err == MEDFW_OK)
		err = check_device(device, diag);
	if (err != MEDFW_OK)
		return err;
	if (medfwi_q_begin(&q, store, "device", SQL_DEVICE_UPDATE, diag) == MEDFW_OK) {
		bind_device(&q, device);
		medfwi_q_int(&q, device->id);
		medfwi_q_scope(&q, scope);
		medfwi_q_exec(&q, &changed);
	}
	return device_changed(medfwi_q_end(&q), changed, device->id, diag);
}

enum medfw_err medfw_store_device_checkin(struct medfw_store *store, int64_t id,
					  const struct medfw_store_checkin *c,
					  struct medfw_diag *diag)
{
	struct medfwi_q q;
	int64_t changed = 0;
	enum medfw_err err;

	if (c == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "checkin: NULL");
	err = medfwi_check_str(c->ip, MEDFW_STORE_SHORT_MAX, 0, "checkin", "ip", diag);
	if (err == MEDFW_OK)
		err = medfwi_check_str(c->firmware_version, MEDFW_STORE_SHORT_MAX, 0, "checkin",
				       "firmware_version", diag);
	if (err == MEDFW_OK)
		err = medfwi_check_str(c->image_sha256, MEDFW_STORE_SHORT_MAX, 0, "checkin",
				       "image_sha256", diag);
	if (err == MEDFW_OK)
		err = medfwi_check_str(c->agent_version, MEDFW_STORE_SHORT_MAX, 0, "checkin",
				       "agent_version", diag);
	if (err == MEDFW_OK)
		err = medfwi_check_str(c->mac, MEDFW_STORE_SHORT_MAX, 0, "checkin", "mac", diag);
	if (err == MEDFW_OK)
		err = medfwi_check_str(c->network_zone, MEDFW_STORE_SHORT_MAX, 0, "checkin",
				       "network_zone", diag);
	if (err != MEDFW_OK)
		return err;
	if (medfw_store_clinical_state_name(c->clinical_state) == NULL ||
	    c->image_is_signed_release < MEDFW_TRI_UNKNOWN ||
	    c->image_is_signed_release > MEDFW_TRI_YES)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE, "checkin: invalid state");
	if (medfwi_q_begin(&q, store, "device", SQL_DEVICE_CHECKIN, diag) == MEDFW_OK) {
		medfwi_q_text(&q, c->ip);
		medfwi_q_text(&q, c->firmware_version);
		medfwi_q_text(&q, c->image_sha256);
		bind_tri(&q, c->image_is_signed_release);
		medfwi_q_text(&q, c->agent_version);
		medfwi_q_text(&q, medfw_store_clinical_state_name(c->clinical_state));
		medfwi_q_int(&q, c->now);
		medfwi_q_text(&q, c->mac);
		medfwi_q_text(&q, c->mac);
		medfwi_q_text(&q, c->network_zone);
		medfwi_q_text(&q, c->network_zone);
		medfwi_q_int(&q, id);
		medfwi_q_exec(&q, &changed);
	}
	return device_changed(medfwi_q_end(&q), changed, id, diag);
}

enum medfw_err medfw_store_device_enrol(struct medfw_store *store, int64_t id,
					const uint8_t public_key[MEDFW_STORE_PUBKEY_LEN],
					struct medfw_diag *diag)
{
	struct medfwi_q q;
	int64_t changed = 0;
	enum medfw_err err;

	if (medfwi_q_begin(&q, store, "device", SQL_DEVICE_ENROL, diag) == MEDFW_OK) {
		medfwi_q_blob(&q, public_key, MEDFW_STORE_PUBKEY_LEN);
		medfwi_q_int(&q, id);
		medfwi_q_exec(&q, &changed);
	}
	err = medfwi_q_end(&q);
	if (err == MEDFW_OK && changed == 0)
		err = medfw_diag_set(diag, MEDFW_ERR_STATE,
				     "device: device %lld is unknown or not pending enrolment",
				     (long long)id);
	return err;
}

static enum medfw_err scoped_exec(struct medfw_store *store, const char *sql,
				  struct medfw_store_scope scope, int64_t id,
				  struct medfw_diag *diag)
{
	struct medfwi_q q;
	int64_t changed = 0;
	enum medfw_err err = medfwi_check_scope(scope, diag);

	if (err != MEDFW_OK)
		return err;
	if (medfwi_q_begin(&q, store, "device", sql, diag) == MEDFW_OK) {
		medfwi_q_int(&q, id);
		medfwi_q_scope(&q, scope);
		medfwi_q_exec(&q, &changed);
	}
	return device_changed(medfwi_q_end(&q), changed, id, diag);
}

enum medfw_err medfw_store_device_revoke(struct medfw_store *store, struct medfw_store_scope scope,
					 int64_t id, struct medfw_diag *diag)
{
	return scoped_exec(store, SQL_DEVICE_REVOKE, scope, id, diag);
}

enum medfw_err medfw_store_device_delete(struct medfw_store *store, struct medfw_store_scope scope,
					 int64_t id, struct medfw_diag *diag)
{
	return scoped_exec(store, SQL_DEVICE_DELETE, scope, id, diag);
}

enum medfw_err medfw_store_device_count_by_state(struct medfw_store *store,
						 struct medfw_store_scope scope, int64_t out[4],
						 struct medfw_diag *diag)
{
	struct medfwi_q q;
	int row = 0;
	enum medfw_err err;

	memset(out, 0, 4 * sizeof(out[0]));
	err = medfwi_check_scope(scope, diag);
	if (err != MEDFW_OK)
		return err;
	if (medfwi_q_begin(&q, store, "device", SQL_DEVICE_COUNT, diag) == MEDFW_OK) {
		medfwi_q_scope(&q, scope);
		while (medfwi_q_step(&q, &row) == MEDFW_OK && row) {
			char state[MEDFW_STORE_SHORT_MAX + 1];
			enum medfw_store_enrolment_state s;

			medfwi_q_col_text(&q, 0, state, sizeof(state));
			if (medfw_store_enrolment_state_parse(state, &s) == MEDFW_OK)
				out[s] = medfwi_q_col_int(&q, 1);
		}
	}
	err = medfwi_q_end(&q);
	if (err != MEDFW_OK)
		memset(out, 0, 4 * sizeof(out[0]));
	return err;
}

/* ---- firmware inventory report ---------------------------------------------------- */

static const char SQL_FIRMWARE_REPORT[] =
	"SELECT model, firmware_version, COUNT(*),"
	" SUM(CASE WHEN image_is_signed_release = 1 THEN 1 ELSE 0 END),"
	" SUM(CASE WHEN image_is_signed_release = 0 THEN 1 ELSE 0 END),"
	" SUM(CASE WHEN image_is_signed_release IS NULL THEN 1 ELSE 0 END)"
	" FROM devices WHERE (? OR site_id = ?) AND (? = 0 OR site_id = ?)"
	" AND enrolment_state <> 'revoked'"
	" GROUP BY model, firmware_version ORDER BY model, firmware_version";

enum medfw_err medfw_store_firmware_report(struct medfw_store *store,
					   struct medfw_store_scope scope, int64_t site_id,
					   struct medfw_store_firmware_row *out, size_t cap,
					   size_t *out_count, struct medfw_diag *diag)
{
	struct medfwi_q q;
	int row = 0;
	size_t n = 0;
	enum medfw_err err;

	*out_count = 0;
	err = medfwi_check_scope(scope, diag);
	if (err != MEDFW_OK)
		return err;
	if (site_id < 0 || (cap > 0 && out == NULL))
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "firmware report: bad arguments");
	if (medfwi_q_begin(&q, store, "device", SQL_FIRMWARE_REPORT, diag) == MEDFW_OK) {
		medfwi_q_scope(&q, scope);
		medfwi_q_int(&q, site_id);
		medfwi_q_int(&q, site_id);
		while (medfwi_q_step(&q, &row) == MEDFW_OK && row) {
			struct medfw_store_firmware_row *r;

			if (n == cap) {
				q.err = medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE,
						       "firmware report: more than %zu rows", cap);
				break;
			}
			r = &out[n++];
			memset(r, 0, sizeof(*r));
			medfwi_q_col_text(&q, 0, r->model, sizeof(r->model));
			medfwi_q_col_text(&q, 1, r->firmware_version, sizeof(r->firmware_version));
			r->devices = medfwi_q_col_int(&q, 2);
			r->signed_release = medfwi_q_col_int(&q, 3);
			r->not_signed = medfwi_q_col_int(&q, 4);
			r->unknown = medfwi_q_col_int(&q, 5);
		}
	}
	err = medfwi_q_end(&q);
	if (err != MEDFW_OK) {
		if (n > 0)
			memset(out, 0, n * sizeof(*out));
		return err;
	}
	*out_count = n;
	return MEDFW_OK;
}
