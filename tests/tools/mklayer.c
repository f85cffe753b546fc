/*
 * mklayer: write a tar layer (pax restricted, libarchive's writer) from a line-based spec, for
 * the image-store tests. It writes exactly what the spec says: `..` names, absolute names,
 * duplicates, whiteouts, hard links to anywhere. Nothing is read from the file system.
 *
 *   mklayer [-z gzip|zstd|xz|bzip2|none] [-m MTIME] [-t N|-t -N] OUT.tar < SPEC
 *
 *   -z   compression of the output (default none)
 *   -m   the mtime of every entry (default 1600000000, so that the output is reproducible)
 *   -t N keep only the first N bytes of the (compressed) output; -t -N drops the last N bytes
 *
 * SPEC: one entry per line; blank lines and lines starting with '#' are ignored. Fields are
 * separated by blanks. In a field, a backslash starts an escape: \\ \n \t \r \s (space),
 * "\ " (space), \xHH (a byte), \NNN (octal, 1-3 digits), \e (the empty string, for an empty
 * field). MODE is octal (setuid/setgid/sticky bits allowed, 0000 too).
 *
 *   file PATH MODE UID GID [CONTENT]    regular file (CONTENT absent: empty)
 *   data PATH MODE UID GID SIZE SEED    regular file of SIZE pseudo-random bytes from SEED
 *   dir PATH MODE [UID GID]
 *   symlink PATH TARGET [UID GID]       TARGET stored verbatim (dangling, absolute, ..)
 *   hardlink PATH TARGET                a hard-link entry (type '1') naming TARGET
 *   char PATH MAJOR MINOR [MODE [UID GID]]
 *   block PATH MAJOR MINOR [MODE [UID GID]]
 *   fifo PATH [MODE [UID GID]]
 *   xattr KEY VALUE                     adds an xattr (PAX SCHILY.xattr.KEY) to the entry on
 *                                       the line before
 *
 * Whiteouts are plain entries named `.wh.NAME` or `.wh..wh..opq` (a file, or a hard link).
 * Exit status: 0 written, 1 a write error, 2 a bad spec or usage.
 */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define MAX_FIELDS 16

struct field {
	char *s;
	size_t len;
};

static const char *spec_name = "<stdin>";
static unsigned long line_no;

static void die_spec(const char *what)
{
	fprintf(stderr, "mklayer: %s:%lu: %s\n", spec_name, line_no, what);
	exit(2);
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Split LINE into decoded fields (in place: decoding never makes a field longer). */
static int split_fields(char *line, struct field *f)
{
	int n = 0;
	char *p = line;

	for (;;) {
		char *out;

		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		if (!*p)
			return n;
		if (n == MAX_FIELDS)
			die_spec("too many fields");
		f[n].s = out = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') {
			int c = (unsigned char)*p++, v;

			if (c != '\\') {
				*out++ = (char)c;
				continue;
			}
			c = (unsigned char)*p++;
			switch (c) {
			case '\\':
				*out++ = '\\';
				break;
			case 'n':
				*out++ = '\n';
				break;
			case 't':
				*out++ = '\t';
				break;
			case 'r':
				*out++ = '\r';
				break;
			case 's':
			case ' ':
				*out++ = ' ';
				break;
			case 'e':
				break;
			case 'x':
				if (hexval(p[0]) < 0 || hexval(p[1]) < 0)
					die_spec("bad \\x escape");
				*out++ = (char)(hexval(p[0]) * 16 + hexval(p[1]));
				p += 2;
				break;
			default:
				if (c < '0' || c > '7')
					die_spec("unknown escape");
				v = c - '0';
				for (int i = 0; i < 2 && *p >= '0' && *p <= '7'; i++)
					v = v * 8 + (*p++ - '0');
				if (v == 0 || v > 255)
					die_spec("bad octal escape (NUL or > 0377)");
				*out++ = (char)v;
			}
		}
		/* The terminator overwrites the separator (or is the string's own NUL). */
		f[n].len = (size_t)(out - f[n].s);
		if (*p)
			p++;
		*out = '\0';
		n++;
	}
}

static unsigned long num(const struct field *f, int base)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(f->s, &end, base);
	if (errno || end == f->s || *end)
		die_spec("bad number");
	return v;
}

static void owner(struct archive_entry *e, int n, const struct field *f, int at)
{
	if (n > at + 1) {
		archive_entry_set_uid(e, (la_int64_t)num(&f[at], 10));
		archive_entry_set_gid(e, (la_int64_t)num(&f[at + 1], 10));
	} else if (n == at + 1) {
		die_spec("UID without GID");
	}
}

