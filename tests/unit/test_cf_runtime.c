/* CoreFoundation-lite runtime: retain counts, type ids, equality, hashing, descriptions. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "cf_test_util.h"

static CFStringRef
constant_from_function(void)
{
	return CFSTR("CFBundleIdentifier");
}

static CFStringRef
create_second(void)
{
	return CFStringCreateWithCString(NULL, "second", kCFStringEncodingUTF8);
}

static void
test_retain_release(void **state)
{
	CFStringRef s = CFStringCreateWithCString(NULL, "x", kCFStringEncodingUTF8);

	(void)state;
	assert_int_equal(CFGetRetainCount(s), 1);
	assert_ptr_equal(CFRetain(s), s);
	assert_int_equal(CFGetRetainCount(s), 2);
	CFRelease(s);
	assert_int_equal(CFGetRetainCount(s), 1);
	CFRelease(s);
	/* NULL and non-objects are ignored rather than crashing */
	assert_null(CFRetain(NULL));
	CFRelease(NULL);
	assert_int_equal(CFGetRetainCount(NULL), 0);
}

static void
test_constants_are_immortal(void **state)
{
	CFStringRef k = CFSTR("CFBundleIdentifier");
	CFIndex before = CFGetRetainCount(k);

	(void)state;
	for (int i = 0; i < 5; i++)
		CFRelease(k);	/* over-release: must not free static storage */
	assert_int_equal(CFGetRetainCount(k), before);
	assert_true(before > 1000);
	/* the same literal site always yields the same object */
	assert_ptr_equal(constant_from_function(), constant_from_function());
	assert_true(CFEqual(k, constant_from_function()));
	assert_int_equal(CFStringGetLength(k), 18);
	{
		/* constants inside aggregate initializers (a clang pitfall) */
		const void *pair[] = { CFSTR("first"), CFSTR("second") };
		struct { CFStringRef k; int n; } rec = { CFSTR("third"), 3 };
		CFStringRef second = create_second();

		assert_int_equal(CFGetTypeID(pair[0]), CFStringGetTypeID());
		assert_true(CFEqual(pair[1], second));
		CFRelease(second);
		assert_int_equal(CFStringGetLength(rec.k), 5);
	}
	CFRelease(kCFBooleanTrue);
	CFRelease(kCFNull);
	assert_true(CFBooleanGetValue(kCFBooleanTrue));
	assert_int_equal(CFGetTypeID(kCFNull), CFNullGetTypeID());
}

static void
test_type_ids(void **state)
{
	int v = 1;
	CFNumberRef n = CFNumberCreate(NULL, kCFNumberIntType, &v);
	CFDataRef d = CFDataCreate(NULL, (const UInt8 *)"a", 1);
	CFDateRef date = CFDateCreate(NULL, 0);
	CFArrayRef a = CFArrayCreate(NULL, NULL, 0, &kCFTypeArrayCallBacks);
	CFDictionaryRef dict = CFDictionaryCreate(NULL, NULL, NULL, 0,
	    &kCFTypeDictionaryKeyCallBacks, &kCFTypeDictionaryValueCallBacks);
	CFURLRef u = CFURLCreateWithFileSystemPath(NULL, CFSTR("/tmp"), kCFURLPOSIXPathStyle, true);
	CFErrorRef e = CFErrorCreate(NULL, kCFErrorDomainPOSIX, 2, NULL);
	CFTypeID ids[] = {
		CFStringGetTypeID(), CFNumberGetTypeID(), CFBooleanGetTypeID(), CFDataGetTypeID(),
		CFDateGetTypeID(), CFArrayGetTypeID(), CFDictionaryGetTypeID(), CFURLGetTypeID(),
		CFErrorGetTypeID(), CFBundleGetTypeID(), CFNullGetTypeID(), CFAllocatorGetTypeID(),
	};
	const char *names[] = { "CFString", "CFNumber", "CFBoolean", "CFData", "CFDate",
		"CFArray", "CFDictionary", "CFURL", "CFError", "CFBundle", "CFNull", "CFAllocator" };

	(void)state;
	assert_int_equal(CFGetTypeID(CFSTR("x")), CFStringGetTypeID());
	assert_int_equal(CFGetTypeID(n), CFNumberGetTypeID());
	assert_int_equal(CFGetTypeID(kCFBooleanFalse), CFBooleanGetTypeID());
	assert_int_equal(CFGetTypeID(d), CFDataGetTypeID());
	assert_int_equal(CFGetTypeID(date), CFDateGetTypeID());
	assert_int_equal(CFGetTypeID(a), CFArrayGetTypeID());
	assert_int_equal(CFGetTypeID(dict), CFDictionaryGetTypeID());
	assert_int_equal(CFGetTypeID(u), CFURLGetTypeID());
	assert_int_equal(CFGetTypeID(e), CFErrorGetTypeID());
	assert_int_equal(CFGetTypeID(kCFAllocatorSystemDefault), CFAllocatorGetTypeID());
	assert_int_equal(CFGetTypeID(NULL), 0);
	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		CFStringRef name = CFCopyTypeIDDescription(ids[i]);
		char *c = cf_test_cstr(name);

		assert_string_equal(c, names[i]);
		for (size_t j = 0; j < i; j++)
			assert_int_not_equal(ids[i], ids[j]);
		free(c);
		CFRelease(name);
	}
	assert_null(CFCopyTypeIDDescription(0));
	assert_null(CFCopyTypeIDDescription(9999));
	assert_null(kCFAllocatorDefault);
	assert_ptr_equal(CFGetAllocator(n), kCFAllocatorSystemDefault);
	CFRelease(n);
	CFRelease(d);
	CFRelease(date);
	CFRelease(a);
	CFRelease(dict);
	CFRelease(u);
	CFRelease(e);
}

