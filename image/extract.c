/*
 * ADD's archives: a local tar (plain, gzip, bzip2, xz or zstd) unpacked into a directory of a
 * root filesystem, as docker's ADD does: owners and modes from the archive, mtimes kept.
 * Every name is resolved inside the rootfs (RESOLVE_IN_ROOT: the archive's and the image's
 * symlinks are the guest's), so nothing lands outside it; ".." in a name is refused. Files
 * are new inodes renamed into place (nothing shared with a snapshot changes), and each thing
 * made is reported with the attributes the guest must see (a user cannot chown or mknod).
 */
#include "image/image-internal.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>

bool image_is_archive(int fd)
{
	unsigned char m[264] = { 0 };
	ssize_t n = pread(fd, m, sizeof(m), 0);

	if (n < 6)
		return false;
	return (m[0] == 0x1f && m[1] == 0x8b) || !memcmp(m, "BZh", 3) ||
	       (m[0] == 0xfd && !memcmp(m + 1, "7zXZ", 4)) ||
	       (m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd) ||
	       (n >= 262 && !memcmp(m + 257, "ustar", 5));
}

struct xctx {
	int root;
	const char *dest;
	const struct image_extract_opts *o;
	struct qerr *err;
};

static int open_in_root(int root, const char *path, int flags)
{
	struct open_how how = { .flags = (uint64_t)(flags | O_CLOEXEC),
				.resolve = RESOLVE_IN_ROOT };

	return (int)syscall(SYS_openat2, root, path, &how, sizeof(how));
}

static int report(struct xctx *x, int dirfd, const char *name, const struct image_attr *a)
{
	struct stat st;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW | (*name ? 0 : AT_EMPTY_PATH)) < 0)
		return qerr_set_errno(x->err, -errno, "ADD: cannot read what it unpacked");
	x->o->made(x->o->data, &st, a);
	return 0;
}

int image_dir_in_root(int root, const char *dir, mode_t mode,
		      int (*made)(void *data, int dirfd, const char *name), void *data, int *ret_fd,
		      bool *ret_making)
{
	_cleanup_free_ char *copy = xstrdup(dir), *so_far = xstrdup("/");
	int fd = open_in_root(root, "/", O_PATH | O_DIRECTORY), e;
	char *tok, *save = NULL;

	*ret_making = false;
	for (char *s = copy; fd >= 0 && (tok = strtok_r(s, "/", &save)); s = NULL) {
		/* from the root each time: a symlink met on the way is the guest's, rooted there */
		char *next_path = xasprintf("%s%s%s", so_far, so_far[1] ? "/" : "", tok);
		int next = open_in_root(root, next_path, O_PATH | O_DIRECTORY);

		if (next < 0 && errno == ENOENT) {
			if (mkdirat(fd, tok, mode) < 0 || made(data, fd, tok) < 0) {
				e = -errno;
				free(next_path);
				close(fd);
				*ret_making = true;
				return e;
			}
			next = open_in_root(root, next_path, O_PATH | O_DIRECTORY);
		}
		free(so_far);
		so_far = next_path;
		close(fd);
		fd = next;
	}
	if (fd < 0)
		return -errno;
	*ret_fd = fd;
	return 0;
}

/* A directory ADD made on the way: 0755, root's. */
static int made_dir(void *data, int dirfd, const char *name)
{
	struct image_attr a = { .mode = S_IFDIR | 0755 };

	return report(data, dirfd, name, &a);
}

/* The directory of guest path dir, made (0755, root's) where missing. */
static int parent_of(struct xctx *x, const char *dir, int *ret)
{
	bool making;
	int r = image_dir_in_root(x->root, dir, 0755, made_dir, x, ret, &making);

	if (r < 0)
		return qerr_set_errno(x->err, r, making ? "ADD: cannot create '%s'" : "ADD: '%s'",
				      dir);
	return 0;
}

static int write_data(struct xctx *x, struct archive *a, int dfd, const char *name, mode_t mode)
{
	_cleanup_free_ char *tmp = xasprintf(".qrun-add-%d-%s", (int)getpid(), name);
	_cleanup_close_ int fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	char buf[65536];
	la_ssize_t n;

	if (fd < 0)
		return qerr_set_errno(x->err, -errno, "ADD: cannot write '%s'", name);
	while ((n = archive_read_data(a, buf, sizeof(buf))) > 0) {
		if (write_all(fd, buf, (size_t)n) < 0) {
			(void)unlinkat(dfd, tmp, 0);
			return qerr_set_errno(x->err, -errno, "ADD: cannot write '%s'", name);
		}
	}
	if (n < 0 || fchmod(fd, mode) < 0 || renameat(dfd, tmp, dfd, name) < 0) {
		(void)unlinkat(dfd, tmp, 0);
		return n < 0
			   ? qerr_set(x->err, -EIO, "ADD: '%s': %s", name, archive_error_string(a))
			   : qerr_set_errno(x->err, -errno, "ADD: cannot write '%s'", name);
	}
	return 0;
}

