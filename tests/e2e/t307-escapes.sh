#!/bin/bash
# An attacker's escape suite: a static program (data/t307/escape.c, built here) tries, from
# inside the container, to read a secret marker in a host directory outside the rootfs and to
# create a file there, by every road known to beat a ptrace tracer: a forged shim trampoline,
# guest seccomp filters (RET_TRACE with other data, USER_NOTIF answered CONTINUE), rewriting the
# tracer's scratch copy of a path (another thread, process_vm_writev), swapping a directory or
# file with a host symlink, ptrace and /proc of qrun itself and of a host process, inherited
# fds, /proc/sys and /sys writes, capabilities, io_uring, CLONE_UNTRACED, open_by_handle_at,
# `..`, the i386 and x32 ABIs, host unix sockets, abstract sockets, signals and block devices.
#
# Every technique runs in `qrun chroot ROOTFS` and in `qrun run` of an image made from the same
# tree, each with the in-process shim (default) and with QRUN_PRELOAD=off, each with the
# Landlock wall (default) and with QRUN_WALL=off. After each attempt: no secret in the output,
# exit status not 3 (the program's "escaped"), and nothing changed in the host directory (a
# listing with sizes, modes, times and the marker's atime, so that a read that printed nothing
# shows too). After a breach the host directory is made again.
#
# What must hold where (../shared/DESIGN.md, "the kernel builds the wall"):
#   - everything but the races and the scoped cases below: in every mode, wall or not (the
#     tracer closes these roads itself).
#   - races (scratch rewrite, symlink swap): only the wall can stop them. With QRUN_WALL=off, or
#     on a kernel without Landlock, qrun makes no claim: they run, and a diagnostic tells the
#     outcome, but they are no test.
#   - abstract unix sockets and signals to host processes: scoped by the wall with Landlock ABI
#     6 or later (tracer/wall.c); without it, no claim either. The abstract case is a test of
#     its own, a decision written down in docs/confinement.md.
# As root, `--privileged` must keep every capability; without it the effective and permitted
# sets stay within docker's default.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/data/t101/images.sh" # mk_tar

fixture bb busybox amd64
require_cmd find timeout od tar sleep
# The matrix sets these itself; whatever the caller exported must not change it.
unset QRUN_PRELOAD QRUN_WALL QRUN_REQUIRE_WALL

data=$(cd "$(dirname "$0")/data/t307" && pwd)
E=$T/escape
# -mno-red-zone: the scratch race overwrites everything below a thread's stack pointer.
if ! "${CC:-cc}" -std=gnu11 -O2 -static -pthread -mno-red-zone -o "$E" "$data/escape.c" \
	>"$T/cc.log" 2>&1; then
	skip_all "cannot build data/t307/escape.c with ${CC:-cc} -static:" \
		"$(grep -m1 -i error "$T/cc.log" | head -c 200)"
fi

O=$T/out    # the host directory: its marker must stay unread, nothing may appear in it
R=$T/rootfs # busybox + /bin/escape, for qrun chroot and as the image `esc` for qrun run
rnd() { od -An -N8 -tx1 /dev/urandom | tr -d ' \n'; }
secret=qrun-secret-$(rnd)          # in $O/marker
env_secret=qrun-env-secret-$(rnd)  # in the environment of qrun and of the host process
sock_secret=qrun-sock-secret-$(rnd) # what the host's unix socket servers send
abs_name=qrun-t307-$(rnd)          # the host's abstract socket @abs_name
race_secs=${T307_RACE_SECS:-2}
IS_ROOT=
[ "$(id -u)" = 0 ] && IS_ROOT=1
DOCKER_CAPS=a80425fb

# --- the world ---------------------------------------------------------------------------------
# reset_out: the host directory as it must stay: the marker (rewritten in place, so the host
# process's fd on it stays the marker), the server's socket, nothing else. The marker's mtime is
# newer than its atime: with relatime (or strictatime) any read moves its atime.
reset_out() {
	mkdir -p "$O"
	chmod -R u+rwX "$O" 2>/dev/null
	find "$O" -mindepth 1 -maxdepth 1 ! -name marker ! -name host.sock -exec rm -rf {} +
	[ -f "$O/marker" ] && [ ! -L "$O/marker" ] || rm -rf "$O/marker"
	printf '%s\n' "$secret" >"$O/marker"
	chmod 0644 "$O/marker"
	touch -m -d @1000000000 "$O/marker"
	touch -a -d @900000000 "$O/marker"
	# Handles for open_by_handle_at, made on the host (name_to_handle_at needs no privilege).
	fh_marker=$("$E" handle "$O/marker")
	fh_dir=$("$E" handle "$O")
}

