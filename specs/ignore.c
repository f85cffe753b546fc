#include "specs/specs-internal.h"

/*
 * .dockerignore: moby's ignorefile.ReadAll (which lines are patterns) and patternmatcher (what
 * they match). patternmatcher validates a pattern with Go's filepath.Match and then turns it
 * into a regular expression, or into a plain string comparison for the common shapes; here the
 * same tokens drive a small NFA instead, stepped over the path one character at a time, which
 * also answers "could this pattern match anything below this directory" for the walker.
 *
 * Kept from moby, quirks included: '#' starts a comment only in column 1; "**" not followed by
 * '/' still means "any directories" ("a**b" matches "ab" and "a/x/b" but not "axb"), except at
 * the start of a pattern with nothing special after it, where "**foo" is a plain suffix test.
 * Different: '*' and '?' inside a [...] class are literal, as filepath.Match has them (moby
 * copies them into its regexp, where they break the class).
 */

enum tok_kind {
	T_LIT,	    /* one character */
	T_QMARK,    /* '?': one character but '/' */
	T_STAR,	    /* '*': any run of characters without '/' */
	T_CLASS,    /* [...]: one character in (or, negated, not in) the ranges */
	T_ANY_DIRS, /* "**" before more pattern: nothing, or anything that ends in '/' */
	T_ANY,	    /* "**" at the end: anything */
};

struct class_range {
	uint32_t lo, hi;
};

struct tok {
	enum tok_kind kind;
	uint32_t c;   /* T_LIT */
	bool negated; /* T_CLASS */
	struct class_range *ranges;
	size_t n_ranges;
};

struct spec_ignore_glob {
	struct tok *toks;
	size_t n;
};

static struct spec_ignore_glob *glob_free(struct spec_ignore_glob *g)
{
	size_t i;

	if (g) {
		for (i = 0; i < g->n; i++)
			free(g->toks[i].ranges);
		free(g->toks);
		free(g);
	}
	return NULL;
}

static void glob_push(struct spec_ignore_glob *g, size_t *alloc, struct tok t)
{
	g->toks = xgrow(g->toks, sizeof(*g->toks), g->n + 1, alloc);
	g->toks[g->n++] = t;
}

static uint32_t rune_at(const char *s, size_t *i)
{
	uint32_t r;

	*i += df_utf8_rune((const unsigned char *)s + *i, strlen(s + *i), &r);
	return r;
}

/* Go's filepath.Clean (with '/' as the separator). Heap string. */
static char *path_clean(const char *path)
{
	size_t n = strlen(path), r = 0, w = 0, dotdot = 0;
	bool rooted = path[0] == '/';
	char *out = xmalloc(n + 4);

	if (rooted) {
		out[w++] = '/';
		r = dotdot = 1;
	}
	while (r < n) {
		if (path[r] == '/') {
			r++;
		} else if (path[r] == '.' && (r + 1 == n || path[r + 1] == '/')) {
			r++;
		} else if (path[r] == '.' && path[r + 1] == '.' &&
			   (r + 2 == n || path[r + 2] == '/')) {
			r += 2;
			if (w > dotdot) {
				w--;
				while (w > dotdot && out[w] != '/')
					w--;
			} else if (!rooted) {
				if (w > 0)
					out[w++] = '/';
				out[w++] = '.';
				out[w++] = '.';
				dotdot = w;
			}
		} else {
			if ((rooted && w != 1) || (!rooted && w != 0))
				out[w++] = '/';
			for (; r < n && path[r] != '/'; r++)
				out[w++] = path[r];
		}
	}
	if (w == 0)
		out[w++] = '.';
	out[w] = '\0';
	return out;
}

/*
 * One character of a class (Go's getEsc): not '-' or ']' unescaped, '\' escapes, valid UTF-8,
 * and something must follow it. false for a malformed class.
 */
static bool class_char(const char *p, size_t *i, uint32_t *ret)
{
	if (!p[*i] || p[*i] == '-' || p[*i] == ']')
		return false;
	if (p[*i] == '\\' && !p[++*i])
		return false;
	*ret = rune_at(p, i);
	return *ret < 0x110000 && p[*i];
}

