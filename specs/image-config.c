#include "specs/specs-internal.h"

#include <assert.h>
#include <strings.h>

/*
 * OCI image configuration (image-spec config.md), as docker, buildkit and buildah write it.
 * Read, changed by a build (the set_/add_ helpers) and written back with a fixed key order, so
 * that a build's config digest depends only on its content. `inspect` still copies the
 * "config" object verbatim from the blob with spec_json_copy_member.
 */

#define DOCKER_DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* ---- reading ------------------------------------------------------------------------------ */

/* Fail at path key.sub (sub may be NULL) below the current one. */
static int fail_at(struct jctx *c, const char *key, const char *sub, const char *msg)
{
	size_t saved = jctx_push_key(c, key);
	int r;

	if (sub)
		(void)jctx_push_key(c, sub);
	r = jctx_fail(c, "%s", msg);
	jctx_pop(c, saved);
	return r;
}

/* Labels: an object of strings, kept in document order. */
static int read_labels(struct jctx *c, const struct jnode *cfg, struct spec_image_config *ic)
{
	const struct jnode *obj;
	size_t i, n;
	int r;

	r = jread_object(c, cfg, "Labels", false, &obj);
	if (r < 0 || !obj || !(n = jnode_len(obj)))
		return r;
	ic->labels = xcalloc(n, sizeof(*ic->labels));
	for (i = 0; i < n; i++) {
		if (jnode_type(jnode_value(obj, i)) != JT_STRING)
			return fail_at(c, "Labels", jnode_key(obj, i), "expected a string");
		ic->labels[i].key = xstrdup(jnode_key(obj, i));
		ic->labels[i].value = xstrdup(jnode_string(jnode_value(obj, i)));
		ic->n_labels = i + 1;
	}
	return 0;
}

/*
 * ExposedPorts, Volumes: Go's map[string]struct{}, an object whose keys are the members and
 * whose values are {} (null also decodes into struct{} in Go, so it is let through).
 */
static int read_set(struct jctx *c, const struct jnode *cfg, const char *key, char ***ret_v,
		    size_t *ret_n)
{
	const struct jnode *obj;
	enum jtype t;
	size_t i, n;
	int r;

	r = jread_object(c, cfg, key, false, &obj);
	if (r < 0 || !obj || !(n = jnode_len(obj)))
		return r;
	for (i = 0; i < n; i++) {
		t = jnode_type(jnode_value(obj, i));
		if (t != JT_OBJECT && t != JT_NULL)
			return fail_at(c, key, jnode_key(obj, i), "expected an object");
	}
	*ret_v = xcalloc(n, sizeof(**ret_v));
	for (i = 0; i < n; i++)
		(*ret_v)[i] = xstrdup(jnode_key(obj, i));
	*ret_n = n;
	return 0;
}

/* config: the defaults for a container. Every member is optional and may be null. */
static int read_run_config(struct jctx *c, const struct jnode *root, struct spec_image_config *ic)
{
	const struct jnode *cfg, *hc;
	size_t saved;
	int r;

	r = jread_object(c, root, "config", false, &cfg);
	if (r < 0 || !cfg)
		return r;
	saved = jctx_push_key(c, "config");
	if ((r = jread_string(c, cfg, "User", false, &ic->user)) >= 0 &&
	    (r = jread_strv(c, cfg, "Env", false, &ic->env, NULL)) >= 0 &&
	    (r = jread_strv(c, cfg, "Entrypoint", false, &ic->entrypoint, NULL)) >= 0 &&
	    (r = jread_strv(c, cfg, "Cmd", false, &ic->cmd, NULL)) >= 0 &&
	    (r = jread_string(c, cfg, "WorkingDir", false, &ic->working_dir)) >= 0 &&
	    (r = read_labels(c, cfg, ic)) >= 0 &&
	    (r = read_set(c, cfg, "ExposedPorts", &ic->exposed_ports, &ic->n_exposed_ports)) >= 0 &&
	    (r = read_set(c, cfg, "Volumes", &ic->volumes, &ic->n_volumes)) >= 0 &&
	    (r = jread_string(c, cfg, "StopSignal", false, &ic->stop_signal)) >= 0 &&
	    (r = jread_strv(c, cfg, "Shell", false, &ic->shell, NULL)) >= 0 &&
	    (r = jread_strv(c, cfg, "OnBuild", false, &ic->on_build, NULL)) >= 0 &&
	    (r = jread_bool(c, cfg, "ArgsEscaped", &ic->args_escaped)) >= 0) {
		ic->has_args_escaped = r > 0;
		/*
		 * Healthcheck {Test, Interval, Timeout, StartPeriod, StartInterval, Retries} is
		 * only carried, never acted on: kept as text so that members docker adds later
		 * survive a rebuild.
		 */
		r = jread_object(c, cfg, "Healthcheck", false, &hc);
		if (r >= 0 && hc)
			ic->healthcheck = jnode_to_json(hc, NULL);
	}
	jctx_pop(c, saved);
	return r;
}

