#!/bin/bash
# qrun run and the container verbs (issue 6), end to end on real images made here: the demo
# flow on armhf, arm64 and amd64 rootfs tarballs (`qrun import`), the run options (-e,
# --env-file, -w, --entrypoint, -v rw/ro/relative/missing, --read-only, -h, --network,
# --name), an image config (Entrypoint, Cmd, Env, WorkingDir) honoured as docker does, exit
# statuses, --rm, stdin, the container life cycle (create, start, exec, ps, kill, rm) and
# rmi/prune of an image a container uses. The contract is data/RUN-CLI.md.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/data/t101/images.sh" # mk_tar, sha

require_cmd jq gzip
fixture bb64 busybox amd64
DATA=$(cd "$(dirname "$0")/data/t201" && pwd)

# Containers started in the background must not outlive the test.
_t201_cleanup() {
	local ids
	ids=$("$QRUN" ps -a -q 2>/dev/null) && [ -n "$ids" ] && "$QRUN" rm -f $ids >/dev/null 2>&1
	_lib_cleanup
}
trap _t201_cleanup EXIT

# --- helpers ------------------------------------------------------------------------------
# q ARGS...: run qrun with stdin from /dev/null; $out, $err, $st hold its stdout, stderr and
# exit status.
q() {
	"$QRUN" "$@" </dev/null >"$T/q.out" 2>"$T/q.err"
	st=$?
	out=$(cat "$T/q.out")
	err=$(cat "$T/q.err")
}
# r ARGS...: `qrun run --rm ARGS`
r() { q run --rm "$@"; }
# res: the last result as one string, for is/like (exit status, stdout, stderr).
res() { printf '%s|%s|%s' "$st" "$out" "$err"; }
# cdir ID: the container's directory in the store.
cdir() { echo "$QRUN_ROOT/containers/$1"; }
# containers: what is in $QRUN_ROOT/containers but its lock file (nothing when it does not
# exist).
containers() { ls -A "$QRUN_ROOT/containers" 2>/dev/null | grep -vx '\.lock'; }
# ps_line NAME: the `qrun ps -a` line of the container named NAME.
ps_line() { "$QRUN" ps -a 2>&1 | grep -E " $1\$"; }
# wait_status NAME REGEX: wait up to 10 s for the ps -a line of NAME to match REGEX.
wait_status() {
	local i
	for i in $(seq 100); do
		ps_line "$1" | grep -Eq -- "$2" && return 0
		sleep 0.1
	done
	return 1
}
# alive PID: the process exists (and is not a zombie).
alive() { [ -n "$1" ] && [ -e "/proc/$1" ] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }
# gone PID: PID is a number and that process is gone (or a zombie).
gone() { [[ $1 =~ ^[0-9]+$ ]] && ! alive "$1"; }
DEFAULT_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

# --- images -------------------------------------------------------------------------------
# Rootfs tarballs of the busybox fixtures, imported as `make demo` does.
for a in armhf arm64 amd64; do
	[ -f "$QRUN_FIXTURES/busybox-$a/.qrun-fixture" ] || continue
	mk_tar "$QRUN_FIXTURES/busybox-$a" "$T/busybox-$a.tar"
	gzip -n "$T/busybox-$a.tar"
done

# bb: the amd64 busybox, the image most tests run.
q import "$T/busybox-amd64.tar.gz" bb
like "fixture: import of the amd64 busybox as bb" "$(res)" '^0\|sha256:[0-9a-f]{64}\|$'

