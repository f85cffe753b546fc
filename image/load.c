/*
 * qrun load: OCI image layouts (a directory or a tar) and docker-archives in the three shapes
 * met in the field — legacy `docker save` (<id>/layer.tar), skopeo's (layers as symlinks in
 * the tar) and docker 25+ (an OCI layout plus manifest.json). Everything is staged and
 * verified (size, then sha256) in a private directory under tmp/; only then are the blobs
 * moved into the store and index.json updated, so a failure leaves the store as it was.
 */
#include "image/image-internal.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>

struct staged_blob {
	char *path;
	char digest[72];
};

struct load_ctx {
	struct image_store *s;
	char *stage;
	struct archive_files files; /* tar input */
	int dirfd;		    /* directory input, or -1 */
	const char *dirpath;
	struct staged_blob *blobs;
	size_t n_blobs;
	char **docs; /* JSON documents we wrote (docker-archive manifests) */
	size_t n_docs;
	size_t *doc_lens;
	struct index_add *adds;
	size_t n_adds;
	char **lines;
	size_t n_lines;
};

static void add_blob(struct load_ctx *c, const char *path, const char *digest)
{
	c->blobs = xrealloc(c->blobs, (c->n_blobs + 1) * sizeof(*c->blobs));
	c->blobs[c->n_blobs].path = xstrdup(path);
	snprintf(c->blobs[c->n_blobs].digest, 72, "%s", digest);
	c->n_blobs++;
}

/* Open a file of a directory input without leaving the directory (no "..", no symlinks out). */
static int open_beneath(struct load_ctx *c, const char *name)
{
	struct open_how how = { .flags = O_RDONLY | O_CLOEXEC,
				.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS };
	long fd = syscall(SYS_openat2, c->dirfd, name, &how, sizeof(how));

	return fd < 0 ? -errno : (int)fd;
}

/*
 * Fetch the file name of the input as a staged, hashed file; check it against digest and
 * size when given. ret_path is borrowed (owned by the ctx).
 */
static int fetch(struct load_ctx *c, const char *name, const char *what, const char *digest,
		 int64_t size, const char **ret_path, char ret_digest[72], uint64_t *ret_size,
		 struct qerr *err)
{
	const char *id = digest ? digest : name;
	int r;

	if (c->dirfd < 0) {
		const struct archive_file *af = archive_files_find(&c->files, name);

		if (!af || !af->staged)
			return qerr_set(err, -ENOENT, "%s %s: missing from the archive", what, id);
		r = digest ? blob_check(what, digest, size, af->digest, af->size, err) : 0;
		if (r < 0)
			return r;
		*ret_path = af->staged;
		memcpy(ret_digest, af->digest, 72);
		*ret_size = af->size;
		return 0;
	}

	_cleanup_close_ int fd = open_beneath(c, name);
	struct blob_writer w;
	char buf[128 * 1024];
	ssize_t n;

	if (fd < 0)
		return qerr_set(err, fd, "%s %s: %s in '%s'", what, id,
				fd == -ENOENT ? "missing" : strerror(-fd), c->dirpath);
	r = blob_writer_open(&w, c->stage, err);
	while (r >= 0 && (n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			r = qerr_set_errno(err, -errno, "%s %s", what, id);
			break;
		}
		r = blob_writer_write(&w, buf, (size_t)n, err);
		/* Stop early on a blob larger than announced. */
		if (r >= 0 && size >= 0 && w.size > (uint64_t)size)
			r = blob_check(what, digest, size, "", w.size, err);
	}
	if (r >= 0)
		r = blob_writer_finish(&w, ret_digest, err);
	if (r >= 0 && digest)
		r = blob_check(what, digest, size, ret_digest, w.size, err);
	if (r >= 0) {
		*ret_size = w.size;
		add_blob(c, w.path, ret_digest);
		*ret_path = c->blobs[c->n_blobs - 1].path;
		free(w.path);
		w.path = NULL;
	}
	blob_writer_release(&w);
	return r;
}

