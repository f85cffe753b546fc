/*
 * The owners hook: ownership as an emulated identity sees it (tracer_config.identity). The host
 * never changes owners (a user who is not root cannot); instead the tracer keeps a table of
 * what chown and mknod recorded, keyed by the inode (device and inode number: it follows
 * renames and hard links, and copy-up moves an entry to the copy), and the stat family answers
 * from it:
 *
 *   - a file with no entry belongs to whoever the host says, with the real user and group
 *     shown as root (uid and gid 0), as a user namespace maps them for rootless podman;
 *   - chown, lchown, fchownat (AT_EMPTY_PATH too) and fchown record the new owner after the
 *     kernel's checks against the emulated credentials (only root changes the owner; the
 *     owner may give the file to one of its groups);
 *   - mknod of a character or block device, which only root may do, makes an empty regular
 *     file on the host and records the type and device number;
 *   - a file made by an emulated user other than root (open with O_CREAT, mkdir, mknod,
 *     symlink) is recorded as that user's and group's;
 *   - the entry of an inode that loses its last name is dropped, so that a new file that gets
 *     the same inode number does not inherit it.
 *
 * The table starts from what a rootless unpack recorded for the image (owners, device nodes:
 * tracer_identity.owners) and lives for one run: ownership that lasts across runs (the store
 * of issue 13) is not built yet. Mode bits are always the host file's.
 */
#include "tracer/tracer-internal.h"

#include <fcntl.h>
#include <linux/fs.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>

#include "preload/preload.h"

#define NO_ID 0xffffffffu

struct owner_entry {
	uint64_t dev, ino;
	struct owner o;
	struct owner_entry *next;
};

static size_t bucket(const struct tracer *tr, uint64_t dev, uint64_t ino)
{
	return (size_t)((ino * 0x9e3779b97f4a7c15ULL) ^ dev) & (tr->owners.n_buckets - 1);
}

static struct owner_entry *find(const struct tracer *tr, uint64_t dev, uint64_t ino)
{
	if (!tr->owners.n)
		return NULL;
	for (struct owner_entry *e = tr->owners.v[bucket(tr, dev, ino)]; e; e = e->next) {
		if (e->dev == dev && e->ino == ino)
			return e;
	}
	return NULL;
}

static void grow(struct tracer *tr)
{
	size_t nb = tr->owners.n_buckets ? tr->owners.n_buckets * 4 : 1024;
	struct owner_entry **old = tr->owners.v;
	size_t old_n = tr->owners.n_buckets;

	tr->owners.v = xcalloc(nb, sizeof(*tr->owners.v));
	tr->owners.n_buckets = nb;
	for (size_t i = 0; i < old_n; i++) {
		for (struct owner_entry *e = old[i], *next; e; e = next) {
			size_t b = bucket(tr, e->dev, e->ino);

			next = e->next;
			e->next = tr->owners.v[b];
			tr->owners.v[b] = e;
		}
	}
	free(old);
}

void owners_table_set(struct tracer *tr, uint64_t dev, uint64_t ino, const struct owner *o)
{
	struct owner_entry *e = find(tr, dev, ino);
	size_t b;

	if (!e) {
		if (tr->owners.n + 1 > tr->owners.n_buckets)
			grow(tr);
		e = xcalloc(1, sizeof(*e));
		e->dev = dev;
		e->ino = ino;
		b = bucket(tr, dev, ino);
		e->next = tr->owners.v[b];
		tr->owners.v[b] = e;
		tr->owners.n++;
	}
	e->o = *o;
}

void owners_table_forget(struct tracer *tr, uint64_t dev, uint64_t ino)
{
	struct owner_entry **p;

	if (!tr->owners.n)
		return;
	for (p = &tr->owners.v[bucket(tr, dev, ino)]; *p; p = &(*p)->next) {
		if ((*p)->dev == dev && (*p)->ino == ino) {
			struct owner_entry *e = *p;

			*p = e->next;
			free(e);
			tr->owners.n--;
			return;
		}
	}
}

void owners_table_each(const struct tracer *tr,
		       void (*fn)(void *ctx, uint64_t dev, uint64_t ino, const struct owner *o),
		       void *ctx)
{
	for (size_t i = 0; i < tr->owners.n_buckets; i++) {
		for (const struct owner_entry *e = tr->owners.v[i]; e; e = e->next)
			fn(ctx, e->dev, e->ino, &e->o);
	}
}

