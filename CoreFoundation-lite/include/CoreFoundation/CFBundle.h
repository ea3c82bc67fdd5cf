/*
 * CoreFoundation-lite: CFBundle (read-only bundle inspection; no code
 * loading).
 *
 * Layouts (matched case-insensitively in the bundle directory, in order):
 * "Contents" (modern), "Resources" (old), "Support Files" (obsolete), else
 * flat.  CFBundleCreate returns NULL when the layout's Info.plist is missing
 * or is not a dictionary.  Each call creates a new bundle object.
 */
#ifndef __COREFOUNDATION_CFBUNDLE__
#define __COREFOUNDATION_CFBUNDLE__

#include <CoreFoundation/CFBase.h>
#include <CoreFoundation/CFArray.h>
#include <CoreFoundation/CFDictionary.h>
#include <CoreFoundation/CFString.h>
#include <CoreFoundation/CFURL.h>

CF_EXTERN_C_BEGIN

typedef struct __CFBundle *CFBundleRef;

CF_EXPORT const CFStringRef kCFBundleInfoDictionaryVersionKey;
CF_EXPORT const CFStringRef kCFBundleExecutableKey;
CF_EXPORT const CFStringRef kCFBundleIdentifierKey;
CF_EXPORT const CFStringRef kCFBundleVersionKey;
CF_EXPORT const CFStringRef kCFBundleDevelopmentRegionKey;
CF_EXPORT const CFStringRef kCFBundleNameKey;
CF_EXPORT const CFStringRef kCFBundleLocalizationsKey;

CF_EXPORT CFTypeID CFBundleGetTypeID(void);
CF_EXPORT CFBundleRef CFBundleCreate(CFAllocatorRef allocator, CFURLRef bundleURL);

CF_EXPORT CFURLRef CFBundleCopyBundleURL(CFBundleRef bundle);
CF_EXPORT CFStringRef CFBundleGetIdentifier(CFBundleRef bundle);
CF_EXPORT CFDictionaryRef CFBundleGetInfoDictionary(CFBundleRef bundle);
CF_EXPORT CFTypeRef CFBundleGetValueForInfoDictionaryKey(CFBundleRef bundle, CFStringRef key);
/*
 * 'vers' resource style: 0xMMmbSSrr for "MM.m.b[Srr]" with stage S one of
 * d (0x20), a (0x40), b (0x60), f (0x80), release = 0x80.  A CFNumber
 * CFBundleVersion is returned as is; anything unparsable gives 0.
 */
CF_EXPORT UInt32 CFBundleGetVersionNumber(CFBundleRef bundle);
/* Big-endian FourCCs of CFBundlePackageType / CFBundleSignature ('????' when absent). */
CF_EXPORT void CFBundleGetPackageInfo(CFBundleRef bundle, UInt32 *packageType,
    UInt32 *packageCreator);

/* NULL when there is no CFBundleExecutable or no such file. */
CF_EXPORT CFURLRef CFBundleCopyExecutableURL(CFBundleRef bundle);
CF_EXPORT CFURLRef CFBundleCopyResourcesDirectoryURL(CFBundleRef bundle);
CF_EXPORT CFURLRef CFBundleCopyBuiltInPlugInsURL(CFBundleRef bundle);
CF_EXPORT CFURLRef CFBundleCopySupportFilesDirectoryURL(CFBundleRef bundle);

/* The info dictionary of the bundle at bundleURL without creating a bundle. */
CF_EXPORT CFDictionaryRef CFBundleCopyInfoDictionaryInDirectory(CFURLRef bundleURL);

CF_EXTERN_C_END

#endif /* __COREFOUNDATION_CFBUNDLE__ */
