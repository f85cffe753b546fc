#!/bin/bash
# Registries that answer badly (issue 15), played by tests/tools/fake-registry.py on
# 127.0.0.1 over TLS: a corrupted blob, a truncated one, a wrong Content-Length, a manifest
# over 4 MiB, a schema 1 manifest, a redirect loop, a 401 without a challenge each give one
# line naming registry, repository and object, and leave the store as it was; 503s are tried
# again; a redirect to another host gets no Authorization; a killed pull leaves its partial
# blob (and no password shows in ps meanwhile), and the next pull asks only for the missing
# bytes (HTTP Range).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/data/t101/images.sh"
. "$(dirname "$0")/data/t6xx/registry.sh"

require_cmd openssl curl python3 jq
fixture bb64 busybox amd64

reg_pki || skip_all "openssl cannot make test certificates"
mk_tar "$bb64" "$T/amd64.tar"
FAKE_LAYOUT=$T/lay
mk_image "$FAKE_LAYOUT" amd amd64 '' gzip "$T/amd64.tar"
layer=$(jq -r '.layers[0].digest' "$FAKE_LAYOUT/blobs/sha256/${MK_MANIFEST#sha256:}")
layer_size=$(jq -r '.layers[0].size' "$FAKE_LAYOUT/blobs/sha256/${MK_MANIFEST#sha256:}")
"$QRUN" images >/dev/null 2>&1

# hostile MODE DESC REGEX: a pull from the fake registry in MODE fails cleanly.
hostile() {
	fake_start "$1" -- || { skip "$2" "the fake registry did not start"; return; }
	fails_clean "$2" "registry '$FAKE': repository 'test/bb': $3" pull "$FAKE/test/bb:amd"
	fake_stop
}

hostile corrupt-blob "a corrupted layer is refused" "layer $layer: content does not match its digest"
hostile truncated-blob "a truncated layer (connection closed) is refused after retries" \
	"layer $layer: .*(closed|partial|remaining)"
hostile short-length "a wrong Content-Length (one byte short) is refused" \
	"layer $layer: size is $((layer_size - 1)) bytes, the manifest says $layer_size"
hostile big-manifest "a manifest over 4 MiB is refused" "manifest 'amd': larger than 4 MiB, refused"
hostile schema1 "a docker schema 1 manifest is refused" "manifest 'amd' is a docker schema 1 manifest"
hostile redirect-loop "a redirect loop ends" "(config|layer) sha256:[0-9a-f]{64}: .*[Rr]edirect"
hostile unauth-nochallenge "a 401 without a challenge is refused" \
	"access refused \\(401\\) without an authentication challenge"
is "no partial blob is left behind by any of them" "$(ls -A "$QRUN_ROOT/tmp")" ""

# --- retries --------------------------------------------------------------------------------
fake_start flaky --
q pull -q "$FAKE/test/bb:amd"
is "503 answers are tried again" "$st:$out" "0:$FAKE/test/bb:amd"
is "... every path twice (503, then 200)" \
	"$(grep -c "GET /v2/test/bb/blobs/$layer " "$FAKE_LOG")" 2
fake_stop
"$QRUN" rmi "$FAKE/test/bb:amd" >/dev/null 2>&1
"$QRUN" prune >/dev/null 2>&1

# --- redirects to blob storage keep the credentials home ------------------------------------
fake_start require-basic redirect-other --
q login -u "$REG_USER" --password-stdin "$FAKE" <"$T/pki/password"
is "login to a Basic-auth registry" "$st:$out" "0:Login Succeeded!"
q pull -q "$FAKE/test/bb:amd"
is "a pull whose blobs redirect to another host works" "$st:$out" "0:$FAKE/test/bb:amd"
like "... the registry got the credentials" "$(cat "$FAKE_LOG")" "GET /v2/test/bb/blobs/$layer .*auth=yes"
like "... the storage host was asked" "$(cat "$FAKE_LOG")" "GET /storage/${layer#sha256:} "
unlike "... without them" "$(cat "$FAKE_LOG")" "GET /storage/.*auth=yes"
fake_stop
"$QRUN" logout "$FAKE" >/dev/null 2>&1
"$QRUN" rmi "$FAKE/test/bb:amd" >/dev/null 2>&1
"$QRUN" prune >/dev/null 2>&1

# --- a killed pull, then a pull again ---------------------------------------------------------
# (run makes containers/ and spares/: not part of the image store)
images_state() { store_state "$QRUN_ROOT" | grep -v -e ' ./containers' -e ' ./spares'; }
before=$(images_state)
fake_start require-basic slow-blob --
"$QRUN" login -u "$REG_USER" --password-stdin "$FAKE" <"$T/pki/password" >/dev/null 2>&1
"$QRUN" pull -q "$FAKE/test/bb:amd" >"$T/killed.out" 2>&1 &
pid=$!
part=$QRUN_ROOT/tmp/pull-${layer#sha256:}.part
for i in $(seq 100); do
	[ -s "$part" ] && break
	sleep 0.1
done
sleep 0.5
ps -eo args >"$T/ps.txt"
like "(ps sees the pull while it runs)" "$(cat "$T/ps.txt")" "pull -q $FAKE/test/bb:amd"
is "... but no password in any command line" "$(grep -c -- "$(cat "$T/pki/password")" "$T/ps.txt")" 0
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
have=$(stat -c %s "$part" 2>/dev/null || echo 0)
ok "a killed pull leaves its partial layer in tmp/ ($have of $layer_size bytes)" \
	test "$have" -gt 0 -a "$have" -lt "$layer_size"
is "... and no image" "$("$QRUN" images --format json | grep -c "$FAKE")" 0
fake_stop
fake_start --
q pull -q "$FAKE/test/bb:amd"
is "the next pull completes" "$st:$out" "0:$FAKE/test/bb:amd"
like "... asking only for the missing bytes" "$(cat "$FAKE_LOG")" \
	"GET /v2/test/bb/blobs/$layer range=bytes=$have- "
unlike "... never for the whole layer" "$(cat "$FAKE_LOG")" "GET /v2/test/bb/blobs/$layer range=- "
is "... and leaves tmp/ empty" "$(ls -A "$QRUN_ROOT/tmp")" ""
is "... with a layer that verifies" "$(sha "$QRUN_ROOT/blobs/sha256/${layer#sha256:}")" "${layer#sha256:}"
q run --rm "$FAKE/test/bb:amd" /bin/busybox echo resumed
is "... which runs" "$st:$out" "0:resumed"
fake_stop
"$QRUN" rmi "$FAKE/test/bb:amd" >/dev/null 2>&1
"$QRUN" prune >/dev/null 2>&1
is "after rmi and prune the store is as before" "$(images_state)" "$before"

done_testing
