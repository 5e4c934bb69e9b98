/* Maintenance windows and blackout dates per site and department
 * (docs/maintenance-windows.md): GET/PUT /api/v1/sites/{site}/maintenance-windows, and
 * the install window the rollout engine gives a device (medfwd_window_for). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "medfw/json.h"
#include "medfw/num.h"
#include "medfw/tz.h"
#include "medfw/window.h"
#include "rollouts.h"

/* ---------------------------------------------------------------- the cache */

struct site_entry {
	int64_t site_id;
	enum medfw_err err; /* the site cannot have windows: err and msg say why */
	char msg[sizeof(((struct medfw_diag *)0)->msg) + 32];
	struct medfw_tz *tz;
	struct medfw_store_window_rule *rows;
	struct medfw_window_rule rules[MEDFW_STORE_WINDOW_RULES_MAX];
	size_t n_rules;
	struct medfw_store_blackout *blackout_rows;
	struct medfw_blackout blackouts[MEDFW_STORE_BLACKOUTS_MAX];
	size_t n_blackouts;
};

/* The last answer per (site, department, not_before), valid within one pass. */
struct memo {
	int64_t site_id, not_before, now;
	char department[MEDFW_STORE_NAME_MAX + 1];
	enum medfw_err err;
	int64_t start, end;
	char msg[sizeof(((struct medfw_diag *)0)->msg) + 32];
};

#define SITE_CACHE 64
#define MEMO_CACHE 64

struct medfwd_window_cache {
	struct medfwd_app *app;
	struct site_entry sites[SITE_CACHE];
	size_t n_sites;
	struct memo memo[MEMO_CACHE];
	size_t n_memo, next_memo;
};

struct medfwd_window_cache *medfwd_window_cache_new(struct medfwd_app *app)
{
	struct medfwd_window_cache *c = calloc(1, sizeof(*c));

	if (c != NULL)
		c->app = app;
	return c;
}

static void site_entry_clear(struct site_entry *s)
{
	medfw_tz_free(s->tz);
	free(s->rows);
	free(s->blackout_rows);
	memset(s, 0, sizeof(*s));
}

void medfwd_window_cache_free(struct medfwd_window_cache *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->n_sites; i++)
		site_entry_clear(&c->sites[i]);
	free(c);
}

/* A stored rule row -> the window rule (rows were validated when stored; a row that
 * no longer parses makes the site's windows unusable, which is said, not ignored). */
static enum medfw_err rule_of_row(const struct medfw_store_window_rule *row,
				  struct medfw_window_rule *out, struct medfw_diag *diag)
{
	json_t *j = NULL;
	enum medfw_err err = medfw_json_parse((const uint8_t *)row->rule, strlen(row->rule),
					      MEDFW_STORE_JSON_MAX, 4, &j, diag);

	if (err == MEDFW_OK)
		err = medfw_window_rule_from_json(j, out, diag);
	json_decref(j);
	return err;
}

static void site_load(struct medfwd_window_cache *c, struct site_entry *s, int64_t site_id)
{
	struct medfw_store_site site;
	struct medfw_diag diag;
	size_t n_rows = 0, n_bl = 0, i;
	enum medfw_err err;

	memset(s, 0, sizeof(*s));
	s->site_id = site_id;
	s->rows = calloc(MEDFW_STORE_WINDOW_RULES_MAX, sizeof(*s->rows));
	s->blackout_rows = calloc(MEDFW_STORE_BLACKOUTS_MAX, sizeof(*s->blackout_rows));
	medfw_diag_clear(&diag);
	if (s->rows == NULL || s->blackout_rows == NULL)
		err = medfw_diag_set(&diag, MEDFW_ERR_NOMEM, "out of memory");
	else
		err = medfw_store_site_get(c->app->store, medfw_store_scope_all(), site_id, &site,
					   &diag);
	if (err == MEDFW_OK)
		err = medfw_tz_load(NULL, site.time_zone, &s->tz, &diag);
	if (err == MEDFW_OK)
		err = medfw_store_windows_get(c->app->store, medfw_store_scope_all(), site_id,
					      s->rows, MEDFW_STORE_WINDOW_RULES_MAX, &n_rows,
					      s->blackout_rows, MEDFW_STORE_BLACKOUTS_MAX, &n_bl,
					      &diag);
	for (i = 0; err == MEDFW_OK && i < n_rows; i++)
		err = rule_of_row(&s->rows[i], &s->rules[i], &diag);
	for (i = 0; err == MEDFW_OK && i < n_bl; i++) {
		s->blackouts[i].from_day = s->blackout_rows[i].from_day;
		s->blackouts[i].to_day = s->blackout_rows[i].to_day;
	}
	s->n_rules = n_rows;
	s->n_blackouts = n_bl;
	s->err = err;
	if (err != MEDFW_OK)
		snprintf(s->msg, sizeof(s->msg), "site %lld: %s", (long long)site_id,
			 medfw_diag_message(&diag, err));
}

