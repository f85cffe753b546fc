/*
 * wallprobe: the wall's list as the kernel answers it, for t308-wall.sh. Built by the test
 * itself (static, x86_64) and run inside `qrun chroot` or `qrun run`.
 *
 * It maps a syscall trampoline of its own at the shim's address (QRUN_PRELOAD_TRAMPOLINE,
 * preload/preload.h): the forged page of an attacker (t307's forged-trampoline). Inside the
 * wall the seccomp filter lets the shim's fast calls (QRUN_PRELOAD_FAST_CALLS: faccessat2,
 * newfstatat, openat2, readlink, readlinkat, statfs, statx) through from that page with no
 * ptrace stop, so an openat2 made there reaches the kernel UNTRANSLATED: its path is a host
 * path, and only Landlock stands between it and the host. What it prints is the wall's list.
 *
 * Output, first:
 *   trampoline: untranslated   calls from the page reach the kernel as they are (newfstatat
 *                              of "/" through the page is not the guest's "/")
 *   trampoline: translated     they were trapped and translated (no exemption: the wall or
 *                              the shim is off)
 *   trampoline: <ERRNO>        the check itself failed
 *   root: <host path>          the host path of the guest's "/" (readlink of /proc/self/cwd
 *                              through the page, after a translated chdir("/"))
 * then, for each input line `HOSTPATH ACCESS` (stdin, or the file named by argv[1] as a guest
 * path; blank lines and # comments skipped), one line `HOSTPATH ACCESS ok|<ERRNO NAME>`, made
 * with openat2 through the page (the only opening call let through there):
 *   read        O_RDONLY
 *   exec-open   O_RDONLY too: Landlock checks EXECUTE only at execve, which is no fast call,
 *               and openat2 cannot ask for it (and O_PATH is not checked by Landlock at all)
 *   write       O_WRONLY, no O_TRUNC: the file is opened and closed at once, never written
 *   create      O_WRONLY|O_CREAT|O_EXCL, mode 0644: an empty file is left at HOSTPATH
 *   mkdir       the same as create: mkdir is no fast call, so the make rights of the parent
 *               directory are probed with a regular file (LANDLOCK_ACCESS_FS_MAKE_REG) named
 *               HOSTPATH instead of a directory (MAKE_DIR); the wall grants or denies the
 *               make rights of a directory together
 *   readdir     O_RDONLY|O_DIRECTORY (LANDLOCK_ACCESS_FS_READ_DIR)
 * Every open also has O_NOCTTY|O_NONBLOCK|O_CLOEXEC (devices: no controlling terminal, no
 * wait). A HOSTPATH starting with "@root" has that prefix replaced by the `root:` path above
 * (the output keeps "@root"): the host path of a `qrun run` container is not known outside.
 *
 * Exit status: 0, or 2 for bad input or when the page cannot be mapped.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../forged-trampoline.h"

/* preload/preload.h: QRUN_PRELOAD_TRAMPOLINE (kept here so that the guest needs no tree). */
#define TRAMPOLINE 0x5f5f00000000UL
#define PAGE	   4096UL

#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

static long (*call)(long, long, long, long, long);
static char root[4096];

static const char *errno_name(long e)
{
	static char buf[32];

	switch (e) {
#define E(x)                                                                                       \
	case x:                                                                                    \
		return #x
		E(EACCES);
		E(EPERM);
		E(ENOENT);
		E(EROFS);
		E(ENXIO);
		E(ENODEV);
		E(EEXIST);
		E(ENOTDIR);
		E(EISDIR);
		E(ELOOP);
		E(EXDEV);
		E(EINVAL);
		E(ENOSYS);
		E(EBUSY);
		E(ETXTBSY);
		E(EAGAIN);
		E(EIO);
		E(ENOMEM);
		E(EFAULT);
		E(ENAMETOOLONG);
		E(EOPNOTSUPP);
		E(ESRCH);
		E(EBADF);
		E(EINTR);
#undef E
	}
	(void)snprintf(buf, sizeof(buf), "E%ld", e);
	return buf;
}

