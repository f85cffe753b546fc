#include "tests/unit/harness.h"

#include "common/common.h"

static void test_xasprintf__formats(void **state)
{
	_cleanup_free_ char *s = xasprintf("%s-%d", "a", 42);

	(void)state;
	assert_string_equal(s, "a-42");
}

static void test_xstrndup__cuts_and_terminates(void **state)
{
	_cleanup_free_ char *s = xstrndup("abcdef", 3);
	_cleanup_free_ char *d = xstrdup("");

	(void)state;
	assert_string_equal(s, "abc");
	assert_string_equal(d, "");
}

static void test_xgrow__doubles_and_keeps_content(void **state)
{
	size_t alloc = 0;
	int *v = NULL;

	(void)state;
	for (int i = 0; i < 1000; i++) {
		v = xgrow(v, sizeof(*v), (size_t)i + 1, &alloc);
		v[i] = i;
	}
	assert_true(alloc >= 1000 && alloc < 2048);
	for (int i = 0; i < 1000; i++)
		assert_int_equal(v[i], i);
	free(v);
}

static void test_xmalloc__zero_is_not_null(void **state)
{
	void *p = xmalloc(0);
	void *q = xcalloc(0, 0);

	(void)state;
	assert_non_null(p);
	assert_non_null(q);
	free(p);
	free(q);
}

static void test_take_ptr__disarms_cleanup(void **state)
{
	char *kept;

	(void)state;
	{
		_cleanup_free_ char *s = xstrdup("x");

		kept = TAKE_PTR(s);
		assert_null(s);
	}
	assert_string_equal(kept, "x");
	free(kept);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		QTEST(test_xasprintf__formats),
		QTEST(test_xstrndup__cuts_and_terminates),
		QTEST(test_xgrow__doubles_and_keeps_content),
		QTEST(test_xmalloc__zero_is_not_null),
		QTEST(test_take_ptr__disarms_cleanup),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
