/* Staged rollouts, the decisions (docs/rollouts.md): the wave plan, the selection, how a
 * device's reported update events move its place in a rollout, when a wave succeeds,
 * soaks and opens the next, when errors pause the rollout, and which human actions each
 * state allows (the two-person rule among them).
 *
 * Everything here is pure: no store, no clock of its own (`now` is an argument, from the
 * server's clock interface), so the unit tests run days of soak time in microseconds.
 * The server's engine (src/server/handlers/rollout_engine.c) reads the store, asks these
 * functions, and writes what they decided.
 */
#ifndef MEDFW_ROLLOUT_H
#define MEDFW_ROLLOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "medfw/error.h"
#include "medfw/store_rollout.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MEDFW_ROLLOUT_WAVES_MAX 16
#define MEDFW_ROLLOUT_WAVE_NAME_MAX 32
#define MEDFW_ROLLOUT_SOAK_MAX (30 * 86400) /* seconds */
#define MEDFW_ROLLOUT_REASON_MAX 512

/* One wave. Its size is `count` devices, or (count 0) `percent`: the share of the
 * whole selection reached by the end of this wave (cumulative, so 1, 10, 50, 100). */
struct medfw_rollout_wave_spec {
	char name[MEDFW_ROLLOUT_WAVE_NAME_MAX + 1];
	uint32_t count;             /* devices; 0: use percent */
	uint32_t percent;           /* 1..100, cumulative; 0: use count */
	uint32_t success_threshold; /* % of the wave committed before the soak starts, 1..100 */
	uint32_t error_threshold;   /* % failed or rolled back that pauses, 0..100
				     * (0: the first error pauses) */
	int64_t soak;               /* seconds after the success threshold, 0..SOAK_MAX */
};

struct medfw_rollout_plan {
	struct medfw_rollout_wave_spec waves[MEDFW_ROLLOUT_WAVES_MAX];
	size_t wave_count;
};

/* Parse the `waves` array strictly:
 *   [{"name": "canary", "count": 10, "success_threshold": 90, "error_threshold": 20,
 *     "soak_seconds": 3600}, {"name": "all", "percent": 100, ...}]
 * 1..MEDFW_ROLLOUT_WAVES_MAX waves; names 1..32 of [A-Za-z0-9 ._-], unique; exactly one
 * of count (1..1000000) and percent (1..100); percents non-decreasing; the last wave
 * is "percent": 100 (it takes every device left, late joiners included).
 * Errors (MEDFW_ERR_FIELD_*) name the field: "waves[1].percent: ...". */
enum medfw_err medfw_rollout_plan_from_json(const json_t *waves, struct medfw_rollout_plan *out,
					    struct medfw_diag *diag) MEDFW_WARN_UNUSED;
json_t *medfw_rollout_plan_to_json(const struct medfw_rollout_plan *plan);

/* How many of `total` selected devices each wave gets (sizes[0..wave_count-1], summing
 * to total). A percent wave ends at ceil(total * percent / 100) devices overall, and
 * gets at least one device while any is left. */
void medfw_rollout_wave_sizes(const struct medfw_rollout_plan *plan, uint64_t total,
			      uint64_t *sizes);

/* The order devices are put into waves: ascending by this key, SHA-256 of the rollout
 * id and the device id (big-endian), first 8 bytes. Spreads the canary over ids
 * (and so over sites and enrolment dates) and is reproducible for an audit. */
uint64_t medfw_rollout_rank(int64_t rollout_id, int64_t device_id);

/* One device's place in the order a rollout puts devices into waves. */
struct medfw_rollout_slot {
	int64_t device_id;
	size_t index; /* the caller's (where its own data about the device is); kept as given */
	uint64_t rank; /* set by medfw_rollout_split: medfw_rollout_rank(rollout_id, device_id) */
	size_t wave;   /* set by medfw_rollout_split: 0-based */
};

/* Put `n` devices into the waves of `plan` as rollout `rollout_id` does when it first
 * takes in its selection (the engine, rollback campaigns, the preview): rank each
 * device, order the slots ascending by (rank, device_id), then the first sizes[0]
 * slots are wave 0, the next sizes[1] wave 1, and so on, with the sizes of
 * medfw_rollout_wave_sizes(plan, n). slots[] is reordered in place; out_sizes (NULL or
 * MEDFW_ROLLOUT_WAVES_MAX entries) gets the sizes. A plan without waves puts every
 * slot into wave 0. */
void medfw_rollout_split(const struct medfw_rollout_plan *plan, int64_t rollout_id,
			 struct medfw_rollout_slot *slots, size_t n, uint64_t *out_sizes);

/* The selection, parsed strictly from
 *   {"sites": [1, 2], "models": ["InfuPump 3"], "hardware_ids": [...],
 *    "firmware_versions": [...], "departments": [...], "network_zones": [...],
 *    "tags": [...], "devices": [17, 42]}
 * every key optional, at least one present and non-empty; each list 1..256 values
 * without duplicates; strings 1..128 bytes of valid UTF-8 without control characters
 * (tags: 1..64 of [A-Za-z0-9._:-]); ids positive. `view` points into the object. */
