#include "specs/specs-internal.h"

#include <strings.h>

/*
 * The Dockerfile parser, after BuildKit's frontend/dockerfile/parser (parser.go, line_parsers.go,
 * split_command.go, directives.go) plus the argument checks that its instructions package makes
 * before anything is expanded, so that `qrun build` fails on a malformed file before it starts.
 *
 * Physical lines are read one at a time; an instruction is its first line (leading blanks
 * removed) followed by continuation lines while a line ends in the escape char. Docker's rules
 * for that are a little odd and are kept: comment and blank lines inside a continued
 * instruction are skipped, continuation lines keep their leading blanks, nothing is inserted
 * where lines join, and an escape char preceded by another one does not continue the line.
 *
 * Deliberate differences from BuildKit: an unknown instruction is an error here, not later; a
 * flag on an instruction that takes none is an error (also on STOPSIGNAL, where docker drops
 * it); RUN without a command is an error (docker fails when running it); invalid UTF-8 or
 * "\u0000" inside an exec-form JSON array makes it shell form (Go's decoder accepts both); and
 * the limit on a physical line is SPEC_DOCKERFILE_MAX_LINE (BuildKit's scanner stops at 64 KiB).
 */

/* How the arguments of an instruction are read (the dispatch table of BuildKit's parser.go). */
enum df_form {
	FORM_SHELL,   /* RUN CMD ENTRYPOINT SHELL: a JSON array, or a command line kept whole */
	FORM_LIST,    /* ADD COPY VOLUME: a JSON array, or words split on blanks */
	FORM_WORDS,   /* FROM EXPOSE: words split on blanks */
	FORM_STRING,  /* MAINTAINER USER WORKDIR STOPSIGNAL: the rest of the line */
	FORM_PAIRS,   /* ENV LABEL ARG: key=value pairs */
	FORM_HEALTH,  /* HEALTHCHECK: NONE, or CMD and a command */
	FORM_ONBUILD, /* ONBUILD: another instruction */
};

struct keyword {
	const char *name;
	enum df_form form;
	const char *const *flags; /* the flags docker defines for it, NULL-terminated; or NULL */
};

static const char *const from_flags[] = { "platform", NULL };
static const char *const run_flags[] = { "mount", "network", "security", "device", NULL };
static const char *const add_flags[] = { "chown",    "chmod",  "link",	  "keep-git-dir",
					 "checksum", "unpack", "exclude", NULL };
static const char *const copy_flags[] = { "from",    "chown",	"chmod", "link",
					  "parents", "exclude", NULL };
static const char *const health_flags[] = { "interval",	      "timeout", "start-period",
					    "start-interval", "retries", NULL };

static const struct keyword keywords[] = {
	{ "ADD", FORM_LIST, add_flags },
	{ "ARG", FORM_PAIRS, NULL },
	{ "CMD", FORM_SHELL, NULL },
	{ "COPY", FORM_LIST, copy_flags },
	{ "ENTRYPOINT", FORM_SHELL, NULL },
	{ "ENV", FORM_PAIRS, NULL },
	{ "EXPOSE", FORM_WORDS, NULL },
	{ "FROM", FORM_WORDS, from_flags },
	{ "HEALTHCHECK", FORM_HEALTH, health_flags },
	{ "LABEL", FORM_PAIRS, NULL },
	{ "MAINTAINER", FORM_STRING, NULL },
	{ "ONBUILD", FORM_ONBUILD, NULL },
	{ "RUN", FORM_SHELL, run_flags },
	{ "SHELL", FORM_SHELL, NULL },
	{ "STOPSIGNAL", FORM_STRING, NULL },
	{ "USER", FORM_STRING, NULL },
	{ "VOLUME", FORM_LIST, NULL },
	{ "WORKDIR", FORM_STRING, NULL },
};

static const struct keyword *find_keyword(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(keywords); i++)
		if (!strcasecmp(keywords[i].name, name))
			return &keywords[i];
	return NULL;
}

/* Go's unicode.IsSpace, ASCII part (TrimSpace, TrimLeftFunc). */
static bool go_space(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

/* The separator of BuildKit's reWhitespace, [\t\v\f\r ]+. */
static bool sep_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\v' || c == '\f' || c == '\r';
}

