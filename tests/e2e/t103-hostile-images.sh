#!/bin/bash
# Hostile images: layers that try to write outside the target tree (`../` names, absolute
# names, a symlink and then a write through it, in one layer or across two; hard links to
# outside, absolute or relative, or through a symlink; whiteouts of `..` or through a symlink;
# duplicate-entry games), broken streams (truncated gzip and zstd, a tar that is not a tar),
# broken layouts (a blob whose bytes changed, a wrong size, a config of the wrong JSON shape, a
# manifest naming a missing blob, a garbage index.json, a diff_id that does not match, a
# truncated layout tar), and `qrun import` of a tarball with `..` entries. Some are caught by
# `qrun load`, others only by `qrun unpack`: the first step that fails must exit 125 with one
# line on stderr starting "qrun: " that names the problem, print nothing on stdout, and leave
# the store exactly as it was (file list with sizes, index.json bytes; lock files aside). A
# failed unpack leaves its directory absent or empty. Nothing outside appears or changes: a
# marker directory beside the unpack directory, an "outside" directory that symlinks and hard
# links point to, and the absolute and `../` targets. Afterwards the good image loaded first
# still unpacks.
. "$(dirname "$0")/lib.sh"

require_cmd sha256sum gzip zstd timeout find
mklayer=$QRUN_TOOLS/mklayer
[ -x "$mklayer" ] || skip_all "$mklayer missing (run 'make tools')"
if ! "$QRUN" load --help >/dev/null 2>&1 || ! "$QRUN" unpack --help >/dev/null 2>&1; then
	skip_all "qrun load or unpack is not built yet"
fi
. "$(dirname "$0")/data/t102/mkimage.sh"

umask 022
O=$T/outside # what symlinks and hard links in the hostile layers point to
mkdir -p "$O/dir" "$T/l" "$T/u"
printf 'secret\n' >"$O/secret"
printf 'keep\n' >"$O/dir/keep"
up=../../../../../../../../../../../../../../../.. # from anywhere, up to /
passwd_links=$(stat -c %h /etc/passwd)

# q VERB ARGS...: run qrun; stdout in $out, stderr in $err, status in $st.
q() {
	out=$(timeout -k 5 120 "$QRUN" "$@" 2>"$T/.err" </dev/null)
	st=$?
	err=$(cat "$T/.err")
}
# store_state: what "the store is exactly as before" compares.
store_state() {
	(cd "$QRUN_ROOT" && find . ! -name lock ! -name index.lock -printf '%p %y %s\n' | LC_ALL=C sort &&
		cat index.json)
}
# outside_state: everything outside the store the layers aim at.
outside_state() {
	find "$O" -printf '%p %y %s %n %m %T@\n' | LC_ALL=C sort
	find "$T" -maxdepth 1 -name 'escaped*'
	ls -d /escaped-t103-$$ 2>/dev/null
	stat -c '/etc/passwd %h %s %Y' /etc/passwd
}
# layer NAME COMPRESSION [MKLAYER-OPTIONS...] < SPEC: prints the layer's path
layer() {
	local f=$T/l/$1.tar n=$1 z=$2
	shift 2
	case $z in gzip) f+=.gz ;; zstd) f+=.zst ;; esac
	"$mklayer" -z "$z" "$@" "$f" >&2 || echo "mklayer failed for $n" >&2
	printf '%s\n' "$f"
}

# A good image first, loaded and unpacked, so that the store is not empty.
good=$(layer good gzip <<EOF
dir etc 0755
file etc/passwd 0644 0 0 root:x:0:0::/root:/bin/sh\n
dir bin 0755
file bin/sh 0755 0 0 fake
symlink lib usr/lib
dir usr 0755
dir usr/lib 0755
EOF
)
mkimage "$T/good" docker.io/library/t103-good:latest "$good"
q load -q -i "$T/good"
is "a good image loads" "$st:$err" "0:"
q unpack -q t103-good "$T/u/good"
is "... and unpacks" "$st:$err" "0:"
[ -d "$QRUN_ROOT/snapshots" ] || diag "no snapshots directory after an unpack"

