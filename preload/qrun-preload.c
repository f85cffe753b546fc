/*
 * libqrun-preload.so: the tracer's fast path inside the guest process.
 *
 * A ptrace stop costs 12-30 us on a small VM (two context switches and the tracer's work),
 * ten times a stat. This shim, which the tracer hands to the guest's ld.so with --preload for
 * every dynamic x86_64 program, answers the hottest path calls (stat family, access, read-only
 * open) in the process itself, and only when the answer is certain to be the tracer's:
 *
 *   - the path enters no bind and no virtual directory (the tracer lists their guest paths
 *     at start; an absolute path is checked against them component by component, a
 *     relative one must not use any of their last components as a name), so it cannot
 *     enter or leave a bind;
 *   - no symlink is met on the way (openat2 RESOLVE_NO_SYMLINKS, which also refuses /proc's
 *     magic links), so the kernel's walk is the guest's walk;
 *   - an absolute path is resolved under the guest root's host path and never climbs above it
 *     with "..", a relative one never above its directory (RESOLVE_BENEATH).
 *
 * Anything else (a symlink, a bind, a write, an error that is not the kernel's last word) is
 * "punted": the same system call is made from the shim's own code, which the seccomp filter
 * traps, and the tracer answers it as it would without the shim. The shim's own calls go
 * through a trampoline page at QRUN_PRELOAD_TRAMPOLINE, the one place the filter lets through.
 *
 * The interposed names catch the program's calls; libc's calls to its own functions (setlocale,
 * gettext, fopen) reach the shim through jumps written over those functions' entries
 * (redirect.c).
 *
 * The shim links against nothing (no libc: it must load into glibc and musl programs alike)
 * and keeps no state after its constructor, so threads, fork, vfork and signal handlers need
 * no care. Without its settings (not under qrun, or qrun without seccomp) it stays off and
 * every interposed function is a plain system call.
 *
 * About 1,000 lines in one file on purpose: every helper is static, so nothing but the
 * interposed libc names leaves the object, and the compiler inlines the fast paths.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* the kernel's headers only: no libc declarations to clash with */
#include <asm/stat.h>
#include <asm/unistd.h>
#include <linux/errno.h>
#include <linux/fcntl.h>
#include <linux/mman.h>
#include <linux/openat2.h>
#include <linux/magic.h>
#include <linux/stat.h>
#include <linux/limits.h>

#include "preload/owners.h"
#include "preload/preload.h"
#include "preload/redirect.h"

#define EXPORT	     __attribute__((visibility("default")))
#define MAX_NAMES    256
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define W_OK	     2

static int enabled; /* the trampoline is mapped and the settings are read */

/*
 * On unless the tracer switched the shim off: it writes 0 into the page after the trampoline
 * when the program installs a seccomp filter of its own, which may not allow the calls the
 * shim makes in its place (openat2, say) and kill the process for them.
 */
static int on(void)
{
	return enabled && *(volatile const int *)QRUN_PRELOAD_FLAGS == QRUN_PRELOAD_ON;
}
static char settings[QRUN_PRELOAD_CONF_MAX];
static const char *root; /* host path of the guest root; "" for the host's "/" */
static size_t root_len;
static int root_writable;	   /* else access(W_OK) must say EROFS: the tracer's */
static int start_paused;	   /* the identity is not root: QRUN_PRELOAD_PAUSED */
static const char *owners_setting; /* an emulated identity's owners table (owners.c) */
/* guest paths the shim leaves to the tracer (binds, virtual directories, /proc) */
static const char *paths[MAX_NAMES];
static size_t path_lens[MAX_NAMES];
static const char *names[MAX_NAMES]; /* their last components */
static size_t n_names;

/* errno and malloc live in libc: glibc and musl both export these. */
extern int *__errno_location(void) __attribute__((weak));
extern void *malloc(size_t size) __attribute__((weak));
extern char **environ __attribute__((weak));
extern unsigned long getauxval(unsigned long type) __attribute__((weak));

/* A system call from the shim's own code: the filter traps it if it is a path call. */
static long sys_trapped(long nr, long a, long b, long c, long d, long e)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = 0; /* mmap's offset */
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

/* A system call through the trampoline: never stops. */
static long sys_fast(long nr, long a, long b, long c, long d, long e)
{
	long (*tramp)(long, long, long, long, long, long, long) =
	    (long (*)(long, long, long, long, long, long, long))QRUN_PRELOAD_TRAMPOLINE;

	return tramp(nr, a, b, c, d, e, 0);
}

static long set_errno(long r)
{
	if (r < 0 && r > -4096) {
		*__errno_location() = (int)-r;
		return -1;
	}
	return r;
}

