/*
 * CoreFoundation-lite: CFString / CFMutableString.
 *
 * Strings hold UTF-8 internally.  Lengths, indexes and ranges are counted in
 * UTF-16 code units, as in Apple's CF.  Supported encodings: UTF-8, ASCII and
 * ISO Latin-1 (MacRoman, WindowsLatin1, NextStepLatin: their ASCII subset);
 * other encodings make the create calls return NULL and GetCString return
 * false.  Invalid UTF-8 input is rejected (NULL), and so is UTF-16 with
 * unpaired surrogates.  Case-insensitive comparison folds ASCII letters only.
 */
#ifndef __COREFOUNDATION_CFSTRING__
#define __COREFOUNDATION_CFSTRING__

#include <CoreFoundation/CFBase.h>
#include <CoreFoundation/CFArray.h>
#include <CoreFoundation/CFDictionary.h>

CF_EXTERN_C_BEGIN

typedef UInt32 CFStringEncoding;

typedef CF_ENUM(CFStringEncoding, CFStringBuiltInEncodings) {
	kCFStringEncodingMacRoman = 0,
	kCFStringEncodingWindowsLatin1 = 0x0500,
	kCFStringEncodingISOLatin1 = 0x0201,
	kCFStringEncodingNextStepLatin = 0x0B01,
	kCFStringEncodingASCII = 0x0600,
	kCFStringEncodingUnicode = 0x0100,
	kCFStringEncodingUTF8 = 0x08000100,
	kCFStringEncodingNonLossyASCII = 0x0BFF,
	kCFStringEncodingUTF16 = 0x0100,
	kCFStringEncodingUTF16BE = 0x10000100,
	kCFStringEncodingUTF16LE = 0x14000100,
	kCFStringEncodingUTF32 = 0x0c000100,
	kCFStringEncodingUTF32BE = 0x18000100,
	kCFStringEncodingUTF32LE = 0x1c000100
};

#define kCFStringEncodingInvalidId (0xffffffffU)

typedef CF_OPTIONS(CFOptionFlags, CFStringCompareFlags) {
	kCFCompareCaseInsensitive = 1,
	kCFCompareBackwards = 4,
	kCFCompareAnchored = 8,
	kCFCompareNonliteral = 16,
	kCFCompareLocalized = 32,
	kCFCompareNumerically = 64,
	kCFCompareDiacriticInsensitive = 128,
	kCFCompareWidthInsensitive = 256,
	kCFCompareForcedOrdering = 512
};

/* Private: layout of a compile-time constant string (see CFSTR). */
struct __CFConstStr {
	struct __CFRuntimeBase _base;
	const char *_ptr;	/* UTF-8, NUL-terminated */
	CFIndex _length;	/* bytes, without the NUL */
};

/*
 * Private.  The result of CFSTR goes through this call because clang 14 drops
 * the static object of a statement expression used inside an aggregate
 * initializer ({ CFSTR("a"), CFSTR("b") }) when it can fold the address.
 */
CF_INLINE CFStringRef
__CFLiteConstantString(const struct __CFConstStr *str)
{
	return (CFStringRef)(const void *)str;
}

/*
 * CFSTR("literal"): an immortal constant CFStringRef, built at compile time
 * (a static object, no allocation, no lookup).  Usable anywhere an
 * expression is allowed inside a function.  The literal must be UTF-8.
 */
#define CFSTR(cStr) (__extension__({					\
	static const struct __CFConstStr __cfstr_const = {		\
		{ __kCFLiteISA, __kCFLiteStringTypeID | __kCFLiteInfoImmortal, 0 }, \
		"" cStr "", (CFIndex)(sizeof("" cStr "") - 1) };	\
	__CFLiteConstantString(&__cfstr_const);				\
}))

CF_EXPORT CFTypeID CFStringGetTypeID(void);

/* Creating */
CF_EXPORT CFStringRef CFStringCreateWithCString(CFAllocatorRef alloc, const char *cStr,
    CFStringEncoding encoding);
CF_EXPORT CFStringRef CFStringCreateWithBytes(CFAllocatorRef alloc, const UInt8 *bytes,
    CFIndex numBytes, CFStringEncoding encoding, Boolean isExternalRepresentation);
CF_EXPORT CFStringRef CFStringCreateWithCharacters(CFAllocatorRef alloc, const UniChar *chars,
    CFIndex numChars);
CF_EXPORT CFStringRef CFStringCreateWithFormat(CFAllocatorRef alloc,
    CFDictionaryRef formatOptions, CFStringRef format, ...);
CF_EXPORT CFStringRef CFStringCreateWithFormatAndArguments(CFAllocatorRef alloc,
    CFDictionaryRef formatOptions, CFStringRef format, va_list arguments);