# cfg:full and cfg:nopath: hand-made OCI layout, busybox plus a layer with /opt/tools/qhello,
# with image configs that set Entrypoint, Cmd, Env and a WorkingDir missing from the rootfs.
mkdir -p "$T/extra/opt/tools"
printf '#!/bin/sh\necho "hello from opt ($0)"\n' >"$T/extra/opt/tools/qhello"
chmod 0755 "$T/extra/opt/tools/qhello"
mk_tar "$bb64" "$T/cfg-l1.tar"
mk_tar "$T/extra" "$T/cfg-l2.tar"
# mk_cfg_image LAYOUT REF CONFIG_JSON TAR...: add an amd64 image with this config (the
# image config's "config" object) and these layers (gzip) to the OCI layout LAYOUT.
mk_cfg_image() {
	local lay=$1 ref=$2 conf=$3 t h size layers='[]' diffs='[]'
	shift 3
	mkdir -p "$lay/blobs/sha256"
	[ -f "$lay/oci-layout" ] || echo '{"imageLayoutVersion":"1.0.0"}' >"$lay/oci-layout"
	[ -f "$lay/index.json" ] || echo '{"schemaVersion":2,"manifests":[]}' >"$lay/index.json"
	for t in "$@"; do
		diffs=$(jq -c --arg d "sha256:$(sha "$t")" '. + [$d]' <<<"$diffs")
		gzip -n -c "$t" >"$lay/.l"
		size=$(stat -c %s "$lay/.l")
		h=$(sha "$lay/.l")
		mv "$lay/.l" "$lay/blobs/sha256/$h"
		layers=$(jq -c --arg d "sha256:$h" --argjson s "$size" \
			'. + [{mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: $d, size: $s}]' \
			<<<"$layers")
	done
	jq -cn --argjson c "$conf" --argjson ids "$diffs" \
		'{created: "2024-01-02T03:04:05Z", architecture: "amd64", os: "linux", config: $c,
		  rootfs: {type: "layers", diff_ids: $ids},
		  history: [$ids[] | {created: "2024-01-02T03:04:05Z", created_by: "t201 layer"}]}' \
		>"$lay/.c"
	size=$(stat -c %s "$lay/.c")
	h=$(sha "$lay/.c")
	mv "$lay/.c" "$lay/blobs/sha256/$h"
	jq -cn --arg c "sha256:$h" --argjson s "$size" --argjson l "$layers" \
		'{schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
		  config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $c, size: $s},
		  layers: $l}' >"$lay/.m"
	size=$(stat -c %s "$lay/.m")
	h=$(sha "$lay/.m")
	mv "$lay/.m" "$lay/blobs/sha256/$h"
	jq -c --arg d "sha256:$h" --argjson s "$size" --arg r "$ref" \
		'.manifests += [{mediaType: "application/vnd.oci.image.manifest.v1+json", digest: $d,
		  size: $s, platform: {architecture: "amd64", os: "linux"},
		  annotations: {"org.opencontainers.image.ref.name": $r}}]' \
		"$lay/index.json" >"$lay/index.json.new" && mv "$lay/index.json.new" "$lay/index.json"
}
mk_cfg_image "$T/cfg" docker.io/library/cfg:full '{
	"Entrypoint": ["/bin/echo", "ep"], "Cmd": ["c1", "c2"],
	"Env": ["PATH=/opt/tools:/usr/bin:/bin", "FOO=from image", "EMPTY="],
	"WorkingDir": "/srv/app/work"}' "$T/cfg-l1.tar" "$T/cfg-l2.tar"
mk_cfg_image "$T/cfg" docker.io/library/cfg:nopath '{
	"Cmd": ["sh", "-c", "echo \"$PATH|$FOO\""], "Env": ["FOO=bar"]}' \
	"$T/cfg-l1.tar" "$T/cfg-l2.tar"
q load -i "$T/cfg"
is "fixture: load of the hand-made layout with image configs" "$st|$(sort <<<"$out")" \
	"0|Loaded image: cfg:full
Loaded image: cfg:nopath"
is "fixture: inspect shows the Entrypoint" \
	"$("$QRUN" inspect cfg:full 2>&1 | jq -c '.[0].Config.Entrypoint' 2>&1)" '["/bin/echo","ep"]'

# --- the demo flow: foreign and native rootfs tarballs ----------------------------------------
for spec in armhf:armv7l:armedslack:12.2:qemu-arm-static arm64:aarch64:arm64slack:15.0:qemu-aarch64-static \
	amd64:x86_64:slackware:15.0:; do
	IFS=: read -r arch mach name tag emu <<<"$spec"
	if [ ! -f "$T/busybox-$arch.tar.gz" ]; then
		skip "demo: $arch image" "fixture busybox-$arch missing (run 'make fixtures')"
		continue
	fi
	if [ -n "$emu" ] && ! command -v "$emu" >/dev/null; then
		skip "demo: $arch image" "$emu is not installed"
		continue
	fi
	q import "$T/busybox-$arch.tar.gz" "$name:$tag"
	like "demo: qrun import busybox-$arch.tar.gz $name:$tag" "$(res)" '^0\|sha256:[0-9a-f]{64}\|$'
	r "$name:$tag" uname -m
	is "demo: qrun run --rm $name:$tag uname -m prints $mach" "$(res)" "0|$mach|"
done
if [ -f "$T/busybox-armhf.tar.gz" ] && command -v qemu-arm-static >/dev/null; then
	r armedslack:12.2 sh -c 'echo a b | tr " " "\n" | sort -r | head -1; exit 5'
	is "demo: an ARM pipeline and its exit status" "$(res)" "5|b|"
