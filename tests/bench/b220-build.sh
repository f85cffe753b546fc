#!/bin/bash
# b220-build: what `qrun build` costs (issue 14). One run of each, in a fresh store:
#
#   1. a cached rebuild: a busybox Dockerfile of 9 steps (ENV, WORKDIR, two COPYs of a few
#      files, two RUNs, ENV, CMD) built once, then again with every step cached: the median
#      of 5 timed rebuilds (same image ID, no step run).                  target <= 0.5 s
#   2. apt-get update + install of gcc, make, libc6-dev and python3 from local .debs (a flat
#      file: repository, as b210) in the Debian 12 amd64 image (t210's build/debootstrap/
#      amd64.tar): `qrun build` of FROM that image (imported and its snapshot made beforehand),
#      `COPY repo/ /repo/` and a RUN of b210's steps, timed as a whole, vs real root doing the
#      same in a fresh extract of the tarball (the extract and the copy of the repo untimed):
#      `chroot DIR /bin/sh -c STEPS` with /proc mounted, then `tar -czf` of the whole DIR (its
#      equivalent of writing the layers).                                 target <= 1.3x
#      For reference, where the build's time goes: the same steps under `qrun run` (the repo
#      bound read-only, no layer: b210's measure) and a --no-cache build of FROM + COPY alone;
#      the rest is the RUN's layer, its container and the image.
#   3. the layer of a RUN step that wrote 200 MB in 10,000 files (100 dirs of 100 files of
#      random bytes, so gzip does real work; the RUN extracts them with busybox tar from a
#      tarball in its base image) vs `tar -cf - DIR | gzip -6 >/dev/null` of the same files.
#      Two builds, each of a single RUN: one keeps the files, the control removes them in the
#      same step (no layer); each RUN reports, from /proc/uptime, how long its extraction and
#      its rm -rf took. Layer writing = (keep - its extraction) - (control - its extraction
#      - its rm): what the files cost after the step's command ended (the change scan, tar,
#      gzip, digests, the blob, and the container's removal).             target <= 1.2x
#      For reference: `qrun commit` of a container holding the same files (the same layer
#      writer, timed alone).
#
# The Debian .debs come from b210's cache, $QRUN_BUILD/debootstrap/bench-amd64 (run b210, or
# `make bench`, first). Part 2 needs root (chroot(8)); parts 1 and 3 run as anyone. Prints,
# never fails. Environment: QRUN, QRUN_BUILD, QRUN_FIXTURES (tests/bench/run.sh); B220_KEEP=1
# keeps the work dir; B220_PKGS replaces part 2's package list (apt-get's syntax, e.g. a
# trailing "ca-certificates-" to leave out a recommended package).
set -u
: "${QRUN:?set by tests/bench/run.sh}"
QRUN_BUILD=${QRUN_BUILD:-$(cd "$(dirname "$QRUN")" && pwd)}
QRUN_FIXTURES=${QRUN_FIXTURES:-$QRUN_BUILD/fixtures}
CACHE=$QRUN_BUILD/debootstrap
BB=$QRUN_FIXTURES/busybox-amd64
PKGS=${B220_PKGS:-gcc make libc6-dev python3}

"$QRUN" build --help >/dev/null 2>&1 || { echo "   n/a: this qrun has no 'build' yet"; exit 0; }
for c in bc tar gzip split; do
	command -v "$c" >/dev/null || { echo "   n/a: $c is not installed"; exit 0; }
done
[ -f "$BB/.qrun-fixture" ] || { echo "   n/a: fixture busybox-amd64 missing (make fixtures)"; exit 0; }

