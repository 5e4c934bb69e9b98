/* The HTTP layer on libmicrohttpd: epoll + thread pool, bounded request bodies,
 * streamed uploads, routing, the one error format, security headers, request logs
 * and metrics.
 *
 * A request's life: on_request is called first with the headers (the exchange is
 * made, the path decoded and routed, Content-Length checked: 404/405/413/414 are
 * answered here, before the body is read), then with body chunks (appended to a
 * bounded buffer), then once more at the end (dispatch: query, auth, JSON body,
 * handler). on_completed logs the request and counts it.
 *
 * MEDFWD_BODY_STREAM routes differ: at the first call query and authentication are
 * checked and the handler runs (it installs a sink with medfwd_request_stream and
 * checks permissions), so nothing of the body is read for a refused request; the
 * chunks then go to the sink as they arrive, counted against the sink's limit, and
 * the last call asks the sink for the response. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "internal.h"
#include "medfw/crypto.h"
#include "medfw/json.h"
#include "medfw/num.h"

#define MAX_QUERY_PARAMS 64
#define CONNECTION_MEMORY (64u * 1024u)
#define TLS_FILE_MAX (1024u * 1024u)

struct medfwd_response {
	unsigned status;
	const char *content_type;
	uint8_t *body;
	size_t len;
	size_t n_headers;
	char *header_names[MEDFWD_MAX_EXTRA_HEADERS];
	char *header_values[MEDFWD_MAX_EXTRA_HEADERS];
	int fd; /* medfwd_respond_fd: owned until queued (then MHD closes it); -1 none */
	uint64_t fd_offset, fd_len;
	const uint8_t *static_body; /* medfwd_respond_static: borrowed, len bytes */
	const struct medfwd_header *security; /* NULL: security_headers below */
	size_t n_security;
};

struct exchange {
	struct medfwd_server *srv;
	struct MHD_Connection *conn;
	struct medfwd_request req;
	struct medfwd_response resp;
	struct medfw_buf body;
	struct medfwd_match match;
	const struct medfwd_stream_sink *sink; /* MEDFWD_BODY_STREAM: installed, not released */
	void *sink_state;
	uint64_t stream_max, received;
	const char *stream_limit_name;
	size_t metric_route;      /* route index, or n_routes for "unmatched" */
	int routed;
	int too_large;
	int queued;
	char *path;
	char *method;
	size_t n_query;
	int query_bad;
	char *query_keys[MAX_QUERY_PARAMS];
	char *query_values[MAX_QUERY_PARAMS];
	struct timespec start;
	char request_id[17];
	char remote[64];
};

/* On every answer unless a handler replaced them (medfwd_response_set_security_headers:
 * the web dashboard's files only): JSON answers, errors included, are never sniffed,
 * framed or cached. */
static const struct medfwd_header security_headers[] = {
	{"Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"},
	{"X-Content-Type-Options", "nosniff"},
	{"Cache-Control", "no-store"},
	{"Referrer-Policy", "no-referrer"},
	{"X-Frame-Options", "DENY"},
};

/* ---- response helpers (server.h) ---- */

void medfwd_respond_fd(struct medfwd_response *resp, unsigned status, const char *content_type,
		       int fd, uint64_t offset, uint64_t len)
{
	if (resp->status != 0) {
		close(fd);
		return;
	}
	resp->status = status;
	resp->content_type = content_type;
	resp->fd = fd;
	resp->fd_offset = offset;
	resp->fd_len = len;
}

void medfwd_respond_static(struct medfwd_response *resp, unsigned status,
			   const char *content_type, const void *data, size_t len)
{
	if (resp->status != 0)
		return;
	resp->static_body = data;
	resp->len = len;
	resp->status = status;
	resp->content_type = content_type;
}

void medfwd_response_set_security_headers(struct medfwd_response *resp,
					  const struct medfwd_header *headers, size_t n)
{
	resp->security = headers;
	resp->n_security = n;
}

void medfwd_respond_bytes(struct medfwd_response *resp, unsigned status,
			  const char *content_type, const void *data, size_t len)
{
	if (resp->status != 0)
		return;
	resp->body = malloc(len + 1);
	if (resp->body == NULL) {
		resp->status = 500;
		resp->content_type = NULL;
		return;
	}
	if (len > 0)
		memcpy(resp->body, data, len);
	resp->len = len;
	resp->status = status;
	resp->content_type = content_type;
}

void medfwd_respond_json(struct medfwd_response *resp, unsigned status, json_t *body)
{
	char *enc = NULL;

	if (resp->status == 0 && body != NULL)
		enc = json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY);
	json_decref(body);
	if (resp->status != 0)
		return;
	if (enc == NULL) {
		resp->status = 500;
		return;
	}
	resp->body = (uint8_t *)enc;
	resp->len = strlen(enc);
	resp->status = status;
	resp->content_type = "application/json";
}

