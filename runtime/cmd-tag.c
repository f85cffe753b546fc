/* qrun tag: another name for an image. */
#include "runtime/runtime.h"

int cmd_tag(int argc, char **argv, struct cmd_ctx *ctx)
{
	struct image_store *s = NULL;
	int r;

	if (runtime_wants_help(argc, argv)) {
		fputs("Usage: qrun tag SOURCE TARGET\n\nGive the image SOURCE (a name or an ID) "
		      "the name TARGET (NAME[:TAG]).\n",
		      stdout);
		return 0;
	}
	if (argc != 3)
		return qerr_set(&ctx->err, -EINVAL, "tag: expected SOURCE and TARGET");
	r = runtime_open_store(ctx, &s);
	if (r >= 0)
		r = image_tag(s, argv[1], argv[2], &ctx->err);
	image_store_close(s);
	return r < 0 ? r : 0;
}
