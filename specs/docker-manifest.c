#include "specs/specs-internal.h"

/*
 * manifest.json of a docker-archive (`docker save`): [{"Config", "RepoTags", "Layers"}].
 * The paths are names of archive members that the store will open, so besides the shape they
 * must be relative and free of ".." (an archive is untrusted input).
 */

static bool archive_path_valid(const char *p)
{
	const char *s = p;
	size_t n;

	if (!*p || *p == '/')
		return false;
	while (*s) {
		n = strcspn(s, "/");
		if (n == 2 && !memcmp(s, "..", 2))
			return false;
		s += n;
		if (*s == '/')
			s++;
	}
	return true;
}

static int check_path(struct jctx *c, const char *key, ssize_t i, const char *p)
{
	size_t saved;
	int r;

	if (archive_path_valid(p))
		return 0;
	saved = jctx_push_key(c, key);
	if (i >= 0)
		(void)jctx_push_index(c, (size_t)i);
	r = jctx_fail(c, "'%s' is not a relative path inside the archive", p);
	jctx_pop(c, saved);
	return r;
}

static int read_entry(struct jctx *c, const struct jnode *n, struct spec_docker_entry *ret)
{
	struct spec_docker_entry e = { 0 };
	size_t i;
	int r;

	if (jnode_type(n) != JT_OBJECT)
		return jctx_fail(c, "expected an object");
	if ((r = jread_string(c, n, "Config", true, &e.config)) < 0 ||
	    (r = check_path(c, "Config", -1, e.config)) < 0 ||
	    (r = jread_strv(c, n, "RepoTags", false, &e.repo_tags, &e.n_repo_tags)) < 0 ||
	    (r = jread_strv(c, n, "Layers", true, &e.layers, &e.n_layers)) < 0)
		goto fail;
	for (i = 0; i < e.n_layers; i++)
		if ((r = check_path(c, "Layers", (ssize_t)i, e.layers[i])) < 0)
			goto fail;
	*ret = e;
	return 0;
fail:
	free(e.config);
	strn_free(e.repo_tags, e.n_repo_tags);
	strn_free(e.layers, e.n_layers);
	return r;
}

int spec_docker_manifest_parse(const char *buf, size_t len, struct spec_docker_manifest *ret,
			       struct qerr *err)
{
	_cleanup_jdoc_ struct jdoc *doc = NULL;
	struct spec_docker_manifest m = { 0 };
	const struct jnode *root;
	struct jctx c;
	size_t i, n, saved;
	int r;

	jctx_init(&c, "docker manifest", err);
	r = jdoc_parse("docker manifest", buf, len, &doc, err);
	if (r < 0)
		return r;
	root = jdoc_root(doc);
	if (jnode_type(root) != JT_ARRAY)
		return jctx_fail(&c, "expected a JSON array");
	n = jnode_len(root);
	m.entries = xcalloc(n ? n : 1, sizeof(*m.entries));
	for (i = 0; i < n; i++) {
		saved = jctx_push_index(&c, i);
		r = read_entry(&c, jnode_item(root, i), &m.entries[i]);
		jctx_pop(&c, saved);
		if (r < 0) {
			spec_docker_manifest_release(&m);
			return r;
		}
		m.n_entries = i + 1;
	}
	*ret = m;
	return 0;
}

char *spec_docker_manifest_write(const struct spec_docker_manifest *m, size_t *ret_len)
{
	struct spec_json *j = spec_json_new(false);
	const struct spec_docker_entry *e;
	size_t i;

	spec_json_array_begin(j);
	for (i = 0; i < m->n_entries; i++) {
		e = &m->entries[i];
		spec_json_object_begin(j);
		spec_json_key(j, "Config");
		spec_json_string(j, e->config ? e->config : "");
		spec_json_key(j, "RepoTags");
		spec_json_string_array(j, e->repo_tags, e->n_repo_tags);
		spec_json_key(j, "Layers");
		spec_json_string_array(j, e->layers, e->n_layers);
		spec_json_object_end(j);
	}
	spec_json_array_end(j);
	return spec_json_finish(j, ret_len);
}

void spec_docker_manifest_release(struct spec_docker_manifest *m)
{
	struct spec_docker_entry *e;
	size_t i;

	for (i = 0; i < m->n_entries; i++) {
		e = &m->entries[i];
		free(e->config);
		strn_free(e->repo_tags, e->n_repo_tags);
		strn_free(e->layers, e->n_layers);
	}
	free(m->entries);
	*m = (struct spec_docker_manifest){ 0 };
}
