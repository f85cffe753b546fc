#pragma once
/*
 * tracer internals shared by its files (not for other modules).
 */

#include "tracer/tracer.h"

/* ---- canon.c --------------------------------------------------------------------------
 *
 * canon: canonicalise a guest path inside the guest root, component by component, the way
 * the kernel would resolve it if the guest root were the process root. Pure: every question
 * about the file system goes through a lookup callback, so the rules are unit-tested with a
 * table-made tree.
 *
 * Rules: `.` is dropped; `..` pops one resolved component and never climbs above `/`;
 * a symlink met before the last component is always followed (absolute targets restart at the
 * guest root, relative ones at its directory); the last component is followed only with
 * CANON_FOLLOW or when the path ends with '/'; more than CANON_MAXSYMLINKS links give ELOOP;
 * a non-directory before the end gives ENOTDIR, a missing one ENOENT; a missing last
 * component is fine (creation); a trailing '/' is kept in the result.
 */

#include <limits.h>
#include <stdbool.h>
#include <sys/stat.h>

#define CANON_MAXSYMLINKS 40

enum canon_type {
	CANON_MISSING,
	CANON_DIR,
	CANON_LINK,   /* target in ->target */
	CANON_OTHER,  /* regular file, device, socket, fifo */
	CANON_OPAQUE, /* a kernel object behind a /proc magic link (pipe:[1]): stop here */
	CANON_MAGIC,  /* /proc/PID/fd/N: kept as is when last; else followed to ->target, or
		       * ->err when the target is empty */
};

struct canon_node {
	enum canon_type type;
	char target[PATH_MAX]; /* CANON_LINK: the link's text, as a guest path */
	int err;	       /* CANON_MAGIC with no target: the error for walking through it */
};

/*
 * Tell what guest path `guest` (absolute, canonical) is. Returns 0, or -errno for an error
 * that ends the walk (EACCES, EIO, ...).
 */
typedef int (*canon_lookup_fn)(void *ctx, const char *guest, struct canon_node *ret);

enum canon_flags {
	CANON_FOLLOW = 1 << 0, /* follow a symlink in the last component */
};

/*
 * Resolve path (absolute, or relative to base, an absolute canonical guest directory) into
 * ret (PATH_MAX bytes): an absolute canonical guest path. Returns 0 or -errno: -ENOENT,
 * -ENOTDIR, -ELOOP, -ENAMETOOLONG, or an error of lookup. An empty path is -ENOENT.
 */
int canon_resolve(const char *base, const char *path, unsigned flags, canon_lookup_fn lookup,
		  void *ctx, char *ret);

/*
 * Lexical clean-up of an absolute path (no file system access): collapses "//", drops ".",
 * applies ".." (never above "/"), drops a trailing '/'. Returns 0 or -ENAMETOOLONG/-EINVAL.
 */
int canon_lexical(const char *path, char *ret, size_t size);

/* ---- binds.c: the guest <-> host path map --------------------------------------------- */

/* The default binds, which the wall treats as docker treats them (see wall.c). */
enum bind_default {
	BIND_USER = 0,
	BIND_DEV,
	BIND_PROC,
	BIND_SYS,
	BIND_MASK, /* /dev/null over a file docker masks: never a reverse translation */
};

struct bind {
	char *host;  /* owned, canonical, no trailing '/' ("/" only for the host root) */
	char *guest; /* owned, canonical guest path */
	size_t hlen, glen;
	bool readonly;
	uint8_t def; /* enum bind_default */
};

/* The rootfs is entry 0 (guest "/"); later entries win over earlier ones for the same path. */
struct bind_table {
	struct bind *v;
	size_t n;
	char **created; /* owned: mount points we created in the rootfs, removed at the end */
	/* each one's directory's mtime before it was made and after */
	struct timespec (*created_parent_mtime)[2];
	size_t n_created;
};

/* Build the table from the rootfs, the default binds (when asked) and config binds. */
int binds_init(struct bind_table *t, const struct tracer_config *c, struct qerr *err);
void binds_release(struct bind_table *t);

/*
 * Map a canonical guest path to the host: the bind with the longest guest prefix wins (the
 * last one given among equals). Writes ret (size bytes); returns the bind index or -errno.
 */
int binds_to_host(const struct bind_table *t, const char *guest, char *ret, size_t size);

/*
 * Map a host path back to the guest: the bind with the longest host prefix wins. Returns the
 * bind index, or -ENOENT when the path is outside every bind (then ret is untouched).
 */
int binds_to_guest(const struct bind_table *t, const char *host, char *ret, size_t size);

/* true when guest is a strict ancestor of some bind's guest path (a virtual directory). */
bool binds_is_ancestor(const struct bind_table *t, const char *guest);

/*
 * Make bind mount points that do not exist in the rootfs (directories, or empty files for
 * file binds), only inside the rootfs and never through a symlink; recorded in t->created.
 */