CF_EXPORT CFStringRef CFStringCreateCopy(CFAllocatorRef alloc, CFStringRef theString);
CF_EXPORT CFStringRef CFStringCreateWithSubstring(CFAllocatorRef alloc, CFStringRef str,
    CFRange range);
CF_EXPORT CFArrayRef CFStringCreateArrayBySeparatingStrings(CFAllocatorRef alloc,
    CFStringRef theString, CFStringRef separatorString);
CF_EXPORT CFStringRef CFStringCreateByCombiningStrings(CFAllocatorRef alloc,
    CFArrayRef theArray, CFStringRef separatorString);

/* Mutable strings (maxLength 0 = unlimited; a positive limit is not enforced) */
CF_EXPORT CFMutableStringRef CFStringCreateMutable(CFAllocatorRef alloc, CFIndex maxLength);
CF_EXPORT CFMutableStringRef CFStringCreateMutableCopy(CFAllocatorRef alloc, CFIndex maxLength,
    CFStringRef theString);
CF_EXPORT void CFStringAppend(CFMutableStringRef theString, CFStringRef appendedString);
CF_EXPORT void CFStringAppendCString(CFMutableStringRef theString, const char *cStr,
    CFStringEncoding encoding);
CF_EXPORT void CFStringAppendCharacters(CFMutableStringRef theString, const UniChar *chars,
    CFIndex numChars);
CF_EXPORT void CFStringAppendFormat(CFMutableStringRef theString, CFDictionaryRef formatOptions,
    CFStringRef format, ...);
CF_EXPORT void CFStringAppendFormatAndArguments(CFMutableStringRef theString,
    CFDictionaryRef formatOptions, CFStringRef format, va_list arguments);
CF_EXPORT void CFStringInsert(CFMutableStringRef str, CFIndex idx, CFStringRef insertedStr);
CF_EXPORT void CFStringDelete(CFMutableStringRef theString, CFRange range);
CF_EXPORT void CFStringReplace(CFMutableStringRef theString, CFRange range,
    CFStringRef replacement);
CF_EXPORT void CFStringReplaceAll(CFMutableStringRef theString, CFStringRef replacement);
CF_EXPORT CFIndex CFStringFindAndReplace(CFMutableStringRef theString, CFStringRef stringToFind,
    CFStringRef replacementString, CFRange rangeToSearch, CFStringCompareFlags compareOptions);
CF_EXPORT void CFStringTrimWhitespace(CFMutableStringRef theString);
/* locale is ignored; only ASCII letters change case. */
CF_EXPORT void CFStringLowercase(CFMutableStringRef theString, const void *locale);
CF_EXPORT void CFStringUppercase(CFMutableStringRef theString, const void *locale);

/* Accessing */
CF_EXPORT CFIndex CFStringGetLength(CFStringRef theString);
CF_EXPORT UniChar CFStringGetCharacterAtIndex(CFStringRef theString, CFIndex idx);
CF_EXPORT void CFStringGetCharacters(CFStringRef theString, CFRange range, UniChar *buffer);
CF_EXPORT Boolean CFStringGetCString(CFStringRef theString, char *buffer, CFIndex bufferSize,
    CFStringEncoding encoding);
/* Non-NULL for UTF-8 (and for ASCII when the string is pure ASCII). */
CF_EXPORT const char *CFStringGetCStringPtr(CFStringRef theString, CFStringEncoding encoding);
CF_EXPORT CFIndex CFStringGetMaximumSizeForEncoding(CFIndex length, CFStringEncoding encoding);
CF_EXPORT CFStringEncoding CFStringGetSystemEncoding(void);
CF_EXPORT SInt32 CFStringGetIntValue(CFStringRef str);
CF_EXPORT double CFStringGetDoubleValue(CFStringRef str);

/* Comparing and searching */
CF_EXPORT CFComparisonResult CFStringCompare(CFStringRef theString1, CFStringRef theString2,
    CFStringCompareFlags compareOptions);
CF_EXPORT CFComparisonResult CFStringCompareWithOptions(CFStringRef theString1,
    CFStringRef theString2, CFRange rangeToCompare, CFStringCompareFlags compareOptions);
CF_EXPORT Boolean CFStringHasPrefix(CFStringRef theString, CFStringRef prefix);
CF_EXPORT Boolean CFStringHasSuffix(CFStringRef theString, CFStringRef suffix);
/* Not found: {kCFNotFound, 0}. Honors CaseInsensitive, Backwards, Anchored. */
CF_EXPORT CFRange CFStringFind(CFStringRef theString, CFStringRef stringToFind,
    CFStringCompareFlags compareOptions);
CF_EXPORT Boolean CFStringFindWithOptions(CFStringRef theString, CFStringRef stringToFind,
    CFRange rangeToSearch, CFStringCompareFlags searchOptions, CFRange *result);

CF_EXTERN_C_END

#endif /* __COREFOUNDATION_CFSTRING__ */
