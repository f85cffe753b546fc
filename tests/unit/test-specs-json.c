#include "tests/unit/harness.h"

#include "specs/specs-internal.h"

/* The JSON layer: strict reading (what yajl alone would let through) and the writer. */

struct doc_case {
	const char *name;
	const char *text;
	size_t len;	 /* 0: strlen(text) */
	const char *msg; /* substring of the message, NULL: accepted */
};

static const struct doc_case doc_cases[] = {
	{ "object", "{\"a\": [1, 2.5, \"x\", true, null]}", 0, NULL },
	{ "utf8", "{\"k\": \"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\xb3\"}", 0, NULL },
	{ "escaped surrogate pair", "{\"k\": \"\\ud83d\\udc33\"}", 0, NULL },
	{ "empty", "", 0, "not valid JSON" },
	{ "truncated", "{\"a\": ", 0, "not valid JSON" },
	{ "trailing garbage", "{} x", 0, "not valid JSON" },
	{ "two values", "{} {}", 0, "not valid JSON" },
	{ "comment", "{/* c */}", 0, "comment" },
	{ "line comment", "{}\n// c", 0, "comment" },
	{ "raw NUL", "{\"a\": \"x\0y\"}", 12, "NUL" },
	{ "escaped NUL", "{\"a\": \"x\\u0000y\"}", 0, "\\u0000" },
	{ "bad utf8", "{\"a\": \"\xff\"}", 0, "UTF-8" },
	{ "overlong utf8", "{\"a\": \"\xc0\xaf\"}", 0, "UTF-8" },
	{ "surrogate utf8", "{\"a\": \"\xed\xa0\x80\"}", 0, "UTF-8" },
	{ "truncated utf8", "{\"a\": \"\xe2\x82\"}", 0, "UTF-8" },
	{ "duplicate key", "{\"a\": 1, \"b\": 2, \"a\": 3}", 0, "duplicate key 'a'" },
	{ "duplicate nested", "{\"x\": [{\"k\": 1, \"k\": 1}]}", 0, "duplicate key 'k'" },
	{ "duplicate many",
	  "{\"a\":1,\"b\":1,\"c\":1,\"d\":1,\"e\":1,\"f\":1,\"g\":1,\"h\":1,\"i\":1,\"e\":2}", 0,
	  "duplicate key 'e'" },
	{ "control char", "{\"a\": \"\x01\"}", 0, "not valid JSON" },
	{ "slash in string", "{\"a\": \"/x//y/*\"}", 0, NULL },
	{ "escaped quote", "{\"a\": \"\\\"/\"}", 0, NULL },
};

static void test_jdoc_parse__table(void **state)
{
	size_t i, bad = 0;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(doc_cases); i++) {
		const struct doc_case *tc = &doc_cases[i];
		struct jdoc *d = NULL;
		struct qerr err = { 0 };
		int r = jdoc_parse("doc", tc->text, tc->len ? tc->len : strlen(tc->text), &d, &err);

		if (tc->msg ? (r != -EINVAL || !strstr(err.msg, tc->msg) ||
			       strncmp(err.msg, "doc: ", 5) || strchr(err.msg, '\n'))
			    : r != 0) {
			printf("%s: got %d '%s', want '%s'\n", tc->name, r, err.msg,
			       tc->msg ? tc->msg : "ok");
			bad++;
		}
		jdoc_free(d);
	}
	assert_int_equal(bad, 0);
}

static char *nested(size_t depth)
{
	char *s = xmalloc(2 * depth + 1);

	memset(s, '[', depth);
	memset(s + depth, ']', depth);
	s[2 * depth] = '\0';
	return s;
}

static void test_jdoc_parse__limits(void **state)
{
	struct jdoc *d = NULL;
	struct qerr err = { 0 };
	char *s, *big;

	(void)state;
	s = nested(SPEC_JSON_MAX_DEPTH);
	assert_int_equal(jdoc_parse("doc", s, strlen(s), &d, NULL), 0);
	d = jdoc_free(d);
	free(s);
	s = nested(SPEC_JSON_MAX_DEPTH + 1);
	assert_int_equal(jdoc_parse("doc", s, strlen(s), &d, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "nested deeper than 64"));
	free(s);

	big = xmalloc(SPEC_JSON_MAX_SIZE + 1);
	memset(big, ' ', SPEC_JSON_MAX_SIZE + 1);
	memcpy(big, "[]", 2);
	assert_int_equal(jdoc_parse("doc", big, SPEC_JSON_MAX_SIZE, &d, NULL), 0);
	d = jdoc_free(d);
	assert_int_equal(jdoc_parse("doc", big, SPEC_JSON_MAX_SIZE + 1, &d, &err), -EINVAL);
	assert_non_null(strstr(err.msg, "too large"));
	free(big);
}

