/*
 * The bind table: which host directory or file is seen at which guest path. The rootfs is
 * just the bind of guest "/". Lookups are linear: a container has a handful of binds, and
 * prefix compares are cheaper than any index at that size.
 */
#include "tracer/tracer-internal.h"

#include <fcntl.h>
#include <sys/stat.h>

static bool is_prefix(const char *prefix, size_t len, const char *path)
{
	/* "/" is a prefix of everything; "/a" of "/a" and "/a/b" but not "/ab". */
	if (len == 1 && prefix[0] == '/')
		return path[0] == '/';
	return strncmp(prefix, path, len) == 0 && (path[len] == '\0' || path[len] == '/');
}

int tracer_bind_parse(const char *spec, struct tracer_bind *ret, struct qerr *err)
{
	_cleanup_free_ char *copy = xstrdup(spec), *host = NULL;
	char *guest, *mode, guest_canon[PATH_MAX];
	bool ro = false;

	/* HOST[:GUEST][:ro|:rw]; paths with ':' are not supported (as docker -v). */
	guest = strchr(copy, ':');
	if (guest) {
		*guest++ = '\0';
		mode = strchr(guest, ':');
		if (mode) {
			*mode++ = '\0';
		} else if (strcmp(guest, "ro") == 0 || strcmp(guest, "rw") == 0) {
			mode = guest;
			guest = NULL;
		}
		if (mode) {
			if (strcmp(mode, "ro") == 0)
				ro = true;
			else if (strcmp(mode, "rw") != 0)
				return qerr_set(
				    err, -EINVAL,
				    "bind '%s': unknown option '%s' (expected ro or rw)", spec,
				    mode);
		}
	}
	if (!copy[0])
		return qerr_set(err, -EINVAL, "bind '%s': empty host path", spec);
	if (guest && !guest[0])
		return qerr_set(err, -EINVAL, "bind '%s': empty guest path", spec);
	host = realpath(copy, NULL);
	if (!host)
		return qerr_set_errno(err, -errno, "bind '%s': host path '%s'", spec, copy);
	if (!guest)
		guest = copy;
	if (guest[0] != '/')
		return qerr_set(err, -EINVAL, "bind '%s': guest path '%s' must be absolute", spec,
				guest);
	if (canon_lexical(guest, guest_canon, sizeof(guest_canon)) < 0)
		return qerr_set(err, -ENAMETOOLONG, "bind '%s': guest path too long", spec);
	ret->host = TAKE_PTR(host);
	ret->guest = xstrdup(guest_canon);
	ret->readonly = ro;
	return 0;
}

void tracer_bind_release(struct tracer_bind *b)
{
	free(b->host);
	free(b->guest);
	b->host = b->guest = NULL;
}

static void add(struct bind_table *t, const char *host, const char *guest, bool ro,
		enum bind_default def)
{
	struct bind *b;

	t->v = xrealloc(t->v, (t->n + 1) * sizeof(*t->v));
	b = &t->v[t->n++];
	b->host = xstrdup(host);
	b->guest = xstrdup(guest);
	b->hlen = strlen(host);
	b->glen = strlen(guest);
	b->readonly = ro;
	b->def = (uint8_t)def;
}

/*
 * What docker makes read-only in /proc (and /sys as a whole) or hides, done the same way
 * here: read-only binds of the same host paths (writes answer EROFS), and /dev/null over the
 * files it masks. Without them a guest of real root could set /proc/sys/kernel/core_pattern,
 * and the host kernel would run a program of its choice as root. The wall (wall.c) holds the
 * same line for real root where the tracer is raced.
 */
static void add_docker_paths(struct bind_table *t)
{
	static const char *const readonly[] = { "/proc/sys", "/proc/sysrq-trigger", "/proc/bus",
						"/proc/fs",  "/proc/irq",	    "/sys" };
	static const char *const masked[] = { "/proc/kcore", "/proc/keys", "/proc/timer_list",
					      "/proc/sched_debug", "/proc/latency_stats" };
	struct stat st;

	for (size_t i = 0; i < ARRAY_SIZE(readonly); i++) {
		if (stat(readonly[i], &st) == 0)
			add(t, readonly[i], readonly[i], true, BIND_USER);
	}
	for (size_t i = 0; i < ARRAY_SIZE(masked); i++) {
		if (stat(masked[i], &st) == 0 && !S_ISDIR(st.st_mode))
			add(t, "/dev/null", masked[i], true, BIND_MASK);
	}
}

