#include "tests/unit/harness.h"

#include "common/arch.h"
#include "specs/specs.h"

/* Platform strings, platforms of the architecture table and matching, each table-driven. */

struct parse_case {
	const char *in;
	const char *out; /* formatted result, NULL: rejected */
};

static const struct parse_case parse_cases[] = {
	{ "linux/amd64", "linux/amd64" },
	{ "amd64", "linux/amd64" },
	{ "x86_64", "linux/amd64" },
	{ "linux/x86-64", "linux/amd64" },
	{ "linux/amd64/v1", "linux/amd64" },
	{ "linux/amd64/v3", "linux/amd64/v3" },
	{ "LINUX/AMD64", "linux/amd64" },
	{ "aarch64", "linux/arm64/v8" },
	{ "linux/arm64", "linux/arm64/v8" },
	{ "linux/arm64/8", "linux/arm64/v8" },
	{ "linux/arm64/v9", "linux/arm64/v9" },
	{ "armhf", "linux/arm/v7" },
	{ "armel", "linux/arm/v6" },
	{ "armv7l", "linux/arm/v7" },
	{ "linux/arm", "linux/arm/v7" },
	{ "linux/arm/6", "linux/arm/v6" },
	{ "linux/arm/v5", "linux/arm/v5" },
	{ "linux/armhf/v6", "linux/arm/v7" },
	{ "linux/armv7l/v5", "linux/arm/v7" },
	{ "armv8l", "linux/arm/v8" },
	{ "armv5tel", "linux/arm/v5" },
	{ "linux/aarch64/v9", "linux/arm64/v9" },
	{ "linux/386/sse2", "linux/386" },
	{ "mips64el", "linux/mips64le" },
	{ "linux/mips64", "linux/mips64" },
	{ "linux/sparc64/v9", "linux/sparc64/v9" },
	{ "i386", "linux/386" },
	{ "i686", "linux/386" },
	{ "linux/386", "linux/386" },
	{ "ppc64el", "linux/ppc64le" },
	{ "linux/ppc64le", "linux/ppc64le" },
	{ "s390x", "linux/s390x" },
	{ "linux/riscv64", "linux/riscv64" },
	{ "loongarch64", "linux/loong64" },
	{ "macos/arm64", "darwin/arm64/v8" },
	{ "", NULL },
	{ "/", NULL },
	{ "linux/", NULL },
	{ "/amd64", NULL },
	{ "linux//v7", NULL },
	{ "linux/arm/v7/x", NULL },
	{ "linux/amd 64", NULL },
	{ "linux/arm/v7/", NULL },
	{ "linux", NULL },
	{ "linux/am.d64", NULL },
};

static void test_platform_parse__table(void **state)
{
	size_t i, bad = 0;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(parse_cases); i++) {
		struct spec_platform p = { 0 };
		struct qerr err = { 0 };
		int r = spec_platform_parse(parse_cases[i].in, &p, &err);
		char *s = r == 0 ? spec_platform_format(&p) : NULL;

		if (parse_cases[i].out ? (r != 0 || strcmp(s, parse_cases[i].out))
				       : (r != -EINVAL || !err.msg[0])) {
			printf("'%s': got %d '%s' (%s), want '%s'\n", parse_cases[i].in, r,
			       s ? s : "", err.msg, parse_cases[i].out ? parse_cases[i].out : "-");
			bad++;
		}
		free(s);
		spec_platform_release(&p);
	}
	assert_int_equal(bad, 0);
}

/* Every row of the architecture table makes a platform that parses back to itself. */
static void test_platform_from_arch__every_row_round_trips(void **state)
{
	size_t bad = 0;

	(void)state;
	for (size_t i = 0; i < ARCH_COUNT; i++) {
		const struct arch *a = &arch_table[i];
		struct spec_platform p = { 0 }, again = { 0 };
		char *s, *s2 = NULL;

		spec_platform_from_arch(a, &p);
		s = spec_platform_format(&p);
		if (spec_platform_parse(s, &again, NULL) == 0)
			s2 = spec_platform_format(&again);
		if (!s2 || strcmp(s, s2) || strcmp(p.os, "linux") ||
		    strcmp(p.architecture, a->oci_arch) || !spec_platform_match(&p, &again)) {
			printf("row %zu: '%s' parses back as '%s'\n", i, s, s2 ? s2 : "-");
			bad++;
		}
		free(s);
		free(s2);
		spec_platform_release(&again);
		spec_platform_release(&p);
	}
	assert_int_equal(bad, 0);
}

