/*
 * kmod_check: what a file is and whether a kernel's linker would take it.
 * Built fixtures (skipped, saying why, when absent) are checked as they are
 * and patched in one place: a relocation type the amd64 or a powerpc linker
 * refuses (in the file's byte order), a REL section on powerpc64, an ET_EXEC
 * type; a program with PT_INTERP is made here.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "kext/kmod_check.h"

static const struct kmod_target amd64_15 = {.os = KMOD_OS_FREEBSD, .arch = "amd64",
    .osreldate = 1500068};

static uint8_t *
fixture(const char *arch, const char *name, size_t *len)
{
	const char *dir = getenv("KEXT_FIXTURES");
	char path[4096];
	uint8_t *buf;
	struct stat st;
	FILE *fp;

	if (dir == NULL || dir[0] == '\0') {
		print_message("SKIP: KEXT_FIXTURES is not set (run `make fixtures`; tests/run.sh "
		    "points it at $(BUILD)/fixtures)\n");
		return NULL;
	}
	snprintf(path, sizeof(path), "%s/%s/%s", dir, arch, name);
	if (stat(path, &st) != 0) {
		print_message("SKIP: %s is missing: build the fixtures with `make fixtures`\n", path);
		return NULL;
	}
	assert_non_null(fp = fopen(path, "rb"));
	assert_non_null(buf = malloc((size_t)st.st_size));
	assert_int_equal(fread(buf, 1, (size_t)st.st_size, fp), (size_t)st.st_size);
	fclose(fp);
	*len = (size_t)st.st_size;
	return buf;
}

static bool
has_problem(const struct kmod_check *c, enum kmod_problem_kind kind, const char *text)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->problems[i].kind == kind && strstr(c->problems[i].text, text) != NULL)
			return true;
	return false;
}

static void
check(const void *buf, size_t len, const struct kmod_target *t, struct kmod_check *c)
{
	kext_error err;

	assert_int_equal(kmod_check_buffer(buf, len, "test.ko", t, c, &err), 0);
	assert_non_null(c->what);
}

static void
test_module_for_its_kernel(void **state)
{
	struct kmod_target aarch64 = {.os = KMOD_OS_FREEBSD, .arch = "aarch64",
	    .osreldate = 1500068};
	struct kmod_check c;
	size_t len;
	uint8_t *buf;

	(void)state;
	if ((buf = fixture("amd64", "fx_base.ko", &len)) == NULL) {
		skip();
		return;
	}
	check(buf, len, &amd64_15, &c);
	assert_true(c.is_module);
	assert_string_equal(c.what, "a FreeBSD kernel module (amd64, ET_REL)");
	assert_int_equal(c.n, 0);
	kmod_check_free(&c);
	free(buf);
	/* The aarch64 build is refused by an amd64 kernel and taken by an aarch64 one. */
	assert_non_null(buf = fixture("aarch64", "fx_base.ko", &len));
	check(buf, len, &amd64_15, &c);
	assert_string_equal(c.what, "a FreeBSD kernel module (aarch64, ET_DYN)");
	assert_true(has_problem(&c, KMOD_PROBLEM_REFUSED, "built for aarch64"));
	assert_int_equal(kmod_check_count(&c, KMOD_PROBLEMS_FATAL), 1);
	kmod_check_free(&c);
	check(buf, len, &aarch64, &c);
	assert_int_equal(c.n, 0);
	kmod_check_free(&c);
	free(buf);
}

static void
test_other_kernels_and_no_metadata(void **state)
{
	struct kmod_target lx = {.os = KMOD_OS_LINUX};
	struct kmod_check c;
	size_t len;
	uint8_t *buf;

	(void)state;
	if ((buf = fixture("amd64", "fx_nometa.ko", &len)) == NULL) {
		skip();
		return;
	}
	check(buf, len, &amd64_15, &c);
	assert_true(c.is_module);
	assert_int_equal(kmod_check_count(&c, KMOD_PROBLEMS_FATAL), 0);
	assert_true(has_problem(&c, KMOD_PROBLEM_WARNING, "no module metadata"));
	kmod_check_free(&c);
	check(buf, len, &lx, &c);
	assert_true(has_problem(&c, KMOD_PROBLEM_REFUSED, "but the kernel is Linux"));
	kmod_check_free(&c);
	free(buf);
}

/* An ELF field of n bytes at p, in buf's byte order (EI_DATA). */
static uint64_t
get(const uint8_t *buf, const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v = v << 8 | p[buf[5] == 2 ? i : n - 1 - i];
	return v;
}

static void
put(const uint8_t *buf, uint8_t *p, unsigned n, uint64_t v)
{
	for (unsigned i = 0; i < n; i++, v >>= 8)
		p[buf[5] == 2 ? n - 1 - i : i] = (uint8_t)v;
}

