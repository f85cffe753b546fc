#!/bin/bash
# qrun chroot binds: directory and file binds, -b HOST alone, :rw and :ro, reading and writing
# through a bind (and the host seeing the result), nested binds in either order, binds onto
# paths the rootfs lacks (they appear; nothing is left behind), a bind whose guest path goes
# through a symlink in the rootfs, symlinks inside a bind pointing out of it, read-only binds
# (every write-type call, by path, by dirfd or by fd, answers EROFS; reads work), mount points
# that cannot be removed, bad bind specs (exit 125, one line on stderr) and --no-default-binds.
. "$(dirname "$0")/lib.sh"

fixture bb busybox amd64
fixture hp helper amd64
require_cmd find timeout

R=$T/rootfs # busybox + /bin/qrun-test-init (+ /bin/fdops)
HO=$T/h     # host side
HD=$HO/data # directory bind
HF=$HO/file.txt
RO=$HO/ro # read-only bind
N1=$HO/nest1
N2=$HO/nest2
H=/bin/qrun-test-init
F=/bin/fdops
data=$(dirname "$0")/data/t303

# fdops makes the fd-based write calls (fchmod, futimens, ...) that busybox and the helper lack.
fdops_ok=0
if command -v "${CC:-cc}" >/dev/null 2>&1 &&
	"${CC:-cc}" -std=gnu11 -O2 -static -o "$T/fdops" "$data/fdops.c" >"$T/cc.log" 2>&1; then
	fdops_ok=1
fi

cp -a "$bb" "$R"
cp "$hp/bin/qrun-test-init" "$R$H"
[ "$fdops_ok" = 1 ] && cp "$T/fdops" "$R$F"
mkdir -p "$R/srv" "$R/real" "$R/rwarea"
printf 'guest file\n' >"$R/etc/t303-guest"
printf 'guest side\n' >"$R/srv/outside-target"
ln -s /real "$R/lnk"
ln -s real "$R/lnkrel"
ln -s "$HO" "$R/evil"
ln -s "../../../../../../../../..$HO" "$R/evilrel"

mkdir -p "$HD/sub" "$RO/sub" "$RO/emptydir" "$N1" "$N2" "$HO/empty"
printf 'hello\n' >"$HD/a.txt"
printf 'sub b\n' >"$HD/sub/b.txt"
ln -s ../outside-target "$HD/link-rel"
ln -s /etc/t303-guest "$HD/link-abs"
ln -s "$HO/outside-target" "$HD/link-host"
printf 'host side, never seen by the guest\n' >"$HO/outside-target"
printf 'host file\n' >"$HF"
printf 'keep\n' >"$RO/keep"
printf 'inner\n' >"$RO/sub/inner"
ln -s /rwarea "$RO/to-rw"
printf 'outer a\n' >"$N1/a"
printf 'inner b\n' >"$N2/b"
ln -s "$HD" "$HO/datalink"

# q ARGS...: qrun chroot ARGS (output and errors together in $out, status in $st).
q() {
	out=$(timeout -k 5 30 "$QRUN" chroot "$@" 2>&1 </dev/null)
	st=$?
}

# tree DIR: a listing of DIR (path, type, size, mode, link target): what "left behind" means.
tree() { find "$1" -printf '%p %y %s %m %l\n' | LC_ALL=C sort; }
# stamp DIR: the same with mtimes and ctimes, for what must not be touched at all.
stamp() { find "$1" -printf '%p %y %s %m %n %T@ %C@ %l\n' | LC_ALL=C sort; }

rootfs0=$(tree "$R")

