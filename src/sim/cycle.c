/* One cycle of one simulated device, the way medfw-agent runs one (src/lib/agent/agent.c,
 * docs/agent.md "One cycle"), on the real protocol:
 *
 *   1. the simulated boot after an install: the health check passes (committed: the
 *      device runs the new firmware) or fails (--health-fail-rate: rolled back, the old
 *      firmware stays);
 *   2. a signed check-in (device key or the device's session) with the running
 *      firmware, image SHA-256 and clinical state (--clinical-use-rate: "in_use");
 *   3. when director_version changed or an instruction is pending: the director's
 *      timestamp, snapshot and targets (signed GETs), verified against the pinned
 *      director root and the image repository (medfw_director_verify_lookup);
 *   4. the agent's own checks (security version, agent version), then: offered once;
 *      deferred once per instruction outside the install window or in clinical use;
 *      else the download from /repo/targets/ through the signed length and hashes
 *      (--download-fail-rate breaks it midway: failed, MEDFW_ERR_IO), then verified,
 *      installed, rebooting; the boot is the device's next cycle;
 *   5. the events queued in this cycle (and any left from before) in one request.
 * Server errors (5xx, timeouts, refused connections) are counted, never fatal: the
 * device tries again at its next cycle. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sim.h"

#include "medfw/agent.h"
#include "medfw/json.h"
#include "medfw/num.h"

#define DOWNLOAD_ATTEMPTS 3
#define REASON_MAX 500

static int64_t monotonic_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

bool sim_use_device(struct sim_worker *w, struct sim_device *d)
{
	/* The key object is made at the device's first cycle and kept (about 500 bytes
	 * each): spread over the first check-in period instead of before the first one. */
	if (d->key == NULL) {
		struct medfw_diag diag;
		enum medfw_err err;

		medfw_diag_clear(&diag);
		err = sim_key_from_seed(d->seed, &d->key, &diag);
		if (err != MEDFW_OK) {
			medfw_log(w->run->ctx, MEDFW_LOG_ERROR, "sim.key", "device %lld: %s",
				  (long long)d->id, medfw_diag_message(&diag, err));
			return false;
		}
	}
	medfw_devclient_set_identity(w->client, d->id, d->key);
	if (w->run->opt->sessions)
		medfw_sim_session_restore(w->client, d->session);
	return true;
}

void sim_keep_session(struct sim_worker *w, struct sim_device *d)
{
	if (w->run->opt->sessions && medfw_sim_session_save(w->client, &d->session) != MEDFW_OK)
		medfw_log(w->run->ctx, MEDFW_LOG_WARNING, "sim.session",
			  "device %lld: out of memory keeping its session", (long long)d->id);
}

/* ---- events ---- */

static void drop_first(struct sim_outbox *o, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		free(o->ev[i].reason);
	memmove(o->ev, o->ev + n, (size_t)(o->n - n) * sizeof(o->ev[0]));
	o->n -= n;
}

/* Queue an event (numbered now, once and for all). Bounded like the agent's queue: when
 * it is full the oldest goes (the server's history then shows the gap in seq). */
static void queue_event(struct sim_worker *w, struct sim_device *d, enum sim_event_type type,
			const struct sim_target *t, const char *reason, const char *check,
			int64_t bytes, int64_t total)
{
	struct sim_outbox *o = d->outbox;
	struct sim_event *e;

	if (o == NULL || o->n == o->cap) {
		if (o != NULL && o->cap >= SIM_OUTBOX_MAX) {
			drop_first(o, 1);
			w->stats.events_dropped++;
		} else {
			uint32_t cap = o != NULL ? o->cap * 2 : 8;
			struct sim_outbox *n = realloc(o, sizeof(*o) + cap * sizeof(o->ev[0]));

			if (n == NULL) {
				w->stats.events_dropped++;
				d->event_seq++; /* the number is used: never reused */
				return;
			}
			if (o == NULL)
				n->n = 0;
			n->cap = cap;
			d->outbox = o = n;
		}
	}
	e = &o->ev[o->n];
	memset(e, 0, sizeof(*e));
	e->seq = ++d->event_seq;
	e->time = medfw_ctx_now(w->run->ctx);
	e->type = (uint8_t)type;
	e->target = t;
	e->slot = (uint8_t)(d->slot ^ 1); /* the slot an update goes to */
	e->check = check;
	e->bytes = bytes;
	e->total = total;
	if (reason != NULL && reason[0] != 0) {
		size_t n = strnlen(reason, REASON_MAX);

		e->reason = malloc(n + 1);
		if (e->reason != NULL) {
			/* printable ASCII only, as the agent sends it */
			for (size_t i = 0; i < n; i++) {
				unsigned char ch = (unsigned char)reason[i];

				e->reason[i] = ch >= 0x20 && ch < 0x7f ? (char)ch : ' ';
			}
			e->reason[n] = 0;
		}
	}
	o->n++;
	w->stats.events[type]++;
}

