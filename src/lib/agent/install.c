/* The install state machine: writing the inactive slot in one pass, the flip, the
 * boot into the new slot, health checks, commit or rollback, and finishing whatever
 * a power loss interrupted (docs/agent.md).
 *
 * The rule that makes it power-loss safe: the state file names a step before the step
 * is taken, every step is idempotent, and the boot state only ever points the
 * bootloader at a slot holding a fully verified image (the target slot is unbootable
 * from before its first byte is written until after its last byte was checked). */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#include "agent_internal.h"
#include "medfw/buf.h"
#include "medfw/json.h"
#include "medfw/notice.h"
#include "medfw/num.h"
#include "medfw/tuf.h"

#define ZSTD_WINDOW_LOG_MAX 23 /* 8 MiB: bounded memory, as bundles */

/* The pipeline between the download (or the bundle reader) and the slot: the caller's
 * thread copies what arrives into one of PIPE_BUFS buffers, a worker thread hashes it
 * and writes it to the slot, so receiving overlaps hashing and writing. Each byte is
 * still read from the network once, hashed once and written once, in order; memory is
 * PIPE_BUFS * PIPE_BUF_SIZE whatever the image size. */
#define PIPE_BUFS 4
#define PIPE_BUF_SIZE (512u * 1024u)

struct agent_writer {
	struct medfw_agent *a;
	struct medfw_slot_writer *sw;
	struct medfw_tuf_hash_check *hc; /* NULL: the caller checks (bundles) */
	ZSTD_DCtx *z;
	uint8_t *zout;
	size_t zout_cap;
	uint64_t written;
	uint64_t max_written;
	uint64_t fault_at;
	bool zstd_done;
	/* the pipeline */
	bool threaded;
	pthread_t worker;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	uint8_t *buf[PIPE_BUFS];
	size_t blen[PIPE_BUFS];
	unsigned head, tail, full; /* buffers [tail, tail + full) wait for the worker */
	size_t fill;               /* bytes in buf[head], which the caller is filling */
	bool closing;
	enum medfw_err werr;       /* the worker's first error: everything stops */
	struct medfw_diag wdiag;
};

static enum medfw_err consume(struct agent_writer *w, const void *data, size_t len,
			      struct medfw_diag *diag);

static void *pipe_worker(void *arg)
{
	struct agent_writer *w = arg;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		unsigned i;
		size_t n;
		enum medfw_err err;
		struct medfw_diag d;

		while (w->full == 0 && !w->closing)
			pthread_cond_wait(&w->cv, &w->mu);
		if (w->full == 0)
			break;
		i = w->tail;
		n = w->blen[i];
		if (w->werr != MEDFW_OK) {
			err = MEDFW_OK; /* after an error the rest is dropped */
		} else {
			pthread_mutex_unlock(&w->mu);
			medfw_diag_clear(&d);
			err = consume(w, w->buf[i], n, &d);
			pthread_mutex_lock(&w->mu);
		}
		if (err != MEDFW_OK && w->werr == MEDFW_OK) {
			w->werr = err;
			w->wdiag = d;
		}
		w->tail = (w->tail + 1) % PIPE_BUFS;
		w->full--;
		pthread_cond_broadcast(&w->cv);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

static enum medfw_err pipe_error(struct agent_writer *w, struct medfw_diag *diag)
{
	return medfw_diag_set(diag, w->werr, "%s", medfw_diag_message(&w->wdiag, w->werr));
}

/* Hand buf[head] (fill bytes) to the worker. Called with mu held. */
static void pipe_publish(struct agent_writer *w)
{
	w->blen[w->head] = w->fill;
	w->head = (w->head + 1) % PIPE_BUFS;
	w->full++;
	w->fill = 0;
	pthread_cond_broadcast(&w->cv);
}

static enum medfw_err pipe_start(struct agent_writer *w)
{
	for (unsigned i = 0; i < PIPE_BUFS; i++) {
		w->buf[i] = malloc(PIPE_BUF_SIZE);
		if (w->buf[i] == NULL)
			return MEDFW_ERR_NOMEM;
	}
	if (pthread_mutex_init(&w->mu, NULL) != 0)
		return MEDFW_ERR_NOMEM;
	if (pthread_cond_init(&w->cv, NULL) != 0) {
		pthread_mutex_destroy(&w->mu);
		return MEDFW_ERR_NOMEM;
	}
	if (pthread_create(&w->worker, NULL, pipe_worker, w) != 0) {
		pthread_cond_destroy(&w->cv);
		pthread_mutex_destroy(&w->mu);
		return MEDFW_ERR_NOMEM;
	}
	w->threaded = true;
	return MEDFW_OK;
}

/* Stop the worker after it consumed what was published (drop = true: discard it). */
static void pipe_stop(struct agent_writer *w, bool drop)
{
	if (!w->threaded)
		return;
	pthread_mutex_lock(&w->mu);
	if (drop && w->werr == MEDFW_OK) {
		w->werr = MEDFW_ERR_STATE;
		medfw_diag_set(&w->wdiag, MEDFW_ERR_STATE, "image write abandoned");
	}
	w->closing = true;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->worker, NULL);
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	w->threaded = false;
}

