#!/bin/bash
# Identity in a real distribution (issue 13): Debian 12 images, amd64 and armhf (every program
# under qemu-arm), run as root inside by whoever runs qrun. dpkg -i of local packages whose
# postinst runs adduser --system and chown, useradd and su, chown -R that a later start of the
# container still sees, mknod, a setuid-root id run by bob, a 0000 file root reads and bob does
# not, and apt-get install from a local repository (file: source, apt's _apt sandbox switch).
# Real root gets the same answers from the kernel (its guest's su is a real setuid: the
# container's directory is searchable for it).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/debian.sh"
require_cmd dpkg-deb dpkg-scanpackages qemu-arm-static

# Two packages of our own: qrun-owned (a postinst that makes a system user and gives it a
# file, 0640) and qrun-hello, which depends on it.
mkdir -p "$T/debs" "$T/pkg/owned/DEBIAN" "$T/pkg/owned/opt/qrun-owned" "$T/pkg/hello/DEBIAN" \
	"$T/pkg/hello/usr/bin"
cat >"$T/pkg/owned/DEBIAN/control" <<'EOF'
Package: qrun-owned
Version: 1.0
Architecture: all
Maintainer: qrun tests <tests@qrun.invalid>
Depends: adduser
Description: a package whose postinst makes a system user and chowns a file
EOF
cat >"$T/pkg/owned/DEBIAN/postinst" <<'EOF'
#!/bin/sh
set -e
adduser --system --group --home /var/lib/qrunsvc --quiet qrunsvc
chown qrunsvc:qrunsvc /opt/qrun-owned/data
chmod 0640 /opt/qrun-owned/data
EOF
echo data >"$T/pkg/owned/opt/qrun-owned/data"
cat >"$T/pkg/hello/DEBIAN/control" <<'EOF'
Package: qrun-hello
Version: 1.0
Architecture: all
Maintainer: qrun tests <tests@qrun.invalid>
Depends: qrun-owned
Description: a package that depends on qrun-owned
EOF
printf '#!/bin/sh\necho hello from qrun-hello\n' >"$T/pkg/hello/usr/bin/qrun-hello"
chmod 0755 "$T/pkg/owned/DEBIAN/postinst" "$T/pkg/hello/usr/bin/qrun-hello"
for p in owned hello; do
	dpkg-deb --root-owner-group -b "$T/pkg/$p" "$T/debs/qrun-$p.deb" >/dev/null ||
		skip_all "dpkg-deb cannot build the test packages"
done
debian_debs "$T/debs" adduser
# the same packages as an apt repository (a flat one: deb [trusted=yes] file:/repo ./)
mkdir -p "$T/repo"
cp "$T/debs/"*.deb "$T/repo/"
(cd "$T/repo" && dpkg-scanpackages -m . >Packages 2>/dev/null) || skip_all "dpkg-scanpackages failed"
chmod -R a+rX "$T/debs" "$T/repo"

# The steps, in one container; its second start checks what the first left.
cat >"$T/steps.sh" <<'EOF'
if [ -e /var/tmp/first-done ]; then
	ls -ln /home/bob | awk 'NR > 1 {print $3, $4, $NF}'
	stat -c '%U:%G %a %n' /opt/qrun-owned/data /home/bob/notes
	ls -l /root/devx | awk '{print $1, $5, $6}'
	exit
fi
dpkg -i /debs/adduser_*.deb /debs/qrun-owned.deb >/var/tmp/dpkg.log 2>&1 || cat /var/tmp/dpkg.log
dpkg -l qrun-owned | awk '$2 == "qrun-owned" {print $1, $2, $3}'
id -un qrunsvc
stat -c '%U:%G %a' /opt/qrun-owned/data
useradd -m -s /bin/sh bob
su bob -c id
su bob -c 'echo hi >~/notes'
chown -R bob:bob /home/bob
mknod /root/devx c 1 3 && ls -l /root/devx | awk '{print $1, $5, $6}'
cp /usr/bin/id /usr/local/bin/suid-id && chmod 4755 /usr/local/bin/suid-id
su bob -c /usr/local/bin/suid-id
echo secret >/root/zero && chmod 0000 /root/zero && chmod 0755 /root
cat /root/zero
su bob -c 'cat /root/zero' 2>&1 | sed 's/^cat: //'
su bob -c 'touch /etc/bobs' 2>&1 | sed 's/^touch: //'
su bob -c 'test -r /opt/qrun-owned/data && echo readable || echo unreadable'
touch /var/tmp/first-done
EOF

