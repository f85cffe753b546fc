/*
 * Registry authentication (distribution's token spec, docker's and podman's credential files):
 * a 401 answer carries a WWW-Authenticate challenge, Basic (send user:pass with every request)
 * or Bearer (ask the realm for a token for "repository:NAME:pull", with user:pass when we have
 * them, and reuse it until it expires). Credentials come from podman's auth.json, then
 * docker's config.json; `qrun login` writes auth.json (mode 0600).
 *
 * Credentials never reach a log line or a message: only the registry's name does.
 */
#include "image/registry-internal.h"

#include <fcntl.h>
#include <spawn.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#define AUTH_FILE_MAX (1u << 20)

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void registry_auth_release(struct registry_auth *a)
{
	if (a->pass)
		explicit_bzero(a->pass, strlen(a->pass));
	if (a->token)
		explicit_bzero(a->token, strlen(a->token));
	free(a->user);
	free(a->pass);
	free(a->token);
	free(a->token_scope);
	*a = (struct registry_auth){ 0 };
}

/* ---- credential files ------------------------------------------------------------------------ */

/* The auth.json qrun login writes: $REGISTRY_AUTH_FILE, else $XDG_RUNTIME_DIR/containers/. */
static char *auth_file_path(void)
{
	const char *e = getenv("REGISTRY_AUTH_FILE");
	const char *run = getenv("XDG_RUNTIME_DIR");
	const char *home = getenv("HOME");

	if (e && *e)
		return xstrdup(e);
	if (run && *run)
		return xasprintf("%s/containers/auth.json", run);
	/* podman's fallback without a runtime directory. */
	if (home && *home)
		return xasprintf("%s/.config/containers/auth.json", home);
	return NULL;
}

static char *docker_config_path(void)
{
	const char *dir = getenv("DOCKER_CONFIG");
	const char *home = getenv("HOME");

	if (dir && *dir)
		return xasprintf("%s/config.json", dir);
	return home && *home ? xasprintf("%s/.docker/config.json", home) : NULL;
}

/* docker.io credentials are often kept under docker's historical index URL. */
static bool key_matches(const char *key, const char *registry)
{
	size_t n;

	if (str_has_prefix(key, "https://"))
		key += 8;
	else if (str_has_prefix(key, "http://"))
		key += 7;
	if (!strcmp(registry, "docker.io") &&
	    (str_has_prefix(key, "index.docker.io/") || !strcmp(key, "index.docker.io") ||
	     str_has_prefix(key, "registry-1.docker.io")))
		return true;
	n = strlen(registry);
	return !strncmp(key, registry, n) && (key[n] == '\0' || key[n] == '/');
}

static int read_auth_file(const char *path, struct spec_auth_config *ret, struct qerr *err)
{
	_cleanup_free_ char *buf = NULL;
	ssize_t n = read_file_at(AT_FDCWD, path, AUTH_FILE_MAX, &buf);
	int r;

	*ret = (struct spec_auth_config){ 0 };
	if (n == -ENOENT)
		return 0;
	if (n < 0)
		return qerr_set_errno(err, (int)n, "cannot read credentials '%s'", path);
	if (n == 0)
		return 0;
	r = spec_auth_config_parse(buf, (size_t)n, ret, err);
	if (r < 0)
		return qerr_wrap(err, r, "'%s'", path);
	return 0;
}

/*
 * docker-credential-NAME get: the server on standard input, {"Username", "Secret"} on standard
 * output; a failure exit means "no credentials" (docker's helper protocol).
 */
