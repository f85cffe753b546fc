#!/bin/bash
# Round trip (issue 5): load -> qrun save (oci and docker-archive) -> skopeo reads and
# converts it -> qrun load into a second store gives the same manifest and config digests;
# umoci unpack of what qrun saved gives the tree qrun unpack gives; the store itself is an
# OCI layout skopeo and umoci read; two images in one archive; save to stdout into load.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/data/t101/images.sh"

require_cmd skopeo umoci jq
fixture bb64 busybox amd64
fixture bbarm busybox armhf
sk() { skopeo "$@" >/dev/null; }

q() {
	"$QRUN" "$@" >"$T/q.out" 2>"$T/q.err"
	st=$?
	out=$(cat "$T/q.out")
	err=$(cat "$T/q.err")
}
tree() {
	[ -d "$1" ] || { echo "(no directory $1)"; return; }
	(cd "$1" && find . -mindepth 1 -printf '%p %y %m %U:%G %l\n' | sort &&
		find . -type f -exec sha256sum {} + | sort -k2)
}
# row STORE NAME TAG: `DIGEST ID` of NAME:TAG from `images --digests --no-trunc`.
row() {
	"$QRUN" --root "$1" images --digests --no-trunc 2>&1 |
		awk -v s="$1" -v n="$2" -v t="$3" '$1 == n && $2 == t { print $3, $4; f = 1 }
			END { if (!f) print "(" n ":" t " not listed in " s ")" }'
}
# umoci needs --rootless when not root.
UMOCI_OPTS=()
[ "$(id -u)" = 0 ] || UMOCI_OPTS=(--rootless)

# --- fixtures: a two-layer amd64 image, a one-layer armhf image, a multi-platform index ----
mkdir -p "$T/extra/etc/qrun" "$T/extra/usr/bin"
echo hello >"$T/extra/etc/motd"
ln -s ../../bin/busybox "$T/extra/usr/bin/rt-link"
printf 'x' >"$T/extra/etc/qrun/setuid" && chmod 4755 "$T/extra/etc/qrun/setuid"
mk_tar "$bb64" "$T/amd64.tar"
mk_tar "$bbarm" "$T/armhf.tar"
mk_tar "$T/extra" "$T/extra.tar"
mk_image "$T/L" docker.io/library/rt:1 amd64 "" gzip "$T/amd64.tar" "$T/extra.tar"
MAN=$MK_MANIFEST
CFG=$MK_CONFIG
mk_image "$T/L" docker.io/library/other:2 arm v7 gzip "$T/armhf.tar"
MAN2=$MK_MANIFEST
CFG2=$MK_CONFIG
mk_image "$T/L" - amd64 "" gzip "$T/amd64.tar"
d1=$MK_DESC
mk_image "$T/L" - arm v7 gzip "$T/armhf.tar"
mk_index "$T/L" docker.io/library/multi:3 "$d1" "$MK_DESC"
IDX=$MK_INDEX

q load -i "$T/L"
is "load the fixture layout" "$st:$(sort <<<"$out")" "0:Loaded image: multi:3
Loaded image: other:2
Loaded image: rt:1"
is "store 1: rt:1 has the fixture's manifest and config" "$(row "$QRUN_ROOT" rt 1)" "$MAN $CFG"

# --- the store is an OCI layout -----------------------------------------------------------
is "skopeo inspect oci:\$QRUN_ROOT:docker.io/library/rt:1" \
	"$(skopeo inspect "oci:$QRUN_ROOT:docker.io/library/rt:1" 2>&1 | jq -r .Digest 2>&1)" "$MAN"
is "skopeo reads the config from the store" \
	"$(skopeo inspect --raw --config "oci:$QRUN_ROOT:docker.io/library/other:2" 2>&1 | sha256sum | cut -d' ' -f1)" \
	"${CFG2#sha256:}"
is "skopeo reads the store's multi-platform index" \
	"$(skopeo inspect --raw "oci:$QRUN_ROOT:docker.io/library/multi:3" 2>&1 | jq -c '[.manifests[].platform.architecture]' 2>&1)" \
	'["amd64","arm"]'
cp -a "$QRUN_ROOT" "$T/store-copy" 2>/dev/null
ok "umoci unpacks from (a copy of) the store" \
	umoci unpack "${UMOCI_OPTS[@]}" --image "$T/store-copy:docker.io/library/rt:1" "$T/b-store"