# ==== directory binds, read and write ======================================================
q -b "$HD:/srv/data" "$R" $H cat /srv/data/a.txt
is "dir bind: read a file" "$out" hello
q -b "$HD:/srv/data" "$R" $H ls /srv/data
is "dir bind: list it" "$out" "$(printf 'a.txt\nlink-abs\nlink-host\nlink-rel\nsub')"
q -b "$HD:/srv/data" "$R" $H cat /srv/data/sub/b.txt
is "dir bind: read below it" "$out" "sub b"
q -b "$HD:/srv/data" "$R" $H stat /srv/data
like "dir bind: the mount point is a directory" "$out" '^type=d '
q -b "$HD:/srv/data" "$R" $H write /srv/data/new.txt "guest wrote"
is "dir bind: create a file" "$st:$out" 0:
is "dir bind: the host sees the new file" "$(cat "$HD/new.txt" 2>&1)" "guest wrote"
q -b "$HD:/srv/data" "$R" $H append /srv/data/a.txt more
is "dir bind: the host sees an append" "$(cat "$HD/a.txt")" "$(printf 'hello\nmore')"
q -b "$HD:/srv/data" "$R" $H mkdir /srv/data/newdir
ok "dir bind: the host sees a new directory" test -d "$HD/newdir"
q -b "$HD:/srv/data" "$R" $H mv /srv/data/new.txt /srv/data/renamed.txt
is "dir bind: rename inside the bind" "$st:$out" 0:
ok "dir bind: the host sees the rename" test -f "$HD/renamed.txt" -a ! -e "$HD/new.txt"
q -b "$HD:/srv/data" "$R" $H rm /srv/data/renamed.txt
ok "dir bind: the host sees the unlink" test ! -e "$HD/renamed.txt"
q -b "$HD:/srv/data" "$R" $H rmdir /srv/data/newdir
ok "dir bind: the host sees the rmdir" test ! -e "$HD/newdir"
q -b "$HD:/srv/data" -w /srv/data "$R" /bin/sh -c 'pwd; echo relative >rel.txt; cat sub/b.txt'
is "dir bind: a working directory inside it" "$out" "$(printf '/srv/data\nsub b')"
is "dir bind: a relative write lands in the host directory" "$(cat "$HD/rel.txt" 2>&1)" relative
rm -f "$HD/rel.txt"
q -b "$HD:/srv/data:rw" "$R" $H write /srv/data/rw.txt explicit
is "HOST:GUEST:rw is writable" "$st:$(cat "$HD/rw.txt" 2>&1)" 0:explicit
rm -f "$HD/rw.txt"
q -b "$HD" "$R" $H cat "$HD/a.txt"
is "-b HOST alone binds HOST at the same guest path" "$out" "$(printf 'hello\nmore')"
q -b "$HD:rw" "$R" $H write "$HD/rw2.txt" same-path
is "-b HOST:rw binds at the same path, writable" "$st:$(cat "$HD/rw2.txt" 2>&1)" 0:same-path
rm -f "$HD/rw2.txt"
is "-b HOST leaves nothing behind in the rootfs" "$(tree "$R")" "$rootfs0"
q -b "$HO/datalink:/srv/dl" "$R" $H cat /srv/dl/sub/b.txt
is "a host path through a symlink binds its target" "$out" "sub b"
q -b "$HD:/srv/../srv2//data/" "$R" $H cat /srv2/data/sub/b.txt
is "the guest path is normalised (.., //, trailing /)" "$out" "sub b"
q -b "$HD:/etc" "$R" $H ls /etc
is "a bind over an existing rootfs directory hides its content" "$out" \
	"$(printf 'a.txt\nlink-abs\nlink-host\nlink-rel\nsub')"
q -b "$HD:/srv/one" -b "$HD:/srv/two" "$R" /bin/sh -c \
	"$H write /srv/one/twice.txt via-one; $H cat /srv/two/twice.txt; $H mv /srv/one/twice.txt /srv/two/moved"
is "the same host directory at two guest paths: one view, two mounts" "$out" \
	"$(printf 'via-one\nmv: EXDEV')"
rm -f "$HD/twice.txt"

# ==== file binds ==========================================================================
q -b "$HF:/etc/hostfile" "$R" $H cat /etc/hostfile
is "file bind: read" "$out" "host file"
q -b "$HF:/etc/hostfile" "$R" $H stat /etc/hostfile
like "file bind: a regular file" "$out" '^type=- '
q -b "$HF:/etc/hostfile" "$R" $H write /etc/hostfile "written by the guest"
is "file bind: write it" "$st:$out" 0:
is "file bind: the host sees the write" "$(cat "$HF")" "written by the guest"
q -b "$HF:/etc/t303-guest" "$R" $H cat /etc/t303-guest
is "file bind over an existing rootfs file shows the host's" "$out" "written by the guest"
is "... and leaves the rootfs's file alone" "$(cat "$R/etc/t303-guest")" "guest file"
q -b "$HF:/etc/new.conf:ro" "$R" /bin/sh -c "$H cat /etc/new.conf; $H write /etc/new.conf x"
is "read-only file bind onto a missing path: readable, EROFS to write" "$out" \
	"$(printf 'written by the guest\nwrite: EROFS')"