static size_t str_len(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

static int name_eq(const char *a, size_t len, const char *b)
{
	for (size_t i = 0; i < len; i++) {
		if (a[i] != b[i])
			return 0;
	}
	return b[len] == '\0';
}

/* ---- settings --------------------------------------------------------------------------- */

/* mov %rdi,%rax; mov %rsi,%rdi; mov %rdx,%rsi; mov %rcx,%rdx; mov %r8,%r10; mov %r9,%r8;
 * mov 8(%rsp),%r9; syscall; ret: a function (nr, a1..a6) making one system call. */
static const unsigned char trampoline[] = { 0x48, 0x89, 0xf8, 0x48, 0x89, 0xf7, 0x48, 0x89, 0xd6,
					    0x48, 0x89, 0xca, 0x4d, 0x89, 0xc2, 0x4d, 0x89, 0xc8,
					    0x4c, 0x8b, 0x4c, 0x24, 0x08, 0x0f, 0x05, 0xc3 };

static int parse_settings(size_t len)
{
	size_t magic = sizeof(QRUN_PRELOAD_MAGIC), at;

	if (len < magic + 2 || !name_eq(settings, magic - 1, QRUN_PRELOAD_MAGIC))
		return -1;
	at = magic;
	root = settings + at;
	root_len = str_len(root);
	if (root_len == 0 || root[0] != '/')
		return -1;
	if (root_len == 1)
		root_len = 0; /* the host's "/": guest paths are host paths */
	at += str_len(settings + at) + 1;
	if (name_eq(settings + at, 2, "rw"))
		root_writable = 1;
	else if (!name_eq(settings + at, 2, "ro"))
		return -1;
	at += 3;
	if (name_eq(settings + at, QRUN_PRELOAD_ID_LEN, "user"))
		start_paused = 1;
	else if (!name_eq(settings + at, QRUN_PRELOAD_ID_LEN, "root"))
		return -1;
	at += QRUN_PRELOAD_ID_LEN + 1;
	owners_setting = settings + at;
	if (at >= len || !owners_setting[0])
		return -1;
	at += str_len(owners_setting) + 1;
	while (at < len && settings[at]) {
		size_t l = str_len(settings + at), k = l;

		if (n_names == MAX_NAMES || settings[at] != '/' || l < 2)
			return -1;
		while (settings[at + k - 1] != '/')
			k--;
		paths[n_names] = settings + at;
		path_lens[n_names] = l;
		names[n_names++] = settings + at + k;
		at += l + 1;
	}
	return at < len ? 0 : -1;
}

/*
 * The tracer starts a dynamic program as `ld.so PROGRAM`, so the kernel named the process
 * after ld.so ("ld-linux-x86-64" in ps, top, pgrep). Give it the program's name: the last
 * component of AT_EXECFN, which ld.so run as a program sets to PROGRAM (the guest path with
 * symlinks resolved; a plain exec through a symlink would show the link's name).
 */
static void set_comm(void)
{
	const char *execfn = getauxval ? (const char *)getauxval(31 /* AT_EXECFN */) : NULL;
	char comm[16];
	size_t at = 0, n = 0;

	if (!execfn || !execfn[0])
		return;
	for (size_t i = 0; execfn[i]; i++) {
		if (execfn[i] == '/')
			at = i + 1;
	}
	while (execfn[at + n] && n < sizeof(comm) - 1) {
		comm[n] = execfn[at + n];
		n++;
	}
	comm[n] = '\0';
	if (n > 0)
		(void)sys_trapped(__NR_prctl, 15 /* PR_SET_NAME */, (long)comm, 0, 0, 0);
}

__attribute__((constructor)) static void qrun_preload_init(void)
{
	long n, page;
	unsigned char *p;

	set_comm();
	if (!__errno_location)
		return;
	n = sys_trapped(__NR_readlinkat, AT_FDCWD, (long)QRUN_PRELOAD_CONF, (long)settings,
			sizeof(settings) - 1, 0);
	if (n <= 0 || n >= (long)sizeof(settings) - 1)
		return;
	settings[n] = '\0';
	if (parse_settings((size_t)n + 1) < 0)
		return;
	/* two pages: the trampoline, then the flag the tracer may clear */
	page = sys_trapped(__NR_mmap, QRUN_PRELOAD_TRAMPOLINE, 2 * QRUN_PRELOAD_PAGE,
			   PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1);
	if (page != (long)QRUN_PRELOAD_TRAMPOLINE) {
		if (page > 0) /* an old kernel took the hint elsewhere */
			(void)sys_trapped(__NR_munmap, page, 2 * QRUN_PRELOAD_PAGE, 0, 0, 0);
		return;
	}
	p = (unsigned char *)page;
	for (size_t i = 0; i < sizeof(trampoline); i++)
		p[i] = trampoline[i];
	*(volatile int *)QRUN_PRELOAD_FLAGS = start_paused ? QRUN_PRELOAD_PAUSED : QRUN_PRELOAD_ON;
	if (sys_trapped(__NR_mprotect, page, QRUN_PRELOAD_PAGE, PROT_READ | PROT_EXEC, 0, 0) < 0)
		return;
	enabled = 1;
	qrun_owners_setup(owners_setting, sys_fast, sys_trapped);
	qrun_redirect_libc();
}

/* ---- deciding ---------------------------------------------------------------------------- */

/* Is the canonical guest path p (len bytes) a bind, a virtual directory or /proc? */
static int listed(const char *p, size_t len)
{
	for (size_t i = 0; i < n_names; i++) {
		if (path_lens[i] == len && name_eq(p, len, paths[i]))
			return 1;
	}
	return 0;
}

/* Does a relative path's component (c, l) carry the name of one of them? */
static int named(const char *c, size_t l)
{
	for (size_t i = 0; i < n_names; i++) {
		if (name_eq(c, l, names[i]))
			return 1;
	}
	return 0;
}

/*
 * Is a relative path's component (c, l) a process directory of /proc (a pid, self,
 * thread-self)? Relative to a dirfd on /proc those lead to other processes, which the tracer
 * shows only when they are the container's own: such paths go to it.
 */
static int proc_name(const char *c, size_t l)
{
	size_t i = 0;

	while (i < l && c[i] >= '0' && c[i] <= '9')
		i++;
	return i == l || name_eq(c, l, "self") || name_eq(c, l, "thread-self");
}

/* How a path can be resolved here. */
struct plan {
	int dirfd;
	const char *path; /* path or buf */
	uint64_t resolve; /* openat2 RESOLVE_* */
	int single;	  /* one plain name relative to dirfd: a single lookup, no walk */
	char buf[4096];
};

/*
 * Decide whether (dirfd, path) can be resolved by the kernel directly. Returns 0 with pl
 * filled, or -1 to punt.
 */
static int plan_path(int dirfd, const char *path, struct plan *pl)
{
	size_t depth = 0, n_comp = 0, len, cur_len = 0;
	const char *c = path;
	char cur[PATH_MAX]; /* an absolute path so far, lexically: no links on the way */

	if (!on() || !path || !path[0])
		return -1;
	while (*c) {
		size_t l = 0;

		while (*c == '/')
			c++;
		while (c[l] && c[l] != '/')
			l++;
		if (l == 0)
			break;
		n_comp++;
		if (l == 1 && c[0] == '.') {
			/* nothing */
		} else if (l == 2 && c[0] == '.' && c[1] == '.') {
			if (depth == 0)
				return -1; /* at the root ("/.." is "/") or above the dirfd */
			depth--;
			while (cur_len > 0 && cur[--cur_len] != '/')
				;
		} else if (path[0] != '/') {
			if (named(c, l) || proc_name(c, l))
				return -1;
			depth++;
		} else {
			if (cur_len + 1 + l >= sizeof(cur))
				return -1;
			cur[cur_len++] = '/';
			for (size_t i = 0; i < l; i++)
				cur[cur_len++] = c[i];
			if (listed(cur, cur_len))
				return -1;
			depth++;
		}
		c += l;
	}
	pl->single = 0;
	if (path[0] != '/') {
		pl->dirfd = dirfd;
		pl->path = path;
		pl->resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS;
		pl->single = n_comp == 1 && depth == 1 && path[len = str_len(path), len - 1] != '/';
		return 0;
	}
	len = str_len(path);
	if (root_len + len >= sizeof(pl->buf))
		return -1;
	for (size_t i = 0; i < root_len; i++)
		pl->buf[i] = root[i];
	for (size_t i = 0; i <= len; i++)
		pl->buf[root_len + i] = path[i];
	pl->dirfd = AT_FDCWD;
	pl->path = pl->buf;
	pl->resolve = RESOLVE_NO_SYMLINKS;
	return 0;
}

/*
 * Errors of openat2 that are the kernel's answer for the guest too. Others (ELOOP: a symlink;
 * EXDEV: ".." above the dirfd; EINVAL, ENOSYS, EPERM, EAGAIN, EMFILE for our own fd) punt.
 */
static int final_error(long r)
{
	return r == -ENOENT || r == -ENOTDIR || r == -EACCES || r == -ENAMETOOLONG;
}

/* ---- the calls ------------------------------------------------------------------------------
 *
 * Each returns the raw result (-errno) or PUNT; the exported wrappers set errno.
 */
#define PUNT (-4096L - 1)

/*
 * After openat2 met a symlink (ELOOP): an absolute path with its links resolved here (below),
 * for one more try. 0 with canon (PATH_MAX bytes) filled, -errno for the call's answer, or
 * PUNT.
 */
static long resolve_links(const char *path, int follow, char *canon);

/*
 * openat2 of the file a plan for path names, with oflags (O_PATH for a look at it, or the
 * caller's own open flags). When a symlink is met and retry is set, the links are resolved
 * here and the canonical path is tried once more (meeting one again then, a race or an
 * O_NOFOLLOW link, punts). Returns the fd, -errno when that is the kernel's answer for the
 * guest too, or PUNT.
 */
static long open_planned(const struct plan *pl, const char *path, uint64_t oflags, int follow,
			 int retry)
{
	struct open_how how = { .flags = oflags, .resolve = pl->resolve };
	char canon[PATH_MAX];
	struct plan again;
	long fd = sys_fast(__NR_openat2, pl->dirfd, (long)pl->path, (long)&how, sizeof(how), 0);

	if (fd == -ELOOP && retry) {
		fd = resolve_links(path, follow, canon);
		if (fd < 0)
			return fd;
		if (plan_path(AT_FDCWD, canon, &again) < 0)
			return PUNT;
		return open_planned(&again, canon, oflags, follow, 0);
	}
	return fd >= 0 || final_error(fd) ? fd : PUNT;
}

/* An O_PATH fd on the file (the last symlink followed or not). */
static long open_path(const struct plan *pl, const char *path, int follow)
{
	return open_planned(pl, path, O_PATH | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW), follow, 1);
}

