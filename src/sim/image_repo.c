/* The image repository as the simulated devices see it: one TUF client (the library's,
 * the full client workflow from the pinned root) shared by every device of the process,
 * behind one lock; and the director root they all pinned.
 *
 * A TUF client refreshes once, so a newer repository needs a new client: one is made
 * (and refreshed, from the metadata kept in meta_dir) when the served timestamp.json
 * differs from the one the current client accepted. That is checked at most every
 * CHECK_MS, at once (at most every RECHECK_MS) when a target is not found, and a new
 * client is made at least every MAX_AGE_MS whatever the timestamp (expiry is judged
 * when a client is made). Devices that hold a reference keep using the client they
 * looked their target up in until they are done with it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim.h"

#include "medfw/json.h"

#define CHECK_MS 5000
#define RECHECK_MS 500
#define MAX_AGE_MS (600 * 1000)
#define TIMESTAMP_MAX (1024u * 1024u)
#define ROOT_CHECK_MS (600 * 1000)
#define URL_CAP 1300

struct sim_image_snapshot {
	struct medfw_tuf_client *tuf;
	unsigned refs;
	int64_t made_ms;
};

struct sim_image_repo {
	pthread_mutex_t mu;
	struct medfw_ctx *ctx;
	struct medfw_devclient *client; /* the TUF client's fetcher; used under mu */
	struct sim_fleet *fleet;
	char meta_dir[4096];
	char meta_url[URL_CAP], target_url[URL_CAP], timestamp_url[URL_CAP];
	char timestamp_path[4200];
	struct sim_image_snapshot *cur;
	struct medfw_buf timestamp; /* the bytes cur accepted */
	int64_t checked_ms;
};

static void snapshot_unref(struct sim_image_snapshot *s)
{
	if (s == NULL || --s->refs > 0)
		return;
	medfw_tuf_client_free(s->tuf);
	free(s);
}

enum medfw_err sim_image_repo_new(struct medfw_ctx *ctx, const struct medfw_devclient_config *dc,
				  const char *meta_dir, const char *image_root,
				  struct sim_fleet *fleet, struct sim_image_repo **out,
				  struct medfw_diag *diag)
{
	struct sim_image_repo *r;
	char root_path[4200];
	enum medfw_err err;
	int n;

	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (r == NULL)
		return MEDFW_ERR_NOMEM;
	pthread_mutex_init(&r->mu, NULL);
	r->ctx = ctx;
	r->fleet = fleet;
	medfw_buf_init(&r->timestamp, TIMESTAMP_MAX);
	n = snprintf(r->meta_dir, sizeof(r->meta_dir), "%s", meta_dir);
	err = n < 0 || (size_t)n >= sizeof(r->meta_dir)
		      ? medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "%s: path too long", meta_dir)
		      : MEDFW_OK;
	if (err == MEDFW_OK &&
	    ((size_t)snprintf(r->meta_url, URL_CAP, "%s/repo/metadata", dc->server_url) >= URL_CAP ||
	     (size_t)snprintf(r->target_url, URL_CAP, "%s/repo/targets/", dc->server_url) >= URL_CAP ||
	     (size_t)snprintf(r->timestamp_url, URL_CAP, "%s/repo/metadata/timestamp.json",
			      dc->server_url) >= URL_CAP))
		err = medfw_diag_set(diag, MEDFW_ERR_TOO_LARGE, "server URL too long");
	snprintf(r->timestamp_path, sizeof(r->timestamp_path), "%s/timestamp.json", meta_dir);
	snprintf(root_path, sizeof(root_path), "%s/root.json", meta_dir);
	if (err == MEDFW_OK)
		err = medfw_mkdir_p(meta_dir, 0700, diag);
	/* The trusted root: the newest this fleet verified, else the one given. */
	if (err == MEDFW_OK && access(root_path, F_OK) != 0) {
		struct medfw_buf root;

		err = medfw_file_read(image_root, SIM_ROOT_MAX, &root, diag);
		if (err == MEDFW_OK)
			err = medfw_file_write_atomic(root_path, root.data, root.len, 0600, diag);
		medfw_buf_free(&root);
	}
	if (err == MEDFW_OK)
		err = medfw_devclient_new(ctx, dc, &r->client, diag);
	if (err != MEDFW_OK) {
		sim_image_repo_free(r);
		return err;
	}
	*out = r;
	return MEDFW_OK;
}

void sim_image_repo_free(struct sim_image_repo *r)
{
	if (r == NULL)
		return;
	snapshot_unref(r->cur);
	medfw_devclient_free(r->client);
	medfw_buf_free(&r->timestamp);
	pthread_mutex_destroy(&r->mu);
	free(r);
}

