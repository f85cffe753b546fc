#include "tests/unit/harness.h"

#include <dirent.h>
#include <sys/stat.h>

#include "tracer/tracer-internal.h"

/*
 * The bind table with real directories in the case's temp dir. In expected paths and bind
 * specs '@' stands for that temp dir, resolved (binds_init and tracer_bind_parse use realpath,
 * and TMPDIR may go through a symlink). Table-driven cases print every mismatch, then fail.
 */

/* tmpl with every '@' replaced by the resolved temp dir. */
static char *expand(const char *tmpl)
{
	_cleanup_free_ char *root = realpath(qtest_tmpdir(), NULL);
	size_t n = 0, rlen;
	char *s, *o;

	assert_non_null(root);
	rlen = strlen(root);
	for (const char *p = tmpl; *p; p++)
		n += *p == '@' ? rlen : 1;
	s = o = xmalloc(n + 1);
	for (const char *p = tmpl; *p; p++) {
		if (*p == '@') {
			memcpy(o, root, rlen);
			o += rlen;
		} else {
			*o++ = *p;
		}
	}
	*o = '\0';
	return s;
}

static void mk(const char *rel)
{
	assert_int_equal(mkdir(rel, 0755), 0);
}

static void mk_link(const char *target, const char *rel)
{
	assert_int_equal(symlink(target, rel), 0);
}

struct fixture {
	struct tracer_bind b[8];
	size_t n;
	struct tracer_config c;
	struct bind_table t;
	char *rootfs;
};

/* A bind of host (a template, '@' is the temp dir) at guest. */
static void add_bind(struct fixture *f, const char *host, const char *guest, bool ro)
{
	assert_true(f->n < ARRAY_SIZE(f->b));
	f->b[f->n].host = expand(host);
	f->b[f->n].guest = xstrdup(guest);
	f->b[f->n].readonly = ro;
	f->n++;
}

static void fixture_init(struct fixture *f, bool default_binds)
{
	struct qerr err = { 0 };

	f->rootfs = expand("@/rootfs");
	f->c.rootfs = f->rootfs;
	f->c.binds = f->b;
	f->c.n_binds = f->n;
	f->c.default_binds = default_binds;
	assert_int_equal(binds_init(&f->t, &f->c, &err), 0);
}

static void fixture_release(struct fixture *f)
{
	binds_release(&f->t);
	for (size_t i = 0; i < f->n; i++)
		tracer_bind_release(&f->b[i]);
	free(f->rootfs);
	memset(f, 0, sizeof(*f));
}

/* rootfs/etc/x, the tree most cases use. */
static void make_rootfs(void)
{
	mk("rootfs");
	mk("rootfs/etc");
	qtest_write_file("rootfs/etc/x", "x\n");
}

enum map_dir {
	TO_HOST,
	TO_GUEST,
};

struct map_case {
	const char *from; /* '@' is the temp dir */
	const char *want; /* '@' is the temp dir; NULL: err expected */
	int index;	  /* bind index expected, or -errno */
};

#define MAP(f, w, i)                                                                               \
	{                                                                                          \
		.from = (f), .want = (w), .index = (i)                                             \
	}
#define MAP_FAIL(f, e)                                                                             \
	{                                                                                          \
		.from = (f), .index = (e)                                                          \
	}

static int run_map(const struct bind_table *t, enum map_dir dir, const struct map_case *cases,
		   size_t n)
{
	static const char sentinel[] = "untouched";
	const char *fn = dir == TO_HOST ? "binds_to_host" : "binds_to_guest";
	int failed = 0;

	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *from = expand(cases[i].from);
		_cleanup_free_ char *want = cases[i].want ? expand(cases[i].want) : NULL;
		char got[PATH_MAX];
		int r;

		memcpy(got, sentinel, sizeof(sentinel));
		if (dir == TO_HOST)
			r = binds_to_host(t, from, got, sizeof(got));
		else
			r = binds_to_guest(t, from, got, sizeof(got));
		if (r != cases[i].index || (want && strcmp(got, want) != 0)) {
			print_error("case %zu: %s('%s'): want %d '%s', got %d '%s'\n", i, fn, from,
				    cases[i].index, want ? want : "", r, r >= 0 ? got : "");
			failed++;
		} else if (!want && strcmp(got, sentinel) != 0) {
			print_error("case %zu: %s('%s'): ret written on error: '%s'\n", i, fn, from,
				    got);
			failed++;
		}
	}
	return failed;
}

