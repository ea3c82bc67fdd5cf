/*
 * The sim kernel's state file and settings: creation with $KEXT_SIM_OSVERSION
 * and $KEXT_SIM_ARCH, hand-written states, and corrupt states that must give
 * an error naming the file and line (never a crash).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kext/kernel.h"
#include "sim_fixture.h"

static int
setup(void **state)
{
	return sim_fixture_setup(state, "kext-simstate-", NULL);
}

static void
write_file(const char *path, const char *text, size_t len)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	assert_int_equal(fwrite(text, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

static char *
read_text(const char *path)
{
	static char buf[8192];
	FILE *fp = fopen(path, "r");
	size_t n;

	assert_non_null(fp);
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

#define HEADER "kext-sim-state 1\nosreldate 1402000\narch amd64\nnext-file-id 4\n" \
	"next-module-id 3\nnext-address 0xffffffff82300000\n"
#define KERNEL_LINE "file 1 3 0xffffffff80200000 0x1f3c6c0 kernel /boot/kernel/kernel\n"

/* A consistent hand-written state: a.ko (id 2) depends on the kernel twice. */
static const char valid_state[] =
    "# written by hand\n" HEADER KERNEL_LINE
    "version kernel 1402000\n"
    "version pci 1\n"
    "\n"
    "file 3 1 0xffffffff82200000 0x3000 a.ko /my%20dir/a%25b.ko\n"
    "version a 1\n"
    "module 2 a/bus\n"
    "depend 1\n"
    "depend 1\n";

