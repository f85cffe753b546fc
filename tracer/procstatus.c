/*
 * The proc-status hook: /proc/PID/status of a tracee as its emulated identity shows it. `ps`,
 * `top` and `id`-like tools read the Uid:, Gid: and Groups: lines there, which the kernel fills
 * with the real user's ids. An open for reading of /proc/self/status, /proc/thread-self/status,
 * /proc/PID/status or /proc/PID/task/TID/status of a tracee goes instead to a copy made at that
 * moment (a memfd the keeper holds, opened through /proc/<keeper>/fd/N: qrun itself is out of
 * the guest's reach) whose id lines are the emulated credentials'; everything else is the
 * kernel's text. The copy is a snapshot: a program that reads the same fd again after a
 * setuid sees the old lines (the kernel's file would change).
 */
#include "tracer/tracer-internal.h"

#include <fcntl.h>
#include <sys/mman.h>

/* The thread whose status the (canonical) guest path names, or 0. */
static pid_t status_of(const char *g)
{
	const char *what;
	pid_t pid, tid;

	if (!path_proc_split(g, &pid, &tid, &what) || strcmp(what, "status") != 0)
		return 0;
	return tid ? tid : pid;
}

/* A line as the kernel writes it: "Uid:\t0\t0\t0\t0", "Groups:\t50 100 " (each group ends in
 * a blank). */
static void put(FILE *f, const char *key, const uint32_t *v, size_t n, bool groups)
{
	fprintf(f, "%s:\t", key);
	for (size_t i = 0; i < n; i++)
		fprintf(f, groups ? "%u " : i + 1 < n ? "%u\t" : "%u", v[i]);
	fputc('\n', f);
}

/* The kernel's text with the id lines of c, in a memfd; or -errno. */
static int status_copy(pid_t pid, const struct cred *c)
{
	char path[48], line[4096];
	_cleanup_fclose_ FILE *in = NULL;
	FILE *out;
	int fd;

	(void)snprintf(path, sizeof(path), "/proc/%d/status", pid);
	in = fopen(path, "re");
	if (!in)
		return -errno;
	fd = memfd_create("status", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	out = fdopen(dup(fd), "w");
	if (!out) {
		close(fd);
		return -ENOMEM;
	}
	while (fgets(line, sizeof(line), in)) {
		if (strncmp(line, "Uid:", 4) == 0)
			put(out, "Uid", (uint32_t[]){ c->uid, c->euid, c->suid, c->fsuid }, 4,
			    false);
		else if (strncmp(line, "Gid:", 4) == 0)
			put(out, "Gid", (uint32_t[]){ c->gid, c->egid, c->sgid, c->fsgid }, 4,
			    false);
		else if (strncmp(line, "Groups:", 7) == 0)
			put(out, "Groups", c->groups, c->n_groups, true);
		else
			fputs(line, out);
	}
	if (fclose(out) != 0) {
		close(fd);
		return -EIO;
	}
	return fd;
}

static int translated(struct tracer *tr, struct tracee *t, struct call *c, struct call_path *a)
{
	struct tracee *who;
	pid_t pid;
	int fd, num;

	if (!tr->config->identity.emulate || a->p->write != W_OPEN || a->writes ||
	    (c->r->args[a->p->flags] & O_PATH))
		return HOOK_ON;
	pid = status_of(a->x->guest);
	who = pid ? tracee_get(tr, pid) : NULL;
	if (!who)
		return HOOK_ON; /* not a tracee's: the kernel's (the real user's) */
	fd = status_copy(pid, ids_cred(tr, who));
	if (fd < 0)
		return HOOK_ON;
	if (keeper_take(tr, fd, &num) < 0 ||
	    keeper_proc_path(tr, num, "", a->x->host, sizeof(a->x->host)) < 0) {
		close(fd);
		return HOOK_ON; /* no keeper (no wall): the kernel's text */
	}
	close(fd);
	t->status_num = num;
	c->want_exit = true;
	return HOOK_REDIRECT;
}

/* The open is made: the keeper's copy can go (the guest's fd holds the file). */
static void exit_stop(struct tracer *tr, struct tracee *t, const struct sysregs *r)
{
	(void)r;
	if (t->status_num >= 0)
		keeper_drop(tr, t->status_num);
	t->status_num = -1;
}

const struct hook proc_status_hook = {
	.name = "proc-status",
	.kinds = PATH_KINDS,
	.translated = translated,
	.exit = exit_stop,
};
