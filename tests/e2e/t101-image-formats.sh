#!/bin/bash
# Image formats in (issue 5): every archive shape met in the field loads with the right
# `Loaded image:` line and becomes an image whose name, platform, diff_ids and unpacked tree
# are right; rootfs tarballs import with their platform detected; references, tags, rmi,
# prune, the `images` output forms, multi-platform indexes, error lines and progress.
# All images are made here from the busybox fixture rootfs with tar(1), by hand
# (data/t101/images.sh) and with skopeo, so what qrun reports is checked against digests
# computed without it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/data/t101/images.sh"

require_cmd skopeo umoci jq gzip xz zstd bzip2
fixture bb64 busybox amd64
fixture bbarm busybox armhf
sk() { skopeo "$@" >/dev/null; } # skopeo, quietly (it prints progress on stdout)

# --- helpers ------------------------------------------------------------------------------
# q ARGS...: run qrun; $out, $err, $st hold its stdout, stderr and exit status.
q() {
	"$QRUN" "$@" >"$T/q.out" 2>"$T/q.err"
	st=$?
	out=$(cat "$T/q.out")
	err=$(cat "$T/q.err")
}
# q_in FILE ARGS...: the same with stdin from FILE.
q_in() {
	local f=$1
	shift
	"$QRUN" "$@" <"$f" >"$T/q.out" 2>"$T/q.err"
	st=$?
	out=$(cat "$T/q.out")
	err=$(cat "$T/q.err")
}

# fails_clean DESC REGEX ARGS...: qrun ARGS exits 125 with nothing on stdout and one line on
# stderr, `qrun: ...` matching REGEX, and the store is byte for byte as before (lock files
# aside).
fails_clean() {
	local d=$1 re=$2 before after n
	shift 2
	before=$(store_state "$QRUN_ROOT" 2>/dev/null)
	q "$@" </dev/null
	after=$(store_state "$QRUN_ROOT" 2>/dev/null)
	n=$(grep -c '' <<<"$err")
	if [ "$st" = 125 ] && [ -z "$out" ] && [ "$n" = 1 ] && grep -Eq "^qrun: .*$re" <<<"$err" &&
		[ "$before" = "$after" ]; then
		_tap_result 0 "$d"
	else
		_tap_result 1 "$d"
		diag "command: qrun $*" "exit status $st (want 125), stderr lines $n (want 1)" \
			"stdout: $out" "stderr: $err" "want stderr /^qrun: .*$re/" \
			"store unchanged: $([ "$before" = "$after" ] && echo yes || diff <(echo "$before") <(echo "$after") | head -20)"
	fi
}

# tree DIR: paths, types, modes, owners, link targets and file contents, one per line.
tree() {
	[ -d "$1" ] || { echo "(no directory $1)"; return; }
	(cd "$1" && find . -mindepth 1 -printf '%p %y %m %U:%G %l\n' | sort &&
		find . -type f -exec sha256sum {} + | sort -k2)
}

# json_field IMAGE JQ: one field of `qrun inspect IMAGE`.
insp() { "$QRUN" inspect "$1" 2>/dev/null | jq -c "$2" 2>/dev/null; }

# --- fixtures -----------------------------------------------------------------------------
mkdir -p "$T/extra/etc/qrun" "$T/extra/opt"
echo hello >"$T/extra/etc/motd"
echo layer2 >"$T/extra/etc/qrun/two"
mk_tar "$bb64" "$T/amd64.tar"
mk_tar "$bbarm" "$T/armhf.tar"
mk_tar "$T/extra" "$T/extra.tar"
L1=sha256:$(sha "$T/amd64.tar")
L2=sha256:$(sha "$T/extra.tar")
LAYERS=$(jq -cn --arg a "$L1" --arg b "$L2" '[$a, $b]')

# The reference trees, as tar itself extracts the layers (as the same user as qrun runs).
mkdir "$T/ref" "$T/ref1" "$T/refarm"
tar -C "$T/ref" -xpf "$T/amd64.tar" && tar -C "$T/ref" -xpf "$T/extra.tar"
tar -C "$T/ref1" -xpf "$T/amd64.tar"
tar -C "$T/refarm" -xpf "$T/armhf.tar"
REF=$(tree "$T/ref")
REF1=$(tree "$T/ref1")

