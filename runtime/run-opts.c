/* The options of `qrun run` and `qrun create`, docker's spelling. */
#include "runtime/runtime.h"

#include <getopt.h>

static const char run_usage[] =
    "Usage: qrun %s [OPTIONS] IMAGE [COMMAND [ARG...]]\n"
    "\n"
    "%s\n"
    "\n"
    "Options:\n"
    "  -d, --detach                  run in the background and print the container's ID\n"
    "                                (its output: 'qrun logs'; 'qrun stop', 'qrun wait')\n"
    "      --restart POLICY          with -d: no, on-failure[:N], always, unless-stopped\n"
    "                                (the monitor starts the command again; stop ends it)\n"
    "      --rm                      remove the container when it exits\n"
    "      --name NAME               name the container\n"
    "  -e, --env K=V|K               set a variable (K alone: copy the host's value)\n"
    "      --env-file FILE           variables from FILE (K=V lines, # comments)\n"
    "  -v, --volume HOST:GUEST[:ro]  bind a host directory or file (relative HOST: from here;\n"
    "                                options ro, rw, and z, Z accepted and ignored;\n"
    "                                created when missing)\n"
    "  -w, --workdir DIR             working directory (created when missing)\n"
    "      --entrypoint CMD          replace the image's Entrypoint and Cmd\n"
    "      --platform OS/ARCH[/V]    pick from a multi-platform image\n"
    "      --pull POLICY             missing (default: pull an image the store lacks),\n"
    "                                always, or never\n"
    "  -i, --interactive             keep standard input (otherwise /dev/null)\n"
    "  -t, --tty                     the command talks to this terminal (TERM=xterm)\n"
    "      --read-only               the root filesystem is read-only (volumes stay writable)\n"
    "  -h, --hostname NAME           what uname and /etc/hostname say (default: short id)\n"
    "  -u, --user NAME|UID[:GROUP|GID]  run as this user of the image (default: its User,\n"
    "                                else root)\n"
    "      --userns keep-id          run as you, not as root inside: nothing emulated\n"
    "      --network host            the host's network (the only mode qrun has)\n"
    "  -p, --publish [HOST:]PORT     accepted when HOST is PORT: a port is the host's already\n"
    "                                (no port mapping without a network of its own)\n"
    "      --add-host NAME:IP        a line of the container's /etc/hosts\n"
    "      --privileged              as root: keep every capability and a writable /proc/sys\n"
    "      --require-wall            fail when the kernel cannot wall the container in\n"
    "                                (Landlock; see 'qrun info' and QRUN_REQUIRE_WALL)\n"
    "      --help                    this help\n"
    "\n"
    "Foreign images run under qemu-user, chosen per program. Run by a user who is not root,\n"
    "the container's processes still see themselves as root (or --user): ids, set*id, chown,\n"
    "mknod, the stat family and permission checks are emulated by the tracer, and ownership\n"
    "lasts across the container's runs. As root, processes get no_new_privs and docker's default\n"
    "capabilities, and --user is emulated too (the process keeps root's file access).\n";

static void push(char ***v, size_t *n, const char *s)
{
	*v = xrealloc(*v, (*n + 2) * sizeof(**v));
	(*v)[(*n)++] = (char *)s;
	(*v)[*n] = NULL;
}

/*
 * -p [IP:][HOST:]CONTAINER[/PROTO]: qrun has the host's network, so a container's port is the
 * host's port of the same number; a mapping to the same number is accepted (and said once),
 * any other is refused with that reason.
 */
static int publish(const char *spec, struct cmd_ctx *ctx)
{
	_cleanup_free_ char *s = xstrdup(spec);
	char *proto = strchr(s, '/'), *last, *host = NULL;

	if (proto)
		*proto = '\0';
	last = strrchr(s, ':');
	if (last) {
		*last = '\0';
		host = strrchr(s, ':') ? strrchr(s, ':') + 1 : s;
		last++;
	} else {
		last = s;
	}
	if (!*last || strspn(last, "0123456789") != strlen(last) ||
	    (host && *host && strspn(host, "0123456789") != strlen(host)))
		return qerr_set(&ctx->err, -EINVAL,
				"-p '%s': expected [IP:][HOST:]CONTAINER[/PROTO]", spec);
	if (host && *host && strcmp(host, last) != 0)
		return qerr_set(&ctx->err, -ENOTSUP,
				"-p '%s': qrun has the host's network and no port mapping: the "
				"container's port %s is the host's port %s",
				spec, last, last);
	qlog_warn("-p %s: the host's network: the container's port %s is the host's already", spec,
		  last);
	return 0;
}

