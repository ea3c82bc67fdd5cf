/* Opening kext bundles: layouts, Info.plist errors, accessors, diagnostics text. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "kext/bundle.h"
#include "test_bundle_fixture.h"

static void
test_open_accessors(void **state)
{
	const char *dir = *state;
	struct fx_spec s = { "org.example.foo", "1.2.3b4", "1.0",
	    "org.freebsd.kernel=14.0,com.b.lib=2.0,com.a.lib=1.0", "foo.ko", false,
	    "\t<key>OSBundleRequired</key><string>Local-Root</string>\n" };
	char *kext = fx_kext(dir, "Foo.kext", &s), *link, *p;
	const struct kext_library *lib;
	struct kext_bundle *b;
	unsigned long reads = kext_info_plist_reads();
	kext_error err;
	CFTypeRef v;

	/* through a symlink and a trailing slash: the canonical path is kept */
	link = fx_fmt("%s/Link.kext", dir);
	assert_int_equal(symlink(kext, link), 0);
	p = fx_fmt("%s/", link);
	assert_int_equal(kext_bundle_open(p, &b, &err), 0);
	assert_int_equal(kext_info_plist_reads(), reads + 1);
	assert_string_equal(kext_bundle_path(b), kext);
	free(p);
	p = fx_fmt("%s/Contents/Info.plist", kext);
	assert_string_equal(kext_bundle_info_plist_path(b), p);
	free(p);
	assert_string_equal(kext_bundle_identifier(b), "org.example.foo");
	assert_string_equal(kext_bundle_version_string(b), "1.2.3b4");
	assert_int_equal(kext_bundle_version(b), kext_version_parse("1.2.3b4"));
	assert_string_equal(kext_bundle_compatible_version_string(b), "1.0");
	assert_int_equal(kext_bundle_compatible_version(b), kext_version_parse("1.0"));
	assert_true(kext_bundle_is_library(b));
	assert_false(kext_bundle_is_kernel_component(b));
	assert_false(kext_bundle_is_plugin(b));
	assert_string_equal(kext_bundle_executable_name(b), "foo.ko");
	p = fx_fmt("%s/Contents/MacOS/foo.ko", kext);
	assert_string_equal(kext_bundle_executable_path(b), p);
	free(p);
	assert_string_equal(kext_bundle_required(b), "Local-Root");
	/* libraries come sorted by identifier */
	assert_int_equal(kext_bundle_library_count(b), 3);
	lib = kext_bundle_library_at(b, 0);
	assert_string_equal(lib->identifier, "com.a.lib");
	assert_string_equal(lib->version_string, "1.0");
	assert_int_equal(lib->version, kext_version_parse("1.0"));
	assert_string_equal(kext_bundle_library_at(b, 1)->identifier, "com.b.lib");
	assert_string_equal(kext_bundle_library_at(b, 2)->identifier,
	    "org.freebsd.kernel");
	assert_null(kext_bundle_library_at(b, 3));
	assert_int_equal(kext_bundle_plugin_count(b), 0);
	assert_true(kext_bundle_is_valid(b));
	assert_int_equal(kext_diags_count(kext_bundle_diags(b), KEXT_DIAG_ALL), 0);
	v = CFDictionaryGetValue(kext_bundle_info_dictionary(b),
	    CFSTR("CFBundleIdentifier"));
	assert_non_null(v);
	assert_true(CFEqual(v, CFSTR("org.example.foo")));
	kext_bundle_release(b);
	free(link);
	free(kext);
}

static void
test_retain_release(void **state)
{
	struct fx_spec s = { "org.example.codeless", "1.0", NULL, NULL, NULL, false, NULL };
	char *kext = fx_kext(*state, "C.kext", &s);
	struct kext_bundle *b;
	kext_error err;

	assert_int_equal(kext_bundle_open(kext, &b, &err), 0);
	assert_ptr_equal(kext_bundle_retain(b), b);
	kext_bundle_release(b);
	assert_string_equal(kext_bundle_identifier(b), "org.example.codeless");
	assert_null(kext_bundle_executable_path(b));
	assert_null(kext_bundle_executable_name(b));
	assert_false(kext_bundle_is_library(b));
	assert_true(kext_bundle_is_valid(b));
	kext_bundle_release(b);
	free(kext);
}

