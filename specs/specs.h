#pragma once
/*
 * specs: OCI and docker data formats as C structs, image references and platforms.
 *
 * Pure code: every parser takes a buffer, every writer returns one; nothing here touches a file.
 * Parsers validate shape (types, required fields, digest syntax, sizes >= 0) and fail with -EINVAL
 * and a one-line message naming the document and the field ("manifest: 'layers[2].digest': not
 * a sha256 digest"); unknown fields are ignored, as the OCI image spec requires. json.c is the
 * only yajl user; the rest of specs/ goes through specs-internal.h.
 *
 * Struct conventions: every char * and array is owned by the struct and freed by its _release()
 * (which accepts a zeroed or half-filled struct and leaves it zeroed). NULL means "absent".
 */

#include "common/common.h"

/* ---- media types ---------------------------------------------------------------------- */

#define SPEC_MT_OCI_LAYOUT_VERSION  "1.0.0"
#define SPEC_MT_OCI_INDEX	    "application/vnd.oci.image.index.v1+json"
#define SPEC_MT_OCI_MANIFEST	    "application/vnd.oci.image.manifest.v1+json"
#define SPEC_MT_OCI_CONFIG	    "application/vnd.oci.image.config.v1+json"
#define SPEC_MT_OCI_LAYER	    "application/vnd.oci.image.layer.v1.tar"
#define SPEC_MT_OCI_LAYER_GZIP	    "application/vnd.oci.image.layer.v1.tar+gzip"
#define SPEC_MT_OCI_LAYER_ZSTD	    "application/vnd.oci.image.layer.v1.tar+zstd"
#define SPEC_MT_DOCKER_LIST	    "application/vnd.docker.distribution.manifest.list.v2+json"
#define SPEC_MT_DOCKER_MANIFEST	    "application/vnd.docker.distribution.manifest.v2+json"
#define SPEC_MT_DOCKER_CONFIG	    "application/vnd.docker.container.image.v1+json"
#define SPEC_MT_DOCKER_LAYER	    "application/vnd.docker.image.rootfs.diff.tar"
#define SPEC_MT_DOCKER_LAYER_GZIP   "application/vnd.docker.image.rootfs.diff.tar.gzip"
#define SPEC_MT_DOCKER_LAYER_ZSTD   "application/vnd.docker.image.rootfs.diff.tar.zstd"
#define SPEC_MT_DOCKER_FOREIGN_GZIP "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"

/* Annotation keys used by the store and by docker's OCI exports. */
#define SPEC_ANNOT_REF_NAME   "org.opencontainers.image.ref.name"
#define SPEC_ANNOT_CONTAINERD "io.containerd.image.name"

enum spec_compression {
	SPEC_COMP_NONE,
	SPEC_COMP_GZIP,
	SPEC_COMP_ZSTD,
};

/* An OCI or docker image index / manifest list media type. */
bool spec_media_type_is_index(const char *mt);
/* An OCI or docker (schema 2) image manifest media type. */
bool spec_media_type_is_manifest(const char *mt);
/*
 * The compression a layer media type announces (OCI and docker, incl. foreign layers).
 * Returns 0, or -EINVAL when mt is not a layer media type we can read.
 */
int spec_layer_compression(const char *mt, enum spec_compression *ret_comp);
/* The OCI layer media type for a compression. Static string. */
const char *spec_layer_media_type(enum spec_compression comp);

/* "sha256:" followed by exactly 64 lowercase hex digits. */
bool spec_digest_valid(const char *digest);

/* ---- platforms ------------------------------------------------------------------------ */

struct spec_platform {
	char *os;	    /* "linux" */
	char *architecture; /* OCI/GOARCH name: amd64, arm, arm64, 386, ppc64le, s390x, riscv64 */
	char *variant;	    /* "v7", "v8", or NULL */
};

/*
 * Parse "OS/ARCH[/VARIANT]" or just "ARCH" (os linux). Aliases are normalised the way
 * containerd does (arch_normalize in common/arch.h): x86_64 / x86-64 → amd64, aarch64 →
 * arm64, armhf / armel / armv7l → arm (+v7/v6), i386 / i686 → 386, ppc64el → ppc64le; arm64
 * gets variant v8 when none is given and arm gets v7. -EINVAL for an empty or malformed string.
 */
