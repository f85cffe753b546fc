/*
 * The answer hook: calls qrun answers itself, from the tracee's real state seen through the
 * guest's view. getcwd (the kernel's cwd is a host path), uname (the container's hostname),
 * and readlink of the /proc magic links of tracees (exe, cwd, root, fd/N, self), whose
 * kernel answers name host paths or the tracer.
 */
#include "tracer/tracer-internal.h"

#include <sys/utsname.h>

static int getcwd_answer(struct tracer *tr, struct tracee *t, const struct sysregs *r)
{
	char cwd[PATH_MAX];
	size_t len;
	int e = path_guest_cwd(tr, t, cwd, sizeof(cwd));

	if (e < 0)
		return e;
	len = strlen(cwd) + 1;
	if (len > PATH_MAX)
		return -ENAMETOOLONG; /* the kernel's limit; libc walks up by itself */
	if (len > r->args[1])
		return -ERANGE;
	e = mem_write(t->pid, r->args[0], cwd, len);
	return call_answer(tr, t, e < 0 ? e : (long)len);
}

static int uname_answer(struct tracer *tr, struct tracee *t, const struct sysregs *r)
{
	struct utsname u;

	if (!tr->config->hostname || uname(&u) < 0)
		return HOOK_ON; /* qemu then sets machine */
	(void)snprintf(u.nodename, sizeof(u.nodename), "%s", tr->config->hostname);
	if (mem_write(t->pid, r->args[0], &u, sizeof(u)) < 0)
		return -EFAULT;
	return call_answer(tr, t, 0);
}

static int decoded(struct tracer *tr, struct tracee *t, struct call *c)
{
	switch ((enum sc_kind)c->def->kind) {
	case SC_GETCWD:
		return getcwd_answer(tr, t, c->r);
	case SC_UNAME:
		return uname_answer(tr, t, c->r);
	default:
		return HOOK_ON;
	}
}

/* readlink: a magic link of a tracee is answered here; any other link the kernel reads. */
static int resolved(struct tracer *tr, struct tracee *t, struct call *c)
{
	const struct call_path *a = &c->path[0];
	uint64_t buf = c->r->args[a->p->path + 1];
	long bufsiz = (long)c->r->args[a->p->path + 2];
	char text[PATH_MAX];
	size_t len;
	int e;

	if (c->n_paths == 0 || !a->xlat)
		return HOOK_ON;
	e = path_proc_link(tr, t, a->x->guest, text, sizeof(text));
	if (e <= 0)
		return e; /* an ordinary link: its text is already the guest's */
	if (bufsiz <= 0)
		return -EINVAL;
	len = strlen(text);
	if (len > (size_t)bufsiz)
		len = (size_t)bufsiz;
	e = mem_write(t->pid, buf, text, len);
	TRACE(tr, 1, "%d %s(\"%s\") = \"%s\"", t->pid, c->def->name, a->orig, text);
	return call_answer(tr, t, e < 0 ? e : (long)len);
}

const struct hook answer_hook = {
	.name = "answer",
	.kinds = KIND_BIT(SC_GETCWD) | KIND_BIT(SC_UNAME) | KIND_BIT(SC_READLINK),
	.decoded = decoded,
	.resolved = resolved,
};
