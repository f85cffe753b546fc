#!/bin/bash
# qrun build (issue 14): the Dockerfile language on busybox images, steps as containers
# under the tracer (root inside for any user), layers from the change set, and the same
# digest for the same input: twice, with and without the cache, in two stores, as root and
# as a normal user (the digests of a small build are compared with the other mode's run
# through a file in the shared build directory when both ran).
. "$(dirname "$0")/lib.sh"
fixture BB busybox amd64
fixture BA busybox arm64
require_cmd tar skopeo umoci

tar -C "$BB" --numeric-owner --owner=0 --group=0 -czf "$T/bb.tgz" .
tar -C "$BA" --numeric-owner --owner=0 --group=0 -czf "$T/ba.tgz" .
ok "import busybox" env SOURCE_DATE_EPOCH=0 "$QRUN" import -q "$T/bb.tgz" bb:1
ok "import arm64 busybox" env SOURCE_DATE_EPOCH=0 "$QRUN" import -q --platform linux/arm64 "$T/ba.tgz" bba:1

# --- a context with every instruction -------------------------------------------------------
C=$T/ctx
mkdir -p "$C/src/sub" "$C/skipme"
echo "hello from the context" >"$C/src/hello.txt"
echo deep >"$C/src/sub/deep.txt"
printf '#!/bin/sh\necho "app: $*"\n' >"$C/app.sh"
chmod 0755 "$C/app.sh"
echo secret >"$C/skipme/secret"
echo "skipme" >"$C/.dockerignore"
cat >"$C/Containerfile" <<'EOF'
# a comment
ARG BASE=bb:1
FROM ${BASE} AS base
ARG GREETING=hi
ENV APP_HOME=/opt/app \
    MODE=test
WORKDIR $APP_HOME
COPY src/ ./data/
COPY --chmod=0700 app.sh /usr/local/bin/
COPY --chown=7:8 src/hello.txt /srv/owned.txt
RUN echo "$GREETING $MODE" >greeting && rm /etc/group && mkdir -p /var/made \
    && chown 5:6 /var/made && echo x >/var/made/f
RUN ["/bin/sh", "-c", "echo exec form >/opt/app/exec"]
RUN <<EOS
echo from a heredoc >/opt/app/heredoc
EOS
LABEL org.example.name="qrun test" version=1
EXPOSE 8080 53/udp
VOLUME /data
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s CMD true
ONBUILD RUN echo child
USER 0
ENTRYPOINT ["/usr/local/bin/app.sh"]
CMD ["default", "args"]

FROM scratch AS final
COPY --from=base /opt/app/greeting /greeting
COPY --from=base /bin/busybox /bin/busybox
CMD ["/bin/busybox", "cat", "/greeting"]
EOF
out=$("$QRUN" build --target base -t built:1 "$C" 2>&1)
st=$?
first_id=$(echo "$out" | tail -1)
is "build of a stage with every instruction" "$st" 0
[ "$st" = 0 ] || diag "$out"
like "podman's step lines" "$out" 'STEP 4/20: ENV APP_HOME'
like "the image id last" "$(echo "$out" | tail -1)" '^[0-9a-f]{64}$'
is "CMD and ENTRYPOINT" "$("$QRUN" run --rm built:1 2>&1)" "app: default args"
is "RUN with ARG and ENV" "$("$QRUN" run --rm --entrypoint cat built:1 /opt/app/greeting)" "hi test"
is "the exec form" "$("$QRUN" run --rm --entrypoint cat built:1 /opt/app/exec)" "exec form"
is "a heredoc" "$("$QRUN" run --rm --entrypoint cat built:1 /opt/app/heredoc)" "from a heredoc"
is "COPY of a directory's contents, WORKDIR relative" \
	"$("$QRUN" run --rm --entrypoint cat built:1 /opt/app/data/hello.txt /opt/app/data/sub/deep.txt)" \
	"hello from the context
deep"
is "COPY --chown" "$("$QRUN" run --rm --entrypoint stat built:1 -c '%u:%g %a' /srv/owned.txt)" \
	"7:8 644"
is "COPY --chmod" "$("$QRUN" run --rm --entrypoint stat built:1 -c '%a' /usr/local/bin/app.sh)" \
	"700"
is "chown in RUN lasts into the image" \
	"$("$QRUN" run --rm --entrypoint stat built:1 -c '%u:%g' /var/made)" "5:6"
is "a deletion is a whiteout" "$("$QRUN" run --rm --entrypoint ls built:1 /etc/group 2>&1 |
	grep -c 'No such file')" 1
is ".dockerignore keeps files out" "$("$QRUN" run --rm --entrypoint ls built:1 /opt/app/data)" \
	"hello.txt
