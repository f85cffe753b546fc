/*
 * From an image and docker's flags to a container (its config.json, bubblewrap's "plan first,
 * then carry it out"), and from a container's config to a tracer run.
 */
#include "runtime/runtime.h"

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <sys/stat.h>

#include "tracer/tracer.h"

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* ---- environment ------------------------------------------------------------------------ */

static size_t strv_len(char *const *v)
{
	size_t n = 0;

	while (v && v[n])
		n++;
	return n;
}

/* Set "K=V" (replacing K), or with "K" alone copy the host's value (or drop K). */
static void env_apply(char ***env, const char *kv)
{
	const char *eq = strchr(kv, '=');
	size_t klen = eq ? (size_t)(eq - kv) : strlen(kv);
	size_t n = strv_len(*env), i;
	char *entry = NULL;

	if (eq) {
		entry = xstrdup(kv);
	} else {
		_cleanup_free_ char *k = xstrndup(kv, klen);
		const char *host = getenv(k);

		if (host)
			entry = xasprintf("%s=%s", k, host);
	}
	for (i = 0; i < n; i++)
		if (!strncmp((*env)[i], kv, klen) && (*env)[i][klen] == '=')
			break;
	if (i < n) {
		free((*env)[i]);
		if (entry) {
			(*env)[i] = entry;
		} else {
			memmove(&(*env)[i], &(*env)[i + 1], (n - i) * sizeof(char *));
		}
		return;
	}
	if (!entry)
		return;
	*env = xrealloc(*env, (n + 2) * sizeof(char *));
	(*env)[n] = entry;
	(*env)[n + 1] = NULL;
}

static bool env_has(char *const *env, const char *key)
{
	size_t k = strlen(key);

	for (size_t i = 0; env && env[i]; i++)
		if (!strncmp(env[i], key, k) && env[i][k] == '=')
			return true;
	return false;
}

/* docker's --env-file: K=V or K per line, '#' comments and blank lines ignored. */
/* docker refuses a variable name with blanks ("export D=4" is not D). */
static bool name_has_space(const char *kv)
{
	size_t k = strcspn(kv, "=");

	return strcspn(kv, " \t") < k;
}

static int env_file(char ***env, const char *path, struct qerr *err)
{
	_cleanup_free_ char *buf = NULL;
	ssize_t n = read_file_at(AT_FDCWD, path, 1u << 20, &buf);
	char *line, *save = NULL;

	if (n < 0)
		return qerr_set_errno(err, (int)n, "--env-file '%s'", path);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		size_t len = strlen(line);

		if (len && line[len - 1] == '\r')
			line[--len] = '\0';
		line += strspn(line, " \t");
		if (!*line || *line == '#')
			continue;
		if (*line == '=')
			return qerr_set(err, -EINVAL, "--env-file '%s': '%s' has no variable name",
					path, line);
		if (name_has_space(line))
			return qerr_set(err, -EINVAL,
					"--env-file '%s': variable '%.*s' contains whitespaces",
					path, (int)strcspn(line, "="), line);
		env_apply(env, line);
	}
	return 0;
}

int plan_env_apply(char ***env, const struct run_opts *o, struct qerr *err)
{
	int r;

	for (size_t i = 0; i < o->n_env_files; i++)
		if ((r = env_file(env, o->env_files[i], err)) < 0)
			return r;
	for (size_t i = 0; i < o->n_env; i++) {
		if (o->env[i][0] == '=' || !o->env[i][0])
			return qerr_set(err, -EINVAL, "-e '%s': no variable name", o->env[i]);
		if (name_has_space(o->env[i]))
			return qerr_set(err, -EINVAL,
					"-e '%s': variable '%.*s' contains whitespaces", o->env[i],
					(int)strcspn(o->env[i], "="), o->env[i]);
		env_apply(env, o->env[i]);
	}
	return 0;
}

/* ---- volumes ---------------------------------------------------------------------------- */

