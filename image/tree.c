/*
 * Copying and removing whole trees, always below a directory fd and never following a symlink:
 * the hard-link farm that puts a snapshot on top of the one below, the independent copy
 * that `unpack` hands out (reflink when the filesystem can, else copy_file_range), removal
 * that copes with directories left without permissions, and disk usage for prune's report.
 */
#include "image/image-internal.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/xattr.h>

/* ---- a set of inodes ------------------------------------------------------------------- */

struct ino_slot *ino_get(struct ino_map *m, dev_t dev, ino_t ino)
{
	size_t i;

	if (m->n * 2 >= m->cap) {
		struct ino_map g = { .cap = m->cap ? m->cap * 2 : 1024 };

		g.v = xcalloc(g.cap, sizeof(*g.v));
		for (size_t k = 0; k < m->cap; k++) {
			if (!m->v[k].used)
				continue;
			i = (m->v[k].ino * 2654435761u ^ m->v[k].dev) & (g.cap - 1);
			while (g.v[i].used)
				i = (i + 1) & (g.cap - 1);
			g.v[i] = m->v[k];
			g.n++;
		}
		free(m->v);
		*m = g;
	}
	i = (ino * 2654435761u ^ dev) & (m->cap - 1);
	while (m->v[i].used && !(m->v[i].dev == dev && m->v[i].ino == ino))
		i = (i + 1) & (m->cap - 1);
	if (!m->v[i].used) {
		m->v[i] = (struct ino_slot){ .dev = dev, .ino = ino, .used = true };
		m->n++;
	}
	return &m->v[i];
}

void ino_release(struct ino_map *m)
{
	for (size_t k = 0; k < m->cap; k++)
		free(m->v[k].path);
	free(m->v);
	*m = (struct ino_map){ 0 };
}

/* ---- copy ------------------------------------------------------------------------------ */

struct copy_ctx {
	enum tree_copy_mode mode;
	bool root;
	int dst_root;
	struct ino_map inodes;
	const char *src_path;
	struct qerr *err;
};

static int copy_xattrs(int sfd, int dfd, const char *rel, struct copy_ctx *c)
{
	char list[16384], val[65536];
	ssize_t n = flistxattr(sfd, list, sizeof(list));

	if (n < 0)
		return errno == ENOTSUP ? 0 : qerr_set_errno(c->err, -errno, "'%s': xattrs", rel);
	for (ssize_t i = 0; i < n; i += (ssize_t)strlen(list + i) + 1) {
		ssize_t v = fgetxattr(sfd, list + i, val, sizeof(val));

		if (v < 0)
			continue;
		/* Unprivileged users can only set user.*: the rest is lost, as with umoci. */
		if (fsetxattr(dfd, list + i, val, (size_t)v, 0) < 0 && c->root)
			return qerr_set_errno(c->err, -errno, "'%s': cannot set xattr '%s'", rel,
					      list + i);
	}
	return 0;
}

static int copy_data(int sfd, int dfd, const struct stat *st)
{
	off_t left = st->st_size;

	if (left == 0 || ioctl(dfd, FICLONE, sfd) == 0)
		return 0;
	while (left > 0) {
		ssize_t n = copy_file_range(sfd, NULL, dfd, NULL, (size_t)left, 0);

		if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL) &&
		    left == st->st_size)
			break;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EIO; /* the file shrank under us */
		left -= n;
	}
	while (left > 0) {
		char buf[65536];
		ssize_t n = read(sfd, buf, sizeof(buf));

		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		if (write_all(dfd, buf, (size_t)n) < 0)
			return -errno;
		left -= n;
	}
	return 0;
}

/* Owner (root only), xattrs, mode and times of an open destination. */
static int finish_attrs(int sfd, int dfd, const struct stat *st, const char *rel,
			struct copy_ctx *c)
{
	struct timespec ts[2] = { st->st_atim, st->st_mtim };
	int r;

	if (c->root && fchown(dfd, st->st_uid, st->st_gid) < 0)
		return qerr_set_errno(c->err, -errno, "'%s': cannot set the owner", rel);
	r = copy_xattrs(sfd, dfd, rel, c);
	if (r < 0)
		return r;
	/* After chown: chown clears setuid/setgid. */
	if (fchmod(dfd, st->st_mode & 07777) < 0)
		return qerr_set_errno(c->err, -errno, "'%s': cannot set the mode", rel);
	if (futimens(dfd, ts) < 0)
		return qerr_set_errno(c->err, -errno, "'%s': cannot set the times", rel);
	return 0;
}

static int copy_file(int sdir, int ddir, const char *name, const struct stat *st, const char *rel,
		     struct copy_ctx *c)
{
	_cleanup_close_ int sfd = -1, dfd = -1;
	int r;

