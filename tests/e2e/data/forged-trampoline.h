/*
 * The code an attacker puts at the in-process shim's trampoline address
 * (QRUN_PRELOAD_TRAMPOLINE in preload/preload.h), shared by t307's escape.c and t308's
 * wallprobe.c: long f(nr, a, b, c, d), the System V arguments moved into the syscall
 * registers, then `syscall; ret`.
 */
#pragma once

static const unsigned char forged_trampoline_code[] = {
	0x48, 0x89, 0xf8, /* mov %rdi,%rax */
	0x48, 0x89, 0xf7, /* mov %rsi,%rdi */
	0x48, 0x89, 0xd6, /* mov %rdx,%rsi */
	0x48, 0x89, 0xca, /* mov %rcx,%rdx */
	0x4d, 0x89, 0xc2, /* mov %r8,%r10 */
	0x0f, 0x05,	  /* syscall */
	0xc3,		  /* ret */
};
