#pragma once
/*
 * runtime: the qrun command. main.c parses global options and dispatches to one
 * cmd_<verb>() per file; only main.c prints errors and chooses the exit status.
 */

#include "common/common.h"
#include "image/image.h"

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

int cmd_import(int argc, char **argv, struct cmd_ctx *ctx);
int cmd_load(int argc, char **argv, struct cmd_ctx *ctx);
int cmd_save(int argc, char **argv, struct cmd_ctx *ctx);
int cmd_images(int argc, char **argv, struct cmd_ctx *ctx);
int cmd_inspect(int argc, char **argv, struct cmd_ctx *ctx);
int cmd_tag(int argc, char **argv, struct cmd_ctx *ctx);
int cmd_rmi(int argc, char **argv, struct cmd_ctx *ctx);
int cmd_unpack(int argc, char **argv, struct cmd_ctx *ctx);
int cmd_prune(int argc, char **argv, struct cmd_ctx *ctx);

/* Open the store (see runtime_store_root); the error goes to ctx->err. */
int runtime_open_store(struct cmd_ctx *ctx, struct image_store **ret);

/* Progress drawn on stderr when it is a terminal and not quiet. */
struct runtime_progress {
	struct image_progress ops;
	char *label;
	double start, last;
};

/* NULL (no progress) when quiet or stderr is not a terminal. */
const struct image_progress *runtime_progress_init(struct runtime_progress *p, bool quiet);
void runtime_progress_release(struct runtime_progress *p);
/* docker's sizes: 1000-based, 3 significant digits ("12.3MB"). */
void runtime_human_size(uint64_t n, char *buf, size_t len);
/* A report callback printing each line on stdout. */
void runtime_print_line(const char *line, void *data);

/* Resolve the store directory: ctx->root, else QRUN_ROOT, else the default. */
int runtime_store_root(struct cmd_ctx *ctx, char **ret_path);

/* true if argv holds -h or --help before any "--". */
bool runtime_wants_help(int argc, char **argv);
