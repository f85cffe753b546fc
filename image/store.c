/*
 * The store directory: layout creation, the two locks, index.json and atomic writes.
 *
 * Locking (flock, so a killed process never leaves a stale lock): every qrun process holds
 * `lock` shared while it uses the store; garbage collection takes it exclusively, so it never
 * deletes a blob that a running load has just adopted but not yet tagged. `index.lock` is
 * taken exclusively around each read-modify-write of index.json; readers need no lock, as the
 * file is only ever replaced by rename.
 */
#include "image/image-internal.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

static const char oci_layout[] = "{\"imageLayoutVersion\":\"" SPEC_MT_OCI_LAYOUT_VERSION "\"}";

static int mkdir_at(int dirfd, const char *name, const char *root, struct qerr *err)
{
	if (mkdirat(dirfd, name, 0755) < 0 && errno != EEXIST)
		return qerr_set_errno(err, -errno, "store '%s': cannot create '%s'", root, name);
	return 0;
}

static int open_dir(int dirfd, const char *name, const char *root, struct qerr *err)
{
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return qerr_set_errno(err, -errno, "store '%s': cannot open '%s'", root, name);
	return fd;
}

/* store_update_index callback: write an empty index unless another process made one. */
static int write_if_new(struct spec_index *idx, void *data, struct qerr *err)
{
	(void)data;
	(void)err;
	return idx->n_manifests ? 1 : 0;
}

static int store_init_layout(struct image_store *s, struct qerr *err)
{
	struct stat st;
	int r;

	if ((r = mkdir_at(s->root_fd, "blobs", s->root, err)) < 0 ||
	    (r = mkdir_at(s->root_fd, "blobs/sha256", s->root, err)) < 0 ||
	    (r = mkdir_at(s->root_fd, "snapshots", s->root, err)) < 0 ||
	    (r = mkdir_at(s->root_fd, "tmp", s->root, err)) < 0)
		return r;
	s->tmp_fd = open_dir(s->root_fd, "tmp", s->root, err);
	if (s->tmp_fd < 0)
		return s->tmp_fd;
	s->blobs_fd = open_dir(s->root_fd, "blobs/sha256", s->root, err);
	if (s->blobs_fd < 0)
		return s->blobs_fd;
	if (fstatat(s->root_fd, "oci-layout", &st, 0) < 0) {
		r = store_write_atomic(s, s->root_fd, "oci-layout", oci_layout, strlen(oci_layout),
				       err);
		if (r < 0)
			return r;
	}
	/* Two processes may both get here: made under index.lock, once. */
	if (fstatat(s->root_fd, "index.json", &st, 0) < 0)
		return store_update_index(s, write_if_new, NULL, err);
	return 0;
}