is "file bind onto a missing path leaves nothing behind" "$(tree "$R")" "$rootfs0"

# ==== nested binds =========================================================================
for order in outer-first inner-first; do
	if [ "$order" = outer-first ]; then
		nb=(-b "$N1:/srv/outer" -b "$N2:/srv/outer/inner")
	else
		nb=(-b "$N2:/srv/outer/inner" -b "$N1:/srv/outer")
	fi
	q "${nb[@]}" "$R" /bin/sh -c "$H cat /srv/outer/a /srv/outer/inner/b; $H ls /srv/outer/inner"
	is "nested binds ($order): both visible" "$out" "$(printf 'outer a\ninner b\nb')"
	q "${nb[@]}" "$R" $H write /srv/outer/inner/from-guest "$order"
	is "nested binds ($order): a write lands in the inner host directory" \
		"$(cat "$N2/from-guest" 2>&1)" "$order"
	rm -f "$N2/from-guest"
	ok "nested binds ($order): no mount point left in the outer host directory" \
		test ! -e "$N1/inner"
done
q -b "$N1:/srv/outer" -b "$N2:/srv/outer/inner" "$R" $H mv /srv/outer/a /srv/outer/inner/a
is "nested binds: rename between them is EXDEV" "$out" "mv: EXDEV"
ro0=$(stamp "$RO")
q -b "$N1:/srv/outer" -b "$RO:/srv/outer/ro:ro" "$R" /bin/sh -c \
	"$H write /srv/outer/x rw-part; $H write /srv/outer/ro/x ro-part; $H cat /srv/outer/ro/keep"
is "read-only bind inside a writable one" "$out" "$(printf 'write: EROFS\nkeep')"
is "... the writable part took the write" "$(cat "$N1/x" 2>&1)" rw-part
rm -f "$N1/x"
q -b "$RO:/ro:ro" -b "$N2:/ro/sub/rw" "$R" /bin/sh -c \
	"$H write /ro/sub/rw/x rw-part; $H write /ro/sub/x ro-part; $H cat /ro/sub/inner"
is "writable bind inside a read-only one" "$out" "$(printf 'write: EROFS\ninner')"
is "... the writable part took the write" "$(cat "$N2/x" 2>&1)" rw-part
rm -f "$N2/x"
is "... and no mount point was made in the read-only host directory" "$(stamp "$RO")" "$ro0"
is "nested binds leave nothing behind in the rootfs" "$(tree "$R")" "$rootfs0"

# ==== binds onto paths the rootfs does not have ===========================================
q -b "$HD:/new/deep/path" "$R" /bin/sh -c "$H cat /new/deep/path/sub/b.txt; $H stat /new/deep; $H stat /new/deep/path"
is "a bind onto a missing path appears" "$(sed 's/ mode=.*//' <<<"$out")" "$(printf 'sub b\ntype=d\ntype=d')"
is "... and nothing is left behind in the rootfs" "$(tree "$R")" "$rootfs0"
q -b "$HD:/new/deep/path" -b "$HF:/new/file.conf" -b "$N2:/tmp/nest/x" "$R" /bin/sh -c \
	"$H cat /new/file.conf /tmp/nest/x/b; $H write /new/deep/path/through-new x"
is "several binds onto missing paths, a file among them" "$out" "$(printf 'written by the guest\ninner b')"
is "... the write through one reached the host" "$(cat "$HD/through-new" 2>&1)" x
rm -f "$HD/through-new"
is "... and nothing is left behind in the rootfs" "$(tree "$R")" "$rootfs0"
q -b "$HD:/new/a" "$R" /bin/sh -c "$H mkdir /new/guest-made; $H write /new/guest-made/f kept"
is "the guest may write beside a missing-path bind" "$st:$out" 0:
is "... and what it wrote stays in the rootfs" "$(cat "$R/new/guest-made/f" 2>&1)" kept
rm -rf "${R:?}/new"
is "... (removed again)" "$(tree "$R")" "$rootfs0"
if [ "$(id -u)" != 0 ]; then
	chmod a-w "$R/etc"
	q -b "$HD:/etc/sub/bind" "$R" $H cat /etc/sub/bind/a.txt
	chmod u+w "$R/etc"
	is "a bind onto a missing path below a read-only rootfs directory appears" "$out" \
		"$(printf 'hello\nmore')"
	is "... and nothing is left behind" "$(tree "$R")" "$rootfs0"