static void test_binds_to_host__rootfs(void **state)
{
	static const struct map_case cases[] = {
		MAP("/etc/x", "@/rootfs/etc/x", 0),
		MAP("/etc", "@/rootfs/etc", 0),
		MAP("/", "@/rootfs", 0),
		MAP("/missing/y", "@/rootfs/missing/y", 0),
		/* Canonical results of canon_resolve keep a trailing "/" or "/.". */
		MAP("/etc/", "@/rootfs/etc/", 0),
		MAP("/etc/.", "@/rootfs/etc/.", 0),
		MAP_FAIL("relative", -ENOENT),
	};
	struct fixture f = { 0 };

	(void)state;
	make_rootfs();
	fixture_init(&f, false);
	assert_int_equal(f.t.n, 1);
	assert_int_equal(run_map(&f.t, TO_HOST, cases, ARRAY_SIZE(cases)), 0);
	fixture_release(&f);
}

static void test_binds_to_host__dir_and_file_binds(void **state)
{
	static const struct map_case cases[] = {
		MAP("/mnt/data", "@/data", 1),	    MAP("/mnt/data/sub/f", "@/data/sub/f", 1),
		MAP("/mnt/data/", "@/data/", 1),    MAP("/mnt", "@/rootfs/mnt", 0),
		MAP("/etc/hosts", "@/hostfile", 2), MAP("/etc/x", "@/rootfs/etc/x", 0),
	};
	struct fixture f = { 0 };

	(void)state;
	make_rootfs();
	mk("data");
	qtest_write_file("hostfile", "127.0.0.1 localhost\n");
	add_bind(&f, "@/data", "/mnt/data", false);
	add_bind(&f, "@/hostfile", "/etc/hosts", true);
	fixture_init(&f, false);
	assert_int_equal(f.t.n, 3);
	assert_false(f.t.v[1].readonly);
	assert_true(f.t.v[2].readonly);
	assert_int_equal(run_map(&f.t, TO_HOST, cases, ARRAY_SIZE(cases)), 0);
	fixture_release(&f);
}

static void test_binds_to_host__prefix_is_whole_components(void **state)
{
	static const struct map_case cases[] = {
		MAP("/a", "@/h", 1),
		MAP("/a/b", "@/h/b", 1),
		MAP("/ab", "@/rootfs/ab", 0),
		MAP("/ab/c", "@/rootfs/ab/c", 0),
		MAP("/a.b", "@/rootfs/a.b", 0),
	};
	struct fixture f = { 0 };

	(void)state;
	make_rootfs();
	mk("h");
	add_bind(&f, "@/h", "/a", false);
	fixture_init(&f, false);
	assert_int_equal(run_map(&f.t, TO_HOST, cases, ARRAY_SIZE(cases)), 0);
	fixture_release(&f);
}

static void test_binds_to_host__longest_guest_prefix_wins(void **state)
{
	/* The same answers whatever the order on the command line. */
	static const struct map_case outer_first[] = {
		MAP("/mnt", "@/outer", 1),	   MAP("/mnt/x", "@/outer/x", 1),
		MAP("/mnt/in", "@/inner", 2),	   MAP("/mnt/in/x/y", "@/inner/x/y", 2),
		MAP("/mnt/inx", "@/outer/inx", 1),
	};
	static const struct map_case inner_first[] = {
		MAP("/mnt", "@/outer", 2),	   MAP("/mnt/x", "@/outer/x", 2),
		MAP("/mnt/in", "@/inner", 1),	   MAP("/mnt/in/x/y", "@/inner/x/y", 1),
		MAP("/mnt/inx", "@/outer/inx", 2),
	};
	struct fixture f = { 0 };
	int failed;

	(void)state;
	make_rootfs();
	mk("outer");
	mk("inner");
	add_bind(&f, "@/outer", "/mnt", false);
	add_bind(&f, "@/inner", "/mnt/in", false);
	fixture_init(&f, false);
	failed = run_map(&f.t, TO_HOST, outer_first, ARRAY_SIZE(outer_first));
	fixture_release(&f);

	add_bind(&f, "@/inner", "/mnt/in", false);
	add_bind(&f, "@/outer", "/mnt", false);
	fixture_init(&f, false);
	failed += run_map(&f.t, TO_HOST, inner_first, ARRAY_SIZE(inner_first));
	fixture_release(&f);
	assert_int_equal(failed, 0);
}

