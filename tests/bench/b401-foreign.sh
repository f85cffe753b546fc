#!/bin/bash
# Foreign-architecture benchmarks (issue 4):
#  1. 100 x ARM busybox `uname` from a guest shell loop under qrun chroot, vs the same loop run
#     by qemu-arm-static alone on the same files (each iteration execs qemu itself: no tracer,
#     no path translation), vs Debian's proot -q qemu-arm-static.   target <= 1.1x
#  2. `find /usr -type f | wc -l` and `ls -lR /usr >/dev/null` in the armhf Debian rootfs made
#     by tests/e2e/t410 (build/debootstrap/armhf), qrun vs Debian's proot where it works.
# Both also with QRUN_WALL=off (no Landlock wall), to show what the wall costs (issue 12).
# Ratios come from one run; nothing fails on absolute times.
set -u
QEMU=$(command -v qemu-arm-static) || { echo "n/a: qemu-arm-static missing"; exit 0; }
BB=$QRUN_FIXTURES/busybox-armhf
[ -x "$BB/bin/busybox" ] || { echo "n/a: fixture busybox-armhf missing (make fixtures)"; exit 0; }
RUNS=${BENCH_RUNS:-3}

# mean wall time in seconds of RUNS runs of a command (after one warm-up)
mean() {
	local total=0 s e
	"$@" >/dev/null 2>&1
	for _ in $(seq "$RUNS"); do
		s=$(date +%s.%N)
		"$@" >/dev/null 2>&1 || { echo fail; return; }
		e=$(date +%s.%N)
		total=$(echo "$total + $e - $s" | bc)
	done
	echo "scale=3; $total / $RUNS" | bc
}
ratio() { case "$1$2" in *fail* | *n/a*) echo "n/a" ;; *) echo "scale=2; $1 / $2" | bc ;; esac; }
row() { printf '  %-44s %8s s %8s s %7sx   %s\n' "$1" "$2" "$3" "$(ratio "$2" "$3")" "$4"; }

loop='for i in $(seq 100); do /bin/uname >/dev/null; done'
base=$(mean "$QEMU" "$BB/bin/busybox" sh -c \
	"for i in \$(seq 100); do $QEMU $BB/bin/busybox uname >/dev/null; done")
qrun=$(mean "$QRUN" chroot "$BB" /bin/sh -c "$loop")
qrun_ns=$(mean "$QRUN" chroot --no-seccomp "$BB" /bin/sh -c "$loop")
qrun_nw=$(mean env QRUN_WALL=off "$QRUN" chroot "$BB" /bin/sh -c "$loop")
if command -v proot >/dev/null; then
	proot=$(mean proot -q "$QEMU" -b /dev -r "$BB" /bin/sh -c "$loop")
else
	proot="n/a"
fi
echo "100 x ARM busybox uname from a guest shell loop (mean of $RUNS; vs qemu-arm-static alone)"
printf '  %-44s %10s %10s %8s\n' "" "time" "baseline" "ratio"
row "qrun chroot (seccomp)   [target <= 1.1x]" "$qrun" "$base" ""
row "qrun chroot --no-seccomp" "$qrun_ns" "$base" ""
row "QRUN_WALL=off qrun chroot (no wall)" "$qrun_nw" "$base" ""
row "Debian proot -q qemu-arm-static" "$proot" "$base" ""

DEB=$QRUN_BUILD/debootstrap/armhf
echo
if [ -f "$DEB/.qrun-complete" ]; then
	echo "armhf Debian rootfs (build/debootstrap/armhf; mean of $RUNS)"
	for w in 'find /usr -type f | wc -l' 'ls -lR /usr >/dev/null'; do
		q=$(mean "$QRUN" chroot "$DEB" /bin/sh -c "$w")
		qnw=$(mean env QRUN_WALL=off "$QRUN" chroot "$DEB" /bin/sh -c "$w")
		if command -v proot >/dev/null; then
			out=$(proot -q "$QEMU" -b /dev -b /proc -r "$DEB" /bin/sh -c "$w" 2>&1 | tail -1)
			want=$("$QRUN" chroot "$DEB" /bin/sh -c "$w" 2>&1 | tail -1)
			if [ "$out" = "$want" ]; then
				p=$(mean proot -q "$QEMU" -b /dev -b /proc -r "$DEB" /bin/sh -c "$w")
			else
				p="n/a"
			fi
		else
			p="n/a"
		fi
		printf '  %-30s qrun %7s s   proot %7s s   proot/qrun %s%s\n' "$w" "$q" "$p" \
			"$(r=$(ratio "$p" "$q"); [ "$r" = n/a ] && echo n/a || echo "${r}x")" "$([ "$p" = n/a ] && echo '  (Debian proot fails in this rootfs: no or wrong output)')"
		printf '  %-30s qrun %7s s   with QRUN_WALL=off %7s s   wall on/off %sx\n' "$w" "$q" "$qnw" \
			"$(ratio "$q" "$qnw")"
	done
else
	echo "armhf Debian rootfs: n/a (run 'make check' first: tests/e2e/t410 makes it)"
fi
exit 0