void agent_diag_to_reason(const struct medfw_diag *diag, enum medfw_err err, char *reason,
			  size_t cap, char *check, size_t check_cap)
{
	const char *name = medfw_err_name(err);

	snprintf(reason, cap, "%s", medfw_diag_message(diag, err));
	snprintf(check, check_cap, "%s", name != NULL ? name : "MEDFW_ERR_STATE");
}

enum medfw_err agent_writer_open(struct medfw_agent *a, enum medfw_slot_id slot,
				 uint64_t length, const json_t *hashes, bool decompress,
				 struct agent_writer **out, struct medfw_diag *diag)
{
	struct agent_writer *w = calloc(1, sizeof(*w));
	enum medfw_err err = MEDFW_OK;

	*out = NULL;
	if (w == NULL)
		return MEDFW_ERR_NOMEM;
	w->a = a;
	w->max_written = a->cfg->max_image_bytes;
	w->fault_at = agent_fault_offset("write");
	if (hashes != NULL)
		err = medfw_tuf_hash_check_new((int64_t)length, hashes, "image", &w->hc, diag);
	if (err == MEDFW_OK && decompress) {
		w->z = ZSTD_createDCtx();
		w->zout_cap = ZSTD_DStreamOutSize();
		w->zout = malloc(w->zout_cap);
		if (w->z == NULL || w->zout == NULL)
			err = MEDFW_ERR_NOMEM;
		else if (ZSTD_isError(ZSTD_DCtx_setParameter(w->z, ZSTD_d_windowLogMax,
							       ZSTD_WINDOW_LOG_MAX)))
			err = medfw_diag_set(diag, MEDFW_ERR_COMPRESSION, "zstd: cannot set window");
	}
	if (err == MEDFW_OK)
		err = medfw_slot_open_write(a->slots, slot, &w->sw, diag);
	if (err == MEDFW_OK && pipe_start(w) != MEDFW_OK)
		err = medfw_diag_set(diag, MEDFW_ERR_NOMEM, "image writer: cannot start its thread");
	if (err != MEDFW_OK) {
		agent_writer_abort(w);
		return err;
	}
	*out = w;
	return MEDFW_OK;
}

static enum medfw_err slot_put(struct agent_writer *w, const uint8_t *p, size_t len,
			       struct medfw_diag *diag)
{
	if (len > w->max_written - w->written)
		return medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE,
				      "image: more than max_image_bytes (%llu) to write",
				      (unsigned long long)w->max_written);
	if (w->fault_at != UINT64_MAX && w->written + len > w->fault_at) {
		size_t part = (size_t)(w->fault_at - w->written);

		/* Part of the chunk reaches the slot, then the power goes. */
		if (part > 0 && medfw_slot_write(w->sw, p, part, NULL) != MEDFW_OK)
			agent_die();
		agent_die();
	}
	w->written += len;
	return medfw_slot_write(w->sw, p, len, diag);
}

