#!/bin/bash
# Name lookups in a native amd64 glibc container, and the socket calls that return results
# through the caller's memory. glibc's resolver sends its A and AAAA queries with one
# sendmmsg and drops both answers unless each msg_len says the whole query went out; qrun
# once handed the kernel a copy of the mmsghdr array and never copied msg_len back, so every
# lookup failed ("Temporary failure in name resolution", apt-get update). A rootfs is made
# here from the host's getent, a probe (data/t205/sockprobe.c, built here) and their
# libraries; tests/tools/dnsd answers for dns.qrun.test on a 127.0.0.0/8 address.
#
# The probe prints what sendmmsg, recvmmsg, sendmsg, recvmsg, sendto, recvfrom, accept,
# accept4, getsockname and getpeername leave in its memory, on UDP (nothing for qrun to
# translate), on AF_UNIX sockets bound to paths (names translated both ways, the kernel
# handed copies in scratch memory below the stack pointer), and with blocked calls that a
# signal handler interrupts and the kernel restarts (with the copies' addresses); every run
# under qrun (chroot with and without the shim, --no-seccomp, run) must print what it prints
# natively.
. "$(dirname "$0")/lib.sh"

require_cmd ldd cc python3 getent
DNSD=$QRUN_TOOLS/dnsd
if [ ! -x "$DNSD" ]; then
	echo "Bail out! $DNSD is missing (make tools builds it)"
	exit 1
fi
R=$T/dyn
cc -O2 -o "$T/sockprobe" "$QRUN_SRC/tests/e2e/data/t205/sockprobe.c" ||
	skip_all "cannot build the probe"
dyn_rootfs "$R" "$T/sockprobe" "$(command -v getent)" || skip_all "cannot make the rootfs"
# NSS: glibc >= 2.34 has files and dns inside libc; older ones dlopen these.
for lib in libnss_files.so.2 libnss_dns.so.2 libresolv.so.2; do
	for d in /lib/x86_64-linux-gnu /usr/lib/x86_64-linux-gnu /lib64 /usr/lib64; do
		if [ -e "$d/$lib" ]; then
			mkdir -p "$R$d" && cp -L "$d/$lib" "$R$d/$lib"
			break
		fi
	done
done
printf 'hosts: files dns\n' >"$R/etc/nsswitch.conf"
printf '127.0.0.1 localhost\n10.1.2.3 files.qrun.test\n' >"$R/etc/hosts"
mkdir -p "$R/tmp/u" "$T/n"

# dnsd runs on a random loopback address, so that parallel runs of this test do not meet.
dnsd_pids=()
_t205_cleanup() {
	local p
	for p in "${dnsd_pids[@]}"; do kill "$p" 2>/dev/null; done
	_lib_cleanup
}
trap _t205_cleanup EXIT
# start_dnsd PORT: serve dns.qrun.test on a fresh 127.x.y.z:PORT (0: any); sets DNS_ADDR and
# DNS_PORT, or returns 1 when it cannot listen.
start_dnsd() {
	local i j pid
	for i in 1 2 3 4 5; do
		DNS_ADDR=127.$((RANDOM % 250 + 2)).$((RANDOM % 250 + 1)).$((RANDOM % 250 + 1))
		: >"$T/dnsd.port"
		"$DNSD" -t 120 "$DNS_ADDR" "$1" dns.qrun.test 192.0.2.7 2001:db8::7 \
			>"$T/dnsd.port" 2>>"$T/dnsd.log" &
		pid=$!
		for j in $(seq 50); do
			[ -s "$T/dnsd.port" ] && break
			kill -0 $pid 2>/dev/null || break
			sleep 0.1
		done
		if [ -s "$T/dnsd.port" ]; then
			dnsd_pids+=("$pid")
			DNS_PORT=$(cat "$T/dnsd.port")
			return 0
		fi
		kill $pid 2>/dev/null
		wait $pid 2>/dev/null
	done
	return 1
}
start_dnsd 0 || {
	echo "Bail out! dnsd cannot listen: $(cat "$T/dnsd.log")"
	exit 1
}
DNS0_ADDR=$DNS_ADDR
DNS0_PORT=$DNS_PORT
want_dns=$(printf '%s\n' 192.0.2.7 2001:db8::7)

# --- the probe, natively and under qrun ---------------------------------------------------
native_udp=$("$T/sockprobe" udp 2>&1)
native_unix=$("$T/sockprobe" unix "$T/n" 2>&1)
native_restart=$("$T/sockprobe" restart "$T/n" 2>&1)
native_dns=$("$T/sockprobe" resolve dns.qrun.test "$DNS0_ADDR" "$DNS0_PORT" 2>&1 | sort)
is "natively: the probe's sendmmsg gets msg_len 5 and 7" "$(grep '^sendmmsg 2' <<<"$native_udp")" \
	"sendmmsg 2: 5 7"
is "natively: blocked accept and sendmmsg are interrupted and restarted" "$native_restart" \
	"accept ok, interrupted: len=path+3 name=DIR/client, cut
sendmmsg to 2: 5 7
sendmmsg interrupted"
is "natively: dnsd answers the probe's lookup" "$native_dns" "$want_dns"
like "natively: recvmsg reports MSG_TRUNC and the fd's control message" "$native_unix" \
	'^recvmsg 4: name=DIR/tx len=path\+3 flags=MSG_TRUNC controllen=CMSG_SPACE\(int\) rights=yes$'