static long do_fstatat(int dirfd, const char *path, struct stat *buf, int flags, int retry)
{
	int follow = !(flags & AT_SYMLINK_NOFOLLOW);
	struct plan pl;
	long fd, r;

	if (path && !path[0] && (flags & AT_EMPTY_PATH))
		return on() ? sys_fast(__NR_newfstatat, dirfd, (long)"", (long)buf, flags, 0)
			    : PUNT;
	if (plan_path(dirfd, path, &pl) < 0)
		return PUNT;
	if (pl.single) {
		r = sys_fast(__NR_newfstatat, dirfd, (long)path, (long)buf,
			     flags | AT_SYMLINK_NOFOLLOW, 0);
		if (r == 0 && follow && S_ISLNK(buf->st_mode))
			return PUNT;
		return r == 0 || final_error(r) ? r : PUNT;
	}
	fd = open_planned(&pl, path, O_PATH | O_CLOEXEC | (follow ? 0 : O_NOFOLLOW), follow, retry);
	if (fd < 0)
		return fd;
	r = sys_fast(__NR_newfstatat, fd, (long)"", (long)buf,
		     AT_EMPTY_PATH | (flags & AT_NO_AUTOMOUNT), 0);
	(void)sys_fast(__NR_close, fd, 0, 0, 0, 0);
	return r;
}

