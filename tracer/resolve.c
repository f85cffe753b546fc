/*
 * The resolve stage: a path argument as the guest gave it, read from its memory, then either
 * left to the kernel (the fast path) or translated into the host path of the guest's view.
 */
#include "tracer/tracer-internal.h"

#include <fcntl.h>
#include <sys/stat.h>

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
bool resolve_passthrough(struct tracer *tr, struct tracee *t, int dirfd, const char *path,
			 bool follow, bool write)
{
	char proc[64 + NAME_MAX];
	struct stat st;

	while (path[0] == '.' && path[1] == '/')
		path += 2 + strspn(path + 2, "/"); /* "./name" is "name" */
	if (path[0] == '\0' || path[0] == '/' || strchr(path, '/') || strcmp(path, "..") == 0 ||
	    magic_name(path))
		return false;
	if (write &&
	    (tr->has_readonly_binds || tr->config->copy_up || tr->config->identity.emulate))
		return false;
	if (perms_checked(tr, t))
		return false; /* the checks need the host path */
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

ssize_t resolve_read(struct tracer *tr, struct tracee *t, struct call *c, struct call_path *a,
		     int k)
{
	uint64_t ptr = c->r->args[a->p->path];
	ssize_t n;

	(void)tr;
	/* A restarted syscall still points at our scratch copy: use the guest's string. */
	if (t->last_nr == c->r->nr && ptr && ptr == t->last_new[k])
		ptr = t->last_orig[k];
	a->ptr = ptr;
	a->orig[0] = '\0';
	if (!ptr)
		return 0; /* NULL: like "" with AT_EMPTY_PATH (utimensat) */
	n = mem_read_string(t->pid, ptr, a->orig, PATH_MAX);
	if (n < 0 && n != -ENAMETOOLONG)
		return -EFAULT; /* let the kernel say it */
	return n;
}

int resolve_translate(struct tracer *tr, struct tracee *t, struct call *c, struct call_path *a)
{
	for (size_t i = 0; i < pipeline_n_hooks; i++) {
		const struct hook *h = pipeline_hooks[i];

		if (h->resolve && (h->kinds & KIND_BIT(c->def->kind)) && h->resolve(tr, c, a))
			return 0;
	}
	return path_translate(tr, t, a->dirfd, a->orig, a->follow, a->x);
}
