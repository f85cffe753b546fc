/*
 * COPY and ADD of a build: files from the build context (or an earlier stage's root
 * filesystem) into a step's container rootfs, as docker does: a directory's contents, not the
 * directory; globs; a destination ending in "/" (or several sources) is a directory; new files
 * and directories owned by 0:0 or --chown, modes kept or --chmod, mtimes kept. Sources are
 * opened beneath their root (a symlink or ".." that leaves the context is an error, never a
 * host file); the destination is resolved inside the rootfs (its symlinks are the guest's).
 * A written file is a new inode renamed into place, so nothing shared with the image's
 * snapshot changes. The owners and modes of what was written go to the layer writer through
 * build_attrs (a user cannot chown, and keeps u+rw on the host copy).
 */
#include "runtime/build.h"

#include <dirent.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>

/* ---- attributes of what a step wrote ------------------------------------------------------ */

void build_attrs_add(struct build_attrs *a, const struct stat *st, const struct image_attr *at)
{
	if (a->n == a->cap) {
		a->cap = a->cap ? a->cap * 2 : 64;
		a->v = xrealloc(a->v, a->cap * sizeof(*a->v));
	}
	a->v[a->n++] = (struct build_attr){ .dev = st->st_dev, .ino = st->st_ino, .a = *at };
}

bool build_attrs_get(const struct build_attrs *a, const struct stat *st, struct image_attr *ret)
{
	for (size_t i = a->n; i-- > 0;) { /* the last one recorded wins */
		if (a->v[i].dev == st->st_dev && a->v[i].ino == st->st_ino) {
			*ret = a->v[i].a;
			return true;
		}
	}
	return false;
}

void build_attrs_release(struct build_attrs *a)
{
	free(a->v);
	*a = (struct build_attrs){ 0 };
}

/* ---- sources ------------------------------------------------------------------------------ */

static int open_in(const struct build_copy *c, int root, const char *rel, int flags)
{
	struct open_how how = { .flags = (uint64_t)(flags | O_CLOEXEC),
				.resolve = c->in_root ? RESOLVE_IN_ROOT : RESOLVE_BENEATH };

	return (int)syscall(SYS_openat2, root, *rel ? rel : ".", &how, sizeof(how));
}

static void src_attr(const struct build_copy *c, const struct stat *st, struct image_attr *ret)
{
	if (c->src->attr)
		c->src->attr(c->src->data, st, ret);
	else
		*ret = (struct image_attr){ st->st_uid, st->st_gid, st->st_mode, st->st_rdev };
}

/* Clean a source as docker does: no leading "/", no "." parts; ".." that climbs out fails. */
static int clean_source(const struct build_copy *c, const char *in, char **ret, struct qerr *err)
{
	_cleanup_free_ char *copy = xstrdup(in);
	char *out = xcalloc(1, strlen(in) + 1), *tok, *save = NULL;
	size_t len = 0;

	for (char *s = copy; (tok = strtok_r(s, "/", &save)); s = NULL) {
		if (!strcmp(tok, "."))
			continue;
		if (!strcmp(tok, "..")) {
			char *slash = strrchr(out, '/');

			if (!*out) {
				free(out);
				return qerr_set(err, -EPERM, "%s source '%s' is outside %s",
						c->verb, in, c->src_label);
			}
			*(slash ? slash : out) = '\0';
			len = strlen(out);
			continue;
		}
		if (len)
			out[len++] = '/';
		memcpy(out + len, tok, strlen(tok) + 1);
		len += strlen(tok);
	}
	*ret = out;
	return 0;
}

static bool has_glob(const char *s)
{
	return strpbrk(s, "*?[") != NULL;
}

static void add_match(struct build_copy_plan *p, const char *rel)
{
	p->sources = xrealloc(p->sources, (p->n_sources + 1) * sizeof(*p->sources));
	p->sources[p->n_sources++] = xstrdup(rel);
}