/* A new client, refreshed: it becomes cur (mu held). */
static enum medfw_err renew(struct sim_image_repo *r, int64_t now_ms, struct medfw_diag *diag)
{
	struct sim_image_snapshot *s;
	struct medfw_buf ts;
	enum medfw_err err;

	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return MEDFW_ERR_NOMEM;
	s->refs = 1;
	s->made_ms = now_ms;
	err = medfw_tuf_client_new(r->ctx, medfw_devclient_fetcher(r->client), r->meta_dir,
				   r->meta_url, r->target_url, &s->tuf, diag);
	if (err == MEDFW_OK)
		err = medfw_tuf_client_refresh(s->tuf, diag);
	if (err == MEDFW_OK)
		err = medfw_file_read(r->timestamp_path, TIMESTAMP_MAX, &ts, diag);
	if (err != MEDFW_OK) {
		snapshot_unref(s);
		medfw_log(r->ctx, MEDFW_LOG_WARNING, "sim.image_repo.refresh_failed",
			  "image repository refresh: %s", medfw_diag_message(diag, err));
		return err;
	}
	medfw_buf_free(&r->timestamp);
	r->timestamp = ts;
	snapshot_unref(r->cur);
	r->cur = s;
	r->checked_ms = now_ms;
	medfw_log(r->ctx, MEDFW_LOG_INFO, "sim.image_repo.refreshed",
		  "image repository metadata refreshed");
	return MEDFW_OK;
}

/* Is there a newer repository (a changed timestamp.json, or cur too old)? mu held. */
static enum medfw_err check(struct sim_image_repo *r, int64_t now_ms, struct medfw_diag *diag)
{
	struct medfw_buf served;
	int status = 0;
	enum medfw_err err;
	bool same;

	if (r->cur == NULL || now_ms - r->cur->made_ms >= MAX_AGE_MS)
		return renew(r, now_ms, diag);
	r->checked_ms = now_ms;
	{
		const struct medfw_fetcher *f = medfw_devclient_fetcher(r->client);

		err = f->fetch(f->user, r->timestamp_url, TIMESTAMP_MAX, &served, &status, diag);
	}
	if (err != MEDFW_OK) {
		medfw_buf_free(&served);
		return err;
	}
	same = served.len == r->timestamp.len &&
	       (served.len == 0 || memcmp(served.data, r->timestamp.data, served.len) == 0);
	medfw_buf_free(&served);
	return same ? MEDFW_OK : renew(r, now_ms, diag);
}

enum medfw_err sim_image_lookup(struct sim_image_repo *r, const char *path,
				struct sim_image_snapshot **snap,
				const struct medfw_tuf_target **out, struct medfw_diag *diag)
{
	int64_t now = sim_monotonic_ms();
	struct medfw_diag d;
	enum medfw_err err = MEDFW_OK;

	*out = NULL;
	*snap = NULL;
	medfw_diag_clear(&d);
	pthread_mutex_lock(&r->mu);
	if (r->cur == NULL || now - r->checked_ms >= CHECK_MS ||
	    now - r->cur->made_ms >= MAX_AGE_MS) {
		err = check(r, now, &d);
		if (err != MEDFW_OK && r->cur != NULL)
			err = MEDFW_OK; /* keep the last good metadata; try again later */
		else if (err != MEDFW_OK)
			medfw_diag_set(diag, err, "image repository: %s", medfw_diag_message(&d, err));
	}
	if (err == MEDFW_OK)
		err = medfw_tuf_client_get_target_info(r->cur->tuf, path, out, diag);
	if (err == MEDFW_ERR_NOT_FOUND && now - r->checked_ms >= RECHECK_MS) {
		/* perhaps released since the last check */
		medfw_diag_clear(&d);
		if (check(r, now, &d) == MEDFW_OK) {
			if (diag != NULL)
				medfw_diag_clear(diag);
			err = medfw_tuf_client_get_target_info(r->cur->tuf, path, out, diag);
		}
	}
	if (err == MEDFW_OK) {
		r->cur->refs++;
		*snap = r->cur;
	} else {
		*out = NULL;
	}
	pthread_mutex_unlock(&r->mu);
	return err;
}

enum medfw_err sim_image_target(struct sim_image_repo *r, struct sim_image_snapshot *snap,
				const struct medfw_tuf_target *t, struct sim_target **out,
				struct medfw_diag *diag)
{
	char url[MEDFW_FETCH_URL_MAX];
	enum medfw_err err;

	pthread_mutex_lock(&r->mu);
	err = medfw_tuf_client_target_url(snap->tuf, t, url, sizeof(url), diag);
	pthread_mutex_unlock(&r->mu);
	if (err != MEDFW_OK)
		return err;
	return sim_fleet_target(r->fleet, t, url, out, diag);
}

void sim_image_release(struct sim_image_repo *r, struct sim_image_snapshot *snap)
{
	if (snap == NULL)
		return;
	pthread_mutex_lock(&r->mu);
	snapshot_unref(snap);
	pthread_mutex_unlock(&r->mu);
}