fi

# --- -e, --env-file ---------------------------------------------------------------------------
r -e FOO=bar -e 'SPACED=a b  c' bb sh -c 'echo "$FOO|$SPACED"'
is "-e K=V" "$(res)" "0|bar|a b  c|"
r --env X=long-form bb sh -c 'echo $X'
is "--env K=V" "$(res)" "0|long-form|"
export T201_HOST=from-host
unset T201_UNSET_ON_HOST
r -e T201_HOST -e T201_UNSET_ON_HOST bb sh -c 'echo "$T201_HOST|${T201_UNSET_ON_HOST-unset}"'
is "-e K copies the host's value; left out when the host has none" "$(res)" "0|from-host|unset|"
r --env-file "$DATA/env.list" bb sh -c \
	'echo "A=$A|B=$B|C=$C|Q=$Q|EMPTY=${EMPTY-unset}|FOO=$FOO|H=$T201_HOST|U=${T201_UNSET_ON_HOST-unset}"'
is "--env-file: docker's syntax" "$(res)" \
	'0|A=1|B=two words|C=x=y|Q="quoted"|EMPTY=|FOO=from-env-file|H=from-host|U=unset|'
r --env-file "$DATA/env.list" bb env
is "--env-file: comment lines make no variables" "$st|$(grep -c '#' <<<"$out")" "0|0"
r --env-file "$DATA/env.list" -e FOO=from-e bb sh -c 'echo $FOO'
is "-e wins over --env-file" "$(res)" "0|from-e|"
printf 'export D=4\n' >"$T/export.env"
q run --rm --env-file "$T/export.env" bb true
like "--env-file: a name with a blank is refused, as docker does" "$(res)" \
	"^125\|\|qrun: --env-file '.*': variable 'export D' contains whitespaces\$"
q run --rm -e 'A B=1' bb true
like "-e: a name with a blank is refused" "$(res)" "^125\|\|qrun: -e 'A B=1': variable 'A B' contains whitespaces\$"
q run --rm --env-file "$T/no-such.env" bb true
like "--env-file of a missing file: 125 and a qrun: line" "$(res)" '^125\|\|qrun: '

# --- -w, --entrypoint -------------------------------------------------------------------------
r -w /tmp bb pwd
is "-w DIR is the cwd" "$(res)" "0|/tmp|"
r --workdir /etc bb pwd
is "--workdir DIR" "$(res)" "0|/etc|"
r -w /new/work/dir bb sh -c 'pwd; ls -d /new/work/dir'
is "-w with a directory missing from the rootfs creates it" "$(res)" "0|/new/work/dir
/new/work/dir|"
r --entrypoint /bin/echo bb a b
is "--entrypoint CMD: the arguments follow it" "$(res)" "0|a b|"
r --entrypoint uname bb -m
is "--entrypoint looked up on PATH" "$(res)" "0|x86_64|"

# --- -v -------------------------------------------------------------------------------------
mkdir "$T/vol"
echo from-host >"$T/vol/h"
r -v "$T/vol:/data" bb sh -c 'cat /data/h; echo from-guest > /data/g'
is "-v HOST:GUEST: the host's files are visible" "$(res)" "0|from-host|"
is "-v HOST:GUEST: a write inside appears on the host" "$(cat "$T/vol/g" 2>&1)" from-guest
r --volume "$T/vol:/data:rw" bb sh -c 'echo rw >> /data/g'
is "--volume HOST:GUEST:rw" "$st|$(cat "$T/vol/g" 2>&1)" "0|from-guest
rw"
r -v "$T/vol:/data:ro" bb sh -c 'cat /data/h; echo x > /data/ro-write'
like "-v HOST:GUEST:ro: reads work, a write fails" "$st|$out" '^[1-9][0-9]*\|from-host$'
like "-v HOST:GUEST:ro: the error is Read-only file system" "$err" 'Read-only file system'
ok "-v HOST:GUEST:ro: nothing written on the host" test ! -e "$T/vol/ro-write"
r -v "$T/vol:/data:ro,z" bb sh -c 'cat /data/h; echo x > /data/ro-write'
like "-v HOST:GUEST:ro,z: z accepted (as podman without SELinux), still read-only" "$st|$out" \
	'^[1-9][0-9]*\|from-host$'
