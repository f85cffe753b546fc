/*
 * Layers from changes: the one tar writer behind commit, build and export. Its output is a
 * function of the files alone, so two builds of the same input give the same digests: entries
 * in the change set's order, numeric owners as the guest sees them (tree->attr), mtimes
 * clamped (SOURCE_DATE_EPOCH) and without nanoseconds, no atime, ctime, user names or pax
 * records beyond what a long name or a big number needs, and gzip without a name or a time
 * at a fixed level. One pass: the tar stream is hashed (the diff_id) on its way into the
 * compressor.
 */
#include "image/image-internal.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>

struct sink {
	int (*out)(void *data, const void *buf, size_t len, struct qerr *err);
	void *data;
	struct digest *plain; /* the diff_id */
	struct archive *gz;   /* raw gzip around the tar, or NULL */
	struct qerr *err;
	int code; /* out's error, already in err */
};

/* The end of the line: compressed bytes, or the tar itself. */
static la_ssize_t out_write(struct archive *a, void *data, const void *buf, size_t len)
{
	struct sink *s = data;
	int r;

	(void)a;
	r = s->out(s->data, buf, len, s->err);
	if (r < 0 && !s->code)
		s->code = r;
	return r < 0 ? -1 : (la_ssize_t)len;
}

static la_ssize_t tar_write(struct archive *a, void *data, const void *buf, size_t len)
{
	struct sink *s = data;

	(void)a;
	if (s->plain)
		digest_update(s->plain, buf, len);
	if (s->gz)
		return archive_write_data(s->gz, buf, len) == (la_ssize_t)len ? (la_ssize_t)len
									      : -1;
	return out_write(a, data, buf, len);
}

struct writer {
	const struct image_tree *tree;
	const struct image_layer_opts *o;
	int root;
	struct archive *a;
	struct archive_entry *e;
	struct ino_map links; /* hard links: the first name written of each inode */
	struct sink *sink;
	struct qerr *err;
};

static int fail(struct writer *w, const char *path)
{
	if (w->sink->code)
		return w->sink->code; /* the write below failed: its message says why */
	return qerr_set(w->err, -EIO, "cannot write '/%s' to the layer: %s", path,
			archive_error_string(w->a));
}

static time_t mtime_of(const struct writer *w, time_t t)
{
	return w->o->clamp_mtime >= 0 && t > w->o->clamp_mtime ? (time_t)w->o->clamp_mtime : t;
}

/*
 * ARCHIVE_WARN is no failure: a name that is not ASCII cannot be converted from qrun's C
 * locale, and the pax writer then writes it as it is with hdrcharset=BINARY (that entry
 * only; the same bytes whatever the host's locale, since qrun never calls setlocale).
 */
static int put_header(struct writer *w, const char *path)
{
	return archive_write_header(w->a, w->e) < ARCHIVE_WARN ? fail(w, path) : 0;
}

/* .wh.NAME beside path's name, or .wh..wh..opq inside directory path. */
static int put_whiteout(struct writer *w, const char *path, bool opaque)
{
	const char *slash = strrchr(path, '/');
	_cleanup_free_ char *name =
	    opaque ? xasprintf("%s/.wh..wh..opq", path)
		   : xasprintf("%.*s%s.wh.%s", slash ? (int)(slash - path) : 0, path,
			       slash ? "/" : "", slash ? slash + 1 : path);

	archive_entry_clear(w->e);
	archive_entry_set_pathname(w->e, name);
	archive_entry_set_filetype(w->e, AE_IFREG);
	archive_entry_set_perm(w->e, 0);
	archive_entry_set_size(w->e, 0);
	archive_entry_set_mtime(w->e, w->o->clamp_mtime >= 0 ? (time_t)w->o->clamp_mtime : 0, 0);
	return put_header(w, name);
}

static int open_beneath(struct writer *w, const char *path, int flags)
{
	struct open_how how = { .flags = (uint64_t)(flags | O_NOFOLLOW | O_CLOEXEC),
				.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS };

	return (int)syscall(SYS_openat2, w->root, path, &how, sizeof(how));
}

