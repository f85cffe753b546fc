#pragma once
/*
 * common: what every qrun module may use. Errors with a message (struct qerr), logging,
 * cleanup attributes, allocation that never returns NULL, small parsing and fs helpers.
 * Library code returns -errno; only runtime/ prints and exits.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define QRUN_VERSION "0.1.0"

#define ARRAY_SIZE(a)  (sizeof(a) / sizeof((a)[0]))
#define _unused_       __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _noreturn_     __attribute__((noreturn))
#define _pure_	       __attribute__((pure))
#define _warn_unused_  __attribute__((warn_unused_result))

/* Convert a libc -1/errno result into -errno (0 or the non-negative result otherwise). */
#define RET_NERRNO(expr)                                                                           \
	({                                                                                         \
		long _r = (long)(expr);                                                            \
		_r < 0 ? -errno : _r;                                                              \
	})

/* ---- errors ------------------------------------------------------------------------- */

/*
 * An error code plus a one-line message, filled by the function that failed and read by
 * runtime/main.c. code is a negative errno (or 0 for "no error"). A fixed buffer: nothing to
 * free, safe to pass NULL where the caller does not want the message.
 */
struct qerr {
	int code;
	char msg[512];
};

/*
 * Record an error: formats the message into err (when err is not NULL) and returns code, so
 * that `return qerr_set(err, -ENOENT, "image '%s': not found", name);` reads naturally.
 * code must be negative.
 */
int qerr_set(struct qerr *err, int code, const char *fmt, ...) _printf_(3, 4);

/* As qerr_set, appending ": <strerror(-code)>" to the message. */
int qerr_set_errno(struct qerr *err, int code, const char *fmt, ...) _printf_(3, 4);

/*
 * Prefix an existing message with more context ("loading 'x': <old message>") and return
 * err->code. With err == NULL returns code.
 */
int qerr_wrap(struct qerr *err, int code, const char *fmt, ...) _printf_(3, 4);

/* Reset to "no error". */
void qerr_clear(struct qerr *err);

/* ---- logging ------------------------------------------------------------------------ */

enum qlog_level {
	QLOG_ERROR = 0,
	QLOG_WARN = 1,
	QLOG_INFO = 2,
	QLOG_DEBUG = 3,
	QLOG_TRACE = 4,
};

/* The current level; messages above it are dropped. Default QLOG_WARN. */
extern enum qlog_level qlog_level;

/*
 * Set the level from a name ("error", "warn", "info", "debug", "trace") or a digit 0-4.
 * Returns -EINVAL for anything else and leaves the level unchanged.
 */
int qlog_set_level_name(const char *name);

/* Where messages go (stderr when NULL). Tests point it at a memory stream. */
void qlog_set_stream(FILE *f);

/* Write "qrun: [level: ]message\n" if level is enabled. */
void qlog(enum qlog_level level, const char *fmt, ...) _printf_(2, 3);

static inline bool qlog_enabled(enum qlog_level level)
{
	return level <= qlog_level;
}

#define qlog_error(...) qlog(QLOG_ERROR, __VA_ARGS__)
#define qlog_warn(...)	qlog(QLOG_WARN, __VA_ARGS__)
#define qlog_info(...)	qlog(QLOG_INFO, __VA_ARGS__)
#define qlog_debug(...) qlog(QLOG_DEBUG, __VA_ARGS__)

/* ---- memory ------------------------------------------------------------------------- */

/* Allocation that aborts with a message on failure; never returns NULL. */
void *xmalloc(size_t n);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *p, size_t n);
/* Grow an array of n elements of size sz to at least want, doubling; updates *alloc. */
void *xgrow(void *p, size_t sz, size_t want, size_t *alloc);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) _printf_(1, 2);

/* ---- small helpers ------------------------------------------------------------------ */

/*
 * Parse a whole decimal string into an int/unsigned long within [min, max]. Returns 0, or
 * -EINVAL (not a number, trailing garbage) / -ERANGE (out of range); *ret is written only on
 * success.
 */
int parse_int(const char *s, long min, long max, long *ret);

/* true when s starts with prefix. */
bool str_has_prefix(const char *s, const char *prefix);

/* true when s ends with suffix. */
bool str_has_suffix(const char *s, const char *suffix);

/*
 * Read a whole small file (at most max bytes) into a NUL-terminated heap buffer. Returns the
 * length or -errno; -EFBIG when it is larger than max. An empty path reads the open file dirfd
 * from its current offset.
 */
ssize_t read_file_at(int dirfd, const char *path, size_t max, char **ret_buf);

/*
 * rm -rf of dirfd/name, never following symlinks, also through directories left without
 * permissions (a mode 0000 directory of an image). Returns 0, or the first -errno.
 */
int rm_rf_at(int dirfd, const char *name);

/* mkdir -p: path and its missing parents (existing ones are fine). Returns 0 or -errno. */
int mkdir_p(const char *path, mode_t mode);

/* Free a NULL-terminated string vector; returns NULL. */
char **strv_free(char **v);
/* Free n strings and the array holding them (counted arrays need not end in NULL). */
void strn_free(char **v, size_t n);
/* A deep copy of a NULL-terminated vector (NULL for NULL). */
char **strv_copy(char *const *v);
/* The strings of v joined with sep (a heap string; "" for NULL or empty). */
char *strv_join(char *const *v, const char *sep);

/* Write all of buf, retrying on EINTR and short writes. Returns 0 or -errno. */
int write_all(int fd, const void *buf, size_t len);

/* Base64 with padding (RFC 4648). Heap string. */
char *base64_encode(const void *data, size_t len);
/*
 * Decode s into a NUL-terminated heap buffer (ret_len may be NULL). -EINVAL for a character
 * outside the alphabet or padding before the end.
 */
int base64_decode(const char *s, char **ret, size_t *ret_len);

#include "cleanup.h"
#include "banned.h"
