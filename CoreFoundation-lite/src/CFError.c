/* CFError: domain, code and a user-info dictionary. */
#include "cflite_internal.h"

#include <stdlib.h>
#include <string.h>

struct __CFError {
	CFRuntimeBase base;
	CFStringRef domain;
	CFIndex code;
	CFDictionaryRef user_info;	/* never NULL */
};

CF_CONST_STRING(kCFErrorDomainPOSIX, "NSPOSIXErrorDomain");
CF_CONST_STRING(kCFErrorDomainOSStatus, "NSOSStatusErrorDomain");
CF_CONST_STRING(kCFErrorDomainMach, "NSMachErrorDomain");
CF_CONST_STRING(kCFErrorDomainCocoa, "NSCocoaErrorDomain");
CF_CONST_STRING(kCFErrorLocalizedDescriptionKey, "NSLocalizedDescription");
CF_CONST_STRING(kCFErrorLocalizedFailureReasonKey, "NSLocalizedFailureReason");
CF_CONST_STRING(kCFErrorLocalizedRecoverySuggestionKey, "NSLocalizedRecoverySuggestion");
CF_CONST_STRING(kCFErrorDescriptionKey, "NSDescription");
CF_CONST_STRING(kCFErrorUnderlyingErrorKey, "NSUnderlyingError");
CF_CONST_STRING(kCFErrorURLKey, "NSURL");
CF_CONST_STRING(kCFErrorFilePathKey, "NSFilePath");

CFTypeID
CFErrorGetTypeID(void)
{
	return CF_TID_ERROR;
}

CFErrorRef
CFErrorCreate(CFAllocatorRef allocator, CFErrorDomain domain, CFIndex code,
    CFDictionaryRef userInfo)
{
	struct __CFError *e;

	(void)allocator;
	if (!cflite_is(domain, CF_TID_STRING) || (userInfo != NULL && !cflite_is(userInfo,
	    CF_TID_DICTIONARY)))
		return NULL;
	e = cflite_object_alloc(CF_TID_ERROR, sizeof(*e), false);
	if (e == NULL)
		return NULL;
	e->domain = CFStringCreateCopy(NULL, domain);
	e->code = code;
	e->user_info = userInfo != NULL ? CFDictionaryCreateCopy(NULL, userInfo) :
	    CFDictionaryCreate(NULL, NULL, NULL, 0, &kCFTypeDictionaryKeyCallBacks,
	    &kCFTypeDictionaryValueCallBacks);
	if (e->domain == NULL || e->user_info == NULL) {
		CFRelease(e);
		return NULL;
	}
	return e;
}

CFErrorRef
CFErrorCreateWithUserInfoKeysAndValues(CFAllocatorRef allocator, CFErrorDomain domain,
    CFIndex code, const void *const *userInfoKeys, const void *const *userInfoValues,
    CFIndex numUserInfoValues)
{
	CFDictionaryRef info;
	CFErrorRef e;

	info = CFDictionaryCreate(NULL, (const void **)(uintptr_t)userInfoKeys,
	    (const void **)(uintptr_t)userInfoValues, numUserInfoValues,
	    &kCFTypeDictionaryKeyCallBacks, &kCFTypeDictionaryValueCallBacks);
	if (info == NULL)
		return NULL;
	e = CFErrorCreate(allocator, domain, code, info);
	CFRelease(info);
	return e;
}

CFErrorRef
cflite_error_create_str(CFErrorDomain domain, CFIndex code, const char *msg)
{
	CFStringRef s = CFStringCreateWithCString(NULL, msg, kCFStringEncodingUTF8);
	const void *k = kCFErrorLocalizedDescriptionKey;
	CFErrorRef e;

	if (s == NULL)	/* e.g. a file name that is not UTF-8 */
		s = CFStringCreateWithCString(NULL, msg, kCFStringEncodingISOLatin1);
	if (s == NULL)
		return NULL;
	e = CFErrorCreateWithUserInfoKeysAndValues(NULL, domain, code, &k,
	    (const void *const *)&s, 1);
	CFRelease(s);
	return e;
}

