/*
 * The relocation types each FreeBSD kernel linker processes, per
 * architecture, as its elf_reloc_internal() in sys/<arch>/<arch>/
 * elf_machdep.c handles them; any other type makes it print "kldload:
 * unexpected relocation type N" and refuse the file.
 *
 * amd64 (freebsd-src sys/amd64/amd64/elf_machdep.c, read at commits
 * 0166dfd0a87d and e6f528b258c2): NONE, 64, PC32, 32S, GLOB_DAT, JMP_SLOT,
 * RELATIVE and IRELATIVE; COPY is refused by name. PLT32 is missing from
 * the first of those copies and handled like PC32 in the second (added by
 * the commit "...emits R_X86_64_PLT32 relocations, which are not handled by
 * the kernel linker", freebsd f98751499c2d); we could not date it, so it is
 * accepted for every version. GOTPCREL (9), GOTPCRELX (41) and
 * REX_GOTPCRELX (42) are handled by no copy we found: FreeBSD 12.1 refused
 * 42 ("unexpected relocation type 42"), a FreeBSD 14 kernel still did in
 * 2024 (nix-community/nixbsd#15: "kldload: unexpected relocation type 42,
 * symbol index 456"), and FreeBSD answered it in the compiler instead (clang
 * no longer emits them for __stack_chk_guard in kernel code: freebsd-src
 * 9a4d48a645a7, cited in llvm/llvm-project#86195). So they are refused for
 * every version. The 10.1 corpus modules use only 64, PC32 and 32S.
 *
 * aarch64 (sys/arm64/arm64/elf_machdep.c at 00a53ebe08d3 and 3be956406ac5):
 * NONE, ABS64, GLOB_DAT, JUMP_SLOT, RELATIVE; IRELATIVE only in the later
 * copy (undated, so accepted for every version).
 *
 * i386 (sys/i386/i386/elf_machdep.c at c5d2be516558): NONE, 32, PC32,
 * GLOB_DAT, RELATIVE, IRELATIVE; COPY refused by name, and JMP_SLOT (7) is
 * not handled: a module built with -fPIC, whose calls go through the PLT,
 * is refused (kmod.mk builds i386 modules without it).
 *
 * armv7 (sys/arm/arm/elf_machdep.c at f707a6cf1a4a): NONE, ABS32, JUMP_SLOT,
 * RELATIVE; COPY refused by name; GLOB_DAT (21) is not handled.
 *
 * riscv64 (sys/riscv/riscv/elf_machdep.c at d706d02edb50): NONE, 64,
 * RELATIVE, JUMP_SLOT, JAL, CALL, PCREL_HI20, PCREL_LO12_I, PCREL_LO12_S,
 * HI20, LO12_I, LO12_S (numbers from the RISC-V ELF psABI).
 *
 * powerpc (sys/powerpc/powerpc/elf32_machdep.c): NONE, ADDR32, ADDR16_LO,
 * ADDR16_HA and RELATIVE in FreeBSD 10.4 (coder03/freebsd10.4 at
 * 3d3f8b116d56, __FreeBSD_version 1004000) and in freebsd-src 038c720553fa;
 * freebsd-src e5e2c7ffa0f7 adds JMP_SLOT (Secure-PLT jump slots only) and
 * IRELATIVE. We could not date that change, so JMP_SLOT and IRELATIVE are
 * refused for 10.x and older kernels (the 10.4 copy has neither) and
 * accepted from 11.0 on.
 *
 * powerpc64 and powerpc64le share sys/powerpc/powerpc/elf64_machdep.c (the
 * ELFv1/ELFv2 difference is inside the JMP_SLOT case): NONE, ADDR64,
 * RELATIVE and JMP_SLOT in 10.4 (same copy as above), in freebsd-src
 * 58b72751802a and 04d52c33d18d (which has the ELFv2 sysvec of 13.0); a
 * FreeBSD 14 tree (sobomax/freebsd14_vendor at 0f7ff3427c99) adds
 * IRELATIVE, refused like powerpc's for 10.x and older. R_PPC64_ADDR32 is
 * type 1, which the 32-bit linker takes as R_PPC_ADDR32 and the 64-bit one
 * refuses.
 *
 * Both powerpc linkers take RELA entries only: a REL one makes
 * elf_reloc_internal() panic ("PPC only supports RELA relocations") in
 * every copy above (kmod_reloc_rela_only). Type numbers are the psABI's
 * (as in glibc's <elf.h>).
 */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "kext/kmod_check.h"

