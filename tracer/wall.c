/*
 * The wall: a Landlock domain around every process qrun starts. The tracer paints the view
 * (it makes the guest see its rootfs as /); the kernel keeps the wall (a path the tracer gets
 * wrong, or a race the guest wins against it, ends in EACCES instead of on a host file).
 *
 * The ruleset is built by qrun itself, outside any domain, from the same bind table the tracer
 * translates with, and the first process enters it before exec (landlock_restrict_self, after
 * no_new_privs). Landlock rules belong to inodes and cover everything beneath a directory, and
 * rights only add up, so the table below is the whole truth of what a guest can reach:
 *
 *   rootfs                 every file right (read-only rights with --read-only)
 *   a -v/--bind            every right, or read + execute + list for a read-only one
 *   /dev (default bind)    list; read, write, truncate, ioctl on null, zero, full, random,
 *                          urandom, tty, console, ptmx and beneath /dev/pts; every right
 *                          beneath /dev/shm and /dev/mqueue (docker's device set)
 *   /proc (default bind)   read and list; write too, except for real root with reduced
 *                          privileges (then /proc/sys, /proc/sysrq-trigger and the rest of
 *                          /proc are read-only to it, as docker makes /proc/sys)
 *   /sys (default bind)    read and list (docker mounts sysfs read-only)
 *   emulators              read + execute on each qemu-user emulator found on PATH
 *   the shim               read on libqrun-preload.so
 *   the owners table       read on the table of an emulated identity the shim maps
 *                          (owners-shm.c): a forged trampoline could read who owns what
 *
 * Landlock also stops a process in the domain from ptrace-ing (or reading /proc/PID/mem of,
 * or process_vm_* on) any process outside it: qrun, its keeper of long paths excepted (it is
 * inside, see keeper.c) and every host process. With ABI 6 the domain is scoped: signals and
 * connections to abstract unix sockets reach only processes of the same container. TCP/UDP
 * stay the host's network (qrun has no network namespace), so loopback services are
 * reachable; abstract unix sockets are not, because they are how desktop sessions (X11's
 * @/tmp/.X11-unix, D-Bus) hand out control of the host without a file permission to check.
 */
#include "tracer/tracer-internal.h"

#include <fcntl.h>
#include <linux/landlock.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

/* Newer than Debian 12's kernel headers (6.1). */
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15)
#endif
#ifndef LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET
#define LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#define LANDLOCK_SCOPE_SIGNAL		    (1ULL << 1)
#endif

/* struct landlock_ruleset_attr as of ABI 6; the kernel takes a prefix of it. */
struct wall_attr {
	uint64_t handled_access_fs;
	uint64_t handled_access_net;
	uint64_t scoped;
};

#define FS_V1                                                                                      \
	(LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE |                              \
	 LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR |                              \
	 LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE |                          \
	 LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR |                              \
	 LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK |                              \
	 LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK |                            \
	 LANDLOCK_ACCESS_FS_MAKE_SYM)
/* The rights a rule on a file (not a directory) may carry. */
#define FS_FILE                                                                                    \
	(LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE |                              \
	 LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_TRUNCATE |                              \
	 LANDLOCK_ACCESS_FS_IOCTL_DEV)
#define FS_READ                                                                                    \
	(LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR)
#define FS_DEVICE                                                                                  \
	(LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_WRITE_FILE |                            \
	 LANDLOCK_ACCESS_FS_TRUNCATE | LANDLOCK_ACCESS_FS_IOCTL_DEV)

int tracer_wall_abi(void)
{
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);

	return abi < 0 ? -errno : (int)abi;
}

/* Every filesystem right this ABI knows (all of them are handled: denied unless a rule). */
static uint64_t fs_rights(int abi)
{
	uint64_t r = FS_V1;

	if (abi >= 2)
		r |= LANDLOCK_ACCESS_FS_REFER;
	if (abi >= 3)
		r |= LANDLOCK_ACCESS_FS_TRUNCATE;
	if (abi >= 5)
		r |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
	return r;
}

