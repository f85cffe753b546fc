/*
 * Applying one layer to a tree: the only place that extracts image content.
 *
 * The blob is read in two stages so that one pass does everything: an outer libarchive reader
 * (format "raw", gzip/zstd/xz/bzip2 detected by magic) yields the uncompressed tar stream, which
 * is hashed for the diff_id and fed to an inner tar reader. Entries are checked here before
 * libarchive's disk writer (with its own SECURE_* checks as a second net) creates them:
 *   - names are normalised; absolute names and ".." components are refused;
 *   - no parent of an entry, a whiteout or a hard-link target may be a symlink (or a
 *     non-directory): nothing is created or removed outside the tree;
 *   - OCI whiteouts (.wh.NAME, .wh..wh..opq) are matched by name whatever the entry type;
 *     an opaque whiteout clears what lower layers put in its directory, never what this layer
 *     added (so its position among its siblings does not matter);
 *   - a path that exists is removed before it is replaced (unless a directory stays a
 *     directory): the file below may be a hard link shared with a lower snapshot.
 * Unprivileged, owners and device nodes go into the metadata store (image.h).
 */
#include "image/image-internal.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>

#include "common/arch.h"

#define WH_PREFIX ".wh."
#define WH_OPAQUE ".wh..wh..opq"

struct layer_ctx {
	const struct layer_apply *la;
	struct archive *outer;
	struct archive *inner;
	struct archive *disk;
	struct digest *diff;
	int dirfd;
	bool root;
	struct meta *created; /* used as a set: paths this layer made */
	struct meta *dirs_ok; /* set: directories checked to be real ones (see check_dirs) */
	uint64_t reported;
	/* layer_scan */
	bool scan;
	bool found;
	bool found_in_bin;
	struct spec_platform platform;
	/* layer_apply: decompression and hashing run in a thread feeding a pipe */
	bool threaded;
	pthread_t thread;
	int pipe_r, pipe_w;
	int prod_err; /* -errno or -EBADMSG from the producer */
	char prod_msg[256];
};

/* ---- the two-stage reader ------------------------------------------------------------- */

static la_ssize_t inner_read(struct archive *a, void *data, const void **buf)
{
	struct layer_ctx *c = data;
	la_int64_t off;
	size_t n;
	int r;

	(void)a;

	r = archive_read_data_block(c->outer, buf, &n, &off);
	if (r == ARCHIVE_EOF)
		return 0;
	if (r < ARCHIVE_OK) {
		/* Kept for inner_error(): the tar reader only knows its read failed. */
		c->prod_err = -EBADMSG;
		(void)snprintf(c->prod_msg, sizeof(c->prod_msg), "%s",
			       archive_error_string(c->outer));
		return -1;
	}
	digest_update(c->diff, *buf, n);
	if (c->la && c->la->progress && c->la->progress->update) {
		uint64_t done = (uint64_t)archive_filter_bytes(c->outer, -1);

		if (done - c->reported >= (1u << 20)) {
			c->reported = done;
			c->la->progress->update(c->la->progress->data, c->la->label, done,
						c->la->blob_size);
		}
	}
	return (la_ssize_t)n;
}

/*
 * The producer thread: decompress, hash and hand the tar stream to the extracting thread
 * through a pipe, so that both cores work, as with `tar -xz` (tar and gzip).
 */
static void *produce(void *data)
{
	struct layer_ctx *c = data;
	sigset_t pipe_sig;
	const void *buf;
	size_t n;
	la_int64_t off;
	int r;

	/* The reader may stop early (a bad entry): then writes fail with EPIPE, no signal. */
	sigemptyset(&pipe_sig);
	sigaddset(&pipe_sig, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_sig, NULL);
	while ((r = archive_read_data_block(c->outer, &buf, &n, &off)) == ARCHIVE_OK) {
		digest_update(c->diff, buf, n);
		if (write_all(c->pipe_w, buf, n) < 0) {
			c->prod_err = -EPIPE;
			break;
		}
		if (c->la->progress && c->la->progress->update) {
			uint64_t done = (uint64_t)archive_filter_bytes(c->outer, -1);

			if (done - c->reported >= (1u << 20)) {
				c->reported = done;
				c->la->progress->update(c->la->progress->data, c->la->label, done,
							c->la->blob_size);
			}
		}
	}
	if (r != ARCHIVE_EOF && r != ARCHIVE_OK) {
		c->prod_err = -EBADMSG;
		(void)snprintf(c->prod_msg, sizeof(c->prod_msg), "%s",
			       archive_error_string(c->outer));
	}
	close(c->pipe_w);
	c->pipe_w = -1;
	return NULL;
}

