# Shared helpers for the end-to-end tests (TAP; bash). Source it first thing:
#
#   . "$(dirname "$0")/lib.sh"
#   is  "uname in the rootfs" "$(cmd)" "armv7l"
#   ok  "qrun info exits 0"   "$QRUN" info
#   done_testing
#
# Each test gets a fresh temp dir $T, removed on exit. skip_all REASON ends the script with
# exit 77; with QRUN_TESTS_MUST_WORK=1 every skip is a failure instead. Environment (set by
# tests/run.sh): QRUN, QRUN_FIXTURES, QRUN_TOOLS, QRUN_GUEST, QRUN_SRC, QRUN_TEST_AS (root|user).

set -u

_tap_n=0
_tap_failed=0
T=$(mktemp -d "${TMPDIR:-/tmp}/qrun-e2e.XXXXXX") || exit 1
chmod 0755 "$T"
# The store of each test is private to it.
export QRUN_ROOT="$T/store"

_lib_cleanup() {
	# Make sure read-only or mode-0000 leftovers do not stop the removal.
	chmod -R u+rwX "$T" 2>/dev/null
	rm -rf "$T"
}
trap _lib_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

_tap_result() { # status description
	_tap_n=$((_tap_n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $_tap_n - $2"
	else
		echo "not ok $_tap_n - $2"
		_tap_failed=$((_tap_failed + 1))
	fi
}

diag() { printf '# %s\n' "$@" | sed '2,$s/^/# /'; }

# ok DESCRIPTION COMMAND...: passes when COMMAND exits 0 (its output goes to the log).
ok() {
	_d=$1
	shift
	if "$@" >"$T/.out" 2>&1; then
		_tap_result 0 "$_d"
	else
		_st=$?
		_tap_result 1 "$_d"
		diag "command: $*" "exit status: $_st" "$(head -c 2000 "$T/.out")"
	fi
}

# fails DESCRIPTION COMMAND...: passes when COMMAND exits non-zero.
fails() {
	_d=$1
	shift
	if "$@" >"$T/.out" 2>&1; then
		_tap_result 1 "$_d"
		diag "command unexpectedly succeeded: $*" "$(head -c 2000 "$T/.out")"
	else
		_tap_result 0 "$_d"
	fi
}

# is DESCRIPTION GOT WANT: string equality, with a diff on failure.
is() {
	if [ "$2" = "$3" ]; then
		_tap_result 0 "$1"
	else
		_tap_result 1 "$1"
		printf '%s\n' "$3" >"$T/.want"
		printf '%s\n' "$2" >"$T/.got"
		diag "--- want / +++ got" "$(diff -u "$T/.want" "$T/.got" | tail -n +3 | head -40)"
	fi
}

# like DESCRIPTION GOT REGEX (grep -E): passes when some line of GOT matches.
like() {
	if printf '%s\n' "$2" | grep -Eq -- "$3"; then
		_tap_result 0 "$1"
	else
		_tap_result 1 "$1"
		diag "no line matches /$3/ in:" "$(printf '%s\n' "$2" | head -40)"
	fi
}

# unlike DESCRIPTION GOT REGEX: passes when no line of GOT matches.
unlike() {
	if printf '%s\n' "$2" | grep -Eq -- "$3"; then
		_tap_result 1 "$1"
		diag "unexpected match of /$3/ in:" "$(printf '%s\n' "$2" | head -40)"
	else
		_tap_result 0 "$1"
	fi
}

# status_is DESCRIPTION WANT COMMAND...: the exit status of COMMAND is WANT.
status_is() {
	_d=$1
	_w=$2
	shift 2
	"$@" >"$T/.out" 2>&1
	_st=$?
	if [ "$_st" = "$_w" ]; then
		_tap_result 0 "$_d"
	else
		_tap_result 1 "$_d"
		diag "command: $*" "exit status $_st, want $_w" "$(head -c 2000 "$T/.out")"
	fi
}

_must_work() { [ "${QRUN_TESTS_MUST_WORK:-0}" = 1 ]; }

# skip DESCRIPTION REASON: one skipped test (a failure under QRUN_TESTS_MUST_WORK=1).
skip() {
	_tap_n=$((_tap_n + 1))
	if _must_work; then
		echo "not ok $_tap_n - $1 # skipped, but QRUN_TESTS_MUST_WORK=1: $2"
		_tap_failed=$((_tap_failed + 1))
	else
		echo "ok $_tap_n - $1 # SKIP $2"
	fi
}

# skip_all REASON: the whole script cannot run here.
skip_all() {
	if _must_work; then
		echo "1..1"
		echo "not ok 1 - $(basename "$0") # skipped, but QRUN_TESTS_MUST_WORK=1: $*"
		exit 1
	fi
	echo "1..0 # SKIP $*"
	exit 77
}

# require_cmd CMD...: skip_all unless every command is on PATH.
require_cmd() {
	for _c in "$@"; do
		command -v "$_c" >/dev/null 2>&1 || skip_all "'$_c' is not installed"
	done
}

require_root() {
	[ "$(id -u)" = 0 ] || skip_all "needs root"
}

# fixture VAR KIND ARCH: set VAR to the path of a cached test root filesystem (made by
# `make fixtures`), or skip_all when it is missing.
fixture() {
	_f="$QRUN_FIXTURES/$2-$3"
	[ -f "$_f/.qrun-fixture" ] || skip_all "fixture $2-$3 missing (run 'make fixtures')"
	printf -v "$1" '%s' "$_f"
}

# dyn_rootfs ROOT PROGRAM...: copy host programs (dynamic) into ROOT/bin with the libraries ldd
# names and their ELF interpreter, at the same paths as on the host: a small amd64 rootfs whose
# programs must load the rootfs's ld.so and libraries; DYN_INTERP is set to that loader's path.
# Needs ldd and python3.
dyn_rootfs() {
	_root=$1
	shift
	mkdir -p "$_root"/{bin,tmp,proc,dev,sys,etc}
	for _prog in "$@"; do
		cp "$_prog" "$_root/bin/$(basename "$_prog")" || return 1
		ldd "$_prog" | awk '/=>/ {print $3} /^\t\// {print $1}' | while read -r _lib; do
			[ -f "$_lib" ] || continue
			mkdir -p "$_root$(dirname "$_lib")"
			cp -n "$_lib" "$_root$_lib"
		done
	done
	# the loader as named by PT_INTERP (/lib64/ld-linux-x86-64.so.2 on Debian)
	_interp=$(python3 -c 'import sys
d=open(sys.argv[1],"rb").read()
i=d.find(b"/lib64/ld-linux"); print(d[i:d.index(b"\0",i)].decode())' "$_root/bin/$(basename "$1")")
	mkdir -p "$_root$(dirname "$_interp")"
	[ -e "$_root$_interp" ] || cp -L "$_interp" "$_root$_interp"
	DYN_INTERP=$_interp
}

done_testing() {
	echo "1..$_tap_n"
	[ "$_tap_failed" = 0 ]
	exit $?
}