static struct site_entry *site_of(struct medfwd_window_cache *c, int64_t site_id)
{
	struct site_entry *s;

	for (size_t i = 0; i < c->n_sites; i++)
		if (c->sites[i].site_id == site_id)
			return &c->sites[i];
	if (c->n_sites == SITE_CACHE) { /* many sites in one pass: start over */
		for (size_t i = 0; i < c->n_sites; i++)
			site_entry_clear(&c->sites[i]);
		c->n_sites = 0;
		c->n_memo = 0;
	}
	s = &c->sites[c->n_sites++];
	site_load(c, s, site_id);
	return s;
}

/* The schedule of one department of a loaded site. */
static void schedule_of(const struct site_entry *s, const char *department, int64_t not_before,
			struct medfw_window_rule *rules, struct medfw_blackout *blackouts,
			struct medfw_window_schedule *out)
{
	size_t i, n = 0, b = 0;
	int own = 0;

	for (i = 0; i < s->n_rules; i++)
		if (department[0] != '\0' && strcmp(s->rows[i].department, department) == 0)
			own = 1;
	for (i = 0; i < s->n_rules; i++)
		if (strcmp(s->rows[i].department, own ? department : "") == 0)
			rules[n++] = s->rules[i];
	for (i = 0; i < s->n_blackouts; i++)
		if (s->blackout_rows[i].department[0] == '\0' ||
		    strcmp(s->blackout_rows[i].department, department) == 0)
			blackouts[b++] = s->blackouts[i];
	memset(out, 0, sizeof(*out));
	out->tz = s->tz;
	out->rules = rules;
	out->rule_count = n;
	out->blackouts = blackouts;
	out->blackout_count = b;
	out->not_before = not_before;
}

enum medfw_err medfwd_window_for(struct medfwd_window_cache *c, int64_t site_id,
				 const char *department, int64_t not_before, int64_t now,
				 int64_t *start, int64_t *end, struct medfw_diag *diag)
{
	struct medfw_window_rule rules[MEDFW_STORE_WINDOW_RULES_MAX];
	struct medfw_blackout blackouts[MEDFW_STORE_BLACKOUTS_MAX];
	struct medfw_window_schedule sched;
	struct site_entry *s;
	struct memo *m;
	enum medfw_err err;

	for (size_t i = 0; i < c->n_memo; i++) {
		m = &c->memo[i];
		if (m->site_id == site_id && m->not_before == not_before && m->now == now &&
		    strcmp(m->department, department) == 0) {
			*start = m->start;
			*end = m->end;
			return m->err == MEDFW_OK ? MEDFW_OK : medfw_diag_set(diag, m->err, "%s", m->msg);
		}
	}
	s = site_of(c, site_id);
	if (s->err != MEDFW_OK) {
		err = medfw_diag_set(diag, s->err, "%s", s->msg);
	} else {
		schedule_of(s, department, not_before, rules, blackouts, &sched);
		if (sched.rule_count == 0)
			err = medfw_diag_set(diag, MEDFW_ERR_NOT_FOUND,
					     "no maintenance window: site %lld has none for %s%s%s",
					     (long long)site_id, department[0] ? "department \"" : "",
					     department[0] ? department : "the whole site",
					     department[0] ? "\" or the whole site" : "");
		else
			err = medfw_window_next(&sched, now, start, end, diag);
	}
	m = &c->memo[c->next_memo];
	c->next_memo = (c->next_memo + 1) % MEMO_CACHE;
	if (c->n_memo < MEMO_CACHE)
		c->n_memo++;
	memset(m, 0, sizeof(*m));
	m->site_id = site_id;
	m->not_before = not_before;
	m->now = now;
	snprintf(m->department, sizeof(m->department), "%s", department);
	m->err = err;
	m->start = err == MEDFW_OK ? *start : 0;
	m->end = err == MEDFW_OK ? *end : 0;
	snprintf(m->msg, sizeof(m->msg), "%s", err == MEDFW_OK ? "" : diag->msg);
	return err;
}

