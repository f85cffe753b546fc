#include "tests/unit/harness.h"

#include "tracer/tracer-internal.h"

/*
 * canon_resolve is pure: the file system is a table of guest paths handed to it through the
 * lookup callback, and every path not in the table is missing. Each test runs a table of cases
 * and prints every case that goes wrong (input, expected, actual) before failing, so one run
 * shows all of them rather than the first.
 */

struct fake_node {
	const char *guest;
	enum canon_type type;
	const char *target; /* CANON_LINK */
	int err;	    /* when non-zero, lookup fails with it */
};

#define NODE_DIR(p)                                                                                \
	{                                                                                          \
		.guest = (p), .type = CANON_DIR                                                    \
	}
#define NODE_FILE(p)                                                                               \
	{                                                                                          \
		.guest = (p), .type = CANON_OTHER                                                  \
	}
#define NODE_OPAQUE(p)                                                                             \
	{                                                                                          \
		.guest = (p), .type = CANON_OPAQUE                                                 \
	}
#define NODE_LINK(p, t)                                                                            \
	{                                                                                          \
		.guest = (p), .type = CANON_LINK, .target = (t)                                    \
	}
#define NODE_FAIL(p, e)                                                                            \
	{                                                                                          \
		.guest = (p), .type = CANON_DIR, .err = (e)                                        \
	}

/* The guest tree most cases resolve in. */
static const struct fake_node tree[] = {
	NODE_DIR("/a"),
	NODE_DIR("/a/b"),
	NODE_DIR("/a/b/c"),
	NODE_DIR("/a/b/c/d"),
	NODE_FILE("/a/file"),
	NODE_DIR("/a/.x"),
	NODE_DIR("/etc"),
	NODE_FILE("/etc/passwd"),
	NODE_LINK("/a/abs", "/etc"),
	NODE_LINK("/a/abs_up", "/../../etc"),
	NODE_LINK("/a/hostlink", "/usr/lib"),
	NODE_LINK("/a/rel", "b/c"),
	NODE_LINK("/a/b/up", "../file"),
	NODE_LINK("/a/escape", "../../../../etc"),
	NODE_LINK("/a/lfile", "file"),
	NODE_LINK("/a/dangling", "nowhere"),
	NODE_LINK("/a/dangdir", "/no/where"),
	NODE_LINK("/a/empty", ""),
	NODE_LINK("/a/toroot", "/"),
	NODE_LINK("/a/tofile_slash", "file/"),
	NODE_LINK("/chain1", "/chain2"),
	NODE_LINK("/chain2", "a/rel"),
	NODE_LINK("/loop1", "loop2"),
	NODE_LINK("/loop2", "/loop1"),
	NODE_LINK("/self", "self"),
	NODE_DIR("/proc"),
	NODE_DIR("/proc/1"),
	NODE_DIR("/proc/1/fd"),
	NODE_OPAQUE("/proc/1/fd/0"),
	NODE_FAIL("/denied", -EACCES),
	NODE_FAIL("/a/b/eio", -EIO),
};

/* Nodes made at run time (long names, link chains); owns its strings. */
struct gen {
	struct fake_node v[64];
	size_t n;
	char *owned[128];
	size_t n_owned;
};

static const char *gen_own(struct gen *g, char *s)
{
	assert_true(g->n_owned < ARRAY_SIZE(g->owned));
	g->owned[g->n_owned++] = s;
	return s;
}

static void gen_add(struct gen *g, const char *guest, enum canon_type type, const char *target)
{
	assert_true(g->n < ARRAY_SIZE(g->v));
	g->v[g->n].guest = guest;
	g->v[g->n].type = type;
	g->v[g->n].target = target;
	g->v[g->n].err = 0;
	g->n++;
}

static void gen_release(struct gen *g)
{
	for (size_t i = 0; i < g->n_owned; i++)
		free(g->owned[i]);
	g->n = g->n_owned = 0;
}

/* n copies of c. */
static char *rep(char c, size_t n)
{
	char *s = xmalloc(n + 1);

	memset(s, c, n);
	s[n] = '\0';
	return s;
}

struct fake_fs {
	const struct fake_node *more; /* searched after tree[] */
	size_t n_more;
	char bad[PATH_MAX]; /* first lookup of a path that is not absolute and canonical */
};

