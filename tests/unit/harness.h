#pragma once
/*
 * Unit test harness on top of cmocka: every case runs in a fresh temporary directory (made by
 * qtest_setup, which also chdirs into it, and removed by qtest_teardown), as libarchive's
 * harness does, so cases never see each other's files.
 */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

/* cmocka setup/teardown for cmocka_unit_test_setup_teardown(). */
int qtest_setup(void **state);
int qtest_teardown(void **state);

/* The current case's temporary directory (absolute). */
const char *qtest_tmpdir(void);

/* A unit test with the per-case temp dir. */
#define QTEST(fn) cmocka_unit_test_setup_teardown(fn, qtest_setup, qtest_teardown)

/* Write a small file (relative to the temp dir when path is relative); fails the case on error. */
void qtest_write_file(const char *path, const char *content);