static void
test_new_kernel_defaults(void **state)
{
	struct sim_fixture *f = *state;
	struct kext_kernel *k = NULL;
	kext_error err = { 0, "" };
	struct kext_kld_file *files = NULL;
	size_t n = 0;
	int v = 0;

	assert_int_equal(kext_kernel_open(f->spec, &k, &err), 0);
	assert_int_equal(kext_kernel_osreldate(k, &v, &err), 0);
	assert_int_equal(v, 1500068);
	assert_int_equal(kext_kernel_list(k, &files, &n, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(files[0].id, 1);
	assert_int_equal(files[0].refs, 1);
	assert_string_equal(files[0].name, "kernel");
	assert_string_equal(files[0].pathname, "/boot/kernel/kernel");
	assert_true(files[0].address != 0 && files[0].address % 4096 == 0);
	assert_true(files[0].size > 0);
	assert_int_equal(files[0].num_modules, 0);
	kext_kld_files_free(files, n);
	assert_non_null(strstr(read_text(f->state), "osreldate 1500068\narch amd64\n"));
	kext_kernel_close(k);
}

static void
test_osversion_from_environment(void **state)
{
	struct sim_fixture *f = *state;
	struct kext_kernel *k = NULL;
	kext_error err = { 0, "" };
	int v = 0;

	setenv("KEXT_SIM_OSVERSION", "1001000", 1);
	setenv("KEXT_SIM_ARCH", "aarch64", 1);
	assert_int_equal(kext_kernel_open(f->spec, &k, &err), 0);
	assert_int_equal(kext_kernel_osreldate(k, &v, &err), 0);
	assert_int_equal(v, 1001000);
	kext_kernel_close(k);
	assert_non_null(strstr(read_text(f->state), "arch aarch64\n"));

	/* the values are fixed at creation: a different one is an error, not ignored */
	setenv("KEXT_SIM_OSVERSION", "1402000", 1);
	assert_int_equal(kext_kernel_open(f->spec, &k, &err), -1);
	assert_int_equal(err.code, EINVAL);
	assert_non_null(strstr(err.msg, "1001000"));
	assert_non_null(strstr(err.msg, "KEXT_SIM_OSVERSION=1402000"));
	unsetenv("KEXT_SIM_OSVERSION");
	setenv("KEXT_SIM_ARCH", "amd64", 1);
	assert_int_equal(kext_kernel_open(f->spec, &k, &err), -1);
	assert_non_null(strstr(err.msg, "created for aarch64"));
	unsetenv("KEXT_SIM_ARCH");
	assert_int_equal(kext_kernel_open(f->spec, &k, &err), 0);
	kext_kernel_close(k);
}

static void
test_bad_settings(void **state)
{
	static const char *const bad[] = { "abc", "15", "99999", "10000000", "1500068x", "-1",
		" 1500068" };
	struct sim_fixture *f = *state;
	struct kext_kernel *k = NULL;
	kext_error err = { 0, "" };
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setenv("KEXT_SIM_OSVERSION", bad[i], 1);
		assert_int_equal(kext_kernel_open(f->spec, &k, &err), -1);
		assert_null(k);
		assert_int_equal(err.code, EINVAL);
		assert_non_null(strstr(err.msg, "KEXT_SIM_OSVERSION"));
}
	unsetenv("KEXT_SIM_OSVERSION");
	setenv("KEXT_SIM_ARCH", "sparc64", 1);
	assert_int_equal(kext_kernel_open(f->spec, &k, &err), -1);
	assert_non_null(strstr(err.msg, "KEXT_SIM_ARCH='sparc64'"));
	/* nothing was created by the failed attempts */
	assert_int_not_equal(access(f->state, F_OK), 0);
}

static void
test_hand_written_state(void **state)
{
	struct sim_fixture *f = *state;
	struct kext_kernel *k = NULL;
	kext_error err = { 0, "" };
	struct kext_kld_file *files = NULL;
	size_t n = 0;
	int id = 0, v = 0;

	write_file(f->state, valid_state, strlen(valid_state));
	assert_int_equal(kext_kernel_open(f->spec, &k, &err), 0);
	assert_int_equal(kext_kernel_osreldate(k, &v, &err), 0);
	assert_int_equal(v, 1402000);
	assert_int_equal(kext_kernel_list(k, &files, &n, &err), 0);
	assert_int_equal(n, 2);
	assert_int_equal(files[1].id, 3);
	assert_int_equal(files[1].refs, 1);
	assert_int_equal(files[0].refs, 3);
	assert_int_equal(files[1].size, 0x3000);
	assert_string_equal(files[1].pathname, "/my dir/a%b.ko");
	assert_int_equal(files[1].num_modules, 1);
	assert_string_equal(files[1].modules[0].name, "a/bus");
	kext_kld_files_free(files, n);
	assert_int_equal(kext_kernel_find_module(k, "a/bus", &id, &err), 0);
	assert_int_equal(id, 2);
	assert_int_equal(kext_kernel_find_file(k, "a", &id, &err), 0);
	assert_int_equal(id, 3);
	/* a bare module name provided by a loaded file (even the kernel): EEXIST */
	assert_int_equal(kext_kernel_load(k, "pci", &id, &err), -1);
	assert_int_equal(err.code, EEXIST);
	assert_int_equal(kext_kernel_load(k, "nonexistent", &id, &err), -1);
	assert_int_equal(err.code, ENOENT);
	assert_non_null(strstr(err.msg, "module path"));
	/* unloading appends a journal record; closing writes a snapshot again */
	assert_int_equal(kext_kernel_unload(k, 3, false, &err), 0);
	assert_non_null(strstr(read_text(f->state), "\nversion pci 1\n"));
	assert_non_null(strstr(read_text(f->state), "\ntxn 1\nnext-file-id 4\n"));
	assert_non_null(strstr(read_text(f->state), "\nrefs 1 1\nunload 3\nend 1\n"));
	kext_kernel_close(k);
	assert_null(strstr(read_text(f->state), "txn "));
	assert_non_null(strstr(read_text(f->state), "kext-sim-state 2\n"));
	assert_non_null(strstr(read_text(f->state), "next-file-id 4\n"));
	assert_null(strstr(read_text(f->state), "file 3 "));
	assert_non_null(strstr(read_text(f->state), "file 1 1 "));
}

/*
 * dep.ko was loaded by the kernel for top.ko (userrefs 0; its only
 * reference is top.ko's): kldunload refuses it, and it goes with top.ko,
 * as linker_file_unload releases it (sys/kern/kern_linker.c).
 */
static const char autoloaded_state[] =
    HEADER "file 1 5 0xffffffff80200000 0x1000 kernel /k\n"
    "version kernel 1402000\n"
    "file 2 1 0xffffffff82200000 0x1000 dep.ko /m/dep.ko\n"
    "version dep 1\n"
    "depend 1\n"
    "depend 1\n"
    "userrefs 0\n"
    "file 3 1 0xffffffff82201000 0x1000 top.ko /x/top.ko\n"
    "depend 1\n"
    "depend 1\n"
    "depend 2\n";

static void
test_autoloaded_dependency(void **state)
{
	struct sim_fixture *f = *state;
	struct kext_kernel *k = NULL;
	kext_error err = { 0, "" };

	write_file(f->state, autoloaded_state, strlen(autoloaded_state));
	assert_int_equal(kext_kernel_open(f->spec, &k, &err), 0);
	assert_int_equal(kext_kernel_unload(k, 2, false, &err), -1);
	assert_int_equal(err.code, EBUSY);
	assert_non_null(strstr(err.msg, "attempt to unload file that was loaded by the kernel "
	    "(as a dependency of top.ko (id 3)"));
	assert_non_null(strstr(read_text(f->state), "userrefs 0\n"));
	assert_int_equal(kext_kernel_unload(k, 3, false, &err), 0);
	/* both go in one record */
	assert_non_null(strstr(read_text(f->state), "refs 1 1\nunload 2\nunload 3\nend 1\n"));
	kext_kernel_close(k);
	assert_null(strstr(read_text(f->state), "file 2 "));
	assert_null(strstr(read_text(f->state), "file 3 "));
	assert_non_null(strstr(read_text(f->state), "file 1 1 "));
}

/* format 2: a snapshot with only the kernel, which journal records extend */
#define JOURNAL_BASE "kext-sim-state 2\nosreldate 1402000\narch amd64\nnext-file-id 4\n" \
	"next-module-id 3\nnext-address 0xffffffff82300000\n" \
	"file 1 1 0xffffffff80200000 0x1f3c6c0 kernel /boot/kernel/kernel\n"

/* Records replayed over the snapshot: a load, then an unload of part of it. */
static const char journal_state[] =
    JOURNAL_BASE
    "txn 1\nnext-file-id 6\nnext-module-id 4\nnext-address 0xffffffff82302000\n"
    "refs 1 3\n"
    "file 4 1 0xffffffff82300000 0x1000 top.ko /x/top%20dir/top.ko\n"
    "module 3 top\ndepend 1\ndepend 5\n"
    "file 5 1 0xffffffff82301000 0x1000 dep.ko /m/dep.ko\n"
    "version dep 2\ndepend 1\nuserrefs 0\n"
    "end 1\n"
    "# a comment between records\n"
    "txn 2\nnext-file-id 7\nnext-module-id 4\nnext-address 0xffffffff82303000\n"
    "refs 1 4\nrefs 5 2\n"
    "file 6 1 0xffffffff82302000 0x1000 other.ko /x/other.ko\n"
    "depend 1\ndepend 5\n"
    "end 2\n";

static void
test_journal_replayed(void **state)
{
	struct sim_fixture *f = *state;
	struct kext_kernel *k = NULL;
	kext_error err = { 0, "" };
	struct kext_kld_file *files = NULL;
	size_t n = 0;
	int id = 0;

	write_file(f->state, journal_state, strlen(journal_state));
	assert_int_equal(kext_kernel_open(f->spec, &k, &err), 0);
	assert_int_equal(kext_kernel_list(k, &files, &n, &err), 0);
	assert_int_equal(n, 4);
	assert_int_equal(files[0].refs, 4);
	assert_int_equal(files[1].id, 4);
	assert_string_equal(files[1].pathname, "/x/top dir/top.ko");
	assert_int_equal(files[2].id, 5);
	assert_int_equal(files[2].refs, 2);
	assert_int_equal(files[3].id, 6);
	kext_kld_files_free(files, n);
	assert_int_equal(kext_kernel_find_module(k, "top", &id, &err), 0);
	assert_int_equal(id, 3);
	/* top.ko goes; dep.ko stays for other.ko: record 3, appended */
	assert_int_equal(kext_kernel_unload(k, 4, false, &err), 0);
	assert_non_null(strstr(read_text(f->state),
	    "txn 3\nnext-file-id 7\nnext-module-id 4\nnext-address 0xffffffff82303000\n"
	    "refs 1 3\nunload 4\nrefs 5 1\nend 3\n"));
	kext_kernel_close(k);
	k = NULL;
	/* closed: one snapshot again, with what the records said */
	assert_null(strstr(read_text(f->state), "txn "));
	assert_non_null(strstr(read_text(f->state), "next-file-id 7\n"));
	assert_non_null(strstr(read_text(f->state), "file 5 1 0xffffffff82301000 0x1000 dep.ko"));
	assert_null(strstr(read_text(f->state), "top.ko"));
	assert_int_equal(kext_kernel_open(f->spec, &k, &err), 0);
	assert_int_equal(kext_kernel_list(k, &files, &n, &err), 0);
	assert_int_equal(n, 3);
	assert_int_equal(files[0].refs, 3);
	kext_kld_files_free(files, n);
	kext_kernel_close(k);
}

/*
 * A record a crash cut short (no "end" line, or its last line without a
 * newline) is ignored whole; the next change replaces the file with a
 * snapshot rather than appending after it.
 */
static void
test_journal_cut_short(void **state)
{
	static const char *const cuts[] = {
	    "txn 1\nnext-file-id 6\nrefs 1 3\nfile 4 1 0xffffffff82300000 0x1000 a.ko /a\n",
	    ("txn 1\nnext-file-id 6\nrefs 1 3\nfile 4 1 0xffffffff82300000 0x1000 a.ko /a\n"
	    "depend 1\ndepend 1\nend 1"),
	    "txn 1\nnext-fi",
	    "tx",
	};
	struct sim_fixture *f = *state;
	struct kext_kernel *k = NULL;
	kext_error err = { 0, "" };
	struct kext_kld_file *files = NULL;
	char text[1024];
	size_t n = 0;
	int id = 0;

	for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
		snprintf(text, sizeof(text), "%s%s", JOURNAL_BASE, cuts[i]);
		write_file(f->state, text, strlen(text));
		if (kext_kernel_open(f->spec, &k, &err) != 0)
			fail_msg("cut %zu: %s", i, err.msg);
		assert_int_equal(kext_kernel_list(k, &files, &n, &err), 0);
		assert_int_equal(n, 1);
		kext_kld_files_free(files, n);
		/* a change after the cut: a snapshot, not a record after the fragment */
		assert_int_equal(kext_kernel_load(k, "./no-such.ko", &id, &err), -1);
		assert_int_equal(kext_kernel_unload(k, 1, false, &err), -1);
		kext_kernel_close(k);
		k = NULL;
		assert_non_null(strstr(read_text(f->state), "next-file-id 4\n"));
	}
	/* "tx" follows no record: it is an error, not a cut */
	snprintf(text, sizeof(text), "%s%s", valid_state, "tx");
	write_file(f->state, text, strlen(text));
	assert_int_equal(kext_kernel_open(f->spec, &k, &err), -1);
}

