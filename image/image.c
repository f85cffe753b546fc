/* Opening one image for a platform; tag and rmi (index.json edits). */
#include "image/image-internal.h"

struct image *image_free(struct image *img)
{
	if (!img)
		return NULL;
	image_entry_release(&img->entry);
	free(img->manifest_digest);
	free(img->manifest_json);
	spec_manifest_release(&img->manifest);
	free(img->config_json);
	spec_image_config_release(&img->config);
	free(img);
	return NULL;
}

static int open_manifest(struct image_store *s, struct image *img, const char *digest,
			 struct qerr *err)
{
	int r;

	img->manifest_digest = xstrdup(digest);
	r = blob_read_small(s, digest, &img->manifest_json, &img->manifest_len, err);
	if (r >= 0)
		r = spec_manifest_parse(img->manifest_json, img->manifest_len, &img->manifest, err);
	if (r >= 0)
		r = blob_read_small(s, img->manifest.config.digest, &img->config_json,
				    &img->config_len, err);
	if (r >= 0)
		r = spec_image_config_parse(img->config_json, img->config_len, &img->config, err);
	if (r >= 0 && img->config.n_diff_ids != img->manifest.n_layers)
		r = qerr_set(err, -EBADMSG,
			     "manifest %s: %zu layers, but its config has %zu diff_ids", digest,
			     img->manifest.n_layers, img->config.n_diff_ids);
	return r;
}

int image_open(struct image_store *s, const char *name, const struct spec_platform *platform,
	       struct image **ret_image, struct qerr *err)
{
	struct image *img = xcalloc(1, sizeof(*img));
	int r;

	r = image_find(s, name, &img->entry, err);
	if (r < 0)
		goto fail;
	if (spec_media_type_is_index(img->entry.media_type)) {
		_cleanup_free_ char *buf = NULL;
		struct spec_index idx = { 0 };
		struct spec_descriptor d = { 0 };
		size_t len;

		r = blob_read_small(s, img->entry.digest, &buf, &len, err);
		if (r >= 0)
			r = spec_index_parse(buf, len, &idx, err);
		if (r >= 0)
			r = resolve_platform(s, name, &idx, platform, &d, err);
		if (r >= 0)
			r = open_manifest(s, img, d.digest, err);
		spec_descriptor_release(&d);
		spec_index_release(&idx);
	} else {
		r = open_manifest(s, img, img->entry.digest, err);
		if (r >= 0 && platform) {
			struct spec_platform have = {
				.os = img->config.os,
				.architecture = img->config.architecture,
				.variant = img->config.variant,
			};

			if (!spec_platform_match(platform, &have)) {
				_cleanup_free_ char *w = spec_platform_format(platform);
				_cleanup_free_ char *h = spec_platform_format(&have);

				r = qerr_set(err, -ENOENT, "image '%s' is %s, not %s", name, h, w);
			}
		}
	}
	if (r < 0)
		goto fail;
	*ret_image = img;
	return 0;
fail:
	image_free(img);
	return r;
}

int image_open_manifest(struct image_store *s, const char *digest, struct image **ret_image,
			struct qerr *err)
{
	struct image *img = xcalloc(1, sizeof(*img));
	int r;

	if (!spec_digest_valid(digest)) {
		image_free(img);
		return qerr_set(err, -EINVAL, "'%s' is not a manifest digest", digest);
	}
	img->entry.digest = xstrdup(digest);
	img->entry.media_type = xstrdup(SPEC_MT_OCI_MANIFEST);
	r = open_manifest(s, img, digest, err);
	if (r >= 0)
		img->entry.id = xstrdup(img->manifest.config.digest);
	if (r < 0) {
		image_free(img);
		return r;
	}
	*ret_image = img;
	return 0;
}

/* ---- tag ------------------------------------------------------------------------------ */

struct tag_op {
	const char *source;
	const char *target; /* full normalised */
	struct image_store *s;
};

static void drop_ref(struct spec_index *idx, const char *full)
{
	for (size_t i = idx->n_manifests; i > 0; i--) {
		const char *n =
		    spec_descriptor_annotation(&idx->manifests[i - 1], SPEC_ANNOT_REF_NAME);
		struct spec_reference ref = { 0 };
		_cleanup_free_ char *f = NULL;

		if (n && spec_reference_parse(n, &ref, NULL) >= 0)
			f = spec_reference_format(&ref);
		spec_reference_release(&ref);
		if (f && !strcmp(f, full))
			spec_index_remove(idx, i - 1);
	}
}

static int do_tag(struct spec_index *idx, void *data, struct qerr *err)
{
	struct tag_op *op = data;
	_cleanup_free_ size_t *pos = NULL;
	struct spec_descriptor d = { 0 };
	size_t n;
	bool id;
	int r;

	r = resolve_name(op->s, idx, op->source, &pos, &n, &id, err);
	if (r < 0)
		return r;
	spec_descriptor_copy(&d, &idx->manifests[pos[0]]);
	for (size_t i = 0; i < d.n_annotations; i++) {
		free(d.annotations[i].key);
		free(d.annotations[i].value);
	}
	free(d.annotations);
	d.annotations = NULL;
	d.n_annotations = 0;
	spec_descriptor_set_annotation(&d, SPEC_ANNOT_REF_NAME, op->target);
	drop_ref(idx, op->target);
	/* An untagged entry of the same image is now redundant. */
	for (size_t i = idx->n_manifests; i > 0; i--)
		if (!spec_descriptor_annotation(&idx->manifests[i - 1], SPEC_ANNOT_REF_NAME) &&
		    !strcmp(idx->manifests[i - 1].digest, d.digest))
			spec_index_remove(idx, i - 1);
	spec_index_add(idx, &d);
	spec_descriptor_release(&d);
	return 0;
}