static void test_jnode__getters(void **state)
{
	static const char text[] = "{\"i\": 42, \"neg\": -1, \"f\": 1.0, \"e\": 1e3, "
				   "\"big\": 9223372036854775807, \"huge\": 9223372036854775808, "
				   "\"s\": \"x\", \"a\": [1, \"y\"]}";
	struct jdoc *d = NULL;
	const struct jnode *root;
	int64_t v;

	(void)state;
	assert_int_equal(jdoc_parse("doc", text, strlen(text), &d, NULL), 0);
	root = jdoc_root(d);
	assert_int_equal(jnode_type(root), JT_OBJECT);
	assert_int_equal(jnode_len(root), 8);
	assert_true(jnode_int64(jnode_member(root, "i"), &v));
	assert_int_equal(v, 42);
	assert_true(jnode_int64(jnode_member(root, "neg"), &v));
	assert_int_equal(v, -1);
	assert_false(jnode_int64(jnode_member(root, "f"), &v));
	assert_false(jnode_int64(jnode_member(root, "e"), &v));
	assert_true(jnode_int64(jnode_member(root, "big"), &v));
	assert_true(v == INT64_MAX);
	assert_false(jnode_int64(jnode_member(root, "huge"), &v));
	assert_false(jnode_int64(jnode_member(root, "s"), &v));
	assert_string_equal(jnode_string(jnode_member(root, "s")), "x");
	assert_null(jnode_string(jnode_member(root, "i")));
	assert_null(jnode_member(root, "nope"));
	assert_int_equal(jnode_type(jnode_member(root, "nope")), JT_ABSENT);
	assert_string_equal(jnode_string(jnode_item(jnode_member(root, "a"), 1)), "y");
	assert_null(jnode_item(jnode_member(root, "a"), 2));
	assert_string_equal(jnode_key(root, 0), "i");
	jdoc_free(d);
}

static void test_spec_json__escaping(void **state)
{
	struct spec_json *j = spec_json_new(false);
	char *out;
	size_t len;

	(void)state;
	spec_json_object_begin(j);
	spec_json_key(j, "q\"k");
	spec_json_string(j, "a\"b\\c/d\n\t\r\b\f\x01\x1f");
	spec_json_key(j, "utf8");
	spec_json_string(j, "caf\xc3\xa9 \xf0\x9f\x90\xb3");
	spec_json_key(j, "bad");
	spec_json_string(j, "x\xffy\xc3");
	spec_json_key(j, "n");
	spec_json_int(j, INT64_MIN);
	spec_json_key(j, "b");
	spec_json_bool(j, true);
	spec_json_key(j, "z");
	spec_json_string(j, NULL);
	spec_json_key(j, "v");
	spec_json_string_array(j, (char *[]){ (char *)"1", (char *)"2" }, 2);
	spec_json_object_end(j);
	out = spec_json_finish(j, &len);
	assert_string_equal(out, "{\"q\\\"k\":\"a\\\"b\\\\c/d\\n\\t\\r\\b\\f\\u0001\\u001F\","
				 "\"utf8\":\"caf\xc3\xa9 \xf0\x9f\x90\xb3\","
				 "\"bad\":\"x\xef\xbf\xbdy\xef\xbf\xbd\","
				 "\"n\":-9223372036854775808,\"b\":true,\"z\":null,"
				 "\"v\":[\"1\",\"2\"]}");
	assert_int_equal(len, strlen(out));
	free(out);
}

static void test_spec_json__pretty(void **state)
{
	struct spec_json *j = spec_json_new(true);
	char *out;

	(void)state;
	spec_json_array_begin(j);
	spec_json_object_begin(j);
	spec_json_key(j, "Id");
	spec_json_string(j, "x");
	spec_json_object_end(j);
	spec_json_array_end(j);
	out = spec_json_finish(j, NULL);
	assert_string_equal(out, "[\n    {\n        \"Id\": \"x\"\n    }\n]\n");
	free(out);
}

static void test_spec_json__copy_member(void **state)
{
	static const char cfg[] = "{\"architecture\":\"amd64\",\"config\":{\"Env\":[\"A=1\"],"
				  "\"Z\":1.50,\"A\":12345678901234567890,\"L\":{\"b\":null,\"a\":"
				  "false},\"S\":\"\\u00e9\\n\"},\"os\":\"linux\"}";
	struct spec_json *j = spec_json_new(false);
	char *out;

	(void)state;
	spec_json_object_begin(j);
	spec_json_key(j, "Config");
	assert_int_equal(spec_json_copy_member(j, cfg, strlen(cfg), "config"), 0);
	spec_json_key(j, "Missing");
	assert_int_equal(spec_json_copy_member(j, cfg, strlen(cfg), "nope"), 0);
	spec_json_key(j, "Os");
	assert_int_equal(spec_json_copy_member(j, cfg, strlen(cfg), "os"), 0);
	spec_json_object_end(j);
	out = spec_json_finish(j, NULL);
	/* Key order and number text survive; strings are re-escaped. */
	assert_string_equal(out, "{\"Config\":{\"Env\":[\"A=1\"],\"Z\":1.50,"
				 "\"A\":12345678901234567890,\"L\":{\"b\":null,\"a\":false},"
				 "\"S\":\"\xc3\xa9\\n\"},\"Missing\":null,\"Os\":\"linux\"}");
	free(out);

	j = spec_json_new(false);
	assert_int_equal(spec_json_copy_member(j, "[1]", 3, "x"), -EINVAL);
	assert_int_equal(spec_json_copy_member(j, "{", 1, "x"), -EINVAL);
	spec_json_free(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		QTEST(test_jdoc_parse__table), QTEST(test_jdoc_parse__limits),
		QTEST(test_jnode__getters),    QTEST(test_spec_json__escaping),
		QTEST(test_spec_json__pretty), QTEST(test_spec_json__copy_member),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
