/*
 * The x86_64 syscall catalogue: which calls stop, which arguments are paths, whether their
 * last component is followed, whether they write. Every path-taking syscall of Linux 6.18 is
 * here; anything not listed never costs a ptrace stop. Numbers newer than the build headers
 * are spelled out (they are ABI and never change).
 */
#include "tracer/tracer-internal.h"

#include <sys/syscall.h>

#include "tracer/sysnum-x86_64.h"

#define NOP                                                                                        \
	{                                                                                          \
		-1, -1, -1, 0, 0, false                                                            \
	}
/* path at argument i, resolved from the cwd */
#define P(i, fol, wr)                                                                              \
	{                                                                                          \
		-1, i, -1, fol, wr, false                                                          \
	}
/* path at argument i relative to dirfd d; flags (for follow/write/empty) at argument f */
#define AT(d, i, f, fol, wr, empty)                                                                \
	{                                                                                          \
		d, i, f, fol, wr, empty                                                            \
	}

#define PATH1(n, p0)	 [SYS_##n] = { #n, SC_PATH, { p0, NOP }, 0 }
#define PATH2(n, p0, p1) [SYS_##n] = { #n, SC_PATH, { p0, p1 }, 0 }
/* the same with sc_flags */
#define PATH1F(n, fl, p0)     [SYS_##n] = { #n, SC_PATH, { p0, NOP }, fl }
#define PATH2F(n, fl, p0, p1) [SYS_##n] = { #n, SC_PATH, { p0, p1 }, fl }
#define KIND(n, k)	      [SYS_##n] = { #n, k, { NOP, NOP }, 0, 0 }
/* an fd-based write and its path-taking twin */
#define FDWRITE(n, tw) [SYS_##n] = { #n, SC_FD_WRITE, { NOP, NOP }, 0, SYS_##tw }
#define INPL	       SCF_INPLACE
#define GONE	       (SCF_REMOVES_NAME | SCF_RESHAPES)

