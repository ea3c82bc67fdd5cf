/* CoreFoundation-lite XML property lists: reading every element, errors with lines, writing. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cf_test_util.h"

#define HEAD "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" \
	"<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" " \
	"\"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n"

static CFPropertyListRef
parse(const char *xml, CFOptionFlags opts, CFErrorRef *err)
{
	return cf_test_parse(xml, strlen(xml), opts, err);
}

/* Parsing must fail with exactly this description. */
static void
expect_error(const char *xml, const char *message)
{
	CFErrorRef err = NULL;
	CFPropertyListRef p = parse(xml, 0, &err);
	char *text = cf_test_error_text(err);

	if (p != NULL)
		fail_msg("parsed, expected: %s", message);
	assert_non_null(err);
	assert_true(CFEqual(CFErrorGetDomain(err), kCFErrorDomainCocoa));
	assert_int_equal(CFErrorGetCode(err), kCFPropertyListReadCorruptError);
	if (strcmp(text, message) != 0)
		fail_msg("got \"%s\", expected \"%s\"", text, message);
	free(text);
	CFRelease(err);
}

/* Parsing must fail with a description starting with prefix. */
static void
expect_error_prefix(const char *xml, const char *prefix)
{
	CFErrorRef err = NULL;
	CFPropertyListRef p = parse(xml, 0, &err);
	char *text = cf_test_error_text(err);

	assert_null(p);
	if (strncmp(text, prefix, strlen(prefix)) != 0)
		fail_msg("got \"%s\", expected prefix \"%s\"", text, prefix);
	free(text);
	CFRelease(err);
}

static CFTypeRef
get(CFDictionaryRef d, const char *key)
{
	CFStringRef k = CFStringCreateWithCString(NULL, key, kCFStringEncodingUTF8);
	CFTypeRef v = CFDictionaryGetValue(d, k);

	CFRelease(k);
	return v;
}

static void
assert_string_value(CFTypeRef v, const char *expected)
{
	assert_int_equal(CFGetTypeID(v), CFStringGetTypeID());
	cf_test_assert_string(v, expected);
}

static long long
int_value(CFTypeRef v)
{
	long long x = 0;

	assert_int_equal(CFGetTypeID(v), CFNumberGetTypeID());
	assert_false(CFNumberIsFloatType(v));
	assert_true(CFNumberGetValue(v, kCFNumberLongLongType, &x));
	return x;
}

static void
test_kext_info_plist(void **state)
{
	char *path = cf_test_data_path("kext_info.plist");
	CFPropertyListFormat fmt = 0;
	CFErrorRef err = NULL;
	CFDictionaryRef info, pers, pnp;
	CFArrayRef entries, bounds;
	CFDataRef blob;
	double real = 0;
	struct tm tm = { .tm_year = 124, .tm_mon = 10, .tm_mday = 30, .tm_hour = 23,
		.tm_min = 59, .tm_sec = 58 };

	(void)state;
	if (path == NULL)
		skip();
	info = CFLitePropertyListCreateFromPath(path, 0, &fmt, &err);
	assert_null(err);
	assert_non_null(info);
	assert_int_equal(fmt, kCFPropertyListXMLFormat_v1_0);
	assert_int_equal(CFGetTypeID(info), CFDictionaryGetTypeID());
	assert_string_value(get(info, "CFBundleIdentifier"), "org.freebsd.kext.if_em");
	assert_string_value(get(info, "CFBundleGetInfoString"),
	    "Intel PRO/1000 & 82574 driver, version 7.6.1 <freebsd>");
	pers = get(get(info, "IOKitPersonalities"), "em 82540EM");
	assert_string_value(get(pers, "IOPCIMatch"), "0x100e8086 0x10d38086 0x150c8086");
	assert_int_equal(int_value(get(pers, "IOProbeScore")), 1000);
	pnp = get(pers, "FreeBSDPNPInfo");
	entries = get(pnp, "Entries");
	assert_int_equal(CFArrayGetCount(entries), 2);
	assert_int_equal(int_value(get(CFArrayGetValueAtIndex(entries, 0), "device")), 0x100e);
	blob = get(pnp, "Blob");
	assert_int_equal(CFDataGetLength(blob), 64);
	for (int i = 0; i < 64; i++)
		assert_int_equal(CFDataGetBytePtr(blob)[i], i);
	assert_ptr_equal(get(info, "OSBundleAllowUserLoad"), kCFBooleanTrue);
	assert_ptr_equal(get(info, "OSKernelResource"), kCFBooleanFalse);
	bounds = get(info, "FreeBSDVersionBounds");
	assert_int_equal(int_value(CFArrayGetValueAtIndex(bounds, 2)), -1);
	assert_true(CFDateGetAbsoluteTime(get(info, "BuildDate")) ==
	    (double)timegm(&tm) - kCFAbsoluteTimeIntervalSince1970);
	assert_true(CFNumberGetValue(get(info, "LoadWeight"), kCFNumberDoubleType, &real));
	assert_true(real == 0.75);
	assert_int_equal(CFArrayGetCount(get(info, "EmptyArray")), 0);
	assert_int_equal(CFDictionaryGetCount(get(info, "EmptyDict")), 0);
	CFRelease(info);
	free(path);
}