enum medfw_err agent_writer_write(struct agent_writer *w, const void *data, size_t len,
				  struct medfw_diag *diag)
{
	const uint8_t *p = data;

	if (!w->threaded)
		return consume(w, data, len, diag);
	while (len > 0) {
		size_t n;

		pthread_mutex_lock(&w->mu);
		while (w->full == PIPE_BUFS && w->werr == MEDFW_OK)
			pthread_cond_wait(&w->cv, &w->mu);
		if (w->werr != MEDFW_OK) {
			enum medfw_err err = pipe_error(w, diag);

			pthread_mutex_unlock(&w->mu);
			return err;
		}
		pthread_mutex_unlock(&w->mu);
		/* buf[head] belongs to this thread until it is published */
		n = PIPE_BUF_SIZE - w->fill;
		if (n > len)
			n = len;
		memcpy(w->buf[w->head] + w->fill, p, n);
		p += n;
		len -= n;
		w->fill += n;
		if (w->fill == PIPE_BUF_SIZE) {
			pthread_mutex_lock(&w->mu);
			pipe_publish(w);
			pthread_mutex_unlock(&w->mu);
		}
	}
	return MEDFW_OK;
}

/* Hash and write (the worker's part; the caller's when there is no worker). */
static enum medfw_err consume(struct agent_writer *w, const void *data, size_t len,
			      struct medfw_diag *diag)
{
	enum medfw_err err;

	if (w->hc != NULL) {
		err = medfw_tuf_hash_check_update(w->hc, data, len, diag);
		if (err != MEDFW_OK)
			return err;
	}
	if (w->z == NULL)
		return slot_put(w, data, len, diag);
	{
		ZSTD_inBuffer in = {data, len, 0};

		while (in.pos < in.size) {
			ZSTD_outBuffer ob = {w->zout, w->zout_cap, 0};
			size_t r = ZSTD_decompressStream(w->z, &ob, &in);

			if (ZSTD_isError(r))
				return medfw_diag_set(diag, MEDFW_ERR_COMPRESSION, "image: zstd: %s",
						      ZSTD_getErrorName(r));
			w->zstd_done = r == 0;
			err = slot_put(w, w->zout, ob.pos, diag);
			if (err != MEDFW_OK)
				return err;
		}
	}
	return MEDFW_OK;
}

void agent_writer_abort(struct agent_writer *w)
{
	if (w == NULL)
		return;
	pipe_stop(w, true);
	for (unsigned i = 0; i < PIPE_BUFS; i++)
		free(w->buf[i]);
	medfw_slot_abort(w->sw);
	medfw_tuf_hash_check_free(w->hc);
	ZSTD_freeDCtx(w->z);
	free(w->zout);
	free(w);
}

enum medfw_err agent_writer_finish(struct agent_writer *w, struct medfw_diag *diag)
{
	enum medfw_err err = MEDFW_OK;

	if (w->threaded) {
		pthread_mutex_lock(&w->mu);
		while (w->full == PIPE_BUFS && w->werr == MEDFW_OK)
			pthread_cond_wait(&w->cv, &w->mu);
		if (w->fill > 0 && w->werr == MEDFW_OK)
			pipe_publish(w);
		pthread_mutex_unlock(&w->mu);
		pipe_stop(w, false);
		if (w->werr != MEDFW_OK)
			err = pipe_error(w, diag);
	}
	if (err == MEDFW_OK && w->hc != NULL)
		err = medfw_tuf_hash_check_finish(w->hc, diag);
	if (err == MEDFW_OK && w->z != NULL && !w->zstd_done)
		err = medfw_diag_set(diag, MEDFW_ERR_COMPRESSION, "image: zstd stream ends early");
	if (err == MEDFW_OK) {
		err = medfw_slot_finish(w->sw, diag);
		w->sw = NULL;
	}
	agent_writer_abort(w);
	return err;
}

/* ---- the status file for the device's own screen ---- */

