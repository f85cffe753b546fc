/*
 * A program that exports an open() of its own (built with -rdynamic) and counts its calls:
 * libc's internal opens (fopen here) must not reach it, under qrun's shim as without it.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/types.h>
#include <unistd.h>

static int calls;

int open(const char *path, int flags, ...)
{
	static int (*next)(const char *, int, ...);
	mode_t mode = 0;
	va_list ap;

	va_start(ap, flags);
	if (flags & O_CREAT)
		mode = va_arg(ap, mode_t);
	va_end(ap);
	if (!next)
		next = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, "open");
	calls++;
	return next(path, flags, mode);
}

int main(int argc, char **argv)
{
	char buf[64] = "";
	FILE *f = argc > 1 ? fopen(argv[1], "re") : NULL;
	int fd;

	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = '\0';
		fclose(f);
	}
	fd = argc > 1 ? open(argv[1], O_RDONLY) : -1;
	if (fd >= 0)
		close(fd);
	printf("fopen %s, open %s, own open() called %d time(s)\n", buf[0] ? "read" : "failed",
	       fd >= 0 ? "ok" : "failed", calls);
	return 0;
}
