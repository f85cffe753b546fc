/*
 * libcurl, loaded on first use. Linking it outright costs every qrun command ~11 ms at
 * start-up (measured: 32 shared libraries come with it: GnuTLS-free but with LDAP, Kerberos,
 * nghttp2, libssh2...), although only pull, push and login talk to a registry. As with
 * libarchive (libarchive-lazy.c), each function registry-http.c uses is defined here with
 * libcurl's own prototype and forwards to the real one, found with dlopen/dlsym the first time.
 *
 * The setopt/getinfo functions are variadic: they cannot be forwarded as they are, so the one
 * argument is read with the type libcurl itself derives from the option number (CURLOPTTYPE_*
 * ranges: long, pointer, curl_off_t, blob pointer; every CURLINFO takes a pointer).
 */
#include "image/image-internal.h"

#include <curl/curl.h>

#undef curl_easy_setopt
#undef curl_easy_getinfo
#undef curl_multi_setopt

#define LIBCURL_SONAME "libcurl.so.4"

static void *sym(const char *name)
{
	static void *lib;

	return lazy_sym(&lib, LIBCURL_SONAME, name);
}

#define LAZY(ret, name, params, args) LAZY_FORWARD(sym, ret, name, params, args)

LAZY(CURLcode, curl_global_init, (long flags), (flags))
LAZY(CURL *, curl_easy_init, (void), ())
LAZY(void, curl_easy_cleanup, (CURL * h), (h))
LAZY(const char *, curl_easy_strerror, (CURLcode c), (c))
LAZY(struct curl_slist *, curl_slist_append, (struct curl_slist * l, const char *s), (l, s))
LAZY(void, curl_slist_free_all, (struct curl_slist * l), (l))
LAZY(CURLM *, curl_multi_init, (void), ())
LAZY(CURLMcode, curl_multi_cleanup, (CURLM * m), (m))
LAZY(CURLMcode, curl_multi_add_handle, (CURLM * m, CURL *h), (m, h))
LAZY(CURLMcode, curl_multi_remove_handle, (CURLM * m, CURL *h), (m, h))
LAZY(CURLMcode, curl_multi_perform, (CURLM * m, int *running), (m, running))
LAZY(CURLMcode, curl_multi_poll,
     (CURLM * m, struct curl_waitfd *fds, unsigned int n, int ms, int *numfds),
     (m, fds, n, ms, numfds))
LAZY(CURLMsg *, curl_multi_info_read, (CURLM * m, int *left), (m, left))
LAZY(const char *, curl_multi_strerror, (CURLMcode c), (c))
LAZY(char *, curl_easy_escape, (CURL * h, const char *s, int n), (h, s, n))
LAZY(void, curl_free, (void *p), (p))
LAZY(curl_version_info_data *, curl_version_info, (CURLversion v), (v))

CURLcode curl_easy_setopt(CURL *h, CURLoption opt, ...)
{
	static CURLcode (*fn)(CURL *, CURLoption, ...);
	CURLcode r;
	va_list ap;

	if (!fn)
		fn = (CURLcode(*)(CURL *, CURLoption, ...))sym("curl_easy_setopt");
	va_start(ap, opt);
	if (opt < CURLOPTTYPE_OBJECTPOINT)
		r = fn(h, opt, va_arg(ap, long));
	else if (opt >= CURLOPTTYPE_OFF_T && opt < CURLOPTTYPE_BLOB)
		r = fn(h, opt, va_arg(ap, curl_off_t));
	else
		r = fn(h, opt, va_arg(ap, void *)); /* objects, callbacks, blobs */
	va_end(ap);
	return r;
}

CURLcode curl_easy_getinfo(CURL *h, CURLINFO info, ...)
{
	static CURLcode (*fn)(CURL *, CURLINFO, ...);
	CURLcode r;
	va_list ap;

	if (!fn)
		fn = (CURLcode(*)(CURL *, CURLINFO, ...))sym("curl_easy_getinfo");
	va_start(ap, info);
	r = fn(h, info, va_arg(ap, void *));
	va_end(ap);
	return r;
}

CURLMcode curl_multi_setopt(CURLM *m, CURLMoption opt, ...)
{
	static CURLMcode (*fn)(CURLM *, CURLMoption, ...);
	CURLMcode r;
	va_list ap;

	if (!fn)
		fn = (CURLMcode(*)(CURLM *, CURLMoption, ...))sym("curl_multi_setopt");
	va_start(ap, opt);
	if (opt < CURLOPTTYPE_OBJECTPOINT)
		r = fn(m, opt, va_arg(ap, long));
	else if (opt >= CURLOPTTYPE_OFF_T && opt < CURLOPTTYPE_BLOB)
		r = fn(m, opt, va_arg(ap, curl_off_t));
	else
		r = fn(m, opt, va_arg(ap, void *));
	va_end(ap);
	return r;
}
