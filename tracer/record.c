/*
 * The record hook: what a run changed. Today one bit, whether any call wrote into the rootfs
 * itself (binds aside): tracer_result.rootfs_written, which lets `qrun run --rm` keep an
 * untouched rootfs as a spare. The change set a build step turns into a layer will be
 * collected here too.
 */
#include "tracer/tracer-internal.h"

static int translated(struct tracer *tr, struct tracee *t, const struct path_arg *a, struct xlat *x)
{
	(void)t;
	if (a->writes && x->bind == 0)
		tr->rootfs_written = true;
	return 0;
}

const struct path_hook record_hook = {
	.name = "record",
	.translated = translated,
};
