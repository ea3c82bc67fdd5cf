/*
 * Linux modules: .modinfo reading (kmod_linux.c) on small ELF files built
 * here, and the linux kernel backend's listing from a fake /proc/modules
 * with its state file (kernel_linux.c; no module is loaded).
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "kext/kernel.h"
#include "kext/kmod.h"
#include "kext/loaded.h"

/* An ELF64 little-endian ET_REL for x86_64 with sections [null, secname, .shstrtab]. */
static size_t
build_elf(uint8_t *out, size_t cap, const char *secname, const void *data, size_t len)
{
	char shstr[64];
	size_t shstr_len, name_off = 1, data_off = 64, str_off, sh_off, n = 0;
	uint8_t *sh;

	memset(shstr, 0, sizeof(shstr));
	snprintf(shstr + 1, sizeof(shstr) - 1, "%s", secname);
	shstr_len = 1 + strlen(secname) + 1;
	memcpy(shstr + shstr_len, ".shstrtab", 10);
	shstr_len += 10;
	str_off = data_off + len;
	sh_off = (str_off + shstr_len + 7) & ~(size_t)7;
	assert_true(sh_off + 3 * 64 <= cap);
	memset(out, 0, sh_off + 3 * 64);
	memcpy(out, "\177ELF\2\1\1", 7);
	out[16] = 1;			/* ET_REL */
	out[18] = 62;			/* EM_X86_64 */
	out[20] = 1;
	memcpy(out + 40, &sh_off, 8);
	out[52] = 64;			/* e_ehsize */
	out[58] = 64;			/* e_shentsize */
	out[60] = 3;			/* e_shnum */
	out[62] = 2;			/* e_shstrndx */
	memcpy(out + data_off, data, len);
	memcpy(out + str_off, shstr, shstr_len);
	sh = out + sh_off + 64;		/* section 1 */
	memcpy(sh, &(uint32_t){(uint32_t)name_off}, 4);
	sh[4] = 1;			/* SHT_PROGBITS */
	memcpy(sh + 24, &data_off, 8);
	memcpy(sh + 32, &len, 8);
	sh += 64;			/* section 2: .shstrtab */
	n = 1 + strlen(secname) + 1;
	memcpy(sh, &(uint32_t){(uint32_t)n}, 4);
	sh[4] = 3;			/* SHT_STRTAB */
	memcpy(sh + 24, &str_off, 8);
	memcpy(sh + 32, &shstr_len, 8);
	return sh_off + 3 * 64;
}

static const char modinfo[] =
    "alias=pci:v00008086d*\0alias=usb:v1234p*\0license=GPL\0depends=llc,crc-itu-t\0"
    "\0\0version=1.2.3\0name=my_mod\0vermagic=6.1.0-56-cloud-amd64 SMP mod_unload \0";

static void
test_modinfo_read(void **state)
{
	uint8_t buf[4096];
	size_t len = build_elf(buf, sizeof(buf), ".modinfo", modinfo, sizeof(modinfo));
	struct kmod_file *kf;
	kext_error err;
	char rel[64];

	(void)state;
	if (kmod_parse(buf, len, "dir/my-mod.ko", &kf, &err) != 0)
		fail_msg("%s", err.msg);
	assert_int_equal(kf->os, KMOD_OS_LINUX);
	assert_string_equal(kmod_os_name(kf->os), "Linux");
	assert_string_equal(kf->arch, "x86_64");
	assert_string_equal(kf->lx.name, "my_mod");
	assert_string_equal(kf->lx.version, "1.2.3");
	assert_int_equal(kf->lx.num_depends, 2);
	assert_string_equal(kf->lx.depends[0], "llc");
	assert_string_equal(kf->lx.depends[1], "crc-itu-t");
	assert_int_equal(kf->lx.num_aliases, 2);
	assert_string_equal(kf->lx.aliases[1], "usb:v1234p*");
	assert_int_equal(kmod_linux_release(kf, rel, sizeof(rel)), 0);
	assert_string_equal(rel, "6.1.0-56-cloud-amd64");
	assert_int_equal(kf->num_notes, 0);
	assert_true(kmod_linux_name_equal("crc-itu-t", "crc_itu_t"));
	assert_false(kmod_linux_name_equal("crc_itu", "crc_itu_t"));
	kmod_free(kf);
}

