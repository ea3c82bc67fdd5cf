/*
 * Property lists: format detection, validity, deep copies.  The XML and
 * binary readers and writers live in CFPropertyList{XMLParse,XMLWrite,Binary}.c.
 */
#include "cflite_internal.h"

#include <stdlib.h>
#include <string.h>

static void
set_error(CFErrorRef *error, CFErrorRef e)
{
	if (error != NULL)
		*error = e;
	else if (e != NULL)
		CFRelease(e);
}

CFPropertyListRef
CFPropertyListCreateWithData(CFAllocatorRef allocator, CFDataRef data, CFOptionFlags options,
    CFPropertyListFormat *format, CFErrorRef *error)
{
	const char *bytes;
	size_t n;
	CFPropertyListRef plist;
	CFErrorRef e = NULL;

	(void)allocator;
	if (error != NULL)
		*error = NULL;
	if (!cflite_is(data, CF_TID_DATA)) {
		set_error(error, cflite_error_create_msg(kCFErrorDomainCocoa,
		    kCFPropertyListReadCorruptError, "property list data is missing"));
		return NULL;
	}
	bytes = (const char *)CFDataGetBytePtr(data);
	n = (size_t)CFDataGetLength(data);
	if (n > kCFLitePropertyListMaxSize) {
		set_error(error, cflite_error_create_msg(kCFErrorDomainCocoa,
		    kCFPropertyListReadCorruptError,
		    "property list is too large (%zu bytes, limit %d)", n,
		    kCFLitePropertyListMaxSize));
		return NULL;
	}
	if (n >= 8 && memcmp(bytes, "bplist00", 8) == 0) {
		plist = cflite_plist_parse_binary(bytes, n, options, &e);
		if (plist != NULL && format != NULL)
			*format = kCFPropertyListBinaryFormat_v1_0;
	} else {
		plist = cflite_plist_parse_xml(bytes, n, options, &e);
		if (plist != NULL && format != NULL)
			*format = kCFPropertyListXMLFormat_v1_0;
	}
	set_error(error, e);
	return plist;
}

CFPropertyListRef
CFLitePropertyListCreateWithXMLTree(CFDataRef data, CFOptionFlags options, CFErrorRef *error)
{
	CFPropertyListRef plist;
	CFErrorRef e = NULL;

	if (error != NULL)
		*error = NULL;
	if (!cflite_is(data, CF_TID_DATA) || CFDataGetLength(data) > kCFLitePropertyListMaxSize) {
		set_error(error, cflite_error_create_msg(kCFErrorDomainCocoa,
		    kCFPropertyListReadCorruptError, "property list data is missing or too large"));
		return NULL;
	}
	plist = cflite_plist_parse_xml_tree((const char *)CFDataGetBytePtr(data),
	    (size_t)CFDataGetLength(data), options, &e);
	set_error(error, e);
	return plist;
}

CFDataRef
CFPropertyListCreateData(CFAllocatorRef allocator, CFPropertyListRef propertyList,
    CFPropertyListFormat format, CFOptionFlags options, CFErrorRef *error)
{
	const char *bad;
	CFDataRef data = NULL;
	CFErrorRef e = NULL;

	(void)allocator;
	(void)options;
	if (error != NULL)
		*error = NULL;
	if (format != kCFPropertyListXMLFormat_v1_0 && format != kCFPropertyListBinaryFormat_v1_0) {
		set_error(error, cflite_error_create_msg(kCFErrorDomainCocoa,
		    kCFPropertyListWriteStreamError,
		    "Property list format %ld is not supported for writing", (long)format));
		return NULL;
	}
	bad = cflite_plist_invalid_type(propertyList, format);
	if (bad != NULL) {
		set_error(error, cflite_error_create_msg(kCFErrorDomainCocoa,
		    kCFPropertyListWriteStreamError,
		    "Property list invalid for format: %ld (property lists cannot contain %s)",
		    (long)format, bad));
		return NULL;
	}
	if (format == kCFPropertyListXMLFormat_v1_0)
		data = cflite_plist_write_xml(propertyList, &e);
	else
		data = cflite_plist_write_binary(propertyList, &e);
	set_error(error, e);
	return data;
}

