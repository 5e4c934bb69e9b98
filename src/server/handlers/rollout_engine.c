/* The rollout engine (docs/rollouts.md "How a rollout runs"): a thread that, every
 * `rollout_tick` seconds and whenever people change a rollout, makes one pass over the
 * unfinished rollouts. For each: a scheduled one starts at its start date; a running
 * one takes in the devices that match its selection, moves each member along by the
 * update events its device reported, hands install instructions (director
 * assignments with the device's next maintenance window) to the members of the open
 * waves, and asks medfw/rollout.h whether a wave succeeded, soaked, must open the
 * next one, pause on errors, or complete. Time is the server's clock interface
 * (medfw_ctx_now), never the wall clock directly. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "medfw/json.h"
#include "rollouts.h"

#define SYSTEM_ACTOR ((struct medfw_audit_actor){MEDFW_ACTOR_SYSTEM, 0})

struct pass {
	struct medfwd_app *app;
	struct medfw_store_rollout *r;
	struct medfw_rollout_plan plan;
	struct medfw_rollout_selector sel;
	json_t *sel_json;
	int64_t now;
	struct medfwd_window_cache *wc;
	/* scratch for one page of members */
	struct medfw_store_rollout_device *page;
	struct medfw_store_rollout_device *changed;
	struct medfw_store_assignment *assign;
	int64_t *clear;
};

static void log_err(struct medfwd_app *app, const struct medfw_store_rollout *r, const char *what,
		    enum medfw_err err, const struct medfw_diag *diag)
{
	medfw_log(app->ctx, MEDFW_LOG_ERROR, "rollout.engine", "rollout %lld: %s: %s",
		  (long long)r->id, what, medfw_diag_message(diag, err));
}

static void audit_rollout(struct medfwd_app *app, const struct medfw_store_rollout *r,
			  const char *event, json_t *detail)
{
	if (detail == NULL)
		detail = json_object();
	if (detail != NULL) {
		json_object_set_new(detail, "rollout_id", json_integer((json_int_t)r->id));
		json_object_set_new(detail, "target", json_string(r->target_name));
	}
	(void)medfwd_audit(app, NULL, SYSTEM_ACTOR, r->site_id, event, detail);
}

static struct medfw_store_scope scope_of_rollout(const struct medfw_store_rollout *r)
{
	return r->site_id != 0 ? medfw_store_scope_site(r->site_id) : medfw_store_scope_all();
}

/* Save the mutable fields when the state is still `expect`. */
static enum medfw_err save(struct pass *p, enum medfw_store_rollout_state expect)
{
	struct medfw_diag diag;
	enum medfw_err err;

	medfw_diag_clear(&diag);
	p->r->updated_at = p->now;
	err = medfw_store_rollout_save(p->app->store, p->r, expect, &diag);
	if (err != MEDFW_OK)
		log_err(p->app, p->r, "save", err, &diag);
	return err;
}

/* ---------------------------------------------------------------- joining */

static void member_from(struct pass *p, const struct medfw_store_candidate *c, int64_t wave,
			struct medfw_store_rollout_device *m)
{
	memset(m, 0, sizeof(*m));
	m->rollout_id = p->r->id;
	m->device_id = c->device_id;
	m->wave = wave;
	m->state = MEDFW_RD_PENDING;
	snprintf(m->from_version, sizeof(m->from_version), "%s", c->firmware_version);
	snprintf(m->from_image_sha256, sizeof(m->from_image_sha256), "%s", c->image_sha256);
	m->joined_at = p->now;
	m->updated_at = p->now;
	if (c->image_sha256[0] != '\0' && strcasecmp(c->image_sha256, p->r->target_sha256) == 0) {
		m->state = MEDFW_RD_COMMITTED;
		m->done_at = p->now;
		snprintf(m->reason, sizeof(m->reason), "already runs this release");
	}
}

/* Every matching device not a member yet (and not in another unfinished rollout).
 * Before the first wave opens they are ordered and split into the waves by the one
 * rule (medfw_rollout_split, as the preview and rollback campaigns); later they join
 * the last wave. Returns the number added, -1 on a store error. */
