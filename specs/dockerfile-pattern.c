#include "specs/specs-internal.h"

/*
 * The shell patterns of BuildKit's ${VAR#pat}, ${VAR%pat} and ${VAR/pat/s}
 * (convertShellPatternToRegex in frontend/dockerfile/shell/lex.go): '*' matches any string, '?'
 * any one character, and '\' escapes '*', '?' and itself (it is dropped before the '}' and '/'
 * that delimit ${}; any other escape is an error). BuildKit turns a pattern into a Go regexp;
 * here a set of pattern positions is stepped over the value instead, which gives the shortest
 * or the longest match directly and has no exponential case.
 */

/*
 * Patterns and texts are compared as runes, so '?' takes one character. An invalid UTF-8 byte
 * becomes a value above U+10FFFF of its own, equal only to the same byte.
 */
#define PAT_ANY	 UINT32_C(0xffffffff)
#define PAT_STAR UINT32_C(0xfffffffe)

size_t df_utf8_rune(const unsigned char *s, size_t n, uint32_t *ret)
{
	size_t want, i;
	uint32_t r;

	if (s[0] < 0x80 || s[0] < 0xc2 || s[0] > 0xf4) {
		*ret = s[0] < 0x80 ? s[0] : 0x110000u + s[0];
		return 1;
	}
	want = s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4;
	r = s[0] & (0x7f >> want);
	for (i = 1; i < want; i++) {
		if (i >= n || (s[i] & 0xc0) != 0x80) {
			*ret = 0x110000u + s[0];
			return 1;
		}
		r = r << 6 | (s[i] & 0x3f);
	}
	*ret = r;
	return want;
}

/* The runes of s and the byte offset of each (off[n] = strlen(s)). */
struct runes {
	uint32_t *r;
	size_t *off;
	size_t n;
};

static void runes_decode(const char *s, struct runes *ret)
{
	size_t len = strlen(s), i = 0;

	ret->r = xmalloc((len + 1) * sizeof(*ret->r));
	ret->off = xmalloc((len + 1) * sizeof(*ret->off));
	ret->n = 0;
	while (i < len) {
		ret->off[ret->n] = i;
		i += df_utf8_rune((const unsigned char *)s + i, len - i, &ret->r[ret->n]);
		ret->n++;
	}
	ret->off[ret->n] = len;
}

static void runes_release(struct runes *r)
{
	free(r->r);
	free(r->off);
}

/*
 * BuildKit's convertShellPatternToRegex: '*' any string, '?' any character, '\' escapes '*', '?'
 * and '\' and is dropped before '}' and '/' (the ${} delimiters); any other escape is an error.
 */
static int pat_compile(const char *pat, struct runes *ret, struct qerr *err)
{
	struct runes in;
	size_t i, n = 0;

	runes_decode(pat, &in);
	ret->r = xmalloc((in.n + 1) * sizeof(*ret->r));
	ret->off = NULL;
	for (i = 0; i < in.n; i++) {
		uint32_t c = in.r[i];

		if (c == '*' || c == '?') {
			ret->r[n++] = c == '*' ? PAT_STAR : PAT_ANY;
			continue;
		}
		if (c == '\\') {
			if (i + 1 < in.n && (in.r[i + 1] == '}' || in.r[i + 1] == '/'))
				continue;
			if (i + 1 == in.n ||
			    (in.r[i + 1] != '*' && in.r[i + 1] != '?' && in.r[i + 1] != '\\')) {
				runes_release(&in);
				free(ret->r);
				return qerr_set(
				    err, -EINVAL,
				    "invalid pattern (%.*s%s) in substitution: bad escape",
				    df_quoted_len(pat), pat, df_ellipsis(pat));
			}
			c = in.r[++i];
		}
		ret->r[n++] = c;
	}
	ret->n = n;
	runes_release(&in);
	return 0;
}

/* Epsilon moves: a '*' may match nothing. */
static void pat_closure(const uint32_t *p, size_t np, bool *st)
{
	size_t i;

	for (i = 0; i < np; i++)
		if (st[i] && p[i] == PAT_STAR)
			st[i + 1] = true;
}

