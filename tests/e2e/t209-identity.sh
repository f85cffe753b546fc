#!/bin/bash
# Identity (issue 13, first part): a user who is not root is root inside a container, with the
# ids, set*id rules, capabilities, chown, mknod and stat of a real root (tracer/ids.c,
# owners.c), and --user picks a user of the image, as docker does. Real root gets the real
# thing (nothing emulated) except for --user, which is emulated for root too (a real switch
# cannot reach a rootfs below the store's 0700 container directory). Most checks expect the
# same answer from both, so the emulation is held to what the kernel does for root.
. "$(dirname "$0")/lib.sh"
fixture H helper amd64
fixture BB busybox amd64
fixture HA helper armhf

as_user=false
[ "$(id -u)" != 0 ] && as_user=true

# An image of the helper with users bob (1000) and eve (1001), a group staff (50) that lists
# bob, and a setuid-root copy of the helper (/bin/suid-ids, mode 4755, owner 0).
mkdir -p "$T/img"
cp -a "$H/." "$T/img/"
cat >"$T/img/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
bob:x:1000:1000:Bob:/home/bob:/bin/sh
eve:x:1001:1001:Eve:/home/eve:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >"$T/img/etc/group" <<'EOF'
root:x:0:
staff:x:50:bob,eve
bob:x:1000:
eve:x:1001:
EOF
mkdir -p "$T/img/home/bob" "$T/img/usr/local/sbin"
cp "$T/img/bin/qrun-test-init" "$T/img/usr/local/sbin/"
chmod 4755 "$T/img/usr/local/sbin/qrun-test-init"
tar -C "$T/img" --numeric-owner --owner=0 --group=0 -czf "$T/img.tgz" .
ok "import the image" "$QRUN" import -q "$T/img.tgz" idt:1
# busybox, with the helper's fchown and chown-empty beside it
mkdir -p "$T/bb"
cp -a "$BB/." "$T/bb/"
mkdir -p "$T/bb/usr/local/bin"
cp "$H/bin/qrun-test-init" "$T/bb/usr/local/bin/qti"
ln -s qti "$T/bb/usr/local/bin/fchown"
ln -s qti "$T/bb/usr/local/bin/chown-empty"
echo shared >"$T/bb/etc/shared" && chmod 0666 "$T/bb/etc/shared"
tar -C "$T/bb" --numeric-owner --owner=0 --group=0 -czf "$T/bb.tgz" .
ok "import busybox" "$QRUN" import -q "$T/bb.tgz" idbb:1

run() { "$QRUN" run --rm "$@" 2>&1; }
sh_in() { "$QRUN" run --rm idbb:1 /bin/sh -c "$1" 2>&1; }

# --- ids ----------------------------------------------------------------------------------
like "root inside, whoever runs qrun" "$(run idt:1 ids)" '^uid=0/0/0 gid=0/0/0 fsuid=0 '
if $as_user; then
	like "with every capability" "$(run idt:1 ids)" 'caps=ffffffff/ffffffff$'
fi
like "busybox id says root" "$(run idbb:1 id)" "^uid=0\\(root\\) gid=0\\(root\\)"
is "--user NAME: its ids, its groups, no capability" "$(run --user bob idt:1 ids)" \
	"uid=1000/1000/1000 gid=1000/1000/1000 fsuid=1000 groups=50 caps=0/0"
is "--user UID:GID" "$(run -u 1001:50 idt:1 ids)" \
	"uid=1001/1001/1001 gid=50/50/50 fsuid=1001 groups= caps=0/0"
is "--user NAME:GROUP" "$(run -u eve:bob idt:1 ids)" \
	"uid=1001/1001/1001 gid=1000/1000/1000 fsuid=1001 groups=50 caps=0/0"
is "--user of a uid not in passwd: gid 0" "$(run -u 4321 idt:1 ids)" \
	"uid=4321/4321/4321 gid=0/0/0 fsuid=4321 groups= caps=0/0"
like "an unknown user is docker's error" "$(run -u nosuch idt:1 ids)" \
	'unable to find user nosuch: no matching entries in passwd file'
if $as_user; then
	is "--userns=keep-id: nothing emulated" "$(run --userns=keep-id idt:1 id)" \
		"uid=$(id -u) gid=$(id -g) euid=$(id -u) egid=$(id -g)"
