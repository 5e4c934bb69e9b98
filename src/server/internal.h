/* medfwd internals shared by the core files of src/server (not by handlers, which
 * use server.h only). */
#ifndef MEDFWD_INTERNAL_H
#define MEDFWD_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

#include "medfw/config.h"
#include "server.h"

/* ---- configuration (config.c): one table, parsed once into this struct ---- */

enum medfwd_log_format { MEDFWD_LOG_JSON = 0, MEDFWD_LOG_TEXT = 1 };

struct medfwd_config {
	char *listen_address;
	uint64_t listen_port;
	char *data_dir;
	char *tls_cert;
	char *tls_key;
	char *web_dir;
	uint64_t threads;
	uint64_t connection_limit;
	uint64_t per_ip_connection_limit;
	uint64_t request_timeout;
	uint64_t shutdown_timeout;
	uint64_t max_body_bytes;
	uint64_t max_target_bytes;
	uint64_t max_json_depth;
	unsigned log_format;
	unsigned log_level;
	uint64_t device_clock_skew;
	uint64_t device_session_lifetime;
	uint64_t session_lifetime;
	uint64_t session_idle_timeout;
	char *device_statement_keys;
	uint64_t rollout_tick;
	uint64_t vuln_eval_delay;
	uint64_t vuln_exposure_interval;
};

extern const struct medfw_config_option medfwd_config_options[];
extern const size_t medfwd_config_option_count;

/* Parse and cross-check (tls_cert/tls_key together, TLS support). */
enum medfw_err medfwd_config_load(const char *path, struct medfwd_config *out,
				  struct medfw_diag *diag);
void medfwd_config_free(struct medfwd_config *cfg);
/* The options as Markdown (docs/server.md's reference section) and as roff. */
void medfwd_config_print_markdown(FILE *out);
void medfwd_config_print_roff(FILE *out);
/* The default of an option as shown in docs ("(required)", "(none)", or the text). */
const char *medfwd_config_default_text(const struct medfw_config_option *opt);

/* ---- logging (log.c): one line per record on stderr ---- */

struct medfwd_log {
	enum medfwd_log_format format;
	enum medfw_log_level min_level;
	pthread_mutex_t lock;
};

void medfwd_log_init(struct medfwd_log *log, enum medfwd_log_format format,
		     enum medfw_log_level min_level);
void medfwd_log_destroy(struct medfwd_log *log);
/* Emit `fields` (an object, reference taken) with time/level/event prepended. */
void medfwd_log_record(struct medfwd_log *log, enum medfw_log_level level, const char *event,
		       json_t *fields);
/* The medfw_ctx sink: library records become {"event": ..., "msg": ...}. */
void medfwd_log_ctx_sink(void *user, enum medfw_log_level level, const char *event,
			 const char *msg);

/* ---- metrics (metrics.c) ---- */

#define MEDFWD_METRIC_BUCKETS 14

struct medfwd_route_stats {
	uint64_t buckets[MEDFWD_METRIC_BUCKETS]; /* cumulative at exposition only */
	uint64_t count;
	double sum;
};

struct medfwd_counter {
	unsigned route, method, status;
	uint64_t value;
};

#define MEDFWD_MAX_COUNTERS 1024

struct medfwd_metrics {
	pthread_mutex_t lock;
	size_t n_routes;              /* names[] entries: routes then pseudo-routes */
	const char **route_names;
	struct medfwd_route_stats *stats;
	struct medfwd_counter counters[MEDFWD_MAX_COUNTERS];
	size_t n_counters;
	uint64_t dropped;             /* observations past MEDFWD_MAX_COUNTERS */
	atomic_uint_fast64_t in_flight;
	int64_t start_time;
	struct {
		medfwd_metrics_fn fn;
		void *user;
	} collectors[MEDFWD_MAX_METRIC_COLLECTORS];
	size_t n_collectors;
};

int medfwd_metrics_init(struct medfwd_metrics *m, const char **route_names, size_t n_routes,
			int64_t start_time);
