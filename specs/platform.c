#include "specs/specs-internal.h"

#include <strings.h>
#include <sys/utsname.h>

#include "common/arch.h"

/*
 * Platforms: OCI's {os, architecture, variant} with GOARCH names. Users, uname(2) and older
 * images spell architectures in many ways (x86_64, aarch64, armhf, ppc64el); all of them are
 * mapped to one name, the way containerd's platforms package does, so that matching is a plain
 * string compare afterwards. The names and the rules live in common/arch.c.
 */

static char *lowercase_dup(const char *s)
{
	char *d = xstrdup(s), *p;

	for (p = d; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p += 'a' - 'A';
	return d;
}

/* containerd's specifier syntax: [A-Za-z0-9_-]+. */
static bool component_valid(const char *s, size_t n)
{
	size_t i;

	if (n == 0)
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '-'))
			return false;
	return true;
}

static void set(struct spec_platform *p, const char *os, const char *arch, const char *variant)
{
	const char *a, *v;
	_cleanup_free_ char *los = lowercase_dup(os), *larch = lowercase_dup(arch),
			    *lvar = variant ? lowercase_dup(variant) : NULL;

	arch_normalize(larch, lvar, &a, &v);
	p->os = xstrdup(!strcmp(los, "macos") ? "darwin" : los);
	p->architecture = xstrdup(a);
	p->variant = v ? xstrdup(v) : NULL;
}

static int platform_parse(const char *s, struct spec_platform *ret, struct qerr *err)
{
	_cleanup_free_ char *os = NULL, *arch = NULL, *variant = NULL;
	const char *part[3], *slash, *next;
	size_t len[3], n = 0, i;

	if (!s || !*s)
		return qerr_set(err, -EINVAL, "platform '': empty");
	for (next = s; next; n++) {
		if (n == ARRAY_SIZE(part))
			return qerr_set(err, -EINVAL,
					"platform '%s': expected OS/ARCH[/VARIANT] or ARCH", s);
		part[n] = next;
		slash = strchr(next, '/');
		len[n] = slash ? (size_t)(slash - next) : strlen(next);
		next = slash ? slash + 1 : NULL;
	}
	for (i = 0; i < n; i++)
		if (!component_valid(part[i], len[i]))
			return qerr_set(err, -EINVAL,
					"platform '%s': empty part or a character outside "
					"[A-Za-z0-9_-]",
					s);
	if (n == 1) {
		os = xstrdup("linux");
		arch = xstrndup(part[0], len[0]);
		if (!strcasecmp(arch, "linux"))
			return qerr_set(err, -EINVAL, "platform '%s': missing architecture", s);
	} else {
		os = xstrndup(part[0], len[0]);
		arch = xstrndup(part[1], len[1]);
		if (n == 3)
			variant = xstrndup(part[2], len[2]);
	}
	set(ret, os, arch, variant);
	return 0;
}

int spec_platform_parse(const char *s, struct spec_platform *ret, struct qerr *err)
{
	int r = platform_parse(s, ret, err);

	return r < 0 ? spec_err_clean(err, r) : r;
}

void spec_platform_host(struct spec_platform *ret)
{
	struct utsname u;
	const char *m = "unknown";
	const struct arch *a;

	if (uname(&u) == 0)
		m = u.machine;
	/* uname says "mips" / "mips64" whatever the byte order: the row of ours is the answer */
	a = arch_find_uname(m, ARCH_HOST_ELF_DATA);
	set(ret, "linux", a ? a->oci_arch : m, a ? a->oci_variant : NULL);
}

void spec_platform_from_arch(const struct arch *a, struct spec_platform *ret)
{
	ret->os = xstrdup("linux");
	ret->architecture = xstrdup(a->oci_arch);
	ret->variant = a->oci_variant ? xstrdup(a->oci_variant) : NULL;
}

char *spec_platform_format(const struct spec_platform *p)
{
	const char *os = p->os ? p->os : "", *arch = p->architecture ? p->architecture : "";

	if (p->variant)
		return xasprintf("%s/%s/%s", os, arch, p->variant);
	return xasprintf("%s/%s", os, arch);
}

bool spec_platform_match(const struct spec_platform *want, const struct spec_platform *have)
{
	const char *wa, *wv, *ha, *hv;

	if (!want->os || !have->os || !want->architecture || !have->architecture)
		return false;
	if (strcasecmp(want->os, have->os))
		return false;
	arch_normalize(want->architecture, want->variant, &wa, &wv);
	arch_normalize(have->architecture, have->variant, &ha, &hv);
	if (strcasecmp(wa, ha))
		return false;
	if (!want->variant || !*want->variant)
		return true;
	return wv && hv && !strcasecmp(wv, hv);
}

void spec_platform_copy(struct spec_platform *dst, const struct spec_platform *src)
{
	dst->os = src->os ? xstrdup(src->os) : NULL;
	dst->architecture = src->architecture ? xstrdup(src->architecture) : NULL;
	dst->variant = src->variant ? xstrdup(src->variant) : NULL;
}

void spec_platform_release(struct spec_platform *p)
{
	free(p->os);
	free(p->architecture);
	free(p->variant);
	*p = (struct spec_platform){ 0 };
}