# hostile NAME REGEX [import]: load the layout $T/h/NAME (a directory or a file) and, when that
# works, unpack t103-NAME; or, with "import", import the tarball $T/h/NAME.
hostile() {
	local n=$1 re=$2 mode=${3:-load} d=$T/u/$1 before after outside0 step='' s
	mkdir -p "$d/marker"
	printf 'marker\n' >"$d/marker/file"
	outside0=$(outside_state)
	before=$(store_state)
	if [ "$mode" = import ]; then
		q import -q --platform linux/amd64 "$T/h/$n" "t103-$n"
		step=import
	else
		q load -q -i "$T/h/$n"
		step=load
	fi
	if [ "$st" = 0 ]; then
		before=$(store_state)
		q unpack -q "t103-$n" "$d/root"
		step=unpack
	fi
	after=$(store_state)
	s="$n ($step)"
	is "$s: exit status 125" "$st" 125
	is "$s: one line on stderr" "$(printf '%s\n' "$err" | wc -l | tr -d ' ')" 1
	# The regex must match what the message says, not the case's name in a path or reference.
	like "$s: the line starts with 'qrun: ' and names the problem" \
		"$(printf '%s\n' "$err" | sed "s#$T/[hu]/[^ :']*#PATH#g; s#t103-$n#IMAGE#g")" "^qrun: .*($re)"
	is "$s: nothing on stdout" "$out" ""
	is "$s: the store is as before" "$after" "$before"
	is "$s: nothing outside was created or changed" "$(outside_state)" "$outside0"
	is "$s: the marker beside the target is untouched" \
		"$(find "$d" -path "$d/root" -prune -o -printf '%P:%y ' | tr ' ' '\n' | LC_ALL=C sort | tr '\n' ' ')$(cat "$d/marker/file")" \
		":d marker/file:f marker:d marker"
	if [ "$step" = unpack ]; then
		is "$s: the unpack directory is absent or empty" \
			"$(find "$d/root" -mindepth 1 -maxdepth 1 2>/dev/null | head -5)" ""
	fi
}

# hostile_layers NAME REGEX LAYER...: an image made of these layers.
hostile_layers() {
	local n=$1 re=$2
	shift 2
	mkimage "$T/h/$n" "docker.io/library/t103-$n:latest" "$@"
	hostile "$n" "$re"
}

# ==== names ====================================================================================
hostile_layers dotdot '\.\./|\.\.|outside|unsafe|refus' "$(layer dotdot gzip <<EOF
dir ok 0755
file ../escaped-dotdot 0644 0 0 escaped
EOF
)"
hostile_layers dotdot-deep '\.\.|outside|unsafe|refus' "$(layer dotdot-deep gzip <<EOF
dir a 0755
file a/$up$T/escaped-deep 0644 0 0 escaped
EOF
)"
hostile_layers dotdot-middle '\.\.|outside|unsafe|refus' "$(layer dotdot-middle none <<EOF
dir a 0755
file a/../../escaped-middle 0644 0 0 escaped
EOF
)"
hostile_layers absolute 'absolute|/escaped|outside|unsafe|refus' "$(layer absolute gzip <<EOF
file $T/escaped-abs 0644 0 0 escaped
EOF
)"
hostile_layers absolute-root 'absolute|/escaped|outside|unsafe|refus' "$(layer absolute-root none <<EOF
file /escaped-t103-$$ 0644 0 0 escaped
EOF
)"

# ==== symlinks, then a write through them ======================================================
hostile_layers symlink-abs-write 'symlink|link|outside|unsafe|refus' "$(layer symlink-abs-write gzip <<EOF
symlink a $O
file a/evil 0644 0 0 through\sthe\slink
EOF
)"
hostile_layers symlink-dotdot-write 'symlink|link|outside|unsafe|refus' "$(layer symlink-dotdot-write gzip <<EOF
symlink a ..
file a/escaped-link 0644 0 0 through\sthe\slink
EOF
)"
hostile_layers symlink-rel-write 'symlink|link|outside|unsafe|refus' "$(layer symlink-rel-write none <<EOF
dir d 0755
symlink d/up $up$O
dir d/up/newdir 0755
EOF
)"
# The symlink in one layer, the write in the next: the lower snapshot holds the link.
hostile_layers symlink-cross-layer 'symlink|link|outside|unsafe|refus' "$(layer cross1 gzip <<EOF
symlink a $O
symlink b $up$O/dir
EOF
)" "$(layer cross2 gzip <<EOF
file a/evil 0644 0 0 through\sthe\slower\slink
file b/evil 0644 0 0 through\sthe\slower\slink
EOF
)"
hostile_layers dup-dir-symlink-file 'symlink|link|outside|unsafe|refus|exist' "$(layer dup gzip <<EOF
dir d 0755
file d/first 0644 0 0 first
symlink d $O
file d/evil 0644 0 0 duplicate\sgame
EOF
)"
hostile_layers dup-dir-symlink-dir 'symlink|link|outside|unsafe|refus|exist' "$(layer dup2 none <<EOF
dir d 0755
symlink d ..
dir d/escaped-dup 0755
EOF
)"

