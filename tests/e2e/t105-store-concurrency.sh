#!/bin/bash
# Store concurrency (issue 5): parallel loads of one archive and of different archives into
# one store all succeed and leave a consistent store; parallel unpacks of one image share its
# snapshot; a load or import killed with SIGKILL midway leaves no image and nothing `prune`
# cannot remove; load, rmi, prune, unpack and images racing each other for a while fail only
# with clean "no such image" lines and end with a store whose every blob verifies.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/data/t101/images.sh"

require_cmd skopeo jq
fixture bb64 busybox amd64
N=8

tree() {
	[ -d "$1" ] || { echo "(no directory $1)"; return; }
	(cd "$1" && find . -mindepth 1 -printf '%p %y %m %U:%G %l\n' | sort &&
		find . -type f -exec sha256sum {} + | sort -k2)
}
# consistent STORE: every blob reachable from index.json exists and verifies; prints the bad.
consistent() {
	local h bad=""
	[ -f "$1/index.json" ] || { echo "(no $1/index.json)"; return; }
	for h in $(blob_walk "$1"); do
		[ "$(sha "$1/blobs/sha256/$h" 2>/dev/null)" = "$h" ] || bad="$bad $h"
	done
	echo "$bad"
}
# unreferenced STORE: blobs nothing in index.json reaches.
unreferenced() {
	[ -f "$1/index.json" ] || { echo "(no $1/index.json)"; return; }
	comm -23 <(ls "$1/blobs/sha256" 2>/dev/null | sort) <(blob_walk "$1")
}
# runbg DIR I COMMAND...: run COMMAND in the background; DIR/I.{out,err,st} get its stdout,
# stderr and exit status.
runbg() {
	local d=$1 i=$2
	shift 2
	("$@" >"$d/$i.out" 2>"$d/$i.err"; echo $? >"$d/$i.st") &
}

# --- fixtures: N images sharing a base layer, each with a layer of its own -------------------
mk_tar "$bb64" "$T/base.tar"
for i in $(seq $N); do
	mkdir -p "$T/x$i/etc"
	echo "image $i" >"$T/x$i/etc/which"
	mk_tar "$T/x$i" "$T/x$i.tar"
	mk_image "$T/L$i" "docker.io/library/c$i:1" amd64 "" gzip "$T/base.tar" "$T/x$i.tar"
	if [ $((i % 2)) = 0 ]; then
		skopeo copy -q "oci:$T/L$i:docker.io/library/c$i:1" "docker-archive:$T/c$i.tar:c$i:1" >/dev/null
	else
		(cd "$T/L$i" && tar -cf "$T/c$i.tar" .)
	fi
done
skopeo copy -q "oci:$T/L1:docker.io/library/c1:1" "docker-archive:$T/same.tar:same:1" >/dev/null
ok "fixture: skopeo reads the archives" skopeo inspect "docker-archive:$T/c2.tar"

# --- N parallel loads of one archive ---------------------------------------------------------
mkdir "$T/p1"
for i in $(seq $N); do runbg "$T/p1" "$i" "$QRUN" load -i "$T/same.tar"; done
wait
res=""
for i in $(seq $N); do res="$res$(cat "$T/p1/$i.st"):$(cat "$T/p1/$i.out"):$(cat "$T/p1/$i.err")
"; done
is "$N parallel loads of one archive all succeed" "$(sort -u <<<"${res%$'\n'}")" \
	"0:Loaded image: same:1:"
is "... and leave one index entry for it" \
	"$(jq '[.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == "docker.io/library/same:1")] | length' "$QRUN_ROOT/index.json" 2>&1)" 1

# --- N parallel loads of N archives -----------------------------------------------------------
mkdir "$T/p2"
for i in $(seq $N); do runbg "$T/p2" "$i" "$QRUN" load -i "$T/c$i.tar"; done
wait
bad=""
for i in $(seq $N); do
	[ "$(cat "$T/p2/$i.st"):$(cat "$T/p2/$i.out"):$(cat "$T/p2/$i.err")" = "0:Loaded image: c$i:1:" ] ||
		bad="$bad
