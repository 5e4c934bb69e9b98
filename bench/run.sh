#!/usr/bin/env bash
# bench/run.sh — medfw's benchmarks; `make bench` runs it as `bench/run.sh build/release/medfw`.
#
#   bench/run.sh [PATH_TO_MEDFW]
#
# 1. A bundle holding a 1 GiB random image: `medfw verify` against `openssl dgst -sha256`
#    (this machine's SHA-256 limit) and `sha256sum` of the same file, and against the peers
#    a user would otherwise pick (RAUC plain + verity, mender-artifact, SWUpdate, minisign):
#    create step and verify step, median wall time of $BENCH_REPS runs, warm cache, ratio to
#    openssl dgst -sha256, peak RSS (GNU time %M).
# 2. A 1 KiB image: verify time with hyperfine (mean of many runs).
# 3. A tamper check on the 1 KiB bundles: one payload bit flipped; does verify notice?
# 4. Device check-ins per second, medfwd (100,000 enrolled devices; check-ins signed with
#    session keys, the main row, and with the device's Ed25519 key) against nginx serving a
#    static file of the same size, one load generator: bench/checkin.sh (medfwd and
#    medfw_loadgen from the same build directory as PATH_TO_MEDFW).
# 5. The device agent (bench/agent.py, its own section; medfwd, medfw and medfw-agent from
#    the same build directory): `medfw-agent run --once` installing a 1 GiB and a 64 MiB
#    image from medfwd over loopback into a file slot against `curl -o` of the same URL
#    (throughput ratio, peak RSS), and `medfw-agent install BUNDLE --no-reboot` against
#    `rauc install` of a plain RAUC bundle of the same 1 GiB image into a raw file slot
#    (RAUC's service on a private D-Bus) and against `mender install` of a rootfs-image
#    artifact into a loop device (mender-client, if installed; stand-in boot environment).
#    `bench/agent.py build/release BENCHMARKS.md` reruns only that part and replaces only
#    its section.
# 6. A four-wave staged rollout to 10,000 and 100,000 simulated devices (bench/rollout.py,
#    its own section; medfwd, medfw and medfw-sim from the same build directory): rollout
#    time against the protocol's floor, check-ins per second achieved against offered,
#    medfwd CPU and peak RSS, errors. `bench/rollout.py build/release BENCHMARKS.md`
#    reruns only that part.
# 7. Vulnerability feeds (bench/vuln.py, its own section; medfwd and tests/tools' vulnbench
#    from the same build directory): import throughput of NVD pages and OSV records (the
#    library loader and medfwd's import, first and again) against JSON parsing (python3,
#    jq) and cat / sha256sum of the same bytes, and a full re-match of 200,000 records
#    against 200 releases x 5,000 components (medfw_store_vuln_reevaluate on a SQLite
#    store, first and with nothing changed; the library alone as the floor): wall time,
#    peak RSS, findings by status. `bench/vuln.py build/release BENCHMARKS.md` reruns only
#    that part.
# 8. The web dashboard (bench/web.py, its own section; medfwd and medfw from the same build
#    directory, the dashboard built into build/web, chromium driven by tests/browser's
#    playwright-core): its files served by medfwd against nginx (wrk: requests/s, MB/s,
#    304s; the same bytes and medfwd's CSP checked first), and its pages at 10,000 and
#    100,000 devices (overview charts, device list, UDI search, sort, CSV export) against
#    the API calls they make, with the bundle size and medfwd's peak RSS. BENCH_WEB=0
#    skips it; `bench/web.py build/release BENCHMARKS.md` reruns only that part.
# Writes BENCHMARKS.md at the repository root. If PATH_TO_MEDFW is missing or its --help
# does not list `verify`, medfw's rows say so; no number is ever made up.
#
# Environment: BENCH_SIZE_MIB (default 1024; also the agent's large image), BENCH_REPS (default 3),
#   BENCH_WORKDIR (default bench/out; $TMPDIR works too), BENCH_KEEP=1 keeps the work dir,
#   BENCH_OUTPUT (default BENCHMARKS.md at the repository root), BENCH_AGENT=0 skips step 5
#   (its section then says it was not measured), BENCH_AGENT_RAUC=0 / BENCH_AGENT_MENDER=0
#   skip its RAUC / mender-client rows, BENCH_ROLLOUT=0 skips step 6 (BENCH_ROLLOUT_SIZES
#   picks the fleet sizes), BENCH_VULN=0 skips step 7 (BENCH_VULN_RECORDS / _RELEASES /
#   _COMPONENTS set its scale), BENCH_WEB=0 skips step 8 (BENCH_WEB_SIZES picks its fleet
#   sizes).
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
# shellcheck source=bench/lib.sh
source "$here/lib.sh"

