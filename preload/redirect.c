/*
 * The shim's reach into libc's own calls. The interposed names (qrun-preload.c) catch the
 * calls a program makes, but libc calls its own functions directly: setlocale opening
 * LC_CTYPE and LC_MESSAGES, gettext its catalogues, fopen, the fstat after each of those. With
 * LANG=C.UTF-8 that is about 16 stops in every process that calls setlocale; in `make -j2` of a
 * 50-file C project, 2,900 of 6,600.
 *
 * So the entry of each libc function the shim has a twin of is overwritten with a jump to the
 * twin (a 14-byte absolute jump; the rest of the function is never run again). Only glibc's
 * libc.so.6 is touched (the address dlsym gives must lie in it), only functions at least as
 * long as the jump, only while the process has one thread (no one can be running the bytes),
 * and all in one writable window of libc's code: one mprotect there and one back. (A
 * mprotect per function cost as much as the stops it saved on this VM.) Anything unexpected,
 * including a system that refuses writable code, leaves libc as it is: the calls then stop, as
 * before.
 */
#include <stddef.h>
#include <stdint.h>

#include <asm/unistd.h>
#include <linux/mman.h>

#include "preload/redirect.h"

#define ARRAY_LEN(a)	 (sizeof(a) / sizeof((a)[0]))
#define RTLD_NEXT_HANDLE ((void *)-1L)
#define RTLD_DL_SYMENT	 1
#define JUMP_LEN	 14 /* jmp *0(%rip); .quad target */
#define PAGE_SIZE	 4096UL

/* glibc's Dl_info and Elf64_Sym, for dladdr1 (no libc headers here) */
struct dl_info {
	const char *dli_fname;
	void *dli_fbase;
	const char *dli_sname;
	void *dli_saddr;
};
struct elf_sym {
	uint32_t st_name;
	unsigned char st_info, st_other;
	uint16_t st_shndx;
	uint64_t st_value, st_size;
};

/* libc's, when there (weak: a musl program has no dladdr1, and then nothing is done) */
extern void *dlsym(void *handle, const char *name) __attribute__((weak));
extern int dladdr1(const void *addr, struct dl_info *info, void **extra, int flags)
    __attribute__((weak));
extern char __libc_single_threaded __attribute__((weak)); /* glibc >= 2.32 */

static int ends_with(const char *s, const char *tail)
{
	size_t ls = 0, lt = 0;

	while (s[ls])
		ls++;
	while (tail[lt])
		lt++;
	if (ls < lt)
		return 0;
	for (size_t i = 0; i < lt; i++) {
		if (s[ls - lt + i] != tail[i])
			return 0;
	}
	return 1;
}

/* mprotect: not a path call, so the filter lets it run from anywhere (no trampoline needed) */
static long sys_mprotect(unsigned long addr, unsigned long len, long prot)
{
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"((long)__NR_mprotect), "D"(addr), "S"(len), "d"(prot)
			 : "rcx", "r11", "memory");
	return ret;
}

struct redirect {
	const char *name;
	void *to;
	unsigned char *from; /* libc's entry, once found */
};

/* libc's entry of name, when it can take the jump; else NULL */
static unsigned char *libc_entry(const char *name)
{
	struct dl_info info;
	struct elf_sym *sym = NULL;
	unsigned char *p = dlsym(RTLD_NEXT_HANDLE, name);

	if (!p || !dladdr1(p, &info, (void **)&sym, RTLD_DL_SYMENT) || !sym || !info.dli_fname ||
	    !ends_with(info.dli_fname, "/libc.so.6") || sym->st_size < JUMP_LEN)
		return NULL;
	return p;
}

void qrun_redirect_libc(void)
{
	struct redirect r[] = {
		{ "open64", (void *)qrun_open, NULL },
		{ "__open64_nocancel", (void *)qrun_open, NULL },
		{ "openat64", (void *)qrun_openat, NULL },
		{ "stat64", (void *)qrun_stat, NULL },
		{ "lstat64", (void *)qrun_lstat, NULL },
		{ "fstat64", (void *)qrun_fstat, NULL },
		{ "fstatat64", (void *)qrun_fstatat, NULL },
		{ "statx", (void *)qrun_statx, NULL },
		{ "access", (void *)qrun_access, NULL },
		{ "faccessat", (void *)qrun_faccessat, NULL },
		{ "readlink", (void *)qrun_readlink, NULL },
		{ "readlinkat", (void *)qrun_readlinkat, NULL },
	};
	unsigned long lo = ~0UL, hi = 0, page = PAGE_SIZE;

	/* no other thread may be running the bytes being replaced */
	if (!dlsym || !dladdr1 || !&__libc_single_threaded || !__libc_single_threaded)
		return;
	for (size_t i = 0; i < ARRAY_LEN(r); i++) {
		r[i].from = libc_entry(r[i].name);
		if (!r[i].from)
			continue;
		if ((unsigned long)r[i].from < lo)
			lo = (unsigned long)r[i].from;
		if ((unsigned long)r[i].from + JUMP_LEN > hi)
			hi = (unsigned long)r[i].from + JUMP_LEN;
	}
	lo &= ~(page - 1);
	hi = (hi + page - 1) & ~(page - 1);
	/* one span of libc's code (a few pages), made writable for as long as it takes */
	if (hi <= lo || hi - lo > 64 * page ||
	    sys_mprotect(lo, hi - lo, PROT_READ | PROT_WRITE | PROT_EXEC) < 0)
		return;
	for (size_t i = 0; i < ARRAY_LEN(r); i++) {
		unsigned char *p = r[i].from;

		if (!p)
			continue;
		/* jmp *0(%rip); .quad to */
		p[0] = 0xff;
		p[1] = 0x25;
		p[2] = p[3] = p[4] = p[5] = 0;
		for (int b = 0; b < 8; b++)
			p[6 + b] = (unsigned char)((unsigned long)r[i].to >> (8 * b));
	}
	(void)sys_mprotect(lo, hi - lo, PROT_READ | PROT_EXEC);
}
