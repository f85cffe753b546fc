/*
 * qrun pull: the manifest (or index, then the platform's manifest), then the config and
 * layers the store lacks, several at once, each streamed into tmp/pull-HEX.part while it is
 * hashed and counted: a blob longer than its descriptor is cut off at once, one whose digest
 * differs is thrown away. A .part file left by a killed pull is picked up again by the next
 * one, which asks only for the missing bytes (HTTP Range; a registry that ignores the range
 * sends everything again). Only when every blob is verified do they move into blobs/ and the
 * image into index.json (the same index_add_all as load and import), so a failed pull leaves
 * the store as it was.
 */
#include "image/registry-internal.h"

#include <fcntl.h>
#include <strings.h>

#define MANIFEST_MAX (4u << 20)
#define ACCEPT                                                                                     \
	SPEC_MT_OCI_INDEX ", " SPEC_MT_OCI_MANIFEST ", " SPEC_MT_DOCKER_LIST                       \
			  ", " SPEC_MT_DOCKER_MANIFEST

struct doc {
	char *buf; /* exact bytes */
	size_t len;
	char *media_type;
	char digest[72];
};

struct pull_blob {
	char digest[72];
	int64_t size;
	const char *kind; /* "config", "layer" */
	char label[13];
	bool present, done;
	struct blob_writer w;
	struct http_req q;
	const struct image_progress *progress;
	char *what;
	struct image_store *s; /* borrowed */
	int lock_fd;	       /* holds the staging file's flock until the pull is over */
};

struct pull {
	struct image_store *s;
	struct registry reg;
	const struct image_pull_opts *o;
	struct doc top;
	bool index;	  /* top is an index */
	struct doc *mans; /* the manifests to keep (the top one too when it is one) */
	size_t n_mans;
	struct spec_manifest *parsed;
	struct pull_blob *blobs;
	size_t n_blobs;
	uint64_t fetched;
};

static void doc_release(struct doc *d)
{
	free(d->buf);
	free(d->media_type);
	*d = (struct doc){ 0 };
}

static bool schema1(const char *mt)
{
	return mt && (str_has_prefix(mt, "application/vnd.docker.distribution.manifest.v1+") ||
		      !strcmp(mt, "application/vnd.docker.distribution.manifest.v1"));
}

/* The media type of a document whose Content-Type is missing or generic. */
static char *sniff_media_type(const struct doc *d)
{
	struct spec_manifest m = { 0 };
	struct spec_index idx = { 0 };
	char *mt = NULL;

	if (spec_manifest_parse(d->buf, d->len, &m, NULL) >= 0)
		mt = xstrdup(m.media_type ? m.media_type : SPEC_MT_OCI_MANIFEST);
	else if (spec_index_parse(d->buf, d->len, &idx, NULL) >= 0)
		mt = xstrdup(idx.media_type ? idx.media_type : SPEC_MT_OCI_INDEX);
	spec_manifest_release(&m);
	spec_index_release(&idx);
	return mt;
}

/* GET a manifest or index by tag or digest (want: the digest it must have, or NULL). */
static int get_doc(struct pull *p, const char *ref, const char *want, struct doc *ret,
		   struct qerr *err)
{
	_cleanup_free_ char *what = xasprintf("manifest '%s'", ref);
	struct http_req q = { .accept = ACCEPT, .max_body = MANIFEST_MAX, .what = what };
	struct http_req *v[] = { &q };
	struct doc d = { 0 };
	int r;

	registry_req(&p->reg, &q, "manifests", ref);
	r = registry_do(&p->reg, v, 1, err);
	if (r < 0)
		goto out;
	d.buf = TAKE_PTR(q.resp);
	d.len = q.resp_len;
	if (!d.buf)
		d.buf = xstrdup("");
	digest_buffer(d.buf, d.len, d.digest);
	if (want && strcmp(want, d.digest) != 0) {
		r = qerr_set(err, -EBADMSG, "%s: %s: content does not match its digest (got %s)",
			     p->reg.what, what, d.digest);
		goto out;
	}
	if (q.docker_digest && str_has_prefix(q.docker_digest, "sha256:") &&
	    strcmp(q.docker_digest, d.digest) != 0) {
		r = qerr_set(err, -EBADMSG,
			     "%s: %s: content does not match the digest the registry gave (%s)",
			     p->reg.what, what, q.docker_digest);
		goto out;
	}
	if (q.content_type_got) {
		size_t n = strcspn(q.content_type_got, "; ");

		d.media_type = xstrndup(q.content_type_got, n);
	}
	if (schema1(d.media_type) || strstr(d.buf, "\"schemaVersion\": 1") ||
	    strstr(d.buf, "\"schemaVersion\":1")) {
		r = qerr_set(err, -ENOTSUP,
			     "%s: %s is a docker schema 1 manifest, which qrun does not read "
			     "(push the image again with a current docker, podman or skopeo)",
			     p->reg.what, what);
		goto out;
	}
	if (!d.media_type || (!spec_media_type_is_index(d.media_type) &&
			      !spec_media_type_is_manifest(d.media_type))) {
		free(d.media_type);
		d.media_type = sniff_media_type(&d);
		if (!d.media_type) {
			r = qerr_set(err, -ENOTSUP,
				     "%s: %s: neither an image manifest nor an index", p->reg.what,
				     what);
			goto out;
		}
	}
	*ret = d;
	d = (struct doc){ 0 };
out:
	doc_release(&d);
	http_req_release(&q);
	return r;
}

