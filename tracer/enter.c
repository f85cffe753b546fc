/*
 * Syscall-enter handlers: translate path arguments in place, answer what qrun answers itself
 * (getcwd, readlink of /proc magic links, denied calls), and ask for an exit stop only where
 * an output must be rewritten. Every path is rewritten into scratch memory below the tracee's
 * stack pointer and the argument register is pointed at it.
 */
#include "tracer/tracer-internal.h"

#include <fcntl.h>
#include <sched.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/inotify.h>
#include <sys/syscall.h>
#include <sys/utsname.h>

void enter_fail(struct tracer *tr, struct tracee *t, long err)
{
	(void)regs_set_nr(t->pid, -1);
	(void)regs_set_ret(t->pid, err);
	if (!tr->seccomp) {
		/* Full tracing: the exit stop comes next; make sure the value survives it. */
		t->skip_ret = true;
		t->ret_value = err;
	}
}

static bool follows(const struct sc_path *p, const uint64_t *args)
{
	uint64_t f = p->flags >= 0 ? args[p->flags] : 0;

	switch (p->follow) {
	case F_NOFOLLOW:
		return false;
	case F_AT_NOFOLLOW:
		return !(f & AT_SYMLINK_NOFOLLOW);
	case F_AT_FOLLOW:
		return f & AT_SYMLINK_FOLLOW;
	case F_OPEN:
		return !(f & O_NOFOLLOW) && (f & (O_CREAT | O_EXCL)) != (O_CREAT | O_EXCL);
	case F_INOTIFY:
		return !(f & IN_DONT_FOLLOW);
	default:
		return true;
	}
}

static bool writes(const struct sc_path *p, const uint64_t *args)
{
	uint64_t f = p->flags >= 0 ? args[p->flags] : 0;

	if (p->write == W_YES)
		return true;
	if (p->write == W_OPEN)
		return (f & O_ACCMODE) != O_RDONLY || (f & (O_CREAT | O_TRUNC));
	if (p->write == W_ACCESS)
		return args[p->path + 1] & W_OK;
	return false;
}

/* Point argument i at a copy of s in scratch memory. */
static int put_string(struct tracee *t, struct scratch *s, int i, const char *str)
{
	int err = 0;
	uint64_t addr = scratch_put(s, str, strlen(str) + 1, &err);

	if (!addr)
		return err;
	return regs_set_arg(t->pid, i, addr);
}

/* The bind holding the file of the tracee's fd, or -1. */
int fd_bind(struct tracer *tr, struct tracee *t, int fd)
{
	char link[48], host[PATH_MAX], guest[PATH_MAX];
	ssize_t n;

	if (fd < 0)
		return -1;
	(void)snprintf(link, sizeof(link), "/proc/%d/fd/%d", t->pid, fd);
	n = readlink(link, host, sizeof(host) - 1);
	if (n <= 0 || host[0] != '/')
		return -1;
	host[n] = '\0';
	return binds_to_guest(&tr->binds, host, guest, sizeof(guest));
}

/* fchmod and friends: refuse when the fd's file lies in a read-only bind; copy up. */
static void do_fd_write(struct tracer *tr, struct tracee *t, const struct sysregs *r)
{
	int e;

	if (fd_readonly(tr, t, (int)r->args[0])) {
		enter_fail(tr, t, -EROFS);
		return;
	}
	if (!tr->config->copy_up)
		return; /* plain chroot: nothing else to know or do */
	if (!tr->rootfs_written && fd_bind(tr, t, (int)r->args[0]) == 0)
		tr->rootfs_written = true;
	e = copyup_fd(tr, t, r);
	if (e < 0)
		enter_fail(tr, t, e);
}

