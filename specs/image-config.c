#include "specs/specs-internal.h"

/*
 * OCI image configuration (image-spec config.md), as docker and buildah write it. Only what
 * qrun runs with is kept; history, labels, exposed ports and the rest stay in the blob, and
 * `inspect` copies the "config" object verbatim with spec_json_copy_member.
 */

#define DOCKER_DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* config: the runtime defaults. Every member is optional and may be null. */
static int read_run_config(struct jctx *c, const struct jnode *root, struct spec_image_config *ic)
{
	const struct jnode *cfg;
	size_t saved;
	int r;

	r = jread_object(c, root, "config", false, &cfg);
	if (r < 0 || !cfg)
		return r;
	saved = jctx_push_key(c, "config");
	if ((r = jread_string(c, cfg, "User", false, &ic->user)) >= 0 &&
	    (r = jread_strv(c, cfg, "Env", false, &ic->env, NULL)) >= 0 &&
	    (r = jread_strv(c, cfg, "Entrypoint", false, &ic->entrypoint, NULL)) >= 0 &&
	    (r = jread_strv(c, cfg, "Cmd", false, &ic->cmd, NULL)) >= 0)
		r = jread_string(c, cfg, "WorkingDir", false, &ic->working_dir);
	jctx_pop(c, saved);
	return r;
}

/* rootfs: {"type": "layers", "diff_ids": [sha256 digests]}, both required. */
static int read_rootfs(struct jctx *c, const struct jnode *root, struct spec_image_config *ic)
{
	const struct jnode *rootfs;
	size_t i, saved, saved_d;
	int r;

	r = jread_object(c, root, "rootfs", true, &rootfs);
	if (r < 0)
		return r;
	saved = jctx_push_key(c, "rootfs");
	r = jread_string(c, rootfs, "type", true, &ic->rootfs_type);
	if (r >= 0 && strcmp(ic->rootfs_type, "layers")) {
		saved_d = jctx_push_key(c, "type");
		r = jctx_fail(c, "expected \"layers\", not '%s'", ic->rootfs_type);
		jctx_pop(c, saved_d);
	}
	if (r >= 0)
		r = jread_strv(c, rootfs, "diff_ids", true, &ic->diff_ids, &ic->n_diff_ids);
	for (i = 0; r >= 0 && i < ic->n_diff_ids; i++) {
		if (spec_digest_valid(ic->diff_ids[i]))
			continue;
		saved_d = jctx_push_key(c, "diff_ids");
		(void)jctx_push_index(c, i);
		r = jctx_fail(c, "not a sha256 digest");
		jctx_pop(c, saved_d);
	}
	jctx_pop(c, saved);
	return r;
}

int spec_image_config_parse(const char *buf, size_t len, struct spec_image_config *ret,
			    struct qerr *err)
{
	_cleanup_jdoc_ struct jdoc *doc = NULL;
	struct spec_image_config ic = { 0 };
	const struct jnode *root;
	struct jctx c;
	int r;

	jctx_init(&c, "image config", err);
	r = jdoc_parse("image config", buf, len, &doc, err);
	if (r < 0)
		return r;
	root = jdoc_root(doc);
	if (jnode_type(root) != JT_OBJECT)
		return jctx_fail(&c, "expected a JSON object");
	if ((r = jread_string(&c, root, "architecture", true, &ic.architecture)) < 0 ||
	    (r = jread_string(&c, root, "os", true, &ic.os)) < 0 ||
	    (r = jread_string(&c, root, "variant", false, &ic.variant)) < 0 ||
	    (r = jread_string(&c, root, "created", false, &ic.created)) < 0 ||
	    (r = read_run_config(&c, root, &ic)) < 0 || (r = read_rootfs(&c, root, &ic)) < 0) {
		spec_image_config_release(&ic);
		return r;
	}
	*ret = ic;
	return 0;
}

char *spec_image_config_write_imported(const struct spec_platform *p, const char *created,
				       const char *diff_id, size_t *ret_len)
{
	struct spec_json *j = spec_json_new(false);

	spec_json_object_begin(j);
	spec_json_key(j, "architecture");
	spec_json_string(j, p->architecture ? p->architecture : "");
	spec_json_key(j, "os");
	spec_json_string(j, p->os ? p->os : "linux");
	if (p->variant) {
		spec_json_key(j, "variant");
		spec_json_string(j, p->variant);
	}
	if (created) {
		spec_json_key(j, "created");
		spec_json_string(j, created);
	}
	spec_json_key(j, "config");
	spec_json_object_begin(j);
	spec_json_key(j, "Env");
	spec_json_array_begin(j);
	spec_json_string(j, DOCKER_DEFAULT_PATH);
	spec_json_array_end(j);
	spec_json_object_end(j);
	spec_json_key(j, "rootfs");
	spec_json_object_begin(j);
	spec_json_key(j, "type");
	spec_json_string(j, "layers");
	spec_json_key(j, "diff_ids");
	spec_json_array_begin(j);
	spec_json_string(j, diff_id);
	spec_json_array_end(j);
	spec_json_object_end(j);
	spec_json_key(j, "history");
	spec_json_array_begin(j);
	spec_json_object_begin(j);
	if (created) {
		spec_json_key(j, "created");
		spec_json_string(j, created);
	}
	spec_json_key(j, "created_by");
	spec_json_string(j, "qrun import");
	spec_json_object_end(j);
	spec_json_array_end(j);
	spec_json_object_end(j);
	return spec_json_finish(j, ret_len);
}

void spec_image_config_release(struct spec_image_config *c)
{
	free(c->architecture);
	free(c->os);
	free(c->variant);
	free(c->created);
	free(c->user);
	strv_free(c->env);
	strv_free(c->entrypoint);
	strv_free(c->cmd);
	free(c->working_dir);
	free(c->rootfs_type);
	strn_free(c->diff_ids, c->n_diff_ids);
	*c = (struct spec_image_config){ 0 };
}
