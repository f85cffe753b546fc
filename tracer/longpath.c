/*
 * Guest paths near PATH_MAX. The host path of a guest path is the rootfs prefix plus the
 * guest path, so a guest path the kernel would accept can be too long for the host. Such a
 * path is reached through a directory fd the tracer holds: the tracee is handed
 * "/proc/<tracer>/fd/<N>/<rest>", which the kernel resolves by the fd's magic link (same uid,
 * or root, may do that), and the tracer itself uses *at() calls on the fd. A getcwd whose host
 * path is longer than the kernel's readlink limit is answered by walking up with "..".
 */
#include "tracer/tracer-internal.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#define LP_FDS 32

static struct {
	char *dir; /* owned */
	int fd;
} cache[LP_FDS];
static unsigned next_slot;

/* An O_PATH fd for host directory dir (< PATH_MAX), cached. */
int longpath_dirfd(const char *dir)
{
	unsigned i;
	int fd;

	for (i = 0; i < LP_FDS; i++) {
		if (cache[i].dir && strcmp(cache[i].dir, dir) == 0)
			return cache[i].fd;
	}
	fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	i = next_slot++ % LP_FDS;
	if (cache[i].dir) {
		(void)close(cache[i].fd);
		free(cache[i].dir);
	}
	cache[i].dir = xstrdup(dir);
	cache[i].fd = fd;
	return fd;
}

int longpath_at(const char *host, int *ret_dirfd, const char **ret_rel)
{
	size_t len = strlen(host), cut;
	char dir[PATH_MAX];
	int fd;

	if (len < PATH_MAX) {
		*ret_dirfd = AT_FDCWD;
		*ret_rel = host;
		return 0;
	}
	/* the longest directory prefix that the kernel takes whole */
	for (cut = PATH_MAX - 1; cut > 0 && host[cut] != '/'; cut--)
		;
	if (cut == 0 || len - cut - 1 >= PATH_MAX - 64)
		return -ENAMETOOLONG;
	memcpy(dir, host, cut);
	dir[cut] = '\0';
	fd = longpath_dirfd(dir);
	if (fd < 0)
		return fd;
	*ret_dirfd = fd;
	*ret_rel = host + cut + 1;
	return 0;
}

int longpath_for_tracee(pid_t tracer, const char *host, char *ret, size_t size)
{
	const char *rel;
	int fd, r = longpath_at(host, &fd, &rel);

	if (r < 0)
		return r;
	if (fd == AT_FDCWD)
		return snprintf(ret, size, "%s", host) < (int)size ? 0 : -ENAMETOOLONG;
	return snprintf(ret, size, "/proc/%d/fd/%d/%s", tracer, fd, rel) < (int)size
		   ? 0
		   : -ENAMETOOLONG;
}

void longpath_release(void)
{
	sock_names_release();
	for (unsigned i = 0; i < LP_FDS; i++) {
		if (cache[i].dir) {
			(void)close(cache[i].fd);
			free(cache[i].dir);
			cache[i].dir = NULL;
		}
	}
}

/* The name of the entry of directory parent whose dev/ino is st; 0 or -errno. */
static int name_in(int parent, const struct stat *st, char *ret, size_t size)
{
	int fd = openat(parent, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;
	DIR *d;
	int r = -ENOENT;

	if (fd < 0)
		return -errno;
	d = fdopendir(fd);
	if (!d) {
		(void)close(fd);
		return -errno;
	}
	while ((de = readdir(d))) {
		struct stat cst;

		if (de->d_ino != st->st_ino || strcmp(de->d_name, "..") == 0 ||
		    strcmp(de->d_name, ".") == 0)
			continue;
		if (fstatat(parent, de->d_name, &cst, AT_SYMLINK_NOFOLLOW) == 0 &&
		    cst.st_dev == st->st_dev && cst.st_ino == st->st_ino) {
			r = snprintf(ret, size, "%s", de->d_name) < (int)size ? 0 : -ENAMETOOLONG;
			break;
		}
	}
	(void)closedir(d);
	return r;
}

int longpath_guest_dir(const struct bind_table *t, const char *link, char *ret, size_t size)
{
	char name[NAME_MAX + 1], tail[PATH_MAX * 2];
	size_t tlen = 0;
	int fd, r = -ENOENT;

	fd = open(link, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	tail[0] = '\0';
	for (int depth = 0; depth < PATH_MAX; depth++) {
		struct stat st, pst;
		int parent;

		if (fstat(fd, &st) < 0)
			break;
		/* Stop at the host directory of a bind (the longest guest path wins on ties). */
		for (size_t i = t->n; i-- > 0;) {
			struct stat bst;

			if (stat(t->v[i].host, &bst) == 0 && bst.st_dev == st.st_dev &&
			    bst.st_ino == st.st_ino) {
				const char *g =
				    strcmp(t->v[i].guest, "/") == 0 ? "" : t->v[i].guest;

				r = snprintf(ret, size, "%s%s", g, tlen ? tail : "/") < (int)size
					? 0
					: -ENAMETOOLONG;
				if (r == 0 && ret[0] == '\0')
					r = snprintf(ret, size, "/") < (int)size ? 0
										 : -ENAMETOOLONG;
				goto out;
			}
		}
		parent = openat(fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (parent < 0 || fstat(parent, &pst) < 0 ||
		    (pst.st_dev == st.st_dev && pst.st_ino == st.st_ino)) {
			if (parent >= 0)
				(void)close(parent);
			r = -ENOENT; /* reached the host root outside every bind */
			break;
		}
		r = name_in(parent, &st, name, sizeof(name));
		(void)close(fd);
		fd = parent;
		if (r < 0)
			break;
		if (tlen + strlen(name) + 1 >= sizeof(tail)) {
			r = -ENAMETOOLONG;
			break;
		}
		memmove(tail + strlen(name) + 1, tail, tlen + 1);
		tail[0] = '/';
		memcpy(tail + 1, name, strlen(name));
		tlen += strlen(name) + 1;
		r = -ENOENT;
	}
out:
	(void)close(fd);
	return r;
}
