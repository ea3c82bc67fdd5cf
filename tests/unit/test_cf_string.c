/* CoreFoundation-lite CFString: encodings, UTF-16 semantics, mutation, search, formats. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/types.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cf_test_util.h"

#define U8(s) CFStringCreateWithCString(NULL, (s), kCFStringEncodingUTF8)

static void
test_create_and_encodings(void **state)
{
	CFStringRef s;
	char buf[16];

	(void)state;
	s = U8("h\xc3\xa9llo");	/* "héllo" */
	assert_non_null(s);
	assert_int_equal(CFStringGetLength(s), 5);
	assert_true(CFStringGetCString(s, buf, sizeof(buf), kCFStringEncodingUTF8));
	assert_string_equal(buf, "h\xc3\xa9llo");
	assert_false(CFStringGetCString(s, buf, sizeof(buf), kCFStringEncodingASCII));
	assert_true(CFStringGetCString(s, buf, sizeof(buf), kCFStringEncodingISOLatin1));
	assert_string_equal(buf, "h\xe9llo");
	assert_false(CFStringGetCString(s, buf, 6, kCFStringEncodingUTF8));	/* needs 7 */
	assert_true(CFStringGetCString(s, buf, 7, kCFStringEncodingUTF8));
	assert_string_equal(CFStringGetCStringPtr(s, kCFStringEncodingUTF8), "h\xc3\xa9llo");
	assert_null(CFStringGetCStringPtr(s, kCFStringEncodingASCII));
	CFRelease(s);

	/* invalid UTF-8 is refused: stray continuation, overlong, surrogate, truncated, > U+10FFFF */
	assert_null(U8("\x80"));
	assert_null(U8("\xc0\xaf"));
	assert_null(U8("\xed\xa0\x80"));
	assert_null(U8("abc\xe2\x82"));
	assert_null(U8("\xf4\x90\x80\x80"));
	assert_null(CFStringCreateWithCString(NULL, "caf\xe9", kCFStringEncodingASCII));
	assert_null(CFStringCreateWithCString(NULL, "x", kCFStringEncodingUTF16));
	assert_null(CFStringCreateWithCString(NULL, NULL, kCFStringEncodingUTF8));

	s = CFStringCreateWithCString(NULL, "caf\xe9", kCFStringEncodingISOLatin1);
	cf_test_assert_string(s, "caf\xc3\xa9");
	CFRelease(s);
	s = CFStringCreateWithCString(NULL, "plain", kCFStringEncodingMacRoman);
	cf_test_assert_string(s, "plain");
	CFRelease(s);

	/* bytes: embedded NUL kept, BOM skipped only for an external representation */
	s = CFStringCreateWithBytes(NULL, (const UInt8 *)"a\0b", 3, kCFStringEncodingUTF8, false);
	assert_int_equal(CFStringGetLength(s), 3);
	CFRelease(s);
	s = CFStringCreateWithBytes(NULL, (const UInt8 *)"\xef\xbb\xbfx", 4,
	    kCFStringEncodingUTF8, true);
	cf_test_assert_string(s, "x");
	CFRelease(s);
	assert_null(CFStringCreateWithBytes(NULL, (const UInt8 *)"x", -1,
	    kCFStringEncodingUTF8, false));

	assert_int_equal(CFStringGetMaximumSizeForEncoding(10, kCFStringEncodingUTF8), 30);
	assert_int_equal(CFStringGetMaximumSizeForEncoding(10, kCFStringEncodingASCII), 10);
	assert_int_equal(CFStringGetMaximumSizeForEncoding(-1, kCFStringEncodingUTF8),
	    kCFNotFound);
	assert_int_equal(CFStringGetSystemEncoding(), kCFStringEncodingUTF8);
}

