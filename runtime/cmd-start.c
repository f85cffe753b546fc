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
    "Without -a the container runs in the background, its output going to the file 'log' in\n"
    "its directory; 'qrun ps' shows it, 'qrun kill' stops it.\n";

/* The background runner: a new session, output to the log; tells the parent when running. */
/* The container's process; then, for a container made with `create --rm`, the container. */
static int run_then_remove(struct cmd_ctx *ctx, struct container *c)
{
	int r = plan_run(ctx, c, NULL, NULL, NULL, true, NULL);
	struct qerr e = { 0 };

	if (spec_runtime_config_annotation(&c->config, ANNOT_AUTOREMOVE) &&
	    plan_remove(ctx, c, false, &e) < 0)
		qlog_warn("--rm: %s", e.msg);
	return r;
}

static int detach(struct cmd_ctx *ctx, struct container *c)
{
	_cleanup_free_ char *log = xasprintf("%s/log", c->dir);
	int p[2], fd;
	char b;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return qerr_set_errno(&ctx->err, -errno, "pipe");
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return qerr_set_errno(&ctx->err, -errno, "fork");
	if (pid > 0) {
		close(p[1]);
		/* EOF once the child has written its state (or died). */
		(void)!read(p[0], &b, 1);
		close(p[0]);
		printf("%s\n", c->state.name);
		return 0;
	}
	close(p[0]);
	(void)setsid();
	fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (fd >= 0) {
		(void)dup2(fd, STDOUT_FILENO);
		(void)dup2(fd, STDERR_FILENO);
		close(fd);
	}
	fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		(void)dup2(fd, STDIN_FILENO);
		close(fd);
	}
	/* plan_run records "running" before the first process starts: then let the parent go. */
	free(c->state.status);
	c->state.status = xstrdup("running");
	c->state.pid = getpid();
	free(c->state.started_at);
	c->state.started_at = runtime_now();
	(void)container_save_state(c, NULL);
	close(p[1]);
	_exit(run_then_remove(ctx, c) & 0xff);
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
		r = run_then_remove(ctx, c);
	} else if (r >= 0) {
		r = detach(ctx, c);
	}
	container_free(c);
	return r;
}