/* ---------------------------------------------------------------- HTTP */

static int site_param(struct medfwd_request *req, struct medfwd_response *resp,
		      struct medfw_store_site *site)
{
	struct medfwd_app *app = medfwd_app_of(req);
	const char *s = medfwd_request_param(req, "site");
	struct medfw_diag diag;
	uint64_t id = 0;
	enum medfw_err err;

	if (s == NULL || medfw_parse_u64(s, 1, INT64_MAX, &id) != MEDFW_OK) {
		medfwd_respond_error(resp, 404, "not_found", "site", "no such site");
		return 0;
	}
	medfw_diag_clear(&diag);
	err = medfw_store_site_get(app->store, medfwd_scope_of(medfwd_principal_of(req)),
				   (int64_t)id, site, &diag);
	if (err != MEDFW_OK) {
		medfwd_respond_medfw_error(resp, err, &diag);
		return 0;
	}
	return 1;
}

static json_t *date_json(int64_t days)
{
	int y;
	unsigned m, d;
	char s[16];

	medfw_civil_from_days(days, &y, &m, &d);
	snprintf(s, sizeof(s), "%04d-%02u-%02u", y, m, d);
	return json_string(s);
}

static json_t *utc_json(int64_t t)
{
	char s[MEDFW_UTC_TIME_LEN + 1];

	if (medfw_format_utc_time(t, s, sizeof(s)) != MEDFW_OK)
		return json_null();
	return json_string(s);
}

/* The next window of the whole site and of every department named by a rule. */
static json_t *next_windows(struct medfwd_app *app, int64_t site_id,
			    const struct medfw_store_window_rule *rows, size_t n)
{
	struct medfwd_window_cache *c = medfwd_window_cache_new(app);
	json_t *out = json_array();
	int64_t now = medfw_ctx_now(app->ctx);

	/* i == 0: the whole site; then each department with rules of its own, once */
	for (size_t i = 0; c != NULL && out != NULL && i <= n; i++) {
		const char *dept = i == 0 ? "" : rows[i - 1].department;
		struct medfw_diag diag;
		int64_t start = 0, end = 0;
		int seen = 0;

		if (i > 0 && dept[0] == '\0')
			continue;
		for (size_t j = 0; i > 0 && j + 1 < i; j++)
			seen |= strcmp(rows[j].department, dept) == 0;
		if (seen)
			continue;
		medfw_diag_clear(&diag);
		if (medfwd_window_for(c, site_id, dept, 0, now, &start, &end, &diag) == MEDFW_OK)
			json_array_append_new(out, json_pack("{s:s, s:o, s:o}", "department", dept,
							     "start", utc_json(start), "end",
							     utc_json(end)));
		else
			json_array_append_new(out, json_pack("{s:s, s:n, s:n, s:s}", "department",
							     dept, "start", "end", "reason",
							     diag.msg));
	}
	medfwd_window_cache_free(c);
	return out;
}

static void windows_get(struct medfwd_request *req, struct medfwd_response *resp)
{
	struct medfwd_app *app = medfwd_app_of(req);
	struct medfw_store_site site;
	struct medfw_store_window_rule *rows = NULL;
	struct medfw_store_blackout *bl = NULL;
	size_t n = 0, nb = 0;
	struct medfw_diag diag;
	json_t *windows, *blackouts;
	enum medfw_err err;

	if (!medfwd_require(req, resp, MEDFWD_PERM_SITES_READ) || !site_param(req, resp, &site))
		return;
	rows = calloc(MEDFW_STORE_WINDOW_RULES_MAX, sizeof(*rows));
	bl = calloc(MEDFW_STORE_BLACKOUTS_MAX, sizeof(*bl));
	medfw_diag_clear(&diag);
	err = rows == NULL || bl == NULL
		      ? medfw_diag_set(&diag, MEDFW_ERR_NOMEM, "out of memory")
		      : medfw_store_windows_get(app->store, medfwd_scope_of(medfwd_principal_of(req)),
						site.id, rows, MEDFW_STORE_WINDOW_RULES_MAX, &n, bl,
						MEDFW_STORE_BLACKOUTS_MAX, &nb, &diag);
	if (err != MEDFW_OK) {
		free(rows);
		free(bl);
		medfwd_respond_medfw_error(resp, err, &diag);
		return;
	}
	windows = json_array();
	blackouts = json_array();
	for (size_t i = 0; windows != NULL && i < n; i++) {
		json_t *rule = NULL;

		if (medfw_json_parse((const uint8_t *)rows[i].rule, strlen(rows[i].rule),
				     MEDFW_STORE_JSON_MAX, 4, &rule, NULL) != MEDFW_OK)
			rule = json_object();
		json_object_set_new(rule, "department", json_string(rows[i].department));
		json_array_append_new(windows, rule);
	}
	for (size_t i = 0; blackouts != NULL && i < nb; i++)
		json_array_append_new(blackouts,
				      json_pack("{s:s, s:o, s:o, s:s}", "department", bl[i].department,
						"from", date_json(bl[i].from_day), "to",
						date_json(bl[i].to_day), "reason", bl[i].reason));
	medfwd_respond_json(resp, 200,
			    json_pack("{s:I, s:s, s:o, s:o, s:o}", "site_id", (json_int_t)site.id,
				      "time_zone", site.time_zone, "windows", windows, "blackouts",
				      blackouts, "next", next_windows(app, site.id, rows, n)));
	free(rows);
	free(bl);
}

