/*
 * AF_UNIX socket addresses: a path in bind/connect/sendto/sendmsg is a guest path, and the
 * names the kernel hands back (getsockname, getpeername, accept, recvfrom, recvmsg) are host
 * paths that must be shown as guest paths. Abstract names (leading NUL) are not paths.
 */
#include "tracer/tracer-internal.h"

#include <fcntl.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>

#define SUN_OFF offsetof(struct sockaddr_un, sun_path)

/* host socket name -> the name the guest bound it with (a small ring: names are few) */
static struct {
	char *host, *guest;
} names[64];
static unsigned next_name;

static void sock_name_remember(struct tracer *tr, const char *host, const char *guest)
{
	unsigned i = next_name++ % ARRAY_SIZE(names);

	(void)tr;
	free(names[i].host);
	free(names[i].guest);
	names[i].host = xstrdup(host);
	names[i].guest = xstrdup(guest);
}

static bool sock_name_lookup(struct tracer *tr, const char *host, char *ret, size_t size)
{
	(void)tr;
	for (unsigned i = 0; i < ARRAY_SIZE(names); i++) {
		if (names[i].host && strcmp(names[i].host, host) == 0 &&
		    strlen(names[i].guest) < size) {
			memcpy(ret, names[i].guest, strlen(names[i].guest) + 1);
			return true;
		}
	}
	return false;
}

/*
 * host as a path relative to the tracee's real cwd ("../x/s"), if that is shorter than size:
 * the kernel keeps a sockaddr_un name to 107 bytes, and the rootfs prefix may not fit.
 */
static int relative_to_cwd(struct tracee *t, const char *host, char *ret, size_t size)
{
	char link[32], cwd[PATH_MAX];
	size_t common = 0, i, ups = 0, len = 0;
	ssize_t n;

	(void)snprintf(link, sizeof(link), "/proc/%d/cwd", t->pid);
	n = readlink(link, cwd, sizeof(cwd) - 1);
	if (n <= 0)
		return -ENOENT;
	cwd[n] = '\0';
	if (strcmp(cwd, "/") == 0)
		cwd[0] = '\0';
	/* the longest common directory prefix */
	for (i = 0; cwd[i] && cwd[i] == host[i]; i++) {
		if (cwd[i] == '/')
			common = i;
	}
	if (cwd[i] == '\0' && (host[i] == '/' || host[i] == '\0'))
		common = i;
	for (i = common; cwd[i]; i++)
		ups += cwd[i] == '/';
	for (i = 0; i < ups; i++) {
		if (len + 3 >= size)
			return -ENAMETOOLONG;
		memcpy(ret + len, "../", 3);
		len += 3;
	}
	if (host[common] == '/')
		common++;
	if (len + strlen(host + common) + 1 > size)
		return -ENAMETOOLONG;
	memcpy(ret + len, host + common, strlen(host + common) + 1);
	return 0;
}

/*
 * Read a sockaddr of len bytes at addr; if it is a filesystem AF_UNIX name, translate it and
 * put the host version in scratch. Returns 1 with *ret_addr and *ret_len set, 0 when nothing is to
 * be done, -errno to fail the call.
 */
