#pragma once
/* image/ internals shared between its files; see image.h for the store layout. */

#include <sys/stat.h>

#include "image/image.h"

struct image_store {
	char *root;   /* owned, absolute */
	int root_fd;  /* O_PATH|O_DIRECTORY */
	int lock_fd;  /* "lock", held shared (exclusive during gc) */
	int blobs_fd; /* blobs/sha256 */
	int tmp_fd;   /* tmp */
	char **pins;  /* digests kept alive by containers (image_store_pin) */
	size_t n_pins;
};

/* ---- digest.c: the only libcrypto user ------------------------------------------------- */

struct digest;

struct digest *digest_new(void);
void digest_update(struct digest *d, const void *buf, size_t len);
/* "sha256:<64 hex>" into out (72 bytes); the digest can be reused after digest_reset. */
void digest_final(struct digest *d, char out[72]);
void digest_reset(struct digest *d);
struct digest *digest_free(struct digest *d);
void digest_buffer(const void *buf, size_t len, char out[72]);
/* The 64 hex digits of a valid "sha256:..." digest. */
static inline const char *digest_hex(const char *digest)
{
	return digest + 7;
}

/* ---- store.c --------------------------------------------------------------------------- */

/* Read index.json (an empty index when the file is empty or missing). */
int store_read_index(struct image_store *s, struct spec_index *ret_idx, struct qerr *err);
/*
 * Read-modify-write of index.json under index.lock: fn edits idx and returns <0 to abort
 * (nothing written), 0 to write, 1 for "no change".
 */
int store_update_index(struct image_store *s,
		       int (*fn)(struct spec_index *idx, void *data, struct qerr *err), void *data,
		       struct qerr *err);
/* Write data to dirfd/name atomically (tmp under the store, fsync, rename, fsync dir). */
int store_write_atomic(struct image_store *s, int dirfd, const char *name, const void *data,
		       size_t len, struct qerr *err);
/* mkdtemp under tmp/: returns the name relative to tmp/ and an absolute path. */
int store_mkdtemp(struct image_store *s, const char *prefix, char **ret_path, struct qerr *err);
/* Try to take the store lock exclusively; -EWOULDBLOCK when another qrun uses the store. */
int store_lock_exclusive(struct image_store *s, bool wait);
void store_lock_shared(struct image_store *s);

/* ---- blob.c ---------------------------------------------------------------------------- */

/* Is the blob in the store? */
bool blob_exists(struct image_store *s, const char *digest);
/* Open a blob for reading (O_RDONLY|O_CLOEXEC). */
int blob_open(struct image_store *s, const char *digest, struct qerr *err);
/*
 * Read a small blob (a manifest, index or config, at most 4 MiB) and check its digest again.
 * NUL-terminated heap buffer.
 */
int blob_read_small(struct image_store *s, const char *digest, char **ret_buf, size_t *ret_len,
		    struct qerr *err);
/* Store buf as a blob (no-op when present) and return its digest. */
int blob_put_buffer(struct image_store *s, const void *buf, size_t len, char ret_digest[72],
		    struct qerr *err);

/*
 * A blob being written: data goes to a file in a staging directory while it is hashed;
 * blob_writer_commit checks the expectation (when given) and renames it into blobs/.
 */
struct blob_writer {
	int fd;
	char *path; /* owned, staging file */
	struct digest *digest;
	uint64_t size;
};

int blob_writer_open(struct blob_writer *w, const char *dirpath, struct qerr *err);
/*
 * Open (or create) a staging file at a fixed path to go on writing it: takes an exclusive
 * flock (waiting for another qrun writing it), hashes what is there already and positions at
 * its end. blob_writer_release unlinks it.
 */
int blob_writer_resume(struct blob_writer *w, const char *path, struct qerr *err);
/* Throw away what was written so far (the source starts again from byte 0). */
int blob_writer_restart(struct blob_writer *w, struct qerr *err);
int blob_writer_write(struct blob_writer *w, const void *buf, size_t len, struct qerr *err);
/* Finish hashing: fsync; ret_digest gets the digest of what was written. */
int blob_writer_finish(struct blob_writer *w, char ret_digest[72], struct qerr *err);
void blob_writer_release(struct blob_writer *w);
/*
 * Move a finished, verified staging file at path into the blob store under digest
 * (no-op, and the staging file removed, when the blob is already there).
 */