W=$(mktemp -d "${TMPDIR:-/tmp}/qrun-b220.XXXXXX") || exit 0
chmod 0755 "$W"
unmount_proc() {
	mountpoint -q "$W/chroot/proc" 2>/dev/null || return 0
	umount "$W/chroot/proc" 2>/dev/null || umount -l "$W/chroot/proc"
}
cleanup() {
	unmount_proc
	mountpoint -q "$W/chroot/proc" 2>/dev/null && return # never rm -rf through a mounted /proc
	[ "${B220_KEEP:-0}" = 1 ] && { echo "   (work dir kept: $W)"; return; }
	chmod -R u+rwX "$W" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
export QRUN_ROOT=$W/store
export SOURCE_DATE_EPOCH=0

now() { date +%s.%N; }
num() { [ -n "$1" ] && case $1 in *[!0-9.-]*) false ;; esac; }
secs() { num "$1" && printf '%.2f s' "$1" || echo n/a; }
ratio() { num "$1" && num "$2" && printf '%.2fx' "$(echo "$1 / $2" | bc -l)" || echo n/a; }
sub() { num "$1" && num "$2" && echo "$1 - $2" | bc -l; }
verdict() { # RATIO_OR_SECS LIMIT
	num "$1" || { echo "not measured"; return; }
	[ "$(echo "$1 <= $2" | bc -l)" = 1 ] && echo met || echo MISSED
}
# fail LOG WHAT: the reason, from the log's last line
fail() { printf '   %s failed: %s\n' "$2" "$(grep -v '^$' "$1" | tail -n 1 | cut -c1-160)"; }
# qbuild VAR LOG ARGS...: time `qrun build ARGS` into VAR ("" when it failed; the image ID,
# its last line, is checked)
qbuild() {
	local var=$1 log=$2 s e
	shift 2
	s=$(now)
	"$QRUN" build "$@" >"$log" 2>&1 </dev/null
	local st=$?
	e=$(now)
	if [ "$st" != 0 ] || ! tail -n 1 "$log" | grep -qE '^(sha256:)?[0-9a-f]{64}$'; then
		fail "$log" "qrun build (exit $st)"
		printf -v "$var" '%s' ""
		return 1
	fi
	printf -v "$var" '%s' "$(echo "$e - $s" | bc -l)"
}

echo "   qrun build (issue 14); $(nproc) CPUs, Linux $(uname -r), $(id -un);" \
	"load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

tar -C "$BB" --numeric-owner --owner=0 --group=0 --exclude=./.qrun-fixture -cf "$W/bb.tar" .
if ! "$QRUN" import -q "$W/bb.tar" b220-bb:1 >"$W/imp.log" 2>&1; then
	fail "$W/imp.log" "qrun import of the busybox fixture"
	exit 0
fi

