#!/bin/bash
# shellcheck disable=SC2016,SC2317 # cases are guest shell code; functions run via start()
# Differential: the same command lines run in the amd64 busybox and helper root filesystems by
# `qrun chroot` and by chroot(8) must print the same text (stdout and stderr together) and end
# with the same exit status. The cases look at paths: ls -l, find, readlink -f, cd/pwd chains,
# symlink games, shell scripts and #! chains, /proc/self, fd-relative calls, unix sockets,
# mkdir/rename/rm, hard links, chmod, touch and paths near PATH_MAX. Each case runs in a fresh
# writable copy of the rootfs with a small /data tree (see make_template), `-w /` and qrun's
# default binds (/dev, /proc, /sys), once with seccomp and once with --no-seccomp.
#
# chroot(8) needs root, so the root run computes the oracle (in a private mount namespace with
# the host's /dev, /proc and /sys bound in, as qrun does) and caches it in
# $QRUN_BUILD/oracle/t301, stamped with a hash of this script and of the root filesystems; the
# user run compares qrun against that cache. Nothing is normalised but what depends on who runs
# the test: owners (ls -l columns 3-4 and the helper's " uid=N gid=N"), and times and directory
# sizes (ls -l). Cases never rely on root's permission bypass. The cases run in the background,
# $QRUN_T301_JOBS (default: the number of CPUs, at most 4) at a time; the TAP lines come in
# order at the end, one per case and mode.
. "$(dirname "$0")/lib.sh"

umask 022
bb='' hp=''
fixture bb busybox amd64
fixture hp helper amd64
guest=$QRUN_GUEST/amd64/qrun-test-init
[ -x "$guest" ] || skip_all "guest helper $guest missing (run 'make guests')"
require_cmd timeout sha256sum

# Whatever descriptors the caller leaked must not show up in /proc/self/fd inside the guest.
for _fd in /proc/"$$"/fd/*; do
	_fd=${_fd##*/}
	case $_fd in 0 | 1 | 2 | 255) ;; *) eval "exec $_fd>&-" 2>/dev/null ;; esac
done

build=${QRUN_BUILD:-$(dirname "$QRUN")} # tests/run.sh passes it (a staged copy for the user)
cache=$build/oracle/t301
tmo=30
clean_env=(env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
	HOME=/root TZ=UTC LC_ALL=C)

# --- the cases ------------------------------------------------------------------------------
# bcase DESCRIPTION SCRIPT: `/bin/sh -c SCRIPT` in the busybox rootfs.
# hcase DESCRIPTION STEPS: helper applets in the helper rootfs. Steps are separated by ';' and
# words by blanks; each step is `/bin/APPLET ARGS...` and prints its exit status. The helper
# rootfs has no shell: the steps run from a copy of busybox at /bin/busybox (one run per case
# keeps the test fast), always by absolute path, so they never become busybox applets.
kind=()
desc=()
cmd=()
bcase() { kind+=(busybox) desc+=("$1") cmd+=("$2"); }
hcase() {
	local steps step argv s=
	IFS=';' read -ra steps <<<"$2"
	for step in "${steps[@]}"; do
		read -ra argv <<<"$step"
		s+="echo '\$ ${argv[*]}'; /bin/${argv[0]} ${argv[*]:1} 2>&1; echo \"[exit \$?]\"; "
	done
	kind+=(helper) desc+=("$1") cmd+=("$s")
}

# deep N: a shell snippet setting $p to /tmp and N levels of d0123456789 (12 bytes each).
deep() { printf 'p=/tmp; i=0; while [ $i -lt %d ]; do p=$p/d0123456789; i=$((i + 1)); done; ' "$1"; }
long_sock=/tmp/$(printf 's%.0s' {1..95}) # a 100-byte guest path: fits sun_path, the host's not

# ls -l and find
bcase "ls -l of the /data tree" 'ls -l /data /data/dir /data/bin | cols'
bcase "ls -la of a symlinked directory with and without a trailing slash" \
	'ls -la /data/abs/ | cols; ls -ld /data/abs /data/rel/ | cols'
bcase "ls -lL follows links and reports loops and dangling links" 'ls -lL /data 2>&1 | cols'
bcase "find lists the tree without following links" 'find /data | sort'
bcase "find -L -maxdepth 2 follows links" 'find -L /data -maxdepth 2 -type f 2>&1 | sort'
bcase "find -type l and readlink of every link" \
	'find /data -type l | sort | while read -r l; do echo "$l -> $(readlink "$l")"; done'
