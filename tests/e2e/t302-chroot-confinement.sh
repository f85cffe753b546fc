#!/bin/bash
# qrun chroot confinement: programs that try to reach the host through `..`, absolute and
# relative symlinks, /proc/self/root, /proc/1/root, the tracer's own /proc entries, a dirfd on
# `/` and openat("../.."), fchdir + getcwd, /proc/self/fd/N/.., *at() calls on an O_PATH fd of a
# symlink, hard links, renames into and out of binds, unix sockets, symlinks to host paths
# written through, untraced children and the i386 ABI (deliberate races are out of scope).
#
# A marker file with a secret sits next to the rootfs copy (and elsewhere outside it). After
# every attempt the secret is in no output, and a listing of everything outside the rootfs and
# the writable bind (path, type, size, mode, links, mtime, ctime, and the markers' atime, so a
# read that printed nothing still shows) is identical. Everything runs with the seccomp filter
# and with --no-seccomp.
#
# The attempts that only read run in one qrun process (a busybox script; its output is split
# per attempt); those that write run one qrun each, so a change is pinned to its attempt.
# After a breach the world is rebuilt, so later attempts start clean.
. "$(dirname "$0")/lib.sh"

fixture bb busybox amd64
fixture hp helper amd64
require_cmd find timeout od

W=$T/w       # the world: everything in it but rootfs/ and wbind/ must stay as it is
R=$W/rootfs  # busybox + /bin/qrun-test-init (+ /bin/probe)
M=$W/marker  # the secret, next to the rootfs
B=$W/wbind   # writable bind, at /w
RB=$W/robind # read-only bind, at /r
HS=$T/hs     # the host's unix socket server (restarted per mode)
H=/bin/qrun-test-init
P=/bin/probe
secret=qrun-secret-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
sock_secret=qrun-sock-secret-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
data=$(dirname "$0")/data/t302

# The probe makes the attempts neither busybox nor the helper can (see its header).
probe_ok=0
if command -v "${CC:-cc}" >/dev/null 2>&1 &&
	"${CC:-cc}" -std=gnu11 -O2 -static -pthread -mno-red-zone -o "$T/probe" "$data/probe.c" \
		>"$T/cc.log" 2>&1; then
	probe_ok=1
fi
probe_why="cannot build $data/probe.c with ${CC:-cc} -static"

# plant TARGET LINK: make LINK a symlink to TARGET unless it already is one (few processes:
# after a breach the world is made again, and every process costs under load).
plant() {
	[ -L "$2" ] && return
	rm -rf "$2"
	ln -s "$1" "$2"
}

# make_world [full]: the rootfs copy (kept when it is there, unless full), and everything else
# made again: markers, binds, the links planted in the rootfs and the decoys.
make_world() {
	if [ "${1:-}" = full ] || [ ! -x "$R$H" ]; then
		chmod -R u+rwX "$W" 2>/dev/null
		rm -rf "$W"
		mkdir -p "$W"
		cp -a "$bb" "$R"
		cp "$hp/bin/qrun-test-init" "$R$H"
		[ "$probe_ok" = 1 ] && cp "$T/probe" "$R$P"
	else
		chmod -R u+rwX "$W/outside" "$RB" 2>/dev/null
		rm -rf "$W/outside" "$RB" "$M" "$W"/created* "$W"/guest.sock "$W"/file-out \
			"$R"/stolen* "$R"/moved*
	fi
	[ -L "$R/tmp/d" ] && rm -f "$R/tmp/d" # the race's exchange, undone
	mkdir -p "$W/outside/sub" "$B/sub" "$RB" "$R/tmp/a/b/c" "$R/tmp/d"
	printf '%s\n' "$secret" >"$M"
	printf '%s-2\n' "$secret" >"$W/outside/marker2"
	printf '%s-3\n' "$secret" >"$W/outside/sub/marker3"
	printf '%s-ro\n' "$secret" >"$RB/marker-ro"
	rm -rf "$B/file"
	printf 'in the writable bind\n' >"$B/file"
	# What `..` from inside the rootfs really reaches: the rootfs's own /marker.
	rm -rf "$R/marker" "$R/tmp/d/marker"
	printf 'decoy\n' >"$R/marker"
	printf 'decoy\n' >"$R/tmp/d/marker"
	# Symlinks planted in the rootfs, all aimed at the host.
	plant "$W" "$R/esc-abs"
	plant "$M" "$R/esc-abs-file"
	plant "../../../../../../../../../../..$W" "$R/esc-rel"
	plant "../../../../../../../../../../..$M" "$R/esc-rel-file"
	plant "../../../../../../../../../../..$W" "$R/tmp/a/b/c/esc"
	plant "/proc/1/root$W" "$R/esc-proc1"
	plant "/proc/self/root$W" "$R/esc-self"
	plant "/proc/self/cwd/../../../../../../../../..$W" "$R/esc-cwd"
	plant "$W/created-through-dangling-link" "$R/esc-dangling"
	plant "$HS/host.sock" "$R/sock-link"
	plant "$W" "$R/tmp/s" # swapped with /tmp/d by the race
	# Symlinks in the writable bind: to the host, the relative ones name $W and its marker.
	plant ../marker "$B/up"
	plant .. "$B/updir"
	plant "$W" "$B/abs"
	# Old atime, newer mtime: with relatime (or strictatime) any read moves a marker's atime.
	touch -m -d @1000000000 "$M" "$W/outside/marker2" "$W/outside/sub/marker3" "$RB/marker-ro"
	touch -a -d @900000000 "$M" "$W/outside/marker2" "$W/outside/sub/marker3" "$RB/marker-ro"
}

