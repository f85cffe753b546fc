/*
 * What the tracer refuses on its own, wall or no wall: reaching into a process that is not
 * one of its tracees, and seccomp listeners that would take calls away from it.
 *
 * Other processes. ptrace, process_vm_readv/writev and pidfd_getfd read or change another
 * process's memory or take its fds; a guest running as the same user could use them on any
 * host process of that user (a shell, an editor: their cwd and fds are host files), or on the
 * keeper (keeper.c), which runs without the filter. They are allowed only on tracees. (qrun
 * itself is not dumpable, and the wall confines ptrace to the container as well.)
 *
 * Seccomp. A filter of the guest's own may stay (programs sandbox themselves), and a
 * SECCOMP_RET_TRACE answer of it is handled as ours whatever its data (loop.c). The one action
 * that outranks RET_TRACE and still lets a call run is SECCOMP_RET_USER_NOTIF answered with
 * SECCOMP_USER_NOTIF_FLAG_CONTINUE by a listener; without a listener the kernel fails such a
 * call with ENOSYS. So the listener is what is refused: seccomp(SET_MODE_FILTER) with
 * SECCOMP_FILTER_FLAG_NEW_LISTENER answers EBUSY, as the kernel does when a listener is
 * already installed (container supervisors that use it, such as a nested podman, then fail
 * cleanly rather than run their calls past qrun).
 *
 * Untraced children. clone(CLONE_UNTRACED) would start a child no tracer sees: the flag is
 * dropped (from a copy of clone3's arguments).
 *
 * Denials, from the table: calls that would act on the host (mount, chroot, pivot_root,
 * open_by_handle_at: EPERM) or bypass translation (io_uring_setup and numbers qrun does not
 * know: ENOSYS).
 */
#include "tracer/tracer-internal.h"

#include <fcntl.h>
#include <sched.h>
#include <linux/seccomp.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>

#ifndef SECCOMP_FILTER_FLAG_NEW_LISTENER
#define SECCOMP_FILTER_FLAG_NEW_LISTENER (1UL << 3)
#endif

/* The pid a tracee's pidfd refers to (its fdinfo's "Pid:" line), or -errno. */
static pid_t pidfd_pid(struct tracee *t, int pidfd)
{
	char path[64], buf[1024];
	_cleanup_close_ int fd = -1;
	ssize_t n;
	const char *p;

	(void)snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", t->pid, pidfd);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -EBADF;
	n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return -EBADF;
	buf[n] = '\0';
	p = strstr(buf, "\nPid:\t");
	if (!p)
		return -EBADF; /* not a pidfd: the kernel says EBADF too */
	return (pid_t)strtol(p + strlen("\nPid:\t"), NULL, 10);
}

static int guard_process(struct tracer *tr, struct tracee *t, const struct sysregs *r)
{
	pid_t target;

	switch (r->nr) {
	case SYS_ptrace:
		if (r->args[0] == PTRACE_TRACEME)
			return 0; /* the kernel refuses it: qrun traces this process already */
		target = (pid_t)r->args[1];
		break;
	case SYS_process_vm_readv:
	case SYS_process_vm_writev:
		target = (pid_t)r->args[0];
		break;
	case SYS_pidfd_getfd:
		target = pidfd_pid(t, (int)r->args[0]);
		if (target < 0)
			return target;
		break;
	default:
		return 0;
	}
	if (target > 0 && tracee_get(tr, target))
		return 0;
	TRACE(tr, 1, "%d %s on %d, not a process of this container: EPERM", t->pid,
	      sc_lookup(r->nr)->name, target);
	return target > 0 ? -EPERM : -ESRCH;
}

static int guard_seccomp(struct tracer *tr, struct tracee *t, const struct sysregs *r)
{
	if (r->nr != SYS_seccomp || r->args[0] != SECCOMP_SET_MODE_FILTER ||
	    !(r->args[1] & SECCOMP_FILTER_FLAG_NEW_LISTENER))
		return 0;
	TRACE(tr, 1, "%d seccomp filter with a listener refused: EBUSY", t->pid);
	return -EBUSY;
}

static int untraced(struct tracer *tr, struct tracee *t, const struct sysregs *r)
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
		return HOOK_ON;
	}
	if (size < 8 || size > sizeof(args) || mem_read(t->pid, r->args[0], args, size) < 0)
		return HOOK_ON; /* the kernel reports E2BIG/EFAULT */
	memcpy(&flags, args, 8);
	if (!(flags & CLONE_UNTRACED))
		return HOOK_ON;
	flags &= ~(uint64_t)CLONE_UNTRACED;
	memcpy(args, &flags, 8);
	scratch_init(&s, t->pid, r->sp);
	copy = scratch_put(&s, args, size, &e);
	if (!copy)
		return e;
	(void)regs_set_arg(t->pid, 0, copy);
	return HOOK_ON;
}

static int decoded(struct tracer *tr, struct tracee *t, struct call *c)
{
	const struct sysregs *r = c->r;

	switch ((enum sc_kind)c->def->kind) {
	case SC_PROCESS:
		return guard_process(tr, t, r);
	case SC_SECCOMP:
		return guard_seccomp(tr, t, r);
	case SC_CLONE:
		return untraced(tr, t, r);
	case SC_DENY_ENOSYS:
		TRACE(tr, 1, "%d syscall %ld (%s) answered ENOSYS", t->pid, r->nr, c->def->name);
		return -ENOSYS;
	case SC_DENY_EPERM:
		TRACE(tr, 1, "%d %s answered EPERM", t->pid, c->def->name);
		return -EPERM;
	default:
		return HOOK_ON;
	}
}

const struct hook guard_hook = {
	.name = "guard",
	.kinds = KIND_BIT(SC_PROCESS) | KIND_BIT(SC_SECCOMP) | KIND_BIT(SC_CLONE) |
		 KIND_BIT(SC_DENY_ENOSYS) | KIND_BIT(SC_DENY_EPERM),
	.decoded = decoded,
};