# readlink and realpath
bcase "readlink -f through absolute and relative symlinks" \
	'for p in /data/rel /data/abs /data/abs/a /data/relfile /data/absfile /data/dir/up/abs/sub; do readlink -f "$p"; done'
bcase "readlink -f and realpath of a link chain and of links climbing above /" \
	'for p in /data/chain1 /data/escape /data/dir/sub/toroot/../../bin /data/root/.. /data/dir/sub/toroot/data/abs; do readlink -f "$p"; done; realpath /data/chain1 /data/abs/../file /data/dir/up; realpath /data/loop1; echo "st=$?"'
bcase "readlink -f of loops, dangling links and missing paths" \
	'for p in /data/loop1 /data/self /data/dangling /data/dangling-rel /data/nonexist/x /data/file/x; do readlink -f "$p"; echo "st=$?"; done'
# cd and pwd
bcase "cd through an absolute symlink: pwd, pwd -P, /bin/pwd, cd .." \
	'cd /data/abs && pwd && pwd -P && /bin/pwd && cd .. && pwd && pwd -P && /bin/pwd'
bcase "cd -P through a relative symlink, then .. far above the root" \
	'cd -P /data/rel/sub && pwd && cd ../../../../../.. && pwd && /bin/pwd && ls'
bcase "cd into a symlink to /" 'cd /data/dir/sub/toroot && pwd && pwd -P && /bin/pwd && ls -d etc bin data'
bcase "cd into loops, dangling links and files fails" \
	'cd /data/loop1; echo "st=$?"; cd /data/dangling; echo "st=$?"; cd /data/file; echo "st=$?"; pwd'
bcase "getcwd and /proc/self/cwd of a removed directory" \
	'mkdir /tmp/gone && cd /tmp/gone && rmdir /tmp/gone; /bin/pwd; echo "st=$?"; readlink /proc/self/cwd'
# symlink games
bcase "creating files through dangling absolute and relative symlinks" \
	'ln -s /tmp/made-abs /tmp/l-abs && ln -s made-rel /tmp/l-rel && echo x >/tmp/l-abs && echo y >/tmp/l-rel && ls /tmp && cat /tmp/made-abs /tmp/made-rel'
bcase "ln -sf and ln -sfn replace links" \
	'ln -s /data/file /tmp/l && ln -sf /data/dir/a /tmp/l && cat /tmp/l && ln -s /data/abs /tmp/dl && ln -sfn /data/rel /tmp/dl && readlink /tmp/dl && ls /tmp/dl/'
bcase "symlink loops give ELOOP" \
	'cat /data/loop1; echo "st=$?"; cat /data/self/x; echo "st=$?"; ls /data/loop1/; echo "st=$?"; echo x >/data/loop2; echo "st=$?"'
bcase ".. after a symlink is physical" \
	'cat /data/abs/../file /data/rel/sub/../a; ls /data/dir/up/dir/up/rel/ /data/dir/sub/toroot/data/dir/..'
bcase "test -L -e -d -ef on links" \
	'for p in /data/abs /data/loop1 /data/dangling /data/file /data/root; do printf "%s:" $p; [ -L $p ] && printf " L"; [ -e $p ] && printf " e"; [ -d $p ] && printf " d"; echo; done; [ /data/abs -ef /data/dir ] && echo abs=dir; [ /data/root -ef / ] && echo root=/; [ /data/dir/sub/toroot/.. -ef / ] && echo toroot/..=/'
bcase "stat -c of links and their targets" \
	"stat -c '%n %F %s %a %h' /data/abs /data/file /data/escape; stat -L -c '%n %F %a %h' /data/abs /data/chain1 /data/escape"
# shell scripts
bcase "a #!/bin/sh script run by path, by PATH, by sh and relative to cwd" \
	'/data/bin/hello.sh a "b c"; echo "st=$?"; PATH=/data/bin:$PATH; hello.sh x; sh /data/bin/hello.sh y; cd /data/bin && ./hello.sh z && sh hello.sh w && ../bin/hello.sh v'
bcase "a script whose interpreter is a script" '/data/bin/nested.sh n1 n2; echo "st=$?"'
bcase "an interpreter with an argument, and a relative interpreter" \
	'/data/bin/interparg.sh q; cd /bin && /data/bin/relinterp.sh r; echo "st=$?"'