# --- 1. a cached rebuild ------------------------------------------------------------------------
C=$W/ctx1
mkdir -p "$C/src/sub"
for i in 1 2 3 4; do echo "file $i" >"$C/src/f$i.txt"; done
echo deep >"$C/src/sub/deep.txt"
printf '#!/bin/sh\necho "app: $*"\n' >"$C/app.sh"
chmod 0755 "$C/app.sh"
cat >"$C/Containerfile" <<'EOF'
FROM b220-bb:1
ENV APP_HOME=/opt/app MODE=bench
WORKDIR $APP_HOME
COPY src/ ./data/
COPY --chmod=0755 app.sh /usr/local/bin/app.sh
RUN echo "$MODE" >mode && mkdir -p /var/made && echo x >/var/made/f
RUN cat data/*.txt data/sub/*.txt >all.txt && wc -l all.txt
ENV STAGE=done
CMD ["/usr/local/bin/app.sh"]
EOF
t1=""
if qbuild t1_first "$W/b1-first.log" -t b220-cached:1 "$C"; then
	id1=$(tail -n 1 "$W/b1-first.log")
	# a check (untimed) that nothing runs again: every step with a layer says "CACHED"
	"$QRUN" build "$C" >"$W/b1-check.log" 2>&1 </dev/null
	ran=$(grep -c '^--> ' "$W/b1-check.log")
	cached=$(grep -c '^--> CACHED' "$W/b1-check.log")
	times=()
	for _ in 1 2 3 4 5; do
		qbuild t "$W/b1.log" -q "$C" || break
		if [ "$(tail -n 1 "$W/b1.log")" != "$id1" ]; then
			echo "   the cached rebuild gave another image: $(tail -n 1 "$W/b1.log") (first: $id1)"
			break
		fi
		times+=("$t")
	done
	[ "${#times[@]}" = 5 ] && t1=$(printf '%s\n' "${times[@]}" | sort -g | sed -n 3p)
fi
echo "1. cached rebuild of a 9-step busybox Dockerfile (median of 5)"
printf '   first build                %s\n' "$(secs "${t1_first:-}")"
printf '   rebuild, all cached        %s  (%s/%s layer steps cached; target <= 0.5 s: %s)\n' \
	"$(secs "$t1")" "${cached:-?}" "${ran:-?}" "$(verdict "$t1" 0.5)"
[ -n "$t1" ] && printf '   (the 5: %s)\n' "$(printf '%.3f ' "${times[@]}")"

# --- 2. apt-get install of gcc in a build vs chroot(8) + tar ------------------------------------
STEPS='echo "deb [trusted=yes] file:/repo ./" >/etc/apt/sources.list
rm -f /etc/apt/sources.list.d/*
apt-get update -q >/tmp/apt.log 2>&1 &&
DEBIAN_FRONTEND=noninteractive apt-get install -y -q '"$PKGS"' >>/tmp/apt.log 2>&1 &&
gcc --version >/dev/null && python3 -c "print(6*7)"'
part2() {
	local d=$CACHE/bench-amd64 C=$W/ctx2 s e st
	[ "$(id -u)" = 0 ] || { echo "   n/a: needs root (chroot(8) is the baseline)"; return; }
	[ -f "$CACHE/amd64.tar" ] || { echo "   n/a: no $CACHE/amd64.tar (make check's t210 makes it)"; return; }
	[ -f "$d/.complete" ] || { echo "   n/a: no .debs in $d (b210 fetches them: run it first)"; return; }
	command -v dpkg-scanpackages >/dev/null || { echo "   n/a: dpkg-scanpackages missing"; return; }
	mkdir -p "$C/repo"
	cp "$d"/*.deb "$C/repo/"
	(cd "$C/repo" && dpkg-scanpackages -m . >Packages 2>/dev/null)
	chmod -R a+rX "$C"
	if ! "$QRUN" import -q "$CACHE/amd64.tar" b220-debian:1 >"$W/imp2.log" 2>&1; then
		fail "$W/imp2.log" "qrun import of $CACHE/amd64.tar"
		return
	fi
	# the snapshot of the base, made once (the baseline's extract is untimed too)
	"$QRUN" run --rm b220-debian:1 /bin/true >/dev/null 2>&1
	{
		echo "FROM b220-debian:1"
		echo "COPY repo/ /repo/"
		echo "RUN <<EOS"
		echo "$STEPS"
		echo "EOS"
	} >"$C/Containerfile"

	# the baseline first: real root, chroot(8), then tar -czf of the result
	mkdir -p "$W/chroot"
	tar -C "$W/chroot" -xf "$CACHE/amd64.tar"
	mkdir -p "$W/chroot/repo"
	cp -a "$C/repo/." "$W/chroot/repo/"
	mount -t proc proc "$W/chroot/proc" 2>/dev/null
	sync
	local t_ch="" t_tar="" t_base="" t_q=""
	s=$(now)
	chroot "$W/chroot" /bin/sh -c "$STEPS" >"$W/chroot.log" 2>&1
	st=$?
	e=$(now)
	unmount_proc
	if [ "$st" = 0 ] && [ "$(tail -n 1 "$W/chroot.log")" = 42 ]; then
		t_ch=$(echo "$e - $s" | bc -l)
		s=$(now)
		if tar --numeric-owner -C "$W/chroot" -czf "$W/chroot.tar.gz" .; then
			e=$(now)
			t_tar=$(echo "$e - $s" | bc -l)
			t_base=$(echo "$t_ch + $t_tar" | bc -l)
		fi
	else
		fail "$W/chroot.log" "chroot(8) (exit $st)"
	fi
	local mb_base=""
	[ -f "$W/chroot.tar.gz" ] && mb_base=$(($(stat -c %s "$W/chroot.tar.gz") / 1048576))
	chmod -R u+rwX "$W/chroot" 2>/dev/null
	rm -rf "$W/chroot" "$W/chroot.tar.gz"
	sync

	qbuild t_q "$W/b2.log" -t b220-gcc:1 "$C"
	if [ -n "$t_q" ] && ! grep -qx 42 "$W/b2.log"; then
		echo "   (the build's RUN did not print 42: its output is in $W/b2.log)"
	fi
	printf '   real root, chroot(8)       %s  (the steps)\n' "$(secs "$t_ch")"
	printf '   + tar -czf of the result   %s  (%s MiB)\n' "$(secs "$t_tar")" "${mb_base:-?}"
	printf '   = baseline                 %s\n' "$(secs "$t_base")"
	printf '   qrun build, whole          %s  (%s of the baseline; target <= 1.3x: %s)\n' \
		"$(secs "$t_q")" "$(ratio "$t_q" "$t_base")" \
		"$(verdict "$(num "$t_q" && num "$t_base" && echo "$t_q / $t_base" | bc -l)" 1.3)"
	num "$t_q" && num "$t_ch" &&
		printf '   (qrun build vs the chroot steps alone: %s)\n' "$(ratio "$t_q" "$t_ch")"
	num "$t_q" || return

	# reference rows, where the build's time goes: the steps under `qrun run` (the repo bound,
	# no layer: b210's measure), and a build of FROM + COPY alone
	local t_run="" t_copy=""
	s=$(now)
	"$QRUN" run --rm -v "$C/repo:/repo:ro" b220-debian:1 /bin/sh -c "$STEPS" >"$W/r2.log" 2>&1 </dev/null
	st=$?
	e=$(now)
	if [ "$st" = 0 ] && [ "$(tail -n 1 "$W/r2.log")" = 42 ]; then
		t_run=$(echo "$e - $s" | bc -l)
	else
		fail "$W/r2.log" "qrun run of the steps (exit $st)"
	fi
	printf 'FROM b220-debian:1\nCOPY repo/ /repo/\n' >"$W/copy.Containerfile"
	qbuild t_copy "$W/b2c.log" --no-cache -f "$W/copy.Containerfile" "$C"
	printf '   where the time goes (reference):\n'
	printf '     qrun run of the steps       %s  (repo bound, no layer; %s of chroot)\n' \
		"$(secs "$t_run")" "$(ratio "$t_run" "$t_ch")"
	printf '     qrun build, FROM + COPY     %s  (--no-cache)\n' "$(secs "$t_copy")"
	printf '     the rest                    %s  (the RUN'"'"'s layer, container and image)\n' \
		"$(secs "$(num "$t_run" && num "$t_copy" && echo "$t_q - $t_run - $t_copy" | bc -l)")"
}
echo "2. build: COPY repo + apt-get update + install $PKGS (amd64) vs chroot(8) + tar -czf"
part2

# --- 3. the layer of a step that wrote 200 MB in 10,000 files ------------------------------------
part3() {
	local s e d t_warm="" t_gz="" t_keep="" t_ctl="" t_commit="" L=""
	mkdir -p "$W/files/data" "$W/base3"
	for d in $(seq -w 0 99); do
		mkdir "$W/files/data/d$d"
		head -c 2000000 /dev/urandom | split -b 20000 -a 2 -d - "$W/files/data/d$d/f"
	done
	local n
	n=$(find "$W/files/data" -type f | wc -l)
	[ "$n" = 10000 ] || { echo "   n/a: made $n files, not 10,000"; return; }
	cp -a "$BB/." "$W/base3/"
	rm -f "$W/base3/.qrun-fixture"
	tar --numeric-owner --owner=0 --group=0 -C "$W/files" -cf "$W/base3/blob.tar" data
	tar --numeric-owner --owner=0 --group=0 -C "$W/base3" -cf "$W/base3.tar" .
	# reference: the step's extraction natively (page cache warm, as for the build)
	local t_xn=""
	mkdir -p "$W/xn"
	cat "$W/base3/blob.tar" >/dev/null
	s=$(now)
	tar -C "$W/xn" -xf "$W/base3/blob.tar" && t_xn=$(echo "$(now) - $s" | bc -l)
	rm -rf "$W/base3" "$W/xn"
	if ! "$QRUN" import -q "$W/base3.tar" b220-blob:1 >"$W/imp3.log" 2>&1; then
		fail "$W/imp3.log" "qrun import of busybox + the 200 MB tarball"
		return
	fi
	rm -f "$W/base3.tar"
	# busybox sh: centiseconds since boot, from /proc/uptime
	local cs='cs() { read u _ </proc/uptime; echo "${u%.*}${u#*.}"; }'
	mkdir -p "$W/ctx3w" "$W/ctx3c" "$W/ctx3k"
	printf 'FROM b220-blob:1\nRUN echo warm >/warm\n' >"$W/ctx3w/Containerfile"
	printf 'FROM b220-blob:1\nRUN %s; a=$(cs); mkdir /data && tar -xf /blob.tar -C / && b=$(cs) && rm -rf /data && c=$(cs) && echo "B220 x=$((b - a)) r=$((c - b))"\n' \
		"$cs" >"$W/ctx3c/Containerfile"
	printf 'FROM b220-blob:1\nRUN %s; a=$(cs); mkdir /data && tar -xf /blob.tar -C / && b=$(cs) && echo "B220 x=$((b - a)) r=0"\n' \
		"$cs" >"$W/ctx3k/Containerfile"
	# the base's snapshot (and the page cache of its 200 MB), made before the timed builds
	qbuild t_warm "$W/b3w.log" "$W/ctx3w" || return
	sync
	qbuild t_ctl "$W/b3c.log" "$W/ctx3c"
	sync
	qbuild t_keep "$W/b3k.log" "$W/ctx3k"
	sync
	s=$(now)
	tar -cf - -C "$W/files" data | gzip -6 >/dev/null
	e=$(now)
	t_gz=$(echo "$e - $s" | bc -l)
	# reference: the same files in a container, committed (the layer writer alone)
	if "$QRUN" run --name b220-c b220-blob:1 /bin/sh -c 'mkdir /data && tar -xf /blob.tar -C /' \
		>"$W/r3.log" 2>&1 </dev/null; then
		sync
		s=$(now)
		"$QRUN" commit -q b220-c b220-committed:1 >"$W/c3.log" 2>&1 </dev/null &&
			t_commit=$(echo "$(now) - $s" | bc -l) || fail "$W/c3.log" "qrun commit"
	else
		fail "$W/r3.log" "qrun run (for commit)"
	fi
	# x, r: the step's extraction and rm -rf, in seconds, as it saw them
	local xk rk xc rc
	xk=$(sed -n 's/^B220 x=\([0-9]*\) r=\([0-9]*\)$/\1/p' "$W/b3k.log" | tail -n 1)
	xc=$(sed -n 's/^B220 x=\([0-9]*\) r=\([0-9]*\)$/\1/p' "$W/b3c.log" | tail -n 1)
	rc=$(sed -n 's/^B220 x=\([0-9]*\) r=\([0-9]*\)$/\2/p' "$W/b3c.log" | tail -n 1)
	if num "$t_keep" && num "$t_ctl" && num "$xk" && num "$xc" && num "$rc"; then
		xk=$(echo "$xk / 100" | bc -l)
		xc=$(echo "$xc / 100" | bc -l)
		rc=$(echo "$rc / 100" | bc -l)
		L=$(echo "($t_keep - $xk) - ($t_ctl - $xc - $rc)" | bc -l)
	else
		xk="" xc="" rc=""
		[ -n "$t_keep" ] && [ -n "$t_ctl" ] && echo "   (the RUNs did not report their times: see $W/b3k.log)"
	fi
	printf '   tar -cf - | gzip -6         %s  (the baseline)\n' "$(secs "$t_gz")"
	printf '   qrun build, files kept      %s  (the whole build; its extraction %s)\n' \
		"$(secs "$t_keep")" "$(secs "$xk")"
	printf '   (the same extraction natively: %s)\n' "$(secs "$t_xn")"
	printf '   qrun build, files removed   %s  (the control; its extraction %s, its rm -rf %s)\n' \
		"$(secs "$t_ctl")" "$(secs "$xc")" "$(secs "$rc")"
	printf '   layer writing, estimated    %s  (%s of tar | gzip; target <= 1.2x: %s)\n' \
		"$(secs "$L")" "$(ratio "$L" "$t_gz")" \
		"$(verdict "$(num "$L" && num "$t_gz" && echo "$L / $t_gz" | bc -l)" 1.2)"
	printf '   (the plain difference, kept - removed: %s)\n' "$(secs "$(sub "$t_keep" "$t_ctl")")"
	printf '   qrun commit, same files     %s  (%s of tar | gzip; reference)\n' \
		"$(secs "$t_commit")" "$(ratio "$t_commit" "$t_gz")"
}
echo "3. the layer of a RUN that wrote 200 MB in 10,000 files vs tar -c | gzip -6"
part3
exit 0