static void
test_utf16_semantics(void **state)
{
	/* "a😀b": the emoji is one code point, two UTF-16 units */
	CFStringRef s = U8("a\xf0\x9f\x98\x80" "b"), sub;
	UniChar u[4] = { 0 };
	static const UniChar chars[] = { 'h', 0xd83d, 0xde00 };

	(void)state;
	assert_int_equal(CFStringGetLength(s), 4);
	CFStringGetCharacters(s, CFRangeMake(0, 4), u);
	assert_int_equal(u[0], 'a');
	assert_int_equal(u[1], 0xd83d);
	assert_int_equal(u[2], 0xde00);
	assert_int_equal(u[3], 'b');
	assert_int_equal(CFStringGetCharacterAtIndex(s, 3), 'b');
	sub = CFStringCreateWithSubstring(NULL, s, CFRangeMake(1, 2));
	cf_test_assert_string(sub, "\xf0\x9f\x98\x80");
	CFRelease(sub);
	/* a range splitting the surrogate pair, or past the end, gives NULL */
	assert_null(CFStringCreateWithSubstring(NULL, s, CFRangeMake(2, 1)));
	assert_null(CFStringCreateWithSubstring(NULL, s, CFRangeMake(3, 2)));
	CFRelease(s);

	s = CFStringCreateWithCharacters(NULL, chars, 3);
	cf_test_assert_string(s, "h\xf0\x9f\x98\x80");
	CFRelease(s);
	assert_null(CFStringCreateWithCharacters(NULL, chars, 2));	/* lone surrogate */
}

static void
test_compare(void **state)
{
	(void)state;
	assert_int_equal(CFStringCompare(CFSTR("abc"), CFSTR("abd"), 0), kCFCompareLessThan);
	assert_int_equal(CFStringCompare(CFSTR("abc"), CFSTR("ab"), 0), kCFCompareGreaterThan);
	assert_int_equal(CFStringCompare(CFSTR("abc"), CFSTR("abc"), 0), kCFCompareEqualTo);
	assert_int_equal(CFStringCompare(CFSTR("ABC"), CFSTR("abc"), 0), kCFCompareLessThan);
	assert_int_equal(CFStringCompare(CFSTR("ABC"), CFSTR("abc"), kCFCompareCaseInsensitive),
	    kCFCompareEqualTo);
	assert_int_equal(CFStringCompare(CFSTR("file10"), CFSTR("file9"), 0), kCFCompareLessThan);
	assert_int_equal(CFStringCompare(CFSTR("file10"), CFSTR("file9"), kCFCompareNumerically),
	    kCFCompareGreaterThan);
	assert_int_equal(CFStringCompare(CFSTR("v1.10.2"), CFSTR("v1.9.10"),
	    kCFCompareNumerically), kCFCompareGreaterThan);
	assert_int_equal(CFStringCompare(CFSTR("a007"), CFSTR("a7"), kCFCompareNumerically),
	    kCFCompareEqualTo);
	assert_int_equal(CFStringCompare(CFSTR("x2y"), CFSTR("X10Y"),
	    kCFCompareNumerically | kCFCompareCaseInsensitive), kCFCompareLessThan);
	{
		/* UTF-16 order: U+FF21 sorts after U+1F600's high surrogate (UTF-8 order would differ) */
		CFStringRef fw = U8("\xef\xbc\xa1"), emoji = U8("\xf0\x9f\x98\x80");

		assert_int_equal(CFStringCompare(emoji, fw, 0), kCFCompareLessThan);
		CFRelease(fw);
		CFRelease(emoji);
	}
	{
		/* decided by bytes (ASCII at the first difference, or one string ending) or not */
		CFStringRef e_a = U8("\xc3\xa9" "a"), e_b = U8("\xc3\xa9" "b"), az = U8("az"),
		    ae = U8("a\xc3\xa9"), e = U8("\xc3\xa9");

		assert_int_equal(CFStringCompare(e_a, e_b, 0), kCFCompareLessThan);
		assert_int_equal(CFStringCompare(e_b, e_a, 0), kCFCompareGreaterThan);
		assert_int_equal(CFStringCompare(az, ae, 0), kCFCompareLessThan);
		assert_int_equal(CFStringCompare(e, e_a, 0), kCFCompareLessThan);
		assert_int_equal(CFStringCompare(e_a, e, 0), kCFCompareGreaterThan);
		assert_int_equal(CFStringCompare(ae, ae, 0), kCFCompareEqualTo);
		CFRelease(e_a);
		CFRelease(e_b);
		CFRelease(az);
		CFRelease(ae);
		CFRelease(e);
	}
	assert_int_equal(CFStringCompareWithOptions(CFSTR("xxabcxx"), CFSTR("abc"),
	    CFRangeMake(2, 3), 0), kCFCompareEqualTo);
	assert_true(CFStringHasPrefix(CFSTR("com.apple.kpi"), CFSTR("com.apple.")));
	assert_false(CFStringHasPrefix(CFSTR("com"), CFSTR("com.apple.")));
	assert_true(CFStringHasSuffix(CFSTR("Foo.kext"), CFSTR(".kext")));
	assert_false(CFStringHasSuffix(CFSTR("Foo.kextx"), CFSTR(".kext")));
	assert_true(CFStringHasPrefix(CFSTR("x"), CFSTR("")));
}

