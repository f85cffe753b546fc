/*
 * Image archives in and out (libarchive; layer.c handles layer contents). In: a tar (any
 * compression) is streamed once, every regular file going to a staging file while it is
 * hashed, so a multi-gigabyte docker-archive is never held in memory nor written twice. Out: an
 * uncompressed pax tar for save.
 */
#include "image/image-internal.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>

#define SMALL_MAX (4u << 20)

void archive_files_release(struct archive_files *f)
{
	for (size_t i = 0; i < f->n; i++) {
		free(f->v[i].name);
		free(f->v[i].link);
		if (f->v[i].staged)
			(void)unlink(f->v[i].staged);
		free(f->v[i].staged);
		free(f->v[i].data);
	}
	free(f->v);
	*f = (struct archive_files){ 0 };
}

/* Normalise a name inside the archive; NULL when it leaves the archive root. */
static char *clean_name(const char *dir, const char *raw)
{
	size_t cap = strlen(dir) + strlen(raw) + 2;
	char *out = xmalloc(cap), *o = out;
	_cleanup_free_ char *all =
	    *dir && raw[0] != '/' ? xasprintf("%s/%s", dir, raw) : xstrdup(raw);
	const char *p = all;

	while (*p) {
		const char *end = strchrnul(p, '/');
		size_t n = (size_t)(end - p);

		if (n == 2 && p[0] == '.' && p[1] == '.') {
			char *slash;

			if (o == out) {
				free(out);
				return NULL;
			}
			*o = '\0';
			slash = strrchr(out, '/');
			o = slash ? slash : out;
		} else if (n > 0 && !(n == 1 && p[0] == '.')) {
			if (o != out)
				*o++ = '/';
			memcpy(o, p, n);
			o += n;
		}
		p = *end ? end + 1 : end;
	}
	*o = '\0';
	return out;
}

const struct archive_file *archive_files_find(const struct archive_files *f, const char *name)
{
	_cleanup_free_ char *cur = clean_name("", name);

	for (unsigned hops = 0; cur && hops < 16; hops++) {
		const struct archive_file *hit = NULL;

		for (size_t i = 0; i < f->n; i++)
			if (!strcmp(f->v[i].name, cur))
				hit = &f->v[i];
		if (!hit || !hit->link)
			return hit;
		free(cur);
		cur = xstrdup(hit->link);
	}
	return NULL;
}

static bool keep_in_memory(const char *name, int64_t size)
{
	const char *base = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;

	return size >= 0 && size <= SMALL_MAX &&
	       (str_has_suffix(base, ".json") || !strcmp(base, "oci-layout") ||
		!strcmp(base, "repositories"));
}

static int stage_file(struct archive *a, struct archive_file *af, const char *dir,
		      const struct image_progress *progress, struct qerr *err)
{
	struct blob_writer w;
	const void *buf;
	size_t n;
	la_int64_t off;
	int r;

	r = blob_writer_open(&w, dir, err);
	if (r < 0)
		return r;
	while ((r = archive_read_data_block(a, &buf, &n, &off)) == ARCHIVE_OK) {
		r = blob_writer_write(&w, buf, n, err);
		if (r < 0)
			goto out;
		if (af->data && af->data_len + n > af->data_cap) {
			free(af->data); /* more data than the header said: not a small file */
			af->data = NULL;
		}
		if (af->data) {
			memcpy(af->data + af->data_len, buf, n);
			af->data_len += n;
		}
		if (progress && progress->update && (w.size & ((1u << 20) - 1)) < n)
			progress->update(progress->data, "reading archive",
					 (uint64_t)archive_filter_bytes(a, -1), 0);
	}
	if (r != ARCHIVE_EOF) {
		r = qerr_set(err, -EBADMSG, "archive: '%s': %s", af->name, archive_error_string(a));
		goto out;
	}
	r = blob_writer_finish(&w, af->digest, err);
	if (r < 0)
		goto out;
	af->size = w.size;
	af->staged = TAKE_PTR(w.path);
out:
	blob_writer_release(&w);
	return r;
}

int archive_stage(int fd, const char *dir, int dirfd, const struct image_progress *progress,
		  struct archive_files *ret, struct qerr *err)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	struct archive_files f = { 0 };
	size_t alloc = 0;
	int r;

	(void)dirfd;
	if (!a)
		abort();
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_zstd(a);
	archive_read_support_filter_xz(a);
	archive_read_support_filter_bzip2(a);
	archive_read_support_format_tar(a);
	if (archive_read_open_fd(a, fd, 64 * 1024) != ARCHIVE_OK) {
		r = qerr_set(err, -EBADMSG, "archive: %s", archive_error_string(a));
		goto out;
	}
	for (;;) {
		struct archive_file *af;
		_cleanup_free_ char *name = NULL;
		mode_t type;

		r = archive_read_next_header(a, &e);
		if (r == ARCHIVE_EOF) {
			r = 0;
			break;
		}
		if (r < ARCHIVE_WARN) {
			r = qerr_set(err, -EBADMSG, "archive: not a tar archive, or damaged: %s",
				     archive_error_string(a));
			goto out;
		}
		type = archive_entry_filetype(e);
		if (type != AE_IFREG && type != AE_IFLNK)
			continue;
		name = clean_name("", archive_entry_pathname(e) ? archive_entry_pathname(e) : "");
		if (!name || !*name || archive_entry_pathname(e)[0] == '/') {
			r = qerr_set(err, -EPERM, "archive: entry '%s' points outside the archive",
				     archive_entry_pathname(e));
			goto out;
		}
		f.v = xgrow(f.v, sizeof(*f.v), f.n + 1, &alloc);
		af = &f.v[f.n++];
		*af = (struct archive_file){ .name = TAKE_PTR(name) };
		if (type == AE_IFLNK) {
			_cleanup_free_ char *d = xstrdup(af->name);
			char *slash = strrchr(d, '/');

			if (slash)
				*slash = '\0';
			else
				d[0] = '\0';
			const char *target =
			    archive_entry_symlink(e) ? archive_entry_symlink(e) : "";

			af->link = clean_name(d, target);
			if (!af->link || target[0] == '/') {
				r = qerr_set(err, -EPERM,
					     "archive: symlink '%s' points outside the archive",
					     af->name);
				goto out;
			}
			continue;
		}
		if (keep_in_memory(af->name, archive_entry_size(e))) {
			af->data_cap = (size_t)archive_entry_size(e);
			af->data = xmalloc(af->data_cap + 1);
		}
		r = stage_file(a, af, dir, progress, err);
		if (r < 0)
			goto out;
		if (af->data) {
			af->data[af->data_len] = '\0';
			if (af->data_len != af->size) {
				free(af->data);
				af->data = NULL;
			}
		}
	}
	if (progress && progress->finish)
		progress->finish(progress->data, "reading archive",
				 (uint64_t)archive_filter_bytes(a, -1));
	*ret = f;
	f = (struct archive_files){ 0 };
