/*
 * CoreFoundation-lite: the classic CFURL resource access call.
 */
#ifndef __COREFOUNDATION_CFURLACCESS__
#define __COREFOUNDATION_CFURLACCESS__

#include <CoreFoundation/CFBase.h>
#include <CoreFoundation/CFArray.h>
#include <CoreFoundation/CFData.h>
#include <CoreFoundation/CFDictionary.h>
#include <CoreFoundation/CFURL.h>

CF_EXTERN_C_BEGIN

typedef CF_ENUM(CFIndex, CFURLError) {
	kCFURLUnknownError = -10L,
	kCFURLUnknownSchemeError = -11L,
	kCFURLResourceNotFoundError = -12L,
	kCFURLResourceAccessViolationError = -13L,
	kCFURLRemoteHostUnavailableError = -14L,
	kCFURLImproperArgumentsError = -15L,
	kCFURLUnknownPropertyKeyError = -16L,
	kCFURLPropertyKeyUnavailableError = -17L,
	kCFURLTimeoutError = -18L
};

/*
 * Reads a regular file into *resourceData.  Properties are not supported
 * (*properties is set to NULL).  Files larger than kCFLiteMaxResourceSize
 * (CFLiteExtras.h) are refused.  On failure returns false and sets
 * *errorCode to a CFURLError.
 */
CF_EXPORT Boolean CFURLCreateDataAndPropertiesFromResource(CFAllocatorRef alloc, CFURLRef url,
    CFDataRef *resourceData, CFDictionaryRef *properties, CFArrayRef desiredProperties,
    SInt32 *errorCode);

CF_EXTERN_C_END

#endif /* __COREFOUNDATION_CFURLACCESS__ */
