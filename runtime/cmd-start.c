/* qrun start: run a container's command again, attached (-a) or in the background. */
#include "runtime/runtime.h"

#include <fcntl.h>
#include <getopt.h>

static const char start_usage[] =
    "Usage: qrun start [-a] CONTAINER\n"
    "\n"
    "Run the container's command again in its root filesystem.\n"
    "\n"
    "Options:\n"
    "  -a, --attach   stay in the foreground; qrun's exit status is the command's\n"
    "  -h, --help     this help\n"
    "\n"
    "Without -a the container runs in the background, its output going to its log ('qrun\n"
    "logs'); 'qrun ps' shows it, 'qrun stop' and 'qrun kill' stop it.\n";

/* The container's process; then, for a container made with `create --rm`, the container. */
int run_then_remove(struct cmd_ctx *ctx, struct container *c)
{
	int r = plan_run(ctx, c, NULL, NULL, NULL, true, NULL);
	struct qerr e = { 0 };

	if (r < 0)
		fprintf(stderr, "qrun: %s\n", ctx->err.msg);
	if (spec_runtime_config_annotation(&c->config, ANNOT_AUTOREMOVE) &&
	    plan_remove(ctx, c, false, &e) < 0)
		qlog_warn("--rm: %s", e.msg);
	return r;
}

int cmd_start(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option opts[] = {
		{ "attach", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_free_ char *root = NULL;
	struct container *c = NULL;
	bool attach = false;
	int opt, r;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "+ah", opts, NULL)) != -1) {
		switch (opt) {
		case 'a':
			attach = true;
			break;
		case 'h':
			fputs(start_usage, stdout);
			return 0;
		default:
			return runtime_bad_option(ctx, "start", argv);
		}
	}
	if (argc - optind != 1)
		return qerr_set(&ctx->err, -EINVAL, "start: name one CONTAINER");
	r = runtime_store_root(ctx, &root);
	if (r >= 0)
		r = container_find(root, argv[optind], &c, &ctx->err);
	if (r >= 0 && container_running(c))
		r = qerr_set(&ctx->err, -EBUSY, "container '%s' is already running", argv[optind]);
	if (r >= 0 && attach) {
		int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

		if (fd >= 0) {
			(void)dup2(fd, STDIN_FILENO);
			close(fd);
		}
		r = plan_run(ctx, c, NULL, NULL, NULL, true, NULL);
		if (spec_runtime_config_annotation(&c->config, ANNOT_AUTOREMOVE))
			(void)plan_remove(ctx, c, false, NULL);
	} else if (r >= 0) {
		r = monitor_start(ctx, c, run_then_remove);
		if (r >= 0)
			printf("%s\n", c->state.name);
	}
	container_free(c);
	return r;
}
