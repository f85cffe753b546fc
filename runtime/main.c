/*
 * qrun's entry point: global options, the command table, and the only place where errors are
 * printed and the exit status is chosen.
 */
#include "runtime/runtime.h"

#include <getopt.h>

struct command {
	const char *name;
	int (*fn)(int argc, char **argv, struct cmd_ctx *ctx);
	const char *summary;
};

static const struct command commands[] = {
	{ "build", cmd_build, "build an image from a Dockerfile (reproducible)" },
	{ "chroot", cmd_chroot, "run a command confined to a root filesystem (the tracer)" },
	{ "commit", cmd_commit, "make an image of a container's changes" },
	{ "create", cmd_create, "create a container of an image" },
	{ "diff", cmd_diff, "list the files a container added, changed or deleted" },
	{ "exec", cmd_exec, "run a command in a running container" },
	{ "export", cmd_export, "write a container's root filesystem as a tar" },
	{ "images", cmd_images, "list the images in the store" },
	{ "import", cmd_import, "make an image from a root filesystem tarball" },
	{ "info", cmd_info, "diagnose this host: ptrace, seccomp, emulators, store" },
	{ "inspect", cmd_inspect, "describe images as JSON" },
	{ "kill", cmd_kill, "signal running containers" },
	{ "load", cmd_load, "load an OCI layout or a docker-archive" },
	{ "logs", cmd_logs, "print what a container wrote" },
	{ "login", cmd_login, "store credentials for a registry (checked first)" },
	{ "logout", cmd_logout, "remove the credentials of a registry" },
	{ "prune", cmd_prune, "remove blobs and snapshots no image uses" },
	{ "ps", cmd_ps, "list containers" },
	{ "pull", cmd_pull, "fetch an image from a registry" },
	{ "push", cmd_push, "send an image to a registry" },
	{ "restart", cmd_restart, "stop containers and start them again" },
	{ "rm", cmd_rm, "remove containers" },
	{ "rmi", cmd_rmi, "remove images" },
	{ "run", cmd_run, "run a command in a new container of an image" },
	{ "save", cmd_save, "write images to an OCI or docker archive" },
	{ "start", cmd_start, "run a container's command again" },
	{ "stop", cmd_stop, "stop containers: StopSignal, then KILL" },
	{ "tag", cmd_tag, "give an image another name" },
	{ "unpack", cmd_unpack, "write an image's root filesystem into a directory" },
	{ "version", cmd_version, "print version information" },
	{ "wait", cmd_wait, "wait for containers to stop; print their exit codes" },
};

/* Verbs that are designed (../shared/DESIGN.md) but not built; said plainly, never faked. */
static const char *const planned[] = {
	"attach", "cp", "top", "rename", "stats",
};

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: qrun [OPTIONS] COMMAND [ARG...]\n"
		"\n"
		"Run Linux container images of any architecture without root: a ptrace tracer\n"
		"confines programs to the image's root filesystem and starts foreign programs\n"
		"under qemu-user.\n"
		"\n"
		"Options:\n"
		"      --root DIR     image store (default: $QRUN_ROOT, /var/lib/qrun for root,\n"
		"                     ~/.local/share/qrun otherwise)\n"
		"  -v, --verbose      more log output (repeatable); also QRUN_LOG=LEVEL\n"
		"      --log-level L  error, warn, info, debug or trace\n"
		"  -h, --help         this help\n"
		"      --version      print the version\n"
		"\n"
		"Commands:\n");
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\nNot built yet (planned):");
	for (size_t i = 0; i < ARRAY_SIZE(planned); i++)
		fprintf(out, " %s", planned[i]);
	fprintf(out,
		"\n\nFor a user who is not root, containers run as root inside (or --user): ids,\n"
		"set*id, chown, chmod, mknod, stat and permission checks are emulated, and\n"
		"ownership lasts across a container's runs and into the layers that build,\n"
		"commit and export write.\n");
	fprintf(out, "\nRun 'qrun COMMAND --help' for more on a command.\n");
}

static int run_command(const char *name, int argc, char **argv, struct cmd_ctx *ctx)
{
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++) {
		if (strcmp(name, commands[i].name) == 0)
			return commands[i].fn(argc, argv, ctx);
	}
	for (size_t i = 0; i < ARRAY_SIZE(planned); i++) {
		if (strcmp(name, planned[i]) == 0)
			return qerr_set(&ctx->err, -ENOSYS,
					"'%s' is not built yet in this version (see 'qrun --help')",
					name);
	}
	return qerr_set(&ctx->err, -EINVAL, "'%s' is not a qrun command (see 'qrun --help')", name);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "root", required_argument, NULL, 'r' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct cmd_ctx ctx = { 0 };
	const char *env_log = getenv("QRUN_LOG");
	int c, r;

	if (env_log && *env_log && qlog_set_level_name(env_log) < 0)
		qlog_warn("QRUN_LOG='%s' is not a log level, ignoring", env_log);

	/* Commands report unknown options themselves, in one line (runtime_bad_option). */
	opterr = 0;
	/* '+': stop at the first non-option, which is the command. */
	while ((c = getopt_long(argc, argv, "+:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			ctx.root = optarg;
			break;
		case 'v':
			if (qlog_level < QLOG_TRACE)
				qlog_level++;
			break;
		case 'l':
			if (qlog_set_level_name(optarg) < 0) {
				qlog_error(
				    "--log-level '%s': expected error, warn, info, debug or trace",
				    optarg);
				return EXIT_QRUN_FAILED;
			}
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			return cmd_version(1, argv, &ctx);
		case ':':
			qlog_error("option '%s' needs a value (see 'qrun --help')",
				   argv[optind - 1]);
			return EXIT_QRUN_FAILED;
		default:
			qlog_error("unknown option '%s' (see 'qrun --help')", argv[optind - 1]);
			return EXIT_QRUN_FAILED;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_QRUN_FAILED;
	}

	r = run_command(argv[optind], argc - optind, argv + optind, &ctx);
	if (r < 0) {
		qlog_error("%s", ctx.err.msg[0] ? ctx.err.msg : strerror(-r));
		return EXIT_QRUN_FAILED;
	}
	return r;
}