c$i: $(cat "$T/p2/$i.st" "$T/p2/$i.out" "$T/p2/$i.err")"
done
is "$N parallel loads of $N archives all succeed" "$bad" ""
imgs=$("$QRUN" images 2>&1)
n=0
for i in $(seq $N); do grep -Eq "^c$i +1 " <<<"$imgs" && n=$((n + 1)); done
is "images lists all $N" "$n" "$N"
like "images lists the first load" "$imgs" '^same +1 '
n=0
for i in $(seq $N); do
	"$QRUN" unpack "c$i:1" "$T/u$i" >/dev/null 2>&1 &&
		[ "$(cat "$T/u$i/etc/which")" = "image $i" ] && [ -x "$T/u$i/bin/busybox" ] && n=$((n + 1))
done
is "each unpacks to its own tree" "$n" "$N"
n=0
for i in $(seq $N); do
	skopeo inspect "oci:$QRUN_ROOT:docker.io/library/c$i:1" >/dev/null 2>&1 && n=$((n + 1))
done
is "skopeo reads each from the store" "$n" "$N"
is "every blob verifies" "$(consistent "$QRUN_ROOT")" ""
# unpack extracts straight into its directory; containers make the snapshots, in parallel here
for i in $(seq $N); do "$QRUN" create "c$i:1" true >/dev/null 2>&1 & done
wait
is "the shared base layer was unpacked once (one snapshot per chain)" \
	"$(ls "$QRUN_ROOT/snapshots" 2>/dev/null | wc -l)" "$((N + 1))"
ok "remove those containers" "$QRUN" rm $("$QRUN" ps -aq)

# --- parallel unpacks of one image --------------------------------------------------------------
mkdir "$T/p3"
for i in 1 2 3 4; do runbg "$T/p3" "$i" "$QRUN" unpack same:1 "$T/pu$i"; done
wait
is "4 parallel unpacks of one image all succeed" \
	"$(cat "$T"/p3/*.st "$T"/p3/*.out "$T"/p3/*.err | sort -u)" 0
same=0
for i in 1 2 3 4; do [ "$(tree "$T/pu$i")" = "$(tree "$T/u1")" ] && same=$((same + 1)); done
is "... and give the same tree" "$same" 4

# --- a load killed midway -----------------------------------------------------------------------
# ~96 MB of random data in one uncompressed layer, so the load takes a while.
mkdir -p "$T/bigroot/data"
for k in 1 2 3 4; do head -c 24M /dev/urandom >"$T/bigroot/data/r$k"; done
mk_tar "$T/bigroot" "$T/big-layer.tar"
rm -rf "$T/bigroot"
mk_image "$T/LB" docker.io/library/big:1 amd64 "" none "$T/big-layer.tar"
(cd "$T/LB" && tar -cf "$T/big.tar" .)
rm -rf "$T/LB"

# kill_midway DESC COMMAND...: start it, SIGKILL it once tmp/ has content (or after 0.3 s),
# check that it died of that signal after writing to tmp/ (a command that finished first is a
# skip), then check the store: the index as before, no image, prune leaves tmp/ empty and no
# unreferenced blob.
kill_midway() {
	local d=$1 pid before i st started=no
	shift
	before=$(sha "$QRUN_ROOT/index.json")
	"$@" >/dev/null 2>&1 &
	pid=$!
	for i in $(seq 60); do
		[ -n "$(ls -A "$QRUN_ROOT/tmp" 2>/dev/null)" ] && started=yes && break
		sleep 0.005
	done
	[ "$started" = yes ] && kill -0 "$pid" 2>/dev/null && sleep 0.1
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	st=$?
	if [ "$st" = 0 ]; then
		skip "$d: killed midway" "it finished before the kill"
	else
		# 137 = 128 + SIGKILL: any other status means it failed on its own.
		is "$d: killed midway (by SIGKILL, after writing to tmp/)" "exit $st, tmp/ used: $started" \
			"exit 137, tmp/ used: yes"
	fi
	is "$d: index.json unchanged" "$(sha "$QRUN_ROOT/index.json")" "$before"
	unlike "$d: no image" "$("$QRUN" images 2>&1)" '^big '
	is "$d: every blob still verifies" "$(consistent "$QRUN_ROOT")" ""
	q_prune=$("$QRUN" prune 2>&1)
	like "$d: prune works" "$q_prune" '^Total reclaimed space: '
	is "$d: prune empties tmp/" "$(ls -A "$QRUN_ROOT/tmp" 2>/dev/null)" ""
	is "$d: prune leaves no unreferenced blob" "$(unreferenced "$QRUN_ROOT")" ""
}
kill_midway "load" "$QRUN" load -i "$T/big.tar"
kill_midway "load from stdin" sh -c "exec '$QRUN' load <'$T/big.tar'"
kill_midway "import" "$QRUN" import "$T/big-layer.tar" big:imported
is "a following load works" "$("$QRUN" load -i "$T/big.tar" 2>&1)" "Loaded image: big:1"
ok "... and the image unpacks" "$QRUN" unpack big:1 "$T/big-u"
is "... with its data" "$(cat "$T"/big-u/data/r* | sha256sum)" \
	"$(tar -xOf "$T/big-layer.tar" data/r1 data/r2 data/r3 data/r4 | sha256sum)"
