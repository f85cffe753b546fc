/*
 * The pipeline: every stop of a catalogue call goes through the same stages, driven by the
 * call's entry in the syscall table (see tracer-internal.h for the stages and struct hook).
 * The policies are hooks in the files of their concerns; this file holds their order, decodes
 * path arguments, runs the stages and writes the translated paths into scratch memory below
 * the tracee's stack pointer.
 */
#include "tracer/tracer-internal.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/inotify.h>

/*
 * In order. Guards refuse before anything is looked up; the shim's file is resolved and
 * protected before the general policies; read-only refuses (EROFS) before permission checks
 * (EACCES), and both before record and copy-up act;
 * an emulated chown is answered before copy-up would copy a file it does not change.
 */
const struct hook *const pipeline_hooks[] = {
	&guard_hook,  &shim_hook, &readonly_hook, &mounts_hook,	     &perms_hook,
	&record_hook, &ids_hook,  &owners_hook,	  &proc_status_hook, &copyup_hook,
	&exec_hook,   &sock_hook, &answer_hook,
};
const size_t pipeline_n_hooks = ARRAY_SIZE(pipeline_hooks);

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

int call_answer(struct tracer *tr, struct tracee *t, long v)
{
	enter_fail(tr, t, v);
	return HOOK_DONE;
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

/*
 * Decode: the path arguments of the kinds the pipeline resolves itself. openat2's flags and
 * resolve rules sit in its struct open_how: the flags go where the rule reads them (args[2]).
 */
static int decode(struct tracer *tr, struct tracee *t, struct call *c)
{
	struct stop *st = &tr->stop;

	c->n_paths = 0;
	if (!(KIND_BIT(c->def->kind) & PATH_KINDS))
		return HOOK_ON;
	st->rule[0] = c->def->p[0];
	st->rule[1] = c->def->p[1];
	if (c->def->kind == SC_OPENAT2) {
		struct open_how how = { 0 };

		if (c->r->args[3] < sizeof(how) ||
		    mem_read(t->pid, c->r->args[2], &how, sizeof(how)) < 0)
			return HOOK_ON; /* no paths: the kernel reports EINVAL/EFAULT */
		/* The resolve restrictions are about the guest's tree; the host path is final. */
		if (how.resolve & (RESOLVE_IN_ROOT | RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS))
			return -EXDEV;
		c->r->args[2] = how.flags;
		st->rule[0].flags = 2;
		st->rule[0].follow = F_OPEN;
		st->rule[0].write = W_OPEN;
	}
	for (int k = 0; k < 2 && st->rule[k].path >= 0; k++) {
		struct call_path *a = &c->path[k];
		const struct sc_path *p = &st->rule[k];

		a->p = p;
		a->dirfd = p->dirfd >= 0 ? (int)c->r->args[p->dirfd] : AT_FDCWD;
		a->follow = follows(p, c->r->args);
		a->writes = writes(p, c->r->args);
		a->xlat = false;
		a->orig = st->orig[k];
		a->x = &st->x[k];
		c->n_paths = k + 1;
	}
	return HOOK_ON;
}

/* The decoded or resolved stage: each hook that sees this kind, in order. */
static int run_stage(struct tracer *tr, struct tracee *t, struct call *c, bool resolved)
{
	uint32_t bit = KIND_BIT(c->def->kind);

	for (size_t i = 0; i < pipeline_n_hooks; i++) {
		const struct hook *h = pipeline_hooks[i];
		int (*fn)(struct tracer *, struct tracee *, struct call *) =
		    resolved ? h->resolved : h->decoded;
		int e;

		if (!fn || !(h->kinds & bit))
			continue;
		e = fn(tr, t, c);
		if (c->want_exit) {
			t->exit_hooks |= 1u << i;
			c->want_exit = false;
		}
		if (e != HOOK_ON)
			return e;
	}
	return HOOK_ON;
}

/* The policy stage of one path: translated (or on_fd) of each hook that sees this kind. */
static int path_policy(struct tracer *tr, struct tracee *t, struct call *c, struct call_path *a,
		       bool on_fd)
{
	uint32_t bit = KIND_BIT(c->def->kind);

	for (size_t i = 0; i < pipeline_n_hooks; i++) {
		const struct hook *h = pipeline_hooks[i];
		int e;

		if (!(h->kinds & bit))
			continue;
		if (on_fd)
			e = h->on_fd ? h->on_fd(tr, t, c, a) : HOOK_ON;
		else
			e = h->translated ? h->translated(tr, t, c, a) : HOOK_ON;
		if (c->want_exit) {
			t->exit_hooks |= 1u << i;
			c->want_exit = false;
		}
		if (e == HOOK_REDIRECT) {
			a->xlat = true; /* the call goes to x->host */
			return HOOK_ON;
		}
		if (e != HOOK_ON)
			return e;
	}
	return HOOK_ON;
}

int call_resolve_path(struct tracer *tr, struct tracee *t, struct call *c, struct call_path *a)
{
	int e;

	if (resolve_passthrough(tr, t, a->dirfd, a->orig, a->follow, a->writes))
		return 0;
	e = resolve_translate(tr, t, c, a);
	if (e < 0)
		return e;
	a->xlat = true;
	e = path_policy(tr, t, c, a, false);
	return e == HOOK_ON ? 1 : e;
}

/*
 * Resolve and police path argument k. A single path may take the fast path (two paths go
 * together: rename and link must see both translated, for the mount rules).
 */
static int resolve_path(struct tracer *tr, struct tracee *t, struct call *c, int k)
{
	struct call_path *a = &c->path[k];
	bool fast = c->def->kind == SC_PATH && c->n_paths == 1;
	ssize_t n = resolve_read(tr, t, c, a, k);
	int e;

	if (n == -EFAULT)
		return 0;
	if (n < 0)
		return (int)n;
	if (n == 0)
		return a->p->empty_ok ? path_policy(tr, t, c, a, true) : 0;
	if (fast && resolve_passthrough(tr, t, a->dirfd, a->orig, a->follow, a->writes))
		return 0;
	e = resolve_translate(tr, t, c, a);
	if (e < 0)
		return e;
	a->xlat = true;
	return path_policy(tr, t, c, a, false);
}

/*
 * Apply: hand the kernel each translated path as a copy in scratch memory, remembered for
 * restart detection (a call the kernel restarts after a signal handler comes back with our
 * pointer, whose memory the handler's frame may have overwritten: resolve_read maps it back).
 */
static int apply(struct tracer *tr, struct tracee *t, struct call *c)
{
	struct scratch s;

	if (c->n_paths == 0)
		return 0;
	scratch_init(&s, t->pid, c->r->sp);
	t->last_nr = c->r->nr;
	t->last_new[0] = t->last_new[1] = 0;
	for (int k = 0; k < c->n_paths; k++) {
		const struct call_path *a = &c->path[k];
		uint64_t addr;
		int e = 0;

		if (!a->xlat)
			continue;
		TRACE(tr, 1, "%d %s(\"%s\") -> \"%s\"", t->pid, c->def->name, a->orig, a->x->host);
		if (strcmp(a->orig, a->x->host) == 0)
			continue; /* /dev/null, /proc/...: nothing to rewrite */
		addr = scratch_put(&s, a->x->host, strlen(a->x->host) + 1, &e);
		if (!addr || regs_set_arg(t->pid, a->p->path, addr) < 0)
			return -ENAMETOOLONG;
		t->last_orig[k] = a->ptr;
		t->last_new[k] = addr;
	}
	return 0;
}

enum resume enter_syscall(struct tracer *tr, struct tracee *t, const struct sysregs *r)
{
	struct call *c = &tr->stop.call;
	int e;

	t->exit_hooks = 0;
	if (!r->native) {
		/* i386 or x32 calls from a 64-bit process would bypass translation. */
		enter_fail(tr, t, -ENOSYS);
		return RESUME_CONT;
	}
	c->def = sc_lookup(r->nr);
	if (!c->def)
		return RESUME_CONT;
	if (c->def->flags & SCF_RESHAPES)
		path_cache_flush(tr); /* a directory may become something else */
	tr->stop.regs = *r;
	c->r = &tr->stop.regs;
	c->want_exit = false;
	e = decode(tr, t, c);
	if (e == HOOK_ON)
		e = run_stage(tr, t, c, false);
	for (int k = 0; e == HOOK_ON && k < c->n_paths; k++)
		e = resolve_path(tr, t, c, k);
	if (e == HOOK_ON)
		e = run_stage(tr, t, c, true);
	if (e == HOOK_ON)
		e = apply(tr, t, c);
	if (e < 0) {
		TRACE(tr, 1, "%d %s(\"%s\") = %s", t->pid, c->def->name,
		      c->n_paths ? c->path[0].orig : "", strerror(-e));
		enter_fail(tr, t, e);
	}
	return t->exit_hooks ? RESUME_SYSCALL : RESUME_CONT;
}

void exit_syscall(struct tracer *tr, struct tracee *t, const struct sysregs *r)
{
	uint32_t hooks = t->exit_hooks;

	t->exit_hooks = 0;
	for (size_t i = 0; i < pipeline_n_hooks; i++) {
		if ((hooks & (1u << i)) && pipeline_hooks[i]->exit)
			pipeline_hooks[i]->exit(tr, t, r);
	}
}
