/*
 * The shim's side of an emulated identity: the owners table the tracers write (layout in
 * preload.h, tracer/owners-shm.c), mapped read-only, applied to what the stat family answers
 * in-process. Anything it cannot be sure of (no table, a tracer writing, the table full) is
 * left to the tracer: the caller makes the call again where it stops.
 */
#include <stddef.h>
#include <stdint.h>

#include <asm/stat.h>
#include <asm/unistd.h>
#include <linux/fcntl.h>
#include <linux/mman.h>
#include <linux/openat2.h>
#include <linux/stat.h>

#include "preload/owners.h"
#include "preload/preload.h"

static int identity; /* an identity is emulated: answers need owners */
static const struct qrun_owners *table;

void qrun_owners_setup(const char *setting, long (*fast)(long, long, long, long, long, long),
		       long (*trapped)(long, long, long, long, long, long))
{
	struct open_how how = { .flags = O_RDONLY | O_CLOEXEC | O_NOFOLLOW };
	long fd, p;

	if (setting[0] == '-' && !setting[1])
		return;
	identity = 1;
	if (setting[0] != '/')
		return; /* "!": every stat is the tracer's */
	fd = fast(__NR_openat2, AT_FDCWD, (long)setting, (long)&how, sizeof(how), 0);
	if (fd < 0)
		return;
	p = trapped(__NR_mmap, 0, (long)QRUN_OWNERS_SIZE, PROT_READ, MAP_SHARED, fd);
	(void)trapped(__NR_close, fd, 0, 0, 0, 0);
	if (p < 0 && p > -4096)
		return;
	table = (const struct qrun_owners *)p;
	if (table->magic != QRUN_OWNERS_MAGIC || table->n_slots != QRUN_OWNERS_SLOTS)
		table = NULL;
}

/* The owner fields of inode (dev, ino) in place: 0, or -1 when the tracer must answer. */
static int fix(uint64_t dev, uint64_t ino, uint32_t *uid, uint32_t *gid, uint32_t *mode,
	       uint64_t *rdev)
{
	const struct qrun_owners *o = table;
	struct qrun_owner_slot hit = { 0 };
	uint32_t seq, h;
	int found = 0;

	if (!identity)
		return 0;
	if (!o)
		return -1;
	seq = __atomic_load_n(&o->seq, __ATOMIC_ACQUIRE);
	if ((seq & 1) || o->full)
		return -1;
	h = qrun_owners_hash(dev, ino, o->n_slots);
	for (uint32_t i = 0; i < o->n_slots; i++) {
		const struct qrun_owner_slot *s = &o->slot[(h + i) & (o->n_slots - 1)];
		uint32_t state = s->state;

		if (state == QRUN_SLOT_EMPTY)
			break;
		if (state == QRUN_SLOT_LIVE && s->dev == dev && s->ino == ino) {
			hit = *s;
			found = 1;
			break;
		}
	}
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	if (__atomic_load_n(&o->seq, __ATOMIC_RELAXED) != seq)
		return -1;
	qrun_owner_view(found ? &hit : NULL, o->real_uid, o->real_gid, uid, gid, mode, rdev);
	return 0;
}

int qrun_owners_stat(struct stat *st)
{
	uint32_t uid = st->st_uid, gid = st->st_gid, mode = st->st_mode;
	uint64_t rdev = st->st_rdev;

	if (fix(st->st_dev, st->st_ino, &uid, &gid, &mode, &rdev) < 0)
		return -1;
	st->st_uid = uid;
	st->st_gid = gid;
	st->st_mode = mode;
	st->st_rdev = rdev;
	return 0;
}

int qrun_owners_statx(struct statx *sx)
{
	uint32_t uid = sx->stx_uid, gid = sx->stx_gid, mode = sx->stx_mode;
	uint64_t dev, rdev;

	/* the kernel's dev_t as stat gives it (the tracer keys entries by that) */
	dev = ((uint64_t)(sx->stx_dev_major & 0xfffff000u) << 32) |
	      ((uint64_t)(sx->stx_dev_major & 0xfffu) << 8) |
	      ((uint64_t)(sx->stx_dev_minor & 0xffffff00u) << 12) | (sx->stx_dev_minor & 0xffu);
	rdev = ((uint64_t)(sx->stx_rdev_major & 0xfffff000u) << 32) |
	       ((uint64_t)(sx->stx_rdev_major & 0xfffu) << 8) |
	       ((uint64_t)(sx->stx_rdev_minor & 0xffffff00u) << 12) | (sx->stx_rdev_minor & 0xffu);
	if (fix(dev, sx->stx_ino, &uid, &gid, &mode, &rdev) < 0)
		return -1;
	sx->stx_uid = uid;
	sx->stx_gid = gid;
	sx->stx_mode = (uint16_t)mode;
	sx->stx_rdev_major = (uint32_t)(((rdev >> 32) & 0xfffff000u) | ((rdev >> 8) & 0xfffu));
	sx->stx_rdev_minor = (uint32_t)(((rdev >> 12) & 0xffffff00u) | (rdev & 0xffu));
	return 0;
}
