/*
 * The executable opened once: with kext_bundle_keep_executables on, the file
 * a bundle's validation opened is the one kext_bundle_open_executable hands
 * over, even when another file was renamed into its place in between; off,
 * or past the budget of kept descriptors, the path is opened again.
 */
#include <sys/resource.h>
#include <sys/stat.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "kext/bundle.h"
#include "test_bundle_fixture.h"

static const char replacement[] = "not the file that was validated\n";

/* Renames a different file over the executable of kext (named exe). */
static void
swap_executable(const char *kext, const char *exe)
{
	char *path = fx_fmt("%s/Contents/MacOS/%s", kext, exe);
	char *beside = fx_fmt("%s.new", path);

	fx_write(beside, replacement, sizeof(replacement) - 1);
	assert_int_equal(rename(beside, path), 0);
	free(beside);
	free(path);
}

/* Opens b's executable and says whether it is the ELF file validated (else the replacement). */
static bool
opens_validated_file(struct kext_bundle *b)
{
	unsigned char head[4] = {0};
	struct stat st;
	kext_error err;
	int fd;

	assert_int_equal(kext_bundle_open_executable(b, false, &fd, &st, &err), 0);
	assert_int_equal(pread(fd, head, sizeof(head), 0), 4);
	close(fd);
	if (memcmp(head, "\177ELF", 4) == 0) {
		assert_int_equal(st.st_size, 64);
		return true;
	}
	assert_memory_equal(head, replacement, 4);
	assert_int_equal(st.st_size, sizeof(replacement) - 1);
	return false;
}

static struct kext_bundle *
open_kext(const char *kext)
{
	struct kext_bundle *b;
	kext_error err;

	assert_int_equal(kext_bundle_open(kext, &b, &err), 0);
	assert_true(kext_bundle_is_valid(b));
	return b;
}

/* Descriptors open in this process: what a leak or a kept descriptor changes. */
static int
open_fds(void)
{
	int n = 0;

	for (int fd = 0; fd < 1024; fd++)
		n += fcntl(fd, F_GETFD) != -1;
	return n;
}

static void
test_kept_is_validated(void **state)
{
	struct fx_spec s = { "org.example.keep", "1.0", NULL, "org.freebsd.kernel=14.0", "keep.ko", false, NULL };
	char *kext = fx_kext(*state, "Keep.kext", &s);
	bool was = kext_bundle_keep_executables(true);
	int before = open_fds();
	struct kext_bundle *b = open_kext(kext);

	swap_executable(kext, "keep.ko");
	assert_true(opens_validated_file(b));
	/* handed over once: a second open is of the path, now the other file */
	assert_false(opens_validated_file(b));
	kext_bundle_release(b);
	/* a kept descriptor nobody took is closed with its bundle */
	free(kext);
	kext = fx_kext(*state, "Other.kext", &s);
	b = open_kext(kext);
	assert_int_equal(open_fds(), before + 1);
	kext_bundle_release(b);
	assert_int_equal(open_fds(), before);
	kext_bundle_keep_executables(was);
	free(kext);
}

static void
test_not_kept_by_default(void **state)
{
	struct fx_spec s = { "org.example.nokeep", "1.0", NULL, "org.freebsd.kernel=14.0", "keep.ko", false, NULL };
	char *kext = fx_kext(*state, "NoKeep.kext", &s);
	bool was = kext_bundle_keep_executables(false);
	int before = open_fds();

	assert_false(was);	/* off until a process asks (the first test to set it) */
	struct kext_bundle *b = open_kext(kext);

	assert_int_equal(open_fds(), before);
	swap_executable(kext, "keep.ko");
	assert_false(opens_validated_file(b));
	kext_bundle_release(b);
	kext_bundle_keep_executables(was);
	free(kext);
}

/* A kept file is still checked when taken: one made writable since is refused. */
static void
test_kept_checked_when_taken(void **state)
{
	struct fx_spec s = { "org.example.mode", "1.0", NULL, "org.freebsd.kernel=14.0", "keep.ko", false, NULL };
	char *kext = fx_kext(*state, "Mode.kext", &s), *exe;
	bool was = kext_bundle_keep_executables(true);
	struct kext_bundle *b = open_kext(kext);
	struct stat st;
	kext_error err;
	int fd;

	exe = fx_fmt("%s/Contents/MacOS/keep.ko", kext);
	assert_int_equal(chmod(exe, 0666), 0);
	assert_int_equal(kext_bundle_open_executable(b, true, &fd, &st, &err), -1);
	assert_int_equal(fd, -1);
	assert_int_equal(err.code, EPERM);
	assert_non_null(strstr(err.msg, "mode 0666"));
	kext_bundle_release(b);
	kext_bundle_keep_executables(was);
	free(exe);
	free(kext);
}

/* Past a quarter of RLIMIT_NOFILE's soft limit, bundles open the path again. */
static void
test_keep_budget(void **state)
{
	enum { LIMIT = 64, BUDGET = LIMIT / 4, N = BUDGET + 3 };
	struct fx_spec s = { "org.example.budget", "1.0", NULL, "org.freebsd.kernel=14.0", "keep.ko", false, NULL };
	struct kext_bundle *b[N];
	struct rlimit saved, low;
	char *kext[N], name[32];
	bool was;
	int kept = 0;

	assert_int_equal(getrlimit(RLIMIT_NOFILE, &saved), 0);
	low = saved;
	low.rlim_cur = LIMIT;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	was = kext_bundle_keep_executables(true);
	for (int i = 0; i < N; i++) {
		snprintf(name, sizeof(name), "B%02d.kext", i);
		kext[i] = fx_kext(*state, name, &s);
		b[i] = open_kext(kext[i]);
		swap_executable(kext[i], "keep.ko");
	}
	for (int i = 0; i < N; i++)
		kept += opens_validated_file(b[i]);
	assert_int_equal(kept, BUDGET);
	/* taken descriptors leave the budget: the next bundle keeps its own */
	for (int i = 0; i < N; i++)
		kext_bundle_release(b[i]);
	free(kext[0]);
	kext[0] = fx_kext(*state, "Again.kext", &s);
	b[0] = open_kext(kext[0]);
	swap_executable(kext[0], "keep.ko");
	assert_true(opens_validated_file(b[0]));
	kext_bundle_release(b[0]);
	kext_bundle_keep_executables(was);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &saved), 0);
	for (int i = 0; i < N; i++)
		free(kext[i]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_not_kept_by_default, scratch_dir_setup,
		    scratch_dir_teardown),
		cmocka_unit_test_setup_teardown(test_kept_is_validated, scratch_dir_setup,
		    scratch_dir_teardown),
		cmocka_unit_test_setup_teardown(test_kept_checked_when_taken, scratch_dir_setup,
		    scratch_dir_teardown),
		cmocka_unit_test_setup_teardown(test_keep_budget, scratch_dir_setup,
		    scratch_dir_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
