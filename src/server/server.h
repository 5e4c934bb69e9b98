/* medfwd's handler interface: routes, requests, responses.
 *
 * ADDING A HANDLER FILE (the integrator's path):
 *
 *   1. src/server/handlers/sites.c:
 *
 *        #include "server.h"
 *
 *        static void sites_list(struct medfwd_request *req, struct medfwd_response *resp)
 *        {
 *                const char *site = medfwd_request_param(req, "site");
 *                ...
 *                medfwd_respond_json(resp, 200, body);          // takes the reference
 *        }
 *
 *        const struct medfwd_route medfwd_routes_sites[] = {
 *                {"GET", "/api/v1/sites/{site}/devices", sites_list, MEDFWD_AUTH_SESSION,
 *                 MEDFWD_BODY_NONE, "sites.devices.list"},
 *                {0}                                            // end marker
 *        };
 *
 *   2. One line in src/server/routes.c:  X(medfwd_routes_sites)
 *   3. Describe the route in docs/api/openapi.yaml (tests/e2e/test_server.py fails until
 *      the document and `medfwd --routes` agree).
 *
 * The core does, before a handler runs: path checks (length, "..", %00, bad UTF-8),
 * routing (404 / 405 with Allow), the body limit (413, from Content-Length before the
 * body is read), query parsing, authentication for the route's auth kind (fail closed:
 * 401 unless an authenticator accepts), and for MEDFWD_BODY_JSON: Content-Type
 * application/json (415) and a bounded parse (400 naming line and column). Handlers
 * only see well-formed input. MEDFWD_BODY_STREAM routes (large uploads) are the
 * exception: see medfwd_request_stream. Every response gets the security headers and an
 * X-Request-Id; every 4xx/5xx uses one JSON error shape:
 *     {"error": {"code": "not_found", "message": "...", "field": "..."}}
 * A handler that sets no response produces a 500.
 *
 * Handlers run on the server's thread pool, concurrently: no shared mutable state
 * without a lock. The request and everything it points to live until the response
 * is sent.
 */
#ifndef MEDFWD_SERVER_H
#define MEDFWD_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "medfw/buf.h"
#include "medfw/ctx.h"

struct medfwd_server;
struct medfwd_request;
struct medfwd_response;

/* Who must be authenticated before a route's handler runs. */
enum medfwd_auth_kind {
	MEDFWD_AUTH_NONE = 0,    /* public (healthz, metrics, login, enrolment) */
	MEDFWD_AUTH_SESSION = 1, /* a person: session cookie + CSRF token */
	MEDFWD_AUTH_TOKEN = 2,   /* a script: API token (a session is accepted too) */
	MEDFWD_AUTH_DEVICE = 3,  /* a device: HTTP message signature over the request,
				    with its own key or a session key */
	MEDFWD_AUTH_DEVICE_KEY = 4, /* a device, signing with its own Ed25519 key only */
};

/* What the core does with the request body before the handler runs. */
enum medfwd_body_kind {
	MEDFWD_BODY_NONE = 0, /* read (bounded) but not interpreted; req->body */
	MEDFWD_BODY_JSON = 1, /* must be application/json; parsed into req->json */
	MEDFWD_BODY_STREAM = 2, /* never buffered: the handler runs as soon as the headers
				 * are authenticated (before any body byte is read) and
				 * takes the body chunk by chunk: medfwd_request_stream */
};

typedef void (*medfwd_handler_fn)(struct medfwd_request *req, struct medfwd_response *resp);

struct medfwd_route {
	const char *method;   /* "GET", "POST", "PUT", "PATCH", "DELETE" */
	const char *pattern;  /* "/api/v1/devices/{device}": literal segments and {params} */
	medfwd_handler_fn handler;
	enum medfwd_auth_kind auth;
	enum medfwd_body_kind body;
	const char *name;     /* stable route name for metrics and logs */
};

/* Authentication hook, installed by whoever owns users/tokens/devices
 * (medfwd_server_set_authenticator). Returns 1 when the request may proceed (after
 * storing who it is with medfwd_request_set_principal), 0 when it may not: then it
 * may set an error response (default: 401 "unauthenticated"). */
typedef int (*medfwd_auth_fn)(void *user, const struct medfwd_route *route,
			      struct medfwd_request *req, struct medfwd_response *resp);

/* Extra metrics: append Prometheus text (HELP, TYPE, samples) to `out`. */
typedef void (*medfwd_metrics_fn)(void *user, struct medfw_buf *out);

/* ---- server (set up before medfwd_server_start; not thread-safe before it) ---- */

void medfwd_server_set_authenticator(struct medfwd_server *srv, medfwd_auth_fn fn, void *user);
/* At most MEDFWD_MAX_METRIC_COLLECTORS collectors; returns 0 on success. */
int medfwd_server_add_metrics(struct medfwd_server *srv, medfwd_metrics_fn fn, void *user);
/* Opaque application state for handlers (the store, keys): set once at start-up. */
void medfwd_server_set_app(struct medfwd_server *srv, void *app);
void *medfwd_server_app(const struct medfwd_server *srv);
struct medfw_ctx *medfwd_server_ctx(const struct medfwd_server *srv);

#define MEDFWD_MAX_METRIC_COLLECTORS 16

/* ---- request (borrowed strings; valid until the response is sent) ---- */

