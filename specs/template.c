/*
 * `inspect -f`: the part of Go's text/template that docker users write, over a JSON document:
 * text and actions {{...}}; a pipeline is `.`, a field path `.State.ExitCode`, `json X`,
 * `index X KEY...` (string keys, integer indexes), `join X SEP`, `len X`, `upper X`, `lower X`;
 * `{{range X}}...{{end}}` and `{{if X}}...{{else}}...{{end}}` (with `.` the element inside a
 * range); `{{- ` and ` -}}` trim the blanks beside them. Values print as Go does: strings as
 * they are, arrays as [a b], objects as map[k:v], null as <no value>.
 */
#include "specs/specs-internal.h"

#include <ctype.h>

struct tctx {
	const struct jnode *root;
	FILE *out;
	struct qerr *err;
	const char *tmpl;
};

static void print_value(FILE *out, const struct jnode *n)
{
	int64_t i;

	switch (jnode_type(n)) {
	case JT_ABSENT:
	case JT_NULL:
		fputs("<no value>", out);
		break;
	case JT_BOOL:
		fputs(jnode_bool(n) ? "true" : "false", out);
		break;
	case JT_STRING:
		fputs(jnode_string(n), out);
		break;
	case JT_NUMBER:
		if (jnode_int64(n, &i)) {
			fprintf(out, "%lld", (long long)i);
		} else {
			_cleanup_free_ char *s = jnode_to_json(n, NULL);

			fputs(s, out);
		}
		break;
	case JT_ARRAY:
		fputc('[', out);
		for (size_t k = 0; k < jnode_len(n); k++) {
			if (k)
				fputc(' ', out);
			print_value(out, jnode_item(n, k));
		}
		fputc(']', out);
		break;
	case JT_OBJECT:
		fputs("map[", out);
		for (size_t k = 0; k < jnode_len(n); k++) {
			fprintf(out, "%s%s:", k ? " " : "", jnode_key(n, k));
			print_value(out, jnode_value(n, k));
		}
		fputc(']', out);
		break;
	}
}

/* A word of an action: ".", ".A.B", "\"str\"" or a number; next points after it. */
static int word(const char **p, char **ret)
{
	const char *s = *p, *e;

	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '"') {
		for (e = s + 1; *e && *e != '"'; e++)
			if (*e == '\\' && e[1])
				e++;
		if (*e != '"')
			return -EINVAL;
		*ret = xstrndup(s + 1, (size_t)(e - s - 1));
		*p = e + 1;
		return 1;
	}
	for (e = s; *e && *e != ' ' && *e != '\t'; e++)
		;
	if (e == s)
		return 0;
	*ret = xstrndup(s, (size_t)(e - s));
	*p = e;
	return 1;
}

/* The value of a field path (".A.B") against dot; NULL when absent. */
static const struct jnode *path(const struct jnode *dot, const char *w)
{
	_cleanup_free_ char *copy = xstrdup(w + 1);
	char *save = NULL;

	for (char *t = strtok_r(copy, ".", &save); t && dot; t = strtok_r(NULL, ".", &save))
		dot = jnode_member(dot, t);
	return dot;
}

struct val {
	const struct jnode *n; /* a node of the document */
	char *text;	       /* or a computed text (json, join, ...), owned */
};

static int eval(struct tctx *c, const struct jnode *dot, const char *expr, struct val *ret);

static int arg(struct tctx *c, const struct jnode *dot, const char **p, struct val *ret)
{
	_cleanup_free_ char *w = NULL;
	int r = word(p, &w);

	if (r <= 0)
		return qerr_set(c->err, -EINVAL, "template '%s': a function lacks an argument",
				c->tmpl);
	if (w[0] != '.')
		return qerr_set(c->err, -EINVAL, "template '%s': '%s' is not a field", c->tmpl, w);
	*ret = (struct val){ .n = path(dot, w) };
	return 0;
}

static char *val_text(const struct val *v)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f;

	if (v->text)
		return xstrdup(v->text);
	f = open_memstream(&s, &len);
	if (!f)
		abort();
	print_value(f, v->n);
	fclose(f);
	return s;
}

static int eval(struct tctx *c, const struct jnode *dot, const char *expr, struct val *ret)
{
	_cleanup_free_ char *fn = NULL;
	const char *p = expr;
	struct val a = { 0 };
	int r = word(&p, &fn);

	if (r <= 0)
		return qerr_set(c->err, -EINVAL, "template '%s': an empty action", c->tmpl);
	if (fn[0] == '.') {
		*ret = (struct val){ .n = !strcmp(fn, ".") ? dot : path(dot, fn) };
		return 0;
	}
	r = arg(c, dot, &p, &a);
	if (r < 0)
		return r;
	if (!strcmp(fn, "json")) {
		*ret = (struct val){ .text = a.n ? jnode_to_json(a.n, NULL) : xstrdup("null") };
	} else if (!strcmp(fn, "len")) {
		*ret = (struct val){ .text = xasprintf("%zu", jnode_type(a.n) == JT_STRING
								  ? strlen(jnode_string(a.n))
								  : jnode_len(a.n)) };
	} else if (!strcmp(fn, "upper") || !strcmp(fn, "lower")) {
		char *t = val_text(&a);

		for (char *q = t; *q; q++)
			*q = (char)(fn[0] == 'u' ? toupper((unsigned char)*q)
						 : tolower((unsigned char)*q));
		*ret = (struct val){ .text = t };
	} else if (!strcmp(fn, "index")) {
		const struct jnode *n = a.n;
		char *k;

		while (word(&p, &k) > 0) {
			char *end;
			long i = strtol(k, &end, 10);

			n = jnode_type(n) == JT_ARRAY && !*end && *k ? jnode_item(n, (size_t)i)
								     : jnode_member(n, k);
			free(k);
		}
		*ret = (struct val){ .n = n };
	} else if (!strcmp(fn, "join")) {
		_cleanup_free_ char *sep = NULL;
		char *s = NULL;
		size_t len = 0;
		FILE *f;

		if (word(&p, &sep) <= 0)
			return qerr_set(c->err, -EINVAL, "template '%s': join needs a separator",
					c->tmpl);
		f = open_memstream(&s, &len);
		if (!f)
			abort();
		for (size_t k = 0; k < jnode_len(a.n); k++) {
			fputs(k ? sep : "", f);
			print_value(f, jnode_item(a.n, k));
		}
		fclose(f);
		*ret = (struct val){ .text = s };
	} else {
		return qerr_set(c->err, -EINVAL, "template '%s': function '%s' is not known",
				c->tmpl, fn);
	}
	return 0;
}