/* Absolute, no empty, "." or ".." component, no trailing '/': what lookup is promised. */
static bool is_canonical(const char *s)
{
	if (s[0] != '/')
		return false;
	if (strcmp(s, "/") == 0)
		return true;
	for (const char *p = s; *p;) {
		size_t len;

		p++;
		len = strcspn(p, "/");
		if (len == 0 || (len == 1 && p[0] == '.') ||
		    (len == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		p += len;
	}
	return true;
}

static const struct fake_node *find(const struct fake_fs *fs, const char *guest)
{
	for (size_t i = 0; i < ARRAY_SIZE(tree); i++) {
		if (strcmp(tree[i].guest, guest) == 0)
			return &tree[i];
	}
	for (size_t i = 0; i < fs->n_more; i++) {
		if (strcmp(fs->more[i].guest, guest) == 0)
			return &fs->more[i];
	}
	return NULL;
}

static int fake_lookup(void *ctx, const char *guest, struct canon_node *ret)
{
	struct fake_fs *fs = ctx;
	const struct fake_node *n;

	if (!is_canonical(guest) && !fs->bad[0])
		(void)snprintf(fs->bad, sizeof(fs->bad), "%s", guest);
	n = find(fs, guest);
	if (!n) {
		ret->type = CANON_MISSING;
		return 0;
	}
	if (n->err)
		return n->err;
	ret->type = n->type;
	if (n->type == CANON_LINK) {
		size_t len = strlen(n->target);

		assert_true(len < sizeof(ret->target));
		memcpy(ret->target, n->target, len + 1);
	}
	return 0;
}

struct canon_case {
	const char *base;
	const char *path;
	unsigned flags;
	const char *want; /* NULL: an error is expected */
	int err;
};

#define F CANON_FOLLOW
#define OK(b, p, f, w)                                                                             \
	{                                                                                          \
		.base = (b), .path = (p), .flags = (f), .want = (w)                                \
	}
#define FAIL(b, p, f, e)                                                                           \
	{                                                                                          \
		.base = (b), .path = (p), .flags = (f), .err = (e)                                 \
	}

static const char *errname(int e)
{
	switch (-e) {
	case ENOENT:
		return "-ENOENT";
	case ENOTDIR:
		return "-ENOTDIR";
	case ELOOP:
		return "-ELOOP";
	case ENAMETOOLONG:
		return "-ENAMETOOLONG";
	case EACCES:
		return "-EACCES";
	case EIO:
		return "-EIO";
	case EINVAL:
		return "-EINVAL";
	default:
		return "-E?";
	}
}

/* A path for a message: long ones are cut, with their length. */
static const char *show(const char *s, char *buf, size_t size)
{
	size_t len = strlen(s);

	if (len <= 72)
		(void)snprintf(buf, size, "'%s'", s);
	else
		(void)snprintf(buf, size, "'%.24s...%s' (%zu chars)", s, s + len - 24, len);
	return buf;
}

/* Run every case; print each mismatch; return how many went wrong. */
static int run_cases(const struct fake_node *more, size_t n_more, const struct canon_case *cases,
		     size_t n)
{
	int failed = 0;

	for (size_t i = 0; i < n; i++) {
		const struct canon_case *c = &cases[i];
		struct fake_fs fs = { .more = more, .n_more = n_more };
		char got[PATH_MAX + 16], b0[128], b1[128], b2[128], b3[128];
		bool over = false;
		int r;

		memset(got, 0x7f, sizeof(got));
		r = canon_resolve(c->base, c->path, c->flags, fake_lookup, &fs, got);
		for (size_t j = PATH_MAX; j < sizeof(got); j++)
			over = over || got[j] != 0x7f;
		if (c->want ? r != 0 || strcmp(got, c->want) != 0 : r != c->err) {
			print_error("case %zu: canon_resolve(%s, %s, %s): want %s, got %s\n", i,
				    show(c->base, b0, sizeof(b0)), show(c->path, b1, sizeof(b1)),
				    c->flags & F ? "FOLLOW" : "0",
				    c->want ? show(c->want, b2, sizeof(b2)) : errname(c->err),
				    r < 0 ? errname(r) : show(got, b3, sizeof(b3)));
			failed++;
		} else if (r < 0 && got[0] != 0x7f) {
			print_error("case %zu: %s: ret written on error\n", i,
				    show(c->path, b1, sizeof(b1)));
			failed++;
		}
		if (over) {
			print_error("case %zu: %s: wrote past PATH_MAX bytes\n", i,
				    show(c->path, b1, sizeof(b1)));
			failed++;
		}
		if (fs.bad[0]) {
			print_error("case %zu: %s: lookup asked non-canonical %s\n", i,
				    show(c->path, b1, sizeof(b1)), show(fs.bad, b2, sizeof(b2)));
			failed++;
		}
	}
	return failed;
}

#define RUN(cases) assert_int_equal(run_cases(NULL, 0, cases, ARRAY_SIZE(cases)), 0)

static void test_canon_resolve__dot_and_dotdot(void **state)
{
	static const struct canon_case cases[] = {
		OK("/", "/", 0, "/"),
		OK("/", "/a/./b", 0, "/a/b"),
		OK("/", "/./a/././b/c", 0, "/a/b/c"),
		OK("/", "/a/b/../file", 0, "/a/file"),
		OK("/", "/a/b/c/../../b/c/d", 0, "/a/b/c/d"),
		/* ".." at the root stays at the root. */
		OK("/", "/..", 0, "/"),
		OK("/", "/../a", 0, "/a"),
		OK("/", "/../../../etc/passwd", 0, "/etc/passwd"),
		OK("/", "/a/../../../etc", 0, "/etc"),
		/* "../../.." from deep. */
		OK("/a/b/c/d", "../../../file", 0, "/a/file"),
		OK("/a/b/c/d", "../../../../../../..", 0, "/"),
		OK("/a/b/c/d", "../../..", 0, "/a/."),
		/* ".." after a symlink is the parent of the link's target, not of the link. */
		OK("/", "/a/abs/..", 0, "/"),
		OK("/", "/a/abs/../a/file", 0, "/a/file"),
		OK("/", "/a/rel/../x", 0, "/a/b/x"),
		OK("/", "/a/rel/../../file", 0, "/a/file"),
		OK("/", "/a/rel/..", 0, "/a/b/."),
		/* ".." is not lexical: it needs its directory to exist and be one. */
		FAIL("/", "/a/missing/..", 0, -ENOENT),
		FAIL("/", "/a/file/..", 0, -ENOTDIR),
		/* Names that only look like dots. */
		OK("/", "/a/...", 0, "/a/..."),
		OK("/", "/a/.x/..y", 0, "/a/.x/..y"),
	};

	(void)state;
	RUN(cases);
}

static void test_canon_resolve__slash_runs(void **state)
{
	static const struct canon_case cases[] = {
		OK("/", "//", 0, "/"),
		OK("/", "///", 0, "/"),
		OK("/", "//a", 0, "/a"),
		OK("/", "//a//b///c", 0, "/a/b/c"),
		OK("/", "/a//file", 0, "/a/file"),
		OK("/a", "b//c", 0, "/a/b/c"),
		OK("/", "/a/b//", 0, "/a/b/"),
		OK("/", "/a//./b", 0, "/a/b"),
	};

	(void)state;
	RUN(cases);
}

static void test_canon_resolve__absolute_links_restart_at_guest_root(void **state)
{
	static const struct canon_case cases[] = {
		OK("/", "/a/abs/passwd", 0, "/etc/passwd"),
		OK("/", "/a/abs", F, "/etc"),
		OK("/", "/a/abs_up/passwd", 0, "/etc/passwd"),
		OK("/", "/a/toroot/a/b", 0, "/a/b"),
		OK("/", "/a/toroot", F, "/"),
		OK("/", "/a/toroot/..", 0, "/"),
		/* The guest has no /usr, whatever the host has. */
		FAIL("/", "/a/hostlink", F, -ENOENT),
		FAIL("/", "/a/hostlink/x", 0, -ENOENT),
		OK("/", "/a/dangdir", 0, "/a/dangdir"),
		FAIL("/", "/a/dangdir", F, -ENOENT),
	};

	(void)state;
	RUN(cases);
}

static void test_canon_resolve__relative_links_from_link_dir(void **state)
{
	static const struct canon_case cases[] = {
		OK("/", "/a/rel", F, "/a/b/c"),
		OK("/", "/a/rel/d", 0, "/a/b/c/d"),
		OK("/", "/a/b/up", F, "/a/file"),
		OK("/", "/a/lfile", F, "/a/file"),
		OK("/a", "lfile", F, "/a/file"),
		OK("/a/b", "../rel/d", 0, "/a/b/c/d"),
		/* A relative target cannot climb out of the guest root either. */
		OK("/", "/a/escape/passwd", 0, "/etc/passwd"),
		OK("/", "/a/escape", F, "/etc"),
		/* A missing target is fine as the last component (O_CREAT through a link). */
		OK("/", "/a/dangling", F, "/a/nowhere"),
		FAIL("/", "/a/dangling/x", 0, -ENOENT),
		/* An empty target names nothing. */
		FAIL("/", "/a/empty", F, -ENOENT),
		FAIL("/", "/a/empty/x", 0, -ENOENT),
		OK("/", "/a/empty", 0, "/a/empty"),
	};

	(void)state;
	RUN(cases);
}

static void test_canon_resolve__link_chains(void **state)
{
	static const struct canon_case cases[] = {
		/* /chain1 -> /chain2 -> a/rel (from /) -> b/c (from /a) */
		OK("/", "/chain1", F, "/a/b/c"),	OK("/", "/chain1/d", 0, "/a/b/c/d"),
		OK("/", "/chain1/d/..", 0, "/a/b/c/."), OK("/", "/chain1", 0, "/chain1"),
		OK("/", "/chain2", F, "/a/b/c"),
	};

	(void)state;
	RUN(cases);
}

static void test_canon_resolve__loop_is_eloop(void **state)
{
	static const struct canon_case cases[] = {
		FAIL("/", "/loop1", F, -ELOOP),
		FAIL("/", "/loop2", F, -ELOOP),
		FAIL("/", "/loop1/x", 0, -ELOOP),
		FAIL("/", "/loop1/", 0, -ELOOP),
		FAIL("/", "/self", F, -ELOOP),
		FAIL("/", "/self/..", 0, -ELOOP),
		/* Not followed: no loop. */
		OK("/", "/loop1", 0, "/loop1"),
		OK("/", "/self", 0, "/self"),
	};

	(void)state;
	RUN(cases);
}

/* /l1 -> l2 -> ... -> l<n> -> /a/b: n links in a row. */
static void make_chain(struct gen *g, int n)
{
	for (int i = 1; i <= n; i++) {
		const char *name = gen_own(g, xasprintf("/l%d", i));
		const char *target =
		    i < n ? gen_own(g, xasprintf("l%d", i + 1)) : gen_own(g, xstrdup("/a/b"));

		gen_add(g, name, CANON_LINK, target);
	}
}

static void test_canon_resolve__forty_links_ok_41_eloop(void **state)
{
	/* The count is over the whole walk (the kernel's MAXSYMLINKS = 40), not per chain. */
	static const struct canon_case with_39[] = {
		OK("/", "/l1", F, "/a/b"),
		OK("/", "/l1/../rel", F, "/a/b/c"),
		OK("/", "/l1/../rel/d", 0, "/a/b/c/d"),
	};
	static const struct canon_case with_40[] = {
		OK("/", "/l1", F, "/a/b"),	    OK("/", "/l1/c", 0, "/a/b/c"),
		OK("/", "/l1/", 0, "/a/b/"),	    OK("/", "/l1", 0, "/l1"),
		FAIL("/", "/l1/../rel", F, -ELOOP), FAIL("/", "/l1/../rel/d", 0, -ELOOP),
	};
	static const struct canon_case with_41[] = {
		FAIL("/", "/l1", F, -ELOOP),
		FAIL("/", "/l1/c", 0, -ELOOP),
		FAIL("/", "/l1/", 0, -ELOOP),
		OK("/", "/l1", 0, "/l1"),
		/* The 40 links from the second one on are fine. */
		OK("/", "/l2", F, "/a/b"),
	};
	struct gen g = { 0 };
	int failed = 0;

	(void)state;
	assert_int_equal(CANON_MAXSYMLINKS, 40);
	make_chain(&g, 39);
	failed += run_cases(g.v, g.n, with_39, ARRAY_SIZE(with_39));
	gen_release(&g);
	make_chain(&g, 40);
	failed += run_cases(g.v, g.n, with_40, ARRAY_SIZE(with_40));
	gen_release(&g);
	make_chain(&g, 41);
	failed += run_cases(g.v, g.n, with_41, ARRAY_SIZE(with_41));
	gen_release(&g);
	assert_int_equal(failed, 0);
}

static void test_canon_resolve__intermediate_errors(void **state)
{
	static const struct canon_case cases[] = {
		FAIL("/", "/a/file/x", 0, -ENOTDIR),	   FAIL("/", "/a/file/x", F, -ENOTDIR),
		FAIL("/", "/etc/passwd/x/y", 0, -ENOTDIR), FAIL("/", "/a/lfile/x", 0, -ENOTDIR),
		FAIL("/", "/a/b/up/x", 0, -ENOTDIR),	   FAIL("/", "/missing/x", 0, -ENOENT),
		FAIL("/", "/a/missing/b/c", 0, -ENOENT),   FAIL("/a", "missing/x", 0, -ENOENT),
		FAIL("/", "/a/missing/.", 0, -ENOENT),
	};

	(void)state;
	RUN(cases);
}

static void test_canon_resolve__missing_last_is_fine(void **state)
{
	static const struct canon_case cases[] = {
		OK("/", "/new", 0, "/new"),	      OK("/", "/new", F, "/new"),
		OK("/", "/a/b/new", 0, "/a/b/new"),   OK("/a", "new", 0, "/a/new"),
		OK("/", "/a/abs/new", 0, "/etc/new"), OK("/", "/a/new/", 0, "/a/new/"),
	};

	(void)state;
	RUN(cases);
}

static void test_canon_resolve__last_link_follow_flag(void **state)
{
	static const struct canon_case cases[] = {
		OK("/", "/a/abs", 0, "/a/abs"),
		OK("/", "/a/abs", F, "/etc"),
		OK("/", "/a/lfile", 0, "/a/lfile"),
		OK("/", "/a/lfile", F, "/a/file"),
		OK("/", "/a/dangling", 0, "/a/dangling"),
		OK("/", "/a/dangling", F, "/a/nowhere"),
		OK("/a", "rel", 0, "/a/rel"),
		OK("/a", "rel", F, "/a/b/c"),
		/* Links before the last component are followed either way. */
		OK("/", "/a/rel/d", 0, "/a/b/c/d"),
		OK("/", "/a/rel/d", F, "/a/b/c/d"),
	};

	(void)state;
	RUN(cases);
}

static void test_canon_resolve__trailing_slash(void **state)
{
	static const struct canon_case cases[] = {
		OK("/", "/a/b/", 0, "/a/b/"),
		OK("/", "/a/b/", F, "/a/b/"),
		OK("/", "/a/b//", 0, "/a/b/"),
		OK("/a", "b/", 0, "/a/b/"),
		/* A trailing slash follows the last link even without CANON_FOLLOW. */
		OK("/", "/a/abs/", 0, "/etc/"),
		OK("/", "/a/rel/", 0, "/a/b/c/"),
		OK("/", "/chain1/", 0, "/a/b/c/"),
		/* ... and asks for a directory. */
		FAIL("/", "/a/file/", 0, -ENOTDIR),
		FAIL("/", "/a/file//", F, -ENOTDIR),
		FAIL("/", "/a/lfile/", 0, -ENOTDIR),
		FAIL("/", "/etc/passwd/", 0, -ENOTDIR),
		/* A link whose target ends in '/' asks for a directory too (open(2): ENOTDIR). */
		FAIL("/", "/a/tofile_slash", F, -ENOTDIR),
		OK("/", "/a/tofile_slash", 0, "/a/tofile_slash"),
	};

	(void)state;
	RUN(cases);
}

static void test_canon_resolve__trailing_dot_kept(void **state)
{
	/* rmdir("d/.") is EINVAL and rmdir("d/..") ENOTEMPTY: the result must not lose that. */
	static const struct canon_case cases[] = {
		OK("/", "/a/b/.", 0, "/a/b/."),
		OK("/", "/a/b/./", 0, "/a/b/."),
		OK("/", "/a/b/c/..", 0, "/a/b/."),
		OK("/", "/a/b/c/../", 0, "/a/b/."),
		OK("/", "/a/abs/.", 0, "/etc/."),
		OK("/", "/a/./b/./.", 0, "/a/b/."),
		OK("/a/b", ".", 0, "/a/b/."),
		OK("/a/b", "..", 0, "/a/."),
		/* At the root there is nothing to keep. */
		OK("/", "/.", 0, "/"),
		OK("/", "/a/..", 0, "/"),
		OK("/", "/../..", 0, "/"),
		OK("/", ".", 0, "/"),
		/* A dot in the middle is just dropped. */
		OK("/", "/a/./file", 0, "/a/file"),
		FAIL("/", "/a/file/.", 0, -ENOTDIR),
	};

	(void)state;
	RUN(cases);
}

static void test_canon_resolve__relative_to_base(void **state)
{
	static const struct canon_case cases[] = {
		OK("/", "a", 0, "/a"),
		OK("/a", "b/c", 0, "/a/b/c"),
		OK("/a/b", "../file", 0, "/a/file"),
		OK("/a", "abs/passwd", 0, "/etc/passwd"),
		OK("/a/b/c", "./d", 0, "/a/b/c/d"),
		OK("/a/b/c", "../../../../../a", 0, "/a"),
		/* An absolute path ignores the base. */
		OK("/a/b", "/etc", 0, "/etc"),
		FAIL("/a", "file/x", 0, -ENOTDIR),
	};

	(void)state;
	RUN(cases);
}

static void test_canon_resolve__empty_path(void **state)
{
	static const struct canon_case cases[] = {
		FAIL("/", "", 0, -ENOENT),
		FAIL("/a/b", "", 0, -ENOENT),
		FAIL("/a/b", "", F, -ENOENT),
	};

	(void)state;
	RUN(cases);
}

static void test_canon_resolve__name_max(void **state)
{
	_cleanup_free_ char *n255 = rep('n', NAME_MAX), *n256 = rep('n', NAME_MAX + 1);
	_cleanup_free_ char *p255 = xasprintf("/a/%s", n255), *p256 = xasprintf("/a/%s", n256);
	_cleanup_free_ char *p256up = xasprintf("/a/%s/..", n256);
	struct gen g = { 0 };
	const struct canon_case cases[] = {
		OK("/", p255, 0, p255),
		OK("/a", n255, 0, p255),
		FAIL("/", p256, 0, -ENAMETOOLONG),
		FAIL("/", p256, F, -ENAMETOOLONG),
		FAIL("/", p256up, 0, -ENAMETOOLONG),
		FAIL("/a", n256, 0, -ENAMETOOLONG),
		/* The same limit applies to a link's target. */
		FAIL("/", "/longname", F, -ENAMETOOLONG),
		OK("/", "/longname", 0, "/longname"),
	};

	(void)state;
	gen_add(&g, "/longname", CANON_LINK, p256);
	assert_int_equal(run_cases(g.v, g.n, cases, ARRAY_SIZE(cases)), 0);
}

static char *join3(const char *a, const char *b, const char *c)
{
	return xasprintf("%s%s%s", a, b, c);
}

/*
 * ret holds PATH_MAX bytes, so a result of PATH_MAX - 1 = 4095 characters fits (as the
 * kernel takes a 4095-character path) and one more is ENAMETOOLONG, whatever the spelling.
 */
static void test_canon_resolve__path_max(void **state)
{
	struct gen g = { 0 };
	char p15[16 * (NAME_MAX + 1)] = "";
	size_t len = 0;
	const char *z254, *z255, *d, *z, *z4096, *dz, *w;
	const char *d_slash, *d_dot, *d_dot_slash, *w_slash, *dotdots, *dotdots4096;
	int failed;

	(void)state;
	/* p15: 15 directories of 255-character names, 15 * 256 = 3840 characters. */
	for (int i = 0; i < 15; i++) {
		_cleanup_free_ char *name = rep((char)('a' + i), NAME_MAX);

		len += (size_t)snprintf(p15 + len, sizeof(p15) - len, "/%s", name);
		gen_add(&g, gen_own(&g, xstrdup(p15)), CANON_DIR, NULL);
	}
	assert_int_equal(strlen(p15), 3840);
	z254 = gen_own(&g, rep('z', 254));
	z255 = gen_own(&g, rep('z', 255));
	z = gen_own(&g, join3(p15, "/", z254));			      /* 4095: the longest result */
	z4096 = gen_own(&g, join3(p15, "/", z255));		      /* 4096: one too many */
	d = gen_own(&g, join3(p15, "/", gen_own(&g, rep('y', 252)))); /* 4093, a directory */
	gen_add(&g, d, CANON_DIR, NULL);
	dz = gen_own(&g, join3(d, "/", "z"));			      /* 4095 */
	w = gen_own(&g, join3(p15, "/", gen_own(&g, rep('w', 253)))); /* 4094 */
	d_slash = gen_own(&g, join3(d, "/", ""));
	d_dot = gen_own(&g, join3(d, "/.", ""));
	d_dot_slash = gen_own(&g, join3(d, "/./", ""));
	w_slash = gen_own(&g, join3(w, "/", ""));
	assert_int_equal(strlen(z), PATH_MAX - 1);
	assert_int_equal(strlen(d), PATH_MAX - 3);
	assert_int_equal(strlen(d_dot), PATH_MAX - 1);
	assert_int_equal(strlen(w), PATH_MAX - 2);
	gen_add(&g, "/zlink", CANON_LINK, z);
	gen_add(&g, "/wlink", CANON_LINK, w);
	gen_add(&g, "/dlink", CANON_LINK, d);
	/* 818 * "/a/.." then "/a/b": 4094 characters that resolve to a short path. */
	{
		char *s = xmalloc(818 * 5 + 5);

		for (int i = 0; i < 818; i++)
			memcpy(s + i * 5, "/a/..", 5);
		memcpy(s + 818 * 5, "/a/b", 5);
		dotdots = gen_own(&g, s);
		/* The same with "/a///b": 4096 characters, too long whatever they resolve to. */
		dotdots4096 = gen_own(&g, xasprintf("%.*s/a///b", 818 * 5, s));
	}
	assert_int_equal(strlen(dotdots), PATH_MAX - 2);
	assert_int_equal(strlen(dotdots4096), PATH_MAX);

	{
		const struct canon_case cases[] = {
			OK("/", z, 0, z),
			OK("/", z, F, z),
			FAIL("/", z4096, 0, -ENAMETOOLONG),
			OK("/", d_slash, 0, d_slash),
			OK("/", d_dot, 0, d_dot),
			FAIL("/", d_dot_slash, 0, -ENAMETOOLONG),
			OK("/", dotdots, 0, "/a/b"),
			FAIL("/", dotdots4096, 0, -ENAMETOOLONG),
			/* Relative: base + path is what must fit. */
			OK(p15, z254, 0, z),
			FAIL(p15, z255, 0, -ENAMETOOLONG),
			OK(d, "z", 0, dz),
			FAIL(d, "zz", 0, -ENAMETOOLONG),
			OK(d, ".", 0, d_dot),
			OK(d, "./", 0, d_dot),
			/* Through a link: the resolved path is what must fit. */
			OK("/", "/wlink", F, w),
			OK("/", "/zlink", F, z),
			OK("/", "/zlink", 0, "/zlink"),
			OK("/", "/dlink/z", 0, dz),
			FAIL("/", "/dlink/zz", 0, -ENAMETOOLONG),
			OK("/", "/wlink/", 0, w_slash),
		};

		failed = run_cases(g.v, g.n, cases, ARRAY_SIZE(cases));
	}
	gen_release(&g);
	assert_int_equal(failed, 0);
}

static void test_canon_resolve__opaque_keeps_rest(void **state)
{
	/* Nothing below pipe:[N] can be resolved: the rest goes to the kernel as it is. */
	static const struct canon_case cases[] = {
		OK("/", "/proc/1/fd/0", 0, "/proc/1/fd/0"),
		OK("/", "/proc/1/fd/0", F, "/proc/1/fd/0"),
		OK("/", "/proc/1/fd/0/x", 0, "/proc/1/fd/0/x"),
		OK("/", "/proc/1/fd/0/x/../y", 0, "/proc/1/fd/0/x/../y"),
		OK("/", "/proc/1/fd/0/.", 0, "/proc/1/fd/0/."),
		OK("/", "/proc/1/fd/0//x", 0, "/proc/1/fd/0//x"),
		OK("/", "/proc/1/fd/0/", 0, "/proc/1/fd/0/"),
		OK("/", "/proc/1/fd/0/x/", 0, "/proc/1/fd/0/x/"),
		OK("/proc/1", "fd/0/x", 0, "/proc/1/fd/0/x"),
		OK("/", "/proc/1/fd/../fd/0/x", 0, "/proc/1/fd/0/x"),
	};

	(void)state;
	RUN(cases);
}

static void test_canon_resolve__lookup_error_passed_through(void **state)
{
	static const struct canon_case cases[] = {
		FAIL("/", "/denied", 0, -EACCES),
		FAIL("/", "/denied", F, -EACCES),
		FAIL("/", "/denied/x", 0, -EACCES),
		FAIL("/", "/denied/", 0, -EACCES),
		FAIL("/", "/a/b/eio/x", 0, -EIO),
		FAIL("/a/b", "eio", 0, -EIO),
		FAIL("/", "/a/rel/../eio/x", 0, -EIO),
		/* ".." still needs its directory looked up. */
		FAIL("/", "/denied/../a", 0, -EACCES),
		/* A walk that never reaches a failing node is not affected. */
		OK("/", "/a/b/c/../../file", 0, "/a/file"),
	};

	(void)state;
	RUN(cases);
}

struct lexical_case {
	const char *path;
	size_t size; /* 0: PATH_MAX */
	const char *want;
	int err;
};

#define LEX_OK(p, s, w)                                                                            \
	{                                                                                          \
		.path = (p), .size = (s), .want = (w)                                              \
	}
#define LEX_FAIL(p, s, e)                                                                          \
	{                                                                                          \
		.path = (p), .size = (s), .err = (e)                                               \
	}

static int run_lexical(const struct lexical_case *cases, size_t n)
{
	int failed = 0;

	for (size_t i = 0; i < n; i++) {
		const struct lexical_case *c = &cases[i];
		size_t size = c->size ? c->size : PATH_MAX;
		char got[PATH_MAX + 16], b1[128], b2[128], b3[128];
		bool over = false;
		int r;

		memset(got, 0x7f, sizeof(got));
		r = canon_lexical(c->path, got, size);
		for (size_t j = size; j < sizeof(got); j++)
			over = over || got[j] != 0x7f;
		if (c->want ? r != 0 || strcmp(got, c->want) != 0 : r != c->err) {
			print_error("case %zu: canon_lexical(%s, %zu): want %s, got %s\n", i,
				    show(c->path, b1, sizeof(b1)), size,
				    c->want ? show(c->want, b2, sizeof(b2)) : errname(c->err),
				    r < 0 ? errname(r) : show(got, b3, sizeof(b3)));
			failed++;
		}
		if (over) {
			print_error("case %zu: canon_lexical(%s, %zu): wrote past size\n", i,
				    show(c->path, b1, sizeof(b1)), size);
			failed++;
		}
	}
	return failed;
}

static void test_canon_lexical__cleans_up(void **state)
{
	static const struct lexical_case cases[] = {
		LEX_OK("/", 0, "/"),
		LEX_OK("//", 0, "/"),
		LEX_OK("/a/b", 0, "/a/b"),
		LEX_OK("/a/b/", 0, "/a/b"),
		LEX_OK("/a//b///c//", 0, "/a/b/c"),
		LEX_OK("/./a/./b/.", 0, "/a/b"),
		LEX_OK("/a/b/..", 0, "/a"),
		LEX_OK("/a/b/c/../../d", 0, "/a/d"),
		LEX_OK("/..", 0, "/"),
		LEX_OK("/../../a/../../b", 0, "/b"),
		LEX_OK("/a/..", 0, "/"),
		LEX_OK("/a/.../.b/..c", 0, "/a/.../.b/..c"),
		LEX_FAIL("", 0, -EINVAL),
		LEX_FAIL("a/b", 0, -EINVAL),
		LEX_FAIL("./a", 0, -EINVAL),
		LEX_FAIL("../a", 0, -EINVAL),
	};

	(void)state;
	assert_int_equal(run_lexical(cases, ARRAY_SIZE(cases)), 0);
}

static void test_canon_lexical__size_limits(void **state)
{
	_cleanup_free_ char *n4094 = rep('x', PATH_MAX - 2), *n4095 = rep('x', PATH_MAX - 1);
	_cleanup_free_ char *ok = xasprintf("/%s", n4094), *too_long = xasprintf("/%s", n4095);
	_cleanup_free_ char *ok_slash = xasprintf("/%s/", n4094);
	const struct lexical_case cases[] = {
		LEX_OK("/ab", 4, "/ab"),
		LEX_FAIL("/abc", 4, -ENAMETOOLONG),
		LEX_OK("/a/../b", 3, "/b"),
		LEX_OK("/", 2, "/"),
		LEX_OK("//.", 2, "/"),
		LEX_FAIL("/", 1, -EINVAL),
		LEX_OK(ok, 0, ok),
		LEX_OK(ok_slash, 0, ok),
		LEX_FAIL(too_long, 0, -ENAMETOOLONG),
	};

	(void)state;
	assert_int_equal(run_lexical(cases, ARRAY_SIZE(cases)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		QTEST(test_canon_resolve__dot_and_dotdot),
		QTEST(test_canon_resolve__slash_runs),
		QTEST(test_canon_resolve__absolute_links_restart_at_guest_root),
		QTEST(test_canon_resolve__relative_links_from_link_dir),
		QTEST(test_canon_resolve__link_chains),
		QTEST(test_canon_resolve__loop_is_eloop),
		QTEST(test_canon_resolve__forty_links_ok_41_eloop),
		QTEST(test_canon_resolve__intermediate_errors),
		QTEST(test_canon_resolve__missing_last_is_fine),
		QTEST(test_canon_resolve__last_link_follow_flag),
		QTEST(test_canon_resolve__trailing_slash),
		QTEST(test_canon_resolve__trailing_dot_kept),
		QTEST(test_canon_resolve__relative_to_base),
		QTEST(test_canon_resolve__empty_path),
		QTEST(test_canon_resolve__name_max),
		QTEST(test_canon_resolve__path_max),
		QTEST(test_canon_resolve__opaque_keeps_rest),
		QTEST(test_canon_resolve__lookup_error_passed_through),
		QTEST(test_canon_lexical__cleans_up),
		QTEST(test_canon_lexical__size_limits),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