void binds_make_mountpoints(struct bind_table *t);

/* Remove the mount points binds_make_mountpoints created (deepest first). */
void binds_remove_mountpoints(struct bind_table *t);

/* ---- syscalls-<arch>.c: the syscall catalogue -------------------------------------------- */

/* How a syscall is handled when it stops (it selects the pipeline hooks that see the call). */
enum sc_kind {
	SC_NONE = 0,	 /* never stops (not in the seccomp filter) */
	SC_PATH,	 /* one or two path arguments, translated in place */
	SC_EXECVE,	 /* execve/execveat: paths, shebang, ELF interpreter (execve.c) */
	SC_GETCWD,	 /* answered from the real kernel cwd, reverse-translated */
	SC_READLINK,	 /* path translated; /proc magic links answered from tracer state */
	SC_SOCKADDR_IN,	 /* bind, connect: AF_UNIX path in (fd, addr, len) */
	SC_SENDTO,	 /* sendto: AF_UNIX destination in args 4/5 */
	SC_SENDMSG,	 /* sendmsg: AF_UNIX destination in msghdr */
	SC_SOCKADDR_OUT, /* accept, accept4, getsockname, getpeername, recvfrom: out address */
	SC_RECVMSG,	 /* recvmsg: out address in msghdr */
	SC_FD_WRITE,	 /* fchmod, fchown, ... : EROFS when the fd is in a read-only bind */
	SC_UNAME,	 /* the container's hostname as nodename */
	SC_OPENAT2,	 /* openat2: flags and resolve in struct open_how */
	SC_CLONE,	 /* clone (only with CLONE_UNTRACED), clone3: the child must stay traced */
	SC_SECCOMP,	 /* seccomp, prctl(PR_SET_SECCOMP): a guest filter; the shim steps aside */
	SC_PROCESS,	 /* ptrace, process_vm_*, pidfd_getfd: only on tracees (guard.c) */
	SC_DENY_ENOSYS,	 /* io_uring_setup and unknown numbers: bypass translation otherwise */
	SC_DENY_EPERM,	 /* chroot, mount, pivot_root, ...: would act on the host */
	SC_ID,		 /* getuid ... setgroups, capget, capset: emulated credentials (ids.c) */
	SC_FSTAT,	 /* fstat: owners as recorded (owners.c) */
};

/* Whether the last component of a path argument is followed. */
enum sc_follow {
	F_FOLLOW = 0,
	F_NOFOLLOW,
	F_AT_NOFOLLOW, /* follow unless AT_SYMLINK_NOFOLLOW in args[flags] */
	F_AT_FOLLOW,   /* follow only with AT_SYMLINK_FOLLOW in args[flags] */
	F_OPEN,	       /* follow unless O_NOFOLLOW, or O_CREAT|O_EXCL, in args[flags] */
	F_INOTIFY,     /* follow unless IN_DONT_FOLLOW in args[flags] */
};

/* Whether the call writes through a path (EROFS in a read-only bind). */
enum sc_write {
	W_NO = 0,
	W_YES,
	W_OPEN,	  /* when args[flags] has O_WRONLY, O_RDWR, O_CREAT or O_TRUNC */
	W_ACCESS, /* when the mode (the argument after the path) has W_OK */
};

struct sc_path {
	int8_t dirfd;	/* argument index of the dirfd, -1 for AT_FDCWD */
	int8_t path;	/* argument index of the path, -1 for none */
	int8_t flags;	/* argument index of the flags the follow/write rule reads, -1 for none */
	uint8_t follow; /* enum sc_follow */
	uint8_t write;	/* enum sc_write */
	bool empty_ok;	/* AT_EMPTY_PATH in args[flags] (or a NULL path) means "the dirfd itself" */
};

/* What else a call does, for the hooks that care (the table says it, not lists of SYS_*). */
enum sc_flags {
	SCF_INPLACE = 1 << 0,	   /* changes an existing inode's data or attributes: copy up */
	SCF_INPLACE_OPEN = 1 << 1, /* the same when its open flags write (O_WRONLY/RDWR/TRUNC) */
	SCF_REMOVES_NAME = 1 << 2, /* takes a name away (a bind's mount point: EBUSY) */
	SCF_LINKS = 1 << 3,	   /* two paths of one file system (across binds: EXDEV) */
	SCF_RESHAPES = 1 << 4,	   /* may turn a directory into something else: flush caches */
	SCF_IDENTITY = 1 << 5,	   /* stops only when an identity is emulated */
	SCF_STAT = 1 << 6,	   /* returns a struct stat (statx) in argument `out` */
	SCF_OWNER = 1 << 7,   /* changes owners: uid and gid in the two arguments after `out` */
	SCF_CREATES = 1 << 8, /* makes a new inode at its (last) path */
	SCF_CREATES_OPEN = 1 << 9, /* the same when its open flags have O_CREAT */
	SCF_MKNOD = 1 << 10,	   /* mode and device number follow the path */
	SCF_CHMOD = 1 << 11,	   /* changes the mode to argument `out` */
};