/*
 * kldfind "a" matches a file named "a" or "a.ko", the lowest id first; the
 * name index (kernel_sim_index.c) forgets a file that goes.
 */
static const char two_names_state[] =
    JOURNAL_BASE
    "txn 1\nnext-file-id 6\nnext-module-id 3\nnext-address 0xffffffff82302000\n"
    "refs 1 3\n"
    "file 4 1 0xffffffff82300000 0x1000 a /x/a\ndepend 1\n"
    "file 5 1 0xffffffff82301000 0x1000 a.ko /x/a.ko\ndepend 1\n"
    "end 1\n";

static void
test_lookup_by_name(void **state)
{
	struct sim_fixture *f = *state;
	struct kext_kernel *k = NULL;
	kext_error err = { 0, "" };
	int id = 0;

	write_file(f->state, two_names_state, strlen(two_names_state));
	assert_int_equal(kext_kernel_open(f->spec, &k, &err), 0);
	assert_int_equal(kext_kernel_find_file(k, "a", &id, &err), 0);
	assert_int_equal(id, 4);
	assert_int_equal(kext_kernel_find_file(k, "/elsewhere/a.ko", &id, &err), 0);
	assert_int_equal(id, 5);
	assert_int_equal(kext_kernel_unload(k, 4, false, &err), 0);
	assert_int_equal(kext_kernel_find_file(k, "a", &id, &err), 0);
	assert_int_equal(id, 5);
	assert_int_equal(kext_kernel_unload(k, 5, false, &err), 0);
	assert_int_equal(kext_kernel_find_file(k, "a", &id, &err), -1);
	assert_int_equal(err.code, ENOENT);
	kext_kernel_close(k);
}

