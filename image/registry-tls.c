/*
 * Which CAs and client certificate a registry gets, where docker and podman look for them
 * (docker's "Use self-signed certificates", containers-certs.d(5)): a directory named HOST:PORT
 * (or HOST) holding *.crt (CAs, added to the system's), and *.cert + *.key pairs (client
 * certificates; client.cert/client.key is the usual pair). The first directory that exists
 * wins, in podman's order: --cert-dir, then ~/.config/containers/certs.d,
 * /etc/containers/certs.d, /etc/docker/certs.d.
 */
#include "image/registry-internal.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#define PEM_MAX (16u << 20)

bool registry_ca_dir_usable(void)
{
	static int usable = -1;
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;

	if (usable >= 0)
		return usable;
	usable = 0;
	d = opendir(SYSTEM_CA_DIR);
	while (d && (de = readdir(d))) {
		/* a subject-hash link: eight hex digits, ".0" */
		if (strlen(de->d_name) == 10 && strspn(de->d_name, "0123456789abcdef") == 8 &&
		    strcmp(de->d_name + 8, ".0") == 0) {
			usable = 1;
			break;
		}
	}
	return usable;
}

static int append_file(struct http_tls *t, size_t *cap, int dirfd, const char *name,
		       const char *shown, struct qerr *err)
{
	_cleanup_free_ char *buf = NULL;
	ssize_t n = read_file_at(dirfd, name, PEM_MAX, &buf);

	if (n < 0)
		return qerr_set_errno(err, (int)n, "cannot read CA certificates '%s'", shown);
	t->ca_pem = xgrow(t->ca_pem, 1, t->ca_len + (size_t)n + 2, cap);
	memcpy(t->ca_pem + t->ca_len, buf, (size_t)n);
	t->ca_len += (size_t)n;
	t->ca_pem[t->ca_len++] = '\n';
	t->ca_pem[t->ca_len] = '\0';
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The certs.d directory of host, or NULL when there is none. Heap string. */
static char *find_dir(const char *host, const char *cert_dir)
{
	const char *home = getenv("HOME");
	_cleanup_free_ char *user =
	    home && *home ? xasprintf("%s/.config/containers/certs.d", home) : NULL;
	const char *bases[] = { user, "/etc/containers/certs.d", "/etc/docker/certs.d" };
	struct stat st;

	/* --cert-dir names the directory itself (podman, skopeo). */
	if (cert_dir)
		return xstrdup(cert_dir);
	for (size_t i = 0; i < ARRAY_SIZE(bases); i++) {
		_cleanup_free_ char *d = NULL;

		if (!bases[i])
			continue;
		d = xasprintf("%s/%s", bases[i], host);
		if (stat(d, &st) == 0 && S_ISDIR(st.st_mode))
			return TAKE_PTR(d);
	}
	return NULL;
}

int registry_tls_setup(const char *host, const char *cert_dir, bool verify, struct http_tls *ret,
		       struct qerr *err)
{
	struct http_tls t = { .verify = verify };
	_cleanup_free_ char *dir = find_dir(host, cert_dir);
	_cleanup_closedir_ DIR *d = NULL;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0;
	int r = 0;

	if (!dir) {
		*ret = t;
		return 0;
	}
	d = opendir(dir);
	if (!d) {
		if (errno == ENOENT && !cert_dir) {
			*ret = t;
			return 0;
		}
		return qerr_set_errno(err, -errno, "certificate directory '%s'", dir);
	}
	while ((de = readdir(d)))
		if (de->d_name[0] != '.') {
			names = xrealloc(names, (n + 1) * sizeof(*names));
			names[n++] = xstrdup(de->d_name);
		}
	qsort(names, n, sizeof(*names), cmp_str);
	for (size_t i = 0; r >= 0 && i < n; i++) {
		_cleanup_free_ char *shown = xasprintf("%s/%s", dir, names[i]);

		if (str_has_suffix(names[i], ".crt")) {
			/* The system's CAs too, so that a per-registry CA adds to them (from their
			 * directory when it is usable: registry-http.c) */
			if (!t.ca_pem && !registry_ca_dir_usable() &&
			    access(SYSTEM_CA_BUNDLE, R_OK) == 0)
				r = append_file(&t, &cap, AT_FDCWD, SYSTEM_CA_BUNDLE,
						SYSTEM_CA_BUNDLE, err);
			if (r >= 0)
				r = append_file(&t, &cap, dirfd(d), names[i], shown, err);
			qlog_debug("registry %s: CA certificates '%s'", host, shown);
		} else if (str_has_suffix(names[i], ".cert") && !t.cert) {
			_cleanup_free_ char *key =
			    xasprintf("%s/%.*s.key", dir, (int)(strlen(names[i]) - 5), names[i]);

			if (access(key, R_OK) != 0) {
				r = qerr_set(err, -ENOENT,
					     "client certificate '%s' has no key '%s' beside it",
					     shown, key);
				break;
			}
			t.cert = TAKE_PTR(shown);
			t.key = TAKE_PTR(key);
			qlog_debug("registry %s: client certificate '%s'", host, t.cert);
		}
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (r < 0) {
		http_tls_release(&t);
		return r;
	}
	*ret = t;
	return 0;
}
