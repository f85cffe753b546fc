#include "tests/fuzz/fuzz.h"

#include "specs/specs.h"

/* Image references: parse, and a formatted reference must parse back to itself. */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *s = fuzz_string(data, size), *full = NULL, *again_full = NULL,
			    *fam = NULL, *repo = NULL;
	struct spec_reference r = { 0 }, again = { 0 };
	struct qerr err = { 0 };

	if (!s)
		return 0;
	if (spec_reference_parse(s, &r, &err) < 0) {
		fuzz_check_message(&err);
		return 0;
	}
	FUZZ_CHECK(r.domain && r.path && (r.tag || r.digest));
	full = spec_reference_format(&r);
	fam = spec_reference_familiar_name(&r);
	repo = spec_reference_repository(&r);
	FUZZ_CHECK(strlen(repo) <= 255);
	FUZZ_CHECK(spec_reference_parse(full, &again, NULL) == 0);
	again_full = spec_reference_format(&again);
	FUZZ_CHECK(!strcmp(full, again_full));
	spec_reference_release(&again);
	spec_reference_release(&r);
	return 0;
}
