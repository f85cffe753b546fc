/*
 * Copy-up for container root filesystems made of hard links shared with an image snapshot
 * (tracer_config.copy_up): before a syscall changes a file's data or attributes in place, a
 * file of the rootfs whose inode has other links gets a private copy, renamed over its name,
 * so the change never reaches the snapshot or another container. Directories are never
 * shared (the farm makes new ones). The price: hard links between two names of the image are
 * split when one of them is written.
 */
#include "tracer/tracer-internal.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>

/*
 * Calls that change an existing inode (not those that only add or remove names): the table's
 * SCF_INPLACE, and opens whose flags write (openat2's come from its open_how: the pipeline puts
 * them where p->flags points).
 */
static bool copyup_wanted(const struct sc_def *def, const struct sc_path *p, const uint64_t *args)
{
	uint64_t f;

	if (def->flags & SCF_INPLACE)
		return true;
	if (!(def->flags & SCF_INPLACE_OPEN) || p->flags < 0)
		return false;
	f = args[p->flags];
	return (f & O_ACCMODE) != O_RDONLY || (f & O_TRUNC);
}

static int copy_xattrs(const char *from, int to_fd, const char *to)
{
	char list[8192], val[65536];
	ssize_t n = llistxattr(from, list, sizeof(list));

	for (ssize_t i = 0; n > 0 && i < n; i += (ssize_t)strlen(list + i) + 1) {
		ssize_t v = lgetxattr(from, list + i, val, sizeof(val));

		if (v < 0)
			continue;
		if (to_fd >= 0)
			(void)fsetxattr(to_fd, list + i, val, (size_t)v, 0);
		else
			(void)lsetxattr(to, list + i, val, (size_t)v, 0);
	}
	return 0;
}

static int copyup_one(struct tracer *tr, const char *host);

int copyup(struct tracer *tr, const char *host)
{
	int r = copyup_one(tr, host);

	return r < 0 ? r : 0;
}

/*
 * /proc/self/fd/N (and /dev/fd/N, /proc/PID/cwd/..., which land here too): reopening the
 * link reaches the inode the fd holds, whatever copy-up does to the name. When that is a shared
 * file of the rootfs, copy it up and send the call to the copy's path instead.
 */
static int copyup_proc(struct tracer *tr, struct tracee *t, struct xlat *x)
{
	char host[PATH_MAX * 2];
	int e;

	if (path_proc_target(tr, t, x->guest, host, sizeof(host)) != 0)
		return 0; /* not a link to a file of the rootfs */
	tr->rootfs_written = true;
	e = copyup_one(tr, host);
	if (e > 0)
		memcpy(x->host, host, strlen(host) + 1);
	return e < 0 ? e : 0;
}

/*
 * utimensat(fd, NULL), fchownat(fd, "", AT_EMPTY_PATH) and the like act on the fd's inode:
 * when that is a shared file of the rootfs, copy it up and give the call the copy's path
 * (dirfd AT_FDCWD). Returns 1 when x holds that path (the caller rewrites the argument), 0
 * when there is nothing to do, or -errno.
 */
static int copyup_empty(struct tracer *tr, struct tracee *t, const struct sysregs *r,
			const struct sc_path *p, struct xlat *x)
{
	char link[64];
	struct stat st;
	ssize_t n;
	int e;

	if (p->dirfd < 0)
		return 0;
	(void)snprintf(link, sizeof(link), "/proc/%d/fd/%d", t->pid, (int)r->args[p->dirfd]);
	n = readlink(link, x->host, sizeof(x->host) - 1);
	if (n <= 0 || x->host[0] != '/')
		return 0;
	x->host[n] = '\0';
	x->bind = binds_to_guest(&tr->binds, x->host, x->guest, sizeof(x->guest));
	if (x->bind != 0)
		return 0;
	tr->rootfs_written = true;
	if (stat(link, &st) < 0 || st.st_nlink < 2 || !S_ISREG(st.st_mode))
		return 0;
	e = copyup_one(tr, x->host);
	if (e <= 0)
		return e;
	if (regs_set_arg(t->pid, p->dirfd, (uint64_t)AT_FDCWD) < 0)
		return -EIO;
	return 1;
}