rm -rf "$T/big-u"
"$QRUN" rmi big:1 >/dev/null 2>&1
"$QRUN" prune >/dev/null 2>&1

# --- load, rmi, prune, unpack and images racing each other -----------------------------------
# Each loop runs its commands until the deadline; a command may only fail with exit 125 and one
# line `qrun: ...no such image...` (the image it wanted was removed by another loop).
deadline=$(($(date +%s) + 10))
mkdir "$T/race"
race_cmd() { # LOG COMMAND...
	local log=$1 st
	shift
	"$QRUN" "$@" >"$log.out" 2>"$log.err"
	st=$?
	if [ "$st" = 0 ]; then
		:
	elif [ "$st" = 125 ] && [ "$(grep -c '' <"$log.err")" = 1 ] &&
		grep -Eq '^qrun: .*no such image' "$log.err"; then
		echo "nosuch" >>"$log.count"
	else
		printf 'qrun %s: exit %s: %s\n' "$*" "$st" "$(head -c 500 "$log.err")" >>"$T/race/failures"
	fi
}
loop_load_rmi() { # I
	local n=0
	while [ "$(date +%s)" -lt "$deadline" ]; do
		race_cmd "$T/race/a$1" load -i "$T/c$1.tar"
		race_cmd "$T/race/a$1" unpack "c$1:1" "$T/race/a$1-$n"
		rm -rf "$T/race/a$1-$n"
		race_cmd "$T/race/a$1" rmi "c$1:1"
		n=$((n + 1))
	done
	echo "$n" >"$T/race/a$1.iter"
}
loop_prune() {
	while [ "$(date +%s)" -lt "$deadline" ]; do race_cmd "$T/race/p" prune; done
}
loop_look() {
	while [ "$(date +%s)" -lt "$deadline" ]; do
		race_cmd "$T/race/l" images
		race_cmd "$T/race/l" inspect c2:1
		race_cmd "$T/race/l" images -q
	done
}
loop_load_rmi 2 &
loop_load_rmi 3 &
loop_prune &
loop_look &
wait
is "racing loops: no command failed other than with 'no such image'" \
	"$(cat "$T/race/failures" 2>/dev/null | sort | uniq -c | head -20)" ""
diag "iterations: c2 $(cat "$T/race/a2.iter") c3 $(cat "$T/race/a3.iter");" \
	"no such image: $(cat "$T"/race/*.count 2>/dev/null | wc -l)"
is "racing loops: every blob in the index verifies" "$(consistent "$QRUN_ROOT")" ""
ok "racing loops: images works" "$QRUN" images
is "racing loops: the images nobody removed are still there" \
	"$("$QRUN" images 2>&1 | awk '$2 == "1" { print $1 }' | grep -E '^(same|c1|c4|c5|c6|c7|c8)$' | sort | tr '\n' ' ')" \
	"c1 c4 c5 c6 c7 c8 same "
for i in 2 3; do
	is "racing loops: c$i loads again" "$("$QRUN" load -i "$T/c$i.tar" 2>&1)" "Loaded image: c$i:1"
	rm -rf "$T/u$i"
	"$QRUN" unpack "c$i:1" "$T/u$i" >/dev/null 2>&1
	is "racing loops: c$i unpacks again" "$(cat "$T/u$i/etc/which" 2>&1)" "image $i"
done
"$QRUN" prune >/dev/null 2>&1
is "after prune: tmp/ is empty" "$(ls -A "$QRUN_ROOT/tmp" 2>/dev/null)" ""
is "after prune: no unreferenced blob" "$(unreferenced "$QRUN_ROOT")" ""
is "after prune: every blob verifies" "$(consistent "$QRUN_ROOT")" ""
n=0
for i in $(seq $N); do
	skopeo inspect "oci:$QRUN_ROOT:docker.io/library/c$i:1" >/dev/null 2>&1 && n=$((n + 1))
done
is "after prune: skopeo reads all $N" "$n" "$N"

done_testing
