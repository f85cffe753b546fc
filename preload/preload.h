#pragma once
/*
 * What the tracer and the in-process shim (preload/qrun-preload.c) agree on. Both sides are
 * built from this one header; the shim is loaded only into processes qrun starts, so the two
 * always come from the same build.
 */

/*
 * The page the shim maps its syscall trampoline at. The seccomp filter lets every system call
 * made from inside this page run with no ptrace stop: the shim has already translated its
 * paths. Chosen between the heap of a PIE program (0x55...) and the mmap area (0x7e... and up)
 * and outside the shadow ranges of the sanitizers; if anything is mapped there already, the
 * shim stays off and every call goes to the tracer as before.
 */
#define QRUN_PRELOAD_TRAMPOLINE 0x5f5f00000000UL
#define QRUN_PRELOAD_PAGE	4096UL
/*
 * The traced calls the shim makes through its trampoline (x86_64 __NR_ numbers), so the only
 * ones the filter lets run from that page: a program that maps a trampoline of its own there
 * gains these and nothing else. openat2 is the one that could touch a host file, which is why
 * the shim is used only inside the wall (Landlock), which answers EACCES for it; the others
 * only look (metadata and link text), which Landlock does not restrict.
 */
#define QRUN_PRELOAD_FAST_CALLS                                                                    \
	{                                                                                          \
		__NR_faccessat2, __NR_newfstatat, __NR_openat2, __NR_readlink, __NR_readlinkat,    \
		    __NR_statfs, __NR_statx                                                        \
	}
/*
 * The int in the next page (read-write): the shim works while it holds QRUN_PRELOAD_ON; the
 * tracer clears it. (A magic number, not 1: should the program ever map something else over
 * these pages, the shim switches itself off instead of jumping into it.)
 */
#define QRUN_PRELOAD_FLAGS (QRUN_PRELOAD_TRAMPOLINE + QRUN_PRELOAD_PAGE)
#define QRUN_PRELOAD_ON	   0x71727570
/*
 * Off for now: the emulated identity of the process is not root, and its permission checks
 * (tracer/perms.c) are the tracer's; the tracer sets ON again when it is root again.
 */
#define QRUN_PRELOAD_PAUSED 0x71727571

/*
 * The guest path the tracer gives ld.so in `--preload`; path translation maps it to the
 * shim's host file. A guest can open it too: it is a read-only library, nothing more.
 */
#define QRUN_PRELOAD_GUEST "/.qrun-preload.so"

/*
 * The shim's call for its settings: readlink() of this guest path, which the tracer answers
 * itself (ENOENT when the shim must stay off: no seccomp filter, or not under qrun at all).
 * The answer: QRUN_PRELOAD_MAGIC, then NUL-terminated strings: the host path of the guest root
 * ("/" for the host's root), "rw" or "ro" (a read-only root), "root" or "user" (the caller's
 * emulated identity: "user" starts the shim paused, see QRUN_PRELOAD_PAUSED), the host path of the
 * owners table below when an identity is emulated ("-" when not; "!" when one is but the shim must
 * leave every stat to the tracer), then every guest path the shim must leave to the tracer
 * (/proc, each bind, each virtual directory above one), then an empty string.
 */
#define QRUN_PRELOAD_CONF     "/.qrun-preload.so/settings"
#define QRUN_PRELOAD_MAGIC    "qrun-preload 3"
#define QRUN_PRELOAD_ID_LEN   4 /* "root", "user" */
#define QRUN_PRELOAD_CONF_MAX 16384

/*
 * The owners table of an emulated identity (tracer/owners-shm.c), a file the tracers of a
 * container write and the shim maps read-only, so that the stat family answered in-process
 * shows the emulated owners: an open-addressed hash of inodes (linear probing from
 * QRUN_OWNERS_HASH), with a sequence number that is odd while a tracer writes (a reader that
 * sees it odd, or changed across its lookup, hands the call to the tracer). A file without an
 * entry shows real_uid and real_gid as 0.
 */
#include <stdint.h>

#define QRUN_OWNERS_MAGIC 0x4e574f51u /* "QOWN" */
/* in a slot's mode: its permission bits are the file's (the host file's are wider) */
#define QRUN_MODE_PERMS	  0x80000000u
#define QRUN_OWNERS_SLOTS 65536u /* a power of two */

enum { QRUN_SLOT_EMPTY = 0, QRUN_SLOT_LIVE, QRUN_SLOT_GONE };

struct qrun_owner_slot {
	uint64_t dev, ino, rdev;
	uint32_t uid, gid;
	uint32_t mode; /* a type the host lacks, and/or permissions with QRUN_MODE_PERMS */
	uint32_t state;
};

struct qrun_owners {
	uint32_t magic;
	uint32_t n_slots;
	uint32_t real_uid, real_gid;
	uint32_t seq;  /* odd while a tracer writes */
	uint32_t full; /* an entry did not fit: every stat goes to the tracer */
	struct qrun_owner_slot slot[];
};

#define QRUN_OWNERS_SIZE                                                                           \
	(sizeof(struct qrun_owners) + QRUN_OWNERS_SLOTS * sizeof(struct qrun_owner_slot))

/*
 * The guest's view of an inode, from the host's answer (in place) and its entry (NULL: none):
 * the one rule both the tracer (tracer/owners.c) and the shim (preload/owners.c) apply.
 */
static inline void qrun_owner_view(const struct qrun_owner_slot *e, uint32_t real_uid,
				   uint32_t real_gid, uint32_t *uid, uint32_t *gid, uint32_t *mode,
				   uint64_t *rdev)
{
	const uint32_t ifmt = 0170000;

	if (!e) {
		if (*uid == real_uid)
			*uid = 0;
		if (*gid == real_gid)
			*gid = 0;
		return;
	}
	*uid = e->uid;
	*gid = e->gid;
	if (e->mode & ifmt) {
		*mode = (e->mode & ifmt) | (*mode & 07777);
		*rdev = e->rdev;
	}
	if (e->mode & QRUN_MODE_PERMS)
		*mode = (*mode & ifmt) | (e->mode & 07777);
}

static inline uint32_t qrun_owners_hash(uint64_t dev, uint64_t ino, uint32_t n)
{
	return (uint32_t)((ino * 0x9e3779b97f4a7c15ULL) ^ dev) & (n - 1);
}
