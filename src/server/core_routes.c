/* The server's own routes: /healthz and /metrics (no authentication: put /metrics
 * behind the reverse proxy's access rules when the server faces a network), and the
 * test-only routes (served only with --enable-test-routes): an echo, and the test
 * clock that moves the server's clock forward so the test suite can run days of
 * maintenance windows and rollout soak times in seconds. */
#include <stdatomic.h>
#include <time.h>

#include "internal.h"
#include "medfw/num.h"

static void healthz(struct medfwd_request *req, struct medfwd_response *resp)
{
	struct medfwd_server *srv = req->server;
	int64_t up = medfw_ctx_now(srv->ctx) - srv->start_time;

	medfwd_respond_json(resp, 200,
			    json_pack("{s:s,s:s,s:I}", "status", "ok", "version",
				      MEDFW_VERSION_STRING, "uptime_seconds",
				      (json_int_t)(up > 0 ? up : 0)));
}

static void metrics(struct medfwd_request *req, struct medfwd_response *resp)
{
	struct medfw_buf text;

	medfw_buf_init(&text, 16u * 1024u * 1024u);
	if (medfwd_metrics_render(&req->server->metrics, &text) != MEDFW_OK)
		medfwd_respond_error(resp, 500, "internal", NULL, "metrics too large");
	else
		medfwd_respond_bytes(resp, 200, "text/plain; version=0.0.4; charset=utf-8",
				     text.data != NULL ? text.data : (const uint8_t *)"",
				     text.len);
	medfw_buf_free(&text);
}

const struct medfwd_route medfwd_routes_core[] = {
	{"GET", "/healthz", healthz, MEDFWD_AUTH_NONE, MEDFWD_BODY_NONE, "healthz"},
	{"GET", "/metrics", metrics, MEDFWD_AUTH_NONE, MEDFWD_BODY_NONE, "metrics"},
	{0},
};

/* Echo a JSON body back, after the core's checks, optionally slowly (?delay_ms=N,
 * at most 5000) so tests can have requests in flight during a shutdown. */
static void selftest_echo(struct medfwd_request *req, struct medfwd_response *resp)
{
	const char *delay = medfwd_request_query(req, "delay_ms");
	uint64_t ms = 0;

	if (delay != NULL && medfw_parse_u64(delay, 0, 5000, &ms) != MEDFW_OK) {
		medfwd_respond_error(resp, 400, "bad_query", "delay_ms", "delay_ms: 0..5000");
		return;
	}
	if (ms > 0) {
		struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};

		nanosleep(&ts, NULL);
	}
	medfwd_respond_json(resp, 200, json_pack("{s:O}", "echo", req->json));
}

/* The test clock: the system clock plus an offset only the test route moves, and
 * only forward. Installed as the context's clock by medfwd_test_clock_install. */
static atomic_int_fast64_t test_clock_offset;

static int64_t test_clock(void *user)
{
	(void)user;
	return (int64_t)time(NULL) + (int64_t)atomic_load(&test_clock_offset);
}

void medfwd_test_clock_install(struct medfw_ctx *ctx)
{
	medfw_ctx_set_clock(ctx, test_clock, NULL);
}

/* GET: {"now": T}; POST {"advance_seconds": N} (1 .. 10 years): the clock moves N
 * seconds forward, for the whole server (sessions, tokens, device signatures, director
 * metadata, the rollout engine), and stays there. */
static void selftest_clock(struct medfwd_request *req, struct medfwd_response *resp)
{
	struct medfwd_server *srv = req->server;

	if (req->json != NULL) {
		json_t *n = json_object_get(req->json, "advance_seconds");

		if (!json_is_integer(n) || json_integer_value(n) < 1 ||
		    json_integer_value(n) > 10 * 366 * 86400LL || json_object_size(req->json) != 1) {
			medfwd_respond_error(resp, 400, "invalid", "advance_seconds",
					     "{\"advance_seconds\": 1..316224000} only");
			return;
		}
		atomic_fetch_add(&test_clock_offset, (int_fast64_t)json_integer_value(n));
		medfw_log(srv->ctx, MEDFW_LOG_WARNING, "selftest.clock",
			  "the test clock moved %lld s forward", (long long)json_integer_value(n));
	}
	medfwd_respond_json(resp, 200, json_pack("{s:I, s:I}", "now",
						 (json_int_t)medfw_ctx_now(srv->ctx), "offset",
						 (json_int_t)atomic_load(&test_clock_offset)));
}

const struct medfwd_route medfwd_routes_selftest[] = {
	{"GET", "/api/v1/selftest/clock", selftest_clock, MEDFWD_AUTH_NONE, MEDFWD_BODY_NONE,
	 "selftest.clock.get"},
	{"POST", "/api/v1/selftest/clock", selftest_clock, MEDFWD_AUTH_NONE, MEDFWD_BODY_JSON,
	 "selftest.clock.advance"},
	{"POST", "/api/v1/selftest/echo", selftest_echo, MEDFWD_AUTH_NONE, MEDFWD_BODY_JSON,
	 "selftest.echo"},
	{"GET", "/api/v1/selftest/private", selftest_echo, MEDFWD_AUTH_TOKEN, MEDFWD_BODY_NONE,
	 "selftest.private"},
	{0},
};
