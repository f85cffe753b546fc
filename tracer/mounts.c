/*
 * The mounts hook: a bind behaves as a mount point would. Its mount point cannot be removed
 * or renamed (EBUSY), and two paths in different binds are on different file systems as far
 * as the guest knows (rename and link answer EXDEV), as the table's SCF_REMOVES_NAME and
 * SCF_LINKS say.
 */
#include "tracer/tracer-internal.h"

static int resolved(struct tracer *tr, struct tracee *t, struct call *c)
{
	(void)t;
	if (c->def->flags & SCF_REMOVES_NAME) {
		for (int k = 0; k < c->n_paths; k++) {
			const struct call_path *a = &c->path[k];

			if (a->xlat && a->x->bind > 0 &&
			    strcmp(a->x->guest, tr->binds.v[a->x->bind].guest) == 0)
				return -EBUSY;
		}
	}
	if ((c->def->flags & SCF_LINKS) && c->n_paths == 2 && c->path[0].xlat && c->path[1].xlat &&
	    c->path[0].x->bind != c->path[1].x->bind)
		return -EXDEV;
	return HOOK_ON;
}

const struct hook mounts_hook = {
	.name = "mounts",
	.kinds = PATH_KINDS,
	.resolved = resolved,
};
