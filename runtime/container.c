/*
 * Containers on disk: ROOT/containers/<64-hex id>/ with config.json (OCI runtime spec),
 * state.json and rootfs/. Names are unique; creation and renames happen under
 * containers/.lock. The qrun process that runs a container records its pid in state.json; a
 * container whose recorded process is gone (qrun was killed) shows as exited (137).
 */
#include "runtime/runtime.h"

#include <ctype.h>
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>

struct container *container_free(struct container *c)
{
	if (!c)
		return NULL;
	free(c->id);
	free(c->dir);
	spec_runtime_config_release(&c->config);
	spec_container_state_release(&c->state);
	free(c);
	return NULL;
}

void container_list_free(struct container **v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		container_free(v[i]);
	free(v);
}

static char *containers_dir(const char *root)
{
	return xasprintf("%s/containers", root);
}

static int load(const char *root, const char *id, struct container **ret, struct qerr *err)
{
	struct container *c = xcalloc(1, sizeof(*c));
	_cleanup_free_ char *cfg = NULL, *st = NULL;

	c->ready_fd = -1;
	_cleanup_close_ int dfd = -1;
	ssize_t n, m;
	int r;

	c->id = xstrdup(id);
	c->dir = xasprintf("%s/containers/%s", root, id);
	dfd = open(c->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	n = read_file_at(dfd, "config.json", 4u << 20, &cfg);
	m = read_file_at(dfd, "state.json", 1u << 20, &st);
	if (n < 0 || m < 0) {
		r = qerr_set_errno(err, n < 0 ? (int)n : (int)m, "container %.12s: damaged", id);
		goto fail;
	}
	r = spec_runtime_config_parse(cfg, (size_t)n, &c->config, err);
	if (r >= 0)
		r = spec_container_state_parse(st, (size_t)m, &c->state, err);
	if (r < 0)
		goto fail;
	*ret = c;
	return 0;
fail:
	container_free(c);
	return r;
}

static bool is_id(const char *s)
{
	return strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

int container_list(const char *root, struct container ***ret_v, size_t *ret_n, struct qerr *err)
{
	_cleanup_free_ char *dir = containers_dir(root);
	_cleanup_closedir_ DIR *d = opendir(dir);
	struct container **v = NULL;
	struct dirent *de;
	size_t n = 0;

	while (d && (de = readdir(d))) {
		struct container *c = NULL;

		/* A container being created or removed has no state.json yet: skip it. */
		if (!is_id(de->d_name) || load(root, de->d_name, &c, NULL) < 0)
			continue;
		v = xrealloc(v, (n + 1) * sizeof(*v));
		v[n++] = c;
	}
	(void)err;
	*ret_v = v;
	*ret_n = n;
	return 0;
}

int container_find(const char *root, const char *name, struct container **ret, struct qerr *err)
{
	struct container **v = NULL, *hit = NULL;
	size_t n = 0, matches = 0;
	int r = container_list(root, &v, &n, err);

	if (r < 0)
		return r;
	for (size_t i = 0; i < n && !hit; i++)
		if (!strcmp(v[i]->id, name) || !strcmp(v[i]->state.name, name))
			hit = v[i];
	for (size_t i = 0; i < n && !hit && *name; i++) {
		if (str_has_prefix(v[i]->id, name)) {
			matches++;
			if (matches == 1)
				hit = v[i];
		}
	}
	for (size_t i = hit && matches <= 1 ? 0 : n; hit && i < n; i++)
		if (v[i] == hit)
			v[i] = NULL;
	if (matches > 1) {
		container_list_free(v, n);
		return qerr_set(err, -ENOTUNIQ, "container '%s': ambiguous, give more of its id",
				name);
	}
	container_list_free(v, n);
	if (!hit)
		return qerr_set(err, -ENOENT,
				"container '%s': no such container (see 'qrun ps -a')", name);
	*ret = hit;
	return 0;
}

bool container_running(const struct container *c)
{
	char exe[64], a[PATH_MAX], b[PATH_MAX];
	ssize_t n, m;

	if (strcmp(c->state.status, "running") != 0 || c->state.pid <= 0)
		return false;
	if (kill((pid_t)c->state.pid, 0) < 0 && errno != EPERM)
		return false;
	/* The pid may have been reused: it must still be a qrun. */
	(void)snprintf(exe, sizeof(exe), "/proc/%lld/exe", (long long)c->state.pid);
	n = readlink(exe, a, sizeof(a) - 1);
	m = readlink("/proc/self/exe", b, sizeof(b) - 1);
	if (n <= 0 || m <= 0)
		return true; /* not ours to read (another user): trust kill() */
	a[n] = b[m] = '\0';
	return strcmp(a, b) == 0;
}

char *container_status(const struct container *c)
{
	_cleanup_free_ char *since = NULL;

	if (!strcmp(c->state.status, "created"))
		return xstrdup("Created");
	if (container_running(c)) {
		since = runtime_ago(c->state.started_at);
		/* "3 seconds ago" -> "Up 3 seconds" */
		if (str_has_suffix(since, " ago"))
			since[strlen(since) - 4] = '\0';
		return xasprintf("Up %s", since);
	}
	if (!strcmp(c->state.status, "running")) /* its qrun died without a word: SIGKILL */
		return xstrdup("Exited (137)");
	since = runtime_ago(c->state.finished_at);
	return xasprintf("Exited (%lld) %s", (long long)c->state.exit_code, since);
}

/*
 * Replace dir/name by rename. With durable, fsync first (config.json); state.json changes
 * twice per run and is only a record: a crash may lose its last change, never leave it torn.
 */
static int write_atomic(const char *dir, const char *name, const char *buf, size_t len,
			bool durable, struct qerr *err)
{
	_cleanup_free_ char *tmp = xasprintf("%s/.%s.%d", dir, name, (int)getpid());
	_cleanup_free_ char *path = xasprintf("%s/%s", dir, name);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	int r = fd < 0 ? -errno : write_all(fd, buf, len);

	if (fd >= 0 && r == 0 && durable && fsync(fd) < 0)
		r = -errno;
	if (fd >= 0)
		close(fd);
	if (r == 0 && rename(tmp, path) < 0)
		r = -errno;
	if (r < 0) {
		(void)unlink(tmp);
		return qerr_set_errno(err, r, "cannot write '%s'", path);
	}
	return 0;
}

int container_save_state(struct container *c, struct qerr *err)
{
	size_t len;
	_cleanup_free_ char *buf = spec_container_state_write(&c->state, &len);

	return write_atomic(c->dir, "state.json", buf, len, false, err);
}

int container_save_config(struct container *c, struct qerr *err)
{
	size_t len;
	_cleanup_free_ char *buf = spec_runtime_config_write(&c->config, &len);

	return write_atomic(c->dir, "config.json", buf, len, true, err);
}

static const char *const adjectives[] = {
	"admiring", "brave", "clever", "dreamy", "eager", "focused", "gallant", "happy",
	"jolly",    "keen",  "lucid",  "modest", "nifty", "quirky",  "serene",	"vibrant",
};
static const char *const surnames[] = {
	"babbage", "curie",  "dijkstra", "euler",   "hopper",	"knuth",  "lamport", "lovelace",
	"noether", "pascal", "ritchie",	 "shannon", "thompson", "turing", "wirth",   "zuse",
};

int container_new(const char *root, const char *name, struct container **ret, struct qerr *err)
{
	_cleanup_free_ char *dir = containers_dir(root), *lock = NULL, *gen = NULL;
	_cleanup_close_ int lfd = -1;
	struct container **v = NULL;
	unsigned char rnd[34];
	struct container *c;
	size_t n = 0;
	int r;

	if (name && (!*name ||
		     strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				  "0123456789_.-") != strlen(name) ||
		     !isalnum((unsigned char)name[0])))
		return qerr_set(err, -EINVAL,
				"--name '%s': use letters, digits, '_', '.' and '-', starting with "
				"a letter or digit",
				name);
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return qerr_set_errno(err, -errno, "cannot create '%s'", dir);
	lock = xasprintf("%s/.lock", dir);
	lfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (lfd < 0 || flock(lfd, LOCK_EX) < 0)
		return qerr_set_errno(err, -errno, "cannot lock '%s'", lock);
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		return qerr_set_errno(err, -errno, "getrandom");
	container_list(root, &v, &n, NULL);
	if (!name) {
		gen = xasprintf("%s_%s", adjectives[rnd[32] & 15], surnames[rnd[33] & 15]);
		for (unsigned k = 2; k < 1000; k++) {
			bool taken = false;

			for (size_t i = 0; i < n; i++)
				taken |= !strcmp(v[i]->state.name, gen);
			if (!taken)
				break;
			free(gen);
			gen = xasprintf("%s_%s%u", adjectives[rnd[32] & 15], surnames[rnd[33] & 15],
					k);
		}
		name = gen;
	}
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(v[i]->state.name, name)) {
			r = qerr_set(err, -EEXIST,
				     "the name '%s' is already used by container %.12s", name,
				     v[i]->id);
			container_list_free(v, n);
			return r;
		}
	}
	container_list_free(v, n);
	c = xcalloc(1, sizeof(*c));
	c->ready_fd = -1;
	c->id = xmalloc(65);
	for (int i = 0; i < 32; i++)
		(void)snprintf(c->id + 2 * i, 3, "%02x", rnd[i]);
	c->dir = xasprintf("%s/%s", dir, c->id);
	/*
	 * Private to its user; for real root, whose guest may switch to another user for real
	 * (su, apt's _apt), searchable (0711) so that such a process reaches its rootfs: the
	 * files here that are not the guest's (state, config, log) are 0600.
	 */
	if (mkdir(c->dir, 0700) < 0 || (geteuid() == 0 && chmod(c->dir, 0711) < 0)) {
		r = qerr_set_errno(err, -errno, "cannot create '%s'", c->dir);
		container_free(c);
		return r;
	}
	c->state.id = xstrdup(c->id);
	c->state.name = xstrdup(name);
	c->state.status = xstrdup("created");
	c->state.created = runtime_now();
	*ret = c;
	return 0;
}

int container_remove(struct container *c, struct qerr *err)
{
	_cleanup_free_ char *doomed = xasprintf("%s.removing", c->dir);
	int r;

	/* Rename first: a half-removed container never shows in ps. */
	if (rename(c->dir, doomed) < 0)
		return qerr_set_errno(err, -errno, "cannot remove '%s'", c->dir);
	r = rm_rf_at(AT_FDCWD, doomed);
	if (r < 0)
		return qerr_set_errno(err, r, "cannot remove '%s'", doomed);
	return 0;
}

void container_pin_images(struct image_store *s)
{
	struct container **v = NULL;
	size_t n = 0;

	container_list(image_store_root(s), &v, &n, NULL);
	for (size_t i = 0; i < n; i++) {
		const char *d = spec_runtime_config_annotation(&v[i]->config, ANNOT_IMAGE_DIGEST);

		if (d)
			image_store_pin(s, d);
	}
	container_list_free(v, n);
}
