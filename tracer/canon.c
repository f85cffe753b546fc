/*
 * Path canonicalisation inside the guest root (see tracer-internal.h for the rules). This is
 * what keeps `..`, absolute symlinks and magic links from climbing out of the rootfs, so it is
 * pure and table-tested: the file system is only seen through the lookup callback.
 */
#include "tracer/tracer-internal.h"

/* Append "/name" (len bytes) to out (length *olen, "" = root). */
static int push(char *out, size_t *olen, const char *name, size_t len)
{
	if (*olen + 1 + len >= PATH_MAX)
		return -ENAMETOOLONG;
	out[(*olen)++] = '/';
	memcpy(out + *olen, name, len);
	*olen += len;
	out[*olen] = '\0';
	return 0;
}

static void pop(char *out, size_t *olen)
{
	while (*olen > 0 && out[*olen - 1] != '/')
		(*olen)--;
	if (*olen > 0)
		(*olen)--; /* the '/' itself; "" is the root */
	out[*olen] = '\0';
}

/* Set rest = target + tail (tail is "" or starts with '/'); they may overlap the old rest. */
static int splice(char *rest, const char *target, const char *tail)
{
	char tmp[PATH_MAX];
	size_t lt = strlen(target), ltail = strlen(tail);

	if (lt + ltail >= PATH_MAX)
		return -ENAMETOOLONG;
	memcpy(tmp, target, lt);
	memcpy(tmp + lt, tail, ltail + 1);
	memcpy(rest, tmp, lt + ltail + 1);
	return 0;
}

static bool only_slashes(const char *s)
{
	while (*s == '/')
		s++;
	return *s == '\0';
}

int canon_resolve(const char *base, const char *path, unsigned flags, canon_lookup_fn lookup,
		  void *ctx, char *ret)
{
	char out[PATH_MAX], rest[PATH_MAX];
	struct canon_node node;
	size_t olen = 0, plen = strlen(path);
	bool trailing_slash, last_is_dot = false;
	const char *p;
	int links = 0, r;

	if (plen == 0)
		return -ENOENT;
	if (plen >= PATH_MAX)
		return -ENAMETOOLONG;
	trailing_slash = path[plen - 1] == '/';

	out[0] = '\0';
	if (path[0] != '/') {
		r = canon_lexical(base, out, sizeof(out));
		if (r < 0)
			return r;
		olen = strcmp(out, "/") == 0 ? 0 : strlen(out);
		out[olen] = '\0';
	}
	memcpy(rest, path, plen + 1);
	p = rest;

	for (;;) {
		const char *name, *tail;
		size_t len;
		bool is_last, follow;

		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		name = p;
		len = strcspn(name, "/");
		tail = name + len;
		is_last = only_slashes(tail);
		last_is_dot = false;

		if (len == 1 && name[0] == '.') {
			p = tail;
			last_is_dot = is_last;
			continue;
		}
		if (len == 2 && name[0] == '.' && name[1] == '.') {
			pop(out, &olen);
			p = tail;
			last_is_dot = is_last;
			continue;
		}
		if (len > NAME_MAX)
			return -ENAMETOOLONG;
		r = push(out, &olen, name, len);
		if (r < 0)
			return r;

		follow = !is_last || (flags & CANON_FOLLOW) || trailing_slash;
		r = lookup(ctx, out, &node);
		if (r < 0)
			return r;
		switch (node.type) {
		case CANON_MISSING:
			if (!is_last)
				return -ENOENT;
			p = tail;
			break;
		case CANON_DIR:
			p = tail;
			break;
		case CANON_OTHER:
			if (!is_last || trailing_slash)
				return -ENOTDIR;
			p = tail;
			break;
		case CANON_OPAQUE:
			/* Nothing below a pipe:[N] link can be resolved by us; keep the rest as is.
			 */
			if (*tail && olen + strlen(tail) >= PATH_MAX)
				return -ENAMETOOLONG;
			memcpy(out + olen, tail, strlen(tail) + 1);
			olen += strlen(tail);
			memcpy(ret, out, olen + 1);
			return 0;
		case CANON_MAGIC:
			if (is_last && !trailing_slash) {
				p = tail; /* the kernel resolves it to the object the fd holds */
				break;
			}
			if (node.target[0] != '/')
				return node.err ? node.err : -ENOTDIR;
			/* walk the directory the fd stands for, as a link to it */
			__attribute__((fallthrough));
		case CANON_LINK:
			if (!follow) {
				p = tail;
				break;
			}
			if (++links > CANON_MAXSYMLINKS)
				return -ELOOP;
			if (node.target[0] == '\0')
				return -ENOENT;
			pop(out, &olen);
			if (node.target[0] == '/')
				olen = 0, out[0] = '\0';
			/* "link -> dir/" as the last component: the target must be a directory */
			if (is_last && node.target[strlen(node.target) - 1] == '/')
				trailing_slash = true;
			r = splice(rest, node.target, tail);
			if (r < 0)
				return r;
			p = rest;
			break;
		}
	}
	if (olen == 0) {
		memcpy(ret, "/", 2);
		return 0;
	}
	/*
	 * Keep what the last component's spelling means to the kernel: "dir/" must be a
	 * directory, and "dir/." or "dir/.." must not be removable or renamable.
	 */
	if (last_is_dot) {
		if (olen + 2 >= PATH_MAX)
			return -ENAMETOOLONG;
		memcpy(out + olen, "/.", 3);
		olen += 2;
	} else if (trailing_slash) {
		if (olen + 1 >= PATH_MAX)
			return -ENAMETOOLONG;
		out[olen++] = '/';
		out[olen] = '\0';
	}
	memcpy(ret, out, olen + 1);
	return 0;
}

int canon_lexical(const char *path, char *ret, size_t size)
{
	size_t olen = 0;
	const char *p = path;

	if (path[0] != '/' || size < 2)
		return -EINVAL;
	ret[0] = '\0';
	for (;;) {
		size_t len;

		while (*p == '/')
			p++;
		if (*p == '\0')
			break;
		len = strcspn(p, "/");
		if (len == 1 && p[0] == '.') {
			/* nothing */
		} else if (len == 2 && p[0] == '.' && p[1] == '.') {
			while (olen > 0 && ret[olen - 1] != '/')
				olen--;
			if (olen > 0)
				olen--;
			ret[olen] = '\0';
		} else {
			if (olen + 1 + len >= size)
				return -ENAMETOOLONG;
			ret[olen++] = '/';
			memcpy(ret + olen, p, len);
			olen += len;
			ret[olen] = '\0';
		}
		p += len;
	}
	if (olen == 0)
		memcpy(ret, "/", 2);
	return 0;
}
