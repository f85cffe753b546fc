#include "tests/fuzz/fuzz.h"

#include "specs/specs.h"

/* Platform strings: parse, format, parse again to the same thing, and match both ways. */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *s = fuzz_string(data, size), *out = NULL, *out2 = NULL;
	struct spec_platform p = { 0 }, again = { 0 }, copy = { 0 };
	struct qerr err = { 0 };

	if (!s)
		return 0;
	if (spec_platform_parse(s, &p, &err) < 0) {
		fuzz_check_message(&err);
		return 0;
	}
	out = spec_platform_format(&p);
	FUZZ_CHECK(spec_platform_parse(out, &again, NULL) == 0);
	out2 = spec_platform_format(&again);
	FUZZ_CHECK(!strcmp(out, out2));
	FUZZ_CHECK(spec_platform_match(&p, &again));
	FUZZ_CHECK(spec_platform_match(&again, &p));
	spec_platform_copy(&copy, &p);
	FUZZ_CHECK(spec_platform_match(&copy, &p));
	spec_platform_release(&copy);
	spec_platform_release(&again);
	spec_platform_release(&p);
	return 0;
}
