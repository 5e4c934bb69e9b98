/* Entry points and usage texts of the medfw sub-commands. */
#ifndef MEDFW_CLI_COMMANDS_H
#define MEDFW_CLI_COMMANDS_H

#include "cli.h"

#define CMD_KEY_GENERATE_USAGE                                                              \
	"Usage: medfw key generate --type ed25519|ecdsa|rsa --out PRIVATE.pem\n"            \
	"                          [--public-out PUBLIC.json] [--passphrase-file FILE]\n"   \
	"                          [--no-passphrase]\n\n"                                   \
	"Generates a key pair. The private key is written as PKCS#8 PEM (mode 0600),\n"     \
	"encrypted with the passphrase from FILE or asked on the terminal; use\n"           \
	"--no-passphrase only for test keys. The public key is written as a TUF key\n"      \
	"object (default: PRIVATE.pem with .pub.json). Prints the key id.\n"                \
	"Refuses to overwrite existing files.\n"
int cmd_key_generate(struct cli *cli, int argc, char **argv);

#define CMD_TUF_CLIENT_USAGE                                                                \
	"Usage: medfw tuf-client --metadata-dir DIR init TRUSTED_ROOT\n"                      \
	"       medfw tuf-client --metadata-dir DIR --metadata-url URL refresh\n"             \
	"       medfw tuf-client --metadata-dir DIR --metadata-url URL --target-name PATH\n"  \
	"                        [--target-name PATH...] --target-dir DIR\n"                  \
	"                        --target-base-url URL download\n\n"                           \
	"The TUF client workflow (tuf-conformance client protocol). init stores a\n"        \
	"trusted root in DIR; refresh updates root, timestamp, snapshot and targets\n"     \
	"metadata from URL; download refreshes, then fetches and verifies each target\n"   \
	"into the target directory (already verified copies are not fetched again).\n"     \
	"Exit status 0 on success, 1 on any failure (usage errors included).\n"
int cmd_tuf_client(struct cli *cli, int argc, char **argv);

#endif
