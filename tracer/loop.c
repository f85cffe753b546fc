/*
 * The event loop (strace's split): next_event() waits for one stop, dispatch() decides what it
 * is and how the tracee resumes. With the seccomp filter, tracees run with PTRACE_CONT and only
 * catalogue syscalls stop (once, at the seccomp event; a second stop only when an output must be
 * rewritten). Without it, every syscall stops at entry and exit (PTRACE_SYSCALL).
 *
 * Both seccomp stop orders are handled by the per-tracee wait_exit flag and the stop kind that
 * PTRACE_GET_SYSCALL_INFO reports: before Linux 4.8 a syscall-enter stop follows the seccomp
 * event when resumed with PTRACE_SYSCALL, since 4.8 the next syscall stop is the exit.
 */
#include "tracer/tracer-internal.h"

#include <signal.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static void resume(struct tracer *tr, struct tracee *t, bool want_exit, int sig)
{
	int req = !tr->seccomp || want_exit ? PTRACE_SYSCALL : PTRACE_CONT;

	/* ESRCH: killed meanwhile; its exit will be reported by waitpid. */
	(void)ptrace(req, t->pid, 0, (void *)(long)sig);
}

static void on_syscall_stop(struct tracer *tr, struct tracee *t)
{
	struct sysregs r;

	if (regs_get(t->pid, &r) < 0) {
		resume(tr, t, false, 0);
		return;
	}
	if (tr->seccomp) {
		if (r.op == STOP_EXIT && t->wait_exit) {
			t->wait_exit = false;
			exit_syscall(tr, t, &r);
			resume(tr, t, false, 0);
		} else {
			/* the enter stop that old kernels add after the seccomp event */
			resume(tr, t, t->wait_exit, 0);
		}
		return;
	}
	if (r.op == STOP_ENTRY) {
		t->in_syscall = true;
		t->wait_exit = enter_syscall(tr, t, &r) == RESUME_SYSCALL;
	} else if (r.op == STOP_EXIT) {
		t->in_syscall = false;
		if (t->skip_ret) {
			(void)regs_set_ret(t->pid, t->ret_value);
			t->skip_ret = false;
		}
		if (t->wait_exit) {
			t->wait_exit = false;
			exit_syscall(tr, t, &r);
		}
	}
	resume(tr, t, false, 0);
}

static void on_seccomp_stop(struct tracer *tr, struct tracee *t)
{
	struct sysregs r;

	/*
	 * A RET_TRACE of a guest's own filter outranks ours when it was installed later: its
	 * data comes here instead of ours. The stop is handled all the same (a guest tracer
	 * cannot be attached to a tracee anyway), or the call would run untranslated.
	 */
	if (regs_get(t->pid, &r) < 0) {
		resume(tr, t, false, 0);
		return;
	}
	tr->stops_by_nr[r.nr >= 0 && r.nr <= SC_TRAP_UNKNOWN_TO ? r.nr : SC_TRAP_UNKNOWN_TO + 1]++;
	t->wait_exit = enter_syscall(tr, t, &r) == RESUME_SYSCALL;
	resume(tr, t, t->wait_exit, 0);
}

static void on_new_child(struct tracer *tr, struct tracee *t)
{
	unsigned long msg = 0;
	struct tracee *c;

	if (ptrace(PTRACE_GETEVENTMSG, t->pid, 0, &msg) == 0 && msg) {
		c = tracee_get(tr, (pid_t)msg);
		if (!c)
			c = tracee_new(tr, (pid_t)msg);
		if (!c->exe && t->exe)
			c->exe = xstrdup(t->exe);
		c->guest_filter |= t->guest_filter; /* seccomp filters are inherited */
		if (t->cred.set && !c->cred.set)
			c->cred = t->cred; /* and credentials */
	}
	resume(tr, t, false, 0);
}

static bool is_stop_signal(int sig)
{
	return sig == SIGSTOP || sig == SIGTSTP || sig == SIGTTIN || sig == SIGTTOU;
}

static void on_tracee_gone(struct tracer *tr, pid_t pid, int status)
{
	struct tracee *t = tracee_get(tr, pid);

	if (pid == tr->first_pid && !tr->first_exited) {
		tr->first_exited = true;
		tr->first_status = status;
		keeper_stop(tr);
		/* As in a container: the rest of the tree goes with the first process. */
		for (size_t i = 0; i < ARRAY_SIZE(tr->hash); i++) {
			for (struct tracee *o = tr->hash[i]; o; o = o->next) {
				if (o->pid != pid)
					(void)kill(o->pid, SIGKILL);
			}
		}
	}
	if (t)
		tracee_free(tr, t);
}

static void dispatch(struct tracer *tr, pid_t pid, int status)
{
	struct tracee *t;
	int sig, event;

	if (WIFEXITED(status) || WIFSIGNALED(status)) {
		on_tracee_gone(tr, pid, status);
		return;
	}
	if (!WIFSTOPPED(status))
		return;
	if (tr->first_exited) {
		/* a child forked just before the end, not yet known when the rest was killed */
		(void)kill(pid, SIGKILL);
		return;
	}
	t = tracee_get(tr, pid);
	if (!t)
		t = tracee_new(tr, pid); /* a new child whose parent's event is still to come */
	sig = WSTOPSIG(status);
	event = status >> 16;

	if (sig == (SIGTRAP | 0x80)) {
		on_syscall_stop(tr, t);
		return;
	}
	switch (event) {
	case PTRACE_EVENT_SECCOMP:
		on_seccomp_stop(tr, t);
		return;
	case PTRACE_EVENT_FORK:
	case PTRACE_EVENT_VFORK:
	case PTRACE_EVENT_CLONE:
		on_new_child(tr, t);
		return;
	case PTRACE_EVENT_EXEC: {
		unsigned long former = 0;

		(void)ptrace(PTRACE_GETEVENTMSG, pid, 0, &former);
		execve_done(tr, t, (pid_t)former);
		resume(tr, t, false, 0);
		return;
	}
	case PTRACE_EVENT_STOP:
		if (is_stop_signal(sig)) {
			/* group-stop: stay stopped until SIGCONT, as without a tracer (job control)
			 */
			(void)ptrace(PTRACE_LISTEN, pid, 0, 0);
			if (pid == tr->first_pid)
				(void)kill(getpid(), SIGSTOP); /* let our own parent shell see it */
		} else {
			resume(tr, t, t->wait_exit,
			       0); /* first stop of a new tracee, or interrupt */
		}
		return;
	default:
		break;
	}
	/* signal-delivery-stop: deliver it */
	resume(tr, t, t->wait_exit || t->in_syscall, sig);
}

/*
 * Wait for the next stop of any tracee. (Spinning on WNOHANG before blocking was measured and
 * gave nothing on a 2-vCPU VM: the cost is the tracee's context switches, not our wake-up.)
 */
static pid_t next_event(int *status)
{
	return waitpid(-1, status, __WALL);
}

int loop_run(struct tracer *tr)
{
	for (;;) {
		int status;
		pid_t pid = next_event(&status);

		if (pid < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ECHILD)
				return 0;
			return -errno;
		}
		tr->n_stops++;
		dispatch(tr, pid, status);
	}
}
