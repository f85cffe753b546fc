/*
 * From names to index.json entries and from an index to one platform's manifest. Names are
 * tried as references first (docker's grammar, normalised), then as image IDs.
 */
#include "image/image-internal.h"

void image_entry_release(struct image_entry *e)
{
	free(e->ref);
	free(e->repository);
	free(e->tag);
	free(e->digest);
	free(e->media_type);
	free(e->id);
	free(e->created);
	*e = (struct image_entry){ 0 };
}

void image_entries_free(struct image_entry *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		image_entry_release(&v[i]);
	free(v);
}

/* Size and created of one manifest; the config digest in ret_id when asked. */
static int manifest_facts(struct image_store *s, const char *digest, int64_t *size, char **created,
			  char **ret_id, struct qerr *err)
{
	_cleanup_free_ char *buf = NULL, *cbuf = NULL;
	struct spec_manifest m = { 0 };
	struct spec_image_config c = { 0 };
	size_t len, clen;
	int r;

	r = blob_read_small(s, digest, &buf, &len, err);
	if (r < 0)
		return r;
	r = spec_manifest_parse(buf, len, &m, err);
	if (r < 0)
		return qerr_wrap(err, r, "manifest %s", digest);
	*size += m.config.size;
	for (size_t i = 0; i < m.n_layers; i++)
		*size += m.layers[i].size;
	if (ret_id)
		*ret_id = xstrdup(m.config.digest);
	if (created && !*created && blob_read_small(s, m.config.digest, &cbuf, &clen, NULL) >= 0 &&
	    spec_image_config_parse(cbuf, clen, &c, NULL) >= 0) {
		*created = c.created ? xstrdup(c.created) : NULL;
		spec_image_config_release(&c);
	}
	spec_manifest_release(&m);
	return 0;
}

int entry_from_descriptor(struct image_store *s, const struct spec_descriptor *d,
			  struct image_entry *e, struct qerr *err)
{
	const char *name = spec_descriptor_annotation(d, SPEC_ANNOT_REF_NAME);
	struct spec_reference ref = { 0 };
	int r = 0;

	*e = (struct image_entry){ .digest = xstrdup(d->digest),
				   .media_type = xstrdup(d->media_type ? d->media_type : "") };
	if (name && spec_reference_parse(name, &ref, NULL) >= 0 && ref.tag) {
		e->ref = spec_reference_format(&ref);
		e->repository = spec_reference_familiar_name(&ref);
		e->tag = xstrdup(ref.tag);
	}
	spec_reference_release(&ref);
	if (spec_media_type_is_index(e->media_type)) {
		_cleanup_free_ char *buf = NULL;
		struct spec_index idx = { 0 };
		size_t len;

		e->id = xstrdup(d->digest);
		e->size = d->size;
		r = blob_read_small(s, d->digest, &buf, &len, err);
		if (r >= 0)
			r = spec_index_parse(buf, len, &idx, err);
		for (size_t i = 0; r >= 0 && i < idx.n_manifests; i++) {
			if (!spec_media_type_is_manifest(idx.manifests[i].media_type))
				continue;
			e->size += idx.manifests[i].size;
			r = manifest_facts(s, idx.manifests[i].digest, &e->size, &e->created, NULL,
					   err);
		}
		spec_index_release(&idx);
	} else {
		e->size = d->size;
		r = manifest_facts(s, d->digest, &e->size, &e->created, &e->id, err);
	}
	if (r < 0)
		image_entry_release(e);
	return r;
}

int image_list(struct image_store *s, struct image_entry **ret_v, size_t *ret_n, struct qerr *err)
{
	struct spec_index idx = { 0 };
	struct image_entry *v;
	size_t n = 0;
	int r;

	r = store_read_index(s, &idx, err);
	if (r < 0)
		return r;
	v = xcalloc(idx.n_manifests + 1, sizeof(*v));
	for (size_t i = 0; i < idx.n_manifests; i++) {
		r = entry_from_descriptor(s, &idx.manifests[i], &v[n], err);
		if (r < 0) {
			image_entries_free(v, n);
			spec_index_release(&idx);
			return r;
		}
		n++;
	}
	spec_index_release(&idx);
	*ret_v = v;
	*ret_n = n;
	return 0;
}

static bool is_hex(const char *s, size_t min, size_t max)
{
	size_t n = strspn(s, "0123456789abcdef");

	return s[n] == '\0' && n >= min && n <= max;
}

static char *ref_name_of(const struct spec_descriptor *d)
{
	const char *name = spec_descriptor_annotation(d, SPEC_ANNOT_REF_NAME);
	struct spec_reference ref = { 0 };
	char *out = NULL;

	if (name && spec_reference_parse(name, &ref, NULL) >= 0)
		out = spec_reference_format(&ref);
	spec_reference_release(&ref);
	return out;
}

static char *repository_of(const struct spec_descriptor *d)
{
	const char *name = spec_descriptor_annotation(d, SPEC_ANNOT_REF_NAME);
	struct spec_reference ref = { 0 };
	char *out = NULL;

	if (name && spec_reference_parse(name, &ref, NULL) >= 0)
		out = spec_reference_repository(&ref);
	spec_reference_release(&ref);
	return out;
}

static void push(size_t **v, size_t *n, size_t pos)
{
	*v = xrealloc(*v, (*n + 1) * sizeof(**v));
	(*v)[(*n)++] = pos;
}

