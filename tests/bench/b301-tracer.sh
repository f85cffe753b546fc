#!/bin/bash
# b301-tracer: what the ptrace tracer costs (issue 3). Four workloads, each timed natively,
# under `qrun chroot` and, where it works, under Debian's proot in the same run:
#
#   1. find over a generated tree of 101,101 entries in a busybox rootfs   target <= 3x
#      (GNU find, dynamic, made to stat every entry; busybox's static find for reference: the
#      in-process shim cannot go into a static program)
#   2. 1000 x fork+exec of a static /bin/true from a busybox sh loop        target <= 1.5x
#   3. getppid loop (a call that needs no translation), static helper       target <= 1.05x
#   4. make -j2 of a generated 50-file C project, `qrun chroot /`            target <= 1.3x
#
# 1-3 are also run with `qrun chroot --no-seccomp` (every call stops). Targets are held by
# `qrun chroot` (default: seccomp on) only; the other rows are for reference. Native = chroot(8)
# into the same rootfs with the same binaries (as another user, 1-3 run those static binaries by
# their host paths instead, without chroot). Method as in ../shared/research/proot.md §7:
# hyperfine -N, means of 5 runs (short) or 3 (long); qrun keeps its tracer on the CPU it starts
# on (tracer/run.c), nothing else is pinned.
#
# Each cell (workload x runner) first gets one untimed, checked run: exit status, and the find
# count or the built program's output. It is the warm-up. Then the runners of a workload are
# timed in interleaved rounds (hyperfine -N --runs 1 each, --export-json into a temp dir), so a
# change of load on the machine hits them alike. A cell that fails its check, or that does not
# end within B301_TIMEOUT seconds, prints "n/a (why)". Slow results never fail the benchmark.
# The generated inputs are cached under $QRUN_BUILD/bench.
#
# Environment: QRUN, QRUN_FIXTURES, QRUN_BUILD (from tests/bench/run.sh). Optional:
# B301_ONLY="1 3" (workloads to run), B301_TIMEOUT (per run, default 300), B301_BUDGET (seconds,
# default 480: past it, cells still to be timed get 2 runs, not 3 or 5; the whole run is ~5 min
# on an idle 2-CPU machine), B301_PROOT (default: proot on PATH; "none" skips it),
# B301_TIMER=date (time without hyperfine).
set -u

: "${QRUN:?set by tests/bench/run.sh}" "${QRUN_FIXTURES:?}" "${QRUN_BUILD:?}"
ONLY=${B301_ONLY:-1 2 3 4}
LIMIT=${B301_TIMEOUT:-300}
BUDGET=${B301_BUDGET:-480} # seconds; past it, each later cell gets 2 timed runs only
CUT=
BB=$QRUN_FIXTURES/busybox-amd64
HELPER=$QRUN_FIXTURES/helper-amd64
CACHE=$QRUN_BUILD/bench
FIND_ROOT=$CACHE/find-root # a copy of busybox-amd64 plus /tree
CPROJ=$CACHE/cproj
LOOPS=1000         # workload 2
PPID_N=5000000    # workload 3, native and qrun chroot (~5 s natively here)
PPID_N_SLOW=50000 # workload 3 for runners that stop at every call (~30-60 us each)

TMP=$(mktemp -d "${TMPDIR:-/tmp}/qrun-b301.XXXXXX") || exit 0
trap 'rm -rf "$TMP"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say() { printf '%s\n' "$*"; }
want() { case " $ONLY " in *" $1 "*) return 0 ;; esac; return 1; }

# ---------------------------------------------------------------- runners and timers
PROOT=${B301_PROOT:-$(command -v proot || true)}
[ "$PROOT" = none ] && PROOT=
PROOT_VER=
if [ -n "$PROOT" ]; then
	PROOT_VER=$("$PROOT" --version 2>&1 | grep -o '[0-9]\+\.[0-9]\+\.[0-9]\+' | head -n 1)
	PROOT_VER=${PROOT_VER:-(unknown version)}
