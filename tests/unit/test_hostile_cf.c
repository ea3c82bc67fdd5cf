/*
 * Hostile values for CoreFoundation-lite, found by fuzzing (tests/fuzz) or
 * by review: strings XML cannot hold must not be written as an unreadable
 * file, CR must survive a round trip, and comparing self-containing or very
 * deep containers must end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "cf_test_util.h"

static CFStringRef
str(const char *s)
{
	return CFStringCreateWithCString(NULL, s, kCFStringEncodingUTF8);
}

/* A one-key dictionary {key: value}, as the fuzzer's input decoded to. */
static CFDictionaryRef
one(const char *key, const char *value)
{
	CFStringRef k = str(key), v = str(value);
	CFDictionaryRef d = CFDictionaryCreate(NULL, (const void **)&k, (const void **)&v, 1,
	    &kCFTypeDictionaryKeyCallBacks, &kCFTypeDictionaryValueCallBacks);

	CFRelease(k);
	CFRelease(v);
	return d;
}

static void
assert_xml_refused(CFDictionaryRef d)
{
	CFErrorRef err = NULL;
	CFDataRef out = CFPropertyListCreateData(NULL, d, kCFPropertyListXMLFormat_v1_0, 0, &err);
	char *text;

	assert_null(out);
	assert_non_null(err);
	text = cf_test_error_text(err);
	assert_non_null(strstr(text, "expected strings of characters XML can hold"));
	assert_non_null(strstr(text, "found a control character"));
	free(text);
	CFRelease(err);
}

/* fuzz_plist found: a binary plist string with U+0017 was written as XML no parser reads. */
static void
test_control_character_refused(void **state)
{
	static const char *const bad[] = { "Copyri\x17ht", "\x01", "a\x1f", "\xef\xbf\xbe",
	    "x\xef\xbf\xbf" };

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CFDictionaryRef as_value = one("k", bad[i]), as_key = one(bad[i], "v");

		assert_xml_refused(as_value);
		assert_xml_refused(as_key);
		CFRelease(as_value);
		CFRelease(as_key);
	}
}

/* Tab, LF and CR are legal; CR is written as a reference so parsers keep it. */
static void
test_cr_round_trips(void **state)
{
	CFDictionaryRef d = one("k", "a\rb\r\nc\td\n"), back;
	CFDataRef out = CFPropertyListCreateData(NULL, d, kCFPropertyListXMLFormat_v1_0, 0, NULL);
	char *text;

	(void)state;
	assert_non_null(out);
	text = cf_test_data_text(out);
	assert_non_null(strstr(text, "<string>a&#13;b&#13;\nc\td\n</string>"));
	back = CFPropertyListCreateWithData(NULL, out, kCFPropertyListImmutable, NULL, NULL);
	assert_non_null(back);
	assert_true(CFEqual(d, back));
	free(text);
	CFRelease(back);
	CFRelease(out);
	CFRelease(d);
}

/* Two arrays that each hold themselves: CFEqual must answer, not recurse forever. */
static void
test_equal_on_cycles_ends(void **state)
{
	CFMutableArrayRef a = CFArrayCreateMutable(NULL, 0, &kCFTypeArrayCallBacks);
	CFMutableArrayRef b = CFArrayCreateMutable(NULL, 0, &kCFTypeArrayCallBacks);
	CFStringRef d;

	(void)state;
	CFArrayAppendValue(a, a);
	CFArrayAppendValue(b, b);
	assert_false(CFEqual(a, b));
	assert_true(CFEqual(a, a));
	d = CFCopyDescription(a);	/* bounded too */
	assert_non_null(d);
	CFRelease(d);
	/* Break the cycles so the arrays can be freed. */
	CFArrayRemoveAllValues(a);
	CFArrayRemoveAllValues(b);
	CFRelease(a);
	CFRelease(b);
}

/* Nesting deeper than the bound compares unequal instead of exhausting the stack. */
static void
test_equal_on_deep_values(void **state)
{
	enum { DEEP = 2000 };
	CFArrayRef x = NULL, y = NULL;
	CFStringRef leaf = str("leaf");

	(void)state;
	x = CFArrayCreate(NULL, (const void **)&leaf, 1, &kCFTypeArrayCallBacks);
	y = CFArrayCreate(NULL, (const void **)&leaf, 1, &kCFTypeArrayCallBacks);
	for (int i = 0; i < DEEP; i++) {
		CFArrayRef nx = CFArrayCreate(NULL, (const void **)&x, 1, &kCFTypeArrayCallBacks);
		CFArrayRef ny = CFArrayCreate(NULL, (const void **)&y, 1, &kCFTypeArrayCallBacks);

		CFRelease(x);
		CFRelease(y);
		x = nx;
		y = ny;
	}
	assert_false(CFEqual(x, y));
	CFRelease(x);
	CFRelease(y);
	CFRelease(leaf);
}

/*
 * fuzz_plist found: libplist 2.2 aborts on a binary plist string or key
 * holding NUL. Such files are refused before libplist sees them.
 */
static void
assert_binary_refused(const UInt8 *bytes, size_t len)
{
	CFDataRef d = CFDataCreate(NULL, bytes, (CFIndex)len);
	CFErrorRef err = NULL;
	char *text;

	assert_null(CFPropertyListCreateWithData(NULL, d, 0, NULL, &err));
	assert_non_null(err);
	text = cf_test_error_text(err);
	if (strstr(text, "holds a NUL character") == NULL)
		fail_msg("expected the NUL refusal, found: %s", text);
	free(text);
	CFRelease(err);
	CFRelease(d);
}

#define TRAILER(nobj, table) 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, (nobj), \
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (table)

static void
test_binary_nul_string_refused(void **state)
{
	/* Top object: the ASCII string "a\0b". */
	static const UInt8 value[] = { 'b', 'p', 'l', 'i', 's', 't', '0', '0',
	    0x53, 'a', 0, 'b', 8, TRAILER(1, 12) };
	/* {"k\0": "v"}: the key holds the NUL. */
	static const UInt8 key[] = { 'b', 'p', 'l', 'i', 's', 't', '0', '0',
	    0xd1, 1, 2, 0x52, 'k', 0, 0x51, 'v', 8, 11, 14, TRAILER(3, 16) };
	/* The same as UTF-16: U+0000 inside "x\0". */
	static const UInt8 utf16[] = { 'b', 'p', 'l', 'i', 's', 't', '0', '0',
	    0x62, 0, 'x', 0, 0, 8, TRAILER(1, 13) };
	static const UInt8 fine[] = { 'b', 'p', 'l', 'i', 's', 't', '0', '0',
	    0x53, 'a', 'x', 'b', 8, TRAILER(1, 12) };
	CFDataRef d = CFDataCreate(NULL, fine, sizeof(fine));
	CFPropertyListRef p;

	(void)state;
	assert_binary_refused(value, sizeof(value));
	assert_binary_refused(key, sizeof(key));
	assert_binary_refused(utf16, sizeof(utf16));
	p = CFPropertyListCreateWithData(NULL, d, 0, NULL, NULL);
	assert_non_null(p);	/* the scan leaves good files alone */
	CFRelease(p);
	CFRelease(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_control_character_refused),
		cmocka_unit_test(test_cr_round_trips),
		cmocka_unit_test(test_equal_on_cycles_ends),
		cmocka_unit_test(test_equal_on_deep_values),
		cmocka_unit_test(test_binary_nul_string_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
