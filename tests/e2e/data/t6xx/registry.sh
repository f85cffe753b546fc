# Registries on 127.0.0.1 for the 5xx registry tests. Sourced after lib.sh (and
# data/t101/images.sh). Nothing listens beyond loopback; every server is killed at exit.
#
#   reg_pki                      $T/pki: a CA, a server certificate for IP 127.0.0.1 signed by
#                                it, and a self-signed token-signing certificate
#   reg_start NAME AUTH          Debian's docker-registry, TLS, AUTH none|htpasswd|token;
#                                sets REG (127.0.0.1:PORT); data in $T/NAME; htpasswd and
#                                token users: $REG_USER with the password in $T/pki/password
#   reg_trust HOSTPORT           put the CA where qrun looks: $HOME/.config/containers/certs.d
#   reg_push SRC DEST [ARGS]     skopeo copy SRC docker://DEST with the CA (and credentials when
#                                the registry needs them)
#   fake_start MODE... --         tests/tools/fake-registry.py serving $FAKE_LAYOUT; sets FAKE
#                                (127.0.0.1:PORT) and FAKE_LOG
#   fake_stop
#   q, q_in, fails_clean         run qrun and keep its output; check a clean one-line failure
#
# qrun runs with HOME=$T/home and XDG_RUNTIME_DIR=$T/run, so certs.d and auth.json are the
# test's own.

# q ARGS...: run qrun; $out, $err, $st hold its stdout, stderr and exit status (both outputs
# are also appended to $T/all.log, which t602 greps for credentials).
q() {
	"$QRUN" "$@" >"$T/q.out" 2>"$T/q.err"
	st=$?
	out=$(cat "$T/q.out")
	err=$(cat "$T/q.err")
	cat "$T/q.out" "$T/q.err" >>"$T/all.log"
}
# q_in FILE ARGS...: the same with standard input from FILE.
q_in() {
	local f=$1
	shift
	q "$@" <"$f"
}

# fails_clean DESC REGEX ARGS...: qrun ARGS exits 125 with one `qrun: ...REGEX` line on
# stderr, and the store is as it was (store_state of data/t101/images.sh).
fails_clean() {
	local d=$1 re=$2 before after n
	shift 2
	before=$(store_state "$QRUN_ROOT" 2>/dev/null)
	q "$@" </dev/null
	after=$(store_state "$QRUN_ROOT" 2>/dev/null)
	n=$(grep -c '' <<<"$err")
	if [ "$st" = 125 ] && [ "$n" = 1 ] && grep -Eq "^qrun: .*$re" <<<"$err" &&
		[ "$before" = "$after" ]; then
		_tap_result 0 "$d"
	else
		_tap_result 1 "$d"
		diag "command: qrun $*" "exit status $st (want 125), stderr lines $n (want 1)" \
			"stdout: $out" "stderr: $err" "want stderr /^qrun: .*$re/" \
			"store unchanged: $([ "$before" = "$after" ] && echo yes || diff <(echo "$before") <(echo "$after") | head -20)"
	fi
}

REG_USER=qtester
_reg_pids=()

_reg_cleanup() {
	local p
	for p in "${_reg_pids[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${_reg_pids[@]}"; do wait "$p" 2>/dev/null; done
	_lib_cleanup
}
trap _reg_cleanup EXIT

export HOME=$T/home XDG_RUNTIME_DIR=$T/run
# A proxy from the environment must not see loopback traffic (libcurl and skopeo honour these).
export no_proxy=127.0.0.1,localhost NO_PROXY=127.0.0.1,localhost
unset REGISTRY_AUTH_FILE DOCKER_CONFIG
mkdir -p "$HOME" "$XDG_RUNTIME_DIR"
chmod 0700 "$XDG_RUNTIME_DIR"

_free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

reg_pki() {
	local d=$T/pki
	mkdir -p "$d"
	(
		cd "$d" || exit 1
		openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 2 \
			-subj "/CN=qrun test CA" 2>/dev/null &&
			openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr \
				-subj "/CN=127.0.0.1" 2>/dev/null &&
			printf 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n' >ext.cnf &&
			openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial \
				-out server.crt -days 2 -extfile ext.cnf 2>/dev/null &&
			openssl req -x509 -newkey rsa:2048 -nodes -keyout token.key -out token.crt \
				-days 2 -subj "/CN=qrun test token issuer" 2>/dev/null
	) || return 1
	# A password nobody would type, so that a grep for it finds only leaks.
	printf 'pw-%s\n' "$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')" >"$d/password"
	printf '%s:%s\n' "$REG_USER" "$(cat "$d/password")" >"$d/users"
	chmod 0600 "$d/password" "$d/users"
}

