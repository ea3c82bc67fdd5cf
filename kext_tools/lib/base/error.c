/* Building the error values the kext libraries return. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "kext/error.h"

int
kext_fail(kext_error *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL)
		return -1;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

int
kext_fail_prefix(kext_error *err, const char *fmt, ...)
{
	char prefix[KEXT_ERROR_MAX], old[KEXT_ERROR_MAX];
	va_list ap;

	if (err == NULL)
		return -1;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	/* Messages are bounded; a very long one loses its tail, never its start. */
	memcpy(old, err->msg, sizeof(old));
	strlcpy(err->msg, prefix, sizeof(err->msg));
	strlcat(err->msg, old, sizeof(err->msg));
	return -1;
}