static size_t skip_space(const char *s, size_t n)
{
	size_t k = 0;

	while (k < n && go_space(s[k]))
		k++;
	return k;
}

/* Drop the line end: every trailing '\r' and '\n' (Go's TrimRight(s, "\r\n")). */
static size_t trim_newline(const char *s, size_t n)
{
	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	return n;
}

static bool is_comment(const char *s, size_t n)
{
	size_t k = skip_space(s, n);

	return k < n && s[k] == '#';
}

/*
 * A line ending in the escape char, perhaps followed by spaces and tabs, continues; the escape
 * char is cut off with what follows it. Not when the escape char is itself escaped ("a \\"):
 * BuildKit's regexp ([^E])E[ \t]*$|^E[ \t]*$.
 */
static bool trim_continuation(char esc, const char *s, size_t *n)
{
	size_t k = *n;

	while (k && (s[k - 1] == ' ' || s[k - 1] == '\t'))
		k--;
	if (!k || s[k - 1] != esc || (k >= 2 && s[k - 2] == esc))
		return false;
	*n = k - 1;
	return true;
}

/* ---- reading lines and directives ------------------------------------------------------------ */

enum directive_bits {
	DIR_ESCAPE = 1 << 0,
	DIR_SYNTAX = 1 << 1,
	DIR_CHECK = 1 << 2,
};

struct parser {
	const char *buf;
	size_t len, pos; /* pos: where the next physical line starts */
	int lineno;	 /* physical lines read so far */
	char escape;
	bool directives_done;
	unsigned seen; /* enum directive_bits */
	char *syntax;
	struct qerr *err;
};

/* The next physical line with its line end: 1, or 0 at the end of the file, or -EINVAL. */
static int next_line(struct parser *p, const char **ret, size_t *ret_len)
{
	const char *s = p->buf + p->pos, *nl;
	size_t n;

	if (p->pos >= p->len)
		return 0;
	nl = memchr(s, '\n', p->len - p->pos);
	n = nl ? (size_t)(nl - s) + 1 : p->len - p->pos;
	p->pos += n;
	p->lineno++;
	if (trim_newline(s, n) > SPEC_DOCKERFILE_MAX_LINE)
		return qerr_set(p->err, -EINVAL, "Dockerfile line %d: longer than %zu bytes",
				p->lineno, SPEC_DOCKERFILE_MAX_LINE);
	if (p->lineno == 1 && n >= 3 && !memcmp(s, "\xef\xbb\xbf", 3)) {
		s += 3;
		n -= 3;
	}
	*ret = s;
	*ret_len = n;
	return 1;
}

static bool ascii_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Go's regexp \s: [\t\n\f\r ]. */
static bool re_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

/*
 * A parser directive, `# name = value` (BuildKit's DirectiveParser): only while no other line
 * has been seen, names escape, syntax and check (any case), each at most once. Anything else,
 * an unknown name included, ends the directives and is an ordinary comment or instruction.
 */
static int directive(struct parser *p, const char *s, size_t n)
{
	static const struct {
		const char *name;
		unsigned bit;
	} known[] = { { "escape", DIR_ESCAPE }, { "syntax", DIR_SYNTAX }, { "check", DIR_CHECK } };
	size_t i = 1, name_start, name_len, v, vn;
	const char *known_name = NULL;
	unsigned bit = 0;

	if (p->directives_done)
		return 0;
	p->directives_done = true;
	if (!n || s[0] != '#')
		return 0;
	i += skip_space(s + i, n - i);
	name_start = i;
	if (i == n || !ascii_alpha(s[i]))
		return 0;
	while (i < n && (ascii_alpha(s[i]) || (s[i] >= '0' && s[i] <= '9')))
		i++;
	name_len = i - name_start;
	while (i < n && re_space(s[i]))
		i++;
	if (i == n || s[i] != '=')
		return 0;
	i++;
	v = i;
	while (v < n && re_space(s[v]))
		v++;
	vn = n;
	while (vn > v && re_space(s[vn - 1]))
		vn--;
	/* (.+?)\s*$ wants one character: "name= " has the value " " */
	if (vn == v) {
		if (v == i)
			return 0;
		v--;
		vn = v + 1;
	}
	for (i = 0; i < ARRAY_SIZE(known); i++)
		if (strlen(known[i].name) == name_len &&
		    !strncasecmp(known[i].name, s + name_start, name_len)) {
			bit = known[i].bit;
			known_name = known[i].name;
		}
	if (!bit)
		return 0;
	p->directives_done = false;
	if (p->seen & bit)
		return qerr_set(p->err, -EINVAL,
				"Dockerfile line %d: only one %s parser directive can be used",
				p->lineno, known_name);
	p->seen |= bit;
	if (bit == DIR_ESCAPE) {
		if (vn - v != 1 || (s[v] != '\\' && s[v] != '`'))
			return qerr_set(p->err, -EINVAL,
					"Dockerfile line %d: invalid escape token '%.*s' does not "
					"match ` or \\",
					p->lineno, (int)(vn - v > 32 ? 32 : vn - v), s + v);
		p->escape = s[v];
	} else if (bit == DIR_SYNTAX) {
		p->syntax = xstrndup(s + v, vn - v);
	}
	return 0;
}