MEDFW=${1:-}
SIZE_MIB=${BENCH_SIZE_MIB:-1024}
REPS=${BENCH_REPS:-3}
OUTPUT=${BENCH_OUTPUT:-$root/BENCHMARKS.md}
BIG="${SIZE_MIB}MiB"
[[ $SIZE_MIB -eq 1024 ]] && BIG="1GiB"
SMALL="1KiB"

for t in openssl sha256sum hyperfine rauc mender-artifact swupdate minisign mksquashfs \
	/usr/bin/time /usr/bin/python3; do
	command -v "$t" >/dev/null || die "$t is not installed: run scripts/install-deps.sh --bench"
done

base=${BENCH_WORKDIR:-$root/bench/out}
mkdir -p "$base" || die "cannot create $base"
# image + RAUC plain + RAUC verity + mender + swu + medfw bundle, plus slack; the agent step
# (after those files are deleted) needs its images, medfwd's copy, slot, curl's file, bundle
need_mib=$((SIZE_MIB * 7 + 512))
agent_need_mib=$(((SIZE_MIB + 64) * 4 + SIZE_MIB + 512))
((agent_need_mib > need_mib)) && need_mib=$agent_need_mib
avail_mib=$(df -Pm "$base" | awk 'NR == 2 {print $4}')
((avail_mib >= need_mib)) || die "need ${need_mib} MiB free in $base, have ${avail_mib} MiB"
W=$(mktemp -d "$base/run.XXXXXX") || die "mktemp failed in $base"
[[ $W =~ [[:space:]] ]] && die "work dir path must not contain spaces: $W"
cleanup() {
	if [[ ${BENCH_KEEP:-0} == 1 ]]; then
		log "kept work dir $W"
	else
		# keep the logs (small) for a look after the run, drop the GiB-sized files
		rm -rf "$base/last-logs" && cp -r "$W/logs" "$base/last-logs" 2>/dev/null
		rm -rf "$W"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

export LOGDIR=$W/logs RESULTS=$W/results.tsv HYPER=$W/hyper.tsv TAMPER=$W/tamper.tsv
export SWU_SPURIOUS_LOG=$W/swupdate-spurious SWU_RUNS_LOG=$W/swupdate-runs
# swupdate and others put temporary files in $TMPDIR: keep them in the work dir
export TMPDIR=$W/tmp
mkdir -p "$LOGDIR" "$TMPDIR"
: >"$RESULTS"
: >"$HYPER"
: >"$TAMPER"
K=$W/keys
started=$(date +%s)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)

# --- medfw ------------------------------------------------------------------------------
MEDFW_STATUS=""
if [[ -z $MEDFW ]]; then
	MEDFW_STATUS="medfw verify is not available: no medfw binary given (bench/run.sh PATH_TO_MEDFW)"
elif [[ ! -x $MEDFW ]]; then
	MEDFW_STATUS="medfw verify is not available in this build: $MEDFW does not exist (not built)"
elif ! "$MEDFW" --help 2>&1 | grep -qE '(^|[[:space:]])verify([[:space:]]|$)'; then
	MEDFW_STATUS="medfw verify is not available in this build ($MEDFW --help does not list it)"
else
	MEDFW=$(realpath "$MEDFW")
fi
[[ -n $MEDFW_STATUS ]] && log "$MEDFW_STATUS"

