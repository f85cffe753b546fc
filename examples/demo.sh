#!/bin/bash
# make demo: the main job, as far as it is built today. qrun runs no images yet (the image
# store is the next issue); this shows what the host allows, then runs foreign-architecture
# root filesystems with `qrun chroot`: no root needed, no binfmt_misc, every program under qemu.
set -euo pipefail

echo "== qrun info"
"$QRUN" info || true
echo
echo "== qrun chroot on foreign root filesystems (each program runs under qemu-user)"
for arch in armhf arm64 ppc64el s390x i386; do
	root="$QRUN_FIXTURES/busybox-$arch"
	printf '  %-8s ' "$arch"
	"$QRUN" chroot "$root" /bin/sh -c \
		'echo "uname -m: $(uname -m); /proc/self/exe: $(readlink /proc/self/exe); $(ls /bin | wc -l) programs in /bin"'
done
echo
echo "Next: 'qrun run IMAGE' (images and containers); see README.md for status."
