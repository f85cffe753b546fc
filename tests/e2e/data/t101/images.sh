# Image fixture builders shared by the 1xx store tests (t101, t104, t105). Sourced after
# lib.sh. Everything is made at test time, by hand, from tar(1), gzip/zstd and jq, so the
# digests are known independently of qrun (and of skopeo, which converts these layouts into
# the other formats).
#
#   mk_tar SRC OUT                    reproducible tar of the tree SRC (root-owned, sorted)
#   mk_image LAYOUT REF ARCH VARIANT COMP TAR...
#                                     add a one-platform image (one layer per TAR; COMP gzip,
#                                     zstd or none) to the OCI layout LAYOUT; REF "-" = no
#                                     index.json entry. Sets MK_MANIFEST (sha256:...),
#                                     MK_CONFIG (sha256:...), MK_DESC (manifest descriptor
#                                     JSON with platform), MK_DIFF_IDS (JSON array).
#   mk_index LAYOUT REF DESC...       add an image index of the given descriptors under REF.
#                                     Sets MK_INDEX (sha256:...).
#   mk_docker_legacy OUT REPOTAG CONFIG TAR...   legacy `docker save` archive (<id>/layer.tar)
#   mk_docker25 OUT REPOTAG LAYOUT MANIFEST      docker 25+ archive from a one-image layout
#                                     with uncompressed layers
#   sha FILE                          hex sha256 of FILE
#   blob_walk STORE                   print every blob reachable from STORE/index.json
#   store_state STORE                 listing of a store (paths, sizes, sha of index.json)
#                                     without the lock files, to compare before/after

sha() { sha256sum "$1" | cut -d' ' -f1; }

mk_tar() {
	local src=$1 out=$2
	(cd "$src" && tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@1700000000 \
		-cf "$out" -- $(ls -A))
}

# _blob LAYOUT FILE: move FILE into the layout's blobs; prints its hex digest.
_blob() {
	local h
	h=$(sha "$2")
	mkdir -p "$1/blobs/sha256"
	mv -f "$2" "$1/blobs/sha256/$h"
	echo "$h"
}

_layout_init() {
	mkdir -p "$1/blobs/sha256"
	[ -f "$1/oci-layout" ] || echo '{"imageLayoutVersion":"1.0.0"}' >"$1/oci-layout"
	[ -f "$1/index.json" ] || echo '{"schemaVersion":2,"manifests":[]}' >"$1/index.json"
}

# _index_add LAYOUT DESC REF: append DESC to index.json with ref.name REF.
_index_add() {
	jq -c --argjson d "$2" --arg r "$3" \
		'.manifests += [$d + {annotations: {"org.opencontainers.image.ref.name": $r}}]' \
		"$1/index.json" >"$1/index.json.new" && mv "$1/index.json.new" "$1/index.json"
}

mk_image() {
	local lay=$1 ref=$2 arch=$3 variant=$4 comp=$5
	shift 5
	local t h mt layers='[]' diffs='[]' n=0 size
	_layout_init "$lay"
	for t in "$@"; do
		n=$((n + 1))
		diffs=$(jq -c --arg d "sha256:$(sha "$t")" '. + [$d]' <<<"$diffs")
		case $comp in
		gzip) gzip -n -c "$t" >"$lay/.l"; mt=application/vnd.oci.image.layer.v1.tar+gzip ;;
		zstd) zstd -q -c "$t" >"$lay/.l"; mt=application/vnd.oci.image.layer.v1.tar+zstd ;;
		none) cp "$t" "$lay/.l"; mt=application/vnd.oci.image.layer.v1.tar ;;
		esac
		size=$(stat -c %s "$lay/.l")
		h=$(_blob "$lay" "$lay/.l")
		layers=$(jq -c --arg mt "$mt" --arg d "sha256:$h" --argjson s "$size" \
			'. + [{mediaType: $mt, digest: $d, size: $s}]' <<<"$layers")
	done
	jq -cn --arg a "$arch" --arg v "$variant" --argjson ids "$diffs" --arg ref "$ref" '
		{created: "2024-01-02T03:04:05Z", architecture: $a, os: "linux"}
		+ (if $v == "" then {} else {variant: $v} end)
		+ {config: {Env: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"], Cmd: ["/bin/sh"],
		            Labels: {"qrun.test.ref": $ref}},
		   rootfs: {type: "layers", diff_ids: $ids},
		   history: [$ids[] | {created: "2024-01-02T03:04:05Z", created_by: "t101 layer"}]}' \
		>"$lay/.c"
	size=$(stat -c %s "$lay/.c")
	h=$(_blob "$lay" "$lay/.c")
	MK_CONFIG=sha256:$h
	MK_DIFF_IDS=$diffs
	jq -cn --arg c "$MK_CONFIG" --argjson s "$size" --argjson l "$layers" \
		'{schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
		  config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $c, size: $s},
		  layers: $l}' >"$lay/.m"
	size=$(stat -c %s "$lay/.m")
	h=$(_blob "$lay" "$lay/.m")
	MK_MANIFEST=sha256:$h
	MK_DESC=$(jq -cn --arg d "$MK_MANIFEST" --argjson s "$size" --arg a "$arch" --arg v "$variant" \
		'{mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $d, size: $s,
		  platform: ({architecture: $a, os: "linux"} + (if $v == "" then {} else {variant: $v} end))}')
	[ "$ref" = - ] || _index_add "$lay" "$MK_DESC" "$ref"
}

