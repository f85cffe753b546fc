#!/bin/bash
# The unpack oracle: images built with mklayer (whiteouts, also at the root, also stored as
# hard links; opaque whiteouts after siblings of their own layer; paths replaced by another
# type; hard links to a lower layer's file; a file deleted and re-created; setuid, setgid,
# sticky, mode 0000 files and directories; devices, a fifo; long names; user.* xattrs;
# dangling, absolute and escaping symlinks kept verbatim; empty files; duplicate entries) in
# gzip, zstd and plain layers are loaded with `qrun load` and unpacked with `qrun unpack`; the
# tree must equal what `umoci unpack` (--rootless as a user) makes of the same layout
# (treecmp.sh: paths, types, modes, link targets, contents, hard-link groups, xattrs, and
# uid/gid and devices as root). umoci 0.4 cannot read zstd layers, so it gets the same layout
# with those layers in gzip (same diff_ids). Each tree is also checked against the layer rules
# directly, and an image without whiteouts against `tar -x` of its layers in order. Then: a
# second unpack (cached snapshot) gives the same tree; the snapshot is named by the ChainID;
# an image sharing the bottom layers adds one snapshot only; the gzip copy of the image (same
# diff_ids) adds none; as a user, the snapshot's meta file records owners and devices.
# shellcheck disable=SC2086 # $rules_diffs and $other_diffs are lists of digests
. "$(dirname "$0")/lib.sh"

require_cmd umoci sha256sum gzip zstd timeout find
mklayer=$QRUN_TOOLS/mklayer
[ -x "$mklayer" ] || skip_all "$mklayer missing (run 'make tools')"
data=$(dirname "$0")/data/t102
. "$data/mkimage.sh"
treecmp=(bash "$data/treecmp.sh")
if ! command -v python3 >/dev/null 2>&1 && ! command -v getfattr >/dev/null 2>&1; then
	skip "xattrs in the tree comparisons" "neither python3 nor getfattr is installed"
fi

umask 022
as_root=0
[ "$(id -u)" = 0 ] && as_root=1
if [ "$as_root" = 1 ]; then
	cmp_opts=(-o)
	umoci_opts=()
else
	# Devices are placeholders without root (their truth is in the snapshot's meta file).
	cmp_opts=(-x '^dev/')
	umoci_opts=(--rootless)
fi

L=$T/layers
mkdir -p "$L"
long1=$(printf 'd%.0s' $(seq 1 120))
long2=$(printf 'n%.0s' $(seq 1 200))
long3=$(printf 'L%.0s' $(seq 1 99))

# layer NAME COMPRESSION < SPEC: $L/NAME.tar[.gz|.zst], and $L/NAME.umoci (gzip unless plain)
layer() {
	local ext=
	case $2 in gzip) ext=.gz ;; zstd) ext=.zst ;; esac
	cat >"$L/$1.spec"
	"$mklayer" -z "$2" "$L/$1.tar$ext" <"$L/$1.spec" || echo "mklayer failed for $1" >&2
	if [ "$2" = zstd ]; then
		"$mklayer" -z gzip "$L/$1.umoci" <"$L/$1.spec"
	else
		cp "$L/$1.tar$ext" "$L/$1.umoci"
	fi
}
lf() { ls "$L/$1".tar*; } # the layer file for qrun