static int addr_in(struct tracer *tr, struct tracee *t, struct scratch *s, uint64_t addr,
		   size_t len, bool creates, uint64_t *ret_addr, size_t *ret_len)
{
	struct sockaddr_un sun;
	char path[sizeof(sun.sun_path) + 1];
	struct xlat x;
	size_t plen;
	int e = 0;

	if (!addr || len <= SUN_OFF || len > sizeof(sun))
		return 0;
	if (mem_read(t->pid, addr, &sun, len) < 0 || sun.sun_family != AF_UNIX)
		return 0;
	if (sun.sun_path[0] == '\0')
		return 0; /* abstract */
	plen = strnlen(sun.sun_path, len - SUN_OFF);
	memcpy(path, sun.sun_path, plen);
	path[plen] = '\0';
	/* A plain relative name stays as the guest wrote it: the kernel keeps that text as the
	 * socket's name and resolves it in the (real) cwd. */
	if (enter_passthrough(tr, t, AT_FDCWD, path, !creates, creates))
		return 0;
	e = path_translate(tr, t, AT_FDCWD, path, !creates, &x);
	if (e < 0)
		return e;
	if (creates && tr->binds.v[x.bind].readonly)
		return -EROFS;
	if (creates && x.bind == 0)
		tr->rootfs_written = true;
	if (strlen(x.host) >= sizeof(sun.sun_path) &&
	    relative_to_cwd(t, x.host, x.guest, sizeof(sun.sun_path)) == 0)
		memcpy(x.host, x.guest, strlen(x.guest) + 1);
	if (strlen(x.host) >= sizeof(sun.sun_path)) {
		/* The host name does not fit a sockaddr_un: reach it through a directory fd. */
		char *slash = strrchr(x.host, '/');
		int dfd;

		if (!slash || slash == x.host)
			return -ENAMETOOLONG;
		*slash = '\0';
		dfd = longpath_in_dir(tr, x.host, slash + 1, x.guest, sizeof(sun.sun_path));
		if (dfd < 0)
			return dfd;
		memcpy(x.host, x.guest, strlen(x.guest) + 1);
	}
	TRACE(tr, 1, "%d unix socket \"%s\" -> \"%s\"", t->pid, path, x.host);
	/* The kernel keeps the name bound as the socket's address: show the guest its own. */
	if (creates)
		sock_name_remember(tr, x.host, path);
	memset(sun.sun_path, 0, sizeof(sun.sun_path));
	memcpy(sun.sun_path, x.host, strlen(x.host));
	*ret_len = SUN_OFF + strlen(x.host) + 1;
	*ret_addr = scratch_put(s, &sun, *ret_len, &e);
	return *ret_addr ? 1 : e;
}

static int msghdr_in(struct tracer *tr, struct tracee *t, struct scratch *s, uint64_t mptr)
{
	struct msghdr m;
	uint64_t naddr;
	size_t nlen;
	int e;

	if (mem_read(t->pid, mptr, &m, sizeof(m)) < 0)
		return 0;
	e = addr_in(tr, t, s, (uint64_t)m.msg_name, m.msg_namelen, false, &naddr, &nlen);
	if (e <= 0)
		return e;
	m.msg_name = (void *)naddr;
	m.msg_namelen = (socklen_t)nlen;
	e = mem_write(t->pid, mptr, &m, sizeof(m));
	return e < 0 ? e : 1;
}

enum resume sock_enter(struct tracer *tr, struct tracee *t, const struct sysregs *r,
		       const struct sc_def *def)
{
	struct scratch s;
	uint64_t naddr;
	size_t nlen;
	int e = 0, ai = 1, li = 2;

	scratch_init(&s, t->pid, r->sp);
	switch ((enum sc_kind)def->kind) {
	case SC_SENDTO:
		ai = 4, li = 5;
		/* fall through */
	case SC_SOCKADDR_IN:
		e = addr_in(tr, t, &s, r->args[ai], r->args[li], r->nr == SYS_bind, &naddr, &nlen);
		if (e > 0) {
			(void)regs_set_arg(t->pid, ai, naddr);
			(void)regs_set_arg(t->pid, li, nlen);
		}
		break;
	case SC_SENDMSG:
		if (r->nr == SYS_sendmsg) {
			/*
			 * The msghdr is the guest's: rewrite a copy of it in scratch, never the
			 * original, so the guest's struct stays as it wrote it.
			 */
			struct msghdr m;
			uint64_t copy;

			if (mem_read(t->pid, r->args[1], &m, sizeof(m)) < 0)
				break;
			copy = scratch_put(&s, &m, sizeof(m), &e);
			if (!copy)
				break;
			e = msghdr_in(tr, t, &s, copy);
			if (e > 0)
				(void)regs_set_arg(t->pid, 1, copy);
		} else {
			unsigned int vlen = (unsigned int)r->args[2];
			struct mmsghdr mm[16];
			uint64_t copy;

			if (vlen > ARRAY_SIZE(mm))
				vlen = ARRAY_SIZE(mm); /* sendmmsg sends a prefix; so do we */
			if (vlen == 0 || mem_read(t->pid, r->args[1], mm, vlen * sizeof(mm[0])) < 0)
				break;
			copy = scratch_put(&s, mm, vlen * sizeof(mm[0]), &e);
			for (unsigned int i = 0; copy && i < vlen && e >= 0; i++)
				e = msghdr_in(tr, t, &s, copy + i * sizeof(mm[0]));
			if (copy && e >= 0) {
				(void)regs_set_arg(t->pid, 1, copy);
				(void)regs_set_arg(t->pid, 2, vlen);
			}
		}
		break;
	case SC_SOCKADDR_OUT:
	case SC_RECVMSG: {
		/* Remember where the name goes and how big its buffer is: rewritten at exit. */
		uint32_t cap = 0;

		if (r->nr == SYS_recvmsg) {
			struct msghdr m;

			if (mem_read(t->pid, r->args[1], &m, sizeof(m)) < 0 || !m.msg_name)
				return RESUME_CONT;
			cap = m.msg_namelen;
		} else if (r->nr == SYS_recvmmsg) {
			return RESUME_CONT; /* names of a batch are left as the kernel gives them */
		} else {
			ai = r->nr == SYS_recvfrom ? 4 : 1;
			li = ai + 1;
			if (!r->args[ai] || !r->args[li] ||
			    mem_read(t->pid, r->args[li], &cap, 4) < 0)
				return RESUME_CONT;
		}
		t->exit_nr = r->nr;
		t->exit_cap = cap;
		memcpy(t->exit_args, r->args, sizeof(t->exit_args));
		return RESUME_SYSCALL;
	}
	default:
		break;
	}
	if (e < 0)
		enter_fail(tr, t, e);
	return RESUME_CONT;
}