/* history: an array of {created, created_by, author, comment, empty_layer}, all optional. */
static int read_history(struct jctx *c, const struct jnode *root, struct spec_image_config *ic)
{
	const struct jnode *arr, *e;
	struct spec_history *h;
	size_t i, n, saved;
	int r;

	r = jread_array(c, root, "history", false, &arr);
	if (r < 0 || !arr || !(n = jnode_len(arr)))
		return r;
	ic->history = xcalloc(n, sizeof(*ic->history));
	for (i = 0; r >= 0 && i < n; i++) {
		e = jnode_item(arr, i);
		h = &ic->history[i];
		ic->n_history = i + 1;
		saved = jctx_push_key(c, "history");
		(void)jctx_push_index(c, i);
		if (jnode_type(e) != JT_OBJECT)
			r = jctx_fail(c, "expected an object");
		else if ((r = jread_string(c, e, "author", false, &h->author)) >= 0 &&
			 (r = jread_string(c, e, "comment", false, &h->comment)) >= 0 &&
			 (r = jread_string(c, e, "created", false, &h->created)) >= 0 &&
			 (r = jread_string(c, e, "created_by", false, &h->created_by)) >= 0)
			r = jread_bool(c, e, "empty_layer", &h->empty_layer);
		jctx_pop(c, saved);
	}
	return r < 0 ? r : 0;
}

/* rootfs: {"type": "layers", "diff_ids": [sha256 digests]}, both required. */
static int read_rootfs(struct jctx *c, const struct jnode *root, struct spec_image_config *ic)
{
	const struct jnode *rootfs;
	size_t i, saved, saved_d;
	int r;

	r = jread_object(c, root, "rootfs", true, &rootfs);
	if (r < 0)
		return r;
	saved = jctx_push_key(c, "rootfs");
	r = jread_string(c, rootfs, "type", true, &ic->rootfs_type);
	if (r >= 0 && strcmp(ic->rootfs_type, "layers")) {
		saved_d = jctx_push_key(c, "type");
		r = jctx_fail(c, "expected \"layers\", not '%s'", ic->rootfs_type);
		jctx_pop(c, saved_d);
	}
	if (r >= 0)
		r = jread_strv(c, rootfs, "diff_ids", true, &ic->diff_ids, &ic->n_diff_ids);
	for (i = 0; r >= 0 && i < ic->n_diff_ids; i++) {
		if (spec_digest_valid(ic->diff_ids[i]))
			continue;
		saved_d = jctx_push_key(c, "diff_ids");
		(void)jctx_push_index(c, i);
		r = jctx_fail(c, "not a sha256 digest");
		jctx_pop(c, saved_d);
	}
	jctx_pop(c, saved);
	return r;
}

int spec_image_config_parse(const char *buf, size_t len, struct spec_image_config *ret,
			    struct qerr *err)
{
	_cleanup_jdoc_ struct jdoc *doc = NULL;
	struct spec_image_config ic = { 0 };
	const struct jnode *root;
	struct jctx c;
	int r;

