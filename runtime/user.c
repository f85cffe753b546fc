/*
 * --user NAME|UID[:GROUP|GID], as docker resolves it: names are looked up in the root
 * filesystem's /etc/passwd and /etc/group (read beneath the rootfs, never through a symlink
 * that leaves it), a user without a group takes the primary group of its passwd entry (0 for a
 * number with none), and the groups that list the user's name are its supplementary groups.
 */
#include "runtime/runtime.h"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>

/* Open guest path `path` of rootfs for reading, resolved as if rootfs were "/". */
static FILE *open_in_root(const char *rootfs, const char *path)
{
	struct open_how how = { .flags = O_RDONLY | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT };
	_cleanup_close_ int dir = open(rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	long fd;
	FILE *f;

	if (dir < 0)
		return NULL;
	fd = syscall(SYS_openat2, dir, path, &how, sizeof(how));
	if (fd < 0)
		return NULL;
	f = fdopen((int)fd, "r");
	if (!f)
		close((int)fd);
	return f;
}

/* A decimal id, or -1. */
static int64_t parse_id(const char *s)
{
	char *end;
	unsigned long long v;

	if (!*s || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v > 0xfffffffeULL)
		return -1;
	return (int64_t)v;
}

/* The colon-separated fields of line (at most n); the count. */
static size_t fields(char *line, char **f, size_t n)
{
	size_t k = 0;

	line[strcspn(line, "\n")] = '\0';
	while (k < n) {
		f[k++] = line;
		line = strchr(line, ':');
		if (!line)
			break;
		*line++ = '\0';
	}
	return k;
}

int runtime_user_resolve(const char *rootfs, const char *spec, struct runtime_user *ret,
			 struct qerr *err)
{
	_cleanup_free_ char *user = xstrdup(spec), *line = NULL, *name = NULL;
	_cleanup_(fclosep) FILE *pw = NULL, *gr = NULL;
	char *group = strchr(user, ':'), *f[7];
	int64_t uid = -1, gid = -1;
	size_t cap = 0;

	if (group)
		*group++ = '\0';
	if (!*user || (group && !*group))
		return qerr_set(err, -EINVAL, "--user '%s': expected NAME|UID[:GROUP|GID]", spec);
	memset(ret, 0, sizeof(*ret));
	uid = parse_id(user);
	pw = open_in_root(rootfs, "/etc/passwd");
	while (pw && getline(&line, &cap, pw) > 0) {
		if (fields(line, f, 7) < 7)
			continue;
		if (uid >= 0 ? parse_id(f[2]) != uid : strcmp(f[0], user) != 0)
			continue;
		uid = parse_id(f[2]);
		gid = parse_id(f[3]);
		name = xstrdup(f[0]);
		ret->home = xstrdup(f[5]);
		break;
	}
	if (uid < 0)
		return qerr_set(err, -ENOENT,
				"unable to find user %s: no matching entries in passwd file", user);
	if (gid < 0)
		gid = 0;
	if (group) {
		gid = parse_id(group);
		gr = open_in_root(rootfs, "/etc/group");
		while (gid < 0 && gr && getline(&line, &cap, gr) > 0) {
			if (fields(line, f, 4) >= 3 && strcmp(f[0], group) == 0)
				gid = parse_id(f[2]);
		}
		if (gid < 0)
			return qerr_set(
			    err, -ENOENT,
			    "unable to find group %s: no matching entries in group file", group);
		if (gr)
			rewind(gr);
	}
	ret->uid = (uint32_t)uid;
	ret->gid = (uint32_t)gid;
	/* supplementary groups: those that list the user by name */
	if (!gr)
		gr = open_in_root(rootfs, "/etc/group");
	while (name && gr && getline(&line, &cap, gr) > 0) {
		int64_t g;

		if (fields(line, f, 4) < 4 || (g = parse_id(f[2])) < 0 || g == gid)
			continue;
		for (char *m = strtok(f[3], ","); m; m = strtok(NULL, ",")) {
			if (strcmp(m, name) == 0 && ret->n_groups < ARRAY_SIZE(ret->groups)) {
				ret->groups[ret->n_groups++] = (uint32_t)g;
				break;
			}
		}
	}
	return 0;
}

void runtime_user_to_config(const struct runtime_user *u, struct spec_runtime_config *rc)
{
	rc->uid = u->uid;
	rc->gid = u->gid;
	free(rc->gids);
	rc->gids = xcalloc(u->n_groups + 1, sizeof(*rc->gids));
	memcpy(rc->gids, u->groups, u->n_groups * sizeof(u->groups[0]));
	rc->n_gids = u->n_groups;
}

void runtime_user_release(struct runtime_user *u)
{
	free(u->home);
	u->home = NULL;
}