/* Wait for the producer; with drain, read what the tar reader left (padding) first. */
static void stop_producer(struct layer_ctx *c, bool drain)
{
	char buf[65536];

	if (!c->threaded)
		return;
	while (drain && read(c->pipe_r, buf, sizeof(buf)) > 0)
		;
	close(c->pipe_r);
	c->pipe_r = -1;
	pthread_join(c->thread, NULL);
	c->threaded = false;
}

/*
 * Why the tar reader stopped: when decompression failed (a truncated gzip stream, say), the
 * tar reader only sees its input end early; the producer knows the real cause.
 */
static const char *inner_error(struct layer_ctx *c)
{
	stop_producer(c, false);
	if (c->prod_err == -EBADMSG && c->prod_msg[0])
		return c->prod_msg;
	return archive_error_string(c->inner);
}

static int open_reader(struct layer_ctx *c, int fd, const char *what, struct qerr *err)
{
	struct archive_entry *e;

	c->outer = archive_read_new();
	c->inner = archive_read_new();
	if (!c->outer || !c->inner)
		abort();
	/*
	 * Not archive_read_support_filter_all: it also enables filters that run external
	 * programs (lrzip, lzop, grzip). Layers are tar, gzip or zstd; xz and bzip2 are accepted
	 * for imports.
	 */
	archive_read_support_filter_gzip(c->outer);
	archive_read_support_filter_zstd(c->outer);
	archive_read_support_filter_xz(c->outer);
	archive_read_support_filter_bzip2(c->outer);
	archive_read_support_format_raw(c->outer);
	if (archive_read_open_fd(c->outer, fd, 64 * 1024) != ARCHIVE_OK ||
	    archive_read_next_header(c->outer, &e) != ARCHIVE_OK)
		return qerr_set(err, -EBADMSG, "%s: cannot read: %s", what,
				archive_error_string(c->outer));
	archive_read_support_format_tar(c->inner);
	if (c->threaded) {
		int p[2];

		c->threaded = false;
		if (pipe2(p, O_CLOEXEC) < 0)
			return qerr_set_errno(err, -errno, "%s: pipe", what);
		c->pipe_r = p[0];
		c->pipe_w = p[1];
		if (pthread_create(&c->thread, NULL, produce, c) != 0) {
			close(p[0]);
			close(p[1]);
			return qerr_set(err, -EAGAIN, "%s: cannot start a thread", what);
		}
		c->threaded = true;
		if (archive_read_open_fd(c->inner, c->pipe_r, 64 * 1024) != ARCHIVE_OK)
			return qerr_set(err, -EBADMSG, "%s: not a tar archive: %s", what,
					archive_error_string(c->inner));
		return 0;
	}
	if (archive_read_open(c->inner, c, NULL, inner_read, NULL) != ARCHIVE_OK)
		return qerr_set(err, -EBADMSG, "%s: not a tar archive: %s", what,
				archive_error_string(c->inner));
	return 0;
}

/* After the tar's end: hash what is left (padding) and compare with the diff_id. */
static int finish_reader(struct layer_ctx *c, const char *what, char ret_diff[72], struct qerr *err)
{
	const void *buf;
	size_t n;
	la_int64_t off;
	int r;

	if (c->threaded) {
		stop_producer(c, true);
		if (c->prod_err < 0)
			return qerr_set(err, -EBADMSG, "%s: %s", what,
					c->prod_msg[0] ? c->prod_msg : "cannot read");
		digest_final(c->diff, ret_diff);
		return 0;
	}
	while ((r = archive_read_data_block(c->outer, &buf, &n, &off)) == ARCHIVE_OK)
		digest_update(c->diff, buf, n);
	if (r != ARCHIVE_EOF)
		return qerr_set(err, -EBADMSG, "%s: %s", what, archive_error_string(c->outer));
	digest_final(c->diff, ret_diff);
	return 0;
}

static void release(struct layer_ctx *c)
{
	/* The tar reader first: it may hold the pipe's read end the producer writes to. */
	if (c->inner && c->threaded) {
		archive_read_free(c->inner);
		c->inner = NULL;
	}
	stop_producer(c, false);
	if (c->inner)
		archive_read_free(c->inner);
	if (c->outer)
		archive_read_free(c->outer);
	if (c->disk)
		archive_write_free(c->disk);
	digest_free(c->diff);
	meta_free(c->created);
	meta_free(c->dirs_ok);
	spec_platform_release(&c->platform);
}

