#include "tests/unit/harness.h"

#include "specs/specs.h"

/*
 * Image configs as docker and buildah write them, wrong shapes, the import writer, the general
 * writer (fixed key order, stable bytes) and the helpers a build uses.
 */

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
	{ CONFIG(",\"author\":[]" ROOTFS), "image config: 'author': expected a string" },
	{ CONFIG(",\"config\":{\"Labels\":[\"a=b\"]}" ROOTFS),
	  "image config: 'config.Labels': expected an object" },
	{ CONFIG(",\"config\":{\"Labels\":{\"a\":\"b\",\"c\":1}}" ROOTFS),
	  "image config: 'config.Labels.c': expected a string" },
	{ CONFIG(",\"config\":{\"Labels\":{\"a\":null}}" ROOTFS),
	  "image config: 'config.Labels.a': expected a string" },
	{ CONFIG(",\"config\":{\"ExposedPorts\":[\"80/tcp\"]}" ROOTFS),
	  "image config: 'config.ExposedPorts': expected an object" },
	{ CONFIG(",\"config\":{\"ExposedPorts\":{\"80/tcp\":true}}" ROOTFS),
	  "image config: 'config.ExposedPorts.80/tcp': expected an object" },
	{ CONFIG(",\"config\":{\"Volumes\":{\"/data\":\"\"}}" ROOTFS),
	  "image config: 'config.Volumes./data': expected an object" },
	{ CONFIG(",\"config\":{\"StopSignal\":15}" ROOTFS),
	  "image config: 'config.StopSignal': expected a string" },
	{ CONFIG(",\"config\":{\"Shell\":\"/bin/sh -c\"}" ROOTFS),
	  "image config: 'config.Shell': expected an array of strings" },
	{ CONFIG(",\"config\":{\"OnBuild\":[\"RUN x\",{}]}" ROOTFS),
	  "image config: 'config.OnBuild[1]': expected a string" },
	{ CONFIG(",\"config\":{\"Healthcheck\":\"CMD true\"}" ROOTFS),
	  "image config: 'config.Healthcheck': expected an object" },
	{ CONFIG(",\"config\":{\"ArgsEscaped\":\"true\"}" ROOTFS),
	  "image config: 'config.ArgsEscaped': expected true or false" },
	{ CONFIG(",\"history\":{}" ROOTFS), "image config: 'history': expected an array" },
	{ CONFIG(",\"history\":[{},\"RUN x\"]" ROOTFS),
	  "image config: 'history[1]': expected an object" },
	{ CONFIG(",\"history\":[{\"created_by\":[\"RUN\"]}]" ROOTFS),
	  "image config: 'history[0].created_by': expected a string" },
	{ CONFIG(",\"history\":[{},{\"empty_layer\":\"yes\"}]" ROOTFS),
	  "image config: 'history[1].empty_layer': expected true or false" },
	{ CONFIG(",\"config\":{\"Labels\":{\"a\":\"1\",\"a\":\"2\"}}" ROOTFS),
	  "image config: duplicate key 'a'" },
	{ CONFIG(",\"config\":{\"Labels\":{\"a\":\"1\"" ROOTFS), "image config: not valid JSON" },
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

/*
 * What `docker buildx build` writes for a Dockerfile with LABEL, EXPOSE, VOLUME, HEALTHCHECK,
 * ONBUILD, SHELL, STOPSIGNAL and USER (pretty-printed here; docker writes it compact), plus a
 * docker-era member (container_config) that is dropped.
 */
