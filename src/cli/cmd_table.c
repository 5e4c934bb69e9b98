/* The table of medfw sub-commands. Each entry's usage text is its --help output
 * and is checked against docs/man/medfw.1 by the end-to-end tests. */
#include "cli.h"
#include "commands.h"

const struct cli_command cli_commands[] = {
	{"key generate", "generate a signing key pair", CMD_KEY_GENERATE_USAGE, cmd_key_generate},
	{"tuf-client", "TUF client: init, refresh, download", CMD_TUF_CLIENT_USAGE, cmd_tuf_client},
};
const size_t cli_command_count = sizeof(cli_commands) / sizeof(cli_commands[0]);
