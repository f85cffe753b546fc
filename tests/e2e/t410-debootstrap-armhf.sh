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
. "$(dirname "$0")/debian.sh"
debian_rootfs armhf
root=$DEBIAN_ROOT

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