/* HOST:GUEST[:OPTIONS]; HOST relative to the current directory, created when missing. */
static int volume(const char *spec, struct spec_mount *m, struct qerr *err)
{
	_cleanup_free_ char *s = xstrdup(spec), *abs = NULL;
	char *guest = strchr(s, ':'), *mode, real[PATH_MAX];
	bool readonly = false;
	int r;

	if (!guest || !guest[1])
		return qerr_set(err, -EINVAL, "-v '%s': expected HOST:GUEST[:OPTIONS]", spec);
	*guest++ = '\0';
	mode = strchr(guest, ':');
	if (mode)
		*mode++ = '\0';
	/*
	 * Options, comma-separated as docker and podman take them: ro or rw; z and Z (SELinux
	 * relabelling: accepted and ignored, as podman does without SELinux); docker's
	 * consistent, cached and delegated (ignored by docker on Linux too).
	 */
	for (char *o = mode ? strtok(mode, ",") : NULL; o; o = strtok(NULL, ",")) {
		static const char *const ignored[] = { "z", "Z", "consistent", "cached",
						       "delegated" };
		bool known = !strcmp(o, "rw");

		if (!strcmp(o, "ro"))
			readonly = known = true;
		for (size_t i = 0; i < ARRAY_SIZE(ignored); i++)
			known |= !strcmp(o, ignored[i]);
		if (!known)
			return qerr_set(err, -EINVAL,
					"-v '%s': unknown option '%s' (qrun takes ro, rw, z, Z)",
					spec, o);
	}
	if (guest[0] != '/')
		return qerr_set(err, -EINVAL, "-v '%s': the container path must be absolute", spec);
	if (!*s)
		return qerr_set(err, -EINVAL, "-v '%s': empty host path", spec);
	if (s[0] != '/') {
		char cwd[PATH_MAX];

		if (!getcwd(cwd, sizeof(cwd)))
			return qerr_set_errno(err, -errno, "-v '%s'", spec);
		abs = xasprintf("%s/%s", cwd, s);
	} else {
		abs = xstrdup(s);
	}
	if (access(abs, F_OK) < 0 && (r = mkdir_p(abs, 0755)) < 0)
		return qerr_set_errno(err, r, "-v '%s': cannot create '%s'", spec, abs);
	if (!realpath(abs, real))
		return qerr_set_errno(err, -errno, "-v '%s'", spec);
	m->source = xstrdup(real);
	m->destination = xstrdup(guest);
	m->readonly = readonly;
	return 0;
}

static void add_mount(struct spec_runtime_config *rc, const char *src, const char *dst, bool ro)
{
	rc->mounts = xrealloc(rc->mounts, (rc->n_mounts + 1) * sizeof(*rc->mounts));
	rc->mounts[rc->n_mounts++] = (struct spec_mount){ .source = xstrdup(src),
							  .destination = xstrdup(dst),
							  .readonly = ro };
}

static void annotate(struct spec_runtime_config *rc, const char *k, const char *v)
{
	rc->annotations =
	    xrealloc(rc->annotations, (rc->n_annotations + 1) * sizeof(*rc->annotations));
	rc->annotations[rc->n_annotations++] = (struct spec_annotation){ xstrdup(k), xstrdup(v) };
}

/* ---- create ----------------------------------------------------------------------------- */

