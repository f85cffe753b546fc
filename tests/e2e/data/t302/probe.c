/*
 * probe: escape attempts that neither busybox nor qrun-test-init can make, for
 * t302-chroot-confinement.sh. Built by the test itself (static, x86_64) and run inside the
 * rootfs. Each subcommand prints what it got: file contents on success, "<what>: <strerror>"
 * on failure, so the test can look for the secret in the output. Exit status 0 when the
 * escape attempt was refused, 3 when it got through (read, created or linked something).
 *
 *   fdlink-read LINK NAME        open(LINK, O_PATH|O_NOFOLLOW), then openat(fd, NAME): the
 *                                kernel says ENOTDIR, as the fd is a symlink, not a directory
 *   fdlink-create LINK NAME      the same with O_CREAT|O_EXCL and a write
 *   fdlink-link LINK NAME NEW    linkat(fd, NAME, AT_FDCWD, NEW): a hard link to NAME
 *   fdlink-rename LINK NAME NEW  renameat(fd, NAME, AT_FDCWD, NEW)
 *   fdlink-mkdir LINK NAME       mkdirat(fd, NAME)
 *   procfd-read DIR REL          open(DIR) as fd N, then read /proc/self/fd/N/REL
 *   fchdir-read DIR REL          fchdir() to DIR, then open REL relative to the cwd
 *   untraced-read PATH           clone(CLONE_UNTRACED) child reads PATH
 *   untraced-create PATH         clone(CLONE_UNTRACED) child creates PATH
 *   clone3-untraced-read PATH    the same through clone3
 *   int80-read PATH              open + read through the i386 ABI (int $0x80)
 *   swap-race DIR LINK NAME SECS  one thread swaps directory DIR and symlink LINK
 *                                (renameat2 RENAME_EXCHANGE), another reads DIR/NAME
 *   openat2-restart FIFO         openat2(FIFO, O_RDONLY) blocks until a child opens it for
 *                                writing; a SA_RESTART signal comes first, and the kernel
 *                                restarts the call (with the tracer's translated path, whose
 *                                scratch copy the signal frame overwrote): prints "ok" when
 *                                it opened the FIFO
 *   mem-race GUEST HOST SECS     one thread opens GUEST in a loop, another keeps writing HOST
 *                                over the stack below the first one's stack pointer, where
 *                                a tracer puts translated paths
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef SYS_clone3
#define SYS_clone3 435
#endif
#ifndef CLONE_UNTRACED
#define CLONE_UNTRACED 0x00800000
#endif

#define ESCAPED 3

static int report(const char *what)
{
	printf("%s: %s\n", what, strerror(errno));
	fflush(stdout);
	return 0;
}

/* Print what fd holds; the escape succeeded if we got here. */
static int dump(int fd)
{
	char buf[4096];
	ssize_t n;

	while ((n = read(fd, buf, sizeof(buf))) > 0)
		fwrite(buf, 1, (size_t)n, stdout);
	fflush(stdout);
	close(fd);
	return ESCAPED;
}

static int open_link(const char *link)
{
	int fd = open(link, O_PATH | O_NOFOLLOW);

	if (fd < 0)
		report("open O_PATH|O_NOFOLLOW");
	return fd;
}

static int fdlink(const char *op, char **argv)
{
	int fd = open_link(argv[0]), f;

	if (fd < 0)
		return 0;
	if (!strcmp(op, "fdlink-read")) {
		f = openat(fd, argv[1], O_RDONLY);
		return f < 0 ? report("openat") : dump(f);
	}
	if (!strcmp(op, "fdlink-create")) {
		f = openat(fd, argv[1], O_WRONLY | O_CREAT | O_EXCL, 0644);
		if (f < 0)
			return report("openat O_CREAT");
		(void)!write(f, "escaped\n", 8);
		close(f);
		puts("created");
		return ESCAPED;
	}
	if (!strcmp(op, "fdlink-link"))
		return linkat(fd, argv[1], AT_FDCWD, argv[2], 0) ? report("linkat")
								 : (puts("linked"), ESCAPED);
	if (!strcmp(op, "fdlink-rename"))
		return renameat(fd, argv[1], AT_FDCWD, argv[2]) ? report("renameat")
								: (puts("renamed"), ESCAPED);
	return mkdirat(fd, argv[1], 0755) ? report("mkdirat") : (puts("made"), ESCAPED);
}