static const char full_config[] =
    "{\n"
    "  \"architecture\": \"arm64\",\n"
    "  \"variant\": \"v8\",\n"
    "  \"os\": \"linux\",\n"
    "  \"author\": \"Jane <jane@example.org>\",\n"
    "  \"created\": \"2024-03-01T12:00:00Z\",\n"
    "  \"container_config\": {\"Hostname\": \"abc\", \"Cmd\": [\"/bin/sh\"]},\n"
    "  \"config\": {\n"
    "    \"User\": \"www-data\",\n"
    "    \"ExposedPorts\": {\"443/tcp\": {}, \"80/tcp\": {}, \"53/udp\": {}},\n"
    "    \"Env\": [\"PATH=/usr/bin:/bin\", \"NGINX_VERSION=1.25.4\"],\n"
    "    \"Entrypoint\": [\"/docker-entrypoint.sh\"],\n"
    "    \"Cmd\": [\"nginx\", \"-g\", \"daemon off;\"],\n"
    "    \"Healthcheck\": {\"Test\": [\"CMD-SHELL\", \"curl -f http://localhost/ || exit 1\"],\n"
    "                    \"Interval\": 30000000000, \"Timeout\": 3000000000, \"Retries\": 3},\n"
    "    \"ArgsEscaped\": true,\n"
    "    \"Volumes\": {\"/var/cache/nginx\": {}, \"/data\": null},\n"
    "    \"WorkingDir\": \"/srv\",\n"
    "    \"Labels\": {\"org.opencontainers.image.title\": \"web\", \"maintainer\": \"NGINX "
    "\\u003cdocker-maint@nginx.com\\u003e\", \"Z\": \"\\u00e9t\\u00e9\"},\n"
    "    \"OnBuild\": [\"COPY . /srv\", \"RUN make\"],\n"
    "    \"StopSignal\": \"SIGQUIT\",\n"
    "    \"Shell\": [\"/bin/bash\", \"-c\"]\n"
    "  },\n"
    "  \"rootfs\": {\"type\": \"layers\", \"diff_ids\": [\"" D1 "\", \"" D2 "\"]},\n"
    "  \"history\": [\n"
    "    {\"created\": \"2024-02-01T00:00:00Z\", \"created_by\": \"/bin/sh -c #(nop) ADD "
    "file:abc in / \"},\n"
    "    {\"created\": \"2024-02-01T00:00:01Z\", \"created_by\": \"/bin/sh -c #(nop)  CMD "
    "[\\\"bash\\\"]\", \"empty_layer\": true},\n"
    "    {\"created\": \"2024-03-01T12:00:00Z\", \"created_by\": \"RUN /bin/bash -c make # "
    "buildkit\", \"comment\": \"buildkit.dockerfile.v0\", \"author\": \"Jane\", "
    "\"empty_layer\": false}\n"
    "  ]\n"
    "}\n";

/* The exact bytes spec_image_config_write makes of full_config. */
static const char full_written[] =
    "{\"architecture\":\"arm64\",\"author\":\"Jane <jane@example.org>\",\"config\":{"
    "\"ArgsEscaped\":true,\"Cmd\":[\"nginx\",\"-g\",\"daemon off;\"],\"Entrypoint\":["
    "\"/docker-entrypoint.sh\"],\"Env\":[\"PATH=/usr/bin:/bin\",\"NGINX_VERSION=1.25.4\"],"
    "\"ExposedPorts\":{\"443/tcp\":{},\"53/udp\":{},\"80/tcp\":{}},\"Healthcheck\":{\"Test\":["
    "\"CMD-SHELL\",\"curl -f http://localhost/ || exit 1\"],\"Interval\":30000000000,"
    "\"Timeout\":3000000000,\"Retries\":3},\"Labels\":{\"Z\":\"\xc3\xa9t\xc3\xa9\","
    "\"maintainer\":\"NGINX <docker-maint@nginx.com>\",\"org.opencontainers.image.title\":"
    "\"web\"},\"OnBuild\":[\"COPY . /srv\",\"RUN make\"],\"Shell\":[\"/bin/bash\",\"-c\"],"
    "\"StopSignal\":\"SIGQUIT\",\"User\":\"www-data\",\"Volumes\":{\"/data\":{},"
    "\"/var/cache/nginx\":{}},\"WorkingDir\":\"/srv\"},\"created\":\"2024-03-01T12:00:00Z\","
    "\"history\":[{\"created\":\"2024-02-01T00:00:00Z\",\"created_by\":\"/bin/sh -c #(nop) "
    "ADD file:abc in / \"},{\"created\":\"2024-02-01T00:00:01Z\",\"created_by\":\"/bin/sh -c "
    "#(nop)  CMD [\\\"bash\\\"]\",\"empty_layer\":true},{\"author\":\"Jane\",\"comment\":"
    "\"buildkit.dockerfile.v0\",\"created\":\"2024-03-01T12:00:00Z\",\"created_by\":\"RUN "
    "/bin/bash -c make # buildkit\"}],\"os\":\"linux\",\"rootfs\":{\"diff_ids\":[\"" D1 "\",\"" D2
    "\"],\"type\":\"layers\"},\"variant\":\"v8\"}";