int spec_platform_parse(const char *s, struct spec_platform *ret, struct qerr *err);
/* The platform of the machine qrun runs on (from uname). */
void spec_platform_host(struct spec_platform *ret);
/*
 * The platform of a row of common/arch.h (linux/ARCH[/VARIANT]), e.g. the one arch_find_elf
 * found for a program.
 */
struct arch;
void spec_platform_from_arch(const struct arch *a, struct spec_platform *ret);
/* "linux/arm/v7" (no trailing slash when there is no variant). Heap string. */
char *spec_platform_format(const struct spec_platform *p);
/*
 * Does an image for `have` satisfy a request for `want`? os and architecture must be equal
 * (after normalisation); a want without variant accepts any variant; a missing variant counts
 * as v8 for arm64 and as v7 for arm.
 */
bool spec_platform_match(const struct spec_platform *want, const struct spec_platform *have);
/* Deep copy; dst is overwritten, not released first. */
void spec_platform_copy(struct spec_platform *dst, const struct spec_platform *src);
void spec_platform_release(struct spec_platform *p);

/* ---- references ----------------------------------------------------------------------- */

/*
 * An image reference, docker's grammar (distribution/reference):
 *   [DOMAIN/]PATH[:TAG][@DIGEST]
 * The first component is a domain when it contains '.' or ':' or is "localhost". Normalised
 * on parse: no domain → "docker.io"; docker.io with a one-component path → "library/PATH";
 * no tag and no digest → tag "latest". Uppercase in the path, bad tag characters, a tag over
 * 128 characters, an invalid digest: -EINVAL with a message saying which part is wrong.
 */
struct spec_reference {
	char *domain; /* "docker.io" */
	char *path;   /* "library/busybox" */
	char *tag;    /* "latest", or NULL when only a digest was given */
	char *digest; /* "sha256:...", or NULL */
};

int spec_reference_parse(const char *s, struct spec_reference *ret, struct qerr *err);
/* The full normalised form "docker.io/library/busybox:latest[@sha256:...]". Heap string. */
char *spec_reference_format(const struct spec_reference *r);
/* The repository as docker shows it: "busybox", "quay.io/x/y", "user/repo". Heap string. */
char *spec_reference_familiar_name(const struct spec_reference *r);
/* The normalised repository "docker.io/library/busybox". Heap string. */
char *spec_reference_repository(const struct spec_reference *r);
void spec_reference_release(struct spec_reference *r);

/* ---- descriptors, index, manifest ------------------------------------------------------ */

struct spec_annotation {
	char *key;
	char *value;
};

struct spec_descriptor {
	char *media_type;
	char *digest;
	int64_t size;
	struct spec_platform *platform; /* NULL when absent */
	struct spec_annotation *annotations;
	size_t n_annotations;
};

/* The value of an annotation, or NULL. Borrowed. */
const char *spec_descriptor_annotation(const struct spec_descriptor *d, const char *key);
/* Set (replace or add) an annotation. */
void spec_descriptor_set_annotation(struct spec_descriptor *d, const char *key, const char *value);
/* Deep copy; dst is overwritten, not released first. */
void spec_descriptor_copy(struct spec_descriptor *dst, const struct spec_descriptor *src);
void spec_descriptor_release(struct spec_descriptor *d);

/* index.json of an OCI layout, an OCI image index or a docker manifest list. */
struct spec_index {
	int schema_version; /* must be 2 */
	char *media_type;   /* may be NULL (index.json written by some tools omits it) */
	struct spec_descriptor *manifests;
	size_t n_manifests;
};

int spec_index_parse(const char *buf, size_t len, struct spec_index *ret, struct qerr *err);
/* Append a copy of d. */
void spec_index_add(struct spec_index *idx, const struct spec_descriptor *d);
/* Remove entry i (order of the rest kept). */
void spec_index_remove(struct spec_index *idx, size_t i);
/*
 * Serialise with a fixed key order (schemaVersion, mediaType, manifests; in descriptors
 * mediaType, digest, size, annotations, platform), compact, no trailing newline.
 */
