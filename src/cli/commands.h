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

#define CMD_REPO_INIT_USAGE                                                                 \
	"Usage: medfw repo init --repo DIR --root-key PUB.json [--root-key ...]\n"         \
	"                       --targets-key PUB.json [--targets-key ...]\n"              \
	"                       --snapshot-key PUB.json --timestamp-key PUB.json\n"        \
	"                       [--root-threshold N] [--targets-threshold N]\n"            \
	"                       [--expires ROLE=DAYS]... [--no-consistent-snapshot]\n\n"   \
	"Creates a TUF image repository in DIR (new or empty): an unsigned root version 1\n" \
	"listing the given public keys (TUF key objects, as written by key generate) with\n" \
	"their thresholds (default 1), and empty targets. Default lifetimes: root 365 days,\n" \
	"targets 180, snapshot 7, timestamp 1. Sign the staged root with root keys, then\n" \
	"publish.\n"
int cmd_repo_init(struct cli *cli, int argc, char **argv);

#define CMD_RELEASE_ADD_USAGE                                                               \
	"Usage: medfw release add --repo DIR --image FILE --notice NOTICE.json [--name TARGET]\n\n" \
	"Stages a firmware image as a TUF target with its release notice (validated; see\n" \
	"docs/formats/release-notice.md) as custom metadata. The image is hashed (SHA-256)\n" \
	"as it is copied into the repository. TARGET defaults to the image's file name;\n" \
	"an existing target is never replaced. The staged targets then need the targets\n" \
	"threshold of signatures (repo sign) before repo publish.\n"
int cmd_release_add(struct cli *cli, int argc, char **argv);

#define CMD_REPO_SIGN_USAGE                                                                 \
	"Usage: medfw repo sign --repo DIR --role root|targets --key KEY.pem\n"            \
	"                       [--passphrase-file FILE]\n"                                \
	"       medfw repo sign --file STAGED.json [--root ROOT.json] --key KEY.pem\n"      \
	"                       [--passphrase-file FILE]\n\n"                              \
	"Shows what is being signed (role, version, expiry, keys or targets) and adds one\n" \
	"signature. Signers work one at a time, possibly on separate offline machines: the\n" \
	"staged file is carried between them (--file), with the root that lists the keys\n" \
	"(--root: for targets, the root in force; for a new root, the previous root). A key\n" \
	"whose signature would not count is refused. The passphrase comes from FILE or the\n" \
	"terminal, never from the command line.\n"
int cmd_repo_sign(struct cli *cli, int argc, char **argv);

#define CMD_REPO_PUBLISH_USAGE                                                              \
	"Usage: medfw repo publish --repo DIR --snapshot-key KEY.pem --timestamp-key KEY.pem\n" \
	"                          [--snapshot-passphrase-file F] [--timestamp-passphrase-file F]\n\n" \
	"Verifies the staged root (threshold of the current and of the new root keys) and\n" \
	"targets (threshold of the targets keys) and the staged images, then writes them to\n" \
	"DIR/metadata and DIR/targets with new snapshot and timestamp versions. Refuses, and\n" \
	"writes nothing, when a threshold is not met. With nothing staged it re-signs\n"   \
	"snapshot and timestamp with a fresh expiry.\n"
int cmd_repo_publish(struct cli *cli, int argc, char **argv);

#define CMD_REPO_STATUS_USAGE                                                               \
	"Usage: medfw repo status --repo DIR [--json]\n\n"                                 \
	"Shows what is published and when it expires, what is staged with its signatures\n" \
	"against the thresholds, and the targets.\n"
int cmd_repo_status(struct cli *cli, int argc, char **argv);

#define CMD_REPO_ROTATE_ROOT_USAGE                                                          \
	"Usage: medfw repo rotate-root --repo DIR [--add-key ROLE=PUB.json]...\n"          \
	"                              [--remove-key ROLE=KEYID]... [--threshold ROLE=N]...\n\n" \
	"Stages the next root version with keys added to or removed from roles and\n"      \
	"thresholds changed. The new root needs the threshold of the current root keys and\n" \
	"of its own root keys (repo sign --role root) before repo publish. After a targets\n" \
	"key change, targets must be signed again by the new keys.\n"
int cmd_repo_rotate_root(struct cli *cli, int argc, char **argv);

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

