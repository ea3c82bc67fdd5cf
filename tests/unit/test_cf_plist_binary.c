/* CoreFoundation-lite binary property lists (through libplist) and XML<->binary round trips. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <plist/plist.h>

#include <stdlib.h>
#include <string.h>

#include "cf_test_util.h"
#include "../../CoreFoundation-lite/src/cflite_plist_compat.h"

static CFDataRef
create_data(CFPropertyListRef p, CFPropertyListFormat fmt)
{
	CFErrorRef err = NULL;
	CFDataRef d = CFPropertyListCreateData(NULL, p, fmt, 0, &err);

	if (d == NULL) {
		char *t = cf_test_error_text(err);

		fail_msg("write failed: %s", t);
	}
	return d;
}

static CFPropertyListRef
read_data(CFDataRef d, CFOptionFlags opts, CFPropertyListFormat expect_fmt)
{
	CFPropertyListFormat fmt = 0;
	CFErrorRef err = NULL;
	CFPropertyListRef p = CFPropertyListCreateWithData(NULL, d, opts, &fmt, &err);

	if (p == NULL) {
		char *t = cf_test_error_text(err);

		fail_msg("read failed: %s", t);
	}
	assert_int_equal(fmt, expect_fmt);
	return p;
}

/* XML -> CF -> XML -> binary -> CF -> XML: both XML outputs identical. */
static void
round_trip_file(const char *name)
{
	char *path = cf_test_data_path(name);
	CFPropertyListRef p1, p2;
	CFDataRef x1, bin, x2;

	if (path == NULL)
		skip();
	p1 = CFLitePropertyListCreateFromPath(path, 0, NULL, NULL);
	assert_non_null(p1);
	x1 = create_data(p1, kCFPropertyListXMLFormat_v1_0);
	bin = create_data(p1, kCFPropertyListBinaryFormat_v1_0);
	assert_memory_equal(CFDataGetBytePtr(bin), "bplist00", 8);
	p2 = read_data(bin, 0, kCFPropertyListBinaryFormat_v1_0);
	assert_true(CFEqual(p1, p2));
	x2 = create_data(p2, kCFPropertyListXMLFormat_v1_0);
	assert_int_equal(CFDataGetLength(x1), CFDataGetLength(x2));
	assert_memory_equal(CFDataGetBytePtr(x1), CFDataGetBytePtr(x2), (size_t)CFDataGetLength(x1));
	/* binary output is deterministic too */
	{
		CFDataRef bin2 = create_data(p2, kCFPropertyListBinaryFormat_v1_0);

		assert_true(CFEqual(bin, bin2));
		CFRelease(bin2);
	}
	CFRelease(x1);
	CFRelease(x2);
	CFRelease(bin);
	CFRelease(p1);
	CFRelease(p2);
	free(path);
}

static void
test_round_trip_kext_info(void **state)
{
	(void)state;
	round_trip_file("kext_info.plist");
}

static void
test_round_trip_app_info(void **state)
{
	(void)state;
	round_trip_file("app_info.plist");
}

static void
test_round_trip_mixed_types(void **state)
{
	(void)state;
	round_trip_file("mixed_types.plist");
}

static void
test_binary_values_and_mutability(void **state)
{
	CFMutableDictionaryRef d = CFDictionaryCreateMutable(NULL, 0,
	    &kCFTypeDictionaryKeyCallBacks, &kCFTypeDictionaryValueCallBacks);
	CFDateRef date = CFDateCreate(NULL, 12345.5);
	long long neg = -2;
	CFNumberRef n = CFNumberCreate(NULL, kCFNumberLongLongType, &neg);
	CFDataRef bin;
	CFDictionaryRef p;

	(void)state;
	CFDictionarySetValue(d, CFSTR("date"), date);
	CFDictionarySetValue(d, CFSTR("neg"), n);
	CFDictionarySetValue(d, CFSTR("s"), CFSTR("\xc3\xa9t\xc3\xa9"));
	bin = create_data(d, kCFPropertyListBinaryFormat_v1_0);
	p = read_data(bin, kCFPropertyListImmutable, kCFPropertyListBinaryFormat_v1_0);
#if KEXT_LIBPLIST_VERSION >= 20700
	/* libplist 2.7's date calls carry whole seconds: 12345.5 comes back as 12345 */
	assert_true(CFDateGetAbsoluteTime(CFDictionaryGetValue(p, CFSTR("date"))) == 12345.0);
	CFDictionarySetValue(d, CFSTR("date"), CFDictionaryGetValue(p, CFSTR("date")));
#endif
	assert_true(CFEqual(p, d));	/* older libplist: sub-second dates survive */
	CFDictionarySetValue((CFMutableDictionaryRef)p, CFSTR("x"), kCFBooleanTrue);
	assert_int_equal(CFDictionaryGetCount(p), 3);
	CFRelease(p);
	p = read_data(bin, kCFPropertyListMutableContainersAndLeaves,
	    kCFPropertyListBinaryFormat_v1_0);
	CFDictionarySetValue((CFMutableDictionaryRef)p, CFSTR("x"), kCFBooleanTrue);
	assert_int_equal(CFDictionaryGetCount(p), 4);
	CFStringAppend((CFMutableStringRef)CFDictionaryGetValue(p, CFSTR("s")), CFSTR("!"));
	assert_true(CFEqual(CFDictionaryGetValue(p, CFSTR("s")), CFSTR("\xc3\xa9t\xc3\xa9!")));
	CFRelease(p);
	CFRelease(bin);
	CFRelease(n);
	CFRelease(date);
	CFRelease(d);
}

