/*
 * execve and execveat. The kernel would resolve a `#!` interpreter and an ELF's PT_INTERP on
 * the host, so qrun does both inside the guest: scripts become an exec of their interpreter
 * (nested up to the kernel's depth of 4 plus the script), and a dynamic ELF is started through
 * the guest's own ld.so run as a program (`ld.so [--argv0 NAME] PROGRAM ARGS`), whose opens of
 * the program and its libraries are translated like any other. /proc/self/exe and AT_EXECFN
 * are then made to show the guest's view (loop.c, execve_done).
 *
 * A foreign ELF (decided per exec from its header by common/arch.c's table) becomes an exec of the
 * host's qemu-user emulator, `qemu-ARCH-static -0 ARGV0 PROGRAM ARGS`: qemu's own opens of the
 * program, its ld.so and libraries are translated like anyone's, and when the guest execs,
 * qemu's host execve comes back here and is wrapped again, so the whole tree stays emulated
 * without binfmt_misc. i386 programs go to qemu-i386 too: the tracer translates only the
 * x86_64 syscall ABI.
 */
#include "tracer/tracer-internal.h"

#include <elf.h>
#include <fcntl.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#define EXEC_MAX_DEPTH 5     /* BINPRM_MAX_RECURSION (4) + the program itself */
#define EXEC_MAX_ARGS  65536 /* beyond this we leave argv alone and fail as E2BIG */
#define EXEC_HEADER    256
#define EXEC_SCRIPT_HEAD                                                                           \
	8 /* argv strings nested scripts may put in front; room is left for a                      \
	   * runner and its options */

/* The argv being built: guest strings (owned) + the tail of the original argv (pointers). */
struct exec_argv {
	char *head[16]; /* owned, new leading strings (scripts use up to EXEC_SCRIPT_HEAD) */
	size_t n_head;
	uint64_t tail; /* address of the original argv[k] pointer the rest starts at (or 0) */
	bool changed;
};

static void argv_release(struct exec_argv *a)
{
	for (size_t i = 0; i < a->n_head; i++)
		free(a->head[i]);
	a->n_head = 0;
}

bool ldso_has_option(struct tracer *tr, const char *host, enum ldso_option opt)
{
	static const char *const text[] = {
		[LDSO_ARGV0] = "--argv0", [LDSO_PRELOAD] = "--preload"
	};
	_cleanup_free_ char *buf = NULL;
	size_t i, n = tr->n_ldso_known;
	ssize_t len;

	for (i = 0; i < n; i++) {
		if (strcmp(tr->ldso_known[i].path, host) == 0)
			return tr->ldso_known[i].has[opt];
	}
	len = read_file_at(AT_FDCWD, host, 16 << 20, &buf);
	if (n == ARRAY_SIZE(tr->ldso_known))
		return len > 0 && memmem(buf, (size_t)len, text[opt], strlen(text[opt]));
	tr->ldso_known[n].path = xstrdup(host);
	for (int k = 0; k < 2; k++)
		tr->ldso_known[n].has[k] =
		    len > 0 && memmem(buf, (size_t)len, text[k], strlen(text[k]));
	tr->n_ldso_known++;
	return tr->ldso_known[n].has[opt];
}

void ldso_release(struct tracer *tr)
{
	for (size_t i = 0; i < tr->n_ldso_known; i++)
		free(tr->ldso_known[i].path);
	tr->n_ldso_known = 0;
}

/*
 * Read the PT_INTERP of a 64-bit little-endian ELF for this host into ret. Returns 1 if the
 * file has one, 0 if it is static, -ENOEXEC if malformed.
 */