int image_store_open(const char *root, struct image_store **ret_store, struct qerr *err)
{
	struct image_store *s;
	int r;

	if (root[0] != '/')
		return qerr_set(err, -EINVAL, "store '%s': not an absolute path", root);
	r = mkdir_p(root, 0755);
	if (r < 0)
		return qerr_set_errno(err, r, "store: cannot create '%s'", root);
	s = xcalloc(1, sizeof(*s));
	s->root = xstrdup(root);
	s->lock_fd = s->blobs_fd = s->tmp_fd = -1;
	s->root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (s->root_fd < 0) {
		r = qerr_set_errno(err, -errno, "store '%s'", root);
		goto fail;
	}
	s->lock_fd = openat(s->root_fd, "lock", O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (s->lock_fd < 0) {
		r = qerr_set_errno(err, -errno, "store '%s': cannot open its lock", root);
		goto fail;
	}
	store_lock_shared(s);
	r = store_init_layout(s, err);
	if (r < 0)
		goto fail;
	*ret_store = s;
	return 0;
fail:
	image_store_close(s);
	return r;
}

struct image_store *image_store_close(struct image_store *s)
{
	if (!s)
		return NULL;
	if (s->root_fd >= 0)
		close(s->root_fd);
	if (s->lock_fd >= 0)
		close(s->lock_fd);
	if (s->blobs_fd >= 0)
		close(s->blobs_fd);
	if (s->tmp_fd >= 0)
		close(s->tmp_fd);
	for (size_t i = 0; i < s->n_pins; i++)
		free(s->pins[i]);
	free(s->pins);
	free(s->root);
	free(s);
	return NULL;
}

void image_store_pin(struct image_store *s, const char *digest)
{
	s->pins = xrealloc(s->pins, (s->n_pins + 1) * sizeof(*s->pins));
	s->pins[s->n_pins++] = xstrdup(digest);
}

const char *image_store_root(const struct image_store *s)
{
	return s->root;
}

void store_lock_shared(struct image_store *s)
{
	while (flock(s->lock_fd, LOCK_SH) < 0 && errno == EINTR)
		;
}

int store_lock_exclusive(struct image_store *s, bool wait)
{
	int r;

	/*
	 * flock cannot upgrade atomically: drop the shared lock first. Without waiting, a failed
	 * attempt gets the shared lock back before returning.
	 */
	(void)flock(s->lock_fd, LOCK_UN);
	do
		r = flock(s->lock_fd, LOCK_EX | (wait ? 0 : LOCK_NB));
	while (r < 0 && errno == EINTR);
	if (r < 0) {
		r = -errno;
		store_lock_shared(s);
		return r;
	}
	return 0;
}

int store_read_index(struct image_store *s, struct spec_index *ret_idx, struct qerr *err)
{
	_cleanup_free_ char *buf = NULL;
	ssize_t n;
	int r;

	n = read_file_at(s->root_fd, "index.json", 64 << 20, &buf);
	if (n == -ENOENT || n == 0) {
		*ret_idx = (struct spec_index){ .schema_version = 2,
						.media_type = xstrdup(SPEC_MT_OCI_INDEX) };
		return 0;
	}
	if (n < 0)
		return qerr_set_errno(err, (int)n, "store '%s': cannot read index.json", s->root);
	r = spec_index_parse(buf, (size_t)n, ret_idx, err);
	if (r < 0)
		return qerr_wrap(err, r, "store '%s': index.json is damaged", s->root);
	return 0;
}

int store_update_index(struct image_store *s,
		       int (*fn)(struct spec_index *idx, void *data, struct qerr *err), void *data,
		       struct qerr *err)
{
	_cleanup_close_ int fd = -1;
	struct spec_index idx = { 0 };
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int r;

	fd = openat(s->root_fd, "index.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0)
		return qerr_set_errno(err, -errno, "store '%s': index.lock", s->root);
	while (flock(fd, LOCK_EX) < 0)
		if (errno != EINTR)
			return qerr_set_errno(err, -errno, "store '%s': index.lock", s->root);
	r = store_read_index(s, &idx, err);
	if (r < 0)
		return r;
	r = fn(&idx, data, err);
	if (r == 0) {
		if (!idx.media_type)
			idx.media_type = xstrdup(SPEC_MT_OCI_INDEX);
		buf = spec_index_write(&idx, &len);
		r = store_write_atomic(s, s->root_fd, "index.json", buf, len, err);
	}
	spec_index_release(&idx);
	return r < 0 ? r : 0;
}

int store_write_atomic(struct image_store *s, int dirfd, const char *name, const void *data,
		       size_t len, struct qerr *err)
{
	_cleanup_free_ char *tmp =
	    xasprintf("w-%d-%s", (int)getpid(), strrchr(name, '/') ? strrchr(name, '/') + 1 : name);
	int fd, r;

	/* tmp_fd is not open yet while the layout itself is being created: use dirfd. */
	int tdir = s->tmp_fd >= 0 ? s->tmp_fd : dirfd;

	fd = openat(tdir, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return qerr_set_errno(err, -errno, "store '%s': cannot write '%s'", s->root, name);
	r = write_all(fd, data, len);
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	close(fd);
	if (r == 0 && renameat(tdir, tmp, dirfd, name) < 0)
		r = -errno;
	if (r < 0) {
		(void)unlinkat(tdir, tmp, 0);
		return qerr_set_errno(err, r, "store '%s': cannot write '%s'", s->root, name);
	}
	(void)fsync(dirfd);
	return 0;
}

int store_mkdtemp(struct image_store *s, const char *prefix, char **ret_path, struct qerr *err)
{
	char *p = xasprintf("%s/tmp/%s-XXXXXX", s->root, prefix);

	if (!mkdtemp(p)) {
		int r = -errno;

		free(p);
		return qerr_set_errno(err, r, "store '%s': cannot make a temporary directory",
				      s->root);
	}
	*ret_path = p;
	return 0;
}
