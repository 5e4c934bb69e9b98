/* The re-evaluation worker (vulns.h, docs/vulnerabilities.md "Re-evaluation"): one
 * thread that evaluates the findings after changes to the inputs, together when they
 * come close together, and refreshes the sites' exposures after the fleet changed.
 * Scheduling uses the monotonic clock; the times it reports are the server's clock
 * (medfw_ctx_now), like every other time medfwd shows. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "medfw/num.h"
#include "vulns.h"

#define MAX_SETTLE_MS 60000    /* an evaluation starts at most this long after a change */
#define SETTLE_FACTOR 15       /* ... or this many times the delay, whichever is less */
#define RETRY_MS 60000         /* after a failed evaluation */
#define FLEET_DETAIL "devices changed the release they run (check-ins)"

struct outcome {
	int64_t started_at, finished_at; /* server clock; 0: none */
	enum medfw_store_vuln_cause cause;
	char detail[MEDFW_STORE_VULN_EVENT_DETAIL_MAX + 1];
	int ok;
	char error[MEDFW_DIAG_MSG_MAX];
	struct medfw_store_vuln_eval_stats stats;
};

struct medfwd_vulnwork {
	struct medfwd_app *app;
	pthread_mutex_t lock; /* everything below but the atomics */
	pthread_cond_t wake;  /* CLOCK_MONOTONIC */
	pthread_t thread;
	int running_thread;
	int stop;
	atomic_int cancel; /* read by on_progress: the evaluation under way stops */
	/* where the evaluation under way is (on_progress) */
	atomic_int phase;
	atomic_size_t done, total;
	int64_t delay_ms, fleet_ms;

	/* changes not evaluated yet */
	size_t pending;              /* 0: none */
	int64_t first_change_ms, last_change_ms, not_before_ms;
	int64_t pending_since;       /* server clock */
	enum medfw_store_vuln_cause cause;
	char detail[MEDFW_STORE_VULN_EVENT_DETAIL_MAX + 1];
	size_t detail_omitted;       /* changes not named in detail */

	/* the fleet */
	int fleet_dirty;
	int64_t fleet_last_ms;       /* monotonic; 0: never */
	int64_t fleet_refreshed_at;  /* server clock; 0: never */
	char fleet_error[MEDFW_DIAG_MSG_MAX];

	/* the evaluation under way */
	int evaluating;
	int64_t evaluating_since;
	char evaluating_detail[MEDFW_STORE_VULN_EVENT_DETAIL_MAX + 1];

	struct outcome last;
	atomic_uint_fast64_t evaluations, failures, fleet_refreshes, changes;
	atomic_uint_fast64_t last_ms; /* wall time of the last evaluation */
};

static int64_t mono_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static struct timespec mono_at(int64_t ms)
{
	struct timespec t = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};

	return t;
}

static json_t *utc_json(int64_t t)
{
	char s[MEDFW_UTC_TIME_LEN + 1];

	if (t == 0 || medfw_format_utc_time(t, s, sizeof(s)) != MEDFW_OK)
		return json_null();
	return json_string(s);
}

/* Under lock: add one change to the pending set. */
static void queue_change(struct medfwd_vulnwork *w, enum medfw_store_vuln_cause cause,
			 const char *what)
{
	size_t used = strlen(w->detail), n = strlen(what);
	int64_t now = mono_ms();

	if (w->pending == 0) {
		w->first_change_ms = now;
		w->pending_since = medfw_ctx_now(w->app->ctx);
		w->cause = cause;
		w->detail[0] = '\0';
		w->detail_omitted = 0;
		used = 0;
	} else if (w->cause != cause) {
		w->cause = MEDFW_STORE_CAUSE_CHANGES;
	}
	/* name each change while they fit, keeping room for "; and N more" */
	if (w->detail_omitted == 0 && used + (used > 0 ? 2 : 0) + n + 32 < sizeof(w->detail))
		snprintf(w->detail + used, sizeof(w->detail) - used, "%s%s", used > 0 ? "; " : "",
			 what);
	else
		w->detail_omitted++;
	w->pending++;
	w->last_change_ms = now;
	atomic_fetch_add(&w->changes, 1);
	pthread_cond_signal(&w->wake);
}

