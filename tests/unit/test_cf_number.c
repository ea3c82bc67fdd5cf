/* CoreFoundation-lite CFNumber and CFBoolean: every type, conversions and their loss flag. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cf_test_util.h"

static void
test_all_types_round_trip(void **state)
{
	SInt8 s8 = -8;
	SInt16 s16 = -1600;
	SInt32 s32 = -320000;
	SInt64 s64 = -6400000000LL;
	Float32 f32 = 1.5f;
	Float64 f64 = -2.25;
	char c = 'c';
	short sh = 12;
	int i = 13;
	long l = 14;
	long long ll = 15;
	float f = 0.5f;
	double d = 0.75;
	CFIndex idx = 16;
	struct {
		CFNumberType type;
		const void *in;
		CFNumberType canonical;
		CFIndex size;
		bool is_float;
	} cases[] = {
		{ kCFNumberSInt8Type, &s8, kCFNumberSInt8Type, 1, false },
		{ kCFNumberSInt16Type, &s16, kCFNumberSInt16Type, 2, false },
		{ kCFNumberSInt32Type, &s32, kCFNumberSInt32Type, 4, false },
		{ kCFNumberSInt64Type, &s64, kCFNumberSInt64Type, 8, false },
		{ kCFNumberFloat32Type, &f32, kCFNumberFloat32Type, 4, true },
		{ kCFNumberFloat64Type, &f64, kCFNumberFloat64Type, 8, true },
		{ kCFNumberCharType, &c, kCFNumberSInt8Type, 1, false },
		{ kCFNumberShortType, &sh, kCFNumberSInt16Type, 2, false },
		{ kCFNumberIntType, &i, kCFNumberSInt32Type, 4, false },
		{ kCFNumberLongType, &l, sizeof(long) == 8 ? kCFNumberSInt64Type : kCFNumberSInt32Type,
		  (CFIndex)sizeof(long), false },
		{ kCFNumberLongLongType, &ll, kCFNumberSInt64Type, 8, false },
		{ kCFNumberFloatType, &f, kCFNumberFloat32Type, 4, true },
		{ kCFNumberDoubleType, &d, kCFNumberFloat64Type, 8, true },
		{ kCFNumberCFIndexType, &idx, sizeof(long) == 8 ? kCFNumberSInt64Type :
		  kCFNumberSInt32Type, (CFIndex)sizeof(long), false },
		{ kCFNumberNSIntegerType, &idx, sizeof(long) == 8 ? kCFNumberSInt64Type :
		  kCFNumberSInt32Type, (CFIndex)sizeof(long), false },
		{ kCFNumberCGFloatType, &d, kCFNumberFloat64Type, 8, true },
	};

	(void)state;
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		CFNumberRef n = CFNumberCreate(NULL, cases[k].type, cases[k].in);
		unsigned char out[16];

		assert_non_null(n);
		assert_int_equal(CFNumberGetType(n), cases[k].canonical);
		assert_int_equal(CFNumberGetByteSize(n), cases[k].size);
		assert_int_equal(CFNumberIsFloatType(n), cases[k].is_float);
		memset(out, 0xaa, sizeof(out));
		assert_true(CFNumberGetValue(n, cases[k].type, out));	/* same type: exact */
		assert_memory_equal(out, cases[k].in, (size_t)cases[k].size);
		CFRelease(n);
	}
	assert_null(CFNumberCreate(NULL, 0, &i));
	assert_null(CFNumberCreate(NULL, 99, &i));
	assert_null(CFNumberCreate(NULL, kCFNumberIntType, NULL));
}

static void
test_conversions_report_loss(void **state)
{
	SInt64 big = 300, huge = INT64_MAX;
	double frac = 2.75, neg = -1e30, nan_v = NAN;
	CFNumberRef n;
	SInt8 s8;
	SInt32 s32;
	SInt64 s64;
	Float32 f32;
	Float64 f64;

	(void)state;
	n = CFNumberCreate(NULL, kCFNumberSInt64Type, &big);
	assert_false(CFNumberGetValue(n, kCFNumberSInt8Type, &s8));	/* 300 does not fit */
	assert_int_equal(s8, (SInt8)300);
	assert_true(CFNumberGetValue(n, kCFNumberSInt32Type, &s32));
	assert_int_equal(s32, 300);
	assert_true(CFNumberGetValue(n, kCFNumberFloat64Type, &f64));
	assert_true(f64 == 300.0);
	CFRelease(n);

	n = CFNumberCreate(NULL, kCFNumberSInt64Type, &huge);
	assert_false(CFNumberGetValue(n, kCFNumberFloat64Type, &f64));	/* 2^63-1 not exact */
	assert_false(CFNumberGetValue(n, kCFNumberFloat32Type, &f32));
	CFRelease(n);

	n = CFNumberCreate(NULL, kCFNumberFloat64Type, &frac);
	assert_false(CFNumberGetValue(n, kCFNumberSInt32Type, &s32));	/* fraction dropped */
	assert_int_equal(s32, 2);
	assert_true(CFNumberGetValue(n, kCFNumberFloat32Type, &f32));	/* 2.75 is exact */
	CFRelease(n);

	n = CFNumberCreate(NULL, kCFNumberDoubleType, &neg);
	assert_false(CFNumberGetValue(n, kCFNumberSInt64Type, &s64));	/* clamped */
	assert_true(s64 == INT64_MIN);
	CFRelease(n);

	frac = 0.1;
	n = CFNumberCreate(NULL, kCFNumberDoubleType, &frac);
	assert_false(CFNumberGetValue(n, kCFNumberFloat32Type, &f32));	/* precision lost */
	CFRelease(n);

	n = CFNumberCreate(NULL, kCFNumberDoubleType, &nan_v);
	assert_false(CFNumberGetValue(n, kCFNumberSInt32Type, &s32));
	assert_true(CFNumberGetValue(n, kCFNumberFloat32Type, &f32));
	assert_true(isnan(f32));
	assert_false(CFNumberGetValue(n, 0, &s32));
	CFRelease(n);
}

static void
test_compare_and_constants(void **state)
{
	int a = 2;
	double b = 2.5, c = 2.0;
	SInt64 m = INT64_MAX;
	CFNumberRef na = CFNumberCreate(NULL, kCFNumberIntType, &a);
	CFNumberRef nb = CFNumberCreate(NULL, kCFNumberDoubleType, &b);
	CFNumberRef nc = CFNumberCreate(NULL, kCFNumberDoubleType, &c);
	CFNumberRef nm = CFNumberCreate(NULL, kCFNumberSInt64Type, &m);
	double v;

	(void)state;
	assert_int_equal(CFNumberCompare(na, nb, NULL), kCFCompareLessThan);
	assert_int_equal(CFNumberCompare(nb, na, NULL), kCFCompareGreaterThan);
	assert_int_equal(CFNumberCompare(na, nc, NULL), kCFCompareEqualTo);
	assert_true(CFEqual(na, nc));
	assert_int_equal(CFHash(na), CFHash(nc));
	assert_int_equal(CFNumberCompare(nm, kCFNumberPositiveInfinity, NULL), kCFCompareLessThan);
	assert_int_equal(CFNumberCompare(kCFNumberNegativeInfinity, na, NULL), kCFCompareLessThan);
	assert_int_equal(CFNumberCompare(kCFNumberNaN, kCFNumberNegativeInfinity, NULL),
	    kCFCompareLessThan);
	assert_true(CFEqual(kCFNumberNaN, kCFNumberNaN));
	assert_true(CFNumberGetValue(kCFNumberPositiveInfinity, kCFNumberDoubleType, &v));
	assert_true(isinf(v) && v > 0);
	CFRelease(kCFNumberNaN);	/* constants are immortal */
	assert_true(CFNumberIsFloatType(kCFNumberNaN));
	CFRelease(na);
	CFRelease(nb);
	CFRelease(nc);
	CFRelease(nm);
}

static void
test_boolean(void **state)
{
	(void)state;
	assert_true(CFBooleanGetValue(kCFBooleanTrue));
	assert_false(CFBooleanGetValue(kCFBooleanFalse));
	assert_false(CFBooleanGetValue(NULL));
	assert_false(CFEqual(kCFBooleanTrue, kCFBooleanFalse));
	assert_int_not_equal(CFHash(kCFBooleanTrue), CFHash(kCFBooleanFalse));
	assert_int_equal(CFGetTypeID(kCFBooleanTrue), CFBooleanGetTypeID());
	assert_int_equal(CFNumberGetType((CFNumberRef)kCFBooleanTrue), 0);	/* not a number */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_all_types_round_trip),
		cmocka_unit_test(test_conversions_report_loss),
		cmocka_unit_test(test_compare_and_constants),
		cmocka_unit_test(test_boolean),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
