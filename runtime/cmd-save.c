/* qrun save: images out as an OCI layout tar or a docker-archive. */
#include "runtime/runtime.h"

#include <getopt.h>

static const char save_usage[] =
    "Usage: qrun save [OPTIONS] IMAGE...\n"
    "\n"
    "Write images to a tar archive (standard output unless -o).\n"
    "\n"
    "Options:\n"
    "  -o, --output FILE                 write to FILE (replaced only when complete)\n"
    "      --format oci|docker-archive   OCI image layout (default) or docker's archive\n"
    "  -h, --help                        this help\n";

struct save_job {
	struct image_store *s;
	char *const *names;
	size_t n;
	enum image_save_format format;
};

static int save_to(int fd, void *data, struct qerr *err)
{
	const struct save_job *j = data;

	return image_save(j->s, j->names, j->n, j->format, fd, err);
}

int cmd_save(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	enum image_save_format format = IMAGE_SAVE_OCI;
	struct image_store *s = NULL;
	const char *out = NULL;
	int opt, r;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "+o:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'o':
			out = optarg;
			break;
		case 'f':
			if (!strcmp(optarg, "oci") || !strcmp(optarg, "oci-archive"))
				format = IMAGE_SAVE_OCI;
			else if (!strcmp(optarg, "docker-archive") || !strcmp(optarg, "docker"))
				format = IMAGE_SAVE_DOCKER;
			else
				return qerr_set(
				    &ctx->err, -EINVAL,
				    "save: --format '%s': expected oci or docker-archive", optarg);
			break;
		case 'h':
			fputs(save_usage, stdout);
			return 0;
		default:
			return runtime_bad_option(ctx, "save", argv);
		}
	}
	if (optind == argc)
		return qerr_set(&ctx->err, -EINVAL, "save: name at least one IMAGE");
	r = runtime_open_store(ctx, &s);
	if (r < 0)
		return r;
	{
		struct save_job job = { s, argv + optind, (size_t)(argc - optind), format };

		r = runtime_write_output(ctx, "save", out, save_to, &job);
	}
	image_store_close(s);
	return r < 0 ? r : 0;
}
