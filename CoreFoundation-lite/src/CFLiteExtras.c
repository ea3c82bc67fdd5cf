/* CoreFoundation-lite extras (CFLiteExtras.h). */
#include "cflite_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void
put_error(CFErrorRef *err, CFErrorRef e)
{
	if (err != NULL)
		*err = e;
	else if (e != NULL)
		CFRelease(e);
}

CFPropertyListRef
CFLitePropertyListCreateFromPath(const char *path, CFOptionFlags opts, CFPropertyListFormat *fmt,
    CFErrorRef *err)
{
	char *bytes = NULL;
	size_t len = 0;
	int e;
	CFDataRef data;
	CFErrorRef perr = NULL;
	CFPropertyListRef plist;

	if (err != NULL)
		*err = NULL;
	if (path == NULL) {
		put_error(err, cflite_error_create_msg(kCFErrorDomainPOSIX, EINVAL, "(null path)"));
		return NULL;
	}
	e = cflite_read_file(path, kCFLitePropertyListMaxSize, &bytes, &len);
	if (e == EFBIG) {
		put_error(err, cflite_error_create_msg(kCFErrorDomainPOSIX, e,
		    "%s: file is too large for a property list (limit %d bytes)", path,
		    kCFLitePropertyListMaxSize));
		return NULL;
	}
	if (e != 0) {
		put_error(err, cflite_error_create_msg(kCFErrorDomainPOSIX, e, "%s: %s", path,
		    strerror(e)));
		return NULL;
	}
	data = CFDataCreateWithBytesNoCopy(NULL, (const UInt8 *)bytes, (CFIndex)len,
	    kCFAllocatorMalloc);
	if (data == NULL) {
		put_error(err, cflite_error_create_msg(kCFErrorDomainPOSIX, ENOMEM, "%s: %s", path,
		    strerror(ENOMEM)));
		return NULL;
	}
	plist = CFPropertyListCreateWithData(NULL, data, opts, fmt, &perr);
	CFRelease(data);
	if (plist == NULL) {
		CFStringRef d = perr != NULL ? CFErrorCopyDescription(perr) : NULL;

		put_error(err, cflite_error_create_msg(kCFErrorDomainCocoa,
		    perr != NULL ? CFErrorGetCode(perr) : kCFPropertyListReadCorruptError,
		    "%s: %s", path, d != NULL ? cflite_str_bytes(d) : "cannot be read"));
		if (d != NULL)
			CFRelease(d);
		if (perr != NULL)
			CFRelease(perr);
	}
	return plist;
}

char *
CFLiteCopyCString(CFStringRef s)
{
	char *p;

	if (!cflite_is(s, CF_TID_STRING))
		return NULL;
	p = malloc(cflite_str_nbytes(s) + 1);
	if (p != NULL)
		memcpy(p, cflite_str_bytes(s), cflite_str_nbytes(s) + 1);
	return p;
}