/* "department": optional, 0..128 bytes (the device field's limit); "" or absent is
 * the whole site. */
static int department_of(const json_t *o, const char *what, char *out,
			 struct medfwd_response *resp)
{
	json_t *d = json_object_get(o, "department");
	const char *s;

	out[0] = '\0';
	if (d == NULL)
		return 1;
	s = json_string_value(d);
	if (s == NULL || strlen(s) != json_string_length(d) || strlen(s) > MEDFW_STORE_NAME_MAX) {
		medfwd_respond_error(resp, 400, "invalid", what,
				     "%s.department: a string of at most %d bytes", what,
				     MEDFW_STORE_NAME_MAX);
		return 0;
	}
	snprintf(out, MEDFW_STORE_NAME_MAX + 1, "%s", s);
	return 1;
}

static int parse_windows(const json_t *arr, struct medfw_store_window_rule *rows, size_t *n,
			 struct medfwd_response *resp)
{
	size_t i, count = json_array_size(arr);

	if (!json_is_array(arr) || count > MEDFW_STORE_WINDOW_RULES_MAX) {
		medfwd_respond_error(resp, 400, "invalid", "windows",
				     "windows: an array of at most %d rules",
				     MEDFW_STORE_WINDOW_RULES_MAX);
		return 0;
	}
	for (i = 0; i < count; i++) {
		json_t *o = json_array_get(arr, i), *copy;
		struct medfw_window_rule rule;
		struct medfw_diag diag;
		char what[32];
		char *text;

		snprintf(what, sizeof(what), "windows[%zu]", i);
		if (!json_is_object(o)) {
			medfwd_respond_error(resp, 400, "invalid", what, "%s: not an object", what);
			return 0;
		}
		if (!department_of(o, what, rows[i].department, resp))
			return 0;
		copy = json_copy(o);
		if (copy == NULL)
			return 0;
		json_object_del(copy, "department");
		medfw_diag_clear(&diag);
		if (medfw_window_rule_from_json(copy, &rule, &diag) != MEDFW_OK) {
			json_decref(copy);
			medfwd_respond_error(resp, 400, "invalid", what, "%s: %s", what, diag.msg);
			return 0;
		}
		json_decref(copy);
		copy = medfw_window_rule_to_json(&rule);
		text = copy != NULL ? json_dumps(copy, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
		json_decref(copy);
		if (text == NULL || strlen(text) > MEDFW_STORE_JSON_MAX) {
			free(text);
			medfwd_respond_error(resp, 500, "internal", NULL, "out of memory");
			return 0;
		}
		snprintf(rows[i].rule, sizeof(rows[i].rule), "%s", text);
		free(text);
	}
	*n = count;
	return 1;
}

static int parse_blackouts(const json_t *arr, struct medfw_store_blackout *rows, size_t *n,
			   struct medfwd_response *resp)
{
	size_t i, count = json_array_size(arr);

