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
#define KIND(n, k)	      [SYS_##n] = { #n, k, { NOP, NOP }, 0, 0, 0 }
/* an fd-based write and its path-taking twin */
#define FDWRITE(n, tw) [SYS_##n] = { #n, SC_FD_WRITE, { NOP, NOP }, 0, SYS_##tw, 0 }
/* a path call with sc_flags and the argument `out` (SCF_STAT, SCF_OWNER) */
#define PATH1X(n, fl, o, p0) [SYS_##n] = { #n, SC_PATH, { p0, NOP }, fl, 0, o }
/* stops only for an emulated identity */
#define ID(n) [SYS_##n] = { #n, SC_ID, { NOP, NOP }, SCF_IDENTITY, 0, 0 }
#define OPENF (SCF_INPLACE_OPEN | SCF_CREATES_OPEN)
#define MKNOD (SCF_CREATES | SCF_MKNOD)
#define INPL  SCF_INPLACE
#define GONE  (SCF_REMOVES_NAME | SCF_RESHAPES)

const struct sc_def sc_table[] = {
	/* open and create */
	PATH1F(open, OPENF, AT(-1, 0, 1, F_OPEN, W_OPEN, false)),
	PATH1F(creat, INPL | SCF_CREATES, P(0, F_FOLLOW, W_YES)),
	PATH1F(openat, OPENF, AT(0, 1, 2, F_OPEN, W_OPEN, false)),
	[SYS_openat2] = { "openat2",
			  SC_OPENAT2,
			  { AT(0, 1, -1, F_FOLLOW, W_NO, false), NOP },
			  OPENF },
	PATH1F(mknod, MKNOD, P(0, F_NOFOLLOW, W_YES)),
	PATH1F(mknodat, MKNOD, AT(0, 1, -1, F_NOFOLLOW, W_YES, false)),
	PATH1F(mkdir, SCF_CREATES, P(0, F_NOFOLLOW, W_YES)),
	PATH1F(mkdirat, SCF_CREATES, AT(0, 1, -1, F_NOFOLLOW, W_YES, false)),
	/* stat and access */
	PATH1X(stat, SCF_STAT, 1, P(0, F_FOLLOW, W_NO)),
	PATH1X(lstat, SCF_STAT, 1, P(0, F_NOFOLLOW, W_NO)),
	PATH1X(newfstatat, SCF_STAT, 2, AT(0, 1, 3, F_AT_NOFOLLOW, W_NO, true)),
	PATH1X(statx, SCF_STAT, 4, AT(0, 1, 2, F_AT_NOFOLLOW, W_NO, true)),
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
	PATH1F(symlink, SCF_RESHAPES | SCF_CREATES, P(1, F_NOFOLLOW, W_YES)),
	PATH1F(symlinkat, SCF_RESHAPES | SCF_CREATES, AT(1, 2, -1, F_NOFOLLOW, W_YES, false)),
	/* attributes */
	PATH1X(chmod, INPL | SCF_CHMOD, 1, P(0, F_FOLLOW, W_YES)),
	PATH1X(fchmodat, INPL | SCF_CHMOD, 2, AT(0, 1, -1, F_FOLLOW, W_YES, false)),
	[NR_fchmodat2] = { "fchmodat2",
			   SC_PATH,
			   { AT(0, 1, 3, F_AT_NOFOLLOW, W_YES, true), NOP },
			   INPL | SCF_CHMOD,
			   0,
			   2 },
	PATH1X(chown, INPL | SCF_OWNER, 1, P(0, F_FOLLOW, W_YES)),
	PATH1X(lchown, INPL | SCF_OWNER, 1, P(0, F_NOFOLLOW, W_YES)),
	PATH1X(fchownat, INPL | SCF_OWNER, 2, AT(0, 1, 4, F_AT_NOFOLLOW, W_YES, true)),
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
	[SYS_fchmod] = { "fchmod", SC_FD_WRITE, { NOP, NOP }, SCF_CHMOD, SYS_chmod, 1 },
	[SYS_fchown] = { "fchown", SC_FD_WRITE, { NOP, NOP }, SCF_OWNER, SYS_chown, 1 },
	FDWRITE(fsetxattr, setxattr),
	FDWRITE(fremovexattr, removexattr),
	/* an emulated identity (ids.c, owners.c) */
	ID(getuid),
	ID(geteuid),
	ID(getgid),
	ID(getegid),
	ID(getresuid),
	ID(getresgid),
	ID(getgroups),
	ID(setuid),
	ID(setgid),
	ID(setreuid),
	ID(setregid),
	ID(setresuid),
	ID(setresgid),
	ID(setfsuid),
	ID(setfsgid),
	ID(setgroups),
	ID(capget),
	ID(capset),
	[SYS_fstat] = { "fstat", SC_FSTAT, { NOP, NOP }, SCF_IDENTITY | SCF_STAT, 0, 1 },
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
	static const struct sc_def unknown = { "unknown", SC_DENY_ENOSYS, { NOP, NOP }, 0, 0, 0 };

	if (nr >= SC_TRAP_UNKNOWN_FROM && nr <= SC_TRAP_UNKNOWN_TO)
		return &unknown;
	if (nr < 0 || nr > sc_max || sc_table[nr].kind == SC_NONE)
		return NULL;
	return &sc_table[nr];
}
