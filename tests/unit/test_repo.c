/*
 * Repository sets: scanning folders (kexts plus one level of plugins),
 * identifier look-ups ordered by version then by how recently the source was
 * added (-d > -r > arguments > system folders), duplicates, unreadable kexts.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "kext/repo.h"
#include "test_bundle_fixture.h"

static struct kext_repos *
new_repos(const char *dir)
{
	struct kext_repos *r;
	kext_error err;
	char *cache = fx_fmt("%s/cache", dir);

	assert_int_equal(kext_repos_create(&r, &err), 0);
	assert_int_equal(kext_repos_set_cache_dir(r, cache, &err), 0);
	free(cache);
	return r;
}

static void
lookup(struct kext_repos *r, const char *id, const struct kext_candidate ***v,
    size_t *n)
{
	kext_error err;

	assert_int_equal(kext_repos_lookup(r, id, v, n, &err), 0);
}

static void
test_priority_order(void **state)
{
	const char *dir = *state;
	char *sys = fx_fmt("%s/sys", dir), *rdir = fx_fmt("%s/r", dir);
	char *args = fx_fmt("%s/args", dir), *deps = fx_fmt("%s/deps", dir);
	char *sysa, *ra, *rc, *x, *d, *z3, *z2;
	const struct kext_candidate **v;
	struct kext_bundle *b;
	struct kext_repos *r;
	kext_error err;
	size_t n;

	sysa = fx_lib(sys, "A.kext", "com.x", "1.0", "1.0", NULL);
	z3 = fx_lib(sys, "Z.kext", "com.z", "3.0", "1.0", NULL);
	ra = fx_lib(rdir, "A.kext", "com.x", "1.0", "1.0", NULL);
	rc = fx_lib(rdir, "C.kext", "com.x", "0.9", "0.9", NULL);
	x = fx_lib(args, "X.kext", "com.x", "1.0", "1.0", NULL);
	d = fx_lib(deps, "D.kext", "com.x", "1.0", "1.0", NULL);
	z2 = fx_lib(deps, "Z.kext", "com.z", "2.0", "1.0", NULL);

	r = new_repos(dir);
	/* the order tools use: system folders, arguments, -r, -d */
	assert_int_equal(kext_repos_add_directory(r, sys, KEXT_REPO_SYSTEM, &err), 0);
	assert_int_equal(kext_repos_add_bundle(r, x, KEXT_REPO_ARGUMENT, &b, &err), 0);
	assert_string_equal(kext_bundle_path(b), x);
	assert_int_equal(kext_repos_add_directory(r, rdir, KEXT_REPO_DIRECTORY, &err), 0);
	assert_int_equal(kext_repos_add_bundle(r, d, KEXT_REPO_DEPENDENCY, NULL, &err), 0);
	assert_int_equal(kext_repos_add_bundle(r, z2, KEXT_REPO_DEPENDENCY, NULL, &err),
	    0);

	lookup(r, "com.x", &v, &n);
	assert_int_equal(n, 5);
	assert_string_equal(v[0]->bundle_path, d);
	assert_int_equal(v[0]->kind, KEXT_REPO_DEPENDENCY);
	assert_string_equal(v[1]->bundle_path, ra);
	assert_int_equal(v[1]->kind, KEXT_REPO_DIRECTORY);
	assert_string_equal(v[2]->bundle_path, x);
	assert_int_equal(v[2]->kind, KEXT_REPO_ARGUMENT);
	assert_string_equal(v[3]->bundle_path, sysa);
	assert_int_equal(v[3]->kind, KEXT_REPO_SYSTEM);
	assert_string_equal(v[3]->repository, sys);
	assert_string_equal(v[4]->bundle_path, rc);	/* lower version last */
	assert_string_equal(v[4]->version_string, "0.9");
	assert_int_equal(v[0]->version, kext_version_parse("1.0"));
	assert_int_equal(v[0]->compatible_version, kext_version_parse("1.0"));
	assert_string_equal(v[0]->identifier, "com.x");
	free(v);

	/* a higher version wins wherever it is */
	lookup(r, "com.z", &v, &n);
	assert_int_equal(n, 2);
	assert_string_equal(v[0]->bundle_path, z3);
	assert_string_equal(v[1]->bundle_path, z2);
	free(v);

	lookup(r, "com.nothing", &v, &n);
	assert_int_equal(n, 0);
	assert_null(v);

	/* two versions of com.x in one folder: kept, and reported */
	assert_int_equal(kext_diags_count(kext_repos_diags(r), KEXT_DIAG_ALL), 1);
	assert_true(kext_diags_contains(kext_repos_diags(r), KEXT_DIAG_WARNING,
	    KEXT_DIAG_DUPLICATE_ID, NULL));
	kext_repos_free(r);
	free(sys), free(rdir), free(args), free(deps);
	free(sysa), free(ra), free(rc), free(x), free(d), free(z3), free(z2);
}

