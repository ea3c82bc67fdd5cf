/*
 * kmod_check: what a file is and whether a kernel's linker would take it.
 * Built fixtures (skipped, saying why, when absent) are checked as they are
 * and patched in one place: a relocation type the amd64 linker refuses, an
 * ET_EXEC type; a program with PT_INTERP is made here.
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

static const struct kmod_target amd64_15 = {KMOD_OS_FREEBSD, "amd64", 1500068};

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
	struct kmod_target aarch64 = {KMOD_OS_FREEBSD, "aarch64", 1500068};
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
	struct kmod_target lx = {KMOD_OS_LINUX, NULL, 0};
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

/* Little-endian ELF64 section header fields of fx_base.ko (an amd64 ET_REL). */
static uint64_t
get(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	while (n-- > 0)
		v = v << 8 | p[n];
	return v;
}

static uint8_t *
find_section(uint8_t *buf, const char *name)
{
	uint64_t shoff = get(buf + 40, 8);
	unsigned shnum = (unsigned)get(buf + 60, 2), shstrndx = (unsigned)get(buf + 62, 2);
	const uint8_t *strsh = buf + shoff + (uint64_t)shstrndx * 64;
	const char *names = (const char *)buf + get(strsh + 24, 8);

	for (unsigned i = 1; i < shnum; i++) {
		uint8_t *sh = buf + shoff + (uint64_t)i * 64;

		if (strcmp(names + get(sh, 4), name) == 0)
			return buf + get(sh + 24, 8);
	}
	return NULL;
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
	assert_int_equal(kmod_reloc_accepted("powerpc64", 22, 1500068), -1);
	assert_string_equal(kmod_reloc_name("amd64", 42), "R_X86_64_REX_GOTPCRELX");
	if ((buf = fixture("amd64", "fx_base.ko", &len)) == NULL) {
		skip();
		return;
	}
	/* r_info's type (low 32 bits) of the first .rela.data entry becomes 42. */
	assert_non_null(rela = find_section(buf, ".rela.data"));
	assert_int_equal(get(rela + 8, 4), 1);		/* R_X86_64_64 */
	rela[8] = 42;
	check(buf, len, &amd64_15, &c);
	assert_true(has_problem(&c, KMOD_PROBLEM_REFUSED,
	    "relocation type 42 (R_X86_64_REX_GOTPCRELX) (1, first in \".rela.data\")"));
	assert_true(has_problem(&c, KMOD_PROBLEM_REFUSED, "unexpected relocation type 42"));
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
		struct kmod_target t = {KMOD_OS_FREEBSD, arches[a], 1402000};

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
		cmocka_unit_test(test_fixtures_per_arch),
		cmocka_unit_test(test_programs_are_not_modules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
