/*
 * The sim kernel backend against real FreeBSD modules ($KEXT_CORPUS: 10.1
 * amd64 /boot/kernel, the 14.2 vbox package) and our fixtures
 * ($KEXT_FIXTURES): load/list/unload, ids, refs, EEXIST/ENOEXEC/EBUSY cases,
 * version rule §1.5, refuse-unload, and concurrent loads from processes.
 * Tests that need the corpus or the fixtures skip, saying so, without them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kext/kernel.h"
#include "sim_fixture.h"

static char corpus10[512];	/* $KEXT_CORPUS/freebsd-10.1-amd64 */

static int
setup(void **state)
{
	return sim_fixture_setup(state, "kext-sim-", "k");
}

/* Opens the fixture's sim kernel created with the given __FreeBSD_version. */
static struct kext_kernel *
open_sim(struct sim_fixture *f, const char *osversion)
{
	kext_error err = { 0, "" };

	if (osversion != NULL)
		setenv("KEXT_SIM_OSVERSION", osversion, 1);
	if (kext_kernel_open(f->spec, &f->k, &err) != 0)
		fail_msg("open %s: %s", f->spec, err.msg);
	return f->k;
}

/*
 * Path of a 10.1 module, or skips the test when the corpus is absent. The
 * result lives in one of CORPUS_SLOTS rotating buffers.
 */
#define CORPUS_SLOTS 16
#define CORPUS_KO(name) corpus_ko(name, __func__)
static const char *
corpus_ko(const char *name, const char *test)
{
	static char paths[CORPUS_SLOTS][600];
	static int next;
	char *p = paths[next++ % CORPUS_SLOTS];

	snprintf(p, sizeof(paths[0]), "%s/%s", corpus10, name);
	if (corpus10[0] == '\0' || access(p, R_OK) != 0) {
		print_message("%s: skipped: FreeBSD 10.1 corpus module %s not found "
		    "(set KEXT_CORPUS)\n", test, p);
		skip();
	}
	return p;
}

/* Path of a fixture module, or skips when `make fixtures` has not run. */
static const char *
fixture_ko(const char *arch, const char *name, const char *test)
{
	static char paths[4][600];
	static int next;
	const char *dir = getenv("KEXT_FIXTURES");
	char *p = paths[next++ % 4];

	snprintf(p, sizeof(paths[0]), "%s/%s/%s", dir ? dir : "", arch, name);
	if (dir == NULL || access(p, R_OK) != 0) {
		print_message("%s: skipped: fixture %s not found (run make fixtures; "
		    "KEXT_FIXTURES)\n", test, p);
		skip();
	}
	return p;
}

static void
link_as(const char *target, const char *dir, const char *name, char *out, size_t size)
{
	mkdir(dir, 0755);
	snprintf(out, size, "%s/%s", dir, name);
	unlink(out);
	if (symlink(target, out) != 0)
		fail_msg("symlink %s -> %s: %s", out, target, strerror(errno));
}

static int
load(struct kext_kernel *k, const char *path, kext_error *err)
{
	int id = -1, rc = kext_kernel_load(k, path, &id, err);

	if (rc != 0) {
		assert_int_equal(id, 0);
		return -err->code;
	}
	assert_true(id > 1);
	return id;
}

static int
load_ok(struct kext_kernel *k, const char *path)
{
	kext_error err = { 0, "" };
	int id = load(k, path, &err);

	if (id < 0)
		fail_msg("load %s: %s", path, err.msg);
	return id;
}

static void
expect_msg(const kext_error *err, const char *text)
{
	if (strstr(err->msg, text) == NULL)
		fail_msg("expected '%s' in: %s", text, err->msg);
}

static const struct kext_kld_file *
find(const struct kext_kld_file *files, size_t n, int id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (files[i].id == id)
			return &files[i];
	return NULL;
}

static int
refs_of(struct kext_kernel *k, int id)
{
	struct kext_kld_file *files = NULL;
	kext_error err = { 0, "" };
	const struct kext_kld_file *e;
	size_t n = 0;
	int refs;

	assert_int_equal(kext_kernel_list(k, &files, &n, &err), 0);
	e = find(files, n, id);
	refs = e != NULL ? e->refs : 0;
	kext_kld_files_free(files, n);
	return refs;
}

static size_t
count_files(struct kext_kernel *k)
{
	struct kext_kld_file *files = NULL;
	kext_error err = { 0, "" };
	size_t n = 0;

	assert_int_equal(kext_kernel_list(k, &files, &n, &err), 0);
	kext_kld_files_free(files, n);
	return n;
}

