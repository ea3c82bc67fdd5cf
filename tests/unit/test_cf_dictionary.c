/* CoreFoundation-lite CFDictionary: semantics of Add/Set/Replace/Remove, callbacks, scale. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cf_test_util.h"

static CFMutableDictionaryRef
new_dict(void)
{
	return CFDictionaryCreateMutable(NULL, 0, &kCFTypeDictionaryKeyCallBacks,
	    &kCFTypeDictionaryValueCallBacks);
}

static void
test_add_set_replace_remove(void **state)
{
	CFMutableDictionaryRef d = new_dict();
	CFMutableStringRef key = CFStringCreateMutableCopy(NULL, 0, CFSTR("k"));
	const void *v = NULL;

	(void)state;
	CFDictionaryAddValue(d, CFSTR("a"), CFSTR("1"));
	CFDictionaryAddValue(d, CFSTR("a"), CFSTR("2"));	/* present: Add does nothing */
	assert_true(CFEqual(CFDictionaryGetValue(d, CFSTR("a")), CFSTR("1")));
	CFDictionaryReplaceValue(d, CFSTR("b"), CFSTR("x"));	/* absent: Replace does nothing */
	assert_false(CFDictionaryContainsKey(d, CFSTR("b")));
	CFDictionaryReplaceValue(d, CFSTR("a"), CFSTR("3"));
	assert_true(CFEqual(CFDictionaryGetValue(d, CFSTR("a")), CFSTR("3")));
	CFDictionarySetValue(d, CFSTR("b"), CFSTR("4"));
	CFDictionarySetValue(d, CFSTR("b"), CFSTR("5"));
	assert_int_equal(CFDictionaryGetCount(d), 2);
	assert_true(CFDictionaryGetValueIfPresent(d, CFSTR("b"), &v));
	assert_true(CFEqual(v, CFSTR("5")));
	assert_false(CFDictionaryGetValueIfPresent(d, CFSTR("zz"), &v));
	assert_true(CFDictionaryGetValueIfPresent(d, CFSTR("b"), NULL));
	assert_true(CFDictionaryContainsValue(d, CFSTR("3")));
	assert_int_equal(CFDictionaryGetCountOfValue(d, CFSTR("3")), 1);
	assert_int_equal(CFDictionaryGetCountOfKey(d, CFSTR("a")), 1);
	/* a key equal by value finds the entry */
	CFDictionarySetValue(d, key, CFSTR("6"));
	assert_true(CFEqual(CFDictionaryGetValue(d, CFSTR("k")), CFSTR("6")));
	CFDictionaryRemoveValue(d, CFSTR("a"));
	CFDictionaryRemoveValue(d, CFSTR("missing"));
	assert_int_equal(CFDictionaryGetCount(d), 2);
	assert_null(CFDictionaryGetValue(d, CFSTR("a")));
	CFDictionaryRemoveAllValues(d);
	assert_int_equal(CFDictionaryGetCount(d), 0);
	CFDictionarySetValue(d, CFSTR("again"), kCFBooleanTrue);
	assert_int_equal(CFDictionaryGetCount(d), 1);
	CFRelease(key);
	CFRelease(d);
}

static void
collect(const void *key, const void *value, void *ctx)
{
	char *c = cf_test_cstr(key);

	(void)value;
	strcat(ctx, c);
	free(c);
}

static void
test_order_keys_values_and_equality(void **state)
{
	CFMutableDictionaryRef d = new_dict(), e;
	const void *keys[3], *vals[3];
	char order[16] = "";
	CFDictionaryRef copy;

	(void)state;
	CFDictionarySetValue(d, CFSTR("c"), CFSTR("3"));
	CFDictionarySetValue(d, CFSTR("a"), CFSTR("1"));
	CFDictionarySetValue(d, CFSTR("b"), CFSTR("2"));
	CFDictionaryRemoveValue(d, CFSTR("a"));
	CFDictionarySetValue(d, CFSTR("a"), CFSTR("1"));
	CFDictionaryApplyFunction(d, collect, order);
	assert_string_equal(order, "cba");	/* insertion order */
	CFDictionaryGetKeysAndValues(d, keys, vals);
	assert_true(CFEqual(keys[0], CFSTR("c")) && CFEqual(vals[0], CFSTR("3")));
	assert_true(CFEqual(keys[2], CFSTR("a")) && CFEqual(vals[2], CFSTR("1")));
	CFDictionaryGetKeysAndValues(d, NULL, vals);

	e = new_dict();
	CFDictionarySetValue(e, CFSTR("a"), CFSTR("1"));
	CFDictionarySetValue(e, CFSTR("b"), CFSTR("2"));
	CFDictionarySetValue(e, CFSTR("c"), CFSTR("3"));
	assert_true(CFEqual(d, e));	/* order does not matter */
	assert_int_equal(CFHash(d), CFHash(e));
	CFDictionarySetValue(e, CFSTR("c"), CFSTR("x"));
	assert_false(CFEqual(d, e));

	copy = CFDictionaryCreateCopy(NULL, d);
	CFDictionarySetValue(d, CFSTR("new"), CFSTR("v"));
	assert_int_equal(CFDictionaryGetCount(copy), 3);
	/* an immutable dictionary ignores mutation */
	CFDictionarySetValue((CFMutableDictionaryRef)copy, CFSTR("z"), CFSTR("z"));
	assert_int_equal(CFDictionaryGetCount(copy), 3);
	CFRelease(copy);
	CFRelease(d);
	CFRelease(e);
}