fi
if [ -x "$QRUN" ] && "$QRUN" chroot --help >/dev/null 2>&1; then
	qrun_ok=1
else
	qrun_ok=
fi
HF=$(command -v hyperfine || true)
[ "${B301_TIMER:-}" = date ] && HF=
if command -v python3 >/dev/null && python3 -c 'import json' 2>/dev/null; then
	JSON=python3
elif command -v jq >/dev/null; then
	JSON=jq
else
	JSON=
fi
IS_ROOT=
[ "$(id -u)" = 0 ] && IS_ROOT=1

# Each cell's outcome: MEAN[id] and SD[id] (seconds) or NA[id] (why it has no time); a checked
# cell waits in CELLS with its command CMD[id], preparation PREP[id] and number of runs RUNS[id].
declare -A MEAN SD NA CMD PREP RUNS
CELLS=()

q() { printf '%q ' "$@"; } # a command line, quoted for both hyperfine -N and eval

# stats FILE: "mean stddev" of the seconds in FILE, one a line.
stats() {
	awk '{ s += $1; ss += $1 * $1; n++ }
	     END { m = s / n; v = 0; if (n > 1) v = (ss - n * m * m) / (n - 1);
	           if (v < 0) v = 0; printf "%.6f %.6f\n", m, sqrt(v) }' "$1"
}

# parse_hf JSON CSV: the mean from hyperfine's exports (python3, else jq, else the CSV).
parse_hf() {
	case $JSON in
	python3) python3 -c 'import json, sys
print("%.6f" % json.load(open(sys.argv[1]))["results"][0]["mean"])' "$1" ;;
	jq) jq -r '.results[0].mean' "$1" ;;
	*) awk -F, 'NR == 2 { print $(NF - 6) }' "$2" ;; # the command may hold commas
	esac
}

# check ID RUNS PREPARE CMD EXPECT [AFTER]: one untimed run of CMD (after PREPARE), which is
# also the warm-up. It passes on exit status 0 and, when EXPECT is not empty, when EXPECT equals
# the stdout of CMD (or of AFTER, run after CMD, when given); then the cell joins CELLS for
# RUNS timed runs. Commands are strings made by q().
check() {
	local id=$1 runs=$2 prep=$3 cmd=$4 expect=$5 after=${6:-} st out
	printf '   %-12s checked run: ' "$id"
	if [ -n "$prep" ] && ! eval "$prep" >/dev/null 2>&1; then
		NA[$id]="prepare failed: $prep"
	else
		timeout -k 10 "$LIMIT" bash -c "$cmd" >"$TMP/out" 2>"$TMP/err" </dev/null
		st=$?
		if [ "$st" = 0 ] && [ -n "$after" ]; then
			eval "$after" >"$TMP/out" 2>>"$TMP/err"
			st=$?
		fi
		out=$(cat "$TMP/out")
		if [ "$st" = 124 ] || [ "$st" = 137 ]; then
			NA[$id]="no end within ${LIMIT}s"
		elif [ "$st" != 0 ]; then
			NA[$id]="exit $st: $(grep -v '^$' "$TMP/err" | tail -n 1 | cut -c1-90)"
		elif [ -n "$expect" ] && [ "$out" != "$expect" ]; then
			NA[$id]="wrong output: '$(printf '%s' "$out" | head -n 1 | cut -c1-20)', want '$expect'"
		fi
	fi
	if [ -n "${NA[$id]:-}" ]; then
		say "n/a (${NA[$id]})"
		return
	fi
	say "ok${expect:+ ($expect)}"
	CMD[$id]=$cmd
	PREP[$id]=$prep
	RUNS[$id]=$runs
	CELLS+=("$id")
	: >"$TMP/$id.times"
}

