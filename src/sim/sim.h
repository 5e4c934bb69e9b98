/* medfw-sim, the fleet simulator: internal declarations shared by the files of src/sim.
 *
 *   main.c        the command line: option table (= --help and the man page), parsing
 *   prng.c        splitmix64 / xoshiro256** for simulation choices (NOT for security)
 *   fleet.c       the fleet file (devices, their private keys, what a next run needs),
 *                 interned strings, firmware and targets
 *   enroll.c      `enroll`: CSV import, enrolment tokens, key pairs, real enrolment
 *   run.c         `run`: the schedule (a min-heap by next check-in), worker threads,
 *                 clean stop, the fleet file and statistics at the end
 *   cycle.c       one device's cycle: check-in, director metadata, Uptane check,
 *                 deferral, download, simulated reboot / health check, events
 *   image_repo.c  the image repository's TUF client shared by the process, and the
 *                 director root
 *   stats.c       counters per thread, latency histogram, the --stats JSON
 * docs/sim.md describes the behaviour; docs/man/medfw-sim.1 is `medfw-sim --man`. */
#ifndef MEDFW_SIM_H
#define MEDFW_SIM_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "medfw/buf.h"
#include "medfw/crypto.h"
#include "medfw/ctx.h"
#include "medfw/device_client.h"
#include "medfw/director.h"
#include "medfw/error.h"
#include "medfw/tuf.h"
#include "medfw/tuf_client.h"
#include "sim_devclient.h"

#define SIM_EXIT_OK 0
#define SIM_EXIT_FAIL 1
#define SIM_EXIT_USAGE 2

#define SIM_STRING_MAX 128u        /* model, hardware id, department, serial (the server's) */
#define SIM_ZONE_MAX 64u           /* network zone (the server's) */
#define SIM_VERSION_MAX 64u        /* firmware version */
#define SIM_DEVICES_MAX 10000000u  /* devices in one fleet file */
#define SIM_THREADS_MAX 1024u
#define SIM_RATE_ONE 1000000u      /* rates are kept in millionths */
#define SIM_OUTBOX_MAX 256u        /* queued events per device, as the agent */
#define SIM_EVENTS_PER_REQUEST 100u
#define SIM_DIRECTOR_META_MAX (256u * 1024u)
#define SIM_ROOT_MAX (512u * 1024u)

/* ---- prng.c: simulation choices only, never for anything secret ---- */

uint64_t sim_splitmix64(uint64_t *state);
/* A uniform number in [0, n) (n >= 1) from a splitmix64 stream. */
uint64_t sim_uniform(uint64_t *state, uint64_t n);
/* True with probability ppm / SIM_RATE_ONE. */
bool sim_chance(uint64_t *state, uint32_t ppm);

struct sim_xoshiro {
	uint64_t s[4];
};
void sim_xoshiro_seed(struct sim_xoshiro *x, uint64_t seed);
uint64_t sim_xoshiro_next(struct sim_xoshiro *x);

/* ---- fleet.c ---- */

/* A firmware a device can run: its version string and image SHA-256 (64 lowercase hex,
 * "" when unknown). Interned: compare pointers or fields. */
struct sim_firmware {
	const char *version;
	char sha256[65];
};

/* An image the director named, as the image repository's TUF client found it (or, for
 * an update interrupted by the end of the last run, as the fleet file remembers it:
 * `hashes` and `url` NULL, never downloaded). Interned, lives as long as the fleet. */
struct sim_target {
	char *name;
	int64_t length;
	json_t *hashes;                 /* the signed hashes; NULL: a stub from the fleet file */
	char *url;                      /* where to download it from; NULL for a stub */
	const struct sim_firmware *fw;  /* release notice product_version + sha256 */
	uint64_t security_version;
	char min_agent_version[SIM_VERSION_MAX + 1];
	struct sim_target *next;
};

enum sim_phase {
	SIM_PHASE_NONE = 0,
	SIM_PHASE_REBOOTING = 1, /* installed and switched: the next cycle is the new boot */
};

/* What was reported for the current instruction (reset when its version changes). */
#define SIM_REP_OFFERED 0x01u
#define SIM_REP_DEFER_WINDOW 0x02u
#define SIM_REP_DEFER_CLINICAL 0x04u
#define SIM_REP_REFUSED 0x08u /* rolled back or refused: not installed again until reassigned */
#define SIM_REP_ALL 0x0fu

enum sim_event_type {
	SIM_EV_OFFERED = 0,
	SIM_EV_DEFERRED,
	SIM_EV_DOWNLOADING,
	SIM_EV_VERIFIED,
	SIM_EV_INSTALLED,
	SIM_EV_REBOOTING,
	SIM_EV_COMMITTED,
	SIM_EV_ROLLED_BACK,
	SIM_EV_FAILED,
	SIM_EV_COUNT
};
const char *sim_event_name(enum sim_event_type t);