static void
test_open_errors(void **state)
{
	const char *dir = *state;
	struct kext_bundle *b = (void *)1;
	kext_error err;
	char *p;

	/* the name must end in .kext */
	p = fx_fmt("%s/Foo.bundle", dir);
	fx_mkdirs(p);
	assert_int_equal(kext_bundle_open(p, &b, &err), -1);
	assert_null(b);
	assert_int_equal(err.code, EINVAL);
	assert_non_null(strstr(err.msg, "Foo.bundle"));
	assert_non_null(strstr(err.msg, ".kext"));
	free(p);
	assert_int_equal(kext_bundle_open(".kext", &b, &err), -1);
	assert_int_equal(kext_bundle_open("", &b, &err), -1);

	/* missing */
	p = fx_fmt("%s/Missing.kext", dir);
	assert_int_equal(kext_bundle_open(p, &b, &err), -1);
	assert_int_equal(err.code, ENOENT);
	assert_non_null(strstr(err.msg, p));
	free(p);

	/* a file, not a directory */
	p = fx_fmt("%s/File.kext", dir);
	fx_write_text(p, "not a bundle");
	assert_int_equal(kext_bundle_open(p, &b, &err), -1);
	assert_int_equal(err.code, ENOTDIR);
	free(p);

	/* no Info.plist */
	p = fx_fmt("%s/Empty.kext/Contents/MacOS", dir);
	fx_mkdirs(p);
	free(p);
	p = fx_fmt("%s/Empty.kext", dir);
	assert_int_equal(kext_bundle_open(p, &b, &err), -1);
	assert_int_equal(err.code, ENOENT);
	assert_non_null(strstr(err.msg, "Info.plist"));
	free(p);
}

static void
test_bad_plists(void **state)
{
	const char *dir = *state;
	struct kext_bundle *b;
	kext_error err;
	CFDataRef bin;
	CFDictionaryRef d;
	CFStringRef key = CFSTR("CFBundleIdentifier"), value = CFSTR("x.y");
	const void *k[1], *v[1];
	char *kext, *plist;

	k[0] = key;
	v[0] = value;

	/* malformed XML: the error names the file and the line */
	kext = fx_fmt("%s/Broken.kext", dir);
	plist = fx_fmt("%s/Contents/Info.plist", kext);
	fx_write_text(plist, "<?xml version=\"1.0\"?>\n<plist version=\"1.0\">\n"
	    "<dict>\n<key>A</key>\n<integer>zz</integer>\n</dict>\n</plist>\n");
	assert_int_equal(kext_bundle_open(kext, &b, &err), -1);
	assert_non_null(strstr(err.msg, plist));
	assert_non_null(strstr(err.msg, "line 5"));
	free(plist);
	free(kext);

	/* a top level that is not a dictionary */
	kext = fx_fmt("%s/Array.kext", dir);
	plist = fx_fmt("%s/Contents/Info.plist", kext);
	fx_write_text(plist, "<?xml version=\"1.0\"?>\n<plist version=\"1.0\">\n"
	    "<array><string>x</string></array>\n</plist>\n");
	assert_int_equal(kext_bundle_open(kext, &b, &err), -1);
	assert_non_null(strstr(err.msg, plist));
	assert_non_null(strstr(err.msg, "<array>"));
	assert_non_null(strstr(err.msg, "<dict>"));
	free(plist);
	free(kext);

	/* binary property lists are refused (XML only, like IOCFUnserialize) */
	kext = fx_fmt("%s/Binary.kext", dir);
	plist = fx_fmt("%s/Contents/Info.plist", kext);
	d = CFDictionaryCreate(NULL, k, v, 1, &kCFTypeDictionaryKeyCallBacks,
	    &kCFTypeDictionaryValueCallBacks);
	bin = CFPropertyListCreateData(NULL, d, kCFPropertyListBinaryFormat_v1_0, 0,
	    NULL);
	assert_non_null(bin);
	fx_write(plist, CFDataGetBytePtr(bin), (size_t)CFDataGetLength(bin));
	assert_int_equal(kext_bundle_open(kext, &b, &err), -1);
	assert_non_null(strstr(err.msg, plist));
	assert_non_null(strstr(err.msg, "XML"));
	CFRelease(bin);
	CFRelease(d);
	free(plist);
	free(kext);

	/* an empty file */
	kext = fx_fmt("%s/Zero.kext", dir);
	plist = fx_fmt("%s/Contents/Info.plist", kext);
	fx_write_text(plist, "");
	assert_int_equal(kext_bundle_open(kext, &b, &err), -1);
	assert_non_null(strstr(err.msg, plist));
	free(plist);
	free(kext);

	/* Info.plist that is a directory */
	kext = fx_fmt("%s/Dir.kext", dir);
	plist = fx_fmt("%s/Contents/Info.plist", kext);
	fx_mkdirs(plist);
	assert_int_equal(kext_bundle_open(kext, &b, &err), -1);
	assert_non_null(strstr(err.msg, "not a regular file"));
	free(plist);
	free(kext);
}