char *spec_index_write(const struct spec_index *idx, size_t *ret_len);
void spec_index_release(struct spec_index *idx);

/* An OCI image manifest or a docker schema 2 manifest. */
struct spec_manifest {
	int schema_version; /* must be 2 */
	char *media_type;   /* may be NULL for OCI */
	struct spec_descriptor config;
	struct spec_descriptor *layers;
	size_t n_layers;
};

int spec_manifest_parse(const char *buf, size_t len, struct spec_manifest *ret, struct qerr *err);
/* Fixed key order: schemaVersion, mediaType, config, layers. */
char *spec_manifest_write(const struct spec_manifest *m, size_t *ret_len);
void spec_manifest_release(struct spec_manifest *m);

/* ---- inspect -f (template.c) ----------------------------------------------------------- */

/*
 * Render a Go text/template as docker users write them ({{.State.ExitCode}}, {{json .}},
 * {{index .Config.Labels "k"}}, {{range .Config.Env}}{{.}}{{end}}, {{if}}, join, len,
 * upper, lower) against the JSON document json. Heap string; -EINVAL naming the template.
 */
int spec_template_render(const char *tmpl, const char *json, size_t len, char **ret,
			 struct qerr *err);

/* ---- container logs (log.c): docker's json-file lines ---------------------------------- */

struct spec_log_entry {
	char *log;    /* the text, its newline included */
	char *stream; /* "stdout" or "stderr" */
	char *time;   /* RFC 3339 with nanoseconds, UTC */
};

int spec_log_entry_parse(const char *buf, size_t len, struct spec_log_entry *ret, struct qerr *err);
void spec_log_entry_release(struct spec_log_entry *e);

/* ---- image config ---------------------------------------------------------------------- */

/* One entry of an image config's history; every member is optional (NULL when absent). */
struct spec_history {
	char *author;
	char *comment;
	char *created;	  /* RFC 3339 */
	char *created_by; /* "/bin/sh -c #(nop) CMD [\"sh\"]", "RUN ...", "COPY ..." */
	bool empty_layer; /* true: no layer in rootfs.diff_ids belongs to this entry */
};

/*
 * An OCI image config (image-spec config.md) with every member docker, buildkit and buildah
 * write that still means something; the legacy docker members (container, container_config,
 * docker_version, config.Hostname, .Image, .Tty and the like) are dropped.
 *
 * Absent vs empty:
 * - strings: NULL is absent (omitted on output); "" is present and written as "".
 * - string vectors (env, entrypoint, cmd, shell, on_build) are NULL-terminated: a NULL pointer
 *   is absent (omitted), a vector holding only the NULL terminator is present and empty and is
 *   written as []. `"Cmd": []` (reset the command) and no Cmd differ for docker. JSON null
 *   reads as absent.
 * - maps and sets (labels, exposed_ports, volumes) and history: n == 0 is absent and omitted,
 *   as the OCI Go types do (omitempty); an empty {} or [] reads as absent.
 * - ArgsEscaped: written, true or false, only when has_args_escaped.
 * - history[].empty_layer: written only when true (false is the default).
 */
struct spec_image_config {
	char *architecture;
	char *os;
	char *variant;
	char *created; /* RFC 3339, or NULL */
	char *author;
	/* config: the defaults for a container */
	char *user;			/* config.User */
	char **env;			/* config.Env, NULL-terminated, or NULL */
	char **entrypoint;		/* config.Entrypoint, NULL-terminated, or NULL */
	char **cmd;			/* config.Cmd, NULL-terminated, or NULL */
	char *working_dir;		/* config.WorkingDir */
	struct spec_annotation *labels; /* config.Labels in document order, unique keys */
	size_t n_labels;
	char **exposed_ports; /* config.ExposedPorts keys ("80/tcp"), unique, order not kept */
	size_t n_exposed_ports;
	char **volumes; /* config.Volumes keys (paths), unique, order not kept */
	size_t n_volumes;
	char *stop_signal; /* config.StopSignal ("SIGTERM", "15") */
	char **shell;	   /* config.Shell, NULL-terminated, or NULL */
	char **on_build;   /* config.OnBuild, NULL-terminated, or NULL */
	char *healthcheck; /* config.Healthcheck: the object as compact JSON text, or NULL */
	bool has_args_escaped;
	bool args_escaped; /* config.ArgsEscaped (Windows images) */
	/* history and rootfs */
	struct spec_history *history;
	size_t n_history;
	char *rootfs_type; /* rootfs.type, must be "layers" */
	char **diff_ids;   /* rootfs.diff_ids */
	size_t n_diff_ids;
};

