/* Sites (tenants) and settings. */
#include <string.h>

#include "store_internal.h"

#define SITE_COLS "id, name, time_zone, created_at"

static const char SQL_SITE_INSERT[] =
	"INSERT INTO sites (name, time_zone, created_at) VALUES (?, ?, ?) RETURNING id";
static const char SQL_SITE_GET[] =
	"SELECT " SITE_COLS " FROM sites WHERE id = ? AND (? OR id = ?)";
static const char SQL_SITE_LIST[] =
	"SELECT " SITE_COLS " FROM sites WHERE (? OR id = ?) ORDER BY id LIMIT ? OFFSET ?";
static const char SQL_SITE_UPDATE[] =
	"UPDATE sites SET name = ?, time_zone = ? WHERE id = ? AND (? OR id = ?)";
static const char SQL_SITE_DELETE[] = "DELETE FROM sites WHERE id = ?";

static enum medfw_err check_site(const struct medfw_store_site *site, struct medfw_diag *diag)
{
	enum medfw_err err;

	if (site == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "site: NULL");
	err = medfwi_check_str(site->name, MEDFW_STORE_NAME_MAX, 1, "site", "name", diag);
	if (err == MEDFW_OK)
		err = medfwi_check_str(site->time_zone, MEDFW_STORE_SHORT_MAX, 1, "site",
				       "time_zone", diag);
	return err;
}

static void read_site(struct medfwi_q *q, struct medfw_store_site *s)
{
	s->id = medfwi_q_col_int(q, 0);
	medfwi_q_col_text(q, 1, s->name, sizeof(s->name));
	medfwi_q_col_text(q, 2, s->time_zone, sizeof(s->time_zone));
	s->created_at = medfwi_q_col_int(q, 3);
}

enum medfw_err medfw_store_site_create(struct medfw_store *store, struct medfw_store_site *site,
				       struct medfw_diag *diag)
{
	struct medfwi_q q;
	int row = 0;
	int64_t now = medfwi_now(store);
	enum medfw_err err = check_site(site, diag);

	if (err != MEDFW_OK)
		return err;
	if (medfwi_q_begin(&q, store, "site", SQL_SITE_INSERT, diag) == MEDFW_OK) {
		medfwi_q_text(&q, site->name);
		medfwi_q_text(&q, site->time_zone);
		medfwi_q_int(&q, now);
		if (medfwi_q_step(&q, &row) == MEDFW_OK && row) {
			site->id = medfwi_q_col_int(&q, 0);
			site->created_at = now;
		}
	}
	return medfwi_q_end(&q);
}

enum medfw_err medfw_store_site_get(struct medfw_store *store, struct medfw_store_scope scope,
				    int64_t id, struct medfw_store_site *out,
				    struct medfw_diag *diag)
{
	struct medfwi_q q;
	int row = 0;
	enum medfw_err err;

	memset(out, 0, sizeof(*out));
	err = medfwi_check_scope(scope, diag);
	if (err != MEDFW_OK)
		return err;
	if (medfwi_q_begin(&q, store, "site", SQL_SITE_GET, diag) == MEDFW_OK) {
		medfwi_q_int(&q, id);
		medfwi_q_scope(&q, scope);
		if (medfwi_q_step(&q, &row) == MEDFW_OK && row)
			read_site(&q, out);
	}
	err = medfwi_q_end(&q);
	if (err == MEDFW_OK && !row)
		err = medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND, "site: no site with id %lld",
				     (long long)id);
	if (err != MEDFW_OK)
		memset(out, 0, sizeof(*out));
	return err;
}

enum medfw_err medfw_store_site_list(struct medfw_store *store, struct medfw_store_scope scope,
				     int64_t offset, struct medfw_store_site *out, size_t cap,
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
	if (offset < 0 || cap > INT32_MAX)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "site: bad page");
	if (medfwi_q_begin(&q, store, "site", SQL_SITE_LIST, diag) == MEDFW_OK) {
		medfwi_q_scope(&q, scope);
		medfwi_q_int(&q, (int64_t)cap);
		medfwi_q_int(&q, offset);
		while (n < cap && medfwi_q_step(&q, &row) == MEDFW_OK && row)
			read_site(&q, &out[n++]);
	}
	err = medfwi_q_end(&q);
	if (err != MEDFW_OK) {
		memset(out, 0, cap * sizeof(*out));
		n = 0;
	}
	*out_count = n;
	return err;
}

enum medfw_err medfw_store_site_update(struct medfw_store *store, struct medfw_store_scope scope,
				       const struct medfw_store_site *site,
				       struct medfw_diag *diag)
{
	struct medfwi_q q;
	int64_t changed = 0;
	enum medfw_err err = medfwi_check_scope(scope, diag);

