#include "specs/specs-internal.h"

/*
 * Image references, docker's distribution/reference grammar, hand-written rather than as
 * regular expressions:
 *
 *   reference        := name [ ":" tag ] [ "@" digest ]
 *   name             := [ domain "/" ] path-component [ "/" path-component ]*
 *   domain           := host [ ":" port ]
 *   host             := domain-component [ "." domain-component ]* | "[" ipv6 "]"
 *   domain-component := [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]
 *   port             := [0-9]+
 *   path-component   := [a-z0-9]+ ( separator [a-z0-9]+ )*
 *   separator        := [._] | "__" | "-"+
 *   tag              := [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
 *
 * The normalised name (domain/path) is at most 255 characters. Digests are restricted to sha256
 * (spec_digest_valid), the only algorithm the store handles.
 */

#define NAME_MAX_LEN	255
#define TAG_MAX_LEN	128
#define DEFAULT_DOMAIN	"docker.io"
#define LEGACY_DOMAIN	"index.docker.io"
#define OFFICIAL_PREFIX "library/"

static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool is_alnum(char c)
{
	return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

static bool is_word(char c)
{
	return is_alnum(c) || c == '_';
}

static bool all_hex64(const char *s, size_t n)
{
	size_t i;

	if (n != 64)
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* One path component, s[0..n). */
static bool path_component_valid(const char *s, size_t n)
{
	size_t i = 0, run;

	if (n == 0 || !is_lower_alnum(s[0]) || !is_lower_alnum(s[n - 1]))
		return false;
	while (i < n) {
		if (is_lower_alnum(s[i])) {
			i++;
			continue;
		}
		/* A separator between two alphanumerics: ".", "_", "__" or a run of "-". */
		run = 0;
		if (s[i] == '-') {
			while (i + run < n && s[i + run] == '-')
				run++;
		} else if (s[i] == '.') {
			run = 1;
		} else if (s[i] == '_') {
			run = i + 1 < n && s[i + 1] == '_' ? 2 : 1;
		} else {
			return false;
		}
		i += run;
		if (i >= n || !is_lower_alnum(s[i]))
			return false;
	}
	return true;
}

static bool path_valid(const char *s, size_t n)
{
	size_t start = 0, i;

	for (i = 0; i <= n; i++)
		if (i == n || s[i] == '/') {
			if (!path_component_valid(s + start, i - start))
				return false;
			start = i + 1;
		}
	return true;
}

static bool domain_component_valid(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || !is_alnum(s[0]) || !is_alnum(s[n - 1]))
		return false;
	for (i = 1; i + 1 < n; i++)
		if (!is_alnum(s[i]) && s[i] != '-')
			return false;
	return true;
}

static bool domain_valid(const char *s, size_t n)
{
	const char *colon = NULL;
	size_t host_len, start = 0, i;

	if (n > 0 && s[0] == '[') {
		/* "[" ipv6 "]", kept loose as docker does: hex digits and colons. */
		for (i = 1; i < n && s[i] != ']'; i++)
			if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f') ||
			      (s[i] >= 'A' && s[i] <= 'F') || s[i] == ':'))
				return false;
		if (i == n || i == 1)
			return false;
		host_len = i + 1;
		if (host_len < n && s[host_len] != ':')
			return false;
	} else {
		colon = memchr(s, ':', n);
		host_len = colon ? (size_t)(colon - s) : n;
		for (i = 0; i <= host_len; i++)
			if (i == host_len || s[i] == '.') {
				if (!domain_component_valid(s + start, i - start))
					return false;
				start = i + 1;
			}
	}
	if (host_len == n)
		return true;
	/* ":" port */
	if (host_len + 1 == n)
		return false;
	for (i = host_len + 1; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static bool tag_valid(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n > TAG_MAX_LEN || !is_word(s[0]))
		return false;
	for (i = 1; i < n; i++)
		if (!is_word(s[i]) && s[i] != '.' && s[i] != '-')
			return false;
	return true;
}

/* docker's rule: the first component is a domain when it looks like a host name. */
static bool looks_like_domain(const char *s, size_t n)
{
	return memchr(s, '.', n) || memchr(s, ':', n) || (n == 9 && !memcmp(s, "localhost", 9));
}

static int parse_name(const char *s, const char *name, size_t n, struct spec_reference *r,
		      struct qerr *err)
{
	const char *slash = memchr(name, '/', n), *path = name;
	size_t plen = n, dlen;

