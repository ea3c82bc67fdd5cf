/*
 * Dependency resolution and load plans: post-order with roots last, shared
 * dependencies, cycles, missing / incompatible / non-library libraries,
 * loaded kexts taking precedence (and never falling back), best versions,
 * invalid and inauthentic candidates skipped, stale index entries caught.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <string.h>

#include "kext/plan.h"
#include "test_bundle_fixture.h"

#define KERNEL "org.freebsd.kernel=14.0"

struct fixture {
	char *dir, *ext, *cache;
	struct kext_repos *repos;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char *k;

	f->dir = fx_tmpdir();
	f->ext = fx_fmt("%s/Extensions", f->dir);
	f->cache = fx_fmt("%s/cache", f->dir);
	k = fx_kernel(f->ext, "Kernel.kext", "org.freebsd.kernel", "14.2", "14.0");
	free(k);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	kext_repos_free(f->repos);
	scratch_dir_free(f->dir);
	free(f->ext);
	free(f->cache);
	free(f);
	return 0;
}

/* A kext in Extensions; returns nothing, the tests look kexts up by id. */
static void
lib(struct fixture *f, const char *id, const char *version, const char *compat,
    const char *libs)
{
	char name[96], *k;

	snprintf(name, sizeof(name), "%s-%s.kext", id, version);
	k = fx_lib(f->ext, name, id, version, compat, libs);
	free(k);
}

static struct kext_repos *
repos(struct fixture *f)
{
	kext_error err;

	kext_repos_free(f->repos);
	assert_int_equal(kext_repos_create(&f->repos, &err), 0);
	assert_int_equal(kext_repos_set_cache_dir(f->repos, f->cache, &err), 0);
	assert_int_equal(kext_repos_add_directory(f->repos, f->ext, KEXT_REPO_SYSTEM,
	    &err), 0);
	return f->repos;
}

static struct kext_plan *
plan(struct fixture *f, const struct kext_plan_options *opts)
{
	struct kext_plan *p;
	kext_error err;

	assert_int_equal(kext_plan_create(repos(f), opts, &p, &err), 0);
	return p;
}

/* The plan as "id,id,..." for compact assertions. */
static char *
order(const struct kext_plan *p)
{
	char *s = fx_fmt("%s", ""), *t;
	size_t i;

	for (i = 0; i < kext_plan_count(p); i++) {
		t = fx_fmt("%s%s%s", s, i ? "," : "", kext_plan_at(p, i)->identifier);
		free(s);
		s = t;
	}
	return s;
}

static void
assert_order(const struct kext_plan *p, const char *want)
{
	char *got = order(p);

	assert_string_equal(got, want);
	free(got);
}

static int
add_id(struct kext_plan *p, const char *id, kext_error *err)
{
	return kext_plan_add_identifier(p, id, err);
}

static void
graph(struct fixture *f)
{
	lib(f, "com.a", "1.0", NULL, "com.c=1.0,com.b=1.0");
	lib(f, "com.b", "1.0", "1.0", "com.d=1.0," KERNEL);
	lib(f, "com.c", "1.0", "1.0", "com.d=1.0");
	lib(f, "com.d", "1.0", "1.0", KERNEL);
	lib(f, "com.e", "2.0", NULL, "com.d=1.0,com.f=1.0");
	lib(f, "com.f", "1.0", "1.0", KERNEL);
}

static void
test_post_order(void **state)
{
	struct fixture *f = *state;
	struct kext_plan *p;
	const struct kext_plan_item *it;
	kext_error err;

	graph(f);
	p = plan(f, NULL);
	assert_int_equal(add_id(p, "com.a", &err), 0);
	assert_order(p, "org.freebsd.kernel,com.d,com.b,com.c,com.a");
	it = kext_plan_at(p, 0);
	assert_true(it->kernel_component);
	assert_false(it->loaded);
	assert_int_equal(it->ndeps, 0);
	assert_string_equal(it->version_string, "14.2");
	it = kext_plan_at(p, 2);		/* com.b: com.d, kernel */
	assert_int_equal(it->ndeps, 2);
	assert_int_equal(it->deps[0], 1);
	assert_int_equal(it->deps[1], 0);
	assert_false(it->root);
	assert_non_null(it->bundle);
	it = kext_plan_at(p, 4);		/* com.a: com.b, com.c */
	assert_true(it->root);
	assert_int_equal(it->ndeps, 2);
	assert_int_equal(it->deps[0], 2);
	assert_int_equal(it->deps[1], 3);
	assert_int_equal(kext_plan_find(p, "com.c"), 3);
	assert_int_equal(kext_plan_find(p, "com.zzz"), -1);
	assert_null(kext_plan_at(p, 5));
	kext_plan_free(p);
}

