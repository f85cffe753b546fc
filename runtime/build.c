/*
 * The Dockerfile interpreter of `qrun build`: stages in order up to the target, each
 * instruction applied to the stage's config (ENV, WORKDIR, CMD, ...) or run as a step that
 * makes a layer (RUN, COPY, ADD: build-step.c). Variables are expanded as BuildKit does:
 * ARGs before the first FROM are for FROM lines (and for a stage that declares them again),
 * a stage's ARGs and ENVs for its instructions (ENV wins), and RUN sees the ARGs in its
 * environment without them being kept in the image. Every time stored comes from the epoch,
 * so the same input gives the same digests.
 */
#include "runtime/build.h"

#include <fcntl.h>
#include <time.h>

/* ---- variables ------------------------------------------------------------------------------ */

static const char *lookup_in(char **keys, char **values, size_t n, const char *name)
{
	for (size_t i = n; i-- > 0;)
		if (!strcmp(keys[i], name))
			return values[i] ? values[i] : "";
	return NULL;
}

static const char *build_arg(const struct build_ctx *b, const char *name, bool *found)
{
	size_t len = strlen(name);

	for (size_t i = 0; i < b->o->n_build_args; i++) {
		const char *a = b->o->build_args[i];

		if (!strncmp(a, name, len) && (a[len] == '=' || !a[len])) {
			*found = true;
			return a[len] == '=' ? a + len + 1 : getenv(name);
		}
	}
	*found = false;
	return NULL;
}

/* ENV of the stage, then its ARGs; in the global scope the global ARGs. */
const char *build_lookup(void *data, const char *name)
{
	const struct build_scope *sc = data;
	const char *v;

	if (!sc->st)
		return lookup_in(sc->b->global_keys, sc->b->global_values, sc->b->n_globals, name);
	for (size_t i = 0; sc->st->cfg.env && sc->st->cfg.env[i]; i++) {
		size_t len = strlen(name);

		if (!strncmp(sc->st->cfg.env[i], name, len) && sc->st->cfg.env[i][len] == '=')
			return sc->st->cfg.env[i] + len + 1;
	}
	v = lookup_in(sc->st->arg_keys, sc->st->arg_values, sc->st->n_args, name);
	return v;
}

int build_expand(struct build_ctx *b, const struct build_stage *st, const char *word, char **ret)
{
	struct build_scope sc = { b, st };
	char **w = NULL;
	size_t n = 0;
	int r = spec_df_expand(word, b->escape, false, build_lookup, &sc, &w, &n, &b->ctx->err);

	if (r < 0)
		return r;
	*ret = xstrdup(n ? w[0] : "");
	strv_free(w);
	return 0;
}

static void add_var(char ***keys, char ***values, size_t *n, const char *k, const char *v)
{
	*keys = xrealloc(*keys, (*n + 2) * sizeof(**keys));
	*values = xrealloc(*values, (*n + 2) * sizeof(**values));
	(*keys)[*n] = xstrdup(k);
	(*values)[*n] = v ? xstrdup(v) : NULL;
	(*n)++;
	(*keys)[*n] = NULL;
	(*values)[*n] = NULL;
}

/* ARG: each NAME gets --build-arg's value, else its default, else the global ARG's. */
static int do_arg(struct build_ctx *b, struct build_stage *st, const struct spec_df_instruction *in)
{
	struct build_scope sc = { b, st };
	char **k = NULL, **v = NULL;
	size_t n = 0;
	int r = spec_df_keyvalues(in->rest, b->escape, "ARG", build_lookup, &sc, &k, &v, &n,
				  &b->ctx->err);

	for (size_t i = 0; r >= 0 && i < n; i++) {
		bool given;
		const char *val = build_arg(b, k[i], &given);

		if (!given)
			val = v[i];
		if (!given && !val && st)
			val = lookup_in(b->global_keys, b->global_values, b->n_globals, k[i]);
		if (st)
			add_var(&st->arg_keys, &st->arg_values, &st->n_args, k[i], val);
		else
			add_var(&b->global_keys, &b->global_values, &b->n_globals, k[i], val);
	}
	if (r >= 0)
		spec_df_keyvalues_free(k, v, n);
	return r;
}

