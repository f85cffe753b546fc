#include "specs/specs-internal.h"

/*
 * A container's documents: the OCI runtime-spec config.json (only what qrun sets: process,
 * root, hostname, bind mounts, annotations) and qrun's own state.json.
 */

static int read_bool(struct jctx *c, const struct jnode *obj, const char *key, bool *ret)
{
	const struct jnode *n = jnode_member(obj, key);
	size_t saved;
	int r;

	if (jnode_type(n) == JT_ABSENT || jnode_type(n) == JT_NULL)
		return 0;
	if (jnode_type(n) == JT_BOOL) {
		*ret = jnode_bool(n);
		return 0;
	}
	saved = jctx_push_key(c, key);
	r = jctx_fail(c, "expected true or false");
	jctx_pop(c, saved);
	return r;
}

static int read_mounts(struct jctx *c, const struct jnode *root, struct spec_runtime_config *rc)
{
	const struct jnode *arr;
	int r = jread_array(c, root, "mounts", false, &arr);

	if (r < 0 || !arr)
		return r;
	rc->mounts = xcalloc(jnode_len(arr) + 1, sizeof(*rc->mounts));
	for (size_t i = 0; r >= 0 && i < jnode_len(arr); i++) {
		const struct jnode *m = jnode_item(arr, i), *opts;
		struct spec_mount *sm = &rc->mounts[i];
		size_t saved = jctx_push_key(c, "mounts");
		size_t saved_i = jctx_push_index(c, i);

		rc->n_mounts = i + 1;
		if ((r = jread_string(c, m, "destination", true, &sm->destination)) >= 0 &&
		    (r = jread_string(c, m, "source", true, &sm->source)) >= 0 &&
		    (r = jread_array(c, m, "options", false, &opts)) >= 0) {
			for (size_t k = 0; k < jnode_len(opts); k++) {
				const char *o = jnode_string(jnode_item(opts, k));

				if (o && !strcmp(o, "ro"))
					sm->readonly = true;
			}
		}
		jctx_pop(c, saved_i);
		jctx_pop(c, saved);
	}
	return r;
}

static int read_annotations(struct jctx *c, const struct jnode *root,
			    struct spec_runtime_config *rc)
{
	const struct jnode *obj;
	int r = jread_object(c, root, "annotations", false, &obj);

	if (r < 0 || !obj)
		return r;
	rc->annotations = xcalloc(jnode_len(obj) + 1, sizeof(*rc->annotations));
	for (size_t i = 0; i < jnode_len(obj); i++) {
		const char *v = jnode_string(jnode_value(obj, i));

		if (!v) {
			size_t saved = jctx_push_key(c, "annotations");

			r = jctx_fail(c, "'%s' is not a string", jnode_key(obj, i));
			jctx_pop(c, saved);
			return r;
		}
		rc->annotations[rc->n_annotations].key = xstrdup(jnode_key(obj, i));
		rc->annotations[rc->n_annotations++].value = xstrdup(v);
	}
	return 0;
}

/* process.user: uid, gid and additionalGids (all optional here: 0 and none) */
static int read_user(struct jctx *c, const struct jnode *proc, struct spec_runtime_config *rc)
{
	const struct jnode *user, *gids = NULL;
	size_t saved;
	int64_t v;
	int r = jread_object(c, proc, "user", false, &user);

	if (r < 0 || !user)
		return r;
	saved = jctx_push_key(c, "user");
	if (jnode_member(user, "uid") &&
	    (r = jread_int(c, user, "uid", 0, UINT32_MAX - 1, &v)) >= 0)
		rc->uid = (uint32_t)v;
	if (r >= 0 && jnode_member(user, "gid") &&
	    (r = jread_int(c, user, "gid", 0, UINT32_MAX - 1, &v)) >= 0)
		rc->gid = (uint32_t)v;
	if (r >= 0)
		r = jread_array(c, user, "additionalGids", false, &gids);
	if (r >= 0 && gids) {
		rc->gids = xcalloc(jnode_len(gids) + 1, sizeof(*rc->gids));
		for (size_t i = 0; r >= 0 && i < jnode_len(gids); i++) {
			if (!jnode_int64(jnode_item(gids, i), &v) || v < 0 || v >= UINT32_MAX)
				r = jctx_fail(c, "'additionalGids' holds a bad group id");
			else
				rc->gids[rc->n_gids++] = (uint32_t)v;
		}
	}
	jctx_pop(c, saved);
	return r;
}