struct sim_event {
	uint64_t seq;
	int64_t time;
	const struct sim_target *target; /* NULL: none */
	char *reason;                    /* owned, NULL: none */
	const char *check;               /* static (an error name), NULL: none */
	int64_t bytes, total;            /* -1: none */
	uint8_t type;
	uint8_t slot;                    /* 0 A, 1 B */
};

/* Grows by doubling up to SIM_OUTBOX_MAX; freed when empty. */
struct sim_outbox {
	uint32_t n, cap;
	struct sim_event ev[];
};

/* One simulated device: a few hundred bytes plus its key. */
struct sim_device {
	int64_t id;
	int64_t site_id;
	char *serial;
	const char *model, *hardware_id, *department, *network_zone; /* interned; dept/zone may be NULL */
	uint8_t seed[MEDFW_ED25519_RAW_LEN]; /* the private key (wiped at the end) */
	struct medfw_privkey *key;           /* made from seed at its first cycle */
	uint64_t event_seq;                  /* last event number used */
	const struct sim_firmware *fw;       /* running now */
	uint64_t min_security_version;
	struct medfw_director_trusted dir;   /* director versions accepted (rollback check) */
	int64_t dv_seen;                     /* director_version last acted on */
	int64_t fail_dv;                     /* director_version of the last reported failure */
	int64_t ins_tv;                      /* targets version of the current instruction */
	struct sim_target *ins_target;       /* its target, NULL: none */
	int64_t win_start, win_end;
	uint64_t rng;                        /* this device's splitmix64 stream */
	struct sim_outbox *outbox;           /* queued events, NULL: none */
	struct medfw_sim_session *session;   /* --sessions */
	uint8_t rep;                         /* SIM_REP_* */
	uint8_t fail_code;                   /* enum medfw_err of the last reported failure */
	uint8_t phase;                       /* enum sim_phase */
	uint8_t slot;                        /* the running slot, 0 A, 1 B */
};

struct sim_fleet {
	char *path;
	int lock_fd;
	struct sim_device *dev;
	size_t n, cap;
	pthread_mutex_t mu; /* the tables below */
	char **strings;
	size_t n_strings, cap_strings;
	struct sim_firmware **firmware;
	size_t n_firmware, cap_firmware;
	struct sim_target *targets;
};

/* Open (and lock: FLEET.lock) the fleet file; load it when it exists. With `create`, a
 * missing file is fine (enroll creates it); without, it must exist. A fleet file whose
 * mode lets group or others read it is refused (it holds private keys). */
enum medfw_err sim_fleet_open(const char *path, bool create, struct sim_fleet **out,
			      struct medfw_diag *diag);
void sim_fleet_free(struct sim_fleet *f);
/* Interned copies (NULL in, NULL out). */
enum medfw_err sim_fleet_string(struct sim_fleet *f, const char *s, const char **out);
enum medfw_err sim_fleet_firmware(struct sim_fleet *f, const char *version, const char *sha256,
				  const struct sim_firmware **out);
/* Append devices [from, to) to the file (created 0600 with its header when missing),
 * fsynced. */
enum medfw_err sim_fleet_append(struct sim_fleet *f, size_t from, size_t to,
				struct medfw_diag *diag);
/* Rewrite the whole file atomically (temporary file, fsync, rename). */
enum medfw_err sim_fleet_save(struct sim_fleet *f, struct medfw_diag *diag);
/* A new device slot at the end of f->dev (zeroed), or NULL when out of memory / full. */
struct sim_device *sim_fleet_add(struct sim_fleet *f);
/* The Ed25519 private key of a device from its seed. */
enum medfw_err sim_key_from_seed(const uint8_t seed[MEDFW_ED25519_RAW_LEN],
				 struct medfw_privkey **out, struct medfw_diag *diag);
/* A target found by the image repository's client (interned by name and sha256). */
enum medfw_err sim_fleet_target(struct sim_fleet *f, const struct medfw_tuf_target *t,
				const char *url, struct sim_target **out, struct medfw_diag *diag);

/* ---- stats.c ---- */

#define SIM_HIST_BUCKETS 640u
#define SIM_HTTP_STATUS_MAX 600u

struct sim_stats {
	uint64_t checkins_ok, checkins_failed;
	uint64_t cycles, offline_periods;
	uint64_t director_fetches, director_errors;
	uint64_t downloads, download_failures, download_bytes;
	uint64_t events[SIM_EV_COUNT];
	uint64_t events_sent, events_duplicates, events_dropped;
	uint64_t http[SIM_HTTP_STATUS_MAX]; /* [0]: no answer (connection, timeout) */
	uint64_t latency[SIM_HIST_BUCKETS]; /* check-in latency, microseconds, log-linear */
	uint64_t latency_max_us;
};