int binds_init(struct bind_table *t, const struct tracer_config *c, struct qerr *err)
{
	static const char *const defaults[] = { "/dev", "/proc", "/sys" };
	_cleanup_free_ char *root = NULL;
	struct stat st;

	memset(t, 0, sizeof(*t));
	root = realpath(c->rootfs, NULL);
	if (!root)
		return qerr_set_errno(err, -errno, "rootfs '%s'", c->rootfs);
	if (stat(root, &st) < 0 || !S_ISDIR(st.st_mode))
		return qerr_set(err, -ENOTDIR, "rootfs '%s': not a directory", c->rootfs);
	add(t, root, "/", false, BIND_USER);
	if (c->default_binds) {
		for (size_t i = 0; i < ARRAY_SIZE(defaults); i++) {
			if (stat(defaults[i], &st) == 0)
				add(t, defaults[i], defaults[i], false, BIND_DEV + i);
		}
	}
	if (c->default_binds && c->restrict_privileges)
		add_docker_paths(t);
	for (size_t i = 0; i < c->n_binds; i++)
		add(t, c->binds[i].host, c->binds[i].guest, c->binds[i].readonly, BIND_USER);
	return 0;
}

void binds_release(struct bind_table *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->v[i].host);
		free(t->v[i].guest);
	}
	free(t->v);
	for (size_t i = 0; i < t->n_created; i++)
		free(t->created[i]);
	free(t->created);
	free(t->created_parent_mtime);
	memset(t, 0, sizeof(*t));
}

static int join(char *ret, size_t size, const char *a, size_t alen, const char *rest)
{
	size_t rlen = strlen(rest);

	/* a == "/" and rest starting with '/': avoid "//x". */
	if (alen == 1 && a[0] == '/' && rest[0] == '/')
		alen = 0;
	if (alen + rlen + 1 > size)
		return -ENAMETOOLONG;
	memcpy(ret, a, alen);
	memcpy(ret + alen, rest, rlen + 1);
	if (ret[0] == '\0')
		memcpy(ret, "/", 2);
	return 0;
}

int binds_to_host(const struct bind_table *t, const char *guest, char *ret, size_t size)
{
	ssize_t best = -1;
	int r;

	for (size_t i = 0; i < t->n; i++) {
		const struct bind *b = &t->v[i];

		if (is_prefix(b->guest, b->glen, guest) && (best < 0 || b->glen >= t->v[best].glen))
			best = (ssize_t)i;
	}
	if (best < 0)
		return -ENOENT; /* not absolute */
	/* the rest after the bind's guest path: "" for the bind itself (also for guest "/") */
	r = join(ret, size, t->v[best].host, t->v[best].hlen,
		 t->v[best].glen == 1 ? (guest[1] ? guest : "") : guest + t->v[best].glen);
	return r < 0 ? r : (int)best;
}

int binds_to_guest(const struct bind_table *t, const char *host, char *ret, size_t size)
{
	ssize_t best = -1;
	int r;

	for (size_t i = 0; i < t->n; i++) {
		const struct bind *b = &t->v[i];

		if (b->def == BIND_MASK)
			continue; /* /dev/null is /dev/null, not a masked /proc file */
		if (is_prefix(b->host, b->hlen, host) && (best < 0 || b->hlen > t->v[best].hlen))
			best = (ssize_t)i;
	}
	if (best < 0)
		return -ENOENT;
	r = join(ret, size, t->v[best].guest, t->v[best].glen,
		 host + (t->v[best].hlen == 1 ? 0 : t->v[best].hlen));
	return r < 0 ? r : (int)best;
}

bool binds_is_ancestor(const struct bind_table *t, const char *guest)
{
	size_t len = strlen(guest);

	for (size_t i = 1; i < t->n; i++) {
		const struct bind *b = &t->v[i];

		if (b->glen > len && is_prefix(guest, len, b->guest))
			return true;
	}
	return false;
}

/*
 * A mount point made at path, in directory fd dir whose mtime was before: kept with the
 * mtime it has now, so that the removal can tell whether a guest changed the directory.
 */
