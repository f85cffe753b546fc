/*
 * The ids hook: emulated credentials (tracer_config.identity). A user who is not root runs the
 * guest as root, or as --user, without a user namespace: each traced thread carries a struct
 * cred of its own (ids are per thread in the kernel too; glibc makes setuid() reach every
 * thread by calling it in each), inherited at fork and clone, and the id calls are answered
 * from it by the kernel's rules:
 *
 *   - CAP_SETUID and CAP_SETGID, and every other capability, are held while the effective uid
 *     is 0 (capget says so); an emulated process that gives up root for good (all of its
 *     real, effective and saved uids non-zero) cannot get it back;
 *   - setuid/setreuid/setresuid/setfsuid and their gid twins, setgroups, as in the kernel's
 *     kernel/sys.c: without the capability only to ids the process already has;
 *   - a program whose (emulated) mode has the setuid or setgid bit runs with its owner's
 *     (emulated) ids as effective and saved ids (execve_done calls ids_exec).
 *
 * The real ids never change: what the host allows is still the real user's business, and the
 * Landlock wall is the same. Ownership of files is owners.c's.
 */
#include "tracer/tracer-internal.h"

#include <fcntl.h>
#include <linux/capability.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#define NO_ID 0xffffffffu /* (uid_t)-1: "leave unchanged" */

/* The thread's credentials: from its creator (loop.c), else its parent process, else config. */
struct cred *ids_cred(struct tracer *tr, struct tracee *t)
{
	const struct tracer_identity *id = &tr->config->identity;
	struct tracee *from = NULL;

