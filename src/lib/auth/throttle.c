/* Login lockout policy (pure functions over the stored per-account state) and the
 * per-address token-bucket rate limiter (a fixed-size, mutex-protected table). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "medfw/auth.h"
#include "medfw/crypto.h"

/* ---- lockout ---- */

enum medfw_login_decision medfw_login_check(const struct medfw_login_state *state,
					    int64_t now, int64_t *out_retry_after)
{
	int64_t left;

	if (out_retry_after != NULL)
		*out_retry_after = 0;
	if (state == NULL) { /* fail closed */
		if (out_retry_after != NULL)
			*out_retry_after = MEDFW_LOGIN_LOCK_BASE_S;
		return MEDFW_LOGIN_LOCKED;
	}
	if (now >= state->locked_until)
		return MEDFW_LOGIN_ALLOW;
	left = state->locked_until - now; /* > 0; no overflow unless now is absurd */
	if (out_retry_after != NULL)
		*out_retry_after = left;
	return MEDFW_LOGIN_LOCKED;
}

int64_t medfw_login_lock_duration(uint32_t failed_logins)
{
	uint32_t doublings;
	int64_t d;

	if (failed_logins < MEDFW_LOGIN_FREE_FAILURES)
		return 0;
	doublings = failed_logins - MEDFW_LOGIN_FREE_FAILURES;
	d = MEDFW_LOGIN_LOCK_BASE_S;
	while (doublings-- > 0 && d < MEDFW_LOGIN_LOCK_MAX_S)
		d *= 2;
	return d < MEDFW_LOGIN_LOCK_MAX_S ? d : MEDFW_LOGIN_LOCK_MAX_S;
}

void medfw_login_record_failure(const struct medfw_login_state *state, int64_t now,
				struct medfw_login_state *out)
{
	struct medfw_login_state next = {0, 0};

	if (out == NULL)
		return;
	if (state != NULL)
		next = *state;
	if (next.failed_logins < UINT32_MAX)
		next.failed_logins++;
	if (next.failed_logins >= MEDFW_LOGIN_FREE_FAILURES) {
		int64_t d = medfw_login_lock_duration(next.failed_logins);

		next.locked_until = now <= INT64_MAX - d ? now + d : INT64_MAX;
	}
	*out = next;
}

void medfw_login_record_success(struct medfw_login_state *out)
{
	if (out == NULL)
		return;
	out->failed_logins = 0;
	out->locked_until = 0;
}

/* ---- rate limiter ---- */

#define WAYS 8u
#define UNITS_PER_REQUEST 60u /* a bucket counts 1/60 requests: refill/min is units/s */
#define ID_LEN 16u
#define KEY_MAX 256u

struct rl_entry {
	uint8_t id[ID_LEN];     /* first bytes of HMAC(table key, address) */
	int64_t refilled_at;    /* time units was last brought up to date */
	int64_t last_used;      /* for LRU eviction */
	uint64_t units;
	int in_use;
};

struct medfw_ratelimit {
	pthread_mutex_t lock;
	uint8_t key[MEDFW_HMAC_SHA256_LEN];
	uint64_t burst_units;
	uint64_t refill_units_per_s;
	uint32_t nsets;
	struct rl_entry *entries; /* nsets * WAYS */
};

enum medfw_err medfw_ratelimit_new(const struct medfw_ratelimit_config *config,
				   struct medfw_ratelimit **out)
{
	struct medfw_ratelimit *rl = NULL;
	uint32_t entries;
	enum medfw_err err;

	if (out == NULL)
		return MEDFW_ERR_INVALID_ARG;
	*out = NULL;
	if (config == NULL || config->entries < MEDFW_RATELIMIT_MIN_ENTRIES ||
	    config->entries > MEDFW_RATELIMIT_MAX_ENTRIES || config->burst == 0 ||
	    config->burst > MEDFW_RATELIMIT_MAX_BURST || config->refill_per_minute == 0 ||
	    config->refill_per_minute > MEDFW_RATELIMIT_MAX_REFILL_PER_MIN)
		return MEDFW_ERR_INVALID_ARG;
	entries = (config->entries + WAYS - 1u) / WAYS * WAYS;
	rl = calloc(1, sizeof(*rl));
	if (rl == NULL)
		return MEDFW_ERR_NOMEM;
	rl->entries = calloc(entries, sizeof(*rl->entries));
	if (rl->entries == NULL) {
		free(rl);
		return MEDFW_ERR_NOMEM;
	}
	if (pthread_mutex_init(&rl->lock, NULL) != 0) {
		free(rl->entries);
		free(rl);
		return MEDFW_ERR_NOMEM;
	}
	rl->nsets = entries / WAYS;
	rl->burst_units = (uint64_t)config->burst * UNITS_PER_REQUEST;
	rl->refill_units_per_s = config->refill_per_minute;
	err = medfw_random_bytes(rl->key, sizeof(rl->key));
	if (err != MEDFW_OK) {
		medfw_ratelimit_free(rl);
		return err;
	}
	*out = rl;
	return MEDFW_OK;
}

