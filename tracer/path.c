/*
 * Guest paths of a tracee to host paths and back. The walk itself is canon.c; this file
 * answers its questions from the host file system through the bind table, and gives /proc
 * magic links (self, exe, cwd, root, fd/N) their guest meaning: the kernel's answers name
 * host paths, and /proc/self would name the tracer.
 */
#include "tracer/tracer-internal.h"

#include <fcntl.h>
#include <sys/stat.h>

struct lookup_ctx {
	struct tracer *tr;
	struct tracee *t;
};

static int read_link(const char *path, char *buf, size_t size)
{
	ssize_t n = readlink(path, buf, size);

	if (n < 0)
		return -errno;
	if ((size_t)n >= size)
		return -ENAMETOOLONG;
	buf[n] = '\0';
	return 0;
}

int path_to_guest(struct tracer *tr, const char *host, char *ret, size_t size)
{
	int r = binds_to_guest(&tr->binds, host, ret, size);

	return r < 0 ? r : 0;
}

int path_guest_cwd(struct tracer *tr, struct tracee *t, char *ret, size_t size)
{
	char link[32], host[PATH_MAX];
	int r;

	(void)snprintf(link, sizeof(link), "/proc/%d/cwd", t->pid);
	r = read_link(link, host, sizeof(host));
	if (r == -ENAMETOOLONG)
		return longpath_guest_dir(&tr->binds, link, ret, size);
	if (r < 0)
		return r;
	if (host[0] != '/')
		return -ENOENT; /* "(unreachable)" */
	if (str_has_suffix(host, " (deleted)")) {
		struct stat st;

		/* the kernel's getcwd fails for a removed directory; a name can end so too */
		if (stat(link, &st) == 0 && st.st_nlink == 0)
			return -ENOENT;
	}
	return path_to_guest(tr, host, ret, size);
}

/* Parse a decimal pid at *p; advances *p. */
static pid_t parse_pid(const char **p)
{
	long v = 0;

	if (**p < '0' || **p > '9')
		return 0;
	while (**p >= '0' && **p <= '9') {
		v = v * 10 + (**p - '0');
		if (v > INT32_MAX)
			return 0;
		(*p)++;
	}
	return (pid_t)v;
}

/* What a magic link's text is. */
enum magic_kind {
	MAGIC_GUEST,   /* a guest path */
	MAGIC_TEXT,    /* no path: pipe:[12], socket:[3], anon_inode:[eventfd] */
	MAGIC_OUTSIDE, /* a host path outside every bind: shown as is, never walked */
};

/*
 * The text of magic link `what` (exe, cwd, root, fd/N) of process pid (thread tid), and its
 * kind. Returns 1, 0 when what is no such link, or -errno.
 */
static int magic_link(struct tracer *tr, pid_t pid, pid_t tid, const char *what, char *ret,
		      size_t size, enum magic_kind *kind)
{
	char link[64], host[PATH_MAX];
	struct tracee *owner;
	int r;

	*kind = MAGIC_GUEST;
	if (strcmp(what, "root") == 0) {
		if (size < 2)
			return -ENAMETOOLONG;
		memcpy(ret, "/", 2);
		return 1;
	}
	if (strcmp(what, "exe") == 0) {
		owner = tracee_get(tr, pid);
		if (owner && owner->exe) {
			if (strlen(owner->exe) >= size)
				return -ENAMETOOLONG;
			memcpy(ret, owner->exe, strlen(owner->exe) + 1);
			return 1;
		}
	} else if (strcmp(what, "cwd") != 0 && !str_has_prefix(what, "fd/")) {
		return 0;
	}
	if (tid)
		(void)snprintf(link, sizeof(link), "/proc/%d/task/%d/%s", pid, tid, what);
	else
		(void)snprintf(link, sizeof(link), "/proc/%d/%s", pid, what);
	r = read_link(link, host, sizeof(host));
	if (r == -ENAMETOOLONG && strcmp(what, "exe") != 0) {
		/* a directory deeper than readlink shows: walk up to find its guest path */
		r = longpath_guest_dir(&tr->binds, link, ret, size);
		return r < 0 ? r : 1;
	}
	if (r < 0)
		return r;
	if (host[0] == '/' && path_to_guest(tr, host, ret, size) == 0)
		return 1;
	*kind = host[0] == '/' ? MAGIC_OUTSIDE : MAGIC_TEXT;
	if (strlen(host) >= size)
		return -ENAMETOOLONG;
	memcpy(ret, host, strlen(host) + 1);
	return 1;
}

