#include "common/arch.h"

#include <assert.h>
#include <elf.h>
#include <string.h>
#include <strings.h>

#include "common/common.h"

/*
 * The one architecture table. It replaces four copies that had drifted apart: tracer/arch.c
 * (OCI, Debian, qemu and uname names with e_machine, class and byte order), specs/platform.c
 * (containerd's aliases, and an ELF decoder for imported tarballs), image/layer.c (the header
 * byte decoding in front of that) and tracer/execve.c (its own header decoding). Where they
 * disagreed, this is what was kept, and why:
 *
 * - 32-bit ARM, soft against hard float. The names said armhf = arm/v7 and armel = arm/v6
 *   (containerd); specs' ELF decoder called every EABI 5 program v7, and the tracer's table
 *   called every ARM program armhf. A row here claims all its names at once, so a program
 *   marked soft-float (EF_ARM_ABI_FLOAT_SOFT) is armel, linux/arm/v6, and only hard-float or
 *   unmarked EABI 5 programs are armhf, linux/arm/v7. Unmarked stays v7 because Go's linker
 *   writes EABI 5 with no float mark (0x5000002) for every GOARM, v7 included, and because an
 *   ELF header cannot say the ISA level at all (that is in .ARM.attributes): the float ABI is
 *   the only thing in it that tells the two Debian ports apart. armel stays v6, as containerd
 *   has it, although Docker Hub labels Debian's armel images v5.
 * - 32-bit ARM before EABI 5 (the old GNU ABI): specs said v5, the tracer armhf; v5 kept.
 *   qemu-arm runs all of them, so the tracer's choice of emulator does not change.
 * - Byte order: specs' decoder ignored EI_DATA except for POWER and MIPS, so big-endian ARM
 *   and AArch64 programs passed as arm and arm64, which qemu-arm and qemu-aarch64 cannot run.
 *   Every row here names its byte order and only an exact match counts (the tracer's rule).
 * - ppc64 (big-endian), mips, mips64 and loong64 were known to specs (names and ELF) but not
 *   to the tracer, which then failed such an exec with a bare ENOEXEC. They are rows with
 *   their qemu names now: the tracer runs them like any foreign program and names the missing
 *   emulator when there is none.
 *
 * The ELF header gives no ARM ISA level, so arm/v8 (what `uname -m` says as armv8l, a 32-bit
 * program on a 64-bit CPU) is a row for names only: ARCH_ELF_NEVER.
 */

#ifndef EM_RISCV
#define EM_RISCV 243
#endif
#ifndef EM_LOONGARCH
#define EM_LOONGARCH 258
#endif
#ifndef EF_ARM_ABI_FLOAT_SOFT
#define EF_ARM_ABI_FLOAT_SOFT 0x200
#endif
#ifndef EF_ARM_ABI_FLOAT_HARD
#define EF_ARM_ABI_FLOAT_HARD 0x400
#endif

#define PIN ARCH_NAMES_PIN_VARIANT

/*
 * The rows the tracer had come first and in its order, so that `qrun info` lists the
 * emulators as before; the first row of each architecture and each emulator is its default.
 */
