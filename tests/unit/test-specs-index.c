#include "tests/unit/harness.h"

#include "specs/specs.h"

/* OCI index / docker manifest list parsing, editing and writing; media types; digests. */

#define D1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D2 "sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define DESC(extra)                                                                                \
	"{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" D1           \
	"\",\"size\":7" extra "}"
#define INDEX(manifests) "{\"schemaVersion\":2,\"manifests\":[" manifests "]}"

/* An index.json as skopeo writes it, plus a docker manifest list entry with a platform. */
static const char skopeo_index[] =
    "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":\"application/vnd.oci.image."
    "manifest.v1+json\",\"digest\":\"" D1 "\",\"size\":1017,\"annotations\":{\"org."
    "opencontainers.image.ref.name\":\"1.36\"}}]}";

static const char docker_list[] =
    "{\n   \"manifests\": [\n      {\n         \"digest\": \"" D1 "\",\n"
    "         \"mediaType\": \"application/vnd.docker.distribution.manifest.v2+json\",\n"
    "         \"platform\": {\n            \"architecture\": \"arm\",\n"
    "            \"os\": \"linux\",\n            \"variant\": \"v7\"\n         },\n"
    "         \"size\": 527\n      },\n      {\n         \"digest\": \"" D2 "\",\n"
    "         \"mediaType\": \"application/vnd.docker.distribution.manifest.v2+json\",\n"
    "         \"platform\": {\n            \"architecture\": \"amd64\",\n"
    "            \"os\": \"linux\",\n            \"os.version\": \"x\"\n         },\n"
    "         \"size\": 528,\n         \"urls\": []\n      }\n   ],\n"
    "   \"mediaType\": \"application/vnd.docker.distribution.manifest.list.v2+json\",\n"
    "   \"schemaVersion\": 2\n}\n";

static void test_index_parse__skopeo(void **state)
{
	struct spec_index idx = { 0 };
	struct qerr err = { 0 };

	(void)state;
	assert_int_equal(spec_index_parse(skopeo_index, strlen(skopeo_index), &idx, &err), 0);
	assert_int_equal(idx.schema_version, 2);
	assert_null(idx.media_type);
	assert_int_equal(idx.n_manifests, 1);
	assert_string_equal(idx.manifests[0].digest, D1);
	assert_int_equal(idx.manifests[0].size, 1017);
	assert_null(idx.manifests[0].platform);
	assert_string_equal(spec_descriptor_annotation(&idx.manifests[0], SPEC_ANNOT_REF_NAME),
			    "1.36");
	assert_null(spec_descriptor_annotation(&idx.manifests[0], "x"));
	spec_index_release(&idx);
	assert_null(idx.manifests);
}

static void test_index_parse__docker_list(void **state)
{
	struct spec_index idx = { 0 };

	(void)state;
	assert_int_equal(spec_index_parse(docker_list, strlen(docker_list), &idx, NULL), 0);
	assert_string_equal(idx.media_type, SPEC_MT_DOCKER_LIST);
	assert_int_equal(idx.n_manifests, 2);
	assert_string_equal(idx.manifests[0].platform->architecture, "arm");
	assert_string_equal(idx.manifests[0].platform->variant, "v7");
	assert_null(idx.manifests[1].platform->variant);
	assert_int_equal(idx.manifests[1].size, 528);
	spec_index_release(&idx);
}

struct bad_case {
	const char *doc;
	const char *msg;
};

