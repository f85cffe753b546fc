#include "tests/unit/harness.h"

#include "specs/specs.h"

/* Image configs as docker and buildah write them, wrong shapes, and the import writer. */

#define D1	     "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D2	     "sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define ROOTFS	     ",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" D1 "\"]}"
#define CONFIG(rest) "{\"architecture\":\"amd64\",\"os\":\"linux\"" rest "}"

/* Trimmed from `docker save busybox`: note the nulls docker writes. */
static const char docker_config[] =
    "{\"architecture\":\"amd64\",\"config\":{\"Hostname\":\"\",\"Domainname\":\"\","
    "\"User\":\"\",\"AttachStdin\":false,\"Tty\":false,\"Env\":[\"PATH=/usr/local/sbin:"
    "/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"],\"Cmd\":[\"sh\"],\"Image\":\"sha256:"
    "abc\",\"Volumes\":null,\"WorkingDir\":\"\",\"Entrypoint\":null,\"OnBuild\":null,"
    "\"Labels\":null},\"created\":\"2023-07-18T23:19:33.655005962Z\",\"docker_version\":"
    "\"20.10.23\",\"history\":[{\"created\":\"2023-07-18T23:19:33.538571854Z\","
    "\"created_by\":\"/bin/sh -c #(nop) ADD file:7e9002edaafd4e4579b65c8f0aaabde1aeb7fd3f8d95579f7"
    "53a3b2d8d7ebdb4 in / \"}],\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":"
    "[\"" D1 "\",\"" D2 "\"]}}";

static void test_image_config_parse__docker(void **state)
{
	struct spec_image_config c = { 0 };
	struct qerr err = { 0 };

	(void)state;
	assert_int_equal(spec_image_config_parse(docker_config, strlen(docker_config), &c, &err),
			 0);
	assert_string_equal(c.architecture, "amd64");
	assert_string_equal(c.os, "linux");
	assert_null(c.variant);
	assert_string_equal(c.created, "2023-07-18T23:19:33.655005962Z");
	assert_string_equal(c.user, "");
	assert_string_equal(c.env[0],
			    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	assert_null(c.env[1]);
	assert_null(c.entrypoint);
	assert_string_equal(c.cmd[0], "sh");
	assert_null(c.cmd[1]);
	assert_string_equal(c.working_dir, "");
	assert_string_equal(c.rootfs_type, "layers");
	assert_int_equal(c.n_diff_ids, 2);
	assert_string_equal(c.diff_ids[1], D2);
	spec_image_config_release(&c);
	assert_null(c.os);
}

static void test_image_config_parse__minimal_and_empty_arrays(void **state)
{
	static const char doc[] =
	    CONFIG(",\"variant\":\"v8\",\"config\":{\"Entrypoint\":[],\"Cmd\":null}" ROOTFS);
	static const char bare[] = CONFIG(",\"config\":null,\"rootfs\":{\"type\":\"layers\","
					  "\"diff_ids\":[]}");
	struct spec_image_config c = { 0 };

	(void)state;
	assert_int_equal(spec_image_config_parse(doc, strlen(doc), &c, NULL), 0);
	assert_string_equal(c.variant, "v8");
	assert_non_null(c.entrypoint);
	assert_null(c.entrypoint[0]);
	assert_null(c.cmd);
	assert_null(c.env);
	assert_null(c.user);
	spec_image_config_release(&c);
	assert_int_equal(spec_image_config_parse(bare, strlen(bare), &c, NULL), 0);
	assert_int_equal(c.n_diff_ids, 0);
	assert_null(c.created);
	spec_image_config_release(&c);
}

struct bad_case {
	const char *doc;
	const char *msg;
};

static const struct bad_case bad_configs[] = {
	{ "[]", "image config: expected a JSON object" },
	{ "{\"os\":\"linux\"" ROOTFS "}", "image config: 'architecture': missing" },
	{ "{\"architecture\":1,\"os\":\"linux\"" ROOTFS "}",
	  "image config: 'architecture': expected a string" },
	{ "{\"architecture\":\"amd64\"" ROOTFS "}", "image config: 'os': missing" },
	{ "{\"architecture\":\"amd64\",\"os\":null" ROOTFS "}",
	  "image config: 'os': expected a string" },
	{ CONFIG(",\"variant\":7" ROOTFS), "image config: 'variant': expected a string" },
	{ CONFIG(",\"created\":0" ROOTFS), "image config: 'created': expected a string" },
	{ CONFIG(",\"config\":\"x\"" ROOTFS), "image config: 'config': expected an object" },
	{ CONFIG(",\"config\":{\"User\":0}" ROOTFS),
	  "image config: 'config.User': expected a string" },
	{ CONFIG(",\"config\":{\"Env\":\"A=1\"}" ROOTFS),
	  "image config: 'config.Env': expected an array of strings" },
	{ CONFIG(",\"config\":{\"Env\":[\"A=1\",2]}" ROOTFS),
	  "image config: 'config.Env[1]': expected a string" },
	{ CONFIG(",\"config\":{\"Entrypoint\":[null]}" ROOTFS),
	  "image config: 'config.Entrypoint[0]': expected a string" },
	{ CONFIG(",\"config\":{\"Cmd\":{}}" ROOTFS),
	  "image config: 'config.Cmd': expected an array of strings" },
	{ CONFIG(",\"config\":{\"WorkingDir\":[]}" ROOTFS),
	  "image config: 'config.WorkingDir': expected a string" },
	{ CONFIG(""), "image config: 'rootfs': missing" },
	{ CONFIG(",\"rootfs\":[]"), "image config: 'rootfs': expected an object" },
	{ CONFIG(",\"rootfs\":{\"diff_ids\":[]}"), "image config: 'rootfs.type': missing" },
	{ CONFIG(",\"rootfs\":{\"type\":\"layer\",\"diff_ids\":[]}"),
	  "image config: 'rootfs.type': expected \"layers\"" },
	{ CONFIG(",\"rootfs\":{\"type\":\"layers\"}"), "image config: 'rootfs.diff_ids': missing" },
	{ CONFIG(",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"" D1 "\",\"sha256:x\"]}"),
	  "image config: 'rootfs.diff_ids[1]': not a sha256 digest" },
	{ CONFIG(",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[1]}"),
	  "image config: 'rootfs.diff_ids[0]': expected a string" },
};

static void test_image_config_parse__rejects_wrong_shapes(void **state)
{
	size_t i, bad = 0;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bad_configs); i++) {
		struct spec_image_config c = { 0 };
		struct qerr err = { 0 };
		int r = spec_image_config_parse(bad_configs[i].doc, strlen(bad_configs[i].doc), &c,
						&err);

		if (r != -EINVAL || !str_has_prefix(err.msg, bad_configs[i].msg)) {
			printf("%s\n  got %d '%s'\n  want '%s'\n", bad_configs[i].doc, r, err.msg,
			       bad_configs[i].msg);
			bad++;
		}
		spec_image_config_release(&c);
	}
	assert_int_equal(bad, 0);
}

