#include "tests/fuzz/fuzz.h"

#include "specs/specs.h"

/* docker-archive manifest.json: parse, write, parse the output, write it byte for byte. */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *out = NULL, *out2 = NULL;
	struct spec_docker_manifest m = { 0 }, again = { 0 };
	struct qerr err = { 0 };
	size_t len, len2, i;

	if (spec_docker_manifest_parse((const char *)data, size, &m, &err) < 0) {
		fuzz_check_message(&err);
		return 0;
	}
	for (i = 0; i < m.n_entries; i++)
		FUZZ_CHECK(m.entries[i].config && m.entries[i].config[0] != '/');
	out = spec_docker_manifest_write(&m, &len);
	FUZZ_CHECK(spec_docker_manifest_parse(out, len, &again, NULL) == 0);
	FUZZ_CHECK(again.n_entries == m.n_entries);
	out2 = spec_docker_manifest_write(&again, &len2);
	FUZZ_CHECK(len == len2 && !memcmp(out, out2, len));
	spec_docker_manifest_release(&again);
	spec_docker_manifest_release(&m);
	return 0;
}