int blob_adopt(struct image_store *s, const char *path, const char *digest, struct qerr *err);
/*
 * Check a staged or stored blob against a descriptor: size first, then digest; the message
 * names the blob. what is "layer", "config"...
 */
int blob_check(const char *what, const char *digest_want, int64_t size_want, const char *digest_got,
	       uint64_t size_got, struct qerr *err);

/* ---- gc.c: collect what index.json does not reach (store lock held exclusively) ----------- */
int gc_collect(struct image_store *s, bool drop_cache, uint64_t *ret_freed, struct qerr *err);

/* ---- image.c: add loaded or imported images to index.json --------------------------------- */

struct index_add {
	struct spec_descriptor desc; /* without annotations */
	char *ref;		     /* full normalised reference, or NULL: untagged */
};

/* Tag each (replacing the tag's previous image) or add it untagged when not present. */
int index_add_all(struct image_store *s, const struct index_add *v, size_t n, struct qerr *err);

/* ---- resolve.c: names → index entries ------------------------------------------------- */

/* Fill e from an index descriptor (reads the manifest/index and config blobs). */
int entry_from_descriptor(struct image_store *s, const struct spec_descriptor *d,
			  struct image_entry *e, struct qerr *err);
/* The descriptor for a manifest of an index that matches platform, or -ENOENT + list. */
int resolve_platform(struct image_store *s, const char *name, const struct spec_index *idx,
		     const struct spec_platform *want, struct spec_descriptor *ret,
		     struct qerr *err);
/* Index entry positions naming an image: see image_find. */
int resolve_name(struct image_store *s, const struct spec_index *idx, const char *name,
		 size_t **ret_pos, size_t *ret_n, bool *ret_by_id, struct qerr *err);

/* ---- meta.c: rootless ownership metadata (format in image.h) ---------------------------- */

struct meta_entry {
	char *path;
	mode_t mode;
	uid_t uid;
	gid_t gid;
	dev_t rdev;
};

struct meta;

struct meta *meta_new(void);
struct meta *meta_free(struct meta *m);
/* Load from a file (missing file: empty). */
int meta_load(struct meta *m, int dirfd, const char *name, struct qerr *err);
int meta_save(const struct meta *m, int dirfd, const char *name, struct qerr *err);
void meta_set(struct meta *m, const char *path, mode_t mode, uid_t uid, gid_t gid, dev_t rdev);
/* Remove path and, when it is a directory, everything below it. */
void meta_remove_tree(struct meta *m, const char *path);
/* Remove path's own record. */
void meta_remove(struct meta *m, const char *path);
/* Remove everything below path, keeping path itself. */
void meta_remove_children(struct meta *m, const char *path);
const struct meta_entry *meta_get(const struct meta *m, const char *path);
size_t meta_count(const struct meta *m);
/* Entries sorted by path; borrowed array of borrowed pointers, valid until the next change. */
const struct meta_entry *const *meta_sorted(struct meta *m);

/* ---- layer.c: applying one layer (libarchive) ----------------------------------------- */

struct layer_apply {
	int blob_fd; /* the layer blob, compressed as stored */
	uint64_t blob_size;
	const char *what;    /* "layer sha256:abcd..." for messages */
	const char *diff_id; /* expected digest of the uncompressed tar */
	const char *dir;     /* the target tree (absolute) */
	struct meta *meta;   /* rootless: updated; NULL as root */
	const struct image_progress *progress;
	const char *label;
};

/*
 * Apply one layer on top of dir: OCI whiteouts, safe names, ownership as root or into meta.
 * Nothing is created or followed outside dir: a name with "..", an absolute name, a name or
 * hard-link target that goes through a symlink fail with -EPERM-style errors naming the entry.
 */
int layer_apply(const struct layer_apply *la, struct qerr *err);

/*
 * Scan a layer for the platform of its ELF programs (bin/, sbin/, usr/bin, ...). Also
 * computes the diff_id. -ENOENT in ret when no ELF is found (still returns 0).
 */
int layer_scan(int fd, char ret_diff_id[72], struct spec_platform *ret_platform, bool *ret_found,
	       struct qerr *err);

/* ---- archive.c: container archives in and out (libarchive) ------------------------------ */

/*
 * Stream a (possibly compressed) tar from fd into the staging directory dir: every regular
 * file becomes a staged file with its digest and size; symlinks and small JSON files are kept
 * in memory. Used by load.
 */