struct sc_def {
	const char *name;
	uint8_t kind; /* enum sc_kind */
	struct sc_path p[2];
	uint16_t flags; /* enum sc_flags */
	int16_t twin;	/* SC_FD_WRITE: the number of the call taking a path instead (copy-up) */
	int8_t out;	/* SCF_STAT: the argument holding the buffer; SCF_OWNER: the uid's;
			 * SCF_CHMOD: the mode's */
};

/* Indexed by syscall number; entries beyond sc_max or without a name are SC_NONE. */
extern const struct sc_def sc_table[];
extern const int sc_max;
/* Numbers above this are not known to qrun: they are trapped and answered ENOSYS. */
#define SC_TRAP_UNKNOWN_FROM 470
#define SC_TRAP_UNKNOWN_TO   511

/* The definition for nr, or NULL when it needs no handling. */
const struct sc_def *sc_lookup(long nr);

/* ---- regs-<arch>.c: registers at a stop ------------------------------------------------ */

enum stop_op {
	STOP_OTHER = 0,
	STOP_ENTRY,   /* syscall-enter stop (full tracing) */
	STOP_EXIT,    /* syscall-exit stop */
	STOP_SECCOMP, /* PTRACE_EVENT_SECCOMP */
};

struct sysregs {
	enum stop_op op;
	bool native; /* the host ABI (x86_64), not i386/x32 */
	long nr;
	uint64_t args[6];
	uint64_t sp;
	long rval;	   /* STOP_EXIT */
	uint32_t ret_data; /* STOP_SECCOMP: SECCOMP_RET_DATA */
};

/* Read the syscall state at a stop (PTRACE_GET_SYSCALL_INFO). Returns 0 or -errno. */
int regs_get(pid_t pid, struct sysregs *ret);
int regs_set_arg(pid_t pid, int i, uint64_t v);
int regs_set_nr(pid_t pid, long nr);
int regs_set_ret(pid_t pid, long v);
/* Bytes below the stack pointer the ABI lets a leaf function use (x86_64: 128). */
#define REGS_RED_ZONE 128

/* ---- ids.c, owners.c: an emulated identity --------------------------------------------- */

/* The emulated credentials of a thread. */
struct cred {
	uint32_t uid, euid, suid, fsuid;
	uint32_t gid, egid, sgid, fsgid;
	uint32_t groups[TRACER_MAX_GROUPS];
	uint16_t n_groups;
	bool set; /* filled: from the creator, the parent process, or the config */
};

/* The owner of an inode as the guest sees it. */
struct owner {
	uint32_t uid, gid;
	uint32_t mode; /* type and permissions; in a table entry a type the host lacks and/or
			* permissions flagged QRUN_MODE_PERMS (preload.h), else 0 */
	uint64_t rdev;
};

/* What owners.c does at a call's exit stop. */
struct owners_exit {
	uint64_t buf; /* SCF_STAT: the guest's buffer (0: not a stat) */
	bool statx;
	char *made;    /* owned: the host path of an inode being made, recorded at exit */
	uint32_t mode; /* for made: the type to record (a device node made as a regular file) */
	uint64_t rdev;
	int n_gone; /* inodes losing their last name: their entries go at exit */
	uint64_t gone_dev[2], gone_ino[2];
	pid_t proc_pid; /* SCF_STAT of /proc/PID of a tracee: its owner is that cred's, or 0 */
};

/* ---- tracee.c: one record per traced thread -------------------------------------------- */

struct tracee {
	pid_t pid;	     /* thread id */
	pid_t tgid;	     /* thread group id; 0 until known (tracee_tgid) */
	struct tracee *next; /* hash chain */

	bool wait_exit;	 /* resumed with PTRACE_SYSCALL for this syscall's exit stop */
	bool in_syscall; /* full-tracing mode: between enter and exit stops */
	bool skip_ret;	 /* full-tracing mode: force ret_value at the exit stop */
	long ret_value;

	/* The syscall whose exit stop is awaited, and what its exit handler needs. */
	long exit_nr;
	uint64_t exit_args[6];
	uint32_t exit_cap; /* size of the guest's buffer for a returned socket name */

	/*
	 * Restart detection: the last path pointers we substituted. A syscall the kernel restarts
	 * after a signal comes back with our scratch pointer in the argument, whose memory the
	 * signal frame may have overwritten: we map it back to the guest's original pointer.
	 */
	long last_nr;
	uint64_t last_new[2], last_orig[2];

	uint32_t exit_hooks; /* bit i: pipeline_hooks[i] asked for this call's exit stop */

	struct cred cred;	/* emulated credentials (ids.c) */
	struct owners_exit owx; /* what owners.c does at this call's exit stop */
	int status_num;		/* procstatus.c: the keeper's fd of a status copy, -1 */