/* ---- one instruction ------------------------------------------------------------------------- */

/*
 * Leading --flags (BuildKit's extractBuilderFlags): words starting with "--", quotes and the
 * escape char processed inside them; a lone "--" ends them. *ret_rest points into line.
 */
static void extract_flags(const char *line, char esc, char ***ret_flags, size_t *ret_n,
			  const char **ret_rest)
{
	enum { SPACES, WORD, QUOTE } phase = SPACES;
	size_t pos, n = strlen(line), count = 0, alloc = 0;
	struct df_buf w = { 0 };
	char **v = NULL, quote = 0, ch;
	bool blank_ok = false, dashes;

	*ret_rest = line + n;
	for (pos = 0; pos <= n; pos++) {
		ch = pos < n ? line[pos] : '\0';
		if (phase == SPACES) {
			if (pos == n)
				break;
			if (go_space(ch))
				continue;
			if (ch != '-' || pos + 1 == n || line[pos + 1] != '-') {
				*ret_rest = line + pos;
				break;
			}
			phase = WORD;
		}
		dashes = w.len == 2 && !memcmp(w.p, "--", 2);
		if (pos == n) {
			if (!dashes && (blank_ok || w.len)) {
				v = xgrow(v, sizeof(*v), count + 2, &alloc);
				v[count++] = df_buf_take(&w);
			}
			break;
		}
		if (phase == WORD) {
			if (go_space(ch)) {
				phase = SPACES;
				if (dashes) {
					*ret_rest = line + pos;
					break;
				}
				if (blank_ok || w.len) {
					v = xgrow(v, sizeof(*v), count + 2, &alloc);
					v[count++] = df_buf_take(&w);
				}
				blank_ok = false;
				continue;
			}
			if (ch == '\'' || ch == '"') {
				quote = ch;
				blank_ok = true;
				phase = QUOTE;
				continue;
			}
			if (ch == esc) {
				if (pos + 1 == n)
					continue;
				ch = line[++pos];
			}
			df_buf_addc(&w, ch);
			continue;
		}
		if (ch == quote) {
			phase = WORD;
			continue;
		}
		if (ch == esc) {
			if (pos + 1 == n) {
				phase = WORD;
				continue;
			}
			ch = line[++pos];
		}
		df_buf_addc(&w, ch);
	}
	free(w.p);
	*ret_flags = v;
	*ret_n = count;
}

static bool flag_known(const struct keyword *kw, const char *name)
{
	const char *const *f;

	for (f = kw->flags; f && *f; f++)
		if (!strcmp(*f, name))
			return true;
	return false;
}

/* Copy the flag words into ins; returns the first flag kw does not define, or NULL. */
static const char *set_flags(struct spec_df_instruction *ins, const struct keyword *kw,
			     char **words, size_t n)
{
	const char *unknown = NULL, *eq;
	size_t i;

	if (n)
		ins->flags = xcalloc(n, sizeof(*ins->flags));
	for (i = 0; i < n; i++) {
		/* every word starts with "--" (extract_flags) */
		eq = strchr(words[i], '=');
		ins->flags[i].name = eq ? xstrndup(words[i] + 2, (size_t)(eq - words[i] - 2))
					: xstrdup(words[i] + 2);
		ins->flags[i].value = eq ? xstrdup(eq + 1) : NULL;
		ins->n_flags++;
		if (!unknown && !flag_known(kw, ins->flags[i].name))
			unknown = ins->flags[i].name;
	}
	return unknown;
}