void medfwd_respond_error(struct medfwd_response *resp, unsigned status, const char *code,
			  const char *field, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	json_t *err;

	if (resp->status != 0)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	err = json_pack("{s:s,s:s}", "code", code, "message", msg);
	if (err != NULL && field != NULL)
		json_object_set_new(err, "field", json_string(field));
	medfwd_respond_json(resp, status, err != NULL ? json_pack("{s:o}", "error", err) : NULL);
}

int medfwd_response_add_header(struct medfwd_response *resp, const char *name,
			       const char *value)
{
	size_t i = resp->n_headers;

	if (i >= MEDFWD_MAX_EXTRA_HEADERS || name == NULL || value == NULL ||
	    strpbrk(name, "\r\n:") != NULL || strpbrk(value, "\r\n") != NULL)
		return -1;
	resp->header_names[i] = strdup(name);
	resp->header_values[i] = strdup(value);
	if (resp->header_names[i] == NULL || resp->header_values[i] == NULL) {
		free(resp->header_names[i]);
		free(resp->header_values[i]);
		return -1;
	}
	resp->n_headers++;
	return 0;
}

unsigned medfwd_response_status(const struct medfwd_response *resp)
{
	return resp->status;
}

/* ---- request accessors (server.h) ---- */

const char *medfwd_request_param(const struct medfwd_request *req, const char *name)
{
	const struct exchange *ex = req->priv_;
	size_t n = strlen(name);

	for (size_t i = 0; i < ex->match.n_params; i++)
		if (ex->match.param_name_lens[i] == n &&
		    memcmp(ex->match.param_names[i], name, n) == 0)
			return ex->match.param_values[i];
	return NULL;
}

const char *medfwd_request_query(const struct medfwd_request *req, const char *name)
{
	const struct exchange *ex = req->priv_;

	for (size_t i = 0; i < ex->n_query; i++)
		if (strcmp(ex->query_keys[i], name) == 0)
			return ex->query_values[i];
	return NULL;
}

const char *medfwd_request_header(const struct medfwd_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn_, MHD_HEADER_KIND, name);
}

const char *medfwd_request_cookie(const struct medfwd_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->conn_, MHD_COOKIE_KIND, name);
}

void medfwd_request_set_principal(struct medfwd_request *req, void *principal,
				  void (*free_fn)(void *principal))
{
	if (req->principal_free_ != NULL)
		req->principal_free_(req->principal);
	req->principal = principal;
	req->principal_free_ = free_fn;
}

static void stream_release(struct exchange *ex)
{
	const struct medfwd_stream_sink *sink = ex->sink;

	ex->sink = NULL;
	if (sink != NULL)
		sink->release(ex->sink_state);
	ex->sink_state = NULL;
}

static void respond_too_large(struct medfwd_response *resp, uint64_t len, uint64_t max,
			      const char *limit_name)
{
	if (len > 0)
		medfwd_respond_error(resp, 413, "too_large", NULL,
				     "the body (%llu bytes) is larger than %s (%llu bytes)",
				     (unsigned long long)len, limit_name, (unsigned long long)max);
	else
		medfwd_respond_error(resp, 413, "too_large", NULL,
				     "the body is larger than %s (%llu bytes)", limit_name,
				     (unsigned long long)max);
}

int medfwd_request_stream(struct medfwd_request *req, struct medfwd_response *resp,
			  const struct medfwd_stream_sink *sink, void *state, uint64_t max_bytes,
			  const char *limit_name)
{
	struct exchange *ex = req->priv_;
	const char *clen = medfwd_request_header(req, MHD_HTTP_HEADER_CONTENT_LENGTH);
	uint64_t n = 0;

	if (ex->sink != NULL || req->route->body != MEDFWD_BODY_STREAM) {
		sink->release(state);
		medfwd_respond_error(resp, 500, "internal", NULL, "not a streaming route");
		return -1;
	}
	ex->sink = sink;
	ex->sink_state = state;
	ex->stream_max = max_bytes;
	ex->stream_limit_name = limit_name;
	/* on_headers refused a Content-Length that is not a number */
	if (clen != NULL && medfw_parse_u64(clen, 0, UINT64_MAX, &n) == MEDFW_OK &&
	    n > max_bytes) {
		stream_release(ex);
		respond_too_large(resp, n, max_bytes, limit_name);
		return -1;
	}
	return 0;
}

/* ---- server accessors (server.h) ---- */

uint64_t medfwd_server_max_target_bytes(const struct medfwd_server *srv)
{
	return srv->cfg->max_target_bytes;
}