static long do_statx(int dirfd, const char *path, int flags, unsigned mask, struct statx *buf)
{
	struct plan pl;
	long fd, r;

	if (path && !path[0] && (flags & AT_EMPTY_PATH))
		return on() ? sys_fast(__NR_statx, dirfd, (long)"", flags, mask, (long)buf) : PUNT;
	if (plan_path(dirfd, path, &pl) < 0)
		return PUNT;
	fd = open_path(&pl, path, !(flags & AT_SYMLINK_NOFOLLOW));
	if (fd < 0)
		return fd;
	r = sys_fast(__NR_statx, fd, (long)"", AT_EMPTY_PATH | (flags & ~AT_SYMLINK_NOFOLLOW), mask,
		     (long)buf);
	(void)sys_fast(__NR_close, fd, 0, 0, 0, 0);
	return r;
}

static long do_faccessat(int dirfd, const char *path, int mode, int flags)
{
	struct plan pl;
	long fd, r;

	/* W_OK in a read-only root is EROFS (binds are the tracer's anyway) */
	if (((mode & W_OK) && !root_writable) || plan_path(dirfd, path, &pl) < 0)
		return PUNT;
	fd = open_path(&pl, path, !(flags & AT_SYMLINK_NOFOLLOW));
	if (fd < 0)
		return fd;
	r = sys_fast(__NR_faccessat2, fd, (long)"", mode,
		     AT_EMPTY_PATH | (flags & ~AT_SYMLINK_NOFOLLOW), 0);
	(void)sys_fast(__NR_close, fd, 0, 0, 0, 0);
	return r == -EINVAL || r == -ENOSYS ? PUNT : r;
}

static long do_openat(int dirfd, const char *path, int flags)
{
	struct plan pl;

	/* only opens that neither write nor create: copy-up and read-only binds are the
	 * tracer's */
	if ((flags & O_ACCMODE) != O_RDONLY || (flags & (O_CREAT | O_TRUNC)) ||
	    (flags & O_TMPFILE) == O_TMPFILE || plan_path(dirfd, path, &pl) < 0)
		return PUNT;
	return open_planned(&pl, path, (uint64_t)(unsigned)flags, !(flags & O_NOFOLLOW), 1);
}

/* Is the directory a relative path starts from on procfs (magic links: the tracer's)? */
static int on_procfs(int dirfd)
{
	struct {
		long f_type;
		long rest[15];
	} sfs;
	long r = dirfd == AT_FDCWD ? sys_fast(__NR_statfs, (long)".", (long)&sfs, 0, 0, 0)
				   : sys_fast(__NR_fstatfs, dirfd, (long)&sfs, 0, 0, 0);

	return r < 0 || sfs.f_type == PROC_SUPER_MAGIC;
}

static long do_readlinkat(int dirfd, const char *path, char *buf, long size)
{
	struct plan pl;
	long fd, r;

	if (size <= 0 || plan_path(dirfd, path, &pl) < 0)
		return PUNT;
	if (path[0] != '/' && on_procfs(dirfd))
		return PUNT;
	if (pl.single) {
		r = sys_fast(__NR_readlinkat, dirfd, (long)path, (long)buf, size, 0);
		return r >= 0 || r == -EINVAL || final_error(r) ? r : PUNT;
	}
	fd = open_path(&pl, path, 0);
	if (fd < 0)
		return fd;
	r = sys_fast(__NR_readlinkat, fd, (long)"", (long)buf, size, 0);
	(void)sys_fast(__NR_close, fd, 0, 0, 0, 0);
	return r == -ENOENT ? -EINVAL : r; /* the file is there: it is no symlink */
}

