#!/bin/bash
# qrun pull from Debian's docker-registry (the reference registry) on 127.0.0.1 with TLS from a
# CA made here (issue 15): skopeo (the second client) pushes busybox images made from the
# fixtures, qrun pulls them (OCI and docker schema 2, one platform of an index or all of them,
# by tag and by digest) and runs them; layers already present are not fetched again;
# run --pull=missing|always|never; a missing tag and an untrusted certificate are one-line
# errors that leave the store as it was.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/data/t101/images.sh"
. "$(dirname "$0")/data/t6xx/registry.sh"

require_cmd docker-registry skopeo openssl curl python3 jq
fixture bb64 busybox amd64
fixture bbarm busybox arm64

# --- images and the registry --------------------------------------------------------------
reg_pki || skip_all "openssl cannot make test certificates"
mk_tar "$bb64" "$T/amd64.tar"
mk_tar "$bbarm" "$T/arm64.tar"
mkdir -p "$T/extra" && echo "second layer" >"$T/extra/hello.txt" && mk_tar "$T/extra" "$T/extra.tar"
mk_image "$T/lay" amd 'amd64' '' gzip "$T/amd64.tar" "$T/extra.tar"
amd_desc=$MK_DESC amd_manifest=$MK_MANIFEST amd_config=$MK_CONFIG
mk_image "$T/lay" arm 'arm64' 'v8' gzip "$T/arm64.tar" "$T/extra.tar"
arm_desc=$MK_DESC
mk_index "$T/lay" multi "$amd_desc" "$arm_desc"
multi_index=$MK_INDEX

reg_start open none || skip_all "docker-registry did not start: $(tail -3 "$T/open/registry.log")"
ok "skopeo pushes an OCI image" reg_push "oci:$T/lay:amd" "$REG/test/bb:oci"
ok "skopeo pushes it as docker schema 2" reg_push "oci:$T/lay:amd" "$REG/test/bb:v2s2" --format v2s2
ok "skopeo pushes a two-platform index" reg_push "oci:$T/lay:multi" "$REG/test/bb:multi" --all

"$QRUN" images >/dev/null 2>&1 # the store exists from here on: compare it before and after

# --- TLS --------------------------------------------------------------------------------------
fails_clean "without the CA the certificate is refused, in one line" \
	"registry '$REG': repository 'test/bb': manifest 'oci': .*certificate" pull "$REG/test/bb:oci"
q pull --tls-verify=false -q "$REG/test/bb:oci"
is "--tls-verify=false pulls anyway, -q prints only the reference" "$st:$out" \
	"0:$REG/test/bb:oci"
"$QRUN" rmi "$REG/test/bb:oci" >/dev/null 2>&1
"$QRUN" prune >/dev/null 2>&1
mkdir -p "$T/certdir" && cp "$T/pki/ca.crt" "$T/certdir/"
q pull -q --cert-dir "$T/certdir" "$REG/test/bb:oci"
is "--cert-dir DIR with the CA is trusted" "$st:$out" "0:$REG/test/bb:oci"
"$QRUN" rmi "$REG/test/bb:oci" >/dev/null 2>&1
"$QRUN" prune >/dev/null 2>&1
reg_trust "$REG"

# --- pull, run --------------------------------------------------------------------------------
q pull "$REG/test/bb:oci"
is "pull of an OCI image exits 0" "$st" 0
like "... prints a line per layer" "$out" '^[0-9a-f]{12}: Pull complete'
like "... the manifest digest" "$out" "^Digest: $amd_manifest\$"
like "... and the reference last" "$(tail -1 <<<"$out")" "^$REG/test/bb:oci\$"
is "... and nothing on stderr" "$err" ""
# image_id REF: the ID `qrun images --no-trunc` shows for REF.
image_id() {
	"$QRUN" images --no-trunc --format json 2>&1 |
		jq -r --arg r "${1%:*}" --arg t "${1##*:}" 'select(.Repository == $r and .Tag == $t) | .ID'
}
is "images lists it with its config as ID" "$(image_id "$REG/test/bb:oci")" "$amd_config"
is "every blob of the store verifies" \
	"$(cd "$QRUN_ROOT/blobs/sha256" && for f in *; do [ "$(sha "$f")" = "$f" ] || echo "$f"; done)" ""
