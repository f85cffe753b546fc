/*
 * The keeper of long paths: a small process inside the container's wall that holds directory
 * fds for the tracer.
 *
 * A host path of PATH_MAX bytes or more (a deep guest path under a long rootfs prefix), or a
 * unix socket name longer than sun_path, is handed to the tracee as
 * "/proc/<holder>/fd/<N>/<rest>": the kernel walks the holder's fd N and then the short rest.
 * The holder used to be qrun itself, but a tracee may now neither look into qrun's /proc
 * (qrun is not dumpable, so that a guest cannot ptrace it or read its memory) nor, with the
 * wall, into any process outside its Landlock domain. The keeper is inside both: it is forked
 * by the first process after it entered the wall and dropped its privileges, before the
 * seccomp filter and before exec, with CLONE_UNTRACED twice so that it is neither traced nor
 * the child of a guest program (a guest's wait() for any child must not wait for it: it is
 * reparented to qrun, the subreaper). It closes every fd but its socket to qrun, says its pid,
 * then takes fds (SCM_RIGHTS) and answers the number each got, or closes one when asked.
 * When qrun goes, its end of the socket closes and the keeper exits.
 *
 * What a guest can do to it: signal or ptrace it (same user, same domain) and so make long
 * paths fail, or use it to run calls untranslated; the wall still holds those to the
 * container's files, and without a wall the tracer refuses ptrace and /proc/PID of processes
 * that are not its tracees (the keeper is not one).
 */
#include "tracer/tracer-internal.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <linux/sched.h>

enum keeper_op {
	KEEPER_TAKE = 1,  /* with an fd: keep it, answer its number */
	KEEPER_CLOSE = 2, /* close the fd numbered arg */
};

struct keeper_msg {
	int op;
	int arg;
};

/*
 * fork() that the tracer does not follow (PTRACE_O_TRACEFORK ignores CLONE_UNTRACED), with no
 * exit signal: a SIGCHLD would stop the traced first process before qrun's loop runs.
 */
static pid_t fork_untraced(void)
{
	return (pid_t)syscall(SYS_clone, CLONE_UNTRACED, 0, NULL, NULL, 0);
}

_noreturn_ static void keeper_main(int sock)
{
	pid_t self = (pid_t)syscall(SYS_getpid);

	/* qrun is not dumpable and we inherit that (no exec resets it): then tracees could not
	 * use our /proc/PID/fd */
	if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
		_exit(1);
	if (sock != 3 && (dup2(sock, 3) < 0 || close(sock) < 0))
		_exit(1);
	(void)close_range(0, 2, 0);
	(void)close_range(4, ~0U, 0);
	if (write(3, &self, sizeof(self)) != (ssize_t)sizeof(self))
		_exit(1);
	for (;;) {
		union {
			char buf[CMSG_SPACE(sizeof(int))];
			struct cmsghdr align;
		} u;
		struct keeper_msg m;
		struct iovec iov = { &m, sizeof(m) };
		struct msghdr h = { .msg_iov = &iov,
				    .msg_iovlen = 1,
				    .msg_control = u.buf,
				    .msg_controllen = sizeof(u.buf) };
		struct cmsghdr *c;
		ssize_t n = recvmsg(3, &h, MSG_CMSG_CLOEXEC);
		int fd = -1;

		if (n == 0)
			_exit(0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			_exit(1);
		}
		c = CMSG_FIRSTHDR(&h);
		if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
			memcpy(&fd, CMSG_DATA(c), sizeof(fd));
		if (m.op == KEEPER_CLOSE && m.arg >= 0 && m.arg != 3) /* 3: the socket */
			(void)close(m.arg);
		else if (m.op == KEEPER_TAKE && write(3, &fd, sizeof(fd)) != (ssize_t)sizeof(fd))
			_exit(1);
	}
}

void keeper_spawn(int sock)
{
	pid_t mid = fork_untraced();

	if (mid == 0) {
		if (fork_untraced() == 0)
			keeper_main(sock);
		_exit(0);
	}
	if (mid > 0)
		(void)waitpid(mid, NULL, __WALL);
	(void)close(sock);
}

/* The keeper's pid, read once from its first message (it writes it as it starts). */
static pid_t keeper_pid(struct tracer *tr)
{
	pid_t pid;

	if (tr->keeper.pid > 0 || tr->keeper.sock < 0)
		return tr->keeper.pid;
	if (read(tr->keeper.sock, &pid, sizeof(pid)) != (ssize_t)sizeof(pid) || pid <= 0) {
		keeper_stop(tr);
		return -1;
	}
	tr->keeper.pid = pid;
	return pid;
}

int keeper_take(struct tracer *tr, int fd, int *ret_num)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u = { 0 };
	struct keeper_msg m = { KEEPER_TAKE, 0 };
	struct iovec iov = { &m, sizeof(m) };
	struct msghdr h = { .msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = u.buf,
			    .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&h);
	int num;

	if (keeper_pid(tr) <= 0)
		return -ENAMETOOLONG; /* no keeper: a long path cannot be handed over */
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(fd));
	if (sendmsg(tr->keeper.sock, &h, MSG_NOSIGNAL) != (ssize_t)sizeof(m) ||
	    read(tr->keeper.sock, &num, sizeof(num)) != (ssize_t)sizeof(num) || num < 0) {
		keeper_stop(tr);
		return -ENAMETOOLONG;
	}
	*ret_num = num;
	return 0;
}

void keeper_drop(struct tracer *tr, int num)
{
	struct keeper_msg m = { KEEPER_CLOSE, num };

	if (tr->keeper.sock >= 0 && num >= 0)
		(void)send(tr->keeper.sock, &m, sizeof(m), MSG_NOSIGNAL);
}

int keeper_proc_path(struct tracer *tr, int num, const char *rest, char *ret, size_t size)
{
	pid_t pid = keeper_pid(tr);

	if (pid <= 0)
		return -ENAMETOOLONG;
	/* no rest: the fd itself (a file, whose name takes no slash) */
	return snprintf(ret, size, "/proc/%d/fd/%d%s%s", pid, num, rest[0] ? "/" : "", rest) <
		       (int)size
		   ? 0
		   : -ENAMETOOLONG;
}

bool keeper_is(const struct tracer *tr, pid_t pid)
{
	return tr->keeper.pid > 0 && pid == tr->keeper.pid;
}

void keeper_stop(struct tracer *tr)
{
	if (tr->keeper.pid > 0)
		(void)kill(tr->keeper.pid, SIGKILL);
	if (tr->keeper.sock >= 0)
		(void)close(tr->keeper.sock);
	tr->keeper.sock = -1;
	tr->keeper.pid = -1;
}