static const struct bad_case bad_indexes[] = {
	{ "[]", "index: expected a JSON object" },
	{ "{\"manifests\":[]}", "index: 'schemaVersion': missing" },
	{ "{\"schemaVersion\":\"2\",\"manifests\":[]}",
	  "index: 'schemaVersion': expected an integer" },
	{ "{\"schemaVersion\":1,\"manifests\":[]}", "index: 'schemaVersion': expected 2" },
	{ "{\"schemaVersion\":2.0,\"manifests\":[]}", "index: 'schemaVersion': expected 2" },
	{ "{\"schemaVersion\":2}", "index: 'manifests': missing" },
	{ "{\"schemaVersion\":2,\"manifests\":{}}", "index: 'manifests': expected an array" },
	{ "{\"schemaVersion\":2,\"manifests\":null}", "index: 'manifests': expected an array" },
	{ "{\"schemaVersion\":2,\"mediaType\":1,\"manifests\":[]}",
	  "index: 'mediaType': expected a string" },
	{ "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
	  "\"manifests\":[]}",
	  "index: 'mediaType': 'application/vnd.oci.image.manifest.v1+json' is not an image "
	  "index" },
	{ INDEX("1"), "index: 'manifests[0]': expected an object" },
	{ INDEX(DESC("") ",[]"), "index: 'manifests[1]': expected an object" },
	{ INDEX("{\"digest\":\"" D1 "\",\"size\":1}"), "index: 'manifests[0].mediaType': missing" },
	{ INDEX("{\"mediaType\":7,\"digest\":\"" D1 "\",\"size\":1}"),
	  "index: 'manifests[0].mediaType': expected a string" },
	{ INDEX("{\"mediaType\":\"x\",\"size\":1}"), "index: 'manifests[0].digest': missing" },
	{ INDEX("{\"mediaType\":\"x\",\"digest\":\"sha256:abc\",\"size\":1}"),
	  "index: 'manifests[0].digest': not a sha256 digest" },
	{ INDEX("{\"mediaType\":\"x\",\"digest\":[],\"size\":1}"),
	  "index: 'manifests[0].digest': expected a string" },
	{ INDEX("{\"mediaType\":\"x\",\"digest\":\"" D1 "\"}"),
	  "index: 'manifests[0].size': missing" },
	{ INDEX("{\"mediaType\":\"x\",\"digest\":\"" D1 "\",\"size\":-1}"),
	  "index: 'manifests[0].size': expected a non-negative integer" },
	{ INDEX("{\"mediaType\":\"x\",\"digest\":\"" D1 "\",\"size\":1.5}"),
	  "index: 'manifests[0].size': expected a non-negative integer" },
	{ INDEX("{\"mediaType\":\"x\",\"digest\":\"" D1 "\",\"size\":\"1\"}"),
	  "index: 'manifests[0].size': expected a non-negative integer" },
	{ INDEX("{\"mediaType\":\"x\",\"digest\":\"" D1 "\",\"size\":9223372036854775808}"),
	  "index: 'manifests[0].size': expected a non-negative integer" },
	{ INDEX("{\"mediaType\":\"x\",\"digest\":\"" D1 "\",\"size\":1e3}"),
	  "index: 'manifests[0].size': expected a non-negative integer" },
	{ INDEX(DESC(",\"annotations\":[]")),
	  "index: 'manifests[0].annotations': expected an object" },
	{ INDEX(DESC(",\"annotations\":{\"a\":1}")),
	  "index: 'manifests[0].annotations.a': expected a string" },
	{ INDEX(DESC(",\"platform\":\"linux\"")),
	  "index: 'manifests[0].platform': expected an object" },
	{ INDEX(DESC(",\"platform\":{\"os\":\"linux\"}")),
	  "index: 'manifests[0].platform.architecture': missing" },
	{ INDEX(DESC(",\"platform\":{\"architecture\":\"amd64\"}")),
	  "index: 'manifests[0].platform.os': missing" },
	{ INDEX(DESC(",\"platform\":{\"architecture\":\"arm\",\"os\":\"linux\",\"variant\":7}")),
	  "index: 'manifests[0].platform.variant': expected a string" },
	{ "{\"schemaVersion\":2,\"manifests\":[],\"schemaVersion\":2}",
	  "index: duplicate key 'schemaVersion'" },
};

