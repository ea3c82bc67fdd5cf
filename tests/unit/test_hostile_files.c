/*
 * Files that are not what they claim: a FIFO where a module, linker.hints,
 * Info.plist or property list should be (opening it must not block), and
 * symbolic links that lead a bundle's Info.plist or executable out of the
 * bundle (refused with the reason). Each case once hung or was accepted.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>

#include "kext/bundle.h"
#include "kext/hints.h"
#include "kext/kmod.h"
#include "kext/sort.h"
#include "test_bundle_fixture.h"

#include <CoreFoundation/CFLiteExtras.h>

struct fixture {
	char *dir, *outside;
};

/* A hang becomes a failure: SIGALRM ends the test run with a message. */
static void
on_alarm(int sig)
{
	static const char msg[] = "test_hostile_files: timed out (a FIFO blocked)\n";

	(void)sig;
	(void)!write(2, msg, sizeof(msg) - 1);
	_exit(1);
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->dir = fx_tmpdir();
	f->outside = fx_tmpdir();
	signal(SIGALRM, on_alarm);
	alarm(30);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	alarm(0);
	scratch_dir_free(f->dir);
	scratch_dir_free(f->outside);
	free(f);
	return 0;
}

static char *
fifo(const char *dir, const char *name)
{
	char *p = fx_fmt("%s/%s", dir, name);

	assert_int_equal(mkfifo(p, 0644), 0);
	return p;
}

static void
test_fifo_module(void **state)
{
	struct fixture *f = *state;
	char *p = fifo(f->dir, "fifo.ko");
	struct kmod_file *kf;
	kext_error err;

	assert_int_equal(kmod_open(p, &kf, &err), -1);
	assert_int_equal(err.code, EINVAL);
	assert_non_null(strstr(err.msg, "fifo.ko: not a regular file"));
	free(p);
}

static void
test_fifo_hints(void **state)
{
	struct fixture *f = *state;
	char *p = fifo(f->dir, "linker.hints");
	struct hints_file *hf;
	kext_error err;

	assert_int_equal(hints_open(p, &hf, &err), -1);
	assert_non_null(strstr(err.msg, "linker.hints: not a regular file"));
	free(p);
}

static void
test_fifo_plist(void **state)
{
	struct fixture *f = *state;
	char *p = fifo(f->dir, "x.plist");
	CFErrorRef cferr = NULL;

	assert_null(CFLitePropertyListCreateFromPath(p, kCFPropertyListImmutable, NULL, &cferr));
	assert_non_null(cferr);
	CFRelease(cferr);
	free(p);
}

static void
test_fifo_info_plist(void **state)
{
	struct fixture *f = *state;
	char *kext = fx_fmt("%s/Fifo.kext", f->dir), *contents = fx_fmt("%s/Contents", kext);
	struct kext_bundle *b;
	kext_error err;

	fx_mkdirs(contents);
	free(fifo(contents, "Info.plist"));
	assert_int_equal(kext_bundle_open(kext, &b, &err), -1);
	assert_non_null(strstr(err.msg, "Info.plist: not a regular file"));
	free(contents);
	free(kext);
}

/* The executable named by CFBundleExecutable is a FIFO: invalid, said plainly. */
static void
test_fifo_executable(void **state)
{
	struct fixture *f = *state;
	struct fx_spec s = { "org.example.fifo", "1.0", NULL, NULL, NULL, false,
	    "\t<key>CFBundleExecutable</key><string>fifo.ko</string>\n" };
	char *kext = fx_kext(f->dir, "Fifo.kext", &s), *macos = fx_fmt("%s/Contents/MacOS", kext);
	struct kext_bundle *b;
	kext_error err;
	char *text;

	fx_mkdirs(macos);
	free(fifo(macos, "fifo.ko"));
	assert_int_equal(kext_bundle_open(kext, &b, &err), 0);
	assert_false(kext_bundle_is_valid(b));
	text = kext_diags_format(kext_bundle_diags(b), KEXT_DIAG_FAILURES, false);
	assert_non_null(strstr(text, "fifo.ko - expected a regular file, found another kind of file"));
	free(text);
	kext_bundle_release(b);
	free(macos);
	free(kext);
}

/* Info.plist, or the Contents folder, is a link to a file outside the bundle. */
static void
test_info_plist_link_outside(void **state)
{
	struct fixture *f = *state;
	struct fx_spec s = { "org.example.out", "1.0", NULL, NULL, NULL, false, NULL };
	char *donor = fx_kext(f->outside, "Donor.kext", &s);
	char *kext = fx_fmt("%s/Link.kext", f->dir), *contents = fx_fmt("%s/Contents", kext);
	char *target = fx_fmt("%s/Contents/Info.plist", donor), *plist;
	struct kext_bundle *b;
	kext_error err;

	fx_mkdirs(contents);
	plist = fx_fmt("%s/Info.plist", contents);
	assert_int_equal(symlink(target, plist), 0);
	assert_int_equal(kext_bundle_open(kext, &b, &err), -1);
	assert_int_equal(err.code, EXDEV);
	assert_non_null(strstr(err.msg, "outside the bundle; refused"));
	assert_non_null(strstr(err.msg, "Donor.kext/Contents/Info.plist"));

	/* The whole Contents folder a link out: the same refusal. */
	unlink(plist);
	rmdir(contents);
	free(target);
	target = fx_fmt("%s/Contents", donor);
	assert_int_equal(symlink(target, contents), 0);
	assert_int_equal(kext_bundle_open(kext, &b, &err), -1);
	assert_non_null(strstr(err.msg, "outside the bundle; refused"));
	free(plist);
	free(target);
	free(contents);
	free(kext);
	free(donor);
}