struct wall {
	int fd;	      /* the ruleset */
	uint64_t all; /* the rights handled */
	struct qerr *err;
};

/*
 * Allow rights beneath the file fd is open on (on it alone, for a file: only file rights then).
 * Returns 0, or -errno of landlock_add_rule (EBADFD: a file of an internal mount).
 */
static int add_rule(struct wall *w, int fd, uint64_t rights, const struct stat *st)
{
	struct landlock_path_beneath_attr pb = { 0 };

	if (!S_ISDIR(st->st_mode))
		rights &= FS_FILE;
	pb.allowed_access = rights & w->all;
	pb.parent_fd = fd;
	if (pb.allowed_access &&
	    syscall(SYS_landlock_add_rule, w->fd, LANDLOCK_RULE_PATH_BENEATH, &pb, 0) < 0)
		return -errno;
	return 0;
}

/*
 * Allow rights beneath host path (or on it, for a file). A path that does not exist is
 * skipped when optional (a device this host lacks); any other failure is an error, because a
 * wall with a missing rule would refuse what the tracer lets through.
 */
static int allow(struct wall *w, const char *path, uint64_t rights, bool optional)
{
	_cleanup_close_ int fd = open(path, O_PATH | O_CLOEXEC);
	struct stat st;
	int r;

	if (fd < 0) {
		if (optional && (errno == ENOENT || errno == ENOTDIR || errno == EACCES))
			return 0;
		return qerr_set_errno(w->err, -errno, "wall: '%s'", path);
	}
	if (fstat(fd, &st) < 0)
		return qerr_set_errno(w->err, -errno, "wall: '%s'", path);
	r = add_rule(w, fd, rights, &st);
	return r < 0 ? qerr_set_errno(w->err, r, "wall: rule for '%s'", path) : 0;
}

/* The host's /dev as docker shows it: the harmless devices, terminals, shared memory. */
static int allow_dev(struct wall *w, const char *dev)
{
	static const char *const devices[] = { "null",	  "zero", "full",    "random",
					       "urandom", "tty",  "console", "ptmx" };
	char path[PATH_MAX];
	int r = allow(w, dev, LANDLOCK_ACCESS_FS_READ_DIR, false);

	for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(devices); i++) {
		(void)snprintf(path, sizeof(path), "%s/%s", dev, devices[i]);
		r = allow(w, path, FS_DEVICE, true);
	}
	(void)snprintf(path, sizeof(path), "%s/pts", dev);
	if (r >= 0)
		r = allow(w, path, FS_DEVICE | LANDLOCK_ACCESS_FS_READ_DIR, true);
	(void)snprintf(path, sizeof(path), "%s/shm", dev);
	if (r >= 0)
		r = allow(w, path, w->all, true);
	(void)snprintf(path, sizeof(path), "%s/mqueue", dev);
	if (r >= 0)
		r = allow(w, path, w->all, true);
	return r;
}

/*
 * stdin, stdout and stderr when they are files outside everything else (qrun ... >log):
 * reopening them by /dev/stdout or /proc/self/fd/1, as shell scripts do, gets what the fd
 * already allows (its access mode), nothing more. Pipes and sockets need no rule.
 */
static int allow_stdio(struct wall *w, int fd)
{
	uint64_t rights = 0;
	struct stat st;
	int fl = fcntl(fd, F_GETFL), r;

	if (fl < 0 || fstat(fd, &st) < 0 || (!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode)))
		return 0;
	if ((fl & O_ACCMODE) != O_WRONLY)
		rights |= LANDLOCK_ACCESS_FS_READ_FILE;
	if ((fl & O_ACCMODE) != O_RDONLY)
		rights |= LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_TRUNCATE;
	if (S_ISCHR(st.st_mode))
		rights |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
	r = add_rule(w, fd, rights, &st);
	/* EBADFD: a file of an internal mount (not reachable by a path anyway) */
	return r < 0 && r != -EBADFD ? qerr_set_errno(w->err, r, "wall: rule for fd %d", fd) : 0;
}

