/* Resumable downloads of the device client (medfw_devclient_download in
 * include/medfw/device_client.h).
 *
 * `pos` counts the bytes delivered so far (the caller's offset included) and only
 * grows when the write callback took them, so each byte is delivered once, in order:
 * an attempt asks for "Range: bytes=pos-"; a 206 answer must start exactly there and
 * name the expected total; a 200 answer (Range ignored) is read from its start and its
 * first `pos` bytes are dropped. A chunk that would go past `total` is not delivered:
 * the transfer stops with MEDFW_ERR_TOO_LARGE, as soon as Content-Length announces too
 * much or the bytes themselves do. Only transport failures (a dropped connection, a
 * timeout, a body that ended early) are retried, after a short backoff; an HTTP
 * status, a TLS failure or the write callback's error ends the download at once. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "device_client_internal.h"

/* libcurl receive buffer for downloads. */
#define MEDFWI_DOWNLOAD_BUFFER (512 * 1024)

#define BACKOFF_FIRST_MS 100u
#define BACKOFF_MAX_MS 5000u
#define PROGRESS_INTERVAL_NS 250000000 /* at most ~4 progress calls per second */

struct download {
	struct medfw_devclient *c;
	const struct medfw_devclient_download *d;
	struct medfwi_devclient_headers h;
	uint64_t start;          /* the byte this attempt asked for */
	uint64_t pos;            /* bytes delivered, from 0 */
	uint64_t skip;           /* bytes of a 200 answer still to drop */
	bool accepted;           /* the final answer's headers were checked */
	enum medfw_err err;      /* why a callback stopped: not retried */
	struct medfw_diag *diag;
	int64_t last_progress;   /* monotonic ns */
	bool progress_called;
	int64_t pace_start;      /* monotonic ns of this attempt's first body byte */
	uint64_t paced;          /* body bytes of this attempt */
};

static int64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + (int64_t)ts.tv_nsec;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {(time_t)(ms / 1000u), (long)(ms % 1000u) * 1000000L};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static void report_progress(struct download *s, bool final)
{
	int64_t now;

	if (s->d->progress == NULL)
		return;
	now = monotonic_ns();
	if (!final && s->progress_called && now - s->last_progress < PROGRESS_INTERVAL_NS)
		return;
	s->progress_called = true;
	s->last_progress = now;
	s->d->progress(s->d->progress_user, s->pos, s->d->total);
}

/* The headers of the final answer: what it is, and whether it is what we asked for. */
static enum medfw_err check_answer(struct download *s)
{
	const struct medfw_devclient_download *d = s->d;
	uint64_t first, last, total, want = d->total - s->start;

	if (s->h.bad_length)
		return medfw_diag_set(s->diag, MEDFW_ERR_FETCH, "%.300s: malformed Content-Length",
				      d->url);
	if (s->h.status == 206) {
		if (s->start == 0)
			return medfw_diag_set(s->diag, MEDFW_ERR_FETCH,
					      "%.300s: a 206 answer to a request without Range",
					      d->url);
		if (!s->h.has_range || s->h.bad_range ||
		    medfwi_devclient_content_range(s->h.range, &first, &last, &total) != MEDFW_OK)
			return medfw_diag_set(s->diag, MEDFW_ERR_FETCH,
					      "%.300s: a 206 answer without a valid Content-Range",
					      d->url);
		if (first != s->start || total != d->total || last != d->total - 1)
			return medfw_diag_set(s->diag, MEDFW_ERR_FETCH,
					      "%.300s: Content-Range bytes %llu-%llu/%llu does not "
					      "answer bytes=%llu- of %llu bytes",
					      d->url, (unsigned long long)first,
					      (unsigned long long)last, (unsigned long long)total,
					      (unsigned long long)s->start,
					      (unsigned long long)d->total);
		if (s->h.has_length && s->h.length > want)
			return medfw_diag_set(s->diag, MEDFW_ERR_TOO_LARGE,
					      "%.300s: the server announces %llu bytes, more than "
					      "the %llu left of %llu",
					      d->url, (unsigned long long)s->h.length,
					      (unsigned long long)want, (unsigned long long)d->total);
		if (s->h.has_length && s->h.length < want)
			return medfw_diag_set(s->diag, MEDFW_ERR_FETCH,
					      "%.300s: Content-Length %llu disagrees with its "
					      "Content-Range",
					      d->url, (unsigned long long)s->h.length);
		s->skip = 0;
	} else if (s->h.status == 200) {
		if (s->h.has_length && s->h.length > d->total)
			return medfw_diag_set(s->diag, MEDFW_ERR_TOO_LARGE,
					      "%.300s: the server announces %llu bytes, more than "
					      "the expected %llu",
					      d->url, (unsigned long long)s->h.length,
					      (unsigned long long)d->total);
		if (s->h.has_length && s->h.length < d->total)
			return medfw_diag_set(s->diag, MEDFW_ERR_TRUNCATED,
					      "%.300s: the server announces %llu bytes, fewer than "
					      "the expected %llu",
					      d->url, (unsigned long long)s->h.length,
					      (unsigned long long)d->total);
		s->skip = s->start;
	} else if (s->h.status == 416) {
		return medfw_diag_set(s->diag, MEDFW_ERR_FETCH,
				      "%.300s: HTTP 416 (bytes=%llu- is not in the file)", d->url,
				      (unsigned long long)s->start);
	} else {
		return medfw_diag_set(s->diag, MEDFW_ERR_FETCH, "%.300s: HTTP %d", d->url,
				      s->h.status);
	}
	s->accepted = true;
	return MEDFW_OK;
}