static void test_image_config_parse__full(void **state)
{
	struct spec_image_config c = { 0 };
	struct qerr err = { 0 };

	(void)state;
	assert_int_equal(spec_image_config_parse(full_config, strlen(full_config), &c, &err), 0);
	assert_string_equal(c.author, "Jane <jane@example.org>");
	assert_int_equal(c.n_labels, 3);
	assert_string_equal(c.labels[0].key, "org.opencontainers.image.title");
	assert_string_equal(c.labels[1].value, "NGINX <docker-maint@nginx.com>");
	assert_int_equal(c.n_exposed_ports, 3);
	assert_string_equal(c.exposed_ports[2], "53/udp");
	assert_int_equal(c.n_volumes, 2);
	assert_string_equal(c.volumes[1], "/data");
	assert_string_equal(c.stop_signal, "SIGQUIT");
	assert_string_equal(c.shell[1], "-c");
	assert_null(c.shell[2]);
	assert_string_equal(c.on_build[1], "RUN make");
	assert_true(c.has_args_escaped && c.args_escaped);
	assert_string_equal(c.healthcheck,
			    "{\"Test\":[\"CMD-SHELL\",\"curl -f http://localhost/ || exit 1\"],"
			    "\"Interval\":30000000000,\"Timeout\":3000000000,\"Retries\":3}");
	assert_int_equal(c.n_history, 3);
	assert_false(c.history[0].empty_layer);
	assert_null(c.history[0].comment);
	assert_true(c.history[1].empty_layer);
	assert_string_equal(c.history[2].author, "Jane");
	assert_string_equal(c.history[2].comment, "buildkit.dockerfile.v0");
	assert_false(c.history[2].empty_layer);
	spec_image_config_release(&c);
	assert_null(c.labels);
	assert_int_equal(c.n_history, 0);
}

/* parse → write → parse → write: the same bytes, the expected ones; a copy writes them too. */
static void test_image_config_write__round_trip(void **state)
{
	static const char *const docs[] = { full_config, docker_config };
	struct spec_image_config c = { 0 }, again = { 0 }, copy = { 0 };
	size_t i, len, len2, len3;
	char *out, *out2, *out3;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(docs); i++) {
		assert_int_equal(spec_image_config_parse(docs[i], strlen(docs[i]), &c, NULL), 0);
		out = spec_image_config_write(&c, &len);
		assert_int_equal(strlen(out), len);
		if (i == 0)
			assert_string_equal(out, full_written);
		assert_int_equal(spec_image_config_parse(out, len, &again, NULL), 0);
		out2 = spec_image_config_write(&again, &len2);
		assert_int_equal(len2, len);
		assert_memory_equal(out2, out, len);
		spec_image_config_copy(&again, &copy);
		spec_image_config_release(&again);
		out3 = spec_image_config_write(&copy, &len3);
		assert_int_equal(len3, len);
		assert_memory_equal(out3, out, len);
		spec_image_config_release(&copy);
		spec_image_config_release(&c);
		free(out);
		free(out2);
		free(out3);
	}
}

