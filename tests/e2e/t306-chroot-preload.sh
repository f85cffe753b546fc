#!/bin/bash
# qrun's in-process shim (libqrun-preload.so) answers stat, access, read-only opens, readlink
# and realpath inside dynamic programs without a ptrace stop. It may only ever give the answers the tracer gives:
# a probe program (data/t306/probe.c, built here) makes the same calls with the shim, without
# it (QRUN_PRELOAD=off, --no-preload) and with --no-seccomp, on paths chosen to need the
# tracer (symlinks, "..", binds, nested and read-only binds, virtual directories, /proc magic
# links, paths aimed at a file outside the rootfs), and the four runs must print the same.
# Then: the shim really takes the stops away, the guest cannot write the shim, and a program
# built with AddressSanitizer still starts (its runtime must be the first library).
. "$(dirname "$0")/lib.sh"

require_cmd ldd cc python3
like "qrun finds its shim (make builds it next to qrun)" "$("$QRUN" info)" '^preload: +/'
R=$T/dyn
H=$T/host
mkdir -p "$R/bin" "$R"/{mnt,data/dir/sub} "$H"/{bind/in,nested,ro,virt}
cc -O2 -o "$T/probe" "$QRUN_SRC/tests/e2e/data/t306/probe.c" || skip_all "cannot build the probe"
dyn_rootfs "$R" "$T/probe" "$(command -v bash)" "$(command -v env)" || skip_all "cannot make the rootfs"

echo "the guest's hostname" >"$R/etc/hostname"
echo "rootfs file" >"$R/data/file"
echo "sub file" >"$R/data/dir/sub/f"
chmod 0755 "$R/data/file"
ln -s file "$R/data/link-rel"
ln -s /data/file "$R/data/link-abs"
ln -s ../../../../../../etc/hostname "$R/data/link-up"
ln -s /etc "$R/data/etc-abs"
ln -s dir/sub "$R/data/sub-link"
ln -s loop "$R/data/loop"
ln -s /nowhere "$R/data/dangling"
ln -s /mnt/bind/in "$R/data/into-bind"
mkdir -p "$R/data/bind" && echo "not the bind" >"$R/data/bind/in" # a bind's name elsewhere
echo "in the bind" >"$H/bind/in/f"
echo "nested" >"$H/nested/f"
echo "read-only" >"$H/ro/f"
echo "virtual" >"$H/virt/f"
echo "a bound file" >"$H/file"
echo "secret" >"$T/marker"
ln -s "$T/marker" "$H/bind/to-marker" # a symlink in a bind that points out of it

binds=(-b "$H/bind:/mnt/bind" -b "$H/nested:/mnt/bind/nested" -b "$H/ro:/ro:ro"
	-b "$H/virt:/virt/a/b" -b "$H/file:/data/bound")
up=$(printf '../%.0s' {1..12})

paths=(/ /data /data/ /data/file /data/file/ /data/dir/ /data/dir/sub/f /data/./dir//sub/../sub/f
	/data/nope /data/nope/../file /data/dir/../file /.. /../data/file "/..$T/marker"
	"$up${T#/}/marker" /data/link-rel /data/link-abs /data/link-up /data/etc-abs/hostname
	/data/sub-link/f /data/loop /data/dangling /data/into-bind/f /data/bind/in /data/bound
	/mnt /mnt/bind /mnt/bind/in/f /mnt/bind/nested/f /mnt/bind/nested/../in/f
	/mnt/bind/../../data/file /mnt/bind/to-marker /ro/f /virt /virt/a /virt/a/b/f /proc/self/exe
	/proc/self/root/data/file /proc/self/cwd /dev/null /etc/hostname)
rel=(file ./file dir/sub/f dir/sub/../../file ../data/file ../../../etc/hostname link-rel loop
	bind/in bound "..${T}/marker" "$up${T#/}/marker")
ops=(stat lstat fstatat-nofollow statx access-r access-x open openat-rel at-empty readlink realpath
	fopen)

args=()
for p in "${paths[@]}"; do
	for op in "${ops[@]}"; do args+=("$op" "$p"); done