/* ---- the director root ---- */

struct sim_director_roots {
	pthread_mutex_t mu;
	struct medfw_ctx *ctx;
	struct medfw_buf roots[MEDFW_DIRECTOR_MAX_ROOT_ROTATIONS + 1];
	size_t n;        /* roots[n-1] is the newest */
	int64_t version; /* its version */
	int64_t checked_ms;
	bool busy;
};

enum medfw_err sim_director_roots_new(struct medfw_ctx *ctx, const uint8_t *root, size_t len,
				      struct sim_director_roots **out, struct medfw_diag *diag)
{
	struct sim_director_roots *d = calloc(1, sizeof(*d));
	enum medfw_err err;

	*out = NULL;
	if (d == NULL)
		return MEDFW_ERR_NOMEM;
	pthread_mutex_init(&d->mu, NULL);
	d->ctx = ctx;
	medfw_buf_init(&d->roots[0], SIM_ROOT_MAX);
	/* it must verify with its own keys and be current */
	err = medfw_director_root_update(ctx, root, len, NULL, 0, &d->roots[0], &d->version, diag);
	if (err != MEDFW_OK) {
		sim_director_roots_free(d);
		return err;
	}
	d->n = 1;
	d->checked_ms = sim_monotonic_ms();
	*out = d;
	return MEDFW_OK;
}

void sim_director_roots_free(struct sim_director_roots *d)
{
	if (d == NULL)
		return;
	for (size_t i = 0; i <= MEDFW_DIRECTOR_MAX_ROOT_ROTATIONS; i++)
		medfw_buf_free(&d->roots[i]);
	pthread_mutex_destroy(&d->mu);
	free(d);
}

void sim_director_root(struct sim_director_roots *d, const uint8_t **data, size_t *len)
{
	pthread_mutex_lock(&d->mu);
	*data = d->roots[d->n - 1].data;
	*len = d->roots[d->n - 1].len;
	pthread_mutex_unlock(&d->mu);
}

void sim_director_roots_refresh(struct sim_director_roots *d, struct medfw_devclient *c,
				struct sim_stats *stats)
{
	struct medfw_director_root_file chain[8];
	struct medfw_buf files[8];
	const uint8_t *cur;
	size_t cur_len, n;
	int64_t version, newest = 0, now = sim_monotonic_ms();
	struct medfw_diag diag;
	enum medfw_err err = MEDFW_OK;

	pthread_mutex_lock(&d->mu);
	if (d->busy || now - d->checked_ms < ROOT_CHECK_MS || d->n > MEDFW_DIRECTOR_MAX_ROOT_ROTATIONS) {
		pthread_mutex_unlock(&d->mu);
		return;
	}
	d->busy = true;
	d->checked_ms = now;
	cur = d->roots[d->n - 1].data;
	cur_len = d->roots[d->n - 1].len;
	version = d->version;
	pthread_mutex_unlock(&d->mu);
	medfw_diag_clear(&diag);
	for (n = 0; n < 8; n++) {
		char path[96];
		int status = 0;

		snprintf(path, sizeof(path), "/device/v1/director/%lld.root.json",
			 (long long)(version + 1 + (int64_t)n));
		medfw_buf_init(&files[n], SIM_ROOT_MAX);
		err = medfw_devclient_request(c, "GET", path, NULL, 0, SIM_ROOT_MAX, &files[n],
					      &status, &diag);
		if (err != MEDFW_OK) {
			medfw_buf_free(&files[n]);
			if (err == MEDFW_ERR_NOT_FOUND)
				err = MEDFW_OK;
			else
				sim_stats_http(stats, status);
			break;
		}
		chain[n].data = files[n].data;
		chain[n].len = files[n].len;
	}
	if (err == MEDFW_OK && n > 0) {
		struct medfw_buf next;

		medfw_buf_init(&next, SIM_ROOT_MAX);
		err = medfw_director_root_update(d->ctx, cur, cur_len, chain, n, &next, &newest,
						 &diag);
		pthread_mutex_lock(&d->mu);
		if (err == MEDFW_OK && d->n <= MEDFW_DIRECTOR_MAX_ROOT_ROTATIONS) {
			d->roots[d->n++] = next;
			d->version = newest;
			medfw_log(d->ctx, MEDFW_LOG_INFO, "sim.director_root",
				  "director root updated to version %lld", (long long)newest);
		} else {
			medfw_buf_free(&next);
		}
		pthread_mutex_unlock(&d->mu);
	}
	if (err != MEDFW_OK)
		medfw_log(d->ctx, MEDFW_LOG_WARNING, "sim.director_root.failed",
			  "director root chain: %s", medfw_diag_message(&diag, err));
	for (size_t i = 0; i < n; i++)
		medfw_buf_free(&files[i]);
	pthread_mutex_lock(&d->mu);
	d->busy = false;
	pthread_mutex_unlock(&d->mu);
}