static json_t *event_json(const struct sim_event *e)
{
	char when[32];
	json_t *o;

	if (medfw_format_utc_time(e->time, when, sizeof(when)) != MEDFW_OK)
		return NULL;
	o = json_pack("{s:I, s:s, s:s}", "seq", (json_int_t)e->seq, "time", when, "type",
		      sim_event_name((enum sim_event_type)e->type));
	if (o == NULL)
		return NULL;
	if (e->target != NULL) {
		json_object_set_new(o, "target", json_string(e->target->name));
		json_object_set_new(o, "version", json_string(e->target->fw->version));
		json_object_set_new(o, "slot", json_string(e->slot ? "B" : "A"));
	}
	if (e->reason != NULL)
		json_object_set_new(o, "reason", json_string(e->reason));
	if (e->check != NULL)
		json_object_set_new(o, "check", json_string(e->check));
	if (e->bytes >= 0 && e->total >= 0) {
		json_object_set_new(o, "bytes", json_integer((json_int_t)e->bytes));
		json_object_set_new(o, "total", json_integer((json_int_t)e->total));
	}
	return o;
}

bool sim_flush_events(struct sim_worker *w, struct sim_device *d)
{
	while (d->outbox != NULL && d->outbox->n > 0) {
		struct sim_outbox *o = d->outbox;
		uint32_t n = o->n < SIM_EVENTS_PER_REQUEST ? o->n : SIM_EVENTS_PER_REQUEST;
		json_t *batch = json_array(), *body, *answer = NULL;
		struct medfw_buf resp;
		struct medfw_diag diag;
		char *text;
		int status = 0;
		int64_t dup = 0;
		enum medfw_err err;

		for (uint32_t i = 0; batch != NULL && i < n; i++)
			json_array_append_new(batch, event_json(&o->ev[i]));
		body = batch != NULL ? json_pack("{s:o}", "events", batch) : NULL;
		text = body != NULL ? json_dumps(body, JSON_COMPACT) : NULL;
		json_decref(body);
		if (text == NULL)
			return false;
		medfw_diag_clear(&diag);
		medfw_buf_init(&resp, MEDFW_DEVCLIENT_RESPONSE_MAX);
		err = medfw_devclient_request(w->client, "POST", "/device/v1/events",
					      (const uint8_t *)text, strlen(text),
					      MEDFW_DEVCLIENT_RESPONSE_MAX, &resp, &status, &diag);
		free(text);
		if (err == MEDFW_OK &&
		    medfw_json_parse(resp.data, resp.len, MEDFW_DEVCLIENT_RESPONSE_MAX, 4, &answer,
				     NULL) == MEDFW_OK &&
		    medfw_json_get_int(answer, "events answer", "duplicates", 0, INT64_MAX, &dup,
				       NULL) == MEDFW_OK)
			w->stats.events_duplicates += (uint64_t)dup;
		json_decref(answer);
		medfw_buf_free(&resp);
		if (err == MEDFW_ERR_REFUSED && status == 400) {
			/* refused as malformed: keeping it would block every later event */
			medfw_log(w->run->ctx, MEDFW_LOG_ERROR, "sim.events.refused",
				  "device %lld: the server refused %u events: %s", (long long)d->id,
				  n, medfw_diag_message(&diag, err));
			w->stats.events_dropped += n;
			sim_stats_http(&w->stats, status);
		} else if (err != MEDFW_OK) {
			sim_stats_http(&w->stats, status);
			return false;
		} else {
			w->stats.events_sent += n;
		}
		drop_first(o, n);
	}
	free(d->outbox);
	d->outbox = NULL;
	return true;
}

/* ---- check-in ---- */

