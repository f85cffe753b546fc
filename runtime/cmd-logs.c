/* qrun logs: what a container wrote, from its log (runtime/monitor.c), as docker shows it. */
#include "runtime/runtime.h"

#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <time.h>

static const char logs_usage[] =
    "Usage: qrun logs [OPTIONS] CONTAINER\n"
    "\n"
    "Print what a container's process wrote (stdout to stdout, stderr to stderr).\n"
    "\n"
    "Options:\n"
    "  -f, --follow         keep printing what it writes until it stops\n"
    "  -n, --tail N         only the last N lines (default: all)\n"
    "  -t, --timestamps     each line after its time (RFC 3339, nanoseconds)\n"
    "      --since WHEN     lines from WHEN on: RFC 3339 (2026-12-04T10:00:00Z) or an\n"
    "                       age (30s, 10m, 2h)\n"
    "  -h, --help           this help\n";

struct logs_opts {
	bool follow, timestamps;
	long tail;	/* < 0: all */
	char since[40]; /* an RFC 3339 time, "" for none: compared as text (same format) */
};

static int parse_since(const char *s, char out[40], struct qerr *err)
{
	char unit = 's';
	double v;
	int n = 0;

	if (strchr(s, 'T') || strchr(s, '-')) {
		(void)snprintf(out, 40, "%s", s);
		return 0;
	}
	if (sscanf(s, "%lf%c%n", &v, &unit, &n) >= 1 && v >= 0 && strchr("smhd", unit)) {
		time_t t = time(NULL) - (time_t)(v * (unit == 'd'   ? 86400
						      : unit == 'h' ? 3600
						      : unit == 'm' ? 60
								    : 1));
		struct tm tm;

		gmtime_r(&t, &tm);
		strftime(out, 40, "%Y-%m-%dT%H:%M:%S", &tm);
		return 0;
	}
	return qerr_set(err, -EINVAL, "logs: --since '%s': expected a time or an age (10m)", s);
}

/* Print one line of the log; false when it is not a log line. */
static bool print_entry(const char *line, size_t len, const struct logs_opts *o)
{
	struct spec_log_entry e;
	FILE *out;

	if (spec_log_entry_parse(line, len, &e, NULL) < 0)
		return false;
	if (!*o->since || strcmp(e.time, o->since) >= 0) {
		out = !strcmp(e.stream, "stderr") ? stderr : stdout;
		if (o->timestamps)
			fprintf(out, "%s ", e.time);
		fputs(e.log, out);
		fflush(out);
	}
	spec_log_entry_release(&e);
	return true;
}

/* The lines of buf (count them when print is false). */
static size_t each_line(const char *buf, size_t len, size_t skip, const struct logs_opts *o,
			bool print)
{
	size_t n = 0, start = 0;

	for (size_t i = 0; i < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (print && n >= skip)
			(void)print_entry(buf + start, i - start, o);
		n++;
		start = i + 1;
	}
	return n;
}

int cmd_logs(int argc, char **argv, struct cmd_ctx *ctx)
{
	static const struct option opts[] = {
		{ "follow", no_argument, NULL, 'f' },	  { "tail", required_argument, NULL, 'n' },
		{ "timestamps", no_argument, NULL, 't' }, { "since", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },	  { NULL, 0, NULL, 0 },
	};
	struct logs_opts o = { .tail = -1 };
	_cleanup_free_ char *root = NULL, *path = NULL, *old = NULL, *a = NULL, *b = NULL;
	struct container *c = NULL;
	ssize_t na, nb;
	size_t total, skip, in_b;
	int opt, r;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "+fn:th", opts, NULL)) != -1) {
		switch (opt) {
		case 'f':
			o.follow = true;
			break;
		case 'n':
			if (strcmp(optarg, "all") && parse_int(optarg, 0, LONG_MAX, &o.tail) < 0)
				return qerr_set(&ctx->err, -EINVAL,
						"logs: --tail '%s': expected a number or all",
						optarg);
			break;
		case 't':
			o.timestamps = true;
			break;
		case 's':
			if ((r = parse_since(optarg, o.since, &ctx->err)) < 0)
				return r;
			break;
		case 'h':
			fputs(logs_usage, stdout);
			return 0;
		default:
			return runtime_bad_option(ctx, "logs", argv);
		}
	}
	if (argc - optind != 1)
		return qerr_set(&ctx->err, -EINVAL, "logs: name one CONTAINER");
	r = runtime_store_root(ctx, &root);
	if (r >= 0)
		r = container_find(root, argv[optind], &c, &ctx->err);
	if (r < 0)
		return r;
	path = xasprintf("%s/log", c->dir);
	old = xasprintf("%s/log.1", c->dir);
	/* the rotated part first; whole lines only (a writer may be in the middle of one) */
	nb = read_file_at(AT_FDCWD, old, SIZE_MAX / 2, &b);
	na = read_file_at(AT_FDCWD, path, SIZE_MAX / 2, &a);
	in_b = nb > 0 ? each_line(b, (size_t)nb, 0, &o, false) : 0;
	total = in_b + (na > 0 ? each_line(a, (size_t)na, 0, &o, false) : 0);
	skip = o.tail >= 0 && (size_t)o.tail < total ? total - (size_t)o.tail : 0;
	if (nb > 0) {
		(void)each_line(b, (size_t)nb, skip, &o, true);
		skip = skip > in_b ? skip - in_b : 0;
	}
	if (na > 0)
		(void)each_line(a, (size_t)na, skip, &o, true);
	if (o.follow) {
		/* from the last whole line on, until the container ends and the log is read */
		size_t done = 0;

		for (ssize_t i = na - 1; i >= 0; i--) {
			if (a[i] == '\n') {
				done = (size_t)i + 1;
				break;
			}
		}
		for (;;) {
			struct container *n = NULL;
			bool running =
			    container_find(root, c->id, &n, NULL) >= 0 && container_running(n);
			_cleanup_free_ char *cur = NULL;
			ssize_t len = read_file_at(AT_FDCWD, path, SIZE_MAX / 2, &cur);

			container_free(n);
			if (len >= 0 && (size_t)len < done)
				done = 0; /* rotated */
			if (len > 0 && (size_t)len > done) {
				size_t end = done;

				for (size_t i = done; i < (size_t)len; i++)
					if (cur[i] == '\n')
						end = i + 1;
				(void)each_line(cur + done, end - done, 0, &o, true);
				done = end;
			}
			if (!running)
				break;
			nanosleep(&(struct timespec){ 0, 100 * 1000 * 1000 }, NULL);
		}
	}
	container_free(c);
	return 0;
}