static void
test_duplicates_kept(void **state)
{
	const char *dir = *state;
	char *repo = fx_fmt("%s/dup", dir), *d1, *d2, *value;
	const struct kext_candidate **v;
	struct kext_repos *r;
	kext_error err;
	size_t n;

	d1 = fx_lib(repo, "Dup1.kext", "com.dup", "1.0", "1.0", NULL);
	d2 = fx_lib(repo, "Dup2.kext", "com.dup", "1.0", "1.0", NULL);
	r = new_repos(dir);
	assert_int_equal(kext_repos_add_directory(r, repo, KEXT_REPO_DIRECTORY, &err), 0);
	lookup(r, "com.dup", &v, &n);
	assert_int_equal(n, 2);
	assert_string_equal(v[0]->bundle_path, d2);	/* later in the folder */
	assert_string_equal(v[1]->bundle_path, d1);
	free(v);
	value = fx_fmt("com.dup - in %s: %s, %s", repo, d1, d2);
	assert_true(kext_diags_contains(kext_repos_diags(r), KEXT_DIAG_WARNING,
	    KEXT_DIAG_DUPLICATE_ID, value));
	free(value);
	kext_repos_free(r);
	free(repo), free(d1), free(d2);
}

static void
test_plugins_one_level(void **state)
{
	const char *dir = *state;
	char *repo = fx_fmt("%s/plug", dir), *p, *pdir, *q, *qdir, *rr, *e, *edir, *ep;
	char *nota;
	struct fx_spec outer = { "com.p", "1.0", NULL, NULL, NULL, false, NULL };
	const struct kext_candidate **v;
	struct kext_repos *r;
	kext_error err;
	size_t n;

	p = fx_kext(repo, "P.kext", &outer);
	pdir = fx_fmt("%s/Contents/PlugIns", p);
	q = fx_lib(pdir, "Q.kext", "com.q", "1.0", "1.0", NULL);
	qdir = fx_fmt("%s/Contents/PlugIns", q);
	rr = fx_lib(qdir, "R.kext", "com.r", "1.0", "1.0", NULL);
	/* an explicitly named bundle brings its plugins too */
	e = fx_kext(dir, "E.kext", &outer);
	edir = fx_fmt("%s/Contents/PlugIns", e);
	ep = fx_lib(edir, "EP.kext", "com.ep", "1.0", "1.0", NULL);
	fx_mkdirs(repo);
	nota = fx_fmt("%s/NotAKext.bundle", repo);
	fx_write_text(nota, "");
	free(nota);

	r = new_repos(dir);
	assert_int_equal(kext_repos_add_directory(r, repo, KEXT_REPO_SYSTEM, &err), 0);
	assert_int_equal(kext_repos_add_bundle(r, e, KEXT_REPO_ARGUMENT, NULL, &err), 0);
	lookup(r, "com.q", &v, &n);
	assert_int_equal(n, 1);
	assert_true(v[0]->plugin);
	assert_string_equal(v[0]->bundle_path, q);
	free(v);
	lookup(r, "com.r", &v, &n);	/* plugins of plugins are not scanned */
	assert_int_equal(n, 0);
	lookup(r, "com.ep", &v, &n);
	assert_int_equal(n, 1);
	assert_true(v[0]->plugin);
	assert_int_equal(v[0]->kind, KEXT_REPO_ARGUMENT);
	free(v);
	lookup(r, "com.p", &v, &n);
	assert_int_equal(n, 2);
	assert_false(v[0]->plugin);
	free(v);
	assert_int_equal(kext_repos_all(r, &v, &n, &err), 0);
	assert_int_equal(n, 4);		/* P, Q, E, EP */
	free(v);
	kext_repos_free(r);
	free(repo), free(p), free(pdir), free(q), free(qdir), free(rr);
	free(e), free(edir), free(ep);
}