static int run_helper(const char *name, const char *registry, struct registry_auth *a, bool *found,
		      struct qerr *err)
{
	_cleanup_free_ char *prog = xasprintf("docker-credential-%s", name), *out = NULL;
	const char *server =
	    strcmp(registry, "docker.io") ? registry : "https://index.docker.io/v1/";
	char *argv[] = { prog, (char *)"get", NULL };
	posix_spawn_file_actions_t fa;
	int in[2] = { -1, -1 }, o[2] = { -1, -1 }, status, r = 0;
	size_t len = 0, cap = 0;
	pid_t pid;

	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(o, O_CLOEXEC) < 0) {
		r = qerr_set_errno(err, -errno, "credential helper '%s'", prog);
		goto out;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, in[0], STDIN_FILENO);
	posix_spawn_file_actions_adddup2(&fa, o[1], STDOUT_FILENO);
	r = -posix_spawnp(&pid, prog, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(in[0]);
	close(o[1]);
	in[0] = o[1] = -1;
	if (r < 0) {
		r = qerr_set_errno(err, r, "credential helper '%s' (credHelpers/credsStore)", prog);
		goto out;
	}
	(void)write_all(in[1], server, strlen(server));
	close(in[1]);
	in[1] = -1;
	for (;;) {
		ssize_t n;

		out = xgrow(out, 1, len + 4097, &cap);
		n = read(o[0], out + len, 4096);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0 || len + (size_t)n > AUTH_FILE_MAX)
			break;
		len += (size_t)n;
	}
	out[len] = '\0';
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		qlog_debug("registry %s: %s has no credentials", registry, prog);
		goto out;
	}
	r = spec_cred_helper_parse(out, len, &a->user, &a->pass, err);
	if (r < 0) {
		r = qerr_wrap(err, r, "'%s get'", prog);
		goto out;
	}
	*found = true;
	qlog_debug("registry %s: credentials from %s", registry, prog);
out:
	if (out)
		explicit_bzero(out, len);
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (o[i] >= 0)
			close(o[i]);
	}
	return r;
}

static int lookup(const char *path, const char *registry, struct registry_auth *a, bool *found,
		  struct qerr *err)
{
	struct spec_auth_config cfg;
	int r = read_auth_file(path, &cfg, err);
	const char *helper = r >= 0 ? cfg.creds_store : NULL;

	/* credHelpers for this registry, else credsStore, else the file's own auths. */
	for (size_t i = 0; r >= 0 && i < cfg.n_helpers; i++)
		if (key_matches(cfg.helpers[i].registry, registry))
			helper = cfg.helpers[i].auth;
	if (helper)
		r = run_helper(helper, registry, a, found, err);

	for (size_t i = 0; r >= 0 && i < cfg.n_entries && !*found; i++) {
		_cleanup_free_ char *plain = NULL;
		char *colon;

		if (!key_matches(cfg.entries[i].registry, registry))
			continue;
		if (base64_decode(cfg.entries[i].auth, &plain, NULL) < 0 ||
		    !(colon = strchr(plain, ':'))) {
			r = qerr_set(err, -EINVAL,
				     "'%s': the credentials for '%s' are not base64 "
				     "of USER:PASSWORD",
				     path, cfg.entries[i].registry);
			break;
		}
		*colon = '\0';
		a->user = xstrdup(plain);
		a->pass = xstrdup(colon + 1);
		explicit_bzero(colon + 1, strlen(colon + 1));
		*found = true;
		qlog_debug("registry %s: credentials from '%s'", registry, path);
	}
	spec_auth_config_release(&cfg);
	return r;
}

int registry_auth_load(const char *registry, struct registry_auth *a, struct qerr *err)
{
	_cleanup_free_ char *p1 = auth_file_path(), *p2 = docker_config_path();
	bool found = false;
	int r = 0;

	if (p1)
		r = lookup(p1, registry, a, &found, err);
	if (r >= 0 && !found && p2)
		r = lookup(p2, registry, a, &found, err);
	return r;
}