void medfwd_server_set_authenticator(struct medfwd_server *srv, medfwd_auth_fn fn, void *user)
{
	srv->auth_fn = fn;
	srv->auth_user = user;
}

int medfwd_server_add_metrics(struct medfwd_server *srv, medfwd_metrics_fn fn, void *user)
{
	struct medfwd_metrics *m = &srv->metrics;

	if (fn == NULL || m->n_collectors >= MEDFWD_MAX_METRIC_COLLECTORS)
		return -1;
	m->collectors[m->n_collectors].fn = fn;
	m->collectors[m->n_collectors].user = user;
	m->n_collectors++;
	return 0;
}

void medfwd_server_set_app(struct medfwd_server *srv, void *app)
{
	srv->app = app;
}

void *medfwd_server_app(const struct medfwd_server *srv)
{
	return srv->app;
}

struct medfw_ctx *medfwd_server_ctx(const struct medfwd_server *srv)
{
	return srv->ctx;
}

/* ---- the exchange ---- */

static void exchange_free(struct exchange *ex)
{
	if (ex == NULL)
		return;
	stream_release(ex); /* an upload that did not finish: the sink removes it */
	medfwd_match_free(&ex->match);
	medfw_buf_free(&ex->body);
	if (ex->req.principal_free_ != NULL)
		ex->req.principal_free_(ex->req.principal);
	json_decref(ex->req.json);
	if (ex->resp.fd >= 0)
		close(ex->resp.fd);
	free(ex->resp.body);
	for (size_t i = 0; i < ex->resp.n_headers; i++) {
		free(ex->resp.header_names[i]);
		free(ex->resp.header_values[i]);
	}
	for (size_t i = 0; i < ex->n_query; i++) {
		free(ex->query_keys[i]);
		free(ex->query_values[i]);
	}
	free(ex->path);
	free(ex->method);
	free(ex);
}

static void client_address(struct MHD_Connection *conn, char *out, size_t cap)
{
	const union MHD_ConnectionInfo *info =
		MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	const struct sockaddr *sa = info != NULL ? info->client_addr : NULL;
	socklen_t len;

	snprintf(out, cap, "unknown");
	if (sa == NULL)
		return;
	len = sa->sa_family == AF_INET6 ? (socklen_t)sizeof(struct sockaddr_in6)
					: (socklen_t)sizeof(struct sockaddr_in);
	if (getnameinfo(sa, len, out, (socklen_t)cap, NULL, 0, NI_NUMERICHOST) != 0)
		snprintf(out, cap, "unknown");
}

static struct exchange *exchange_new(struct medfwd_server *srv, struct MHD_Connection *conn,
				     const char *method)
{
	struct exchange *ex = calloc(1, sizeof(*ex));
	uint8_t id[8];

	if (ex == NULL)
		return NULL;
	ex->srv = srv;
	ex->conn = conn;
	ex->metric_route = srv->router.n_routes;
	ex->resp.fd = -1;
	clock_gettime(CLOCK_MONOTONIC, &ex->start);
	medfw_buf_init(&ex->body, (size_t)srv->cfg->max_body_bytes);
	ex->method = strdup(method);
	if (ex->method == NULL || medfw_random_bytes(id, sizeof(id)) != MEDFW_OK ||
	    medfw_hex_encode(id, sizeof(id), ex->request_id, sizeof(ex->request_id)) != MEDFW_OK) {
		exchange_free(ex);
		return NULL;
	}
	client_address(conn, ex->remote, sizeof(ex->remote));
	ex->req.server = srv;
	ex->req.method = ex->method;
	ex->req.path = "";
	ex->req.request_id = ex->request_id;
	ex->req.remote = ex->remote;
	ex->req.conn_ = conn;
	ex->req.priv_ = ex;
	return ex;
}

static enum MHD_Result queue(struct exchange *ex)
{
	struct medfwd_response *resp = &ex->resp;
	const struct medfwd_header *security = security_headers;
	size_t n_security = sizeof(security_headers) / sizeof(security_headers[0]);
	struct MHD_Response *r;
	struct timespec now;
	enum MHD_Result ret;

