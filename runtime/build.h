#pragma once
/* qrun build (cmd-build.c, build.c, build-step.c, build-copy.c): shared between its files. */

#include "runtime/runtime.h"

/* Owners and modes of files a step wrote itself (COPY), by inode: they win over the view. */
struct build_attr {
	dev_t dev;
	ino_t ino;
	struct image_attr a;
};

struct build_attrs {
	struct build_attr *v;
	size_t n, cap;
};

void build_attrs_add(struct build_attrs *a, const struct stat *st, const struct image_attr *at);
bool build_attrs_get(const struct build_attrs *a, const struct stat *st, struct image_attr *ret);
void build_attrs_release(struct build_attrs *a);

/* One COPY or ADD. */
struct build_copy {
	const char *verb;	      /* "COPY" or "ADD", for messages */
	const struct image_tree *src; /* the context (attr NULL) or a stage's rootfs */
	const char *src_label;	      /* "the build context", "stage 'x'" */
	bool in_root;		      /* src's symlinks are rooted at src (a stage) */
	/*
	 * .dockerignore, or NULL: is rel left out? A directory is walked when an exception
	 * could bring back something below it (its files are then asked one by one).
	 */
	bool (*ignored)(void *data, const char *rel, bool is_dir);
	void *ignore_data;
	char *const *sources; /* as written, after expansion */
	size_t n_sources;
	const char *dest;  /* absolute guest path (WORKDIR applied) */
	bool dest_is_dir;  /* ends in "/" (or several sources) */
	uint32_t uid, gid; /* --chown, else 0:0 */
	bool chown_given;
	bool chmod; /* --chmod given: mode for every file and directory */
	uint32_t mode;
	bool extract; /* ADD: local tar archives are unpacked */
};

/* The sources of a COPY resolved (globs) and hashed: the cache key's content part. */
struct build_copy_plan {
	char **sources; /* relative to the source root */
	size_t n_sources;
	char digest[72];
};

int build_copy_plan(const struct build_copy *c, struct build_copy_plan *ret, struct qerr *err);
void build_copy_plan_release(struct build_copy_plan *p);
/* Copy plan p's sources into rootfs, recording owners and modes of what was written. */
int build_copy_apply(const struct build_copy *c, const struct build_copy_plan *p,
		     const char *rootfs, struct build_attrs *attrs, struct qerr *err);

/* ---- the build (build.c, build-step.c) ----------------------------------------------------- */

struct build_opts {
	const char *context; /* directory */
	const char *file;    /* the Dockerfile (NULL: CONTEXT/Containerfile, then Dockerfile) */
	char **build_args;   /* K=V or K (from the environment) */
	size_t n_build_args;
	const char *target;   /* stage name, or NULL: the last */
	const char *platform; /* one platform, or NULL: the host's */
	bool no_cache, pull, quiet;
	int64_t epoch; /* SOURCE_DATE_EPOCH: mtimes clamped, created times */
};

/* A stage as it is built: the image so far and what is not stored yet. */
struct build_stage {
	char *name;			 /* AS name (lower-cased), or NULL */
	struct image *base;		 /* stored: the last materialised image, NULL for scratch */
	struct spec_image_config cfg;	 /* the config so far (diff_ids of layers included) */
	struct image_layer_desc *layers; /* layers since base */
	size_t n_layers;
	char **arg_keys, **arg_values; /* ARGs in scope; values may be NULL */
	size_t n_args;
};

struct build_ctx {
	struct cmd_ctx *ctx;
	struct image_store *s;
	const struct build_opts *o;
	struct spec_platform platform; /* the target platform */
	char *created;		       /* RFC 3339 of o->epoch */
	struct spec_ignore ignore;
	struct image_tree context;
	char escape;
	int step, n_steps;
	struct timespec step_start; /* for the step's time in the progress lines */
	struct build_stage *stages; /* done and current */
	size_t n_stages;
	char **global_keys, **global_values; /* ARGs before the first FROM */
	size_t n_globals;
	bool no_history; /* commit --change: no history entry per instruction */
};

/* Store the stage's config and layers as an image (not listed) and make it the base. */
int build_materialise(struct build_ctx *b, struct build_stage *st);
/*
 * Run argv (RUN) or copy c (COPY, ADD) in a container of the stage and add what changed as a
 * layer (no change: an empty_layer history entry). key: the cache key, or NULL.
 */
int build_step(struct build_ctx *b, struct build_stage *st, const char *created_by, char **argv,
	       char **env, const struct build_copy *c, const struct build_copy_plan *plan);
/* The cache: the image a step made from the same parent and input, by key. */
int build_cache_get(struct build_ctx *b, const char *key, struct image **ret);
void build_cache_put(struct build_ctx *b, const char *key, const char *manifest_digest);
/* Build o's Dockerfile; ret_manifest gets the final image's manifest digest (stored). */
int build_run(struct cmd_ctx *ctx, struct image_store *s, const struct build_opts *o,
	      const char *dockerfile, size_t len, char ret_manifest[72]);
/* commit --change: one Dockerfile instruction (CMD, ENV, ...) applied to cfg. */
int build_apply_change(struct spec_image_config *cfg, const char *instruction, int64_t epoch,
		       struct qerr *err);

/* build.c: variables for spec_df_expand (data: a struct build_scope) */
struct build_scope {
	const struct build_ctx *b;
	const struct build_stage *st; /* NULL: the global scope (FROM lines) */
};
const char *build_lookup(void *data, const char *name);
/* build.c: a word expanded with the stage's variables (NULL stage: the global ARGs) */
int build_expand(struct build_ctx *b, const struct build_stage *st, const char *word, char **ret);
/* build-config.c */
const char *build_flag(const struct spec_df_instruction *in, const char *name);
/* CMD, ENTRYPOINT, RUN: the exec form as is, the shell form through the stage's SHELL. */
char **build_command(const struct build_stage *st, const struct spec_df_instruction *in,
		     const char *text);
/* An instruction that changes only the config (not RUN, COPY, ADD, ARG, FROM). */
int build_config_instruction(struct build_ctx *b, struct build_stage *st,
			     const struct spec_df_instruction *in);
