/* Counters: each worker thread has its own struct sim_stats (no locks, no atomics on
 * the hot path); the run adds them up at the end. Check-in latency goes into a
 * log-linear histogram: 16 exact buckets below 16 us, then 16 buckets per power of two
 * (at most 1/16 = 6.25 % bucket width). */
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include "sim.h"

static const char *const event_names[SIM_EV_COUNT] = {
	"offered",   "deferred",    "downloading", "verified", "installed",
	"rebooting", "committed",   "rolled_back", "failed",
};

const char *sim_event_name(enum sim_event_type t)
{
	return (unsigned)t < SIM_EV_COUNT ? event_names[t] : "unknown";
}

static unsigned bucket_of(uint64_t us)
{
	unsigned e = 0, b;

	if (us < 16)
		return (unsigned)us;
	for (uint64_t v = us; v > 1; v >>= 1)
		e++; /* floor(log2(us)), >= 4 */
	b = 16 + (e - 4) * 16 + (unsigned)((us >> (e - 4)) & 15);
	return b < SIM_HIST_BUCKETS ? b : SIM_HIST_BUCKETS - 1;
}

/* The middle of a bucket, in microseconds. */
static double bucket_value(unsigned b)
{
	unsigned e, sub;
	double lo, width;

	if (b < 16)
		return b;
	e = (b - 16) / 16 + 4;
	sub = (b - 16) % 16;
	width = (double)((uint64_t)1 << (e - 4));
	lo = (double)((uint64_t)1 << e) + sub * width;
	return lo + width / 2;
}

void sim_stats_latency(struct sim_stats *s, uint64_t us)
{
	s->latency[bucket_of(us)]++;
	if (us > s->latency_max_us)
		s->latency_max_us = us;
}

void sim_stats_http(struct sim_stats *s, int status)
{
	if (status < 0 || status >= (int)SIM_HTTP_STATUS_MAX)
		status = 0;
	s->http[status]++;
}

void sim_stats_add(struct sim_stats *into, const struct sim_stats *from)
{
	into->checkins_ok += from->checkins_ok;
	into->checkins_failed += from->checkins_failed;
	into->cycles += from->cycles;
	into->offline_periods += from->offline_periods;
	into->director_fetches += from->director_fetches;
	into->director_errors += from->director_errors;
	into->downloads += from->downloads;
	into->download_failures += from->download_failures;
	into->download_bytes += from->download_bytes;
	for (unsigned i = 0; i < SIM_EV_COUNT; i++)
		into->events[i] += from->events[i];
	into->events_sent += from->events_sent;
	into->events_duplicates += from->events_duplicates;
	into->events_dropped += from->events_dropped;
	for (unsigned i = 0; i < SIM_HTTP_STATUS_MAX; i++)
		into->http[i] += from->http[i];
	for (unsigned i = 0; i < SIM_HIST_BUCKETS; i++)
		into->latency[i] += from->latency[i];
	if (from->latency_max_us > into->latency_max_us)
		into->latency_max_us = from->latency_max_us;
}

static double percentile_ms(const struct sim_stats *s, double p)
{
	uint64_t total = 0, want, seen = 0;

	for (unsigned i = 0; i < SIM_HIST_BUCKETS; i++)
		total += s->latency[i];
	if (total == 0)
		return 0;
	want = (uint64_t)(p * (double)total + 0.5);
	if (want < 1)
		want = 1;
	for (unsigned i = 0; i < SIM_HIST_BUCKETS; i++) {
		seen += s->latency[i];
		if (seen >= want) {
			double v = bucket_value(i);

			if (v > (double)s->latency_max_us)
				v = (double)s->latency_max_us;
			return v / 1000.0;
		}
	}
	return (double)s->latency_max_us / 1000.0;
}

static double round3(double v)
{
	return (double)(int64_t)(v * 1000.0 + 0.5) / 1000.0;
}

json_t *sim_stats_json(const struct sim_stats *s, size_t devices, double seconds)
{
	json_t *o, *events, *http;
	struct rusage ru;
	double cpu = 0;
	long max_rss_kib = 0;

	events = json_object();
	http = json_object();
	for (unsigned i = 0; events != NULL && i < SIM_EV_COUNT; i++)
		json_object_set_new(events, event_names[i], json_integer((json_int_t)s->events[i]));
	for (unsigned i = 0; http != NULL && i < SIM_HTTP_STATUS_MAX; i++)
		if (s->http[i] > 0) {
			char key[16];

			if (i == 0)
				snprintf(key, sizeof(key), "no_answer");
			else
				snprintf(key, sizeof(key), "%u", i);
			json_object_set_new(http, key, json_integer((json_int_t)s->http[i]));
		}
	if (getrusage(RUSAGE_SELF, &ru) == 0) {
		cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
		      (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
		max_rss_kib = ru.ru_maxrss;
	}
	o = json_object();
	if (o == NULL || events == NULL || http == NULL) {
		json_decref(o);
		json_decref(events);
		json_decref(http);
		return NULL;
	}
#define SET_INT(name, v) json_object_set_new(o, name, json_integer((json_int_t)(v)))
#define SET_REAL(name, v) json_object_set_new(o, name, json_real(round3(v)))
	SET_INT("devices", devices);
	SET_REAL("seconds", seconds);
	SET_INT("checkins_ok", s->checkins_ok);
	SET_INT("checkins_failed", s->checkins_failed);
	SET_REAL("checkins_per_second", seconds > 0 ? (double)s->checkins_ok / seconds : 0.0);
	json_object_set_new(o, "checkin_latency_ms",
			    json_pack("{s:f, s:f, s:f}", "p50", round3(percentile_ms(s, 0.50)),
				      "p99", round3(percentile_ms(s, 0.99)), "max",
				      round3((double)s->latency_max_us / 1000.0)));
	SET_INT("cycles", s->cycles);
	SET_INT("offline_periods", s->offline_periods);
	SET_INT("director_fetches", s->director_fetches);
	SET_INT("director_errors", s->director_errors);
	SET_INT("downloads", s->downloads);
	SET_INT("download_failures", s->download_failures);
	SET_INT("download_bytes", s->download_bytes);
	json_object_set_new(o, "events", events);
	SET_INT("offered", s->events[SIM_EV_OFFERED]);
	SET_INT("deferred", s->events[SIM_EV_DEFERRED]);
	SET_INT("committed", s->events[SIM_EV_COMMITTED]);
	SET_INT("rolled_back", s->events[SIM_EV_ROLLED_BACK]);
	SET_INT("failed", s->events[SIM_EV_FAILED]);
	SET_INT("events_sent", s->events_sent);
	SET_INT("events_duplicates", s->events_duplicates);
	SET_INT("events_dropped", s->events_dropped);
	json_object_set_new(o, "http_errors", http);
	SET_REAL("cpu_seconds", cpu);
	SET_INT("max_rss_kib", max_rss_kib);
#undef SET_INT
#undef SET_REAL
	return o;
}