	if (resp->status == 0)
		medfwd_respond_error(resp, 500, "internal", NULL, "the handler gave no response");
	if (resp->fd >= 0) {
		/* A file streamed from disk; MHD owns (and closes) the fd from here. */
		r = MHD_create_response_from_fd_at_offset64(resp->fd_len, resp->fd,
							    resp->fd_offset);
		if (r == NULL)
			return MHD_NO;
		resp->fd = -1;
	} else if (resp->static_body != NULL) {
		/* Valid until the server stopped (medfwd_respond_static): no copy. */
		r = MHD_create_response_from_buffer(resp->len, (void *)(uintptr_t)resp->static_body,
						    MHD_RESPMEM_PERSISTENT);
	} else if (resp->body == NULL) {
		/* Out of memory while building the response: a fixed body. */
		static const char fallback[] =
			"{\"error\":{\"code\":\"internal\",\"message\":\"out of memory\"}}";
		resp->status = 500;
		resp->content_type = "application/json";
		r = MHD_create_response_from_buffer(sizeof(fallback) - 1, (void *)(uintptr_t)fallback,
						    MHD_RESPMEM_PERSISTENT);
	} else {
		r = MHD_create_response_from_buffer(resp->len, resp->body, MHD_RESPMEM_MUST_FREE);
		if (r != NULL)
			resp->body = NULL;
	}
	if (r == NULL)
		return MHD_NO;
	if (resp->security != NULL) {
		security = resp->security;
		n_security = resp->n_security;
	}
	for (size_t i = 0; i < n_security; i++)
		MHD_add_response_header(r, security[i].name, security[i].value);
	if (ex->srv->tls)
		MHD_add_response_header(r, "Strict-Transport-Security", "max-age=31536000");
	if (resp->content_type != NULL)
		MHD_add_response_header(r, "Content-Type", resp->content_type);
	MHD_add_response_header(r, "X-Request-Id", ex->request_id);
	for (size_t i = 0; i < resp->n_headers; i++)
		MHD_add_response_header(r, resp->header_names[i], resp->header_values[i]);
	/* Counted before the response can leave: a client that has its answer finds it
	 * in the next /metrics (the duration is the time to the response, not its transfer). */
	clock_gettime(CLOCK_MONOTONIC, &now);
	medfwd_metrics_observe(&ex->srv->metrics, ex->metric_route, ex->method, resp->status,
			       (double)(now.tv_sec - ex->start.tv_sec) +
				       (double)(now.tv_nsec - ex->start.tv_nsec) / 1e9);
	ret = MHD_queue_response(ex->conn, resp->status, r);
	MHD_destroy_response(r);
	ex->queued = 1;
	return ret;
}

/* Split and decode the raw path; set an error response when it is not acceptable. */
static int decode_path(struct exchange *ex, const char *url, char **segments, size_t *n_segs)
{
	struct medfwd_response *resp = &ex->resp;
	struct medfw_buf path;
	const char *p = url;
	size_t n = 0;

	*n_segs = 0;
	if (strlen(url) > MEDFWD_MAX_URL) {
		medfwd_respond_error(resp, 414, "uri_too_long", NULL,
				     "the request target is longer than %u bytes", MEDFWD_MAX_URL);
		return -1;
	}
	if (url[0] != '/') {
		medfwd_respond_error(resp, 400, "bad_path", NULL, "the path must start with '/'");
		return -1;
	}
	medfw_buf_init(&path, MEDFWD_MAX_URL + 1);
	while (*p == '/') {
		size_t len;

		p++;
		len = strcspn(p, "/");
		if (n >= MEDFWD_MAX_SEGMENTS) {
			medfwd_respond_error(resp, 404, "not_found", NULL,
					     "no such resource (too many path segments)");
			goto fail;
		}
		segments[n] = medfwd_percent_decode(p, len, 0);
		if (segments[n] == NULL) {
			medfwd_respond_error(resp, 400, "bad_path", NULL,
					     "path segment %zu is not valid: bad %%-escape, "
					     "%%00, control character or invalid UTF-8", n + 1);
			goto fail;
		}
		n++;
		if (strcmp(segments[n - 1], ".") == 0 || strcmp(segments[n - 1], "..") == 0 ||
		    strchr(segments[n - 1], '/') != NULL) {
			medfwd_respond_error(resp, 400, "bad_path", NULL,
					     "path segment %zu is '.', '..' or holds an encoded '/'",
					     n);
			goto fail;
		}
		if (medfw_buf_printf(&path, "/%s", segments[n - 1]) != MEDFW_OK)
			goto fail;
		p += len;
	}
	ex->path = (char *)medfw_buf_steal(&path, NULL);
	if (ex->path == NULL)
		ex->path = strdup("/");
	if (ex->path == NULL)
		goto fail;
	ex->req.path = ex->path;
	*n_segs = n;
	return 0;
fail:
	medfwd_respond_error(resp, 500, "internal", NULL, "out of memory");
	medfw_buf_free(&path);
	for (size_t i = 0; i < n; i++)
		free(segments[i]);
	return -1;
}