	jctx_init(&c, "image config", err);
	r = jdoc_parse("image config", buf, len, &doc, err);
	if (r < 0)
		return r;
	root = jdoc_root(doc);
	if (jnode_type(root) != JT_OBJECT)
		return jctx_fail(&c, "expected a JSON object");
	if ((r = jread_string(&c, root, "architecture", true, &ic.architecture)) < 0 ||
	    (r = jread_string(&c, root, "os", true, &ic.os)) < 0 ||
	    (r = jread_string(&c, root, "variant", false, &ic.variant)) < 0 ||
	    (r = jread_string(&c, root, "created", false, &ic.created)) < 0 ||
	    (r = jread_string(&c, root, "author", false, &ic.author)) < 0 ||
	    (r = read_run_config(&c, root, &ic)) < 0 || (r = read_rootfs(&c, root, &ic)) < 0 ||
	    (r = read_history(&c, root, &ic)) < 0) {
		spec_image_config_release(&ic);
		return r;
	}
	*ret = ic;
	return 0;
}

/* ---- writing ------------------------------------------------------------------------------ */

static void emit_string(struct spec_json *j, const char *key, const char *s)
{
	if (!s)
		return;
	spec_json_key(j, key);
	spec_json_string(j, s);
}

static void emit_strv(struct spec_json *j, const char *key, char *const *v)
{
	if (!v)
		return;
	spec_json_key(j, key);
	spec_json_array_begin(j);
	for (; *v; v++)
		spec_json_string(j, *v);
	spec_json_array_end(j);
}

/*
 * Sets and labels come out sorted bytewise (strcmp compares as unsigned char). Ties (only in a
 * struct filled by hand) are broken by position and all but the first dropped, so the output
 * never holds a duplicate key and does not depend on qsort's order.
 */
static int cmp_set_item(const void *a, const void *b)
{
	char *const *x = *(char *const *const *)a, *const *y = *(char *const *const *)b;
	int r = strcmp(*x, *y);

	return r ? r : (x > y) - (x < y);
}

static int cmp_label(const void *a, const void *b)
{
	const struct spec_annotation *x = *(const struct spec_annotation *const *)a;
	const struct spec_annotation *y = *(const struct spec_annotation *const *)b;
	int r = strcmp(x->key, y->key);

	return r ? r : (x > y) - (x < y);
}

/* ExposedPorts, Volumes: {"key": {}, ...}. */
static void emit_set(struct spec_json *j, const char *key, char *const *v, size_t n)
{
	_cleanup_free_ char *const **sorted = NULL;
	size_t i;

	if (!n)
		return;
	sorted = xmalloc(n * sizeof(*sorted));
	for (i = 0; i < n; i++)
		sorted[i] = &v[i];
	qsort(sorted, n, sizeof(*sorted), cmp_set_item);
	spec_json_key(j, key);
	spec_json_object_begin(j);
	for (i = 0; i < n; i++) {
		if (i && !strcmp(*sorted[i - 1], *sorted[i]))
			continue;
		spec_json_key(j, *sorted[i]);
		spec_json_object_begin(j);
		spec_json_object_end(j);
	}
	spec_json_object_end(j);
}

static void emit_labels(struct spec_json *j, const struct spec_image_config *c)
{
	_cleanup_free_ const struct spec_annotation **sorted = NULL;
	size_t i, n = c->n_labels;

	if (!n)
		return;
	sorted = xmalloc(n * sizeof(*sorted));
	for (i = 0; i < n; i++)
		sorted[i] = &c->labels[i];
	qsort(sorted, n, sizeof(*sorted), cmp_label);
	spec_json_key(j, "Labels");
	spec_json_object_begin(j);
	for (i = 0; i < n; i++) {
		if (i && !strcmp(sorted[i - 1]->key, sorted[i]->key))
			continue;
		spec_json_key(j, sorted[i]->key);
		spec_json_string(j, sorted[i]->value);
	}
	spec_json_object_end(j);
}