static void
test_values(void **state)
{
	CFErrorRef err = NULL;
	CFArrayRef a = parse(HEAD "<plist version=\"1.0\"><array>"
	    "<integer>-0x10</integer><integer>+7</integer><integer>18446744073709551615</integer>"
	    "<integer>-9223372036854775808</integer><real> 2.5e3 </real><real>-infinity</real>"
	    "<real>nan</real><string>&#x1F600;&#233;&lt;&amp;&gt;&quot;&apos;</string>"
	    "<data>  SGVs\n\tbG8=  </data><date>2000-02-29T00:00:01Z</date>"
	    "<string>a<!-- comment -->b<![CDATA[<c>]]></string><true/><false> </false>"
	    "</array></plist>", 0, &err);
	double d = 0;
	uint64_t u = 0;

	(void)state;
	assert_null(err);
	assert_int_equal(CFArrayGetCount(a), 13);
	assert_int_equal(int_value(CFArrayGetValueAtIndex(a, 0)), -16);
	assert_int_equal(int_value(CFArrayGetValueAtIndex(a, 1)), 7);
	/* above INT64_MAX: kept exactly, read back as the same 64 bits */
	assert_false(CFNumberGetValue(CFArrayGetValueAtIndex(a, 2), kCFNumberSInt64Type, &u));
	assert_true(u == UINT64_MAX);
	assert_true(int_value(CFArrayGetValueAtIndex(a, 3)) == INT64_MIN);
	CFNumberGetValue(CFArrayGetValueAtIndex(a, 4), kCFNumberDoubleType, &d);
	assert_true(d == 2500.0);
	CFNumberGetValue(CFArrayGetValueAtIndex(a, 5), kCFNumberDoubleType, &d);
	assert_true(isinf(d) && d < 0);
	CFNumberGetValue(CFArrayGetValueAtIndex(a, 6), kCFNumberDoubleType, &d);
	assert_true(isnan(d));
	assert_string_value(CFArrayGetValueAtIndex(a, 7), "\xf0\x9f\x98\x80\xc3\xa9<&>\"'");
	assert_int_equal(CFDataGetLength(CFArrayGetValueAtIndex(a, 8)), 5);
	assert_memory_equal(CFDataGetBytePtr(CFArrayGetValueAtIndex(a, 8)), "Hello", 5);
	assert_true(CFDateGetAbsoluteTime(CFArrayGetValueAtIndex(a, 9)) ==
	    -978307200.0 + 951782401.0);
	assert_string_value(CFArrayGetValueAtIndex(a, 10), "ab<c>");
	assert_ptr_equal(CFArrayGetValueAtIndex(a, 11), kCFBooleanTrue);
	assert_ptr_equal(CFArrayGetValueAtIndex(a, 12), kCFBooleanFalse);
	CFRelease(a);

	/* no <plist> wrapper and no prolog: a bare value is a property list too */
	a = parse("<string>bare</string>", 0, &err);
	assert_string_value(a, "bare");
	CFRelease(a);
	/* a repeated key: the last value wins */
	a = parse("<dict><key>k</key><string>1</string><key>k</key><string>2</string></dict>",
	    0, NULL);
	assert_int_equal(CFDictionaryGetCount((CFDictionaryRef)a), 1);
	assert_string_value(get((CFDictionaryRef)a, "k"), "2");
	CFRelease(a);
	/* UTF-16 input is converted by the XML parser */
	{
		static const char u16[] = "\xff\xfe<\0s\0t\0r\0i\0n\0g\0>\0\xe9\0<\0/\0s\0t\0r\0i\0n\0g\0>\0";

		a = cf_test_parse(u16, sizeof(u16) - 1, 0, &err);
		assert_null(err);
		assert_string_value(a, "\xc3\xa9");
		CFRelease(a);
	}
}