/*
 * An exec-form JSON array: 1 and the strings, 0 when rest is not one (shell form), or -EINVAL
 * for an array holding something other than strings (BuildKit's parseJSON).
 */
static int parse_json(const char *rest, char ***ret_args, size_t *ret_n, struct qerr *err)
{
	_cleanup_jdoc_ struct jdoc *doc = NULL;
	const struct jnode *root;
	struct qerr ignored;
	size_t i, n;
	char **v;

	if (rest[0] != '[' || jdoc_parse("Dockerfile", rest, strlen(rest), &doc, &ignored) < 0)
		return 0;
	root = jdoc_root(doc);
	if (jnode_type(root) != JT_ARRAY)
		return 0;
	n = jnode_len(root);
	for (i = 0; i < n; i++)
		if (jnode_type(jnode_item(root, i)) != JT_STRING)
			return qerr_set(err, -EINVAL,
					"when using JSON array syntax, arrays must "
					"be comprised of strings only");
	v = xcalloc(n + 1, sizeof(*v));
	for (i = 0; i < n; i++)
		v[i] = xstrdup(jnode_string(jnode_item(root, i)));
	*ret_args = v;
	*ret_n = n;
	return 1;
}

/* rest split on BuildKit's reWhitespace (rest is trimmed, so no empty words). */
static void split_blanks(const char *rest, char ***ret_args, size_t *ret_n)
{
	size_t n = 0, alloc = 0, k;
	char **v = xcalloc(1, sizeof(*v));

	while (*rest) {
		for (k = 0; rest[k] && !sep_blank(rest[k]); k++)
			;
		v = xgrow(v, sizeof(*v), n + 2, &alloc);
		v[n++] = xstrndup(rest, k);
		v[n] = NULL;
		rest += k;
		while (sep_blank(*rest))
			rest++;
	}
	*ret_args = v;
	*ret_n = n;
}

/* json / args from rest: exec form when rest is a JSON array of strings. */
static int args_maybe_json(struct spec_df_instruction *ins, bool list, struct qerr *err)
{
	int r;

	r = parse_json(ins->rest, &ins->args, &ins->n_args, err);
	if (r < 0)
		return r;
	ins->json = r > 0;
	if (!ins->json && list)
		split_blanks(ins->rest, &ins->args, &ins->n_args);
	return 0;
}

/* FROM image [AS name]: the stage name as docker checks it, before expansion. */
static int check_from(const struct spec_df_instruction *ins, struct qerr *err)
{
	const char *name;
	size_t i;

	if (ins->n_args != 1 && !(ins->n_args == 3 && !strcasecmp(ins->args[1], "AS")))
		return qerr_set(err, -EINVAL, "FROM requires either one or three arguments");
	if (ins->n_args == 1)
		return 0;
	name = ins->args[2];
	/* docker lower-cases the name, then wants ^[a-z][a-z0-9-_.]*$ */
	for (i = 0; name[i]; i++) {
		if (ascii_alpha(name[i]) ||
		    (i && ((name[i] >= '0' && name[i] <= '9') || strchr("-_.", name[i]))))
			continue;
		return qerr_set(err, -EINVAL,
				"invalid name for build stage: '%.64s', name can't start with a "
				"number or contain symbols",
				name);
	}
	return 0;
}