modes=("chroot" "chroot QRUN_PRELOAD=off" "chroot --no-seccomp")
for mode in "${modes[@]}"; do
	m=" [$mode]"
	case $mode in
	*PRELOAD=off) q() { QRUN_PRELOAD=off "$QRUN" chroot "$R" "$@"; } ;;
	*--no-seccomp) q() { "$QRUN" chroot --no-seccomp "$R" "$@"; } ;;
	*) q() { "$QRUN" chroot "$R" "$@"; } ;;
	esac
	udp=$(q /bin/sockprobe udp 2>&1)
	is "sendmmsg on a connected UDP socket: msg_len of each datagram$m" \
		"$(grep '^sendmmsg 2' <<<"$udp")" "sendmmsg 2: 5 7"
	is "UDP: sendmmsg, recvmmsg as natively$m" "$udp" "$native_udp"
	unx=$(q /bin/sockprobe unix /tmp/u 2>&1)
	is "sendmmsg to a translated AF_UNIX path: msg_len of each, the array otherwise untouched$m" \
		"$(grep '^sendmmsg to' <<<"$unx")" "sendmmsg to 3: 5 7 3"
	is "recvmmsg: msg_len and the sender's guest name for each message$m" \
		"$(grep '^recvmmsg' <<<"$unx")" "$(grep '^recvmmsg' <<<"$native_unix")"
	is "AF_UNIX paths: every call's results as natively$m" "$unx" "$native_unix"
	is "accept and sendmmsg restarted after a signal handler ran: as natively$m" \
		"$(q /bin/sockprobe restart /tmp/u 2>&1)" "$native_restart"
	is "getaddrinfo asks dnsd (A and AAAA in one sendmmsg)$m" \
		"$(q /bin/sockprobe resolve dns.qrun.test "$DNS0_ADDR" "$DNS0_PORT" 2>&1 | sort)" \
		"$want_dns"
	is "getaddrinfo of an unknown name: not found, not a temporary failure$m" \
		"$(q /bin/sockprobe resolve nx.qrun.test "$DNS0_ADDR" "$DNS0_PORT" 2>&1)" \
		"getaddrinfo nx.qrun.test: Name or service not known"
	like "getent ahosts finds a name of the rootfs's /etc/hosts$m" \
		"$(q /bin/getent ahosts files.qrun.test 2>&1)" '^10\.1\.2\.3 +STREAM files\.qrun\.test$'
done

# --- glibc's own resolver path: /etc/resolv.conf, port 53 ------------------------------------
# Binding port 53 needs root, unless the host lets everyone (ip_unprivileged_port_start).
if [ "$(id -u)" = 0 ] ||
	[ "$(cat /proc/sys/net/ipv4/ip_unprivileged_port_start 2>/dev/null || echo 1024)" -le 53 ]; then
	if start_dnsd 53; then
		printf 'nameserver %s\noptions timeout:2 attempts:1\n' "$DNS_ADDR" >"$R/etc/resolv.conf"
		for mode in "" --no-seccomp; do
			got=$(QRUN_PRELOAD=off "$QRUN" chroot $mode "$R" /bin/getent ahosts dns.qrun.test 2>&1)
			like "getent ahosts through resolv.conf: A${mode:+ [$mode]}" "$got" \
				'^192\.0\.2\.7 +STREAM dns\.qrun\.test$'
			got=$("$QRUN" chroot $mode "$R" /bin/getent ahosts dns.qrun.test 2>&1)
			like "getent ahosts through resolv.conf, with the shim${mode:+ [$mode]}" "$got" \
				'^192\.0\.2\.7 +STREAM dns\.qrun\.test$'
		done
	else
		_tap_result 1 "dnsd listens on port 53 as root"
		diag "$(cat "$T/dnsd.log")"
	fi
else
	diag "getent through resolv.conf (port 53) is tested as root only here"
fi

# --- qrun run: the rootfs as an image ---------------------------------------------------------
printf '127.0.0.1 localhost\n10.1.2.3 files.qrun.test\n' >"$T/hosts"
rm -f "$R"/tmp/u/*
(cd "$R" && tar --owner=0 --group=0 --numeric-owner -cf "$T/dyn.tar" -- $(ls -A)) &&
	"$QRUN" import "$T/dyn.tar" dyn >/dev/null 2>"$T/import.err"
is "the rootfs imports as an image" "$?|$(cat "$T/import.err")" "0|"
for pre in "" off; do
	m=${pre:+ [QRUN_PRELOAD=$pre]}
	r() { env ${pre:+QRUN_PRELOAD=$pre} "$QRUN" run --rm "$@" </dev/null 2>&1; }
	is "qrun run: UDP sendmmsg and recvmmsg as natively$m" "$(r dyn /bin/sockprobe udp)" "$native_udp"
	is "qrun run: AF_UNIX paths as natively$m" "$(r dyn /bin/sockprobe unix /tmp/u)" "$native_unix"
	is "qrun run: restarted accept and sendmmsg as natively$m" \
		"$(r dyn /bin/sockprobe restart /tmp/u)" "$native_restart"
	is "qrun run: getaddrinfo asks dnsd$m" \
		"$(r dyn /bin/sockprobe resolve dns.qrun.test "$DNS0_ADDR" "$DNS0_PORT" | sort)" "$want_dns"
	like "qrun run: getent ahosts reads a bound /etc/hosts$m" \
		"$(r -v "$T/hosts:/etc/hosts:ro" dyn /bin/getent ahosts files.qrun.test)" \
		'^10\.1\.2\.3 +STREAM files\.qrun\.test$'
done

done_testing