# ==== the layers =============================================================================
layer base gzip <<EOF
dir etc 0755
file etc/passwd 0644 0 0 root:x:0:0:root:/root:/bin/sh\n
file etc/group 0644 0 0 root:x:0:\n
dir bin 0755
file bin/sh 0755 0 0 #!fake\sshell\n
dir opq 0755
file opq/lower1 0644 0 0 lower1
dir opq/sub 0755
file opq/sub/deep 0644 0 0 deep
dir wh 0755
file wh/gone 0644 0 0 gone
file wh/kept 0644 0 0 kept
dir wh/gonedir 0755
file wh/gonedir/inner 0644 0 0 inner
file rootgone 0644 0 0 rootgone
dir rootgonedir 0755
file rootgonedir/x 0644 0 0 x
dir replace 0755
file replace/file2dir 0644 0 0 was\sa\sfile
dir replace/dir2file 0755
file replace/dir2file/child 0644 0 0 child
file replace/file2link 0644 0 0 was\sa\sfile
symlink replace/link2file /etc/passwd
dir replace/dir2link 0755
file replace/dir2link/child 0644 0 0 child
file lowerlink-target 0644 1000 1000 shared\scontent\n
file recreate 0644 0 0 first\sversion
file suid 4755 0 0 suid
file sgid 2755 0 50 sgid
dir sgiddir 2775 0 50
dir sticky 1777
file zero 0000 0 0 secret
dir zerodir 0000
dir dev 0755
char dev/null 1 3 0666
block dev/loop0 7 0 0660 0 6
fifo fifo 0600
file empty 0644 0 0
symlink dangling /nonexistent/target
symlink abs /etc/passwd
symlink escaping ../../../etc/passwd
symlink dirlink etc
file with\sspace\sand\ttab 0644 0 0 spaces
file caf\xc3\xa9 0644 0 0 utf-8\sname
dir $long1 0755
dir $long1/$long1 0755
file $long1/$long1/$long2 0644 0 0 long\sname
file $long3 0644 0 0 99\sbytes
file xattr-file 0644 0 0 with\sxattrs
xattr user.comment hello\sworld
xattr user.bin \x01\x02\xff
dir xattr-dir 0755
xattr user.dir d
file owned 0640 1234 5678 owned
dir owneddir 0750 4321 8765
hardlink hl-same-layer etc/passwd
data big 0644 0 0 300000 1
EOF

layer middle zstd <<EOF
file opq/new-before 0644 0 0 before\sthe\smarker
file opq/.wh..wh..opq 0644 0 0
file opq/new-after 0644 0 0 after\sthe\smarker
file wh/.wh.gone 0644 0 0
file wh/.wh.gonedir 0644 0 0
file .wh.rootgone 0644 0 0
hardlink .wh.rootgonedir wh/.wh.gone
file .wh.never-existed 0644 0 0
dir replace 0755
dir replace/file2dir 0700
file replace/file2dir/now 0644 0 0 now\sinside\sa\sdir
file replace/dir2file 0600 0 0 now\sa\sfile
symlink replace/file2link ../etc/group
file replace/link2file 0640 0 0 now\sa\sfile
symlink replace/dir2link /etc
hardlink lowerlink lowerlink-target
file .wh.recreate 0644 0 0
file added-mid 0644 0 0 mid
data big2 0644 0 0 200000 2
EOF

layer top none <<EOF
file recreate 0600 0 0 second\sversion
file etc/passwd 0644 0 0 root:x:0:0:root:/root:/bin/bash\n
dir opq 0711
file dup 0644 0 0 one
file dup 0644 0 0 two
dir dupdir 0700
dir dupdir 0755
file dupdir/f 0644 0 0 f
hardlink lowerlink2 lowerlink-target
EOF

# A different top layer over the same two lower ones, for the shared-snapshot check.
layer other none <<EOF
file other 0644 0 0 other\simage
EOF

# Layers without whiteouts or replacements: tar -x in order must give the same tree.
layer plain1 gzip <<EOF
dir etc 0755
file etc/hosts 0644 0 0 127.0.0.1\slocalhost\n
dir usr 0755
dir usr/bin 0755
file usr/bin/tool 4755 0 0 tool
file usr/bin/zero 0000 0 0 zero
dir srv 1777
file target 0644 0 0 hard\slinked
symlink usr/link ../etc/hosts
file $long1 0644 0 0 long
xattr user.k v
file empty 0644 0 0
EOF
layer plain2 zstd <<EOF
dir usr/lib 0755
file usr/lib/libx 0644 0 0 lib
hardlink usr/bin/hl target
file srv/data 0600 0 0 data
symlink usr/dangling /no/such
EOF