static void
test_find(void **state)
{
	CFRange r;
	CFStringRef s = U8("\xf0\x9f\x98\x80-abc-ABC");

	(void)state;
	r = CFStringFind(CFSTR("hello world"), CFSTR("o"), 0);
	assert_int_equal(r.location, 4);
	assert_int_equal(r.length, 1);
	r = CFStringFind(CFSTR("hello world"), CFSTR("o"), kCFCompareBackwards);
	assert_int_equal(r.location, 7);
	r = CFStringFind(CFSTR("hello world"), CFSTR("world"), kCFCompareAnchored);
	assert_int_equal(r.location, kCFNotFound);
	assert_int_equal(r.length, 0);
	r = CFStringFind(CFSTR("hello world"), CFSTR("world"),
	    kCFCompareAnchored | kCFCompareBackwards);
	assert_int_equal(r.location, 6);
	r = CFStringFind(CFSTR("hello"), CFSTR(""), 0);
	assert_int_equal(r.location, kCFNotFound);
	/* indexes are UTF-16 units: the emoji counts 2 */
	r = CFStringFind(s, CFSTR("abc"), 0);
	assert_int_equal(r.location, 3);
	r = CFStringFind(s, CFSTR("abc"), kCFCompareCaseInsensitive | kCFCompareBackwards);
	assert_int_equal(r.location, 7);
	assert_false(CFStringFindWithOptions(s, CFSTR("abc"), CFRangeMake(4, 5), 0, &r));
	assert_false(CFStringFindWithOptions(s, CFSTR("abc"), CFRangeMake(4, 99), 0, &r));
	CFRelease(s);
}

static void
test_split_join_and_values(void **state)
{
	CFArrayRef parts;
	CFStringRef joined;

	(void)state;
	parts = CFStringCreateArrayBySeparatingStrings(NULL, CFSTR("a,b,,c"), CFSTR(","));
	assert_int_equal(CFArrayGetCount(parts), 4);
	assert_true(CFEqual(CFArrayGetValueAtIndex(parts, 2), CFSTR("")));
	assert_true(CFEqual(CFArrayGetValueAtIndex(parts, 3), CFSTR("c")));
	joined = CFStringCreateByCombiningStrings(NULL, parts, CFSTR("::"));
	cf_test_assert_string(joined, "a::b::::c");
	CFRelease(joined);
	CFRelease(parts);
	parts = CFStringCreateArrayBySeparatingStrings(NULL, CFSTR("none"), CFSTR(","));
	assert_int_equal(CFArrayGetCount(parts), 1);
	CFRelease(parts);
	parts = CFStringCreateArrayBySeparatingStrings(NULL, CFSTR(""), CFSTR(","));
	assert_int_equal(CFArrayGetCount(parts), 1);
	CFRelease(parts);

	assert_int_equal(CFStringGetIntValue(CFSTR("  42abc")), 42);
	assert_int_equal(CFStringGetIntValue(CFSTR("-17")), -17);
	assert_int_equal(CFStringGetIntValue(CFSTR("abc")), 0);
	assert_int_equal(CFStringGetIntValue(CFSTR("99999999999")), INT32_MAX);
	assert_int_equal(CFStringGetIntValue(CFSTR("-99999999999")), INT32_MIN);
	assert_true(CFStringGetDoubleValue(CFSTR("2.5")) == 2.5);
	assert_true(CFStringGetDoubleValue(CFSTR("x")) == 0.0);
}

