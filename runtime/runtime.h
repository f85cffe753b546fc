#pragma once
/*
 * runtime: the qrun command. main.c parses global options and dispatches to one
 * cmd_<verb>() per file; only main.c prints errors and chooses the exit status.
 */

#include "common/common.h"

/* docker/podman exit statuses for qrun's own failures */
enum {
	EXIT_QRUN_FAILED = 125,
	EXIT_CANNOT_RUN = 126,
	EXIT_NOT_FOUND = 127,
};

/* What every command gets: global options and the error slot main.c prints. */
struct cmd_ctx {
	const char *root; /* borrowed: --root / QRUN_ROOT, or NULL for the default */
	struct qerr err;
};

/*
 * A command returns its exit status (0-255). On a qrun failure it fills ctx->err and returns
 * a negative errno; main.c prints the message and exits 125.
 */
int cmd_version(int argc, char **argv, struct cmd_ctx *ctx);
int cmd_info(int argc, char **argv, struct cmd_ctx *ctx);
int cmd_chroot(int argc, char **argv, struct cmd_ctx *ctx);

/* Resolve the store directory: ctx->root, else QRUN_ROOT, else the default. */
int runtime_store_root(struct cmd_ctx *ctx, char **ret_path);

/* true if argv holds -h or --help before any "--". */
bool runtime_wants_help(int argc, char **argv);