# ==== the layouts ============================================================================
QL=$T/layout-qrun  # as built, with zstd
UL=$T/layout-umoci # the zstd layers in gzip
GL=$T/layout-gzip  # the rules image again, all gzip, another name
ref_rules=docker.io/library/t102-rules:latest
ref_other=docker.io/library/t102-other:latest
ref_plain=docker.io/library/t102-plain:latest
ref_gzip=docker.io/library/t102-rules-gzip:latest
mkimage "$QL" "$ref_rules" "$(lf base)" "$(lf middle)" "$(lf top)"
rules_diffs=$MK_DIFF_IDS
mkimage "$QL" "$ref_other" "$(lf base)" "$(lf middle)" "$(lf other)"
other_diffs=$MK_DIFF_IDS
mkimage "$QL" "$ref_plain" "$(lf plain1)" "$(lf plain2)"
mkimage "$UL" "$ref_rules" "$L/base.umoci" "$L/middle.umoci" "$L/top.umoci"
is "the umoci copy has the same diff_ids" "$MK_DIFF_IDS" "$rules_diffs"
mkimage "$UL" "$ref_plain" "$L/plain1.umoci" "$L/plain2.umoci"
mkimage "$GL" "$ref_gzip" "$L/base.umoci" "$L/middle.umoci" "$L/top.umoci"
is "the qrun layout has gzip, zstd and plain layers" \
	"$(grep -rhao 'layer\.v1\.tar[+a-z]*' "$QL/blobs/sha256" | LC_ALL=C sort -u | tr '\n' ' ')" \
	"layer.v1.tar layer.v1.tar+gzip layer.v1.tar+zstd "

if command -v skopeo >/dev/null 2>&1; then
	ok "skopeo reads the layout" skopeo inspect "oci:$QL:$ref_rules"
fi

# ==== the oracle: umoci ======================================================================
U=$T/umoci
ok "umoci unpacks the rules image" timeout 120 umoci unpack "${umoci_opts[@]}" --image "$UL:$ref_rules" "$U/rules"
ok "umoci unpacks the plain image" timeout 120 umoci unpack "${umoci_opts[@]}" --image "$UL:$ref_plain" "$U/plain"

# tar -x of the plain layers in order, the second oracle.
X=$T/tar-x
mkdir -p "$X"
tar_opts=(--xattrs --xattrs-include='user.*' -p)
[ "$as_root" = 1 ] && tar_opts+=(--same-owner --numeric-owner)
for l in plain1 plain2; do
	layer_cat "$(lf $l)" | tar -C "$X" "${tar_opts[@]}" -xf - 2>"$T/tar.err" ||
		diag "tar -x $l: $(cat "$T/tar.err")"
done
ok "umoci and tar -x agree on the plain image" "${treecmp[@]}" "${cmp_opts[@]}" -x '^\.$' \
	"$U/plain/rootfs" "$X"

# check_rules WHO DIR: the layer rules, checked on a tree.
check_rules() {
	local w=$1 d=$2 st
	is "$w: no whiteout file is left" "$(cd "$d" && find . -name '.wh.*' 2>/dev/null)" ""
	ok "$w: opaque: the lower layer's entries are gone" test ! -e "$d/opq/lower1" -a ! -e "$d/opq/sub"
	is "$w: opaque: its own layer's entries, before and after the marker, stay" \
		"$(cat "$d/opq/new-before" "$d/opq/new-after" 2>&1)" "before the markerafter the marker"
	is "$w: an opaque directory re-stated later takes the new mode" "$(stat -c %a "$d/opq")" 711
	ok "$w: whiteouts remove a file and a directory tree" \
		test ! -e "$d/wh/gone" -a ! -e "$d/wh/gonedir" -a -f "$d/wh/kept"
	ok "$w: a root-level whiteout removes the file" test ! -e "$d/rootgone"
	ok "$w: a whiteout stored as a hard link removes the directory" test ! -e "$d/rootgonedir"
	ok "$w: a whiteout for a path never there is harmless" test ! -e "$d/never-existed"
	is "$w: file -> directory" "$(stat -c %F:%a "$d/replace/file2dir"):$(cat "$d/replace/file2dir/now" 2>&1)" \
		"directory:700:now inside a dir"
	is "$w: directory -> file" "$(stat -c %F:%a "$d/replace/dir2file"):$(cat "$d/replace/dir2file" 2>&1)" \
		"regular file:600:now a file"
	is "$w: file -> symlink" "$(readlink "$d/replace/file2link")" ../etc/group
	is "$w: symlink -> file (not written through the link)" \
		"$(stat -c %F "$d/replace/link2file"):$(cat "$d/replace/link2file" 2>&1)" "regular file:now a file"
	is "$w: directory -> symlink" "$(readlink "$d/replace/dir2link")" /etc
	is "$w: hard link to a lower layer's file: one inode" \
		"$(stat -c %i "$d/lowerlink"):$(stat -c %h "$d/lowerlink")" "$(stat -c %i "$d/lowerlink-target"):3"
	is "$w: ... with its content" "$(cat "$d/lowerlink2" 2>&1)" "shared content"
	is "$w: a deleted then re-created file has the new content and mode" \
		"$(stat -c %a "$d/recreate"):$(cat "$d/recreate" 2>&1)" "600:second version"
	is "$w: replacing a hard-linked file unlinks it first (the other name keeps the old data)" \
		"$(tail -c 8 "$d/hl-same-layer"):$(tail -c 10 "$d/etc/passwd")" "/bin/sh:/bin/bash"
	is "$w: setuid, setgid, sticky kept" \
		"$(stat -c %a "$d/suid" "$d/sgid" "$d/sgiddir" "$d/sticky" | tr '\n' ' ')" "4755 2755 2775 1777 "
	is "$w: mode 0000 file and directory kept" "$(stat -c %a "$d/zero" "$d/zerodir" | tr '\n' ' ')" "0 0 "
	is "$w: fifo" "$(stat -c %F:%a "$d/fifo")" "fifo:600"
	is "$w: symlinks kept verbatim" \
		"$(readlink "$d/dangling" "$d/abs" "$d/escaping" "$d/dirlink" | tr '\n' ' ')" \
		"/nonexistent/target /etc/passwd ../../../etc/passwd etc "
	is "$w: empty file" "$(stat -c %F:%s "$d/empty")" "regular empty file:0"
	is "$w: long names" "$(cat "$d/$long1/$long1/$long2" "$d/$long3" 2>&1)" "long name99 bytes"
	is "$w: names with blanks and UTF-8" "$(cat "$d/with space and	tab" "$d/café" 2>&1)" "spacesutf-8 name"
	is "$w: duplicate entries: the last wins" "$(cat "$d/dup"):$(stat -c %a "$d/dupdir")" "two:755"
	is "$w: a file larger than one block" "$(wc -c <"$d/big")" 300000
	if [ "$as_root" = 1 ]; then
		is "$w: owners applied" "$(stat -c %u:%g "$d/owned" "$d/owneddir" "$d/sgid" | tr '\n' ' ')" \
			"1234:5678 4321:8765 0:50 "
		is "$w: device nodes" "$(stat -c '%F %t:%T %a %g' "$d/dev/null" "$d/dev/loop0" | tr '\n' ';')" \
			"character special file 1:3 666 0;block special file 7:0 660 6;"
	fi
}

