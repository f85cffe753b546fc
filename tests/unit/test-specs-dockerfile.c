#include "tests/unit/harness.h"

#include "specs/specs.h"

/*
 * The Dockerfile parser and its word expansion, checked against what BuildKit does (cases from
 * its parser tests and shell/envVarTest). Each parsed instruction is rendered as one line of
 * text and compared, so a failing row prints what the parser saw.
 */

/* ---- rendering --------------------------------------------------------------------------------
 */

static void add(char **s, const char *fmt, ...) _printf_(2, 3);

static void add(char **s, const char *fmt, ...)
{
	char *piece, *joined;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&piece, fmt, ap) < 0)
		abort();
	va_end(ap);
	joined = xasprintf("%s%s", *s ? *s : "", piece);
	free(piece);
	free(*s);
	*s = joined;
}

/* Text with line ends shown as \n, for one-line renderings. */
static void add_escaped(char **s, const char *text)
{
	for (; *text; text++)
		if (*text == '\n')
			add(s, "\\n");
		else if (*text == '\r')
			add(s, "\\r");
		else if (*text == '\t')
			add(s, "\\t");
		else
			add(s, "%c", *text);
}

/*
 * "RUN 3-4 --mount=x words[a,b] rest<...> <<-'EOF:body\n>" and so on: keyword, lines, flags,
 * json[...] or words[...], rest, health type, heredocs (- chomp, ' no expansion), {trigger}.
 */
static char *render(const struct spec_df_instruction *ins)
{
	char *s = NULL, *sub;
	size_t i;

	add(&s, "%s %d-%d", ins->keyword, ins->line, ins->end_line);
	for (i = 0; i < ins->n_flags; i++)
		add(&s, ins->flags[i].value ? " --%s=%s" : " --%s", ins->flags[i].name,
		    ins->flags[i].value);
	if (ins->args) {
		add(&s, " %s[", ins->json ? "json" : "words");
		for (i = 0; i < ins->n_args; i++)
			add(&s, "%s%s", i ? "," : "", ins->args[i]);
		add(&s, "]");
		assert_null(ins->args[ins->n_args]);
	} else {
		assert_false(ins->json);
	}
	add(&s, " rest<%s>", ins->rest);
	if (ins->health_type)
		add(&s, " health=%s", ins->health_type);
	for (i = 0; i < ins->n_heredocs; i++) {
		add(&s, " <<%s%s%s:", ins->heredocs[i].chomp_tabs ? "-" : "",
		    ins->heredocs[i].expand ? "" : "'", ins->heredocs[i].name);
		add_escaped(&s, ins->heredocs[i].body);
	}
	if (ins->onbuild) {
		sub = render(ins->onbuild);
		add(&s, " {%s}", sub);
		free(sub);
	}
	return s;
}

/* All instructions, one per line; or "error: <message>". */
static char *render_file(const char *text, size_t len)
{
	struct spec_dockerfile df = { 0 };
	struct qerr err = { 0 };
	char *s = NULL, *one;
	size_t i;

	if (spec_dockerfile_parse(text, len, &df, &err) < 0) {
		assert_int_equal(err.code, -EINVAL);
		assert_null(strchr(err.msg, '\n'));
		return xasprintf("error: %s", err.msg);
	}
	for (i = 0; i < df.n_instructions; i++) {
		one = render(&df.instructions[i]);
		add(&s, "%s%s", i ? "\n" : "", one);
		free(one);
	}
	spec_dockerfile_release(&df);
	assert_null(df.instructions);
	return s;
}

struct parse_case {
	const char *in;
	const char *want; /* render_file's text */
};

static size_t check_parse_cases(const struct parse_case *cases, size_t n)
{
	size_t i, bad = 0;
	char *got;

	for (i = 0; i < n; i++) {
		got = render_file(cases[i].in, strlen(cases[i].in));
		if (strcmp(got, cases[i].want)) {
			printf("--- input:\n%s\n--- got:\n%s\n--- want:\n%s\n", cases[i].in, got,
			       cases[i].want);
			bad++;
		}
		free(got);
	}
	return bad;
}

/* ---- parsing ----------------------------------------------------------------------------------
 */

static const char multistage[] =
    "# syntax=docker/dockerfile:1\n"
    "ARG GO_VERSION=1.22\n"
    "\n"
    "FROM golang:${GO_VERSION}-bookworm AS build\n"
    "WORKDIR /src\n"
    "COPY --link go.mod go.sum ./\n"
    "RUN --mount=type=cache,target=/go/pkg/mod \\\n"
    "    go mod download\n"
    "COPY . .\n"
    "RUN --mount=type=cache,target=/root/.cache/go-build \\\n"
    "    CGO_ENABLED=0 go build -o /out/app ./cmd/app\n"
    "\n"
    "FROM gcr.io/distroless/static:nonroot\n"
    "LABEL org.opencontainers.image.title=\"app\" \\\n"
    "      org.opencontainers.image.licenses=MIT\n"
    "COPY --from=build --chown=65532:65532 /out/app /usr/local/bin/app\n"
    "USER nonroot\n"
    "EXPOSE 8080\n"
    "ENTRYPOINT [\"/usr/local/bin/app\"]\n"
    "CMD [\"--listen\", \":8080\"]\n";

