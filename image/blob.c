/*
 * Content-addressed blobs: written to a staging file while hashed, checked against what the
 * manifest promised (size first, then sha256 over the exact bytes), fsynced, then renamed into
 * blobs/sha256/. Nothing unverified ever lands there.
 */
#include "image/image-internal.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#define SMALL_MAX (4u << 20)

bool blob_exists(struct image_store *s, const char *digest)
{
	struct stat st;

	return fstatat(s->blobs_fd, digest_hex(digest), &st, 0) == 0 && S_ISREG(st.st_mode);
}

int blob_open(struct image_store *s, const char *digest, struct qerr *err)
{
	int fd;

	if (!spec_digest_valid(digest))
		return qerr_set(err, -EINVAL, "'%s' is not a sha256 digest", digest);
	fd = openat(s->blobs_fd, digest_hex(digest), O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return qerr_set_errno(err, -errno, "blob %s: missing from the store '%s'", digest,
				      s->root);
	return fd;
}

int blob_read_small(struct image_store *s, const char *digest, char **ret_buf, size_t *ret_len,
		    struct qerr *err)
{
	_cleanup_free_ char *buf = NULL;
	char got[72];
	ssize_t n;

	if (!spec_digest_valid(digest))
		return qerr_set(err, -EINVAL, "'%s' is not a sha256 digest", digest);
	n = read_file_at(s->blobs_fd, digest_hex(digest), SMALL_MAX, &buf);
	if (n == -ENOENT)
		return qerr_set(err, -ENOENT, "blob %s: missing from the store '%s'", digest,
				s->root);
	if (n == -EFBIG)
		return qerr_set(err, -EFBIG, "blob %s: larger than 4 MiB, not a JSON document",
				digest);
	if (n < 0)
		return qerr_set_errno(err, (int)n, "blob %s", digest);
	/* Documents are small: checking them on every read costs nothing and catches rot. */
	digest_buffer(buf, (size_t)n, got);
	if (strcmp(got, digest) != 0)
		return qerr_set(err, -EIO,
				"blob %s: content does not match its digest (store damaged)",
				digest);
	*ret_buf = TAKE_PTR(buf);
	*ret_len = (size_t)n;
	return 0;
}

int blob_writer_open(struct blob_writer *w, const char *dirpath, struct qerr *err)
{
	*w = (struct blob_writer){ .fd = -1 };
	w->path = xasprintf("%s/blob-XXXXXX", dirpath);
	w->fd = mkostemp(w->path, O_CLOEXEC);
	if (w->fd < 0) {
		int r = -errno;

		free(w->path);
		w->path = NULL;
		return qerr_set_errno(err, r, "cannot create a file in '%s'", dirpath);
	}
	(void)fchmod(w->fd, 0644);
	w->digest = digest_new();
	return 0;
}

int blob_writer_resume(struct blob_writer *w, const char *path, struct qerr *err)
{
	char buf[128 * 1024];
	ssize_t n;

	*w = (struct blob_writer){ .fd = -1 };
	w->path = xstrdup(path);
	w->digest = digest_new();
	for (;;) {
		struct stat a, b;

		w->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
		if (w->fd < 0)
			return qerr_set_errno(err, -errno, "cannot create '%s'", path);
		/* Another qrun fetching the same blob into the same file: wait for it. */
		if (flock(w->fd, LOCK_EX) < 0)
			return qerr_set_errno(err, -errno, "cannot lock '%s'", path);
		/*
		 * It may have moved the file into blobs/ or removed it meanwhile: then the name
		 * is someone else's (or nobody's) now, and we start over with what it names.
		 */
		if (fstat(w->fd, &a) == 0 && stat(path, &b) == 0 && a.st_ino == b.st_ino &&
		    a.st_dev == b.st_dev)
			break;
		close(w->fd);
		w->fd = -1;
	}
	/* The hash state is not kept on disk: what is there is hashed again (disk is fast). */
	while ((n = read(w->fd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return qerr_set_errno(err, -errno, "cannot read '%s'", path);
		}
		digest_update(w->digest, buf, (size_t)n);
		w->size += (uint64_t)n;
	}
	return 0;
}

int blob_writer_restart(struct blob_writer *w, struct qerr *err)
{
	if (ftruncate(w->fd, 0) < 0 || lseek(w->fd, 0, SEEK_SET) < 0)
		return qerr_set_errno(err, -errno, "cannot truncate '%s'", w->path);
	digest_reset(w->digest);
	w->size = 0;
	return 0;
}

int blob_writer_write(struct blob_writer *w, const void *buf, size_t len, struct qerr *err)
{
	int r = write_all(w->fd, buf, len);

	if (r < 0)
		return qerr_set_errno(err, r, "cannot write '%s'", w->path);
	digest_update(w->digest, buf, len);
	w->size += len;
	return 0;
}

int blob_writer_finish(struct blob_writer *w, char ret_digest[72], struct qerr *err)
{
	if (fsync(w->fd) < 0)
		return qerr_set_errno(err, -errno, "cannot write '%s'", w->path);
	close(w->fd);
	w->fd = -1;
	digest_final(w->digest, ret_digest);
	return 0;
}

void blob_writer_release(struct blob_writer *w)
{
	if (w->fd >= 0)
		close(w->fd);
	if (w->path)
		(void)unlink(w->path);
	free(w->path);
	digest_free(w->digest);
	*w = (struct blob_writer){ .fd = -1 };
}

int blob_adopt(struct image_store *s, const char *path, const char *digest, struct qerr *err)
{
	/*
	 * renameat over an existing blob would also be correct (same bytes), but keeping the old
	 * inode spares snapshots and readers a change under their feet.
	 */
	if (blob_exists(s, digest)) {
		(void)unlink(path);
		return 0;
	}
	if (renameat(AT_FDCWD, path, s->blobs_fd, digest_hex(digest)) < 0)
		return qerr_set_errno(err, -errno, "blob %s: cannot move into the store", digest);
	return 0;
}

int blob_check(const char *what, const char *digest_want, int64_t size_want, const char *digest_got,
	       uint64_t size_got, struct qerr *err)
{
	if (size_want >= 0 && (uint64_t)size_want != size_got)
		return qerr_set(err, -EBADMSG, "%s %s: size is %llu bytes, the manifest says %lld",
				what, digest_want, (unsigned long long)size_got,
				(long long)size_want);
	if (strcmp(digest_want, digest_got) != 0)
		return qerr_set(err, -EBADMSG, "%s %s: content does not match its digest (got %s)",
				what, digest_want, digest_got);
	return 0;
}

int blob_put_buffer(struct image_store *s, const void *buf, size_t len, char ret_digest[72],
		    struct qerr *err)
{
	_cleanup_free_ char *tmp = xasprintf("%s/tmp", s->root);
	struct blob_writer w;
	int r;

	digest_buffer(buf, len, ret_digest);
	if (blob_exists(s, ret_digest))
		return 0;
	r = blob_writer_open(&w, tmp, err);
	if (r < 0)
		return r;
	r = blob_writer_write(&w, buf, len, err);
	if (r >= 0) {
		char got[72];

		r = blob_writer_finish(&w, got, err);
		if (r >= 0)
			r = blob_adopt(s, w.path, ret_digest, err);
		if (r >= 0) {
			free(w.path);
			w.path = NULL;
		}
	}
	blob_writer_release(&w);
	return r;
}