static void test_binds_to_host__later_wins_for_equal_guest(void **state)
{
	static const struct map_case cases[] = {
		MAP("/mnt", "@/second", 2),
		MAP("/mnt/x", "@/second/x", 2),
	};
	static const struct map_case over_root[] = {
		MAP("/etc/x", "@/newroot/etc/x", 1),
	};
	struct fixture f = { 0 };
	int failed;

	(void)state;
	make_rootfs();
	mk("first");
	mk("second");
	mk("newroot");
	add_bind(&f, "@/first", "/mnt", false);
	add_bind(&f, "@/second", "/mnt", false);
	fixture_init(&f, false);
	failed = run_map(&f.t, TO_HOST, cases, ARRAY_SIZE(cases));
	fixture_release(&f);

	/* A bind on "/" is later than the rootfs (entry 0). */
	add_bind(&f, "@/newroot", "/", false);
	fixture_init(&f, false);
	failed += run_map(&f.t, TO_HOST, over_root, ARRAY_SIZE(over_root));
	fixture_release(&f);
	assert_int_equal(failed, 0);
}

static void test_binds_to_host__default_binds(void **state)
{
	static const struct map_case cases[] = {
		MAP("/dev/null", "/dev/null", 1),
		MAP("/proc/self/exe", "/proc/self/exe", 2),
		MAP("/sys", "/sys", 3),
		MAP("/devx", "@/rootfs/devx", 0),
		MAP("/etc/x", "@/rootfs/etc/x", 0),
		/* A config bind comes after the defaults, so it wins over /dev. */
		MAP("/dev/shm", "@/shm", 4),
		MAP("/dev/shm/a", "@/shm/a", 4),
	};
	struct stat st;
	struct fixture f = { 0 };

	(void)state;
	if (stat("/dev", &st) < 0 || stat("/proc", &st) < 0 || stat("/sys", &st) < 0)
		skip();
	make_rootfs();
	mk("shm");
	add_bind(&f, "@/shm", "/dev/shm", false);
	fixture_init(&f, true);
	assert_int_equal(f.t.n, 5);
	assert_int_equal(run_map(&f.t, TO_HOST, cases, ARRAY_SIZE(cases)), 0);
	fixture_release(&f);
}

/*
 * Not --privileged: docker's read-only /proc paths and /sys are read-only binds of themselves,
 * its masked /proc files are /dev/null, and /dev/null is never shown as a masked file (fd 0 of
 * a guest read "/proc/keys" once).
 */
static void test_binds_init__docker_paths(void **state)
{
	struct fixture f = { 0 };
	char got[PATH_MAX];
	struct stat st;
	int r;

	(void)state;
	if (stat("/proc/sys", &st) < 0 || stat("/proc/keys", &st) < 0 || stat("/sys", &st) < 0)
		skip();
	make_rootfs();
	f.c.restrict_privileges = true;
	fixture_init(&f, true);
	r = binds_to_host(&f.t, "/proc/sys/kernel/core_pattern", got, sizeof(got));
	assert_true(r > 3);
	assert_true(f.t.v[r].readonly);
	assert_string_equal(got, "/proc/sys/kernel/core_pattern");
	r = binds_to_host(&f.t, "/sys/kernel", got, sizeof(got));
	assert_true(r > 3 && f.t.v[r].readonly);
	r = binds_to_host(&f.t, "/proc/self/status", got, sizeof(got));
	assert_int_equal(r, 2); /* the rest of /proc: the default bind */
	r = binds_to_host(&f.t, "/proc/keys", got, sizeof(got));
	assert_true(r > 3 && f.t.v[r].readonly);
	assert_string_equal(got, "/dev/null");
	r = binds_to_guest(&f.t, "/dev/null", got, sizeof(got));
	assert_int_equal(r, 1);
	assert_string_equal(got, "/dev/null");
	fixture_release(&f);

	/* --privileged: none of them */

	f.c.restrict_privileges = false;
	fixture_init(&f, true);
	assert_int_equal(binds_to_host(&f.t, "/proc/sys/kernel", got, sizeof(got)), 2);
	assert_int_equal(binds_to_host(&f.t, "/proc/keys", got, sizeof(got)), 2);
	fixture_release(&f);
}

