/*
 * qrun pull: an image from a registry into the store, with docker's output: a line per layer
 * (bytes and rate, redrawn in place on a terminal; "HEX: Pull complete" lines otherwise),
 * "Digest:", "Status:", and the reference last. -q prints the reference alone.
 */
#include "runtime/runtime.h"

#include <getopt.h>
#include <time.h>

static const char pull_usage[] =
    "Usage: qrun pull [OPTIONS] NAME[:TAG|@DIGEST]\n"
    "\n"
    "Pull an image from a registry (OCI distribution API). NAME is normalised as docker does:\n"
    "'busybox' is docker.io/library/busybox:latest. Credentials come from 'qrun login'\n"
    "($XDG_RUNTIME_DIR/containers/auth.json) or ~/.docker/config.json (with its credential\n"
    "helpers, docker-credential-NAME); CAs and client certificates from certs.d directories\n"
    "(/etc/docker/certs.d/HOST:PORT/, ...).\n"
    "\n"
    "Options:\n"
    "      --platform OS/ARCH[/V]  the platform to pull from a multi-platform image\n"
    "                              (default: this host's)\n"
    "  -a, --all-platforms         pull every platform of a multi-platform image\n"
    "  -q, --quiet                 print only the image's name\n"
    "      --tls-verify=false      do not verify the registry's TLS certificate\n"
    "      --cert-dir DIR          CAs (*.crt) and client certificates (*.cert, *.key)\n"
    "  -h, --help                  this help\n"
    "\n"
    "Not built yet: registries.conf (insecure registries, mirrors, short-name search) and\n"
    "plain http:// registries.\n";

/* ---- progress: one line per layer ------------------------------------------------------- */

struct pull_line {
	char label[16];
	uint64_t done, total;
	double start;
	bool finished;
};

struct pull_progress {
	struct image_progress ops;
	bool tty;
	struct pull_line *lines;
	size_t n;
	double last;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct pull_line *line_of(struct pull_progress *p, const char *label, bool *ret_new)
{
	*ret_new = false;
	for (size_t i = 0; i < p->n; i++)
		if (!strcmp(p->lines[i].label, label))
			return &p->lines[i];
	p->lines = xrealloc(p->lines, (p->n + 1) * sizeof(*p->lines));
	p->lines[p->n] = (struct pull_line){ .start = now() };
	snprintf(p->lines[p->n].label, sizeof(p->lines[p->n].label), "%s", label);
	*ret_new = true;
	return &p->lines[p->n++];
}

static void format_line(const struct pull_line *l, char *buf, size_t len)
{
	char d[32], t[32], r[32];
	double el = now() - l->start;

	runtime_human_size(l->done, d, sizeof(d));
	runtime_human_size(l->total, t, sizeof(t));
	if (l->finished) {
		snprintf(buf, len, "%s: Pull complete %s", l->label, d);
		return;
	}
	runtime_human_size(el > 0.05 ? (uint64_t)((double)l->done / el) : 0, r, sizeof(r));
	snprintf(buf, len, "%s: Downloading %9s%s%s  %9s/s", l->label, d, l->total ? " / " : "",
		 l->total ? t : "", r);
}

/* Redraw line i in place: up to it, rewrite, back down (docker's way). */
static void draw(struct pull_progress *p, size_t i, bool is_new)
{
	char buf[160];
	size_t up = p->n - i;

	format_line(&p->lines[i], buf, sizeof(buf));
	if (is_new) {
		fprintf(stderr, "%s\n", buf);
	} else {
		fprintf(stderr, "\033[%zuA\r\033[K%s\r\033[%zuB", up, buf, up);
	}
	fflush(stderr);
}

static void on_update(void *data, const char *label, uint64_t done, uint64_t total)
{
	struct pull_progress *p = data;
	bool is_new;
	struct pull_line *l = line_of(p, label, &is_new);
	double t = now();

	l->done = done;
	l->total = total;
	if (!p->tty)
		return;
	if (!is_new && t - p->last < 0.1)
		return;
	p->last = t;
	draw(p, (size_t)(l - p->lines), is_new);
}

static void on_finish(void *data, const char *label, uint64_t total)
{
	struct pull_progress *p = data;
	bool is_new;
	struct pull_line *l = line_of(p, label, &is_new);
	char buf[160];

	l->done = total;
	l->finished = true;
	if (p->tty) {
		draw(p, (size_t)(l - p->lines), is_new);
	} else {
		format_line(l, buf, sizeof(buf));
		printf("%s\n", buf);
	}
}

static void print_line(const char *line, void *data)
{
	(void)data;
	printf("%s\n", line);
	fflush(stdout);
}

/* --tls-verify[=BOOL] and --cert-dir, shared by pull and login. */
int runtime_registry_option(int opt, const char *arg, struct image_pull_opts *o,
			    struct cmd_ctx *ctx)
{
	if (opt == 'T') {
		if (!arg || !strcmp(arg, "true"))
			o->tls_no_verify = false;
		else if (!strcmp(arg, "false"))
			o->tls_no_verify = true;
		else
			return qerr_set(&ctx->err, -EINVAL,
					"--tls-verify '%s': expected true or false", arg);
		return 0;
	}
	o->cert_dir = arg;
	return 0;
}

int cmd_pull(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option opts[] = {
		{ "platform", required_argument, NULL, 'p' },
		{ "all-platforms", no_argument, NULL, 'a' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "tls-verify", optional_argument, NULL, 'T' },
		{ "cert-dir", required_argument, NULL, 'C' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct image_pull_opts o = { 0 };
	struct spec_platform platform = { 0 };
	struct pull_progress prog = { .tty = isatty(STDERR_FILENO) };
	struct image_store *s = NULL;
	_cleanup_free_ char *ref = NULL;
	bool quiet = false;
	int opt, r = 0;

	optind = 1;
	while (r >= 0 && (opt = getopt_long(argc, argv, "+aqh", opts, NULL)) != -1) {
		switch (opt) {
		case 'p':
			spec_platform_release(&platform);
			r = spec_platform_parse(optarg, &platform, &ctx->err);
			o.platform = &platform;
			break;
		case 'a':
			o.all_platforms = true;
			break;
		case 'q':
			quiet = true;
			break;
		case 'T':
		case 'C':
			r = runtime_registry_option(opt, optarg, &o, ctx);
			break;
		case 'h':
			fputs(pull_usage, stdout);
			spec_platform_release(&platform);
			return 0;
		default:
			r = runtime_bad_option(ctx, "pull", argv);
		}
	}
	if (r >= 0 && optind != argc - 1)
		r = qerr_set(&ctx->err, -EINVAL,
			     "pull: expected one image name (see 'qrun pull --help')");
	if (r >= 0 && o.all_platforms && o.platform)
		r = qerr_set(&ctx->err, -EINVAL,
			     "pull: --platform and --all-platforms exclude each other");
	if (r >= 0)
		r = runtime_open_store(ctx, &s);
	if (r >= 0) {
		prog.ops = (struct image_progress){ .update = on_update,
						    .finish = on_finish,
						    .data = &prog };
		r = image_pull(s, argv[optind], &o, quiet ? NULL : &prog.ops,
			       quiet ? NULL : print_line, NULL, &ref, &ctx->err);
	}
	if (r >= 0)
		printf("%s\n", ref);
	free(prog.lines);
	image_store_close(s);
	spec_platform_release(&platform);
	return r < 0 ? r : 0;
}
