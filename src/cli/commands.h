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

#define CMD_BUNDLE_CREATE_USAGE                                                             \
	"Usage: medfw bundle create --repo REPO --target NAME --out FILE [--compress]\n\n"   \
	"Writes an offline bundle of target NAME from repository REPO: the root chain,\n"  \
	"timestamp, snapshot and targets metadata (and delegations on the path) and the\n" \
	"image, zstd-compressed with --compress. The repository's metadata is verified\n"  \
	"first and the written bundle again before it replaces FILE (atomically).\n"
int cmd_bundle_create(struct cli *cli, int argc, char **argv);

#define CMD_VERIFY_USAGE                                                                    \
	"Usage: medfw verify BUNDLE --trusted-root ROOT.json [--hardware-id ID]\n"           \
	"                    [--min-security-version N] [--extract PATH] [--json]\n\n"      \
	"Verifies a bundle offline from a root you trust: the root chain, timestamp,\n"    \
	"snapshot, targets and delegations (signatures, thresholds, versions, expiry),\n"  \
	"the release notice (for hardware ID, security version >= N), then the image\n"    \
	"against its signed length and hashes. Prints the release notice and what was\n"   \
	"verified (--json for scripts). --extract writes the verified image to PATH,\n"    \
	"only when every check passed. Exit 0 verified, 1 a check failed (one line on\n"   \
	"stderr names it), 2 usage.\n"
int cmd_verify(struct cli *cli, int argc, char **argv);

#define CMD_INSPECT_USAGE                                                                   \
	"Usage: medfw inspect FILE [--json]\n\n"                                            \
	"Describes a bundle or a TUF metadata file WITHOUT verifying anything: roles,\n"   \
	"versions, expiry, signature key ids, targets. Use 'medfw verify' to check.\n"
int cmd_inspect(struct cli *cli, int argc, char **argv);

#endif