/*
 * Requires architecture, os and rootfs {type: "layers", diff_ids: [...]} with valid digests;
 * every other member is optional and may be null. Labels values must be strings, ExposedPorts
 * and Volumes values objects ({}), Healthcheck an object, history an array of objects of
 * strings (empty_layer a boolean). Unknown members are ignored. Returns 0 or -EINVAL.
 */
int spec_image_config_parse(const char *buf, size_t len, struct spec_image_config *ret,
			    struct qerr *err);
/*
 * Serialise c as compact JSON (no whitespace, no trailing newline) with a fixed key order, so
 * the same struct always gives the same bytes (a build hashes them). Absent members are
 * omitted (see above). The order is bytewise alphabetical at every level:
 *   top level: architecture, author, config, created, history, os, rootfs, variant
 *   config:    ArgsEscaped, Cmd, Entrypoint, Env, ExposedPorts, Healthcheck, Labels, OnBuild,
 *              Shell, StopSignal, User, Volumes, WorkingDir
 *   history[]: author, comment, created, created_by, empty_layer
 *   rootfs:    diff_ids, type ("layers" when rootfs_type is NULL; diff_ids always, maybe [])
 * Labels, ExposedPorts and Volumes are written with their keys sorted bytewise (a duplicate
 * key is written once, first occurrence wins); ExposedPorts and Volumes values are {}. Env,
 * Cmd and the other vectors keep their order. Healthcheck is written as stored, which must be
 * a JSON object (what parse and set_healthcheck leave there); anything else is a programmer
 * error (assert). config is omitted when none of its members is present.
 */
char *spec_image_config_write(const struct spec_image_config *c, size_t *ret_len);
/*
 * A minimal config for an imported root filesystem: architecture/os/variant from p, created
 * (omitted when NULL), one diff_id, rootfs type layers, config {Env: [PATH=...]} (docker's
 * default PATH) and one history entry created_by "qrun import". Its own fixed key order
 * (architecture, os, variant, created, config, rootfs, history), older than
 * spec_image_config_write's and kept so imported images keep their digests. Compact.
 */
char *spec_image_config_write_imported(const struct spec_platform *p, const char *created,
				       const char *diff_id, size_t *ret_len);
/* Set config.Labels[key] = value: replaces the value of an existing key, else appends. */
void spec_image_config_set_label(struct spec_image_config *c, const char *key, const char *value);
/*
 * Add to config.ExposedPorts (EXPOSE): PORT[-PORT][/PROTO], ports 1-65535, PROTO tcp (the
 * default), udp or sctp in any case. Normalised as docker does: "80" → "80/tcp", "053/UDP" →
 * "53/udp", a range "8000-8002" → one key per port. Already present keys are kept once.
 * -EINVAL with a message for anything else (nothing added).
 */
int spec_image_config_add_port(struct spec_image_config *c, const char *port, struct qerr *err);
/* Add an absolute path to config.Volumes (VOLUME), once. -EINVAL for a relative or empty one. */
int spec_image_config_add_volume(struct spec_image_config *c, const char *path, struct qerr *err);
/*
 * Set one "NAME=VALUE" in config.Env (ENV): replaces the entry with the same NAME in place,
 * else appends, so the order is kept. -EINVAL when there is no '=' or NAME is empty.
 */
int spec_image_config_set_env(struct spec_image_config *c, const char *kv, struct qerr *err);
/*
 * Set config.Healthcheck from JSON text (parsed strictly, stored compact). -EINVAL when it is
 * not valid JSON or not an object.
 */