void medfw_ratelimit_free(struct medfw_ratelimit *rl)
{
	if (rl == NULL)
		return;
	pthread_mutex_destroy(&rl->lock);
	medfw_wipe(rl->entries, (size_t)rl->nsets * WAYS * sizeof(*rl->entries));
	free(rl->entries);
	medfw_wipe(rl, sizeof(*rl));
	free(rl);
}

/* Bring e's bucket up to date at now. */
static void refill(const struct medfw_ratelimit *rl, struct rl_entry *e, int64_t now)
{
	uint64_t elapsed;

	if (now <= e->refilled_at)
		return; /* same second, or the clock went back: nothing to add */
	elapsed = (uint64_t)now - (uint64_t)e->refilled_at;
	e->refilled_at = now;
	/* refill >= 1 unit/s, so past burst_units seconds the bucket is full; below that
	 * the product is at most 6e7 * 6e6 and cannot overflow. */
	if (elapsed >= rl->burst_units ||
	    e->units + elapsed * rl->refill_units_per_s >= rl->burst_units)
		e->units = rl->burst_units;
	else
		e->units += elapsed * rl->refill_units_per_s;
}

static struct rl_entry *find_or_evict(struct medfw_ratelimit *rl, const uint8_t *id,
				      uint32_t set, int64_t now)
{
	struct rl_entry *ways = rl->entries + (size_t)set * WAYS;
	struct rl_entry *victim = NULL;

	for (unsigned i = 0; i < WAYS; i++)
		if (ways[i].in_use && memcmp(ways[i].id, id, ID_LEN) == 0)
			return &ways[i];
	/* A free slot, else a full bucket (forgetting it loses nothing), else the least
	 * recently used. */
	for (unsigned i = 0; i < WAYS && victim == NULL; i++)
		if (!ways[i].in_use)
			victim = &ways[i];
	for (unsigned i = 0; i < WAYS && victim == NULL; i++) {
		refill(rl, &ways[i], now);
		if (ways[i].units >= rl->burst_units)
			victim = &ways[i];
	}
	if (victim == NULL) {
		victim = &ways[0];
		for (unsigned i = 1; i < WAYS; i++)
			if (ways[i].last_used < victim->last_used)
				victim = &ways[i];
	}
	memcpy(victim->id, id, ID_LEN);
	victim->in_use = 1;
	victim->units = rl->burst_units;
	victim->refilled_at = now;
	victim->last_used = now;
	return victim;
}

int medfw_ratelimit_take(struct medfw_ratelimit *rl, const void *key, size_t key_len,
			 int64_t now, int64_t *out_retry_after)
{
	uint8_t mac[MEDFW_HMAC_SHA256_LEN];
	size_t mac_len = 0;
	uint64_t set_bits = 0;
	struct rl_entry *e;
	int allowed = 0;

	if (out_retry_after != NULL)
		*out_retry_after = 1;
	if (rl == NULL || key == NULL || key_len == 0 || key_len > KEY_MAX)
		return 0;
	if (medfw_hmac(MEDFW_MAC_HMAC_SHA256, rl->key, sizeof(rl->key), key, key_len, mac,
		       sizeof(mac), &mac_len) != MEDFW_OK)
		return 0;
	for (unsigned i = 0; i < 8; i++)
		set_bits = (set_bits << 8) | mac[ID_LEN + i];

	if (pthread_mutex_lock(&rl->lock) != 0)
		return 0;
	e = find_or_evict(rl, mac, (uint32_t)(set_bits % rl->nsets), now);
	refill(rl, e, now);
	e->last_used = now;
	if (e->units >= UNITS_PER_REQUEST) {
		e->units -= UNITS_PER_REQUEST;
		allowed = 1;
		if (out_retry_after != NULL)
			*out_retry_after = 0;
	} else if (out_retry_after != NULL) {
		uint64_t missing = UNITS_PER_REQUEST - e->units;

		*out_retry_after = (int64_t)((missing + rl->refill_units_per_s - 1u) /
					     rl->refill_units_per_s);
	}
	pthread_mutex_unlock(&rl->lock);
	medfw_wipe(mac, sizeof(mac));
	return allowed;
}
