#!/bin/bash
# qrun chroot and processes: exit statuses, signals, the tree dying with its first process or
# with qrun, threads and every way of making a process, and job control on a terminal.
. "$(dirname "$0")/lib.sh"

fixture fbb busybox amd64
fixture fhp helper amd64
# private copies: the tests write into them
cp -a "$fbb" "$T/bb" && cp -a "$fhp" "$T/hp"
bb=$T/bb
hp=$T/hp

for mode in "" --no-seccomp; do
	m=${mode:+ [$mode]}
	q() { "$QRUN" chroot $mode "$@"; }

	status_is "exit 0$m" 0 q "$bb" /bin/true
	status_is "exit 3$m" 3 q "$bb" /bin/sh -c 'exit 3'
	status_is "killed by SIGTERM is 143$m" 143 q "$bb" /bin/sh -c 'kill -TERM $$'
	status_is "killed by SIGKILL is 137$m" 137 q "$hp" /bin/kill-self KILL
	status_is "a missing command is 127$m" 127 q "$bb" /no/such/program
	status_is "a command not on PATH is 127$m" 127 q "$bb" no-such-program
	status_is "a non-executable file is 126$m" 126 q "$bb" /etc/passwd
	status_is "a missing rootfs is 125$m" 125 q "$T/nonexistent" /bin/true
	err=$(q "$bb" /no/such/program 2>&1)
	is "a missing command is one line$m" "$err" "qrun: '/no/such/program': No such file or directory"

	is "PATH lookup happens in the guest$m" "$(PATH=/nowhere:/bin q "$bb" sh -c 'echo $0')" sh
	is "fork + exec + wait$m" "$(q "$hp" /bin/fork-wait /bin/echo echo hi)" "hi
exited 0"
	is "vfork + exec$m" "$(q "$hp" /bin/vfork-wait /bin/echo echo v)" "v
exited 0"
	is "clone3 + exec$m" "$(q "$hp" /bin/clone3-wait /bin/echo echo c3)" "c3
exited 0"
	is "threads$m" "$(q "$hp" /bin/threads 8 200)" "threads done"
	is "execve from a non-leader thread$m" "$(q "$hp" /bin/thread-exec /bin/echo echo from-thread)" \
		from-thread
	is "/proc/self/exe after a thread's execve$m" "$(q "$hp" /bin/thread-exec /bin/exe exe)" \
		/bin/qrun-test-init
	is "a 5-deep chain of re-execs$m" "$(QRUN_TEST_SELF=/bin/qrun-test-init q "$hp" /bin/spawn-chain 4 |
		tr '\n' ' ')" "level 4 level 3 level 2 level 1 level 0 "

	# The rest of the tree is killed when the first process exits, as in a container.
	# (Our own processes, by pid: another `sleep 300` on the machine is none of our business.)
	alive() { tr '\0' ' ' 2>/dev/null <"/proc/$1/cmdline" | grep -q "^$2"; }
	rm -f "$bb/tmp/bg"
	q "$bb" /bin/sh -c "sleep 300 & echo \$! > /tmp/bg; exit 0"
	# SIGKILLed when qrun ends; give a loaded machine (check-asan) up to 3 s to reap it
	bg=$(cat "$bb/tmp/bg" 2>/dev/null)
	for _ in $(seq 30); do
		alive "$bg" 'sleep 300' || break
		sleep 0.1
	done
	ok "background processes die with the first one$m" \
		test -n "$bg" -a -z "$(alive "$bg" 'sleep 300' && echo alive)"
	# ... also children forked just before the end, maybe not yet seen by the tracer
	rm -f "$bb/tmp/bg"
	for _ in 1 2 3; do
		q "$bb" /bin/sh -c 'for i in 1 2 3 4 5 6 7 8 9 10; do sleep 304 & echo $! >>/tmp/bg; done
			exit 0'
	done
	sleep 0.3
	left=
	for bg in $(cat "$bb/tmp/bg" 2>/dev/null); do
		alive "$bg" 'sleep 304' && left="$left $bg"
	done
	is "children forked just before the first process exits die too$m" \
		"$(wc -l <"$bb/tmp/bg" 2>/dev/null)|${left:-none left}" "30|none left"

	# Signals sent to qrun reach the first process.
	for sig in INT TERM HUP QUIT; do
		"$QRUN" chroot $mode "$hp" /bin/sigwait-print >"$T/sig.out" 2>&1 &
		pid=$!
		for _ in $(seq 50); do grep -q waiting "$T/sig.out" 2>/dev/null && break; sleep 0.1; done
		kill -$sig $pid
		wait $pid
		st=$?
		is "SIG$sig to qrun reaches the command$m" "$(tail -1 "$T/sig.out"):$st" "SIG$sig:0"
	done
done

# qrun killed with SIGKILL takes every tracee with it (PTRACE_O_EXITKILL).
"$QRUN" chroot "$bb" /bin/sh -c 'sleep 301 & sleep 302' &
pid=$!
sleep 0.5
{
	kill -KILL $pid
	wait $pid
} 2>/dev/null
sleep 0.3
unlike "no tracee outlives a killed qrun" "$(ps -eo args | grep -E 'sleep 30[12]' | grep -v grep)" \
	'sleep'

# Job control on a terminal: Ctrl-C, Ctrl-Z, fg in an interactive guest shell.
if command -v tmux >/dev/null; then
	sock="$T/tmux"
	tm() { tmux -S "$sock" "$@"; }
	tm new-session -d -s t -x 100 -y 30 "$QRUN chroot $bb /bin/sh -i; echo qrun-exit=\$?; sleep 30"
	send() { tm send-keys -t t "$@"; sleep 0.6; }
	sleep 1
	send 'uname -m' Enter
	send 'sleep 100' Enter
	send C-c
	send 'echo after-int=$?' Enter
	send 'sleep 101' Enter
	send C-z
	send 'jobs' Enter
	send 'fg' Enter
	send C-c
	send 'exit 3' Enter
	screen=$(tm capture-pane -t t -p)
	tm kill-server 2>/dev/null
	like "interactive: the shell runs" "$screen" '^x86_64$'
	like "interactive: Ctrl-C interrupts a foreground job" "$screen" '^after-int=130$'
	like "interactive: Ctrl-Z stops it" "$screen" 'Stopped +sleep 101'
	like "interactive: exit status of the shell" "$screen" '^qrun-exit=3$'
else
	skip "job control on a terminal" "tmux is not installed"
fi

done_testing
