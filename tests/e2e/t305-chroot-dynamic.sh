#!/bin/bash
# Dynamic programs and the syscalls qrun answers itself. A small amd64 rootfs is made at test
# time from the host's own bash, ls, cat and their libraries (ldd): its programs must load the
# rootfs's ld.so and libraries, never the host's.
. "$(dirname "$0")/lib.sh"

require_cmd ldd bash python3
R=$T/dyn
progs=()
for prog in bash ls cat readlink; do progs+=("$(command -v $prog)"); done
dyn_rootfs "$R" "${progs[@]}"
interp=$DYN_INTERP

for mode in "" --no-seccomp; do
	m=${mode:+ [$mode]}
	q() { "$QRUN" chroot $mode "$R" "$@"; }
	is "a dynamic program runs$m" "$(q /bin/bash -c 'echo $((6*7))')" 42
	maps=$(q /bin/cat /proc/self/maps)
	like "libc is mapped from the rootfs$m" "$maps" " $R/lib/x86_64-linux-gnu/libc\\.so\\.6\$"
	unlike "nothing is mapped from the host's /lib$m" "$maps" ' /lib/x86_64-linux-gnu/'
	like "the rootfs's ld.so is the loader$m" "$maps" " $R$interp\$"
	is "/proc/self/exe is the guest program$m" "$(q /bin/readlink /proc/self/exe)" /bin/readlink
	like "argv[0] reaches the program$m" "$(q /bin/bash -c 'exec -a my-ls /bin/ls --bad-option' 2>&1)" \
		"^my-ls: unrecognized option '--bad-option'"
	is "a script with an interpreter argument$m" \
		"$(printf '#!/bin/bash -e\necho "$0 $1"\n' >"$R/tmp/s"; chmod +x "$R/tmp/s"; q /tmp/s arg)" \
		"/tmp/s arg"
	status_is "a script whose interpreter is missing: ENOENT, 127$m" 127 \
		bash -c "printf '#!/no/such/interp\n' >'$R/tmp/m'; chmod +x '$R/tmp/m'; '$QRUN' chroot $mode '$R' /tmp/m"
	# The kernel's cwd of a tracee is the real host directory behind its guest cwd.
	rm -f "$R/tmp/fifo" "$R/tmp/pid" && mkfifo "$R/tmp/fifo"
	q /bin/bash -c 'cd /tmp && echo $$ > /tmp/pid && read x < /tmp/fifo' &
	bg=$!
	for _ in $(seq 50); do [ -s "$R/tmp/pid" ] && break; sleep 0.1; done
	is "the kernel cwd is the host directory$m" "$(readlink "/proc/$(cat "$R/tmp/pid")/cwd")" \
		"$R/tmp"
	echo go >"$R/tmp/fifo"
	wait $bg
done

# qrun caches directories it found free of symlinks; replacing one with a symlink (to the
# guest's /etc here) must be seen at once, never resolved by the host kernel as a host path.
fixture fbb busybox amd64
cp -a "$fbb" "$T/bb"
for mode in "" --no-seccomp; do
	is "a directory replaced by a symlink is followed in the guest${mode:+ [$mode]}" \
		"$("$QRUN" chroot $mode "$T/bb" /bin/sh -c 'mkdir -p /t/d && touch /t/d/hostname &&
			ls /t/d/hostname >/dev/null && rm -r /t/d && ln -s /etc /t/d &&
			cat /t/d/hostname; rm -r /t')" "$(cat "$T/bb/etc/hostname")"
done

# What qrun answers itself, seen from a dynamic program in `qrun chroot /`.
py='import ctypes, os
libc = ctypes.CDLL(None, use_errno=True)
def call(name, nr, *args):
    r = libc.syscall(nr, *args)
    print(name, r, os.strerror(ctypes.get_errno()) if r < 0 else "")
call("io_uring_setup", 425, 1, 0)
call("chroot", 161, b"/tmp")
call("mount", 165, b"none", b"/tmp", b"tmpfs", 0, None)
call("unknown_499", 499)'
out=$("$QRUN" chroot / python3 -c "$py")
like "io_uring_setup answers ENOSYS" "$out" '^io_uring_setup -1 Function not implemented$'
like "chroot is refused with EPERM" "$out" '^chroot -1 Operation not permitted$'
like "mount is refused with EPERM" "$out" '^mount -1 Operation not permitted$'
like "an unknown syscall number answers ENOSYS" "$out" '^unknown_499 -1 Function not implemented$'

# Where seccomp filters cannot be installed: full tracing, the same answers, one warning. prctl
# is refused too: the wall is still entered (deny-syscall set no_new_privs before it refused
# prctl; root would not need it), but root cannot drop its privileges: it must say
# --privileged, or be told why not.
if [ -x "$QRUN_TOOLS/deny-syscall" ]; then
	priv=
	[ "$(id -u)" = 0 ] && priv=--privileged
	err=$(ASAN_OPTIONS=detect_leaks=0 "$QRUN_TOOLS/deny-syscall" seccomp,prctl "$QRUN" chroot \
		$priv "$R" /bin/bash -c 'cd /tmp; pwd; readlink /proc/self/exe' 2>"$T/warn")
	is "without seccomp filters: same behaviour" "$err" "/tmp
/bin/readlink"
	is "without seccomp filters: one warning" "$(cat "$T/warn")" \
		"qrun: warn: seccomp filters cannot be installed here: stopping at every system call instead (slower)"
	if [ "$(id -u)" = 0 ]; then
		status_is "root without prctl: privileges cannot be dropped" 125 \
			env ASAN_OPTIONS=detect_leaks=0 "$QRUN_TOOLS/deny-syscall" seccomp,prctl \
			"$QRUN" chroot "$R" /bin/true
		like "root without prctl: says why and what to do" "$(cat "$T/.out")" \
			"could not drop its privileges.*--privileged"
	fi
else
	skip "fallback without seccomp" "tests/tools/deny-syscall not built"
fi

done_testing