q unpack rt:1 "$T/q-rt"
is "qrun unpack exits 0" "$st:$out" "0:"
is "umoci unpack of the store = qrun unpack" "$(tree "$T/b-store/rootfs")" "$(tree "$T/q-rt")"

# --- save: oci ------------------------------------------------------------------------------
q save -o "$T/a.tar" rt:1
is "save -o a.tar: exit 0, nothing on stdout" "$st:$out" "0:"
ok "skopeo inspect oci-archive accepts it" skopeo inspect "oci-archive:$T/a.tar:docker.io/library/rt:1"
is "the saved manifest is byte for byte the loaded one" \
	"$(skopeo inspect "oci-archive:$T/a.tar:docker.io/library/rt:1" 2>&1 | jq -r .Digest 2>&1)" "$MAN"
is "the saved config is byte for byte the loaded one" \
	"$(skopeo inspect --raw --config "oci-archive:$T/a.tar:docker.io/library/rt:1" 2>&1 | sha256sum | cut -d' ' -f1)" \
	"${CFG#sha256:}"
mkdir "$T/a"
tar -C "$T/a" -xf "$T/a.tar"
is "the saved archive is an OCI layout" "$(jq -r .imageLayoutVersion "$T/a/oci-layout" 2>&1)" 1.0.0
is "its index.json names the image by full reference" \
	"$(jq -r '.manifests[].annotations["org.opencontainers.image.ref.name"]' "$T/a/index.json" 2>&1)" \
	docker.io/library/rt:1
bad=""
for f in "$T"/a/blobs/sha256/*; do [ "$(sha "$f")" = "$(basename "$f")" ] || bad="$bad $f"; done
is "every blob of the saved archive matches its name" "$bad" ""
is "the saved archive holds exactly the image's blobs" "$(ls "$T/a/blobs/sha256" | sort)" \
	"$(blob_walk "$T/a")"
ok "umoci unpacks the saved archive" \
	umoci unpack "${UMOCI_OPTS[@]}" --image "$T/a:docker.io/library/rt:1" "$T/b-saved"
is "umoci unpack of the saved archive = qrun unpack" "$(tree "$T/b-saved/rootfs")" "$(tree "$T/q-rt")"
mkdir "$T/tx" && tar -C "$T/tx" -xpf "$T/amd64.tar" && tar -C "$T/tx" -xpf "$T/extra.tar"
is "... and = tar -x of the layers" "$(tree "$T/q-rt")" "$(tree "$T/tx")"

# skopeo copy to other formats, then load into store 2: same digests.
S2=$T/store2
sk copy "oci-archive:$T/a.tar:docker.io/library/rt:1" "oci:$T/C1:docker.io/library/rt:copied"
sk copy "oci-archive:$T/a.tar:docker.io/library/rt:1" "docker-archive:$T/c2.tar:rt:viadocker"
sk copy --dest-compress-format zstd "oci-archive:$T/a.tar:docker.io/library/rt:1" \
	"oci-archive:$T/c3.tar:docker.io/library/rt:zstd"
QRUN_ROOT=$S2 q load -i "$T/a.tar"
is "store 2: load of the saved archive" "$st:$out" "0:Loaded image: rt:1"
is "store 2: same manifest and config digests as store 1" "$(row "$S2" rt 1)" "$(row "$QRUN_ROOT" rt 1)"
QRUN_ROOT=$S2 q load -i "$T/C1"
is "store 2: load of skopeo's OCI layout copy" "$st:$out" "0:Loaded image: rt:copied"
is "store 2: the copy has the same manifest and config digests" "$(row "$S2" rt copied)" "$MAN $CFG"
QRUN_ROOT=$S2 q load -i "$T/c2.tar"
is "store 2: load of skopeo's docker-archive copy" "$st:$out" "0:Loaded image: rt:viadocker"
is "store 2: the docker-archive copy has the same image ID" "$(row "$S2" rt viadocker | cut -d' ' -f2)" "$CFG"
QRUN_ROOT=$S2 q load -i "$T/c3.tar"
is "store 2: load of skopeo's zstd copy" "$st:$out" "0:Loaded image: rt:zstd"
is "store 2: the zstd copy has the same image ID" "$(row "$S2" rt zstd | cut -d' ' -f2)" "$CFG"
for t in 1 copied viadocker zstd; do
	QRUN_ROOT=$S2 q unpack "rt:$t" "$T/s2-$t"
	is "store 2: unpack rt:$t = store 1's tree" "$st:$(tree "$T/s2-$t")" "0:$(tree "$T/q-rt")"
done

# --- save: docker-archive -------------------------------------------------------------------
q save --format docker-archive -o "$T/d.tar" rt:1
is "save --format docker-archive: exit 0, nothing on stdout" "$st:$out" "0:"
ok "skopeo inspect docker-archive accepts it" skopeo inspect "docker-archive:$T/d.tar"
is "its manifest.json names the tag and the config" \
	"$(tar -xOf "$T/d.tar" manifest.json 2>&1 | jq -c '[.[] | .RepoTags, (.Config | sub(".*/"; "") | sub("\\.json$"; ""))]' 2>&1)" \
	"[[\"rt:1\"],\"${CFG#sha256:}\"]"