/* The section header named name, in an ELF32 or ELF64 file of either byte order. */
static uint8_t *
find_shdr(uint8_t *buf, const char *name)
{
	bool is64 = buf[4] == 2;
	uint64_t shoff = get(buf, buf + (is64 ? 40 : 32), is64 ? 8 : 4);
	unsigned shentsize = is64 ? 64 : 40;
	unsigned shnum = (unsigned)get(buf, buf + (is64 ? 60 : 48), 2);
	unsigned shstrndx = (unsigned)get(buf, buf + (is64 ? 62 : 50), 2);
	const uint8_t *strsh = buf + shoff + (uint64_t)shstrndx * shentsize;
	const char *names = (const char *)buf + get(buf, strsh + (is64 ? 24 : 16), is64 ? 8 : 4);

	for (unsigned i = 1; i < shnum; i++) {
		uint8_t *sh = buf + shoff + (uint64_t)i * shentsize;

		if (strcmp(names + get(buf, sh, 4), name) == 0)
			return sh;
	}
	return NULL;
}

static uint8_t *
find_section(uint8_t *buf, const char *name)
{
	uint8_t *sh = find_shdr(buf, name);
	bool is64 = buf[4] == 2;

	return sh != NULL ? buf + get(buf, sh + (is64 ? 24 : 16), is64 ? 8 : 4) : NULL;
}

/* The type field of a RELA entry: r_info's low 32 bits (ELF64) or low 8 (ELF32). */
static unsigned
rela_type(const uint8_t *buf, const uint8_t *rela)
{
	return buf[4] == 2 ? (unsigned)(get(buf, rela + 8, 8) & 0xffffffffu) :
	    (unsigned)(get(buf, rela + 4, 4) & 0xffu);
}

static void
set_rela_type(const uint8_t *buf, uint8_t *rela, unsigned type)
{
	if (buf[4] == 2)
		put(buf, rela + 8, 8, (get(buf, rela + 8, 8) & ~(uint64_t)0xffffffffu) | type);
	else
		put(buf, rela + 4, 4, (get(buf, rela + 4, 4) & ~(uint64_t)0xffu) | type);
}

static void
test_relocation_types(void **state)
{
	struct kmod_check c;
	uint8_t *buf, *rela;
	size_t len;

	(void)state;
	assert_int_equal(kmod_reloc_accepted("amd64", 2, 1201000), 1);
	assert_int_equal(kmod_reloc_accepted("amd64", 42, 1201000), 0);
	assert_int_equal(kmod_reloc_accepted("amd64", 42, 1500068), 0);
	assert_int_equal(kmod_reloc_accepted("aarch64", 1027, 1500068), 1);
	assert_int_equal(kmod_reloc_accepted("riscv64", 2, 1500068), 1);
	assert_int_equal(kmod_reloc_accepted("i386", 7, 1500068), 0);
	assert_int_equal(kmod_reloc_accepted("mips64", 0, 1500068), -1);
	assert_string_equal(kmod_reloc_name("amd64", 42), "R_X86_64_REX_GOTPCRELX");
	if ((buf = fixture("amd64", "fx_base.ko", &len)) == NULL) {
		skip();
		return;
	}
	/* r_info's type (low 32 bits) of the first .rela.data entry becomes 42. */
	assert_non_null(rela = find_section(buf, ".rela.data"));
	assert_int_equal(rela_type(buf, rela), 1);	/* R_X86_64_64 */
	set_rela_type(buf, rela, 42);
	check(buf, len, &amd64_15, &c);
	assert_true(has_problem(&c, KMOD_PROBLEM_REFUSED,
	    "relocation type 42 (R_X86_64_REX_GOTPCRELX) (1, first in \".rela.data\")"));
	assert_true(has_problem(&c, KMOD_PROBLEM_REFUSED, "unexpected relocation type 42"));
	kmod_check_free(&c);
	free(buf);
}

/*
 * powerpc, powerpc64 (both big-endian) and powerpc64le: the first .rela.dyn
 * entry (an R_PPC*_RELATIVE) of a copy of fx_base.ko becomes a type the
 * linker refuses, read and written in the file's own byte order.
 */
