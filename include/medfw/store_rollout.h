/* The fleet server's storage for staged rollouts (docs/rollouts.md): rollouts, their
 * waves and member devices, rollout-owned director assignments, maintenance windows
 * and blackout dates per site and department, and device tags for selections.
 *
 * Same rules as medfw/store.h: fixed-size strings, every tenant read takes a site
 * scope, writes that belong together run in one transaction. The rollout engine
 * (src/server/handlers/rollout_engine.c) decides; this layer only stores.
 */
#ifndef MEDFW_STORE_ROLLOUT_H
#define MEDFW_STORE_ROLLOUT_H

#include <stddef.h>
#include <stdint.h>

#include "medfw/store.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MEDFW_STORE_ROLLOUT_JSON_MAX 16384  /* selector, waves, the release notice */
#define MEDFW_STORE_ROLLOUT_REASON_MAX 1024 /* why paused / cancelled (bytes, UTF-8) */
#define MEDFW_STORE_SELECTOR_LIST_MAX 256   /* values of one selector key */
#define MEDFW_STORE_WINDOW_RULES_MAX 64     /* maintenance-window rules of one site */
#define MEDFW_STORE_BLACKOUTS_MAX 256       /* blackout dates of one site */

/* ---------------------------------------------------------------- rollouts */

enum medfw_store_rollout_state {
	MEDFW_ROLLOUT_AWAITING_APPROVAL = 1,
	MEDFW_ROLLOUT_SCHEDULED = 2, /* approved, start date not reached */
	MEDFW_ROLLOUT_RUNNING = 3,
	MEDFW_ROLLOUT_PAUSED = 4,
	MEDFW_ROLLOUT_COMPLETED = 5,
	MEDFW_ROLLOUT_CANCELLED = 6,
};
/* "awaiting_approval", "scheduled", "running", "paused", "completed", "cancelled". */
const char *medfw_store_rollout_state_name(enum medfw_store_rollout_state s);
enum medfw_err medfw_store_rollout_state_parse(const char *name,
					       enum medfw_store_rollout_state *out);

enum medfw_store_rollout_kind {
	MEDFW_ROLLOUT_KIND_UPDATE = 1,
	MEDFW_ROLLOUT_KIND_ROLLBACK = 2, /* a rollback campaign: rollback_of names the rollout */
};
/* "update", "rollback". */
const char *medfw_store_rollout_kind_name(enum medfw_store_rollout_kind k);

struct medfw_store_rollout {
	int64_t id;      /* set by create */
	int64_t site_id; /* 0: may span sites (manufacturer-wide staff only) */
	char name[MEDFW_STORE_NAME_MAX + 1];
	enum medfw_store_rollout_kind kind;
	int64_t rollback_of; /* 0 unless kind is ROLLBACK */
	/* The signed target, copied from the image repository when the rollout was made. */
	char target_name[MEDFW_STORE_TARGET_NAME_MAX + 1];
	int64_t target_length;
	char target_hashes[MEDFW_STORE_JSON_MAX + 1]; /* JSON object text */
	char target_sha256[MEDFW_STORE_SHORT_MAX + 1]; /* lowercase hex */
	char target_version[MEDFW_STORE_SHORT_MAX + 1];
	int64_t security_version;
	char notice[MEDFW_STORE_ROLLOUT_JSON_MAX + 1];   /* release notice JSON text */
	char selector[MEDFW_STORE_ROLLOUT_JSON_MAX + 1]; /* JSON text (docs/rollouts.md) */
	char waves[MEDFW_STORE_ROLLOUT_JSON_MAX + 1];    /* JSON text */
	int64_t start_at; /* 0: as soon as approved */
	enum medfw_store_rollout_state state;
	char state_reason[MEDFW_STORE_ROLLOUT_REASON_MAX + 1]; /* "" none */
	int64_t current_wave; /* index of the newest opened wave; -1 before the first */
	int64_t created_by;   /* user id */
	int64_t created_at;   /* set by create */
	int64_t approved_by;  /* 0: not yet */
	int64_t approved_at;
	int64_t started_at;  /* 0: not yet */
	int64_t finished_at; /* completed or cancelled; 0: not yet */
	int64_t updated_at;
};

/* Create (state must be AWAITING_APPROVAL; current_wave -1). Sets id, created_at,
 * updated_at. */
enum medfw_err medfw_store_rollout_create(struct medfw_store *store,
					  struct medfw_store_rollout *rollout,
					  struct medfw_diag *diag) MEDFW_WARN_UNUSED;
