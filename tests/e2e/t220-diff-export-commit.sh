#!/bin/bash
# Images from work (issue 14): `qrun diff`, `export` and `commit` read one change set, the
# container's rootfs against its image's snapshot (image/changes.c), with the owners its
# guests see (the identity store), and `export`/`commit` write it with one tar writer
# (image/layer-write.c). Run as root and as a normal user: the answers must be the same.
. "$(dirname "$0")/lib.sh"
fixture BB busybox amd64
require_cmd tar skopeo

mkdir -p "$T/bb"
cp -a "$BB/." "$T/bb/"
echo "welcome" >"$T/bb/etc/motd"
echo b >"$T/bb/b"
mkdir -p "$T/bb/olddir/sub" "$T/bb/keep"
echo 1 >"$T/bb/olddir/one"
echo 2 >"$T/bb/olddir/sub/two"
echo k >"$T/bb/keep/k"
ln "$T/bb/keep/k" "$T/bb/keep/k2"
tar -C "$T/bb" --numeric-owner --owner=0 --group=0 -czf "$T/bb.tgz" .
ok "import busybox" "$QRUN" import -q "$T/bb.tgz" dbb:1

# --- diff ----------------------------------------------------------------------------------
"$QRUN" create --name fresh dbb:1 true >/dev/null
is "a container that did nothing has no changes" "$("$QRUN" diff fresh 2>&1)" ""
"$QRUN" run --name c1 dbb:1 sh -c 'touch /a; rm /etc/motd; chown 7 /b' >/dev/null 2>&1
is "docker's example: touch, rm, chown" "$("$QRUN" diff c1 2>&1)" "A /a
C /b
C /etc
D /etc/motd"
"$QRUN" run --name c2 dbb:1 sh -c 'cat /keep/k >/dev/null; echo x >>/keep/k2; rm -rf /olddir/sub;
	mkdir -p /new/deep; echo n >/new/deep/f; ln /new/deep/f /new/hard; ln -s /etc/shadow /new/link; mkfifo /new/fifo;
	chmod 0000 /b; printf z >"/new/we ird
name"' >/dev/null 2>&1
is "writes, deletes of directories, new trees, symlinks, fifos, modes" "$("$QRUN" diff c2 2>&1)" "C /b
C /keep
C /keep/k2
A /new
A /new/deep
A /new/deep/f
A /new/fifo
A /new/hard
A /new/link
A /new/we ird
name
C /olddir
D /olddir/sub"
"$QRUN" run --name c3 dbb:1 sh -c 'rm -rf /olddir; mkdir /olddir; echo new >/olddir/x' \
	>/dev/null 2>&1
is "a directory replaced: its old names gone" "$("$QRUN" diff c3 2>&1)" "C /olddir
A /olddir/x"
"$QRUN" run --name c4 dbb:1 sh -c 'exec 3<>/etc/motd' >/dev/null 2>&1
"$QRUN" run --name c5 dbb:1 true >/dev/null 2>&1
is "a run that changed nothing: no change (qrun's mount points leave no trace)" \
	"$("$QRUN" diff c5 2>&1)" ""
is "a file opened for writing and not written is no change" "$("$QRUN" diff c4 2>&1 |
	grep -c motd)" 0
"$QRUN" start c1 >/dev/null 2>&1
like "changes last across start" "$("$QRUN" diff c1 2>&1)" "C /b"
fails "diff of no container" "$QRUN" diff nosuch
like "its message" "$("$QRUN" diff nosuch 2>&1)" "no such container"

# --- export ---------------------------------------------------------------------------------
ok "export -o" "$QRUN" export -o "$T/c2.tar" c2
listing=$(tar -tvf "$T/c2.tar" --numeric-owner 2>&1)
like "the owner chown recorded, not the host user's" \
	"$(tar -tvf "$T/c1.tar" --numeric-owner 2>/dev/null; "$QRUN" export c1 |
		tar -tvf - --numeric-owner | grep ' b$')" '^-rw-r--r-- 7/0 '
like "every file owned by root, as inside" "$(echo "$listing" | awk '{print $2}' | sort -u)" '^0/0$'
like "a 0000 mode kept" "$(echo "$listing" | grep ' b$')" '^---------- 0/0'
like "a symlink stays a link (not the host's /etc/shadow)" "$(echo "$listing" | grep 'new/link')" \
	'^l.* new/link -> /etc/shadow$'
like "hard links made inside kept" "$(echo "$listing" | grep 'new/hard')" 'new/hard link to new/deep/f'
like "a fifo" "$(echo "$listing" | grep 'new/fifo')" '^p'
unlike "nothing of the deleted" "$listing" 'olddir/sub'
mkdir -p "$T/x"
tar -C "$T/x" -xf "$T/c2.tar" 2>/dev/null
is "contents" "$(cat "$T/x/keep/k2" "$T/x/new/deep/f")" "k
x
n"
fails "export of no container" "$QRUN" export -o "$T/none.tar" nosuch
ok "no file left behind by a failed export" test ! -e "$T/none.tar"
"$QRUN" run --name dev dbb:1 mknod /devnode c 1 3 >/dev/null 2>&1
like "a device node exported as one (emulated for a user)" \
	"$("$QRUN" export dev | tar -tvf - --numeric-owner | grep devnode)" '^c.* 1,3 '

# --- commit -----------------------------------------------------------------------------------
id=$("$QRUN" commit -m "my change" -c 'CMD ["cat", "/b"]' -c "ENV FROM_COMMIT=yes" c1 committed:1 2>&1)
like "commit prints the image ID" "$id" '^sha256:[0-9a-f]{64}$'
is "the new image's CMD" "$("$QRUN" run --rm committed:1 2>&1)" "b"
is "the changes are in it" "$("$QRUN" run --rm committed:1 sh -c \
	'ls /a; ls /etc/motd 2>&1 | grep -c "No such"; stat -c "%u:%g" /b; echo $FROM_COMMIT' 2>&1)" "/a
1
7:0
yes"
like "the message in its history (skopeo reads the store)" \
	"$(skopeo inspect --config "oci:$QRUN_ROOT:docker.io/library/committed:1" 2>&1)" \
	'"comment": *"my change"'
"$QRUN" run --name c6 committed:1 sh -c 'echo more >/more' >/dev/null 2>&1
is "a container of the committed image has only its own changes" "$("$QRUN" diff c6 2>&1)" "A /more"
"$QRUN" export c1 | tar -tv --numeric-owner 2>/dev/null | awk '{print $1, $2, $6}' | sort >"$T/e1"
"$QRUN" run --name c7 committed:1 true >/dev/null 2>&1
"$QRUN" export c7 | tar -tv --numeric-owner 2>/dev/null | awk '{print $1, $2, $6}' | sort >"$T/e7"
is "the committed image's tree is the container's (owners, modes, names)" \
	"$(diff "$T/e1" "$T/e7" && echo same)" "same"
like "an untagged commit is listed" "$("$QRUN" commit c2 2>&1)" '^sha256:'
like "a bad --change" "$("$QRUN" commit -c 'RUN true' c1 2>&1)" 'RUN is not a change of the image config'
fails "commit of no container" "$QRUN" commit nosuch x:1

done_testing