/* The stored text is what jnode_to_json made, so parsing and re-emitting it is exact. */
static void emit_healthcheck(struct spec_json *j, const char *text)
{
	_cleanup_jdoc_ struct jdoc *d = NULL;
	int r;

	if (!text)
		return;
	r = jdoc_parse("healthcheck", text, strlen(text), &d, NULL);
	assert(r == 0 && jnode_type(jdoc_root(d)) == JT_OBJECT);
	(void)r;
	spec_json_key(j, "Healthcheck");
	spec_json_node(j, jdoc_root(d));
}

static bool has_run_config(const struct spec_image_config *c)
{
	return c->has_args_escaped || c->cmd || c->entrypoint || c->env || c->n_exposed_ports ||
	       c->healthcheck || c->n_labels || c->on_build || c->shell || c->stop_signal ||
	       c->user || c->n_volumes || c->working_dir;
}

static void emit_run_config(struct spec_json *j, const struct spec_image_config *c)
{
	spec_json_key(j, "config");
	spec_json_object_begin(j);
	if (c->has_args_escaped) {
		spec_json_key(j, "ArgsEscaped");
		spec_json_bool(j, c->args_escaped);
	}
	emit_strv(j, "Cmd", c->cmd);
	emit_strv(j, "Entrypoint", c->entrypoint);
	emit_strv(j, "Env", c->env);
	emit_set(j, "ExposedPorts", c->exposed_ports, c->n_exposed_ports);
	emit_healthcheck(j, c->healthcheck);
	emit_labels(j, c);
	emit_strv(j, "OnBuild", c->on_build);
	emit_strv(j, "Shell", c->shell);
	emit_string(j, "StopSignal", c->stop_signal);
	emit_string(j, "User", c->user);
	emit_set(j, "Volumes", c->volumes, c->n_volumes);
	emit_string(j, "WorkingDir", c->working_dir);
	spec_json_object_end(j);
}

static void emit_history(struct spec_json *j, const struct spec_image_config *c)
{
	const struct spec_history *h;
	size_t i;

	if (!c->n_history)
		return;
	spec_json_key(j, "history");
	spec_json_array_begin(j);
	for (i = 0; i < c->n_history; i++) {
		h = &c->history[i];
		spec_json_object_begin(j);
		emit_string(j, "author", h->author);
		emit_string(j, "comment", h->comment);
		emit_string(j, "created", h->created);
		emit_string(j, "created_by", h->created_by);
		if (h->empty_layer) {
			spec_json_key(j, "empty_layer");
			spec_json_bool(j, true);
		}
		spec_json_object_end(j);
	}
	spec_json_array_end(j);
}

char *spec_image_config_write(const struct spec_image_config *c, size_t *ret_len)
{
	struct spec_json *j = spec_json_new(false);

	spec_json_object_begin(j);
	emit_string(j, "architecture", c->architecture);
	emit_string(j, "author", c->author);
	if (has_run_config(c))
		emit_run_config(j, c);
	emit_string(j, "created", c->created);
	emit_history(j, c);
	emit_string(j, "os", c->os);
	spec_json_key(j, "rootfs");
	spec_json_object_begin(j);
	spec_json_key(j, "diff_ids");
	spec_json_string_array(j, c->diff_ids, c->n_diff_ids);
	spec_json_key(j, "type");
	spec_json_string(j, c->rootfs_type ? c->rootfs_type : "layers");
	spec_json_object_end(j);
	emit_string(j, "variant", c->variant);
	spec_json_object_end(j);
	return spec_json_finish(j, ret_len);
}

