#!/bin/bash
# make bench: run every tests/bench/b*.sh; each prints its own ratios (qrun vs native vs
# Debian's proot, measured in the same run). Benchmarks never fail on absolute times; a
# benchmark that cannot run says why and the others go on.
set -u
dir=$(cd "$(dirname "$0")" && pwd)
n=0
for b in "$dir"/b[0-9]*.sh; do
	[ -e "$b" ] || continue
	n=$((n + 1))
	echo "== $(basename "$b" .sh)"
	bash "$b" || echo "   (benchmark $(basename "$b") could not complete: exit $?)"
done
[ "$n" = 0 ] && echo "no benchmarks yet: they arrive with the tracer ('qrun chroot', issue 3)"
exit 0