/* Create the missing directories of guest path dir in rootfs, never through a symlink. */
static void mkdir_beneath(const char *rootfs, const char *dir)
{
	_cleanup_free_ char *p = xstrdup(dir);
	int fd = open(rootfs, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	for (char *tok, *save = NULL, *s = p; fd >= 0 && (tok = strtok_r(s, "/", &save));
	     s = NULL) {
		int next;

		if (!strcmp(tok, ".") || !strcmp(tok, ".."))
			break; /* not ours to resolve: the tracer will say what it is */
		(void)mkdirat(fd, tok, 0755);
		next = openat(fd, tok, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		close(fd);
		fd = next;
	}
	if (fd >= 0)
		close(fd);
}

/* --user, else the image's User: the ids of the container's process (and HOME from passwd). */
static int plan_user(const struct run_opts *o, const struct image *img, const char *rootfs,
		     struct spec_runtime_config *rc, struct qerr *err)
{
	const char *spec = o->user ? o->user : img->config.user;
	struct runtime_user u;
	int r;

	if (!spec || !*spec)
		return 0;
	r = runtime_user_resolve(rootfs, spec, &u, err);
	if (r < 0)
		return r;
	runtime_user_to_config(&u, rc);
	/* docker: HOME from the user's passwd entry unless the image or -e set it */
	for (size_t i = 0; u.home && rc->env && rc->env[i]; i++) {
		if (strcmp(rc->env[i], "HOME=/root") == 0 && u.uid != 0) {
			free(rc->env[i]);
			rc->env[i] = xasprintf("HOME=%s", u.home);
		}
	}
	runtime_user_release(&u);
	return 0;
}

/* A file of the container's directory with content, bound at guest path `guest`. */
static int container_file(struct container *c, struct spec_runtime_config *rc, const char *name,
			  const char *guest, const char *content, size_t len, struct qerr *err)
{
	_cleanup_free_ char *path = xasprintf("%s/%s", c->dir, name);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0 || write_all(fd, content, len) < 0) {
		if (fd >= 0)
			close(fd);
		return qerr_set_errno(err, -errno, "cannot write '%s'", path);
	}
	close(fd);
	add_mount(rc, path, guest, false);
	return 0;
}

static int build_config(const struct run_opts *o, const struct image *img, const char *image,
			char **cmd, int n_cmd, struct container *c, struct qerr *err)
{
	struct spec_runtime_config *rc = &c->config;
	char **args = NULL, **env = NULL;
	size_t n = 0;
	int r;

	/* Entrypoint + Cmd; --entrypoint replaces both, arguments replace Cmd. */
	if (o->entrypoint && *o->entrypoint) {
		args = xcalloc(2, sizeof(char *));
		args[n++] = xstrdup(o->entrypoint);
	} else if (!o->entrypoint) {
		for (size_t i = 0; img->config.entrypoint && img->config.entrypoint[i]; i++) {
			args = xrealloc(args, (n + 2) * sizeof(char *));
			args[n++] = xstrdup(img->config.entrypoint[i]);
		}
	}
	for (int i = 0; i < n_cmd; i++) {
		args = xrealloc(args, (n + 2) * sizeof(char *));
		args[n++] = xstrdup(cmd[i]);
	}
	if (n_cmd == 0 && !o->entrypoint) {
		for (size_t i = 0; img->config.cmd && img->config.cmd[i]; i++) {
			args = xrealloc(args, (n + 2) * sizeof(char *));
			args[n++] = xstrdup(img->config.cmd[i]);
		}
	}
	if (n == 0) {
		free(args);
		return qerr_set(err, -EINVAL, "image '%s' has no Entrypoint or Cmd: give a command",
				image);
	}
	args[n] = NULL;
	rc->args = args;

	env = xcalloc(1, sizeof(char *));
	for (size_t i = 0; img->config.env && img->config.env[i]; i++)
		if (strchr(img->config.env[i], '='))
			env_apply(&env, img->config.env[i]);
	if (!env_has(env, "PATH"))
		env_apply(&env, DEFAULT_PATH);
	rc->hostname = o->hostname ? xstrdup(o->hostname) : xstrndup(c->id, 12);
	{
		_cleanup_free_ char *h = xasprintf("HOSTNAME=%s", rc->hostname);

		env_apply(&env, h);
	}
	if (!env_has(env, "HOME"))
		env_apply(&env, "HOME=/root");
	if (o->tty && !env_has(env, "TERM"))
		env_apply(&env, "TERM=xterm");
	rc->env = env;
	r = plan_env_apply(&rc->env, o, err);
	if (r < 0)
		return r;

	rc->cwd =
	    xstrdup(o->workdir						  ? o->workdir
		    : img->config.working_dir && *img->config.working_dir ? img->config.working_dir
									  : "/");
	if (rc->cwd[0] != '/')
		return qerr_set(err, -EINVAL, "workdir '%s': must be an absolute path", rc->cwd);
	rc->terminal = o->tty;
	rc->root_path = xstrdup("rootfs");
	rc->root_readonly = o->read_only;

	/*
	 * docker's defaults: its own hostname file, and copies of the host's resolv.conf and
	 * hosts, the container's to change (a bind of the host's own would let a container
	 * started by root write them).
	 */
	{
		_cleanup_free_ char *line = xasprintf("%s\n", rc->hostname);

		r = container_file(c, rc, "hostname", "/etc/hostname", line, strlen(line), err);
		if (r < 0)
			return r;
	}
	for (size_t i = 0; i < 2; i++) {
		static const char *const names[] = { "resolv.conf", "hosts" };
		_cleanup_free_ char *host = xasprintf("/etc/%s", names[i]), *buf = NULL;
		ssize_t len = read_file_at(AT_FDCWD, host, 1u << 20, &buf);

		/* --add-host NAME:IP: docker's "IP\tNAME" lines after the host's */
		for (size_t k = 0; i == 1 && len >= 0 && k < o->n_add_hosts; k++) {
			const char *sep = strchr(o->add_hosts[k], ':');
			_cleanup_free_ char *line = xasprintf(
			    "%s\t%.*s\n", sep + 1, (int)(sep - o->add_hosts[k]), o->add_hosts[k]);

			buf = xrealloc(buf, (size_t)len + strlen(line) + 1);
			memcpy(buf + len, line, strlen(line) + 1);
			len += (ssize_t)strlen(line);
		}
		if (len >= 0 &&
		    (r = container_file(c, rc, names[i], host, buf, (size_t)len, err)) < 0)
			return r;
	}
	for (size_t i = 0; i < o->n_volumes; i++) {
		struct spec_mount m = { 0 };

		r = volume(o->volumes[i], &m, err);
		if (r < 0)
			return r;
		rc->mounts = xrealloc(rc->mounts, (rc->n_mounts + 1) * sizeof(*rc->mounts));
		rc->mounts[rc->n_mounts++] = m;
	}
	annotate(rc, ANNOT_IMAGE_REF, image);
	annotate(rc, ANNOT_IMAGE_DIGEST, img->entry.digest);
	annotate(rc, ANNOT_IMAGE_MANIFEST, img->manifest_digest);
	annotate(rc, ANNOT_NAME, c->state.name);
	if (o->privileged)
		annotate(rc, ANNOT_PRIVILEGED, "true");
	if (o->require_wall)
		annotate(rc, ANNOT_REQUIRE_WALL, "true");
	if (o->keep_id)
		annotate(rc, ANNOT_KEEP_ID, "true");
	if (o->rm)
		annotate(rc, ANNOT_AUTOREMOVE, "true");
	if (o->restart && strcmp(o->restart, "no") != 0)
		annotate(rc, ANNOT_RESTART, o->restart);
	if (img->config.stop_signal && *img->config.stop_signal)
		annotate(rc, ANNOT_STOP_SIGNAL, img->config.stop_signal);
	return 0;
}

static void print_stderr(const char *line, void *data)
{
	(void)data;
	fprintf(stderr, "%s\n", line);
}

/*
 * --pull: "always" pulls first; "missing" (the default) pulls when the store has no such
 * image (docker's "Unable to find image ... locally"); "never" leaves the store alone.
 */
static int open_or_pull(struct cmd_ctx *ctx, struct image_store *s, const struct run_opts *o,
			const char *image, const struct spec_platform *platform, struct image **ret)
{
	struct image_pull_opts po = { .platform = platform };
	struct qerr perr = { 0 }, ferr = { 0 };
	bool always = o->pull && !strcmp(o->pull, "always");
	bool never = o->pull && !strcmp(o->pull, "never");
	struct image_entry e;
	int r;

	if (!always) {
		r = image_find(s, image, &e, &ferr);
		if (r >= 0)
			image_entry_release(&e);
		if (r != -ENOENT || never)
			return r < 0 ? qerr_set(&ctx->err, r, "%s", ferr.msg)
				     : image_open(s, image, platform, ret, &ctx->err);
		fprintf(stderr, "Unable to find image '%s' locally\n", image);
	}
	r = image_pull(s, image, &po, NULL, print_stderr, NULL, NULL, &perr);
	if (r < 0)
		return qerr_set(&ctx->err, r, "%s%s%s", always ? "" : ferr.msg,
				always ? "" : "; pulling it failed: ", perr.msg);
	return image_open(s, image, platform, ret, &ctx->err);
}

int plan_create_from(struct cmd_ctx *ctx, struct image_store *s, const struct run_opts *o,
		     const struct image *img, const char *image, char **cmd, int n_cmd,
		     struct container **ret)
{
	struct container *c = NULL;
	_cleanup_free_ char *rootfs = NULL, *meta = NULL, *snapshot = NULL;
	int r;

	r = container_new(image_store_root(s), o->name, &c, &ctx->err);
	if (r < 0)
		return r;
	r = build_config(o, img, image, cmd, n_cmd, c, &ctx->err);
	if (r >= 0) {
		rootfs = xasprintf("%s/rootfs", c->dir);
		meta = xasprintf("%s/meta", c->dir);
		r = image_container_rootfs(s, img, rootfs, meta, NULL, &snapshot, &ctx->err);
	}
	if (r >= 0)
		annotate(&c->config, ANNOT_SNAPSHOT, snapshot);
	if (r >= 0)
		r = plan_user(o, img, rootfs, &c->config, &ctx->err);
	if (r >= 0) {
		mkdir_beneath(rootfs, c->config.cwd);
		r = container_save_config(c, &ctx->err);
	}
	if (r >= 0)
		r = container_save_state(c, &ctx->err);
	if (r < 0) {
		(void)container_remove(c, NULL);
		c = container_free(c);
	}
	*ret = c;
	return r;
}

int plan_create(struct cmd_ctx *ctx, const struct run_opts *o, const char *image, char **cmd,
		int n_cmd, struct container **ret)
{
	struct spec_platform platform = { 0 };
	struct image_store *s = NULL;
	struct image *img = NULL;
	int r;

	if (o->platform && (r = spec_platform_parse(o->platform, &platform, &ctx->err)) < 0)
		return r; /* the message names the platform */
	r = runtime_open_store(ctx, &s);
	if (r >= 0)
		r = open_or_pull(ctx, s, o, image, o->platform ? &platform : NULL, &img);
	if (r >= 0)
		r = plan_create_from(ctx, s, o, img, image, cmd, n_cmd, ret);
	image_free(img);
	image_store_close(s);
	spec_platform_release(&platform);
	return r;
}

int plan_open_image(struct cmd_ctx *ctx, struct image_store *s, const struct run_opts *o,
		    const char *image, const struct spec_platform *platform, struct image **ret)
{
	return open_or_pull(ctx, s, o, image, platform, ret);
}

/* ---- run -------------------------------------------------------------------------------- */

static int bind_from_mount(const struct spec_mount *m, struct tracer_bind *b, struct qerr *err)
{
	char real[PATH_MAX];

	if (!realpath(m->source, real))
		return qerr_set_errno(err, -errno, "volume '%s'", m->source);
	b->host = xstrdup(real);
	b->guest = xstrdup(m->destination);
	b->readonly = m->readonly;
	return 0;
}

/* The first process runs: state.json names it, for `qrun kill`. */
static void started(void *data, pid_t pid)
{
	struct container *c = data;

	c->state.guest_pid = pid;
	(void)container_save_state(c, NULL);
	if (c->ready_fd >= 0) {
		(void)!write(c->ready_fd, "r", 1);
		close(c->ready_fd);
		c->ready_fd = -1;
	}
}

int plan_run(struct cmd_ctx *ctx, struct container *c, char *const *args, char *const *env,
	     const char *cwd, bool record, bool *ret_written)
{
	_cleanup_free_ char *rootfs = xasprintf("%s/rootfs", c->dir);
	struct tracer_bind *binds = xcalloc(c->config.n_mounts + 1, sizeof(*binds));
	struct tracer_config tc = {
		.rootfs = rootfs,
		.default_binds = true,
		.cwd = cwd ? cwd : c->config.cwd,
		.argv = args ? args : c->config.args,
		.envp = env ? env : c->config.env,
		.readonly_root = c->config.root_readonly,
		.copy_up = true,
		.hostname = c->config.hostname,
		.restrict_privileges =
		    !spec_runtime_config_annotation(&c->config, ANNOT_PRIVILEGED),
		.wall = spec_runtime_config_annotation(&c->config, ANNOT_REQUIRE_WALL)
			    ? TRACER_WALL_REQUIRED
			    : TRACER_WALL_AUTO,
		.preload = runtime_preload(),
		.identity = { .emulate =
				  !spec_runtime_config_annotation(&c->config, ANNOT_KEEP_ID) &&
				  (getuid() != 0 || c->config.uid != 0 || c->config.gid != 0 ||
				   c->config.n_gids != 0),
			      .uid = c->config.uid,
			      .gid = c->config.gid,
			      .n_groups = c->config.n_gids < TRACER_MAX_GROUPS
					      ? c->config.n_gids
					      : TRACER_MAX_GROUPS },
	};
	_cleanup_free_ char *meta = xasprintf("%s/meta", c->dir);
	_cleanup_free_ char *owners_path = xasprintf("%s/owners", c->dir);
	struct owner_seeds seeds = { 0 };
	int r = 0;

	/* what a rootless unpack could not apply: the emulated identity starts from it */
	if (tc.identity.emulate)
		owner_seeds_load(meta, &seeds);
	tc.identity.owners = seeds.v;
	tc.identity.n_owners = seeds.n;
	tc.identity.store = owners_path;
	if (tc.identity.n_groups)
		memcpy(tc.identity.groups, c->config.gids,
		       tc.identity.n_groups * sizeof(tc.identity.groups[0]));
	for (size_t i = 0; r >= 0 && i < c->config.n_mounts; i++) {
		r = bind_from_mount(&c->config.mounts[i], &binds[i], &ctx->err);
		tc.n_binds = i + (r >= 0);
	}
	tc.binds = binds;
	if (r >= 0 && record) {
		free(c->state.status);
		c->state.status = xstrdup("running");
		c->state.pid = getpid();
		free(c->state.started_at);
		c->state.started_at = runtime_now();
		c->state.guest_pid = 0;
		r = container_save_state(c, &ctx->err);
		tc.started = started;
		tc.started_data = c;
	}
	if (r >= 0) {
		r = runtime_trace(&tc, ctx, ret_written);
		if (record) {
			free(c->state.status);
			c->state.status = xstrdup("exited");
			c->state.pid = 0;
			c->state.guest_pid = 0;
			c->state.exit_code = r >= 0 ? r : EXIT_QRUN_FAILED;
			free(c->state.finished_at);
			c->state.finished_at = runtime_now();
			(void)container_save_state(c, NULL);
		}
	}
	for (size_t i = 0; i < tc.n_binds; i++)
		tracer_bind_release(&binds[i]);
	free(binds);
	owner_seeds_release(&seeds);
	return r;
}

int plan_remove(struct cmd_ctx *ctx, struct container *c, bool clean, struct qerr *err)
{
	const char *id = spec_runtime_config_annotation(&c->config, ANNOT_SNAPSHOT);
	_cleanup_free_ char *root = NULL, *rootfs = NULL;
	struct image_store *s = NULL;

	if (clean && id && runtime_store_root(ctx, &root) >= 0 &&
	    image_store_open(root, &s, NULL) >= 0) {
		rootfs = xasprintf("%s/rootfs", c->dir);
		(void)image_spare_put(s, id, rootfs, NULL);
		image_store_close(s);
	}
	return container_remove(c, err);
}