/*
 * realpath: glibc's walk (a readlink per component, links spliced in, at most 40), made here
 * so that its readlink calls need no stop. The part resolved so far is canonical, so while it
 * enters no bind, rootfs + it is a host path with no link in it and readlink of it is exact.
 * From the first bind name on, every readlink goes to the tracer with the guest path.
 */
struct walk {
	char out[PATH_MAX]; /* canonical guest path so far */
	size_t len;
	int slow; /* a bind was named: the tracer answers from here on */
};

static long walk_readlink(struct walk *w, const char *comp, size_t clen, char *buf)
{
	char host[PATH_MAX];

	(void)comp;
	(void)clen;
	if (!on() || listed(w->out, w->len))
		w->slow = 1;
	if (w->slow || root_len + w->len >= sizeof(host))
		return sys_trapped(__NR_readlink, (long)w->out, (long)buf, PATH_MAX - 1, 0, 0);
	for (size_t i = 0; i < root_len; i++)
		host[i] = root[i];
	for (size_t i = 0; i <= w->len; i++)
		host[root_len + i] = w->out[i];
	return sys_fast(__NR_readlink, (long)host, (long)buf, PATH_MAX - 1, 0, 0);
}

static void walk_pop(struct walk *w)
{
	while (w->len > 1 && w->out[w->len - 1] != '/')
		w->len--;
	if (w->len > 1)
		w->len--;
	w->out[w->len] = '\0';
}

static long do_realpath(const char *path, char *ret)
{
	static const size_t max = PATH_MAX;
	char pending[2 * PATH_MAX], link[PATH_MAX];
	struct walk w = { .slow = 0 };
	size_t links = 0, plen = str_len(path), at = 0;
	long r;

	if (plen >= max)
		return -ENAMETOOLONG;
	if (plen == 0)
		return -ENOENT;
	for (size_t i = 0; i <= plen; i++)
		pending[i] = path[i];
	if (path[0] == '/') {
		w.out[0] = '/';
		w.out[1] = '\0';
		w.len = 1;
	} else {
		r = sys_trapped(__NR_getcwd, (long)w.out, sizeof(w.out), 0, 0, 0);
		if (r < 0)
			return r;
		w.len = str_len(w.out);
		if (w.out[0] != '/')
			return -ENOENT; /* "(unreachable)" */
		/* a cwd in a bind: the tracer answers from the start */
		for (size_t i = 1; i <= w.len && !w.slow; i++) {
			if (w.out[i] == '/' || w.out[i] == '\0')
				w.slow = listed(w.out, i);
		}
	}
	for (;;) {
		size_t l, rest;
		int dir_needed;

		while (pending[at] == '/')
			at++;
		if (!pending[at])
			break;
		for (l = 0; pending[at + l] && pending[at + l] != '/'; l++)
			;
		if (l == 1 && pending[at] == '.') {
			at += l;
			continue;
		}
		if (l == 2 && pending[at] == '.' && pending[at + 1] == '.') {
			walk_pop(&w);
			at += l;
			continue;
		}
		if (w.len + 1 + l >= max)
			return -ENAMETOOLONG;
		if (w.len > 1)
			w.out[w.len++] = '/';
		for (size_t i = 0; i < l; i++)
			w.out[w.len + i] = pending[at + i];
		w.len += l;
		w.out[w.len] = '\0';
		r = walk_readlink(&w, pending + at, l, link);
		at += l;
		if (r == -EINVAL) {
			/* no link; a trailing '/' (or "/." ...) wants a directory */
			dir_needed = 0;
			for (size_t i = at; pending[i]; i++) {
				if (pending[i] != '/' && pending[i] != '.')
					break;
				if (!pending[i + 1])
					dir_needed = 1;
			}
			if (dir_needed) {
				struct stat st;

				r = w.slow ? PUNT : do_fstatat(AT_FDCWD, w.out, &st, 0, 0);
				if (r == PUNT)
					r = sys_trapped(__NR_newfstatat, AT_FDCWD, (long)w.out,
							(long)&st, 0, 0);
				if (r == 0 && !S_ISDIR(st.st_mode))
					r = -ENOTDIR;
				if (r < 0)
					return r;
			}
			continue;
		}
		if (r < 0)
			return r;
		if (r >= (long)max - 1)
			return -ENAMETOOLONG;
		if (++links > 40)
			return -ELOOP;
		/* pending = link + rest */
		rest = str_len(pending + at);
		if ((size_t)r + rest >= sizeof(pending))
			return -ENAMETOOLONG;
		if ((size_t)r < at) {
			for (size_t i = 0; i <= rest; i++)
				pending[r + i] = pending[at + i];
		} else {
			for (size_t i = rest + 1; i-- > 0;)
				pending[r + i] = pending[at + i];
		}
		for (long i = 0; i < r; i++)
			pending[i] = link[i];
		at = 0;
		if (link[0] == '/') {
			w.out[1] = '\0';
			w.len = 1;
		} else {
			walk_pop(&w);
		}
	}
	for (size_t i = 0; i <= w.len; i++)
		ret[i] = w.out[i];
	return (long)w.len;
}