static const char basic_body[] =
    "<key>CFBundlePackageType</key><string>KEXT</string>\n"
    "<key>CFBundleIdentifier</key><string>org.example.flat</string>\n"
    "<key>CFBundleVersion</key><string>2.0</string>\n"
    "<key>CFBundleExecutable</key><string>flat.ko</string>\n"
    "<key>OSBundleLibraries</key><dict><key>k</key><string>1.0</string></dict>\n";

static void
test_flat_and_case_layouts(void **state)
{
	const char *dir = *state;
	struct kext_bundle *b;
	kext_error err;
	char *kext, *p;

	/* flat (iOS-style): Info.plist and MacOS/ at the top */
	kext = fx_fmt("%s/Flat.kext", dir);
	p = fx_fmt("%s/Info.plist", kext);
	fx_write_plist(p, basic_body);
	free(p);
	p = fx_fmt("%s/MacOS/flat.ko", kext);
	fx_write_elf(p);
	free(p);
	assert_int_equal(kext_bundle_open(kext, &b, &err), 0);
	assert_string_equal(kext_bundle_identifier(b), "org.example.flat");
	p = fx_fmt("%s/Info.plist", kext);
	assert_string_equal(kext_bundle_info_plist_path(b), p);
	free(p);
	p = fx_fmt("%s/MacOS/flat.ko", kext);
	assert_string_equal(kext_bundle_executable_path(b), p);
	free(p);
	assert_true(kext_bundle_is_valid(b));
	kext_bundle_release(b);
	free(kext);

	/* "contents" matches case-insensitively, as in CFBundle */
	kext = fx_fmt("%s/Lower.kext", dir);
	p = fx_fmt("%s/contents/Info.plist", kext);
	fx_write_plist(p, basic_body);
	free(p);
	p = fx_fmt("%s/contents/MacOS/flat.ko", kext);
	fx_write_elf(p);
	free(p);
	assert_int_equal(kext_bundle_open(kext, &b, &err), 0);
	p = fx_fmt("%s/contents/Info.plist", kext);
	assert_string_equal(kext_bundle_info_plist_path(b), p);
	free(p);
	assert_true(kext_bundle_is_valid(b));
	kext_bundle_release(b);
	free(kext);
}

static void
test_plugins(void **state)
{
	const char *dir = *state;
	struct fx_spec outer = { "org.example.outer", "1.0", NULL, NULL, NULL, false, NULL };
	struct fx_spec inner = { "org.example.inner", "1.0", NULL, NULL, NULL, false, NULL };
	char *kext = fx_kext(dir, "Outer.kext", &outer), *pdir, *p1, *p2;
	struct kext_bundle *b, *pb;
	kext_error err;

	pdir = fx_fmt("%s/Contents/PlugIns", kext);
	p2 = fx_kext(pdir, "B.kext", &inner);
	p1 = fx_kext(pdir, "A.kext", &inner);
	assert_int_equal(kext_bundle_open(kext, &b, &err), 0);
	assert_int_equal(kext_bundle_plugin_count(b), 2);
	assert_string_equal(kext_bundle_plugin_at(b, 0), p1);
	assert_string_equal(kext_bundle_plugin_at(b, 1), p2);
	assert_null(kext_bundle_plugin_at(b, 2));
	assert_int_equal(kext_bundle_open(p1, &pb, &err), 0);
	assert_true(kext_bundle_is_plugin(pb));
	kext_bundle_release(pb);
	kext_bundle_release(b);
	free(p1);
	free(p2);
	free(pdir);
	free(kext);
}

