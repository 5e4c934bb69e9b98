#!/usr/bin/env bash
# Replays every fuzz target's seed corpus (fuzz/corpus/<target>/) and then fuzzes it
# briefly. Any crash, leak or sanitizer report fails the run.
#   scripts/run-fuzz.sh BUILD_DIR SECONDS_PER_TARGET
set -euo pipefail
build=$1
seconds=${2:-10}
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
n=0
for bin in "$build"/fuzz_*; do
	[[ -x $bin ]] || continue
	name=$(basename "$bin")
	seeds=$root/fuzz/corpus/$name
	[[ -d $seeds ]] || { echo "fuzz: $name has no seed corpus in fuzz/corpus/$name" >&2; exit 1; }
	echo "fuzz: $name: replaying $(ls "$seeds" | wc -l) seeds, then ${seconds}s of fuzzing"
	"$bin" -runs=0 "$seeds" >"$work/$name.replay.log" 2>&1 || { cat "$work/$name.replay.log"; exit 1; }
	mkdir -p "$work/$name"
	"$bin" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$work/" "$work/$name" "$seeds" >"$work/$name.log" 2>&1 \
		|| { tail -50 "$work/$name.log"; exit 1; }
	n=$((n + 1))
done
[[ $n -gt 0 ]] || { echo "fuzz: no fuzz targets built in $build" >&2; exit 1; }
echo "fuzz: $n targets clean"