/* Under lock: the detail history events get, with the changes that did not fit. */
static void take_detail(struct medfwd_vulnwork *w, char *out, size_t cap)
{
	if (w->detail_omitted > 0)
		snprintf(out, cap, "%s; and %zu more change%s", w->detail, w->detail_omitted,
			 w->detail_omitted == 1 ? "" : "s");
	else
		snprintf(out, cap, "%s", w->detail);
}

static void log_outcome(struct medfwd_vulnwork *w, const struct outcome *o)
{
	const struct medfw_store_vuln_eval_stats *st = &o->stats;

	if (!o->ok) {
		medfw_log(w->app->ctx, MEDFW_LOG_ERROR, "vulns.reevaluate.failed", "%s: %s",
			  o->detail, o->error);
		return;
	}
	medfw_log(w->app->ctx, MEDFW_LOG_INFO, "vulns.reevaluated",
		  "%s: generation %lld, %zu releases, %zu records, %zu findings (%zu new, %zu "
		  "changed, %zu status changes, %zu no longer found), exposures %zu opened %zu "
		  "closed, in %lld ms (%u attempt%s)",
		  o->detail, (long long)st->generation, st->releases, st->records, st->findings,
		  st->inserted, st->updated, st->status_changes, st->unmatched,
		  st->exposures_opened, st->exposures_closed,
		  (long long)(st->ms_load + st->ms_index + st->ms_match + st->ms_write +
			      st->ms_exposures),
		  st->attempts, st->attempts == 1 ? "" : "s");
}

/* The store's progress callback: where the evaluation is; non-zero to cancel it. */
static int on_progress(void *user, const struct medfw_store_vuln_eval_progress *p)
{
	struct medfwd_vulnwork *w = user;

	atomic_store(&w->phase, (int)p->phase);
	atomic_store(&w->done, p->done);
	atomic_store(&w->total, p->total);
	return atomic_load(&w->cancel);
}

/* Called with the lock held; runs the evaluation without it. */
static void evaluate(struct medfwd_vulnwork *w)
{
	struct medfw_store_vuln_eval_opts opts;
	struct outcome *o = calloc(1, sizeof(*o));
	struct medfw_diag diag;
	enum medfw_err err;
	int64_t t0;

	if (o == NULL) {
		w->not_before_ms = mono_ms() + RETRY_MS;
		medfw_log(w->app->ctx, MEDFW_LOG_ERROR, "vulns.reevaluate.failed", "out of memory");
		return;
	}
	o->cause = w->cause;
	take_detail(w, o->detail, sizeof(o->detail));
	w->pending = 0;
	w->fleet_dirty = 0; /* the evaluation refreshes the exposures too */
	w->evaluating = 1;
	w->evaluating_since = o->started_at = medfw_ctx_now(w->app->ctx);
	snprintf(w->evaluating_detail, sizeof(w->evaluating_detail), "%s", o->detail);
	pthread_mutex_unlock(&w->lock);

	memset(&opts, 0, sizeof(opts));
	opts.cause = o->cause;
	opts.detail = o->detail;
	opts.keep_snapshot = 1;
	opts.progress = on_progress;
	opts.progress_user = w;
	atomic_store(&w->phase, 0);
	medfw_diag_clear(&diag);
	t0 = mono_ms();
	err = medfw_store_vuln_reevaluate_with(w->app->store, &opts, &o->stats, &diag);
	o->ok = err == MEDFW_OK;
	if (!o->ok)
		snprintf(o->error, sizeof(o->error), "%s", medfw_diag_message(&diag, err));
	o->finished_at = medfw_ctx_now(w->app->ctx);
	atomic_store(&w->last_ms, (uint_fast64_t)(mono_ms() - t0));
	atomic_fetch_add(o->ok ? &w->evaluations : &w->failures, 1);
	if (!(atomic_load(&w->cancel) && !o->ok))
		log_outcome(w, o);

	pthread_mutex_lock(&w->lock);
	w->evaluating = 0;
	if (o->ok) {
		w->fleet_last_ms = mono_ms();
		w->fleet_refreshed_at = o->finished_at;
	} else if (!w->stop) {
		/* the changes are stored: evaluate them again later (or at the next change) */
		queue_change(w, o->cause, o->detail);
		w->not_before_ms = mono_ms() + RETRY_MS;
	}
	w->last = *o;
	free(o);
}