/* HEALTHCHECK NONE | HEALTHCHECK [flags] CMD command. */
static int parse_health(struct spec_df_instruction *ins, struct qerr *err)
{
	const char *cmd;
	char *copy;
	size_t k, i;
	int r;

	if (!*ins->rest)
		return qerr_set(err, -EINVAL, "HEALTHCHECK requires at least one argument");
	for (k = 0; ins->rest[k] && !go_space(ins->rest[k]); k++)
		;
	ins->health_type = xstrndup(ins->rest, k);
	for (i = 0; i < k; i++)
		if (ins->health_type[i] >= 'a' && ins->health_type[i] <= 'z')
			ins->health_type[i] = (char)(ins->health_type[i] - 'a' + 'A');
	cmd = ins->rest + k;
	cmd += skip_space(cmd, strlen(cmd));
	copy = xstrdup(cmd);
	free(ins->rest);
	ins->rest = copy;
	r = args_maybe_json(ins, false, err);
	if (r < 0)
		return r;
	if (!strcmp(ins->health_type, "NONE")) {
		if (ins->json ? ins->n_args != 0 : *ins->rest != '\0')
			return qerr_set(err, -EINVAL, "HEALTHCHECK NONE takes no arguments");
		return 0;
	}
	if (strcmp(ins->health_type, "CMD"))
		return qerr_set(err, -EINVAL, "unknown type '%.32s' in HEALTHCHECK (try CMD)",
				ins->health_type);
	if (ins->json ? ins->n_args == 0 : *ins->rest == '\0')
		return qerr_set(err, -EINVAL, "HEALTHCHECK CMD requires a command");
	return 0;
}

static int parse_instruction(struct parser *p, const char *line, int first,
			     struct spec_df_instruction *ins, bool trigger);

/* The arguments of an instruction whose keyword and flags are known. */
static int parse_args(struct parser *p, const struct keyword *kw, struct spec_df_instruction *ins,
		      int first)
{
	char **keys = NULL, **values = NULL;
	struct qerr *err = p->err;
	size_t i, n = 0;
	int r = 0;

	switch (kw->form) {
	case FORM_SHELL:
		r = args_maybe_json(ins, false, err);
		if (r < 0)
			return r;
		if (!strcmp(kw->name, "SHELL") && (ins->json ? ins->n_args == 0 : !*ins->rest))
			return qerr_set(err, -EINVAL, "SHELL requires at least one argument");
		if (!strcmp(kw->name, "SHELL") && !ins->json)
			return qerr_set(err, -EINVAL,
					"SHELL requires the arguments to be in JSON form");
		if (!strcmp(kw->name, "RUN") && (ins->json ? ins->n_args == 0 : !*ins->rest))
			return qerr_set(err, -EINVAL, "RUN requires at least one argument");
		return 0;
	case FORM_LIST:
		r = args_maybe_json(ins, true, err);
		if (r < 0)
			return r;
		if (strcmp(kw->name, "VOLUME")) {
			if (ins->n_args < 2)
				return qerr_set(err, -EINVAL,
						"%s requires at least two arguments (sources and a "
						"destination)",
						kw->name);
			return 0;
		}
		if (!ins->n_args)
			return qerr_set(err, -EINVAL, "VOLUME requires at least one argument");
		for (i = 0; i < ins->n_args; i++)
			if (skip_space(ins->args[i], strlen(ins->args[i])) == strlen(ins->args[i]))
				return qerr_set(err, -EINVAL,
						"VOLUME specified can not be an empty string");
		return 0;
	case FORM_WORDS:
		split_blanks(ins->rest, &ins->args, &ins->n_args);
		if (!strcmp(kw->name, "FROM"))
			return check_from(ins, err);
		if (!ins->n_args)
			return qerr_set(err, -EINVAL, "%s requires at least one argument",
					kw->name);
		return 0;
	case FORM_STRING:
		if (!*ins->rest)
			return qerr_set(err, -EINVAL, "%s requires exactly one argument", kw->name);
		return 0;
	case FORM_PAIRS:
		r = df_split_keyvalues(ins->rest, p->escape, kw->name, &keys, &values, &n, err);
		if (r >= 0)
			spec_df_keyvalues_free(keys, values, n);
		return r;
	case FORM_HEALTH:
		return parse_health(ins, err);
	case FORM_ONBUILD:
		if (!*ins->rest)
			return qerr_set(err, -EINVAL, "ONBUILD requires at least one argument");
		ins->onbuild = xcalloc(1, sizeof(*ins->onbuild));
		return parse_instruction(p, ins->rest, first, ins->onbuild, true);
	}
	return 0;
}

/*
 * One logical line (BuildKit's newNodeFromLine and its line parsers): keyword, flags, then
 * the arguments as the keyword reads them. trigger: the instruction of an ONBUILD.
 */