bcase "a missing interpreter, a script without x, a directory, a missing file" \
	'/data/bin/missing.sh; echo "st=$?"; /data/noexec.sh; echo "st=$?"; /data; echo "st=$?"; /nonexistent; echo "st=$?"; /data/loop1; echo "st=$?"'
bcase "sourcing, subshells and exec" \
	'. /data/bin/lib.sh; greet x; (cd /data/abs; greet y); pwd; exec /data/bin/hello.sh last'
bcase "pipes, xargs and command substitution" \
	'echo /data/file /data/absfile | xargs cat; x=$(cat /data/chain1); echo "[$x]"; find /data/dir -type f | sort | xargs wc -l'
bcase "scripts run through absolute and relative symlinks" \
	'ln -s /data/bin/hello.sh /tmp/hs && /tmp/hs s; ln -s ../data/bin/hello.sh /tmp/hr && /tmp/hr t; /data/bin/argvsym u'
bcase "a script that chmods and runs another" \
	'chmod a-x /data/bin/hello.sh && /data/bin/hello.sh; echo "st=$?"; chmod u+x /data/bin/hello.sh && /data/bin/hello.sh ok'
# /proc/self
bcase "/proc/self/exe of busybox and of the helper" \
	'readlink /proc/self/exe; readlink /proc/$$/exe; qrun-test-init exe; ls -l /proc/self/exe | sed "s/.* -> //"'
bcase "/proc/self/cwd, root and fd after cd" \
	'cd /data/abs && readlink /proc/self/cwd && readlink /proc/self/root && readlink /proc/self/fd/3 3</data/chain1 && readlink /proc/self/fd/4 4>/tmp/w && readlink /proc/self/fd/0'
bcase "no extra descriptors in /proc/self/fd" 'ls /proc/self/fd; ls /proc/$$/fd'
bcase "/proc/self/cmdline and exec of /proc/self/exe" \
	'tr "\0" " " </proc/self/cmdline; echo; /proc/self/exe; echo "st=$?"; qrun-test-init exec /proc/self/exe echo via-exe'
# relative paths and fd-relative calls from the shell
bcase "relative paths from a symlinked cwd" \
	'cd /data/rel/sub && cat c ../a ../../file && ls -d ../../rel/../dir && ls ../up/abs'
bcase "the helper's openat, fstatat and execveat from a shell" \
	'qrun-test-init openat /data/abs ../file read; qrun-test-init fstatat /data/rel sub/c; qrun-test-init execveat /data/bin hello.sh hello.sh fd'
# unix sockets
bcase "unix stream server and client; the socket file is listed and removed" \
	'qrun-test-init unix-server /tmp/srv hello-client >/tmp/srv.out & until grep -q listening /tmp/srv.out 2>/dev/null; do usleep 10000; done; qrun-test-init unix-client /tmp/srv; wait; cat /tmp/srv.out; ls -l /tmp | cols; [ -S /tmp/srv ] && echo socket; rm /tmp/srv; ls /tmp'
bcase "unix sockets at relative paths" \
	'cd /tmp && qrun-test-init unix-dgram rel.sock && qrun-test-init unix-pair-test ./p.sock && ls; cd /data/abs && qrun-test-init unix-dgram s && ls /data/dir'
# mkdir, rename, rm
bcase "mkdir -p, mv, rmdir and rm -r" \
	'mkdir -p /tmp/a/b/c && touch /tmp/a/b/c/f && mv /tmp/a/b /tmp/x && find /tmp | sort && rm -r /tmp/x && rmdir /tmp/a && ls -a /tmp'
bcase "mkdir, mv, rmdir and rm errors" \
	'mv /data/dir /data/dir/sub/; echo "st=$?"; rmdir /data/dir; echo "st=$?"; mkdir /data/abs; echo "st=$?"; mkdir /data/dangling; echo "st=$?"; rm /data/dir; echo "st=$?"; mv /data/nope /tmp; echo "st=$?"; mkdir /data/file/x; echo "st=$?"'
bcase "mv and rm of symlinks move the link, not the target" \
	'mv /data/abs /tmp/abs && mv /data/rel /tmp/rel && ls /tmp/abs/; ls /tmp/rel/; echo "st=$?"; rm /tmp/abs && ls /data /data/dir'
bcase "mkdir and rm -r through symlinked parents" \
	'mkdir /data/abs/new /data/rel/sub/new2 && ls /data/dir /data/dir/sub && rm -r /data/abs/sub && ls /data/dir; rm -r /data/rel; ls /data/dir; ls /data'
