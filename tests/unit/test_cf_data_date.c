/* CoreFoundation-lite CFData / CFMutableData and CFDate. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cf_test_util.h"

static void
test_data(void **state)
{
	CFDataRef d = CFDataCreate(NULL, (const UInt8 *)"hello", 5), same, copy;
	CFMutableDataRef m;
	UInt8 buf[8] = { 0 };
	UInt8 *owned;

	(void)state;
	assert_int_equal(CFDataGetLength(d), 5);
	assert_memory_equal(CFDataGetBytePtr(d), "hello", 5);
	CFDataGetBytes(d, CFRangeMake(1, 3), buf);
	assert_memory_equal(buf, "ell", 3);
	CFDataGetBytes(d, CFRangeMake(4, 3), buf + 4);	/* out of range: untouched */
	assert_int_equal(buf[4], 0);
	copy = CFDataCreateCopy(NULL, d);
	assert_ptr_equal(copy, d);	/* an immutable copy is shared */
	CFRelease(copy);
	assert_null(CFDataGetMutableBytePtr((CFMutableDataRef)d));
	assert_null(CFDataCreate(NULL, NULL, 3));
	assert_null(CFDataCreate(NULL, buf, -1));

	m = CFDataCreateMutableCopy(NULL, 0, d);
	assert_true(CFEqual(m, d));
	assert_int_equal(CFHash(m), CFHash(d));
	CFDataAppendBytes(m, (const UInt8 *)" world", 6);
	assert_int_equal(CFDataGetLength(m), 11);
	CFDataReplaceBytes(m, CFRangeMake(0, 5), (const UInt8 *)"HI", 2);
	assert_memory_equal(CFDataGetBytePtr(m), "HI world", 8);
	CFDataDeleteBytes(m, CFRangeMake(2, 1));
	assert_memory_equal(CFDataGetBytePtr(m), "HIworld", 7);
	CFDataAppendBytes(m, CFDataGetBytePtr(m), 2);	/* from its own buffer */
	assert_memory_equal(CFDataGetBytePtr(m), "HIworldHI", 9);
	CFDataSetLength(m, 12);
	assert_memory_equal(CFDataGetBytePtr(m) + 9, "\0\0\0", 3);
	CFDataIncreaseLength(m, 4);
	assert_int_equal(CFDataGetLength(m), 16);
	CFDataSetLength(m, 2);
	assert_int_equal(CFDataGetLength(m), 2);
	CFDataGetMutableBytePtr(m)[0] = 'h';
	CFDataReplaceBytes(m, CFRangeMake(1, 5), (const UInt8 *)"x", 1);	/* bad range */
	assert_memory_equal(CFDataGetBytePtr(m), "hI", 2);
	assert_false(CFEqual(m, d));
	/* mutation of an immutable data object is refused */
	CFDataAppendBytes((CFMutableDataRef)d, (const UInt8 *)"!", 1);
	assert_int_equal(CFDataGetLength(d), 5);
	same = CFDataCreateCopy(NULL, m);
	CFDataAppendBytes(m, (const UInt8 *)"!", 1);
	assert_int_equal(CFDataGetLength(same), 2);
	CFRelease(same);
	CFRelease(m);
	CFRelease(d);

	/* NoCopy takes ownership of malloc'd bytes (freed here, checked by ASan) */
	owned = malloc(3);
	memcpy(owned, "abc", 3);
	d = CFDataCreateWithBytesNoCopy(NULL, owned, 3, kCFAllocatorDefault);
	assert_memory_equal(CFDataGetBytePtr(d), "abc", 3);
	CFRelease(d);
	d = CFDataCreateWithBytesNoCopy(NULL, buf, 2, kCFAllocatorNull);	/* caller keeps buf */
	assert_int_equal(CFDataGetLength(d), 2);
	CFRelease(d);
	m = CFDataCreateMutable(NULL, 0);
	assert_int_equal(CFDataGetLength(m), 0);
	assert_true(CFEqual(m, m));
	CFRelease(m);
}

static void
test_date(void **state)
{
	CFDateRef a = CFDateCreate(NULL, 0.0), b = CFDateCreate(NULL, 86400.5), c;
	CFAbsoluteTime now = CFAbsoluteTimeGetCurrent();
	double unix_now = (double)time(NULL);

	(void)state;
	assert_true(kCFAbsoluteTimeIntervalSince1970 == 978307200.0);
	assert_true(kCFAbsoluteTimeIntervalSince1904 == 3061152000.0);
	assert_true(now + kCFAbsoluteTimeIntervalSince1970 > unix_now - 5);
	assert_true(now + kCFAbsoluteTimeIntervalSince1970 < unix_now + 5);
	assert_true(CFDateGetAbsoluteTime(b) == 86400.5);
	assert_true(CFDateGetTimeIntervalSinceDate(b, a) == 86400.5);
	assert_int_equal(CFDateCompare(a, b, NULL), kCFCompareLessThan);
	assert_int_equal(CFDateCompare(b, a, NULL), kCFCompareGreaterThan);
	c = CFDateCreate(NULL, 0.0);
	assert_true(CFEqual(a, c));
	assert_int_equal(CFHash(a), CFHash(c));
	assert_int_equal(CFDateCompare(a, c, NULL), kCFCompareEqualTo);
	assert_false(CFEqual(a, b));
	CFRelease(a);
	CFRelease(b);
	CFRelease(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_data),
		cmocka_unit_test(test_date),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