static long join(struct pass *p)
{
	struct medfw_store_candidate *cand = calloc(MEDFWD_ROLLOUT_PAGE, sizeof(*cand));
	struct medfw_store_candidate *all = NULL;
	struct medfw_rollout_slot *slots = NULL;
	size_t n_all = 0, cap_all = 0, n, i, k, added_total = 0;
	int64_t after = 0;
	int first = p->r->current_wave < 0;
	struct medfw_diag diag;
	enum medfw_err err = MEDFW_OK;

	if (cand == NULL)
		return -1;
	for (;;) {
		medfw_diag_clear(&diag);
		err = medfw_store_rollout_candidates(p->app->store, scope_of_rollout(p->r),
						     &p->sel.view, p->r->id, after, cand,
						     MEDFWD_ROLLOUT_PAGE, &n, &diag);
		if (err != MEDFW_OK || n == 0)
			break;
		after = cand[n - 1].device_id;
		for (i = 0; i < n; i++) {
			if (cand[i].other_rollout != 0)
				continue;
			if (n_all == cap_all) {
				size_t nc = cap_all ? cap_all * 2 : 1024;
				struct medfw_store_candidate *g = realloc(all, nc * sizeof(*all));

				if (g == NULL) {
					err = medfw_diag_set(&diag, MEDFW_ERR_NOMEM, "out of memory");
					break;
				}
				all = g;
				cap_all = nc;
			}
			all[n_all++] = cand[i];
		}
		if (err != MEDFW_OK || n < MEDFWD_ROLLOUT_PAGE)
			break;
	}
	free(cand);
	if (err == MEDFW_OK && first && n_all > 0) {
		slots = calloc(n_all, sizeof(*slots));
		if (slots == NULL) {
			err = medfw_diag_set(&diag, MEDFW_ERR_NOMEM, "out of memory");
		} else {
			for (k = 0; k < n_all; k++) {
				slots[k].device_id = all[k].device_id;
				slots[k].index = k;
			}
			medfw_rollout_split(&p->plan, p->r->id, slots, n_all, NULL);
		}
	}
	if (err != MEDFW_OK) {
		log_err(p->app, p->r, "selection", err, &diag);
		free(all);
		return -1;
	}
	k = 0;
	while (k < n_all) {
		size_t chunk = 0, added = 0;

		while (k < n_all && chunk < MEDFWD_ROLLOUT_PAGE) {
			if (slots != NULL)
				member_from(p, &all[slots[k].index], (int64_t)slots[k].wave,
					    &p->changed[chunk++]);
			else
				member_from(p, &all[k], (int64_t)p->plan.wave_count - 1,
					    &p->changed[chunk++]);
			k++;
		}
		medfw_diag_clear(&diag);
		err = medfw_store_rollout_devices_join(p->app->store, p->r->id, p->changed, chunk,
						       &added, &diag);
		if (err != MEDFW_OK) {
			log_err(p->app, p->r, "join", err, &diag);
			break;
		}
		added_total += added;
	}
	free(slots);
	free(all);
	return err == MEDFW_OK ? (long)added_total : -1;
}

/* ---------------------------------------------------------------- members */

static int startable(enum medfw_store_rollout_device_state s)
{
	return s == MEDFW_RD_PENDING || s == MEDFW_RD_SCHEDULED || s == MEDFW_RD_DEFERRED;
}

/* Write one page's changes: assignments first (so a member never says scheduled
 * without its instruction), then clears, then the members. */
static enum medfw_err flush_page(struct pass *p, size_t n_assign, size_t n_clear,
				 size_t n_changed)
{
	struct medfw_diag diag;
	enum medfw_err err = MEDFW_OK;

	medfw_diag_clear(&diag);
	if (n_assign > 0)
		err = medfw_store_assignments_set_many(p->app->store, p->r->id, p->assign, n_assign,
						       &diag);
	if (err == MEDFW_OK && n_clear > 0)
		err = medfw_store_assignments_clear_many(p->app->store, p->r->id, p->clear, n_clear,
							 NULL, &diag);
	if (err == MEDFW_OK && n_changed > 0)
		err = medfw_store_rollout_devices_update(p->app->store, p->r->id, p->changed,
							 n_changed, &diag);
	if (err != MEDFW_OK)
		log_err(p->app, p->r, "members", err, &diag);
	atomic_fetch_add(&p->app->rollouts->assignments, n_assign);
	return err;
}