/* Members given in reverse order come out in the fixed one; docker's nulls disappear. */
static void test_image_config_write__key_order(void **state)
{
	static const char doc[] =
	    "{\"variant\":\"v7\",\"rootfs\":{\"diff_ids\":[],\"type\":\"layers\"},"
	    "\"os\":\"linux\",\"history\":[{\"empty_layer\":true,\"created_by\":\"b\","
	    "\"created\":\"c\",\"comment\":\"d\",\"author\":\"e\"}],\"created\":\"t\","
	    "\"config\":{\"WorkingDir\":\"/w\",\"Volumes\":{\"/v\":{}},\"User\":\"u\","
	    "\"StopSignal\":\"s\",\"Shell\":[\"sh\"],\"OnBuild\":[],\"Labels\":{\"b\":\"2\","
	    "\"a\":\"1\"},\"Healthcheck\":{\"Test\":[\"NONE\"]},\"ExposedPorts\":{\"9/tcp\":{},"
	    "\"10/tcp\":{}},\"Env\":[\"B=1\",\"A=2\"],\"Entrypoint\":null,\"Cmd\":[],"
	    "\"ArgsEscaped\":false},\"author\":\"me\",\"architecture\":\"arm\"}";
	static const char want[] =
	    "{\"architecture\":\"arm\",\"author\":\"me\",\"config\":{\"ArgsEscaped\":false,"
	    "\"Cmd\":[],\"Env\":[\"B=1\",\"A=2\"],\"ExposedPorts\":{\"10/tcp\":{},\"9/tcp\":{}},"
	    "\"Healthcheck\":{\"Test\":[\"NONE\"]},\"Labels\":{\"a\":\"1\",\"b\":\"2\"},"
	    "\"OnBuild\":[],\"Shell\":[\"sh\"],\"StopSignal\":\"s\",\"User\":\"u\",\"Volumes\":{"
	    "\"/v\":{}},\"WorkingDir\":\"/w\"},\"created\":\"t\",\"history\":[{\"author\":\"e\","
	    "\"comment\":\"d\",\"created\":\"c\",\"created_by\":\"b\",\"empty_layer\":true}],"
	    "\"os\":\"linux\",\"rootfs\":{\"diff_ids\":[],\"type\":\"layers\"},\"variant\":\"v7\"}";
	struct spec_image_config c = { 0 };
	char *out;

	(void)state;
	assert_int_equal(spec_image_config_parse(doc, strlen(doc), &c, NULL), 0);
	out = spec_image_config_write(&c, NULL);
	assert_string_equal(out, want);
	free(out);
	spec_image_config_release(&c);
}

/* NULL vector: no member; a vector of just the terminator: []. Strings: NULL vs "". */
static void test_image_config_write__absent_vs_empty(void **state)
{
	char *empty_cmd[] = { NULL }, *empty_env[] = { NULL };
	struct spec_image_config c = { 0 };
	char *out;

	(void)state;
	c.architecture = (char *)"amd64";
	c.os = (char *)"linux";
	out = spec_image_config_write(&c, NULL);
	assert_string_equal(out, "{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{"
				 "\"diff_ids\":[],\"type\":\"layers\"}}");
	free(out);

	c.cmd = empty_cmd;
	c.env = empty_env;
	c.working_dir = (char *)"";
	out = spec_image_config_write(&c, NULL);
	assert_string_equal(out, "{\"architecture\":\"amd64\",\"config\":{\"Cmd\":[],\"Env\":[],"
				 "\"WorkingDir\":\"\"},\"os\":\"linux\",\"rootfs\":{\"diff_ids\":"
				 "[],\"type\":\"layers\"}}");
	free(out);
}