const struct arch arch_table[] = {
	{ "amd64", NULL, "amd64", "x86_64", "x86_64", EM_X86_64, ELFCLASS64, ELFDATA2LSB,
	  ARCH_ELF_ANY, 0 },
	{ "386", NULL, "i386", "i386", "i686", EM_386, ELFCLASS32, ELFDATA2LSB, ARCH_ELF_ANY, 0 },
	{ "arm", "v7", "armhf", "arm", "armv7l", EM_ARM, ELFCLASS32, ELFDATA2LSB, ARCH_ELF_ARM_HARD,
	  PIN },
	{ "arm64", "v8", "arm64", "aarch64", "aarch64", EM_AARCH64, ELFCLASS64, ELFDATA2LSB,
	  ARCH_ELF_ANY, 0 },
	{ "ppc64le", NULL, "ppc64el", "ppc64le", "ppc64le", EM_PPC64, ELFCLASS64, ELFDATA2LSB,
	  ARCH_ELF_ANY, 0 },
	{ "s390x", NULL, "s390x", "s390x", "s390x", EM_S390, ELFCLASS64, ELFDATA2MSB, ARCH_ELF_ANY,
	  0 },
	{ "riscv64", NULL, "riscv64", "riscv64", "riscv64", EM_RISCV, ELFCLASS64, ELFDATA2LSB,
	  ARCH_ELF_ANY, 0 },
	{ "mips64le", NULL, "mips64el", "mips64el", "mips64", EM_MIPS, ELFCLASS64, ELFDATA2LSB,
	  ARCH_ELF_ANY, 0 },
	{ "mipsle", NULL, "mipsel", "mipsel", "mips", EM_MIPS, ELFCLASS32, ELFDATA2LSB,
	  ARCH_ELF_ANY, 0 },
	{ "ppc64", NULL, "ppc64", "ppc64", "ppc64", EM_PPC64, ELFCLASS64, ELFDATA2MSB, ARCH_ELF_ANY,
	  0 },
	/* Debian never had a big-endian mips64 port. */
	{ "mips64", NULL, NULL, "mips64", "mips64", EM_MIPS, ELFCLASS64, ELFDATA2MSB, ARCH_ELF_ANY,
	  0 },
	{ "mips", NULL, "mips", "mips", "mips", EM_MIPS, ELFCLASS32, ELFDATA2MSB, ARCH_ELF_ANY, 0 },
	{ "loong64", NULL, "loong64", "loongarch64", "loongarch64", EM_LOONGARCH, ELFCLASS64,
	  ELFDATA2LSB, ARCH_ELF_ANY, 0 },
	/* ARM variants: the same emulator as arm/v7 above. */
	{ "arm", "v6", "armel", "arm", "armv6l", EM_ARM, ELFCLASS32, ELFDATA2LSB, ARCH_ELF_ARM_SOFT,
	  PIN },
	{ "arm", "v5", NULL, "arm", "armv5tel", EM_ARM, ELFCLASS32, ELFDATA2LSB, ARCH_ELF_ARM_OLD,
	  PIN },
	{ "arm", "v8", NULL, "arm", "armv8l", EM_ARM, ELFCLASS32, ELFDATA2LSB, ARCH_ELF_NEVER,
	  PIN },
};

_Static_assert(ARRAY_SIZE(arch_table) == ARCH_COUNT, "ARCH_COUNT in arch.h must count arch_table");

/* Spellings that are none of a row's names: the row is found by its OCI name and variant. */
static const struct {
	const char *alias;
	const char *oci_arch;
	const char *oci_variant;
} aliases[] = {
	{ "x86-64", "amd64", NULL }, { "i486", "386", NULL },  { "i586", "386", NULL },
	{ "armv7", "arm", "v7" },    { "armv6", "arm", "v6" }, { "armv5l", "arm", "v5" },
};

static bool eq(const char *a, const char *b)
{
	return a && b && strcasecmp(a, b) == 0;
}

const struct arch *arch_find_oci(const char *oci_arch, const char *variant)
{
	if (variant && !*variant)
		variant = NULL;
	for (size_t i = 0; i < ARCH_COUNT; i++) {
		const struct arch *a = &arch_table[i];

		if (eq(a->oci_arch, oci_arch) &&
		    (!variant || !a->oci_variant || eq(a->oci_variant, variant)))
			return a;
	}
	return NULL;
}

const struct arch *arch_find_debian(const char *name)
{
	for (size_t i = 0; i < ARCH_COUNT; i++)
		if (eq(arch_table[i].debian_arch, name))
			return &arch_table[i];
	return NULL;
}

const struct arch *arch_find_qemu(const char *name)
{
	for (size_t i = 0; i < ARCH_COUNT; i++)
		if (eq(arch_table[i].qemu_name, name))
			return &arch_table[i];
	return NULL;
}

const struct arch *arch_find_uname(const char *machine, unsigned elf_data)
{
	const struct arch *first = NULL;

	for (size_t i = 0; i < ARCH_COUNT; i++) {
		const struct arch *a = &arch_table[i];

		if (!eq(a->uname_machine, machine))
			continue;
		if (a->elf_data == elf_data)
			return a;
		if (!first)
			first = a;
	}
	return first;
}

const struct arch *arch_find_name(const char *name, bool *ret_pins_variant)
{
	const struct arch *a;
	bool pins = false;

	if ((a = arch_find_oci(name, NULL)) || (a = arch_find_qemu(name))) {
		/* shared by every variant (arm), so they say nothing about it */
	} else if ((a = arch_find_debian(name)) ||
		   (a = arch_find_uname(name, ARCH_HOST_ELF_DATA))) {
		pins = a->flags & ARCH_NAMES_PIN_VARIANT;
	} else {
		for (size_t i = 0; i < ARRAY_SIZE(aliases) && !a; i++)
			if (eq(aliases[i].alias, name)) {
				a = arch_find_oci(aliases[i].oci_arch, aliases[i].oci_variant);
				pins = a && (a->flags & ARCH_NAMES_PIN_VARIANT);
			}
	}
	if (a && ret_pins_variant)
		*ret_pins_variant = pins;
	return a;
}