static void fill_assignment(struct pass *p, const struct medfw_store_rollout_device *m,
			    struct medfw_store_assignment *a)
{
	memset(a, 0, sizeof(*a));
	a->device_id = m->device_id;
	snprintf(a->target_name, sizeof(a->target_name), "%s", p->r->target_name);
	a->target_length = p->r->target_length;
	snprintf(a->target_hashes, sizeof(a->target_hashes), "%s", p->r->target_hashes);
	a->window_start = m->window_start;
	a->window_end = m->window_end;
	a->created_by = p->r->approved_by;
}

/* Move every member along by its device's newest event; with `assign`, give the
 * members of the open waves that have no current instruction one with their next
 * window; with `withdraw_reason`, take the instructions of members that have not
 * started back instead. */
static enum medfw_err sync_members(struct pass *p, int assign, const char *withdraw_reason,
				   size_t *out_withdrawn)
{
	struct medfw_store_rollout_device_filter f = {0, -1, 1, 0};
	int64_t total = 0;
	size_t n, i, withdrawn = 0;
	struct medfw_diag diag;
	enum medfw_err err;

	for (;;) {
		size_t n_assign = 0, n_clear = 0, n_changed = 0;

		medfw_diag_clear(&diag);
		err = medfw_store_rollout_devices_list(p->app->store, medfw_store_scope_all(),
						       p->r->id, &f, 0, p->page, MEDFWD_ROLLOUT_PAGE,
						       &n, &total, &diag);
		if (err != MEDFW_OK) {
			log_err(p->app, p->r, "members", err, &diag);
			return err;
		}
		for (i = 0; i < n; i++) {
			struct medfw_store_rollout_device m = p->page[i];
			int ours = strcmp(m.update_target, p->r->target_name) == 0 &&
				   m.update_at >= m.joined_at;
			enum medfw_store_rollout_device_state next =
				medfw_rollout_member_next(m.state, m.update_state, ours != 0);
			int changed = 0;

			if (!medfw_rollout_member_final(m.state) &&
			    m.enrolment_state != MEDFW_ENROLMENT_ENROLLED) {
				next = MEDFW_RD_REMOVED;
				snprintf(m.reason, sizeof(m.reason), "the device is %s",
					 medfw_store_enrolment_state_name(m.enrolment_state));
			}
			if (next != m.state) {
				if (next == MEDFW_RD_FAILED || next == MEDFW_RD_ROLLED_BACK ||
				    next == MEDFW_RD_DEFERRED)
					snprintf(m.reason, sizeof(m.reason), "%s", m.update_reason);
				else if (next != MEDFW_RD_REMOVED)
					m.reason[0] = '\0';
				m.state = next;
				if (medfw_rollout_member_final(next))
					m.done_at = p->now;
				changed = 1;
			}
			if (medfw_rollout_member_final(m.state) && m.assigned_at != 0) {
				p->clear[n_clear++] = m.device_id;
				m.assigned_at = 0;
				changed = 1;
			} else if (withdraw_reason != NULL && startable(m.state) &&
				   (m.assigned_at != 0 || m.wave <= p->r->current_wave)) {
				if (m.assigned_at != 0) {
					p->clear[n_clear++] = m.device_id;
					m.assigned_at = 0;
					withdrawn++;
				}
				m.state = MEDFW_RD_PENDING;
				snprintf(m.reason, sizeof(m.reason), "%s", withdraw_reason);
				changed = 1;
			} else if (assign && startable(m.state) && m.wave <= p->r->current_wave &&
				   (m.assigned_at == 0 || m.window_end <= p->now)) {
				int64_t start = 0, end = 0;

				medfw_diag_clear(&diag);
				if (medfwd_window_for(p->wc, m.site_id, m.department, p->r->start_at,
						      p->now, &start, &end, &diag) == MEDFW_OK) {
					m.window_start = start;
					m.window_end = end;
					m.assigned_at = p->now;
					if (m.state == MEDFW_RD_PENDING)
						m.state = MEDFW_RD_SCHEDULED;
					m.reason[0] = '\0';
					fill_assignment(p, &m, &p->assign[n_assign++]);
				} else {
					if (m.assigned_at != 0)
						p->clear[n_clear++] = m.device_id;
					m.assigned_at = 0;
					m.state = MEDFW_RD_PENDING;
					snprintf(m.reason, sizeof(m.reason), "%s", diag.msg);
				}
				changed = 1;
			}
			if (changed) {
				m.updated_at = p->now;
				p->changed[n_changed++] = m;
			}
		}
		err = flush_page(p, n_assign, n_clear, n_changed);
		if (err != MEDFW_OK)
			return err;
		if (n < MEDFWD_ROLLOUT_PAGE)
			break;
		f.after_device_id = p->page[n - 1].device_id;
	}
	if (out_withdrawn != NULL)
		*out_withdrawn = withdrawn;
	return MEDFW_OK;
}