static bool truthy(const struct val *v)
{
	if (v->text)
		return *v->text != '\0';
	switch (jnode_type(v->n)) {
	case JT_BOOL:
		return jnode_bool(v->n);
	case JT_STRING:
		return *jnode_string(v->n) != '\0';
	case JT_ARRAY:
	case JT_OBJECT:
		return jnode_len(v->n) > 0;
	case JT_NUMBER: {
		int64_t i;

		return !jnode_int64(v->n, &i) || i != 0;
	}
	default:
		return false;
	}
}

/*
 * Render s (up to an {{end}} or {{else}} when nested) against dot; print only when emit.
 * *ret_stop gets "end", "else" or "" (the text ended).
 */
static int render(struct tctx *c, const struct jnode *dot, const char **s, bool emit,
		  const char **ret_stop)
{
	for (;;) {
		const char *open = strstr(*s, "{{"), *close, *a, *b;
		_cleanup_free_ char *action = NULL;
		const char *text_end = open ? open : *s + strlen(*s);
		bool trim_left, trim_right;
		int r;

		if (open && open[2] == '-' && open[3] == ' ')
			while (text_end > *s && isspace((unsigned char)text_end[-1]))
				text_end--;
		if (emit)
			fwrite(*s, 1, (size_t)(text_end - *s), c->out);
		if (!open) {
			*s += strlen(*s);
			*ret_stop = "";
			return 0;
		}
		close = strstr(open, "}}");
		if (!close)
			return qerr_set(c->err, -EINVAL, "template '%s': an unclosed {{", c->tmpl);
		trim_left = open[2] == '-' && open[3] == ' ';
		trim_right = close > open + 2 && close[-1] == '-' && close[-2] == ' ';
		a = open + 2 + (trim_left ? 2 : 0);
		b = close - (trim_right ? 2 : 0);
		while (a < b && isspace((unsigned char)*a))
			a++;
		while (b > a && isspace((unsigned char)b[-1]))
			b--;
		action = xstrndup(a, (size_t)(b - a));
		*s = close + 2;
		if (trim_right)
			while (isspace((unsigned char)**s))
				(*s)++;
		if (!strcmp(action, "end") || !strcmp(action, "else")) {
			*ret_stop = !strcmp(action, "end") ? "end" : "else";
			return 0;
		}
		if (str_has_prefix(action, "range ") || str_has_prefix(action, "if ")) {
			bool range = action[0] == 'r';
			struct val v = { 0 };
			const char *body = *s, *stop = "";

			r = eval(c, dot, action + (range ? 6 : 3), &v);
			if (r < 0)
				return r;
			if (range) {
				size_t n = v.text ? 0 : jnode_len(v.n);

				for (size_t k = 0; r >= 0 && k < n; k++) {
					const struct jnode *item = jnode_type(v.n) == JT_ARRAY
								       ? jnode_item(v.n, k)
								       : jnode_value(v.n, k);

					*s = body;
					r = render(c, item, s, emit, &stop);
				}
				*s = body; /* once more without output, to find the end */
				if (r >= 0)
					r = render(c, dot, s, false, &stop);
				if (r >= 0 && !strcmp(stop, "else"))
					r = render(c, dot, s, emit && n == 0, &stop);
			} else {
				bool t = truthy(&v);

				r = render(c, dot, s, emit && t, &stop);
				if (r >= 0 && !strcmp(stop, "else"))
					r = render(c, dot, s, emit && !t, &stop);
			}
			free(v.text);
			if (r < 0)
				return r;
			if (strcmp(stop, "end") != 0)
				return qerr_set(c->err, -EINVAL,
						"template '%s': a %s without {{end}}", c->tmpl,
						range ? "range" : "if");
			continue;
		}
		{
			struct val v = { 0 };

			r = eval(c, dot, action, &v);
			if (r < 0)
				return r;
			if (emit) {
				_cleanup_free_ char *t = val_text(&v);

				fputs(t, c->out);
			}
			free(v.text);
		}
	}
}

int spec_template_render(const char *tmpl, const char *json, size_t len, char **ret,
			 struct qerr *err)
{
	_cleanup_jdoc_ struct jdoc *doc = NULL;
	struct tctx c = { .tmpl = tmpl, .err = err };
	const char *s = tmpl, *stop = "";
	char *out = NULL;
	size_t out_len = 0;
	int r = jdoc_parse("inspect document", json, len, &doc, err);

	if (r < 0)
		return r;
	c.root = jdoc_root(doc);
	c.out = open_memstream(&out, &out_len);
	if (!c.out)
		abort();
	r = render(&c, c.root, &s, true, &stop);
	fclose(c.out);
	if (r >= 0 && *stop)
		r = qerr_set(err, -EINVAL, "template '%s': {{%s}} without its {{range}} or {{if}}",
			     tmpl, stop);
	if (r < 0) {
		free(out);
		return r;
	}
	*ret = out;
	return 0;
}
