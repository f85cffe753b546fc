/*
 * The owners a container's guests see, for those who read its files after (or beside) a run:
 * export, commit and build take uid, gid and mode for their tar headers from here, so a
 * layer carries what chown recorded and never the host user's ids. The same table as a run's
 * (owners.c): seeded from the identity's owners, then the journal, read and not written.
 */
#include "tracer/tracer-internal.h"

struct tracer_owners {
	struct tracer tr;
	struct tracer_config config;
};

int tracer_owners_open(const char *rootfs, const struct tracer_identity *identity,
		       struct tracer_owners **ret, struct qerr *err)
{
	struct tracer_owners *o = xcalloc(1, sizeof(*o));
	int r;

	o->config.rootfs = rootfs;
	o->config.identity = *identity;
	o->tr.config = &o->config;
	o->tr.owners.store_fd = -1;
	o->tr.owners.shm_fd = -1;
	o->tr.real_uid = getuid();
	o->tr.real_gid = getgid();
	if (identity->emulate) {
		owners_seed(&o->tr);
		r = owners_store_read(&o->tr, err);
		if (r < 0) {
			tracer_owners_free(o);
			return r;
		}
	}
	*ret = o;
	return 0;
}

void tracer_owners_get(const struct tracer_owners *o, const struct stat *st, uint32_t *ret_uid,
		       uint32_t *ret_gid, uint32_t *ret_mode, uint64_t *ret_rdev)
{
	struct owner w = {
		.uid = st->st_uid, .gid = st->st_gid, .mode = st->st_mode, .rdev = st->st_rdev
	};

	if (o->config.identity.emulate)
		owners_of(&o->tr, st, &w);
	*ret_uid = w.uid;
	*ret_gid = w.gid;
	*ret_mode = w.mode;
	*ret_rdev = w.rdev;
}

struct tracer_owners *tracer_owners_free(struct tracer_owners *o)
{
	if (!o)
		return NULL;
	owners_release(&o->tr);
	free(o);
	return NULL;
}
