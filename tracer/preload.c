/*
 * The tracer's side of the in-process shim (preload/qrun-preload.c): which programs get it,
 * the guest path ld.so loads it from, and the settings it asks for when it starts.
 *
 * The shim goes into dynamic x86_64 programs through their ld.so's --preload (the tracer
 * already starts them as `ld.so PROGRAM`), so the guest's environment is not touched. It is
 * left out when the filter is off (the shim's calls would be translated twice), when ld.so has
 * no --preload (glibc < 2.30), for programs built with a sanitizer runtime, which must come
 * first in the library list, and for processes that installed a seccomp filter of their own
 * (it may kill them for a call the shim makes in their place; a running shim is switched off
 * through its flag page).
 *
 * In the pipeline it is the shim hook: it answers the shim's settings call (a readlinkat of a
 * name only the shim uses), resolves the shim's guest path to its host file, refuses writes to
 * that file (EROFS), and notes guest seccomp filters.
 */
#include "tracer/tracer-internal.h"

#include <fcntl.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "preload/preload.h"

/* A sanitizer runtime among the program's libraries (its names sit in .dynstr, near the top). */
static bool wants_sanitizer_first(int fd)
{
	static const char *const runtimes[] = { "libasan.so", "libtsan.so", "libhwasan.so",
						"libmsan.so" };
	char buf[65536];
	ssize_t n = pread(fd, buf, sizeof(buf), 0);

	for (size_t i = 0; n > 0 && i < ARRAY_SIZE(runtimes); i++) {
		if (memmem(buf, (size_t)n, runtimes[i], strlen(runtimes[i])))
			return true;
	}
	return false;
}

const char *preload_for(struct tracer *tr, struct tracee *t, int program_fd, const char *ldso_host)
{
	if (!tr->preload || t->guest_filter || !ldso_has_option(tr, ldso_host, LDSO_PRELOAD) ||
	    wants_sanitizer_first(program_fd))
		return NULL;
	return QRUN_PRELOAD_GUEST;
}

/* seccomp() or prctl(PR_SET_SECCOMP): the shim of this process must step aside. */
static void guest_filter(struct tracer *tr, struct tracee *t, const struct sysregs *r)
{
	const int off = 0;
	bool installs = r->nr == SYS_prctl ? r->args[0] == PR_SET_SECCOMP
					   : r->args[0] == SECCOMP_SET_MODE_FILTER ||
						 r->args[0] == SECCOMP_SET_MODE_STRICT;

	if (!installs)
		return;
	/* from now on (and after its execs) without the shim; EFAULT when it has none */
	t->guest_filter = true;
	if (tr->preload)
		(void)mem_write(t->pid, QRUN_PRELOAD_FLAGS, &off, sizeof(off));
	TRACE(tr, 1, "%d installs a seccomp filter: no in-process shim from here on", t->pid);
}

void preload_identity(struct tracer *tr, struct tracee *t)
{
	int flag, want;

	if (!tr->preload || t->guest_filter ||
	    mem_read(t->pid, QRUN_PRELOAD_FLAGS, &flag, sizeof(flag)) < 0 ||
	    (flag != QRUN_PRELOAD_ON && flag != QRUN_PRELOAD_PAUSED))
		return; /* no shim in this process, or switched off for good */
	want = perms_checked(tr, t) ? QRUN_PRELOAD_PAUSED : QRUN_PRELOAD_ON;
	if (want != flag)
		(void)mem_write(t->pid, QRUN_PRELOAD_FLAGS, &want, sizeof(want));
}

/* The shim's guest path is its host file, wherever the rootfs is. */
static int resolve(struct tracer *tr, struct call *c, struct call_path *a)
{
	(void)c;
	if (!tr->preload || strcmp(a->orig, QRUN_PRELOAD_GUEST) != 0)
		return 0;
	(void)snprintf(a->x->guest, sizeof(a->x->guest), "%s", a->orig);
	(void)snprintf(a->x->host, sizeof(a->x->host), "%s", tr->preload);
	a->x->bind = 0;
	return 1;
}

/* The guest must not change the shim's file. */
static int translated(struct tracer *tr, struct tracee *t, struct call *c, struct call_path *a)
{
	(void)t;
	(void)c;
	return a->writes && tr->preload && strcmp(a->x->host, tr->preload) == 0 ? -EROFS : 0;
}

static void add(char **buf, size_t *len, size_t *alloc, const char *s, size_t n)
{
	*buf = xgrow(*buf, 1, *len + n + 1, alloc);
	memcpy(*buf + *len, s, n);
	(*buf)[*len + n] = '\0';
	*len += n + 1;
}

