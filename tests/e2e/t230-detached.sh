#!/bin/bash
# Containers on their own (issue 16): `run -d` leaves a monitor (runtime/monitor.c) in a new
# session that holds the tracer and writes the output to the container's log (docker's
# json-file); `logs`, `stop`, `wait`, `restart` and `kill` work on it as docker's do.
. "$(dirname "$0")/lib.sh"
fixture BB busybox amd64
require_cmd ps

mkdir -p "$T/bb"
cp -a "$BB/." "$T/bb/"
tar -C "$T/bb" --numeric-owner --owner=0 --group=0 -czf "$T/bb.tgz" .
ok "import busybox" "$QRUN" import -q "$T/bb.tgz" bb:1
mkdir -p "$T/ss"
printf 'FROM bb:1\nSTOPSIGNAL SIGUSR1\n' >"$T/ss/Dockerfile"
ok "an image with a StopSignal" "$QRUN" build -q -t stopsig:1 "$T/ss"

# no monitor outlives the test, whatever fails
trap '"$QRUN" ps -a -q 2>/dev/null | xargs -r "$QRUN" rm -f >/dev/null 2>&1; _lib_cleanup' EXIT
q() {
	"$QRUN" "$@" </dev/null >"$T/q.out" 2>"$T/q.err"
	st=$?
	out=$(cat "$T/q.out")
	err=$(cat "$T/q.err")
}
res() { printf '%s|%s|%s' "$st" "$out" "$err"; }
qwait() { timeout 20 "$QRUN" wait "$@" 2>&1; }
running() { "$QRUN" ps 2>/dev/null | grep -q " $1\$"; }
state() { "$QRUN" ps -a 2>/dev/null | grep " $1\$"; }