static enum medfw_err checkin(struct sim_worker *w, struct sim_device *d, bool in_use,
			      int64_t *director_version)
{
	json_t *body, *answer = NULL;
	struct medfw_buf resp;
	struct medfw_diag diag;
	char *text;
	int status = 0;
	int64_t next = 0, t0;
	enum medfw_err err;

	*director_version = 0;
	body = json_pack("{s:s, s:s, s:s}", "firmware_version", d->fw->version, "agent_version",
			 w->run->agent_version, "clinical_state", in_use ? "in_use" : "idle");
	if (body != NULL && d->fw->sha256[0] != 0)
		json_object_set_new(body, "image_sha256", json_string(d->fw->sha256));
	text = body != NULL ? json_dumps(body, JSON_COMPACT) : NULL;
	json_decref(body);
	if (text == NULL)
		return MEDFW_ERR_NOMEM;
	medfw_diag_clear(&diag);
	medfw_buf_init(&resp, MEDFW_DEVCLIENT_RESPONSE_MAX);
	t0 = monotonic_us();
	err = medfw_devclient_request(w->client, "POST", "/device/v1/checkin", (const uint8_t *)text,
				      strlen(text), MEDFW_DEVCLIENT_RESPONSE_MAX, &resp, &status,
				      &diag);
	free(text);
	if (err == MEDFW_OK)
		sim_stats_latency(&w->stats, (uint64_t)(monotonic_us() - t0));
	if (err == MEDFW_OK)
		err = medfw_json_parse(resp.data, resp.len, MEDFW_DEVCLIENT_RESPONSE_MAX, 4, &answer,
				       &diag);
	if (err == MEDFW_OK)
		err = medfw_json_get_int(answer, "check-in answer", "next_checkin_seconds", 1,
					 7 * 86400, &next, &diag);
	if (err == MEDFW_OK)
		err = medfw_json_get_int(answer, "check-in answer", "director_version", 0, INT64_MAX,
					 director_version, &diag);
	json_decref(answer);
	medfw_buf_free(&resp);
	if (err == MEDFW_OK) {
		w->stats.checkins_ok++;
	} else {
		w->stats.checkins_failed++;
		sim_stats_http(&w->stats, status);
		medfw_log(w->run->ctx, MEDFW_LOG_INFO, "sim.checkin.failed", "device %lld: %s",
			  (long long)d->id, medfw_diag_message(&diag, err));
	}
	return err;
}

/* ---- failures ---- */

/* Report a refused instruction once per director version and check. */
static void report_failure(struct sim_worker *w, struct sim_device *d, int64_t dv,
			   const struct sim_target *t, enum medfw_err err,
			   const struct medfw_diag *diag)
{
	const char *check = medfw_err_name(err);

	if (d->fail_dv == dv && d->fail_code == (uint8_t)err)
		return;
	d->fail_dv = dv;
	d->fail_code = (uint8_t)err;
	queue_event(w, d, SIM_EV_FAILED, t, medfw_diag_message(diag, err),
		    check != NULL ? check : "MEDFW_ERR_STATE", -1, -1);
	medfw_log(w->run->ctx, MEDFW_LOG_WARNING, "sim.update.refused", "device %lld: %s: %s",
		  (long long)d->id, check != NULL ? check : "?", medfw_diag_message(diag, err));
}

/* ---- the simulated boot ---- */

static void boot(struct sim_worker *w, struct sim_device *d)
{
	const struct sim_target *t = d->ins_target;

	d->phase = SIM_PHASE_NONE;
	if (t == NULL)
		return;
	if (sim_chance(&d->rng, w->run->opt->health_fail_ppm)) {
		queue_event(w, d, SIM_EV_ROLLED_BACK, t,
			    "the health check failed on the new slot (simulated: "
			    "--health-fail-rate); back on the previous slot",
			    "MEDFW_ERR_HEALTH_CHECK", -1, -1);
		d->rep |= SIM_REP_REFUSED; /* not again until the server assigns it again */
		return;
	}
	queue_event(w, d, SIM_EV_COMMITTED, t, NULL, NULL, -1, -1);
	d->fw = t->fw;
	d->slot ^= 1;
	if (t->security_version > d->min_security_version)
		d->min_security_version = t->security_version;
}

/* ---- download ---- */

struct download {
	struct medfw_tuf_hash_check *hc;
	int fd;
	const char *path;
	uint64_t got, fail_at, total;
};

static enum medfw_err download_write(void *user, const void *data, size_t len,
				     struct medfw_diag *diag)
{
	struct download *s = user;
	enum medfw_err err;

