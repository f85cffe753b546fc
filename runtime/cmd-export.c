/* qrun export: a container's root filesystem as one tar, with the owners its guests see. */
#include "runtime/runtime.h"

#include <fcntl.h>
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

/* Write fn's output to path (atomically) or to standard output (never a terminal). */
int runtime_write_output(struct cmd_ctx *ctx, const char *verb, const char *path,
			 int (*fn)(int fd, void *data, struct qerr *err), void *data)
{
	_cleanup_free_ char *tmp = NULL;
	int fd = STDOUT_FILENO, r;

	if (!path && isatty(STDOUT_FILENO))
		return qerr_set(&ctx->err, -EINVAL,
				"%s: refusing to write an archive to a terminal; use -o FILE",
				verb);
	if (path) {
		tmp = xasprintf("%s.tmp-%d", path, (int)getpid());
		fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0)
			return qerr_set_errno(&ctx->err, -errno, "cannot write '%s'", path);
	}
	r = fn(fd, data, &ctx->err);
	if (path) {
		if (r >= 0 && fsync(fd) < 0)
			r = qerr_set_errno(&ctx->err, -errno, "cannot write '%s'", path);
		close(fd);
		if (r >= 0 && rename(tmp, path) < 0)
			r = qerr_set_errno(&ctx->err, -errno, "cannot write '%s'", path);
		if (r < 0)
			(void)unlink(tmp);
	}
	return r;
}

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
