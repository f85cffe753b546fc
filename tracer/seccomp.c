/*
 * The seccomp filter that decides which syscalls stop at all: every syscall of the catalogue
 * returns SECCOMP_RET_TRACE, everything else runs with no ptrace stop. libseccomp builds the
 * BPF (as a binary tree); calls of another ABI (i386 int 0x80, x32) hit the bad-arch action and
 * are traced too, so that nothing reaches the kernel untranslated.
 *
 * With the in-process shim (preload/), an x86_64 call made from the shim's trampoline page is
 * allowed when it is one of the few calls the shim makes there (QRUN_PRELOAD_FAST_CALLS),
 * because the shim has translated it already. libseccomp cannot compare the instruction
 * pointer, so its program is exported and its trace answers rerouted through a check of it
 * (load_with_trampoline).
 */
#include "tracer/tracer-internal.h"

#include <assert.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <seccomp.h>
#include <stddef.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

#include "preload/preload.h"

DEFINE_CLEANUP(scmp_filter_ctx, seccomp_release)

static int add(scmp_filter_ctx ctx, int nr)
{
	const uint32_t trace = SCMP_ACT_TRACE(TRACER_SECCOMP_DATA);

	/* recv/send on connected sockets pass no address: no stop for them. */
	if (nr == SYS_recvfrom || nr == SYS_sendto)
		return seccomp_rule_add(ctx, trace, nr, 1, SCMP_A4(SCMP_CMP_NE, 0));
	/* prctl is frequent (PR_SET_NAME ...): only PR_SET_SECCOMP needs us */
	if (nr == SYS_prctl)
		return seccomp_rule_add(ctx, trace, nr, 1, SCMP_A0(SCMP_CMP_EQ, PR_SET_SECCOMP));
	/* fork and pthread_create go on; only CLONE_UNTRACED needs us */
	if (nr == SYS_clone)
		return seccomp_rule_add(
		    ctx, trace, nr, 1, SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_UNTRACED, CLONE_UNTRACED));
	return seccomp_rule_add(ctx, trace, nr, 0);
}

/*
 * Load ctx's program with its "trace" answers rerouted: each RET TRACE becomes a jump to a block
 * at the end that allows the call when it comes from the trampoline page. The instruction
 * pointer is read only on the way to a trace answer, so the kernel still sees that every other
 * call is always allowed and caches that per syscall number (the seccomp action cache, Linux
 * 5.11): a prefix that read it first would make every getppid() run the whole program (b301's
 * getppid loop measured 1.10-1.12x of native that way, 1.03x (median of 10) this way).
 */
static int load_with_trampoline(scmp_filter_ctx ctx)
{
	const uint32_t hi = (uint32_t)(QRUN_PRELOAD_TRAMPOLINE >> 32);
	const uint32_t lo = (uint32_t)QRUN_PRELOAD_TRAMPOLINE;
	const uint32_t ip = offsetof(struct seccomp_data, instruction_pointer);
	const uint32_t trace = SCMP_ACT_TRACE(TRACER_SECCOMP_DATA);
	const uint32_t fast[] = QRUN_PRELOAD_FAST_CALLS;
	/*
	 * The block: the checks of arch and instruction pointer, then one "nr == fast[i]: allow"
	 * per call, then the trace answer and the allow answer. A jump's offset counts from the
	 * instruction after it; TO_TRACE(i) is the one from instruction i to the trace answer.
	 */
#define TO_TRACE(i) (uint8_t)(8 + ARRAY_SIZE(fast) - (i)-1)
	const struct sock_filter head[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 0, TO_TRACE(1)),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ip + 4),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, hi, 0, TO_TRACE(3)),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ip),
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, lo, 0, TO_TRACE(5)),
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, lo + (uint32_t)QRUN_PRELOAD_PAGE, TO_TRACE(6),
			 0),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
	};
#undef TO_TRACE
	struct sock_filter block[ARRAY_SIZE(head) + ARRAY_SIZE(fast) + 2];
	size_t nb = 0;
	_cleanup_close_ int fd = memfd_create("qrun-seccomp", MFD_CLOEXEC);
	_cleanup_free_ struct sock_filter *prog = NULL;
	struct sock_fprog fprog;
	size_t n_prog;
	ssize_t n;
	off_t size;

	memcpy(block, head, sizeof(head));
	nb = ARRAY_SIZE(head);
	for (size_t i = 0; i < ARRAY_SIZE(fast); i++, nb++)
		block[nb] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, fast[i],
							 (uint8_t)(ARRAY_SIZE(fast) - i), 0);
	block[nb++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, trace);
	block[nb++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
	assert(nb == ARRAY_SIZE(block));
	if (fd < 0)
		return -errno;
	n = seccomp_export_bpf(ctx, fd);
	if (n < 0)
		return (int)n;
	size = lseek(fd, 0, SEEK_END);
	if (size <= 0 || size % (off_t)sizeof(struct sock_filter) != 0 ||
	    size / (off_t)sizeof(struct sock_filter) + ARRAY_SIZE(block) > BPF_MAXINSNS)
		return -EINVAL;
	n_prog = (size_t)size / sizeof(*prog);
	prog = xmalloc((size_t)size + sizeof(block));
	if (pread(fd, prog, (size_t)size, 0) != size)
		return -EIO;
	for (size_t i = 0; i < n_prog; i++) {
		if (prog[i].code == (BPF_RET | BPF_K) && prog[i].k == trace)
			prog[i] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JA,
							       (uint32_t)(n_prog - i - 1), 0, 0);
	}
	memcpy(prog + n_prog, block, sizeof(block));
	fprog.len = (unsigned short)(n_prog + ARRAY_SIZE(block));
	fprog.filter = prog;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &fprog) < 0 ? -errno : 0;
}

int seccomp_install(bool trace_uname, bool identity, bool trampoline)
{
	_cleanup_(seccomp_releasep) scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int r;

	if (!ctx)
		return -ENOMEM;
	r = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_TRACE(TRACER_SECCOMP_DATA));
	if (r < 0)
		return r;
	(void)seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	for (int nr = 0; nr <= sc_max; nr++) {
		if (sc_table[nr].kind == SC_NONE ||
		    (sc_table[nr].kind == SC_UNAME && !trace_uname) ||
		    ((sc_table[nr].flags & SCF_IDENTITY) && !identity))
			continue;
		r = add(ctx, nr);
		if (r < 0)
			return r;
	}
	for (int nr = SC_TRAP_UNKNOWN_FROM; nr <= SC_TRAP_UNKNOWN_TO; nr++) {
		r = add(ctx, nr);
		if (r < 0)
			return r;
	}
	return trampoline ? load_with_trampoline(ctx) : seccomp_load(ctx);
}