# time_once ID: one timed run of the cell, appended to its times; NA on failure or timeout.
time_once() {
	local id=$1 t0 t1 st
	if [ -n "${PREP[$id]}" ]; then eval "${PREP[$id]}" >/dev/null 2>&1; fi
	if [ -n "$HF" ]; then
		timeout -k 10 "$LIMIT" "$HF" -N --style none --runs 1 \
			--export-json "$TMP/hf.json" --export-csv "$TMP/hf.csv" "${CMD[$id]}" \
			>/dev/null 2>"$TMP/hf.err"
		st=$?
		if [ "$st" = 0 ]; then
			parse_hf "$TMP/hf.json" "$TMP/hf.csv" >>"$TMP/$id.times"
			return
		fi
	else
		t0=$(date +%s.%N)
		eval "timeout -k 10 \"\$LIMIT\" ${CMD[$id]}" >/dev/null 2>"$TMP/hf.err" </dev/null
		st=$?
		t1=$(date +%s.%N)
		if [ "$st" = 0 ]; then
			echo "$t1 $t0" | awk '{ printf "%.6f\n", $1 - $2 }' >>"$TMP/$id.times"
			return
		fi
	fi
	if [ "$st" = 124 ] || [ "$st" = 137 ]; then
		NA[$id]="a timed run did not end within ${LIMIT}s"
	else
		NA[$id]="a timed run failed: $(grep -v '^$' "$TMP/hf.err" | tail -n 1 | cut -c1-90)"
	fi
}

# time_cells: time every checked cell in rounds, one run of each cell per round (a cell leaves
# after its RUNS), so that load changing on the machine hits every runner alike; then the means.
# Past BUDGET seconds (a loaded machine), no round after the second starts.
time_cells() {
	local round=1 more=1 id
	while [ -n "$more" ]; do
		if [ "$round" -gt 2 ] && [ "$SECONDS" -gt "$BUDGET" ]; then
			say "   (over the ${BUDGET}s budget: $((round - 1)) runs per cell here)"
			CUT=1
			break
		fi
		more=
		for id in "${CELLS[@]}"; do
			[ -z "${NA[$id]:-}" ] && [ "$round" -le "${RUNS[$id]}" ] || continue
			time_once "$id"
			more=1
		done
		round=$((round + 1))
	done
	for id in "${CELLS[@]}"; do
		if [ -n "${NA[$id]:-}" ]; then
			printf '   %-12s n/a (%s)\n' "$id" "${NA[$id]}"
			continue
		fi
		read -r MEAN[$id] SD[$id] <<<"$(stats "$TMP/$id.times")"
		printf '   %-12s %s\n' "$id" "$(tr '\n' ' ' <"$TMP/$id.times")"
	done
	CELLS=()
}

# skip ID WHY: a cell that is not run.
skip() { NA[$1]=$2; printf '   %-12s n/a (%s)\n' "$1" "$2"; }

# cell RUNNER ID RUNS PREPARE EXPECT AFTER -- ARGV...: run ARGV (the rootfs and the command)
# under RUNNER: native | qrun | qrun-nosec | qrun-nopre | qrun-nowall (QRUN_WALL=off: no
# Landlock wall; static programs only, since it also turns the shim off) | proot.
cell() {
	local runner=$1 id=$2 runs=$3 prep=$4 expect=$5 after=$6
	shift 7
	case $runner in
	native)
		if [ "$1" = / ]; then
			shift
			check "$id" "$runs" "$prep" "$(q "$@")" "$expect" "$after"
		elif [ -n "$IS_ROOT" ]; then
			check "$id" "$runs" "$prep" "$(q chroot "$@")" "$expect" "$after"
		elif [ ${#ALT[@]} -gt 0 ]; then
			check "$id" "$runs" "$prep" "$(q "${ALT[@]}")" "$expect" "$after"
		else
			skip "$id" "chroot(8) needs root"
		fi
		;;
	qrun | qrun-nosec | qrun-nopre | qrun-nowall)
		if [ -z "$qrun_ok" ]; then
			skip "$id" "no working 'qrun chroot' at $QRUN"
			return
		fi
		local opt=()
		[ "$runner" = qrun-nosec ] && opt=(--no-seccomp)
		[ "$runner" = qrun-nopre ] && opt=(--no-preload)
		local env=()
		[ "$runner" = qrun-nowall ] && env=(env QRUN_WALL=off)
		check "$id" "$runs" "$prep" "$(q "${env[@]}" "$QRUN" chroot "${opt[@]}" "$@")" "$expect" "$after"
		;;
	proot)
		if [ -z "$PROOT" ]; then
			skip "$id" "proot not installed"
			return
		fi
		check "$id" "$runs" "$prep" "$(q "$PROOT" -w / -r "$@")" "$expect" "$after"
		;;
	esac
}