static void test_image_config_write_imported(void **state)
{
	struct spec_platform p = { (char *)"linux", (char *)"arm", (char *)"v7" };
	struct spec_image_config c = { 0 };
	char *out;
	size_t len;

	(void)state;
	out = spec_image_config_write_imported(&p, "2024-01-02T03:04:05Z", D1, &len);
	assert_string_equal(
	    out, "{\"architecture\":\"arm\",\"os\":\"linux\",\"variant\":\"v7\","
		 "\"created\":\"2024-01-02T03:04:05Z\",\"config\":{\"Env\":[\"PATH=/usr/local/"
		 "sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\"]},\"rootfs\":{\"type\":"
		 "\"layers\",\"diff_ids\":[\"" D1 "\"]},\"history\":[{\"created\":"
		 "\"2024-01-02T03:04:05Z\",\"created_by\":\"qrun import\"}]}");
	assert_int_equal(spec_image_config_parse(out, len, &c, NULL), 0);
	assert_string_equal(c.variant, "v7");
	assert_int_equal(c.n_diff_ids, 1);
	assert_string_equal(c.diff_ids[0], D1);
	assert_null(c.cmd);
	spec_image_config_release(&c);
	free(out);

	p.variant = NULL;
	out = spec_image_config_write_imported(&p, NULL, D2, &len);
	assert_null(strstr(out, "variant"));
	assert_null(strstr(out, "created\":"));
	assert_int_equal(spec_image_config_parse(out, len, &c, NULL), 0);
	spec_image_config_release(&c);
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		QTEST(test_image_config_parse__docker),
		QTEST(test_image_config_parse__minimal_and_empty_arrays),
		QTEST(test_image_config_parse__rejects_wrong_shapes),
		QTEST(test_image_config_write_imported),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