/* ---------------------------------------------------------------- decisions */

static enum medfw_err wave_open(struct pass *p, size_t wave)
{
	struct medfw_store_rollout_wave w = {(int64_t)wave, p->now, 0, 0};
	struct medfw_diag diag;
	enum medfw_err err;

	medfw_diag_clear(&diag);
	err = medfw_store_rollout_wave_put(p->app->store, p->r->id, &w, &diag);
	if (err != MEDFW_OK) {
		log_err(p->app, p->r, "wave", err, &diag);
		return err;
	}
	p->r->current_wave = (int64_t)wave;
	if ((err = save(p, MEDFW_ROLLOUT_RUNNING)) != MEDFW_OK)
		return err;
	audit_rollout(p->app, p->r, "rollout.wave_opened",
		      json_pack("{s:I, s:s}", "wave", (json_int_t)wave + 1, "name",
				p->plan.waves[wave].name));
	return MEDFW_OK;
}

static void decide(struct pass *p)
{
	struct medfw_rollout_wave_counts counts[MEDFW_ROLLOUT_WAVES_MAX];
	struct medfw_rollout_wave_progress progress[MEDFW_ROLLOUT_WAVES_MAX];
	struct medfw_store_rollout_wave rows[MEDFW_ROLLOUT_WAVES_MAX];
	int64_t raw[MEDFW_ROLLOUT_WAVES_MAX * MEDFW_RD_STATE_COUNT];
	struct medfw_rollout_decision d;
	struct medfw_diag diag;
	size_t n_rows, i, s, round;

	for (round = 0; round < 2 * MEDFW_ROLLOUT_WAVES_MAX + 2; round++) {
		memset(counts, 0, sizeof(counts));
		memset(progress, 0, sizeof(progress));
		medfw_diag_clear(&diag);
		if (medfw_store_rollout_devices_count(p->app->store, medfw_store_scope_all(),
						      p->r->id, p->plan.wave_count, raw,
						      &diag) != MEDFW_OK ||
		    medfw_store_rollout_wave_list(p->app->store, p->r->id, rows,
						  MEDFW_ROLLOUT_WAVES_MAX, &n_rows, &diag) != MEDFW_OK) {
			log_err(p->app, p->r, "progress", MEDFW_ERR_IO, &diag);
			return;
		}
		for (i = 0; i < p->plan.wave_count; i++)
			for (s = 0; s < MEDFW_RD_STATE_COUNT; s++)
				counts[i].by_state[s] = (uint64_t)raw[i * MEDFW_RD_STATE_COUNT + s];
		for (i = 0; i < n_rows; i++)
			if (rows[i].index >= 0 && rows[i].index < (int64_t)p->plan.wave_count) {
				progress[rows[i].index].opened_at = rows[i].opened_at;
				progress[rows[i].index].success_at = rows[i].success_at;
				progress[rows[i].index].errors_acknowledged =
					(uint64_t)rows[i].errors_acknowledged;
			}
		medfw_rollout_evaluate(&p->plan, counts, progress, (size_t)p->r->current_wave,
				       p->now, &d);
		switch (d.action) {
		case MEDFW_ROLLOUT_SUCCEEDED: {
			struct medfw_store_rollout_wave w = {
				(int64_t)d.wave, progress[d.wave].opened_at, p->now,
				(int64_t)progress[d.wave].errors_acknowledged};

			medfw_diag_clear(&diag);
			if (medfw_store_rollout_wave_put(p->app->store, p->r->id, &w, &diag) !=
			    MEDFW_OK)
				return;
			audit_rollout(p->app, p->r, "rollout.wave_succeeded",
				      json_pack("{s:I, s:s, s:I}", "wave", (json_int_t)d.wave + 1,
						"name", p->plan.waves[d.wave].name, "soak_seconds",
						(json_int_t)p->plan.waves[d.wave].soak));
			continue;
		}
		case MEDFW_ROLLOUT_OPEN:
			if (wave_open(p, d.wave) != MEDFW_OK ||
			    sync_members(p, 1, NULL, NULL) != MEDFW_OK)
				return;
			continue;
		case MEDFW_ROLLOUT_PAUSE: {
			size_t withdrawn = 0;

			p->r->state = MEDFW_ROLLOUT_PAUSED;
			snprintf(p->r->state_reason, sizeof(p->r->state_reason), "paused automatically: %s",
				 d.reason);
			if (save(p, MEDFW_ROLLOUT_RUNNING) != MEDFW_OK)
				return;
			(void)sync_members(p, 0, "the rollout is paused", &withdrawn);
			atomic_fetch_add(&p->app->rollouts->auto_pauses, 1);
			audit_rollout(p->app, p->r, "rollout.paused",
				      json_pack("{s:s, s:b, s:I, s:I}", "reason", d.reason, "automatic", 1,
						"wave", (json_int_t)d.wave + 1, "withdrawn",
						(json_int_t)withdrawn));
			medfw_log(p->app->ctx, MEDFW_LOG_WARNING, "rollout.paused", "rollout %lld: %s",
				  (long long)p->r->id, d.reason);
			return;
		}
		case MEDFW_ROLLOUT_COMPLETE:
			p->r->state = MEDFW_ROLLOUT_COMPLETED;
			p->r->finished_at = p->now;
			if (save(p, MEDFW_ROLLOUT_RUNNING) == MEDFW_OK)
				audit_rollout(p->app, p->r, "rollout.completed",
					      json_pack("{s:I}", "members",
							(json_int_t)counts[0].by_state[MEDFW_RD_COMMITTED]));
			return;
		case MEDFW_ROLLOUT_WAIT:
		default:
			return;
		}
	}
}