static int procfd_read(char **argv)
{
	char path[4096];
	int fd = open(argv[0], O_RDONLY | O_DIRECTORY), f;

	if (fd < 0)
		return report("open");
	snprintf(path, sizeof(path), "/proc/self/fd/%d/%s", fd, argv[1]);
	f = open(path, O_RDONLY);
	return f < 0 ? report("open /proc/self/fd/N/REL") : dump(f);
}

static int fchdir_read(char **argv)
{
	int fd = open(argv[0], O_RDONLY | O_DIRECTORY), f;

	if (fd < 0 || fchdir(fd))
		return report("fchdir");
	f = open(argv[1], O_RDONLY);
	return f < 0 ? report("open") : dump(f);
}

static char *untraced_path;
static int untraced_create;

static int untraced_child(void)
{
	int f = untraced_create ? open(untraced_path, O_WRONLY | O_CREAT | O_EXCL, 0644)
				: open(untraced_path, O_RDONLY);

	if (f < 0)
		return report("untraced child open") + 1;
	if (!untraced_create)
		return dump(f);
	close(f);
	puts("created");
	fflush(stdout);
	return ESCAPED;
}

static int untraced(const char *op, char **argv)
{
	struct {
		uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
	} ca = { .flags = CLONE_UNTRACED, .exit_signal = SIGCHLD };
	int status;
	long pid;

	untraced_path = argv[0];
	untraced_create = !strcmp(op, "untraced-create");
	fflush(stdout);
	if (!strcmp(op, "clone3-untraced-read"))
		pid = syscall(SYS_clone3, &ca, sizeof(ca));
	else
		pid = syscall(SYS_clone, CLONE_UNTRACED | SIGCHLD, 0, 0, 0, 0);
	if (pid < 0)
		return report("clone");
	if (pid == 0)
		_exit(untraced_child());
	if (waitpid((pid_t)pid, &status, 0) < 0)
		return report("waitpid");
	return WIFEXITED(status) && WEXITSTATUS(status) == ESCAPED ? ESCAPED : 0;
}

/* The i386 ABI from a 64-bit process: arguments must lie below 4 GiB (static, non-PIE). */
static long int80(long nr, long a, long b, long c)
{
	long ret;

	__asm__ volatile("int $0x80" : "=a"(ret) : "a"(nr), "b"(a), "c"(b), "d"(c) : "memory");
	return ret;
}

static char int80_path[4096], int80_buf[4096];

static int int80_read(char **argv)
{
	long fd, n;

	snprintf(int80_path, sizeof(int80_path), "%s", argv[0]);
	if ((uintptr_t)int80_path > 0xffffffffu) {
		puts("int80: buffer above 4 GiB (PIE build?)");
		return 0;
	}
	fd = int80(5 /* i386 open */, (long)(uintptr_t)int80_path, O_RDONLY, 0);
	if (fd < 0) {
		errno = (int)-fd;
		return report("int80 open");
	}
	n = int80(3 /* i386 read */, fd, (long)(uintptr_t)int80_buf, sizeof(int80_buf));
	if (n > 0)
		fwrite(int80_buf, 1, (size_t)n, stdout);
	fflush(stdout);
	return ESCAPED;
}

static volatile int stop;
static const char *race_a, *race_b;