/* Called with the lock held; refreshes the exposures without it. */
static void refresh_fleet(struct medfwd_vulnwork *w)
{
	struct medfw_diag diag;
	size_t opened = 0, closed = 0;
	enum medfw_err err;

	w->fleet_dirty = 0;
	pthread_mutex_unlock(&w->lock);
	medfw_diag_clear(&diag);
	err = medfw_store_vuln_exposures_refresh(w->app->store, MEDFW_STORE_CAUSE_FLEET,
						 FLEET_DETAIL, &opened, &closed, &diag);
	if (err != MEDFW_OK)
		medfw_log(w->app->ctx, MEDFW_LOG_ERROR, "vulns.exposures.failed", "%s",
			  medfw_diag_message(&diag, err));
	else if (opened + closed > 0)
		medfw_log(w->app->ctx, MEDFW_LOG_INFO, "vulns.exposures.refreshed",
			  "%s: %zu opened, %zu closed", FLEET_DETAIL, opened, closed);
	atomic_fetch_add(&w->fleet_refreshes, 1);
	pthread_mutex_lock(&w->lock);
	w->fleet_last_ms = mono_ms();
	if (err == MEDFW_OK) {
		w->fleet_refreshed_at = medfw_ctx_now(w->app->ctx);
		w->fleet_error[0] = '\0';
	} else {
		snprintf(w->fleet_error, sizeof(w->fleet_error), "%s",
			 medfw_diag_message(&diag, err));
	}
}

/* Under lock: when the pending changes may be evaluated (monotonic ms). */
static int64_t evaluation_due(const struct medfwd_vulnwork *w)
{
	int64_t settle = w->last_change_ms + w->delay_ms;
	int64_t cap = w->delay_ms * SETTLE_FACTOR < MAX_SETTLE_MS ? w->delay_ms * SETTLE_FACTOR
								   : MAX_SETTLE_MS;
	int64_t due = settle < w->first_change_ms + cap ? settle : w->first_change_ms + cap;

	return due > w->not_before_ms ? due : w->not_before_ms;
}