int spec_image_config_set_healthcheck(struct spec_image_config *c, const char *json, size_t len,
				      struct qerr *err);
/* Append a history entry; each string may be NULL (absent). author is left absent. */
void spec_image_config_add_history(struct spec_image_config *c, const char *created,
				   const char *created_by, const char *comment, bool empty_layer);
/* Append a layer's diff_id to rootfs (type set to "layers" if unset). -EINVAL if not a digest. */
int spec_image_config_add_diff_id(struct spec_image_config *c, const char *digest,
				  struct qerr *err);
/* Deep copy of src into *ret_dst (overwritten, not released first). */
void spec_image_config_copy(const struct spec_image_config *src, struct spec_image_config *ret_dst);
void spec_image_config_release(struct spec_image_config *c);

/* ---- docker-archive manifest.json ------------------------------------------------------ */

struct spec_docker_entry {
	char *config;	  /* path inside the archive */
	char **repo_tags; /* may be empty */
	size_t n_repo_tags;
	char **layers; /* paths inside the archive, bottom first */
	size_t n_layers;
};

struct spec_docker_manifest {
	struct spec_docker_entry *entries;
	size_t n_entries;
};

/* A JSON array of {Config, RepoTags, Layers}; Config and Layers required. */
int spec_docker_manifest_parse(const char *buf, size_t len, struct spec_docker_manifest *ret,
			       struct qerr *err);
char *spec_docker_manifest_write(const struct spec_docker_manifest *m, size_t *ret_len);
void spec_docker_manifest_release(struct spec_docker_manifest *m);

/* ---- registry credentials and tokens ----------------------------------------------------- */

/* One entry of auths in auth.json / config.json: the registry key and base64(user:pass). */
struct spec_auth_entry {
	char *registry;
	char *auth;
};

struct spec_auth_config {
	struct spec_auth_entry *entries;
	size_t n_entries;
	struct spec_auth_entry *helpers; /* credHelpers: registry -> helper name (in .auth) */
	size_t n_helpers;
	char *creds_store; /* credsStore: the helper for every other registry, or NULL */
};

/*
 * {"auths": {KEY: {"auth": "..."}}, "credHelpers": {KEY: NAME}, "credsStore": NAME}; other
 * members are ignored, auths entries without "auth" skipped. Writing gives {"auths": ...}
 * alone, pretty.
 */
int spec_auth_config_parse(const char *buf, size_t len, struct spec_auth_config *ret,
			   struct qerr *err);
char *spec_auth_config_write(const struct spec_auth_config *cfg, size_t *ret_len);
void spec_auth_config_release(struct spec_auth_config *cfg);

/* What `docker-credential-NAME get` prints: {"Username": ..., "Secret": ...}. */
int spec_cred_helper_parse(const char *buf, size_t len, char **ret_user, char **ret_secret,
			   struct qerr *err);

/* A token server's answer: token (or access_token), expires_in (60 s when absent). */
struct spec_token {
	char *token;
	int64_t expires_in;
};

int spec_token_parse(const char *buf, size_t len, struct spec_token *ret, struct qerr *err);
void spec_token_release(struct spec_token *t);

/* ---- JSON output for the command line ---------------------------------------------------- */

/*
 * A streaming JSON writer (for `images --format json`, `inspect`, `ps`). Calls must nest
 * correctly (programmer error otherwise: assert). Strings are escaped as JSON requires.
 */
struct spec_json;

struct spec_json *spec_json_new(bool pretty);
void spec_json_object_begin(struct spec_json *j);
void spec_json_object_end(struct spec_json *j);
void spec_json_array_begin(struct spec_json *j);
void spec_json_array_end(struct spec_json *j);
void spec_json_key(struct spec_json *j, const char *key);
void spec_json_string(struct spec_json *j, const char *s); /* NULL writes null */
void spec_json_int(struct spec_json *j, int64_t v);
void spec_json_bool(struct spec_json *j, bool v);
void spec_json_null(struct spec_json *j);
void spec_json_string_array(struct spec_json *j, char *const *v, size_t n);
/*
 * Copy the value found at the top-level key `key` of the JSON document buf (for example the
 * "config" object of an image config) into the output, keeping key order and number text;
 * null when the key is absent. -EINVAL (and nothing written) when buf is not a JSON object.
 */
