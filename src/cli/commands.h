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

#endif