pid_t path_proc_pid(const char *guest, const char **rest)
{
	const char *p;
	pid_t pid;

	if (!str_has_prefix(guest, "/proc/"))
		return 0;
	p = guest + strlen("/proc/");
	pid = parse_pid(&p);
	*rest = p;
	return pid;
}

int path_proc_split(const char *guest, pid_t *pid, pid_t *tid, const char **what)
{
	const char *p;

	*tid = 0;
	*pid = path_proc_pid(guest, &p);
	if (!*pid || *p != '/')
		return 0;
	p++;
	if (str_has_prefix(p, "task/")) {
		p += strlen("task/");
		*tid = parse_pid(&p);
		if (!*tid || *p != '/')
			return 0;
		p++;
	}
	if (strchr(p, '/') && !str_has_prefix(p, "fd/"))
		return 0;
	if (str_has_prefix(p, "fd/") && (strchr(p + 3, '/') || !p[3]))
		return 0;
	*what = p;
	return 1;
}

int path_proc_link(struct tracer *tr, struct tracee *t, const char *guest, char *ret, size_t size)
{
	enum magic_kind kind;
	const char *what;
	pid_t pid, tid;

	if (!str_has_prefix(guest, "/proc/"))
		return 0;
	if (strcmp(guest + 6, "self") == 0) {
		(void)snprintf(ret, size, "%d", tracee_tgid(t));
		return 1;
	}
	if (strcmp(guest + 6, "thread-self") == 0) {
		(void)snprintf(ret, size, "%d/task/%d", tracee_tgid(t), t->pid);
		return 1;
	}
	if (!path_proc_split(guest, &pid, &tid, &what))
		return 0;
	return magic_link(tr, pid, tid, what, ret, size, &kind);
}

/*
 * Is guest "/proc/PID" or "/proc/PID/task/TID" (exactly) of a process that is not traced here,
 * in the host's /proc? Such directories are hidden: their magic links (cwd, root, fd/N, mem)
 * lead to host files and to other processes' memory, and a container sees only its own.
 */
static bool proc_pid_hidden(struct tracer *tr, const char *guest)
{
	const char *p = guest + strlen("/proc/");
	char host[PATH_MAX];
	pid_t pid = parse_pid(&p);
	int b;

	if (pid && str_has_prefix(p, "/task/")) {
		if (!tracee_get(tr, pid))
			return false; /* hidden already at /proc/PID */
		p += strlen("/task/");
		pid = parse_pid(&p);
	}
	if (!pid || *p)
		return false;
	b = binds_to_host(&tr->binds, guest, host, sizeof(host));
	if (b < 0 || tr->binds.v[b].def != BIND_PROC)
		return false;
	return !tracee_get(tr, pid);
}

int path_proc_target(struct tracer *tr, struct tracee *t, const char *guest, char *host,
		     size_t size)
{
	char text[PATH_MAX];
	int b;

	if (!str_has_prefix(guest, "/proc/") ||
	    path_proc_link(tr, t, guest, text, sizeof(text)) <= 0 || text[0] != '/')
		return -1;
	b = binds_to_host(&tr->binds, text, host, size);
	return b < 0 ? -1 : b;
}