	bool guest_filter; /* installed a seccomp filter (inherited, kept across exec): no shim */

	char *exe;	      /* owned: guest path of the running program (/proc/<pid>/exe) */
	char *pending_exe;    /* owned: guest path of the program an execve in flight will run */
	char *pending_execfn; /* owned: what AT_EXECFN should read after that execve */
	char *pending_execfn_host; /* owned: the host path the kernel actually got */
};

/* A translated path argument. */
struct xlat {
	char guest[PATH_MAX];	 /* canonical guest path */
	char host[PATH_MAX * 2]; /* the host path (may exceed PATH_MAX, see longpath.c) */
	int bind;		 /* index in the bind table */
};

/* One path argument of a stopped call. */
struct call_path {
	const struct sc_path *p;
	uint64_t ptr; /* the guest's string (a restarted call's original pointer) */
	int dirfd;    /* the dirfd argument's value, or AT_FDCWD */
	bool follow;  /* the last component is followed (enum sc_follow, resolved) */
	bool writes;  /* the call writes through this path (enum sc_write, resolved) */
	bool xlat;    /* x holds the host path to give the kernel (else the kernel resolves it) */
	char *orig;   /* the guest's string (in struct stop) */
	struct xlat *x;
};

/* A stopped call as the pipeline and its hooks see it. */
struct call {
	struct sysregs *r; /* as decoded: openat2's open flags in args[2] */
	const struct sc_def *def;
	struct call_path path[2];
	int n_paths;
	bool want_exit; /* set by a hook: its exit runs at this call's exit stop */
};

/* execve: the file at the current level of #! interpreters (execve.c) */
struct stop_exec {
	char file_guest[PATH_MAX]; /* canonical guest path of the current file */
	char file_host[PATH_MAX];
	char name[PATH_MAX]; /* the name the next level passes as the script argument */
};

/*
 * What one stop needs beyond the registers: the call as decoded, its path arguments as the
 * guest gave them and as translated. Too big for the tracer's stack frame per call, and valid
 * for one stop only.
 */
struct stop {
	struct sysregs regs; /* the registers as decoded (openat2: its open flags in args[2]) */
	struct sc_path rule[2];
	struct call call;
	char orig[2][PATH_MAX];
	struct xlat x[2];
	struct stop_exec exec;
};

#define LONGPATH_SLOTS 32
#define DIRCACHE_SLOTS 4096
#define SOCK_NAMES     64

/* A host directory the tracer holds open for paths beyond PATH_MAX (longpath.c). */
struct longpath_slot {
	char *dir; /* owned */
	int fd;	   /* the tracer's */
	int kfd;   /* the keeper's copy, -1 until handed over */
};

struct tracer {
	const struct tracer_config *config;
	struct bind_table binds;
	bool seccomp; /* the filter is installed: resume with PTRACE_CONT */
	bool has_readonly_binds;
	bool rootfs_written; /* some call changed the rootfs (not a bind): see tracer_result */
	/* owned: the emulator per arch_table index of an arch_emulator_row, NULL if missing */
	char *qemu_paths[ARCH_COUNT];
	bool qemu_looked[ARCH_COUNT];
	const struct arch *missing_arch; /* first foreign exec with no emulator */
	pid_t tracer_pid;
	pid_t first_pid;
	bool first_exited;
	int first_status; /* wait status */
	/* borrowed: the in-process shim's host path, when it is in use (needs the filter) */
	const char *preload;
	char *preload_settings; /* owned: its answer to the shim's settings call (preload.c) */
	size_t preload_settings_len;
	size_t preload_id_at; /* where its identity field is */
	struct tracee *hash[1024];
	size_t n_tracees;
	unsigned long n_stops;
	unsigned long stops_by_nr[SC_TRAP_UNKNOWN_TO + 2]; /* seccomp stops per syscall (-vv) */
	struct stop stop;				   /* scratch of the stop being handled */
	/* caches, each emptied by its own release at the end (run.c) */
	struct longpath_slot longpaths[LONGPATH_SLOTS];
	unsigned longpath_next;
	/* guest directories reached without a symlink (path.c); owned strings */
	char *dircache[DIRCACHE_SLOTS];
	/* host name of a bound unix socket -> the guest's name for it (sock.c): a small ring */
	struct {
		char *host, *guest; /* owned */
	} sock_names[SOCK_NAMES];
	unsigned sock_next;
	/* ld.so files (host paths) and the options their text names (execve.c) */
	struct {
		char *path; /* owned */
		bool has[2];
	} ldso_known[16];
	size_t n_ldso_known;
	struct {
		pid_t pid; /* 0 until it said it, -1 when gone */
		int sock;  /* qrun's end, -1 when none */
	} keeper;
	/* an emulated identity: the recorded owners (owners.c), a hash table of entries */
	struct {
		struct owner_entry **v;
		size_t n, n_buckets;
		int store_fd; /* the journal (owners-store.c), -1 when none */
		off_t store_off;
		bool warned;
		bool store_alone;	 /* no other tracer had the journal open at start */
		struct qrun_owners *shm; /* the shim's copy (owners-shm.c), or NULL */
		int shm_fd;
		char *shm_path; /* owned */
		bool shm_shared, shm_temp;
		uint32_t shm_gone;
	} owners;
	uint32_t real_uid, real_gid; /* shown as 0 (root) to an emulated identity */
};

