#include "tests/unit/harness.h"

#include <fcntl.h>

#include "common/common.h"

static void test_parse_int__accepts_in_range(void **state)
{
	long v = -1;

	(void)state;
	assert_int_equal(parse_int("42", 0, 100, &v), 0);
	assert_int_equal(v, 42);
	assert_int_equal(parse_int("-3", -5, 5, &v), 0);
	assert_int_equal(v, -3);
}

static void test_parse_int__rejects_garbage_and_range(void **state)
{
	long v = 7;

	(void)state;
	assert_int_equal(parse_int("", 0, 10, &v), -EINVAL);
	assert_int_equal(parse_int("4x", 0, 10, &v), -EINVAL);
	assert_int_equal(parse_int("11", 0, 10, &v), -ERANGE);
	assert_int_equal(parse_int("99999999999999999999999", 0, 10, &v), -ERANGE);
	assert_int_equal(parse_int(NULL, 0, 10, &v), -EINVAL);
	assert_int_equal(v, 7);
}

static void test_str_has_prefix(void **state)
{
	(void)state;
	assert_true(str_has_prefix("/proc/self", "/proc"));
	assert_true(str_has_prefix("x", ""));
	assert_false(str_has_prefix("/pr", "/proc"));
}

static void test_str_has_suffix(void **state)
{
	(void)state;
	assert_true(str_has_suffix("/x (deleted)", " (deleted)"));
	assert_true(str_has_suffix("x", ""));
	assert_false(str_has_suffix("d)", " (deleted)"));
}

static void test_read_file_at__reads_whole_file(void **state)
{
	_cleanup_free_ char *buf = NULL;
	char big[10000];

	(void)state;
	memset(big, 'z', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	qtest_write_file("f", big);
	assert_int_equal(read_file_at(AT_FDCWD, "f", 1 << 20, &buf), sizeof(big) - 1);
	assert_string_equal(buf, big);
}

static void test_read_file_at__limits_and_errors(void **state)
{
	char *buf = NULL;

	(void)state;
	qtest_write_file("f", "0123456789");
	assert_int_equal(read_file_at(AT_FDCWD, "f", 4, &buf), -EFBIG);
	assert_int_equal(read_file_at(AT_FDCWD, "missing", 4, &buf), -ENOENT);
	assert_null(buf);
}

static void test_write_all__writes_everything(void **state)
{
	_cleanup_free_ char *buf = NULL;
	int fd = open("w", O_WRONLY | O_CREAT | O_CLOEXEC, 0600);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write_all(fd, "hello", 5), 0);
	close(fd);
	assert_int_equal(read_file_at(AT_FDCWD, "w", 100, &buf), 5);
	assert_string_equal(buf, "hello");
	assert_int_equal(write_all(-1, "x", 1), -EBADF);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		QTEST(test_parse_int__accepts_in_range),
		QTEST(test_parse_int__rejects_garbage_and_range),
		QTEST(test_str_has_prefix),
		QTEST(test_str_has_suffix),
		QTEST(test_read_file_at__reads_whole_file),
		QTEST(test_read_file_at__limits_and_errors),
		QTEST(test_write_all__writes_everything),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
