/*
 * The read-only hook: writes through a path in a read-only bind (-b HOST:GUEST:ro, --read-only's
 * rootfs, docker's read-only /proc paths) answer EROFS, as a read-only mount would; so do calls
 * on an fd of such a file (fchmod, utimensat(fd, NULL)), a reopen of one through
 * /proc/self/fd/N for writing, and the creation of a socket in one.
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

static int translated(struct tracer *tr, struct tracee *t, struct call *c, struct call_path *a)
{
	char host[PATH_MAX * 2];
	int b;

	(void)c;
	if (!a->writes)
		return 0;
	if (tr->binds.v[a->x->bind].readonly)
		return -EROFS;
	if (!tr->has_readonly_binds)
		return 0;
	/* reopening /proc/self/fd/N for writing must not get around a read-only bind */
	b = path_proc_target(tr, t, a->x->guest, host, sizeof(host));
	return b >= 0 && tr->binds.v[b].readonly ? -EROFS : 0;
}

static int on_fd(struct tracer *tr, struct tracee *t, struct call *c, struct call_path *a)
{
	(void)c;
	return a->writes && fd_readonly(tr, t, a->dirfd) ? -EROFS : 0;
}

/* fchmod and friends */
static int resolved(struct tracer *tr, struct tracee *t, struct call *c)
{
	if (c->def->kind == SC_FD_WRITE && fd_readonly(tr, t, (int)c->r->args[0]))
		return -EROFS;
	return HOOK_ON;
}

const struct hook readonly_hook = {
	.name = "readonly",
	.kinds = PATH_KINDS | SOCK_PATH_KINDS | KIND_BIT(SC_FD_WRITE),
	.translated = translated,
	.on_fd = on_fd,
	.resolved = resolved,
};
