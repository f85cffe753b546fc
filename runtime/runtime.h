#pragma once
/*
 * runtime: the qrun command. main.c parses global options and dispatches to one
 * cmd_<verb>() per file; only main.c prints errors and chooses the exit status.
 */

#include "common/common.h"
#include "image/image.h"
#include "specs/specs.h"
#include "tracer/tracer.h"

/* docker/podman exit statuses for qrun's own failures */
enum {
	EXIT_QRUN_FAILED = 125,
	EXIT_CANNOT_RUN = 126,
	EXIT_NOT_FOUND = 127,
};

/* What every command gets: global options and the error slot main.c prints. */
struct cmd_ctx {
	const char *root; /* borrowed: --root / QRUN_ROOT, or NULL for the default */
	struct qerr err;
};

/*
 * A command returns its exit status (0-255). On a qrun failure it fills ctx->err and returns
 * a negative errno; main.c prints the message and exits 125.
 */
int cmd_version(int argc, char **argv, struct cmd_ctx *ctx);
int cmd_info(int argc, char **argv, struct cmd_ctx *ctx);
int cmd_chroot(int argc, char **argv, struct cmd_ctx *ctx);

int cmd_import(int argc, char **argv, struct cmd_ctx *ctx);
int cmd_load(int argc, char **argv, struct cmd_ctx *ctx);
int cmd_save(int argc, char **argv, struct cmd_ctx *ctx);
int cmd_images(int argc, char **argv, struct cmd_ctx *ctx);
int cmd_inspect(int argc, char **argv, struct cmd_ctx *ctx);
int cmd_tag(int argc, char **argv, struct cmd_ctx *ctx);
int cmd_rmi(int argc, char **argv, struct cmd_ctx *ctx);
int cmd_unpack(int argc, char **argv, struct cmd_ctx *ctx);
int cmd_prune(int argc, char **argv, struct cmd_ctx *ctx);
int cmd_pull(int argc, char **argv, struct cmd_ctx *ctx);
int cmd_push(int argc, char **argv, struct cmd_ctx *ctx);
int cmd_login(int argc, char **argv, struct cmd_ctx *ctx);
int cmd_logout(int argc, char **argv, struct cmd_ctx *ctx);
/* --tls-verify[=BOOL] ('T') and --cert-dir ('C') of pull and login, into o. */
int runtime_registry_option(int opt, const char *arg, struct image_pull_opts *o,
			    struct cmd_ctx *ctx);

/*
 * Write fn's output to path (a temp name renamed when complete) or, path NULL, to standard
 * output unless it is a terminal (util.c).
 */
int runtime_write_output(struct cmd_ctx *ctx, const char *verb, const char *path,
			 int (*fn)(int fd, void *data, struct qerr *err), void *data);
/* Open the store (see runtime_store_root); the error goes to ctx->err. */
int runtime_open_store(struct cmd_ctx *ctx, struct image_store **ret);

/* Progress drawn on stderr when it is a terminal and not quiet. */
struct runtime_progress {
	struct image_progress ops;
	char *label;
	double start, last;
};

/* NULL (no progress) when quiet or stderr is not a terminal. */
const struct image_progress *runtime_progress_init(struct runtime_progress *p, bool quiet);
void runtime_progress_release(struct runtime_progress *p);
/* docker's sizes: 1000-based, 3 significant digits ("12.3MB"). */
void runtime_human_size(uint64_t n, char *buf, size_t len);
/* A report callback printing each line on stdout. */
void runtime_print_line(const char *line, void *data);

/* Resolve the store directory: ctx->root, else QRUN_ROOT, else the default. */
int runtime_store_root(struct cmd_ctx *ctx, char **ret_path);

/* The error for an option getopt did not know (opterr is off: this is the only line). */
int runtime_bad_option(struct cmd_ctx *ctx, const char *verb, char **argv);

/*
 * The options of import and unpack: --platform P, -q, -h (usage printed, returns 1). Returns
 * 0, 1, or -errno with ctx->err set (the platform is released then).
 */
int runtime_platform_opts(int argc, char **argv, const char *verb, const char *usage,
			  struct spec_platform *ret_platform, bool *ret_have, bool *ret_quiet,
			  struct cmd_ctx *ctx);

/* true if argv holds -h or --help before any "--". */
bool runtime_wants_help(int argc, char **argv);