mk_index() {
	local lay=$1 ref=$2 size h
	shift 2
	_layout_init "$lay"
	printf '%s\n' "$@" | jq -cs \
		'{schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: .}' \
		>"$lay/.i"
	size=$(stat -c %s "$lay/.i")
	h=$(_blob "$lay" "$lay/.i")
	MK_INDEX=sha256:$h
	_index_add "$lay" "$(jq -cn --arg d "$MK_INDEX" --argjson s "$size" \
		'{mediaType: "application/vnd.oci.image.index.v1+json", digest: $d, size: $s}')" "$ref"
}

mk_docker_legacy() {
	local out=$1 repotag=$2 cfg=$3 st t lid parent="" layers='[]'
	shift 3
	st=$(mktemp -d "$T/legacy.XXXXXX")
	cp "$cfg" "$st/$(sha "$cfg").json"
	for t in "$@"; do
		lid=$(printf '%s %s' "$parent" "$(sha "$t")" | sha256sum | cut -d' ' -f1)
		mkdir "$st/$lid"
		cp "$t" "$st/$lid/layer.tar"
		printf '1.0' >"$st/$lid/VERSION"
		printf '{"id":"%s"%s,"created":"2024-01-02T03:04:05Z"}' "$lid" \
			"${parent:+,\"parent\":\"$parent\"}" >"$st/$lid/json"
		layers=$(jq -c --arg l "$lid/layer.tar" '. + [$l]' <<<"$layers")
		parent=$lid
	done
	jq -cn --arg c "$(sha "$cfg").json" --arg r "$repotag" --argjson l "$layers" \
		'[{Config: $c, RepoTags: [$r], Layers: $l}]' >"$st/manifest.json"
	jq -cn --arg n "${repotag%:*}" --arg t "${repotag##*:}" --arg l "$lid" \
		'{($n): {($t): $l}}' >"$st/repositories"
	(cd "$st" && tar --sort=name --owner=0 --group=0 --numeric-owner -cf "$out" -- *)
	rm -rf "$st"
}

mk_docker25() {
	local out=$1 repotag=$2 lay=$3 man=$4 st name
	st=$(mktemp -d "$T/d25.XXXXXX")
	cp -a "$lay/." "$st/"
	name=$repotag
	case $name in
	*/*) case ${name%%/*} in *.* | *:* | localhost) ;; *) name=docker.io/$name ;; esac ;;
	*) name=docker.io/library/$name ;;
	esac
	jq -cn --arg m "$man" --arg n "$name" --arg t "${repotag##*:}" \
		--argjson s "$(stat -c %s "$lay/blobs/sha256/${man#sha256:}")" \
		'{schemaVersion: 2, manifests: [{mediaType: "application/vnd.oci.image.manifest.v1+json",
		  digest: $m, size: $s,
		  annotations: {"io.containerd.image.name": $n, "org.opencontainers.image.ref.name": $t}}]}' \
		>"$st/index.json"
	jq -c --arg r "$repotag" '[{Config: ("blobs/sha256/" + (.config.digest | ltrimstr("sha256:"))),
		RepoTags: [$r], Layers: [.layers[].digest | "blobs/sha256/" + ltrimstr("sha256:")]}]' \
		"$lay/blobs/sha256/${man#sha256:}" >"$st/manifest.json"
	(cd "$st" && tar --sort=name --owner=0 --group=0 --numeric-owner -cf "$out" -- *)
	rm -rf "$st"
}

# blob_walk STORE: every blob digest (hex) reachable from index.json, one per line (sorted,
# unique). Follows indexes and manifests; configs and layers are leaves.
blob_walk() {
	jq -r '.manifests[].digest' "$1/index.json" | while read -r d; do _walk "$1" "$d"; done | sort -u
}
_walk() { # STORE DIGEST: the blob, and what it refers to when it is an index or a manifest
	local f=$1/blobs/sha256/${2#sha256:} d
	echo "${2#sha256:}"
	[ -f "$f" ] || return 0
	jq -r 'if type != "object" then empty
		elif has("manifests") then .manifests[].digest
		elif has("layers") then "=" + .config.digest, "=" + .layers[].digest
		else empty end' "$f" 2>/dev/null | while read -r d; do
		case $d in
		=*) d=${d#=}; echo "${d#sha256:}" ;;
		*) _walk "$1" "$d" ;;
		esac
	done
}

store_state() {
	(cd "$1" && find . -path ./lock -prune -o -path ./index.lock -prune -o -printf '%y %s %p\n' |
		sort && sha256sum index.json)
}
