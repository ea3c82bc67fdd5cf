/* CoreFoundation-lite CFError: domain, code, user info and descriptions. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cf_test_util.h"

static void
assert_description(CFErrorRef e, const char *expected)
{
	char *c = cf_test_error_text(e);

	assert_string_equal(c, expected);
	free(c);
}

static void
test_create_and_read(void **state)
{
	const void *keys[] = { kCFErrorLocalizedDescriptionKey, CFSTR("Extra") };
	const void *vals[] = { CFSTR("Info.plist line 3: bad"), CFSTR("x") };
	CFErrorRef e = CFErrorCreateWithUserInfoKeysAndValues(NULL, kCFErrorDomainCocoa, 3840,
	    keys, vals, 2);
	CFDictionaryRef info;
	CFStringRef s;

	(void)state;
	assert_int_equal(CFGetTypeID(e), CFErrorGetTypeID());
	assert_true(CFEqual(CFErrorGetDomain(e), kCFErrorDomainCocoa));
	assert_true(CFEqual(kCFErrorDomainCocoa, CFSTR("NSCocoaErrorDomain")));
	assert_true(CFEqual(kCFErrorDomainPOSIX, CFSTR("NSPOSIXErrorDomain")));
	assert_int_equal(CFErrorGetCode(e), 3840);
	info = CFErrorCopyUserInfo(e);
	assert_int_equal(CFDictionaryGetCount(info), 2);
	assert_true(CFEqual(CFDictionaryGetValue(info, CFSTR("Extra")), CFSTR("x")));
	CFRelease(info);
	assert_description(e, "Info.plist line 3: bad");
	assert_null(CFErrorCopyFailureReason(e));
	s = CFCopyDescription(e);
	{
		char *c = cf_test_cstr(s);

		assert_string_equal(c, "Error Domain=NSCocoaErrorDomain Code=3840 "
		    "\"Info.plist line 3: bad\"");
		free(c);
	}
	CFRelease(s);
	CFRelease(e);
}

static void
test_generated_descriptions(void **state)
{
	CFErrorRef e = CFErrorCreate(NULL, kCFErrorDomainPOSIX, ENOENT, NULL);
	CFMutableDictionaryRef info;
	char expect[256];
	CFErrorRef r;

	(void)state;
	snprintf(expect, sizeof(expect),
	    "The operation couldn't be completed. (NSPOSIXErrorDomain error 2 - %s)",
	    strerror(ENOENT));
	assert_description(e, expect);
	info = (CFMutableDictionaryRef)CFErrorCopyUserInfo(e);
	assert_int_equal(CFDictionaryGetCount(info), 0);	/* empty, never NULL */
	CFRelease(info);
	CFRelease(e);

	e = CFErrorCreate(NULL, CFSTR("com.example"), 7, NULL);
	assert_description(e, "The operation couldn't be completed. (com.example error 7.)");
	CFRelease(e);

	info = CFDictionaryCreateMutable(NULL, 0, &kCFTypeDictionaryKeyCallBacks,
	    &kCFTypeDictionaryValueCallBacks);
	CFDictionarySetValue(info, kCFErrorLocalizedFailureReasonKey, CFSTR("Disk is full."));
	CFDictionarySetValue(info, kCFErrorLocalizedRecoverySuggestionKey, CFSTR("Free space."));
	r = CFErrorCreate(NULL, kCFErrorDomainCocoa, 1, info);
	/* the error copied the dictionary: later changes do not leak in */
	CFDictionarySetValue(info, kCFErrorLocalizedDescriptionKey, CFSTR("late"));
	assert_description(r, "The operation couldn't be completed. Disk is full.");
	{
		CFStringRef s = CFErrorCopyRecoverySuggestion(r);
		char *c = cf_test_cstr(s);

		assert_string_equal(c, "Free space.");
		free(c);
		CFRelease(s);
	}
	CFRelease(r);
	CFRelease(info);

	assert_null(CFErrorCreate(NULL, NULL, 1, NULL));
	assert_int_equal(CFErrorGetCode(NULL), 0);
	assert_null(CFErrorGetDomain(NULL));
	assert_null(CFErrorCopyDescription(NULL));
}

static void
test_equality(void **state)
{
	CFErrorRef a = CFErrorCreate(NULL, kCFErrorDomainPOSIX, 1, NULL);
	CFErrorRef b = CFErrorCreate(NULL, kCFErrorDomainPOSIX, 1, NULL);
	CFErrorRef c = CFErrorCreate(NULL, kCFErrorDomainPOSIX, 2, NULL);

	(void)state;
	assert_true(CFEqual(a, b));
	assert_int_equal(CFHash(a), CFHash(b));
	assert_false(CFEqual(a, c));
	CFRelease(a);
	CFRelease(b);
	CFRelease(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_and_read),
		cmocka_unit_test(test_generated_descriptions),
		cmocka_unit_test(test_equality),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
