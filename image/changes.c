/*
 * What a container did to its image's files: the change set behind `qrun diff`, `commit`,
 * `export` and the layers of `build`. A container's rootfs is a hard-link farm of the image's
 * snapshot and copy-up gives a written file a new inode, so two walks side by side tell it
 * all: a name whose inode is the snapshot's is unchanged unless its recorded owner or mode
 * differs; a new inode is a change unless it is the same bytes with the same times and
 * attributes (a file opened for writing and never written); a directory changed when its
 * attributes or mtime did (adding, removing or copying up a name moves the mtime), or when
 * something below it changed (docker's "C /etc"). Both trees are read beneath their roots,
 * never through a symlink.
 */
#include "image/image-internal.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

struct names {
	char **v;
	size_t n;
};

struct changes_ctx {
	const struct image_tree *lower, *upper;
	struct image_change *v;
	size_t n, cap;
	struct qerr *err;
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names of directory fd (bytewise order); fd < 0 is an empty directory. */
static int list_dir(int fd, const char *rel, struct names *ret, struct qerr *err)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	size_t cap = 0;
	int dup_fd;

	*ret = (struct names){ 0 };
	if (fd < 0)
		return 0;
	dup_fd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dup_fd < 0 || !(d = fdopendir(dup_fd))) {
		if (dup_fd >= 0)
			close(dup_fd);
		return qerr_set_errno(err, -errno, "cannot list '/%s'", rel);
	}
	while ((errno = 0, de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		if (ret->n == cap) {
			cap = cap ? cap * 2 : 16;
			ret->v = xrealloc(ret->v, cap * sizeof(*ret->v));
		}
		ret->v[ret->n++] = xstrdup(de->d_name);
	}
	if (errno)
		return qerr_set_errno(err, -errno, "cannot list '/%s'", rel);
	if (ret->n)
		qsort(ret->v, ret->n, sizeof(*ret->v), cmp_str);
	return 0;
}

static void names_release(struct names *n)
{
	for (size_t i = 0; i < n->n; i++)
		free(n->v[i]);
	free(n->v);
	*n = (struct names){ 0 };
}

static void add(struct changes_ctx *c, size_t at, const char *path, char kind)
{
	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 64;
		c->v = xrealloc(c->v, c->cap * sizeof(*c->v));
	}
	memmove(c->v + at + 1, c->v + at, (c->n - at) * sizeof(*c->v));
	c->v[at] = (struct image_change){ .path = xstrdup(path), .kind = kind };
	c->n++;
}

static void attr_of(const struct image_tree *t, const struct stat *st, struct image_attr *ret)
{
	if (t->attr) {
		t->attr(t->data, st, ret);
		return;
	}
	*ret = (struct image_attr){
		.uid = st->st_uid, .gid = st->st_gid, .mode = st->st_mode, .rdev = st->st_rdev
	};
}

static bool same_attr(const struct image_attr *a, const struct image_attr *b)
{
	return a->uid == b->uid && a->gid == b->gid && a->mode == b->mode && a->rdev == b->rdev;
}

