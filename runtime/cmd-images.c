/* qrun images: what the store holds, docker's columns. */
#include "runtime/runtime.h"

#include <getopt.h>

#include "specs/specs.h"

static const char images_usage[] = "Usage: qrun images [OPTIONS] [REPOSITORY[:TAG]]\n"
				   "\n"
				   "List the images in the store (of REPOSITORY, or that name).\n"
				   "\n"
				   "Options:\n"
				   "  -q, --quiet        only image IDs\n"
				   "      --digests      show manifest digests\n"
				   "      --no-trunc     full IDs\n"
				   "      --format json  one JSON object per line\n"
				   "      --filter F     dangling=true|false (untagged or not),\n"
				   "                     reference=REPOSITORY[:TAG]\n"
				   "  -h, --help         this help\n";

static void print_json(const struct image_entry *e, const char *id)
{
	struct spec_json *j = spec_json_new(false);
	_cleanup_free_ char *out = NULL, *created = runtime_ago(e->created);
	char size[32];

	runtime_human_size((uint64_t)e->size, size, sizeof(size));
	spec_json_object_begin(j);
	spec_json_key(j, "Repository");
	spec_json_string(j, e->repository ? e->repository : "<none>");
	spec_json_key(j, "Tag");
	spec_json_string(j, e->tag ? e->tag : "<none>");
	spec_json_key(j, "ID");
	spec_json_string(j, id);
	spec_json_key(j, "Digest");
	spec_json_string(j, e->digest);
	spec_json_key(j, "CreatedAt");
	spec_json_string(j, e->created);
	spec_json_key(j, "CreatedSince");
	spec_json_string(j, created);
	spec_json_key(j, "Size");
	spec_json_string(j, size);
	spec_json_object_end(j);
	out = spec_json_finish(j, NULL);
	printf("%s\n", out);
}

/* images REPO[:TAG]: does e carry that name (a tag given) or a tag of that repository? */
static bool name_matches(const struct image_entry *e, const char *want)
{
	struct spec_reference ref = { 0 };
	const char *last = strrchr(want, '/');
	bool tagged = strchr(last ? last : want, ':') != NULL, r = false;

	if (!e->ref || spec_reference_parse(want, &ref, NULL) < 0)
		return false;
	if (tagged) {
		_cleanup_free_ char *full = spec_reference_format(&ref);

		r = !strcmp(full, e->ref);
	} else {
		_cleanup_free_ char *repo = xasprintf("%s/%s:", ref.domain, ref.path);

		r = !strncmp(e->ref, repo, strlen(repo));
	}
	spec_reference_release(&ref);
	return r;
}

int cmd_images(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option opts[] = {
		{ "quiet", no_argument, NULL, 'q' },
		{ "digests", no_argument, NULL, 'd' },
		{ "no-trunc", no_argument, NULL, 'n' },
		{ "format", required_argument, NULL, 'f' },
		{ "filter", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool quiet = false, digests = false, notrunc = false, json = false;
	int dangling = -1; /* --filter dangling=true|false */
	const char *want = NULL;
	struct image_store *s = NULL;
	struct image_entry *v = NULL;
	size_t n = 0;
	int opt, r;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "+qh", opts, NULL)) != -1) {
		switch (opt) {
		case 'q':
			quiet = true;
			break;
		case 'd':
			digests = true;
			break;
		case 'n':
			notrunc = true;
			break;
		case 'f':
			if (strcmp(optarg, "json") != 0)
				return qerr_set(&ctx->err, -EINVAL,
						"images: --format '%s': only 'json' is supported",
						optarg);
			json = true;
			break;
		case 'F':
			if (!strcmp(optarg, "dangling=true") || !strcmp(optarg, "dangling=false")) {
				dangling = !strcmp(optarg, "dangling=true");
				break;
			}
			if (str_has_prefix(optarg, "reference=")) {
				want = optarg + 10;
				break;
			}
			return qerr_set(&ctx->err, -EINVAL,
					"images: --filter '%s': expected dangling=true|false or "
					"reference=NAME",
					optarg);
		case 'h':
			fputs(images_usage, stdout);
			return 0;
		default:
			return runtime_bad_option(ctx, "images", argv);
		}
	}
	if (optind + 1 < argc)
		return qerr_set(&ctx->err, -EINVAL, "images: unexpected argument '%s'",
				argv[optind + 1]);
	if (optind < argc)
		want = argv[optind];
	r = runtime_open_store(ctx, &s);
	if (r >= 0)
		r = image_list(s, &v, &n, &ctx->err);
	if (r < 0)
		goto out;
	if (!quiet && !json) {
		printf("%-40s %-20s %s%-*s %-16s %s\n", "REPOSITORY", "TAG",
		       digests ? "DIGEST                                                           "
				 "        "
			       : "",
		       notrunc ? 72 : 13, "IMAGE ID", "CREATED", "SIZE");
	}
	for (size_t i = 0; i < n; i++) {
		const struct image_entry *e = &v[i];
		_cleanup_free_ char *id = notrunc ? xstrdup(e->id) : xstrndup(e->id + 7, 12);
		_cleanup_free_ char *created = NULL;
		char size[32];
		bool dup = false;

		if ((want && !name_matches(e, want)) || (dangling >= 0 && (dangling != !e->ref)))
			continue;
		if (json) {
			print_json(e, id);
			continue;
		}
		if (quiet) {
			for (size_t k = 0; k < i; k++)
				dup |= !strcmp(v[k].id, e->id);
			if (!dup)
				printf("%s\n", id);
			continue;
		}
		created = runtime_ago(e->created);
		runtime_human_size((uint64_t)e->size, size, sizeof(size));
		printf("%-40s %-20s ", e->repository ? e->repository : "<none>",
		       e->tag ? e->tag : "<none>");
		if (digests)
			printf("%-72s ", e->digest);
		printf("%-*s %-16s %s\n", notrunc ? 72 : 13, id, created, size);
	}
out:
	image_entries_free(v, n);
	image_store_close(s);
	return r < 0 ? r : 0;
}
