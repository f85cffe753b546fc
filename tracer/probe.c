/*
 * Host capability probes for `qrun info` and for clear start-up errors. Each probe runs the
 * real mechanism the tracer uses, in a throw-away child, because what matters is whether this
 * host lets *us* do it now (Yama, a container's seccomp profile, a missing capability), not
 * what the kernel version suggests.
 */
#include "tracer/tracer.h"

#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>

static void probe_set(struct tracer_probe *p, enum tracer_probe_result r, int err, const char *fmt,
		      ...) _printf_(4, 5);

static void probe_set(struct tracer_probe *p, enum tracer_probe_result r, int err, const char *fmt,
		      ...)
{
	va_list ap;

	p->result = r;
	p->err = err;
	va_start(ap, fmt);
	(void)vsnprintf(p->detail, sizeof(p->detail), fmt, ap);
	va_end(ap);
}

static int wait_child(pid_t pid, int *status)
{
	while (waitpid(pid, status, __WALL) < 0) {
		if (errno != EINTR)
			return -errno;
	}
	return 0;
}

void tracer_probe_ptrace(struct tracer_probe *ret)
{
	int go[2], status, r;
	pid_t pid;

	if (pipe2(go, O_CLOEXEC) < 0) {
		probe_set(ret, TRACER_PROBE_BROKEN, errno, "pipe: %s", strerror(errno));
		return;
	}
	pid = fork();
	if (pid < 0) {
		probe_set(ret, TRACER_PROBE_BROKEN, errno, "fork: %s", strerror(errno));
		(void)close(go[0]);
		(void)close(go[1]);
		return;
	}
	if (pid == 0) {
		char c;

		(void)close(go[1]);
		/* Wait until the parent has seized us (or given up), then stop once. */
		if (read(go[0], &c, 1) == 1)
			(void)raise(SIGSTOP);
		_exit(0);
	}
	(void)close(go[0]);

	r = RET_NERRNO(ptrace(PTRACE_SEIZE, pid, 0, PTRACE_O_EXITKILL | PTRACE_O_TRACESYSGOOD));
	if (r < 0) {
		(void)close(go[1]);
		(void)kill(pid, SIGKILL);
		(void)wait_child(pid, &status);
		probe_set(ret, TRACER_PROBE_REFUSED, -r, "PTRACE_SEIZE of a child: %s",
			  strerror(-r));
		return;
	}
	(void)write_all(go[1], "g", 1);
	(void)close(go[1]);

	if (wait_child(pid, &status) < 0 || !WIFSTOPPED(status)) {
		(void)kill(pid, SIGKILL);
		(void)wait_child(pid, &status);
		probe_set(ret, TRACER_PROBE_BROKEN, 0, "traced child did not stop as expected");
		return;
	}
	{
		siginfo_t si;

		r = RET_NERRNO(ptrace(PTRACE_GETSIGINFO, pid, 0, &si));
	}
	(void)kill(pid, SIGKILL);
	(void)wait_child(pid, &status);
	if (r < 0) {
		probe_set(ret, TRACER_PROBE_REFUSED, -r, "PTRACE_GETSIGINFO: %s", strerror(-r));
		return;
	}
	probe_set(ret, TRACER_PROBE_OK, 0, "a child can be traced (PTRACE_SEIZE, EXITKILL)");
}

/* In a child: no_new_privs + an allow-everything filter. Exit code: 0 or an errno. */
_noreturn_ static void seccomp_child(void)
{
	struct sock_filter insns[] = { BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW) };
	struct sock_fprog prog = { .len = ARRAY_SIZE(insns), .filter = insns };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		_exit(errno);
	if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0)
		_exit(errno);
	_exit(0);
}

static bool seccomp_action_avail(unsigned int action)
{
	return syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) == 0;
}

void tracer_probe_seccomp(struct tracer_probe *ret)
{
	int status;
	pid_t pid = fork();

	if (pid < 0) {
		probe_set(ret, TRACER_PROBE_BROKEN, errno, "fork: %s", strerror(errno));
		return;
	}
	if (pid == 0)
		seccomp_child();
	if (wait_child(pid, &status) < 0 || !WIFEXITED(status)) {
		probe_set(ret, TRACER_PROBE_BROKEN, 0, "probe child died");
		return;
	}
	if (WEXITSTATUS(status) != 0) {
		probe_set(ret, TRACER_PROBE_REFUSED, WEXITSTATUS(status), "installing a filter: %s",
			  strerror(WEXITSTATUS(status)));
		return;
	}
	if (!seccomp_action_avail(SECCOMP_RET_TRACE)) {
		probe_set(ret, TRACER_PROBE_REFUSED, ENOSYS,
			  "filters work but SECCOMP_RET_TRACE is not offered");
		return;
	}
	probe_set(ret, TRACER_PROBE_OK, 0, "filters with SECCOMP_RET_TRACE%s",
		  seccomp_action_avail(SECCOMP_RET_USER_NOTIF) ? " and SECCOMP_RET_USER_NOTIF"
							       : "");
}

int tracer_yama_ptrace_scope(void)
{
	_cleanup_free_ char *buf = NULL;
	long v;

	if (read_file_at(AT_FDCWD, "/proc/sys/kernel/yama/ptrace_scope", 16, &buf) < 0)
		return -1;
	buf[strcspn(buf, "\n")] = '\0';
	if (parse_int(buf, 0, 3, &v) < 0)
		return -1;
	return (int)v;
}
