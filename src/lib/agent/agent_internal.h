/* Internal to the agent engine (src/lib/agent). */
#ifndef MEDFW_AGENT_INTERNAL_H
#define MEDFW_AGENT_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "medfw/agent.h"
#include "medfw/crypto.h"
#include "medfw/device_client.h"
#include "medfw/director.h"
#include "medfw/slot.h"

#define AGENT_STATE_FORMAT 1
#define AGENT_STATE_MAX (256u * 1024u)
#define AGENT_TARGET_MAX 1024
#define AGENT_VERSION_MAX 64
#define AGENT_REASON_MAX 511
#define AGENT_OUTBOX_MAX 256 /* queued events kept across restarts */
#define AGENT_ROOT_MAX (512u * 1024u)
#define AGENT_DIRECTOR_META_MAX (64u * 1024u)

/* Phases of an update, saved BEFORE the step they name is taken. */
enum agent_phase {
	PHASE_NONE = 0,
	PHASE_WRITING,      /* the target slot is unbootable and being written */
	PHASE_INSTALLED,    /* the slot holds the verified image; the flip is next */
	PHASE_REBOOTING,    /* the flip happened (or is happening); the reboot is next */
	PHASE_COMMITTING,   /* running the new slot, health checks passed: commit is next */
	PHASE_ROLLING_BACK, /* the new slot was made unbootable; reboot into the old one */
};

struct agent_slot_info {
	bool valid;
	char target[AGENT_TARGET_MAX + 1];
	char version[AGENT_VERSION_MAX + 1];
	char sha256[65];
	uint64_t length;
	uint64_t security_version;
};

struct agent_update {
	enum agent_phase phase;
	char source[8]; /* "server", "bundle", "manual" */
	enum medfw_slot_id from, to;
	struct agent_slot_info image; /* what goes into `to` */
	bool rollback_supported;
	char reason[AGENT_REASON_MAX + 1]; /* why a rollback happens */
	char check[65];
};

struct agent_state {
	int64_t device_id; /* 0: not enrolled */
	uint64_t min_security_version;
	struct medfw_director_trusted director;
	int64_t director_version_seen; /* from the last check-in */
	struct agent_slot_info slots[MEDFW_SLOT_COUNT];
	struct agent_update upd;
	uint64_t event_seq;
	json_t *outbox;              /* array of event objects not yet accepted */
	char last_report[AGENT_TARGET_MAX + 96]; /* the last deferral/failure reported */
};

struct medfw_agent {
	struct medfw_ctx *ctx;
	const struct medfw_agent_config *cfg;
	struct agent_state st;
	struct medfw_slot_backend *slots;
	struct medfw_devclient *client;
	struct medfw_privkey *key;
	int lock_fd;
	int64_t next_checkin; /* the server's next_checkin_seconds, 0: not told */
	char state_path[4096];
	char key_path[4096];
	char director_root_path[4096];
	char image_meta_dir[4096];
	char status_path[4096];
};

/* state.c */
void agent_state_init(struct agent_state *st);
void agent_state_free(struct agent_state *st);
enum medfw_err agent_state_load(const char *path, struct agent_state *st,
				struct medfw_diag *diag);
/* What a slot holds, as the state file and `status` show it (JSON null when unknown). */
json_t *agent_slot_json(const struct agent_slot_info *s);
/* The state as the JSON object the file holds (new reference, NULL when out of memory). */
json_t *agent_state_json(const struct agent_state *st);
/* Strict parse of a state file's bytes; st is changed only on success. */
enum medfw_err agent_state_parse(const uint8_t *data, size_t len, struct agent_state *st,
				 struct medfw_diag *diag);
enum medfw_err agent_state_save(const char *path, const struct agent_state *st,
				struct medfw_diag *diag);
const char *agent_phase_name(enum agent_phase p);
/* Queue an event ({"seq","time","type",...}); fields may be NULL / -1. */
enum medfw_err agent_event(struct medfw_agent *a, const char *type, const char *reason,
			   const char *check, int64_t bytes, int64_t total);
enum medfw_err agent_save(struct medfw_agent *a, struct medfw_diag *diag);
void agent_flush_quietly(struct medfw_agent *a);

/* exec.c */
struct agent_exec_result {
	int exit_status;   /* 0..255, or -1 killed / did not run */
	bool timed_out;
	char output[1024]; /* stdout+stderr, first bytes, control characters replaced */
};
enum medfw_err agent_exec(const char *path, char *const envp[], uint64_t timeout_seconds,
			  struct agent_exec_result *out, struct medfw_diag *diag);
/* Is the device in clinical use? true also when it cannot be told (fail safe). */
bool agent_in_clinical_use(struct medfw_agent *a, char *why, size_t why_cap);
/* Run the health checks (a program, or every executable in a directory, in name
 * order). MEDFW_ERR_HEALTH_CHECK naming the check that failed. */
enum medfw_err agent_health_check(struct medfw_agent *a, struct medfw_diag *diag);
enum medfw_err agent_reboot(struct medfw_agent *a, struct medfw_diag *diag);

/* fault.c: die (SIGKILL) at a named point when MEDFW_AGENT_FAULT names it. */
void agent_fault(const char *point);
/* Die now, as a power cut would stop the agent. */
void agent_die(void) __attribute__((noreturn));
/* The byte offset of a "point@N" fault, or UINT64_MAX. */
uint64_t agent_fault_offset(const char *point);

/* install.c */
struct agent_writer;
enum medfw_err agent_writer_open(struct medfw_agent *a, enum medfw_slot_id slot,
				 uint64_t length, const json_t *hashes, bool decompress,
				 struct agent_writer **out, struct medfw_diag *diag);
enum medfw_err agent_writer_write(struct agent_writer *w, const void *data, size_t len,
				  struct medfw_diag *diag);
/* Flush, close and check length and every hash. Frees w. */
enum medfw_err agent_writer_finish(struct agent_writer *w, struct medfw_diag *diag);
void agent_writer_abort(struct agent_writer *w);

/* The steps after the image is in the slot. */
enum medfw_err agent_after_install(struct medfw_agent *a, bool reboot,
				   enum medfw_agent_outcome *out, struct medfw_diag *diag);
/* Finish what the last run left (called first by every command). */
enum medfw_err agent_resume(struct medfw_agent *a, enum medfw_agent_outcome *out,
			    struct medfw_diag *diag);
enum medfw_err agent_write_status(struct medfw_agent *a, const char *status,
				  const json_t *notice, const char *reason, int64_t bytes,
				  int64_t total);
/* Report once per distinct (kind, detail, image of the update in progress): a deferral
 * repeated every cycle is one event. True the first time (and remembers it). */
bool agent_first_report(struct medfw_agent *a, const char *kind, const char *detail);
/* Remember that the update in progress was rolled back or cancelled, so the same
 * instruction (image and director targets version) is not installed again in a loop;
 * a new assignment (a new targets version) tries again. */
void agent_remember_refused(struct medfw_agent *a);
void agent_diag_to_reason(const struct medfw_diag *diag, enum medfw_err err, char *reason,
			  size_t cap, char *check, size_t check_cap);

#endif