/* Our own `syscall; ret` at the shim's address, and a second (data) page as the shim has. */
static int map_trampoline(void)
{
	void *page = mmap((void *)TRAMPOLINE, 2 * PAGE, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);

	if (page == MAP_FAILED || page != (void *)TRAMPOLINE) {
		printf("trampoline: mmap %s\n", errno_name(errno));
		return -1;
	}
	memcpy(page, forged_trampoline_code, sizeof(forged_trampoline_code));
	if (mprotect(page, PAGE, PROT_READ | PROT_EXEC) < 0) {
		printf("trampoline: mprotect %s\n", errno_name(errno));
		return -1;
	}
	call = (long (*)(long, long, long, long, long))page;
	return 0;
}

/* Does a call from the page see the host's "/" (untranslated) or the guest's? */
static void check_trampoline(void)
{
	struct stat guest, page;
	long r, n;

	if (stat("/", &guest) < 0) { /* libc's: traced, translated */
		printf("trampoline: stat %s\n", errno_name(errno));
		return;
	}
	r = call(SYS_newfstatat, AT_FDCWD, (long)"/", (long)&page, 0);
	if (r < 0)
		printf("trampoline: %s\n", errno_name(-r));
	else if (page.st_dev == guest.st_dev && page.st_ino == guest.st_ino)
		printf("trampoline: translated\n");
	else
		printf("trampoline: untranslated\n");
	/* the host path of the guest's root: a translated chdir, then an untranslated readlink */
	if (chdir("/") < 0) {
		printf("root: chdir %s\n", errno_name(errno));
		return;
	}
	n = call(SYS_readlink, (long)"/proc/self/cwd", (long)root, sizeof(root) - 1, 0);
	if (n < 0) {
		printf("root: %s\n", errno_name(-n));
		root[0] = '\0';
		return;
	}
	root[n] = '\0';
	printf("root: %s\n", root);
}

/* One probe: openat2 of PATH through the page; ok or the errno's name. */
static const char *probe(const char *path, const char *access)
{
	struct open_how how = { 0 };
	long fd;

	if (!strcmp(access, "read") || !strcmp(access, "exec-open")) {
		how.flags = O_RDONLY;
	} else if (!strcmp(access, "write")) {
		how.flags = O_WRONLY;
	} else if (!strcmp(access, "create") || !strcmp(access, "mkdir")) {
		how.flags = O_WRONLY | O_CREAT | O_EXCL;
		how.mode = 0644;
	} else if (!strcmp(access, "readdir")) {
		how.flags = O_RDONLY | O_DIRECTORY;
	} else {
		return NULL;
	}
	how.flags |= O_NOCTTY | O_NONBLOCK | O_CLOEXEC;
	fd = call(SYS_openat2, AT_FDCWD, (long)path, (long)&how, sizeof(how));
	if (fd < 0)
		return errno_name(-fd);
	close((int)fd); /* nothing is ever read or written */
	return "ok";
}

int main(int argc, char **argv)
{
	char line[4096], path[8192], name[4096], access[64];
	FILE *in = stdin;
	const char *v;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 2 || (argc == 2 && !(in = fopen(argv[1], "r")))) {
		fprintf(stderr, "usage: wallprobe [LIST] (lines `HOSTPATH ACCESS`)\n");
		return 2;
	}
	if (map_trampoline() < 0)
		return 2;
	check_trampoline();
	while (fgets(line, sizeof(line), in)) {
		if (sscanf(line, " %4095s %63s", name, access) != 2 || name[0] == '#')
			continue;
		if (!strncmp(name, "@root", 5))
			(void)snprintf(path, sizeof(path), "%s%s", root, name + 5);
		else
			(void)snprintf(path, sizeof(path), "%s", name);
		v = probe(path, access);
		if (!v) {
			fprintf(stderr, "wallprobe: unknown access '%s'\n", access);
			return 2;
		}
		printf("%s %s %s\n", name, access, v);
	}
	return 0;
}