bcase "mkfifo and mknod p" 'mkfifo /tmp/ff && mknod /tmp/p2 p && ls -l /tmp | cols && rm /tmp/ff /tmp/p2 && ls /tmp'
bcase "rename over an existing file and directory" \
	'mv -f /data/dir/a /data/dir/b && cat /data/dir/b && mkdir /tmp/e && mv /tmp/e /data/dir/sub; echo "st=$?"; mkdir /tmp/e2 /tmp/e3 && mv -T /tmp/e2 /tmp/e3 && ls /tmp'
# hard links
bcase "hard links share data and link count" \
	"ln /data/file /tmp/h1 && ln /tmp/h1 /data/dir/h2 && stat -c '%h %n' /data/file /tmp/h1 /data/dir/h2 && echo more >>/tmp/h1 && cat /data/dir/h2 && rm /data/file && stat -c '%h %n' /tmp/h1"
bcase "hard links of a symlink, a directory and across /dev" \
	"ln /data/abs /tmp/habs; echo \"st=\$?\"; ls -l /tmp | cols; ln /data/dir /tmp/hd; echo \"st=\$?\"; link /data/absfile /tmp/hl2 && stat -c '%F %h' /tmp/hl2 /data/absfile; ln /dev/null /tmp/n; echo \"st=\$?\""
# chmod
bcase "chmod octal, symbolic and through a symlink" \
	"chmod 751 /data/file && chmod u-w,g+x /data/dir/b && chmod 600 /data/absfile && stat -c '%n %a %A' /data/file /data/dir/b /data/dir/a /data/absfile"
bcase "chmod -R and chmod of dangling links" \
	'chmod -R go-rwx /data/dir && ls -l /data/dir /data/dir/sub | cols; chmod 644 /data/dangling; echo "st=$?"; chmod 600 /data/loop1; echo "st=$?"'
# touch
bcase "touch creates files, -d sets and -r copies times" \
	"touch /tmp/t1 /data/abs/t2 && touch -d '2001-02-03 04:05:06' /data/file && touch -r /data/file /tmp/t1 && stat -c '%n %y' /data/file /tmp/t1 && ls /data/dir"
bcase "touch through symlinks and dangling links" \
	"touch -d '2002-03-04 05:06:07' /data/absfile /data/dangling-rel; echo \"st=\$?\"; stat -c '%n %y' /data/dir/a /data/newfile; touch /data/dangling; echo \"st=\$?\"; ls /data"
# long paths
bcase "mkdir -p, cd, pwd and files at 4072 bytes" \
	"$(deep 339)"'echo ${#p}; out=$(mkdir -p $p 2>&1); echo "mkdir: $? ${#out}"; cd $p && pwd | wc -c && /bin/pwd | wc -c && echo x >f && cat $p/f && ls $p && readlink /proc/self/cwd | wc -c && cd / && rm -r /tmp/d0123456789 && ls /tmp'
bcase "paths over PATH_MAX and names over NAME_MAX fail" \
	"$(deep 345)"'mkdir $p 2>&1 | wc -c; echo "st=$?"; cat $p 2>&1 | wc -c; touch /tmp/$(printf "n%.0s" $(seq 256)); echo "st=$?"; ls /tmp'
bcase "find and rm -r of a deep tree" \
	"$(deep 150)"'mkdir -p $p && cd $p/../../.. && touch f && cd / && find /tmp | wc -l && find /tmp -name f | wc -c && rm -r /tmp/d0123456789 && ls -a /tmp'
# misc
bcase "the environment passes through unchanged" 'env | sort'
bcase "globs and .. at the root" \
	'echo /data/*; echo /data/dir/*/; ls /.. /../../data/..; cat /../../etc/hostname /data/root/../etc/hostname'
bcase "/dev from the default binds" 'echo hi >/dev/null && cat /dev/null; head -c 4 /dev/zero | od -An -tx1; ls -l /dev/null | cols'
bcase "which and command -v" 'which sh ls qrun-test-init; command -v hello.sh; echo "st=$?"; command -v cols'
bcase "cp -a, cp -P, cp -L and cp -r of symlinks" \
	'cp -a /data/dir /tmp/cpa && cp -P /data/abs /tmp/ && cp -L /data/chain1 /tmp/cl && cp -r /data/rel/sub /tmp/cs && ls -l /tmp /tmp/cpa /tmp/cs | cols'
bcase "tar of a tree with symlinks" \
	'cd /data && tar cf /tmp/t.tar dir abs rel escape && mkdir /tmp/x && cd /tmp/x && tar xf /tmp/t.tar && ls -l /tmp/x /tmp/x/dir | cols && tar tf /tmp/t.tar'