static void
test_errors_name_the_line(void **state)
{
	(void)state;
	expect_error("<plist>\n<dict>\n<key>a</key>\n<integer>abc</integer>\n</dict>\n</plist>",
	    "line 4: <integer> value 'abc' is not a number");
	expect_error("<plist>\n<array>\n<foo/>\n</array>\n</plist>",
	    "line 3: unexpected element <foo>");
	expect_error("<plist>\n<dict>\n<key>a</key>\n<string>x</string>\n\n\n<key>CFBundleVersion</key>"
	    "\n</dict>\n</plist>", "line 7: <dict> key 'CFBundleVersion' without a value");
	expect_error("<dict>\n<key>a</key>\n<key>b</key>\n<string/>\n</dict>",
	    "line 2: <dict> key 'a' without a value (another <key> follows)");
	expect_error("<dict>\n<string>v</string>\n</dict>",
	    "line 2: <dict> has <string> where a <key> was expected");
	expect_error("<dict>\n  stray text\n<key>a</key><true/></dict>",
	    "line 2: unexpected text 'stray text' in <dict>");
	expect_error("<array><true/>x<false/></array>", "line 1: unexpected text 'x' in <array>");
	expect_error("<array>\n<integer></integer>\n</array>", "line 2: <integer> is empty");
	expect_error("<array>\n<integer>18446744073709551616</integer>\n</array>",
	    "line 2: <integer> value '18446744073709551616' is out of range");
	expect_error("<array>\n<integer>-9223372036854775809</integer>\n</array>",
	    "line 2: <integer> value '-9223372036854775809' is out of range");
	expect_error("<array><integer>12 34</integer></array>",
	    "line 1: <integer> value '12 34' is not a number");
	expect_error("<array><integer>0x</integer></array>",
	    "line 1: <integer> value '0x' is not a number");
	expect_error("<array>\n\n<real>1.5x</real></array>",
	    "line 3: <real> value '1.5x' is not a number");
	expect_error("<real/>", "line 1: <real> is empty");
	expect_error("<data>AB$C</data>", "line 1: <data> contains '$', which is not base64");
	expect_error("<data>AAA=A</data>", "line 1: <data> has 'A' after the '=' padding");
	expect_error("<data>AAAAA</data>", "line 1: <data> is truncated (base64 length)");
	expect_error("<date>2001-02-30T00:00:00Z</date>",
	    "line 1: <date> value '2001-02-30T00:00:00Z' is not a date (YYYY-MM-DDTHH:MM:SSZ)");
	expect_error("<date>yesterday</date>",
	    "line 1: <date> value 'yesterday' is not a date (YYYY-MM-DDTHH:MM:SSZ)");
	expect_error("<true>yes</true>", "line 1: <true/> must be empty");
	expect_error("<string>a<b/>c</string>", "line 1: unexpected element <b> inside <string>");
	expect_error("<plist>\n</plist>", "line 1: <plist> is empty");
	expect_error("<plist><true/>\n<false/></plist>",
	    "line 2: <plist> holds more than one value (<false> follows <true>)");
	expect_error("", "line 1: property list is empty");
	expect_error("  \n ", "line 1: property list is empty");
	expect_error("{ CFBundleIdentifier = foo; }", "line 1: not an XML or binary property list");
	expect_error_prefix("<plist>\n<dict>\n<key>a</key>\n<string>x</array>\n</dict>",
	    "line 4: malformed XML: Opening and ending tag mismatch");
	expect_error_prefix("<array>\n<string>&undefined;</string></array>",
	    "line 2: malformed XML: Entity 'undefined' not defined");
	/* long values are cut in messages */
	expect_error("<integer>aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    "</integer>",
	    "line 1: <integer> value 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...' is not a number");
}