# ---------------------------------------------------------------- generated inputs (cached)
# The find rootfs: busybox-amd64 plus /tree/dNN/sM/fKK = 1 + 100 + 1000 + 100000 entries.
FIND_STAMP="b301 find-root v1: busybox-amd64 + tree 100x10x100"
make_find_root() {
	local tmp d
	[ "$(cat "$FIND_ROOT/.b301-stamp" 2>/dev/null)" = "$FIND_STAMP" ] && return 0
	[ -f "$BB/.qrun-fixture" ] || { echo "no busybox-amd64 fixture in $QRUN_FIXTURES" ; return 1; }
	say "   (building $FIND_ROOT once: 101,101 files and directories, ~15 s)"
	mkdir -p "$CACHE" || return 1
	tmp=$(mktemp -d "$CACHE/.find-root.XXXXXX") || return 1
	cp -a "$BB/." "$tmp/" || { rm -rf "$tmp"; return 1; }
	for d in $(seq -w 0 99); do
		mkdir -p "$tmp/tree/d$d"/s{0..9} && touch "$tmp/tree/d$d"/s{0..9}/f{00..99} ||
			{ rm -rf "$tmp"; return 1; }
	done
	echo "$FIND_STAMP" >"$tmp/.b301-stamp"
	chmod -R a+rX "$tmp"
	rm -rf "$FIND_ROOT"
	mv "$tmp" "$FIND_ROOT"
}

# GNU find (dynamic, glibc) in the same rootfs as /usr/bin/gfind, with its libraries and ld.so
# copied from the host (ldd): the case qrun's in-process shim is for. Nothing is written
# through a symlink of the rootfs (its /usr/bin/find is an absolute link to /bin/busybox, which
# cp would follow to the host's).
GFIND_STAMP="b301 gnu find v2: $(sha256sum /usr/bin/find 2>/dev/null | cut -c1-16)"
put_file() { # put_file SRC GUEST_PATH: copy SRC to FIND_ROOT/GUEST_PATH, never through a link
	local dst=$FIND_ROOT$2 d
	d=$(dirname "$2")
	while [ "$d" != / ]; do
		[ -L "$FIND_ROOT$d" ] && return 1
		d=$(dirname "$d")
	done
	mkdir -p "$(dirname "$dst")" && rm -f "$dst" && cp -L "$1" "$dst"
}
add_gnu_find() {
	local lib interp
	[ "$(cat "$FIND_ROOT/.b301-gfind" 2>/dev/null)" = "$GFIND_STAMP" ] && return 0
	[ -x /usr/bin/find ] && command -v ldd >/dev/null || return 1
	put_file /usr/bin/find /usr/bin/gfind || return 1
	interp=$(readelf -l /usr/bin/find 2>/dev/null | sed -n 's/.*interpreter: \(.*\)]/\1/p')
	for lib in $(ldd /usr/bin/find | awk '/=>/ {print $3}') $interp; do
		[ -f "$lib" ] && put_file "$lib" "$lib" || return 1
	done
	chmod -R a+rX "$FIND_ROOT/usr" "$FIND_ROOT/lib"* 2>/dev/null
	echo "$GFIND_STAMP" >"$FIND_ROOT/.b301-gfind"
}