enum medfw_err agent_write_status(struct medfw_agent *a, const char *status,
				  const json_t *notice, const char *reason, int64_t bytes,
				  int64_t total)
{
	const struct agent_update *u = &a->st.upd;
	char when[32];
	json_t *o;
	char *text;
	enum medfw_err err;

	if (medfw_format_utc_time(medfw_ctx_now(a->ctx), when, sizeof(when)) != MEDFW_OK)
		when[0] = 0;
	o = json_pack("{s:s, s:s}", "status", status, "updated", when);
	if (o == NULL)
		return MEDFW_ERR_NOMEM;
	if (u->image.valid) {
		json_object_set_new(o, "target", json_string(u->image.target));
		json_object_set_new(o, "version", json_string(u->image.version));
	}
	if (notice != NULL)
		json_object_set_new(o, "release_notice", json_deep_copy(notice));
	if (reason != NULL && reason[0])
		json_object_set_new(o, "reason", json_string(reason));
	if (bytes >= 0 && total > 0)
		json_object_set_new(o, "progress", json_pack("{s:I, s:I}", "bytes",
							     (json_int_t)bytes, "total",
							     (json_int_t)total));
	/* Keep the notice of the last offered release when this write has none. */
	if (notice == NULL) {
		struct medfw_buf old;
		json_t *prev = NULL;

		if (medfw_file_read(a->status_path, 256 * 1024, &old, NULL) == MEDFW_OK) {
			if (medfw_json_parse(old.data, old.len, 256 * 1024, 32, &prev, NULL) ==
				    MEDFW_OK &&
			    json_is_object(json_object_get(prev, "release_notice")) &&
			    json_equal(json_object_get(prev, "target"),
				       json_object_get(o, "target")))
				json_object_set(o, "release_notice",
						json_object_get(prev, "release_notice"));
			json_decref(prev);
			medfw_buf_free(&old);
		}
	}
	text = json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(o);
	if (text == NULL)
		return MEDFW_ERR_NOMEM;
	err = medfw_file_write_atomic(a->status_path, text, strlen(text), 0644, NULL);
	free(text);
	return err;
}

/* ---- after the image is in the slot ---- */

void agent_remember_refused(struct medfw_agent *a)
{
	snprintf(a->st.last_report, sizeof(a->st.last_report), "rolled_back:%s:%lld",
		 a->st.upd.image.sha256, (long long)a->st.director.targets_version);
}

static void clear_update(struct medfw_agent *a)
{
	memset(&a->st.upd, 0, sizeof(a->st.upd));
}

bool agent_first_report(struct medfw_agent *a, const char *kind, const char *detail)
{
	char key[sizeof(a->st.last_report)];

	snprintf(key, sizeof(key), "%s:%.60s:%s", kind, detail,
		 a->st.upd.image.valid ? a->st.upd.image.sha256 : "");
	if (strcmp(key, a->st.last_report) == 0)
		return false;
	snprintf(a->st.last_report, sizeof(a->st.last_report), "%s", key);
	return true;
}

static enum medfw_err defer(struct medfw_agent *a, const char *reason,
			    enum medfw_agent_outcome *out, struct medfw_diag *diag)
{
	*out = MEDFW_AGENT_DEFERRED;
	if (agent_first_report(a, "deferred", reason))
		(void)agent_event(a, "deferred", reason, NULL, -1, -1);
	(void)agent_write_status(a, "deferred", NULL, reason, -1, -1);
	return agent_save(a, diag);
}

static enum medfw_err do_reboot(struct medfw_agent *a, enum medfw_agent_outcome *out,
				struct medfw_diag *diag)
{
	enum medfw_err err;

	(void)agent_write_status(a, "rebooting", NULL, NULL, -1, -1);
	agent_flush_quietly(a);
	agent_fault("before-reboot");
	err = agent_reboot(a, diag);
	*out = MEDFW_AGENT_REBOOTING;
	return err;
}

/* Never reboot a device in clinical use: the reboot waits for the next cycle. */
static enum medfw_err reboot_unless_in_use(struct medfw_agent *a, enum medfw_agent_outcome *out,
					   struct medfw_diag *diag)
{
	char why[256];

