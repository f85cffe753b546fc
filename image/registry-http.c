/*
 * HTTP for the registry client, on libcurl (the only file that includes curl.h besides its
 * lazy loader). Why libcurl: registries need HTTP/1.1 and HTTP/2, TLS with per-host CAs and
 * client certificates, redirects to blob storage, proxies from the environment and several
 * transfers at once; libcurl does all of that, is in every distribution and uses the same
 * OpenSSL as image/digest.c. The rest of the client sees only struct http_req.
 */
#include "image/registry-internal.h"

#include <limits.h>
#include <strings.h>

#include <curl/curl.h>

#define MAX_REDIRECTS 10

struct xfer {
	struct http_req *q;
	CURL *h;
	struct curl_slist *headers;
	size_t cap;  /* of q->resp */
	size_t sent; /* of q->body */
};

void http_tls_release(struct http_tls *t)
{
	if (t->multi)
		curl_multi_cleanup(t->multi);
	free(t->ca_pem);
	free(t->cert);
	free(t->key);
	*t = (struct http_tls){ 0 };
}

/* Forget one answer: its body and headers (a redirect's are not the final answer's). */
static void clear_answer(struct http_req *q)
{
	free(q->resp);
	free(q->www_authenticate);
	free(q->location);
	free(q->content_type_got);
	free(q->docker_digest);
	free(q->content_range);
	free(q->retry_after);
	q->resp = q->www_authenticate = q->location = q->content_type_got = NULL;
	q->docker_digest = q->content_range = q->retry_after = NULL;
	q->resp_len = 0;
	q->content_length = -1;
}

void http_req_reset(struct http_req *q)
{
	clear_answer(q);
	q->status = 0;
	q->curl_code = 0;
	q->error[0] = '\0';
	q->sink_error = 0;
	q->sink_msg[0] = '\0';
	q->too_big = false;
}

void http_req_release(struct http_req *q)
{
	http_req_reset(q);
	free(q->url);
	free(q->auth);
	q->url = q->auth = NULL;
}

bool http_retryable(const struct http_req *q)
{
	if (q->sink_error || q->too_big)
		return false;
	if (q->curl_code)
		return q->curl_code != CURLE_SSL_CACERT &&
		       q->curl_code != CURLE_PEER_FAILED_VERIFICATION &&
		       q->curl_code != CURLE_TOO_MANY_REDIRECTS &&
		       q->curl_code != CURLE_UNSUPPORTED_PROTOCOL &&
		       q->curl_code != CURLE_URL_MALFORMAT &&
		       q->curl_code != CURLE_COULDNT_RESOLVE_HOST &&
		       q->curl_code != CURLE_SSL_CERTPROBLEM;
	return q->status == 429 || (q->status >= 500 && q->status != 501);
}

/* Keep a header's value (trimmed) when the line is "name: value". */
static void take_header(const char *line, size_t len, const char *name, char **slot)
{
	size_t nl = strlen(name);

	if (len <= nl || strncasecmp(line, name, nl) != 0 || line[nl] != ':')
		return;
	line += nl + 1;
	len -= nl + 1;
	while (len && (*line == ' ' || *line == '\t')) {
		line++;
		len--;
	}
	while (len && (line[len - 1] == '\r' || line[len - 1] == '\n' || line[len - 1] == ' '))
		len--;
	free(*slot);
	*slot = xstrndup(line, len);
}

static size_t on_header(char *buf, size_t size, size_t n, void *data)
{
	struct xfer *x = data;
	struct http_req *q = x->q;
	size_t len = size * n;
	_cleanup_free_ char *cl = NULL;

	/* A new status line: a redirect's or 100-continue's headers are not the answer's. */
	if (len > 5 && !strncmp(buf, "HTTP/", 5)) {
		clear_answer(q);
		x->cap = 0;
		{
			/* The status line itself: "HTTP/1.1 206 Partial Content". */
			const char *sp = memchr(buf, ' ', len);

			if (sp && (size_t)(sp - buf) + 4 <= len)
				q->status =
				    (sp[1] - '0') * 100 + (sp[2] - '0') * 10 + (sp[3] - '0');
		}
		return len;
	}
	take_header(buf, len, "WWW-Authenticate", &q->www_authenticate);
	take_header(buf, len, "Location", &q->location);
	take_header(buf, len, "Content-Type", &q->content_type_got);
	take_header(buf, len, "Docker-Content-Digest", &q->docker_digest);
	take_header(buf, len, "Content-Range", &q->content_range);
	take_header(buf, len, "Retry-After", &q->retry_after);
	take_header(buf, len, "Content-Length", &cl);
	if (cl) {
		long v;

		if (parse_int(cl, 0, LONG_MAX, &v) >= 0)
			q->content_length = v;
	}
	return len;
}

