#include "tests/unit/harness.h"

#include <elf.h>
#include <strings.h>

#include "common/arch.h"
#include "common/common.h"

/* The architecture table: every row found by each of its names and by an ELF header of its own,
 * then tables of names, ELF headers and normalisations, each printing every failing row. */

/* "arm/v7", "amd64", or "-" for NULL: what a row is called in the tables below. */
static const char *row_name(const struct arch *a, char *buf, size_t size)
{
	if (!a)
		return "-";
	(void)snprintf(buf, size, "%s%s%s", a->oci_arch, a->oci_variant ? "/" : "",
		       a->oci_variant ? a->oci_variant : "");
	return buf;
}

static bool row_is(const struct arch *a, const char *want)
{
	char buf[32];

	return !strcmp(row_name(a, buf, sizeof(buf)), want ? want : "-");
}

/* An ELF header (64 bytes, enough for either class) with these identification fields. */
static void make_elf(unsigned char h[64], unsigned cls, unsigned data, unsigned machine,
		     uint32_t flags)
{
	size_t at = cls == ELFCLASS64 ? 48 : 36;
	bool msb = data == ELFDATA2MSB;

	memset(h, 0, 64);
	memcpy(h, ELFMAG, SELFMAG);
	h[EI_CLASS] = (unsigned char)cls;
	h[EI_DATA] = (unsigned char)data;
	h[EI_VERSION] = EV_CURRENT;
	h[msb ? 19 : 18] = (unsigned char)(machine & 0xff);
	h[msb ? 18 : 19] = (unsigned char)(machine >> 8);
	for (size_t i = 0; i < 4; i++)
		h[at + (msb ? 3 - i : i)] = (unsigned char)(flags >> (8 * i));
}

/* e_flags that select a row's elf_abi. */
static uint32_t abi_flags(enum arch_elf_abi abi)
{
	switch (abi) {
	case ARCH_ELF_ARM_HARD:
		return 0x05000400;
	case ARCH_ELF_ARM_SOFT:
		return 0x05000200;
	case ARCH_ELF_ARM_OLD:
		return 0x04000000;
	default:
		return 0;
	}
}