static int parse_instruction(struct parser *p, const char *line, int first,
			     struct spec_df_instruction *ins, bool trigger)
{
	_cleanup_free_ char *cmd = NULL, *args = NULL;
	const struct keyword *kw;
	char **flag_words = NULL;
	size_t n_flags = 0, n, k;
	const char *rest, *unknown;

	ins->line = first;
	ins->end_line = p->lineno;
	ins->original = xstrdup(line);
	n = strlen(line);
	k = skip_space(line, n);
	line += k;
	n -= k;
	while (n && go_space(line[n - 1]))
		n--;
	for (k = 0; k < n && !sep_blank(line[k]); k++)
		;
	cmd = xstrndup(line, k);
	while (k < n && sep_blank(line[k]))
		k++;
	args = xstrndup(line + k, n - k);

	kw = find_keyword(cmd);
	if (!kw)
		return qerr_set(p->err, -EINVAL, "unknown instruction '%.64s'", cmd);
	ins->keyword = xstrdup(kw->name);
	if (trigger && kw->form == FORM_ONBUILD)
		return qerr_set(p->err, -EINVAL,
				"chaining ONBUILD via 'ONBUILD ONBUILD' isn't "
				"allowed");
	if (trigger && (!strcmp(kw->name, "FROM") || !strcmp(kw->name, "MAINTAINER")))
		return qerr_set(p->err, -EINVAL, "%s isn't allowed as an ONBUILD trigger",
				kw->name);

	extract_flags(args, p->escape, &flag_words, &n_flags, &rest);
	n = strlen(rest);
	k = skip_space(rest, n);
	while (n > k && go_space(rest[n - 1]))
		n--;
	ins->rest = xstrndup(rest + k, n - k);
	unknown = set_flags(ins, kw, flag_words, n_flags);
	strn_free(flag_words, n_flags);
	if (unknown)
		return qerr_set(p->err, -EINVAL, "unknown flag '--%.64s' for %s", unknown,
				kw->name);
	return parse_args(p, kw, ins, first);
}

/* Does this instruction take heredocs (RUN, COPY, ADD in shell form, also behind ONBUILD)? */
static bool takes_heredocs(const struct spec_df_instruction *ins)
{
	if (ins->onbuild)
		ins = ins->onbuild;
	return !ins->json && (!strcmp(ins->keyword, "RUN") || !strcmp(ins->keyword, "COPY") ||
			      !strcmp(ins->keyword, "ADD"));
}

/* Remove the tabs that start each line (BuildKit's ChompHeredocContent). */
static void chomp_tabs(char *s)
{
	char *w = s;
	bool bol = true;

	for (; *s; s++) {
		if (bol && *s == '\t')
			continue;
		bol = *s == '\n';
		*w++ = *s;
	}
	*w = '\0';
}

/* The body of one heredoc: the next lines up to its terminator. */
static int read_heredoc(struct parser *p, struct spec_df_heredoc *h)
{
	struct df_buf body = { 0 };
	size_t n, t, name_len = strlen(h->name);
	const char *s, *ts;
	int r;

	for (;;) {
		r = next_line(p, &s, &n);
		if (r < 0) {
			free(body.p);
			return r;
		}
		if (r == 0) {
			free(body.p);
			return qerr_set(p->err, -EINVAL, "unterminated heredoc '%.64s'", h->name);
		}
		ts = s;
		t = trim_newline(s, n);
		while (h->chomp_tabs && t && *ts == '\t') {
			ts++;
			t--;
		}
		if (t == name_len && !memcmp(ts, h->name, t))
			break;
		df_buf_add(&body, s, n);
	}
	h->body = df_buf_take(&body);
	if (h->chomp_tabs)
		chomp_tabs(h->body);
	return 0;
}

static int read_heredocs(struct parser *p, const char *line, struct spec_df_instruction *ins)
{
	size_t i;
	int r;

	if (!takes_heredocs(ins) || !strstr(line, "<<"))
		return 0;
	r = df_heredocs_from_line(line, &ins->heredocs, &ins->n_heredocs, p->err);
	for (i = 0; r >= 0 && i < ins->n_heredocs; i++)
		r = read_heredoc(p, &ins->heredocs[i]);
	ins->end_line = p->lineno;
	return r;
}

/* ---- the file ----------------------------------------------------------------------------------
 */