static void test_dockerfile_parse__multistage(void **state)
{
	struct spec_dockerfile df = { 0 };
	const struct spec_df_instruction *ins;
	char *got;

	(void)state;
	got = render_file(multistage, strlen(multistage));
	assert_string_equal(
	    got, "ARG 2-2 rest<GO_VERSION=1.22>\n"
		 "FROM 4-4 words[golang:${GO_VERSION}-bookworm,AS,build] "
		 "rest<golang:${GO_VERSION}-bookworm AS build>\n"
		 "WORKDIR 5-5 rest</src>\n"
		 "COPY 6-6 --link words[go.mod,go.sum,./] rest<go.mod go.sum ./>\n"
		 "RUN 7-8 --mount=type=cache,target=/go/pkg/mod rest<go mod download>\n"
		 "COPY 9-9 words[.,.] rest<. .>\n"
		 "RUN 10-11 --mount=type=cache,target=/root/.cache/go-build "
		 "rest<CGO_ENABLED=0 go build -o /out/app ./cmd/app>\n"
		 "FROM 13-13 words[gcr.io/distroless/static:nonroot] "
		 "rest<gcr.io/distroless/static:nonroot>\n"
		 "LABEL 14-15 rest<org.opencontainers.image.title=\"app\"       "
		 "org.opencontainers.image.licenses=MIT>\n"
		 "COPY 16-16 --from=build --chown=65532:65532 words[/out/app,/usr/local/bin/app] "
		 "rest</out/app /usr/local/bin/app>\n"
		 "USER 17-17 rest<nonroot>\n"
		 "EXPOSE 18-18 words[8080] rest<8080>\n"
		 "ENTRYPOINT 19-19 json[/usr/local/bin/app] rest<[\"/usr/local/bin/app\"]>\n"
		 "CMD 20-20 json[--listen,:8080] rest<[\"--listen\", \":8080\"]>");
	free(got);

	assert_int_equal(spec_dockerfile_parse(multistage, strlen(multistage), &df, NULL), 0);
	assert_string_equal(df.syntax, "docker/dockerfile:1");
	assert_int_equal(df.escape, '\\');
	assert_int_equal(df.n_instructions, 14);
	ins = &df.instructions[4];
	/* docker's history text: continuation joined, the next line's indentation kept */
	assert_string_equal(ins->original, "RUN --mount=type=cache,target=/go/pkg/mod     "
					   "go mod download");
	spec_dockerfile_release(&df);
	assert_int_equal(df.n_instructions, 0);
}

static void test_dockerfile_parse__every_keyword(void **state)
{
	/* lower case keywords are fine; the keyword comes back upper-cased */
	static const struct parse_case cases[] = {
		{ "from alpine", "FROM 1-1 words[alpine] rest<alpine>" },
		{ "FROM --platform=linux/arm64 alpine:3 as base",
		  "FROM 1-1 --platform=linux/arm64 words[alpine:3,as,base] rest<alpine:3 as "
		  "base>" },
		{ "RUN echo $HOME > /x", "RUN 1-1 rest<echo $HOME > /x>" },
		{ "CMD echo hi", "CMD 1-1 rest<echo hi>" },
		{ "CMD", "CMD 1-1 rest<>" },
		{ "LABEL a=b", "LABEL 1-1 rest<a=b>" },
		{ "MAINTAINER Jane <jane@example.com>",
		  "MAINTAINER 1-1 rest<Jane <jane@example.com>>" },
		{ "EXPOSE 80/tcp\t443", "EXPOSE 1-1 words[80/tcp,443] rest<80/tcp\t443>" },
		{ "ENV PATH=/x:$PATH", "ENV 1-1 rest<PATH=/x:$PATH>" },
		{ "ADD --chmod=644 --checksum=sha256:abc https://x/y /y",
		  "ADD 1-1 --chmod=644 --checksum=sha256:abc words[https://x/y,/y] "
		  "rest<https://x/y /y>" },
		{ "COPY [\"a b\", \"/c\"]", "COPY 1-1 json[a b,/c] rest<[\"a b\", \"/c\"]>" },
		{ "ENTRYPOINT [\"/bin/sh\", \"-c\"]",
		  "ENTRYPOINT 1-1 json[/bin/sh,-c] rest<[\"/bin/sh\", \"-c\"]>" },
		{ "ENTRYPOINT []", "ENTRYPOINT 1-1 json[] rest<[]>" },
		{ "VOLUME /a /b", "VOLUME 1-1 words[/a,/b] rest</a /b>" },
		{ "USER 1000:1000", "USER 1-1 rest<1000:1000>" },
		{ "WORKDIR /app dir", "WORKDIR 1-1 rest</app dir>" },
		{ "ARG A B=2", "ARG 1-1 rest<A B=2>" },
		{ "ONBUILD RUN make", "ONBUILD 1-1 rest<RUN make> {RUN 1-1 rest<make>}" },
		{ "STOPSIGNAL SIGKILL", "STOPSIGNAL 1-1 rest<SIGKILL>" },
		{ "HEALTHCHECK --interval=30s --retries=3 CMD curl -f http://localhost/",
		  "HEALTHCHECK 1-1 --interval=30s --retries=3 rest<curl -f http://localhost/> "
		  "health=CMD" },
		{ "HEALTHCHECK cmd [\"true\"]", "HEALTHCHECK 1-1 json[true] rest<[\"true\"]> "
						"health=CMD" },
		{ "HEALTHCHECK NONE", "HEALTHCHECK 1-1 rest<> health=NONE" },
		{ "SHELL [\"powershell\", \"-command\"]",
		  "SHELL 1-1 json[powershell,-command] rest<[\"powershell\", \"-command\"]>" },
	};

	(void)state;
	assert_int_equal(check_parse_cases(cases, ARRAY_SIZE(cases)), 0);
}

static void test_dockerfile_parse__lines(void **state)
{
	static const struct parse_case cases[] = {
		/* comments and blank lines between continued lines are skipped */
		{ "FROM x\n"
		  "RUN a \\\n"
		  "# comment\n"
		  "    # indented comment\n"
		  "\n"
		  "  b \\\n"
		  "\t\n"
		  "  c\n"
		  "RUN d",
		  "FROM 1-1 words[x] rest<x>\n"
		  "RUN 2-8 rest<a   b   c>\n"
		  "RUN 9-9 rest<d>" },
		/* CRLF, a BOM, blanks after the escape char, a continuation at the end */
		{ "\xef\xbb\xbf"
		  "FROM x\r\n  RUN a \\  \r\nb\r\nRUN c \\",
		  "FROM 1-1 words[x] rest<x>\nRUN 2-3 rest<a b>\nRUN 4-4 rest<c>" },
		/* an escaped escape char does not continue the line (BuildKit's regexp) */
		{ "FROM x\nRUN echo \\\\\nRUN y",
		  "FROM 1-1 words[x] rest<x>\nRUN 2-2 rest<echo \\\\>\nRUN 3-3 rest<y>" },
		/* a comment line needs '#' as its first non-blank; '#' later is text */
		{ "  # c\nRUN x # not a comment", "RUN 2-2 rest<x # not a comment>" },
		/* a lone escape char line joins with the next */
		{ "FROM x\n\\\nRUN y", "FROM 1-1 words[x] rest<x>\nRUN 2-3 rest<y>" },
	};

	(void)state;
	assert_int_equal(check_parse_cases(cases, ARRAY_SIZE(cases)), 0);
}

