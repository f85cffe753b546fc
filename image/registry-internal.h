#pragma once
/*
 * The registry client's internals (OCI distribution API), shared by registry-*.c:
 *
 *   registry-http.c   HTTP requests, several at once (the only libcurl user, see
 *                     libcurl-lazy.c); knows nothing of registries
 *   registry-tls.c    which CAs and client certificates a registry gets (certs.d)
 *   registry-auth.c   WWW-Authenticate challenges, bearer tokens, credentials (auth.json)
 *   registry.c        requests to one repository with auth, retries and clear errors
 *   registry-pull.c   manifests, platforms, blobs into the store, the image registered
 */

#include "image/image-internal.h"

/* ---- registry-http.c -------------------------------------------------------------------- */

/*
 * The system's CAs as a hashed directory (c_rehash/update-ca-certificates): OpenSSL looks an
 * issuer up there when it needs it, where the bundle file would be parsed whole (about 30 ms
 * of every pull). Not usable (no hash links): the bundle, as curl does by default.
 */
#define SYSTEM_CA_DIR	 "/etc/ssl/certs"
#define SYSTEM_CA_BUNDLE "/etc/ssl/certs/ca-certificates.crt"
bool registry_ca_dir_usable(void);

struct http_tls {
	bool verify;
	/* owned: per-registry CAs (with the system bundle when the directory is not usable), or
	 * NULL: the system's only */
	char *ca_pem;
	size_t ca_len;
	char *cert;  /* owned: client certificate file (PEM), or NULL */
	char *key;   /* owned: its key, or NULL */
	void *multi; /* owned: libcurl's multi handle, kept so that connections are reused */
};

void http_tls_release(struct http_tls *t);

struct http_req;

/*
 * Streaming body receiver: called with each piece of the final response's body (after
 * redirects); q->status is known by then. Returns 0, or <0 to abort the transfer (the request
 * then ends with q->sink_error set to that value).
 */
typedef int (*http_sink_fn)(struct http_req *q, const void *buf, size_t len);

struct http_req {
	/* what to send */
	const char *method; /* NULL: GET; "HEAD", "PUT", "POST" */
	char *url;	    /* owned */
	char *auth;	    /* owned: the Authorization header value, or NULL */
	const char *accept; /* borrowed, or NULL */
	const char *content_type;
	const void *body; /* borrowed request body (PUT, POST), body_len bytes */
	size_t body_len;
	bool body_is_fd; /* the body is body_len bytes of body_fd from body_off instead */
	int body_fd;	 /* borrowed */
	uint64_t body_off;
	const char *send_range; /* borrowed: the Content-Range header to send (chunked push) */
	uint64_t offset;	/* > 0: ask for the bytes from offset on (Range) */
	size_t max_body;	/* buffered responses: more than this is refused (too_big) */
	http_sink_fn sink;
	void *data; /* for sink and prepare */
	/*
	 * Called by registry_do before each try (set offset to resume, reset a sink's state):
	 * returns 0, 1 when the request needs no transfer after all (done), or <0 with err set.
	 */
	int (*prepare)(struct http_req *q, struct qerr *err);
	const char *what; /* names the object in messages: "manifest 'latest'", "blob sha256:..." */
	bool ok_404;	  /* registry_do: a 404 is an answer (HEAD of a blob), not a failure */

	/* what came back (reset by http_req_reset) */
	long status; /* 0 when no response came */
	int curl_code;
	char error[256]; /* transport error, when curl_code != 0 */
	int sink_error;
	char sink_msg[512]; /* the sink's reason, when sink_error */
	bool too_big;
	char *resp;	 /* owned, NUL-terminated buffered body (no sink) */
	size_t resp_len; /* bytes received (also with a sink) */
	int64_t content_length;
	char *www_authenticate, *location, *content_type_got, *docker_digest, *content_range;
	char *retry_after;
};

void http_req_reset(struct http_req *q);
void http_req_release(struct http_req *q);
/*
 * Perform the requests, at most `parallel` at once, following redirects (up to 10; the
 * Authorization header only goes to the host of the original URL). Each request's outcome is
 * in its fields; returns <0 only when libcurl could not be set up.
 */
