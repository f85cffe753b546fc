#!/bin/bash
# Snapshots are not synced when made (see image/snapshot.c): a snapshot made before a reboot
# that was never confirmed on disk must not be trusted. A different boot id stands in for the
# reboot; a damaged file stands in for what the crash lost.
. "$(dirname "$0")/lib.sh"
fixture BB busybox amd64

tar -C "$BB" --numeric-owner --owner=0 --group=0 -czf "$T/bb.tgz" .
ok "import" "$QRUN" import -q "$T/bb.tgz" bb:1
ok "a container makes the snapshot" "$QRUN" create bb:1 true
snap=$(echo "$QRUN_ROOT"/snapshots/*)
is "one snapshot, with a boot id" "$(ls "$snap" | grep -v "^meta$" | tr '\n' ' ')" "boot_id rootfs "
is "the boot id is this boot's" "$(cat "$snap/boot_id")" "$(cat /proc/sys/kernel/random/boot_id)"

# Same boot: used as it is (a damaged file would show).
echo damaged >"$snap/rootfs/etc/passwd"
ok "unpack in the same boot" "$QRUN" unpack -q bb:1 "$T/two"
is "the same boot trusts the snapshot" "$(cat "$T/two/etc/passwd")" "damaged"

# Another boot, never marked synced: unpacked again from the layer.
echo 00000000-0000-0000-0000-000000000000 >"$snap/boot_id"
ok "unpack after a 'reboot'" "$QRUN" unpack -q bb:1 "$T/three"
is "does not use the stale snapshot" "$(cat "$T/three/etc/passwd")" "$(cat "$BB/etc/passwd")"
ok "a container after a 'reboot'" "$QRUN" run --rm bb:1 true
is "made the snapshot again" "$(cat "$snap/rootfs/etc/passwd")" "$(cat "$BB/etc/passwd")"
is "and carries this boot's id" "$(cat "$snap/boot_id")" "$(cat /proc/sys/kernel/random/boot_id)"
like "the stale one waits in tmp/ for prune" "$(ls "$QRUN_ROOT/tmp")" '^stale-'
ok "prune" "$QRUN" prune
is "prune empties tmp/" "$(ls "$QRUN_ROOT/tmp" | wc -l)" 0

# Marked synced: trusted after a 'reboot' too.
touch "$snap/synced"
echo 00000000-0000-0000-0000-000000000000 >"$snap/boot_id"
echo marked >"$snap/rootfs/etc/hostname"
ok "unpack of a synced snapshot after a 'reboot'" "$QRUN" unpack -q bb:1 "$T/four"
is "a synced snapshot is trusted" "$(cat "$T/four/etc/hostname")" "marked"
done_testing