# Everything in the host directory, and the marker's atime (not the directory's: find's own
# reading moves that).
snapshot() {
	find "$O" -name marker -printf '%p %y %s %m %n %T@ %C@ atime=%A@ %l\n' -o \
		-printf '%p %y %s %m %n %T@ %C@ %l\n' | sort
}

reset_out
mkdir -p "$R"
cp -a "$bb/." "$R/"
chmod -R u+w "$R"
mkdir -p "$R/tmp"
chmod 1777 "$R/tmp"
cp "$E" "$R/bin/escape"
mk_tar "$R" "$T/esc.tar"
"$QRUN" import "$T/esc.tar" esc >"$T/import.log" 2>&1
run_ok=$?
[ "$run_ok" = 0 ] || diag "qrun import of the rootfs failed: $(head -c 500 "$T/import.log")"

# Host processes the guest must not reach: one holding the host directory as fd 3 and its cwd
# and the marker as fd 4, with a secret in its environment; unix socket servers at a path in
# the host directory and at an abstract name. All of them end by themselves within 15 minutes,
# should this script be killed before its trap runs.
pids=()
_t307_cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
	_lib_cleanup
}
trap _t307_cleanup EXIT
(cd "$O" && exec env T307_ENV_SECRET="$env_secret" sleep 900 3<"$O" 4<"$O/marker" \
	</dev/null >/dev/null 2>&1) &
hostpid=$!
pids+=("$hostpid")
"$E" serve "$O/host.sock" "$sock_secret" >"$T/serve.log" 2>&1 </dev/null &
pids+=($!)
"$E" serve "@$abs_name" "$sock_secret" >"$T/serve-abs.log" 2>&1 </dev/null &
pids+=($!)
for _ in $(seq 100); do
	[ -S "$O/host.sock" ] && grep -q listening "$T/serve-abs.log" && break
	sleep 0.05
done

# The wall's reach on this kernel (tracer/wall.c): files with ABI 1, signals and abstract
# sockets with ABI 6.
landlock_abi=$("$E" landlock-abi)

# --- attempts ----------------------------------------------------------------------------------
# leak TEXT: the secrets found in TEXT, if any.
leak() {
	case $1 in
	*"$secret"* | *"$env_secret"* | *"$sock_secret"*)
		echo "a secret is in the output"
		;;
	esac
}

# changed: what changed in the host directory since $snap0, if anything.
changed() {
	local now
	now=$(snapshot)
	[ "$now" = "$snap0" ] && return
	echo "changed in the host directory:"
	diff <(printf '%s\n' "$snap0") <(printf '%s\n' "$now") | grep '^[<>]' | head -12
}

# qr ARGS...: /bin/escape ARGS in the current mode ($front, $mode_env, $priv), started from the
# host directory (qrun's cwd is a way out too), with a secret in qrun's environment; with
# $with_fds=1 qrun also inherits the host directory (fds 3 and 19) and the marker (fd 7).
qr() {
	local cmd
	if [ "$front" = chroot ]; then
		cmd=("$QRUN" chroot "${priv[@]}" "$R" /bin/escape "$@")
	else
		cmd=("$QRUN" run --rm "${priv[@]}" esc /bin/escape "$@")
	fi
	if [ "${with_fds:-0}" = 1 ]; then
		(cd "$O" && exec env "${mode_env[@]}" T307_QRUN_SECRET="$env_secret" \
			timeout -k 5 60 "${cmd[@]}" 3<"$O" 7<"$O/marker" 19<"$O")
	else
		(cd "$O" && exec env "${mode_env[@]}" T307_QRUN_SECRET="$env_secret" \
			timeout -k 5 60 "${cmd[@]}")
	fi
}

