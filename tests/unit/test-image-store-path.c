#include "tests/unit/harness.h"

#include "image/image.h"

static void with_env(const char *name, const char *value)
{
	if (value)
		setenv(name, value, 1);
	else
		unsetenv(name);
}

static void test_image_store_default_root__xdg_then_home(void **state)
{
	_cleanup_free_ char *p = NULL;

	(void)state;
	if (geteuid() == 0) {
		assert_int_equal(image_store_default_root(&p, NULL), 0);
		assert_string_equal(p, "/var/lib/qrun");
		return;
	}
	with_env("XDG_DATA_HOME", "/x/data");
	assert_int_equal(image_store_default_root(&p, NULL), 0);
	assert_string_equal(p, "/x/data/qrun");
	free(p);
	/* A relative XDG_DATA_HOME is invalid per the spec and ignored. */
	with_env("XDG_DATA_HOME", "rel");
	with_env("HOME", "/h");
	assert_int_equal(image_store_default_root(&p, NULL), 0);
	assert_string_equal(p, "/h/.local/share/qrun");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		QTEST(test_image_store_default_root__xdg_then_home),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