	if (s->fail_at != UINT64_MAX && len > s->fail_at - s->got)
		return medfw_diag_set(diag, MEDFW_ERR_IO,
				      "the download broke after %llu of %llu bytes (simulated: "
				      "--download-fail-rate)",
				      (unsigned long long)s->fail_at, (unsigned long long)s->total);
	err = medfw_tuf_hash_check_update(s->hc, data, len, diag);
	if (err == MEDFW_OK && s->fd >= 0)
		err = medfw_write_all(s->fd, data, len, s->path, diag);
	if (err == MEDFW_OK)
		s->got += len;
	return err;
}

static void install(struct sim_worker *w, struct sim_device *d, const struct sim_target *t)
{
	const struct sim_run_options *opt = w->run->opt;
	struct download s = {NULL, -1, NULL, 0, UINT64_MAX, (uint64_t)t->length};
	char path[4200];
	struct medfw_diag diag;
	enum medfw_err err = MEDFW_OK;

	medfw_diag_clear(&diag);
	queue_event(w, d, SIM_EV_DOWNLOADING, t, NULL, NULL, 0, t->length);
	if (sim_chance(&d->rng, opt->download_fail_ppm))
		s.fail_at = (uint64_t)t->length / 2;
	if (opt->slots_dir != NULL) {
		snprintf(path, sizeof(path), "%s/%lld.img", opt->slots_dir, (long long)d->id);
		s.path = path;
		s.fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (s.fd < 0)
			err = medfw_diag_set(&diag, MEDFW_ERR_IO, "%s: %s", path, strerror(errno));
	}
	if (err == MEDFW_OK)
		err = medfw_tuf_hash_check_new(t->length, t->hashes, "image", &s.hc, &diag);
	if (err == MEDFW_OK) {
		struct medfw_devclient_download dl = {
			.url = t->url,
			.offset = 0,
			.total = (uint64_t)t->length,
			.max_attempts = DOWNLOAD_ATTEMPTS,
			.write = download_write,
			.write_user = &s,
		};

		err = medfw_devclient_download(w->client, &dl, &diag);
	}
	if (err == MEDFW_OK)
		err = medfw_tuf_hash_check_finish(s.hc, &diag);
	medfw_tuf_hash_check_free(s.hc);
	if (s.fd >= 0 && close(s.fd) != 0 && err == MEDFW_OK)
		err = medfw_diag_set(&diag, MEDFW_ERR_IO, "%s: %s", path, strerror(errno));
	w->stats.download_bytes += s.got;
	if (err != MEDFW_OK) {
		const char *check = medfw_err_name(err);

		if (s.path != NULL)
			(void)unlink(s.path);
		w->stats.download_failures++;
		/* every attempt is reported: the next cycle tries again */
		queue_event(w, d, SIM_EV_FAILED, t, medfw_diag_message(&diag, err),
			    check != NULL ? check : "MEDFW_ERR_STATE", -1, -1);
		medfw_log(w->run->ctx, MEDFW_LOG_INFO, "sim.download.failed", "device %lld: %s",
			  (long long)d->id, medfw_diag_message(&diag, err));
		return;
	}
	w->stats.downloads++;
	queue_event(w, d, SIM_EV_VERIFIED, t, NULL, NULL, -1, -1);
	queue_event(w, d, SIM_EV_INSTALLED, t, NULL, NULL, -1, -1);
	queue_event(w, d, SIM_EV_REBOOTING, t, NULL, NULL, -1, -1);
	d->phase = SIM_PHASE_REBOOTING;
}

/* ---- the instruction ---- */