/* First call: path, route, body size. Returns 0 to go on reading the body. */
static int on_headers(struct exchange *ex, const char *url)
{
	struct medfwd_server *srv = ex->srv;
	char *segments[MEDFWD_MAX_SEGMENTS];
	size_t n_segs = 0;
	char allow[128];
	const char *clen;
	enum medfwd_match_result m;

	if (decode_path(ex, url, segments, &n_segs) != 0)
		return -1;
	m = medfwd_router_match(&srv->router, ex->method, segments, n_segs, &ex->match, allow,
				sizeof(allow));
	for (size_t i = 0; i < n_segs; i++)
		free(segments[i]);
	if (m == MEDFWD_MATCH_NO_PATH) {
		medfwd_respond_error(&ex->resp, 404, "not_found", NULL, "no such resource");
		return -1;
	}
	if (m == MEDFWD_MATCH_NO_METHOD) {
		medfwd_respond_error(&ex->resp, 405, "method_not_allowed", NULL,
				     "%s is not allowed here (allowed: %s)", ex->method, allow);
		(void)medfwd_response_add_header(&ex->resp, "Allow", allow);
		return -1;
	}
	ex->routed = 1;
	ex->metric_route = ex->match.route;
	ex->req.route = srv->router.routes[ex->match.route];
	clen = MHD_lookup_connection_value(ex->conn, MHD_HEADER_KIND,
					   MHD_HTTP_HEADER_CONTENT_LENGTH);
	if (clen != NULL) {
		uint64_t n = 0;

		if (medfw_parse_u64(clen, 0, UINT64_MAX, &n) != MEDFW_OK) {
			medfwd_respond_error(&ex->resp, 400, "bad_request", NULL,
					     "Content-Length is not a number");
			return -1;
		}
		/* streamed bodies: the sink's own limit (medfwd_request_stream) */
		if (ex->req.route->body != MEDFWD_BODY_STREAM && n > srv->cfg->max_body_bytes) {
			respond_too_large(&ex->resp, n, srv->cfg->max_body_bytes,
					  "max_body_bytes");
			return -1;
		}
	}
	return 0;
}

static enum MHD_Result collect_query(void *cls, enum MHD_ValueKind kind, const char *key,
				     const char *value)
{
	struct exchange *ex = cls;
	size_t i = ex->n_query;

	(void)kind;
	if (i >= MAX_QUERY_PARAMS) {
		ex->query_bad = 2;
		return MHD_NO;
	}
	ex->query_keys[i] = medfwd_percent_decode(key, strlen(key), 1);
	ex->query_values[i] = value != NULL ? medfwd_percent_decode(value, strlen(value), 1)
					    : strdup("");
	if (ex->query_keys[i] == NULL || ex->query_values[i] == NULL) {
		free(ex->query_keys[i]);
		free(ex->query_values[i]);
		ex->query_bad = 1;
		return MHD_NO;
	}
	ex->n_query++;
	return MHD_YES;
}

static int is_json_content_type(const char *ct)
{
	static const char want[] = "application/json";
	size_t n = sizeof(want) - 1;

	if (ct == NULL || strncasecmp(ct, want, n) != 0)
		return 0;
	return ct[n] == 0 || ct[n] == ';' || ct[n] == ' ';
}

/* Query parameters and authentication (headers only). 0: go on; -1: a response is
 * set. */
static int authorize(struct exchange *ex)
{
	struct medfwd_server *srv = ex->srv;
	const struct medfwd_route *route = ex->req.route;

	MHD_get_connection_values(ex->conn, MHD_GET_ARGUMENT_KIND, collect_query, ex);
	if (ex->query_bad) {
		medfwd_respond_error(&ex->resp, 400, "bad_query", NULL,
				     ex->query_bad == 2 ? "more than %d query parameters"
							: "a query parameter is not valid "
							  "(bad %%-escape, %%00, control "
							  "character or invalid UTF-8; limit %d)",
				     MAX_QUERY_PARAMS);
		return -1;
	}
	if (route->auth != MEDFWD_AUTH_NONE) {
		if (srv->auth_fn == NULL || !srv->auth_fn(srv->auth_user, route, &ex->req,
							  &ex->resp)) {
			medfwd_respond_error(&ex->resp, 401, "unauthenticated", NULL,
					     "authentication required");
			return -1;
		}
	}
	return 0;
}

