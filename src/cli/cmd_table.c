/* The table of medfw sub-commands. Each entry's usage text is its --help output
 * and is checked against docs/man/medfw.1 by the end-to-end tests. */
#include "cli.h"
#include "commands.h"

const struct cli_command cli_commands[] = {
	{"key generate", "generate a signing key pair", CMD_KEY_GENERATE_USAGE, cmd_key_generate},
	{"bundle create", "write an offline bundle of a target", CMD_BUNDLE_CREATE_USAGE, cmd_bundle_create},
	{"verify", "verify a bundle offline before installing", CMD_VERIFY_USAGE, cmd_verify},
	{"inspect", "describe a bundle or metadata file (UNVERIFIED)", CMD_INSPECT_USAGE, cmd_inspect},
};
const size_t cli_command_count = sizeof(cli_commands) / sizeof(cli_commands[0]);
