#pragma once
/*
 * specs internals: a read-only JSON tree (json.c, the only yajl user), a reading context that
 * turns shape errors into "doc: 'path': message" (json-read.c), and the descriptor / platform
 * JSON mapping shared by index.c and manifest.c (descriptor.c).
 *
 * Nothing here leaks a yajl type, so swapping the JSON library stays a one-file change.
 */

#include "specs/specs.h"

/* Documents larger than this, or nested deeper, are rejected before parsing. */
#define SPEC_JSON_MAX_SIZE  ((size_t)4 << 20)
#define SPEC_JSON_MAX_DEPTH 64

/* ---- parsed tree (json.c) ----------------------------------------------------------------- */

enum jtype {
	JT_ABSENT, /* a NULL node: the member or item does not exist */
	JT_NULL,
	JT_BOOL,
	JT_NUMBER,
	JT_STRING,
	JT_ARRAY,
	JT_OBJECT,
};

/* A value inside a parsed document; borrowed from its struct jdoc. */
struct jnode;
struct jdoc;

/*
 * Parse a whole JSON document. Strict: valid UTF-8, no NUL bytes (raw or as \u0000), no
 * comments, no trailing data, no duplicate object keys, at most SPEC_JSON_MAX_SIZE bytes and
 * SPEC_JSON_MAX_DEPTH levels. `what` names the document in messages ("manifest").
 * Returns 0 or -EINVAL.
 */
int jdoc_parse(const char *what, const char *buf, size_t len, struct jdoc **ret, struct qerr *err);
/* Free a document and every node in it; accepts NULL, returns NULL. */
struct jdoc *jdoc_free(struct jdoc *d);
DEFINE_CLEANUP(struct jdoc *, jdoc_free)
#define _cleanup_jdoc_ _cleanup_(jdoc_freep)

const struct jnode *jdoc_root(const struct jdoc *d);

/* The type of n; JT_ABSENT for NULL. */
enum jtype jnode_type(const struct jnode *n);
/* The member `key` of an object, or NULL (also when n is not an object). */
const struct jnode *jnode_member(const struct jnode *n, const char *key);
/* Number of items of an array or members of an object; 0 for anything else. */
size_t jnode_len(const struct jnode *n);
/* Item i of an array (i < jnode_len), or NULL. */
const struct jnode *jnode_item(const struct jnode *n, size_t i);
/* Key and value of member i of an object (i < jnode_len), or NULL. */
const char *jnode_key(const struct jnode *n, size_t i);
const struct jnode *jnode_value(const struct jnode *n, size_t i);
/* The string of a string node, or NULL. Borrowed. */
const char *jnode_string(const struct jnode *n);
/* An integer written without fraction or exponent that fits int64. */
bool jnode_int64(const struct jnode *n, int64_t *ret);
/* true for a JSON true. */
bool jnode_bool(const struct jnode *n);

/* Emit a parsed value (and everything below it) into a writer, keeping key order. */
void spec_json_node(struct spec_json *j, const struct jnode *n);
/*
 * A parsed value re-serialised as compact JSON: keys in document order, numbers as written,
 * strings escaped the way the writer does. Parsing the text and serialising it again gives the
 * same bytes, so it can stand in for the value's raw text. Heap string; ret_len may be NULL.
 */
char *jnode_to_json(const struct jnode *n, size_t *ret_len);

/* ---- reading with messages (json-read.c) --------------------------------------------------- */

/* Where a reader is inside a document, for messages: "manifest" + "layers[1].size". */
struct jctx {
	const char *doc;
	struct qerr *err;
	size_t len;
	char path[256];
};

void jctx_init(struct jctx *c, const char *doc, struct qerr *err);
/* Append ".key" / "[i]" to the path; returns what jctx_pop needs to undo it. */
size_t jctx_push_key(struct jctx *c, const char *key);
size_t jctx_push_index(struct jctx *c, size_t i);
void jctx_pop(struct jctx *c, size_t saved);
/*
 * Replace control characters in err's message with '?', so that a message quoting untrusted
 * input stays one printable line. Returns err->code (code when err is NULL).
 */
int spec_err_clean(struct qerr *err, int code);
/* Record "doc: 'path': <message>" (or "doc: <message>" at the root); returns -EINVAL. */
int jctx_fail(struct jctx *c, const char *fmt, ...) _printf_(2, 3);

/*
 * Getters for member `key` of object obj. An optional member may be absent or null (*ret is
 * then NULL / unchanged as documented); a required one must be present with the right type.
 * Heap results belong to the caller and are written only on success. All return 0 or -EINVAL.
 */
int jread_string(struct jctx *c, const struct jnode *obj, const char *key, bool required,
		 char **ret);
/*
 * A boolean: 1 and *ret set when present, 0 and *ret unchanged when absent or null, -EINVAL
 * for anything else.
 */