# Everything outside the rootfs and the writable bind, and the atimes of the markers (not of
# directories: reading one, as find does, moves its atime).
snapshot() {
	find "$W" \( -path "$R" -o -path "$B" \) -prune -o \
		-name 'marker*' -printf '%p %y %s %m %n %T@ %C@ atime=%A@ %l\n' -o \
		-printf '%p %y %s %m %n %T@ %C@ %l\n'
}

start_server() {
	rm -rf "$HS"
	mkdir -p "$HS"
	"$QRUN_GUEST/amd64/qrun-test-init" unix-server "$HS/host.sock" "$sock_secret" \
		>"$HS/server.out" 2>&1 </dev/null &
	server_pid=$!
	for _ in $(seq 100); do
		[ -S "$HS/host.sock" ] && break
		sleep 0.05
	done
}

stop_server() {
	[ -n "${server_pid:-}" ] || return 0
	kill "$server_pid" 2>/dev/null
	wait "$server_pid" 2>/dev/null
	server_pid=
}
trap 'stop_server; _lib_cleanup' EXIT

# qr [-w DIR] CMD ARGS...: qrun chroot in the current mode with both binds, started from $W,
# so that the tracer's own cwd is the directory holding the marker.
qr() {
	local opts=()
	if [ "$1" = -w ]; then
		opts=(-w "$2")
		shift 2
	fi
	(cd "$W" && timeout -k 5 30 "$QRUN" chroot "${mode_args[@]}" -b "$B:/w" -b "$RB:/r:ro" \
		"${opts[@]}" "$R" "$@")
}

# leak TEXT: the secrets found in TEXT, if any.
leak() {
	case $1 in
	*"$secret"* | *"$sock_secret"*)
		printf 'secret in the output: %s\n' "$(printf '%s' "$1" | head -c 600)"
		;;
	esac
}

# changed: what changed outside since $snap0, if anything.
changed() {
	local now
	now=$(snapshot)
	[ "$now" = "$snap0" ] && return
	echo "changed outside the rootfs:"
	diff <(printf '%s\n' "$snap0") <(printf '%s\n' "$now") | head -20
}

rebuild_if() { # VERDICT: start again from a clean world after a breach
	if [ -n "$1" ]; then
		make_world
		snap0=$(snapshot)
	fi
}

# attempt NAME [-w DIR] CMD ARGS...: one qrun run that must stay inside. $out and $st hold
# its output and exit status afterwards.
attempt() {
	local name=$1 verdict
	shift
	out=$(qr "$@" 2>&1 </dev/null)
	st=$?
	verdict=$(
		leak "$out"
		changed
	)
	is "$label: $name" "${verdict:-confined}" confined
	rebuild_if "$verdict"
}

probe_attempt() { # NAME ARGS...: attempt NAME /bin/probe ARGS (skipped without the probe)
	if [ "$probe_ok" = 0 ]; then
		skip "$label: $1" "$probe_why"
		return
	fi
	local name=$1
	shift
	attempt "$name" $P "$@"
}

