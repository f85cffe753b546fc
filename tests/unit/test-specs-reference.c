#include "tests/unit/harness.h"

#include "specs/specs.h"

/*
 * Reference parsing is table-tested against docker's grammar and normalisation. Each row
 * gives the input and either the normalised form and familiar name or NULL for a rejection;
 * every wrong row is printed before the case fails.
 */

#define H64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define DG  "sha256:" H64

struct ref_case {
	const char *in;
	const char *full;     /* NULL: must be rejected */
	const char *familiar; /* familiar name when accepted */
};

static const struct ref_case ref_cases[] = {
	{ "busybox", "docker.io/library/busybox:latest", "busybox" },
	{ "busybox:1.36", "docker.io/library/busybox:1.36", "busybox" },
	{ "library/busybox", "docker.io/library/busybox:latest", "busybox" },
	{ "docker.io/busybox", "docker.io/library/busybox:latest", "busybox" },
	{ "index.docker.io/busybox", "docker.io/library/busybox:latest", "busybox" },
	{ "docker.io/library/busybox:musl", "docker.io/library/busybox:musl", "busybox" },
	{ "user/repo", "docker.io/user/repo:latest", "user/repo" },
	{ "user/repo:v1.0-rc_1", "docker.io/user/repo:v1.0-rc_1", "user/repo" },
	{ "library/a/b", "docker.io/library/a/b:latest", "library/a/b" },
	{ "quay.io/x/y", "quay.io/x/y:latest", "quay.io/x/y" },
	{ "quay.io/x/y:t", "quay.io/x/y:t", "quay.io/x/y" },
	{ "ghcr.io/a", "ghcr.io/a:latest", "ghcr.io/a" },
	{ "localhost/a", "localhost/a:latest", "localhost/a" },
	{ "localhost:5000/a/b:t@" DG, "localhost:5000/a/b:t@" DG, "localhost:5000/a/b" },
	{ "localhost:5000/a", "localhost:5000/a:latest", "localhost:5000/a" },
	{ "localhost:5000", "docker.io/library/localhost:5000", "localhost" },
	{ "busybox@" DG, "docker.io/library/busybox@" DG, "busybox" },
	{ "busybox:1@" DG, "docker.io/library/busybox:1@" DG, "busybox" },
	{ "Registry.Example.COM/a", "Registry.Example.COM/a:latest", "Registry.Example.COM/a" },
	{ "r-1.example.com:443/a-b/c", "r-1.example.com:443/a-b/c:latest",
	  "r-1.example.com:443/a-b/c" },
	{ "[::1]:5000/a", "[::1]:5000/a:latest", "[::1]:5000/a" },
	{ "a__b", "docker.io/library/a__b:latest", "a__b" },
	{ "a.b_c--d", "docker.io/library/a.b_c--d:latest", "a.b_c--d" },
	{ "a---b", "docker.io/library/a---b:latest", "a---b" },
	{ "x:_", "docker.io/library/x:_", "x" },
	{ "x:A.b-C", "docker.io/library/x:A.b-C", "x" },
	{ "0/1", "docker.io/0/1:latest", "0/1" },
	/* rejections */
	{ "", NULL, NULL },
	{ "Busybox", NULL, NULL },
	{ "user/Repo", NULL, NULL },
	{ "a//b", NULL, NULL },
	{ "/a", NULL, NULL },
	{ "a/", NULL, NULL },
	{ "a:", NULL, NULL },
	{ "a:.x", NULL, NULL },
	{ "a:-x", NULL, NULL },
	{ "a:t!", NULL, NULL },
	{ "a@", NULL, NULL },
	{ "a@sha256:abc", NULL, NULL },
	{ "a@sha512:" H64, NULL, NULL },
	{ "a@sha256:" H64 "@x", NULL, NULL },
	{ "a@SHA256:" H64, NULL, NULL },
	{ "@" DG, NULL, NULL },
	{ ":tag", NULL, NULL },
	{ DG, NULL, NULL },
	{ H64, NULL, NULL },
	{ "-a", NULL, NULL },
	{ "a-", NULL, NULL },
	{ "a._b", NULL, NULL },
	{ "a___b", NULL, NULL },
	{ "a..b", NULL, NULL },
	{ "a b", NULL, NULL },
	{ "-x.com/a", NULL, NULL },
	{ "x-.com/a", NULL, NULL },
	{ "x..com/a", NULL, NULL },
	{ "x.com:/a", NULL, NULL },
	{ "x.com:80a/a", NULL, NULL },
	{ "[::1/a", NULL, NULL },
	{ "[]:1/a", NULL, NULL },
	{ "x.com/", NULL, NULL },
	{ "x.com/A", NULL, NULL },
};