/* ---- blobs ------------------------------------------------------------------------------ */

static void add_blob(struct pull *p, const struct spec_descriptor *d, const char *kind)
{
	struct pull_blob *b;

	for (size_t i = 0; i < p->n_blobs; i++)
		if (!strcmp(p->blobs[i].digest, d->digest))
			return;
	p->blobs = xrealloc(p->blobs, (p->n_blobs + 1) * sizeof(*p->blobs));
	b = &p->blobs[p->n_blobs++];
	*b = (struct pull_blob){
		.size = d->size, .kind = kind, .w = { .fd = -1 }, .s = p->s, .lock_fd = -1
	};
	snprintf(b->digest, sizeof(b->digest), "%s", d->digest);
	snprintf(b->label, sizeof(b->label), "%.12s", digest_hex(d->digest));
	b->present = blob_exists(p->s, d->digest);
}

static int blob_sink(struct http_req *q, const void *buf, size_t len)
{
	struct pull_blob *b = q->data;
	struct qerr e = { 0 };
	int r;

	/* The first piece of the answer: did the registry honour the range? */
	if (q->resp_len == 0 && q->offset > 0) {
		char want[32];

		snprintf(want, sizeof(want), "bytes %llu-", (unsigned long long)q->offset);
		if (q->status != 206 || !q->content_range ||
		    !str_has_prefix(q->content_range, want)) {
			qlog_debug("%s: the registry sent the whole blob again", b->what);
			r = blob_writer_restart(&b->w, &e);
			if (r < 0)
				goto fail;
			q->offset = 0;
		}
	}
	r = blob_writer_write(&b->w, buf, len, &e);
	if (r < 0)
		goto fail;
	if (b->size >= 0 && b->w.size > (uint64_t)b->size) {
		r = qerr_set(&e, -EBADMSG, "%s: longer than the %lld bytes the manifest says",
			     b->what, (long long)b->size);
		goto fail;
	}
	if (b->progress && b->progress->update)
		b->progress->update(b->progress->data, b->label, b->w.size,
				    b->size > 0 ? (uint64_t)b->size : 0);
	return 0;
fail:
	snprintf(q->sink_msg, sizeof(q->sink_msg), "%s", e.msg);
	return r;
}

/* Check a complete staged blob; a wrong one is thrown away (and may be fetched again). */
static int blob_verify(struct pull_blob *b, struct qerr *err)
{
	char got[72];
	int r;

	r = blob_writer_finish(&b->w, got, err);
	if (r >= 0)
		r = blob_check(b->kind, b->digest, b->size, got, b->w.size, err);
	if (r >= 0)
		b->done = true;
	return r;
}

static int blob_prepare(struct http_req *q, struct qerr *err)
{
	struct pull_blob *b = q->data;

	if (b->done)
		return 1;
	/* Another qrun pulling the same blob got it into the store first. */
	if (blob_exists(b->s, b->digest)) {
		b->present = true;
		return 1;
	}
	/* Complete already (a killed pull had all of it): verify without asking. */
	if (b->size >= 0 && b->w.size == (uint64_t)b->size && b->w.fd >= 0) {
		struct qerr e = { 0 };

		if (blob_verify(b, &e) >= 0) {
			qlog_debug("%s: complete from an earlier pull", b->what);
			return 1;
		}
		/* Finish closed it: open it again, empty. */
		qlog_debug("%s: an earlier pull left a wrong copy, fetching again", b->what);
		{
			_cleanup_free_ char *path = xstrdup(b->w.path);

			int r;

			(void)unlink(path);
			blob_writer_release(&b->w);
			if (b->lock_fd >= 0)
				close(b->lock_fd);
			b->lock_fd = -1;
			r = blob_writer_resume(&b->w, path, err);
			if (r >= 0 && (b->lock_fd = fcntl(b->w.fd, F_DUPFD_CLOEXEC, 0)) < 0)
				r = qerr_set_errno(err, -errno, "cannot lock '%s'", path);
			return r < 0 ? r : 0;
		}
	}
	if (b->size >= 0 && b->w.size > (uint64_t)b->size) {
		int r = blob_writer_restart(&b->w, err);

		if (r < 0)
			return r;
	}
	q->offset = b->w.size;
	if (q->offset > 0)
		qlog_debug("%s: resuming at byte %llu", b->what, (unsigned long long)q->offset);
	(void)err;
	return 0;
}

