/* qrun rm and qrun kill. */
#include "runtime/runtime.h"

#include <fcntl.h>
#include <getopt.h>
#include <string.h>
#include <signal.h>
#include <time.h>

/* A signal by name (KILL, SIGKILL, case ignored) or number, as docker takes them. */
int runtime_parse_signal(const char *s)
{
	long n;

	if (!strncasecmp(s, "SIG", 3))
		s += 3;
	for (int sig = 1; sig < NSIG; sig++) {
		const char *name = sigabbrev_np(sig);

		if (name && !strcasecmp(s, name))
			return sig;
	}
	if (parse_int(s, 1, NSIG - 1, &n) == 0)
		return (int)n;
	return -EINVAL;
}

/* Is pid the first process of c, traced by c's qrun (and not a pid reused since)? */
static bool is_guest(const struct container *c, pid_t pid)
{
	_cleanup_free_ char *path = xasprintf("/proc/%d/status", (int)pid), *buf = NULL;
	const char *t;
	long tracer;

	if (pid <= 0 || read_file_at(AT_FDCWD, path, 1u << 16, &buf) < 0)
		return false;
	t = strstr(buf, "\nTracerPid:");
	return t && sscanf(t + 11, "%ld", &tracer) == 1 && tracer == c->state.pid;
}

/* Wait up to ~5 s for the container's qrun to go. */
static bool wait_gone(const struct container *c)
{
	for (int i = 0; i < 500; i++) {
		if (!container_running(c))
			return true;
		nanosleep(&(struct timespec){ 0, 10 * 1000 * 1000 }, NULL);
	}
	return false;
}

/*
 * The signal goes to the container's first process (state.json's guestPid, checked to be
 * traced by the container's qrun), never to qrun itself: a foreground `qrun run` then ends
 * as docker's does (137 for KILL) and removes an --rm container. A container whose first
 * process is not known yet gets INT, TERM, HUP or QUIT through its qrun (which forwards
 * them) and KILL ends that qrun.
 */
int runtime_signal_container(struct container *c, int sig, struct qerr *err)
{
	pid_t guest = (pid_t)c->state.guest_pid;

	if (is_guest(c, guest)) {
		if (kill(guest, sig) < 0)
			return qerr_set_errno(err, -errno, "container '%s'", c->state.name);
		if (sig == SIGKILL)
			(void)wait_gone(c); /* its qrun records the end */
		return 0;
	}
	if (sig != SIGKILL && sig != SIGTERM && sig != SIGINT && sig != SIGHUP && sig != SIGQUIT)
		return qerr_set(err, -ENOTSUP,
				"container '%s' has not started its process yet: signal %d waits "
				"for it",
				c->state.name, sig);
	if (kill((pid_t)c->state.pid, sig) < 0)
		return qerr_set_errno(err, -errno, "container '%s'", c->state.name);
	if (sig == SIGKILL && wait_gone(c)) {
		/* Its qrun could not write the end: do it here. */
		free(c->state.status);
		c->state.status = xstrdup("exited");
		c->state.pid = 0;
		c->state.guest_pid = 0;
		c->state.exit_code = 128 + SIGKILL;
		free(c->state.finished_at);
		c->state.finished_at = runtime_now();
		(void)container_save_state(c, NULL);
	}
	return 0;
}

int cmd_kill(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option opts[] = {
		{ "signal", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_free_ char *root = NULL;
	int sig = SIGKILL, opt, r;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "+s:h", opts, NULL)) != -1) {
		switch (opt) {
		case 's':
			sig = runtime_parse_signal(optarg);
			if (sig < 0)
				return qerr_set(&ctx->err, -EINVAL, "kill: '%s' is not a signal",
						optarg);
			break;
		case 'h':
			fputs(
			    "Usage: qrun kill [-s SIGNAL] CONTAINER...\n\nSend SIGNAL (a name or "
			    "a number; default KILL) to the first process of running containers.\n",
			    stdout);
			return 0;
		default:
			return runtime_bad_option(ctx, "kill", argv);
		}
	}
	if (optind == argc)
		return qerr_set(&ctx->err, -EINVAL, "kill: name at least one CONTAINER");
	r = runtime_store_root(ctx, &root);
	for (int i = optind; r >= 0 && i < argc; i++) {
		struct container *c = NULL;

		r = container_find(root, argv[i], &c, &ctx->err);
		if (r >= 0 && !container_running(c))
			r = qerr_set(&ctx->err, -EINVAL, "container '%s' is not running", argv[i]);
		if (r >= 0)
			r = runtime_signal_container(c, sig, &ctx->err);
		if (r >= 0)
			printf("%s\n", argv[i]);
		container_free(c);
	}
	return r < 0 ? r : 0;
}

int cmd_rm(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_free_ char *root = NULL;
	bool force = false;
	int opt, r;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "+fh", opts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			force = true;
			break;
		case 'h':
			fputs(
			    "Usage: qrun rm [-f] CONTAINER...\n\nRemove containers; a running one "
			    "needs -f (it is killed first).\n",
			    stdout);
			return 0;
		default:
			return runtime_bad_option(ctx, "rm", argv);
		}
	}
	if (optind == argc)
		return qerr_set(&ctx->err, -EINVAL, "rm: name at least one CONTAINER");
	r = runtime_store_root(ctx, &root);
	for (int i = optind; r >= 0 && i < argc; i++) {
		struct container *c = NULL;

		r = container_find(root, argv[i], &c, &ctx->err);
		if (r >= 0 && container_running(c)) {
			if (!force)
				r = qerr_set(
				    &ctx->err, -EBUSY,
				    "container '%s' is running: stop it first ('qrun kill') "
				    "or use -f",
				    argv[i]);
			else if ((r = runtime_signal_container(c, SIGKILL, &ctx->err)) >= 0 &&
				 !wait_gone(c))
				r = qerr_set(&ctx->err, -EBUSY, "container '%s' would not stop",
					     argv[i]);
		}
		/* a foreground `run --rm` removes its container itself once killed */
		if (r >= 0 && access(c->dir, F_OK) == 0)
			r = container_remove(c, &ctx->err);
		if (r >= 0)
			printf("%s\n", argv[i]);
		container_free(c);
	}
	return r < 0 ? r : 0;
}
