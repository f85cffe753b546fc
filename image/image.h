#pragma once
/*
 * image: the local image store ($QRUN_ROOT).
 *
 * The store is an OCI image layout (oci-layout, index.json, blobs/sha256/...) that skopeo and
 * umoci can read, plus unpacked layer chains:
 *
 *   blobs/sha256/<hex>                 exact bytes, verified (size, then sha256) before landing
 *   index.json                         one entry per tag; annotation org.opencontainers.image
 *                                      .ref.name = the full normalised reference; untagged
 *                                      images have no annotation
 *   snapshots/<chainid hex>/rootfs/    the root filesystem of a layer chain (ChainID, as the
 *                                      OCI image spec defines it); immutable once renamed in
 *   snapshots/<chainid hex>/meta       rootless only, see "Ownership metadata" below
 *   tmp/                               work in progress; prune empties it
 *   lock                               flock: shared by every qrun process using the store,
 *                                      exclusive for garbage collection
 *   index.lock                         flock: exclusive around read-modify-write of index.json
 *
 * Writes are atomic: a temp name under tmp/, fsync, rename. A killed load leaves files only in
 * tmp/ (or whole, verified but unreferenced blobs), which prune removes.
 *
 * Ownership metadata (unprivileged unpack): the user cannot chown, create device nodes, or keep
 * a file it cannot read. Snapshots then hold files owned by the user with at least u+rw (dirs
 * u+rwx), device nodes as empty regular files, and `meta` records the truth for every entry
 * that differs from "owned by 0:0 with the mode found on disk". Text, one entry per line:
 *
 *   # qrun-meta 1
 *   PATH<TAB>MODE<TAB>UID<TAB>GID<TAB>RDEV
 *
 * PATH is relative to rootfs/, without a leading "./", with backslash, tab, newline and
 * non-printable bytes written as \\ \t \n and \ooo (octal); MODE is st_mode in octal (type
 * bits included: 0100644, 0020666 for a char device); RDEV is MAJOR:MINOR, or 0:0. Lines are
 * sorted bytewise by PATH. The tracer's fake-root identity reads this file.
 */

#include <sys/stat.h>

#include "common/common.h"
#include "specs/specs.h"

/* One entry of a rootless snapshot's ownership metadata (format above). */
struct image_owner {
	char *path; /* relative to rootfs/ */
	uint32_t mode, uid, gid;
	uint64_t rdev;
};

/*
 * Read the ownership metadata file at path (a container's copy of its snapshot's `meta`) into
 * *ret (n entries, sorted by path; free with image_owners_free). A missing file is 0 entries.
 */
int image_owners_read(const char *path, struct image_owner **ret, size_t *ret_n, struct qerr *err);
void image_owners_free(struct image_owner *v, size_t n);

/*
 * The store directory qrun uses when neither --root nor QRUN_ROOT says otherwise:
 * /var/lib/qrun for root, else $XDG_DATA_HOME/qrun, else ~/.local/share/qrun.
 * Returns 0 and a heap string, or -ENOENT when no home directory can be found.
 */
int image_store_default_root(char **ret_path, struct qerr *err);

struct image_store;

/*
 * Open (creating when missing) the store at root and take the shared store lock, which is
 * held until image_store_close(). Fails with a message naming root.
 */
int image_store_open(const char *root, struct image_store **ret_store, struct qerr *err);
struct image_store *image_store_close(struct image_store *s);
/* The store's directory. Borrowed. */
const char *image_store_root(const struct image_store *s);

/*
 * Progress of a long transfer, for the command line to draw. label names the thing ("blob
 * 1a2b3c4d5e6f", "layer 2/3"); total is 0 when unknown. Any member may be NULL.
 */
struct image_progress {
	void (*update)(void *data, const char *label, uint64_t done, uint64_t total);
	void (*finish)(void *data, const char *label, uint64_t total);
	void *data;
};

/* ---- images in the store ------------------------------------------------------------- */