r -v "$T/vol:/data:Z" bb sh -c 'echo Z >> /data/g'
is "-v HOST:GUEST:Z: accepted, read-write" "$st" 0
q run --rm -v "$T/vol:/data:rx" bb true
like "-v with an unknown option: refused, naming it" "$(res)" "^125\|\|qrun: -v '.*': unknown option 'rx'"
r -v "$T/vol:/data:ro" bb rm /data/h
ok "-v HOST:GUEST:ro: a delete fails too" test "$st" != 0 -a -e "$T/vol/h"
(cd "$T" && "$QRUN" run --rm -v ./rel-vol:/rel bb sh -c 'echo rel > /rel/f' </dev/null >"$T/q.out" 2>&1)
is "-v with a relative HOST path: relative to the current dir (created)" \
	"$?|$(cat "$T/rel-vol/f" 2>&1)" "0|rel"
r -v "$T/missing/deep:/m" bb sh -c 'echo m > /m/f'
is "-v with a missing HOST dir: it is created" "$st|$(cat "$T/missing/deep/f" 2>&1)" "0|m"
ok "-v with a missing HOST dir: it is a directory" test -d "$T/missing/deep"
r -v "$T/vol:/etc/qrunvol" bb cat /etc/qrunvol/h
is "-v onto a GUEST path missing from the rootfs" "$(res)" "0|from-host|"
r -v "$T/vol/h:/etc/motd:ro" bb cat /etc/motd
is "-v of a single file" "$(res)" "0|from-host|"
if [ -f /etc/hosts ]; then
	r bb cat /etc/hosts
	is "the host's /etc/hosts is visible" "$st|$out" "0|$(cat /etc/hosts)"
fi

# --- --read-only --------------------------------------------------------------------------------
r --read-only bb touch /newfile
like "--read-only: a write to / fails" "$st|$err" '^[1-9][0-9]*\|.*Read-only file system'
r --read-only bb sh -c 'echo x > /etc/passwd'
like "--read-only: overwriting a rootfs file fails" "$st|$err" '^[1-9][0-9]*\|.*Read-only file system'
r --read-only -v "$T/vol:/data" bb sh -c 'echo ro-ok > /data/ro-ok; cat /etc/hostname >/dev/null'
is "--read-only: a -v rw volume is writable, the rootfs readable" \
	"$st|$(cat "$T/vol/ro-ok" 2>&1)" "0|ro-ok"

# --- -h, --network, --name ----------------------------------------------------------------------
r -h myhost bb sh -c 'uname -n; cat /etc/hostname; echo $HOSTNAME'
is "-h NAME: uname -n, /etc/hostname and \$HOSTNAME" "$(res)" "0|myhost
myhost
myhost|"
r --hostname other.example bb uname -n
is "--hostname NAME" "$(res)" "0|other.example|"
r --network host bb true
is "--network host is accepted" "$(res)" "0||"
r --network=host bb true
is "--network=host is accepted" "$(res)" "0||"
r --network none bb true
like "--network none is refused: 125 and a qrun: line" "$st|$out|$err" '^125\|\|qrun: '
like "--network none: the message names the mode" "$err" 'none'
r --network bridge bb true
is "--network bridge is refused with 125" "$st" 125
r -p 8080:8080 bb true
like "-p PORT:PORT: accepted, saying the port is the host's already" "$st|$out|$err" \
	"^0\|\|qrun: .*-p 8080:8080: the host's network"
r -p 127.0.0.1:9090:9090/tcp bb true
is "-p IP:PORT:PORT/tcp: accepted" "$st" 0
r -p 8080:80 bb true
like "-p HOST:CONTAINER with other numbers: refused with the reason" "$st|$out|$err" \
	"^125\|\|qrun: -p '8080:80': qrun has the host's network and no port mapping"
r --add-host db.test:10.7.7.7 --add-host cache.test:10.7.7.8 bb sh -c 'grep test /etc/hosts'
is "--add-host NAME:IP: lines of the container's /etc/hosts" "$(res)" "0|10.7.7.7	db.test
10.7.7.8	cache.test|"
r --add-host nocolon bb true
like "--add-host without an IP: refused" "$st|$err" "^125\|qrun: --add-host 'nocolon': expected NAME:IP"