int jread_bool(struct jctx *c, const struct jnode *obj, const char *key, bool *ret);
/* A sha256 digest string (required). */
int jread_digest(struct jctx *c, const struct jnode *obj, const char *key, char **ret);
/* A required integer in [min, max]. */
int jread_int(struct jctx *c, const struct jnode *obj, const char *key, int64_t min, int64_t max,
	      int64_t *ret);
/* A required non-negative int64. */
int jread_size(struct jctx *c, const struct jnode *obj, const char *key, int64_t *ret);
/* An object or array member; *ret is NULL when an optional one is absent or null. */
int jread_object(struct jctx *c, const struct jnode *obj, const char *key, bool required,
		 const struct jnode **ret);
int jread_array(struct jctx *c, const struct jnode *obj, const char *key, bool required,
		const struct jnode **ret);
/*
 * An array of strings as a NULL-terminated heap vector (an empty array gives {NULL}); *ret is
 * NULL and *ret_n 0 when an optional member is absent or null. ret_n may be NULL.
 */
int jread_strv(struct jctx *c, const struct jnode *obj, const char *key, bool required, char ***ret,
	       size_t *ret_n);

/* Equal vectors (both NULL counts as equal). */
bool strv_equal(char *const *a, char *const *b);

/* ---- descriptors and platforms in JSON (descriptor.c) -------------------------------------- */

/* Read an OCI descriptor object at n (the caller has pushed its path). */
int spec_descriptor_read(struct jctx *c, const struct jnode *n, struct spec_descriptor *ret);
/*
 * Read the array arr (member key of the object being read) of descriptors into a new vector.
 * On failure *ret_v holds the ones read so far (*ret_n of them), for the caller's release.
 */
int spec_descriptors_read(struct jctx *c, const struct jnode *arr, const char *key,
			  struct spec_descriptor **ret_v, size_t *ret_n);
/* Write one descriptor: mediaType, digest, size, annotations (sorted), platform. */
void spec_descriptor_emit(struct spec_json *j, const struct spec_descriptor *d);
/* Read a platform object {architecture, os, variant?} (values kept as written). */
int spec_platform_read(struct jctx *c, const struct jnode *n, struct spec_platform *ret);
void spec_platform_emit(struct spec_json *j, const struct spec_platform *p);

/* ---- Dockerfile words (dockerfile-shell.c, dockerfile-pattern.c; used by dockerfile.c) ------ */

/* A growable string; p is NUL-terminated once anything was added. */
struct df_buf {
	char *p;
	size_t len, alloc;
};

void df_buf_add(struct df_buf *b, const char *s, size_t n);
void df_buf_addc(struct df_buf *b, char c);
/* The string built so far ("" when nothing was added); the buffer is left empty. */
char *df_buf_take(struct df_buf *b);

/*
 * One character of UTF-8 text s (n > 0 bytes): its length, and in *ret the code point, or for
 * a byte that does not start a well-formed sequence 0x110000 + the byte (equal only to itself).
 */
size_t df_utf8_rune(const unsigned char *s, size_t n, uint32_t *ret);

/*
 * ${VAR#pat} ${VAR##pat} (prefix) and ${VAR%pat} ${VAR%%pat} (suffix, suffix true): append
 * value without the shortest (or, greedy, the longest) prefix or suffix that matches the shell
 * pattern pat. -EINVAL for a bad escape in pat (dockerfile-pattern.c).
 */
int df_pattern_trim(const char *pat, const char *value, bool suffix, bool greedy,
		    struct df_buf *out, struct qerr *err);
/* ${VAR/pat/with} (the first match) and ${VAR//pat/with} (all): append the result to out. */
int df_pattern_replace(const char *pat, const char *value, const char *with, bool all,
		       struct df_buf *out, struct qerr *err);

/*
 * The heredocs named on an instruction line (BuildKit's heredocsFromLine): words of the line
 * of the form [N]<<[-]NAME, with name, expand and chomp_tabs filled and body NULL. A line that
 * does not lex (an open quote) has none. -EINVAL for a malformed name, with a message.
 */
int df_heredocs_from_line(const char *line, struct spec_df_heredoc **ret_v, size_t *ret_n,
			  struct qerr *err);
/* ENV / LABEL / ARG pairs, unexpanded: docker's parser-level checks (spec_df_keyvalues). */
int df_split_keyvalues(const char *rest, char escape, const char *keyword, char ***ret_keys,
		       char ***ret_values, size_t *ret_n, struct qerr *err);

/* Messages of the Dockerfile code quote user text: at most DF_QUOTE_MAX bytes, then "...". */
#define DF_QUOTE_MAX 100

static inline int df_quoted_len(const char *s)
{
	size_t n = strlen(s);

	return n > DF_QUOTE_MAX ? DF_QUOTE_MAX : (int)n;
}

static inline const char *df_ellipsis(const char *s)
{
	return strlen(s) > DF_QUOTE_MAX ? "..." : "";
}
