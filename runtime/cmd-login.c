/*
 * qrun login / logout: credentials for a registry, checked against it and kept where podman
 * keeps them ($XDG_RUNTIME_DIR/containers/auth.json, mode 0600), which qrun pull reads along
 * with docker's ~/.docker/config.json.
 */
#include "runtime/runtime.h"

#include <getopt.h>

static const char login_usage[] =
    "Usage: qrun login [OPTIONS] [REGISTRY]\n"
    "\n"
    "Log in to a registry (default docker.io): the credentials are checked against it, then\n"
    "stored in $XDG_RUNTIME_DIR/containers/auth.json (mode 0600; $REGISTRY_AUTH_FILE\n"
    "overrides).\n"
    "\n"
    "Options:\n"
    "  -u, --username USER       user name (asked for on a terminal when missing)\n"
    "  -p, --password PASS       password (visible to 'ps': prefer --password-stdin)\n"
    "      --password-stdin      read the password from standard input\n"
    "      --tls-verify=false    do not verify the registry's TLS certificate\n"
    "      --cert-dir DIR        CAs (*.crt) and client certificates (*.cert, *.key)\n"
    "  -h, --help                this help\n";

static const char logout_usage[] =
    "Usage: qrun logout [REGISTRY]\n"
    "\n"
    "Remove the credentials 'qrun login' stored for REGISTRY (default "
    "docker.io).\n";

/* One line of standard input, without its newline. Heap string, or NULL at EOF. */
static char *read_line(FILE *f)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n = getline(&line, &cap, f);

	if (n < 0) {
		free(line);
		return NULL;
	}
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		line[--n] = '\0';
	return line;
}

static void wipe(char *s)
{
	if (s)
		explicit_bzero(s, strlen(s));
	free(s);
}

int cmd_login(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option opts[] = {
		{ "username", required_argument, NULL, 'u' },
		{ "password", required_argument, NULL, 'p' },
		{ "password-stdin", no_argument, NULL, 'S' },
		{ "tls-verify", optional_argument, NULL, 'T' },
		{ "cert-dir", required_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct image_pull_opts o = { 0 };
	_cleanup_free_ char *user = NULL, *path = NULL;
	char *pass = NULL;
	bool from_stdin = false;
	const char *registry;
	int opt, r = 0;

	optind = 1;
	while (r >= 0 && (opt = getopt_long(argc, argv, "+u:p:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'u':
			free(user);
			user = xstrdup(optarg);
			break;
		case 'p':
			wipe(pass);
			pass = xstrdup(optarg);
			qlog_warn("--password is visible to other users in 'ps'; use "
				  "--password-stdin");
			break;
		case 'S':
			from_stdin = true;
			break;
		case 'T':
		case 'C':
			r = runtime_registry_option(opt, optarg, &o, ctx);
			break;
		case 'h':
			fputs(login_usage, stdout);
			wipe(pass);
			return 0;
		default:
			r = runtime_bad_option(ctx, "login", argv);
		}
	}
	if (r < 0)
		goto out;
	if (optind + 1 < argc) {
		r = qerr_set(&ctx->err, -EINVAL, "login: expected at most one REGISTRY");
		goto out;
	}
	registry = optind < argc ? argv[optind] : "docker.io";
	if (from_stdin && pass) {
		r = qerr_set(&ctx->err, -EINVAL,
			     "login: --password and --password-stdin exclude "
			     "each other");
		goto out;
	}
	if (!user && isatty(STDIN_FILENO) && !from_stdin) {
		fprintf(stderr, "Username: ");
		user = read_line(stdin);
	}
	if (!user || !*user) {
		r = qerr_set(&ctx->err, -EINVAL, "login: give a user name with -u");
		goto out;
	}
	if (from_stdin) {
		pass = read_line(stdin);
	} else if (!pass && isatty(STDIN_FILENO)) {
		/* getpass is the portable way to read without echo (termios by hand otherwise). */
		char *p = getpass("Password: ");

		pass = p ? xstrdup(p) : NULL;
		if (p)
			explicit_bzero(p, strlen(p));
	}
	if (!pass || !*pass) {
		r = qerr_set(&ctx->err, -EINVAL,
			     "login: give a password with --password-stdin (or on a terminal)");
		goto out;
	}
	r = image_registry_login(registry, user, pass, &o, &path, &ctx->err);
	if (r >= 0)
		printf("Login Succeeded!\n");
out:
	wipe(pass);
	return r < 0 ? r : 0;
}

int cmd_logout(int argc, char **argv, struct cmd_ctx *ctx)
{
	_cleanup_free_ char *path = NULL;
	const char *registry;
	int r;

	if (runtime_wants_help(argc, argv)) {
		fputs(logout_usage, stdout);
		return 0;
	}
	if (argc > 2)
		return qerr_set(&ctx->err, -EINVAL, "logout: expected at most one REGISTRY");
	registry = argc == 2 ? argv[1] : "docker.io";
	r = image_registry_logout(registry, &path, &ctx->err);
	if (r >= 0)
		printf("Removed login credentials for %s\n", registry);
	return r < 0 ? r : 0;
}
