/* qrun build: an image from a Dockerfile (Containerfile) and a context directory. */
#include "runtime/build.h"

#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <sys/stat.h>

static const char build_usage[] =
    "Usage: qrun build [OPTIONS] CONTEXT\n"
    "\n"
    "Build an image from CONTEXT/Containerfile (or Dockerfile). RUN steps run under the\n"
    "tracer as root inside (for any user), foreign platforms under qemu with no setup.\n"
    "The same input gives the same image digest: times come from SOURCE_DATE_EPOCH.\n"
    "\n"
    "Options:\n"
    "  -t, --tag NAME              name the image (repeatable)\n"
    "  -f, --file FILE             the Dockerfile (default: CONTEXT/Containerfile, then\n"
    "                              CONTEXT/Dockerfile)\n"
    "      --build-arg K[=V]       set a build argument (no value: from the environment)\n"
    "      --platform P[,P...]     build for each P (os/arch[/variant]; default: this\n"
    "                              host); several make one multi-platform image\n"
    "      --target STAGE          stop after STAGE\n"
    "      --no-cache              run every step again\n"
    "      --pull                  pull base images even when the store has them\n"
    "  -o, --output type=T,dest=F  also write the image: T oci or docker (an archive,\n"
    "                              as 'qrun save'), tar (its root filesystem)\n"
    "      --source-date-epoch N   the time stored in the image (default:\n"
    "                              $SOURCE_DATE_EPOCH, else 0)\n"
    "  -q, --quiet                 print only the image ID\n"
    "  -h, --help                  this help\n";

struct build_cli {
	struct build_opts o;
	char **tags;
	size_t n_tags;
	char *platforms; /* --platform as given (comma-separated), or NULL */
	const char *out_type, *out_dest;
};

/* -o type=oci|docker|tar,dest=FILE (or just FILE: an OCI archive) */
static int parse_output(struct build_cli *b, char *arg, struct qerr *err)
{
	char *save = NULL;

	if (!strchr(arg, '=')) {
		b->out_type = "oci";
		b->out_dest = arg;
		return 0;
	}
	for (char *kv = strtok_r(arg, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
		if (str_has_prefix(kv, "type="))
			b->out_type = kv + 5;
		else if (str_has_prefix(kv, "dest="))
			b->out_dest = kv + 5;
		else
			return qerr_set(err, -EINVAL,
					"--output: '%s': expected type=... or dest=...", kv);
	}
	if (!b->out_type || !b->out_dest ||
	    (strcmp(b->out_type, "oci") && strcmp(b->out_type, "docker") &&
	     strcmp(b->out_type, "tar")))
		return qerr_set(err, -EINVAL, "--output: expected type=oci|docker|tar,dest=FILE");
	return 0;
}

static int parse(int argc, char **argv, struct build_cli *b, struct cmd_ctx *ctx)
{
	static const struct option opts[] = {
		{ "tag", required_argument, NULL, 't' },
		{ "file", required_argument, NULL, 'f' },
		{ "build-arg", required_argument, NULL, 'a' },
		{ "platform", required_argument, NULL, 'p' },
		{ "target", required_argument, NULL, 'T' },
		{ "no-cache", no_argument, NULL, 'n' },
		{ "pull", no_argument, NULL, 'P' },
		{ "source-date-epoch", required_argument, NULL, 'e' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "output", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	long v;
	int opt;

	if (sde && *sde && parse_int(sde, 0, LONG_MAX, &v) < 0)
		return qerr_set(&ctx->err, -EINVAL,
				"SOURCE_DATE_EPOCH='%s': expected seconds since 1970", sde);
	b->o.epoch = sde && *sde ? v : 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "+t:f:o:qh", opts, NULL)) != -1) {
		switch (opt) {
		case 't':
			b->tags = xrealloc(b->tags, (b->n_tags + 1) * sizeof(*b->tags));
			b->tags[b->n_tags++] = optarg;
			break;
		case 'f':
			b->o.file = optarg;
			break;
		case 'a':
			b->o.build_args =
			    xrealloc(b->o.build_args, (b->o.n_build_args + 1) * sizeof(char *));
			b->o.build_args[b->o.n_build_args++] = optarg;
			break;
		case 'p':
			b->platforms = optarg;
			break;
		case 'o':
			if (parse_output(b, optarg, &ctx->err) < 0)
				return -EINVAL;
			break;
		case 'T':
			b->o.target = optarg;
			break;
		case 'n':
			b->o.no_cache = true;
			break;
		case 'P':
			b->o.pull = true;
			break;
		case 'e':
			if (parse_int(optarg, 0, LONG_MAX, &v) < 0)
				return qerr_set(
				    &ctx->err, -EINVAL,
				    "--source-date-epoch '%s': expected seconds since 1970",
				    optarg);
			b->o.epoch = v;
			break;
		case 'q':
			b->o.quiet = true;
			break;
		case 'h':
			fputs(build_usage, stdout);
			return 1;
		default:
			return runtime_bad_option(ctx, "build", argv);
		}
	}
	if (optind != argc - 1)
		return qerr_set(&ctx->err, -EINVAL, "build: expected one CONTEXT directory");
	b->o.context = argv[optind];
	return 0;
}

