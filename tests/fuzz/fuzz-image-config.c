#include "tests/fuzz/fuzz.h"

#include "specs/specs.h"

/*
 * Image configs. Whatever parses must write, parse again and write the same bytes (the build's
 * reproducibility rests on it), and so must a deep copy; the import writer round-trips the
 * platform, created and first diff_id; `inspect`'s copy of the "config" member must produce a
 * document that parses again.
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

/* write(parse(data)) is a fixed point of parse-then-write, and a copy writes it too. */
static void check_write(const struct spec_image_config *c)
{
	_cleanup_free_ char *out = NULL, *out2 = NULL, *out3 = NULL;
	struct spec_image_config again = { 0 }, copy = { 0 };
	struct qerr err = { 0 };
	size_t len, len2, len3;

	out = spec_image_config_write(c, &len);
	FUZZ_CHECK(strlen(out) == len);
	if (spec_image_config_parse(out, len, &again, &err) < 0) {
		fprintf(stderr, "written config does not parse: %s\n", err.msg);
		FUZZ_CHECK(!"written config parses");
	}
	out2 = spec_image_config_write(&again, &len2);
	FUZZ_CHECK(len2 == len && !memcmp(out2, out, len));
	FUZZ_CHECK(again.n_diff_ids == c->n_diff_ids && again.n_history == c->n_history);
	spec_image_config_copy(c, &copy);
	out3 = spec_image_config_write(&copy, &len3);
	FUZZ_CHECK(len3 == len && !memcmp(out3, out, len));
	spec_image_config_release(&copy);
	spec_image_config_release(&again);
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
	check_write(&c);
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
