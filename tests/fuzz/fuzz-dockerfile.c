#include "tests/fuzz/fuzz.h"

#include "specs/specs.h"

/*
 * Dockerfiles and their words. A parsed file must be well formed (lines in order, vectors
 * NULL-terminated, no forbidden ONBUILD trigger), each instruction written alone must parse
 * back to the same thing, and expanding any rest, pairs or the raw input either works (one
 * word unsplit, no empty word split) or fails with one printable line.
 */

/* Some names set, with blanks in values so that splitting has work to do. */
static const char *lookup(void *data, const char *name)
{
	(void)data;
	if (name[0] >= 'A' && name[0] <= 'M')
		return " a  b ";
	if (name[0] >= 'N' && name[0] <= 'Z')
		return "";
	return NULL;
}

static void check_expand(const char *s, char escape)
{
	struct qerr err = { 0 };
	char **v = NULL;
	size_t i, n = 0;
	int split;

	for (split = 0; split < 2; split++) {
		if (spec_df_expand(s, escape, split, lookup, NULL, &v, &n, &err) < 0) {
			fuzz_check_message(&err);
			continue;
		}
		FUZZ_CHECK(v[n] == NULL);
		FUZZ_CHECK(split || n == 1);
		for (i = 0; i < n; i++) {
			FUZZ_CHECK(!split || v[i][0] != '\0');
			free(v[i]);
		}
		free(v);
	}
}

static void check_pairs(const struct spec_df_instruction *ins, char escape)
{
	char **keys = NULL, **values = NULL;
	struct qerr err = { 0 };
	size_t i, n = 0;

	if (strcmp(ins->keyword, "ENV") && strcmp(ins->keyword, "LABEL") &&
	    strcmp(ins->keyword, "ARG"))
		return;
	if (spec_df_keyvalues(ins->rest, escape, ins->keyword, lookup, NULL, &keys, &values, &n,
			      &err) < 0) {
		fuzz_check_message(&err);
		return;
	}
	FUZZ_CHECK(n > 0 && keys[n] == NULL);
	for (i = 0; i < n; i++)
		FUZZ_CHECK(keys[i][0] != '\0' && (values[i] || !strcmp(ins->keyword, "ARG")));
	spec_df_keyvalues_free(keys, values, n);
}

static bool same_instruction(const struct spec_df_instruction *a,
			     const struct spec_df_instruction *b)
{
	size_t i;

	if (strcmp(a->keyword, b->keyword) || strcmp(a->rest, b->rest) || a->json != b->json ||
	    a->n_flags != b->n_flags || a->n_args != b->n_args || !a->onbuild != !b->onbuild)
		return false;
	for (i = 0; i < a->n_flags; i++)
		if (strcmp(a->flags[i].name, b->flags[i].name) ||
		    !a->flags[i].value != !b->flags[i].value ||
		    (a->flags[i].value && strcmp(a->flags[i].value, b->flags[i].value)))
			return false;
	for (i = 0; i < a->n_args; i++)
		if (strcmp(a->args[i], b->args[i]))
			return false;
	return !a->onbuild || same_instruction(a->onbuild, b->onbuild);
}

static void check_instruction(const struct spec_df_instruction *ins, int prev_end, char escape)
{
	_cleanup_free_ char *alone = NULL;
	struct spec_dockerfile again = { 0 };
	size_t i, n;

	FUZZ_CHECK(ins->line > prev_end && ins->end_line >= ins->line);
	FUZZ_CHECK(ins->keyword && ins->original && ins->rest);
	FUZZ_CHECK(!ins->args || ins->args[ins->n_args] == NULL);
	FUZZ_CHECK(ins->args || (!ins->json && ins->n_args == 0));
	for (i = 0; i < ins->n_heredocs; i++)
		FUZZ_CHECK(ins->heredocs[i].name[0] != '\0' && ins->heredocs[i].body);
	if (ins->onbuild) {
		FUZZ_CHECK(!strcmp(ins->keyword, "ONBUILD"));
		FUZZ_CHECK(strcmp(ins->onbuild->keyword, "ONBUILD") &&
			   strcmp(ins->onbuild->keyword, "FROM") &&
			   strcmp(ins->onbuild->keyword, "MAINTAINER"));
	}
	check_expand(ins->rest, escape);
	check_pairs(ins, escape);

	/*
	 * Written alone, it parses to the same instruction: not with heredocs (their bodies would
	 * be missing), nor when joined lines make it longer than one physical line may be, nor
	 * when a continuation ran into the end of the file and left the text ending in the escape
	 * char (docker's `a \ \` there: one is cut, the other would continue the line).
	 */
	n = strlen(ins->original);
	while (n && (ins->original[n - 1] == '\r' || ins->original[n - 1] == '\n'))
		n--; /* what a reader takes for the line end */
	while (n && (ins->original[n - 1] == ' ' || ins->original[n - 1] == '\t'))
		n--;
	if (ins->n_heredocs || n > SPEC_DOCKERFILE_MAX_LINE ||
	    (n && ins->original[n - 1] == escape))
		return;
	alone = xasprintf("%s%s\n", escape == '`' ? "# escape=`\n" : "", ins->original);
	FUZZ_CHECK(spec_dockerfile_parse(alone, strlen(alone), &again, NULL) == 0);
	FUZZ_CHECK(again.n_instructions == 1);
	FUZZ_CHECK(same_instruction(ins, &again.instructions[0]));
	spec_dockerfile_release(&again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *s = fuzz_string(data, size);
	struct spec_dockerfile df = { 0 };
	struct qerr err = { 0 };
	int prev_end = 0;
	size_t i;

	if (s) {
		check_expand(s, '\\');
		check_expand(s, '`');
	}
	if (spec_dockerfile_parse((const char *)data, size, &df, &err) < 0) {
		fuzz_check_message(&err);
		return 0;
	}
	FUZZ_CHECK(df.n_instructions > 0);
	FUZZ_CHECK(df.escape == '\\' || df.escape == '`');
	for (i = 0; i < df.n_instructions; i++) {
		check_instruction(&df.instructions[i], prev_end, df.escape);
		prev_end = df.instructions[i].end_line;
	}
	spec_dockerfile_release(&df);
	return 0;
}