static void
test_unreadable_kexts_reported(void **state)
{
	const char *dir = *state;
	char *repo = fx_fmt("%s/bad", dir), *good, *plist, *file, *value;
	const struct kext_candidate **v;
	const struct kext_diags *d;
	const struct kext_diag *x;
	struct kext_repos *r;
	kext_error err;
	size_t n, i;
	bool named = false;

	good = fx_lib(repo, "Good.kext", "com.good", "1.0", "1.0", NULL);
	plist = fx_fmt("%s/Broken.kext/Contents/Info.plist", repo);
	fx_write_text(plist, "<?xml version=\"1.0\"?>\n<plist>\n<dict>\n<key>x"
	    "</dict>\n</plist>\n");
	file = fx_fmt("%s/File.kext", repo);
	fx_write_text(file, "");
	r = new_repos(dir);
	assert_int_equal(kext_repos_add_directory(r, repo, KEXT_REPO_SYSTEM, &err), 0);
	lookup(r, "com.good", &v, &n);
	assert_int_equal(n, 1);
	free(v);
	d = kext_repos_diags(r);
	assert_int_equal(kext_diags_count(d, KEXT_DIAG_ALL), 2);
	for (i = 0; (x = kext_diags_at(d, i)) != NULL; i++) {
		assert_int_equal(x->category, KEXT_DIAG_WARNING);
		assert_string_equal(x->message, KEXT_DIAG_UNREADABLE_KEXT);
		if (strstr(x->value, plist) != NULL && strstr(x->value, "line") != NULL)
			named = true;
	}
	assert_true(named);
	value = fx_fmt("%s: not a directory", file);
	assert_true(kext_diags_contains(d, KEXT_DIAG_WARNING,
	    KEXT_DIAG_UNREADABLE_KEXT, value));
	free(value);
	kext_repos_free(r);
	free(repo), free(good), free(plist), free(file);
}

static void
test_add_errors(void **state)
{
	const char *dir = *state;
	struct kext_bundle *b = (void *)1;
	struct kext_repos *r = new_repos(dir);
	char *missing = fx_fmt("%s/missing", dir), *file = fx_fmt("%s/file", dir);
	char *kext = fx_fmt("%s/Nope.kext", dir);
	kext_error err;

	fx_write_text(file, "");
	assert_int_equal(kext_repos_add_directory(r, missing, KEXT_REPO_DIRECTORY,
	    &err), -1);
	assert_int_equal(err.code, ENOENT);
	assert_non_null(strstr(err.msg, missing));
	assert_int_equal(kext_repos_add_directory(r, file, KEXT_REPO_DIRECTORY, &err),
	    -1);
	assert_int_equal(err.code, ENOTDIR);
	assert_int_equal(kext_repos_add_bundle(r, kext, KEXT_REPO_ARGUMENT, &b, &err),
	    -1);
	assert_null(b);
	assert_non_null(strstr(err.msg, kext));
	assert_int_equal(kext_repos_refresh(r, &err), 0);
	kext_repos_free(r);
	free(missing), free(file), free(kext);
}

static void
test_cache_dir_settings(void **state)
{
	const char *dir = *state;
	struct kext_repos *r;
	kext_error err;
	char *env = fx_fmt("%s/envcache", dir), *def;

	assert_int_equal(setenv(KEXT_CACHE_DIR_ENV, env, 1), 0);
	assert_int_equal(kext_repos_create(&r, &err), 0);
	assert_string_equal(kext_repos_cache_dir(r), env);
	assert_int_equal(kext_repos_set_cache_dir(r, NULL, &err), 0);
	assert_null(kext_repos_cache_dir(r));
	kext_repos_free(r);
	/* empty: no cache */
	assert_int_equal(setenv(KEXT_CACHE_DIR_ENV, "", 1), 0);
	assert_int_equal(kext_repos_create(&r, &err), 0);
	assert_null(kext_repos_cache_dir(r));
	kext_repos_free(r);
	assert_int_equal(unsetenv(KEXT_CACHE_DIR_ENV), 0);
	def = kext_cache_dir_default();
#ifdef __FreeBSD__
	assert_string_equal(def, "/var/db/kext");
#else
	assert_int_equal(setenv("XDG_CACHE_HOME", "/x/cache", 1), 0);
	free(def);
	def = kext_cache_dir_default();
	assert_string_equal(def, "/x/cache/kext");
	assert_int_equal(unsetenv("XDG_CACHE_HOME"), 0);
#endif
	free(def);
	free(env);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_priority_order,
		    scratch_dir_setup, scratch_dir_teardown),
		cmocka_unit_test_setup_teardown(test_duplicates_kept,
		    scratch_dir_setup, scratch_dir_teardown),
		cmocka_unit_test_setup_teardown(test_plugins_one_level,
		    scratch_dir_setup, scratch_dir_teardown),
		cmocka_unit_test_setup_teardown(test_unreadable_kexts_reported,
		    scratch_dir_setup, scratch_dir_teardown),
		cmocka_unit_test_setup_teardown(test_add_errors,
		    scratch_dir_setup, scratch_dir_teardown),
		cmocka_unit_test_setup_teardown(test_cache_dir_settings,
		    scratch_dir_setup, scratch_dir_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