/* The id the next medfw_store_rollout_create gets if no other rollout is made first,
 * read without writing: SQLite gives an INTEGER PRIMARY KEY without AUTOINCREMENT the
 * largest id so far plus one (1 in an empty table). MEDFW_ERR_NOT_FOUND when it cannot
 * be known: the largest id is INT64_MAX (SQLite then picks an unused id at random) or
 * negative (create never makes one). *out_id is 0 on failure. For the rollout preview. */
enum medfw_err medfw_store_rollout_next_id(struct medfw_store *store, int64_t *out_id,
					   struct medfw_diag *diag) MEDFW_WARN_UNUSED;
/* A site scope sees only rollouts of its site. Unknown or out of scope:
 * MEDFW_ERR_NOT_FOUND. */
enum medfw_err medfw_store_rollout_get(struct medfw_store *store, struct medfw_store_scope scope,
				       int64_t id, struct medfw_store_rollout *out,
				       struct medfw_diag *diag) MEDFW_WARN_UNUSED;
/* Newest first. state 0: any. out holds cap rollouts (they are large: allocate). */
enum medfw_err medfw_store_rollout_list(struct medfw_store *store, struct medfw_store_scope scope,
					enum medfw_store_rollout_state state, int64_t offset,
					struct medfw_store_rollout *out, size_t cap,
					size_t *out_count, int64_t *out_total,
					struct medfw_diag *diag) MEDFW_WARN_UNUSED;
/* Ids of rollouts in the given states (at most cap, oldest first): the engine's work
 * list. No scope: the engine acts for every site. */
enum medfw_err medfw_store_rollout_ids(struct medfw_store *store,
				       const enum medfw_store_rollout_state *states,
				       size_t state_count, int64_t *out, size_t cap,
				       size_t *out_count, struct medfw_diag *diag) MEDFW_WARN_UNUSED;
/* Write the mutable fields (state, state_reason, current_wave, approved_by,
 * approved_at, started_at, finished_at, updated_at) when the stored state still is
 * `expect` (compare and set); otherwise MEDFW_ERR_STATE and nothing changes. */