/* Rewrite one returned name at addr (buffer cap bytes, *lenp in the tracee). */
static void addr_out(struct tracer *tr, struct tracee *t, uint64_t addr, uint64_t lenp,
		     uint32_t cap)
{
	struct sockaddr_un sun;
	char host[sizeof(sun.sun_path) + 1], guest[PATH_MAX];
	uint32_t len = 0, n;
	size_t plen;

	if (!addr || !lenp || mem_read(t->pid, lenp, &len, 4) < 0 || len <= SUN_OFF)
		return;
	n = len < cap ? len : cap;
	if (n > sizeof(sun))
		n = sizeof(sun);
	memset(&sun, 0, sizeof(sun));
	if (n <= SUN_OFF || mem_read(t->pid, addr, &sun, n) < 0 || sun.sun_family != AF_UNIX ||
	    sun.sun_path[0] == '\0')
		return;
	plen = strnlen(sun.sun_path, n - SUN_OFF);
	memcpy(host, sun.sun_path, plen);
	host[plen] = '\0';
	if (!sock_name_lookup(tr, host, guest, sizeof(guest)) &&
	    path_to_guest(tr, host, guest, sizeof(guest)) < 0)
		return;
	if (strlen(guest) >= sizeof(sun.sun_path))
		return;
	memset(sun.sun_path, 0, sizeof(sun.sun_path));
	memcpy(sun.sun_path, guest, strlen(guest));
	len = (uint32_t)(SUN_OFF + strlen(guest) + 1);
	(void)mem_write(t->pid, addr, &sun, len < cap ? len : cap);
	(void)mem_write(t->pid, lenp, &len, 4);
}

void sock_exit(struct tracer *tr, struct tracee *t, const struct sysregs *r)
{
	const uint64_t *a = t->exit_args;

	if (r->rval < 0)
		return;
	if (t->exit_nr == SYS_recvmsg) {
		struct msghdr m;

		if (mem_read(t->pid, a[1], &m, sizeof(m)) == 0 && m.msg_name)
			addr_out(tr, t, (uint64_t)m.msg_name,
				 a[1] + offsetof(struct msghdr, msg_namelen), t->exit_cap);
	} else if (t->exit_nr == SYS_recvfrom) {
		addr_out(tr, t, a[4], a[5], t->exit_cap);
	} else {
		addr_out(tr, t, a[1], a[2], t->exit_cap); /* accept(4), getsockname, getpeername */
	}
}

void sock_names_release(void)
{
	for (unsigned i = 0; i < ARRAY_SIZE(names); i++) {
		free(names[i].host);
		free(names[i].guest);
		names[i].host = names[i].guest = NULL;
	}
}
