/*
 * CoreFoundation-lite extras: helpers that are not part of Apple's CF, named
 * CFLite* so they are never mistaken for Apple API.
 */
#ifndef __COREFOUNDATION_CFLITEEXTRAS__
#define __COREFOUNDATION_CFLITEEXTRAS__

#include <CoreFoundation/CoreFoundation.h>

CF_EXTERN_C_BEGIN

/* Largest file CFURLCreateDataAndPropertiesFromResource reads (bytes). */
#define kCFLiteMaxResourceSize (256 * 1024 * 1024)

/*
 * Reads and parses the property list at path (XML or binary; opts are
 * CFPropertyListMutabilityOptions).  On failure returns NULL and, when err is
 * not NULL, a CFError whose description starts with the path, e.g.
 * "/x/Foo.kext/Contents/Info.plist: line 12: <integer> value 'abc' is not a number"
 * or "/x/Info.plist: No such file or directory" (code = errno in
 * kCFErrorDomainPOSIX for I/O failures).  fmt may be NULL.
 */
CF_EXPORT CFPropertyListRef CFLitePropertyListCreateFromPath(const char *path,
    CFOptionFlags opts, CFPropertyListFormat *fmt, CFErrorRef *err);

/*
 * CFBundleCreate with a reason on failure: the error description names the
 * path and what was wrong ("/x/Foo.kext: no Info.plist (looked for
 * /x/Foo.kext/Contents/Info.plist)", or the Info.plist parse error with its
 * path and line).  err may be NULL.
 */
CF_EXPORT CFBundleRef CFLiteBundleCreate(CFURLRef bundleURL, CFErrorRef *err);

/* URL of the Info.plist file the bundle was read from. */
CF_EXPORT CFURLRef CFLiteBundleCopyInfoPlistURL(CFBundleRef bundle);

/*
 * CFPropertyListCreateWithData for an XML property list read with libxml2's
 * tree alone, never the SAX reader that reads most files without a tree:
 * for tests that compare the two.
 */
CF_EXPORT CFPropertyListRef CFLitePropertyListCreateWithXMLTree(CFDataRef data,
    CFOptionFlags options, CFErrorRef *err);

/* UTF-8 copy of s, malloc'd (caller frees); NULL if s is NULL or not a string. */
CF_EXPORT char *CFLiteCopyCString(CFStringRef s);

CF_EXTERN_C_END

#endif /* __COREFOUNDATION_CFLITEEXTRAS__ */