static void *swapper(void *arg)
{
	(void)arg;
	while (!stop)
		syscall(SYS_renameat2, AT_FDCWD, race_a, AT_FDCWD, race_b, RENAME_EXCHANGE);
	return NULL;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int swap_race(char **argv)
{
	char path[4096], buf[256];
	double end = now() + atof(argv[3]);
	long tries = 0, hits = 0;
	struct stat st;
	pthread_t t;
	ssize_t n;
	int f, ret = 0;

	race_a = argv[0];
	race_b = argv[1];
	snprintf(path, sizeof(path), "%s/%s", argv[0], argv[2]);
	pthread_create(&t, NULL, swapper, NULL);
	while (!ret && now() < end) {
		tries++;
		f = open(path, O_RDONLY);
		if (f < 0)
			continue;
		n = read(f, buf, sizeof(buf) - 1);
		close(f);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		if (strncmp(buf, "decoy", 5)) {
			printf("escaped after %ld opens: %s", tries, buf);
			ret = ESCAPED;
		} else {
			hits++;
		}
	}
	stop = 1;
	pthread_join(t, NULL);
	/* Leave DIR a directory again, whatever the last exchange did. */
	if (lstat(race_a, &st) == 0 && S_ISLNK(st.st_mode))
		syscall(SYS_renameat2, AT_FDCWD, race_a, AT_FDCWD, race_b, RENAME_EXCHANGE);
	if (!ret)
		printf("%ld opens, %ld read the decoy, none escaped\n", tries, hits);
	fflush(stdout);
	return ret;
}

/* mem-race: the victim thread and what the main thread writes below its stack pointer. */
static char fill[4096];
static volatile uintptr_t victim_sp;
static const char *victim_path;
static volatile long victim_fd = -1;

/* No calls in the loop: everything below the stack pointer is overwritten all the time. */
__attribute__((noinline)) static void *victim(void *arg)
{
	uintptr_t sp;
	long ret;

	(void)arg;
	__asm__ volatile("mov %%rsp, %0" : "=r"(sp));
	victim_sp = sp;
	while (!stop) {
		register long r10 __asm__("r10") = 0;
		__asm__ volatile("syscall"
				 : "=a"(ret)
				 : "a"(SYS_openat), "D"(AT_FDCWD), "S"(victim_path), "d"(O_RDONLY),
				   "r"(r10)
				 : "rcx", "r11", "memory");
		if (ret >= 0) {
			victim_fd = ret;
			break;
		}
	}
	stop = 1;
	return NULL;
}

static int mem_race(char **argv)
{
	double end = now() + atof(argv[2]);
	size_t hlen = strlen(argv[1]), span = 4000;
	pthread_attr_t attr;
	pthread_t t;
	char *lo;

	victim_path = argv[0];
	/* "////...//HOST": any start inside the run of slashes names HOST. */
	memset(fill, '/', span);
	memcpy(fill + span - hlen - 1, argv[1], hlen + 1);
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 1 << 20);
	pthread_create(&t, &attr, victim, NULL);
	while (!victim_sp)
		;
	/* Below the red zone (128 bytes under sp) is where a tracer may put translated paths. */
	lo = (char *)(victim_sp - 128 - span);
	while (!stop) {
		for (int i = 0; i < 1000 && !stop; i++)
			memcpy(lo, fill, span);
		if (now() > end)
			stop = 1;
	}
	pthread_join(t, NULL);
	if (victim_fd >= 0) {
		printf("escaped: ");
		return dump((int)victim_fd);
	}
	puts("no escape");
	return 0;
}

static void on_alarm(int sig)
{
	(void)sig;
}

static int openat2_restart(char **argv)
{
	struct {
		uint64_t flags, mode, resolve;
	} how = { O_RDONLY, 0, 0 };
	struct sigaction sa = { .sa_handler = on_alarm, .sa_flags = SA_RESTART };
	struct itimerval it = { .it_value = { 0, 100000 } };
	pid_t writer;
	long fd;

	if (sigaction(SIGALRM, &sa, NULL) < 0 || setitimer(ITIMER_REAL, &it, NULL) < 0)
		return report("setitimer"), 1;
	writer = fork();
	if (writer == 0) {
		usleep(400000); /* after the signal */
		_exit(open(argv[0], O_WRONLY) < 0);
	}
	fd = syscall(SYS_openat2, AT_FDCWD, argv[0], &how, sizeof(how));
	if (fd < 0)
		return report("openat2-restart"), 1;
	waitpid(writer, NULL, 0);
	printf("openat2-restart: ok\n");
	return 0;
}

int main(int argc, char **argv)
{
	const char *op = argc > 1 ? argv[1] : "";

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strncmp(op, "fdlink-", 7) && argc >= 4)
		return fdlink(op, argv + 2);
	if (!strcmp(op, "procfd-read") && argc == 4)
		return procfd_read(argv + 2);
	if (!strcmp(op, "fchdir-read") && argc == 4)
		return fchdir_read(argv + 2);
	if (strstr(op, "untraced-") && argc == 3)
		return untraced(op, argv + 2);
	if (!strcmp(op, "int80-read") && argc == 3)
		return int80_read(argv + 2);
	if (!strcmp(op, "swap-race") && argc == 6)
		return swap_race(argv + 2);
	if (!strcmp(op, "openat2-restart") && argc == 3)
		return openat2_restart(argv + 2);
	if (!strcmp(op, "mem-race") && argc == 5)
		return mem_race(argv + 2);
	fprintf(stderr, "probe: bad usage\n");
	return 2;
}
