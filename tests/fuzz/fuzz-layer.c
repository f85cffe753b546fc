#include "tests/fuzz/fuzz.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "image/image-internal.h"

/*
 * Layer reading: apply the input as a layer (any compression) to an empty tree, with the
 * rootless metadata path on. Whatever the bytes, the result is success or one printable error,
 * and nothing appears beside the tree: "outside" must stay empty.
 */

static char *base;

static bool empty_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *de;
	bool empty = true;

	FUZZ_CHECK(d != NULL);
	while ((de = readdir(d)))
		empty &= !strcmp(de->d_name, ".") || !strcmp(de->d_name, "..");
	closedir(d);
	return empty;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_free_ char *root = NULL, *outside = NULL;
	struct meta *meta = meta_new();
	struct qerr err = { 0 };
	int fd, r;

	if (!base) {
		base = xstrdup("/tmp/qrun-fuzz-layer.XXXXXX");
		FUZZ_CHECK(mkdtemp(base) != NULL);
	}
	root = xasprintf("%s/root", base);
	outside = xasprintf("%s/outside", base);
	FUZZ_CHECK(mkdir(root, 0755) == 0);
	FUZZ_CHECK(mkdir(outside, 0755) == 0);
	fd = memfd_create("layer", MFD_CLOEXEC);
	FUZZ_CHECK(fd >= 0);
	FUZZ_CHECK(write_all(fd, data, size) == 0);
	FUZZ_CHECK(lseek(fd, 0, SEEK_SET) == 0);
	r = layer_apply(&(struct layer_apply){ .blob_fd = fd,
					       .blob_size = size,
					       .what = "layer",
					       .dir = root,
					       .meta = meta,
					       .label = "fuzz" },
			&err);
	if (r < 0)
		fuzz_check_message(&err);
	FUZZ_CHECK(empty_dir(outside));
	close(fd);
	meta_free(meta);
	FUZZ_CHECK(rm_rf_at(AT_FDCWD, root) == 0);
	FUZZ_CHECK(rmdir(outside) == 0);
	return 0;
}