fi
like "--userns with another mode is refused" "$(run --userns=private idt:1 id)" \
	"--userns 'private': qrun has no user namespaces"
like "--userns=keep-id with --user is refused" "$(run --userns=keep-id -u bob idt:1 id)" \
	'cannot take --user'
like "HOME comes from passwd" "$(run -u bob idt:1 getenv HOME)" '^/home/bob$'

# set*id by the kernel's rules (as real root, a real setresuid cannot exec from the store)
$as_user && is "root gives up root for good" "$(run idt:1 setresuid 1000 1000 1000 /bin/setuid setuid 0)" \
	"setuid: EPERM"
$as_user && is "a saved uid 0 lets it come back" \
	"$(run idt:1 setresuid 1000 1000 0 /bin/setuid setuid 0 /bin/ids ids)" \
	"uid=1000/0/0 gid=0/0/0 fsuid=0 groups= caps=ffffffff/ffffffff"
$as_user && is "an effective uid 1000 has no capability but keeps the permitted ones" \
	"$(run idt:1 setgroups 5,6 /bin/setresgid setresgid 7 7 7 /bin/setresuid setresuid - 1000 - /bin/ids ids)" \
	"uid=0/1000/0 gid=7/7/7 fsuid=1000 groups=5,6 caps=0/ffffffff"
is "bob cannot become root" "$(run -u bob idt:1 setuid 0)" "setuid: EPERM"
is "bob cannot set groups" "$(run -u bob idt:1 setgroups 1)" "setgroups: EPERM"
is "bob may switch among his own ids" "$(run -u bob idt:1 setresuid - 1000 - /bin/ids ids)" \
	"uid=1000/1000/1000 gid=1000/1000/1000 fsuid=1000 groups=50 caps=0/0"
is "a setuid-root program run by bob has euid 0" "$(run -u bob idt:1 /usr/local/sbin/qrun-test-init ids)" \
	"uid=1000/0/0 gid=1000/1000/1000 fsuid=0 groups=50 caps=ffffffff/ffffffff"
is "ids in a foreign (armhf) program" \
	"$("$QRUN" chroot -u 1000:1000 "$HA" /bin/setgroups setgroups 5 2>&1)" "setgroups: EPERM"
if $as_user; then
	is "chroot --root-id" "$("$QRUN" chroot --root-id "$H" /bin/id 2>&1)" \
		"uid=0 gid=0 euid=0 egid=0"
	is "chroot without it: the real ids" "$("$QRUN" chroot "$H" /bin/id 2>&1)" \
		"uid=$(id -u) gid=$(id -g) euid=$(id -u) egid=$(id -g)"
	is "armhf chroot -0" "$("$QRUN" chroot -0 "$HA" /bin/ids 2>&1)" \
		"uid=0/0/0 gid=0/0/0 fsuid=0 groups= caps=ffffffff/ffffffff"
else
	is "chroot --root-id as root: a no-op" "$("$QRUN" chroot --root-id "$H" /bin/id 2>&1)" \
		"uid=0 gid=0 euid=0 egid=0"
fi

# --- ownership ----------------------------------------------------------------------------
is "files of the image belong to root" "$(sh_in 'stat -c "%u %g" /etc/passwd /bin')" \
	"0 0
0 0"
is "chown, then stat" "$(sh_in 'touch /tmp/f && chown 1000:50 /tmp/f && stat -c "%u %g" /tmp/f')" \
	"1000 50"
is "chown -R of a tree" \
	"$(sh_in 'mkdir -p /tmp/d/e && touch /tmp/d/e/f && chown -R 7:8 /tmp/d && stat -c "%u %g %n" /tmp/d /tmp/d/e /tmp/d/e/f')" \
	"7 8 /tmp/d
7 8 /tmp/d/e
7 8 /tmp/d/e/f"
is "ls -ln shows it" "$(sh_in 'touch /tmp/f && chown 1000:50 /tmp/f && ls -ln /tmp/f' | awk '{print $3, $4}')" \
	"1000 50"
is "a hard link shares its owner, a rename keeps it" \
	"$(sh_in 'touch /tmp/f && chown 3:4 /tmp/f && ln /tmp/f /tmp/l && mv /tmp/f /tmp/g && stat -c "%u %g" /tmp/l /tmp/g')" \
	"3 4
