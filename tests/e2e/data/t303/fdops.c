/*
 * fdops: write-type calls that name no path, or an empty one, for the read-only bind checks
 * of t303-chroot-binds.sh (the helper and busybox only have path-based ones). Built by the
 * test (static, x86_64) and run inside the rootfs. Each subcommand opens PATH read-only (or
 * O_PATH), makes one call on the descriptor and prints "ok" or "<op>: <ERRNO_NAME>", like
 * qrun-test-init; the exit status is 0 or 1.
 *
 *   fchmod PATH          fchmod(fd, 0600)
 *   fchown PATH          fchown(fd, getuid(), getgid()): allowed to the owner, so only a
 *                        read-only file system refuses it
 *   futimens PATH        futimens(fd, NULL): utimensat(fd, NULL, ...)
 *   fsetxattr PATH       fsetxattr(fd, "user.qrun", "1")
 *   fremovexattr PATH    fremovexattr(fd, "user.qrun")
 *   setxattr PATH        setxattr(PATH, "user.qrun", "1")
 *   fchmodat-empty PATH  fchmodat2(O_PATH fd, "", 0600, AT_EMPTY_PATH)
 *   utimensat-empty PATH utimensat(O_PATH fd, "", NULL, AT_EMPTY_PATH)
 *   fchownat-empty PATH  fchownat(O_PATH fd, "", uid, gid, AT_EMPTY_PATH)
 *   reopen-rw PATH       open("/proc/self/fd/N", O_RDWR) of a read-only fd N
 *   openat-create DIR NAME   openat(dirfd, NAME, O_WRONLY|O_CREAT): a name relative to a dirfd
 *   openat-trunc DIR NAME    openat(dirfd, NAME, O_RDONLY|O_TRUNC)
 *   unlinkat DIR NAME        unlinkat(dirfd, NAME, 0)
 *   mkdirat DIR NAME         mkdirat(dirfd, NAME, 0755)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#ifndef SYS_fchmodat2
#define SYS_fchmodat2 452
#endif

static int result(const char *op, int r)
{
	static const struct {
		int num;
		const char *name;
	} names[] = {
		{ EROFS, "EROFS" },	{ EACCES, "EACCES" }, { EPERM, "EPERM" },
		{ ENOENT, "ENOENT" },	{ EEXIST, "EEXIST" }, { ENOTSUP, "ENOTSUP" },
		{ ENOSYS, "ENOSYS" },	{ EINVAL, "EINVAL" }, { EBADF, "EBADF" },
		{ ENODATA, "ENODATA" }, { EXDEV, "EXDEV" },   { ENOTDIR, "ENOTDIR" },
		{ EISDIR, "EISDIR" },
	};
	int e = errno;

	if (r >= 0) {
		puts("ok");
		return 0;
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (names[i].num == e) {
			printf("%s: %s\n", op, names[i].name);
			return 1;
		}
	}
	printf("%s: E%d\n", op, e);
	return 1;
}

int main(int argc, char **argv)
{
	const char *op = argc > 2 ? argv[1] : "", *path = argc > 2 ? argv[2] : "";
	char proc[64];
	int fd;

	if (argc == 4) {
		fd = open(path, O_RDONLY | O_DIRECTORY);
		if (fd < 0)
			return result("open", -1);
		if (!strcmp(op, "openat-create"))
			return result(op, openat(fd, argv[3], O_WRONLY | O_CREAT, 0644));
		if (!strcmp(op, "openat-trunc"))
			return result(op, openat(fd, argv[3], O_RDONLY | O_TRUNC));
		if (!strcmp(op, "unlinkat"))
			return result(op, unlinkat(fd, argv[3], 0));
		if (!strcmp(op, "mkdirat"))
			return result(op, mkdirat(fd, argv[3], 0755));
	} else if (argc == 3) {
		if (!strcmp(op, "setxattr"))
			return result(op, setxattr(path, "user.qrun", "1", 1, 0));
		fd = open(path, (strstr(op, "-empty") ? O_PATH : O_RDONLY) | O_NOFOLLOW);
		if (fd < 0)
			return result("open", -1);
		if (!strcmp(op, "fchmod"))
			return result(op, fchmod(fd, 0600));
		if (!strcmp(op, "fchown"))
			return result(op, fchown(fd, getuid(), getgid()));
		if (!strcmp(op, "futimens"))
			return result(op, futimens(fd, NULL));
		if (!strcmp(op, "fsetxattr"))
			return result(op, fsetxattr(fd, "user.qrun", "1", 1, 0));
		if (!strcmp(op, "fremovexattr"))
			return result(op, fremovexattr(fd, "user.qrun"));
		if (!strcmp(op, "fchmodat-empty"))
			return result(op, (int)syscall(SYS_fchmodat2, fd, "", 0600, AT_EMPTY_PATH));
		if (!strcmp(op, "utimensat-empty"))
			return result(op, utimensat(fd, "", NULL, AT_EMPTY_PATH));
		if (!strcmp(op, "fchownat-empty"))
			return result(op, fchownat(fd, "", getuid(), getgid(), AT_EMPTY_PATH));
		if (!strcmp(op, "reopen-rw")) {
			snprintf(proc, sizeof(proc), "/proc/self/fd/%d", fd);
			return result(op, open(proc, O_RDWR));
		}
	}
	fprintf(stderr, "fdops: bad usage\n");
	return 2;
}