struct medfwd_request {
	struct medfwd_server *server;
	const struct medfwd_route *route;
	const char *method;
	const char *path;        /* decoded path */
	const char *request_id;  /* 16 hex digits, also in X-Request-Id and the logs */
	const char *remote;      /* client address, numeric */
	const uint8_t *body;     /* NUL-terminated; body_len bytes */
	size_t body_len;
	json_t *json;            /* MEDFWD_BODY_JSON: the parsed body (borrowed) */
	void *principal;         /* set by the authenticator */
	void (*principal_free_)(void *principal); /* internal: frees it with the request */
	void *conn_;             /* internal */
	void *priv_;             /* internal */
};

/* A {param} of the route pattern, percent-decoded; NULL if the pattern has none. */
const char *medfwd_request_param(const struct medfwd_request *req, const char *name);
/* A query parameter (first occurrence), percent-decoded; NULL if absent. */
const char *medfwd_request_query(const struct medfwd_request *req, const char *name);
/* A request header (case-insensitive name); NULL if absent. */
const char *medfwd_request_header(const struct medfwd_request *req, const char *name);
/* A cookie; NULL if absent. */
const char *medfwd_request_cookie(const struct medfwd_request *req, const char *name);
/* Store who made the request; free_fn (may be NULL) releases it with the request. */
void medfwd_request_set_principal(struct medfwd_request *req, void *principal,
				  void (*free_fn)(void *principal));

/* A streaming body sink (MEDFWD_BODY_STREAM routes). The core calls, on the
 * server's threads, one request at a time:
 *   write    for every chunk as libmicrohttpd delivers it (the body is never held
 *            whole). Returns 0 to go on; else it sets an error response, the core
 *            calls release at once, discards the rest of the body and sends it;
 *   finish   once, when the whole body arrived within the limit: sets the response;
 *   release  exactly once, last, whatever happened (finished, refused, over the
 *            limit, the client went away): frees the state and removes whatever an
 *            unfinished upload left behind. */
struct medfwd_stream_sink {
	int (*write)(void *state, const uint8_t *data, size_t len,
		     struct medfwd_response *resp);
	void (*finish)(void *state, struct medfwd_request *req, struct medfwd_response *resp);
	void (*release)(void *state);
};

/* From the handler of a MEDFWD_BODY_STREAM route: take the body through `sink`, at
 * most max_bytes of it (limit_name, e.g. "max_target_bytes", is named in the 413
 * message). Takes `state` (sink->release is called even when this fails). Returns
 * 0, or -1 with a response set: 413 when the Content-Length is larger than max_bytes
 * (a body without Content-Length gets 413 as soon as it passes the limit). A handler
 * that sets a response after a successful call refuses the upload (release is
 * called, nothing of the body is read). */
int medfwd_request_stream(struct medfwd_request *req, struct medfwd_response *resp,
			  const struct medfwd_stream_sink *sink, void *state, uint64_t max_bytes,
			  const char *limit_name);
/* The limit of streamed target uploads (option max_target_bytes). */
uint64_t medfwd_server_max_target_bytes(const struct medfwd_server *srv);

/* ---- response (the first response set wins; later calls are ignored) ---- */

/* JSON body with `status`; takes the reference to `body` (even on failure). */
void medfwd_respond_json(struct medfwd_response *resp, unsigned status, json_t *body);
/* The one error shape; `field` may be NULL. */
void medfwd_respond_error(struct medfwd_response *resp, unsigned status, const char *code,
			  const char *field, const char *fmt, ...)
	MEDFW_PRINTF(5, 6);
/* Raw bytes (copied) with a content type. */
void medfwd_respond_bytes(struct medfwd_response *resp, unsigned status,
			  const char *content_type, const void *data, size_t len);
/* `len` bytes of an open file from `offset`, streamed from disk (for large targets:
 * never read into memory). Takes ownership of fd (closed with the response, also when
 * a response was set already). Content-Length is set from len. */
void medfwd_respond_fd(struct medfwd_response *resp, unsigned status, const char *content_type,
		       int fd, uint64_t offset, uint64_t len);
/* Bytes that stay valid until the server has stopped (the web dashboard's files,
 * loaded at start-up): sent as they are, without a copy. */
void medfwd_respond_static(struct medfwd_response *resp, unsigned status,
			   const char *content_type, const void *data, size_t len);

/* A response header as static strings (no CR or LF). */
struct medfwd_header {
	const char *name;
	const char *value;
};

/* Send `headers` (n entries, static storage) on this response INSTEAD of the
 * default security headers every API answer carries (Content-Security-Policy
 * "default-src 'none'; frame-ancestors 'none'", X-Content-Type-Options: nosniff,
 * Cache-Control: no-store, Referrer-Policy: no-referrer, X-Frame-Options: DENY).
 * For the web dashboard's files (handlers/web.c), which need a CSP that lets the page
 * load its own scripts and a Cache-Control of their own; a caller replaces them all,
 * so it sends its own nosniff, framing and referrer policy. */
void medfwd_response_set_security_headers(struct medfwd_response *resp,
					  const struct medfwd_header *headers, size_t n);

/* An extra header (e.g. Set-Cookie; may repeat). At most MEDFWD_MAX_EXTRA_HEADERS;
 * name and value must not contain CR or LF. Returns 0 on success. */
int medfwd_response_add_header(struct medfwd_response *resp, const char *name,
			       const char *value);
unsigned medfwd_response_status(const struct medfwd_response *resp);

#define MEDFWD_MAX_EXTRA_HEADERS 8

#endif