/* The Dockerfile: -f, else CONTEXT/Containerfile, else CONTEXT/Dockerfile. */
static int read_dockerfile(const struct build_opts *o, char **ret, size_t *ret_len,
			   struct qerr *err)
{
	static const char *const names[] = { "Containerfile", "Dockerfile" };
	ssize_t n = -ENOENT;

	if (o->file) {
		n = read_file_at(AT_FDCWD, o->file, 4u << 20, ret);
		if (n < 0)
			return qerr_set_errno(err, (int)n, "cannot read '%s'", o->file);
	}
	for (size_t i = 0; !o->file && n == -ENOENT && i < ARRAY_SIZE(names); i++) {
		_cleanup_free_ char *p = xasprintf("%s/%s", o->context, names[i]);

		n = read_file_at(AT_FDCWD, p, 4u << 20, ret);
	}
	if (n < 0)
		return qerr_set_errno(err, (int)n,
				      "no Containerfile or Dockerfile in '%s' (give -f FILE)",
				      o->context);
	*ret_len = (size_t)n;
	return 0;
}

/* -o type=tar: the image's root filesystem, owners as its guests see them. */
struct rootfs_out {
	struct image_store *s;
	const char *manifest;
};

static int write_rootfs(int fd, void *data, struct qerr *err)
{
	const struct rootfs_out *o = data;
	const struct image_layer_opts lo = { .clamp_mtime = -1 };
	struct tracer_identity id = { .emulate = geteuid() != 0 };
	struct owner_seeds seeds = { 0 };
	struct tracer_owners *owners = NULL;
	struct image_change *v = NULL;
	struct image *img = NULL;
	_cleanup_free_ char *snap = NULL, *rootfs = NULL, *meta = NULL;
	size_t n = 0;
	int r = image_open_manifest(o->s, o->manifest, &img, err);

	if (r >= 0)
		r = image_snapshot(o->s, img, NULL, &snap, err);
	if (r >= 0) {
		rootfs = xasprintf("%s/rootfs", snap);
		meta = xasprintf("%s/meta", snap);
		if (id.emulate)
			owner_seeds_load(meta, &seeds);
		id.owners = seeds.v;
		id.n_owners = seeds.n;
		r = tracer_owners_open(rootfs, &id, &owners, err);
	}
	if (r >= 0) {
		struct image_tree t = { rootfs, runtime_owners_attr, owners };

		r = image_changes(NULL, &t, &v, &n, err);
		if (r >= 0)
			r = image_layer_write(&t, v, n, &lo, fd, NULL, err);
	}
	image_changes_free(v, n);
	tracer_owners_free(owners);
	owner_seeds_release(&seeds);
	image_free(img);
	return r;
}