enum medfw_err medfw_store_rollout_save(struct medfw_store *store,
					const struct medfw_store_rollout *rollout,
					enum medfw_store_rollout_state expect,
					struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* Per-wave times. A wave has a row once opened. */
struct medfw_store_rollout_wave {
	int64_t index;
	int64_t opened_at;
	int64_t success_at; /* when its success threshold was first met; 0: not yet */
	/* Failed + rolled back when people resumed the rollout after a pause: those
	 * errors were seen and accepted; only new ones pause it again. */
	int64_t errors_acknowledged;
};
/* Insert or replace the row of wave->index. */
enum medfw_err medfw_store_rollout_wave_put(struct medfw_store *store, int64_t rollout_id,
					    const struct medfw_store_rollout_wave *wave,
					    struct medfw_diag *diag) MEDFW_WARN_UNUSED;
/* By index ascending. */
enum medfw_err medfw_store_rollout_wave_list(struct medfw_store *store, int64_t rollout_id,
					     struct medfw_store_rollout_wave *out, size_t cap,
					     size_t *out_count,
					     struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* ---------------------------------------------------------------- member devices */

enum medfw_store_rollout_device_state {
	MEDFW_RD_PENDING = 1,     /* waits for its wave, a window or the approval */
	MEDFW_RD_SCHEDULED = 2,   /* assigned, with an install window */
	MEDFW_RD_DEFERRED = 3,    /* the device put it off (clinical use, window) */
	MEDFW_RD_DOWNLOADING = 4, /* downloading or verified */
	MEDFW_RD_INSTALLED = 5,   /* installed / rebooting, not yet committed */
	MEDFW_RD_COMMITTED = 6,   /* runs the release (or did already) */
	MEDFW_RD_FAILED = 7,
	MEDFW_RD_ROLLED_BACK = 8,
	MEDFW_RD_REMOVED = 9,     /* left the selection, revoked or deleted before installing */
};
#define MEDFW_RD_STATE_COUNT 10 /* values 0..9, for tables indexed by the enum */
/* "pending", "scheduled", "deferred", "downloading", "installed", "committed", "failed",
 * "rolled_back", "removed". */
const char *medfw_store_rollout_device_state_name(enum medfw_store_rollout_device_state s);
enum medfw_err medfw_store_rollout_device_state_parse(const char *name,
						      enum medfw_store_rollout_device_state *out);

struct medfw_store_rollout_device {
	int64_t rollout_id;
	int64_t device_id;
	int64_t wave;
	enum medfw_store_rollout_device_state state;
	char reason[MEDFW_STORE_UPDATE_REASON_MAX + 1]; /* "" none */
	char from_version[MEDFW_STORE_SHORT_MAX + 1];   /* firmware when it joined */
	char from_image_sha256[MEDFW_STORE_SHORT_MAX + 1];
	int64_t joined_at;
	int64_t assigned_at; /* 0: no assignment of this rollout now */
	int64_t window_start;
	int64_t window_end;
	int64_t updated_at;
	int64_t done_at; /* committed, failed or rolled back; 0: not yet */
	/* Read-only, joined from the device record by list (ignored by join/update). */
	int64_t site_id;
	char serial[MEDFW_STORE_SHORT_MAX + 1];
	char department[MEDFW_STORE_NAME_MAX + 1];
	char hardware_id[MEDFW_STORE_NAME_MAX + 1];
	char firmware_version[MEDFW_STORE_SHORT_MAX + 1];
	char image_sha256[MEDFW_STORE_SHORT_MAX + 1];
	enum medfw_store_enrolment_state enrolment_state;
	enum medfw_store_clinical_state clinical_state;
	int64_t last_seen;
	enum medfw_store_update_event update_state;
	char update_target[MEDFW_STORE_UPDATE_TARGET_MAX + 1];
	char update_reason[MEDFW_STORE_UPDATE_REASON_MAX + 1];
	int64_t update_at;
};

/* Add devices to a rollout in one transaction; a device already a member is left as
 * it is (not an error). *out_added (may be NULL) counts the new members. */
enum medfw_err medfw_store_rollout_devices_join(struct medfw_store *store, int64_t rollout_id,
						const struct medfw_store_rollout_device *devices,
						size_t count, size_t *out_added,
						struct medfw_diag *diag) MEDFW_WARN_UNUSED;

struct medfw_store_rollout_device_filter {
	enum medfw_store_rollout_device_state state; /* 0: any */
	int64_t wave;                                /* -1: any */
	/* Keyset paging for walks over every member (the engine): by device_id only,
	 * those after after_device_id; offset must be 0 and *out_total is not computed
	 * (0). A walk of N members then costs N rows, not N^2 / page. */
	int by_device;
	int64_t after_device_id;
};
/* Members with the device fields joined, by (wave, device_id) (or by device_id with
 * by_device). A site scope sees only its site's devices. */
enum medfw_err medfw_store_rollout_devices_list(
	struct medfw_store *store, struct medfw_store_scope scope, int64_t rollout_id,
	const struct medfw_store_rollout_device_filter *filter, int64_t offset,
	struct medfw_store_rollout_device *out, size_t cap, size_t *out_count, int64_t *out_total,
	struct medfw_diag *diag) MEDFW_WARN_UNUSED;
/* Write wave, state, reason, assigned_at, window_start, window_end, updated_at and
 * done_at of each listed member, in one transaction. */
enum medfw_err medfw_store_rollout_devices_update(struct medfw_store *store, int64_t rollout_id,
						  const struct medfw_store_rollout_device *devices,
						  size_t count,
						  struct medfw_diag *diag) MEDFW_WARN_UNUSED;
/* Members per (wave, state): counts[wave * MEDFW_RD_STATE_COUNT + state] for waves
 * 0..wave_count-1 (members of higher waves are not counted). */
enum medfw_err medfw_store_rollout_devices_count(struct medfw_store *store,
						 struct medfw_store_scope scope,
						 int64_t rollout_id, size_t wave_count,
						 int64_t *counts,
						 struct medfw_diag *diag) MEDFW_WARN_UNUSED;
/* The done_at times of the members in `state`, ascending (for time to 50 % / 95 %). */
enum medfw_err medfw_store_rollout_done_times(struct medfw_store *store, int64_t rollout_id,
					      enum medfw_store_rollout_device_state state,
					      int64_t *out, size_t cap, size_t *out_count,
					      struct medfw_diag *diag) MEDFW_WARN_UNUSED;
/* The rollout a device is an unfinished member of: the rollout is awaiting approval,
 * scheduled, running or paused, and the member is not committed, failed, rolled back
 * or removed. None: *out_rollout_id = 0. */
enum medfw_err medfw_store_rollout_of_device(struct medfw_store *store, int64_t device_id,
					     int64_t *out_rollout_id,
					     struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* ---------------------------------------------------------------- selection */

/* Which devices a rollout targets. Each list is optional (count 0: no condition);
 * a device matches when it matches every non-empty list (any value within a list).
 * Strings compare exactly; tags match when the device has the tag. Only enrolled
 * devices are selected. */
struct medfw_store_selector {
	const int64_t *site_ids;
	size_t site_count;
	const char *const *models;
	size_t model_count;
	const char *const *hardware_ids;
	size_t hardware_id_count;
	const char *const *firmware_versions;
	size_t firmware_version_count;
	const char *const *departments;
	size_t department_count;
	const char *const *network_zones;
	size_t network_zone_count;
	const char *const *tags;
	size_t tag_count;
	const int64_t *device_ids;
	size_t device_id_count;
};

struct medfw_store_candidate {
	int64_t device_id;
	int64_t site_id;
	char department[MEDFW_STORE_NAME_MAX + 1];
	char hardware_id[MEDFW_STORE_NAME_MAX + 1];
	char firmware_version[MEDFW_STORE_SHORT_MAX + 1];
	char image_sha256[MEDFW_STORE_SHORT_MAX + 1];
	int64_t other_rollout; /* the unfinished rollout (other than the one asked for)
				* the device is a member of; 0: none */
};
/* Enrolled devices in scope matching the selector that are not members of
 * `rollout_id` yet, by device id, after `after_id` (paging: at most cap, continue
 * with the last device_id returned). Each list at most MEDFW_STORE_SELECTOR_LIST_MAX
 * values, else MEDFW_ERR_TOO_LARGE. */
enum medfw_err medfw_store_rollout_candidates(struct medfw_store *store,
					      struct medfw_store_scope scope,
					      const struct medfw_store_selector *selector,
					      int64_t rollout_id, int64_t after_id,
					      struct medfw_store_candidate *out, size_t cap,
					      size_t *out_count,
					      struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* ---------------------------------------------------------------- assignments in bulk */

/* Set the assignments (each replacing the device's), owned by rollout_id, bumping each
 * device's director version, in one transaction. */
enum medfw_err medfw_store_assignments_set_many(struct medfw_store *store, int64_t rollout_id,
						const struct medfw_store_assignment *assignments,
						size_t count,
						struct medfw_diag *diag) MEDFW_WARN_UNUSED;
/* Clear the listed devices' assignments when rollout_id owns them (others are left
 * alone), bumping the version of each one cleared. *out_cleared may be NULL. */
enum medfw_err medfw_store_assignments_clear_many(struct medfw_store *store, int64_t rollout_id,
						  const int64_t *device_ids, size_t count,
						  size_t *out_cleared,
						  struct medfw_diag *diag) MEDFW_WARN_UNUSED;
/* The rollout owning the device's assignment (0: none, or set by hand). */
enum medfw_err medfw_store_assignment_owner(struct medfw_store *store, int64_t device_id,
					    int64_t *out_rollout_id,
					    struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* ---------------------------------------------------------------- maintenance windows */

struct medfw_store_window_rule {
	char department[MEDFW_STORE_NAME_MAX + 1]; /* "" the whole site */
	char rule[MEDFW_STORE_JSON_MAX + 1];       /* JSON text (medfw/window.h) */
};
struct medfw_store_blackout {
	char department[MEDFW_STORE_NAME_MAX + 1]; /* "" the whole site */
	int64_t from_day;                          /* local dates, days since 1970-01-01 */
	int64_t to_day;
	char reason[MEDFW_STORE_NAME_MAX + 1];
};
/* The site's rules and blackouts (in the order stored). Out of scope: NOT_FOUND. */
enum medfw_err medfw_store_windows_get(struct medfw_store *store, struct medfw_store_scope scope,
				       int64_t site_id, struct medfw_store_window_rule *rules,
				       size_t rule_cap, size_t *out_rule_count,
				       struct medfw_store_blackout *blackouts, size_t blackout_cap,
				       size_t *out_blackout_count,
				       struct medfw_diag *diag) MEDFW_WARN_UNUSED;
/* Replace them all in one transaction (at most MEDFW_STORE_WINDOW_RULES_MAX rules and
 * MEDFW_STORE_BLACKOUTS_MAX blackouts). */
enum medfw_err medfw_store_windows_replace(struct medfw_store *store,
					   struct medfw_store_scope scope, int64_t site_id,
					   const struct medfw_store_window_rule *rules,
					   size_t rule_count,
					   const struct medfw_store_blackout *blackouts,
					   size_t blackout_count,
					   struct medfw_diag *diag) MEDFW_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif
