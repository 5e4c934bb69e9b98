/* Structured logs: one record per line on standard error, JSON or text.
 * Records never contain request bodies or credential header values; callers pass
 * only the fields they mean to log. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

static const char *const level_names[] = {"debug", "info", "warning", "error"};

void medfwd_log_init(struct medfwd_log *log, enum medfwd_log_format format,
		     enum medfw_log_level min_level)
{
	log->format = format;
	log->min_level = min_level;
	pthread_mutex_init(&log->lock, NULL);
}

void medfwd_log_destroy(struct medfwd_log *log)
{
	if (log != NULL)
		pthread_mutex_destroy(&log->lock);
}

static void now_text(char *out, size_t cap)
{
	struct timespec ts;
	struct tm tm;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(out, cap, "%04u-%02u-%02uT%02u:%02u:%02u.%03uZ",
		 (unsigned)(tm.tm_year + 1900) % 10000u, (unsigned)(tm.tm_mon + 1) % 100u,
		 (unsigned)tm.tm_mday % 100u, (unsigned)tm.tm_hour % 100u,
		 (unsigned)tm.tm_min % 100u, (unsigned)tm.tm_sec % 100u,
		 (unsigned)(ts.tv_nsec / 1000000L) % 1000u);
}

/* key=value pairs, values quoted (JSON string escaping) when not plain. */
static void append_text(struct medfw_buf *line, json_t *fields)
{
	const char *key;
	json_t *value;

	json_object_foreach(fields, key, value) {
		char *enc = json_dumps(value, JSON_ENCODE_ANY | JSON_COMPACT | JSON_REAL_PRECISION(6));

		if (enc == NULL)
			continue;
		if (json_is_string(value) &&
		    strspn(json_string_value(value),
			   "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-/:") ==
			    strlen(json_string_value(value)) &&
		    json_string_length(value) > 0)
			(void)medfw_buf_printf(line, " %s=%s", key, json_string_value(value));
		else
			(void)medfw_buf_printf(line, " %s=%s", key, enc);
		free(enc);
	}
}

void medfwd_log_record(struct medfwd_log *log, enum medfw_log_level level, const char *event,
		       json_t *fields)
{
	struct medfw_buf line;
	char when[40];
	json_t *rec = NULL;
	char *enc = NULL;
	unsigned lv = (unsigned)level <= MEDFW_LOG_ERROR ? (unsigned)level : MEDFW_LOG_ERROR;

	if (fields == NULL)
		fields = json_object();
	if (log == NULL || level < log->min_level || fields == NULL)
		goto out;
	now_text(when, sizeof(when));
	medfw_buf_init(&line, 64 * 1024);
	if (log->format == MEDFWD_LOG_TEXT) {
		(void)medfw_buf_printf(&line, "%s %s %s", when, level_names[lv], event);
		append_text(&line, fields);
	} else {
		rec = json_pack("{s:s,s:s,s:s}", "time", when, "level", level_names[lv], "event",
				event);
		if (rec == NULL || json_object_update_missing(rec, fields) != 0)
			goto out_buf;
		enc = json_dumps(rec, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
		if (enc == NULL)
			goto out_buf;
		(void)medfw_buf_append_str(&line, enc);
	}
	if (medfw_buf_append(&line, "\n", 1) == MEDFW_OK) {
		pthread_mutex_lock(&log->lock);
		(void)!write(STDERR_FILENO, line.data, line.len);
		pthread_mutex_unlock(&log->lock);
	}
out_buf:
	medfw_buf_free(&line);
out:
	free(enc);
	json_decref(rec);
	json_decref(fields);
}

void medfwd_log_ctx_sink(void *user, enum medfw_log_level level, const char *event,
			 const char *msg)
{
	medfwd_log_record(user, level, event != NULL ? event : "lib",
			  json_pack("{s:s}", "msg", msg != NULL ? msg : ""));
}