# ======================================================================================
# medfw_prepare_bundle IMAGE DIR SIZE_LABEL
#   Builds a signed medfw bundle holding IMAGE under DIR and sets MEDFW_BUNDLE and
#   MEDFW_ROOT (the trusted root metadata for `medfw verify --trusted-root`).
#   THIS FUNCTION MUST TRACK THE medfw CLI: it was written from the planned command list
#   before the commands existed; when a command or flag changes, change it here (and only
#   here — the rest of the harness just times `medfw verify "$MEDFW_BUNDLE" --trusted-root
#   "$MEDFW_ROOT"`). `release add` and `bundle create` read the whole image, so they are
#   timed (once: the repository is stateful) as medfw's create steps.
# ======================================================================================
medfw_prepare_bundle() {
	local image=$1 dir=$2 size=$3
	local repo=$dir/repo keys=$dir/keys k
	mkdir -p "$keys"
	for k in root targets snapshot timestamp; do
		"$MEDFW" key generate --type ed25519 --out "$keys/$k.pem" --no-passphrase \
			>"$LOGDIR/medfw.key-$k.$size.log" 2>&1 || return 1
	done
	"$MEDFW" repo init --repo "$repo" \
		--root-key "$keys/root.pem.pub.json" --targets-key "$keys/targets.pem.pub.json" \
		--snapshot-key "$keys/snapshot.pem.pub.json" \
		--timestamp-key "$keys/timestamp.pem.pub.json" \
		>"$LOGDIR/medfw.repo-init.$size.log" 2>&1 || return 1
	# the example notice with a hardware id of the bench device
	sed 's/"acme-infusion-pump-rev-c"/"bench-device"/' \
		"$here/../docs/formats/release-notice.example.json" >"$dir/notice.json"
	measure medfw "create: release add" "$size" 1 --note "1 run (stateful repository)" -- \
		"$MEDFW" release add --repo "$repo" --image "$image" --notice "$dir/notice.json" \
		--name bench.img || return 1
	"$MEDFW" repo sign --repo "$repo" --role root --key "$keys/root.pem" \
		>"$LOGDIR/medfw.repo-sign-root.$size.log" 2>&1 || return 1
	"$MEDFW" repo sign --repo "$repo" --role targets --key "$keys/targets.pem" \
		>"$LOGDIR/medfw.repo-sign.$size.log" 2>&1 || return 1
	"$MEDFW" repo publish --repo "$repo" --snapshot-key "$keys/snapshot.pem" \
		--timestamp-key "$keys/timestamp.pem" \
		>"$LOGDIR/medfw.repo-publish.$size.log" 2>&1 || return 1
	measure medfw "create: bundle create" "$size" 1 --note "1 run" -- \
		"$MEDFW" bundle create --repo "$repo" --target bench.img \
			--out "$dir/bundle.mfb" || return 1
	MEDFW_BUNDLE=$dir/bundle.mfb
	MEDFW_ROOT=$repo/metadata/1.root.json
	[[ -f $MEDFW_BUNDLE && -f $MEDFW_ROOT ]]
}
# ======================================================================================

# Verify command templates: {B} is replaced by the bundle (or signed file) path.
declare -A VERIFY BUNDLE

