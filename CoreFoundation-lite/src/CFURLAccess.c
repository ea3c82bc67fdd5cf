/* CFURLCreateDataAndPropertiesFromResource for file URLs. */
#include "cflite_internal.h"

#include <errno.h>
#include <stdlib.h>

static SInt32
url_error(int err)
{
	switch (err) {
	case ENOENT:
	case ENOTDIR:
		return kCFURLResourceNotFoundError;
	case EACCES:
	case EPERM:
		return kCFURLResourceAccessViolationError;
	default:
		return kCFURLUnknownError;
	}
}

Boolean
CFURLCreateDataAndPropertiesFromResource(CFAllocatorRef alloc, CFURLRef url,
    CFDataRef *resourceData, CFDictionaryRef *properties, CFArrayRef desiredProperties,
    SInt32 *errorCode)
{
	char *path, *bytes = NULL;
	size_t len;
	int err;

	(void)desiredProperties;
	if (properties != NULL)
		*properties = NULL;
	if (resourceData != NULL)
		*resourceData = NULL;
	if (errorCode != NULL)
		*errorCode = 0;
	if (!cflite_is(url, CF_TID_URL)) {
		if (errorCode != NULL)
			*errorCode = kCFURLImproperArgumentsError;
		return false;
	}
	path = cflite_url_copy_abs_path(url);
	err = path != NULL ? cflite_read_file(path, kCFLiteMaxResourceSize, &bytes, &len) : ENOMEM;
	free(path);
	if (err == 0 && resourceData != NULL) {
		*resourceData = CFDataCreateWithBytesNoCopy(alloc, (const UInt8 *)bytes,
		    (CFIndex)len, kCFAllocatorMalloc);
		bytes = NULL;
		if (*resourceData == NULL)
			err = ENOMEM;
	}
	free(bytes);
	if (err != 0 && errorCode != NULL)
		*errorCode = url_error(err);
	return err == 0;
}