/* The next logical line: 1 and its text and first line number, or 0 at the end, or -EINVAL. */
static int next_logical(struct parser *p, struct df_buf *line, int *ret_first)
{
	const char *s;
	size_t n, k;
	bool more;
	int r;

	for (;;) {
		r = next_line(p, &s, &n);
		if (r <= 0)
			return r;
		n = trim_newline(s, n);
		k = skip_space(s, n);
		s += k;
		n -= k;
		r = directive(p, s, n);
		if (r < 0)
			return r;
		if (is_comment(s, n))
			n = 0;
		more = trim_continuation(p->escape, s, &n);
		if (more || n)
			break;
	}
	*ret_first = p->lineno;
	df_buf_add(line, s, n);
	while (more) {
		r = next_line(p, &s, &n);
		if (r < 0)
			return r;
		if (r == 0)
			break; /* a continuation at the end of the file just ends */
		n = trim_newline(s, n);
		if (is_comment(s, n) || skip_space(s, n) == n)
			continue;
		more = trim_continuation(p->escape, s, &n);
		df_buf_add(line, s, n);
	}
	return 1;
}

static int parse_lines(struct parser *p, struct spec_dockerfile *df)
{
	struct spec_df_instruction *ins;
	struct df_buf line = { 0 };
	size_t alloc = 0;
	int first = 0, r;

	for (;;) {
		r = next_logical(p, &line, &first);
		if (r <= 0)
			break;
		df->instructions = xgrow(df->instructions, sizeof(*df->instructions),
					 df->n_instructions + 1, &alloc);
		ins = &df->instructions[df->n_instructions++];
		*ins = (struct spec_df_instruction){ 0 };
		r = parse_instruction(p, line.p, first, ins, false);
		if (r >= 0)
			r = read_heredocs(p, line.p, ins);
		if (r < 0) {
			(void)qerr_wrap(p->err, r, "Dockerfile line %d", first);
			break;
		}
		line.len = 0;
	}
	free(line.p);
	return r;
}

int spec_dockerfile_parse(const char *buf, size_t len, struct spec_dockerfile *ret,
			  struct qerr *err)
{
	struct parser p = { .buf = buf, .len = len, .escape = '\\', .err = err };
	struct spec_dockerfile df = { 0 };
	const char *nul;
	int r, line;

	if (len > SPEC_DOCKERFILE_MAX_SIZE)
		return qerr_set(err, -EINVAL, "Dockerfile: too large (%zu bytes, at most %zu)", len,
				SPEC_DOCKERFILE_MAX_SIZE);
	nul = memchr(buf, '\0', len);
	if (nul) {
		for (line = 1; buf < nul; buf++)
			line += *buf == '\n';
		return qerr_set(err, -EINVAL, "Dockerfile line %d: NUL byte", line);
	}
	r = parse_lines(&p, &df);
	df.syntax = p.syntax;
	df.escape = p.escape;
	if (r >= 0 && !df.n_instructions)
		r = qerr_set(err, -EINVAL, "Dockerfile: file with no instructions");
	if (r < 0) {
		spec_dockerfile_release(&df);
		return spec_err_clean(err, r);
	}
	*ret = df;
	return 0;
}

static void instruction_release(struct spec_df_instruction *ins)
{
	size_t i;

	free(ins->keyword);
	free(ins->original);
	for (i = 0; i < ins->n_flags; i++) {
		free(ins->flags[i].name);
		free(ins->flags[i].value);
	}
	free(ins->flags);
	strn_free(ins->args, ins->n_args);
	free(ins->rest);
	free(ins->health_type);
	for (i = 0; i < ins->n_heredocs; i++) {
		free(ins->heredocs[i].name);
		free(ins->heredocs[i].body);
	}
	free(ins->heredocs);
	if (ins->onbuild) {
		instruction_release(ins->onbuild);
		free(ins->onbuild);
	}
	*ins = (struct spec_df_instruction){ 0 };
}

void spec_dockerfile_release(struct spec_dockerfile *df)
{
	size_t i;

	for (i = 0; i < df->n_instructions; i++)
		instruction_release(&df->instructions[i]);
	free(df->instructions);
	free(df->syntax);
	*df = (struct spec_dockerfile){ 0 };
}