struct tracee *tracee_get(struct tracer *tr, pid_t pid);
struct tracee *tracee_new(struct tracer *tr, pid_t pid);
void tracee_free(struct tracer *tr, struct tracee *t);
/* The tracee's thread group id, read from /proc when not known yet. */
pid_t tracee_tgid(struct tracee *t);
/* The record of pid's thread group leader, or NULL. */
struct tracee *tracee_leader(struct tracer *tr, struct tracee *t);

/* ---- mem.c: tracee memory ---------------------------------------------------------------- */

int mem_read(pid_t pid, uint64_t addr, void *buf, size_t len);
int mem_write(pid_t pid, uint64_t addr, const void *buf, size_t len);
/*
 * Read a NUL-terminated string of at most size-1 bytes. Returns its length, -ENAMETOOLONG when
 * no NUL comes within size bytes, or -EFAULT.
 */
ssize_t mem_read_string(pid_t pid, uint64_t addr, char *buf, size_t size);

/* Scratch space below the tracee's stack pointer, valid for the current syscall only. */
struct scratch {
	pid_t pid;
	uint64_t top; /* next free byte is below this */
};
void scratch_init(struct scratch *s, pid_t pid, uint64_t sp);
/* Copy len bytes below the red zone; returns the address, or 0 with -errno in *err. */
uint64_t scratch_put(struct scratch *s, const void *data, size_t len, int *err);

/* ---- path.c: guest paths of a tracee -> host paths ------------------------------------- */

/*
 * Translate path (as the tracee passed it) relative to dirfd (AT_FDCWD for the cwd) into
 * ret. follow: whether a symlink in the last component is followed. Returns 0 or -errno
 * (the errno the tracee should see).
 */
int path_translate(struct tracer *tr, struct tracee *t, int dirfd, const char *path, bool follow,
		   struct xlat *ret);

/* Forget cached symlink-free directories (after anything that may change the tree). */
void path_cache_flush(struct tracer *tr);

/* The guest path of the tracee's cwd (from the real kernel cwd). */
int path_guest_cwd(struct tracer *tr, struct tracee *t, char *ret, size_t size);

/*
 * Turn a host path into the guest path the tracee should see. Returns 0, or -ENOENT for a
 * host path outside the rootfs and every bind.
 */
int path_to_guest(struct tracer *tr, const char *host, char *ret, size_t size);

/*
 * The guest answer for readlink of a /proc magic link of a tracee (exe, cwd, root, fd/N,
 * self, thread-self) given as a canonical guest path: 1 and the text in ret when qrun answers
 * it, 0 when the path is no such link.
 */
int path_proc_link(struct tracer *tr, struct tracee *t, const char *guest, char *ret, size_t size);

/*
 * A canonical guest path under /proc (where self and thread-self are already the numbers):
 * path_proc_pid gives the PID of "/proc/PID..." (0 when it is not one) and what follows it in
 * rest; path_proc_split splits "/proc/PID[/task/TID]/WHAT" (WHAT one name, or fd/N) and
 * returns 1 when guest has that shape (tid 0 without task/).
 */
pid_t path_proc_pid(const char *guest, const char **rest);
int path_proc_split(const char *guest, pid_t *pid, pid_t *tid, const char **what);

/* The bind holding the file of the tracee's fd, or -1. */
int fd_bind(struct tracer *tr, struct tracee *t, int fd);

/*
 * When guest is a /proc magic link of a tracee (/proc/self/fd/N, /proc/PID/cwd) to a file of
 * the guest's view, its host path in host (size bytes) and the index of its bind; else -1.
 */
int path_proc_target(struct tracer *tr, struct tracee *t, const char *guest, char *host,
		     size_t size);

/* ---- pipeline.c: one stop, in stages driven by the syscall table -----------------------
 *
 *   decode    which arguments are paths (the table; openat2's rule from its open_how)
 *   decoded   hooks that take the whole call (exec, sockets, answers) or refuse it (guards)
 *   resolve   each path left to the kernel (the fast path) or translated into the guest's view;
 *             a hook may resolve a path itself first (the shim's file)
 *   policy    hooks on each translated path (read-only, record, copy-up), then on the call
 *   apply     translated paths into scratch memory below the stack pointer
 *   exit      the exit stop, for the hooks that asked for it
 *
 * A hook is a struct hook in the file of its concern; pipeline.c holds the ordered list. The
 * kind in the table selects which hooks see a call, so a new feature is a new hook.
 */