static int elf_interp(int fd, const Elf64_Ehdr *eh, char *ret, size_t size)
{
	Elf64_Phdr ph[64];
	size_t n = eh->e_phnum;
	ssize_t got;

	if (eh->e_phentsize != sizeof(ph[0]) || n > 512)
		return -ENOEXEC;
	/* one read for the program headers (a program has a dozen or so) */
	for (size_t at = 0; at < n; at += ARRAY_SIZE(ph)) {
		size_t k = n - at < ARRAY_SIZE(ph) ? n - at : ARRAY_SIZE(ph);

		got = pread(fd, ph, k * sizeof(ph[0]), (off_t)(eh->e_phoff + at * sizeof(ph[0])));
		if (got != (ssize_t)(k * sizeof(ph[0])))
			return -ENOEXEC;
		for (size_t i = 0; i < k; i++) {
			if (ph[i].p_type != PT_INTERP)
				continue;
			if (ph[i].p_filesz < 2 || ph[i].p_filesz > size)
				return -ENOEXEC;
			if (pread(fd, ret, ph[i].p_filesz, (off_t)ph[i].p_offset) !=
			    (ssize_t)ph[i].p_filesz)
				return -ENOEXEC;
			ret[ph[i].p_filesz - 1] = '\0';
			return 1;
		}
	}
	return 0;
}