static void test_dockerfile_parse__original(void **state)
{
	static const char text[] = "FROM x\n  RUN a && \\\n    b \\\n# c\n    && c   \n";
	struct spec_dockerfile df = { 0 };

	(void)state;
	assert_int_equal(spec_dockerfile_parse(text, strlen(text), &df, NULL), 0);
	assert_int_equal(df.n_instructions, 2);
	assert_string_equal(df.instructions[1].original, "RUN a &&     b     && c   ");
	assert_string_equal(df.instructions[1].rest, "a &&     b     && c");
	spec_dockerfile_release(&df);
}

static void test_dockerfile_parse__directives(void **state)
{
	static const struct parse_case cases[] = {
		{ "# escape=`\n"
		  "FROM mcr.microsoft.com/windows/servercore\n"
		  "COPY testfile.txt c:\\\n"
		  "RUN dir `\n"
		  "    c:\\",
		  "FROM 2-2 words[mcr.microsoft.com/windows/servercore] "
		  "rest<mcr.microsoft.com/windows/servercore>\n"
		  "COPY 3-3 words[testfile.txt,c:\\] rest<testfile.txt c:\\>\n"
		  "RUN 4-5 rest<dir     c:\\>" },
		/* case-insensitive, blanks around '=', with syntax and check */
		{ "#  ESCAPE = `\n#syntax=docker/dockerfile:1.7\n# check=skip=all\nCOPY x `\n y",
		  "COPY 4-5 words[x,y] rest<x  y>" },
		/* after a comment, an instruction or a blank line it is only a comment */
		{ "# hello\n# escape=`\nCOPY x \\\n y", "COPY 3-4 words[x,y] rest<x  y>" },
		{ "\n# escape=`\nCOPY x \\\n y", "COPY 3-4 words[x,y] rest<x  y>" },
		{ "FROM x\n# escape=`\nRUN a \\\n b",
		  "FROM 1-1 words[x] rest<x>\nRUN 3-4 rest<a  b>" },
		/* an unknown directive ends them */
		{ "# foo=bar\n# escape=`\nCOPY x \\\n y", "COPY 3-4 words[x,y] rest<x  y>" },
		{ "# escape=x\nFROM x",
		  "error: Dockerfile line 1: invalid escape token 'x' does not match ` or \\" },
		{ "# escape= \nFROM x",
		  "error: Dockerfile line 1: invalid escape token ' ' does not match ` or \\" },
		{ "# escape=`\n# Escape=`\nFROM x",
		  "error: Dockerfile line 2: only one escape parser directive can be used" },
		{ "# syntax=a\n# syntax=b\nFROM x",
		  "error: Dockerfile line 2: only one syntax parser directive can be used" },
	};
	struct spec_dockerfile df = { 0 };
	static const char text[] = "# escape=`\n# syntax = docker/dockerfile:1 \nFROM x";

	(void)state;
	assert_int_equal(check_parse_cases(cases, ARRAY_SIZE(cases)), 0);
	assert_int_equal(spec_dockerfile_parse(text, strlen(text), &df, NULL), 0);
	assert_int_equal(df.escape, '`');
	assert_string_equal(df.syntax, "docker/dockerfile:1");
	spec_dockerfile_release(&df);
}

static void test_dockerfile_parse__json_or_shell(void **state)
{
	static const struct parse_case cases[] = {
		{ "RUN [\"echo\", \"a b\"]", "RUN 1-1 json[echo,a b] rest<[\"echo\", \"a b\"]>" },
		{ "RUN [ \"x\\u00e9\\n\" ]",
		  "RUN 1-1 json[x\xc3\xa9\n] rest<[ \"x\\u00e9\\n\" ]>" },
		/* not JSON: shell form, as docker does */
		{ "RUN [echo, hi]", "RUN 1-1 rest<[echo, hi]>" },
		{ "RUN [\"echo\" \"hi\"]", "RUN 1-1 rest<[\"echo\" \"hi\"]>" },
		{ "RUN ['echo']", "RUN 1-1 rest<['echo']>" },
		{ "CMD [\"a\"] trailing", "CMD 1-1 rest<[\"a\"] trailing>" },
		{ "CMD {\"a\": 1}", "CMD 1-1 rest<{\"a\": 1}>" },
		{ "COPY [a, b] c", "COPY 1-1 words[[a,,b],c] rest<[a, b] c>" },
		/* JSON, but not all strings: an error */
		{ "CMD [\"a\", 1]",
		  "error: Dockerfile line 1: when using JSON array syntax, arrays "
		  "must be comprised of strings only" },
		{ "COPY [\"a\", [\"b\"]]", "error: Dockerfile line 1: when using JSON array "
					   "syntax, arrays must be comprised of strings only" },
		{ "VOLUME [\"\"]",
		  "error: Dockerfile line 1: VOLUME specified can not be an empty string" },
	};

	(void)state;
	assert_int_equal(check_parse_cases(cases, ARRAY_SIZE(cases)), 0);
}

