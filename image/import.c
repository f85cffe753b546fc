/*
 * qrun import: a root filesystem tarball becomes a one-layer image. The tarball is staged
 * (hashed as it is copied), scanned once for its diff_id and the platform of its programs,
 * and only then are the layer, config and manifest stored and the tag set.
 */
#include "image/image-internal.h"

#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <time.h>

/* RFC 3339 UTC; SOURCE_DATE_EPOCH wins, so that imports can be reproducible. */
static char *now_rfc3339(void)
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	time_t t = time(NULL);
	struct tm tm;
	char buf[64];
	long v;

	if (sde && parse_int(sde, 0, LONG_MAX, &v) == 0)
		t = (time_t)v;
	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return xstrdup(buf);
}

static int stage_input(int fd, const char *dir, const struct image_progress *progress,
		       struct blob_writer *w, struct qerr *err)
{
	char buf[128 * 1024];
	struct stat st;
	uint64_t total = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
	uint64_t last = 0;
	int r = blob_writer_open(w, dir, err);

	while (r >= 0) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return qerr_set_errno(err, -errno, "cannot read the tarball");
		if (n == 0)
			break;
		r = blob_writer_write(w, buf, (size_t)n, err);
		if (progress && progress->update && w->size - last >= (1u << 20)) {
			last = w->size;
			progress->update(progress->data, "importing", w->size, total);
		}
	}
	if (r >= 0 && progress && progress->finish)
		progress->finish(progress->data, "importing", w->size);
	return r;
}

static int sniff(int fd, enum spec_compression *ret, bool *ret_other)
{
	unsigned char m[6] = { 0 };

	if (pread(fd, m, sizeof(m), 0) < 0)
		return -errno;
	*ret_other = false;
	*ret = SPEC_COMP_NONE;
	if (m[0] == 0x1f && m[1] == 0x8b)
		*ret = SPEC_COMP_GZIP;
	else if (m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd)
		*ret = SPEC_COMP_ZSTD;
	else if ((m[0] == 0xfd && !memcmp(m + 1, "7zXZ", 4)) || !memcmp(m, "BZh", 3))
		*ret_other = true;
	return 0;
}

/* The imported config, changed by edit: parsed, edited, written again (fixed key order). */
static int edit_config(char **config, size_t *len, const struct image_import_edit *edit,
		       struct qerr *err)
{
	struct spec_image_config c = { 0 };
	int r = spec_image_config_parse(*config, *len, &c, err);

	if (r >= 0)
		r = edit->fn(edit->data, &c, err);
	if (r >= 0) {
		free(*config);
		*config = spec_image_config_write(&c, len);
	}
	spec_image_config_release(&c);
	return r;
}

int image_import(struct image_store *s, int fd, const char *name,
		 const struct spec_platform *platform, const struct image_import_edit *edit,
		 const struct image_progress *progress, char **ret_id, struct qerr *err)
{
	struct spec_reference ref = { 0 };
	struct spec_platform found = { 0 };
	struct blob_writer in = { .fd = -1 }, plain = { .fd = -1 };
	struct blob_writer *layer = &in;
	_cleanup_free_ char *stage = NULL, *full = NULL, *created = NULL, *config = NULL;
	_cleanup_free_ char *manifest = NULL;
	char in_digest[72], layer_digest[72], diff_id[72], config_digest[72], manifest_digest[72];
	enum spec_compression comp = SPEC_COMP_NONE;
	size_t config_len, manifest_len;
	bool other = false, have = false;
	_cleanup_close_ int rfd = -1;
	int r;

	r = spec_reference_parse(name, &ref, err);
	if (r < 0)
		return qerr_wrap(err, r, "name '%s'", name);
	if (ref.digest) {
		spec_reference_release(&ref);
		return qerr_set(err, -EINVAL, "name '%s': an imported image cannot name a digest",
				name);
	}
	full = spec_reference_format(&ref);
	spec_reference_release(&ref);
	r = store_mkdtemp(s, "import", &stage, err);
	if (r < 0)
		return r;
	r = stage_input(fd, stage, progress, &in, err);
	if (r >= 0)
		r = blob_writer_finish(&in, in_digest, err);
	if (r < 0)
		goto out;
	rfd = open(in.path, O_RDONLY | O_CLOEXEC);
	if (rfd < 0 || sniff(rfd, &comp, &other) < 0) {
		r = qerr_set_errno(err, -errno, "cannot read '%s'", in.path);
		goto out;
	}
	memcpy(layer_digest, in_digest, 72);
	if (other) {
		/* xz and bzip2 are no OCI layer types: store the plain tar. */
		r = blob_writer_open(&plain, stage, err);
		if (r >= 0)
			r = archive_decompress(rfd, plain.fd, err);
		if (r >= 0) {
			/* archive_decompress wrote around the writer: hash the result again. */
			close(rfd);
			rfd = open(plain.path, O_RDONLY | O_CLOEXEC);
			r = rfd < 0 ? -errno : 0;
		}
		if (r < 0)
			goto out;
		layer = &plain;
		comp = SPEC_COMP_NONE;
	}
	r = layer_scan(rfd, diff_id, &found, &have, err);
	if (r < 0)
		goto out;
	if (other)
		memcpy(layer_digest, diff_id, 72); /* a plain tar's digest is its diff_id */
	if (!platform && !have) {
		r = qerr_set(err, -EINVAL,
			     "cannot tell the platform of this tarball (no ELF programs in "
			     "bin/ or usr/bin): give --platform");
		goto out;
	}
	created = now_rfc3339();
	config = spec_image_config_write_imported(platform ? platform : &found, created, diff_id,
						  &config_len);
	if (edit && (r = edit_config(&config, &config_len, edit, err)) < 0)
		goto out;
	{
		struct stat st;
		struct spec_descriptor l = { .media_type = (char *)spec_layer_media_type(comp),
					     .digest = layer_digest };
		struct spec_manifest m = { .schema_version = 2,
					   .media_type = (char *)SPEC_MT_OCI_MANIFEST,
					   .layers = &l,
					   .n_layers = 1 };

		if (fstat(rfd, &st) < 0) {
			r = qerr_set_errno(err, -errno, "cannot read the layer");
			goto out;
		}
		l.size = st.st_size;
		digest_buffer(config, config_len, config_digest);
		m.config = (struct spec_descriptor){ .media_type = (char *)SPEC_MT_OCI_CONFIG,
						     .digest = config_digest,
						     .size = (int64_t)config_len };
		manifest = spec_manifest_write(&m, &manifest_len);
	}
	r = blob_adopt(s, layer->path, layer_digest, err);
	if (r >= 0) {
		free(layer->path);
		layer->path = NULL;
		r = blob_put_buffer(s, config, config_len, config_digest, err);
	}
	if (r >= 0)
		r = blob_put_buffer(s, manifest, manifest_len, manifest_digest, err);
	if (r >= 0) {
		struct index_add a = { .desc = { .media_type = (char *)SPEC_MT_OCI_MANIFEST,
						 .digest = manifest_digest,
						 .size = (int64_t)manifest_len },
				       .ref = full };

		r = index_add_all(s, &a, 1, err);
	}
	if (r >= 0)
		*ret_id = xstrdup(config_digest);
out:
	blob_writer_release(&in);
	blob_writer_release(&plain);
	spec_platform_release(&found);
	if (stage)
		(void)rm_rf_at(AT_FDCWD, stage);
	return r;
}
