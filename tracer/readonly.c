/*
 * The read-only hook: writes through a path in a read-only bind (-b HOST:GUEST:ro, --read-only's
 * rootfs, docker's read-only /proc paths) or to the shim's file answer EROFS, as a read-only
 * mount would; so do calls on an fd of such a file (fchmod, utimensat(fd, NULL)) and a reopen
 * of one through /proc/self/fd/N for writing.
 */
#include "tracer/tracer-internal.h"

bool fd_readonly(struct tracer *tr, struct tracee *t, int fd)
{
	int b;

	if (!tr->has_readonly_binds)
		return false;
	b = fd_bind(tr, t, fd);
	return b >= 0 && tr->binds.v[b].readonly;
}

static int translated(struct tracer *tr, struct tracee *t, const struct path_arg *a, struct xlat *x)
{
	char host[PATH_MAX * 2];
	int b;

	if (!a->writes)
		return 0;
	if (tr->binds.v[x->bind].readonly || preload_is_shim(tr, x))
		return -EROFS;
	if (!tr->has_readonly_binds)
		return 0;
	/* reopening /proc/self/fd/N for writing must not get around a read-only bind */
	b = path_proc_target(tr, t, x->guest, host, sizeof(host));
	return b >= 0 && tr->binds.v[b].readonly ? -EROFS : 0;
}

static int on_fd(struct tracer *tr, struct tracee *t, const struct path_arg *a, struct xlat *x)
{
	(void)x;
	return a->writes && fd_readonly(tr, t, a->dirfd) ? -EROFS : 0;
}

const struct path_hook readonly_hook = {
	.name = "readonly",
	.translated = translated,
	.on_fd = on_fd,
};
