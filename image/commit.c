/*
 * New images from work (commit, build): a layer written from a change set straight into the
 * store, and an image made of a base's layers, new layers and a config the caller wrote.
 * Nothing is tagged before every blob is in place, so a killed commit leaves at most
 * unreferenced blobs, which prune removes.
 */
#include "image/image-internal.h"

#include <fcntl.h>

static int blob_out(void *data, const void *buf, size_t len, struct qerr *err)
{
	return blob_writer_write(data, buf, len, err);
}

int image_layer_create(struct image_store *s, const struct image_tree *tree,
		       const struct image_change *v, size_t n, int64_t clamp_mtime,
		       struct image_layer_desc *ret, struct qerr *err)
{
	const struct image_layer_opts o = { .clamp_mtime = clamp_mtime, .gzip = true };
	_cleanup_free_ char *stage = NULL;
	struct blob_writer w = { .fd = -1 };
	int r = store_mkdtemp(s, "layer", &stage, err);

	if (r >= 0)
		r = blob_writer_open(&w, stage, err);
	if (r >= 0)
		r = layer_write(tree, v, n, &o, blob_out, &w, ret->diff_id, err);
	if (r >= 0)
		r = blob_writer_finish(&w, ret->digest, err);
	if (r >= 0) {
		ret->size = (int64_t)w.size;
		r = blob_adopt(s, w.path, ret->digest, err);
	}
	if (r >= 0) {
		free(w.path);
		w.path = NULL;
	}
	blob_writer_release(&w);
	if (stage)
		(void)rm_rf_at(AT_FDCWD, stage);
	return r;
}

/* The full normalised form of name in *ret (NULL for NULL: untagged). */
static int normal_name(const char *name, char **ret, struct qerr *err)
{
	struct spec_reference ref = { 0 };
	int r;

	*ret = NULL;
	if (!name)
		return 0;
	r = spec_reference_parse(name, &ref, err);
	if (r < 0)
		return qerr_wrap(err, r, "name '%s'", name);
	*ret = spec_reference_format(&ref);
	spec_reference_release(&ref);
	return 0;
}

/* List a stored manifest or index in index.json as full (NULL: untagged). */
static int list_in_index(struct image_store *s, const char *media_type, const char *digest,
			 size_t size, const char *full, struct qerr *err)
{
	struct index_add a = { .desc = { .media_type = (char *)media_type,
					 .digest = (char *)digest,
					 .size = (int64_t)size },
			       .ref = (char *)full };

	return index_add_all(s, &a, 1, err);
}

int image_create(struct image_store *s, const struct image *base,
		 const struct image_layer_desc *layers, size_t n_layers, const char *config,
		 size_t config_len, const char *name, bool listed, char ret_manifest[72],
		 struct qerr *err)
{
	size_t n_base = base ? base->manifest.n_layers : 0, manifest_len;
	struct spec_descriptor *l = xcalloc(n_base + n_layers + 1, sizeof(*l));
	struct spec_manifest m = { .schema_version = 2,
				   .media_type = (char *)SPEC_MT_OCI_MANIFEST };
	_cleanup_free_ char *manifest = NULL, *full = NULL;
	char config_digest[72], manifest_digest[72];
	int r = 0;

	r = normal_name(name, &full, err);
	if (r < 0) {
		free(l);
		return r;
	}
	/* The base's layers as OCI media types (the same bytes; docker's types are aliases). */
	for (size_t i = 0; r >= 0 && i < n_base; i++) {
		const struct spec_descriptor *b = &base->manifest.layers[i];
		enum spec_compression comp;

		r = spec_layer_compression(b->media_type, &comp);
		if (r < 0) {
			r = qerr_set(err, r, "layer %s: media type '%s' cannot be carried over",
				     b->digest, b->media_type);
			break;
		}
		l[i] = (struct spec_descriptor){ .media_type = (char *)spec_layer_media_type(comp),
						 .digest = b->digest,
						 .size = b->size };
	}
	for (size_t i = 0; i < n_layers; i++)
		l[n_base + i] =
		    (struct spec_descriptor){ .media_type =
						  (char *)spec_layer_media_type(SPEC_COMP_GZIP),
					      .digest = (char *)layers[i].digest,
					      .size = layers[i].size };
	digest_buffer(config, config_len, config_digest);
	m.config = (struct spec_descriptor){ .media_type = (char *)SPEC_MT_OCI_CONFIG,
					     .digest = config_digest,
					     .size = (int64_t)config_len };
	m.layers = l;
	m.n_layers = n_base + n_layers;
	if (r >= 0) {
		manifest = spec_manifest_write(&m, &manifest_len);
		r = blob_put_buffer(s, config, config_len, config_digest, err);
	}
	if (r >= 0)
		r = blob_put_buffer(s, manifest, manifest_len, manifest_digest, err);
	if (r >= 0 && (name || listed))
		r = list_in_index(s, SPEC_MT_OCI_MANIFEST, manifest_digest, manifest_len, full,
				  err);
	if (r >= 0)
		memcpy(ret_manifest, manifest_digest, 72);
	free(l);
	return r;
}

int image_name(struct image_store *s, const char *manifest, const char *name, struct qerr *err)
{
	_cleanup_free_ char *buf = NULL, *full = NULL;
	size_t len;
	int r = normal_name(name, &full, err);

	if (r >= 0)
		r = blob_read_small(s, manifest, &buf, &len, err);
	if (r >= 0)
		r = list_in_index(s, SPEC_MT_OCI_MANIFEST, manifest, len, full, err);
	return r;
}

int image_create_index(struct image_store *s, char (*manifests)[72], size_t n, const char *name,
		       char ret_digest[72], struct qerr *err)
{
	struct spec_index idx = { .schema_version = 2, .media_type = (char *)SPEC_MT_OCI_INDEX };
	_cleanup_free_ char *buf = NULL;
	size_t len;
	int r = 0;

	for (size_t i = 0; r >= 0 && i < n; i++) {
		struct image *img = NULL;
		struct spec_platform p = { 0 };
		struct spec_descriptor d = { .media_type = (char *)SPEC_MT_OCI_MANIFEST };

		r = image_open_manifest(s, manifests[i], &img, err);
		if (r < 0)
			break;
		p = (struct spec_platform){ .os = img->config.os,
					    .architecture = img->config.architecture,
					    .variant = img->config.variant };
		d.digest = manifests[i];
		d.size = (int64_t)img->manifest_len;
		d.platform = &p;
		spec_index_add(&idx, &d);
		image_free(img);
	}
	if (r >= 0) {
		buf = spec_index_write(&idx, &len);
		r = blob_put_buffer(s, buf, len, ret_digest, err);
	}
	if (r >= 0) {
		_cleanup_free_ char *full = NULL;

		r = normal_name(name, &full, err);
		if (r >= 0)
			r = list_in_index(s, SPEC_MT_OCI_INDEX, ret_digest, len, full, err);
	}
	idx.media_type = NULL; /* static */
	spec_index_release(&idx);
	return r;
}
