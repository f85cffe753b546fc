/*
 * qrun-test-init: the guest payload of the qrun test-suite (crun's tests/init.c, busybox-style).
 *
 * Over 1,000 lines on purpose: it is one static multi-call binary, cross-built for seven
 * architectures by one compiler call each with no library of our own; splitting it would
 * mean a guest build system for a file of independent applets.
 *
 * One static multi-call program that runs *inside* containers, natively and cross-built for
 * the foreign-arch tests under qemu-user. Test images are built from it, so no network or
 * distribution userland is needed. Each applet does one thing through the syscalls the tracer
 * has to get right (paths, exec, fork, sockets, signals) and prints what it sees, one fact per
 * line; the e2e tests diff that text. Output must therefore be the same on every architecture:
 * no addresses, times, inode numbers or type sizes.
 *
 * The applet is basename(argv[0]), or argv[1] when that basename is "qrun-test-init", so both
 * a symlink farm ("/bin/cat f") and "qrun-test-init cat f" work; "--list" prints the names
 * for the fixture builder. A failing syscall under test prints "<applet>: <ERRNO_NAME>" on
 * *stdout* (it is part of the observed behaviour) and exits 1; usage errors go to stderr and
 * exit 2; an unknown applet exits 127. Related applets share one function and tell themselves
 * apart with is().
 */
/* 32-bit guests see 64-bit inode numbers and d_off on most hosts: without LFS, EOVERFLOW. */
#define _FILE_OFFSET_BITS 64

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/fsuid.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Only for headers older than the calls; the numbers are the same on every arch we build. */
#ifndef SYS_clone3
#define SYS_clone3 435
#endif
#ifndef SYS_openat2
#define SYS_openat2 437
#endif
#ifndef SYS_faccessat2
#define SYS_faccessat2 439
#endif

#define SELF_NAME     "qrun-test-init"
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Our own copies of the uapi structs (<linux/openat2.h>, <linux/sched.h>): old headers lack
 * them and <linux/sched.h> fights with glibc's <sched.h>. Only the VER0 fields of clone_args.
 */
struct ti_open_how {
	uint64_t flags, mode, resolve;
};

struct ti_clone_args {
	uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

struct applet {
	const char *name;
	int (*fn)(int argc, char **argv);
	int min_args;
	const char *usage;
};

/* Every applet gets argv[0] = its own name and may ignore both parameters. */
#define APPLET(n)                                                                                  \
	static int applet_##n(int argc __attribute__((unused)), char **argv __attribute__((unused)))

static const struct applet *cur;
static int raw_argc;
static char **raw_argv;

/* clang-format would break these brace-list macros over four lines each. */
/* clang-format off */
#define ERRNO(e) { e, #e }
static const struct ti_errno {
	int num;
	const char *name;
} errno_names[] = {
	ERRNO(ENOENT), ERRNO(EACCES), ERRNO(EPERM), ERRNO(EEXIST), ERRNO(ENOTDIR), ERRNO(EISDIR),
	ERRNO(ELOOP), ERRNO(ENAMETOOLONG), ERRNO(EROFS), ERRNO(EXDEV), ERRNO(EINVAL), ERRNO(EBADF),
	ERRNO(ENOSYS), ERRNO(ENOTEMPTY), ERRNO(ECHILD), ERRNO(EAGAIN), ERRNO(ENOEXEC), ERRNO(E2BIG),
	ERRNO(EFAULT), ERRNO(ENOTSOCK), ERRNO(ECONNREFUSED), ERRNO(EADDRINUSE), ERRNO(ENXIO),
	ERRNO(ESRCH), ERRNO(EBUSY), ERRNO(EMLINK), ERRNO(ETXTBSY), ERRNO(ENOTCONN),
	ERRNO(EOVERFLOW),
};

#define SIG(s) { SIG##s, "SIG" #s }
static const struct ti_signal {
	int num;
	const char *name;
} signal_names[] = {
	SIG(HUP), SIG(INT), SIG(QUIT), SIG(ILL), SIG(TRAP), SIG(ABRT), SIG(BUS), SIG(FPE),
	SIG(KILL), SIG(USR1), SIG(SEGV), SIG(USR2), SIG(PIPE), SIG(ALRM), SIG(TERM), SIG(CHLD),
	SIG(CONT), SIG(STOP), SIG(TSTP), SIG(TTIN), SIG(TTOU), SIG(URG), SIG(XCPU), SIG(XFSZ),
	SIG(WINCH), SIG(SYS),
};
/* clang-format on */

static int is(const char *name)
{
	return !strcmp(cur->name, name);
}

/* Report errno as "<applet>: ENAME" on stdout; returns the exit status 1. */
static int fail(void)
{
	int e = errno;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(errno_names) && errno_names[i].num != e; i++)
		;
	if (i < ARRAY_SIZE(errno_names))
		printf("%s: %s\n", cur->name, errno_names[i].name);
	else
		printf("%s: E%d\n", cur->name, e);
	fflush(stdout);
	return 1;
}

static int fail_with(int err)
{
	errno = err;
	return fail();
}