static void test_reference_parse__table(void **state)
{
	size_t i, bad = 0;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(ref_cases); i++) {
		const struct ref_case *tc = &ref_cases[i];
		struct spec_reference r = { 0 };
		struct qerr err = { 0 };
		char *full = NULL, *fam = NULL;
		int rc = spec_reference_parse(tc->in, &r, &err);

		if (rc == 0) {
			full = spec_reference_format(&r);
			fam = spec_reference_familiar_name(&r);
		}
		if (!tc->full && rc != -EINVAL) {
			printf("'%s': accepted as '%s', want rejection\n", tc->in, full);
			bad++;
		} else if (!tc->full && (!err.msg[0] || strchr(err.msg, '\n'))) {
			printf("'%s': bad message '%s'\n", tc->in, err.msg);
			bad++;
		} else if (tc->full && rc != 0) {
			printf("'%s': rejected (%s), want '%s'\n", tc->in, err.msg, tc->full);
			bad++;
		} else if (tc->full && (strcmp(full, tc->full) || strcmp(fam, tc->familiar))) {
			printf("'%s': got '%s' / '%s', want '%s' / '%s'\n", tc->in, full, fam,
			       tc->full, tc->familiar);
			bad++;
		}
		free(full);
		free(fam);
		spec_reference_release(&r);
	}
	assert_int_equal(bad, 0);
}

static void test_reference_parse__parts(void **state)
{
	struct spec_reference r = { 0 };
	char *repo;

	(void)state;
	assert_int_equal(spec_reference_parse("localhost:5000/a/b:t@" DG, &r, NULL), 0);
	assert_string_equal(r.domain, "localhost:5000");
	assert_string_equal(r.path, "a/b");
	assert_string_equal(r.tag, "t");
	assert_string_equal(r.digest, DG);
	repo = spec_reference_repository(&r);
	assert_string_equal(repo, "localhost:5000/a/b");
	free(repo);
	spec_reference_release(&r);
	assert_null(r.domain);

	assert_int_equal(spec_reference_parse("busybox@" DG, &r, NULL), 0);
	assert_null(r.tag);
	spec_reference_release(&r);
}

static void test_reference_parse__messages(void **state)
{
	struct spec_reference r = { 0 };
	struct qerr err = { 0 };

	(void)state;
	assert_int_equal(spec_reference_parse(DG, &r, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "image id"));
	assert_int_equal(spec_reference_parse("Busybox", &r, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "lowercase"));
	assert_int_equal(spec_reference_parse("a:t!", &r, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "tag"));
	assert_int_equal(spec_reference_parse("a@sha256:12", &r, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "digest"));
	assert_null(r.domain);
}

static void test_reference_parse__lengths(void **state)
{
	struct spec_reference r = { 0 };
	char name[300], tag[200];

	(void)state;
	/* name: 255 accepted, 256 rejected (docker's NameTotalLengthMax), after normalisation */
	memset(name, 'a', sizeof(name));
	memcpy(name, "x.io/", 5);
	name[255] = '\0';
	assert_int_equal(spec_reference_parse(name, &r, NULL), 0);
	spec_reference_release(&r);
	name[255] = 'a';
	name[256] = '\0';
	assert_int_equal(spec_reference_parse(name, &r, NULL), -EINVAL);
	name[5 + 255 - strlen("docker.io/library/")] = '\0';
	assert_int_equal(spec_reference_parse(name + 5, &r, NULL), 0);
	spec_reference_release(&r);
	name[5 + 255 - strlen("docker.io/library/")] = 'a';
	name[5 + 256 - strlen("docker.io/library/")] = '\0';
	assert_int_equal(spec_reference_parse(name + 5, &r, NULL), -EINVAL);

	/* tag: 128 accepted, 129 rejected */
	memcpy(tag, "a:", 2);
	memset(tag + 2, 't', 128);
	tag[130] = '\0';
	assert_int_equal(spec_reference_parse(tag, &r, NULL), 0);
	spec_reference_release(&r);
	tag[130] = 't';
	tag[131] = '\0';
	assert_int_equal(spec_reference_parse(tag, &r, NULL), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		QTEST(test_reference_parse__table),
		QTEST(test_reference_parse__parts),
		QTEST(test_reference_parse__messages),
		QTEST(test_reference_parse__lengths),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