	if (agent_in_clinical_use(a, why, sizeof(why)))
		return defer(a, why, out, diag);
	return do_reboot(a, out, diag);
}

enum medfw_err agent_after_install(struct medfw_agent *a, bool reboot,
				   enum medfw_agent_outcome *out, struct medfw_diag *diag)
{
	struct agent_update *u = &a->st.upd;
	char why[256];
	enum medfw_err err;

	if (u->phase != PHASE_INSTALLED)
		return medfw_diag_set(diag, MEDFW_ERR_STATE, "no installed update to switch to");
	if (reboot && agent_in_clinical_use(a, why, sizeof(why)))
		return defer(a, why, out, diag);
	agent_fault("before-flip");
	err = medfw_slot_set_trial(a->slots, u->to, (unsigned)a->cfg->trial_tries, diag);
	if (err != MEDFW_OK)
		return err;
	agent_fault("after-flip");
	u->phase = PHASE_REBOOTING;
	(void)agent_event(a, "rebooting", reboot ? NULL : "waiting for a reboot", NULL, -1, -1);
	err = agent_save(a, diag);
	if (err != MEDFW_OK)
		return err;
	if (!reboot) {
		*out = MEDFW_AGENT_DEFERRED;
		(void)agent_write_status(a, "installed", NULL, "reboot to finish the update", -1, -1);
		return MEDFW_OK;
	}
	return do_reboot(a, out, diag);
}

/* Health checks passed on the new slot: commit it. Idempotent. */
static enum medfw_err commit(struct medfw_agent *a, enum medfw_agent_outcome *out,
			     struct medfw_diag *diag)
{
	struct agent_update *u = &a->st.upd;
	uint64_t new_min = a->st.min_security_version;
	enum medfw_err err;

	u->phase = PHASE_COMMITTING;
	err = agent_save(a, diag);
	if (err != MEDFW_OK)
		return err;
	agent_fault("before-commit");
	err = medfw_slot_mark_good(a->slots, u->to, diag);
	if (err != MEDFW_OK)
		return err;
	if (u->image.security_version > new_min)
		new_min = u->image.security_version;
	/* Never boot below the minimum: a previous slot below the new minimum is made
	 * unbootable before the minimum is raised. */
	if (new_min > a->st.min_security_version &&
	    (!a->st.slots[u->from].valid || a->st.slots[u->from].security_version < new_min)) {
		err = medfw_slot_set_unbootable(a->slots, u->from, diag);
		if (err != MEDFW_OK)
			return err;
	}
	a->st.min_security_version = new_min;
	a->st.slots[u->to] = u->image;
	(void)agent_event(a, "committed", NULL, NULL, -1, -1);
	(void)agent_write_status(a, "up_to_date", NULL, NULL, -1, -1);
	clear_update(a);
	a->st.last_report[0] = 0;
	err = agent_save(a, diag);
	if (err != MEDFW_OK)
		return err;
	agent_fault("after-commit");
	*out = MEDFW_AGENT_COMMITTED;
	return MEDFW_OK;
}

/* The new slot is bad: make it unbootable and go back to the previous one. */
static enum medfw_err start_rollback(struct medfw_agent *a, const char *reason, const char *check,
				     bool reboot, enum medfw_agent_outcome *out,
				     struct medfw_diag *diag)
{
	struct agent_update *u = &a->st.upd;
	enum medfw_err err;

	u->phase = PHASE_ROLLING_BACK;
	snprintf(u->reason, sizeof(u->reason), "%s", reason);
	snprintf(u->check, sizeof(u->check), "%s", check != NULL ? check : "");
	err = agent_save(a, diag);
	if (err != MEDFW_OK)
		return err;
	agent_fault("before-rollback");
	err = medfw_slot_set_unbootable(a->slots, u->to, diag);
	if (err != MEDFW_OK)
		return err;
	if (!reboot) {
		*out = MEDFW_AGENT_DEFERRED;
		return MEDFW_OK;
	}
	return reboot_unless_in_use(a, out, diag);
}

