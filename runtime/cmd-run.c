/* qrun run and qrun create: a container of an image, run in the foreground or just made. */
#include "runtime/runtime.h"

#include <fcntl.h>

/* Without -i the command reads nothing (docker's default). */
static int stdin_null(struct cmd_ctx *ctx)
{
	int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

	if (fd < 0 || dup2(fd, STDIN_FILENO) < 0)
		return qerr_set_errno(&ctx->err, -errno, "/dev/null");
	close(fd);
	return 0;
}

int cmd_run(int argc, char **argv, struct cmd_ctx *ctx)
{
	struct run_opts o;
	struct container *c = NULL;
	bool written = true;
	int r = run_opts_parse(argc, argv, &o, "run", ctx);

	if (r != 0) {
		run_opts_release(&o);
		return r > 0 ? 0 : r;
	}
	if (o.tty && !isatty(STDIN_FILENO) && o.interactive) {
		run_opts_release(&o);
		return qerr_set(&ctx->err, -ENOTTY, "run: -t: the input device is not a terminal");
	}
	r = plan_create(ctx, &o, argv[optind], argv + optind + 1, argc - optind - 1, &c);
	if (r >= 0 && o.detach) {
		r = monitor_start(ctx, c, run_then_remove);
		if (r >= 0)
			printf("%s\n", c->id);
		container_free(c);
		run_opts_release(&o);
		return r < 0 ? r : 0;
	}
	if (r >= 0 && !o.interactive)
		r = stdin_null(ctx);
	if (r >= 0)
		r = plan_run(ctx, c, NULL, NULL, NULL, true, &written);
	if (c && o.rm) {
		struct qerr e = { 0 };

		/* --rm: also when the command failed; qrun's own error stays the one reported. */
		if (plan_remove(ctx, c, r >= 0 && !written, &e) < 0 && r >= 0)
			qlog_warn("--rm: %s", e.msg);
	}
	container_free(c);
	run_opts_release(&o);
	return r;
}

int cmd_create(int argc, char **argv, struct cmd_ctx *ctx)
{
	struct run_opts o;
	struct container *c = NULL;
	int r = run_opts_parse(argc, argv, &o, "create", ctx);

	if (r != 0) {
		run_opts_release(&o);
		return r > 0 ? 0 : r;
	}
	r = plan_create(ctx, &o, argv[optind], argv + optind + 1, argc - optind - 1, &c);
	if (r >= 0)
		printf("%s\n", c->id);
	container_free(c);
	run_opts_release(&o);
	return r < 0 ? r : 0;
}
