/*
 * The owners table on disk (tracer_identity.store): what chown and mknod recorded in a
 * container lasts across its runs, and two tracers of one container (`qrun start`, then
 * `qrun exec` into it) see each other's changes.
 *
 * Format: a journal. A 16-byte header "qrun-owners 1\n\0\0", then fixed 48-byte records, each
 * a little-endian struct owners_rec with a checksum (FNV-1a over its first 44 bytes); a record
 * either sets an inode's owner or forgets it. Records are applied in order, the last one for
 * an inode wins.
 *
 *   - Appends are single write(2)s of one record with O_APPEND: a killed qrun leaves every
 *     entry old or new. A record that does not check (a torn tail) is skipped; the next
 *     compaction drops it.
 *   - Every tracer of the container holds a shared flock for its run. One that gets the lock
 *     exclusively at start (no other tracer runs) compacts the journal into a new file of
 *     the live entries (a temp name, fsync, rename) before it goes on with a shared lock; a
 *     tracer that finds the path renamed under its lock opens it again.
 *   - Before it answers from the table, a tracer reads what others appended since its last
 *     look (an fstat, and a read only when the file grew).
 *
 * Entries are keyed by device and inode, like the table in memory: see owners.c.
 */
#include "tracer/tracer-internal.h"

#include <fcntl.h>
#include <sys/file.h>

#define HEADER	    "qrun-owners 1\n\0\0"
#define HEADER_SIZE 16

enum { REC_SET = 1, REC_FORGET = 2 };

struct owners_rec {
	uint32_t kind;
	uint32_t uid;
	uint64_t dev;
	uint64_t ino;
	uint32_t gid;
	uint32_t mode;
	uint64_t rdev;
	uint32_t sum;
};
_Static_assert(sizeof(struct owners_rec) == 48, "a record is 48 bytes");

static uint32_t rec_sum(const struct owners_rec *r)
{
	const unsigned char *p = (const unsigned char *)r;
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < offsetof(struct owners_rec, sum); i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

/* Apply the records from tr->owners.store_off to the end of the file. */
static void read_tail(struct tracer *tr)
{
	struct owners_rec recs[256];
	ssize_t n;

	for (;;) {
		n = pread(tr->owners.store_fd, recs, sizeof(recs), tr->owners.store_off);
		if (n < (ssize_t)sizeof(recs[0]))
			return;
		n -= n % (ssize_t)sizeof(recs[0]);
		tr->owners.store_off += n;
		for (size_t i = 0; i < (size_t)n / sizeof(recs[0]); i++) {
			const struct owners_rec *r = &recs[i];
			struct owner o = {
				.uid = r->uid, .gid = r->gid, .mode = r->mode, .rdev = r->rdev
			};

			if (r->sum != rec_sum(r))
				continue; /* torn */
			if (r->kind == REC_SET)
				owners_table_set(tr, r->dev, r->ino, &o);
			else if (r->kind == REC_FORGET)
				owners_table_forget(tr, r->dev, r->ino);
		}
	}
}

void owners_store_refresh(struct tracer *tr)
{
	struct stat st;

	if (tr->owners.store_fd < 0 || fstat(tr->owners.store_fd, &st) < 0 ||
	    st.st_size <= (off_t)tr->owners.store_off)
		return;
	read_tail(tr);
}

static void append(struct tracer *tr, uint32_t kind, uint64_t dev, uint64_t ino,
		   const struct owner *o)
{
	struct owners_rec r = { .kind = kind, .dev = dev, .ino = ino };

	if (tr->owners.store_fd < 0)
		return;
	if (o) {
		r.uid = o->uid;
		r.gid = o->gid;
		r.mode = o->mode;
		r.rdev = o->rdev;
	}
	r.sum = rec_sum(&r);
	if (write(tr->owners.store_fd, &r, sizeof(r)) != (ssize_t)sizeof(r) && !tr->owners.warned) {
		tr->owners.warned = true;
		qlog_warn("cannot write '%s' (%s): ownership changes will not last",
			  tr->config->identity.store, strerror(errno));
	}
}

void owners_store_set(struct tracer *tr, uint64_t dev, uint64_t ino, const struct owner *o)
{
	append(tr, REC_SET, dev, ino, o);
}

void owners_store_forget(struct tracer *tr, uint64_t dev, uint64_t ino)
{
	append(tr, REC_FORGET, dev, ino, NULL);
}

struct compact_ctx {
	int fd;
	bool ok;
};

static void compact_one(void *ctx, uint64_t dev, uint64_t ino, const struct owner *o)
{
	struct compact_ctx *c = ctx;
	struct owners_rec r = { .kind = REC_SET,
				.uid = o->uid,
				.dev = dev,
				.ino = ino,
				.gid = o->gid,
				.mode = o->mode,
				.rdev = o->rdev };

	r.sum = rec_sum(&r);
	if (c->ok)
		c->ok = write(c->fd, &r, sizeof(r)) == (ssize_t)sizeof(r);
}

/* Write the live entries to a new journal and rename it over path (we hold it alone). */
static void compact(struct tracer *tr, const char *path)
{
	_cleanup_free_ char *tmp = xasprintf("%s.tmp%d", path, (int)getpid());
	struct compact_ctx c = { open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600), false };

	c.ok = c.fd >= 0 && write(c.fd, HEADER, HEADER_SIZE) == HEADER_SIZE;
	owners_table_each(tr, compact_one, &c);
	if (c.ok && fsync(c.fd) == 0 && rename(tmp, path) == 0) {
		(void)close(c.fd);
		return;
	}
	if (c.fd >= 0)
		(void)close(c.fd);
	(void)unlink(tmp);
}