/* A config made from nothing, the way `qrun build` does for FROM scratch. */
static void test_image_config_build__from_scratch(void **state)
{
	struct spec_image_config c = { 0 };
	struct qerr err = { 0 };
	char *out;

	(void)state;
	c.architecture = xstrdup("amd64");
	c.os = xstrdup("linux");
	spec_image_config_set_label(&c, "version", "1");
	spec_image_config_set_label(&c, "app", "x");
	spec_image_config_set_label(&c, "version", "2");
	assert_int_equal(c.n_labels, 2);
	assert_int_equal(spec_image_config_add_volume(&c, "/data", &err), 0);
	assert_int_equal(spec_image_config_add_volume(&c, "/data", &err), 0);
	assert_int_equal(c.n_volumes, 1);
	assert_int_equal(spec_image_config_add_volume(&c, "data", &err), -EINVAL);
	assert_string_equal(err.msg, "volume 'data': not an absolute path");
	assert_int_equal(spec_image_config_add_volume(&c, "", &err), -EINVAL);
	assert_int_equal(spec_image_config_add_diff_id(&c, D2, &err), 0);
	assert_int_equal(spec_image_config_add_diff_id(&c, "sha256:abc", &err), -EINVAL);
	assert_string_equal(err.msg, "diff_id 'sha256:abc': not a sha256 digest");
	assert_int_equal(c.n_diff_ids, 1);
	spec_image_config_add_history(&c, "2024-01-01T00:00:00Z", "COPY x /", NULL, false);
	spec_image_config_add_history(&c, NULL, "LABEL version=2", "qrun", true);
	assert_int_equal(
	    spec_image_config_set_healthcheck(&c, "{ \"Test\" : [\"NONE\"] }", 21, &err), 0);
	assert_int_equal(spec_image_config_set_healthcheck(&c, "[]", 2, &err), -EINVAL);
	assert_string_equal(err.msg, "healthcheck: expected a JSON object");
	assert_int_equal(spec_image_config_set_healthcheck(&c, "{", 1, &err), -EINVAL);
	out = spec_image_config_write(&c, NULL);
	assert_string_equal(
	    out, "{\"architecture\":\"amd64\",\"config\":{\"Healthcheck\":{\"Test\":[\"NONE\"]},"
		 "\"Labels\":{\"app\":\"x\",\"version\":\"2\"},\"Volumes\":{\"/data\":{}}},"
		 "\"history\":[{\"created\":\"2024-01-01T00:00:00Z\",\"created_by\":\"COPY x /\"},"
		 "{\"comment\":\"qrun\",\"created_by\":\"LABEL version=2\",\"empty_layer\":true}],"
		 "\"os\":\"linux\",\"rootfs\":{\"diff_ids\":[\"" D2 "\"],\"type\":\"layers\"}}");
	free(out);
	spec_image_config_release(&c);
}

static void test_image_config_set_env__replace_or_append(void **state)
{
	struct spec_image_config c = { 0 };
	struct qerr err = { 0 };

	(void)state;
	assert_int_equal(spec_image_config_set_env(&c, "PATH=/bin", &err), 0);
	assert_int_equal(spec_image_config_set_env(&c, "A=1", &err), 0);
	assert_int_equal(spec_image_config_set_env(&c, "AB=2", &err), 0);
	assert_int_equal(spec_image_config_set_env(&c, "PATH=/usr/bin:/bin", &err), 0);
	assert_int_equal(spec_image_config_set_env(&c, "A=", &err), 0);
	assert_int_equal(spec_image_config_set_env(&c, "B=x=y", &err), 0);
	assert_string_equal(c.env[0], "PATH=/usr/bin:/bin");
	assert_string_equal(c.env[1], "A=");
	assert_string_equal(c.env[2], "AB=2");
	assert_string_equal(c.env[3], "B=x=y");
	assert_null(c.env[4]);
	assert_int_equal(spec_image_config_set_env(&c, "NOEQUALS", &err), -EINVAL);
	assert_string_equal(err.msg, "env 'NOEQUALS': expected NAME=VALUE");
	assert_int_equal(spec_image_config_set_env(&c, "=1", &err), -EINVAL);
	assert_null(c.env[4]);
	spec_image_config_release(&c);
}

struct port_case {
	const char *in;
	const char *want; /* the ports after adding it to {"1/tcp"}, or the error message */
};

static const struct port_case port_cases[] = {
	{ "80", "1/tcp 80/tcp" },
	{ "80/tcp", "1/tcp 80/tcp" },
	{ "053/UDP", "1/tcp 53/udp" },
	{ "9/sctp", "1/tcp 9/sctp" },
	{ "1", "1/tcp" },
	{ "65535", "1/tcp 65535/tcp" },
	{ "8000-8002", "1/tcp 8000/tcp 8001/tcp 8002/tcp" },
	{ "1-2/udp", "1/tcp 1/udp 2/udp" },
	{ "7-7", "1/tcp 7/tcp" },
	{ "", "port '': expected PORT[-PORT][/tcp|udp|sctp], ports 1-65535" },
	{ "0", "port '0': expected PORT" },
	{ "65536", "port '65536': expected PORT" },
	{ "123456", "port '123456': expected PORT" },
	{ "-80", "port '-80': expected PORT" },
	{ "+80", "port '+80': expected PORT" },
	{ " 80", "port ' 80': expected PORT" },
	{ "80-", "port '80-': expected PORT" },
	{ "1-2-3", "port '1-2-3': expected PORT" },
	{ "http", "port 'http': expected PORT" },
	{ "80/", "port '80/': protocol must be tcp, udp or sctp" },
	{ "80/icmp", "port '80/icmp': protocol must be tcp, udp or sctp" },
	{ "80/tcp/udp", "port '80/tcp/udp': protocol must be tcp, udp or sctp" },
	{ "9-8", "port '9-8': range ends before it starts" },
	{ "1\n2", "port '1?2': expected PORT" },
};

