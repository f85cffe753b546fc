#!/bin/bash
# qrun info: what this host allows, and what to do when ptrace is blocked.
. "$(dirname "$0")/lib.sh"

deny=$QRUN_TOOLS/deny-syscall

out=$("$QRUN" info)
st=$?
is "info exits 0 on a host where ptrace works" "$st" 0
like "info reports the kernel" "$out" "^kernel: +Linux $(uname -r | sed 's/[.+]/\\&/g') "
like "info reports ptrace usable" "$out" '^ptrace: +usable'
like "info reports seccomp usable with RET_TRACE" "$out" '^seccomp: +usable: filters with SECCOMP_RET_TRACE'
like "info names the in-process shim" "$out" '^preload: +/.*/libqrun-preload\.so$'
like "info says when the shim is turned off" "$(QRUN_PRELOAD=off "$QRUN" info)" '^preload: +off \(QRUN_PRELOAD=off\)'

# The wall: the Landlock ABI, or that there is none. This kernel's own answer decides which.
abi=$(python3 -c 'import ctypes,sys
print(ctypes.CDLL(None, use_errno=True).syscall(444, None, 0, 1))' 2>/dev/null)
if [ "${abi:-0}" -ge 1 ] 2>/dev/null; then
	like "info reports the Landlock ABI of the wall" "$out" "^wall: +Landlock ABI $abi: "
	like "info says when the wall is turned off" "$(QRUN_WALL=off "$QRUN" info)" '^wall: .*\(OFF: QRUN_WALL=off\)'
else
	like "info says there is no wall" "$out" '^wall: +none: this kernel has no Landlock'
fi
status_is "QRUN_WALL with a wrong value is an error" 125 env QRUN_WALL=maybe "$QRUN" chroot / /bin/true
like "... that names the variable" "$(cat "$T/.out")" "QRUN_WALL='maybe': expected on, auto or off"
status_is "QRUN_WALL=off with a required wall is an error" 125 \
	env QRUN_WALL=off "$QRUN" chroot --require-wall / /bin/true
for a in arm/v7:armv7l:arm arm64/v8:aarch64:aarch64 ppc64le:ppc64le:ppc64le s390x:s390x:s390x \
	riscv64:riscv64:riscv64 386:i686:i386; do
	plat=${a%%:*}
	rest=${a#*:}
	mach=${rest%%:*}
	q=${rest#*:}
	like "info lists the emulator for linux/$plat" "$out" \
		"^  linux/$plat +$mach +$(command -v "qemu-$q-static")\$"
done
like "info reports the store from QRUN_ROOT" "$out" "^store: +$QRUN_ROOT \\(not created yet\\)"
out=$("$QRUN" --root /some/where info)
like "--root overrides QRUN_ROOT" "$out" '^store: +/some/where '
out=$(env -u QRUN_ROOT "$QRUN" info)
if [ "$(id -u)" = 0 ]; then
	like "root's default store is /var/lib/qrun" "$out" '^store: +/var/lib/qrun'
else
	like "a user's default store is under ~/.local/share" "$out" "^store: +$HOME/.local/share/qrun"
fi

# No emulator on PATH: each architecture says what is missing and the package to install.
mkdir "$T/empty"
out=$(PATH=$T/empty "$QRUN" info)
like "a missing emulator is named" "$out" '^  linux/arm/v7 +armv7l +missing \(qemu-arm-static\)$'
like "the package to install is named" "$out" 'apt-get install qemu-user-static$'

# A host that refuses ptrace (a container's seccomp profile, reproduced with a filter).
# LeakSanitizer needs ptrace itself, so a sanitized build cannot check leaks here.
out=$(ASAN_OPTIONS=detect_leaks=0 "$deny" ptrace "$QRUN" info)
st=$?
is "info exits 1 when ptrace is refused" "$st" 1
like "info says ptrace is not usable and why" "$out" \
	'^ptrace: +NOT USABLE: PTRACE_SEIZE of a child: Operation not permitted'
like "info says what to do about it" "$out" '--cap-add SYS_PTRACE'

# A host that refuses seccomp filters: qrun still works, slower, and says so.
out=$("$deny" seccomp,prctl "$QRUN" info)
st=$?
is "info exits 0 when only seccomp is refused" "$st" 0
like "info says seccomp is not usable" "$out" '^seccomp: +not usable'
like "info says what qrun does instead" "$out" 'stop at every system call instead'

done_testing
