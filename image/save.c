/*
 * qrun save: images out as one tar. OCI: an image layout (oci-layout, index.json with each
 * image's full reference as ref.name, blobs/sha256/...). docker-archive: the docker 25+ shape,
 * the same layout plus manifest.json (Config, RepoTags, Layers pointing into blobs/), which
 * docker, podman and skopeo all read. Blobs are copied as stored, so digests survive.
 */
#include "image/image-internal.h"

#include <sys/stat.h>

struct save_ctx {
	struct image_store *s;
	struct tar_out *t;
	char **written; /* digests already in the tar */
	size_t n_written;
	struct spec_index index;
	struct spec_docker_manifest docker;
};

static int put_blob(struct save_ctx *c, const char *digest, struct qerr *err)
{
	_cleanup_free_ char *name = NULL;
	_cleanup_close_ int fd = -1;
	struct stat st;

	for (size_t i = 0; i < c->n_written; i++)
		if (!strcmp(c->written[i], digest))
			return 0;
	fd = blob_open(c->s, digest, err);
	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0)
		return qerr_set_errno(err, -errno, "blob %s", digest);
	name = xasprintf("blobs/sha256/%s", digest_hex(digest));
	c->written = xrealloc(c->written, (c->n_written + 1) * sizeof(*c->written));
	c->written[c->n_written++] = xstrdup(digest);
	return tar_out_file(c->t, name, fd, (uint64_t)st.st_size, err);
}

static int put_manifest(struct save_ctx *c, const char *digest, struct qerr *err)
{
	_cleanup_free_ char *buf = NULL;
	struct spec_manifest m = { 0 };
	size_t len;
	int r;

	r = blob_read_small(c->s, digest, &buf, &len, err);
	if (r >= 0)
		r = spec_manifest_parse(buf, len, &m, err);
	if (r >= 0)
		r = put_blob(c, digest, err);
	if (r >= 0)
		r = put_blob(c, m.config.digest, err);
	for (size_t i = 0; r >= 0 && i < m.n_layers; i++)
		r = put_blob(c, m.layers[i].digest, err);
	spec_manifest_release(&m);
	return r;
}

static int put_index(struct save_ctx *c, const char *digest, struct qerr *err)
{
	_cleanup_free_ char *buf = NULL;
	struct spec_index idx = { 0 };
	size_t len;
	int r;

	r = blob_read_small(c->s, digest, &buf, &len, err);
	if (r >= 0)
		r = spec_index_parse(buf, len, &idx, err);
	if (r >= 0)
		r = put_blob(c, digest, err);
	for (size_t i = 0; r >= 0 && i < idx.n_manifests; i++) {
		const struct spec_descriptor *d = &idx.manifests[i];

		r = spec_media_type_is_index(d->media_type) ? put_index(c, d->digest, err)
							    : put_manifest(c, d->digest, err);
	}
	spec_index_release(&idx);
	return r;
}

static void docker_entry(struct save_ctx *c, const struct image *img, const char *tag)
{
	struct spec_docker_entry *e;

	for (size_t i = 0; i < c->docker.n_entries; i++) {
		e = &c->docker.entries[i];
		if (!strcmp(e->config + strlen("blobs/sha256/"),
			    digest_hex(img->manifest.config.digest))) {
			if (tag) {
				e->repo_tags =
				    xrealloc(e->repo_tags, (e->n_repo_tags + 1) * sizeof(char *));
				e->repo_tags[e->n_repo_tags++] = xstrdup(tag);
			}
			return;
		}
	}
	c->docker.entries =
	    xrealloc(c->docker.entries, (c->docker.n_entries + 1) * sizeof(*c->docker.entries));
	e = &c->docker.entries[c->docker.n_entries++];
	*e = (struct spec_docker_entry){ 0 };
	e->config = xasprintf("blobs/sha256/%s", digest_hex(img->manifest.config.digest));
	e->layers = xcalloc(img->manifest.n_layers + 1, sizeof(char *));
	e->n_layers = img->manifest.n_layers;
	for (size_t i = 0; i < img->manifest.n_layers; i++)
		e->layers[i] =
		    xasprintf("blobs/sha256/%s", digest_hex(img->manifest.layers[i].digest));
	if (tag) {
		e->repo_tags = xcalloc(2, sizeof(char *));
		e->repo_tags[0] = xstrdup(tag);
		e->n_repo_tags = 1;
	}
}

