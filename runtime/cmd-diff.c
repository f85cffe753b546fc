/* qrun diff: what a container changed in its image's files, as docker prints it. */
#include "runtime/runtime.h"

static int by_path(const void *a, const void *b)
{
	return strcmp(((const struct image_change *)a)->path,
		      ((const struct image_change *)b)->path);
}

int cmd_diff(int argc, char **argv, struct cmd_ctx *ctx)
{
	struct image_store *s = NULL;
	struct container *c = NULL;
	struct container_files f = { 0 };
	struct image_change *v = NULL;
	size_t n = 0;
	int r;

	if (runtime_wants_help(argc, argv)) {
		fputs("Usage: qrun diff CONTAINER\n\nList the files a container added (A), changed "
		      "(C) or deleted (D)\nin its image's root filesystem.\n",
		      stdout);
		return 0;
	}
	if (argc != 2)
		return qerr_set(&ctx->err, -EINVAL, "diff: expected one CONTAINER");
	r = runtime_open_store(ctx, &s);
	if (r >= 0)
		r = container_find(image_store_root(s), argv[1], &c, &ctx->err);
	if (r >= 0)
		r = container_files_open(s, c, &f, &ctx->err);
	if (r >= 0)
		r = image_changes(&f.lower, &f.upper, &v, &n, &ctx->err);
	if (r >= 0) {
		qsort(v, n, sizeof(*v), by_path);
		for (size_t i = 0; i < n; i++)
			printf("%c /%s\n", v[i].kind, v[i].path);
	}
	image_changes_free(v, n);
	container_files_release(&f);
	container_free(c);
	image_store_close(s);
	return r < 0 ? r : 0;
}