static void
test_roots_share_dependencies(void **state)
{
	struct fixture *f = *state;
	struct kext_plan *p;
	kext_error err;

	graph(f);
	p = plan(f, NULL);
	assert_int_equal(add_id(p, "com.a", &err), 0);
	assert_int_equal(add_id(p, "com.e", &err), 0);
	assert_order(p, "org.freebsd.kernel,com.d,com.b,com.c,com.a,com.f,com.e");
	/* a root already planned as a dependency becomes a root too */
	assert_false(kext_plan_at(p, 1)->root);
	assert_int_equal(add_id(p, "com.d", &err), 0);
	assert_true(kext_plan_at(p, 1)->root);
	assert_int_equal(kext_plan_count(p), 7);
	kext_plan_free(p);
}

static void
test_root_bundle_and_plist_reads(void **state)
{
	struct fixture *f = *state;
	struct kext_bundle *root;
	struct kext_plan *p;
	unsigned long before;
	kext_error err;
	char *path;

	graph(f);
	/* warm the index */
	p = plan(f, NULL);
	assert_int_equal(add_id(p, "com.f", &err), 0);
	kext_plan_free(p);

	path = fx_fmt("%s/com.a-1.0.kext", f->ext);
	p = plan(f, NULL);
	assert_int_equal(kext_repos_add_bundle(f->repos, path, KEXT_REPO_ARGUMENT, &root,
	    &err), 0);
	before = kext_info_plist_reads();
	assert_int_equal(kext_plan_add(p, root, &err), 0);
	/* only the chosen bundles were read: b, c, d and the kernel */
	assert_int_equal(kext_info_plist_reads() - before, 4);
	assert_order(p, "org.freebsd.kernel,com.d,com.b,com.c,com.a");
	assert_ptr_equal(kext_plan_at(p, 4)->bundle, root);
	kext_plan_free(p);
	free(path);
}

static void
test_cycle(void **state)
{
	struct fixture *f = *state;
	struct kext_plan *p;
	struct kext_bundle *z;
	kext_error err;

	lib(f, "com.x", "1.0", "1.0", "com.y=1.0");
	lib(f, "com.y", "1.0", "1.0", "com.z=1.0");
	lib(f, "com.z", "1.0", "1.0", "com.x=1.0");
	lib(f, "com.ok", "1.0", "1.0", KERNEL);
	p = plan(f, NULL);
	assert_int_equal(add_id(p, "com.ok", &err), 0);
	assert_int_equal(add_id(p, "com.x", &err), -1);
	assert_int_equal(err.code, ELOOP);
	assert_string_equal(err.msg, "com.x -> com.y -> com.z: circular dependency: "
	    "library com.x (requested 1.0) depends back on itself");
	/* a failed root leaves the plan as it was */
	assert_order(p, "org.freebsd.kernel,com.ok");
	kext_plan_free(p);
	/* the failure is recorded where it arose, and up the chain */
	{
		const struct kext_candidate **v;
		size_t n;

		assert_int_equal(kext_repos_lookup(f->repos, "com.z", &v, &n, &err), 0);
		assert_int_equal(kext_repos_open(f->repos, v[0], &z, &err), 0);
		assert_true(kext_diags_contains(kext_bundle_diags(z),
		    KEXT_DIAG_DEPENDENCY, KEXT_DIAG_DEP_CYCLE, NULL));
		free(v);
		assert_int_equal(kext_repos_lookup(f->repos, "com.x", &v, &n, &err), 0);
		assert_int_equal(kext_repos_open(f->repos, v[0], &z, &err), 0);
		assert_true(kext_diags_contains(kext_bundle_diags(z),
		    KEXT_DIAG_DEPENDENCY, KEXT_DIAG_DEP_INDIRECT, "com.y"));
		free(v);
	}
}