/* Fetch a blob by digest (blobs/sha256/HEX) and mark it for adoption. */
static int fetch_blob(struct load_ctx *c, const struct spec_descriptor *d, const char *what,
		      const char **ret_path, struct qerr *err)
{
	_cleanup_free_ char *name = NULL;
	char got[72];
	uint64_t size;
	int r;

	if (!spec_digest_valid(d->digest))
		return qerr_set(err, -EINVAL, "%s '%s': not a sha256 digest", what, d->digest);
	name = xasprintf("blobs/sha256/%s", digest_hex(d->digest));
	r = fetch(c, name, what, d->digest, d->size, ret_path, got, &size, err);
	if (r >= 0 && c->dirfd < 0)
		add_blob(c, *ret_path, got);
	return r;
}

static int read_all(const char *path, char **ret, size_t *ret_len, const char *what, const char *id,
		    struct qerr *err)
{
	ssize_t n = read_file_at(AT_FDCWD, path, 4u << 20, ret);

	if (n < 0)
		return qerr_set_errno(err, (int)n, "%s %s: cannot read", what, id);
	*ret_len = (size_t)n;
	return 0;
}

/* A small JSON file of the input that has no digest (index.json, manifest.json). */
static int read_doc(struct load_ctx *c, const char *name, char **ret, size_t *ret_len,
		    struct qerr *err)
{
	const char *path;
	char digest[72];
	uint64_t size;
	int r;

	if (c->dirfd < 0) {
		const struct archive_file *af = archive_files_find(&c->files, name);

		if (!af)
			return -ENOENT;
		if (af->data) {
			*ret = xstrdup(af->data);
			*ret_len = af->data_len;
			if (strlen(af->data) != af->data_len)
				return qerr_set(err, -EINVAL, "%s: not a JSON document", name);
			return 0;
		}
	} else {
		/* Read in place: these files are not blobs and must not land in the store. */
		_cleanup_close_ int fd = open_beneath(c, name);
		ssize_t n;

		if (fd == -ENOENT)
			return -ENOENT;
		if (fd < 0)
			return qerr_set_errno(err, fd, "'%s/%s'", c->dirpath, name);
		n = read_file_at(fd, "", 4u << 20, ret);
		if (n < 0)
			return qerr_set_errno(err, (int)n, "'%s/%s'", c->dirpath, name);
		*ret_len = (size_t)n;
		return 0;
	}
	r = fetch(c, name, "file", NULL, -1, &path, digest, &size, err);
	if (r < 0)
		return r;
	return read_all(path, ret, ret_len, "file", name, err);
}

/* ---- OCI layouts ------------------------------------------------------------------------ */

static int load_manifest(struct load_ctx *c, const struct spec_descriptor *d, struct qerr *err)
{
	_cleanup_free_ char *buf = NULL, *cbuf = NULL;
	struct spec_manifest m = { 0 };
	struct spec_image_config cfg = { 0 };
	const char *path;
	size_t len = 0, clen = 0;
	int r;

	r = fetch_blob(c, d, "manifest", &path, err);
	if (r >= 0)
		r = read_all(path, &buf, &len, "manifest", d->digest, err);
	if (r >= 0 && (r = spec_manifest_parse(buf, len, &m, err)) < 0)
		r = qerr_wrap(err, r, "manifest %s", d->digest);
	if (r >= 0)
		r = fetch_blob(c, &m.config, "config", &path, err);
	if (r >= 0)
		r = read_all(path, &cbuf, &clen, "config", m.config.digest, err);
	if (r >= 0 && (r = spec_image_config_parse(cbuf, clen, &cfg, err)) < 0)
		r = qerr_wrap(err, r, "config %s", m.config.digest);
	if (r >= 0 && cfg.n_diff_ids != m.n_layers)
		r = qerr_set(err, -EBADMSG,
			     "manifest %s: %zu layers, but its config has %zu diff_ids", d->digest,
			     m.n_layers, cfg.n_diff_ids);
	for (size_t i = 0; r >= 0 && i < m.n_layers; i++) {
		enum spec_compression comp;

		if (spec_layer_compression(m.layers[i].media_type, &comp) < 0)
			r = qerr_set(err, -ENOTSUP, "layer %s: media type '%s' is not supported",
				     m.layers[i].digest, m.layers[i].media_type);
		else
			r = fetch_blob(c, &m.layers[i], "layer", &path, err);
	}
	spec_manifest_release(&m);
	spec_image_config_release(&cfg);
	return r;
}