3 4"
is "a removed file's owner goes with it" \
	"$(sh_in 'for i in 1 2 3 4 5; do touch /tmp/f$i; chown 9:9 /tmp/f$i; rm /tmp/f$i; touch /tmp/n$i; done; stat -c "%u %g" /tmp/n1 /tmp/n2 /tmp/n3 /tmp/n4 /tmp/n5 | sort -u')" \
	"0 0"
is "chown -h of a symlink, not its target" \
	"$(sh_in 'touch /tmp/t && ln -s t /tmp/s && chown -h 5:5 /tmp/s && stat -c "%u %g" /tmp/s /tmp/t')" \
	"5 5
0 0"
is "a file of the image, chowned then written (copy-up), keeps its new owner" \
	"$(sh_in 'chown 6:7 /etc/group && echo x >>/etc/group && stat -c "%u %g" /etc/group')" \
	"6 7"
is "the image is not changed by it" "$(sh_in 'stat -c "%u %g" /etc/group')" "0 0"
is "fchown and fchownat(AT_EMPTY_PATH), seen by stat in the same run" \
	"$(sh_in 'touch /tmp/a /tmp/b && fchown 11 12 /tmp/a && chown-empty 13 14 /tmp/b && stat -c "%u %g" /tmp/a /tmp/b')" \
	"11 12
13 14"
is "chown as bob of root's file: EPERM" "$(run -u 1000:1000 idbb:1 chown 1000 /etc/passwd | sed 's/.*: //')" \
	"Operation not permitted"
is "a 0000 file: root reads and writes it (DAC override)" \
	"$(sh_in 'echo hi >/tmp/z && chmod 000 /tmp/z && stat -c %a /tmp/z && cat /tmp/z && echo more >>/tmp/z && cat /tmp/z')" \
	"0
hi
hi
more"
is "a 0000 directory: root lists it" \
	"$(sh_in 'mkdir /tmp/d && touch /tmp/d/f && chmod 0 /tmp/d && stat -c %a /tmp/d && ls /tmp/d')" \
	"0
f"
is "setuid and sticky bits are kept and shown" \
	"$(sh_in 'touch /tmp/s && chmod 4755 /tmp/s && mkdir /tmp/t && chmod 1777 /tmp/t && stat -c %a /tmp/s /tmp/t && chmod 644 /tmp/s && stat -c %a /tmp/s')" \
	"4755
1777
644"
is "chown drops setuid, and setgid with group execute, as the kernel does for root too" \
	"$(sh_in 'touch /tmp/u /tmp/g /tmp/h && chmod 4755 /tmp/u && chmod 2755 /tmp/g && chmod 2745 /tmp/h && mkdir /tmp/sd && chmod 2755 /tmp/sd && chown 5 /tmp/u /tmp/g /tmp/h /tmp/sd && stat -c "%a %u" /tmp/u /tmp/g /tmp/h /tmp/sd')" \
	"755 5
755 5
2745 5
2755 5"
is "chmod of an image file through fchmod (copy-up)" \
	"$(sh_in 'chmod 0 /etc/group; stat -c %a /etc/group; cat /etc/group | head -1 | cut -d: -f1')" \
	"0
root"
like "mknod of a character device" "$(sh_in 'mknod /tmp/null c 1 3 && ls -l /tmp/null')" \
	'^crw-r--r-- +1 root +root +1, +3 '
like "and of a block device" "$(sh_in 'mknod /tmp/b b 7 0 && stat -c "%F %t %T" /tmp/b')" \
	'^block special file 7 0$'
like "fifos stay fifos" "$(sh_in 'mkfifo /tmp/p && stat -c %F /tmp/p')" 'fifo'
is "bob may not mknod a device" "$(run -u 1000:1000 idbb:1 mknod /tmp/x c 1 3 | sed 's/.*: //')" \
	"Operation not permitted"
is "a file bob makes is bob's" \
	"$(run -u 1000:1000 idbb:1 /bin/sh -c 'touch /tmp/bobs && mkdir /tmp/bobd && stat -c "%u %g" /tmp/bobs /tmp/bobd')" \
	"1000 1000
1000 1000"
is "a file that exists keeps its owner when bob opens it with O_CREAT" \
	"$(run -u 1000:1000 idbb:1 /bin/sh -c 'echo x >>/etc/shared; stat -c "%u %g" /etc/shared')" \
	"0 0"

