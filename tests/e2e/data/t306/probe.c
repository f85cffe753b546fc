/*
 * t306's probe: a dynamic program that makes the calls qrun's in-process shim answers and
 * prints what came back, one line per call, so that runs with and without the shim can be
 * compared line by line.
 *
 *   probe OP PATH [ARG]...   OP: stat lstat fstatat-nofollow statx access-r access-x
 *                            access-w open open-dir openat-rel at-empty readlink realpath
 *   probe repeat N PATH      N stat calls (to count the tracer's stops)
 *   probe deny-openat2 -     install a seccomp filter that kills the process on openat2
 *   probe exec-stat PATH     run the probe again (execve) for "stat PATH"
 *   probe execvp NAME        execvp(NAME, {NAME, "stat", "/data/file"}) (a probe, or a script)
 * Several OP PATH pairs may follow each other; "cd DIR" changes directory in between.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifndef __GLIBC__
#include <linux/stat.h> /* musl 1.2.3 has no statx(): the probe makes the system call */
#endif
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* errno's name (strerrorname_np is glibc's only: the probe is built with musl too) */
static const char *errname(int e)
{
	static const struct {
		int e;
		const char *name;
	} names[] = {
		{ ENOENT, "ENOENT" },
		{ ENOTDIR, "ENOTDIR" },
		{ EACCES, "EACCES" },
		{ ELOOP, "ELOOP" },
		{ EINVAL, "EINVAL" },
		{ EROFS, "EROFS" },
		{ ENAMETOOLONG, "ENAMETOOLONG" },
		{ EXDEV, "EXDEV" },
		{ EISDIR, "EISDIR" },
		{ EPERM, "EPERM" },
		{ ENXIO, "ENXIO" },
		{ EBADF, "EBADF" },
		{ EFAULT, "EFAULT" },
		{ ENOSYS, "ENOSYS" },
		{ ERANGE, "ERANGE" },
	};
	static char buf[16];

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (names[i].e == e)
			return names[i].name;
	}
	snprintf(buf, sizeof(buf), "E%d", e);
	return buf;
}

static void show_stat(const char *op, const char *path, int r, const struct stat *st)
{
	if (r < 0) {
		printf("%s %s -> %s\n", op, path, errname(errno));
		return;
	}
	printf("%s %s -> mode=%o size=%lld nlink=%lu\n", op, path, (unsigned)st->st_mode,
	       S_ISDIR(st->st_mode) ? 0LL : (long long)st->st_size, (unsigned long)st->st_nlink);
}

static void show_fd(const char *op, const char *path, int fd)
{
	char buf[64];
	ssize_t n;
	struct stat st;

	if (fd < 0) {
		printf("%s %s -> %s\n", op, path, errname(errno));
		return;
	}
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		printf("%s %s -> a directory\n", op, path);
	} else {
		n = read(fd, buf, sizeof(buf) - 1);
		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		printf("%s %s -> reads '%s'\n", op, path, buf);
	}
	close(fd);
}