# the helper rootfs: no shell, each step is one applet
hcase "ls-l of /data, ls through symlinked directories" \
	"ls-l /data ; ls-l /data/bin ; ls /data/abs ; ls /data/dir/sub/toroot ; ls /data/loop1 ; ls /data/file"
hcase "readlink" "readlink /data/abs ; readlink /data/escape ; readlink /data/chain3 ; readlink /data/file ; readlink /data/nope"
hcase "realpath" "realpath /data/chain1 ; realpath /data/escape ; realpath /data/loop1 ; realpath /data/dangling ; realpath /data/dir/sub/toroot/data/rel"
hcase "/proc/self/exe, root and cwd" \
	"exe ; readlink /proc/self/exe ; readlink /proc/self/root ; readlink /proc/self/cwd ; lstat /proc/self"
hcase "cd-pwd and fchdir-pwd through symlinks" \
	"cd-pwd /data/abs ; cd-pwd /data/rel/sub/../.. ; cd-pwd /data/dir/sub/toroot ; cd-pwd /data/loop1 ; cd-pwd /data/file ; cd-pwd /data/dangling ; fchdir-pwd /data/dir/sub/toroot ; fchdir-pwd /data/abs/up ; fchdir-pwd /data/chain1"
hcase ".. at the root stays at the root" "dotdot 5 ; openat-root-dotdot"
hcase "stat, lstat and statx" \
	"stat /data/abs ; lstat /data/abs ; statx /data/chain1 ; lstat /data/chain1 ; lstat /data/loop1 ; stat /data/loop1 ; stat /data/dangling"
hcase "fstatat relative to a directory fd" \
	"fstatat /data/dir a ; fstatat /data/abs up ; fstatat /data ../../etc ; fstatat /data /data/file ; fstatat /data/file x"
hcase "openat and openat2 relative to a directory fd" \
	"openat /data/abs a read ; openat / data/escape read ; openat /data/dir ../../../../etc/hostname read ; openat /data/dir/sub toroot/data/file read ; openat /data loop1 ; openat2 /data/rel sub/c read ; openat2 /data/dir/sub/toroot data/chain1 read ; openat2 /data loop1 ; openat2 /data dangling"
hcase "execveat of binaries and scripts" \
	"execveat /data/bin argv.sh x y ; execveat /bin echo echo hi ; execveat / data/bin/argvnested.sh z ; execveat /data nope"
hcase "fexec through an O_PATH descriptor" "fexec /bin/echo echo hi ; fexec /data/bin/argv.sh q ; fexec /data/bin/argvsym q"
hcase "exec of #! scripts: plain, argument, nested, symlink, spaces" \
	"exec /data/bin/argv.sh a b ; exec /data/bin/argvarg.sh c ; exec /data/bin/argvnested.sh d ; exec /data/bin/argvsym e ; exec /data/bin/spaces.sh f"
hcase "exec errors" \
	"exec /data/bin/missing-h ; exec /data/noexec.sh ; exec /data/dir ; exec /nonexistent ; exec /data/loop1 ; exec /data/file/x"
hcase "exec of /proc/self/exe and through a link to /" \
	"exec /proc/self/exe echo via-proc-self-exe ; exec /data/root/bin/echo echo via-root-link ; exec /data/dir/sub/toroot/bin/argv"
hcase "fork, vfork and clone3 then exec; spawn-chain re-execs /proc/self/exe" \
	"fork-wait /bin/echo echo hi ; vfork-wait /bin/false ; clone3-wait /nonexistent ; fork-wait /bin/kill-self kill-self TERM ; vfork-wait /data/bin/argv.sh ; spawn-chain 3"
hcase "threads and exec from a thread" "thread-exec /bin/echo echo from-thread ; threads 4 200 ; thread-exec /data/bin/argv.sh"
hcase "unix socketpair test and datagrams" "unix-pair-test /tmp/pair.sock ; unix-dgram /tmp/dg.sock ; ls-l /tmp"
hcase "unix sockets at long paths and through symlinks" \
	"unix-dgram $long_sock ; unix-dgram /data/abs/sock ; ls-l /data/dir ; ls /tmp ; unix-client /tmp/none ; unix-client /data/file"