static int lookup(void *ctx, const char *guest, struct canon_node *ret)
{
	struct lookup_ctx *c = ctx;
	enum magic_kind kind;
	char host[PATH_MAX * 2];
	const char *rel;
	int dirfd;
	const char *what;
	struct stat st;
	pid_t pid, tid;
	int r;

	if (str_has_prefix(guest, "/proc/")) {
		if (proc_pid_hidden(c->tr, guest))
			return -ENOENT; /* even as the last component: nothing to open or create */
		if (strcmp(guest + 6, "self") == 0 || strcmp(guest + 6, "thread-self") == 0) {
			ret->type = CANON_LINK; /* relative to /proc: our tracee, not the tracer */
			return path_proc_link(c->tr, c->t, guest, ret->target,
					      sizeof(ret->target)) < 0
				   ? -ENOENT
				   : 0;
		}
		if (path_proc_split(guest, &pid, &tid, &what) &&
		    (r = magic_link(c->tr, pid, tid, what, ret->target, sizeof(ret->target),
				    &kind)) != 0) {
			if (r < 0)
				return r;
			if (str_has_prefix(what, "fd/")) {
				/*
				 * As the last component the kernel opens the fd's object itself
				 * (/dev/stdout, /dev/fd/3, pipes); walked through, it is the guest
				 * directory, or nothing the guest may enter.
				 */
				ret->type = CANON_MAGIC;
				ret->err = kind == MAGIC_TEXT ? -ENOTDIR : -EACCES;
				if (kind != MAGIC_GUEST)
					ret->target[0] = '\0';
				return 0;
			}
			if (kind == MAGIC_OUTSIDE)
				return -EACCES; /* a cwd outside the guest's view */
			ret->type = kind == MAGIC_GUEST ? CANON_LINK : CANON_OPAQUE;
			return 0;
		}
	}
	r = binds_to_host(&c->tr->binds, guest, host, sizeof(host));
	if (r < 0)
		return r;
	r = longpath_at(c->tr, host, &dirfd, &rel);
	if (r < 0)
		return r;
	if (fstatat(dirfd, rel, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT && binds_is_ancestor(&c->tr->binds, guest)) {
			ret->type = CANON_DIR; /* leads to a bind whose mount point is virtual */
			return 0;
		}
		if (errno == ENOENT || errno == ENOTDIR) {
			ret->type = CANON_MISSING;
			return 0;
		}
		return -errno;
	}
	if (S_ISLNK(st.st_mode)) {
		ssize_t n;

		ret->type = CANON_LINK;
		n = readlinkat(dirfd, rel, ret->target, sizeof(ret->target));
		if (n < 0)
			return -errno;
		if ((size_t)n >= sizeof(ret->target))
			return -ENAMETOOLONG;
		ret->target[n] = '\0';
		return 0;
	}
	ret->type = S_ISDIR(st.st_mode) ? CANON_DIR : CANON_OTHER;
	return 0;
}

/* The guest path of the directory behind a tracee's dirfd. */
static int fd_guest_dir(struct tracer *tr, struct tracee *t, int fd, char *ret, size_t size)
{
	char link[48], host[PATH_MAX];
	int r;

	if (fd < 0)
		return -EBADF;
	(void)snprintf(link, sizeof(link), "/proc/%d/fd/%d", t->pid, fd);
	r = read_link(link, host, sizeof(host));
	if (r == -ENOENT)
		return -EBADF;
	if (r == -ENAMETOOLONG)
		return longpath_guest_dir(&tr->binds, link, ret, size);
	if (r < 0)
		return r;
	if (host[0] != '/')
		return -ENOTDIR; /* a pipe or socket */
	{
		/*
		 * The base is taken as a canonical directory without looking it up: an O_PATH fd
		 * of a symlink (or of a file) must not become one, or its host target would be
		 * followed by the kernel.
		 */
		struct stat st;

		if (lstat(host, &st) < 0 || !S_ISDIR(st.st_mode))
			return -ENOTDIR;
	}
	/* A directory outside every bind cannot be a guest's: refuse rather than leak. */
	return path_to_guest(tr, host, ret, size) < 0 ? -EACCES : 0;
}