	if (!json_is_array(arr) || count > MEDFW_STORE_BLACKOUTS_MAX) {
		medfwd_respond_error(resp, 400, "invalid", "blackouts",
				     "blackouts: an array of at most %d dates",
				     MEDFW_STORE_BLACKOUTS_MAX);
		return 0;
	}
	for (i = 0; i < count; i++) {
		json_t *o = json_array_get(arr, i), *copy, *reason;
		struct medfw_blackout b;
		struct medfw_diag diag;
		char what[32];
		const char *r = "";

		snprintf(what, sizeof(what), "blackouts[%zu]", i);
		if (!json_is_object(o)) {
			medfwd_respond_error(resp, 400, "invalid", what, "%s: not an object", what);
			return 0;
		}
		if (!department_of(o, what, rows[i].department, resp))
			return 0;
		reason = json_object_get(o, "reason");
		if (reason != NULL) {
			r = json_string_value(reason);
			if (r == NULL || strlen(r) != json_string_length(reason) ||
			    strlen(r) > MEDFW_STORE_NAME_MAX) {
				medfwd_respond_error(resp, 400, "invalid", what,
						     "%s.reason: a string of at most %d bytes", what,
						     MEDFW_STORE_NAME_MAX);
				return 0;
			}
			for (const char *c = r; *c; c++)
				if ((unsigned char)*c < 0x20 || *c == 0x7f) {
					medfwd_respond_error(resp, 400, "invalid", what,
							     "%s.reason: control characters", what);
					return 0;
				}
		}
		copy = json_copy(o);
		if (copy == NULL)
			return 0;
		json_object_del(copy, "department");
		json_object_del(copy, "reason");
		medfw_diag_clear(&diag);
		if (medfw_blackout_from_json(copy, &b, &diag) != MEDFW_OK) {
			json_decref(copy);
			medfwd_respond_error(resp, 400, "invalid", what, "%s: %s", what, diag.msg);
			return 0;
		}
		json_decref(copy);
		rows[i].from_day = b.from_day;
		rows[i].to_day = b.to_day;
		snprintf(rows[i].reason, sizeof(rows[i].reason), "%s", r);
	}
	*n = count;
	return 1;
}

static void windows_put(struct medfwd_request *req, struct medfwd_response *resp)
{
	static const char *const allowed[] = {"windows", "blackouts", NULL};
	struct medfwd_app *app = medfwd_app_of(req);
	const struct medfwd_principal *who = medfwd_principal_of(req);
	struct medfw_store_site site;
	struct medfw_store_window_rule *rows = NULL;
	struct medfw_store_blackout *bl = NULL;
	json_t *w, *b;
	size_t n = 0, nb = 0;
	struct medfw_diag diag;
	enum medfw_err err;

	if (!medfwd_require(req, resp, MEDFWD_PERM_MAINTENANCE_WRITE) ||
	    !medfwd_body_only(req, resp, allowed) || !site_param(req, resp, &site))
		return;
	w = json_object_get(req->json, "windows");
	b = json_object_get(req->json, "blackouts");
	if (w == NULL) {
		medfwd_respond_error(resp, 400, "invalid", "windows",
				     "windows: required (an empty array removes every window)");
		return;
	}
	rows = calloc(MEDFW_STORE_WINDOW_RULES_MAX, sizeof(*rows));
	bl = calloc(MEDFW_STORE_BLACKOUTS_MAX, sizeof(*bl));
	if (rows == NULL || bl == NULL) {
		free(rows);
		free(bl);
		medfwd_respond_error(resp, 500, "internal", NULL, "out of memory");
		return;
	}
	if (!parse_windows(w, rows, &n, resp) ||
	    (b != NULL && !parse_blackouts(b, bl, &nb, resp))) {
		free(rows);
		free(bl);
		return;
	}
	medfw_diag_clear(&diag);
	err = medfw_store_windows_replace(app->store, medfwd_scope_of(who), site.id, rows, n, bl, nb,
					  &diag);
	free(rows);
	free(bl);
	if (err != MEDFW_OK) {
		medfwd_respond_medfw_error(resp, err, &diag);
		return;
	}
	(void)medfwd_audit(app, req, medfwd_actor_of(who), site.id, "site.maintenance_windows",
			   json_pack("{s:I, s:I, s:I}", "site_id", (json_int_t)site.id, "windows",
				     (json_int_t)n, "blackouts", (json_int_t)nb));
	medfwd_rollouts_wake(app);
	windows_get(req, resp);
}

const struct medfwd_route medfwd_routes_windows[] = {
	{"GET", "/api/v1/sites/{site}/maintenance-windows", windows_get, MEDFWD_AUTH_TOKEN,
	 MEDFWD_BODY_NONE, "sites.windows.get"},
	{"PUT", "/api/v1/sites/{site}/maintenance-windows", windows_put, MEDFWD_AUTH_TOKEN,
	 MEDFWD_BODY_JSON, "sites.windows.put"},
	{0},
};
