/* qrun commit: a container's changes as a new image (its image's layers + one). */
#include "runtime/build.h"

#include <getopt.h>
#include <limits.h>
#include <time.h>

static const char commit_usage[] =
    "Usage: qrun commit [OPTIONS] CONTAINER [NAME]\n"
    "\n"
    "Make an image of a container's changes: its image's layers and one more, written\n"
    "with the owners its processes see.\n"
    "\n"
    "Options:\n"
    "  -c, --change INSTR    apply a Dockerfile instruction (CMD, ENTRYPOINT, ENV, EXPOSE,\n"
    "                        LABEL, ONBUILD, USER, VOLUME, WORKDIR, STOPSIGNAL, SHELL)\n"
    "  -m, --message MSG     the commit message (history comment)\n"
    "  -a, --author AUTHOR   the author\n"
    "  -p, --pause           accepted (a running container is read as it is)\n"
    "  -q, --quiet           print nothing but the image ID\n"
    "  -h, --help            this help\n";

static int commit(struct cmd_ctx *ctx, struct image_store *s, struct container *c, char **changes,
		  size_t n_changes, const char *msg, const char *author, const char *name,
		  char ret_id[72])
{
	struct container_files f = { 0 };
	struct spec_image_config cfg = { 0 };
	struct image_change *v = NULL;
	struct image_layer_desc d;
	struct image *img = NULL;
	_cleanup_free_ char *config = NULL, *created = runtime_now(), *by = NULL;
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	long epoch = (long)time(NULL);
	char manifest[72];
	size_t n = 0, len;
	int r;

	if (sde && *sde && parse_int(sde, 0, LONG_MAX, &epoch) < 0)
		return qerr_set(&ctx->err, -EINVAL, "SOURCE_DATE_EPOCH='%s': not a time", sde);
	r = container_files_open(s, c, &f, &ctx->err);
	if (r >= 0)
		r = image_changes(&f.lower, &f.upper, &v, &n, &ctx->err);
	if (r >= 0)
		r = image_layer_create(s, &f.upper, v, n, -1, &d, &ctx->err);
	if (r < 0)
		goto out;
	spec_image_config_copy(&f.img->config, &cfg);
	for (size_t i = 0; r >= 0 && i < n_changes; i++)
		r = build_apply_change(&cfg, changes[i], epoch, &ctx->err);
	if (r >= 0)
		r = spec_image_config_add_diff_id(&cfg, d.diff_id, &ctx->err);
	if (r < 0)
		goto out;
	free(cfg.created);
	cfg.created = xstrdup(created);
	if (author) {
		free(cfg.author);
		cfg.author = xstrdup(author);
	}
	by = c->config.args ? strv_join(c->config.args, " ") : xstrdup("");
	spec_image_config_add_history(&cfg, created, by, msg, false);
	if (cfg.history && author) {
		free(cfg.history[cfg.n_history - 1].author);
		cfg.history[cfg.n_history - 1].author = xstrdup(author);
	}
	config = spec_image_config_write(&cfg, &len);
	r = image_create(s, f.img, &d, 1, config, len, name, true, manifest, &ctx->err);
	if (r >= 0)
		r = image_open_manifest(s, manifest, &img, &ctx->err);
	if (r >= 0)
		memcpy(ret_id, img->entry.id, 72);
out:
	image_free(img);
	spec_image_config_release(&cfg);
	image_changes_free(v, n);
	container_files_release(&f);
	return r;
}

int cmd_commit(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option opts[] = {
		{ "change", required_argument, NULL, 'c' },
		{ "message", required_argument, NULL, 'm' },
		{ "author", required_argument, NULL, 'a' },
		{ "pause", no_argument, NULL, 'p' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	char **changes = NULL, id[72];
	size_t n_changes = 0;
	const char *msg = NULL, *author = NULL;
	struct image_store *s = NULL;
	struct container *c = NULL;
	int opt, r;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "+c:m:a:pqh", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			changes = xrealloc(changes, (n_changes + 1) * sizeof(*changes));
			changes[n_changes++] = optarg;
			break;
		case 'm':
			msg = optarg;
			break;
		case 'a':
			author = optarg;
			break;
		case 'p':
		case 'q':
			break;
		case 'h':
			fputs(commit_usage, stdout);
			free(changes);
			return 0;
		default:
			free(changes);
			return runtime_bad_option(ctx, "commit", argv);
		}
	}
	if (optind != argc - 1 && optind != argc - 2) {
		free(changes);
		return qerr_set(&ctx->err, -EINVAL, "commit: expected CONTAINER [NAME]");
	}
	r = runtime_open_store(ctx, &s);
	if (r >= 0)
		r = container_find(image_store_root(s), argv[optind], &c, &ctx->err);
	if (r >= 0)
		r = commit(ctx, s, c, changes, n_changes, msg, author,
			   optind == argc - 2 ? argv[optind + 1] : NULL, id);
	if (r >= 0)
		printf("%s\n", id);
	container_free(c);
	image_store_close(s);
	free(changes);
	return r < 0 ? r : 0;
}