static void test_binds_to_host__small_buffer(void **state)
{
	struct fixture f = { 0 };
	_cleanup_free_ char *want = NULL;
	char small[8], *exact;
	size_t len;

	(void)state;
	make_rootfs();
	fixture_init(&f, false);
	assert_int_equal(binds_to_host(&f.t, "/etc/x", small, sizeof(small)), -ENAMETOOLONG);
	want = expand("@/rootfs/etc/x");
	len = strlen(want);
	exact = xmalloc(len + 1);
	assert_int_equal(binds_to_host(&f.t, "/etc/x", exact, len + 1), 0);
	assert_string_equal(exact, want);
	assert_int_equal(binds_to_host(&f.t, "/etc/x", exact, len), -ENAMETOOLONG);
	free(exact);
	fixture_release(&f);
}

static void test_binds_to_guest__longest_host_prefix_wins(void **state)
{
	/* The rootfs is inside the host dir of the /outer bind: the rootfs is the longer match. */
	static const struct map_case cases[] = {
		MAP("@/rootfs/etc/x", "/etc/x", 0),
		MAP("@/rootfs", "/", 0),
		MAP("@/rootfs/", "/", 0),
		MAP("@/other/f", "/outer/other/f", 1),
		MAP("@", "/outer", 1),
		MAP("@/rootfsx", "/outer/rootfsx", 1),
		MAP("@/data", "/mnt/data", 2),
		MAP("@/data/sub", "/mnt/data/sub", 2),
		MAP("@/hostfile", "/etc/hosts", 3),
	};
	struct fixture f = { 0 };

	(void)state;
	make_rootfs();
	mk("other");
	mk("data");
	qtest_write_file("hostfile", "");
	add_bind(&f, "@", "/outer", false);
	add_bind(&f, "@/data", "/mnt/data", false);
	add_bind(&f, "@/hostfile", "/etc/hosts", false);
	fixture_init(&f, false);
	assert_int_equal(run_map(&f.t, TO_GUEST, cases, ARRAY_SIZE(cases)), 0);
	fixture_release(&f);
}

static void test_binds_to_guest__outside_is_enoent(void **state)
{
	static const struct map_case cases[] = {
		/* The host's own files, and the directory that holds the rootfs. */
		MAP_FAIL("/usr/bin/env", -ENOENT),
		MAP_FAIL("/", -ENOENT),
		MAP_FAIL("@", -ENOENT),
		/* Siblings that share a prefix of characters, not of components. */
		MAP_FAIL("@/rootfsx", -ENOENT),
		MAP_FAIL("@/rootf", -ENOENT),
		/* A directory next to the rootfs that no bind names. */
		MAP_FAIL("@/data", -ENOENT),
		MAP("@/rootfs/etc", "/etc", 0),
	};
	struct fixture f = { 0 };

	(void)state;
	make_rootfs();
	mk("data");
	fixture_init(&f, false);
	assert_int_equal(run_map(&f.t, TO_GUEST, cases, ARRAY_SIZE(cases)), 0);
	fixture_release(&f);
}

static void test_binds_is_ancestor__strict_guest_ancestors(void **state)
{
	static const struct {
		const char *guest;
		bool want;
	} cases[] = {
		/* Strict ancestors of /mnt/a/b: directories the guest must be able to walk. */
		{ "/", true },
		{ "/mnt", true },
		{ "/mnt/a", true },
		/* The bind itself, what is below it, and names that only share characters. */
		{ "/mnt/a/b", false },
		{ "/mnt/a/b/c", false },
		{ "/mn", false },
		{ "/mnt/ab", false },
		{ "/mnt/a/bc", false },
		/* A one-component bind has no ancestor but "/". */
		{ "/opt", false },
		{ "/opt/x", false },
		{ "/etc", false },
	};
	struct fixture f = { 0 };
	int failed = 0;

	(void)state;
	make_rootfs();
	mk("h1");
	mk("h2");
	add_bind(&f, "@/h1", "/mnt/a/b", false);
	add_bind(&f, "@/h2", "/opt", false);
	fixture_init(&f, false);
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		if (binds_is_ancestor(&f.t, cases[i].guest) != cases[i].want) {
			print_error("case %zu: binds_is_ancestor('%s'): want %d\n", i,
				    cases[i].guest, cases[i].want);
			failed++;
		}
	}
	fixture_release(&f);

	/* The rootfs alone makes no virtual directories. */
	fixture_init(&f, false);
	assert_false(binds_is_ancestor(&f.t, "/"));
	fixture_release(&f);
	assert_int_equal(failed, 0);
}