/* Expand the glob components of pattern (below prefix, a directory of the source root). */
static int expand(const struct build_copy *c, int root, const char *prefix, const char *pattern,
		  struct build_copy_plan *p, struct qerr *err)
{
	const char *slash = strchr(pattern, '/');
	_cleanup_free_ char *comp =
	    slash ? xstrndup(pattern, (size_t)(slash - pattern)) : xstrdup(pattern);
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int fd, r = 0;

	if (!has_glob(comp)) {
		_cleanup_free_ char *rel =
		    *prefix ? xasprintf("%s/%s", prefix, comp) : xstrdup(comp);

		if (!slash) {
			add_match(p, rel);
			return 0;
		}
		return expand(c, root, rel, slash + 1, p, err);
	}
	fd = open_in(c, root, prefix, O_RDONLY | O_DIRECTORY);
	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return 0; /* nothing matches below what is not a directory */
	}
	while (r >= 0 && (de = readdir(d))) {
		_cleanup_free_ char *rel = NULL;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    fnmatch(comp, de->d_name, FNM_PERIOD) != 0)
			continue;
		rel = *prefix ? xasprintf("%s/%s", prefix, de->d_name) : xstrdup(de->d_name);
		if (c->ignored && c->ignored(c->ignore_data, rel, de->d_type == DT_DIR))
			continue;
		r = slash ? expand(c, root, rel, slash + 1, p, err) : (add_match(p, rel), 0);
	}
	return r;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* ---- the content digest (cache key) ------------------------------------------------------- */

static int hash_tree(const struct build_copy *c, int fd, const char *rel, const struct stat *st,
		     struct image_hash *h, struct qerr *err);

static int hash_dir(const struct build_copy *c, int fd, const char *rel, struct image_hash *h,
		    struct qerr *err)
{
	int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_closedir_ DIR *d = dfd >= 0 ? fdopendir(dfd) : NULL;
	char **names = NULL;
	size_t n = 0;
	struct dirent *de;
	int r = 0;

	if (!d) {
		if (dfd >= 0)
			close(dfd);
		return qerr_set_errno(err, -errno, "cannot list '%s' in %s", rel, c->src_label);
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		names = xrealloc(names, (n + 1) * sizeof(*names));
		names[n++] = xstrdup(de->d_name);
	}
	if (n)
		qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *child =
		    *rel ? xasprintf("%s/%s", rel, names[i]) : xstrdup(names[i]);
		_cleanup_close_ int cfd = -1;
		struct stat st;

		if (r < 0)
			continue;
		cfd = openat(fd, names[i], O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (cfd < 0 || fstat(cfd, &st) < 0)
			r = qerr_set_errno(err, -errno, "cannot read '%s' in %s", child,
					   c->src_label);
		else if (c->ignored && c->ignored(c->ignore_data, child, S_ISDIR(st.st_mode)))
			continue;
		else
			r = hash_tree(c, cfd, child, &st, h, err);
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return r;
}

static int hash_tree(const struct build_copy *c, int fd, const char *rel, const struct stat *st,
		     struct image_hash *h, struct qerr *err)
{
	struct image_attr a;
	char line[PATH_MAX + 128], buf[65536];
	int n;