/* --- load, list, unload, ids -------------------------------------------- */

static void
test_load_list_unload(void **state)
{
	struct sim_fixture *f = *state;
	const char *nullfs = CORPUS_KO("nullfs.ko");
	struct kext_kernel *k = open_sim(f, "1001000");
	struct kext_kld_file *files = NULL;
	kext_error err = { 0, "" };
	size_t n = 0;
	int id, modid = 0, fid = 0;
	struct stat sb;

	id = load_ok(k, nullfs);
	assert_int_equal(id, 2);
	assert_int_equal(kext_kernel_list(k, &files, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(files[0].id, 1);
	/* one reference for the file, one for its DEPEND on kernel */
	assert_int_equal(files[0].refs, 3);
	assert_int_equal(files[1].id, 2);
	assert_int_equal(files[1].refs, 1);
	assert_string_equal(files[1].name, "nullfs.ko");
	assert_string_equal(files[1].pathname, nullfs);
	assert_int_equal(files[1].num_modules, 1);
	assert_int_equal(files[1].modules[0].id, 1);
	assert_string_equal(files[1].modules[0].name, "nullfs");
	assert_int_equal(stat(nullfs, &sb), 0);
	assert_int_equal(files[1].size, ((uint64_t)sb.st_size + 4095) / 4096 * 4096);
	assert_true(files[1].address % 4096 == 0);
	assert_true(files[1].address >= files[0].address + files[0].size);
	kext_kld_files_free(files, n);

	assert_int_equal(kext_kernel_find_file(k, "nullfs", &fid, &err), 0);
	assert_int_equal(fid, 2);
	assert_int_equal(kext_kernel_find_file(k, "nullfs.ko", &fid, &err), 0);
	assert_int_equal(kext_kernel_find_file(k, "/elsewhere/nullfs.ko", &fid, &err), 0);
	assert_int_equal(fid, 2);
	assert_int_equal(kext_kernel_find_file(k, "kernel", &fid, &err), 0);
	assert_int_equal(fid, 1);
	assert_int_equal(kext_kernel_find_file(k, "nullfs.ko.ko", &fid, &err), -1);
	assert_int_equal(err.code, ENOENT);
	assert_int_equal(kext_kernel_find_module(k, "nullfs", &modid, &err), 0);
	assert_int_equal(modid, 1);
	assert_int_equal(kext_kernel_find_module(k, "nullfs.ko", &modid, &err), -1);
	assert_int_equal(err.code, ENOENT);

	assert_int_equal(kext_kernel_unload(k, 2, false, &err), 0);
	assert_int_equal(count_files(k), 1);
	assert_int_equal(refs_of(k, 1), 1);
	assert_int_equal(kext_kernel_find_module(k, "nullfs", &modid, &err), -1);
	assert_int_equal(kext_kernel_find_file(k, "nullfs", &fid, &err), -1);

	/* ids are never reused, for files or modules */
	assert_int_equal(load_ok(k, nullfs), 3);
	assert_int_equal(kext_kernel_find_module(k, "nullfs", &modid, &err), 0);
	assert_int_equal(modid, 2);

	/* a second handle (another process would do the same) sees the same kernel */
	kext_kernel_close(k);
	f->k = NULL;
	unsetenv("KEXT_SIM_OSVERSION");
	k = open_sim(f, NULL);
	assert_int_equal(kext_kernel_find_file(k, "nullfs", &fid, &err), 0);
	assert_int_equal(fid, 3);
}

static void
test_addresses_follow_each_other(void **state)
{
	static const char *const names[] = { "nullfs.ko", "if_tun.ko", "bridgestp.ko" };
	struct sim_fixture *f = *state;
	struct kext_kld_file *files = NULL;
	kext_error err = { 0, "" };
	struct kext_kernel *k;
	struct stat sb;
	size_t i, n = 0;

	for (i = 0; i < 3; i++)
		CORPUS_KO(names[i]);
	k = open_sim(f, "1001000");
	for (i = 0; i < 3; i++)
		assert_int_equal(load_ok(k, CORPUS_KO(names[i])), (int)i + 2);
	assert_int_equal(kext_kernel_list(k, &files, &n, &err), 0);
	assert_int_equal(n, 4);
	for (i = 1; i < n; i++) {
		assert_int_equal(stat(files[i].pathname, &sb), 0);
		assert_int_equal(files[i].size, ((uint64_t)sb.st_size + 4095) / 4096 * 4096);
		assert_true(files[i].address % 4096 == 0);
		if (i > 1)
			assert_true(files[i].address == files[i - 1].address + files[i - 1].size);
	}
	kext_kld_files_free(files, n);
}

/* --- errors of kldload --------------------------------------------------- */

static void
test_kernel_version_mismatch(void **state)
{
	struct sim_fixture *f = *state;
	const char *bstp = CORPUS_KO("bridgestp.ko");
	kext_error err = { 0, "" };
	struct kext_kernel *k = open_sim(f, NULL);	/* 1500068 */

	assert_int_equal(load(k, bstp, &err), -ENOEXEC);
	expect_msg(&err, "KLD bridgestp.ko: depends on kernel - not available or version "
	    "mismatch");
	expect_msg(&err, "1001000..1099999");
	expect_msg(&err, "__FreeBSD_version 1500068");
	/* nothing changed, no id consumed */
	assert_int_equal(count_files(k), 1);
	assert_int_equal(refs_of(k, 1), 1);
}

static void
test_kernel_version_range(void **state)
{
	static const struct {
		const char *osversion;
		int loads;
	} cases[] = {
		{ "1001000", 1 }, { "1099999", 1 }, { "1000999", 0 }, { "1101000", 0 },
		{ "1402000", 0 },
	};
	struct sim_fixture *f = *state;
	const char *bstp = CORPUS_KO("bridgestp.ko");
	kext_error err = { 0, "" };
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(f->spec, sizeof(f->spec), "sim:%s/k%zu", f->dir, i);
		open_sim(f, cases[i].osversion);
		if (cases[i].loads)
			assert_int_equal(load(f->k, bstp, &err), 2);
		else
			assert_int_equal(load(f->k, bstp, &err), -ENOEXEC);
		kext_kernel_close(f->k);
		f->k = NULL;
	}
}

static void
test_dependencies_and_refs(void **state)
{
	struct sim_fixture *f = *state;
	const char *bstp = CORPUS_KO("bridgestp.ko"), *bridge = CORPUS_KO("if_bridge.ko");
	struct kext_kernel *k = open_sim(f, "1001000");
	kext_error err = { 0, "" };

	/* the sim does not load dependencies itself */
	assert_int_equal(load(k, bridge, &err), -ENOEXEC);
	expect_msg(&err, "KLD if_bridge.ko: depends on bridgestp - not available or version "
	    "mismatch");
	expect_msg(&err, "no loaded file provides bridgestp");
	expect_msg(&err, "load the file providing it first");

	assert_int_equal(load_ok(k, bstp), 2);
	assert_int_equal(load_ok(k, bridge), 3);
	assert_int_equal(refs_of(k, 2), 2);
	assert_int_equal(refs_of(k, 3), 1);
	assert_int_equal(refs_of(k, 1), 5);

	assert_int_equal(kext_kernel_unload(k, 2, false, &err), -1);
	assert_int_equal(err.code, EBUSY);
	expect_msg(&err, "bridgestp.ko (id 2)");
	expect_msg(&err, "if_bridge.ko (id 3)");
	/* force does not override a dependency */
	assert_int_equal(kext_kernel_unload(k, 2, true, &err), -1);
	assert_int_equal(err.code, EBUSY);
	assert_int_equal(count_files(k), 3);

	assert_int_equal(kext_kernel_unload(k, 3, false, &err), 0);
	assert_int_equal(refs_of(k, 2), 1);
	assert_int_equal(refs_of(k, 1), 3);
	assert_int_equal(kext_kernel_unload(k, 2, false, &err), 0);
	assert_int_equal(refs_of(k, 1), 1);
	assert_int_equal(count_files(k), 1);
}

static void
test_already_loaded_cases(void **state)
{
	struct sim_fixture *f = *state;
	const char *nullfs = CORPUS_KO("nullfs.ko"), *tun = CORPUS_KO("if_tun.ko");
	struct kext_kernel *k = open_sim(f, "1001000");
	kext_error err = { 0, "" };
	char dir[400], path[500];

	assert_int_equal(load_ok(k, nullfs), 2);
	/* the same basename from another directory */
	snprintf(dir, sizeof(dir), "%s/other", f->dir);
	link_as(nullfs, dir, "nullfs.ko", path, sizeof(path));
	assert_int_equal(load(k, path, &err), -EEXIST);
	expect_msg(&err, "nullfs.ko is already loaded (id 2");
	/* "X" matches a loaded "X.ko" */
	link_as(nullfs, dir, "nullfs", path, sizeof(path));
	assert_int_equal(load(k, path, &err), -EEXIST);
	/* another file registering the same module name */
	link_as(nullfs, dir, "nullfs2.ko", path, sizeof(path));
	assert_int_equal(load(k, path, &err), -EEXIST);
	expect_msg(&err, "module_register: module nullfs already exists!");
	expect_msg(&err, "registered by nullfs.ko");

	/* an interface (MODULE_VERSION) already provided: ENOEXEC for amd64 ET_REL */
	assert_int_equal(load_ok(k, tun), 3);
	link_as(tun, dir, "tun2.ko", path, sizeof(path));
	assert_int_equal(load(k, path, &err), -ENOEXEC);
	expect_msg(&err, "interface if_tun.1 already present in the KLD 'if_tun.ko'!");

	/* module-name mode: no '/' and no '.' */
	assert_int_equal(load(k, "if_tun", &err), -EEXIST);
	assert_int_equal(load(k, "nullfs", &err), -ENOENT);	/* nullfs has no VERSION */
	assert_int_equal(load(k, "nullfs.ko", &err), -ENOENT);
	expect_msg(&err, "module path");
	assert_int_equal(count_files(k), 3);
}

static void
test_bad_files(void **state)
{
	struct sim_fixture *f = *state;
	struct kext_kernel *k = open_sim(f, NULL);
	kext_error err = { 0, "" };
	char path[2000];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/missing.ko", f->dir);
	assert_int_equal(load(k, path, &err), -ENOENT);
	expect_msg(&err, path);

	snprintf(path, sizeof(path), "%s/garbage.ko", f->dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("this is not an ELF file\n", fp);
	fclose(fp);
	assert_int_equal(load(k, path, &err), -ENOEXEC);
	expect_msg(&err, "unsupported file type");

	snprintf(path, sizeof(path), "%s/k", f->dir);	/* a directory */
	assert_int_equal(load(k, path, &err), -ENOEXEC);

	memset(path, 'a', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	assert_int_equal(load(k, path, &err), -ENAMETOOLONG);
	assert_int_equal(count_files(k), 1);
}

/* A program (PT_INTERP) never links: the sim answers like the kernel, ENOEXEC. */
static void
test_program_refused(void **state)
{
	static const char interp[] = "/libexec/ld-elf.so.1";
	uint8_t prog[64 + 56 + sizeof(interp)] = {0x7f, 'E', 'L', 'F', 2, 1, 1, 9};
	struct sim_fixture *f = *state;
	struct kext_kernel *k = open_sim(f, NULL);
	kext_error err = { 0, "" };
	char path[600];
	FILE *fp;

	prog[16] = 3;		/* ET_DYN */
	prog[18] = 62;		/* x86_64 */
	prog[20] = 1;
	prog[32] = 64;		/* e_phoff */
	prog[52] = 64;
	prog[54] = 56;		/* e_phentsize */
	prog[56] = 1;		/* e_phnum */
	prog[64] = 3;		/* PT_INTERP */
	prog[64 + 8] = 120;
	prog[64 + 32] = sizeof(interp);
	memcpy(prog + 120, interp, sizeof(interp));
	snprintf(path, sizeof(path), "%s/prog.ko", f->dir);
	assert_non_null(fp = fopen(path, "wb"));
	assert_int_equal(fwrite(prog, 1, sizeof(prog), fp), sizeof(prog));
	fclose(fp);
	assert_int_equal(load(k, path, &err), -ENOEXEC);
	expect_msg(&err, "unsupported file type (it is a dynamically linked program");
	assert_int_equal(count_files(k), 1);
}

/* KEXT_SIM_HINTS: a new kernel with what 10.1's linker.hints says is built in. */
static void
test_seeded_from_hints(void **state)
{
	struct sim_fixture *f = *state;
	const char *hints = CORPUS_KO("linker.hints");
	const char *tun = CORPUS_KO("if_tun.ko");
	kext_error err = { 0, "" };
	int osreldate = 0, modid = 0;

	setenv("KEXT_SIM_HINTS", hints, 1);
	open_sim(f, NULL);
	assert_int_equal(kext_kernel_osreldate(f->k, &osreldate, &err), 0);
	assert_int_equal(osreldate, 1001000);
	assert_int_equal(kext_kernel_find_module(f->k, "pci_pcib", &modid, &err), 0);
	assert_true(modid > 0);
	/* if_tun is built into that kernel: its interface is already present. */
	assert_int_equal(load(f->k, tun, &err), -ENOEXEC);
	expect_msg(&err, "interface if_tun.1 already present in the KLD 'kernel'");
}

static void
test_arch(void **state)
{
	struct sim_fixture *f = *state;
	const char *nullfs = CORPUS_KO("nullfs.ko");
	kext_error err = { 0, "" };

	setenv("KEXT_SIM_ARCH", "aarch64", 1);
	open_sim(f, "1001000");
	assert_int_equal(load(f->k, nullfs, &err), -ENOEXEC);
	expect_msg(&err, "Unsupported machine");
	expect_msg(&err, "amd64");
	kext_kernel_close(f->k);
	f->k = NULL;

	snprintf(f->spec, sizeof(f->spec), "sim:%s/any", f->dir);
	setenv("KEXT_SIM_ARCH", "any", 1);
	open_sim(f, "1001000");
	assert_int_equal(load(f->k, nullfs, &err), 2);
}

static void
test_pathname_with_odd_characters(void **state)
{
	struct sim_fixture *f = *state;
	const char *nullfs = CORPUS_KO("nullfs.ko");
	struct kext_kld_file *files = NULL;
	kext_error err = { 0, "" };
	char dir[400], path[500], cwd[1024];
	size_t n = 0;

	snprintf(dir, sizeof(dir), "%s/my dir%%20 x", f->dir);
	link_as(nullfs, dir, "nullfs.ko", path, sizeof(path));
	open_sim(f, "1001000");
	assert_int_equal(load_ok(f->k, path), 2);
	kext_kernel_close(f->k);
	f->k = NULL;
	unsetenv("KEXT_SIM_OSVERSION");
	open_sim(f, NULL);
	assert_int_equal(kext_kernel_list(f->k, &files, &n, &err), 0);
	assert_int_equal(n, 2);
	/* as given, symlink not resolved */
	assert_string_equal(files[1].pathname, path);
	kext_kld_files_free(files, n);
	assert_int_equal(kext_kernel_unload(f->k, 2, false, &err), 0);

	/* relative paths are recorded absolute */
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(dir), 0);
	assert_int_equal(load(f->k, "./nullfs.ko", &err), 3);
	assert_int_equal(chdir(cwd), 0);
	assert_int_equal(kext_kernel_list(f->k, &files, &n, &err), 0);
	assert_string_equal(files[1].pathname, path);
	kext_kld_files_free(files, n);
}

/* --- unload ---------------------------------------------------------------- */

static void
test_unload_errors(void **state)
{
	struct sim_fixture *f = *state;
	struct kext_kernel *k = open_sim(f, NULL);
	kext_error err = { 0, "" };

	assert_int_equal(kext_kernel_unload(k, 99, false, &err), -1);
	assert_int_equal(err.code, ENOENT);
	expect_msg(&err, "99");
	assert_int_equal(kext_kernel_unload(k, 1, true, &err), -1);
	assert_int_equal(err.code, EBUSY);
	expect_msg(&err, "loaded by the kernel");
	assert_int_equal(count_files(k), 1);
}

static void
test_refuse_unload(void **state)
{
	struct sim_fixture *f = *state;
	const char *nullfs = CORPUS_KO("nullfs.ko"), *tun = CORPUS_KO("if_tun.ko");
	struct kext_kernel *k = open_sim(f, "1001000");
	kext_error err = { 0, "" };
	char path[400];
	FILE *fp;

	assert_int_equal(load_ok(k, nullfs), 2);
	assert_int_equal(load_ok(k, tun), 3);
	snprintf(path, sizeof(path), "%s/k/refuse-unload", f->dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("# modules whose MOD_UNLOAD says EBUSY\n\n  nullfs \t\r\nmach\n", fp);
	fclose(fp);
	assert_int_equal(kext_kernel_unload(k, 2, false, &err), -1);
	assert_int_equal(err.code, EBUSY);
	expect_msg(&err, "module nullfs refused MOD_UNLOAD");
	expect_msg(&err, "refuse-unload");
	/* a MOD_UNLOAD veto stands even when forced */
	assert_int_equal(kext_kernel_unload(k, 2, true, &err), -1);
	assert_int_equal(err.code, EBUSY);
	/* other modules are not affected */
	assert_int_equal(kext_kernel_unload(k, 3, false, &err), 0);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("mach\n", fp);
	fclose(fp);
	assert_int_equal(kext_kernel_unload(k, 2, false, &err), 0);
}

/* --- version rule §1.5 and ET_DYN modules, with our fixtures ---------------- */

/*
 * A kernel with two loaded files providing fxbase: a.ko version va, b.ko vb
 * (ids 2 and 3). fx_mid depends on fxbase {2, 3, 4}.
 */
static void
write_two_providers(struct sim_fixture *f, int va, int vb)
{
	char text[1024], dir[400];
	FILE *fp;

	snprintf(text, sizeof(text),
	    "kext-sim-state 1\nosreldate 1402000\narch any\nnext-file-id 4\n"
	    "next-module-id 1\nnext-address 0xffffffff82300000\n"
	    "file 1 1 0xffffffff80200000 0x1f3c6c0 kernel /boot/kernel/kernel\n"
	    "version kernel 1402000\n"
	    "file 2 1 0xffffffff82200000 0x1000 a.ko /a.ko\nversion fxbase %d\n"
	    "file 3 1 0xffffffff82201000 0x1000 b.ko /b.ko\nversion fxbase %d\n", va, vb);
	kext_kernel_close(f->k);
	f->k = NULL;
	snprintf(dir, sizeof(dir), "%s/k", f->dir);
	mkdir(dir, 0755);
	fp = fopen(f->state, "w");
	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	open_sim(f, NULL);
}

static void
test_version_rule(void **state)
{
	struct sim_fixture *f = *state;
	const char *mid = fixture_ko("amd64", "fx_mid.ko", __func__);
	kext_error err = { 0, "" };

	/* no exact "preferred" 3: the highest within [2, 4] wins */
	write_two_providers(f, 2, 4);
	assert_int_equal(load(f->k, mid, &err), 4);
	assert_int_equal(refs_of(f->k, 2), 1);
	assert_int_equal(refs_of(f->k, 3), 2);
	/* the preferred version wins even over a higher one */
	write_two_providers(f, 3, 4);
	assert_int_equal(load(f->k, mid, &err), 4);
	assert_int_equal(refs_of(f->k, 2), 2);
	assert_int_equal(refs_of(f->k, 3), 1);
	/* nothing within the range */
	write_two_providers(f, 1, 5);
	assert_int_equal(load(f->k, mid, &err), -ENOEXEC);
	expect_msg(&err, "depends on fxbase");
	expect_msg(&err, "fxbase 1 in a.ko, fxbase 5 in b.ko");
}

static void
test_shared_object_interface_clash(void **state)
{
	struct sim_fixture *f = *state;
	const char *rel = fixture_ko("amd64", "fx_base.ko", __func__);
	const char *dyn = fixture_ko("aarch64", "fx_base.ko", __func__);
	kext_error err = { 0, "" };
	char dir[400], path[500];

	setenv("KEXT_SIM_ARCH", "any", 1);
	open_sim(f, "1402000");
	snprintf(dir, sizeof(dir), "%s/links", f->dir);
	assert_int_equal(load_ok(f->k, rel), 2);
	/* ET_DYN (aarch64): the kernel's EEXIST reaches userland unchanged */
	link_as(dyn, dir, "fx_base_arm.ko", path, sizeof(path));
	assert_int_equal(load(f->k, path, &err), -EEXIST);
	expect_msg(&err, "interface fxbase.3 already present");
	assert_int_equal(kext_kernel_unload(f->k, 2, false, &err), 0);
	assert_int_equal(load_ok(f->k, path), 3);
	/* ET_REL (amd64): masked to ENOEXEC */
	link_as(rel, dir, "fx_base_x86.ko", path, sizeof(path));
	assert_int_equal(load(f->k, path, &err), -ENOEXEC);
}

static void
test_fixture_chain(void **state)
{
	struct sim_fixture *f = *state;
	const char *base = fixture_ko("amd64", "fx_base.ko", __func__);
	const char *mid = fixture_ko("amd64", "fx_mid.ko", __func__);
	const char *multi = fixture_ko("amd64", "fx_multi.ko", __func__);
	const char *nometa = fixture_ko("amd64", "fx_nometa.ko", __func__);
	struct kext_kld_file *files = NULL;
	kext_error err = { 0, "" };
	int modid = 0;
	size_t n = 0;

	open_sim(f, "1402000");
	assert_int_equal(load_ok(f->k, base), 2);
	assert_int_equal(load_ok(f->k, mid), 3);
	assert_int_equal(load_ok(f->k, multi), 4);
	/* no metadata at all: loads, registers nothing, holds the kernel once */
	assert_int_equal(load_ok(f->k, nometa), 5);
	assert_int_equal(kext_kernel_list(f->k, &files, &n, &err), 0);
	assert_int_equal(n, 5);
	/* 1 + (1 + 1) base + (1 + 1) mid + (1 + 2) multi + 1 nometa */
	assert_int_equal(files[0].refs, 9);
	assert_int_equal(files[1].refs, 3);	/* fxbase: mid and multi */
	assert_int_equal(files[2].refs, 2);	/* fxmid: multi */
	assert_int_equal(files[3].refs, 1);
	assert_int_equal(files[3].num_modules, 2);
	assert_string_equal(files[3].modules[0].name, "fxmulti");
	assert_string_equal(files[3].modules[1].name, "fxbus/fxdrv");
	assert_int_equal(files[4].num_modules, 0);
	kext_kld_files_free(files, n);
	assert_int_equal(kext_kernel_find_module(f->k, "fxbus/fxdrv", &modid, &err), 0);
	assert_int_equal(modid, 4);

	assert_int_equal(kext_kernel_unload(f->k, 2, false, &err), -1);
	assert_int_equal(err.code, EBUSY);
	expect_msg(&err, "in use by fx_mid.ko (id 3), fx_multi.ko (id 4); unload them first");
	assert_int_equal(kext_kernel_unload(f->k, 4, false, &err), 0);
	assert_int_equal(kext_kernel_unload(f->k, 3, false, &err), 0);
	assert_int_equal(kext_kernel_unload(f->k, 2, false, &err), 0);
	assert_int_equal(kext_kernel_unload(f->k, 5, false, &err), 0);
	assert_int_equal(refs_of(f->k, 1), 1);
}

/* --- the 14.2 vbox package: kernel dependency with max < min -------------- */

/* Extracts boot/modules/vboxdrv.ko from the package into dir; skips without it. */
static void
extract_vboxdrv(const char *dir, char *out, size_t size, const char *test)
{
	const char *corpus = getenv("KEXT_CORPUS");
	char pkg[600], buf[65536];
	struct archive *a;
	struct archive_entry *e;
	int fd = -1, found = 0;
	la_ssize_t n;

	snprintf(pkg, sizeof(pkg), "%s/freebsd-14.2-amd64/virtualbox-ose-kmod-6.1.50.pkg",
	    corpus ? corpus : "");
	if (corpus == NULL || access(pkg, R_OK) != 0) {
		print_message("%s: skipped: %s not found (set KEXT_CORPUS)\n", test, pkg);
		skip();
	}
	snprintf(out, size, "%s/vboxdrv.ko", dir);
	a = archive_read_new();
	archive_read_support_filter_all(a);
	archive_read_support_format_all(a);
	assert_int_equal(archive_read_open_filename(a, pkg, 65536), ARCHIVE_OK);
	while (!found && archive_read_next_header(a, &e) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(e);
		size_t len = strlen(name);

		if (len < 23 || strcmp(name + len - 23, "boot/modules/vboxdrv.ko") != 0)
			continue;
		fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		assert_true(fd >= 0);
		while ((n = archive_read_data(a, buf, sizeof(buf))) > 0)
			assert_int_equal(write(fd, buf, (size_t)n), n);
		assert_int_equal(n, 0);
		close(fd);
		found = 1;
	}
	archive_read_free(a);
	if (!found)
		fail_msg("%s: no boot/modules/vboxdrv.ko inside", pkg);
}

static void
test_exact_kernel_only(void **state)
{
	static const struct {
		const char *osversion;
		int loads;
	} cases[] = { { "1402000", 1 }, { "1402001", 0 }, { "1401999", 0 }, { "1500068", 0 } };
	struct sim_fixture *f = *state;
	kext_error err = { 0, "" };
	char path[600];
	size_t i;

	/* vboxdrv: kernel {1402000, 1402000, 1401999}: only the preferred value matches */
	extract_vboxdrv(f->dir, path, sizeof(path), __func__);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(f->spec, sizeof(f->spec), "sim:%s/k%zu", f->dir, i);
		open_sim(f, cases[i].osversion);
		assert_int_equal(load(f->k, path, &err), cases[i].loads ? 2 : -ENOEXEC);
		kext_kernel_close(f->k);
		f->k = NULL;
	}
}

/* --- concurrency ------------------------------------------------------------ */

#define WORKERS 6

struct outcome {
	int worker, module, rc, code, id;
};

/* Each worker loads every module, starting at a different one; exits 0 if sane. */
static void
worker(const char *spec, const char *const *paths, size_t n, int w, int fd)
{
	struct kext_kernel *k = NULL;
	kext_error err = { 0, "" };
	struct outcome o;
	size_t i;

	if (kext_kernel_open(spec, &k, &err) != 0)
		_exit(2);
	for (i = 0; i < n; i++) {
		o.worker = w;
		o.module = (int)((i + (size_t)w) % n);
		o.id = 0;
		o.rc = kext_kernel_load(k, paths[o.module], &o.id, &err);
		o.code = o.rc == 0 ? 0 : err.code;
		if (write(fd, &o, sizeof(o)) != (ssize_t)sizeof(o))
			_exit(3);
	}
	kext_kernel_close(k);
	_exit(0);
}

static void
test_concurrent_loads(void **state)
{
	/* 10.1 modules that depend on the kernel only */
	static const char *const names[] = {
		"nullfs.ko", "if_tun.ko", "bridgestp.ko", "accf_data.ko", "accf_http.ko",
		"aio.ko", "fdescfs.ko", "pseudofs.ko", "if_disc.ko", "if_gif.ko",
	};
	enum { N = sizeof(names) / sizeof(names[0]) };
	struct sim_fixture *f = *state;
	const char *paths[N];
	int ids[N] = { 0 }, pipefd[2], status, w, loaded = 0;
	struct kext_kld_file *files = NULL;
	struct outcome outcomes[WORKERS * N];
	kext_error err = { 0, "" };
	pid_t pids[WORKERS];
	int exited[WORKERS];
	size_t i, n = 0, got = 0;

	assert_true(N <= CORPUS_SLOTS);
	for (i = 0; i < N; i++)
		paths[i] = CORPUS_KO(names[i]);
	open_sim(f, "1001000");
	assert_int_equal(pipe(pipefd), 0);
	for (w = 0; w < WORKERS; w++) {
		pids[w] = fork();
		assert_true(pids[w] >= 0);
		if (pids[w] == 0) {
			close(pipefd[0]);
			worker(f->spec, paths, N, w, pipefd[1]);
		}
	}
	close(pipefd[1]);
	/* collect everything and reap every worker before judging */
	while (got < WORKERS * N &&
	    read(pipefd[0], &outcomes[got], sizeof(outcomes[0])) == (ssize_t)sizeof(outcomes[0]))
		got++;
	close(pipefd[0]);
	for (w = 0; w < WORKERS; w++) {
		exited[w] = waitpid(pids[w], &status, 0) == pids[w] && WIFEXITED(status) &&
		    WEXITSTATUS(status) == 0;
	}
	for (w = 0; w < WORKERS; w++)
		assert_true(exited[w]);
	assert_int_equal(got, WORKERS * N);
	for (i = 0; i < got; i++) {
		const struct outcome *o = &outcomes[i];

		assert_true(o->module >= 0 && o->module < N);
		if (o->rc == 0) {
			if (ids[o->module] != 0)
				fail_msg("%s loaded twice (ids %d and %d)", names[o->module],
				    ids[o->module], o->id);
			ids[o->module] = o->id;
			loaded++;
		} else if (o->code != EEXIST) {
			fail_msg("worker %d: %s: error %d", o->worker, names[o->module], o->code);
		}
	}
	assert_int_equal(loaded, N);
	/* the state holds exactly what the workers were told was loaded */
	assert_int_equal(kext_kernel_list(f->k, &files, &n, &err), 0);
	assert_int_equal(n, N + 1);
	for (i = 0; i < N; i++) {
		const struct kext_kld_file *e = find(files, n, ids[i]);

		assert_non_null(e);
		assert_string_equal(e->name, names[i]);
		assert_int_equal(e->refs, 1);
	}
	for (i = 1; i < n; i++) {
		assert_true(files[i].id > files[i - 1].id);
		assert_true(files[i].address >= files[i - 1].address + files[i - 1].size);
	}
	assert_int_equal(files[n - 1].id, N + 1);
	kext_kld_files_free(files, n);
}

int
main(void)
{
	const char *corpus = getenv("KEXT_CORPUS");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_load_list_unload, setup, sim_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_addresses_follow_each_other, setup, sim_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_kernel_version_mismatch, setup, sim_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_kernel_version_range, setup, sim_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_dependencies_and_refs, setup, sim_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_already_loaded_cases, setup, sim_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_bad_files, setup, sim_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_program_refused, setup, sim_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_seeded_from_hints, setup, sim_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_arch, setup, sim_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_pathname_with_odd_characters, setup,
		    sim_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_unload_errors, setup, sim_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_refuse_unload, setup, sim_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_version_rule, setup, sim_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_shared_object_interface_clash, setup,
		    sim_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_fixture_chain, setup, sim_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_exact_kernel_only, setup, sim_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_concurrent_loads, setup, sim_fixture_teardown),
	};

	if (corpus != NULL && corpus[0] != '\0')
		snprintf(corpus10, sizeof(corpus10), "%s/freebsd-10.1-amd64", corpus);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
