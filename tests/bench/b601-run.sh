#!/bin/bash
# b601-run: what `qrun run` and `qrun create` cost (issue 6).
#
#   1. `qrun run --rm IMG /bin/true`, IMG = the busybox amd64 fixture imported as a rootfs
#      tarball and run once (snapshot cached), vs native /bin/true: the mean of 20 runs each
#      after 2 warm-up runs; the time added.                                target <= 30 ms added
#      `qrun chroot BUSYBOX /bin/true` (the tracer alone) and the same run with QRUN_WALL=off
#      (what the Landlock wall adds at start) are shown for reference.
#   2. the same `qrun run` vs Debian's `proot -r BUSYBOX /bin/true`: the ratio.
#   3. `qrun create IMG /bin/true` from a cached >= 150 MB image (build/debootstrap/armhf, made
#      by tests/e2e/t410, as b501 uses it; else the busybox fixture; topped up with filler files
#      to 150 MB), imported once; the first create (it makes the snapshot) is shown apart, then
#      5 more are timed: the mean (target < 1 s) and the extra disk of each, du -sk of the
#      snapshots and the container in one du run (shared inodes count once), the second line
#      (target < 5 MB), plus df's change of the used blocks over the 5.
#
# Prints, never fails. Environment: QRUN, QRUN_FIXTURES, QRUN_BUILD (tests/bench/run.sh);
# B601_RUNS (default 20), B601_PROOT (default: proot on PATH; "none" skips it), B601_KEEP=1
# keeps the work dir.
set -u
: "${QRUN:?set by tests/bench/run.sh}"
QRUN_BUILD=${QRUN_BUILD:-$(cd "$(dirname "$QRUN")" && pwd)}
QRUN_FIXTURES=${QRUN_FIXTURES:-$QRUN_BUILD/fixtures}
RUNS=${B601_RUNS:-20}
BB=$QRUN_FIXTURES/busybox-amd64
BIG_MB=150

[ -f "$BB/.qrun-fixture" ] || { echo "   n/a: fixture busybox-amd64 missing (make fixtures)"; exit 0; }
"$QRUN" run --help >/dev/null 2>&1 || { echo "   n/a: this qrun has no 'run' yet"; exit 0; }
for c in bc tar; do
	command -v "$c" >/dev/null || { echo "   n/a: $c is not installed"; exit 0; }
done
PROOT=${B601_PROOT:-$(command -v proot || true)}
[ "$PROOT" = none ] && PROOT=
HF=$(command -v hyperfine || true)

W=$(mktemp -d "${TMPDIR:-/tmp}/qrun-b601.XXXXXX") || exit 0
chmod 0755 "$W"
cleanup() {
	[ "${B601_KEEP:-0}" = 1 ] && return
	chmod -R u+rwX "$W" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
export QRUN_ROOT=$W/store

now() { date +%s.%N; }
ms() { printf '%.1f ms' "$(echo "$1 * 1000" | bc -l)"; }
say() { printf '%s\n' "$*"; }

# mean_of NAME CMD...: one checked run (exit 0), then the mean wall time in seconds of RUNS
# runs after 2 warm-ups (hyperfine -N when present, else date around each run); "n/a (why)".
mean_of() {
	local name=$1 s e total=0 st
	shift
	"$@" >"$W/out" 2>&1 </dev/null
	st=$?
	if [ "$st" != 0 ]; then
		echo "n/a (exit $st: $(grep -v '^$' "$W/out" | tail -n 1 | cut -c1-70))"
		return
	fi
	if [ -n "$HF" ]; then
		if "$HF" -N --style none --warmup 2 --runs "$RUNS" --export-json "$W/$name.json" \
			"$(printf '%q ' "$@")" >/dev/null 2>"$W/hf.err"; then
			jq -r '.results[0].mean' "$W/$name.json" 2>/dev/null ||
				python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["results"][0]["mean"])' \
					"$W/$name.json"
			return
		fi
		echo "n/a (hyperfine: $(tail -n 1 "$W/hf.err" | cut -c1-70))"
		return
	fi
	"$@" >/dev/null 2>&1 </dev/null
	"$@" >/dev/null 2>&1 </dev/null
	for _ in $(seq "$RUNS"); do
		s=$(now)
		"$@" >/dev/null 2>&1 </dev/null || { echo "n/a (a timed run failed)"; return; }
		e=$(now)
		total=$(echo "$total + $e - $s" | bc)
	done
	echo "scale=6; $total / $RUNS" | bc
}
num() { case $1 in n/a*) return 1 ;; esac; }

say "   qrun run / create cost (issue 6); $(nproc) CPUs, Linux $(uname -r), $(id -un)"
say "   timer: $([ -n "$HF" ] && "$HF" --version || echo 'date +%s.%N'), proot: $(
	[ -n "$PROOT" ] && "$PROOT" --version 2>&1 | grep -o '[0-9]\+\.[0-9]\+\.[0-9]\+' | head -n 1 || echo absent)"
