/* Small CoreFoundation helpers for reading Info.plist values. */
#include <stdlib.h>
#include <string.h>

#include "bundle_internal.h"

char *
kext_cf_string_copy(CFTypeRef v)
{
	CFStringRef s = v;
	const char *p;
	CFIndex max;
	char *buf;

	if (v == NULL || CFGetTypeID(v) != CFStringGetTypeID())
		return NULL;
	p = CFStringGetCStringPtr(s, kCFStringEncodingUTF8);
	if (p != NULL)
		return strdup(p);
	max = CFStringGetMaximumSizeForEncoding(CFStringGetLength(s),
	    kCFStringEncodingUTF8);
	if (max < 0 || max > 64 * 1024 * 1024)
		return NULL;
	buf = malloc((size_t)max + 1);
	if (buf == NULL)
		return NULL;
	if (!CFStringGetCString(s, buf, max + 1, kCFStringEncodingUTF8)) {
		free(buf);
		return NULL;
	}
	return buf;
}

const char *
kext_cf_type_name(CFTypeRef v)
{
	CFTypeID t;

	if (v == NULL)
		return "nothing";
	t = CFGetTypeID(v);
	if (t == CFStringGetTypeID())
		return "<string>";
	if (t == CFBooleanGetTypeID())
		return CFBooleanGetValue(v) ? "<true/>" : "<false/>";
	if (t == CFNumberGetTypeID())
		return CFNumberIsFloatType(v) ? "<real>" : "<integer>";
	if (t == CFDictionaryGetTypeID())
		return "<dict>";
	if (t == CFArrayGetTypeID())
		return "<array>";
	if (t == CFDataGetTypeID())
		return "<data>";
	if (t == CFDateGetTypeID())
		return "<date>";
	return "an unknown type";
}
