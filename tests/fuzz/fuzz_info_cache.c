/*
 * libFuzzer harness: the form kept Info.plists take in the cache
 * (bundle_info_codec.c). Any bytes either decode to a property list or to
 * nothing, within bounds; what decodes encodes again to bytes that decode
 * to an equal property list (or, for a NaN, to the same bytes).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "../../kext_tools/lib/bundle/bundle_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	CFPropertyListRef plist = bundle_info_decode(data, size), again;
	CFDataRef bytes, bytes2;

	if (plist == NULL)
		return 0;
	bytes = bundle_info_encode(plist);
	if (bytes == NULL)
		abort();	/* everything the form holds it can write */
	again = bundle_info_decode(CFDataGetBytePtr(bytes), (size_t)CFDataGetLength(bytes));
	if (again == NULL || (bytes2 = bundle_info_encode(again)) == NULL)
		abort();
	/* equal, or (a NaN is equal to nothing) written the same */
	if (!CFEqual(again, plist) && !CFEqual(bytes, bytes2))
		abort();
	CFRelease(bytes2);
	CFRelease(again);
	CFRelease(bytes);
	CFRelease(plist);
	return 0;
}