static void
expect_read_error(const void *bytes, size_t n, const char *message)
{
	CFErrorRef err = NULL;
	CFPropertyListRef p = cf_test_parse(bytes, n, 0, &err);
	char *t = cf_test_error_text(err);

	assert_null(p);
	assert_string_equal(t, message);
	assert_int_equal(CFErrorGetCode(err), kCFPropertyListReadCorruptError);
	free(t);
	CFRelease(err);
}

static void
test_corrupt_binary(void **state)
{
	CFDataRef bin;
	const char junk[] = "bplist00\x01\x02\x03 not really";

	(void)state;
	expect_read_error(junk, sizeof(junk) - 1,
	    "binary property list: the file is corrupt or truncated");
	expect_read_error("bplist00", 8, "binary property list: the file is corrupt or truncated");
	bin = create_data(CFSTR("some string value"), kCFPropertyListBinaryFormat_v1_0);
	expect_read_error(CFDataGetBytePtr(bin), (size_t)CFDataGetLength(bin) - 5,
	    "binary property list: the file is corrupt or truncated");
	CFRelease(bin);
}

/* Random byte flips in a valid file: every result is a value or an error, never a crash. */
static void
test_mutated_binary_never_crashes(void **state)
{
	char *path = cf_test_data_path("kext_info.plist");
	CFPropertyListRef p;
	CFDataRef bin;
	uint32_t seed = 12345;
	int ok = 0, bad = 0;

	(void)state;
	if (path == NULL)
		skip();
	p = CFLitePropertyListCreateFromPath(path, 0, NULL, NULL);
	bin = create_data(p, kCFPropertyListBinaryFormat_v1_0);
	for (int round = 0; round < 300; round++) {
		CFMutableDataRef m = CFDataCreateMutableCopy(NULL, 0, bin);
		UInt8 *b = CFDataGetMutableBytePtr(m);
		CFIndex len = CFDataGetLength(m);
		CFErrorRef err = NULL;
		CFPropertyListRef q;

		for (int k = 0; k < 3; k++) {
			seed = seed * 1103515245u + 12345u;
			b[8 + (seed >> 8) % (uint32_t)(len - 8)] ^= (UInt8)(1u << (seed & 7));
		}
		q = CFPropertyListCreateWithData(NULL, m, 0, NULL, &err);
		if (q != NULL) {
			ok++;
			CFRelease(q);
		} else {
			assert_non_null(err);
			bad++;
			CFRelease(err);
		}
		CFRelease(m);
	}
	assert_int_equal(ok + bad, 300);
	CFRelease(bin);
	CFRelease(p);
	free(path);
}

static void
test_unsupported_content(void **state)
{
	plist_t uid = plist_new_array(), deep;
	char *raw = NULL;
	uint32_t len = 0;
	CFErrorRef err = NULL;
	CFStringRef nul;
	char *t;

	(void)state;
	/* keyed-archiver UIDs have no CF-lite type */
	plist_array_append_item(uid, plist_new_uid(7));
	plist_to_bin(uid, &raw, &len);
	expect_read_error(raw, len, "binary property list: UID objects (keyed archives) are not "
	    "supported");
	cflite_plist_bin_free(raw);
	plist_free(uid);

	/* nesting deeper than the bound is refused */
	deep = plist_new_array();
	for (int i = 0; i < 200; i++) {
		plist_t outer = plist_new_array();

		plist_array_append_item(outer, deep);
		deep = outer;
	}
	raw = NULL;	/* plist_to_bin refuses to overwrite a non-NULL pointer */
	plist_to_bin(deep, &raw, &len);
	expect_read_error(raw, len, "binary property list: containers are nested deeper than 128 "
	    "levels");
	cflite_plist_bin_free(raw);
	plist_free(deep);

	/* libplist strings are C strings: a NUL cannot be written */
	nul = CFStringCreateWithBytes(NULL, (const UInt8 *)"a\0b", 3, kCFStringEncodingUTF8, false);
	assert_null(CFPropertyListCreateData(NULL, nul, kCFPropertyListBinaryFormat_v1_0, 0, &err));
	t = cf_test_error_text(err);
	assert_string_equal(t, "binary property list cannot be written: a string holds a NUL "
	    "character");
	free(t);
	CFRelease(err);
	CFRelease(nul);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_kext_info),
		cmocka_unit_test(test_round_trip_app_info),
		cmocka_unit_test(test_round_trip_mixed_types),
		cmocka_unit_test(test_binary_values_and_mutability),
		cmocka_unit_test(test_corrupt_binary),
		cmocka_unit_test(test_mutated_binary_never_crashes),
		cmocka_unit_test(test_unsupported_content),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