int cmd_run(int argc, char **argv, struct cmd_ctx *ctx);
int cmd_create(int argc, char **argv, struct cmd_ctx *ctx);
int cmd_start(int argc, char **argv, struct cmd_ctx *ctx);
int cmd_build(int argc, char **argv, struct cmd_ctx *ctx);
int cmd_commit(int argc, char **argv, struct cmd_ctx *ctx);
int cmd_logs(int argc, char **argv, struct cmd_ctx *ctx);
int cmd_restart(int argc, char **argv, struct cmd_ctx *ctx);
int cmd_stop(int argc, char **argv, struct cmd_ctx *ctx);
int cmd_wait(int argc, char **argv, struct cmd_ctx *ctx);
int cmd_diff(int argc, char **argv, struct cmd_ctx *ctx);
int cmd_exec(int argc, char **argv, struct cmd_ctx *ctx);
int cmd_export(int argc, char **argv, struct cmd_ctx *ctx);
int cmd_ps(int argc, char **argv, struct cmd_ctx *ctx);
int cmd_rm(int argc, char **argv, struct cmd_ctx *ctx);
int cmd_kill(int argc, char **argv, struct cmd_ctx *ctx);

/* ---- tracer runs (util.c) --------------------------------------------------------------- */

struct tracer_config;
/*
 * Run the tracer and turn the outcome into docker's exit status: the command's, 126/127 when
 * it could not be started (with one line naming the reason, e.g. the missing emulator), or a
 * negative errno with ctx->err filled when qrun itself failed.
 */
int runtime_trace(const struct tracer_config *c, struct cmd_ctx *ctx, bool *ret_written);
/*
 * The in-process shim (libqrun-preload.so) for tracer_config.preload: $QRUN_PRELOAD (a path,
 * or "off"), else next to the qrun binary, else PREFIX/lib/qrun. NULL when there is none.
 */
const char *runtime_preload(void);
/* RFC 3339 UTC of now. Heap string. */
char *runtime_now(void);
/* "3 days ago" for an RFC 3339 time ("N/A" when unreadable). Heap string. */
char *runtime_ago(const char *rfc3339);

/* ---- containers (container.c): $ROOT/containers/<id>/{config.json,state.json,rootfs} ---- */

#define ANNOT_IMAGE_REF	   "org.qrun.image.ref"
#define ANNOT_IMAGE_DIGEST "org.qrun.image.digest"
#define ANNOT_NAME	   "org.qrun.name"
/* the platform manifest of ANNOT_IMAGE_DIGEST the container was made from */
#define ANNOT_IMAGE_MANIFEST "org.qrun.image.manifest"
#define ANNOT_SNAPSHOT	     "org.qrun.snapshot"
#define ANNOT_PRIVILEGED     "org.qrun.privileged"
#define ANNOT_REQUIRE_WALL   "org.qrun.require-wall"
/* create --rm: the container is removed when its process exits (docker's AutoRemove) */
#define ANNOT_AUTOREMOVE "org.qrun.autoremove"
/* the image's StopSignal, which `qrun stop` sends first */
#define ANNOT_STOP_SIGNAL "org.qrun.stop-signal"
/* --restart's policy, which the monitor follows */
#define ANNOT_RESTART "org.qrun.restart"
/* --userns=keep-id: processes run as the user who runs qrun, nothing emulated */
#define ANNOT_KEEP_ID "org.qrun.userns-keep-id"

struct container {
	char *id;     /* 64 hex */
	char *dir;    /* ROOT/containers/ID */
	int ready_fd; /* not kept: a byte goes there once the first process runs, or -1 */
	struct spec_runtime_config config;
	struct spec_container_state state;
};

struct container *container_free(struct container *c);
/* Every container of the store root (in no particular order). */
int container_list(const char *root, struct container ***ret_v, size_t *ret_n, struct qerr *err);
void container_list_free(struct container **v, size_t n);
/* By full id, unique id prefix or name. -ENOENT "no such container". */
int container_find(const char *root, const char *name, struct container **ret, struct qerr *err);
/* Is the qrun process that runs it alive? */
bool container_running(const struct container *c);
/* The status as ps shows it ("Up 3 seconds", "Exited (0) 2 minutes ago", "Created"). */
char *container_status(const struct container *c);
int container_save_state(struct container *c, struct qerr *err);
int container_save_config(struct container *c, struct qerr *err);
/* Make a new container directory with a fresh id and a unique name (NULL: generated). */
int container_new(const char *root, const char *name, struct container **ret, struct qerr *err);
int container_remove(struct container *c, struct qerr *err);
/* Pin every container's image in the store, so that gc keeps it. */
void container_pin_images(struct image_store *s);

/* ---- run plans (plan.c): image config + flags -> a container config; config -> tracer ---- */

/* A resolved --user (user.c). */
struct runtime_user {
	uint32_t uid, gid;
	uint32_t groups[TRACER_MAX_GROUPS];
	size_t n_groups;
	char *home; /* owned: from /etc/passwd, or NULL */
};

/*
 * Resolve NAME|UID[:GROUP|GID] against rootfs's /etc/passwd and /etc/group, as docker does.
 * Returns 0 or -errno with docker's message.
 */
int runtime_user_resolve(const char *rootfs, const char *spec, struct runtime_user *ret,
			 struct qerr *err);