# --- image config ----------------------------------------------------------------------------------
r cfg:full
is "image: Entrypoint + Cmd by default" "$(res)" "0|ep c1 c2|"
r cfg:full x y
is "image: arguments replace Cmd, not Entrypoint" "$(res)" "0|ep x y|"
r --entrypoint /bin/echo cfg:full
is "image: --entrypoint replaces Entrypoint and Cmd" "$(res)" "0||"
r --entrypoint /bin/echo cfg:full a b
is "image: --entrypoint with arguments" "$(res)" "0|a b|"
r --entrypoint /bin/sh cfg:full -c 'echo "$FOO|$PATH|${EMPTY-unset}"'
is "image: Env is visible (PATH from the image)" "$(res)" "0|from image|/opt/tools:/usr/bin:/bin||"
r --entrypoint qhello cfg:full
is "image: the command is looked up on the image's PATH" "$(res)" \
	"0|hello from opt (/opt/tools/qhello)|"
r -e FOO=cli --entrypoint /bin/sh cfg:full -c 'echo $FOO'
is "image: -e overrides the image's Env" "$(res)" "0|cli|"
r --entrypoint /bin/pwd cfg:full
is "image: WorkingDir is the cwd" "$(res)" "0|/srv/app/work|"
r --entrypoint /bin/ls cfg:full -ld /srv/app/work
like "image: WorkingDir missing from the rootfs is created" "$(res)" '^0\|d[rwx-]{9} .* /srv/app/work\|$'
r -w /tmp --entrypoint /bin/pwd cfg:full
is "image: -w overrides WorkingDir" "$(res)" "0|/tmp|"
r cfg:nopath
is "image: no PATH in Env gives the default PATH" "$(res)" "0|$DEFAULT_PATH|bar|"
r cfg:nopath pwd
is "image: no WorkingDir: the cwd is /" "$(res)" "0|/|"
PATH=/host/only "$QRUN" run --rm bb sh -c 'echo $PATH' </dev/null >"$T/q.out" 2>"$T/q.err"
st=$? out=$(cat "$T/q.out") err=$(cat "$T/q.err")
is "image without Env: the default PATH, not the host's" "$(res)" "0|$DEFAULT_PATH|"

# --- exit statuses -----------------------------------------------------------------------------------
r bb true
is "exit status 0" "$(res)" "0||"
r bb sh -c 'exit 3'
is "exit status 3" "$(res)" "3||"
r bb no-such-command
is "a command not found: 127" "$st" 127
like "a command not found: the message names it" "$err" 'no-such-command'
r bb /no/such/program
is "a missing absolute path: 127" "$st" 127
r bb /etc/passwd
is "a file that is not executable: 126" "$st" 126
r bb sh -c 'kill -INT $$'
is "killed by SIGINT: 130" "$st" 130
r bb sh -c 'kill -TERM $$'
is "killed by SIGTERM: 143" "$st" 143
r bb sh -c 'kill -KILL $$'
is "killed by SIGKILL: 137" "$st" 137
# --pull=never: by default run would ask docker.io for it, and the tests stay on 127.0.0.1
# (t601 covers run's pull of a missing image against a local registry).
r --pull=never no-such-image:1 true
is "an unknown image: 125, nothing on stdout" "$st|$out" "125|"
like "an unknown image: the error line starts qrun: and names it" "$(head -1 <<<"$err")" \
	'^qrun: .*no-such-image'
r --no-such-flag bb true
is "an unknown option: 125, nothing on stdout" "$st|$out" "125|"
like "an unknown option: a qrun: line" "$err" '^qrun: '
q run
is "run without an image: 125" "$st" 125

# --- --rm -------------------------------------------------------------------------------------------
is "--rm: every run above left nothing in \$QRUN_ROOT/containers" "$(containers)" ""
r bb sh -c 'echo x > /newfile; exit 7'
is "--rm: a failing command (exit 7)" "$st" 7
r bb no-such-command
r bb sh -c 'kill -TERM $$'
is "--rm: nothing left after failing commands" "$(containers)" ""
q run --name kept bb sh -c 'exit 2'
is "run without --rm: exit status" "$st" 2
is "run without --rm: the container is kept" "$(containers | wc -l)" 1
like "run --name: ps -a shows it, Exited (2)" "$(ps_line kept)" '^[0-9a-f]{12} .*Exited \(2\) .* kept$'
q run --name kept bb true
like "run --name of a name in use: 125" "$st|$(head -1 <<<"$err")" '^125\|qrun: .*kept'
q rm kept
is "rm of a stopped container prints its argument" "$(res)" "0|kept|"
is "rm removes the container's directory" "$(containers)" ""
r --name once bb true
r --name once bb true
is "--rm --name: the name is free again afterwards" "$(res)" "0||"
q create --rm --name autorm bb sh -c 'exit 3'
is "create --rm: created" "$st" 0
q start -a autorm
is "create --rm, start -a: the command's status" "$st" 3
is "create --rm: the container is gone after it exits" "$(containers)" ""

