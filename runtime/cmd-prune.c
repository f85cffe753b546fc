/* qrun prune: remove blobs and snapshots nothing refers to. */
#include "runtime/runtime.h"

int cmd_prune(int argc, char **argv, struct cmd_ctx *ctx)
{
	struct image_store *s = NULL;
	uint64_t freed = 0;
	char size[32];
	int r;

	if (runtime_wants_help(argc, argv)) {
		fputs("Usage: qrun prune\n\nRemove blobs, unpacked snapshots and leftovers of "
		      "interrupted commands that no image refers to,\nand print the space freed. "
		      "Waits for other qrun commands using the store to finish.\n",
		      stdout);
		return 0;
	}
	if (argc != 1)
		return qerr_set(&ctx->err, -EINVAL, "prune: takes no arguments");
	r = runtime_open_store(ctx, &s);
	if (r >= 0)
		r = image_prune(s, &freed, &ctx->err);
	if (r >= 0) {
		runtime_human_size(freed, size, sizeof(size));
		printf("Total reclaimed space: %s\n", size);
	}
	image_store_close(s);
	return r < 0 ? r : 0;
}
