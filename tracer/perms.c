/*
 * The perms hook: the kernel's file permission checks (generic_permission, may_delete,
 * may_create) for an emulated identity that is not root, against the owners and modes the
 * guest sees (owners.c). The host cannot make them: every file of a rootless container is the
 * real user's, so the host lets any emulated user read and write everything.
 *
 * Emulated root passes through untouched: the host file keeps at least u+rw (u+rwx for a
 * directory, do_chmod in owners.c), which is root's DAC override as the guest sees it. Any
 * other fs uid gets, for every path of a call:
 *
 *   - search (x) on each directory from the root of the path's bind down to its parent;
 *   - open: read and/or write by its access mode and O_TRUNC (O_PATH: none); a missing file
 *     with O_CREAT, creat, mkdir, mknod, symlink and link's new name: write and search on the
 *     parent;
 *   - unlink, rmdir and both names of rename: write and search on the parent, and in a sticky
 *     directory (/tmp) ownership of the file or the directory (EPERM);
 *   - access, faccessat, faccessat2: the mode's bits against the real ids (the effective ones
 *     with AT_EACCESS); chdir: search on the directory; truncate: write.
 *
 * and exec (execve.c calls perms_exec for the program and each interpreter): execute on the
 * file and search on its directories. Directories above a bind's mount point are not checked
 * for a path inside the bind.
 */
#include "tracer/tracer-internal.h"

#include <fcntl.h>
#include <libgen.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#define MAY_EXEC  1
#define MAY_WRITE 2
#define MAY_READ  4

/* The ids a check uses, and whose supplementary groups. */
struct who {
	uint32_t uid, gid;
	const struct cred *c; /* the supplementary groups */
};

/*
 * The ids t's checks use: the fs ids, or with real (access() without AT_EACCESS) the real
 * ones. false for root, whose answer is the host's.
 */
static bool user_of(struct tracer *tr, struct tracee *t, bool real, struct who *w)
{
	const struct cred *c = ids_cred(tr, t);

	*w = real ? (struct who){ .uid = c->uid, .gid = c->gid, .c = c }
		  : (struct who){ .uid = c->fsuid, .gid = c->fsgid, .c = c };
	return w->uid != 0;
}

/* stat or lstat of path a's host file, as the call follows its last component */
static int stat_of(const struct call_path *a, struct stat *st)
{
	return a->follow ? stat(a->x->host, st) : lstat(a->x->host, st);
}

/* generic_permission() for a caller without capabilities: the class's bits must hold mask. */
static int check(const struct tracer *tr, const struct who *w, const struct stat *st, int mask)
{
	struct owner o;
	uint32_t bits;

	owners_of(tr, st, &o);
	if (w->uid == o.uid)
		bits = (o.mode >> 6) & 7;
	else if (o.gid == w->gid || ids_in_groups(w->c, o.gid))
		bits = (o.mode >> 3) & 7;
	else
		bits = o.mode & 7;
	return ((uint32_t)mask & ~bits) ? -EACCES : 0;
}

/* Search permission on every directory from the bind's root down to path's parent. */
static int traverse(const struct tracer *tr, const struct who *w, const char *path, const char *top)
{
	size_t top_len = strlen(top), len = strlen(path);
	char dir[PATH_MAX];
	struct stat st;
	int e;

	if (top_len == 1)
		top_len = 0; /* the host's "/" */
	if (len >= sizeof(dir) || strncmp(path, top, top_len) != 0)
		return 0; /* beyond PATH_MAX (longpath.c), or not below the bind: not checked */
	memcpy(dir, path, len + 1);
	for (size_t i = top_len; i < len; i++) {
		if (dir[i] != '/' || i == len - 1)
			continue;
		dir[i] = '\0';
		if (stat(i == 0 ? "/" : dir, &st) == 0 && S_ISDIR(st.st_mode)) {
			e = check(tr, w, &st, MAY_EXEC);
			if (e < 0)
				return e;
		}
		dir[i] = '/';
	}
	return 0;
}