static int load_descriptor(struct load_ctx *c, const struct spec_descriptor *d, unsigned depth,
			   struct qerr *err)
{
	_cleanup_free_ char *buf = NULL;
	struct spec_index idx = { 0 };
	const char *path;
	size_t len = 0;
	int r;

	if (!d->media_type)
		return qerr_set(err, -EINVAL, "descriptor %s: no mediaType", d->digest);
	if (spec_media_type_is_manifest(d->media_type))
		return load_manifest(c, d, err);
	if (!spec_media_type_is_index(d->media_type))
		return qerr_set(err, -ENOTSUP, "descriptor %s: media type '%s' is not an image",
				d->digest, d->media_type);
	if (depth > 4)
		return qerr_set(err, -ELOOP, "index %s: nested too deep", d->digest);
	r = fetch_blob(c, d, "index", &path, err);
	if (r >= 0)
		r = read_all(path, &buf, &len, "index", d->digest, err);
	if (r >= 0 && (r = spec_index_parse(buf, len, &idx, err)) < 0)
		r = qerr_wrap(err, r, "index %s", d->digest);
	for (size_t i = 0; r >= 0 && i < idx.n_manifests; i++)
		r = load_descriptor(c, &idx.manifests[i], depth + 1, err);
	spec_index_release(&idx);
	return r;
}

static void add_image(struct load_ctx *c, const struct spec_descriptor *d, const char *ref)
{
	struct index_add *a;

	c->adds = xrealloc(c->adds, (c->n_adds + 1) * sizeof(*c->adds));
	a = &c->adds[c->n_adds++];
	*a = (struct index_add){ .ref = ref ? xstrdup(ref) : NULL };
	a->desc.media_type = xstrdup(d->media_type);
	a->desc.digest = xstrdup(d->digest);
	a->desc.size = d->size;
}

/* A name from an annotation: the full reference, or NULL when it is not one. */
static char *name_from(const char *s)
{
	struct spec_reference ref = { 0 };
	char *out = NULL;

	if (s && spec_reference_parse(s, &ref, NULL) >= 0 && ref.tag && !ref.digest)
		out = spec_reference_format(&ref);
	spec_reference_release(&ref);
	return out;
}

static int load_oci(struct load_ctx *c, const char *index_json, size_t len, struct qerr *err)
{
	struct spec_index idx = { 0 };
	int r;

	r = spec_index_parse(index_json, len, &idx, err);
	if (r < 0)
		return qerr_wrap(err, r, "index.json");
	if (idx.n_manifests == 0)
		r = qerr_set(err, -ENOENT, "index.json: no images in this layout");
	for (size_t i = 0; r >= 0 && i < idx.n_manifests; i++) {
		const struct spec_descriptor *d = &idx.manifests[i];
		_cleanup_free_ char *ref =
		    name_from(spec_descriptor_annotation(d, SPEC_ANNOT_CONTAINERD));

		if (!ref)
			ref = name_from(spec_descriptor_annotation(d, SPEC_ANNOT_REF_NAME));
		r = load_descriptor(c, d, 0, err);
		if (r >= 0)
			add_image(c, d, ref);
	}
	spec_index_release(&idx);
	return r;
}

/* ---- docker-archive ------------------------------------------------------------------------ */

static int sniff_compression(const char *path, enum spec_compression *ret)
{
	unsigned char m[4] = { 0 };
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (read(fd, m, sizeof(m)) < 0)
		return -errno;
	if (m[0] == 0x1f && m[1] == 0x8b)
		*ret = SPEC_COMP_GZIP;
	else if (m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd)
		*ret = SPEC_COMP_ZSTD;
	else
		*ret = SPEC_COMP_NONE;
	return 0;
}

static int load_docker_entry(struct load_ctx *c, const struct spec_docker_entry *e,
			     struct qerr *err)
{
	struct spec_manifest m = { .schema_version = 2,
				   .media_type = (char *)SPEC_MT_OCI_MANIFEST };
	struct spec_image_config cfg = { 0 };
	_cleanup_free_ char *cbuf = NULL, *mbuf = NULL;
	const char *path;
	char digest[72], mdigest[72];
	uint64_t size;
	size_t clen = 0, mlen;
	int r;