static void test_binds_init__bad_rootfs(void **state)
{
	struct fixture f = { 0 };
	struct qerr err = { 0 };

	(void)state;
	f.c.rootfs = "missing";
	assert_int_equal(binds_init(&f.t, &f.c, &err), -ENOENT);
	assert_int_equal(err.code, -ENOENT);
	assert_non_null(strstr(err.msg, "'missing'"));
	binds_release(&f.t);

	qtest_write_file("file", "");
	f.c.rootfs = "file";
	qerr_clear(&err);
	assert_int_equal(binds_init(&f.t, &f.c, &err), -ENOTDIR);
	assert_int_equal(err.code, -ENOTDIR);
	assert_non_null(strstr(err.msg, "'file'"));
	binds_release(&f.t);
}

struct parse_case {
	const char *spec; /* '@' is the temp dir */
	int err;
	const char *host; /* '@' is the temp dir */
	const char *guest;
	bool ro;
};

#define PARSE(s, h, g, r)                                                                          \
	{                                                                                          \
		.spec = (s), .host = (h), .guest = (g), .ro = (r)                                  \
	}
#define PARSE_FAIL(s, e)                                                                           \
	{                                                                                          \
		.spec = (s), .err = (e)                                                            \
	}

static void test_tracer_bind_parse__specs(void **state)
{
	static const struct parse_case cases[] = {
		PARSE("@/data", "@/data", "@/data", false),
		PARSE("@/data:/mnt", "@/data", "/mnt", false),
		PARSE("@/data:/mnt:ro", "@/data", "/mnt", true),
		PARSE("@/data:/mnt:rw", "@/data", "/mnt", false),
		PARSE("@/data:ro", "@/data", "@/data", true),
		PARSE("@/data:rw", "@/data", "@/data", false),
		PARSE("@/hostfile:/etc/hosts:ro", "@/hostfile", "/etc/hosts", true),
		PARSE("@/data:/", "@/data", "/", false),
		/* The host is made canonical through the file system, relative to the cwd. */
		PARSE("data:/mnt", "@/data", "/mnt", false),
		PARSE("@/lnk:/mnt", "@/data", "/mnt", false),
		PARSE("@/data/../data/./:/mnt", "@/data", "/mnt", false),
		/* The guest only lexically. */
		PARSE("@/data:/mnt//sub/./x/../", "@/data", "/mnt/sub", false),
		PARSE("@/data:/../../mnt", "@/data", "/mnt", false),
		PARSE("@/data:/mnt/lnk/..", "@/data", "/mnt", false),
		/* Bad options and empty parts. */
		PARSE_FAIL("@/data:/mnt:rx", -EINVAL),
		PARSE_FAIL("@/data:/mnt:RO", -EINVAL),
		PARSE_FAIL("@/data:/mnt:", -EINVAL),
		PARSE_FAIL("@/data:/mnt:ro:rw", -EINVAL),
		PARSE_FAIL("", -EINVAL),
		PARSE_FAIL(":/mnt", -EINVAL),
		PARSE_FAIL(":/mnt:ro", -EINVAL),
		PARSE_FAIL("@/data:", -EINVAL),
		PARSE_FAIL("@/data::ro", -EINVAL),
		/* A relative guest. */
		PARSE_FAIL("@/data:mnt", -EINVAL),
		PARSE_FAIL("@/data:mnt:ro", -EINVAL),
		PARSE_FAIL("@/data:rox", -EINVAL),
		/* A host that is not there. */
		PARSE_FAIL("@/missing:/mnt", -ENOENT),
		PARSE_FAIL("@/missing", -ENOENT),
		PARSE_FAIL("@/hostfile/x:/mnt", -ENOTDIR),
	};
	int failed = 0;

	(void)state;
	mk("data");
	qtest_write_file("hostfile", "");
	mk_link("data", "lnk");
	for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
		const struct parse_case *c = &cases[i];
		_cleanup_free_ char *spec = expand(c->spec);
		_cleanup_free_ char *host = c->host ? expand(c->host) : NULL;
		_cleanup_free_ char *guest = c->guest ? expand(c->guest) : NULL;
		struct tracer_bind b = { 0 };
		struct qerr err = { 0 };
		int r = tracer_bind_parse(spec, &b, &err);

		if (c->err) {
			if (r != c->err || err.code != r || !strstr(err.msg, spec) || b.host ||
			    b.guest) {
				print_error("case %zu: tracer_bind_parse('%s'): want %d with a "
					    "message naming the spec, got %d (code %d) '%s'\n",
					    i, spec, c->err, r, err.code, err.msg);
				failed++;
			}
		} else if (r != 0 || !b.host || !b.guest || strcmp(b.host, host) != 0 ||
			   strcmp(b.guest, guest) != 0 || b.readonly != c->ro) {
			print_error("case %zu: tracer_bind_parse('%s'): want '%s' '%s' %s, got %d "
				    "'%s' '%s' %s (%s)\n",
				    i, spec, host, guest, c->ro ? "ro" : "rw", r,
				    b.host ? b.host : "", b.guest ? b.guest : "",
				    b.readonly ? "ro" : "rw", err.msg);
			failed++;
		}
		tracer_bind_release(&b);
		assert_null(b.host);
		assert_null(b.guest);
	}
	assert_int_equal(failed, 0);
}