CFErrorRef
cflite_error_create_msg(CFErrorDomain domain, CFIndex code, const char *fmt, ...)
{
	struct cflite_buf b = { 0 };
	CFErrorRef e = NULL;
	va_list ap;

	va_start(ap, fmt);
	cflite_buf_vprintf(&b, fmt, ap);
	va_end(ap);
	if (!b.failed && b.p != NULL)
		e = cflite_error_create_str(domain, code, b.p);
	cflite_buf_free(&b);
	return e;
}

CFErrorDomain
CFErrorGetDomain(CFErrorRef err)
{
	return cflite_is(err, CF_TID_ERROR) ? err->domain : NULL;
}

CFIndex
CFErrorGetCode(CFErrorRef err)
{
	return cflite_is(err, CF_TID_ERROR) ? err->code : 0;
}

CFDictionaryRef
CFErrorCopyUserInfo(CFErrorRef err)
{
	return cflite_is(err, CF_TID_ERROR) ? CFRetain(err->user_info) : NULL;
}

static CFStringRef
copy_info_string(CFErrorRef err, CFStringRef key)
{
	CFTypeRef v;

	if (!cflite_is(err, CF_TID_ERROR))
		return NULL;
	v = CFDictionaryGetValue(err->user_info, key);
	return cflite_is(v, CF_TID_STRING) ? CFStringCreateCopy(NULL, v) : NULL;
}

CFStringRef
CFErrorCopyFailureReason(CFErrorRef err)
{
	return copy_info_string(err, kCFErrorLocalizedFailureReasonKey);
}

CFStringRef
CFErrorCopyRecoverySuggestion(CFErrorRef err)
{
	return copy_info_string(err, kCFErrorLocalizedRecoverySuggestionKey);
}

CFStringRef
CFErrorCopyDescription(CFErrorRef err)
{
	CFStringRef s = copy_info_string(err, kCFErrorLocalizedDescriptionKey), r;

	if (s != NULL || !cflite_is(err, CF_TID_ERROR))
		return s;
	r = CFErrorCopyFailureReason(err);
	if (r != NULL) {
		s = CFStringCreateWithFormat(NULL, NULL,
		    CFSTR("The operation couldn't be completed. %@"), r);
		CFRelease(r);
		return s;
	}
	if (CFEqual(err->domain, kCFErrorDomainPOSIX) && err->code > 0 && err->code < 4096)
		return CFStringCreateWithFormat(NULL, NULL,
		    CFSTR("The operation couldn't be completed. (%@ error %ld - %s)"), err->domain,
		    (long)err->code, strerror((int)err->code));
	return CFStringCreateWithFormat(NULL, NULL,
	    CFSTR("The operation couldn't be completed. (%@ error %ld.)"), err->domain,
	    (long)err->code);
}

static void
error_finalize(CFTypeRef cf)
{
	struct __CFError *e = (struct __CFError *)(uintptr_t)cf;

	if (e->domain != NULL)
		CFRelease(e->domain);
	if (e->user_info != NULL)
		CFRelease(e->user_info);
}

static Boolean
error_equal(CFTypeRef x, CFTypeRef y)
{
	CFErrorRef a = (CFErrorRef)(uintptr_t)x, b = (CFErrorRef)(uintptr_t)y;

	return a->code == b->code && CFEqual(a->domain, b->domain) &&
	    CFEqual(a->user_info, b->user_info);
}

static CFHashCode
error_hash(CFTypeRef cf)
{
	return (CFHashCode)((CFErrorRef)(uintptr_t)cf)->code;
}

static void
error_describe(CFTypeRef cf, struct cflite_buf *out, int indent)
{
	CFErrorRef e = (CFErrorRef)(uintptr_t)cf;
	CFStringRef d = CFErrorCopyDescription(e);

	(void)indent;
	cflite_buf_adds(out, "Error Domain=");
	cflite_buf_add(out, cflite_str_bytes(e->domain), cflite_str_nbytes(e->domain));
	cflite_buf_printf(out, " Code=%ld \"", (long)e->code);
	if (d != NULL) {
		cflite_buf_add(out, cflite_str_bytes(d), cflite_str_nbytes(d));
		CFRelease(d);
	}
	cflite_buf_addc(out, '"');
}

const struct cflite_class cflite_error_class = {
	.name = "CFError",
	.finalize = error_finalize,
	.equal = error_equal,
	.hash = error_hash,
	.describe = error_describe,
};
