#include "runtime/runtime.h"

#include <fcntl.h>
#include <getopt.h>
#include <time.h>

#include "image/image.h"
#include "tracer/tracer.h"

int runtime_store_root(struct cmd_ctx *ctx, char **ret_path)
{
	const char *env = getenv("QRUN_ROOT");

	if (ctx->root && ctx->root[0]) {
		*ret_path = xstrdup(ctx->root);
		return 0;
	}
	if (env && env[0]) {
		*ret_path = xstrdup(env);
		return 0;
	}
	return image_store_default_root(ret_path, &ctx->err);
}

bool runtime_wants_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return false;
		if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
			return true;
	}
	return false;
}

/* "3 days ago", as docker says it. */
char *runtime_ago(const char *created)
{
	static const struct {
		long secs;
		const char *unit;
	} units[] = { { 365 * 86400L, "year" }, { 30 * 86400L, "month" }, { 7 * 86400L, "week" },
		      { 86400, "day" },		{ 3600, "hour" },	  { 60, "minute" } };
	struct tm tm = { 0 };
	long d;

	if (!created || !strptime(created, "%Y-%m-%dT%H:%M:%S", &tm))
		return xstrdup("N/A");
	d = (long)(time(NULL) - timegm(&tm));
	for (size_t i = 0; i < ARRAY_SIZE(units); i++) {
		long n = d / units[i].secs;

		if (n >= 1)
			return xasprintf("%ld %s%s ago", n, units[i].unit, n > 1 ? "s" : "");
	}
	return xasprintf("%ld second%s ago", d < 0 ? 0 : d, d == 1 ? "" : "s");
}

char *runtime_now(void)
{
	struct timespec ts;
	struct tm tm;
	char buf[64];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	return xasprintf("%s.%09ldZ", buf, ts.tv_nsec);
}

const char *runtime_preload(void)
{
	static char *found;
	static bool looked;
	const char *env = getenv("QRUN_PRELOAD");
	_cleanup_free_ char *exe = NULL;
	char *slash;

	if (looked)
		return found;
	looked = true;
	if (env && (env[0] == '\0' || strcmp(env, "0") == 0 || strcmp(env, "off") == 0))
		return NULL;
	if (env) {
		found = access(env, R_OK) == 0 && env[0] == '/' ? xstrdup(env) : NULL;
		if (!found)
			qlog_warn("QRUN_PRELOAD: '%s' is not a readable absolute path: ignored",
				  env);
		return found;
	}
	exe = realpath("/proc/self/exe", NULL);
	slash = exe ? strrchr(exe, '/') : NULL;
	if (!slash)
		return NULL;
	*slash = '\0';
	/* next to the binary (the build tree), or PREFIX/lib/qrun (make install) */
	found = xasprintf("%s/libqrun-preload.so", exe);
	if (access(found, R_OK) == 0)
		return found;
	free(found);
	found = xasprintf("%s/../lib/qrun/libqrun-preload.so", exe);
	if (access(found, R_OK) == 0)
		return found;
	free(found);
	found = NULL;
	return NULL;
}