static bool
dict_is_mutable(CFDictionaryRef d)
{
	CFIndex n = CFDictionaryGetCount(d);
	bool m;

	CFDictionarySetValue((CFMutableDictionaryRef)d, CFSTR("__probe"), kCFBooleanTrue);
	m = CFDictionaryGetCount(d) == n + 1;
	CFDictionaryRemoveValue((CFMutableDictionaryRef)d, CFSTR("__probe"));
	return m;
}

static bool
string_is_mutable(CFStringRef s)
{
	CFIndex n = CFStringGetLength(s);
	bool m;

	CFStringAppend((CFMutableStringRef)s, CFSTR("!"));
	m = CFStringGetLength(s) == n + 1;
	if (m)
		CFStringDelete((CFMutableStringRef)s, CFRangeMake(n, 1));
	return m;
}

static void
test_mutability_options(void **state)
{
	const char *xml = "<dict><key>s</key><string>v</string><key>a</key><array/>"
	    "<key>d</key><data>AA==</data></dict>";
	CFDictionaryRef p;

	(void)state;
	p = parse(xml, kCFPropertyListImmutable, NULL);
	assert_false(dict_is_mutable(p));
	assert_false(string_is_mutable(get(p, "s")));
	CFArrayAppendValue((CFMutableArrayRef)get(p, "a"), kCFBooleanTrue);
	assert_int_equal(CFArrayGetCount(get(p, "a")), 0);
	CFRelease(p);

	p = parse(xml, kCFPropertyListMutableContainers, NULL);
	assert_true(dict_is_mutable(p));
	assert_false(string_is_mutable(get(p, "s")));
	CFArrayAppendValue((CFMutableArrayRef)get(p, "a"), kCFBooleanTrue);
	assert_int_equal(CFArrayGetCount(get(p, "a")), 1);
	assert_null(CFDataGetMutableBytePtr((CFMutableDataRef)get(p, "d")));
	CFRelease(p);

	p = parse(xml, kCFPropertyListMutableContainersAndLeaves, NULL);
	assert_true(dict_is_mutable(p));
	assert_true(string_is_mutable(get(p, "s")));
	assert_non_null(CFDataGetMutableBytePtr((CFMutableDataRef)get(p, "d")));
	CFRelease(p);
}

static CFDataRef
write_xml(CFPropertyListRef p)
{
	CFErrorRef err = NULL;
	CFDataRef d = CFPropertyListCreateData(NULL, p, kCFPropertyListXMLFormat_v1_0, 0, &err);

	assert_null(err);
	assert_non_null(d);
	return d;
}

static void
assert_data_text(CFDataRef d, const char *expected)
{
	char *t = cf_test_data_text(d);

	assert_string_equal(t, expected);
	free(t);
}

/*
 * messy_expected.plist was produced by this writer from messy_input.plist and
 * checked against libplist's writer, which also follows Apple's layout (they
 * differ only on -0.0, which Apple, and we, write as "-0.0").
 */
static void
test_write_matches_golden_file(void **state)
{
	char *in_path = cf_test_data_path("messy_input.plist");
	char *gold_path = cf_test_data_path("messy_expected.plist");
	char *gold;
	size_t gold_len = 0;
	CFPropertyListRef p;
	CFDataRef out;

	(void)state;
	if (in_path == NULL || gold_path == NULL)
		skip();
	gold = cf_test_read_file(gold_path, &gold_len);
	assert_non_null(gold);
	p = CFLitePropertyListCreateFromPath(in_path, 0, NULL, NULL);
	assert_non_null(p);
	out = write_xml(p);
	assert_int_equal(CFDataGetLength(out), gold_len);
	assert_memory_equal(CFDataGetBytePtr(out), gold, gold_len);
	CFRelease(out);
	CFRelease(p);
	/* and the golden file is a fixed point */
	p = cf_test_parse(gold, gold_len, 0, NULL);
	out = write_xml(p);
	assert_memory_equal(CFDataGetBytePtr(out), gold, gold_len);
	CFRelease(out);
	CFRelease(p);
	free(gold);
	free(in_path);
	free(gold_path);
}

