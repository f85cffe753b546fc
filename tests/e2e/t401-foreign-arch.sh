#!/bin/bash
# Foreign architectures: every foreign program runs under qemu-user, picked per exec from its
# ELF header, and everything it starts stays there. Outputs that do not depend on the
# architecture are compared with the amd64 rootfs's.
. "$(dirname "$0")/lib.sh"

require_cmd qemu-arm-static qemu-aarch64-static qemu-i386-static qemu-ppc64le-static \
	qemu-s390x-static qemu-riscv64-static

# What every rootfs runs; $1 = the machine it should report.
script='set -e
uname -m
echo one two three | tr " " "\n" | sort -r | head -2
printf "#!/bin/sh\necho script \$0 \$1\n" > /tmp/s.sh; chmod +x /tmp/s.sh; /tmp/s.sh arg
sh -c "sh -c \"sh -c uname\""
echo a b c | xargs -n1 echo x
find /etc -name group -exec wc -l {} \;
readlink /proc/self/exe
find /etc -type f | sort
ls -l /bin/sh /bin/ls | awk "{print \$1, \$2, \$3, \$4, \$9, \$10, \$11}"
cd /tmp && pwd && ls
'
run() { # MODE ROOTFS
	local mode=$1 root=$2
	shift 2
	"$QRUN" chroot $mode "$root" /bin/sh -c "$script" 2>&1
}

cp -a "$QRUN_FIXTURES/busybox-amd64" "$T/amd64" 2>/dev/null || skip_all "fixture busybox-amd64 missing"
ref=$(run "" "$T/amd64")
like "the amd64 reference run works" "$ref" '^x86_64$'

for spec in armhf:armv7l arm64:aarch64 i386:i686 ppc64el:ppc64le s390x:s390x; do
	arch=${spec%%:*}
	mach=${spec#*:}
	fixture fx busybox "$arch"
	for mode in "" --no-seccomp; do
		tag="busybox-$arch${mode:+ $mode}"
		rm -rf "$T/r" && cp -a "$fx" "$T/r"
		out=$(run "$mode" "$T/r")
		is "$tag: uname -m, pipelines, a script, a 3-deep exec chain, find, ls -l" \
			"$out" "${ref//x86_64/$mach}"
	done
done

# riscv64 has no busybox in Debian 12: its helper rootfs has the static multi-call helper.
fixture hp helper riscv64
is "helper-riscv64: uname" "$("$QRUN" chroot "$hp" /bin/uname)" riscv64
is "helper-riscv64: /proc/self/exe is the guest program" "$("$QRUN" chroot "$hp" /bin/exe)" \
	/bin/qrun-test-init
is "helper-riscv64: fork + exec of a foreign program stays emulated" \
	"$("$QRUN" chroot "$hp" /bin/fork-wait /bin/uname uname)" "riscv64
exited 0"
is "helper-riscv64: argv[0] reaches the guest program" \
	"$("$QRUN" chroot "$hp" /bin/exec /bin/argv my-name x)" "argv[0]=my-name
argv[1]=x"

# A mixed tree: a static x86_64 program inside an ARM rootfs runs natively, and the ARM
# program it starts runs emulated.
fixture fx busybox armhf
rm -rf "$T/mix" && cp -a "$fx" "$T/mix" && mkdir -p "$T/mix/opt/native"
cp "$QRUN_GUEST/amd64/qrun-test-init" "$T/mix/opt/native/"
is "mixed: the host-architecture helper runs natively" \
	"$("$QRUN" chroot "$T/mix" /opt/native/qrun-test-init uname)" x86_64
is "mixed: the ARM program it starts is emulated" \
	"$("$QRUN" chroot "$T/mix" /opt/native/qrun-test-init fork-wait /bin/uname uname -m)" \
	"armv7l
exited 0"
is "mixed: an ARM shell starting the native helper, which execs ARM again" \
	"$("$QRUN" chroot "$T/mix" /bin/sh -c '/opt/native/qrun-test-init exec /bin/uname uname -m')" \
	armv7l

# Emulator lookup: --qemu forces one runner; a missing emulator is one clear line and 126.
is "--qemu forces the runner" \
	"$("$QRUN" chroot --qemu "$(command -v qemu-arm-static)" "$T/mix" /bin/uname -m)" armv7l
mkdir "$T/nopath"
err=$(PATH=$T/nopath "$QRUN" chroot "$T/mix" /bin/uname -m 2>&1)
st=$?
is "a missing emulator exits 126" "$st" 126
is "a missing emulator names the architecture and the package" "$err" \
	"qrun: '/bin/uname': no emulator for linux/arm/v7 (armv7l) programs: install qemu-user-static (qemu-arm-static)"

done_testing
