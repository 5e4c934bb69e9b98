#!/usr/bin/env bash
# bench/checkin.sh — device check-ins per second: medfwd against nginx, one client, one run.
#
#   bench/checkin.sh BUILD_DIR WORK_DIR [--update REPORT.md]
#
# BUILD_DIR holds medfwd and medfw_loadgen (tests/tools/medfw_loadgen.c). Steps:
#  1. `medfw_loadgen setup`: a fresh medfwd SQLite store with $BENCH_CHECKIN_DEVICES
#     (100,000) enrolled devices written through the store library, keys in a key file
#     (deterministic from a public seed: benchmark only).
#  2. medfwd on 127.0.0.1 (free port) on that data dir. A probe check-in decides the mode:
#     2xx -> the real benchmark; 404 -> "not available in this build", and GET /healthz is
#     measured instead, labelled as a stand-in; any other status -> the check-in refused
#     the generator's request (reported with the server's answer), stand-in measured.
#  3. medfw_loadgen against medfwd: warm-up, then $BENCH_CHECKIN_DURATION s at
#     $BENCH_CHECKIN_CONNECTIONS keep-alive connections, every request signed fresh
#     (RFC 9421) by one of $BENCH_CHECKIN_SIGNERS devices spread over the 100,000,
#     before the clock starts ($BENCH_CHECKIN_PRESIGN requests, each its own created
#     time and nonce): the client shares the cores with the server, and signing in the
#     loop made it the bottleneck (~1.5 of 2 cores).
#     medfwd's peak RSS is VmHWM from /proc/PID/status at the end.
#  4. nginx (worker_processes = cores, config generated here, run as the current user
#     with its pid, logs and temp files under WORK_DIR) serving, as a static file, the
#     exact bytes medfwd answered the probe with; the same client with the same settings
#     sends the same signed request (GET, since nginx's static module refuses POST; the
#     body is read and discarded).
#  5. WORK_DIR/checkin.json (all figures) via bench/checkin_report.py; with --update,
#     the check-in section of REPORT.md is replaced (bench/run.sh instead puts the
#     section in the report it writes).
# No figure is ever made up: what did not run is reported as such.
#
# Environment: BENCH_CHECKIN_DEVICES (100000), BENCH_CHECKIN_SIGNERS (10000),
#   BENCH_CHECKIN_CONNECTIONS (64), BENCH_CHECKIN_DURATION (20 s), BENCH_CHECKIN_WARMUP
#   (3 s), BENCH_CHECKIN_PATH (/device/v1/checkin), BENCH_CHECKIN_KEYID (id|serial: what
#   the signature's keyid names), BENCH_CHECKIN_KEYID_PREFIX ("device:", as medfwd's keyid
#   "device:<id>" in docs/devices.md), BENCH_CHECKIN_PRESIGN (200000: requests signed
#   before medfwd's clock starts, each with its own created time and nonce; 0 signs
#   inside the measured loop, on the cores the servers use), BENCH_CHECKIN_MEDFWD_THREADS
#   (unset: medfwd's default `threads`, one worker per core).
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
PRESIGN=${BENCH_CHECKIN_PRESIGN:-200000}
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

# loadgen NAME ARGS... — one measured client run; JSON in $W/NAME.json
loadgen() {
	local name=$1; shift
	log "medfw_loadgen $name: $*"
	"$LOADGEN" run "$@" --out "$W/$name.json" 2>"$W/logs/loadgen.$name.log"
	local rc=$?
	tail -n 1 "$W/logs/loadgen.$name.log" >&2
	return $rc
}

probe_status() { /usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["first_status"])' "$1" 2>/dev/null || echo 0; }

load_before=$(cut -d' ' -f1-3 /proc/loadavg)
started=$(date +%s)
MODE="" MEDFWD_RSS="" NGINX_RSS="" MEDFWD_NOTE="" NGINX_STATUS="" PORT="" NPORT=""
client=(--keys "$W/keys.txt" --devices "$SIGNERS" --keyid "$KEYID" --connections "$CONNS"
	--duration "$DURATION" --warmup "$WARMUP")
[[ -n $KEYID_PREFIX ]] && client+=(--keyid-prefix "$KEYID_PREFIX")

# --- 0. the crypto ceiling: every check-in costs medfwd one Ed25519 verification -----------
ED_VERIFY=""
if command -v openssl >/dev/null; then
	ED_VERIFY=$(openssl speed -seconds 2 ed25519 2>/dev/null |
		awk '/Ed25519/ {print $NF}' | tail -n 1)
	log "openssl speed ed25519: ${ED_VERIFY:-?} verify/s on one core"
fi

