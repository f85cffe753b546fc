#include "tests/unit/harness.h"

#include <elf.h>
#include <sys/stat.h>

#include "tracer/tracer.h"

static void test_tracer_arch_find__by_any_name(void **state)
{
	(void)state;
	assert_string_equal(tracer_arch_find("arm")->qemu_name, "arm");
	assert_string_equal(tracer_arch_find("armhf")->uname_machine, "armv7l");
	assert_string_equal(tracer_arch_find("aarch64")->oci_arch, "arm64");
	assert_string_equal(tracer_arch_find("ppc64el")->qemu_name, "ppc64le");
	assert_int_equal(tracer_arch_find("s390x")->elf_data, ELFDATA2MSB);
	assert_int_equal(tracer_arch_find("386")->elf_class, ELFCLASS32);
	assert_null(tracer_arch_find("vax"));
}

static void test_tracer_arch_host__is_amd64(void **state)
{
	(void)state;
	assert_string_equal(tracer_arch_host()->oci_arch, "amd64");
	assert_int_equal(tracer_arch_host()->e_machine, EM_X86_64);
}

static void make_exe(const char *path)
{
	qtest_write_file(path, "#!/bin/sh\n");
	assert_int_equal(chmod(path, 0755), 0);
}

static void test_tracer_qemu_find__prefers_static_then_plain(void **state)
{
	_cleanup_free_ char *path = NULL, *env = NULL, *want = NULL;
	const struct tracer_arch *arm = tracer_arch_find("arm");
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
		QTEST(test_tracer_arch_find__by_any_name),
		QTEST(test_tracer_arch_host__is_amd64),
		QTEST(test_tracer_qemu_find__prefers_static_then_plain),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
