/* Internal to the device client (device_client.c: API calls, sessions, fetchers;
 * device_client_dl.c: resumable downloads). The parsers of what the server sends
 * (status line, headers, Content-Range, error JSON, session answer) are here so the
 * fuzz target (fuzz/fuzz_device_client.c) reaches them. */
#ifndef MEDFW_DEVICE_CLIENT_INTERNAL_H
#define MEDFW_DEVICE_CLIENT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "curl_dl.h"
#include "medfw/device_client.h"
#include "medfw/devsession.h"

#define MEDFWI_DEVCLIENT_SERVER_URL_MAX 1024  /* "https://host:port" */
#define MEDFWI_DEVCLIENT_PATH_MAX 1024        /* a device route */
#define MEDFWI_DEVCLIENT_PIN_MAX 1024         /* CURLOPT_PINNEDPUBLICKEY value */
/* A non-2xx body is read up to this size for its error message; a longer one is
 * abandoned (the status alone is reported). */
#define MEDFWI_DEVCLIENT_ERROR_BODY_MAX (8u * 1024u)
/* error.field copied into a diag. */
#define MEDFWI_DEVCLIENT_FIELD_MAX 64u
/* A Content-Range value we look at ("bytes 1-2/3" with 19-digit numbers fits). */
#define MEDFWI_DEVCLIENT_RANGE_MAX 80u
/* The answer to POST /device/v1/session. */
#define MEDFWI_DEVCLIENT_SESSION_RESPONSE_MAX 4096u
/* A session is renewed this long before it expires (at most half its lifetime). */
#define MEDFWI_DEVCLIENT_SESSION_MARGIN 60

struct medfwi_devclient_session {
	bool open;
	char keyid[MEDFW_DEVSESSION_KEYID_MAX];
	int64_t expires;  /* the server's expiry time */
	int64_t renew_at; /* our clock: open a new session from here on */
	uint8_t key[MEDFW_DEVSESSION_KEY_LEN];
};

struct medfw_devclient {
	struct medfw_ctx *ctx;
	struct medfwi_curl api;
	char *server_url;
	char *ca_file;
	char *pinned_public_key;
	bool allow_http;
	uint32_t connect_timeout;
	uint32_t request_timeout;
	uint32_t low_speed_time;
	uint64_t max_recv_speed;
	bool use_sessions;
	int64_t device_id;
	const struct medfw_privkey *device_key; /* borrowed */
	struct medfwi_devclient_session session;
	struct medfw_fetcher fetcher;        /* unsigned GETs of absolute URLs */
	struct medfw_fetcher signed_fetcher; /* signed GETs of server paths */
};

/* What a transfer is, for its timeouts: a small API call has a whole-request timeout;
 * a fetch (metadata of any size) and a download have none (the low-speed limit
 * catches a stalled one); only a download is bandwidth-limited. */
enum medfwi_devclient_kind {
	MEDFWI_DEVCLIENT_API = 1,
	MEDFWI_DEVCLIENT_FETCH = 2,
	MEDFWI_DEVCLIENT_DOWNLOAD = 3,
};

/* Reset the easy handle and set every option the client's transfers share (TLS with
 * only the configured CA, protocols, no redirects, no proxies, timeouts). errbuf has
 * CURL_ERROR_SIZE bytes. */
enum medfw_err medfwi_devclient_setup(struct medfw_devclient *c, const char *url,
				      enum medfwi_devclient_kind kind, char *errbuf,
				      struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* Check an absolute URL before it goes to libcurl: http:// or https://, allowed by the
 * configuration, printable ASCII without spaces, at most MEDFW_FETCH_URL_MAX bytes. */
enum medfw_err medfwi_devclient_check_url(const struct medfw_devclient *c, const char *url,
					  struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* curl's reason for rc (its error buffer when filled). */
const char *medfwi_devclient_curl_reason(const struct medfw_devclient *c, int rc,
					 const char *errbuf);

/* ---- parsers of the server's answer (untrusted) ---- */

/* The headers of one response, as far as the client looks at them. */
struct medfwi_devclient_headers {
	int status;              /* of the last status line; 0 before one */
	bool has_length;
	bool bad_length;         /* a Content-Length that is not one number */
	uint64_t length;
	bool has_range;
	bool bad_range;          /* longer than MEDFWI_DEVCLIENT_RANGE_MAX */
	char range[MEDFWI_DEVCLIENT_RANGE_MAX + 1];
};

/* Feed one header line as libcurl hands it over (with its CRLF, no NUL). A status
 * line starts a new response (interim 1xx ones included) and resets *h. Returns 1 when
 * the line ends the header block of a final response (status >= 200), else 0. */
int medfwi_devclient_header_line(struct medfwi_devclient_headers *h, const char *line,
				 size_t len);

/* "HTTP/<version> <3 digits>[ <reason>]": 1 and *status (100..599), else 0. */
int medfwi_devclient_status_line(const char *line, size_t len, int *status);

/* Parse a Content-Range value "bytes FIRST-LAST/TOTAL" (decimal, FIRST <= LAST <
 * TOTAL): MEDFW_ERR_FIELD_VALUE otherwise, outputs zeroed. */
enum medfw_err medfwi_devclient_content_range(const char *value, uint64_t *first,
					      uint64_t *last, uint64_t *total)
	MEDFW_WARN_UNUSED;

/* Copy untrusted text for a diag or log: printable ASCII kept, every other code point
 * (control characters, DEL, non-ASCII) and every invalid byte becomes one '?'. At most
 * cap-1 characters, NUL-terminated (cap >= 1). */
void medfwi_devclient_sanitize(const uint8_t *in, size_t len, char *out, size_t cap);

/* The human text of a refusal: "HTTP 403: <error.message> (field <error.field>)"
 * from the server's {"error": {"code", "message", "field"}} (parsed bounded,
 * sanitised, message cut at MEDFW_DEVCLIENT_ERROR_MAX bytes), or "HTTP 403" and why
 * there is no message (body_cut: the body was over MEDFWI_DEVCLIENT_ERROR_BODY_MAX).
 * *session_field is set when error.field is exactly "session". */
void medfwi_devclient_error_text(int status, const uint8_t *body, size_t len, bool body_cut,
				 char *out, size_t cap, bool *session_field);

/* The answer to POST /device/v1/session, checked: keyid a session keyid of device_id
 * whose expiry is `expires`, alg "hmac-sha256", the sealed key's parts of the right
 * lengths. MEDFW_ERR_FIELD_* naming the field otherwise; outputs zeroed on failure. */
struct medfwi_devclient_session_answer {
	char keyid[MEDFW_DEVSESSION_KEYID_MAX];
	int64_t expires;
	struct medfw_devsession_sealed sealed;
};
enum medfw_err medfwi_devclient_parse_session(const uint8_t *body, size_t len, int64_t device_id,
					      struct medfwi_devclient_session_answer *out,
					      struct medfw_diag *diag) MEDFW_WARN_UNUSED;

#endif
