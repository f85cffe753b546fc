/*
 * The record hook: what a run changed. Today one bit, whether any call wrote into the rootfs
 * itself (binds aside): tracer_result.rootfs_written, which lets `qrun run --rm` keep an
 * untouched rootfs as a spare. The change set a build step turns into a layer will be
 * collected here too.
 */
#include "tracer/tracer-internal.h"

static int translated(struct tracer *tr, struct tracee *t, struct call *c, struct call_path *a)
{
	(void)t;
	(void)c;
	if (a->writes && a->x->bind == 0)
		tr->rootfs_written = true;
	return 0;
}

/* fchmod and friends: only where the answer is used (a container's rootfs, copy_up) */
static int resolved(struct tracer *tr, struct tracee *t, struct call *c)
{
	if (c->def->kind == SC_FD_WRITE && tr->config->copy_up && !tr->rootfs_written &&
	    fd_bind(tr, t, (int)c->r->args[0]) == 0)
		tr->rootfs_written = true;
	return HOOK_ON;
}

const struct hook record_hook = {
	.name = "record",
	.kinds = PATH_KINDS | SOCK_PATH_KINDS | KIND_BIT(SC_FD_WRITE),
	.translated = translated,
	.resolved = resolved,
};