/* Write and search on the parent of path; with victim, the sticky-directory rule too. */
static int parent(const struct tracer *tr, const struct who *w, const char *path,
		  const struct stat *victim)
{
	size_t len = strlen(path);
	char dir[PATH_MAX];
	struct stat st;
	struct owner vo, downer;
	int e;

	if (len >= sizeof(dir))
		return 0;
	memcpy(dir, path, len + 1);
	if (stat(dirname(dir), &st) < 0)
		return 0; /* the kernel's error */
	e = check(tr, w, &st, MAY_WRITE | MAY_EXEC);
	if (e < 0 || !victim || !(st.st_mode & S_ISVTX))
		return e;
	owners_of(tr, victim, &vo);
	owners_of(tr, &st, &downer);
	return w->uid == vo.uid || w->uid == downer.uid ? 0 : -EPERM;
}

static int object(const struct tracer *tr, const struct who *w, const struct call_path *a, int mask)
{
	struct stat st;

	if (!mask || stat_of(a, &st) < 0)
		return 0;
	return check(tr, w, &st, mask);
}

static int open_check(const struct tracer *tr, const struct who *w, const struct call_path *a,
		      uint64_t flags)
{
	int mask = 0;
	struct stat st;

	if (flags & O_PATH)
		return 0;
	if (stat_of(a, &st) < 0)
		return errno == ENOENT && (flags & O_CREAT) ? parent(tr, w, a->x->host, NULL) : 0;
	if ((flags & O_ACCMODE) != O_WRONLY)
		mask |= MAY_READ;
	if ((flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC))
		mask |= MAY_WRITE;
	return check(tr, w, &st, mask);
}

static int translated(struct tracer *tr, struct tracee *t, struct call *c, struct call_path *a)
{
	const struct sc_def *def = c->def;
	bool real = a->p->write == W_ACCESS &&
		    !(a->p->flags >= 0 && (c->r->args[a->p->flags] & AT_EACCESS));
	struct who w;
	struct stat st;
	int e;

	if (!tr->config->identity.emulate || !user_of(tr, t, real, &w))
		return HOOK_ON; /* root: the host's answer is the guest's */
	owners_store_refresh(tr);
	e = traverse(tr, &w, a->x->host, tr->binds.v[a->x->bind].host);
	if (e < 0)
		return e;
	if (a->p->write == W_OPEN)
		return open_check(tr, &w, a, c->r->args[a->p->flags]);
	if (a->p->write == W_ACCESS)
		return object(tr, &w, a, (int)(c->r->args[a->p->path + 1] & 7));
	if (c->r->nr == SYS_creat)
		return open_check(tr, &w, a, O_CREAT | O_WRONLY | O_TRUNC);
	if (c->r->nr == SYS_chdir)
		return object(tr, &w, a, MAY_EXEC);
	if (c->r->nr == SYS_truncate)
		return object(tr, &w, a, MAY_WRITE);
	if (def->flags & SCF_REMOVES_NAME)
		return parent(tr, &w, a->x->host, lstat(a->x->host, &st) == 0 ? &st : NULL);
	if (def->flags & SCF_CREATES || (def->flags & SCF_LINKS && a == &c->path[1]))
		return parent(tr, &w, a->x->host, NULL);
	return HOOK_ON;
}

int perms_exec(struct tracer *tr, struct tracee *t, const char *host, const struct stat *st)
{
	struct who w;
	int e;

	if (!tr->config->identity.emulate || !user_of(tr, t, false, &w))
		return 0; /* root: any x bit, which the host's mode shows */
	owners_store_refresh(tr);
	e = traverse(tr, &w, host, tr->binds.v[0].host);
	return e < 0 ? e : check(tr, &w, st, MAY_EXEC);
}

/* Does a path call of tracee t need its paths translated for the checks above? */
bool perms_checked(struct tracer *tr, struct tracee *t)
{
	const struct cred *c;

	if (!tr->config->identity.emulate)
		return false;
	c = ids_cred(tr, t);
	return c->fsuid != 0 || c->uid != 0;
}

const struct hook perms_hook = {
	.name = "perms",
	.kinds = PATH_KINDS,
	.translated = translated,
};