void sim_stats_latency(struct sim_stats *s, uint64_t us);
void sim_stats_http(struct sim_stats *s, int status);
void sim_stats_add(struct sim_stats *into, const struct sim_stats *from);
/* The --stats document (new reference). */
json_t *sim_stats_json(const struct sim_stats *s, size_t devices, double seconds);

/* ---- image_repo.c ---- */

struct sim_image_snapshot;
struct sim_image_repo;

/* The image repository's TUF client, shared: metadata kept in meta_dir (made 0700,
 * root.json copied from image_root when missing). The client is made anew (and
 * refreshed) when the served timestamp.json changes, checked at most every few
 * seconds, at once when a target is not found, and at least every ten minutes. */
enum medfw_err sim_image_repo_new(struct medfw_ctx *ctx, const struct medfw_devclient_config *dc,
				  const char *meta_dir, const char *image_root,
				  struct sim_fleet *fleet, struct sim_image_repo **out,
				  struct medfw_diag *diag);
void sim_image_repo_free(struct sim_image_repo *r);

/* For medfw_director_verify_lookup: the image repository's signed description of
 * `path`; *snap receives a reference (released with sim_image_release, also on
 * failure when set) that keeps *out valid. */
enum medfw_err sim_image_lookup(struct sim_image_repo *r, const char *path,
				struct sim_image_snapshot **snap,
				const struct medfw_tuf_target **out, struct medfw_diag *diag);
/* Intern a target found by sim_image_lookup (snap still referenced). */
enum medfw_err sim_image_target(struct sim_image_repo *r, struct sim_image_snapshot *snap,
				const struct medfw_tuf_target *t, struct sim_target **out,
				struct medfw_diag *diag);
void sim_image_release(struct sim_image_repo *r, struct sim_image_snapshot *snap);

/* The director root all simulated devices pin (they enrolled with one server). */
struct sim_director_roots;
enum medfw_err sim_director_roots_new(struct medfw_ctx *ctx, const uint8_t *root, size_t len,
				      struct sim_director_roots **out, struct medfw_diag *diag);
void sim_director_roots_free(struct sim_director_roots *d);
/* The newest root (borrowed: valid until sim_director_roots_free). */
void sim_director_root(struct sim_director_roots *d, const uint8_t **data, size_t *len);
/* At most every ten minutes, one thread at a time: follow the root chain
 * (N+1.root.json ... until 404) with the client's device identity. */
void sim_director_roots_refresh(struct sim_director_roots *d, struct medfw_devclient *c,
				struct sim_stats *stats);

/* ---- run.c / cycle.c ---- */

struct sim_run_options {
	const char *server_url, *ca_file, *fleet_path, *image_root, *director_root_file;
	const char *api_token_file, *stats_path, *slots_dir;
	uint64_t interval, jitter, threads, duration, offline_seconds, reboot_seconds, seed;
	int64_t only_site;      /* 0: all */
	uint32_t health_fail_ppm, download_fail_ppm, clinical_use_ppm, offline_ppm;
	bool sessions, verbose;
};

struct sim_run;
struct sim_pool;

struct sim_worker {
	struct sim_run *run;
	pthread_t thread;
	unsigned index;
	struct medfw_devclient *client;
	struct sim_stats stats;
};

struct sim_run {
	const struct sim_run_options *opt;
	struct medfw_ctx *ctx;
	struct sim_fleet *fleet;
	struct sim_image_repo *images;
	struct sim_director_roots *director;
	struct medfw_devclient_config dc;
	char agent_version[SIM_VERSION_MAX + 1];
	struct sim_pool *pool; /* run.c */
};

/* One cycle of device d on worker w; *next_ms: milliseconds until its next one. */
void sim_cycle(struct sim_worker *w, struct sim_device *d, int64_t *next_ms);
/* Send the device's queued events (batches of 100). false when some stay queued. */
bool sim_flush_events(struct sim_worker *w, struct sim_device *d);
/* Use the worker's client for device d (identity, made from its seed at first use, and
 * its session with --sessions). false when its key cannot be made (logged). */
bool sim_use_device(struct sim_worker *w, struct sim_device *d);
/* Keep device d's session after its requests (--sessions). */
void sim_keep_session(struct sim_worker *w, struct sim_device *d);
void sim_outbox_free(struct sim_outbox *o);

struct sim_enroll_options {
	const char *server_url, *ca_file, *api_token_file, *fleet_path;
	const char *model, *hardware_id, *department, *network_zone, *serial_prefix;
	const char *firmware_version, *image_sha256;
	int64_t site_id;
	uint64_t count, threads;
	bool verbose;
};

int sim_cmd_enroll(const struct sim_enroll_options *opt);
int sim_cmd_run(const struct sim_run_options *opt);

/* main.c: read a one-line secret file (token); exit status on failure, 0 on success. */
int sim_read_secret_file(const char *path, char *out, size_t cap);
int64_t sim_monotonic_ms(void);
void sim_log_stderr(void *user, enum medfw_log_level level, const char *event, const char *msg);

#endif