/* Last call: the whole body is here. Run the checks and the handler. */
static void dispatch(struct exchange *ex)
{
	struct medfwd_server *srv = ex->srv;
	const struct medfwd_route *route = ex->req.route;
	struct medfw_diag diag;
	enum medfw_err err;

	if (ex->too_large) {
		respond_too_large(&ex->resp, 0, srv->cfg->max_body_bytes, "max_body_bytes");
		return;
	}
	ex->req.body = ex->body.data != NULL ? ex->body.data : (const uint8_t *)"";
	ex->req.body_len = ex->body.len;
	if (authorize(ex) != 0)
		return;
	if (route->body == MEDFWD_BODY_JSON) {
		if (!is_json_content_type(medfwd_request_header(&ex->req, "Content-Type"))) {
			medfwd_respond_error(&ex->resp, 415, "unsupported_media_type", NULL,
					     "the body must be application/json");
			return;
		}
		medfw_diag_clear(&diag);
		err = medfw_json_parse(ex->req.body, ex->req.body_len,
				       (size_t)srv->cfg->max_body_bytes,
				       (unsigned)srv->cfg->max_json_depth, &ex->req.json, &diag);
		if (err == MEDFW_ERR_NOMEM) {
			medfwd_respond_error(&ex->resp, 500, "internal", NULL, "out of memory");
			return;
		}
		if (err != MEDFW_OK) {
			medfwd_respond_error(&ex->resp, err == MEDFW_ERR_TOO_LARGE ? 413 : 400,
					     err == MEDFW_ERR_TOO_DEEP    ? "too_deep"
					     : err == MEDFW_ERR_TOO_LARGE ? "too_large"
									  : "bad_json",
					     NULL, "%s", medfw_diag_message(&diag, err));
			return;
		}
	}
	route->handler(&ex->req, &ex->resp);
}

/* First call of a streamed route: authenticate, let the handler check and install
 * its sink. 0: read the body; -1: a response is set (nothing of the body is read). */
static int stream_begin(struct exchange *ex)
{
	ex->req.body = (const uint8_t *)"";
	ex->req.body_len = 0;
	if (authorize(ex) != 0)
		return -1;
	ex->req.route->handler(&ex->req, &ex->resp);
	if (ex->resp.status == 0 && ex->sink != NULL)
		return 0;
	stream_release(ex);
	return -1;
}

/* A chunk of a streamed body: count it against the limit, hand it to the sink.
 * After a failure the rest is discarded (the response is sent at the end). */
static void stream_chunk(struct exchange *ex, const char *data, size_t len)
{
	if (ex->sink == NULL)
		return;
	if (len > ex->stream_max - ex->received) {
		stream_release(ex);
		respond_too_large(&ex->resp, 0, ex->stream_max, ex->stream_limit_name);
		return;
	}
	ex->received += len;
	if (ex->sink->write(ex->sink_state, (const uint8_t *)data, len, &ex->resp) != 0) {
		stream_release(ex);
		medfwd_respond_error(&ex->resp, 500, "internal", NULL, "the upload failed");
	}
}

/* Last call of a streamed route. */
static void stream_end(struct exchange *ex)
{
	if (ex->sink != NULL && ex->resp.status == 0)
		ex->sink->finish(ex->sink_state, &ex->req, &ex->resp);
	stream_release(ex);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size,
				  void **con_cls)
{
	struct medfwd_server *srv = cls;
	struct exchange *ex = *con_cls;

	(void)version;
	if (ex == NULL) {
		ex = exchange_new(srv, conn, method);
		if (ex == NULL)
			return MHD_NO;
		*con_cls = ex;
		atomic_fetch_add(&srv->metrics.in_flight, 1);
		if (on_headers(ex, url) != 0)
			return queue(ex);
		if (ex->req.route->body == MEDFWD_BODY_STREAM && stream_begin(ex) != 0)
			return queue(ex);
		return MHD_YES;
	}
	if (ex->routed && ex->req.route->body == MEDFWD_BODY_STREAM) {
		if (*upload_data_size != 0) {
			stream_chunk(ex, upload_data, *upload_data_size);
			*upload_data_size = 0;
			return MHD_YES;
		}
		if (ex->queued)
			return MHD_YES;
		stream_end(ex);
		return queue(ex);
	}
	if (*upload_data_size != 0) {
		if (!ex->too_large &&
		    medfw_buf_append(&ex->body, upload_data, *upload_data_size) != MEDFW_OK) {
			ex->too_large = 1; /* keep reading, discarding, then answer 413 */
			medfw_buf_free(&ex->body);
		}
		*upload_data_size = 0;
		return MHD_YES;
	}
	if (ex->queued)
		return MHD_YES;
	dispatch(ex);
	return queue(ex);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct medfwd_server *srv = cls;
	struct exchange *ex = *con_cls;
	struct timespec end;
	double seconds;
	const char *route_name;
	json_t *fields;

	(void)conn;
	if (ex == NULL)
		return;
	*con_cls = NULL;
	clock_gettime(CLOCK_MONOTONIC, &end);
	seconds = (double)(end.tv_sec - ex->start.tv_sec) +
		  (double)(end.tv_nsec - ex->start.tv_nsec) / 1e9;
	route_name = ex->routed ? ex->req.route->name : "unmatched";
	fields = json_pack("{s:s,s:s,s:s,s:s,s:i,s:f,s:s}", "request_id", ex->request_id,
			   "method", ex->method, "route", route_name, "path",
			   ex->path != NULL ? ex->path : "", "status",
			   ex->queued ? (int)ex->resp.status : 0, "duration_ms", seconds * 1000.0,
			   "remote", ex->remote);
	if (fields != NULL && toe != MHD_REQUEST_TERMINATED_COMPLETED_OK)
		json_object_set_new(fields, "aborted", json_true());
	medfwd_log_record(srv->log,
			  ex->queued && ex->resp.status >= 500 ? MEDFW_LOG_ERROR : MEDFW_LOG_INFO,
			  "http.request", fields);
	exchange_free(ex);
	atomic_fetch_sub(&srv->metrics.in_flight, 1);
}

