/* qrun inspect: a JSON array describing images, with docker's keys. */
#include "runtime/runtime.h"

#include "specs/specs.h"

static void inspect_one(struct spec_json *j, struct image_store *s, const struct image *img)
{
	struct image_entry *v = NULL;
	size_t n = 0;
	int64_t size = 0;

	/* Every tag of this image, as docker lists RepoTags. */
	(void)image_list(s, &v, &n, NULL);
	spec_json_object_begin(j);
	spec_json_key(j, "Id");
	spec_json_string(j, img->manifest.config.digest);
	spec_json_key(j, "RepoTags");
	spec_json_array_begin(j);
	for (size_t i = 0; i < n; i++) {
		if (v[i].ref && !strcmp(v[i].digest, img->entry.digest)) {
			_cleanup_free_ char *t = xasprintf("%s:%s", v[i].repository, v[i].tag);

			spec_json_string(j, t);
		}
	}
	spec_json_array_end(j);
	spec_json_key(j, "RepoDigests");
	spec_json_array_begin(j);
	for (size_t i = 0; i < n; i++) {
		bool seen = false;

		if (!v[i].ref || strcmp(v[i].digest, img->entry.digest) != 0)
			continue;
		for (size_t k = 0; k < i; k++)
			seen |= v[k].ref && !strcmp(v[k].repository, v[i].repository) &&
				!strcmp(v[k].digest, v[i].digest);
		if (!seen) {
			_cleanup_free_ char *t = xasprintf("%s@%s", v[i].repository, v[i].digest);

			spec_json_string(j, t);
		}
	}
	spec_json_array_end(j);
	spec_json_key(j, "Created");
	spec_json_string(j, img->config.created);
	spec_json_key(j, "Architecture");
	spec_json_string(j, img->config.architecture);
	if (img->config.variant) {
		spec_json_key(j, "Variant");
		spec_json_string(j, img->config.variant);
	}
	spec_json_key(j, "Os");
	spec_json_string(j, img->config.os);
	spec_json_key(j, "Config");
	(void)spec_json_copy_member(j, img->config_json, img->config_len, "config");
	spec_json_key(j, "RootFS");
	spec_json_object_begin(j);
	spec_json_key(j, "Type");
	spec_json_string(j, img->config.rootfs_type ? img->config.rootfs_type : "layers");
	spec_json_key(j, "Layers");
	spec_json_string_array(j, img->config.diff_ids, img->config.n_diff_ids);
	spec_json_object_end(j);
	for (size_t i = 0; i < img->manifest.n_layers; i++)
		size += img->manifest.layers[i].size;
	spec_json_key(j, "Size");
	spec_json_int(j, size);
	spec_json_object_end(j);
	image_entries_free(v, n);
}

int cmd_inspect(int argc, char **argv, struct cmd_ctx *ctx)
{
	struct image_store *s = NULL;
	struct spec_json *j;
	_cleanup_free_ char *out = NULL;
	int r;

	if (runtime_wants_help(argc, argv)) {
		fputs("Usage: qrun inspect IMAGE...\n\nPrint a JSON array describing each image "
		      "(docker's keys).\n",
		      stdout);
		return 0;
	}
	if (argc < 2)
		return qerr_set(&ctx->err, -EINVAL, "inspect: name at least one IMAGE");
	r = runtime_open_store(ctx, &s);
	if (r < 0)
		return r;
	j = spec_json_new(true);
	spec_json_array_begin(j);
	for (int i = 1; r >= 0 && i < argc; i++) {
		struct image *img = NULL;

		r = image_open(s, argv[i], NULL, &img, &ctx->err);
		if (r >= 0)
			inspect_one(j, s, img);
		image_free(img);
	}
	spec_json_array_end(j);
	out = spec_json_finish(j, NULL);
	if (r >= 0)
		printf("%s\n", out);
	image_store_close(s);
	return r < 0 ? r : 0;
}