static size_t on_body(char *buf, size_t size, size_t n, void *data)
{
	struct xfer *x = data;
	struct http_req *q = x->q;
	size_t len = size * n;

	/* Redirect bodies are not the answer (curl skips them, but be sure). */
	if (q->status >= 300 && q->status < 400)
		return len;
	if (q->sink && q->status >= 200 && q->status < 300) {
		int r = q->sink(q, buf, len);

		if (r < 0) {
			q->sink_error = r;
			return CURL_WRITEFUNC_ERROR;
		}
		q->resp_len += len;
		return len;
	}
	/* Error bodies and documents are buffered, up to max_body (64 kB for errors). */
	{
		size_t max = q->sink ? 65536 : q->max_body;

		if (q->resp_len + len > max) {
			q->too_big = true;
			return CURL_WRITEFUNC_ERROR;
		}
		q->resp = xgrow(q->resp, 1, q->resp_len + len + 1, &x->cap);
		memcpy(q->resp + q->resp_len, buf, len);
		q->resp_len += len;
		q->resp[q->resp_len] = '\0';
	}
	return len;
}

static size_t on_read(char *buf, size_t size, size_t n, void *data)
{
	struct xfer *x = data;
	struct http_req *q = x->q;
	size_t want = size * n, left = q->body_len - x->sent;

	if (want > left)
		want = left;
	if (q->body_is_fd) {
		ssize_t got = pread(q->body_fd, buf, want, (off_t)(q->body_off + x->sent));

		if (got < 0 || (got == 0 && want > 0))
			return CURL_READFUNC_ABORT;
		want = (size_t)got;
	} else {
		memcpy(buf, (const char *)q->body + x->sent, want);
	}
	x->sent += want;
	return want;
}

static int xfer_setup(struct xfer *x, const struct http_tls *tls, struct qerr *err)
{
	struct http_req *q = x->q;
	CURL *h = curl_easy_init();
	char line[64];

	if (!h)
		return qerr_set(err, -ENOMEM, "cannot set up an HTTP transfer");
	x->h = h;
	http_req_reset(q);
	curl_easy_setopt(h, CURLOPT_URL, q->url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https,http");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "https,http");
	/*
	 * curl (>= 7.58, host and port since 7.83) sends a custom Authorization header only to the
	 * original host: a redirect to blob storage gets none of the registry's credentials.
	 */
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, (long)MAX_REDIRECTS);
	curl_easy_setopt(h, CURLOPT_UNRESTRICTED_AUTH, 0L);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, 30L);
	/* A stalled transfer (less than 1 kB/s for 60 s) fails and is retried. */
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1024L);
	curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, 60L);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "qrun/" QRUN_VERSION);
	/* 16 kB writes by default: blobs come in larger pieces so (fewer hash and write calls) */
	curl_easy_setopt(h, CURLOPT_BUFFERSIZE, 512L << 10);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, q->error);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(h, CURLOPT_PRIVATE, x);
	if (!tls->verify) {
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	} else {
		if (registry_ca_dir_usable()) {
			curl_easy_setopt(h, CURLOPT_CAINFO, NULL);
			curl_easy_setopt(h, CURLOPT_CAPATH, SYSTEM_CA_DIR);
		}
		if (tls->ca_pem) {
			struct curl_blob blob = { .data = tls->ca_pem,
						  .len = tls->ca_len,
						  .flags = CURL_BLOB_COPY };

			curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &blob);
		}
	}
	if (tls->cert) {
		curl_easy_setopt(h, CURLOPT_SSLCERT, tls->cert);
		curl_easy_setopt(h, CURLOPT_SSLKEY, tls->key);
	}
	if (q->auth) {
		_cleanup_free_ char *a = xasprintf("Authorization: %s", q->auth);

		x->headers = curl_slist_append(x->headers, a);
	}
	if (q->accept) {
		_cleanup_free_ char *a = xasprintf("Accept: %s", q->accept);

		x->headers = curl_slist_append(x->headers, a);
	}
	if (q->send_range) {
		_cleanup_free_ char *a = xasprintf("Content-Range: %s", q->send_range);

		x->headers = curl_slist_append(x->headers, a);
	}
	if (q->content_type) {
		_cleanup_free_ char *a = xasprintf("Content-Type: %s", q->content_type);

		x->headers = curl_slist_append(x->headers, a);
	}
	if (q->offset > 0) {
		snprintf(line, sizeof(line), "Range: bytes=%llu-", (unsigned long long)q->offset);
		x->headers = curl_slist_append(x->headers, line);
	}
	if (q->method && !strcmp(q->method, "HEAD")) {
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	} else if (q->method && (!strcmp(q->method, "PUT") || !strcmp(q->method, "POST") ||
				 !strcmp(q->method, "PATCH"))) {
		curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, q->method);
		curl_easy_setopt(h, CURLOPT_READFUNCTION, on_read);
		curl_easy_setopt(h, CURLOPT_READDATA, x);
		curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)q->body_len);
		/* 64 kB reads by default: a layer goes up in far fewer, larger TLS records so */
		curl_easy_setopt(h, CURLOPT_UPLOAD_BUFFERSIZE, 1L << 20);
		/* No "Expect: 100-continue" round trip. */
		x->headers = curl_slist_append(x->headers, "Expect:");
	} else if (q->method && strcmp(q->method, "GET") != 0) {
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, q->method);
	}
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, x->headers);
	return 0;
}

