#!/bin/bash
# qrun push to Debian's docker-registry on 127.0.0.1 over TLS (issue 15), with skopeo as the
# other client: a one-platform image and a two-platform index go in; skopeo reads back the
# very manifest bytes of the store and copies the image out with byte-identical blobs; a second
# push sends no blob again; qrun pulls what it pushed; a push to another repository of the
# registry mounts the blobs from the image's own (cross-repository mount); an htpasswd registry
# needs a login; an unknown image is one line.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/data/t101/images.sh"
. "$(dirname "$0")/data/t6xx/registry.sh"

require_cmd docker-registry skopeo openssl curl python3 jq htpasswd
fixture bb64 busybox amd64
fixture bbarm busybox arm64

ski() { skopeo inspect --cert-dir "$T/pki/skopeo-certs" "$@"; } # skopeo inspect, trusting the CA
skc() { skopeo copy -q --src-cert-dir "$T/pki/skopeo-certs" "$@" >/dev/null; }

reg_pki || skip_all "openssl cannot make test certificates"
mkdir -p "$T/pki/skopeo-certs" && cp "$T/pki/ca.crt" "$T/pki/skopeo-certs/"
mk_tar "$bb64" "$T/amd64.tar"
mk_tar "$bbarm" "$T/arm64.tar"
mkdir -p "$T/extra" && echo "pushed layer" >"$T/extra/hello.txt" && mk_tar "$T/extra" "$T/extra.tar"
mk_image "$T/lay" push:1 amd64 '' gzip "$T/amd64.tar" "$T/extra.tar"
amd_desc=$MK_DESC amd_manifest=$MK_MANIFEST
mk_image "$T/lay" - arm64 v8 gzip "$T/arm64.tar" "$T/extra.tar"
mk_index "$T/lay" multi:1 "$amd_desc" "$MK_DESC"
multi_index=$MK_INDEX
ok "the images load" "$QRUN" load -i "$T/lay"

reg_start open none || skip_all "docker-registry did not start: $(tail -3 "$T/open/registry.log")"
reg_trust "$REG"

q push push:1 "$REG/test/push:1"
is "push exits 0" "$st" 0
is "... one 'Pushed' line per layer" "$(grep -c ': Pushed$' <<<"$out")" 2
like "... and docker's closing line" "$out" "^1: digest: $amd_manifest size: [0-9]+\$"
is "skopeo reads the manifest back byte for byte" \
	"$(ski --raw "docker://$REG/test/push:1" | sha256sum | cut -d' ' -f1)" "${amd_manifest#sha256:}"
ok "skopeo copies the image out" skc "docker://$REG/test/push:1" "oci:$T/out:x"
is "... with byte-identical blobs" \
	"$(cd "$T/out/blobs/sha256" 2>/dev/null || echo "no blobs copied"; for f in *; do [ -f "$T/lay/blobs/sha256/$f" ] && cmp -s "$f" "$T/lay/blobs/sha256/$f" || echo "$f"; done)" ""
q push push:1 "docker://$REG/test/push:1"
is "a second push sends no blob (docker:// accepted)" "$(grep -c ': Pushed$' <<<"$out"):$st" "0:0"
like "... saying the layers exist" "$out" '^[0-9a-f]{12}: Layer already exists$'

patches=$(grep -c '"PATCH ' "$T/open/registry.log")
q push --chunk-size 100000 push:1 "$REG/test/chunked:1"
is "a chunked push (--chunk-size 100000)" "$st:$(grep -c ': Pushed$' <<<"$out")" "0:2"
layer_bytes=$(stat -c %s "$T"/lay/blobs/sha256/"$(jq -r '.layers[0].digest' "$T/lay/blobs/sha256/${amd_manifest#sha256:}" | cut -d: -f2)")
is "... sends the big layer in PATCH chunks" \
	"$(($(grep -c '"PATCH ' "$T/open/registry.log") - patches))" "$(((layer_bytes + 99999) / 100000))"
ok "... and skopeo copies it out" skc "docker://$REG/test/chunked:1" "oci:$T/out2:x"
is "... byte-identical" \
	"$(cd "$T/out2/blobs/sha256" 2>/dev/null || echo "no blobs copied"; for f in *; do cmp -s "$f" "$T/lay/blobs/sha256/$f" || echo "$f"; done)" ""

q push multi:1 "$REG/test/multi:1"
is "push of a two-platform index" "$st" 0
is "skopeo reads the index back byte for byte" \
	"$(ski --raw "docker://$REG/test/multi:1" | sha256sum | cut -d' ' -f1)" "${multi_index#sha256:}"
is "... and the arm64 image in it" \
	"$(skopeo --override-arch arm64 inspect --cert-dir "$T/pki/skopeo-certs" "docker://$REG/test/multi:1" | jq -r .Architecture)" arm64
"$QRUN" rmi multi:1 push:1 >/dev/null 2>&1
"$QRUN" prune >/dev/null 2>&1
q pull -q --platform linux/arm64 "$REG/test/multi:1"
q run --rm "$REG/test/multi:1" /bin/busybox cat /hello.txt
is "qrun pulls what it pushed (arm64) and runs it" "$st:$out" "0:pushed layer"

q push "$REG/test/multi:1" "$REG/test/copy:1"
is "a push to another repository of the same registry" "$st" 0
is "... mounts both layers from the image's repository" \
	"$(grep -c ': Mounted from test/multi$' <<<"$out"):$(grep -c ': Pushed$' <<<"$out")" "2:0"
is "... and the registry serves it" "$(ski --raw "docker://$REG/test/copy:1" | jq -r '.layers | length')" 2

q push nosuch:1 "$REG/test/x:1"
is "push of an unknown image fails in one line" "$st:$(grep -c '' <<<"$err")" "125:1"
like "... naming it" "$err" "^qrun: image 'nosuch:1': no such image"

# --- with authentication ------------------------------------------------------------------------
img=$REG/test/multi:1 # the arm64 image pulled above
reg_start auth htpasswd || skip_all "docker-registry (htpasswd) did not start"
reg_trust "$REG"
q push "$img" "$REG/test/push:1"
is "push without login is refused" "$st" 125
like "... in one line suggesting a login" "$err" "^qrun: registry '$REG': repository 'test/push': .*qrun login"
"$QRUN" login -u "$REG_USER" --password-stdin "$REG" <"$T/pki/password" >/dev/null 2>&1
q push "$img" "$REG/test/push:1"
is "push after login" "$st" 0
is "... the registry has it" "$(ski --raw --authfile "$XDG_RUNTIME_DIR/containers/auth.json" \
	"docker://$REG/test/push:1" | jq -r .mediaType)" application/vnd.oci.image.manifest.v1+json

done_testing
