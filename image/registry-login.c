/*
 * qrun login / logout: credentials checked against the registry's /v2/ (the version check
 * every client makes first, distribution spec "end-1"), then kept in auth.json.
 */
#include "image/registry-internal.h"

/* "docker.io" and its historical spellings are one registry. */
static const char *canonical(const char *registry)
{
	if (!strcmp(registry, "index.docker.io") || !strcmp(registry, "registry-1.docker.io") ||
	    !strcmp(registry, "https://index.docker.io/v1/"))
		return "docker.io";
	return registry;
}

static int check_name(const char *registry, struct qerr *err)
{
	if (!*registry || strpbrk(registry, "/ \t\n@") || str_has_prefix(registry, "-"))
		return qerr_set(err, -EINVAL, "'%s' is not a registry name (HOST or HOST:PORT)",
				registry);
	return 0;
}

int image_registry_login(const char *registry, const char *user, const char *pass,
			 const struct image_pull_opts *o, char **ret_path, struct qerr *err)
{
	const char *name = canonical(registry);
	struct registry reg = { .retries = 2, .parallel = 1 };
	struct http_req q = { .max_body = 65536, .what = "login" };
	struct http_req *v[] = { &q };
	int r = check_name(name, err);

	if (r < 0)
		return r;
	reg.domain = xstrdup(name);
	reg.host = xstrdup(strcmp(name, "docker.io") ? name : "registry-1.docker.io");
	reg.what = xasprintf("registry '%s'", name);
	/* A token for login names no repository (docker asks the same way). */
	reg.scope = xstrdup("");
	reg.auth.user = xstrdup(user);
	reg.auth.pass = xstrdup(pass);
	q.url = xasprintf("https://%s/v2/", reg.host);
	r = registry_tls_setup(reg.host, o->cert_dir, !o->tls_no_verify, &reg.tls, err);
	if (r >= 0)
		r = registry_do(&reg, v, 1, err);
	if (r == -EACCES)
		r = qerr_set(err, -EACCES, "registry '%s': login refused for user '%s'", name,
			     user);
	if (r >= 0)
		r = image_registry_save_credentials(name, user, pass, ret_path, err);
	http_req_release(&q);
	registry_release(&reg);
	return r;
}

int image_registry_logout(const char *registry, char **ret_path, struct qerr *err)
{
	const char *name = canonical(registry);
	struct registry_auth a = { 0 };
	int r = check_name(name, err);

	if (r >= 0)
		r = registry_auth_load(name, &a, err);
	if (r >= 0 && !a.user)
		r = qerr_set(err, -ENOENT, "not logged in to '%s'", name);
	registry_auth_release(&a);
	if (r >= 0)
		r = image_registry_save_credentials(name, NULL, NULL, ret_path, err);
	return r;
}