struct archive_file {
	char *name;   /* normalised path inside the archive */
	char *link;   /* symlink target (normalised, relative to the archive root) or NULL */
	char *staged; /* staging file path, or NULL for non-regular entries */
	char digest[72];
	uint64_t size;
	char *data; /* contents when small (<= 4 MiB) and a .json / oci-layout / repositories */
	size_t data_len;
	size_t data_cap;
};

struct archive_files {
	struct archive_file *v;
	size_t n;
};

int archive_stage(int fd, const char *dir, int dirfd, const struct image_progress *progress,
		  struct archive_files *ret, struct qerr *err);
void archive_files_release(struct archive_files *f);
/* Find a file by name, following symlinks inside the archive. */
const struct archive_file *archive_files_find(const struct archive_files *f, const char *name);

/* Write the decompressed stream of in (xz, bzip2, gzip, zstd or plain) to out. */
int archive_decompress(int in, int out, struct qerr *err);

/* A tar writer for save. */
struct tar_out;

struct tar_out *tar_out_new(int fd, struct qerr *err);
int tar_out_buffer(struct tar_out *t, const char *name, const void *buf, size_t len,
		   struct qerr *err);
int tar_out_dir(struct tar_out *t, const char *name, struct qerr *err);
int tar_out_file(struct tar_out *t, const char *name, int fd, uint64_t size, struct qerr *err);
int tar_out_close(struct tar_out *t, struct qerr *err);
struct tar_out *tar_out_free(struct tar_out *t);

/* ---- tree.c: copying trees ---------------------------------------------------------------- */

/* A set of inodes (tree.c): hard links in copies, usage, layers. */
struct ino_slot {
	dev_t dev;
	ino_t ino;
	char *path; /* the first name seen (a copy: relative to dst) */
	nlink_t seen;
	bool used;
};

struct ino_map {
	struct ino_slot *v;
	size_t n, cap;
};

/* The slot of (dev, ino), added when new. */
struct ino_slot *ino_get(struct ino_map *m, dev_t dev, ino_t ino);
void ino_release(struct ino_map *m);

/*
 * Normalise a tar name (layer.c): strip "./", collapse "//" and "." components, drop a
 * trailing "/"; absolute names and ".." are refused (-EPERM, what names the archive).
 */
int layer_normalise(const char *raw, char **ret, const char *what, struct qerr *err);

/* layer-write.c: image_layer_write to any sink (out gets the bytes as stored) */
int layer_write(const struct image_tree *tree, const struct image_change *v, size_t n,
		const struct image_layer_opts *o,
		int (*out)(void *data, const void *buf, size_t len, struct qerr *err), void *data,
		char *ret_diff_id, struct qerr *err);

enum tree_copy_mode {
	TREE_LINK, /* hard-link every non-directory (snapshot on top of the one below) */
	TREE_COPY, /* independent copies: reflink, else copy_file_range */
};

/*
 * Copy the tree src into dst (an existing empty directory), keeping types, modes, times,
 * xattrs and, as root, ownership; hard links between files of src are kept in TREE_COPY.
 */
int tree_copy(const char *src, const char *dst, enum tree_copy_mode mode, struct qerr *err);
/* Bytes used by a tree (st_blocks * 512, each inode once). */
uint64_t tree_usage(int dirfd, const char *name);

/* ---- libarchive-lazy.c, libcurl-lazy.c: libraries loaded on first use ------------------ */

/*
 * The address of name in the library soname, which is dlopen'ed into *lib the first time. A
 * missing library or symbol is an installation error: abort with a message, like xmalloc.
 */
void *lazy_sym(void **lib, const char *soname, const char *name);

/* Define name with the library's own prototype, forwarding to the real one (found by get). */
#define LAZY_FORWARD(get, ret, name, params, args)                                                 \
	ret name params                                                                            \
	{                                                                                          \
		static ret(*fn) params;                                                            \
		if (!fn)                                                                           \
			fn = (ret(*) params)get(#name);                                            \
		return fn args;                                                                    \
	}

/* ---- digest.c, too --------------------------------------------------------------------------- */

/* ChainIDs of diff_ids (OCI image spec): chain[0] = diff[0], chain[n] = sha256(chain[n-1] + " " +
 * diff[n]). */
void chain_ids(char *const *diff_ids, size_t n, char (*ret)[72]);
