#!/usr/bin/env bash
# The main job, end to end: a manufacturer signs a firmware release with offline keys
# (2 of 3 targets signers), publishes it, builds an offline bundle, and a hospital
# verifies it and reads the release notice; then a tampered copy and an expired
# repository are refused. Then the hospital's fleet server (medfwd, SQLite store): the
# first admin, a site, the manufacturer's repository pushed and verified, a device record
# with its one-time enrolment token; the device's agent enrols, waits while the pump is in
# clinical use, installs into slot B, boots it, commits; its update history on the server;
# Then staged rollouts to a simulated fleet of 300 pumps (medfw-sim: real enrolment, signed
# check-ins, verified metadata, real downloads): maintenance windows, a release whose
# canary fails its health checks and pauses itself, a fixed release approved by a second
# person that completes wave by wave; vulnerability management (the releases' SBOMs and
# two NVD records imported, findings, the hospital's exposures with SLA due dates, a VEX
# statement closing one); and the audit trail verified offline. medfwd keeps
# running with demo credentials until Ctrl-C (when run from a terminal).
#   scripts/demo.sh PATH_TO_MEDFW   (medfwd, medfw-agent, medfw-sim: same directory)
set -euo pipefail
medfw=$(realpath "$1")
medfwd=$(dirname "$medfw")/medfwd
medfw_agent=$(dirname "$medfw")/medfw-agent
medfw_sim=$(dirname "$medfw")/medfw-sim
notice_example=$(cd "$(dirname "$0")/.." && pwd)/docs/formats/release-notice.example.json
work=$(mktemp -d)
medfwd_pid=""
sim_pid=""
cleanup() {
	if [[ -n $sim_pid ]]; then
		kill "$sim_pid" 2>/dev/null || true
		wait "$sim_pid" 2>/dev/null || true
	fi
	if [[ -n $medfwd_pid ]]; then
		kill "$medfwd_pid" 2>/dev/null || true
		wait "$medfwd_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
refused() { # run a command that must fail, show its one-line reason
	local rc=0
	"$@" >out.txt 2>err.txt || rc=$?
	if [[ $rc -eq 0 ]]; then echo "UNEXPECTED: accepted"; exit 1; fi
	echo "refused (exit $rc): $(cat err.txt)$([[ -s out.txt ]] && printf ' %s' "$(head -c 300 out.txt)")"
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
# the example notice, for an agent of this version (0.1.0 or newer)
python3 -c 'import json, sys
n = json.load(open(sys.argv[1])); n["min_agent_version"] = "0.1.0"
json.dump(n, open("notice.json", "w"), indent=2)' "$notice_example"
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

step "the hospital's fleet server: medfwd on 127.0.0.1, SQLite store in a new data dir"
mkdir -p fleet
printf 'listen_address = 127.0.0.1\nlisten_port = 0\ndata_dir = %s\n' "$work/fleet/data" \
	>fleet/medfwd.conf
printf 'rollout_tick = 1s\n' >>fleet/medfwd.conf
"$medfwd" --config fleet/medfwd.conf --max-lifetime 7200 >fleet/stdout.txt 2>fleet/log.jsonl &
medfwd_pid=$!
url="" token=""
for _ in $(seq 100); do
	url=$(sed -n 's|^medfwd listening on \(http://127\.0\.0\.1:[0-9]*\)$|\1|p' fleet/stdout.txt)
	token=$(sed -n 's|^medfwd: bootstrap token .*: \(.*\)$|\1|p' fleet/stdout.txt)
	[[ -n $url && -n $token ]] && break
	sleep 0.1
done
[[ -n $url && -n $token ]] || { echo "medfwd did not start: $(tail -n 2 fleet/log.jsonl)"; exit 1; }
echo "  $url (the one-time bootstrap token went to its standard output only)"
field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
api_token=""
api() { # METHOD PATH [JSON], with the script's API token once there is one
	curl -sS --fail-with-body -X "$1" "$url$2" -H 'Content-Type: application/json' \
		${api_token:+-H "Authorization: Bearer $api_token"} ${3:+--data "$3"}
}
pw='correct horse battery staple 42'
api POST /api/v1/bootstrap \
	"{\"token\": \"$token\", \"username\": \"ce-admin\", \"password\": \"$pw\"}" >/dev/null
login=$(curl -sS --fail-with-body -D fleet/headers.txt -X POST "$url/api/v1/session" \
	-H 'Content-Type: application/json' \
	--data "{\"username\": \"ce-admin\", \"password\": \"$pw\"}")
cookie=$(sed -n 's|^[Ss]et-[Cc]ookie: \(medfw_session=[^;]*\);.*|\1|p' fleet/headers.txt)
api_token=$(curl -sS --fail-with-body -X POST "$url/api/v1/tokens" -H "Cookie: $cookie" \
	-H "X-CSRF-Token: $(field csrf_token <<<"$login")" -H 'Content-Type: application/json' \
	--data '{"name": "demo script"}' | field token)
echo "  first admin ce-admin (password hashed with Argon2id), signed in; an API token for this script"
site=$(api POST /api/v1/sites '{"name": "St. Mary Hospital", "time_zone": "Europe/Paris"}' |
	field id)
echo "  site $site: St. Mary Hospital"

step "medfw push: the manufacturer's repository, verified by the server against the pinned root"
(umask 077 && printf '%s' "$api_token" >fleet/token)
"$medfw" push --server "$url" --token-file fleet/token --repo repo \
	--pin-root repo/metadata/1.root.json

step "a device record (GS1 UDI-DI check digit verified) and its one-time enrolment token"
dev=$(api POST /api/v1/devices "{\"site_id\": $site, \"serial\": \"PUMP-0001\",
	\"model\": \"InfuPump 3\", \"hardware_id\": \"$hw\",
	\"udi\": \"(01)09506000134352(10)LOT42(21)PUMP-0001\", \"department\": \"ICU\"}" | field id)
mkdir -p pump
(umask 077 && api POST "/api/v1/devices/$dev/enrolment-token" '{}' >pump/token.json)
python3 -c 'import json, sys
t = json.load(open(sys.argv[2]))
import datetime
when = datetime.datetime.fromtimestamp(t["expires_at"], datetime.timezone.utc)
print("  device %s: enrolment token %s... for its agent (one use, expires %s)"
      % (sys.argv[1], t["token"][:8], when.strftime("%Y-%m-%d %H:%M UTC")))
open(sys.argv[3], "w").write(t["token"])' "$dev" pump/token.json pump/token
rm pump/token.json
echo "  a second pump whose UDI has a wrong GS1 check digit:"
refused api POST /api/v1/devices \
	"{\"site_id\": $site, \"udi\": \"(01)09506000134353(21)PUMP-0002\"}"

step "the pump's agent (medfw-agent): two file slots, U-Boot-style boot state, enrolment"
head -c $((2 * 1024 * 1024)) /dev/urandom >pump/slot-a.img   # the factory image
: >pump/slot-b.img
printf 'BOOT_ORDER=A B\nBOOT_A_LEFT=3\nBOOT_B_LEFT=0\nMEDFW_LAST_GOOD=A\n' >pump/bootstate
echo A >pump/booted
echo in_use >pump/clinical
printf '#!/bin/sh\necho "self-test of slot $MEDFW_SLOT: ok"\n' >pump/health.sh
printf '#!/bin/sh\necho reboot >>%s/pump/reboots\n' "$work" >pump/reboot.sh
chmod +x pump/health.sh pump/reboot.sh
cat >pump/agent.conf <<EOF
server_url = $url
allow_http = true
state_dir = $work/pump/state
image_root = $work/repo/metadata/1.root.json
hardware_id = $hw
factory_version = 4.1.0
slot_a = $work/pump/slot-a.img
slot_b = $work/pump/slot-b.img
boot_state_file = $work/pump/bootstate
booted_slot_file = $work/pump/booted
clinical_state_file = $work/pump/clinical
health_check = $work/pump/health.sh
reboot_command = $work/pump/reboot.sh
EOF
agent() { "$medfw_agent" --config pump/agent.conf "$@" 2>>pump/agent.log; }
agent enroll --token-file pump/token
rm pump/token
boot() { # the bootloader: first slot of BOOT_ORDER with tries left, one try used
	local order a b s
	order=$(sed -n 's/^BOOT_ORDER=//p' pump/bootstate)
	a=$(sed -n 's/^BOOT_A_LEFT=//p' pump/bootstate)
	b=$(sed -n 's/^BOOT_B_LEFT=//p' pump/bootstate)
	for s in $order; do
		if [[ $s == A && $a -gt 0 ]]; then a=$((a - 1)); break; fi
		if [[ $s == B && $b -gt 0 ]]; then b=$((b - 1)); break; fi
	done
	sed -i -e "s/^BOOT_A_LEFT=.*/BOOT_A_LEFT=$a/" -e "s/^BOOT_B_LEFT=.*/BOOT_B_LEFT=$b/" pump/bootstate
	echo "$s" >pump/booted
	echo "  (bootloader: booted slot $s; $(tr '\n' ' ' <pump/bootstate))"
}

step "the release is assigned to the pump (install window: now for one day)"
now=$(date -u +%s)
win() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
api PUT "/api/v1/devices/$dev/assignment" "{\"target\": \"pump/fw-4.2.1.img\",
	\"window_start\": \"$(win $((now - 60)))\", \"window_end\": \"$(win $((now + 86400)))\"}" >/dev/null
echo "  the pump is in clinical use: the agent checks in, verifies, and waits"
echo "  agent: $(agent run --once)"
python3 -c 'import json, sys
s = json.load(open(sys.argv[1]))
n = s["release_notice"]
print("  its screen shows: %s %s (%s); downtime %d min; %s"
      % (s["status"], s["version"], s.get("reason", ""), n["install"]["downtime_minutes"],
         n["clinical_impact"][:70] + "..."))' pump/state/status.json
echo idle >pump/clinical
echo "  the pump is idle now:"
echo "  agent: $(agent run --once)   (downloaded, hashed and written to slot B in one pass, flipped)"
boot
echo "  agent: $(agent run --once)   (health check passed on slot B)"
agent status --json | python3 -c 'import json, sys
s = json.load(sys.stdin)
print("  running slot %s: %s, minimum security version now %d"
      % (s["booted"], s["slots"][s["booted"]]["version"], s["min_security_version"]))'
echo "  the pump's update history on the server:"
api GET "/api/v1/devices/$dev/events" | python3 -c 'import json, sys
for e in reversed(json.load(sys.stdin)["events"]):
    extra = e.get("reason") or ("%d/%d bytes" % (e["bytes"], e["total"]) if e.get("bytes") is not None else "")
    print("    %3d %-12s %-6s %s" % (e["seq"], e["type"], e.get("version") or "", extra))'

step "maintenance windows of St. Mary Hospital (Europe/Paris): every night 22:00-06:00, a blackout for an audit visit"
echo "  (for this demo the whole site is open today too, so that something happens now)"
today=$(TZ=Europe/Paris date +%a | tr 'A-Z' 'a-z')
api PUT "/api/v1/sites/$site/maintenance-windows" "{\"windows\": [
	{\"days\": [\"mon\",\"tue\",\"wed\",\"thu\",\"fri\",\"sat\",\"sun\"], \"start\": \"22:00\", \"end\": \"06:00\"},
	{\"days\": [\"$today\"], \"start\": \"00:00\", \"end\": \"00:00\"}],
	\"blackouts\": [{\"from\": \"$(date -u -d '+30 days' +%Y-%m-%d)\", \"to\": \"$(date -u -d '+32 days' +%Y-%m-%d)\", \"reason\": \"JCI accreditation visit\"}]}" |
	python3 -c 'import json, sys
b = json.load(sys.stdin)
for w in b["windows"]:
    print("  %-10s %s %s-%s" % (w["department"] or "site", ",".join(w["days"]), w["start"], w["end"]))
for x in b["blackouts"]:
    print("  blackout   %s..%s (%s)" % (x["from"], x["to"], x["reason"]))
for n in b["next"]:
    print("  next window (%s): %s .. %s" % (n["department"] or "site", n["start"], n["end"]))'

step "a fleet: 300 simulated pumps enrolled for real (medfw-sim: one key pair each, CSV import, one-time tokens)"
"$medfw_sim" enroll --server "$url" --api-token-file fleet/token --site "$site" --count 300 \
	--model "InfuPump 3" --hardware-id "$hw" --department Oncology --firmware-version 4.1.0 \
	--serial-prefix SM-ONC- --fleet fleet/sim.jsonl --threads 8 | sed 's/^/  /'
sim_run() { # run the simulated fleet in the background
	"$medfw_sim" run --server "$url" --api-token-file fleet/token --fleet fleet/sim.jsonl \
		--image-root repo/metadata/1.root.json --interval 2 --jitter 1 --reboot-seconds 1 \
		--seed 42 --stats fleet/sim-stats.json "$@" >>fleet/sim.log 2>&1 &
	sim_pid=$!
}
sim_stop() { kill "$sim_pid" 2>/dev/null || true; wait "$sim_pid" 2>/dev/null || true; sim_pid=""; }

release() { # VERSION: a new release signed by engineering and QA, published and pushed
	head -c $((1024 * 1024)) /dev/urandom >"pump-fw-$1.img"
	python3 -c 'import json, sys
n = json.load(open("notice.json")); n["product_version"] = sys.argv[1]
n["reason"]["summary"] = sys.argv[2]
json.dump(n, open("notice-%s.json" % sys.argv[1], "w"), indent=2)' "$1" "$2"
	"$medfw" release add --repo repo --image "pump-fw-$1.img" --notice "notice-$1.json" \
		--name "pump/fw-$1.img" >/dev/null
	"$medfw" repo sign --repo repo --role targets --key engineering.pem >/dev/null
	"$medfw" repo sign --repo repo --role targets --key qa.pem >/dev/null
	"$medfw" repo publish --repo repo --snapshot-key snapshot.pem --timestamp-key timestamp.pem >/dev/null
	"$medfw" push --server "$url" --token-file fleet/token --repo repo >/dev/null
	echo "  pump/fw-$1.img signed (engineering + QA), published, pushed"
}
person_token() { # USERNAME ROLE -> an API token of a new user
	api POST /api/v1/users "{\"username\": \"$1\", \"password\": \"$pw\", \"role\": \"$2\", \"site_id\": $site}" >/dev/null
	local h l c
	l=$(curl -sS --fail-with-body -D fleet/h-$1.txt -X POST "$url/api/v1/session" \
		-H 'Content-Type: application/json' --data "{\"username\": \"$1\", \"password\": \"$pw\"}")
	c=$(sed -n 's|^[Ss]et-[Cc]ookie: \(medfw_session=[^;]*\);.*|\1|p' fleet/h-$1.txt)
	curl -sS --fail-with-body -X POST "$url/api/v1/tokens" -H "Cookie: $c" \
		-H "X-CSRF-Token: $(field csrf_token <<<"$l")" -H 'Content-Type: application/json' \
		--data '{"name": "demo"}' | field token
}
as() { # TOKEN METHOD PATH [JSON]
	local t=$1; shift
	curl -sS -X "$1" "$url$2" -H 'Content-Type: application/json' -H "Authorization: Bearer $t" \
		${3:+--data "$3"}
}
progress() { # ROLLOUT: one line per wave
	api GET "/api/v1/rollouts/$1" | python3 -c 'import json, sys
r = json.load(sys.stdin)
print("  rollout %d %s: %s%s" % (r["id"], r["version"], r["state"],
      (" -- " + r["state_reason"]) if r["state_reason"] else ""))
for w in r["progress"]:
    d = {k: v for k, v in w["devices"].items() if v}
    print("    wave %d %-7s %4d devices  %s" % (w["wave"], w["name"], w["members"],
          " ".join("%s=%d" % kv for kv in d.items()) or "-"))
if r["seconds_to_50_percent"] is not None:
    print("    50 %% of the fleet updated after %ds, 95 %% after %s" % (r["seconds_to_50_percent"],
          "%ds" % r["seconds_to_95_percent"] if r["seconds_to_95_percent"] is not None else "-"))'
}
wait_state() { # ROLLOUT STATE SECONDS
	for _ in $(seq "$3"); do
		[[ $(api GET "/api/v1/rollouts/$1" | field state) == "$2" ]] && return 0
		sleep 1
	done
	echo "  (rollout $1 did not reach $2 in $3 s)"; return 1
}
waves='[{"name": "canary", "count": 15, "success_threshold": 90, "error_threshold": 20, "soak_seconds": 5},
	{"name": "half", "percent": 50, "success_threshold": 95, "error_threshold": 10, "soak_seconds": 3},
	{"name": "all", "percent": 100, "success_threshold": 95, "error_threshold": 10}]'

step "release 4.2.2, and a rollout to the oncology pumps by the clinical engineer"
release 4.2.2 "Faster drug-library updates."
biomed=$(person_token biomed clinical_engineer)
secoff=$(person_token secoff security_officer)
r1=$(as "$biomed" POST /api/v1/rollouts "{\"name\": \"4.2.2 for Oncology\", \"target\": \"pump/fw-4.2.2.img\",
	\"selector\": {\"departments\": [\"Oncology\"]}, \"waves\": $waves}" | field id)
echo "  rollout $r1: canary of 15, then half, then all; awaiting approval"
echo "  the clinical engineer approves it himself: $(as "$biomed" POST "/api/v1/rollouts/$r1/approve" '{}' |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["error"]["message"])')"
as "$secoff" POST "/api/v1/rollouts/$r1/approve" '{}' >/dev/null
echo "  the security officer approves it: running"

step "the fleet runs; 4.2.2 fails its health check on 40 % of the pumps"
sim_run --health-fail-rate 0.4
wait_state "$r1" paused 90 || true
sim_stop
progress "$r1"
echo "  no pump outside the canary was touched; the canary's failed pumps rolled back to 4.1.0"
as "$biomed" POST "/api/v1/rollouts/$r1/cancel" '{"reason": "health checks fail on 4.2.2"}' >/dev/null
echo "  cancelled"

step "the fixed release 4.2.3, a new rollout, approved by the security officer"
release 4.2.3 "Fixes the health-check failure of 4.2.2; faster drug-library updates."
r2=$(as "$biomed" POST /api/v1/rollouts "{\"name\": \"4.2.3 for Oncology\", \"target\": \"pump/fw-4.2.3.img\",
	\"selector\": {\"departments\": [\"Oncology\"]}, \"waves\": $waves}" | field id)
as "$secoff" POST "/api/v1/rollouts/$r2/approve" '{}' >/dev/null
sim_run
wait_state "$r2" completed 240 || true
sim_stop
progress "$r2"
python3 -c 'import json, sys
s = json.load(open(sys.argv[1]))
print("  medfw-sim: %d check-ins (%.0f/s, p99 %.1f ms), %d downloads, %d errors"
      % (s["checkins_ok"], s["checkins_per_second"], s["checkin_latency_ms"]["p99"],
         s["downloads"], s["checkins_failed"]))' fleet/sim-stats.json

step "vulnerability management: the SBOMs of 4.2.2 and 4.2.3, two NVD records, findings, SLA due dates, a VEX statement"
mkdir -p feeds
python3 - <<'EOF'
import json, uuid
def sbom(version, openssl, xz):
    lib = lambda ref, name, v, cpe: {"type": "library", "bom-ref": ref, "name": name, "version": v,
                                      "cpe": cpe % v}
    return {"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
            "serialNumber": "urn:uuid:%s" % uuid.uuid4(),
            "metadata": {"component": {"type": "firmware", "bom-ref": "pump",
                                       "name": "ACME Infusion Pump", "version": version}},
            "components": [lib("openssl", "openssl", openssl, "cpe:2.3:a:openssl:openssl:%s:*:*:*:*:*:*:*"),
                           lib("xz", "xz", xz, "cpe:2.3:a:tukaani:xz:%s:*:*:*:*:*:*:*")]}
json.dump(sbom("4.2.2", "3.0.1", "5.4.1"), open("sbom-4.2.2.cdx.json", "w"), indent=1)
json.dump(sbom("4.2.3", "3.0.8", "5.6.1"), open("sbom-4.2.3.cdx.json", "w"), indent=1)
# two records as the NVD CVE API 2.0 serves them (public data, trimmed to what matching reads)
def cvss(vector, score, severity):
    return {"cvssMetricV31": [{"source": "nvd@nist.gov", "type": "Primary", "cvssData": {
        "version": "3.1", "vectorString": vector, "baseScore": score, "baseSeverity": severity}}]}
def match(criteria, mid, **versions):
    return dict({"vulnerable": True, "criteria": criteria, "matchCriteriaId": mid}, **versions)
records = [
    {"id": "CVE-2022-0778", "sourceIdentifier": "openssl-security@openssl.org",
     "published": "2022-03-15T17:15:08.513", "lastModified": "2024-06-21T19:15:21.473",
     "vulnStatus": "Modified",
     "descriptions": [{"lang": "en", "value": "The BN_mod_sqrt() function, which computes a "
                       "modular square root, contains a bug that can cause it to loop forever "
                       "for non-prime moduli (certificate parsing)."}],
     "metrics": cvss("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H", 7.5, "HIGH"),
     "references": [{"url": "https://www.openssl.org/news/secadv/20220315.txt",
                     "source": "openssl-security@openssl.org"}],
     "configurations": [{"nodes": [{"operator": "OR", "negate": False, "cpeMatch": [
         match("cpe:2.3:a:openssl:openssl:*:*:*:*:*:*:*:*", "16D7B14C-9D04-40AC-9FCE-73D3DF468DB2",
               versionStartIncluding="1.1.0", versionEndExcluding="1.1.1n"),
         match("cpe:2.3:a:openssl:openssl:*:*:*:*:*:*:*:*", "E7225F27-E0BC-4716-AF68-8D68EE90F7CE",
               versionStartIncluding="3.0.0", versionEndExcluding="3.0.2")]}]}]},
    {"id": "CVE-2024-3094", "sourceIdentifier": "secalert@redhat.com",
     "published": "2024-03-29T17:15:21.150", "lastModified": "2026-06-17T07:43:17.830",
     "vulnStatus": "Modified",
     "descriptions": [{"lang": "en", "value": "Malicious code was discovered in the upstream "
                       "tarballs of xz, starting with version 5.6.0."}],
     "metrics": cvss("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H", 10.0, "CRITICAL"),
     "references": [{"url": "https://www.openwall.com/lists/oss-security/2024/03/29/4",
                     "source": "secalert@redhat.com"}],
     "configurations": [{"nodes": [{"operator": "OR", "negate": False, "cpeMatch": [
         match("cpe:2.3:a:tukaani:xz:5.6.0:*:*:*:*:*:*:*", "73F1DAD7-F362-4C5B-B980-2E5313C369DA"),
         match("cpe:2.3:a:tukaani:xz:5.6.1:*:*:*:*:*:*:*", "55782A0B-B9C5-4536-A885-84CAB7029C09")]}]}]}]
json.dump({"resultsPerPage": 2, "startIndex": 0, "totalResults": 2, "format": "NVD_CVE",
           "version": "2.0", "timestamp": "2026-11-22T00:00:00.000",
           "vulnerabilities": [{"cve": r} for r in records]}, open("feeds/nvd-page.json", "w"), indent=1)
EOF
"$medfw" vuln import --server "$url" --token-file fleet/token feeds \
	--sbom pump/fw-4.2.2.img=sbom-4.2.2.cdx.json --sbom pump/fw-4.2.3.img=sbom-4.2.3.cdx.json |
	sed 's/^/  /'
for rel in 4.2.2 4.2.3; do
	api GET "/api/v1/vulnerabilities/findings?release=pump/fw-$rel.img" | python3 -c 'import json, sys
for f in json.load(sys.stdin)["findings"]:
    print("  %s  %-8s %-14s %-13s %-8s %s" % (sys.argv[1], f["component"]["ref"], f["vulnerability"],
          f["status"], f["severity_level"], ("fixed by " + f["fixed_by"]) if f["fixed_by"] else ""))' "$rel"
done
exposures() { # what St. Mary Hospital is exposed to, and by when (its SLA policy: the defaults)
	api GET "/api/v1/reports/vulnerabilities?site=$site" | python3 -c 'import json, sys
s = json.load(sys.stdin)["sites"][0]
print("  St. Mary: %d devices, %d with a known SBOM, %d exposed; open: %s; closed: %d" % (
      s["devices"], s["devices_with_sbom"], s["exposed_devices"],
      ", ".join("%s %d" % kv for kv in s["open"].items() if kv[1]) or "none",
      s["closed"]))
for e in s["exposures"]:
    print("    %s (%s) on %d pumps since %s, due %s%s" % (e["vulnerability"], e["severity_level"],
          e["devices"], e["first_seen"], e["due"], " OVERDUE" if e["overdue"] else ""))'
}
exposures
body=$(api POST /api/v1/vulnerabilities/vex-statements '{"vulnerability": "CVE-2024-3094",
	"component": "xz", "release": "pump/fw-4.2.3.img", "status": "not_affected",
	"justification": "requires_environment",
	"detail": "The backdoor acts through sshd; the pump runs no SSH server. xz 5.6.1 is replaced in 4.2.4."}')
generation=$(python3 -c 'import json, sys; print(json.load(sys.stdin)["evaluation"]["generation"])' <<<"$body")
echo "  the manufacturer's VEX statement: CVE-2024-3094 not_affected in 4.2.3 (requires_environment)"
for _ in $(seq 60); do
	[[ $(api GET /api/v1/vulnerabilities/evaluation | field evaluated_generation) -ge $generation ]] && break
	sleep 1
done
exposures

step "the audit trail: exported and verified offline with the server's public key"
api GET /api/v1/audit/export >fleet/audit.jsonl
api GET /api/v1/audit/server-key >fleet/server-key.json
python3 -c 'import json, sys
events = [json.loads(l).get("event") for l in open(sys.argv[1])]
print("  " + ", ".join(dict.fromkeys(e for e in events if e)))' fleet/audit.jsonl
"$medfw" audit verify fleet/audit.jsonl --server-key fleet/server-key.json

step "the web dashboard, served by medfwd itself (no second server, nothing from the internet)"
csp=$(curl -sS -D - -o fleet/index.html "$url/ui" | tr -d '\r' | sed -n 's/^[Cc]ontent-[Ss]ecurity-[Pp]olicy: //p')
script=$(sed -n 's|.*<script type="module" crossorigin src="\(/assets/[^"]*\.js\)".*|\1|p' fleet/index.html)
[[ -n $script && $csp == *"script-src 'self'"* ]] || { echo "medfwd does not serve the dashboard (build/web)"; exit 1; }
echo "  $url/ui  Content-Security-Policy: $csp"
echo "  the app: $script, $(curl -sS "$url$script" | wc -c) bytes; its data comes from /api/v1 like the command line's"

step "done: only what the manufacturer signed, for this hardware, and still fresh, is accepted"
echo "  medfwd: $url   dashboard: $url/ui   (data: $work/fleet/data)"
echo "  sign in as ce-admin, biomed (clinical engineer) or secoff (security officer),"
echo "  password: $pw"
if [[ -t 0 && -z ${CI:-} ]]; then
	echo "  the server keeps running; Ctrl-C stops it and removes the demo's files"
	trap 'echo; echo "stopping"; exit 0' INT TERM
	wait "$medfwd_pid" || true
	medfwd_pid=""
else
	kill "$medfwd_pid"
	wait "$medfwd_pid" || true
	medfwd_pid=""
fi
