/* The table of medfw sub-commands. Each entry's usage text is its --help output
 * and is checked against docs/man/medfw.1 by the end-to-end tests. */
#include "cli.h"
#include "commands.h"

const struct cli_command cli_commands[] = {
	{"key generate", "generate a signing key pair", CMD_KEY_GENERATE_USAGE, cmd_key_generate},
	{"repo init", "create a TUF image repository", CMD_REPO_INIT_USAGE, cmd_repo_init},
	{"release add", "stage a firmware image with its release notice", CMD_RELEASE_ADD_USAGE,
	 cmd_release_add},
	{"repo sign", "add one signature to staged root or targets", CMD_REPO_SIGN_USAGE,
	 cmd_repo_sign},
	{"repo publish", "verify what is staged and publish it", CMD_REPO_PUBLISH_USAGE,
	 cmd_repo_publish},
	{"repo status", "show staged signatures and expiry", CMD_REPO_STATUS_USAGE,
	 cmd_repo_status},
	{"repo rotate-root", "stage a new root version with changed keys",
	 CMD_REPO_ROTATE_ROOT_USAGE, cmd_repo_rotate_root},
	{"tuf-client", "TUF client: init, refresh, download", CMD_TUF_CLIENT_USAGE, cmd_tuf_client},
	{"bundle create", "write an offline bundle of a target", CMD_BUNDLE_CREATE_USAGE, cmd_bundle_create},
	{"verify", "verify a bundle offline before installing", CMD_VERIFY_USAGE, cmd_verify},
	{"inspect", "describe a bundle or metadata file (UNVERIFIED)", CMD_INSPECT_USAGE, cmd_inspect},
	{"audit verify", "check an exported audit trail offline", CMD_AUDIT_VERIFY_USAGE,
	 cmd_audit_verify},
	{"push", "upload a published repository to medfwd", CMD_PUSH_USAGE, cmd_push},
	{"device-statement sign", "sign a device statement at the factory (offline)",
	 CMD_DEVICE_STATEMENT_SIGN_USAGE, cmd_device_statement_sign},
	{"device-statement verify", "check a device statement against trusted keys",
	 CMD_DEVICE_STATEMENT_VERIFY_USAGE, cmd_device_statement_verify},
	{"vuln match", "match SBOMs against vulnerability feeds, with VEX", CMD_VULN_MATCH_USAGE,
	 cmd_vuln_match},
	{"vuln advisory", "write a customer security advisory (CSAF 2.0, Markdown, HTML)",
	 CMD_VULN_ADVISORY_USAGE, cmd_vuln_advisory},
	{"vuln import", "upload feeds, release SBOMs, VEX and the product map to medfwd",
	 CMD_VULN_IMPORT_USAGE, cmd_vuln_import},
};
const size_t cli_command_count = sizeof(cli_commands) / sizeof(cli_commands[0]);