static void
test_write_layout(void **state)
{
	CFMutableDictionaryRef d = CFDictionaryCreateMutable(NULL, 0,
	    &kCFTypeDictionaryKeyCallBacks, &kCFTypeDictionaryValueCallBacks);
	CFMutableArrayRef a = CFArrayCreateMutable(NULL, 0, &kCFTypeArrayCallBacks);
	float f = 0.5f;
	long long big = -5;
	CFNumberRef nf = CFNumberCreate(NULL, kCFNumberFloatType, &f);
	CFNumberRef ni = CFNumberCreate(NULL, kCFNumberLongLongType, &big);
	CFDataRef out;

	(void)state;
	out = write_xml(kCFBooleanTrue);
	assert_data_text(out, HEAD "<plist version=\"1.0\">\n<true/>\n</plist>\n");
	CFRelease(out);
	out = write_xml(d);
	assert_data_text(out, HEAD "<plist version=\"1.0\">\n<dict/>\n</plist>\n");
	CFRelease(out);
	CFArrayAppendValue(a, nf);
	CFArrayAppendValue(a, ni);
	CFArrayAppendValue(a, CFSTR("<&>"));
	CFDictionarySetValue(d, CFSTR("b"), a);
	CFDictionarySetValue(d, CFSTR("B"), kCFBooleanFalse);
	CFDictionarySetValue(d, CFSTR("a"), CFSTR(""));
	out = write_xml(d);
	assert_data_text(out, HEAD "<plist version=\"1.0\">\n<dict>\n"
	    "\t<key>B</key>\n\t<false/>\n"
	    "\t<key>a</key>\n\t<string></string>\n"
	    "\t<key>b</key>\n\t<array>\n\t\t<real>0.5</real>\n\t\t<integer>-5</integer>\n"
	    "\t\t<string>&lt;&amp;&gt;</string>\n\t</array>\n"
	    "</dict>\n</plist>\n");
	CFRelease(out);
	CFRelease(nf);
	CFRelease(ni);
	CFRelease(a);
	CFRelease(d);
}

/* Integers at their bounds and indentation past 16 levels are written as they read. */
static void
test_write_round_trip_bounds(void **state)
{
	char xml[4096], open[512] = "", close[512] = "", tabs[32];
	CFErrorRef err = NULL;
	CFPropertyListRef p;
	CFDataRef out;
	int depth = 20;

	(void)state;
	for (int i = 0; i < depth; i++) {
		snprintf(tabs, sizeof(tabs), "%.*s", i, "\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t");
		snprintf(open + strlen(open), sizeof(open) - strlen(open), "%s<array>\n", tabs);
		snprintf(tabs, sizeof(tabs), "%.*s", depth - 1 - i,
		    "\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t");
		snprintf(close + strlen(close), sizeof(close) - strlen(close), "%s</array>\n", tabs);
	}
	snprintf(tabs, sizeof(tabs), "%.*s", depth, "\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t");
	snprintf(xml, sizeof(xml), HEAD "<plist version=\"1.0\">\n%s"
	    "%s<integer>0</integer>\n%s<integer>-1</integer>\n"
	    "%s<integer>-9223372036854775808</integer>\n%s<integer>9223372036854775807</integer>\n"
	    "%s<integer>18446744073709551615</integer>\n%s</plist>\n", open, tabs, tabs, tabs,
	    tabs, tabs, close);
	p = parse(xml, 0, &err);
	assert_non_null(p);
	out = write_xml(p);
	assert_data_text(out, xml);
	CFRelease(out);
	CFRelease(p);
}