# --- create, start, ps ------------------------------------------------------------------------------
q create --name c1 bb sh -c 'echo "out $HOSTNAME $(uname -n) $(cat /etc/hostname)"; echo n >> /count; exit 4'
like "create prints a 64-hex id" "$(res)" '^0\|[0-9a-f]{64}\|$'
id1=$out
s1=${id1:0:12}
ok "create: the container's directory exists" test -d "$(cdir "$id1")"
is "create: config.json is an OCI runtime config with the command" \
	"$(jq -c '[.process.args, .root.path, .annotations["org.qrun.name"]]' "$(cdir "$id1")/config.json" 2>&1)" \
	'[["sh","-c","echo \"out $HOSTNAME $(uname -n) $(cat /etc/hostname)\"; echo n >> /count; exit 4"],"rootfs","c1"]'
is "create: state.json says created" "$(jq -r '.status' "$(cdir "$id1")/state.json" 2>&1)" created
ok "create: the rootfs is there" test -x "$(cdir "$id1")/rootfs/bin/busybox"
like "ps -a: a created container is Created" "$(ps_line c1)" "^$s1 +bb(:latest)? +.* Created +c1\$"
unlike "ps: a created container is not running" "$("$QRUN" ps 2>&1)" ' c1$'
like "ps: docker's header" "$("$QRUN" ps -a 2>&1 | head -1)" \
	'^CONTAINER ID +IMAGE +COMMAND +CREATED +STATUS +NAMES$'
q start -a c1
is "start -a: the output, the default hostname (short id) and the exit status" "$(res)" \
	"4|out $s1 $s1 $s1|"
like "ps -a: Exited (4)" "$(ps_line c1)" "^$s1 .* Exited \\(4\\) .* c1\$"
is "state.json after the run" "$(jq -c '[.status, .exitCode]' "$(cdir "$id1")/state.json" 2>&1)" \
	'["exited",4]'
q start -a "${id1:0:10}"
is "start -a by id prefix runs the command again" "$st" 4
q start -a "$id1"
is "start -a by full id" "$st" 4
is "the rootfs persists between starts" "$(grep -c '' "$(cdir "$id1")/rootfs/count" 2>&1)" 3
r bb sh -c 'test -e /count && echo yes || echo no'
is "... and what a container writes is not in the image" "$(res)" "0|no|"
q create --name c1 bb true
like "create --name of a name in use: 125" "$st|$(head -1 <<<"$err")" '^125\|qrun: .*c1'
q start -a no-such-container
like "start of an unknown container: 125 and a qrun: line" "$st|$(head -1 <<<"$err")" '^125\|qrun: '

if [ -f "$T/busybox-armhf.tar.gz" ] && command -v qemu-arm-static >/dev/null; then
	q create --name armc armedslack:12.2 sh -c 'uname -m; exit 6'
	q start -a armc
	is "create + start -a of an ARM image" "$(res)" "6|armv7l|"
	q rm armc
fi

# start in the background: output goes to the container's log.
q create --name logger bb sh -c 'echo to-log; echo err-to-log >&2'
idl=$out
q start logger
is "start (background) prints the name it was given" "$(res)" "0|logger|"
ok "start (background): the container ends, Exited (0)" wait_status logger 'Exited \(0\)'
is "start (background): stdout in the log (qrun logs)" "$("$QRUN" logs logger 2>/dev/null)" 'to-log'
is "start (background): stderr in the log, to stderr" "$("$QRUN" logs logger 2>&1 >/dev/null)" \
	'err-to-log'
like "the log is docker's json-file" "$(head -1 "$(cdir "$idl")/log")" \
	'^\{"log":"(err-)?to-log\\n","stream":"std(out|err)","time":"20[0-9-]+T[0-9:.]+Z"\}$'