int spec_json_copy_member(struct spec_json *j, const char *buf, size_t len, const char *key);
/* The text written so far (heap, NUL-terminated); frees the writer. ret_len may be NULL. */
char *spec_json_finish(struct spec_json *j, size_t *ret_len);
struct spec_json *spec_json_free(struct spec_json *j);

/* ---- containers: OCI runtime config.json and qrun's state.json ---------------------------- */

struct spec_mount {
	char *destination; /* guest path */
	char *source;	   /* host path */
	bool readonly;	   /* options ["rbind", "ro"] vs ["rbind", "rw"] */
};

/*
 * The part of an OCI runtime-spec config.json qrun writes and reads back: process (args, env,
 * cwd, terminal), root (path, readonly), hostname, mounts of type "bind", annotations.
 */
struct spec_runtime_config {
	char **args; /* NULL-terminated */
	char **env;  /* NULL-terminated */
	char *cwd;
	bool terminal;
	uint32_t uid, gid; /* process.user */
	uint32_t *gids;	   /* process.user.additionalGids */
	size_t n_gids;
	char *root_path;
	bool root_readonly;
	char *hostname;
	struct spec_mount *mounts;
	size_t n_mounts;
	struct spec_annotation *annotations;
	size_t n_annotations;
};

int spec_runtime_config_parse(const char *buf, size_t len, struct spec_runtime_config *ret,
			      struct qerr *err);
/* ociVersion 1.0.2, pretty, fixed key order. */
char *spec_runtime_config_write(const struct spec_runtime_config *c, size_t *ret_len);
const char *spec_runtime_config_annotation(const struct spec_runtime_config *c, const char *key);
void spec_runtime_config_release(struct spec_runtime_config *c);

/* A container's state.json. Times are RFC 3339 strings or NULL. */
struct spec_container_state {
	char *id;
	char *name;
	char *status;	   /* "created", "running", "exited" */
	int64_t pid;	   /* the qrun process running it, 0 when none */
	int64_t guest_pid; /* its first process (traced by pid), 0 when none: what kill signals */
	int64_t exit_code;
	char *created;
	char *started_at;
	char *finished_at;
};

int spec_container_state_parse(const char *buf, size_t len, struct spec_container_state *ret,
			       struct qerr *err);
char *spec_container_state_write(const struct spec_container_state *s, size_t *ret_len);
void spec_container_state_release(struct spec_container_state *s);

/* ---- Dockerfile and .dockerignore (dockerfile*.c, ignore.c) ------------------------------ */

/*
 * The Dockerfile language as BuildKit's frontend parses it (frontend/dockerfile/parser and
 * shell/lex.go), for `qrun build`. Parsing checks the structure of each instruction (known
 * keyword, flags the keyword accepts, argument counts docker enforces at parse time) but expands
 * nothing: the build expands words with spec_df_expand as it walks the stages, because the
 * values of ARG and ENV are known only then. Stage structure (FROM first, ARG before it) is the
 * build's to check too, so that ONBUILD trigger text parses alone.
 */

#define SPEC_DOCKERFILE_MAX_SIZE ((size_t)4 << 20) /* a larger file is refused */
#define SPEC_DOCKERFILE_MAX_LINE ((size_t)1 << 20) /* and so is a longer physical line */

/* A builder flag: `--name=value`, or a bare `--name` (value NULL). */
struct spec_df_flag {
	char *name; /* without the leading "--": "mount", "from" */
	char *value;
};

/* A here-document (BuildKit 1.4 syntax) of a RUN, COPY or ADD in shell form. */
struct spec_df_heredoc {
	char *name;	 /* the terminator word, quotes removed: "EOF" */
	char *body;	 /* the lines up to the terminator, each with its line ending, "" if none */
	bool expand;	 /* no quote in the name: the build expands $VAR in body (docker's rule) */
	bool chomp_tabs; /* <<-: leading tabs were removed from body lines and the terminator */
};