static void
test_self_dependency(void **state)
{
	struct fixture *f = *state;
	struct kext_plan *p;
	kext_error err;

	lib(f, "com.self", "1.0", "1.0", "com.self=1.0");
	p = plan(f, NULL);
	assert_int_equal(add_id(p, "com.self", &err), -1);
	assert_int_equal(err.code, ELOOP);
	assert_int_equal(kext_plan_count(p), 0);
	kext_plan_free(p);
}

static void
test_missing(void **state)
{
	struct fixture *f = *state;
	struct kext_plan *p;
	kext_error err;

	lib(f, "com.a", "1.0", NULL, "com.b=1.0");
	lib(f, "com.b", "1.0", "1.0", "com.c=1.0");
	lib(f, "com.c", "1.0", "1.0", "com.d=1.0," KERNEL);
	p = plan(f, NULL);
	assert_int_equal(add_id(p, "com.a", &err), -1);
	assert_int_equal(err.code, ENOENT);
	/* then where it looked, and how to look further */
	assert_memory_equal(err.msg, "com.a -> com.b -> com.c: no kext found for library com.d "
	    "(requested 1.0); searched ", 83);
	assert_non_null(strstr(err.msg, "/Extensions/; name its folder with -r DIR or the kext "
	    "with -d KEXT"));
	assert_int_equal(kext_plan_count(p), 0);
	kext_plan_free(p);
}

static void
test_incompatible_only(void **state)
{
	struct fixture *f = *state;
	struct kext_plan *p;
	kext_error err;
	char *want;

	lib(f, "com.l", "2.0", "2.0", KERNEL);
	lib(f, "com.old", "1.0", NULL, "com.l=1.0");
	lib(f, "com.new", "1.0", NULL, "com.l=3.0");
	p = plan(f, NULL);
	assert_int_equal(add_id(p, "com.old", &err), -1);
	want = fx_fmt("com.old: only incompatible kexts found for library com.l "
	    "(requested 1.0): 2.0 (compatible back to 2.0) at %s/com.l-2.0.kext",
	    f->ext);
	assert_string_equal(err.msg, want);
	free(want);
	/* asking for more than the current version is incompatible too */
	assert_int_equal(add_id(p, "com.new", &err), -1);
	assert_non_null(strstr(err.msg, "only incompatible kexts found for library "
	    "com.l (requested 3.0)"));
	kext_plan_free(p);
}

static void
test_not_a_library(void **state)
{
	struct fixture *f = *state;
	struct kext_plan *p;
	kext_error err;
	char *want;

	lib(f, "com.n", "1.0", NULL, KERNEL);
	lib(f, "com.user", "1.0", NULL, "com.n=1.0");
	p = plan(f, NULL);
	assert_int_equal(add_id(p, "com.user", &err), -1);
	want = fx_fmt("com.user: no library found for com.n (requested 1.0): 1.0 at "
	    "%s/com.n-1.0.kext is not a library (no valid OSBundleCompatibleVersion)",
	    f->ext);
	assert_string_equal(err.msg, want);
	free(want);
	kext_plan_free(p);
}

static void
test_best_compatible_version(void **state)
{
	struct fixture *f = *state;
	struct kext_plan *p;
	kext_error err;

	lib(f, "com.l", "1.0", "1.0", KERNEL);
	lib(f, "com.l", "1.5", "1.0", KERNEL);
	lib(f, "com.l", "2.0", "2.0", KERNEL);
	lib(f, "com.user", "1.0", NULL, "com.l=1.2");
	lib(f, "com.user2", "1.0", NULL, "com.l=2.0");
	p = plan(f, NULL);
	assert_int_equal(add_id(p, "com.user", &err), 0);
	assert_string_equal(kext_plan_at(p, kext_plan_find(p, "com.l"))->version_string,
	    "1.5");
	kext_plan_free(p);
	p = plan(f, NULL);
	assert_int_equal(add_id(p, "com.user2", &err), 0);
	assert_string_equal(kext_plan_at(p, kext_plan_find(p, "com.l"))->version_string,
	    "2.0");
	kext_plan_free(p);
}