/* A [...] class at p[*i] (the '['), as filepath.Match reads it; false when malformed. */
static bool parse_class(const char *p, size_t *i, struct tok *ret)
{
	struct tok t = { .kind = T_CLASS };
	struct class_range rg;
	size_t alloc = 0;

	++*i;
	if (p[*i] == '^') {
		t.negated = true;
		++*i;
	}
	for (;;) {
		if (p[*i] == ']' && t.n_ranges) {
			++*i;
			break;
		}
		if (!class_char(p, i, &rg.lo)) {
			free(t.ranges);
			return false;
		}
		rg.hi = rg.lo;
		if (p[*i] == '-') {
			++*i;
			if (!class_char(p, i, &rg.hi)) {
				free(t.ranges);
				return false;
			}
		}
		t.ranges = xgrow(t.ranges, sizeof(*t.ranges), t.n_ranges + 1, &alloc);
		t.ranges[t.n_ranges++] = rg;
	}
	*ret = t;
	return true;
}

/* filepath.Match's syntax check of the whole pattern (Go >= 1.16 checks it all). */
static bool pattern_valid(const char *p)
{
	struct tok t;
	size_t i = 0;

	while (p[i]) {
		if (p[i] == '[') {
			if (!parse_class(p, &i, &t))
				return false;
			free(t.ranges);
		} else if (p[i] == '\\') {
			if (!p[++i])
				return false;
			(void)rune_at(p, &i);
		} else {
			i++;
		}
	}
	return true;
}

/*
 * patternmatcher's compile() decides between a plain comparison and a regexp; the plain kinds
 * are kept because "**foo" (a suffix test) means something else as a regexp.
 */
enum match_type {
	M_EXACT,
	M_PREFIX, /* "lit**": starts with lit */
	M_SUFFIX, /* "**lit": ends with lit */
	M_REGEXP,
};

static enum match_type match_type(const char *p)
{
	enum match_type t = M_EXACT;
	size_t i = 0, iter;

	for (iter = 0; p[i]; iter++) {
		if (p[i] == '*' && p[i + 1] == '*') {
			i += 2;
			if (p[i] == '/')
				i++;
			if (!p[i])
				t = t == M_EXACT ? M_PREFIX : M_REGEXP;
			else
				t = M_REGEXP;
			if (iter == 0)
				t = M_SUFFIX;
			continue;
		}
		if (p[i] == '*' || p[i] == '?' || p[i] == '[' || p[i] == ']' ||
		    (p[i] == '\\' && p[i + 1]))
			t = M_REGEXP;
		i += p[i] == '\\' && p[i + 1] ? 2 : 1;
	}
	return t;
}

static void push_literal(struct spec_ignore_glob *g, size_t *alloc, const char *s, size_t n)
{
	size_t i = 0;
	uint32_t c;

	while (i < n) {
		i += df_utf8_rune((const unsigned char *)s + i, n - i, &c);
		glob_push(g, alloc, (struct tok){ .kind = T_LIT, .c = c });
	}
}

/* Tokens for a valid, cleaned pattern (no '!'). */
static struct spec_ignore_glob *glob_compile(const char *p)
{
	struct spec_ignore_glob *g = xcalloc(1, sizeof(*g));
	enum match_type type = match_type(p);
	size_t alloc = 0, i = 0, n = strlen(p);
	struct tok t;

	switch (type) {
	case M_EXACT:
		push_literal(g, &alloc, p, n);
		return g;
	case M_PREFIX:
		push_literal(g, &alloc, p, n - 2);
		glob_push(g, &alloc, (struct tok){ .kind = T_ANY });
		return g;
	case M_SUFFIX:
		/* "**" then "/lit" is T_ANY_DIRS then lit; "**lit" is any string ending in lit */
		glob_push(g, &alloc, (struct tok){ .kind = p[2] == '/' ? T_ANY_DIRS : T_ANY });
		push_literal(g, &alloc, p + 2 + (p[2] == '/'), n - 2 - (p[2] == '/'));
		return g;
	case M_REGEXP:
		break;
	}
	while (p[i]) {
		if (p[i] == '*' && p[i + 1] == '*') {
			i += 2;
			if (p[i] == '/')
				i++;
			glob_push(g, &alloc, (struct tok){ .kind = p[i] ? T_ANY_DIRS : T_ANY });
		} else if (p[i] == '*' || p[i] == '?') {
			glob_push(g, &alloc,
				  (struct tok){ .kind = p[i] == '*' ? T_STAR : T_QMARK });
			i++;
		} else if (p[i] == '[') {
			if (!parse_class(p, &i, &t))
				return glob_free(g); /* pattern_valid said otherwise */
			glob_push(g, &alloc, t);
		} else {
			if (p[i] == '\\' && p[i + 1])
				i++;
			glob_push(g, &alloc, (struct tok){ .kind = T_LIT, .c = rune_at(p, &i) });
		}
	}
	return g;
}