	if (err == MEDFW_OK)
		err = check_site(site, diag);
	if (err != MEDFW_OK)
		return err;
	if (medfwi_q_begin(&q, store, "site", SQL_SITE_UPDATE, diag) == MEDFW_OK) {
		medfwi_q_text(&q, site->name);
		medfwi_q_text(&q, site->time_zone);
		medfwi_q_int(&q, site->id);
		medfwi_q_scope(&q, scope);
		medfwi_q_exec(&q, &changed);
	}
	err = medfwi_q_end(&q);
	if (err == MEDFW_OK && changed == 0)
		err = medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND, "site: no site with id %lld",
				     (long long)site->id);
	return err;
}

enum medfw_err medfw_store_site_delete(struct medfw_store *store, int64_t id,
				       struct medfw_diag *diag)
{
	struct medfwi_q q;
	int64_t changed = 0;
	enum medfw_err err;

	if (medfwi_q_begin(&q, store, "site", SQL_SITE_DELETE, diag) == MEDFW_OK) {
		medfwi_q_int(&q, id);
		medfwi_q_exec(&q, &changed);
	}
	err = medfwi_q_end(&q);
	if (err == MEDFW_ERR_NOT_FOUND) /* foreign key: users or devices remain */
		return medfw_diag_set(diag, MEDFW_ERR_STATE,
				      "site: site %lld still has users, devices or rollouts", (long long)id);
	if (err == MEDFW_OK && changed == 0)
		err = medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND, "site: no site with id %lld",
				     (long long)id);
	return err;
}

/* ------------------------------------------------------------------ settings */

static const char SQL_SETTING_GET[] = "SELECT value FROM settings WHERE key = ?";
static const char SQL_SETTING_SET[] =
	"INSERT INTO settings (key, value) VALUES (?, ?)"
	" ON CONFLICT (key) DO UPDATE SET value = excluded.value";
static const char SQL_SETTING_ADD[] = "INSERT INTO settings (key, value) VALUES (?, ?)";
static const char SQL_SETTING_DELETE[] = "DELETE FROM settings WHERE key = ?";

static enum medfw_err check_key(const char *key, struct medfw_diag *diag)
{
	return medfwi_check_str(key, MEDFW_STORE_SETTING_KEY_MAX, 1, "setting", "key", diag);
}

enum medfw_err medfw_store_setting_get(struct medfw_store *store, const char *key, char *out,
				       size_t out_cap, struct medfw_diag *diag)
{
	struct medfwi_q q;
	int row = 0;
	enum medfw_err err;

	if (out == NULL || out_cap == 0)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "setting: no output buffer");
	out[0] = '\0';
	err = check_key(key, diag);
	if (err != MEDFW_OK)
		return err;
	if (medfwi_q_begin(&q, store, "setting", SQL_SETTING_GET, diag) == MEDFW_OK) {
		medfwi_q_text(&q, key);
		if (medfwi_q_step(&q, &row) == MEDFW_OK && row)
			medfwi_q_col_text(&q, 0, out, out_cap);
	}
	err = medfwi_q_end(&q);
	if (err == MEDFW_OK && !row)
		err = medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND, "setting: %s is not set", key);
	if (err != MEDFW_OK)
		memset(out, 0, out_cap);
	return err;
}

static enum medfw_err setting_write(struct medfw_store *store, const char *sql, const char *key,
				    const char *value, struct medfw_diag *diag)
{
	struct medfwi_q q;
	enum medfw_err err = check_key(key, diag);

	if (err == MEDFW_OK)
		err = medfwi_check_str(value, MEDFW_STORE_SETTING_VALUE_MAX, 0, "setting", key, diag);
	if (err != MEDFW_OK)
		return err;
	if (medfwi_q_begin(&q, store, "setting", sql, diag) == MEDFW_OK) {
		medfwi_q_text(&q, key);
		medfwi_q_text(&q, value);
		medfwi_q_exec(&q, NULL);
	}
	return medfwi_q_end(&q);
}

enum medfw_err medfw_store_setting_set(struct medfw_store *store, const char *key,
				       const char *value, struct medfw_diag *diag)
{
	return setting_write(store, SQL_SETTING_SET, key, value, diag);
}

enum medfw_err medfw_store_setting_add(struct medfw_store *store, const char *key,
				       const char *value, struct medfw_diag *diag)
{
	return setting_write(store, SQL_SETTING_ADD, key, value, diag);
}

enum medfw_err medfw_store_setting_delete(struct medfw_store *store, const char *key,
					  struct medfw_diag *diag)
{
	struct medfwi_q q;
	int64_t changed = 0;
	enum medfw_err err = check_key(key, diag);

	if (err != MEDFW_OK)
		return err;
	if (medfwi_q_begin(&q, store, "setting", SQL_SETTING_DELETE, diag) == MEDFW_OK) {
		medfwi_q_text(&q, key);
		medfwi_q_exec(&q, &changed);
	}
	err = medfwi_q_end(&q);
	if (err == MEDFW_OK && changed == 0)
		err = medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND, "setting: %s is not set", key);
	return err;
}