/* ---- mount points ------------------------------------------------------------------------ */

struct lines {
	char **v;
	size_t n;
};

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* One line per entry below dir: path, type, size of files, target of links. */
static void walk(const char *dir, const char *rel, struct lines *out)
{
	_cleanup_closedir_ DIR *d = opendir(dir);
	struct dirent *e;

	assert_non_null(d);
	while ((e = readdir(d))) {
		_cleanup_free_ char *path = NULL, *sub = NULL;
		struct stat st;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		path = xasprintf("%s/%s", dir, e->d_name);
		sub = xasprintf("%s/%s", rel, e->d_name);
		assert_int_equal(lstat(path, &st), 0);
		out->v = xrealloc(out->v, (out->n + 1) * sizeof(*out->v));
		if (S_ISDIR(st.st_mode)) {
			out->v[out->n++] = xasprintf("%s d", sub);
			walk(path, sub, out);
		} else if (S_ISLNK(st.st_mode)) {
			char target[PATH_MAX];
			ssize_t n = readlink(path, target, sizeof(target) - 1);

			assert_true(n >= 0);
			target[n] = '\0';
			out->v[out->n++] = xasprintf("%s l %s", sub, target);
		} else {
			out->v[out->n++] = xasprintf("%s f %lld", sub, (long long)st.st_size);
		}
	}
}

/* The tree below dir (relative to the temp dir) as sorted lines. */
static char *tree(const char *dir)
{
	struct lines l = { 0 };
	size_t len = 1;
	char *s, *o;

	walk(dir, "", &l);
	if (l.n)
		qsort(l.v, l.n, sizeof(*l.v), cmp_str);
	for (size_t i = 0; i < l.n; i++)
		len += strlen(l.v[i]) + 1;
	s = o = xmalloc(len);
	for (size_t i = 0; i < l.n; i++) {
		size_t n = strlen(l.v[i]);

		memcpy(o, l.v[i], n);
		o[n] = '\n';
		o += n + 1;
		free(l.v[i]);
	}
	*o = '\0';
	free(l.v);
	return s;
}

static void assert_tree(const char *dir, const char *want)
{
	_cleanup_free_ char *got = tree(dir);

	assert_string_equal(got, want);
}

static void assert_type(const char *rel, mode_t type)
{
	struct stat st;

	if (lstat(rel, &st) < 0)
		fail_msg("'%s' should exist", rel);
	if ((st.st_mode & S_IFMT) != type)
		fail_msg("'%s' has the wrong type", rel);
}

static void assert_missing(const char *rel)
{
	struct stat st;

	if (lstat(rel, &st) == 0)
		fail_msg("'%s' should not exist", rel);
}

