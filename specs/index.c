#include "specs/specs-internal.h"

#include <assert.h>

/*
 * OCI image index (image-spec image-index.md), which is also the format of an OCI layout's
 * index.json, and docker's manifest list (the same shape with another media type).
 */

int spec_index_parse(const char *buf, size_t len, struct spec_index *ret, struct qerr *err)
{
	_cleanup_jdoc_ struct jdoc *doc = NULL;
	struct spec_index idx = { 0 };
	const struct jnode *root, *arr;
	struct jctx c;
	int64_t version;
	size_t saved;
	int r;

	jctx_init(&c, "index", err);
	r = jdoc_parse("index", buf, len, &doc, err);
	if (r < 0)
		return r;
	root = jdoc_root(doc);
	if (jnode_type(root) != JT_OBJECT)
		return jctx_fail(&c, "expected a JSON object");
	if ((r = jread_int(&c, root, "schemaVersion", 2, 2, &version)) < 0 ||
	    (r = jread_string(&c, root, "mediaType", false, &idx.media_type)) < 0 ||
	    (r = jread_array(&c, root, "manifests", true, &arr)) < 0)
		goto fail;
	idx.schema_version = (int)version;
	if (idx.media_type && !spec_media_type_is_index(idx.media_type)) {
		saved = jctx_push_key(&c, "mediaType");
		r = jctx_fail(&c, "'%s' is not an image index media type", idx.media_type);
		jctx_pop(&c, saved);
		goto fail;
	}
	r = spec_descriptors_read(&c, arr, "manifests", &idx.manifests, &idx.n_manifests);
	if (r < 0)
		goto fail;
	*ret = idx;
	return 0;
fail:
	spec_index_release(&idx);
	return r;
}

void spec_index_add(struct spec_index *idx, const struct spec_descriptor *d)
{
	idx->manifests = xrealloc(idx->manifests, (idx->n_manifests + 1) * sizeof(*idx->manifests));
	spec_descriptor_copy(&idx->manifests[idx->n_manifests], d);
	idx->n_manifests++;
}

void spec_index_remove(struct spec_index *idx, size_t i)
{
	assert(i < idx->n_manifests);
	spec_descriptor_release(&idx->manifests[i]);
	memmove(&idx->manifests[i], &idx->manifests[i + 1],
		(idx->n_manifests - i - 1) * sizeof(*idx->manifests));
	idx->n_manifests--;
}

char *spec_index_write(const struct spec_index *idx, size_t *ret_len)
{
	struct spec_json *j = spec_json_new(false);
	size_t i;

	spec_json_object_begin(j);
	spec_json_key(j, "schemaVersion");
	spec_json_int(j, idx->schema_version);
	if (idx->media_type) {
		spec_json_key(j, "mediaType");
		spec_json_string(j, idx->media_type);
	}
	spec_json_key(j, "manifests");
	spec_json_array_begin(j);
	for (i = 0; i < idx->n_manifests; i++)
		spec_descriptor_emit(j, &idx->manifests[i]);
	spec_json_array_end(j);
	spec_json_object_end(j);
	return spec_json_finish(j, ret_len);
}

void spec_index_release(struct spec_index *idx)
{
	size_t i;

	for (i = 0; i < idx->n_manifests; i++)
		spec_descriptor_release(&idx->manifests[i]);
	free(idx->manifests);
	free(idx->media_type);
	*idx = (struct spec_index){ 0 };
}