static uint32_t get(const unsigned char *p, size_t n, bool msb)
{
	uint32_t v = 0;

	for (size_t i = 0; i < n; i++)
		v |= (uint32_t)p[msb ? i : n - 1 - i] << (8 * (n - 1 - i));
	return v;
}

static bool elf_abi_fits(enum arch_elf_abi abi, uint32_t flags)
{
	bool eabi5 = (flags & EF_ARM_EABIMASK) == EF_ARM_EABI_VER5;
	bool soft = flags & EF_ARM_ABI_FLOAT_SOFT, hard = flags & EF_ARM_ABI_FLOAT_HARD;

	switch (abi) {
	case ARCH_ELF_ANY:
		return true;
	case ARCH_ELF_ARM_HARD:
		return eabi5 && (hard || !soft);
	case ARCH_ELF_ARM_SOFT:
		return eabi5 && soft && !hard;
	case ARCH_ELF_ARM_OLD:
		return !eabi5;
	case ARCH_ELF_NEVER:
		break;
	}
	return false;
}

const struct arch *arch_find_elf(const void *hdr, size_t len)
{
	const unsigned char *h = hdr;
	unsigned cls, data;
	size_t flags_at;
	uint16_t machine;
	uint32_t flags;

	if (len < EI_NIDENT || memcmp(h, ELFMAG, SELFMAG) != 0)
		return NULL;
	cls = h[EI_CLASS];
	data = h[EI_DATA];
	if ((cls != ELFCLASS32 && cls != ELFCLASS64) ||
	    (data != ELFDATA2LSB && data != ELFDATA2MSB))
		return NULL;
	/* e_flags follows e_entry, e_phoff and e_shoff: addresses of the class's size */
	flags_at =
	    cls == ELFCLASS64 ? offsetof(Elf64_Ehdr, e_flags) : offsetof(Elf32_Ehdr, e_flags);
	if (len < flags_at + 4)
		return NULL;
	machine = (uint16_t)get(h + offsetof(Elf32_Ehdr, e_machine), 2, data == ELFDATA2MSB);
	flags = get(h + flags_at, 4, data == ELFDATA2MSB);
	for (size_t i = 0; i < ARCH_COUNT; i++) {
		const struct arch *a = &arch_table[i];

		if (a->e_machine == machine && a->elf_class == cls && a->elf_data == data &&
		    elf_abi_fits(a->elf_abi, flags))
			return a;
	}
	return NULL;
}

const struct arch *arch_emulator_row(const struct arch *a)
{
	return arch_find_qemu(a->qemu_name);
}

size_t arch_index(const struct arch *a)
{
	assert(a >= arch_table && a < arch_table + ARCH_COUNT);
	return (size_t)(a - arch_table);
}

/* "7" -> "v7" when a row of oci_arch has that variant, else NULL. */
static const char *digit_variant(const char *oci_arch, const char *variant)
{
	char v[8];
	const struct arch *a;

	if (strspn(variant, "0123456789") != strlen(variant) || strlen(variant) + 2 > sizeof(v))
		return NULL;
	v[0] = 'v';
	memcpy(v + 1, variant, strlen(variant) + 1);
	a = arch_find_oci(oci_arch, v);
	return a && a->oci_variant ? a->oci_variant : NULL;
}

void arch_normalize(const char *arch, const char *variant, const char **ret_arch,
		    const char **ret_variant)
{
	bool pins = false;
	const struct arch *a = arch_find_name(arch, &pins);

	if (variant && !*variant)
		variant = NULL;
	if (a) {
		arch = a->oci_arch;
		if (pins)
			variant = a->oci_variant;
	}
	if (a && !strcmp(arch, "386")) {
		variant = NULL; /* GO386's softfloat/sse2 are build options, not platforms */
	} else if (a && !strcmp(arch, "amd64")) {
		if (eq(variant, "v1"))
			variant = NULL; /* GOAMD64's baseline, which every amd64 image meets */
	} else if (a && !variant) {
		variant = arch_find_oci(arch, NULL)->oci_variant;
	} else if (a) {
		const struct arch *row = arch_find_oci(arch, variant);
		const char *v = digit_variant(arch, variant);

		if (v)
			variant = v;
		else if (row && row->oci_variant)
			variant = row->oci_variant; /* "V7" -> "v7" */
	}
	*ret_arch = arch;
	*ret_variant = variant;
}