static int save_one(struct save_ctx *c, const char *name, enum image_save_format format,
		    struct qerr *err)
{
	struct image *img = NULL;
	struct spec_descriptor d = { 0 };
	_cleanup_free_ char *tag = NULL;
	int r;

	r = image_open(c->s, name, NULL, &img, err);
	if (r < 0)
		return r;
	if (img->entry.ref)
		tag = xasprintf("%s:%s", img->entry.repository, img->entry.tag);
	d.media_type = xstrdup(img->entry.media_type);
	d.digest = xstrdup(img->entry.digest);
	r = spec_media_type_is_index(d.media_type) ? put_index(c, d.digest, err)
						   : put_manifest(c, d.digest, err);
	if (r >= 0) {
		struct stat st;
		_cleanup_close_ int fd = blob_open(c->s, d.digest, err);

		r = fd < 0 ? fd : fstat(fd, &st) < 0 ? -errno : 0;
		if (r >= 0) {
			d.size = st.st_size;
			if (img->entry.ref) {
				spec_descriptor_set_annotation(&d, SPEC_ANNOT_REF_NAME,
							       img->entry.ref);
				spec_descriptor_set_annotation(&d, SPEC_ANNOT_CONTAINERD,
							       img->entry.ref);
			}
			spec_index_add(&c->index, &d);
		}
	}
	if (r >= 0 && format == IMAGE_SAVE_DOCKER)
		docker_entry(c, img, tag);
	spec_descriptor_release(&d);
	image_free(img);
	return r;
}

int image_save(struct image_store *s, char *const *names, size_t n, enum image_save_format format,
	       int fd, struct qerr *err)
{
	static const char layout[] = "{\"imageLayoutVersion\":\"" SPEC_MT_OCI_LAYOUT_VERSION "\"}";
	struct save_ctx c = {
		.s = s, .index = { .schema_version = 2, .media_type = xstrdup(SPEC_MT_OCI_INDEX) }
	};
	_cleanup_free_ char *ibuf = NULL, *dbuf = NULL;
	size_t ilen, dlen;
	int r = 0;

	/* Resolve every name before writing a byte: a typo must not leave half an archive. */
	for (size_t i = 0; i < n; i++) {
		struct image_entry e;

		r = image_find(s, names[i], &e, err);
		if (r < 0)
			goto out;
		image_entry_release(&e);
	}
	c.t = tar_out_new(fd, err);
	if (!c.t) {
		r = err ? err->code : -EIO;
		goto out;
	}
	r = tar_out_buffer(c.t, "oci-layout", layout, strlen(layout), err);
	if (r >= 0)
		r = tar_out_dir(c.t, "blobs", err);
	if (r >= 0)
		r = tar_out_dir(c.t, "blobs/sha256", err);
	for (size_t i = 0; r >= 0 && i < n; i++)
		r = save_one(&c, names[i], format, err);
	if (r >= 0) {
		ibuf = spec_index_write(&c.index, &ilen);
		r = tar_out_buffer(c.t, "index.json", ibuf, ilen, err);
	}
	if (r >= 0 && format == IMAGE_SAVE_DOCKER) {
		dbuf = spec_docker_manifest_write(&c.docker, &dlen);
		r = tar_out_buffer(c.t, "manifest.json", dbuf, dlen, err);
	}
	if (r >= 0)
		r = tar_out_close(c.t, err);
out:
	tar_out_free(c.t);
	for (size_t i = 0; i < c.n_written; i++)
		free(c.written[i]);
	free(c.written);
	spec_index_release(&c.index);
	spec_docker_manifest_release(&c.docker);
	return r;
}