/* One tag (or one untagged image) of index.json, with what `images` shows. */
struct image_entry {
	char *ref;	  /* full normalised reference, or NULL when untagged */
	char *repository; /* familiar repository ("busybox"), or NULL */
	char *tag;	  /* or NULL */
	char *digest;	  /* the manifest or index digest */
	char *media_type; /* of that manifest or index */
	char *id;	  /* config digest; the index digest for multi-platform images */
	char *created;	  /* from the config (first manifest for an index), or NULL */
	int64_t size;	  /* config + layers (compressed), of all platforms */
};

void image_entry_release(struct image_entry *e);
void image_entries_free(struct image_entry *v, size_t n);

/* Every entry of index.json, in index order. */
int image_list(struct image_store *s, struct image_entry **ret_v, size_t *ret_n, struct qerr *err);

/*
 * Find an image: a reference (short names normalised, docker.io/library/...), NAME@DIGEST,
 * or an image ID (sha256:HEX or a unique hex prefix of at least 4 digits). -ENOENT with
 * "image 'x': no such image in ROOT" when nothing matches; -EINVAL for a malformed name;
 * -EEXIST-style ambiguity is -ENOTUNIQ.
 */
int image_find(struct image_store *s, const char *name, struct image_entry *ret_entry,
	       struct qerr *err);

/* One platform's image, opened: the documents as stored (bytes) and parsed. */
struct image {
	struct image_entry entry;
	char *manifest_digest;
	char *manifest_json; /* exact bytes, NUL-terminated */
	size_t manifest_len;
	struct spec_manifest manifest;
	char *config_json; /* exact bytes, NUL-terminated */
	size_t config_len;
	struct spec_image_config config;
};

/*
 * Find name and open the manifest for platform (NULL: the host's; for a single-manifest
 * image with platform NULL any architecture is accepted). For an index with no match: -ENOENT
 * and a message listing the platforms it offers. An explicit platform that a single-manifest
 * image does not match: -ENOENT naming both.
 */
int image_open(struct image_store *s, const char *name, const struct spec_platform *platform,
	       struct image **ret_image, struct qerr *err);
struct image *image_free(struct image *img);
/* Open one platform's manifest by its digest (a container's image, whatever its tags now). */
int image_open_manifest(struct image_store *s, const char *digest, struct image **ret_image,
			struct qerr *err);

/* Add tag target for what source names. */
int image_tag(struct image_store *s, const char *source, const char *target, struct qerr *err);

/*
 * Remove an image: by reference, the tag; by ID, every tag of it (more than one tag needs
 * force, as docker). Calls report(line, data) for "Untagged: x" and "Deleted: sha256:..."
 * lines; blobs and snapshots are deleted at once when no other qrun process uses the store
 * (otherwise the next prune does it).
 */
int image_remove(struct image_store *s, const char *name, bool force,
		 void (*report)(const char *line, void *data), void *data, struct qerr *err);

/*
 * Garbage collection: takes the store lock exclusively (waiting for other qrun processes),
 * removes blobs and snapshots nothing in index.json refers to, and everything in tmp/.
 * Returns bytes freed.
 */
int image_prune(struct image_store *s, uint64_t *ret_freed, struct qerr *err);

/* ---- moving images in and out ---------------------------------------------------------- */

/*
 * Import a root filesystem tarball (plain, gzip, xz, bzip2, zstd) read from fd as a one-layer
 * image tagged name. platform NULL: detected from the ELF programs inside (-EINVAL when none
 * is found). gzip and zstd tarballs are stored as given, plain tars as tar; xz and bzip2 (not
 * OCI layer types) are stored decompressed. edit (or NULL) changes the config before it is
 * stored (import --change). Returns the image ID (config digest).
 */
struct image_import_edit {
	int (*fn)(void *data, struct spec_image_config *cfg, struct qerr *err);
	void *data;
};

int image_import(struct image_store *s, int fd, const char *name,
		 const struct spec_platform *platform, const struct image_import_edit *edit,
		 const struct image_progress *progress, char **ret_id, struct qerr *err);