/* uname: the host's answer with the container's hostname (qemu then sets machine). */
static void do_uname(struct tracer *tr, struct tracee *t, const struct sysregs *r)
{
	struct utsname u;

	if (!tr->config->hostname || uname(&u) < 0)
		return;
	(void)snprintf(u.nodename, sizeof(u.nodename), "%s", tr->config->hostname);
	if (mem_write(t->pid, r->args[0], &u, sizeof(u)) < 0)
		enter_fail(tr, t, -EFAULT);
	else
		enter_fail(tr, t, 0);
}

/* Names that in a /proc directory are magic links or lead to them (see below). */
static bool magic_name(const char *name)
{
	static const char *const names[] = { "root", "cwd",  "exe",	    "fd",
					     "task", "self", "thread-self", "map_files" };

	if (name[strspn(name, "0123456789")] == '\0')
		return true; /* a pid, or fd/N */
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		if (strcmp(name, names[i]) == 0)
			return true;
	}
	return false;
}

/*
 * The fast path: a single name relative to a directory the tracee already holds (a dirfd or
 * its cwd, both real host directories inside the guest's view) resolves the same for the
 * kernel as for the guest, unless it is a symlink being followed, "..", or the name of a bind
 * mount point. Then the syscall goes on untouched: no rewrite, and for non-following calls not
 * even a lookup. This is what `find`, `ls -l` and `make` spend most of their calls on.
 *
 * The dirfd is one the guest got from the tracer's view: inherited fds are closed at the
 * start, /proc/PID of other processes is hidden, and the names magic_name() knows, which in a /proc
 * directory are magic links or lead to them (root -> the host's /, cwd, fd/N, map_files/...),
 * always take the translating path, so a /proc dirfd cannot be walked out of the guest.
 */
bool enter_passthrough(struct tracer *tr, struct tracee *t, int dirfd, const char *path,
		       bool follow, bool write)
{
	char proc[64 + NAME_MAX];
	struct stat st;

	while (path[0] == '.' && path[1] == '/')
		path += 2 + strspn(path + 2, "/"); /* "./name" is "name" */
	if (path[0] == '\0' || path[0] == '/' || strchr(path, '/') || strcmp(path, "..") == 0 ||
	    magic_name(path))
		return false;
	if (write && (tr->has_readonly_binds || tr->config->copy_up))
		return false;
	for (size_t i = 1; i < tr->binds.n; i++) {
		const char *base = strrchr(tr->binds.v[i].guest, '/');

		if (base && strcmp(base + 1, path) == 0)
			return false;
	}
	if (!follow)
		return true;
	if (dirfd == AT_FDCWD)
		(void)snprintf(proc, sizeof(proc), "/proc/%d/cwd/%s", t->pid, path);
	else
		(void)snprintf(proc, sizeof(proc), "/proc/%d/fd/%d/%s", t->pid, dirfd, path);
	if (lstat(proc, &st) < 0)
		return errno == ENOENT; /* created, or ENOENT from the kernel too */
	return !S_ISLNK(st.st_mode);
}

/*
 * Translate path argument k of def. Returns 1 when translated (x filled), 0 when there is
 * nothing to translate (NULL, empty with AT_EMPTY_PATH, unreadable: the kernel answers), or
 * -errno to fail the syscall with.
 */
/* The policies on a translated path, in order: refuse first, then record, then copy. */
static const struct path_hook *const path_hooks[] = { &readonly_hook, &record_hook, &copyup_hook };