struct reloc_rule {
	const char *arch;
	unsigned type;
	const char *name;
	int accepted;		/* 0: a type worth naming that the linker refuses */
	int since;		/* accepted only from this __FreeBSD_version (0: always) */
};

#define FBSD_11_0	1100000	/* first 11.x: after 10.4, the last copy without them */

static const struct reloc_rule rules[] = {
	{"amd64", 0, "R_X86_64_NONE", 1, 0},
	{"amd64", 1, "R_X86_64_64", 1, 0},
	{"amd64", 2, "R_X86_64_PC32", 1, 0},
	{"amd64", 3, "R_X86_64_GOT32", 0, 0},
	{"amd64", 4, "R_X86_64_PLT32", 1, 0},
	{"amd64", 5, "R_X86_64_COPY", 0, 0},
	{"amd64", 6, "R_X86_64_GLOB_DAT", 1, 0},
	{"amd64", 7, "R_X86_64_JUMP_SLOT", 1, 0},
	{"amd64", 8, "R_X86_64_RELATIVE", 1, 0},
	{"amd64", 9, "R_X86_64_GOTPCREL", 0, 0},
	{"amd64", 10, "R_X86_64_32", 0, 0},
	{"amd64", 11, "R_X86_64_32S", 1, 0},
	{"amd64", 24, "R_X86_64_PC64", 0, 0},
	{"amd64", 37, "R_X86_64_IRELATIVE", 1, 0},
	{"amd64", 41, "R_X86_64_GOTPCRELX", 0, 0},
	{"amd64", 42, "R_X86_64_REX_GOTPCRELX", 0, 0},
	{"aarch64", 0, "R_AARCH64_NONE", 1, 0},
	{"aarch64", 257, "R_AARCH64_ABS64", 1, 0},
	{"aarch64", 1025, "R_AARCH64_GLOB_DAT", 1, 0},
	{"aarch64", 1026, "R_AARCH64_JUMP_SLOT", 1, 0},
	{"aarch64", 1027, "R_AARCH64_RELATIVE", 1, 0},
	{"aarch64", 1032, "R_AARCH64_IRELATIVE", 1, 0},
	{"aarch64", 1024, "R_AARCH64_COPY", 0, 0},
	{"i386", 0, "R_386_NONE", 1, 0},
	{"i386", 1, "R_386_32", 1, 0},
	{"i386", 2, "R_386_PC32", 1, 0},
	{"i386", 5, "R_386_COPY", 0, 0},
	{"i386", 6, "R_386_GLOB_DAT", 1, 0},
	{"i386", 7, "R_386_JMP_SLOT", 0, 0},
	{"i386", 8, "R_386_RELATIVE", 1, 0},
	{"i386", 42, "R_386_IRELATIVE", 1, 0},
	{"armv7", 0, "R_ARM_NONE", 1, 0},
	{"armv7", 2, "R_ARM_ABS32", 1, 0},
	{"armv7", 20, "R_ARM_COPY", 0, 0},
	{"armv7", 21, "R_ARM_GLOB_DAT", 0, 0},
	{"armv7", 22, "R_ARM_JUMP_SLOT", 1, 0},
	{"armv7", 23, "R_ARM_RELATIVE", 1, 0},
	{"riscv64", 0, "R_RISCV_NONE", 1, 0},
	{"riscv64", 2, "R_RISCV_64", 1, 0},
	{"riscv64", 3, "R_RISCV_RELATIVE", 1, 0},
	{"riscv64", 4, "R_RISCV_COPY", 0, 0},
	{"riscv64", 5, "R_RISCV_JUMP_SLOT", 1, 0},
	{"riscv64", 17, "R_RISCV_JAL", 1, 0},
	{"riscv64", 18, "R_RISCV_CALL", 1, 0},
	{"riscv64", 23, "R_RISCV_PCREL_HI20", 1, 0},
	{"riscv64", 24, "R_RISCV_PCREL_LO12_I", 1, 0},
	{"riscv64", 25, "R_RISCV_PCREL_LO12_S", 1, 0},
	{"riscv64", 26, "R_RISCV_HI20", 1, 0},
	{"riscv64", 27, "R_RISCV_LO12_I", 1, 0},
	{"riscv64", 28, "R_RISCV_LO12_S", 1, 0},
	{"powerpc", 0, "R_PPC_NONE", 1, 0},
	{"powerpc", 1, "R_PPC_ADDR32", 1, 0},
	{"powerpc", 3, "R_PPC_ADDR16", 0, 0},
	{"powerpc", 4, "R_PPC_ADDR16_LO", 1, 0},
	{"powerpc", 6, "R_PPC_ADDR16_HA", 1, 0},
	{"powerpc", 10, "R_PPC_REL24", 0, 0},
	{"powerpc", 19, "R_PPC_COPY", 0, 0},
	{"powerpc", 20, "R_PPC_GLOB_DAT", 0, 0},
	{"powerpc", 21, "R_PPC_JMP_SLOT", 1, FBSD_11_0},
	{"powerpc", 22, "R_PPC_RELATIVE", 1, 0},
	{"powerpc", 26, "R_PPC_REL32", 0, 0},
	{"powerpc", 248, "R_PPC_IRELATIVE", 1, FBSD_11_0},
	{"powerpc64", 0, "R_PPC64_NONE", 1, 0},
	{"powerpc64", 1, "R_PPC64_ADDR32", 0, 0},
	{"powerpc64", 19, "R_PPC64_COPY", 0, 0},
	{"powerpc64", 20, "R_PPC64_GLOB_DAT", 0, 0},
	{"powerpc64", 21, "R_PPC64_JMP_SLOT", 1, 0},
	{"powerpc64", 22, "R_PPC64_RELATIVE", 1, 0},
	{"powerpc64", 38, "R_PPC64_ADDR64", 1, 0},
	{"powerpc64", 44, "R_PPC64_REL64", 0, 0},
	{"powerpc64", 51, "R_PPC64_TOC", 0, 0},
	{"powerpc64", 248, "R_PPC64_IRELATIVE", 1, FBSD_11_0},
};