static void write_entry(struct archive *a, struct archive_entry *e, const char *buf, size_t len)
{
	int r = archive_write_header(a, e);

	if (r < ARCHIVE_OK)
		fprintf(stderr, "mklayer: %s: %s\n", archive_entry_pathname(e),
			archive_error_string(a));
	if (r < ARCHIVE_WARN)
		exit(1);
	if (len && archive_write_data(a, buf, len) != (la_ssize_t)len) {
		fprintf(stderr, "mklayer: %s: %s\n", archive_entry_pathname(e),
			archive_error_string(a));
		exit(1);
	}
}

/* Deterministic filler for `data` entries (xorshift64). */
static char *pseudo_random(size_t size, unsigned long seed)
{
	char *buf = malloc(size ? size : 1);
	uint64_t x = seed * 2654435761u + 88172645463325252ull;

	if (!buf) {
		perror("mklayer");
		exit(1);
	}
	for (size_t i = 0; i < size; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		buf[i] = (char)(x >> 32);
	}
	return buf;
}

/* Build an entry from the fields; the body (file content) comes back in *ret_buf and *ret_len. */
static struct archive_entry *make_entry(int n, struct field *f, long mtime, char **ret_buf,
					size_t *ret_len)
{
	struct archive_entry *e = archive_entry_new();
	const char *t = f[0].s;

	*ret_buf = NULL;
	*ret_len = 0;
	if (n < 2)
		die_spec("no PATH");
	archive_entry_set_pathname(e, f[1].s);
	archive_entry_set_mtime(e, mtime, 0);
	archive_entry_set_uid(e, 0);
	archive_entry_set_gid(e, 0);
	if (!strcmp(t, "file")) {
		if (n < 5 || n > 6)
			die_spec("usage: file PATH MODE UID GID [CONTENT]");
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, (mode_t)num(&f[2], 8));
		owner(e, n, f, 3);
		if (n == 6) {
			*ret_buf = malloc(f[5].len + 1);
			memcpy(*ret_buf, f[5].s, f[5].len);
			*ret_len = f[5].len;
		}
		archive_entry_set_size(e, (la_int64_t)*ret_len);
	} else if (!strcmp(t, "data")) {
		if (n != 7)
			die_spec("usage: data PATH MODE UID GID SIZE SEED");
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, (mode_t)num(&f[2], 8));
		owner(e, n, f, 3);
		*ret_len = num(&f[5], 10);
		*ret_buf = pseudo_random(*ret_len, num(&f[6], 10));
		archive_entry_set_size(e, (la_int64_t)*ret_len);
	} else if (!strcmp(t, "dir")) {
		if (n != 3 && n != 5)
			die_spec("usage: dir PATH MODE [UID GID]");
		archive_entry_set_filetype(e, AE_IFDIR);
		archive_entry_set_perm(e, (mode_t)num(&f[2], 8));
		owner(e, n, f, 3);
	} else if (!strcmp(t, "symlink")) {
		if (n != 3 && n != 5)
			die_spec("usage: symlink PATH TARGET [UID GID]");
		archive_entry_set_filetype(e, AE_IFLNK);
		archive_entry_set_perm(e, 0777);
		archive_entry_set_symlink(e, f[2].s);
		owner(e, n, f, 3);
	} else if (!strcmp(t, "hardlink")) {
		if (n != 3)
			die_spec("usage: hardlink PATH TARGET");
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_hardlink(e, f[2].s);
		archive_entry_set_size(e, 0);
	} else if (!strcmp(t, "char") || !strcmp(t, "block")) {
		if (n != 4 && n != 5 && n != 7)
			die_spec("usage: char|block PATH MAJOR MINOR [MODE [UID GID]]");
		archive_entry_set_filetype(e, t[0] == 'c' ? AE_IFCHR : AE_IFBLK);
		archive_entry_set_rdev(e, makedev(num(&f[2], 10), num(&f[3], 10)));
		archive_entry_set_perm(e, n > 4 ? (mode_t)num(&f[4], 8) : 0644);
		owner(e, n, f, 5);
	} else if (!strcmp(t, "fifo")) {
		if (n != 2 && n != 3 && n != 5)
			die_spec("usage: fifo PATH [MODE [UID GID]]");
		archive_entry_set_filetype(e, AE_IFIFO);
		archive_entry_set_perm(e, n > 2 ? (mode_t)num(&f[2], 8) : 0644);
		owner(e, n, f, 3);
	} else {
		die_spec("unknown entry type");
	}
	return e;
}