/* ---- matching -----------------------------------------------------------------------------------
 */

/*
 * NFA states: 2 per token. at[i]: about to match token i; in[i]: inside the "(.*" of a
 * T_ANY_DIRS token i, so its empty alternative is no longer open. at[n] accepts.
 */
struct nfa {
	const struct spec_ignore_glob *g;
	bool *mem; /* the one allocation the four sets live in (they swap) */
	bool *at, *in, *nat, *nin;
};

static void nfa_init(struct nfa *m, const struct spec_ignore_glob *g)
{
	m->g = g;
	m->mem = m->at = xcalloc(4 * (g->n + 1), sizeof(bool));
	m->in = m->at + (g->n + 1);
	m->nat = m->in + (g->n + 1);
	m->nin = m->nat + (g->n + 1);
	m->at[0] = true;
}

static void nfa_release(struct nfa *m)
{
	free(m->mem);
}

static void nfa_closure(const struct spec_ignore_glob *g, bool *at)
{
	size_t i;

	for (i = 0; i < g->n; i++)
		if (at[i] && (g->toks[i].kind == T_STAR || g->toks[i].kind == T_ANY ||
			      g->toks[i].kind == T_ANY_DIRS))
			at[i + 1] = true;
}

static bool class_has(const struct tok *t, uint32_t c)
{
	size_t i;

	for (i = 0; i < t->n_ranges; i++)
		if (t->ranges[i].lo <= c && c <= t->ranges[i].hi)
			return !t->negated;
	return t->negated;
}

/* Consume one character; false when no state is left. */
static bool nfa_step(struct nfa *m, uint32_t c)
{
	const struct spec_ignore_glob *g = m->g;
	bool live = false, *tmp;
	size_t i, n = g->n;

	memset(m->nat, 0, (n + 1) * sizeof(bool));
	memset(m->nin, 0, (n + 1) * sizeof(bool));
	for (i = 0; i < n; i++) {
		const struct tok *t = &g->toks[i];

		if (t->kind == T_ANY_DIRS && (m->at[i] || m->in[i])) {
			m->nin[i] = true;
			if (c == '/')
				m->nat[i + 1] = true;
			continue;
		}
		if (!m->at[i])
			continue;
		switch (t->kind) {
		case T_LIT:
			m->nat[i + 1] |= c == t->c;
			break;
		case T_QMARK:
			m->nat[i + 1] |= c != '/';
			break;
		case T_CLASS:
			m->nat[i + 1] |= class_has(t, c);
			break;
		case T_STAR:
			m->nat[i] |= c != '/';
			break;
		case T_ANY:
			m->nat[i] = true;
			break;
		case T_ANY_DIRS:
			break;
		}
	}
	nfa_closure(g, m->nat);
	for (i = 0; i <= n; i++)
		live |= m->nat[i] || m->nin[i];
	tmp = m->at;
	m->at = m->nat;
	m->nat = tmp;
	tmp = m->in;
	m->in = m->nin;
	m->nin = tmp;
	return live;
}

/*
 * Does the pattern match path, or one of its parent directories (patternmatcher's
 * MatchesOrParentMatches)? One pass: the parents are the prefixes that end before a '/'.
 */
static bool glob_match_or_parent(const struct spec_ignore_glob *g, const char *path)
{
	size_t i = 0, n = strlen(path);
	bool found = false;
	struct nfa m;

	nfa_init(&m, g);
	nfa_closure(g, m.at);
	for (;;) {
		if (i == n) {
			found = m.at[g->n];
			break;
		}
		if (path[i] == '/' && m.at[g->n]) {
			found = true; /* the parent path[0..i) matched */
			break;
		}
		if (!nfa_step(&m, rune_at(path, &i)))
			break;
	}
	nfa_release(&m);
	return found;
}

/* Could the pattern match a path that starts with prefix? */
static bool glob_live_after(const struct spec_ignore_glob *g, const char *prefix)
{
	size_t i = 0;
	bool live = true;
	struct nfa m;

	nfa_init(&m, g);
	nfa_closure(g, m.at);
	while (live && prefix[i])
		live = nfa_step(&m, rune_at(prefix, &i));
	nfa_release(&m);
	return live;
}

/* ---- the file -----------------------------------------------------------------------------------
 */