int http_run(struct http_tls *tls, struct http_req **v, size_t n, unsigned parallel,
	     struct qerr *err);
/* URL-encode s (for query parameters). Heap string. */
char *http_escape(const char *s);
/* Is this a transport failure or an answer worth trying again (429, 5xx, reset, timeout)? */
bool http_retryable(const struct http_req *q);

/* ---- registry-tls.c ----------------------------------------------------------------------- */

/*
 * TLS settings for host ("127.0.0.1:5000"): the system CA bundle plus every *.crt of the first
 * certs.d directory found for host (cert_dir when given, else ~/.config/containers/certs.d/HOST,
 * /etc/containers/certs.d/HOST, /etc/docker/certs.d/HOST), and a client.cert or
 * *.cert with its .key from there.
 */
int registry_tls_setup(const char *host, const char *cert_dir, bool verify, struct http_tls *ret,
		       struct qerr *err);

/* ---- registry-auth.c ---------------------------------------------------------------------- */

struct registry_auth {
	char *user; /* owned, or NULL: anonymous */
	char *pass; /* owned */
	bool basic; /* the registry asked for Basic: send it with every request */
	char *token;
	char *token_scope;
	double token_expiry; /* CLOCK_MONOTONIC seconds */
};

void registry_auth_release(struct registry_auth *a);
/*
 * Credentials for registry (the name as in auth.json: "127.0.0.1:5000", "docker.io") from
 * $XDG_RUNTIME_DIR/containers/auth.json, then ~/.docker/config.json; none found: 0, user NULL.
 */
int registry_auth_load(const char *registry, struct registry_auth *a, struct qerr *err);
/* The Authorization header value for scope, or NULL (anonymous for now). Heap string. */
char *registry_auth_header(const struct registry_auth *a, const char *scope);
/*
 * Answer a 401's challenge: Basic (needs credentials) or Bearer (a token for scope from the
 * realm). -EACCES with a message naming what when no challenge can be met; what is
 * "registry 'HOST': repository 'NAME'".
 */
int registry_auth_challenge(struct registry_auth *a, const char *challenge, const char *scope,
			    struct http_tls *tls, const char *what, struct qerr *err);
/* Is the token for scope still usable? */
bool registry_auth_has_token(const struct registry_auth *a, const char *scope);

/* ---- registry.c --------------------------------------------------------------------------- */

struct registry {
	char *domain; /* "docker.io", "127.0.0.1:5000": the name credentials are kept under */
	char *host;   /* where requests go ("registry-1.docker.io" for docker.io) */
	char *repo;   /* "library/busybox" */
	char *base;   /* "https://HOST/v2/REPO" */
	char *what;   /* "registry 'HOST': repository 'REPO'" for messages */
	char *scope;  /* "repository:REPO:pull" */
	struct http_tls tls;
	struct registry_auth auth;
	unsigned retries; /* per request, on 429/5xx/transport errors */
	unsigned parallel;
};

struct registry_opts {
	bool tls_no_verify;
	const char *cert_dir;
	bool push; /* scope pull,push */
};

int registry_open(const struct spec_reference *ref, const struct registry_opts *o,
		  struct registry *ret, struct qerr *err);
void registry_release(struct registry *r);
/* "HOST/v2/REPO/KIND/REF" request, ready for registry_do. */
void registry_req(const struct registry *r, struct http_req *q, const char *kind, const char *ref);
/*
 * Run requests against the registry: authorization added, 401 challenges answered once,
 * retries with backoff on 429/5xx/transport errors (a request with a sink is retried only
 * when its sink allows, see registry-pull.c). Fails (first failure's message) unless every
 * request got a 2xx; a 404 is -ENOENT, 401/403 -EACCES.
 */
int registry_do(struct registry *r, struct http_req **v, size_t n, struct qerr *err);
/* The one-line error of a finished request that failed; what names the object. */
int registry_req_error(const struct registry *r, const struct http_req *q, const char *what,
		       struct qerr *err);
