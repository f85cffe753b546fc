#!/bin/bash
# The test runner behind `make check`: unit binaries (cmocka), then every tests/e2e/t*.sh as
# root and as an unprivileged user, and one closing line `N passed, N failed, N skipped`.
#
#   tests/run.sh [--unit-only] [UNIT_BINARY...]
#
# Environment: QRUN, QRUN_FIXTURES, QRUN_TOOLS, QRUN_GUEST, QRUN_SRC (set by the Makefile);
# QRUN_TESTS_MUST_WORK=1 turns skips into failures; QRUN_E2E=PATTERN runs only matching
# scripts; QRUN_UNIT_WRAPPER prefixes each unit binary (valgrind); QRUN_TEST_USER names the
# unprivileged account (default qrun-test, created when missing).
set -u

unit_only=0
if [ "${1:-}" = --unit-only ]; then
	unit_only=1
	shift
fi

passed=0
failed=0
skipped=0
failures=()
log_dir=$(mktemp -d "${TMPDIR:-/tmp}/qrun-check.XXXXXX")
chmod 0755 "$log_dir"
trap 'rm -rf "$log_dir"' EXIT

# --- unit tests -------------------------------------------------------------------------
for bin in "$@"; do
	name=$(basename "$bin")
	out="$log_dir/$name.log"
	${QRUN_UNIT_WRAPPER:-} "$bin" >"$out" 2>&1
	st=$?
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$out" | tail -1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$out" | tail -1)
	p=${p:-0}
	f=${f:-0}
	if [ "$st" != 0 ] && [ "$f" = 0 ]; then
		f=1 # crashed, or the wrapper found an error
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$f" != 0 ]; then
		failures+=("unit $name")
		echo "FAIL unit $name"
		sed 's/^/    /' "$out"
	else
		echo "PASS unit $name ($p)"
	fi
done

# --- e2e --------------------------------------------------------------------------------
# run_script AS SCRIPT: run one TAP script, count its results.
run_script() {
	local as=$1 script=$2 name out st p f s
	name="$(basename "$script" .sh) [$as]"
	out="$log_dir/$(basename "$script").$as.log"
	if [ "$as" = user ]; then
		runuser -u "$test_user" -- env QRUN_TEST_AS=user HOME="$user_home" \
			PATH="$PATH" QRUN="$QRUN" QRUN_FIXTURES="$QRUN_FIXTURES" QRUN_TOOLS="$QRUN_TOOLS" \
			QRUN_BUILD="${QRUN_BUILD:-}" \
			QRUN_GUEST="$QRUN_GUEST" QRUN_SRC="$QRUN_SRC" TMPDIR=/tmp \
			QRUN_TESTS_MUST_WORK="${QRUN_TESTS_MUST_WORK:-0}" \
			bash "$script" >"$out" 2>&1 </dev/null
	else
		QRUN_TEST_AS=$as bash "$script" >"$out" 2>&1 </dev/null
	fi
	st=$?
	p=$(grep -c '^ok ' "$out" | tr -d ' ')
	s=$(grep -c '^ok .* # SKIP' "$out" | tr -d ' ')
	f=$(grep -c '^not ok ' "$out" | tr -d ' ')
	p=$((p - s))
	if [ "$st" = 77 ] && [ "$f" = 0 ]; then
		s=$((s + 1))
		echo "SKIP $name: $(sed -n 's/^1\.\.0 # SKIP //p' "$out")"
	elif [ "$st" != 0 ] && [ "$f" = 0 ]; then
		f=1
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
	if [ "$f" != 0 ]; then
		failures+=("$name")
		echo "FAIL $name (exit $st)"
		sed 's/^/    /' "$out" | head -200
	elif [ "$st" != 77 ]; then
		if [ "$s" != 0 ]; then echo "PASS $name ($p, $s skipped)"; else echo "PASS $name ($p)"; fi
	fi
}

if [ "$unit_only" = 0 ]; then
	src=${QRUN_SRC:-$(cd "$(dirname "$0")/.." && pwd)}
	scripts=()
	for t in "$src"/tests/e2e/t[0-9]*.sh; do
		[ -n "${QRUN_E2E:-}" ] && [[ $(basename "$t") != *${QRUN_E2E}* ]] && continue
		scripts+=("$t")
	done

	for t in "${scripts[@]}"; do
		run_script "$(if [ "$(id -u)" = 0 ]; then echo root; else echo self; fi)" "$t"
	done

	# The same scripts as an unprivileged user, because rootless is the point of qrun.
	if [ "$(id -u)" = 0 ]; then
		test_user=${QRUN_TEST_USER:-qrun-test}
		if ! id "$test_user" >/dev/null 2>&1; then
			useradd --create-home --shell /bin/sh "$test_user" ||
				{ echo "cannot create user $test_user"; exit 1; }
		fi
		user_home=$(getent passwd "$test_user" | cut -d: -f6)
		# The checkout may sit below a directory the user cannot enter (/root): then stage
		# what the tests read into a world-readable copy.
		if ! runuser -u "$test_user" -- test -x "$QRUN" -a -r "$src/tests/e2e/lib.sh" \
			-a -r "$QRUN_FIXTURES" 2>/dev/null; then
			stage="$log_dir/stage"
			mkdir -p "$stage/bin" "$stage/tests"
			cp "$QRUN" "$stage/bin/qrun"
			# and qrun's in-process shim, which it looks for beside itself or in
			# ../lib/qrun (runtime_preload()): beside the copy.
			qdir=$(dirname "$(realpath "$QRUN")")
			for f in "$qdir/libqrun-preload.so" "$qdir/../lib/qrun/libqrun-preload.so"; do
				[ -f "$f" ] && cp "$f" "$stage/bin/" && break
			done
			cp -a "$src/tests/e2e" "$stage/tests/e2e"
			cp -a "$src/tests/tools" "$stage/tests/tools" # the 5xx tests' servers
			cp -a "$QRUN_FIXTURES" "$stage/fixtures"
			cp -a "$QRUN_TOOLS" "$stage/tools"
			cp -a "$QRUN_GUEST" "$stage/guest"
			cp -a "$src/examples" "$stage/examples"
			chmod -R a+rX "$stage"
			# What the root runs left for the user's in the build dir (t301's chroot(8)
			# oracle, t410's armhf Debian): hard links (no copy of 200 MB, and no chmod:
			# the inodes are the build dir's own), a copy where links cannot be made.
			if [ -n "${QRUN_BUILD:-}" ]; then
				mkdir -p "$stage/build"
				chmod 0755 "$stage/build"
				for d in oracle debootstrap; do
					[ -d "$QRUN_BUILD/$d" ] || continue
					cp -al "$QRUN_BUILD/$d" "$stage/build/$d" 2>/dev/null ||
						cp -a "$QRUN_BUILD/$d" "$stage/build/$d"
				done
				QRUN_BUILD=$stage/build
			fi
			QRUN=$stage/bin/qrun QRUN_FIXTURES=$stage/fixtures QRUN_TOOLS=$stage/tools
			QRUN_GUEST=$stage/guest QRUN_SRC=$stage
			scripts=("${scripts[@]/#$src/$stage}")
			# A user's commands start in a directory the user can enter, not in the checkout
			# (t102 covers a working directory that cannot be opened on purpose).
			cd "$stage" || exit 1
		fi
		for t in "${scripts[@]}"; do
			run_script user "$t"
		done
	fi
fi

if [ "${#failures[@]}" != 0 ]; then
	echo
	echo "failed:"
	printf '  %s\n' "${failures[@]}"
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ]
