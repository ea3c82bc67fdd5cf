/*
 * CoreFoundation-lite: base types, the object runtime and allocators.
 *
 * Names, types and semantics follow Apple's CoreFoundation for the subset a
 * kext toolchain needs, so code written against Apple's CF compiles
 * unchanged.  Everything not named CF* / kCF* is marked as private (__CF*)
 * or lives in CFLiteExtras.h.
 *
 * Where Apple's CF would halt on a programming error, CF-lite answers
 * neutrally instead: a NULL or wrongly typed object gives 0 / NULL / false,
 * an index or range out of bounds is ignored, and mutating an object that
 * was created immutable changes nothing.
 */
#ifndef __COREFOUNDATION_CFBASE__
#define __COREFOUNDATION_CFBASE__

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdarg.h>

#ifdef __cplusplus
#define CF_EXTERN_C_BEGIN extern "C" {
#define CF_EXTERN_C_END }
#else
#define CF_EXTERN_C_BEGIN
#define CF_EXTERN_C_END
#endif

#define CF_EXPORT extern
#define CF_INLINE static inline
/* Apple's annotation macros: accepted and ignored. */
#define CF_RETURNS_RETAINED
#define CF_RETURNS_NOT_RETAINED
#define CF_RELEASES_ARGUMENT
#define CF_CONSUMED
#define CF_NOESCAPE
#define CF_BRIDGED_TYPE(T)
#define CF_BRIDGED_MUTABLE_TYPE(T)
#define CF_IMPLICIT_BRIDGING_ENABLED
#define CF_IMPLICIT_BRIDGING_DISABLED
#define CF_ASSUME_NONNULL_BEGIN
#define CF_ASSUME_NONNULL_END
#define CF_FORMAT_FUNCTION(F, A)
#define CF_FORMAT_ARGUMENT(A)
#define CF_AVAILABLE(mac, ios)
#define CF_AVAILABLE_MAC(mac)
#define CF_DEPRECATED(a, b, c, d)

/* Plain-C form of Apple's CF_ENUM / CF_OPTIONS: `typedef T Name; enum { ... };`. */
#define CF_ENUM(_type, _name) _type _name; enum
#define CF_OPTIONS(_type, _name) _type _name; enum

CF_EXTERN_C_BEGIN

#if !defined(TRUE)
#define TRUE 1
#endif
#if !defined(FALSE)
#define FALSE 0
#endif

/* MacTypes.h subset (same widths as Apple's LP64 definitions). */
#ifndef __MACTYPES__
typedef unsigned char Boolean;
typedef unsigned char UInt8;
typedef signed char SInt8;
typedef unsigned short UInt16;
typedef signed short SInt16;
typedef unsigned int UInt32;
typedef signed int SInt32;
typedef unsigned long long UInt64;
typedef signed long long SInt64;
typedef float Float32;
typedef double Float64;
typedef UInt16 UniChar;
typedef UInt32 UTF32Char;
typedef UInt32 FourCharCode;
typedef FourCharCode OSType;
typedef UInt8 *StringPtr;
typedef SInt32 OSStatus;
#endif

typedef unsigned long CFTypeID;
typedef unsigned long CFOptionFlags;
typedef unsigned long CFHashCode;
typedef signed long CFIndex;

typedef const void *CFTypeRef;
typedef const struct __CFString *CFStringRef;
typedef struct __CFString *CFMutableStringRef;
typedef CFTypeRef CFPropertyListRef;
typedef const struct __CFAllocator *CFAllocatorRef;
typedef const struct __CFNull *CFNullRef;

typedef CF_ENUM(CFIndex, CFComparisonResult) {
	kCFCompareLessThan = -1L,
	kCFCompareEqualTo = 0,
	kCFCompareGreaterThan = 1
};

typedef CFComparisonResult (*CFComparatorFunction)(const void *val1, const void *val2,
    void *context);

enum { kCFNotFound = -1 };

typedef struct {
	CFIndex location;
	CFIndex length;
} CFRange;

CF_INLINE CFRange
CFRangeMake(CFIndex loc, CFIndex len)
{
	CFRange range;

	range.location = loc;
	range.length = len;
	return range;
}

/*
 * Allocators.  Every allocator argument is accepted; memory always comes from
 * malloc.  kCFAllocatorDefault is NULL, as in Apple's CF.  kCFAllocatorNull
 * means "do not free" where an API takes a deallocator for caller memory.
 */
CF_EXPORT const CFAllocatorRef kCFAllocatorDefault;
CF_EXPORT const CFAllocatorRef kCFAllocatorSystemDefault;
CF_EXPORT const CFAllocatorRef kCFAllocatorMalloc;
CF_EXPORT const CFAllocatorRef kCFAllocatorNull;
CF_EXPORT CFTypeID CFAllocatorGetTypeID(void);
CF_EXPORT CFAllocatorRef CFAllocatorGetDefault(void);

/* The object runtime. */
CF_EXPORT CFTypeID CFGetTypeID(CFTypeRef cf);
CF_EXPORT CFStringRef CFCopyTypeIDDescription(CFTypeID type_id);
CF_EXPORT CFTypeRef CFRetain(CFTypeRef cf);
CF_EXPORT void CFRelease(CFTypeRef cf);
CF_EXPORT CFIndex CFGetRetainCount(CFTypeRef cf);
CF_EXPORT Boolean CFEqual(CFTypeRef cf1, CFTypeRef cf2);
CF_EXPORT CFHashCode CFHash(CFTypeRef cf);
CF_EXPORT CFStringRef CFCopyDescription(CFTypeRef cf);
CF_EXPORT CFAllocatorRef CFGetAllocator(CFTypeRef cf);
/* Writes a description of obj to stderr (debugging aid, as in Apple's CF). */
CF_EXPORT void CFShow(CFTypeRef obj);

/* The null singleton. */
CF_EXPORT const CFNullRef kCFNull;
CF_EXPORT CFTypeID CFNullGetTypeID(void);

/*
 * Private: the header every CF-lite object starts with.  It is public only so
 * that CFSTR() can build constant strings at compile time; do not touch.
 */
struct __CFRuntimeBase {
	uintptr_t _cfisa;	/* __kCFLiteISA: marks a live CF-lite object */
	uint32_t _cfinfo;	/* type id (low 16 bits) and __kCFLiteInfo* flags */
	uint32_t _rc;		/* retain count; unused for immortal objects */
};

#define __kCFLiteISA ((uintptr_t)0x43464c4954454f42ULL)	/* "CFLITEOB" */
#define __kCFLiteInfoImmortal 0x00010000u	/* never freed (constants) */
#define __kCFLiteInfoMutable 0x00020000u	/* created by a *CreateMutable* call */
#define __kCFLiteStringTypeID 4u

CF_EXTERN_C_END

#endif /* __COREFOUNDATION_CFBASE__ */