static int usage(void)
{
	fprintf(stderr, "usage: %s %s\n", cur->name, cur->usage);
	return 2;
}

static int parse_long(const char *s, int base, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, base);
	return errno || end == s || *end ? -1 : 0;
}

/* A non-negative count; anything else is a usage error. */
static int parse_count(const char *s, long *out)
{
	return parse_long(s, 10, out) || *out < 0 ? -1 : 0;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static char type_char(unsigned int mode)
{
	static const unsigned int fmt[] = { S_IFREG, S_IFDIR, S_IFLNK, S_IFCHR, S_IFBLK, S_IFIFO };

	for (size_t i = 0; i < ARRAY_SIZE(fmt); i++)
		if ((mode & S_IFMT) == fmt[i])
			return "-dlcbp"[i];
	return S_ISSOCK(mode) ? 's' : '?';
}

static int copy_fd(int fd)
{
	char buf[8192];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)n, stdout);
	return n < 0 ? -1 : 0;
}

static ssize_t read_all(int fd, char *buf, size_t size)
{
	size_t got = 0;
	ssize_t n;

	while (got < size && (n = read(fd, buf + got, size - got)) != 0) {
		if (n < 0)
			return -1;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

/* One "type mode nlink name [-> target]" line; no uid, size or time, they vary by host. */
static int print_long(int dfd, const char *name)
{
	char target[PATH_MAX];
	struct stat st;
	ssize_t n = 0;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW))
		return fail();
	if (S_ISLNK(st.st_mode) && (n = readlinkat(dfd, name, target, sizeof(target))) < 0)
		return fail();
	printf("%c %04o %llu %s", type_char(st.st_mode), (unsigned int)st.st_mode & 07777,
	       (unsigned long long)st.st_nlink, name);
	if (S_ISLNK(st.st_mode))
		printf(" -> %.*s", (int)n, target);
	putchar('\n');
	return 0;
}

static int not_dots(const struct dirent *de)
{
	return strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
}

/*
 * Names sorted bytewise (readdir order is a property of the host filesystem): alphasort()
 * uses strcoll(), and we never leave the "C" locale.
 */
static int list_dir(const char *path, int long_format)
{
	int dfd = open(path, O_RDONLY | O_DIRECTORY), n, i, ret = 0;
	struct dirent **names;

	if (dfd < 0 || (n = scandirat(dfd, ".", &names, not_dots, alphasort)) < 0)
		return fail();
	for (i = 0; i < n; i++) {
		if (!long_format)
			puts(names[i]->d_name);
		else if (!ret)
			ret = print_long(dfd, names[i]->d_name);
		free(names[i]);
	}
	free(names);
	close(dfd);
	return ret;
}

static void print_stat(unsigned int mode, unsigned long long nlink, unsigned long long size,
		       unsigned int uid, unsigned int gid)
{
	printf("type=%c mode=%04o nlink=%llu", type_char(mode), mode & 07777, nlink);
	if (S_ISREG(mode) || S_ISLNK(mode))
		printf(" size=%llu", size);
	printf(" uid=%u gid=%u\n", uid, gid);
}

/*
 * The argv for the exec-style applets: "PATH ARGS..." runs PATH with argv = ARGS (so ARGS[0]
 * is argv[0]); without ARGS it is just { PATH }. argv[i] is PATH.
 */
static char **exec_args(int argc, char **argv, int i)
{
	static char *only_path[2];

	if (argc > i + 1)
		return argv + i + 1;
	only_path[0] = argv[i];
	return only_path;
}

__attribute__((noreturn)) static void child_exec(const char *path, char **args)
{
	execv(path, args);
	fail();
	_exit(127);
}

/* Fill a pathname address; the length is exact plus the NUL, as most programs pass it. */
static socklen_t sun_fill(struct sockaddr_un *sa, const char *path)
{
	size_t len = strlen(path);

	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (len >= sizeof(sa->sun_path)) {
		errno = ENAMETOOLONG;
		return 0;
	}
	memcpy(sa->sun_path, path, len + 1);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + 1);
}

/* The guest must see its own paths here, never the host paths the tracer substituted. */
static void print_sun(const char *label, const struct sockaddr_un *sa, socklen_t len)
{
	size_t n = len - offsetof(struct sockaddr_un, sun_path);

	if (len <= offsetof(struct sockaddr_un, sun_path)) {
		printf("%s=(unnamed)\n", label);
		return;
	}
	if (n > sizeof(sa->sun_path))
		n = sizeof(sa->sun_path);
	if (sa->sun_path[0])
		printf("%s=%.*s\n", label, (int)strnlen(sa->sun_path, n), sa->sun_path);
	else
		printf("%s=@%.*s\n", label, (int)n - 1, sa->sun_path + 1);
}

/* true, false, exit N, echo, and argv: the unshifted process argv, as the runtime passed it. */
APPLET(basic)
{
	long n;
	int i;

	if (is("true") || is("false"))
		return is("false");
	if (is("exit"))
		return parse_long(argv[1], 10, &n) ? usage() : (int)n;
	if (is("echo")) {
		for (i = 1; i < argc; i++)
			printf("%s%s", i > 1 ? " " : "", argv[i]);
		putchar('\n');
	} else {
		for (i = 0; i < raw_argc; i++)
			printf("argv[%d]=%s\n", i, raw_argv[i]);
	}
	return 0;
}

