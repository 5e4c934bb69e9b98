/* Library context: clock and log sink. */
#include "medfw/ctx.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

struct medfw_ctx {
	medfw_clock_fn clock_fn;
	void *clock_user;
	medfw_log_fn log_fn;
	void *log_user;
	enum medfw_log_level log_min;
};

static int64_t system_clock(void *user)
{
	(void)user;
	return (int64_t)time(NULL);
}

struct medfw_ctx *medfw_ctx_new(void)
{
	struct medfw_ctx *ctx = calloc(1, sizeof(*ctx));

	if (ctx == NULL)
		return NULL;
	ctx->clock_fn = system_clock;
	ctx->log_min = MEDFW_LOG_INFO;
	return ctx;
}

void medfw_ctx_free(struct medfw_ctx *ctx)
{
	free(ctx);
}

void medfw_ctx_set_clock(struct medfw_ctx *ctx, medfw_clock_fn fn, void *user)
{
	ctx->clock_fn = fn != NULL ? fn : system_clock;
	ctx->clock_user = fn != NULL ? user : NULL;
}

int64_t medfw_ctx_now(const struct medfw_ctx *ctx)
{
	if (ctx == NULL)
		return system_clock(NULL);
	return ctx->clock_fn(ctx->clock_user);
}

void medfw_ctx_set_log(struct medfw_ctx *ctx, medfw_log_fn fn, void *user,
		       enum medfw_log_level min_level)
{
	ctx->log_fn = fn;
	ctx->log_user = user;
	ctx->log_min = min_level;
}

void medfw_log(const struct medfw_ctx *ctx, enum medfw_log_level level, const char *event,
	       const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (ctx == NULL || ctx->log_fn == NULL || level < ctx->log_min)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ctx->log_fn(ctx->log_user, level, event, msg);
}