static void
test_copy_string_keys(void **state)
{
	CFMutableDictionaryRef d = CFDictionaryCreateMutable(NULL, 0,
	    &kCFCopyStringDictionaryKeyCallBacks, &kCFTypeDictionaryValueCallBacks);
	CFMutableStringRef key = CFStringCreateMutableCopy(NULL, 0, CFSTR("before"));
	const void *stored;

	(void)state;
	CFDictionarySetValue(d, key, kCFBooleanTrue);
	CFStringAppend(key, CFSTR("-changed"));	/* the dictionary holds its own copy */
	assert_true(CFDictionaryContainsKey(d, CFSTR("before")));
	assert_false(CFDictionaryContainsKey(d, key));
	CFDictionaryGetKeysAndValues(d, &stored, NULL);
	assert_ptr_not_equal(stored, key);
	assert_int_equal(CFGetRetainCount(key), 1);
	CFRelease(key);
	CFRelease(d);
}

static CFHashCode
constant_hash(const void *v)
{
	(void)v;
	return 7;	/* every key collides */
}

static Boolean
int_equal(const void *a, const void *b)
{
	return *(const int *)a == *(const int *)b;
}

static void
test_custom_and_null_callbacks(void **state)
{
	static int ints[64];
	CFDictionaryKeyCallBacks kcb = { 0, NULL, NULL, NULL, int_equal, constant_hash };
	CFMutableDictionaryRef d = CFDictionaryCreateMutable(NULL, 0, &kcb, NULL);
	CFMutableDictionaryRef p = CFDictionaryCreateMutable(NULL, 0, NULL, NULL);

	(void)state;
	for (int i = 0; i < 64; i++) {
		ints[i] = i;
		CFDictionarySetValue(d, &ints[i], (const void *)(intptr_t)(i * 10));
		CFDictionarySetValue(p, (const void *)(intptr_t)(i + 1), &ints[i]);
	}
	for (int i = 0; i < 64; i += 2)
		CFDictionaryRemoveValue(d, &ints[i]);
	assert_int_equal(CFDictionaryGetCount(d), 32);
	for (int i = 0; i < 64; i++) {
		int probe = i;	/* a different address, equal by the callback */

		assert_int_equal(CFDictionaryContainsKey(d, &probe), i % 2 == 1);
		if (i % 2 == 1)
			assert_int_equal((intptr_t)CFDictionaryGetValue(d, &probe), i * 10);
		assert_ptr_equal(CFDictionaryGetValue(p, (const void *)(intptr_t)(i + 1)),
		    &ints[i]);
	}
	CFRelease(d);
	CFRelease(p);
	assert_null(CFDictionaryCreate(NULL, NULL, NULL, 2, NULL, NULL));
}

static void
test_large_dictionary_is_fast(void **state)
{
	enum { N = 200000 };
	CFMutableDictionaryRef d = new_dict();
	CFStringRef *keys = calloc(N, sizeof(*keys));
	clock_t start = clock();
	double secs;

	(void)state;
	assert_non_null(keys);
	for (int i = 0; i < N; i++) {
		char name[32];

		snprintf(name, sizeof(name), "com.example.kext%d", i);
		keys[i] = CFStringCreateWithCString(NULL, name, kCFStringEncodingUTF8);
		CFDictionarySetValue(d, keys[i], keys[i]);
	}
	for (int round = 0; round < 3; round++)
		for (int i = 0; i < N; i++)
			assert_ptr_equal(CFDictionaryGetValue(d, keys[i]), keys[i]);
	/* churn: remove and re-add half; holes must not grow the table forever */
	for (int r = 0; r < 4; r++) {
		for (int i = 0; i < N; i += 2)
			CFDictionaryRemoveValue(d, keys[i]);
		assert_int_equal(CFDictionaryGetCount(d), N / 2);
		for (int i = 0; i < N; i += 2)
			CFDictionarySetValue(d, keys[i], keys[i]);
	}
	assert_int_equal(CFDictionaryGetCount(d), N);
	secs = (double)(clock() - start) / CLOCKS_PER_SEC;
	/* a linear-scan dictionary would need hours here; hashing takes well under a second */
	assert_true(secs < 20.0);
	for (int i = 0; i < N; i++)
		CFRelease(keys[i]);
	free(keys);
	CFRelease(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add_set_replace_remove),
		cmocka_unit_test(test_order_keys_values_and_equality),
		cmocka_unit_test(test_copy_string_keys),
		cmocka_unit_test(test_custom_and_null_callbacks),
		cmocka_unit_test(test_large_dictionary_is_fast),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