static int translate_arg(struct tracer *tr, struct tracee *t, const struct sysregs *r,
			 const struct sc_path *p, int k, bool fast, char *orig, struct xlat *x,
			 uint64_t *ret_ptr)
{
	uint64_t ptr = r->args[p->path];
	int dirfd = p->dirfd >= 0 ? (int)r->args[p->dirfd] : AT_FDCWD;
	struct path_arg a = { .r = r,
			      .def = sc_lookup(r->nr),
			      .p = p,
			      .dirfd = dirfd,
			      .writes = writes(p, r->args) };
	ssize_t n;
	int e;

	/* A restarted syscall still points at our scratch copy: use the guest's string. */
	if (t->last_nr == r->nr && ptr && ptr == t->last_new[k])
		ptr = t->last_orig[k];
	*ret_ptr = ptr;
	orig[0] = '\0';
	n = ptr ? mem_read_string(t->pid, ptr, orig, PATH_MAX) : 0;
	if (n == -ENAMETOOLONG)
		return -ENAMETOOLONG;
	if (n < 0)
		return 0; /* EFAULT: let the kernel say it */
	if (n == 0) {
		/* NULL (utimensat) or "" with AT_EMPTY_PATH: the call acts on the dirfd itself;
		 * otherwise "" is ENOENT from the kernel */
		for (size_t i = 0; p->empty_ok && i < ARRAY_SIZE(path_hooks); i++) {
			e = path_hooks[i]->on_fd ? path_hooks[i]->on_fd(tr, t, &a, x) : 0;
			if (e != 0)
				return e;
		}
		return 0;
	}
	if (fast && enter_passthrough(tr, t, dirfd, orig, follows(p, r->args), a.writes))
		return 0;
	e = path_translate(tr, t, dirfd, orig, follows(p, r->args), x);
	if (e < 0)
		return e;
	for (size_t i = 0; i < ARRAY_SIZE(path_hooks); i++) {
		e = path_hooks[i]->translated(tr, t, &a, x);
		if (e < 0)
			return e;
	}
	return 1;
}

/*
 * Hand the kernel translated path argument k: a copy of the host path in scratch memory,
 * remembered for restart detection. Returns 0, or -errno after failing the syscall.
 */
static int apply(struct tracer *tr, struct tracee *t, const struct sc_def *def, int k,
		 struct scratch *s, const char *orig, uint64_t ptr, const struct xlat *x)
{
	TRACE(tr, 1, "%d %s(\"%s\") -> \"%s\"", t->pid, def->name, orig, x->host);
	if (strcmp(orig, x->host) == 0)
		return 0; /* /dev/null, /proc/...: nothing to rewrite */
	if (put_string(t, s, def->p[k].path, x->host) < 0) {
		enter_fail(tr, t, -ENAMETOOLONG);
		return -ENAMETOOLONG;
	}
	t->last_orig[k] = ptr;
	t->last_new[k] = s->top;
	return 0;
}

static void path_args(struct tracer *tr, struct tracee *t, const struct sysregs *r,
		      const struct sc_def *def)
{
	char(*orig)[PATH_MAX] = tr->stop.orig;
	struct xlat *x = tr->stop.x;
	uint64_t ptr[2] = { 0, 0 };
	int done[2] = { 0, 0 };
	struct scratch s;

	for (int k = 0; k < 2 && def->p[k].path >= 0; k++) {
		done[k] = translate_arg(tr, t, r, &def->p[k], k, def->p[1].path < 0, orig[k], &x[k],
					&ptr[k]);
		if (done[k] < 0) {
			TRACE(tr, 1, "%d %s(\"%s\") = %s", t->pid, def->name, orig[k],
			      strerror(-done[k]));
			enter_fail(tr, t, done[k]);
			return;
		}
	}
	/* A bind's mount point cannot be removed or renamed, as with a real mount. */
	if (def->flags & SCF_REMOVES_NAME) {
		for (int k = 0; k < 2; k++) {
			if (done[k] > 0 && x[k].bind > 0 &&
			    strcmp(x[k].guest, tr->binds.v[x[k].bind].guest) == 0) {
				enter_fail(tr, t, -EBUSY);
				return;
			}
		}
	}
	/* Two paths in different binds are on different mounts as far as the guest knows. */
	if (done[0] > 0 && done[1] > 0 && x[0].bind != x[1].bind && (def->flags & SCF_LINKS)) {
		enter_fail(tr, t, -EXDEV);
		return;
	}
	scratch_init(&s, t->pid, r->sp);
	t->last_nr = r->nr;
	for (int k = 0; k < 2; k++) {
		t->last_new[k] = 0;
		if (done[k] > 0 && apply(tr, t, def, k, &s, orig[k], ptr[k], &x[k]) < 0)
			return;
	}
}