static void test_dockerfile_parse__heredocs(void **state)
{
	static const struct parse_case cases[] = {
		{ "RUN <<EOF\necho $X\nEOF\nRUN y",
		  "RUN 1-3 rest<<<EOF> <<EOF:echo $X\\n\nRUN 4-4 rest<y>" },
		/* several on one line, bodies in order; <<- strips tabs; quotes: no expansion */
		{ "RUN <<FILE1 <<-'FILE2' cat\n"
		  "content 1\n"
		  "FILE1\n"
		  "\tcontent\t2\n"
		  "\t\tFILE2\n",
		  "RUN 1-5 rest<<<FILE1 <<-'FILE2' cat> <<FILE1:content 1\\n "
		  "<<-'FILE2:content\\t2\\n" },
		{ "COPY <<-\"EOF\" /x\n\tline\nEOF",
		  "COPY 1-3 words[<<-\"EOF\",/x] rest<<<-\"EOF\" /x> <<-'EOF:line\\n" },
		{ "COPY <<X <<Y /dest\nY\nX\nX\nY",
		  "COPY 1-5 words[<<X,<<Y,/dest] rest<<<X <<Y /dest> <<X:Y\\n <<Y:X\\n" },
		/* quoting part of the name counts; an escaped quote does not */
		{ "RUN <<eo'f'\necho foo\neof", "RUN 1-3 rest<<<eo'f'> <<'eof:echo foo\\n" },
		{ "RUN <<eo\\'f\necho foo\neo'f", "RUN 1-3 rest<<<eo\\'f> <<eo'f:echo foo\\n" },
		{ "RUN <<'one two'\necho\none two",
		  "RUN 1-3 rest<<<'one two'> <<'one two:echo\\n" },
		/* an fd prefix, blanks after <<, an empty body, CRLF line ends */
		{ "RUN 3<<EOF\nEOF", "RUN 1-2 rest<3<<EOF> <<EOF:" },
		{ "RUN cat <<  EOF > /f\nx\nEOF", "RUN 1-3 rest<cat <<  EOF > /f> <<EOF:x\\n" },
		{ "RUN <<EOF\r\na\r\nEOF\r\n", "RUN 1-3 rest<<<EOF> <<EOF:a\\r\\n" },
		/* a comment or blank line in a body is body */
		{ "RUN <<EOF\n# c\n\nEOF", "RUN 1-4 rest<<<EOF> <<EOF:# c\\n\\n" },
		/* not heredocs: quoted, JSON form, other keywords */
		{ "RUN echo \"<<EOF\"", "RUN 1-1 rest<echo \"<<EOF\">" },
		{ "RUN [\"<<EOF\"]", "RUN 1-1 json[<<EOF] rest<[\"<<EOF\"]>" },
		{ "USER <<EOF\nEOF", "error: Dockerfile line 2: unknown instruction 'EOF'" },
		/* ONBUILD keeps them, like BuildKit, on the ONBUILD */
		{ "ONBUILD RUN <<EOF\nx\nEOF",
		  "ONBUILD 1-3 rest<RUN <<EOF> <<EOF:x\\n {RUN 1-1 rest<<<EOF>}" },
		/* a continued line can start heredocs */
		{ "RUN <<EOF \\\n  cat\nbody\nEOF", "RUN 1-4 rest<<<EOF   cat> <<EOF:body\\n" },
		{ "RUN <<EOF\nnever ended",
		  "error: Dockerfile line 1: unterminated heredoc 'EOF'" },
		{ "RUN <<EOF\n\tEOF\n", "error: Dockerfile line 1: unterminated heredoc 'EOF'" },
	};

	(void)state;
	assert_int_equal(check_parse_cases(cases, ARRAY_SIZE(cases)), 0);
}

static void test_dockerfile_parse__flags(void **state)
{
	static const struct parse_case cases[] = {
		{ "RUN --mount=type=secret,id=a --network=none make",
		  "RUN 1-1 --mount=type=secret,id=a --network=none rest<make>" },
		/* quotes and escapes inside a flag, a bare flag, an empty value */
		{ "COPY --chown=\"a b\" --link --from= --chmod=a\\ b x y",
		  "COPY 1-1 --chown=a b --link --from= --chmod=a b words[x,y] rest<x y>" },
		/* "--" ends the flags; "-x" is no flag */
		{ "RUN -- --not-a-flag", "RUN 1-1 rest<--not-a-flag>" },
		{ "RUN -x", "RUN 1-1 rest<-x>" },
		{ "COPY --exclude=*.o --exclude=*.a . /",
		  "COPY 1-1 --exclude=*.o --exclude=*.a words[.,/] rest<. />" },
		{ "COPY --frm=a b c", "error: Dockerfile line 1: unknown flag '--frm' for COPY" },
		{ "FROM --platform=x --pull y", "error: Dockerfile line 1: unknown flag '--pull' "
						"for FROM" },
		{ "CMD --version", "error: Dockerfile line 1: unknown flag '--version' for CMD" },
		{ "ENV --a=b c=d", "error: Dockerfile line 1: unknown flag '--a' for ENV" },
		{ "RUN --=x y", "error: Dockerfile line 1: unknown flag '--' for RUN" },
	};

	(void)state;
	assert_int_equal(check_parse_cases(cases, ARRAY_SIZE(cases)), 0);
}

