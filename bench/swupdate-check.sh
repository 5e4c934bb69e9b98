#!/usr/bin/env bash
# bench/swupdate-check.sh SWUPDATE-ARGS... — run `swupdate -c ...` and fix up its exit status.
# Debian's swupdate 2022.12 exits 1 in about a third of `swupdate -c` runs on a valid image
# even though it printed "SWUPDATE successful" (a shutdown race: its SIGCHLD handler turns a
# helper process's exit on SIGUSR1 into exit(1)). A run is counted as a success when the exit
# status is 0, or it is 1 and the output says "SWUPDATE successful" with no [ERROR] line;
# such spurious exits are counted, one line each, in $SWU_SPURIOUS_LOG, and all runs in
# $SWU_RUNS_LOG (if set).
out=$(swupdate "$@" 2>&1)
rc=$?
[[ -n ${SWU_RUNS_LOG:-} ]] && echo run >>"$SWU_RUNS_LOG"
printf '%s\n' "$out"
if [[ $rc -eq 1 ]] && grep -q 'SWUPDATE successful' <<<"$out" && ! grep -q '\[ERROR\]' <<<"$out"; then
	[[ -n ${SWU_SPURIOUS_LOG:-} ]] && echo spurious >>"$SWU_SPURIOUS_LOG"
	exit 0
fi
exit "$rc"