/*
 * A cache of guest directories known to be reached without any symlink: for a clean absolute
 * path whose directory is cached, only the last component is left to look at (and nothing at
 * all when it is not followed). Anything that can turn a directory into something else
 * (rename, rmdir, unlink, symlink, by any tracee) empties it: path_cache_flush().
 */
static size_t dir_hash(const char *s, size_t len)
{
	size_t h = 5381;

	for (size_t i = 0; i < len; i++)
		h = h * 33 + (unsigned char)s[i];
	return h % DIRCACHE_SLOTS;
}

static bool dir_cached(struct tracer *tr, const char *dir, size_t len)
{
	const char *e = tr->dircache[dir_hash(dir, len)];

	return e && strlen(e) == len && memcmp(e, dir, len) == 0;
}

static void dir_remember(struct tracer *tr, const char *dir, size_t len)
{
	size_t h = dir_hash(dir, len);

	free(tr->dircache[h]);
	tr->dircache[h] = xstrndup(dir, len);
}

void path_cache_flush(struct tracer *tr)
{
	for (size_t i = 0; i < DIRCACHE_SLOTS; i++) {
		free(tr->dircache[i]);
		tr->dircache[i] = NULL;
	}
}

/* absolute, no "//", no "." or ".." component, no trailing '/', not under /proc */
static bool clean_path(const char *p)
{
	if (p[0] != '/' || p[1] == '\0' || str_has_prefix(p, "/proc/") || strcmp(p, "/proc") == 0)
		return false;
	for (const char *c = p; *c; c++) {
		if (c[0] == '/' && (c[1] == '/' || c[1] == '\0'))
			return false;
		if (c[0] == '/' && c[1] == '.' &&
		    (c[2] == '/' || c[2] == '\0' || (c[2] == '.' && (c[3] == '/' || c[3] == '\0'))))
			return false;
	}
	return true;
}

int path_translate(struct tracer *tr, struct tracee *t, int dirfd, const char *path, bool follow,
		   struct xlat *ret)
{
	struct lookup_ctx ctx = { tr, t };
	char base[PATH_MAX];
	int r;

	base[0] = '/';
	base[1] = '\0';
	if (path[0] != '/') {
		if (dirfd == AT_FDCWD) {
			r = path_guest_cwd(tr, t, base, sizeof(base));
		} else {
			r = fd_guest_dir(tr, t, dirfd, base, sizeof(base));
		}
		if (r < 0)
			return r;
	}
	if (clean_path(path)) {
		size_t dlen = (size_t)(strrchr(path, '/') - path);
		struct canon_node node;

		if (dlen > 0 && dir_cached(tr, path, dlen) && strlen(path) < sizeof(ret->guest) &&
		    (!follow || (lookup(&ctx, path, &node) == 0 && node.type != CANON_LINK &&
				 node.type != CANON_MAGIC))) {
			memcpy(ret->guest, path, strlen(path) + 1);
			goto mapped;
		}
	}
	r = canon_resolve(base, path, follow ? CANON_FOLLOW : 0, lookup, &ctx, ret->guest);
	if (r < 0)
		return r;
	if (clean_path(path) && strcmp(path, ret->guest) == 0 && strrchr(path, '/') != path)
		dir_remember(tr, path,
			     (size_t)(strrchr(path, '/') - path)); /* no link on the way */
mapped:
	r = binds_to_host(&tr->binds, ret->guest, ret->host, sizeof(ret->host));
	if (r < 0)
		return r;
	ret->bind = r;
	if (strlen(ret->host) >= PATH_MAX) {
		char tmp[PATH_MAX];
		int e = longpath_for_tracee(tr, ret->host, tmp, sizeof(tmp));

		if (e < 0)
			return e;
		memcpy(ret->host, tmp, strlen(tmp) + 1);
	}
	return 0;
}

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
