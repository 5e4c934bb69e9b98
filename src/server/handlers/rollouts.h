/* Staged rollouts on medfwd (docs/rollouts.md): what the HTTP handlers (rollouts.c,
 * windows.c) and the engine (rollout_engine.c) share. */
#ifndef MEDFWD_ROLLOUTS_H
#define MEDFWD_ROLLOUTS_H

#include <pthread.h>
#include <stdatomic.h>

#include "app.h"
#include "medfw/rollout.h"
#include "medfw/store_rollout.h"

/* Members read and written per store call. */
#define MEDFWD_ROLLOUT_PAGE 512

struct medfwd_rollouts {
	/* One change to rollouts at a time: the engine's pass over a rollout and people's
	 * actions (approve, pause, resume, cancel) never interleave. */
	pthread_mutex_t lock;
	pthread_mutex_t wake_lock;
	pthread_cond_t wake;
	int wake_flag;
	int stop;
	int64_t tick; /* seconds between passes */
	pthread_t thread;
	int running;
	/* /metrics */
	atomic_uint_fast64_t passes;
	atomic_uint_fast64_t assignments;
	atomic_uint_fast64_t auto_pauses;
};

/* Start the engine's thread (a pass every `tick` seconds and whenever woken); stop it
 * and free everything (NULL-safe). */
enum medfw_err medfwd_rollouts_start(struct medfwd_app *app, int64_t tick,
				     struct medfw_diag *diag);
void medfwd_rollouts_stop(struct medfwd_app *app);
/* Ask for a pass soon (after people changed something). */
void medfwd_rollouts_wake(struct medfwd_app *app);
/* One pass over every unfinished rollout, now (the thread's body; tests call it). */
void medfwd_rollouts_pass(struct medfwd_app *app);

/* Under rollouts->lock: take every assignment of rollout `r` back from its members
 * that have not started installing (pending, scheduled, deferred), which become
 * pending with `reason`. Installs under way finish. */
enum medfw_err medfwd_rollout_withdraw(struct medfwd_app *app, const struct medfw_store_rollout *r,
				       const char *reason, size_t *out_withdrawn,
				       struct medfw_diag *diag);

/* Under rollouts->lock, when people resume a rollout: the errors of every opened wave
 * so far are acknowledged; only new ones pause it again. */
enum medfw_err medfwd_rollout_acknowledge_errors(struct medfwd_app *app,
						const struct medfw_store_rollout *r,
						struct medfw_diag *diag);

/* windows.c: the install window of a device of `site_id` / `department` at `now`:
 * the site's rules for that department if it has any, else the site-wide ones;
 * blackouts of the whole site and of the department; nothing before not_before.
 * MEDFW_ERR_NOT_FOUND with the reason in diag when there is none. `cache` (from
 * medfwd_window_cache_new) keeps zones and rules for one pass. */
struct medfwd_window_cache;
struct medfwd_window_cache *medfwd_window_cache_new(struct medfwd_app *app);
void medfwd_window_cache_free(struct medfwd_window_cache *cache);
enum medfw_err medfwd_window_for(struct medfwd_window_cache *cache, int64_t site_id,
				 const char *department, int64_t not_before, int64_t now,
				 int64_t *start, int64_t *end, struct medfw_diag *diag);

/* Metrics of the engine (main.c installs it). */
int medfwd_rollouts_metrics_install(struct medfwd_server *srv, struct medfwd_app *app);

#endif