/*
 * env sorts (the order is up to the runtime), in place as nothing reads environ afterwards;
 * an unset getenv prints nothing and exits 1.
 */
APPLET(env)
{
	const char *value = is("getenv") ? getenv(argv[1]) : NULL;
	size_t n = 0, i;

	if (is("getenv")) {
		if (value)
			puts(value);
		return !value;
	}
	while (environ[n])
		n++;
	if (n)
		qsort(environ, n, sizeof(*environ), cmp_str);
	for (i = 0; i < n; i++)
		puts(environ[i]);
	return 0;
}

/* cat FILE..., write FILE TEXT and append FILE TEXT. */
APPLET(cat)
{
	int i, fd;

	if (!is("cat")) {
		fd = open(argv[1], O_WRONLY | O_CREAT | (is("write") ? O_TRUNC : O_APPEND), 0644);
		return fd < 0 || dprintf(fd, "%s\n", argv[2]) < 0 || close(fd) ? fail() : 0;
	}
	if (argc < 2)
		return copy_fd(STDIN_FILENO) ? fail() : 0;
	for (i = 1; i < argc; i++) {
		fd = strcmp(argv[i], "-") ? open(argv[i], O_RDONLY) : STDIN_FILENO;
		if (fd < 0 || copy_fd(fd))
			return fail();
		if (fd != STDIN_FILENO)
			close(fd);
	}
	return 0;
}

/*
 * ls, ls-l, pwd, cd-pwd, fchdir-pwd, and the escape tests dotdot and openat-root-dotdot: ".."
 * at the container root must stay at the root, so they print the directory and its entries.
 */
APPLET(cwd)
{
	int fd = -1;
	char *cwd;
	long n;

	if (is("ls") || is("ls-l"))
		return list_dir(argc > 1 ? argv[1] : ".", is("ls-l"));
	if (is("cd-pwd") && chdir(argv[1]))
		return fail();
	if (is("fchdir-pwd") && ((fd = open(argv[1], O_RDONLY | O_DIRECTORY)) < 0 || fchdir(fd)))
		return fail();
	if (is("openat-root-dotdot") &&
	    ((fd = open("/", O_RDONLY | O_DIRECTORY)) < 0 ||
	     (fd = openat(fd, "../..", O_RDONLY | O_DIRECTORY)) < 0 || fchdir(fd)))
		return fail();
	if (is("dotdot")) {
		if (parse_count(argv[1], &n))
			return usage();
		while (n-- > 0)
			if (chdir(".."))
				return fail();
	}
	if (!(cwd = getcwd(NULL, 0)))
		return fail();
	puts(cwd);
	free(cwd);
	return is("dotdot") || is("openat-root-dotdot") ? list_dir(".", 0) : 0;
}

/*
 * One fact each: id, uname (the machine), hostname, pid-info, readlink PATH, realpath PATH
 * and exe (/proc/self/exe, the guest path of this binary).
 */
APPLET(info)
{
	char buf[PATH_MAX];
	struct utsname u;
	ssize_t n;

	if (is("id")) {
		printf("uid=%u gid=%u euid=%u egid=%u\n", getuid(), getgid(), geteuid(), getegid());
		return 0;
	}
	if (is("pid-info")) {
		printf("ppid_is_1=%s\n", getppid() == 1 ? "yes" : "no");
		return 0;
	}
	if (is("uname") || is("hostname")) {
		if (uname(&u))
			return fail();
		puts(is("uname") ? u.machine : u.nodename);
		return 0;
	}
	if (is("realpath")) {
		if (!realpath(argv[1], buf))
			return fail();
		n = (ssize_t)strlen(buf);
	} else if ((n = readlink(is("exe") ? "/proc/self/exe" : argv[1], buf, sizeof(buf))) < 0) {
		return fail();
	}
	printf("%.*s\n", (int)n, buf);
	return 0;
}

/*
 * stat, lstat, fstatat DIR NAME (relative to an O_PATH directory) and statx, which is raw: glibc
 * calls it only on some arches, but the tracer must handle it on all.
 */
APPLET(stat)
{
	int dfd = AT_FDCWD;
	struct statx stx;
	struct stat st;

	if (is("statx")) {
		if (syscall(SYS_statx, AT_FDCWD, argv[1], 0, STATX_BASIC_STATS, &stx))
			return fail();
		print_stat(stx.stx_mode, stx.stx_nlink, stx.stx_size, stx.stx_uid, stx.stx_gid);
		return 0;
	}
	if (is("fstatat") && (dfd = open(argv[1], O_PATH | O_DIRECTORY)) < 0)
		return fail();
	if (fstatat(dfd, argv[is("fstatat") ? 2 : 1], &st, is("lstat") ? AT_SYMLINK_NOFOLLOW : 0))
		return fail();
	print_stat(st.st_mode, st.st_nlink, (unsigned long long)st.st_size, st.st_uid, st.st_gid);
	return 0;
}

