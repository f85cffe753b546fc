#include "tests/fuzz/fuzz.h"

#include "specs/specs.h"

/*
 * .dockerignore files. The check that matters is the walker's: when a directory is excluded
 * and may_match_inside says nothing below it can come back, every path below it must indeed
 * be excluded. Paths are made from the patterns themselves (as written, and with their
 * wildcards replaced by a letter) and their parent directories.
 */

static void check_path(const struct spec_ignore *ig, const char *path)
{
	_cleanup_free_ char *dir = xstrdup(path);
	bool excluded = spec_ignore_match(ig, path);
	char *slash;

	/* every parent that is excluded and said "nothing inside" must be right */
	while ((slash = strrchr(dir, '/'))) {
		*slash = '\0';
		if (spec_ignore_match(ig, dir) && !spec_ignore_may_match_inside(ig, dir))
			FUZZ_CHECK(excluded);
	}
}

/* The pattern with each wildcard character replaced by 'a'. */
static char *concrete(const char *p)
{
	char *s = xstrdup(p), *c;

	for (c = s; *c; c++)
		if (strchr("*?[]\\", *c))
			*c = 'a';
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct spec_ignore ig = { 0 }, one = { 0 };
	struct qerr err = { 0 };
	char *c;
	size_t i;

	if (spec_ignore_parse((const char *)data, size, &ig, &err) < 0) {
		fuzz_check_message(&err);
		return 0;
	}
	for (i = 0; i < ig.n_patterns; i++) {
		const char *t = ig.patterns[i].text;

		FUZZ_CHECK(t && t[0] != '\0');
		check_path(&ig, t);
		c = concrete(t);
		check_path(&ig, c);
		/*
		 * A pattern without wildcards, alone in a file (if it reads back as itself: not
		 * "#x", "!x" or with blanks that the file format trims), excludes itself and
		 * what is below it.
		 */
		if (!strpbrk(t, "*?[]\\") && spec_ignore_parse(t, strlen(t), &one, NULL) == 0) {
			if (one.n_patterns == 1 && !one.patterns[0].exception &&
			    !strcmp(one.patterns[0].text, t)) {
				FUZZ_CHECK(spec_ignore_match(&one, t));
				free(c);
				c = xasprintf("%s/child", t);
				FUZZ_CHECK(spec_ignore_match(&one, c));
			}
			spec_ignore_release(&one);
		}
		free(c);
	}
	spec_ignore_release(&ig);
	return 0;
}
