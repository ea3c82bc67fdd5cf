/*
 * Bundle authentication (spec §4.8): root:wheel, no group/other write, every
 * bad path listed, PlugIns not entered, symbolic links warned about and
 * confined to the bundle. Needs root to chown files; skips otherwise.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "kext/bundle.h"
#include "test_bundle_fixture.h"

/* root:wheel, 0755 folders and 0644 files (symlinks untouched). */
static void
fix_perms(const char *path)
{
	struct dirent *de;
	struct stat st;
	char *child;
	DIR *d;

	if (lstat(path, &st) != 0 || S_ISLNK(st.st_mode))
		return;
	assert_int_equal(chown(path, 0, 0), 0);
	assert_int_equal(chmod(path, S_ISDIR(st.st_mode) ? 0755 : 0644), 0);
	if (!S_ISDIR(st.st_mode) || (d = opendir(path)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		child = fx_fmt("%s/%s", path, de->d_name);
		fix_perms(child);
		free(child);
	}
	closedir(d);
}

struct fixture {
	char *dir, *kext, *plugin;
};

static int
setup(void **state)
{
	struct fx_spec s = { "org.example.auth", "1.0", NULL, "k=1.0", "auth.ko", false,
	    NULL };
	struct fx_spec p = { "org.example.plugin", "1.0", NULL, NULL, NULL, false, NULL };
	struct fixture *f = calloc(1, sizeof(*f));
	char *pdir, *res;

	f->dir = fx_tmpdir();
	f->kext = fx_kext(f->dir, "Auth.kext", &s);
	pdir = fx_fmt("%s/Contents/PlugIns", f->kext);
	f->plugin = fx_kext(pdir, "Plug.kext", &p);
	res = fx_fmt("%s/Contents/Resources/en.lproj/InfoPlist.strings", f->kext);
	fx_write_text(res, "x");
	free(res);
	free(pdir);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	scratch_dir_free(f->dir);
	free(f->kext);
	free(f->plugin);
	free(f);
	return 0;
}

static struct kext_bundle *
open_fixed(struct fixture *f)
{
	struct kext_bundle *b;
	kext_error err;

	fix_perms(f->kext);
	assert_int_equal(kext_bundle_open(f->kext, &b, &err), 0);
	return b;
}

static bool
auth_lists(struct kext_bundle *b, const char *message, const char *path,
    const char *found)
{
	const struct kext_diag *d;
	size_t i;

	for (i = 0; (d = kext_diags_at(kext_bundle_diags(b), i)) != NULL; i++) {
		if (d->category == KEXT_DIAG_AUTHENTICATION &&
		    strcmp(d->message, message) == 0 && d->value != NULL &&
		    strncmp(d->value, path, strlen(path)) == 0 &&
		    d->value[strlen(path)] == ' ' &&
		    (found == NULL || strstr(d->value, found) != NULL))
			return true;
	}
	return false;
}

#define NEED_ROOT() do {						\
	if (geteuid() != 0) {						\
		print_message("authentication tests need root to chown "	\
		    "files; skipped\n");				\
		skip();							\
	}								\
} while (0)

static void
test_authentic(void **state)
{
	struct kext_bundle *b;
	kext_error err;

	NEED_ROOT();
	b = open_fixed(*state);
	assert_int_equal(kext_bundle_authenticate(b, &err), 0);
	assert_int_equal(kext_diags_count(kext_bundle_diags(b), KEXT_DIAG_ALL), 0);
	kext_bundle_release(b);
}