# The C project: p01.c .. p49.c (four small functions each, the usual libc headers) and main.c,
# whose program prints the sum of every file's p<N>_all(1); make clean between runs.
CPROJ_STAMP="b301 cproj v1: 49 + main.c"
CPROJ_SUM=0
make_cproj() {
	local tmp n k
	CPROJ_SUM=0
	for n in $(seq 1 49); do # p<n>_all(1), as main.c computes it; 1$n below is 100 + n
		k=$((100 + n))
		CPROJ_SUM=$((CPROJ_SUM + (1 + k) + (2 + k) + (1 + k % 7) + (1 + k)))
	done
	[ "$(cat "$CPROJ/.b301-stamp" 2>/dev/null)" = "$CPROJ_STAMP" ] && return 0
	mkdir -p "$CACHE" || return 1
	tmp=$(mktemp -d "$CACHE/.cproj.XXXXXX") || return 1
	{
		echo '#ifndef PROJ_H'
		echo '#define PROJ_H'
		for n in $(seq -w 1 49); do echo "int p${n}_all(int x);"; done
		echo '#endif'
	} >"$tmp/proj.h"
	for n in $(seq -w 1 49); do
		cat >"$tmp/p$n.c" <<EOF
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "proj.h"

static int add(int x) { return x + 1$n % 1000; }
static int twice(int x) { char b[32]; snprintf(b, sizeof(b), "%d", 2 * x); return atoi(b) + 1$n % 1000; }
static int mod7(int x) { int a[8]; memset(a, 0, sizeof(a)); a[x & 7] = x; return a[x & 7] + 1$n % 1000 % 7; }
int p${n}_all(int x) { return add(x) + twice(x) + mod7(x) + add(x); }
EOF
	done
	{
		echo '#include <stdio.h>'
		echo '#include "proj.h"'
		echo 'int main(void)'
		echo '{'
		echo '	long s = 0;'
		for n in $(seq -w 1 49); do echo "	s += p${n}_all(1);"; done
		echo '	printf("%ld\n", s);'
		echo '	return 0;'
		echo '}'
	} >"$tmp/main.c"
	# Recipes start with a tab.
	printf '%s\n' \
		'CC ?= gcc' \
		'CFLAGS ?= -O2 -Wall' \
		'SRCS := $(wildcard $(CURDIR)/*.c)' \
		'OBJS := $(SRCS:.c=.o)' \
		'$(CURDIR)/prog: $(OBJS)' \
		'	$(CC) -o $@ $(OBJS)' \
		'$(CURDIR)/%.o: $(CURDIR)/%.c $(CURDIR)/proj.h' \
		'	$(CC) $(CFLAGS) -c -o $@ $<' \
		'clean:' \
		'	rm -f $(CURDIR)/*.o $(CURDIR)/prog' \
		'.PHONY: clean' >"$tmp/Makefile"
	echo "$CPROJ_STAMP" >"$tmp/.b301-stamp"
	chmod -R a+rX "$tmp"
	rm -rf "$CPROJ"
	mv "$tmp" "$CPROJ"
}

# ---------------------------------------------------------------- header
say "   tracer overhead: qrun chroot vs native vs Debian's proot (means; ratio = runner / native)"
say "   machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //'), Linux $(uname -r)"
say "   timer: $([ -n "$HF" ] && "$HF" --version || echo 'date +%s.%N (no hyperfine)')," \
	"proot: ${PROOT_VER:-absent}"
say "   caveat: only qrun's tracer is pinned (to the CPU it starts on); tracees float. A ptrace stop"
say "   costs ~8 us when tracer and tracee share a CPU and ~45-50 us across vCPUs (proot.md"
say "   §7), so rows that stop often vary between runs. QRUN_TRACER_CPU=any floats the tracer too."
say "   load average at start: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine adds noise)"
[ -n "$IS_ROOT" ] || say "   note: not root: the native rows of 1-3 run the rootfs's static binaries by host path, no chroot"
say ""

