/*
 * A container's files beside its image's: the two trees that diff, export and commit read,
 * each with the owners its guests see (the tracer's view: a rootless unpack's meta, then
 * what the container's runs recorded).
 */
#include "runtime/runtime.h"

void owner_seeds_load(const char *meta, struct owner_seeds *ret)
{
	*ret = (struct owner_seeds){ 0 };
	if (image_owners_read(meta, &ret->owners, &ret->n, NULL) < 0 || !ret->n)
		return;
	ret->v = xcalloc(ret->n, sizeof(*ret->v));
	for (size_t i = 0; i < ret->n; i++)
		ret->v[i] = (struct tracer_owner){ .path = ret->owners[i].path,
						   .mode = ret->owners[i].mode,
						   .uid = ret->owners[i].uid,
						   .gid = ret->owners[i].gid,
						   .rdev = ret->owners[i].rdev };
}

void owner_seeds_release(struct owner_seeds *s)
{
	free(s->v);
	image_owners_free(s->owners, s->n);
	*s = (struct owner_seeds){ 0 };
}

void runtime_owners_attr(void *data, const struct stat *st, struct image_attr *ret)
{
	tracer_owners_get(data, st, &ret->uid, &ret->gid, &ret->mode, &ret->rdev);
}

/* The container's image, by the manifest it was made from when known. */
static int open_image(struct image_store *s, const struct container *c, struct image **ret,
		      struct qerr *err)
{
	const char *m = spec_runtime_config_annotation(&c->config, ANNOT_IMAGE_MANIFEST);
	const char *d = spec_runtime_config_annotation(&c->config, ANNOT_IMAGE_DIGEST);

	if (m)
		return image_open_manifest(s, m, ret, err);
	if (d)
		return image_open(s, d, NULL, ret, err);
	return qerr_set(err, -ENOENT, "container %s: made from no image", c->state.name);
}

int container_files_open(struct image_store *s, struct container *c, struct container_files *ret,
			 struct qerr *err)
{
	struct container_files f = { 0 };
	_cleanup_free_ char *meta = NULL, *journal = xasprintf("%s/owners", c->dir);
	struct tracer_identity lid = { .emulate = geteuid() != 0 };
	struct tracer_identity uid = {
		.emulate = !spec_runtime_config_annotation(&c->config, ANNOT_KEEP_ID),
		.store = journal,
	};
	int r;

	r = open_image(s, c, &f.img, err);
	if (r >= 0)
		r = image_snapshot(s, f.img, NULL, &f.snapshot, err);
	if (r < 0)
		goto fail;
	f.lower_dir = xasprintf("%s/rootfs", f.snapshot);
	f.upper_dir = xasprintf("%s/rootfs", c->dir);
	meta = xasprintf("%s/meta", f.snapshot);
	if (lid.emulate)
		owner_seeds_load(meta, &f.lower_seeds);
	lid.owners = f.lower_seeds.v;
	lid.n_owners = f.lower_seeds.n;
	free(meta);
	meta = xasprintf("%s/meta", c->dir);
	if (uid.emulate)
		owner_seeds_load(meta, &f.upper_seeds);
	uid.owners = f.upper_seeds.v;
	uid.n_owners = f.upper_seeds.n;
	r = tracer_owners_open(f.lower_dir, &lid, &f.lower_owners, err);
	if (r >= 0)
		r = tracer_owners_open(f.upper_dir, &uid, &f.upper_owners, err);
	if (r < 0)
		goto fail;
	f.lower = (struct image_tree){ f.lower_dir, runtime_owners_attr, f.lower_owners };
	f.upper = (struct image_tree){ f.upper_dir, runtime_owners_attr, f.upper_owners };
	*ret = f;
	return 0;
fail:
	container_files_release(&f);
	return r;
}

void container_files_release(struct container_files *f)
{
	tracer_owners_free(f->lower_owners);
	tracer_owners_free(f->upper_owners);
	owner_seeds_release(&f->lower_seeds);
	owner_seeds_release(&f->upper_seeds);
	free(f->lower_dir);
	free(f->upper_dir);
	free(f->snapshot);
	image_free(f->img);
	*f = (struct container_files){ 0 };
}