fi

# ==== a bind's guest path through a symlink in the rootfs =====================================
q -b "$HD:/lnk/data" "$R" /bin/sh -c "$H cat /lnk/data/sub/b.txt /real/data/sub/b.txt"
is "bind through an absolute rootfs symlink: seen at both paths" "$out" "$(printf 'sub b\nsub b')"
q -b "$HD:/lnkrel/data" "$R" /bin/sh -c "$H cat /lnkrel/data/sub/b.txt /real/data/sub/b.txt"
is "bind through a relative rootfs symlink: seen at both paths" "$out" "$(printf 'sub b\nsub b')"
is "... and nothing is left behind in the rootfs" "$(tree "$R")" "$rootfs0"
ho0=$(tree "$HO")
q -b "$N2:/evil/x" "$R" $H cat /evil/x/b
q -b "$N2:/evilrel/y" "$R" $H cat /evilrel/y/b
is "binds through rootfs symlinks to host paths create nothing on the host" "$(tree "$HO")" "$ho0"
is "... nor in the rootfs" "$(tree "$R")" "$rootfs0"

# ==== symlinks inside a bind pointing out of it ================================================
q -b "$HD:/srv/data" "$R" $H readlink /srv/data/link-rel
is "bind symlink: its text is shown as is" "$out" ../outside-target
q -b "$HD:/srv/data" "$R" $H cat /srv/data/link-rel
is "bind symlink ../x resolves in the guest (the rootfs's /srv/x)" "$out" "guest side"
q -b "$HD:/srv/data" "$R" $H cat /srv/data/link-abs
is "bind symlink to an absolute guest path reads the rootfs's file" "$out" "guest file"
q -b "$HD:/srv/data" "$R" $H cat /srv/data/link-host
is "bind symlink to a host path does not reach the host" "$out" "cat: ENOENT"
q -b "$HD:/srv/data" "$R" $H realpath /srv/data/link-rel
is "realpath of a bind symlink pointing out" "$out" /srv/outside-target
q -b "$RO:/ro:ro" "$R" $H write /ro/to-rw/via-link "through a read-only bind's link"
is "a link in a read-only bind to a writable place: the write is allowed" "$st:$out" 0:
is "... and lands in the rootfs" "$(cat "$R/rwarea/via-link" 2>&1)" "through a read-only bind's link"
rm -f "$R/rwarea/via-link"

# ==== read-only binds ==========================================================================
# One qrun runs them all (a busybox script, its output split per case): `bcase NAME CMD WANT`
# adds a case whose output must be WANT (or match the regex after a leading "~").
bnames=()
bwant=()
bscript=
bcase() {
	bnames+=("$1")
	bwant+=("$3")
	bscript+="echo '@@case ${#bnames[@]}'"$'\n'"{ $2"$'\n'"} 2>&1; cd /"$'\n'
}
brun() { # QRUN-OPTIONS...: run the cases with them
	local i got all
	printf '%s' "$bscript" >"$R/tmp/batch.sh"
	q "$@" "$R" /bin/sh /tmp/batch.sh
	all=$out
	rm -f "$R/tmp/batch.sh"
	for i in "${!bnames[@]}"; do
		got=$(printf '%s\n' "$all" |
			awk -v n="@@case $((i + 1))" '$0 == n { on = 1; next } /^@@case [0-9]+$/ { on = 0 } on')
		if [[ ${bwant[$i]} == "~"* ]]; then
			like "${bnames[$i]}" "$got" "${bwant[$i]#\~}"
		else
			is "${bnames[$i]}" "$got" "${bwant[$i]}"
		fi
	done
	bnames=()
	bwant=()
	bscript=
}

ro0=$(stamp "$RO")
bcase "ro bind: read files" "$H cat /ro/keep /ro/sub/inner" "$(printf 'keep\ninner')"
bcase "ro bind: list it" "$H ls /ro" "$(printf 'emptydir\nkeep\nsub\nto-rw')"
bcase "ro bind: stat" "$H stat /ro/keep" "~^type=- mode=0644 nlink=1 size=5 "
bcase "ro bind: openat relative to a dirfd" "$H openat /ro keep read" keep
bcase "ro bind: access(R_OK)" "$H access /ro/keep r" ok
bcase "ro bind: access(W_OK) is EROFS" "$H access /ro/keep w" "access: EROFS"
bcase "ro bind: a relative read from a working directory inside it" "cd /ro/sub; $H cat inner" inner
bcase "ro bind: a read-only descriptor works" "exec 3</ro/keep; cat <&3; exec 3<&-" keep

