/*
 * CoreFoundation-lite XML property lists against an independent reference:
 * libplist's own XML parser (plist_from_xml) and writer (plist_to_xml).
 * Real-world-shaped samples must parse to the same structure; generated
 * property lists must survive our writer -> libplist and libplist -> our parser.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <plist/plist.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cf_test_util.h"
#include "../../CoreFoundation-lite/src/cflite_plist_compat.h"

/* Compares a CF property list with a libplist tree; fails the test with a path on mismatch. */
static void
compare(CFTypeRef cf, plist_t node, const char *where)
{
	plist_type t = plist_get_node_type(node);
	char path[512];

	if (CFGetTypeID(cf) == CFDictionaryGetTypeID()) {
		CFIndex n = CFDictionaryGetCount(cf);
		const void **keys = malloc(((size_t)n + 1) * sizeof(*keys));

		if (t != PLIST_DICT)
			fail_msg("%s: dictionary vs libplist type %d", where, (int)t);
		assert_int_equal((uint32_t)n, plist_dict_get_size(node));
		CFDictionaryGetKeysAndValues(cf, keys, NULL);
		for (CFIndex i = 0; i < n; i++) {
			char *k = cf_test_cstr(keys[i]);
			plist_t item = plist_dict_get_item(node, k);

			snprintf(path, sizeof(path), "%s/%s", where, k);
			if (item == NULL)
				fail_msg("%s: missing in libplist's result", path);
			compare(CFDictionaryGetValue(cf, keys[i]), item, path);
			free(k);
		}
		free(keys);
	} else if (CFGetTypeID(cf) == CFArrayGetTypeID()) {
		if (t != PLIST_ARRAY)
			fail_msg("%s: array vs libplist type %d", where, (int)t);
		assert_int_equal((uint32_t)CFArrayGetCount(cf), plist_array_get_size(node));
		for (CFIndex i = 0; i < CFArrayGetCount(cf); i++) {
			snprintf(path, sizeof(path), "%s[%ld]", where, (long)i);
			compare(CFArrayGetValueAtIndex(cf, i), plist_array_get_item(node, (uint32_t)i),
			    path);
		}
	} else if (CFGetTypeID(cf) == CFStringGetTypeID()) {
		char *mine = cf_test_cstr(cf), *theirs = NULL;

		if (t != PLIST_STRING)
			fail_msg("%s: string vs libplist type %d", where, (int)t);
		plist_get_string_val(node, &theirs);
		if (strcmp(mine, theirs) != 0)
			fail_msg("%s: \"%s\" vs \"%s\"", where, mine, theirs);
		free(mine);
		free(theirs);
	} else if (CFGetTypeID(cf) == CFBooleanGetTypeID()) {
		uint8_t b = 2;

		assert_int_equal(t, PLIST_BOOLEAN);
		plist_get_bool_val(node, &b);
		assert_int_equal(b != 0, CFBooleanGetValue(cf));
	} else if (CFGetTypeID(cf) == CFNumberGetTypeID() && !CFNumberIsFloatType(cf)) {
		long long mine = 0;
		uint64_t theirs = 0;

		if (t != PLIST_UINT)
			fail_msg("%s: integer vs libplist type %d", where, (int)t);
		CFNumberGetValue(cf, kCFNumberLongLongType, &mine);
		plist_get_uint_val(node, &theirs);
		if ((uint64_t)mine != theirs)
			fail_msg("%s: %lld vs %llu", where, mine, (unsigned long long)theirs);
	} else if (CFGetTypeID(cf) == CFNumberGetTypeID()) {
		double mine = 0, theirs = 0;

		if (t != PLIST_REAL)
			fail_msg("%s: real vs libplist type %d", where, (int)t);
		CFNumberGetValue(cf, kCFNumberDoubleType, &mine);
		plist_get_real_val(node, &theirs);
		if (!(mine == theirs || (isnan(mine) && isnan(theirs))))
			fail_msg("%s: %.17g vs %.17g", where, mine, theirs);
	} else if (CFGetTypeID(cf) == CFDateGetTypeID()) {
		assert_int_equal(t, PLIST_DATE);
		if (CFDateGetAbsoluteTime(cf) != cflite_plist_date_value(node))
			fail_msg("%s: date %.6f vs %.6f", where, CFDateGetAbsoluteTime(cf),
			    cflite_plist_date_value(node));
	} else if (CFGetTypeID(cf) == CFDataGetTypeID()) {
		uint64_t len = 0;
		const char *p;

		assert_int_equal(t, PLIST_DATA);
		p = plist_get_data_ptr(node, &len);
		assert_int_equal((uint64_t)CFDataGetLength(cf), len);
		if (len != 0)
			assert_memory_equal(CFDataGetBytePtr(cf), p, (size_t)len);
	} else
		fail_msg("%s: unexpected CF type %lu", where, (unsigned long)CFGetTypeID(cf));
}

static void
compare_sample(const char *name)
{
	char *path = cf_test_data_path(name), *text;
	size_t len = 0;
	CFPropertyListRef mine;
	plist_t theirs = NULL;

	if (path == NULL)
		skip();
	text = cf_test_read_file(path, &len);
	assert_non_null(text);
	mine = cf_test_parse(text, len, 0, NULL);
	assert_non_null(mine);
	plist_from_xml(text, (uint32_t)len, &theirs);
	assert_non_null(theirs);
	compare(mine, theirs, name);
	plist_free(theirs);
	CFRelease(mine);
	free(text);
	free(path);
}

