#!/bin/bash
# make demo: the main job on a built-in example. An ARM image is made from Debian's
# busybox-static:armhf (the test fixture build/fixtures/busybox-armhf, unpacked from that
# package), imported as armedslack:12.2 and run on this host: no root needed, no binfmt_misc,
# every ARM program under qemu-user. The demo's store is a temporary directory.
set -euo pipefail

work=$(mktemp -d "${TMPDIR:-/tmp}/qrun-demo.XXXXXX")
trap 'rm -rf "$work"' EXIT
export QRUN_ROOT=$work/store

echo "== qrun info"
"$QRUN" info || true
echo
echo "== an ARM image from Debian's busybox-static:armhf"
tar -C "$QRUN_FIXTURES/busybox-armhf" --numeric-owner --owner=0 --group=0 \
	-czf "$work/busybox-armhf.tar.gz" .
echo "\$ qrun import busybox-armhf.tar.gz armedslack:12.2"
"$QRUN" import -q "$work/busybox-armhf.tar.gz" armedslack:12.2
echo "\$ qrun images"
"$QRUN" images
echo "\$ qrun run --rm armedslack:12.2 uname -m"
"$QRUN" run --rm armedslack:12.2 uname -m
echo "\$ qrun run --rm -h demo armedslack:12.2 sh -c 'echo \$(uname -n) \$(uname -m); ls /bin | wc -l'"
"$QRUN" run --rm -h demo armedslack:12.2 sh -c 'echo $(uname -n) $(uname -m); ls /bin | wc -l'
echo
echo "== qrun chroot on other foreign root filesystems (each program runs under qemu-user)"
for arch in arm64 ppc64el s390x i386; do
	root="$QRUN_FIXTURES/busybox-$arch"
	printf '  %-8s ' "$arch"
	"$QRUN" chroot "$root" /bin/sh -c \
		'echo "uname -m: $(uname -m); $(ls /bin | wc -l) programs in /bin"'
done
