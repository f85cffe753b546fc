#!/bin/bash
# Replay every seed corpus through its fuzz target built as a plain program (make fuzz-replay).
#
#   tests/fuzz/replay.sh BIN_DIR
#
# BIN_DIR holds fuzz-<target> binaries; each runs over tests/fuzz/corpus/<target>/. Prints one
# `ok` / `not ok` line per target and `N passed, N failed, N skipped`; exits non-zero on any
# failure (a crash, a failed check, or a missing corpus).
set -u

bin_dir=$1
src_dir=$(cd "$(dirname "$0")" && pwd)
passed=0
failed=0
n=0

for bin in "$bin_dir"/fuzz-*; do
	[ -x "$bin" ] || continue
	case $bin in *.o | *.d) continue ;; esac
	target=${bin##*/fuzz-}
	corpus=$src_dir/corpus/$target
	# Binary seeds (layer tarballs) are generated next to the binaries instead.
	[ -d "$corpus" ] || corpus=$bin_dir/corpus/$target
	n=$((n + 1))
	if [ ! -d "$corpus" ]; then
		echo "not ok $n - $target: no corpus in $corpus"
		failed=$((failed + 1))
		continue
	fi
	if out=$("$bin" "$corpus" 2>&1); then
		echo "ok $n - $target (${out##*: })"
		passed=$((passed + 1))
	else
		echo "not ok $n - $target"
		printf '%s\n' "$out" | sed 's/^/    /'
		failed=$((failed + 1))
	fi
done
echo "1..$n"
echo "$passed passed, $failed failed, 0 skipped"
[ "$failed" = 0 ] && [ "$n" != 0 ]