static void test_arch_table__every_row_both_ways(void **state)
{
	size_t bad = 0;

	(void)state;
	for (size_t i = 0; i < ARCH_COUNT; i++) {
		const struct arch *a = &arch_table[i], *e = arch_emulator_row(a);
		unsigned char h[64];
		char buf[32];
		bool pins = true;

		make_elf(h, a->elf_class, a->elf_data, a->e_machine, abi_flags(a->elf_abi));
		if (arch_find_oci(a->oci_arch, a->oci_variant) != a || arch_index(a) != i ||
		    (a->debian_arch && arch_find_debian(a->debian_arch) != a) ||
		    arch_find_uname(a->uname_machine, a->elf_data) != a || !e ||
		    strcmp(e->qemu_name, a->qemu_name) || arch_find_qemu(a->qemu_name) != e ||
		    arch_find_name(a->oci_arch, &pins) != arch_find_oci(a->oci_arch, NULL) ||
		    pins ||
		    (a->elf_abi == ARCH_ELF_NEVER ? arch_find_elf(h, sizeof(h)) == a
						  : arch_find_elf(h, sizeof(h)) != a)) {
			printf("row %zu (%s) is not found by its own names or ELF header\n", i,
			       row_name(a, buf, sizeof(buf)));
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

enum lookup { BY_OCI, BY_DEBIAN, BY_QEMU, BY_UNAME_LE, BY_UNAME_BE, BY_NAME };

struct name_case {
	enum lookup by;
	const char *name;
	const char *variant; /* BY_OCI only */
	const char *want;    /* row_name, NULL: not found */
	bool pins;	     /* BY_NAME only */
};

static const struct name_case name_cases[] = {
	{ BY_OCI, "amd64", NULL, "amd64", false },
	{ BY_OCI, "amd64", "v3", "amd64", false },
	{ BY_OCI, "AMD64", NULL, "amd64", false },
	{ BY_OCI, "386", NULL, "386", false },
	{ BY_OCI, "arm", NULL, "arm/v7", false },
	{ BY_OCI, "arm", "", "arm/v7", false },
	{ BY_OCI, "arm", "v7", "arm/v7", false },
	{ BY_OCI, "arm", "v6", "arm/v6", false },
	{ BY_OCI, "arm", "v5", "arm/v5", false },
	{ BY_OCI, "arm", "v8", "arm/v8", false },
	{ BY_OCI, "arm", "V6", "arm/v6", false },
	{ BY_OCI, "arm", "v4", NULL, false },
	{ BY_OCI, "arm64", NULL, "arm64/v8", false },
	{ BY_OCI, "arm64", "v9", NULL, false },
	{ BY_OCI, "ppc64le", NULL, "ppc64le", false },
	{ BY_OCI, "ppc64", NULL, "ppc64", false },
	{ BY_OCI, "s390x", NULL, "s390x", false },
	{ BY_OCI, "riscv64", NULL, "riscv64", false },
	{ BY_OCI, "mips64le", NULL, "mips64le", false },
	{ BY_OCI, "mipsle", NULL, "mipsle", false },
	{ BY_OCI, "mips64", NULL, "mips64", false },
	{ BY_OCI, "mips", NULL, "mips", false },
	{ BY_OCI, "loong64", NULL, "loong64", false },
	{ BY_OCI, "x86_64", NULL, NULL, false },
	{ BY_OCI, "armhf", NULL, NULL, false },
	{ BY_OCI, "vax", NULL, NULL, false },
	{ BY_OCI, "", NULL, NULL, false },
	{ BY_DEBIAN, "amd64", NULL, "amd64", false },
	{ BY_DEBIAN, "i386", NULL, "386", false },
	{ BY_DEBIAN, "armhf", NULL, "arm/v7", false },
	{ BY_DEBIAN, "armel", NULL, "arm/v6", false },
	{ BY_DEBIAN, "arm64", NULL, "arm64/v8", false },
	{ BY_DEBIAN, "ppc64el", NULL, "ppc64le", false },
	{ BY_DEBIAN, "mips64el", NULL, "mips64le", false },
	{ BY_DEBIAN, "mipsel", NULL, "mipsle", false },
	{ BY_DEBIAN, "loong64", NULL, "loong64", false },
	{ BY_DEBIAN, "arm", NULL, NULL, false },
	{ BY_DEBIAN, "aarch64", NULL, NULL, false },
	{ BY_DEBIAN, "x86_64", NULL, NULL, false },
	{ BY_QEMU, "x86_64", NULL, "amd64", false },
	{ BY_QEMU, "i386", NULL, "386", false },
	{ BY_QEMU, "arm", NULL, "arm/v7", false },
	{ BY_QEMU, "aarch64", NULL, "arm64/v8", false },
	{ BY_QEMU, "ppc64le", NULL, "ppc64le", false },
	{ BY_QEMU, "mips64el", NULL, "mips64le", false },
	{ BY_QEMU, "loongarch64", NULL, "loong64", false },
	{ BY_QEMU, "armhf", NULL, NULL, false },
	{ BY_QEMU, "arm64", NULL, NULL, false },
	{ BY_UNAME_LE, "x86_64", NULL, "amd64", false },
	{ BY_UNAME_LE, "i686", NULL, "386", false },
	{ BY_UNAME_LE, "armv7l", NULL, "arm/v7", false },
	{ BY_UNAME_LE, "armv6l", NULL, "arm/v6", false },
	{ BY_UNAME_LE, "armv5tel", NULL, "arm/v5", false },
	{ BY_UNAME_LE, "armv8l", NULL, "arm/v8", false },
	{ BY_UNAME_LE, "aarch64", NULL, "arm64/v8", false },
	{ BY_UNAME_LE, "mips", NULL, "mipsle", false },
	{ BY_UNAME_LE, "mips64", NULL, "mips64le", false },
	{ BY_UNAME_LE, "s390x", NULL, "s390x", false },
	{ BY_UNAME_LE, "loongarch64", NULL, "loong64", false },
	{ BY_UNAME_BE, "mips", NULL, "mips", false },
	{ BY_UNAME_BE, "mips64", NULL, "mips64", false },
	{ BY_UNAME_BE, "ppc64", NULL, "ppc64", false },
	{ BY_UNAME_BE, "x86_64", NULL, "amd64", false }, /* no big-endian row: the only one */
	{ BY_UNAME_LE, "amd64", NULL, NULL, false },
	{ BY_UNAME_LE, "i586", NULL, NULL, false },
	{ BY_NAME, "amd64", NULL, "amd64", false },
	{ BY_NAME, "x86_64", NULL, "amd64", false },
	{ BY_NAME, "X86-64", NULL, "amd64", false },
	{ BY_NAME, "i386", NULL, "386", false },
	{ BY_NAME, "i486", NULL, "386", false },
	{ BY_NAME, "i586", NULL, "386", false },
	{ BY_NAME, "i686", NULL, "386", false },
	{ BY_NAME, "arm", NULL, "arm/v7", false },
	{ BY_NAME, "armhf", NULL, "arm/v7", true },
	{ BY_NAME, "armel", NULL, "arm/v6", true },
	{ BY_NAME, "armv8l", NULL, "arm/v8", true },
	{ BY_NAME, "armv7l", NULL, "arm/v7", true },
	{ BY_NAME, "armv7", NULL, "arm/v7", true },
	{ BY_NAME, "armv6l", NULL, "arm/v6", true },
	{ BY_NAME, "armv6", NULL, "arm/v6", true },
	{ BY_NAME, "armv5tel", NULL, "arm/v5", true },
	{ BY_NAME, "armv5l", NULL, "arm/v5", true },
	{ BY_NAME, "aarch64", NULL, "arm64/v8", false },
	{ BY_NAME, "arm64", NULL, "arm64/v8", false },
	{ BY_NAME, "ppc64el", NULL, "ppc64le", false },
	{ BY_NAME, "mips", NULL, "mips", false }, /* the OCI name wins over uname's */
	{ BY_NAME, "mips64", NULL, "mips64", false },
	{ BY_NAME, "mipsel", NULL, "mipsle", false },
	{ BY_NAME, "loongarch64", NULL, "loong64", false },
	{ BY_NAME, "sparc64", NULL, NULL, false },
	{ BY_NAME, "", NULL, NULL, false },
};

static void test_arch_find__names_table(void **state)
{
	size_t bad = 0;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(name_cases); i++) {
		const struct name_case *tc = &name_cases[i];
		const struct arch *a = NULL;
		bool pins = !tc->pins;
		char buf[32];

		switch (tc->by) {
		case BY_OCI:
			a = arch_find_oci(tc->name, tc->variant);
			break;
		case BY_DEBIAN:
			a = arch_find_debian(tc->name);
			break;
		case BY_QEMU:
			a = arch_find_qemu(tc->name);
			break;
		case BY_UNAME_LE:
			a = arch_find_uname(tc->name, ELFDATA2LSB);
			break;
		case BY_UNAME_BE:
			a = arch_find_uname(tc->name, ELFDATA2MSB);
			break;
		case BY_NAME:
			a = arch_find_name(tc->name, &pins);
			break;
		}
		if (!row_is(a, tc->want) || (tc->by == BY_NAME && a && pins != tc->pins)) {
			printf(
			    "row %zu: lookup %d of '%s'%s%s: got %s (pins %d), want %s (pins %d)\n",
			    i, (int)tc->by, tc->name, tc->variant ? " variant " : "",
			    tc->variant ? tc->variant : "", row_name(a, buf, sizeof(buf)), pins,
			    tc->want ? tc->want : "-", tc->pins);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

struct elf_case {
	unsigned cls, data, machine;
	uint32_t flags;
	const char *want; /* row_name, NULL: none */
};

static const struct elf_case elf_cases[] = {
	{ ELFCLASS64, ELFDATA2LSB, EM_X86_64, 0, "amd64" },
	{ ELFCLASS32, ELFDATA2LSB, EM_X86_64, 0, NULL }, /* x32 */
	{ ELFCLASS64, ELFDATA2MSB, EM_X86_64, 0, NULL },
	{ ELFCLASS32, ELFDATA2LSB, EM_386, 0, "386" },
	{ ELFCLASS64, ELFDATA2LSB, EM_386, 0, NULL },
	/* 32-bit ARM: the float ABI tells armhf from armel, the EABI version v5 from both */
	{ ELFCLASS32, ELFDATA2LSB, EM_ARM, 0x05000400, "arm/v7" }, /* hard-float */
	{ ELFCLASS32, ELFDATA2LSB, EM_ARM, 0x05000402, "arm/v7" }, /* hard-float, entry point */
	{ ELFCLASS32, ELFDATA2LSB, EM_ARM, 0x05000000, "arm/v7" }, /* no float mark */
	{ ELFCLASS32, ELFDATA2LSB, EM_ARM, 0x05000002, "arm/v7" }, /* Go, any GOARM */
	{ ELFCLASS32, ELFDATA2LSB, EM_ARM, 0x05000600, "arm/v7" }, /* both marks: hard wins */
	{ ELFCLASS32, ELFDATA2LSB, EM_ARM, 0x05000200, "arm/v6" }, /* soft-float: armel */
	{ ELFCLASS32, ELFDATA2LSB, EM_ARM, 0x05000202, "arm/v6" },
	{ ELFCLASS32, ELFDATA2LSB, EM_ARM, 0x04000000, "arm/v5" }, /* EABI 4 */
	{ ELFCLASS32, ELFDATA2LSB, EM_ARM, 0x00000000, "arm/v5" }, /* the old GNU ABI */
	{ ELFCLASS32, ELFDATA2LSB, EM_ARM, 0x00000200, "arm/v5" }, /* old ABI: 0x200 is no mark */
	{ ELFCLASS32, ELFDATA2MSB, EM_ARM, 0x05000400, NULL },	   /* big-endian ARM */
	{ ELFCLASS64, ELFDATA2LSB, EM_ARM, 0x05000400, NULL },
	{ ELFCLASS64, ELFDATA2LSB, EM_AARCH64, 0, "arm64/v8" },
	{ ELFCLASS64, ELFDATA2MSB, EM_AARCH64, 0, NULL }, /* aarch64_be */
	{ ELFCLASS32, ELFDATA2LSB, EM_AARCH64, 0, NULL }, /* ILP32 */
	{ ELFCLASS64, ELFDATA2LSB, EM_PPC64, 2, "ppc64le" },
	{ ELFCLASS64, ELFDATA2MSB, EM_PPC64, 1, "ppc64" },
	{ ELFCLASS64, ELFDATA2MSB, EM_S390, 0, "s390x" },
	{ ELFCLASS32, ELFDATA2MSB, EM_S390, 0, NULL },
	{ ELFCLASS64, ELFDATA2LSB, EM_S390, 0, NULL },
	{ ELFCLASS64, ELFDATA2LSB, 243, 5, "riscv64" },
	{ ELFCLASS32, ELFDATA2LSB, 243, 5, NULL },
	{ ELFCLASS32, ELFDATA2MSB, EM_MIPS, 0x70001007, "mips" },
	{ ELFCLASS32, ELFDATA2LSB, EM_MIPS, 0x70001007, "mipsle" },
	{ ELFCLASS64, ELFDATA2MSB, EM_MIPS, 0, "mips64" },
	{ ELFCLASS64, ELFDATA2LSB, EM_MIPS, 0, "mips64le" },
	{ ELFCLASS64, ELFDATA2LSB, 258, 0, "loong64" },
	{ ELFCLASS64, ELFDATA2MSB, EM_SPARCV9, 0, NULL },
	{ 0, ELFDATA2LSB, EM_X86_64, 0, NULL },
	{ 3, ELFDATA2LSB, EM_X86_64, 0, NULL },
	{ ELFCLASS64, 0, EM_X86_64, 0, NULL },
	{ ELFCLASS64, 3, EM_X86_64, 0, NULL },
};

static void test_arch_find_elf__table(void **state)
{
	size_t bad = 0;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(elf_cases); i++) {
		const struct elf_case *tc = &elf_cases[i];
		unsigned char h[64];
		const struct arch *a;
		char buf[32];

		make_elf(h, tc->cls, tc->data, tc->machine, tc->flags);
		a = arch_find_elf(h, sizeof(h));
		if (!row_is(a, tc->want)) {
			printf("class %u data %u machine %u flags %#x: got %s, want %s\n", tc->cls,
			       tc->data, tc->machine, tc->flags, row_name(a, buf, sizeof(buf)),
			       tc->want ? tc->want : "-");
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

static void test_arch_find_elf__short_or_not_elf(void **state)
{
	unsigned char h[64];

	(void)state;
	make_elf(h, ELFCLASS32, ELFDATA2LSB, EM_ARM, 0x05000200);
	assert_true(row_is(arch_find_elf(h, 40), "arm/v6"));
	assert_null(arch_find_elf(h, 39)); /* e_flags cut off */
	make_elf(h, ELFCLASS64, ELFDATA2LSB, EM_X86_64, 0);
	assert_true(row_is(arch_find_elf(h, 52), "amd64"));
	assert_null(arch_find_elf(h, 51));
	assert_null(arch_find_elf(h, 4));
	assert_null(arch_find_elf(h, 0));
	h[0] = 'X';
	assert_null(arch_find_elf(h, sizeof(h)));
	assert_null(arch_find_elf("#!/bin/sh\n", 10));
}

static void test_arch_emulator_row__one_per_qemu(void **state)
{
	size_t emulators = 0;

	(void)state;
	for (size_t i = 0; i < ARCH_COUNT; i++)
		if (arch_emulator_row(&arch_table[i]) == &arch_table[i])
			emulators++;
	assert_int_equal(emulators, ARCH_COUNT - 3); /* arm v6, v5 and v8 share qemu-arm */
	assert_ptr_equal(arch_emulator_row(arch_find_oci("arm", "v5")), arch_find_oci("arm", NULL));
	assert_ptr_equal(arch_emulator_row(arch_find_oci("mips", NULL)),
			 arch_find_oci("mips", NULL));
}

struct norm_case {
	const char *arch, *variant;
	const char *want_arch, *want_variant;
};

static const struct norm_case norm_cases[] = {
	{ "amd64", NULL, "amd64", NULL },
	{ "x86_64", NULL, "amd64", NULL },
	{ "x86-64", "", "amd64", NULL },
	{ "amd64", "v1", "amd64", NULL },
	{ "amd64", "V1", "amd64", NULL },
	{ "amd64", "v3", "amd64", "v3" },
	{ "amd64", "1", "amd64", "1" },
	{ "i686", "sse2", "386", NULL },
	{ "aarch64", NULL, "arm64", "v8" },
	{ "arm64", "8", "arm64", "v8" },
	{ "arm64", "V8", "arm64", "v8" },
	{ "aarch64", "v9", "arm64", "v9" }, /* aarch64 says nothing of the level */
	{ "arm", NULL, "arm", "v7" },
	{ "arm", "6", "arm", "v6" },
	{ "arm", "5", "arm", "v5" },
	{ "arm", "8", "arm", "v8" },
	{ "arm", "9", "arm", "9" },
	{ "arm", "v4", "arm", "v4" },
	{ "armhf", NULL, "arm", "v7" },
	{ "armhf", "v6", "arm", "v7" }, /* armhf means v7 */
	{ "armel", NULL, "arm", "v6" },
	{ "armv7l", "v5", "arm", "v7" },
	{ "armv8l", NULL, "arm", "v8" },
	{ "armv5tel", NULL, "arm", "v5" },
	{ "ppc64el", NULL, "ppc64le", NULL },
	{ "mipsel", NULL, "mipsle", NULL },
	{ "mips64el", NULL, "mips64le", NULL },
	{ "mips", "r6", "mips", "r6" },
	{ "loongarch64", NULL, "loong64", NULL },
	{ "sparc64", "v9", "sparc64", "v9" }, /* unknown: kept as given */
	{ "sparc64", "", "sparc64", NULL },
};

static void test_arch_normalize__table(void **state)
{
	size_t bad = 0;

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(norm_cases); i++) {
		const struct norm_case *tc = &norm_cases[i];
		const char *a, *v;

		arch_normalize(tc->arch, tc->variant, &a, &v);
		if (strcmp(a, tc->want_arch) ||
		    (v ? !tc->want_variant || strcmp(v, tc->want_variant)
		       : tc->want_variant != NULL)) {
			printf("'%s' '%s': got '%s' '%s', want '%s' '%s'\n", tc->arch,
			       tc->variant ? tc->variant : "-", a, v ? v : "-", tc->want_arch,
			       tc->want_variant ? tc->want_variant : "-");
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

/* Every row's own names normalise to the row: the table agrees with itself. */
static void test_arch_normalize__rows_are_fixed_points(void **state)
{
	size_t bad = 0;

	(void)state;
	for (size_t i = 0; i < ARCH_COUNT; i++) {
		const struct arch *r = &arch_table[i];
		const char *names[] = { r->oci_arch, r->debian_arch, r->uname_machine };
		char buf[32];

		for (size_t k = 0; k < ARRAY_SIZE(names); k++) {
			const struct arch *oci = names[k] ? arch_find_oci(names[k], NULL) : NULL;
			const char *a, *v;

			if (!names[k] || (k > 0 && !(r->flags & ARCH_NAMES_PIN_VARIANT) &&
					  arch_find_oci(r->oci_arch, NULL) != r))
				continue;
			if (oci && strcmp(oci->oci_arch, r->oci_arch))
				continue; /* uname's "mips" is first the OCI name of big-endian mips
					   */
			/* the OCI name keeps the row's variant; ARM's other names imply it */
			arch_normalize(names[k], k == 0 ? r->oci_variant : NULL, &a, &v);
			if (strcmp(a, r->oci_arch) ||
			    (v ? !r->oci_variant || strcmp(v, r->oci_variant)
			       : r->oci_variant != NULL)) {
				printf("row %s, name '%s': normalised to '%s' '%s'\n",
				       row_name(r, buf, sizeof(buf)), names[k], a, v ? v : "-");
				bad++;
			}
		}
	}
	assert_int_equal(bad, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		QTEST(test_arch_table__every_row_both_ways),
		QTEST(test_arch_find__names_table),
		QTEST(test_arch_find_elf__table),
		QTEST(test_arch_find_elf__short_or_not_elf),
		QTEST(test_arch_emulator_row__one_per_qemu),
		QTEST(test_arch_normalize__table),
		QTEST(test_arch_normalize__rows_are_fixed_points),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
