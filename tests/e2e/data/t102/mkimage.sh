# OCI image layouts from layer tarballs, for the image-store tests (t102, t103). Source it.
# Only sha256sum, gzip/zstd (to compute diff_ids) and printf: so that deliberately broken
# layouts (wrong digest, wrong size, missing blob, wrong JSON shape) can be made too, which
# skopeo would refuse to write.
#
#   mkimage LAYOUT REF LAYER...
#       adds an image to LAYOUT (created when missing): the layers as blobs (media type from
#       the compression: tar, tar+gzip or tar+zstd), a config whose diff_ids are the sha256 of
#       each uncompressed layer, a manifest, and an index.json entry with the annotation
#       org.opencontainers.image.ref.name=REF. Sets MK_CONFIG, MK_MANIFEST (digest hex),
#       MK_MANIFEST_SIZE, MK_LAYERS and MK_DIFF_IDS (hex, space separated).
#   Overrides for broken images (variables, all optional, usually set for one call):
#       MKI_CONFIG_JSON   the config's bytes, verbatim
#       MKI_DIFF_IDS      diff_id hex list to write instead of the computed one
#       MKI_LAYER_SIZES   sizes to write in the manifest's layer descriptors
#       MKI_LAYER_DIGESTS digest hex list to write in the layer descriptors
#       MKI_MANIFEST_JSON the manifest's bytes, verbatim
#   oci_put LAYOUT FILE    copy FILE into LAYOUT's blobs; prints its digest hex
#   oci_put_text LAYOUT TEXT
#   chain_id DIFFID...     the OCI ChainID (hex) of a list of diff_id hexes
#   layer_diff_id FILE     sha256 hex of FILE uncompressed
#   layer_media_type FILE

# shellcheck disable=SC2034 # MK_* are for the caller
oci_sha() { sha256sum "$1" | cut -d' ' -f1; }
oci_size() { stat -c %s "$1"; }

oci_init() {
	mkdir -p "$1/blobs/sha256"
	[ -f "$1/oci-layout" ] || printf '{"imageLayoutVersion":"1.0.0"}' >"$1/oci-layout"
	[ -f "$1/index.json" ] || printf '{"schemaVersion":2,"manifests":[]}' >"$1/index.json"
}

oci_put() {
	local h
	h=$(oci_sha "$2")
	cp "$2" "$1/blobs/sha256/$h"
	printf '%s\n' "$h"
}

oci_put_text() {
	local tmp="$1/.put.$$" h
	printf '%s' "$2" >"$tmp"
	h=$(oci_sha "$tmp")
	mv "$tmp" "$1/blobs/sha256/$h"
	printf '%s\n' "$h"
}

# layer_cat FILE: the uncompressed tar, by magic bytes.
layer_cat() {
	case $(od -An -tx1 -N4 "$1" | tr -d ' \n') in
	1f8b*) gzip -dc "$1" 2>/dev/null ;;
	28b52ffd) zstd -qdc "$1" 2>/dev/null ;;
	*) cat "$1" ;;
	esac
}

layer_diff_id() { layer_cat "$1" | sha256sum | cut -d' ' -f1; }

layer_media_type() {
	case $(od -An -tx1 -N4 "$1" | tr -d ' \n') in
	1f8b*) echo application/vnd.oci.image.layer.v1.tar+gzip ;;
	28b52ffd) echo application/vnd.oci.image.layer.v1.tar+zstd ;;
	*) echo application/vnd.oci.image.layer.v1.tar ;;
	esac
}

chain_id() {
	local c=$1 d
	shift
	for d in "$@"; do
		c=$(printf 'sha256:%s sha256:%s' "$c" "$d" | sha256sum | cut -d' ' -f1)
	done
	printf '%s\n' "$c"
}

mkimage() {
	local layout=$1 ref=$2 l i h cfg mf sizes digests diffs=() descs='' ids='' hist='' cfgjson
	shift 2
	oci_init "$layout"
	MK_LAYERS=
	for l in "$@"; do
		h=$(oci_put "$layout" "$l")
		MK_LAYERS+="${MK_LAYERS:+ }$h"
		diffs+=("$(layer_diff_id "$l")")
	done
	[ -n "${MKI_DIFF_IDS:-}" ] && read -r -a diffs <<<"$MKI_DIFF_IDS"
	for h in "${diffs[@]}"; do
		ids+="${ids:+,}\"sha256:$h\""
		hist+="${hist:+,}{\"created\":\"2020-09-13T12:26:40Z\",\"created_by\":\"mklayer\"}"
	done
	MK_DIFF_IDS=${diffs[*]}
	cfgjson=${MKI_CONFIG_JSON:-$(printf '{"created":"2020-09-13T12:26:40Z","architecture":"amd64","os":"linux","config":{"Env":["PATH=/usr/bin:/bin"],"Cmd":["/bin/sh"]},"rootfs":{"type":"layers","diff_ids":[%s]},"history":[%s]}' "$ids" "$hist")}
	cfg=$(oci_put_text "$layout" "$cfgjson")
	MK_CONFIG=$cfg
	read -r -a sizes <<<"${MKI_LAYER_SIZES:-}"
	read -r -a digests <<<"${MKI_LAYER_DIGESTS:-}"
	i=0
	for l in "$@"; do
		h=${digests[$i]:-$(oci_sha "$l")}
		descs+="${descs:+,}$(printf '{"mediaType":"%s","digest":"sha256:%s","size":%s}' \
			"$(layer_media_type "$l")" "$h" "${sizes[$i]:-$(oci_size "$l")}")"
		i=$((i + 1))
	done
	mf=$(oci_put_text "$layout" "${MKI_MANIFEST_JSON:-$(printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[%s]}' \
		"$cfg" "$(oci_size "$layout/blobs/sha256/$cfg")" "$descs")}")
	MK_MANIFEST=$mf
	MK_MANIFEST_SIZE=$(oci_size "$layout/blobs/sha256/$mf")
	oci_index_add "$layout" "$mf" "$MK_MANIFEST_SIZE" "$ref"
}

# oci_index_add LAYOUT MANIFEST_HEX SIZE REF: one more entry in index.json (written by us, so
# its shape is known: the entries end with "]}").
oci_index_add() {
	local idx="$1/index.json" entry old
	entry=$(printf '{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"annotations":{"org.opencontainers.image.ref.name":"%s"}}' \
		"$2" "$3" "$4")
	old=$(cat "$idx")
	old=${old%]\}}
	if [ "${old: -1}" = "[" ]; then
		printf '%s%s]}' "$old" "$entry" >"$idx"
	else
		printf '%s,%s]}' "$old" "$entry" >"$idx"
	fi
}