/*
 * The end (in runes) of the longest, or shortest, match of p at the start of t, or -1. A set
 * of pattern positions is stepped over t (no backtracking, so no exponential case).
 */
static long pat_run(const uint32_t *p, size_t np, const uint32_t *t, size_t nt, bool longest)
{
	_cleanup_free_ bool *cur = xcalloc(np + 1, sizeof(bool));
	_cleanup_free_ bool *nxt = xcalloc(np + 1, sizeof(bool));
	long found = -1;
	bool any, *tmp;
	size_t i, k;

	cur[0] = true;
	pat_closure(p, np, cur);
	for (k = 0;; k++) {
		if (cur[np]) {
			found = (long)k;
			if (!longest)
				break;
		}
		if (k == nt)
			break;
		memset(nxt, 0, (np + 1) * sizeof(bool));
		any = false;
		for (i = 0; i < np; i++) {
			if (!cur[i])
				continue;
			if (p[i] == PAT_STAR)
				nxt[i] = any = true;
			else if (p[i] == PAT_ANY || p[i] == t[k])
				nxt[i + 1] = any = true;
		}
		if (!any)
			break;
		pat_closure(p, np, nxt);
		tmp = cur;
		cur = nxt;
		nxt = tmp;
	}
	return found;
}

static void reverse_runes(uint32_t *v, size_t n)
{
	size_t i;
	uint32_t t;

	for (i = 0; i < n / 2; i++) {
		t = v[i];
		v[i] = v[n - 1 - i];
		v[n - 1 - i] = t;
	}
}

/* ${VAR#pat} / ${VAR##pat} (prefix) and ${VAR%pat} / ${VAR%%pat} (suffix, by reversing). */
int df_pattern_trim(const char *pat, const char *value, bool suffix, bool greedy,
		    struct df_buf *out, struct qerr *err)
{
	struct runes p, t;
	long end;
	int r;

	r = pat_compile(pat, &p, err);
	if (r < 0)
		return r;
	runes_decode(value, &t);
	if (suffix) {
		reverse_runes(p.r, p.n);
		reverse_runes(t.r, t.n);
	}
	end = pat_run(p.r, p.n, t.r, t.n, greedy);
	if (end < 0)
		df_buf_add(out, value, strlen(value));
	else if (suffix)
		df_buf_add(out, value, t.off[t.n - (size_t)end]);
	else
		df_buf_add(out, value + t.off[end], t.off[t.n] - t.off[end]);
	runes_release(&p);
	runes_release(&t);
	return 0;
}

/* The leftmost match at or after rune `from`, longest there. */
static bool pat_find(const struct runes *p, const struct runes *t, size_t from, size_t *ret_start,
		     size_t *ret_end)
{
	size_t s;
	long e;

	for (s = from; s <= t->n; s++) {
		e = pat_run(p->r, p->n, t->r + s, t->n - s, true);
		if (e >= 0) {
			*ret_start = s;
			*ret_end = s + (size_t)e;
			return true;
		}
	}
	return false;
}

/* ${VAR/pat/s} and ${VAR//pat/s}; Go's ReplaceAll rules for empty matches. */
int df_pattern_replace(const char *pat, const char *value, const char *with, bool all,
		       struct df_buf *out, struct qerr *err)
{
	size_t search = 0, last = 0, ms, me;
	struct runes p, t;
	int r;

	r = pat_compile(pat, &p, err);
	if (r < 0)
		return r;
	runes_decode(value, &t);
	while (search <= t.n && pat_find(&p, &t, search, &ms, &me)) {
		df_buf_add(out, value + t.off[last], t.off[ms] - t.off[last]);
		/* no second replacement for an empty match right after a match */
		if (me > last || ms == 0)
			df_buf_add(out, with, strlen(with));
		last = me;
		search = me > search ? me : search + 1;
		if (!all)
			break;
	}
	df_buf_add(out, value + t.off[last], t.off[t.n] - t.off[last]);
	runes_release(&p);
	runes_release(&t);
	return 0;
}