int image_tag(struct image_store *s, const char *source, const char *target, struct qerr *err)
{
	struct spec_reference ref = { 0 };
	_cleanup_free_ char *full = NULL;
	int r;

	r = spec_reference_parse(target, &ref, err);
	if (r < 0)
		return qerr_wrap(err, r, "target '%s'", target);
	if (ref.digest) {
		spec_reference_release(&ref);
		return qerr_set(err, -EINVAL, "target '%s': a tag cannot name a digest", target);
	}
	full = spec_reference_format(&ref);
	spec_reference_release(&ref);
	return store_update_index(s, do_tag, &(struct tag_op){ source, full, s }, err);
}

/* ---- rmi ------------------------------------------------------------------------------ */

struct rm_op {
	struct image_store *s;
	const char *name;
	bool force;
	char **untagged;
	size_t n_untagged;
	char *digest; /* of the removed entries */
	bool gone;    /* nothing refers to digest any more */
};

static int do_remove(struct spec_index *idx, void *data, struct qerr *err)
{
	struct rm_op *op = data;
	_cleanup_free_ size_t *pos = NULL;
	size_t n, tagged = 0;
	bool id;
	int r;

	r = resolve_name(op->s, idx, op->name, &pos, &n, &id, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++)
		tagged +=
		    !!spec_descriptor_annotation(&idx->manifests[pos[i]], SPEC_ANNOT_REF_NAME);
	if (id && tagged > 1 && !op->force)
		return qerr_set(err, -EBUSY,
				"image '%s' has %zu tags: remove them by name, or use -f to remove "
				"them all",
				op->name, tagged);
	op->digest = xstrdup(idx->manifests[pos[0]].digest);
	/* pos is ascending: remove from the end so the positions stay valid. */
	for (size_t i = n; i > 0; i--) {
		struct spec_descriptor *d = &idx->manifests[pos[i - 1]];
		const char *name = spec_descriptor_annotation(d, SPEC_ANNOT_REF_NAME);
		struct spec_reference ref = { 0 };

		if (name && spec_reference_parse(name, &ref, NULL) >= 0) {
			_cleanup_free_ char *fam = spec_reference_familiar_name(&ref);

			op->untagged =
			    xrealloc(op->untagged, (op->n_untagged + 1) * sizeof(*op->untagged));
			op->untagged[op->n_untagged++] =
			    xasprintf("%s:%s", fam, ref.tag ? ref.tag : "");
		}
		spec_reference_release(&ref);
		spec_index_remove(idx, pos[i - 1]);
	}
	op->gone = true;
	for (size_t i = 0; i < idx->n_manifests; i++)
		if (!strcmp(idx->manifests[i].digest, op->digest))
			op->gone = false;
	return 0;
}

int image_remove(struct image_store *s, const char *name, bool force,
		 void (*report)(const char *line, void *data), void *data, struct qerr *err)
{
	struct rm_op op = { .s = s, .name = name, .force = force };
	struct image_entry e = { 0 };
	int r;

	/* The ID for the report, read before the entry goes. */
	r = image_find(s, name, &e, err);
	if (r >= 0)
		r = store_update_index(s, do_remove, &op, err);
	if (r >= 0) {
		for (size_t i = 0; i < op.n_untagged; i++) {
			_cleanup_free_ char *line = xasprintf("Untagged: %s", op.untagged[i]);

			report(line, data);
		}
		if (op.gone) {
			_cleanup_free_ char *line = xasprintf("Deleted: %s", e.id);
			uint64_t freed;

			report(line, data);
			/* Free the space now unless another qrun uses the store (prune will). */
			if (store_lock_exclusive(s, false) == 0) {
				(void)gc_collect(s, false, &freed, NULL);
				store_lock_shared(s);
			}
		}
	}
	for (size_t i = 0; i < op.n_untagged; i++)
		free(op.untagged[i]);
	free(op.untagged);
	free(op.digest);
	image_entry_release(&e);
	return r;
}

/* ---- adding (load, import) ------------------------------------------------------------- */

struct add_op {
	const struct index_add *v;
	size_t n;
};

static int do_add(struct spec_index *idx, void *data, struct qerr *err)
{
	struct add_op *op = data;

	(void)err;
	for (size_t i = 0; i < op->n; i++) {
		const struct index_add *a = &op->v[i];
		struct spec_descriptor d = { 0 };
		bool present = false;

		if (a->ref) {
			drop_ref(idx, a->ref);
		} else {
			for (size_t k = 0; k < idx->n_manifests; k++)
				present |= !strcmp(idx->manifests[k].digest, a->desc.digest);
			if (present)
				continue;
		}
		spec_descriptor_copy(&d, &a->desc);
		if (a->ref)
			spec_descriptor_set_annotation(&d, SPEC_ANNOT_REF_NAME, a->ref);
		spec_index_add(idx, &d);
		spec_descriptor_release(&d);
	}
	return 0;
}

int index_add_all(struct image_store *s, const struct index_add *v, size_t n, struct qerr *err)
{
	return store_update_index(s, do_add, &(struct add_op){ v, n }, err);
}