# The read batch: `rcase NAME SHELL-LINE` adds one attempt to a busybox script; read_batch
# runs it in one qrun, checks each attempt's output for the secrets, and `rout NAME` gives an
# attempt's output for further checks.
declare -A batch_out
batch_names=()
batch_script=

rcase() {
	if [[ $2 == "$P "* ]] && [ "$probe_ok" = 0 ]; then
		skip "$label: $1" "$probe_why"
		return
	fi
	batch_names+=("$1")
	batch_script+="echo '@@case ${#batch_names[@]}'"$'\n'"{ $2"$'\n'"} 2>&1"$'\n'
}

read_batch() {
	local all i name verdict
	printf '%s' "$batch_script" >"$R/tmp/read-batch.sh"
	all=$(qr /bin/sh /tmp/read-batch.sh 2>&1 </dev/null)
	batch_out=()
	for i in "${!batch_names[@]}"; do
		name=${batch_names[$i]}
		# The lines after "@@case N" up to the next case marker.
		batch_out[$name]=$(printf '%s\n' "$all" |
			awk -v n="@@case $((i + 1))" '$0 == n { on = 1; next } /^@@case [0-9]+$/ { on = 0 } on')
		verdict=$(leak "${batch_out[$name]}")
		is "$label: $name" "${verdict:-confined}" confined
	done
	verdict=$(changed)
	is "$label: the read attempts read no marker and changed nothing outside" \
		"${verdict:-confined}" confined
	rebuild_if "$verdict"
	batch_names=()
	batch_script=
}

rout() { printf '%s' "${batch_out[$1]-}"; }