/*
 * A link inside the bundle is fine; one leading out makes the kext invalid,
 * whether it is the executable or the MacOS folder on its way.
 */
static void
test_executable_link_outside(void **state)
{
	struct fixture *f = *state;
	struct fx_spec s = { "org.example.exe", "1.0", NULL, "k=1.0", NULL, false,
	    "\t<key>CFBundleExecutable</key><string>exe.ko</string>\n" };
	char *kext = fx_kext(f->dir, "Exe.kext", &s), *macos = fx_fmt("%s/Contents/MacOS", kext);
	char *exe = fx_fmt("%s/exe.ko", macos), *real = fx_fmt("%s/real.ko", macos);
	char *evil = fx_fmt("%s/evil.ko", f->outside), *text;
	char *code = fx_fmt("%s/Contents/Code", kext), *outside_exe = fx_fmt("%s/exe.ko", f->outside);
	struct kext_bundle *b;
	kext_error err;

	fx_mkdirs(macos);
	fx_write_elf(real);
	fx_write_elf(evil);
	assert_int_equal(symlink("real.ko", exe), 0);
	assert_int_equal(kext_bundle_open(kext, &b, &err), 0);
	assert_true(kext_bundle_is_valid(b));
	kext_bundle_release(b);

	unlink(exe);
	assert_int_equal(symlink(evil, exe), 0);
	assert_int_equal(kext_bundle_open(kext, &b, &err), 0);
	assert_false(kext_bundle_is_valid(b));
	text = kext_diags_format(kext_bundle_diags(b), KEXT_DIAG_FAILURES, false);
	assert_non_null(strstr(text, "exe.ko - expected a file inside the bundle, found a link to"));
	assert_non_null(strstr(text, "evil.ko"));
	free(text);
	kext_bundle_release(b);

	/* the MacOS folder itself a link: inside the bundle fine, leading out not */
	unlink(exe);
	assert_int_equal(rename(real, exe), 0);
	assert_int_equal(rename(macos, code), 0);
	assert_int_equal(symlink("Code", macos), 0);
	assert_int_equal(kext_bundle_open(kext, &b, &err), 0);
	assert_true(kext_bundle_is_valid(b));
	kext_bundle_release(b);
	unlink(macos);
	assert_int_equal(symlink(f->outside, macos), 0);
	unlink(evil);
	fx_write_elf(outside_exe);
	assert_int_equal(kext_bundle_open(kext, &b, &err), 0);
	assert_false(kext_bundle_is_valid(b));
	text = kext_diags_format(kext_bundle_diags(b), KEXT_DIAG_FAILURES, false);
	assert_non_null(strstr(text, "exe.ko - expected a file inside the bundle, found a link to"));
	free(text);
	kext_bundle_release(b);
	free(outside_exe);
	free(code);
	free(evil);
	free(real);
	free(exe);
	free(macos);
	free(kext);
}

/* A bundle path that is a symbolic link loop: refused, with the reason. */
static void
test_bundle_link_loop(void **state)
{
	struct fixture *f = *state;
	char *a = fx_fmt("%s/A.kext", f->dir), *bpath = fx_fmt("%s/B.kext", f->dir);
	struct kext_bundle *b;
	kext_error err;

	assert_int_equal(symlink(bpath, a), 0);
	assert_int_equal(symlink(a, bpath), 0);
	assert_int_equal(kext_bundle_open(a, &b, &err), -1);
	assert_int_equal(err.code, ELOOP);
	assert_non_null(strstr(err.msg, "A.kext: Too many levels of symbolic links"));
	free(a);
	free(bpath);
}

static int
compare_ints(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return x < y ? -1 : x > y;
}

/*
 * Issue 16: qsort(NULL, 0, ...) (undefined, C17 7.22.5) aborted the
 * sanitizer build of ko2kext on real modules (if_em.ko: dependencies and no
 * provider). Every sort goes through kext_sort, which takes empty arrays.
 */
static void
test_sort_empty(void **state)
{
	int v[] = { 3, 1, 2 };

	(void)state;
	kext_sort(NULL, 0, sizeof(int), compare_ints);
	kext_sort(v, 1, sizeof(int), compare_ints);
	assert_int_equal(v[0], 3);
	kext_sort(v, 3, sizeof(int), compare_ints);
	assert_true(v[0] == 1 && v[1] == 2 && v[2] == 3);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sort_empty),
		cmocka_unit_test_setup_teardown(test_fifo_module, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fifo_hints, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fifo_plist, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fifo_info_plist, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fifo_executable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_info_plist_link_outside, setup, teardown),
		cmocka_unit_test_setup_teardown(test_executable_link_outside, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bundle_link_loop, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
