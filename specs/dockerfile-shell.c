#include "specs/specs-internal.h"

#include <strings.h>

/*
 * Dockerfile words: BuildKit's shell lexer (frontend/dockerfile/shell/lex.go), the word splitter
 * of its parser (parseWords in parser/line_parsers.go) and what is built on them: heredoc names
 * and the ENV / LABEL / ARG pairs. The lexer is not a shell: no command substitution, no
 * globbing, no arithmetic, and it differs from sh on purpose where docker does (an empty quoted
 * word "" is dropped when splitting; `\` escapes anything outside quotes).
 *
 * Deliberate differences from BuildKit, all in corners: blanks are ASCII only (Go's
 * unicode.IsSpace also splits on U+0085 and U+00A0); variable names are ASCII (Go accepts any
 * Unicode letter); in ${VAR//pat/s} the replacement is literal (Go's ReplaceAllString would
 * treat "$1" in it as a group reference); and a ${VAR:-w} inside a split word keeps the text
 * before it (BuildKit 0.15+ shares one word buffer between nesting levels and loses it).
 */

#define LEX_EOF (-1)

/* ---- buffers and word lists ----------------------------------------------------------------- */

void df_buf_add(struct df_buf *b, const char *s, size_t n)
{
	b->p = xgrow(b->p, 1, b->len + n + 1, &b->alloc);
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void df_buf_addc(struct df_buf *b, char c)
{
	df_buf_add(b, &c, 1);
}

static void df_buf_adds(struct df_buf *b, const char *s)
{
	df_buf_add(b, s, strlen(s));
}

char *df_buf_take(struct df_buf *b)
{
	char *p = b->p ? b->p : xstrdup("");

	b->p = NULL;
	b->len = b->alloc = 0;
	return p;
}

/* A NULL-terminated vector being built. */
struct words {
	char **v;
	size_t n, alloc;
};

static void words_push(struct words *w, char *s)
{
	w->v = xgrow(w->v, sizeof(*w->v), w->n + 2, &w->alloc);
	w->v[w->n++] = s;
	w->v[w->n] = NULL;
}

/* The vector (never NULL: an empty list is {NULL}); w is left empty. */
static char **words_take(struct words *w, size_t *ret_n)
{
	char **v = w->v ? w->v : xcalloc(1, sizeof(*v));

	if (ret_n)
		*ret_n = w->n;
	w->v = NULL;
	w->n = w->alloc = 0;
	return v;
}

static void words_clear(struct words *w)
{
	strn_free(w->v, w->n);
	w->v = NULL;
	w->n = w->alloc = 0;
}

/* Go's unicode.IsSpace, ASCII part. */
static bool is_blank(int c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

static bool is_name_char(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '_';
}

/* ---- the lexer --------------------------------------------------------------------------------
 */

/* What BuildKit's Lex carries besides the input. */
struct lex_opts {
	char escape;
	bool raw_quotes;  /* keep quote characters in the output */
	bool raw_escapes; /* keep escape characters in the output */
	bool skip_unset;  /* leave $VAR / ${VAR...} of an unset VAR as written */
	spec_df_lookup_fn lookup;
	void *data;
};

struct lexer {
	const char *s;
	size_t pos, len;
	const struct lex_opts *o;
	bool raw_escapes; /* the current setting (${VAR#pat} switches it on for pat) */
	struct qerr *err;
};

/*
 * Word splitting of the top level (BuildKit's wordsStruct): text from $ expansions and unquoted
 * text split on blanks, text from quotes and escapes never does, and an empty word is dropped.
 */
struct splitter {
	struct df_buf cur;
	struct words out;
};

static void split_flush(struct splitter *sp)
{
	if (sp->cur.len)
		words_push(&sp->out, df_buf_take(&sp->cur));
}

static void split_char(struct splitter *sp, char c)
{
	if (is_blank((unsigned char)c))
		split_flush(sp);
	else
		df_buf_addc(&sp->cur, c);
}

static int peek(const struct lexer *lx)
{
	return lx->pos < lx->len ? (unsigned char)lx->s[lx->pos] : LEX_EOF;
}

static int next(struct lexer *lx)
{
	int c = peek(lx);

	if (c != LEX_EOF)
		lx->pos++;
	return c;
}

static const char *lex_getenv(const struct lexer *lx, const char *name)
{
	return lx->o->lookup ? lx->o->lookup(lx->o->data, name) : NULL;
}

static int lex_fail(struct lexer *lx, const char *fmt, ...) _printf_(2, 3);

static int lex_fail(struct lexer *lx, const char *fmt, ...)
{
	va_list ap;

	if (lx->err) {
		lx->err->code = -EINVAL;
		va_start(ap, fmt);
		(void)vsnprintf(lx->err->msg, sizeof(lx->err->msg), fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

static int stop_on(struct lexer *lx, int stop, bool raw_escapes, struct df_buf *result,
		   struct splitter *sp);

/*
 * A name after $: a run of digits ($1, ${10}), one special parameter character, or letters,
 * digits and '_'. Possibly empty.
 */
static void read_name(struct lexer *lx, struct df_buf *name)
{
	int c = peek(lx);

	if (c >= '0' && c <= '9') {
		while ((c = peek(lx)) >= '0' && c <= '9')
			df_buf_addc(name, (char)next(lx));
		return;
	}
	if (c != LEX_EOF && strchr("@*#?-$!", c)) {
		df_buf_addc(name, (char)next(lx));
		return;
	}
	while ((c = peek(lx)) != LEX_EOF && is_name_char(c))
		df_buf_addc(name, (char)next(lx));
}

static int single_quote(struct lexer *lx, struct df_buf *out)
{
	int c = next(lx);

	if (lx->o->raw_quotes)
		df_buf_addc(out, (char)c);
	for (;;) {
		c = next(lx);
		if (c == LEX_EOF)
			return lex_fail(lx, "unexpected end of statement while looking for "
					    "matching single-quote");
		if (c == '\'') {
			if (lx->o->raw_quotes)
				df_buf_addc(out, (char)c);
			return 0;
		}
		df_buf_addc(out, (char)c);
	}
}

static int dollar(struct lexer *lx, struct df_buf *out);

/* "..." : $ expands; the escape char escapes only ", $ and itself and is literal otherwise. */
static int double_quote(struct lexer *lx, struct df_buf *out)
{
	int c = next(lx), r;

	if (lx->o->raw_quotes)
		df_buf_addc(out, (char)c);
	for (;;) {
		c = peek(lx);
		if (c == LEX_EOF)
			return lex_fail(lx, "unexpected end of statement while looking for "
					    "matching double-quote");
		if (c == '"') {
			lx->pos++;
			if (lx->o->raw_quotes)
				df_buf_addc(out, (char)c);
			return 0;
		}
		if (c == '$') {
			r = dollar(lx, out);
			if (r < 0)
				return r;
			continue;
		}
		lx->pos++;
		if (c == (unsigned char)lx->o->escape) {
			if (lx->raw_escapes)
				df_buf_addc(out, (char)c);
			if (peek(lx) == LEX_EOF)
				continue; /* an open quote: reported above */
			if (peek(lx) == '"' || peek(lx) == '$' ||
			    peek(lx) == (unsigned char)lx->o->escape)
				c = next(lx);
		}
		df_buf_addc(out, (char)c);
	}
}

/*
 * "<<" and the blanks after it stay one piece of a word, so that `COPY << EOF /x` keeps
 * "<< EOF" together for the heredoc code (BuildKit's processPossibleHeredoc).
 */
static void heredoc_op(struct lexer *lx, struct df_buf *out)
{
	int c;

	lx->pos++;
	df_buf_addc(out, '<');
	if (peek(lx) != '<')
		return;
	lx->pos++;
	df_buf_addc(out, '<');
	while ((c = peek(lx)) == ' ' || c == '\t' || c == '\r')
		df_buf_addc(out, (char)next(lx));
}

/* ---- $ expansion -------------------------------------------------------------------------------
 */

/* ${NAME-w} ${NAME:-w} ${NAME+w} ${NAME:+w} ${NAME?w} ${NAME:?w} ${NAME#w} ${NAME%w} ... */
static int modifier(struct lexer *lx, const char *name, int c, bool null_is_unset, const char *chs,
		    struct df_buf *out)
{
	_cleanup_free_ char *word = NULL;
	struct df_buf wb = { 0 };
	bool raw = c == '#' || c == '%', greedy = false;
	const char *value, *w;
	int r;

	if (null_is_unset && raw)
		return lex_fail(lx, "unsupported modifier (%s) in substitution", chs);
	r = stop_on(lx, '}', raw, &wb, NULL);
	word = df_buf_take(&wb);
	if (r < 0)
		return peek(lx) == LEX_EOF ? lex_fail(lx, "syntax error: missing '}'") : r;
	value = lex_getenv(lx, name);
	if (!value && lx->o->skip_unset) {
		df_buf_adds(out, "${");
		df_buf_adds(out, name);
		df_buf_adds(out, chs);
		df_buf_adds(out, word);
		df_buf_addc(out, '}');
		return 0;
	}
	switch (c) {
	case '-':
		df_buf_adds(out, !value || (null_is_unset && !*value) ? word : value);
		return 0;
	case '+':
		if (value && !(null_is_unset && !*value))
			df_buf_adds(out, word);
		return 0;
	case '?':
		if (!value)
			return lex_fail(lx, "%s: %s", name,
					*word ? word : "is not allowed to be unset");
		if (null_is_unset && !*value)
			return lex_fail(lx, "%s: %s", name,
					*word ? word : "is not allowed to be empty");
		df_buf_adds(out, value);
		return 0;
	case '#':
	case '%':
		w = word;
		if (*w == c) {
			greedy = true;
			w++;
		}
		return df_pattern_trim(w, value ? value : "", c == '%', greedy, out, lx->err);
	default:
		return lex_fail(lx, "unsupported modifier (%s) in substitution", chs);
	}
}

/* ${NAME/pat/s}, ${NAME//pat/s}: the '/' after NAME has been read. */
static int substitute(struct lexer *lx, const char *name, struct df_buf *out)
{
	_cleanup_free_ char *pat = NULL, *with = NULL;
	struct df_buf pb = { 0 }, wb = { 0 };
	bool all = false;
	const char *value;
	int r;

	if (peek(lx) == '/') {
		lx->pos++;
		all = true;
	}
	r = stop_on(lx, '/', true, &pb, NULL);
	pat = df_buf_take(&pb);
	if (r < 0)
		return peek(lx) == LEX_EOF ? lex_fail(lx, "syntax error: missing '/' in ${}") : r;
	r = stop_on(lx, '}', true, &wb, NULL);
	with = df_buf_take(&wb);
	if (r < 0)
		return peek(lx) == LEX_EOF ? lex_fail(lx, "syntax error: missing '}'") : r;
	value = lex_getenv(lx, name);
	if (!value && lx->o->skip_unset) {
		df_buf_adds(out, "${");
		df_buf_adds(out, name);
		df_buf_addc(out, '/');
		df_buf_adds(out, pat);
		df_buf_addc(out, '/');
		df_buf_adds(out, with);
		df_buf_addc(out, '}');
		return 0;
	}
	return df_pattern_replace(pat, value ? value : "", with, all, out, lx->err);
}

/* $NAME or ${...}; lx is on the '$'. */
static int dollar(struct lexer *lx, struct df_buf *out)
{
	_cleanup_free_ char *name = NULL;
	struct df_buf nb = { 0 };
	const char *value;
	char chs[3] = "";
	int c;

	lx->pos++;
	if (peek(lx) != '{') {
		read_name(lx, &nb);
		name = df_buf_take(&nb);
		if (!*name) {
			df_buf_addc(out, '$'); /* "$" before a non-name character is literal */
			return 0;
		}
		value = lex_getenv(lx, name);
		if (value) {
			df_buf_adds(out, value);
		} else if (lx->o->skip_unset) {
			df_buf_addc(out, '$');
			df_buf_adds(out, name);
		}
		return 0;
	}
	lx->pos++;
	c = peek(lx);
	if (c == LEX_EOF)
		return lex_fail(lx, "syntax error: missing '}'");
	if (c == '{' || c == '}' || c == ':')
		return lex_fail(lx, "syntax error: bad substitution");
	read_name(lx, &nb);
	name = df_buf_take(&nb);
	c = next(lx);
	chs[0] = (char)c;
	switch (c) {
	case '}':
		value = lex_getenv(lx, name);
		if (!value && lx->o->skip_unset) {
			df_buf_adds(out, "${");
			df_buf_adds(out, name);
			df_buf_addc(out, '}');
		} else if (value) {
			df_buf_adds(out, value);
		}
		return 0;
	case ':':
		c = next(lx);
		chs[1] = c == LEX_EOF ? '\0' : (char)c;
		return modifier(lx, name, c, true, chs, out);
	case '+':
	case '-':
	case '?':
	case '#':
	case '%':
		return modifier(lx, name, c, false, chs, out);
	case '/':
		return substitute(lx, name, out);
	case LEX_EOF:
		return lex_fail(lx, "syntax error: missing '}'");
	default:
		return lex_fail(lx, "unsupported modifier (%s) in substitution", chs);
	}
}

/*
 * Process text up to `stop` (consumed) or the end (stop LEX_EOF), appending the result; words
 * are collected only at the top level (sp NULL below it).
 */
static int stop_on(struct lexer *lx, int stop, bool raw_escapes, struct df_buf *result,
		   struct splitter *sp)
{
	bool saved = lx->raw_escapes;
	struct df_buf tmp;
	size_t i;
	int r = 0, c;

	lx->raw_escapes = raw_escapes;
	while ((c = peek(lx)) != LEX_EOF) {
		if (c == stop) {
			lx->pos++;
			goto out;
		}
		if (c == '$' || c == '<' || c == '\'' || c == '"') {
			tmp = (struct df_buf){ 0 };
			if (c == '$')
				r = dollar(lx, &tmp);
			else if (c == '\'')
				r = single_quote(lx, &tmp);
			else if (c == '"')
				r = double_quote(lx, &tmp);
			else
				heredoc_op(lx, &tmp);
			if (r >= 0 && tmp.len) {
				df_buf_add(result, tmp.p, tmp.len);
				for (i = 0; sp && i < tmp.len; i++)
					if (c == '$')
						split_char(sp, tmp.p[i]);
					else
						df_buf_addc(&sp->cur, tmp.p[i]);
			}
			free(tmp.p);
			if (r < 0)
				goto out;
			continue;
		}
		lx->pos++;
		if (c == (unsigned char)lx->o->escape) {
			if (lx->raw_escapes) {
				if (sp)
					df_buf_addc(&sp->cur, (char)c);
				df_buf_addc(result, (char)c);
			}
			/* an escape char at the very end is dropped */
			if ((c = next(lx)) == LEX_EOF)
				break;
			if (sp)
				df_buf_addc(&sp->cur, (char)c);
		} else if (sp) {
			split_char(sp, (char)c);
		}
		df_buf_addc(result, (char)c);
	}
	if (stop != LEX_EOF)
		r = lex_fail(lx, "unexpected end of statement while looking for matching %c",
			     (char)stop);
out:
	lx->raw_escapes = saved;
	return r;
}

/* Run the lexer over s: one word (split false) or the split words. */
static int lex(const char *s, const struct lex_opts *o, bool split, char ***ret_words,
	       size_t *ret_n, struct qerr *err)
{
	struct lexer lx = {
		.s = s, .len = strlen(s), .o = o, .raw_escapes = o->raw_escapes, .err = err
	};
	struct splitter sp = { 0 };
	struct df_buf result = { 0 };
	struct words one = { 0 };
	int r;

	r = stop_on(&lx, LEX_EOF, o->raw_escapes, &result, split ? &sp : NULL);
	if (r < 0) {
		free(result.p);
		free(sp.cur.p);
		words_clear(&sp.out);
		return r;
	}
	if (!split) {
		words_push(&one, df_buf_take(&result));
		*ret_words = words_take(&one, ret_n);
		return 0;
	}
	free(result.p);
	split_flush(&sp);
	*ret_words = words_take(&sp.out, ret_n);
	return 0;
}

int spec_df_expand(const char *s, char escape, bool split, spec_df_lookup_fn lookup, void *data,
		   char ***ret_words, size_t *ret_n, struct qerr *err)
{
	const struct lex_opts o = { .escape = escape, .lookup = lookup, .data = data };
	int r;

	r = lex(s, &o, split, ret_words, ret_n, err);
	if (r < 0) {
		(void)qerr_wrap(err, r, "expanding '%.*s%s'", df_quoted_len(s), s, df_ellipsis(s));
		return spec_err_clean(err, r);
	}
	return 0;
}

/* ---- heredoc names -----------------------------------------------------------------------------
 */

static size_t count_quotes(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '\'' || *s == '"';
	return n;
}

/*
 * A word of the form [N]<<[-][blanks]NAME (BuildKit's reHeredoc, ^(\d*)<<(-?)\s*([^<]*)$):
 * 1 and the heredoc, 0 when the word is not one, or -EINVAL. The name is lexed without
 * expansion; any quote in it turns expansion of the body off.
 */
static int heredoc_word(const char *w, struct spec_df_heredoc *ret, struct qerr *err)
{
	struct lex_opts o = { .escape = '\\', .skip_unset = true };
	char **words = NULL, **raw = NULL;
	size_t n = 0, n_raw = 0;
	bool chomp;
	int r;

	while (*w >= '0' && *w <= '9')
		w++;
	if (!str_has_prefix(w, "<<"))
		return 0;
	w += 2;
	chomp = *w == '-';
	w += chomp;
	while (*w == ' ' || (*w >= '\t' && *w <= '\r' && *w != '\v'))
		w++;
	if (!*w || strchr(w, '<'))
		return 0;
	r = lex(w, &o, true, &words, &n, err);
	if (r < 0)
		return qerr_wrap(err, r, "heredoc '%.*s%s'", df_quoted_len(w), w, df_ellipsis(w));
	if (n != 1) {
		strv_free(words);
		return 0;
	}
	o.raw_quotes = true;
	r = lex(w, &o, true, &raw, &n_raw, err);
	if (r < 0 || n_raw != 1) {
		strv_free(words);
		strv_free(raw);
		if (r >= 0)
			(void)qerr_set(err, -EINVAL, "inconsistent heredoc name");
		return qerr_wrap(err, -EINVAL, "heredoc '%.*s%s'", df_quoted_len(w), w,
				 df_ellipsis(w));
	}
	*ret = (struct spec_df_heredoc){
		.name = xstrdup(words[0]),
		.expand = count_quotes(words[0]) == count_quotes(raw[0]),
		.chomp_tabs = chomp,
	};
	strv_free(words);
	strv_free(raw);
	return 1;
}

int df_heredocs_from_line(const char *line, struct spec_df_heredoc **ret_v, size_t *ret_n,
			  struct qerr *err)
{
	/* the line is split with quotes and escapes kept, so "<<EOF" in quotes is no heredoc */
	const struct lex_opts o = {
		.escape = '\\', .raw_quotes = true, .raw_escapes = true, .skip_unset = true
	};
	struct spec_df_heredoc *v = NULL, h;
	size_t i, n = 0, nw = 0, alloc = 0;
	char **words = NULL;
	int r;

	*ret_v = NULL;
	*ret_n = 0;
	if (lex(line, &o, true, &words, &nw, NULL) < 0)
		return 0; /* BuildKit ignores the error here: no heredocs */
	for (i = 0; i < nw; i++) {
		r = heredoc_word(words[i], &h, err);
		if (r < 0) {
			while (n)
				free(v[--n].name);
			free(v);
			strv_free(words);
			return r;
		}
		if (r == 0)
			continue;
		v = xgrow(v, sizeof(*v), n + 1, &alloc);
		v[n++] = h;
	}
	strv_free(words);
	*ret_v = v;
	*ret_n = n;
	return 0;
}

/* ---- ENV, LABEL, ARG ----------------------------------------------------------------------------
 */

/*
 * docker's parseWords: split on blanks outside quotes, keeping quotes and escapes in the words
 * (they are processed when each key and value is expanded). A quoted empty word is kept.
 */
static void parse_words(const char *rest, char esc, struct words *out)
{
	enum { SPACES, WORD, QUOTE } phase = SPACES;
	size_t pos, n = strlen(rest);
	struct df_buf w = { 0 };
	bool blank_ok = false;
	char quote = 0, ch;

	for (pos = 0; pos <= n; pos++) {
		ch = pos < n ? rest[pos] : '\0';
		if (phase == SPACES) {
			if (pos == n)
				break;
			if (is_blank((unsigned char)ch))
				continue;
			phase = WORD;
		}
		if (pos == n) {
			if (blank_ok || w.len)
				words_push(out, df_buf_take(&w));
			break;
		}
		if (phase == WORD) {
			if (is_blank((unsigned char)ch)) {
				phase = SPACES;
				if (blank_ok || w.len)
					words_push(out, df_buf_take(&w));
				blank_ok = false;
				continue;
			}
			if (ch == '\'' || ch == '"') {
				quote = ch;
				blank_ok = true;
				phase = QUOTE;
			}
			if (ch == esc) {
				if (pos + 1 == n)
					continue; /* an escape char at the end is dropped */
				df_buf_addc(&w, ch);
				ch = rest[++pos];
			}
			df_buf_addc(&w, ch);
			continue;
		}
		if (ch == quote)
			phase = WORD;
		if (ch == esc && quote != '\'') {
			if (pos + 1 == n) {
				phase = WORD;
				continue;
			}
			df_buf_addc(&w, ch);
			ch = rest[++pos];
		}
		df_buf_addc(&w, ch);
	}
	free(w.p);
}

enum kv_kind {
	KV_ENV,
	KV_LABEL,
	KV_ARG,
};

static int kv_kind(const char *keyword, enum kv_kind *ret)
{
	if (!strcasecmp(keyword, "ENV"))
		*ret = KV_ENV;
	else if (!strcasecmp(keyword, "LABEL"))
		*ret = KV_LABEL;
	else if (!strcasecmp(keyword, "ARG"))
		*ret = KV_ARG;
	else
		return -EINVAL;
	return 0;
}

static bool is_reblank(char c)
{
	return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r';
}

int df_split_keyvalues(const char *rest, char escape, const char *keyword, char ***ret_keys,
		       char ***ret_values, size_t *ret_n, struct qerr *err)
{
	struct words words = { 0 }, keys = { 0 }, values = { 0 };
	_cleanup_free_ char *trimmed = NULL;
	const char *kw, *eq, *p;
	enum kv_kind kind;
	size_t i, n;
	int r = 0;

	if (kv_kind(keyword, &kind) < 0)
		return qerr_set(err, -EINVAL, "'%s' has no key=value pairs", keyword);
	kw = kind == KV_ENV ? "ENV" : kind == KV_LABEL ? "LABEL" : "ARG";
	while (is_blank((unsigned char)*rest))
		rest++;
	n = strlen(rest);
	while (n && is_blank((unsigned char)rest[n - 1]))
		n--;
	trimmed = xstrndup(rest, n);
	parse_words(trimmed, escape, &words);
	if (!words.n) {
		r = qerr_set(err, -EINVAL, "%s requires at least one argument", kw);
		goto out;
	}
	if (kind != KV_ARG && !strchr(words.v[0], '=')) {
		/* the legacy form ENV KEY VALUE: one pair, the value is the rest of the line */
		for (p = trimmed; *p && !is_reblank(*p); p++)
			;
		if (!*p) {
			r = qerr_set(err, -EINVAL, "%s must have two arguments", kw);
			goto out;
		}
		words_push(&keys, xstrndup(trimmed, (size_t)(p - trimmed)));
		while (is_reblank(*p))
			p++;
		words_push(&values, xstrdup(p));
		goto out;
	}
	for (i = 0; i < words.n; i++) {
		eq = strchr(words.v[i], '=');
		if (!eq && kind != KV_ARG) {
			r = qerr_set(
			    err, -EINVAL,
			    "%s: can't find '=' in '%.*s%s', must be of the form name=value", kw,
			    df_quoted_len(words.v[i]), words.v[i], df_ellipsis(words.v[i]));
			goto out;
		}
		if (eq == words.v[i]) {
			r = qerr_set(err, -EINVAL, "%s names can not be blank", kw);
			goto out;
		}
		words_push(&keys, eq ? xstrndup(words.v[i], (size_t)(eq - words.v[i]))
				     : xstrdup(words.v[i]));
		/* words_push keeps a NULL terminator, so a NULL value needs counting by hand */
		values.v = xgrow(values.v, sizeof(*values.v), values.n + 2, &values.alloc);
		values.v[values.n++] = eq ? xstrdup(eq + 1) : NULL;
		values.v[values.n] = NULL;
	}
out:
	words_clear(&words);
	if (r < 0) {
		words_clear(&keys);
		spec_df_keyvalues_free(NULL, values.v, values.n);
		return spec_err_clean(err, r);
	}
	*ret_keys = words_take(&keys, ret_n);
	*ret_values = values.v ? values.v : xcalloc(1, sizeof(char *));
	return 0;
}

static bool is_shell_name(const char *s)
{
	if (!*s || (*s >= '0' && *s <= '9'))
		return false;
	for (; *s; s++)
		if (!is_name_char((unsigned char)*s))
			return false;
	return true;
}

/* One word, expanded without splitting. */
static int expand_one(const char *s, char escape, spec_df_lookup_fn lookup, void *data, char **ret,
		      struct qerr *err)
{
	char **v;
	int r;

	r = spec_df_expand(s, escape, false, lookup, data, &v, NULL, err);
	if (r < 0)
		return r;
	*ret = v[0];
	free(v);
	return 0;
}

int spec_df_keyvalues(const char *rest, char escape, const char *keyword, spec_df_lookup_fn lookup,
		      void *data, char ***ret_keys, char ***ret_values, size_t *ret_n,
		      struct qerr *err)
{
	char **keys = NULL, **values = NULL, *k, *v;
	enum kv_kind kind;
	size_t i, n = 0;
	int r;

	r = df_split_keyvalues(rest, escape, keyword, &keys, &values, &n, err);
	if (r < 0)
		return r;
	(void)kv_kind(keyword, &kind);
	for (i = 0; i < n; i++) {
		r = expand_one(keys[i], escape, lookup, data, &k, err);
		if (r < 0)
			goto fail;
		free(keys[i]);
		keys[i] = k;
		if (kind == KV_ARG && !is_shell_name(k)) {
			r = qerr_set(err, -EINVAL,
				     "ARG: '%.*s%s' is not a valid name (letters, digits and '_', "
				     "not starting with a digit)",
				     df_quoted_len(k), k, df_ellipsis(k));
			goto fail;
		}
		if (!*k) {
			r = qerr_set(err, -EINVAL, "%s names can not be blank",
				     kind == KV_ENV ? "ENV" : "LABEL");
			goto fail;
		}
		if (!values[i])
			continue;
		r = expand_one(values[i], escape, lookup, data, &v, err);
		if (r < 0)
			goto fail;
		free(values[i]);
		values[i] = v;
	}
	*ret_keys = keys;
	*ret_values = values;
	*ret_n = n;
	return 0;
fail:
	spec_df_keyvalues_free(keys, values, n);
	return spec_err_clean(err, r);
}

void spec_df_keyvalues_free(char **keys, char **values, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (keys)
			free(keys[i]);
		if (values)
			free(values[i]);
	}
	free(keys);
	free(values);
}