/* Every recorded mount point is below the rootfs. */
static void assert_created_in_rootfs(const struct fixture *f)
{
	size_t len = strlen(f->rootfs);

	for (size_t i = 0; i < f->t.n_created; i++) {
		if (strncmp(f->t.created[i], f->rootfs, len) != 0 || f->t.created[i][len] != '/')
			fail_msg("created '%s' outside the rootfs", f->t.created[i]);
	}
}

static void test_binds_make_mountpoints__creates_and_removes(void **state)
{
	_cleanup_free_ char *before = NULL, *data = NULL;
	struct fixture f = { 0 };

	(void)state;
	make_rootfs();
	mk("data");
	qtest_write_file("data/keep", "k");
	qtest_write_file("hostfile", "h");
	add_bind(&f, "@/data", "/mnt/a/b", false);
	add_bind(&f, "@/hostfile", "/etc/sub/conf", true);
	fixture_init(&f, false);
	before = tree("rootfs");
	data = tree("data");

	binds_make_mountpoints(&f.t);
	assert_type("rootfs/mnt", S_IFDIR);
	assert_type("rootfs/mnt/a", S_IFDIR);
	assert_type("rootfs/mnt/a/b", S_IFDIR);
	assert_type("rootfs/etc/sub", S_IFDIR);
	assert_type("rootfs/etc/sub/conf", S_IFREG);
	assert_int_equal(f.t.n_created, 5);
	assert_created_in_rootfs(&f);
	/* The host side is left alone. */
	assert_tree("data", data);
	assert_type("hostfile", S_IFREG);

	binds_remove_mountpoints(&f.t);
	assert_tree("rootfs", before);
	fixture_release(&f);
}

static void test_binds_make_mountpoints__keeps_existing(void **state)
{
	_cleanup_free_ char *before = NULL;
	struct fixture f = { 0 };

	(void)state;
	make_rootfs();
	mk("rootfs/mnt");
	mk("rootfs/opt");
	mk("data");
	mk("data2");
	qtest_write_file("hostfile", "h");
	add_bind(&f, "@/data", "/mnt", false);
	add_bind(&f, "@/data2", "/opt/new", false);
	add_bind(&f, "@/hostfile", "/etc/x", false);
	fixture_init(&f, false);
	before = tree("rootfs");

	binds_make_mountpoints(&f.t);
	/* Only /opt/new was missing. */
	assert_int_equal(f.t.n_created, 1);
	assert_type("rootfs/opt/new", S_IFDIR);
	assert_created_in_rootfs(&f);

	binds_remove_mountpoints(&f.t);
	assert_tree("rootfs", before);
	assert_type("rootfs/mnt", S_IFDIR);
	assert_type("rootfs/opt", S_IFDIR);
	assert_type("rootfs/etc/x", S_IFREG);
	fixture_release(&f);
}

static void test_binds_make_mountpoints__never_through_symlinks(void **state)
{
	_cleanup_free_ char *before = NULL, *outside = NULL;
	struct fixture f = { 0 };

	(void)state;
	make_rootfs();
	mk("outside");
	mk("data");
	qtest_write_file("hostfile", "h");
	outside = expand("@/outside");
	mk_link(outside, "rootfs/abs");
	mk_link("../outside", "rootfs/rel");
	mk_link("etc", "rootfs/inside");
	add_bind(&f, "@/data", "/abs/sub", false);
	add_bind(&f, "@/data", "/rel/sub/deep", false);
	add_bind(&f, "@/hostfile", "/abs/file", false);
	add_bind(&f, "@/data", "/inside/sub", false);
	add_bind(&f, "@/data", "/abs", false);
	fixture_init(&f, false);
	before = tree("rootfs");

	binds_make_mountpoints(&f.t);
	assert_int_equal(f.t.n_created, 0);
	assert_missing("outside/sub");
	assert_missing("outside/file");
	assert_missing("rootfs/etc/sub");
	assert_tree("outside", "");
	assert_tree("rootfs", before);

	binds_remove_mountpoints(&f.t);
	assert_tree("rootfs", before);
	fixture_release(&f);
}