	src_attr(c, st, &a);
	n = snprintf(line, sizeof(line), "%s\n%o %lld\n", rel, a.mode, (long long)st->st_size);
	image_hash_update(h, line, (size_t)n + 1);
	if (S_ISLNK(st->st_mode)) {
		ssize_t m = readlinkat(fd, "", buf, sizeof(buf));

		if (m > 0)
			image_hash_update(h, buf, (size_t)m);
		return 0;
	}
	if (S_ISDIR(st->st_mode)) {
		_cleanup_close_ int d = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		return d < 0 ? qerr_set_errno(err, -errno, "cannot open '%s' in %s", rel,
					      c->src_label)
			     : hash_dir(c, d, rel, h, err);
	}
	if (S_ISREG(st->st_mode)) {
		_cleanup_free_ char *self = xasprintf("/proc/self/fd/%d", fd);
		_cleanup_close_ int data = open(self, O_RDONLY | O_CLOEXEC);
		ssize_t m;

		if (data < 0)
			return qerr_set_errno(err, -errno, "cannot read '%s' in %s", rel,
					      c->src_label);
		while ((m = read(data, buf, sizeof(buf))) > 0)
			image_hash_update(h, buf, (size_t)m);
		if (m < 0)
			return qerr_set_errno(err, -errno, "cannot read '%s' in %s", rel,
					      c->src_label);
	}
	return 0;
}

int build_copy_plan(const struct build_copy *c, struct build_copy_plan *ret, struct qerr *err)
{
	struct build_copy_plan p = { 0 };
	_cleanup_close_ int root = open(c->src->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	struct image_hash *h = NULL;
	int r = 0;

	if (root < 0)
		return qerr_set_errno(err, -errno, "cannot open %s", c->src_label);
	for (size_t i = 0; r >= 0 && i < c->n_sources; i++) {
		_cleanup_free_ char *clean = NULL;
		size_t before = p.n_sources;

		r = clean_source(c, c->sources[i], &clean, err);
		if (r >= 0)
			r = expand(c, root, "", clean, &p, err);
		if (r >= 0 && p.n_sources == before)
			r = qerr_set(err, -ENOENT, "%s: no source files match '%s' in %s", c->verb,
				     c->sources[i], c->src_label);
	}
	h = image_hash_new();
	for (size_t i = 0; r >= 0 && i < p.n_sources; i++) {
		_cleanup_close_ int fd = -1;
		struct stat st;

		if (c->ignored && c->ignored(c->ignore_data, p.sources[i], false)) {
			r = qerr_set(err, -ENOENT, "%s: '%s' is excluded by .dockerignore", c->verb,
				     p.sources[i]);
			break;
		}
		fd = open_in(c, root, p.sources[i], O_PATH);
		if (fd < 0 && errno == EXDEV)
			r = qerr_set(err, -EPERM,
				     "%s source '%s' is outside %s (a symlink leaves it)", c->verb,
				     p.sources[i], c->src_label);
		else if (fd < 0 || fstat(fd, &st) < 0)
			r = qerr_set_errno(err, -errno, "%s source '%s' in %s", c->verb,
					   p.sources[i], c->src_label);
		else
			r = hash_tree(c, fd, p.sources[i], &st, h, err);
	}
	image_hash_final(h, p.digest);
	if (r < 0) {
		build_copy_plan_release(&p);
		return r;
	}
	*ret = p;
	return 0;
}

void build_copy_plan_release(struct build_copy_plan *p)
{
	for (size_t i = 0; i < p->n_sources; i++)
		free(p->sources[i]);
	free(p->sources);
	*p = (struct build_copy_plan){ 0 };
}

/* ---- into the rootfs ---------------------------------------------------------------------- */

struct apply_ctx {
	const struct build_copy *c;
	int src_root, dst_root;
	struct build_attrs *attrs;
	bool rootless;
	struct qerr *err;
};

/* What a new file or directory gets: --chown (else 0:0), --chmod (else the source's mode). */
static void new_attr(const struct apply_ctx *a, const struct stat *src, struct image_attr *ret)
{
	struct image_attr s;

	src_attr(a->c, src, &s);
	*ret = (struct image_attr){ .uid = a->c->uid,
				    .gid = a->c->gid,
				    .mode = (s.mode & S_IFMT) |
					    (a->c->chmod ? a->c->mode : s.mode & 07777) };
}

/* The host mode of a file qrun writes: what the guest sees, kept usable by a user. */
static mode_t host_mode(const struct apply_ctx *a, const struct image_attr *at)
{
	mode_t m = at->mode & 07777;

	return a->rootless ? m | (S_ISDIR(at->mode) ? 0700 : 0600) : m;
}

static int record(struct apply_ctx *a, int fd, const char *name, const struct image_attr *at)
{
	struct stat st;

	if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW | (*name ? 0 : AT_EMPTY_PATH)) < 0)
		return qerr_set_errno(a->err, -errno, "cannot read what %s wrote", a->c->verb);
	build_attrs_add(a->attrs, &st, at);
	return 0;
}

