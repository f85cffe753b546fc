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

int cmd_ps(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "format", required_argument, NULL, 'f' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	_cleanup_free_ char *root = NULL;
	struct container **v = NULL;
	bool all = false, quiet = false, json = false;
	size_t n = 0;
	int opt, r;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "+aqh", opts, NULL)) != -1) {
		switch (opt) {
		case 'a':
			all = true;
			break;
		case 'q':
			quiet = true;
			break;
		case 'f':
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

		if (!all && !container_running(c))
			continue;
		if (quiet) {
			printf("%.12s\n", c->id);
			continue;
		}
		if (json) {
			print_json(c);
			continue;
		}
		cmd = command_of(c, false);
		created = runtime_ago(c->state.created);
		status = container_status(c);
		printf("%-14.12s %-24s \"%s\"%*s %-16s %-24s %s\n", c->id, image ? image : "", cmd,
		       (int)(20 - (strlen(cmd) < 20 ? strlen(cmd) : 20)), "", created, status,
		       c->state.name);
	}
	container_list_free(v, n);
	return 0;
}
