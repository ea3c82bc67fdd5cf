/*
 * Errors returned by the kext libraries: an errno-style code plus a message a
 * user can act on (which file, which key, what was expected, what was found).
 * Libraries never print; tools decide how to show these.
 */
#ifndef KEXT_ERROR_H
#define KEXT_ERROR_H

#include <stddef.h>

#define KEXT_ERROR_MAX 1024

typedef struct kext_error {
	int code;		/* errno value (ENOENT, ENOEXEC, EFTYPE-like EINVAL...) */
	char msg[KEXT_ERROR_MAX];
} kext_error;

/* Fills *err (when not NULL) and returns -1, so callers can `return kext_fail(...)`. */
int kext_fail(kext_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefixes the message already in *err with more context ("path: " ...). */
int kext_fail_prefix(kext_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