/* ---- names ---------------------------------------------------------------------------- */

/*
 * Normalise a tar name: strip "./", collapse "//" and "." components, drop trailing "/".
 * Absolute names and ".." are refused. "" is the root of the tree.
 */
int layer_normalise(const char *raw, char **ret, const char *what, struct qerr *err)
{
	size_t len = strlen(raw);
	char *out = xmalloc(len + 1), *o = out;
	const char *p = raw;

	if (raw[0] == '/') {
		free(out);
		return qerr_set(err, -EPERM, "%s: entry '%s': absolute names are not allowed", what,
				raw);
	}
	while (*p) {
		const char *end = strchrnul(p, '/');
		size_t n = (size_t)(end - p);

		if (n == 2 && p[0] == '.' && p[1] == '.') {
			free(out);
			return qerr_set(err, -EPERM, "%s: entry '%s': '..' is not allowed", what,
					raw);
		}
		if (n > 0 && !(n == 1 && p[0] == '.')) {
			if (o != out)
				*o++ = '/';
			memcpy(o, p, n);
			o += n;
		}
		p = *end ? end + 1 : end;
	}
	*o = '\0';
	*ret = out;
	return 0;
}

/*
 * Every component of dir (a normalised path, "" for the root) must be a real directory below
 * the tree, or missing (only when missing_ok). Returns 1 when all exist, 0 when some do not.
 */
static int check_dirs(struct layer_ctx *c, const char *dir, bool missing_ok, const char *entry,
		      struct qerr *err)
{
	_cleanup_free_ char *p = xstrdup(dir);
	int fd = -1, at = c->dirfd;
	char *s = p;

	if (!*p)
		return 1;
	/* Entries come grouped by directory: most checks are of a directory just checked. */
	if (c->dirs_ok && meta_get(c->dirs_ok, dir))
		return 1;
	for (;;) {
		char *slash = strchr(s, '/');
		int nfd;

		if (slash)
			*slash = '\0';
		nfd = openat(at, s, O_PATH | O_NOFOLLOW | O_DIRECTORY | O_CLOEXEC);
		if (nfd < 0) {
			int e = errno;

			if (fd >= 0)
				close(fd);
			if (e == ENOENT && missing_ok)
				return 0;
			if (e == ENOENT)
				return qerr_set(err, -ENOENT, "%s: entry '%s': '%s' does not exist",
						c->la->what, entry, p);
			if (slash)
				*slash = '/';
			return qerr_set(err, -EPERM,
					"%s: entry '%s': '%.*s' is a symlink or not a directory; "
					"refusing to go through it",
					c->la->what, entry, (int)(s - p + strlen(s)), p);
		}
		if (fd >= 0)
			close(fd);
		fd = at = nfd;
		if (!slash)
			break;
		*slash = '/';
		s = slash + 1;
	}
	close(fd);
	if (c->dirs_ok)
		meta_set(c->dirs_ok, dir, 0, 0, 0, 0);
	return 1;
}

static void split(const char *path, char **ret_parent, const char **ret_base)
{
	const char *slash = strrchr(path, '/');

	*ret_parent = slash ? xstrndup(path, (size_t)(slash - path)) : xstrdup("");
	*ret_base = slash ? slash + 1 : path;
}

static char *join(const char *dir, const char *name)
{
	return *dir ? xasprintf("%s/%s", dir, name) : xstrdup(name);
}

/* ---- whiteouts ------------------------------------------------------------------------ */

static int remove_path(struct layer_ctx *c, const char *path, struct qerr *err)
{
	int r = rm_rf_at(c->dirfd, path);

	if (c->dirs_ok)
		meta_remove_tree(c->dirs_ok, path);

	if (r < 0 && r != -ENOENT)
		return qerr_set_errno(err, r, "%s: cannot remove '%s'", c->la->what, path);
	if (c->la->meta)
		meta_remove_tree(c->la->meta, path);
	return 0;
}

