/*
 * qrun push: an image of the store to a registry (OCI distribution spec, "push"): every
 * config and layer is asked for first (HEAD) and only the missing ones are uploaded, each
 * monolithically (POST for an upload URL, then one PUT with the whole blob and its digest),
 * several at once; the manifests come last, an index after the manifests it lists, so that
 * the registry never holds a manifest whose blobs are missing. The bytes sent are the
 * stored bytes: the digests the registry computes are the store's.
 */
#include "image/registry-internal.h"

#include <fcntl.h>
#include <sys/stat.h>

struct push_blob {
	char digest[72];
	bool layer;
	char label[13];
	int fd;
	uint64_t size;
	bool missing;
	uint64_t sent; /* by PATCH requests (chunked upload) */
	char *what;
	struct http_req q;
};

struct push {
	struct image_store *s;
	struct registry reg;
	struct push_blob *blobs;
	size_t n_blobs;
	struct spec_descriptor *mans; /* child manifests of an index, pushed by digest */
	size_t n_mans;
	char *mount_from;    /* a repository of the same registry the image came from, or NULL */
	uint64_t chunk_size; /* > 0: blobs larger than this go up in PATCH chunks of this size */
};

static void add_blob(struct push *p, const struct spec_descriptor *d, bool layer)
{
	struct push_blob *b;

	for (size_t i = 0; i < p->n_blobs; i++)
		if (!strcmp(p->blobs[i].digest, d->digest))
			return;
	p->blobs = xrealloc(p->blobs, (p->n_blobs + 1) * sizeof(*p->blobs));
	b = &p->blobs[p->n_blobs++];
	*b = (struct push_blob){ .layer = layer, .fd = -1 };
	snprintf(b->digest, sizeof(b->digest), "%s", d->digest);
	snprintf(b->label, sizeof(b->label), "%.12s", digest_hex(d->digest));
	b->what = xasprintf("%s %s", layer ? "layer" : "config", d->digest);
}

/* The blobs of one manifest of the store (all must be there). */
static int plan_manifest(struct push *p, const char *digest, struct qerr *err)
{
	_cleanup_free_ char *buf = NULL;
	struct spec_manifest m = { 0 };
	size_t len;
	int r;

	r = blob_read_small(p->s, digest, &buf, &len, err);
	if (r >= 0 && (r = spec_manifest_parse(buf, len, &m, err)) < 0)
		r = qerr_wrap(err, r, "manifest %s", digest);
	if (r >= 0) {
		add_blob(p, &m.config, false);
		for (size_t i = 0; i < m.n_layers; i++)
			add_blob(p, &m.layers[i], true);
	}
	spec_manifest_release(&m);
	return r;
}

static int open_blobs(struct push *p, struct qerr *err)
{
	for (size_t i = 0; i < p->n_blobs; i++) {
		struct push_blob *b = &p->blobs[i];
		struct stat st;

		b->fd = blob_open(p->s, b->digest, err);
		if (b->fd < 0)
			return qerr_wrap(err, b->fd, "push needs every blob of the image");
		if (fstat(b->fd, &st) < 0)
			return qerr_set_errno(err, -errno, "blob %s", b->digest);
		b->size = (uint64_t)st.st_size;
	}
	return 0;
}

/* HEAD every blob, several at once: a 404 means it must be uploaded. */
static int find_missing(struct push *p, struct qerr *err)
{
	_cleanup_free_ struct http_req **v = xcalloc(p->n_blobs + 1, sizeof(*v));
	int r;

	for (size_t i = 0; i < p->n_blobs; i++) {
		struct push_blob *b = &p->blobs[i];

		b->q = (struct http_req){ .method = "HEAD", .what = b->what, .ok_404 = true };
		registry_req(&p->reg, &b->q, "blobs", b->digest);
		v[i] = &b->q;
	}
	r = registry_do(&p->reg, v, p->n_blobs, err);
	for (size_t i = 0; r >= 0 && i < p->n_blobs; i++)
		p->blobs[i].missing = p->blobs[i].q.status == 404;
	return r;
}

/* The absolute upload URL of a Location header (often a path). Heap string. */
static char *absolute(const struct registry *reg, const char *loc)
{
	if (str_has_prefix(loc, "https://") || str_has_prefix(loc, "http://"))
		return xstrdup(loc);
	return xasprintf("https://%s%s%s", reg->host, loc[0] == '/' ? "" : "/", loc);
}

/*
 * A chunked upload (distribution spec, "pushing a blob in chunks"): PATCH each chunk to the
 * upload URL with Content-Range START-END (inclusive, no "bytes="), in order, each answer
 * giving the URL for the next; the closing PUT then carries no data. *url is updated.
 */
