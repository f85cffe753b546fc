#!/bin/bash
# qrun run (issue 6): containers are isolated from their image and from each other, and cheap;
# many run at once; an interactive shell works; signals to qrun reach the container; as root,
# the container gets docker's default capability set and no_new_privs.
#
#   isolation    container 1 (data/t202/modify.sh) appends to, overwrites, chmods, truncates,
#                deletes, renames, utimes, writes through file and directory symlinks, O_RDWR /
#                O_WRONLY-no-trunc writes, writes after a rename, writes and chmods through
#                /proc/self/fd and /dev/fd of a read-only fd, and writes to a file with two hard
#                links in the image (and to a new hard link of a snapshot file). Its own later
#                start sees the changes (compared with the same script run on a host copy of the
#                tree: the oracle); the image (a fresh `run --rm`, `qrun unpack`) and a second
#                container do not; the snapshot under $QRUN_ROOT/snapshots is unchanged (sha256
#                + stat listing). Then the same, briefly, for an armhf container (qemu).
#   cheap        du of a container counted after the store: less than half of the snapshot.
#   concurrency  20 parallel `run --rm` print their hostname; the store is intact afterwards.
#   terminal     `run -it` of the armhf image in tmux: uname -m, Ctrl-C, Ctrl-Z/fg, exit 3.
#   signals      TERM, INT, HUP to a foreground `qrun run` -> 143, 130, 129, quickly.
#   host files   /etc/hosts and /etc/resolv.conf are the container's copies: writing them (as
#                root too) leaves the host's as they were.
#   privilege    root: CapBnd = CapEff = 00000000a80425fb, NoNewPrivs 1; raising a capability
#                outside the set fails. User: NoNewPrivs 1, no capabilities, the same failures.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/data/t101/images.sh"

require_cmd jq
fixture fbb busybox amd64
fixture farm busybox armhf
D=$(cd "$(dirname "$0")/data/t202" && pwd)
export LC_ALL=C
IS_ROOT=
[ "$(id -u)" = 0 ] && IS_ROOT=1
"$QRUN" run --help >/dev/null 2>&1 || skip_all "this qrun has no 'run' verb yet"

# q ARGS...: run qrun; sets st, out (stdout) and err (stderr). stdin is /dev/null.
q() {
	out=$("$QRUN" "$@" 2>"$T/.err" </dev/null)
	st=$?
	err=$(cat "$T/.err")
}
# snap_state: everything under the snapshots that a container must not change (nlink and ctime
# left out: a hard-link farm changes those by design), then the sha256 of every file.
snap_state() {
	(cd "$QRUN_ROOT/snapshots" && find . -printf '%p %y %m %U:%G %s %T@ %l\n' | sort &&
		find . -type f -exec sha256sum {} + | sort -k2)
}
# snap_unchanged DESCRIPTION: the snapshots are as at the last call (or as in snap.before);
# then the current state becomes the reference, so that one change fails one check only.
snap_unchanged() {
	snap_state >"$T/snap.after"
	is "$1" "$(diff "$T/snap.before" "$T/snap.after" | head -40)" ""
	mv -f "$T/snap.after" "$T/snap.before"
}
# containers_left: the entries of $QRUN_ROOT/containers (lock files aside).
containers_left() {
	ls -A "$QRUN_ROOT/containers" 2>/dev/null | grep -vE '^(\.?lock|.*\.lock)$'
}
# norm: show.sh output with the mtimes of files changed just now (not 1700000000, the image's,
# nor 981173106, what touch set) replaced by "recent".
norm() {
	awk '$2 == "f" && $5 != 1700000000 && $5 != 981173106 { $5 = "recent" } { print }'
}

