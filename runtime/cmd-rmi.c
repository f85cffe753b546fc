/* qrun rmi: remove images (tags first; the data goes when nothing uses it). */
#include "runtime/runtime.h"

#include <getopt.h>

static const char rmi_usage[] =
    "Usage: qrun rmi [-f] IMAGE...\n"
    "\n"
    "Remove images by name (that tag) or by ID (all its tags; more than "
    "one needs -f).\n"
    "\n"
    "Options:\n"
    "  -f, --force   remove every tag of an image given by ID\n"
    "  -h, --help    this help\n";

/* docker refuses to remove an image a container was made from (unless -f). */
static int refuse_if_used(struct image_store *s, const char *name, struct qerr *err)
{
	struct image_entry e = { 0 };
	struct container **v = NULL;
	size_t n = 0;
	int r = image_find(s, name, &e, err);

	if (r >= 0)
		r = container_list(image_store_root(s), &v, &n, err);
	for (size_t i = 0; r >= 0 && i < n; i++) {
		const char *d = spec_runtime_config_annotation(&v[i]->config, ANNOT_IMAGE_DIGEST);

		if (d && !strcmp(d, e.digest))
			r = qerr_set(err, -EBUSY,
				     "image '%s' is used by container %s (%.12s): remove the "
				     "container first, or use -f",
				     name, v[i]->state.name, v[i]->id);
	}
	container_list_free(v, n);
	image_entry_release(&e);
	return r;
}

int cmd_rmi(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option opts[] = {
		{ "force", no_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct image_store *s = NULL;
	bool force = false;
	int opt, r;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "+fh", opts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			force = true;
			break;
		case 'h':
			fputs(rmi_usage, stdout);
			return 0;
		default:
			return runtime_bad_option(ctx, "rmi", argv);
		}
	}
	if (optind == argc)
		return qerr_set(&ctx->err, -EINVAL, "rmi: name at least one IMAGE");
	r = runtime_open_store(ctx, &s);
	for (int i = optind; r >= 0 && i < argc; i++) {
		if (!force)
			r = refuse_if_used(s, argv[i], &ctx->err);
		if (r >= 0)
			r = image_remove(s, argv[i], force, runtime_print_line, NULL, &ctx->err);
	}
	image_store_close(s);
	return r < 0 ? r : 0;
}
