/* CoreFoundation-lite CFURL for file paths, and CFURLCreateDataAndPropertiesFromResource. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cf_test_util.h"

static CFURLRef
path_url(const char *p, Boolean dir)
{
	CFStringRef s = CFStringCreateWithCString(NULL, p, kCFStringEncodingUTF8);
	CFURLRef u = CFURLCreateWithFileSystemPath(NULL, s, kCFURLPOSIXPathStyle, dir);

	CFRelease(s);
	return u;
}

static void
assert_path(CFURLRef u, const char *expected)
{
	CFStringRef p = CFURLCopyFileSystemPath(u, kCFURLPOSIXPathStyle);

	cf_test_assert_string(p, expected);
	CFRelease(p);
}

static void
test_paths_and_components(void **state)
{
	CFURLRef u = path_url("/a//b/Foo.kext/", false), v;
	CFStringRef s;
	UInt8 buf[64];

	(void)state;
	assert_path(u, "/a/b/Foo.kext");
	assert_true(CFURLHasDirectoryPath(u));	/* trailing slash makes it a directory */
	cf_test_assert_string(CFURLGetString(u), "file:///a/b/Foo.kext/");
	s = CFURLCopyLastPathComponent(u);
	cf_test_assert_string(s, "Foo.kext");
	CFRelease(s);
	s = CFURLCopyPathExtension(u);
	cf_test_assert_string(s, "kext");
	CFRelease(s);
	assert_true(CFURLGetFileSystemRepresentation(u, true, buf, sizeof(buf)));
	assert_string_equal((char *)buf, "/a/b/Foo.kext");
	assert_false(CFURLGetFileSystemRepresentation(u, true, buf, 13));	/* no room for NUL */
	assert_true(CFURLGetFileSystemRepresentation(u, true, buf, 14));

	v = CFURLCreateCopyAppendingPathComponent(NULL, u, CFSTR("Contents/Info.plist"), false);
	assert_path(v, "/a/b/Foo.kext/Contents/Info.plist");
	assert_false(CFURLHasDirectoryPath(v));
	CFRelease(u);
	u = CFURLCreateCopyDeletingLastPathComponent(NULL, v);
	assert_path(u, "/a/b/Foo.kext/Contents");
	assert_true(CFURLHasDirectoryPath(u));
	CFRelease(v);
	v = CFURLCreateCopyDeletingPathExtension(NULL, u);
	assert_path(v, "/a/b/Foo.kext/Contents");	/* no extension: same path */
	CFRelease(v);
	CFRelease(u);

	u = path_url("/x/Foo.kext", true);
	v = CFURLCreateCopyDeletingPathExtension(NULL, u);
	assert_path(v, "/x/Foo");
	CFRelease(u);
	u = CFURLCreateCopyAppendingPathExtension(NULL, v, CFSTR("bundle"));
	assert_path(u, "/x/Foo.bundle");
	CFRelease(v);
	CFRelease(u);

	u = path_url("/", true);
	v = CFURLCreateCopyDeletingLastPathComponent(NULL, u);
	assert_path(v, "/");
	s = CFURLCopyLastPathComponent(u);
	cf_test_assert_string(s, "/");
	CFRelease(s);
	assert_null(CFURLCopyPathExtension(u));
	CFRelease(v);
	CFRelease(u);
	u = path_url("/top", false);
	v = CFURLCreateCopyDeletingLastPathComponent(NULL, u);
	assert_path(v, "/");
	CFRelease(v);
	CFRelease(u);

	u = path_url("/home/.profile", false);
	assert_null(CFURLCopyPathExtension(u));	/* a leading dot is not an extension */
	CFRelease(u);
	u = path_url("/tmp/with space/\xc3\xa9", false);
	cf_test_assert_string(CFURLGetString(u), "file:///tmp/with%20space/%C3%A9");
	CFRelease(u);
}

static void
test_relative_paths_use_cwd(void **state)
{
	char cwd[PATH_MAX], expect[PATH_MAX + 32];
	CFURLRef u = path_url("sub/file.txt", false), abs, up;
	UInt8 buf[PATH_MAX + 32];

	(void)state;
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_path(u, "sub/file.txt");	/* relative stays relative */
	cf_test_assert_string(CFURLGetString(u), "sub/file.txt");
	assert_non_null(CFURLGetBaseURL(u));
	snprintf(expect, sizeof(expect), "%s/sub/file.txt", strcmp(cwd, "/") == 0 ? "" : cwd);
	assert_true(CFURLGetFileSystemRepresentation(u, true, buf, sizeof(buf)));
	assert_string_equal((char *)buf, expect);
	assert_true(CFURLGetFileSystemRepresentation(u, false, buf, sizeof(buf)));
	assert_string_equal((char *)buf, "sub/file.txt");
	abs = CFURLCopyAbsoluteURL(u);
	assert_path(abs, expect);
	assert_null(CFURLGetBaseURL(abs));
	up = CFURLCreateCopyDeletingLastPathComponent(NULL, u);
	assert_path(up, "sub");
	CFRelease(up);
	CFRelease(abs);
	CFRelease(u);
	u = path_url("..", true);
	up = CFURLCreateCopyDeletingLastPathComponent(NULL, u);
	assert_path(up, "../..");
	CFRelease(up);
	CFRelease(u);
	u = path_url("name", false);
	up = CFURLCreateCopyDeletingLastPathComponent(NULL, u);
	assert_path(up, ".");
	CFRelease(up);
	CFRelease(u);
}

