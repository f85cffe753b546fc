#include "tests/unit/harness.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "image/image-internal.h"

/*
 * layer_apply on layers written here with libarchive's writer. A layer is described by a
 * small table; the tree lives in the case's temp dir under "root", with "outside" beside it
 * as the place an escape would reach.
 */

enum kind { F, D, L, H, C };

/* perm 0 means "the default"; ZERO asks for mode 0000. */
#define ZERO 0100000

struct ent {
	enum kind kind;
	const char *name;
	const char *arg; /* content, symlink or hard-link target */
	mode_t perm;
	unsigned uid;
};

/* Write a tar (optionally compressed) of ents to path; return the diff_id of the tar. */
static void mktar(const char *path, const struct ent *v, size_t n, int filter, char diff[72])
{
	size_t cap = 1 << 20, used = 0;
	char *buf = xmalloc(cap);
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();

	archive_write_set_format_pax_restricted(a);
	assert_int_equal(archive_write_open_memory(a, buf, cap, &used), ARCHIVE_OK);
	for (size_t i = 0; i < n; i++) {
		archive_entry_clear(e);
		archive_entry_set_pathname(e, v[i].name);
		archive_entry_set_uid(e, v[i].uid);
		archive_entry_set_mtime(e, 1000000, 0);
		switch (v[i].kind) {
		case F:
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_perm(e, v[i].perm == ZERO ? 0
						  : v[i].perm	    ? v[i].perm
								    : 0644);
			archive_entry_set_size(e, (la_int64_t)strlen(v[i].arg ? v[i].arg : ""));
			break;
		case D:
			archive_entry_set_filetype(e, AE_IFDIR);
			archive_entry_set_perm(e, v[i].perm ? v[i].perm : 0755);
			break;
		case L:
			archive_entry_set_filetype(e, AE_IFLNK);
			archive_entry_set_perm(e, 0777);
			archive_entry_set_symlink(e, v[i].arg);
			break;
		case H:
			archive_entry_set_filetype(e, AE_IFREG);
			archive_entry_set_perm(e, 0644);
			archive_entry_set_hardlink(e, v[i].arg);
			break;
		case C:
			archive_entry_set_filetype(e, AE_IFCHR);
			archive_entry_set_perm(e, 0666);
			archive_entry_set_rdev(e, makedev(1, 3));
			break;
		}
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		if (v[i].kind == F && v[i].arg && *v[i].arg)
			assert_true(archive_write_data(a, v[i].arg, strlen(v[i].arg)) > 0);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	archive_entry_free(e);
	digest_buffer(buf, used, diff);
	if (filter == 0) {
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		assert_true(fd >= 0);
		assert_int_equal(write_all(fd, buf, used), 0);
		close(fd);
	} else {
		/* Compress the tar bytes with the raw writer and the filter. */
		struct archive *w = archive_write_new();
		struct archive_entry *r = archive_entry_new();

		archive_write_set_format_raw(w);
		if (filter == 1)
			archive_write_add_filter_gzip(w);
		else
			archive_write_add_filter_zstd(w);
		assert_int_equal(archive_write_open_filename(w, path), ARCHIVE_OK);
		archive_entry_set_filetype(r, AE_IFREG);
		archive_entry_set_pathname(r, "x");
		archive_entry_set_size(r, (la_int64_t)used);
		assert_int_equal(archive_write_header(w, r), ARCHIVE_OK);
		assert_true(archive_write_data(w, buf, used) == (la_ssize_t)used);
		archive_write_close(w);
		archive_write_free(w);
		archive_entry_free(r);
	}
	free(buf);
}

static int apply_ex(const struct ent *v, size_t n, int filter, struct meta *meta, bool wrong_diff,
		    struct qerr *err)
{
	_cleanup_free_ char *root = xasprintf("%s/root", qtest_tmpdir());
	char diff[72];
	int fd, r;

	(void)mkdir(root, 0755);
	(void)mkdir("outside", 0755);
	mktar("layer.tar", v, n, filter, diff);
	if (wrong_diff)
		diff[10] = diff[10] == '0' ? '1' : '0';
	fd = open("layer.tar", O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	r = layer_apply(&(struct layer_apply){ .blob_fd = fd,
					       .what = "layer test",
					       .diff_id = diff,
					       .dir = root,
					       .meta = meta,
					       .label = "t" },
			err);
	close(fd);
	return r;
}

#define APPLY(v)    apply_ex(v, ARRAY_SIZE(v), 0, NULL, false, &err)
#define APPLY_OK(v) assert_int_equal(APPLY(v), 0)
#define EXISTS(p)   (access(p, F_OK) == 0 || errno != ENOENT)
#define LEXISTS(p)  (lstat(p, &(struct stat){ 0 }) == 0)

static void test_layer__basic_types_and_diff_id(void **state)
{
	struct qerr err = { 0 };
	struct stat a, b;
	char t[64] = { 0 };
	const struct ent l[] = {
		{ D, "./etc/", NULL, 0755, 0 },		{ F, "./etc/passwd", "root", 0644, 0 },
		{ L, "etc/link", "/etc/passwd", 0, 0 }, { H, "etc/hard", "etc/passwd", 0, 0 },
		{ F, "bin/sh", "#!", 04755, 0 },	{ F, "secret", "x", 0, 0 },
	};

	(void)state;
	APPLY_OK(l);
	assert_int_equal(readlink("root/etc/link", t, sizeof(t) - 1), 11);
	assert_string_equal(t, "/etc/passwd");
	assert_int_equal(stat("root/etc/passwd", &a), 0);
	assert_int_equal(stat("root/etc/hard", &b), 0);
	assert_int_equal(a.st_ino, b.st_ino);
	assert_int_equal(stat("root/bin/sh", &a), 0);
	assert_int_equal(a.st_mode & 07777, geteuid() == 0 ? 04755 : 0755);
	assert_int_equal(a.st_mtime, 1000000);
}

static void test_layer__wrong_diff_id_fails(void **state)
{
	struct qerr err = { 0 };
	const struct ent l[] = { { F, "a", "x", 0, 0 } };

	(void)state;
	assert_int_equal(apply_ex(l, 1, 0, NULL, true, &err), -EBADMSG);
	assert_non_null(strstr(err.msg, "the image config says"));
}

static void test_layer__compressed(void **state)
{
	struct qerr err = { 0 };
	const struct ent l[] = { { F, "gz", "1", 0, 0 } };
	const struct ent m[] = { { F, "zst", "2", 0, 0 } };

	(void)state;
	assert_int_equal(apply_ex(l, 1, 1, NULL, false, &err), 0);
	assert_int_equal(apply_ex(m, 1, 2, NULL, false, &err), 0);
	assert_true(EXISTS("root/gz") && EXISTS("root/zst"));
}

static void test_layer__whiteouts(void **state)
{
	struct qerr err = { 0 };
	const struct ent lower[] = {
		{ F, "top", "1", 0, 0 },    { D, "d", NULL, 0, 0 },	{ F, "d/a", "1", 0, 0 },
		{ F, "d/b", "1", 0, 0 },    { D, "o", NULL, 0, 0 },	{ F, "o/old", "1", 0, 0 },
		{ D, "o/sub", NULL, 0, 0 }, { F, "o/sub/x", "", 0, 0 }, { F, "h", "", 0, 0 },
	};
	/* Opaque after a sibling of the same layer: the sibling stays. */
	const struct ent upper[] = {
		{ F, ".wh.top", "", 0, 0 },  { F, "d/.wh.a", "", 0, 0 },
		{ F, "o/new", "n", 0, 0 },   { F, "o/.wh..wh..opq", "", 0, 0 },
		{ H, ".wh.h", "d/b", 0, 0 },
	};

	(void)state;
	APPLY_OK(lower);
	APPLY_OK(upper);
	assert_false(LEXISTS("root/top"));
	assert_false(LEXISTS("root/d/a"));
	assert_true(LEXISTS("root/d/b"));
	assert_false(LEXISTS("root/o/old"));
	assert_false(LEXISTS("root/o/sub"));
	assert_true(LEXISTS("root/o/new"));
	assert_false(LEXISTS("root/h"));
	assert_false(LEXISTS("root/.wh.top"));
	assert_false(LEXISTS("root/o/.wh..wh..opq"));
}

static void test_layer__replace_types(void **state)
{
	struct qerr err = { 0 };
	struct stat st;
	const struct ent lower[] = { { D, "x", NULL, 0, 0 },
				     { F, "x/in", "1", 0, 0 },
				     { F, "y", "1", 0, 0 } };
	const struct ent upper[] = { { F, "x", "file", 0, 0 }, { D, "y", NULL, 0, 0 } };

	(void)state;
	APPLY_OK(lower);
	APPLY_OK(upper);
	assert_int_equal(lstat("root/x", &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(lstat("root/y", &st), 0);
	assert_true(S_ISDIR(st.st_mode));
}

static void test_layer__hard_link_to_lower_layer_shares_nothing_new(void **state)
{
	struct qerr err = { 0 };
	struct stat a, b;
	const struct ent lower[] = { { F, "data", "12345", 0, 0 } };
	const struct ent upper[] = { { H, "again", "data", 0, 0 } };

	(void)state;
	APPLY_OK(lower);
	APPLY_OK(upper);
	assert_int_equal(stat("root/data", &a), 0);
	assert_int_equal(stat("root/again", &b), 0);
	assert_int_equal(a.st_ino, b.st_ino);
	assert_int_equal(a.st_size, 5);
}

static void test_layer__hostile_names_refused(void **state)
{
	static const struct ent cases[][2] = {
		{ { F, "../escape", "x", 0, 0 } },
		{ { F, "a/../../escape", "x", 0, 0 } },
		{ { F, "/abs", "x", 0, 0 } },
		{ { L, "lnk", "../outside", 0, 0 }, { F, "lnk/escape", "x", 0, 0 } },
		{ { L, "lnk", "/", 0, 0 }, { F, "lnk/escape", "x", 0, 0 } },
		{ { H, "h", "../outside/marker", 0, 0 } },
		{ { L, "lnk", "../outside", 0, 0 }, { H, "h", "lnk/marker", 0, 0 } },
		{ { L, "lnk", "../outside", 0, 0 }, { F, "lnk/.wh.marker", "", 0, 0 } },
		{ { L, "lnk", "../outside", 0, 0 }, { F, "lnk/.wh..wh..opq", "", 0, 0 } },
		{ { F, ".wh...", "", 0, 0 } },
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		struct qerr err = { 0 };
		size_t n = cases[i][1].name ? 2 : 1;
		int r;

		(void)mkdir("outside", 0755);
		qtest_write_file("outside/marker", "keep");
		r = apply_ex(cases[i], n, 0, NULL, false, &err);
		if (r >= 0)
			fail_msg("case %zu ('%s') was accepted", i, cases[i][n - 1].name);
		assert_true(err.msg[0] != '\0');
		assert_false(LEXISTS("escape"));
		assert_false(LEXISTS("outside/escape"));
		assert_false(LEXISTS("/abs"));
		assert_true(LEXISTS("outside/marker"));
	}
}

static void test_layer__rootless_records_metadata(void **state)
{
	struct qerr err = { 0 };
	struct meta *m = meta_new();
	const struct meta_entry *e;
	struct stat st;
	const struct ent l[] = {
		{ C, "dev/null", NULL, 0, 0 },	  { F, "owned", "x", 0644, 1000 },
		{ F, "locked", "x", ZERO, 0 },	  { D, "closed", NULL, 0500, 0 },
		{ F, "closed/in", "x", 0644, 0 }, { F, "plain", "x", 0644, 0 },
	};

	(void)state;
	assert_int_equal(apply_ex(l, ARRAY_SIZE(l), 0, m, false, &err), 0);
	assert_int_equal(lstat("root/dev/null", &st), 0);
	assert_true(S_ISREG(st.st_mode));
	e = meta_get(m, "dev/null");
	assert_non_null(e);
	assert_true(S_ISCHR(e->mode));
	assert_int_equal(major(e->rdev), 1);
	assert_int_equal(minor(e->rdev), 3);
	e = meta_get(m, "owned");
	assert_non_null(e);
	assert_int_equal(e->uid, 1000);
	e = meta_get(m, "locked");
	assert_non_null(e);
	assert_int_equal(e->mode & 07777, 0);
	assert_int_equal(stat("root/locked", &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_non_null(meta_get(m, "closed"));
	assert_null(meta_get(m, "plain"));
	assert_int_equal(meta_count(m), 4);
	meta_free(m);
}

static void test_meta__save_load_round_trip(void **state)
{
	struct qerr err = { 0 };
	struct meta *m = meta_new(), *n = meta_new();
	const struct meta_entry *e;

	(void)state;
	meta_set(m, "a\tb\nc\\d", 0100644, 1, 2, 0);
	meta_set(m, "dev/x\001", 0020666, 0, 0, makedev(4, 5));
	meta_set(m, "gone/below", 0100600, 0, 0, 0);
	meta_remove_tree(m, "gone");
	assert_int_equal(meta_save(m, AT_FDCWD, "meta", &err), 0);
	assert_int_equal(meta_load(n, AT_FDCWD, "meta", &err), 0);
	assert_int_equal(meta_count(n), 2);
	e = meta_get(n, "a\tb\nc\\d");
	assert_non_null(e);
	assert_int_equal(e->mode, 0100644);
	assert_int_equal(e->gid, 2);
	e = meta_get(n, "dev/x\001");
	assert_non_null(e);
	assert_int_equal(minor(e->rdev), 5);
	qtest_write_file("bad", "# qrun-meta 1\nonly\tthree\tfields\n");
	assert_int_equal(meta_load(n, AT_FDCWD, "bad", &err), -EINVAL);
	meta_free(m);
	meta_free(n);
}

static void test_chain__ids_follow_the_spec(void **state)
{
	char a[] = "sha256:aaaa", b[] = "sha256:bbbb";
	char *diff[] = { a, b };
	char chain[2][72], want[72];

	(void)state;
	chain_ids(diff, 2, chain);
	assert_string_equal(chain[0], "sha256:aaaa");
	digest_buffer("sha256:aaaa sha256:bbbb", 23, want);
	assert_string_equal(chain[1], want);
	/* sha256 of nothing, as every implementation knows it */
	digest_buffer("", 0, want);
	assert_string_equal(
	    want, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		QTEST(test_layer__basic_types_and_diff_id),
		QTEST(test_layer__wrong_diff_id_fails),
		QTEST(test_layer__compressed),
		QTEST(test_layer__whiteouts),
		QTEST(test_layer__replace_types),
		QTEST(test_layer__hard_link_to_lower_layer_shares_nothing_new),
		QTEST(test_layer__hostile_names_refused),
		QTEST(test_layer__rootless_records_metadata),
		QTEST(test_meta__save_load_round_trip),
		QTEST(test_chain__ids_follow_the_spec),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