# Each write-type call by path through the helper: "APPLET: EROFS".
while IFS='|' read -r what cmd; do
	[ -n "$what" ] || continue
	bcase "ro bind: $what is EROFS" "$H $cmd" "${cmd%% *}: EROFS"
done <<'EOF'
create a file|write /ro/new x
write-open an existing file|write /ro/keep x
append-open an existing file|append /ro/keep x
truncate|truncate /ro/keep 0
unlink|rm /ro/keep
mkdir|mkdir /ro/newdir
rmdir|rmdir /ro/emptydir
rename within it|mv /ro/keep /ro/keep2
rename out of it|mv /ro/keep /keep-out
rename into it|mv /etc/hostname /ro/hostname
exchange within it|renameat2 /ro/keep /ro/sub exchange
hard link within it|ln /ro/keep /ro/keep-link
hard link into it|ln /etc/hostname /ro/hostname
symlink|ln-s /anything /ro/newlink
chmod|chmod 600 /ro/keep
chmod of a directory|chmod 700 /ro/sub
touch (utimensat)|touch /ro/keep
touch a new file|touch /ro/touched
mknod a fifo|mknod-fifo /ro/fifo
bind a unix socket|unix-dgram /ro/sock
create below a subdirectory|write /ro/sub/new x
create through /proc/self/root|write /proc/self/root/ro/new x
EOF
bcase "ro bind: create by a name relative to the working directory is EROFS" \
	"cd /ro; $H write rel-new x" "write: EROFS"
bcase "ro bind: write-open by a relative name is EROFS" "cd /ro/sub; $H write inner x" "write: EROFS"
bcase "ro bind: unlink by a relative name is EROFS" "cd /ro; $H rm keep" "rm: EROFS"
bcase "ro bind: mkdir by a relative name is EROFS" "cd /ro; $H mkdir d" "mkdir: EROFS"
bcase "ro bind: rename by relative names is EROFS" "cd /ro; $H mv keep keep3" "mv: EROFS"
# busybox: chmod is fchmodat, touch utimensat, the shell's > an open(O_CREAT|O_TRUNC).
rofs='~Read-only file system'
bcase "ro bind: busybox chmod (fchmodat) is EROFS" "chmod 600 /ro/keep" "$rofs"
bcase "ro bind: busybox touch is EROFS" "touch /ro/keep" "$rofs"
bcase "ro bind: the shell's > is EROFS" "echo x >/ro/keep" "$rofs"
bcase "ro bind: the shell's >> onto a new file is EROFS" "echo x >>/ro/new" "$rofs"
bcase "ro bind: busybox cp into it is EROFS" "cp /etc/hostname /ro/" "$rofs"
bcase "ro bind: busybox rm -rf is EROFS" "rm -rf /ro/sub" "$rofs"
bcase "ro bind: busybox truncate is EROFS" "truncate -s 0 /ro/keep" "$rofs"
bcase "ro bind: busybox mv within it is EROFS" "mv /ro/keep /ro/keep4" "$rofs"
# fd-based and empty-path calls.
if [ "$fdops_ok" = 1 ]; then
	for op in fchmod fchown futimens fsetxattr setxattr fchmodat-empty utimensat-empty \
		fchownat-empty reopen-rw; do
		bcase "writable bind: $op works (control)" "$F $op /srv/data/a.txt" ok
		bcase "ro bind: $op is EROFS" "$F $op /ro/keep" "$op: EROFS"
	done
	bcase "ro bind: fremovexattr is EROFS" "$F fremovexattr /ro/keep" "fremovexattr: EROFS"
	bcase "ro bind: openat(dirfd, NAME, O_CREAT) is EROFS" "$F openat-create /ro new" \
		"openat-create: EROFS"
	bcase "ro bind: openat(dirfd, NAME, O_TRUNC) is EROFS" "$F openat-trunc /ro keep" \
		"openat-trunc: EROFS"
	bcase "ro bind: unlinkat(dirfd, NAME) is EROFS" "$F unlinkat /ro keep" "unlinkat: EROFS"
	bcase "ro bind: mkdirat(dirfd, NAME) is EROFS" "$F mkdirat /ro nd" "mkdirat: EROFS"
	bcase "writable bind: openat(dirfd, NAME, O_CREAT) works (control)" \
		"$F openat-create /srv/data fd-made; rm /srv/data/fd-made" ok