# --- run -d ---------------------------------------------------------------------------------
id=$("$QRUN" run -d --name d1 bb:1 sh -c 'echo out; echo err >&2; i=0
	while true; do i=$((i+1)); echo "tick $i"; sleep 0.2; done' 2>&1)
like "run -d prints the container's ID" "$id" '^[0-9a-f]{64}$'
ok "and it runs" running d1
mon=$(jq -r .pid "$QRUN_ROOT/containers/$id/state.json" 2>/dev/null)
sid_mon=$(ps -o sid= -p "$mon" 2>/dev/null | tr -d ' ')
ok "its monitor is in a session of its own (it outlives the terminal)" \
	test -n "$sid_mon" -a "$sid_mon" != "$(ps -o sid= -p $$ | tr -d ' ')"
sleep 0.7
is "logs: stdout" "$("$QRUN" logs d1 2>/dev/null | head -2)" "out
tick 1"
is "logs: stderr to stderr" "$("$QRUN" logs d1 2>&1 >/dev/null)" "err"
is "logs --tail 1" "$("$QRUN" logs --tail 1 d1 2>/dev/null | grep -c tick)" 1
like "logs -t: RFC 3339 times" "$("$QRUN" logs -t d1 2>/dev/null | head -1)" \
	'^20[0-9]{2}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\.[0-9]{9}Z out$'
is "logs --since in the future: nothing" "$("$QRUN" logs --since 2099-01-01T00:00:00Z d1 2>&1)" ""
n1=$("$QRUN" logs d1 2>/dev/null | grep -c tick)
timeout 1 "$QRUN" logs -f --tail 0 d1 >"$T/follow" 2>&1
ok "logs -f follows what it writes" test "$(grep -c tick "$T/follow")" -ge 3
ok "logs -f: only new lines after --tail 0" test "$(head -1 "$T/follow" | cut -d' ' -f2)" -gt "$n1"

# --- stop, wait -------------------------------------------------------------------------------
start=$(date +%s%N)
q stop d1
is "stop prints the name" "$(res)" "0|d1|"
ok "stop of a program that ends on TERM is quick" \
	test $((($(date +%s%N) - start) / 1000000)) -lt 3000
is "wait prints its status" "$(qwait d1)" 143
like "ps -a: Exited (143)" "$(state d1)" 'Exited \(143\)'
like "logs after the end" "$("$QRUN" logs d1 2>/dev/null | tail -1)" '^tick '

"$QRUN" run -d --name d2 bb:1 sh -c 'trap "" TERM; while true; do sleep 0.1; done' >/dev/null
sleep 0.5
start=$(date +%s%N)
q stop -t 1 d2
el=$((($(date +%s%N) - start) / 1000000))
ok "stop -t 1 of a program that ignores TERM: KILL after 1 s ($el ms)" \
	test "$el" -ge 900 -a "$el" -lt 4000
is "wait: 137" "$(qwait d2)" 137

"$QRUN" run -d --name d3 stopsig:1 sh -c 'sleep 100' >/dev/null
sleep 0.5
q stop d3
is "stop sends the image's StopSignal (USR1: 138)" "$(qwait d3)" 138

"$QRUN" run -d --name d4 bb:1 sh -c 'sleep 0.5; exit 7' >/dev/null
is "wait for a running container" "$(qwait d4)" 7
q stop d4
is "stop of a stopped container is fine" "$st" 0

# --- restart ------------------------------------------------------------------------------------
"$QRUN" run -d --name d5 bb:1 sh -c 'echo run; sleep 100' >/dev/null
sleep 0.5
q restart -t 1 d5
is "restart prints the name" "$(res)" "0|d5|"
ok "and it runs again" running d5
sleep 0.3
is "its log has both runs" "$("$QRUN" logs d5 2>/dev/null)" "run
run"
q kill d5

# --- --restart ---------------------------------------------------------------------------------
"$QRUN" run -d --name r1 --restart on-failure:2 bb:1 sh -c 'echo run; exit 3' >/dev/null
is "--restart on-failure:2: restarted twice, then its status" "$(qwait r1)" 3
sleep 0.3
is "three runs in its log" "$("$QRUN" logs r1 2>&1)" "run
run
run"
"$QRUN" run -d --name r2 --restart on-failure bb:1 sh -c 'echo ok' >/dev/null
is "on-failure: a success is not restarted" "$(qwait r2)" 0
"$QRUN" run -d --name r3 --restart always bb:1 sh -c 'echo again; sleep 0.2' >/dev/null
sleep 1
q stop r3
n3=$("$QRUN" logs r3 2>/dev/null | wc -l)
sleep 0.8
ok "always: restarted ($n3 runs) until stop, and not after" test "$n3" -ge 3 -a \
	"$("$QRUN" logs r3 2>/dev/null | wc -l)" = "$n3"
unlike "stopped for good" "$("$QRUN" ps 2>&1)" ' r3$'
like "a bad policy" "$("$QRUN" run -d --restart sometimes bb:1 true 2>&1)" \
	"--restart 'sometimes': expected no, on-failure"

# --- run -d --rm, a start that fails, a killed monitor ------------------------------------------
"$QRUN" run -d --rm --name d6 bb:1 true >/dev/null
for _ in $(seq 50); do state d6 >/dev/null || break; sleep 0.1; done
unlike "run -d --rm: removed when it ends" "$("$QRUN" ps -a 2>&1)" ' d6$'
id=$("$QRUN" run -d --name d7 bb:1 /no/such/program 2>&1)
like "run -d of a missing program prints the ID (docker does)" "$id" '^[0-9a-f]{64}$'
is "and it exits 127" "$(qwait d7)" 127
like "logs say why" "$("$QRUN" logs d7 2>&1)" 'no/such/program'
"$QRUN" run -d --name d8 bb:1 sleep 100 >/dev/null
sleep 0.5
st8=$(cat "$QRUN_ROOT"/containers/*/state.json | jq -r 'select(.name == "d8") | .guestPid')
mon=$(ps -o ppid= -p "$(cat "$QRUN_ROOT"/containers/*/state.json |
	jq -r 'select(.name == "d8") | .pid')" | tr -d ' ')
kill -KILL "$mon"
for _ in $(seq 50); do kill -0 "$st8" 2>/dev/null || break; sleep 0.1; done
ok "SIGKILL of the monitor: the container's process dies" sh -c "! kill -0 $st8 2>/dev/null"
like "ps -a says so" "$(state d8)" 'Exited \(137\)'

done_testing