/* RUN's environment: the ARGs in scope that no ENV sets. */
static char **run_env(const struct build_stage *st)
{
	char **env = xcalloc(st->n_args + 1, sizeof(*env));
	size_t n = 0;

	for (size_t i = 0; i < st->n_args; i++) {
		bool shadowed = false;
		size_t len = strlen(st->arg_keys[i]);

		if (!st->arg_values[i])
			continue;
		for (size_t k = 0; st->cfg.env && st->cfg.env[k]; k++)
			shadowed |= !strncmp(st->cfg.env[k], st->arg_keys[i], len) &&
				    st->cfg.env[k][len] == '=';
		if (!shadowed)
			env[n++] = xasprintf("%s=%s", st->arg_keys[i], st->arg_values[i]);
	}
	return env;
}

/* ---- FROM ------------------------------------------------------------------------------------ */

static struct build_stage *find_stage(struct build_ctx *b, const char *name, size_t before)
{
	char *end;
	unsigned long idx = strtoul(name, &end, 10);

	if (*name && !*end && idx < before)
		return &b->stages[idx];
	for (size_t i = 0; i < before; i++)
		if (b->stages[i].name && !strcasecmp(b->stages[i].name, name))
			return &b->stages[i];
	return NULL;
}

static void stage_release(struct build_stage *st)
{
	free(st->name);
	image_free(st->base);
	spec_image_config_release(&st->cfg);
	free(st->layers);
	spec_df_keyvalues_free(st->arg_keys, st->arg_values, st->n_args);
	*st = (struct build_stage){ 0 };
}

static int do_from(struct build_ctx *b, const struct spec_df_instruction *in)
{
	struct build_stage *st;
	_cleanup_free_ char *ref = NULL, *plat = NULL;
	const char *pf = build_flag(in, "platform");
	struct spec_platform p = { 0 };
	int r;

	if (in->n_args != 1 && !(in->n_args == 3 && !strcasecmp(in->args[1], "AS")))
		return qerr_set(&b->ctx->err, -EINVAL,
				"Dockerfile line %d: FROM takes IMAGE [AS NAME]", in->line);
	r = build_expand(b, NULL, in->args[0], &ref);
	if (r >= 0 && pf)
		r = build_expand(b, NULL, pf, &plat);
	if (r < 0)
		return r;
	b->stages = xrealloc(b->stages, (b->n_stages + 1) * sizeof(*b->stages));
	st = &b->stages[b->n_stages];
	*st = (struct build_stage){ 0 };
	if (in->n_args == 3)
		st->name = xstrdup(in->args[2]);
	if (plat && (r = spec_platform_parse(plat, &p, &b->ctx->err)) < 0)
		return qerr_wrap(&b->ctx->err, r, "Dockerfile line %d", in->line);
	if (!strcasecmp(ref, "scratch")) {
		st->cfg.architecture = xstrdup(b->platform.architecture);
		st->cfg.os = xstrdup(b->platform.os ? b->platform.os : "linux");
		if (b->platform.variant)
			st->cfg.variant = xstrdup(b->platform.variant);
		st->cfg.rootfs_type = xstrdup("layers");
	} else {
		struct build_stage *from = find_stage(b, ref, b->n_stages);
		struct run_opts ro = { .pull = b->o->pull ? "always" : NULL };

		if (from) {
			r = build_materialise(b, from);
			if (r >= 0)
				r = image_open_manifest(b->s, from->base->manifest_digest,
							&st->base, &b->ctx->err);
		} else {
			/* no --platform: the host's from an index, any single-platform image */
			r = plan_open_image(b->ctx, b->s, &ro, ref,
					    plat	     ? &p
					    : b->o->platform ? &b->platform
							     : NULL,
					    &st->base);
		}
		if (r < 0) {
			spec_platform_release(&p);
			b->n_stages++;
			return qerr_wrap(&b->ctx->err, r, "Dockerfile line %d", in->line);
		}
		spec_image_config_copy(&st->base->config, &st->cfg);
	}
	spec_platform_release(&p);
	b->n_stages++;
	free(st->cfg.created);
	st->cfg.created = xstrdup(b->created);
	return 0;
}

/* ---- steps that make layers -------------------------------------------------------------- */