	if (t->cred.set)
		return &t->cred;
	from = tracee_leader(tr, t);
	if (!from || from == t || !from->cred.set) {
		char path[48], buf[2048];
		_cleanup_close_ int fd = -1;
		const char *p;
		ssize_t n;

		from = NULL;
		(void)snprintf(path, sizeof(path), "/proc/%d/status", t->pid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
		if (n > 0) {
			buf[n] = '\0';
			p = strstr(buf, "\nPPid:\t");
			if (p)
				from = tracee_get(tr, (pid_t)strtol(p + 7, NULL, 10));
		}
	}
	if (from && from != t && from->cred.set) {
		t->cred = from->cred;
		return &t->cred;
	}
	t->cred = (struct cred){ .uid = id->uid,
				 .euid = id->uid,
				 .suid = id->uid,
				 .fsuid = id->uid,
				 .gid = id->gid,
				 .egid = id->gid,
				 .sgid = id->gid,
				 .fsgid = id->gid,
				 .set = true };
	t->cred.n_groups = (uint16_t)id->n_groups;
	memcpy(t->cred.groups, id->groups, id->n_groups * sizeof(id->groups[0]));
	return &t->cred;
}

bool ids_in_group(const struct cred *c, uint32_t gid)
{
	return gid == c->fsgid || ids_in_groups(c, gid);
}

bool ids_in_groups(const struct cred *c, uint32_t gid)
{
	for (size_t i = 0; i < c->n_groups; i++) {
		if (c->groups[i] == gid)
			return true;
	}
	return false;
}

static int put_ids(pid_t pid, const uint64_t *ptrs, const uint32_t *ids)
{
	for (int i = 0; i < 3; i++) {
		if (mem_write(pid, ptrs[i], &ids[i], sizeof(ids[i])) < 0)
			return -EFAULT;
	}
	return 0;
}

/*
 * setresuid(r, e, s) and setresgid, the kernel's way: without the capability each new id must
 * be one of the three the process has; the fs id follows the effective one.
 */
static int set_res(uint32_t *cur, bool privileged, uint32_t r, uint32_t e, uint32_t s)
{
	const uint32_t want[3] = { r, e, s };

	for (int i = 0; i < 3 && !privileged; i++) {
		if (want[i] != NO_ID && want[i] != cur[0] && want[i] != cur[1] && want[i] != cur[2])
			return -EPERM;
	}
	for (int i = 0; i < 3; i++) {
		if (want[i] != NO_ID)
			cur[i] = want[i];
	}
	cur[3] = cur[1];
	return 0;
}

/* setreuid(r, e): r may be the real or effective id, e any of the three; saved follows. */
static int set_re(uint32_t *cur, bool privileged, uint32_t r, uint32_t e)
{
	uint32_t old_r = cur[0];

	if (!privileged && ((r != NO_ID && r != cur[0] && r != cur[1]) ||
			    (e != NO_ID && e != cur[0] && e != cur[1] && e != cur[2])))
		return -EPERM;
	if (r != NO_ID)
		cur[0] = r;
	if (e != NO_ID)
		cur[1] = e;
	if (r != NO_ID || (e != NO_ID && e != old_r))
		cur[2] = cur[1];
	cur[3] = cur[1];
	return 0;
}

/* setuid(u): with the capability all four ids; else the effective one, to the real or saved. */
static int set_one(uint32_t *cur, bool privileged, uint32_t u)
{
	if (privileged) {
		cur[0] = cur[1] = cur[2] = cur[3] = u;
		return 0;
	}
	if (u != cur[0] && u != cur[2])
		return -EPERM;
	cur[1] = cur[3] = u;
	return 0;
}

/* setfsuid(u): always answers the old value; changes it when allowed. */
static long set_fs(uint32_t *cur, bool privileged, uint32_t u)
{
	uint32_t old = cur[3];

	if (privileged || u == cur[0] || u == cur[1] || u == cur[2] || u == cur[3])
		cur[3] = u;
	return old;
}

#define CAPS_FULL_LO 0xffffffffu
#define CAPS_FULL_HI ((1u << (CAP_LAST_CAP - 31)) - 1)

static int capget_answer(struct tracer *tr, struct tracee *t, const struct sysregs *r)
{
	struct __user_cap_header_struct hdr;
	struct __user_cap_data_struct data[2] = { 0 };
	struct tracee *of = t;
	const struct cred *c;
	int n;

	if (mem_read(t->pid, r->args[0], &hdr, sizeof(hdr)) < 0)
		return -EFAULT;
	if (hdr.version != _LINUX_CAPABILITY_VERSION_1 &&
	    hdr.version != _LINUX_CAPABILITY_VERSION_2 &&
	    hdr.version != _LINUX_CAPABILITY_VERSION_3) {
		hdr.version = _LINUX_CAPABILITY_VERSION_3;
		if (mem_write(t->pid, r->args[0], &hdr, sizeof(hdr)) < 0)
			return -EFAULT;
		return r->args[1] ? -EINVAL : 0;
	}
	if (hdr.pid != 0 && hdr.pid != t->pid) {
		of = tracee_get(tr, hdr.pid);
		if (!of)
			return -ESRCH;
	}
	c = ids_cred(tr, of);
	if (c->uid == 0 || c->euid == 0 || c->suid == 0) {
		data[0].permitted = CAPS_FULL_LO;
		data[1].permitted = CAPS_FULL_HI;
	}
	if (c->euid == 0) {
		data[0].effective = CAPS_FULL_LO;
		data[1].effective = CAPS_FULL_HI;
	}
	n = hdr.version == _LINUX_CAPABILITY_VERSION_1 ? 1 : 2;
	if (r->args[1] && mem_write(t->pid, r->args[1], data, n * sizeof(data[0])) < 0)
		return -EFAULT;
	return call_answer(tr, t, 0);
}

/* capset: nothing is tracked beyond "root has all"; a request beyond that is refused. */
static int capset_answer(struct tracer *tr, struct tracee *t, const struct sysregs *r)
{
	struct __user_cap_data_struct data[2] = { 0 };
	const struct cred *c = ids_cred(tr, t);
	bool root = c->uid == 0 || c->euid == 0 || c->suid == 0;

	if (r->args[1] && mem_read(t->pid, r->args[1], data, sizeof(data)) < 0)
		return -EFAULT;
	if (!root &&
	    (data[0].permitted | data[0].effective | data[1].permitted | data[1].effective))
		return -EPERM;
	return call_answer(tr, t, 0);
}

static int groups_answer(struct tracer *tr, struct tracee *t, const struct sysregs *r,
			 struct cred *c)
{
	int size = (int)r->args[0];