# verdict_of: why the last attempt ($out, $st) is a breach; nothing when it stayed inside.
verdict_of() {
	leak "$out"
	[ "$st" = 3 ] && echo "exit status 3: the program got through"
	changed
	case $st in
	0 | 3) ;;
	12[5-7]) echo "qrun could not run the attempt (status $st): $(head -c 300 <<<"$out")" ;;
	*) [ "$st" -ge 128 ] || echo "the program failed (status $st): $(head -c 300 <<<"$out")" ;;
	esac
	# what got through, as the program said it
	if [ "$st" = 3 ] || [ -n "$(leak "$out")" ]; then
		grep -E 'ESCAPED' <<<"$out" | head -8 | cut -c1-200
	fi
}

# run_attempt ARGS...: one qrun of /bin/escape ARGS; sets out, st and verdict, and makes the
# host directory again after a breach.
run_attempt() {
	out=$(qr "$@" 2>&1 </dev/null)
	st=$?
	verdict=$(verdict_of)
	if [ -n "$verdict" ]; then
		reset_out
		snap0=$(snapshot)
	fi
}

# attempt NAME ARGS...: must stay inside in every mode.
attempt() {
	local name=$1
	shift
	run_attempt "$@"
	is "$label: $name" "${verdict:-confined}" confined
}

# expect_if CONDITION WHY NAME ARGS...: must stay inside when CONDITION (a command) holds;
# otherwise qrun makes no claim (see docs/confinement.md): no test, and a diagnostic says WHY
# and what happened, so the cost of turning the wall off stays visible in the log.
expect_if() {
	local cond=$1 why=$2 name=$3 held
	shift 3
	if $cond; then
		attempt "$name" "$@"
		return
	fi
	run_attempt "$@"
	held="it held"
	if grep -q ESCAPED <<<"$verdict"; then
		held="it got through: $(grep -m1 ESCAPED <<<"$verdict" | cut -c1-160)"
	elif [ -n "$verdict" ]; then
		held=$(head -n 1 <<<"$verdict" | cut -c1-160)
	fi
	diag "no claim: $label: $name: $why (this run: $held)"
}

# The conditions of expect_if, and why a case is no test without them.
wall_on() { [ "$wall" = on ] && [ "${landlock_abi:-0}" -ge 1 ]; }
wall_scopes() { [ "$wall" = on ] && [ "${landlock_abi:-0}" -ge 6 ]; }
if [ "${landlock_abi:-0}" -ge 1 ]; then
	no_wall_why="a race the tracer alone cannot win: only the wall holds it, and QRUN_WALL=off"
else
	no_wall_why="a race the tracer alone cannot win, and no Landlock here for the wall"
fi
scope_why="scoped by the wall only (Landlock ABI >= 6; this kernel: ${landlock_abi:-0})"

# --- controls: each technique reaches the host when run there, without qrun --------------------
# So that a refusal in the container is qrun's, not a mistake in escape.c. (The others cannot be
# run on the host: they would trace the test itself, write /tmp or need a tracer to fool.)
control() { # TECHNIQUE ARGS...: escape TECHNIQUE ARGS on the host must get through (status 3)
	out=$(cd "$O" && timeout -k 5 30 "$E" "$@" 2>&1 </dev/null)
	st=$?
	is "control without qrun: $1 reaches the host" "$st" 3
	[ "$st" = 3 ] || diag "$(head -c 1000 <<<"$out")"
	reset_out
}
control forged-trampoline "$O"
control seccomp-user-notif "$O"
control proc-pid-fd "$O" "$hostpid"
out=$(cd "$O" && "$E" inherited-fd "$O" 3<"$O" 7<"$O/marker" 2>&1 </dev/null)
is "control without qrun: inherited-fd reaches the host" "$?" 3
reset_out
control clone-untraced "$O"
control dotdot "$O"
control unix-path "$O"
control abstract "$abs_name"
control host-signal "$hostpid"
[ -n "$IS_ROOT" ] && control open-by-handle "$O" "$fh_marker" "$fh_dir"
# What this kernel lacks is no failure, but it makes the guest's refusal say less: noted.
if [ "$(cat /proc/sys/kernel/io_uring_disabled 2>/dev/null || echo 0)" = 0 ]; then
	control io-uring "$O"
else
	diag "io_uring is disabled on this host: the io_uring cases show little"
fi
out=$(cd "$O" && "$E" int80 "$O" 2>&1 </dev/null)
st=$?
if grep -q 'int $0x80: killed by signal' <<<"$out"; then
	diag "this kernel has no i386 ABI (int \$0x80 is SIGSEGV): the int80 cases test x32 only"
else
	is "control without qrun: int80 reaches the host" "$st" 3