static int apply_opaque(struct layer_ctx *c, const char *dir, const char *entry, struct qerr *err)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	int r, fd;

	r = check_dirs(c, dir, true, entry, err);
	if (r <= 0)
		return r;
	fd = openat(c->dirfd, *dir ? dir : ".", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || !(d = fdopendir(fd))) {
		r = -errno;
		if (fd >= 0)
			close(fd);
		return qerr_set_errno(err, r, "%s: opaque whiteout '%s'", c->la->what, entry);
	}
	while ((de = readdir(d))) {
		_cleanup_free_ char *child = NULL;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		child = join(dir, de->d_name);
		if (meta_get(c->created, child))
			continue;
		r = remove_path(c, child, err);
		if (r < 0)
			return r;
	}
	return 0;
}

static int apply_whiteout(struct layer_ctx *c, const char *dir, const char *base, const char *entry,
			  struct qerr *err)
{
	_cleanup_free_ char *victim = NULL;
	const char *name = base + strlen(WH_PREFIX);
	int r;

	if (!strcmp(base, WH_OPAQUE))
		return apply_opaque(c, dir, entry, err);
	if (!*name || !strcmp(name, ".") || !strcmp(name, ".."))
		return qerr_set(err, -EPERM, "%s: entry '%s': not a valid whiteout", c->la->what,
				entry);
	r = check_dirs(c, dir, true, entry, err);
	if (r <= 0)
		return r;
	victim = join(dir, name);
	/* A whiteout never hides what its own layer adds (that would be an invalid layer). */
	if (meta_get(c->created, victim))
		return 0;
	return remove_path(c, victim, err);
}

/* ---- entries -------------------------------------------------------------------------- */

static mode_t disk_mode(mode_t mode)
{
	/* What an unprivileged owner must keep to go on using the tree: u+rw, dirs u+rwx. */
	if (S_ISDIR(mode))
		return (mode & 07777) | 0700;
	return (mode & 07777) | 0600;
}

/* Unprivileged: record what cannot be applied and make the entry something we can create. */
static void rootless_entry(struct layer_ctx *c, struct archive_entry *e, const char *path,
			   const char *link)
{
	mode_t mode = archive_entry_mode(e);
	uid_t uid = (uid_t)archive_entry_uid(e);
	gid_t gid = (gid_t)archive_entry_gid(e);
	dev_t rdev = archive_entry_rdev(e);

	if (link) {
		const struct meta_entry *t = meta_get(c->la->meta, link);

		if (t)
			meta_set(c->la->meta, path, t->mode, t->uid, t->gid, t->rdev);
		return;
	}
	if (S_ISCHR(mode) || S_ISBLK(mode)) {
		meta_set(c->la->meta, path, mode, uid, gid, rdev);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0600);
		archive_entry_set_size(e, 0);
		return;
	}
	if (S_ISLNK(mode)) {
		if (uid || gid)
			meta_set(c->la->meta, path, mode, uid, gid, 0);
		return;
	}
	if (uid || gid || disk_mode(mode) != (mode & 07777))
		meta_set(c->la->meta, path, mode, uid, gid, 0);
	archive_entry_set_perm(e, disk_mode(mode));
	/*
	 * The file will be ours: say so, or libarchive drops setuid/setgid bits it believes
	 * belong to another owner (they are harmless on a file the user owns).
	 */
	archive_entry_set_uid(e, geteuid());
	archive_entry_set_gid(e, getegid());
}

static int copy_data(struct layer_ctx *c, const char *path, struct qerr *err)
{
	const void *buf;
	size_t n;
	la_int64_t off;
	int r;

	while ((r = archive_read_data_block(c->inner, &buf, &n, &off)) == ARCHIVE_OK) {
		if (archive_write_data_block(c->disk, buf, n, off) < ARCHIVE_OK)
			return qerr_set(err, -EIO, "%s: '%s': %s", c->la->what, path,
					archive_error_string(c->disk));
	}
	if (r != ARCHIVE_EOF)
		return qerr_set(err, -EBADMSG, "%s: '%s': %s", c->la->what, path, inner_error(c));
	return 0;
}

