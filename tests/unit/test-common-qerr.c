#include "tests/unit/harness.h"

#include "common/common.h"

static void test_qerr_set__returns_code_and_formats(void **state)
{
	struct qerr e = { 0 };

	(void)state;
	assert_int_equal(qerr_set(&e, -ENOENT, "image '%s': no such image", "a:b"), -ENOENT);
	assert_int_equal(e.code, -ENOENT);
	assert_string_equal(e.msg, "image 'a:b': no such image");
}

static void test_qerr_set__null_err_is_allowed(void **state)
{
	(void)state;
	assert_int_equal(qerr_set(NULL, -EINVAL, "x"), -EINVAL);
	assert_int_equal(qerr_set_errno(NULL, -EINVAL, "x"), -EINVAL);
	assert_int_equal(qerr_wrap(NULL, -EINVAL, "x"), -EINVAL);
}

static void test_qerr_set_errno__appends_strerror(void **state)
{
	struct qerr e = { 0 };

	(void)state;
	qerr_set_errno(&e, -EACCES, "open '%s'", "/x");
	assert_string_equal(e.msg, "open '/x': Permission denied");
}

static void test_qerr_wrap__prefixes_context(void **state)
{
	struct qerr e = { 0 };

	(void)state;
	qerr_set(&e, -EIO, "blob sha256:ab: short read");
	assert_int_equal(qerr_wrap(&e, -EIO, "loading '%s'", "x.tar"), -EIO);
	assert_string_equal(e.msg, "loading 'x.tar': blob sha256:ab: short read");
}

static void test_qerr_wrap__empty_message_uses_strerror(void **state)
{
	struct qerr e = { 0 };

	(void)state;
	qerr_wrap(&e, -ENOENT, "reading 'y'");
	assert_string_equal(e.msg, "reading 'y': No such file or directory");
	assert_int_equal(e.code, -ENOENT);
}

static void test_qerr_set__long_message_is_cut_not_overflowed(void **state)
{
	struct qerr e = { 0 };
	char big[2000];

	(void)state;
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	qerr_set(&e, -E2BIG, "%s", big);
	assert_int_equal(strlen(e.msg), sizeof(e.msg) - 1);
	qerr_wrap(&e, -E2BIG, "%s", big);
	assert_int_equal(strlen(e.msg), sizeof(e.msg) - 1);
	qerr_set_errno(&e, -E2BIG, "%s", big);
	assert_int_equal(strlen(e.msg), sizeof(e.msg) - 1);
}

static void test_qerr_clear__resets(void **state)
{
	struct qerr e = { 0 };

	(void)state;
	qerr_set(&e, -EIO, "x");
	qerr_clear(&e);
	assert_int_equal(e.code, 0);
	assert_string_equal(e.msg, "");
	qerr_clear(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		QTEST(test_qerr_set__returns_code_and_formats),
		QTEST(test_qerr_set__null_err_is_allowed),
		QTEST(test_qerr_set_errno__appends_strerror),
		QTEST(test_qerr_wrap__prefixes_context),
		QTEST(test_qerr_wrap__empty_message_uses_strerror),
		QTEST(test_qerr_set__long_message_is_cut_not_overflowed),
		QTEST(test_qerr_clear__resets),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