static int put_data(struct writer *w, int fd, const char *path, off_t size)
{
	char buf[128 * 1024];

	for (off_t left = size; left > 0;) {
		ssize_t n = read(fd, buf, left < (off_t)sizeof(buf) ? (size_t)left : sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return qerr_set(w->err, n < 0 ? -errno : -EIO,
					"'/%s' changed while it was read", path);
		if (archive_write_data(w->a, buf, (size_t)n) != n)
			return fail(w, path);
		left -= n;
	}
	return 0;
}

static int put_entry(struct writer *w, const char *path)
{
	_cleanup_close_ int fd = open_beneath(w, path, O_PATH);
	struct image_attr at;
	struct stat st;
	char target[PATH_MAX];
	ssize_t n;

	if (fd < 0 || fstat(fd, &st) < 0)
		return qerr_set_errno(w->err, -errno, "cannot read '/%s'", path);
	if (S_ISSOCK(st.st_mode))
		return 0; /* a tar cannot hold one; a bound socket is state, not content */
	w->tree->attr
	    ? w->tree->attr(w->tree->data, &st, &at)
	    : (void)(at = (struct image_attr){ st.st_uid, st.st_gid, st.st_mode, st.st_rdev });
	archive_entry_clear(w->e);
	archive_entry_set_pathname(w->e, path);
	archive_entry_set_filetype(w->e, at.mode & S_IFMT);
	archive_entry_set_perm(w->e, at.mode & 07777);
	archive_entry_set_uid(w->e, at.uid);
	archive_entry_set_gid(w->e, at.gid);
	archive_entry_set_mtime(w->e, mtime_of(w, st.st_mtim.tv_sec), 0);
	switch (at.mode & S_IFMT) {
	case S_IFLNK:
		n = readlinkat(fd, "", target, sizeof(target) - 1);
		if (n < 0)
			return qerr_set_errno(w->err, -errno, "cannot read '/%s'", path);
		target[n] = '\0';
		archive_entry_set_symlink(w->e, target);
		return put_header(w, path);
	case S_IFCHR:
	case S_IFBLK:
		archive_entry_set_rdev(w->e, (dev_t)at.rdev);
		return put_header(w, path);
	case S_IFREG:
		break;
	default: /* directories, fifos */
		return put_header(w, path);
	}
	if (st.st_nlink > 1) {
		struct ino_slot *first = ino_get(&w->links, st.st_dev, st.st_ino);

		if (first->path) {
			archive_entry_set_hardlink(w->e, first->path);
			archive_entry_set_size(w->e, 0);
			return put_header(w, path);
		}
		first->path = xstrdup(path);
	}
	_cleanup_close_ int data = open_beneath(w, path, O_RDONLY);

	if (data < 0)
		return qerr_set_errno(w->err, -errno, "cannot read '/%s'", path);
	archive_entry_set_size(w->e, st.st_size);
	if (put_header(w, path) < 0)
		return -EIO;
	return put_data(w, data, path, st.st_size);
}

static int write_changes(struct writer *w, const struct image_change *v, size_t n)
{
	int r = 0;

	for (size_t i = 0; r >= 0 && i < n; i++) {
		if (v[i].kind == IMAGE_CHANGE_DELETED || v[i].replaced)
			r = put_whiteout(w, v[i].path, false);
		if (r >= 0 && v[i].kind != IMAGE_CHANGE_DELETED)
			r = put_entry(w, v[i].path);
		if (r >= 0 && v[i].opaque)
			r = put_whiteout(w, v[i].path, true);
	}
	return r;
}

static struct archive *gzip_open(struct sink *s, struct qerr *err)
{
	struct archive *gz = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	int r;

	if (!gz || !e)
		abort();
	archive_write_set_format_raw(gz);
	archive_write_add_filter_gzip(gz);
	archive_write_set_bytes_per_block(gz, 0);
	r = archive_write_set_options(gz, "gzip:!timestamp,gzip:compression-level=6");
	if (r == ARCHIVE_OK)
		r = archive_write_open2(gz, s, NULL, out_write, NULL, NULL);
	archive_entry_set_filetype(e, AE_IFREG);
	if (r == ARCHIVE_OK)
		r = archive_write_header(gz, e);
	archive_entry_free(e);
	if (r != ARCHIVE_OK) {
		qerr_set(err, -EIO, "cannot start gzip: %s", archive_error_string(gz));
		archive_write_free(gz);
		return NULL;
	}
	return gz;
}

int layer_write(const struct image_tree *tree, const struct image_change *v, size_t n,
		const struct image_layer_opts *o,
		int (*out)(void *data, const void *buf, size_t len, struct qerr *err), void *data,
		char *ret_diff_id, struct qerr *err)
{
	struct sink s = { .out = out, .data = data, .err = err };
	struct writer w = { .tree = tree, .o = o, .sink = &s, .err = err };
	int r = 0;

	w.root = open(tree->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (w.root < 0)
		return qerr_set_errno(err, -errno, "cannot open '%s'", tree->dir);
	if (o->gzip && !(s.gz = gzip_open(&s, err))) {
		close(w.root);
		return -EIO;
	}
	if (ret_diff_id)
		s.plain = digest_new();
	w.a = archive_write_new();
	w.e = archive_entry_new();
	if (!w.a || !w.e)
		abort();
	archive_write_set_format_pax_restricted(w.a);
	archive_write_set_bytes_in_last_block(w.a, 1);
	if (archive_write_open2(w.a, &s, NULL, tar_write, NULL, NULL) != ARCHIVE_OK)
		r = qerr_set(err, -EIO, "cannot write the layer: %s", archive_error_string(w.a));
	if (r >= 0)
		r = write_changes(&w, v, n);
	if (r >= 0 && archive_write_close(w.a) != ARCHIVE_OK)
		r = s.code ? s.code
			   : qerr_set(err, -EIO, "cannot write the layer: %s",
				      archive_error_string(w.a));
	if (r >= 0 && s.gz && archive_write_close(s.gz) != ARCHIVE_OK)
		r = s.code ? s.code
			   : qerr_set(err, -EIO, "cannot compress the layer: %s",
				      archive_error_string(s.gz));
	if (r >= 0 && ret_diff_id)
		digest_final(s.plain, ret_diff_id);
	archive_write_free(w.a);
	archive_entry_free(w.e);
	if (s.gz)
		archive_write_free(s.gz);
	digest_free(s.plain);
	ino_release(&w.links);
	close(w.root);
	return r;
}

static int fd_out(void *data, const void *buf, size_t len, struct qerr *err)
{
	return write_all(*(int *)data, buf, len) < 0
		   ? qerr_set_errno(err, -errno, "cannot write the archive")
		   : 0;
}

int image_layer_write(const struct image_tree *tree, const struct image_change *v, size_t n,
		      const struct image_layer_opts *o, int fd, char *ret_diff_id, struct qerr *err)
{
	return layer_write(tree, v, n, o, fd_out, &fd, ret_diff_id, err);
}
