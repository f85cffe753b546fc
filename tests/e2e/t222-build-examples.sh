#!/bin/bash
# The build files in examples/ (issue 14) build here, in Debian 12 images made at test time
# (tests/e2e/debian.sh) with local apt repositories of the .debs they need: a C program
# compiled in an armhf stage (gcc under qemu-arm) and copied into a scratch image, a Python
# app, and a busybox image for two platforms. Reproducible: built with --no-cache, then with
# the cache, here and in a second store, gives one digest; the root run leaves its digests
# in $QRUN_BUILD and the unprivileged run must get the same ones.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/debian.sh"
fixture BB busybox amd64
fixture BA busybox arm64
require_cmd dpkg-scanpackages apt-get skopeo

EX=$QRUN_SRC/examples
export SOURCE_DATE_EPOCH=1700000000
APT='deb [trusted=yes] file:/repo ./'

stores=$QRUN_ROOT
[ "$(id -u)" = 0 ] && stores="$stores $T/store2"
for store in $stores; do
	QRUN_ROOT=$store debian_image amd64 debian:bookworm
	QRUN_ROOT=$store debian_image armhf debian-armhf:bookworm
done

# build3 CONTEXT ARGS...: build twice (no cache, then cached) into this test's store and, as
# root, once into a second one; echo the image id when all agree, else what differed.
build3() {
	local ctx=$1 a b c
	shift
	a=$("$QRUN" build -q --no-cache "$@" "$ctx" 2>"$T/build.err" | tail -1)
	[ -n "$a" ] || { echo "FAILED: $(tail -3 "$T/build.err")"; return; }
	b=$("$QRUN" build -q "$@" "$ctx" 2>&1 | tail -1)
	# the second store: root's run makes one; the user's store is the other one for root's
	# digest (same_as_root), which keeps make check inside its time
	if [ "$(id -u)" = 0 ]; then
		c=$(QRUN_ROOT=$T/store2 "$QRUN" build -q --no-cache "$@" "$ctx" 2>&1 | tail -1)
	else
		c=$a
	fi
	if [ "$a" = "$b" ] && [ "$a" = "$c" ]; then echo "$a"; else echo "DIFFER: $a $b $c"; fi
}

same_as_root() { # NAME ID
	local f=$QRUN_BUILD/t222-$1-0
	if [ "$(id -u)" = 0 ]; then
		echo "$2" >"$f" && chmod a+r "$f"
	elif [ -f "$f" ]; then
		is "$1: a normal user builds the image root built" "$2" "$(cat "$f")"
	fi
}

# --- busybox for two platforms ---------------------------------------------------------------
mkdir -p "$T/mp"
cp "$EX/busybox-multiplatform/Containerfile" "$T/mp/"
cp "$BB/bin/busybox" "$T/mp/busybox-amd64"
cp "$BA/bin/busybox" "$T/mp/busybox-arm64"
mp=$(build3 "$T/mp" --platform linux/amd64,linux/arm64 -t bb-multi:1)
like "busybox-multiplatform: one digest, cached or not, in two stores" "$mp" '^[0-9a-f]{64}$'
same_as_root busybox-multiplatform "$mp"
is "an index of two platforms" "$(skopeo inspect --raw "oci:$QRUN_ROOT:docker.io/library/bb-multi:1" |
	grep -o '"architecture":"[a-z0-9]*"' | sort | tr '\n' ' ')" \
	'"architecture":"amd64" "architecture":"arm64" '
is "it runs on this host" "$("$QRUN" run --rm bb-multi:1 uname -m 2>&1)" "x86_64"
is "and as arm64" "$("$QRUN" run --rm --platform linux/arm64 bb-multi:1 uname -m 2>&1)" "aarch64"

# --- a Python app ------------------------------------------------------------------------------
mkdir -p "$T/py"
cp -r "$EX/python-app/." "$T/py/"
debian_repo amd64 "$T/py/repo" python3-minimal
py=$(build3 "$T/py" --build-arg "APT_SOURCE=$APT" --build-arg DEBIAN=debian:bookworm -t pyapp:1)
like "python-app: one digest" "$py" '^[0-9a-f]{64}$'
same_as_root python-app "$py"
is "it runs" "$("$QRUN" run --rm pyapp:1 2>&1)" "python 3.11 on x86_64"

# --- a C program built for armhf ---------------------------------------------------------------
mkdir -p "$T/c"
cp -r "$EX/armhf-hello/." "$T/c/"
debian_repo armhf "$T/c/repo" gcc libc6-dev
c=$(build3 "$T/c" --platform linux/arm/v7 --build-arg "APT_SOURCE=$APT" \
	--build-arg DEBIAN=debian-armhf:bookworm -t hello-arm:1)
like "armhf-hello: one digest" "$c" '^[0-9a-f]{64}$'
same_as_root armhf-hello "$c"
is "the small image runs (under qemu-arm)" "$("$QRUN" run --rm hello-arm:1 2>&1)" "hello from armv7l"
skopeo copy -q "oci:$QRUN_ROOT:docker.io/library/hello-arm:1" "dir:$T/hello-dir" 2>/dev/null
is "one layer with one file" "$(for f in "$T"/hello-dir/*; do
	[ "$(head -c2 "$f" | od -An -tx1 | tr -d ' ')" = 1f8b ] && tar -tzf "$f"; done)" "hello"

# a change of one byte changes it
sed -i 's/hello from/hello, from/' "$T/c/hello.c"
c2=$("$QRUN" build -q --platform linux/arm/v7 --build-arg "APT_SOURCE=$APT" \
	--build-arg DEBIAN=debian-armhf:bookworm "$T/c" 2>&1 | tail -1)
ok "one byte of the context changes the digest" test "$c2" != "$c"

done_testing
