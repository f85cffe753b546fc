#include "tracer/tracer.h"

#include <sys/stat.h>

/*
 * The tracer's side of the architecture table (common/arch.c): which row it runs natively,
 * and where the emulators of the others are.
 */

const struct arch *tracer_arch_host(void)
{
	/* Only x86_64 hosts are built and tested today (regs-x86_64.c). */
	return arch_find_oci("amd64", NULL);
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

int tracer_qemu_find(const struct arch *arch, char **ret_path)
{
	_cleanup_free_ char *a = xasprintf("qemu-%s-static", arch->qemu_name);
	_cleanup_free_ char *b = xasprintf("qemu-%s", arch->qemu_name);

	if (find_on_path(a, ret_path) == 0)
		return 0;
	return find_on_path(b, ret_path);
}