done
args+=(open-dir /data/dir open-dir /data/link-rel access-w /data/file access-w /ro/f)
args+=(cd /data)
for p in "${rel[@]}"; do
	for op in "${ops[@]}"; do args+=("$op" "$p"); done
done
args+=(cd /mnt/bind stat ../../data/file stat nested/f open nested/f stat in/f stat ../bind/in/f)
# (not status or comm: the process name is the program's only with the shim, see below)
args+=(cd /proc/self lstat exe stat exe lstat root stat root/data/file lstat cwd open limits)
args+=(cd /virt/a stat b/f stat ../a/b/f realpath b/f realpath ../a/./b/ realpath b/f/)
args+=(cd /mnt/bind realpath in/f realpath ../bind/to-marker realpath nested/../in realpath .)
args+=(cd /data/dir/sub realpath f realpath ../../link-up realpath ../../sub-link/f/ realpath ..)
long=$(printf 'x%.0s' {1..250})
mkdir -p "$R/data/deep/$long/$long/$long/$long/$long/$long/$long/$long/$long/$long/$long/$long/$long/$long/$long"
args+=(cd "/data/deep/$long/$long/$long/$long/$long/$long/$long/$long/$long/$long/$long/$long/$long/$long/$long")
args+=(realpath . realpath "../$long" stat "../$long" readlink /data/link-rel)

q() { "$QRUN" chroot "${binds[@]}" "$@"; }
with=$(q "$R" /bin/probe "${args[@]}" 2>&1)
without=$(QRUN_PRELOAD=off q "$R" /bin/probe "${args[@]}" 2>&1)
noflag=$(q --no-preload "$R" /bin/probe "${args[@]}" 2>&1)
traced=$(q --no-seccomp "$R" /bin/probe "${args[@]}" 2>&1)
is "the probe ran all its calls" "$(printf '%s\n' "$with" | wc -l)" \
	"$(($(printf '%s\n' "$without" | wc -l)))"
ok "the probe printed something for each call" test "$(printf '%s\n' "$with" | wc -l)" -gt 650
is "same answers with the shim as with QRUN_PRELOAD=off" "$with" "$without"
is "same answers with the shim as with --no-preload" "$with" "$noflag"
is "same answers with the shim as with --no-seccomp" "$with" "$traced"

# A few answers checked for themselves, beyond agreeing.
like "a relative symlink climbing out stays in the rootfs" "$with" \
	"^open /data/link-up -> reads 'the guest's hostname'\$"
unlike "the file outside the rootfs is never read" "$with" "reads 'secret'"
like "a path into a bind reads the bind" "$with" "^open /mnt/bind/in/f -> reads 'in the bind'\$"
like "a nested bind wins" "$with" "^open /mnt/bind/nested/f -> reads 'nested'\$"
like "a directory named like a bind elsewhere is not the bind" "$with" \
	"^open /data/bind/in -> reads 'not the bind'\$"
like "a virtual directory above a bind is a directory" "$with" "^stat /virt/a -> mode=40"
like "'..' out of a bind from its cwd is the guest's parent" "$with" \
	"^stat ../../data/file -> mode=100755 size=12"
like "access(W_OK) in a read-only bind is EROFS" "$with" "^access-w /ro/f -> EROFS\$"
like "realpath resolves a link that climbs out inside the rootfs" "$with" \
	"^realpath /data/link-up -> /etc/hostname\$"
like "realpath through a symlink into a bind" "$with" "^realpath /data/into-bind/f -> /mnt/bind/in/f\$"
like "realpath of /proc/self/exe is the guest program" "$with" "^realpath /proc/self/exe -> /bin/probe\$"
like "readlink of /proc/self/exe is the guest program" "$with" "^readlink /proc/self/exe -> '/bin/probe'\$"
like "libc's own open (fopen) of a link climbing out stays in the rootfs" "$with" \
	"^fopen /data/link-up -> reads 'the guest's hostname'\$"
like "libc's own open of a path into a bind reads the bind" "$with" \
	"^fopen /mnt/bind/in/f -> reads 'in the bind'\$"