struct archive_out {
	struct image_store *s;
	char *name;
	enum image_save_format format;
};

static int write_archive(int fd, void *data, struct qerr *err)
{
	struct archive_out *a = data;

	return image_save(a->s, &a->name, 1, a->format, fd, err);
}

static int output(struct cmd_ctx *ctx, struct build_cli *b, struct image_store *s,
		  const char *digest, bool is_index)
{
	if (!strcmp(b->out_type, "tar")) {
		struct rootfs_out ro = { s, digest };

		if (is_index)
			return qerr_set(&ctx->err, -EINVAL,
					"--output type=tar: one platform only (a root filesystem)");
		return runtime_write_output(ctx, "build", b->out_dest, write_rootfs, &ro);
	}
	{
		struct archive_out a = { s, b->n_tags ? b->tags[0] : (char *)digest,
					 !strcmp(b->out_type, "docker") ? IMAGE_SAVE_DOCKER
									: IMAGE_SAVE_OCI };

		return runtime_write_output(ctx, "build", b->out_dest, write_archive, &a);
	}
}

int cmd_build(int argc, char **argv, struct cmd_ctx *ctx)
{
	struct build_cli b = { 0 };
	struct image_store *s = NULL;
	struct image *img = NULL;
	_cleanup_free_ char *df = NULL, *plats = NULL;
	char(*manifests)[72] = NULL, digest[72], id[72];
	size_t len = 0, n = 0;
	struct stat st;
	int r = parse(argc, argv, &b, ctx);

	if (r != 0)
		goto out;
	if (stat(b.o.context, &st) < 0 || !S_ISDIR(st.st_mode)) {
		r = qerr_set_errno(&ctx->err, errno ? -errno : -ENOTDIR,
				   "build context '%s' is not a directory", b.o.context);
		goto out;
	}
	r = read_dockerfile(&b.o, &df, &len, &ctx->err);
	if (r >= 0)
		r = runtime_open_store(ctx, &s);
	/* one build per platform */
	plats = b.platforms ? xstrdup(b.platforms) : NULL;
	for (char *save = NULL, *p = plats ? strtok_r(plats, ",", &save) : NULL;
	     r >= 0 && (p || n == 0); p = p ? strtok_r(NULL, ",", &save) : NULL) {
		b.o.platform = p;
		manifests = xrealloc(manifests, (n + 1) * sizeof(*manifests));
		r = build_run(ctx, s, &b.o, df, len, manifests[n]);
		n += r >= 0;
		if (!p)
			break;
	}
	if (r < 0)
		goto out;
	if (n > 1) {
		r = image_create_index(s, manifests, n, b.n_tags ? b.tags[0] : NULL, digest,
				       &ctx->err);
		for (size_t i = 1; r >= 0 && i < b.n_tags; i++)
			r = image_tag(s, b.tags[0], b.tags[i], &ctx->err);
		memcpy(id, digest, 72);
	} else {
		memcpy(digest, manifests[0], 72);
		for (size_t i = 0; r >= 0 && i < b.n_tags; i++)
			r = image_name(s, digest, b.tags[i], &ctx->err);
		if (r >= 0 && !b.n_tags)
			r = image_name(s, digest, NULL, &ctx->err);
		if (r >= 0)
			r = image_open_manifest(s, digest, &img, &ctx->err);
		if (r >= 0)
			memcpy(id, img->entry.id, 72);
	}
	if (r >= 0 && b.out_type)
		r = output(ctx, &b, s, digest, n > 1);
	if (r >= 0) {
		for (size_t i = 0; !b.o.quiet && i < b.n_tags; i++)
			printf("Successfully tagged %s\n", b.tags[i]);
		printf("%s\n", digest_hex_of(id));
	}
out:
	free(manifests);
	image_free(img);
	image_store_close(s);
	free(b.tags);
	free(b.o.build_args);
	return r < 0 ? r : 0;
}
