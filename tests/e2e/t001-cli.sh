#!/bin/bash
# The command line: help, version, unknown and unbuilt commands, exit statuses.
. "$(dirname "$0")/lib.sh"

out=$("$QRUN" --help)
status_is "qrun --help exits 0" 0 "$QRUN" --help
like "--help lists the info command" "$out" '^  info '
like "--help says what is not built yet" "$out" '^Not built yet'
status_is "qrun with no command exits 125" 125 "$QRUN"

out=$("$QRUN" version)
like "version prints qrun's version" "$out" '^qrun version [0-9]+\.[0-9]+\.[0-9]+$'
like "version names libarchive" "$out" '^libarchive: libarchive [0-9]'
is "--version is the same as version" "$("$QRUN" --version)" "$out"

out=$("$QRUN" info --help)
like "info --help shows usage" "$out" '^Usage: qrun info$'
status_is "info --help exits 0" 0 "$QRUN" info --help

err=$("$QRUN" frobnicate 2>&1)
status_is "an unknown command exits 125" 125 "$QRUN" frobnicate
is "an unknown command is one clear line" "$err" \
	"qrun: 'frobnicate' is not a qrun command (see 'qrun --help')"

err=$("$QRUN" attach c1 2>&1)
status_is "an unbuilt command exits 125" 125 "$QRUN" attach c1
is "an unbuilt command says so" "$err" \
	"qrun: 'attach' is not built yet in this version (see 'qrun --help')"

status_is "an unknown global option exits 125" 125 "$QRUN" --frob info
err=$("$QRUN" --log-level loud info 2>&1)
is "a bad --log-level is refused" "$err" \
	"qrun: --log-level 'loud': expected error, warn, info, debug or trace"
err=$(QRUN_LOG=loud "$QRUN" version 2>&1 >/dev/null)
is "a bad QRUN_LOG is a warning" "$err" "qrun: warn: QRUN_LOG='loud' is not a log level, ignoring"

done_testing