static void
test_one_version_per_identifier(void **state)
{
	struct fixture *f = *state;
	struct kext_plan *p;
	kext_error err;

	lib(f, "com.l", "1.0", "1.0", KERNEL);
	lib(f, "com.l", "2.0", "2.0", KERNEL);
	lib(f, "com.one", "1.0", NULL, "com.l=1.0");
	lib(f, "com.two", "1.0", NULL, "com.l=2.0");
	p = plan(f, NULL);
	assert_int_equal(add_id(p, "com.one", &err), 0);
	assert_int_equal(add_id(p, "com.two", &err), -1);
	assert_int_equal(err.code, EINVAL);
	assert_non_null(strstr(err.msg, "com.two: library com.l (requested 2.0) is "
	    "already planned at version 1.0 from "));
	assert_order(p, "org.freebsd.kernel,com.l,com.one");
	kext_plan_free(p);
}

static void
test_invalid_candidates_skipped(void **state)
{
	struct fixture *f = *state;
	struct kext_plan *p;
	kext_error err;
	char *exe;

	lib(f, "com.l", "1.5", "1.0", KERNEL);
	lib(f, "com.l", "2.0", "1.0", KERNEL);
	lib(f, "com.user", "1.0", NULL, "com.l=1.0");
	/* the best one has lost its executable: invalid */
	exe = fx_fmt("%s/com.l-2.0.kext/Contents/MacOS/exe.ko", f->ext);
	assert_int_equal(unlink(exe), 0);
	p = plan(f, NULL);
	assert_int_equal(add_id(p, "com.user", &err), 0);
	assert_string_equal(kext_plan_at(p, kext_plan_find(p, "com.l"))->version_string,
	    "1.5");
	kext_plan_free(p);
	/* nothing valid left */
	free(exe);
	exe = fx_fmt("%s/com.l-1.5.kext/Contents/MacOS/exe.ko", f->ext);
	assert_int_equal(unlink(exe), 0);
	p = plan(f, NULL);
	assert_int_equal(add_id(p, "com.user", &err), -1);
	assert_non_null(strstr(err.msg, "com.user: no valid kext found for library "
	    "com.l (requested 1.0): "));
	assert_non_null(strstr(err.msg, "com.l-2.0.kext is invalid"));
	assert_non_null(strstr(err.msg, "com.l-1.5.kext is invalid"));
	kext_plan_free(p);
	free(exe);
}

static void
test_loaded_takes_precedence(void **state)
{
	struct fixture *f = *state;
	struct kext_loaded loaded[] = {
		{ "com.d", 0, 0 },
		{ "org.freebsd.kernel", 0, 0 },
	};
	struct kext_plan_options opts = { loaded, 2, false };
	const struct kext_plan_item *it;
	struct kext_plan *p;
	kext_error err;

	graph(f);
	/* a higher compatible com.d on disk must not matter */
	lib(f, "com.d", "1.9", "1.0", KERNEL);
	loaded[0].version = kext_version_parse("1.2");
	loaded[0].compatible_version = kext_version_parse("1.0");
	loaded[1].version = kext_version_parse("14.2");
	loaded[1].compatible_version = kext_version_parse("14.0");
	p = plan(f, &opts);
	assert_int_equal(add_id(p, "com.a", &err), 0);
	assert_order(p, "com.d,org.freebsd.kernel,com.b,com.c,com.a");
	it = kext_plan_at(p, 0);
	assert_true(it->loaded);
	assert_null(it->bundle);
	assert_string_equal(it->version_string, "1.2");
	assert_int_equal(it->ndeps, 0);		/* not followed: it is loaded */
	assert_true(kext_plan_at(p, 1)->loaded);
	/* the repositories know it as the kernel: never to be loaded */
	assert_true(kext_plan_at(p, 1)->kernel_component);
	assert_false(kext_plan_at(p, 0)->kernel_component);
	assert_false(kext_plan_at(p, 2)->loaded);

	/* kextload -b of a loaded kext: nothing to do */
	assert_int_equal(add_id(p, "com.d", &err), 0);
	assert_true(kext_plan_at(p, 0)->root);
	kext_plan_free(p);
}