static void *worker_main(void *arg)
{
	struct medfwd_vulnwork *w = arg;

	pthread_mutex_lock(&w->lock);
	while (!w->stop) {
		int64_t now = mono_ms(), due = -1;

		if (w->pending > 0) {
			due = evaluation_due(w);
			if (now >= due) {
				evaluate(w);
				continue;
			}
		}
		if (w->fleet_dirty) {
			int64_t fleet_due = w->fleet_last_ms + w->fleet_ms;

			if (now >= fleet_due) {
				refresh_fleet(w);
				continue;
			}
			if (due < 0 || fleet_due < due)
				due = fleet_due;
		}
		if (due < 0) {
			pthread_cond_wait(&w->wake, &w->lock);
		} else {
			struct timespec until = mono_at(due);

			(void)pthread_cond_timedwait(&w->wake, &w->lock, &until);
		}
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

enum medfw_err medfwd_vulns_start(struct medfwd_app *app, int64_t delay, int64_t fleet_interval,
				  struct medfw_diag *diag)
{
	struct medfwd_vulnwork *w = calloc(1, sizeof(*w));
	pthread_condattr_t attr;
	int64_t generation = 0, evaluated = 0;
	enum medfw_err err;

	if (w == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_NOMEM, "out of memory");
	err = medfw_store_vuln_generation(app->store, &generation, &evaluated, diag);
	if (err != MEDFW_OK) {
		free(w);
		return err;
	}
	w->app = app;
	w->delay_ms = delay * 1000;
	w->fleet_ms = (fleet_interval > 0 ? fleet_interval : 1) * 1000;
	atomic_init(&w->cancel, 0);
	atomic_init(&w->phase, 0);
	atomic_init(&w->done, 0);
	atomic_init(&w->total, 0);
	pthread_mutex_init(&w->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&w->wake, &attr);
	pthread_condattr_destroy(&attr);
	if (generation != evaluated)
		queue_change(w, MEDFW_STORE_CAUSE_CHANGES,
			     "changes stored before medfwd started and not yet evaluated");
	app->vulns = w;
	if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
		app->vulns = NULL;
		pthread_cond_destroy(&w->wake);
		pthread_mutex_destroy(&w->lock);
		free(w);
		return medfw_diag_set(diag, MEDFW_ERR_IO,
				      "cannot start the vulnerability re-evaluation thread");
	}
	w->running_thread = 1;
	return MEDFW_OK;
}

void medfwd_vulns_stop(struct medfwd_app *app)
{
	struct medfwd_vulnwork *w = app->vulns;

	if (w == NULL)
		return;
	atomic_store(&w->cancel, 1);
	pthread_mutex_lock(&w->lock);
	w->stop = 1;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	if (w->running_thread)
		pthread_join(w->thread, NULL);
	pthread_cond_destroy(&w->wake);
	pthread_mutex_destroy(&w->lock);
	app->vulns = NULL;
	free(w);
}

json_t *medfwd_vulns_changed(struct medfwd_app *app, enum medfw_store_vuln_cause cause,
			     const char *what)
{
	struct medfwd_vulnwork *w = app->vulns;
	int64_t generation = 0, evaluated = 0;
	struct medfw_diag diag;

	if (w == NULL)
		return json_null();
	pthread_mutex_lock(&w->lock);
	queue_change(w, cause, what);
	pthread_mutex_unlock(&w->lock);
	/* read after queueing: the evaluation that covers this generation is still to come */
	medfw_diag_clear(&diag);
	if (medfw_store_vuln_generation(app->store, &generation, &evaluated, &diag) != MEDFW_OK)
		return json_pack("{s:b, s:n}", "queued", 1, "generation");
	return json_pack("{s:b, s:I}", "queued", 1, "generation", (json_int_t)generation);
}

void medfwd_vulns_fleet_changed(struct medfwd_app *app)
{
	struct medfwd_vulnwork *w = app->vulns;

	if (w == NULL)
		return;
	pthread_mutex_lock(&w->lock);
	if (!w->fleet_dirty) {
		w->fleet_dirty = 1;
		pthread_cond_signal(&w->wake);
	}
	pthread_mutex_unlock(&w->lock);
}

json_t *medfwd_vulns_eval_json(const struct medfw_store_vuln_eval_stats *st)
{
	return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I,"
			 " s:I, s:I, s:I, s:{s:I, s:I, s:I, s:I, s:I}}",
			 "generation", (json_int_t)st->generation, "attempts",
			 (json_int_t)st->attempts, "releases", (json_int_t)st->releases,
			 "components", (json_int_t)st->components, "records",
			 (json_int_t)st->records, "vex_statements", (json_int_t)st->vex_statements,
			 "evaluations", (json_int_t)st->evaluations, "findings",
			 (json_int_t)st->findings, "inserted", (json_int_t)st->inserted, "updated",
			 (json_int_t)st->updated, "status_changes", (json_int_t)st->status_changes,
			 "unmatched", (json_int_t)st->unmatched, "exposures_opened",
			 (json_int_t)st->exposures_opened, "exposures_closed",
			 (json_int_t)st->exposures_closed, "record_problems",
			 (json_int_t)st->record_problems, "product_map_entries",
			 (json_int_t)st->product_map_entries, "product_map_problems",
			 (json_int_t)st->product_map_problems, "milliseconds", "load",
			 (json_int_t)st->ms_load, "index", (json_int_t)st->ms_index, "match",
			 (json_int_t)st->ms_match, "write", (json_int_t)st->ms_write, "exposures",
			 (json_int_t)st->ms_exposures);
}

