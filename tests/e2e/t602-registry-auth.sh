#!/bin/bash
# Registry authentication (issue 15): Debian's docker-registry once with htpasswd Basic auth
# and once behind token auth served by tests/tools/token-server.py, both on 127.0.0.1 with
# TLS. Anonymous pulls are refused in one line; qrun login checks the credentials before it
# stores them (auth.json, mode 0600), pull then works (one token per repository scope, reused
# for every request), logout forgets them; docker's ~/.docker/config.json is read too, and
# its credential helpers (credHelpers, credsStore: docker-credential-NAME get) are asked. The
# password never shows in qrun's output, its debug log or the servers' logs.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/data/t101/images.sh"
. "$(dirname "$0")/data/t6xx/registry.sh"

require_cmd docker-registry skopeo openssl curl python3 jq htpasswd
fixture bb64 busybox amd64

reg_pki || skip_all "openssl cannot make test certificates"
printf 'wrong-password\n' >"$T/wrong"
mk_tar "$bb64" "$T/amd64.tar"
mk_image "$T/lay" amd amd64 '' gzip "$T/amd64.tar"
authfile=$XDG_RUNTIME_DIR/containers/auth.json
"$QRUN" images >/dev/null 2>&1

for kind in htpasswd token; do
	reg_start "$kind" "$kind" || skip_all "docker-registry ($kind) did not start: $(tail -3 "$T/$kind/registry.log")"
	reg_trust "$REG"
	ok "$kind: skopeo pushes with credentials" reg_push "oci:$T/lay:amd" "$REG/test/bb:1"

	fails_clean "$kind: an anonymous pull is refused in one line naming registry and repository" \
		"registry '$REG': repository 'test/bb': .*(authentication required|refused).*qrun login" \
		pull "$REG/test/bb:1"
	q_in "$T/wrong" login -u "$REG_USER" --password-stdin "$REG"
	is "$kind: login with a wrong password fails" "$st" 125
	like "$kind: ... saying so" "$err" "^qrun: registry '$REG': login refused for user '$REG_USER'"
	is "$kind: ... and stores nothing" \
		"$( [ -f "$authfile" ] && jq -r --arg r "$REG" '.auths[$r] // "none"' "$authfile" || echo none)" none
	q_in "$T/pki/password" login -u "$REG_USER" --password-stdin "$REG"
	is "$kind: login with the right password" "$st:$out" "0:Login Succeeded!"
	is "$kind: ... writes auth.json mode 0600" "$(stat -c %a "$authfile")" 600
	is "$kind: ... with the credentials under the registry's name" \
		"$(jq -r --arg r "$REG" '.auths[$r].auth' "$authfile" | base64 -d)" \
		"$REG_USER:$(cat "$T/pki/password")"
	q pull -q "$REG/test/bb:1"
	is "$kind: pull after login" "$st:$out" "0:$REG/test/bb:1"
	q run --rm "$REG/test/bb:1" /bin/busybox echo pulled
	is "$kind: ... and the image runs" "$st:$out" "0:pulled"
	if [ "$kind" = token ]; then
		is "token: one token for the whole pull (manifest, config, layer)" \
			"$(grep -c "token user=$REG_USER scope=repository:test/bb:pull granted=test/bb:pull" "$T/token/token.log")" 1
	fi
	q logout "$REG"
	is "$kind: logout" "$st:$out" "0:Removed login credentials for $REG"
	is "$kind: ... removes the entry" "$(jq -r --arg r "$REG" '.auths[$r] // "gone"' "$authfile")" gone
	"$QRUN" rmi "$REG/test/bb:1" >/dev/null 2>&1
	"$QRUN" prune >/dev/null 2>&1
	fails_clean "$kind: after logout the pull is refused again" "qrun login" pull "$REG/test/bb:1"
	fails_clean "$kind: logout twice is an error" "not logged in to '$REG'" logout "$REG"

	# docker's config.json is read when auth.json has nothing.
	mkdir -p "$HOME/.docker"
	printf '{"auths":{"%s":{"auth":"%s"}}}\n' "$REG" \
		"$(printf '%s:%s' "$REG_USER" "$(cat "$T/pki/password")" | base64 -w0)" >"$HOME/.docker/config.json"
	QRUN_LOG=debug q pull -q "$REG/test/bb:1"
	is "$kind: credentials from ~/.docker/config.json" "$st:$(tail -1 <<<"$out")" "0:$REG/test/bb:1"
	like "$kind: ... the debug log says where they came from" "$err" "credentials from '$HOME/.docker/config.json'"
	rm -f "$HOME/.docker/config.json"
	"$QRUN" rmi "$REG/test/bb:1" >/dev/null 2>&1
	"$QRUN" prune >/dev/null 2>&1
done

# --- credential helpers (docker's protocol), with the token registry still up ----------------
mkdir -p "$T/bin"
cat >"$T/bin/docker-credential-qtest" <<EOF
#!/bin/sh
server=\$(cat)
echo "\$server" >>"$T/helper.log"
[ "\$server" = "$REG" ] || { echo "credentials not found in native keychain"; exit 1; }
printf '{"ServerURL":"%s","Username":"%s","Secret":"%s"}\n' "\$server" "$REG_USER" "\$(cat "$T/pki/password")"
EOF
chmod +x "$T/bin/docker-credential-qtest"
mkdir -p "$HOME/.docker"
printf '{"credHelpers":{"%s":"qtest"}}\n' "$REG" >"$HOME/.docker/config.json"
PATH=$T/bin:$PATH QRUN_LOG=debug q pull -q "$REG/test/bb:1"
is "credHelpers: the registry's helper gives the credentials" "$st:$(tail -1 <<<"$out")" "0:$REG/test/bb:1"
like "... the debug log names it" "$err" "credentials from docker-credential-qtest"
is "... which was asked for this registry" "$(cat "$T/helper.log")" "$REG"
"$QRUN" rmi "$REG/test/bb:1" >/dev/null 2>&1
"$QRUN" prune >/dev/null 2>&1
printf '{"credsStore":"qtest"}\n' >"$HOME/.docker/config.json"
PATH=$T/bin:$PATH q pull -q "$REG/test/bb:1"
is "credsStore: the default helper gives them too" "$st:$out" "0:$REG/test/bb:1"
"$QRUN" rmi "$REG/test/bb:1" >/dev/null 2>&1
"$QRUN" prune >/dev/null 2>&1
printf '{"credsStore":"nosuch"}\n' >"$HOME/.docker/config.json"
fails_clean "a helper that is not installed is one line naming it" \
	"credential helper 'docker-credential-nosuch'" pull "$REG/test/bb:1"
rm -f "$HOME/.docker/config.json"

q_in "$T/pki/password" login -u "$REG_USER" --password-stdin 127.0.0.1:1
is "login to a registry that does not answer fails" "$st" 125
like "... naming it" "$err" "^qrun: registry '127.0.0.1:1': login: "

pw=$(cat "$T/pki/password")
is "the password is in no qrun output, debug log included" "$(grep -c -- "$pw" "$T/all.log")" 0
is "... nor in the registries' and the token server's logs" \
	"$(cat "$T"/htpasswd/*.log "$T"/token/*.log | grep -c -- "$pw")" 0
is "... nor base64 of user:password in qrun's output" \
	"$(grep -c -- "$(printf '%s:%s' "$REG_USER" "$pw" | base64 -w0)" "$T/all.log")" 0

done_testing
