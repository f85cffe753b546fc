#include "tests/unit/harness.h"

#include "specs/specs.h"

/*
 * .dockerignore against moby's patternmatcher: table rows of (file, path, excluded?), with the
 * cases of its patternmatcher_test.go plus the normalisation ignorefile.ReadAll does. Every
 * wrong row is printed before the case fails.
 */

struct match_case {
	const char *file; /* .dockerignore text */
	const char *path;
	bool excluded;
};

static const struct match_case match_cases[] = {
	/* plain names, and everything below a matched directory */
	{ "dir", "dir", true },
	{ "dir", "dir/a/b", true },
	{ "dir", "dirx", false },
	{ "dir", "x/dir", false },
	{ "a/b", "a/b/c/d", true },
	{ "a/b", "a", false },
	/* '*' and '?' stop at '/' */
	{ "*.go", "main.go", true },
	{ "*.go", "cmd/main.go", false },
	{ "*", "anything", true },
	{ "*", "a/b", true }, /* "a" matches, so a/b does */
	{ "*/x", "a/x", true },
	{ "*/x", "a/b/x", false },
	{ "a?c", "abc", true },
	{ "a?c", "a/c", false },
	{ "a?c", "a\303\251c", true }, /* '?' is one character (here U+00E9), not one byte */
	/* "**": any number of directories, also none */
	{ "**/*.go", "main.go", true },
	{ "**/*.go", "a/b/c.go", true },
	{ "**/*.go", "a/b/c.goo", false },
	{ "**", "x/y", true },
	{ "**/foo", "foo", true },
	{ "**/foo", "a/b/foo", true },
	{ "**/foo", "afoo", false },
	{ "**/foo/**", "x/foo/y", true },
	{ "**/foo/**", "foo/y", true },
	{ "a/**/b", "a/b", true },
	{ "a/**/b", "a/x/y/b", true },
	{ "a/**/b", "a/xb", false },
	{ "a/**", "a/x", true },
	{ "a/**", "a", false }, /* moby: a prefix test on "a/" */
	{ "a**", "abc", true },
	{ "a**b", "ab", true },
	{ "a**b", "a/x/b", true },
	{ "a**b", "axb", false },  /* moby's regexp wants a '/' before the b */
	{ "**foo", "xfoo", true }, /* a plain suffix test */
	{ "**foo", "a/xfoo", true },
	{ "**.go?", "a/b.gox", false }, /* a regexp, the "**" wants a directory */
	{ "**.go?", "a/.gox", true },
	/* classes and escapes, as filepath.Match */
	{ "[a-c]x", "bx", true },
	{ "[a-c]x", "dx", false },
	{ "[^a-c]x", "dx", true },
	{ "[^a-c]x", "ax", false },
	{ "[\\]]x", "]x", true },
	{ "[*]", "*", true },
	{ "[*]", "a", false },
	{ "\\*", "*", true },
	{ "\\*", "a", false },
	{ "a\\?b", "a?b", true },
	{ "a\\?b", "axb", false },
	{ "x]", "x]", true },
	/* the last matching pattern wins; '!' re-includes */
	{ "*.md\n!README.md", "README.md", false },
	{ "*.md\n!README.md", "CHANGES.md", true },
	{ "!README.md\n*.md", "README.md", true },
	{ "docs\n!docs/keep", "docs/keep", false },
	{ "docs\n!docs/keep", "docs/keep/x", false },
	{ "docs\n!docs/keep", "docs/other", true },
	{ "**\n!src\nsrc/*.o", "src/a.c", false },
	{ "**\n!src\nsrc/*.o", "src/a.o", true },
	{ "**\n!src\nsrc/*.o", "README", true },
	{ "a/b\n!a", "a/b", false }, /* the exception matches the parent "a" */
	/* normalisation: blanks, leading '/', "./", Clean, CRLF, BOM, comments */
	{ "  /build/  ", "build/x", true },
	{ "./x/../y//z/.", "y/z", true },
	{ "\xef\xbb\xbf"
	  "bom\r\nnext",
	  "bom", true },
	{ "\xef\xbb\xbf"
	  "bom\r\nnext",
	  "next", true },
	{ "# comment\nfoo", "# comment", false },
	{ " # not a comment", "# not a comment", true },
	{ "\\#x", "#x", true },
	{ "! /a ", "a", false },
	{ "a\n! /a ", "a", false },
	{ "!!x", "!x", false },
	{ "", "x", false },
	{ "\n\n  \n", "x", false },
};