struct corrupt_case {
	const char *text;
	int line;
	const char *says;
};

static void
test_corrupt_states(void **state)
{
	static const struct corrupt_case cases[] = {
		{ "", 1, "empty file" },
		{ "hello world\n", 1, "expected 'kext-sim-state 2'" },
		{ "kext-sim-state 3\n", 1, "format 3 is not supported" },
		{ HEADER, 6, "no 'file 1" },
		{ "kext-sim-state 1\nosreldate 1402000\n" KERNEL_LINE, 3,
		  "'arch' must come before" },
		{ HEADER "osreldate 5\n", 7, "'osreldate' given twice" },
		{ HEADER "bogus 1\n", 7, "expected a header key" },
		{ HEADER "file 1 1 0xffffffff80200000 0x1000 kernel\n", 7, "ID REFS ADDRESS" },
		{ HEADER "file 1 x 0xffffffff80200000 0x1000 kernel /k\n", 7, "file refs" },
		{ HEADER "file 1 1 12 0x1000 kernel /k\n", 7, "hexadecimal" },
		{ HEADER "file 2 1 0xffffffff80200000 0x1000 k.ko /k\n", 7, "must be 1 'kernel'" },
		{ HEADER "file 1 1 0xffffffff80200000 0x1000 kernel /a%zzb\n", 7, "%XX" },
		{ HEADER "file 1 1 0xffffffff80200000 0x1000 kernel /a%00b\n", 7, "%XX" },
		{ HEADER "file 1 1 0xffffffff80200000 0x1000 kernel /a%4\n", 7, "%XX" },
		{ HEADER KERNEL_LINE, 7, "has refs 3 but 0 references" },
		{ HEADER "file 1 1 0xffffffff80200000 0x1000 kernel /k\n"
		  "file 3 1 0xffffffff82200000 0x1000 a.ko /a\ndepend 2\n", 8,
		  "depends on file 2, which is not loaded" },
		{ HEADER "file 1 1 0xffffffff80200000 0x1000 kernel /k\n"
		  "file 3 1 0xffffffff82200000 0x1000 a.ko /a\n"
		  "file 3 1 0xffffffff82201000 0x1000 b.ko /b\n", 9, "ids must ascend" },
		{ HEADER "file 1 1 0xffffffff80200000 0x1000 kernel /k\n"
		  "file 9 1 0xffffffff82200000 0x1000 a.ko /a\n", 8, "not below next-file-id" },
		{ HEADER "file 1 1 0xffffffff80200000 0x1000 kernel /k\n"
		  "file 3 1 0xffffffff82200000 0x1000 a.ko /a\nmodule 2 a\nmodule 2 b\n", 8,
		  "module id 2 is used twice" },
		{ HEADER "file 1 1 0xffffffff80200000 0x1000 kernel /k\nmodule 7 x\n", 8,
		  "not below next-module-id" },
		{ HEADER "file 1 1 0xffffffff80200000 0x1000 kernel /k\n"
		  "file 3 1 0xffffffff82200000 0x1000 a.ko /a\ndepend 3\n", 9,
		  "depends on itself" },
		{ HEADER "file 1 1 0xffffffff80200000 0x1000 kernel /k\n"
		  "file 3 1 0xffffffff82300000 0x1000 a.ko /a\n", 8, "beyond next-address" },
		{ HEADER "file 1 1 0xffffffff80200000 0x1000 kernel /k\nversion x\n", 8,
		  "'version' takes NAME VERSION" },
		{ HEADER "file 1 1 0xffffffff80200000 0x1000 kernel /k\nversion x 99999999999\n",
		  8, "expected a decimal number" },
		{ HEADER "file 1 1 0xffffffff80200000 0x1000 kernel /k\na b c d e f g h i j\n", 8,
		  "too many values" },
		{ HEADER "file 1 1 0xffffffff80200000 0x1000 kernel /k\nuserrefs 0\n", 8,
		  "the kernel has no userrefs line" },
		{ HEADER "file 1 2 0xffffffff80200000 0x1000 kernel /k\n"
		  "file 3 1 0xffffffff82200000 0x1000 a.ko /a\ndepend 1\nuserrefs 2\n", 10,
		  "userrefs" },
		/* loaded by the kernel for a file since gone: refs 1 at most */
		{ HEADER "file 1 2 0xffffffff80200000 0x1000 kernel /k\n"
		  "file 3 2 0xffffffff82200000 0x1000 a.ko /a\ndepend 1\nuserrefs 0\n", 8,
		  "has refs 2 but 0 references and userrefs 0" },
		{ "version kernel 1\n", 1, "expected 'kext-sim-state 2'" },
		/* journal records (format 2) */
		{ JOURNAL_BASE "txn 2\nend 2\n", 8, "record 2 follows record 0" },
		{ JOURNAL_BASE "txn 1\nrefs 9 1\nend 1\n", 9, "no file 9 is loaded" },
		{ JOURNAL_BASE "txn 1\nnext-file-id 3\nend 1\n", 9, "next-file-id goes back" },
		{ JOURNAL_BASE "txn 1\nversion x 1\nend 1\n", 9, "expected 'next-file-id'" },
		{ JOURNAL_BASE "txn 1\nunload 1\nend 1\n", 9, "the kernel cannot be unloaded" },
		{ JOURNAL_BASE "txn 1\nosreldate 1402000\nend 1\n", 9, "expected 'next-file-id'" },
		{ JOURNAL_BASE "txn 1\nrefs 1 1\ntxn 2\nend 2\n", 8, "record 1 has no 'end 1'" },
		{ JOURNAL_BASE "txn 1\nend 1\nfile 3 1 0x1000 0x1000 a.ko /a\n", 10,
		  "expected 'txn 2' after record 1" },
		{ JOURNAL_BASE "txn 1\nrefs 1 7\nend 1\n", 7, "has refs 7 but 0 references" },
		{ "kext-sim-state 1\nmodule 1 x\n", 2, "expected a header key" },
	};
	struct sim_fixture *f = *state;
	struct kext_kernel *k = NULL;
	kext_error err = { 0, "" };
	char where[400];
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		write_file(f->state, cases[i].text, strlen(cases[i].text));
		err.code = 0;
		if (kext_kernel_open(f->spec, &k, &err) == 0) {
			kext_kernel_close(k);
			fail_msg("case %zu was accepted:\n%s", i, cases[i].text);
		}
		assert_null(k);
		assert_int_equal(err.code, EINVAL);
		snprintf(where, sizeof(where), "%s:%d: ", f->state, cases[i].line);
		if (strstr(err.msg, where) == NULL || strstr(err.msg, cases[i].says) == NULL)
			fail_msg("case %zu: expected '%s' and '%s' in: %s", i, where, cases[i].says,
			    err.msg);
}
}