/* Back on the previous slot after a rollback (ours or the bootloader's). */
static enum medfw_err finish_rollback(struct medfw_agent *a, const char *reason,
				      const char *check, enum medfw_agent_outcome *out,
				      struct medfw_diag *diag)
{
	struct agent_update *u = &a->st.upd;
	enum medfw_err err;

	err = medfw_slot_set_unbootable(a->slots, u->to, diag);
	if (err != MEDFW_OK)
		return err;
	(void)agent_event(a, "rolled_back", reason, check, -1, -1);
	(void)agent_write_status(a, "rolled_back", NULL, reason, -1, -1);
	/* Remember the refused image so the same instruction is not installed again in a
	 * loop: the next attempt needs a new instruction (or a manual install). */
	agent_remember_refused(a);
	clear_update(a);
	err = agent_save(a, diag);
	*out = MEDFW_AGENT_ROLLED_BACK;
	return err;
}

static enum medfw_err health_then_commit(struct medfw_agent *a, enum medfw_agent_outcome *out,
					 struct medfw_diag *diag)
{
	struct medfw_diag hd;
	char reason[AGENT_REASON_MAX + 1], check[65];
	enum medfw_err err;

	medfw_diag_clear(&hd);
	(void)agent_write_status(a, "checking", NULL, NULL, -1, -1);
	err = agent_health_check(a, &hd);
	if (err == MEDFW_OK)
		return commit(a, out, diag);
	agent_diag_to_reason(&hd, err, reason, sizeof(reason), check, sizeof(check));
	return start_rollback(a, reason, check, true, out, diag);
}

enum medfw_err agent_resume(struct medfw_agent *a, enum medfw_agent_outcome *out,
			    struct medfw_diag *diag)
{
	struct agent_update *u = &a->st.upd;
	struct medfw_boot_state bs;
	enum medfw_slot_id booted;
	enum medfw_err err;

	*out = MEDFW_AGENT_IDLE;
	err = medfw_slot_booted(a->slots, &booted, diag);
	if (err == MEDFW_OK)
		err = medfw_slot_load(a->slots, &bs, diag);
	if (err != MEDFW_OK)
		return err;
	/* Every boot of the committed slot resets its tries (U-Boot bootcount), whatever
	 * else is going on: power cuts while an update waits must not use them up. */
	if (booted == bs.last_good && bs.left[booted] < MEDFW_SLOT_TRIES) {
		err = medfw_slot_mark_good(a->slots, booted, diag);
		if (err == MEDFW_OK)
			err = medfw_slot_load(a->slots, &bs, diag);
		if (err != MEDFW_OK)
			return err;
	}
	switch (u->phase) {
	case PHASE_NONE:
		return MEDFW_OK;
	case PHASE_WRITING:
		/* Interrupted while writing: the slot is unbootable; start over later. */
		err = medfw_slot_set_unbootable(a->slots, u->to, diag);
		if (err != MEDFW_OK)
			return err;
		(void)agent_event(a, "failed", "the install was interrupted (restart or power "
				  "loss); it starts over", "INTERRUPTED", -1, -1);
		clear_update(a);
		*out = MEDFW_AGENT_FAILED;
		return agent_save(a, diag);
	case PHASE_INSTALLED:
		if (booted == u->to) /* flipped, then power lost before the state said so */
			return health_then_commit(a, out, diag);
		if (strcmp(u->source, "server") == 0)
			return MEDFW_OK; /* the cycle checks the window with fresh metadata */
		return agent_after_install(a, true, out, diag);
	case PHASE_REBOOTING:
	case PHASE_COMMITTING:
		if (booted == u->to) {
			if (u->phase == PHASE_COMMITTING)
				return commit(a, out, diag);
			return health_then_commit(a, out, diag);
		}
		if (bs.order[0] == u->to && bs.left[u->to] > 0)
			return reboot_unless_in_use(a, out, diag); /* not rebooted yet */
		return finish_rollback(a,
				       "the new image did not come up: the bootloader went back "
				       "to the previous slot",
				       "BOOT", out, diag);
	case PHASE_ROLLING_BACK:
		if (booted == u->to) {
			err = medfw_slot_set_unbootable(a->slots, u->to, diag);
			if (err != MEDFW_OK)
				return err;
			return reboot_unless_in_use(a, out, diag);
		}
		{
			char reason[AGENT_REASON_MAX + 1], check[65];

			snprintf(reason, sizeof(reason), "%s", u->reason);
			snprintf(check, sizeof(check), "%s", u->check);
			return finish_rollback(a, reason, check, out, diag);
		}
	}
	return MEDFW_OK;
}

