/*
 * Binary property lists ("bplist00") through libplist: its plist_t tree is
 * converted to and from CF objects.
 *
 * Limits inherited from libplist 2.2: strings cannot hold NUL characters
 * (a file with one is refused before libplist sees it: it would abort),
 * and an integer above INT64_MAX is written as 8 bytes, so it reads back
 * negative (its bits are kept). With libplist 2.7 dates keep whole seconds
 * (cflite_plist_compat.h).
 */
#include "cflite_internal.h"
#include "cflite_plist_compat.h"

#include <plist/plist.h>

#include <stdlib.h>
#include <string.h>

static CFTypeRef
corrupt(CFErrorRef *error, const char *what)
{
	if (*error == NULL)
		*error = cflite_error_create_msg(kCFErrorDomainCocoa, kCFPropertyListReadCorruptError,
		    "binary property list: %s", what);
	return NULL;
}

static CFTypeRef
too_deep(CFErrorRef *error)
{
	if (*error == NULL)
		*error = cflite_error_create_msg(kCFErrorDomainCocoa, kCFPropertyListReadCorruptError,
		    "binary property list: containers are nested deeper than %d levels",
		    kCFLitePropertyListMaxDepth);
	return NULL;
}

static CFTypeRef from_plist(plist_t node, CFOptionFlags opts, int depth, CFErrorRef *error);

static CFTypeRef
container_done(CFTypeRef c, CFOptionFlags opts)
{
	if ((opts & (kCFPropertyListMutableContainers |
	    kCFPropertyListMutableContainersAndLeaves)) == 0)
		cflite_make_immutable(c);
	return c;
}

static CFTypeRef
array_from_plist(plist_t node, CFOptionFlags opts, int depth, CFErrorRef *error)
{
	CFMutableArrayRef a = CFArrayCreateMutable(NULL, 0, &kCFTypeArrayCallBacks);
	uint32_t n = plist_array_get_size(node);

	if (a == NULL)
		return corrupt(error, "out of memory");
	for (uint32_t i = 0; i < n; i++) {
		CFTypeRef v = from_plist(plist_array_get_item(node, i), opts, depth + 1, error);

		if (v == NULL) {
			CFRelease(a);
			return NULL;
		}
		CFArrayAppendValue(a, v);
		CFRelease(v);
	}
	return container_done(a, opts);
}

static CFTypeRef
dict_from_plist(plist_t node, CFOptionFlags opts, int depth, CFErrorRef *error)
{
	CFMutableDictionaryRef d = CFDictionaryCreateMutable(NULL, 0,
	    &kCFTypeDictionaryKeyCallBacks, &kCFTypeDictionaryValueCallBacks);
	plist_dict_iter it = NULL;

	if (d == NULL)
		return corrupt(error, "out of memory");
	plist_dict_new_iter(node, &it);
	for (;;) {
		char *key = NULL;
		plist_t item = NULL;
		CFStringRef k;
		CFTypeRef v;

		plist_dict_next_item(node, it, &key, &item);
		if (item == NULL) {
			free(key);
			break;
		}
		k = key != NULL ? cflite_string_create_utf8(key, strlen(key), false) : NULL;
		free(key);
		if (k == NULL) {
			free(it);
			CFRelease(d);
			return corrupt(error, "a dictionary key is not valid UTF-8");
		}
		v = from_plist(item, opts, depth + 1, error);
		if (v == NULL) {
			CFRelease(k);
			free(it);
			CFRelease(d);
			return NULL;
		}
		CFDictionarySetValue(d, k, v);
		CFRelease(k);
		CFRelease(v);
	}
	free(it);
	return container_done(d, opts);
}

static CFTypeRef
from_plist(plist_t node, CFOptionFlags opts, int depth, CFErrorRef *error)
{
	bool leaves = (opts & kCFPropertyListMutableContainersAndLeaves) != 0;

	if (depth > kCFLitePropertyListMaxDepth)
		return too_deep(error);
	switch (plist_get_node_type(node)) {
	case PLIST_BOOLEAN: {
		uint8_t b = 0;

		plist_get_bool_val(node, &b);
		return b ? kCFBooleanTrue : kCFBooleanFalse;
	}
	case PLIST_UINT: {
		uint64_t u = 0;
		int64_t i;

		plist_get_uint_val(node, &u);
		memcpy(&i, &u, sizeof(i));	/* 8-byte binary integers are signed */
		return CFNumberCreate(NULL, kCFNumberSInt64Type, &i);
	}
	case PLIST_REAL: {
		double d = 0;

		plist_get_real_val(node, &d);
		return CFNumberCreate(NULL, kCFNumberFloat64Type, &d);
	}
	case PLIST_STRING:
	case PLIST_KEY: {
		char *s = NULL;
		CFTypeRef str;

		if (plist_get_node_type(node) == PLIST_KEY)
			plist_get_key_val(node, &s);
		else
			plist_get_string_val(node, &s);
		str = s != NULL ? cflite_string_create_utf8(s, strlen(s), leaves) : NULL;
		free(s);
		return str != NULL ? str : corrupt(error, "a string is not valid UTF-8");
	}
	case PLIST_DATA: {
		uint64_t len = 0;
		const char *p = plist_get_data_ptr(node, &len);
		CFMutableDataRef m;

		if (len > kCFLitePropertyListMaxSize)
			return corrupt(error, "data is too large");
		if (!leaves)
			return CFDataCreate(NULL, (const UInt8 *)(p != NULL ? p : ""), (CFIndex)len);
		m = CFDataCreateMutable(NULL, 0);
		if (m != NULL)
			CFDataAppendBytes(m, (const UInt8 *)p, (CFIndex)len);
		return m;
	}
	case PLIST_DATE:
		return CFDateCreate(NULL, cflite_plist_date_value(node));
	case PLIST_ARRAY:
		return array_from_plist(node, opts, depth, error);
	case PLIST_DICT:
		return dict_from_plist(node, opts, depth, error);
	case PLIST_UID:
		return corrupt(error, "UID objects (keyed archives) are not supported");
	default:
		return corrupt(error, "unknown object type");
	}
}