/*
 * Load an OCI image layout (a directory, or a tar of one) or a docker-archive (legacy docker
 * save, skopeo, docker 25+), compressed or not. path is a directory or a file; NULL reads a
 * tar from fd. Every blob is verified before the index changes; on failure the store is left
 * as it was. report(line, data) gets "Loaded image: busybox:latest" or
 * "Loaded image ID: sha256:...".
 */
int image_load(struct image_store *s, const char *path, int fd,
	       const struct image_progress *progress, void (*report)(const char *line, void *data),
	       void *data, struct qerr *err);

enum image_save_format {
	IMAGE_SAVE_OCI,
	IMAGE_SAVE_DOCKER, /* docker 25+: an OCI layout plus manifest.json */
};

/* Write names as one uncompressed tar to fd. */
int image_save(struct image_store *s, char *const *names, size_t n, enum image_save_format format,
	       int fd, struct qerr *err);

/* ---- registries (OCI distribution API) ---------------------------------------------------- */

struct image_pull_opts {
	const struct spec_platform *platform; /* NULL: the host's */
	bool all_platforms;		      /* every manifest of an index, and the index */
	bool tls_no_verify;		      /* --tls-verify=false */
	const char *cert_dir;		      /* --cert-dir, or NULL: certs.d directories */
	uint64_t chunk_size; /* push: > 0 sends larger blobs in PATCH chunks of this size */
};

/*
 * Pull name (normalised as docker does: "busybox" is docker.io/library/busybox:latest) from
 * its registry into the store and tag it as load does. Blobs the store has are not fetched;
 * the others are verified while they stream in, several at once; a .part file of a killed
 * pull is resumed. On failure the store is as it was (the message names registry,
 * repository and object). report(line, data) gets docker's lines ("HEX: Already exists",
 * "Digest: sha256:...", "Status: ..."); progress gets one label per layer (12 hex digits).
 * ret_ref (may be NULL) gets the full reference pulled ("docker.io/library/busybox:latest").
 */
int image_pull(struct image_store *s, const char *name, const struct image_pull_opts *o,
	       const struct image_progress *progress, void (*report)(const char *line, void *data),
	       void *data, char **ret_ref, struct qerr *err);

/*
 * Push the image name of the store to dest (a reference; NULL: name itself; a "docker://"
 * prefix is allowed): blobs the registry has are skipped (HEAD), the others uploaded whole
 * (POST, then PUT with the digest), the manifests last (an index after its manifests). Every
 * blob of the image must be in the store (an index pulled for one platform is not). report
 * gets docker's lines ("HEX: Pushed", "HEX: Layer already exists", "TAG: digest: D size: N").
 */
int image_push(struct image_store *s, const char *name, const char *dest,
	       const struct image_pull_opts *o, const struct image_progress *progress,
	       void (*report)(const char *line, void *data), void *data, struct qerr *err);

/*
 * Check user/pass against registry ("HOST[:PORT]"; "docker.io") with GET /v2/ (Basic, or a
 * token from the realm), then store them in auth.json as podman does
 * ($REGISTRY_AUTH_FILE, else $XDG_RUNTIME_DIR/containers/auth.json, mode 0600). ret_path
 * (may be NULL) gets the file written. Credentials appear in no message.
 */
int image_registry_login(const char *registry, const char *user, const char *pass,
			 const struct image_pull_opts *o, char **ret_path, struct qerr *err);
/* Remove registry's entry from auth.json; -ENOENT when there is none. */
int image_registry_logout(const char *registry, char **ret_path, struct qerr *err);
/* Write (user != NULL) or remove registry's entry of auth.json, unchecked. */
int image_registry_save_credentials(const char *registry, const char *user, const char *pass,
				    char **ret_path, struct qerr *err);

/* ---- root filesystems ------------------------------------------------------------------ */