	r = fetch(c, e->config, "config", NULL, -1, &path, digest, &size, err);
	if (r >= 0)
		r = read_all(path, &cbuf, &clen, "config", e->config, err);
	if (r >= 0 && (r = spec_image_config_parse(cbuf, clen, &cfg, err)) < 0)
		r = qerr_wrap(err, r, "config '%s'", e->config);
	if (r < 0)
		goto out;
	add_blob(c, path, digest);
	if (cfg.n_diff_ids != e->n_layers) {
		r = qerr_set(err, -EBADMSG,
			     "manifest.json: %zu layers, but config '%s' has %zu diff_ids",
			     e->n_layers, e->config, cfg.n_diff_ids);
		goto out;
	}
	m.config = (struct spec_descriptor){ .media_type = (char *)SPEC_MT_OCI_CONFIG,
					     .digest = digest,
					     .size = (int64_t)size };
	m.layers = xcalloc(e->n_layers + 1, sizeof(*m.layers));
	m.n_layers = e->n_layers;
	for (size_t i = 0; i < e->n_layers; i++) {
		enum spec_compression comp = SPEC_COMP_NONE;

		m.layers[i].digest = xmalloc(72);
		r = fetch(c, e->layers[i], "layer", NULL, -1, &path, m.layers[i].digest, &size,
			  err);
		if (r >= 0 && sniff_compression(path, &comp) < 0)
			r = qerr_set_errno(err, -errno, "layer '%s'", e->layers[i]);
		if (r < 0)
			break;
		add_blob(c, path, m.layers[i].digest);
		m.layers[i].media_type = (char *)spec_layer_media_type(comp);
		m.layers[i].size = (int64_t)size;
	}
	if (r >= 0) {
		mbuf = spec_manifest_write(&m, &mlen);
		digest_buffer(mbuf, mlen, mdigest);
		struct spec_descriptor d = { .media_type = (char *)SPEC_MT_OCI_MANIFEST,
					     .digest = mdigest,
					     .size = (int64_t)mlen };

		c->docs = xrealloc(c->docs, (c->n_docs + 1) * sizeof(*c->docs));
		c->doc_lens = xrealloc(c->doc_lens, (c->n_docs + 1) * sizeof(*c->doc_lens));
		c->doc_lens[c->n_docs] = mlen;
		c->docs[c->n_docs++] = TAKE_PTR(mbuf);
		if (e->n_repo_tags == 0)
			add_image(c, &d, NULL);
		for (size_t i = 0; i < e->n_repo_tags; i++) {
			_cleanup_free_ char *ref = name_from(e->repo_tags[i]);

			if (!ref) {
				r = qerr_set(err, -EINVAL,
					     "manifest.json: '%s' is not an image name",
					     e->repo_tags[i]);
				break;
			}
			add_image(c, &d, ref);
		}
	}
out:
	for (size_t i = 0; i < m.n_layers; i++)
		free(m.layers[i].digest);
	free(m.layers);
	spec_image_config_release(&cfg);
	return r;
}

static int load_docker(struct load_ctx *c, const char *buf, size_t len, struct qerr *err)
{
	struct spec_docker_manifest dm = { 0 };
	int r;

	r = spec_docker_manifest_parse(buf, len, &dm, err);
	if (r < 0)
		return qerr_wrap(err, r, "manifest.json");
	if (dm.n_entries == 0)
		r = qerr_set(err, -ENOENT, "manifest.json: no images in this archive");
	for (size_t i = 0; r >= 0 && i < dm.n_entries; i++)
		r = load_docker_entry(c, &dm.entries[i], err);
	spec_docker_manifest_release(&dm);
	return r;
}

/* ---- commit --------------------------------------------------------------------------------- */

