/* qrun inspect: a JSON array describing images, with docker's keys. */
#include "runtime/runtime.h"

#include <getopt.h>

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

static void string_or_null(struct spec_json *j, const char *s)
{
	if (s)
		spec_json_string(j, s);
	else
		spec_json_null(j);
}

/* A container, with docker's keys (those qrun has). */
static void inspect_container(struct spec_json *j, const struct container *c)
{
	const struct spec_runtime_config *rc = &c->config;
	bool running = container_running(c);
	size_t n_args = 0;
	_cleanup_free_ char *name = xasprintf("/%s", c->state.name);

	while (rc->args && rc->args[n_args])
		n_args++;
	spec_json_object_begin(j);
	spec_json_key(j, "Id");
	spec_json_string(j, c->id);
	spec_json_key(j, "Created");
	string_or_null(j, c->state.created);
	spec_json_key(j, "Path");
	string_or_null(j, n_args ? rc->args[0] : NULL);
	spec_json_key(j, "Args");
	spec_json_string_array(j, n_args ? rc->args + 1 : NULL, n_args ? n_args - 1 : 0);
	spec_json_key(j, "State");
	spec_json_object_begin(j);
	spec_json_key(j, "Status");
	spec_json_string(j, running				 ? "running"
			    : strcmp(c->state.status, "created") ? "exited"
								 : "created");
	spec_json_key(j, "Running");
	spec_json_bool(j, running);
	spec_json_key(j, "Pid");
	spec_json_int(j, running ? c->state.guest_pid : 0);
	spec_json_key(j, "ExitCode");
	spec_json_int(j,
		      !strcmp(c->state.status, "running") && !running ? 137 : c->state.exit_code);
	spec_json_key(j, "StartedAt");
	string_or_null(j, c->state.started_at);
	spec_json_key(j, "FinishedAt");
	string_or_null(j, c->state.finished_at);
	spec_json_object_end(j);
	spec_json_key(j, "Image");
	string_or_null(j, spec_runtime_config_annotation(rc, ANNOT_IMAGE_DIGEST));
	spec_json_key(j, "Name");
	spec_json_string(j, name);
	spec_json_key(j, "Mounts");
	spec_json_array_begin(j);
	for (size_t i = 0; i < rc->n_mounts; i++) {
		spec_json_object_begin(j);
		spec_json_key(j, "Source");
		string_or_null(j, rc->mounts[i].source);
		spec_json_key(j, "Destination");
		string_or_null(j, rc->mounts[i].destination);
		spec_json_key(j, "RW");
		spec_json_bool(j, !rc->mounts[i].readonly);
		spec_json_object_end(j);
	}
	spec_json_array_end(j);
	spec_json_key(j, "Config");
	spec_json_object_begin(j);
	spec_json_key(j, "Hostname");
	string_or_null(j, rc->hostname);
	spec_json_key(j, "User");
	{
		_cleanup_free_ char *u = xasprintf("%u:%u", rc->uid, rc->gid);

		spec_json_string(j, u);
	}
	spec_json_key(j, "Env");
	{
		size_t n = 0;

		while (rc->env && rc->env[n])
			n++;
		spec_json_string_array(j, rc->env, n);
	}
	spec_json_key(j, "Cmd");
	spec_json_string_array(j, rc->args, n_args);
	spec_json_key(j, "Image");
	string_or_null(j, spec_runtime_config_annotation(rc, ANNOT_IMAGE_REF));
	spec_json_key(j, "WorkingDir");
	string_or_null(j, rc->cwd);
	spec_json_key(j, "StopSignal");
	string_or_null(j, spec_runtime_config_annotation(rc, ANNOT_STOP_SIGNAL));
	spec_json_object_end(j);
	spec_json_object_end(j);
}

int cmd_inspect(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option opts[] = {
		{ "format", required_argument, NULL, 'f' },
		{ "type", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct image_store *s = NULL;
	const char *format = NULL, *type = NULL;
	_cleanup_free_ char *all = NULL;
	size_t all_len = 0;
	FILE *out;
	int opt, r;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "+f:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			format = optarg;
			break;
		case 't':
			if (strcmp(optarg, "container") && strcmp(optarg, "image"))
				return qerr_set(&ctx->err, -EINVAL,
						"inspect: --type '%s': container or image", optarg);
			type = optarg;
			break;
		case 'h':
			fputs(
			    "Usage: qrun inspect [-f TEMPLATE] [--type container|image] NAME...\n"
			    "\nDescribe containers and images as a JSON array (docker's keys), or\n"
			    "each through a Go template: -f '{{.State.ExitCode}}', '{{json "
			    ".Config}}',\n'{{index .Config.Labels \"k\"}}', '{{range "
			    ".Config.Env}}{{.}} {{end}}'.\n",
			    stdout);
			return 0;
		default:
			return runtime_bad_option(ctx, "inspect", argv);
		}
	}
	if (optind == argc)
		return qerr_set(&ctx->err, -EINVAL,
				"inspect: name at least one container or image");
	r = runtime_open_store(ctx, &s);
	if (r < 0)
		return r;
	out = open_memstream(&all, &all_len);
	if (!out)
		abort();
	if (!format)
		fprintf(out, "[\n");
	for (int i = optind; r >= 0 && i < argc; i++) {
		struct spec_json *j = spec_json_new(!format);
		struct container *c = NULL;
		struct image *img = NULL;
		_cleanup_free_ char *doc = NULL, *text = NULL;
		size_t len;

		/* a container first, as docker looks */
		if ((!type || !strcmp(type, "container")) &&
		    container_find(image_store_root(s), argv[i], &c, NULL) >= 0) {
			inspect_container(j, c);
		} else if (!type || !strcmp(type, "image")) {
			/* its message names the image (no container has that name either) */
			r = image_open(s, argv[i], NULL, &img, &ctx->err);
			if (r >= 0)
				inspect_one(j, s, img);
		} else {
			r = qerr_set(&ctx->err, -ENOENT, "no such container: %s", argv[i]);
		}
		doc = spec_json_finish(j, &len);
		if (r >= 0 && format) {
			r = spec_template_render(format, doc, len, &text, &ctx->err);
			if (r >= 0)
				fprintf(out, "%s\n", text);
		} else if (r >= 0) {
			fprintf(out, "%s%s", i > optind ? ",\n" : "", doc);
		}
		container_free(c);
		image_free(img);
	}
	if (!format)
		fprintf(out, "\n]\n");
	fclose(out);
	if (r >= 0) /* nothing when one of them failed, as before */
		fputs(all, stdout);
	image_store_close(s);
	return r < 0 ? r : 0;
}
