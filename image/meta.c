/*
 * Rootless ownership metadata: what an unprivileged unpack could not apply (owners, device
 * nodes, modes that would lock the user out of the tree). The file format is in image.h; here
 * a small chained hash table keyed by path.
 */
#include "image/image-internal.h"

#include <fcntl.h>
#include <sys/sysmacros.h>

struct meta_node {
	struct meta_entry e;
	struct meta_node *next;
};

struct meta {
	struct meta_node **buckets;
	size_t n_buckets;
	size_t n;
	const struct meta_entry **sorted; /* cache for meta_sorted, dropped on change */
};

static size_t hash_path(const char *s)
{
	size_t h = 14695981039346656037ULL; /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

struct meta *meta_new(void)
{
	struct meta *m = xcalloc(1, sizeof(*m));

	m->n_buckets = 256;
	m->buckets = xcalloc(m->n_buckets, sizeof(*m->buckets));
	return m;
}

static void meta_changed(struct meta *m)
{
	free(m->sorted);
	m->sorted = NULL;
}

struct meta *meta_free(struct meta *m)
{
	if (!m)
		return NULL;
	for (size_t i = 0; i < m->n_buckets; i++) {
		for (struct meta_node *n = m->buckets[i], *next; n; n = next) {
			next = n->next;
			free(n->e.path);
			free(n);
		}
	}
	free(m->buckets);
	free(m->sorted);
	free(m);
	return NULL;
}

static void meta_grow(struct meta *m)
{
	size_t nb = m->n_buckets * 4;
	struct meta_node **b = xcalloc(nb, sizeof(*b));

	for (size_t i = 0; i < m->n_buckets; i++) {
		for (struct meta_node *n = m->buckets[i], *next; n; n = next) {
			size_t h = hash_path(n->e.path) & (nb - 1);

			next = n->next;
			n->next = b[h];
			b[h] = n;
		}
	}
	free(m->buckets);
	m->buckets = b;
	m->n_buckets = nb;
}

void meta_set(struct meta *m, const char *path, mode_t mode, uid_t uid, gid_t gid, dev_t rdev)
{
	size_t h = hash_path(path) & (m->n_buckets - 1);
	struct meta_node *n;

	meta_changed(m);
	for (n = m->buckets[h]; n; n = n->next) {
		if (strcmp(n->e.path, path) == 0)
			break;
	}
	if (!n) {
		if (m->n >= m->n_buckets) {
			meta_grow(m);
			h = hash_path(path) & (m->n_buckets - 1);
		}
		n = xcalloc(1, sizeof(*n));
		n->e.path = xstrdup(path);
		n->next = m->buckets[h];
		m->buckets[h] = n;
		m->n++;
	}
	n->e.mode = mode;
	n->e.uid = uid;
	n->e.gid = gid;
	n->e.rdev = rdev;
}

const struct meta_entry *meta_get(const struct meta *m, const char *path)
{
	for (struct meta_node *n = m->buckets[hash_path(path) & (m->n_buckets - 1)]; n; n = n->next)
		if (strcmp(n->e.path, path) == 0)
			return &n->e;
	return NULL;
}

size_t meta_count(const struct meta *m)
{
	return m->n;
}

static bool below(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	return strncmp(path, dir, n) == 0 && path[n] == '/';
}

static void meta_remove_if(struct meta *m, const char *dir, bool self)
{
	if (m->n == 0)
		return;
	meta_changed(m);
	for (size_t i = 0; i < m->n_buckets; i++) {
		struct meta_node **pp = &m->buckets[i];

		while (*pp) {
			struct meta_node *n = *pp;

			if (below(n->e.path, dir) || (self && strcmp(n->e.path, dir) == 0)) {
				*pp = n->next;
				free(n->e.path);
				free(n);
				m->n--;
			} else {
				pp = &n->next;
			}
		}
	}
}

void meta_remove_tree(struct meta *m, const char *path)
{
	meta_remove_if(m, path, true);
}

void meta_remove(struct meta *m, const char *path)
{
	size_t h = hash_path(path) & (m->n_buckets - 1);

	for (struct meta_node **pp = &m->buckets[h]; *pp; pp = &(*pp)->next) {
		struct meta_node *n = *pp;

		if (strcmp(n->e.path, path) == 0) {
			meta_changed(m);
			*pp = n->next;
			free(n->e.path);
			free(n);
			m->n--;
			return;
		}
	}
}

void meta_remove_children(struct meta *m, const char *path)
{
	meta_remove_if(m, path, false);
}

static int cmp_entry(const void *a, const void *b)
{
	const struct meta_entry *const *x = a, *const *y = b;

	return strcmp((*x)->path, (*y)->path);
}

const struct meta_entry *const *meta_sorted(struct meta *m)
{
	size_t k = 0;

	if (m->sorted)
		return m->sorted;
	m->sorted = xcalloc(m->n + 1, sizeof(*m->sorted));
	for (size_t i = 0; i < m->n_buckets; i++)
		for (struct meta_node *n = m->buckets[i]; n; n = n->next)
			m->sorted[k++] = &n->e;
	if (k > 1)
		qsort(m->sorted, k, sizeof(*m->sorted), cmp_entry);
	return m->sorted;
}

/* ---- the text format ------------------------------------------------------------------- */

static void put_escaped(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\\')
			fputs("\\\\", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\%03o", c);
		else
			fputc(c, f);
	}
}

int meta_save(const struct meta *m, int dirfd, const char *name, struct qerr *err)
{
	const struct meta_entry *const *v = meta_sorted((struct meta *)m);
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	int fd, r;

	if (!f)
		abort();
	fputs("# qrun-meta 1\n", f);
	for (size_t i = 0; i < m->n; i++) {
		put_escaped(f, v[i]->path);
		fprintf(f, "\t%07o\t%u\t%u\t%u:%u\n", (unsigned)v[i]->mode, (unsigned)v[i]->uid,
			(unsigned)v[i]->gid, major(v[i]->rdev), minor(v[i]->rdev));
	}
	fclose(f);
	fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return qerr_set_errno(err, -errno, "cannot write '%s'", name);
	r = write_all(fd, buf, len);
	close(fd);
	if (r < 0)
		return qerr_set_errno(err, r, "cannot write '%s'", name);
	return 0;
}

static int unescape(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (*s != '\\') {
			*o++ = *s;
			continue;
		}
		s++;
		if (*s == '\\')
			*o++ = '\\';
		else if (*s == 't')
			*o++ = '\t';
		else if (*s == 'n')
			*o++ = '\n';
		else if (s[0] >= '0' && s[0] <= '3' && s[1] >= '0' && s[1] <= '7' && s[2] >= '0' &&
			 s[2] <= '7') {
			*o++ = (char)((s[0] - '0') * 64 + (s[1] - '0') * 8 + (s[2] - '0'));
			s += 2;
		} else
			return -EINVAL;
	}
	*o = '\0';
	return 0;
}

