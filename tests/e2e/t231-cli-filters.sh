#!/bin/bash
# What a docker user types (issue 16): `images REPOSITORY[:TAG]` and its filters, `ps
# --filter` and `--no-trunc`, `import --change` and `--message`.
. "$(dirname "$0")/lib.sh"
fixture BB busybox amd64
require_cmd skopeo

tar -C "$BB" --numeric-owner --owner=0 --group=0 -czf "$T/bb.tgz" .
ok "import" "$QRUN" import -q "$T/bb.tgz" bb:1
ok "import, another tag" "$QRUN" import -q "$T/bb.tgz" other/thing:2
"$QRUN" tag bb:1 bb:2

names() { "$QRUN" images "$@" 2>&1 | tail -n +2 | awk '{print $1 ":" $2}' | sort | tr '\n' ' '; }
is "images REPOSITORY" "$(names bb)" "bb:1 bb:2 "
is "images REPOSITORY:TAG" "$(names bb:2)" "bb:2 "
is "images of a full name" "$(names docker.io/other/thing)" "other/thing:2 "
is "images of nothing known: the header alone" "$(names nosuch)" ""
is "--filter reference=" "$(names --filter reference=bb:1)" "bb:1 "
"$QRUN" rmi other/thing:2 >/dev/null
is "--filter dangling=false" "$(names --filter dangling=false)" "bb:1 bb:2 "
fails "a bad filter" "$QRUN" images --filter size=3

# --- ps --filter --------------------------------------------------------------------------------
"$QRUN" create --name made bb:1 true >/dev/null
"$QRUN" run --name ended bb:1 sh -c 'exit 3' >/dev/null 2>&1
"$QRUN" run -d --name alive bb:1 sleep 100 >/dev/null
trap '"$QRUN" rm -f alive >/dev/null 2>&1; _lib_cleanup' EXIT
psn() { "$QRUN" ps "$@" 2>&1 | tail -n +2 | awk '{print $NF}' | sort | tr '\n' ' '; }
is "ps: the running one" "$(psn)" "alive "
is "ps --filter status=exited (stopped ones without -a)" "$(psn --filter status=exited)" "ended "
is "ps -a --filter status=created" "$(psn -a --filter status=created)" "made "
is "ps -a -f name= (a part of the name)" "$(psn -a -f name=de)" "ended made "
is "ps -a -f ancestor=bb:1 -f status=running" "$(psn -a -f ancestor=bb:1 -f status=running)" \
	"alive "
is "ps -a -f status=created -f status=running: either" \
	"$(psn -a -f status=created -f status=running)" "alive made "
like "ps --no-trunc: full ids" "$("$QRUN" ps --no-trunc -q 2>&1)" '^[0-9a-f]{64}$'
fails "ps: a bad filter" "$QRUN" ps --filter label=x

# --- inspect of containers, -f -----------------------------------------------------------------
is "inspect -f of a container's exit code" "$("$QRUN" inspect -f '{{.State.ExitCode}}' ended 2>&1)" 3
is "-f with json, index, range, if, len, join, upper" \
	"$("$QRUN" inspect -f '{{json .Config.Cmd}} {{index .Config.Cmd 0}} {{range .Args}}<{{.}}>{{end}} {{if .State.Running}}up{{else}}down{{end}} {{len .Args}} {{join .Args ","}} {{upper .State.Status}}' ended 2>&1)" \
	'["sh","-c","exit 3"] sh <-c><exit 3> down 2 -c,exit 3 EXITED'
is "inspect -f of a running one" "$("$QRUN" inspect -f '{{.State.Running}} {{.Name}}' alive 2>&1)" \
	"true /alive"
is "inspect (JSON) of a container and an image" \
	"$("$QRUN" inspect made bb:1 2>&1 | jq -r '.[0].State.Status, .[1].Architecture')" "created
amd64"
is "inspect -f of an image" "$("$QRUN" inspect -f '{{.Os}}/{{.Architecture}}' bb:1 2>&1)" \
	"linux/amd64"
is "--type image skips containers" "$("$QRUN" inspect --type image -f '{{.Os}}' bb:1 2>&1)" linux
like "an unclosed action" "$("$QRUN" inspect -f '{{.State' made 2>&1)" 'unclosed'
like "an unknown function" "$("$QRUN" inspect -f '{{printf .Name}}' made 2>&1)" "'printf' is not known"
like "nothing known by that name" "$("$QRUN" inspect nosuch 2>&1)" "no such image"

# --- import --change ----------------------------------------------------------------------------
ok "import -c CMD -c ENV -m" "$QRUN" import -q -c 'CMD ["sh", "-c", "echo $GREETING"]' \
	-c "ENV GREETING=hello" -c "WORKDIR /tmp" -m "from a tarball" "$T/bb.tgz" changed:1
is "the CMD and ENV of --change" "$("$QRUN" run --rm changed:1 2>&1)" "hello"
is "WORKDIR" "$("$QRUN" run --rm changed:1 pwd 2>&1)" "/tmp"
like "the message in its history" \
	"$(skopeo inspect --config "oci:$QRUN_ROOT:docker.io/library/changed:1" 2>&1)" \
	'"comment": *"from a tarball"'
like "a RUN is no --change" "$("$QRUN" import -q -c 'RUN true' "$T/bb.tgz" x:1 2>&1)" \
	'RUN is not a change of the image config'
is "and nothing was imported" "$(names x)" ""

done_testing