static void
test_kext_info_like_libplist(void **state)
{
	(void)state;
	compare_sample("kext_info.plist");
}

static void
test_app_info_like_libplist(void **state)
{
	(void)state;
	compare_sample("app_info.plist");
}

static void
test_mixed_types_like_libplist(void **state)
{
	(void)state;
	compare_sample("mixed_types.plist");
}

/* A deterministic pseudo-random property list. */
struct rng {
	uint64_t s;
};

static uint32_t
next(struct rng *r)
{
	r->s = r->s * 6364136223846793005ULL + 1442695040888963407ULL;
	return (uint32_t)(r->s >> 33);
}

static CFStringRef
random_string(struct rng *r)
{
	static const char *const pieces[] = { "a", "Z", "0", " ", "&", "<", ">", "\"", "'",
		"\xc3\xa9", "\xe2\x82\xac", "\xf0\x9f\x98\x80", "\t", "\n", "key", ".", "-" };
	CFMutableStringRef s = CFStringCreateMutable(NULL, 0);
	uint32_t n = next(r) % 12;

	for (uint32_t i = 0; i < n; i++)
		CFStringAppendCString(s, pieces[next(r) % (sizeof(pieces) / sizeof(pieces[0]))],
		    kCFStringEncodingUTF8);
	return s;
}

static CFTypeRef
random_value(struct rng *r, int depth)
{
	switch (next(r) % (depth > 5 ? 7 : 9)) {
	case 0:
		return random_string(r);
	case 1: {
		long long v = (long long)(((uint64_t)next(r) << 32 | next(r)) >> (next(r) % 64));

		if (next(r) % 2)
			v = -v;
		return CFNumberCreate(NULL, kCFNumberLongLongType, &v);
	}
	case 2: {
		double d = (double)(int32_t)next(r) / (double)(next(r) % 1000 + 1) *
		    pow(10.0, (double)(next(r) % 40) - 20.0);

		return CFNumberCreate(NULL, kCFNumberDoubleType, &d);
	}
	case 3:
		return CFRetain(next(r) % 2 ? kCFBooleanTrue : kCFBooleanFalse);
	case 4:
		return CFDateCreate(NULL, (double)(int32_t)next(r));
	case 5: {
		UInt8 buf[200];
		uint32_t n = next(r) % sizeof(buf);

		for (uint32_t i = 0; i < n; i++)
			buf[i] = (UInt8)next(r);
		return CFDataCreate(NULL, buf, (CFIndex)n);
	}
	case 6:
		return CFStringCreateWithCString(NULL, "", kCFStringEncodingUTF8);
	case 7: {
		CFMutableArrayRef a = CFArrayCreateMutable(NULL, 0, &kCFTypeArrayCallBacks);
		uint32_t n = next(r) % 6;

		for (uint32_t i = 0; i < n; i++) {
			CFTypeRef v = random_value(r, depth + 1);

			CFArrayAppendValue(a, v);
			CFRelease(v);
		}
		return a;
	}
	default: {
		CFMutableDictionaryRef d = CFDictionaryCreateMutable(NULL, 0,
		    &kCFTypeDictionaryKeyCallBacks, &kCFTypeDictionaryValueCallBacks);
		uint32_t n = next(r) % 6;

		for (uint32_t i = 0; i < n; i++) {
			CFStringRef k = random_string(r);
			CFTypeRef v = random_value(r, depth + 1);

			CFDictionarySetValue(d, k, v);
			CFRelease(k);
			CFRelease(v);
		}
		return d;
	}
	}
}

static void
test_generated_plists_both_ways(void **state)
{
	struct rng r = { 2024 };

	(void)state;
	for (int round = 0; round < 60; round++) {
		CFMutableDictionaryRef root = CFDictionaryCreateMutable(NULL, 0,
		    &kCFTypeDictionaryKeyCallBacks, &kCFTypeDictionaryValueCallBacks);
		CFDataRef xml;
		plist_t theirs = NULL;
		char *their_xml = NULL;
		uint32_t their_len = 0;
		CFPropertyListRef back;

		for (int i = 0; i < 8; i++) {
			CFStringRef k = random_string(&r);
			CFTypeRef v = random_value(&r, 0);

			CFDictionarySetValue(root, k, v);
			CFRelease(k);
			CFRelease(v);
		}
		/* our writer -> libplist's parser */
		xml = CFPropertyListCreateData(NULL, root, kCFPropertyListXMLFormat_v1_0, 0, NULL);
		assert_non_null(xml);
		plist_from_xml((const char *)CFDataGetBytePtr(xml), (uint32_t)CFDataGetLength(xml),
		    &theirs);
		assert_non_null(theirs);
		compare(root, theirs, "generated");
		/* libplist's writer -> our parser */
		plist_to_xml(theirs, &their_xml, &their_len);
		back = cf_test_parse(their_xml, their_len, 0, NULL);
		assert_non_null(back);
		assert_true(CFEqual(back, root));
		compare(back, theirs, "generated-back");
		cflite_plist_xml_free(their_xml);
		plist_free(theirs);
		CFRelease(back);
		CFRelease(xml);
		CFRelease(root);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kext_info_like_libplist),
		cmocka_unit_test(test_app_info_like_libplist),
		cmocka_unit_test(test_mixed_types_like_libplist),
		cmocka_unit_test(test_generated_plists_both_ways),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
