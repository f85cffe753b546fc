#include "tests/unit/harness.h"

#include "tracer/tracer-internal.h"

/*
 * longpath_split: where a host path of PATH_MAX bytes or more is cut into a directory the
 * tracer opens and a rest the kernel resolves from it.
 */

/* "/" then "d0123456789/" n times (12 bytes each), then tail. */
static char *deep(size_t n, const char *tail)
{
	size_t len = 1 + 12 * n + strlen(tail);
	char *s = xmalloc(len + 1), *o = s;

	*o++ = '/';
	for (size_t i = 0; i < n; i++, o += 12)
		memcpy(o, "d0123456789/", 12);
	memcpy(o, tail, strlen(tail) + 1);
	return s;
}

static void test_longpath_split__cut_at_a_slash_below_path_max(void **state)
{
	_cleanup_free_ char *host = deep(400, "file");
	char dir[PATH_MAX];
	const char *rel;

	(void)state;
	assert_int_equal(longpath_split(host, dir, &rel), 0);
	assert_true(strlen(dir) < PATH_MAX);
	assert_int_equal(rel - host, (long)strlen(dir) + 1);
	assert_int_equal(host[strlen(dir)], '/');
	assert_memory_equal(dir, host, strlen(dir));
	assert_true(str_has_suffix(rel, "/file"));
}

/*
 * mkdir("…/dK/"): the trailing '/' belongs to the name being made. Cutting there named the
 * directory that does not exist yet (mkdir -p failed at 4072 guest bytes under some rootfs
 * prefixes).
 */
static void test_longpath_split__trailing_slash_stays_in_the_rest(void **state)
{
	char dir[PATH_MAX];
	const char *rel;

	(void)state;
	/* every cut position near the limit: the slash of the last name at 4094, 4095, ... */
	for (size_t pad = 0; pad < 24; pad++) {
		_cleanup_free_ char *tail = xmalloc(pad + 8);
		_cleanup_free_ char *host = NULL;

		memset(tail, 'x', pad);
		memcpy(tail + pad, "/last/", 7);
		host = deep(340, tail);
		if (strlen(host) < PATH_MAX)
			continue;
		assert_int_equal(longpath_split(host, dir, &rel), 0);
		assert_true(str_has_suffix(rel, "last/"));
		assert_false(str_has_suffix(dir, "/last"));
	}
}

static void test_longpath_split__name_too_long_for_the_rest(void **state)
{
	_cleanup_free_ char *name = xmalloc(PATH_MAX + 2);
	_cleanup_free_ char *host = NULL;
	char dir[PATH_MAX];
	const char *rel;

	(void)state;
	name[0] = '/';
	memset(name + 1, 'n', PATH_MAX);
	name[PATH_MAX + 1] = '\0';
	host = xasprintf("/a%s", name);
	assert_int_equal(longpath_split(host, dir, &rel), -ENAMETOOLONG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		QTEST(test_longpath_split__cut_at_a_slash_below_path_max),
		QTEST(test_longpath_split__trailing_slash_stays_in_the_rest),
		QTEST(test_longpath_split__name_too_long_for_the_rest),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