char *spec_image_config_write_imported(const struct spec_platform *p, const char *created,
				       const char *diff_id, size_t *ret_len)
{
	struct spec_json *j = spec_json_new(false);

	spec_json_object_begin(j);
	spec_json_key(j, "architecture");
	spec_json_string(j, p->architecture ? p->architecture : "");
	spec_json_key(j, "os");
	spec_json_string(j, p->os ? p->os : "linux");
	if (p->variant) {
		spec_json_key(j, "variant");
		spec_json_string(j, p->variant);
	}
	if (created) {
		spec_json_key(j, "created");
		spec_json_string(j, created);
	}
	spec_json_key(j, "config");
	spec_json_object_begin(j);
	spec_json_key(j, "Env");
	spec_json_array_begin(j);
	spec_json_string(j, DOCKER_DEFAULT_PATH);
	spec_json_array_end(j);
	spec_json_object_end(j);
	spec_json_key(j, "rootfs");
	spec_json_object_begin(j);
	spec_json_key(j, "type");
	spec_json_string(j, "layers");
	spec_json_key(j, "diff_ids");
	spec_json_array_begin(j);
	spec_json_string(j, diff_id);
	spec_json_array_end(j);
	spec_json_object_end(j);
	spec_json_key(j, "history");
	spec_json_array_begin(j);
	spec_json_object_begin(j);
	if (created) {
		spec_json_key(j, "created");
		spec_json_string(j, created);
	}
	spec_json_key(j, "created_by");
	spec_json_string(j, "qrun import");
	spec_json_object_end(j);
	spec_json_array_end(j);
	spec_json_object_end(j);
	return spec_json_finish(j, ret_len);
}

/* ---- changing a config (a build) ------------------------------------------------------------ */

void spec_image_config_set_label(struct spec_image_config *c, const char *key, const char *value)
{
	size_t i;

	for (i = 0; i < c->n_labels; i++)
		if (!strcmp(c->labels[i].key, key)) {
			free(c->labels[i].value);
			c->labels[i].value = xstrdup(value);
			return;
		}
	c->labels = xrealloc(c->labels, (c->n_labels + 1) * sizeof(*c->labels));
	c->labels[c->n_labels].key = xstrdup(key);
	c->labels[c->n_labels].value = xstrdup(value);
	c->n_labels++;
}

/* A port number: 1 to 5 decimal digits (leading zeros allowed, as Go's ParseUint does), 1-65535. */
static bool parse_port(const char *s, size_t n, unsigned *ret)
{
	unsigned v = 0;
	size_t i;

	if (n == 0 || n > 5)
		return false;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return false;
	*ret = v;
	return true;
}