# --- images ------------------------------------------------------------------------------------
# bb64 and bbarm: the busybox fixtures as rootfs tarballs. iso: busybox amd64 plus /data (the
# files container 1 changes; a and b are hard links of one file) and the scripts in /t202.
mk_tar "$fbb" "$T/bb64.tar" && gzip -n "$T/bb64.tar"
mk_tar "$farm" "$T/bbarm.tar" && gzip -n "$T/bbarm.tar"
cp -a "$fbb" "$T/isotree"
chmod -R u+w "$T/isotree"
mkdir -p "$T/isotree/data/sub" "$T/isotree/t202"
cp "$D"/*.sh "$T/isotree/t202/"
(
	cd "$T/isotree/data" || exit 1
	echo 'orig append' >append
	echo 'orig over' >over
	echo 'orig mode' >mode
	echo 0123456789 >trunc
	echo 'orig del' >del
	echo 'orig ren' >ren
	echo 'orig link' >a
	ln a b
	echo 0123456789 >dd
	echo 'orig rw' >rw
	echo 'orig touched' >touched
	echo 'orig target' >target
	ln -s target lnk
	echo 'orig sub' >sub/f
	echo 'orig keep' >keep
	echo 'orig own' >own
	echo 'orig mvw' >mvw
	mkdir sub2 sub4
	echo 'orig g' >sub2/g
	echo 'orig h' >sub4/h
	ln -s sub4 dlink
	echo 'orig fdw' >fdw
	echo 'orig devfd' >devfd
	echo 'orig fdmode' >fdmode
	find . -type f -exec chmod 644 {} +
	chmod 755 sub sub2 sub4
	touch -h -d @1700000000 ./* ./*/*
)
mk_tar "$T/isotree" "$T/iso.tar"
like "fixture: the iso layer holds a hard link" "$(tar -tvf "$T/iso.tar")" 'data/b link to data/a$'

for img in bb64 bbarm iso; do
	f=$T/$img.tar.gz
	[ -f "$f" ] || f=$T/$img.tar
	q import "$f" "$img"
	like "import $img" "$st:$out" '^0:sha256:[0-9a-f]{64}$'
done
# First runs (they make the snapshots), then the state every later check compares with.
q run --rm bb64 /bin/true
is "run --rm bb64 /bin/true" "$st:$out:$err" "0::"
q run --rm bbarm uname -m
is "run --rm bbarm uname -m: armv7l (qemu picked from the image)" "$st:$out" "0:armv7l"
q run --rm iso cat /data/over
is "run --rm iso cat /data/over" "$st:$out" "0:orig over"
is "--rm leaves no container" "$(containers_left)" ""
snap_state >"$T/snap.before"

# --- isolation ---------------------------------------------------------------------------------
# The oracle: show.sh on the tree the image was made from, and after modify.sh on a host copy.
# In the container, root's chown is real for root and emulated for a user (tracer/owners.c),
# who sees its own files as root's: the user's oracle is mapped so (in_root), and its chown
# (which the host refuses) applied to the listing.
chown_env=(-e T202_CHOWN=1)
in_root() {
	if [ -n "$IS_ROOT" ]; then cat; else
		sed -e "s/ $(id -u):$(id -g):/ 0:0:/; s/ $(id -u):$(id -g)\$/ 0:0/" \
			-e "${1:+/^own f /s/ 0:0:/ 123:45:/}"
	fi
}
orig=$(bash "$D/show.sh" "$T/isotree/data")
orig_in=$(in_root <<<"$orig")
cp -a "$T/isotree/data" "$T/oracle"
T202_CHOWN=${IS_ROOT:+1} bash "$D/modify.sh" "$T/oracle" || diag "the oracle's modify.sh failed"
want_mod=$(bash "$D/show.sh" "$T/oracle" | norm | in_root chown)
nlines=$(wc -l <"$fbb/etc/passwd")
extra_orig="passwd: $nlines lines, last $(tail -n 1 "$fbb/etc/passwd" | cut -d: -f1)
vi: present
done-marker: absent"
extra_mod="passwd: $((nlines + 1)) lines, last t202
vi: absent
done-marker: present"
# b and keep share their inode with a file container 1 wrote through another name: whether they
# show that write is not settled (overlayfs without index does not), so they are only shown.
ambiguous='^(b|keep) f '

# Container 2 exists before container 1 writes anything.
q create --name c2 iso sh -c 'sh /t202/show.sh; sh /t202/extra.sh'
like "create c2 prints the 64-hex id" "$st:$out" '^0:[0-9a-f]{64}$'
id2=$out
q create --name c1 "${chown_env[@]}" iso sh /t202/step.sh
like "create c1 prints the 64-hex id" "$st:$out" '^0:[0-9a-f]{64}$'
id1=$out
ok "c1 has its directory, config.json and rootfs" test -f "$QRUN_ROOT/containers/$id1/config.json" \
	-a -d "$QRUN_ROOT/containers/$id1/rootfs"

# cheap: the container's rootfs counted after the snapshots (shared inodes count once)
du_out=$(du -sk "$QRUN_ROOT/snapshots" "$QRUN_ROOT/containers/$id2" 2>&1)
du_snap=$(sed -n 1p <<<"$du_out" | cut -f1)
du_ctr=$(sed -n 2p <<<"$du_out" | cut -f1)
if [ -n "$du_snap" ] && [ -n "$du_ctr" ] && [ "$du_ctr" -lt $((du_snap / 2)) ] 2>/dev/null; then
	ok "a new container adds little disk (${du_ctr} KiB vs ${du_snap} KiB of snapshots)" true