# Real root's containers run with no_new_privs (the wall and the filter need it once
# capabilities are dropped): the kernel ignores a setuid bit there, as docker does with
# --security-opt no-new-privileges (docs/identity.md). An emulated identity honours it.
suid_euid=" euid=0(root)"
[ "$(id -u)" = 0 ] && suid_euid=
want_first="ii qrun-owned 1.0
qrunsvc
qrunsvc:qrunsvc 640
uid=1000(bob) gid=1000(bob) groups=1000(bob)
crw-r--r-- 1, 3
uid=1000(bob) gid=1000(bob)$suid_euid groups=1000(bob)
secret
/root/zero: Permission denied
cannot touch '/etc/bobs': Permission denied
unreadable"
want_second="1000 1000 notes
qrunsvc:qrunsvc 640 /opt/qrun-owned/data
bob:bob 644 /home/bob/notes
crw-r--r-- 1, 3"

for arch in ${ARCHS:-amd64 armhf}; do
	debian_image "$arch" "deb-$arch:12"
	c=deb-$arch
	ok "$arch: create the container" "$QRUN" create --name "$c" -v "$T/debs:/debs:ro" \
		-v "$T/steps.sh:/steps.sh:ro" "deb-$arch:12" /bin/sh /steps.sh
	is "$arch: dpkg -i, adduser, useradd, su, chown -R, mknod, setuid, 0000" \
		"$("$QRUN" start -a "$c" 2>&1)" "$want_first"
	is "$arch: a later start of the container sees the same owners" \
		"$("$QRUN" start -a "$c" 2>&1)" "$want_second"
	"$QRUN" rm "$c" >/dev/null 2>&1

	# apt-get from a local repository, its downloads as _apt
	out=$("$QRUN" run --rm -v "$T/repo:/repo:ro" "deb-$arch:12" /bin/sh -c '
		echo "deb [trusted=yes] file:/repo ./" >/etc/apt/sources.list
		rm -f /etc/apt/sources.list.d/*
		apt-get update >/tmp/apt.log 2>&1 || { tail -5 /tmp/apt.log; exit 1; }
		apt-get install -y qrun-hello >>/tmp/apt.log 2>&1 || { tail -20 /tmp/apt.log; exit 1; }
		qrun-hello; stat -c "%U:%G %a" /opt/qrun-owned/data; grep -c unsandboxed /tmp/apt.log' 2>&1)
	is "$arch: apt-get install from a file: repository, as _apt where apt drops to it" "$out" \
		"hello from qrun-hello
qrunsvc:qrunsvc 640
0"
done

# --- differential: the same ownership changes by real root under chroot(8) -----------------
cat >"$T/chown.sh" <<'EOF'
set -e
mkdir -p /srv/t/a/b
touch /srv/t/f1 /srv/t/a/f2 /srv/t/a/f3
mkfifo /srv/t/p
ln -s f1 /srv/t/l
chown -R 1000:1000 /srv/t/a
chown 0:50 /srv/t/f1
chmod 4755 /srv/t/f1
chmod 0000 /srv/t/a/f2
chmod 1777 /srv/t/a/b
chmod 2750 /srv/t/a
chown -h 7:7 /srv/t/l
mknod /srv/t/c c 1 3
mknod /srv/t/bk b 7 0
chown 5:5 /srv/t/bk
ln /srv/t/f1 /srv/t/hard
mv /srv/t/a/f3 /srv/t/a/b/f3
chown 1000 /srv/t/a/b/f3
chmod 0640 /srv/t/a/b/f3
useradd -m carol
mkdir /home/carol/sub
chown -R carol: /home/carol
find /srv/t /home/carol -xdev -printf '%U %G %m %y %p\n' | sort
EOF
oracle=$QRUN_BUILD/debootstrap/amd64-chown.txt
if [ "$(id -u)" = 0 ]; then
	debian_image amd64 deb-amd64:12
	mkdir "$T/oracle"
	tar -C "$T/oracle" -xf "$QRUN_BUILD/debootstrap/amd64.tar"
	cp "$T/chown.sh" "$T/oracle/chown.sh"
	chroot "$T/oracle" /bin/sh /chown.sh >"$oracle.tmp" 2>&1 && chmod a+r "$oracle.tmp" &&
		mv "$oracle.tmp" "$oracle"
fi
[ -f "$oracle" ] || skip_all "no chroot(8) oracle: the root run makes it"
like "the oracle lists the touched trees" "$(cat "$oracle")" "0 50 4755 f /srv/t/hard"
is "ownership changes under qrun list as under chroot(8) as real root" \
	"$("$QRUN" run --rm -v "$T/chown.sh:/chown.sh:ro" deb-amd64:12 /bin/sh /chown.sh 2>&1)" \
	"$(cat "$oracle")"

done_testing