static void
test_powerpc_relocation_types(void **state)
{
	static const struct {
		const char *arch;
		unsigned bad;
		const char *text;
	} cases[] = {
		{"powerpc", 3, "relocation type 3 (R_PPC_ADDR16) (1, first in \".rela.dyn\")"},
		{"powerpc64", 1, "relocation type 1 (R_PPC64_ADDR32) (1, first in \".rela.dyn\")"},
		{"powerpc64le", 51, "relocation type 51 (R_PPC64_TOC) (1, first in \".rela.dyn\")"},
	};
	struct kmod_check c;
	uint8_t *buf, *rela;
	size_t len;

	(void)state;
	assert_int_equal(kmod_reloc_accepted("powerpc", 1, 1402000), 1);
	assert_int_equal(kmod_reloc_accepted("powerpc64", 1, 1402000), 0);
	assert_int_equal(kmod_reloc_accepted("powerpc64le", 38, 1402000), 1);
	assert_int_equal(kmod_reloc_accepted("powerpc64le", 21, 1300000), 1);
	/* Added after 10.4: refused by a 10.x kernel, accepted by a later or unknown one. */
	assert_int_equal(kmod_reloc_accepted("powerpc", 21, 1004000), 0);
	assert_int_equal(kmod_reloc_accepted("powerpc", 21, 1402000), 1);
	assert_int_equal(kmod_reloc_accepted("powerpc", 21, 0), 1);
	assert_int_equal(kmod_reloc_accepted("powerpc64", 248, 1004000), 0);
	assert_int_equal(kmod_reloc_accepted("powerpc64", 248, 1402000), 1);
	assert_int_equal(kmod_reloc_accepted("powerpc64", 21, 1004000), 1);
	assert_string_equal(kmod_reloc_name("powerpc64le", 1), "R_PPC64_ADDR32");
	assert_true(kmod_reloc_rela_only("powerpc64le"));
	assert_false(kmod_reloc_rela_only("amd64"));
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct kmod_target t = {.os = KMOD_OS_FREEBSD, .arch = cases[i].arch,
		    .osreldate = 1402000};

		if ((buf = fixture(cases[i].arch, "fx_base.ko", &len)) == NULL) {
			skip();
			return;
		}
		check(buf, len, &t, &c);
		assert_int_equal(kmod_check_count(&c, KMOD_PROBLEMS_FATAL), 0);
		kmod_check_free(&c);
		assert_non_null(rela = find_section(buf, ".rela.dyn"));
		assert_int_equal(rela_type(buf, rela), 22);	/* R_PPC*_RELATIVE */
		set_rela_type(buf, rela, cases[i].bad);
		check(buf, len, &t, &c);
		if (!has_problem(&c, KMOD_PROBLEM_REFUSED, cases[i].text))
			fail_msg("%s: %s", cases[i].arch, c.n > 0 ? c.problems[0].text : "no problem");
		assert_true(has_problem(&c, KMOD_PROBLEM_REFUSED, "unexpected relocation type"));
		kmod_check_free(&c);
		free(buf);
	}
}

/* fx_symuser.ko's PLT calls (R_PPC_JMP_SLOT): taken by 14.2, not by 10.4. */
static void
test_powerpc_versions(void **state)
{
	struct kmod_target old = {.os = KMOD_OS_FREEBSD, .arch = "powerpc", .osreldate = 1004000};
	struct kmod_target cur = {.os = KMOD_OS_FREEBSD, .arch = "powerpc", .osreldate = 1402000};
	struct kmod_check c;
	uint8_t *buf;
	size_t len;

	(void)state;
	if ((buf = fixture("powerpc", "fx_symuser.ko", &len)) == NULL) {
		skip();
		return;
	}
	check(buf, len, &cur, &c);
	assert_int_equal(kmod_check_count(&c, KMOD_PROBLEMS_FATAL), 0);
	kmod_check_free(&c);
	check(buf, len, &old, &c);
	assert_true(has_problem(&c, KMOD_PROBLEM_REFUSED,
	    "relocation type 21 (R_PPC_JMP_SLOT) (5, first in \".rela.plt\")"));
	assert_true(has_problem(&c, KMOD_PROBLEM_REFUSED, "kernel linker of this version"));
	kmod_check_free(&c);
	free(buf);
}

/* A REL section on powerpc64: its linker panics on one, so the file is refused. */
static void
test_powerpc_rel_section(void **state)
{
	struct kmod_target t = {.os = KMOD_OS_FREEBSD, .arch = "powerpc64", .osreldate = 1402000};
	struct kmod_check c;
	uint8_t *buf, *sh;
	size_t len;

	(void)state;
	if ((buf = fixture("powerpc64", "fx_base.ko", &len)) == NULL) {
		skip();
		return;
	}
	assert_non_null(sh = find_shdr(buf, ".rela.dyn"));
	put(buf, sh + 4, 4, 9);		/* sh_type SHT_REL */
	put(buf, sh + 56, 8, 16);	/* sh_entsize of an Elf64_Rel */
	check(buf, len, &t, &c);
	if (!has_problem(&c, KMOD_PROBLEM_REFUSED, "REL relocations (16, first in \".rela.dyn\")"))
		fail_msg("%s", c.n > 0 ? c.problems[0].text : "no problem");
	assert_true(has_problem(&c, KMOD_PROBLEM_REFUSED, "PPC only supports RELA relocations"));
	kmod_check_free(&c);
	free(buf);
}