static size_t on_header(char *buf, size_t size, size_t nitems, void *user)
{
	struct download *s = user;
	size_t len = size * nitems;

	if (medfwi_devclient_header_line(&s->h, buf, len) && !s->accepted) {
		s->err = check_answer(s);
		if (s->err != MEDFW_OK)
			return 0;
	}
	return len;
}

/* The bandwidth limit. libcurl applies CURLOPT_MAX_RECV_SPEED_LARGE between its reads,
 * but (7.88) first reads whatever the socket holds, up to 100 buffers at once: a
 * transfer of a few hundred KiB is not limited at all. So the delivery is paced too:
 * after `paced` bytes at most paced / max_recv_speed seconds may have passed, else we
 * wait here (TCP flow control then slows the sender). */
static void pace(struct download *s, size_t len)
{
	uint64_t speed = s->c->max_recv_speed;
	long double due, elapsed;
	int64_t now;

	if (speed == 0)
		return;
	now = monotonic_ns();
	if (s->paced == 0)
		s->pace_start = now;
	s->paced += len;
	due = (long double)s->paced / (long double)speed;
	elapsed = (long double)(now - s->pace_start) / 1e9L;
	if (due > elapsed) {
		long double wait_ms = (due - elapsed) * 1000.0L;

		sleep_ms(wait_ms >= (long double)UINT32_MAX ? UINT32_MAX : (unsigned)wait_ms);
	}
}

static size_t on_body(char *buf, size_t size, size_t nitems, void *user)
{
	struct download *s = user;
	const struct medfw_devclient_download *d = s->d;
	size_t len = size * nitems, n = len;
	const char *p = buf;
	enum medfw_err err;

	if (!s->accepted) {
		s->err = medfw_diag_set(s->diag, MEDFW_ERR_FETCH, "%.300s: a body without a status",
					d->url);
		return 0;
	}
	if (s->skip > 0) {
		size_t k = s->skip < (uint64_t)n ? (size_t)s->skip : n;

		p += k;
		n -= k;
		s->skip -= k;
	}
	if (n == 0) {
		pace(s, len);
		return len;
	}
	if ((uint64_t)n > d->total - s->pos) {
		s->err = medfw_diag_set(s->diag, MEDFW_ERR_TOO_LARGE,
					"%.300s: the server sends more than the expected %llu bytes",
					d->url, (unsigned long long)d->total);
		return 0;
	}
	err = d->write(d->write_user, p, n, s->diag);
	if (err != MEDFW_OK) {
		s->err = err;
		return 0;
	}
	s->pos += n;
	report_progress(s, false);
	pace(s, len);
	return len;
}

/* Failures worth another attempt from where the last one stopped. */
static bool retriable(CURLcode rc)
{
	switch (rc) {
	case CURLE_PARTIAL_FILE:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_GOT_NOTHING:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return true;
	default:
		return false;
	}
}