# --- a long-running container: ps, exec, kill, rm --------------------------------------------------
q create --name long -h longhost bb sleep 30
idg=$out
sg=${idg:0:12}
q start long
is "start (background) of sleep 30" "$(res)" "0|long|"
ok "ps: a started container is Up" wait_status long '^[0-9a-f]{12} .* Up .* long$'
like "ps (without -a) lists it" "$("$QRUN" ps 2>&1)" "^$sg .* Up .* long\$"
pid=$(jq -r .pid "$(cdir "$idg")/state.json" 2>/dev/null)
is "state.json of a running container" "$(jq -r .status "$(cdir "$idg")/state.json" 2>&1)" running
ok "state.json: the pid is alive" alive "$pid"
q exec long cat /etc/hostname
is "exec ID cat /etc/hostname" "$(res)" "0|longhost|"
q exec "$idg" sh -c 'echo $HOSTNAME; pwd'
is "exec by id: the container's env and cwd" "$(res)" "0|longhost
/|"
q exec -e K=V -w /tmp long sh -c 'echo "$K $(pwd)"'
is "exec -e -w" "$(res)" "0|V /tmp|"
q exec long sh -c 'echo in-rootfs > /exec-file; exit 5'
is "exec: the exit status of the command" "$st" 5
is "exec: writes land in the container's rootfs" "$(cat "$(cdir "$idg")/rootfs/exec-file" 2>&1)" in-rootfs
echo hi | "$QRUN" exec -i long cat >"$T/q.out" 2>&1
is "exec -i: stdin reaches the command" "$(cat "$T/q.out")" hi
q exec long no-such-command
is "exec of a missing command: 127" "$st" 127
ids=$("$QRUN" ps -q 2>&1)
like "ps -q: the running container's short id" "$ids" "^$sg\$"
is "ps -q: only 12-hex ids" "$(grep -cvE '^[0-9a-f]{12}$' <<<"$ids")" 0
unlike "ps -q: not the stopped ones" "$ids" "^$s1\$"
like "ps -a -q: the stopped ones too" "$("$QRUN" ps -a -q 2>&1)" "^$s1\$"
js=$("$QRUN" ps -a --format json 2>&1)
bad=0
while IFS= read -r line; do
	jq -e 'type == "object" and has("ID") and has("Image") and has("Command") and
		has("CreatedAt") and has("Status") and has("State") and has("Names") and
		has("ExitCode")' <<<"$line" >/dev/null 2>&1 || bad=$((bad + 1))
done <<<"$js"
is "ps --format json: one object with docker's keys per line" "$bad" 0
is "ps --format json: one line per container" "$(grep -c '' <<<"$js")" \
	"$("$QRUN" ps -a -q | grep -c '')"
is "ps --format json: the exited c1" \
	"$(jq -c --arg n c1 'select(.Names == $n) | [(.ID | .[0:12]), .State, .ExitCode]' <<<"$js" 2>&1)" \
	"[\"$s1\",\"exited\",4]"
is "ps --format json: the running long" \
	"$(jq -c --arg n long 'select(.Names == $n) | [(.ID | .[0:12]), .State]' <<<"$js" 2>&1)" \
	"[\"$sg\",\"running\"]"
like "ps --format json: Status of a running one" \
	"$(jq -r --arg n long 'select(.Names == $n) | .Status' <<<"$js" 2>&1)" '^Up '
q rm long
like "rm of a running container without -f: fails with a qrun: line" "$st|$(head -1 <<<"$err")" \
	'^[1-9][0-9]*\|qrun: '
ok "rm without -f: the container is still running" alive "$pid"
ok "rm without -f: the directory stays" test -d "$(cdir "$idg")"
q kill long
is "kill: exit 0" "$st" 0
ok "kill: ps -a shows Exited (137)" wait_status long 'Exited \(137\)'
ok "kill: the process is gone" gone "$pid"
unlike "kill: ps no longer lists it" "$("$QRUN" ps 2>&1)" ' long$'
q exec long true
like "exec on a stopped container: 125 and a qrun: line" "$st|$(head -1 <<<"$err")" '^125\|qrun: '
q kill long
is "kill of a stopped container fails" "$st" 125

q create --name termed bb sleep 30
q start termed
wait_status termed ' Up '
q kill -s TERM termed
ok "kill -s TERM: Exited (143)" wait_status termed 'Exited \(143\)'
q start termed
wait_status termed ' Up '
q kill -s SIGINT termed
ok "kill -s SIGINT: Exited (130)" wait_status termed 'Exited \(130\)'
q start termed
wait_status termed ' Up '
q kill -s 15 termed
ok "kill -s 15: Exited (143)" wait_status termed 'Exited \(143\)'