# --- ownership that lasts -----------------------------------------------------------------
# (as root the chown is real; for a user the container's journal, tracer/owners-store.c)
"$QRUN" create --name keep idbb:1 /bin/sh -c \
	'if [ -e /tmp/mark ]; then stat -c "%u %g %a" /tmp/f /etc/passwd /bin; else touch /tmp/f /tmp/mark; chown 1000:50 /tmp/f /etc/passwd; chmod 0 /tmp/f; mv /tmp/f /tmp/g; mv /tmp/g /tmp/f; echo first; fi' \
	>/dev/null
is "a container chowns" "$("$QRUN" start -a keep 2>&1)" "first"
is "its next start still sees the owners and modes" "$("$QRUN" start -a keep 2>&1)" "1000 50 0
1000 50 644
0 0 755"
ok "rm it" "$QRUN" rm keep

# two tracers of one container (start, then exec into it) see each other's changes
"$QRUN" create --name both idbb:1 /bin/sh -c \
	'touch /tmp/x; i=0; while [ ! -e /tmp/go ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done; stat -c "%u %g" /tmp/x >/tmp/seen' >/dev/null
ok "start it in the background" "$QRUN" start both
sleep 0.5
ok "exec chowns a file of it" "$QRUN" exec both chown 33:44 /tmp/x
is "another exec sees that" "$("$QRUN" exec both stat -c '%u %g' /tmp/x 2>&1)" "33 44"
is "exec -u runs as that user" "$("$QRUN" exec -u 1000:50 both id 2>&1)" "uid=1000 gid=50"
ok "let the first process go on" "$QRUN" exec both touch /tmp/go
for i in $(seq 50); do "$QRUN" ps -a | grep -q ' both$' && ! "$QRUN" ps | grep -q ' both$' && break; sleep 0.2; done
is "the first process saw the exec's chown" "$(cat "$QRUN_ROOT"/containers/*/rootfs/tmp/seen 2>&1)" "33 44"
ok "rm it" "$QRUN" rm -f both

# killed in the middle of chown -R: the next start finds every file old or new
"$QRUN" create --name killed idbb:1 /bin/sh -c \
	'if [ -e /tmp/m ]; then find / -xdev -exec stat -c %u {} + | sort -u | tr "\n" " "; else touch /tmp/m; while :; do chown -R 1000 /bin /usr /etc; chown -R 0 /bin /usr /etc; done; fi' >/dev/null
"$QRUN" start -a killed >/dev/null 2>&1 &
qpid=$!
sleep 1.5
kill -KILL "$qpid" 2>/dev/null
wait "$qpid" 2>/dev/null
for i in $(seq 50); do "$QRUN" ps | grep -q ' killed$' || break; sleep 0.1; done
out=$("$QRUN" start -a killed 2>&1)
like "after a SIGKILL of qrun the container starts again, its files each 0 or 1000" "$out" \
	'^(0 |0 1000 |1000 )$'
ok "rm it" "$QRUN" rm -f killed

# --- dynamic programs: the in-process shim answers stat from the shared owners table ---------
require_cmd ldd python3
dyn_rootfs "$T/dyn" /bin/sh /usr/bin/stat /bin/chown /bin/chmod /bin/touch /bin/mknod /bin/sleep /bin/ls \
	/bin/cat
echo secret >"$T/dyn/etc/secret" && chmod 0600 "$T/dyn/etc/secret"
tar -C "$T/dyn" --numeric-owner --owner=0 --group=0 -cf "$T/dyn.tar" .
ok "import an image of the host's dynamic programs" "$QRUN" import -q "$T/dyn.tar" iddyn:1
is "GNU stat after chown, mknod (the shim's answers)" \
	"$("$QRUN" run --rm iddyn:1 /bin/sh -c 'touch /tmp/f && chown 7:8 /tmp/f && chmod 0 /tmp/f && mknod /tmp/c c 4 5 && stat -c "%u %g %a %F %t:%T %n" /tmp/f /tmp/c /bin/stat' 2>&1)" \
	"7 8 0 regular empty file 0:0 /tmp/f