static int cmp_blob(const void *a, const void *b)
{
	return strcmp((*(struct pull_blob *const *)a)->digest,
		      (*(struct pull_blob *const *)b)->digest);
}

static int fetch_blobs(struct pull *p, const struct image_progress *progress,
		       void (*report)(const char *line, void *data), void *data, struct qerr *err)
{
	_cleanup_free_ struct http_req **v = xcalloc(p->n_blobs + 1, sizeof(*v));
	_cleanup_free_ struct pull_blob **order = xcalloc(p->n_blobs + 1, sizeof(*order));
	size_t n = 0;
	int r = 0;

	/*
	 * Staging files are locked in digest order and stay locked until the pull is over (in
	 * the store or thrown away): a second pull of the same blobs waits instead of sharing
	 * a file the first one is about to move, and the common order rules out a deadlock.
	 */
	for (size_t i = 0; i < p->n_blobs; i++)
		order[i] = &p->blobs[i];
	qsort(order, p->n_blobs, sizeof(*order), cmp_blob);
	for (size_t i = 0; i < p->n_blobs; i++) {
		struct pull_blob *b = order[i];
		_cleanup_free_ char *part = NULL;

		if (b->present)
			continue;
		part = xasprintf("%s/tmp/pull-%s.part", p->s->root, digest_hex(b->digest));
		r = blob_writer_resume(&b->w, part, err);
		if (r < 0)
			return r;
		b->lock_fd = fcntl(b->w.fd, F_DUPFD_CLOEXEC, 0);
		if (b->lock_fd < 0)
			return qerr_set_errno(err, -errno, "cannot lock '%s'", part);
	}
	for (size_t i = 0; i < p->n_blobs; i++) {
		struct pull_blob *b = &p->blobs[i];

		if (b->present) {
			_cleanup_free_ char *line = xasprintf("%s: Already exists", b->label);

			if (report && !strcmp(b->kind, "layer"))
				report(line, data);
			continue;
		}
		b->what = xasprintf("%s %s", b->kind, b->digest);
		b->progress = strcmp(b->kind, "layer") ? NULL : progress; /* docker shows layers */
		b->q = (struct http_req){
			.sink = blob_sink, .data = b, .prepare = blob_prepare, .what = b->what
		};
		registry_req(&p->reg, &b->q, "blobs", b->digest);
		v[n++] = &b->q;
	}
	r = registry_do(&p->reg, v, n, err);
	for (size_t i = 0; r >= 0 && i < p->n_blobs; i++) {
		struct pull_blob *b = &p->blobs[i];

		if (b->present)
			continue;
		if (!b->done && (r = blob_verify(b, err)) < 0)
			r = qerr_wrap(err, r, "%s", p->reg.what);
		p->fetched += b->w.size;
		if (r >= 0 && progress && progress->finish && !strcmp(b->kind, "layer"))
			progress->finish(progress->data, b->label, b->w.size);
	}
	return r;
}

/* ---- manifests -------------------------------------------------------------------------- */

static void add_manifest(struct pull *p, struct doc *d)
{
	p->mans = xrealloc(p->mans, (p->n_mans + 1) * sizeof(*p->mans));
	p->parsed = xrealloc(p->parsed, (p->n_mans + 1) * sizeof(*p->parsed));
	p->parsed[p->n_mans] = (struct spec_manifest){ 0 };
	p->mans[p->n_mans++] = *d;
	*d = (struct doc){ 0 };
}

/* Parse manifest i and list its blobs; strict (layer types we can unpack) unless lenient. */
static int plan_manifest(struct pull *p, size_t i, bool lenient, struct qerr *err)
{
	struct spec_manifest *m = &p->parsed[i];
	int r = spec_manifest_parse(p->mans[i].buf, p->mans[i].len, m, err);

	if (r < 0)
		return qerr_wrap(err, r, "%s: manifest %s", p->reg.what, p->mans[i].digest);
	add_blob(p, &m->config, "config");
	for (size_t l = 0; l < m->n_layers; l++) {
		enum spec_compression comp;

		if (!lenient && spec_layer_compression(m->layers[l].media_type, &comp) < 0)
			return qerr_set(err, -ENOTSUP,
					"%s: layer %s: media type '%s' is not supported",
					p->reg.what, m->layers[l].digest, m->layers[l].media_type);
		add_blob(p, &m->layers[l], "layer");
	}
	return 0;
}

