#include "tests/unit/harness.h"

#include "specs/specs.h"

/* Image manifests (OCI and docker schema 2): good documents, wrong shapes, round trips. */

#define D1	       "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D2	       "sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define CFG	       "{\"mediaType\":\"" SPEC_MT_OCI_CONFIG "\",\"digest\":\"" D1 "\",\"size\":10}"
#define LAYER	       "{\"mediaType\":\"" SPEC_MT_OCI_LAYER_GZIP "\",\"digest\":\"" D2 "\",\"size\":20}"
#define MANIFEST(rest) "{\"schemaVersion\":2" rest "}"

/* As `docker manifest inspect` / the registry serve a docker schema 2 manifest. */
static const char docker_manifest[] =
    "{\n   \"schemaVersion\": 2,\n"
    "   \"mediaType\": \"application/vnd.docker.distribution.manifest.v2+json\",\n"
    "   \"config\": {\n      \"mediaType\": \"application/vnd.docker.container.image.v1+json\",\n"
    "      \"size\": 1457,\n      \"digest\": \"" D1 "\"\n   },\n"
    "   \"layers\": [\n      {\n"
    "         \"mediaType\": \"application/vnd.docker.image.rootfs.diff.tar.gzip\",\n"
    "         \"size\": 2152262,\n         \"digest\": \"" D2 "\"\n      }\n   ]\n}";

static void test_manifest_parse__docker(void **state)
{
	struct spec_manifest m = { 0 };
	struct qerr err = { 0 };

	(void)state;
	assert_int_equal(spec_manifest_parse(docker_manifest, strlen(docker_manifest), &m, &err),
			 0);
	assert_int_equal(m.schema_version, 2);
	assert_string_equal(m.media_type, SPEC_MT_DOCKER_MANIFEST);
	assert_string_equal(m.config.media_type, SPEC_MT_DOCKER_CONFIG);
	assert_int_equal(m.config.size, 1457);
	assert_int_equal(m.n_layers, 1);
	assert_string_equal(m.layers[0].digest, D2);
	assert_int_equal(m.layers[0].size, 2152262);
	spec_manifest_release(&m);
	assert_null(m.layers);
}

static void test_manifest_parse__oci_with_annotations(void **state)
{
	static const char doc[] = MANIFEST(",\"config\":" CFG ",\"layers\":[" LAYER "," LAYER
					   "],\"annotations\":{\"x\":\"y\"},\"subject\":null");
	struct spec_manifest m = { 0 };

	(void)state;
	assert_int_equal(spec_manifest_parse(doc, strlen(doc), &m, NULL), 0);
	assert_null(m.media_type);
	assert_int_equal(m.n_layers, 2);
	spec_manifest_release(&m);
}

struct bad_case {
	const char *doc;
	const char *msg;
};

static const struct bad_case bad_manifests[] = {
	{ "\"x\"", "manifest: expected a JSON object" },
	{ "{\"config\":" CFG ",\"layers\":[]}", "manifest: 'schemaVersion': missing" },
	{ "{\"schemaVersion\":1,\"config\":" CFG ",\"layers\":[]}",
	  "manifest: 'schemaVersion': expected 2" },
	{ MANIFEST(",\"mediaType\":\"" SPEC_MT_OCI_INDEX "\",\"config\":" CFG ",\"layers\":[]"),
	  "manifest: 'mediaType': '" SPEC_MT_OCI_INDEX "' is not an image manifest" },
	{ MANIFEST(",\"mediaType\":false,\"config\":" CFG ",\"layers\":[]"),
	  "manifest: 'mediaType': expected a string" },
	{ MANIFEST(",\"layers\":[]"), "manifest: 'config': missing" },
	{ MANIFEST(",\"config\":[],\"layers\":[]"), "manifest: 'config': expected an object" },
	{ MANIFEST(",\"config\":{},\"layers\":[]"), "manifest: 'config.mediaType': missing" },
	{ MANIFEST(",\"config\":{\"mediaType\":\"x\",\"size\":1},\"layers\":[]"),
	  "manifest: 'config.digest': missing" },
	{ MANIFEST(",\"config\":{\"mediaType\":\"x\",\"digest\":\"" D1 "\"},\"layers\":[]"),
	  "manifest: 'config.size': missing" },
	{ MANIFEST(",\"config\":" CFG), "manifest: 'layers': missing" },
	{ MANIFEST(",\"config\":" CFG ",\"layers\":{}"), "manifest: 'layers': expected an array" },
	{ MANIFEST(",\"config\":" CFG ",\"layers\":[" LAYER ",null]"),
	  "manifest: 'layers[1]': expected an object" },
	{ MANIFEST(",\"config\":" CFG ",\"layers\":[" LAYER ",{\"mediaType\":\"x\",\"digest\":\"" D2
		   "\",\"size\":-5}]"),
	  "manifest: 'layers[1].size': expected a non-negative integer" },
	{ MANIFEST(",\"config\":" CFG ",\"layers\":[{\"mediaType\":\"x\",\"digest\":\"sha256:" D2
		   "\",\"size\":5}]"),
	  "manifest: 'layers[0].digest': not a sha256 digest" },
	{ MANIFEST(",\"config\":" CFG ",\"layers\":[{\"mediaType\":\"x\",\"digest\":\"" D2
		   "\",\"size\":5,\"platform\":{\"architecture\":1,\"os\":\"linux\"}}]"),
	  "manifest: 'layers[0].platform.architecture': expected a string" },
};

