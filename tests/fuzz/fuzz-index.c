#include "tests/fuzz/fuzz.h"

#include "specs/specs.h"

/* OCI index / manifest list: parse, write, parse the output, and write it byte for byte. */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *out = NULL, *out2 = NULL;
	struct spec_index idx = { 0 }, again = { 0 };
	struct qerr err = { 0 };
	size_t len, len2, i;

	if (spec_index_parse((const char *)data, size, &idx, &err) < 0) {
		fuzz_check_message(&err);
		return 0;
	}
	for (i = 0; i < idx.n_manifests; i++)
		FUZZ_CHECK(spec_digest_valid(idx.manifests[i].digest) &&
			   idx.manifests[i].size >= 0);
	out = spec_index_write(&idx, &len);
	FUZZ_CHECK(spec_index_parse(out, len, &again, NULL) == 0);
	FUZZ_CHECK(again.n_manifests == idx.n_manifests);
	out2 = spec_index_write(&again, &len2);
	FUZZ_CHECK(len == len2 && !memcmp(out, out2, len));
	if (idx.n_manifests) {
		spec_index_add(&again, &idx.manifests[0]);
		spec_index_remove(&again, 0);
		FUZZ_CHECK(again.n_manifests == idx.n_manifests);
	}
	spec_index_release(&again);
	spec_index_release(&idx);
	return 0;
}