static void
test_mutable(void **state)
{
	CFMutableStringRef m = CFStringCreateMutable(NULL, 0);
	CFStringRef imm = CFSTR("fixed"), copy;
	UniChar pair[] = { 0xd83d, 0xde00 };

	(void)state;
	CFStringAppend(m, CFSTR("abc"));
	CFStringAppendCString(m, "d\xc3\xa9", kCFStringEncodingUTF8);
	CFStringAppendCString(m, "\xff", kCFStringEncodingUTF8);	/* invalid: ignored */
	cf_test_assert_string(m, "abcd\xc3\xa9");
	CFStringAppend(m, m);	/* appending to itself */
	cf_test_assert_string(m, "abcd\xc3\xa9" "abcd\xc3\xa9");
	CFStringDelete(m, CFRangeMake(5, 5));
	cf_test_assert_string(m, "abcd\xc3\xa9");
	CFStringInsert(m, 0, CFSTR(">"));
	CFStringReplace(m, CFRangeMake(1, 3), CFSTR("X"));
	cf_test_assert_string(m, ">Xd\xc3\xa9");
	CFStringAppendCharacters(m, pair, 2);
	assert_int_equal(CFStringGetLength(m), 6);
	CFStringReplaceAll(m, CFSTR("  Mixed Case \n"));
	CFStringTrimWhitespace(m);
	cf_test_assert_string(m, "Mixed Case");
	CFStringUppercase(m, NULL);
	cf_test_assert_string(m, "MIXED CASE");
	CFStringLowercase(m, NULL);
	cf_test_assert_string(m, "mixed case");
	assert_int_equal(CFStringFindAndReplace(m, CFSTR("e"), CFSTR("EE"),
	    CFRangeMake(0, CFStringGetLength(m)), 0), 2);
	cf_test_assert_string(m, "mixEEd casEE");
	/* a copy of a mutable string is independent */
	copy = CFStringCreateCopy(NULL, m);
	CFStringAppend(m, CFSTR("!"));
	cf_test_assert_string(copy, "mixEEd casEE");
	CFRelease(copy);
	/* out-of-range edits are ignored */
	CFStringDelete(m, CFRangeMake(100, 1));
	CFStringInsert(m, -1, CFSTR("x"));
	cf_test_assert_string(m, "mixEEd casEE!");
	/* mutating an immutable string is refused and changes nothing */
	CFStringAppend((CFMutableStringRef)imm, CFSTR("!"));
	cf_test_assert_string(imm, "fixed");
	{
		CFStringRef s = U8("immutable");

		CFStringAppend((CFMutableStringRef)s, CFSTR("!"));
		cf_test_assert_string(s, "immutable");
		CFRelease(s);
	}
	CFRelease(m);
	m = CFStringCreateMutableCopy(NULL, 0, CFSTR("seed"));
	CFStringAppendFormat(m, NULL, CFSTR("-%d"), 7);
	cf_test_assert_string(m, "seed-7");
	CFRelease(m);
}

static CFStringRef
fmt(CFStringRef format, ...)
{
	va_list ap;
	CFStringRef s;

	va_start(ap, format);
	s = CFStringCreateWithFormatAndArguments(NULL, NULL, format, ap);
	va_end(ap);
	return s;
}

static void
check_fmt(CFStringRef s, const char *expected)
{
	assert_non_null(s);
	cf_test_assert_string(s, expected);
	CFRelease(s);
}