static void
test_loaded_incompatible_no_fallback(void **state)
{
	struct fixture *f = *state;
	struct kext_loaded loaded[] = { { "com.d", 0, 0 } };
	struct kext_plan_options opts = { loaded, 1, false };
	struct kext_plan *p;
	kext_error err;

	graph(f);
	loaded[0].version = kext_version_parse("0.5");
	loaded[0].compatible_version = kext_version_parse("0.5");
	p = plan(f, &opts);
	assert_int_equal(add_id(p, "com.c", &err), -1);
	assert_string_equal(err.msg, "com.c: loaded kext com.d 0.5 (compatible back "
	    "to 0.5) is not compatible with library com.d (requested 1.0); unload it "
	    "first");
	kext_plan_free(p);

	/* loaded, but not a library */
	loaded[0].version = kext_version_parse("1.0");
	loaded[0].compatible_version = 0;
	p = plan(f, &opts);
	assert_int_equal(add_id(p, "com.c", &err), -1);
	assert_non_null(strstr(err.msg, "com.c: loaded kext com.d 1.0 is not a library"));
	kext_plan_free(p);
}

static void
test_loaded_root(void **state)
{
	struct fixture *f = *state;
	struct kext_loaded loaded[] = { { "com.f", 0, 0 } };
	struct kext_plan_options opts = { loaded, 1, false };
	struct kext_plan *p;
	kext_error err;

	graph(f);
	loaded[0].version = kext_version_parse("1.0");
	loaded[0].compatible_version = kext_version_parse("1.0");
	p = plan(f, &opts);
	assert_int_equal(add_id(p, "com.f", &err), 0);
	assert_order(p, "com.f");
	assert_true(kext_plan_at(p, 0)->loaded);
	assert_true(kext_plan_at(p, 0)->root);
	kext_plan_free(p);

	/* another version loaded: only one version of an identifier can be */
	loaded[0].version = kext_version_parse("0.9");
	p = plan(f, &opts);
	{
		struct kext_bundle *b;
		char *path = fx_fmt("%s/com.f-1.0.kext", f->ext);

		assert_int_equal(kext_repos_add_bundle(f->repos, path,
		    KEXT_REPO_ARGUMENT, &b, &err), 0);
		assert_int_equal(kext_plan_add(p, b, &err), -1);
		assert_int_equal(err.code, EEXIST);
		assert_non_null(strstr(err.msg, "com.f version 0.9 is already loaded; "
		    "can't load version 1.0"));
		free(path);
	}
	kext_plan_free(p);
}

static void
test_roots_by_identifier(void **state)
{
	struct fixture *f = *state;
	struct kext_plan *p;
	kext_error err;
	char *exe;

	lib(f, "com.r", "1.0", NULL, KERNEL);
	lib(f, "com.r", "2.0", NULL, KERNEL);
	p = plan(f, NULL);
	assert_int_equal(add_id(p, "com.r", &err), 0);
	assert_string_equal(kext_plan_at(p, 1)->version_string, "2.0");
	assert_int_equal(add_id(p, "com.none", &err), -1);
	assert_int_equal(err.code, ENOENT);
	assert_memory_equal(err.msg, "com.none: no kext found with this identifier; searched ",
	    55);
	kext_plan_free(p);
	/* the best valid one */
	exe = fx_fmt("%s/com.r-2.0.kext/Contents/MacOS/exe.ko", f->ext);
	assert_int_equal(unlink(exe), 0);
	free(exe);
	p = plan(f, NULL);
	assert_int_equal(add_id(p, "com.r", &err), 0);
	assert_string_equal(kext_plan_at(p, 1)->version_string, "1.0");
	kext_plan_free(p);
}

static void
test_invalid_root(void **state)
{
	struct fixture *f = *state;
	struct kext_bundle *b;
	struct kext_plan *p;
	kext_error err;
	char *k;

	k = fx_kext_raw(f->dir, "Bad.kext", "<key>CFBundlePackageType</key>"
	    "<string>KEXT</string><key>CFBundleIdentifier</key><string>com.bad"
	    "</string><key>CFBundleVersion</key><string>x</string>", NULL);
	assert_int_equal(kext_bundle_open(k, &b, &err), 0);
	p = plan(f, NULL);
	assert_int_equal(kext_plan_add(p, b, &err), -1);
	assert_int_equal(err.code, EINVAL);
	/* A validation failure is named as one, not as a dependency problem. */
	assert_non_null(strstr(err.msg, "Bad.kext: kext is invalid: Info dictionary property "
	    "value is illegal: CFBundleVersion"));
	assert_null(strstr(err.msg, "resolve dependencies"));
	kext_bundle_release(b);
	kext_plan_free(p);
	free(k);
}