static void remember(struct bind_table *t, const char *path, int dir, struct timespec before)
{
	struct stat now;

	t->created = xrealloc(t->created, (t->n_created + 1) * sizeof(*t->created));
	t->created_parent_mtime = xrealloc(t->created_parent_mtime,
					   (t->n_created + 1) * sizeof(*t->created_parent_mtime));
	t->created_parent_mtime[t->n_created][0] = before;
	t->created_parent_mtime[t->n_created][1] =
	    fstat(dir, &now) == 0 ? now.st_mtim : (struct timespec){ 0 };
	t->created[t->n_created++] = xstrdup(path);
}

/* Create guest path g (below the rootfs only) component by component, never following links. */
static void make_one(struct bind_table *t, const struct bind *b)
{
	_cleanup_close_ int dir = open(t->v[0].host, O_PATH | O_DIRECTORY | O_CLOEXEC);
	_cleanup_free_ char *copy = xstrdup(b->guest);
	struct stat hst;
	char *save = NULL, *comp, *next;
	size_t done = 0;
	bool is_dir;

	if (dir < 0 || stat(b->host, &hst) < 0)
		return;
	is_dir = S_ISDIR(hst.st_mode);
	for (comp = strtok_r(copy, "/", &save); comp; comp = next) {
		_cleanup_free_ char *guest_so_far = NULL;
		int fd;

		next = strtok_r(NULL, "/", &save);
		guest_so_far = xstrndup(b->guest, done + 1 + strlen(comp));
		done += 1 + strlen(comp);
		/* Stop where another bind takes over: never create inside a host bind. */
		for (size_t i = 1; i < t->n; i++) {
			if (&t->v[i] != b && t->v[i].glen <= strlen(guest_so_far) &&
			    strcmp(t->v[i].guest, b->guest) != 0 &&
			    is_prefix(t->v[i].guest, t->v[i].glen, guest_so_far))
				return;
		}
		fd = openat(dir, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0 && errno == ENOENT) {
			_cleanup_free_ char *host = xasprintf("%s%s", t->v[0].host, guest_so_far);
			struct stat pst;

			if (fstat(dir, &pst) < 0)
				return;
			if (next || is_dir) {
				if (mkdirat(dir, comp, 0755) < 0)
					return;
			} else {
				int f = openat(dir, comp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
					       0644);
				if (f < 0)
					return;
				(void)close(f);
			}
			remember(t, host, dir, pst.st_mtim);
			fd = openat(dir, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		}
		if (fd < 0)
			return;
		if (next) {
			struct stat st;

			if (fstat(fd, &st) < 0 || !S_ISDIR(st.st_mode)) {
				(void)close(fd);
				return; /* a symlink or a file on the way: leave it virtual */
			}
		}
		(void)close(dir);
		dir = fd;
	}
}

void binds_make_mountpoints(struct bind_table *t)
{
	for (size_t i = 1; i < t->n; i++)
		make_one(t, &t->v[i]);
}

void binds_remove_mountpoints(struct bind_table *t)
{
	for (size_t i = t->n_created; i-- > 0;) {
		_cleanup_free_ char *parent = xstrdup(t->created[i]);
		const struct timespec *m = t->created_parent_mtime[i];
		struct stat st, pst;
		bool untouched;

		*strrchr(parent, '/') = '\0';
		untouched = lstat(parent, &pst) == 0 && pst.st_mtim.tv_sec == m[1].tv_sec &&
			    pst.st_mtim.tv_nsec == m[1].tv_nsec;
		if (lstat(t->created[i], &st) < 0)
			continue;
		/* Only what is still empty: a guest may have written into a placeholder. */
		if (S_ISDIR(st.st_mode)
			? rmdir(t->created[i]) < 0
			: !S_ISREG(st.st_mode) || st.st_size != 0 || unlink(t->created[i]) < 0)
			continue;
		/*
		 * The directory's mtime as it was, unless a guest changed the directory too: a
		 * container that changed nothing shows no change (diff, commit, build) because
		 * of a mount point qrun made.
		 */
		if (untouched) {
			struct timespec ts[2] = { { .tv_nsec = UTIME_OMIT }, m[0] };

			(void)utimensat(AT_FDCWD, parent, ts, AT_SYMLINK_NOFOLLOW);
		}
	}
}