static void act(struct sim_worker *w, struct sim_device *d, int64_t dv,
		const struct medfw_director_instruction *ins, struct sim_target *t, bool in_use)
{
	struct medfw_diag diag;
	int cmp = 0;

	if (ins->versions.targets_version != d->ins_tv) {
		d->ins_tv = ins->versions.targets_version;
		d->rep = 0;
	}
	if (!ins->has_target || t == NULL) {
		d->ins_target = NULL;
		return;
	}
	d->ins_target = t;
	d->win_start = ins->window_start;
	d->win_end = ins->window_end;
	if (strcmp(d->fw->sha256, t->fw->sha256) == 0 || (d->rep & SIM_REP_REFUSED))
		return; /* running it already, or it was rolled back / refused here */
	medfw_diag_clear(&diag);
	if (t->security_version < d->min_security_version) {
		medfw_diag_set(&diag, MEDFW_ERR_SECURITY_VERSION,
			       "%s: security version %llu is below this device's minimum %llu "
			       "(rollback refused)", t->name, (unsigned long long)t->security_version,
			       (unsigned long long)d->min_security_version);
		d->rep |= SIM_REP_REFUSED;
		report_failure(w, d, dv, t, MEDFW_ERR_SECURITY_VERSION, &diag);
		return;
	}
	if (medfw_agent_version_cmp(w->run->agent_version, t->min_agent_version, &cmp) !=
		    MEDFW_OK ||
	    cmp < 0) {
		medfw_diag_set(&diag, MEDFW_ERR_AGENT_VERSION, "%s: needs agent %s or newer; this "
			       "agent is %s", t->name, t->min_agent_version, w->run->agent_version);
		d->rep |= SIM_REP_REFUSED;
		report_failure(w, d, dv, t, MEDFW_ERR_AGENT_VERSION, &diag);
		return;
	}
	if (!(d->rep & SIM_REP_OFFERED)) {
		queue_event(w, d, SIM_EV_OFFERED, t, NULL, NULL, -1, -1);
		d->rep |= SIM_REP_OFFERED;
	}
	if (!ins->in_window) {
		if (!(d->rep & SIM_REP_DEFER_WINDOW)) {
			char start[32] = "", reason[96];

			(void)medfw_format_utc_time(ins->window_start, start, sizeof(start));
			snprintf(reason, sizeof(reason), "outside the install window (opens %s)", start);
			queue_event(w, d, SIM_EV_DEFERRED, t, reason, NULL, -1, -1);
			d->rep |= SIM_REP_DEFER_WINDOW;
		}
		return;
	}
	if (in_use) {
		if (!(d->rep & SIM_REP_DEFER_CLINICAL)) {
			queue_event(w, d, SIM_EV_DEFERRED, t, "device in clinical use", NULL, -1, -1);
			d->rep |= SIM_REP_DEFER_CLINICAL;
		}
		return;
	}
	install(w, d, t);
}

static enum medfw_err fetch_role(struct sim_worker *w, const char *role, struct medfw_buf *out,
				 struct medfw_diag *diag)
{
	char path[64];
	int status = 0;
	enum medfw_err err;

	snprintf(path, sizeof(path), "/device/v1/director/%s.json", role);
	medfw_buf_init(out, SIM_DIRECTOR_META_MAX);
	err = medfw_devclient_request(w->client, "GET", path, NULL, 0, SIM_DIRECTOR_META_MAX, out,
				      &status, diag);
	if (err != MEDFW_OK)
		sim_stats_http(&w->stats, status);
	return err;
}

struct lookup {
	struct sim_image_repo *repo;
	struct sim_image_snapshot *snap;
	const struct medfw_tuf_target *target;
};

static enum medfw_err lookup_image(void *user, const char *path,
				   const struct medfw_tuf_target **out, struct medfw_diag *diag)
{
	struct lookup *l = user;
	enum medfw_err err;

	sim_image_release(l->repo, l->snap);
	l->snap = NULL;
	err = sim_image_lookup(l->repo, path, &l->snap, out, diag);
	l->target = err == MEDFW_OK ? *out : NULL;
	return err;
}

/* Transport trouble (the server, the network): try again next cycle, report nothing. */
static bool transient(enum medfw_err err)
{
	return err == MEDFW_ERR_FETCH || err == MEDFW_ERR_REFUSED || err == MEDFW_ERR_NOMEM ||
	       err == MEDFW_ERR_TRUNCATED;
}