static void test_binds_make_mountpoints__not_inside_another_bind(void **state)
{
	_cleanup_free_ char *before = NULL;
	struct fixture f = { 0 };
	int order;

	(void)state;
	make_rootfs();
	mk("outer");
	mk("inner");
	qtest_write_file("hostfile", "h");
	before = tree("rootfs");
	/* Both orders: the nested bind must not make "inner" in the outer bind's host dir. */
	for (order = 0; order < 2; order++) {
		if (order == 0)
			add_bind(&f, "@/outer", "/mnt", false);
		add_bind(&f, "@/inner", "/mnt/inner/deep", false);
		add_bind(&f, "@/hostfile", "/mnt/conf", false);
		if (order == 1)
			add_bind(&f, "@/outer", "/mnt", false);
		fixture_init(&f, false);

		binds_make_mountpoints(&f.t);
		assert_type("rootfs/mnt", S_IFDIR);
		assert_missing("outer/inner");
		assert_missing("outer/conf");
		/* Nor below /mnt in the rootfs, where the outer bind would hide it anyway. */
		assert_missing("rootfs/mnt/inner");
		assert_missing("rootfs/mnt/conf");
		assert_created_in_rootfs(&f);
		assert_tree("outer", "");

		binds_remove_mountpoints(&f.t);
		assert_tree("rootfs", before);
		fixture_release(&f);
	}
}

static void test_binds_make_mountpoints__equal_guest_paths(void **state)
{
	_cleanup_free_ char *before = NULL;
	struct fixture f = { 0 };

	(void)state;
	make_rootfs();
	mk("first");
	mk("second");
	add_bind(&f, "@/first", "/mnt", false);
	add_bind(&f, "@/second", "/mnt", false);
	fixture_init(&f, false);
	before = tree("rootfs");

	/* The mount point is in the rootfs, not inside either bind: it is made once. */
	binds_make_mountpoints(&f.t);
	assert_type("rootfs/mnt", S_IFDIR);
	assert_int_equal(f.t.n_created, 1);
	assert_missing("first/mnt");
	assert_missing("second/mnt");

	binds_remove_mountpoints(&f.t);
	assert_tree("rootfs", before);
	fixture_release(&f);
}

static void test_binds_remove_mountpoints__keeps_what_the_guest_wrote(void **state)
{
	struct fixture f = { 0 };

	(void)state;
	make_rootfs();
	mk("data");
	qtest_write_file("hostfile", "h");
	add_bind(&f, "@/data", "/mnt/a", false);
	add_bind(&f, "@/hostfile", "/etc/conf", false);
	fixture_init(&f, false);

	binds_make_mountpoints(&f.t);
	assert_int_equal(f.t.n_created, 3);
	qtest_write_file("rootfs/mnt/guest-file", "g");
	qtest_write_file("rootfs/etc/conf", "written");

	binds_remove_mountpoints(&f.t);
	/* /mnt/a was empty: gone; /mnt holds the guest's file: kept, as is the written conf. */
	assert_missing("rootfs/mnt/a");
	assert_type("rootfs/mnt", S_IFDIR);
	assert_type("rootfs/mnt/guest-file", S_IFREG);
	assert_type("rootfs/etc/conf", S_IFREG);
	fixture_release(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		QTEST(test_binds_to_host__rootfs),
		QTEST(test_binds_to_host__dir_and_file_binds),
		QTEST(test_binds_to_host__prefix_is_whole_components),
		QTEST(test_binds_to_host__longest_guest_prefix_wins),
		QTEST(test_binds_to_host__later_wins_for_equal_guest),
		QTEST(test_binds_to_host__default_binds),
		QTEST(test_binds_to_host__small_buffer),
		QTEST(test_binds_init__docker_paths),
		QTEST(test_binds_to_guest__longest_host_prefix_wins),
		QTEST(test_binds_to_guest__outside_is_enoent),
		QTEST(test_binds_is_ancestor__strict_guest_ancestors),
		QTEST(test_binds_init__bad_rootfs),
		QTEST(test_tracer_bind_parse__specs),
		QTEST(test_binds_make_mountpoints__creates_and_removes),
		QTEST(test_binds_make_mountpoints__keeps_existing),
		QTEST(test_binds_make_mountpoints__never_through_symlinks),
		QTEST(test_binds_make_mountpoints__not_inside_another_bind),
		QTEST(test_binds_make_mountpoints__equal_guest_paths),
		QTEST(test_binds_remove_mountpoints__keeps_what_the_guest_wrote),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
