#!/usr/bin/env bash
# The main job, end to end on the embedded default (see README.md).
set -euo pipefail
medfw=$(realpath "$1")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
echo "== medfw $("$medfw" --version)"
echo "== generating a test key (no passphrase: demo only)"
"$medfw" key generate --type ed25519 --out demo.pem --no-passphrase
cat demo.pem.pub.json
