/*
 * deny-syscall: run a command under a seccomp filter that makes the named system calls fail
 * with EPERM, the way a container's seccomp profile refuses ptrace. Tests use it to show what
 * qrun says on a host where ptrace or seccomp is blocked.
 *
 *   deny-syscall SYSCALL[,SYSCALL...] COMMAND [ARG...]
 */
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	scmp_filter_ctx ctx;
	char *names, *name, *save = NULL;

	if (argc < 3) {
		fprintf(stderr, "usage: deny-syscall SYSCALL[,SYSCALL...] COMMAND [ARG...]\n");
		return 2;
	}
	ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (!ctx)
		return 1;
	names = strdup(argv[1]);
	for (name = strtok_r(names, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
		int nr = seccomp_syscall_resolve_name(name);

		if (nr == __NR_SCMP_ERROR) {
			fprintf(stderr, "deny-syscall: unknown system call '%s'\n", name);
			return 2;
		}
		if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0) < 0) {
			fprintf(stderr, "deny-syscall: cannot add a rule for '%s'\n", name);
			return 1;
		}
	}
	free(names);
	if (seccomp_load(ctx) < 0) {
		fprintf(stderr, "deny-syscall: cannot load the filter\n");
		return 1;
	}
	seccomp_release(ctx);
	execvp(argv[2], argv + 2);
	fprintf(stderr, "deny-syscall: %s: %s\n", argv[2], strerror(errno));
	return 127;
}
