#include "tests/unit/harness.h"

#include "tracer/tracer-internal.h"

/*
 * The pipeline is driven by the syscall table: these cases check that the table and the hook
 * list agree, so that a kind added to the table without a hook, or a hook given calls it
 * cannot handle, fails here rather than silently letting calls through untranslated.
 */

static bool kind_handled(unsigned kind)
{
	if (KIND_BIT(kind) & PATH_KINDS)
		return true; /* the pipeline decodes and resolves their paths */
	for (size_t i = 0; i < pipeline_n_hooks; i++) {
		const struct hook *h = pipeline_hooks[i];

		if ((h->kinds & KIND_BIT(kind)) && (h->decoded || h->resolved))
			return true;
	}
	return false;
}

static void test_pipeline__every_kind_in_the_table_has_a_hook(void **state)
{
	(void)state;
	for (int nr = 0; nr <= SC_TRAP_UNKNOWN_TO + 1; nr++) {
		const struct sc_def *def = sc_lookup(nr);

		if (!def)
			continue;
		if (!kind_handled(def->kind))
			fail_msg("%s (%d): kind %d has no hook", def->name, nr, def->kind);
	}
}

static void test_pipeline__unknown_numbers_are_denied(void **state)
{
	const struct sc_def *def = sc_lookup(SC_TRAP_UNKNOWN_FROM);

	(void)state;
	assert_non_null(def);
	assert_int_equal(def->kind, SC_DENY_ENOSYS);
}

static void test_pipeline__path_stages_only_for_kinds_with_paths(void **state)
{
	(void)state;
	for (size_t i = 0; i < pipeline_n_hooks; i++) {
		const struct hook *h = pipeline_hooks[i];
		bool path_fns = h->resolve || h->translated || h->on_fd;

		assert_non_null(h->name);
		assert_true(h->kinds != 0);
		if (path_fns && (h->kinds & (PATH_KINDS | SOCK_PATH_KINDS)) == 0)
			fail_msg("hook %s has path stages but sees no call with a path", h->name);
	}
	assert_true(pipeline_n_hooks <= 32); /* struct tracee's exit_hooks is a bit per hook */
}

static void test_pipeline__fd_writes_have_a_path_twin(void **state)
{
	(void)state;
	for (int nr = 0; nr <= sc_max; nr++) {
		const struct sc_def *def = sc_lookup(nr), *twin;

		if (!def || def->kind != SC_FD_WRITE)
			continue;
		/* copy-up turns the call into its twin on the copy: same arguments, a path first */
		twin = sc_lookup(def->twin);
		assert_non_null(twin);
		assert_int_equal(twin->kind, SC_PATH);
		assert_int_equal(twin->p[0].path, 0);
		assert_int_equal(twin->p[0].dirfd, -1);
		assert_true(twin->flags & SCF_INPLACE);
	}
}

static void test_pipeline__path_kinds_have_a_path(void **state)
{
	(void)state;
	for (int nr = 0; nr <= sc_max; nr++) {
		const struct sc_def *def = sc_lookup(nr);

		if (!def || !(KIND_BIT(def->kind) & PATH_KINDS))
			continue;
		if (def->p[0].path < 0)
			fail_msg("%s: a path kind without a path argument", def->name);
		/* flags read by the follow/write rules must be an argument */
		assert_true(def->p[0].flags < 6);
		assert_true(def->p[1].flags < 6);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		QTEST(test_pipeline__every_kind_in_the_table_has_a_hook),
		QTEST(test_pipeline__unknown_numbers_are_denied),
		QTEST(test_pipeline__path_stages_only_for_kinds_with_paths),
		QTEST(test_pipeline__fd_writes_have_a_path_twin),
		QTEST(test_pipeline__path_kinds_have_a_path),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