# ==== hard links ===============================================================================
hostile_layers hardlink-dotdot 'link|\.\.|outside|unsafe|refus' "$(layer hardlink-dotdot gzip <<EOF
file x 0644 0 0 x
hardlink h $up$O/secret
EOF
)"
hostile_layers hardlink-absolute 'link|absolute|outside|unsafe|refus' "$(layer hardlink-absolute gzip <<EOF
hardlink h $O/secret
EOF
)"
hostile_layers hardlink-etc-passwd 'link|absolute|outside|unsafe|refus|passwd' "$(layer hardlink-passwd none <<EOF
hardlink h /etc/passwd
EOF
)"
hostile_layers hardlink-through-symlink 'link|outside|unsafe|refus' "$(layer hardlink-symlink gzip <<EOF
symlink s $O
hardlink h s/secret
EOF
)"
hostile_layers hardlink-through-lower-symlink 'link|outside|unsafe|refus' "$(layer hls1 gzip <<EOF
symlink s $up$O
EOF
)" "$(layer hls2 gzip <<EOF
hardlink h s/secret
EOF
)"

# ==== whiteouts that aim outside ===============================================================
hostile_layers whiteout-through-symlink 'whiteout|symlink|link|outside|unsafe|refus' "$(layer wts1 gzip <<EOF
symlink s $O
EOF
)" "$(layer wts2 gzip <<EOF
file s/.wh.secret 0644 0 0
EOF
)"
hostile_layers opaque-through-symlink 'whiteout|opaque|symlink|link|outside|unsafe|refus' "$(layer ots1 gzip <<EOF
symlink s $O/dir
EOF
)" "$(layer ots2 gzip <<EOF
file s/.wh..wh..opq 0644 0 0
EOF
)"
hostile_layers whiteout-dotdot 'whiteout|\.\.|outside|unsafe|refus' "$(layer wdd1 gzip <<EOF
dir etc 0755
file etc/keep 0644 0 0 keep
EOF
)" "$(layer wdd2 gzip <<EOF
file etc/.wh... 0644 0 0
EOF
)"

# ==== broken streams ===========================================================================
big='data big 0644 0 0 400000 3'
full=$(layer trunc-gzip-full gzip <<<"$big")
MKI_DIFF_IDS=$(layer_diff_id "$full") hostile_layers truncated-gzip 'gzip|truncat|unexpected|end|short|corrupt' \
	"$(layer trunc-gzip gzip -t 200000 <<<"$big")"
full=$(layer trunc-zstd-full zstd <<<"$big")
MKI_DIFF_IDS=$(layer_diff_id "$full") hostile_layers truncated-zstd 'zstd|truncat|unexpected|end|short|corrupt' \
	"$(layer trunc-zstd zstd -t 200000 <<<"$big")"
printf 'this is not a tar archive, only text, and more text to fill a block\n%.0s' $(seq 1 20) >"$T/l/notatar.tar"
hostile_layers not-a-tar 'tar|archive|format|header' "$T/l/notatar.tar"