# ---------------------------------------------------------------- workloads
# Rows of the table: workload, runner, id, target (empty: reference only), joined by US.
US=$'\x1f'
ROWS=()
ALT=() # the native command without chroot(8), for a user who is not root
row() { ROWS+=("$1$US$2$US$3$US$4"); }

if want 1; then
	say "   [1] find over the generated tree"
	if make_find_root; then
		fcount=$(find "$FIND_ROOT/tree" | wc -l)
		fcmd=(/bin/sh -c 'find /tree | wc -l')
		ALT=("$FIND_ROOT/bin/busybox" sh -c "$(q "$FIND_ROOT/bin/busybox") find $(q "$FIND_ROOT/tree") | $(q "$FIND_ROOT/bin/busybox") wc -l")
		cell native f-native 3 "" "$fcount" "" -- "$FIND_ROOT" "${fcmd[@]}"
		cell qrun f-qrun 3 "" "$fcount" "" -- "$FIND_ROOT" "${fcmd[@]}"
		cell qrun-nosec f-nosec 3 "" "$fcount" "" -- "$FIND_ROOT" "${fcmd[@]}"
		cell qrun-nowall f-nowall 3 "" "$fcount" "" -- "$FIND_ROOT" "${fcmd[@]}"
		cell proot f-proot 3 "" "$fcount" "" -- "$FIND_ROOT" "${fcmd[@]}"
		time_cells
	else
		for id in f-native f-qrun f-nosec f-nowall f-proot; do NA[$id]="could not build the tree"; done
		fcount=101101
	fi
	# GNU find, dynamic: the shim answers its stat calls in the process. Left alone, GNU find
	# stats nothing here (getdents' d_type is enough); -size makes it stat every entry, as
	# busybox find does.
	if [ -f "$FIND_ROOT/.b301-stamp" ] && add_gnu_find; then
		gcmd=(/bin/sh -c '/usr/bin/gfind /tree -size -1 -o -type d | wc -l')
		ALT=(sh -c "$(q "$FIND_ROOT/usr/bin/gfind") $(q "$FIND_ROOT/tree") -size -1 -o -type d | wc -l")
		cell native F-native 3 "" "$fcount" "" -- "$FIND_ROOT" "${gcmd[@]}"
		cell qrun F-qrun 3 "" "$fcount" "" -- "$FIND_ROOT" "${gcmd[@]}"
		cell qrun-nopre F-nopre 3 "" "$fcount" "" -- "$FIND_ROOT" "${gcmd[@]}"
		cell proot F-proot 3 "" "$fcount" "" -- "$FIND_ROOT" "${gcmd[@]}"
		time_cells
	else
		for id in F-native F-qrun F-nopre F-proot; do NA[$id]="could not add GNU find"; done
	fi
	w="1 GNU find, a stat per entry ($fcount)"
	row "$w" "native: chroot ROOT" F-native ""
	row "" "qrun chroot ROOT" F-qrun 3
	row "" "qrun chroot --no-preload ROOT" F-nopre ""
	row "" "proot -r ROOT" F-proot ""
	w="1b busybox find (static, no shim)"
	row "$w" "native: chroot ROOT" f-native ""
	row "" "qrun chroot ROOT" f-qrun ""
	row "" "qrun chroot --no-seccomp ROOT" f-nosec ""
	row "" "QRUN_WALL=off qrun chroot ROOT" f-nowall ""
	row "" "proot -r ROOT" f-proot ""
fi

