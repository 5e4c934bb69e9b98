/* Prometheus metrics (text exposition format 0.0.4), behind one mutex.
 *
 * medfwd_http_requests_total{route,method,status} counts every answered request;
 * medfwd_http_request_duration_seconds{route} is a histogram of the time from the
 * request's headers to the handler's response. Collectors registered by handlers
 * append their own families (check-ins, devices by state) at exposition. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static const double bucket_bounds[MEDFWD_METRIC_BUCKETS - 1] = {
	0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};

static const char *const method_names[] = {"GET", "HEAD", "POST", "PUT", "PATCH",
					   "DELETE", "OPTIONS", "other"};
#define N_METHODS (sizeof(method_names) / sizeof(method_names[0]))

unsigned medfwd_method_index(const char *method)
{
	for (unsigned i = 0; i + 1 < N_METHODS; i++)
		if (method != NULL && strcmp(method, method_names[i]) == 0)
			return i;
	return (unsigned)N_METHODS - 1;
}

int medfwd_metrics_init(struct medfwd_metrics *m, const char **route_names, size_t n_routes,
			int64_t start_time)
{
	memset(m, 0, sizeof(*m));
	m->stats = calloc(n_routes, sizeof(*m->stats));
	if (m->stats == NULL)
		return -1;
	pthread_mutex_init(&m->lock, NULL);
	m->route_names = route_names;
	m->n_routes = n_routes;
	m->start_time = start_time;
	atomic_init(&m->in_flight, 0);
	return 0;
}

void medfwd_metrics_destroy(struct medfwd_metrics *m)
{
	if (m == NULL || m->stats == NULL)
		return;
	pthread_mutex_destroy(&m->lock);
	free(m->stats);
	m->stats = NULL;
}

void medfwd_metrics_observe(struct medfwd_metrics *m, size_t route, const char *method,
			    unsigned status, double seconds)
{
	unsigned mi = medfwd_method_index(method);
	size_t b = 0;

	if (route >= m->n_routes)
		return;
	while (b < MEDFWD_METRIC_BUCKETS - 1 && seconds > bucket_bounds[b])
		b++;
	pthread_mutex_lock(&m->lock);
	m->stats[route].buckets[b]++;
	m->stats[route].count++;
	m->stats[route].sum += seconds;
	for (size_t i = 0; i < m->n_counters; i++) {
		struct medfwd_counter *c = &m->counters[i];

		if (c->route == route && c->method == mi && c->status == status) {
			c->value++;
			goto out;
		}
	}
	if (m->n_counters < MEDFWD_MAX_COUNTERS)
		m->counters[m->n_counters++] =
			(struct medfwd_counter){(unsigned)route, mi, status, 1};
	else
		m->dropped++;
out:
	pthread_mutex_unlock(&m->lock);
}

enum medfw_err medfwd_metrics_render(struct medfwd_metrics *m, struct medfw_buf *out)
{
	enum medfw_err err = MEDFW_OK;

#define P(...)                                                                             \
	do {                                                                               \
		if (err == MEDFW_OK)                                                       \
			err = medfw_buf_printf(out, __VA_ARGS__);                          \
	} while (0)
	P("# HELP medfwd_build_info medfwd version.\n# TYPE medfwd_build_info gauge\n"
	  "medfwd_build_info{version=\"%s\"} 1\n", MEDFW_VERSION_STRING);
	P("# HELP process_start_time_seconds Start time of the process since the Unix epoch.\n"
	  "# TYPE process_start_time_seconds gauge\nprocess_start_time_seconds %lld\n",
	  (long long)m->start_time);
	P("# HELP medfwd_http_requests_in_flight Requests being processed.\n"
	  "# TYPE medfwd_http_requests_in_flight gauge\nmedfwd_http_requests_in_flight %llu\n",
	  (unsigned long long)atomic_load(&m->in_flight));
	pthread_mutex_lock(&m->lock);
	P("# HELP medfwd_http_requests_total HTTP requests answered.\n"
	  "# TYPE medfwd_http_requests_total counter\n");
	for (size_t i = 0; i < m->n_counters; i++) {
		const struct medfwd_counter *c = &m->counters[i];

		P("medfwd_http_requests_total{route=\"%s\",method=\"%s\",status=\"%u\"} %llu\n",
		  m->route_names[c->route], method_names[c->method], c->status,
		  (unsigned long long)c->value);
	}
	P("# HELP medfwd_metrics_dropped_total Observations not counted (too many label sets).\n"
	  "# TYPE medfwd_metrics_dropped_total counter\nmedfwd_metrics_dropped_total %llu\n",
	  (unsigned long long)m->dropped);
	P("# HELP medfwd_http_request_duration_seconds Time from request headers to the response being queued.\n"
	  "# TYPE medfwd_http_request_duration_seconds histogram\n");
	for (size_t r = 0; r < m->n_routes; r++) {
		const struct medfwd_route_stats *s = &m->stats[r];
		uint64_t cum = 0;

		for (size_t b = 0; b < MEDFWD_METRIC_BUCKETS - 1; b++) {
			cum += s->buckets[b];
			P("medfwd_http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} "
			  "%llu\n",
			  m->route_names[r], bucket_bounds[b], (unsigned long long)cum);
		}
		P("medfwd_http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} %llu\n",
		  m->route_names[r], (unsigned long long)s->count);
		P("medfwd_http_request_duration_seconds_sum{route=\"%s\"} %.6f\n",
		  m->route_names[r], s->sum);
		P("medfwd_http_request_duration_seconds_count{route=\"%s\"} %llu\n",
		  m->route_names[r], (unsigned long long)s->count);
	}
	pthread_mutex_unlock(&m->lock);
	for (size_t i = 0; i < m->n_collectors && err == MEDFW_OK; i++)
		m->collectors[i].fn(m->collectors[i].user, out);
#undef P
	return err;
}