/* openat DIR REL [read] and openat2 DIR REL [read] (no RESOLVE_* flags). */
APPLET(openat)
{
	struct ti_open_how how = { .flags = O_RDONLY };
	int dfd, fd, do_read = argc > 3 && !strcmp(argv[3], "read");

	if (argc > 3 && !do_read)
		return usage();
	dfd = open(argv[1], O_RDONLY | O_DIRECTORY);
	if (dfd < 0)
		return fail();
	if (is("openat2"))
		fd = (int)syscall(SYS_openat2, dfd, argv[2], &how, sizeof(how));
	else
		fd = openat(dfd, argv[2], O_RDONLY);
	if (fd < 0)
		return fail();
	if (do_read)
		return copy_fd(fd) ? fail() : 0;
	puts("ok");
	return 0;
}

/* The applets that are one call on their arguments and print nothing on success. */
APPLET(fsop)
{
	unsigned int flags = 0;
	long n = 0;
	int r, fd;

	if ((is("chmod") && (parse_long(argv[1], 8, &n) || n < 0 || n > 07777)) ||
	    (is("truncate") && parse_count(argv[2], &n)))
		return usage();
	if (is("renameat2") && argc > 3)
		flags = !strcmp(argv[3], "noreplace")  ? RENAME_NOREPLACE
			: !strcmp(argv[3], "exchange") ? RENAME_EXCHANGE
						       : ~0u;
	if (flags == ~0u)
		return usage();
	if (is("mkdir"))
		r = mkdir(argv[1], 0755);
	else if (is("rmdir"))
		r = rmdir(argv[1]);
	else if (is("rm"))
		r = unlink(argv[1]);
	else if (is("mv"))
		r = rename(argv[1], argv[2]);
	else if (is("renameat2"))
		r = renameat2(AT_FDCWD, argv[1], AT_FDCWD, argv[2], flags);
	else if (is("ln"))
		r = link(argv[1], argv[2]);
	else if (is("ln-s"))
		r = symlink(argv[1], argv[2]);
	else if (is("chmod"))
		r = chmod(argv[2], (mode_t)n);
	else if (is("truncate"))
		r = truncate(argv[1], (off_t)n);
	else if (is("mknod-fifo"))
		r = mknod(argv[1], S_IFIFO | 0644, 0);
	else if ((r = utimensat(AT_FDCWD, argv[1], NULL, 0)) && errno == ENOENT)
		r = (fd = open(argv[1], O_WRONLY | O_CREAT, 0644)) < 0 || close(fd);
	return r ? fail() : 0;
}

/*
 * Attribute changes through a read-only fd, the way they reach an inode without a path:
 * fd-chmod PATH MODE (fchmod), fd-utime PATH SECONDS (utimensat(fd, NULL)).
 */
APPLET(fdattr)
{
	long n;
	int fd, r;

	if (parse_long(argv[2], is("fd-chmod") ? 8 : 10, &n) || n < 0)
		return usage();
	fd = open(argv[1], O_RDONLY);
	if (fd < 0)
		return fail();
	if (is("fd-chmod")) {
		r = fchmod(fd, (mode_t)n);
	} else {
		struct timespec ts[2] = { { n, 0 }, { n, 0 } };

		r = (int)syscall(SYS_utimensat, fd, NULL, ts, 0);
	}
	close(fd);
	return r ? fail() : 0;
}

/* access PATH MODE and faccessat2 PATH MODE (raw, AT_EACCESS); MODE letters from "rwxf". */
APPLET(access)
{
	const char *m = argv[2];
	int mode = strchr(m, 'r') ? R_OK : 0;

	if (!*m || m[strspn(m, "rwxf")])
		return usage();
	mode |= (strchr(m, 'w') ? W_OK : 0) | (strchr(m, 'x') ? X_OK : 0);
	if (is("access") ? access(argv[1], mode)
			 : syscall(SYS_faccessat2, AT_FDCWD, argv[1], mode, AT_EACCESS))
		return fail();
	puts("ok");
	return 0;
}

/*
 * exec PATH, execveat DIR NAME and fexec PATH, the last by hand through an O_PATH descriptor
 * and AT_EMPTY_PATH, so the tracer sees no path at all.
 */
APPLET(exec)
{
	int fd = AT_FDCWD;

	if (!is("exec") && (fd = open(argv[1], is("fexec") ? O_PATH : O_RDONLY | O_DIRECTORY)) < 0)
		return fail();
	fflush(stdout);
	if (is("exec"))
		execv(argv[1], exec_args(argc, argv, 1));
	else if (is("execveat"))
		syscall(SYS_execveat, fd, argv[2], exec_args(argc, argv, 2), environ, 0);
	else
		syscall(SYS_execveat, fd, "", exec_args(argc, argv, 1), environ, AT_EMPTY_PATH);
	return fail();
}

/* The vfork child shares our memory: it may only exec or _exit, so it leaves errno here. */
static volatile int vfork_errno;