is "it is the docker 25 shape (an OCI layout too)" \
	"$(tar -xOf "$T/d.tar" oci-layout 2>&1 | jq -r .imageLayoutVersion 2>&1)" 1.0.0
is "skopeo reads the same config from it" \
	"$(skopeo inspect --raw --config "docker-archive:$T/d.tar" 2>&1 | sha256sum | cut -d' ' -f1)" "${CFG#sha256:}"
is "skopeo reads the same diff_ids from it" \
	"$(skopeo inspect --config "docker-archive:$T/d.tar" 2>&1 | jq -c .rootfs.diff_ids)" \
	"$(jq -cn --arg a "sha256:$(sha "$T/amd64.tar")" --arg b "sha256:$(sha "$T/extra.tar")" '[$a, $b]')"
sk copy "docker-archive:$T/d.tar" "docker-archive:$T/d2.tar:rt:redocker"
sk copy "docker-archive:$T/d.tar" "oci:$T/D3:docker.io/library/rt:reoci"
S3=$T/store3
QRUN_ROOT=$S3 q load -i "$T/d.tar"
is "store 3: load of qrun's docker-archive" "$st:$out" "0:Loaded image: rt:1"
is "store 3: same image ID" "$(row "$S3" rt 1 | cut -d' ' -f2)" "$CFG"
QRUN_ROOT=$S3 q load -i "$T/d2.tar"
is "store 3: load of skopeo's re-copy" "$st:$out" "0:Loaded image: rt:redocker"
is "store 3: same image ID" "$(row "$S3" rt redocker | cut -d' ' -f2)" "$CFG"
QRUN_ROOT=$S3 q load -i "$T/D3"
is "store 3: load of skopeo's OCI copy of it" "$st:$out" "0:Loaded image: rt:reoci"
# (skopeo rewrites the config when it converts docker to OCI: compare with what it wrote)
is "store 3: the image ID is skopeo's config digest" "$(row "$S3" rt reoci | cut -d' ' -f2)" \
	"sha256:$(skopeo inspect --raw --config "oci:$T/D3:docker.io/library/rt:reoci" 2>&1 | sha256sum | cut -d' ' -f1)"
QRUN_ROOT=$S3 q unpack rt:redocker "$T/s3"
is "store 3: unpack = store 1's tree" "$st:$(tree "$T/s3")" "0:$(tree "$T/q-rt")"

# --- two images in one archive ----------------------------------------------------------------
q save -o "$T/two.tar" rt:1 other:2
is "save of two images" "$st:$out" "0:"
is "skopeo finds the first" \
	"$(skopeo inspect "oci-archive:$T/two.tar:docker.io/library/rt:1" 2>&1 | jq -r .Digest 2>&1)" "$MAN"
is "skopeo finds the second" \
	"$(skopeo inspect "oci-archive:$T/two.tar:docker.io/library/other:2" 2>&1 | jq -r .Digest 2>&1)" "$MAN2"
