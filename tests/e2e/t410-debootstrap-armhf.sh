#!/bin/bash
# A real distribution: Debian 12 armhf made with debootstrap --foreign (as root), whose second
# stage runs under `qrun chroot` (every program an ARM binary under qemu-arm, dpkg and its
# maintainer scripts included); then dpkg, perl and apt answer inside it. Debian's proot 5.1.0
# fails here (it does not translate statx, which qemu 7.2 uses for every guest stat).
#
# The finished root filesystem is cached in build/debootstrap/armhf: a fresh checkout (CI)
# runs the whole second stage; later runs, and the unprivileged run, query the cache.
. "$(dirname "$0")/lib.sh"

require_cmd qemu-arm-static
cache=$QRUN_BUILD/debootstrap
root=$cache/armhf

mirror() {
	local m
	m=$(sed -n 's/^URIs: *\([^ ]*\).*/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null |
		grep -v security | head -1)
	[ -n "$m" ] || m=$(awk '$1 == "deb" && $3 == "bookworm" {print $2; exit}' \
		/etc/apt/sources.list 2>/dev/null)
	echo "${m:-http://deb.debian.org/debian}"
}

if [ ! -f "$root/.qrun-complete" ]; then
	[ "$(id -u)" = 0 ] || skip_all "no cached armhf Debian: the root run makes it (debootstrap needs root)"
	require_cmd debootstrap
	mkdir -p "$cache"
	rm -rf "$cache"/.armhf.*
	tmp=$(mktemp -d "$cache/.armhf.XXXXXX")
	if ! debootstrap --foreign --arch=armhf --variant=minbase bookworm "$tmp" "$(mirror)" \
		>"$T/stage1.log" 2>&1; then
		diag "$(tail -20 "$T/stage1.log")"
		rm -rf "$tmp"
		skip_all "debootstrap --foreign could not fetch bookworm armhf from $(mirror)"
	fi
	start=$(date +%s)
	"$QRUN" chroot "$tmp" /debootstrap/debootstrap --second-stage >"$T/stage2.log" 2>&1
	st=$?
	is "qrun chroot runs debootstrap --second-stage to the end" "$st" 0
	like "the second stage says the base system is installed" "$(tail -3 "$T/stage2.log")" \
		'Base system installed successfully'
	diag "second stage took $(($(date +%s) - start)) s"
	if [ "$st" != 0 ]; then
		diag "$(tail -30 "$T/stage2.log")"
		rm -rf "$tmp"
		done_testing
	fi
	touch "$tmp/.qrun-complete"
	chmod a+rX "$tmp" "$cache"
	rm -rf "$root"
	mv "$tmp" "$root"
fi

q() { "$QRUN" chroot "$root" "$@"; }
is "uname -m inside" "$(q /bin/uname -m)" armv7l
is "dpkg -l | wc -l" "$(q /bin/sh -c 'dpkg -l | wc -l')" \
	"$(dpkg-query --admindir="$root/var/lib/dpkg" -l | wc -l)"
is "perl -e 'print 6*7'" "$(q /usr/bin/perl -e 'print 6*7')" 42
like "apt-get --version" "$(q /usr/bin/apt-get --version | head -1)" '^apt [0-9.]+ \(armhf\)$'
is "ls -l /usr/bin | head" "$(q /bin/sh -c 'ls -l /usr/bin | head')" \
	"$(cd "$root/usr/bin" && ls -l . | head)"
is "readlink /proc/self/exe is the guest program" "$(q /bin/readlink /proc/self/exe)" \
	/usr/bin/readlink
# Guest LD_* variables reach the guest's ld.so, not the (static) emulator.
is "LD_LIBRARY_PATH reaches the guest" "$(LD_LIBRARY_PATH=/opt/x q /bin/sh -c 'echo $LD_LIBRARY_PATH')" \
	/opt/x
like "LD_PRELOAD is seen by the guest's ld.so" "$(LD_PRELOAD=/no/such.so q /bin/true 2>&1)" \
	"ld.so: object '/no/such.so' from LD_PRELOAD cannot be preloaded"
like "dpkg knows its architecture" "$(q /usr/bin/dpkg --print-architecture)" '^armhf$'

done_testing