0 0 644 character special file 4:5 /tmp/c
0 0 755 regular file 0:0 /bin/stat"
is "the same answers without the shim (QRUN_PRELOAD=off: the tracer's exit stops)" \
	"$(QRUN_PRELOAD=off "$QRUN" run --rm iddyn:1 /bin/sh -c 'touch /tmp/f && chown 7:8 /tmp/f && chmod 0 /tmp/f && mknod /tmp/c c 4 5 && stat -c "%u %g %a %F %t:%T %n" /tmp/f /tmp/c /bin/stat' 2>&1)" \
	"7 8 0 regular empty file 0:0 /tmp/f
0 0 644 character special file 4:5 /tmp/c
0 0 755 regular file 0:0 /bin/stat"
like "ls -ln" "$("$QRUN" run --rm iddyn:1 /bin/sh -c 'touch /tmp/f && chown 7:8 /tmp/f && ls -ln /tmp/f' 2>&1)" \
	'^-rw-r--r-- 1 7 8 0 '
"$QRUN" create --name dyn2 iddyn:1 /bin/sh -c \
	'touch /tmp/x; i=0; while [ ! -e /tmp/go ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done; stat -c "%u %g" /tmp/x >/tmp/seen' >/dev/null
ok "start a dynamic container in the background" "$QRUN" start dyn2
sleep 0.5
ok "exec chowns a file of it" "$QRUN" exec dyn2 /bin/chown 33:44 /tmp/x
ok "let the first process go on" "$QRUN" exec dyn2 /bin/touch /tmp/go
for i in $(seq 50); do "$QRUN" ps | grep -q ' dyn2$' || break; sleep 0.2; done
is "its GNU stat (in-process) saw the exec's chown" \
	"$(cat "$QRUN_ROOT"/containers/*/rootfs/tmp/seen 2>/dev/null | sort -u | tail -n 1)" "33 44"
ok "rm it" "$QRUN" rm -f dyn2
# a user who is not root: the shim is paused (QRUN_PRELOAD_PAUSED), the tracer checks
is "bob's GNU cat cannot read a 0600 file of root" \
	"$(run -u 1000:1000 iddyn:1 /bin/cat /etc/secret)" "/bin/cat: /etc/secret: Permission denied"
is "nor with QRUN_PRELOAD=off" \
	"$(QRUN_PRELOAD=off "$QRUN" run --rm -u 1000:1000 iddyn:1 /bin/cat /etc/secret 2>&1)" \
	"/bin/cat: /etc/secret: Permission denied"
is "root's GNU cat can" "$(run iddyn:1 /bin/cat /etc/secret)" "secret"
is "bob's GNU ls -l still shows it (stat needs no permission on the file)" \
	"$(run -u 1000:1000 iddyn:1 /bin/ls -ln /etc/secret | cut -d" " -f1,3)" "-rw------- 0"
is "chroot --root-id / with the host's GNU stat" \
	"$("$QRUN" chroot --root-id / /usr/bin/stat -c '%u %g' /usr/bin/stat 2>&1)" "0 0"

# --- owners from the image ----------------------------------------------------------------
# busybox plus a file of 1000:50, a directory of 7:8 and a character device, as real root
# unpacks them for real and a rootless unpack records them (snapshots/*/meta)
python3 - "$T/bb" "$T/own.tar" <<'PY'
import io, sys, tarfile
def root(ti):
    ti.uid = ti.gid = 0
    ti.uname = ti.gname = ""
    return ti
with tarfile.open(sys.argv[2], "w", format=tarfile.GNU_FORMAT) as t:
    t.add(sys.argv[1], arcname=".", filter=root)
    d = tarfile.TarInfo("srv/data"); d.type = tarfile.DIRTYPE; d.mode = 0o750; d.uid, d.gid = 7, 8
    t.addfile(d)
    f = tarfile.TarInfo("srv/data/owned"); f.size = 3; f.mode = 0o640; f.uid, f.gid = 1000, 50
    t.addfile(f, io.BytesIO(b"hi\n"))
    z = tarfile.TarInfo("srv/data/locked"); z.size = 3; z.mode = 0o000
    t.addfile(root(z), io.BytesIO(b"no\n"))
    c = tarfile.TarInfo("srv/qnull"); c.type = tarfile.CHRTYPE; c.devmajor, c.devminor = 1, 3
    c.mode = 0o666
    t.addfile(root(c))