static void xfer_done(struct xfer *x, CURLcode code)
{
	struct http_req *q = x->q;
	long status = 0;

	curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &status);
	if (status)
		q->status = status;
	if (code != CURLE_OK && !q->sink_error && !q->too_big) {
		q->curl_code = (int)code;
		if (!q->error[0])
			snprintf(q->error, sizeof(q->error), "%s", curl_easy_strerror(code));
	}
}

static void xfer_release(struct xfer *x)
{
	if (x->h)
		curl_easy_cleanup(x->h);
	curl_slist_free_all(x->headers);
	*x = (struct xfer){ 0 };
}

int http_run(struct http_tls *tls, struct http_req **v, size_t n, unsigned parallel,
	     struct qerr *err)
{
	static bool inited;
	_cleanup_free_ struct xfer *x = xcalloc(n ? n : 1, sizeof(*x));
	CURLM *m;
	size_t next = 0, active = 0;
	int r = 0;

	if (!inited) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			return qerr_set(err, -ENOMEM, "cannot initialise libcurl");
		inited = true;
	}
	/* One multi handle per registry: its connection cache saves a TLS handshake a request. */
	m = tls->multi;
	if (!m) {
		m = tls->multi = curl_multi_init();
		if (!m)
			return qerr_set(err, -ENOMEM, "cannot initialise libcurl");
	}
	curl_multi_setopt(m, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)(parallel ? parallel : 1));
	while (next < n || active > 0) {
		int running, left;
		CURLMsg *msg;

		while (next < n && active < (parallel ? parallel : 1)) {
			x[next].q = v[next];
			r = xfer_setup(&x[next], tls, err);
			if (r < 0)
				goto out;
			curl_multi_add_handle(m, x[next].h);
			next++;
			active++;
		}
		if (curl_multi_perform(m, &running) != CURLM_OK) {
			r = qerr_set(err, -EIO, "HTTP transfer failed");
			goto out;
		}
		while ((msg = curl_multi_info_read(m, &left))) {
			struct xfer *done = NULL;

			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&done);
			xfer_done(done, msg->data.result);
			curl_multi_remove_handle(m, done->h);
			curl_easy_cleanup(done->h);
			done->h = NULL;
			active--;
		}
		if (active > 0 && curl_multi_poll(m, NULL, 0, 1000, NULL) != CURLM_OK) {
			r = qerr_set(err, -EIO, "HTTP transfer failed");
			goto out;
		}
	}
out:
	for (size_t i = 0; i < n; i++) {
		if (x[i].h)
			curl_multi_remove_handle(m, x[i].h);
		xfer_release(&x[i]);
	}
	return r;
}

char *http_escape(const char *s)
{
	char *e = curl_easy_escape(NULL, s, 0);
	char *out;

	if (!e)
		abort(); /* out of memory, as xmalloc */
	out = xstrdup(e);
	curl_free(e);
	return out;
}