int owners_store_open(struct tracer *tr, struct qerr *err)
{
	const char *path = tr->config->identity.store;
	char head[HEADER_SIZE];
	struct stat st, now;
	bool compacted = false;
	int fd;

	tr->owners.store_fd = -1;
	if (!tr->config->identity.emulate || !path)
		return 0;
	for (int tries = 0; tries < 10; tries++) {
		fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (fd < 0)
			return qerr_set_errno(err, -errno, "ownership store '%s'", path);
		if (!compacted && flock(fd, LOCK_EX | LOCK_NB) == 0) {
			/* alone: read, compact, and go on with the new file */
			tr->owners.store_fd = fd;
			if (pread(fd, head, HEADER_SIZE, 0) == HEADER_SIZE &&
			    memcmp(head, HEADER, HEADER_SIZE) == 0) {
				tr->owners.store_off = HEADER_SIZE;
				read_tail(tr);
			}
			compact(tr, path);
			compacted = true;
			tr->owners.store_fd = -1;
			(void)close(fd); /* the next round takes the new file, shared */
			continue;
		}
		if (flock(fd, LOCK_SH) < 0 || fstat(fd, &st) < 0 || stat(path, &now) < 0 ||
		    st.st_ino != now.st_ino || st.st_dev != now.st_dev) {
			(void)close(fd); /* compacted under us: the new file */
			continue;
		}
		if (pread(fd, head, HEADER_SIZE, 0) != HEADER_SIZE ||
		    memcmp(head, HEADER, HEADER_SIZE) != 0) {
			(void)close(fd);
			return qerr_set(err, -EINVAL,
					"ownership store '%s': not a qrun-owners file", path);
		}
		tr->owners.store_fd = fd;
		tr->owners.store_off = HEADER_SIZE;
		tr->owners.store_alone = compacted;
		owners_table_clear(tr); /* the file holds all: the seeds and every change */
		read_tail(tr);
		return 0;
	}
	return qerr_set(err, -EAGAIN, "ownership store '%s': could not be opened", path);
}

void owners_store_close(struct tracer *tr)
{
	if (tr->owners.store_fd >= 0)
		(void)close(tr->owners.store_fd);
	tr->owners.store_fd = -1;
}

int owners_store_read(struct tracer *tr, struct qerr *err)
{
	const char *path = tr->config->identity.store;
	char head[HEADER_SIZE];
	struct stat st, now;

	if (!path)
		return 0;
	for (int tries = 0; tries < 10; tries++) {
		_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);

		if (fd < 0 && errno == ENOENT)
			return 0; /* no run recorded anything: the seeds are all */
		if (fd < 0)
			return qerr_set_errno(err, -errno, "ownership store '%s'", path);
		/* shared: a compaction (exclusive, then a rename) is done before this returns */
		if (flock(fd, LOCK_SH) < 0 || fstat(fd, &st) < 0 || stat(path, &now) < 0 ||
		    st.st_ino != now.st_ino || st.st_dev != now.st_dev)
			continue;
		if (st.st_size == 0)
			return 0; /* made by a tracer that has not written its header yet */
		if (pread(fd, head, HEADER_SIZE, 0) != HEADER_SIZE ||
		    memcmp(head, HEADER, HEADER_SIZE) != 0)
			return qerr_set(err, -EINVAL,
					"ownership store '%s': not a qrun-owners file", path);
		owners_table_clear(tr);
		tr->owners.store_fd = fd;
		tr->owners.store_off = HEADER_SIZE;
		read_tail(tr);
		tr->owners.store_fd = -1;
		return 0;
	}
	return qerr_set(err, -EAGAIN, "ownership store '%s': could not be read", path);
}