static void test_dockerfile_parse__errors(void **state)
{
	static const struct parse_case cases[] = {
		{ "FROM x\n\n# c\nFOO bar", "error: Dockerfile line 4: unknown instruction 'FOO'" },
		{ "FROM x\nRUN a \\\n  b\nfoo",
		  "error: Dockerfile line 4: unknown instruction 'foo'" },
		{ "", "error: Dockerfile: file with no instructions" },
		{ "\n# only a comment\n\n", "error: Dockerfile: file with no instructions" },
		{ "FROM", "error: Dockerfile line 1: FROM requires either one or three arguments" },
		{ "FROM a b",
		  "error: Dockerfile line 1: FROM requires either one or three arguments" },
		{ "FROM a AS b c", "error: Dockerfile line 1: FROM requires either one or three "
				   "arguments" },
		{ "FROM a AS 1x", "error: Dockerfile line 1: invalid name for build stage: '1x', "
				  "name can't start with a number or contain symbols" },
		{ "FROM a AS b$c", "error: Dockerfile line 1: invalid name for build stage: 'b$c', "
				   "name can't start with a number or contain symbols" },
		{ "COPY x",
		  "error: Dockerfile line 1: COPY requires at least two arguments (sources "
		  "and a destination)" },
		{ "ADD [\"x\"]", "error: Dockerfile line 1: ADD requires at least two arguments "
				 "(sources and a destination)" },
		{ "RUN", "error: Dockerfile line 1: RUN requires at least one argument" },
		{ "RUN []", "error: Dockerfile line 1: RUN requires at least one argument" },
		{ "EXPOSE", "error: Dockerfile line 1: EXPOSE requires at least one argument" },
		{ "VOLUME", "error: Dockerfile line 1: VOLUME requires at least one argument" },
		{ "USER", "error: Dockerfile line 1: USER requires exactly one argument" },
		{ "WORKDIR", "error: Dockerfile line 1: WORKDIR requires exactly one argument" },
		{ "MAINTAINER",
		  "error: Dockerfile line 1: MAINTAINER requires exactly one argument" },
		{ "STOPSIGNAL",
		  "error: Dockerfile line 1: STOPSIGNAL requires exactly one argument" },
		{ "SHELL", "error: Dockerfile line 1: SHELL requires at least one argument" },
		{ "SHELL []", "error: Dockerfile line 1: SHELL requires at least one argument" },
		{ "SHELL bash -c",
		  "error: Dockerfile line 1: SHELL requires the arguments to be in JSON form" },
		{ "ENV", "error: Dockerfile line 1: ENV requires at least one argument" },
		{ "ENV A", "error: Dockerfile line 1: ENV must have two arguments" },
		{ "ENV A=1 B",
		  "error: Dockerfile line 1: ENV: can't find '=' in 'B', must be of the "
		  "form name=value" },
		{ "LABEL =x", "error: Dockerfile line 1: LABEL names can not be blank" },
		{ "ARG", "error: Dockerfile line 1: ARG requires at least one argument" },
		{ "ARG =x", "error: Dockerfile line 1: ARG names can not be blank" },
		{ "ONBUILD", "error: Dockerfile line 1: ONBUILD requires at least one argument" },
		{ "ONBUILD ONBUILD RUN x",
		  "error: Dockerfile line 1: chaining ONBUILD via 'ONBUILD "
		  "ONBUILD' isn't allowed" },
		{ "ONBUILD FROM x",
		  "error: Dockerfile line 1: FROM isn't allowed as an ONBUILD trigger" },
		{ "ONBUILD maintainer x",
		  "error: Dockerfile line 1: MAINTAINER isn't allowed as an ONBUILD trigger" },
		{ "ONBUILD FOO x", "error: Dockerfile line 1: unknown instruction 'FOO'" },
		{ "ONBUILD COPY x",
		  "error: Dockerfile line 1: COPY requires at least two arguments "
		  "(sources and a destination)" },
		{ "HEALTHCHECK", "error: Dockerfile line 1: HEALTHCHECK requires at least one "
				 "argument" },
		{ "HEALTHCHECK NONE x",
		  "error: Dockerfile line 1: HEALTHCHECK NONE takes no arguments" },
		{ "HEALTHCHECK CMD",
		  "error: Dockerfile line 1: HEALTHCHECK CMD requires a command" },
		{ "HEALTHCHECK CMD []", "error: Dockerfile line 1: HEALTHCHECK CMD requires a "
					"command" },
		{ "HEALTHCHECK curl x", "error: Dockerfile line 1: unknown type 'CURL' in "
					"HEALTHCHECK (try CMD)" },
		/* a control character in a message is made printable */
		{ "\x01RUN x", "error: Dockerfile line 1: unknown instruction '?RUN'" },
	};

	(void)state;
	assert_int_equal(check_parse_cases(cases, ARRAY_SIZE(cases)), 0);
}

static void test_dockerfile_parse__limits(void **state)
{
	struct spec_dockerfile df = { 0 };
	struct qerr err = { 0 };
	size_t big = SPEC_DOCKERFILE_MAX_SIZE + 1, n;
	char *text = xmalloc(big);

	(void)state;
	memset(text, '#', big);
	assert_int_equal(spec_dockerfile_parse(text, big, &df, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "too large"));

	/* a line of exactly the limit is fine, one more byte is not */
	n = (size_t)snprintf(text, big, "FROM x\nRUN ");
	memset(text + n, 'a', SPEC_DOCKERFILE_MAX_LINE - 4);
	n += SPEC_DOCKERFILE_MAX_LINE - 4;
	text[n++] = '\n';
	assert_int_equal(spec_dockerfile_parse(text, n, &df, &err), 0);
	assert_int_equal(strlen(df.instructions[1].rest), SPEC_DOCKERFILE_MAX_LINE - 4);
	spec_dockerfile_release(&df);
	text[n - 1] = 'a';
	text[n++] = '\n';
	assert_int_equal(spec_dockerfile_parse(text, n, &df, &err), -EINVAL);
	assert_string_equal(err.msg, "Dockerfile line 2: longer than 1048576 bytes");

	assert_int_equal(spec_dockerfile_parse("FROM x\nRUN a\0b\n", 15, &df, &err), -EINVAL);
	assert_string_equal(err.msg, "Dockerfile line 2: NUL byte");
	free(text);
}

/* ---- expansion --------------------------------------------------------------------------------
 */

static const char *const test_env[][2] = {
	/* BuildKit's envVarTest and wordsTest variables */
	{ "PWD", "/home" },
	{ "SHELL", "bash" },
	{ "KOREAN", "\xed\x95\x9c\xea\xb5\xad\xec\x96\xb4" },
	{ "NULL", "" },
	{ "SPACE", "abc  def" },
	{ "LEADING", "  ab c" },
	{ "TRAILING", "ab c   " },
	/* its TestProcessWithMatches values */
	{ "FOO", "xxyy" },
	{ "X", "x" },
	{ "STARS", "a***yy*" },
	{ "P", "/tmp/tmp/bar.txt" },
	{ "URL", "http://google.de" },
	{ "NEEDLE", "http://" },
	{ "HTTPS", "https://" },
};