else
	skip "ro bind: fd-based writes" "cannot build $data/fdops.c with ${CC:-cc} -static"
fi
bcase "ro bind: reads after all that still work" \
	"cat /ro/keep; ls -la /ro /ro/sub >/dev/null; find /ro >/dev/null; echo done" \
	"$(printf 'keep\ndone')"
brun -b "$RO:/ro:ro" -b "$HD:/srv/data"
is "ro bind: the host directory is untouched (names, sizes, modes, times)" "$(stamp "$RO")" "$ro0"
q -b "$RO:/ro:ro" -b "$RO:/ro2" "$R" $H write /ro2/keep "not read-only there"
is "the same directory bound writable elsewhere stays writable there" "$st:$out" 0:
is "... and the write reached the host" "$(cat "$RO/keep")" "not read-only there"
printf 'keep\n' >"$RO/keep"

# ==== mount points cannot be removed or renamed ===============================================
q -b "$HO/empty:/srv/empty" "$R" $H rmdir /srv/empty
is "rmdir of an empty bind's mount point is EBUSY" "$out" "rmdir: EBUSY"
ok "... and the host directory is still there" test -d "$HO/empty"
mkdir -p "$HO/empty"
q -b "$HF:/etc/hostfile" "$R" $H rm /etc/hostfile
is "unlink of a file bind's mount point is EBUSY" "$out" "rm: EBUSY"
ok "... and the host file is still there" test -f "$HF"
[ -f "$HF" ] || printf 'written by the guest\n' >"$HF"
q -b "$HD:/srv/data" "$R" $H mv /srv/data /srv/moved
like "rename of a bind's mount point fails" "$out" '^mv: (EBUSY|EXDEV)$'
ok "... and the host directory is still there" test -f "$HD/a.txt"
q -b "$HD:/srv/data" -b "$N1:/srv/outer" "$R" $H mv /srv/data/a.txt /srv/outer/a.txt
is "rename between two binds is EXDEV" "$out" "mv: EXDEV"
q -b "$HD:/srv/data" "$R" $H ln /srv/data/a.txt /srv/a-link
is "hard link from a bind into the rootfs is EXDEV" "$out" "ln: EXDEV"
is "mount point checks leave nothing behind in the rootfs" "$(tree "$R")" "$rootfs0"

# ==== bad bind specs ===========================================================================
for spec in /nonexistent a:b:c:d /tmp:relative /tmp:/x:rx :/x /tmp: "$HD:/x:ro:rw"; do
	err=$(timeout 30 "$QRUN" chroot -b "$spec" "$R" $H write /ran yes 2>&1 >"$T/stdout")
	st=$?
	is "bad bind '$spec': exit 125" "$st" 125
	is "bad bind '$spec': one line on stderr" "$(printf '%s\n' "$err" | wc -l | tr -d ' ')" 1
	like "bad bind '$spec': the line names the bind" "$err" "^qrun: .*bind.*'$spec'"
	is "bad bind '$spec': nothing on stdout, the command did not run" \
		"$(cat "$T/stdout")$([ -e "$R/ran" ] && echo "the command ran")" ""
	rm -f "$R/ran"
done

# ==== --no-default-binds =======================================================================
q "$R" $H exe
is "default binds: /proc/self/exe is there" "$out" "$H"
q "$R" $H stat /dev/null
like "default binds: /dev/null is the host's" "$out" '^type=c '
q --no-default-binds "$R" $H exe
is "--no-default-binds: /proc/self/exe is missing" "$out" "exe: ENOENT"
q --no-default-binds "$R" $H ls /proc
is "--no-default-binds: /proc is the rootfs's empty directory" "$st:$out" 0:
q --no-default-binds "$R" $H stat /dev/null
is "--no-default-binds: no host /dev" "$out" "stat: ENOENT"
q --no-default-binds "$R" $H ls /sys
is "--no-default-binds: no host /sys" "$st:$out" 0:
q --no-default-binds -b /proc "$R" $H exe
is "--no-default-binds -b /proc: /proc/self/exe is back" "$out" "$H"
is "--no-default-binds leaves nothing behind in the rootfs" "$(tree "$R")" "$rootfs0"

done_testing