static void
test_write_rejects_non_plist_objects(void **state)
{
	CFMutableDictionaryRef d = CFDictionaryCreateMutable(NULL, 0,
	    &kCFTypeDictionaryKeyCallBacks, &kCFTypeDictionaryValueCallBacks);
	CFURLRef u = CFURLCreateWithFileSystemPath(NULL, CFSTR("/x"), kCFURLPOSIXPathStyle, false);
	int one = 1;
	CFNumberRef n = CFNumberCreate(NULL, kCFNumberIntType, &one);
	CFErrorRef err = NULL;
	char *text;

	(void)state;
	CFDictionarySetValue(d, CFSTR("url"), u);
	assert_null(CFPropertyListCreateData(NULL, d, kCFPropertyListXMLFormat_v1_0, 0, &err));
	text = cf_test_error_text(err);
	assert_string_equal(text, "Property list invalid for format: 100 (property lists "
	    "cannot contain objects of type 'CFURL')");
	free(text);
	CFRelease(err);
	assert_false(CFPropertyListIsValid(d, kCFPropertyListXMLFormat_v1_0));
	CFDictionaryRemoveValue(d, CFSTR("url"));
	CFDictionarySetValue(d, n, CFSTR("numeric key"));
	assert_null(CFPropertyListCreateData(NULL, d, kCFPropertyListBinaryFormat_v1_0, 0, &err));
	text = cf_test_error_text(err);
	assert_string_equal(text, "Property list invalid for format: 200 (property lists "
	    "cannot contain dictionary keys that are not strings)");
	free(text);
	CFRelease(err);
	assert_null(CFPropertyListCreateData(NULL, NULL, kCFPropertyListXMLFormat_v1_0, 0, NULL));
	assert_null(CFPropertyListCreateData(NULL, CFSTR("x"), kCFPropertyListOpenStepFormat, 0,
	    &err));
	assert_non_null(err);
	CFRelease(err);
	assert_true(CFPropertyListIsValid(CFSTR("x"), kCFPropertyListOpenStepFormat));
	assert_false(CFPropertyListIsValid(n, kCFPropertyListOpenStepFormat));
	assert_true(CFPropertyListIsValid(n, kCFPropertyListBinaryFormat_v1_0));
	assert_false(CFPropertyListIsValid(n, 12345));
	CFRelease(n);
	CFRelease(u);
	CFRelease(d);
}

static void
test_deep_copy(void **state)
{
	CFPropertyListRef p = parse("<dict><key>a</key><array><string>s</string>"
	    "<dict><key>n</key><integer>1</integer></dict></array></dict>", 0, NULL);
	CFPropertyListRef c;
	CFMutableArrayRef loop;

	(void)state;
	c = CFPropertyListCreateDeepCopy(NULL, p, kCFPropertyListImmutable);
	assert_true(CFEqual(p, c));
	assert_ptr_not_equal(get(p, "a"), get(c, "a"));
	assert_false(dict_is_mutable(c));
	CFRelease(c);
	c = CFPropertyListCreateDeepCopy(NULL, p, kCFPropertyListMutableContainersAndLeaves);
	assert_true(CFEqual(p, c));
	assert_true(dict_is_mutable(c));
	assert_true(string_is_mutable(CFArrayGetValueAtIndex(get(c, "a"), 0)));
	CFRelease(c);
	CFRelease(p);
	/* non-plist objects and cycles give NULL rather than a crash */
	{
		CFURLRef u = CFURLCreateWithFileSystemPath(NULL, CFSTR("/"), kCFURLPOSIXPathStyle,
		    true);

		assert_null(CFPropertyListCreateDeepCopy(NULL, u, 0));
		CFRelease(u);
	}
	loop = CFArrayCreateMutable(NULL, 0, &kCFTypeArrayCallBacks);
	CFArrayAppendValue(loop, loop);
	assert_null(CFPropertyListCreateDeepCopy(NULL, loop, 0));
	assert_false(CFPropertyListIsValid(loop, kCFPropertyListXMLFormat_v1_0));
	CFArrayRemoveAllValues(loop);
	CFRelease(loop);
}