/* ---------------------------------------------------------------- one rollout */

static int pass_open(struct pass *p, struct medfwd_app *app, int64_t id)
{
	struct medfw_diag diag;
	json_t *waves = NULL;
	enum medfw_err err;

	memset(p, 0, sizeof(*p));
	p->app = app;
	p->now = medfw_ctx_now(app->ctx);
	p->r = calloc(1, sizeof(*p->r));
	p->page = calloc(MEDFWD_ROLLOUT_PAGE, sizeof(*p->page));
	p->changed = calloc(MEDFWD_ROLLOUT_PAGE, sizeof(*p->changed));
	p->assign = calloc(MEDFWD_ROLLOUT_PAGE, sizeof(*p->assign));
	p->clear = calloc(MEDFWD_ROLLOUT_PAGE, sizeof(*p->clear));
	p->wc = medfwd_window_cache_new(app);
	if (p->r == NULL || p->page == NULL || p->changed == NULL || p->assign == NULL ||
	    p->clear == NULL || p->wc == NULL)
		return 0;
	medfw_diag_clear(&diag);
	err = medfw_store_rollout_get(app->store, medfw_store_scope_all(), id, p->r, &diag);
	if (err == MEDFW_OK)
		err = medfw_json_parse((const uint8_t *)p->r->waves, strlen(p->r->waves),
				       MEDFW_STORE_ROLLOUT_JSON_MAX, 4, &waves, &diag);
	if (err == MEDFW_OK)
		err = medfw_rollout_plan_from_json(waves, &p->plan, &diag);
	json_decref(waves);
	/* A rollback campaign's members were fixed when it was made: no selection. */
	if (err == MEDFW_OK && p->r->kind == MEDFW_ROLLOUT_KIND_UPDATE)
		err = medfw_json_parse((const uint8_t *)p->r->selector, strlen(p->r->selector),
				       MEDFW_STORE_ROLLOUT_JSON_MAX, 4, &p->sel_json, &diag);
	if (err == MEDFW_OK && p->r->kind == MEDFW_ROLLOUT_KIND_UPDATE)
		err = medfw_rollout_selector_from_json(p->sel_json, &p->sel, &diag);
	if (err != MEDFW_OK) {
		medfw_log(app->ctx, MEDFW_LOG_ERROR, "rollout.engine", "rollout %lld: %s",
			  (long long)id, medfw_diag_message(&diag, err));
		return 0;
	}
	return 1;
}

static void pass_close(struct pass *p)
{
	medfwd_window_cache_free(p->wc);
	json_decref(p->sel_json);
	free(p->clear);
	free(p->assign);
	free(p->changed);
	free(p->page);
	free(p->r);
}

