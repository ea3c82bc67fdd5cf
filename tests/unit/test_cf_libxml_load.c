/*
 * libxml2 is opened only when an XML property list must really be parsed
 * (cflite_libxml_load.c): the loaded objects (dl_iterate_phdr) hold no
 * libxml2 before that, a library that cannot be loaded is a CFError naming
 * it and the reason, and once loaded the same table serves every parse.
 * The tests run in order: the first two need libxml2 not yet loaded.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <link.h>
#include <plist/plist.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "../../CoreFoundation-lite/src/cflite_internal.h"
#include "../../CoreFoundation-lite/src/cflite_libxml.h"
#include "cf_test_util.h"

#define HOOK "CFLITE_LIBXML2_FILE"

static const char xml[] = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<plist version=\"1.0\">\n<dict>\n\t<key>CFBundleIdentifier</key>\n"
    "\t<string>org.freebsd.kmod.if_em</string>\n</dict>\n</plist>\n";

static int
find_libxml2(struct dl_phdr_info *info, size_t size, void *found)
{
	(void)size;
	if (info->dlpi_name != NULL && strstr(info->dlpi_name, "libxml2.so") != NULL)
		*(bool *)found = true;
	return 0;
}

static bool
libxml2_loaded(void)
{
	bool found = false;

	dl_iterate_phdr(find_libxml2, &found);
	return found;
}

/* Parsing xml fails with an error whose text holds each of the words. */
static void
assert_parse_error(const char *word1, const char *word2)
{
	CFErrorRef err = NULL;
	CFPropertyListRef p = cf_test_parse(xml, sizeof(xml) - 1, kCFPropertyListImmutable, &err);
	char *text;

	assert_null(p);
	assert_non_null(err);
	assert_int_equal(CFErrorGetCode(err), kCFPropertyListReadStreamError);
	text = cf_test_error_text(err);
	assert_non_null(text);
	if (strstr(text, word1) == NULL || strstr(text, word2) == NULL)
		fail_msg("error '%s' lacks '%s' or '%s'", text, word1, word2);
	free(text);
	CFRelease(err);
}

static void
test_not_loaded_without_xml(void **state)
{
	CFErrorRef err = NULL;
	CFPropertyListRef p;
	CFDataRef bin;
	const void *key = CFSTR("k"), *value = CFSTR("v");
	CFDictionaryRef d = CFDictionaryCreate(NULL, &key, &value, 1, &kCFTypeDictionaryKeyCallBacks,
	    &kCFTypeDictionaryValueCallBacks);

	(void)state;
	assert_false(libxml2_loaded());
	/* binary property lists go through libplist */
	bin = CFPropertyListCreateData(NULL, d, kCFPropertyListBinaryFormat_v1_0, 0, &err);
	assert_non_null(bin);
	p = CFPropertyListCreateWithData(NULL, bin, kCFPropertyListImmutable, NULL, &err);
	assert_non_null(p);
	assert_true(CFEqual(p, d));
	CFRelease(p);
	CFRelease(bin);
	CFRelease(d);
	/* blank input and what cannot be XML are refused before libxml2 */
	p = cf_test_parse(" \n", 2, kCFPropertyListImmutable, &err);
	assert_null(p);
	assert_non_null(err);
	CFRelease(err);
	p = cf_test_parse("{ a = b; }", 10, kCFPropertyListImmutable, &err);
	assert_null(p);
	assert_non_null(err);
	CFRelease(err);
	assert_false(libxml2_loaded());
}

static void
test_unloadable_library(void **state)
{
	Dl_info libplist;

	(void)state;
	assert_int_equal(setenv(HOOK, "/nonexistent/libxml2.so.2", 1), 0);
	assert_parse_error("could not be loaded from /nonexistent/libxml2.so.2", ": ");
	assert_null(cflite_libxml(NULL));

	/* a library that is there but is not libxml2 */
	assert_true(dladdr((void *)plist_free, &libplist) != 0);
	assert_non_null(libplist.dli_fname);
	assert_int_equal(setenv(HOOK, libplist.dli_fname, 1), 0);
	assert_parse_error(libplist.dli_fname, "it has no xmlParserVersion, so it is not libxml2");

	assert_int_equal(unsetenv(HOOK), 0);
	assert_false(libxml2_loaded());
}

static void
test_loaded_once_for_xml(void **state)
{
	CFErrorRef err = NULL;
	CFPropertyListRef p;
	const struct cflite_libxml *lx;

	(void)state;
	p = cf_test_parse(xml, sizeof(xml) - 1, kCFPropertyListImmutable, &err);
	assert_non_null(p);
	assert_null(err);
	assert_true(CFGetTypeID(p) == CFDictionaryGetTypeID());
	cf_test_assert_string(CFDictionaryGetValue(p, CFSTR("CFBundleIdentifier")),
	    "org.freebsd.kmod.if_em");
	CFRelease(p);
	assert_true(libxml2_loaded());

	lx = cflite_libxml(&err);
	assert_non_null(lx);
	assert_null(err);
	assert_ptr_equal(cflite_libxml(NULL), lx);
	/* the table is loaded for good: the hook no longer matters */
	assert_int_equal(setenv(HOOK, "/nonexistent/libxml2.so.2", 1), 0);
	assert_ptr_equal(cflite_libxml(NULL), lx);
	assert_int_equal(unsetenv(HOOK), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_not_loaded_without_xml),
		cmocka_unit_test(test_unloadable_library),
		cmocka_unit_test(test_loaded_once_for_xml),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
