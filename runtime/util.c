#include "runtime/runtime.h"

#include "image/image.h"

int runtime_store_root(struct cmd_ctx *ctx, char **ret_path)
{
	const char *env = getenv("QRUN_ROOT");

	if (ctx->root && ctx->root[0]) {
		*ret_path = xstrdup(ctx->root);
		return 0;
	}
	if (env && env[0]) {
		*ret_path = xstrdup(env);
		return 0;
	}
	return image_store_default_root(ret_path, &ctx->err);
}

bool runtime_wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return false;
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return true;
	}
	return false;
}