static int allow_bind(struct wall *w, const struct tracer *tr, const struct bind *b)
{
	const struct tracer_config *c = tr->config;
	uint64_t proc = LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR;

	switch (b->def) {
	case BIND_DEV:
		return allow_dev(w, b->host);
	case BIND_PROC:
		if (geteuid() != 0 || !c->restrict_privileges)
			proc |= LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_TRUNCATE;
		return allow(w, b->host, proc, false);
	case BIND_SYS:
		return allow(w, b->host, LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR,
			     false);
	case BIND_USER:
	case BIND_MASK:
		break;
	}
	return allow(w, b->host, b->readonly ? FS_READ : w->all, false);
}

int wall_build(struct tracer *tr, int *ret_fd, struct qerr *err)
{
	const struct tracer_config *c = tr->config;
	struct wall_attr attr = { 0 };
	struct wall w = { .fd = -1, .err = err };
	int abi = tracer_wall_abi(), r = 0;

	*ret_fd = -1;
	if (c->wall == TRACER_WALL_OFF)
		return 0;
	if (abi < 1) {
		if (c->wall == TRACER_WALL_REQUIRED)
			return qerr_set(
			    err, -EOPNOTSUPP,
			    "the wall is required but this kernel has no Landlock (%s): "
			    "see 'qrun info'",
			    strerror(abi < 0 ? -abi : EOPNOTSUPP));
		qlog_warn("this kernel has no Landlock: confinement is best effort (the tracer "
			  "alone); --require-wall makes this an error");
		return 0;
	}
	/* The emulators are found now, so that their rules exist before the first exec. */
	for (size_t i = 0; i < ARCH_COUNT; i++) {
		const struct arch *a = &arch_table[i];

		if (!tr->qemu_looked[i] && arch_emulator_row(a) == a && a != tracer_arch_host()) {
			tr->qemu_looked[i] = true;
			(void)tracer_qemu_find(a, &tr->qemu_paths[i]);
		}
	}
	w.all = fs_rights(abi);
	attr.handled_access_fs = w.all;
	if (abi >= 6)
		attr.scoped = LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET | LANDLOCK_SCOPE_SIGNAL;
	w.fd = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);
	if (w.fd < 0)
		return qerr_set_errno(err, -errno, "wall: landlock_create_ruleset");
	for (size_t i = 0; r >= 0 && i < tr->binds.n; i++) {
		if (i == 0)
			r = allow(&w, tr->binds.v[0].host,
				  tr->binds.v[0].readonly ? FS_READ : w.all, false);
		else
			r = allow_bind(&w, tr, &tr->binds.v[i]);
	}
	for (size_t i = 0; r >= 0 && i < ARRAY_SIZE(tr->qemu_paths); i++) {
		if (tr->qemu_paths[i])
			r = allow(&w, tr->qemu_paths[i],
				  LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_EXECUTE, true);
	}
	if (r >= 0 && c->qemu)
		r = allow(&w, c->qemu, LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_EXECUTE,
			  false);
	if (r >= 0 && c->preload)
		r = allow(&w, c->preload, LANDLOCK_ACCESS_FS_READ_FILE, true);
	if (r >= 0 && tr->owners.shm_path)
		r = allow(&w, tr->owners.shm_path, LANDLOCK_ACCESS_FS_READ_FILE, true);
	for (int fd = 0; r >= 0 && fd <= 2; fd++)
		r = allow_stdio(&w, fd);
	if (r < 0) {
		(void)close(w.fd);
		return r;
	}
	*ret_fd = w.fd;
	return 0;
}

int wall_enter(int fd)
{
	if (fd < 0)
		return 0;
	/* Landlock wants no_new_privs, or CAP_SYS_ADMIN (root may enter without the first) */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 && errno != EPERM)
		return -errno;
	if (syscall(SYS_landlock_restrict_self, fd, 0) < 0)
		return -errno;
	(void)close(fd);
	return 0;
}
