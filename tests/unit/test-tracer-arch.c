#include "tests/unit/harness.h"

#include <elf.h>
#include <sys/stat.h>

#include "tracer/tracer.h"

static void test_tracer_arch_host__is_amd64(void **state)
{
	(void)state;
	assert_string_equal(tracer_arch_host()->oci_arch, "amd64");
	assert_int_equal(tracer_arch_host()->e_machine, EM_X86_64);
	assert_ptr_equal(tracer_arch_host(), arch_find_uname("x86_64", ELFDATA2LSB));
}

static void make_exe(const char *path)
{
	qtest_write_file(path, "#!/bin/sh\n");
	assert_int_equal(chmod(path, 0755), 0);
}

static void test_tracer_qemu_find__prefers_static_then_plain(void **state)
{
	_cleanup_free_ char *path = NULL, *env = NULL, *want = NULL;
	const struct arch *arm = arch_find_oci("arm", NULL);
	char *old = getenv("PATH") ? xstrdup(getenv("PATH")) : NULL;

	(void)state;
	assert_int_equal(mkdir("a", 0755), 0);
	assert_int_equal(mkdir("b", 0755), 0);
	env = xasprintf("relative:%s/a:%s/b", qtest_tmpdir(), qtest_tmpdir());
	setenv("PATH", env, 1);

	assert_int_equal(tracer_qemu_find(arm, &path), -ENOENT);

	make_exe("b/qemu-arm");
	assert_int_equal(tracer_qemu_find(arm, &path), 0);
	want = xasprintf("%s/b/qemu-arm", qtest_tmpdir());
	assert_string_equal(path, want);
	free(path);
	free(want);

	make_exe("b/qemu-arm-static");
	assert_int_equal(tracer_qemu_find(arm, &path), 0);
	want = xasprintf("%s/b/qemu-arm-static", qtest_tmpdir());
	assert_string_equal(path, want);
	free(path);
	path = NULL;

	/* Not executable: skipped. */
	qtest_write_file("a/qemu-arm-static", "x");
	assert_int_equal(tracer_qemu_find(arm, &path), 0);
	assert_string_equal(path, want);

	if (old)
		setenv("PATH", old, 1);
	free(old);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		QTEST(test_tracer_arch_host__is_amd64),
		QTEST(test_tracer_qemu_find__prefers_static_then_plain),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