out:
	archive_files_release(&f);
	archive_read_free(a);
	return r;
}

/* ---- writing ----------------------------------------------------------------------------- */

struct tar_out {
	struct archive *a;
	struct archive_entry *e;
};

struct tar_out *tar_out_new(int fd, struct qerr *err)
{
	struct tar_out *t = xcalloc(1, sizeof(*t));

	t->a = archive_write_new();
	t->e = archive_entry_new();
	if (!t->a || !t->e)
		abort();
	archive_write_set_format_pax_restricted(t->a);
	archive_write_set_bytes_in_last_block(t->a, 1);
	if (archive_write_open_fd(t->a, fd) != ARCHIVE_OK) {
		qerr_set(err, -EIO, "cannot write the archive: %s", archive_error_string(t->a));
		return tar_out_free(t);
	}
	return t;
}

static int tar_header(struct tar_out *t, const char *name, mode_t type, uint64_t size,
		      struct qerr *err)
{
	archive_entry_clear(t->e);
	archive_entry_set_pathname(t->e, name);
	archive_entry_set_filetype(t->e, type);
	archive_entry_set_perm(t->e, type == AE_IFDIR ? 0755 : 0644);
	archive_entry_set_size(t->e, (la_int64_t)size);
	/* Fixed times and owners: the same images give the same archive. */
	archive_entry_set_mtime(t->e, 0, 0);
	if (archive_write_header(t->a, t->e) != ARCHIVE_OK)
		return qerr_set(err, -EIO, "cannot write '%s': %s", name,
				archive_error_string(t->a));
	return 0;
}

int tar_out_dir(struct tar_out *t, const char *name, struct qerr *err)
{
	return tar_header(t, name, AE_IFDIR, 0, err);
}

int tar_out_buffer(struct tar_out *t, const char *name, const void *buf, size_t len,
		   struct qerr *err)
{
	int r = tar_header(t, name, AE_IFREG, len, err);

	if (r >= 0 && len && archive_write_data(t->a, buf, len) != (la_ssize_t)len)
		return qerr_set(err, -EIO, "cannot write '%s': %s", name,
				archive_error_string(t->a));
	return r;
}

int tar_out_file(struct tar_out *t, const char *name, int fd, uint64_t size, struct qerr *err)
{
	char buf[128 * 1024];
	uint64_t left = size;
	int r = tar_header(t, name, AE_IFREG, size, err);

	while (r >= 0 && left > 0) {
		ssize_t n = read(fd, buf, left < sizeof(buf) ? left : sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return qerr_set(err, n < 0 ? -errno : -EIO, "'%s': short read", name);
		if (archive_write_data(t->a, buf, (size_t)n) != n)
			return qerr_set(err, -EIO, "cannot write '%s': %s", name,
					archive_error_string(t->a));
		left -= (uint64_t)n;
	}
	return r;
}

int tar_out_close(struct tar_out *t, struct qerr *err)
{
	if (archive_write_close(t->a) != ARCHIVE_OK)
		return qerr_set(err, -EIO, "cannot write the archive: %s",
				archive_error_string(t->a));
	return 0;
}

struct tar_out *tar_out_free(struct tar_out *t)
{
	if (!t)
		return NULL;
	if (t->a)
		archive_write_free(t->a);
	if (t->e)
		archive_entry_free(t->e);
	free(t);
	return NULL;
}

/* ---- decompression (import of xz / bzip2 tarballs) ------------------------------------------ */

int archive_decompress(int in, int out, struct qerr *err)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	const void *buf;
	size_t n;
	la_int64_t off;
	int r;

	if (!a)
		abort();
	archive_read_support_filter_xz(a);
	archive_read_support_filter_bzip2(a);
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_zstd(a);
	archive_read_support_format_raw(a);
	if (archive_read_open_fd(a, in, 64 * 1024) != ARCHIVE_OK ||
	    archive_read_next_header(a, &e) != ARCHIVE_OK) {
		r = qerr_set(err, -EBADMSG, "tarball: %s", archive_error_string(a));
		goto out;
	}
	while ((r = archive_read_data_block(a, &buf, &n, &off)) == ARCHIVE_OK) {
		if (write_all(out, buf, n) < 0) {
			r = qerr_set_errno(err, -errno, "cannot write a temporary file");
			goto out;
		}
	}
	r = r == ARCHIVE_EOF ? 0 : qerr_set(err, -EBADMSG, "tarball: %s", archive_error_string(a));
out:
	archive_read_free(a);
	return r;
}