static void do_getcwd(struct tracer *tr, struct tracee *t, const struct sysregs *r)
{
	char cwd[PATH_MAX];
	size_t len;
	int e = path_guest_cwd(tr, t, cwd, sizeof(cwd));

	if (e < 0) {
		enter_fail(tr, t, e);
		return;
	}
	len = strlen(cwd) + 1;
	if (len > PATH_MAX) {
		enter_fail(tr, t, -ENAMETOOLONG); /* the kernel's limit; libc walks up by itself */
		return;
	}
	if (len > r->args[1]) {
		enter_fail(tr, t, -ERANGE);
		return;
	}
	e = mem_write(t->pid, r->args[0], cwd, len);
	enter_fail(tr, t, e < 0 ? e : (long)len);
}

static void do_readlink(struct tracer *tr, struct tracee *t, const struct sysregs *r,
			const struct sc_def *def)
{
	const struct sc_path *p = &def->p[0];
	uint64_t buf = r->args[p->path + 1];
	long bufsiz = (long)r->args[p->path + 2];
	char orig[PATH_MAX], text[PATH_MAX];
	struct xlat x;
	uint64_t ptr;
	size_t len;
	int e;

	if (preload_settings(tr, t, r, p->path))
		return;
	e = translate_arg(tr, t, r, p, 0, false, orig, &x, &ptr);
	if (e <= 0) {
		if (e < 0)
			enter_fail(tr, t, e);
		return;
	}
	e = path_proc_link(tr, t, x.guest, text, sizeof(text));
	if (e == 0) {
		/* an ordinary link: the kernel reads it, and its text is already the guest's */
		struct scratch s;

		scratch_init(&s, t->pid, r->sp);
		t->last_nr = r->nr;
		t->last_new[0] = t->last_new[1] = 0;
		(void)apply(tr, t, def, 0, &s, orig, ptr, &x);
		return;
	}
	if (e < 0) {
		enter_fail(tr, t, e);
		return;
	}
	if (bufsiz <= 0) {
		enter_fail(tr, t, -EINVAL);
		return;
	}
	len = strlen(text);
	if (len > (size_t)bufsiz)
		len = (size_t)bufsiz;
	e = mem_write(t->pid, buf, text, len);
	TRACE(tr, 1, "%d %s(\"%s\") = \"%s\"", t->pid, def->name, orig, text);
	enter_fail(tr, t, e < 0 ? e : (long)len);
}

/* Keep every child traced: CLONE_UNTRACED is dropped (from a copy of clone3's arguments). */
static void do_clone(struct tracer *tr, struct tracee *t, const struct sysregs *r)
{
	unsigned char args[512];
	size_t size = r->args[1];
	uint64_t flags, copy;
	struct scratch s;
	int e = 0;

	(void)tr;
	if (r->nr == SYS_clone) {
		if (r->args[0] & CLONE_UNTRACED)
			(void)regs_set_arg(t->pid, 0, r->args[0] & ~(uint64_t)CLONE_UNTRACED);
		return;
	}
	if (size < 8 || size > sizeof(args) || mem_read(t->pid, r->args[0], args, size) < 0)
		return; /* the kernel reports E2BIG/EFAULT */
	memcpy(&flags, args, 8);
	if (!(flags & CLONE_UNTRACED))
		return;
	flags &= ~(uint64_t)CLONE_UNTRACED;
	memcpy(args, &flags, 8);
	scratch_init(&s, t->pid, r->sp);
	copy = scratch_put(&s, args, size, &e);
	if (copy)
		(void)regs_set_arg(t->pid, 0, copy);
	else
		enter_fail(tr, t, e);
}

