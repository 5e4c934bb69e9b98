/* `medfw-sim run`: every device of the fleet file (or of one site) checks in on its own
 * period, on a pool of worker threads that take the device due first from a min-heap.
 * Each worker has one device client, switched from device to device
 * (medfw_devclient_set_identity), so a device costs its own state only.
 *
 * Stopping (SIGINT, SIGTERM, --duration): the workers finish the cycle they are in
 * (in-flight requests complete), events still queued are sent, then the fleet file is
 * rewritten atomically (event numbers, firmware, director versions, reports: a next
 * run continues) and the statistics are written. */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sim.h"
#include "sim_api.h"

#include "medfw/agent.h"
#include "medfw/json.h"

#define CONNECT_TIMEOUT 10
#define REQUEST_TIMEOUT 30
#define LOW_SPEED_TIME 15

struct slot {
	int64_t due_ms;
	uint32_t idx;
};

struct sched {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct slot *heap;
	size_t n;
	bool stop;
};

struct sim_pool {
	struct sim_run *run;
	struct sched sched;
	struct sim_worker *workers;
	unsigned n_workers;
	uint32_t *active; /* indices into fleet->dev of the devices this run simulates */
	size_t n_active;
};

/* ---- the heap ---- */

static void heap_push(struct sched *s, int64_t due, uint32_t idx)
{
	size_t i = s->n++;

	while (i > 0) {
		size_t parent = (i - 1) / 2;

		if (s->heap[parent].due_ms <= due)
			break;
		s->heap[i] = s->heap[parent];
		i = parent;
	}
	s->heap[i].due_ms = due;
	s->heap[i].idx = idx;
}

static struct slot heap_pop(struct sched *s)
{
	struct slot top = s->heap[0], last = s->heap[--s->n];
	size_t i = 0;

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= s->n)
			break;
		if (c + 1 < s->n && s->heap[c + 1].due_ms < s->heap[c].due_ms)
			c++;
		if (last.due_ms <= s->heap[c].due_ms)
			break;
		s->heap[i] = s->heap[c];
		i = c;
	}
	if (s->n > 0)
		s->heap[i] = last;
	return top;
}

static void deadline(struct timespec *ts, int64_t due_ms)
{
	ts->tv_sec = (time_t)(due_ms / 1000);
	ts->tv_nsec = (long)(due_ms % 1000) * 1000000L;
}

static void *worker_main(void *arg)
{
	struct sim_worker *w = arg;
	struct sim_pool *p = w->run->pool;
	struct sched *s = &p->sched;

	pthread_mutex_lock(&s->mu);
	while (!s->stop) {
		struct timespec ts;
		struct slot next;
		int64_t now, wait_ms = 0;

		if (s->n == 0) {
			pthread_cond_wait(&s->cv, &s->mu);
			continue;
		}
		now = sim_monotonic_ms();
		if (s->heap[0].due_ms > now) {
			deadline(&ts, s->heap[0].due_ms);
			pthread_cond_timedwait(&s->cv, &s->mu, &ts);
			continue;
		}
		next = heap_pop(s);
		pthread_mutex_unlock(&s->mu);
		sim_cycle(w, &w->run->fleet->dev[next.idx], &wait_ms);
		pthread_mutex_lock(&s->mu);
		heap_push(s, sim_monotonic_ms() + wait_ms, next.idx);
		if (s->heap[0].idx == next.idx)
			pthread_cond_signal(&s->cv);
	}
	pthread_mutex_unlock(&s->mu);
	return NULL;
}

/* ---- set-up ---- */

static enum medfw_err director_root(const struct sim_run_options *opt, struct medfw_buf *out,
				    struct medfw_diag *diag)
{
	struct medfw_sim_api *api = NULL;
	char token[MEDFW_SIM_API_TOKEN_MAX + 1];
	int status = 0;
	enum medfw_err err;

