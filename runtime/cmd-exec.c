/* qrun exec: another process in a running container's root filesystem and configuration. */
#include "runtime/runtime.h"

#include <fcntl.h>
#include <getopt.h>

static const char exec_usage[] =
    "Usage: qrun exec [OPTIONS] CONTAINER COMMAND [ARG...]\n"
    "\n"
    "Run COMMAND in a running container: its root filesystem, volumes, hostname and\n"
    "environment.\n"
    "\n"
    "Options:\n"
    "  -e, --env K=V|K     set a variable (K alone: copy the host's value)\n"
    "  -w, --workdir DIR   working directory (default: the container's)\n"
    "  -u, --user NAME|UID[:GROUP|GID]  run as this user of the container (default: its\n"
    "                      user)\n"
    "  -i, --interactive   keep standard input (otherwise /dev/null)\n"
    "  -t, --tty           the command talks to this terminal\n"
    "      --help          this help\n";

/* -u: the user of this process, looked up in the container's rootfs (not saved). */
static int exec_user(struct container *c, const char *spec, struct qerr *err)
{
	_cleanup_free_ char *rootfs = xasprintf("%s/rootfs", c->dir);
	struct runtime_user u;
	int r = runtime_user_resolve(rootfs, spec, &u, err);

	if (r < 0)
		return r;
	runtime_user_to_config(&u, &c->config);
	runtime_user_release(&u);
	return 0;
}

int cmd_exec(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option opts[] = {
		{ "env", required_argument, NULL, 'e' },
		{ "workdir", required_argument, NULL, 'w' },
		{ "user", required_argument, NULL, 'u' },
		{ "interactive", no_argument, NULL, 'i' },
		{ "tty", no_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'H' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_free_ char *root = NULL;
	struct container *c = NULL;
	const char *workdir = NULL, *user = NULL;
	char **env = NULL;
	size_t n_env = 0;
	bool interactive = false;
	int opt, r;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "+e:w:u:it", opts, NULL)) != -1) {
		switch (opt) {
		case 'e':
			env = xrealloc(env, (n_env + 1) * sizeof(*env));
			env[n_env++] = optarg;
			break;
		case 'w':
			workdir = optarg;
			break;
		case 'u':
			user = optarg;
			break;
		case 'i':
			interactive = true;
			break;
		case 't':
			break;
		case 'H':
			fputs(exec_usage, stdout);
			free(env);
			return 0;
		default:
			free(env);
			return runtime_bad_option(ctx, "exec", argv);
		}
	}
	if (argc - optind < 2) {
		free(env);
		return qerr_set(&ctx->err, -EINVAL, "exec: expected CONTAINER and COMMAND");
	}
	r = runtime_store_root(ctx, &root);
	if (r >= 0)
		r = container_find(root, argv[optind], &c, &ctx->err);
	if (r >= 0 && !container_running(c))
		r = qerr_set(&ctx->err, -EINVAL, "container '%s' is not running (see 'qrun start')",
			     argv[optind]);
	if (r >= 0 && workdir && workdir[0] != '/')
		r = qerr_set(&ctx->err, -EINVAL, "workdir '%s': must be an absolute path", workdir);
	if (r >= 0 && !interactive) {
		int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

		if (fd >= 0) {
			(void)dup2(fd, STDIN_FILENO);
			close(fd);
		}
	}
	if (r >= 0) {
		/* The container's environment with -e applied, as plan_create does it. */
		struct spec_runtime_config *rc = &c->config;
		struct run_opts o = { .env = env, .n_env = n_env };

		r = plan_env_apply(&rc->env, &o, &ctx->err);
		if (r >= 0 && user)
			r = exec_user(c, user, &ctx->err);
		if (r >= 0)
			r = plan_run(ctx, c, argv + optind + 1, NULL, workdir, false, NULL);
	}
	container_free(c);
	free(env);
	return r;
}
