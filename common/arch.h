#pragma once
/*
 * The architectures qrun knows, in one table (arch.c): how OCI, Debian, qemu-user and uname(2)
 * name each one and how its ELF programs identify themselves. specs/ normalises platform names
 * with it, image/ tells an imported tarball's platform from its programs, and tracer/ picks the
 * emulator for a foreign exec; none of them keeps a list of its own.
 *
 * All name lookups ignore case. The returned rows are static: never freed.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How much of an ELF program's e_flags a row asks for (only 32-bit ARM cares). */
enum arch_elf_abi {
	ARCH_ELF_ANY = 0,  /* e_flags do not matter */
	ARCH_ELF_ARM_HARD, /* ARM EABI 5, not marked soft-float: hard-float, or unmarked (Go) */
	ARCH_ELF_ARM_SOFT, /* ARM EABI 5 marked soft-float only (EF_ARM_ABI_FLOAT_SOFT) */
	ARCH_ELF_ARM_OLD,  /* ARM, any EABI version but 5 (the old GNU ABI is 0) */
	ARCH_ELF_NEVER,	   /* an ELF header cannot tell this one: arch_find_elf never says it */
};

enum arch_flags {
	/* The row's Debian name and uname machine say its variant (armhf and armv7l mean v7),
	 * where aarch64 says nothing about v8 or v9: see arch_normalize. */
	ARCH_NAMES_PIN_VARIANT = 1 << 0,
};

/* One architecture, or one variant of an architecture (the ARM rows). */
struct arch {
	const char *oci_arch;	 /* GOARCH: "amd64", "arm", "arm64" (platform.architecture) */
	const char *oci_variant; /* "v7", "v8" or NULL; the first row of an arch has its default */
	const char *debian_arch; /* "armhf", "ppc64el" ..., or NULL when Debian has no port */
	const char *qemu_name;	 /* the NAME in qemu-NAME-static */
	const char *uname_machine; /* what `uname -m` prints on such a machine */
	uint16_t e_machine;	   /* EM_* */
	uint8_t elf_class;	   /* ELFCLASS32 / ELFCLASS64 */
	uint8_t elf_data;	   /* ELFDATA2LSB / ELFDATA2MSB */
	enum arch_elf_abi elf_abi;
	enum arch_flags flags;
};

/* The number of rows in arch_table. */
#define ARCH_COUNT 16

/*
 * Every row. The first row of each OCI architecture is its default variant; the first row of
 * each qemu_name stands for that emulator (arch_emulator_row).
 */
extern const struct arch arch_table[ARCH_COUNT];

/* The ELF byte order (EI_DATA) of the machine qrun was built for: 1 LSB, 2 MSB. */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define ARCH_HOST_ELF_DATA 1
#else
#define ARCH_HOST_ELF_DATA 2
#endif

/*
 * By OCI architecture and variant ("arm", "v6"). variant NULL or "" gives the architecture's
 * default row (arm: v7, arm64: v8); a row without a variant (amd64) takes any variant. NULL
 * when no row fits ("arm64", "v9"; "vax").
 */
const struct arch *arch_find_oci(const char *oci_arch, const char *variant);

/* By Debian architecture name ("armhf", "ppc64el"), or NULL. */
const struct arch *arch_find_debian(const char *name);

/* By qemu-user name ("aarch64", "mips64el"): the row that stands for the emulator, or NULL. */
const struct arch *arch_find_qemu(const char *name);

/*
 * By what `uname -m` prints ("armv7l", "x86_64"), or NULL. uname says "mips" and "mips64"
 * whatever the byte order: elf_data (usually ARCH_HOST_ELF_DATA) picks among such rows.
 */
const struct arch *arch_find_uname(const char *machine, unsigned elf_data);

/*
 * By any name users and older images spell architectures with: the OCI name first, then the
 * Debian name, the uname machine, the qemu name, and a few more aliases (x86-64, i586, armv7).
 * *ret_pins_variant (may be NULL) says whether the name itself fixes the variant (armhf: v7)
 * or leaves it to the caller (arm, aarch64). NULL when the name is unknown.
 */
const struct arch *arch_find_name(const char *name, bool *ret_pins_variant);

/*
 * By an ELF file's first len bytes (its header): magic, EI_CLASS, EI_DATA, e_machine and, for
 * 32-bit ARM, e_flags. NULL when it is not ELF, the header is cut short, or no row fits
 * (x32, big-endian ARM, sparc64 ...).
 */
const struct arch *arch_find_elf(const void *hdr, size_t len);

/*
 * The row that stands for a's emulator: the first with the same qemu_name (qemu-arm runs every
 * ARM variant). Emulator caches and lists are kept per such row.
 */
const struct arch *arch_emulator_row(const struct arch *a);

/* a's position in arch_table (0 .. ARCH_COUNT-1). */
size_t arch_index(const struct arch *a);

/*
 * containerd's normalisation of an OCI (architecture, variant) pair, with the names above:
 * x86_64 -> amd64, aarch64 -> arm64/v8, armhf -> arm/v7, armel -> arm/v6, a missing variant
 * -> the default (arm: v7, arm64: v8), "7" -> "v7", 386 drops its variant and amd64's v1 (the
 * baseline) is no variant. Unknown names are kept as given, "" variants become NULL. The
 * results point at static strings or at the arguments.
 */
void arch_normalize(const char *arch, const char *variant, const char **ret_arch,
		    const char **ret_variant);