static void check_bad_docs(const struct bad_case *cases, size_t n,
			   int (*parse)(const char *, size_t, struct qerr *))
{
	size_t i, bad = 0;

	for (i = 0; i < n; i++) {
		struct qerr err = { 0 };
		int r = parse(cases[i].doc, strlen(cases[i].doc), &err);

		if (r != -EINVAL || !str_has_prefix(err.msg, cases[i].msg)) {
			printf("%s\n  got %d '%s'\n  want '%s'\n", cases[i].doc, r, err.msg,
			       cases[i].msg);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

static int parse_index(const char *buf, size_t len, struct qerr *err)
{
	struct spec_index idx = { 0 };
	int r = spec_index_parse(buf, len, &idx, err);

	spec_index_release(&idx);
	return r;
}

static void test_index_parse__rejects_wrong_shapes(void **state)
{
	(void)state;
	check_bad_docs(bad_indexes, ARRAY_SIZE(bad_indexes), parse_index);
}

static void test_index_parse__accepts_optional_nulls(void **state)
{
	static const char doc[] = INDEX(DESC(",\"annotations\":null,\"platform\":null"));
	struct spec_index idx = { 0 };

	(void)state;
	assert_int_equal(spec_index_parse(doc, strlen(doc), &idx, NULL), 0);
	assert_int_equal(idx.manifests[0].n_annotations, 0);
	assert_null(idx.manifests[0].platform);
	spec_index_release(&idx);
}

static void test_index_write__round_trip(void **state)
{
	struct spec_index idx = { 0 }, again = { 0 };
	char *out, *out2;
	size_t len;

	(void)state;
	assert_int_equal(spec_index_parse(docker_list, strlen(docker_list), &idx, NULL), 0);
	spec_descriptor_set_annotation(&idx.manifests[0], "z.key", "z");
	spec_descriptor_set_annotation(&idx.manifests[0], "a.key", "\"q\"\n");
	spec_descriptor_set_annotation(&idx.manifests[0], "z.key", "zz");
	out = spec_index_write(&idx, &len);
	assert_int_equal(len, strlen(out));
	assert_string_equal(
	    out, "{\"schemaVersion\":2,\"mediaType\":\"" SPEC_MT_DOCKER_LIST "\",\"manifests\":["
		 "{\"mediaType\":\"" SPEC_MT_DOCKER_MANIFEST "\",\"digest\":\"" D1 "\","
		 "\"size\":527,\"annotations\":{\"a.key\":\"\\\"q\\\"\\n\",\"z.key\":\"zz\"},"
		 "\"platform\":{\"architecture\":\"arm\",\"os\":\"linux\",\"variant\":\"v7\"}},"
		 "{\"mediaType\":\"" SPEC_MT_DOCKER_MANIFEST "\",\"digest\":\"" D2 "\","
		 "\"size\":528,\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}}]}");
	assert_int_equal(spec_index_parse(out, len, &again, NULL), 0);
	assert_int_equal(again.n_manifests, 2);
	assert_string_equal(spec_descriptor_annotation(&again.manifests[0], "a.key"), "\"q\"\n");
	out2 = spec_index_write(&again, NULL);
	assert_string_equal(out, out2);
	free(out);
	free(out2);
	spec_index_release(&again);
	spec_index_release(&idx);
}

static void test_index_add_remove(void **state)
{
	struct spec_index idx = { .schema_version = 2 };
	struct spec_descriptor d = { 0 };
	char *out;

	(void)state;
	d.media_type = xstrdup(SPEC_MT_OCI_MANIFEST);
	d.digest = xstrdup(D1);
	d.size = 3;
	spec_descriptor_set_annotation(&d, SPEC_ANNOT_REF_NAME, "a");
	spec_index_add(&idx, &d);
	spec_descriptor_set_annotation(&d, SPEC_ANNOT_REF_NAME, "b");
	spec_index_add(&idx, &d);
	spec_descriptor_set_annotation(&d, SPEC_ANNOT_REF_NAME, "c");
	spec_index_add(&idx, &d);
	spec_descriptor_release(&d);
	spec_index_remove(&idx, 1);
	assert_int_equal(idx.n_manifests, 2);
	assert_string_equal(spec_descriptor_annotation(&idx.manifests[0], SPEC_ANNOT_REF_NAME),
			    "a");
	assert_string_equal(spec_descriptor_annotation(&idx.manifests[1], SPEC_ANNOT_REF_NAME),
			    "c");
	spec_index_remove(&idx, 1);
	spec_index_remove(&idx, 0);
	out = spec_index_write(&idx, NULL);
	assert_string_equal(out, "{\"schemaVersion\":2,\"manifests\":[]}");
	free(out);
	spec_index_release(&idx);
}

static void test_media_types(void **state)
{
	enum spec_compression c = SPEC_COMP_NONE;

	(void)state;
	assert_true(spec_media_type_is_index(SPEC_MT_OCI_INDEX));
	assert_true(spec_media_type_is_index(SPEC_MT_DOCKER_LIST));
	assert_false(spec_media_type_is_index(SPEC_MT_OCI_MANIFEST));
	assert_false(spec_media_type_is_index(NULL));
	assert_true(spec_media_type_is_manifest(SPEC_MT_OCI_MANIFEST));
	assert_true(spec_media_type_is_manifest(SPEC_MT_DOCKER_MANIFEST));
	assert_false(spec_media_type_is_manifest(SPEC_MT_OCI_CONFIG));
	assert_int_equal(spec_layer_compression(SPEC_MT_DOCKER_LAYER_GZIP, &c), 0);
	assert_int_equal(c, SPEC_COMP_GZIP);
	assert_int_equal(spec_layer_compression(SPEC_MT_OCI_LAYER_ZSTD, &c), 0);
	assert_int_equal(c, SPEC_COMP_ZSTD);
	assert_int_equal(spec_layer_compression(SPEC_MT_OCI_LAYER, &c), 0);
	assert_int_equal(c, SPEC_COMP_NONE);
	assert_int_equal(spec_layer_compression(SPEC_MT_DOCKER_FOREIGN_GZIP, &c), 0);
	assert_int_equal(c, SPEC_COMP_GZIP);
	assert_int_equal(spec_layer_compression(SPEC_MT_OCI_CONFIG, &c), -EINVAL);
	assert_int_equal(spec_layer_compression(NULL, &c), -EINVAL);
	assert_string_equal(spec_layer_media_type(SPEC_COMP_GZIP), SPEC_MT_OCI_LAYER_GZIP);
	assert_string_equal(spec_layer_media_type(SPEC_COMP_NONE), SPEC_MT_OCI_LAYER);
	assert_string_equal(spec_layer_media_type(SPEC_COMP_ZSTD), SPEC_MT_OCI_LAYER_ZSTD);
}

static void test_digest_valid(void **state)
{
	(void)state;
	assert_true(spec_digest_valid(D1));
	assert_false(spec_digest_valid(NULL));
	assert_false(spec_digest_valid(""));
	assert_false(spec_digest_valid("sha256:"));
	assert_false(spec_digest_valid(D1 "1"));
	assert_false(spec_digest_valid(
	    "sha256:ABCDEF1111111111111111111111111111111111111111111111111111111111"));
	assert_false(spec_digest_valid(
	    "sha512:1111111111111111111111111111111111111111111111111111111111111111"));
	assert_false(spec_digest_valid(
	    "sha256:111111111111111111111111111111111111111111111111111111111111111g"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		QTEST(test_index_parse__skopeo),
		QTEST(test_index_parse__docker_list),
		QTEST(test_index_parse__rejects_wrong_shapes),
		QTEST(test_index_parse__accepts_optional_nulls),
		QTEST(test_index_write__round_trip),
		QTEST(test_index_add_remove),
		QTEST(test_media_types),
		QTEST(test_digest_valid),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
