/*
 * Garbage collection: mark every blob and snapshot reachable from index.json, sweep the rest
 * and everything under tmp/. Runs with the store lock held exclusively, so no load is between
 * adopting a blob and tagging it.
 */
#include "image/image-internal.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

static void mark_config(struct image_store *s, const char *digest, struct meta *snaps)
{
	_cleanup_free_ char *buf = NULL;
	struct spec_image_config c = { 0 };
	size_t len;

	if (blob_read_small(s, digest, &buf, &len, NULL) < 0 ||
	    spec_image_config_parse(buf, len, &c, NULL) < 0)
		return;
	if (c.n_diff_ids) {
		char(*chain)[72] = xcalloc(c.n_diff_ids, sizeof(*chain));

		chain_ids(c.diff_ids, c.n_diff_ids, chain);
		for (size_t i = 0; i < c.n_diff_ids; i++)
			meta_set(snaps, digest_hex(chain[i]), 0, 0, 0, 0);
		free(chain);
	} else {
		char empty[72];

		digest_buffer("", 0, empty);
		meta_set(snaps, digest_hex(empty), 0, 0, 0, 0);
	}
	spec_image_config_release(&c);
}

static void mark(struct image_store *s, const struct spec_descriptor *d, struct meta *blobs,
		 struct meta *snaps, unsigned depth)
{
	_cleanup_free_ char *buf = NULL;
	size_t len;

	if (!spec_digest_valid(d->digest) || depth > 8)
		return;
	meta_set(blobs, digest_hex(d->digest), 0, 0, 0, 0);
	if (spec_media_type_is_index(d->media_type)) {
		struct spec_index idx = { 0 };

		if (blob_read_small(s, d->digest, &buf, &len, NULL) < 0 ||
		    spec_index_parse(buf, len, &idx, NULL) < 0)
			return;
		for (size_t i = 0; i < idx.n_manifests; i++)
			mark(s, &idx.manifests[i], blobs, snaps, depth + 1);
		spec_index_release(&idx);
	} else if (spec_media_type_is_manifest(d->media_type)) {
		struct spec_manifest m = { 0 };

		if (blob_read_small(s, d->digest, &buf, &len, NULL) < 0 ||
		    spec_manifest_parse(buf, len, &m, NULL) < 0)
			return;
		meta_set(blobs, digest_hex(m.config.digest), 0, 0, 0, 0);
		for (size_t i = 0; i < m.n_layers; i++)
			meta_set(blobs, digest_hex(m.layers[i].digest), 0, 0, 0, 0);
		mark_config(s, m.config.digest, snaps);
		spec_manifest_release(&m);
	}
}

/* Remove every entry of dir that keep does not hold (keep NULL: everything). */
static uint64_t sweep(int dirfd, const struct meta *keep, bool trees)
{
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	uint64_t freed = 0;
	int fd = dup(dirfd);

	if (fd < 0 || !(d = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	while ((de = readdir(d))) {
		struct stat st;

		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, "..") ||
		    (keep && meta_get(keep, de->d_name)))
			continue;
		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			continue;
		if (S_ISDIR(st.st_mode) && trees)
			freed += tree_usage(dirfd, de->d_name) + (uint64_t)st.st_blocks * 512;
		else
			freed += (uint64_t)st.st_blocks * 512;
		(void)rm_rf_at(dirfd, de->d_name);
	}
	return freed;
}

int gc_collect(struct image_store *s, bool drop_cache, uint64_t *ret_freed, struct qerr *err)
{
	struct spec_index idx = { 0 };
	struct meta *blobs = meta_new(), *snaps = meta_new();
	_cleanup_close_ int snapfd = -1;
	uint64_t freed = 0;
	int r;

	r = store_read_index(s, &idx, err);
	if (r < 0)
		goto out;
	for (size_t i = 0; i < idx.n_manifests; i++)
		mark(s, &idx.manifests[i], blobs, snaps, 0);
	{
		/*
		 * A build's cache (build-cache/KEY holds a manifest digest) keeps its images,
		 * unless this is prune, which drops the cache first.
		 */
		_cleanup_close_ int cfd =
		    openat(s->root_fd, "build-cache", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		_cleanup_closedir_ DIR *d = cfd >= 0 ? fdopendir(TAKE_FD(cfd)) : NULL;
		struct dirent *de;

		while (d && (de = readdir(d))) {
			_cleanup_free_ char *buf = NULL;
			struct spec_descriptor desc = { .media_type =
							    (char *)SPEC_MT_OCI_MANIFEST };

			if (de->d_name[0] == '.')
				continue;
			if (drop_cache) {
				(void)unlinkat(dirfd(d), de->d_name, 0);
				continue;
			}
			if (read_file_at(dirfd(d), de->d_name, 128, &buf) < 71)
				continue;
			buf[71] = '\0';
			desc.digest = buf;
			mark(s, &desc, blobs, snaps, 0);
		}
	}
	for (size_t i = 0; i < s->n_pins; i++) {
		/* A pinned digest: mark it as whatever kind of document it is. */
		struct spec_descriptor d = { .digest = s->pins[i],
					     .media_type = (char *)SPEC_MT_OCI_MANIFEST };
		_cleanup_free_ char *buf = NULL;
		size_t len;

		if (blob_read_small(s, d.digest, &buf, &len, NULL) >= 0 &&
		    strstr(buf, "\"manifests\""))
			d.media_type = (char *)SPEC_MT_OCI_INDEX;
		mark(s, &d, blobs, snaps, 0);
	}
	freed += sweep(s->blobs_fd, blobs, false);
	snapfd = openat(s->root_fd, "snapshots", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (snapfd >= 0)
		freed += sweep(snapfd, snaps, true);
	freed += sweep(s->tmp_fd, NULL, true);
	{
		/* spare container root filesystems are a cache: all of them go */
		_cleanup_close_ int sfd =
		    openat(s->root_fd, "spares", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

		if (sfd >= 0)
			freed += sweep(sfd, NULL, true);
	}
	*ret_freed = freed;
out:
	spec_index_release(&idx);
	meta_free(blobs);
	meta_free(snaps);
	return r;
}

int image_prune(struct image_store *s, uint64_t *ret_freed, struct qerr *err)
{
	int r = store_lock_exclusive(s, true);

	if (r < 0)
		return qerr_set_errno(err, r, "store '%s': cannot lock it", s->root);
	r = gc_collect(s, true, ret_freed, err);
	store_lock_shared(s);
	return r;
}
