/* qrun push: an image of the store to a registry, with docker's output lines. */
#include "runtime/runtime.h"

#include <getopt.h>
#include <limits.h>

static const char push_usage[] =
    "Usage: qrun push [OPTIONS] IMAGE [DESTINATION]\n"
    "\n"
    "Push IMAGE from the store to a registry, under DESTINATION (a reference, 'docker://'\n"
    "allowed) or IMAGE's own name. Blobs the registry has are not sent again, nor those it can\n"
    "mount from IMAGE's repository on the same registry; the manifest (and the index of a\n"
    "multi-platform image) goes last. Credentials and certificates as for 'qrun pull'.\n"
    "\n"
    "Options:\n"
    "  -q, --quiet              print nothing but errors\n"
    "      --tls-verify=false   do not verify the registry's TLS certificate\n"
    "      --cert-dir DIR       CAs (*.crt) and client certificates (*.cert, *.key)\n"
    "      --chunk-size BYTES   send blobs larger than BYTES in chunks of BYTES (PATCH);\n"
    "                           default: each blob whole, in one PUT\n"
    "  -h, --help               this help\n"
    "\n"
    "Not built yet: progress bars.\n";

static void print_line(const char *line, void *data)
{
	(void)data;
	printf("%s\n", line);
	fflush(stdout);
}

int cmd_push(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option opts[] = {
		{ "quiet", no_argument, NULL, 'q' },
		{ "tls-verify", optional_argument, NULL, 'T' },
		{ "cert-dir", required_argument, NULL, 'C' },
		{ "chunk-size", required_argument, NULL, 'S' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct image_pull_opts o = { 0 };
	struct image_store *s = NULL;
	bool quiet = false;
	int opt, r = 0;

	optind = 1;
	while (r >= 0 && (opt = getopt_long(argc, argv, "+qh", opts, NULL)) != -1) {
		switch (opt) {
		case 'q':
			quiet = true;
			break;
		case 'T':
		case 'C':
			r = runtime_registry_option(opt, optarg, &o, ctx);
			break;
		case 'S': {
			long v;

			if (parse_int(optarg, 1, LONG_MAX, &v) < 0)
				r = qerr_set(&ctx->err, -EINVAL,
					     "--chunk-size '%s': expected a number of bytes",
					     optarg);
			o.chunk_size = (uint64_t)v;
			break;
		}
		case 'h':
			fputs(push_usage, stdout);
			return 0;
		default:
			r = runtime_bad_option(ctx, "push", argv);
		}
	}
	if (r >= 0 && (optind >= argc || argc - optind > 2))
		r = qerr_set(&ctx->err, -EINVAL,
			     "push: expected IMAGE [DESTINATION] (see 'qrun push --help')");
	if (r >= 0)
		r = runtime_open_store(ctx, &s);
	if (r >= 0)
		r = image_push(s, argv[optind], optind + 1 < argc ? argv[optind + 1] : NULL, &o,
			       NULL, quiet ? NULL : print_line, NULL, &ctx->err);
	image_store_close(s);
	return r < 0 ? r : 0;
}
