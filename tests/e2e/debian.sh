# Debian 12 (minbase) root filesystems for the tests that need a real distribution, made once
# and cached in $QRUN_BUILD/debootstrap/ARCH: `debootstrap --foreign` (as root: it needs
# root to unpack), then its second stage under `qrun chroot` (dpkg and its maintainer scripts
# under the tracer; under qemu for a foreign ARCH). Source after lib.sh:
#
#   . "$(dirname "$0")/debian.sh"
#   debian_rootfs armhf     # sets DEBIAN_ROOT, or skips the test (needs the root run first)
#
# The unprivileged run finds the cache the root run left (tests/run.sh links it into its stage).

_debian_mirror() {
	local m
	m=$(sed -n 's/^URIs: *\([^ ]*\).*/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null |
		grep -v security | head -1)
	[ -n "$m" ] || m=$(awk '$1 == "deb" && $3 == "bookworm" {print $2; exit}' \
		/etc/apt/sources.list 2>/dev/null)
	echo "${m:-http://deb.debian.org/debian}"
}

# debian_rootfs ARCH: DEBIAN_ROOT is the cached tree (made now when missing, as root).
# Sets DEBIAN_MADE=1 when this call made it (its checks ran), else 0.
debian_rootfs() {
	local arch=$1 cache=$QRUN_BUILD/debootstrap tmp start st
	DEBIAN_ROOT=$cache/$arch
	DEBIAN_MADE=0
	[ -f "$DEBIAN_ROOT/.qrun-complete" ] && return 0
	[ "$(id -u)" = 0 ] ||
		skip_all "no cached $arch Debian: the root run makes it (debootstrap needs root)"
	require_cmd debootstrap
	mkdir -p "$cache"
	rm -rf "$cache/.$arch".*
	tmp=$(mktemp -d "$cache/.$arch.XXXXXX")
	if ! debootstrap --foreign --arch="$arch" --variant=minbase bookworm "$tmp" \
		"$(_debian_mirror)" >"$T/stage1-$arch.log" 2>&1; then
		diag "$(tail -20 "$T/stage1-$arch.log")"
		rm -rf "$tmp"
		skip_all "debootstrap --foreign could not fetch bookworm $arch from $(_debian_mirror)"
	fi
	start=$(date +%s)
	"$QRUN" chroot "$tmp" /debootstrap/debootstrap --second-stage >"$T/stage2-$arch.log" 2>&1
	st=$?
	is "qrun chroot runs debootstrap --second-stage ($arch) to the end" "$st" 0
	like "the second stage says the base system is installed" \
		"$(tail -3 "$T/stage2-$arch.log")" 'Base system installed successfully'
	diag "second stage ($arch) took $(($(date +%s) - start)) s"
	if [ "$st" != 0 ]; then
		diag "$(tail -30 "$T/stage2-$arch.log")"
		rm -rf "$tmp"
		done_testing
	fi
	# apt's cache of the packages debootstrap fetched: not part of the tree
	rm -f "$tmp"/var/cache/apt/archives/*.deb
	touch "$tmp/.qrun-complete"
	chmod a+rX "$tmp" "$cache"
	rm -rf "$DEBIAN_ROOT"
	mv "$tmp" "$DEBIAN_ROOT"
	DEBIAN_MADE=1
}

# debian_image ARCH NAME: import the cached tree as image NAME into this test's store, from a
# tarball of it with the owners real root gave it (made once, by the root run, beside the tree).
debian_image() {
	local arch=$1 tarball=$QRUN_BUILD/debootstrap/$1.tar
	debian_rootfs "$arch"
	if [ ! -f "$tarball" ]; then
		[ "$(id -u)" = 0 ] || skip_all "no $arch image tarball: the root run makes it"
		tar -C "$DEBIAN_ROOT" --numeric-owner --exclude=./.qrun-complete \
			-cf "$tarball.tmp" . && chmod a+r "$tarball.tmp" && mv "$tarball.tmp" "$tarball" ||
			skip_all "cannot tar the $arch tree"
	fi
	"$QRUN" import -q "$tarball" "$2" >/dev/null || skip_all "cannot import the $arch image"
}

# debian_debs DIR PACKAGE...: copy Debian's .debs of PACKAGEs (bookworm, this host's apt
# sources; fetched once by the root run into the cache) into DIR.
debian_debs() {
	local dir=$1 cache=$QRUN_BUILD/debootstrap/debs p
	shift
	for p in "$@"; do
		if ! ls "$cache/${p}"_*.deb >/dev/null 2>&1; then
			[ "$(id -u)" = 0 ] || skip_all "no cached $p .deb: the root run fetches it"
			mkdir -p "$cache"
			chmod a+rx "$cache"
			(cd "$cache" && apt-get download "$p" >/dev/null 2>&1) ||
				skip_all "apt-get download $p failed"
			chmod a+r "$cache"/*.deb
		fi
		cp "$cache/${p}"_*.deb "$dir/"
	done
}

# debian_repo ARCH DIR PACKAGE...: a flat apt repository (DIR/*.deb + DIR/Packages) of
# PACKAGEs and what they need on top of the ARCH image (apt resolves it against the image's
# dpkg status; no recommends). Fetched once by the root run into the cache, keyed by the list.
debian_repo() {
	local arch=$1 dir=$2 key d w
	shift 2
	key=$(echo "$arch $*" | sha256sum | cut -c1-12)
	d=$QRUN_BUILD/debootstrap/repo-$arch-$key
	if [ ! -f "$d/.complete" ]; then
		[ "$(id -u)" = 0 ] || skip_all "no cached $arch repository of $*: the root run fetches it"
		debian_rootfs "$arch"
		rm -rf "$d"
		w=$(mktemp -d "$T/repo.XXXXXX")
		mkdir -p "$d/partial" "$w/cache"
		cp "$DEBIAN_ROOT/var/lib/dpkg/status" "$w/status"
		if ! apt-get -q -o Dir::State::status="$w/status" -o Dir::Cache="$w/cache" \
			-o Dir::Cache::archives="$d" -o APT::Architecture="$arch" \
			-o APT::Architectures::="$arch" -o APT::Install-Recommends=false \
			-o Debug::NoLocking=1 install -y -d "$@" >"$w/log" 2>&1; then
			diag "$(tail -5 "$w/log")"
			skip_all "apt-get could not fetch $* for $arch"
		fi
		rm -rf "$d/partial" "$d/lock"
		(cd "$d" && dpkg-scanpackages -m . >Packages 2>/dev/null) ||
			skip_all "dpkg-scanpackages failed"
		touch "$d/.complete"
		chmod -R a+rX "$d"
	fi
	mkdir -p "$dir"
	cp "$d"/*.deb "$d/Packages" "$dir/"
}