int runtime_trace(const struct tracer_config *config, struct cmd_ctx *ctx, bool *ret_written)
{
	struct tracer_config copy = *config;
	const struct tracer_config *c = &copy;
	const char *wall = getenv("QRUN_WALL"), *require = getenv("QRUN_REQUIRE_WALL");
	struct tracer_result res;
	int r;

	if (require && strcmp(require, "") != 0 && strcmp(require, "0") != 0)
		copy.wall = TRACER_WALL_REQUIRED;
	if (wall && strcmp(wall, "off") == 0) {
		if (copy.wall == TRACER_WALL_REQUIRED)
			return qerr_set(&ctx->err, -EINVAL,
					"QRUN_WALL=off and a required wall (--require-wall or "
					"QRUN_REQUIRE_WALL) contradict each other");
		copy.wall = TRACER_WALL_OFF;
	} else if (wall && strcmp(wall, "on") != 0 && strcmp(wall, "auto") != 0) {
		return qerr_set(&ctx->err, -EINVAL, "QRUN_WALL='%s': expected on, auto or off",
				wall);
	}
	r = tracer_run(c, &res, &ctx->err);

	if (r < 0)
		return r;
	if (ret_written)
		*ret_written = res.rootfs_written;
	if (res.exec_errno && res.missing_arch) {
		const struct arch *a = res.missing_arch;

		qlog_error("'%s': no emulator for linux/%s%s%s (%s) programs: install %s "
			   "(qemu-%s-static)",
			   c->argv[0], a->oci_arch, a->oci_variant ? "/" : "",
			   a->oci_variant ? a->oci_variant : "", a->uname_machine,
			   TRACER_QEMU_PACKAGE, a->qemu_name);
		return EXIT_CANNOT_RUN;
	}
	if (res.exec_errno) {
		qlog_error("'%s': %s", c->argv[0], strerror(res.exec_errno));
		return res.exec_errno == ENOENT || res.exec_errno == ENOTDIR ? EXIT_NOT_FOUND
									     : EXIT_CANNOT_RUN;
	}
	return res.status;
}

int runtime_bad_option(struct cmd_ctx *ctx, const char *verb, char **argv)
{
	const char *opt = optind > 0 ? argv[optind - 1] : "?";

	/* getopt moved past a bad short option bundled in "-xyz" or still points at it */
	if (optopt && optopt != '?' && !(opt[0] == '-' && opt[1] == '-'))
		return qerr_set(&ctx->err, -EINVAL,
				"%s: unknown option '-%c' (see 'qrun %s --help')", verb, optopt,
				verb);
	return qerr_set(&ctx->err, -EINVAL, "%s: unknown option '%s' (see 'qrun %s --help')", verb,
			opt, verb);
}

int runtime_platform_opts(int argc, char **argv, const char *verb, const char *usage,
			  struct spec_platform *ret_platform, bool *ret_have, bool *ret_quiet,
			  struct cmd_ctx *ctx)
{
	static const struct option opts[] = {
		{ "platform", required_argument, NULL, 'p' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt, r;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "+qh", opts, NULL)) != -1) {
		switch (opt) {
		case 'p':
			spec_platform_release(ret_platform);
			/* its message names the platform: "platform 'x': expected ..." */
			r = spec_platform_parse(optarg, ret_platform, &ctx->err);
			if (r < 0)
				return r;
			*ret_have = true;
			break;
		case 'q':
			*ret_quiet = true;
			break;
		case 'h':
			fputs(usage, stdout);
			spec_platform_release(ret_platform);
			return 1;
		default:
			spec_platform_release(ret_platform);
			return runtime_bad_option(ctx, verb, argv);
		}
	}
	return 0;
}

/* Write fn's output to path (atomically) or to standard output (never a terminal). */
int runtime_write_output(struct cmd_ctx *ctx, const char *verb, const char *path,
			 int (*fn)(int fd, void *data, struct qerr *err), void *data)
{
	_cleanup_free_ char *tmp = NULL;
	int fd = STDOUT_FILENO, r;

	if (!path && isatty(STDOUT_FILENO))
		return qerr_set(&ctx->err, -EINVAL,
				"%s: refusing to write an archive to a terminal; use -o FILE",
				verb);
	if (path) {
		tmp = xasprintf("%s.tmp-%d", path, (int)getpid());
		fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0)
			return qerr_set_errno(&ctx->err, -errno, "cannot write '%s'", path);
	}
	r = fn(fd, data, &ctx->err);
	if (path) {
		if (r >= 0 && fsync(fd) < 0)
			r = qerr_set_errno(&ctx->err, -errno, "cannot write '%s'", path);
		close(fd);
		if (r >= 0 && rename(tmp, path) < 0)
			r = qerr_set_errno(&ctx->err, -errno, "cannot write '%s'", path);
		if (r < 0)
			(void)unlink(tmp);
	}
	return r;
}