static int upload_chunks(struct push *p, struct push_blob *b, char **url, struct qerr *err)
{
	int r = 0;

	while (r >= 0 && b->sent < b->size) {
		uint64_t len =
		    b->size - b->sent < p->chunk_size ? b->size - b->sent : p->chunk_size;
		char range[64];
		struct http_req q = { .method = "PATCH",
				      .what = b->what,
				      .max_body = 65536,
				      .content_type = "application/octet-stream",
				      .send_range = range,
				      .body_is_fd = true,
				      .body_fd = b->fd,
				      .body_off = b->sent,
				      .body_len = len };
		struct http_req *v[] = { &q };

		snprintf(range, sizeof(range), "%llu-%llu", (unsigned long long)b->sent,
			 (unsigned long long)(b->sent + len - 1));
		q.url = xstrdup(*url);
		r = registry_do(&p->reg, v, 1, err);
		if (r >= 0 && !q.location)
			r = qerr_set(err, -EPROTO, "%s: %s: a chunk's answer has no Location",
				     p->reg.what, b->what);
		if (r >= 0) {
			free(*url);
			*url = absolute(&p->reg, q.location);
			b->sent += len;
		}
		http_req_release(&q);
	}
	return r;
}

static int upload(struct push *p, const struct image_progress *progress,
		  void (*report)(const char *line, void *data), void *data, struct qerr *err)
{
	_cleanup_free_ struct http_req **v = xcalloc(p->n_blobs + 1, sizeof(*v));
	size_t n = 0;
	int r;

	for (size_t i = 0; i < p->n_blobs; i++) {
		struct push_blob *b = &p->blobs[i];

		if (!b->missing) {
			_cleanup_free_ char *line = xasprintf("%s: Layer already exists", b->label);

			if (report && b->layer)
				report(line, data);
			continue;
		}
		http_req_release(&b->q);
		b->q = (struct http_req){ .method = "POST", .what = b->what, .max_body = 65536 };
		if (p->mount_from) {
			/* 201: the registry linked the blob from the other repository; 202: upload.
			 */
			_cleanup_free_ char *d = http_escape(b->digest),
					    *f = http_escape(p->mount_from);

			b->q.url =
			    xasprintf("%s/blobs/uploads/?mount=%s&from=%s", p->reg.base, d, f);
		} else {
			b->q.url = xasprintf("%s/blobs/uploads/", p->reg.base);
		}
		v[n++] = &b->q;
	}
	r = registry_do(&p->reg, v, n, err);
	n = 0;
	for (size_t i = 0; r >= 0 && i < p->n_blobs; i++) {
		struct push_blob *b = &p->blobs[i];
		_cleanup_free_ char *url = NULL, *esc = NULL;

		if (!b->missing)
			continue;
		if (b->q.status == 201) {
			_cleanup_free_ char *line =
			    xasprintf("%s: Mounted from %s", b->label, p->mount_from);

			b->missing = false;
			if (report && b->layer)
				report(line, data);
			continue;
		}
		if (!b->q.location)
			return qerr_set(err, -EPROTO, "%s: %s: the upload got no Location",
					p->reg.what, b->what);
		url = absolute(&p->reg, b->q.location);
		esc = http_escape(b->digest);
		http_req_release(&b->q);
		if (p->chunk_size && b->size > p->chunk_size) {
			r = upload_chunks(p, b, &url, err);
			if (r < 0)
				break;
		}
		b->q = (struct http_req){ .method = "PUT",
					  .what = b->what,
					  .max_body = 65536,
					  .content_type = "application/octet-stream",
					  .body_is_fd = true,
					  .body_fd = b->fd,
					  .body_off = b->sent,
					  .body_len = b->size - b->sent };
		b->q.url = xasprintf("%s%cdigest=%s", url, strchr(url, '?') ? '&' : '?', esc);
		v[n++] = &b->q;
		if (progress && progress->update)
			progress->update(progress->data, b->label, 0, b->size);
	}
	if (r >= 0)
		r = registry_do(&p->reg, v, n, err);
	for (size_t i = 0; r >= 0 && i < p->n_blobs; i++) {
		struct push_blob *b = &p->blobs[i];
		_cleanup_free_ char *line = NULL;

		if (!b->missing)
			continue;
		if (progress && progress->finish)
			progress->finish(progress->data, b->label, b->size);
		line = xasprintf("%s: Pushed", b->label);
		if (report && b->layer)
			report(line, data);
	}
	return r;
}