check_rules umoci "$U/rules/rootfs"

# ==== qrun ===================================================================================
# q VERB ARGS...: run qrun, output in $out, errors in $err, status in $st.
q() {
	out=$(timeout -k 5 120 "$QRUN" "$@" 2>"$T/.err" </dev/null)
	st=$?
	err=$(cat "$T/.err")
}
snaps() { find "$QRUN_ROOT/snapshots" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' 2>/dev/null | LC_ALL=C sort; }

q load -q -i "$QL"
is "qrun load of the layout" "$st:$err" "0:"
is "... loads its three tags" "$(printf '%s\n' "$out" | LC_ALL=C sort)" \
	"$(printf 'Loaded image: t102-other:latest\nLoaded image: t102-plain:latest\nLoaded image: t102-rules:latest')"

Q=$T/qrun
mkdir -p "$Q"
q unpack -q t102-rules "$Q/rules"
is "qrun unpack of the rules image" "$st:$err" "0:"
check_rules qrun "$Q/rules"
"${treecmp[@]}" "${cmp_opts[@]}" -x '^\.$' "$U/rules/rootfs" "$Q/rules" >"$T/diff"
is "qrun unpack = umoci unpack (rules image)" "$(cat "$T/diff")" ""

q unpack -q t102-plain "$Q/plain"
is "qrun unpack of the plain image" "$st:$err" "0:"

# From a working directory qrun cannot open (a user who ran `sudo -u alice qrun` in /root):
# the layers were extracted by changing into the target and back, which failed here. (Root
# opens any directory: the case bites a normal user.)
mkdir -p "$T/nox"
(cd "$T/nox" && chmod 0 . && timeout -k 5 120 "$QRUN" unpack -q t102-other "$Q/other-nox") \
	>"$T/.out" 2>&1
st=$?
chmod 0755 "$T/nox"
is "unpack from a working directory that cannot be opened" "$st:$(cat "$T/.out")" "0:"
ok "... and it unpacked the image" test -n "$(ls -A "$Q/other-nox" 2>/dev/null)"
"${treecmp[@]}" "${cmp_opts[@]}" -x '^\.$' "$X" "$Q/plain" >"$T/diff"
is "qrun unpack = tar -x of the layers in order (plain image)" "$(cat "$T/diff")" ""
"${treecmp[@]}" "${cmp_opts[@]}" -x '^\.$' "$U/plain/rootfs" "$Q/plain" >"$T/diff"
is "qrun unpack = umoci unpack (plain image)" "$(cat "$T/diff")" ""

# ==== snapshots ==============================================================================
# A first unpack extracts straight into DIR and caches nothing; containers (create) make the
# snapshots, and later unpacks copy from them.
is "a first unpack adds no snapshot" "$(snaps)" ""
chain=$(chain_id $rules_diffs)
q create t102-rules true
is "qrun create of the rules image" "$st:$err" "0:"
ok "the snapshot is named by the ChainID of the image's layers" test -d "$QRUN_ROOT/snapshots/$chain/rootfs"
snaps1=$(snaps)
mkdir "$Q/rules2" # an existing empty directory is fine too
q unpack -q t102-rules "$Q/rules2"
is "a second unpack (cached snapshot) succeeds" "$st:$err" "0:"
"${treecmp[@]}" "${cmp_opts[@]}" -x '^\.$' "$Q/rules" "$Q/rules2" >"$T/diff"
is "... and gives the same tree" "$(cat "$T/diff")" ""
is "... and adds no snapshot" "$(snaps)" "$snaps1"
ok "the unpacked tree is a copy, not the snapshot itself" \
	test "$(stat -c %i "$Q/rules/etc/passwd")" != "$(stat -c %i "$QRUN_ROOT/snapshots/$chain/rootfs/etc/passwd")"

q unpack -q t102-other "$Q/other"
is "unpack of an image sharing the two bottom layers" "$st:$err" "0:"
is "... (from the cached lower levels) adds no snapshot" "$(snaps)" "$snaps1"
q create t102-other true
is "qrun create of that image" "$st:$err" "0:"
snaps2=$(snaps)
is "... adds exactly one snapshot" "$(comm -13 <(printf '%s\n' "$snaps1") <(printf '%s\n' "$snaps2"))" \
	"$(chain_id $other_diffs)"
is "... and removes none" "$(comm -23 <(printf '%s\n' "$snaps1") <(printf '%s\n' "$snaps2"))" ""
is "... and has its own top layer" \
	"$(cat "$Q/other/other" 2>&1):$([ -e "$Q/other/recreate" ] && echo 'recreate is there')" "other image:"

q load -q -i "$GL"
is "load of the all-gzip copy of the rules image" "$st:$err" "0:"
q unpack -q t102-rules-gzip "$Q/gzip"
is "its unpack succeeds" "$st:$err" "0:"
q create t102-rules-gzip true
is "a container of it adds no snapshot (same diff_ids, same ChainID)" "$(snaps)" "$snaps2"
"${treecmp[@]}" "${cmp_opts[@]}" -x '^\.$' "$Q/rules" "$Q/gzip" >"$T/diff"
is "... and gives the same tree" "$(cat "$T/diff")" ""

if [ "$as_root" = 0 ]; then
	meta=$QRUN_ROOT/snapshots/$chain/meta
	ok "rootless: the snapshot has a meta file" test -f "$meta"
	m=$(cat "$meta" 2>&1)
	is "rootless: meta starts with its header" "$(head -1 <<<"$m")" "# qrun-meta 1"
	like "rootless: meta records a char device" "$m" $'^dev/null\t0020666\t0\t0\t1:3$'
	like "rootless: meta records a block device with its group" "$m" $'^dev/loop0\t0060660\t0\t6\t7:0$'
	like "rootless: meta records a file's owner" "$m" $'^owned\t0100640\t1234\t5678\t0:0$'
	like "rootless: meta records a directory's owner" "$m" $'^owneddir\t0040750\t4321\t8765\t0:0$'
	like "rootless: meta records a mode 0000 file" "$m" $'^zero\t0100000\t0\t0\t0:0$'
	is "rootless: meta is sorted" "$(tail -n +2 <<<"$m" | cut -f1)" \
		"$(tail -n +2 <<<"$m" | cut -f1 | LC_ALL=C sort)"
	is "rootless: unpacked files belong to the user" \
		"$(find "$Q/rules" ! -user "$(id -u)" 2>/dev/null | head -3)" ""
fi

done_testing
