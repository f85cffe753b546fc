/*
 * Guest paths near PATH_MAX. The host path of a guest path is the rootfs prefix plus the
 * guest path, so a guest path the kernel would accept can be too long for the host. Such a
 * path is reached through a directory fd: the tracer uses *at() calls on its own, and the
 * tracee is handed "/proc/<keeper>/fd/<N>/<rest>" with a copy of the fd held by the keeper
 * (keeper.c: qrun itself is out of the tracee's reach), which the kernel resolves by the fd's
 * magic link. A getcwd whose host
 * path is longer than the kernel's readlink limit is answered by walking up with "..".
 */
#include "tracer/tracer-internal.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

/* An O_PATH fd for host directory dir (< PATH_MAX), cached in tr. */
static struct longpath_slot *slot_for(struct tracer *tr, const char *dir)
{
	struct longpath_slot *s;
	unsigned i;
	int fd;

	for (i = 0; i < LONGPATH_SLOTS; i++) {
		if (tr->longpaths[i].dir && strcmp(tr->longpaths[i].dir, dir) == 0)
			return &tr->longpaths[i];
	}
	fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return NULL;
	s = &tr->longpaths[tr->longpath_next++ % LONGPATH_SLOTS];
	if (s->dir) {
		(void)close(s->fd);
		keeper_drop(tr, s->kfd);
		free(s->dir);
	}
	s->dir = xstrdup(dir);
	s->fd = fd;
	s->kfd = -1;
	return s;
}

int longpath_dirfd(struct tracer *tr, const char *dir)
{
	struct longpath_slot *s = slot_for(tr, dir);

	return s ? s->fd : -errno;
}

int longpath_split(const char *host, char *dir, const char **ret_rel)
{
	size_t len = strlen(host), end = len, cut;

	/* The longest directory prefix that the kernel takes whole, short of the last name: a
	 * trailing '/' (mkdir("d/")) is part of that name, not a directory to open. */
	while (end > 1 && host[end - 1] == '/')
		end--;
	for (cut = end - 1 < PATH_MAX - 1 ? end - 1 : PATH_MAX - 1; cut > 0 && host[cut] != '/';
	     cut--)
		;
	if (cut == 0 || len - cut - 1 >= PATH_MAX - 64)
		return -ENAMETOOLONG;
	memcpy(dir, host, cut);
	dir[cut] = '\0';
	*ret_rel = host + cut + 1;
	return 0;
}

int longpath_at(struct tracer *tr, const char *host, int *ret_dirfd, const char **ret_rel)
{
	char dir[PATH_MAX];
	int fd, r;

	if (strlen(host) < PATH_MAX) {
		*ret_dirfd = AT_FDCWD;
		*ret_rel = host;
		return 0;
	}
	r = longpath_split(host, dir, ret_rel);
	if (r < 0)
		return r;
	fd = longpath_dirfd(tr, dir);
	if (fd < 0)
		return fd;
	*ret_dirfd = fd;
	return 0;
}

int longpath_in_dir(struct tracer *tr, const char *dir, const char *rest, char *ret, size_t size)
{
	struct longpath_slot *s = slot_for(tr, dir);
	int r;

	if (!s)
		return -errno;
	if (s->kfd < 0 && (r = keeper_take(tr, s->fd, &s->kfd)) < 0)
		return r;
	return keeper_proc_path(tr, s->kfd, rest, ret, size);
}

int longpath_for_tracee(struct tracer *tr, const char *host, char *ret, size_t size)
{
	char dir[PATH_MAX];
	const char *rel;
	int r;

	if (strlen(host) < PATH_MAX)
		return snprintf(ret, size, "%s", host) < (int)size ? 0 : -ENAMETOOLONG;
	r = longpath_split(host, dir, &rel);
	if (r < 0)
		return r;
	return longpath_in_dir(tr, dir, rel, ret, size);
}

void longpath_release(struct tracer *tr)
{
	for (unsigned i = 0; i < LONGPATH_SLOTS; i++) {
		if (tr->longpaths[i].dir) {
			(void)close(tr->longpaths[i].fd);
			free(tr->longpaths[i].dir);
			tr->longpaths[i].dir = NULL;
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