static void
test_create_from_path_errors(void **state)
{
	char *dir = scratch_dir_new("cf-test-"), *bad, *big, *missing, *text, expect[512];
	CFErrorRef err = NULL;
	int fd;

	(void)state;
	bad = cf_test_path(dir, "Foo.kext/Contents/Info.plist", 1);
	{
		const char *text_in = "<plist>\n<dict>\n<key>X</key>\n"
		    "<integer>12z</integer>\n</dict>\n</plist>\n";

		assert_int_equal(cf_test_write_file(bad, text_in, strlen(text_in)), 0);
	}
	assert_null(CFLitePropertyListCreateFromPath(bad, 0, NULL, &err));
	text = cf_test_error_text(err);
	snprintf(expect, sizeof(expect), "%s: line 4: <integer> value '12z' is not a number", bad);
	assert_string_equal(text, expect);
	assert_int_equal(CFErrorGetCode(err), kCFPropertyListReadCorruptError);
	free(text);
	CFRelease(err);

	missing = cf_test_path(dir, "none.plist", 0);
	assert_null(CFLitePropertyListCreateFromPath(missing, 0, NULL, &err));
	text = cf_test_error_text(err);
	snprintf(expect, sizeof(expect), "%s: %s", missing, strerror(ENOENT));
	assert_string_equal(text, expect);
	assert_true(CFEqual(CFErrorGetDomain(err), kCFErrorDomainPOSIX));
	assert_int_equal(CFErrorGetCode(err), ENOENT);
	free(text);
	CFRelease(err);

	assert_null(CFLitePropertyListCreateFromPath(dir, 0, NULL, &err));
	assert_int_equal(CFErrorGetCode(err), EISDIR);
	CFRelease(err);

	big = cf_test_path(dir, "big.plist", 0);
	fd = open(big, O_CREAT | O_WRONLY | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, kCFLitePropertyListMaxSize + 1), 0);
	close(fd);
	assert_null(CFLitePropertyListCreateFromPath(big, 0, NULL, &err));
	text = cf_test_error_text(err);
	snprintf(expect, sizeof(expect), "%s: file is too large for a property list "
	    "(limit 16777216 bytes)", big);
	assert_string_equal(text, expect);
	free(text);
	CFRelease(err);
	assert_null(CFLitePropertyListCreateFromPath(missing, 0, NULL, NULL));	/* err optional */
	assert_null(CFLitePropertyListCreateFromPath(NULL, 0, NULL, &err));
	CFRelease(err);

	free(big);
	free(missing);
	free(bad);
	scratch_dir_free(dir);
}

static void
test_older_api_and_data_limits(void **state)
{
	CFDataRef xml = CFDataCreate(NULL, (const UInt8 *)"<array><oops/></array>", 22), out;
	CFStringRef why = NULL;
	CFMutableDataRef huge;
	CFErrorRef err = NULL;
	char *c;

	(void)state;
	assert_null(CFPropertyListCreateFromXMLData(NULL, xml, 0, &why));
	c = cf_test_cstr(why);
	assert_string_equal(c, "line 1: unexpected element <oops>");
	free(c);
	CFRelease(why);
	CFRelease(xml);
	out = CFPropertyListCreateXMLData(NULL, CFSTR("s"));
	assert_data_text(out, HEAD "<plist version=\"1.0\">\n<string>s</string>\n</plist>\n");
	CFRelease(out);

	huge = CFDataCreateMutable(NULL, 0);
	CFDataSetLength(huge, kCFLitePropertyListMaxSize + 1);
	assert_null(CFPropertyListCreateWithData(NULL, huge, 0, NULL, &err));
	c = cf_test_error_text(err);
	assert_string_equal(c, "property list is too large (16777217 bytes, limit 16777216)");
	free(c);
	CFRelease(err);
	CFRelease(huge);
	assert_null(CFPropertyListCreateWithData(NULL, NULL, 0, NULL, &err));
	CFRelease(err);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kext_info_plist),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_errors_name_the_line),
		cmocka_unit_test(test_mutability_options),
		cmocka_unit_test(test_write_matches_golden_file),
		cmocka_unit_test(test_write_layout),
		cmocka_unit_test(test_write_round_trip_bounds),
		cmocka_unit_test(test_write_rejects_non_plist_objects),
		cmocka_unit_test(test_deep_copy),
		cmocka_unit_test(test_create_from_path_errors),
		cmocka_unit_test(test_older_api_and_data_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