/* A long entry of a key we do not keep (parm=) is skipped; the others are read. */
static void
test_modinfo_long_parm(void **state)
{
	static char info[1600];
	uint8_t buf[4096];
	size_t n = 0, len;
	struct kmod_file *kf;
	kext_error err;

	(void)state;
	memcpy(info, "name=ubi", 9);
	n = 9;
	memcpy(info + n, "parm=", 5);
	memset(info + n + 5, 'p', 1500);
	n += 5 + 1500;
	info[n++] = '\0';
	memcpy(info + n, "vermagic=6.1.0-57-amd64 SMP", 28);
	n += 28;
	len = build_elf(buf, sizeof(buf), ".modinfo", info, n);
	if (kmod_parse(buf, len, "ubi.ko", &kf, &err) != 0)
		fail_msg("%s", err.msg);
	assert_string_equal(kf->lx.name, "ubi");
	assert_string_equal(kf->lx.vermagic, "6.1.0-57-amd64 SMP");
	kmod_free(kf);
}

static void
expect_fail(const char *sec, const void *data, size_t dlen, const char *frag)
{
	uint8_t buf[8192];
	size_t len = build_elf(buf, sizeof(buf), sec, data, dlen);
	struct kmod_file *kf = NULL;
	kext_error err;

	memset(&err, 0, sizeof(err));
	if (kmod_parse(buf, len, "bad.ko", &kf, &err) == 0)
		fail_msg("parsed, expected an error with \"%s\"", frag);
	assert_null(kf);
	if (strstr(err.msg, frag) == NULL || strncmp(err.msg, "bad.ko: ", 8) != 0)
		fail_msg("got \"%s\", expected \"%s\"", err.msg, frag);
}

static void
test_modinfo_errors(void **state)
{
	char longval[1200];

	(void)state;
	expect_fail(".modinfo", "name=x\0vermagic=6", 17, "not NUL-terminated");
	memset(longval, 'a', sizeof(longval));
	memcpy(longval, "alias=", 6);
	longval[sizeof(longval) - 1] = '\0';
	expect_fail(".modinfo", longval, sizeof(longval), "expected at most 1023");
	expect_fail(".modinfo", "name=\0", 7, "expected 1 to 55 characters");
	expect_fail(".modinfo", "name=a/b\0", 10, "without '/'");
	expect_fail(".gnu.linkonce.this_module", "\0\0\0\0", 4, "without a .modinfo section");
}

#ifdef __linux__
static char dir[] = "/tmp/test_kmod_linux.XXXXXX";

/* The directory part of path, in a static buffer. */
static const char *
dirname_buf(const char *path)
{
	static char buf[256];
	char *slash;

	snprintf(buf, sizeof(buf), "%s", path);
	if ((slash = strrchr(buf, '/')) != NULL)
		*slash = '\0';
	return buf;
}

static void
write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