static int commit(struct load_ctx *c, struct qerr *err)
{
	int r = 0;

	for (size_t i = 0; r >= 0 && i < c->n_blobs; i++) {
		struct stat st;

		/* The same staged file may be listed twice; the first adoption moved it. */
		if (stat(c->blobs[i].path, &st) < 0 && blob_exists(c->s, c->blobs[i].digest))
			continue;
		r = blob_adopt(c->s, c->blobs[i].path, c->blobs[i].digest, err);
	}
	for (size_t i = 0; r >= 0 && i < c->n_docs; i++) {
		char d[72];

		r = blob_put_buffer(c->s, c->docs[i], c->doc_lens[i], d, err);
	}
	if (r >= 0)
		r = index_add_all(c->s, c->adds, c->n_adds, err);
	return r;
}

static void ctx_release(struct load_ctx *c)
{
	archive_files_release(&c->files);
	if (c->stage)
		(void)rm_rf_at(AT_FDCWD, c->stage);
	free(c->stage);
	for (size_t i = 0; i < c->n_blobs; i++)
		free(c->blobs[i].path);
	free(c->blobs);
	for (size_t i = 0; i < c->n_docs; i++)
		free(c->docs[i]);
	free(c->docs);
	free(c->doc_lens);
	for (size_t i = 0; i < c->n_adds; i++) {
		spec_descriptor_release(&c->adds[i].desc);
		free(c->adds[i].ref);
	}
	free(c->adds);
	if (c->dirfd >= 0)
		close(c->dirfd);
}

int image_load(struct image_store *s, const char *path, int fd,
	       const struct image_progress *progress, void (*report)(const char *line, void *data),
	       void *data, struct qerr *err)
{
	struct load_ctx c = { .s = s, .dirfd = -1, .dirpath = path };
	_cleanup_free_ char *index = NULL, *dmanifest = NULL;
	_cleanup_close_ int ffd = -1;
	size_t ilen = 0, dlen = 0;
	struct stat st;
	int r, ri, rd;

	r = store_mkdtemp(s, "load", &c.stage, err);
	if (r < 0)
		return r;
	if (path && stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		c.dirfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (c.dirfd < 0)
			r = qerr_set_errno(err, -errno, "'%s'", path);
	} else {
		if (path) {
			ffd = open(path, O_RDONLY | O_CLOEXEC);
			if (ffd < 0)
				r = qerr_set_errno(err, -errno, "cannot open '%s'", path);
			fd = ffd;
		}
		if (r >= 0)
			r = archive_stage(fd, c.stage, -1, progress, &c.files, err);
	}
	if (r < 0)
		goto out;
	/* docker 25+ writes both; its index.json keeps the manifests byte for byte: prefer it. */
	ri = read_doc(&c, "index.json", &index, &ilen, err);
	if (ri < 0 && ri != -ENOENT) {
		r = ri;
		goto out;
	}
	rd = ri == -ENOENT ? read_doc(&c, "manifest.json", &dmanifest, &dlen, err) : -ENOENT;
	if (ri == 0)
		r = load_oci(&c, index, ilen, err);
	else if (rd == 0)
		r = load_docker(&c, dmanifest, dlen, err);
	else if (rd != -ENOENT)
		r = rd;
	else
		r = qerr_set(err, -EINVAL,
			     "%s: neither an OCI image layout (index.json) nor a docker-archive "
			     "(manifest.json)",
			     path ? path : "standard input");
	if (r >= 0)
		r = commit(&c, err);
	if (r >= 0) {
		for (size_t i = 0; i < c.n_adds; i++) {
			struct spec_reference ref = { 0 };
			_cleanup_free_ char *line = NULL;

			if (c.adds[i].ref && spec_reference_parse(c.adds[i].ref, &ref, NULL) >= 0) {
				_cleanup_free_ char *fam = spec_reference_familiar_name(&ref);

				line = xasprintf("Loaded image: %s:%s", fam, ref.tag);
			} else {
				struct image_entry e;

				if (entry_from_descriptor(s, &c.adds[i].desc, &e, NULL) >= 0) {
					line = xasprintf("Loaded image ID: %s", e.id);
					image_entry_release(&e);
				}
			}
			spec_reference_release(&ref);
			if (line)
				report(line, data);
		}
	}
out:
	ctx_release(&c);
	return r;
}