static void
test_path_for_executable(void **state)
{
	const char *dir = *state;
	struct fx_spec outer = { "org.example.outer", "1.0", NULL, "k=1.0", "outer.ko",
	    false, NULL };
	struct fx_spec inner = { "org.example.inner", "1.0", NULL, "k=1.0", "inner.ko",
	    false, NULL };
	char *kext = fx_kext(dir, "Outer.kext", &outer), *pdir, *plugin, *exe, *path;
	kext_error err;

	pdir = fx_fmt("%s/Contents/PlugIns", kext);
	plugin = fx_kext(pdir, "Inner.kext", &inner);

	exe = fx_fmt("%s/Contents/MacOS/outer.ko", kext);
	assert_int_equal(kext_bundle_path_for_executable(exe, &path, &err), 0);
	assert_string_equal(path, kext);
	free(path);
	free(exe);

	/* the innermost bundle whose executable it is */
	exe = fx_fmt("%s/Contents/MacOS/inner.ko", plugin);
	assert_int_equal(kext_bundle_path_for_executable(exe, &path, &err), 0);
	assert_string_equal(path, plugin);
	free(path);
	free(exe);

	/* a file in MacOS that is not the declared executable */
	exe = fx_fmt("%s/Contents/MacOS/other.ko", kext);
	fx_write_elf(exe);
	assert_int_equal(kext_bundle_path_for_executable(exe, &path, &err), -1);
	assert_null(path);
	assert_int_equal(err.code, ENOENT);
	assert_non_null(strstr(err.msg, exe));
	free(exe);

	/* not inside any kext */
	exe = fx_fmt("%s/loose.ko", dir);
	fx_write_elf(exe);
	assert_int_equal(kext_bundle_path_for_executable(exe, &path, &err), -1);
	assert_int_equal(err.code, ENOENT);
	free(exe);

	/* missing file */
	exe = fx_fmt("%s/nothing.ko", dir);
	assert_int_equal(kext_bundle_path_for_executable(exe, &path, &err), -1);
	assert_int_equal(err.code, ENOENT);
	free(exe);
	free(plugin);
	free(pdir);
	free(kext);
}

static void
test_cfbundle(void **state)
{
	struct fx_spec s = { "org.example.cf", "1.0", NULL, "k=1.0", "cf.ko", false, NULL };
	char *kext = fx_kext(*state, "CF.kext", &s);
	struct kext_bundle *b;
	kext_error err;
	CFBundleRef cfb;

	assert_int_equal(kext_bundle_open(kext, &b, &err), 0);
	cfb = kext_bundle_cfbundle(b);
	assert_non_null(cfb);
	assert_ptr_equal(kext_bundle_cfbundle(b), cfb);	/* made once */
	assert_true(CFEqual(CFBundleGetIdentifier(cfb), CFSTR("org.example.cf")));
	kext_bundle_release(b);
	free(kext);
}