sub"
cfg=$("$QRUN" inspect built:1 2>&1)
like "Env" "$cfg" '"APP_HOME=/opt/app"'
like "WorkingDir" "$cfg" '"WorkingDir": *"/opt/app"'
like "Labels" "$cfg" '"org.example.name": *"qrun test"'
like "ExposedPorts" "$cfg" '"53/udp"'
like "Volumes" "$cfg" '"/data"'
like "StopSignal" "$cfg" '"StopSignal": *"SIGTERM"'
like "Healthcheck" "$cfg" '"CMD-SHELL"'
like "OnBuild" "$cfg" '"RUN echo child"'

out=$("$QRUN" build -t final:1 "$C" 2>&1)
is "multi-stage build to the last stage" "$?" 0
is "FROM scratch + COPY --from" "$("$QRUN" run --rm final:1 2>&1)" "hi test"

# --- reproducible ------------------------------------------------------------------------
id1=$("$QRUN" build -q --target base "$C" 2>&1 | tail -1)
id2=$("$QRUN" build -q --no-cache --target base "$C" 2>&1 | tail -1)
is "the cache gives the same image" "$id1" "$first_id"
is "--no-cache gives the same image" "$id2" "$id1"
SOURCE_DATE_EPOCH=0 QRUN_ROOT="$T/store2" "$QRUN" import -q "$T/bb.tgz" bb:1 >/dev/null
id3=$(QRUN_ROOT="$T/store2" "$QRUN" build -q --no-cache --target base "$C" 2>&1 | tail -1)
is "another store: the same image" "$id3" "$id1"
echo "hello from the context!" >"$C/src/hello.txt"
id4=$("$QRUN" build -q --target base "$C" 2>&1 | tail -1)
isnt_same=$([ "$id4" != "$id1" ] && echo changed || echo same)
is "one byte of the context changes it" "$isnt_same" changed
echo "hello from the context" >"$C/src/hello.txt"
id5=$(SOURCE_DATE_EPOCH=1700000000 "$QRUN" build -q --target base "$C" 2>&1 | tail -1)
isnt_same=$([ "$id5" != "$id1" ] && echo changed || echo same)
is "SOURCE_DATE_EPOCH is the image's time" "$isnt_same" changed
like "its created" "$("$QRUN" inspect "$id5" 2>&1)" '2023-11-14T22:13:20Z'
# both modes of this test write their digest; the second compares
mine="$QRUN_BUILD/t221-digest-$(id -u)"
echo "$id1" >"$mine" 2>/dev/null && chmod 0644 "$mine"
for other in "$QRUN_BUILD"/t221-digest-*; do
	[ "$other" = "$mine" ] && continue
	[ -f "$other" ] && is "root and a user build the same image ($(basename "$other"))" \
		"$(cat "$other")" "$id1"
done

# --- progress, the cache and prune -----------------------------------------------------------
out=$("$QRUN" build --target base "$C" 2>&1)
like "a cached step says CACHED" "$out" '--> CACHED [0-9a-f]{12}'
out=$("$QRUN" build --no-cache --target base "$C" 2>&1)
like "a step that ran says its time" "$out" '--> [0-9a-f]{12} \([0-9]+\.[0-9] s\)'
ok "prune" "$QRUN" prune
out=$("$QRUN" build --target base "$C" 2>&1)
unlike "prune drops the cache" "$out" 'CACHED'
is "and the image is the same" "$(echo "$out" | tail -1)" "$first_id"
mkdir -p "$T/envarg"
printf 'FROM bb:1\nARG FROM_ENV\nRUN echo "$FROM_ENV" >/v\n' >"$T/envarg/Dockerfile"
echo x >"$T/envarg/a" && echo y >"$T/envarg/b"
FROM_ENV=from-the-environment "$QRUN" build -q --build-arg FROM_ENV -t envarg:1 "$T/envarg" >/dev/null 2>&1
is "--build-arg NAME takes the environment's value" "$("$QRUN" run --rm envarg:1 cat /v 2>&1)" \
	"from-the-environment"
printf 'a\n' >"$T/envarg/.dockerignore"
printf 'b\n' >"$T/envarg/.containerignore"
printf 'FROM bb:1\nCOPY . /ctx/\n' >"$T/envarg/Dockerfile"
"$QRUN" build -q -t ign:1 "$T/envarg" >/dev/null 2>&1
is ".containerignore wins over .dockerignore" "$("$QRUN" run --rm ign:1 ls /ctx 2>&1 | tr '\n' ' ')" \
	"Dockerfile a "