static long resolve_links(const char *path, int follow, char *canon)
{
	size_t len = str_len(path), cut = len, dlen;
	char dir[PATH_MAX];
	long r;

	if (path[0] != '/' || len >= sizeof(dir))
		return PUNT;
	if (follow || path[len - 1] == '/') {
		r = do_realpath(path, canon);
		return r >= 0 ? 0 : final_error(r) && r != -ENAMETOOLONG ? r : PUNT;
	}
	/* not following the last component: resolve its directory, then add it back */
	while (cut > 0 && path[cut - 1] != '/')
		cut--;
	if ((len - cut == 1 && path[cut] == '.') ||
	    (len - cut == 2 && path[cut] == '.' && path[cut + 1] == '.'))
		return PUNT;
	for (size_t i = 0; i < cut; i++)
		dir[i] = path[i];
	dir[cut] = '\0';
	/* the walk's ENAMETOOLONG and ELOOP are its own limits, not the kernel's: punt */
	r = do_realpath(dir, canon);
	if (r < 0)
		return final_error(r) && r != -ENAMETOOLONG ? r : PUNT;
	dlen = (size_t)r;
	if (dlen + 1 + (len - cut) >= PATH_MAX)
		return PUNT;
	if (dlen > 1)
		canon[dlen++] = '/';
	for (size_t i = cut; i <= len; i++)
		canon[dlen + i - cut] = path[i];
	return 0;
}

/* ---- exported: the libc functions ------------------------------------------------------- */

EXPORT int stat(const char *path, struct stat *buf);
EXPORT int lstat(const char *path, struct stat *buf);
EXPORT int fstatat(int dirfd, const char *path, struct stat *buf, int flags);
EXPORT int fstat(int fd, struct stat *buf);
EXPORT int __xstat(int ver, const char *path, struct stat *buf);
EXPORT int __lxstat(int ver, const char *path, struct stat *buf);
EXPORT int __fxstat(int ver, int fd, struct stat *buf);
EXPORT int __fxstatat(int ver, int dirfd, const char *path, struct stat *buf, int flags);
EXPORT int statx(int dirfd, const char *path, int flags, unsigned mask, struct statx *buf);
EXPORT int faccessat(int dirfd, const char *path, int mode, int flags);
EXPORT int euidaccess(const char *path, int mode);
EXPORT int access(const char *path, int mode);
EXPORT int openat(int dirfd, const char *path, int flags, ...);
EXPORT int open(const char *path, int flags, ...);
EXPORT int __open_2(const char *path, int flags);
EXPORT long readlink(const char *path, char *buf, size_t size);
EXPORT long readlinkat(int dirfd, const char *path, char *buf, size_t size);
EXPORT char *realpath(const char *path, char *resolved);
EXPORT char *canonicalize_file_name(const char *path);
EXPORT char *__realpath_chk(const char *path, char *resolved, size_t resolvedlen);
EXPORT int execvpe(const char *file, char *const argv[], char *const envp[]);
EXPORT int execvp(const char *file, char *const argv[]);
EXPORT int __openat_2(int dirfd, const char *path, int flags);

static long fstatat_call(int dirfd, const char *path, struct stat *buf, int flags)
{
	long r = do_fstatat(dirfd, path, buf, flags, 1);

	if (r == 0 && qrun_owners_stat(buf) < 0)
		r = PUNT; /* the tracer knows the owners */
	if (r == PUNT)
		r = sys_trapped(__NR_newfstatat, dirfd, (long)path, (long)buf, flags, 0);
	return set_errno(r);
}

static long open_call(int dirfd, const char *path, int flags, unsigned mode)
{
	long r = do_openat(dirfd, path, flags);

	if (r == PUNT)
		r = sys_trapped(__NR_openat, dirfd, (long)path, flags, mode, 0);
	return set_errno(r);
}

static unsigned open_mode(int flags, va_list ap)
{
	return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? va_arg(ap, unsigned) : 0;
}

EXPORT int stat(const char *path, struct stat *buf)
{
	return (int)fstatat_call(AT_FDCWD, path, buf, 0);
}

EXPORT int lstat(const char *path, struct stat *buf)
{
	return (int)fstatat_call(AT_FDCWD, path, buf, AT_SYMLINK_NOFOLLOW);
}

EXPORT int fstatat(int dirfd, const char *path, struct stat *buf, int flags)
{
	return (int)fstatat_call(dirfd, path, buf, flags);
}

EXPORT int fstat(int fd, struct stat *buf)
{
	long r = on() ? sys_fast(__NR_newfstatat, fd, (long)"", (long)buf, AT_EMPTY_PATH, 0) : PUNT;

	if (r == 0 && qrun_owners_stat(buf) < 0)
		r = PUNT;
	if (r == PUNT)
		r = sys_trapped(__NR_fstat, fd, (long)buf, 0, 0, 0);
	return (int)set_errno(r);
}

/* x86_64: struct stat64 is struct stat, and the old __xstat versions 0 and 1 are the same. */
EXPORT int stat64(const char *path, struct stat *buf) __attribute__((alias("stat")));
EXPORT int lstat64(const char *path, struct stat *buf) __attribute__((alias("lstat")));
EXPORT int fstatat64(int dirfd, const char *path, struct stat *buf, int flags)
    __attribute__((alias("fstatat")));
