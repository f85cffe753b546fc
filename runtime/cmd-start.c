/* qrun start: run a container's command again, attached (-a) or in the background. */
#include "runtime/runtime.h"

#include <fcntl.h>
#include <getopt.h>
#include <time.h>

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

/*
 * --restart: should the monitor run the command again after it ended with status r (the
 * count-th run)? Not after `qrun stop` or `kill` asked for the end (the file stop-requested).
 */
static bool again(const struct container *c, int r, int count)
{
	const char *p = spec_runtime_config_annotation(&c->config, ANNOT_RESTART);
	_cleanup_free_ char *stop = xasprintf("%s/stop-requested", c->dir);
	long max = 0;

	if (!p || access(stop, F_OK) == 0)
		return false;
	if (!strcmp(p, "always") || !strcmp(p, "unless-stopped"))
		return true;
	if (r == 0)
		return false;
	if (str_has_prefix(p, "on-failure:") && parse_int(p + 11, 0, INT32_MAX, &max) == 0 &&
	    max > 0)
		return count <= max;
	return true;
}

/* The container's process (again, as --restart says); then, made with --rm, the container. */
int run_then_remove(struct cmd_ctx *ctx, struct container *c)
{
	_cleanup_free_ char *stop = xasprintf("%s/stop-requested", c->dir);
	struct qerr e = { 0 };
	int r, count = 0;

	(void)unlink(stop);
	for (;;) {
		r = plan_run(ctx, c, NULL, NULL, NULL, true, NULL);
		if (r < 0)
			fprintf(stderr, "qrun: %s\n", ctx->err.msg);
		if (!again(c, r, ++count))
			break;
		c->ready_fd = -1;
		nanosleep(&(struct timespec){ 0, 100 * 1000 * 1000 }, NULL); /* docker: 100 ms on */
	}
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