/* --- validity ------------------------------------------------------------------- */

static const char *
invalid_type(CFTypeRef p, CFPropertyListFormat format, int depth)
{
	CFTypeID t = cflite_type_of(p);

	if (depth > kCFLitePropertyListMaxDepth)
		return "containers nested this deep";
	switch (t) {
	case CF_TID_STRING:
	case CF_TID_DATA:
		return NULL;
	case CF_TID_NUMBER:
	case CF_TID_BOOLEAN:
	case CF_TID_DATE:
		return format == kCFPropertyListOpenStepFormat ?
		    "numbers, booleans or dates in OpenStep format" : NULL;
	case CF_TID_ARRAY:
		for (CFIndex i = 0, n = CFArrayGetCount(p); i < n; i++) {
			const char *bad = invalid_type(CFArrayGetValueAtIndex(p, i), format,
			    depth + 1);

			if (bad != NULL)
				return bad;
		}
		return NULL;
	case CF_TID_DICTIONARY: {
		CFIndex n = CFDictionaryGetCount(p);
		const void **kv = malloc(((size_t)n + 1) * 2 * sizeof(*kv));
		const char *bad = NULL;

		if (kv == NULL)
			return "anything (out of memory)";
		CFDictionaryGetKeysAndValues(p, kv, kv + n);
		for (CFIndex i = 0; i < n && bad == NULL; i++) {
			if (!cflite_is(kv[i], CF_TID_STRING))
				bad = "dictionary keys that are not strings";
			else
				bad = invalid_type(kv[n + i], format, depth + 1);
		}
		free(kv);
		return bad;
	}
	case CF_TID_NOTATYPE:
		return p == NULL ? "NULL values" : "objects that are not CF types";
	default: {
		static const char *const names[CF_TID_COUNT] = {
			[CF_TID_NULL] = "objects of type 'CFNull'",
			[CF_TID_URL] = "objects of type 'CFURL'",
			[CF_TID_ERROR] = "objects of type 'CFError'",
			[CF_TID_BUNDLE] = "objects of type 'CFBundle'",
			[CF_TID_ALLOCATOR] = "objects of type 'CFAllocator'",
		};

		return t < CF_TID_COUNT && names[t] != NULL ? names[t] : "objects of this type";
	}
	}
}

const char *
cflite_plist_invalid_type(CFPropertyListRef plist, CFPropertyListFormat format)
{
	return invalid_type(plist, format, 0);
}

Boolean
CFPropertyListIsValid(CFPropertyListRef plist, CFPropertyListFormat format)
{
	if (format != kCFPropertyListXMLFormat_v1_0 && format != kCFPropertyListBinaryFormat_v1_0 &&
	    format != kCFPropertyListOpenStepFormat)
		return false;
	return cflite_plist_invalid_type(plist, format) == NULL;
}

static int
compare_keys(const void *a, const void *b)
{
	return (int)CFStringCompare(*(CFStringRef const *)a, *(CFStringRef const *)b, 0);
}

const void **
cflite_plist_sorted_keys(CFDictionaryRef dict, CFIndex *count)
{
	CFIndex n = CFDictionaryGetCount(dict);
	const void **keys = malloc(((size_t)n + 1) * sizeof(*keys));

	if (keys == NULL)
		return NULL;
	CFDictionaryGetKeysAndValues(dict, keys, NULL);
	if (n > 1)	/* qsort(NULL, 0, ...) is undefined */
		qsort(keys, (size_t)n, sizeof(*keys), compare_keys);	/* keys are unique */
	*count = n;
	return keys;
}

/* --- deep copy -------------------------------------------------------------------- */

