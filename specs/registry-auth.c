#include "specs/specs-internal.h"

/*
 * Registry credentials and tokens as JSON: podman's auth.json / docker's config.json
 * ({"auths": {"HOST": {"auth": "base64(user:pass)"}}}, containers-auth.json(5)) and a token
 * server's answer ({"token" or "access_token", "expires_in"}, distribution's token spec).
 */

int spec_auth_config_parse(const char *buf, size_t len, struct spec_auth_config *ret,
			   struct qerr *err)
{
	_cleanup_jdoc_ struct jdoc *doc = NULL;
	struct spec_auth_config cfg = { 0 };
	const struct jnode *root, *auths, *helpers;
	struct jctx c;
	int r;

	jctx_init(&c, "auth file", err);
	r = jdoc_parse("auth file", buf, len, &doc, err);
	if (r < 0)
		return r;
	root = jdoc_root(doc);
	if (jnode_type(root) != JT_OBJECT)
		return jctx_fail(&c, "expected a JSON object");
	r = jread_object(&c, root, "auths", false, &auths);
	if (r >= 0)
		r = jread_object(&c, root, "credHelpers", false, &helpers);
	if (r >= 0)
		r = jread_string(&c, root, "credsStore", false, &cfg.creds_store);
	for (size_t i = 0; r >= 0 && helpers && i < jnode_len(helpers); i++) {
		const char *name = jnode_string(jnode_value(helpers, i));
		size_t saved = jctx_push_key(&c, jnode_key(helpers, i));

		if (!name || !*name || strchr(name, '/'))
			r = jctx_fail(&c, "expected a helper name");
		jctx_pop(&c, saved);
		if (r < 0)
			break;
		cfg.helpers = xrealloc(cfg.helpers, (cfg.n_helpers + 1) * sizeof(*cfg.helpers));
		cfg.helpers[cfg.n_helpers].registry = xstrdup(jnode_key(helpers, i));
		cfg.helpers[cfg.n_helpers].auth = xstrdup(name);
		cfg.n_helpers++;
	}
	if (r >= 0 && cfg.creds_store && (!*cfg.creds_store || strchr(cfg.creds_store, '/')))
		r = jctx_fail(&c, "'credsStore': expected a helper name");
	if (r < 0) {
		spec_auth_config_release(&cfg);
		return r;
	}
	for (size_t i = 0; auths && i < jnode_len(auths); i++) {
		const struct jnode *e = jnode_value(auths, i);
		size_t saved = jctx_push_key(&c, jnode_key(auths, i));
		char *auth = NULL;

		if (jnode_type(e) != JT_OBJECT)
			r = jctx_fail(&c, "expected an object");
		else
			r = jread_string(&c, e, "auth", false, &auth);
		jctx_pop(&c, saved);
		if (r < 0) {
			spec_auth_config_release(&cfg);
			return r;
		}
		/* Entries without "auth" (identitytoken only) are kept out: nothing to send. */
		if (!auth)
			continue;
		cfg.entries = xrealloc(cfg.entries, (cfg.n_entries + 1) * sizeof(*cfg.entries));
		cfg.entries[cfg.n_entries].registry = xstrdup(jnode_key(auths, i));
		cfg.entries[cfg.n_entries].auth = auth;
		cfg.n_entries++;
	}
	*ret = cfg;
	return 0;
}

char *spec_auth_config_write(const struct spec_auth_config *cfg, size_t *ret_len)
{
	struct spec_json *j = spec_json_new(true);

	spec_json_object_begin(j);
	spec_json_key(j, "auths");
	spec_json_object_begin(j);
	for (size_t i = 0; i < cfg->n_entries; i++) {
		spec_json_key(j, cfg->entries[i].registry);
		spec_json_object_begin(j);
		spec_json_key(j, "auth");
		spec_json_string(j, cfg->entries[i].auth);
		spec_json_object_end(j);
	}
	spec_json_object_end(j);
	spec_json_object_end(j);
	return spec_json_finish(j, ret_len);
}

void spec_auth_config_release(struct spec_auth_config *cfg)
{
	for (size_t i = 0; i < cfg->n_entries; i++) {
		free(cfg->entries[i].registry);
		free(cfg->entries[i].auth);
	}
	free(cfg->entries);
	for (size_t i = 0; i < cfg->n_helpers; i++) {
		free(cfg->helpers[i].registry);
		free(cfg->helpers[i].auth);
	}
	free(cfg->helpers);
	free(cfg->creds_store);
	*cfg = (struct spec_auth_config){ 0 };
}

int spec_cred_helper_parse(const char *buf, size_t len, char **ret_user, char **ret_secret,
			   struct qerr *err)
{
	_cleanup_jdoc_ struct jdoc *doc = NULL;
	const struct jnode *root;
	char *user = NULL, *secret = NULL;
	struct jctx c;
	int r;

	jctx_init(&c, "credential helper", err);
	r = jdoc_parse("credential helper", buf, len, &doc, err);
	if (r < 0)
		return r;
	root = jdoc_root(doc);
	if (jnode_type(root) != JT_OBJECT)
		return jctx_fail(&c, "expected a JSON object");
	r = jread_string(&c, root, "Username", true, &user);
	if (r >= 0)
		r = jread_string(&c, root, "Secret", true, &secret);
	if (r < 0) {
		free(user);
		free(secret);
		return r;
	}
	*ret_user = user;
	*ret_secret = secret;
	return 0;
}

int spec_token_parse(const char *buf, size_t len, struct spec_token *ret, struct qerr *err)
{
	_cleanup_jdoc_ struct jdoc *doc = NULL;
	struct spec_token t = { .expires_in = 60 };
	const struct jnode *root, *exp;
	struct jctx c;
	int r;

	jctx_init(&c, "token", err);
	r = jdoc_parse("token", buf, len, &doc, err);
	if (r < 0)
		return r;
	root = jdoc_root(doc);
	if (jnode_type(root) != JT_OBJECT)
		return jctx_fail(&c, "expected a JSON object");
	r = jread_string(&c, root, "token", false, &t.token);
	if (r >= 0 && !t.token)
		r = jread_string(&c, root, "access_token", false, &t.token);
	if (r >= 0 && !t.token)
		r = jctx_fail(&c, "neither 'token' nor 'access_token'");
	exp = jnode_member(root, "expires_in");
	if (r >= 0 && exp) {
		int64_t v;

		/* The spec's minimum is 60 s; a missing or odd value means that minimum. */
		if (jnode_int64(exp, &v) && v > 0)
			t.expires_in = v;
	}
	if (r < 0) {
		spec_token_release(&t);
		return r;
	}
	*ret = t;
	return 0;
}

void spec_token_release(struct spec_token *t)
{
	free(t->token);
	*t = (struct spec_token){ 0 };
}