/*
 * Make sure the layer chain of img is unpacked in the store (each missing ChainID level is
 * unpacked once, on top of the one below) and return the snapshot directory
 * (ROOT/snapshots/HEX, holding rootfs/ and, for unprivileged users, meta).
 */
int image_snapshot(struct image_store *s, const struct image *img,
		   const struct image_progress *progress, char **ret_dir, struct qerr *err);

/*
 * Write img's root filesystem into dir (absent or empty; created), as independent copies of
 * the snapshot (reflinks when the filesystem can, else copies; hard links inside the image are
 * kept). As root, ownership is applied; otherwise files belong to the user and get the image's
 * modes. On failure dir is removed again (or emptied when it existed).
 */
int image_unpack(struct image_store *s, const struct image *img, const char *dir,
		 const struct image_progress *progress, struct qerr *err);

/* libarchive's version line (loads it). Borrowed. */
const char *image_archive_version(void);

/*
 * A container's root filesystem at dir (created; must not exist): a hard-link farm of img's
 * snapshot, cheap in time and disk. Files are shared with the snapshot: whoever writes into
 * dir must copy a file up first (the tracer's copy_up does). For unprivileged users the
 * snapshot's meta file is copied to meta_path (when not NULL).
 */
int image_container_rootfs(struct image_store *s, const struct image *img, const char *dir,
			   const char *meta_path, const struct image_progress *progress,
			   char **ret_snapshot_id, struct qerr *err);

/*
 * Keep dir, a container rootfs made by image_container_rootfs from snapshot id that nothing
 * changed, for the next container of that snapshot (moved away with one rename). -EEXIST
 * when enough spares are kept already: then the caller removes dir itself.
 */
int image_spare_put(struct image_store *s, const char *id, const char *dir, struct qerr *err);

/*
 * Keep what the manifest or index digest refers to alive in garbage collection (prune and
 * rmi's clean-up), although no tag names it: containers made from an image call this.
 */
void image_store_pin(struct image_store *s, const char *digest);

/* ---- changes and layers (changes.c, layer-write.c) --------------------------------------- */

/* What a guest sees of a file: owner, mode (type included) and device number. */
struct image_attr {
	uint32_t uid, gid, mode;
	uint64_t rdev;
};

/*
 * A root filesystem and how to read its files' owners (NULL attr: the host's lstat). Runtime
 * passes the tracer's view of a container (recorded owners, emulated device nodes).
 */
struct image_tree {
	const char *dir;
	void (*attr)(void *data, const struct stat *st, struct image_attr *ret);
	void *data;
};

enum image_change_kind {
	IMAGE_CHANGE_ADDED = 'A',
	IMAGE_CHANGE_CHANGED = 'C',
	IMAGE_CHANGE_DELETED = 'D',
};

struct image_change {
	char *path;    /* relative to the root, no leading "/" */
	char kind;     /* enum image_change_kind */
	bool replaced; /* C: the image had a file of another type here (whiteout it first) */
	bool opaque;   /* C of a directory: every name the image had in it is gone */
};

/*
 * The changes of upper, a container rootfs made by image_container_rootfs, against lower,
 * its image's snapshot (NULL or a NULL dir: everything is added), in walk order: parents
 * before children, names bytewise. A deleted directory is one D. Changed files' parents are
 * C (docker's diff). Free with image_changes_free.
 */
int image_changes(const struct image_tree *lower, const struct image_tree *upper,
		  struct image_change **ret_v, size_t *ret_n, struct qerr *err);
void image_changes_free(struct image_change *v, size_t n);

/* How image_layer_write writes entries. */
struct image_layer_opts {
	int64_t clamp_mtime; /* >= 0: later mtimes become this (SOURCE_DATE_EPOCH); < 0: kept */
	bool gzip;	     /* compress (gzip, no name or time, level 6) */
};