void owners_table_clear(struct tracer *tr)
{
	for (size_t i = 0; i < tr->owners.n_buckets; i++) {
		for (struct owner_entry *e = tr->owners.v[i], *next; e; e = next) {
			next = e->next;
			free(e);
		}
		tr->owners.v[i] = NULL;
	}
	tr->owners.n = 0;
}

/* A change made by the guest: in the table and in the store. */
static void record(struct tracer *tr, uint64_t dev, uint64_t ino, const struct owner *o)
{
	owners_table_set(tr, dev, ino, o);
	owners_store_set(tr, dev, ino, o);
	owners_shm_set(tr, dev, ino, o);
	tr->rootfs_written = true;
}

static void forget(struct tracer *tr, uint64_t dev, uint64_t ino)
{
	if (!find(tr, dev, ino))
		return;
	owners_table_forget(tr, dev, ino);
	owners_store_forget(tr, dev, ino);
	owners_shm_forget(tr, dev, ino);
}

void owners_seed(struct tracer *tr)
{
	const struct tracer_identity *id = &tr->config->identity;
	_cleanup_close_ int root = -1;

	if (!id->emulate || !id->n_owners)
		return;
	root = open(tr->config->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	for (size_t i = 0; root >= 0 && i < id->n_owners; i++) {
		const struct tracer_owner *w = &id->owners[i];
		/* beneath the rootfs and through no symlink: the paths come from an image */
		struct open_how how = { .flags = O_PATH | O_NOFOLLOW | O_CLOEXEC,
					.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS };
		struct owner o = { .uid = w->uid, .gid = w->gid, .rdev = w->rdev };
		_cleanup_close_ int fd =
		    (int)syscall(SYS_openat2, root, w->path, &how, sizeof(how));
		struct stat st;

		if (fd < 0 || fstat(fd, &st) < 0)
			continue;
		if ((st.st_mode & S_IFMT) != (w->mode & S_IFMT))
			o.mode = w->mode & S_IFMT; /* a device node unpacked as a regular file */
		if ((st.st_mode & 07777) != (w->mode & 07777))
			o.mode |= QRUN_MODE_PERMS | (w->mode & 07777); /* widened for the user */
		owners_table_set(tr, st.st_dev, st.st_ino, &o);
	}
}

void owners_release(struct tracer *tr)
{
	owners_shm_close(tr);
	owners_store_close(tr);
	owners_table_clear(tr);
	free(tr->owners.v);
	memset(&tr->owners, 0, sizeof(tr->owners));
	tr->owners.store_fd = -1;
	tr->owners.shm_fd = -1;
}

/* The owner of an inode of which the host says st: recorded, else the host's, mapped. */
static void owner_of(const struct tracer *tr, uint64_t dev, uint64_t ino, uint32_t uid,
		     uint32_t gid, uint32_t mode, uint64_t rdev, struct owner *ret)
{
	const struct owner_entry *e = find(tr, dev, ino);
	struct qrun_owner_slot s;

	if (e)
		s = (struct qrun_owner_slot){
			.uid = e->o.uid, .gid = e->o.gid, .mode = e->o.mode, .rdev = e->o.rdev
		};
	qrun_owner_view(e ? &s : NULL, tr->real_uid, tr->real_gid, &uid, &gid, &mode, &rdev);
	*ret = (struct owner){ .uid = uid, .gid = gid, .mode = mode, .rdev = rdev };
}

void owners_of(const struct tracer *tr, const struct stat *st, struct owner *ret)
{
	owner_of(tr, st->st_dev, st->st_ino, st->st_uid, st->st_gid, st->st_mode, st->st_rdev, ret);
}

void owners_moved(struct tracer *tr, const struct stat *from, const char *host)
{
	struct owner_entry *e = find(tr, from->st_dev, from->st_ino);
	struct owner o;
	struct stat st;

	if (!e || lstat(host, &st) < 0)
		return;
	o = e->o;
	record(tr, st.st_dev, st.st_ino, &o);
}

/* ---- chown ------------------------------------------------------------------------------ */

/*
 * chown of the inode st by the tracee, the kernel's rules (chown_ok, chgrp_ok): only a process
 * with CAP_CHOWN (emulated root) changes the owner; the owner may change the group to one of its
 * own groups. Records the result and answers the call.
 */
static int do_chown(struct tracer *tr, struct tracee *t, const struct stat *st, uint32_t uid,
		    uint32_t gid)
{
	const struct cred *c = ids_cred(tr, t);
	const struct owner_entry *e;
	struct owner o;
	uint32_t view;

	owners_store_refresh(tr);
	owners_of(tr, st, &o);
	view = o.mode;
	if (c->euid != 0) {
		if (uid != NO_ID && !(c->fsuid == o.uid && uid == o.uid))
			return -EPERM;
		if (gid != NO_ID && !(c->fsuid == o.uid && (gid == o.gid || ids_in_group(c, gid))))
			return -EPERM;
	}
	if (uid != NO_ID)
		o.uid = uid;
	if (gid != NO_ID)
		o.gid = gid;
	/* the type (and mode) an entry gives stays; else the host's are the truth */
	e = find(tr, st->st_dev, st->st_ino);
	o.rdev = e ? e->o.rdev : 0;
	/* as the kernel does (for root too): a chown of a non-directory drops setuid, and
	 * setgid where it means a group to run as */
	if (!S_ISDIR(view) &&
	    ((view & S_ISUID) || (view & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP)))
		o.mode = (e ? e->o.mode & S_IFMT : 0) | QRUN_MODE_PERMS |
			 (view & 07777 & ~(uint32_t)(S_ISUID | ((view & S_IXGRP) ? S_ISGID : 0)));
	else
		o.mode = e ? e->o.mode : 0;
	record(tr, st->st_dev, st->st_ino, &o);
	TRACE(tr, 1, "%d chown inode %llu -> %u:%u", t->pid, (unsigned long long)st->st_ino, o.uid,
	      o.gid);
	return call_answer(tr, t, 0);
}

static int chown_path(struct tracer *tr, struct tracee *t, struct call *c, struct call_path *a)
{
	struct stat st;
	int out = c->def->out;

	if ((a->follow ? stat(a->x->host, &st) : lstat(a->x->host, &st)) < 0)
		return -errno;
	return do_chown(tr, t, &st, (uint32_t)c->r->args[out], (uint32_t)c->r->args[out + 1]);
}

/* stat of the tracee's fd (AT_FDCWD: its cwd): 0 or -errno (EBADF for no such fd). */
static int fd_stat(struct tracee *t, int fd, struct stat *st)
{
	char link[48];

	(void)snprintf(link, sizeof(link), "/proc/%d/fd/%d", t->pid, fd);
	if (fd == AT_FDCWD)
		(void)snprintf(link, sizeof(link), "/proc/%d/cwd", t->pid);
	if (stat(link, st) < 0)
		return errno == ENOENT ? -EBADF : -errno;
	return 0;
}

static int chown_fd(struct tracer *tr, struct tracee *t, struct call *c, int fd)
{
	struct stat st;
	int out = c->def->out, e = fd_stat(t, fd, &st);

	if (e < 0)
		return e;
	return do_chown(tr, t, &st, (uint32_t)c->r->args[out], (uint32_t)c->r->args[out + 1]);
}

/* ---- chmod ------------------------------------------------------------------------------ */

/*
 * chmod of the inode st by the tracee: the owner or CAP_FOWNER (emulated root) may; setgid
 * goes when the caller is neither in the file's group nor has CAP_FSETID. The host file keeps
 * at least u+rw (u+rwx for a directory), so that a 0000 file stays usable by emulated root
 * (DAC override) and the real user; the modes it must not show are recorded. reg: the mode's
 * argument, rewritten for the host.
 */
static int do_chmod(struct tracer *tr, struct tracee *t, const struct stat *st, uint32_t mode,
		    int reg)
{
	const struct cred *c = ids_cred(tr, t);
	const uint32_t keep = S_ISDIR(st->st_mode) ? 0700 : 0600;
	const struct owner_entry *e;
	struct owner o;

	owners_store_refresh(tr);
	owners_of(tr, st, &o);
	if (c->euid != 0 && c->fsuid != o.uid)
		return -EPERM;
	mode &= 07777;
	if (c->euid != 0 && !ids_in_group(c, o.gid))
		mode &= ~(uint32_t)S_ISGID;
	if (regs_set_arg(t->pid, reg, mode | keep) < 0)
		return -EIO;
	e = find(tr, st->st_dev, st->st_ino);
	if ((mode & keep) == keep && (!e || !(e->o.mode & QRUN_MODE_PERMS)))
		return HOOK_ON; /* the host shows it as it is */
	if (e)
		o = e->o;
	else
		o = (struct owner){ .uid = o.uid, .gid = o.gid };
	o.mode = (o.mode & S_IFMT) | QRUN_MODE_PERMS | mode;
	record(tr, st->st_dev, st->st_ino, &o);
	return HOOK_ON;
}

/* ---- exit stops: what the kernel made or answered ------------------------------------------ */

/* mknod of a device by emulated root: an empty regular file, the truth recorded at exit. */
static int mknod_device(struct tracer *tr, struct tracee *t, struct call *c, struct call_path *a)
{
	int mi = a->p->path + 1;
	uint32_t mode = (uint32_t)c->r->args[mi];

	if (!S_ISCHR(mode) && !S_ISBLK(mode))
		return 0;
	if (ids_cred(tr, t)->euid != 0)
		return -EPERM; /* CAP_MKNOD */
	if (regs_set_arg(t->pid, mi, S_IFREG | (mode & 07777)) < 0 ||
	    regs_set_arg(t->pid, mi + 1, 0) < 0)
		return -EIO;
	t->owx.mode = mode & S_IFMT;
	t->owx.rdev = c->r->args[mi + 1];
	return 1;
}

static int translated(struct tracer *tr, struct tracee *t, struct call *c, struct call_path *a)
{
	const struct sc_def *def = c->def;
	struct stat st;
	int e;

	if (!tr->config->identity.emulate)
		return HOOK_ON;
	if (def->flags & SCF_OWNER)
		return chown_path(tr, t, c, a);
	if (def->flags & SCF_CHMOD) {
		if ((a->follow ? stat(a->x->host, &st) : lstat(a->x->host, &st)) < 0 ||
		    S_ISLNK(st.st_mode))
			return HOOK_ON; /* the kernel's answer */
		return do_chmod(tr, t, &st, (uint32_t)c->r->args[def->out], def->out);
	}
	if (def->flags & SCF_REMOVES_NAME)
		owners_store_refresh(tr);
	if (def->flags & SCF_REMOVES_NAME && tr->owners.n) {
		/* rename's source keeps its inode; its target (and unlink's name) may lose it */
		bool target = def->flags & SCF_LINKS ? a == &c->path[1] : true;

		if (target && !(c->r->nr == SYS_renameat2 && (c->r->args[4] & RENAME_EXCHANGE)) &&
		    lstat(a->x->host, &st) == 0 && find(tr, st.st_dev, st.st_ino) &&
		    (S_ISDIR(st.st_mode) || st.st_nlink == 1) && t->owx.n_gone < 2) {
			t->owx.gone_dev[t->owx.n_gone] = st.st_dev;
			t->owx.gone_ino[t->owx.n_gone++] = st.st_ino;
			c->want_exit = true;
		}
		return HOOK_ON;
	}
	if (def->flags & (SCF_CREATES | SCF_CREATES_OPEN)) {
		const struct cred *cr = ids_cred(tr, t);
		bool creates = def->flags & SCF_CREATES ||
			       (a->p->flags >= 0 && (c->r->args[a->p->flags] & O_CREAT));

		if (!creates)
			return HOOK_ON;
		t->owx.mode = 0;
		t->owx.rdev = 0;
		e = def->flags & SCF_MKNOD ? mknod_device(tr, t, c, a) : 0;
		if (e < 0)
			return e;
		if (e == 0 && cr->fsuid == 0 && cr->fsgid == 0)
			return HOOK_ON; /* the default owner: nothing to record */
		if (lstat(a->x->host, &st) == 0)
			return HOOK_ON; /* exists: open(O_CREAT) changes no owner */
		free(t->owx.made);
		t->owx.made = xstrdup(a->x->host);
		c->want_exit = true;
	}
	return HOOK_ON;
}

static int on_fd(struct tracer *tr, struct tracee *t, struct call *c, struct call_path *a)
{
	struct stat st;

	if (!tr->config->identity.emulate || !(c->def->flags & (SCF_OWNER | SCF_CHMOD)))
		return HOOK_ON;
	if (a->p->flags < 0 || !(c->r->args[a->p->flags] & AT_EMPTY_PATH))
		return HOOK_ON; /* "" without AT_EMPTY_PATH: ENOENT from the kernel */
	if (c->def->flags & SCF_OWNER)
		return chown_fd(tr, t, c, a->dirfd);
	if (fd_stat(t, a->dirfd, &st) < 0 || S_ISLNK(st.st_mode))
		return HOOK_ON;
	return do_chmod(tr, t, &st, (uint32_t)c->r->args[c->def->out], c->def->out);
}

static int resolved(struct tracer *tr, struct tracee *t, struct call *c)
{
	if (!tr->config->identity.emulate)
		return HOOK_ON;
	if (c->def->kind == SC_FD_WRITE && (c->def->flags & SCF_OWNER))
		return chown_fd(tr, t, c, (int)c->r->args[0]);
	if (c->def->kind == SC_FD_WRITE && (c->def->flags & SCF_CHMOD)) {
		struct stat st;

		if (fd_stat(t, (int)c->r->args[0], &st) < 0)
			return HOOK_ON;
		return do_chmod(tr, t, &st, (uint32_t)c->r->args[c->def->out], c->def->out);
	}
	if (c->def->flags & SCF_STAT) {
		const char *g = c->n_paths && c->path[0].xlat ? c->path[0].x->guest : "";
		const char *rest = "";
		pid_t pid = path_proc_pid(g, &rest);

		/* /proc/PID is owned by the process's euid (ps and top read it there) */
		t->owx.proc_pid =
		    pid && (!rest[0] || strcmp(rest, "/") == 0) && tracee_get(tr, pid) ? pid : 0;
		t->owx.buf = c->r->args[c->def->out];
		t->owx.statx = c->r->nr == SYS_statx;
		c->want_exit = true;
	}
	return HOOK_ON;
}

/* The owner the guest sees of /proc/PID of a tracee: its emulated euid and egid. */
static void proc_owner(struct tracer *tr, pid_t pid, struct owner *o)
{
	struct tracee *who = tracee_get(tr, pid);

	if (who) {
		const struct cred *c = ids_cred(tr, who);

		o->uid = c->euid;
		o->gid = c->egid;
	}
}

static void stat_exit(struct tracer *tr, struct tracee *t)
{
	struct owner o;

	owners_store_refresh(tr);
	if (t->owx.statx) {
		struct statx sx;

		if (mem_read(t->pid, t->owx.buf, &sx, sizeof(sx)) < 0)
			return;
		owner_of(tr, makedev(sx.stx_dev_major, sx.stx_dev_minor), sx.stx_ino, sx.stx_uid,
			 sx.stx_gid, sx.stx_mode, makedev(sx.stx_rdev_major, sx.stx_rdev_minor),
			 &o);
		if (t->owx.proc_pid)
			proc_owner(tr, t->owx.proc_pid, &o);
		if (o.uid == sx.stx_uid && o.gid == sx.stx_gid && o.mode == sx.stx_mode)
			return;
		sx.stx_uid = o.uid;
		sx.stx_gid = o.gid;
		sx.stx_mode = (uint16_t)o.mode;
		sx.stx_rdev_major = major(o.rdev);
		sx.stx_rdev_minor = minor(o.rdev);
		(void)mem_write(t->pid, t->owx.buf, &sx, sizeof(sx));
	} else {
		struct stat st;

		if (mem_read(t->pid, t->owx.buf, &st, sizeof(st)) < 0)
			return;
		owners_of(tr, &st, &o);
		if (t->owx.proc_pid)
			proc_owner(tr, t->owx.proc_pid, &o);
		if (o.uid == st.st_uid && o.gid == st.st_gid && o.mode == st.st_mode)
			return;
		st.st_uid = o.uid;
		st.st_gid = o.gid;
		st.st_mode = o.mode;
		st.st_rdev = o.rdev;
		(void)mem_write(t->pid, t->owx.buf, &st, sizeof(st));
	}
}

static void exit_stop(struct tracer *tr, struct tracee *t, const struct sysregs *r)
{
	struct stat st;

	if (r->rval >= 0 && t->owx.buf)
		stat_exit(tr, t);
	t->owx.buf = 0;
	if (r->rval >= 0) {
		for (int i = 0; i < t->owx.n_gone; i++)
			forget(tr, t->owx.gone_dev[i], t->owx.gone_ino[i]);
	}
	t->owx.n_gone = 0;
	if (t->owx.made) {
		if (r->rval >= 0 && lstat(t->owx.made, &st) == 0) {
			const struct cred *c = ids_cred(tr, t);
			struct owner o = { .uid = c->fsuid,
					   .gid = c->fsgid,
					   .mode = t->owx.mode,
					   .rdev = t->owx.rdev };

			record(tr, st.st_dev, st.st_ino, &o);
		}
		free(t->owx.made);
		t->owx.made = NULL;
	}
}

const struct hook owners_hook = {
	.name = "owners",
	.kinds = PATH_KINDS | KIND_BIT(SC_FD_WRITE) | KIND_BIT(SC_FSTAT),
	.translated = translated,
	.on_fd = on_fd,
	.resolved = resolved,
	.exit = exit_stop,
};