static const char *lookup(void *data, const char *name)
{
	size_t i;

	(void)data;
	for (i = 0; i < ARRAY_SIZE(test_env); i++)
		if (!strcmp(test_env[i][0], name))
			return test_env[i][1];
	return NULL;
}

struct expand_case {
	const char *in;
	bool split;
	const char *want; /* words joined with '|'; NULL: an error */
};

#define W(in, want)                                                                                \
	{                                                                                          \
		in, false, want                                                                    \
	}
#define S(in, want)                                                                                \
	{                                                                                          \
		in, true, want                                                                     \
	}

static const struct expand_case expand_cases[] = {
	W("hello", "hello"),
	W("he'll'o", "hello"),
	W("he'llo", NULL),
	W("he\\'llo", "he'llo"),
	W("he\\\\'llo", NULL),
	W("abc\\tdef", "abctdef"),
	W("\"abc\\tdef\"", "abc\\tdef"),
	W("\"abc\\\\tdef\"", "abc\\tdef"),
	W("'abc\\tdef'", "abc\\tdef"),
	W("hello\\", "hello"),
	W("hello\\\\", "hello\\"),
	W("\"hello", NULL),
	W("\"hello\\\"", NULL),
	W("\"hel'lo\"", "hel'lo"),
	W("'hello", NULL),
	W("'hello\\'", "hello\\"),
	W("'hello\\\\there'", "hello\\\\there"),
	W("\"''\"", "''"),
	W("$.", "$."),
	W("he$1x", "hex"),
	W("he$.x", "he$.x"),
	W("he$pwd.", "he."),
	W("he$PWD", "he/home"),
	W("he\\$PWD", "he$PWD"),
	W("he\\\\$PWD", "he\\/home"),
	W("\"he\\$PWD\"", "he$PWD"),
	W("\"he\\\\$PWD\"", "he\\/home"),
	W("\\${}", "${}"),
	W("he\\${}xx", "he${}xx"),
	W("${}", NULL),
	W("he${}xx", NULL),
	W("he${hi}xx", "hexx"),
	W("he${PWD}", "he/home"),
	W("he${.}", NULL),
	W("he${XXX:-000}xx", "he000xx"),
	W("he${PWD:-000}xx", "he/homexx"),
	W("he${XXX:-$PWD}xx", "he/homexx"),
	W("he${XXX:-${PWD:-yyy}}xx", "he/homexx"),
	W("he${XXX:-${YYY:-yyy}}xx", "heyyyxx"),
	W("he${XXX:YYY}", NULL),
	W("he${XXX?}", NULL),
	W("he${XXX:?}", NULL),
	W("he${PWD?}", "he/home"),
	W("he${PWD:?}", "he/home"),
	W("he${NULL?}", "he"),
	W("he${NULL:?}", NULL),
	W("he${NULL-x}", "he"),
	W("he${NULL:-x}", "hex"),
	W("he${NULL+x}", "hex"),
	W("he${NULL:+x}", "he"),
	W("he${XXX:+${PWD}}xx", "hexx"),
	W("he${PWD:+${XXX}}xx", "hexx"),
	W("he${PWD:+${SHELL}}xx", "hebashxx"),
	W("he${XXX:+000}xx", "hexx"),
	W("he${PWD:+000}xx", "he000xx"),
	W("he${XXX+000}xx", "hexx"),
	W("he${XXX-000}xx", "he000xx"),
	W("'he${XX}'", "he${XX}"),
	W("\"he${PWD}\"", "he/home"),
	W("\"he'$PWD'\"", "he'/home'"),
	W("'$PWD'", "$PWD"),
	W("'\\$PWD'", "\\$PWD"),
	W("'\"hello\"'", "\"hello\""),
	W("he${PWD", NULL),
	W("he${PWD:=000}xx", NULL),
	W("he${PWD:+${PWD}:}xx", "he/home:xx"),
	W("he${XXX:-\\$PWD:}xx", "he$PWD:xx"),
	W("he${XXX:-\\${PWD}z}xx", "he${PWDz}xx"),
	W("\xec\x95\x88'\xeb\x85\x95'", "\xec\x95\x88\xeb\x85\x95"),
	W("$KOREAN", "\xed\x95\x9c\xea\xb5\xad\xec\x96\xb4"),
	W("${{aaa}", NULL),
	W("${aaa}}", "}"),
	W("${aaa", NULL),
	W("${aaa:-bbb}}", "bbb}"),
	W("${aaa:-bbb", NULL),
	W("${aaa:-${bbb:-ccc}}", "ccc"),
	W("${aaa:-bbb ${foo}", NULL),
	W("${aaa:-bbb {foo}", "bbb {foo"),
	W("${:}", NULL),
	W("${:-bbb}", NULL),
	W("${aaa:-\"b}c\"}", "b}c"),
	/* positional and special parameters are never set */
	W("$1", ""),
	W("${1:-bbb}", "bbb"),
	W("$999aaa", "aaa"),
	W("${001:-bbb}aaa", "bbbaaa"),
	W("$@@@", "@@"),
	W("${@:-bbb}aaa", "bbbaaa"),
	W("$$", ""),
	W("${#:-bbb}", "bbb"),
	W("${!}", ""),
	/* BuildKit's # % and / modifiers */
	W("${FOO#*x*y}", "y"),
	W("${FOO#*}", "xxyy"),
	W("${FOO#$X}", "xyy"),
	W("${FOO#$NULL}", "xxyy"),
	W("${FOO#}", "xxyy"),
	W("${FOO##*x}", "yy"),
	W("${FOO##}", "xxyy"),
	W("${FOO%y}", "xxy"),
	W("${FOO%%y*}", "xx"),
	W("${FOO%x}", "xxyy"),
	W("${FOO%%x*}", ""),
	W("${STARS%%\\**\\*}", "a"),
	W("${FOO%%$NULL}", "xxyy"),
	W("${XXX#x}", ""),
	W("${FOO:#}", NULL),
	W("${FOO:%%}", NULL),
	W("${FOO#\\a}", NULL),
	W("${P/\\/tmp/}", "/tmp/bar.txt"),
	W("${P//\\/tmp/}", "/bar.txt"),
	W("${P//\\//\\/}", "\\/tmp\\/tmp\\/bar.txt"),
	W("${URL/$NEEDLE/$HTTPS}", "https://google.de"),
	W("${FOO/x/.} - ${FOO//x/.}", ".xyy - ..yy"),
	W("${FOO//?y/-}", "x-y"),
	W("${FOO/$NULL/ww}", "wwxxyy"),
	W("${FOO//$NULL/-}", "-x-x-y-y-"),
	W("${FOO//ww}", NULL),
	W("${FOO//}", NULL),
	W("${FOO///}", "xxyy"),
	W("${XXX///}", ""),
	/* blanks stay in one word without splitting */
	W("  a  \"b  c\" ", "  a  b  c "),
	W("", ""),
	/* BuildKit's wordsTest */
	S("hello", "hello"),
	S("hello${hi}bye", "hellobye"),
	S("hello${SPACE}bye", "helloabc|defbye"),
	S("hello\"${SPACE}\"bye", "helloabc  defbye"),
	S("hello \"${SPACE}\"bye", "hello|abc  defbye"),
	S("hello${LEADING}def", "hello|ab|cdef"),
	S("hello\"${LEADING}\" def", "hello  ab c|def"),
	S("hello\"${LEADING}\"", "hello  ab c"),
	S("hello${LEADING}", "hello|ab|c"),
	S("hello${TRAILING}", "helloab|c"),
	S("hello${TRAILING}d", "helloab|c|d"),
	S("hello\"${TRAILING}\"d", "helloab c   d"),
	S("hel\"lo${TRAILING}\"", "helloab c   "),
	S("hello\" there  \"", "hello there  "),
	S("hello there     ", "hello|there"),
	S("hello\\ there", "hello there"),
	S("hello\" there", NULL),
	S("hello\\\" there", "hello\"|there"),
	S("hello\"\\\\there\"", "hello\\there"),
	S("hello\"\\there\"", "hello\\there"),
	S("hello'\\\\there'", "hello\\\\there"),
	S("hello'$there'", "hello$there"),
	/* an empty result, even quoted, is no word */
	S("", ""),
	S("   ", ""),
	S("a \"\" '' b", "a|b"),
	S("${NOPE}", ""),
	S("x${NOPE:-a b}y", "xa|by"),
	S("x${NOPE:-\"a b\"}y", "xa|by"),
	S("\t a\tb\n", "a|b"),
	/* "<<" and the blanks after it stay together (for COPY << EOF /x) */
	S("cat << EOF >x", "cat|<< EOF|>x"),
	S("a < b", "a|<|b"),
};

