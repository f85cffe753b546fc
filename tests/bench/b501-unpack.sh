#!/bin/bash
# b501-unpack: unpacking a >= 100 MB three-layer image (issue 5).
#
# The image: a Debian root filesystem (build/debootstrap/armhf, made by tests/e2e/t410; else
# an amd64 `debootstrap --variant=minbase bookworm` cached in $QRUN_BUILD/bench/debian-amd64)
# split into three gzip layers (usr/lib; the rest of usr; everything else), topped up with
# filler files to 100 MB when smaller, as an OCI layout. Timed, once each, in this order, on a
# warm page cache, each into a fresh directory:
#
#   tar -xzf of the three layers in order            the baseline
#   umoci unpack                                      (its OUT/rootfs)
#   qrun unpack, first time (fresh store after `qrun load`; the load is timed apart)
#                                                     target <= 1.2x tar
#   qrun create (it makes the snapshots: a first unpack caches nothing), timed apart
#   qrun unpack, second time (snapshot cached), and the disk it adds: du -sk of the store and
#   both trees in one du run (hard links count once) before and after, and the change of the
#   file system's used blocks (df), which also sees reflinked or copied data.
#
# Prints, never fails. Needs root (ownership is applied as root by all three).
# Environment: QRUN, QRUN_BUILD (tests/bench/run.sh); B501_KEEP=1 keeps the work dir.
set -u
: "${QRUN:?set by tests/bench/run.sh}"
QRUN_BUILD=${QRUN_BUILD:-$(cd "$(dirname "$QRUN")" && pwd)}

[ "$(id -u)" = 0 ] || { echo "n/a: b501 runs as root (tar and umoci apply ownership)"; exit 0; }
for c in umoci jq gzip; do
	command -v "$c" >/dev/null || { echo "n/a: $c is not installed"; exit 0; }
done
"$QRUN" unpack --help >/dev/null 2>&1 || { echo "n/a: this qrun has no 'unpack' yet"; exit 0; }

# --- the root filesystem --------------------------------------------------------------------
ROOTFS=$QRUN_BUILD/debootstrap/armhf
if [ ! -f "$ROOTFS/.qrun-complete" ]; then
	ROOTFS=$QRUN_BUILD/bench/debian-amd64
	if [ ! -f "$ROOTFS/.qrun-complete" ]; then
		command -v debootstrap >/dev/null ||
			{ echo "n/a: no Debian rootfs (run make check for t410, or install debootstrap)"; exit 0; }
		mirror=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
		mirror=${mirror:-http://deb.debian.org/debian}
		echo "making $ROOTFS (debootstrap --variant=minbase bookworm from $mirror) ..."
		rm -rf "$ROOTFS"
		mkdir -p "$ROOTFS"
		debootstrap --variant=minbase bookworm "$ROOTFS" "$mirror" >"$ROOTFS.log" 2>&1 ||
			{ echo "n/a: debootstrap failed (see $ROOTFS.log)"; exit 0; }
		touch "$ROOTFS/.qrun-complete"
	fi
fi

W=$(mktemp -d "${TMPDIR:-/tmp}/qrun-b501.XXXXXX")
cleanup() { [ "${B501_KEEP:-0}" = 1 ] || rm -rf "$W"; }
trap cleanup EXIT
now() { date +%s.%N; }
secs() { printf '%.2f' "$(echo "$2 - $1" | bc)"; }
ratio() { case "$1$2" in *n/a*) echo "n/a" ;; *) printf '%.2f' "$(echo "scale=3; $1 / $2" | bc)" ;; esac; }
mib() { printf '%.1f' "$(echo "scale=2; $1 / 1024" | bc)"; }

# --- three layers ----------------------------------------------------------------------------
# Layer 1: usr/lib; layer 2: the rest of usr; layer 3: everything else. Paths without "./".
cd "$ROOTFS" || exit 0
TAR=(tar --numeric-owner --xattrs --sort=name)
"${TAR[@]}" -cf "$W/l1.tar" usr/lib
"${TAR[@]}" -cf "$W/l2.tar" --exclude=usr/lib usr
"${TAR[@]}" -cf "$W/l3.tar" $(ls -A | grep -vx -e usr -e .qrun-complete)
cd "$W" || exit 0
total=$(($(stat -c %s l1.tar) + $(stat -c %s l2.tar) + $(stat -c %s l3.tar)))
if [ "$total" -lt $((100 * 1024 * 1024)) ]; then
	# filler: compressible text, in layer 3's opt/filler
	need=$((100 * 1024 * 1024 - total + 1024 * 1024))
	mkdir -p fill/opt/filler
	i=0
	while [ "$need" -gt 0 ]; do
		base64 -w 100 /dev/urandom | head -c 4M >"fill/opt/filler/f$i"
		need=$((need - 4 * 1024 * 1024))
		i=$((i + 1))
	done
	tar --numeric-owner -C fill -rf l3.tar opt
	rm -rf fill
	total=$(($(stat -c %s l1.tar) + $(stat -c %s l2.tar) + $(stat -c %s l3.tar)))
fi
gz=$(command -v pigz || echo gzip)
layers='[]'
diffs='[]'
mkdir -p L/blobs/sha256
for l in 1 2 3; do
	diffs=$(jq -c --arg d "sha256:$(sha256sum l$l.tar | cut -d' ' -f1)" '. + [$d]' <<<"$diffs")
	"$gz" -n -c l$l.tar >l$l.tar.gz
	rm l$l.tar
	h=$(sha256sum l$l.tar.gz | cut -d' ' -f1)
	ln l$l.tar.gz "L/blobs/sha256/$h"
	layers=$(jq -c --arg d "sha256:$h" --argjson s "$(stat -c %s l$l.tar.gz)" \
		'. + [{mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: $d, size: $s}]' <<<"$layers")