static void
test_diagnostics_recorded(void **state)
{
	struct fixture *f = *state;
	const struct kext_candidate **v;
	struct kext_bundle *b;
	struct kext_plan *p;
	kext_error err;
	size_t n;

	lib(f, "com.a", "1.0", NULL, "com.b=1.0");
	lib(f, "com.b", "1.0", "1.0", "com.gone=2.0," KERNEL);
	p = plan(f, NULL);
	assert_int_equal(add_id(p, "com.a", &err), -1);
	assert_int_equal(kext_repos_lookup(f->repos, "com.b", &v, &n, &err), 0);
	assert_int_equal(kext_repos_open(f->repos, v[0], &b, &err), 0);
	assert_true(kext_diags_contains(kext_bundle_diags(b), KEXT_DIAG_DEPENDENCY,
	    KEXT_DIAG_DEP_NOT_FOUND, "com.gone - no kext found for library com.gone "
	    "(requested 2.0)"));
	free(v);
	assert_int_equal(kext_repos_lookup(f->repos, "com.a", &v, &n, &err), 0);
	assert_int_equal(kext_repos_open(f->repos, v[0], &b, &err), 0);
	assert_true(kext_diags_contains(kext_bundle_diags(b), KEXT_DIAG_DEPENDENCY,
	    KEXT_DIAG_DEP_INDIRECT, "com.b"));
	free(v);
	kext_plan_free(p);
}

static void
boot_kext(struct fixture *f, const char *id, const char *required, const char *libs)
{
	char name[64], *extra, *k;
	struct fx_spec s = { id, "1.0", "1.0", libs, "exe.ko", false, NULL };

	snprintf(name, sizeof(name), "%s.kext", id);
	extra = required != NULL ? fx_fmt("<key>OSBundleRequired</key><string>%s"
	    "</string>\n", required) : NULL;
	s.extra = extra;
	k = fx_kext(f->ext, name, &s);
	free(k);
	free(extra);
}

static bool
boot_warning(struct kext_plan *p, const char *root, const char *value)
{
	const struct kext_plan_item *it = kext_plan_at(p, kext_plan_find(p, root));

	return kext_diags_contains(kext_bundle_diags(it->bundle), KEXT_DIAG_WARNING,
	    KEXT_DIAG_DEP_REQUIRED, value);
}

static void
test_boot_level_warnings(void **state)
{
	struct fixture *f = *state;
	struct kext_plan *p;
	kext_error err;

	boot_kext(f, "com.none", NULL, KERNEL);
	boot_kext(f, "com.safe", "Safe Boot", KERNEL);
	boot_kext(f, "com.root", "Root", KERNEL);
	boot_kext(f, "com.net", "Network-Root", KERNEL);
	boot_kext(f, "com.console", "Console", "com.root=1.0,com.mid=1.0");
	boot_kext(f, "com.mid", "Root", "com.none=1.0,com.safe=1.0");
	boot_kext(f, "com.local", "Local-Root", "com.root=1.0,com.net=1.0");
	boot_kext(f, "com.plain", NULL, "com.none=1.0");
	p = plan(f, NULL);
	assert_int_equal(add_id(p, "com.console", &err), 0);
	/* indirect dependencies count too; the kernel component does not */
	assert_true(boot_warning(p, "com.console", "com.none - expected "
	    "OSBundleRequired a value other than \"Safe Boot\", found nothing"));
	assert_true(boot_warning(p, "com.console", "com.safe - expected "
	    "OSBundleRequired a value other than \"Safe Boot\", found \"Safe Boot\""));
	assert_false(boot_warning(p, "com.console", "com.root - expected "
	    "OSBundleRequired a value other than \"Safe Boot\", found \"Root\""));
	assert_int_equal(kext_diags_count(kext_bundle_diags(kext_plan_at(p,
	    kext_plan_find(p, "com.console"))->bundle), KEXT_DIAG_ALL), 2);
	assert_int_equal(add_id(p, "com.local", &err), 0);
	assert_true(boot_warning(p, "com.local", "com.net - expected OSBundleRequired "
	    "\"Root\", \"Local-Root\" or \"Console\", found \"Network-Root\""));
	assert_int_equal(kext_diags_count(kext_bundle_diags(kext_plan_at(p,
	    kext_plan_find(p, "com.local"))->bundle), KEXT_DIAG_ALL), 1);
	/* a kext not needed early asks nothing of its dependencies */
	assert_int_equal(add_id(p, "com.plain", &err), 0);
	assert_int_equal(kext_diags_count(kext_bundle_diags(kext_plan_at(p,
	    kext_plan_find(p, "com.plain"))->bundle), KEXT_DIAG_ALL), 0);
	kext_plan_free(p);
}