static pid_t vfork_exec(const char *path, char **args)
{
	pid_t pid = vfork();

	if (pid == 0) {
		execv(path, args);
		vfork_errno = errno;
		_exit(127);
	}
	return pid;
}

/*
 * fork-wait, vfork-wait and clone3-wait (raw, no CLONE_VM: the child returns from syscall()
 * on its copy of our stack, like fork) exec PATH in the child and print how it ended.
 * spawn-chain N prints its level and re-execs itself through QRUN_TEST_SELF or /proc/self/exe
 * with argv[0] = "qrun-test-init" (the basename "exe" is an applet too), down to level 0; it
 * exits with its child's status.
 */
APPLET(fork_wait)
{
	char self_name[] = SELF_NAME, chain[] = "spawn-chain", num[24];
	char *chain_args[] = { self_name, chain, num, NULL };
	struct ti_clone_args ca = { .exit_signal = SIGCHLD };
	char **args = exec_args(argc, argv, 1);
	const char *path = argv[1];
	int status;
	long pid, n;

	if (is("spawn-chain")) {
		if (parse_count(argv[1], &n))
			return usage();
		printf("level %ld\n", n);
		if (n == 0)
			return 0;
		snprintf(num, sizeof(num), "%ld", n - 1);
		path = getenv("QRUN_TEST_SELF") ? getenv("QRUN_TEST_SELF") : "/proc/self/exe";
		args = chain_args;
	}
	fflush(stdout);
	vfork_errno = 0;
	if (is("vfork-wait"))
		pid = vfork_exec(path, args);
	else if (is("clone3-wait"))
		pid = syscall(SYS_clone3, &ca, sizeof(ca));
	else
		pid = fork();
	if (pid < 0)
		return fail();
	if (pid == 0)
		child_exec(path, args);
	if (vfork_errno)
		fail_with(vfork_errno);
	if (waitpid((pid_t)pid, &status, 0) < 0)
		return fail();
	if (is("spawn-chain"))
		return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	if (WIFEXITED(status))
		printf("exited %d\n", WEXITSTATUS(status));
	else
		printf("signaled %d\n", WTERMSIG(status));
	return 0;
}

static long thread_iters;
static int thread_errno;
static const char *texec_path;
static char **texec_args;

static void *thread_main(void *arg)
{
	struct stat st;

	if (texec_path) {
		execv(texec_path, texec_args);
		return (void *)(intptr_t)errno;
	}
	for (long i = 0; i < thread_iters; i++) {
		getppid();
		if (stat("/", &st))
			__atomic_store_n(&thread_errno, errno, __ATOMIC_RELAXED);
	}
	return arg;
}

/*
 * threads N ITER: syscall stops from many tids at once must not get mixed up. thread-exec
 * PATH: a non-leader thread execs, which the kernel reports under the leader's pid.
 */
APPLET(threads)
{
	void *ret = NULL;
	pthread_t t[1024];
	long n = 1, i;
	int err;

	if (is("thread-exec")) {
		texec_path = argv[1];
		texec_args = exec_args(argc, argv, 1);
		fflush(stdout);
	} else if (parse_count(argv[1], &n) || parse_count(argv[2], &thread_iters) ||
		   n > (long)ARRAY_SIZE(t)) {
		return usage();
	}
	for (i = 0; i < n; i++)
		if ((err = pthread_create(&t[i], NULL, thread_main, NULL)))
			return fail_with(err);
	for (i = 0; i < n; i++)
		pthread_join(t[i], &ret);
	if (texec_path || thread_errno)
		return fail_with(texec_path ? (int)(intptr_t)ret : thread_errno);
	puts("threads done");
	return 0;
}

/* getppid-loop N, stat-loop N PATH and open-loop N PATH print nothing: they time overhead. */
APPLET(loop)
{
	int op = is("getppid-loop") ? 0 : is("stat-loop") ? 1 : 2, fd;
	struct stat st;
	long n;

	if (parse_count(argv[1], &n))
		return usage();
	while (n-- > 0) {
		if (op == 0)
			syscall(SYS_getppid);
		else if (op == 1 ? stat(argv[2], &st)
				 : (fd = open(argv[2], O_RDONLY)) < 0 || close(fd))
			return fail();
	}
	return 0;
}

/*
 * sleep SECONDS; kill-self SIG (a name with or without "SIG", or a number), which exits 0
 * if the signal does not kill us (ignored, caught, or a stop and SIGCONT); sigwait-print,
 * whose "waiting" tells the test the signals are blocked, so sending one now cannot race.
 */