#undef W
#undef S

static char *join_words(char **v, size_t n)
{
	char *s = xstrdup(""), *t;
	size_t i;

	for (i = 0; i < n; i++) {
		t = xasprintf("%s%s%s", s, i ? "|" : "", v[i]);
		free(s);
		s = t;
	}
	return s;
}

static void test_df_expand__table(void **state)
{
	size_t i, n, bad = 0;
	struct qerr err;
	char **v, *got;
	int r;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(expand_cases); i++) {
		const struct expand_case *tc = &expand_cases[i];

		err = (struct qerr){ 0 };
		v = NULL;
		n = 99;
		r = spec_df_expand(tc->in, '\\', tc->split, lookup, NULL, &v, &n, &err);
		if (r < 0) {
			if (tc->want) {
				printf("%s'%s': error '%s', want '%s'\n", tc->split ? "split " : "",
				       tc->in, err.msg, tc->want);
				bad++;
			} else if (r != -EINVAL || !err.msg[0] || strchr(err.msg, '\n')) {
				printf("'%s': bad error %d '%s'\n", tc->in, r, err.msg);
				bad++;
			}
			continue;
		}
		got = join_words(v, n);
		if (!tc->want || strcmp(got, tc->want) || v[n] || (!tc->split && n != 1)) {
			printf("%s'%s': got '%s' (%zu words), want '%s'\n",
			       tc->split ? "split " : "", tc->in, got, n,
			       tc->want ? tc->want : "an error");
			bad++;
		}
		free(got);
		for (n = 0; v[n]; n++)
			free(v[n]);
		free(v);
	}
	assert_int_equal(bad, 0);
}

static char *expand1(const char *in, char escape, bool split, struct qerr *err)
{
	char **v, *s;
	size_t n;

	if (spec_df_expand(in, escape, split, lookup, NULL, &v, &n, err) < 0)
		return NULL;
	s = join_words(v, n);
	while (n)
		free(v[--n]);
	free(v);
	return s;
}

static void test_df_expand__backtick(void **state)
{
	char *s;

	(void)state;
	/* with `# escape=``, a backslash is an ordinary character (Windows paths) */
	s = expand1("c:\\dir\\$PWD `$PWD \"`\"q`\"\"", '`', false, NULL);
	assert_string_equal(s, "c:\\dir\\/home $PWD \"q\"");
	free(s);
	s = expand1("a` b c", '`', true, NULL);
	assert_string_equal(s, "a b|c");
	free(s);
}

static void test_df_expand__messages(void **state)
{
	struct qerr err = { 0 };
	char **v = NULL;

	(void)state;
	assert_null(expand1("${NOPE:?must be set}", '\\', false, &err));
	assert_string_equal(err.msg, "expanding '${NOPE:?must be set}': NOPE: must be set");
	assert_null(expand1("x${NOPE?}", '\\', false, &err));
	assert_string_equal(err.msg, "expanding 'x${NOPE?}': NOPE: is not allowed to be unset");
	assert_null(expand1("${NULL:?}", '\\', false, &err));
	assert_string_equal(err.msg, "expanding '${NULL:?}': NULL: is not allowed to be empty");
	assert_null(expand1("'abc", '\\', false, &err));
	assert_string_equal(err.msg, "expanding ''abc': unexpected end of statement while "
				     "looking for matching single-quote");
	assert_null(expand1("${X", '\\', true, &err));
	assert_string_equal(err.msg, "expanding '${X': syntax error: missing '}'");
	assert_null(expand1("${X!}", '\\', true, &err));
	assert_string_equal(err.msg, "expanding '${X!}': unsupported modifier (!) in "
				     "substitution");
	assert_null(expand1("${FOO#a\\b}", '\\', false, &err));
	assert_string_equal(err.msg, "expanding '${FOO#a\\b}': invalid pattern (a\\b) in "
				     "substitution: bad escape");
	/* no lookup: everything is unset */
	assert_int_equal(spec_df_expand("a$PWD${X:-b}", '\\', false, NULL, NULL, &v, NULL, NULL),
			 0);
	assert_string_equal(v[0], "ab");
	free(v[0]);
	free(v);
}

