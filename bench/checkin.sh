#!/usr/bin/env bash
# bench/checkin.sh — device check-ins per second: medfwd against nginx, one client, one run.
#
#   bench/checkin.sh BUILD_DIR WORK_DIR [--update REPORT.md]
#
# BUILD_DIR holds medfwd and medfw_loadgen (tests/tools/medfw_loadgen.c). Steps:
#  1. `medfw_loadgen setup`, once: a fresh medfwd SQLite store with $BENCH_CHECKIN_DEVICES
#     (100,000) enrolled devices, each with one earlier check-in (a fleet in service),
#     written through the store library, keys in a key file (deterministic from a public
#     seed: benchmark only). Every medfwd below starts on its own copy of that store.
#  2. A probe medfwd (its own copy): one check-in signed with a device key decides the
#     mode: 2xx -> the real benchmark; 404 -> "not available in this build", and GET
#     /healthz is measured instead (on a fresh copy), labelled as a stand-in; any other
#     status -> the check-in refused the generator's request (reported with the server's
#     answer), stand-in measured. Then one session is opened and one check-in signed with
#     it: if that fails, row 1 is reported as not measured, with the reason.
#  3. Row 1, the main row (the targets are judged on it): medfwd, check-ins signed with
#     session keys. The client first opens a session (POST $BENCH_CHECKIN_SESSION_PATH,
#     signed with the device's Ed25519 key) for each of $BENCH_CHECKIN_SIGNERS devices
#     spread over the 100,000 (timed: sessions/s, and medfwd's CPU for it, read when the
#     client reports its sessions open), then warm-up, then $BENCH_CHECKIN_DURATION s at
#     $BENCH_CHECKIN_CONNECTIONS keep-alive connections, every request with its own RFC
#     9421 hmac-sha256 signature (its own created time and random nonce).
#     The requests are signed before the clock starts ($BENCH_CHECKIN_SESSION_PRESIGN,
#     never reused; signed in the loop once used up): HMAC signing is much cheaper than
#     Ed25519 but not free in this client (a small test run on 2 shared cores measured
#     ~45-70 us of client CPU per request signing in the loop against ~25-35 us sending
#     pre-built ones: at half nginx's rate the difference would be most of a core taken
#     from the server), and the pool keeps the client's work per request the same as
#     against nginx. BENCH_CHECKIN_SESSION_PRESIGN=0 signs in the loop instead.
#  4. Row 2: medfwd (a fresh copy again), every check-in signed with the device's Ed25519
#     key, before the clock starts ($BENCH_CHECKIN_PRESIGN requests, never reused): signing
#     Ed25519 in the loop made the client the bottleneck (~1.5 of 2 cores).
#     BENCH_CHECKIN_ED25519=0 skips this row (reported as not run).
#     For each medfwd run: peak RSS (VmHWM, /proc/PID/status, at the end), CPU time
#     (/proc/PID/stat) over the client run (row 1: without the session opening, which is
#     reported on its own), the client's own CPU.
#  5. nginx (worker_processes = cores, config generated here, run as the current user
#     with its pid, logs and temp files under WORK_DIR) serving, as a static file, the
#     exact bytes medfwd answered the probe with; the same client with the same settings
#     sends the same kind of signed request (GET, since nginx's static module refuses
#     POST; the body is read and discarded) from a reused pool signed with the device
#     keys (Ed25519, as row 2: nginx cannot open sessions); the mean request size of
#     every row is measured and reported, so the small size difference is visible.
#  6. WORK_DIR/checkin.json (all figures) via bench/checkin_report.py; with --update,
#     the check-in section of REPORT.md is replaced (bench/run.sh instead puts the
#     section in the report it writes).
# No figure is ever made up: what did not run is reported as such.
#
# Environment: BENCH_CHECKIN_DEVICES (100000), BENCH_CHECKIN_SIGNERS (10000),
#   BENCH_CHECKIN_CONNECTIONS (64), BENCH_CHECKIN_DURATION (20 s), BENCH_CHECKIN_WARMUP
#   (3 s), BENCH_CHECKIN_PATH (/device/v1/checkin), BENCH_CHECKIN_SESSION_PATH
#   (/device/v1/session), BENCH_CHECKIN_KEYID (id|serial: what the signature's keyid
#   names), BENCH_CHECKIN_KEYID_PREFIX ("device:", as medfwd's keyid "device:<id>" in
#   docs/devices.md), BENCH_CHECKIN_SESSION_PRESIGN (700000: row 1's requests signed
#   before the clock starts, enough for the whole run at about half nginx's rate on 2
#   cores; 0 signs inside the measured loop), BENCH_CHECKIN_PRESIGN (200000: the same for
#   row 2, Ed25519), BENCH_CHECKIN_ED25519 (1; 0 skips row 2),
#   BENCH_CHECKIN_MEDFWD_THREADS (unset: medfwd's default `threads`, two workers per core).
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=bench/lib.sh
source "$here/lib.sh"

