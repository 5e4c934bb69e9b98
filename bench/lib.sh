# bench/lib.sh — helpers shared by bench/run.sh and bench/peers.sh (sourced, not run).
# Timing: wall clock from date +%s%N around the command (ns resolution), peak RSS from
# GNU time's %M (KiB). A command whose exit status is not 0 is recorded as FAILED, never
# timed.

log() { printf '[bench %(%H:%M:%S)T] %s\n' -1 "$*" >&2; }
die() { log "error: $*"; exit 1; }

# median of the numbers given as arguments
median() {
	printf '%s\n' "$@" | sort -g | awk '{v[NR]=$1} END {
		if (NR == 0) exit 1
		if (NR % 2) print v[(NR+1)/2]; else printf "%.9f\n", (v[NR/2]+v[NR/2+1])/2 }'
}

# Read every file given once so the page cache holds it ("warm cache").
warm() { local f; for f in "$@"; do cat -- "$f" >/dev/null; done; }

# measure TOOL STEP SIZE REPS [--pre 'shell cmd'] [--warmup] [--note TEXT] -- CMD...
#   Runs CMD REPS times (each preceded by the --pre command, untimed; --warmup adds one
#   untimed, checked run first). Appends one line to $RESULTS (TSV):
#     tool step size status wall_median_s rss_max_kib reps note
#   status is ok or FAILED(rc=N); stdout+stderr of the last run is in $LOGDIR.
measure() {
	local tool=$1 step=$2 size=$3 reps=$4; shift 4
	local pre="" warmup=0 note=""
	while [[ $# -gt 0 && $1 != -- ]]; do
		case $1 in
		--pre) pre=$2; shift 2 ;;
		--warmup) warmup=1; shift ;;
		--note) note=$2; shift 2 ;;
		*) die "measure: unknown option $1" ;;
		esac
	done
	shift # --
	local slug="${tool// /_}.${step// /_}.$size"
	slug=${slug//[^A-Za-z0-9._-]/_}
	local out="$LOGDIR/$slug.log" rssf="$LOGDIR/$slug.rss"
	local -a walls=() rsss=()
	local i t0 t1 rc
	log "$tool / $step / $size: $*"
	for ((i = 0; i < reps + warmup; i++)); do
		[[ -n $pre ]] && eval "$pre"
		t0=$(date +%s%N)
		/usr/bin/time -f '%M' -o "$rssf" "$@" >"$out" 2>&1
		rc=$?
		t1=$(date +%s%N)
		if [[ $rc -ne 0 ]]; then
			log "  FAILED (exit $rc); last lines of $out:"
			tail -n 5 "$out" | sed 's/^/    /' >&2
			local why
			why=$(grep -v '^[[:space:]]*$' "$out" | tail -n 1 | tr '\t|' '  ' | cut -c1-160)
			printf '%s\t%s\t%s\tFAILED(rc=%d)\t\t\t%d\t%s\n' "$tool" "$step" "$size" "$rc" \
				"$reps" "${note:+$note; }$why" >>"$RESULTS"
			return 1
		fi
		((i < warmup)) && continue
		walls+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.6f", (b-a)/1e9}')")
		rsss+=("$(tail -n 1 "$rssf")")
	done
	local wall rss
	wall=$(median "${walls[@]}")
	rss=$(printf '%s\n' "${rsss[@]}" | sort -n | tail -n 1)
	log "  median ${wall}s of (${walls[*]}), peak RSS ${rss} KiB"
	printf '%s\t%s\t%s\tok\t%s\t%s\t%d\t%s\n' "$tool" "$step" "$size" "$wall" "$rss" \
		"$reps" "$note" >>"$RESULTS"
}

# record_status TOOL STEP SIZE STATUS NOTE — a line with no figures (not available, ...)
record_status() {
	printf '%s\t%s\t%s\t%s\t\t\t0\t%s\n' "$1" "$2" "$3" "$4" "$5" >>"$RESULTS"
}

# hyper TOOL SIZE -- CMD...   hyperfine mean/stddev of CMD (no shell), into $HYPER (TSV):
#   tool size status mean_s stddev_s runs median_s
hyper() {
	local tool=$1 size=$2; shift 3
	local slug=${tool//[^A-Za-z0-9._-]/_}.$size
	local json="$LOGDIR/$slug.hyperfine.json" cmd
	cmd=$(printf '%q ' "$@")
	log "hyperfine $tool / $size: $cmd"
	if hyperfine -N --style basic --warmup 3 --min-runs 10 --max-runs 50 \
		--export-json "$json" "$cmd" >"$LOGDIR/$slug.hyperfine.log" 2>&1; then
		/usr/bin/python3 - "$json" "$tool" "$size" >>"$HYPER" <<-'EOF'
			import json, sys
			r = json.load(open(sys.argv[1]))["results"][0]
			print(f"{sys.argv[2]}\t{sys.argv[3]}\tok\t{r['mean']:.6f}\t{r['stddev'] or 0:.6f}\t{len(r['times'])}\t{r['median']:.6f}")
		EOF
	else
		log "  hyperfine FAILED for $tool (see $LOGDIR/$slug.hyperfine.log)"
		printf '%s\t%s\tFAILED\t\t\t0\n' "$tool" "$size" >>"$HYPER"
	fi
}

# flip_payload_byte IMAGE BUNDLE — flip one bit of the image's bytes where they sit inside
# BUNDLE (found verbatim); exit 3 if the image is not stored verbatim in the bundle.
flip_payload_byte() {
	/usr/bin/python3 - "$1" "$2" <<-'EOF'
		import mmap, sys
		img = open(sys.argv[1], "rb").read()
		mid = len(img) // 2
		needle = img[mid:mid + 64]
		with open(sys.argv[2], "r+b") as f, mmap.mmap(f.fileno(), 0) as m:
		    i = m.find(needle)
		    if i < 0:
		        sys.exit(3)
		    m[i] ^= 1
	EOF
}
