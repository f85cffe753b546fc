/* qrun load: OCI layouts and docker-archives into the store. */
#include "runtime/runtime.h"

#include <getopt.h>

static const char load_usage[] =
    "Usage: qrun load [OPTIONS]\n"
    "\n"
    "Load images from an OCI image layout (a directory or a tar) or a docker-archive (docker\n"
    "save, skopeo, docker 25+), compressed or not, read from standard input or -i.\n"
    "\n"
    "Options:\n"
    "  -i, --input FILE|DIR|-   read from FILE or DIR instead of standard input\n"
    "  -q, --quiet              no progress\n"
    "  -h, --help               this help\n";

int cmd_load(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option opts[] = {
		{ "input", required_argument, NULL, 'i' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct image_store *s = NULL;
	struct runtime_progress prog;
	const char *input = NULL;
	bool quiet = false;
	int opt, r;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "+i:qh", opts, NULL)) != -1) {
		switch (opt) {
		case 'i':
			input = strcmp(optarg, "-") == 0 ? NULL : optarg;
			break;
		case 'q':
			quiet = true;
			break;
		case 'h':
			fputs(load_usage, stdout);
			return 0;
		default:
			return runtime_bad_option(ctx, "load", argv);
		}
	}
	if (optind != argc)
		return qerr_set(&ctx->err, -EINVAL, "load: unexpected argument '%s' (use -i FILE)",
				argv[optind]);
	if (!input && isatty(STDIN_FILENO))
		return qerr_set(
		    &ctx->err, -EINVAL,
		    "load: standard input is a terminal; give -i FILE or pipe an archive");
	r = runtime_open_store(ctx, &s);
	if (r >= 0) {
		r = image_load(s, input, STDIN_FILENO, runtime_progress_init(&prog, quiet),
			       runtime_print_line, NULL, &ctx->err);
		runtime_progress_release(&prog);
	}
	image_store_close(s);
	return r < 0 ? r : 0;
}