hcase "mkdir and rmdir" \
	"mkdir /tmp/a ; mkdir /tmp/a ; mkdir /data/abs/n ; mkdir /data/dangling ; rmdir /data/dir ; rmdir /data/abs ; rmdir /tmp/a ; rmdir /data/dir/n ; ls /tmp ; ls /data/dir"
hcase "mv" \
	"mv /data/file /tmp/f ; mv /data/abs /tmp/abs ; mv /data/dir /data/dir/sub/x ; mv /tmp/f /data/dir/sub/toroot/f2 ; mv /tmp/nope /tmp/x ; ls / ; ls-l /tmp"
hcase "renameat2 noreplace and exchange" \
	"renameat2 /data/dir/a /data/dir/b noreplace ; renameat2 /data/dir/a /data/dir/b exchange ; cat /data/dir/a /data/dir/b ; renameat2 /data/abs /data/rel exchange ; readlink /data/abs ; readlink /data/rel"
hcase "rm" "rm /data/abs ; rm /data/dir ; rm /data/rel/a ; rm /data/loop1 ; rm /data/nope ; ls /data ; ls /data/dir"
hcase "ln of symlinks, files and directories" \
	"ln /data/abs /tmp/hl ; lstat /tmp/hl ; ln /data/file /tmp/hf ; stat /data/file ; ln /data/dir /tmp/hd ; ln /data/loop1 /tmp/hloop ; lstat /tmp/hloop ; ln /data/absfile /tmp/ha ; lstat /tmp/ha ; ln /data/file /data/abs"
hcase "ln-s and mknod-fifo" \
	"ln-s /data/dir /tmp/s1 ; ln-s ../data/dir /tmp/s2 ; ls /tmp/s1 ; ls /tmp/s2 ; ln-s x /data/abs ; readlink /tmp/s2 ; ln-s x /data/dangling-rel ; mknod-fifo /tmp/fifo ; lstat /tmp/fifo ; mknod-fifo /data/abs ; mknod-fifo /data/dangling-rel ; lstat /data/newfile"
hcase "chmod through symlinks" \
	"chmod 700 /data/abs ; lstat /data/abs ; stat /data/abs ; chmod 4750 /data/file ; stat /data/file ; chmod 644 /data/dangling ; chmod 600 /data/loop1"
hcase "touch, write, append and truncate through symlinks" \
	"touch /tmp/t ; touch /data/dangling-rel ; ls /data ; truncate /data/file 3 ; cat /data/file ; truncate /data/absfile 0 ; stat /data/dir/a ; append /data/chain1 y ; cat /data/dir/sub/c ; write /data/dangling z"
hcase "access and faccessat2" \
	"access /data/bin/argv.sh x ; access /data/noexec.sh x ; faccessat2 /data/file rw ; faccessat2 /data/loop1 f ; access /data/dangling f ; faccessat2 /data/abs/a r"
hcase "cat through links climbing above /" "cat /data/escape ; cat /data/dir/sub/toroot/etc/hostname ; cat /data/loop1 ; cat /data/dir/up/rel/sub/c"
hcase "long-path near PATH_MAX" "long-path 300 ; long-path 341"
# Not here: a guest cwd longer than PATH_MAX (the kernel's getcwd goes to a page, and glibc
# walks up with ".." past that). qrun canonicalises guest paths in PATH_MAX buffers, so such a
# cwd answers ENAMETOOLONG; see README.md, known limits.

