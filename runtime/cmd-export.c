/* qrun export: a container's root filesystem as one tar, with the owners its guests see. */
#include "runtime/runtime.h"

#include <getopt.h>

static const char export_usage[] =
    "Usage: qrun export [OPTIONS] CONTAINER\n"
    "\n"
    "Write a container's root filesystem as a tar archive (standard output unless -o),\n"
    "with the owners and modes its processes see (chown and mknod inside it included).\n"
    "\n"
    "Options:\n"
    "  -o, --output FILE   write to FILE (replaced only when complete)\n"
    "  -h, --help          this help\n";

static int write_tree(int fd, void *data, struct qerr *err)
{
	const struct image_tree *t = data;
	const struct image_layer_opts o = { .clamp_mtime = -1 };
	struct image_change *v = NULL;
	size_t n = 0;
	int r = image_changes(NULL, t, &v, &n, err);

	if (r >= 0)
		r = image_layer_write(t, v, n, &o, fd, NULL, err);
	image_changes_free(v, n);
	return r;
}

int cmd_export(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct image_store *s = NULL;
	struct container *c = NULL;
	struct container_files f = { 0 };
	const char *out = NULL;
	int opt, r;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "+o:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'o':
			out = optarg;
			break;
		case 'h':
			fputs(export_usage, stdout);
			return 0;
		default:
			return runtime_bad_option(ctx, "export", argv);
		}
	}
	if (optind != argc - 1)
		return qerr_set(&ctx->err, -EINVAL, "export: expected one CONTAINER");
	r = runtime_open_store(ctx, &s);
	if (r >= 0)
		r = container_find(image_store_root(s), argv[optind], &c, &ctx->err);
	if (r >= 0)
		r = container_files_open(s, c, &f, &ctx->err);
	if (r >= 0)
		r = runtime_write_output(ctx, "export", out, write_tree, &f.upper);
	container_files_release(&f);
	container_free(c);
	image_store_close(s);
	return r < 0 ? r : 0;
}
