/*
 * One step of a build that changes files: a container of the stage so far (the same run
 * plan as `qrun run`, so identity, qemu and the wall are a run's), the command run in it or
 * the files copied into it, and its change set written as a layer with the build's epoch.
 * Intermediate images are stored without a name (prune removes them with the cache).
 */
#include "runtime/build.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>

int build_materialise(struct build_ctx *b, struct build_stage *st)
{
	_cleanup_free_ char *config = NULL;
	struct image *img = NULL;
	char manifest[72];
	size_t len;
	int r;

	config = spec_image_config_write(&st->cfg, &len);
	r = image_create(b->s, st->base, st->layers, st->n_layers, config, len, NULL, false,
			 manifest, &b->ctx->err);
	if (r >= 0)
		r = image_open_manifest(b->s, manifest, &img, &b->ctx->err);
	if (r < 0)
		return r;
	image_free(st->base);
	st->base = img;
	free(st->layers);
	st->layers = NULL;
	st->n_layers = 0;
	return 0;
}

/* The upper tree's owners: what the step wrote itself first, then the tracer's view. */
struct step_view {
	const struct image_tree *upper;
	const struct build_attrs *attrs;
};

static void step_attr(void *data, const struct stat *st, struct image_attr *ret)
{
	const struct step_view *v = data;

	if (build_attrs_get(v->attrs, st, ret))
		return;
	v->upper->attr(v->upper->data, st, ret);
}

static int add_layer(struct build_ctx *b, struct build_stage *st, struct container *c,
		     const struct build_attrs *attrs, const char *created_by)
{
	struct container_files f = { 0 };
	struct image_change *v = NULL;
	struct image_layer_desc d;
	size_t n = 0;
	int r = container_files_open(b->s, c, &f, &b->ctx->err);
	struct step_view view = { &f.upper, attrs };
	struct image_tree upper = { f.upper_dir, step_attr, &view };

	if (r >= 0)
		r = image_changes(&f.lower, &upper, &v, &n, &b->ctx->err);
	if (r >= 0 && n) {
		r = image_layer_create(b->s, &upper, v, n, b->o->epoch, &d, &b->ctx->err);
		if (r >= 0)
			r = spec_image_config_add_diff_id(&st->cfg, d.diff_id, &b->ctx->err);
		if (r >= 0) {
			st->layers = xrealloc(st->layers, (st->n_layers + 1) * sizeof(*st->layers));
			st->layers[st->n_layers++] = d;
		}
	}
	if (r >= 0)
		spec_image_config_add_history(&st->cfg, b->created, created_by, NULL, n == 0);
	image_changes_free(v, n);
	container_files_release(&f);
	return r;
}

int build_step(struct build_ctx *b, struct build_stage *st, const char *created_by, char **argv,
	       char **env, const struct build_copy *copy, const struct build_copy_plan *plan)
{
	struct run_opts o = { .entrypoint = "", .hostname = "qrun-build", .env = env };
	struct build_attrs attrs = { 0 };
	struct container *c = NULL;
	char true_[] = "true", *no_cmd[] = { true_, NULL };
	int n_argv = 0, r;

	while (env && env[o.n_env])
		o.n_env++;
	while (argv && argv[n_argv])
		n_argv++;
	r = build_materialise(b, st);
	if (r >= 0)
		r = plan_create_from(b->ctx, b->s, &o, st->base, "build step", argv ? argv : no_cmd,
				     argv ? n_argv : 1, &c);
	if (r < 0)
		return r;
	if (argv) {
		int saved = -1;

		fflush(stdout);
		if (b->o->quiet) {
			int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

			saved = dup(STDOUT_FILENO);
			if (null >= 0) {
				dup2(null, STDOUT_FILENO);
				close(null);
			}
		}
		r = plan_run(b->ctx, c, NULL, NULL, NULL, false, NULL);
		if (saved >= 0) {
			dup2(saved, STDOUT_FILENO);
			close(saved);
		}
		if (r > 0) {
			char cmd[1024] = "";

			for (int i = 0; i < n_argv; i++)
				(void)snprintf(cmd + strlen(cmd), sizeof(cmd) - strlen(cmd), "%s%s",
					       i ? " " : "", argv[i]);
			r = qerr_set(&b->ctx->err, -ECANCELED,
				     "process \"%s\" did not complete successfully: exit code: %d",
				     cmd, r);
		}
	} else {
		_cleanup_free_ char *rootfs = xasprintf("%s/rootfs", c->dir);

		r = build_copy_apply(copy, plan, rootfs, &attrs, &b->ctx->err);
	}
	if (r >= 0)
		r = add_layer(b, st, c, &attrs, created_by);
	build_attrs_release(&attrs);
	(void)plan_remove(b->ctx, c, false, NULL);
	container_free(c);
	return r;
}

/* ---- the cache: ROOT/build-cache/<key hex> holds the manifest digest a step made ---------- */

int build_cache_get(struct build_ctx *b, const char *key, struct image **ret)
{
	_cleanup_free_ char *path = xasprintf("%s/build-cache/%s", image_store_root(b->s), key + 7);
	_cleanup_free_ char *buf = NULL;
	ssize_t n = read_file_at(AT_FDCWD, path, 128, &buf);

	if (b->o->no_cache || n < 71)
		return -ENOENT;
	buf[71] = '\0';
	/* a pruned store keeps the key but not the blobs: a miss */
	return image_open_manifest(b->s, buf, ret, NULL) < 0 ? -ENOENT : 0;
}

void build_cache_put(struct build_ctx *b, const char *key, const char *manifest_digest)
{
	_cleanup_free_ char *dir = xasprintf("%s/build-cache", image_store_root(b->s));
	_cleanup_free_ char *path = xasprintf("%s/%s", dir, key + 7);
	_cleanup_free_ char *tmp = xasprintf("%s.tmp%d", path, (int)getpid());
	_cleanup_close_ int fd = -1;

	(void)mkdir(dir, 0700);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	if (write_all(fd, manifest_digest, strlen(manifest_digest)) < 0 || rename(tmp, path) < 0)
		(void)unlink(tmp);
}