CFPropertyListRef
cflite_plist_parse_binary(const char *bytes, size_t n, CFOptionFlags opts, CFErrorRef *error)
{
	plist_t root = NULL;
	CFTypeRef result;
	const char *why;

	*error = NULL;
	if (cflite_bplist_has_nul_string(bytes, n))
		return corrupt(error, "a string or key holds a NUL character (not supported)");
	if (cflite_bplist_check_shape(bytes, n, kCFLitePropertyListMaxDepth, &why) != 0) {
		return why != NULL ? corrupt(error, why) : too_deep(error);
	}
	plist_from_bin(bytes, (uint32_t)n, &root);
	if (root == NULL)
		return corrupt(error, "the file is corrupt or truncated");
	result = from_plist(root, opts, 1, error);
	plist_free(root);
	return result;
}

/* --- writing -------------------------------------------------------------------------- */

static plist_t
to_plist(CFTypeRef v, const char **why)
{
	switch (cflite_type_of(v)) {
	case CF_TID_STRING:
		if (memchr(cflite_str_bytes(v), '\0', cflite_str_nbytes(v)) != NULL) {
			*why = "a string holds a NUL character";
			return NULL;
		}
		return plist_new_string(cflite_str_bytes(v));
	case CF_TID_BOOLEAN:
		return plist_new_bool(CFBooleanGetValue(v));
	case CF_TID_NUMBER: {
		int64_t i = 0;
		uint64_t u = 0;
		double d = 0;

		switch (cflite_number_value(v, &i, &u, &d)) {
		case 0:
			return plist_new_uint((uint64_t)i);
		case 1:
			return plist_new_uint(u);
		default:
			return plist_new_real(d);
		}
	}
	case CF_TID_DATE: {
		plist_t date = cflite_plist_new_date(CFDateGetAbsoluteTime(v));

		if (date == NULL)
			*why = "a date is outside the range libplist can write";
		return date;
	}
	case CF_TID_DATA:
		return plist_new_data((const char *)CFDataGetBytePtr(v),
		    (uint64_t)CFDataGetLength(v));
	case CF_TID_ARRAY: {
		plist_t a = plist_new_array();

		for (CFIndex i = 0, n = CFArrayGetCount(v); a != NULL && i < n; i++) {
			plist_t item = to_plist(CFArrayGetValueAtIndex(v, i), why);

			if (item == NULL) {
				plist_free(a);
				return NULL;
			}
			plist_array_append_item(a, item);
		}
		return a;
	}
	case CF_TID_DICTIONARY: {
		plist_t d = plist_new_dict();
		CFIndex n = 0;
		const void **keys = cflite_plist_sorted_keys(v, &n);	/* deterministic output */

		for (CFIndex i = 0; d != NULL && keys != NULL && i < n; i++) {
			plist_t item = to_plist(CFDictionaryGetValue(v, keys[i]), why);

			if (item == NULL || memchr(cflite_str_bytes(keys[i]), '\0',
			    cflite_str_nbytes(keys[i])) != NULL) {
				if (item != NULL)
					plist_free(item);
				if (*why == NULL)
					*why = "a key holds a NUL character";
				plist_free(d);
				free(keys);
				return NULL;
			}
			plist_dict_set_item(d, cflite_str_bytes(keys[i]), item);
		}
		if (keys == NULL && d != NULL) {
			plist_free(d);
			d = NULL;
		}
		free(keys);
		return d;
	}
	default:
		*why = "an object is not a property list type";
		return NULL;
	}
}

CFDataRef
cflite_plist_write_binary(CFPropertyListRef plist, CFErrorRef *error)
{
	const char *why = NULL;
	plist_t root = to_plist(plist, &why);
	char *bin = NULL;
	uint32_t len = 0;
	CFDataRef data = NULL;

	if (root != NULL) {
		plist_to_bin(root, &bin, &len);
		plist_free(root);
	}
	if (bin != NULL)
		data = CFDataCreate(NULL, (const UInt8 *)bin, (CFIndex)len);
	if (bin != NULL)
		cflite_plist_bin_free(bin);
	if (data == NULL)
		*error = cflite_error_create_msg(kCFErrorDomainCocoa, kCFPropertyListWriteStreamError,
		    "binary property list cannot be written: %s",
		    why != NULL ? why : "out of memory");
	return data;
}