/* Rewrites a plist in place keeping its size and times: the index can't tell. */
static void
sneaky_rewrite(struct fixture *f, const char *name, const char *id,
    const char *version, const char *compat)
{
	char *plist = fx_fmt("%s/%s/Contents/Info.plist", f->ext, name), *k;
	struct stat st;

	assert_int_equal(stat(plist, &st), 0);
	k = fx_lib(f->ext, name, id, version, compat, KERNEL);
	assert_int_equal(fx_restore_times(plist, &st), 0);
	assert_int_equal(stat(plist, &st), 0);
	free(k);
	free(plist);
}

static void
test_stale_index_never_misleads(void **state)
{
	struct fixture *f = *state;
	struct kext_plan *p;
	kext_error err;

	lib(f, "com.l", "1.0", "1.0", KERNEL);
	lib(f, "com.user", "1.0", NULL, "com.l=1.0");
	p = plan(f, NULL);
	assert_int_equal(add_id(p, "com.user", &err), 0);	/* index written */
	kext_plan_free(p);
	/* com.l becomes 2.0 (compatible back to 2.0) without the stamp changing */
	sneaky_rewrite(f, "com.l-1.0.kext", "com.l", "2.0", "2.0");
	p = plan(f, NULL);
	assert_int_equal(add_id(p, "com.user", &err), -1);
	assert_non_null(strstr(err.msg, "only incompatible kexts found for library "
	    "com.l (requested 1.0): 2.0 (compatible back to 2.0)"));
	kext_plan_free(p);
}

static void
test_authenticate_option(void **state)
{
	struct fixture *f = *state;
	struct kext_plan_options opts = { NULL, 0, true };
	struct kext_plan *p;
	kext_error err;
	char *plist;

	if (geteuid() != 0) {
		print_message("authentication needs root to chown files; skipped\n");
		skip();
	}
	lib(f, "com.l", "1.0", "1.0", KERNEL);
	lib(f, "com.l", "2.0", "1.0", KERNEL);
	lib(f, "com.user", "1.0", NULL, "com.l=1.0");
	/* fixture files are root's; make the best library group-writable */
	plist = fx_fmt("%s/com.l-2.0.kext/Contents/Info.plist", f->ext);
	assert_int_equal(chmod(plist, 0664), 0);
	p = plan(f, &opts);
	assert_int_equal(add_id(p, "com.user", &err), 0);
	assert_string_equal(kext_plan_at(p, kext_plan_find(p, "com.l"))->version_string,
	    "1.0");
	kext_plan_free(p);
	/* an inauthentic root is refused outright */
	free(plist);
	plist = fx_fmt("%s/com.user-1.0.kext/Contents/Info.plist", f->ext);
	assert_int_equal(chmod(plist, 0666), 0);
	p = plan(f, &opts);
	assert_int_equal(add_id(p, "com.user", &err), -1);
	assert_non_null(strstr(err.msg, "com.user: no valid kext with this "
	    "identifier"));
	/* the reason names the failing file */
	assert_non_null(strstr(err.msg, "authentication failure: 1 file"));
	assert_non_null(strstr(err.msg, plist));
	kext_plan_free(p);
	free(plist);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_post_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_roots_share_dependencies, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_root_bundle_and_plist_reads, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_cycle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_self_dependency, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_incompatible_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_a_library, setup, teardown),
		cmocka_unit_test_setup_teardown(test_best_compatible_version, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_one_version_per_identifier, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_invalid_candidates_skipped, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_loaded_takes_precedence, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_loaded_incompatible_no_fallback,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_loaded_root, setup, teardown),
		cmocka_unit_test_setup_teardown(test_roots_by_identifier, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid_root, setup, teardown),
		cmocka_unit_test_setup_teardown(test_diagnostics_recorded, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_stale_index_never_misleads, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_boot_level_warnings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_authenticate_option, setup,
		    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