static void run_one(struct medfwd_app *app, int64_t id)
{
	struct pass p;

	if (!pass_open(&p, app, id)) {
		pass_close(&p);
		return;
	}
	if (p.r->state == MEDFW_ROLLOUT_SCHEDULED && p.now >= p.r->start_at) {
		p.r->state = MEDFW_ROLLOUT_RUNNING;
		p.r->started_at = p.now;
		if (save(&p, MEDFW_ROLLOUT_SCHEDULED) != MEDFW_OK) {
			pass_close(&p);
			return;
		}
		audit_rollout(app, p.r, "rollout.started", NULL);
	}
	if (p.r->state == MEDFW_ROLLOUT_RUNNING) {
		if (p.r->started_at == 0) {
			p.r->started_at = p.now;
			(void)save(&p, MEDFW_ROLLOUT_RUNNING);
		}
		if ((p.r->kind != MEDFW_ROLLOUT_KIND_UPDATE || join(&p) >= 0) &&
		    (p.r->current_wave >= 0 || wave_open(&p, 0) == MEDFW_OK) &&
		    sync_members(&p, 1, NULL, NULL) == MEDFW_OK)
			decide(&p);
	} else if (p.r->state == MEDFW_ROLLOUT_PAUSED) {
		/* Keep the progress true (installs under way finish) without new instructions. */
		(void)sync_members(&p, 0, NULL, NULL);
	}
	pass_close(&p);
}

enum medfw_err medfwd_rollout_withdraw(struct medfwd_app *app, const struct medfw_store_rollout *r,
				       const char *reason, size_t *out_withdrawn,
				       struct medfw_diag *diag)
{
	struct pass p;
	enum medfw_err err;

	if (!pass_open(&p, app, r->id)) {
		pass_close(&p);
		return medfw_diag_set(diag, MEDFW_ERR_STATE, "rollout %lld: cannot be read",
				      (long long)r->id);
	}
	*p.r = *r;
	err = sync_members(&p, 0, reason, out_withdrawn);
	pass_close(&p);
	if (err != MEDFW_OK)
		return medfw_diag_set(diag, err, "rollout %lld: withdrawing its instructions failed",
				      (long long)r->id);
	return MEDFW_OK;
}

enum medfw_err medfwd_rollout_acknowledge_errors(struct medfwd_app *app,
						const struct medfw_store_rollout *r,
						struct medfw_diag *diag)
{
	struct medfw_store_rollout_wave rows[MEDFW_ROLLOUT_WAVES_MAX];
	int64_t raw[MEDFW_ROLLOUT_WAVES_MAX * MEDFW_RD_STATE_COUNT];
	size_t n = 0, i;
	enum medfw_err err;

	err = medfw_store_rollout_wave_list(app->store, r->id, rows, MEDFW_ROLLOUT_WAVES_MAX, &n,
					    diag);
	if (err == MEDFW_OK)
		err = medfw_store_rollout_devices_count(app->store, medfw_store_scope_all(), r->id,
							MEDFW_ROLLOUT_WAVES_MAX, raw, diag);
	for (i = 0; err == MEDFW_OK && i < n; i++) {
		size_t w = (size_t)rows[i].index;

		if (w >= MEDFW_ROLLOUT_WAVES_MAX)
			continue;
		rows[i].errors_acknowledged = raw[w * MEDFW_RD_STATE_COUNT + MEDFW_RD_FAILED] +
					      raw[w * MEDFW_RD_STATE_COUNT + MEDFW_RD_ROLLED_BACK];
		err = medfw_store_rollout_wave_put(app->store, r->id, &rows[i], diag);
	}
	return err;
}

void medfwd_rollouts_pass(struct medfwd_app *app)
{
	static const enum medfw_store_rollout_state live[] = {
		MEDFW_ROLLOUT_SCHEDULED, MEDFW_ROLLOUT_RUNNING, MEDFW_ROLLOUT_PAUSED};
	int64_t ids[256];
	size_t n = 0, i;
	struct medfw_diag diag;

	medfw_diag_clear(&diag);
	if (medfw_store_rollout_ids(app->store, live, 3, ids, 256, &n, &diag) != MEDFW_OK) {
		medfw_log(app->ctx, MEDFW_LOG_ERROR, "rollout.engine", "%s", diag.msg);
		return;
	}
	for (i = 0; i < n; i++) {
		pthread_mutex_lock(&app->rollouts->lock);
		run_one(app, ids[i]);
		pthread_mutex_unlock(&app->rollouts->lock);
	}
	atomic_fetch_add(&app->rollouts->passes, 1);
}