int main(int argc, char **argv)
{
	struct stat st;
	struct statx sx;

	for (int i = 1; i + 1 < argc; i += 2) {
		const char *op = argv[i], *p = argv[i + 1];
		int r, fd;

		errno = 0;
		if (strcmp(op, "cd") == 0) {
			r = chdir(p);
			printf("cd %s -> %s\n", p, r < 0 ? errname(errno) : "ok");
		} else if (strcmp(op, "repeat") == 0 && i + 2 < argc) {
			long n = atol(p);

			for (long k = 0; k < n; k++)
				(void)stat(argv[i + 2], &st);
			i++;
		} else if (strcmp(op, "repeat-fopen") == 0 && i + 2 < argc) {
			long n = atol(p);

			for (long k = 0; k < n; k++) {
				FILE *f = fopen(argv[i + 2], "re");

				if (f)
					fclose(f);
			}
			i++;
		} else if (strcmp(op, "fopen") == 0) {
			/* libc opens (and fstats) by its own internal calls, not through open() */
			FILE *f = fopen(p, "re");
			char buf[64];

			if (!f) {
				printf("%s %s -> %s\n", op, p, errname(errno));
				continue;
			}
			if (!fgets(buf, sizeof(buf), f))
				strcpy(buf, ferror(f) ? "(read error)" : "");
			buf[strcspn(buf, "\n")] = '\0';
			printf("%s %s -> reads '%s'\n", op, p, buf);
			fclose(f);
		} else if (strcmp(op, "stat") == 0) {
			show_stat(op, p, stat(p, &st), &st);
		} else if (strcmp(op, "lstat") == 0) {
			show_stat(op, p, lstat(p, &st), &st);
		} else if (strcmp(op, "fstatat-nofollow") == 0) {
			show_stat(op, p, fstatat(AT_FDCWD, p, &st, AT_SYMLINK_NOFOLLOW), &st);
		} else if (strcmp(op, "statx") == 0) {
#ifdef __GLIBC__
			r = statx(AT_FDCWD, p, 0, STATX_BASIC_STATS, &sx);
#else
			r = (int)syscall(SYS_statx, AT_FDCWD, p, 0, STATX_BASIC_STATS, &sx);
#endif
			st.st_mode = sx.stx_mode;
			st.st_size = (off_t)sx.stx_size;
			st.st_nlink = sx.stx_nlink;
			show_stat(op, p, r, &st);
		} else if (strncmp(op, "access-", 7) == 0) {
			int mode = op[7] == 'r' ? R_OK : op[7] == 'x' ? X_OK : W_OK;

			r = access(p, mode);
			printf("%s %s -> %s\n", op, p, r < 0 ? errname(errno) : "ok");
		} else if (strcmp(op, "open") == 0) {
			show_fd(op, p, open(p, O_RDONLY | O_CLOEXEC));
		} else if (strcmp(op, "open-dir") == 0) {
			show_fd(op, p, open(p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
		} else if (strcmp(op, "openat-rel") == 0) {
			/* "DIR/NAME": NAME relative to an fd on DIR */
			char dir[4096];
			const char *slash = strrchr(p, '/');
			int d;

			snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - p) : 1,
				 slash ? p : ".");
			if (slash == p)
				strcpy(dir, "/");
			d = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			show_fd(op, p, d < 0 ? d : openat(d, slash ? slash + 1 : p, O_RDONLY));
			if (d >= 0) {
				r = fstatat(d, slash ? slash + 1 : p, &st, 0);
				show_stat("fstatat-rel", p, r, &st);
				close(d);
			}
		} else if (strcmp(op, "deny-openat2") == 0) {
			struct sock_filter f[] = {
				BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
					 offsetof(struct seccomp_data, nr)),
				BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_openat2, 0, 1),
				BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
				BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
			};
			struct sock_fprog prog = { 4, f };

			r = prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0
				? (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog)
				: -1;
			printf("deny-openat2 -> %s\n", r < 0 ? errname(errno) : "ok");
		} else if (strcmp(op, "exec-stat") == 0) {
			fflush(stdout);
			execl(argv[0], argv[0], "stat", p, (char *)NULL);
			printf("exec-stat %s -> %s\n", p, errname(errno));
		} else if (strcmp(op, "execvp") == 0) {
			char *const args[] = { (char *)p, "stat", "/data/file", NULL };

			fflush(stdout);
			execvp(p, args);
			printf("execvp %s -> %s\n", p, errname(errno));
		} else if (strcmp(op, "readlink") == 0) {
			char buf[4096];
			ssize_t n = readlink(p, buf, sizeof(buf) - 1);

			if (n < 0)
				printf("%s %s -> %s\n", op, p, errname(errno));
			else
				printf("%s %s -> '%.*s'\n", op, p, (int)n, buf);
		} else if (strcmp(op, "realpath") == 0) {
			char *rp = realpath(p, NULL);

			printf("%s %s -> %s\n", op, p, rp ? rp : errname(errno));
			free(rp);
		} else if (strcmp(op, "at-empty") == 0) {
			fd = open(p, O_PATH | O_CLOEXEC);
			r = fd < 0 ? -1 : fstatat(fd, "", &st, AT_EMPTY_PATH);
			show_stat(op, p, r, &st);
			if (fd >= 0)
				close(fd);
		} else {
			fprintf(stderr, "probe: unknown op '%s'\n", op);
			return 2;
		}
	}
	return 0;
}
