#!/bin/bash
# Run each libFuzzer target for a while (make fuzz).
#
#   tests/fuzz/run-libfuzzer.sh FUZZ_BUILD SECONDS TARGET...
#
# Each target fuzzes a fresh copy of its seed corpus in FUZZ_BUILD/corpus/<target> (the
# repository's corpus is never written), keeps crashing inputs in FUZZ_BUILD/artifacts/<target>/
# and its log in FUZZ_BUILD/logs/<target>.log, and gets one summary line: executions and crashes.
# Exits non-zero when any target found a crash.
set -u

build=$1
seconds=$2
shift 2
src_dir=$(cd "$(dirname "$0")" && pwd)
status=0

for target in "$@"; do
	corpus=$build/corpus/$target
	artifacts=$build/artifacts/$target
	log=$build/logs/$target.log
	rm -rf "$corpus" "$artifacts"
	mkdir -p "$corpus" "$artifacts" "$build/logs"
	# Text seeds live in the repository, binary ones are generated into FUZZ_BUILD/seeds.
	for seeds in "$src_dir/corpus/$target" "$build/seeds/$target"; do
		[ -d "$seeds" ] && cp "$seeds"/* "$corpus"/
	done
	"$build/fuzz-$target" -max_total_time="$seconds" -max_len=16384 -timeout=10 \
		-print_final_stats=1 -artifact_prefix="$artifacts/" "$corpus" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	crashes=$(find "$artifacts" -type f | wc -l)
	echo "fuzz-$target: ${execs:-?} executions, $crashes crashes (exit $rc, log $log)"
	if [ "$rc" != 0 ] || [ "$crashes" != 0 ]; then
		status=1
		grep -m5 -E 'ERROR|check failed|SUMMARY' "$log" | sed 's/^/    /'
	fi
done
exit $status