static int one_entry(struct xctx *x, struct archive *a, struct archive_entry *e)
{
	_cleanup_free_ char *clean = NULL, *guest = NULL, *dir = NULL;
	_cleanup_close_ int dfd = -1;
	mode_t type = archive_entry_filetype(e);
	struct image_attr at = { .uid = (uint32_t)archive_entry_uid(e),
				 .gid = (uint32_t)archive_entry_gid(e),
				 .mode = type | (archive_entry_mode(e) & 07777),
				 .rdev = archive_entry_rdev(e) };
	mode_t host = (at.mode & 07777) | (x->o->rootless ? (type == AE_IFDIR ? 0700 : 0600) : 0);
	struct timespec ts[2] = { { .tv_sec = archive_entry_mtime(e) },
				  { .tv_sec = archive_entry_mtime(e) } };
	const char *name, *slash;
	struct stat old;
	int r;

	r = layer_normalise(archive_entry_pathname(e) ? archive_entry_pathname(e) : "", &clean,
			    "ADD", x->err);
	if (r < 0)
		return r;
	if (!*clean)
		return 0; /* "./" */
	guest = xasprintf("%s/%s", x->dest, clean);
	slash = strrchr(guest, '/');
	dir = xstrndup(guest, (size_t)(slash - guest));
	name = slash + 1;
	r = parent_of(x, *dir ? dir : "/", &dfd);
	if (r < 0)
		return r;
	if (x->o->chown) {
		at.uid = x->o->uid;
		at.gid = x->o->gid;
	}
	if (fstatat(dfd, name, &old, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR(old.st_mode) &&
	    type != AE_IFREG && unlinkat(dfd, name, 0) < 0)
		return qerr_set_errno(x->err, -errno, "ADD: cannot replace '%s'", guest);
	switch (type) {
	case AE_IFDIR:
		if (mkdirat(dfd, name, host) < 0 && errno != EEXIST)
			return qerr_set_errno(x->err, -errno, "ADD: cannot create '%s'", guest);
		break;
	case AE_IFREG:
		if (archive_entry_hardlink(e)) {
			_cleanup_free_ char *target = NULL, *tguest = NULL;
			_cleanup_close_ int tfd = -1;

			r = layer_normalise(archive_entry_hardlink(e), &target, "ADD", x->err);
			if (r < 0)
				return r;
			tguest = xasprintf("%s/%s", x->dest, target);
			tfd = open_in_root(x->root, tguest, O_PATH | O_NOFOLLOW);
			if (tfd < 0 || linkat(tfd, "", dfd, name, AT_EMPTY_PATH) < 0)
				return qerr_set_errno(x->err, -errno, "ADD: cannot link '%s'",
						      guest);
			return 0; /* the same inode: reported when it was made */
		}
		r = write_data(x, a, dfd, name, host);
		if (r < 0)
			return r;
		break;
	case AE_IFLNK:
		if (symlinkat(archive_entry_symlink(e), dfd, name) < 0)
			return qerr_set_errno(x->err, -errno, "ADD: cannot create '%s'", guest);
		return report(x, dfd, name, &at);
	case AE_IFIFO:
		if (mkfifoat(dfd, name, host) < 0)
			return qerr_set_errno(x->err, -errno, "ADD: cannot create '%s'", guest);
		break;
	case AE_IFCHR:
	case AE_IFBLK:
		/* a user cannot make a device: an empty file, a device for the guest */
		if (x->o->rootless ? mknodat(dfd, name, S_IFREG | host, 0) < 0
				   : mknodat(dfd, name, type | host, (dev_t)at.rdev) < 0)
			return qerr_set_errno(x->err, -errno, "ADD: cannot create '%s'", guest);
		break;
	default:
		return 0;
	}
	(void)utimensat(dfd, name, ts, AT_SYMLINK_NOFOLLOW);
	return report(x, dfd, name, &at);
}

int image_extract(int fd, const char *rootfs, const char *dest, const struct image_extract_opts *o,
		  struct qerr *err)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	struct xctx x = { .dest = dest, .o = o, .err = err };
	int r = 0, ar;

	if (!a)
		abort();
	x.root = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (x.root < 0) {
		archive_read_free(a);
		return qerr_set_errno(err, -errno, "cannot open '%s'", rootfs);
	}
	archive_read_support_filter_gzip(a);
	archive_read_support_filter_bzip2(a);
	archive_read_support_filter_xz(a);
	archive_read_support_filter_zstd(a);
	archive_read_support_format_tar(a);
	if (archive_read_open_fd(a, fd, 65536) != ARCHIVE_OK)
		r = qerr_set(err, -EINVAL, "ADD: not an archive: %s", archive_error_string(a));
	while (r >= 0 && (ar = archive_read_next_header(a, &e)) == ARCHIVE_OK)
		r = one_entry(&x, a, e);
	if (r >= 0 && ar != ARCHIVE_EOF)
		r = qerr_set(err, -EINVAL, "ADD: damaged archive: %s", archive_error_string(a));
	archive_read_free(a);
	close(x.root);
	return r;
}