for mode in seccomp no-seccomp; do
	mode_args=()
	[ "$mode" = no-seccomp ] && mode_args=(--no-seccomp)
	label=$mode
	make_world full
	start_server
	snap0=$(snapshot)

	# ==== reads, in one qrun ==============================================================
	# -- `..`
	rcase "'..' chain longer than the depth" "$H cat /../../../../../../../../../..$M"
	rcase "chdir('..') 40 times" "$H dotdot 40"
	rcase "cd /../../.. then getcwd" "$H cd-pwd /../../.."
	rcase "shell: cd .. past the root, then read" \
		"cd /tmp/a/b/c; for i in 1 2 3 4 5 6 7 8 9 10 11 12; do cd ..; done; pwd
		cat .$M; cat ../../..$M; cd /"
	# -- symlinks planted in the rootfs
	rcase "absolute symlink to the host directory" "$H cat /esc-abs/marker"
	rcase "absolute symlink to the host marker" "$H cat /esc-abs-file"
	rcase "relative symlink climbing out" "$H cat /esc-rel/marker"
	rcase "relative symlink deep in the tree" "$H cat /tmp/a/b/c/esc/marker"
	rcase "realpath of a relative escape link" "$H realpath /tmp/a/b/c/esc"
	rcase "symlink to /proc/1/root + host path" "$H cat /esc-proc1/marker"
	rcase "symlink to /proc/self/root + host path" "$H cat /esc-self/marker"
	rcase "symlink to /proc/self/cwd/../.. + host path" "$H cat /esc-cwd/marker"
	rcase "stat through a planted link" "$H stat /esc-abs/marker"
	rcase "openat2 through a planted link" "$H openat2 / esc-abs/marker read"
	rcase "busybox cat, ls, find through planted links" \
		"cat /esc-abs/marker /esc-abs-file /esc-rel-file; ls -la /esc-abs/ /esc-rel/
		find /esc-abs/ /esc-rel/ /esc-proc1/ -name 'marker*' -exec cat {} +"
	# -- /proc
	rcase "/proc/self/root + host path" "$H cat /proc/self/root$M"
	rcase "/proc/self/root/../.. + host path" "$H cat /proc/self/root/../../..$M"
	rcase "/proc/1/root + host path" "$H cat /proc/1/root$M"
	rcase "readlink /proc/1/root" "$H readlink /proc/1/root"
	rcase "readlink /proc/self/root" "$H readlink /proc/self/root"
	rcase "/proc/self/cwd/.. chain" "$H cat /proc/self/cwd/../../../../../../..$M"
	rcase "/proc/thread-self/root + host path" "$H cat /proc/thread-self/root$M"
	# The batch shell is the first process: its parent is qrun, whose cwd is $W.
	rcase "the tracer's /proc/PID/cwd, root, task and fd entries" \
		"p=\$PPID; cat /proc/\$p/cwd/marker /proc/\$p/root$M /proc/\$p/cwd/../w/marker
		cat /proc/\$p/task/\$p/cwd/marker; ls /proc/\$p/cwd/ /proc/\$p/cwd/outside
		for f in /proc/\$p/fd/*; do cat \$f/marker \$f/../marker; done"
	rcase "readlink of the tracer's cwd" "readlink /proc/\$PPID/cwd; $H readlink /proc/\$PPID/cwd"
	rcase "/dev/fd/N/.. and /proc/self/fd/N/.. of a shell dirfd on /" \
		"(exec 3</; cat /dev/fd/3/../../../..$M /proc/self/fd/3/../../..$M)"
	# -- dirfds and the working directory
	rcase "dirfd on / then openat('../..')" "$H openat-root-dotdot"
	rcase "dirfd on / then openat('../../..' + host path)" "$H openat / ../../../../../../..$M read"
	rcase "dirfd on / then openat2('../../..' + host path)" "$H openat2 / ../../../../../../..$M read"
	rcase "dirfd on the writable bind then openat('../marker')" "$H openat /w ../marker read"
	rcase "fchdir to / then getcwd" "$H fchdir-pwd /"
	# not an escape: the translated path of a call the kernel restarts after a signal handler
	# must still be the guest's (the signal frame overwrites the tracer's scratch copy)
	rcase "openat2 of a fifo, restarted after a signal" \
		"rm -f /tmp/rfifo; mkfifo /tmp/rfifo && timeout 10 $P openat2-restart /tmp/rfifo"
	rcase "fchdir into the bind then getcwd" "$H fchdir-pwd /w/sub"
	rcase "fchdir to the bind's parent then getcwd" "$H fchdir-pwd /w/.."
	rcase "fchdir to / then open a relative ../.. path" "$P fchdir-read / ../../../../../../..$M"
	rcase "fchdir into the bind then open a relative ../.. path" \
		"$P fchdir-read /w/sub ../../../../../../..$M"
	rcase "/proc/self/fd/N/.. of a dirfd on /" "$P procfd-read / ../../../../../..$M"
	rcase "/proc/self/fd/N/.. of a dirfd on the bind" "$P procfd-read /w ../marker"
	# -- the dirfd is an O_PATH|O_NOFOLLOW fd of a symlink, then openat() relative to it
	rcase "openat() relative to an O_PATH fd of an absolute symlink" "$P fdlink-read /esc-abs marker"
	rcase "openat() relative to an O_PATH fd of a relative bind symlink" \
		"$P fdlink-read /w/updir marker"
	# -- symlinks inside the writable bind (relative ones name the host marker to the host)
	rcase "bind symlink ../marker" "$H cat /w/up"
	rcase "bind symlink .. then marker" "$H cat /w/updir/marker"
	rcase "bind symlink to the host path" "$H cat /w/abs/marker"
	# -- unix sockets: a host server listens at $HS/host.sock
	rcase "connect to a host socket by its host path" "$H unix-client $HS/host.sock"
	rcase "connect to a host socket through a planted link" "$H unix-client /sock-link"
	rcase "connect through /proc/1/root" "$H unix-client /proc/1/root$HS/host.sock"
	rcase "a socket in the rootfs still works" "$H unix-dgram /tmp/ok.sock"
	# -- untraced children, the i386 ABI, races
	rcase "clone(CLONE_UNTRACED) child reads the marker" "$P untraced-read $M"
	rcase "clone3(CLONE_UNTRACED) child reads the marker" "$P clone3-untraced-read $M"
	rcase "open through int 0x80 (i386 ABI)" "$P int80-read $M"
	# Races are not here on purpose: a directory swapped for a host symlink between qrun's
	# check and the kernel's use, or another thread rewriting the translated path, beat any
	# ptrace tracer. qrun is not a security sandbox (../shared/DESIGN.md, tracer principles);
	# probe.c keeps swap-race and mem-race for study by hand.
	read_batch

	# What the guest sees instead, where that is defined.
	is "$label: chdir('..') 40 times stays at the guest root" "$(rout "chdir('..') 40 times" | head -1)" /
	like "$label: ... which lists the rootfs" "$(rout "chdir('..') 40 times")" '^esc-abs$'
	is "$label: cd /../../.. is the guest root" "$(rout "cd /../../.. then getcwd")" /
	like "$label: the shell's cd .. stops at /" "$(rout "shell: cd .. past the root, then read")" '^/$'
	is "$label: an absolute link resolves in the rootfs" \
		"$(rout "absolute symlink to the host marker")" "cat: ENOENT"
	is "$label: realpath resolves a climbing link inside" \
		"$(rout "realpath of a relative escape link")" "realpath: ENOENT"
	is "$label: stat through a planted link finds nothing" \
		"$(rout "stat through a planted link")" "stat: ENOENT"
	# pid 1 is not a process of the container: its /proc directory is hidden (its root,
	# cwd and fds are the host's)
	is "$label: /proc/1 of the host is hidden" "$(rout "readlink /proc/1/root")" "readlink: ENOENT"
	is "$label: /proc/self/root is the guest root" "$(rout "readlink /proc/self/root")" /
	unlike "$label: the tracer's cwd is not shown as its host path" \
		"$(rout "readlink of the tracer's cwd")" "^$W"
	is "$label: openat(/, ../..) is the guest root" "$(rout "dirfd on / then openat('../..')" | head -1)" /
	is "$label: openat(/w, ../marker) is the rootfs's /marker" \
		"$(rout "dirfd on the writable bind then openat('../marker')")" decoy
	is "$label: fchdir(/) + getcwd" "$(rout "fchdir to / then getcwd")" /
	if [ "$probe_ok" = 1 ]; then
		is "$label: openat2 restarted after a signal opens the guest's fifo" \
			"$(rout "openat2 of a fifo, restarted after a signal")" "openat2-restart: ok"
	fi
	is "$label: getcwd in a bind is the guest path" "$(rout "fchdir into the bind then getcwd")" /w/sub
	is "$label: fchdir(/w/..) + getcwd" "$(rout "fchdir to the bind's parent then getcwd")" /
	if [ "$probe_ok" = 1 ]; then
		is "$label: /proc/self/fd/N/../marker of /w is the rootfs's /marker" \
			"$(rout "/proc/self/fd/N/.. of a dirfd on the bind")" decoy
	fi
	is "$label: /w/up -> ../marker reads the rootfs's /marker" "$(rout "bind symlink ../marker")" decoy
	is "$label: /w/updir/marker is the rootfs's /marker" "$(rout "bind symlink .. then marker")" decoy
	is "$label: a socket in the rootfs works and shows its guest path" \
		"$(rout "a socket in the rootfs still works")" "$(printf 'data=ping\nfrom=/tmp/ok.sock')"
	# The server was reachable all along: the host can connect, so the refusals were qrun's.
	ctl=$(timeout 10 "$QRUN_GUEST/amd64/qrun-test-init" unix-client "$HS/host.sock" 2>&1)
	like "$label: the host socket server was reachable from the host" "$ctl" "^$sock_secret\$"
	stop_server

	# ==== one qrun each ===================================================================
	attempt "'..' chain from a deep working directory" \
		-w /tmp/a/b/c $H cat "../../../../../../../../../../..$M"
	# -- writes and creations through every route
	attempt "write through an absolute link to the marker" $H write /esc-abs-file overwritten
	attempt "append through a relative link to the marker" $H append /esc-rel-file appended
	attempt "create next to the marker through a link" $H write /esc-abs/created x
	attempt "create through a dangling link to a host path" $H write /esc-dangling x
	attempt "create through /proc/self/root" $H write "/proc/self/root$W/created" x
	attempt "overwrite through /proc/1/root" $H write "/proc/1/root$M" overwritten
	attempt "create with a '..' chain" $H write "/../../../../../..$W/created" x
	attempt "create through a bind symlink .." $H write /w/updir/created x
	attempt "write through a bind symlink ../marker" $H write /w/up overwritten
	attempt "mkdir in the host's outside/ through a link" $H mkdir /esc-abs/outside/sub/newdir
	attempt "mknod a fifo and a symlink next to the marker" /bin/sh -c \
		"$H mknod-fifo /esc-abs/fifo; $H ln-s /anything /esc-abs/newlink"
	attempt "touch (utimensat), chmod, truncate through a link to the marker" /bin/sh -c \
		"$H touch /esc-abs-file; $H chmod 777 /esc-abs-file; $H truncate /esc-abs-file 0"
	attempt "unlink and rmdir through a link" /bin/sh -c \
		"$H rm /esc-abs/marker; $H rmdir /esc-abs/outside/sub"
	attempt "rename the marker into the rootfs" $H mv /esc-abs/marker /moved
	attempt "rename over the marker" $H mv /marker /esc-abs/marker
	attempt "exchange with the marker through a link" $H renameat2 /esc-abs/marker /marker exchange
	attempt "hard link to the marker by its host path" $H ln "$M" /stolen
	attempt "hard link to the marker through a link" $H ln /esc-abs/marker /stolen
	attempt "hard link of a link to the marker, then read and write it" \
		/bin/sh -c "$H ln /esc-abs-file /stolen-link; $H cat /stolen-link
			$H write /stolen-link overwritten; $H rm /stolen-link"
	attempt "symlink to the host made by the guest, then read and write through it" \
		/bin/sh -c 'ln -s "$1" /mylink; cat /mylink; echo overwritten >/mylink
			ln -s "$2" /mydir; cat /mydir/marker; echo x >/mydir/created; mkdir /mydir/d
			cp /bin/busybox /mydir/; rm -f /mylink /mydir' sh "$M" "$W"
	attempt "shell redirections and tools through planted links" \
		/bin/sh -c 'echo x >/esc-abs/created; echo x >>/esc-abs-file; cp /bin/busybox /esc-abs/
			mv /esc-abs/outside /moved-outside; rm -rf /esc-abs/outside; touch /esc-abs/touched
			chmod 0 /esc-abs-file; ln /esc-abs/marker /stolen2
			dd if=/dev/zero of=/esc-abs-file count=1'
	# -- *at() calls relative to an O_PATH fd of a symlink
	probe_attempt "openat(O_CREAT) relative to an O_PATH fd of a symlink" \
		fdlink-create /esc-abs created-via-fdlink
	probe_attempt "linkat() relative to an O_PATH fd of a symlink" \
		fdlink-link /esc-abs marker /stolen-via-fdlink
	probe_attempt "renameat() relative to an O_PATH fd of a symlink" \
		fdlink-rename /esc-abs marker /moved-via-fdlink
	probe_attempt "mkdirat() relative to an O_PATH fd of a symlink" \
		fdlink-mkdir /esc-abs dir-via-fdlink
	probe_attempt "clone(CLONE_UNTRACED) child creates next to the marker" \
		untraced-create "$W/created-untraced"

	# -- renames into and out of binds
	attempt "rename out of the writable bind" $H mv /w/file /file-out
	is "$label: rename out of a bind is EXDEV" "$out" "mv: EXDEV"
	attempt "rename into the writable bind" $H mv /marker /w/marker-in
	is "$label: rename into a bind is EXDEV" "$out" "mv: EXDEV"
	attempt "rename the writable bind itself" $H mv /w /w-moved
	attempt "rename the read-only bind itself" $H mv /r /r-moved
	attempt "rename out of the read-only bind" $H mv /r/marker-ro /stolen-ro
	attempt "rename into the read-only bind" $H mv /marker /r/marker-in
	attempt "exchange the writable bind with a rootfs directory" $H renameat2 /w /tmp/a exchange
	attempt "rename from the writable bind to a host path" $H mv /w/file "$W/file-out"
	attempt "rename from a planted link into the bind" $H mv /esc-abs/marker /w/stolen
	attempt "remove the writable bind's mount point" $H rmdir /w
	attempt "remove the read-only bind's mount point" $H rmdir /r
	attempt "hard link from the writable bind into the rootfs" $H ln /w/file /linked-out
	attempt "writes into the read-only bind" /bin/sh -c \
		'echo x >/r/marker-ro; echo x >/r/new; rm -f /r/marker-ro; chmod 777 /r/marker-ro; mkdir /r/d'

	# -- unix sockets bound by the guest
	attempt "bind a socket at a host path" $H unix-dgram "$W/guest.sock"
	attempt "bind a socket through a planted link" $H unix-dgram /esc-abs/guest.sock
	attempt "bind a socket on a dangling link to a host path" $H unix-dgram /esc-dangling
	attempt "bind a socket through a bind symlink .." $H unix-dgram /w/updir/guest.sock

	# -- at the end of the mode
	is "$label: nothing outside the rootfs and the writable bind changed" "$(snapshot)" "$snap0"
	is "$label: the marker still holds the secret" "$(cat "$M")" "$secret"
	is "$label: the marker's mtime is unchanged" "$(stat -c %Y "$M")" 1000000000
	is "$label: the read-only bind's file is unchanged" "$(cat "$RB/marker-ro")" "$secret-ro"
done

done_testing
