#!/bin/bash
# The wall's list (docs/confinement.md, "The list"), as the kernel answers it. A static probe
# (data/t308/wallprobe.c, built here) maps a forged shim trampoline at QRUN_PRELOAD_TRAMPOLINE,
# as an attacker would (t307's forged-trampoline). Inside the wall the seccomp filter lets the
# shim's fast calls through from that page untraced, so the probe's openat2 of a raw HOST path
# reaches the kernel untranslated, and only Landlock answers it: the verdicts below are the
# wall's own list, not the tracer's view. The probe first checks that its page is let through
# (newfstatat of "/" from the page is not the guest's "/"), so that a tracer verdict is never
# taken for the wall's.
#
# The world: a rootfs (a copy of the busybox fixture with the probe), a rw bind and a ro bind
# (-b HOST:GUEST, -b HOST:GUEST:ro), a host directory outside everything with a marker, the
# host's /dev, /proc, /sys, the emulators and the shim. Runs: `qrun chroot` (the whole table),
# `--privileged` (root: /proc writable at the wall), `--no-default-binds`, QRUN_WALL=off and
# QRUN_PRELOAD=off (no exemption for the page at all), `qrun run` and `qrun run --read-only` of
# an image of the same tree. Nothing is ever written to a host file: `write` opens O_WRONLY and
# closes at once; `create` leaves an empty file, which the test checks for (or its absence).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/data/t101/images.sh" # mk_tar

fixture bb busybox amd64
require_cmd timeout od tar realpath stat
# The runs below set these themselves; whatever the caller exported must not change them.
unset QRUN_PRELOAD QRUN_WALL QRUN_REQUIRE_WALL

info=$("$QRUN" info 2>&1)
wall_line=$(grep '^wall:' <<<"$info")
case $wall_line in
"" | *"wall:"*none*) skip_all "no Landlock on this kernel ('qrun info': ${wall_line:-no wall line})" ;;
esac

data=$(cd "$(dirname "$0")/data/t308" && pwd)
P=$T/wallprobe
if ! "${CC:-cc}" -std=gnu11 -O2 -static -o "$P" "$data/wallprobe.c" >"$T/cc.log" 2>&1; then
	skip_all "cannot build data/t308/wallprobe.c with ${CC:-cc} -static:" \
		"$(grep -m1 -i error "$T/cc.log" | head -c 200)"
fi

IS_ROOT=
[ "$(id -u)" = 0 ] && IS_ROOT=1
rnd=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')

# --- the world ---------------------------------------------------------------------------------
R=$(realpath "$T")/rootfs # the rootfs (chroot) and the tree of the image `wall` (run)
RW=$(realpath "$T")/rw    # -b RW:/mnt/rw
RO=$(realpath "$T")/ro    # -b RO:/mnt/ro:ro
O=$(realpath "$T")/outside # outside everything: its marker must stay unread
secret=qrun-t308-secret-$rnd
mkdir -p "$R" "$RW" "$RO" "$O"
cp -a "$bb/." "$R/"
chmod -R u+w "$R"
mkdir -p "$R/tmp" "$R/mnt/rw" "$R/mnt/ro"
chmod 1777 "$R/tmp"
cp "$P" "$R/bin/wallprobe"
echo rootfs >"$R/etc/wall.txt"
echo rw >"$RW/file"
echo ro >"$RO/file"
printf '%s\n' "$secret" >"$O/marker"
outside0=$(ls -lA --time-style=+%s "$O"; cat "$O/marker")

# Host files the probe tries to create: in /dev/shm it must, in /tmp and /dev it must not (a
# wall that let them through). All removed on exit.
SHM=/dev/shm/qrun-t308-$rnd
HOST_TMP=/tmp/qrun-t308-$rnd
HOST_DEV=/dev/qrun-t308-$rnd
_t308_cleanup() {
	rm -f "$SHM" "$HOST_TMP" "$HOST_DEV" 2>/dev/null
	_lib_cleanup
}
trap _t308_cleanup EXIT