static void director(struct sim_worker *w, struct sim_device *d, int64_t dv, bool in_use)
{
	struct sim_run *run = w->run;
	struct medfw_buf ts, snap, tg;
	struct medfw_director_instruction ins;
	struct lookup lk = {run->images, NULL, NULL};
	struct sim_target *target = NULL;
	const uint8_t *root;
	size_t root_len;
	struct medfw_diag diag;
	enum medfw_err err;

	w->stats.director_fetches++;
	medfw_buf_init(&ts, 0);
	medfw_buf_init(&snap, 0);
	medfw_buf_init(&tg, 0);
	for (int attempt = 0;; attempt++) {
		medfw_diag_clear(&diag);
		err = fetch_role(w, "timestamp", &ts, &diag);
		if (err == MEDFW_OK)
			err = fetch_role(w, "snapshot", &snap, &diag);
		if (err == MEDFW_OK)
			err = fetch_role(w, "targets", &tg, &diag);
		if (err == MEDFW_OK) {
			sim_director_root(run->director, &root, &root_len);
			err = medfw_director_verify_lookup(run->ctx, root, root_len, ts.data, ts.len,
							   snap.data, snap.len, tg.data, tg.len,
							   &d->dir, lookup_image, &lk, d->id,
							   d->hardware_id, &ins, &diag);
		}
		/* The director re-signs a device's documents at each hour: a timestamp
		 * fetched just before it and a snapshot just after do not match. Such a
		 * mismatch is fetched again, once, as the agent does. */
		if (attempt > 0 || !medfw_director_inconsistent(err))
			break;
		sim_image_release(run->images, lk.snap);
		lk.snap = NULL;
		lk.target = NULL;
		medfw_buf_free(&ts);
		medfw_buf_free(&snap);
		medfw_buf_free(&tg);
	}
	if (err == MEDFW_OK && ins.has_target) {
		if (lk.snap == NULL || lk.target == NULL)
			err = medfw_diag_set(&diag, MEDFW_ERR_STATE, "the image target was not looked up");
		else
			err = sim_image_target(run->images, lk.snap, lk.target, &target, &diag);
	}
	sim_image_release(run->images, lk.snap);
	medfw_buf_free(&ts);
	medfw_buf_free(&snap);
	medfw_buf_free(&tg);
	if (err != MEDFW_OK && transient(err)) {
		w->stats.director_errors++;
		medfw_log(run->ctx, MEDFW_LOG_INFO, "sim.director.failed", "device %lld: %s",
			  (long long)d->id, medfw_diag_message(&diag, err));
		return;
	}
	if (err != MEDFW_OK) {
		/* metadata that does not verify, or an instruction the image repository does not
		 * back: refused and reported (once per director version and check), nothing
		 * installed; fetched and checked again at the next check-in, as the agent does */
		w->stats.director_errors++;
		d->ins_target = NULL;
		report_failure(w, d, dv, NULL, err, &diag);
		return;
	}
	d->dv_seen = dv;
	d->dir = ins.versions;
	act(w, d, dv, &ins, target, in_use);
}

/* An instruction this device still has to act on: fetched and verified again at every
 * check-in (fresh metadata, as the agent does), except while its install window has not
 * opened: nothing can change that but a new director version, which the check-in
 * announces. */
static bool pending(const struct sim_worker *w, const struct sim_device *d)
{
	return d->ins_target != NULL && d->phase == SIM_PHASE_NONE &&
	       !(d->rep & SIM_REP_REFUSED) && strcmp(d->fw->sha256, d->ins_target->fw->sha256) != 0 &&
	       medfw_ctx_now(w->run->ctx) >= d->win_start;
}

void sim_cycle(struct sim_worker *w, struct sim_device *d, int64_t *next_ms)
{
	const struct sim_run_options *opt = w->run->opt;
	int64_t dv = 0;
	bool in_use;

	w->stats.cycles++;
	if (sim_chance(&d->rng, opt->offline_ppm)) {
		/* silent for a while: no request at all */
		w->stats.offline_periods++;
		*next_ms = (int64_t)opt->offline_seconds * 1000;
		return;
	}
	if (!sim_use_device(w, d)) {
		w->stats.checkins_failed++;
		*next_ms = (int64_t)opt->interval * 1000;
		return;
	}
	if (d->phase == SIM_PHASE_REBOOTING)
		boot(w, d);
	in_use = sim_chance(&d->rng, opt->clinical_use_ppm);
	if (checkin(w, d, in_use, &dv) == MEDFW_OK) {
		sim_director_roots_refresh(w->run->director, w->client, &w->stats);
		if (dv != d->dv_seen || pending(w, d))
			director(w, d, dv, in_use);
		if (d->outbox != NULL)
			(void)sim_flush_events(w, d);
	}
	sim_keep_session(w, d);
	if (d->phase == SIM_PHASE_REBOOTING)
		*next_ms = (int64_t)opt->reboot_seconds * 1000;
	else
		*next_ms = (int64_t)opt->interval * 1000 +
			   (int64_t)sim_uniform(&d->rng, opt->jitter * 1000 + 1);
}