# --- running them ---------------------------------------------------------------------------
# make_template KIND FIXTURE DIR: a copy of FIXTURE with the /data tree the cases look at.
make_template() {
	local t=$3 d=$3/data
	cp -a "$2" "$t" || return 1
	# Other tests may leave files in the shared fixtures' /tmp; the cases start from an empty one.
	find "$t/tmp" "$t/var/tmp" -mindepth 1 -delete 2>/dev/null
	mkdir -p "$d/dir/sub" "$d/bin"
	printf 'hello\n' >"$d/file"
	printf 'a\n' >"$d/dir/a"
	printf 'b\n' >"$d/dir/b"
	printf 'c\n' >"$d/dir/sub/c"
	ln -s dir "$d/rel"
	ln -s /data/dir "$d/abs"
	ln -s dir/a "$d/relfile"
	ln -s /data/dir/a "$d/absfile"
	ln -s ../../../../../../../../etc/passwd "$d/escape"
	ln -s / "$d/root"
	ln -s loop2 "$d/loop1"
	ln -s loop1 "$d/loop2"
	ln -s self "$d/self"
	ln -s chain2 "$d/chain1"
	ln -s /data/chain3 "$d/chain2"
	ln -s ./dir/../chain4 "$d/chain3"
	ln -s /data/rel/sub/c "$d/chain4"
	ln -s /nonexistent/x "$d/dangling"
	ln -s newfile "$d/dangling-rel"
	ln -s .. "$d/dir/up"
	ln -s ../../.. "$d/dir/sub/toroot"
	# #! scripts for busybox's shell, and for the helper's argv applet
	printf '#!/bin/sh\necho "hello: $0 [$*]"\n' >"$d/bin/hello.sh"
	printf '#!/bin/sh\necho "interp: $0 [$*]"\n' >"$d/bin/interp.sh"
	printf '#!/data/bin/interp.sh\necho never\n' >"$d/bin/nested.sh"
	printf '#!/bin/busybox sh\necho "interparg: $0 [$*]"\n' >"$d/bin/interparg.sh"
	printf '#!./busybox echo\n' >"$d/bin/relinterp.sh"
	printf '#!/nonexistent/sh\necho never\n' >"$d/bin/missing.sh"
	printf 'greet() { echo "greet: $1 from $PWD"; }\n' >"$d/bin/lib.sh"
	printf '#!/bin/argv\n' >"$d/bin/argv.sh"
	printf '#!/bin/qrun-test-init argv\n' >"$d/bin/argvarg.sh"
	printf '#!/data/bin/argv.sh\n' >"$d/bin/argvnested.sh"
	printf '#!/bin/argv  one  two  \n' >"$d/bin/spaces.sh"
	printf '#!/nonexistent/x\n' >"$d/bin/missing-h"
	ln -s argv.sh "$d/bin/argvsym"
	chmod 755 "$d"/bin/*.sh "$d/bin/missing-h"
	chmod 644 "$d/bin/lib.sh"
	cp "$d/bin/hello.sh" "$d/noexec.sh"
	chmod 644 "$d/noexec.sh"
	if [ "$1" = busybox ]; then
		cp "$guest" "$t/bin/qrun-test-init"
		ln -s qrun-test-init "$t/bin/argv" # the interpreter of the helper's scripts
		# ls -l without owners, times and directory sizes (they depend on who runs the test)
		cat >"$t/bin/cols" <<-'EOF'
			#!/bin/sh
			exec awk '$1 == "total" && NF == 2 { next }
			NF < 9 { print; next }
			{ s = $5; f = 9
			  if ($1 ~ /^[cb]/) { s = $5 $6; f = 10 } else if ($1 ~ /^d/) s = "-"
			  o = $1 " " $2 " " s; for (i = f; i <= NF; i++) o = o " " $i; print o }'
		EOF
		chmod 755 "$t/bin/cols"
	else
		cp "$bb/bin/busybox" "$t/bin/busybox"
	fi
}

# The oracle: chroot(8) in a private mount namespace with the host's /dev, /proc and /sys.
oracle_run() { # COPY ARGV...
	local c=$1
	shift
	"${clean_env[@]}" timeout -k 5 "$tmo" unshare --mount --propagation private --fork -- \
		/bin/sh -c 'for m in dev proc sys; do mount --rbind "/$m" "$0/$m" || exit 125; done
			unset PWD # the host shell exported it
			exec chroot "$0" "$@"' "$c" "$@"
}

qrun_run() { # MODE COPY ARGV...
	local opt=()
	[ "$1" = no-seccomp ] && opt=(--no-seccomp)
	"${clean_env[@]}" timeout -k 5 "$tmo" "$QRUN" chroot "${opt[@]}" -w / "$2" "${@:3}"
}

# copy_rootfs TEMPLATE DEST: a fresh writable copy. Creating inodes is slow on some hosts
# (symlinkat ~0.3 ms on this ext4) and the fixtures hold ~300 applet symlinks, so only /data
# and /etc, which the cases modify or whose link counts they print, are real copies; the rest
# are real directories holding hard links to the template's files, which no case writes to.
copy_rootfs() {
	local e sys=() own=()
	for e in "$1"/* "$1"/.[!.]*; do
		[ -e "$e" ] || [ -L "$e" ] || continue
		case ${e##*/} in
		data | etc) own+=("$e") ;;
		*) sys+=("$e") ;;
		esac
	done
	mkdir "$2" && chmod --reference="$1" "$2" &&
		cp -al "${sys[@]}" "$2/" && cp -a --no-preserve=xattr "${own[@]}" "$2/"
}