static CFTypeRef
deep_copy(CFTypeRef p, CFOptionFlags opt, int depth)
{
	bool leaves = (opt & kCFPropertyListMutableContainersAndLeaves) != 0;
	bool containers = leaves || (opt & kCFPropertyListMutableContainers) != 0;
	CFTypeRef out = NULL;

	if (depth > kCFLitePropertyListMaxDepth)
		return NULL;
	switch (cflite_type_of(p)) {
	case CF_TID_STRING:
		return leaves ? CFStringCreateMutableCopy(NULL, 0, p) : CFStringCreateCopy(NULL, p);
	case CF_TID_DATA:
		return leaves ? CFDataCreateMutableCopy(NULL, 0, p) : CFDataCreateCopy(NULL, p);
	case CF_TID_NUMBER:
	case CF_TID_BOOLEAN:
	case CF_TID_DATE:
		return CFRetain(p);	/* immutable values */
	case CF_TID_ARRAY: {
		CFMutableArrayRef a = CFArrayCreateMutable(NULL, 0, &kCFTypeArrayCallBacks);

		for (CFIndex i = 0, n = CFArrayGetCount(p); a != NULL && i < n; i++) {
			CFTypeRef v = deep_copy(CFArrayGetValueAtIndex(p, i), opt, depth + 1);

			if (v == NULL) {
				CFRelease(a);
				return NULL;
			}
			CFArrayAppendValue(a, v);
			CFRelease(v);
		}
		out = a;
		break;
	}
	case CF_TID_DICTIONARY: {
		CFMutableDictionaryRef d = CFDictionaryCreateMutable(NULL, 0,
		    &kCFTypeDictionaryKeyCallBacks, &kCFTypeDictionaryValueCallBacks);
		CFIndex n = CFDictionaryGetCount(p);
		const void **kv = malloc(((size_t)n + 1) * 2 * sizeof(*kv));

		if (d == NULL || kv == NULL) {
			free(kv);
			if (d != NULL)
				CFRelease(d);
			return NULL;
		}
		CFDictionaryGetKeysAndValues(p, kv, kv + n);
		for (CFIndex i = 0; i < n; i++) {
			CFTypeRef k = cflite_is(kv[i], CF_TID_STRING) ?
			    CFStringCreateCopy(NULL, kv[i]) : NULL;
			CFTypeRef v = k != NULL ? deep_copy(kv[n + i], opt, depth + 1) : NULL;

			if (v == NULL) {
				if (k != NULL)
					CFRelease(k);
				free(kv);
				CFRelease(d);
				return NULL;
			}
			CFDictionarySetValue(d, k, v);
			CFRelease(k);
			CFRelease(v);
		}
		free(kv);
		out = d;
		break;
	}
	default:
		return NULL;
	}
	if (out != NULL && !containers)
		cflite_make_immutable(out);
	return out;
}

CFPropertyListRef
CFPropertyListCreateDeepCopy(CFAllocatorRef allocator, CFPropertyListRef propertyList,
    CFOptionFlags mutabilityOption)
{
	(void)allocator;
	return deep_copy(propertyList, mutabilityOption, 0);
}

/* --- older API ---------------------------------------------------------------------- */

CFPropertyListRef
CFPropertyListCreateFromXMLData(CFAllocatorRef allocator, CFDataRef xmlData,
    CFOptionFlags mutabilityOption, CFStringRef *errorString)
{
	CFErrorRef e = NULL;
	CFPropertyListRef p;

	if (errorString != NULL)
		*errorString = NULL;
	p = CFPropertyListCreateWithData(allocator, xmlData, mutabilityOption, NULL, &e);
	if (e != NULL) {
		if (errorString != NULL)
			*errorString = CFErrorCopyDescription(e);
		CFRelease(e);
	}
	return p;
}

CFDataRef
CFPropertyListCreateXMLData(CFAllocatorRef allocator, CFPropertyListRef propertyList)
{
	CFErrorRef e = NULL;
	CFDataRef d = CFPropertyListCreateData(allocator, propertyList,
	    kCFPropertyListXMLFormat_v1_0, 0, &e);

	if (e != NULL)
		CFRelease(e);
	return d;
}