static void do_openat2(struct tracer *tr, struct tracee *t, const struct sysregs *r,
		       const struct sc_def *def)
{
	struct open_how how = { 0 };
	size_t size = r->args[3];
	char orig[PATH_MAX];
	struct sc_path p = def->p[0];
	struct sysregs rr = *r;
	struct xlat x;
	uint64_t ptr;
	int e;

	if (size < sizeof(how) || mem_read(t->pid, r->args[2], &how, sizeof(how)) < 0)
		return; /* the kernel reports EINVAL/EFAULT */
	/* The resolve restrictions are about the guest's tree; the host path is already final. */
	if (how.resolve & (RESOLVE_IN_ROOT | RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS)) {
		enter_fail(tr, t, -EXDEV);
		return;
	}
	rr.args[2] = how.flags;
	p.flags = 2;
	p.follow = F_OPEN;
	p.write = W_OPEN;
	e = translate_arg(tr, t, &rr, &p, 0, false, orig, &x, &ptr);
	if (e < 0) {
		enter_fail(tr, t, e);
		return;
	}
	if (e > 0 && strcmp(orig, x.host) != 0) {
		struct scratch s;

		scratch_init(&s, t->pid, r->sp);
		if (put_string(t, &s, 1, x.host) < 0) {
			enter_fail(tr, t, -ENAMETOOLONG);
			return;
		}
		/* remembered like path_args' (a restart after a signal handler, see there) */
		t->last_nr = r->nr;
		t->last_orig[0] = ptr;
		t->last_new[0] = s.top;
		t->last_new[1] = 0;
	}
}

enum resume enter_syscall(struct tracer *tr, struct tracee *t, const struct sysregs *r)
{
	const struct sc_def *def;

	if (!r->native) {
		/* i386 or x32 calls from a 64-bit process would bypass translation. */
		enter_fail(tr, t, -ENOSYS);
		return RESUME_CONT;
	}
	def = sc_lookup(r->nr);
	if (!def)
		return RESUME_CONT;
	if (def->flags & SCF_RESHAPES)
		path_cache_flush(tr); /* a directory may become something else */
	switch ((enum sc_kind)def->kind) {
	case SC_PATH:
		path_args(tr, t, r, def);
		break;
	case SC_EXECVE: {
		int e = execve_enter(tr, t, r, def);

		if (e < 0)
			enter_fail(tr, t, e);
		break;
	}
	case SC_GETCWD:
		do_getcwd(tr, t, r);
		break;
	case SC_READLINK:
		do_readlink(tr, t, r, def);
		break;
	case SC_OPENAT2:
		do_openat2(tr, t, r, def);
		break;
	case SC_FD_WRITE:
		do_fd_write(tr, t, r);
		break;
	case SC_UNAME:
		do_uname(tr, t, r);
		break;
	case SC_CLONE:
		do_clone(tr, t, r);
		break;
	case SC_SECCOMP: {
		int e = guard_seccomp(tr, t, r);

		if (e < 0)
			enter_fail(tr, t, e);
		else
			preload_guest_filter(tr, t, r);
		break;
	}
	case SC_PROCESS: {
		int e = guard_process(tr, t, r);

		if (e < 0)
			enter_fail(tr, t, e);
		break;
	}
	case SC_SOCKADDR_IN:
	case SC_SENDTO:
	case SC_SENDMSG:
	case SC_SOCKADDR_OUT:
	case SC_RECVMSG:
		return sock_enter(tr, t, r, def);
	case SC_DENY_ENOSYS:
		TRACE(tr, 1, "%d syscall %ld (%s) answered ENOSYS", t->pid, r->nr, def->name);
		enter_fail(tr, t, -ENOSYS);
		break;
	case SC_DENY_EPERM:
		TRACE(tr, 1, "%d %s answered EPERM", t->pid, def->name);
		enter_fail(tr, t, -EPERM);
		break;
	case SC_NONE:
		break;
	}
	return RESUME_CONT;
}
