#include "tests/fuzz/fuzz.h"

#include "specs/specs.h"

/* Image manifests: parse, write, parse the output, and write it byte for byte. */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *out = NULL, *out2 = NULL;
	struct spec_manifest m = { 0 }, again = { 0 };
	struct qerr err = { 0 };
	size_t len, len2;

	if (spec_manifest_parse((const char *)data, size, &m, &err) < 0) {
		fuzz_check_message(&err);
		return 0;
	}
	FUZZ_CHECK(spec_digest_valid(m.config.digest));
	out = spec_manifest_write(&m, &len);
	FUZZ_CHECK(spec_manifest_parse(out, len, &again, NULL) == 0);
	FUZZ_CHECK(again.n_layers == m.n_layers);
	out2 = spec_manifest_write(&again, &len2);
	FUZZ_CHECK(len == len2 && !memcmp(out, out2, len));
	spec_manifest_release(&again);
	spec_manifest_release(&m);
	return 0;
}
