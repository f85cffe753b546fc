/*
 * tracer_run: prepare the bind table, start the first process under ptrace (PTRACE_SEIZE with
 * EXITKILL, so no tracee outlives qrun), install the seccomp filter in it, and run the loop
 * until the whole tree is gone.
 *
 * The child and qrun talk over two pipes. go: qrun -> child, "you are seized" and later "exec
 * now". status: child -> qrun, one byte saying whether the filter is in place and one whether
 * the process is inside the wall ('W'; 'w': it could not enter; '-': no wall), then (only if
 * every exec failed) the errno; the write end is close-on-exec, so a successful exec says so by
 * closing it. A socket pair joins qrun and the keeper of long paths (keeper.c), which the
 * child forks inside the wall.
 */
#include "tracer/tracer-internal.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/wait.h>

extern char **environ;

static pid_t forward_to;

/* SIGINT/TERM/HUP/QUIT sent to qrun by a process go to the first tracee; from the terminal
 * they reach it directly (same process group), so those are not sent twice. */
static void forward_signal(int sig, siginfo_t *si, void *uctx)
{
	(void)uctx;
	if (forward_to > 0 && si->si_code <= 0)
		(void)kill(forward_to, sig);
}

static void set_signals(bool tracer)
{
	static const int fwd[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	static const int jobctl[] = { SIGTSTP, SIGTTIN, SIGTTOU };
	struct sigaction sa = { 0 };
	sigset_t none;

	for (size_t i = 0; i < ARRAY_SIZE(fwd); i++) {
		sa.sa_flags = tracer ? SA_SIGINFO | SA_RESTART : 0;
		if (tracer)
			sa.sa_sigaction = forward_signal;
		else
			sa.sa_handler = SIG_DFL;
		(void)sigaction(fwd[i], &sa, NULL);
	}
	/* qrun itself must keep serving its tracees while they are stopped */
	for (size_t i = 0; i < ARRAY_SIZE(jobctl); i++)
		(void)signal(jobctl[i], tracer ? SIG_IGN : SIG_DFL);
	if (!tracer) {
		(void)signal(SIGPIPE, SIG_DFL);
		(void)sigemptyset(&none);
		(void)sigprocmask(SIG_SETMASK, &none, NULL);
	}
}

_noreturn_ static void child(const struct tracer_config *c, const char *host_cwd, int wall,
			     int keeper, int go, int status)
{
	char byte[2];
	int e;

	set_signals(false);
	if (read(go, byte, 1) != 1)
		_exit(125);
	if (chdir(host_cwd) < 0)
		_exit(125);
	byte[1] = wall < 0 ? '-' : wall_enter(wall) == 0 ? 'W' : 'w';
	if (c->restrict_privileges && geteuid() == 0 && privs_restrict() < 0) {
		(void)write_all(status, "P", 1);
		_exit(125);
	}
	/* inside the wall and with the guest's privileges, but without the filter */
	keeper_spawn(keeper);
	/* Inherited fds (a host directory, a socket) are not the guest's to use. */
	(void)close_range(3 + (unsigned)c->preserve_fds, ~0U, CLOSE_RANGE_CLOEXEC);
	byte[0] = 'N';
	/* The shim's trampoline can open files untranslated: only inside the wall (preload.h). */
	if (!c->no_seccomp && seccomp_install(c->hostname != NULL, c->identity.emulate,
					      c->preload != NULL && byte[1] == 'W') == 0)
		byte[0] = 'S';
	if (write(status, byte, 2) != 2 || read(go, byte, 1) != 1)
		_exit(125);
	if (c->envp)
		environ = (char **)c->envp;
	/* Every execve here, including execvp's PATH walk, is translated by the tracer. */
	execvp(c->argv[0], c->argv);
	e = errno;
	(void)write_all(status, &e, sizeof(e));
	_exit(e == ENOENT || e == ENOTDIR ? 127 : 126);
}

/* Canonicalise bind guest paths inside the rootfs (a bind on /var/run lands on /run). */
static int canon_binds(struct tracer *tr, struct tracee *self, struct qerr *err)
{
	for (size_t i = 1; i < tr->binds.n; i++) {
		struct xlat x;
		int r = path_translate(tr, self, AT_FDCWD, tr->binds.v[i].guest, true, &x);

		if (r < 0)
			return qerr_set_errno(err, r, "bind on '%s'", tr->binds.v[i].guest);
		if (strcmp(x.guest, tr->binds.v[i].guest) != 0) {
			free(tr->binds.v[i].guest);
			tr->binds.v[i].guest = xstrdup(x.guest);
			tr->binds.v[i].glen = strlen(x.guest);
		}
	}
	return 0;
}

static int resolve_cwd(struct tracer *tr, struct tracee *self, const char *cwd, char *host,
		       struct qerr *err)
{
	struct xlat x;
	struct stat st;
	int r = path_translate(tr, self, AT_FDCWD, cwd, true, &x);

	if (r < 0)
		return qerr_set_errno(err, r, "workdir '%s'", cwd);
	if (stat(x.host, &st) < 0)
		return qerr_set_errno(err, -errno, "workdir '%s'", cwd);
	if (!S_ISDIR(st.st_mode))
		return qerr_set(err, -ENOTDIR, "workdir '%s': not a directory", cwd);
	memcpy(host, x.host, strlen(x.host) + 1);
	return 0;
}

/*
 * Keep the tracer on the CPU it runs on (its tracees keep every CPU they had). A ptrace stop
 * wakes the tracer and the tracer wakes the tracee: when both are on one CPU that costs a
 * few microseconds, across CPUs several times more, and the scheduler then tends to wake
 * tracees where their tracer is. Measured with b301 (2 vCPUs): 1000 fork+exec went from
 * 1.40x to 1.24x of native, make -j2 did not get slower. QRUN_TRACER_CPU=any turns it off.
 */
static void pin_tracer(void)
{
	const char *env = getenv("QRUN_TRACER_CPU");
	cpu_set_t set;
	int cpu = sched_getcpu();

	if ((env && strcmp(env, "any") == 0) || cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	(void)sched_setaffinity(0, sizeof(set), &set);
}

static int start(struct tracer *tr, const char *host_cwd, int wall, int *ret_status_fd,
		 struct qerr *err)
{
	const long opts = PTRACE_O_EXITKILL | PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEFORK |
			  PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE | PTRACE_O_TRACEEXEC |
			  PTRACE_O_TRACESECCOMP;
	int go[2], st[2], kp[2];
	char byte[2] = { 0, 0 };
	pid_t pid;

	if (pipe2(go, O_CLOEXEC) < 0 || pipe2(st, O_CLOEXEC) < 0 ||
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, kp) < 0)
		return qerr_set_errno(err, -errno, "pipe");
	pid = fork();
	if (pid < 0)
		return qerr_set_errno(err, -errno, "fork");
	if (pid == 0) {
		(void)close(go[1]);
		(void)close(st[0]);
		(void)close(kp[0]);
		child(tr->config, host_cwd, wall, kp[1], go[0], st[1]);
	}
	(void)close(go[0]);
	(void)close(st[1]);
	(void)close(kp[1]);
	tr->keeper.sock = kp[0];
	tr->first_pid = pid;
	pin_tracer();
	if (ptrace(PTRACE_SEIZE, pid, 0, (void *)opts) < 0) {
		int e = -errno;

		(void)kill(pid, SIGKILL);
		(void)waitpid(pid, NULL, 0);
		(void)close(go[1]);
		(void)close(st[0]);
		return qerr_set(err, e,
				"ptrace refused (%s): this host does not let qrun trace programs "
				"(run 'qrun info' to see why and what to change)",
				strerror(-e));
	}
	/*
	 * Not dumpable from now on: a guest running as the same user can neither ptrace qrun nor
	 * open its /proc/PID/mem or fd/ (the wall says the same where there is one). Only now:
	 * the child inherits the flag, and a child that is not dumpable cannot be seized by a
	 * normal user. No guest code runs before this point.
	 */
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	(void)tracee_new(tr, pid);
	if (write(go[1], "g", 1) != 1 || read(st[0], byte, 2) < 1 || byte[0] == 'P') {
		(void)close(go[1]);
		(void)close(st[0]);
		if (byte[0] == 'P')
			return qerr_set(
			    err, -EPERM,
			    "as root, the first process could not drop its privileges "
			    "(no_new_privs or capabilities refused here); --privileged runs "
			    "it with all of them");
		return qerr_set(err, -EIO, "the first process died before it could start");
	}
	if (byte[1] == 'w' && tr->config->wall == TRACER_WALL_REQUIRED) {
		(void)kill(pid, SIGKILL);
		(void)close(go[1]);
		(void)close(st[0]);
		return qerr_set(err, -EPERM,
				"the wall is required but the first process could not enter its "
				"Landlock domain (no_new_privs or landlock_restrict_self refused)");
	}
	if (byte[1] == 'w')
		qlog_warn("the first process could not enter its Landlock domain (no_new_privs "
			  "or landlock_restrict_self refused): confinement is best effort");
	tr->seccomp = byte[0] == 'S';
	tr->preload = tr->seccomp && byte[1] == 'W' ? tr->config->preload : NULL;
	if (!tr->seccomp && !tr->config->no_seccomp)
		qlog_warn("seccomp filters cannot be installed here: stopping at every system "
			  "call instead (slower)");
	if (!tr->seccomp) {
		/* Stop it before its exec, so that the loop resumes it with PTRACE_SYSCALL. */
		(void)ptrace(PTRACE_INTERRUPT, pid, 0, 0);
	}
	(void)write_all(go[1], "g", 1);
	(void)close(go[1]);
	*ret_status_fd = st[0];
	if (tr->config->started)
		tr->config->started(tr->config->started_data, pid);
	return 0;
}

int tracer_run(const struct tracer_config *config, struct tracer_result *ret, struct qerr *err)
{
	struct tracer tr = { .config = config,
			     .keeper = { .pid = 0, .sock = -1 },
			     .owners = { .store_fd = -1, .shm_fd = -1 } };
	struct tracee *self;
	char host_cwd[PATH_MAX];
	int status_fd = -1, wall = -1, dumpable, r;

	dumpable = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);
	tr.tracer_pid = getpid();
	tr.real_uid = getuid();
	tr.real_gid = getgid();
	r = binds_init(&tr.binds, config, err);
	if (r < 0)
		return r;
	tr.binds.v[0].readonly = config->readonly_root;
	for (size_t i = 0; i < tr.binds.n; i++)
		tr.has_readonly_binds |= tr.binds.v[i].readonly;
	/* A stand-in tracee for translations done before any process exists. */
	self = tracee_new(&tr, getpid());
	r = canon_binds(&tr, self, err);
	if (r >= 0) {
		binds_make_mountpoints(&tr.binds);
		r = resolve_cwd(&tr, self, config->cwd ? config->cwd : "/", host_cwd, err);
	}
	tracee_free(&tr, self);
	if (r >= 0) {
		owners_seed(&tr);
		r = owners_store_open(&tr, err);
	}
	if (r >= 0 && owners_shm_open(&tr, tr.owners.store_alone) < 0)
		qlog_warn(
		    "no owners table for the in-process shim: every stat stops in the tracer");
	if (r >= 0)
		r = wall_build(&tr, &wall, err);
	if (r < 0)
		goto out;

	(void)prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); /* orphans are reaped here */
	set_signals(true);
	r = start(&tr, host_cwd, wall, &status_fd, err);
	if (wall >= 0)
		(void)close(wall); /* the child has entered it */
	wall = -1;
	if (r < 0)
		goto out;
	forward_to = tr.first_pid;
	r = loop_run(&tr);
	forward_to = 0;
	if (r < 0) {
		qerr_set_errno(err, r, "waiting for traced processes");
		goto out;
	}
	memset(ret, 0, sizeof(*ret));
	if (read(status_fd, &ret->exec_errno, sizeof(ret->exec_errno)) !=
	    (ssize_t)sizeof(ret->exec_errno))
		ret->exec_errno = 0;
	if (WIFEXITED(tr.first_status))
		ret->status = WEXITSTATUS(tr.first_status);
	else if (WIFSIGNALED(tr.first_status))
		ret->status = 128 + WTERMSIG(tr.first_status);
	ret->missing_arch = tr.missing_arch;
	ret->rootfs_written = tr.rootfs_written;
	TRACE(&tr, 2, "%lu stops", tr.n_stops);
	for (size_t i = 0; tr.config->verbose >= 2 && i < ARRAY_SIZE(tr.stops_by_nr); i++) {
		const struct sc_def *d = sc_lookup((long)i);

		if (tr.stops_by_nr[i])
			qlog(QLOG_ERROR, "%8lu %s", tr.stops_by_nr[i],
			     d && d->name ? d->name : "?");
	}
	r = 0;
out:
	if (wall >= 0)
		(void)close(wall);
	if (status_fd >= 0)
		(void)close(status_fd);
	binds_remove_mountpoints(&tr.binds);
	binds_release(&tr.binds);
	/*
	 * The guest is gone (killed and reaped): dumpable again, or the next run of this process
	 * (a build's next step) could not seize its child.
	 */
	if (dumpable > 0)
		(void)prctl(PR_SET_DUMPABLE, dumpable, 0, 0, 0);
	for (size_t i = 0; i < ARRAY_SIZE(tr.qemu_paths); i++)
		free(tr.qemu_paths[i]);
	keeper_stop(&tr);
	longpath_release(&tr);
	sock_names_release(&tr);
	ldso_release(&tr);
	path_cache_flush(&tr);
	free(tr.preload_settings);
	owners_release(&tr);
	return r;
}
