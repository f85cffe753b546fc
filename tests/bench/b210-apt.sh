#!/bin/bash
# b210-apt: apt-get install of gcc, make, libc6-dev and python3 from local .debs in a Debian 12
# image, by a normal user under qrun (emulated root: ids, chown, stat owners, permission
# checks) against real root (issue 13). One run of each (minutes, not milliseconds):
#
#   1. amd64: a normal user under `qrun run` vs real root under chroot(8) (a fresh extract of
#      the same image, /proc mounted)                                        target <= 1.3x
#      and real root under `qrun run` for reference
#   2. armhf (every program under qemu-arm): a normal user vs real root, both under `qrun run`
#                                                                            target <= 1.1x
#
# Each run: `apt-get update` from a flat file: repository bound at /repo, then the install
# (recommends included), timed together. The .debs (about 80 MB per architecture) are fetched
# once with the host's apt (its lists, the image's dpkg status) into
# $QRUN_BUILD/debootstrap/bench-ARCH, beside the images t210 caches (run `make check` first).
#
# Needs root (chroot(8), the test user). Prints, never fails. B210_KEEP=1 keeps the work dir;
# QRUN_TEST_USER names the normal user (default qrun-test, as tests/run.sh).
set -u
: "${QRUN:?set by tests/bench/run.sh}"
QRUN_BUILD=${QRUN_BUILD:-$(cd "$(dirname "$QRUN")" && pwd)}
CACHE=$QRUN_BUILD/debootstrap
USER_=${QRUN_TEST_USER:-qrun-test}
PKGS="gcc make libc6-dev python3"

[ "$(id -u)" = 0 ] || { echo "   n/a: needs root (chroot(8) is the baseline)"; exit 0; }
id "$USER_" >/dev/null 2>&1 || { echo "   n/a: no user $USER_ (make check creates it)"; exit 0; }
for a in amd64 armhf; do
	[ -f "$CACHE/$a.tar" ] || { echo "   n/a: no $CACHE/$a.tar (make check's t210 makes it)"; exit 0; }
done
command -v dpkg-scanpackages >/dev/null || { echo "   n/a: dpkg-scanpackages missing"; exit 0; }

W=$(mktemp -d /tmp/qrun-b210.XXXXXX) || exit 0
chmod 0755 "$W"
unmount_proc() {
	mountpoint -q "$W/chroot/proc" || return 0
	umount "$W/chroot/proc" 2>/dev/null || umount -l "$W/chroot/proc"
}
cleanup() {
	unmount_proc
	mountpoint -q "$W/chroot/proc" && return # never rm -rf through a mounted /proc
	[ "${B210_KEEP:-0}" = 1 ] && return
	chmod -R u+rwX "$W" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# debs ARCH: the .debs PKGS need on top of the image, and a flat repository of them, in $W/repo-ARCH
debs() {
	local arch=$1 d=$CACHE/bench-$1
	if [ ! -f "$d/.complete" ]; then
		rm -rf "$d"
		mkdir -p "$d/partial" "$W/apt-$arch"
		mkdir -p "$W/status-$arch"
		tar -C "$W/status-$arch" -xf "$CACHE/$arch.tar" ./var/lib/dpkg/status
		apt-get -q -o Dir::State::status="$W/status-$arch/var/lib/dpkg/status" \
			-o Dir::Cache="$W/apt-$arch" -o Dir::Cache::archives="$d" \
			-o APT::Architecture="$arch" -o APT::Architectures::="$arch" \
			-o Debug::NoLocking=1 install -y -d $PKGS >"$W/fetch-$arch.log" 2>&1 ||
			{ tail -3 "$W/fetch-$arch.log"; return 1; }
		rm -rf "$d/partial" "$d/lock"
		touch "$d/.complete"
		chmod -R a+rX "$d"
	fi
	mkdir -p "$W/repo-$arch"
	cp "$d"/*.deb "$W/repo-$arch/"
	(cd "$W/repo-$arch" && dpkg-scanpackages -m . >Packages 2>/dev/null)
	chmod -R a+rX "$W/repo-$arch"
}

STEPS='echo "deb [trusted=yes] file:/repo ./" >/etc/apt/sources.list
rm -f /etc/apt/sources.list.d/*
apt-get update -q >/tmp/apt.log 2>&1 &&
DEBIAN_FRONTEND=noninteractive apt-get install -y -q '"$PKGS"' >>/tmp/apt.log 2>&1 &&
gcc --version >/dev/null && python3 -c "print(6*7)"'

now() { date +%s.%N; }

# timed VAR CMD...: seconds of one run into VAR ("" when it failed: the log's tail is shown)
timed() {
	local var=$1 s e out
	shift
	s=$(now)
	out=$("$@" 2>&1)
	if [ "$(printf '%s' "$out" | tail -1)" != 42 ]; then
		printf '   failed: %s\n' "$(printf '%s' "$out" | tail -3 | tr '\n' ' ')"
		printf -v "$var" '%s' ""
		return
	fi
	e=$(now)
	printf -v "$var" '%s' "$(echo "$e - $s" | bc -l)"
}

as_user() { runuser -u "$USER_" -- env HOME="$W/home" QRUN_ROOT="$W/ustore" "$@"; }

ratio() { [ -n "$1" ] && [ -n "$2" ] && printf '%.2fx' "$(echo "$1 / $2" | bc -l)" || echo n/a; }
secs() { [ -n "$1" ] && printf '%.1f s' "$1" || echo n/a; }

mkdir -p "$W/home" "$W/ustore" && chown "$USER_" "$W/home" "$W/ustore"
export QRUN_ROOT=$W/rstore
for arch in amd64 armhf; do
	debs "$arch" || { echo "   n/a: the $arch .debs could not be fetched"; continue; }
	"$QRUN" import -q "$CACHE/$arch.tar" "b210-$arch:1" >/dev/null
	as_user "$QRUN" import -q "$CACHE/$arch.tar" "b210-$arch:1" >/dev/null
	repo=$W/repo-$arch
	timed user as_user "$QRUN" run --rm -v "$repo:/repo:ro" "b210-$arch:1" /bin/sh -c "$STEPS"
	timed qroot "$QRUN" run --rm -v "$repo:/repo:ro" "b210-$arch:1" /bin/sh -c "$STEPS"
	if [ "$arch" = amd64 ]; then
		mkdir -p "$W/chroot"
		tar -C "$W/chroot" -xf "$CACHE/$arch.tar"
		mkdir -p "$W/chroot/repo"
		cp -a "$repo/." "$W/chroot/repo/"
		cp /etc/resolv.conf "$W/chroot/etc/resolv.conf" 2>/dev/null
		mount -t proc proc "$W/chroot/proc" 2>/dev/null
		timed croot chroot "$W/chroot" /bin/sh -c "$STEPS"
		unmount_proc
		echo "1. amd64, apt-get update + install $PKGS"
		printf '   real root, chroot(8)      %s\n' "$(secs "$croot")"
		printf '   real root, qrun run       %s  (%s of chroot)\n' "$(secs "$qroot")" "$(ratio "$qroot" "$croot")"
		printf '   normal user, qrun run     %s  (%s of chroot; target <= 1.3x)\n' \
			"$(secs "$user")" "$(ratio "$user" "$croot")"
	else
		echo "2. armhf (qemu-arm), the same"
		printf '   real root, qrun run       %s\n' "$(secs "$qroot")"
		printf '   normal user, qrun run     %s  (%s of real root; target <= 1.1x)\n' \
			"$(secs "$user")" "$(ratio "$user" "$qroot")"
	fi
done
exit 0