/* What to do with the tracee after a stop. */
enum resume {
	RESUME_CONT,	/* no exit stop needed */
	RESUME_SYSCALL, /* stop again at this syscall's exit */
};

/* What a hook's stage function returns, besides -errno (the call fails with it). */
enum hook_ret {
	HOOK_ON = 0,	   /* go on */
	HOOK_DONE = 1,	   /* the hook answered or handled the whole call: nothing more runs */
	HOOK_REDIRECT = 2, /* on_fd: the call goes to a->x->host instead of the dirfd */
};

#define KIND_BIT(k) (1u << (k))
/* Kinds whose path arguments the pipeline decodes and resolves itself. */
#define PATH_KINDS (KIND_BIT(SC_PATH) | KIND_BIT(SC_READLINK) | KIND_BIT(SC_OPENAT2))

struct hook {
	const char *name;
	uint32_t kinds; /* KIND_BIT(SC_...): the calls the hook sees */
	/* Before paths are resolved: HOOK_ON, HOOK_DONE or -errno. */
	int (*decoded)(struct tracer *tr, struct tracee *t, struct call *c);
	/* Resolve path a itself: 1 with a->x filled, else 0 (the guest's view decides). */
	int (*resolve)(struct tracer *tr, struct call *c, struct call_path *a);
	/* Path a was translated into a->x: HOOK_ON, HOOK_DONE or -errno; may change a->x->host. */
	int (*translated)(struct tracer *tr, struct tracee *t, struct call *c, struct call_path *a);
	/*
	 * Path a is empty with AT_EMPTY_PATH (or NULL): the call acts on the dirfd itself.
	 * HOOK_ON, HOOK_DONE, HOOK_REDIRECT with a->x filled, or -errno.
	 */
	int (*on_fd)(struct tracer *tr, struct tracee *t, struct call *c, struct call_path *a);
	/* Every path resolved: HOOK_ON, HOOK_DONE or -errno. */
	int (*resolved)(struct tracer *tr, struct tracee *t, struct call *c);
	/* The exit stop asked for with c->want_exit. */
	void (*exit)(struct tracer *tr, struct tracee *t, const struct sysregs *r);
};

/* The hooks in the order they run (pipeline.c). */
extern const struct hook *const pipeline_hooks[];
extern const size_t pipeline_n_hooks;

/* Handle a syscall-enter (or seccomp) stop. */
enum resume enter_syscall(struct tracer *tr, struct tracee *t, const struct sysregs *r);
/* Handle the exit stop requested by enter_syscall. */
void exit_syscall(struct tracer *tr, struct tracee *t, const struct sysregs *r);
/* Make the syscall fail with -err (or return err >= 0) without running it. */
void enter_fail(struct tracer *tr, struct tracee *t, long err);
/* Answer the call with v (>= 0, or -errno) without running it: HOOK_DONE. */
int call_answer(struct tracer *tr, struct tracee *t, long v);
/*
 * Resolve a path a hook decoded itself (a socket's name) through the resolve and policy
 * stages: 1 with a->x filled, 0 when the kernel may resolve a->orig as it is, or -errno.
 */
int call_resolve_path(struct tracer *tr, struct tracee *t, struct call *c, struct call_path *a);

/* ---- resolve.c: the resolve stage --------------------------------------------------------- */

/*
 * true when a single name relative to dirfd (or the cwd) may go to the kernel untouched: it
 * is not "..", not a bind's mount point, and not a symlink being followed.
 */
bool resolve_passthrough(struct tracer *tr, struct tracee *t, int dirfd, const char *path,
			 bool follow, bool write);
/*
 * Read path argument k of c into a->orig (a->p set): a restarted call's pointer is mapped back
 * to the guest's own first. Returns the length (0 for NULL), -EFAULT (unreadable: the kernel
 * answers) or -ENAMETOOLONG.
 */
ssize_t resolve_read(struct tracer *tr, struct tracee *t, struct call *c, struct call_path *a,
		     int k);
/* Translate a->orig into a->x, a hook's resolve first: 0 or -errno. */
int resolve_translate(struct tracer *tr, struct tracee *t, struct call *c, struct call_path *a);

/* Options of ld.so run as a program: --argv0 (glibc >= 2.33, musl), --preload (glibc >= 2.30). */
enum ldso_option {
	LDSO_ARGV0,
	LDSO_PRELOAD,
};
/* Does the ld.so at host path know opt? (Its text is searched once, cached per path.) */
bool ldso_has_option(struct tracer *tr, const char *host, enum ldso_option opt);
/* Forget what ldso_has_option learnt. */
void ldso_release(struct tracer *tr);

/* PTRACE_EVENT_EXEC: the new program runs; former is the tid that called execve. */
void execve_done(struct tracer *tr, struct tracee *t, pid_t former);