enum medfw_err medfw_agent_commit(struct medfw_agent *a, enum medfw_agent_outcome *out,
				  struct medfw_diag *diag)
{
	enum medfw_slot_id booted;
	enum medfw_err err;

	*out = MEDFW_AGENT_IDLE;
	if (a->st.upd.phase != PHASE_REBOOTING && a->st.upd.phase != PHASE_COMMITTING)
		return medfw_diag_set(diag, MEDFW_ERR_STATE, "no update is running on trial");
	err = medfw_slot_booted(a->slots, &booted, diag);
	if (err != MEDFW_OK)
		return err;
	if (booted != a->st.upd.to)
		return medfw_diag_set(diag, MEDFW_ERR_STATE,
				      "the new slot %s is not running: reboot into it first",
				      medfw_slot_name(a->st.upd.to));
	err = agent_health_check(a, diag);
	if (err != MEDFW_OK)
		return err;
	return commit(a, out, diag);
}

enum medfw_err medfw_agent_rollback(struct medfw_agent *a, const char *reason, bool reboot,
				    enum medfw_agent_outcome *out, struct medfw_diag *diag)
{
	struct agent_update *u = &a->st.upd;
	enum medfw_slot_id booted, other;
	enum medfw_err err;

	*out = MEDFW_AGENT_IDLE;
	if (reason == NULL || reason[0] == 0)
		reason = "rolled back by hand";
	err = medfw_slot_booted(a->slots, &booted, diag);
	if (err != MEDFW_OK)
		return err;
	switch (u->phase) {
	case PHASE_WRITING:
	case PHASE_INSTALLED:
		err = medfw_slot_set_unbootable(a->slots, u->to, diag);
		if (err != MEDFW_OK)
			return err;
		(void)agent_event(a, "failed", reason, "CANCELLED", -1, -1);
		agent_remember_refused(a);
		clear_update(a);
		*out = MEDFW_AGENT_FAILED;
		return agent_save(a, diag);
	case PHASE_REBOOTING:
	case PHASE_COMMITTING:
		if (booted == u->to)
			return start_rollback(a, reason, "MANUAL", reboot, out, diag);
		return finish_rollback(a, reason, "MANUAL", out, diag);
	case PHASE_ROLLING_BACK:
		return agent_resume(a, out, diag);
	case PHASE_NONE:
		break;
	}
	/* Nothing in progress: go back to the other slot, if it holds a verified image
	 * that is not below the minimum security version. */
	other = medfw_slot_other(booted);
	if (!a->st.slots[other].valid)
		return medfw_diag_set(diag, MEDFW_ERR_STATE,
				      "slot %s holds no image the agent verified: nothing to roll "
				      "back to", medfw_slot_name(other));
	if (a->st.slots[other].security_version < a->st.min_security_version)
		return medfw_diag_set(diag, MEDFW_ERR_SECURITY_VERSION,
				      "slot %s holds security version %llu, below the minimum %llu",
				      medfw_slot_name(other),
				      (unsigned long long)a->st.slots[other].security_version,
				      (unsigned long long)a->st.min_security_version);
	memset(u, 0, sizeof(*u));
	snprintf(u->source, sizeof(u->source), "manual");
	u->from = booted;
	u->to = other;
	u->image = a->st.slots[other];
	u->rollback_supported = true;
	u->phase = PHASE_INSTALLED;
	snprintf(u->reason, sizeof(u->reason), "%s", reason);
	err = agent_save(a, diag);
	if (err != MEDFW_OK)
		return err;
	return agent_after_install(a, reboot, out, diag);
}
