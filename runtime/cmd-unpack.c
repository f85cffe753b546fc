/* qrun unpack: an image's root filesystem into a directory. */
#include "runtime/runtime.h"

static const char unpack_usage[] =
    "Usage: qrun unpack [OPTIONS] IMAGE DIR\n"
    "\n"
    "Write the root filesystem of IMAGE into DIR (created; must be empty if it exists), as\n"
    "independent files. Layers are unpacked once into the store and reused. Unprivileged,\n"
    "files belong to you; their owners and device nodes are recorded in the store.\n"
    "\n"
    "Options:\n"
    "      --platform OS/ARCH[/VARIANT]  pick from a multi-platform image (default: this host)\n"
    "  -q, --quiet                       no progress\n"
    "  -h, --help                        this help\n";

int cmd_unpack(int argc, char **argv, struct cmd_ctx *ctx)
{
	struct spec_platform platform = { 0 };
	struct image_store *s = NULL;
	struct image *img = NULL;
	struct runtime_progress prog;
	bool have_platform = false, quiet = false;
	int r;

	r = runtime_platform_opts(argc, argv, "unpack", unpack_usage, &platform, &have_platform,
				  &quiet, ctx);
	if (r != 0)
		return r > 0 ? 0 : r;
	if (argc - optind != 2) {
		spec_platform_release(&platform);
		return qerr_set(&ctx->err, -EINVAL, "unpack: expected IMAGE and DIR");
	}
	r = runtime_open_store(ctx, &s);
	if (r >= 0)
		r = image_open(s, argv[optind], have_platform ? &platform : NULL, &img, &ctx->err);
	if (r >= 0) {
		r = image_unpack(s, img, argv[optind + 1], runtime_progress_init(&prog, quiet),
				 &ctx->err);
		runtime_progress_release(&prog);
	}
	image_free(img);
	image_store_close(s);
	spec_platform_release(&platform);
	return r < 0 ? r : 0;
}