static void
test_diags_format(void **state)
{
	struct kext_diags *d = kext_diags_new("/x/Foo.kext");
	const struct kext_diag *x;
	char *text, *line;

	(void)state;
	assert_non_null(d);
	assert_int_equal(kext_diags_add(d, KEXT_DIAG_VALIDATION,
	    KEXT_DIAG_MISSING_PROPERTY, "%s", "CFBundleIdentifier"), 0);
	assert_int_equal(kext_diags_add(d, KEXT_DIAG_WARNING, KEXT_DIAG_DEPRECATED,
	    "OSBundleDebugLevel"), 0);
	assert_int_equal(kext_diags_add(d, KEXT_DIAG_VALIDATION,
	    KEXT_DIAG_COMPAT_TOO_HIGH, NULL), 0);
	assert_int_equal(kext_diags_add(d, KEXT_DIAG_VALIDATION,
	    KEXT_DIAG_MISSING_PROPERTY, "%s.%s", "IOKitPersonalities.P", "IOClass"), 0);
	/* duplicates are kept once */
	assert_int_equal(kext_diags_add(d, KEXT_DIAG_VALIDATION,
	    KEXT_DIAG_MISSING_PROPERTY, "%s", "CFBundleIdentifier"), 0);
	assert_int_equal(kext_diags_add(d, KEXT_DIAG_AUTHENTICATION,
	    KEXT_DIAG_OWNER_PERMISSIONS, "%s", "/x/Foo.kext/Contents"), 0);
	assert_int_equal(kext_diags_count(d, KEXT_DIAG_ALL), 5);
	assert_int_equal(kext_diags_count(d, KEXT_DIAG_MASK(KEXT_DIAG_VALIDATION)), 3);
	assert_true(kext_diags_has_failures(d));
	assert_true(kext_diags_contains(d, KEXT_DIAG_VALIDATION,
	    KEXT_DIAG_MISSING_PROPERTY, "IOKitPersonalities.P.IOClass"));
	assert_true(kext_diags_contains(d, KEXT_DIAG_VALIDATION,
	    KEXT_DIAG_MISSING_PROPERTY, NULL));
	assert_false(kext_diags_contains(d, KEXT_DIAG_WARNING,
	    KEXT_DIAG_MISSING_PROPERTY, NULL));

	text = kext_diags_format(d, KEXT_DIAG_ALL, true);
	assert_string_equal(text,
	    "Diagnostics for /x/Foo.kext:\n"
	    "Validation Failures: \n"
	    "    Info dictionary missing required property/value: \n"
	    "        CFBundleIdentifier\n"
	    "        IOKitPersonalities.P.IOClass\n"
	    "    Compatible version must be lower than current version\n"
	    "\n"
	    "Authentication Failures: \n"
	    "    File owner/permissions are incorrect (must be root:wheel, "
	    "nonwritable by group/other): \n"
	    "        /x/Foo.kext/Contents\n"
	    "\n"
	    "Warnings: \n"
	    "    Deprecated property (ignored): \n"
	    "        OSBundleDebugLevel\n");
	free(text);
	text = kext_diags_format(d, KEXT_DIAG_MASK(KEXT_DIAG_WARNING), false);
	assert_string_equal(text, "Warnings: \n    Deprecated property (ignored): \n"
	    "        OSBundleDebugLevel\n");
	free(text);
	text = kext_diags_format(d, KEXT_DIAG_MASK(KEXT_DIAG_DEPENDENCY), true);
	assert_string_equal(text, "");
	free(text);

	x = kext_diags_at(d, 0);
	line = kext_diag_format_line(d, x);
	assert_string_equal(line, "/x/Foo.kext: Validation Failures: Info dictionary "
	    "missing required property/value: CFBundleIdentifier");
	free(line);
	line = kext_diag_format_line(d, kext_diags_at(d, 2));
	assert_string_equal(line, "/x/Foo.kext: Validation Failures: Compatible "
	    "version must be lower than current version");
	free(line);
	assert_null(kext_diags_at(d, 5));

	kext_diags_clear(d, KEXT_DIAG_MASK(KEXT_DIAG_VALIDATION));
	assert_int_equal(kext_diags_count(d, KEXT_DIAG_ALL), 2);
	assert_true(kext_diags_has_failures(d));
	kext_diags_clear(d, KEXT_DIAG_MASK(KEXT_DIAG_AUTHENTICATION));
	assert_false(kext_diags_has_failures(d));
	kext_diags_free(d);
}

static void
test_diags_bounded(void **state)
{
	struct kext_diags *d = kext_diags_new("s");
	char *text;
	int i;

	(void)state;
	for (i = 0; i < KEXT_DIAG_MAX + 10; i++)
		kext_diags_add(d, KEXT_DIAG_WARNING, KEXT_DIAG_SYMLINK, "/p/%d", i);
	assert_int_equal(kext_diags_count(d, KEXT_DIAG_ALL), KEXT_DIAG_MAX);
	assert_int_equal(kext_diags_dropped(d), 10);
	text = kext_diags_format(d, KEXT_DIAG_ALL, false);
	assert_non_null(strstr(text, "(10 more diagnostics not kept)"));
	free(text);
	kext_diags_free(d);
	assert_string_equal(kext_diag_category_name(KEXT_DIAG_DEPENDENCY),
	    "Dependency Resolution Failures");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_accessors,
		    scratch_dir_setup, scratch_dir_teardown),
		cmocka_unit_test_setup_teardown(test_retain_release,
		    scratch_dir_setup, scratch_dir_teardown),
		cmocka_unit_test_setup_teardown(test_open_errors,
		    scratch_dir_setup, scratch_dir_teardown),
		cmocka_unit_test_setup_teardown(test_bad_plists,
		    scratch_dir_setup, scratch_dir_teardown),
		cmocka_unit_test_setup_teardown(test_flat_and_case_layouts,
		    scratch_dir_setup, scratch_dir_teardown),
		cmocka_unit_test_setup_teardown(test_plugins, scratch_dir_setup,
		    scratch_dir_teardown),
		cmocka_unit_test_setup_teardown(test_path_for_executable,
		    scratch_dir_setup, scratch_dir_teardown),
		cmocka_unit_test_setup_teardown(test_cfbundle,
		    scratch_dir_setup, scratch_dir_teardown),
		cmocka_unit_test(test_diags_format),
		cmocka_unit_test(test_diags_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