static bool ignored(const char *file, const char *path, struct qerr *err, int *ret)
{
	struct spec_ignore ig = { 0 };
	bool m = false;

	*ret = spec_ignore_parse(file, strlen(file), &ig, err);
	if (*ret == 0)
		m = spec_ignore_match(&ig, path);
	spec_ignore_release(&ig);
	assert_null(ig.patterns);
	return m;
}

static void test_ignore_match__table(void **state)
{
	size_t i, bad = 0;
	struct qerr err;
	bool got;
	int r;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(match_cases); i++) {
		const struct match_case *tc = &match_cases[i];

		err = (struct qerr){ 0 };
		got = ignored(tc->file, tc->path, &err, &r);
		if (r < 0 || got != tc->excluded) {
			printf("'%s' vs '%s': %s (%s), want %s\n", tc->file, tc->path,
			       r < 0 ? "error"
			       : got ? "excluded"
				     : "kept",
			       err.msg, tc->excluded ? "excluded" : "kept");
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

static void test_ignore_parse__patterns(void **state)
{
	static const char file[] = "# c\n"
				   "/a/./b/\n"
				   "!c\n"
				   "  *.o  \r\n"
				   "x/../../y\n"
				   "/\n"
				   "!./d\n";
	static const char *const want[] = { "a/b", "!c", "*.o", "../y", "/", "!d" };
	struct spec_ignore ig = { 0 };
	char buf[64];
	size_t i;

	(void)state;
	assert_int_equal(spec_ignore_parse(file, strlen(file), &ig, NULL), 0);
	assert_int_equal(ig.n_patterns, ARRAY_SIZE(want));
	for (i = 0; i < ig.n_patterns; i++) {
		(void)snprintf(buf, sizeof(buf), "%s%s", ig.patterns[i].exception ? "!" : "",
			       ig.patterns[i].text);
		assert_string_equal(buf, want[i]);
	}
	spec_ignore_release(&ig);

	assert_int_equal(spec_ignore_parse("", 0, &ig, NULL), 0);
	assert_int_equal(ig.n_patterns, 0);
	assert_false(spec_ignore_match(&ig, "x"));
	assert_false(spec_ignore_may_match_inside(&ig, "x"));
	spec_ignore_release(&ig);
}

static void test_ignore_parse__errors(void **state)
{
	static const struct {
		const char *file;
		const char *msg;
	} cases[] = {
		{ "ok\n!", ".dockerignore line 2: illegal exclusion pattern '!'" },
		{ "!  ", ".dockerignore line 1: illegal exclusion pattern '!'" },
		{ "!/", ".dockerignore line 1: illegal exclusion pattern '!'" },
		{ "a\n\n[a-", ".dockerignore line 3: bad pattern '[a-': syntax error in pattern" },
		{ "[]a]", ".dockerignore line 1: bad pattern '[]a]': syntax error in pattern" },
		{ "[abc-]x",
		  ".dockerignore line 1: bad pattern '[abc-]x': syntax error in pattern" },
		{ "[^]", ".dockerignore line 1: bad pattern '[^]': syntax error in pattern" },
		{ "x[", ".dockerignore line 1: bad pattern 'x[': syntax error in pattern" },
		{ "x\\", ".dockerignore line 1: bad pattern 'x\\': syntax error in pattern" },
		{ "[x\\", ".dockerignore line 1: bad pattern '[x\\': syntax error in pattern" },
		{ "!*[", ".dockerignore line 1: bad pattern '*[': syntax error in pattern" },
	};
	struct spec_ignore ig = { 0 };
	struct qerr err;
	size_t i, bad = 0;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		err = (struct qerr){ 0 };
		if (spec_ignore_parse(cases[i].file, strlen(cases[i].file), &ig, &err) != -EINVAL ||
		    strcmp(err.msg, cases[i].msg)) {
			printf("'%s': got '%s', want '%s'\n", cases[i].file, err.msg, cases[i].msg);
			bad++;
		}
		assert_null(ig.patterns);
	}
	assert_int_equal(spec_ignore_parse("a\0b", 3, &ig, &err), -EINVAL);
	assert_string_equal(err.msg, ".dockerignore line 1: NUL byte");
	assert_int_equal(bad, 0);
}

struct inside_case {
	const char *file;
	const char *dir;
	bool descend;
};

static void test_ignore_may_match_inside__table(void **state)
{
	static const struct inside_case cases[] = {
		{ "vendor", "vendor", false },
		{ "vendor\n!vendor/keep.go", "vendor", true },
		{ "vendor\n!vendor/keep.go", "vendor/sub", false },
		{ "vendor\n!vendor/a/b", "vendor/a", true },
		{ "vendor\n!vendorx", "vendor", false },
		{ "vendor\n!vendor", "vendor", false }, /* matches vendor itself, nothing below */
		{ "*\n!*/keep", "top", true },
		{ "*\n!*/keep", "top/sub", false },
		{ "*\n!**/keep", "a/b/c", true },
		{ "*\n!*.go", "dir", false },
		{ "*\n![a-c]*/x", "bdir", true },
		{ "*\n![a-c]*/x", "ddir", false },
		{ "*\n!**foo", "any", true },
		{ "*\n!a/**", "a", true },
		{ "*\n!a/**", "b", false },
		{ "*\n!a?/x", "ab", true },
		{ "*\n!a?/x", "a/b", false },
		{ "*\n!a?/x", "", true },
	};
	struct spec_ignore ig = { 0 };
	size_t i, bad = 0;
	bool got;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		assert_int_equal(spec_ignore_parse(cases[i].file, strlen(cases[i].file), &ig, NULL),
				 0);
		got = spec_ignore_may_match_inside(&ig, cases[i].dir);
		if (got != cases[i].descend) {
			printf("'%s' in '%s': %s, want %s\n", cases[i].file, cases[i].dir,
			       got ? "descend" : "skip", cases[i].descend ? "descend" : "skip");
			bad++;
		}
		spec_ignore_release(&ig);
	}
	assert_int_equal(bad, 0);
}

