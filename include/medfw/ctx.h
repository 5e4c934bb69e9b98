/* The library context: the front end's handle for everything process-wide.
 *
 * libmedfw has no mutable globals. The clock and the log sink are reached through a
 * struct medfw_ctx owned by the front end, so tests can set the time (expiry,
 * maintenance windows) without sleeping and the library never prints by itself.
 * Randomness always comes from OpenSSL's RAND_bytes (medfw_random_bytes in crypto.h).
 */
#ifndef MEDFW_CTX_H
#define MEDFW_CTX_H

#include <stdint.h>

#include "medfw/error.h"

#ifdef __cplusplus
extern "C" {
#endif

enum medfw_log_level {
	MEDFW_LOG_DEBUG = 0,
	MEDFW_LOG_INFO = 1,
	MEDFW_LOG_WARNING = 2,
	MEDFW_LOG_ERROR = 3,
};

/* Seconds since the Unix epoch, UTC. */
typedef int64_t (*medfw_clock_fn)(void *user);

/* A structured log record. `event` is a stable dotted type ("tuf.verify.ok",
 * "key.use"), `msg` a human sentence. Neither ever contains secret material. */
typedef void (*medfw_log_fn)(void *user, enum medfw_log_level level, const char *event,
			     const char *msg);

struct medfw_ctx;

/* A context using the system clock (time(2)) and no log sink. Freed by
 * medfw_ctx_free. Returns NULL only when out of memory. */
struct medfw_ctx *medfw_ctx_new(void);
void medfw_ctx_free(struct medfw_ctx *ctx);

/* Replace the clock; fn NULL restores the system clock. */
void medfw_ctx_set_clock(struct medfw_ctx *ctx, medfw_clock_fn fn, void *user);
int64_t medfw_ctx_now(const struct medfw_ctx *ctx);

/* Install the log sink; fn NULL drops records. min_level filters. */
void medfw_ctx_set_log(struct medfw_ctx *ctx, medfw_log_fn fn, void *user,
		       enum medfw_log_level min_level);

/* Emit a log record through the context (no-op without a sink or ctx NULL). */
void medfw_log(const struct medfw_ctx *ctx, enum medfw_log_level level, const char *event,
	       const char *fmt, ...) MEDFW_PRINTF(4, 5);

#ifdef __cplusplus
}
#endif
#endif