/*
 * Every fixture passes its own architecture's kernel linker, but i386
 * fx_symmid: built with -fPIC, it calls through the PLT (R_386_JMP_SLOT),
 * which FreeBSD's i386 linker does not handle.
 */
static void
test_fixtures_per_arch(void **state)
{
	static const char *const arches[] = {"amd64", "i386", "armv7", "aarch64", "riscv64",
	    "powerpc", "powerpc64", "powerpc64le"};
	static const char *const names[] = {"fx_base.ko", "fx_mid.ko", "fx_multi.ko",
	    "fx_mach.ko", "fx_machuser.ko", "fx_symlib.ko", "fx_symmid.ko"};
	size_t len;
	uint8_t *buf;

	(void)state;
	for (size_t a = 0; a < sizeof(arches) / sizeof(arches[0]); a++) {
		struct kmod_target t = {.os = KMOD_OS_FREEBSD, .arch = arches[a],
		    .osreldate = 1402000};

		for (size_t n = 0; n < sizeof(names) / sizeof(names[0]); n++) {
			struct kmod_check c;
			bool pic_calls = strcmp(names[n], "fx_symmid.ko") == 0 &&
			    strcmp(arches[a], "i386") == 0;

			if ((buf = fixture(arches[a], names[n], &len)) == NULL) {
				skip();
				return;
			}
			check(buf, len, &t, &c);
			if (pic_calls)
				assert_true(has_problem(&c, KMOD_PROBLEM_REFUSED,
				    "relocation type 7 (R_386_JMP_SLOT)"));
			else if (kmod_check_count(&c, KMOD_PROBLEMS_FATAL) != 0)
				fail_msg("%s/%s: %s", arches[a], names[n], c.problems[0].text);
			kmod_check_free(&c);
			free(buf);
		}
	}
}

static void
test_programs_are_not_modules(void **state)
{
	static const char interp[] = "/libexec/ld-elf.so.1";
	uint8_t prog[64 + 56 + sizeof(interp)] = {0x7f, 'E', 'L', 'F', 2, 1, 1, 9};
	struct kmod_check c;
	uint8_t *buf;
	size_t len;

	(void)state;
	/* ET_DYN, x86_64, one program header: PT_INTERP at offset 120. */
	prog[16] = 3;
	prog[18] = 62;
	prog[20] = 1;
	prog[32] = 64;		/* e_phoff */
	prog[52] = 64;		/* e_ehsize */
	prog[54] = 56;		/* e_phentsize */
	prog[56] = 1;		/* e_phnum */
	prog[64] = 3;		/* p_type PT_INTERP */
	prog[64 + 8] = 120;	/* p_offset */
	prog[64 + 32] = sizeof(interp);	/* p_filesz */
	memcpy(prog + 120, interp, sizeof(interp));
	check(prog, sizeof(prog), &amd64_15, &c);
	assert_false(c.is_module);
	assert_non_null(strstr(c.what, "a dynamically linked program"));
	assert_non_null(strstr(c.what, "/libexec/ld-elf.so.1"));
	assert_true(has_problem(&c, KMOD_PROBLEM_NOT_KLD, "PT_INTERP"));
	kmod_check_free(&c);

	check("#!/bin/sh\n", 10, &amd64_15, &c);
	assert_false(c.is_module);
	assert_string_equal(c.what, "not an ELF file");
	kmod_check_free(&c);

	if ((buf = fixture("amd64", "fx_base.ko", &len)) == NULL) {
		skip();
		return;
	}
	buf[16] = 2;		/* ET_EXEC */
	check(buf, len, &amd64_15, &c);
	assert_false(c.is_module);
	assert_non_null(strstr(c.what, "an executable program"));
	assert_int_equal(kmod_check_count(&c, KMOD_PROBLEM_MASK(KMOD_PROBLEM_NOT_KLD)), 1);
	kmod_check_free(&c);
	free(buf);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_module_for_its_kernel),
		cmocka_unit_test(test_other_kernels_and_no_metadata),
		cmocka_unit_test(test_relocation_types),
		cmocka_unit_test(test_powerpc_relocation_types),
		cmocka_unit_test(test_powerpc_versions),
		cmocka_unit_test(test_powerpc_rel_section),
		cmocka_unit_test(test_fixtures_per_arch),
		cmocka_unit_test(test_programs_are_not_modules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