struct made_dir {
	struct apply_ctx *a;
	struct image_attr at;
};

static int record_dir(void *data, int dirfd, const char *name)
{
	struct made_dir *m = data;

	return record(m->a, dirfd, name, &m->at);
}

/* The guest directory path, made (docker's 0755, owners of --chown) where missing. */
static int dest_dir(struct apply_ctx *a, const char *path, const struct stat *src, int *ret_fd)
{
	struct made_dir m = { .a = a };
	struct stat dir_src = *src;
	bool making;
	int r;

	dir_src.st_mode = S_IFDIR | 0755;
	new_attr(a, &dir_src, &m.at);
	m.at.mode = S_IFDIR | 0755;
	r = image_dir_in_root(a->dst_root, path, host_mode(a, &m.at), record_dir, &m, ret_fd,
			      &making);
	if (r < 0)
		return qerr_set_errno(a->err, r,
				      making ? "%s: cannot create '%s'" : "%s: destination '%s'",
				      a->c->verb, path);
	return 0;
}

static int copy_node(struct apply_ctx *a, int sfd, const char *sname, int dfd, const char *dname,
		     const char *rel);

static int copy_children(struct apply_ctx *a, int sdir, int ddir, const char *rel)
{
	int fd = openat(sdir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_closedir_ DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct dirent *de;
	int r = 0;

	if (!d) {
		if (fd >= 0)
			close(fd);
		return qerr_set_errno(a->err, -errno, "cannot list '%s' in %s", rel,
				      a->c->src_label);
	}
	while (r >= 0 && (de = readdir(d))) {
		_cleanup_free_ char *child = NULL;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		child = *rel ? xasprintf("%s/%s", rel, de->d_name) : xstrdup(de->d_name);
		if (a->c->ignored) {
			struct stat cst;
			bool dir = fstatat(dirfd(d), de->d_name, &cst, AT_SYMLINK_NOFOLLOW) == 0 &&
				   S_ISDIR(cst.st_mode);

			if (a->c->ignored(a->c->ignore_data, child, dir))
				continue;
		}
		r = copy_node(a, dirfd(d), de->d_name, ddir, de->d_name, child);
	}
	return r;
}

static int copy_file(struct apply_ctx *a, int sfd, const char *sname, int dfd, const char *dname,
		     const struct stat *st, const struct image_attr *at, const char *rel)
{
	_cleanup_free_ char *tmp = xasprintf(".qrun-copy-%d-%s", (int)getpid(), dname);
	_cleanup_close_ int in = openat(sfd, sname, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	_cleanup_close_ int out = -1;
	struct timespec ts[2] = { st->st_mtim, st->st_mtim };
	off_t left = st->st_size;

	if (in < 0)
		return qerr_set_errno(a->err, -errno, "cannot read '%s' in %s", rel,
				      a->c->src_label);
	out = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (out < 0)
		return qerr_set_errno(a->err, -errno, "%s: cannot write '%s'", a->c->verb, dname);
	while (left > 0) {
		ssize_t n = copy_file_range(in, NULL, out, NULL, (size_t)left, 0);

		if (n <= 0) {
			char buf[65536];

			n = read(in, buf, sizeof(buf));
			if (n <= 0 || write_all(out, buf, (size_t)n) < 0) {
				(void)unlinkat(dfd, tmp, 0);
				return qerr_set_errno(a->err, n < 0 ? -errno : -EIO,
						      "%s: cannot copy '%s'", a->c->verb, rel);
			}
		}
		left -= n;
	}
	if (fchmod(out, host_mode(a, at)) < 0 || futimens(out, ts) < 0 ||
	    record(a, out, "", at) < 0 || renameat(dfd, tmp, dfd, dname) < 0) {
		int e = -errno;

		(void)unlinkat(dfd, tmp, 0);
		return qerr_set_errno(a->err, e, "%s: cannot write '%s'", a->c->verb, dname);
	}
	return 0;
}

static int copy_node(struct apply_ctx *a, int sfd, const char *sname, int dfd, const char *dname,
		     const char *rel)
{
	struct stat st, old;
	struct image_attr at;
	bool exists = fstatat(dfd, dname, &old, AT_SYMLINK_NOFOLLOW) == 0;
	int r;

	if (fstatat(sfd, sname, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return qerr_set_errno(a->err, -errno, "cannot read '%s' in %s", rel,
				      a->c->src_label);
	new_attr(a, &st, &at);
	if (S_ISDIR(st.st_mode)) {
		_cleanup_close_ int s = -1, d = -1;
		struct timespec ts[2] = { st.st_mtim, st.st_mtim };

		if (exists && !S_ISDIR(old.st_mode) && unlinkat(dfd, dname, 0) < 0)
			return qerr_set_errno(a->err, -errno, "%s: cannot replace '%s'", a->c->verb,
					      dname);
		if (!(exists && S_ISDIR(old.st_mode)) && mkdirat(dfd, dname, 0700) < 0)
			return qerr_set_errno(a->err, -errno, "%s: cannot create '%s'", a->c->verb,
					      dname);
		s = openat(sfd, sname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		d = openat(dfd, dname, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (s < 0 || d < 0)
			return qerr_set_errno(a->err, -errno, "%s: cannot open '%s'", a->c->verb,
					      rel);
		r = copy_children(a, s, d, rel);
		if (r < 0 || (exists && S_ISDIR(old.st_mode)))
			return r; /* a directory that was there keeps its attributes */
		if (fchmod(d, host_mode(a, &at)) < 0 || futimens(d, ts) < 0)
			return qerr_set_errno(a->err, -errno, "%s: cannot set '%s'", a->c->verb,
					      dname);
		return record(a, d, "", &at);
	}
	if (exists && S_ISDIR(old.st_mode))
		return qerr_set(a->err, -EISDIR, "%s: cannot replace the directory '%s' with '%s'",
				a->c->verb, dname, rel);
	if (S_ISREG(st.st_mode))
		return copy_file(a, sfd, sname, dfd, dname, &st, &at, rel);
	if (exists && unlinkat(dfd, dname, 0) < 0)
		return qerr_set_errno(a->err, -errno, "%s: cannot replace '%s'", a->c->verb, dname);
	if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlinkat(sfd, sname, target, sizeof(target) - 1);

		if (n < 0)
			return qerr_set_errno(a->err, -errno, "cannot read '%s'", rel);
		target[n] = '\0';
		at.mode = S_IFLNK | 0777;
		if (symlinkat(target, dfd, dname) < 0)
			return qerr_set_errno(a->err, -errno, "%s: cannot write '%s'", a->c->verb,
					      dname);
		return record(a, dfd, dname, &at);
	}
	if (S_ISFIFO(st.st_mode)) {
		if (mkfifoat(dfd, dname, host_mode(a, &at)) < 0)
			return qerr_set_errno(a->err, -errno, "%s: cannot write '%s'", a->c->verb,
					      dname);
		return record(a, dfd, dname, &at);
	}
	return 0; /* sockets and devices of a context are not copied (docker: the same) */
}

static void extracted(void *data, const struct stat *st, const struct image_attr *a)
{
	build_attrs_add(data, st, a);
}

int build_copy_apply(const struct build_copy *c, const struct build_copy_plan *p,
		     const char *rootfs, struct build_attrs *attrs, struct qerr *err)
{
	struct apply_ctx a = { .c = c, .attrs = attrs, .rootless = geteuid() != 0, .err = err };
	bool to_dir = c->dest_is_dir || p->n_sources > 1;
	int r = 0;

	a.src_root = open(c->src->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	a.dst_root = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (a.src_root < 0 || a.dst_root < 0)
		r = qerr_set_errno(err, -errno, "%s: cannot open the source or the rootfs",
				   c->verb);
	for (size_t i = 0; r >= 0 && i < p->n_sources; i++) {
		_cleanup_close_ int s = open_in(c, a.src_root, p->sources[i], O_PATH);
		_cleanup_close_ int d = -1;
		_cleanup_free_ char *dir = NULL, *name = NULL;
		struct stat st, dst;
		const char *base = strrchr(p->sources[i], '/');

		base = base ? base + 1 : p->sources[i];
		if (s < 0 || fstat(s, &st) < 0) {
			r = qerr_set_errno(err, -errno, "%s source '%s'", c->verb, p->sources[i]);
			break;
		}
		if (S_ISDIR(st.st_mode)) {
			/* the contents of a directory go into dest */
			_cleanup_close_ int sd = openat(s, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

			r = dest_dir(&a, c->dest, &st, &d);
			if (r >= 0)
				r = sd < 0 ? qerr_set_errno(err, -errno, "cannot open '%s'",
							    p->sources[i])
					   : copy_children(&a, sd, d, p->sources[i]);
			continue;
		}
		/* ADD of a local archive: unpacked into dest, a directory */
		if (c->extract && S_ISREG(st.st_mode)) {
			_cleanup_free_ char *self = xasprintf("/proc/self/fd/%d", s);
			_cleanup_close_ int data = open(self, O_RDONLY | O_CLOEXEC);

			if (data >= 0 && image_is_archive(data)) {
				struct image_extract_opts xo = { .rootless = a.rootless,
								 .chown = c->chown_given,
								 .uid = c->uid,
								 .gid = c->gid,
								 .made = extracted,
								 .data = attrs };

				r = image_extract(data, rootfs, c->dest, &xo, err);
				continue;
			}
		}
		/* a file: dest/NAME, or dest itself (unless it is a directory already) */
		{
			struct open_how how = { .flags = O_PATH | O_CLOEXEC,
						.resolve = RESOLVE_IN_ROOT };
			_cleanup_close_ int e =
			    (int)syscall(SYS_openat2, a.dst_root, c->dest, &how, sizeof(how));

			if (to_dir || (e >= 0 && fstat(e, &dst) == 0 && S_ISDIR(dst.st_mode))) {
				dir = xstrdup(c->dest);
				name = xstrdup(base);
			} else {
				const char *slash = strrchr(c->dest, '/');

				dir = xstrndup(c->dest, (size_t)(slash - c->dest) + 1);
				name = xstrdup(slash + 1);
			}
		}
		{
			struct stat parent = st;

			parent.st_mode = S_IFDIR | 0755;
			r = dest_dir(&a, dir, &parent, &d);
		}
		if (r >= 0) {
			_cleanup_free_ char *sdir =
			    base == p->sources[i]
				? xstrdup(".")
				: xstrndup(p->sources[i], (size_t)(base - p->sources[i] - 1));
			_cleanup_close_ int sd = open_in(c, a.src_root, sdir, O_PATH | O_DIRECTORY);
			r = sd < 0 ? qerr_set_errno(err, -errno, "%s source '%s'", c->verb,
						    p->sources[i])
				   : copy_node(&a, sd, base, d, name, p->sources[i]);
		}
	}
	if (a.src_root >= 0)
		close(a.src_root);
	if (a.dst_root >= 0)
		close(a.dst_root);
	return r;
}