static void step_key(struct build_ctx *b, const struct build_stage *st,
		     const struct spec_df_instruction *in, const char *extra, char ret[72])
{
	struct image_hash *h = image_hash_new();
	_cleanup_free_ char *plat = spec_platform_format(&b->platform);

	image_hash_update(h, "qrun-build 1\n", 13);
	image_hash_update(h, st->base->manifest_digest, strlen(st->base->manifest_digest) + 1);
	image_hash_update(h, plat, strlen(plat) + 1);
	image_hash_update(h, in->original, strlen(in->original) + 1);
	for (size_t i = 0; i < in->n_heredocs; i++)
		image_hash_update(h, in->heredocs[i].body, strlen(in->heredocs[i].body) + 1);
	for (size_t i = 0; i < st->n_args; i++) {
		_cleanup_free_ char *kv =
		    xasprintf("%s=%s", st->arg_keys[i], st->arg_values[i] ? st->arg_values[i] : "");

		image_hash_update(h, kv, strlen(kv) + 1);
	}
	if (extra)
		image_hash_update(h, extra, strlen(extra) + 1);
	image_hash_final(h, ret);
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) + (double)(t.tv_nsec - t0->tv_nsec) / 1e9;
}

/* A cached result for key: the stage continues from it. */
static bool from_cache(struct build_ctx *b, struct build_stage *st, const char *key)
{
	struct image *img = NULL;

	if (build_cache_get(b, key, &img) < 0)
		return false;
	image_free(st->base);
	st->base = img;
	spec_image_config_release(&st->cfg);
	spec_image_config_copy(&img->config, &st->cfg);
	if (!b->o->quiet)
		printf("--> CACHED %.12s\n", digest_hex_of(img->manifest_digest));
	return true;
}

static int finish_step(struct build_ctx *b, struct build_stage *st, const char *key, int r)
{
	if (r < 0)
		return r;
	r = build_materialise(b, st);
	if (r >= 0) {
		build_cache_put(b, key, st->base->manifest_digest);
		if (!b->o->quiet)
			printf("--> %.12s (%.1f s)\n", digest_hex_of(st->base->manifest_digest),
			       seconds_since(&b->step_start));
	}
	return r;
}

static int do_run(struct build_ctx *b, struct build_stage *st, const struct spec_df_instruction *in)
{
	_cleanup_free_ char *text = NULL, *created_by = NULL;
	char key[72], **argv = NULL, **env = NULL;
	int r;

	if (build_flag(in, "mount") || build_flag(in, "network") || build_flag(in, "security"))
		return qerr_set(&b->ctx->err, -ENOTSUP,
				"Dockerfile line %d: RUN --mount, --network and --security are not "
				"built yet",
				in->line);
	/* a heredoc alone is the script; with a command, the shell reads it as its input */
	if (in->n_heredocs == 1 && !in->json &&
	    (!strncmp(in->rest, "<<", 2) && !strchr(in->rest, ' ')))
		text = xstrdup(in->heredocs[0].body);
	else {
		text = xstrdup(in->rest);
		for (size_t i = 0; i < in->n_heredocs; i++) {
			char *t =
			    xasprintf("%s\n%s%s", text, in->heredocs[i].body, in->heredocs[i].name);

			free(text);
			text = t;
		}
	}
	argv = build_command(st, in, text);
	{
		_cleanup_free_ char *joined = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&joined, &len);

		if (!f)
			abort();
		fputs("RUN", f);
		for (size_t i = 0; argv[i]; i++)
			fprintf(f, " %s", argv[i]);
		fclose(f);
		created_by = TAKE_PTR(joined);
	}
	r = build_materialise(b, st);
	if (r >= 0) {
		step_key(b, st, in, NULL, key);
		if (from_cache(b, st, key)) {
			strv_free(argv);
			return 0;
		}
		env = run_env(st);
		r = build_step(b, st, created_by, argv, env, NULL, NULL);
		r = finish_step(b, st, key, r);
	}
	strv_free(argv);
	strv_free(env);
	return r;
}

static bool ignored(void *data, const char *rel, bool is_dir)
{
	return spec_ignore_match(data, rel) && !(is_dir && spec_ignore_may_match_inside(data, rel));
}

