#include "tracer/tracer.h"

#include <elf.h>
#include <sys/stat.h>

#ifndef EM_RISCV
#define EM_RISCV 243
#endif

const struct tracer_arch tracer_arches[] = {
	{ "amd64", NULL, "amd64", "x86_64", "x86_64", EM_X86_64, ELFCLASS64, ELFDATA2LSB },
	{ "386", NULL, "i386", "i386", "i686", EM_386, ELFCLASS32, ELFDATA2LSB },
	{ "arm", "v7", "armhf", "arm", "armv7l", EM_ARM, ELFCLASS32, ELFDATA2LSB },
	{ "arm64", "v8", "arm64", "aarch64", "aarch64", EM_AARCH64, ELFCLASS64, ELFDATA2LSB },
	{ "ppc64le", NULL, "ppc64el", "ppc64le", "ppc64le", EM_PPC64, ELFCLASS64, ELFDATA2LSB },
	{ "s390x", NULL, "s390x", "s390x", "s390x", EM_S390, ELFCLASS64, ELFDATA2MSB },
	{ "riscv64", NULL, "riscv64", "riscv64", "riscv64", EM_RISCV, ELFCLASS64, ELFDATA2LSB },
	{ "mips64le", NULL, "mips64el", "mips64el", "mips64", EM_MIPS, ELFCLASS64, ELFDATA2LSB },
	{ "mipsle", NULL, "mipsel", "mipsel", "mips", EM_MIPS, ELFCLASS32, ELFDATA2LSB },
	{ NULL, NULL, NULL, NULL, NULL, 0, 0, 0 },
};

const struct tracer_arch *tracer_arch_host(void)
{
	/* Only x86_64 hosts are built and tested today (regs-x86_64.c). */
	return &tracer_arches[0];
}

const struct tracer_arch *tracer_arch_find(const char *name)
{
	for (const struct tracer_arch *a = tracer_arches; a->oci_arch; a++) {
		if (strcmp(name, a->oci_arch) == 0 || strcmp(name, a->debian_arch) == 0 ||
		    strcmp(name, a->qemu_name) == 0)
			return a;
	}
	return NULL;
}

static int find_on_path(const char *name, char **ret_path)
{
	const char *path = getenv("PATH");
	const char *p, *end;

	if (!path || !*path)
		path = "/usr/local/bin:/usr/bin:/bin";
	for (p = path; *p; p = *end ? end + 1 : end) {
		_cleanup_free_ char *cand = NULL;
		struct stat st;

		end = strchrnul(p, ':');
		if (end == p || *p != '/')
			continue; /* relative PATH entries would depend on our cwd: skip them */
		cand = xasprintf("%.*s/%s", (int)(end - p), p, name);
		if (stat(cand, &st) == 0 && S_ISREG(st.st_mode) && access(cand, X_OK) == 0) {
			*ret_path = TAKE_PTR(cand);
			return 0;
		}
	}
	return -ENOENT;
}

int tracer_qemu_find(const struct tracer_arch *arch, char **ret_path)
{
	_cleanup_free_ char *a = xasprintf("qemu-%s-static", arch->qemu_name);
	_cleanup_free_ char *b = xasprintf("qemu-%s", arch->qemu_name);

	if (find_on_path(a, ret_path) == 0)
		return 0;
	return find_on_path(b, ret_path);
}