int meta_load(struct meta *m, int dirfd, const char *name, struct qerr *err)
{
	_cleanup_free_ char *buf = NULL;
	ssize_t n = read_file_at(dirfd, name, 1u << 30, &buf);
	char *line, *save = NULL;
	unsigned lineno = 0;

	if (n == -ENOENT)
		return 0;
	if (n < 0)
		return qerr_set_errno(err, (int)n, "cannot read '%s'", name);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f[5], *p = line;
		unsigned mode, uid, gid, ma, mi;
		size_t k = 0;

		lineno++;
		if (line[0] == '#')
			continue;
		for (; k < 5; k++) {
			f[k] = p;
			p = strchr(p, '\t');
			if (!p)
				break;
			*p++ = '\0';
		}
		if (k != 4 || unescape(f[0]) < 0 || sscanf(f[1], "%o", &mode) != 1 ||
		    sscanf(f[2], "%u", &uid) != 1 || sscanf(f[3], "%u", &gid) != 1 ||
		    sscanf(f[4], "%u:%u", &ma, &mi) != 2)
			return qerr_set(err, -EINVAL, "'%s' line %u: not a qrun-meta line", name,
					lineno);
		meta_set(m, f[0], (mode_t)mode, (uid_t)uid, (gid_t)gid, makedev(ma, mi));
	}
	return 0;
}

int image_owners_read(const char *path, struct image_owner **ret, size_t *ret_n, struct qerr *err)
{
	struct meta *m = meta_new();
	const struct meta_entry *const *v;
	int r = meta_load(m, AT_FDCWD, path, err);

	*ret = NULL;
	*ret_n = 0;
	if (r < 0 || meta_count(m) == 0) {
		meta_free(m);
		return r;
	}
	v = meta_sorted(m);
	*ret = xcalloc(meta_count(m), sizeof(**ret));
	for (size_t i = 0; i < meta_count(m); i++) {
		(*ret)[i] = (struct image_owner){ .path = xstrdup(v[i]->path),
						  .mode = v[i]->mode,
						  .uid = v[i]->uid,
						  .gid = v[i]->gid,
						  .rdev = v[i]->rdev };
	}
	*ret_n = meta_count(m);
	meta_free(m);
	return 0;
}

void image_owners_free(struct image_owner *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(v[i].path);
	free(v);
}