APPLET(signal)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1 };
	const char *name = argc < 2 ? "" : argv[1] + (strncmp(argv[1], "SIG", 3) ? 0 : 3);
	struct timespec ts;
	int sig = -1, err;
	sigset_t set;
	double secs;
	char *end;
	size_t i;
	long n;

	if (is("sleep")) {
		secs = strtod(argv[1], &end);
		if (end == argv[1] || *end || !(secs >= 0 && secs < 1e9))
			return usage();
		ts.tv_sec = (time_t)secs;
		ts.tv_nsec = (long)((secs - (double)ts.tv_sec) * 1e9);
		while (nanosleep(&ts, &ts))
			if (errno != EINTR)
				return fail();
		return 0;
	}
	if (is("kill-self")) {
		if (!parse_long(argv[1], 10, &n) && n > 0 && n < 65)
			sig = (int)n;
		for (i = 0; i < ARRAY_SIZE(signal_names); i++)
			if (!strcmp(signal_names[i].name + 3, name))
				sig = signal_names[i].num;
		if (sig < 0)
			return usage();
		fflush(stdout);
		return raise(sig) ? fail() : 0;
	}
	sigemptyset(&set);
	for (i = 0; i < ARRAY_SIZE(sigs); i++)
		sigaddset(&set, sigs[i]);
	if ((err = pthread_sigmask(SIG_BLOCK, &set, NULL)))
		return fail_with(err);
	puts("waiting");
	fflush(stdout);
	if ((err = sigwait(&set, &sig)))
		return fail_with(err);
	for (i = 0; i < ARRAY_SIZE(signal_names); i++)
		if (signal_names[i].num == sig)
			puts(signal_names[i].name);
	return 0;
}

/*
 * unix-client connects to PATH and prints the message and the peer's name. The others bind
 * PATH. unix-dgram sends "ping" to itself and prints it with the sender. unix-server accepts
 * one client, sends MESSAGE. unix-pair-test forks a client that connects and writes "hello"
 * before we accept: the connection waits in the backlog, so we can reap the child first and
 * never hang in accept(); the address accept() hands back for it must be "unnamed".
 * Addresses seen by the guest must be its own paths, never those the tracer substituted.
 */
APPLET(unix)
{
	struct sockaddr_un sa, peer;
	socklen_t len, plen = sizeof(peer);
	int fd, c, status;
	char buf[4096];
	pid_t pid;
	ssize_t n;

	fd = socket(AF_UNIX, is("unix-dgram") ? SOCK_DGRAM : SOCK_STREAM, 0);
	if (fd < 0 || !(len = sun_fill(&sa, argv[1])))
		return fail();
	if (is("unix-client")) {
		/* Ask for the peer name before the server can close its end. */
		if (connect(fd, (struct sockaddr *)&sa, len) ||
		    getpeername(fd, (struct sockaddr *)&peer, &plen) ||
		    (n = read_all(fd, buf, sizeof(buf))) < 0)
			return fail();
		fwrite(buf, 1, (size_t)n, stdout);
		if (!n || buf[n - 1] != '\n')
			putchar('\n');
		print_sun("peername", &peer, plen);
		return 0;
	}
	if (bind(fd, (struct sockaddr *)&sa, len))
		return fail();
	if (is("unix-dgram")) {
		if (sendto(fd, "ping", 4, 0, (struct sockaddr *)&sa, len) != 4 ||
		    (n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&peer, &plen)) < 0)
			return fail();
		printf("data=%.*s\n", (int)n, buf);
		print_sun("from", &peer, plen);
		return 0;
	}
	if (listen(fd, 4))
		return fail();
	if (is("unix-server")) {
		puts("listening");
		fflush(stdout);
		n = (ssize_t)strlen(argv[2]);
		if ((c = accept(fd, NULL, NULL)) < 0 || write(c, argv[2], (size_t)n) != n)
			return fail();
		close(c);
	} else {
		fflush(stdout);
		if ((pid = fork()) < 0)
			return fail();
		if (pid == 0) {
			c = socket(AF_UNIX, SOCK_STREAM, 0);
			if (c < 0 || connect(c, (struct sockaddr *)&sa, len) ||
			    write(c, "hello", 5) != 5)
				_exit(fail());
			_exit(0);
		}
		if (waitpid(pid, &status, 0) < 0)
			return fail();
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			return 1;
		if ((c = accept(fd, (struct sockaddr *)&peer, &plen)) < 0 ||
		    (n = read_all(c, buf, sizeof(buf))) < 0)
			return fail();
		printf("received=%.*s\npeer_addrlen=%s\n", (int)n, buf,
		       plen == 0		     ? "zero"
		       : plen == sizeof(sa_family_t) ? "unnamed"
		       : plen <= sizeof(sa)	     ? "named"
						     : "overflow");
	}
	plen = sizeof(peer);
	if (getsockname(fd, (struct sockaddr *)&peer, &plen))
		return fail();
	print_sun("sockname", &peer, plen);
	return is("unix-pair-test") && unlink(argv[1]) ? fail() : 0;
}

/*
 * Guest paths past PATH_MAX once the tracer prefixes the rootfs: creation goes one relative
 * component at a time, and everything made is removed again even after an error.
 */
APPLET(long_path)
{
	static const char name[] = "d0123456789";
	char *cwd = NULL;
	long depth, made;
	int fd, ret = 0;

	if (parse_count(argv[1], &depth))
		return usage();
	for (made = 0; made < depth && !mkdir(name, 0755); made++) {
		if (chdir(name)) {
			ret = fail();
			rmdir(name);
			break;
		}
	}
	if (made < depth && !ret)
		ret = fail();
	if (made == depth && ((fd = open("f", O_WRONLY | O_CREAT, 0644)) < 0 || close(fd) ||
			      !(cwd = getcwd(NULL, 0))))
		ret = fail();
	if (cwd)
		printf("len=%zu\n", strlen(cwd));
	free(cwd);
	unlink("f");
	while (made-- > 0)
		if (chdir("..") || rmdir(name))
			return ret ? ret : fail();
	return ret;
}