static bool go_space(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* Go's strings.TrimSpace (ASCII blanks), in place. */
static char *trim(char *s)
{
	size_t n;

	while (go_space(*s))
		s++;
	n = strlen(s);
	while (n && go_space(s[n - 1]))
		s[--n] = '\0';
	return s;
}

/*
 * One line of the file: ignorefile.ReadAll's normalisation, then patternmatcher.New's. 1 and
 * the pattern, 0 for a line that holds none, or -EINVAL.
 */
static int parse_line(char *line, struct spec_ignore_pattern *ret, struct qerr *err)
{
	_cleanup_free_ char *cleaned = NULL, *joined = NULL, *again = NULL;
	const char *p;
	bool invert;

	if (line[0] == '#')
		return 0;
	line = trim(line);
	if (!*line)
		return 0;
	invert = line[0] == '!';
	if (invert)
		line = trim(line + 1);
	if (*line) {
		cleaned = path_clean(line);
		p = cleaned[0] == '/' && cleaned[1] ? cleaned + 1 : cleaned;
	} else {
		p = "";
	}
	joined = xasprintf("%s%s", invert ? "!" : "", p);
	again = path_clean(joined);
	p = again;
	if (p[0] == '!' && !p[1])
		return qerr_set(err, -EINVAL, "illegal exclusion pattern '!'");
	*ret = (struct spec_ignore_pattern){ .exception = p[0] == '!' };
	p += ret->exception;
	if (!pattern_valid(p))
		return qerr_set(err, -EINVAL, "bad pattern '%.100s': syntax error in pattern", p);
	ret->text = xstrdup(p);
	ret->glob = glob_compile(p);
	return 1;
}

int spec_ignore_parse(const char *buf, size_t len, struct spec_ignore *ret, struct qerr *err)
{
	struct spec_ignore ig = { 0 };
	struct spec_ignore_pattern pat;
	const char *s = buf, *end = buf + len, *nl;
	size_t alloc = 0, n;
	int line = 0, r = 0;
	char *copy;

	if (len > SPEC_DOCKERFILE_MAX_SIZE)
		return qerr_set(err, -EINVAL, ".dockerignore: too large (%zu bytes, at most %zu)",
				len, SPEC_DOCKERFILE_MAX_SIZE);
	if (len >= 3 && !memcmp(s, "\xef\xbb\xbf", 3))
		s += 3;
	while (s < end) {
		line++;
		nl = memchr(s, '\n', (size_t)(end - s));
		n = nl ? (size_t)(nl - s) : (size_t)(end - s);
		if (memchr(s, '\0', n)) {
			r = qerr_set(err, -EINVAL, "NUL byte");
			break;
		}
		copy = xstrndup(s, n && s[n - 1] == '\r' ? n - 1 : n);
		r = parse_line(copy, &pat, err);
		free(copy);
		if (r < 0)
			break;
		if (r > 0) {
			ig.patterns =
			    xgrow(ig.patterns, sizeof(*ig.patterns), ig.n_patterns + 1, &alloc);
			ig.patterns[ig.n_patterns++] = pat;
		}
		s += n + (nl != NULL);
	}
	if (r < 0) {
		spec_ignore_release(&ig);
		(void)qerr_wrap(err, r, ".dockerignore line %d", line);
		return spec_err_clean(err, r);
	}
	*ret = ig;
	return 0;
}

bool spec_ignore_match(const struct spec_ignore *ig, const char *relpath)
{
	bool matched = false;
	size_t i;

	for (i = 0; i < ig->n_patterns; i++) {
		const struct spec_ignore_pattern *p = &ig->patterns[i];

		/* only an exception can undo a match, only an exclusion can make one */
		if (p->exception != matched)
			continue;
		if (glob_match_or_parent(p->glob, relpath))
			matched = !p->exception;
	}
	return matched;
}

bool spec_ignore_may_match_inside(const struct spec_ignore *ig, const char *dirpath)
{
	_cleanup_free_ char *prefix = xasprintf("%s/", dirpath);
	size_t i;

	for (i = 0; i < ig->n_patterns; i++)
		if (ig->patterns[i].exception &&
		    (!*dirpath || glob_live_after(ig->patterns[i].glob, prefix)))
			return true;
	return false;
}

void spec_ignore_release(struct spec_ignore *ig)
{
	size_t i;

	for (i = 0; i < ig->n_patterns; i++) {
		free(ig->patterns[i].text);
		glob_free(ig->patterns[i].glob);
	}
	free(ig->patterns);
	*ig = (struct spec_ignore){ 0 };
}