# run_case I LABEL RUNNER...: run case I in a fresh copy of its rootfs ($T/LABEL.I) with
# RUNNER (oracle_run, or qrun_run MODE); print what it printed and its exit status.
run_case() {
	local i=$1 c=$T/$2.$1 sh=/bin/sh
	shift 2
	copy_rootfs "$T/tmpl-${kind[i]}" "$c"
	[ "${kind[i]}" = helper ] && sh="/bin/busybox sh"
	# shellcheck disable=SC2086 # $sh is two words for the helper
	"$@" "$c" $sh -c "${cmd[i]}" >"$c.out" 2>&1 </dev/null
	echo "[exit $?]" >>"$c.out"
	# Never rm -rf through a bind mount of the host's /dev (checked again after the runs).
	grep -qF " $c/" /proc/self/mountinfo || rm -rf "$c"
	sed -E 's/ uid=[0-9]+ gid=[0-9]+$//' "$c.out"
	rm -f "$c.out"
}

# start FILE COMMAND...: run COMMAND in the background with its output in FILE, at most $par
# at a time (the cases are independent: each has its own copy).
par=${QRUN_T301_JOBS:-$(nproc 2>/dev/null || echo 2)}
[ "$par" -gt 4 ] && par=4
start() {
	local f=$1
	shift
	while [ "$(jobs -pr | wc -l)" -ge "$par" ]; do wait -n; done
	"$@" >"$f" &
}

# repro I MODE: a command line that reruns case I by hand (the /data tree comes from
# make_template in this script).
repro() {
	local o='' sh=/bin/sh
	[ "$2" = no-seccomp ] && o=" --no-seccomp"
	[ "${kind[$1]}" = helper ] && sh="/bin/busybox sh"
	printf "qrun chroot%s -w / ROOTFS %s -c %q" "$o" "$sh" "${cmd[$1]}"
}

make_template busybox "$bb" "$T/tmpl-busybox" || skip_all "cannot copy $bb"
make_template helper "$hp" "$T/tmpl-helper" || skip_all "cannot copy $hp"
# The cached oracle is valid for this script and these root filesystems only.
stamp=$({
	cat "$0"
	cd "$T" && find tmpl-* -printf '%p %y %m %l\n' -type f -exec sha256sum {} + | sort
} | sha256sum | cut -d' ' -f1)

n=${#cmd[@]}
modes=(seccomp no-seccomp)
mkdir "$T/res"
if [ "$(id -u)" = 0 ]; then
	require_cmd unshare chroot mount
	out=$(oracle_run "$T/tmpl-helper" /bin/exe 2>&1)
	[ "$out" = /bin/qrun-test-init ] ||
		skip_all "chroot(8) in a private mount namespace does not work here: $out"
	for ((i = 0; i < n; i++)); do
		start "$T/res/oracle.$i" run_case "$i" oracle oracle_run
	done
	oracle=$T/res/oracle. # the oracle of case I is in $oracle$I
else
	[ -r "$cache/stamp" ] ||
		skip_all "no chroot(8) oracle in $cache: run this test as root first"
	[ "$(cat "$cache/stamp")" = "$stamp" ] ||
		skip_all "the chroot(8) oracle in $cache is stale: run this test as root first"
	oracle=$cache/
fi
for mode in "${modes[@]}"; do
	for ((i = 0; i < n; i++)); do
		start "$T/res/$mode.$i" run_case "$i" "$mode" qrun_run "$mode"
	done
done
wait
if grep -qF " $T/" /proc/self/mountinfo; then
	echo "Bail out! a mount of the chroot(8) oracle leaked out of its namespace"
	trap - EXIT
	exit 1
fi

if [ "$oracle" != "$cache/" ]; then
	rm -rf "$cache.new"
	if mkdir -p "$cache.new"; then
		for ((i = 0; i < n; i++)); do
			cp "$oracle$i" "$cache.new/$i"
		done
		echo "$stamp" >"$cache.new/stamp"
		chmod -R a+rX "$cache.new"
		rm -rf "$cache"
		mv "$cache.new" "$cache"
	else
		diag "cannot save the oracle in $cache: the run as a user will skip"
	fi
fi

for mode in "${modes[@]}"; do
	for ((i = 0; i < n; i++)); do
		want=$(cat "$oracle$i")
		got=$(cat "$T/res/$mode.$i")
		is "${kind[i]}: ${desc[i]} [$mode]" "$got" "$want"
		[ "$got" = "$want" ] || diag "reproduce: $(repro "$i" "$mode")"
	done
done

done_testing
