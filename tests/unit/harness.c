#include "tests/unit/harness.h"

#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmpdir[PATH_MAX];
static char oldcwd[PATH_MAX];

const char *qtest_tmpdir(void)
{
	return tmpdir;
}

int qtest_setup(void **state)
{
	const char *base = getenv("TMPDIR");

	(void)state;
	if (!base || !*base)
		base = "/tmp";
	if (snprintf(tmpdir, sizeof(tmpdir), "%s/qrun-unit.XXXXXX", base) >= (int)sizeof(tmpdir))
		return -1;
	if (!mkdtemp(tmpdir) || !getcwd(oldcwd, sizeof(oldcwd)) || chdir(tmpdir) < 0)
		return -1;
	return 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		return rmdir(path);
	return unlink(path);
}

int qtest_teardown(void **state)
{
	(void)state;
	if (chdir(oldcwd) < 0)
		return -1;
	return nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

void qtest_write_file(const char *path, const char *content)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	size_t len = strlen(content);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, content, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}
