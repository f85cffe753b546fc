#include "specs/specs-internal.h"

/*
 * Typed getters over the parsed tree. Every shape error is reported with the document name and
 * the full path of the offending value ("manifest: 'layers[1].size': ..."), so a user can find
 * it in a document of any size. Optional members may be null as well as absent: docker writes
 * "RepoTags": null and "Entrypoint": null.
 */

void jctx_init(struct jctx *c, const char *doc, struct qerr *err)
{
	c->doc = doc;
	c->err = err;
	c->len = 0;
	c->path[0] = '\0';
}

/* Append text to the path, truncating (messages only) when it does not fit. */
static size_t jctx_append(struct jctx *c, const char *text)
{
	size_t saved = c->len, room = sizeof(c->path) - 1 - c->len, n = strlen(text);

	if (n > room)
		n = room;
	memcpy(c->path + c->len, text, n);
	c->len += n;
	c->path[c->len] = '\0';
	return saved;
}

size_t jctx_push_key(struct jctx *c, const char *key)
{
	size_t saved = c->len;

	if (c->len)
		(void)jctx_append(c, ".");
	(void)jctx_append(c, key);
	return saved;
}

size_t jctx_push_index(struct jctx *c, size_t i)
{
	char buf[32];

	(void)snprintf(buf, sizeof(buf), "[%zu]", i);
	return jctx_append(c, buf);
}

void jctx_pop(struct jctx *c, size_t saved)
{
	c->len = saved;
	c->path[saved] = '\0';
}

int spec_err_clean(struct qerr *err, int code)
{
	char *p;

	if (!err)
		return code;
	for (p = err->msg; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return err->code;
}

int jctx_fail(struct jctx *c, const char *fmt, ...)
{
	char msg[384];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (c->len)
		(void)qerr_set(c->err, -EINVAL, "%s: '%s': %s", c->doc, c->path, msg);
	else
		(void)qerr_set(c->err, -EINVAL, "%s: %s", c->doc, msg);
	return spec_err_clean(c->err, -EINVAL);
}

/* Fetch member key and check its type; *ret NULL for an optional member absent or null. */
static int member(struct jctx *c, const struct jnode *obj, const char *key, enum jtype want,
		  bool required, const char *expected, const struct jnode **ret)
{
	const struct jnode *n = jnode_member(obj, key);
	enum jtype t = jnode_type(n);
	size_t saved;
	int r;

	if (t == want) {
		*ret = n;
		return 0;
	}
	saved = jctx_push_key(c, key);
	if ((t == JT_ABSENT || t == JT_NULL) && !required) {
		*ret = NULL;
		r = 0;
	} else if (t == JT_ABSENT) {
		r = jctx_fail(c, "missing");
	} else {
		r = jctx_fail(c, "expected %s", expected);
	}
	jctx_pop(c, saved);
	return r;
}

int jread_string(struct jctx *c, const struct jnode *obj, const char *key, bool required,
		 char **ret)
{
	const struct jnode *n;
	int r;

	r = member(c, obj, key, JT_STRING, required, "a string", &n);
	if (r < 0)
		return r;
	*ret = n ? xstrdup(jnode_string(n)) : NULL;
	return 0;
}

int jread_bool(struct jctx *c, const struct jnode *obj, const char *key, bool *ret)
{
	const struct jnode *n;
	int r;

	r = member(c, obj, key, JT_BOOL, false, "true or false", &n);
	if (r < 0 || !n)
		return r;
	*ret = jnode_bool(n);
	return 1;
}

int jread_digest(struct jctx *c, const struct jnode *obj, const char *key, char **ret)
{
	const struct jnode *n;
	size_t saved;
	int r;

	r = member(c, obj, key, JT_STRING, true, "a string", &n);
	if (r < 0)
		return r;
	if (!spec_digest_valid(jnode_string(n))) {
		saved = jctx_push_key(c, key);
		r = jctx_fail(c, "not a sha256 digest");
		jctx_pop(c, saved);
		return r;
	}
	*ret = xstrdup(jnode_string(n));
	return 0;
}

int jread_int(struct jctx *c, const struct jnode *obj, const char *key, int64_t min, int64_t max,
	      int64_t *ret)
{
	const struct jnode *n;
	size_t saved;
	int64_t v;
	int r;

	r = member(c, obj, key, JT_NUMBER, true, "an integer", &n);
	if (r < 0)
		return r;
	if (!jnode_int64(n, &v) || v < min || v > max) {
		saved = jctx_push_key(c, key);
		if (min == max)
			r = jctx_fail(c, "expected %lld", (long long)min);
		else if (min == 0 && max == INT64_MAX)
			r = jctx_fail(c, "expected a non-negative integer");
		else
			r = jctx_fail(c, "expected an integer in [%lld, %lld]", (long long)min,
				      (long long)max);
		jctx_pop(c, saved);
		return r;
	}
	*ret = v;
	return 0;
}

int jread_size(struct jctx *c, const struct jnode *obj, const char *key, int64_t *ret)
{
	const struct jnode *n = jnode_member(obj, key);
	size_t saved;
	int r;

	/* One message for every wrong shape of a size: string, float, negative, too big. */
	if (jnode_type(n) != JT_ABSENT && !(jnode_type(n) == JT_NUMBER)) {
		saved = jctx_push_key(c, key);
		r = jctx_fail(c, "expected a non-negative integer");
		jctx_pop(c, saved);
		return r;
	}
	return jread_int(c, obj, key, 0, INT64_MAX, ret);
}

int jread_object(struct jctx *c, const struct jnode *obj, const char *key, bool required,
		 const struct jnode **ret)
{
	return member(c, obj, key, JT_OBJECT, required, "an object", ret);
}

int jread_array(struct jctx *c, const struct jnode *obj, const char *key, bool required,
		const struct jnode **ret)
{
	return member(c, obj, key, JT_ARRAY, required, "an array", ret);
}

int jread_strv(struct jctx *c, const struct jnode *obj, const char *key, bool required, char ***ret,
	       size_t *ret_n)
{
	const struct jnode *arr;
	size_t i, n, saved, saved_i;
	char **v;
	int r;

	r = member(c, obj, key, JT_ARRAY, required, "an array of strings", &arr);
	if (r < 0)
		return r;
	if (!arr) {
		*ret = NULL;
		if (ret_n)
			*ret_n = 0;
		return 0;
	}
	n = jnode_len(arr);
	for (i = 0; i < n; i++) {
		if (jnode_type(jnode_item(arr, i)) == JT_STRING)
			continue;
		saved = jctx_push_key(c, key);
		saved_i = jctx_push_index(c, i);
		r = jctx_fail(c, "expected a string");
		jctx_pop(c, saved_i);
		jctx_pop(c, saved);
		return r;
	}
	v = xcalloc(n + 1, sizeof(*v));
	for (i = 0; i < n; i++)
		v[i] = xstrdup(jnode_string(jnode_item(arr, i)));
	*ret = v;
	if (ret_n)
		*ret_n = n;
	return 0;
}

bool strv_equal(char *const *a, char *const *b)
{
	size_t i;

	if (!a || !b)
		return a == b;
	for (i = 0; a[i] && b[i]; i++)
		if (strcmp(a[i], b[i]))
			return false;
	return !a[i] && !b[i];
}