/* Keep the raw path and query: medfwd decodes (and validates) them itself. */
static size_t keep_escaped(void *cls, struct MHD_Connection *conn, char *uri)
{
	(void)cls;
	(void)conn;
	return strlen(uri);
}

static void mhd_logger(void *cls, const char *fmt, va_list ap) MEDFW_PRINTF(2, 0);

static void mhd_logger(void *cls, const char *fmt, va_list ap)
{
	char msg[512];
	size_t n;

	vsnprintf(msg, sizeof(msg), fmt, ap);
	n = strlen(msg);
	while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
		msg[--n] = 0;
	medfwd_log_record(cls, MEDFW_LOG_WARNING, "http.mhd", json_pack("{s:s}", "msg", msg));
}

/* ---- start / stop ---- */

enum medfw_err medfwd_server_init(struct medfwd_server *srv, struct medfwd_config *cfg,
				  struct medfw_ctx *ctx, struct medfwd_log *log,
				  int with_selftest, struct medfw_diag *diag)
{
	const char **names = NULL;
	enum medfw_err err;

	memset(srv, 0, sizeof(*srv));
	srv->cfg = cfg;
	srv->ctx = ctx;
	srv->log = log;
	srv->listen_fd = -1;
	srv->start_time = medfw_ctx_now(ctx);
	medfw_buf_init(&srv->tls_cert_pem, TLS_FILE_MAX);
	medfw_buf_init(&srv->tls_key_pem, TLS_FILE_MAX);
	err = medfwd_router_build(&srv->router, with_selftest, diag);
	if (err != MEDFW_OK)
		return err;
	names = calloc(srv->router.n_routes + 1, sizeof(*names));
	if (names == NULL)
		goto nomem;
	for (size_t i = 0; i < srv->router.n_routes; i++)
		names[i] = srv->router.routes[i]->name;
	names[srv->router.n_routes] = "unmatched";
	if (medfwd_metrics_init(&srv->metrics, names, srv->router.n_routes + 1,
				srv->start_time) != 0)
		goto nomem;
	return MEDFW_OK;
nomem:
	free(names);
	medfwd_router_free(&srv->router);
	return medfw_diag_set(diag, MEDFW_ERR_NOMEM, "out of memory");
}

static enum medfw_err open_listener(struct medfwd_server *srv, struct medfw_diag *diag)
{
	struct addrinfo hints, *ai = NULL;
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);
	char port[8];
	int fd = -1, one = 1, rc;
	enum medfw_err err = MEDFW_OK;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICHOST | AI_NUMERICSERV;
	snprintf(port, sizeof(port), "%u", (unsigned)srv->cfg->listen_port);
	rc = getaddrinfo(srv->cfg->listen_address, port, &hints, &ai);
	if (rc != 0 || ai == NULL)
		return medfw_diag_set(diag, MEDFW_ERR_FIELD_VALUE,
				      "listen_address '%s' is not a numeric IPv4 or IPv6 address",
				      srv->cfg->listen_address);
	fd = socket(ai->ai_family, SOCK_STREAM, 0);
	if (fd < 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) != 0 ||
	    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 1024) != 0 ||
	    getsockname(fd, (struct sockaddr *)&ss, &sslen) != 0) {
		err = medfw_diag_set(diag, MEDFW_ERR_IO, "cannot listen on %s port %s: %s",
				     srv->cfg->listen_address, port, strerror(errno));
		if (fd >= 0)
			close(fd);
		goto out;
	}
	srv->listen_fd = fd;
	srv->port = ss.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&ss)->sin6_port)
					     : ntohs(((struct sockaddr_in *)&ss)->sin_port);
out:
	freeaddrinfo(ai);
	return err;
}

/* One per core: with check-ins group-committed, more threads (two, eight, sixteen
 * per core were measured) gave no more throughput in the check-in benchmark and a
 * longer latency tail (BENCHMARKS.md). */