struct spec_df_instruction {
	int line;      /* 1-based first physical line */
	int end_line;  /* last physical line, continuations and heredoc bodies included */
	char *keyword; /* upper-cased: "RUN" */
	/*
	 * The instruction as written, leading blanks removed and continuation lines joined the way
	 * docker joins them (escape char and what follows it dropped, nothing inserted), comment
	 * and blank lines inside it left out: docker's history "created_by" text.
	 */
	char *original;
	struct spec_df_flag *flags; /* leading --flags, in order */
	size_t n_flags;
	/*
	 * Exec form: rest was a JSON array of strings (RUN, CMD, ENTRYPOINT, SHELL, ADD, COPY,
	 * VOLUME, HEALTHCHECK CMD) and args holds its items. Invalid JSON falls back to the shell
	 * form as docker does; a valid array with a non-string item is an error.
	 */
	bool json;
	/*
	 * NULL-terminated. json: the array items. Otherwise, for FROM, EXPOSE, ADD, COPY and
	 * VOLUME (docker splits these on blanks before expanding, quotes or not), rest split on
	 * blanks, unexpanded; NULL for every other keyword.
	 */
	char **args;
	size_t n_args;
	/* The text after the flags, trimmed and unexpanded ("" when none); JSON text as written. */
	char *rest;
	/* HEALTHCHECK: "CMD" or "NONE" (upper-cased); json, args and rest describe what follows. */
	char *health_type;
	struct spec_df_heredoc *heredocs; /* for ONBUILD RUN <<EOF, on the ONBUILD (as BuildKit) */
	size_t n_heredocs;
	/* ONBUILD: the trigger instruction (never ONBUILD, FROM or MAINTAINER); rest its text. */
	struct spec_df_instruction *onbuild;
};

struct spec_dockerfile {
	char escape;  /* '\\', or '`' after `# escape=`` ` */
	char *syntax; /* the `# syntax=` directive (recorded, not acted on), or NULL */
	struct spec_df_instruction *instructions;
	size_t n_instructions;
};

/*
 * Parse a Dockerfile. Parser directives (escape, syntax, check; case-insensitive, each at most
 * once) are honoured only before the first instruction, comment or blank line; a UTF-8 BOM is
 * skipped, CRLF line ends are accepted. Comments are lines whose first non-blank is '#'; inside
 * an instruction continued with the escape char they are skipped, as are blank lines.
 *
 * Flags must be ones docker defines for the keyword (FROM --platform; RUN --mount --network
 * --security --device; COPY --from --chown --chmod --link --parents --exclude; ADD --chown
 * --chmod --link --keep-git-dir --checksum --unpack --exclude; HEALTHCHECK --interval
 * --timeout --start-period --start-interval --retries); their values are the build's to check.
 *
 * Errors (-EINVAL) name the line: "Dockerfile line 3: unknown instruction 'FOO'". A file with
 * no instruction, a NUL byte, a file over SPEC_DOCKERFILE_MAX_SIZE or a physical line over
 * SPEC_DOCKERFILE_MAX_LINE is refused. ret is written only on success.
 */
int spec_dockerfile_parse(const char *buf, size_t len, struct spec_dockerfile *ret,
			  struct qerr *err);
void spec_dockerfile_release(struct spec_dockerfile *df);

/* Look a variable up for expansion: its value (borrowed), or NULL when it is unset. */
typedef const char *(*spec_df_lookup_fn)(void *data, const char *name);