PY
ok "import it" "$QRUN" import -q "$T/own.tar" idown:1
is "owners from the image, in a new container" \
	"$("$QRUN" run --rm idown:1 /bin/sh -c 'stat -c "%u %g %a %n" /srv/data /srv/data/owned /srv/data/locked; cat /srv/data/locked' 2>&1)" \
	"7 8 750 /srv/data
1000 50 640 /srv/data/owned
0 0 0 /srv/data/locked
no"
like "a device node from the image" "$("$QRUN" run --rm idown:1 ls -l /srv/qnull 2>&1)" \
	'^crw-rw-rw- +[0-9]+ root +root +1, +3 '

# --- /proc/PID/status as the identity shows it (tracer/procstatus.c) ------------------------
is "/proc/self/status: root's ids inside, nobody's after su" \
	"$(run idown:1 sh -c 'grep -E "^(Uid|Gid)" /proc/self/status; su -s /bin/sh -c "grep -E \"^(Uid|Groups)\" /proc/self/status" nobody')" \
	"$(printf 'Uid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nUid:\t65534\t65534\t65534\t65534\nGroups:\t65534 \n')"
is "--user bob: /proc/PID/status of another process and of a thread" \
	"$(run -u 1000:1000 idown:1 sh -c 'sleep 2 & grep ^Uid /proc/$!/status /proc/$$/task/$$/status | cut -d: -f2-')" \
	"$(printf 'Uid:\t1000\t1000\t1000\t1000\nUid:\t1000\t1000\t1000\t1000')"
like "busybox ps names the user (the owner of /proc/PID)" \
	"$(run -u 1000:1000 idbb:1 sh -c 'ps -o user,comm | grep ps')" "^1000 +ps"

# --- permission checks as the emulated user (tracer/perms.c), against the image's owners ---
is "bob cannot search a 0750 directory of 7:8" \
	"$(run -u 1000:1000 idown:1 cat /srv/data/owned)" \
	"cat: can't open '/srv/data/owned': Permission denied"
is "its owner reads a 0640 file through the group (7:50)" "$(run -u 7:50 idown:1 cat /srv/data/owned)" "hi"
is "not outside the file's group (7:8)" "$(run -u 7:8 idown:1 cat /srv/data/owned)" \
	"cat: can't open '/srv/data/owned': Permission denied"
is "access(R_OK) agrees (a 0000 file, a 0640 one)" \
	"$(run -u 7:50 idown:1 sh -c 'for f in locked owned; do [ -r /srv/data/$f ] && echo r || echo -; done')" \
	"-
r"
is "access() checks the real ids, faccessat(AT_EACCESS) too (test -w as root: a 0000 file)" \
	"$(run idown:1 sh -c '[ -w /srv/data/locked ] && echo w')" "w"
is "no file in a directory bob cannot write, no removal of root's file in sticky /tmp" \
	"$("$QRUN" run --rm idown:1 sh -c 'chmod 1777 /tmp; touch /tmp/roots; su -s /bin/sh -c "touch /etc/x; rm -f /tmp/roots; mkdir /bin/d; touch /tmp/mine && rm /tmp/mine && echo own-ok" nobody' 2>&1)" \
	"touch: /etc/x: Permission denied
rm: can't remove '/tmp/roots': Operation not permitted
mkdir: can't create directory '/bin/d': Permission denied
own-ok"
# (as real root the su is real, and the kernel refuses the script's reading instead: the
# tracer runs #! scripts through their interpreter)
is "exec needs x for the caller's class: a 0700 script of root, a 0750 one of nobody's group" \
	"$("$QRUN" run --rm idown:1 sh -c 'printf "#!/bin/sh\necho ran\n" >/bin/mine; cp /bin/mine /bin/grp; chmod 0700 /bin/mine; chgrp 65534 /bin/grp; chmod 0750 /bin/grp; su -s /bin/sh -c "/bin/mine || echo no-exec; /bin/grp" nobody; /bin/mine' 2>&1 |
		sed 's/^.*mine.*Permission denied$/denied/')" \
	"denied
no-exec
ran
ran"
is "emulated root still writes anywhere, 0000 files included" \
	"$(run idown:1 sh -c 'echo y >>/srv/data/locked && mkdir /srv/data/new && echo ok')" "ok"
done_testing
