/*
 * The seccomp filter that decides which syscalls stop at all: every syscall of the catalogue
 * returns SECCOMP_RET_TRACE, everything else runs with no ptrace stop. libseccomp builds the
 * BPF (as a binary tree); calls of another ABI (i386 int 0x80, x32) hit the bad-arch action and
 * are traced too, so that nothing reaches the kernel untranslated.
 */
#include "tracer/tracer-internal.h"

#include <sched.h>
#include <seccomp.h>
#include <sys/syscall.h>

DEFINE_CLEANUP(scmp_filter_ctx, seccomp_release)

static int add(scmp_filter_ctx ctx, int nr)
{
	const uint32_t trace = SCMP_ACT_TRACE(TRACER_SECCOMP_DATA);

	/* recv/send on connected sockets pass no address: no stop for them. */
	if (nr == SYS_recvfrom || nr == SYS_sendto)
		return seccomp_rule_add(ctx, trace, nr, 1, SCMP_A4(SCMP_CMP_NE, 0));
	/* fork and pthread_create go on; only CLONE_UNTRACED needs us */
	if (nr == SYS_clone)
		return seccomp_rule_add(
		    ctx, trace, nr, 1, SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_UNTRACED, CLONE_UNTRACED));
	return seccomp_rule_add(ctx, trace, nr, 0);
}

int seccomp_install(bool trace_uname)
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
		if (sc_table[nr].kind == SC_NONE || (sc_table[nr].kind == SC_UNAME && !trace_uname))
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
	return seccomp_load(ctx);
}
