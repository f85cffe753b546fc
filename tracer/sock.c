/*
 * AF_UNIX socket addresses: a path in bind/connect/sendto/sendmsg/sendmmsg is a guest path,
 * and the names the kernel hands back (getsockname, getpeername, accept, recvfrom, recvmsg,
 * recvmmsg) are host paths that must be shown as guest paths. Abstract names (leading NUL)
 * are not paths.
 *
 * The rule for scratch copies: whatever the kernel writes into a copy it was handed instead
 * of the guest's memory (sendmmsg's msg_len, a returned name and its length) is copied back
 * to the guest's memory at the exit stop; a call that needs no rewriting gets the guest's own
 * pointers. recvmsg and recvmmsg always get the guest's own msghdr (their msg_namelen,
 * msg_flags, msg_controllen and msg_len outputs land where the guest looks).
 */
#include "tracer/tracer-internal.h"

#include <fcntl.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>

#define SUN_OFF offsetof(struct sockaddr_un, sun_path)

/* host socket name -> the name the guest bound it with (tr->sock_names: names are few) */
static void sock_name_remember(struct tracer *tr, const char *host, const char *guest)
{
	unsigned i = tr->sock_next++ % SOCK_NAMES;

	free(tr->sock_names[i].host);
	free(tr->sock_names[i].guest);
	tr->sock_names[i].host = xstrdup(host);
	tr->sock_names[i].guest = xstrdup(guest);
}