# --- 1. the store with DEVICES enrolled devices -------------------------------------------
if [[ -z $STATUS ]]; then
	rm -rf "$W/medfwd" "$W/keys.txt"
	log "setup: $DEVICES enrolled devices"
	t0=$(date +%s%N)
	if ! "$LOADGEN" setup --data-dir "$W/medfwd/data" --devices "$DEVICES" \
		--keys "$W/keys.txt" >"$W/logs/setup.log" 2>&1; then
		STATUS="medfw_loadgen setup failed: $(tail -n 1 "$W/logs/setup.log")"
	fi
	SETUP_S=$(awk -v a="$t0" -v b="$(date +%s%N)" 'BEGIN {printf "%.1f", (b-a)/1e9}')
	log "setup took ${SETUP_S}s"
fi

# --- 2. medfwd and the probe --------------------------------------------------------------
if [[ -z $STATUS ]]; then
	cat >"$W/medfwd/medfwd.conf" <<-EOF
		# written by bench/checkin.sh
		listen_address = 127.0.0.1
		listen_port = 0
		data_dir = $W/medfwd/data
	EOF
	[[ -n $MEDFWD_THREADS_OPT ]] && echo "threads = $MEDFWD_THREADS_OPT" >>"$W/medfwd/medfwd.conf"
	"$MEDFWD" --config "$W/medfwd/medfwd.conf" --max-lifetime 900 \
		>"$W/logs/medfwd.stdout" 2>"$W/logs/medfwd.stderr" &
	medfwd_pid=$!
	for _ in $(seq 100); do
		PORT=$(sed -n 's|^medfwd listening on http://127\.0\.0\.1:\([0-9]*\)$|\1|p' \
			"$W/logs/medfwd.stdout" 2>/dev/null | head -n 1)
		[[ -n $PORT ]] && break
		kill -0 "$medfwd_pid" 2>/dev/null || break
		sleep 0.1
	done
	[[ -n $PORT ]] || STATUS="medfwd did not start: $(tail -n 1 "$W/logs/medfwd.stderr")"
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
fi

# --- 3. medfwd under load -----------------------------------------------------------------
if [[ -z $STATUS ]]; then
	# a check-in must not see a nonce twice: one pool, no reuse (signed live when used
	# up); the /healthz stand-in checks nothing, so it reuses a pool as nginx does
	if [[ $MODE == checkin ]]; then
		presign=(--presign "$PRESIGN" --presign-cycle 0)
	else
		presign=(--presign $((CONNS * 512)) --presign-cycle 1)
	fi
	c0=$(cpu_ticks "$medfwd_pid")
	if loadgen medfwd --url "http://127.0.0.1:$PORT$TPATH" --method "$METHOD" "${client[@]}" \
		"${presign[@]}"; then
		MEDFWD_CPU_TICKS=$(($(cpu_ticks "$medfwd_pid") - c0))
		MEDFWD_RSS=$(vm_hwm "$medfwd_pid")
		MEDFWD_THREADS=$(awk '/^Threads:/ {print $2}' "/proc/$medfwd_pid/status")
	else
		STATUS="medfw_loadgen against medfwd failed: $(tail -n 1 "$W/logs/loadgen.medfwd.log")"
	fi
	stop_servers
fi

# --- 4. nginx, same client ----------------------------------------------------------------
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
export CK_MEDFWD_THREADS_OPT="$MEDFWD_THREADS_OPT" CK_MEDFWD_RSS="$MEDFWD_RSS" CK_NGINX_RSS="$NGINX_RSS" CK_MEDFWD_THREADS="${MEDFWD_THREADS:-}"
export CK_DEVICES="$DEVICES" CK_SIGNERS="$SIGNERS" CK_CONNS="$CONNS" CK_DURATION="$DURATION"
export CK_WARMUP="$WARMUP" CK_PATH="$CPATH" CK_TPATH="${TPATH:-}" CK_SETUP_S="${SETUP_S:-}"
export CK_LOAD_BEFORE="$load_before" CK_LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)"
export CK_ELAPSED=$(($(date +%s) - started)) CK_WORK="$W"
export CK_NGINX_VERSION="$([[ -n $NGINX ]] && "$NGINX" -v 2>&1 | sed 's|^nginx version: ||')"
export CK_MEDFWD_VERSION="$([[ -x $MEDFWD ]] && "$MEDFWD" --version 2>/dev/null | head -n 1)"
export CK_ED25519_VERIFY_PER_S="$ED_VERIFY" CK_CLK_TCK="$(getconf CLK_TCK)"
export CK_MEDFWD_CPU_TICKS="${MEDFWD_CPU_TICKS:-}" CK_NGINX_CPU_TICKS="${NGINX_CPU_TICKS:-}"
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