int run_opts_parse(int argc, char **argv, struct run_opts *o, const char *verb, struct cmd_ctx *ctx)
{
	static const struct option opts[] = {
		{ "rm", no_argument, NULL, 'R' },
		{ "detach", no_argument, NULL, 'd' },
		{ "restart", required_argument, NULL, 'r' },
		{ "name", required_argument, NULL, 'n' },
		{ "env", required_argument, NULL, 'e' },
		{ "env-file", required_argument, NULL, 'E' },
		{ "volume", required_argument, NULL, 'v' },
		{ "workdir", required_argument, NULL, 'w' },
		{ "entrypoint", required_argument, NULL, 'P' },
		{ "platform", required_argument, NULL, 'Q' },
		{ "pull", required_argument, NULL, 'L' },
		{ "interactive", no_argument, NULL, 'i' },
		{ "tty", no_argument, NULL, 't' },
		{ "read-only", no_argument, NULL, 'o' },
		{ "hostname", required_argument, NULL, 'h' },
		{ "network", required_argument, NULL, 'N' },
		{ "net", required_argument, NULL, 'N' },
		{ "privileged", no_argument, NULL, 'X' },
		{ "require-wall", no_argument, NULL, 'W' },
		{ "user", required_argument, NULL, 'u' },
		{ "publish", required_argument, NULL, 'p' },
		{ "add-host", required_argument, NULL, 'A' },
		{ "userns", required_argument, NULL, 'U' },
		{ "help", no_argument, NULL, 'H' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	*o = (struct run_opts){ 0 };
	optind = 1;
	while ((opt = getopt_long(argc, argv, "+de:v:w:ith:u:p:", opts, NULL)) != -1) {
		switch (opt) {
		case 'd':
			o->detach = true;
			break;
		case 'r': {
			long n;
			const char *colon = strchr(optarg, ':');

			if (!strcmp(optarg, "no") || !strcmp(optarg, "always") ||
			    !strcmp(optarg, "unless-stopped") || !strcmp(optarg, "on-failure") ||
			    (str_has_prefix(optarg, "on-failure:") &&
			     parse_int(colon + 1, 0, INT32_MAX, &n) == 0)) {
				o->restart = optarg;
				break;
			}
			return qerr_set(&ctx->err, -EINVAL,
					"--restart '%s': expected no, on-failure[:N], always or "
					"unless-stopped",
					optarg);
		}
		case 'R':
			o->rm = true;
			break;
		case 'n':
			o->name = optarg;
			break;
		case 'e':
			push(&o->env, &o->n_env, optarg);
			break;
		case 'E':
			push(&o->env_files, &o->n_env_files, optarg);
			break;
		case 'v':
			push(&o->volumes, &o->n_volumes, optarg);
			break;
		case 'w':
			o->workdir = optarg;
			break;
		case 'P':
			o->entrypoint = optarg;
			break;
		case 'Q':
			o->platform = optarg;
			break;
		case 'L':
			if (strcmp(optarg, "missing") && strcmp(optarg, "always") &&
			    strcmp(optarg, "never"))
				return qerr_set(&ctx->err, -EINVAL,
						"--pull '%s': expected missing, always or never",
						optarg);
			o->pull = optarg;
			break;
		case 'i':
			o->interactive = true;
			break;
		case 't':
			o->tty = true;
			break;
		case 'o':
			o->read_only = true;
			break;
		case 'X':
			o->privileged = true;
			break;
		case 'W':
			o->require_wall = true;
			break;
		case 'h':
			o->hostname = optarg;
			break;
		case 'u':
			o->user = optarg;
			break;
		case 'p': {
			int r = publish(optarg, ctx);

			if (r < 0)
				return r;
			break;
		}
		case 'A':
			if (!strchr(optarg, ':') || optarg[0] == ':' || !strchr(optarg, ':')[1])
				return qerr_set(&ctx->err, -EINVAL,
						"--add-host '%s': expected NAME:IP", optarg);
			push(&o->add_hosts, &o->n_add_hosts, optarg);
			break;
		case 'U':
			if (strcmp(optarg, "keep-id") != 0 && strcmp(optarg, "host") != 0)
				return qerr_set(&ctx->err, -ENOTSUP,
						"--userns '%s': qrun has no user namespaces; "
						"'keep-id' (or 'host') runs processes as you, with "
						"nothing emulated",
						optarg);
			o->keep_id = true;
			break;
		case 'N':
			if (strcmp(optarg, "host") != 0)
				return qerr_set(
				    &ctx->err, -ENOTSUP,
				    "--network '%s': qrun has no network isolation; only "
				    "'host' is supported",
				    optarg);
			break;
		case 'H':
			printf(
			    run_usage, verb,
			    !strcmp(verb, "run")
				? "Run COMMAND (default: the image's Entrypoint and Cmd) in a new "
				  "container of IMAGE."
				: "Create a container of IMAGE and print its id ('qrun start' runs "
				  "it).");
			return 1;
		default:
			return runtime_bad_option(ctx, verb, argv);
		}
	}
	if (optind >= argc)
		return qerr_set(&ctx->err, -EINVAL, "%s: missing IMAGE (see 'qrun %s --help')",
				verb, verb);
	if (o->keep_id && o->user)
		return qerr_set(&ctx->err, -EINVAL,
				"--userns=keep-id runs processes as you: it cannot take --user");
	return 0;
}

void run_opts_release(struct run_opts *o)
{
	free(o->env);
	free(o->env_files);
	free(o->volumes);
	free(o->add_hosts);
	*o = (struct run_opts){ 0 };
}