static int parse_chown(struct build_ctx *b, struct build_stage *st, const char *spec, uint32_t *uid,
		       uint32_t *gid)
{
	struct runtime_user u = { 0 };
	int r;

	r = build_materialise(b, st);
	if (r < 0)
		return r;
	{
		_cleanup_free_ char *snap = NULL, *rootfs = NULL;

		r = image_snapshot(b->s, st->base, NULL, &snap, &b->ctx->err);
		if (r < 0)
			return r;
		rootfs = xasprintf("%s/rootfs", snap);
		r = runtime_user_resolve(rootfs, spec, &u, &b->ctx->err);
	}
	if (r < 0)
		return r;
	*uid = u.uid;
	*gid = u.gid;
	runtime_user_release(&u);
	return 0;
}

/*
 * COPY <<NAME DEST: each heredoc becomes a file NAME (mode 0644, mtime the epoch) in a
 * directory under the store's tmp/, which is then the source; srcs get the names.
 */
static int heredoc_sources(struct build_ctx *b, const struct build_stage *st,
			   const struct spec_df_instruction *in, char **srcs, size_t n,
			   char **ret_dir)
{
	_cleanup_free_ char *dir = xasprintf("%s/tmp/heredoc-XXXXXX", image_store_root(b->s));
	size_t k = 0;
	int r = 0;

	if (!mkdtemp(dir))
		return qerr_set_errno(&b->ctx->err, -errno, "cannot create '%s'", dir);
	for (size_t i = 0; r >= 0 && i < n; i++) {
		const struct spec_df_heredoc *h = k < in->n_heredocs ? &in->heredocs[k] : NULL;
		_cleanup_free_ char *path = NULL, *body = NULL;
		struct timespec ts[2] = { { .tv_sec = b->o->epoch }, { .tv_sec = b->o->epoch } };
		_cleanup_close_ int fd = -1;

		if (strncmp(srcs[i], "<<", 2) != 0 || !h) {
			r = qerr_set(&b->ctx->err, -EINVAL,
				     "Dockerfile line %d: %s takes heredocs or files, not both",
				     in->line, in->keyword);
			break;
		}
		k++;
		if (h->expand) {
			/* $VAR only: quotes and the escape char of the body are its own text */
			_cleanup_free_ char *q = xmalloc(2 * strlen(h->body) + 1);
			size_t o = 0;

			for (const char *c = h->body; *c; c++) {
				if (*c == '\'' || *c == '"' || *c == b->escape)
					q[o++] = b->escape;
				q[o++] = *c;
			}
			q[o] = '\0';
			r = build_expand(b, st, q, &body);
		} else
			body = xstrdup(h->body);
		if (r < 0 || strchr(h->name, '/')) {
			r = r < 0 ? r
				  : qerr_set(&b->ctx->err, -EINVAL,
					     "Dockerfile line %d: heredoc name '%s'", in->line,
					     h->name);
			break;
		}
		path = xasprintf("%s/%s", dir, h->name);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
		if (fd < 0 || write_all(fd, body, strlen(body)) < 0 || fchmod(fd, 0644) < 0 ||
		    futimens(fd, ts) < 0)
			r = qerr_set_errno(&b->ctx->err, -errno, "cannot write '%s'", path);
		free(srcs[i]);
		srcs[i] = xstrdup(h->name);
	}
	if (r < 0) {
		(void)rm_rf_at(AT_FDCWD, dir);
		return r;
	}
	*ret_dir = TAKE_PTR(dir);
	return 0;
}