QRUN_ROOT=$T/store4 q load -i "$T/two.tar"
is "load of the two-image archive" "$st:$(sort <<<"$out")" "0:Loaded image: other:2
Loaded image: rt:1"
is "store 4: other:2 keeps its digests" "$(row "$T/store4" other 2)" "$MAN2 $CFG2"
q save --format docker-archive -o "$T/two-d.tar" rt:1 other:2
is "save of two images as docker-archive" "$st:$out" "0:"
is "its manifest.json has both" \
	"$(tar -xOf "$T/two-d.tar" manifest.json 2>&1 | jq -c '[.[].RepoTags[]] | sort' 2>&1)" '["other:2","rt:1"]'
ok "skopeo reads its second image" skopeo inspect "docker-archive:$T/two-d.tar:@1"
QRUN_ROOT=$T/store5 q load -i "$T/two-d.tar"
is "load of the two-image docker-archive" "$st:$(sort <<<"$out")" "0:Loaded image: other:2
Loaded image: rt:1"
is "store 5: other:2 has its image ID" "$(row "$T/store5" other 2 | cut -d' ' -f2)" "$CFG2"

# --- a multi-platform index ---------------------------------------------------------------------
q save -o "$T/multi.tar" multi:3
is "save of a multi-platform image" "$st:$out" "0:"
is "skopeo sees the index, both platforms" \
	"$(skopeo inspect --raw "oci-archive:$T/multi.tar:docker.io/library/multi:3" 2>&1 | sha256sum | cut -d' ' -f1)" \
	"${IDX#sha256:}"
ok "skopeo copy --all of it works (every blob is there)" \
	skopeo copy -q --all "oci-archive:$T/multi.tar:docker.io/library/multi:3" "oci:$T/M:docker.io/library/multi:3"
QRUN_ROOT=$T/store6 q load -i "$T/multi.tar"
is "load of the saved index" "$st:$out" "0:Loaded image: multi:3"
like "store 6: the index's ID" "$("$QRUN" --root "$T/store6" images 2>&1)" "^multi +3 +${IDX:7:12} "
QRUN_ROOT=$T/store6 q unpack --platform linux/arm/v7 multi:3 "$T/m-arm"
is "store 6: the armhf member unpacks" "$st:$(cmp "$T/m-arm/bin/busybox" "$bbarm/bin/busybox" && echo same)" "0:same"

# --- save to stdout, into load ------------------------------------------------------------------
"$QRUN" save rt:1 2>"$T/save.err" | QRUN_ROOT=$T/store7 "$QRUN" load >"$T/load.out" 2>"$T/load.err"
is "save | load: exit statuses" "${PIPESTATUS[*]}" "0 0"
is "save | load: the Loaded line" "$(cat "$T/load.out")" "Loaded image: rt:1"
is "save | load: no stderr" "$(cat "$T/save.err" "$T/load.err")" ""
is "save | load: same digests" "$(row "$T/store7" rt 1)" "$MAN $CFG"
"$QRUN" save --format docker-archive other:2 2>"$T/save.err" |
	QRUN_ROOT=$T/store7 "$QRUN" load -i - >"$T/load.out" 2>"$T/load.err"
is "save --format docker-archive | load -i -: exit statuses" "${PIPESTATUS[*]}" "0 0"
is "save --format docker-archive | load -i -: the Loaded line" "$(cat "$T/load.out")" "Loaded image: other:2"
is "save --format docker-archive | load -i -: same image ID" \
	"$(row "$T/store7" other 2 | cut -d' ' -f2)" "$CFG2"
"$QRUN" save rt:1 >"$T/stdout.tar" 2>/dev/null
is "save to stdout writes the archive" \
	"$(skopeo inspect "oci-archive:$T/stdout.tar:docker.io/library/rt:1" 2>&1 | jq -r .Digest 2>&1)" "$MAN"

# --- errors -------------------------------------------------------------------------------------
q save -o "$T/nosuch.tar" nosuch:1
is "save of an unknown image: exit 125" "$st" 125
like "save of an unknown image: one qrun: line" "$err" "^qrun: .*no such image"
is "save of an unknown image: no file left behind" "$(ls "$T"/nosuch.tar 2>/dev/null)" ""
q save -o "$T/partial.tar" rt:1 nosuch:1
is "save of one known and one unknown image fails, leaves no file" \
	"$st:$(ls "$T"/partial.tar 2>/dev/null)" "125:"
q save --format tarball -o "$T/badfmt.tar" rt:1
is "save --format of an unknown format fails" "$st:$(ls "$T"/badfmt.tar 2>/dev/null)" "125:"

done_testing
