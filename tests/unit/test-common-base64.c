#include "tests/unit/harness.h"

#include "common/common.h"

/* RFC 4648 section 10 test vectors, both ways. */
static void test_base64__rfc4648_vectors(void **state)
{
	static const char *const v[][2] = {
		{ "", "" },
		{ "f", "Zg==" },
		{ "fo", "Zm8=" },
		{ "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" },
		{ "fooba", "Zm9vYmE=" },
		{ "foobar", "Zm9vYmFy" },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(v); i++) {
		_cleanup_free_ char *e = base64_encode(v[i][0], strlen(v[i][0]));
		_cleanup_free_ char *d = NULL;
		size_t n;

		assert_string_equal(e, v[i][1]);
		assert_int_equal(base64_decode(v[i][1], &d, &n), 0);
		assert_int_equal(n, strlen(v[i][0]));
		assert_string_equal(d, v[i][0]);
	}
}

static void test_base64_decode__user_colon_password(void **state)
{
	_cleanup_free_ char *d = NULL;

	(void)state;
	assert_int_equal(base64_decode("cXRlc3RlcjpzM2NyM3Q=", &d, NULL), 0);
	assert_string_equal(d, "qtester:s3cr3t");
}

static void test_base64_decode__rejects_garbage(void **state)
{
	char *d = NULL;

	(void)state;
	assert_int_equal(base64_decode("Zm9v!", &d, NULL), -EINVAL);
	assert_int_equal(base64_decode("Zg==Zg", &d, NULL), -EINVAL);
	assert_int_equal(base64_decode("Zm 9v", &d, NULL), -EINVAL);
	assert_null(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		QTEST(test_base64__rfc4648_vectors),
		QTEST(test_base64_decode__user_colon_password),
		QTEST(test_base64_decode__rejects_garbage),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