say "   load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"

# --- 1 and 2: run --rm /bin/true ----------------------------------------------------------------
(cd "$BB" && tar --numeric-owner -czf "$W/bb.tar.gz" .) 2>/dev/null
if ! "$QRUN" import -q "$W/bb.tar.gz" bench/busybox:b601 >"$W/imp.log" 2>&1; then
	say "   n/a: qrun import of the busybox tarball failed: $(tail -n 1 "$W/imp.log")"
	exit 0
fi
"$QRUN" run --rm bench/busybox:b601 /bin/true >/dev/null 2>&1 # the snapshot, cached from now on
t_native=$(mean_of native /bin/true)
t_run=$(mean_of run "$QRUN" run --rm bench/busybox:b601 /bin/true)
# the same without the Landlock wall (and so without the shim): what building and entering the
# ruleset, and the keeper of long paths, cost at start
t_nowall=$(mean_of nowall env QRUN_WALL=off "$QRUN" run --rm bench/busybox:b601 /bin/true)
left=$(ls -A "$QRUN_ROOT/containers" 2>/dev/null | grep -cE '^[0-9a-f]{64}$')
t_chroot=$(mean_of chroot "$QRUN" chroot "$BB" /bin/true)
# where the time goes (reference rows): without --rm, create alone, qrun with the store alone
t_keep=$(mean_of keep "$QRUN" run bench/busybox:b601 /bin/true)
t_create1=$(mean_of create1 "$QRUN" create bench/busybox:b601 /bin/true)
t_images=$(mean_of images "$QRUN" images -q)
if [ -n "$PROOT" ]; then
	t_proot=$(mean_of proot "$PROOT" -r "$BB" /bin/true)
else
	t_proot="n/a (proot not installed)"
fi

# --- 3: create from a >= 150 MB cached image ----------------------------------------------------
ROOTFS=$QRUN_BUILD/debootstrap/armhf
[ -f "$ROOTFS/.qrun-complete" ] || ROOTFS=$QRUN_BUILD/bench/debian-amd64
[ -f "$ROOTFS/.qrun-complete" ] || ROOTFS=$BB
# As a user, files of the Debian tree only root can read are left out (tar says which).
(cd "$ROOTFS" && tar --numeric-owner --ignore-failed-read -cf "$W/big.tar" \
	$(ls -A | grep -vx -e .qrun-complete -e .qrun-fixture)) 2>"$W/tar.err"
size=$(stat -c %s "$W/big.tar" 2>/dev/null || echo 0)
if [ "$size" -lt $((BIG_MB * 1024 * 1024)) ]; then
	need=$((BIG_MB * 1024 * 1024 - size + 1024 * 1024))
	mkdir -p "$W/fill/opt/b601-filler"
	i=0
	while [ "$need" -gt 0 ]; do
		head -c 4M /dev/urandom >"$W/fill/opt/b601-filler/f$i"
		need=$((need - 4 * 1024 * 1024))
		i=$((i + 1))
	done
	tar --numeric-owner -C "$W/fill" -rf "$W/big.tar" opt
	rm -rf "$W/fill"
	size=$(stat -c %s "$W/big.tar")
fi
entries=$(tar -tf "$W/big.tar" | wc -l)
t_create="n/a"
t_first="n/a"
t_import="n/a"
du_list=""
du_max=""
df_mib="n/a"
s=$(now)
if "$QRUN" import -q "$W/big.tar" bench/big:b601 >"$W/imp.log" 2>&1; then
	t_import=$(echo "$(now) - $s" | bc)
	rm -f "$W/big.tar"
	s=$(now)
	if "$QRUN" create bench/big:b601 /bin/true >"$W/c0" 2>"$W/c.err"; then
		t_first=$(echo "$(now) - $s" | bc)
		sync
		total=0
		n=0
		df0=$(df -k --output=used "$QRUN_ROOT" | tail -n 1)
		for i in 1 2 3 4 5; do
			s=$(now)
			"$QRUN" create bench/big:b601 /bin/true >"$W/c$i" 2>"$W/c.err" || break
			e=$(now)
			total=$(echo "$total + $e - $s" | bc)
			n=$i
			id=$(tr -d '\n' <"$W/c$i")
			k=$(du -sk "$QRUN_ROOT/snapshots" "$QRUN_ROOT/containers/$id" 2>/dev/null | sed -n 2p | cut -f1)
			du_list="$du_list ${k:-?}"
			[ -n "$k" ] && { [ -z "$du_max" ] || [ "$k" -gt "$du_max" ]; } && du_max=$k
		done
		sync
		df1=$(df -k --output=used "$QRUN_ROOT" | tail -n 1)
		if [ "$n" -gt 0 ]; then
			t_create=$(echo "scale=6; $total / $n" | bc)
			df_mib=$(echo "scale=2; ($df1 - $df0) / 1024 / $n" | bc)
		else
			t_create="n/a ($(tail -n 1 "$W/c.err" | cut -c1-70))"
		fi
	else
		t_first="n/a ($(tail -n 1 "$W/c.err" | cut -c1-70))"
	fi