json_t *medfwd_vulns_state_json(struct medfwd_app *app, struct medfw_diag *diag)
{
	struct medfwd_vulnwork *w = app->vulns;
	struct outcome *last;
	char detail[MEDFW_STORE_VULN_EVENT_DETAIL_MAX + 64];
	int64_t generation = 0, evaluated = 0;
	json_t *doc, *pending = json_null(), *running = json_null(), *jlast = json_null(),
		     *fleet;
	const char *state;

	if (w == NULL) {
		medfw_diag_set(diag, MEDFW_ERR_STATE, "the re-evaluation worker is not running");
		return NULL;
	}
	if (medfw_store_vuln_generation(app->store, &generation, &evaluated, diag) != MEDFW_OK)
		return NULL;
	last = malloc(sizeof(*last));
	if (last == NULL) {
		medfw_diag_set(diag, MEDFW_ERR_NOMEM, "out of memory");
		return NULL;
	}
	pthread_mutex_lock(&w->lock);
	*last = w->last;
	state = w->evaluating ? "running" : w->pending > 0 ? "pending" : "idle";
	if (w->pending > 0) {
		take_detail(w, detail, sizeof(detail));
		pending = json_pack("{s:I, s:s, s:s, s:o}", "changes", (json_int_t)w->pending,
				    "cause", medfw_store_vuln_cause_name(w->cause), "detail", detail,
				    "since", utc_json(w->pending_since));
	}
	if (w->evaluating) {
		static const char *const phases[] = {"starting", "load", "match", "write"};
		int ph = atomic_load(&w->phase);

		running = json_pack("{s:o, s:s, s:s, s:I, s:I}", "started_at",
				    utc_json(w->evaluating_since), "detail", w->evaluating_detail,
				    "phase", phases[ph >= 0 && ph <= 3 ? ph : 0], "done",
				    (json_int_t)atomic_load(&w->done), "total",
				    (json_int_t)atomic_load(&w->total));
	}
	fleet = json_pack("{s:b, s:o, s:o}", "pending", w->fleet_dirty, "refreshed_at",
			  utc_json(w->fleet_refreshed_at), "error",
			  w->fleet_error[0] != '\0' ? json_string(w->fleet_error) : json_null());
	pthread_mutex_unlock(&w->lock);
	if (last->started_at != 0)
		jlast = json_pack("{s:o, s:o, s:s, s:s, s:b, s:o, s:o}", "started_at",
				  utc_json(last->started_at), "finished_at",
				  utc_json(last->finished_at), "cause",
				  medfw_store_vuln_cause_name(last->cause), "detail", last->detail,
				  "ok", last->ok, "error",
				  last->ok ? json_null() : json_string(last->error), "statistics",
				  last->ok ? medfwd_vulns_eval_json(&last->stats) : json_null());
	free(last);
	doc = json_pack("{s:s, s:I, s:I, s:o, s:o, s:o, s:o, s:I, s:I}", "state", state,
			"generation", (json_int_t)generation, "evaluated_generation",
			(json_int_t)evaluated, "pending", pending, "running", running, "last", jlast,
			"fleet", fleet, "evaluations", (json_int_t)atomic_load(&w->evaluations),
			"failures", (json_int_t)atomic_load(&w->failures));
	if (doc == NULL)
		medfw_diag_set(diag, MEDFW_ERR_NOMEM, "out of memory");
	return doc;
}

static void metrics(void *user, struct medfw_buf *out)
{
	struct medfwd_app *app = user;
	struct medfwd_vulnwork *w = app->vulns;
	size_t pending;

	if (w == NULL)
		return;
	pthread_mutex_lock(&w->lock);
	pending = w->pending;
	pthread_mutex_unlock(&w->lock);
	(void)medfw_buf_printf(
		out,
		"# HELP medfwd_vuln_evaluations_total Re-evaluations of the findings written.\n"
		"# TYPE medfwd_vuln_evaluations_total counter\n"
		"medfwd_vuln_evaluations_total %llu\n"
		"# HELP medfwd_vuln_evaluation_failures_total Re-evaluations that failed.\n"
		"# TYPE medfwd_vuln_evaluation_failures_total counter\n"
		"medfwd_vuln_evaluation_failures_total %llu\n"
		"# HELP medfwd_vuln_changes_total Changes to the inputs queued for evaluation.\n"
		"# TYPE medfwd_vuln_changes_total counter\n"
		"medfwd_vuln_changes_total %llu\n"
		"# HELP medfwd_vuln_changes_pending Changes stored and not yet evaluated.\n"
		"# TYPE medfwd_vuln_changes_pending gauge\n"
		"medfwd_vuln_changes_pending %zu\n"
		"# HELP medfwd_vuln_last_evaluation_seconds Wall time of the last re-evaluation.\n"
		"# TYPE medfwd_vuln_last_evaluation_seconds gauge\n"
		"medfwd_vuln_last_evaluation_seconds %.3f\n"
		"# HELP medfwd_vuln_exposure_refreshes_total Exposure refreshes after check-ins.\n"
		"# TYPE medfwd_vuln_exposure_refreshes_total counter\n"
		"medfwd_vuln_exposure_refreshes_total %llu\n",
		(unsigned long long)atomic_load(&w->evaluations),
		(unsigned long long)atomic_load(&w->failures),
		(unsigned long long)atomic_load(&w->changes), pending,
		(double)atomic_load(&w->last_ms) / 1000.0,
		(unsigned long long)atomic_load(&w->fleet_refreshes));
}

int medfwd_vulns_metrics_install(struct medfwd_server *srv, struct medfwd_app *app)
{
	return medfwd_server_add_metrics(srv, metrics, app);
}