enum medfw_err medfw_devclient_download(struct medfw_devclient *c,
					const struct medfw_devclient_download *d,
					struct medfw_diag *diag)
{
	struct download s;
	char errbuf[CURL_ERROR_SIZE], range[32], reason[CURL_ERROR_SIZE];
	unsigned attempt, backoff = BACKOFF_FIRST_MS;
	CURLcode rc;
	enum medfw_err err;

	if (c == NULL || d == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG, "no client or download");
	if (d->write == NULL || d->max_attempts == 0 || d->offset > d->total)
		return medfw_diag_set(diag, MEDFW_ERR_INVALID_ARG,
				      "a download needs a write callback, max_attempts >= 1 and "
				      "offset <= total");
	err = medfwi_devclient_check_url(c, d->url, diag);
	if (err != MEDFW_OK)
		return err;
	memset(&s, 0, sizeof(s));
	s.c = c;
	s.d = d;
	s.pos = d->offset;
	s.diag = diag;
	reason[0] = 0;
	for (attempt = 1; s.pos < d->total && attempt <= d->max_attempts; attempt++) {
		bool ok;

		if (attempt > 1) {
			medfw_log(c->ctx, MEDFW_LOG_WARNING, "devclient.download.retry",
				  "%.300s: attempt %u of %u from byte %llu of %llu after %ums (%s)",
				  d->url, attempt, d->max_attempts, (unsigned long long)s.pos,
				  (unsigned long long)d->total, backoff, reason);
			sleep_ms(backoff);
			backoff = backoff >= BACKOFF_MAX_MS / 2 ? BACKOFF_MAX_MS : backoff * 2;
		}
		memset(&s.h, 0, sizeof(s.h));
		s.start = s.pos;
		s.skip = 0;
		s.accepted = false;
		s.paced = 0;
		err = medfwi_devclient_setup(c, d->url, MEDFWI_DEVCLIENT_DOWNLOAD, errbuf, diag);
		if (err != MEDFW_OK)
			return err;
		snprintf(range, sizeof(range), "%llu-", (unsigned long long)s.start);
		ok = c->api.easy_setopt(c->api.easy, CURLOPT_HTTPGET, 1L) == CURLE_OK &&
		     c->api.easy_setopt(c->api.easy, CURLOPT_HEADERFUNCTION, on_header) == CURLE_OK &&
		     c->api.easy_setopt(c->api.easy, CURLOPT_HEADERDATA, &s) == CURLE_OK &&
		     c->api.easy_setopt(c->api.easy, CURLOPT_WRITEFUNCTION, on_body) == CURLE_OK &&
		     c->api.easy_setopt(c->api.easy, CURLOPT_WRITEDATA, &s) == CURLE_OK &&
		     /* Large reads: a 16 KiB buffer costs a recv/poll pair (and a write
		      * callback) every 16 KiB, a third of a 1 GiB install's time. */
		     c->api.easy_setopt(c->api.easy, CURLOPT_BUFFERSIZE,
					(long)MEDFWI_DOWNLOAD_BUFFER) == CURLE_OK &&
		     c->api.easy_setopt(c->api.easy, CURLOPT_RANGE,
					s.start > 0 ? range : (const char *)NULL) == CURLE_OK;
		if (!ok)
			return medfw_diag_set(diag, MEDFW_ERR_FETCH, "%.300s: cannot set up the transfer",
					      d->url);
		rc = c->api.easy_perform(c->api.easy);
		if (s.err != MEDFW_OK)
			return s.err; /* refused answer, too much data, or the writer's error */
		if (s.pos == d->total)
			break;
		if (rc == CURLE_OK) {
			snprintf(reason, sizeof(reason), "the answer ended early");
			continue;
		}
		if (!retriable(rc))
			return medfw_diag_set(diag, MEDFW_ERR_FETCH, "%.300s: %s", d->url,
					      medfwi_devclient_curl_reason(c, rc, errbuf));
		snprintf(reason, sizeof(reason), "%s", medfwi_devclient_curl_reason(c, rc, errbuf));
	}
	if (s.pos < d->total)
		return medfw_diag_set(diag, MEDFW_ERR_TRUNCATED,
				      "%.300s: %llu of %llu bytes after %u attempts (%s)", d->url,
				      (unsigned long long)s.pos, (unsigned long long)d->total,
				      d->max_attempts, reason);
	report_progress(&s, true);
	return MEDFW_OK;
}
