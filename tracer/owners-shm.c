/*
 * The owners table as the in-process shim reads it (layout in preload/preload.h): a file mapped
 * by every tracer of a container (read-write) and by the shim of each traced process
 * (read-only), so that a stat the shim answers without a stop shows the emulated owners.
 *
 * With a store (a container), the file is the store's path + ".shm" and is shared by the
 * container's tracers: the one that starts alone fills it from its table; each writes its own
 * changes under an exclusive flock of the file (writes are rare: chown, mknod, a delete), in
 * a seqlock the readers check. Without a store (`qrun chroot --root-id`), a temporary file
 * that goes with the tracer. The Landlock wall lets guests read the file, nothing more (wall.c).
 */
#include "tracer/tracer-internal.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>

#include "preload/preload.h"

static void write_begin(struct tracer *tr)
{
	struct qrun_owners *o = tr->owners.shm;

	uint32_t seq;

	if (tr->owners.shm_shared)
		(void)flock(tr->owners.shm_fd, LOCK_EX);
	/* odd from here on (still odd if a killed writer left it so) */
	seq = o->seq;
	__atomic_store_n(&o->seq, (seq | 1) + (seq & 1 ? 2 : 0), __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

static void write_end(struct tracer *tr)
{
	struct qrun_owners *o = tr->owners.shm;

	__atomic_store_n(&o->seq, o->seq + 1, __ATOMIC_RELEASE);
	if (tr->owners.shm_shared)
		(void)flock(tr->owners.shm_fd, LOCK_UN);
}

/* The slot of (dev, ino), or of where it would go (the first free one), or NULL when full. */
static struct qrun_owner_slot *slot_for(struct qrun_owners *o, uint64_t dev, uint64_t ino,
					bool *found)
{
	struct qrun_owner_slot *free_slot = NULL;
	uint32_t h = qrun_owners_hash(dev, ino, o->n_slots);

	*found = false;
	for (uint32_t i = 0; i < o->n_slots; i++) {
		struct qrun_owner_slot *s = &o->slot[(h + i) & (o->n_slots - 1)];

		if (s->state == QRUN_SLOT_EMPTY)
			return free_slot ? free_slot : s;
		if (s->state == QRUN_SLOT_GONE) {
			if (!free_slot)
				free_slot = s;
			continue;
		}
		if (s->dev == dev && s->ino == ino) {
			*found = true;
			return s;
		}
	}
	return free_slot;
}

static void put(struct qrun_owners *o, uint64_t dev, uint64_t ino, const struct owner *w)
{
	bool found;
	struct qrun_owner_slot *s = slot_for(o, dev, ino, &found);

	if (!s) {
		o->full = 1;
		return;
	}
	*s = (struct qrun_owner_slot){ .dev = dev,
				       .ino = ino,
				       .rdev = w->rdev,
				       .uid = w->uid,
				       .gid = w->gid,
				       .mode = w->mode,
				       .state = QRUN_SLOT_LIVE };
}

static void put_one(void *ctx, uint64_t dev, uint64_t ino, const struct owner *w)
{
	put(ctx, dev, ino, w);
}

/* Empty the table and fill it from tr's (under write_begin). */
static void refill(struct tracer *tr)
{
	struct qrun_owners *o = tr->owners.shm;

	memset(o->slot, 0, (size_t)o->n_slots * sizeof(o->slot[0]));
	o->full = 0;
	owners_table_each(tr, put_one, o);
}

void owners_shm_set(struct tracer *tr, uint64_t dev, uint64_t ino, const struct owner *w)
{
	if (!tr->owners.shm)
		return;
	write_begin(tr);
	put(tr->owners.shm, dev, ino, w);
	write_end(tr);
}

void owners_shm_forget(struct tracer *tr, uint64_t dev, uint64_t ino)
{
	struct qrun_owners *o = tr->owners.shm;
	struct qrun_owner_slot *s;
	bool found;

	if (!o)
		return;
	write_begin(tr);
	s = slot_for(o, dev, ino, &found);
	if (found)
		s->state = QRUN_SLOT_GONE;
	if (++tr->owners.shm_gone > o->n_slots / 4) {
		/* too many tombstones make lookups long: start over from the table, with what
		 * the other tracers of the container appended */
		tr->owners.shm_gone = 0;
		owners_store_refresh(tr);
		refill(tr);
	}
	write_end(tr);
}

int owners_shm_open(struct tracer *tr, bool alone)
{
	const char *store = tr->config->identity.store;
	_cleanup_free_ char *path = NULL;
	struct qrun_owners *o;
	bool fresh;
	int fd;

	if (!tr->config->identity.emulate || !tr->config->preload)
		return 0;
	if (store) {
		path = xasprintf("%s.shm", store);
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		tr->owners.shm_shared = true;
	} else {
		const char *dir = getenv("XDG_RUNTIME_DIR");

		path = xasprintf("%s/qrun-owners-XXXXXX", dir && *dir == '/' ? dir : "/tmp");
		fd = mkostemp(path, O_CLOEXEC);
		alone = true;
	}
	if (fd < 0)
		return -errno;
	fresh = alone;
	if (ftruncate(fd, (off_t)QRUN_OWNERS_SIZE) < 0) {
		(void)close(fd);
		return -errno;
	}
	o = mmap(NULL, QRUN_OWNERS_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (o == MAP_FAILED) {
		(void)close(fd);
		return -errno;
	}
	tr->owners.shm = o;
	tr->owners.shm_fd = fd;
	tr->owners.shm_path = TAKE_PTR(path);
	tr->owners.shm_temp = !store;
	if (fresh || o->magic != QRUN_OWNERS_MAGIC || o->n_slots != QRUN_OWNERS_SLOTS) {
		write_begin(tr);
		o->magic = QRUN_OWNERS_MAGIC;
		o->n_slots = QRUN_OWNERS_SLOTS;
		o->real_uid = tr->real_uid;
		o->real_gid = tr->real_gid;
		refill(tr);
		write_end(tr);
	}
	return 0;
}

void owners_shm_close(struct tracer *tr)
{
	if (tr->owners.shm)
		(void)munmap(tr->owners.shm, QRUN_OWNERS_SIZE);
	if (tr->owners.shm_fd >= 0)
		(void)close(tr->owners.shm_fd);
	if (tr->owners.shm_temp && tr->owners.shm_path)
		(void)unlink(tr->owners.shm_path);
	free(tr->owners.shm_path);
	tr->owners.shm = NULL;
	tr->owners.shm_fd = -1;
	tr->owners.shm_path = NULL;
}