/* The credential calls, for emulated identities (libc's: the 32-bit ids on every arch). */
static unsigned long id_arg(const char *s)
{
	return !strcmp(s, "-") ? (unsigned long)-1 : strtoul(s, NULL, 10);
}

/*
 * ids: "uid=R/E/S gid=R/E/S fsuid=F groups=G,G caps=EFF/PERM" (the low capability words);
 * setuid U, setresuid R E S, setresgid R E S, setgroups G[,G] (- for none), each then
 * exec PATH [ARGV0 ARGS...]; fchown U G PATH and chown-empty U G PATH (fchownat with
 * AT_EMPTY_PATH) change an open file's owner.
 */
APPLET(creds)
{
	unsigned r, e, s, rg, eg, sg;
	gid_t groups[64];
	int n, at;

	if (is("ids")) {
		struct {
			uint32_t version;
			int pid;
		} hdr = { 0x20080522, 0 };
		struct {
			uint32_t effective, permitted, inheritable;
		} data[2] = { { 0, 0, 0 }, { 0, 0, 0 } };

		if (getresuid(&r, &e, &s) || getresgid(&rg, &eg, &sg) ||
		    syscall(SYS_capget, &hdr, data))
			return fail();
		n = getgroups(64, groups);
		if (n < 0)
			return fail();
		printf("uid=%u/%u/%u gid=%u/%u/%u fsuid=%d groups=", r, e, s, rg, eg, sg,
		       setfsuid((uid_t)-1));
		for (int i = 0; i < n; i++)
			printf("%s%u", i ? "," : "", (unsigned)groups[i]);
		printf(" caps=%x/%x\n", data[0].effective, data[0].permitted);
		return 0;
	}
	if (is("fchown") || is("chown-empty")) {
		int fd = open(argv[3], O_RDONLY | O_CLOEXEC);

		if (fd < 0)
			return fail();
		if (is("fchown") ? fchown(fd, (uid_t)id_arg(argv[1]), (gid_t)id_arg(argv[2]))
				 : fchownat(fd, "", (uid_t)id_arg(argv[1]), (gid_t)id_arg(argv[2]),
					    AT_EMPTY_PATH))
			return fail();
		return 0;
	}
	if (is("setuid")) {
		at = 2;
		if (setuid((uid_t)id_arg(argv[1])))
			return fail();
	} else if (is("setresuid") || is("setresgid")) {
		at = 4;
		if (is("setresuid") ? setresuid((uid_t)id_arg(argv[1]), (uid_t)id_arg(argv[2]),
						(uid_t)id_arg(argv[3]))
				    : setresgid((gid_t)id_arg(argv[1]), (gid_t)id_arg(argv[2]),
						(gid_t)id_arg(argv[3])))
			return fail();
	} else {
		char *list = argv[1], *g;

		at = 2;
		n = 0;
		for (g = strtok(list, ","); g && strcmp(g, "-") && n < 64; g = strtok(NULL, ","))
			groups[n++] = (gid_t)strtoul(g, NULL, 10);
		if (setgroups((size_t)n, groups))
			return fail();
	}
	if (argc <= at)
		return 0;
	execv(argv[at], exec_args(argc, argv, at));
	return fail();
}

