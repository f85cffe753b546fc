/* qrun import: a root filesystem tarball becomes a one-layer image. */
#include "runtime/runtime.h"

#include <fcntl.h>

static const char import_usage[] =
    "Usage: qrun import [OPTIONS] FILE|- NAME[:TAG]\n"
    "\n"
    "Make a one-layer image from a root filesystem tarball (plain, gzip, xz, bzip2 or zstd;\n"
    "'-' reads standard input) and print its ID. The platform is taken from the ELF programs\n"
    "inside unless --platform says otherwise.\n"
    "\n"
    "Options:\n"
    "      --platform OS/ARCH[/VARIANT]  e.g. linux/arm/v7, linux/arm64, linux/amd64\n"
    "  -q, --quiet                       no progress\n"
    "  -h, --help                        this help\n";

int cmd_import(int argc, char **argv, struct cmd_ctx *ctx)
{
	struct spec_platform platform = { 0 };
	struct image_store *s = NULL;
	struct runtime_progress prog;
	_cleanup_free_ char *id = NULL;
	_cleanup_close_ int fd = -1;
	bool have_platform = false, quiet = false;
	int r;

	r = runtime_platform_opts(argc, argv, "import", import_usage, &platform, &have_platform,
				  &quiet, ctx);
	if (r != 0)
		return r > 0 ? 0 : r;
	if (argc - optind != 2) {
		spec_platform_release(&platform);
		return qerr_set(&ctx->err, -EINVAL,
				"import: expected FILE and NAME (see 'qrun import --help')");
	}
	if (strcmp(argv[optind], "-") == 0) {
		fd = dup(STDIN_FILENO);
	} else {
		fd = open(argv[optind], O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			spec_platform_release(&platform);
			return qerr_set_errno(&ctx->err, -errno, "cannot open '%s'", argv[optind]);
		}
	}
	r = runtime_open_store(ctx, &s);
	if (r >= 0) {
		r = image_import(s, fd, argv[optind + 1], have_platform ? &platform : NULL,
				 runtime_progress_init(&prog, quiet), &id, &ctx->err);
		runtime_progress_release(&prog);
	}
	if (r >= 0)
		printf("%s\n", id);
	image_store_close(s);
	spec_platform_release(&platform);
	return r < 0 ? r : 0;
}