static void
test_every_bad_path_listed(void **state)
{
	struct fixture *f = *state;
	struct kext_bundle *b;
	kext_error err;
	char *plist, *macos, *res, *ds;

	NEED_ROOT();
	b = open_fixed(f);
	plist = fx_fmt("%s/Contents/Info.plist", f->kext);
	macos = fx_fmt("%s/Contents/MacOS", f->kext);
	res = fx_fmt("%s/Contents/Resources/en.lproj/InfoPlist.strings", f->kext);
	ds = fx_fmt("%s/Contents/.DS_Store", f->kext);
	assert_int_equal(chmod(plist, 0664), 0);		/* group writable */
	assert_int_equal(chown(macos, 1000, 0), 0);		/* not root's */
	assert_int_equal(chown(res, 0, 5), 0);			/* not wheel */
	assert_int_equal(chmod(f->kext, 0757), 0);		/* other writable */
	fx_write_text(ds, "ignored");
	assert_int_equal(chmod(ds, 0666), 0);

	assert_int_equal(kext_bundle_authenticate(b, &err), -1);
	assert_int_equal(err.code, EPERM);
	assert_non_null(strstr(err.msg, f->kext));
	assert_non_null(strstr(err.msg, "4 files"));
	assert_true(auth_lists(b, KEXT_DIAG_OWNER_PERMISSIONS, plist,
	    "found owner 0:0, mode 0664"));
	assert_true(auth_lists(b, KEXT_DIAG_OWNER_PERMISSIONS, macos,
	    "found owner 1000:0, mode 0755"));
	assert_true(auth_lists(b, KEXT_DIAG_OWNER_PERMISSIONS, res,
	    "found owner 0:5, mode 0644"));
	assert_true(auth_lists(b, KEXT_DIAG_OWNER_PERMISSIONS, f->kext,
	    "found owner 0:0, mode 0757"));
	assert_int_equal(kext_diags_count(kext_bundle_diags(b),
	    KEXT_DIAG_MASK(KEXT_DIAG_AUTHENTICATION)), 4);
	assert_true(kext_diags_has_failures(kext_bundle_diags(b)));
	/* validation is a separate question */
	assert_true(kext_bundle_is_valid(b));

	/* fixed: authentic again, and the old failures are gone */
	fix_perms(f->kext);
	assert_int_equal(chmod(ds, 0666), 0);
	assert_int_equal(kext_bundle_authenticate(b, &err), 0);
	assert_int_equal(kext_diags_count(kext_bundle_diags(b),
	    KEXT_DIAG_MASK(KEXT_DIAG_AUTHENTICATION)), 0);
	kext_bundle_release(b);
	free(plist);
	free(macos);
	free(res);
	free(ds);
}

static void
test_plugins_not_entered(void **state)
{
	struct fixture *f = *state;
	struct kext_bundle *b;
	kext_error err;
	char *inner, *pdir;

	NEED_ROOT();
	b = open_fixed(f);
	inner = fx_fmt("%s/Contents/Info.plist", f->plugin);
	assert_int_equal(chmod(inner, 0666), 0);
	assert_int_equal(kext_bundle_authenticate(b, &err), 0);

	/* the PlugIns folder itself belongs to the bundle */
	pdir = fx_fmt("%s/Contents/PlugIns", f->kext);
	assert_int_equal(chmod(pdir, 0777), 0);
	assert_int_equal(kext_bundle_authenticate(b, &err), -1);
	assert_true(auth_lists(b, KEXT_DIAG_OWNER_PERMISSIONS, pdir, "mode 0777"));
	assert_false(auth_lists(b, KEXT_DIAG_OWNER_PERMISSIONS, inner, NULL));
	kext_bundle_release(b);
	free(inner);
	free(pdir);
}

static void
test_symlinks(void **state)
{
	struct fixture *f = *state;
	struct kext_bundle *b;
	kext_error err;
	char *inside, *outside, *dangling, *target;

	NEED_ROOT();
	b = open_fixed(f);
	inside = fx_fmt("%s/Contents/Resources/link", f->kext);
	assert_int_equal(symlink("../Info.plist", inside), 0);
	assert_int_equal(kext_bundle_authenticate(b, &err), 0);
	assert_true(kext_diags_contains(kext_bundle_diags(b), KEXT_DIAG_WARNING,
	    KEXT_DIAG_SYMLINK, inside));

	/* out of the bundle, or nowhere: authentication failures */
	target = fx_fmt("%s/elsewhere", f->dir);
	fx_write_text(target, "x");
	fix_perms(target);
	outside = fx_fmt("%s/Contents/Resources/out", f->kext);
	assert_int_equal(symlink(target, outside), 0);
	dangling = fx_fmt("%s/Contents/Resources/gone", f->kext);
	assert_int_equal(symlink("nowhere", dangling), 0);
	assert_int_equal(kext_bundle_authenticate(b, &err), -1);
	assert_true(auth_lists(b, KEXT_DIAG_SYMLINK_OUTSIDE, outside,
	    "outside the bundle"));
	assert_true(auth_lists(b, KEXT_DIAG_SYMLINK_OUTSIDE, dangling,
	    "can't be resolved"));
	kext_bundle_release(b);
	free(inside);
	free(outside);
	free(dangling);
	free(target);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_authentic, setup, teardown),
		cmocka_unit_test_setup_teardown(test_every_bad_path_listed, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_plugins_not_entered, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_symlinks, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
