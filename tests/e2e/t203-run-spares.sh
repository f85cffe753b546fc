#!/bin/bash
# Spare container root filesystems (image/snapshot.c): a `run --rm` whose processes changed
# nothing in the rootfs hands it on to the next container of that snapshot, so that creating
# and removing a container cost one rename each. A spare must never carry a change, and calls
# that reach an inode without a path (fchmod, futimens on a read-only fd) copy up too.
. "$(dirname "$0")/lib.sh"
fixture H helper amd64

tar -C "$H" --numeric-owner --owner=0 --group=0 -czf "$T/h.tgz" .
ok "import the helper image" "$QRUN" import -q "$T/h.tgz" h:1
spares() { find "$QRUN_ROOT/spares" -mindepth 2 -maxdepth 2 2>/dev/null | wc -l; }
snap() { (cd "$QRUN_ROOT/snapshots" && find . -type f -exec stat -c '%n %a %Y %s' {} + | sort); }

ok "a run that changes nothing" "$QRUN" run --rm h:1 cat /etc/passwd
is "leaves one spare" "$(spares)" 1
ok "the next run takes it and writes" "$QRUN" run --rm h:1 write /etc/new "from run 2"
is "a written rootfs is not kept" "$(spares)" 0
like "the next container does not see run 2's file" \
	"$("$QRUN" run --rm h:1 stat /etc/new 2>&1 | head -1)" 'ENOENT' 
is "that clean run left a spare again" "$(spares)" 1
ok "run --read-only changes nothing either" "$QRUN" run --rm --read-only h:1 true
is "one spare, taken and given back" "$(spares)" 1
for i in 1 2 3 4; do "$QRUN" run --rm h:1 sleep 1 & done
wait
is "four clean runs at once leave at most two spares" "$(spares)" 2

before=$(snap)
ok "fchmod through a read-only fd" "$QRUN" run --rm h:1 fd-chmod /etc/group 600
ok "futimens through a read-only fd" "$QRUN" run --rm h:1 fd-utime /etc/passwd 1000000
ok "chmod through /proc/self/fd" "$QRUN" run --rm h:1 chmod 600 /proc/self/exe
is "the snapshot is unchanged" "$(snap)" "$before"
like "a fresh container sees the image's modes" "$("$QRUN" run --rm h:1 stat /etc/group)" \
	'mode=0?644|0644|-rw-r--r--'
unlike "and the image's times" "$("$QRUN" run --rm h:1 stat /etc/passwd)" 'mtime=1000000 '

ok "create takes a spare too" "$QRUN" create --name c1 h:1 write /etc/c1 x
ok "start it" "$QRUN" start -a c1
ok "rm it" "$QRUN" rm c1
ok "prune" "$QRUN" prune
is "prune removes the spares" "$(spares)" 0
done_testing