/* The config of manifest i, from the store or its staging file. */
static int check_config(struct pull *p, size_t i, bool check_platform, struct qerr *err)
{
	const struct spec_manifest *m = &p->parsed[i];
	_cleanup_free_ char *buf = NULL, *path = NULL;
	struct spec_image_config cfg = { 0 };
	ssize_t n;
	int r;

	for (size_t b = 0; b < p->n_blobs; b++)
		if (!strcmp(p->blobs[b].digest, m->config.digest) && !p->blobs[b].present)
			path = xstrdup(p->blobs[b].w.path);
	if (!path)
		path = xasprintf("%s/blobs/sha256/%s", p->s->root, digest_hex(m->config.digest));
	n = read_file_at(AT_FDCWD, path, MANIFEST_MAX, &buf);
	if (n < 0)
		return qerr_set_errno(err, (int)n, "%s: config %s", p->reg.what, m->config.digest);
	r = spec_image_config_parse(buf, (size_t)n, &cfg, err);
	if (r < 0)
		r = qerr_wrap(err, r, "%s: config %s", p->reg.what, m->config.digest);
	else if (cfg.n_diff_ids != m->n_layers)
		r = qerr_set(err, -EBADMSG,
			     "%s: manifest %s: %zu layers, but its config has %zu diff_ids",
			     p->reg.what, p->mans[i].digest, m->n_layers, cfg.n_diff_ids);
	if (r >= 0 && check_platform && p->o->platform) {
		struct spec_platform have = { .os = cfg.os,
					      .architecture = cfg.architecture,
					      .variant = cfg.variant };

		if (!spec_platform_match(p->o->platform, &have)) {
			_cleanup_free_ char *w = spec_platform_format(p->o->platform);
			_cleanup_free_ char *h = spec_platform_format(&have);

			r = qerr_set(err, -ENOENT, "%s: the image is %s, not %s", p->reg.what, h,
				     w);
		}
	}
	spec_image_config_release(&cfg);
	return r;
}

/* Which manifests to fetch: the top one, one platform's, or (all_platforms) every one. */
static int choose(struct pull *p, const char *name, struct spec_descriptor **ret_v, size_t *ret_n,
		  struct qerr *err)
{
	struct spec_index idx = { 0 };
	struct spec_descriptor *v = NULL;
	size_t n = 0;
	int r;

	r = spec_index_parse(p->top.buf, p->top.len, &idx, err);
	if (r < 0)
		return qerr_wrap(err, r, "%s: index %s", p->reg.what, p->top.digest);
	if (p->o->all_platforms) {
		v = xcalloc(idx.n_manifests + 1, sizeof(*v));
		for (size_t i = 0; i < idx.n_manifests; i++)
			if (spec_media_type_is_manifest(idx.manifests[i].media_type))
				spec_descriptor_copy(&v[n++], &idx.manifests[i]);
		if (n != idx.n_manifests)
			r = qerr_set(err, -ENOTSUP,
				     "%s: index %s: nested indexes are not supported", p->reg.what,
				     p->top.digest);
	} else {
		v = xcalloc(1, sizeof(*v));
		r = resolve_platform(p->s, name, &idx, p->o->platform, &v[0], err);
		if (r >= 0)
			n = 1;
	}
	spec_index_release(&idx);
	*ret_v = v;
	*ret_n = n;
	return r;
}

static int commit(struct pull *p, const struct spec_reference *ref, struct qerr *err)
{
	/* One platform of an index: that platform's manifest is the image (docker does so). */
	const struct doc *reg = p->index && p->o->all_platforms ? &p->top : &p->mans[0];
	_cleanup_free_ char *full =
	    ref->tag ? spec_reference_format(&(struct spec_reference){
			   .domain = ref->domain, .path = ref->path, .tag = ref->tag })
		     : NULL;
	struct index_add a = { .desc = { .media_type = reg->media_type,
					 .digest = (char *)reg->digest,
					 .size = (int64_t)reg->len },
			       .ref = full };
	char d[72];
	int r = 0;

	for (size_t i = 0; r >= 0 && i < p->n_blobs; i++) {
		struct pull_blob *b = &p->blobs[i];

		if (b->present)
			continue;
		r = blob_adopt(p->s, b->w.path, b->digest, err);
		if (r >= 0) {
			free(b->w.path);
			b->w.path = NULL;
		}
	}
	for (size_t i = 0; r >= 0 && i < p->n_mans; i++)
		r = blob_put_buffer(p->s, p->mans[i].buf, p->mans[i].len, d, err);
	if (r >= 0 && reg == &p->top)
		r = blob_put_buffer(p->s, p->top.buf, p->top.len, d, err);
	if (r >= 0)
		r = index_add_all(p->s, &a, 1, err);
	return r;
}