	if (opt->director_root_file != NULL)
		return medfw_file_read(opt->director_root_file, SIM_ROOT_MAX, out, diag);
	medfw_buf_init(out, SIM_ROOT_MAX);
	if (sim_read_secret_file(opt->api_token_file, token, sizeof(token)) != 0)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "%s: no API token in the file",
				      opt->api_token_file);
	{
		struct medfw_sim_api_config ac = {
			.server_url = opt->server_url,
			.ca_file = opt->ca_file,
			.allow_http = strncmp(opt->server_url, "http://", 7) == 0,
			.token = token,
			.connect_timeout = CONNECT_TIMEOUT,
			.request_timeout = REQUEST_TIMEOUT,
		};

		err = medfw_sim_api_new(&ac, &api, diag);
	}
	medfw_wipe(token, sizeof(token));
	if (err == MEDFW_OK)
		err = medfw_sim_api_call(api, "GET", "/api/v1/director/root.json", NULL, NULL, 0,
					 SIM_ROOT_MAX, &status, out, diag);
	if (err == MEDFW_OK && status != 200)
		err = medfw_diag_set(diag, MEDFW_ERR_REFUSED,
				     "GET /api/v1/director/root.json: HTTP %d: %.200s", status,
				     out->data != NULL ? (const char *)out->data : "");
	medfw_sim_api_free(api);
	return err;
}

static void stop_all(struct sched *s)
{
	pthread_mutex_lock(&s->mu);
	s->stop = true;
	pthread_cond_broadcast(&s->cv);
	pthread_mutex_unlock(&s->mu);
}

/* Wait for SIGINT / SIGTERM (blocked in every thread) or the end of --duration. */
static void wait_for_stop(uint64_t duration)
{
	int64_t end = duration > 0 ? sim_monotonic_ms() + (int64_t)duration * 1000 : INT64_MAX;
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	for (;;) {
		int64_t left = end - sim_monotonic_ms();
		struct timespec ts;

		if (left <= 0)
			return;
		if (left > 1000)
			left = 1000;
		ts.tv_sec = (time_t)(left / 1000);
		ts.tv_nsec = (long)(left % 1000) * 1000000L;
		if (sigtimedwait(&set, NULL, &ts) > 0)
			return;
	}
}

static int fail(const char *what, const struct medfw_diag *d, enum medfw_err err)
{
	fprintf(stderr, "medfw-sim: %s: %s\n", what, medfw_diag_message(d, err));
	return SIM_EXIT_FAIL;
}

static enum medfw_err write_stats(const char *path, const struct sim_stats *total,
				  size_t devices, double seconds, bool print,
				  struct medfw_diag *diag)
{
	json_t *o = sim_stats_json(total, devices, seconds);
	char *text;
	enum medfw_err err = MEDFW_OK;

	if (o == NULL)
		return MEDFW_ERR_NOMEM;
	text = json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_REAL_PRECISION(12));
	json_decref(o);
	if (text == NULL)
		return MEDFW_ERR_NOMEM;
	if (path != NULL)
		err = medfw_file_write_atomic(path, text, strlen(text), 0644, diag);
	if (print)
		printf("medfw-sim: %zu devices, %.1f s: %llu check-ins (%.1f/s), %llu failed; "
		       "%llu downloads; %llu committed, %llu rolled back, %llu failed, %llu "
		       "deferred\n",
		       devices, seconds, (unsigned long long)total->checkins_ok,
		       seconds > 0 ? (double)total->checkins_ok / seconds : 0.0,
		       (unsigned long long)total->checkins_failed,
		       (unsigned long long)total->downloads,
		       (unsigned long long)total->events[SIM_EV_COMMITTED],
		       (unsigned long long)total->events[SIM_EV_ROLLED_BACK],
		       (unsigned long long)total->events[SIM_EV_FAILED],
		       (unsigned long long)total->events[SIM_EV_DEFERRED]);
	free(text);
	return err;
}