/*
 * Write the changes v of tree as a layer tar to fd (export: all of a tree, with lower NULL):
 * entries in v's order, whiteouts (.wh.NAME, .wh..wh..opq) for deletions, hard links kept
 * within the layer, numeric owners from tree->attr and nothing else that varies (no
 * atime/ctime, no user names, no pax noise), so the same files give the same bytes. When
 * ret_diff_id is not NULL it gets the sha256 of the uncompressed tar.
 */
int image_layer_write(const struct image_tree *tree, const struct image_change *v, size_t n,
		      const struct image_layer_opts *o, int fd, char *ret_diff_id,
		      struct qerr *err);

/* A layer in the store. */
struct image_layer_desc {
	char digest[72];  /* of the blob (gzip) */
	char diff_id[72]; /* of the tar */
	int64_t size;
};

/*
 * Write the changes v of tree as a gzip layer into the store (image_layer_write's rules; mtimes
 * clamped to clamp_mtime when >= 0).
 */
int image_layer_create(struct image_store *s, const struct image_tree *tree,
		       const struct image_change *v, size_t n, int64_t clamp_mtime,
		       struct image_layer_desc *ret, struct qerr *err);
/*
 * Store an image: base's layers (base NULL: none) then layers, with config (the caller's
 * bytes, whose diff_ids must match), as an OCI manifest; tagged name when not NULL, listed
 * untagged when name is NULL and listed (commit), or not in index.json at all (a build's
 * steps: prune removes them). ret_manifest gets the manifest's digest.
 */
int image_create(struct image_store *s, const struct image *base,
		 const struct image_layer_desc *layers, size_t n_layers, const char *config,
		 size_t config_len, const char *name, bool listed, char ret_manifest[72],
		 struct qerr *err);

/*
 * An OCI index of stored manifests (each's platform from its config), stored and listed as
 * name (or untagged): a multi-platform build. ret_digest gets the index's digest.
 */
int image_create_index(struct image_store *s, char (*manifests)[72], size_t n, const char *name,
		       char ret_digest[72], struct qerr *err);
/* ---- ADD's archives (extract.c) ---- */

/* Does fd start like a tar archive (plain, gzip, bzip2, xz or zstd)? */
bool image_is_archive(int fd);

struct image_extract_opts {
	bool rootless; /* keep u+rw(x) on the host; devices as empty files */
	bool chown;    /* owners uid:gid instead of the archive's */
	uint32_t uid, gid;
	/* each file made, with the attributes its guests must see */
	void (*made)(void *data, const struct stat *st, const struct image_attr *a);
	void *data;
};

/*
 * Open guest directory dir of the root filesystem at fd root (O_PATH), making each missing
 * component with mode and then made(data, its parent's fd, its name), which may fail with
 * -errno. Every step resolves from root with RESOLVE_IN_ROOT, so a symlink on the way is the
 * guest's, rooted at root. Returns 0 and *ret_fd, or -errno (*ret_making: while making one).
 */
int image_dir_in_root(int root, const char *dir, mode_t mode,
		      int (*made)(void *data, int dirfd, const char *name), void *data, int *ret_fd,
		      bool *ret_making);

/*
 * Unpack the tar archive fd into guest directory dest of rootfs (created where missing),
 * every name resolved inside rootfs. -errno with a message on a bad or unsafe archive.
 */
int image_extract(int fd, const char *rootfs, const char *dest, const struct image_extract_opts *o,
		  struct qerr *err);

/* List a stored manifest in index.json: tagged name, or untagged (name NULL). */
int image_name(struct image_store *s, const char *manifest, const char *name, struct qerr *err);

/* "sha256:HEX" -> "HEX" (borrowed). */
static inline const char *digest_hex_of(const char *digest)
{
	return strncmp(digest, "sha256:", 7) == 0 ? digest + 7 : digest;
}

/* sha256 for callers outside image/ (a build's cache keys); image_hash_final frees h. */
struct image_hash;
struct image_hash *image_hash_new(void);
void image_hash_update(struct image_hash *h, const void *buf, size_t len);
void image_hash_final(struct image_hash *h, char ret_digest[72]);
