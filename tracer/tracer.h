#pragma once
/*
 * tracer: the ptrace/seccomp engine behind `qrun chroot` and `qrun run`. It knows nothing about
 * images. This header is its only public interface.
 */

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "common/arch.h"
#include "common/common.h"

/* ---- architectures ------------------------------------------------------------------ */

/*
 * Architectures are the rows of common/arch.h (arch_table, arch_find_elf ...): the tracer picks
 * the emulator of a foreign exec from its ELF header with them.
 */

/* The architecture whose system calls this tracer translates (x86_64: "amd64"). */
const struct arch *tracer_arch_host(void);

/* The Debian package that ships the qemu-user emulators. */
#define TRACER_QEMU_PACKAGE "qemu-user-static"

/*
 * Find the emulator for arch on PATH: qemu-NAME-static, then qemu-NAME. Returns 0 and the
 * absolute path in *ret_path (owned by the caller), -ENOENT when neither exists.
 */
int tracer_qemu_find(const struct arch *arch, char **ret_path);

/* ---- host capability probes ----------------------------------------------------------- */

enum tracer_probe_result {
	TRACER_PROBE_OK = 0,
	TRACER_PROBE_REFUSED, /* the kernel or a security policy said no; errno in ->err */
	TRACER_PROBE_BROKEN,  /* the probe itself could not run (fork failed, ...) */
};

struct tracer_probe {
	enum tracer_probe_result result;
	int err;	  /* errno of the refused call */
	char detail[256]; /* one line, for `qrun info` */
};

/*
 * Can this process trace a child of its own (fork, PTRACE_SEIZE with EXITKILL, stop,
 * PTRACE_GETREGS)? Never fails: the outcome is in *ret.
 */
void tracer_probe_ptrace(struct tracer_probe *ret);

/*
 * Can a child install a seccomp filter with PR_SET_NO_NEW_PRIVS, and does the kernel offer
 * SECCOMP_RET_TRACE? Never fails: the outcome is in *ret.
 */
void tracer_probe_seccomp(struct tracer_probe *ret);

/* Yama's kernel.yama.ptrace_scope (0-3), or -1 when Yama is not present. */
int tracer_yama_ptrace_scope(void);

/* ---- running a confined process tree ------------------------------------------------- */

/* One host path made visible at a guest path. */
struct tracer_bind {
	char *host;  /* owned: absolute, canonical host path */
	char *guest; /* owned: absolute, canonical guest path */
	bool readonly;
};

/*
 * Parse "HOST[:GUEST][:ro|:rw]" (GUEST defaults to HOST). host must exist; it is made
 * absolute and canonical (realpath). guest is canonicalised lexically. Returns 0 or -errno
 * with a message.
 */
int tracer_bind_parse(const char *spec, struct tracer_bind *ret, struct qerr *err);
void tracer_bind_release(struct tracer_bind *b);

/*
 * The Landlock version of this kernel (1 and up), or -errno when it has none (EOPNOTSUPP:
 * built without it, or turned off at boot; ENOSYS: too old).
 */
int tracer_wall_abi(void);

/* Whether processes run inside a Landlock domain that allows only their files (wall.c). */
enum tracer_wall {
	TRACER_WALL_AUTO = 0, /* when the kernel has Landlock; else warn once and go on */
	TRACER_WALL_OFF,      /* never (QRUN_WALL=off): the tracer alone confines */
	TRACER_WALL_REQUIRED, /* always: no Landlock is an error (--require-wall) */
};

/* The most supplementary groups an emulated identity carries (the kernel allows 65536). */
#define TRACER_MAX_GROUPS 64

/* The owner of a file of the rootfs: path relative to it, type (and mode), ids, device. */
struct tracer_owner {
	const char *path;
	uint32_t mode, uid, gid;
	uint64_t rdev;
};

/*
 * An emulated identity (ids.c, owners.c): for a user who is not root, the guest's processes
 * see these ids instead of their real ones, set*id follow the kernel's rules against them, and
 * chown, mknod and the stat family work on recorded ownership instead of the host's.
 */
