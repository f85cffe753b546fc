/* qrun stop, restart and wait: a container's end, as docker's verbs. */
#include "runtime/runtime.h"

#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <time.h>

/* The container as its state says now. */
static int reload(const char *root, struct container **c, struct qerr *err)
{
	struct container *n = NULL;
	int r = container_find(root, (*c)->id, &n, err);

	if (r >= 0) {
		container_free(*c);
		*c = n;
	}
	return r;
}

/* Wait until c is not running (or timeout_ms passes, < 0: forever); true when it ended. */
static bool wait_end(const char *root, struct container **c, long timeout_ms)
{
	for (long waited = 0; timeout_ms < 0 || waited <= timeout_ms; waited += 20) {
		if (reload(root, c, NULL) < 0 || !container_running(*c))
			return true;
		nanosleep(&(struct timespec){ 0, 20 * 1000 * 1000 }, NULL);
	}
	return false;
}

/* The image's StopSignal (TERM when none), then KILL after secs seconds. */
static int stop_one(const char *root, struct container **c, long secs, struct qerr *err)
{
	const char *name = spec_runtime_config_annotation(&(*c)->config, ANNOT_STOP_SIGNAL);
	int sig = name ? runtime_parse_signal(name) : SIGTERM;
	int r;

	{
		/* the monitor must not restart it (--restart), also between two runs */
		_cleanup_free_ char *p = xasprintf("%s/stop-requested", (*c)->dir);
		int fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);

		if (fd >= 0)
			close(fd);
	}
	if (!container_running(*c)) {
		/* between two runs of --restart: let the monitor see the request */
		if (spec_runtime_config_annotation(&(*c)->config, ANNOT_RESTART))
			(void)wait_end(root, c, 300);
		if (!container_running(*c))
			return 0; /* docker: stopping a stopped container is fine */
	}
	r = runtime_signal_container(*c, sig > 0 ? sig : SIGTERM, err);
	if (r >= 0 && !wait_end(root, c, secs * 1000) && container_running(*c))
		r = runtime_signal_container(*c, SIGKILL, err);
	if (r >= 0)
		(void)wait_end(root, c, 5000);
	return r;
}

static int parse_secs(int argc, char **argv, const char *verb, const char *usage, long *ret,
		      struct cmd_ctx *ctx)
{
	static const struct option opts[] = {
		{ "time", required_argument, NULL, 't' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	*ret = 10;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "+t:h", opts, NULL)) != -1) {
		switch (opt) {
		case 't':
			if (parse_int(optarg, 0, INT_MAX, ret) < 0)
				return qerr_set(&ctx->err, -EINVAL, "%s: -t '%s': expected seconds",
						verb, optarg);
			break;
		case 'h':
			fputs(usage, stdout);
			return 1;
		default:
			return runtime_bad_option(ctx, verb, argv);
		}
	}
	if (optind == argc)
		return qerr_set(&ctx->err, -EINVAL, "%s: name at least one CONTAINER", verb);
	return 0;
}

/* stop (and, for restart, start again in the background) each CONTAINER argument. */
static int stop_each(int argc, char **argv, struct cmd_ctx *ctx, const char *verb,
		     const char *usage, bool start_again)
{
	_cleanup_free_ char *root = NULL;
	long secs;
	int r = parse_secs(argc, argv, verb, usage, &secs, ctx);

	if (r != 0)
		return r > 0 ? 0 : r;
	r = runtime_store_root(ctx, &root);
	for (int i = optind; r >= 0 && i < argc; i++) {
		struct container *c = NULL;

		r = container_find(root, argv[i], &c, &ctx->err);
		if (r >= 0)
			r = stop_one(root, &c, secs, &ctx->err);
		if (r >= 0 && start_again)
			r = monitor_start(ctx, c, run_then_remove);
		if (r >= 0)
			printf("%s\n", argv[i]);
		container_free(c);
	}
	return r < 0 ? r : 0;
}

int cmd_stop(int argc, char **argv, struct cmd_ctx *ctx)
{
	return stop_each(argc, argv, ctx, "stop",
			 "Usage: qrun stop [-t SECONDS] CONTAINER...\n\nStop running containers: "
			 "the image's StopSignal (TERM when it has none),\nthen KILL after SECONDS "
			 "(default 10).\n",
			 false);
}

int cmd_restart(int argc, char **argv, struct cmd_ctx *ctx)
{
	return stop_each(argc, argv, ctx, "restart",
			 "Usage: qrun restart [-t SECONDS] CONTAINER...\n\nStop containers (as "
			 "'qrun stop') and start them again in the background.\n",
			 true);
}

int cmd_wait(int argc, char **argv, struct cmd_ctx *ctx)
{
	_cleanup_free_ char *root = NULL;
	int r;

	if (runtime_wants_help(argc, argv)) {
		fputs("Usage: qrun wait CONTAINER...\n\nWait for containers to stop and print "
		      "their exit codes.\n",
		      stdout);
		return 0;
	}
	if (argc < 2)
		return qerr_set(&ctx->err, -EINVAL, "wait: name at least one CONTAINER");
	r = runtime_store_root(ctx, &root);
	for (int i = 1; r >= 0 && i < argc; i++) {
		struct container *c = NULL;

		r = container_find(root, argv[i], &c, &ctx->err);
		if (r >= 0 && !wait_end(root, &c, -1))
			r = -EIO;
		if (r >= 0 && reload(root, &c, NULL) < 0) {
			/* removed when it ended (--rm): its status is gone with it, as docker's */
			printf("0\n");
		} else if (r >= 0) {
			printf("%lld\n", (long long)(!strcmp(c->state.status, "running")
							 ? 128 + SIGKILL
							 : c->state.exit_code));
		}
		container_free(c);
	}
	return r < 0 ? r : 0;
}