/* ---------------------------------------------------------------- the thread */

static void *engine_main(void *arg)
{
	struct medfwd_app *app = arg;
	struct medfwd_rollouts *e = app->rollouts;

	for (;;) {
		struct timespec until;

		pthread_mutex_lock(&e->wake_lock);
		if (e->stop) {
			pthread_mutex_unlock(&e->wake_lock);
			break;
		}
		e->wake_flag = 0;
		pthread_mutex_unlock(&e->wake_lock);
		medfwd_rollouts_pass(app);
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += e->tick;
		pthread_mutex_lock(&e->wake_lock);
		while (!e->stop && !e->wake_flag &&
		       pthread_cond_timedwait(&e->wake, &e->wake_lock, &until) == 0)
			;
		pthread_mutex_unlock(&e->wake_lock);
	}
	return NULL;
}

enum medfw_err medfwd_rollouts_start(struct medfwd_app *app, int64_t tick, struct medfw_diag *diag)
{
	struct medfwd_rollouts *e = calloc(1, sizeof(*e));
	pthread_condattr_t attr;

	if (e == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_NOMEM, "out of memory");
	pthread_mutex_init(&e->lock, NULL);
	pthread_mutex_init(&e->wake_lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&e->wake, &attr);
	pthread_condattr_destroy(&attr);
	e->tick = tick > 0 ? tick : 1;
	app->rollouts = e;
	if (pthread_create(&e->thread, NULL, engine_main, app) != 0) {
		app->rollouts = NULL;
		pthread_cond_destroy(&e->wake);
		pthread_mutex_destroy(&e->wake_lock);
		pthread_mutex_destroy(&e->lock);
		free(e);
		return medfw_diag_set(diag, MEDFW_ERR_IO, "cannot start the rollout engine's thread");
	}
	e->running = 1;
	return MEDFW_OK;
}

void medfwd_rollouts_wake(struct medfwd_app *app)
{
	struct medfwd_rollouts *e = app->rollouts;

	if (e == NULL)
		return;
	pthread_mutex_lock(&e->wake_lock);
	e->wake_flag = 1;
	pthread_cond_signal(&e->wake);
	pthread_mutex_unlock(&e->wake_lock);
}

void medfwd_rollouts_stop(struct medfwd_app *app)
{
	struct medfwd_rollouts *e = app->rollouts;

	if (e == NULL)
		return;
	pthread_mutex_lock(&e->wake_lock);
	e->stop = 1;
	pthread_cond_signal(&e->wake);
	pthread_mutex_unlock(&e->wake_lock);
	if (e->running)
		pthread_join(e->thread, NULL);
	pthread_cond_destroy(&e->wake);
	pthread_mutex_destroy(&e->wake_lock);
	pthread_mutex_destroy(&e->lock);
	app->rollouts = NULL;
	free(e);
}

static void metrics(void *user, struct medfw_buf *out)
{
	struct medfwd_app *app = user;
	struct medfwd_rollouts *e = app->rollouts;

	if (e == NULL)
		return;
	(void)medfw_buf_printf(out,
			       "# HELP medfwd_rollout_passes_total Passes of the rollout engine.\n"
			       "# TYPE medfwd_rollout_passes_total counter\n"
			       "medfwd_rollout_passes_total %llu\n"
			       "# HELP medfwd_rollout_assignments_total Install instructions the "
			       "rollout engine gave devices.\n"
			       "# TYPE medfwd_rollout_assignments_total counter\n"
			       "medfwd_rollout_assignments_total %llu\n"
			       "# HELP medfwd_rollout_auto_pauses_total Rollouts paused by an error "
			       "threshold.\n"
			       "# TYPE medfwd_rollout_auto_pauses_total counter\n"
			       "medfwd_rollout_auto_pauses_total %llu\n",
			       (unsigned long long)atomic_load(&e->passes),
			       (unsigned long long)atomic_load(&e->assignments),
			       (unsigned long long)atomic_load(&e->auto_pauses));
}

int medfwd_rollouts_metrics_install(struct medfwd_server *srv, struct medfwd_app *app)
{
	return medfwd_server_add_metrics(srv, metrics, app);
}