static int do_copy(struct build_ctx *b, struct build_stage *st,
		   const struct spec_df_instruction *in)
{
	const char *from = build_flag(in, "from"), *chown_ = build_flag(in, "chown"),
		   *chmod_ = build_flag(in, "chmod");
	bool add = !strcmp(in->keyword, "ADD");
	struct build_copy c = { .verb = in->keyword,
				.src = &b->context,
				.src_label = "the build context",
				.ignored = ignored,
				.ignore_data = &b->ignore };
	struct build_copy_plan plan = { 0 };
	struct image_tree stage_tree = { 0 };
	struct owner_seeds seeds = { 0 };
	struct tracer_owners *owners = NULL;
	struct image_tree heredoc_tree = { 0 };
	_cleanup_free_ char *heredoc_dir = NULL;
	_cleanup_free_ char *snap = NULL, *stage_dir = NULL, *label = NULL, *dest = NULL;
	_cleanup_free_ char *created_by = NULL;
	char **srcs = NULL, key[72];
	size_t n = 0;
	int r = 0;

	if (in->n_args < 2)
		return qerr_set(&b->ctx->err, -EINVAL,
				"Dockerfile line %d: %s needs a source and a destination", in->line,
				in->keyword);
	for (size_t i = 0; r >= 0 && i < in->n_args; i++) {
		_cleanup_free_ char *w = NULL;

		r = in->json ? (w = xstrdup(in->args[i]), 0) : build_expand(b, st, in->args[i], &w);
		if (r < 0)
			break;
		if (add && i + 1 < in->n_args &&
		    (str_has_prefix(w, "http://") || str_has_prefix(w, "https://") ||
		     str_has_prefix(w, "git@"))) {
			r = qerr_set(&b->ctx->err, -ENOTSUP,
				     "Dockerfile line %d: ADD of a URL ('%s') is refused: builds "
				     "read only their context (fetch it, then COPY it)",
				     in->line, w);
			break;
		}
		srcs = xrealloc(srcs, (n + 2) * sizeof(*srcs));
		srcs[n++] = TAKE_PTR(w);
		srcs[n] = NULL;
	}
	if (r < 0)
		goto out;
	dest = srcs[--n];
	srcs[n] = NULL;
	if (in->n_heredocs) {
		r = heredoc_sources(b, st, in, srcs, n, &heredoc_dir);
		if (r < 0)
			goto out;
		heredoc_tree = (struct image_tree){ .dir = heredoc_dir };
		c.src = &heredoc_tree;
		c.src_label = "a heredoc";
		c.ignored = NULL;
	}
	c.dest_is_dir = dest[strlen(dest) - 1] == '/' || !strcmp(dest, ".");
	if (dest[0] != '/') {
		const char *wd =
		    st->cfg.working_dir && *st->cfg.working_dir ? st->cfg.working_dir : "/";
		char *abs = xasprintf("%s%s%s", wd, wd[strlen(wd) - 1] == '/' ? "" : "/", dest);

		free(dest);
		dest = abs;
	}
	c.dest = dest;
	c.sources = srcs;
	c.n_sources = n;
	if (chown_ && (r = parse_chown(b, st, chown_, &c.uid, &c.gid)) < 0)
		goto out;
	c.chown_given = chown_ != NULL;
	c.extract = add && !from;
	if (chmod_) {
		char *end;
		unsigned long m = strtoul(chmod_, &end, 8);

		if (!*chmod_ || *end || m > 07777) {
			r = qerr_set(&b->ctx->err, -EINVAL,
				     "Dockerfile line %d: --chmod '%s': expected an octal mode",
				     in->line, chmod_);
			goto out;
		}
		c.chmod = true;
		c.mode = (uint32_t)m;
	}
	if (from) {
		struct build_stage *fs = find_stage(b, from, b->n_stages - 1);
		struct image *opened = NULL;
		struct run_opts ro = { 0 };
		struct tracer_identity id = { .emulate = geteuid() != 0 };

		if (fs)
			r = build_materialise(b, fs);
		else
			r = plan_open_image(b->ctx, b->s, &ro, from,
					    b->o->platform ? &b->platform : NULL, &opened);
		if (r >= 0)
			r = image_snapshot(b->s, fs ? fs->base : opened, NULL, &snap, &b->ctx->err);
		image_free(opened);
		if (r < 0)
			goto out;
		/* the files as that stage's guests see them (a user's unpack widened modes) */
		stage_dir = xasprintf("%s/rootfs", snap);
		if (id.emulate) {
			_cleanup_free_ char *meta = xasprintf("%s/meta", snap);

			owner_seeds_load(meta, &seeds);
		}
		id.owners = seeds.v;
		id.n_owners = seeds.n;
		r = tracer_owners_open(stage_dir, &id, &owners, &b->ctx->err);
		if (r < 0)
			goto out;
		stage_tree = (struct image_tree){ stage_dir, runtime_owners_attr, owners };
		label = xasprintf("stage '%s'", from);
		c.src = &stage_tree;
		c.src_label = label;
		c.in_root = true;
		c.ignored = NULL;
	}
	r = build_copy_plan(&c, &plan, &b->ctx->err);
	if (r < 0)
		goto out;
	created_by = xasprintf("%s %s", in->keyword, in->rest);
	r = build_materialise(b, st);
	if (r >= 0) {
		step_key(b, st, in, plan.digest, key);
		if (!from_cache(b, st, key))
			r = finish_step(b, st, key,
					build_step(b, st, created_by, NULL, NULL, &c, &plan));
	}
out:
	if (heredoc_dir)
		(void)rm_rf_at(AT_FDCWD, heredoc_dir);
	build_copy_plan_release(&plan);
	tracer_owners_free(owners);
	owner_seeds_release(&seeds);
	strv_free(srcs);
	return r;
}

