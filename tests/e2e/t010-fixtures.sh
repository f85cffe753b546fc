#!/bin/bash
# The test root filesystems are what they claim: each foreign rootfs's own binaries, run
# directly by the matching qemu-user emulator (no qrun involved), report the right machine.
. "$(dirname "$0")/lib.sh"

for spec in amd64:x86_64: armhf:armv7l:arm arm64:aarch64:aarch64 i386:i686:i386 \
	ppc64el:ppc64le:ppc64le s390x:s390x:s390x; do
	arch=${spec%%:*}
	rest=${spec#*:}
	mach=${rest%%:*}
	q=${rest#*:}
	fixture bb busybox "$arch"
	fixture hp helper "$arch"
	runner=()
	if [ -n "$q" ]; then
		command -v "qemu-$q-static" >/dev/null || { skip "busybox-$arch uname" "no qemu-$q-static"; continue; }
		runner=("qemu-$q-static")
	fi
	is "busybox-$arch: busybox uname -m" "$("${runner[@]}" "$bb/bin/busybox" uname -m)" "$mach"
	is "busybox-$arch: the sh applet runs" "$("${runner[@]}" "$bb/bin/busybox" sh -c 'echo $((6*7))')" 42
	like "busybox-$arch: has /etc/passwd with root" "$(cat "$bb/etc/passwd")" '^root:x:0:0:'
	is "busybox-$arch: /bin/sh links to busybox" "$(readlink "$bb/bin/sh")" /bin/busybox
	is "helper-$arch: qrun-test-init uname" "$("${runner[@]}" "$hp/bin/qrun-test-init" uname)" "$mach"
	is "helper-$arch: echo" "$("${runner[@]}" "$hp/bin/qrun-test-init" echo a b)" "a b"
done

fixture hp helper riscv64
if command -v qemu-riscv64-static >/dev/null; then
	is "helper-riscv64: qrun-test-init uname" "$(qemu-riscv64-static "$hp/bin/qrun-test-init" uname)" riscv64
else
	skip "helper-riscv64: uname" "no qemu-riscv64-static"
fi

# ELF machine of each guest build, read by file(1), so a mislabelled build cannot pass.
if command -v file >/dev/null; then
	for spec in armhf:ARM, arm64:'ARM aarch64' i386:'Intel 80386' ppc64el:'64-bit PowerPC' \
		s390x:'IBM S/390' riscv64:'RISC-V' amd64:'x86-64'; do
		arch=${spec%%:*}
		like "guest $arch is a static $arch ELF" "$(file -b "$QRUN_GUEST/$arch/qrun-test-init")" \
			"statically linked|static-pie"
		like "guest $arch has the right machine" "$(file -b "$QRUN_GUEST/$arch/qrun-test-init")" \
			"${spec#*:}"
	done
else
	skip "guest ELF machines" "file(1) is not installed"
fi

done_testing