/*
 * Expand a Dockerfile word as BuildKit's shell lexer does (ProcessWord / ProcessWords), with
 * escape the file's escape char: '...' is literal; "..." allows $ expansion and escapes only
 * ", $ and the escape char; outside quotes the escape char escapes the next char (and is
 * dropped at the end). $VAR, ${VAR}, ${VAR:-w}, ${VAR-w}, ${VAR:+w}, ${VAR+w}, ${VAR:?msg},
 * ${VAR?msg} (w expanded itself), and BuildKit's ${VAR#pat}, ${VAR##pat}, ${VAR%pat},
 * ${VAR%%pat}, ${VAR/pat/s}, ${VAR//pat/s} (pat: '*' and '?' wildcards, '\' escapes). A name
 * is ASCII letters, digits and '_', or digits alone ($1), or one of @ * # ? - $ ! (never set).
 * Unset variables expand to ""; lookup may be NULL (nothing is set).
 *
 * split false: exactly one word, blanks kept. split true: unquoted blanks (also those coming
 * from an expansion) separate words, and an empty result gives no word, even a quoted "" (as
 * BuildKit); "<<" and the blanks after it stay in one word (BuildKit keeps `COPY << EOF /x`
 * together that way). *ret_words is a NULL-terminated vector of *ret_n words (ret_n may be
 * NULL); free each word and the vector. -EINVAL for an unterminated quote, a ${ without },
 * a bad modifier or pattern, or ${VAR:?msg} of an unset (or empty) VAR, with a message that
 * quotes the word: "expanding '${X:?}': X: is not allowed to be unset".
 */
int spec_df_expand(const char *s, char escape, bool split, spec_df_lookup_fn lookup, void *data,
		   char ***ret_words, size_t *ret_n, struct qerr *err);

/*
 * The pairs of an ENV, LABEL or ARG instruction (keyword, case-insensitive), given its rest:
 * the KEY=VALUE ... form (values may be quoted; words split as docker's parser does) and, for
 * ENV and LABEL, the legacy `KEY VALUE` form (one pair, the value is the rest of the line).
 * Keys and values are expanded with lookup (all against the variables as they were before the
 * instruction, as docker does). ARG NAME without '=' gives a NULL value. Names: ENV and LABEL
 * keys must not be empty; ARG names must be shell names ([A-Za-z_][A-Za-z0-9_]*). *ret_keys
 * and *ret_values hold *ret_n entries each (plus a NULL after them); free them with
 * spec_df_keyvalues_free. -EINVAL with a message on a syntax, expansion or name error
 * ("ENV must have two arguments", "ARG: 'a-b' is not a valid name (...)").
 */
int spec_df_keyvalues(const char *rest, char escape, const char *keyword, spec_df_lookup_fn lookup,
		      void *data, char ***ret_keys, char ***ret_values, size_t *ret_n,
		      struct qerr *err);
/* Free what spec_df_keyvalues returned (values may hold NULLs). */
void spec_df_keyvalues_free(char **keys, char **values, size_t n);

/*
 * .dockerignore, moby's patternmatcher semantics: lines trimmed, '#' lines (in column 1) and
 * empty lines skipped, a leading '/' dropped, patterns cleaned like Go's filepath.Clean, '!'
 * marks an exception, and the last pattern that matches decides. Patterns are Go filepath.Match
 * globs ('*' and '?' stop at '/', [a-c] [^a-c] classes, '\' escapes) plus '**', any number of
 * directories (also none). A pattern that matches a parent directory of a path matches the
 * path too. -EINVAL for a bad pattern ("[a-", a trailing '\', a lone "!") naming its line.
 */
struct spec_ignore_glob; /* compiled pattern, private to ignore.c */

struct spec_ignore_pattern {
	char *text;	/* cleaned, without the '!' */
	bool exception; /* written with a leading '!' */
	struct spec_ignore_glob *glob;
};

struct spec_ignore {
	struct spec_ignore_pattern *patterns;
	size_t n_patterns;
};

int spec_ignore_parse(const char *buf, size_t len, struct spec_ignore *ret, struct qerr *err);
/*
 * Is relpath (relative to the context root, '/'-separated, clean: no "./", "..", "//" or
 * leading or trailing '/') excluded? false for an empty pattern list.
 */
bool spec_ignore_match(const struct spec_ignore *ig, const char *relpath);
/*
 * Could an exception pattern match something below the directory dirpath (same form as
 * relpath)? A walker that finds dirpath excluded must descend into it only when this is true,
 * and then match each entry; when false, nothing below dirpath can be re-included.
 */
bool spec_ignore_may_match_inside(const struct spec_ignore *ig, const char *dirpath);
void spec_ignore_release(struct spec_ignore *ig);