else
	t_import="n/a ($(tail -n 1 "$W/imp.log" | cut -c1-70))"
fi
snap_mib=$(du -sk "$QRUN_ROOT/snapshots" 2>/dev/null | cut -f1)

# --- the table ------------------------------------------------------------------------------------
verdict() { # VALUE LIMIT UNIT: "met" / "MISSED" / "not measured"
	num "$1" || { echo "not measured"; return; }
	if [ "$(echo "$1 <= $2" | bc -l)" = 1 ]; then echo met; else echo MISSED; fi
}
say ""
printf '   %-52s %-26s %s\n' workload "mean of $RUNS" "vs native / target"
printf '   %s\n' "$(printf '%.0s-' {1..110})"
num "$t_native" && n_txt=$(ms "$t_native") || n_txt=$t_native
printf '   %-52s %-26s %s\n' "native /bin/true" "$n_txt" baseline
if num "$t_run"; then
	if num "$t_native"; then
		added=$(echo "$t_run - $t_native" | bc)
		printf '   %-52s %-26s +%s; <= 30 ms added: %s\n' "qrun run --rm busybox /bin/true" "$(ms "$t_run")" \
			"$(ms "$added")" "$(verdict "$added" 0.030)"
	else
		printf '   %-52s %s\n' "qrun run --rm busybox /bin/true" "$(ms "$t_run")"
	fi
else
	printf '   %-52s %s\n' "qrun run --rm busybox /bin/true" "$t_run"
fi
if num "$t_nowall" && num "$t_run"; then
	printf '   %-52s %-26s the wall adds %s (reference)\n' "QRUN_WALL=off qrun run --rm busybox /bin/true" \
		"$(ms "$t_nowall")" "$(ms "$(echo "$t_run - $t_nowall" | bc)")"
fi
if num "$t_chroot" && num "$t_native"; then
	printf '   %-52s %-26s +%s (reference: the tracer alone)\n' "qrun chroot BUSYBOX /bin/true" \
		"$(ms "$t_chroot")" "$(ms "$(echo "$t_chroot - $t_native" | bc)")"
else
	printf '   %-52s %s\n' "qrun chroot BUSYBOX /bin/true" "$t_chroot"
fi
for r in "keep:qrun run busybox /bin/true (no --rm)" "create1:qrun create busybox /bin/true" \
	"images:qrun images -q (qrun and its store, no container)"; do
	v=t_${r%%:*}
	v=${!v}
	if num "$v" && num "$t_native"; then
		printf '   %-52s %-26s +%s (reference)\n' "${r#*:}" "$(ms "$v")" "$(ms "$(echo "$v - $t_native" | bc)")"
	else
		printf '   %-52s %s\n' "${r#*:}" "$v"
	fi
done
if num "$t_proot"; then
	r="n/a"
	num "$t_run" && r=$(printf '%.2fx' "$(echo "$t_run / $t_proot" | bc -l)")
	printf '   %-52s %-26s qrun run / proot = %s\n' "proot -r BUSYBOX /bin/true" "$(ms "$t_proot")" "$r"
else
	printf '   %-52s %s\n' "proot -r BUSYBOX /bin/true" "$t_proot"
fi
[ "$left" = 0 ] || say "   note: $left container(s) left behind by 'qrun run --rm'"
say ""
src=$ROOTFS
[ "$src" = "$BB" ] && src="busybox-amd64 fixture"
say "   image for create: $src, $((size / 1048576)) MiB tar, $entries entries (filler to ${BIG_MB} MiB when smaller);" \
	"snapshots now ${snap_mib:-?} KiB"
[ -s "$W/tar.err" ] && say "   ($(grep -c . "$W/tar.err") tar warnings: files this user cannot read are left out)"
fmt_s() { if num "$1"; then printf '%.3f s' "$1"; else printf '%s' "$1"; fi; }
printf '   %-52s %s\n' "qrun import of the tarball (once)" "$(fmt_s "$t_import")"
printf '   %-52s %s\n' "qrun create, first (makes the snapshot)" "$(fmt_s "$t_first")"
printf '   %-52s %-26s < 1 s: %s\n' "qrun create from the cached image (mean of 5)" "$(fmt_s "$t_create")" \
	"$(verdict "$t_create" 1)"
if [ -n "$du_max" ]; then
	printf '   %-52s %-26s < 5 MB (4882 KiB): %s\n' "  its extra disk: du after the snapshots, KiB" "${du_list# }" \
		"$(verdict "$du_max" 4882)"
else
	printf '   %-52s %s\n' "  its extra disk" "n/a"
fi
printf '   %-52s %s\n' "  df: used blocks per create" "$df_mib MiB"
exit 0
