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

#include <stdio.h>
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

/* A binary plist of levels arrays, each holding the next (3-byte refs and offsets). */
static void
put_be(UInt8 *p, uint64_t v, unsigned w)
{
	for (unsigned i = 0; i < w; i++)
		p[i] = (UInt8)(v >> (8 * (w - 1 - i)));
}

/* A binary plist of levels arrays, each holding the next (3-byte refs and offsets). */
static UInt8 *
nested_bplist(size_t levels, size_t *len)
{
	size_t table = 8 + 4 * (levels - 1) + 1, n = table + 3 * levels + 32;
	UInt8 *p = calloc(1, n);

	assert_non_null(p);
	memcpy(p, "bplist00", 8);
	for (size_t i = 0; i < levels; i++) {
		UInt8 *obj = p + 8 + 4 * i;

		obj[0] = i + 1 < levels ? 0xa1 : 0xa0;
		if (i + 1 < levels)
			put_be(obj + 1, i + 1, 3);
		put_be(p + table + 3 * i, 8 + 4 * i, 3);
	}
	p[n - 26] = 3;			/* offset size */
	p[n - 25] = 3;			/* reference size */
	put_be(p + n - 24, levels, 8);	/* objects; the top one (0) follows */
	put_be(p + n - 8, table, 8);
	*len = n;
	return p;
}

static char *
parse_error(const UInt8 *bytes, size_t len)
{
	CFErrorRef err = NULL;
	CFPropertyListRef pl = cf_test_parse((const char *)bytes, len, 0, &err);

	if (pl != NULL) {
		CFRelease(pl);
		return NULL;
	}
	assert_non_null(err);
	{
		char *text = cf_test_error_text(err);

		CFRelease(err);
		return text;
	}
}

/*
 * Review (issue 16): libplist parses binary containers recursively; 100,000
 * nested arrays overflowed the stack. The shape is now checked first, with
 * no recursion; 128 levels (CoreFoundation-lite's limit) still parse.
 */
static void
test_binary_nesting_bounded(void **state)
{
	size_t len;
	UInt8 *p;
	char *e;

	(void)state;
	p = nested_bplist(128, &len);
	e = parse_error(p, len);
	assert_null(e);
	free(p);
	p = nested_bplist(129, &len);
	e = parse_error(p, len);
	assert_non_null(e);
	assert_non_null(strstr(e, "binary property list: containers are nested deeper than 128 levels"));
	free(e);
	free(p);
	p = nested_bplist(100000, &len);
	e = parse_error(p, len);
	assert_non_null(strstr(e, "nested deeper than 128 levels"));
	free(e);
	free(p);
}

/* An array that holds itself, and one whose count claims more than the file has. */
static void
test_binary_cycles_and_counts(void **state)
{
	size_t len;
	UInt8 *p;
	char *e;

	(void)state;
	p = nested_bplist(3, &len);
	p[8 + 4 + 3] = 0;	/* the second array's reference: back to the first */
	e = parse_error(p, len);
	assert_non_null(e);
	assert_non_null(strstr(e, "an array or dictionary contains itself"));
	free(e);
	p[8] = 0xaf;		/* the first array: count follows as an integer */
	p[9] = 0x13;		/* 8 bytes: 0x000000..., read past the references */
	e = parse_error(p, len);
	assert_non_null(e);
	assert_non_null(strstr(e, "binary property list:"));
	free(e);
	free(p);
}

static char *
nested_xml(size_t levels, const char *attributes)
{
	size_t n = 64 + strlen(attributes) + 16 * levels;
	char *x = malloc(n), *at;

	assert_non_null(x);
	at = x + sprintf(x, "<plist version=\"1.0\"%s>", attributes);
	for (size_t i = 0; i < levels; i++)
		at += sprintf(at, "<array>");
	at += sprintf(at, "<string>x</string>");
	for (size_t i = 0; i < levels; i++)
		at += sprintf(at, "</array>");
	sprintf(at, "</plist>");
	return x;
}

/* XML: the 128th container holds a leaf and parses; a 129th is refused before libxml2. */
static void
test_xml_nesting_and_attributes_bounded(void **state)
{
	char *x, *e, attrs[16 * 20 + 1] = "";

	(void)state;
	x = nested_xml(128, "");
	assert_null(parse_error((const UInt8 *)x, strlen(x)));
	free(x);
	x = nested_xml(129, "");
	e = parse_error((const UInt8 *)x, strlen(x));
	assert_non_null(e);
	assert_non_null(strstr(e, "line 1: containers are nested deeper than 128 levels"));
	free(e);
	free(x);
	for (int i = 0; i < 16; i++)
		sprintf(attrs + strlen(attrs), " a%d='1'", i);
	x = nested_xml(1, attrs);	/* version plus 16: one too many */
	e = parse_error((const UInt8 *)x, strlen(x));
	assert_non_null(e);
	assert_non_null(strstr(e, "line 1: an element has 17 attributes; a property list uses "
	    "at most 16"));
	free(e);
	free(x);
}

/* UTF-16 input is scanned too: its attributes count as in UTF-8. */
static void
test_xml_utf16_prescanned(void **state)
{
	char attrs[20 * 20 + 1] = "", *x, *e;
	UInt8 *u;
	size_t n;

	(void)state;
	for (int i = 0; i < 20; i++)
		sprintf(attrs + strlen(attrs), " a%d=\"1\"", i);
	x = nested_xml(1, attrs);
	n = strlen(x);
	u = calloc(2, n + 1);
	assert_non_null(u);
	u[0] = 0xff;
	u[1] = 0xfe;
	for (size_t i = 0; i < n; i++)
		u[2 + 2 * i] = (UInt8)x[i];
	e = parse_error(u, 2 + 2 * n);
	assert_non_null(e);
	assert_non_null(strstr(e, "an element has 21 attributes"));
	free(e);
	free(u);
	free(x);
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
		cmocka_unit_test(test_binary_nesting_bounded),
		cmocka_unit_test(test_binary_cycles_and_counts),
		cmocka_unit_test(test_xml_nesting_and_attributes_bounded),
		cmocka_unit_test(test_xml_utf16_prescanned),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