struct medfw_rollout_selector {
	int64_t site_ids[MEDFW_STORE_SELECTOR_LIST_MAX];
	int64_t device_ids[MEDFW_STORE_SELECTOR_LIST_MAX];
	const char *strings[6][MEDFW_STORE_SELECTOR_LIST_MAX]; /* borrowed from the json_t */
	struct medfw_store_selector view;
};
enum medfw_err medfw_rollout_selector_from_json(const json_t *selector,
						struct medfw_rollout_selector *out,
						struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* A member's next state after the device's newest update event. `event_is_ours` is
 * true when the event names the rollout's target and arrived after the member's
 * assignment. Final states (committed, failed, rolled back, removed) never change;
 * events about other targets change nothing; otherwise offered -> scheduled,
 * deferred -> deferred, downloading/verified -> downloading, installed/rebooting ->
 * installed, committed -> committed, rolled_back -> rolled_back, failed -> failed. */
enum medfw_store_rollout_device_state
medfw_rollout_member_next(enum medfw_store_rollout_device_state current,
			  enum medfw_store_update_event event, bool event_is_ours);
/* committed, failed, rolled back, removed. */
bool medfw_rollout_member_final(enum medfw_store_rollout_device_state s);

/* Members of one wave by state (index: enum medfw_store_rollout_device_state). */
struct medfw_rollout_wave_counts {
	uint64_t by_state[MEDFW_RD_STATE_COUNT];
};
/* What one wave has reached. */
struct medfw_rollout_wave_progress {
	int64_t opened_at;  /* 0: not opened */
	int64_t success_at; /* 0: threshold not met yet */
	uint64_t errors_acknowledged; /* errors people accepted by resuming (pause again only
				       * on a new one) */
};

enum medfw_rollout_action {
	MEDFW_ROLLOUT_WAIT = 0,      /* nothing to do now */
	MEDFW_ROLLOUT_SUCCEEDED = 1, /* mark waves[wave].success_at = now, then evaluate again */
	MEDFW_ROLLOUT_OPEN = 2,      /* open wave `wave` */
	MEDFW_ROLLOUT_PAUSE = 3,     /* an error threshold was reached: pause, say `reason` */
	MEDFW_ROLLOUT_COMPLETE = 4,  /* the last wave soaked and every member is final */
};
struct medfw_rollout_decision {
	enum medfw_rollout_action action;
	size_t wave;
	char reason[MEDFW_ROLLOUT_REASON_MAX];
};

/* Decide for a running rollout whose newest opened wave is `current` (0-based;
 * progress[0..current] opened). Errors are checked first, in every opened wave: a
 * wave with more errors than people acknowledged by resuming it, and errors * 100 >=
 * error_threshold * members, pauses (members: the wave's members not removed). Then the current wave: committed * 100 >=
 * success_threshold * members (an empty wave succeeds) sets success_at; soak seconds
 * after it the next wave opens, or, after the last, the rollout completes once every
 * member of every wave is final. */
void medfw_rollout_evaluate(const struct medfw_rollout_plan *plan,
			    const struct medfw_rollout_wave_counts *counts,
			    const struct medfw_rollout_wave_progress *progress, size_t current,
			    int64_t now, struct medfw_rollout_decision *out);

/* Human actions on a rollout, and the rules they follow. */
enum medfw_rollout_verb {
	MEDFW_ROLLOUT_APPROVE = 1,
	MEDFW_ROLLOUT_PAUSE_BY_HAND = 2,
	MEDFW_ROLLOUT_RESUME = 3,
	MEDFW_ROLLOUT_CANCEL = 4,
};
/* "approve", "pause", "resume", "cancel". */
const char *medfw_rollout_verb_name(enum medfw_rollout_verb v);

/* Whether `actor_id` may do `verb` on a rollout in `state` created by `author_id`
 * (may_approve: the actor holds an approving role). MEDFW_OK and *out_state the
 * state afterwards, or MEDFW_ERR_STATE (not in this state: "only a paused rollout can
 * be resumed") / MEDFW_ERR_PERMISSION (the two-person rule: "the author of a rollout
 * cannot approve it"; no approving role) with the reason in diag. */
enum medfw_err medfw_rollout_check_action(enum medfw_rollout_verb verb,
					  enum medfw_store_rollout_state state, int64_t author_id,
					  int64_t actor_id, bool may_approve, int64_t start_at,
					  int64_t now, enum medfw_store_rollout_state *out_state,
					  struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* Time for `fraction_percent` of `total` members to be done: the done time of the
 * ceil(total * fraction / 100)-th member (done_times ascending) minus started_at;
 * -1 while fewer are done. */
int64_t medfw_rollout_time_to(const int64_t *done_times, size_t done_count, uint64_t total,
			      unsigned fraction_percent, int64_t started_at);

#ifdef __cplusplus
}
#endif
#endif