int spec_runtime_config_parse(const char *buf, size_t len, struct spec_runtime_config *ret,
			      struct qerr *err)
{
	_cleanup_jdoc_ struct jdoc *doc = NULL;
	struct spec_runtime_config rc = { 0 };
	const struct jnode *root, *proc, *rootfs;
	struct jctx c;
	size_t saved;
	int r;

	jctx_init(&c, "config.json", err);
	r = jdoc_parse("config.json", buf, len, &doc, err);
	if (r < 0)
		return r;
	root = jdoc_root(doc);
	if (jnode_type(root) != JT_OBJECT)
		return jctx_fail(&c, "expected a JSON object");
	r = jread_object(&c, root, "process", true, &proc);
	if (r >= 0) {
		saved = jctx_push_key(&c, "process");
		if ((r = jread_strv(&c, proc, "args", true, &rc.args, NULL)) >= 0 &&
		    (r = jread_strv(&c, proc, "env", false, &rc.env, NULL)) >= 0 &&
		    (r = jread_string(&c, proc, "cwd", true, &rc.cwd)) >= 0 &&
		    (r = read_bool(&c, proc, "terminal", &rc.terminal)) >= 0)
			r = read_user(&c, proc, &rc);
		jctx_pop(&c, saved);
	}
	if (r >= 0 && (r = jread_object(&c, root, "root", true, &rootfs)) >= 0) {
		saved = jctx_push_key(&c, "root");
		if ((r = jread_string(&c, rootfs, "path", true, &rc.root_path)) >= 0)
			r = read_bool(&c, rootfs, "readonly", &rc.root_readonly);
		jctx_pop(&c, saved);
	}
	if (r >= 0 && rc.args && !rc.args[0])
		r = jctx_fail(&c, "'process.args' is empty");
	if (r >= 0)
		r = jread_string(&c, root, "hostname", false, &rc.hostname);
	if (r >= 0)
		r = read_mounts(&c, root, &rc);
	if (r >= 0)
		r = read_annotations(&c, root, &rc);
	if (r < 0) {
		spec_runtime_config_release(&rc);
		return r;
	}
	*ret = rc;
	return 0;
}

static void write_strv(struct spec_json *j, const char *key, char *const *v)
{
	spec_json_key(j, key);
	spec_json_array_begin(j);
	for (size_t i = 0; v && v[i]; i++)
		spec_json_string(j, v[i]);
	spec_json_array_end(j);
}

char *spec_runtime_config_write(const struct spec_runtime_config *c, size_t *ret_len)
{
	struct spec_json *j = spec_json_new(true);

	spec_json_object_begin(j);
	spec_json_key(j, "ociVersion");
	spec_json_string(j, "1.0.2");
	spec_json_key(j, "process");
	spec_json_object_begin(j);
	spec_json_key(j, "terminal");
	spec_json_bool(j, c->terminal);
	spec_json_key(j, "user");
	spec_json_object_begin(j);
	spec_json_key(j, "uid");
	spec_json_int(j, c->uid);
	spec_json_key(j, "gid");
	spec_json_int(j, c->gid);
	if (c->n_gids) {
		spec_json_key(j, "additionalGids");
		spec_json_array_begin(j);
		for (size_t i = 0; i < c->n_gids; i++)
			spec_json_int(j, c->gids[i]);
		spec_json_array_end(j);
	}
	spec_json_object_end(j);
	write_strv(j, "args", c->args);
	write_strv(j, "env", c->env);
	spec_json_key(j, "cwd");
	spec_json_string(j, c->cwd);
	spec_json_object_end(j);
	spec_json_key(j, "root");
	spec_json_object_begin(j);
	spec_json_key(j, "path");
	spec_json_string(j, c->root_path);
	spec_json_key(j, "readonly");
	spec_json_bool(j, c->root_readonly);
	spec_json_object_end(j);
	if (c->hostname) {
		spec_json_key(j, "hostname");
		spec_json_string(j, c->hostname);
	}
	spec_json_key(j, "mounts");
	spec_json_array_begin(j);
	for (size_t i = 0; i < c->n_mounts; i++) {
		spec_json_object_begin(j);
		spec_json_key(j, "destination");
		spec_json_string(j, c->mounts[i].destination);
		spec_json_key(j, "type");
		spec_json_string(j, "bind");
		spec_json_key(j, "source");
		spec_json_string(j, c->mounts[i].source);
		spec_json_key(j, "options");
		spec_json_array_begin(j);
		spec_json_string(j, "rbind");
		spec_json_string(j, c->mounts[i].readonly ? "ro" : "rw");
		spec_json_array_end(j);
		spec_json_object_end(j);
	}
	spec_json_array_end(j);
	spec_json_key(j, "annotations");
	spec_json_object_begin(j);
	for (size_t i = 0; i < c->n_annotations; i++) {
		spec_json_key(j, c->annotations[i].key);
		spec_json_string(j, c->annotations[i].value);
	}
	spec_json_object_end(j);
	spec_json_object_end(j);
	return spec_json_finish(j, ret_len);
}

