/*
 * Requests to one repository of a registry (OCI distribution spec): every request carries the
 * authorization the registry asked for, a 401 is answered once (Basic, or a Bearer token for
 * "repository:NAME:pull"), 429 and 5xx answers and broken connections are tried again with
 * exponential backoff, and a failure becomes one line naming registry, repository and object.
 */
#include "image/registry-internal.h"

#include <time.h>

#define RETRIES	      3
#define BACKOFF_MS    500
#define BACKOFF_MAX_S 10
#define PARALLEL      3

int registry_open(const struct spec_reference *ref, const struct registry_opts *o,
		  struct registry *ret, struct qerr *err)
{
	struct registry r = { .retries = RETRIES, .parallel = PARALLEL };
	int e;

	r.domain = xstrdup(ref->domain);
	/* docker.io is a name; its registry answers at registry-1.docker.io (as docker does). */
	r.host = xstrdup(strcmp(ref->domain, "docker.io") ? ref->domain : "registry-1.docker.io");
	r.repo = xstrdup(ref->path);
	r.base = xasprintf("https://%s/v2/%s", r.host, r.repo);
	r.what = xasprintf("registry '%s': repository '%s'", r.domain, r.repo);
	r.scope = xasprintf("repository:%s:%s", r.repo, o->push ? "pull,push" : "pull");
	e = registry_tls_setup(r.host, o->cert_dir, !o->tls_no_verify, &r.tls, err);
	if (e >= 0)
		e = registry_auth_load(r.domain, &r.auth, err);
	if (e < 0) {
		registry_release(&r);
		return e;
	}
	*ret = r;
	return 0;
}

void registry_release(struct registry *r)
{
	free(r->domain);
	free(r->host);
	free(r->repo);
	free(r->base);
	free(r->what);
	free(r->scope);
	http_tls_release(&r->tls);
	registry_auth_release(&r->auth);
	*r = (struct registry){ 0 };
}

void registry_req(const struct registry *r, struct http_req *q, const char *kind, const char *ref)
{
	free(q->url);
	q->url = xasprintf("%s/%s/%s", r->base, kind, ref);
}

int registry_req_error(const struct registry *r, const struct http_req *q, const char *what,
		       struct qerr *err)
{
	if (!what)
		what = "request";
	if (q->sink_error)
		return qerr_set(err, q->sink_error, "%s: %s", r->what, q->sink_msg);
	if (q->too_big)
		return qerr_set(err, -EFBIG, "%s: %s: larger than 4 MiB, refused", r->what, what);
	if (q->curl_code)
		return qerr_set(err, -EIO, "%s: %s: %s", r->what, what, q->error);
	switch (q->status) {
	case 401:
		return qerr_set(err, -EACCES, "%s: %s: authentication required (401)%s", r->what,
				what, r->auth.user ? "" : "; try 'qrun login'");
	case 403:
		return qerr_set(err, -EACCES, "%s: %s: access denied (403)", r->what, what);
	case 404:
		return qerr_set(err, -ENOENT, "%s: %s: not found (404)", r->what, what);
	case 429:
		return qerr_set(err, -EAGAIN, "%s: %s: too many requests (429), giving up", r->what,
				what);
	default:
		return qerr_set(err, -EIO, "%s: %s: the registry answered HTTP %ld", r->what, what,
				q->status);
	}
}

static bool same_host(const struct registry *r, const char *url)
{
	size_t n = strlen(r->host);

	return str_has_prefix(url, "https://") && !strncmp(url + 8, r->host, n) &&
	       (url[8 + n] == '/' || url[8 + n] == '\0');
}

static void backoff(unsigned attempt, const struct http_req *const *v, size_t n)
{
	long ms = BACKOFF_MS << attempt;
	struct timespec ts;

	/* Retry-After in seconds, when the registry says so (capped). */
	for (size_t i = 0; i < n; i++) {
		long s;

		if (v[i]->retry_after && parse_int(v[i]->retry_after, 0, BACKOFF_MAX_S, &s) >= 0 &&
		    s * 1000 > ms)
			ms = s * 1000;
	}
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000;
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int registry_do(struct registry *r, struct http_req **v, size_t n, struct qerr *err)
{
	_cleanup_free_ struct http_req **todo = xcalloc(n ? n : 1, sizeof(*todo));
	size_t n_todo = 0;
	unsigned attempt = 0;
	bool challenged = false;
	int e;

	for (size_t i = 0; i < n; i++)
		todo[n_todo++] = v[i];
	while (n_todo > 0) {
		size_t keep = 0;
		bool auth_again = false, failed_again = false;

		/* Requests that need no transfer after all (a blob completed before) drop out. */
		for (size_t i = 0; i < n_todo; i++) {
			struct http_req *q = todo[i];

			e = q->prepare ? q->prepare(q, err) : 0;
			if (e < 0)
				return e;
			if (e > 0)
				continue;
			free(q->auth);
			/* An upload Location may name another host: it gets no credentials. */
			q->auth =
			    same_host(r, q->url) ? registry_auth_header(&r->auth, r->scope) : NULL;
			todo[keep++] = q;
		}
		n_todo = keep;
		if (n_todo == 0)
			break;
		e = http_run(&r->tls, todo, n_todo, r->parallel, err);
		if (e < 0)
			return e;
		keep = 0;
		for (size_t i = 0; i < n_todo; i++) {
			struct http_req *q = todo[i];

			if (qlog_enabled(QLOG_TRACE))
				qlog(QLOG_TRACE, "%s %s: %ld%s%s", q->method ? q->method : "GET",
				     q->url, q->status, q->curl_code ? " " : "",
				     q->curl_code ? q->error : "");

			if (((q->status >= 200 && q->status < 300) ||
			     (q->status == 404 && q->ok_404)) &&
			    !q->curl_code && !q->sink_error && !q->too_big)
				continue;
			if (q->status == 401 && !q->curl_code && !challenged) {
				/* One challenge per call: a second 401 is a refusal. */
				e = registry_auth_challenge(&r->auth, q->www_authenticate, r->scope,
							    &r->tls, r->what, err);
				if (e < 0)
					return e;
				challenged = true;
				auth_again = true;
			} else if (q->status == 401 && !q->curl_code && auth_again) {
				/* Refused before the challenge was answered: try with it. */
			} else if (http_retryable(q) && attempt < r->retries) {
				qlog_debug("%s: %s: %s, trying again", r->what,
					   q->what ? q->what : "request",
					   q->curl_code ? q->error : "server busy or failing");
				failed_again = true;
			} else {
				return registry_req_error(r, q, q->what, err);
			}
			todo[keep++] = q;
		}
		n_todo = keep;
		if (failed_again)
			backoff(attempt++, (const struct http_req *const *)todo, n_todo);
	}
	return 0;
}