static void
test_format(void **state)
{
	int v = 5;
	CFNumberRef n = CFNumberCreate(NULL, kCFNumberIntType, &v);
	CFMutableArrayRef a = CFArrayCreateMutable(NULL, 0, &kCFTypeArrayCallBacks);
	UniChar wide[] = { 'w', 0xe9, 0 };

	(void)state;
	CFArrayAppendValue(a, CFSTR("x"));
	check_fmt(CFStringCreateWithFormat(NULL, NULL, CFSTR("%@ is %@"), CFSTR("five"), n),
	    "five is 5");
	check_fmt(fmt(CFSTR("%d %i %ld %lld %hhd %hd"), -1, 2, -3L, 4LL, 300, 70000),
	    "-1 2 -3 4 44 4464");
	check_fmt(fmt(CFSTR("%u %x %X %o %lu %llx %zu %zd %td %jd"), 7u, 255u, 255u, 8u, 9UL,
	    0x1fULL, (size_t)10, (ssize_t)-11, (ptrdiff_t)12, (intmax_t)13),
	    "7 ff FF 10 9 1f 10 -11 12 13");
	check_fmt(fmt(CFSTR("[%5d|%-5d|%05.1f|%.3s|%*d|%.*f]"), 42, 42, 3.14159, "abcdef", 4, 7,
	    2, 2.5), "[   42|42   |003.1|abc|   7|2.50]");
	check_fmt(fmt(CFSTR("%c%s%%%S%C"), 'A', "bc", wide, (int)0x263a),
	    "Abc%w\xc3\xa9\xe2\x98\xba");
	check_fmt(fmt(CFSTR("%s|%@"), (const char *)NULL, (CFTypeRef)NULL), "(null)|(null)");
	check_fmt(fmt(CFSTR("%@"), a), "(\n    x\n)");
	check_fmt(fmt(CFSTR("%8@|"), CFSTR("r")), "       r|");
	check_fmt(fmt(CFSTR("%e %g %Lg"), 1500.0, 0.0001, (long double)2.5),
	    "1.500000e+03 0.0001 2.5");
	/* unsupported conversions are copied as text and consume nothing */
	check_fmt(fmt(CFSTR("%1$d %n %k|%d"), 9), "%1$d %n %k|9");
	/* bytes that are not UTF-8 from %s are replaced, never produce invalid strings */
	check_fmt(fmt(CFSTR("<%s>"), "a\xff" "b"), "<a\xef\xbf\xbd" "b>");
	check_fmt(fmt(CFSTR("trailing %")), "trailing %");
	assert_null(fmt(NULL));
	{
		char p[32];
		CFStringRef s = fmt(CFSTR("%p"), (void *)a);

		snprintf(p, sizeof(p), "%p", (void *)a);
		cf_test_assert_string(s, p);
		CFRelease(s);
	}
	CFRelease(a);
	CFRelease(n);
}

static void
test_format_ignores_locale(void **state)
{
	const char *locales[] = { "de_DE.UTF-8", "fr_FR.UTF-8", "de_DE", "C.UTF-8" };
	const char *set = NULL;

	(void)state;
	for (size_t i = 0; i < sizeof(locales) / sizeof(locales[0]) && set == NULL; i++)
		set = setlocale(LC_NUMERIC, locales[i]);
	/* with or without a comma-decimal locale installed, CF output uses '.' */
	check_fmt(fmt(CFSTR("%.2f"), 1.5), "1.50");
	assert_true(CFStringGetDoubleValue(CFSTR("0.25")) == 0.25);
	setlocale(LC_NUMERIC, "C");
}

static void
test_non_string_arguments(void **state)
{
	int v = 1;
	CFNumberRef n = CFNumberCreate(NULL, kCFNumberIntType, &v);

	(void)state;
	/* wrong types are answered with neutral values instead of crashes */
	assert_int_equal(CFStringGetLength((CFStringRef)n), 0);
	assert_null(CFStringGetCStringPtr((CFStringRef)n, kCFStringEncodingUTF8));
	assert_null(CFStringCreateCopy(NULL, (CFStringRef)n));
	assert_false(CFStringHasPrefix(NULL, CFSTR("x")));
	assert_int_equal(CFStringFind(NULL, CFSTR("x"), 0).location, kCFNotFound);
	CFRelease(n);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_and_encodings),
		cmocka_unit_test(test_utf16_semantics),
		cmocka_unit_test(test_compare),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_split_join_and_values),
		cmocka_unit_test(test_mutable),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_format_ignores_locale),
		cmocka_unit_test(test_non_string_arguments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
