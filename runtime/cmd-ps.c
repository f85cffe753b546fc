/* qrun ps: containers, docker's columns. */
#include "runtime/runtime.h"

#include <getopt.h>

static const char ps_usage[] = "Usage: qrun ps [OPTIONS]\n"
			       "\n"
			       "List containers (running ones unless -a).\n"
			       "\n"
			       "Options:\n"
			       "  -a, --all          all containers\n"
			       "  -q, --quiet        only ids\n"
			       "      --format json  one JSON object per line\n"
			       "      --no-trunc     full ids and commands\n"
			       "  -f, --filter F     status=created|running|exited, name=NAME\n"
			       "                     (a part of it), ancestor=IMAGE, id=PREFIX\n"
			       "                     (repeatable: each kind must match)\n"
			       "  -h, --help         this help\n";

/* docker's COMMAND column: the args joined, quoted, cut at 20 characters. */
static char *command_of(const struct container *c, bool full)
{
	size_t len = 0;
	char *s = NULL;
	FILE *f = open_memstream(&s, &len);

	if (!f)
		abort();
	for (size_t i = 0; c->config.args && c->config.args[i]; i++)
		fprintf(f, "%s%s", i ? " " : "", c->config.args[i]);
	fclose(f);
	if (!full && len > 20) {
		_cleanup_free_ char *cut = s;

		s = xasprintf("%.19s…", cut);
	}
	return s;
}

static int cmp_created(const void *a, const void *b)
{
	const struct container *const *x = a, *const *y = b;

	/* newest first, as docker */
	return strcmp((*y)->state.created ? (*y)->state.created : "",
		      (*x)->state.created ? (*x)->state.created : "");
}

static void print_json(const struct container *c)
{
	struct spec_json *j = spec_json_new(false);
	_cleanup_free_ char *cmd = command_of(c, true), *status = container_status(c), *out = NULL;
	const char *image = spec_runtime_config_annotation(&c->config, ANNOT_IMAGE_REF);
	bool running = container_running(c);

	spec_json_object_begin(j);
	spec_json_key(j, "ID");
	spec_json_string(j, c->id);
	spec_json_key(j, "Image");
	spec_json_string(j, image ? image : "");
	spec_json_key(j, "Command");
	spec_json_string(j, cmd);
	spec_json_key(j, "CreatedAt");
	spec_json_string(j, c->state.created);
	spec_json_key(j, "Status");
	spec_json_string(j, status);
	spec_json_key(j, "State");
	spec_json_string(j, running				 ? "running"
			    : strcmp(c->state.status, "created") ? "exited"
								 : "created");
	spec_json_key(j, "Names");
	spec_json_string(j, c->state.name);
	spec_json_key(j, "ExitCode");
	spec_json_int(j,
		      !strcmp(c->state.status, "running") && !running ? 137 : c->state.exit_code);
	spec_json_object_end(j);
	out = spec_json_finish(j, NULL);
	printf("%s\n", out);
}

/* The state docker's status= filter and ps --format json name. */
static const char *state_of(const struct container *c)
{
	return container_running(c)		    ? "running"
	       : strcmp(c->state.status, "created") ? "exited"
						    : "created";
}

/* Every --filter KEY=VALUE: filters of one key are alternatives, keys all must match. */
static bool filters_match(const struct container *c, char **f, size_t n)
{
	static const char *const keys[] = { "status=", "name=", "ancestor=", "id=" };

	for (size_t k = 0; k < ARRAY_SIZE(keys); k++) {
		bool seen = false, any = false;

		for (size_t i = 0; i < n; i++) {
			const char *v = f[i] + strlen(keys[k]);
			const char *img =
			    spec_runtime_config_annotation(&c->config, ANNOT_IMAGE_REF);

			if (strncmp(f[i], keys[k], strlen(keys[k])) != 0)
				continue;
			seen = true;
			if (k == 0)
				any |= !strcmp(v, state_of(c));
			else if (k == 1)
				any |= strstr(c->state.name, v) != NULL;
			else if (k == 2)
				any |= img && (!strcmp(img, v) ||
					       (!strchr(v, ':') && str_has_prefix(img, v) &&
						img[strlen(v)] == ':'));
			else
				any |= str_has_prefix(c->id, v);
		}
		if (seen && !any)
			return false;
	}
	return true;
}

int cmd_ps(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "format", required_argument, NULL, 'F' },
		{ "filter", required_argument, NULL, 'f' },
		{ "no-trunc", no_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_free_ char *root = NULL;
	struct container **v = NULL;
	bool all = false, quiet = false, json = false, notrunc = false;
	char **filters = NULL;
	size_t n_filters = 0;
	size_t n = 0;
	int opt, r;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "+aqf:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'a':
			all = true;
			break;
		case 'q':
			quiet = true;
			break;
		case 'f':
			if (!str_has_prefix(optarg, "status=") &&
			    !str_has_prefix(optarg, "name=") &&
			    !str_has_prefix(optarg, "ancestor=") &&
			    !str_has_prefix(optarg, "id=")) {
				free(filters);
				return qerr_set(&ctx->err, -EINVAL,
						"ps: --filter '%s': expected status=, name=, "
						"ancestor= or id=",
						optarg);
			}
			filters = xrealloc(filters, (n_filters + 1) * sizeof(*filters));
			filters[n_filters++] = optarg;
			/* docker: a status filter other than running shows stopped ones too */
			if (str_has_prefix(optarg, "status=") && strcmp(optarg, "status=running"))
				all = true;
			break;
		case 'n':
			notrunc = true;
			break;
		case 'F':
			if (strcmp(optarg, "json") != 0)
				return qerr_set(&ctx->err, -EINVAL,
						"ps: --format '%s': only 'json' is supported",
						optarg);
			json = true;
			break;
		case 'h':
			fputs(ps_usage, stdout);
			return 0;
		default:
			return runtime_bad_option(ctx, "ps", argv);
		}
	}
	r = runtime_store_root(ctx, &root);
	if (r >= 0)
		r = container_list(root, &v, &n, &ctx->err);
	if (r < 0)
		return r;
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_created);
	if (!quiet && !json)
		printf("%-14s %-24s %-22s %-16s %-24s %s\n", "CONTAINER ID", "IMAGE", "COMMAND",
		       "CREATED", "STATUS", "NAMES");
	for (size_t i = 0; i < n; i++) {
		const struct container *c = v[i];
		const char *image = spec_runtime_config_annotation(&c->config, ANNOT_IMAGE_REF);
		_cleanup_free_ char *cmd = NULL, *created = NULL, *status = NULL;

		if ((!all && !container_running(c)) || !filters_match(c, filters, n_filters))
			continue;
		if (quiet) {
			printf("%.*s\n", notrunc ? 64 : 12, c->id);
			continue;
		}
		if (json) {
			print_json(c);
			continue;
		}
		cmd = command_of(c, notrunc);
		created = runtime_ago(c->state.created);
		status = container_status(c);
		printf("%-*.*s %-24s \"%s\"%*s %-16s %-24s %s\n", notrunc ? 64 : 14,
		       notrunc ? 64 : 12, c->id, image ? image : "", cmd,
		       (int)(20 - (strlen(cmd) < 20 ? strlen(cmd) : 20)), "", created, status,
		       c->state.name);
	}
	container_list_free(v, n);
	free(filters);
	return 0;
}