/* Returns 1 when a copy was made, 0 when the file was not shared, or -errno. */
static int copyup_one(struct tracer *tr, const char *host)
{
	char tmp[PATH_MAX];
	struct stat st;
	struct timespec ts[2];
	const char *slash = strrchr(host, '/');
	int r = 0;

	if (lstat(host, &st) < 0 || st.st_nlink < 2 ||
	    !(S_ISREG(st.st_mode) || S_ISLNK(st.st_mode)))
		return 0;
	if (!slash || (size_t)(slash - host) + 32 >= sizeof(tmp))
		return -ENAMETOOLONG;
	(void)snprintf(tmp, sizeof(tmp), "%.*s/.qrun-copyup-%d", (int)(slash - host), host,
		       (int)getpid());
	if (S_ISLNK(st.st_mode)) {
		char target[PATH_MAX];
		ssize_t n = readlink(host, target, sizeof(target) - 1);

		if (n < 0)
			return -errno;
		target[n] = '\0';
		if (symlink(target, tmp) < 0)
			return -errno;
		if (lchown(tmp, st.st_uid, st.st_gid) < 0)
			r = -errno;
		copy_xattrs(host, -1, tmp);
	} else {
		int in = open(host, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		int out = in < 0 ? -1 : open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		off_t left = st.st_size;

		if (in < 0 || out < 0) {
			r = -errno;
			goto close;
		}
		while (left > 0) {
			ssize_t n = copy_file_range(in, NULL, out, NULL, (size_t)left, 0);

			if (n <= 0) {
				r = n < 0 ? -errno : -EIO;
				break;
			}
			left -= n;
		}
		if (r == 0) {
			/* owner before mode: chown clears setuid/setgid */
			if (fchown(out, st.st_uid, st.st_gid) < 0 ||
			    fchmod(out, st.st_mode & 07777) < 0)
				r = -errno;
			copy_xattrs(host, out, tmp);
		}
	close:
		if (in >= 0)
			close(in);
		if (out >= 0)
			close(out);
	}
	ts[0] = st.st_atim;
	ts[1] = st.st_mtim;
	if (r == 0)
		(void)utimensat(AT_FDCWD, tmp, ts, AT_SYMLINK_NOFOLLOW);
	if (r == 0 && rename(tmp, host) < 0)
		r = -errno;
	if (r < 0) {
		(void)unlink(tmp);
		return r;
	}
	if (tr->owners.n)
		owners_moved(tr, &st, host); /* the copy is a new inode: its owner goes with it */
	return 1;
}

/*
 * fchmod(fd) and friends on a shared file: copy the file up, then turn the call into its path
 * twin on the copy (the fd keeps pointing at the old inode, which must not change).
 */
static int copyup_fd(struct tracer *tr, struct tracee *t, const struct sysregs *r,
		     const struct sc_def *def)
{
	char link[64], host[PATH_MAX];
	struct stat st;
	struct scratch s;
	uint64_t addr;
	ssize_t n;
	int e = 0;

	(void)snprintf(link, sizeof(link), "/proc/%d/fd/%d", t->pid, (int)r->args[0]);
	n = readlink(link, host, sizeof(host) - 1);
	if (n <= 0 || host[0] != '/' || def->twin <= 0)
		return 0;
	host[n] = '\0';
	if (stat(link, &st) < 0 || st.st_nlink < 2 || !S_ISREG(st.st_mode) ||
	    binds_to_guest(&tr->binds, host, (char[PATH_MAX]){ 0 }, PATH_MAX) != 0)
		return 0;
	e = copyup_one(tr, host);
	if (e < 0)
		return e;
	scratch_init(&s, t->pid, r->sp);
	addr = scratch_put(&s, host, strlen(host) + 1, &e);
	if (!addr)
		return e;
	if (regs_set_nr(t->pid, def->twin) < 0 || regs_set_arg(t->pid, 0, addr) < 0)
		return -EIO;
	return 0;
}

static int translated(struct tracer *tr, struct tracee *t, struct call *c, struct call_path *a)
{
	if (!tr->config->copy_up || !copyup_wanted(c->def, a->p, c->r->args))
		return 0;
	return a->x->bind == 0 ? copyup(tr, a->x->host) : copyup_proc(tr, t, a->x);
}

static int on_fd(struct tracer *tr, struct tracee *t, struct call *c, struct call_path *a)
{
	int e;

	if (!tr->config->copy_up || !a->writes)
		return 0;
	e = copyup_empty(tr, t, c->r, a->p, a->x);
	return e == 1 ? HOOK_REDIRECT : e;
}

/* fchmod and friends */
static int resolved(struct tracer *tr, struct tracee *t, struct call *c)
{
	if (c->def->kind != SC_FD_WRITE || !tr->config->copy_up)
		return HOOK_ON; /* plain chroot: nothing else to know or do */
	return copyup_fd(tr, t, c->r, c->def);
}

const struct hook copyup_hook = {
	.name = "copyup",
	.kinds = PATH_KINDS | KIND_BIT(SC_FD_WRITE),
	.translated = translated,
	.on_fd = on_fd,
	.resolved = resolved,
};
