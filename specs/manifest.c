#include "specs/specs-internal.h"

/*
 * OCI image manifest (image-spec manifest.md) and docker's schema 2 manifest, which has the
 * same shape. Schema 1 manifests (schemaVersion 1, signed) are refused: registries stopped
 * serving them and they carry no config blob.
 */

int spec_manifest_parse(const char *buf, size_t len, struct spec_manifest *ret, struct qerr *err)
{
	_cleanup_jdoc_ struct jdoc *doc = NULL;
	struct spec_manifest m = { 0 };
	const struct jnode *root, *cfg, *arr;
	struct jctx c;
	int64_t version;
	size_t saved;
	int r;

	jctx_init(&c, "manifest", err);
	r = jdoc_parse("manifest", buf, len, &doc, err);
	if (r < 0)
		return r;
	root = jdoc_root(doc);
	if (jnode_type(root) != JT_OBJECT)
		return jctx_fail(&c, "expected a JSON object");
	if ((r = jread_int(&c, root, "schemaVersion", 2, 2, &version)) < 0 ||
	    (r = jread_string(&c, root, "mediaType", false, &m.media_type)) < 0 ||
	    (r = jread_object(&c, root, "config", true, &cfg)) < 0 ||
	    (r = jread_array(&c, root, "layers", true, &arr)) < 0)
		goto fail;
	m.schema_version = (int)version;
	if (m.media_type && !spec_media_type_is_manifest(m.media_type)) {
		saved = jctx_push_key(&c, "mediaType");
		r = jctx_fail(&c, "'%s' is not an image manifest media type", m.media_type);
		jctx_pop(&c, saved);
		goto fail;
	}
	saved = jctx_push_key(&c, "config");
	r = spec_descriptor_read(&c, cfg, &m.config);
	jctx_pop(&c, saved);
	if (r < 0)
		goto fail;
	r = spec_descriptors_read(&c, arr, "layers", &m.layers, &m.n_layers);
	if (r < 0)
		goto fail;
	*ret = m;
	return 0;
fail:
	spec_manifest_release(&m);
	return r;
}

char *spec_manifest_write(const struct spec_manifest *m, size_t *ret_len)
{
	struct spec_json *j = spec_json_new(false);
	size_t i;

	spec_json_object_begin(j);
	spec_json_key(j, "schemaVersion");
	spec_json_int(j, m->schema_version);
	if (m->media_type) {
		spec_json_key(j, "mediaType");
		spec_json_string(j, m->media_type);
	}
	spec_json_key(j, "config");
	spec_descriptor_emit(j, &m->config);
	spec_json_key(j, "layers");
	spec_json_array_begin(j);
	for (i = 0; i < m->n_layers; i++)
		spec_descriptor_emit(j, &m->layers[i]);
	spec_json_array_end(j);
	spec_json_object_end(j);
	return spec_json_finish(j, ret_len);
}

void spec_manifest_release(struct spec_manifest *m)
{
	size_t i;

	free(m->media_type);
	spec_descriptor_release(&m->config);
	for (i = 0; i < m->n_layers; i++)
		spec_descriptor_release(&m->layers[i]);
	free(m->layers);
	*m = (struct spec_manifest){ 0 };
}