#define CMD_AUDIT_VERIFY_USAGE                                                              \
	"Usage: medfw audit verify EXPORT --server-key SERVER.pub.json [--json]\n\n"      \
	"Checks an audit trail exported by medfwd (JSON lines), offline: every record's\n" \
	"hash, the chain from record to record (a change, deletion, insertion or\n"        \
	"reordering is found and its line named), and every checkpoint's signature by\n"  \
	"the server key. Exit 0 only when everything holds.\n"
int cmd_audit_verify(struct cli *cli, int argc, char **argv);

#define CMD_PUSH_USAGE                                                                      \
	"Usage: medfw push --server URL --repo DIR [--token-file FILE | --token TOKEN]\n"   \
	"                  [--pin-root ROOT.json [--replace-root]] [--ca CA.pem]\n\n"         \
	"Uploads a published repository (DIR/metadata with the delegated roles its\n"      \
	"snapshot lists, and the targets of every role, each streamed from its file) to\n" \
	"medfwd and commits it: the server verifies the whole set against its pinned\n"    \
	"trusted root (root chain, thresholds, delegations, versions not rolled back,\n"   \
	"expiry, every target's length and hashes) and only then serves it; a refused\n"   \
	"upload changes nothing and the error names the failed check. --pin-root first\n" \
	"pins ROOT.json (usually\n"                                                        \
	"1.root.json) as the server's trusted root (--replace-root to replace one). The\n" \
	"API token (permission repo.write) comes from FILE, MEDFW_TOKEN or --token (seen\n" \
	"by other users of the machine: prefer a file). --ca: trust only this PEM file's\n" \
	"CA certificates for https (not the system store). Exit 0 committed, 1 refused.\n"
int cmd_push(struct cli *cli, int argc, char **argv);

#define CMD_DEVICE_STATEMENT_SIGN_USAGE                                                     \
	"Usage: medfw device-statement sign --key KEY.pem [--passphrase-file FILE]\n"       \
	"                                   --manufacturer NAME --model MODEL --serial SN\n" \
	"                                   --hardware-id HW --public-key HEX\n"           \
	"                                   [--udi-di DI] [--udi-pi PI] [--expires TIME]\n" \
	"                                   --out FILE\n\n"                                \
	"At the factory, offline: signs a device statement binding the device's own\n"    \
	"Ed25519 public key (HEX: 64 hex digits, made on the device) to its manufacturer,\n" \
	"model, serial and hardware id, and optionally its UDI-DI and production\n"       \
	"identifier (PI as the inventory stores it: lot=...;serial=...;expiry=YYYY-MM-DD).\n" \
	"KEY.pem is a manufacturer key from key generate; TIME is YYYY-MM-DDTHH:MM:SSZ.\n" \
	"Every field is checked as medfwd checks it, and the written statement is verified\n" \
	"again. Refuses to overwrite FILE. See docs/formats/device-statement.md.\n"
int cmd_device_statement_sign(struct cli *cli, int argc, char **argv);

#define CMD_DEVICE_STATEMENT_VERIFY_USAGE                                                   \
	"Usage: medfw device-statement verify --trusted-keys KEYS.json STATEMENT [--json]\n\n" \
	"Checks a device statement offline as medfwd does at enrolment: its format, a\n"  \
	"valid signature by one of the trusted manufacturer keys (KEYS.json, the file of\n" \
	"medfwd's device_statement_keys: {\"keys\": {KEYID: KEY}}), issued not in the\n"  \
	"future, not expired. Prints what the statement binds. Exit 0 verified, 1 not.\n"
int cmd_device_statement_verify(struct cli *cli, int argc, char **argv);

#define CMD_VULN_MATCH_USAGE                                                                \
	"Usage: medfw vuln match --sbom FILE [--sbom FILE...] --feed PATH [--feed PATH...]\n" \
	"                        [--vex FILE...] [--product-map FILE] [--json]\n\n"          \
	"Matches every component of the SBOMs (CycloneDX 1.4-1.6, SPDX 2.3 JSON) against\n"  \
	"the vulnerability feeds: files or directories (walked, *.json) of OSV, NVD CVE\n"   \
	"API 2.0, CVE JSON 5, CSAF 2.0 and CISA KEV data, each file's format detected from\n" \
	"its content; a record seen again keeps its newest version. What several sources\n" \
	"say about one vulnerability (ids joined through their aliases) becomes one\n"      \
	"finding per component and vulnerability, with every source's evidence: affected\n" \
	"if one says so, not affected only on a decisive answer, else undetermined.\n"      \
	"CycloneDX pedigree patches and VEX statements (--vex: CycloneDX VEX or CSAF VEX;\n" \
	"the newest statement wins; not_affected needs a justification) then apply; KEV\n"  \
	"and the highest CVSS score are attached. --product-map maps advisory product\n"    \
	"names and CSAF product ids to SBOM component names (docs/vuln-matching.md).\n"      \
	"Prints a table in priority order (KEV first, then severity) or, with --json, every\n" \
	"finding with its evidence, the VEX statement that applied and the problems.\n"    \
	"A feed file or record that cannot be read is reported and skipped.\n"             \
	"Exit 0 no affected or undetermined finding, 1 findings to act on or review, 2 bad\n" \
	"input (an unreadable SBOM, VEX file or product map, a feed path that cannot be\n"  \
	"walked; the message names the file and the JSON path) or no result.\n"