static void
test_equal_and_hash(void **state)
{
	CFStringRef a = CFStringCreateWithCString(NULL, "same", kCFStringEncodingUTF8);
	CFMutableStringRef b = CFStringCreateMutable(NULL, 0);
	int one = 1;
	double onef = 1.0;
	CFNumberRef n1 = CFNumberCreate(NULL, kCFNumberIntType, &one);
	CFNumberRef n2 = CFNumberCreate(NULL, kCFNumberDoubleType, &onef);

	(void)state;
	CFStringAppendCString(b, "same", kCFStringEncodingUTF8);
	assert_true(CFEqual(a, b));
	assert_true(CFEqual(a, CFSTR("same")));
	assert_int_equal(CFHash(a), CFHash(b));
	assert_int_equal(CFHash(a), CFHash(CFSTR("same")));
	assert_false(CFEqual(a, CFSTR("other")));
	/* numbers compare by value across int and float; equal values hash alike */
	assert_true(CFEqual(n1, n2));
	assert_int_equal(CFHash(n1), CFHash(n2));
	/* different types are never equal, even when "true" and 1 */
	assert_false(CFEqual(kCFBooleanTrue, n1));
	assert_false(CFEqual(a, NULL));
	assert_false(CFEqual(NULL, a));
	assert_true(CFEqual(NULL, NULL));
	CFRelease(a);
	CFRelease(b);
	CFRelease(n1);
	CFRelease(n2);
}

static void
test_descriptions(void **state)
{
	CFMutableDictionaryRef d = CFDictionaryCreateMutable(NULL, 0,
	    &kCFTypeDictionaryKeyCallBacks, &kCFTypeDictionaryValueCallBacks);
	CFMutableArrayRef a = CFArrayCreateMutable(NULL, 0, &kCFTypeArrayCallBacks);
	int v = 42;
	CFNumberRef n = CFNumberCreate(NULL, kCFNumberIntType, &v);
	CFDataRef data = CFDataCreate(NULL, (const UInt8 *)"\x01\x02\xff", 3);
	CFDateRef date = CFDateCreate(NULL, 86400.0 + 3661.0);
	CFStringRef s;
	char *c;

	(void)state;
	CFArrayAppendValue(a, n);
	CFArrayAppendValue(a, CFSTR("two words"));
	CFArrayAppendValue(a, kCFBooleanTrue);
	CFArrayAppendValue(a, data);
	CFArrayAppendValue(a, date);
	CFDictionarySetValue(d, CFSTR("Key"), a);
	s = CFCopyDescription(d);
	c = cf_test_cstr(s);
	assert_string_equal(c, "{\n    Key = (\n        42,\n        \"two words\",\n"
	    "        true,\n        <0102ff>,\n        2001-01-02 01:01:01 +0000\n    );\n}");
	free(c);
	CFRelease(s);
	/* a string describes as itself */
	s = CFCopyDescription(CFSTR("plain text"));
	c = cf_test_cstr(s);
	assert_string_equal(c, "plain text");
	free(c);
	CFRelease(s);
	assert_null(CFCopyDescription(NULL));
	CFShow(d);	/* to stderr; must not crash */
	CFShow(NULL);
	CFShow(CFSTR("CFShow of a string"));
	CFRelease(n);
	CFRelease(data);
	CFRelease(date);
	CFRelease(a);
	CFRelease(d);
}

static void
test_self_referencing_description_is_bounded(void **state)
{
	CFMutableArrayRef a = CFArrayCreateMutable(NULL, 0, &kCFTypeArrayCallBacks);
	CFStringRef s;

	(void)state;
	CFArrayAppendValue(a, a);	/* a cycle: description must stop */
	s = CFCopyDescription(a);
	assert_non_null(s);
	assert_true(CFStringFind(s, CFSTR("..."), 0).location != kCFNotFound);
	CFRelease(s);
	CFArrayRemoveAllValues(a);	/* break the cycle so it can be freed */
	CFRelease(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_retain_release),
		cmocka_unit_test(test_constants_are_immortal),
		cmocka_unit_test(test_type_ids),
		cmocka_unit_test(test_equal_and_hash),
		cmocka_unit_test(test_descriptions),
		cmocka_unit_test(test_self_referencing_description_is_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
