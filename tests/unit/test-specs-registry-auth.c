#include "tests/unit/harness.h"

#include "specs/specs.h"

static void test_auth_config_parse__reads_auths(void **state)
{
	static const char doc[] =
	    "{\"auths\":{\"127.0.0.1:5000\":{\"auth\":\"dTpw\"},"
	    "\"https://index.docker.io/v1/\":{\"auth\":\"YTpi\",\"email\":\"x\"},"
	    "\"quay.io\":{\"identitytoken\":\"t\"}},\"credsStore\":\"desktop\"}";
	struct spec_auth_config c = { 0 };

	(void)state;
	assert_int_equal(spec_auth_config_parse(doc, strlen(doc), &c, NULL), 0);
	assert_int_equal(c.n_entries, 2); /* the identitytoken-only entry is skipped */
	assert_string_equal(c.entries[0].registry, "127.0.0.1:5000");
	assert_string_equal(c.entries[0].auth, "dTpw");
	assert_string_equal(c.entries[1].registry, "https://index.docker.io/v1/");
	spec_auth_config_release(&c);
}

static void test_auth_config_parse__helpers(void **state)
{
	static const char doc[] =
	    "{\"credHelpers\":{\"gcr.io\":\"gcloud\"},\"credsStore\":\"pass\"}";
	static const char bad[] = "{\"credHelpers\":{\"gcr.io\":\"../x\"}}";
	static const char out[] = "{\"Username\":\"u\",\"Secret\":\"s\"}";
	struct spec_auth_config c = { 0 };
	char *u = NULL, *p = NULL;

	(void)state;
	assert_int_equal(spec_auth_config_parse(doc, strlen(doc), &c, NULL), 0);
	assert_int_equal(c.n_helpers, 1);
	assert_string_equal(c.helpers[0].registry, "gcr.io");
	assert_string_equal(c.helpers[0].auth, "gcloud");
	assert_string_equal(c.creds_store, "pass");
	spec_auth_config_release(&c);
	assert_int_equal(spec_auth_config_parse(bad, strlen(bad), &c, NULL), -EINVAL);
	assert_int_equal(spec_cred_helper_parse(out, strlen(out), &u, &p, NULL), 0);
	assert_string_equal(u, "u");
	assert_string_equal(p, "s");
	free(u);
	free(p);
	assert_int_equal(spec_cred_helper_parse("{}", 2, &u, &p, NULL), -EINVAL);
}

static void test_auth_config_write__round_trips(void **state)
{
	struct spec_auth_entry e[] = { { .registry = (char *)"r:1", .auth = (char *)"dTpw" } };
	struct spec_auth_config in = { .entries = e, .n_entries = 1 }, out = { 0 };
	size_t len;
	_cleanup_free_ char *buf = spec_auth_config_write(&in, &len);

	(void)state;
	assert_int_equal(spec_auth_config_parse(buf, len, &out, NULL), 0);
	assert_int_equal(out.n_entries, 1);
	assert_string_equal(out.entries[0].registry, "r:1");
	assert_string_equal(out.entries[0].auth, "dTpw");
	spec_auth_config_release(&out);
}

static void test_auth_config_parse__rejects_bad_shapes(void **state)
{
	static const char *const bad[] = {
		"[]",
		"{\"auths\":[]}",
		"{\"auths\":{\"r\":\"x\"}}",
		"{\"auths\":{\"r\":{\"auth\":3}}}",
	};
	struct qerr err = { 0 };

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++) {
		struct spec_auth_config c = { 0 };

		assert_int_equal(spec_auth_config_parse(bad[i], strlen(bad[i]), &c, &err), -EINVAL);
		assert_non_null(strstr(err.msg, "auth file"));
		assert_int_equal(c.n_entries, 0);
	}
}

static void test_token_parse__token_or_access_token(void **state)
{
	static const char a[] = "{\"token\":\"T1\",\"expires_in\":300}";
	static const char b[] = "{\"access_token\":\"T2\"}";
	static const char c[] = "{\"expires_in\":300}";
	struct spec_token t = { 0 };

	(void)state;
	assert_int_equal(spec_token_parse(a, strlen(a), &t, NULL), 0);
	assert_string_equal(t.token, "T1");
	assert_int_equal(t.expires_in, 300);
	spec_token_release(&t);
	assert_int_equal(spec_token_parse(b, strlen(b), &t, NULL), 0);
	assert_string_equal(t.token, "T2");
	assert_int_equal(t.expires_in, 60); /* the spec's default */
	spec_token_release(&t);
	assert_int_equal(spec_token_parse(c, strlen(c), &t, NULL), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		QTEST(test_auth_config_parse__reads_auths),
		QTEST(test_auth_config_parse__helpers),
		QTEST(test_auth_config_write__round_trips),
		QTEST(test_auth_config_parse__rejects_bad_shapes),
		QTEST(test_token_parse__token_or_access_token),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