const struct sc_def sc_table[] = {
	/* open and create */
	PATH1F(open, SCF_INPLACE_OPEN, AT(-1, 0, 1, F_OPEN, W_OPEN, false)),
	PATH1F(creat, INPL, P(0, F_FOLLOW, W_YES)),
	PATH1F(openat, SCF_INPLACE_OPEN, AT(0, 1, 2, F_OPEN, W_OPEN, false)),
	[SYS_openat2] = { "openat2",
			  SC_OPENAT2,
			  { AT(0, 1, -1, F_FOLLOW, W_NO, false), NOP },
			  SCF_INPLACE_OPEN },
	PATH1(mknod, P(0, F_NOFOLLOW, W_YES)),
	PATH1(mknodat, AT(0, 1, -1, F_NOFOLLOW, W_YES, false)),
	PATH1(mkdir, P(0, F_NOFOLLOW, W_YES)),
	PATH1(mkdirat, AT(0, 1, -1, F_NOFOLLOW, W_YES, false)),
	/* stat and access */
	PATH1(stat, P(0, F_FOLLOW, W_NO)),
	PATH1(lstat, P(0, F_NOFOLLOW, W_NO)),
	PATH1(newfstatat, AT(0, 1, 3, F_AT_NOFOLLOW, W_NO, true)),
	PATH1(statx, AT(0, 1, 2, F_AT_NOFOLLOW, W_NO, true)),
	PATH1(statfs, P(0, F_FOLLOW, W_NO)),
	PATH1(access, P(0, F_FOLLOW, W_ACCESS)),
	PATH1(faccessat, AT(0, 1, -1, F_FOLLOW, W_ACCESS, false)),
	PATH1(faccessat2, AT(0, 1, 3, F_AT_NOFOLLOW, W_ACCESS, true)),
	[SYS_readlink] = { "readlink", SC_READLINK, { P(0, F_NOFOLLOW, W_NO), NOP } },
	[SYS_readlinkat] = { "readlinkat",
			     SC_READLINK,
			     { AT(0, 1, -1, F_NOFOLLOW, W_NO, true), NOP } },
	/* remove, rename, link */
	PATH1F(unlink, GONE, P(0, F_NOFOLLOW, W_YES)),
	PATH1F(unlinkat, GONE, AT(0, 1, -1, F_NOFOLLOW, W_YES, false)),
	PATH1F(rmdir, GONE, P(0, F_NOFOLLOW, W_YES)),
	PATH2F(rename, GONE | SCF_LINKS, P(0, F_NOFOLLOW, W_YES), P(1, F_NOFOLLOW, W_YES)),
	PATH2F(renameat, GONE | SCF_LINKS, AT(0, 1, -1, F_NOFOLLOW, W_YES, false),
	       AT(2, 3, -1, F_NOFOLLOW, W_YES, false)),
	PATH2F(renameat2, GONE | SCF_LINKS, AT(0, 1, -1, F_NOFOLLOW, W_YES, false),
	       AT(2, 3, -1, F_NOFOLLOW, W_YES, false)),
	PATH2F(link, SCF_LINKS, P(0, F_NOFOLLOW, W_YES), P(1, F_NOFOLLOW, W_YES)),
	PATH2F(linkat, SCF_LINKS, AT(0, 1, 4, F_AT_FOLLOW, W_YES, true),
	       AT(2, 3, -1, F_NOFOLLOW, W_YES, false)),
	/* the target of a symlink is stored verbatim: only the new name is a path */
	PATH1F(symlink, SCF_RESHAPES, P(1, F_NOFOLLOW, W_YES)),
	PATH1F(symlinkat, SCF_RESHAPES, AT(1, 2, -1, F_NOFOLLOW, W_YES, false)),
	/* attributes */
	PATH1F(chmod, INPL, P(0, F_FOLLOW, W_YES)),
	PATH1F(fchmodat, INPL, AT(0, 1, -1, F_FOLLOW, W_YES, false)),
	[NR_fchmodat2] = { "fchmodat2",
			   SC_PATH,
			   { AT(0, 1, 3, F_AT_NOFOLLOW, W_YES, true), NOP },
			   INPL },
	PATH1F(chown, INPL, P(0, F_FOLLOW, W_YES)),
	PATH1F(lchown, INPL, P(0, F_NOFOLLOW, W_YES)),
	PATH1F(fchownat, INPL, AT(0, 1, 4, F_AT_NOFOLLOW, W_YES, true)),
	PATH1F(truncate, INPL, P(0, F_FOLLOW, W_YES)),
	PATH1F(utime, INPL, P(0, F_FOLLOW, W_YES)),
	PATH1F(utimes, INPL, P(0, F_FOLLOW, W_YES)),
	PATH1F(futimesat, INPL, AT(0, 1, -1, F_FOLLOW, W_YES, true)),
	PATH1F(utimensat, INPL, AT(0, 1, 3, F_AT_NOFOLLOW, W_YES, true)),
	PATH1F(setxattr, INPL, P(0, F_FOLLOW, W_YES)),
	PATH1F(lsetxattr, INPL, P(0, F_NOFOLLOW, W_YES)),
	PATH1(getxattr, P(0, F_FOLLOW, W_NO)),
	PATH1(lgetxattr, P(0, F_NOFOLLOW, W_NO)),
	PATH1(listxattr, P(0, F_FOLLOW, W_NO)),
	PATH1(llistxattr, P(0, F_NOFOLLOW, W_NO)),
	PATH1F(removexattr, INPL, P(0, F_FOLLOW, W_YES)),
	PATH1F(lremovexattr, INPL, P(0, F_NOFOLLOW, W_YES)),
	[NR_setxattrat] = { "setxattrat",
			    SC_PATH,
			    { AT(0, 1, 2, F_AT_NOFOLLOW, W_YES, true), NOP },
			    INPL },
	[NR_getxattrat] = { "getxattrat",
			    SC_PATH,
			    { AT(0, 1, 2, F_AT_NOFOLLOW, W_NO, true), NOP } },
	[NR_listxattrat] = { "listxattrat",
			     SC_PATH,
			     { AT(0, 1, 2, F_AT_NOFOLLOW, W_NO, true), NOP } },
	[NR_removexattrat] = { "removexattrat",
			       SC_PATH,
			       { AT(0, 1, 2, F_AT_NOFOLLOW, W_YES, true), NOP },
			       INPL },
	[NR_file_getattr] = { "file_getattr",
			      SC_PATH,
			      { AT(0, 1, 4, F_AT_NOFOLLOW, W_NO, true), NOP } },
	[NR_file_setattr] = { "file_setattr",
			      SC_PATH,
			      { AT(0, 1, 4, F_AT_NOFOLLOW, W_YES, true), NOP },
			      INPL },
	/* directories and misc */
	PATH1(chdir, P(0, F_FOLLOW, W_NO)),
	KIND(getcwd, SC_GETCWD),
	PATH1(inotify_add_watch, AT(-1, 1, 2, F_INOTIFY, W_NO, false)),
	PATH1(name_to_handle_at, AT(0, 1, 4, F_AT_FOLLOW, W_NO, true)),
	PATH1(fanotify_mark, AT(3, 4, -1, F_FOLLOW, W_NO, true)),
	PATH1(uselib, P(0, F_FOLLOW, W_NO)),
	PATH1(acct, P(0, F_FOLLOW, W_YES)),
	PATH1(swapon, P(0, F_FOLLOW, W_NO)),
	PATH1(swapoff, P(0, F_FOLLOW, W_NO)),
	PATH1(quotactl, P(1, F_FOLLOW, W_NO)),
	/* exec */
	[SYS_execve] = { "execve", SC_EXECVE, { P(0, F_FOLLOW, W_NO), NOP } },
	[SYS_execveat] = { "execveat", SC_EXECVE, { AT(0, 1, 4, F_AT_NOFOLLOW, W_NO, true), NOP } },
	/* sockets */
	KIND(bind, SC_SOCKADDR_IN),
	KIND(connect, SC_SOCKADDR_IN),
	KIND(sendto, SC_SENDTO),
	KIND(sendmsg, SC_SENDMSG),
	KIND(sendmmsg, SC_SENDMSG),
	KIND(accept, SC_SOCKADDR_OUT),
	KIND(accept4, SC_SOCKADDR_OUT),
	KIND(getsockname, SC_SOCKADDR_OUT),
	KIND(getpeername, SC_SOCKADDR_OUT),
	KIND(recvfrom, SC_SOCKADDR_OUT),
	KIND(recvmsg, SC_RECVMSG),
	KIND(recvmmsg, SC_RECVMSG),
	/* fd-based writes, checked against read-only binds */
	FDWRITE(fchmod, chmod),
	FDWRITE(fchown, chown),
	FDWRITE(fsetxattr, setxattr),
	FDWRITE(fremovexattr, removexattr),
	/* the container's hostname */
	KIND(uname, SC_UNAME),
	/* a CLONE_UNTRACED child would run with no tracer */
	KIND(clone, SC_CLONE),
	KIND(clone3, SC_CLONE),
	/* a guest's own filter may forbid what the in-process shim calls */
	KIND(ptrace, SC_PROCESS),
	KIND(process_vm_readv, SC_PROCESS),
	KIND(process_vm_writev, SC_PROCESS),
	KIND(pidfd_getfd, SC_PROCESS),
	KIND(seccomp, SC_SECCOMP),
	KIND(prctl, SC_SECCOMP),
	/* would bypass translation or act on the host */
	KIND(io_uring_setup, SC_DENY_ENOSYS),
	KIND(chroot, SC_DENY_EPERM),
	KIND(pivot_root, SC_DENY_EPERM),
	KIND(mount, SC_DENY_EPERM),
	KIND(umount2, SC_DENY_EPERM),
	KIND(open_tree, SC_DENY_EPERM),
	KIND(move_mount, SC_DENY_EPERM),
	KIND(fsopen, SC_DENY_EPERM),
	KIND(fspick, SC_DENY_EPERM),
	KIND(fsconfig, SC_DENY_EPERM),
	KIND(mount_setattr, SC_DENY_EPERM),
	[NR_open_tree_attr] = { "open_tree_attr", SC_DENY_EPERM, { NOP, NOP } },
	KIND(open_by_handle_at, SC_DENY_EPERM),
};

const int sc_max = (int)ARRAY_SIZE(sc_table) - 1;

const struct sc_def *sc_lookup(long nr)
{
	static const struct sc_def unknown = { "unknown", SC_DENY_ENOSYS, { NOP, NOP }, 0, 0 };

	if (nr >= SC_TRAP_UNKNOWN_FROM && nr <= SC_TRAP_UNKNOWN_TO)
		return &unknown;
	if (nr < 0 || nr > sc_max || sc_table[nr].kind == SC_NONE)
		return NULL;
	return &sc_table[nr];
}
