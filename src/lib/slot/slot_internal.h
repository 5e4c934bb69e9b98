/* The slot layer's backend interface and the boot state helpers the backends share.
 *
 * A backend is one struct medfwi_slot_ops: it checks its own options at open, reads the
 * four boot state variables (strictly, through medfwi_boot_vars_decode) and stores a
 * whole state in one atomic write. Everything else (the transitions and their order,
 * the refusals, writing and reading slots, logging) lives once in slot.c, written
 * against this table. docs/agent-backends.md says how to add a backend.
 */
#ifndef MEDFW_SLOT_INTERNAL_H
#define MEDFW_SLOT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "medfw/slot.h"

/* The four variables every backend keeps, in the order they are checked and written. */
enum medfwi_boot_var {
	MEDFWI_BOOT_ORDER = 0,
	MEDFWI_BOOT_A_LEFT = 1,
	MEDFWI_BOOT_B_LEFT = 2,
	MEDFWI_BOOT_LAST_GOOD = 3,
};
#define MEDFWI_BOOT_VAR_COUNT 4

/* Longest value the format writes ("A B"), with its NUL. */
#define MEDFWI_BOOT_VALUE_MAX 4

/* "BOOT_ORDER", "BOOT_A_LEFT", "BOOT_B_LEFT", "MEDFW_LAST_GOOD". */
const char *medfwi_boot_var_name(enum medfwi_boot_var var);
/* The variable called name[0..len), or -1. */
int medfwi_boot_var_lookup(const char *name, size_t len);

/* The raw values of the four variables as a backend found them (untrusted). value[i]
 * NULL: the variable is absent. line[i] (0: no line numbers) goes into messages. */
struct medfwi_boot_vars {
	const char *value[MEDFWI_BOOT_VAR_COUNT];
	size_t len[MEDFWI_BOOT_VAR_COUNT];
	unsigned line[MEDFWI_BOOT_VAR_COUNT];
};

/* Strictly decode the four values into *out: every variable present, BOOT_ORDER "A B"
 * or "B A", tries 0..MEDFW_SLOT_TRIES in decimal, MEDFW_LAST_GOOD "A" or "B".
 * FIELD_MISSING / FIELD_VALUE naming `where` and the variable; *out zeroed on failure. */
enum medfw_err medfwi_boot_vars_decode(const struct medfwi_boot_vars *vars, const char *where,
				       struct medfw_boot_state *out, struct medfw_diag *diag);

/* medfw_boot_state_parse with `where` (a path, "boot state") leading every message. */
enum medfw_err medfwi_boot_state_parse_at(const uint8_t *text, size_t len, const char *where,
					  struct medfw_boot_state *out, struct medfw_diag *diag);

/* The value of one variable for st ("A B", "3", "A") into out. st must be valid. */
void medfwi_boot_var_format(const struct medfw_boot_state *st, enum medfwi_boot_var var,
			    char out[MEDFWI_BOOT_VALUE_MAX]);

/* Whether st is a state medfw would store: enums in range, order names both slots
 * once, left <= MEDFW_SLOT_TRIES. */
bool medfwi_boot_state_valid(const struct medfw_boot_state *st);

/* One line for logs: "BOOT_ORDER=A B BOOT_A_LEFT=3 BOOT_B_LEFT=0 MEDFW_LAST_GOOD=A". */
#define MEDFWI_BOOT_STATE_LINE_MAX 80
void medfwi_boot_state_line(const struct medfw_boot_state *st, char out[MEDFWI_BOOT_STATE_LINE_MAX]);

/* The booted slot from the content of the booted-slot file (untrusted): "A" / "B"
 * (optionally with one newline) or a kernel command line with one medfw.slot=A|B word
 * (double-quoted words honoured, words after "--" belong to init and are ignored; the
 * word repeated with the same value is accepted, with another value refused).
 * NOT_FOUND when there is none, FIELD_VALUE for a bad value; *out is MEDFW_SLOT_A then. */
enum medfw_err medfwi_slot_parse_booted(const uint8_t *data, size_t len, const char *where,
					enum medfw_slot_id *out, struct medfw_diag *diag);

/* A GRUB environment block: exactly this many bytes, starting with the signature. */
#define MEDFWI_GRUBENV_SIZE 1024u
#define MEDFWI_GRUBENV_SIGNATURE "# GRUB Environment Block\n"

/* Strictly parse a grubenv block (untrusted) and decode the four variables from it.
 * The block: the signature, then lines that are comments ('#' to the newline or the
 * end: the '#' padding) or NAME=value (backslash escapes, ended by a newline); other
 * variables (saved_entry, ...) are GRUB's and are skipped, ours must each appear once.
 * Errors name `where`; *out zeroed on failure. */
enum medfw_err medfwi_grubenv_parse(const uint8_t *blk, size_t len, const char *where,
				    struct medfw_boot_state *out, struct medfw_diag *diag);
/* The same structural check without requiring our variables (a fresh grubenv). */
enum medfw_err medfwi_grubenv_check(const uint8_t *blk, size_t len, const char *where,
				    struct medfw_diag *diag);

struct medfw_slot_backend;

struct medfwi_slot_ops {
	const char *name; /* the value of medfw_slot_config.backend */
	/* Only the file backend can play the bootloader (medfw_slot_simulate_boot). */
	bool simulates_boot;

	/* Check this backend's options in cfg (naming the wrong one) and set b->impl. Reads
	 * and writes no boot state. */
	enum medfw_err (*open)(struct medfw_slot_backend *b, const struct medfw_slot_config *cfg,
			       struct medfw_diag *diag);
	/* Free b->impl (NULL is a no-op). */
	void (*close)(void *impl);
	/* Read the four variables and decode them with medfwi_boot_vars_decode. */
	enum medfw_err (*load)(struct medfw_slot_backend *b, struct medfw_boot_state *out,
			       struct medfw_diag *diag);
	/* Store a whole state (valid) in one atomic write: after a power cut the old state
	 * or the new one is there, never a mix. */
	enum medfw_err (*store)(struct medfw_slot_backend *b, const struct medfw_boot_state *st,
				struct medfw_diag *diag);
};

struct medfw_slot_backend {
	struct medfw_ctx *ctx; /* log sink; not owned */
	const struct medfwi_slot_ops *ops;
	char *slot_path[MEDFW_SLOT_COUNT];
	char *booted_slot_file;
	void *impl; /* the backend's own state, freed by ops->close */
};

/* The backends (file.c, uboot.c, grub.c). */
extern const struct medfwi_slot_ops medfwi_slot_file_ops;
extern const struct medfwi_slot_ops medfwi_slot_uboot_ops;
extern const struct medfwi_slot_ops medfwi_slot_grub_ops;

/* A copy of a required path option: non-empty, no newline, shorter than PATH_MAX.
 * INVALID_ARG naming `option` otherwise. */
enum medfw_err medfwi_slot_path_option(const char *value, const char *option, char **out,
				       struct medfw_diag *diag);

#endif
