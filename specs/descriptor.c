#include "specs/specs-internal.h"

/*
 * OCI content descriptors (image-spec descriptor.md), shared by the index and the manifest.
 * Only the fields qrun uses are kept; urls, artifactType and data are dropped on a rewrite,
 * which is what the store wants (it never follows urls).
 */

const char *spec_descriptor_annotation(const struct spec_descriptor *d, const char *key)
{
	size_t i;

	for (i = 0; i < d->n_annotations; i++)
		if (!strcmp(d->annotations[i].key, key))
			return d->annotations[i].value;
	return NULL;
}

void spec_descriptor_set_annotation(struct spec_descriptor *d, const char *key, const char *value)
{
	size_t i;

	for (i = 0; i < d->n_annotations; i++)
		if (!strcmp(d->annotations[i].key, key)) {
			free(d->annotations[i].value);
			d->annotations[i].value = xstrdup(value);
			return;
		}
	d->annotations = xrealloc(d->annotations, (d->n_annotations + 1) * sizeof(*d->annotations));
	d->annotations[d->n_annotations].key = xstrdup(key);
	d->annotations[d->n_annotations].value = xstrdup(value);
	d->n_annotations++;
}

void spec_descriptor_copy(struct spec_descriptor *dst, const struct spec_descriptor *src)
{
	size_t i;

	*dst = (struct spec_descriptor){
		.media_type = src->media_type ? xstrdup(src->media_type) : NULL,
		.digest = src->digest ? xstrdup(src->digest) : NULL,
		.size = src->size,
	};
	if (src->platform) {
		dst->platform = xcalloc(1, sizeof(*dst->platform));
		spec_platform_copy(dst->platform, src->platform);
	}
	if (src->n_annotations) {
		dst->annotations = xcalloc(src->n_annotations, sizeof(*dst->annotations));
		for (i = 0; i < src->n_annotations; i++) {
			dst->annotations[i].key = xstrdup(src->annotations[i].key);
			dst->annotations[i].value = xstrdup(src->annotations[i].value);
		}
		dst->n_annotations = src->n_annotations;
	}
}

void spec_descriptor_release(struct spec_descriptor *d)
{
	size_t i;

	free(d->media_type);
	free(d->digest);
	if (d->platform) {
		spec_platform_release(d->platform);
		free(d->platform);
	}
	for (i = 0; i < d->n_annotations; i++) {
		free(d->annotations[i].key);
		free(d->annotations[i].value);
	}
	free(d->annotations);
	*d = (struct spec_descriptor){ 0 };
}

int spec_platform_read(struct jctx *c, const struct jnode *n, struct spec_platform *ret)
{
	struct spec_platform p = { 0 };
	int r;

	if ((r = jread_string(c, n, "architecture", true, &p.architecture)) < 0 ||
	    (r = jread_string(c, n, "os", true, &p.os)) < 0 ||
	    (r = jread_string(c, n, "variant", false, &p.variant)) < 0) {
		spec_platform_release(&p);
		return r;
	}
	*ret = p;
	return 0;
}

void spec_platform_emit(struct spec_json *j, const struct spec_platform *p)
{
	spec_json_object_begin(j);
	spec_json_key(j, "architecture");
	spec_json_string(j, p->architecture ? p->architecture : "");
	spec_json_key(j, "os");
	spec_json_string(j, p->os ? p->os : "");
	if (p->variant) {
		spec_json_key(j, "variant");
		spec_json_string(j, p->variant);
	}
	spec_json_object_end(j);
}