# L: an OCI layout with a two-layer amd64 image (gzip) and a multi-platform index.
mk_image "$T/L" docker.io/library/bbx:layout amd64 "" gzip "$T/amd64.tar" "$T/extra.tar"
MAN=$MK_MANIFEST
CFG=$MK_CONFIG
ID12=${CFG#sha256:}
ID12=${ID12:0:12}
mk_image "$T/L" - amd64 "" gzip "$T/amd64.tar"
D_AMD=$MK_DESC
mk_image "$T/L" - arm v7 gzip "$T/armhf.tar"
D_ARM=$MK_DESC
mk_index "$T/L" docker.io/library/multi:latest "$D_AMD" "$D_ARM"
IDX=$MK_INDEX
# LZ: hand-made zstd layers; LU: uncompressed layers (for the docker 25 shape).
mk_image "$T/LZ" docker.io/library/bbx:zstd-hand amd64 "" zstd "$T/amd64.tar" "$T/extra.tar"
CFG_ZH=$MK_CONFIG
mk_image "$T/LU" docker.io/library/bbx:d25 amd64 "" none "$T/amd64.tar" "$T/extra.tar"
CFG_U=$MK_CONFIG
MAN_U=$MK_MANIFEST

src=oci:$T/L:docker.io/library/bbx:layout
ok "fixture: skopeo reads the hand-made layout" skopeo inspect "$src"
is "fixture: skopeo sees the layout's diff_ids" \
	"$(skopeo inspect --config "$src" | jq -c .rootfs.diff_ids)" "$LAYERS"
ok "fixture: umoci unpacks the hand-made layout" \
	umoci unpack --rootless --image "$T/L:docker.io/library/bbx:layout" "$T/umoci-bundle"

# The other shapes, converted by skopeo (which keeps the config bytes, so the image ID) or
# written by hand.
sk copy "$src" "oci-archive:$T/oa.tar:docker.io/library/bbx:ociarchive"
sk copy "$src" "oci-archive:$T/oagz.tar:docker.io/library/bbx:ociarchive-gz"
gzip -n "$T/oagz.tar"
sk copy --dest-compress-format zstd "$src" "oci:$T/LZS:docker.io/library/bbx:zstd"
sk copy "$src" "docker-archive:$T/da.tar:bbx:docker"
sk copy "$src" "docker-archive:$T/daxz.tar:bbx:docker-xz"
xz "$T/daxz.tar"
sk copy "$src" "docker-archive:$T/dazst.tar:bbx:docker-zst"
zstd -q --rm "$T/dazst.tar"
sk copy "$src" "docker-archive:$T/stdin.tar:bbx:stdin"
sk copy "$src" "docker-archive:$T/stdin2.tar:bbx:stdin2"
sk copy "$src" "docker-archive:$T/prog.tar:bbx:progress"
sk copy "$src" "oci-archive:$T/mine.tar:example.com/team/app:v1"
sk copy --all "oci:$T/L:docker.io/library/multi:latest" "oci-archive:$T/multi-all.tar:docker.io/library/multi:all"
# (tar -czf of the layout directory is an "OCI layout tar, compressed")
(cd "$T/L" && tar -czf "$T/layout.tgz" .)
cfgfile=$T/L/blobs/sha256/${CFG#sha256:}
mk_docker_legacy "$T/legacy.tar" bbx:legacy "$cfgfile" "$T/amd64.tar" "$T/extra.tar"
gzip -n -c "$T/amd64.tar" >"$T/amd64.tar.gz"
mk_docker_legacy "$T/legacy-gz.tar" bbx:legacy-gzlayer "$cfgfile" "$T/amd64.tar.gz" "$T/extra.tar"
mk_docker25 "$T/d25.tar" bbx:d25 "$T/LU" "$MAN_U"

ok "fixture: skopeo reads the zstd layout" skopeo inspect "oci:$T/LZ:docker.io/library/bbx:zstd-hand"
is "fixture: skopeo wrote zstd layers" \
	"$(jq -r '.layers[].mediaType' "$T/LZS/blobs/sha256/$(jq -r '.manifests[0].digest' "$T/LZS/index.json" | cut -d: -f2)" | sort -u)" \
	application/vnd.oci.image.layer.v1.tar+zstd
ok "fixture: skopeo reads the legacy docker save archive" skopeo inspect "docker-archive:$T/legacy.tar"
ok "fixture: skopeo reads the docker 25 archive" skopeo inspect "docker-archive:$T/d25.tar"
is "fixture: skopeo's docker-archive kept the config (image ID)" \
	"$(skopeo inspect --raw --config "docker-archive:$T/da.tar" | sha256sum | cut -d' ' -f1)" \
	"${CFG#sha256:}"

# --- load: each shape ---------------------------------------------------------------------
# check_loaded TAG CONFIG: images row, inspect (platform, layers, ID), unpacked tree.
check_loaded() {
	local tag=$1 cfg=$2 id
	id=${cfg#sha256:}
	q images
	like "$tag: listed by images" "$out" "^bbx +$tag +${id:0:12} "
	q inspect "bbx:$tag"
	is "$tag: inspect Id" "$(jq -r '.[0].Id' <<<"$out" 2>&1)" "$cfg"
	is "$tag: inspect platform" "$(jq -r '.[0] | .Os + "/" + .Architecture' <<<"$out" 2>&1)" linux/amd64
	is "$tag: inspect RootFS" "$(jq -c '.[0].RootFS' <<<"$out" 2>&1)" \
		"$(jq -cn --argjson l "$LAYERS" '{Type: "layers", Layers: $l}')"
	like "$tag: inspect RepoTags" "$(jq -r '.[0].RepoTags[]' <<<"$out" 2>&1)" "^bbx:$tag\$"
	q unpack "bbx:$tag" "$T/u-$tag"
	is "$tag: unpack exits 0, says nothing on stdout" "$st:$out" "0:"
	is "$tag: busybox of the unpacked tree runs" "$("$T/u-$tag/bin/busybox" cat /dev/null 2>&1 &&
		cat "$T/u-$tag/etc/motd" "$T/u-$tag/etc/qrun/two")" "hello
layer2"
	is "$tag: unpacked tree = tar -x of the layers in order" "$(tree "$T/u-$tag")" "$REF"
}

# load_ok DESC WANT ARGS...: qrun ARGS prints exactly WANT (sorted lines), nothing on stderr.
load_ok() {
	local d=$1 want=$2
	shift 2
	q "$@" </dev/null
	is "$d: exit 0 and the Loaded lines" "$st
$(sort <<<"$out")" "0
$want"
	is "$d: stderr is empty when not a terminal" "$err" ""
}

load_ok "OCI layout directory" "Loaded image: bbx:layout
Loaded image: multi:latest" load -i "$T/L"
check_loaded layout "$CFG"
load_ok "oci-archive (skopeo)" "Loaded image: bbx:ociarchive" load -i "$T/oa.tar"
check_loaded ociarchive "$CFG"
load_ok "oci-archive, gzip-compressed" "Loaded image: bbx:ociarchive-gz" load -i "$T/oagz.tar.gz"
check_loaded ociarchive-gz "$CFG"
load_ok "OCI layout with zstd layers (skopeo)" "Loaded image: bbx:zstd" load -i "$T/LZS"
check_loaded zstd "$CFG"
load_ok "OCI layout with zstd layers (by hand)" "Loaded image: bbx:zstd-hand" load -i "$T/LZ"
check_loaded zstd-hand "$CFG_ZH"
load_ok "docker-archive (skopeo: layer symlinks)" "Loaded image: bbx:docker" load -i "$T/da.tar"
check_loaded docker "$CFG"
load_ok "docker-archive, xz-compressed" "Loaded image: bbx:docker-xz" load -i "$T/daxz.tar.xz"
check_loaded docker-xz "$CFG"
load_ok "docker-archive, zstd-compressed" "Loaded image: bbx:docker-zst" load -i "$T/dazst.tar.zst"
check_loaded docker-zst "$CFG"
load_ok "legacy docker save archive" "Loaded image: bbx:legacy" load -i "$T/legacy.tar"
check_loaded legacy "$CFG"
load_ok "legacy docker save, a gzip layer.tar (compression by magic)" \
	"Loaded image: bbx:legacy-gzlayer" load -i "$T/legacy-gz.tar"
check_loaded legacy-gzlayer "$CFG"
load_ok "docker 25 archive (OCI layout + manifest.json)" "Loaded image: bbx:d25" load -i "$T/d25.tar"
check_loaded d25 "$CFG_U"

q_in "$T/stdin.tar" load -i -
is "load -i - reads stdin" "$st:$out:$err" "0:Loaded image: bbx:stdin:"
q_in "$T/stdin2.tar" load
is "load without -i reads stdin" "$st:$out:$err" "0:Loaded image: bbx:stdin2:"
q_in "$T/layout.tgz" load -q
is "load -q of a gzip'd OCI layout tar from stdin" "$st:$(sort <<<"$out"):$err" "0:Loaded image: bbx:layout
Loaded image: multi:latest:"
load_ok "a name outside docker.io keeps its registry" "Loaded image: example.com/team/app:v1" \
	load -i "$T/mine.tar"
like "images shows the registry name" "$("$QRUN" images)" "^example.com/team/app +v1 +$ID12 "
like "inspect RepoTags of example.com/team/app" "$(insp example.com/team/app:v1 '.[0].RepoTags[]')" \
	'^"example.com/team/app:v1"$'

# --- the store is an OCI layout -----------------------------------------------------------
ok "skopeo reads the store (oci:\$QRUN_ROOT:docker.io/library/bbx:docker)" \
	skopeo inspect "oci:$QRUN_ROOT:docker.io/library/bbx:docker"
is "the store keeps the OCI manifest byte for byte" \
	"$(skopeo inspect "oci:$QRUN_ROOT:docker.io/library/bbx:layout" 2>&1 | jq -r .Digest)" "$MAN"
is "index.json names images by full reference" \
	"$(jq -r '.manifests[].annotations["org.opencontainers.image.ref.name"]' "$QRUN_ROOT/index.json" |
		grep -c '^docker\.io/library/bbx:')" 13
missing=""
for h in $(blob_walk "$QRUN_ROOT"); do
	[ "$(sha "$QRUN_ROOT/blobs/sha256/$h" 2>/dev/null)" = "$h" ] || missing="$missing $h"
done
is "every blob the index refers to is there and verifies" "$missing" ""
is "the loads left no blob the index does not refer to" \
	"$(comm -23 <(ls "$QRUN_ROOT/blobs/sha256" | sort) <(blob_walk "$QRUN_ROOT"))" ""

# --- references -----------------------------------------------------------------------------
is "short name:tag" "$(insp bbx:layout '.[0].Id')" "\"$CFG\""
is "docker.io/library/name:tag" "$(insp docker.io/library/bbx:layout '.[0].Id')" "\"$CFG\""
is "name@sha256:<manifest digest>" "$(insp "bbx@$MAN" '.[0].Id')" "\"$CFG\""
is "ID prefix (12 hex)" "$(insp "$ID12" '.[0].Id')" "\"$CFG\""
is "sha256:<full ID>" "$(insp "$CFG" '.[0].Id')" "\"$CFG\""
is "inspect of two images gives an array of two" \
	"$("$QRUN" inspect bbx:layout bbx:zstd-hand | jq -r '.[].Id')" "$CFG
$CFG_ZH"
is "inspect Config is the image config's config" "$(insp bbx:layout '.[0].Config')" \
	"$(jq -c .config "$cfgfile")"
like "inspect RepoDigests name the manifest" "$(insp bbx:layout '.[0].RepoDigests[]')" "^\"bbx@$MAN\"\$"

# --- images output forms --------------------------------------------------------------------
imgs=$("$QRUN" images)
like "images: docker's header" "$(head -1 <<<"$imgs")" '^REPOSITORY +TAG +IMAGE ID +CREATED +SIZE$'
ids=$("$QRUN" images -q)
is "images -q: only 12-hex IDs" "$(grep -cvE '^[0-9a-f]{12}$' <<<"$ids")" 0
is "images -q: each ID once" "$(sort <<<"$ids" | uniq -d)" ""
like "images -q: has the bbx ID" "$ids" "^$ID12\$"
like "images -q: has the multi-platform index's ID" "$ids" "^${IDX:7:12}\$"
like "images --digests: a DIGEST column" "$("$QRUN" images --digests | head -1)" \
	'^REPOSITORY +TAG +DIGEST +IMAGE ID +CREATED +SIZE$'
like "images --digests: the manifest digest" "$("$QRUN" images --digests)" \
	"^bbx +layout +$MAN +$ID12 "
like "images --no-trunc: full IDs" "$("$QRUN" images --no-trunc)" "^bbx +layout +$CFG "
js=$("$QRUN" images --format json)
bad=0
while IFS= read -r line; do
	jq -e 'has("Repository") and has("Tag") and has("ID") and has("Digest") and
		has("CreatedAt") and has("Size")' <<<"$line" >/dev/null 2>&1 || bad=$((bad + 1))
done <<<"$js"
is "images --format json: each line is an object with docker's keys" "$bad" 0
is "images --format json: one line per tag" "$(grep -c '' <<<"$js")" \
	"$(($(grep -c '' <<<"$imgs") - 1))"
is "images --format json: bbx:layout" \
	"$(jq -c 'select(.Tag == "layout") | [.Repository, .Digest, (.ID | ltrimstr("sha256:") | .[0:12])]' <<<"$js" 2>&1)" \
	"[\"bbx\",\"$MAN\",\"$ID12\"]"

# --- multi-platform index -------------------------------------------------------------------
like "multi: images shows the index" "$("$QRUN" images)" "^multi +latest +${IDX:7:12} "
q unpack multi "$T/m-default"
is "multi: unpack picks the host platform by default" \
	"$st:$(cmp "$T/m-default/bin/busybox" "$bb64/bin/busybox" 2>&1 && echo same)" "0:same"
q unpack --platform linux/arm/v7 multi:latest "$T/m-arm"
is "multi: unpack --platform linux/arm/v7 picks armhf" \
	"$st:$(cmp "$T/m-arm/bin/busybox" "$bbarm/bin/busybox" 2>&1 && echo same)" "0:same"
is "multi: the armhf tree is the armhf layer" "$(tree "$T/m-arm")" "$(tree "$T/refarm")"
fails_clean "multi: --platform linux/s390x fails" 'linux/s390x' \
	unpack --platform linux/s390x multi "$T/m-s390x"
like "multi: the error lists linux/amd64" "$err" 'linux/amd64'
like "multi: the error lists linux/arm/v7" "$err" 'linux/arm/v7'
is "multi: inspect picks the host platform" "$(insp multi '.[0].Architecture')" '"amd64"'
load_ok "multi: skopeo copy --all oci-archive" "Loaded image: multi:all" load -i "$T/multi-all.tar"
like "multi: the copied index has the same ID" "$("$QRUN" images)" "^multi +all +${IDX:7:12} "
q unpack --platform linux/arm/v7 multi:all "$T/m-arm2"
is "multi: skopeo's index, --platform linux/arm/v7" \
	"$st:$(cmp "$T/m-arm2/bin/busybox" "$bbarm/bin/busybox" 2>&1 && echo same)" "0:same"

# --- import ---------------------------------------------------------------------------------
cp "$T/amd64.tar" "$T/imp.tar"
gzip -n -c "$T/amd64.tar" >"$T/imp.tar.gz"
xz -c "$T/amd64.tar" >"$T/imp.tar.xz"
zstd -q -c "$T/amd64.tar" >"$T/imp.tar.zst"
bzip2 -c "$T/amd64.tar" >"$T/imp.tar.bz2"
gzip -n -c "$T/armhf.tar" >"$T/armhf.tar.gz"
for c in tar tar.gz tar.xz tar.zst tar.bz2; do
	tag=${c//./-}
	q import "$T/imp.$c" "imp:$tag" </dev/null
	like "import .$c: prints the image ID" "$st:$out" '^0:sha256:[0-9a-f]{64}$'
	is "import .$c: stderr empty when not a terminal" "$err" ""
	id=$out
	is "import .$c: inspect Id is the printed ID" "$(insp "imp:$tag" '.[0].Id')" "\"$id\""
	is "import .$c: detected linux/amd64, one layer" \
		"$(insp "imp:$tag" '.[0] | [.Os, .Architecture, .Variant, (.RootFS.Layers | length)]')" \
		'["linux","amd64",null,1]'
	q unpack "imp:$tag" "$T/i-$tag"
	is "import .$c: unpacked tree = the tarball's" "$st:$(tree "$T/i-$tag")" "0:$REF1"
done
q_in "$T/imp.tar.gz" import - imp:stdin
like "import - reads stdin" "$st:$out:$err" '^0:sha256:[0-9a-f]{64}:$'
is "import from stdin: detected amd64" "$(insp imp:stdin '.[0].Architecture')" '"amd64"'
q import "$T/armhf.tar.gz" armimp
like "import of the armhf tarball" "$st:$out" '^0:sha256:[0-9a-f]{64}$'
is "import: an armhf tarball is linux/arm/v7" \
	"$(insp armimp:latest '.[0] | [.Os, .Architecture, .Variant]')" '["linux","arm","v7"]'
like "import: default tag latest" "$("$QRUN" images)" '^armimp +latest +'
q import --platform linux/arm64 "$T/imp.tar" imp:forced
like "import --platform overrides detection (arm64 may be normalised to arm64/v8)" \
	"$st:$(insp imp:forced '.[0] | [.Os, .Architecture, .Variant]')" '^0:\["linux","arm64",(null|"v8")\]$'
q import --platform linux/arm/v6 "$T/armhf.tar.gz" armimp:v6
is "import --platform with a variant" \
	"$st:$(insp armimp:v6 '.[0] | [.Os, .Architecture, .Variant]')" '0:["linux","arm","v6"]'
q import -q "$T/imp.tar" imp:quiet
like "import -q prints only the ID" "$st:$out:$err" '^0:sha256:[0-9a-f]{64}:$'
q import "$T/imp.tar" docker.io/library/imp:full
like "import under a full docker.io name is listed by its short name" "$("$QRUN" images)" \
	'^imp +full +'

# --- tag, rmi, prune (in a store of their own, named with --root) ---------------------------
S2=$T/store-rmi
r2() { q --root "$S2" "$@"; }
r2 load -i "$T/oa.tar"
is "--root: load into another store" "$st:$out" "0:Loaded image: bbx:ociarchive"
is "--root: that store holds only this image" "$("$QRUN" --root "$S2" images -q)" "$ID12"
r2 tag bbx:ociarchive other/name:v2
is "tag: exit 0, nothing on stdout" "$st:$out" "0:"
r2 images
like "tag: images shows the source" "$out" "^bbx +ociarchive +$ID12 "
like "tag: images shows the new name" "$out" "^other/name +v2 +$ID12 "
r2 tag bbx:ociarchive plain
like "tag: the target's default tag is latest" "$("$QRUN" --root "$S2" images)" "^plain +latest +$ID12 "
r2 unpack other/name:v2 "$T/r-unpacked"
is "unpack of the new tag" "$st:$(tree "$T/r-unpacked")" "0:$REF"
r2 rmi bbx:ociarchive
is "rmi of one of three tags only untags" "$st:$out" "0:Untagged: bbx:ociarchive"
r2 images
unlike "rmi: the tag is gone" "$out" '^bbx '
like "rmi: the other tag stays" "$out" "^other/name +v2 +$ID12 "
r2 rmi plain other/name:v2
is "rmi of the last tags: Untagged lines first" "$st:$(head -2 <<<"$out")" "0:Untagged: plain:latest
Untagged: other/name:v2"
like "rmi of the last tags: Deleted lines" "$(tail -n +3 <<<"$out")" '^Deleted: sha256:[0-9a-f]{64}$'
is "rmi: stdout has no other lines" "$(grep -cvE '^(Untagged: |Deleted: sha256:[0-9a-f]{64}$)' <<<"$out")" 0
like "rmi: the config's ID is among the Deleted" "$out" "^Deleted: $CFG\$"
is "rmi: images is empty" "$("$QRUN" --root "$S2" images | tail -n +2)" ""
is "rmi: index.json has no entries" "$(jq '.manifests | length' "$S2/index.json")" 0
is "rmi: no blob is reachable" "$(blob_walk "$S2")" ""
r2 prune
like "prune: reports the space reclaimed" "$st:$out" '^0:Total reclaimed space: [0-9.]+ ?[kKMG]?B$'
is "prune: no blobs left" "$(ls -A "$S2/blobs/sha256")" ""
is "prune: no snapshots left" "$(ls -A "$S2/snapshots" 2>/dev/null)" ""
is "prune: tmp is empty" "$(ls -A "$S2/tmp" 2>/dev/null)" ""
r2 prune
like "prune again: nothing to reclaim" "$st:$out" '^0:Total reclaimed space: 0 ?B$'
is "the unpacked copy outlives its image" "$(cat "$T/r-unpacked/etc/motd")" hello

# --- errors ---------------------------------------------------------------------------------
fails_clean "inspect of an unknown image" "image 'nosuch'.*no such image" inspect nosuch
fails_clean "unpack of an unknown image" "no such image" unpack nosuch:1 "$T/nosuch"
fails_clean "rmi of an unknown image" "no such image" rmi nosuch
fails_clean "tag of an unknown image" "no such image" tag nosuch other
fails_clean "a bad reference (upper case)" 'Upper:case' inspect Upper:case
fails_clean "tag to a bad reference" 'Upper:case' tag bbx:layout Upper:case
fails_clean "import under a bad reference" 'Upper:case' import "$T/imp.tar" Upper:case
fails_clean "an unknown ID prefix" "no such image" inspect 0123456789ab
mkdir "$T/full" && echo x >"$T/full/keep"
fails_clean "unpack into a non-empty directory" "$T/full" unpack bbx:layout "$T/full"
is "unpack into a non-empty directory leaves it alone" "$(ls -A "$T/full")" keep
fails_clean "load of a missing file" 'missing' load -i "$T/missing.tar"
head -c 4096 /dev/urandom >"$T/garbage"
fails_clean "load of garbage" '' load -i "$T/garbage"
fails_clean "import of garbage" '' import "$T/garbage" junk:1
mkdir "$T/empty"
q unpack bbx:layout "$T/empty"
is "unpack into an existing empty directory works" "$st:$(cat "$T/empty/etc/motd")" "0:hello"

# --- progress on a terminal -----------------------------------------------------------------
if command -v script >/dev/null; then
	export QRUN_ROOT=$T/store-tty
	script -qec "'$QRUN' load -i '$T/prog.tar'" "$T/typescript" </dev/null >"$T/tty.out" 2>&1
	tty_out=$(tr -d '\r' <"$T/tty.out")
	like "progress: a terminal shows the Loaded line" "$tty_out" '^Loaded image: bbx:progress$'
	like "progress: a terminal shows byte counts or a rate" "$tty_out" \
		'[0-9.]+ ?([kKMG]i?)?B(/s)?'
	"$QRUN" rmi bbx:progress >/dev/null 2>&1
	"$QRUN" prune >/dev/null 2>&1
	script -qec "'$QRUN' load -i '$T/prog.tar' >'$T/tty.stdout'" "$T/typescript" </dev/null \
		>"$T/tty.err" 2>&1
	is "progress: stdout keeps only the Loaded line" "$(cat "$T/tty.stdout")" \
		"Loaded image: bbx:progress"
	like "progress: it goes to stderr" "$(tr -d '\r' <"$T/tty.err")" '[0-9.]+ ?([kKMG]i?)?B(/s)?'
	"$QRUN" rmi bbx:progress >/dev/null 2>&1
	"$QRUN" prune >/dev/null 2>&1
	script -qec "'$QRUN' load -q -i '$T/prog.tar'" "$T/typescript" </dev/null >"$T/tty.out" 2>&1
	is "progress: -q on a terminal prints only the Loaded line" "$(tr -d '\r' <"$T/tty.out")" \
		"Loaded image: bbx:progress"
	script -qec "'$QRUN' import '$T/imp.tar.gz' tty:1" "$T/typescript" </dev/null >"$T/tty.out" 2>&1
	like "progress: import on a terminal also shows it" "$(tr -d '\r' <"$T/tty.out")" \
		'[0-9.]+ ?([kKMG]i?)?B(/s)?'
	export QRUN_ROOT=$T/store
else
	skip "progress on a terminal" "script(1) is not installed"
fi

done_testing
