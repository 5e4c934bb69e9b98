/* A/B slots and boot state: the interface between the agent and the device's
 * bootloader (docs/agent-backends.md says how an integrator wires a new backend).
 *
 * A device has two slots, "A" and "B", each holding one complete firmware image (a
 * file or a block device). Which slot the bootloader starts is decided by a small boot
 * state with U-Boot bootcount semantics, the same scheme RAUC's U-Boot integration
 * uses:
 *
 *   boot_order  the slots in the order the bootloader tries them ("A B" or "B A");
 *   left[s]     tries left for slot s: the bootloader boots the first slot in
 *               boot_order whose tries left is > 0, decrementing it first; a slot
 *               with 0 tries left is never booted;
 *   last_good   the slot last committed as good (what a device falls back to).
 *
 * The agent changes the boot state only through these operations, in this order for
 * an update from slot X to slot Y (every step one atomic write of the whole state):
 *
 *   1. medfw_slot_set_unbootable(Y)  left[Y] = 0 before a byte of Y is written, so a
 *                                    half-written slot is never booted;
 *   2. write and verify Y (medfw_slot_open_write / write / finish);
 *   3. medfw_slot_set_trial(Y, n)    boot_order = "Y X", left[Y] = n (n >= 1), left[X]
 *                                    stays: after n failed boots the bootloader falls
 *                                    back to X;
 *   4. reboot; the bootloader decrements left[Y] and boots Y;
 *   5. medfw_slot_mark_good(Y)       health checks passed: left[Y] = MEDFW_SLOT_TRIES,
 *                                    last_good = Y; or
 *      medfw_slot_set_unbootable(Y)  health checks failed: boot_order = "X Y",
 *                                    left[Y] = 0, and reboot into X.
 *
 * set_unbootable always sets boot_order = "other(slot) slot" (in step 1 it usually is
 * already). A transition that would leave no slot with tries left is refused
 * (MEDFW_ERR_STATE) and nothing is written. Because every boot decrements the running
 * slot's tries (bootcount semantics), the agent marks the running slot good on every
 * boot whose health checks pass, not only after an update.
 *
 * Backends (each a struct medfwi_slot_ops, src/lib/slot/slot_internal.h; all keep the
 * same variables):
 *   file   slots are files or block devices; the boot state is a small text file
 *          written atomically (tmp + fsync + rename + fsync dir):
 *              BOOT_ORDER=A B
 *              BOOT_A_LEFT=3
 *              BOOT_B_LEFT=0
 *              MEDFW_LAST_GOOD=A
 *          medfw_slot_simulate_boot() plays the bootloader on it (tests, simulator).
 *   uboot  the same variables in the U-Boot environment through libubootenv
 *          (fw_env.config style configuration file naming the environment device
 *          or file); the board's boot script implements the selection.
 *   grub   the same variables in a grubenv file through `grub-editenv FILE set ...`
 *          (run on a copy beside the grubenv, checked, then renamed over it: grub-editenv
 *          itself rewrites in place); the grub.cfg snippet in docs/agent-backends.md
 *          implements the selection.
 *
 * Which slot is running now is not part of the boot state: the bootloader passes it to
 * the kernel (e.g. "medfw.slot=A" on the command line). Every backend reads it from
 * `booted_slot_file`: a file whose content is a kernel command line or just "A"/"B"
 * (the file backend's simulated boot writes it).
 */
#ifndef MEDFW_SLOT_H
#define MEDFW_SLOT_H

#include <stddef.h>
#include <stdint.h>

#include "medfw/ctx.h"
#include "medfw/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MEDFW_SLOT_COUNT 2
/* Tries a slot gets on commit and at most on trial. */
#define MEDFW_SLOT_TRIES 3
/* Largest boot state file / environment value medfw reads. */
#define MEDFW_SLOT_STATE_MAX 4096u

enum medfw_slot_id {
	MEDFW_SLOT_A = 0,
	MEDFW_SLOT_B = 1,
};

/* "A" or "B". */
const char *medfw_slot_name(enum medfw_slot_id slot);
/* Parse "A"/"B" (exactly). MEDFW_ERR_FIELD_VALUE otherwise. */
enum medfw_err medfw_slot_parse(const char *s, enum medfw_slot_id *out) MEDFW_WARN_UNUSED;
/* The other slot. */
enum medfw_slot_id medfw_slot_other(enum medfw_slot_id slot);

