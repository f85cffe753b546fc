#include "specs/specs-internal.h"

#include <elf.h>
#include <strings.h>
#include <sys/utsname.h>

/*
 * Platforms: OCI's {os, architecture, variant} with GOARCH names. Users, uname(2) and older
 * images spell architectures in many ways (x86_64, aarch64, armhf, ppc64el); all of them are
 * mapped to one name here, the way containerd's platforms package does, so that matching is a
 * plain string compare afterwards.
 */

#ifndef EM_LOONGARCH
#define EM_LOONGARCH 258
#endif
#ifndef EF_ARM_EABIMASK
#define EF_ARM_EABIMASK 0xff000000
#endif
#ifndef EF_ARM_EABI_VER5
#define EF_ARM_EABI_VER5 0x05000000
#endif

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define HOST_LITTLE_ENDIAN true
#else
#define HOST_LITTLE_ENDIAN false
#endif

/* An alias, the canonical architecture, and the variant it implies (NULL: keep the given). */
static const struct {
	const char *alias;
	const char *arch;
	const char *variant;
} arch_aliases[] = {
	{ "x86_64", "amd64", NULL },
	{ "x86-64", "amd64", NULL },
	{ "amd64", "amd64", NULL },
	{ "i386", "386", NULL },
	{ "i486", "386", NULL },
	{ "i586", "386", NULL },
	{ "i686", "386", NULL },
	{ "386", "386", NULL },
	{ "aarch64", "arm64", NULL },
	{ "arm64", "arm64", NULL },
	{ "armhf", "arm", "v7" },
	{ "armel", "arm", "v6" },
	{ "armv8l", "arm", "v8" },
	{ "armv7l", "arm", "v7" },
	{ "armv7", "arm", "v7" },
	{ "armv6l", "arm", "v6" },
	{ "armv6", "arm", "v6" },
	{ "armv5tel", "arm", "v5" },
	{ "armv5l", "arm", "v5" },
	{ "arm", "arm", NULL },
	{ "ppc64el", "ppc64le", NULL },
	{ "ppc64le", "ppc64le", NULL },
	{ "mipsel", "mipsle", NULL },
	{ "mips64el", "mips64le", NULL },
	{ "loongarch64", "loong64", NULL },
};

/*
 * Canonical architecture and variant for (arch, variant), pointing at static strings or at the
 * arguments. The result for arm64 always has a variant (v8 by default) and arm does too (v7).
 */
static void normalize(const char *arch, const char *variant, const char **ret_arch,
		      const char **ret_variant)
{
	static const char *const arm_digits[] = { "v5", "v6", "v7", "v8" };
	size_t i;

	for (i = 0; i < ARRAY_SIZE(arch_aliases); i++)
		if (!strcasecmp(arch, arch_aliases[i].alias)) {
			arch = arch_aliases[i].arch;
			if (arch_aliases[i].variant)
				variant = arch_aliases[i].variant;
			break;
		}
	if (variant && !*variant)
		variant = NULL;
	if (!strcmp(arch, "386")) {
		variant = NULL;
	} else if (!strcmp(arch, "amd64")) {
		if (variant && !strcasecmp(variant, "v1"))
			variant = NULL;
	} else if (!strcmp(arch, "arm64")) {
		if (!variant || !strcmp(variant, "8") || !strcasecmp(variant, "v8"))
			variant = "v8";
	} else if (!strcmp(arch, "arm")) {
		if (!variant)
			variant = "v7";
		else if (variant[0] >= '5' && variant[0] <= '8' && !variant[1])
			variant = arm_digits[variant[0] - '5'];
	}
	*ret_arch = arch;
	*ret_variant = variant;
}

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

	normalize(larch, lvar, &a, &v);
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

	if (uname(&u) == 0)
		m = u.machine;
	/* uname says "mips" / "mips64" whatever the byte order. */
	if (HOST_LITTLE_ENDIAN && !strcmp(m, "mips"))
		m = "mipsle";
	else if (HOST_LITTLE_ENDIAN && !strcmp(m, "mips64"))
		m = "mips64le";
	set(ret, "linux", m, NULL);
}

int spec_platform_from_elf(unsigned e_machine, unsigned ei_class, unsigned ei_data,
			   uint32_t e_flags, struct spec_platform *ret)
{
	bool is64 = ei_class == ELFCLASS64, le = ei_data == ELFDATA2LSB;
	const char *arch = NULL, *variant = NULL;

	if ((ei_class != ELFCLASS32 && ei_class != ELFCLASS64) ||
	    (ei_data != ELFDATA2LSB && ei_data != ELFDATA2MSB))
		return -ENOENT;
	switch (e_machine) {
	case EM_X86_64:
		arch = is64 ? "amd64" : NULL; /* x32 has no OCI name */
		break;
	case EM_386:
		arch = is64 ? NULL : "386";
		break;
	case EM_ARM:
		/* EABI version 5 is what every hard- or soft-float distribution builds today
		 * (armhf, armel); older ABIs come from ARMv5-era toolchains. */
		arch = is64 ? NULL : "arm";
		variant = (e_flags & EF_ARM_EABIMASK) == EF_ARM_EABI_VER5 ? "v7" : "v5";
		break;
	case EM_AARCH64:
		arch = is64 ? "arm64" : NULL;
		variant = "v8";
		break;
	case EM_PPC64:
		arch = is64 ? (le ? "ppc64le" : "ppc64") : NULL;
		break;
	case EM_S390:
		arch = is64 ? "s390x" : NULL;
		break;
	case EM_RISCV:
		arch = is64 ? "riscv64" : NULL;
		break;
	case EM_MIPS:
		if (is64)
			arch = le ? "mips64le" : "mips64";
		else
			arch = le ? "mipsle" : "mips";
		break;
	case EM_LOONGARCH:
		arch = is64 ? "loong64" : NULL;
		break;
	default:
		break;
	}
	if (!arch)
		return -ENOENT;
	ret->os = xstrdup("linux");
	ret->architecture = xstrdup(arch);
	ret->variant = variant ? xstrdup(variant) : NULL;
	return 0;
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
	normalize(want->architecture, want->variant, &wa, &wv);
	normalize(have->architecture, have->variant, &ha, &hv);
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