# run_set SIZE IMAGE REPS — create and verify with every tool; fills VERIFY/BUNDLE for SIZE
run_set() {
	local size=$1 img=$2 reps=$3
	local d=$W/$size
	mkdir -p "$d"
	warm "$img"

	measure "openssl dgst -sha256" "hash" "$size" "$reps" --warmup -- openssl dgst -sha256 "$img"
	measure "sha256sum" "hash" "$size" "$reps" --warmup -- sha256sum "$img"

	local fmt
	for fmt in plain verity; do
		local t="RAUC $fmt" b=$d/$fmt.raucb
		"$here/peers.sh" rauc_dir "$fmt" "$img" "$d/rauc-$fmt"
		if measure "$t" "create: rauc bundle" "$size" "$reps" --pre "rm -f '$b'" -- \
			rauc bundle --cert="$K/signer.pem" --key="$K/signer.key" "$d/rauc-$fmt" "$b"; then
			rm -rf "$d/rauc-$fmt"
			warm "$b"
			VERIFY[$t.$size]="rauc info --keyring=$K/ca.pem {B}"
			BUNDLE[$t.$size]=$b
			measure "$t" "verify: rauc info" "$size" "$reps" --warmup -- \
				rauc info --keyring="$K/ca.pem" "$b"
		else
			record_status "$t" "verify: rauc info" "$size" "not run" "create failed"
		fi
	done

	local t=mender-artifact b=$d/image.mender
	if measure "$t" "create: write rootfs-image" "$size" "$reps" --pre "rm -f '$b'" -- \
		mender-artifact --compression none write rootfs-image -f "$img" -n bench-1.0.0 \
			-t medfw-bench -k "$K/mender.key" -o "$b"; then
		warm "$b"
		VERIFY[$t.$size]="mender-artifact validate -k $K/mender.pub {B}"
		BUNDLE[$t.$size]=$b
		measure "$t" "verify: validate" "$size" "$reps" --warmup -- \
			mender-artifact validate -k "$K/mender.pub" "$b"
	else
		record_status "$t" "verify: validate" "$size" "not run" "create failed"
	fi

	t=SWUpdate b=$d/image.swu
	if measure "$t" "create: sw-description + CMS sig + cpio" "$size" "$reps" \
		--pre "rm -f '$b'" -- "$here/peers.sh" swu_create "$img" "$b" "$K"; then
		warm "$b"
		VERIFY[$t.$size]="$here/swupdate-check.sh -c -k $K/ca.pem -H bench:1.0 -i {B}"
		BUNDLE[$t.$size]=$b
		measure "$t" "verify: swupdate -c -k" "$size" "$reps" --warmup -- \
			"$here/swupdate-check.sh" -c -k "$K/ca.pem" -H bench:1.0 -i "$b"
	else
		record_status "$t" "verify: swupdate -c -k" "$size" "not run" "create failed"
	fi

	t=minisign b=$d/image.minisig
	if measure "$t" "create: minisign -S" "$size" "$reps" --pre "rm -f '$b'" -- \
		minisign -S -s "$K/minisign.key" -m "$img" -x "$b"; then
		VERIFY[$t.$size]="minisign -V -q -p $K/minisign.pub -x $b -m {B}"
		BUNDLE[$t.$size]=$img
		measure "$t" "verify: minisign -V" "$size" "$reps" --warmup -- \
			minisign -V -q -p "$K/minisign.pub" -x "$b" -m "$img"
	else
		record_status "$t" "verify: minisign -V" "$size" "not run" "create failed"
	fi

	t=medfw
	if [[ -n $MEDFW_STATUS ]]; then
		record_status "$t" "verify" "$size" "not available" "$MEDFW_STATUS"
	elif medfw_prepare_bundle "$img" "$d/medfw" "$size"; then
		warm "$MEDFW_BUNDLE"
		VERIFY[$t.$size]="$MEDFW verify {B} --trusted-root $MEDFW_ROOT"
		BUNDLE[$t.$size]=$MEDFW_BUNDLE
		measure "$t" "verify" "$size" "$reps" --warmup -- \
			"$MEDFW" verify "$MEDFW_BUNDLE" --trusted-root "$MEDFW_ROOT"
	else
		record_status "$t" "verify" "$size" "not run" \
			"medfw_prepare_bundle failed: see bench/out/last-logs/medfw.*; does it track the CLI?"
	fi
}

verifiers=("RAUC plain" "RAUC verity" mender-artifact SWUpdate minisign medfw)

# verify_cmd TOOL SIZE BUNDLE — the verify command for TOOL with BUNDLE substituted
verify_cmd() { local c=${VERIFY[$1.$2]}; printf '%s' "${c//\{B\}/$3}"; }

log "keys"
"$here/peers.sh" keys "$K" || die "key set-up failed"

# --- 1 KiB: create + verify (RSS), hyperfine; then the tamper check ------------------------------
head -c 1024 /dev/urandom >"$W/small.img"
run_set "$SMALL" "$W/small.img" "$REPS"
hyper "openssl dgst -sha256" "$SMALL" -- openssl dgst -sha256 "$W/small.img"
hyper "sha256sum" "$SMALL" -- sha256sum "$W/small.img"
for t in "${verifiers[@]}"; do
	[[ -n ${VERIFY[$t.$SMALL]:-} ]] || continue
	# shellcheck disable=SC2046  # template words carry no spaces (checked above)
	hyper "$t" "$SMALL" -- $(verify_cmd "$t" "$SMALL" "${BUNDLE[$t.$SMALL]}")