EXPORT int fstat64(int fd, struct stat *buf) __attribute__((alias("fstat")));

EXPORT int __xstat(int ver, const char *path, struct stat *buf)
{
	return ver > 1 ? (int)set_errno(-EINVAL) : stat(path, buf);
}

EXPORT int __lxstat(int ver, const char *path, struct stat *buf)
{
	return ver > 1 ? (int)set_errno(-EINVAL) : lstat(path, buf);
}

EXPORT int __fxstat(int ver, int fd, struct stat *buf)
{
	return ver > 1 ? (int)set_errno(-EINVAL) : fstat(fd, buf);
}

EXPORT int __fxstatat(int ver, int dirfd, const char *path, struct stat *buf, int flags)
{
	return ver > 1 ? (int)set_errno(-EINVAL) : fstatat(dirfd, path, buf, flags);
}

EXPORT int __xstat64(int ver, const char *path, struct stat *buf) __attribute__((alias("__xstat")));
EXPORT int __lxstat64(int ver, const char *path, struct stat *buf)
    __attribute__((alias("__lxstat")));
EXPORT int __fxstat64(int ver, int fd, struct stat *buf) __attribute__((alias("__fxstat")));
EXPORT int __fxstatat64(int ver, int dirfd, const char *path, struct stat *buf, int flags)
    __attribute__((alias("__fxstatat")));

EXPORT int statx(int dirfd, const char *path, int flags, unsigned mask, struct statx *buf)
{
	long r = do_statx(dirfd, path, flags, mask, buf);

	if (r == 0 && qrun_owners_statx(buf) < 0)
		r = PUNT;
	if (r == PUNT)
		r = sys_trapped(__NR_statx, dirfd, (long)path, flags, mask, (long)buf);
	return (int)set_errno(r);
}

EXPORT int faccessat(int dirfd, const char *path, int mode, int flags)
{
	long r = do_faccessat(dirfd, path, mode, flags);

	if (r == PUNT)
		r = flags ? sys_trapped(__NR_faccessat2, dirfd, (long)path, mode, flags, 0)
			  : sys_trapped(__NR_faccessat, dirfd, (long)path, mode, 0, 0);
	return (int)set_errno(r);
}

EXPORT int access(const char *path, int mode)
{
	return faccessat(AT_FDCWD, path, mode, 0);
}

/* glibc's and musl's: access with the effective ids (what the kernel's AT_EACCESS does) */
EXPORT int euidaccess(const char *path, int mode)
{
	return faccessat(AT_FDCWD, path, mode, AT_EACCESS);
}

EXPORT int eaccess(const char *path, int mode) __attribute__((alias("euidaccess")));

EXPORT int openat(int dirfd, const char *path, int flags, ...)
{
	va_list ap;
	unsigned mode;

	va_start(ap, flags);
	mode = open_mode(flags, ap);
	va_end(ap);
	return (int)open_call(dirfd, path, flags, mode);
}

EXPORT int open(const char *path, int flags, ...)
{
	va_list ap;
	unsigned mode;

	va_start(ap, flags);
	mode = open_mode(flags, ap);
	va_end(ap);
	return (int)open_call(AT_FDCWD, path, flags, mode);
}

EXPORT int open64(const char *path, int flags, ...) __attribute__((alias("open")));
EXPORT int openat64(int dirfd, const char *path, int flags, ...) __attribute__((alias("openat")));

/* _FORTIFY_SOURCE's checked versions (no O_CREAT, so no mode) */
EXPORT int __open_2(const char *path, int flags)
{
	return (int)open_call(AT_FDCWD, path, flags, 0);
}

EXPORT int __openat_2(int dirfd, const char *path, int flags)
{
	return (int)open_call(dirfd, path, flags, 0);
}

EXPORT int __open64_2(const char *path, int flags) __attribute__((alias("__open_2")));
EXPORT int __openat64_2(int dirfd, const char *path, int flags)
    __attribute__((alias("__openat_2")));

EXPORT long readlinkat(int dirfd, const char *path, char *buf, size_t size)
{
	long r = do_readlinkat(dirfd, path, buf, (long)size);

	if (r == PUNT)
		r = sys_trapped(__NR_readlinkat, dirfd, (long)path, (long)buf, (long)size, 0);
	return set_errno(r);
}

EXPORT long readlink(const char *path, char *buf, size_t size)
{
	return readlinkat(AT_FDCWD, path, buf, size);
}

EXPORT char *realpath(const char *path, char *resolved)
{
	char buf[PATH_MAX], *ret;
	long r;

	if (!path) {
		set_errno(-EINVAL);
		return NULL;
	}
	r = do_realpath(path, buf);
	if (r < 0) {
		set_errno(r);
		return NULL;
	}
	ret = resolved ? resolved : malloc ? malloc((size_t)r + 1) : NULL;
	if (!ret) {
		set_errno(-ENOMEM);
		return NULL;
	}
	for (long i = 0; i <= r; i++)
		ret[i] = buf[i];
	return ret;
}