int sim_cmd_run(const struct sim_run_options *opt)
{
	struct sim_run run;
	struct sim_pool pool;
	struct sim_stats total;
	struct medfw_buf root;
	struct medfw_diag diag;
	char meta_dir[4200];
	sigset_t set;
	struct sim_xoshiro rng;
	pthread_condattr_t ca;
	unsigned started = 0;
	int64_t t0 = 0, t1 = 0;
	enum medfw_err err;
	int rc = SIM_EXIT_OK;

	memset(&run, 0, sizeof(run));
	memset(&pool, 0, sizeof(pool));
	memset(&total, 0, sizeof(total));
	medfw_diag_clear(&diag);
	medfw_buf_init(&root, SIM_ROOT_MAX);
	run.opt = opt;
	run.pool = &pool;
	pool.run = &run;
	pthread_mutex_init(&pool.sched.mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&pool.sched.cv, &ca);
	pthread_condattr_destroy(&ca);
	snprintf(run.agent_version, sizeof(run.agent_version), "%s", medfw_agent_version());
	/* SIGINT / SIGTERM are taken by the main thread only, with sigtimedwait */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	run.ctx = medfw_ctx_new();
	if (run.ctx == NULL) {
		rc = SIM_EXIT_FAIL;
		goto out;
	}
	medfw_ctx_set_log(run.ctx, sim_log_stderr, NULL,
			  opt->verbose ? MEDFW_LOG_INFO : MEDFW_LOG_WARNING);
	run.dc = (struct medfw_devclient_config){
		.server_url = opt->server_url,
		.ca_file = opt->ca_file,
		.allow_http = strncmp(opt->server_url, "http://", 7) == 0,
		.connect_timeout = CONNECT_TIMEOUT,
		.request_timeout = REQUEST_TIMEOUT,
		.low_speed_time = LOW_SPEED_TIME,
		.use_sessions = opt->sessions,
	};
	err = sim_fleet_open(opt->fleet_path, false, &run.fleet, &diag);
	if (err != MEDFW_OK) {
		rc = fail("fleet", &diag, err);
		goto out;
	}
	pool.active = calloc(run.fleet->n > 0 ? run.fleet->n : 1, sizeof(*pool.active));
	pool.sched.heap = calloc(run.fleet->n > 0 ? run.fleet->n : 1, sizeof(*pool.sched.heap));
	if (pool.active == NULL || pool.sched.heap == NULL) {
		rc = fail("start", NULL, MEDFW_ERR_NOMEM);
		goto out;
	}
	for (size_t i = 0; i < run.fleet->n; i++)
		if (opt->only_site == 0 || run.fleet->dev[i].site_id == opt->only_site)
			pool.active[pool.n_active++] = (uint32_t)i;
	if (pool.n_active == 0) {
		fprintf(stderr, "medfw-sim: %s holds no devices%s\n", opt->fleet_path,
			opt->only_site != 0 ? " of that site" : "");
		rc = SIM_EXIT_FAIL;
		goto out;
	}
	err = director_root(opt, &root, &diag);
	if (err == MEDFW_OK)
		err = sim_director_roots_new(run.ctx, root.data, root.len, &run.director, &diag);
	if (err != MEDFW_OK) {
		rc = fail("director root", &diag, err);
		goto out;
	}
	snprintf(meta_dir, sizeof(meta_dir), "%s.image-metadata", opt->fleet_path);
	err = sim_image_repo_new(run.ctx, &run.dc, meta_dir, opt->image_root, run.fleet,
				 &run.images, &diag);
	if (err != MEDFW_OK) {
		rc = fail("image repository", &diag, err);
		goto out;
	}
	if (opt->slots_dir != NULL) {
		err = medfw_mkdir_p(opt->slots_dir, 0700, &diag);
		if (err != MEDFW_OK) {
			rc = fail("slots", &diag, err);
			goto out;
		}
	}
	pool.n_workers = (unsigned)(opt->threads < pool.n_active ? opt->threads : pool.n_active);
	pool.workers = calloc(pool.n_workers, sizeof(*pool.workers));
	if (pool.workers == NULL) {
		rc = fail("start", NULL, MEDFW_ERR_NOMEM);
		goto out;
	}
	for (unsigned i = 0; i < pool.n_workers; i++) {
		pool.workers[i].run = &run;
		pool.workers[i].index = i;
		err = medfw_devclient_new(run.ctx, &run.dc, &pool.workers[i].client, &diag);
		if (err != MEDFW_OK) {
			rc = fail("device client", &diag, err);
			goto out;
		}
	}
	/* Each device's own random stream (simulation choices only), and its first check-in
	 * somewhere in the first period, as a fleet that was already running. */
	sim_xoshiro_seed(&rng, opt->seed);
	t0 = sim_monotonic_ms();
	for (size_t i = 0; i < pool.n_active; i++) {
		struct sim_device *d = &run.fleet->dev[pool.active[i]];
		uint64_t spread = opt->interval * 1000 + opt->jitter * 1000;

		d->rng = opt->seed ^ ((uint64_t)d->id * 0x9e3779b97f4a7c15u);
		(void)sim_splitmix64(&d->rng);
		heap_push(&pool.sched, t0 + (int64_t)(sim_xoshiro_next(&rng) % (spread + 1)),
			  pool.active[i]);
	}
	for (; started < pool.n_workers; started++)
		if (pthread_create(&pool.workers[started].thread, NULL, worker_main,
				   &pool.workers[started]) != 0)
			break;
	if (started < pool.n_workers) {
		fprintf(stderr, "medfw-sim: cannot start %u threads\n", pool.n_workers);
		rc = SIM_EXIT_FAIL;
	} else {
		medfw_log(run.ctx, MEDFW_LOG_INFO, "sim.run.started",
			  "%zu devices, %u threads, interval %llu s", pool.n_active, pool.n_workers,
			  (unsigned long long)opt->interval);
		wait_for_stop(opt->duration);
	}
	stop_all(&pool.sched);
	for (unsigned i = 0; i < started; i++)
		pthread_join(pool.workers[i].thread, NULL);
	t1 = sim_monotonic_ms();
	/* events still queued: one more try each */
	if (pool.n_workers > 0)
		for (size_t i = 0; i < pool.n_active; i++) {
			struct sim_device *d = &run.fleet->dev[pool.active[i]];

			if (d->outbox == NULL)
				continue;
			if (!sim_use_device(&pool.workers[0], d) ||
			    !sim_flush_events(&pool.workers[0], d))
				medfw_log(run.ctx, MEDFW_LOG_WARNING, "sim.events.unsent",
					  "device %lld: %u events could not be sent", (long long)d->id,
					  d->outbox != NULL ? d->outbox->n : 0);
			sim_keep_session(&pool.workers[0], d);
		}
	err = sim_fleet_save(run.fleet, &diag);
	if (err != MEDFW_OK)
		rc = fail("fleet file", &diag, err);
	for (unsigned i = 0; i < pool.n_workers; i++)
		sim_stats_add(&total, &pool.workers[i].stats);
	err = write_stats(opt->stats_path, &total, pool.n_active, (double)(t1 - t0) / 1000.0,
			  true, &diag);
	if (err != MEDFW_OK)
		rc = fail("stats", &diag, err);
out:
	if (pool.workers != NULL)
		for (unsigned i = 0; i < pool.n_workers; i++)
			medfw_devclient_free(pool.workers[i].client);
	free(pool.workers);
	free(pool.active);
	free(pool.sched.heap);
	sim_image_repo_free(run.images);
	sim_director_roots_free(run.director);
	sim_fleet_free(run.fleet);
	medfw_buf_free(&root);
	medfw_ctx_free(run.ctx);
	pthread_cond_destroy(&pool.sched.cv);
	pthread_mutex_destroy(&pool.sched.mu);
	return rc;
}