static unsigned default_threads(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1u : n > 1024 ? 1024u : (unsigned)n;
}

enum medfw_err medfwd_server_start(struct medfwd_server *srv, struct medfw_diag *diag)
{
	struct medfwd_config *cfg = srv->cfg;
	struct MHD_OptionItem ops[16];
	size_t n = 0;
	unsigned threads = cfg->threads != 0 ? (unsigned)cfg->threads : default_threads();
	unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG;
	enum medfw_err err;

	if (cfg->tls_cert != NULL) {
		/* NUL-terminated by medfw_buf, as MHD wants. */
		err = medfw_file_read(cfg->tls_cert, TLS_FILE_MAX, &srv->tls_cert_pem, diag);
		if (err == MEDFW_OK)
			err = medfw_file_read(cfg->tls_key, TLS_FILE_MAX, &srv->tls_key_pem, diag);
		if (err != MEDFW_OK)
			return err;
		flags |= MHD_USE_TLS;
		srv->tls = 1;
	}
	err = open_listener(srv, diag);
	if (err != MEDFW_OK)
		return err;
#define OPT_INT(o, v) ops[n++] = (struct MHD_OptionItem){(o), (intptr_t)(v), NULL}
#define OPT_PTR(o, v, p) ops[n++] = (struct MHD_OptionItem){(o), (intptr_t)(v), (p)}
	OPT_PTR(MHD_OPTION_EXTERNAL_LOGGER, mhd_logger, srv->log); /* first, as MHD asks */
	OPT_INT(MHD_OPTION_LISTEN_SOCKET, srv->listen_fd);
	if (threads > 1)
		OPT_INT(MHD_OPTION_THREAD_POOL_SIZE, threads);
	OPT_INT(MHD_OPTION_CONNECTION_LIMIT, cfg->connection_limit);
	if (cfg->per_ip_connection_limit != 0)
		OPT_INT(MHD_OPTION_PER_IP_CONNECTION_LIMIT, cfg->per_ip_connection_limit);
	OPT_INT(MHD_OPTION_CONNECTION_TIMEOUT, cfg->request_timeout);
	OPT_INT(MHD_OPTION_CONNECTION_MEMORY_LIMIT, CONNECTION_MEMORY);
	OPT_PTR(MHD_OPTION_NOTIFY_COMPLETED, on_completed, srv);
	OPT_PTR(MHD_OPTION_UNESCAPE_CALLBACK, keep_escaped, NULL);
	if (srv->tls) {
		OPT_PTR(MHD_OPTION_HTTPS_MEM_CERT, 0, srv->tls_cert_pem.data);
		OPT_PTR(MHD_OPTION_HTTPS_MEM_KEY, 0, srv->tls_key_pem.data);
	}
	OPT_INT(MHD_OPTION_END, 0);
#undef OPT_INT
#undef OPT_PTR
	srv->daemon = MHD_start_daemon(flags, 0, NULL, NULL, on_request, srv, MHD_OPTION_ARRAY,
				       ops, MHD_OPTION_END);
	if (srv->daemon == NULL) {
		close(srv->listen_fd);
		srv->listen_fd = -1;
		return medfw_diag_set(diag, MEDFW_ERR_IO,
				      "cannot start the HTTP server (see the http.mhd log record%s)",
				      srv->tls ? "; is the TLS key the certificate's?" : "");
	}
	atomic_store(&srv->accepting, 1);
	return MEDFW_OK;
}

uint64_t medfwd_server_stop(struct medfwd_server *srv)
{
	struct timespec start, now, pause = {0, 10 * 1000 * 1000};
	uint64_t left;
	int fd;

	if (srv->daemon == NULL)
		return 0;
	atomic_store(&srv->accepting, 0);
	fd = MHD_quiesce_daemon(srv->daemon);
	if (fd >= 0)
		close(fd);
	srv->listen_fd = -1;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		left = atomic_load(&srv->metrics.in_flight);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (left == 0 || (uint64_t)(now.tv_sec - start.tv_sec) >= srv->cfg->shutdown_timeout)
			break;
		nanosleep(&pause, NULL);
	}
	MHD_stop_daemon(srv->daemon);
	srv->daemon = NULL;
	return left;
}

void medfwd_server_free(struct medfwd_server *srv)
{
	if (srv == NULL)
		return;
	if (srv->daemon != NULL)
		(void)medfwd_server_stop(srv);
	if (srv->listen_fd >= 0)
		close(srv->listen_fd);
	free((void *)(uintptr_t)srv->metrics.route_names);
	medfwd_metrics_destroy(&srv->metrics);
	medfwd_router_free(&srv->router);
	medfw_buf_free(&srv->tls_cert_pem);
	medfw_buf_free(&srv->tls_key_pem);
}
