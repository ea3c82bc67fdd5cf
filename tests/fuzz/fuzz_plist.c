/*
 * libFuzzer harness: the property-list loader (XML, binary, OpenStep) on
 * arbitrary bytes. What parses is also copied, compared, described and
 * written back in both formats, so the bounded recursion of each is tested.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <CoreFoundation/CFLiteExtras.h>
#include <CoreFoundation/CoreFoundation.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * What we write we must read back. For XML, writing what was read back must
 * give the same bytes (XML keeps dates to the second, so the values may
 * differ from the input's, but never drift); binary has libplist's
 * documented limits (no NUL in strings, integers above INT64_MAX come back
 * negative), so it must only read back.
 */
static void
write_back(CFPropertyListRef plist, CFPropertyListFormat fmt)
{
	CFDataRef out = CFPropertyListCreateData(NULL, plist, fmt, 0, NULL), again_out;
	CFPropertyListRef again;

	if (out == NULL)
		return;
	again = CFPropertyListCreateWithData(NULL, out, kCFPropertyListImmutable, NULL, NULL);
	if (again == NULL)
		abort();
	if (fmt == kCFPropertyListXMLFormat_v1_0) {
		again_out = CFPropertyListCreateData(NULL, again, fmt, 0, NULL);
		if (again_out == NULL || !CFEqual(out, again_out))
			abort();
		CFRelease(again_out);
	}
	CFRelease(again);
	CFRelease(out);
}

/*
 * An XML property list reads the same through libxml2's tree alone: the
 * SAX reader (cflite_plist_sax.c) never takes what the tree refuses, nor
 * reads a different value.
 */
static void
same_as_tree(CFDataRef d, CFPropertyListRef plist)
{
	CFPropertyListRef tree;

	if (CFDataGetLength(d) >= 8 && memcmp(CFDataGetBytePtr(d), "bplist00", 8) == 0)
		return;
	tree = CFLitePropertyListCreateWithXMLTree(d, kCFPropertyListMutableContainersAndLeaves,
	    NULL);
	if ((tree == NULL) != (plist == NULL) || (tree != NULL && !CFEqual(tree, plist)))
		abort();
	if (tree != NULL)
		CFRelease(tree);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	CFDataRef d = CFDataCreateWithBytesNoCopy(NULL, data, (CFIndex)size, kCFAllocatorNull);
	CFPropertyListFormat fmt = 0;
	CFErrorRef error = NULL;
	CFPropertyListRef plist, copy;
	CFStringRef desc;

	if (d == NULL)
		return 0;
	plist = CFPropertyListCreateWithData(NULL, d, kCFPropertyListMutableContainersAndLeaves,
	    &fmt, &error);
	same_as_tree(d, plist);
	CFRelease(d);
	if (plist == NULL) {
		if (error != NULL)
			CFRelease(error);
		return 0;
	}
	copy = CFPropertyListCreateDeepCopy(NULL, plist, kCFPropertyListImmutable);
	if (copy != NULL) {
		if (!CFEqual(plist, copy))
			abort();
		(void)CFHash(copy);
		CFRelease(copy);
	}
	if ((desc = CFCopyDescription(plist)) != NULL)
		CFRelease(desc);
	write_back(plist, kCFPropertyListXMLFormat_v1_0);
	write_back(plist, kCFPropertyListBinaryFormat_v1_0);
	CFRelease(plist);
	return 0;
}