/* annotations: an object of strings. */
static int read_annotations(struct jctx *c, const struct jnode *obj, struct spec_descriptor *d)
{
	const struct jnode *a;
	size_t i, n, saved, saved_k;
	int r;

	r = jread_object(c, obj, "annotations", false, &a);
	if (r < 0 || !a)
		return r;
	n = jnode_len(a);
	d->annotations = xcalloc(n ? n : 1, sizeof(*d->annotations));
	for (i = 0; i < n; i++) {
		if (jnode_type(jnode_value(a, i)) != JT_STRING) {
			saved = jctx_push_key(c, "annotations");
			saved_k = jctx_push_key(c, jnode_key(a, i));
			r = jctx_fail(c, "expected a string");
			jctx_pop(c, saved_k);
			jctx_pop(c, saved);
			return r;
		}
		d->annotations[i].key = xstrdup(jnode_key(a, i));
		d->annotations[i].value = xstrdup(jnode_string(jnode_value(a, i)));
		d->n_annotations = i + 1;
	}
	return 0;
}

int spec_descriptor_read(struct jctx *c, const struct jnode *n, struct spec_descriptor *ret)
{
	struct spec_descriptor d = { 0 };
	const struct jnode *pn;
	size_t saved;
	int r;

	if (jnode_type(n) != JT_OBJECT)
		return jctx_fail(c, "expected an object");
	if ((r = jread_string(c, n, "mediaType", true, &d.media_type)) < 0 ||
	    (r = jread_digest(c, n, "digest", &d.digest)) < 0 ||
	    (r = jread_size(c, n, "size", &d.size)) < 0 || (r = read_annotations(c, n, &d)) < 0 ||
	    (r = jread_object(c, n, "platform", false, &pn)) < 0)
		goto fail;
	if (pn) {
		d.platform = xcalloc(1, sizeof(*d.platform));
		saved = jctx_push_key(c, "platform");
		r = spec_platform_read(c, pn, d.platform);
		jctx_pop(c, saved);
		if (r < 0)
			goto fail;
	}
	*ret = d;
	return 0;
fail:
	spec_descriptor_release(&d);
	return r;
}

static int cmp_annotation(const void *a, const void *b)
{
	return strcmp((*(const struct spec_annotation *const *)a)->key,
		      (*(const struct spec_annotation *const *)b)->key);
}

void spec_descriptor_emit(struct spec_json *j, const struct spec_descriptor *d)
{
	_cleanup_free_ const struct spec_annotation **sorted = NULL;
	size_t i;

	spec_json_object_begin(j);
	spec_json_key(j, "mediaType");
	spec_json_string(j, d->media_type ? d->media_type : "");
	spec_json_key(j, "digest");
	spec_json_string(j, d->digest ? d->digest : "");
	spec_json_key(j, "size");
	spec_json_int(j, d->size);
	if (d->n_annotations) {
		/* Sorted, so that the same annotations always give the same bytes (and digest). */
		sorted = xmalloc(d->n_annotations * sizeof(*sorted));
		for (i = 0; i < d->n_annotations; i++)
			sorted[i] = &d->annotations[i];
		qsort(sorted, d->n_annotations, sizeof(*sorted), cmp_annotation);
		spec_json_key(j, "annotations");
		spec_json_object_begin(j);
		for (i = 0; i < d->n_annotations; i++) {
			spec_json_key(j, sorted[i]->key);
			spec_json_string(j, sorted[i]->value);
		}
		spec_json_object_end(j);
	}
	if (d->platform) {
		spec_json_key(j, "platform");
		spec_platform_emit(j, d->platform);
	}
	spec_json_object_end(j);
}

int spec_descriptors_read(struct jctx *c, const struct jnode *arr, const char *key,
			  struct spec_descriptor **ret_v, size_t *ret_n)
{
	size_t n = jnode_len(arr);

	*ret_v = xcalloc(n ? n : 1, sizeof(**ret_v));
	*ret_n = 0;
	for (size_t i = 0; i < n; i++) {
		size_t saved = jctx_push_key(c, key);
		size_t saved_i = jctx_push_index(c, i);
		int r = spec_descriptor_read(c, jnode_item(arr, i), &(*ret_v)[i]);

		jctx_pop(c, saved_i);
		jctx_pop(c, saved);
		if (r < 0)
			return r;
		*ret_n = i + 1;
	}
	return 0;
}