/* ---- seccomp.c ---------------------------------------------------------------------------- */

/* The value our filter puts in SECCOMP_RET_DATA, to tell our stops from a guest filter's. */
#define TRACER_SECCOMP_DATA 0x5152

/*
 * In the child, before exec: set no_new_privs and install the filter that makes every syscall
 * of the catalogue stop (uname only with trace_uname: a container hostname to show; the
 * SCF_IDENTITY calls only with identity), except those made from the shim's trampoline page
 * when trampoline is set. Returns 0 or -errno.
 */
int seccomp_install(bool trace_uname, bool identity, bool trampoline);

/* ---- preload.c: the in-process shim ------------------------------------------------------ */

/*
 * The guest path to give ld.so in --preload for a dynamic host program (program_fd) started by
 * ld.so at ldso_host, or NULL when it runs without the shim.
 */
const char *preload_for(struct tracer *tr, struct tracee *t, int program_fd, const char *ldso_host);
/* t's emulated identity changed: pause its shim for a user who is not root, resume it for root. */
void preload_identity(struct tracer *tr, struct tracee *t);
/* ---- loop.c ------------------------------------------------------------------------------- */

/* Trace until the first process and then every other tracee is gone. */
int loop_run(struct tracer *tr);

#define TRACE(tr, lvl, ...)                                                                        \
	do {                                                                                       \
		if ((tr)->config->verbose >= (lvl))                                                \
			qlog(QLOG_ERROR, __VA_ARGS__);                                             \
	} while (0)

/* ---- sock.c: AF_UNIX addresses -------------------------------------------------------- */

void sock_names_release(struct tracer *tr);

/* ---- longpath.c: host paths beyond PATH_MAX ------------------------------------------------ */

/*
 * Split host into a directory fd the tracer holds and a relative rest when it is PATH_MAX or
 * longer (else AT_FDCWD and host itself). The fd is cached; do not close it.
 */
int longpath_at(struct tracer *tr, const char *host, int *ret_dirfd, const char **ret_rel);
/*
 * Cut host (PATH_MAX bytes or more) into dir (PATH_MAX bytes: the longest directory prefix the
 * kernel takes, short of the last name, which keeps a trailing '/') and *ret_rel, the rest in
 * host. 0 or -ENAMETOOLONG when no cut leaves a rest the kernel takes.
 */
int longpath_split(const char *host, char *dir, const char **ret_rel);
/* The string a tracee can use for host: itself, or "/proc/<keeper>/fd/<N>/<rest>". */
int longpath_for_tracee(struct tracer *tr, const char *host, char *ret, size_t size);
/* "/proc/<keeper>/fd/<N>/<rest>" for rest in host directory dir (< PATH_MAX). */
int longpath_in_dir(struct tracer *tr, const char *dir, const char *rest, char *ret, size_t size);
/*
 * The guest path of the directory behind magic link `link` (/proc/PID/cwd, /proc/PID/fd/N),
 * found by walking up with ".." (for paths too long for readlink).
 */
int longpath_guest_dir(const struct bind_table *t, const char *link, char *ret, size_t size);
void longpath_release(struct tracer *tr);
/* An O_PATH fd the tracer holds (cached, do not close) for host directory dir. */
int longpath_dirfd(struct tracer *tr, const char *dir);

/* ---- keeper.c: the holder of long-path fds inside the wall --------------------------------- */

/* In the first process, after the wall and privileges: fork the keeper (sock: its end). */
void keeper_spawn(int sock);
/* Hand fd to the keeper; its number there in *ret_num. 0 or -ENAMETOOLONG (no keeper). */
int keeper_take(struct tracer *tr, int fd, int *ret_num);
/* Let the keeper close its fd num. */
void keeper_drop(struct tracer *tr, int num);
/* "/proc/<keeper>/fd/<num>/<rest>" into ret. */
int keeper_proc_path(struct tracer *tr, int num, const char *rest, char *ret, size_t size);
/* Is pid the keeper? */
bool keeper_is(const struct tracer *tr, pid_t pid);
/* Kill the keeper and close its socket (idempotent). */
void keeper_stop(struct tracer *tr);

/* ---- copyup.c: private copies of files shared with an image snapshot -------------------- */

/* Give host (a file or symlink with other links) its own inode. 0 when nothing to do. */
int copyup(struct tracer *tr, const char *host);

/* ---- the hooks, each in the file of its concern (pipeline.c runs them in order) ---------- */