done
arch=arm
variant=v7
case $ROOTFS in *amd64) arch=amd64 variant="" ;; esac
jq -cn --arg a "$arch" --arg v "$variant" --argjson ids "$diffs" \
	'{architecture: $a, os: "linux", config: {}, rootfs: {type: "layers", diff_ids: $ids}}
	 + (if $v == "" then {} else {variant: $v} end)' >cfg
ch=$(sha256sum cfg | cut -d' ' -f1)
mv cfg "L/blobs/sha256/$ch"
jq -cn --arg c "sha256:$ch" --argjson s "$(stat -c %s "L/blobs/sha256/$ch")" --argjson l "$layers" \
	'{schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
	  config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $c, size: $s},
	  layers: $l}' >man
mh=$(sha256sum man | cut -d' ' -f1)
ms=$(stat -c %s man)
mv man "L/blobs/sha256/$mh"
echo '{"imageLayoutVersion":"1.0.0"}' >L/oci-layout
jq -cn --arg d "sha256:$mh" --argjson s "$ms" \
	'{schemaVersion: 2, manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json",
	  digest: $d, size: $s, annotations: {"org.opencontainers.image.ref.name": "docker.io/library/debian:b501"}}]}' \
	>L/index.json
gzsize=$(du -cb l1.tar.gz l2.tar.gz l3.tar.gz | tail -1 | cut -f1)
echo "image: $(basename "$(dirname "$ROOTFS")")/$(basename "$ROOTFS") in 3 gzip layers:" \
	"$((total / 1048576)) MiB uncompressed, $((gzsize / 1048576)) MiB compressed," \
	"$(find "$ROOTFS" | wc -l) entries"

# --- timings ------------------------------------------------------------------------------------
sync
mkdir t
s=$(now)
ok=1
for l in 1 2 3; do tar -C t -xzpf l$l.tar.gz || ok=0; done
e=$(now)
t_tar=$(secs "$s" "$e")
[ "$ok" = 1 ] || t_tar="n/a"
rm -rf t
sync

s=$(now)
if umoci unpack --image L:docker.io/library/debian:b501 bundle >umoci.log 2>&1; then
	t_umoci=$(secs "$s" "$(now)")
else
	t_umoci="n/a"
	sed 's/^/  umoci: /' umoci.log | tail -3
fi
rm -rf bundle
sync

export QRUN_ROOT=$W/store
s=$(now)
if "$QRUN" load -q -i L >load.log 2>&1; then t_load=$(secs "$s" "$(now)"); else
	t_load="n/a"
	sed 's/^/  qrun load: /' load.log | tail -3
fi
sync
s=$(now)
if "$QRUN" unpack -q debian:b501 q1 >un1.log 2>&1; then t_q1=$(secs "$s" "$(now)"); else
	t_q1="n/a"
	sed 's/^/  qrun unpack: /' un1.log | tail -3
fi
sync
# A first unpack caches nothing (it extracts straight into its directory); a container makes
# the snapshots. Then the second unpack copies from them.
s=$(now)
if "$QRUN" create debian:b501 true >cr.log 2>&1; then t_cr=$(secs "$s" "$(now)"); else
	t_cr="n/a"
	sed 's/^/  qrun create: /' cr.log | tail -3
fi
sync
du_before=$(du -skc store q1 2>/dev/null | tail -1 | cut -f1)
df_before=$(df -k --output=used "$W" | tail -1)
s=$(now)
if "$QRUN" unpack -q debian:b501 q2 >un2.log 2>&1; then t_q2=$(secs "$s" "$(now)"); else
	t_q2="n/a"
	sed 's/^/  qrun unpack (2nd): /' un2.log | tail -3
fi
sync
du_after=$(du -skc store q1 q2 2>/dev/null | tail -1 | cut -f1)
df_after=$(df -k --output=used "$W" | tail -1)
du_q2=$(du -sk q2 2>/dev/null | cut -f1)
same="n/a"
if [ -d q1 ] && [ -d q2 ]; then
	# (a directory's st_size depends on its history, not on what it holds)
	lst() { cd "$1" && find . \( -type d -printf '%p %y %m %U:%G\n' \) -o -printf '%p %y %m %U:%G %s %l\n' | sort; }
	cmp -s <(lst q1) <(lst q2) && same=yes || same=NO
fi

row() { printf '  %-44s %8s s %7sx   %s\n' "$1" "$2" "$(ratio "$2" "$t_tar")" "$3"; }
printf '  %-44s %10s %8s\n' "" "time" "vs tar"
row "tar -xzf of the 3 layers in order" "$t_tar" ""
row "umoci unpack" "$t_umoci" ""
row "qrun unpack, first  [target <= 1.2x]" "$t_q1" ""
row "qrun create (makes the snapshots), apart" "$t_cr" ""
row "qrun unpack, second (snapshot cached)" "$t_q2" "same tree as the first: $same"
printf '  %-44s %8s s\n' "(qrun load of the layout, apart)" "$t_load"
printf '  second unpack, extra disk: %s MiB by du (store + both trees, hard links once),' \
	"$(mib "$((du_after - du_before))")"
printf ' %s MiB by df; du -sk of the new tree alone: %s MiB\n' \
	"$(mib "$((df_after - df_before))")" "$(mib "${du_q2:-0}")"
exit 0