# The stops the shim takes away: 3000 stat calls of a rootfs file.
stops() { sed -n 's/^qrun: \([0-9]*\) stops$/\1/p'; }
n_with=$(q -vv "$R" /bin/probe repeat 3000 /data/dir/sub/f 2>&1 >/dev/null | stops)
n_without=$(q -vv --no-preload "$R" /bin/probe repeat 3000 /data/dir/sub/f 2>&1 >/dev/null | stops)
diag "3000 stat calls: ${n_with:-?} ptrace stops with the shim, ${n_without:-?} without"
ok "with the shim, 3000 stat calls cost fewer than 100 stops" test "${n_with:-99999}" -lt 100
ok "without it, each costs one" test "${n_without:-0}" -ge 3000
n_link=$(q -vv "$R" /bin/probe repeat 3000 /data/sub-link/f 2>&1 >/dev/null | stops)
ok "through a symlink too (resolved in the process)" test "${n_link:-99999}" -lt 100
n_bind=$(q -vv "$R" /bin/probe repeat 300 /mnt/bind/in/f 2>&1 >/dev/null | stops)
ok "calls into a bind are still the tracer's" test "${n_bind:-0}" -ge 300
# libc's own calls (fopen opens and fstats inside libc, not through open()) as well.
n_fopen=$(q -vv "$R" /bin/probe repeat-fopen 1000 /data/dir/sub/f 2>&1 >/dev/null | stops)
diag "1000 fopen calls: ${n_fopen:-?} ptrace stops with the shim"
ok "libc's internal opens need no stop either" test "${n_fopen:-99999}" -lt 100

# ps, top and pgrep see the program's name, not ld.so's (the kernel named the process after
# ld.so, which the tracer runs the program with). It is the program file's name: started
# through a symlink, the kernel would show the link's name.
is "/proc/self/comm is the program's name" "$(q "$R" /bin/probe open /proc/self/comm)" \
	"open /proc/self/comm -> reads 'probe'"

# The guest sees the shim's file (with the shim only) but cannot change it.
like "the shim's file is there for the guest" "$(q "$R" /bin/probe stat /.qrun-preload.so)" \
	"^stat /.qrun-preload.so -> mode=100"
status_is "writing the shim from the guest fails" 1 \
	q "$R" /bin/bash -c 'echo x >> /.qrun-preload.so'
like "... with EROFS" "$(q "$R" /bin/bash -c 'echo x >> /.qrun-preload.so' 2>&1)" \
	'Read-only file system'

# In a container: the same probe from an image, with and without --read-only.
tar -C "$R" -czf "$T/dyn.tar.gz" . && "$QRUN" import "$T/dyn.tar.gz" t306:dyn >/dev/null 2>&1
cargs=(access-w /data/file access-w /etc access-r /data/file stat /data/link-abs open /data/file
	realpath /data/sub-link/f)
for ro in "" --read-only; do
	with=$("$QRUN" run --rm $ro t306:dyn /bin/probe "${cargs[@]}" 2>&1)
	without=$(QRUN_PRELOAD=off "$QRUN" run --rm $ro t306:dyn /bin/probe "${cargs[@]}" 2>&1)
	is "qrun run ${ro:-(read-write)}: the same answers with and without the shim" "$with" "$without"
done
like "qrun run --read-only: access(W_OK) says EROFS with the shim too" "$with" \
	"^access-w /data/file -> EROFS\$"

# execvp walks PATH in the process (no stop for the entries without the program), by glibc's
# rules: an empty entry is the cwd, EACCES goes on but is what fails in the end, a file
# without #! that the kernel cannot run (ENOEXEC) is run by /bin/sh.
mkdir -p "$R"/p{1,2,3,4}
ln -sf bash "$R/bin/sh"
ln -s /bin/probe "$R/p2/prog"
printf 'echo script ran: $0 $1\n' >"$R/p3/noexec" && chmod 0644 "$R/p3/noexec"
printf 'echo script ran: $0 $1\n' >"$R/p4/noexec" && chmod 0755 "$R/p4/noexec"
exec_cases=("/p1:/p2 prog" "/p1 prog" "/p3:/p4 noexec" "/p3 noexec" ":/p1 prog" "/p1 /p2/prog"
	"/p1:/nowhere:/p2 prog")
