/* The device side of the medfwd protocol (docs/devices.md, docs/director.md): what the
 * agent (and the fleet simulator) use to talk to the fleet server.
 *
 * One client per device and thread. Every transfer goes through libcurl (loaded with
 * dlopen, src/lib/curl_dl.h) with:
 *   - TLS for https:// servers with ONLY the configured CA file as trust anchor (the
 *     system store is not used: the server's CA is pinned), peer and host name
 *     verified, optionally a pinned public key (CURLOPT_PINNEDPUBLICKEY); http:// is
 *     accepted only when the configuration says so (tests, a device behind a
 *     TLS-terminating gateway);
 *   - no redirects, no proxies from the environment, no cookies;
 *   - a connect timeout, a low-speed abort (slow-retrieval attack), a whole-request
 *     timeout for small API calls, an optional receive bandwidth limit;
 *   - every response body bounded by the caller's limit, abandoned the moment it is
 *     exceeded.
 *
 * Requests on device routes are signed (RFC 9421, medfw/httpsig.h) with the device's
 * Ed25519 key, or, when sessions are enabled, with the HMAC key of a session the client
 * opened with it (medfw/devsession.h); a 401 whose error.field is "session" makes the
 * client open a new session and send the request once more (with a new nonce). A
 * session is renewed before it expires: a minute early, or at half its lifetime when
 * that is shorter (by the context's clock).
 *
 * The client never logs secrets: neither keys, session keys, tokens nor signatures.
 */
#ifndef MEDFW_DEVICE_CLIENT_H
#define MEDFW_DEVICE_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "medfw/buf.h"
#include "medfw/crypto.h"
#include "medfw/ctx.h"
#include "medfw/error.h"
#include "medfw/fetch.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest JSON response of an API call (enrol, check-in, session, events). */
#define MEDFW_DEVCLIENT_RESPONSE_MAX (64u * 1024u)
/* Largest error message from the server copied into a diag. */
#define MEDFW_DEVCLIENT_ERROR_MAX 512u

struct medfw_devclient_config {
	const char *server_url;       /* "https://host:port" or "http://host:port", no path */
	const char *ca_file;          /* PEM: the only CA trusted for https (required then) */
	const char *pinned_public_key; /* NULL or "sha256//BASE64[;sha256//...]" */
	bool allow_http;              /* accept an http:// server_url */
	uint32_t connect_timeout;     /* seconds, >= 1 */
	uint32_t request_timeout;     /* seconds, whole API call, >= 1 */
	uint32_t low_speed_time;      /* seconds below 1 byte/s before a transfer is dropped */
	uint64_t max_recv_speed;      /* bytes per second for downloads, 0: no limit (libcurl's
				       * limit, and the delivery paced to it from the first
				       * byte: libcurl alone lets a first burst through) */
	bool use_sessions;            /* sign with a session key after one Ed25519 request */
};

struct medfw_devclient;

enum medfw_err medfw_devclient_new(struct medfw_ctx *ctx, const struct medfw_devclient_config *cfg,
				   struct medfw_devclient **out,
				   struct medfw_diag *diag) MEDFW_WARN_UNUSED;
/* Frees the client and wipes a session key it holds (NULL is a no-op). */
void medfw_devclient_free(struct medfw_devclient *c);

/* The device identity requests are signed with (borrowed: key must outlive the
 * client). Ends an open session. */
void medfw_devclient_set_identity(struct medfw_devclient *c, int64_t device_id,
				  const struct medfw_privkey *device_key);

struct medfw_devclient_enrolment {
	int64_t device_id;
	int64_t site_id;
	int64_t next_checkin_seconds;
	int64_t last_event_seq; /* the newest update event number the server holds, 0: none */
};

/* POST /device/v1/enrol with a one-time token (not signed). The token is never logged.
 * A refusal is MEDFW_ERR_FETCH (connection, TLS) or MEDFW_ERR_REFUSED with the server's
 * message and field in diag. */