if want 2; then
	say "   [2] $LOOPS x fork+exec of /bin/true (static busybox)"
	lcmd=(/bin/sh -c "for i in \$(seq $LOOPS); do /bin/true; done")
	ALT=("$BB/bin/busybox" sh -c "for i in \$($(q "$BB/bin/busybox") seq $LOOPS); do $(q "$BB/bin/busybox") true; done")
	cell native l-native 5 "" "" "" -- "$BB" "${lcmd[@]}"
	cell qrun l-qrun 5 "" "" "" -- "$BB" "${lcmd[@]}"
	cell qrun-nosec l-nosec 3 "" "" "" -- "$BB" "${lcmd[@]}"
	cell qrun-nowall l-nowall 3 "" "" "" -- "$BB" "${lcmd[@]}"
	cell proot l-proot 3 "" "" "" -- "$BB" "${lcmd[@]}"
	time_cells
	w="2 sh loop: $LOOPS x /bin/true"
	row "$w" "native: chroot BUSYBOX" l-native ""
	row "" "qrun chroot BUSYBOX" l-qrun 1.5
	row "" "qrun chroot --no-seccomp BUSYBOX" l-nosec ""
	row "" "QRUN_WALL=off qrun chroot BUSYBOX" l-nowall ""
	row "" "proot -r BUSYBOX" l-proot ""
fi

if want 3; then
	say "   [3] getppid loop (static helper)"
	ALT=("$HELPER/bin/getppid-loop" "$PPID_N")
	cell native g-native 3 "" "" "" -- "$HELPER" /bin/getppid-loop "$PPID_N"
	cell qrun g-qrun 3 "" "" "" -- "$HELPER" /bin/getppid-loop "$PPID_N"
	# The fixed cost in those: starting the tracer and the traced exec, with no loop at all.
	ALT=("$HELPER/bin/getppid-loop" 0)
	cell native g-native-0 5 "" "" "" -- "$HELPER" /bin/getppid-loop 0
	cell qrun g-qrun-0 5 "" "" "" -- "$HELPER" /bin/getppid-loop 0
	ALT=("$HELPER/bin/getppid-loop" "$PPID_N_SLOW")
	cell native g-native-s 3 "" "" "" -- "$HELPER" /bin/getppid-loop "$PPID_N_SLOW"
	cell qrun-nosec g-nosec 3 "" "" "" -- "$HELPER" /bin/getppid-loop "$PPID_N_SLOW"
	cell proot g-proot 3 "" "" "" -- "$HELPER" /bin/getppid-loop "$PPID_N_SLOW"
	time_cells
	row "3 getppid-loop $PPID_N" "native: chroot HELPER" g-native ""
	row "" "qrun chroot HELPER" g-qrun 1.05
	row "3 getppid-loop 0 (startup only)" "native: chroot HELPER" g-native-0 ""
	row "" "qrun chroot HELPER" g-qrun-0 ""
	row "3 getppid-loop $PPID_N_SLOW" "native: chroot HELPER" g-native-s ""
	row "" "qrun chroot --no-seccomp HELPER" g-nosec ""
	row "" "proot -r HELPER" g-proot ""
fi

if want 4; then
	say "   [4] make -j2 of a 50-file C project"
	if make_cproj; then
		mk=(make -s -C "$CPROJ" -j2)
		prep=$(q make -s -C "$CPROJ" clean)
		chk=$(q "$CPROJ/prog")
		cell native m-native 3 "$prep" "$CPROJ_SUM" "$chk" -- / "${mk[@]}"
		cell qrun m-qrun 3 "$prep" "$CPROJ_SUM" "$chk" -- / "${mk[@]}"
		cell proot m-proot 3 "$prep" "$CPROJ_SUM" "$chk" -- / "${mk[@]}"
		time_cells
		make -s -C "$CPROJ" clean >/dev/null 2>&1
	else
		for id in m-native m-qrun m-proot; do NA[$id]="could not generate the project"; done
	fi
	row "4 make -j2, 50 C files (gcc)" "native: make" m-native ""
	row "" "qrun chroot / make" m-qrun 1.3
	row "" "proot -r / make" m-proot ""
fi

