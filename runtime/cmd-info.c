/*
 * qrun info: what this host lets qrun do, in the words a user needs when something does not
 * work. The most common failure of ptrace-based tools in CI containers is a blocked ptrace, so
 * that line says why and what to change.
 */
#include "runtime/runtime.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/utsname.h>

#include "tracer/tracer.h"

static const char info_usage[] =
    "Usage: qrun info\n"
    "\n"
    "Diagnose this host: kernel, whether ptrace and seccomp filters are usable by qrun,\n"
    "which qemu-user emulators are installed for which image architectures, and where\n"
    "the image store is. Exits 1 when qrun cannot trace programs here, 0 otherwise.\n";

/* "Seccomp:" in /proc/self/status: 0 none, 1 strict, 2 filter. -1 if unknown. */
static int self_seccomp_mode(void)
{
	_cleanup_free_ char *buf = NULL;
	const char *p;

	if (read_file_at(AT_FDCWD, "/proc/self/status", 1 << 16, &buf) < 0)
		return -1;
	p = strstr(buf, "\nSeccomp:");
	if (!p)
		return -1;
	p += strlen("\nSeccomp:");
	while (*p == ' ' || *p == '\t')
		p++;
	return *p >= '0' && *p <= '2' ? *p - '0' : -1;
}

static void print_ptrace_fix(const struct tracer_probe *p, int yama)
{
	printf("           qrun cannot run programs on this host until ptrace is allowed.\n");
	if (yama == 3) {
		printf(
		    "           kernel.yama.ptrace_scope is 3 (ptrace disabled); it can only be\n"
		    "           lowered by a reboot with kernel.yama.ptrace_scope=1 set in "
		    "sysctl.d\n");
	} else if (self_seccomp_mode() == 2) {
		printf("           qrun itself runs under a seccomp filter that denies ptrace (a\n"
		       "           container's profile?): start the container with\n"
		       "           --cap-add SYS_PTRACE, or --security-opt seccomp=unconfined\n"
		       "           (docker, podman), or allow ptrace in the profile\n");
	} else if (p->err == EPERM || p->err == EACCES) {
		printf("           a security module or a missing capability refuses it: in a\n"
		       "           container add --cap-add SYS_PTRACE; check AppArmor/SELinux "
		       "denials\n"
		       "           (dmesg) and kernel.yama.ptrace_scope (%d here)\n",
		       yama);
	} else if (p->err == ENOSYS) {
		printf("           this kernel (or sandbox, e.g. gVisor) does not offer ptrace\n");
	}
}

static void print_emulators(void)
{
	const struct arch *host = tracer_arch_host();
	int missing = 0;

	printf("emulators: (for foreign programs; %s programs run natively)\n", host->oci_arch);
	for (const struct arch *a = arch_table; a < arch_table + ARCH_COUNT; a++) {
		_cleanup_free_ char *path = NULL;
		char plat[32];

		/* one line per emulator: qemu-arm stands for every ARM variant */
		if (a == host || arch_emulator_row(a) != a)
			continue;
		(void)snprintf(plat, sizeof(plat), "linux/%s%s%s", a->oci_arch,
			       a->oci_variant ? "/" : "", a->oci_variant ? a->oci_variant : "");
		if (tracer_qemu_find(a, &path) == 0) {
			printf("  %-18s %-11s %s\n", plat, a->uname_machine, path);
		} else {
			printf("  %-18s %-11s missing (qemu-%s-static)\n", plat, a->uname_machine,
			       a->qemu_name);
			missing++;
		}
	}
	if (missing)
		printf("           to run the missing ones: apt-get install %s\n",
		       TRACER_QEMU_PACKAGE);
}

static void print_store(struct cmd_ctx *ctx)
{
	_cleanup_free_ char *root = NULL;
	struct stat st;

	if (runtime_store_root(ctx, &root) < 0) {
		printf("store:     unknown (%s)\n", ctx->err.msg);
		qerr_clear(&ctx->err);
		return;
	}
	if (stat(root, &st) == 0)
		printf("store:     %s\n", root);
	else
		printf("store:     %s (not created yet)\n", root);
}

static void print_wall(void)
{
	int abi = tracer_wall_abi();
	const char *env = getenv("QRUN_WALL");

	if (abi < 1) {
		printf("wall:      none: this kernel has no Landlock (%s); confinement is best "
		       "effort\n"
		       "           (the tracer alone: a race it loses reaches host files);\n"
		       "           --require-wall or QRUN_REQUIRE_WALL=1 refuse to run then\n",
		       strerror(-abi));
		return;
	}
	printf("wall:      Landlock ABI %d: files beneath the rootfs, binds, emulators and shim "
	       "only%s\n",
	       abi, env && strcmp(env, "off") == 0 ? " (OFF: QRUN_WALL=off)" : "");
	printf("           ptrace and /proc/PID/mem only within the container%s%s\n",
	       abi >= 3 ? "; truncate" : "; NOT truncate (ABI < 3)",
	       abi >= 5 ? "; device ioctls" : "");
	if (abi >= 6)
		printf("           signals and abstract unix sockets only within the container\n");
	else
		printf("           signals and abstract unix sockets reach the host (ABI < 6)\n");
}

int cmd_info(int argc, char **argv, struct cmd_ctx *ctx)
{
	struct tracer_probe pt, sc;
	struct utsname u;
	int yama;

	if (runtime_wants_help(argc, argv)) {
		fputs(info_usage, stdout);
		return 0;
	}
	if (argc > 1)
		return qerr_set(&ctx->err, -EINVAL, "info: unexpected argument '%s'", argv[1]);

	printf("qrun:      %s\n", QRUN_VERSION);
	if (uname(&u) == 0)
		printf("kernel:    %s %s %s\n", u.sysname, u.release, u.machine);
	printf("user:      uid %u%s\n", (unsigned)geteuid(),
	       geteuid() == 0 ? " (root)" : " (rootless)");

	tracer_probe_ptrace(&pt);
	yama = tracer_yama_ptrace_scope();
	if (pt.result == TRACER_PROBE_OK)
		printf("ptrace:    usable: %s\n", pt.detail);
	else
		printf("ptrace:    NOT USABLE: %s\n", pt.detail);
	if (yama >= 0)
		printf("           yama ptrace_scope: %d%s\n", yama,
		       yama <= 1 ? " (qrun only traces its own children: fine)" : "");
	if (pt.result != TRACER_PROBE_OK)
		print_ptrace_fix(&pt, yama);

	tracer_probe_seccomp(&sc);
	if (sc.result == TRACER_PROBE_OK)
		printf("seccomp:   usable: %s\n", sc.detail);
	else
		printf("seccomp:   not usable: %s\n"
		       "           qrun will stop at every system call instead (same behaviour, "
		       "slower)\n",
		       sc.detail);
	if (runtime_preload())
		printf("preload:   %s\n"
		       "           (answers path calls of dynamic x86_64 programs in the process,\n"
		       "           inside the wall only; QRUN_PRELOAD=off or 'qrun chroot\n"
		       "           --no-preload' to do without)\n",
		       runtime_preload());
	else if (getenv("QRUN_PRELOAD"))
		printf("preload:   off (QRUN_PRELOAD=%s): every path call costs a ptrace stop\n",
		       getenv("QRUN_PRELOAD"));
	else
		printf(
		    "preload:   none (no libqrun-preload.so next to qrun or in PREFIX/lib/qrun):\n"
		    "           every path call of every program costs a ptrace stop\n");

	print_wall();
	print_emulators();
	print_store(ctx);
	return pt.result == TRACER_PROBE_OK ? 0 : 1;
}