# names that are not ASCII (Debian's ca-certificates has them) or not UTF-8 at all
mkdir -p "$T/names"
printf 'FROM bb:1\nRUN touch /fö "$(printf "/bad\\377")" && ln -s /fö /lnk\n' >"$T/names/Dockerfile"
ok "a layer holds names that are not ASCII or not UTF-8" "$QRUN" build -q -t names:1 "$T/names"
is "as they were" "$("$QRUN" run --rm names:1 sh -c 'printf "%s\\n" /bad* /fö | od -c | head -1 | tr -s " "; readlink /lnk')" \
	"0000000 / b a d 377 \\n / f 303 266 \\n
/fö"

# an exception below an excluded directory brings that file back
mkdir -p "$T/exc/dir/sub"
echo no >"$T/exc/dir/secret" && echo yes >"$T/exc/dir/sub/keep"
printf 'dir\n!dir/sub/keep\n' >"$T/exc/.dockerignore"
printf 'FROM bb:1\nCOPY . /ctx/\n' >"$T/exc/Dockerfile"
"$QRUN" build -q -t exc:1 "$T/exc" >/dev/null 2>&1
is ".dockerignore exceptions below an excluded directory" \
	"$("$QRUN" run --rm exc:1 find /ctx/dir 2>&1 | sort | tr '\n' ' ')" "/ctx/dir /ctx/dir/sub /ctx/dir/sub/keep "

# --- the OCI tools read what qrun wrote ------------------------------------------------------
ok "skopeo inspects it" skopeo inspect "oci:$QRUN_ROOT:docker.io/library/built:1"
umoci_opts=
[ "$(id -u)" != 0 ] && umoci_opts=--rootless
ok "umoci unpacks it" umoci unpack $umoci_opts --image "$QRUN_ROOT:docker.io/library/built:1" "$T/bundle"
is "umoci's tree has the files of the steps" "$(cat "$T/bundle/rootfs/opt/app/greeting" \
	"$T/bundle/rootfs/opt/app/heredoc" 2>&1)" "hi test
from a heredoc"
ok "and not what a step deleted" test ! -e "$T/bundle/rootfs/etc/group"

# the same steps in a container, exported, against umoci's unpack of the built image
STEPS='mkdir -p /w/x && echo a >/w/a && chown 3:4 /w/a && chmod 0640 /w/a && rm /etc/passwd &&
ln -s a /w/l && mkfifo /w/p && rm -rf /usr/share/doc && echo c >>/etc/group'
mkdir -p "$T/same"
printf 'FROM bb:1\nRUN %s\n' "$(echo "$STEPS" | tr '\n' ' ')" >"$T/same/Dockerfile"
ok "build the steps" "$QRUN" build -q -t same:1 "$T/same"
"$QRUN" run --name same bb:1 sh -c "$STEPS" >/dev/null 2>&1
mkdir -p "$T/exported"
"$QRUN" export same | tar -C "$T/exported" --numeric-owner -xpf - 2>/dev/null
ok "umoci unpacks the steps' image" umoci unpack $umoci_opts --image "$QRUN_ROOT:docker.io/library/same:1" "$T/same-bundle"
tree() { (cd "$1" && find . -printf "$2 %p\n" | LC_ALL=C sort); }
fmt='%m %y'
[ "$(id -u)" = 0 ] && fmt='%U %G %m %y'
is "umoci's tree of the image is qrun export's of the container (names, types, modes$([ "$(id -u)" = 0 ] && echo ', owners'))" \
	"$(diff <(tree "$T/exported" "$fmt") <(tree "$T/same-bundle/rootfs" "$fmt") && echo same)" same
ok "-o type=docker" "$QRUN" build -q -o "type=docker,dest=$T/same-docker.tar" "$T/same"
ok "docker-archive output loads in qrun load" env QRUN_ROOT="$T/store3" "$QRUN" load -i "$T/same-docker.tar"
ok "-o type=oci: skopeo reads it" sh -c "'$QRUN' build -q -o 'type=oci,dest=$T/same-oci.tar' '$T/same' &&
	skopeo inspect oci-archive:'$T/same-oci.tar'"
ok "-o type=tar: the root filesystem" "$QRUN" build -q -o "type=tar,dest=$T/same-rootfs.tar" "$T/same"
like "with the owners of the steps" "$(tar -tvf "$T/same-rootfs.tar" --numeric-owner | grep ' w/a$')" \
	'^-rw-r----- 3/4 '