[[ $# -ge 2 ]] || die "usage: bench/checkin.sh BUILD_DIR WORK_DIR [--update REPORT.md]"
BUILD=$(realpath "$1") || die "no build dir $1"
W=$2
UPDATE=""
[[ ${3:-} == --update ]] && UPDATE=${4:?--update needs a file}
DEVICES=${BENCH_CHECKIN_DEVICES:-100000}
SIGNERS=${BENCH_CHECKIN_SIGNERS:-10000}
CONNS=${BENCH_CHECKIN_CONNECTIONS:-64}
DURATION=${BENCH_CHECKIN_DURATION:-20}
WARMUP=${BENCH_CHECKIN_WARMUP:-3}
CPATH=${BENCH_CHECKIN_PATH:-/device/v1/checkin}
KEYID=${BENCH_CHECKIN_KEYID:-id}
KEYID_PREFIX=${BENCH_CHECKIN_KEYID_PREFIX-device:}
SPATH=${BENCH_CHECKIN_SESSION_PATH:-/device/v1/session}
PRESIGN=${BENCH_CHECKIN_PRESIGN:-200000}
SPRESIGN=${BENCH_CHECKIN_SESSION_PRESIGN:-700000}
ED25519_ROW=${BENCH_CHECKIN_ED25519:-1}
MEDFWD_THREADS_OPT=${BENCH_CHECKIN_MEDFWD_THREADS:-}
((SIGNERS > DEVICES)) && SIGNERS=$DEVICES

LOADGEN=$BUILD/medfw_loadgen
MEDFWD=$BUILD/medfwd
mkdir -p "$W/logs" || die "cannot create $W"
W=$(realpath "$W")
[[ $W =~ [[:space:]] ]] && die "work dir path must not contain spaces: $W"
STATUS=""
[[ -x $LOADGEN ]] || STATUS="medfw_loadgen is not built ($LOADGEN)"
[[ -z $STATUS && ! -x $MEDFWD ]] && STATUS="medfwd is not built ($MEDFWD)"
NGINX=$(command -v nginx || true)
[[ -z $NGINX && -x /usr/sbin/nginx ]] && NGINX=/usr/sbin/nginx

medfwd_pid="" nginx_pid=""
stop_servers() {
	if [[ -n $medfwd_pid ]] && kill -0 "$medfwd_pid" 2>/dev/null; then
		kill -TERM "$medfwd_pid"
		for _ in $(seq 100); do kill -0 "$medfwd_pid" 2>/dev/null || break; sleep 0.1; done
		kill -0 "$medfwd_pid" 2>/dev/null && kill -KILL "$medfwd_pid"
		wait "$medfwd_pid" 2>/dev/null
	fi
	medfwd_pid=""
	if [[ -n $nginx_pid ]] && kill -0 "$nginx_pid" 2>/dev/null; then
		kill -QUIT "$nginx_pid"
		for _ in $(seq 100); do kill -0 "$nginx_pid" 2>/dev/null || break; sleep 0.1; done
		kill -0 "$nginx_pid" 2>/dev/null && kill -TERM "$nginx_pid"
		wait "$nginx_pid" 2>/dev/null
	fi
	nginx_pid=""
}
trap stop_servers EXIT
trap 'exit 130' INT TERM

free_port() {
	/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# peak RSS (KiB) of a process and, with --children, of its child processes summed
vm_hwm() {
	local pid=$1 total=0 p v
	for p in "$pid" $([[ ${2:-} == --children ]] && pgrep -P "$pid"); do
		v=$(awk '/^VmHWM:/ {print $2}' "/proc/$p/status" 2>/dev/null)
		total=$((total + ${v:-0}))
	done
	echo "$total"
}

# CPU time (clock ticks, user+system) of a process and, with --children, its children
cpu_ticks() {
	local pid=$1 total=0 p v
	for p in "$pid" $([[ ${2:-} == --children ]] && pgrep -P "$pid"); do
		v=$(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null)
		total=$((total + ${v:-0}))
	done
	echo "$total"
}

# copy_lines LOG CPUFILE — stdin (the client's stderr) to LOG; when the client reports its
# sessions open, medfwd's CPU ticks at that moment go to CPUFILE (the session opening is
# then measured apart from the check-ins)
copy_lines() {
	local line
	: >"$1"
	while IFS= read -r line; do
		printf '%s\n' "$line" >>"$1"
		if [[ $line == *" sessions opened in "* && -n $medfwd_pid ]]; then
			cpu_ticks "$medfwd_pid" >"$2"
		fi
	done
}

# loadgen NAME ARGS... — one measured client run; JSON in $W/NAME.json
loadgen() {
	local name=$1 rc; shift
	log "medfw_loadgen $name: $*"
	rm -f "$W/$name.json" "$W/$name.cpu-open"
	"$LOADGEN" run "$@" --out "$W/$name.json" 2>&1 >/dev/null |
		copy_lines "$W/logs/loadgen.$name.log" "$W/$name.cpu-open"
	rc=${PIPESTATUS[0]}
	tail -n 1 "$W/logs/loadgen.$name.log" >&2
	return "$rc"
}

# start_medfwd ROW — medfwd on a fresh copy of the setup store in $W/medfwd-ROW; sets
# medfwd_pid and PORT, or START_ERR and returns 1
start_medfwd() {
	local d=$W/medfwd-$1 t0
	START_ERR="" PORT=""
	rm -rf "$d"
	mkdir -p "$d" || { START_ERR="cannot create $d"; return 1; }
	t0=$(date +%s%N)
	cp -a "$W/setup/data" "$d/data" || { START_ERR="cannot copy the store to $d"; return 1; }
	log "medfwd $1: store copied in $(awk -v a="$t0" -v b="$(date +%s%N)" 'BEGIN {printf "%.1f", (b-a)/1e9}')s"
	cat >"$d/medfwd.conf" <<-EOF
		# written by bench/checkin.sh
		listen_address = 127.0.0.1
		listen_port = 0
		data_dir = $d/data
	EOF
	[[ -n $MEDFWD_THREADS_OPT ]] && echo "threads = $MEDFWD_THREADS_OPT" >>"$d/medfwd.conf"
	"$MEDFWD" --config "$d/medfwd.conf" --max-lifetime 900 \
		>"$W/logs/medfwd-$1.stdout" 2>"$W/logs/medfwd-$1.stderr" &
	medfwd_pid=$!
	for _ in $(seq 100); do
		PORT=$(sed -n 's|^medfwd listening on http://127\.0\.0\.1:\([0-9]*\)$|\1|p' \
			"$W/logs/medfwd-$1.stdout" 2>/dev/null | head -n 1)
		[[ -n $PORT ]] && return 0
		kill -0 "$medfwd_pid" 2>/dev/null || break
		sleep 0.1
	done
	START_ERR="medfwd did not start: $(tail -n 1 "$W/logs/medfwd-$1.stderr")"
	return 1
}

# measure_medfwd ROW CLIENT_ARGS... — start medfwd (fresh copy of the store), run the
# client as $W/medfwd-ROW.json, record the server's figures for ROW, stop medfwd
declare -A R_STATUS R_RSS R_CPU R_OPEN_CPU R_THREADS
measure_medfwd() {
	local row=$1 c0 c1 copen; shift
	if ! start_medfwd "$row"; then
		R_STATUS[$row]=$START_ERR
		stop_servers
		return 1
	fi
	c0=$(cpu_ticks "$medfwd_pid")
	if loadgen "medfwd-$row" --url "http://127.0.0.1:$PORT$TPATH" --method "$METHOD" "$@"; then
		c1=$(cpu_ticks "$medfwd_pid")
		copen=$c0
		if [[ -s $W/medfwd-$row.cpu-open ]]; then
			copen=$(<"$W/medfwd-$row.cpu-open")
			R_OPEN_CPU[$row]=$((copen - c0))
		fi
		R_CPU[$row]=$((c1 - copen))
		R_RSS[$row]=$(vm_hwm "$medfwd_pid")
		R_THREADS[$row]=$(awk '/^Threads:/ {print $2}' "/proc/$medfwd_pid/status")
	else
		R_STATUS[$row]="medfw_loadgen against medfwd failed: $(grep -m 1 'session of' \
			"$W/logs/loadgen.medfwd-$row.log" || tail -n 1 "$W/logs/loadgen.medfwd-$row.log")"
	fi
	stop_servers
}

probe_status() { /usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["first_status"])' "$1" 2>/dev/null || echo 0; }

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
started=$(date +%s)
MODE="" NGINX_RSS="" MEDFWD_NOTE="" NGINX_STATUS="" PORT="" NPORT="" SESSION_NOTE=""
client=(--keys "$W/keys.txt" --devices "$SIGNERS" --keyid "$KEYID" --connections "$CONNS"
	--duration "$DURATION" --warmup "$WARMUP")
[[ -n $KEYID_PREFIX ]] && client+=(--keyid-prefix "$KEYID_PREFIX")
# results of an earlier run in the same WORK_DIR must not be mistaken for this one's
rm -f "$W"/medfwd-*.json "$W"/medfwd-*.cpu-open "$W/nginx.json" "$W"/probe*.json \
	"$W/probe.body" "$W/probe-session.body" "$W/checkin.json"

# --- 0. the crypto ceiling of row 2: one Ed25519 verification per check-in -----------------
ED_VERIFY=""
if command -v openssl >/dev/null; then
	ED_VERIFY=$(openssl speed -seconds 2 ed25519 2>/dev/null |
		awk '/Ed25519/ {print $NF}' | tail -n 1)
	log "openssl speed ed25519: ${ED_VERIFY:-?} verify/s on one core"
fi

# --- 1. the store with DEVICES enrolled devices, made once --------------------------------
if [[ -z $STATUS ]]; then
	rm -rf "$W/setup" "$W"/medfwd-*/ "$W/keys.txt"
	log "setup: $DEVICES enrolled devices"
	t0=$(date +%s%N)
	if ! "$LOADGEN" setup --data-dir "$W/setup/data" --devices "$DEVICES" \
		--keys "$W/keys.txt" >"$W/logs/setup.log" 2>&1; then
		STATUS="medfw_loadgen setup failed: $(tail -n 1 "$W/logs/setup.log")"
	fi
	SETUP_S=$(awk -v a="$t0" -v b="$(date +%s%N)" 'BEGIN {printf "%.1f", (b-a)/1e9}')
	log "setup took ${SETUP_S}s"
fi

# --- 2. the probes, on their own copy of the store -----------------------------------------
if [[ -z $STATUS ]]; then
	start_medfwd probe || STATUS=$START_ERR
fi
if [[ -z $STATUS ]]; then
	"$LOADGEN" run --url "http://127.0.0.1:$PORT$CPATH" --keys "$W/keys.txt" --devices 1 \
		--keyid "$KEYID" ${KEYID_PREFIX:+--keyid-prefix "$KEYID_PREFIX"} --requests 1 \
		--connections 1 --save-response "$W/probe.body" --out "$W/probe.json" \
		2>"$W/logs/loadgen.probe.log"
	st=$(probe_status "$W/probe.json")
	if [[ $st == 2?? ]]; then
		MODE=checkin
		TPATH=$CPATH METHOD=POST
		# a session, and one check-in signed with it
		if "$LOADGEN" run --url "http://127.0.0.1:$PORT$CPATH" --keys "$W/keys.txt" \
			--devices 1 --keyid "$KEYID" ${KEYID_PREFIX:+--keyid-prefix "$KEYID_PREFIX"} \
			--session "$SPATH" --requests 1 --connections 1 \
			--save-response "$W/probe-session.body" --out "$W/probe-session.json" \
			2>"$W/logs/loadgen.probe-session.log"; then
			st=$(probe_status "$W/probe-session.json")
			[[ $st == 2?? ]] ||
				SESSION_NOTE="a check-in signed with a session key was refused: status $st, $(head -c 300 "$W/probe-session.body" | tr '\n|' '  ')"
		else
			why=$(grep -m 1 'session of' "$W/logs/loadgen.probe-session.log" ||
				tail -n 1 "$W/logs/loadgen.probe-session.log")
			if [[ $why == *"status 404"* ]]; then
				SESSION_NOTE="sessions are not available in this build: POST $SPATH answered 404"
			else
				SESSION_NOTE="no session could be opened (POST $SPATH): ${why#medfw_loadgen: }"
			fi
			SESSION_NOTE=$(printf '%s' "$SESSION_NOTE" | tr '\n|' '  ' | cut -c1-400)
		fi
		[[ -n $SESSION_NOTE ]] && log "$SESSION_NOTE"
	else
		if [[ $st == 404 ]]; then
			MODE=standin-404
			MEDFWD_NOTE="POST $CPATH answered 404: the check-in is not available in this build"
		elif [[ $st == 0 ]]; then
			MODE=standin-error
			MEDFWD_NOTE="POST $CPATH got no HTTP answer: $(tail -n 1 "$W/logs/loadgen.probe.log")"
		else
			MODE=standin-refused
			MEDFWD_NOTE="POST $CPATH refused the load generator's signed request: status $st, $(head -c 300 "$W/probe.body" | tr '\n|' '  ')"
		fi
		log "$MEDFWD_NOTE; measuring GET /healthz as a stand-in"
		TPATH=/healthz METHOD=GET
		"$LOADGEN" run --url "http://127.0.0.1:$PORT$TPATH" --method GET --requests 1 \
			--connections 1 --save-response "$W/probe.body" --out "$W/probe-standin.json" \
			2>>"$W/logs/loadgen.probe.log"
	fi
	log "mode $MODE: $METHOD $TPATH; response body $(stat -c %s "$W/probe.body") bytes"
	stop_servers
fi

# --- 3. medfwd under load, each run on a fresh copy of the store ---------------------------
# A check-in must not see a nonce twice: pools are never reused (signed live when used up);
# the /healthz stand-in checks nothing, so it reuses a pool as nginx does.
if [[ -z $STATUS && $MODE == checkin ]]; then
	# row 1: session keys (hmac-sha256)
	if [[ -n $SESSION_NOTE ]]; then
		R_STATUS[session]=$SESSION_NOTE
	else
		measure_medfwd session "${client[@]}" --session "$SPATH" \
			--presign "$SPRESIGN" --presign-cycle 0
	fi
	# row 2: the device's Ed25519 key on every request
	if [[ $ED25519_ROW == 0 ]]; then
		R_STATUS[ed25519]="not run (BENCH_CHECKIN_ED25519=0)"
	else
		measure_medfwd ed25519 "${client[@]}" --presign "$PRESIGN" --presign-cycle 0
	fi
elif [[ -z $STATUS ]]; then
	measure_medfwd standin "${client[@]}" --presign $((CONNS * 512)) --presign-cycle 1
fi

# --- 4. nginx, same client: a reused pool signed with the device keys (nginx checks nothing)
if [[ -z $STATUS ]]; then
	if [[ -z $NGINX ]]; then
		NGINX_STATUS="nginx is not installed: run scripts/install-deps.sh --bench"
	else
		N=$W/nginx
		rm -rf "$N" && mkdir -p "$N/www" "$N/tmp" "$N/logs"
		cp "$W/probe.body" "$N/www/checkin.json"
		NPORT=$(free_port)
		user_line=""
		[[ $(id -u) -eq 0 ]] && user_line="user $(id -un) $(id -gn);"
		cat >"$N/nginx.conf" <<-EOF
			# written by bench/checkin.sh
			$user_line
			worker_processes $(nproc);
			daemon off;
			pid $N/nginx.pid;
			error_log $N/logs/error.log warn;
			events { worker_connections 4096; }
			http {
			    default_type application/json;
			    access_log $N/logs/access.log;
			    sendfile on;
			    tcp_nodelay on;
			    keepalive_timeout 65;
			    keepalive_requests 1000000;
			    client_body_temp_path $N/tmp/body;
			    proxy_temp_path $N/tmp/proxy;
			    fastcgi_temp_path $N/tmp/fastcgi;
			    uwsgi_temp_path $N/tmp/uwsgi;
			    scgi_temp_path $N/tmp/scgi;
			    server {
			        listen 127.0.0.1:$NPORT;
			        root $N/www;
			    }
			}
		EOF
		"$NGINX" -c "$N/nginx.conf" -p "$N/" -e "$N/logs/error.log" \
			>"$W/logs/nginx.stdout" 2>"$W/logs/nginx.stderr" &
		nginx_pid=$!
		up=0
		for _ in $(seq 50); do
			if "$LOADGEN" run --url "http://127.0.0.1:$NPORT/checkin.json" --method GET \
				--requests 1 --connections 1 --out "$W/nginx-probe.json" 2>/dev/null &&
				[[ $(probe_status "$W/nginx-probe.json") == 200 ]]; then
				up=1
				break
			fi
			kill -0 "$nginx_pid" 2>/dev/null || break
			sleep 0.1
		done
		if ((up == 0)); then
			NGINX_STATUS="nginx did not start: $(tail -n 1 "$W/logs/nginx.stderr" "$N/logs/error.log" 2>/dev/null | tr '\n' ' ')"
		elif c0=$(cpu_ticks "$nginx_pid" --children) &&
			loadgen nginx --url "http://127.0.0.1:$NPORT/checkin.json" --method GET \
			"${client[@]}" --presign $((CONNS * 512)) --presign-cycle 1; then
			NGINX_CPU_TICKS=$(($(cpu_ticks "$nginx_pid" --children) - c0))
			NGINX_RSS=$(vm_hwm "$nginx_pid" --children)
		else
			NGINX_STATUS="medfw_loadgen against nginx failed: $(tail -n 1 "$W/logs/loadgen.nginx.log")"
		fi
		stop_servers
	fi
fi

# --- 5. results ---------------------------------------------------------------------------
export CK_STATUS="$STATUS" CK_MODE="$MODE" CK_MEDFWD_NOTE="$MEDFWD_NOTE" CK_NGINX_STATUS="$NGINX_STATUS"
export CK_MEDFWD_THREADS_OPT="$MEDFWD_THREADS_OPT" CK_NGINX_RSS="$NGINX_RSS"
for row in session ed25519 standin; do
	R=${row^^}
	export "CK_${R}_STATUS=${R_STATUS[$row]:-}" "CK_${R}_RSS=${R_RSS[$row]:-}" \
		"CK_${R}_CPU_TICKS=${R_CPU[$row]:-}" "CK_${R}_OPEN_CPU_TICKS=${R_OPEN_CPU[$row]:-}" \
		"CK_${R}_THREADS=${R_THREADS[$row]:-}"
done
export CK_DEVICES="$DEVICES" CK_SIGNERS="$SIGNERS" CK_CONNS="$CONNS" CK_DURATION="$DURATION"
export CK_WARMUP="$WARMUP" CK_PATH="$CPATH" CK_SESSION_PATH="$SPATH" CK_TPATH="${TPATH:-}"
export CK_SETUP_S="${SETUP_S:-}" CK_PRESIGN="$PRESIGN" CK_SESSION_PRESIGN="$SPRESIGN"
export CK_LOAD_BEFORE="$load_before" CK_LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)"
export CK_ELAPSED=$(($(date +%s) - started)) CK_WORK="$W"
export CK_NGINX_VERSION="$([[ -n $NGINX ]] && "$NGINX" -v 2>&1 | sed 's|^nginx version: ||')"
export CK_MEDFWD_VERSION="$([[ -x $MEDFWD ]] && "$MEDFWD" --version 2>/dev/null | head -n 1)"
export CK_ED25519_VERIFY_PER_S="$ED_VERIFY" CK_CLK_TCK="$(getconf CLK_TCK)"
export CK_NGINX_CPU_TICKS="${NGINX_CPU_TICKS:-}"
export CK_GIT_REV="$(git -C "$here/.." rev-parse --short HEAD 2>/dev/null)"
export CK_BODY_BYTES="$([[ -f $W/probe.body ]] && stat -c %s "$W/probe.body")"
/usr/bin/python3 "$here/checkin_report.py" combine "$W" >"$W/checkin.json" ||
	die "checkin_report.py combine failed"
log "wrote $W/checkin.json (${CK_ELAPSED}s)"
if [[ -n $UPDATE ]]; then
	/usr/bin/python3 "$here/checkin_report.py" update "$W/checkin.json" "$UPDATE" ||
		die "could not update $UPDATE"
	log "updated the check-in section of $UPDATE"
fi
exit 0
