#pragma once
/*
 * Between the shim's two files (preload/qrun-preload.c, preload/redirect.c); nothing here
 * leaves the shim (-fvisibility=hidden).
 */

/* Make libc's own entries of the interposed functions jump to the shim's (redirect.c). */
void qrun_redirect_libc(void);

/*
 * The shim's functions the jumps go to (qrun-preload.c): hidden aliases of the ones exported
 * under libc's names, so that the address is the shim's own even when the program exports an
 * open() of its own (which may call libc's: through the jump, it would call itself).
 */
struct stat;
struct statx;
int qrun_open(const char *path, int flags, ...);
int qrun_openat(int dirfd, const char *path, int flags, ...);
int qrun_stat(const char *path, struct stat *buf);
int qrun_lstat(const char *path, struct stat *buf);
int qrun_fstat(int fd, struct stat *buf);
int qrun_fstatat(int dirfd, const char *path, struct stat *buf, int flags);
int qrun_statx(int dirfd, const char *path, int flags, unsigned mask, struct statx *buf);
int qrun_access(const char *path, int mode);
int qrun_faccessat(int dirfd, const char *path, int mode, int flags);
long qrun_readlink(const char *path, char *buf, unsigned long size);
long qrun_readlinkat(int dirfd, const char *path, char *buf, unsigned long size);
