#!/usr/bin/env bash
# The main job, end to end: a manufacturer signs a firmware release with offline keys
# (2 of 3 targets signers), publishes it, builds an offline bundle, and a hospital
# verifies it and reads the release notice; then a tampered copy and an expired
# repository are refused.
#   scripts/demo.sh PATH_TO_MEDFW
set -euo pipefail
medfw=$(realpath "$1")
notice_example=$(cd "$(dirname "$0")/.." && pwd)/docs/formats/release-notice.example.json
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
refused() { # run a command that must fail, show its one-line reason
	local rc=0
	"$@" >out.txt 2>err.txt || rc=$?
	if [[ $rc -eq 0 ]]; then echo "UNEXPECTED: accepted"; exit 1; fi
	echo "refused (exit $rc): $(cat err.txt)"
}

step "medfw $("$medfw" --version | cut -d' ' -f2): keys for root (2 of 3), targets (2 of 3: engineering, QA, release), snapshot, timestamp"
echo "(demo keys have no passphrase; real keys are encrypted: key generate --passphrase-file)"
for k in root-a root-b root-c engineering qa release snapshot timestamp; do
	printf '  %-12s %s\n' "$k" "$("$medfw" key generate --type ed25519 --out "$k.pem" --no-passphrase)"
done

step "repo init: TUF image repository, consistent snapshots, timestamp valid 1 day"
"$medfw" repo init --repo repo --root-threshold 2 --targets-threshold 2 \
	--root-key root-a.pem.pub.json --root-key root-b.pem.pub.json --root-key root-c.pem.pub.json \
	--targets-key engineering.pem.pub.json --targets-key qa.pem.pub.json --targets-key release.pem.pub.json \
	--snapshot-key snapshot.pem.pub.json --timestamp-key timestamp.pem.pub.json \
	--expires timestamp=1

step "release add: infusion pump firmware 4.2.1 with its release notice"
head -c $((8 * 1024 * 1024)) /dev/urandom > pump-fw-4.2.1.img
cp "$notice_example" notice.json
"$medfw" release add --repo repo --image pump-fw-4.2.1.img --notice notice.json --name pump/fw-4.2.1.img

step "repo sign: root by two root holders; targets by engineering only"
"$medfw" repo sign --repo repo --role root --key root-a.pem >/dev/null
"$medfw" repo sign --repo repo --role root --key root-b.pem >/dev/null
"$medfw" repo sign --repo repo --role targets --key engineering.pem
"$medfw" repo status --repo repo

step "repo publish with 1 of 2 targets signatures"
refused "$medfw" repo publish --repo repo --snapshot-key snapshot.pem --timestamp-key timestamp.pem

step "QA signs too (on its own machine, carrying staged/targets.json), then publish"
cp repo/staged/targets.json carried-targets.json
"$medfw" repo sign --file carried-targets.json --root repo/staged/root.json --key qa.pem >/dev/null
cp carried-targets.json repo/staged/targets.json
"$medfw" repo publish --repo repo --snapshot-key snapshot.pem --timestamp-key timestamp.pem

step "bundle create: one file for a USB stick (metadata chain + zstd image)"
"$medfw" bundle create --repo repo --target pump/fw-4.2.1.img --out pump-4.2.1.mfb --compress
ls -l pump-4.2.1.mfb | awk '{print "  " $5 " bytes  " $9}'

step "the hospital: medfw verify against the manufacturer's root, for its hardware"
hw=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["hardware_ids"][0])' notice.json)
"$medfw" verify pump-4.2.1.mfb --trusted-root repo/metadata/1.root.json --hardware-id "$hw" --min-security-version 1

step "a tampered copy (an uncompressed bundle with one byte of the image changed)"
"$medfw" bundle create --repo repo --target pump/fw-4.2.1.img --out tampered.mfb
size=$(stat -c %s tampered.mfb)
byte=$(od -An -tu1 -j $((size - 1000)) -N1 tampered.mfb | tr -d ' ')
printf "\\$(printf '%03o' $(((byte + 1) % 256)))" | dd of=tampered.mfb bs=1 seek=$((size - 1000)) conv=notrunc status=none
refused "$medfw" verify tampered.mfb --trusted-root repo/metadata/1.root.json

step "the wrong hardware"
refused "$medfw" verify pump-4.2.1.mfb --trusted-root repo/metadata/1.root.json --hardware-id OTHER-HW-1

step "the same bundle three days later: the timestamp (valid 1 day) has expired"
refused faketime -f '+3d' "$medfw" verify pump-4.2.1.mfb --trusted-root repo/metadata/1.root.json

step "done: only what the manufacturer signed, for this hardware, and still fresh, is accepted"