# --- ADD of an archive, COPY of a heredoc, globs, SHELL, -f, --chown by name ------------------
mkdir -p "$T/more/arch/sub" "$T/more/g"
echo in >"$T/more/arch/sub/f"
ln -s sub/f "$T/more/arch/l"
tar -C "$T/more/arch" --owner=5 --group=6 -czf "$T/more/a.tgz" .
echo 1 >"$T/more/g/one.txt" && echo 2 >"$T/more/g/two.txt" && echo 3 >"$T/more/g/three.md"
cat >"$T/more/build.df" <<'EOF'
FROM bb:1
RUN echo "app:x:1234:2345::/:/bin/sh" >>/etc/passwd && echo "app:x:2345:" >>/etc/group
ADD a.tgz /opt/
ENV WHO=world
COPY <<EOT /etc/greeting
it's "hello" $WHO
EOT
COPY g/*.txt /texts/
COPY --chown=app:app g/three.md /texts/
SHELL ["/bin/sh", "-ec"]
RUN echo "shell: $0 $-" >/shell
EOF
ok "-f FILE" "$QRUN" build -q -f "$T/more/build.df" -t more:1 "$T/more"
is "ADD unpacks a local archive, owners from it" "$("$QRUN" run --rm more:1 sh -c \
	'stat -c "%u:%g %n" /opt/sub/f /opt/l; cat /opt/l' 2>&1)" "5:6 /opt/sub/f
5:6 /opt/l
in"
is "COPY of a heredoc, \$VAR expanded, quotes kept" "$("$QRUN" run --rm more:1 cat /etc/greeting)" \
	"it's \"hello\" world"
is "globs" "$("$QRUN" run --rm more:1 ls /texts 2>&1)" "one.txt
three.md
two.txt"
is "--chown NAME:GROUP from the image's passwd" \
	"$("$QRUN" run --rm more:1 stat -c %u:%g /texts/three.md)" "1234:2345"
like "SHELL" "$("$QRUN" run --rm more:1 cat /shell)" '^shell: /bin/sh .*e'
printf 'FROM --platform=linux/arm64 bba:1\nRUN uname -m >/arch\n' >"$T/more/arm.df"
ok "FROM --platform" "$QRUN" build -q -f "$T/more/arm.df" -t fromplat:1 "$T/more"
is "runs the arm64 image's RUN under qemu" "$("$QRUN" run --rm fromplat:1 cat /arch 2>&1)" aarch64
# a hostile archive: a symlink to / then a file through it
mkdir -p "$T/evil" "$T/evil2/root/etc"
ln -s / "$T/evil/root"
tar -C "$T/evil" -cf "$T/more/evil.tar" root
echo pwned >"$T/evil2/root/etc/qrun-escape"
tar -C "$T/evil2" -rf "$T/more/evil.tar" root/etc/qrun-escape 2>/dev/null
printf 'FROM bb:1\nADD evil.tar /x/\nRUN cat /etc/qrun-escape\n' >"$T/more/evil.df"
like "an archive's symlink to / stays inside the rootfs" \
	"$("$QRUN" build -f "$T/more/evil.df" "$T/more" 2>&1)" 'pwned'
ok "and the host's /etc is untouched" test ! -e /etc/qrun-escape

# --- other architectures ----------------------------------------------------------------------
mkdir -p "$T/arm"
cat >"$T/arm/Dockerfile" <<'EOF'
FROM bba:1
RUN uname -m >/arch
EOF
ok "an arm64 build on this host, no setup" "$QRUN" build --platform linux/arm64 -t armb:1 "$T/arm"
is "its RUN ran under qemu" "$("$QRUN" run --rm armb:1 cat /arch 2>&1)" "aarch64"

# --- errors -------------------------------------------------------------------------------------
mkdir -p "$T/bad"
err() { # Dockerfile-text -> qrun's message (must fail)
	printf '%s\n' "$1" >"$T/bad/Dockerfile"
	if "$QRUN" build "$T/bad" >"$T/bad.out" 2>&1; then echo "SUCCEEDED"; else tail -1 "$T/bad.out"; fi
}
like "an unknown instruction names its line" "$(err 'FROM bb:1
FROB x')" 'line 2: unknown instruction'
like "a failing RUN" "$(err 'FROM bb:1
RUN exit 3')" 'exit code: 3'
like "ADD of a URL" "$(err 'FROM bb:1
ADD http://example.com/x /x')" 'refused'
ln -s /etc/passwd "$T/bad/escape"
like "a symlink out of the context" "$(err 'FROM bb:1
COPY escape /x')" 'outside the build context'
like "'..' out of the context" "$(err 'FROM bb:1
COPY ../ctx/app.sh /x')" 'outside the build context'
echo s >"$T/bad/secret" && echo secret >"$T/bad/.dockerignore"
like "a source .dockerignore excludes" "$(err 'FROM bb:1
COPY secret /x')" 'secret'
like "no such base image" "$(err 'FROM nosuch:1')" 'nosuch'
like "no Dockerfile" "$("$QRUN" build "$T/arm/nonexistent" 2>&1)" 'not a directory'

done_testing