static void
test_nul_byte(void **state)
{
	static const char text[] = "kext-sim-state 1\nosreldate 15\0 00068\n";
	struct sim_fixture *f = *state;
	struct kext_kernel *k = NULL;
	kext_error err = { 0, "" };
	char where[400];

	write_file(f->state, text, sizeof(text) - 1);
	assert_int_equal(kext_kernel_open(f->spec, &k, &err), -1);
	snprintf(where, sizeof(where), "%s:2: ", f->state);
	assert_non_null(strstr(err.msg, where));
	assert_non_null(strstr(err.msg, "NUL"));
}

static void
test_corrupted_while_open(void **state)
{
	static const char bad[] = HEADER "file 1 1 0xffffffff80200000 0x1000 kernel /k\n"
	    "depend 5\n";
	struct sim_fixture *f = *state;
	struct kext_kernel *k = NULL;
	kext_error err = { 0, "" };
	struct kext_kld_file *files = NULL;
	size_t n = 0;
	int id = 0;
	char where[400];

	assert_int_equal(kext_kernel_open(f->spec, &k, &err), 0);
	write_file(f->state, bad, sizeof(bad) - 1);
	snprintf(where, sizeof(where), "%s:7: ", f->state);
	assert_int_equal(kext_kernel_list(k, &files, &n, &err), -1);
	assert_null(files);
	assert_non_null(strstr(err.msg, where));
	assert_int_equal(kext_kernel_unload(k, 2, false, &err), -1);
	assert_int_equal(err.code, EINVAL);
	assert_int_equal(kext_kernel_find_file(k, "kernel", &id, &err), -1);
	assert_int_equal(kext_kernel_load(k, "./x.ko", &id, &err), -1);
	/* a removed state file is not silently replaced by a new kernel */
	unlink(f->state);
	assert_int_equal(kext_kernel_list(k, &files, &n, &err), -1);
	assert_int_equal(err.code, ENOENT);
	assert_non_null(strstr(err.msg, f->state));
	kext_kernel_close(k);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_new_kernel_defaults, setup, sim_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_osversion_from_environment, setup, sim_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_bad_settings, setup, sim_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_hand_written_state, setup, sim_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_autoloaded_dependency, setup, sim_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_journal_replayed, setup, sim_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_journal_cut_short, setup, sim_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_lookup_by_name, setup, sim_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_states, setup, sim_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_nul_byte, setup, sim_fixture_teardown),
		cmocka_unit_test_setup_teardown(test_corrupted_while_open, setup, sim_fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