static bool same_bytes(int lfd, int ufd, const char *name, off_t size)
{
	_cleanup_close_ int a = openat(lfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	_cleanup_close_ int b = openat(ufd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	char x[65536], y[65536];

	if (a < 0 || b < 0)
		return false;
	for (off_t done = 0; done < size;) {
		ssize_t n = read(a, x, sizeof(x)), m;

		if (n <= 0)
			return false;
		for (ssize_t got = 0; got < n; got += m) {
			m = read(b, y + got, (size_t)(n - got));
			if (m <= 0)
				return false;
		}
		if (memcmp(x, y, (size_t)n))
			return false;
		done += n;
	}
	return true;
}

static bool same_link(int lfd, int ufd, const char *name)
{
	char a[PATH_MAX], b[PATH_MAX];
	ssize_t n = readlinkat(lfd, name, a, sizeof(a)), m = readlinkat(ufd, name, b, sizeof(b));

	return n >= 0 && n == m && !memcmp(a, b, (size_t)n);
}

static bool same_mtime(const struct stat *a, const struct stat *b)
{
	return a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

/* Is the non-directory name, present in both trees with the same type, unchanged? */
static bool same_file(struct changes_ctx *c, int lfd, int ufd, const char *name,
		      const struct stat *ls, const struct stat *us)
{
	struct image_attr la, ua;

	attr_of(c->lower, ls, &la);
	attr_of(c->upper, us, &ua);
	if (!same_attr(&la, &ua))
		return false;
	if (ls->st_dev == us->st_dev && ls->st_ino == us->st_ino)
		return true; /* the farm's own link: the same bytes */
	if (S_ISREG(us->st_mode))
		return ls->st_size == us->st_size && same_mtime(ls, us) &&
		       same_bytes(lfd, ufd, name, us->st_size);
	if (S_ISLNK(us->st_mode))
		return same_link(lfd, ufd, name);
	return true; /* fifo, socket, device: nothing but attributes */
}

static int walk(struct changes_ctx *c, int lfd, int ufd, const char *rel, bool *ret_opaque);

/* A directory present in both, or only in upper (lfd < 0): its changes below it. */
static int walk_child_dir(struct changes_ctx *c, int lfd, int ufd, const char *name,
			  const char *path, bool *ret_opaque)
{
	_cleanup_close_ int l = -1, u = -1;

	if (lfd >= 0) {
		l = openat(lfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (l < 0)
			return qerr_set_errno(c->err, -errno, "cannot open '/%s' in the image",
					      path);
	}
	u = openat(ufd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (u < 0)
		return qerr_set_errno(c->err, -errno, "cannot open '/%s'", path);
	return walk(c, l, u, path, ret_opaque);
}

static int visit(struct changes_ctx *c, int lfd, int ufd, const char *name, const char *path,
		 bool in_lower, bool in_upper)
{
	struct stat ls, us;
	struct image_attr la, ua;
	size_t at = c->n;
	bool opaque = false;
	int r;

	if (!in_upper) {
		add(c, at, path, IMAGE_CHANGE_DELETED);
		return 0;
	}
	if (fstatat(ufd, name, &us, AT_SYMLINK_NOFOLLOW) < 0)
		return qerr_set_errno(c->err, -errno, "cannot read '/%s'", path);
	if (in_lower && fstatat(lfd, name, &ls, AT_SYMLINK_NOFOLLOW) < 0)
		return qerr_set_errno(c->err, -errno, "cannot read '/%s' in the image", path);
	if (!in_lower || (ls.st_mode & S_IFMT) != (us.st_mode & S_IFMT)) {
		add(c, at, path, in_lower ? IMAGE_CHANGE_CHANGED : IMAGE_CHANGE_ADDED);
		c->v[at].replaced = in_lower;
		return S_ISDIR(us.st_mode) ? walk_child_dir(c, -1, ufd, name, path, &opaque) : 0;
	}
	if (!S_ISDIR(us.st_mode)) {
		if (!same_file(c, lfd, ufd, name, &ls, &us))
			add(c, at, path, IMAGE_CHANGE_CHANGED);
		return 0;
	}
	r = walk_child_dir(c, lfd, ufd, name, path, &opaque);
	if (r < 0)
		return r;
	attr_of(c->lower, &ls, &la);
	attr_of(c->upper, &us, &ua);
	if (opaque || c->n > at || !same_attr(&la, &ua) || !same_mtime(&ls, &us)) {
		add(c, at, path, IMAGE_CHANGE_CHANGED);
		c->v[at].opaque = opaque;
	}
	return 0;
}

static int walk(struct changes_ctx *c, int lfd, int ufd, const char *rel, bool *ret_opaque)
{
	struct names l = { 0 }, u = { 0 };
	size_t i = 0, j = 0, kept = 0, start = c->n;
	int r = list_dir(lfd, rel, &l, c->err);

	if (r >= 0)
		r = list_dir(ufd, rel, &u, c->err);
	while (r >= 0 && (i < l.n || j < u.n)) {
		int d = i == l.n ? 1 : j == u.n ? -1 : strcmp(l.v[i], u.v[j]);
		const char *name = d <= 0 ? l.v[i] : u.v[j];
		_cleanup_free_ char *path = *rel ? xasprintf("%s/%s", rel, name) : xstrdup(name);

		r = visit(c, lfd, ufd, name, path, d <= 0, d >= 0);
		kept += d == 0;
		i += d <= 0;
		j += d >= 0;
	}
	/*
	 * Every name of the image's directory is gone: one opaque whiteout (the directory
	 * was replaced) says it, in place of a whiteout per name.
	 */
	*ret_opaque = false;
	if (r >= 0 && l.n && !kept && *rel) {
		size_t w = start;

		/* nothing was kept, so every deletion here is of a direct child */
		for (size_t k = start; k < c->n; k++) {
			if (c->v[k].kind == IMAGE_CHANGE_DELETED) {
				free(c->v[k].path);
				continue;
			}
			c->v[w++] = c->v[k];
		}
		c->n = w;
		*ret_opaque = true;
	}
	names_release(&l);
	names_release(&u);
	return r;
}

int image_changes(const struct image_tree *lower, const struct image_tree *upper,
		  struct image_change **ret_v, size_t *ret_n, struct qerr *err)
{
	struct changes_ctx c = { .lower = lower, .upper = upper, .err = err };
	_cleanup_close_ int l = -1, u = -1;
	bool opaque;
	int r;

	if (lower && lower->dir) {
		l = open(lower->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (l < 0)
			return qerr_set_errno(err, -errno, "cannot open '%s'", lower->dir);
	}
	u = open(upper->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (u < 0)
		return qerr_set_errno(err, -errno, "cannot open '%s'", upper->dir);
	r = walk(&c, l, u, "", &opaque);
	if (r < 0) {
		image_changes_free(c.v, c.n);
		return r;
	}
	*ret_v = c.v;
	*ret_n = c.n;
	return 0;
}

void image_changes_free(struct image_change *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].path);
	free(v);
}
