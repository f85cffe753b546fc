/*
 * libarchive, loaded on first use. Linking it outright costs every qrun command ~15 ms at
 * start-up (it drags in libxml2, ICU and libstdc++), although only import, load, save and the
 * first unpack of a layer need it; `qrun run` of a cached image and `qrun chroot` never do.
 * Each function image/ uses is defined here with libarchive's own prototype (archive.h) and
 * forwards to the real one, found with dlopen/dlsym the first time any is called. A missing
 * library is a programmer/installation error: abort with a message, like xmalloc.
 *
 * qrun does not link libarchive, so it exports none of these names and libarchive's internal
 * calls reach its own functions. Programs that do link it (unit tests, fuzzers) export them:
 * libarchive's calls then take one more hop through here to the same function. Variadic
 * functions (archive_set_error) cannot be forwarded and are not used.
 */
#include "image/image-internal.h"

#include <archive.h>
#include <archive_entry.h>
#include <dlfcn.h>

#define LIBARCHIVE_SONAME "libarchive.so.13"

void *lazy_sym(void **lib, const char *soname, const char *name)
{
	void *p;

	if (!*lib) {
		*lib = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
		if (!*lib) {
			fprintf(stderr, "qrun: cannot load %s: %s\n", soname, dlerror());
			abort();
		}
	}
	p = dlsym(*lib, name);
	if (!p) {
		fprintf(stderr, "qrun: %s has no '%s'\n", soname, name);
		abort();
	}
	return p;
}

static void *sym(const char *name)
{
	static void *lib;

	return lazy_sym(&lib, LIBARCHIVE_SONAME, name);
}

#define LAZY(ret, name, params, args) LAZY_FORWARD(sym, ret, name, params, args)

LAZY(struct archive_entry *, archive_entry_new, (void), ())
LAZY(struct archive_entry *, archive_entry_clear, (struct archive_entry * e), (e))
LAZY(void, archive_entry_free, (struct archive_entry * e), (e))
LAZY(mode_t, archive_entry_filetype, (struct archive_entry * e), (e))
LAZY(mode_t, archive_entry_mode, (struct archive_entry * e), (e))
LAZY(la_int64_t, archive_entry_gid, (struct archive_entry * e), (e))
LAZY(la_int64_t, archive_entry_uid, (struct archive_entry * e), (e))
LAZY(dev_t, archive_entry_rdev, (struct archive_entry * e), (e))
LAZY(time_t, archive_entry_mtime, (struct archive_entry * e), (e))
LAZY(la_int64_t, archive_entry_size, (struct archive_entry * e), (e))
LAZY(const char *, archive_entry_hardlink, (struct archive_entry * e), (e))
LAZY(const char *, archive_entry_pathname, (struct archive_entry * e), (e))
LAZY(const char *, archive_entry_symlink, (struct archive_entry * e), (e))
LAZY(void, archive_entry_set_filetype, (struct archive_entry * e, unsigned int t), (e, t))
LAZY(void, archive_entry_set_gid, (struct archive_entry * e, la_int64_t v), (e, v))
LAZY(void, archive_entry_set_uid, (struct archive_entry * e, la_int64_t v), (e, v))
LAZY(void, archive_entry_set_hardlink, (struct archive_entry * e, const char *s), (e, s))
LAZY(void, archive_entry_set_pathname, (struct archive_entry * e, const char *s), (e, s))
LAZY(void, archive_entry_set_mtime, (struct archive_entry * e, time_t t, long ns), (e, t, ns))
LAZY(void, archive_entry_set_perm, (struct archive_entry * e, mode_t m), (e, m))
LAZY(void, archive_entry_set_rdev, (struct archive_entry * e, dev_t d), (e, d))
LAZY(void, archive_entry_set_symlink, (struct archive_entry * e, const char *s), (e, s))
LAZY(void, archive_entry_set_size, (struct archive_entry * e, la_int64_t s), (e, s))
LAZY(const char *, archive_error_string, (struct archive * a), (a))
LAZY(la_int64_t, archive_filter_bytes, (struct archive * a, int n), (a, n))
LAZY(la_ssize_t, archive_read_data, (struct archive * a, void *b, size_t n), (a, b, n))
LAZY(int, archive_read_data_block, (struct archive * a, const void **b, size_t *n, la_int64_t *o),
     (a, b, n, o))
LAZY(int, archive_read_free, (struct archive * a), (a))
LAZY(struct archive *, archive_read_new, (void), ())
LAZY(int, archive_read_next_header, (struct archive * a, struct archive_entry **e), (a, e))
LAZY(int, archive_read_open,
     (struct archive * a, void *d, archive_open_callback *o, archive_read_callback *r,
      archive_close_callback *c),
     (a, d, o, r, c))
LAZY(int, archive_read_open_fd, (struct archive * a, int fd, size_t bs), (a, fd, bs))
LAZY(int, archive_read_support_filter_bzip2, (struct archive * a), (a))
LAZY(int, archive_read_support_filter_gzip, (struct archive * a), (a))
LAZY(int, archive_read_support_filter_xz, (struct archive * a), (a))
LAZY(int, archive_read_support_filter_zstd, (struct archive * a), (a))
LAZY(int, archive_read_support_format_raw, (struct archive * a), (a))
LAZY(int, archive_read_support_format_tar, (struct archive * a), (a))
LAZY(int, archive_write_add_filter_gzip, (struct archive * a), (a))
LAZY(int, archive_write_open2,
     (struct archive * a, void *d, archive_open_callback *o, archive_write_callback *w,
      archive_close_callback *c, archive_free_callback *f),
     (a, d, o, w, c, f))
LAZY(int, archive_write_set_bytes_per_block, (struct archive * a, int n), (a, n))
LAZY(int, archive_write_set_format_raw, (struct archive * a), (a))
LAZY(int, archive_write_set_options, (struct archive * a, const char *o), (a, o))
LAZY(int, archive_write_close, (struct archive * a), (a))
LAZY(la_ssize_t, archive_write_data, (struct archive * a, const void *b, size_t n), (a, b, n))
LAZY(la_ssize_t, archive_write_data_block,
     (struct archive * a, const void *b, size_t n, la_int64_t o), (a, b, n, o))
LAZY(struct archive *, archive_write_disk_new, (void), ())
LAZY(int, archive_write_disk_set_options, (struct archive * a, int f), (a, f))
LAZY(int, archive_write_finish_entry, (struct archive * a), (a))
LAZY(int, archive_write_free, (struct archive * a), (a))
LAZY(int, archive_write_header, (struct archive * a, struct archive_entry *e), (a, e))
LAZY(struct archive *, archive_write_new, (void), ())
LAZY(int, archive_write_open_fd, (struct archive * a, int fd), (a, fd))
LAZY(int, archive_write_set_bytes_in_last_block, (struct archive * a, int n), (a, n))
LAZY(int, archive_write_set_format_pax_restricted, (struct archive * a), (a))
LAZY(const char *, archive_version_details, (void), ())

const char *image_archive_version(void)
{
	return archive_version_details();
}