static int by_reference(const struct spec_index *idx, const struct spec_reference *ref, size_t **v,
			size_t *n)
{
	_cleanup_free_ char *repo = spec_reference_repository(ref);
	_cleanup_free_ char *full = NULL;

	if (ref->tag) {
		struct spec_reference t = *ref;

		t.digest = NULL;
		full = spec_reference_format(&t);
	}
	for (size_t i = 0; i < idx->n_manifests; i++) {
		const struct spec_descriptor *d = &idx->manifests[i];
		_cleanup_free_ char *name = ref_name_of(d), *r = repository_of(d);

		if (ref->digest && strcmp(d->digest, ref->digest) != 0)
			continue;
		if (full ? (name && !strcmp(name, full)) : (r && !strcmp(r, repo)))
			push(v, n, i);
	}
	/* name@digest: the digest alone decides when no tag of that repository has it. */
	if (*n == 0 && ref->digest && !ref->tag)
		for (size_t i = 0; i < idx->n_manifests; i++)
			if (!strcmp(idx->manifests[i].digest, ref->digest))
				push(v, n, i);
	return 0;
}

static int by_id(struct image_store *s, const struct spec_index *idx, const char *hex, size_t **v,
		 size_t *n, const char *name, struct qerr *err)
{
	_cleanup_free_ char *first = NULL;
	size_t len = strlen(hex);

	for (size_t i = 0; i < idx->n_manifests; i++) {
		struct image_entry e;

		if (entry_from_descriptor(s, &idx->manifests[i], &e, NULL) < 0)
			continue;
		if (!strncmp(digest_hex(e.id), hex, len) ||
		    !strncmp(digest_hex(e.digest), hex, len)) {
			if (first && strcmp(first, e.id) != 0) {
				image_entry_release(&e);
				return qerr_set(err, -ENOTUNIQ,
						"image ID '%s' is ambiguous: give more digits",
						name);
			}
			if (!first)
				first = xstrdup(e.id);
			push(v, n, i);
		}
		image_entry_release(&e);
	}
	return 0;
}

int resolve_name(struct image_store *s, const struct spec_index *idx, const char *name,
		 size_t **ret_pos, size_t *ret_n, bool *ret_by_id, struct qerr *err)
{
	struct spec_reference ref = { 0 };
	struct qerr perr = { 0 };
	size_t *v = NULL, n = 0;
	const char *hex = str_has_prefix(name, "sha256:") ? name + 7 : name;
	bool id = false;
	int r = spec_reference_parse(name, &ref, &perr);

	if (r >= 0)
		by_reference(idx, &ref, &v, &n);
	spec_reference_release(&ref);
	if (n == 0 && is_hex(hex, hex == name ? 4 : 64, 64)) {
		id = true;
		r = by_id(s, idx, hex, &v, &n, name, err);
		if (r < 0) {
			free(v);
			return r;
		}
	} else if (n == 0 && r < 0) {
		return qerr_set(err, -EINVAL, "image '%s': %s", name, perr.msg);
	}
	if (n == 0)
		return qerr_set(err, -ENOENT, "image '%s': no such image in %s (try 'qrun images')",
				name, s->root);
	*ret_pos = v;
	*ret_n = n;
	*ret_by_id = id;
	return 0;
}

int image_find(struct image_store *s, const char *name, struct image_entry *ret_entry,
	       struct qerr *err)
{
	struct spec_index idx = { 0 };
	_cleanup_free_ size_t *pos = NULL;
	size_t n;
	bool id;
	int r;

	r = store_read_index(s, &idx, err);
	if (r >= 0)
		r = resolve_name(s, &idx, name, &pos, &n, &id, err);
	if (r >= 0)
		r = entry_from_descriptor(s, &idx.manifests[pos[0]], ret_entry, err);
	spec_index_release(&idx);
	return r;
}

int resolve_platform(struct image_store *s, const char *name, const struct spec_index *idx,
		     const struct spec_platform *want, struct spec_descriptor *ret,
		     struct qerr *err)
{
	struct spec_platform host = { 0 };
	_cleanup_free_ char *offered = NULL, *w = NULL;
	size_t len = 0;
	FILE *f;

	(void)s;
	if (!want) {
		spec_platform_host(&host);
		want = &host;
	}
	for (size_t i = 0; i < idx->n_manifests; i++) {
		const struct spec_descriptor *d = &idx->manifests[i];

		if (d->platform && spec_media_type_is_manifest(d->media_type) &&
		    spec_platform_match(want, d->platform)) {
			spec_descriptor_copy(ret, d);
			spec_platform_release(&host);
			return 0;
		}
	}
	f = open_memstream(&offered, &len);
	if (!f)
		abort();
	for (size_t i = 0; i < idx->n_manifests; i++) {
		_cleanup_free_ char *p = NULL;

		if (!idx->manifests[i].platform)
			continue;
		p = spec_platform_format(idx->manifests[i].platform);
		fprintf(f, "%s%s", ftell(f) ? ", " : "", p);
	}
	fclose(f);
	w = spec_platform_format(want);
	spec_platform_release(&host);
	return qerr_set(err, -ENOENT, "image '%s': no %s variant; it offers %s (use --platform)",
			name, w, len ? offered : "no platforms");
}