static void pull_release(struct pull *p)
{
	registry_release(&p->reg);
	doc_release(&p->top);
	for (size_t i = 0; i < p->n_mans; i++) {
		doc_release(&p->mans[i]);
		spec_manifest_release(&p->parsed[i]);
	}
	free(p->mans);
	free(p->parsed);
	for (size_t i = 0; i < p->n_blobs; i++) {
		blob_writer_release(&p->blobs[i].w);
		if (p->blobs[i].lock_fd >= 0)
			close(p->blobs[i].lock_fd); /* after the unlink: the next one starts anew */
		http_req_release(&p->blobs[i].q);
		free(p->blobs[i].what);
	}
	free(p->blobs);
}

int image_pull(struct image_store *s, const char *name, const struct image_pull_opts *o,
	       const struct image_progress *progress, void (*report)(const char *line, void *data),
	       void *data, char **ret_ref, struct qerr *err)
{
	struct pull p = { .s = s, .o = o };
	struct spec_reference ref = { 0 };
	struct registry_opts ro = { .tls_no_verify = o->tls_no_verify, .cert_dir = o->cert_dir };
	struct spec_descriptor *want = NULL;
	size_t n_want = 0;
	bool index;
	int r;

	r = spec_reference_parse(name, &ref, err);
	if (r < 0)
		return qerr_wrap(err, r, "pull '%s'", name);
	r = registry_open(&ref, &ro, &p.reg, err);
	if (r >= 0)
		r = get_doc(&p, ref.digest ? ref.digest : ref.tag, ref.digest, &p.top, err);
	if (r < 0)
		goto out;
	index = p.index = spec_media_type_is_index(p.top.media_type);
	if (!index) {
		struct doc copy = { .buf = xstrndup(p.top.buf, p.top.len),
				    .len = p.top.len,
				    .media_type = xstrdup(p.top.media_type) };

		memcpy(copy.digest, p.top.digest, 72);
		add_manifest(&p, &copy);
	} else {
		r = choose(&p, name, &want, &n_want, err);
		for (size_t i = 0; r >= 0 && i < n_want; i++) {
			struct doc d = { 0 };

			r = get_doc(&p, want[i].digest, want[i].digest, &d, err);
			if (r >= 0 && !spec_media_type_is_manifest(d.media_type))
				r = qerr_set(err, -ENOTSUP, "%s: %s: not an image manifest",
					     p.reg.what, want[i].digest);
			if (r >= 0)
				add_manifest(&p, &d);
			doc_release(&d);
		}
	}
	for (size_t i = 0; r >= 0 && i < p.n_mans; i++) {
		/* Attestations ride along in --all-platforms indexes: kept, never unpacked. */
		bool lenient = index && o->all_platforms && want[i].platform &&
			       !strcmp(want[i].platform->os, "unknown");

		r = plan_manifest(&p, i, lenient, err);
	}
	if (r >= 0)
		r = fetch_blobs(&p, progress, report, data, err);
	for (size_t i = 0; r >= 0 && i < p.n_mans; i++)
		if (!(index && o->all_platforms && want[i].platform &&
		      !strcmp(want[i].platform->os, "unknown")))
			r = check_config(&p, i, !index, err);
	if (r >= 0)
		r = commit(&p, &ref, err);
	if (r >= 0 && report) {
		_cleanup_free_ char *fam = spec_reference_familiar_name(&ref);
		_cleanup_free_ char *line = xasprintf("Digest: %s", p.top.digest);

		report(line, data);
		free(line);
		line = xasprintf("Status: %s for %s%s%s",
				 p.fetched ? "Downloaded newer image" : "Image is up to date", fam,
				 ref.digest ? "@" : ":", ref.digest ? ref.digest : ref.tag);
		report(line, data);
	}
	if (r >= 0 && ret_ref)
		*ret_ref = spec_reference_format(&ref);
out:
	for (size_t i = 0; i < n_want; i++)
		spec_descriptor_release(&want[i]);
	free(want);
	pull_release(&p);
	spec_reference_release(&ref);
	return r;
}
