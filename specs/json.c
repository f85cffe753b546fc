#include "specs/specs-internal.h"

#include <assert.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

/*
 * The one file that knows yajl. Reading: yajl_tree_parse behind a strict pre-scan, because the
 * tree parser alone accepts comments, checks UTF-8 only loosely, has no depth limit and turns
 * "\u0000" into a C string that silently ends early (a digest "sha256:<hex>\u0000junk" would
 * read as valid). Writing: yajl_gen behind the spec_json_* API, with a nesting check of our own
 * so misuse is caught by an assert rather than producing broken JSON.
 */

struct jdoc {
	yajl_val root;
};

/* struct jnode is never defined: a jnode pointer is a yajl_val in disguise. */
static yajl_val V(const struct jnode *n)
{
	return (yajl_val)n;
}

static const struct jnode *N(yajl_val v)
{
	return (const struct jnode *)v;
}

/* ---- UTF-8 ----------------------------------------------------------------------------- */

/*
 * Length of the well-formed UTF-8 sequence at s (at most n bytes), or 0. Strict (RFC 3629):
 * no overlong forms, no surrogates, nothing above U+10FFFF.
 */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t want, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		want = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		want = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		want = 4;
	else
		return 0;
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (n < want || s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < want; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return want;
}

static bool utf8_valid(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, k;

	while (i < n) {
		k = utf8_seq(u + i, n - i);
		if (!k)
			return false;
		i += k;
	}
	return true;
}

/* ---- reading ----------------------------------------------------------------------------- */

