#include "tests/fuzz/fuzz.h"

#include "specs/specs.h"

/*
 * Image configs. There is no general writer, so the round trip goes through the import
 * writer (platform, created, first diff_id), and `inspect`'s copy of the "config" member must
 * produce a document that parses again.
 */

static void check_copy_member(const uint8_t *data, size_t size)
{
	struct spec_json *j = spec_json_new(true);
	_cleanup_free_ char *out = NULL;
	size_t len;

	spec_json_object_begin(j);
	spec_json_key(j, "Config");
	FUZZ_CHECK(spec_json_copy_member(j, (const char *)data, size, "config") == 0);
	spec_json_object_end(j);
	out = spec_json_finish(j, &len);
	FUZZ_CHECK(strlen(out) == len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *out = NULL;
	struct spec_image_config c = { 0 }, again = { 0 };
	struct spec_platform p = { 0 };
	struct qerr err = { 0 };
	size_t len;

	if (spec_image_config_parse((const char *)data, size, &c, &err) < 0) {
		fuzz_check_message(&err);
		return 0;
	}
	check_copy_member(data, size);
	if (c.n_diff_ids == 0) {
		spec_image_config_release(&c);
		return 0;
	}
	p.os = c.os;
	p.architecture = c.architecture;
	p.variant = c.variant;
	out = spec_image_config_write_imported(&p, c.created, c.diff_ids[0], &len);
	FUZZ_CHECK(spec_image_config_parse(out, len, &again, NULL) == 0);
	FUZZ_CHECK(!strcmp(again.os, c.os) && !strcmp(again.architecture, c.architecture));
	FUZZ_CHECK(!c.variant == !again.variant &&
		   (!c.variant || !strcmp(c.variant, again.variant)));
	FUZZ_CHECK(!c.created == !again.created &&
		   (!c.created || !strcmp(c.created, again.created)));
	FUZZ_CHECK(again.n_diff_ids == 1 && !strcmp(again.diff_ids[0], c.diff_ids[0]));
	spec_image_config_release(&again);
	spec_image_config_release(&c);
	return 0;
}