int cmd_vuln_match(struct cli *cli, int argc, char **argv);

#define CMD_VULN_ADVISORY_USAGE                                                             \
	"Usage: medfw vuln advisory --input ADVISORY.json\n"                                  \
	"                           (--findings FINDINGS.json |\n"                            \
	"                            --sbom FILE [--sbom FILE...] --feed PATH [--feed PATH...]\n" \
	"                            [--vex FILE...] [--product-map FILE])\n"                 \
	"                           [--profile security_advisory|vex]\n"                      \
	"                           --format csaf|markdown|html --out FILE\n\n"               \
	"Writes a customer security advisory for firmware releases from the manufacturer's\n" \
	"advisory input (publisher, tracking, device models with UDI-DIs and their releases,\n" \
	"per vulnerability the impact in plain words, mitigations and compensating\n"       \
	"controls; docs/advisories.md) and the findings of the matcher: a findings file\n"   \
	"as 'medfw vuln match --json' prints it, or SBOMs matched here as vuln match does.\n" \
	"Each release's status per vulnerability (known_affected, known_not_affected with\n" \
	"the VEX justification, fixed, under_investigation) comes from the findings of its\n" \
	"SBOM and the releases that declare the fix. csaf: CSAF 2.0, security advisory or\n" \
	"VEX profile, checked with the mandatory tests before it is written; markdown,\n"   \
	"html: the readable version for hospital staff (who is affected, what can happen,\n" \
	"what to do now, the fix). Open findings about vulnerabilities the input does not\n" \
	"list are warned about. Exit 0 written, 1 bad input or refused (the message names\n" \
	"the file and JSON path, or the vulnerability and release; nothing is written), 2\n" \
	"usage.\n"
int cmd_vuln_advisory(struct cli *cli, int argc, char **argv);

#define CMD_VULN_IMPORT_USAGE                                                               \
	"Usage: medfw vuln import --server URL [--token-file FILE] [PATH...]\n"                 \
	"                         [--sbom TARGET=FILE...] [--vex FILE...]\n"                    \
	"                         [--product-map FILE] [--ca CA.pem] [--wait SECONDS]\n\n"      \
	"Uploads vulnerability data to medfwd, one file per request. PATH: feed files or\n"  \
	"directories, walked as vuln match walks them (*.json, name order, at most 8\n"      \
	"levels, hidden names skipped, symbolic links not followed), each file sent to\n"   \
	"/api/v1/vulnerabilities/import under its path below the directory; --sbom: the\n" \
	"SBOM of the signed release TARGET; --vex: a CycloneDX or CSAF VEX file for every\n" \
	"release; --product-map: the server's product-mapping table (what advisories that\n" \
	"name products in words call our components; docs/vuln-matching.md). The map goes\n" \
	"first, then feeds, SBOMs, VEX. For each file it prints what the server did\n"       \
	"(records added, updated, unchanged, rejected with their JSON paths and why),\n"    \
	"then waits (at most --wait SECONDS, default 600; 0: not at all) for the\n"         \
	"server's background re-evaluation of everything sent and prints what it found,\n" \
	"then a total. A file the server refuses (a broken file, one\n"                    \
	"larger than its max_body_bytes) is reported with its path and the others still\n" \
	"go; a refused token stops the run. The API token (vulns.write, manufacturer-\n"    \
	"wide) comes from FILE or MEDFW_TOKEN, never the command line, and is never\n"       \
	"printed. --ca: trust only this PEM file's CA certificates for https. Everything\n" \
	"named is checked before anything is sent. Exit 0 every file\n"                     \
	"accepted (records inside may be rejected: reported), 1 a file refused or the\n"   \
	"server not reached, 2 usage (also a token file or PATH that cannot be read).\n"
int cmd_vuln_import(struct cli *cli, int argc, char **argv);

#endif
