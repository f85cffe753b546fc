#include "tests/unit/harness.h"

#include "specs/specs.h"

/* docker-archive manifest.json: what `docker save` writes, wrong shapes, round trips. */

#define L1 "blobs/sha256/1111111111111111111111111111111111111111111111111111111111111111"
#define L2 "blobs/sha256/2222222222222222222222222222222222222222222222222222222222222222"

/* docker 25 layout; the second entry is untagged (RepoTags null) in the older style. */
static const char docker_save[] =
    "[{\"Config\":\"blobs/sha256/"
    "3333333333333333333333333333333333333333333333333333333333333333\","
    "\"RepoTags\":[\"busybox:latest\",\"busybox:1.36\"],\"Layers\":[\"" L1 "\",\"" L2 "\"],"
    "\"LayerSources\":{}},"
    "{\"Config\":\"4444.json\",\"RepoTags\":null,\"Layers\":[\"abcd/layer.tar\"]}]\n";

static void test_docker_manifest_parse__docker_save(void **state)
{
	struct spec_docker_manifest m = { 0 };
	struct qerr err = { 0 };

	(void)state;
	assert_int_equal(spec_docker_manifest_parse(docker_save, strlen(docker_save), &m, &err), 0);
	assert_int_equal(m.n_entries, 2);
	assert_int_equal(m.entries[0].n_repo_tags, 2);
	assert_string_equal(m.entries[0].repo_tags[1], "busybox:1.36");
	assert_int_equal(m.entries[0].n_layers, 2);
	assert_string_equal(m.entries[0].layers[0], L1);
	assert_int_equal(m.entries[1].n_repo_tags, 0);
	assert_string_equal(m.entries[1].config, "4444.json");
	spec_docker_manifest_release(&m);
	assert_null(m.entries);
}

struct bad_case {
	const char *doc;
	const char *msg;
};

static const struct bad_case bad_docs[] = {
	{ "{}", "docker manifest: expected a JSON array" },
	{ "[1]", "docker manifest: '[0]': expected an object" },
	{ "[{\"Layers\":[]}]", "docker manifest: '[0].Config': missing" },
	{ "[{\"Config\":1,\"Layers\":[]}]", "docker manifest: '[0].Config': expected a string" },
	{ "[{\"Config\":\"c.json\"}]", "docker manifest: '[0].Layers': missing" },
	{ "[{\"Config\":\"c.json\",\"Layers\":\"l\"}]",
	  "docker manifest: '[0].Layers': expected an array of strings" },
	{ "[{\"Config\":\"c.json\",\"Layers\":[\"a\",{}]}]",
	  "docker manifest: '[0].Layers[1]': expected a string" },
	{ "[{\"Config\":\"c.json\",\"Layers\":[],\"RepoTags\":\"a\"}]",
	  "docker manifest: '[0].RepoTags': expected an array of strings" },
	{ "[{\"Config\":\"c.json\",\"Layers\":[],\"RepoTags\":[1]}]",
	  "docker manifest: '[0].RepoTags[0]': expected a string" },
	{ "[{\"Config\":\"/etc/passwd\",\"Layers\":[]}]",
	  "docker manifest: '[0].Config': '/etc/passwd' is not a relative path" },
	{ "[{\"Config\":\"\",\"Layers\":[]}]",
	  "docker manifest: '[0].Config': '' is not a relative" },
	{ "[{\"Config\":\"c\",\"Layers\":[\"a/../../x\"]}]",
	  "docker manifest: '[0].Layers[0]': 'a/../../x' is not a relative path" },
	{ "[{\"Config\":\"c\",\"Layers\":[]},{\"Config\":\"..\",\"Layers\":[]}]",
	  "docker manifest: '[1].Config': '..' is not" },
};

static void test_docker_manifest_parse__rejects_wrong_shapes(void **state)
{
	size_t i, bad = 0;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bad_docs); i++) {
		struct spec_docker_manifest m = { 0 };
		struct qerr err = { 0 };
		int r =
		    spec_docker_manifest_parse(bad_docs[i].doc, strlen(bad_docs[i].doc), &m, &err);

		if (r != -EINVAL || !str_has_prefix(err.msg, bad_docs[i].msg)) {
			printf("%s\n  got %d '%s'\n  want '%s'\n", bad_docs[i].doc, r, err.msg,
			       bad_docs[i].msg);
			bad++;
		}
		spec_docker_manifest_release(&m);
	}
	assert_int_equal(bad, 0);
}

static void test_docker_manifest_write__round_trip(void **state)
{
	struct spec_docker_manifest m = { 0 }, again = { 0 };
	char *out, *out2;
	size_t len;

	(void)state;
	assert_int_equal(spec_docker_manifest_parse(docker_save, strlen(docker_save), &m, NULL), 0);
	out = spec_docker_manifest_write(&m, &len);
	assert_string_equal(
	    out, "[{\"Config\":\"blobs/sha256/33333333333333333333333333333333333333333333333333"
		 "33333333333333\",\"RepoTags\":[\"busybox:latest\",\"busybox:1.36\"],"
		 "\"Layers\":[\"" L1 "\",\"" L2 "\"]},{\"Config\":\"4444.json\",\"RepoTags\":[],"
		 "\"Layers\":[\"abcd/layer.tar\"]}]");
	assert_int_equal(spec_docker_manifest_parse(out, len, &again, NULL), 0);
	assert_int_equal(again.n_entries, 2);
	out2 = spec_docker_manifest_write(&again, NULL);
	assert_string_equal(out, out2);
	free(out);
	free(out2);
	spec_docker_manifest_release(&again);
	spec_docker_manifest_release(&m);

	out = spec_docker_manifest_write(&m, NULL);
	assert_string_equal(out, "[]");
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		QTEST(test_docker_manifest_parse__docker_save),
		QTEST(test_docker_manifest_parse__rejects_wrong_shapes),
		QTEST(test_docker_manifest_write__round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
