/*
 * Tracee memory through process_vm_readv/writev: one syscall per transfer instead of one
 * PEEK/POKE per word. A remote iovec that touches an unmapped page fails whole, so strings
 * are read in pieces that never cross a page boundary.
 */
#include "tracer/tracer-internal.h"

#include <sys/uio.h>

#define PAGE 4096UL

int mem_read(pid_t pid, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = { buf, len };
	struct iovec remote = { (void *)addr, len };
	ssize_t n = process_vm_readv(pid, &local, 1, &remote, 1, 0);

	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EFAULT;
}

int mem_write(pid_t pid, uint64_t addr, const void *buf, size_t len)
{
	struct iovec local = { (void *)buf, len };
	struct iovec remote = { (void *)addr, len };
	ssize_t n = process_vm_writev(pid, &local, 1, &remote, 1, 0);

	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EFAULT;
}

ssize_t mem_read_string(pid_t pid, uint64_t addr, char *buf, size_t size)
{
	size_t got = 0;

	if (addr == 0)
		return -EFAULT;
	while (got < size) {
		size_t chunk = PAGE - ((addr + got) % PAGE);
		char *nul;
		int r;

		if (chunk > size - got)
			chunk = size - got;
		r = mem_read(pid, addr + got, buf + got, chunk);
		if (r < 0)
			return -EFAULT;
		nul = memchr(buf + got, '\0', chunk);
		if (nul)
			return nul - buf;
		got += chunk;
	}
	return -ENAMETOOLONG;
}

void scratch_init(struct scratch *s, pid_t pid, uint64_t sp)
{
	s->pid = pid;
	s->top = sp - REGS_RED_ZONE;
}

uint64_t scratch_put(struct scratch *s, const void *data, size_t len, int *err)
{
	uint64_t addr = (s->top - len) & ~(uint64_t)15;
	int r = mem_write(s->pid, addr, data, len);

	if (r < 0) {
		*err = r;
		return 0;
	}
	s->top = addr;
	return addr;
}
