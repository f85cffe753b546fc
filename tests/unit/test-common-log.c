#include "tests/unit/harness.h"

#include "common/common.h"

/* Capture log output in a memory stream. */
static char *logbuf;
static size_t loglen;
static FILE *log_stream;

static void capture(void)
{
	log_stream = open_memstream(&logbuf, &loglen);
	assert_non_null(log_stream);
	qlog_set_stream(log_stream);
}

static char *captured(void)
{
	(void)fflush(log_stream);
	return logbuf;
}

static void release(void)
{
	qlog_set_stream(NULL);
	(void)fclose(log_stream);
	free(logbuf);
	logbuf = NULL;
}

static void test_qlog__level_filters(void **state)
{
	(void)state;
	qlog_level = QLOG_WARN;
	capture();
	qlog_debug("hidden %d", 1);
	qlog_info("hidden too");
	qlog_warn("shown %s", "w");
	qlog_error("bad thing: %s", "x");
	assert_string_equal(captured(), "qrun: warn: shown w\nqrun: bad thing: x\n");
	release();
}

static void test_qlog__verbose_shows_debug(void **state)
{
	(void)state;
	qlog_level = QLOG_DEBUG;
	capture();
	qlog_debug("d");
	qlog(QLOG_TRACE, "t");
	assert_string_equal(captured(), "qrun: debug: d\n");
	release();
	qlog_level = QLOG_WARN;
}

static void test_qlog_set_level_name__names_and_digits(void **state)
{
	(void)state;
	assert_int_equal(qlog_set_level_name("debug"), 0);
	assert_int_equal(qlog_level, QLOG_DEBUG);
	assert_int_equal(qlog_set_level_name("0"), 0);
	assert_int_equal(qlog_level, QLOG_ERROR);
	assert_int_equal(qlog_set_level_name("trace"), 0);
	assert_int_equal(qlog_level, QLOG_TRACE);
	assert_int_equal(qlog_set_level_name("loud"), -EINVAL);
	assert_int_equal(qlog_set_level_name("5"), -EINVAL);
	assert_int_equal(qlog_set_level_name(""), -EINVAL);
	assert_int_equal(qlog_level, QLOG_TRACE);
	qlog_level = QLOG_WARN;
}

static void test_qlog__preserves_errno(void **state)
{
	(void)state;
	capture();
	errno = EXDEV;
	qlog_error("x");
	assert_int_equal(errno, EXDEV);
	release();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		QTEST(test_qlog__level_filters),
		QTEST(test_qlog__verbose_shows_debug),
		QTEST(test_qlog_set_level_name__names_and_digits),
		QTEST(test_qlog__preserves_errno),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
