/*
 * x86_64 registers at a stop. PTRACE_GET_SYSCALL_INFO (Linux 5.3) reads the syscall number,
 * arguments and stop kind in one call, whatever the stop order of this kernel; single
 * registers are written with PTRACE_POKEUSER, which is cheaper than a GETREGS/SETREGS pair.
 */
#include "tracer/tracer-internal.h"

#include <linux/audit.h>
#include <stddef.h>
#include <sys/ptrace.h>
#include <sys/user.h>

#define X32_SYSCALL_BIT 0x40000000L

static const size_t arg_offsets[6] = {
	offsetof(struct user_regs_struct, rdi), offsetof(struct user_regs_struct, rsi),
	offsetof(struct user_regs_struct, rdx), offsetof(struct user_regs_struct, r10),
	offsetof(struct user_regs_struct, r8),	offsetof(struct user_regs_struct, r9),
};

int regs_get(pid_t pid, struct sysregs *ret)
{
	struct __ptrace_syscall_info info;
	long n;

	n = ptrace(PTRACE_GET_SYSCALL_INFO, pid, (void *)sizeof(info), &info);
	if (n < 0)
		return -errno;
	memset(ret, 0, sizeof(*ret));
	ret->sp = info.stack_pointer;
	ret->native = info.arch == AUDIT_ARCH_X86_64;
	switch (info.op) {
	case PTRACE_SYSCALL_INFO_ENTRY:
		ret->op = STOP_ENTRY;
		ret->nr = (long)info.entry.nr;
		memcpy(ret->args, info.entry.args, sizeof(ret->args));
		break;
	case PTRACE_SYSCALL_INFO_SECCOMP:
		ret->op = STOP_SECCOMP;
		ret->nr = (long)info.seccomp.nr;
		memcpy(ret->args, info.seccomp.args, sizeof(ret->args));
		ret->ret_data = info.seccomp.ret_data;
		break;
	case PTRACE_SYSCALL_INFO_EXIT:
		ret->op = STOP_EXIT;
		ret->rval = (long)info.exit.rval;
		break;
	default:
		ret->op = STOP_OTHER;
		break;
	}
	if (ret->native && (ret->nr & X32_SYSCALL_BIT))
		ret->native = false; /* the x32 ABI: not translated, answered ENOSYS */
	return 0;
}

static int poke(pid_t pid, size_t off, uint64_t v)
{
	return ptrace(PTRACE_POKEUSER, pid, (void *)off, (void *)v) < 0 ? -errno : 0;
}

int regs_set_arg(pid_t pid, int i, uint64_t v)
{
	return poke(pid, arg_offsets[i], v);
}

int regs_set_nr(pid_t pid, long nr)
{
	return poke(pid, offsetof(struct user_regs_struct, orig_rax), (uint64_t)nr);
}

int regs_set_ret(pid_t pid, long v)
{
	return poke(pid, offsetof(struct user_regs_struct, rax), (uint64_t)v);
}