struct tracer_identity {
	bool emulate;
	uint32_t uid, gid; /* of the first process (0: root, with every capability) */
	uint32_t groups[TRACER_MAX_GROUPS];
	size_t n_groups;
	/* borrowed: owners known before the run (what a rootless unpack could not apply) */
	const struct tracer_owner *owners;
	size_t n_owners;
	/* borrowed: the file that keeps ownership across runs (owners-store.c), or NULL */
	const char *store;
};

/* What the tracer is asked to do; filled by runtime/ from the command line or a run plan. */
struct tracer_config {
	const char *rootfs;	   /* borrowed: host directory that becomes guest / */
	struct tracer_bind *binds; /* borrowed: extra binds, in command-line order */
	size_t n_binds;
	bool default_binds; /* bind the host's /dev, /proc and /sys */
	const char *cwd;    /* borrowed: guest working directory ("/" if NULL) */
	char *const *argv;  /* borrowed: guest command; argv[0] is looked up in PATH */
	char *const *envp;  /* borrowed: environment (NULL: the caller's) */
	bool no_seccomp;    /* stop at every system call (debugging, or no seccomp) */
	const char *qemu;   /* borrowed: runner for every foreign program, or NULL */
	int verbose;	    /* 0: quiet; 1: log translations; 2+: every stop */
	/* borrowed: host path of libqrun-preload.so, loaded into dynamic x86_64 programs to
	 * answer hot path calls without a stop (preload/), or NULL */
	const char *preload;
	/* containers */
	bool readonly_root;   /* writes to the rootfs (not to binds) fail with EROFS */
	bool copy_up;	      /* the rootfs shares inodes (hard links) with an image: copy a
				 file up before the first change to it (see copyup.c) */
	const char *hostname; /* borrowed: what uname(2) says as nodename, or NULL */
	/* not --privileged: /proc/sys and docker's other read-only paths read-only, its masked
	 * files empty; as root also no_new_privs and docker's default capabilities */
	bool restrict_privileges;
	enum tracer_wall wall;
	/* fds 3 .. 3+preserve_fds-1 are passed to the first program; every other inherited fd
	 * is closed at its exec */
	int preserve_fds;
	struct tracer_identity identity;
	/* called once the first process is running (its host pid), or NULL */
	void (*started)(void *data, pid_t pid);
	void *started_data;
};

/* docker's default capability set (CHOWN ... AUDIT_WRITE), as a bit mask. */
#define TRACER_DOCKER_CAPS 0xa80425fbULL

/* What happened to the tracee tree. */
struct tracer_result {
	int status;	/* exit status as a shell reports it: N, or 128+signal */
	int exec_errno; /* non-zero when the first program could not be started */
	/* borrowed: the architecture of a foreign program that found no emulator, or NULL */
	const struct arch *missing_arch;
	/*
	 * false when no call of the run created, removed, renamed or changed anything in the
	 * rootfs itself (binds aside): a container rootfs is then as it was and can be reused.
	 */
	bool rootfs_written;
};

/*
 * Start config->argv confined to config->rootfs and trace the whole process tree until the
 * first process exits (the rest are then killed). Returns 0 with *ret filled, or -errno with
 * a message when the tracer itself failed (bad rootfs, ptrace refused, ...).
 */
int tracer_run(const struct tracer_config *config, struct tracer_result *ret, struct qerr *err);

/*
 * The owners of a root filesystem's files as its guests see them, outside any run: for export,
 * commit and build (owners-view.c). With identity->emulate, the seeds (identity->owners) and
 * what the runs recorded (identity->store, read under its lock, never written); otherwise the
 * host's owners. Returns 0 or -errno with a message.
 */
struct tracer_owners;
int tracer_owners_open(const char *rootfs, const struct tracer_identity *identity,
		       struct tracer_owners **ret, struct qerr *err);
/* The uid, gid, mode (type included) and rdev the guest sees for the file of which lstat says st.
 */
void tracer_owners_get(const struct tracer_owners *o, const struct stat *st, uint32_t *ret_uid,
		       uint32_t *ret_gid, uint32_t *ret_mode, uint64_t *ret_rdev);
struct tracer_owners *tracer_owners_free(struct tracer_owners *o);