int image_registry_save_credentials(const char *registry, const char *user, const char *pass,
				    char **ret_path, struct qerr *err)
{
	_cleanup_free_ char *path = auth_file_path(), *plain = NULL, *json = NULL, *dir = NULL;
	_cleanup_close_ int fd = -1;
	struct spec_auth_config cfg;
	char *slash;
	size_t len;
	int r;

	if (!path)
		return qerr_set(err, -ENOENT,
				"no place for auth.json: set XDG_RUNTIME_DIR or HOME");
	r = read_auth_file(path, &cfg, err);
	if (r < 0)
		return r;
	for (size_t i = cfg.n_entries; i > 0; i--)
		if (!strcmp(cfg.entries[i - 1].registry, registry)) {
			free(cfg.entries[i - 1].registry);
			free(cfg.entries[i - 1].auth);
			memmove(&cfg.entries[i - 1], &cfg.entries[i],
				(cfg.n_entries - i) * sizeof(*cfg.entries));
			cfg.n_entries--;
		}
	if (user) {
		plain = xasprintf("%s:%s", user, pass);
		cfg.entries = xrealloc(cfg.entries, (cfg.n_entries + 1) * sizeof(*cfg.entries));
		cfg.entries[cfg.n_entries].registry = xstrdup(registry);
		cfg.entries[cfg.n_entries].auth = base64_encode(plain, strlen(plain));
		cfg.n_entries++;
		explicit_bzero(plain, strlen(plain));
	}
	json = spec_auth_config_write(&cfg, &len);
	spec_auth_config_release(&cfg);
	dir = xstrdup(path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		(void)mkdir_p(dir, 0700);
	}
	{
		/* Written whole under a temporary name with mode 0600, then renamed. */
		_cleanup_free_ char *tmp = xasprintf("%s.XXXXXX", path);

		fd = mkostemp(tmp, O_CLOEXEC);
		if (fd < 0)
			return qerr_set_errno(err, -errno, "cannot write '%s'", path);
		r = fchmod(fd, 0600) < 0 ? -errno : write_all(fd, json, len);
		if (r >= 0)
			r = write_all(fd, "\n", 1);
		if (r >= 0 && fsync(fd) < 0)
			r = -errno;
		if (r >= 0 && rename(tmp, path) < 0)
			r = -errno;
		explicit_bzero(json, len);
		if (r < 0) {
			(void)unlink(tmp);
			return qerr_set_errno(err, r, "cannot write '%s'", path);
		}
	}
	if (ret_path)
		*ret_path = TAKE_PTR(path);
	return 0;
}

/* ---- challenges and tokens ---------------------------------------------------------------- */

/* The value of param (realm, service, scope) in a challenge's "k=\"v\", ..." list. Heap. */
static char *challenge_param(const char *c, const char *param)
{
	size_t n = strlen(param);

	while (*c) {
		const char *start;

		c += strspn(c, " \t,");
		if (!strncasecmp(c, param, n) && c[n] == '=') {
			c += n + 1;
			if (*c == '"') {
				start = ++c;
				while (*c && *c != '"')
					c += (*c == '\\' && c[1]) ? 2 : 1;
				return xstrndup(start, (size_t)(c - start));
			}
			return xstrndup(c, strcspn(c, ", \t"));
		}
		/* Skip this parameter (a quoted value may hold commas). */
		while (*c && *c != ',') {
			if (*c == '"') {
				c++;
				while (*c && *c != '"')
					c += (*c == '\\' && c[1]) ? 2 : 1;
			}
			if (*c)
				c++;
		}
	}
	return NULL;
}

char *registry_auth_header(const struct registry_auth *a, const char *scope)
{
	if (registry_auth_has_token(a, scope))
		return xasprintf("Bearer %s", a->token);
	if (a->basic && a->user) {
		_cleanup_free_ char *plain = xasprintf("%s:%s", a->user, a->pass);
		char *b = base64_encode(plain, strlen(plain));
		char *h = xasprintf("Basic %s", b);

		explicit_bzero(plain, strlen(plain));
		explicit_bzero(b, strlen(b));
		free(b);
		return h;
	}
	return NULL;
}