/* Parse "#!interp [arg]" from a header; 1 on success, 0 when it is not a script. */
static int shebang(const char *hdr, size_t n, char *interp, size_t isize, char *arg, size_t asize)
{
	const char *p = hdr + 2, *end = memchr(hdr, '\n', n), *q;
	size_t len;

	if (n < 2 || hdr[0] != '#' || hdr[1] != '!')
		return 0;
	if (!end)
		end = hdr + n; /* the kernel also accepts a first line cut at its buffer size */
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	for (q = p; q < end && *q != ' ' && *q != '\t'; q++)
		;
	len = (size_t)(q - p);
	if (len == 0 || len >= isize)
		return -ENOEXEC;
	memcpy(interp, p, len);
	interp[len] = '\0';
	while (q < end && (*q == ' ' || *q == '\t'))
		q++;
	/* The kernel passes the rest of the line, trailing blanks stripped, as one argument. */
	while (end > q && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
		end--;
	len = (size_t)(end - q);
	if (len >= asize)
		return -ENOEXEC;
	memcpy(arg, q, len);
	arg[len] = '\0';
	return 1;
}

/* Write argv (head strings, then the guest's tail pointers) into scratch; 0 or -errno. */
static int argv_write(struct tracee *t, struct scratch *s, const struct exec_argv *a,
		      uint64_t *ret_addr)
{
	uint64_t ptrs[ARRAY_SIZE(a->head) + 1];
	_cleanup_free_ uint64_t *all = NULL;
	size_t n_tail = 0, alloc = 0;
	int e = 0;

	for (size_t i = 0; i < a->n_head; i++) {
		ptrs[i] = scratch_put(s, a->head[i], strlen(a->head[i]) + 1, &e);
		if (!ptrs[i])
			return e;
	}
	for (;;) {
		uint64_t p = 0;

		if (!a->tail)
			break;
		if (mem_read(t->pid, a->tail + n_tail * 8, &p, 8) < 0)
			return -EFAULT;
		all = xgrow(all, sizeof(*all), a->n_head + n_tail + 1, &alloc);
		all[a->n_head + n_tail] = p;
		if (!p)
			break;
		if (++n_tail > EXEC_MAX_ARGS)
			return -E2BIG;
	}
	all = xgrow(all, sizeof(*all), a->n_head + n_tail + 1, &alloc);
	memcpy(all, ptrs, a->n_head * sizeof(*all));
	all[a->n_head + n_tail] = 0;
	*ret_addr = scratch_put(s, all, (a->n_head + n_tail + 1) * sizeof(*all), &e);
	return *ret_addr ? 0 : e;
}

/*
 * Turn av into [runner, opt, optval, flag?, argv0, program, rest...] (opt and optval only when
 * opt is given), where argv0 and rest come from what av holds so far (a script's rewritten
 * head, or the guest's own argv).
 */
static void prepend_runner(struct tracee *t, struct exec_argv *av, const char *runner,
			   const char *opt, const char *optval, const char *flag,
			   const char *program, const char *fallback_argv0)
{
	char *argv0 = NULL, *rest[EXEC_SCRIPT_HEAD];
	size_t n_rest = 0, i = 0;
	char buf[PATH_MAX];
	uint64_t a0 = 0;

	if (av->n_head > 0) {
		argv0 = av->head[0];
		n_rest = av->n_head - 1;
		memcpy(rest, av->head + 1, n_rest * sizeof(char *));
	} else if (av->tail && mem_read(t->pid, av->tail, &a0, 8) == 0 && a0 &&
		   mem_read_string(t->pid, a0, buf, sizeof(buf)) >= 0) {
		argv0 = xstrdup(buf);
		av->tail += 8;
	} else {
		argv0 = xstrdup(fallback_argv0);
		av->tail = 0; /* argv was empty */
	}
	av->head[i++] = xstrdup(runner);
	if (opt) {
		av->head[i++] = xstrdup(opt);
		av->head[i++] = xstrdup(optval);
	}
	if (flag) {
		av->head[i++] = xstrdup(flag);
		av->head[i++] = argv0;
	} else {
		free(argv0);
	}
	av->head[i++] = xstrdup(program);
	memcpy(av->head + i, rest, n_rest * sizeof(char *));
	av->n_head = i + n_rest;
	av->changed = true;
}

/*
 * The emulator for arch: the forced one, or qemu-NAME-static / qemu-NAME on PATH, cached per
 * emulator (every ARM variant shares qemu-arm's entry).
 */
static const char *emulator(struct tracer *tr, const struct arch *arch)
{
	size_t i = arch_index(arch_emulator_row(arch));

	if (tr->config->qemu)
		return tr->config->qemu;
	if (!tr->qemu_looked[i]) {
		tr->qemu_looked[i] = true;
		(void)tracer_qemu_find(arch, &tr->qemu_paths[i]);
	}
	return tr->qemu_paths[i];
}

/* execve/execveat at entry. Returns the errno to fail with, or 0 when it may go on. */
static int execve_enter(struct tracer *tr, struct tracee *t, const struct sysregs *r,
			const struct sc_def *def)
{
	struct stop_exec *st = &tr->stop.exec; /* too big for the stack frame */
	const struct sc_path *p = &def->p[0];
	bool at = r->nr == SYS_execveat;
	int dirfd = at ? (int)r->args[0] : AT_FDCWD;
	uint64_t flags = at ? r->args[4] : 0, argv_ptr = r->args[at ? 2 : 1], new_argv = 0;
	struct exec_argv av = { .tail = argv_ptr };
	char interp[PATH_MAX], optarg[PATH_MAX], hdr[EXEC_HEADER];
	struct scratch s;
	struct xlat x;
	ssize_t n;
	int e = 0, depth;

	n = mem_read_string(t->pid, r->args[p->path], st->name, sizeof(st->name));
	if (n < 0)
		return n == -ENAMETOOLONG ? -ENAMETOOLONG : -EFAULT;
	if (n == 0 && !(flags & AT_EMPTY_PATH))
		return -ENOENT;
	if (n == 0) {
		/* execveat(fd, "", AT_EMPTY_PATH): the program is the fd itself. */
		char link[48];

		(void)snprintf(link, sizeof(link), "/proc/%d/fd/%d", t->pid, dirfd);
		if (path_proc_link(tr, t, link, st->file_guest, sizeof(st->file_guest)) <= 0 ||
		    st->file_guest[0] != '/')
			(void)snprintf(st->file_guest, sizeof(st->file_guest), "%s", link);
		(void)snprintf(st->file_host, sizeof(st->file_host), "%s", link);
		(void)snprintf(st->name, sizeof(st->name), "/dev/fd/%d", dirfd);
	} else {
		e = path_translate(tr, t, dirfd, st->name, !(flags & AT_SYMLINK_NOFOLLOW), &x);
		if (e < 0)
			return e;
		memcpy(st->file_guest, x.guest, sizeof(st->file_guest));
		memcpy(st->file_host, x.host, sizeof(st->file_host));
		if (dirfd != AT_FDCWD && st->name[0] != '/') {
			/* the kernel names a dirfd-relative program /dev/fd/N/NAME (AT_EXECFN, #!)
			 */
			char rel[PATH_MAX];

			memcpy(rel, st->name, sizeof(rel));
			if (snprintf(st->name, sizeof(st->name), "/dev/fd/%d/%s", dirfd, rel) >=
			    (int)sizeof(st->name))
				return -ENAMETOOLONG;
		}
	}
	free(t->pending_execfn);
	t->pending_execfn = xstrdup(st->name);

	for (depth = 0;; depth++) {
		_cleanup_close_ int fd = -1;
		struct stat sb;
		int k;

		if (depth >= EXEC_MAX_DEPTH) {
			e = -ELOOP;
			goto out;
		}
		fd = open(st->file_host, O_RDONLY | O_CLOEXEC);
		if (fd < 0) {
			e = -errno;
			goto out;
		}
		if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) || !(sb.st_mode & 0111)) {
			e = -EACCES;
			goto out;
		}
		e = perms_exec(tr, t, st->file_host, &sb);
		if (e < 0)
			goto out;
		n = pread(fd, hdr, sizeof(hdr), 0);
		if (n < 0) {
			e = -errno;
			goto out;
		}
		k = shebang(hdr, (size_t)n, interp, sizeof(interp), optarg, sizeof(optarg));
		if (k < 0) {
			e = k;
			goto out;
		}
		if (k > 0) {
			/* [interp, optarg?, script name, argv[1]...] */
			char *prev_head[8];
			size_t prev_n = av.n_head;

			if (av.n_head + 3 > EXEC_SCRIPT_HEAD) {
				e = -ELOOP;
				goto out;
			}
			memcpy(prev_head, av.head, sizeof(prev_head));
			av.n_head = 0;
			av.head[av.n_head++] = xstrdup(interp);
			if (optarg[0])
				av.head[av.n_head++] = xstrdup(optarg);
			av.head[av.n_head++] = xstrdup(st->name);
			if (prev_n > 0) {
				/* the previous script's argv[0] is replaced; the rest stays */
				free(prev_head[0]);
				memcpy(av.head + av.n_head, prev_head + 1,
				       (prev_n - 1) * sizeof(char *));
				av.n_head += prev_n - 1;
			} else if (av.tail) {
				uint64_t a0 = 0;

				/* the guest's argv[0] is replaced by the script name */
				if (mem_read(t->pid, av.tail, &a0, 8) < 0) {
					e = -EFAULT;
					goto out;
				}
				av.tail = a0 ? av.tail + 8 : 0;
			}
			av.changed = true;
			e = path_translate(tr, t, AT_FDCWD, interp, true, &x);
			if (e < 0)
				goto out;
			memcpy(st->file_guest, x.guest, sizeof(st->file_guest));
			memcpy(st->file_host, x.host, sizeof(st->file_host));
			(void)snprintf(st->name, sizeof(st->name), "%s", interp);
			continue;
		}
		if ((size_t)n >= sizeof(Elf64_Ehdr) && memcmp(hdr, ELFMAG, SELFMAG) == 0) {
			const Elf64_Ehdr *eh = (const Elf64_Ehdr *)hdr;
			const struct arch *arch = arch_find_elf(hdr, (size_t)n);
			const char *runner, *shim;

			free(t->pending_exe);
			t->pending_exe = xstrdup(st->file_guest);
			if (arch != tracer_arch_host()) {
				runner = arch ? emulator(tr, arch) : NULL;
				if (!runner) {
					if (arch && !tr->missing_arch)
						tr->missing_arch = arch;
					e = -ENOEXEC;
					goto out;
				}
				/* the name as given: qemu shows it as AT_EXECFN */
				prepend_runner(t, &av, runner, NULL, NULL, "-0", st->name,
					       st->name);
				(void)snprintf(st->file_host, sizeof(st->file_host), "%s", runner);
				break;
			}
			k = elf_interp(fd, eh, interp, sizeof(interp));
			if (k < 0) {
				e = k;
				goto out;
			}
			if (k == 0)
				break; /* static: the kernel runs it as is */
			e = path_translate(tr, t, AT_FDCWD, interp, true, &x);
			if (e < 0)
				goto out;
			shim = preload_for(tr, t, fd, x.host);
			prepend_runner(t, &av, x.guest, shim ? "--preload" : NULL, shim,
				       ldso_has_option(tr, x.host, LDSO_ARGV0) ? "--argv0" : NULL,
				       st->file_guest, st->name);
			memcpy(st->file_host, x.host, sizeof(st->file_host));
			break;
		}
		e = -ENOEXEC;
		goto out;
	}

	scratch_init(&s, t->pid, r->sp);
	if (av.changed) {
		e = argv_write(t, &s, &av, &new_argv);
		if (e < 0)
			goto out;
		e = regs_set_arg(t->pid, at ? 2 : 1, new_argv);
		if (e < 0)
			goto out;
	}
	{
		uint64_t a = scratch_put(&s, st->file_host, strlen(st->file_host) + 1, &e);

		if (!a)
			goto out;
		e = regs_set_arg(t->pid, p->path, a);
	}
	free(t->pending_execfn_host);
	t->pending_execfn_host = xstrdup(st->file_host);
	TRACE(tr, 1, "%d execve(\"%s\") -> \"%s\"%s", t->pid, t->pending_execfn, st->file_host,
	      av.changed ? " (argv rewritten)" : "");
