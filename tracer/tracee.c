/* The tracee table: a small hash of thread records keyed by tid. */
#include "tracer/tracer-internal.h"

#include <fcntl.h>

static size_t slot(pid_t pid)
{
	return (size_t)pid % ARRAY_SIZE(((struct tracer *)NULL)->hash);
}

struct tracee *tracee_get(struct tracer *tr, pid_t pid)
{
	for (struct tracee *t = tr->hash[slot(pid)]; t; t = t->next) {
		if (t->pid == pid)
			return t;
	}
	return NULL;
}

struct tracee *tracee_new(struct tracer *tr, pid_t pid)
{
	struct tracee *t = xcalloc(1, sizeof(*t));

	t->pid = pid;
	t->last_nr = -1;
	t->status_num = -1;
	t->next = tr->hash[slot(pid)];
	tr->hash[slot(pid)] = t;
	tr->n_tracees++;
	return t;
}

void tracee_free(struct tracer *tr, struct tracee *t)
{
	struct tracee **pp;

	for (pp = &tr->hash[slot(t->pid)]; *pp; pp = &(*pp)->next) {
		if (*pp == t) {
			*pp = t->next;
			break;
		}
	}
	tr->n_tracees--;
	free(t->exe);
	free(t->pending_exe);
	free(t->pending_execfn);
	free(t->pending_execfn_host);
	free(t->owx.made);
	free(t);
}

pid_t tracee_tgid(struct tracee *t)
{
	_cleanup_free_ char *buf = NULL, *path = NULL;
	const char *p;
	long v;

	if (t->tgid > 0)
		return t->tgid;
	path = xasprintf("/proc/%d/status", t->pid);
	if (read_file_at(AT_FDCWD, path, 1 << 16, &buf) >= 0 && (p = strstr(buf, "\nTgid:"))) {
		char num[16];
		size_t n;

		p += strlen("\nTgid:");
		p += strspn(p, " \t");
		n = strcspn(p, "\n");
		if (n < sizeof(num)) {
			memcpy(num, p, n);
			num[n] = '\0';
			if (parse_int(num, 1, INT32_MAX, &v) == 0)
				t->tgid = (pid_t)v;
		}
	}
	return t->tgid > 0 ? t->tgid : t->pid;
}

struct tracee *tracee_leader(struct tracer *tr, struct tracee *t)
{
	struct tracee *l = tracee_get(tr, tracee_tgid(t));

	return l ? l : t;
}
