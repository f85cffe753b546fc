/*
 * qrun chroot: the tracer alone, PRoot's job. Parse the command line into a tracer_config
 * (bubblewrap's plan first, then carry it out) and map the outcome to docker's exit statuses.
 */
#include "runtime/runtime.h"

#include <getopt.h>

#include "tracer/tracer.h"

static const char chroot_usage[] =
    "Usage: qrun chroot [OPTIONS] ROOTFS [COMMAND [ARG...]]\n"
    "\n"
    "Run COMMAND (default /bin/sh) with ROOTFS as its root directory, without privileges:\n"
    "a ptrace tracer rewrites every path the process tree uses. The environment passes\n"
    "through unchanged, as with chroot(8).\n"
    "\n"
    "Options:\n"
    "  -b, --bind HOST[:GUEST][:ro]  make HOST visible at GUEST (default: the same path);\n"
    "                                ro makes writes fail with EROFS; repeatable\n"
    "  -w, --workdir DIR             guest working directory (default /)\n"
    "      --no-default-binds        do not bind the host's /dev, /proc and /sys\n"
    "      --no-seccomp              stop at every system call (same behaviour, slower)\n"
    "      --no-preload              do not load qrun's path shim into dynamic programs\n"
    "                                (same behaviour, slower; see QRUN_PRELOAD)\n"
    "      --qemu PATH               run every foreign program with this emulator\n"
    "      --privileged              as root: keep every capability and a writable /proc/sys\n"
    "                                (default: no_new_privs and docker's capabilities)\n"
    "      --require-wall            fail when the kernel cannot wall the guest in (Landlock;\n"
    "                                see 'qrun info'; QRUN_REQUIRE_WALL=1 does the same)\n"
    "  -0, --root-id                 a user who is not root is root inside (PRoot's -0): ids,\n"
    "                                set*id, chown, mknod and stat emulated; as root a no-op\n"
    "  -u, --user NAME|UID[:GROUP|GID]  run as this user of ROOTFS's /etc/passwd (emulated,\n"
    "                                as --root-id, also for root: file access stays yours)\n"
    "      --preserve-fds N          pass fds 3 .. 3+N-1 on (default 0: every inherited fd\n"
    "                                but 0, 1 and 2 is closed)\n"
    "  -v, --verbose                 log translated paths (repeat for more)\n"
    "  -h, --help                    this help\n"
    "\n"
    "Programs for the host's architecture (x86_64) run natively. Foreign programs (ARM,\n"
    "POWER, s390x, RISC-V, 32-bit i386) run under qemu-ARCH-static, chosen at every exec\n"
    "from the program's ELF header (--qemu PATH forces one emulator).\n"
    "\n"
    "Exit status: the command's; 128+N if it was killed by signal N; 125 if qrun failed;\n"
    "126 if the command could not be run; 127 if it was not found.\n";

int cmd_chroot(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option opts[] = {
		{ "bind", required_argument, NULL, 'b' },
		{ "workdir", required_argument, NULL, 'w' },
		{ "no-default-binds", no_argument, NULL, 'D' },
		{ "no-seccomp", no_argument, NULL, 'S' },
		{ "no-preload", no_argument, NULL, 'P' },
		{ "qemu", required_argument, NULL, 'q' },
		{ "privileged", no_argument, NULL, 'X' },
		{ "require-wall", no_argument, NULL, 'W' },
		{ "preserve-fds", required_argument, NULL, 'F' },
		{ "root-id", no_argument, NULL, '0' },
		{ "user", required_argument, NULL, 'u' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	static char sh[] = "/bin/sh";
	static char *default_argv[] = { sh, NULL };
	struct tracer_config c = { .default_binds = true,
				   .cwd = "/",
				   .restrict_privileges = true,
				   .preload = runtime_preload() };
	struct tracer_bind *binds = NULL;
	const char *user = NULL;
	size_t n_binds = 0;
	int opt, r;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "+b:w:vh0u:", opts, NULL)) != -1) {
		switch (opt) {
		case 'b':
			binds = xrealloc(binds, (n_binds + 1) * sizeof(*binds));
			r = tracer_bind_parse(optarg, &binds[n_binds], &ctx->err);
			if (r < 0)
				goto out;
			n_binds++;
			break;
		case 'w':
			c.cwd = optarg;
			break;
		case 'D':
			c.default_binds = false;
			break;
		case 'S':
			c.no_seccomp = true;
			break;
		case 'P':
			c.preload = NULL;
			break;
		case 'q':
			c.qemu = optarg;
			break;
		case 'X':
			c.restrict_privileges = false;
			break;
		case 'W':
			c.wall = TRACER_WALL_REQUIRED;
			break;
		case 'F': {
			char *end;
			long n = strtol(optarg, &end, 10);

			if (*optarg == '\0' || *end || n < 0 || n > 4096) {
				r = qerr_set(&ctx->err, -EINVAL,
					     "--preserve-fds '%s': expected a number of fds",
					     optarg);
				goto out;
			}
			c.preserve_fds = (int)n;
			break;
		}
		case '0':
			c.identity.emulate = getuid() != 0;
			break;
		case 'u':
			user = optarg;
			break;
		case 'v':
			c.verbose++;
			break;
		case 'h':
			fputs(chroot_usage, stdout);
			r = 0;
			goto out;
		default:
			r = runtime_bad_option(ctx, "chroot", argv);
			goto out;
		}
	}
	if (optind >= argc) {
		r = qerr_set(&ctx->err, -EINVAL,
			     "chroot: missing ROOTFS (see 'qrun chroot --help')");
		goto out;
	}
	if (c.cwd[0] != '/') {
		r = qerr_set(&ctx->err, -EINVAL, "workdir '%s': must be an absolute guest path",
			     c.cwd);
		goto out;
	}
	c.rootfs = argv[optind++];
	if (user) {
		struct runtime_user u;

		r = runtime_user_resolve(c.rootfs, user, &u, &ctx->err);
		if (r < 0)
			goto out;
		c.identity.emulate = true; /* as root too: see --help */
		c.identity.uid = u.uid;
		c.identity.gid = u.gid;
		c.identity.n_groups = u.n_groups;
		memcpy(c.identity.groups, u.groups, sizeof(u.groups));
		runtime_user_release(&u);
	}
	c.argv = optind < argc ? argv + optind : default_argv;
	c.binds = binds;
	c.n_binds = n_binds;

	r = runtime_trace(&c, ctx, NULL);
out:
	for (size_t i = 0; i < n_binds; i++)
		tracer_bind_release(&binds[i]);
	free(binds);
	return r;
}
