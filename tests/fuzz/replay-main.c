#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "tests/fuzz/fuzz.h"

/*
 * Run LLVMFuzzerTestOneInput over every file named on the command line and every regular file
 * in the directories named (systemd's fuzz-main.c). A crash or a failed check aborts; a clean
 * run prints how many inputs it replayed.
 */

#define REPLAY_MAX_INPUT ((size_t)64 << 20)

static int replay_file(int dirfd, const char *path, size_t *count)
{
	_cleanup_free_ char *buf = NULL;
	ssize_t n;

	n = read_file_at(dirfd, path, REPLAY_MAX_INPUT, &buf);
	if (n < 0) {
		fprintf(stderr, "%s: cannot read: %s\n", path, strerror((int)-n));
		return -1;
	}
	(void)LLVMFuzzerTestOneInput((const uint8_t *)buf, (size_t)n);
	(*count)++;
	return 0;
}

static int replay(const char *arg, size_t *count)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	struct stat st;
	int r = 0;

	if (stat(arg, &st) < 0) {
		fprintf(stderr, "%s: %s\n", arg, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return replay_file(AT_FDCWD, arg, count);
	d = opendir(arg);
	if (!d) {
		fprintf(stderr, "%s: %s\n", arg, strerror(errno));
		return -1;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, 0) < 0 || !S_ISREG(st.st_mode))
			continue;
		if (replay_file(dirfd(d), de->d_name, count) < 0)
			r = -1;
	}
	return r;
}

int main(int argc, char **argv)
{
	size_t count = 0;
	int i, r = 0;

	for (i = 1; i < argc; i++)
		if (replay(argv[i], &count) < 0)
			r = 1;
	printf("%s: %zu inputs replayed\n", argv[0], count);
	return r;
}