static void test_image_config_add_port__normalise_and_reject(void **state)
{
	size_t i, k, bad = 0;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(port_cases); i++) {
		struct spec_image_config c = { 0 };
		struct qerr err = { 0 };
		char got[600] = "";
		size_t o = 0;
		int r;

		assert_int_equal(spec_image_config_add_port(&c, "1", NULL), 0);
		r = spec_image_config_add_port(&c, port_cases[i].in, &err);
		if (r == 0) {
			for (k = 0; k < c.n_exposed_ports; k++)
				o += (size_t)snprintf(got + o, sizeof(got) - o, "%s%s",
						      k ? " " : "", c.exposed_ports[k]);
		} else {
			assert_int_equal(r, -EINVAL);
			assert_int_equal(c.n_exposed_ports, 1);
			(void)snprintf(got, sizeof(got), "%s", err.msg);
		}
		if (!str_has_prefix(got, port_cases[i].want)) {
			printf("'%s'\n  got '%s'\n  want '%s'\n", port_cases[i].in, got,
			       port_cases[i].want);
			bad++;
		}
		spec_image_config_release(&c);
	}
	assert_int_equal(bad, 0);
}

/* The whole port range once: sorted and deduplicated without quadratic work. */
static void test_image_config_add_port__whole_range(void **state)
{
	struct spec_image_config c = { 0 };

	(void)state;
	assert_int_equal(spec_image_config_add_port(&c, "1-65535/udp", NULL), 0);
	assert_int_equal(spec_image_config_add_port(&c, "100-200/udp", NULL), 0);
	assert_int_equal(c.n_exposed_ports, 65535);
	assert_string_equal(c.exposed_ports[0], "1/udp");
	assert_string_equal(c.exposed_ports[1], "10/udp");
	spec_image_config_release(&c);
}

/* Limits of the JSON layer reach the image config with a one-line message. */
static void test_image_config_parse__hostile(void **state)
{
	struct spec_image_config c = { 0 };
	struct qerr err = { 0 };
	static const char deep[] = "{\"architecture\":\"amd64\",\"os\":\"linux\","
				   "\"config\":{\"Healthcheck\":{\"Test\":";
	size_t big = ((size_t)4 << 20) + 1, i;
	char *doc = xmalloc(big + 1);

	(void)state;
	memset(doc, ' ', big);
	assert_int_equal(spec_image_config_parse(doc, big, &c, &err), -EINVAL);
	assert_true(str_has_prefix(err.msg, "image config: too large"));
	memcpy(doc, deep, strlen(deep));
	for (i = strlen(deep); i < 200; i++)
		doc[i] = '[';
	assert_int_equal(spec_image_config_parse(doc, 200, &c, &err), -EINVAL);
	assert_true(str_has_prefix(err.msg, "image config: nested deeper than 64 levels"));
	assert_int_equal(spec_image_config_parse("{\"architecture\":\"\xff\"}", 19, &c, &err),
			 -EINVAL);
	assert_true(str_has_prefix(err.msg, "image config: not valid UTF-8"));
	assert_null(c.architecture);
	free(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		QTEST(test_image_config_parse__docker),
		QTEST(test_image_config_parse__minimal_and_empty_arrays),
		QTEST(test_image_config_parse__rejects_wrong_shapes),
		QTEST(test_image_config_write_imported),
		QTEST(test_image_config_parse__full),
		QTEST(test_image_config_write__round_trip),
		QTEST(test_image_config_write__key_order),
		QTEST(test_image_config_write__absent_vs_empty),
		QTEST(test_image_config_build__from_scratch),
		QTEST(test_image_config_set_env__replace_or_append),
		QTEST(test_image_config_add_port__normalise_and_reject),
		QTEST(test_image_config_add_port__whole_range),
		QTEST(test_image_config_parse__hostile),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