# ---------------------------------------------------------------- table and summary
# fmt_time SECONDS: 3 significant digits.
fmt_time() { awk -v t="$1" 'BEGIN { if (t < 0.1) printf "%.1f ms", t * 1000; else if (t < 10) printf "%.3f s", t; else printf "%.1f s", t }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { r = a / b; printf(r < 10 ? "%.2fx" : "%.1fx", r) }'; }

say ""
printf '   %-38s %-33s %-22s %-8s %s\n' workload runner "mean ± sd" "/native" "target (qrun chroot)"
printf '   %s\n' "$(printf '%.0s-' {1..118})"
SUMMARY=()
base=
raw=
for r in "${ROWS[@]}"; do
	IFS=$US read -r w runner id target <<<"$r"
	case $runner in native*) base=$id ;; esac
	if [ -n "${MEAN[$id]:-}" ]; then
		t="$(fmt_time "${MEAN[$id]}") ± $(fmt_time "${SD[$id]}")"
		if [ "$id" = "$base" ]; then
			rat=1.00x
		elif [ -n "${MEAN[$base]:-}" ]; then
			rat=$(ratio "${MEAN[$id]}" "${MEAN[$base]}")
			raw=$(awk -v a="${MEAN[$id]}" -v b="${MEAN[$base]}" 'BEGIN { printf "%.6f", a / b }')
		else
			rat="n/a"
		fi
	else
		t="n/a (${NA[$id]:-not run})"
		rat=""
	fi
	verdict="reference"
	[ "$id" = "$base" ] && verdict="baseline"
	if [ -n "$target" ]; then
		if [ -n "$rat" ] && [ "$rat" != n/a ]; then
			if awk -v r="$raw" -v t="$target" 'BEGIN { exit !(r <= t) }'; then
				verdict="<= ${target}x: met"
			else
				verdict="<= ${target}x: MISSED"
			fi
		else
			verdict="<= ${target}x: not measured"
		fi
		SUMMARY+=("$id$US$rat$US$target$US$verdict")
	fi
	if [ ${#t} -gt 22 ]; then
		# A long n/a reason gets its own line.
		printf '   %-38s %-33s %s\n' "$w" "$runner" "$t"
	else
		printf '   %-38s %-33s %-22s %-8s %s\n' "$w" "$runner" "$t" "$rat" "$verdict"
	fi
done

say ""
[ -n "$CUT" ] && say "   note: the time budget (B301_BUDGET=${BUDGET}s) cut some cells to 2 runs (machine busy?)"
say "   summary (qrun chroot, seccomp on, vs native; proot ${PROOT_VER:-absent} for comparison):"
for s in "${SUMMARY[@]}"; do
	IFS=$US read -r id rat target verdict <<<"$s"
	case $id in
	F-*) name="1 GNU find" tid=F-native pid=F-proot nid=F-native ;;
	f-*) name="1b busybox find" tid=f-native pid=f-proot nid=f-native ;;
	l-*) name="2 fork+exec loop" tid=l-native pid=l-proot nid=l-native ;;
	g-*) name="3 getppid loop" tid=g-native pid=g-proot nid=g-native-s ;;
	m-*) name="4 make -j2" tid=m-native pid=m-proot nid=m-native ;;
	esac
	pr="proot n/a"
	if [ -n "${MEAN[$pid]:-}" ] && [ -n "${MEAN[$nid]:-}" ]; then
		pr="proot $(ratio "${MEAN[$pid]}" "${MEAN[$nid]}")"
	fi
	# A spread above 15% of the mean on either side makes the verdict shaky.
	for x in "$id" "$tid"; do
		[ -n "${MEAN[$x]:-}" ] && awk -v m="${MEAN[$x]}" -v d="${SD[$x]}" 'BEGIN { exit !(d > 0.15 * m) }' &&
			pr="$pr; noisy: sd > 15% of mean" && break
	done
	printf '   %-18s %-8s target <= %-5s %-8s (%s)\n' "$name" "${rat:-n/a}" "${target}x" \
		"${verdict##*: }" "$pr"
done
exit 0