/* The checks yajl_tree_parse does not make (see the top of the file). */
static int prescan(const char *what, const char *buf, size_t len, struct qerr *err)
{
	const unsigned char *b = (const unsigned char *)buf;
	unsigned depth = 0;
	bool in_str = false;
	size_t i, k;

	for (i = 0; i < len; i++) {
		if (b[i] == 0)
			return qerr_set(err, -EINVAL, "%s: embedded NUL byte at offset %zu", what,
					i);
		if (b[i] >= 0x80) {
			k = utf8_seq(b + i, len - i);
			if (!k)
				return qerr_set(err, -EINVAL, "%s: not valid UTF-8 at offset %zu",
						what, i);
			i += k - 1;
			continue;
		}
		if (in_str) {
			if (b[i] == '"') {
				in_str = false;
			} else if (b[i] == '\\' && i + 1 < len) {
				if (b[i + 1] == 'u' && len - i >= 6 &&
				    !memcmp(b + i + 2, "0000", 4))
					return qerr_set(err, -EINVAL,
							"%s: \\u0000 in a string at offset %zu",
							what, i);
				i++;
			}
			continue;
		}
		switch (b[i]) {
		case '"':
			in_str = true;
			break;
		case '{':
		case '[':
			if (++depth > SPEC_JSON_MAX_DEPTH)
				return qerr_set(err, -EINVAL, "%s: nested deeper than %d levels",
						what, SPEC_JSON_MAX_DEPTH);
			break;
		case '}':
		case ']':
			if (depth)
				depth--;
			break;
		case '/':
			return qerr_set(err, -EINVAL, "%s: not valid JSON (comment at offset %zu)",
					what, i);
		default:
			break;
		}
	}
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The first duplicated object key anywhere below v, or NULL. */
static const char *find_duplicate_key(yajl_val v)
{
	_cleanup_free_ const char **keys = NULL;
	const char *dup;
	size_t i, j, n;

	if (YAJL_IS_ARRAY(v)) {
		for (i = 0; i < v->u.array.len; i++)
			if ((dup = find_duplicate_key(v->u.array.values[i])))
				return dup;
		return NULL;
	}
	if (!YAJL_IS_OBJECT(v))
		return NULL;
	n = v->u.object.len;
	for (i = 0; i < n; i++)
		if ((dup = find_duplicate_key(v->u.object.values[i])))
			return dup;
	if (n <= 8) {
		for (i = 0; i < n; i++)
			for (j = i + 1; j < n; j++)
				if (!strcmp(v->u.object.keys[i], v->u.object.keys[j]))
					return v->u.object.keys[i];
		return NULL;
	}
	keys = xmalloc(n * sizeof(*keys));
	memcpy(keys, v->u.object.keys, n * sizeof(*keys));
	qsort(keys, n, sizeof(*keys), cmp_str);
	for (i = 1; i < n; i++)
		if (!strcmp(keys[i - 1], keys[i]))
			return keys[i];
	return NULL;
}

int jdoc_parse(const char *what, const char *buf, size_t len, struct jdoc **ret, struct qerr *err)
{
	_cleanup_free_ char *copy = NULL;
	struct jdoc *d;
	const char *dup;
	char errbuf[256] = "";
	yajl_val root;
	size_t k;
	int r;

	if (len > SPEC_JSON_MAX_SIZE)
		return qerr_set(err, -EINVAL, "%s: too large (%zu bytes, at most %zu)", what, len,
				SPEC_JSON_MAX_SIZE);
	r = prescan(what, buf, len, err);
	if (r < 0)
		return r;
	/* yajl_tree_parse wants a NUL-terminated buffer. */
	copy = xmalloc(len + 1);
	memcpy(copy, buf, len);
	copy[len] = '\0';
	root = yajl_tree_parse(copy, errbuf, sizeof(errbuf));
	if (!root) {
		/* yajl's message is several lines with a pointer; keep its first line. */
		k = strcspn(errbuf, "\n");
		while (k && (errbuf[k - 1] == '.' || errbuf[k - 1] == ' '))
			k--;
		errbuf[k] = '\0';
		(void)qerr_set(err, -EINVAL, "%s: not valid JSON (%s)", what,
			       errbuf[0] ? errbuf : "empty document");
		return spec_err_clean(err, -EINVAL);
	}
	dup = find_duplicate_key(root);
	if (dup) {
		(void)qerr_set(err, -EINVAL, "%s: duplicate key '%s'", what, dup);
		r = spec_err_clean(err, -EINVAL);
		yajl_tree_free(root);
		return r;
	}
	d = xmalloc(sizeof(*d));
	d->root = root;
	*ret = d;
	return 0;
}

struct jdoc *jdoc_free(struct jdoc *d)
{
	if (d) {
		yajl_tree_free(d->root);
		free(d);
	}
	return NULL;
}

const struct jnode *jdoc_root(const struct jdoc *d)
{
	return N(d->root);
}

enum jtype jnode_type(const struct jnode *n)
{
	yajl_val v = V(n);

	if (!v)
		return JT_ABSENT;
	switch (v->type) {
	case yajl_t_string:
		return JT_STRING;
	case yajl_t_number:
		return JT_NUMBER;
	case yajl_t_object:
		return JT_OBJECT;
	case yajl_t_array:
		return JT_ARRAY;
	case yajl_t_true:
	case yajl_t_false:
		return JT_BOOL;
	default:
		return JT_NULL;
	}
}

const struct jnode *jnode_member(const struct jnode *n, const char *key)
{
	yajl_val v = V(n);
	size_t i;

	if (!YAJL_IS_OBJECT(v))
		return NULL;
	for (i = 0; i < v->u.object.len; i++)
		if (!strcmp(v->u.object.keys[i], key))
			return N(v->u.object.values[i]);
	return NULL;
}

size_t jnode_len(const struct jnode *n)
{
	yajl_val v = V(n);

	if (YAJL_IS_OBJECT(v))
		return v->u.object.len;
	if (YAJL_IS_ARRAY(v))
		return v->u.array.len;
	return 0;
}

const struct jnode *jnode_item(const struct jnode *n, size_t i)
{
	yajl_val v = V(n);

	return YAJL_IS_ARRAY(v) && i < v->u.array.len ? N(v->u.array.values[i]) : NULL;
}

const char *jnode_key(const struct jnode *n, size_t i)
{
	yajl_val v = V(n);

	return YAJL_IS_OBJECT(v) && i < v->u.object.len ? v->u.object.keys[i] : NULL;
}

const struct jnode *jnode_value(const struct jnode *n, size_t i)
{
	yajl_val v = V(n);

	return YAJL_IS_OBJECT(v) && i < v->u.object.len ? N(v->u.object.values[i]) : NULL;
}

const char *jnode_string(const struct jnode *n)
{
	yajl_val v = V(n);

	return YAJL_IS_STRING(v) ? v->u.string : NULL;
}

bool jnode_int64(const struct jnode *n, int64_t *ret)
{
	yajl_val v = V(n);

	/* INT_VALID: strtoll consumed the whole text without ERANGE, so "1.0", "1e3" and
	 * 2^63 are not integers here. */
	if (!YAJL_IS_INTEGER(v))
		return false;
	*ret = v->u.number.i;
	return true;
}

bool jnode_bool(const struct jnode *n)
{
	return YAJL_IS_TRUE(V(n));
}

/* ---- writing ----------------------------------------------------------------------------- */

#define JSON_MAX_NEST 128

enum jstate {
	JS_ARRAY,     /* inside an array: values */
	JS_OBJ_KEY,   /* inside an object, a key comes next */
	JS_OBJ_VALUE, /* inside an object, after a key */
};

struct spec_json {
	yajl_gen g;
	bool done; /* a whole top-level value has been written */
	size_t depth;
	enum jstate state[JSON_MAX_NEST];
};

static void gen_ok(yajl_gen_status st)
{
	assert(st == yajl_gen_status_ok);
	(void)st;
}

struct spec_json *spec_json_new(bool pretty)
{
	struct spec_json *j = xcalloc(1, sizeof(*j));

	j->g = yajl_gen_alloc(NULL);
	if (!j->g)
		abort(); /* out of memory: xmalloc's policy */
	if (pretty) {
		/* docker's `inspect` look: 4 spaces, a space after ':' and a final newline. */
		(void)yajl_gen_config(j->g, yajl_gen_beautify, 1);
		(void)yajl_gen_config(j->g, yajl_gen_indent_string, "    ");
	}
	return j;
}

/* Account for a value about to be written. */
static void before_value(struct spec_json *j)
{
	if (j->depth == 0) {
		assert(!j->done);
		return;
	}
	assert(j->state[j->depth - 1] != JS_OBJ_KEY);
	if (j->state[j->depth - 1] == JS_OBJ_VALUE)
		j->state[j->depth - 1] = JS_OBJ_KEY;
}

static void after_value(struct spec_json *j)
{
	if (j->depth == 0)
		j->done = true;
}

static void push(struct spec_json *j, enum jstate st)
{
	before_value(j);
	assert(j->depth < JSON_MAX_NEST);
	j->state[j->depth++] = st;
}

void spec_json_object_begin(struct spec_json *j)
{
	push(j, JS_OBJ_KEY);
	gen_ok(yajl_gen_map_open(j->g));
}

void spec_json_object_end(struct spec_json *j)
{
	assert(j->depth > 0 && j->state[j->depth - 1] == JS_OBJ_KEY);
	j->depth--;
	gen_ok(yajl_gen_map_close(j->g));
	after_value(j);
}

void spec_json_array_begin(struct spec_json *j)
{
	push(j, JS_ARRAY);
	gen_ok(yajl_gen_array_open(j->g));
}

void spec_json_array_end(struct spec_json *j)
{
	assert(j->depth > 0 && j->state[j->depth - 1] == JS_ARRAY);
	j->depth--;
	gen_ok(yajl_gen_array_close(j->g));
	after_value(j);
}

/*
 * yajl_gen escapes quotes, backslashes and control characters but copies other bytes as they
 * are; a string that is not UTF-8 (a file name, say) gets U+FFFD for each bad byte so the
 * output stays valid JSON.
 */
static void gen_string(struct spec_json *j, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	_cleanup_free_ char *fixed = NULL;
	size_t n = strlen(s), i = 0, o = 0, k;

	if (utf8_valid(s, n)) {
		gen_ok(yajl_gen_string(j->g, u, n));
		return;
	}
	fixed = xmalloc(3 * n + 1);
	while (i < n) {
		k = utf8_seq(u + i, n - i);
		if (k) {
			memcpy(fixed + o, s + i, k);
			o += k;
			i += k;
		} else {
			memcpy(fixed + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		}
	}
	gen_ok(yajl_gen_string(j->g, (const unsigned char *)fixed, o));
}

void spec_json_key(struct spec_json *j, const char *key)
{
	assert(key && j->depth > 0 && j->state[j->depth - 1] == JS_OBJ_KEY);
	gen_string(j, key);
	j->state[j->depth - 1] = JS_OBJ_VALUE;
}

void spec_json_string(struct spec_json *j, const char *s)
{
	if (!s) {
		spec_json_null(j);
		return;
	}
	before_value(j);
	gen_string(j, s);
	after_value(j);
}

void spec_json_int(struct spec_json *j, int64_t v)
{
	before_value(j);
	gen_ok(yajl_gen_integer(j->g, (long long)v));
	after_value(j);
}

void spec_json_bool(struct spec_json *j, bool v)
{
	before_value(j);
	gen_ok(yajl_gen_bool(j->g, v));
	after_value(j);
}

void spec_json_null(struct spec_json *j)
{
	before_value(j);
	gen_ok(yajl_gen_null(j->g));
	after_value(j);
}

void spec_json_string_array(struct spec_json *j, char *const *v, size_t n)
{
	size_t i;

	spec_json_array_begin(j);
	for (i = 0; i < n; i++)
		spec_json_string(j, v[i]);
	spec_json_array_end(j);
}

void spec_json_node(struct spec_json *j, const struct jnode *n)
{
	yajl_val v = V(n);
	size_t i;

	switch (jnode_type(n)) {
	case JT_ABSENT:
	case JT_NULL:
		spec_json_null(j);
		break;
	case JT_BOOL:
		spec_json_bool(j, YAJL_IS_TRUE(v));
		break;
	case JT_STRING:
		spec_json_string(j, v->u.string);
		break;
	case JT_NUMBER:
		/* The original text: a float or a huge integer comes out as it went in. */
		before_value(j);
		gen_ok(yajl_gen_number(j->g, v->u.number.r, strlen(v->u.number.r)));
		after_value(j);
		break;
	case JT_ARRAY:
		spec_json_array_begin(j);
		for (i = 0; i < v->u.array.len; i++)
			spec_json_node(j, N(v->u.array.values[i]));
		spec_json_array_end(j);
		break;
	case JT_OBJECT:
		spec_json_object_begin(j);
		for (i = 0; i < v->u.object.len; i++) {
			spec_json_key(j, v->u.object.keys[i]);
			spec_json_node(j, N(v->u.object.values[i]));
		}
		spec_json_object_end(j);
		break;
	}
}

char *jnode_to_json(const struct jnode *n, size_t *ret_len)
{
	struct spec_json *j = spec_json_new(false);

	spec_json_node(j, n);
	return spec_json_finish(j, ret_len);
}

int spec_json_copy_member(struct spec_json *j, const char *buf, size_t len, const char *key)
{
	_cleanup_jdoc_ struct jdoc *d = NULL;
	int r;

	r = jdoc_parse("document", buf, len, &d, NULL);
	if (r < 0)
		return r;
	if (jnode_type(jdoc_root(d)) != JT_OBJECT)
		return -EINVAL;
	spec_json_node(j, jnode_member(jdoc_root(d), key));
	return 0;
}

char *spec_json_finish(struct spec_json *j, size_t *ret_len)
{
	const unsigned char *out;
	size_t len;
	char *s;

	assert(j->depth == 0);
	gen_ok(yajl_gen_get_buf(j->g, &out, &len));
	s = xmalloc(len + 1);
	memcpy(s, out, len);
	s[len] = '\0';
	if (ret_len)
		*ret_len = len;
	spec_json_free(j);
	return s;
}

struct spec_json *spec_json_free(struct spec_json *j)
{
	if (j) {
		yajl_gen_free(j->g);
		free(j);
	}
	return NULL;
}