	sfd = openat(sdir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (sfd < 0)
		return qerr_set_errno(c->err, -errno, "cannot read '%s/%s'", c->src_path, rel);
	dfd = openat(ddir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (dfd < 0)
		return qerr_set_errno(c->err, -errno, "cannot create '%s'", rel);
	r = copy_data(sfd, dfd, st);
	if (r < 0)
		return qerr_set_errno(c->err, r, "cannot copy '%s'", rel);
	return finish_attrs(sfd, dfd, st, rel, c);
}

static int copy_special(int sdir, int ddir, const char *name, const struct stat *st,
			const char *rel, struct copy_ctx *c)
{
	struct timespec ts[2] = { st->st_atim, st->st_mtim };

	if (S_ISLNK(st->st_mode)) {
		char target[PATH_MAX + 1];
		ssize_t n = readlinkat(sdir, name, target, PATH_MAX);

		if (n < 0)
			return qerr_set_errno(c->err, -errno, "cannot read the link '%s'", rel);
		target[n] = '\0';
		if (symlinkat(target, ddir, name) < 0)
			return qerr_set_errno(c->err, -errno, "cannot create '%s'", rel);
	} else if (mknodat(ddir, name, st->st_mode & (S_IFMT | 07777), st->st_rdev) < 0) {
		return qerr_set_errno(c->err, -errno, "cannot create '%s'", rel);
	}
	if (c->root && fchownat(ddir, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0)
		return qerr_set_errno(c->err, -errno, "'%s': cannot set the owner", rel);
	if (!S_ISLNK(st->st_mode) && fchmodat(ddir, name, st->st_mode & 07777, 0) < 0)
		return qerr_set_errno(c->err, -errno, "'%s': cannot set the mode", rel);
	(void)utimensat(ddir, name, ts, AT_SYMLINK_NOFOLLOW);
	return 0;
}

static int copy_dir(int sdir, int ddir, const char *rel, struct copy_ctx *c);

static int copy_one(int sdir, int ddir, const char *name, const char *rel, struct copy_ctx *c)
{
	struct stat st;
	struct ino_slot *slot = NULL;
	int r;

	if (fstatat(sdir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return qerr_set_errno(c->err, -errno, "cannot read '%s/%s'", c->src_path, rel);
	if (S_ISDIR(st.st_mode)) {
		_cleanup_close_ int s = -1, d = -1;

		if (mkdirat(ddir, name, 0700) < 0)
			return qerr_set_errno(c->err, -errno, "cannot create '%s'", rel);
		s = openat(sdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		d = openat(ddir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (s < 0 || d < 0)
			return qerr_set_errno(c->err, -errno, "cannot open '%s'", rel);
		r = copy_dir(s, d, rel, c);
		if (r < 0)
			return r;
		return finish_attrs(s, d, &st, rel, c);
	}
	if (c->mode == TREE_LINK) {
		if (linkat(sdir, name, ddir, name, 0) == 0)
			return 0;
		if (errno != EMLINK)
			return qerr_set_errno(c->err, -errno, "cannot link '%s'", rel);
		/* Too many links to one inode: this snapshot gets its own copy. */
	} else if (st.st_nlink > 1 && !S_ISDIR(st.st_mode)) {
		slot = ino_get(&c->inodes, st.st_dev, st.st_ino);
		if (slot->path) {
			if (linkat(c->dst_root, slot->path, ddir, name, 0) < 0)
				return qerr_set_errno(c->err, -errno, "cannot link '%s'", rel);
			return 0;
		}
	}
	r = S_ISREG(st.st_mode) ? copy_file(sdir, ddir, name, &st, rel, c)
				: copy_special(sdir, ddir, name, &st, rel, c);
	if (r >= 0 && slot)
		slot->path = xstrdup(rel);
	return r;
}

static int copy_dir(int sdir, int ddir, const char *rel, struct copy_ctx *c)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int fd = dup(sdir);

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return qerr_set_errno(c->err, -errno, "cannot list '%s'", rel);
	}
	while ((de = readdir(d))) {
		_cleanup_free_ char *child = NULL;
		int r;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		child = *rel ? xasprintf("%s/%s", rel, de->d_name) : xstrdup(de->d_name);
		r = copy_one(sdir, ddir, de->d_name, child, c);
		if (r < 0)
			return r;
	}
	return 0;
}

int tree_copy(const char *src, const char *dst, enum tree_copy_mode mode, struct qerr *err)
{
	struct copy_ctx c = { .mode = mode, .root = geteuid() == 0, .src_path = src, .err = err };
	_cleanup_close_ int s = -1, d = -1;
	struct stat st;
	int r;

	s = open(src, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (s < 0 || fstat(s, &st) < 0)
		return qerr_set_errno(err, -errno, "cannot open '%s'", src);
	d = open(dst, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (d < 0)
		return qerr_set_errno(err, -errno, "cannot open '%s'", dst);
	c.dst_root = d;
	r = copy_dir(s, d, "", &c);
	if (r >= 0)
		r = finish_attrs(s, d, &st, ".", &c);
	ino_release(&c.inodes);
	return r;
}

/* ---- usage ----------------------------------------------------------------------------- */

static void usage_walk(int fd, struct ino_map *m, uint64_t *total)
{
	_cleanup_closedir_ DIR *d = fdopendir(fd);
	struct dirent *de;

	if (!d) {
		close(fd);
		return;
	}
	while ((de = readdir(d))) {
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			int sub = openat(dirfd(d), de->d_name,
					 O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			*total += (uint64_t)st.st_blocks * 512;
			if (sub >= 0)
				usage_walk(sub, m, total);
			continue;
		}
		if (st.st_nlink <= 1) {
			*total += (uint64_t)st.st_blocks * 512;
			continue;
		}
		/* Shared inodes count once all their links are inside the tree. */
		struct ino_slot *s = ino_get(m, st.st_dev, st.st_ino);

		if (++s->seen == st.st_nlink)
			*total += (uint64_t)st.st_blocks * 512;
	}
}

uint64_t tree_usage(int dirfd, const char *name)
{
	struct ino_map m = { 0 };
	uint64_t total = 0;
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return 0;
	usage_walk(fd, &m, &total);
	ino_release(&m);
	return total;
}