enum medfw_err medfw_devclient_enrol(struct medfw_devclient *c, const char *token,
				     const char *public_key_hex, const char *agent_version,
				     const char *hardware_id,
				     struct medfw_devclient_enrolment *out,
				     struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* A signed request on a device route (path starts with "/device/"; body may be NULL
 * for GET). The response body (at most max_response bytes) is appended to `response`
 * (caller-initialised buffer) on 2xx. *http_status gets the status (0: no response).
 * A non-2xx answer is MEDFW_ERR_REFUSED (404: MEDFW_ERR_NOT_FOUND) with the server's
 * error.message / error.field in the diag ("POST /device/v1/checkin: HTTP 403: <message>
 * (field <field>)", the server's text sanitised to printable ASCII and cut at
 * MEDFW_DEVCLIENT_ERROR_MAX bytes). On any failure `response` keeps its previous
 * contents. MEDFW_ERR_STATE without an identity; MEDFW_ERR_INVALID_ARG for a path that is
 * not "/device/..." of letters, digits and /._~- (no query). */
enum medfw_err medfw_devclient_request(struct medfw_devclient *c, const char *method,
				       const char *path, const uint8_t *body, size_t body_len,
				       size_t max_response, struct medfw_buf *response,
				       int *http_status, struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* A fetcher (medfw/fetch.h) for unsigned GETs of absolute URLs, with the client's TLS
 * settings: the image repository's TUF client uses it. Borrowed from the client. */
const struct medfw_fetcher *medfw_devclient_fetcher(struct medfw_devclient *c);
/* A fetcher whose URLs are server paths ("/device/v1/director/timestamp.json") and
 * whose requests are signed as medfw_devclient_request signs them: director metadata. */
const struct medfw_fetcher *medfw_devclient_signed_fetcher(struct medfw_devclient *c);

/* Progress of a download: bytes delivered so far (from 0, resume offset included)
 * and the expected total. */
typedef void (*medfw_devclient_progress_fn)(void *user, uint64_t done, uint64_t total);

struct medfw_devclient_download {
	const char *url;        /* absolute URL (unsigned GET, as the fetcher) */
	uint64_t offset;        /* bytes the caller already has: resume from here */
	uint64_t total;         /* the signed length: never more is delivered */
	unsigned max_attempts;  /* >= 1: attempts after dropped connections, each resuming
				 * with "Range: bytes=N-" where the last one stopped */
	medfw_fetch_write_fn write;
	void *write_user;
	medfw_devclient_progress_fn progress; /* may be NULL; called at most ~4 times/s */
	void *progress_user;
};

/* Deliver bytes offset..total-1 of the URL to `write`, in order, each byte once,
 * resuming with HTTP Range after a dropped connection or timeout (a 200 answer to a
 * Range request is read from its start and the bytes before the resume point are
 * skipped, not delivered again). MEDFW_ERR_TOO_LARGE when the server sends more than
 * total bytes (Content-Length or actual), MEDFW_ERR_TRUNCATED when the attempts ran out
 * before total, MEDFW_ERR_FETCH for HTTP / TLS failures (status and curl's reason in
 * the diag), or the write callback's error (which stops at once, no retry).
 * In detail: retried (after 100 ms, doubling up to 5 s) are only a dropped connection, a
 * timeout (below 1 byte/s for low_speed_time) and an answer that ended early; a 206 is
 * accepted only with "Content-Range: bytes <resume point>-<total-1>/<total>"; any other
 * status (416 included), a bad Content-Range and TLS failures are MEDFW_ERR_FETCH at
 * once; a 200 announcing fewer than total bytes is MEDFW_ERR_TRUNCATED at once; a URL the
 * configuration does not allow (http:// without allow_http, https:// without ca_file)
 * is MEDFW_ERR_INVALID_ARG before anything is sent. The progress callback also gets one
 * final call with done == total on success. */
enum medfw_err medfw_devclient_download(struct medfw_devclient *c,
					const struct medfw_devclient_download *d,
					struct medfw_diag *diag) MEDFW_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif
