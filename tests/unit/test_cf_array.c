/* CoreFoundation-lite CFArray / CFMutableArray: callbacks, editing, bounds, sorting. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "cf_test_util.h"

static CFNumberRef
num(int v)
{
	return CFNumberCreate(NULL, kCFNumberIntType, &v);
}

static int
int_at(CFArrayRef a, CFIndex i)
{
	int v = -1;

	CFNumberGetValue(CFArrayGetValueAtIndex(a, i), kCFNumberIntType, &v);
	return v;
}

static void
test_retains_values(void **state)
{
	CFStringRef s = CFStringCreateWithCString(NULL, "v", kCFStringEncodingUTF8);
	CFMutableArrayRef a = CFArrayCreateMutable(NULL, 0, &kCFTypeArrayCallBacks);
	CFArrayRef copy;

	(void)state;
	CFArrayAppendValue(a, s);
	assert_int_equal(CFGetRetainCount(s), 2);
	copy = CFArrayCreateCopy(NULL, a);
	assert_int_equal(CFGetRetainCount(s), 3);
	assert_true(CFEqual(copy, a));
	CFArrayRemoveValueAtIndex(a, 0);
	assert_int_equal(CFGetRetainCount(s), 2);
	assert_false(CFEqual(copy, a));
	CFRelease(copy);
	assert_int_equal(CFGetRetainCount(s), 1);
	CFRelease(a);
	CFRelease(s);
}

static void
test_edit_and_bounds(void **state)
{
	CFMutableArrayRef a = CFArrayCreateMutable(NULL, 0, &kCFTypeArrayCallBacks);
	CFNumberRef n[5];
	const void *vals[5];

	(void)state;
	for (int i = 0; i < 5; i++)
		n[i] = num(i);
	for (int i = 0; i < 3; i++)
		CFArrayAppendValue(a, n[i]);		/* 0 1 2 */
	CFArrayInsertValueAtIndex(a, 0, n[3]);		/* 3 0 1 2 */
	CFArrayInsertValueAtIndex(a, 4, n[4]);		/* 3 0 1 2 4 */
	CFArrayInsertValueAtIndex(a, 9, n[4]);		/* out of range: ignored */
	assert_int_equal(CFArrayGetCount(a), 5);
	assert_int_equal(int_at(a, 0), 3);
	assert_int_equal(int_at(a, 4), 4);
	CFArraySetValueAtIndex(a, 1, n[4]);		/* 3 4 1 2 4 */
	CFArrayExchangeValuesAtIndices(a, 0, 3);	/* 2 4 1 3 4 */
	assert_int_equal(int_at(a, 0), 2);
	assert_int_equal(int_at(a, 3), 3);
	assert_null(CFArrayGetValueAtIndex(a, 5));
	assert_null(CFArrayGetValueAtIndex(a, -1));
	CFArrayRemoveValueAtIndex(a, 7);		/* ignored */
	assert_true(CFArrayContainsValue(a, CFRangeMake(0, 5), n[1]));
	assert_false(CFArrayContainsValue(a, CFRangeMake(0, 2), n[1]));
	assert_false(CFArrayContainsValue(a, CFRangeMake(3, 9), n[1]));	/* bad range */
	assert_int_equal(CFArrayGetCountOfValue(a, CFRangeMake(0, 5), n[4]), 2);
	assert_int_equal(CFArrayGetFirstIndexOfValue(a, CFRangeMake(0, 5), n[4]), 1);
	assert_int_equal(CFArrayGetLastIndexOfValue(a, CFRangeMake(0, 5), n[4]), 4);
	assert_int_equal(CFArrayGetFirstIndexOfValue(a, CFRangeMake(0, 5), n[0]), kCFNotFound);
	CFArrayGetValues(a, CFRangeMake(1, 2), vals);
	assert_ptr_equal(vals[0], n[4]);
	assert_ptr_equal(vals[1], n[1]);
	{
		/* equality uses CFEqual, not identity */
		CFNumberRef other = num(3);

		assert_true(CFArrayContainsValue(a, CFRangeMake(0, 5), other));
		CFRelease(other);
	}
	CFArrayAppendArray(a, a, CFRangeMake(0, 2));	/* from itself */
	assert_int_equal(CFArrayGetCount(a), 7);
	assert_int_equal(int_at(a, 6), 4);
	CFArrayRemoveAllValues(a);
	assert_int_equal(CFArrayGetCount(a), 0);
	for (int i = 0; i < 5; i++)
		CFRelease(n[i]);
	CFRelease(a);
}

static CFComparisonResult
by_value_ignoring_tens(const void *x, const void *y, void *ctx)
{
	int a = 0, b = 0;

	(*(int *)ctx)++;
	CFNumberGetValue(x, kCFNumberIntType, &a);
	CFNumberGetValue(y, kCFNumberIntType, &b);
	a %= 10;
	b %= 10;
	return a < b ? kCFCompareLessThan : a > b ? kCFCompareGreaterThan : kCFCompareEqualTo;
}

static void
sum(const void *value, void *ctx)
{
	int v = 0;

	CFNumberGetValue(value, kCFNumberIntType, &v);
	*(int *)ctx += v;
}

static void
test_sort_is_stable_and_apply(void **state)
{
	int in[] = { 13, 2, 23, 1, 3, 12, 33, 0 }, expect[] = { 0, 1, 2, 12, 13, 23, 3, 33 };
	CFMutableArrayRef a = CFArrayCreateMutable(NULL, 0, &kCFTypeArrayCallBacks);
	int calls = 0, total = 0;

	(void)state;
	for (size_t i = 0; i < 8; i++) {
		CFNumberRef n = num(in[i]);

		CFArrayAppendValue(a, n);
		CFRelease(n);
	}
	/* keys 3,2,3,1,3,2,3,0 -> equal keys keep their order */
	CFArraySortValues(a, CFRangeMake(0, 8), by_value_ignoring_tens, &calls);
	assert_true(calls > 0);
	for (int i = 0; i < 8; i++) {
		int v = int_at(a, i);

		assert_int_equal(v % 10, expect[i] % 10);
	}
	assert_int_equal(int_at(a, 4), 13);
	assert_int_equal(int_at(a, 5), 23);
	assert_int_equal(int_at(a, 6), 3);
	assert_int_equal(int_at(a, 7), 33);
	CFArrayApplyFunction(a, CFRangeMake(0, 8), sum, &total);
	assert_int_equal(total, 87);
	total = 0;
	CFArrayApplyFunction(a, CFRangeMake(6, 2), sum, &total);
	assert_int_equal(total, 36);
	CFRelease(a);
}

static void
test_plain_pointers_and_immutability(void **state)
{
	static int x, y;
	const void *vals[] = { &x, &y };
	CFArrayRef a = CFArrayCreate(NULL, vals, 2, NULL);
	CFMutableArrayRef m;

	(void)state;
	assert_int_equal(CFArrayGetCount(a), 2);
	assert_ptr_equal(CFArrayGetValueAtIndex(a, 1), &y);
	assert_true(CFArrayContainsValue(a, CFRangeMake(0, 2), &x));
	/* an immutable array ignores mutation */
	CFArrayAppendValue((CFMutableArrayRef)a, &x);
	assert_int_equal(CFArrayGetCount(a), 2);
	m = CFArrayCreateMutableCopy(NULL, 0, a);
	CFArrayAppendValue(m, &x);
	assert_int_equal(CFArrayGetCount(m), 3);
	assert_int_equal(CFArrayGetCount(a), 2);
	CFRelease(m);
	CFRelease(a);
	assert_null(CFArrayCreate(NULL, NULL, 3, &kCFTypeArrayCallBacks));
	assert_int_equal(CFArrayGetCount(NULL), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_retains_values),
		cmocka_unit_test(test_edit_and_bounds),
		cmocka_unit_test(test_sort_is_stable_and_apply),
		cmocka_unit_test(test_plain_pointers_and_immutability),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