for c in "${exec_cases[@]}"; do
	read -r path name <<<"$c"
	for mode in "" --no-preload; do
		out[${mode:+1}0]=$(q $mode -w /p2 "$R" /bin/env PATH="$path" /bin/probe execvp "$name" 2>&1)
	done
	is "execvp '$name' with PATH=$path: the same with and without the shim" "${out[0]}" "${out[10]}"
done
like "execvp: found in the second PATH entry" \
	"$(q "$R" /bin/env PATH=/p1:/p2 /bin/probe execvp prog 2>&1)" '^stat /data/file -> mode=100755'
like "execvp: EACCES, then a script without #! run by /bin/sh" \
	"$(q "$R" /bin/env PATH=/p3:/p4 /bin/probe execvp noexec 2>&1)" '^script ran: /p4/noexec stat$'
like "execvp: EACCES when nothing else is found" \
	"$(q "$R" /bin/env PATH=/p3 /bin/probe execvp noexec 2>&1)" '^execvp noexec -> EACCES$'
n_exec=$(q -vv "$R" /bin/env PATH=/p1:/nowhere:/p1:/p1:/p2 /bin/probe execvp prog 2>&1 |
	sed -n 's/^qrun: *\([0-9]*\) execve$/\1/p')
ok "execvp: the PATH entries without the program cost no execve stop" test "${n_exec:-9}" -le 3

# A program that installs its own seccomp filter (sshd, browsers do) may forbid what the shim
# calls in its place: from then on, and in the programs it starts, the shim stays out.
out=$(q "$R" /bin/probe stat /data/file deny-openat2 - stat /data/dir/sub/f open /data/sub-link/f \
	exec-stat /data/link-abs 2>&1)
st=$?
is "a guest seccomp filter that kills on openat2: the calls go on" "$st|$out" "0|$(printf '%s\n' \
	'stat /data/file -> mode=100755 size=12 nlink=1' 'deny-openat2 -> ok' \
	'stat /data/dir/sub/f -> mode=100644 size=9 nlink=1' "open /data/sub-link/f -> reads 'sub file'" \
	'stat /data/link-abs -> mode=100755 size=12 nlink=1')"

# The settings call answers nothing when the shim is off.
like "no settings without the filter" \
	"$(q --no-seccomp "$R" /bin/probe lstat /.qrun-preload.so/settings 2>&1)" "-> ENOENT\$"

# libc's own entries jump to the shim's functions, never to a program's: this one exports an
# open() of its own and counts its calls; fopen's internal open must not be one of them.
if cc -O2 -rdynamic -o "$R/bin/own-open" "$QRUN_SRC/tests/e2e/data/t306/own-open.c" 2>/dev/null; then
	out=$(q "$R" /bin/own-open /data/file 2>&1)
	is "a program's own open() is not called by libc's fopen under the shim" "$out" \
		"$(QRUN_PRELOAD=off q "$R" /bin/own-open /data/file 2>&1)"
	is "... and it answers as without qrun" "$out" "$("$R/bin/own-open" "$R/data/file")"
else
	skip "a program's own open() is not called by libc's fopen under the shim" "cc failed"
	skip "... and it answers as without qrun" "cc failed"
fi

# A program built with AddressSanitizer starts (no shim for it: its runtime must come first).
if printf 'int main(void){return 0;}\n' | cc -fsanitize=address -x c -o "$T/asan" - 2>/dev/null &&
	"$T/asan"; then
	cp "$T/asan" "$R/bin/asan"
	ldd "$R/bin/asan" | awk '/=>/ {print $3}' | while read -r lib; do
		mkdir -p "$R$(dirname "$lib")" && cp -n "$lib" "$R$lib"
	done
	# (LeakSanitizer cannot work under any ptrace tracer: that is not the shim's doing)
	status_is "an AddressSanitizer program runs" 0 env ASAN_OPTIONS=detect_leaks=0 \
		"$QRUN" chroot "$R" /bin/asan
else
	skip "an AddressSanitizer program runs" "no libasan here"
fi

done_testing