EXPORT char *canonicalize_file_name(const char *path)
{
	return realpath(path, NULL);
}

EXPORT char *__realpath_chk(const char *path, char *resolved, size_t resolvedlen)
{
	(void)resolvedlen;
	return realpath(path, resolved);
}

/*
 * execvp: the PATH walk with a check in the process first, so that the PATH entries that do
 * not have the program (gcc looking for `as`, say) cost no stop; an execve of a name that is
 * there goes to the tracer as always. Otherwise glibc's rules: an empty PATH entry is the cwd;
 * ENOENT, ENOTDIR, ESTALE, ENODEV and ETIMEDOUT go on to the next entry, EACCES too but is
 * what fails in the end; ENOEXEC runs the file with /bin/sh.
 */
static long exec_script(const char *path, char *const argv[], char *const envp[])
{
	const char *sh_argv[1024]; /* (a vfork child has no malloc; glibc uses the stack too) */
	size_t argc = 0;

	while (argv[argc])
		argc++;
	if (argc + 2 > ARRAY_LEN(sh_argv))
		return -E2BIG;
	sh_argv[0] = "/bin/sh";
	sh_argv[1] = path;
	for (size_t i = 1; i <= argc; i++)
		sh_argv[i + 1] = argv[i];
	if (argc == 0)
		sh_argv[2] = NULL;
	return sys_trapped(__NR_execve, (long)"/bin/sh", (long)sh_argv, (long)envp, 0, 0);
}

static long exec_one(const char *path, char *const argv[], char *const envp[])
{
	long r = sys_trapped(__NR_execve, (long)path, (long)argv, (long)envp, 0, 0);

	return r == -ENOEXEC ? exec_script(path, argv, envp) : r;
}

static const char *env_path(void)
{
	for (char **e = environ; e && *e; e++) {
		const char *v = *e;

		if (v[0] == 'P' && v[1] == 'A' && v[2] == 'T' && v[3] == 'H' && v[4] == '=')
			return v + 5;
	}
	return "/bin:/usr/bin"; /* glibc's confstr(_CS_PATH) */
}

EXPORT int execvpe(const char *file, char *const argv[], char *const envp[])
{
	char path[PATH_MAX];
	const char *d;
	size_t flen;
	int eacces = 0;
	long r = -ENOENT;

	if (!file || !file[0])
		return (int)set_errno(-ENOENT);
	for (const char *c = file; *c; c++) {
		if (*c == '/')
			return (int)set_errno(exec_one(file, argv, envp));
	}
	flen = str_len(file);
	for (d = env_path();; d++) {
		const char *end = d;
		size_t dlen, at = 0;

		while (*end && *end != ':')
			end++;
		dlen = (size_t)(end - d);
		if (dlen + 1 + flen < sizeof(path)) {
			for (size_t i = 0; i < dlen; i++)
				path[at++] = d[i];
			if (dlen > 0)
				path[at++] = '/';
			for (size_t i = 0; i <= flen; i++)
				path[at + i] = file[i];
			/* nothing there: what execve would say, without the stop */
			r = do_faccessat(AT_FDCWD, path, 0 /* F_OK */, 0);
			if (r != -ENOENT && r != -ENOTDIR)
				r = exec_one(path, argv, envp);
			if (r == -EACCES)
				eacces = 1;
			else if (r != -ENOENT && r != -ENOTDIR && r != -ESTALE && r != -ENODEV &&
				 r != -ETIMEDOUT)
				return (int)set_errno(r);
		}
		if (!*end)
			break;
		d = end;
	}
	return (int)set_errno(eacces ? -EACCES : r);
}

EXPORT int execvp(const char *file, char *const argv[])
{
	return execvpe(file, argv, environ);
}

/* for redirect.c: the shim's own addresses, whatever the program exports */
#define HIDDEN_ALIAS(name) __attribute__((alias(#name), visibility("hidden")))
int qrun_open(const char *path, int flags, ...) HIDDEN_ALIAS(open);
int qrun_openat(int dirfd, const char *path, int flags, ...) HIDDEN_ALIAS(openat);
int qrun_stat(const char *path, struct stat *buf) HIDDEN_ALIAS(stat);
int qrun_lstat(const char *path, struct stat *buf) HIDDEN_ALIAS(lstat);
int qrun_fstat(int fd, struct stat *buf) HIDDEN_ALIAS(fstat);
int qrun_fstatat(int dirfd, const char *path, struct stat *buf, int flags) HIDDEN_ALIAS(fstatat);
int qrun_statx(int dirfd, const char *path, int flags, unsigned mask, struct statx *buf)
    HIDDEN_ALIAS(statx);
int qrun_access(const char *path, int mode) HIDDEN_ALIAS(access);
int qrun_faccessat(int dirfd, const char *path, int mode, int flags) HIDDEN_ALIAS(faccessat);
long qrun_readlink(const char *path, char *buf, unsigned long size) HIDDEN_ALIAS(readlink);
long qrun_readlinkat(int dirfd, const char *path, char *buf, unsigned long size)
    HIDDEN_ALIAS(readlinkat);