# kill signals the container's first process, never the qrun that runs it (issue 16): a
# foreground `run --rm` ends with the container's status and removes it
("$QRUN" run --name fg --rm bb sleep 100 >/dev/null 2>&1; echo $? >"$T/fg.st") &
fgpid=$!
for _ in $(seq 100); do "$QRUN" ps 2>/dev/null | grep -q ' fg$' && break; sleep 0.1; done
sleep 0.3
start=$(date +%s%N)
q kill fg
is "kill of a foreground run --rm: exit 0" "$st" 0
ok "kill returns within a second" test $((($(date +%s%N) - start) / 1000000)) -lt 1000
wait "$fgpid"
is "the foreground run ends with 137" "$(cat "$T/fg.st")" 137
unlike "and its container is removed" "$("$QRUN" ps -a 2>&1)" ' fg$'
("$QRUN" run --name fg2 bb sh -c 'sleep 100' >/dev/null 2>&1; echo $? >"$T/fg2.st") &
fgpid=$!
for _ in $(seq 100); do "$QRUN" ps 2>/dev/null | grep -q ' fg2$' && break; sleep 0.1; done
sleep 0.3
q kill -s USR1 fg2
wait "$fgpid"
is "any signal by name: USR1 ends it with 138" "$(cat "$T/fg2.st")" 138
ok "ps -a: Exited (138)" wait_status fg2 'Exited \(138\)'
q rm fg2

q start long
ok "start of a stopped container runs it again" wait_status long ' Up '
pid=$(jq -r .pid "$(cdir "$idg")/state.json" 2>/dev/null)
q rm -f long
is "rm -f of a running container prints its argument" "$(res)" "0|long|"
ok "rm -f: the directory is gone" test -n "$idg" -a ! -e "$(cdir "$idg")"
sleep 0.2
ok "rm -f: the process is gone" gone "$pid"
unlike "rm -f: ps -a no longer lists it" "$("$QRUN" ps -a 2>&1)" ' long$'
q rm "$s1" logger termed
is "rm of several containers, by short id and name" "$(res)" "0|$s1
logger
termed|"
is "rm: the directories are gone" "$(containers)" ""
q rm no-such-container
like "rm of an unknown container: 125 and a qrun: line" "$st|$(head -1 <<<"$err")" '^125\|qrun: '

# --- stdin ----------------------------------------------------------------------------------------
mkfifo "$T/fifo"
exec 3<>"$T/fifo" # open for both ends: never EOF, never blocks
timeout 20 "$QRUN" run --rm bb cat <&3 >"$T/q.out" 2>&1
is "without -i, stdin is /dev/null: cat ends at once" "$?|$(cat "$T/q.out")" "0|"
exec 3>&-
echo not-seen | "$QRUN" run --rm bb cat >"$T/q.out" 2>&1
is "without -i, piped input does not reach the command" "$?|$(cat "$T/q.out")" "0|"
echo hi | timeout 20 "$QRUN" run --rm -i bb cat >"$T/q.out" 2>&1
is "with -i: echo hi | qrun run -i IMG cat" "$?|$(cat "$T/q.out")" "0|hi"
printf 'a\nb\n' | timeout 20 "$QRUN" run --rm --interactive bb wc -l >"$T/q.out" 2>&1
is "with --interactive: the whole input" "$?|$(cat "$T/q.out" | tr -d ' ')" "0|2"

# --- rmi and prune of an image a container uses ---------------------------------------------------
# a rootfs of its own (busybox + /etc/rmme), so that no other image shares its ID
cp -a "$bb64" "$T/rmme"
echo only-in-rmme >"$T/rmme/etc/rmme"
mk_tar "$T/rmme" "$T/rmme.tar"
q import "$T/rmme.tar" rmme:1
like "fixture: import rmme:1" "$(res)" '^0\|sha256:[0-9a-f]{64}\|$'
q create --name user1 rmme:1 cat /etc/rmme
idu=$out
q rmi rmme:1
like "rmi of an image a container uses: 125 and a qrun: line" "$st|$err" '^125\|qrun: '
like "rmi: the message names the container" "$err" "user1${idu:+|${idu:0:12}}"
like "rmi refused: the image is still there" "$("$QRUN" images 2>&1)" '^rmme +1 '
q rmi -f rmme:1
like "rmi -f of an image a container uses works" "$st|$out" '^0\|Untagged: rmme:1'
unlike "rmi -f: the image is gone" "$("$QRUN" images 2>&1)" '^rmme '
q prune
is "prune afterwards exits 0" "$st" 0
q start -a user1
is "prune keeps the container startable" "$(res)" "0|only-in-rmme|"
q rm user1
is "rm of the container of a removed image" "$(res)" "0|user1|"
q prune
is "prune after rm" "$st" 0
r bb true
is "the store still runs bb after all that" "$(res)" "0||"
is "nothing left in \$QRUN_ROOT/containers" "$(containers)" ""

done_testing