/* A walker using may_match_inside finds exactly what matching every path would. */
static void test_ignore_may_match_inside__walk(void **state)
{
	static const char *const tree[] = {
		"a",	   "a/b",     "a/b/keep", "a/b/x.o", "a/c",   "a/c/keep", "d",
		"d/keep",  "d/e",     "d/e/f",	  "g.o",     "h",     "h/i",	  "h/i/keep",
		"h/i/j.o", "h/i/j.c", "k",	  "k/keep",  "k/l.o", "m",	  "m/n",
	};
	static const char file[] = "**/*.o\n"
				   "a\n"
				   "!a/b/keep\n"
				   "d\n"
				   "h\n"
				   "!h/**/*.c\n"
				   "k\n"
				   "!k/keep\n"
				   "m\n";
	struct spec_ignore ig = { 0 };
	size_t i, j;
	bool kept, seen;

	(void)state;
	assert_int_equal(spec_ignore_parse(file, strlen(file), &ig, NULL), 0);
	for (i = 0; i < ARRAY_SIZE(tree); i++) {
		kept = !spec_ignore_match(&ig, tree[i]);
		/* a walker reaches tree[i] when every excluded ancestor may hold something */
		seen = true;
		for (j = 0; j < i; j++) {
			size_t n = strlen(tree[j]);

			if (!strncmp(tree[i], tree[j], n) && tree[i][n] == '/' &&
			    spec_ignore_match(&ig, tree[j]) &&
			    !spec_ignore_may_match_inside(&ig, tree[j]))
				seen = false;
		}
		if (kept && !seen)
			fail_msg("'%s' is kept but a walker would skip it", tree[i]);
	}
	assert_false(spec_ignore_may_match_inside(&ig, "d"));
	assert_false(spec_ignore_may_match_inside(&ig, "m"));
	assert_true(spec_ignore_may_match_inside(&ig, "a"));
	assert_true(spec_ignore_may_match_inside(&ig, "h/i"));
	assert_false(spec_ignore_match(&ig, "a/b/keep"));
	assert_true(spec_ignore_match(&ig, "a/b"));
	assert_false(spec_ignore_match(&ig, "h/i/j.c"));
	assert_true(spec_ignore_match(&ig, "h/i/j.o"));
	assert_false(spec_ignore_match(&ig, "k/keep"));
	assert_true(spec_ignore_match(&ig, "k/l.o"));
	spec_ignore_release(&ig);
}

static void test_ignore_parse__limits(void **state)
{
	size_t big = SPEC_DOCKERFILE_MAX_SIZE + 1;
	struct spec_ignore ig = { 0 };
	struct qerr err = { 0 };
	char *text = xmalloc(big);

	(void)state;
	memset(text, '#', big);
	assert_int_equal(spec_ignore_parse(text, big, &ig, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "too large"));
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		QTEST(test_ignore_match__table),
		QTEST(test_ignore_parse__patterns),
		QTEST(test_ignore_parse__errors),
		QTEST(test_ignore_may_match_inside__table),
		QTEST(test_ignore_may_match_inside__walk),
		QTEST(test_ignore_parse__limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