/* ---- the walk -------------------------------------------------------------------------------- */

static int do_instruction(struct build_ctx *b, struct build_stage *st,
			  const struct spec_df_instruction *in)
{
	int r;

	if (!strcmp(in->keyword, "RUN"))
		return do_run(b, st, in);
	if (!strcmp(in->keyword, "COPY") || !strcmp(in->keyword, "ADD"))
		return do_copy(b, st, in);
	r = !strcmp(in->keyword, "ARG") ? do_arg(b, st, in) : build_config_instruction(b, st, in);
	if (r < 0)
		return r;
	if (strcmp(in->keyword, "ARG") != 0 && !b->no_history)
		spec_image_config_add_history(&st->cfg, b->created, in->original, NULL, true);
	return 0;
}

static char *rfc3339(int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char buf[64];

	gmtime_r(&tt, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	return xstrdup(buf);
}

/* The index of the last instruction of the target stage (all when there is no target). */
static int target_end(const struct build_ctx *b, const struct spec_dockerfile *df, size_t *ret)
{
	bool in_target = false;

	*ret = df->n_instructions;
	if (!b->o->target)
		return 0;
	for (size_t i = 0; i < df->n_instructions; i++) {
		const struct spec_df_instruction *in = &df->instructions[i];

		if (strcmp(in->keyword, "FROM") != 0)
			continue;
		if (in_target) {
			*ret = i;
			return 0;
		}
		in_target = in->n_args == 3 && !strcasecmp(in->args[2], b->o->target);
	}
	if (in_target)
		return 0;
	return qerr_set(&b->ctx->err, -ENOENT, "target stage '%s' could not be found",
			b->o->target);
}

int build_run(struct cmd_ctx *ctx, struct image_store *s, const struct build_opts *o,
	      const char *dockerfile, size_t len, char ret_manifest[72])
{
	struct build_ctx b = { .ctx = ctx, .s = s, .o = o };
	struct spec_dockerfile df = { 0 };
	_cleanup_free_ char *ign = NULL;
	size_t end = 0;
	int r;

	b.created = rfc3339(o->epoch);
	b.context = (struct image_tree){ .dir = o->context };
	r = o->platform ? spec_platform_parse(o->platform, &b.platform, &ctx->err)
			: (spec_platform_host(&b.platform), 0);
	if (r >= 0)
		r = spec_dockerfile_parse(dockerfile, len, &df, &ctx->err);
	if (r < 0)
		goto out;
	b.escape = df.escape;
	{
		_cleanup_free_ char *p1 = xasprintf("%s/.containerignore", o->context);
		_cleanup_free_ char *p2 = xasprintf("%s/.dockerignore", o->context);
		ssize_t n = read_file_at(AT_FDCWD, p1, 4u << 20, &ign);

		if (n < 0)
			n = read_file_at(AT_FDCWD, p2, 4u << 20, &ign);
		if (n >= 0 && (r = spec_ignore_parse(ign, (size_t)n, &b.ignore, &ctx->err)) < 0)
			goto out;
	}
	if (r >= 0) {
		/* BuildKit's predefined platform ARGs, in the global scope */
		struct spec_platform host = { 0 };
		const struct spec_platform *ps[2] = { &b.platform, &host };
		static const char *const pre[2] = { "TARGET", "BUILD" };

		spec_platform_host(&host);
		for (size_t i = 0; i < 2; i++) {
			_cleanup_free_ char *f = spec_platform_format(ps[i]);
			_cleanup_free_ char *kp = xasprintf("%sPLATFORM", pre[i]);
			_cleanup_free_ char *ko = xasprintf("%sOS", pre[i]);
			_cleanup_free_ char *ka = xasprintf("%sARCH", pre[i]);
			_cleanup_free_ char *kv = xasprintf("%sVARIANT", pre[i]);

			add_var(&b.global_keys, &b.global_values, &b.n_globals, kp, f);
			add_var(&b.global_keys, &b.global_values, &b.n_globals, ko,
				ps[i]->os ? ps[i]->os : "linux");
			add_var(&b.global_keys, &b.global_values, &b.n_globals, ka,
				ps[i]->architecture);
			add_var(&b.global_keys, &b.global_values, &b.n_globals, kv,
				ps[i]->variant ? ps[i]->variant : "");
		}
		spec_platform_release(&host);
		r = target_end(&b, &df, &end);
	}
	for (size_t i = 0; r >= 0 && i < end; i++)
		b.n_steps += 1;
	for (size_t i = 0; r >= 0 && i < end; i++) {
		const struct spec_df_instruction *in = &df.instructions[i];

		b.step = (int)i + 1;
		clock_gettime(CLOCK_MONOTONIC, &b.step_start);
		if (!o->quiet)
			printf("STEP %d/%d: %s\n", b.step, b.n_steps, in->original);
		fflush(stdout);
		if (!strcmp(in->keyword, "FROM"))
			r = do_from(&b, in);
		else if (!b.n_stages && !strcmp(in->keyword, "ARG"))
			r = do_arg(&b, NULL, in);
		else if (!b.n_stages)
			r = qerr_set(&ctx->err, -EINVAL,
				     "Dockerfile line %d: %s before the first FROM", in->line,
				     in->keyword);
		else
			r = do_instruction(&b, &b.stages[b.n_stages - 1], in);
	}
	if (r >= 0 && !b.n_stages)
		r = qerr_set(&ctx->err, -EINVAL, "the Dockerfile has no FROM");
	if (r >= 0)
		r = build_materialise(&b, &b.stages[b.n_stages - 1]);
	if (r >= 0)
		memcpy(ret_manifest, b.stages[b.n_stages - 1].base->manifest_digest, 72);
out:
	for (size_t i = 0; i < b.n_stages; i++)
		stage_release(&b.stages[i]);
	free(b.stages);
	spec_df_keyvalues_free(b.global_keys, b.global_values, b.n_globals);
	spec_ignore_release(&b.ignore);
	spec_dockerfile_release(&df);
	spec_platform_release(&b.platform);
	free(b.created);
	return r;
}

int build_apply_change(struct spec_image_config *cfg, const char *instruction, int64_t epoch,
		       struct qerr *err)
{
	static const char *const allowed[] = { "CMD",	  "ENTRYPOINT", "ENV",	 "EXPOSE",
					       "LABEL",	  "ONBUILD",	"USER",	 "VOLUME",
					       "WORKDIR", "STOPSIGNAL", "SHELL", "HEALTHCHECK" };
	struct cmd_ctx ctx = { 0 };
	struct build_opts o = { .epoch = epoch };
	struct build_ctx b = { .ctx = &ctx, .o = &o, .escape = '\\', .no_history = true };
	struct build_stage st = { 0 };
	struct spec_dockerfile df = { 0 };
	bool ok = false;
	int r = spec_dockerfile_parse(instruction, strlen(instruction), &df, err);

	if (r < 0)
		return r;
	if (df.n_instructions != 1) {
		spec_dockerfile_release(&df);
		return qerr_set(err, -EINVAL, "--change '%s': expected one instruction",
				instruction);
	}
	for (size_t i = 0; i < ARRAY_SIZE(allowed); i++)
		ok |= !strcmp(df.instructions[0].keyword, allowed[i]);
	if (!ok) {
		r = qerr_set(err, -EINVAL, "--change '%s': %s is not a change of the image config",
			     instruction, df.instructions[0].keyword);
		spec_dockerfile_release(&df);
		return r;
	}
	b.created = rfc3339(epoch);
	st.cfg = *cfg;
	r = do_instruction(&b, &st, &df.instructions[0]);
	*cfg = st.cfg;
	st.cfg = (struct spec_image_config){ 0 };
	if (r < 0)
		qerr_set(err, r, "--change '%s': %s", instruction, ctx.err.msg);
	stage_release(&st);
	free(b.created);
	spec_dockerfile_release(&df);
	return r;
}
