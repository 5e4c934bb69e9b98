/* Shared plumbing of the medfw command line: the command table, error reporting,
 * passphrase input. Every sub-command lives in its own cmd_<name>.c. */
#ifndef MEDFW_CLI_H
#define MEDFW_CLI_H

#include <stddef.h>
#include <stdio.h>

#include "medfw/ctx.h"
#include "medfw/error.h"

/* Documented exit codes (docs/man/medfw.1, EXIT STATUS). */
#define CLI_EXIT_OK 0
#define CLI_EXIT_FAIL 1   /* an operation failed or a check did not pass */
#define CLI_EXIT_USAGE 2  /* bad command line */

struct cli {
	struct medfw_ctx *ctx;
	const char *prog;
};

struct cli_command {
	const char *name;     /* "key generate", "verify", ... */
	const char *summary;  /* one line for `medfw --help` */
	const char *usage;    /* full --help text of the command */
	int (*run)(struct cli *cli, int argc, char **argv);
};

/* The command table (cmd_table.c). */
extern const struct cli_command cli_commands[];
extern const size_t cli_command_count;

/* Print "medfw: <what>: <message>" on stderr (one line) and return CLI_EXIT_FAIL. */
int cli_fail(const char *what, enum medfw_err err, const struct medfw_diag *diag);

/* Print "medfw <cmd>: <message>" and a hint to use --help; return CLI_EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) MEDFW_PRINTF(2, 3);
/* Untrusted text (file names, messages from files or a server) on a terminal line: at
 * most `max` bytes of printable ASCII, '?' for anything else, "..." when cut. */
void cli_put_safe(FILE *f, const char *s, size_t max);
/* "medfw CMD: WHAT FILE: MESSAGE" on stderr, the message without the file name it may
 * start with already; returns `status`. */
int cli_fail_file(const char *cmd, const char *what, const char *file, enum medfw_err err,
		  const struct medfw_diag *diag, int status);
/* Append value to list (count < max), else a usage error naming `opt` and 0. */
int cli_add_input(const char *cmd, const char **list, size_t *count, size_t max,
		  const char *value, const char *opt);

/* Returns 1 if argv holds -h or --help before any "--". */
int cli_wants_help(int argc, char **argv);

/* Passphrase for a private key: from `file` (first line, newline stripped) when
 * given, else prompted on the terminal without echo when `prompt` is non-NULL, else
 * none (out[0] = 0). Never from the command line. */
enum medfw_err cli_read_passphrase(const char *file, const char *prompt, char *out,
				   size_t out_cap, struct medfw_diag *diag);

struct medfw_privkey;
struct medfw_pubkey;

/* Load a private key file; asks for the passphrase (from pass_file, else the
 * terminal) only when the key is encrypted. */
enum medfw_err cli_load_privkey(const char *path, const char *pass_file,
				struct medfw_privkey **out, struct medfw_diag *diag);

/* Load a public key file (a TUF key object). */
enum medfw_err cli_load_pubkey(const char *path, struct medfw_pubkey **out,
			       struct medfw_diag *diag);

/* Print a JSON value on stdout (indented, keys sorted) with a newline. */
int cli_print_json(const void *json_value);
#endif