static int apply_entry(struct layer_ctx *c, struct archive_entry *e, struct qerr *err)
{
	const char *raw = archive_entry_pathname(e);
	const char *hl = archive_entry_hardlink(e);
	_cleanup_free_ char *path = NULL, *parent = NULL, *link = NULL;
	const char *base;
	struct stat st;
	int r;

	if (!raw)
		return qerr_set(err, -EBADMSG, "%s: an entry has no name", c->la->what);
	r = layer_normalise(raw, &path, c->la->what, err);
	if (r < 0)
		return r;
	if (!*path)
		return 0; /* "./": the root itself keeps the mode the tree has */
	split(path, &parent, &base);
	if (str_has_prefix(base, WH_PREFIX))
		return apply_whiteout(c, parent, base, raw, err);
	r = check_dirs(c, parent, true, raw, err);
	if (r < 0)
		return r;
	if (hl) {
		_cleanup_free_ char *lparent = NULL;
		const char *lbase;

		r = layer_normalise(hl, &link, c->la->what, err);
		if (r < 0)
			return r;
		if (!*link)
			return qerr_set(err, -EPERM, "%s: entry '%s': hard link to the root",
					c->la->what, raw);
		split(link, &lparent, &lbase);
		r = check_dirs(c, lparent, false, raw, err);
		if (r < 0)
			return r;
		if (fstatat(c->dirfd, link, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return qerr_set(err, -ENOENT,
					"%s: entry '%s': hard link target '%s' does not exist",
					c->la->what, raw, hl);
		if (S_ISDIR(st.st_mode))
			return qerr_set(err, -EPERM,
					"%s: entry '%s': hard link target '%s' is a directory",
					c->la->what, raw, hl);
		if (!strcmp(link, path))
			return 0;
		archive_entry_set_hardlink(e, link);
		/* A hard link's data is the target's: never write through the shared inode. */
		archive_entry_set_size(e, 0);
	}
	if (fstatat(c->dirfd, path, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
	    !(S_ISDIR(st.st_mode) && archive_entry_filetype(e) == AE_IFDIR)) {
		r = remove_path(c, path, err);
		if (r < 0)
			return r;
	} else if (c->la->meta) {
		meta_remove(c->la->meta, path); /* a directory kept: its record is redone */
	}
	meta_set(c->created, path, 0, 0, 0, 0);
	if (c->la->meta)
		rootless_entry(c, e, path, link);
	archive_entry_set_pathname(e, path);
	r = archive_write_header(c->disk, e);
	if (r < ARCHIVE_WARN)
		return qerr_set(err, -EIO, "%s: cannot create '%s': %s", c->la->what, path,
				archive_error_string(c->disk));
	if (r == ARCHIVE_WARN)
		qlog_debug("%s: '%s': %s", c->la->what, path, archive_error_string(c->disk));
	if (archive_entry_size(e) > 0) {
		r = copy_data(c, path, err);
		if (r < 0)
			return r;
	}
	r = archive_write_finish_entry(c->disk);
	if (r < ARCHIVE_WARN)
		return qerr_set(err, -EIO, "%s: cannot write '%s': %s", c->la->what, path,
				archive_error_string(c->disk));
	return 0;
}

static int apply_all(struct layer_ctx *c, struct qerr *err)
{
	struct archive_entry *e;
	int r;

	for (;;) {
		r = archive_read_next_header(c->inner, &e);
		if (r == ARCHIVE_EOF)
			break;
		if (r < ARCHIVE_WARN)
			return qerr_set(err, -EBADMSG, "%s: damaged or truncated: %s", c->la->what,
					inner_error(c));
		r = apply_entry(c, e, err);
		if (r < 0)
			return r;
	}
	r = archive_write_close(c->disk);
	if (r < ARCHIVE_WARN)
		return qerr_set(err, -EIO, "%s: %s", c->la->what, archive_error_string(c->disk));
	return 0;
}

/* What the extracting thread is given and answers. */
struct extract {
	struct layer_ctx *c;
	struct qerr *err;
	char diff[72];
	int r;
};

/*
 * libarchive's disk writer works relative to the current directory, so the entries are
 * written by a thread with a working directory of its own (unshare(CLONE_FS)) in the layer's
 * directory. qrun's own working directory is never left: a user may be in one they cannot
 * open again (sudo -u alice qrun ... from /root), which made every unpack fail there.
 */
static void *extract_main(void *arg)
{
	struct extract *x = arg;

	if (unshare(CLONE_FS) < 0 || fchdir(x->c->dirfd) < 0) {
		x->r = qerr_set_errno(x->err, -errno, "%s: cannot enter '%s'", x->c->la->what,
				      x->c->la->dir);
		return NULL;
	}
	x->r = apply_all(x->c, x->err);
	if (x->r >= 0)
		x->r = finish_reader(x->c, x->c->la->what, x->diff, x->err);
	return NULL;
}

int layer_apply(const struct layer_apply *la, struct qerr *err)
{
	struct layer_ctx c = {
		.la = la,
		.dirfd = -1,
		.root = geteuid() == 0,
		.threaded = true,
		.pipe_r = -1,
		.pipe_w = -1,
	};
	int flags = ARCHIVE_EXTRACT_TIME | ARCHIVE_EXTRACT_PERM | ARCHIVE_EXTRACT_XATTR |
		    ARCHIVE_EXTRACT_UNLINK | ARCHIVE_EXTRACT_SECURE_SYMLINKS |
		    ARCHIVE_EXTRACT_SECURE_NODOTDOT | ARCHIVE_EXTRACT_SECURE_NOABSOLUTEPATHS;
	struct extract x = { .c = &c, .err = err, .r = 0 };
	pthread_t th;
	int r;

	c.diff = digest_new();
	c.created = meta_new();
	c.dirs_ok = meta_new();
	c.dirfd = open(la->dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (c.dirfd < 0) {
		r = qerr_set_errno(err, -errno, "%s: cannot open '%s'", la->what, la->dir);
		goto out;
	}
	if (c.root)
		flags |= ARCHIVE_EXTRACT_OWNER;
	c.disk = archive_write_disk_new();
	if (!c.disk)
		abort();
	/* No name lookups: uid/gid in an image are numbers of the image's own user database. */
	archive_write_disk_set_options(c.disk, flags);
	r = open_reader(&c, la->blob_fd, la->what, err);
	if (r < 0)
		goto out;
	r = pthread_create(&th, NULL, extract_main, &x);
	if (r != 0) {
		r = qerr_set_errno(err, -r, "%s: cannot start the extracting thread", la->what);
		goto out;
	}
	(void)pthread_join(th, NULL);
	r = x.r;
	if (r >= 0 && la->diff_id && strcmp(x.diff, la->diff_id) != 0)
		r = qerr_set(err, -EBADMSG,
			     "%s: uncompressed content is %s, the image config says %s", la->what,
			     x.diff, la->diff_id);
	if (r >= 0 && la->progress && la->progress->finish)
		la->progress->finish(la->progress->data, la->label, la->blob_size);
out:
	if (c.dirfd >= 0)
		close(c.dirfd);
	release(&c);
	return r;
}

/* ---- scanning (import) ---------------------------------------------------------------- */

static bool in_bin_dir(const char *path)
{
	static const char *const dirs[] = { "bin/", "sbin/", "usr/bin/", "usr/sbin/" };

	for (size_t i = 0; i < ARRAY_SIZE(dirs); i++)
		if (str_has_prefix(path, dirs[i]))
			return true;
	return false;
}

static void scan_elf(struct layer_ctx *c, const char *path)
{
	unsigned char h[64];
	size_t got = 0;
	const struct arch *a;
	bool bin = in_bin_dir(path);

	if (c->found_in_bin || (c->found && !bin))
		return;
	while (got < sizeof(h)) {
		la_ssize_t n = archive_read_data(c->inner, h + got, sizeof(h) - got);

		if (n <= 0)
			break;
		got += (size_t)n;
	}
	a = arch_find_elf(h, got);
	if (!a)
		return;
	spec_platform_release(&c->platform);
	spec_platform_from_arch(a, &c->platform);
	c->found = true;
	c->found_in_bin = bin;
}

int layer_scan(int fd, char ret_diff_id[72], struct spec_platform *ret_platform, bool *ret_found,
	       struct qerr *err)
{
	struct layer_apply la = { .what = "tarball" };
	struct layer_ctx c = { .la = &la, .scan = true, .pipe_r = -1, .pipe_w = -1 };
	struct archive_entry *e;
	int r;

	c.diff = digest_new();
	r = open_reader(&c, fd, la.what, err);
	while (r >= 0) {
		_cleanup_free_ char *path = NULL;

		r = archive_read_next_header(c.inner, &e);
		if (r == ARCHIVE_EOF) {
			r = 0;
			break;
		}
		if (r < ARCHIVE_WARN) {
			r = qerr_set(err, -EBADMSG, "tarball: damaged or truncated: %s",
				     archive_error_string(c.inner));
			break;
		}
		r = layer_normalise(archive_entry_pathname(e) ? archive_entry_pathname(e) : "",
				    &path, la.what, err);
		if (r >= 0 && archive_entry_filetype(e) == AE_IFREG && !archive_entry_hardlink(e))
			scan_elf(&c, path);
	}
	if (r >= 0)
		r = finish_reader(&c, la.what, ret_diff_id, err);
	if (r >= 0) {
		*ret_found = c.found;
		*ret_platform = c.platform;
		c.platform = (struct spec_platform){ 0 };
	}
	release(&c);
	return r;
}