/* guard.c: ptrace & co. only on tracees, no seccomp listeners, no CLONE_UNTRACED, denials */
extern const struct hook guard_hook;
/* preload.c: the shim's settings call, its file (resolved by qrun, read-only), guest filters */
extern const struct hook shim_hook;
/* readonly.c: EROFS in read-only binds, through paths and fds */
extern const struct hook readonly_hook;
/* true when the tracee's fd refers to a file in a read-only bind */
bool fd_readonly(struct tracer *tr, struct tracee *t, int fd);
/* mounts.c: a bind is a mount: its mount point cannot go, links and renames across are EXDEV */
extern const struct hook mounts_hook;
/* record.c: what the run changed (tracer_result.rootfs_written) */
extern const struct hook record_hook;
/* ids.c: emulated credentials */
extern const struct hook ids_hook;
/* The tracee's emulated credentials (inherited when not set yet). */
struct cred *ids_cred(struct tracer *tr, struct tracee *t);
/* Is gid the fs gid or a supplementary group of c? */
bool ids_in_group(const struct cred *c, uint32_t gid);
/* Is gid one of c's supplementary groups? */
bool ids_in_groups(const struct cred *c, uint32_t gid);
/* After an exec: the setuid and setgid bits of the program (its emulated owner). */
void ids_exec(struct tracer *tr, struct tracee *t);
/* owners.c: emulated ownership */
extern const struct hook owners_hook;
/* procstatus.c: /proc/PID/status with the emulated ids */
extern const struct hook proc_status_hook;
/* perms.c: the kernel's permission checks for an emulated identity that is not root */
extern const struct hook perms_hook;
/* execve of host file st by t (the program, or an interpreter): 0 or -EACCES. */
int perms_exec(struct tracer *tr, struct tracee *t, const char *host, const struct stat *st);
/* Does tracee t get them (its paths must be translated, never passed through)? */
bool perms_checked(struct tracer *tr, struct tracee *t);
/* The owner of the inode st as the guest sees it. */
void owners_of(const struct tracer *tr, const struct stat *st, struct owner *ret);
/* Copy-up made host a new inode for the one from was: its entry follows. */
void owners_moved(struct tracer *tr, const struct stat *from, const char *host);
/* Record tracer_identity.owners (before the first process runs). */
void owners_seed(struct tracer *tr);
void owners_release(struct tracer *tr);
/* The table alone (no store): set, forget, empty, visit. */
void owners_table_set(struct tracer *tr, uint64_t dev, uint64_t ino, const struct owner *o);
void owners_table_forget(struct tracer *tr, uint64_t dev, uint64_t ino);
void owners_table_clear(struct tracer *tr);
void owners_table_each(const struct tracer *tr,
		       void (*fn)(void *ctx, uint64_t dev, uint64_t ino, const struct owner *o),
		       void *ctx);
/* owners-store.c: the table's journal on disk (tracer_identity.store) */
int owners_store_open(struct tracer *tr, struct qerr *err);
void owners_store_close(struct tracer *tr);
/* Load the journal into the table once, under a shared lock, writing nothing (owners-view.c) */
int owners_store_read(struct tracer *tr, struct qerr *err);
/* Read what other tracers of the container appended. */
void owners_store_refresh(struct tracer *tr);
void owners_store_set(struct tracer *tr, uint64_t dev, uint64_t ino, const struct owner *o);
void owners_store_forget(struct tracer *tr, uint64_t dev, uint64_t ino);
/* owners-shm.c: the table as the shim reads it (after owners_store_open); 0 or -errno */
int owners_shm_open(struct tracer *tr, bool alone);
void owners_shm_close(struct tracer *tr);
void owners_shm_set(struct tracer *tr, uint64_t dev, uint64_t ino, const struct owner *o);
void owners_shm_forget(struct tracer *tr, uint64_t dev, uint64_t ino);
/* copyup.c: a private copy before the first change to a file shared with the image */
extern const struct hook copyup_hook;
/* execve.c: programs, #! interpreters, ld.so and qemu */
extern const struct hook exec_hook;
/* sock.c: AF_UNIX names in and out */
extern const struct hook sock_hook;
/* answer.c: what qrun answers itself (getcwd, uname, readlink of /proc magic links) */
extern const struct hook answer_hook;

/* Kinds whose calls carry a socket's name a hook resolves as a path (sock.c). */
#define SOCK_PATH_KINDS (KIND_BIT(SC_SOCKADDR_IN) | KIND_BIT(SC_SENDTO) | KIND_BIT(SC_SENDMSG))

/* ---- wall.c: the Landlock domain ---------------------------------------------------------- */

/*
 * Build the ruleset for tr's binds, emulators and shim (in qrun, before the first fork).
 * *ret_fd is -1 when there is no wall (turned off, or no Landlock and not required: then a
 * warning is logged once). Returns 0 or -errno with a message.
 */
int wall_build(struct tracer *tr, int *ret_fd, struct qerr *err);
/* In the first process: no_new_privs, then enter the domain of fd (-1: nothing to do). */
int wall_enter(int fd);

/* ---- privs.c ------------------------------------------------------------------------------ */

/* In the first process, as root: no_new_privs and only docker's default capabilities. */
int privs_restrict(void);
