/* qrun import: a root filesystem tarball becomes a one-layer image. */
#include "runtime/build.h"

#include <fcntl.h>
#include <getopt.h>
#include <limits.h>

static const char import_usage[] =
    "Usage: qrun import [OPTIONS] FILE|- NAME[:TAG]\n"
    "\n"
    "Make a one-layer image from a root filesystem tarball (plain, gzip, xz, bzip2 or zstd;\n"
    "'-' reads standard input) and print its ID. The platform is taken from the ELF programs\n"
    "inside unless --platform says otherwise.\n"
    "\n"
    "Options:\n"
    "      --platform OS/ARCH[/VARIANT]  e.g. linux/arm/v7, linux/arm64, linux/amd64\n"
    "  -c, --change INSTR                apply a Dockerfile instruction to the image's config\n"
    "                                    (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, VOLUME,\n"
    "                                    WORKDIR, STOPSIGNAL, ONBUILD, SHELL)\n"
    "  -m, --message MSG                 the comment of its history entry\n"
    "  -q, --quiet                       no progress\n"
    "  -h, --help                        this help\n";

struct changes {
	char **v;
	size_t n;
	const char *message;
};

static int apply_changes(void *data, struct spec_image_config *cfg, struct qerr *err)
{
	const struct changes *ch = data;
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	long epoch = 0;
	int r = 0;

	if (sde)
		(void)parse_int(sde, 0, LONG_MAX, &epoch);
	for (size_t i = 0; r >= 0 && i < ch->n; i++)
		r = build_apply_change(cfg, ch->v[i], epoch, err);
	if (r >= 0 && ch->message && cfg->n_history) {
		free(cfg->history[cfg->n_history - 1].comment);
		cfg->history[cfg->n_history - 1].comment = xstrdup(ch->message);
	}
	return r;
}

int cmd_import(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option opts[] = {
		{ "platform", required_argument, NULL, 'p' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "change", required_argument, NULL, 'c' },
		{ "message", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct spec_platform platform = { 0 };
	struct changes ch = { 0 };
	struct image_import_edit edit = { apply_changes, &ch };
	struct image_store *s = NULL;
	struct runtime_progress prog;
	_cleanup_free_ char *id = NULL;
	_cleanup_close_ int fd = -1;
	bool have_platform = false, quiet = false;
	int opt, r = 0;

	optind = 1;
	while (r >= 0 && (opt = getopt_long(argc, argv, "+qc:m:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'p':
			spec_platform_release(&platform);
			r = spec_platform_parse(optarg, &platform, &ctx->err);
			have_platform = true;
			break;
		case 'q':
			quiet = true;
			break;
		case 'c':
			ch.v = xrealloc(ch.v, (ch.n + 1) * sizeof(*ch.v));
			ch.v[ch.n++] = optarg;
			break;
		case 'm':
			ch.message = optarg;
			break;
		case 'h':
			fputs(import_usage, stdout);
			goto out;
		default:
			r = runtime_bad_option(ctx, "import", argv);
		}
	}
	if (r >= 0 && argc - optind != 2)
		r = qerr_set(&ctx->err, -EINVAL,
			     "import: expected FILE and NAME (see 'qrun import --help')");
	if (r >= 0) {
		fd = strcmp(argv[optind], "-") == 0 ? dup(STDIN_FILENO)
						    : open(argv[optind], O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			r = qerr_set_errno(&ctx->err, -errno, "cannot open '%s'", argv[optind]);
	}
	if (r >= 0)
		r = runtime_open_store(ctx, &s);
	if (r >= 0) {
		r = image_import(s, fd, argv[optind + 1], have_platform ? &platform : NULL,
				 ch.n || ch.message ? &edit : NULL,
				 runtime_progress_init(&prog, quiet), &id, &ctx->err);
		runtime_progress_release(&prog);
	}
	if (r >= 0)
		printf("%s\n", id);
out:
	image_store_close(s);
	spec_platform_release(&platform);
	free(ch.v);
	return r < 0 ? r : 0;
}