	if (r->nr == SYS_getgroups) {
		if (size < 0)
			return -EINVAL;
		if (size == 0)
			return call_answer(tr, t, c->n_groups);
		if (size < c->n_groups)
			return -EINVAL;
		if (c->n_groups && mem_write(t->pid, r->args[1], c->groups,
					     c->n_groups * sizeof(c->groups[0])) < 0)
			return -EFAULT;
		return call_answer(tr, t, c->n_groups);
	}
	if (c->euid != 0)
		return -EPERM;
	if (size < 0 || size > TRACER_MAX_GROUPS)
		return -EINVAL;
	if (size &&
	    mem_read(t->pid, r->args[1], c->groups, (size_t)size * sizeof(c->groups[0])) < 0)
		return -EFAULT;
	c->n_groups = (uint16_t)size;
	return call_answer(tr, t, 0);
}

static int decoded(struct tracer *tr, struct tracee *t, struct call *call)
{
	const struct sysregs *r = call->r;
	struct cred *c = ids_cred(tr, t);
	uint32_t u[4] = { c->uid, c->euid, c->suid, c->fsuid };
	uint32_t g[4] = { c->gid, c->egid, c->sgid, c->fsgid };
	uint32_t a0 = (uint32_t)r->args[0], a1 = (uint32_t)r->args[1], a2 = (uint32_t)r->args[2];
	bool root = c->euid == 0; /* CAP_SETUID, CAP_SETGID */
	long ret = 0;
	int e = 0;

	switch (r->nr) {
	case SYS_getuid:
		return call_answer(tr, t, c->uid);
	case SYS_geteuid:
		return call_answer(tr, t, c->euid);
	case SYS_getgid:
		return call_answer(tr, t, c->gid);
	case SYS_getegid:
		return call_answer(tr, t, c->egid);
	case SYS_getresuid:
		e = put_ids(t->pid, r->args, u);
		return e < 0 ? e : call_answer(tr, t, 0);
	case SYS_getresgid:
		e = put_ids(t->pid, r->args, g);
		return e < 0 ? e : call_answer(tr, t, 0);
	case SYS_getgroups:
	case SYS_setgroups:
		return groups_answer(tr, t, r, c);
	case SYS_capget:
		return capget_answer(tr, t, r);
	case SYS_capset:
		return capset_answer(tr, t, r);
	case SYS_setuid:
		e = set_one(u, root, a0);
		break;
	case SYS_setreuid:
		e = set_re(u, root, a0, a1);
		break;
	case SYS_setresuid:
		e = set_res(u, root, a0, a1, a2);
		break;
	case SYS_setfsuid:
		ret = set_fs(u, root, a0);
		break;
	case SYS_setgid:
		e = set_one(g, root, a0);
		break;
	case SYS_setregid:
		e = set_re(g, root, a0, a1);
		break;
	case SYS_setresgid:
		e = set_res(g, root, a0, a1, a2);
		break;
	case SYS_setfsgid:
		ret = set_fs(g, root, a0);
		break;
	default:
		return HOOK_ON;
	}
	if (e < 0)
		return e;
	c->uid = u[0], c->euid = u[1], c->suid = u[2], c->fsuid = u[3];
	c->gid = g[0], c->egid = g[1], c->sgid = g[2], c->fsgid = g[3];
	TRACE(tr, 1, "%d %s: uid %u/%u/%u/%u gid %u/%u/%u/%u", t->pid, call->def->name, c->uid,
	      c->euid, c->suid, c->fsuid, c->gid, c->egid, c->sgid, c->fsgid);
	preload_identity(tr, t); /* the shim leaves a user's permission checks to the tracer */
	return call_answer(tr, t, ret);
}

void ids_exec(struct tracer *tr, struct tracee *t)
{
	char host[PATH_MAX];
	struct owner o;
	struct stat st;
	struct cred *c;

	if (!tr->config->identity.emulate || !t->exe ||
	    binds_to_host(&tr->binds, t->exe, host, sizeof(host)) < 0 || stat(host, &st) < 0)
		return;
	owners_store_refresh(tr);
	owners_of(tr, &st, &o);
	c = ids_cred(tr, t);
	if (o.mode & S_ISUID)
		c->euid = c->suid = c->fsuid = o.uid;
	if ((o.mode & (S_ISGID | S_IXGRP)) == (S_ISGID | S_IXGRP))
		c->egid = c->sgid = c->fsgid = o.gid;
}

const struct hook ids_hook = {
	.name = "ids",
	.kinds = KIND_BIT(SC_ID),
	.decoded = decoded,
};