static void
test_file_system_representation_and_equality(void **state)
{
	CFURLRef a, b, c;
	const char raw[] = "/tmp/\xff-not-utf8";

	(void)state;
	a = CFURLCreateFromFileSystemRepresentation(NULL, (const UInt8 *)"/tmp/x", 6, false);
	b = path_url("/tmp/x", false);
	c = path_url("/tmp/x", true);
	assert_true(CFEqual(a, b));
	assert_int_equal(CFHash(a), CFHash(b));
	assert_false(CFEqual(a, c));	/* directory-ness is part of a URL */
	CFRelease(a);
	CFRelease(b);
	CFRelease(c);
	/* a path that is not UTF-8 works as a URL but has no CFString path */
	a = CFURLCreateFromFileSystemRepresentation(NULL, (const UInt8 *)raw, sizeof(raw) - 1, false);
	assert_non_null(a);
	assert_null(CFURLCopyFileSystemPath(a, kCFURLPOSIXPathStyle));
	cf_test_assert_string(CFURLGetString(a), "file:///tmp/%FF-not-utf8");
	CFRelease(a);
	assert_null(CFURLCreateFromFileSystemRepresentation(NULL, (const UInt8 *)"a\0b", 3, false));
	assert_null(CFURLCreateFromFileSystemRepresentation(NULL, NULL, 3, false));
	assert_null(path_url("", false));
	assert_null(CFURLCreateWithFileSystemPath(NULL, CFSTR("C:\\x"), kCFURLWindowsPathStyle,
	    false));
	assert_null(CFURLCopyFileSystemPath(NULL, kCFURLPOSIXPathStyle));
}

static void
test_read_resource(void **state)
{
	char *dir = scratch_dir_new("cf-test-"), *file, *big;
	CFURLRef u;
	CFDataRef data = NULL;
	CFDictionaryRef props = (CFDictionaryRef)1;
	SInt32 code = 0;
	int fd;

	(void)state;
	assert_non_null(dir);
	file = cf_test_path(dir, "f.bin", 0);
	assert_int_equal(cf_test_write_file(file, "abc\0def", 7), 0);
	u = CFURLCreateFromFileSystemRepresentation(NULL, (const UInt8 *)file,
	    (CFIndex)strlen(file), false);
	assert_true(CFURLCreateDataAndPropertiesFromResource(NULL, u, &data, &props, NULL, &code));
	assert_int_equal(code, 0);
	assert_null(props);
	assert_int_equal(CFDataGetLength(data), 7);
	assert_memory_equal(CFDataGetBytePtr(data), "abc\0def", 7);
	CFRelease(data);
	CFRelease(u);

	u = path_url("/nonexistent/cf-lite/file", false);
	assert_false(CFURLCreateDataAndPropertiesFromResource(NULL, u, &data, NULL, NULL, &code));
	assert_null(data);
	assert_int_equal(code, kCFURLResourceNotFoundError);
	CFRelease(u);

	u = CFURLCreateFromFileSystemRepresentation(NULL, (const UInt8 *)dir, (CFIndex)strlen(dir),
	    true);
	assert_false(CFURLCreateDataAndPropertiesFromResource(NULL, u, &data, NULL, NULL, &code));
	assert_int_equal(code, kCFURLUnknownError);	/* a directory is not a resource */
	CFRelease(u);

	/* a (sparse) file above the size bound is refused without reading it */
	big = cf_test_path(dir, "big.bin", 0);
	fd = open(big, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)kCFLiteMaxResourceSize + 1), 0);
	close(fd);
	u = CFURLCreateFromFileSystemRepresentation(NULL, (const UInt8 *)big, (CFIndex)strlen(big),
	    false);
	assert_false(CFURLCreateDataAndPropertiesFromResource(NULL, u, &data, NULL, NULL, &code));
	assert_null(data);
	CFRelease(u);
	assert_false(CFURLCreateDataAndPropertiesFromResource(NULL, NULL, &data, NULL, NULL, &code));
	assert_int_equal(code, kCFURLImproperArgumentsError);

	free(big);
	free(file);
	scratch_dir_free(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_paths_and_components),
		cmocka_unit_test(test_relative_paths_use_cwd),
		cmocka_unit_test(test_file_system_representation_and_equality),
		cmocka_unit_test(test_read_resource),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