static int put_manifest(struct push *p, const char *digest, const char *media_type, const char *ref,
			struct qerr *err)
{
	_cleanup_free_ char *buf = NULL, *what = xasprintf("manifest '%s'", ref);
	struct http_req q = { .method = "PUT", .max_body = 65536, .what = what };
	struct http_req *v[] = { &q };
	size_t len;
	int r;

	r = blob_read_small(p->s, digest, &buf, &len, err);
	if (r < 0)
		return r;
	q.body = buf;
	q.body_len = len;
	q.content_type = media_type;
	registry_req(&p->reg, &q, "manifests", ref);
	r = registry_do(&p->reg, v, 1, err);
	http_req_release(&q);
	return r;
}

static void push_release(struct push *p)
{
	registry_release(&p->reg);
	for (size_t i = 0; i < p->n_blobs; i++) {
		if (p->blobs[i].fd >= 0)
			close(p->blobs[i].fd);
		free(p->blobs[i].what);
		http_req_release(&p->blobs[i].q);
	}
	free(p->blobs);
	for (size_t i = 0; i < p->n_mans; i++)
		spec_descriptor_release(&p->mans[i]);
	free(p->mans);
	free(p->mount_from);
}

int image_push(struct image_store *s, const char *name, const char *dest,
	       const struct image_pull_opts *o, const struct image_progress *progress,
	       void (*report)(const char *line, void *data), void *data, struct qerr *err)
{
	struct push p = { .s = s, .chunk_size = o->chunk_size };
	struct registry_opts ro = { .tls_no_verify = o->tls_no_verify,
				    .cert_dir = o->cert_dir,
				    .push = true };
	struct spec_reference ref = { 0 };
	struct image_entry e = { 0 };
	_cleanup_free_ char *line = NULL;
	const char *target;
	int r;

	if (dest && str_has_prefix(dest, "docker://"))
		dest += 9;
	r = image_find(s, name, &e, err);
	if (r < 0)
		return r;
	r = spec_reference_parse(dest ? dest : name, &ref, err);
	if (r < 0) {
		r = qerr_wrap(err, r, "push '%s'", dest ? dest : name);
		goto out;
	}
	target = ref.tag ? ref.tag : ref.digest;
	{
		/* An image named after another repository of the same registry: mount from it. */
		struct spec_reference src = { 0 };

		if (dest && spec_reference_parse(name, &src, NULL) >= 0 &&
		    !strcmp(src.domain, ref.domain) && strcmp(src.path, ref.path) != 0)
			p.mount_from = xstrdup(src.path);
		spec_reference_release(&src);
	}
	r = registry_open(&ref, &ro, &p.reg, err);
	if (r >= 0 && spec_media_type_is_index(e.media_type)) {
		_cleanup_free_ char *buf = NULL;
		struct spec_index idx = { 0 };
		size_t len;

		r = blob_read_small(s, e.digest, &buf, &len, err);
		if (r >= 0)
			r = spec_index_parse(buf, len, &idx, err);
		for (size_t i = 0; r >= 0 && i < idx.n_manifests; i++) {
			if (!spec_media_type_is_manifest(idx.manifests[i].media_type)) {
				r = qerr_set(err, -ENOTSUP,
					     "index %s: nested indexes are not supported",
					     e.digest);
				break;
			}
			p.mans = xrealloc(p.mans, (p.n_mans + 1) * sizeof(*p.mans));
			spec_descriptor_copy(&p.mans[p.n_mans++], &idx.manifests[i]);
			r = plan_manifest(&p, idx.manifests[i].digest, err);
		}
		spec_index_release(&idx);
	} else if (r >= 0) {
		r = plan_manifest(&p, e.digest, err);
	}
	if (r >= 0)
		r = open_blobs(&p, err);
	if (r >= 0)
		r = find_missing(&p, err);
	if (r >= 0)
		r = upload(&p, progress, report, data, err);
	/* Manifests last; an index after the manifests it lists. */
	for (size_t i = 0; r >= 0 && i < p.n_mans; i++)
		r = put_manifest(&p, p.mans[i].digest, p.mans[i].media_type, p.mans[i].digest, err);
	if (r >= 0)
		r = put_manifest(&p, e.digest, e.media_type, target, err);
	if (r >= 0 && report) {
		struct stat st;
		_cleanup_free_ char *path =
		    xasprintf("%s/blobs/sha256/%s", s->root, digest_hex(e.digest));

		line = xasprintf("%s: digest: %s size: %lld", target, e.digest,
				 stat(path, &st) == 0 ? (long long)st.st_size : -1LL);
		report(line, data);
	}
out:
	push_release(&p);
	spec_reference_release(&ref);
	image_entry_release(&e);
	return r;
}