struct match_case {
	const char *want_os, *want_arch, *want_variant;
	const char *have_os, *have_arch, *have_variant;
	bool match;
};

static const struct match_case match_cases[] = {
	{ "linux", "amd64", NULL, "linux", "amd64", NULL, true },
	{ "linux", "amd64", NULL, "linux", "x86_64", NULL, true },
	{ "linux", "amd64", NULL, "linux", "arm64", NULL, false },
	{ "linux", "amd64", NULL, "windows", "amd64", NULL, false },
	{ "linux", "arm64", "v8", "linux", "arm64", NULL, true },
	{ "linux", "arm64", "v8", "linux", "aarch64", "v8", true },
	{ "linux", "arm64", NULL, "linux", "arm64", "v9", true },
	{ "linux", "arm64", "v8", "linux", "arm64", "v9", false },
	{ "linux", "arm", "v7", "linux", "arm", "v7", true },
	{ "linux", "arm", "v7", "linux", "arm", "v6", false },
	{ "linux", "arm", "v7", "linux", "arm", NULL, true },
	{ "linux", "arm", NULL, "linux", "arm", "v5", true },
	{ "linux", "arm", "v6", "linux", "arm", "6", true },
	{ "linux", "386", NULL, "linux", "amd64", NULL, false },
	{ "linux", "ppc64le", NULL, "linux", "ppc64el", NULL, true },
};

static void test_platform_match__table(void **state)
{
	size_t i, bad = 0;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(match_cases); i++) {
		const struct match_case *tc = &match_cases[i];
		struct spec_platform want = { (char *)tc->want_os, (char *)tc->want_arch,
					      (char *)tc->want_variant };
		struct spec_platform have = { (char *)tc->have_os, (char *)tc->have_arch,
					      (char *)tc->have_variant };

		if (spec_platform_match(&want, &have) != tc->match) {
			printf("row %zu: want %s/%s/%s, have %s/%s/%s: expected %s\n", i,
			       tc->want_os, tc->want_arch,
			       tc->want_variant ? tc->want_variant : "-", tc->have_os,
			       tc->have_arch, tc->have_variant ? tc->have_variant : "-",
			       tc->match ? "match" : "no match");
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

static void test_platform_host__is_normalised(void **state)
{
	struct spec_platform host = { 0 }, again = { 0 };
	char *s;

	(void)state;
	spec_platform_host(&host);
	assert_string_equal(host.os, "linux");
	assert_non_null(host.architecture);
	s = spec_platform_format(&host);
	assert_int_equal(spec_platform_parse(s, &again, NULL), 0);
	assert_true(spec_platform_match(&host, &again));
	free(s);
	spec_platform_release(&again);
	spec_platform_copy(&again, &host);
	assert_string_equal(again.architecture, host.architecture);
	spec_platform_release(&again);
	spec_platform_release(&host);
	assert_null(host.os);
}

static void test_platform_format__variant(void **state)
{
	struct spec_platform p = { (char *)"linux", (char *)"arm", (char *)"v7" };
	char *s;

	(void)state;
	s = spec_platform_format(&p);
	assert_string_equal(s, "linux/arm/v7");
	free(s);
	p.variant = NULL;
	s = spec_platform_format(&p);
	assert_string_equal(s, "linux/arm");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		QTEST(test_platform_parse__table),
		QTEST(test_platform_from_arch__every_row_round_trips),
		QTEST(test_platform_match__table),
		QTEST(test_platform_host__is_normalised),
		QTEST(test_platform_format__variant),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
