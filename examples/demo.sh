#!/bin/bash
# make demo: the main job, as far as it is built today. qrun runs no images yet (the tracer and
# image store are the next issues); this shows what the host allows and proves the test root
# filesystems by running their ARM, ARM64, POWER, s390x and i386 programs under qemu-user.
set -euo pipefail

echo "== qrun info"
"$QRUN" info || true
echo
echo "== foreign root filesystems, run directly by qemu-user (no qrun yet)"
for spec in armhf:arm arm64:aarch64 ppc64el:ppc64le s390x:s390x i386:i386; do
	arch=${spec%%:*}
	q=${spec#*:}
	root="$QRUN_FIXTURES/busybox-$arch"
	printf '  %-8s busybox uname -m: %s\n' "$arch" "$("qemu-$q-static" "$root/bin/busybox" uname -m)"
done
echo
echo "Next: 'qrun chroot ROOTFS' (the tracer), then 'qrun run IMAGE'; see README.md for status."