static void test_manifest_parse__rejects_wrong_shapes(void **state)
{
	size_t i, bad = 0;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bad_manifests); i++) {
		struct spec_manifest m = { 0 };
		struct qerr err = { 0 };
		int r = spec_manifest_parse(bad_manifests[i].doc, strlen(bad_manifests[i].doc), &m,
					    &err);

		if (r != -EINVAL || !str_has_prefix(err.msg, bad_manifests[i].msg)) {
			printf("%s\n  got %d '%s'\n  want '%s'\n", bad_manifests[i].doc, r, err.msg,
			       bad_manifests[i].msg);
			bad++;
		}
		spec_manifest_release(&m);
	}
	assert_int_equal(bad, 0);
}

static void test_manifest_write__round_trip(void **state)
{
	struct spec_manifest m = { 0 }, again = { 0 };
	char *out, *out2;
	size_t len;

	(void)state;
	assert_int_equal(spec_manifest_parse(docker_manifest, strlen(docker_manifest), &m, NULL),
			 0);
	spec_descriptor_set_annotation(&m.layers[0], "b", "2");
	spec_descriptor_set_annotation(&m.layers[0], "a", "1");
	out = spec_manifest_write(&m, &len);
	assert_string_equal(out,
			    "{\"schemaVersion\":2,\"mediaType\":\"" SPEC_MT_DOCKER_MANIFEST
			    "\",\"config\":{\"mediaType\":\"" SPEC_MT_DOCKER_CONFIG
			    "\",\"digest\":\"" D1 "\",\"size\":1457},\"layers\":[{"
			    "\"mediaType\":\"" SPEC_MT_DOCKER_LAYER_GZIP "\",\"digest\":\"" D2
			    "\",\"size\":2152262,\"annotations\":{\"a\":\"1\",\"b\":\"2\"}}]}");
	assert_int_equal(spec_manifest_parse(out, len, &again, NULL), 0);
	assert_string_equal(again.config.digest, m.config.digest);
	assert_int_equal(again.n_layers, m.n_layers);
	assert_string_equal(spec_descriptor_annotation(&again.layers[0], "a"), "1");
	out2 = spec_manifest_write(&again, NULL);
	assert_string_equal(out, out2);
	free(out);
	free(out2);
	spec_manifest_release(&again);
	spec_manifest_release(&m);
}

static void test_manifest_write__big_sizes(void **state)
{
	static const char doc[] =
	    MANIFEST(",\"config\":" CFG ",\"layers\":[{\"mediaType\":\"x\",\"digest\":\"" D2
		     "\",\"size\":9223372036854775807}]");
	struct spec_manifest m = { 0 };
	char *out;

	(void)state;
	assert_int_equal(spec_manifest_parse(doc, strlen(doc), &m, NULL), 0);
	assert_true(m.layers[0].size == INT64_MAX);
	out = spec_manifest_write(&m, NULL);
	assert_non_null(strstr(out, "\"size\":9223372036854775807}"));
	free(out);
	spec_manifest_release(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		QTEST(test_manifest_parse__docker),
		QTEST(test_manifest_parse__oci_with_annotations),
		QTEST(test_manifest_parse__rejects_wrong_shapes),
		QTEST(test_manifest_write__round_trip),
		QTEST(test_manifest_write__big_sizes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
