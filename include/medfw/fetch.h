/* Fetching bytes by URL: the one network interface of the TUF client.
 *
 * A struct medfw_fetcher is an ops table: the TUF client only ever calls through it,
 * so unit tests serve a repository from memory and the command line plugs in libcurl
 * (medfw_fetcher_curl_new). Every fetch is bounded: a body longer than max_len is an
 * error (MEDFW_ERR_TOO_LARGE) and the transfer is abandoned as soon as it is exceeded,
 * so an endless-data server cannot exhaust memory or disk. No retries.
 *
 * Both calls report the HTTP status in *out_http_status (0 when no HTTP response was
 * received). Only a 2xx response is a success; any other status fails with
 * MEDFW_ERR_FETCH, and callers may look at the status (404/403 end the root loop).
 */
#ifndef MEDFW_FETCH_H
#define MEDFW_FETCH_H

#include <stddef.h>
#include <stdint.h>

#include "medfw/buf.h"
#include "medfw/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Receives the body of a streaming fetch piece by piece. A non-OK return aborts the
 * transfer and becomes the fetch's result. */
typedef enum medfw_err (*medfw_fetch_write_fn)(void *write_user, const void *data, size_t len,
					       struct medfw_diag *diag);

struct medfw_fetcher {
	void *user;
	/* The whole body into `out`, which the fetcher initialises with limit max_len
	 * (the caller frees it with medfw_buf_free, also on failure; it is empty on
	 * failure). */
	enum medfw_err (*fetch)(void *user, const char *url, size_t max_len,
				struct medfw_buf *out, int *out_http_status,
				struct medfw_diag *diag);
	/* The body through `write`, at most max_len bytes in total. On failure part of
	 * the body may have been written: the caller discards it. */
	enum medfw_err (*fetch_stream)(void *user, const char *url, uint64_t max_len,
				       medfw_fetch_write_fn write, void *write_user,
				       int *out_http_status, struct medfw_diag *diag);
};

/* Timeouts of the libcurl fetcher, in seconds. */
#define MEDFW_FETCH_CONNECT_TIMEOUT 15
/* A transfer slower than MEDFW_FETCH_LOW_SPEED_BYTES per second for this long is
 * abandoned (slow-retrieval attack). */
#define MEDFW_FETCH_LOW_SPEED_TIME 30
#define MEDFW_FETCH_LOW_SPEED_BYTES 1
#define MEDFW_FETCH_MAX_REDIRECTS 5
#define MEDFW_FETCH_URL_MAX 8192

/* A fetcher over libcurl (http and https only, redirects to http/https followed up to
 * MEDFW_FETCH_MAX_REDIRECTS, TLS peers verified). Freed by medfw_fetcher_curl_free. */
enum medfw_err medfw_fetcher_curl_new(struct medfw_fetcher **out, struct medfw_diag *diag)
	MEDFW_WARN_UNUSED;
void medfw_fetcher_curl_free(struct medfw_fetcher *fetcher);

#ifdef __cplusplus
}
#endif
#endif