# ==== broken layouts ===========================================================================
good2=$(layer good2 gzip <<EOF
file hello 0644 0 0 hello
data big 0644 0 0 100000 4
EOF
)
gh=$(sha256sum "$good2" | cut -c1-64)
# A blob whose bytes changed (same size): the error names it.
mkimage "$T/h/wrong-digest" docker.io/library/t103-wrong-digest:latest "$good2"
printf 'X' | dd of="$T/h/wrong-digest/blobs/sha256/$gh" bs=1 seek=5000 conv=notrunc status=none
hostile wrong-digest "${gh:0:12}"
MKI_LAYER_SIZES=1000 hostile_layers wrong-size-small "${gh:0:12}" "$good2"
MKI_LAYER_SIZES=$(($(stat -c %s "$good2") + 1)) hostile_layers wrong-size-large "${gh:0:12}" "$good2"
MKI_CONFIG_JSON='["an","array","not","an","object"]' hostile_layers config-array 'config|JSON|json|object' "$good2"
MKI_CONFIG_JSON=$(printf '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":"sha256:%s"}}' "$gh") \
	hostile_layers config-diff-ids-string 'config|diff_ids|JSON|json|array' "$good2"
MKI_CONFIG_JSON='{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}' \
	hostile_layers config-fewer-diff-ids 'config|diff_ids|layer|count|match' "$good2"
MKI_MANIFEST_JSON='{"schemaVersion":2,"config":"nope","layers":{}}' hostile_layers manifest-shape 'manifest|config|JSON|json' "$good2"
mkimage "$T/h/missing-layer" docker.io/library/t103-missing-layer:latest "$good2"
rm "$T/h/missing-layer/blobs/sha256/$gh"
hostile missing-layer "${gh:0:12}"
mkimage "$T/h/missing-config" docker.io/library/t103-missing-config:latest "$good2"
rm "$T/h/missing-config/blobs/sha256/$MK_CONFIG"
hostile missing-config "${MK_CONFIG:0:12}"
mkimage "$T/h/index-garbage" docker.io/library/t103-index-garbage:latest "$good2"
printf '{"schemaVersion":2,"manifests":[{"digest":' >"$T/h/index-garbage/index.json"
hostile index-garbage 'index|JSON|json'
mkimage "$T/h/index-wrong-shape" docker.io/library/t103-index-wrong-shape:latest "$good2"
printf '{"schemaVersion":2,"manifests":{"digest":"sha256:%s"}}' "$MK_MANIFEST" >"$T/h/index-wrong-shape/index.json"
hostile index-wrong-shape 'index|JSON|json|manifests'
fake=$(printf 'not the layer' | sha256sum | cut -c1-64)
MKI_DIFF_IDS=$fake hostile_layers diff-id-mismatch "diff.?id|${fake:0:12}|${gh:0:12}" "$good2"
# A layout tar cut in the middle of a blob.
mkimage "$T/lt" docker.io/library/t103-truncated-layout-tar:latest "$good2"
tar -C "$T/lt" -cf "$T/lt.tar" .
head -c $(($(stat -c %s "$T/lt.tar") / 2)) "$T/lt.tar" >"$T/h/truncated-layout-tar"
hostile truncated-layout-tar 'tar|truncat|unexpected|end|short|archive|missing|sha256'

# ==== qrun import ==============================================================================
mkdir -p "$T/h"
"$mklayer" -z gzip "$T/h/import-dotdot" <<EOF
dir bin 0755
file bin/sh 0755 0 0 fake
file ../escaped-import 0644 0 0 escaped
file bin/$up$T/escaped-import-deep 0644 0 0 escaped
EOF
hostile import-dotdot '\.\.|outside|unsafe|refus' import
"$mklayer" "$T/h/import-absolute" <<EOF
file $T/escaped-import-abs 0644 0 0 escaped
EOF
hostile import-absolute 'absolute|/escaped|outside|unsafe|refus' import

# ==== afterwards ===============================================================================
is "/etc/passwd still has its links" "$(stat -c %h /etc/passwd)" "$passwd_links"
is "the outside directory is as it was made" "$(cd "$O" && find . -printf '%p %y %n\n' | LC_ALL=C sort)" \
	"$(printf '. d 3\n./dir d 2\n./dir/keep f 1\n./secret f 1')"
q unpack -q t103-good "$T/u/good-again"
is "the good image still unpacks" "$st:$err:$(readlink "$T/u/good-again/lib")" "0::usr/lib"
q images -q
is "qrun images still works" "$st" 0
ok "tmp/ in the store is empty" test -z "$(ls -A "$QRUN_ROOT/tmp" 2>/dev/null)"

done_testing