struct medfw_boot_state {
	enum medfw_slot_id order[MEDFW_SLOT_COUNT]; /* order[0] is tried first; distinct */
	unsigned left[MEDFW_SLOT_COUNT];            /* 0..MEDFW_SLOT_TRIES */
	enum medfw_slot_id last_good;
};

/* The state of a new device that runs slot A: order "A B", left A = MEDFW_SLOT_TRIES,
 * left B = 0, last_good A. */
void medfw_boot_state_initial(struct medfw_boot_state *out);

/* The text form (the file backend's file; also what the other backends store, one
 * variable each): strict parse, every variable required once, unknown names,
 * duplicates, bad values, order not naming both slots once -> MEDFW_ERR_FIELD_VALUE /
 * FIELD_MISSING naming the variable. */
enum medfw_err medfw_boot_state_parse(const uint8_t *text, size_t len,
				      struct medfw_boot_state *out,
				      struct medfw_diag *diag) MEDFW_WARN_UNUSED;
/* "BOOT_ORDER=A B\nBOOT_A_LEFT=3\nBOOT_B_LEFT=0\nMEDFW_LAST_GOOD=A\n" into out
 * (NUL-terminated; MEDFW_ERR_TOO_LARGE when it does not fit). */
enum medfw_err medfw_boot_state_format(const struct medfw_boot_state *st, char *out,
				       size_t out_cap) MEDFW_WARN_UNUSED;

/* The bootloader's choice: the first slot of order with left > 0 (its left is
 * decremented in *st), or MEDFW_ERR_NOT_FOUND when no slot has tries left. */
enum medfw_err medfw_boot_state_select(struct medfw_boot_state *st,
				       enum medfw_slot_id *out) MEDFW_WARN_UNUSED;

/* Which slot the running system was booted from: the content of `path`, either
 * exactly "A" or "B" (optionally followed by a newline) or a kernel command line with
 * a "medfw.slot=A|B" word. MEDFW_ERR_NOT_FOUND when none is there, IO on read errors. */
enum medfw_err medfw_slot_read_booted(const char *path, enum medfw_slot_id *out,
				      struct medfw_diag *diag) MEDFW_WARN_UNUSED;

struct medfw_slot_backend;

/* Writing an image into a slot, in one pass. */
struct medfw_slot_writer;

struct medfw_slot_config {
	const char *backend;           /* "file", "uboot", "grub" */
	const char *slot_path[MEDFW_SLOT_COUNT]; /* file or block device of A and B */
	const char *booted_slot_file;  /* see above */
	const char *state_file;        /* file: the boot state file */
	const char *uboot_config;      /* uboot: libubootenv configuration (fw_env.config) */
	const char *grubenv;           /* grub: the grubenv file */
	const char *grub_editenv;      /* grub: the grub-editenv program (NULL: from PATH) */
};

/* Open a backend. No state is changed. Errors name the option that is wrong:
 * slot_path[A/B] (distinct) and booted_slot_file are required for every backend, plus
 * the backend's own (state_file / uboot_config / grubenv, an absolute path); setting
 * an option of another backend is an error. The strings are copied. */
enum medfw_err medfw_slot_backend_open(struct medfw_ctx *ctx, const struct medfw_slot_config *cfg,
				       struct medfw_slot_backend **out,
				       struct medfw_diag *diag) MEDFW_WARN_UNUSED;
void medfw_slot_backend_close(struct medfw_slot_backend *b);

/* The backend's name ("file", ...). */
const char *medfw_slot_backend_name(const struct medfw_slot_backend *b);

/* Read the boot state (strictly validated: a state that does not parse is an error,
 * never guessed). MEDFW_ERR_NOT_FOUND: the state file / grubenv does not exist;
 * MEDFW_ERR_FIELD_MISSING: a variable is absent (a new environment: medfw_slot_store);
 * uboot: MEDFW_ERR_STATE when no environment copy has a valid CRC (medfw never writes
 * over it: create it with fw_setenv -f). *out is zeroed on failure. */
enum medfw_err medfw_slot_load(struct medfw_slot_backend *b, struct medfw_boot_state *out,
			       struct medfw_diag *diag) MEDFW_WARN_UNUSED;
/* The slot the running system booted from (medfw_slot_read_booted on the configured
 * file). */