else
	ok "a new container adds little disk: less than half the snapshots" false
	diag "du -sk snapshots containers/<id>:" "$du_out"
fi

q start -a c1
first=$out
is "start -a c1: the writes succeed (exit 0)" "$st:$err" "0:"
is "c1 sees its changes (vs the same writes on a host copy)" \
	"$(grep -vE "$ambiguous" <<<"$first" | sed '/^passwd: /,$d' | norm)" \
	"$(grep -vE "$ambiguous" <<<"$want_mod")"
is "c1 sees its changes outside /data" "$(sed -n '/^passwd: /,$p' <<<"$first")" "$extra_mod"
like "c1: a write to a file through a symlink lands in the target" "$first" '^target f .*: via-sym\|$'
like "c1: truncate" "$first" '^trunc f 644 4 .*: 0123$'
diag "c1, names sharing an inode with a written file (not checked):" \
	"$(grep -E "$ambiguous" <<<"$first")" \
	"host: $(grep -E "$ambiguous" <<<"$want_mod" | tr '\n' ' ')"

q start -a c1
is "a second start -a c1 sees the same state" "$st:$(norm <<<"$out")" "0:$(norm <<<"$first")"

q start -a c2
is "c2 (created before c1 wrote) sees the image's content, modes and names" "$st:$out" \
	"0:$orig_in
$extra_orig"
q run --rm iso sh -c 'sh /t202/show.sh; sh /t202/extra.sh'
is "a fresh run --rm of the image sees the original" "$st:$out" "0:$orig_in
$extra_orig"
q run --rm iso stat -c %i /data/a /data/b
is "the image's hard link a = b holds in a fresh container" \
	"$st:$(uniq <<<"$out" | wc -l)" "0:1"
q unpack iso "$T/unp"
is "qrun unpack of the image after c1's writes: the original /data" \
	"$st:$(bash "$D/show.sh" "$T/unp/data")" "0:$orig"
is "qrun unpack: /etc/passwd and /bin/vi as in the image" \
	"$(cmp "$T/unp/etc/passwd" "$fbb/etc/passwd" && readlink "$T/unp/bin/vi")" "/bin/busybox"
snap_unchanged "the snapshots are unchanged by c1 (content, modes, owners, sizes, mtimes)"

q rm c1 c2
is "rm c1 c2" "$st:$out" "0:c1
c2"
is "rm leaves no container" "$(containers_left)" ""

# The same under qemu: an armhf container's writes stay in it.
q run --name a1 bbarm sh -c 'if [ ! -e /a1-done ]; then echo arm-write >>/etc/passwd; rm /bin/vi
	chmod 600 /etc/group; : >/a1-done; fi; tail -n 1 /etc/passwd; stat -c %a /etc/group; ls /bin/vi 2>&1 >/dev/null | wc -l'
is "armhf container: append, rm, chmod under qemu" "$st:$out" "0:arm-write
600
1"
q start -a a1
is "armhf container: its second start sees its writes" "$st:$out" "0:arm-write
600
1"
q run --rm bbarm sh -c 'tail -n 1 /etc/passwd; stat -c %a /etc/group; readlink /bin/vi'
is "armhf image: unchanged by the container" "$st:$out" "0:$(tail -n 1 "$farm/etc/passwd")
$(stat -c %a "$farm/etc/group")
$(readlink "$farm/bin/vi")"
q rm a1
is "rm a1" "$st:$out" "0:a1"
snap_unchanged "the snapshots are unchanged by the armhf container"

# --- concurrency -------------------------------------------------------------------------------
N=20
mkdir "$T/par"
for i in $(seq $N); do
	("$QRUN" run --rm bb64 sh -c 'echo $HOSTNAME; cat /etc/hostname' >"$T/par/$i.out" \
		2>"$T/par/$i.err" </dev/null
	echo $? >"$T/par/$i.st") &