void medfwd_metrics_destroy(struct medfwd_metrics *m);
unsigned medfwd_method_index(const char *method);
void medfwd_metrics_observe(struct medfwd_metrics *m, size_t route, const char *method,
			    unsigned status, double seconds);
enum medfw_err medfwd_metrics_render(struct medfwd_metrics *m, struct medfw_buf *out);

/* ---- router (router.c) ---- */

#define MEDFWD_MAX_PARAMS 8
#define MEDFWD_MAX_SEGMENTS 32
#define MEDFWD_MAX_URL 8192

struct medfwd_router {
	const struct medfwd_route **routes;
	size_t n_routes;
};

/* The route tables of routes.c (NULL-terminated list of {0}-terminated tables). */
extern const struct medfwd_route *const medfwd_route_tables[];
extern const struct medfwd_route medfwd_routes_core[];
extern const struct medfwd_route medfwd_routes_selftest[];
/* With --enable-test-routes: the context's clock becomes the system clock plus an offset
 * that POST /api/v1/selftest/clock moves forward (tests only). */
void medfwd_test_clock_install(struct medfw_ctx *ctx);

/* Collect and validate every route (pattern syntax, duplicates). */
enum medfw_err medfwd_router_build(struct medfwd_router *r, int with_selftest,
				   struct medfw_diag *diag);
void medfwd_router_free(struct medfwd_router *r);

struct medfwd_match {
	size_t route;                 /* index into routes when found */
	size_t n_params;
	const char *param_names[MEDFWD_MAX_PARAMS]; /* borrowed from the pattern (name only) */
	size_t param_name_lens[MEDFWD_MAX_PARAMS];
	char *param_values[MEDFWD_MAX_PARAMS];      /* owned */
};

enum medfwd_match_result {
	MEDFWD_MATCH_FOUND = 0,
	MEDFWD_MATCH_NO_PATH = 1,     /* 404 */
	MEDFWD_MATCH_NO_METHOD = 2,   /* 405; allow holds "GET, HEAD" */
};

/* `segments` are the decoded path segments. */
enum medfwd_match_result medfwd_router_match(const struct medfwd_router *r, const char *method,
					     char *const *segments, size_t n_segments,
					     struct medfwd_match *out, char *allow,
					     size_t allow_cap);
void medfwd_match_free(struct medfwd_match *m);

/* Percent-decode `len` bytes (plus_is_space for queries). Fails (returns NULL) on a
 * bad escape, %00, a control character or invalid UTF-8. The result is malloc()ed. */
char *medfwd_percent_decode(const char *s, size_t len, int plus_is_space);

/* ---- the server (http.c) ---- */

struct medfwd_server {
	struct medfwd_config *cfg;
	struct medfw_ctx *ctx;
	struct medfwd_log *log;
	struct medfwd_router router;
	struct medfwd_metrics metrics;
	void *daemon;                 /* struct MHD_Daemon */
	int listen_fd;
	unsigned port;
	int tls;
	medfwd_auth_fn auth_fn;
	void *auth_user;
	void *app;
	int64_t start_time;
	atomic_int accepting;
	struct medfw_buf tls_cert_pem, tls_key_pem;
};

enum medfw_err medfwd_server_init(struct medfwd_server *srv, struct medfwd_config *cfg,
				  struct medfw_ctx *ctx, struct medfwd_log *log,
				  int with_selftest, struct medfw_diag *diag);
enum medfw_err medfwd_server_start(struct medfwd_server *srv, struct medfw_diag *diag);
/* Stop accepting, wait up to the configured shutdown_timeout for in-flight requests,
 * stop. Returns the number of requests still in flight when it gave up. */
uint64_t medfwd_server_stop(struct medfwd_server *srv);
void medfwd_server_free(struct medfwd_server *srv);

/* ---- data directory (datadir.c) ---- */

/* Create data_dir 0700 if missing, take the lock file (data_dir/medfwd.pid) and write
 * our pid into it. *out_fd stays open (and locked) until exit. */
enum medfw_err medfwd_datadir_open(const char *data_dir, int *out_fd, struct medfw_diag *diag);

#endif
