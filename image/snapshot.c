/*
 * Root filesystems: layer chains unpacked once into snapshots/<ChainID>, each level a
 * hard-link farm of the level below plus one layer, and independent copies handed out by
 * `qrun unpack`.
 */
#include "image/image-internal.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>

/* Seconds since *t0, which is reset to now: for the debug log's timings. */
static double elapsed(struct timespec *t0)
{
	struct timespec t;
	double d;

	clock_gettime(CLOCK_MONOTONIC, &t);
	d = (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
	*t0 = t;
	return d;
}

/*
 * Durability without a sync on the hot path. A snapshot is renamed into place unsynced, with
 * the kernel's boot id in "boot_id"; in the same boot the page cache is the truth, so it can be
 * used at once. A later use, once the kernel has surely written it back (a minute on), pays one
 * syncfs and leaves "synced". After a reboot, a snapshot without "synced" may have lost data in
 * the crash: it is moved to tmp/ (prune deletes it) and unpacked again.
 */
static void boot_id(char out[64])
{
	_cleanup_free_ char *buf = NULL;
	ssize_t n = read_file_at(AT_FDCWD, "/proc/sys/kernel/random/boot_id", 63, &buf);

	(void)snprintf(out, 64, "%s", n > 0 ? buf : "unknown\n");
}

static int mark_fresh(int dirfd, struct qerr *err)
{
	char id[64];
	_cleanup_close_ int fd = -1;

	boot_id(id);
	fd = openat(dirfd, "boot_id", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || write_all(fd, id, strlen(id)) < 0)
		return qerr_set_errno(err, -errno, "cannot write a snapshot's boot_id");
	return 0;
}

/* Is level chain in place and trustworthy? Untrustworthy ones are moved out of the way. */
static bool snapshot_usable(struct image_store *s, const char *chain)
{
	_cleanup_free_ char *dir = xasprintf("snapshots/%s", digest_hex(chain));
	_cleanup_free_ char *made = NULL;
	_cleanup_close_ int fd = -1;
	struct stat st;
	char now[64];

	fd = openat(s->root_fd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || fstatat(fd, "rootfs", &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode))
		return false;
	if (faccessat(fd, "synced", F_OK, 0) == 0)
		return true;
	boot_id(now);
	if (read_file_at(fd, "boot_id", 63, &made) > 0 && !strcmp(made, now)) {
		if (fstatat(fd, "boot_id", &st, 0) == 0 && time(NULL) - st.st_mtime > 60 &&
		    syncfs(fd) == 0)
			(void)close(openat(fd, "synced", O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
		return true;
	}
	/* Made before a reboot and never confirmed on disk: unpack it again. */
	{
		_cleanup_free_ char *tmp = NULL;

		if (store_mkdtemp(s, "stale", &tmp, NULL) >= 0) {
			_cleanup_free_ char *to = xasprintf("%s/snapshot", tmp);
			_cleanup_free_ char *from = xasprintf("%s/%s", s->root, dir);

			(void)rename(from, to);
		}
	}
	return false;
}

/* Apply img's layer i (checked against its diff_id) to the tree dir. */
static int apply_layer(struct image_store *s, const struct image *img, size_t i, const char *dir,
		       struct meta *meta, const struct image_progress *progress, struct qerr *err)
{
	const struct spec_descriptor *layer = &img->manifest.layers[i];
	_cleanup_free_ char *what = xasprintf("layer %s", layer->digest);
	_cleanup_free_ char *label = xasprintf("layer %zu/%zu %.12s", i + 1, img->manifest.n_layers,
					       digest_hex(layer->digest));
	_cleanup_close_ int blob = blob_open(s, layer->digest, err);

	if (blob < 0)
		return blob;
	return layer_apply(&(struct layer_apply){ .blob_fd = blob,
						  .blob_size = (uint64_t)layer->size,
						  .what = what,
						  .diff_id = img->config.diff_ids[i],
						  .dir = dir,
						  .meta = meta,
						  .progress = progress,
						  .label = label },
			   err);
}

/*
 * Unpack level i (layer i on top of the tree below, at below_dir) into a new directory under
 * tmp/, returned in ret_tmp. Renaming into place is the caller's job, once every level worked.
 */
static int snapshot_level(struct image_store *s, const struct image *img, const char *below_dir,
			  size_t i, const struct image_progress *progress, char **ret_tmp,
			  struct qerr *err)
{
	_cleanup_free_ char *tmp = NULL, *rootfs = NULL;
	_cleanup_close_ int tmpfd = -1;
	struct meta *meta = NULL;
	bool rootless = geteuid() != 0;
	struct timespec t0;
	int r;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	r = store_mkdtemp(s, "snapshot", &tmp, err);
	if (r < 0)
		return r;
	rootfs = xasprintf("%s/rootfs", tmp);
	tmpfd = open(tmp, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (tmpfd < 0 || mkdir(rootfs, 0755) < 0) {
		r = qerr_set_errno(err, -errno, "cannot create '%s'", rootfs);
		goto out;
	}
	if (rootless)
		meta = meta_new();
	if (below_dir) {
		_cleanup_free_ char *below_rootfs = xasprintf("%s/rootfs", below_dir);

		r = tree_copy(below_rootfs, rootfs, TREE_LINK, err);
		qlog_debug("snapshot %zu: linked the level below in %.3f s", i + 1, elapsed(&t0));
		if (r >= 0 && meta) {
			_cleanup_close_ int bfd =
			    open(below_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

			r = bfd < 0 ? qerr_set_errno(err, -errno, "cannot open '%s'", below_dir)
				    : meta_load(meta, bfd, "meta", err);
		}
		if (r < 0)
			goto out;
	}
	r = apply_layer(s, img, i, rootfs, meta, progress, err);
	qlog_debug("snapshot %zu: applied the layer in %.3f s", i + 1, elapsed(&t0));
	if (r >= 0 && meta)
		r = meta_save(meta, tmpfd, "meta", err);
	if (r < 0)
		goto out;
	r = mark_fresh(tmpfd, err);
	if (r < 0)
		goto out;
	*ret_tmp = TAKE_PTR(tmp);
out:
	if (tmp)
		(void)rm_rf_at(AT_FDCWD, tmp);
	meta_free(meta);
	return r;
}

int image_snapshot(struct image_store *s, const struct image *img,
		   const struct image_progress *progress, char **ret_dir, struct qerr *err)
{
	size_t n = img->manifest.n_layers, start = 0;
	_cleanup_free_ char(*chain)[72] = NULL;
	char **tmps = NULL;
	int r = 0;

	if (n != img->config.n_diff_ids)
		return qerr_set(
		    err, -EBADMSG,
		    "image '%s': the manifest has %zu layers but the config %zu diff_ids",
		    img->entry.ref ? img->entry.ref : img->entry.id, n, img->config.n_diff_ids);
	if (n == 0) {
		/* No layers: an empty root filesystem, named by the digest of nothing. */
		char empty[72];
		_cleanup_free_ char *p = NULL;

		digest_buffer("", 0, empty);
		p = xasprintf("%s/snapshots/%s", s->root, digest_hex(empty));
		_cleanup_free_ char *rootfs = xasprintf("%s/rootfs", p);

		if ((mkdir(p, 0755) < 0 && errno != EEXIST) ||
		    (mkdir(rootfs, 0755) < 0 && errno != EEXIST))
			return qerr_set_errno(err, -errno, "cannot create '%s'", rootfs);
		*ret_dir = TAKE_PTR(p);
		return 0;
	}
	chain = xcalloc(n, sizeof(*chain));
	chain_ids(img->config.diff_ids, n, chain);
	for (size_t i = n; i > 0; i--) {
		if (snapshot_usable(s, chain[i - 1])) {
			start = i;
			break;
		}
	}
	/*
	 * Every missing level is made under tmp/ first; only when all of them worked do they move
	 * into snapshots/, bottom first, so a bad upper layer leaves the store as it was.
	 */
	tmps = xcalloc(n, sizeof(*tmps));
	for (size_t i = start; i < n; i++) {
		_cleanup_free_ char *below = NULL;

		if (i > 0)
			below = i > start ? xstrdup(tmps[i - 1])
					  : xasprintf("%s/snapshots/%s", s->root,
						      digest_hex(chain[i - 1]));
		r = snapshot_level(s, img, below, i, progress, &tmps[i], err);
		if (r < 0)
			goto out;
	}
	for (size_t i = start; i < n; i++) {
		_cleanup_free_ char *final =
		    xasprintf("%s/snapshots/%s", s->root, digest_hex(chain[i]));

		/* Another qrun process unpacked the same chain first: keep theirs. */
		if (rename(tmps[i], final) < 0 && errno != EEXIST && errno != ENOTEMPTY) {
			r = qerr_set_errno(err, -errno, "cannot move a snapshot to '%s'", final);
			goto out;
		}
	}
	*ret_dir = xasprintf("%s/snapshots/%s", s->root, digest_hex(chain[n - 1]));
out:
	for (size_t i = 0; i < n; i++) {
		if (tmps[i])
			(void)rm_rf_at(AT_FDCWD, tmps[i]);
		free(tmps[i]);
	}
	free(tmps);
	return r;
}

/* Give the copy the modes the image wants (kept out of the snapshot for an unprivileged user). */
static int set_meta_modes(struct meta *m, const char *dir, struct qerr *err)
{
	_cleanup_close_ int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	const struct meta_entry *const *v = meta_sorted(m);
	int r = 0;

	if (dfd < 0)
		return qerr_set_errno(err, -errno, "cannot open '%s'", dir);
	/* Children before their parents, so that a directory's 0000 does not lock them out. */
	for (size_t i = meta_count(m); r >= 0 && i > 0; i--) {
		const struct meta_entry *e = v[i - 1];

		if (S_ISLNK(e->mode))
			continue;
		if (fchmodat(dfd, e->path, e->mode & 07777, 0) < 0 && errno != ENOENT)
			r = qerr_set_errno(err, -errno, "'%s': cannot set the mode", e->path);
	}
	return r;
}

/* The meta file of snapshot directory snap, into m. */
static int load_meta(struct meta *m, const char *snap, struct qerr *err)
{
	_cleanup_close_ int fd = open(snap, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return qerr_set_errno(err, -errno, "cannot open '%s'", snap);
	return meta_load(m, fd, "meta", err);
}

/*
 * unpack when the image's top level is not cached: copy the highest cached level (if any)
 * and apply the layers above it straight into dir, as `tar -x` would. Nothing is added to
 * the store: writing every byte twice (a snapshot, then a copy) would cost unpack half again
 * the time of tar. Snapshots are made by the commands that need them (create, run).
 */
static int unpack_direct(struct image_store *s, const struct image *img, const char *dir,
			 const struct image_progress *progress, struct qerr *err)
{
	size_t n = img->manifest.n_layers, k = 0;
	_cleanup_free_ char(*chain)[72] = xcalloc(n, sizeof(*chain));
	struct meta *meta = geteuid() != 0 ? meta_new() : NULL;
	int r = 0;

	chain_ids(img->config.diff_ids, n, chain);
	while (k < n && snapshot_usable(s, chain[k]))
		k++;
	if (k > 0) {
		_cleanup_free_ char *snap =
		    xasprintf("%s/snapshots/%s", s->root, digest_hex(chain[k - 1]));
		_cleanup_free_ char *rootfs = xasprintf("%s/rootfs", snap);

		r = tree_copy(rootfs, dir, TREE_COPY, err);
		if (r >= 0 && meta)
			r = load_meta(meta, snap, err);
	}
	for (size_t i = k; r >= 0 && i < n; i++)
		r = apply_layer(s, img, i, dir, meta, progress, err);
	if (r >= 0 && meta)
		r = set_meta_modes(meta, dir, err);
	meta_free(meta);
	return r;
}

static int empty_dir(const char *dir)
{
	_cleanup_closedir_ DIR *d = opendir(dir);
	struct dirent *de;

	if (!d)
		return -errno;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			return -ENOTEMPTY;
	return 0;
}

/* Is the image's whole chain cached (every level usable)? */
static bool top_usable(struct image_store *s, const struct image *img)
{
	size_t n = img->manifest.n_layers;
	_cleanup_free_ char(*chain)[72] = xcalloc(n, sizeof(*chain));

	chain_ids(img->config.diff_ids, n, chain);
	for (size_t i = 0; i < n; i++)
		if (!snapshot_usable(s, chain[i]))
			return false;
	return true;
}

int image_unpack(struct image_store *s, const struct image *img, const char *dir,
		 const struct image_progress *progress, struct qerr *err)
{
	_cleanup_free_ char *snap = NULL, *rootfs = NULL;
	bool created = false;
	int r;

	r = empty_dir(dir);
	if (r == -ENOENT) {
		if (mkdir(dir, 0755) < 0)
			return qerr_set_errno(err, -errno, "cannot create '%s'", dir);
		created = true;
	} else if (r == -ENOTEMPTY) {
		return qerr_set(err, -ENOTEMPTY, "'%s' is not empty", dir);
	} else if (r < 0) {
		return qerr_set_errno(err, r, "'%s'", dir);
	}
	if (img->manifest.n_layers == 0 || img->manifest.n_layers != img->config.n_diff_ids ||
	    !top_usable(s, img)) {
		/* no cache of the whole image: straight into dir (image_snapshot checks counts) */
		r = img->manifest.n_layers == img->config.n_diff_ids
			? unpack_direct(s, img, dir, progress, err)
			: image_snapshot(s, img, progress, &snap, err);
	} else {
		r = image_snapshot(s, img, progress, &snap, err);
		if (r >= 0) {
			rootfs = xasprintf("%s/rootfs", snap);
			r = tree_copy(rootfs, dir, TREE_COPY, err);
		}
		if (r >= 0 && geteuid() != 0) {
			struct meta *m = meta_new();

			r = load_meta(m, snap, err);
			if (r >= 0)
				r = set_meta_modes(m, dir, err);
			meta_free(m);
		}
	}
	if (r < 0) {
		if (created) {
			(void)rm_rf_at(AT_FDCWD, dir);
		} else {
			_cleanup_closedir_ DIR *d = opendir(dir);
			struct dirent *de;

			while (d && (de = readdir(d)))
				if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
					(void)rm_rf_at(dirfd(d), de->d_name);
		}
	}
	return r;
}

/*
 * Spare container root filesystems: a farm that a finished container never changed goes to
 * spares/<snapshot id>/<boot id>-..., and the next container of that snapshot takes it with one
 * rename instead of linking every file again (and its own removal is one rename too). Only
 * spares of this boot are taken, like unsynced snapshots; prune removes them all.
 */
static bool take_spare(struct image_store *s, const char *id, const char *dir)
{
	_cleanup_free_ char *path = xasprintf("%s/spares/%s", s->root, id);
	_cleanup_closedir_ DIR *d = opendir(path);
	struct dirent *de;
	char boot[64];

	boot_id(boot);
	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (strncmp(de->d_name, boot, 8) != 0) {
			(void)rm_rf_at(dirfd(d), de->d_name);
			continue;
		}
		/* Another qrun may take it first: then try the next one. */
		if (renameat(dirfd(d), de->d_name, AT_FDCWD, dir) == 0)
			return true;
	}
	return false;
}

int image_spare_put(struct image_store *s, const char *id, const char *dir, struct qerr *err)
{
	_cleanup_free_ char *base = xasprintf("%s/spares", s->root);
	_cleanup_free_ char *path = xasprintf("%s/%s", base, id);
	char boot[64];

	if (strspn(id, "0123456789abcdef") != 64 || id[64])
		return qerr_set(err, -EINVAL, "'%s' is not a snapshot id", id);
	(void)mkdir(base, 0755);
	(void)mkdir(path, 0755);
	boot_id(boot);
	/*
	 * Two slots per snapshot, filled with RENAME_NOREPLACE: 20 parallel runs returning their
	 * rootfs at once still leave two spares at most.
	 */
	for (int slot = 0; slot < 2; slot++) {
		_cleanup_free_ char *to = xasprintf("%s/%.8s-%d", path, boot, slot);

		if (renameat2(AT_FDCWD, dir, AT_FDCWD, to, RENAME_NOREPLACE) == 0)
			return 0;
		if (errno != EEXIST && errno != ENOTEMPTY)
			return qerr_set_errno(err, -errno, "cannot keep '%s' as a spare", dir);
	}
	return -EEXIST;
}

int image_container_rootfs(struct image_store *s, const struct image *img, const char *dir,
			   const char *meta_path, const struct image_progress *progress,
			   char **ret_snapshot_id, struct qerr *err)
{
	_cleanup_free_ char *snap = NULL, *rootfs = NULL, *meta = NULL;
	const char *id;
	int r = 0;

	r = image_snapshot(s, img, progress, &snap, err);
	if (r < 0)
		return r;
	id = strrchr(snap, '/') + 1;
	if (!take_spare(s, id, dir)) {
		if (mkdir(dir, 0755) < 0)
			return qerr_set_errno(err, -errno, "cannot create '%s'", dir);
		rootfs = xasprintf("%s/rootfs", snap);
		r = tree_copy(rootfs, dir, TREE_LINK, err);
	}
	if (r >= 0 && ret_snapshot_id)
		*ret_snapshot_id = xstrdup(id);
	if (r >= 0 && meta_path && geteuid() != 0) {
		_cleanup_free_ char *buf = NULL;
		ssize_t n;

		meta = xasprintf("%s/meta", snap);
		n = read_file_at(AT_FDCWD, meta, 1u << 30, &buf);
		if (n >= 0) {
			_cleanup_close_ int fd =
			    open(meta_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

			r = fd < 0 || write_all(fd, buf, (size_t)n) < 0
				? qerr_set_errno(err, -errno, "cannot write '%s'", meta_path)
				: 0;
		}
	}
	if (r < 0)
		(void)rm_rf_at(AT_FDCWD, dir);
	return r;
}