is "the store's tmp/ is empty" "$(ls -A "$QRUN_ROOT/tmp")" ""
q run --rm "$REG/test/bb:oci" /bin/cat /hello.txt
is "run of the pulled image sees both layers" "$st:$out" "0:second layer"

q pull "$REG/test/bb:oci"
like "a second pull fetches nothing" "$out" '^Status: Image is up to date'
like "... and says the layers exist" "$out" '^[0-9a-f]{12}: Already exists'
unlike "... and completes none" "$out" 'Pull complete'

q pull -q "$REG/test/bb:v2s2"
is "a docker schema 2 manifest pulls" "$st:$out" "0:$REG/test/bb:v2s2"
is "... with the same config (image ID)" \
	"$(image_id "$REG/test/bb:v2s2")" "$amd_config"

q pull -q "$REG/test/bb@$amd_manifest"
is "a pull by digest works" "$st:$out" "0:$REG/test/bb@$amd_manifest"

# --- platforms -------------------------------------------------------------------------------
q pull -q --platform linux/arm64 "$REG/test/bb:multi"
is "pull --platform linux/arm64 of an index" "$st:$out" "0:$REG/test/bb:multi"
q run --rm "$REG/test/bb:multi" /bin/busybox uname -m
is "... runs the arm64 image (qemu-user)" "$st:$out" "0:aarch64"
q pull -q --platform linux/amd64 "$REG/test/bb:multi"
q run --rm "$REG/test/bb:multi" /bin/busybox uname -m
is "pull --platform linux/amd64 replaces it with the amd64 image" "$st:$out" "0:x86_64"
fails_clean "a platform the index lacks is refused" "no linux/s390x variant; it offers linux/amd64, linux/arm64" \
	pull --platform linux/s390x "$REG/test/bb:multi"
q pull -q --all-platforms "$REG/test/bb:multi"
is "--all-platforms pulls the index" "$st:$out" "0:$REG/test/bb:multi"
is "... which is the image's ID" \
	"$(image_id "$REG/test/bb:multi")" "$multi_index"
q run --rm --platform linux/arm64 "$REG/test/bb:multi" /bin/busybox uname -m
is "... and runs either platform" "$st:$out" "0:aarch64"

# --- errors ----------------------------------------------------------------------------------
fails_clean "a missing tag is one line naming registry, repository and tag" \
	"registry '$REG': repository 'test/bb': manifest 'nosuch': not found \\(404\\)" \
	pull "$REG/test/bb:nosuch"
fails_clean "a missing repository too" "repository 'test/none': manifest 'latest': not found" \
	pull "$REG/test/none"
fails_clean "a bad reference" "pull 'Bad/Name'" pull Bad/Name

# --- run --pull -------------------------------------------------------------------------------
"$QRUN" rmi "$REG/test/bb:oci" >/dev/null 2>&1
"$QRUN" prune >/dev/null 2>&1
fails_clean "run --pull=never of a missing image" "no such image" \
	run --rm --pull=never "$REG/test/bb:oci" /bin/true
q run --rm "$REG/test/bb:oci" /bin/cat /hello.txt
is "run pulls a missing image (--pull=missing is the default)" "$st:$out" "0:second layer"
like "... saying so on stderr" "$err" "Unable to find image '$REG/test/bb:oci' locally"
q run --rm --pull=always "$REG/test/bb:oci" /bin/true
is "run --pull=always pulls again" "$st" 0
like "... and finds it up to date" "$err" "Image is up to date"
fails_clean "create --pull=bogus is refused" "--pull 'bogus'" create --pull=bogus "$REG/test/bb:oci"

# --- several pulls of one image at once share its blobs -------------------------------------
"$QRUN" rmi "$REG/test/bb:oci" "$REG/test/bb:v2s2" "$REG/test/bb:multi" >/dev/null 2>&1
"$QRUN" prune >/dev/null 2>&1
pids=()
for i in 1 2 3; do
	"$QRUN" pull -q "$REG/test/bb:oci" >"$T/par$i.out" 2>&1 &
	pids+=($!)
done
wait "${pids[@]}"
is "three pulls at once all succeed" "$(cat "$T"/par*.out | sort -u)" "$REG/test/bb:oci"
is "... every blob verifies" \
	"$(cd "$QRUN_ROOT/blobs/sha256" && for f in *; do [ "$(sha "$f")" = "$f" ] || echo "$f"; done)" ""
is "... and tmp/ is empty" "$(ls -A "$QRUN_ROOT/tmp")" ""

done_testing
