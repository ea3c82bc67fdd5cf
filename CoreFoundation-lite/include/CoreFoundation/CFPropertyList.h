/*
 * CoreFoundation-lite: property lists (XML v1.0 and binary v1.0).
 *
 * XML is parsed with libxml2 without network access, DTD loading or entity
 * expansion: documents declaring entities are refused.  Inputs larger than
 * 16 MiB or nested deeper than 128 containers are refused.  Parse errors are
 * kCFPropertyListReadCorruptError in kCFErrorDomainCocoa, with a description
 * naming the line and the problem, e.g.
 * "line 12: <integer> value 'abc' is not a number".
 *
 * XML output matches Apple's byte for byte: prolog and DOCTYPE, tab
 * indentation, dictionary keys in sorted order.  Binary plists are read and
 * written through libplist; libplist 2.2 cannot store strings holding NUL
 * (writing fails) nor integers above INT64_MAX (they come back negative).
 */
#ifndef __COREFOUNDATION_CFPROPERTYLIST__
#define __COREFOUNDATION_CFPROPERTYLIST__

#include <CoreFoundation/CFBase.h>
#include <CoreFoundation/CFData.h>
#include <CoreFoundation/CFString.h>
#include <CoreFoundation/CFError.h>

CF_EXTERN_C_BEGIN

typedef CF_OPTIONS(CFOptionFlags, CFPropertyListMutabilityOptions) {
	kCFPropertyListImmutable = 0,
	kCFPropertyListMutableContainers = 1 << 0,
	kCFPropertyListMutableContainersAndLeaves = 1 << 1
};

typedef CF_ENUM(CFIndex, CFPropertyListFormat) {
	kCFPropertyListOpenStepFormat = 1,
	kCFPropertyListXMLFormat_v1_0 = 100,
	kCFPropertyListBinaryFormat_v1_0 = 200
};

enum {
	kCFPropertyListReadCorruptError = 3840,
	kCFPropertyListReadUnknownVersionError = 3841,
	kCFPropertyListReadStreamError = 3842,
	kCFPropertyListWriteStreamError = 3851
};

/* Largest property list accepted (bytes) and deepest container nesting. */
#define kCFLitePropertyListMaxSize (16 * 1024 * 1024)
#define kCFLitePropertyListMaxDepth 128

/* format and error may be NULL.  The caller releases *error. */
CF_EXPORT CFPropertyListRef CFPropertyListCreateWithData(CFAllocatorRef allocator,
    CFDataRef data, CFOptionFlags options, CFPropertyListFormat *format, CFErrorRef *error);
/* XML v1.0 or binary v1.0; options must be 0. */
CF_EXPORT CFDataRef CFPropertyListCreateData(CFAllocatorRef allocator,
    CFPropertyListRef propertyList, CFPropertyListFormat format, CFOptionFlags options,
    CFErrorRef *error);
CF_EXPORT Boolean CFPropertyListIsValid(CFPropertyListRef plist, CFPropertyListFormat format);
CF_EXPORT CFPropertyListRef CFPropertyListCreateDeepCopy(CFAllocatorRef allocator,
    CFPropertyListRef propertyList, CFOptionFlags mutabilityOption);

/* Older API (deprecated by Apple, still common in kext tools). */
CF_EXPORT CFPropertyListRef CFPropertyListCreateFromXMLData(CFAllocatorRef allocator,
    CFDataRef xmlData, CFOptionFlags mutabilityOption, CFStringRef *errorString);
CF_EXPORT CFDataRef CFPropertyListCreateXMLData(CFAllocatorRef allocator,
    CFPropertyListRef propertyList);

CF_EXTERN_C_END

#endif /* __COREFOUNDATION_CFPROPERTYLIST__ */