/* ids from the oldest module, paths from the state file, stale entries pruned */
static void
test_backend_list(void **state)
{
	char proc[256], st[256], text[512];
	struct kext_kernel *k;
	struct kext_kld_file *files;
	size_t n;
	kext_error err;
	int id;
	FILE *fp;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(proc, sizeof(proc), "%s/modules", dir);
	snprintf(st, sizeof(st), "%s/state/loaded", dir);
	write_file(proc, "stp 16384 0 - Live 0xffffffffc0010000\n"
	    "llc 20480 1 stp, Live 0xffffffffc0000000 (E)\n");
	assert_int_equal(mkdir(dirname_buf(st), 0755), 0);
	write_file(st, "# kext linux state v1\nstp\t/x/Stp.kext/Contents/MacOS/stp.ko\n"
	    "gone\t/x/Gone.kext/Contents/MacOS/gone.ko\n");
	setenv("KEXT_LINUX_PROC_MODULES", proc, 1);
	setenv("KEXT_LINUX_STATE", st, 1);
	assert_int_equal(kext_kernel_open("linux", &k, &err), 0);
	assert_int_equal(kext_kernel_os(k), KMOD_OS_LINUX);
	assert_int_equal(kext_kernel_list(k, &files, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_string_equal(files[0].name, "kernel");
	assert_int_equal(files[1].id, 2);
	assert_string_equal(files[1].modules[0].name, "llc");
	assert_int_equal(files[1].refs, 2);
	assert_null(files[1].pathname);
	assert_int_equal(files[2].id, 3);
	assert_string_equal(files[2].name, "stp.ko");
	assert_string_equal(files[2].pathname, "/x/Stp.kext/Contents/MacOS/stp.ko");
	kext_kld_files_free(files, n);
	fp = fopen(st, "r");
	assert_non_null(fp);
	text[fread(text, 1, sizeof(text) - 1, fp)] = '\0';
	fclose(fp);
	assert_null(strstr(text, "gone"));		/* pruned */
	assert_non_null(strstr(text, "stp\t"));
	assert_int_equal(kext_kernel_find_module(k, "llc", &id, &err), 0);
	assert_int_equal(id, 2);
	assert_int_equal(kext_kernel_find_file(k, "stp.ko", &id, &err), 0);
	assert_int_equal(id, 3);
	assert_int_not_equal(kext_kernel_find_module(k, "nope", &id, &err), 0);
	/* llc is used by stp: refused before any syscall, naming the user */
	assert_int_not_equal(kext_kernel_unload(k, 2, false, &err), 0);
	assert_int_equal(err.code, EBUSY);
	assert_non_null(strstr(err.msg, "used by stp"));
	kext_kernel_close(k);
	unlink(st);
	unlink(proc);
	rmdir(dirname_buf(st));
	rmdir(dir);
}

/* More modules and state lines than the first allocation holds: all listed, in order. */
static void
test_backend_many(void **state)
{
	enum { N = 100 };
	char tmp[] = "/tmp/test_kmod_linux_many.XXXXXX", proc[256], st[256], path[64];
	struct kext_kernel *k;
	struct kext_kld_file *files;
	size_t n;
	kext_error err;
	FILE *pf, *sf;

	(void)state;
	assert_non_null(mkdtemp(tmp));
	snprintf(proc, sizeof(proc), "%s/modules", tmp);
	snprintf(st, sizeof(st), "%s/loaded", tmp);
	assert_non_null(pf = fopen(proc, "w"));
	assert_non_null(sf = fopen(st, "w"));
	fputs("# kext linux state v1\n", sf);
	for (int i = N - 1; i >= 0; i--)	/* the kernel lists the newest first */
		fprintf(pf, "m%d 4096 0 - Live 0x%x\n", i, 0x10000 + i * 0x1000);
	for (int i = 0; i < N; i++)
		fprintf(sf, "m%d\t/x/M%d.kext/Contents/MacOS/m%d.ko\n", i, i, i);
	fclose(pf);
	fclose(sf);
	setenv("KEXT_LINUX_PROC_MODULES", proc, 1);
	setenv("KEXT_LINUX_STATE", st, 1);
	assert_int_equal(kext_kernel_open("linux", &k, &err), 0);
	assert_int_equal(kext_kernel_list(k, &files, &n, &err), 0);
	assert_int_equal(n, N + 1);
	for (int i = 0; i < N; i++) {
		snprintf(path, sizeof(path), "/x/M%d.kext/Contents/MacOS/m%d.ko", i, i);
		assert_int_equal(files[i + 1].id, i + 2);
		assert_non_null(files[i + 1].pathname);
		assert_string_equal(files[i + 1].pathname, path);
	}
	kext_kld_files_free(files, n);
	kext_kernel_close(k);
	unlink(st);
	unlink(proc);
	rmdir(tmp);
}
#endif

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_modinfo_read),
		cmocka_unit_test(test_modinfo_errors),
		cmocka_unit_test(test_modinfo_long_parm),
#ifdef __linux__
		cmocka_unit_test(test_backend_list),
		cmocka_unit_test(test_backend_many),
#endif
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