int main(int argc, char **argv)
{
	const char *comp = "none", *out;
	long mtime = 1600000000, trunc = 0;
	int opt, have_trunc = 0, r;
	struct archive *a;
	struct archive_entry *cur = NULL;
	char *cur_buf = NULL, *line = NULL;
	size_t cur_len = 0, cap = 0;
	struct field f[MAX_FIELDS];

	/* Names are bytes, normally UTF-8: the pax writer needs a UTF-8 locale to store them. */
	if (!setlocale(LC_CTYPE, "C.UTF-8"))
		(void)setlocale(LC_CTYPE, "");
	while ((opt = getopt(argc, argv, "z:m:t:")) != -1) {
		switch (opt) {
		case 'z':
			comp = optarg;
			break;
		case 'm':
			mtime = strtol(optarg, NULL, 10);
			break;
		case 't':
			trunc = strtol(optarg, NULL, 10);
			have_trunc = 1;
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc - 1)
		goto usage;
	out = argv[optind];

	a = archive_write_new();
	if (!strcmp(comp, "gzip"))
		r = archive_write_add_filter_gzip(a);
	else if (!strcmp(comp, "zstd"))
		r = archive_write_add_filter_zstd(a);
	else if (!strcmp(comp, "xz"))
		r = archive_write_add_filter_xz(a);
	else if (!strcmp(comp, "bzip2"))
		r = archive_write_add_filter_bzip2(a);
	else if (!strcmp(comp, "none"))
		r = archive_write_add_filter_none(a);
	else
		goto usage;
	if (r < ARCHIVE_WARN) {
		fprintf(stderr, "mklayer: %s: %s\n", comp, archive_error_string(a));
		return 1;
	}
	/* gzip: no name or timestamp in the header, so that equal specs give equal blobs. */
	if (!strcmp(comp, "gzip"))
		(void)archive_write_set_filter_option(a, "gzip", "timestamp", NULL);
	archive_write_set_format_pax_restricted(a);
	/* Only SCHILY.xattr.* (what Go, GNU tar and umoci read), not also LIBARCHIVE.xattr.*. */
	(void)archive_write_set_format_option(a, "pax", "xattrheader", "SCHILY");
	if (archive_write_open_filename(a, out) != ARCHIVE_OK) {
		fprintf(stderr, "mklayer: %s: %s\n", out, archive_error_string(a));
		return 1;
	}

	while (getline(&line, &cap, stdin) != -1) {
		int n;

		line_no++;
		n = split_fields(line, f);
		if (n == 0 || f[0].s[0] == '#')
			continue;
		if (!strcmp(f[0].s, "xattr")) {
			if (!cur)
				die_spec("xattr before any entry");
			if (n != 3)
				die_spec("usage: xattr KEY VALUE");
			archive_entry_xattr_add_entry(cur, f[1].s, f[2].s, f[2].len);
			continue;
		}
		if (cur) {
			write_entry(a, cur, cur_buf, cur_len);
			archive_entry_free(cur);
			free(cur_buf);
		}
		cur = make_entry(n, f, mtime, &cur_buf, &cur_len);
	}
	if (cur) {
		write_entry(a, cur, cur_buf, cur_len);
		archive_entry_free(cur);
		free(cur_buf);
	}
	free(line);
	if (archive_write_close(a) != ARCHIVE_OK) {
		fprintf(stderr, "mklayer: %s: %s\n", out, archive_error_string(a));
		return 1;
	}
	archive_write_free(a);

	if (have_trunc) {
		struct stat st;

		if (stat(out, &st) < 0) {
			perror(out);
			return 1;
		}
		if (trunc < 0)
			trunc += st.st_size;
		if (trunc < 0 || trunc > st.st_size) {
			fprintf(stderr, "mklayer: -t: %s has %lld bytes\n", out,
				(long long)st.st_size);
			return 2;
		}
		if (truncate(out, trunc) < 0) {
			perror(out);
			return 1;
		}
	}
	return 0;

usage:
	fprintf(stderr, "usage: mklayer [-z gzip|zstd|xz|bzip2|none] [-m MTIME] [-t [-]N] OUT.tar "
			"< SPEC\n");
	return 2;
}