out:
	argv_release(&av);
	if (e < 0)
		TRACE(tr, 1, "%d execve(\"%s\") = %s", t->pid, t->pending_execfn, strerror(-e));
	return e;
}

/* Make AT_EXECFN read the guest's name when it fits over the host name the kernel got. */
static void fix_execfn(struct tracee *t)
{
	_cleanup_free_ char *path = xasprintf("/proc/%d/auxv", t->pid), *buf = NULL;
	size_t want, have;
	ssize_t n;

	if (!t->pending_execfn || !t->pending_execfn_host)
		return;
	want = strlen(t->pending_execfn) + 1;
	have = strlen(t->pending_execfn_host) + 1;
	if (want > have || strcmp(t->pending_execfn, t->pending_execfn_host) == 0)
		return;
	n = read_file_at(AT_FDCWD, path, 1 << 16, &buf);
	for (ssize_t i = 0; n > 0 && i + 16 <= n; i += 16) {
		uint64_t key, val;

		memcpy(&key, buf + i, 8);
		memcpy(&val, buf + i + 8, 8);
		if (key == AT_EXECFN) {
			(void)mem_write(t->pid, val, t->pending_execfn, want);
			break;
		}
		if (key == AT_NULL)
			break;
	}
}

void execve_done(struct tracer *tr, struct tracee *t, pid_t former)
{
	struct tracee *f = former != t->pid ? tracee_get(tr, former) : NULL;

	if (f) {
		/* execve from a non-leader thread: it took over the leader's pid */
		free(t->pending_exe);
		free(t->pending_execfn);
		free(t->pending_execfn_host);
		t->pending_exe = TAKE_PTR(f->pending_exe);
		t->pending_execfn = TAKE_PTR(f->pending_execfn);
		t->pending_execfn_host = TAKE_PTR(f->pending_execfn_host);
		if (f->cred.set)
			t->cred = f->cred; /* ids are the calling thread's */
		tracee_free(tr, f);
	}
	t->tgid = t->pid;
	if (t->pending_exe) {
		free(t->exe);
		t->exe = TAKE_PTR(t->pending_exe);
	}
	fix_execfn(t);
	ids_exec(tr, t);
	free(t->pending_execfn);
	free(t->pending_execfn_host);
	t->pending_execfn = t->pending_execfn_host = NULL;
	t->last_nr = -1;
}

static int decoded(struct tracer *tr, struct tracee *t, struct call *c)
{
	int e = execve_enter(tr, t, c->r, c->def);

	return e < 0 ? e : HOOK_DONE;
}

const struct hook exec_hook = {
	.name = "exec",
	.kinds = KIND_BIT(SC_EXECVE),
	.decoded = decoded,
};