static bool sock_name_lookup(struct tracer *tr, const char *host, char *ret, size_t size)
{
	for (unsigned i = 0; i < SOCK_NAMES; i++) {
		const char *g = tr->sock_names[i].guest;

		if (g && strcmp(tr->sock_names[i].host, host) == 0 && strlen(g) < size) {
			memcpy(ret, g, strlen(g) + 1);
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
 * Read a sockaddr of len bytes at addr into *sun and its path into path: true when it names a
 * file system AF_UNIX socket (abstract names, with a leading NUL, are not paths).
 */
static bool addr_read_path(struct tracee *t, uint64_t addr, size_t len, struct sockaddr_un *sun,
			   char path[sizeof(sun->sun_path) + 1])
{
	size_t plen;

	if (!addr || len <= SUN_OFF || len > sizeof(*sun))
		return false;
	if (mem_read(t->pid, addr, sun, len) < 0 || sun->sun_family != AF_UNIX ||
	    sun->sun_path[0] == '\0')
		return false;
	plen = strnlen(sun->sun_path, len - SUN_OFF);
	memcpy(path, sun->sun_path, plen);
	path[plen] = '\0';
	return true;
}

/*
 * Read a sockaddr of len bytes at addr; if it is a filesystem AF_UNIX name, translate it and
 * put the host version in scratch. Returns 1 with *ret_addr and *ret_len set, 0 when nothing is to
 * be done, -errno to fail the call.
 */
static int addr_in(struct tracer *tr, struct tracee *t, struct scratch *s, uint64_t addr,
		   size_t len, bool creates, uint64_t *ret_addr, size_t *ret_len)
{
	static const struct sc_path rules[2] = {
		{ -1, -1, -1, F_FOLLOW, W_NO, false },	  /* connect, sendto */
		{ -1, -1, -1, F_NOFOLLOW, W_YES, false }, /* bind: creates the name */
	};
	struct sockaddr_un sun;
	char path[sizeof(sun.sun_path) + 1];
	struct xlat x;
	struct call_path a = { .p = &rules[creates],
			       .dirfd = AT_FDCWD,
			       .follow = !creates,
			       .writes = creates,
			       .orig = path,
			       .x = &x };
	int e = 0;

	if (!addr_read_path(t, addr, len, &sun, path))
		return 0;
	/*
	 * Through the resolve and policy stages (read-only binds, record), except that a plain
	 * relative name stays as the guest wrote it: the kernel keeps that text as the socket's
	 * name and resolves it in the (real) cwd.
	 */
	e = call_resolve_path(tr, t, &tr->stop.call, &a);
	if (e <= 0)
		return e;
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

/* The destination of a message (the guest's msghdr, read into *m): as addr_in, rewriting *m. */
static int msg_name_in(struct tracer *tr, struct tracee *t, struct scratch *s, struct msghdr *m)
{
	uint64_t naddr;
	size_t nlen;
	int e;

	e = addr_in(tr, t, s, (uint64_t)m->msg_name, m->msg_namelen, false, &naddr, &nlen);
	if (e > 0) {
		m->msg_name = (void *)naddr;
		m->msg_namelen = (socklen_t)nlen;
	}
	return e;
}

/*
 * Scratch memory and system call restarts. A call interrupted by a signal whose handler has
 * SA_RESTART is restarted by the kernel with the registers it had, so it comes back with our
 * scratch pointers in its arguments, and the handler's frame (built below the stack pointer)
 * may have overwritten what they point at. So every pointer a socket call gets changed to is
 * remembered with the guest's original in t->last_new/last_orig[0] (and a length or second
 * pointer changed with it in slot 1), as the pipeline does for paths, and mapped back at the next
 * entry of the same call. A pointer below the red zone of the current stack pointer cannot be
 * a buffer of the guest's own.
 */
static bool restarted(const struct tracee *t, const struct sysregs *r, int i)
{
	uint64_t v = r->args[i];

	return t->last_nr == r->nr && v && v == t->last_new[0] && v < r->sp - REGS_RED_ZONE;
}

/* Give argument i the value v, when the kernel does not already have it. */
static void set_arg(struct tracee *t, const struct sysregs *r, int i, uint64_t v)
{
	if (r->args[i] != v)
		(void)regs_set_arg(t->pid, i, v);
}

/* Record what this call was changed to (0: nothing), for restarted() and sock_exit. */
static void remember(struct tracee *t, const struct sysregs *r, uint64_t new0, uint64_t orig0,
		     uint64_t new1, uint64_t orig1)
{
	t->last_nr = r->nr;
	t->last_new[0] = new0;
	t->last_orig[0] = orig0;
	t->last_new[1] = new1;
	t->last_orig[1] = orig1;
}

/* Ask for the exit stop of this call; args are the guest's own (not our scratch copies). */
static enum resume want_exit(struct tracee *t, const struct sysregs *r, const uint64_t *args,
			     uint32_t cap)
{
	t->exit_nr = r->nr;
	t->exit_cap = cap;
	memcpy(t->exit_args, args, sizeof(t->exit_args));
	return RESUME_SYSCALL;
}

/*
 * sendmsg: the msghdr is the guest's; a destination to translate goes into a copy of it in
 * scratch, never the original, so the guest's struct stays as it wrote it (sendmsg writes
 * nothing back into it). Returns 0 or -errno to fail the call with.
 */
static int sendmsg_enter(struct tracer *tr, struct tracee *t, const struct sysregs *r,
			 struct scratch *s)
{
	uint64_t addr = restarted(t, r, 1) ? t->last_orig[0] : r->args[1], copy;
	struct msghdr m;
	int e;

	set_arg(t, r, 1, addr);
	remember(t, r, 0, 0, 0, 0);
	if (mem_read(t->pid, addr, &m, sizeof(m)) < 0)
		return 0; /* the kernel answers EFAULT */
	e = msg_name_in(tr, t, s, &m);
	if (e <= 0)
		return e;
	copy = scratch_put(s, &m, sizeof(m), &e);
	if (!copy)
		return e;
	(void)regs_set_arg(t->pid, 1, copy);
	remember(t, r, copy, addr, 0, 0);
	return 0;
}

/* sendmmsg rewrites at most this many messages per call; recvmmsg reads them in such batches */
#define MMSG_BATCH 16
/* the kernel's own limit on vlen (UIO_MAXIOV) */
#define MMSG_MAX 1024

/* Does a message from index `from` to vlen name a file system AF_UNIX destination? */
static bool mmsg_tail_names_path(struct tracee *t, uint64_t vec, unsigned from, unsigned vlen)
{
	struct mmsghdr mm[MMSG_BATCH];
	struct sockaddr_un sun;
	char path[sizeof(sun.sun_path) + 1];

	for (unsigned i = from; i < vlen; i += MMSG_BATCH) {
		unsigned n = vlen - i < MMSG_BATCH ? vlen - i : MMSG_BATCH;

		if (mem_read(t->pid, vec + i * sizeof(mm[0]), mm, n * sizeof(mm[0])) < 0)
			return true; /* unreadable: the kernel stops there too */
		for (unsigned k = 0; k < n; k++) {
			if (addr_read_path(t, (uint64_t)mm[k].msg_hdr.msg_name,
					   mm[k].msg_hdr.msg_namelen, &sun, path))
				return true;
		}
	}
	return false;
}

/*
 * sendmmsg: the kernel writes each message's msg_len into the array it is given. When a
 * destination needs translating, it is given a copy (the guest's array stays as the guest
 * wrote it, also for its other threads), and the msg_len results are copied back to the
 * guest's array at the exit stop: glibc's resolver sends its A and AAAA queries with one
 * sendmmsg and drops both unless each msg_len is the query's length. An array that needs no
 * change goes to the kernel untouched, with no exit stop.
 */
static enum resume sendmmsg_enter(struct tracer *tr, struct tracee *t, const struct sysregs *r,
				  struct scratch *s)
{
	uint64_t vec = restarted(t, r, 1) ? t->last_orig[0] : r->args[1], copy, args[6];
	unsigned vlen = r->args[2] > MMSG_MAX ? MMSG_MAX : (unsigned)r->args[2];
	unsigned n = vlen < MMSG_BATCH ? vlen : MMSG_BATCH;
	struct mmsghdr mm[MMSG_BATCH];
	bool changed = false;
	int e = 0;

	set_arg(t, r, 1, vec);
	if (n == 0 || mem_read(t->pid, vec, mm, n * sizeof(mm[0])) < 0)
		return RESUME_CONT; /* the kernel answers 0 or EFAULT */
	for (unsigned i = 0; i < n; i++) {
		e = msg_name_in(tr, t, s, &mm[i].msg_hdr);
		if (e < 0 && i == 0) {
			enter_fail(tr, t, e);
			return RESUME_CONT;
		}
		if (e < 0) {
			/* as the kernel does: send those before; the next call gets the error */
			n = i;
			break;
		}
		changed |= e > 0;
	}
	if (!changed) {
		/* the prefix needs nothing; a later path waits for the guest's next call */
		if (n < vlen && (e < 0 || mmsg_tail_names_path(t, vec, n, vlen)))
			set_arg(t, r, 2, n);
		return RESUME_CONT;
	}
	copy = scratch_put(s, mm, n * sizeof(mm[0]), &e);
	if (!copy) {
		enter_fail(tr, t, e);
		return RESUME_CONT;
	}
	(void)regs_set_arg(t->pid, 1, copy);
	set_arg(t, r, 2, n);
	remember(t, r, copy, vec, 0, 0);
	memcpy(args, r->args, sizeof(args));
	args[1] = vec;
	return want_exit(t, r, args, 0);
}

/* sendmmsg's exit: each msg_len the kernel wrote into our copy, into the guest's array. */
static void sendmmsg_exit(struct tracee *t, long sent)
{
	uint64_t vec = t->exit_args[1], copy = t->last_nr == t->exit_nr ? t->last_new[0] : 0;
	struct mmsghdr mm[MMSG_BATCH];

	if (!copy || sent <= 0 || sent > MMSG_BATCH ||
	    mem_read(t->pid, copy, mm, (size_t)sent * sizeof(mm[0])) < 0)
		return;
	for (long i = 0; i < sent; i++) {
		uint64_t at = vec + (uint64_t)i * sizeof(mm[0]) + offsetof(struct mmsghdr, msg_len);

		(void)mem_write(t->pid, at, &mm[i].msg_len, sizeof(mm[i].msg_len));
	}
}

/*
 * recvmmsg: the kernel writes msg_len and the msghdr's outputs straight into the guest's
 * array (never a copy). The names come back as host paths: when any message has a name
 * buffer, they are rewritten at exit. One capacity serves all: the smallest name buffer.
 */
static enum resume recvmmsg_enter(struct tracee *t, const struct sysregs *r)
{
	unsigned vlen = r->args[2] > MMSG_MAX ? MMSG_MAX : (unsigned)r->args[2];
	struct mmsghdr mm[MMSG_BATCH];
	uint32_t cap = UINT32_MAX;
	bool named = false;

	for (unsigned i = 0; i < vlen; i += MMSG_BATCH) {
		unsigned n = vlen - i < MMSG_BATCH ? vlen - i : MMSG_BATCH;

		if (mem_read(t->pid, r->args[1] + i * sizeof(mm[0]), mm, n * sizeof(mm[0])) < 0)
			break;
		for (unsigned k = 0; k < n; k++) {
			if (!mm[k].msg_hdr.msg_name)
				continue;
			named = true;
			if (mm[k].msg_hdr.msg_namelen < cap)
				cap = mm[k].msg_hdr.msg_namelen;
		}
	}
	return named ? want_exit(t, r, r->args, cap) : RESUME_CONT;
}

/* What the kernel writes for accept & co. when the guest's buffer is too small for a path. */
struct name_copy {
	struct sockaddr_un sun;
	uint32_t len;
};

/*
 * accept, accept4, getsockname, getpeername, recvfrom: the name comes back as a host path,
 * rewritten at exit. A guest buffer smaller than a sockaddr_un would get the host name cut
 * and its length (not the guest name's), so the kernel writes into a full-size buffer in
 * scratch instead, copied to the guest's at exit with the guest name's length.
 */
static enum resume sockaddr_out_enter(struct tracee *t, const struct sysregs *r, struct scratch *s)
{
	int ai = r->nr == SYS_recvfrom ? 4 : 1, li = ai + 1, e = 0;
	bool again = restarted(t, r, ai);
	uint64_t addr = again ? t->last_orig[0] : r->args[ai];
	uint64_t lenp = again ? t->last_orig[1] : r->args[li], copy, args[6];
	struct name_copy c = { .len = sizeof(c.sun) };
	uint32_t cap = 0;

	set_arg(t, r, ai, addr);
	set_arg(t, r, li, lenp);
	remember(t, r, 0, 0, 0, 0);
	if (!addr || !lenp || mem_read(t->pid, lenp, &cap, 4) < 0)
		return RESUME_CONT;
	memcpy(args, r->args, sizeof(args));
	args[ai] = addr;
	args[li] = lenp;
	if (cap >= sizeof(c.sun))
		return want_exit(t, r, args, cap);
	memset(&c.sun, 0, sizeof(c.sun));
	copy = scratch_put(s, &c, sizeof(c), &e);
	if (!copy)
		return want_exit(t, r, args, cap); /* then rewritten in place, as far as it fits */
	(void)regs_set_arg(t->pid, ai, copy);
	(void)regs_set_arg(t->pid, li, copy + offsetof(struct name_copy, len));
	remember(t, r, copy, addr, copy + offsetof(struct name_copy, len), lenp);
	return want_exit(t, r, args, cap);
}

static enum resume sock_enter(struct tracer *tr, struct tracee *t, const struct sysregs *r,
			      const struct sc_def *def)
{
	struct scratch s;
	uint64_t naddr, addr;
	size_t nlen;
	int e = 0, ai = 1, li = 2;

	scratch_init(&s, t->pid, r->sp);
	switch ((enum sc_kind)def->kind) {
	case SC_SENDTO:
		ai = 4, li = 5;
		/* fall through */
	case SC_SOCKADDR_IN: {
		bool again = restarted(t, r, ai);
		uint64_t len = again ? t->last_orig[1] : r->args[li];

		addr = again ? t->last_orig[0] : r->args[ai];
		set_arg(t, r, ai, addr);
		set_arg(t, r, li, len);
		remember(t, r, 0, 0, 0, 0);
		e = addr_in(tr, t, &s, addr, len, r->nr == SYS_bind, &naddr, &nlen);
		if (e > 0) {
			(void)regs_set_arg(t->pid, ai, naddr);
			(void)regs_set_arg(t->pid, li, nlen);
			remember(t, r, naddr, addr, nlen, len);
		}
		break;
	}
	case SC_SENDMSG:
		if (r->nr == SYS_sendmmsg)
			return sendmmsg_enter(tr, t, r, &s);
		e = sendmsg_enter(tr, t, r, &s);
		break;
	case SC_SOCKADDR_OUT:
		return sockaddr_out_enter(t, r, &s);
	case SC_RECVMSG: {
		/* Remember how big the name buffer is: the name is rewritten at exit. */
		struct msghdr m;

		if (r->nr == SYS_recvmmsg)
			return recvmmsg_enter(t, r);
		if (mem_read(t->pid, r->args[1], &m, sizeof(m)) < 0 || !m.msg_name)
			return RESUME_CONT;
		return want_exit(t, r, r->args, m.msg_namelen);
	}
	default:
		break;
	}
	if (e < 0)
		enter_fail(tr, t, e);
	return RESUME_CONT;
}

/*
 * A host name the kernel returned (*sun, *len bytes of it valid) as the guest's: true with
 * *sun and *len rewritten, false when it is no path qrun translated or knows.
 */
static bool name_to_guest(struct tracer *tr, struct sockaddr_un *sun, uint32_t *len)
{
	char host[sizeof(sun->sun_path) + 1], guest[PATH_MAX];
	size_t plen;

	if (*len <= SUN_OFF || *len > sizeof(*sun) || sun->sun_family != AF_UNIX ||
	    sun->sun_path[0] == '\0')
		return false;
	plen = strnlen(sun->sun_path, *len - SUN_OFF);
	memcpy(host, sun->sun_path, plen);
	host[plen] = '\0';
	if (!sock_name_lookup(tr, host, guest, sizeof(guest)) &&
	    path_to_guest(tr, host, guest, sizeof(guest)) < 0)
		return false;
	if (strlen(guest) >= sizeof(sun->sun_path))
		return false;
	memset(sun->sun_path, 0, sizeof(sun->sun_path));
	memcpy(sun->sun_path, guest, strlen(guest));
	*len = (uint32_t)(SUN_OFF + strlen(guest) + 1);
	return true;
}

/*
 * Rewrite one returned name in place at addr (buffer cap bytes, its length at lenp in the
 * tracee). A name the kernel had to cut (longer than cap) cannot be translated: it is left.
 */
static void addr_out(struct tracer *tr, struct tracee *t, uint64_t addr, uint64_t lenp,
		     uint32_t cap)
{
	struct sockaddr_un sun;
	uint32_t len = 0;

	if (!addr || !lenp || mem_read(t->pid, lenp, &len, 4) < 0 || len <= SUN_OFF || len > cap ||
	    len > sizeof(sun))
		return;
	memset(&sun, 0, sizeof(sun));
	if (mem_read(t->pid, addr, &sun, len) < 0 || !name_to_guest(tr, &sun, &len))
		return;
	(void)mem_write(t->pid, addr, &sun, len < cap ? len : cap);
	(void)mem_write(t->pid, lenp, &len, 4);
}

/* The name the kernel wrote into our full-size buffer: to the guest's (cap bytes) at exit. */
static void addr_out_copy(struct tracer *tr, struct tracee *t, uint64_t copy, uint64_t addr,
			  uint64_t lenp, uint32_t cap)
{
	struct name_copy c;

	if (mem_read(t->pid, copy, &c, sizeof(c)) < 0)
		return;
	if (c.len > sizeof(c.sun))
		c.len = sizeof(c.sun); /* never: the buffer holds any name the kernel has */
	(void)name_to_guest(tr, &c.sun, &c.len);
	if (cap)
		(void)mem_write(t->pid, addr, &c.sun, c.len < cap ? c.len : cap);
	(void)mem_write(t->pid, lenp, &c.len, 4);
}

/* recvmmsg's exit: the name of each message received. */
static void recvmmsg_exit(struct tracer *tr, struct tracee *t, long got)
{
	uint64_t vec = t->exit_args[1];
	struct mmsghdr mm[MMSG_BATCH];

	for (long i = 0; i < got; i += MMSG_BATCH) {
		long n = got - i < MMSG_BATCH ? got - i : MMSG_BATCH;

		if (mem_read(t->pid, vec + (uint64_t)i * sizeof(mm[0]), mm,
			     (size_t)n * sizeof(mm[0])) < 0)
			return;
		for (long k = 0; k < n; k++) {
			uint64_t at = vec + (uint64_t)(i + k) * sizeof(mm[0]);

			addr_out(tr, t, (uint64_t)mm[k].msg_hdr.msg_name,
				 at + offsetof(struct mmsghdr, msg_hdr.msg_namelen), t->exit_cap);
		}
	}
}

static void sock_exit(struct tracer *tr, struct tracee *t, const struct sysregs *r)
{
	const uint64_t *a = t->exit_args;
	uint64_t copy = t->last_nr == t->exit_nr ? t->last_new[0] : 0;

	if (r->rval < 0)
		return;
	if (t->exit_nr == SYS_sendmmsg) {
		sendmmsg_exit(t, r->rval);
	} else if (t->exit_nr == SYS_recvmmsg) {
		recvmmsg_exit(tr, t, r->rval);
	} else if (t->exit_nr == SYS_recvmsg) {
		struct msghdr m;

		if (mem_read(t->pid, a[1], &m, sizeof(m)) == 0 && m.msg_name)
			addr_out(tr, t, (uint64_t)m.msg_name,
				 a[1] + offsetof(struct msghdr, msg_namelen), t->exit_cap);
	} else if (t->exit_nr == SYS_recvfrom) {
		if (copy)
			addr_out_copy(tr, t, copy, a[4], a[5], t->exit_cap);
		else
			addr_out(tr, t, a[4], a[5], t->exit_cap);
	} else if (copy) {
		addr_out_copy(tr, t, copy, a[1], a[2], t->exit_cap);
	} else {
		addr_out(tr, t, a[1], a[2], t->exit_cap); /* accept(4), getsockname, getpeername */
	}
}

void sock_names_release(struct tracer *tr)
{
	for (unsigned i = 0; i < SOCK_NAMES; i++) {
		free(tr->sock_names[i].host);
		free(tr->sock_names[i].guest);
		tr->sock_names[i].host = tr->sock_names[i].guest = NULL;
	}
}

static int decoded(struct tracer *tr, struct tracee *t, struct call *c)
{
	c->want_exit = sock_enter(tr, t, c->r, c->def) == RESUME_SYSCALL;
	return HOOK_DONE;
}

const struct hook sock_hook = {
	.name = "sock",
	.kinds = SOCK_PATH_KINDS | KIND_BIT(SC_SOCKADDR_OUT) | KIND_BIT(SC_RECVMSG),
	.decoded = decoded,
	.exit = sock_exit,
};