/* ---- ENV, LABEL, ARG --------------------------------------------------------------------------
 */

static char *render_pairs(const char *rest, const char *keyword, struct qerr *err)
{
	char **keys = NULL, **values = NULL, *s = NULL;
	size_t i, n = 0;

	if (spec_df_keyvalues(rest, '\\', keyword, lookup, NULL, &keys, &values, &n, err) < 0)
		return NULL;
	for (i = 0; i < n; i++)
		add(&s, values[i] ? "%s[%s]=[%s]" : "%s[%s]", i ? " " : "", keys[i], values[i]);
	assert_null(keys[n]);
	spec_df_keyvalues_free(keys, values, n);
	return s ? s : xstrdup("");
}

struct kv_case {
	const char *keyword;
	const char *rest;
	const char *want; /* "[k]=[v] ..." or the error message */
	bool ok;
};

static void test_df_keyvalues__table(void **state)
{
	static const struct kv_case cases[] = {
		{ "ENV", "A=1 B=\"2 3\" C='$X' D=$X E=\\$X F=",
		  "[A]=[1] [B]=[2 3] [C]=[$X] "
		  "[D]=[x] [E]=[$X] [F]=[]",
		  true },
		{ "env", "  PATH=/usr/local/bin:$PWD  ", "[PATH]=[/usr/local/bin:/home]", true },
		/* the legacy form: one pair, the value is the rest of the line, expanded */
		{ "ENV", "LEGACY value  \"with\"  $X", "[LEGACY]=[value  with  x]", true },
		{ "ENV", "K\t\"a b\"", "[K]=[a b]", true },
		/* keys are expanded too, values see the variables as they were before */
		{ "ENV", "${X}key=v X=new Y=$X", "[xkey]=[v] [X]=[new] [Y]=[x]", true },
		{ "ENV", "A=\"a=b\" B=a=b", "[A]=[a=b] [B]=[a=b]", true },
		{ "ENV", "A=multi\\ word", "[A]=[multi word]", true },
		{ "LABEL", "\"com.example.title\"=\"my app\" version=1.0",
		  "[com.example.title]=[my app] [version]=[1.0]", true },
		{ "LABEL", "description some text here", "[description]=[some text here]", true },
		{ "LABEL", "\"a b\"=c", "[a b]=[c]", true },
		{ "ARG", "NAME", "[NAME]", true },
		{ "ARG", "A=1 B C=\"x y\" D=", "[A]=[1] [B] [C]=[x y] [D]=[]", true },
		{ "ARG", "_x1=$PWD", "[_x1]=[/home]", true },
		{ "ENV", "", "ENV requires at least one argument", false },
		{ "ENV", "A", "ENV must have two arguments", false },
		{ "LABEL", "k", "LABEL must have two arguments", false },
		{ "ENV", "A=1 B", "ENV: can't find '=' in 'B', must be of the form name=value",
		  false },
		{ "ENV", "=x", "ENV names can not be blank", false },
		{ "ENV", "$NULL=x", "ENV names can not be blank", false },
		{ "LABEL", "${NOPE}=x", "LABEL names can not be blank", false },
		{ "ENV", "A=\"x",
		  "expanding '\"x': unexpected end of statement while looking for "
		  "matching double-quote",
		  false },
		{ "ARG", "", "ARG requires at least one argument", false },
		{ "ARG", "=x", "ARG names can not be blank", false },
		{ "ARG", "1A=x",
		  "ARG: '1A' is not a valid name (letters, digits and '_', not "
		  "starting with a digit)",
		  false },
		{ "ARG", "a-b",
		  "ARG: 'a-b' is not a valid name (letters, digits and '_', not "
		  "starting with a digit)",
		  false },
		{ "ARG", "$NULL",
		  "ARG: '' is not a valid name (letters, digits and '_', not "
		  "starting with a digit)",
		  false },
		{ "RUN", "x=y", "'RUN' has no key=value pairs", false },
	};
	size_t i, bad = 0;
	struct qerr err;
	char *got;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		err = (struct qerr){ 0 };
		got = render_pairs(cases[i].rest, cases[i].keyword, &err);
		if (cases[i].ok && (!got || strcmp(got, cases[i].want))) {
			printf("%s '%s': got '%s' (%s), want '%s'\n", cases[i].keyword,
			       cases[i].rest, got, err.msg, cases[i].want);
			bad++;
		} else if (!cases[i].ok && (got || strcmp(err.msg, cases[i].want))) {
			printf("%s '%s': got '%s' / error '%s', want error '%s'\n",
			       cases[i].keyword, cases[i].rest, got, err.msg, cases[i].want);
			bad++;
		}
		free(got);
	}
	assert_int_equal(bad, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		QTEST(test_dockerfile_parse__multistage),
		QTEST(test_dockerfile_parse__every_keyword),
		QTEST(test_dockerfile_parse__lines),
		QTEST(test_dockerfile_parse__original),
		QTEST(test_dockerfile_parse__directives),
		QTEST(test_dockerfile_parse__json_or_shell),
		QTEST(test_dockerfile_parse__heredocs),
		QTEST(test_dockerfile_parse__flags),
		QTEST(test_dockerfile_parse__errors),
		QTEST(test_dockerfile_parse__limits),
		QTEST(test_df_expand__table),
		QTEST(test_df_expand__backtick),
		QTEST(test_df_expand__messages),
		QTEST(test_df_keyvalues__table),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