done
# tamper check on 1 MiB bundles (RAUC's verity format cannot hold a 1 KiB image)
TAMPER_SIZE=1MiB
head -c $((1024 * 1024)) /dev/urandom >"$W/tamper.img"
run_set "$TAMPER_SIZE" "$W/tamper.img" 1
for t in "${verifiers[@]}"; do
	if [[ -z ${VERIFY[$t.$TAMPER_SIZE]:-} ]]; then
		[[ $t == medfw && -n $MEDFW_STATUS ]] ||
			printf '%s\t%s\n' "$t" "not tested (no bundle)" >>"$TAMPER"
		continue
	fi
	orig=${BUNDLE[$t.$TAMPER_SIZE]}
	bad=$W/tampered.${orig##*/}
	cp "$orig" "$bad"
	if flip_payload_byte "$W/tamper.img" "$bad"; then
		# shellcheck disable=SC2046
		$(verify_cmd "$t" "$TAMPER_SIZE" "$bad") >"$LOGDIR/tamper.${t// /_}.log" 2>&1
		rc=$?
		if [[ $rc -ne 0 ]]; then res="rejected (exit $rc)"; else res="ACCEPTED (exit 0)"; fi
		# and the untouched bundle still verifies
		$(verify_cmd "$t" "$TAMPER_SIZE" "$orig") >/dev/null 2>&1 || res="$res; untouched bundle FAILED too"
	else
		res="not tested (image not stored verbatim in the bundle)"
	fi
	printf '%s\t%s\n' "$t" "$res" >>"$TAMPER"
	log "tamper $t: $res"
	rm -f "$bad"
done

# --- the big image -----------------------------------------------------------------------
log "making the ${BIG} random image"
head -c "$((SIZE_MIB * 1024 * 1024))" /dev/urandom >"$W/image.img" || die "cannot write image"
run_set "$BIG" "$W/image.img" "$REPS"

# --- device check-ins: medfwd against nginx (bench/checkin.sh, its own section) ----------
log "device check-ins: medfwd against nginx"
"$here/checkin.sh" "$(dirname "${1:-$root/build/release/medfw}")" "$W/checkin" ||
	log "bench/checkin.sh failed"
cp -r "$W/checkin/logs" "$LOGDIR/checkin" 2>/dev/null
cp "$W/checkin/checkin.json" "$LOGDIR/" 2>/dev/null

# --- the device agent: install from medfwd against curl, bundle against RAUC (bench/agent.py) ---
# The big image's bundles are done with: their disk space goes to the agent's step.
rm -rf "${W:?}/$BIG" "$W/image.img"
AGENT_RESULT=$W/agent.json
if [[ ${BENCH_AGENT:-1} == 0 ]]; then
	log "device agent: skipped (BENCH_AGENT=0)"
else
	log "device agent: medfw-agent against curl and RAUC"
	BENCH_AGENT_COMMAND="bench/run.sh ${1:-} (this part: bench/agent.py)" \
		/usr/bin/python3 "$here/agent.py" measure "$(dirname "${1:-$root/build/release/medfw}")" \
		"$AGENT_RESULT" --work "$W/agent" || log "bench/agent.py failed"
	cp -r "$W/agent/logs" "$LOGDIR/agent" 2>/dev/null
	cp "$AGENT_RESULT" "$LOGDIR/" 2>/dev/null
fi

# --- a staged rollout to a simulated fleet (bench/rollout.py) -----------------------------
ROLLOUT_RESULT=$W/rollout.json
if [[ ${BENCH_ROLLOUT:-1} == 0 ]]; then
	log "rollout: skipped (BENCH_ROLLOUT=0)"
else
	log "rollout: four waves to a simulated fleet"
	BENCH_ROLLOUT_COMMAND="bench/run.sh ${1:-} (this part: bench/rollout.py)" \
		/usr/bin/python3 "$here/rollout.py" measure "$(dirname "${1:-$root/build/release/medfw}")" \
		"$ROLLOUT_RESULT" --work "$W/rollout" || log "bench/rollout.py failed"
	cp "$ROLLOUT_RESULT" "$LOGDIR/" 2>/dev/null
fi

# --- vulnerability feeds: import throughput and a full re-match (bench/vuln.py) -------------
VULN_RESULT=$W/vuln.json
if [[ ${BENCH_VULN:-1} == 0 ]]; then
	log "vulnerability feeds: skipped (BENCH_VULN=0)"
else
	log "vulnerability feeds: import throughput and a full re-match"
	BENCH_VULN_COMMAND="bench/run.sh ${1:-} (this part: bench/vuln.py)" \
		/usr/bin/python3 "$here/vuln.py" measure "$(dirname "${1:-$root/build/release/medfw}")" \
		"$VULN_RESULT" --work "$W/vuln" || log "bench/vuln.py failed"
	cp -r "$W/vuln/logs" "$LOGDIR/vuln" 2>/dev/null
	cp "$VULN_RESULT" "$LOGDIR/" 2>/dev/null
	rm -rf "${W:?}/vuln"
fi

# --- 8. the web dashboard: its files against nginx, its pages at fleet scale (bench/web.py) ---
WEB_RESULT=$W/web.json
if [[ ${BENCH_WEB:-1} == 0 ]]; then
	log "web dashboard: skipped (BENCH_WEB=0)"
else
	log "web dashboard: files against nginx, pages at fleet scale in chromium"
	BENCH_WEB_COMMAND="bench/run.sh ${1:-} (this part: bench/web.py)" \
		/usr/bin/python3 "$here/web.py" measure "$(dirname "${1:-$root/build/release/medfw}")" \
		"$WEB_RESULT" --work "$W/web" || log "bench/web.py failed"
	cp "$WEB_RESULT" "$LOGDIR/" 2>/dev/null
	rm -rf "${W:?}/web"
fi

# --- report --------------------------------------------------------------------------------
elapsed=$(($(date +%s) - started))
tool_versions=$(for p in openssl coreutils rauc mender-artifact swupdate minisign squashfs-tools hyperfine; do
	printf '%s=%s ' "$p" "$(dpkg-query -W -f='${Version}' "$p" 2>/dev/null || echo '?')"
done)
medfw_version=""
[[ -z $MEDFW_STATUS ]] && medfw_version=$("$MEDFW" --version 2>/dev/null | head -n 1)
LOAD_BEFORE="$load_before" LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)" \
BIG="$BIG" SMALL="$SMALL" REPS="$REPS" ELAPSED="$elapsed" MEDFW_STATUS="$MEDFW_STATUS" \
	MEDFW_VERSION="$medfw_version" TOOL_VERSIONS="$tool_versions" \
	SWU_SPURIOUS="$(cat "$SWU_SPURIOUS_LOG" 2>/dev/null | wc -l)" \
	SWU_RUNS="$(cat "$SWU_RUNS_LOG" 2>/dev/null | wc -l)" \
	GIT_REV="$(git -C "$root" rev-parse --short HEAD 2>/dev/null)" \
	CHECKIN_RESULT="$W/checkin/checkin.json" \
	/usr/bin/python3 "$here/report.py" "$RESULTS" "$HYPER" "$TAMPER" >"$OUTPUT.tmp" &&
	mv "$OUTPUT.tmp" "$OUTPUT" || die "report failed"
# the agent's section goes after the others (without a result it says "not measured")
/usr/bin/python3 "$here/agent.py" update "$AGENT_RESULT" "$OUTPUT" || die "agent section failed"
/usr/bin/python3 "$here/rollout.py" update "$ROLLOUT_RESULT" "$OUTPUT" || die "rollout section failed"
/usr/bin/python3 "$here/vuln.py" update "$VULN_RESULT" "$OUTPUT" || die "vuln section failed"
/usr/bin/python3 "$here/web.py" update "$WEB_RESULT" "$OUTPUT" || die "web section failed"
log "wrote $OUTPUT in ${elapsed}s"