_wait_port_file() { # FILE
	local i
	for i in $(seq 100); do
		[ -s "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

_wait_https() { # HOSTPORT
	local i code
	for i in $(seq 100); do
		code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$T/pki/ca.crt" \
			"https://$1/v2/" 2>/dev/null)
		case $code in 200 | 401) return 0 ;; esac
		sleep 0.1
	done
	return 1
}

reg_start() {
	local name=$1 auth=$2 d=$T/$1 port tport
	mkdir -p "$d/data"
	port=$(_free_port)
	{
		echo "version: 0.1"
		echo "log: {level: warn, accesslog: {disabled: false}}"
		echo "storage: {filesystem: {rootdirectory: $d/data}, delete: {enabled: true}}"
		echo "http: {addr: 127.0.0.1:$port, tls: {certificate: $T/pki/server.crt, key: $T/pki/server.key}}"
	} >"$d/config.yml"
	case $auth in
	htpasswd)
		htpasswd -Bin "$REG_USER" <"$T/pki/password" >"$d/htpasswd" 2>/dev/null || return 1
		echo "auth: {htpasswd: {realm: qrun-test, path: $d/htpasswd}}" >>"$d/config.yml"
		;;
	token)
		python3 "$QRUN_SRC/tests/tools/token-server.py" --cert "$T/pki/token.crt" \
			--key "$T/pki/token.key" --tls-cert "$T/pki/server.crt" \
			--tls-key "$T/pki/server.key" --users "$T/pki/users" \
			--port-file "$d/token.port" --log "$d/token.log" >"$d/token.out" 2>&1 &
		_reg_pids+=($!)
		_wait_port_file "$d/token.port" || return 1
		tport=$(cat "$d/token.port")
		echo "auth: {token: {realm: \"https://127.0.0.1:$tport/token\", service: qrun-test, issuer: qrun-test-issuer, rootcertbundle: $T/pki/token.crt}}" >>"$d/config.yml"
		;;
	esac
	docker-registry serve "$d/config.yml" >"$d/registry.log" 2>&1 &
	_reg_pids+=($!)
	REG=127.0.0.1:$port
	_wait_https "$REG"
}

reg_trust() {
	mkdir -p "$HOME/.config/containers/certs.d/$1"
	cp "$T/pki/ca.crt" "$HOME/.config/containers/certs.d/$1/ca.crt"
}

# skopeo's credentials go through an auth file, never the command line (ps).
reg_push() {
	local src=$1 dest=$2 af=$T/pki/skopeo-auth.json
	shift 2
	mkdir -p "$T/pki/skopeo-certs"
	cp "$T/pki/ca.crt" "$T/pki/skopeo-certs/ca.crt"
	printf '{"auths":{"%s":{"auth":"%s"}}}\n' "${dest%%/*}" \
		"$(printf '%s:%s' "$REG_USER" "$(cat "$T/pki/password")" | base64 -w0)" >"$af"
	skopeo copy -q --dest-cert-dir "$T/pki/skopeo-certs" --dest-authfile "$af" "$@" \
		"$src" "docker://$dest" >/dev/null
}

fake_start() {
	local modes=() f=$T/fake.$RANDOM
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		modes+=(--mode "$1")
		shift
	done
	FAKE_LOG=$f.log
	: >"$FAKE_LOG"
	python3 "$QRUN_SRC/tests/tools/fake-registry.py" --layout "$FAKE_LAYOUT" \
		--cert "$T/pki/server.crt" --key "$T/pki/server.key" --port-file "$f.port" \
		--log "$FAKE_LOG" --auth-file "$T/pki/users" "${modes[@]}" >"$f.out" 2>&1 &
	_fake_pid=$!
	_reg_pids+=($_fake_pid)
	_wait_port_file "$f.port" || return 1
	FAKE=127.0.0.1:$(cat "$f.port")
	reg_trust "$FAKE"
}

fake_stop() {
	kill "$_fake_pid" 2>/dev/null
	wait "$_fake_pid" 2>/dev/null
}