/* PORT or PORT-PORT, the first len bytes of s. */
static bool parse_port_range(const char *s, size_t len, unsigned *ret_lo, unsigned *ret_hi)
{
	const char *dash = memchr(s, '-', len);

	if (!dash)
		return parse_port(s, len, ret_lo) && parse_port(s, len, ret_hi);
	return parse_port(s, (size_t)(dash - s), ret_lo) &&
	       parse_port(dash + 1, len - (size_t)(dash - s) - 1, ret_hi);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Sort a set and drop duplicates: O(n log n), so a 65535-port range stays cheap. */
static void set_normalise(char **v, size_t *n)
{
	size_t i, k = 0;

	qsort(v, *n, sizeof(*v), cmp_str);
	for (i = 0; i < *n; i++) {
		if (k && !strcmp(v[k - 1], v[i]))
			free(v[i]);
		else
			v[k++] = v[i];
	}
	*n = k;
}

int spec_image_config_add_port(struct spec_image_config *c, const char *port, struct qerr *err)
{
	static const char *const protos[] = { "tcp", "udp", "sctp" };
	const char *slash = strchr(port, '/'), *proto = NULL;
	size_t i, len = slash ? (size_t)(slash - port) : strlen(port);
	unsigned lo, hi, p;

	if (!slash)
		proto = "tcp";
	for (i = 0; slash && i < ARRAY_SIZE(protos); i++)
		if (!strcasecmp(slash + 1, protos[i]))
			proto = protos[i];
	if (!proto) {
		(void)qerr_set(err, -EINVAL, "port '%s': protocol must be tcp, udp or sctp", port);
		return spec_err_clean(err, -EINVAL);
	}
	if (!parse_port_range(port, len, &lo, &hi)) {
		(void)qerr_set(err, -EINVAL,
			       "port '%s': expected PORT[-PORT][/tcp|udp|sctp], ports 1-65535",
			       port);
		return spec_err_clean(err, -EINVAL);
	}
	if (hi < lo) {
		(void)qerr_set(err, -EINVAL, "port '%s': range ends before it starts", port);
		return spec_err_clean(err, -EINVAL);
	}
	c->exposed_ports = xrealloc(c->exposed_ports, (c->n_exposed_ports + (hi - lo) + 1) *
							  sizeof(*c->exposed_ports));
	for (p = lo; p <= hi; p++)
		c->exposed_ports[c->n_exposed_ports++] = xasprintf("%u/%s", p, proto);
	set_normalise(c->exposed_ports, &c->n_exposed_ports);
	return 0;
}

int spec_image_config_add_volume(struct spec_image_config *c, const char *path, struct qerr *err)
{
	size_t i;

	if (path[0] != '/') {
		(void)qerr_set(err, -EINVAL, "volume '%s': not an absolute path", path);
		return spec_err_clean(err, -EINVAL);
	}
	for (i = 0; i < c->n_volumes; i++)
		if (!strcmp(c->volumes[i], path))
			return 0;
	c->volumes = xrealloc(c->volumes, (c->n_volumes + 1) * sizeof(*c->volumes));
	c->volumes[c->n_volumes++] = xstrdup(path);
	return 0;
}

int spec_image_config_set_env(struct spec_image_config *c, const char *kv, struct qerr *err)
{
	const char *eq = strchr(kv, '=');
	size_t i, name;

	if (!eq || eq == kv) {
		(void)qerr_set(err, -EINVAL, "env '%s': expected NAME=VALUE", kv);
		return spec_err_clean(err, -EINVAL);
	}
	name = (size_t)(eq - kv);
	/* An entry without '=' (not OCI, but seen) counts as NAME alone. */
	for (i = 0; c->env && c->env[i]; i++)
		if (!strncmp(c->env[i], kv, name) &&
		    (c->env[i][name] == '=' || c->env[i][name] == '\0')) {
			free(c->env[i]);
			c->env[i] = xstrdup(kv);
			return 0;
		}
	c->env = xrealloc(c->env, (i + 2) * sizeof(*c->env));
	c->env[i] = xstrdup(kv);
	c->env[i + 1] = NULL;
	return 0;
}

int spec_image_config_set_healthcheck(struct spec_image_config *c, const char *json, size_t len,
				      struct qerr *err)
{
	_cleanup_jdoc_ struct jdoc *d = NULL;
	int r;

	r = jdoc_parse("healthcheck", json, len, &d, err);
	if (r < 0)
		return r;
	if (jnode_type(jdoc_root(d)) != JT_OBJECT)
		return qerr_set(err, -EINVAL, "healthcheck: expected a JSON object");
	free(c->healthcheck);
	c->healthcheck = jnode_to_json(jdoc_root(d), NULL);
	return 0;
}

static char *xstrdup_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

void spec_image_config_add_history(struct spec_image_config *c, const char *created,
				   const char *created_by, const char *comment, bool empty_layer)
{
	c->history = xrealloc(c->history, (c->n_history + 1) * sizeof(*c->history));
	c->history[c->n_history++] = (struct spec_history){
		.created = xstrdup_null(created),
		.created_by = xstrdup_null(created_by),
		.comment = xstrdup_null(comment),
		.empty_layer = empty_layer,
	};
}

int spec_image_config_add_diff_id(struct spec_image_config *c, const char *digest, struct qerr *err)
{
	if (!spec_digest_valid(digest)) {
		(void)qerr_set(err, -EINVAL, "diff_id '%s': not a sha256 digest", digest);
		return spec_err_clean(err, -EINVAL);
	}
	if (!c->rootfs_type)
		c->rootfs_type = xstrdup("layers");
	/* Kept NULL-terminated as well, like the vector jread_strv makes. */
	c->diff_ids = xrealloc(c->diff_ids, (c->n_diff_ids + 2) * sizeof(*c->diff_ids));
	c->diff_ids[c->n_diff_ids++] = xstrdup(digest);
	c->diff_ids[c->n_diff_ids] = NULL;
	return 0;
}

static char **strn_copy(char *const *v, size_t n)
{
	char **c;
	size_t i;

	if (!n)
		return NULL;
	c = xcalloc(n + 1, sizeof(*c));
	for (i = 0; i < n; i++)
		c[i] = xstrdup(v[i]);
	return c;
}

void spec_image_config_copy(const struct spec_image_config *src, struct spec_image_config *ret_dst)
{
	struct spec_image_config d = {
		.architecture = xstrdup_null(src->architecture),
		.os = xstrdup_null(src->os),
		.variant = xstrdup_null(src->variant),
		.created = xstrdup_null(src->created),
		.author = xstrdup_null(src->author),
		.user = xstrdup_null(src->user),
		.env = strv_copy(src->env),
		.entrypoint = strv_copy(src->entrypoint),
		.cmd = strv_copy(src->cmd),
		.working_dir = xstrdup_null(src->working_dir),
		.exposed_ports = strn_copy(src->exposed_ports, src->n_exposed_ports),
		.n_exposed_ports = src->n_exposed_ports,
		.volumes = strn_copy(src->volumes, src->n_volumes),
		.n_volumes = src->n_volumes,
		.stop_signal = xstrdup_null(src->stop_signal),
		.shell = strv_copy(src->shell),
		.on_build = strv_copy(src->on_build),
		.healthcheck = xstrdup_null(src->healthcheck),
		.has_args_escaped = src->has_args_escaped,
		.args_escaped = src->args_escaped,
		.rootfs_type = xstrdup_null(src->rootfs_type),
		.diff_ids = strn_copy(src->diff_ids, src->n_diff_ids),
		.n_diff_ids = src->n_diff_ids,
	};
	size_t i;

	if (src->n_labels) {
		d.labels = xcalloc(src->n_labels, sizeof(*d.labels));
		for (i = 0; i < src->n_labels; i++) {
			d.labels[i].key = xstrdup(src->labels[i].key);
			d.labels[i].value = xstrdup(src->labels[i].value);
		}
		d.n_labels = src->n_labels;
	}
	if (src->n_history) {
		d.history = xcalloc(src->n_history, sizeof(*d.history));
		for (i = 0; i < src->n_history; i++)
			d.history[i] = (struct spec_history){
				.author = xstrdup_null(src->history[i].author),
				.comment = xstrdup_null(src->history[i].comment),
				.created = xstrdup_null(src->history[i].created),
				.created_by = xstrdup_null(src->history[i].created_by),
				.empty_layer = src->history[i].empty_layer,
			};
		d.n_history = src->n_history;
	}
	*ret_dst = d;
}

void spec_image_config_release(struct spec_image_config *c)
{
	size_t i;

	free(c->architecture);
	free(c->os);
	free(c->variant);
	free(c->created);
	free(c->author);
	free(c->user);
	strv_free(c->env);
	strv_free(c->entrypoint);
	strv_free(c->cmd);
	free(c->working_dir);
	for (i = 0; i < c->n_labels; i++) {
		free(c->labels[i].key);
		free(c->labels[i].value);
	}
	free(c->labels);
	strn_free(c->exposed_ports, c->n_exposed_ports);
	strn_free(c->volumes, c->n_volumes);
	free(c->stop_signal);
	strv_free(c->shell);
	strv_free(c->on_build);
	free(c->healthcheck);
	for (i = 0; i < c->n_history; i++) {
		free(c->history[i].author);
		free(c->history[i].comment);
		free(c->history[i].created);
		free(c->history[i].created_by);
	}
	free(c->history);
	free(c->rootfs_type);
	strn_free(c->diff_ids, c->n_diff_ids);
	*c = (struct spec_image_config){ 0 };
}