/* The table an architecture's linker uses: powerpc64le runs the powerpc64 one. */
static const char *
table_arch(const char *arch)
{
	return arch != NULL && strcmp(arch, "powerpc64le") == 0 ? "powerpc64" : arch;
}

static const struct reloc_rule *
find_rule(const char *arch, unsigned type, bool *arch_known)
{
	*arch_known = false;
	arch = table_arch(arch);
	for (size_t i = 0; arch != NULL && i < sizeof(rules) / sizeof(rules[0]); i++) {
		if (strcmp(rules[i].arch, arch) != 0)
			continue;
		*arch_known = true;
		if (rules[i].type == type)
			return &rules[i];
	}
	return NULL;
}

int
kmod_reloc_accepted(const char *arch, unsigned type, int osreldate)
{
	bool known;
	const struct reloc_rule *r = find_rule(arch, type, &known);

	if (!known)
		return -1;
	if (r == NULL || !r->accepted)
		return 0;
	/* An unknown version (0) gets the benefit of the doubt. */
	return osreldate <= 0 || osreldate >= r->since;
}

bool
kmod_reloc_rela_only(const char *arch)
{
	arch = table_arch(arch);
	return arch != NULL && (strcmp(arch, "powerpc") == 0 || strcmp(arch, "powerpc64") == 0);
}

const char *
kmod_reloc_name(const char *arch, unsigned type)
{
	bool known;
	const struct reloc_rule *r = find_rule(arch, type, &known);

	return r != NULL ? r->name : NULL;
}