static const struct applet applets[] = {
	{ "true", applet_basic, 0, "" },
	{ "false", applet_basic, 0, "" },
	{ "exit", applet_basic, 1, "N" },
	{ "echo", applet_basic, 0, "[ARGS...]" },
	{ "argv", applet_basic, 0, "[ARGS...]" },
	{ "env", applet_env, 0, "" },
	{ "getenv", applet_env, 1, "NAME" },
	{ "cat", applet_cat, 0, "[FILE|-]..." },
	{ "write", applet_cat, 2, "FILE TEXT" },
	{ "append", applet_cat, 2, "FILE TEXT" },
	{ "pwd", applet_cwd, 0, "" },
	{ "cd-pwd", applet_cwd, 1, "DIR" },
	{ "fchdir-pwd", applet_cwd, 1, "DIR" },
	{ "ls", applet_cwd, 0, "[DIR]" },
	{ "ls-l", applet_cwd, 0, "[DIR]" },
	{ "readlink", applet_info, 1, "PATH" },
	{ "realpath", applet_info, 1, "PATH" },
	{ "exe", applet_info, 0, "" },
	{ "stat", applet_stat, 1, "PATH" },
	{ "lstat", applet_stat, 1, "PATH" },
	{ "statx", applet_stat, 1, "PATH" },
	{ "fstatat", applet_stat, 2, "DIR NAME" },
	{ "openat", applet_openat, 2, "DIR REL [read]" },
	{ "openat2", applet_openat, 2, "DIR REL [read]" },
	{ "mkdir", applet_fsop, 1, "PATH" },
	{ "rmdir", applet_fsop, 1, "PATH" },
	{ "rm", applet_fsop, 1, "PATH" },
	{ "mv", applet_fsop, 2, "OLD NEW" },
	{ "renameat2", applet_fsop, 2, "OLD NEW [noreplace|exchange]" },
	{ "ln", applet_fsop, 2, "OLD NEW" },
	{ "ln-s", applet_fsop, 2, "TARGET NEW" },
	{ "chmod", applet_fsop, 2, "OCTAL-MODE PATH" },
	{ "touch", applet_fsop, 1, "PATH" },
	{ "mknod-fifo", applet_fsop, 1, "PATH" },
	{ "truncate", applet_fsop, 2, "PATH N" },
	{ "fd-chmod", applet_fdattr, 2, "PATH MODE" },
	{ "fd-utime", applet_fdattr, 2, "PATH SECONDS" },
	{ "access", applet_access, 2, "PATH MODE(rwxf)" },
	{ "faccessat2", applet_access, 2, "PATH MODE(rwxf)" },
	{ "id", applet_info, 0, "" },
	{ "ids", applet_creds, 0, "" },
	{ "setuid", applet_creds, 1, "UID [PATH [ARGV0 ARGS...]]" },
	{ "setresuid", applet_creds, 3, "R E S [PATH [ARGV0 ARGS...]]" },
	{ "setresgid", applet_creds, 3, "R E S [PATH [ARGV0 ARGS...]]" },
	{ "setgroups", applet_creds, 1, "G[,G]|- [PATH [ARGV0 ARGS...]]" },
	{ "fchown", applet_creds, 3, "UID GID PATH" },
	{ "chown-empty", applet_creds, 3, "UID GID PATH" },
	{ "uname", applet_info, 0, "" },
	{ "hostname", applet_info, 0, "" },
	{ "pid-info", applet_info, 0, "" },
	{ "exec", applet_exec, 1, "PATH [ARGV0 ARGS...]" },
	{ "execveat", applet_exec, 2, "DIR NAME [ARGV0 ARGS...]" },
	{ "fexec", applet_exec, 1, "PATH [ARGV0 ARGS...]" },
	{ "fork-wait", applet_fork_wait, 1, "PATH [ARGV0 ARGS...]" },
	{ "vfork-wait", applet_fork_wait, 1, "PATH [ARGV0 ARGS...]" },
	{ "clone3-wait", applet_fork_wait, 1, "PATH [ARGV0 ARGS...]" },
	{ "spawn-chain", applet_fork_wait, 1, "N" },
	{ "threads", applet_threads, 2, "N ITER" },
	{ "thread-exec", applet_threads, 1, "PATH [ARGV0 ARGS...]" },
	{ "getppid-loop", applet_loop, 1, "N" },
	{ "stat-loop", applet_loop, 2, "N PATH" },
	{ "open-loop", applet_loop, 2, "N PATH" },
	{ "sleep", applet_signal, 1, "SECONDS" },
	{ "kill-self", applet_signal, 1, "SIGNAL" },
	{ "sigwait-print", applet_signal, 0, "" },
	{ "unix-server", applet_unix, 2, "PATH MESSAGE" },
	{ "unix-client", applet_unix, 1, "PATH" },
	{ "unix-pair-test", applet_unix, 1, "PATH" },
	{ "unix-dgram", applet_unix, 1, "PATH" },
	{ "dotdot", applet_cwd, 1, "N" },
	{ "openat-root-dotdot", applet_cwd, 0, "" },
	{ "long-path", applet_long_path, 1, "DEPTH" },
};

static const struct applet *find_applet(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(applets); i++)
		if (!strcmp(applets[i].name, name))
			return &applets[i];
	return NULL;
}

int main(int argc, char **argv)
{
	const char *execfn = (const char *)getauxval(AT_EXECFN);
	const char *name = argc > 0 ? base_name(argv[0]) : "";
	int ret;

	raw_argc = argc;
	raw_argv = argv;
	/*
	 * "exec /bin/argv foo" runs the argv symlink with argv[0] = "foo": fall back to the
	 * name the kernel (or qemu) exec'd, which it leaves in the auxiliary vector.
	 */
	if (strcmp(name, SELF_NAME) && !find_applet(name) && execfn)
		name = base_name(execfn);
	if (!strcmp(name, SELF_NAME)) {
		if (argc < 2) {
			fprintf(stderr, "usage: %s APPLET [ARGS...] | --list\n", SELF_NAME);
			return 2;
		}
		if (!strcmp(argv[1], "--list")) {
			for (size_t i = 0; i < ARRAY_SIZE(applets); i++)
				puts(applets[i].name);
			return 0;
		}
		argc--;
		argv++;
		name = argv[0];
	}
	cur = find_applet(name);
	if (!cur) {
		fprintf(stderr, "%s: unknown applet '%s'\n", SELF_NAME, name);
		return 127;
	}
	if (argc - 1 < cur->min_args)
		return usage();
	ret = cur->fn(argc, argv);
	fflush(stdout);
	return ret;
}