mk_tar "$R" "$T/wall.tar"
"$QRUN" import "$T/wall.tar" wall >"$T/import.log" 2>&1
run_ok=$?
[ "$run_ok" = 0 ] || diag "qrun import of the rootfs failed: $(head -c 500 "$T/import.log")"

# What this host has: the emulator and the shim qrun would use (as 'qrun info' names them),
# devices the wall must refuse, a sysfs file its owner may write.
emu=$(awk '$1 == "linux/arm/v7" && $3 ~ /^\// {print $3; exit}' <<<"$info")
shim=$(sed -n 's/^preload: *\(\/[^ ]*\)$/\1/p' <<<"$info")
[ -n "$shim" ] && [ -f "$shim" ] || shim=
disk=$(stat -c '%Hd:%Ld' "$T" 2>/dev/null)
disk=$(sed -n 's/^DEVNAME=//p' "/sys/dev/block/$disk/uevent" 2>/dev/null)
devices=()
for d in kmsg ${disk:+"$disk"} mem loop0 vda sda nvme0n1 fuse; do
	[ "${#devices[@]}" -ge 3 ] && break
	[[ " ${devices[*]} " == *" /dev/$d "* ]] && continue
	{ [ -c "/dev/$d" ] || [ -b "/dev/$d" ]; } && devices+=("/dev/$d")
done
sysw=/sys/kernel/mm/transparent_hugepage/enabled
if [ ! -f "$sysw" ]; then
	sysw=$(find /sys/kernel -maxdepth 1 -type f -perm -u+w 2>/dev/null | head -n 1)
fi

# Control: on the host, without qrun, the same probe reads what the wall refuses below (so that
# an EACCES in the container is qrun's, not the probe's).
out=$(printf '%s\n' "$O/marker read" "/etc/passwd read" | "$P" 2>&1)
is "control without qrun: the probe reads the outside marker and /etc/passwd" \
	"$(grep -v '^trampoline: \|^root: ' <<<"$out")" "$O/marker read ok
/etc/passwd read ok"

# --- cases and runs ----------------------------------------------------------------------------
# want HOSTPATH ACCESS WANT WHAT: one case of the next run. WANT: a verdict (ok, EACCES), a
# choice (ok|ENXIO, an extended regex of whole verdicts) or !ok (anything but ok).
_c=()
want() { _c+=("$1" "$2" "$3" "$4"); }

# verdict_is NAME GOT WANT
verdict_is() {
	local pass=1
	if [ -z "$2" ]; then
		pass=1
	elif [ "$3" = '!ok' ]; then
		[ "$2" != ok ] && pass=0
	elif [[ $2 =~ ^($3)$ ]]; then
		pass=0
	fi
	_tap_result "$pass" "$1"
	[ "$pass" = 0 ] || diag "got: ${2:-no answer from the probe}, want: $3"
}