/* Is guest directory g (a strict ancestor of a bind) missing from the rootfs? */
static bool virtual_dir(struct tracer *tr, const char *g, size_t glen)
{
	_cleanup_free_ char *host =
	    xasprintf("%s%.*s", strcmp(tr->binds.v[0].host, "/") == 0 ? "" : tr->binds.v[0].host,
		      (int)glen, g);
	struct stat st;

	return lstat(host, &st) < 0 || !S_ISDIR(st.st_mode);
}

/*
 * The guest paths the shim must leave to us: /proc (its magic links are ours even when /proc
 * is not bound, as in `qrun chroot /`), the shim's own file, every bind, and every directory
 * above one that does not exist in the rootfs (we answer for those).
 */
static void build_settings(struct tracer *tr)
{
	size_t len = 0, alloc = 0;
	char *buf = NULL;

	add(&buf, &len, &alloc, QRUN_PRELOAD_MAGIC, strlen(QRUN_PRELOAD_MAGIC));
	add(&buf, &len, &alloc, tr->binds.v[0].host, strlen(tr->binds.v[0].host));
	add(&buf, &len, &alloc, tr->binds.v[0].readonly ? "ro" : "rw", 2);
	tr->preload_id_at = len; /* "root", or "user" for the caller that is not (settings()) */
	add(&buf, &len, &alloc, "root", QRUN_PRELOAD_ID_LEN);
	/* the owners table of an emulated identity, "!" when the shim cannot have it */
	if (!tr->config->identity.emulate)
		add(&buf, &len, &alloc, "-", 1);
	else if (tr->owners.shm_path && !tr->owners.shm->full)
		add(&buf, &len, &alloc, tr->owners.shm_path, strlen(tr->owners.shm_path));
	else
		add(&buf, &len, &alloc, "!", 1);
	add(&buf, &len, &alloc, "/proc", 5);
	add(&buf, &len, &alloc, QRUN_PRELOAD_GUEST, strlen(QRUN_PRELOAD_GUEST));
	for (size_t i = 1; i < tr->binds.n; i++) {
		const char *g = tr->binds.v[i].guest;

		for (const char *c = g + 1; *c;) {
			size_t l = strcspn(c, "/"), at = (size_t)(c + l - g);

			if (l > 0 && (c[l] == '\0' || virtual_dir(tr, g, at)))
				add(&buf, &len, &alloc, g, at);
			c += l + (c[l] == '/');
		}
	}
	add(&buf, &len, &alloc, "", 0);
	tr->preload_settings = buf;
	tr->preload_settings_len = len;
}

/*
 * readlink/readlinkat (path in argument path_arg): answer the shim's settings call. true when
 * it was that call (answered), false when the call is someone else's.
 */
static bool settings(struct tracer *tr, struct tracee *t, const struct sysregs *r, int path_arg)
{
	char path[sizeof(QRUN_PRELOAD_CONF)];
	uint64_t buf = r->args[path_arg + 1];
	size_t size = r->args[path_arg + 2];
	ssize_t n;
	int e;

	/* registers first: the shim's call is readlinkat(AT_FDCWD, ..., its buffer's size) */
	if (!tr->preload || r->nr != SYS_readlinkat || (int)r->args[0] != AT_FDCWD ||
	    size != QRUN_PRELOAD_CONF_MAX - 1)
		return false;
	n = mem_read_string(t->pid, r->args[path_arg], path, sizeof(path));
	if (n < 0 || strcmp(path, QRUN_PRELOAD_CONF) != 0)
		return false;
	if (!tr->preload_settings)
		build_settings(tr);
	if (tr->preload_settings_len > QRUN_PRELOAD_CONF_MAX - 1 ||
	    tr->preload_settings_len > size) {
		enter_fail(tr, t, -ENAMETOOLONG); /* the shim stays off */
		return true;
	}
	e = mem_write(t->pid, buf, tr->preload_settings, tr->preload_settings_len);
	if (e == 0 && perms_checked(tr, t))
		e = mem_write(t->pid, buf + tr->preload_id_at, "user", QRUN_PRELOAD_ID_LEN);
	enter_fail(tr, t, e < 0 ? e : (long)tr->preload_settings_len);
	return true;
}

static int decoded(struct tracer *tr, struct tracee *t, struct call *c)
{
	if (c->def->kind == SC_READLINK && settings(tr, t, c->r, c->def->p[0].path))
		return HOOK_DONE;
	return HOOK_ON;
}

static int resolved(struct tracer *tr, struct tracee *t, struct call *c)
{
	if (c->def->kind == SC_SECCOMP)
		guest_filter(tr, t, c->r);
	return HOOK_ON;
}

const struct hook shim_hook = {
	.name = "shim",
	.kinds = PATH_KINDS | KIND_BIT(SC_SECCOMP),
	.decoded = decoded,
	.resolve = resolve,
	.translated = translated,
	.resolved = resolved,
};
