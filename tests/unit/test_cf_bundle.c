/* CoreFoundation-lite CFBundle: layouts, Info.plist lookup, executable and directories. */
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

#include "cf_test_util.h"

static const char info_template[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<plist version=\"1.0\">\n<dict>\n"
    "\t<key>CFBundleIdentifier</key>\n\t<string>org.example.%s</string>\n"
    "\t<key>CFBundleExecutable</key>\n\t<string>%s</string>\n"
    "\t<key>CFBundleVersion</key>\n\t<string>%s</string>\n"
    "\t<key>CFBundlePackageType</key>\n\t<string>KEXT</string>\n"
    "</dict>\n</plist>\n";

/* Writes root/rel (creating directories) with text. */
static char *
put(const char *root, const char *rel, const char *text)
{
	char *p = cf_test_path(root, rel, 1);

	assert_non_null(p);
	assert_int_equal(cf_test_write_file(p, text, strlen(text)), 0);
	return p;
}

static void
put_info(const char *root, const char *rel, const char *name, const char *exe,
    const char *version)
{
	char buf[1024];

	snprintf(buf, sizeof(buf), info_template, name, exe, version);
	free(put(root, rel, buf));
}

static CFURLRef
dir_url(const char *root, const char *rel)
{
	char *p = cf_test_path(root, rel, 0);
	CFURLRef u = CFURLCreateFromFileSystemRepresentation(NULL, (const UInt8 *)p,
	    (CFIndex)strlen(p), true);

	free(p);
	return u;
}

/* The URL's path relative to root ("" for root itself), for comparisons. */
static void
assert_url_under(CFURLRef u, const char *root, const char *rel)
{
	char buf[2048], expect[2048];

	assert_non_null(u);
	assert_true(CFURLGetFileSystemRepresentation(u, true, (UInt8 *)buf, sizeof(buf)));
	snprintf(expect, sizeof(expect), "%s%s%s", root, *rel != '\0' ? "/" : "", rel);
	assert_string_equal(buf, expect);
}

static void
test_modern_layout(void **state)
{
	const char *root = *state;
	CFURLRef url, u;
	CFBundleRef b;
	UInt32 type = 0, creator = 0;

	put_info(root, "Foo.kext/Contents/Info.plist", "foo", "foo.ko", "1.2.3d4");
	free(put(root, "Foo.kext/Contents/MacOS/foo.ko", "\x7f" "ELF"));
	url = dir_url(root, "Foo.kext");
	b = CFBundleCreate(NULL, url);
	assert_non_null(b);
	assert_int_equal(CFGetTypeID(b), CFBundleGetTypeID());
	assert_true(CFEqual(CFBundleGetIdentifier(b), CFSTR("org.example.foo")));
	assert_true(CFEqual(CFBundleGetValueForInfoDictionaryKey(b, kCFBundleExecutableKey),
	    CFSTR("foo.ko")));
	assert_int_equal(CFDictionaryGetCount(CFBundleGetInfoDictionary(b)), 4);
	assert_null(CFBundleGetValueForInfoDictionaryKey(b, CFSTR("Missing")));
	assert_int_equal(CFBundleGetVersionNumber(b), 0x01232004);
	CFBundleGetPackageInfo(b, &type, &creator);
	assert_int_equal(type, 0x4b455854);	/* 'KEXT' */
	assert_int_equal(creator, 0x3f3f3f3f);	/* '????' when CFBundleSignature is absent */
	u = CFBundleCopyExecutableURL(b);
	assert_url_under(u, root, "Foo.kext/Contents/MacOS/foo.ko");
	CFRelease(u);
	u = CFBundleCopyBundleURL(b);
	assert_url_under(u, root, "Foo.kext");
	assert_true(CFURLHasDirectoryPath(u));
	CFRelease(u);
	u = CFBundleCopyResourcesDirectoryURL(b);
	assert_url_under(u, root, "Foo.kext/Contents/Resources");
	CFRelease(u);
	u = CFBundleCopyBuiltInPlugInsURL(b);
	assert_url_under(u, root, "Foo.kext/Contents/PlugIns");
	CFRelease(u);
	u = CFBundleCopySupportFilesDirectoryURL(b);
	assert_url_under(u, root, "Foo.kext/Contents");
	CFRelease(u);
	u = CFLiteBundleCopyInfoPlistURL(b);
	assert_url_under(u, root, "Foo.kext/Contents/Info.plist");
	CFRelease(u);
	{
		CFDictionaryRef info = CFBundleCopyInfoDictionaryInDirectory(url);

		assert_true(CFEqual(info, CFBundleGetInfoDictionary(b)));
		CFRelease(info);
	}
	CFRelease(b);
	CFRelease(url);
}

static void
test_case_insensitive_entries_and_fallbacks(void **state)
{
	const char *root = *state;
	CFURLRef url, u;
	CFBundleRef b;

	/* "contents" and "info.plist" in another case still make a modern bundle */
	put_info(root, "Bar.kext/contents/info.plist", "bar", "bar", "2.0");
	free(put(root, "Bar.kext/contents/bar", "exe"));	/* Contents/<name>, no MacOS */
	free(put(root, "Bar.kext/contents/Plug-ins/.keep", ""));
	url = dir_url(root, "Bar.kext");
	b = CFBundleCreate(NULL, url);
	assert_non_null(b);
	u = CFBundleCopyExecutableURL(b);
	assert_url_under(u, root, "Bar.kext/contents/bar");
	CFRelease(u);
	u = CFBundleCopyBuiltInPlugInsURL(b);	/* "Plug-ins" used when "PlugIns" is absent */
	assert_url_under(u, root, "Bar.kext/contents/Plug-ins");
	CFRelease(u);
	assert_int_equal(CFBundleGetVersionNumber(b), 0x02008000);
	CFRelease(b);
	CFRelease(url);

	/* last resort: <bundle>/<name> */
	put_info(root, "Baz.kext/Contents/Info.plist", "baz", "baz", "1.0");
	free(put(root, "Baz.kext/baz", "exe"));
	url = dir_url(root, "Baz.kext");
	b = CFBundleCreate(NULL, url);
	u = CFBundleCopyExecutableURL(b);
	assert_url_under(u, root, "Baz.kext/baz");
	CFRelease(u);
	CFRelease(b);
	CFRelease(url);

	/* no such file, or a name that would leave the bundle: NULL */
	put_info(root, "Gone.kext/Contents/Info.plist", "gone", "../../etc/passwd", "1.0");
	url = dir_url(root, "Gone.kext");
	b = CFBundleCreate(NULL, url);
	assert_null(CFBundleCopyExecutableURL(b));
	CFRelease(b);
	CFRelease(url);
	put_info(root, "Miss.kext/Contents/Info.plist", "miss", "miss", "1.0");
	url = dir_url(root, "Miss.kext");
	b = CFBundleCreate(NULL, url);
	assert_null(CFBundleCopyExecutableURL(b));
	CFRelease(b);
	CFRelease(url);
}

static void
test_flat_old_and_obsolete_layouts(void **state)
{
	const char *root = *state;
	CFURLRef url, u;
	CFBundleRef b;

	put_info(root, "Flat.kext/Info.plist", "flat", "flat", "3.1.4b2");
	free(put(root, "Flat.kext/MacOS/flat", "exe"));
	url = dir_url(root, "Flat.kext");
	b = CFBundleCreate(NULL, url);
	assert_non_null(b);
	assert_true(CFEqual(CFBundleGetIdentifier(b), CFSTR("org.example.flat")));
	assert_int_equal(CFBundleGetVersionNumber(b), 0x03146002);
	u = CFBundleCopyExecutableURL(b);
	assert_url_under(u, root, "Flat.kext/MacOS/flat");
	CFRelease(u);
	u = CFBundleCopyResourcesDirectoryURL(b);	/* a flat bundle keeps resources at the top */
	assert_url_under(u, root, "Flat.kext");
	CFRelease(u);
	u = CFBundleCopyBuiltInPlugInsURL(b);
	assert_url_under(u, root, "Flat.kext/PlugIns");
	CFRelease(u);
	CFRelease(b);
	CFRelease(url);

	put_info(root, "Old.bundle/Resources/Info.plist", "old", "old", "1.0");
	free(put(root, "Old.bundle/old", "exe"));
	url = dir_url(root, "Old.bundle");
	b = CFBundleCreate(NULL, url);
	assert_true(CFEqual(CFBundleGetIdentifier(b), CFSTR("org.example.old")));
	u = CFBundleCopyExecutableURL(b);
	assert_url_under(u, root, "Old.bundle/old");
	CFRelease(u);
	u = CFBundleCopyResourcesDirectoryURL(b);
	assert_url_under(u, root, "Old.bundle/Resources");
	CFRelease(u);
	CFRelease(b);
	CFRelease(url);

	put_info(root, "Obs.bundle/Support Files/Info.plist", "obs", "obs", "1.0");
	free(put(root, "Obs.bundle/Support Files/Executables/obs", "exe"));
	url = dir_url(root, "Obs.bundle");
	b = CFBundleCreate(NULL, url);
	assert_true(CFEqual(CFBundleGetIdentifier(b), CFSTR("org.example.obs")));
	u = CFBundleCopyExecutableURL(b);
	assert_url_under(u, root, "Obs.bundle/Support Files/Executables/obs");
	CFRelease(u);
	CFRelease(b);
	CFRelease(url);

	/* "Contents" wins over a top-level Info.plist */
	put_info(root, "Both.kext/Info.plist", "top", "x", "1.0");
	put_info(root, "Both.kext/Contents/Info.plist", "inner", "x", "1.0");
	url = dir_url(root, "Both.kext");
	b = CFBundleCreate(NULL, url);
	assert_true(CFEqual(CFBundleGetIdentifier(b), CFSTR("org.example.inner")));
	CFRelease(b);
	CFRelease(url);
}

static void
expect_create_error(const char *root, const char *rel, const char *expected_fmt)
{
	CFURLRef url = dir_url(root, rel);
	CFErrorRef err = NULL;
	char *text, expect[2048];

	assert_null(CFLiteBundleCreate(url, &err));
	assert_null(CFBundleCreate(NULL, url));
	text = cf_test_error_text(err);
	snprintf(expect, sizeof(expect), expected_fmt, root, rel, root, rel);
	assert_string_equal(text, expect);
	free(text);
	CFRelease(err);
	CFRelease(url);
}

static void
test_refusals_explain_why(void **state)
{
	const char *root = *state;

	free(put(root, "Empty.kext/Contents/MacOS/x", "exe"));
	expect_create_error(root, "Empty.kext",
	    "%s/%s: no Info.plist (looked for %s/%s/Contents/Info.plist)");
	free(put(root, "Broken.kext/Contents/Info.plist",
	    "<plist>\n<dict>\n<key>CFBundleIdentifier</key>\n</dict>\n</plist>\n"));
	expect_create_error(root, "Broken.kext", "%s/%s/Contents/Info.plist: line 3: <dict> key "
	    "'CFBundleIdentifier' without a value");
	free(put(root, "Array.kext/Contents/Info.plist", "<array/>"));
	expect_create_error(root, "Array.kext", "%s/%s/Contents/Info.plist: the top level is a "
	    "CFArray, expected a dictionary");
	/* a bundle is never formed from another bundle's "Contents" directory */
	put_info(root, "Inner/Contents/Info.plist", "x", "x", "1.0");
	expect_create_error(root, "Inner/Contents", "%s/%s: no Info.plist (a flat bundle cannot be "
	    "named Contents, Resources or Support Files)");
	free(put(root, "file.kext", "not a directory"));
	{
		char fmt[256];

		snprintf(fmt, sizeof(fmt), "%%s/%%s: %s", strerror(ENOTDIR));
		expect_create_error(root, "file.kext", fmt);
		snprintf(fmt, sizeof(fmt), "%%s/%%s: %s", strerror(ENOENT));
		expect_create_error(root, "missing.kext", fmt);
	}
	assert_null(CFBundleCreate(NULL, NULL));
}

static CFBundleRef
bundle_with_version(const char *root, const char *name, const char *version_xml)
{
	char rel[256], text[1024];
	CFURLRef url;
	CFBundleRef b;

	snprintf(rel, sizeof(rel), "%s/Info.plist", name);
	snprintf(text, sizeof(text), "<dict><key>CFBundleVersion</key>%s"
	    "<key>CFBundlePackageType</key><string>APPL</string>"
	    "<key>CFBundleSignature</key><string>ab</string></dict>", version_xml);
	free(put(root, rel, text));
	url = dir_url(root, name);
	b = CFBundleCreate(NULL, url);
	CFRelease(url);
	assert_non_null(b);
	return b;
}

static void
test_version_numbers_and_package_info(void **state)
{
	const char *root = *state;
	struct { const char *xml; UInt32 expect; } cases[] = {
		{ "<string>1.2.3d4</string>", 0x01232004 },
		{ "<string>10.4.11</string>", 0 },	/* bug fix > 9: not a 'vers' */
		{ "<string>99.9.9f255</string>", 0x999980ff },
		{ "<string>12</string>", 0x12008000 },
		{ "<string>1.0a1</string>", 0x01004001 },
		{ "<string>100</string>", 0 },
		{ "<string>1.0x1</string>", 0 },
		{ "<string>1.0d</string>", 0 },
		{ "<string>1.0d256</string>", 0 },
		{ "<string></string>", 0 },
		{ "<integer>305419896</integer>", 0x12345678 },
		{ "<true/>", 0 },
	};
	UInt32 type = 0, creator = 0;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char name[32];
		CFBundleRef b;

		snprintf(name, sizeof(name), "V%zu.bundle", i);
		b = bundle_with_version(root, name, cases[i].xml);
		if (CFBundleGetVersionNumber(b) != cases[i].expect)
			fail_msg("%s: 0x%08x, expected 0x%08x", cases[i].xml,
			    (unsigned)CFBundleGetVersionNumber(b), (unsigned)cases[i].expect);
		if (i == 0) {
			CFBundleGetPackageInfo(b, &type, &creator);
			assert_int_equal(type, 0x4150504c);	/* 'APPL' */
			assert_int_equal(creator, 0x3f3f3f3f);	/* "ab" is not a FourCC */
			CFBundleGetPackageInfo(b, NULL, NULL);
		}
		CFRelease(b);
	}
	assert_int_equal(CFBundleGetVersionNumber(NULL), 0);
	assert_null(CFBundleGetIdentifier(NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_modern_layout,
		    scratch_dir_setup, scratch_dir_teardown),
		cmocka_unit_test_setup_teardown(test_case_insensitive_entries_and_fallbacks,
		    scratch_dir_setup, scratch_dir_teardown),
		cmocka_unit_test_setup_teardown(test_flat_old_and_obsolete_layouts,
		    scratch_dir_setup, scratch_dir_teardown),
		cmocka_unit_test_setup_teardown(test_refusals_explain_why,
		    scratch_dir_setup, scratch_dir_teardown),
		cmocka_unit_test_setup_teardown(test_version_numbers_and_package_info,
		    scratch_dir_setup, scratch_dir_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