# probe LABEL TRAMPOLINE CMD...: run CMD (a qrun starting /bin/wallprobe, which reads the cases
# on stdin); TRAMPOLINE is what its first line must say (untranslated; !untranslated when the
# page must not be let through). Then one TAP line per case; the cases are emptied. Sets $pout.
probe() {
	local label=$1 tw=$2 i p a w d got tramp st
	shift 2
	pout=$(for ((i = 0; i < ${#_c[@]}; i += 4)); do
		printf '%s %s\n' "${_c[i]}" "${_c[i + 1]}"
	done | timeout -k 5 30 "$@" 2>&1)
	st=$?
	is "$label: the probe ran (exit status)" "$st" 0
	[ "$st" = 0 ] || diag "$(head -c 1500 <<<"$pout")"
	tramp=$(sed -n 's/^trampoline: //p' <<<"$pout")
	if [ "$tw" = '!untranslated' ]; then
		verdict_is "$label: calls from a forged trampoline page are trapped and translated" \
			"${tramp:-none}" 'translated|[A-Z]+'
	else
		is "$label: calls from a forged trampoline page reach the kernel untranslated" \
			"$tramp" untranslated
	fi
	for ((i = 0; i < ${#_c[@]}; i += 4)); do
		p=${_c[i]} a=${_c[i + 1]} w=${_c[i + 2]} d=${_c[i + 3]}
		got=$(awk -v p="$p" -v a="$a" '$1 == p && $2 == a {print $3; exit}' <<<"$pout")
		verdict_is "$label: $d: $a ${p/#$T/\$T} -> $w" "$got" "$w"
	done
	_c=()
}

BINDS=(-b "$RW:/mnt/rw" -b "$RO:/mnt/ro:ro")

# --- 1. qrun chroot: the whole list ------------------------------------------------------------
want "$R/etc/wall.txt" read ok "rootfs file"
want "$R/etc/wall.txt" write ok "rootfs file"
want "$R/tmp/created-$rnd" create ok "rootfs"
want "$R/made-dir-$rnd" mkdir ok "rootfs (a file for mkdir)"
want "$R" readdir ok "rootfs directory"
want "$R/bin/busybox" exec-open ok "rootfs program"
want "$RW/file" read ok "rw bind file"
want "$RW/file" write ok "rw bind file"
want "$RW/created-$rnd" create ok "rw bind"
want "$RW/made-dir-$rnd" mkdir ok "rw bind (a file for mkdir)"
want "$RW" readdir ok "rw bind directory"
want "$RO/file" read ok "ro bind file"
want "$RO/file" exec-open ok "ro bind file"
want "$RO" readdir ok "ro bind directory"
want "$RO/file" write EACCES "ro bind file"
want "$RO/created-$rnd" create EACCES "ro bind"
want "$RO/made-dir-$rnd" mkdir EACCES "ro bind (a file for mkdir)"
want "$O/marker" read EACCES "outside marker"
want "$O/marker" write EACCES "outside marker"
want "$O/created-$rnd" create EACCES "outside directory"
want "$O/made-dir-$rnd" mkdir EACCES "outside directory (a file for mkdir)"
want "$O" readdir EACCES "outside directory"
want "$T" readdir EACCES "the rootfs's parent directory"
want "$T/created-$rnd" create EACCES "the rootfs's parent directory"
want /etc/passwd read EACCES "host file"
want /etc readdir EACCES "host directory"
want / readdir EACCES "host root"
want "$HOST_TMP" create EACCES "host /tmp"
want /dev/null read ok "device"
want /dev/null write ok "device"
want /dev/zero read ok "device"
want /dev/zero write ok "device"
want /dev/full write ok "device"
want /dev/urandom read ok "device"
want /dev/random read ok "device"
want /dev/tty read 'ok|ENXIO' "terminal (ENXIO: no controlling terminal)"
if [ -r /dev/ptmx ] && [ -w /dev/ptmx ]; then
	want /dev/ptmx read ok "pty master"
	want /dev/ptmx write ok "pty master"
fi
want /dev readdir ok "host /dev (listed)"
want /dev/pts readdir ok "host /dev/pts"
want "$HOST_DEV" create EACCES "host /dev"
for d in "${devices[@]}"; do
	want "$d" read EACCES "other device node"
done
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
	want "$SHM" create ok "host /dev/shm"
	want /dev/shm readdir ok "host /dev/shm"
fi
want /proc/self/status read ok "/proc"
want /proc readdir ok "/proc"
want /proc/sys/kernel/hostname read ok "/proc/sys"
if [ -n "$IS_ROOT" ]; then
	want /proc/sys/kernel/hostname write EACCES "root: /proc/sys (read-only at the wall)"
	want /proc/self/comm write EACCES "root: /proc (read-only at the wall)"
else
	want /proc/sys/kernel/hostname write '!ok' "user: /proc/sys (DAC or the wall)"
	want /proc/self/comm write ok "user: /proc (writable at the wall)"
fi
want /sys readdir ok "/sys"
if [ -n "$sysw" ]; then
	want "$sysw" read ok "sysfs file"
	want "$sysw" write EACCES "sysfs file"
fi
if [ -n "$emu" ]; then
	want "$emu" read ok "emulator"
	want "$emu" exec-open ok "emulator"
	want "$emu" write EACCES "emulator"
	want "$(dirname "$emu")" readdir EACCES "the emulator's directory"
fi
if [ -n "$shim" ]; then
	want "$shim" read ok "shim"
	want "$shim" write EACCES "shim"
	want "$(dirname "$shim")/created-$rnd" create EACCES "the shim's directory"
fi
probe chroot untranslated "$QRUN" chroot "${BINDS[@]}" "$R" /bin/wallprobe
is "chroot: the page's readlink of /proc/self/cwd is the rootfs's host path" \
	"$(sed -n 's/^root: //p' <<<"$pout")" "$R"
# What this host lacks is no failure, but the list says less: noted.
[ -z "$emu" ] && diag "no qemu-arm-static in 'qrun info': no emulator cases"
[ -z "$shim" ] && diag "no shim in 'qrun info': no shim cases"
[ -z "$sysw" ] && diag "no writable file in /sys/kernel: no sysfs write case"
[ "${#devices[@]}" = 0 ] && diag "none of /dev/kmsg, mem, loop0 ...: no 'other device' cases"
# What the creates left, on the host side.
ok "chroot: the file created in the rootfs is there" test -f "$R/tmp/created-$rnd"
ok "chroot: the file created in the rw bind is there" test -f "$RW/created-$rnd"
is "chroot: nothing was created in the ro bind" "$(ls -A "$RO")" file
ok "chroot: nothing was created in host /tmp, /dev or the rootfs's parent" \
	test ! -e "$HOST_TMP" -a ! -e "$HOST_DEV" -a ! -e "$T/created-$rnd"
if [ -d /dev/shm ] && [ -w /dev/shm ]; then
	ok "chroot: the file created in /dev/shm is there (then removed)" test -f "$SHM"
	rm -f "$SHM"
fi

# --- 2. --privileged: as root /proc is writable at the wall, nothing else; a user gains nothing --
if [ -n "$IS_ROOT" ]; then
	want /proc/sys/kernel/hostname write ok "root: /proc/sys (opened, not written)"
	want /proc/self/comm write ok "root: /proc"
else
	want /proc/sys/kernel/hostname write '!ok' "user: /proc/sys (DAC or the wall)"
	want /proc/self/comm write ok "user: /proc"
fi
[ -n "$sysw" ] && want "$sysw" write EACCES "sysfs file"
want "$O/marker" read EACCES "outside marker"
want "$O/created-$rnd" create EACCES "outside directory"
want /etc/passwd read EACCES "host file"
[ "${#devices[@]}" != 0 ] && want "${devices[0]}" read EACCES "other device node"
probe "chroot --privileged" untranslated "$QRUN" chroot --privileged "$R" /bin/wallprobe

# --- 3. --no-default-binds: /dev, /proc and /sys come from the default binds -------------------
want "$R/etc/wall.txt" read ok "rootfs file"
want /dev/null read EACCES "device"
want /proc/self/status read EACCES "/proc"
want /sys readdir EACCES "/sys"
probe "chroot --no-default-binds" untranslated \
	"$QRUN" chroot --no-default-binds "$R" /bin/wallprobe

# --- 4. no wall, no shim: the page is not let through at all ----------------------------------
for off in QRUN_WALL=off QRUN_PRELOAD=off; do
	want "$O/marker" read '!ok' "outside marker"
	want "$O/created-off-$rnd" create '!ok' "outside directory"
	probe "chroot $off" '!untranslated' env "$off" "$QRUN" chroot "$R" /bin/wallprobe
done
is "the outside directory and its marker are unchanged" \
	"$(ls -lA --time-style=+%s "$O"; cat "$O/marker")" "$outside0"

# --- 5. qrun run: the same wall around a container ---------------------------------------------
if [ "$run_ok" != 0 ]; then
	skip "qrun run: the wall's list" "qrun import of the rootfs failed"
else
	V=(-v "$RW:/mnt/rw" -v "$RO:/mnt/ro:ro")
	want @root/etc/wall.txt read ok "container rootfs file"
	want @root/etc/wall.txt write ok "container rootfs file"
	want "@root/tmp/created-$rnd" create ok "container rootfs"
	want "$RW/run-$rnd" create ok "rw volume"
	want "$RO/file" read ok "ro volume file"
	want "$RO/file" write EACCES "ro volume file"
	want "$RO/run-$rnd" create EACCES "ro volume"
	want "$O/marker" read EACCES "outside marker"
	want "$R/etc/wall.txt" read EACCES "the tree the image was made from"
	want "$QRUN_ROOT/index.json" read EACCES "the store"
	want /etc/passwd read EACCES "host file"
	want /dev/null write ok "device"
	want /proc/self/status read ok "/proc"
	[ "${#devices[@]}" != 0 ] && want "${devices[0]}" read EACCES "other device node"
	probe run untranslated "$QRUN" run --rm -i "${V[@]}" wall /bin/wallprobe
	like "run: the page's readlink of /proc/self/cwd is a container's rootfs in the store" \
		"$pout" "^root: $(realpath "$QRUN_ROOT")/containers/[^/]+/rootfs\$"
	ok "run: the file created in the rw volume is there" test -f "$RW/run-$rnd"
	# a file of the image snapshot, by the snapshot's path (a hard link of the container's)
	snapfile=$(find "$QRUN_ROOT/snapshots" -path '*/rootfs/etc/wall.txt' 2>/dev/null | head -n 1)
	[ -n "$snapfile" ] && want "$snapfile" read EACCES "the image snapshot, by its own path"
	want @root/etc/wall.txt read ok "container rootfs file"
	want @root/etc/wall.txt write EACCES "container rootfs file"
	want "@root/tmp/ro-$rnd" create EACCES "container rootfs"
	want "$RW/run-ro-$rnd" create ok "rw volume"
	probe "run --read-only" untranslated "$QRUN" run --rm -i --read-only "${V[@]}" wall \
		/bin/wallprobe
fi
is "the outside directory and its marker are still unchanged" \
	"$(ls -lA --time-style=+%s "$O"; cat "$O/marker")" "$outside0"

# stdout and stderr in a host file (qrun ... >log): scripts reopen them by name (/dev/stdout,
# /proc/self/fd/2), which the wall allows as far as the fd itself does: write, not read.
"$QRUN" chroot "$R" /bin/sh -c 'echo via-dev-stdout >/dev/stdout; echo via-proc-fd-2 >/proc/self/fd/2' \
	>"$T/stdio.out" 2>"$T/stdio.err" </dev/null
is "a reopened /dev/stdout writes the host file qrun's stdout is" "$(cat "$T/stdio.out")" via-dev-stdout
is "a reopened /proc/self/fd/2 writes the host file qrun's stderr is" "$(cat "$T/stdio.err")" via-proc-fd-2
"$QRUN" chroot "$R" /bin/sh -c '/bin/sh -c "cat /proc/\$PPID/fd/1 >/dev/null 2>&1" && echo read || echo refused' \
	>"$T/stdio2.out" 2>&1 </dev/null
# (a second shell: busybox runs cat in-process, so the outer shell's own fd 1 is the one read)
is "... but not read when the fd was opened for writing only" "$(tail -n 1 "$T/stdio2.out")" refused

done_testing