enum medfw_err medfw_slot_booted(struct medfw_slot_backend *b, enum medfw_slot_id *out,
				 struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* The state transitions (see the top of this file). Each reads the current state,
 * changes it and stores it in one atomic write. */
enum medfw_err medfw_slot_set_unbootable(struct medfw_slot_backend *b, enum medfw_slot_id slot,
					 struct medfw_diag *diag) MEDFW_WARN_UNUSED;
enum medfw_err medfw_slot_set_trial(struct medfw_slot_backend *b, enum medfw_slot_id slot,
				    unsigned tries, struct medfw_diag *diag) MEDFW_WARN_UNUSED;
/* Only the running slot (medfw_slot_booted) can be marked good: MEDFW_ERR_STATE
 * otherwise. */
enum medfw_err medfw_slot_mark_good(struct medfw_slot_backend *b, enum medfw_slot_id slot,
				    struct medfw_diag *diag) MEDFW_WARN_UNUSED;
/* Store a whole state (first-time initialisation, tests); any valid state, also one
 * with no tries left. */
enum medfw_err medfw_slot_store(struct medfw_slot_backend *b, const struct medfw_boot_state *st,
				struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* Write an image into `slot` from offset 0: refused (MEDFW_ERR_INVALID_ARG) when slot
 * is the booted slot or has tries left (call medfw_slot_set_unbootable first) or is
 * last_good (the committed image stays until another slot is marked good); when the
 * booted slot or the state cannot be read, that error (fail closed). A regular-file
 * slot is created (0600) or truncated first; a block device must be at least as large
 * as the image (checked before each write: MEDFW_ERR_NO_SPACE). Anything else (a
 * directory, a character device) is refused. The writer does not reference b. */
enum medfw_err medfw_slot_open_write(struct medfw_slot_backend *b, enum medfw_slot_id slot,
				     struct medfw_slot_writer **out,
				     struct medfw_diag *diag) MEDFW_WARN_UNUSED;
/* Append bytes (MEDFW_ERR_IO naming the slot and errno text; ENOSPC / EDQUOT:
 * MEDFW_ERR_NO_SPACE). After a failed write the writer only refuses (MEDFW_ERR_STATE):
 * abort it. */
enum medfw_err medfw_slot_write(struct medfw_slot_writer *w, const void *data, size_t len,
				struct medfw_diag *diag) MEDFW_WARN_UNUSED;
/* Bytes in the slot so far: the resume offset plus the bytes appended. */
uint64_t medfw_slot_written(const struct medfw_slot_writer *w);
/* Flush to stable storage (fsync; a regular file's directory too) and close; frees w
 * whatever the result. */
enum medfw_err medfw_slot_finish(struct medfw_slot_writer *w,
				 struct medfw_diag *diag) MEDFW_WARN_UNUSED;
/* Close without flushing; frees w (NULL is a no-op). */
void medfw_slot_abort(struct medfw_slot_writer *w);

/* Reopen a slot for resuming a write at `offset` (<= its current size; a regular
 * file is truncated to offset). Same refusals as medfw_slot_open_write. */
enum medfw_err medfw_slot_open_resume(struct medfw_slot_backend *b, enum medfw_slot_id slot,
				      uint64_t offset, struct medfw_slot_writer **out,
				      struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* Read a slot's first `len` bytes through `fn` in chunks of at most 1 MiB (hashing a
 * slot); MEDFW_ERR_TRUNCATED when the slot holds fewer; fn's error is returned. */
typedef enum medfw_err (*medfw_slot_read_fn)(void *user, const void *data, size_t len,
					     struct medfw_diag *diag);
enum medfw_err medfw_slot_read(struct medfw_slot_backend *b, enum medfw_slot_id slot,
			       uint64_t len, medfw_slot_read_fn fn, void *user,
			       struct medfw_diag *diag) MEDFW_WARN_UNUSED;

/* The file backend's bootloader, for tests and the simulator: load the state, select
 * a slot (medfw_boot_state_select), store the state and write the chosen slot's name
 * ("A\n") to booted_slot_file atomically, as U-Boot would pass it to the kernel.
 * MEDFW_ERR_NOT_FOUND when no slot has tries left (nothing changed); MEDFW_ERR_STATE
 * for the other backends (their bootloader boots). */
enum medfw_err medfw_slot_simulate_boot(struct medfw_slot_backend *b,
					enum medfw_slot_id *out,
					struct medfw_diag *diag) MEDFW_WARN_UNUSED;

#ifdef __cplusplus
}
#endif
#endif