bool registry_auth_has_token(const struct registry_auth *a, const char *scope)
{
	return a->token && a->token_scope && !strcmp(a->token_scope, scope) &&
	       now() < a->token_expiry;
}

static int fetch_token(struct registry_auth *a, const char *challenge, const char *scope,
		       struct http_tls *tls, const char *what, struct qerr *err)
{
	_cleanup_free_ char *realm = challenge_param(challenge, "realm");
	_cleanup_free_ char *service = challenge_param(challenge, "service");
	_cleanup_free_ char *escope = NULL, *eservice = NULL;
	struct http_req q = { .max_body = 1u << 20 };
	struct http_req *v[] = { &q };
	struct spec_token t = { 0 };
	int r;

	if (!realm || !(str_has_prefix(realm, "https://") || str_has_prefix(realm, "http://")))
		return qerr_set(err, -EACCES, "%s: the Bearer challenge names no usable realm",
				what);
	escope = http_escape(scope);
	eservice = service ? http_escape(service) : NULL;
	q.url = xasprintf("%s%cscope=%s%s%s", realm, strchr(realm, '?') ? '&' : '?', escope,
			  eservice ? "&service=" : "", eservice ? eservice : "");
	if (a->user) {
		a->basic = true;
		q.auth = registry_auth_header(a, "");
		a->basic = false;
	}
	qlog_debug("%s: asking %s for a token", what, realm);
	r = http_run(tls, v, 1, 1, err);
	if (r >= 0 && (q.curl_code || q.too_big))
		r = qerr_set(err, -EIO, "%s: token server %s: %s", what, realm,
			     q.too_big ? "answer too large" : q.error);
	else if (r >= 0 && (q.status == 401 || q.status == 403))
		r = qerr_set(err, -EACCES, "%s: the token server refused %s (%ld)%s", what,
			     a->user ? "the credentials" : "anonymous access", q.status,
			     a->user ? "" : "; try 'qrun login'");
	else if (r >= 0 && q.status != 200)
		r = qerr_set(err, -EIO, "%s: token server %s answered %ld", what, realm, q.status);
	if (r >= 0 && (r = spec_token_parse(q.resp ? q.resp : "", q.resp_len, &t, err)) < 0)
		r = qerr_wrap(err, r, "%s: token server %s", what, realm);
	if (r >= 0) {
		free(a->token);
		free(a->token_scope);
		a->token = TAKE_PTR(t.token);
		a->token_scope = xstrdup(scope);
		/* Ten seconds early, so that a token does not expire in flight. */
		a->token_expiry = now() + (double)t.expires_in - 10;
	}
	spec_token_release(&t);
	if (q.resp)
		explicit_bzero(q.resp, q.resp_len);
	http_req_release(&q);
	return r;
}

int registry_auth_challenge(struct registry_auth *a, const char *challenge, const char *scope,
			    struct http_tls *tls, const char *what, struct qerr *err)
{
	if (!challenge || !*challenge)
		return qerr_set(err, -EACCES,
				"%s: access refused (401) without an authentication challenge",
				what);
	if (!strncasecmp(challenge, "Basic", 5)) {
		if (!a->user)
			return qerr_set(err, -EACCES,
					"%s: authentication required (try 'qrun login')", what);
		if (a->basic)
			return qerr_set(err, -EACCES, "%s: the credentials were refused", what);
		a->basic = true;
		return 0;
	}
	if (!strncasecmp(challenge, "Bearer", 6)) {
		if (registry_auth_has_token(a, scope))
			return qerr_set(err, -EACCES, "%s: access refused with a fresh token%s",
					what, a->user ? "" : " (try 'qrun login')");
		return fetch_token(a, challenge + 6, scope, tls, what, err);
	}
	return qerr_set(err, -EACCES, "%s: unsupported authentication scheme in '%.40s'", what,
			challenge);
}