fi
reset_out

# --- the matrix --------------------------------------------------------------------------------
priv=()
for front in chroot run; do
	if [ "$front" = run ] && [ "$run_ok" != 0 ]; then
		skip "qrun run: every technique" "qrun import of the rootfs failed"
		continue
	fi
	for shim in on off; do
		for wall in on off; do
			label="$front shim=$shim wall=$wall"
			mode_env=()
			[ "$shim" = off ] && mode_env+=(QRUN_PRELOAD=off)
			[ "$wall" = off ] && mode_env+=(QRUN_WALL=off)
			reset_out
			snap0=$(snapshot)

			attempt "forged shim trampoline page (syscall from 0x5f5f00000000)" \
				forged-trampoline "$O"
			attempt "guest seccomp filter answering RET_TRACE with other data" \
				seccomp-trace-data "$O"
			attempt "guest seccomp filter with USER_NOTIF answered CONTINUE" \
				seccomp-user-notif "$O"
			expect_if wall_on "$no_wall_why" \
				"race: another thread rewrites the translated path below its sp" \
				scratch-race "$O" "$race_secs"
			expect_if wall_on "$no_wall_why" \
				"race: a sibling rewrites the translated path (process_vm_writev)" \
				scratch-vmwritev "$O" "$race_secs"
			expect_if wall_on "$no_wall_why" \
				"race: a directory and a file swapped with symlinks to the host" \
				symlink-swap "$O" "$race_secs"
			attempt "ptrace, process_vm_*, /proc/PID/{mem,environ,fd,cwd} of qrun" \
				ptrace-tracer "$O"
			attempt "host process: /proc/PID/{fd,cwd,root,environ,mem}, pidfd, ptrace" \
				proc-pid-fd "$O" "$hostpid"
			with_fds=1
			attempt "fds of the host directory and marker inherited by qrun" \
				inherited-fd "$O"
			with_fds=0
			attempt "open /proc/sys, /proc/sysrq-trigger and /sys files for writing" \
				proc-sys-write "$O"
			if [ -n "$IS_ROOT" ]; then
				attempt "root: CapEff and CapPrm within docker's default set" \
					caps "$DOCKER_CAPS"
			else
				attempt "user: no capabilities" caps 0
			fi
			attempt "io_uring IORING_OP_OPENAT of host paths" io-uring "$O"
			attempt "clone and clone3 with CLONE_UNTRACED" clone-untraced "$O"
			attempt "open_by_handle_at with handles of host files" \
				open-by-handle "$O" "$fh_marker" "$fh_dir"
			attempt "'..' past the root (chdir, openat, /proc/self/{root,cwd,fd})" \
				dotdot "$O"
			attempt "the i386 (int \$0x80) and x32 system call ABIs" int80 "$O"
			attempt "unix socket at a host path: connect, bind" unix-path "$O"
			attempt "the host's disk: its /dev node, a node made with mknod, /dev/mem" \
				block-device "$O"
			# Its own case: abstract sockets may yet be declared reachable by design.
			expect_if wall_scopes "abstract sockets are $scope_why, wall $wall" \
				"abstract unix socket of a host listener" abstract "$abs_name"
			expect_if wall_scopes "signals are $scope_why, wall $wall" \
				"signals to a host process" host-signal "$hostpid"
		done
	done
done

# --- --privileged (new flag): as root every capability is kept; as a user there are none ------
mode_env=()
host_eff=$(sed -n 's/^CapEff:[[:space:]]*//p' /proc/self/status)
priv=(--privileged)
for front in chroot run; do
	[ "$front" = run ] && [ "$run_ok" != 0 ] && continue
	out=$(qr caps ffffffffffffffff 2>&1 </dev/null)
	st=$?
	eff=$(sed -n 's/^CapEff: //p' <<<"$out")
	if [ -n "$IS_ROOT" ]; then
		is "root: $front --privileged keeps all capabilities (CapEff = host's; new flag)" \
			"$st:$eff" "0:$host_eff"
	else
		is "user: $front --privileged gives no capability (new flag)" \
			"$st:$eff" "0:0000000000000000"
	fi
done
priv=()

is "the marker still holds the secret" "$(cat "$O/marker")" "$secret"
is "the host process is still there" "$(kill -0 "$hostpid" 2>&1 && echo alive)" alive

done_testing