const char *spec_runtime_config_annotation(const struct spec_runtime_config *c, const char *key)
{
	for (size_t i = 0; i < c->n_annotations; i++)
		if (!strcmp(c->annotations[i].key, key))
			return c->annotations[i].value;
	return NULL;
}

void spec_runtime_config_release(struct spec_runtime_config *c)
{
	free(c->gids);
	strv_free(c->args);
	strv_free(c->env);
	free(c->cwd);
	free(c->root_path);
	free(c->hostname);
	for (size_t i = 0; i < c->n_mounts; i++) {
		free(c->mounts[i].destination);
		free(c->mounts[i].source);
	}
	free(c->mounts);
	for (size_t i = 0; i < c->n_annotations; i++) {
		free(c->annotations[i].key);
		free(c->annotations[i].value);
	}
	free(c->annotations);
	*c = (struct spec_runtime_config){ 0 };
}

/* ---- state.json ---------------------------------------------------------------------------- */

int spec_container_state_parse(const char *buf, size_t len, struct spec_container_state *ret,
			       struct qerr *err)
{
	_cleanup_jdoc_ struct jdoc *doc = NULL;
	struct spec_container_state s = { 0 };
	const struct jnode *root;
	struct jctx c;
	int r;

	jctx_init(&c, "state.json", err);
	r = jdoc_parse("state.json", buf, len, &doc, err);
	if (r < 0)
		return r;
	root = jdoc_root(doc);
	if (jnode_type(root) != JT_OBJECT)
		return jctx_fail(&c, "expected a JSON object");
	if ((r = jread_string(&c, root, "id", true, &s.id)) < 0 ||
	    (r = jread_string(&c, root, "name", true, &s.name)) < 0 ||
	    (r = jread_string(&c, root, "status", true, &s.status)) < 0 ||
	    (r = jread_int(&c, root, "pid", 0, INT32_MAX, &s.pid)) < 0 ||
	    (r = (jnode_member(root, "guestPid")
		      ? jread_int(&c, root, "guestPid", 0, INT32_MAX, &s.guest_pid)
		      : 0)) < 0 ||
	    (r = jread_int(&c, root, "exitCode", -1, 255, &s.exit_code)) < 0 ||
	    (r = jread_string(&c, root, "created", false, &s.created)) < 0 ||
	    (r = jread_string(&c, root, "startedAt", false, &s.started_at)) < 0 ||
	    (r = jread_string(&c, root, "finishedAt", false, &s.finished_at)) < 0) {
		spec_container_state_release(&s);
		return r;
	}
	*ret = s;
	return 0;
}

char *spec_container_state_write(const struct spec_container_state *s, size_t *ret_len)
{
	struct spec_json *j = spec_json_new(true);

	spec_json_object_begin(j);
	spec_json_key(j, "id");
	spec_json_string(j, s->id);
	spec_json_key(j, "name");
	spec_json_string(j, s->name);
	spec_json_key(j, "status");
	spec_json_string(j, s->status);
	spec_json_key(j, "pid");
	spec_json_int(j, s->pid);
	if (s->guest_pid) {
		spec_json_key(j, "guestPid");
		spec_json_int(j, s->guest_pid);
	}
	spec_json_key(j, "exitCode");
	spec_json_int(j, s->exit_code);
	spec_json_key(j, "created");
	spec_json_string(j, s->created);
	spec_json_key(j, "startedAt");
	spec_json_string(j, s->started_at);
	spec_json_key(j, "finishedAt");
	spec_json_string(j, s->finished_at);
	spec_json_object_end(j);
	return spec_json_finish(j, ret_len);
}

void spec_container_state_release(struct spec_container_state *s)
{
	free(s->id);
	free(s->name);
	free(s->status);
	free(s->created);
	free(s->started_at);
	free(s->finished_at);
	*s = (struct spec_container_state){ 0 };
}