done
wait
bad=
for i in $(seq $N); do
	o=$(cat "$T/par/$i.out")
	h=$(head -n 1 <<<"$o")
	if [ "$(cat "$T/par/$i.st")" != 0 ] || ! grep -qE '^[0-9a-f]{12}$' <<<"$h" ||
		[ "$o" != "$h
$h" ]; then
		bad="$bad
#$i: exit $(cat "$T/par/$i.st"): $(tr '\n' ' ' <"$T/par/$i.out") $(head -c 300 "$T/par/$i.err")"
	fi
done
is "$N parallel run --rm: all exit 0, HOSTNAME = /etc/hostname = 12 hex" "$bad" ""
is "$N parallel run --rm: $N different hostnames" "$(cat "$T"/par/*.out | sort -u | wc -l)" "$N"
is "$N parallel run --rm: no container left" "$(containers_left)" ""
q images
like "images still lists bb64 after the parallel runs" "$st:$out" 'bb64 +latest'
if command -v skopeo >/dev/null; then
	ok "skopeo reads the store's bb64 image" skopeo inspect "oci:$QRUN_ROOT:docker.io/library/bb64:latest"
else
	skip "skopeo reads the store" "skopeo is not installed"
fi
is "no leftovers in the store's tmp/" "$(ls -A "$QRUN_ROOT/tmp" 2>/dev/null)" ""
snap_unchanged "the snapshots are unchanged by the parallel runs"

# --- an interactive shell on a terminal (armhf, under qemu) -------------------------------------
# wait_screen REGEX SECONDS: poll the pane until some line matches; prints the elapsed seconds.
if command -v tmux >/dev/null; then
	sock="$T/tmux"
	tm() { tmux -S "$sock" "$@"; }
	screen() { tm capture-pane -t t -p -S -200; }
	wait_screen() {
		local t0=$SECONDS end=$((SECONDS + $2))
		while [ "$SECONDS" -lt "$end" ]; do
			screen | grep -Eq -- "$1" && return 0
			sleep 0.1
		done
		return 1
	}
	tm new-session -d -s t -x 120 -y 40 \
		"env QRUN_ROOT='$QRUN_ROOT' '$QRUN' run --rm -it bbarm /bin/sh; st=\$?; echo \$st >'$T/status'; echo qrun-exit=\$st; sleep 60"
	send() { tm send-keys -t t "$@"; }
	sleep 1
	send 'uname -m' Enter
	wait_screen '^armv7l$' 30
	like "-it: the shell runs under qemu (uname -m)" "$(screen)" '^armv7l$'
	send 'tty; echo tty-st=$?' Enter
	wait_screen '^tty-st=' 10
	like "-it: stdin is a terminal in the container" "$(screen)" '^tty-st=0$'
	send 'sleep 100' Enter
	sleep 1.5
	t0=$(date +%s.%N)
	send C-c
	sleep 0.3
	send 'echo after-int=$?' Enter
	if wait_screen '^after-int=' 10; then
		el=$(echo "$(date +%s.%N) - $t0" | bc)
	else
		el=99
	fi
	like "-it: Ctrl-C interrupts sleep 100 (status 130)" "$(screen)" '^after-int=130$'
	ok "-it: the prompt is back in < 5 s after Ctrl-C (${el} s)" test "$(echo "$el < 5" | bc)" = 1
	send 'sleep 101' Enter
	sleep 1.5
	send C-z
	sleep 0.5
	send 'jobs' Enter
	wait_screen 'Stopped +sleep 101' 10
	like "-it: Ctrl-Z stops a foreground job" "$(screen)" 'Stopped +sleep 101'
	send 'fg' Enter
	sleep 1
	send C-c
	sleep 0.3
	send 'echo after-fg=$?' Enter
	wait_screen '^after-fg=' 10
	like "-it: fg, then Ctrl-C" "$(screen)" '^after-fg=130$'
	send 'exit 3' Enter
	for _ in $(seq 100); do [ -s "$T/status" ] && break; sleep 0.1; done
	is "-it: qrun exits with the shell's status 3" "$(cat "$T/status" 2>/dev/null)" 3
	[ "$(cat "$T/status" 2>/dev/null)" = 3 ] || diag "screen:" "$(screen | grep -v '^$' | tail -30)"
	tm kill-server 2>/dev/null
else
	skip "an interactive shell on a terminal" "tmux is not installed"
fi

# --- signals to qrun reach the container -------------------------------------------------------
n=$((20000 + RANDOM % 10000)) # `sleep N` names the container's process; N unique to this run
for sig in TERM:143 INT:130 HUP:129; do
	s=${sig%:*}
	want=${sig#*:}
	n=$((n + 1))
	set -m # a job of its own, so that bash leaves SIGINT alone (background jobs ignore it)
	"$QRUN" run --rm bb64 sleep $n >"$T/sig.out" 2>&1 </dev/null &
	pid=$!
	set +m
	for _ in $(seq 100); do
		ps -eo args | grep -qx "sleep $n" && break
		sleep 0.1
	done
	t0=$(date +%s.%N)
	kill -"$s" "$pid"
	for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	el=$(echo "$(date +%s.%N) - $t0" | bc)
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid" 2>/dev/null
		el=99
	fi
	wait "$pid" 2>/dev/null
	st=$?
	is "SIG$s to qrun run: exit $want" "$st" "$want"
	[ "$st" = "$want" ] || diag "output: $(head -c 500 "$T/sig.out")"
	ok "SIG$s to qrun run: it ends within 5 s (${el} s)" test "$(echo "$el < 5" | bc)" = 1
	sleep 0.2
	unlike "SIG$s: the container's process is gone" "$(ps -eo args)" "^sleep $n\$"
	# whatever is left of it would outlive the test
	for p in $(ps -eo pid=,args= | awk -v a="sleep $n" '{ p = $1; $1 = "" } substr($0, 2) == a { print p }'); do
		kill -KILL "$p" 2>/dev/null
	done
done
is "--rm removed the signalled containers" "$(containers_left)" ""

# --- privilege ---------------------------------------------------------------------------------
q run --rm bb64 grep -E '^(CapInh|CapPrm|CapEff|CapBnd|CapAmb|NoNewPrivs):' /proc/self/status
caps=$out
cap() { sed -n "s/^$1:[[:space:]]*//p" <<<"$caps"; }
is "NoNewPrivs: 1 in the container" "$st:$(cap NoNewPrivs)" "0:1"
if [ -n "$IS_ROOT" ]; then
	is "root: CapBnd = docker's default set" "$(cap CapBnd)" 00000000a80425fb
	is "root: CapEff = docker's default set" "$(cap CapEff)" 00000000a80425fb
	is "root: CapPrm = docker's default set" "$(cap CapPrm)" 00000000a80425fb
	b=$(cap CapBnd)
	is "root: CAP_SYS_MODULE (16) and CAP_SYS_ADMIN (21) not in CapBnd" \
		"$(((0x${b:-ffffffffffffffff} >> 16) & 1))$(((0x${b:-ffffffffffffffff} >> 21) & 1))" 00
	q run --rm bb64 setpriv --inh-caps +chown /bin/true
	is "root: capset works in the container (+chown, in the set, is allowed)" "$st:$err" "0:"
else
	is "user: no effective capabilities in the container" "$(cap CapEff)" 0000000000000000
	diag "root only: CapBnd = CapEff = 00000000a80425fb (docker's default set), checked as root"
fi
q run --rm bb64 setpriv --inh-caps +sys_module /bin/true
if [ -n "$IS_ROOT" ]; then
	like "raising CAP_SYS_MODULE fails (capset: EPERM)" "$st:$err" \
		'^[1-9][0-9]*:.*Operation not permitted'
else
	# emulated root holds every capability as the guest sees it; what it can do stays the user's
	is "emulated root: raising CAP_SYS_MODULE is allowed (it has them all)" "$st:$err" "0:"
fi
q run --rm bb64 sh -c 'renice -n -5 -p $$'
like "a negative nice (CAP_SYS_NICE, not in the set) fails" "$st:$err" '^[1-9][0-9]*:.*(Permission denied|Operation not permitted)'
q run --rm bb64 sh -c 'head -c 64 /bin/busybox >/tmp/x.ko && insmod /tmp/x.ko'
unlike "insmod of a file fails" "$st" '^0$'
diag "insmod: $err"

# --- the end -----------------------------------------------------------------------------------
snap_unchanged "the snapshots are unchanged by the -it, signal and privilege runs"
# --- host files -------------------------------------------------------------------------
host_etc() { cat /etc/hosts /etc/resolv.conf 2>/dev/null | sha256sum; }
before=$(host_etc)
q run --rm bb64 sh -c 'echo "10.9.9.9 evil.test" >>/etc/hosts; echo "nameserver 10.9.9.9" >/etc/resolv.conf; grep -c 10.9.9.9 /etc/hosts /etc/resolv.conf'
is "the container writes its /etc/hosts and /etc/resolv.conf" "$st|$out" \
	"0|/etc/hosts:1
/etc/resolv.conf:1"
is "the host's stay as they were" "$(host_etc)" "$before"
q run --rm bb64 grep -c 10.9.9.9 /etc/hosts
is "and the next container starts from the host's again" "$out" "0"

is "no container is left" "$(containers_left)" ""
q ps -a -q
is "ps -a -q lists nothing" "$st:$out" "0:"

done_testing
