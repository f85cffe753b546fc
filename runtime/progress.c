/*
 * Progress lines for long transfers (load, import, unpack), drawn on stderr when it is a
 * terminal, like docker's: "layer 1/3 1a2b3c4d5e6f   12.3MB / 45.6MB   10.2MB/s".
 */
#include "runtime/runtime.h"

#include <time.h>

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void runtime_human_size(uint64_t n, char *buf, size_t len)
{
	static const char *const units[] = { "B", "kB", "MB", "GB", "TB" };
	double v = (double)n;
	size_t u = 0;

	while (v >= 1000 && u + 1 < ARRAY_SIZE(units)) {
		v /= 1000;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%lluB", (unsigned long long)n);
	else
		snprintf(buf, len, "%.3g%s", v, units[u]);
}

static void draw(struct runtime_progress *p, const char *label, uint64_t done, uint64_t total,
		 bool final)
{
	char d[32], t[32], r[32];
	double el = now() - p->start;

	if (!p->label || strcmp(p->label, label) != 0) {
		free(p->label);
		p->label = xstrdup(label);
		p->start = now();
		el = 0;
	}
	runtime_human_size(done, d, sizeof(d));
	runtime_human_size(total, t, sizeof(t));
	runtime_human_size(el > 0.05 ? (uint64_t)((double)done / el) : 0, r, sizeof(r));
	fprintf(stderr, "\r\033[K%-28s %9s%s%s  %9s/s%s", label, d, total ? " / " : "",
		total ? t : "", r, final ? "\n" : "");
	fflush(stderr);
}

static void on_update(void *data, const char *label, uint64_t done, uint64_t total)
{
	struct runtime_progress *p = data;
	double t = now();

	if (t - p->last < 0.1 && p->label && !strcmp(p->label, label))
		return;
	p->last = t;
	draw(p, label, done, total, false);
}

static void on_finish(void *data, const char *label, uint64_t total)
{
	draw(data, label, total, total, true);
}

const struct image_progress *runtime_progress_init(struct runtime_progress *p, bool quiet)
{
	*p = (struct runtime_progress){ .start = now() };
	if (quiet || !isatty(STDERR_FILENO))
		return NULL;
	p->ops = (struct image_progress){ .update = on_update, .finish = on_finish, .data = p };
	return &p->ops;
}

void runtime_progress_release(struct runtime_progress *p)
{
	free(p->label);
	p->label = NULL;
}

int runtime_open_store(struct cmd_ctx *ctx, struct image_store **ret)
{
	_cleanup_free_ char *root = NULL;
	int r = runtime_store_root(ctx, &root);

	if (r < 0)
		return r;
	r = image_store_open(root, ret, &ctx->err);
	if (r >= 0)
		container_pin_images(*ret); /* gc keeps what containers were made from */
	return r;
}

void runtime_print_line(const char *line, void *data)
{
	(void)data;
	printf("%s\n", line);
}