	if (slash && looks_like_domain(name, (size_t)(slash - name))) {
		dlen = (size_t)(slash - name);
		if (!domain_valid(name, dlen))
			return qerr_set(err, -EINVAL, "reference '%s': invalid domain '%.*s'", s,
					(int)dlen, name);
		r->domain = xstrndup(name, dlen);
		path = slash + 1;
		plen = n - dlen - 1;
	}
	if (!path_valid(path, plen)) {
		size_t i;

		for (i = 0; i < plen; i++)
			if (path[i] >= 'A' && path[i] <= 'Z')
				return qerr_set(err, -EINVAL,
						"reference '%s': repository name '%.*s' must be "
						"lowercase",
						s, (int)plen, path);
		return qerr_set(err, -EINVAL, "reference '%s': invalid repository name '%.*s'", s,
				(int)plen, path);
	}
	if (all_hex64(path, plen))
		return qerr_set(err, -EINVAL,
				"reference '%s': a 64-character hex string is an image id, not a "
				"repository name",
				s);
	if (!r->domain || !strcmp(r->domain, LEGACY_DOMAIN)) {
		free(r->domain);
		r->domain = xstrdup(DEFAULT_DOMAIN);
	}
	if (!strcmp(r->domain, DEFAULT_DOMAIN) && !memchr(path, '/', plen))
		r->path = xasprintf(OFFICIAL_PREFIX "%.*s", (int)plen, path);
	else
		r->path = xstrndup(path, plen);
	/* Measured after normalisation, as docker does, so that a formatted reference always
	 * parses again. */
	if (strlen(r->domain) + 1 + strlen(r->path) > NAME_MAX_LEN)
		return qerr_set(err, -EINVAL,
				"reference '%s': repository name longer than %d characters", s,
				NAME_MAX_LEN);
	return 0;
}

int spec_reference_parse(const char *s, struct spec_reference *ret, struct qerr *err)
{
	struct spec_reference r = { 0 };
	const char *at, *colon, *last_slash, *base;
	size_t name_len;
	int rc;

	if (!s || !*s)
		return qerr_set(err, -EINVAL, "reference '': empty");
	if (str_has_prefix(s, "sha256:") && all_hex64(s + 7, strlen(s + 7)))
		return qerr_set(err, -EINVAL,
				"reference '%s': this is an image id, not a reference", s);
	at = strchr(s, '@');
	name_len = at ? (size_t)(at - s) : strlen(s);
	if (at && !spec_digest_valid(at + 1)) {
		(void)qerr_set(err, -EINVAL, "reference '%s': digest '%s' is not a sha256 digest",
			       s, at + 1);
		return spec_err_clean(err, -EINVAL);
	}
	/* The tag is after the last ':' that follows the last '/' (a port comes before it). */
	last_slash = memrchr(s, '/', name_len);
	base = last_slash ? last_slash + 1 : s;
	colon = memrchr(base, ':', name_len - (size_t)(base - s));
	if (colon) {
		r.tag = xstrndup(colon + 1, name_len - (size_t)(colon + 1 - s));
		if (!tag_valid(r.tag)) {
			rc = qerr_set(
			    err, -EINVAL,
			    "reference '%s': invalid tag '%s' (want [A-Za-z0-9_] then up to "
			    "127 of [A-Za-z0-9_.-])",
			    s, r.tag);
			goto fail;
		}
		name_len = (size_t)(colon - s);
	}
	if (name_len == 0) {
		rc = qerr_set(err, -EINVAL, "reference '%s': missing repository name", s);
		goto fail;
	}
	rc = parse_name(s, s, name_len, &r, err);
	if (rc < 0)
		goto fail;
	if (at)
		r.digest = xstrdup(at + 1);
	else if (!r.tag)
		r.tag = xstrdup("latest");
	*ret = r;
	return 0;
fail:
	spec_reference_release(&r);
	return spec_err_clean(err, rc);
}

char *spec_reference_format(const struct spec_reference *r)
{
	return xasprintf("%s/%s%s%s%s%s", r->domain, r->path, r->tag ? ":" : "",
			 r->tag ? r->tag : "", r->digest ? "@" : "", r->digest ? r->digest : "");
}

char *spec_reference_familiar_name(const struct spec_reference *r)
{
	const char *p = r->path;

	if (strcmp(r->domain, DEFAULT_DOMAIN))
		return xasprintf("%s/%s", r->domain, p);
	if (str_has_prefix(p, OFFICIAL_PREFIX) && !strchr(p + strlen(OFFICIAL_PREFIX), '/'))
		p += strlen(OFFICIAL_PREFIX);
	return xstrdup(p);
}

char *spec_reference_repository(const struct spec_reference *r)
{
	return xasprintf("%s/%s", r->domain, r->path);
}

void spec_reference_release(struct spec_reference *r)
{
	free(r->domain);
	free(r->path);
	free(r->tag);
	free(r->digest);
	*r = (struct spec_reference){ 0 };
}