/* The ids of u as config.json's process.user (uid, gid, additionalGids). */
void runtime_user_to_config(const struct runtime_user *u, struct spec_runtime_config *rc);
void runtime_user_release(struct runtime_user *u);

struct run_opts {
	bool rm, interactive, tty, read_only;
	bool detach;	     /* run -d: a monitor runs the container (monitor.c) */
	const char *restart; /* --restart POLICY, or NULL */
	bool privileged;     /* as root: keep every capability; /proc/sys writable */
	bool require_wall;   /* no Landlock is an error */
	const char *name;
	const char *workdir;
	const char *entrypoint;
	const char *hostname;
	const char *platform;
	const char *user; /* -u/--user, or NULL: the image's User */
	bool keep_id;	  /* --userns=keep-id: no emulated identity */
	const char *pull; /* --pull: "missing" (NULL), "always", "never" */
	char **env;	  /* -e, in order */
	size_t n_env;
	char **env_files; /* --env-file */
	size_t n_env_files;
	char **volumes; /* -v */
	size_t n_volumes;
	char **add_hosts; /* --add-host NAME:IP */
	size_t n_add_hosts;
};

/*
 * Parse run/create options (docker's) from argv; stops at the image name (optind). Returns
 * 0, 1 when help was printed, or -errno with ctx->err set.
 */
int run_opts_parse(int argc, char **argv, struct run_opts *o, const char *verb,
		   struct cmd_ctx *ctx);
void run_opts_release(struct run_opts *o);
/* Apply --env-file files, then -e values, to env (docker's order). */
int plan_env_apply(char ***env, const struct run_opts *o, struct qerr *err);
/* Create a container from IMAGE [COMMAND...] with o: prints nothing; returns it. */
int plan_create(struct cmd_ctx *ctx, const struct run_opts *o, const char *image, char **cmd,
		int n_cmd, struct container **ret);
/* The same from an open image (image: its name in messages and annotations). */
int plan_create_from(struct cmd_ctx *ctx, struct image_store *s, const struct run_opts *o,
		     const struct image *img, const char *image, char **cmd, int n_cmd,
		     struct container **ret);
/* Open image for platform, pulling it as o->pull says (run's rules). */
int plan_open_image(struct cmd_ctx *ctx, struct image_store *s, const struct run_opts *o,
		    const char *image, const struct spec_platform *platform, struct image **ret);
/*
 * Run a process of container c: args/env/cwd from its config unless given (exec). Records
 * the state when record is true (run, start). Returns the exit status (or -errno).
 */
int plan_run(struct cmd_ctx *ctx, struct container *c, char *const *args, char *const *env,
	     const char *cwd, bool record, bool *ret_written);
/* Remove c; with clean (its rootfs never changed), keep the rootfs as a spare first. */
int plan_remove(struct cmd_ctx *ctx, struct container *c, bool clean, struct qerr *err);

/* cmd-rm.c: a signal by name (KILL, SIGKILL) or number; -EINVAL */
int runtime_parse_signal(const char *s);
/* cmd-rm.c: send sig to c's first process (KILL: and wait for its qrun to end) */
int runtime_signal_container(struct container *c, int sig, struct qerr *err);

/* ---- monitor.c: a container on its own ------------------------------------------------- */

/*
 * Run c with run(ctx, c) in a monitor that outlives this process (a new session), its output
 * into the container's log (docker's json-file lines). Returns once the first process runs.
 */
int monitor_start(struct cmd_ctx *ctx, struct container *c,
		  int (*run)(struct cmd_ctx *ctx, struct container *c));
/* The container's command, then its removal when it was made with --rm (cmd-start.c). */
int run_then_remove(struct cmd_ctx *ctx, struct container *c);

/* ---- a container's files (changes.c): what diff, export and commit read ----------------- */

/* tracer_identity.owners from a rootless unpack's meta file (none when it is missing). */
struct owner_seeds {
	struct image_owner *owners;
	size_t n;
	struct tracer_owner *v; /* n entries pointing into owners */
};
void owner_seeds_load(const char *meta, struct owner_seeds *ret);
void owner_seeds_release(struct owner_seeds *s);
/* image_tree.attr for a struct tracer_owners (data). */
void runtime_owners_attr(void *data, const struct stat *st, struct image_attr *ret);

struct container_files {
	struct image *img;		/* the container's image (its platform's manifest) */
	char *snapshot;			/* ROOT/snapshots/ID */
	char *lower_dir;		/* the snapshot's rootfs */
	char *upper_dir;		/* the container's rootfs */
	struct image_tree lower, upper; /* each with the owners its guests see */
	struct owner_seeds lower_seeds, upper_seeds;
	struct tracer_owners *lower_owners, *upper_owners;
};

/* Open c's rootfs and its image's snapshot (unpacked again when pruned). */
int container_files_open(struct image_store *s, struct container *c, struct container_files *ret,
			 struct qerr *err);
void container_files_release(struct container_files *f);
